/* report_facts.c - what the support-case report derives from one
 * connection's facts (see casereport_int.h): the message that ended the
 * handshake, the evidence rows, key facts, follow-up commands and the
 * handshake's steps.  Format-free: the back ends render what it returns. */
#include "casereport_int.h"
#include "ta_escape.h"

#include <string.h>
#include <time.h>

const char *cr_str(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s != NULL ? s : "";
}

long long cr_int(json_t *o, const char *key)
{
    return (long long)json_integer_value(json_object_get(o, key));
}

void cr_time(double t, char *buf, size_t n)
{
    time_t secs = (time_t)t;
    struct tm tm;
    char day[32];
    if (t <= 0 || gmtime_r(&secs, &tm) == NULL) {
        snprintf(buf, n, "-");
        return;
    }
    strftime(day, sizeof(day), "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf, n, "%s.%03dZ", day, (int)((t - (double)secs) * 1000.0) % 1000);
}

void cr_span_of(json_t *capture, char *buf, size_t n)
{
    double first = json_number_value(json_object_get(capture, "first_time"));
    double last = json_number_value(json_object_get(capture, "last_time"));
    double d = last - first;
    if (first <= 0 || d < 0) {
        snprintf(buf, n, "-");
    } else if (d < 1) {
        snprintf(buf, n, "%.1f ms", d * 1000.0);
    } else if (d < 120) {
        snprintf(buf, n, "%.1f s", d);
    } else if (d < 7200) {
        snprintf(buf, n, "%.1f min", d / 60.0);
    } else {
        snprintf(buf, n, "%.1f h", d / 3600.0);
    }
}

/* The index into "messages" of the message that ended the handshake (the
 * ending alert), or -1 when none did; *out_close is set when the TCP close
 * (reset or FIN) at handshake.close_frame should be drawn, and
 * *out_close_fails when it is what failed. */
static long failing(json_t *conn, bool *out_close, bool *out_close_fails)
{
    json_t *alert = json_object_get(conn, "alert");
    json_t *hs = json_object_get(conn, "handshake");
    const char *outcome = cr_str(conn, "outcome");
    json_t *m;
    size_t i;

    /* QUIC's close is a message of its own (ConnectionClose, or the alert it
     * carries): no TCP close line. */
    bool quic = json_is_object(json_object_get(conn, "quic"));
    *out_close = !quic && json_is_integer(json_object_get(hs, "close_frame")) &&
                 strcmp(outcome, "completed") != 0;
    *out_close_fails = false;
    if (quic && strcmp(outcome, "closed") == 0) {
        json_array_foreach(json_object_get(conn, "messages"), i, m) {
            if (strcmp(cr_str(m, "message"), "ConnectionClose") == 0 ||
                strcmp(cr_str(m, "message"), "VersionNegotiation") == 0) {
                return (long)i;
            }
        }
    }
    if (json_is_integer(json_object_get(alert, "frame"))) {
        long long frame = cr_int(alert, "frame");
        json_array_foreach(json_object_get(conn, "messages"), i, m) {
            if (cr_int(m, "frame") == frame && strcmp(cr_str(m, "message"), "Alert") == 0) {
                return (long)i;
            }
        }
    }
    *out_close_fails = *out_close && (strcmp(outcome, "reset") == 0 ||
                                      strcmp(outcome, "closed") == 0 ||
                                      strcmp(outcome, "not_tls") == 0);
    return -1;
}

/* "ClientHello" / "Alert fatal unknown_ca" (fixed vocabulary only; no
 * capture-derived string) for message |m|. */
static void message_label(json_t *conn, json_t *m, char *buf, size_t n)
{
    const char *what = cr_str(m, "message");
    /* Read with a key log (the facts mark such messages "decrypted"). */
    const char *dec = json_is_true(json_object_get(m, "decrypted")) ? " (decrypted)" : "";
    json_t *qc = json_object_get(json_object_get(conn, "quic"), "close");
    if (strcmp(what, "ConnectionClose") == 0 && json_is_object(qc) &&
        cr_int(qc, "frame") == cr_int(m, "frame")) {
        snprintf(buf, n, "ConnectionClose %s%s",
                 json_is_string(json_object_get(qc, "error")) ? cr_str(qc, "error")
                                                               : cr_str(qc, "error_code"),
                 dec);
        return;
    }
    if (strcmp(what, "Alert") != 0) {
        snprintf(buf, n, "%s%s", what, dec);
        return;
    }
    json_t *al = json_array_get(json_object_get(conn, "alerts"), (size_t)cr_int(m, "alert"));
    if (json_is_true(json_object_get(al, "encrypted"))) {
        snprintf(buf, n, "Alert (encrypted%s)",
                 json_is_true(json_object_get(al, "inferred")) ? ", recognised by size" : "");
    } else if (json_is_string(json_object_get(al, "description"))) {
        snprintf(buf, n, "Alert %s %s%s", cr_str(al, "level"), cr_str(al, "description"), dec);
    } else {
        snprintf(buf, n, "Alert code %lld%s", cr_int(al, "code"), dec);
    }
}

json_t *cr_evidence_rows(json_t *conn, json_t *d)
{
    json_t *rows = json_array();
    json_t *e;
    json_t *m;
    size_t i;
    size_t k;

    json_array_foreach(json_object_get(d, "evidence"), i, e) {
        long long frame = cr_int(e, "frame");
        char msgs[512] = "";
        size_t used = 0;
        const char *from = "";
        json_array_foreach(json_object_get(conn, "messages"), k, m) {
            char label[128];
            if (cr_int(m, "frame") != frame || used >= sizeof(msgs)) {
                continue;
            }
            from = cr_str(m, "from");
            message_label(conn, m, label, sizeof(label));
            used += (size_t)snprintf(msgs + used, sizeof(msgs) - used, "%s%s",
                                     used > 0 ? ", " : "", label);
        }
        const char *dir = strcmp(from, "client") == 0   ? "client → server"
                          : strcmp(from, "server") == 0 ? "server → client"
                                                        : "";
        json_array_append_new(rows, json_pack("{s:I, s:s, s:s, s:s}", "frame", (json_int_t)frame,
                                              "direction", dir, "messages", msgs, "fact",
                                              cr_str(e, "fact")));
    }
    return rows;
}

static void fact(json_t *facts, const char *label, const char *value)
{
    if (value != NULL && value[0] != '\0') {
        json_array_append_new(facts, json_pack("[s, s]", label, value));
    }
}

static void fact_list(json_t *facts, const char *label, json_t *arr, size_t max)
{
    char buf[1024];
    size_t used = 0;
    json_t *v;
    size_t i;
    buf[0] = '\0';
    json_array_foreach(arr, i, v) {
        if (i >= max) {
            snprintf(buf + used, sizeof(buf) - used, " (+%zu more)", json_array_size(arr) - max);
            break;
        }
        if (used < sizeof(buf)) {
            used += (size_t)snprintf(buf + used, sizeof(buf) - used, "%s%s", i > 0 ? ", " : "",
                                     json_is_string(v) ? json_string_value(v) : "?");
        }
    }
    fact(facts, label, buf);
}

/* An object the facts may carry that the report does not know in detail
 * (chain checks, decryption): every scalar member as "key value". */
static void fact_generic(json_t *facts, const char *label, json_t *obj)
{
    char buf[1024];
    size_t used = 0;
    const char *k;
    json_t *v;
    buf[0] = '\0';
    json_object_foreach(obj, k, v) {
        char val[256];
        if (json_is_string(v)) {
            snprintf(val, sizeof(val), "%s", json_string_value(v));
        } else if (json_is_integer(v)) {
            snprintf(val, sizeof(val), "%lld", (long long)json_integer_value(v));
        } else if (json_is_real(v)) {
            snprintf(val, sizeof(val), "%g", json_real_value(v));
        } else if (json_is_boolean(v)) {
            snprintf(val, sizeof(val), "%s", json_is_true(v) ? "yes" : "no");
        } else if (json_is_array(v) && json_array_size(v) > 0) {
            snprintf(val, sizeof(val), "%zu items", json_array_size(v));
        } else {
            continue;
        }
        if (used < sizeof(buf)) {
            used += (size_t)snprintf(buf + used, sizeof(buf) - used, "%s%s %s",
                                     used > 0 ? "; " : "", k, val);
        }
    }
    fact(facts, label, buf);
}

static void facts_certificates(json_t *facts, json_t *conn)
{
    json_t *c;
    size_t i;
    size_t shown = 0;
    json_array_foreach(json_object_get(conn, "certificates"), i, c) {
        char label[64];
        char buf[1024];
        if (shown >= 6) {
            snprintf(buf, sizeof(buf), "%zu more", json_array_size(json_object_get(conn,
                                                                                "certificates")) -
                                                      shown);
            fact(facts, "certificates", buf);
            break;
        }
        snprintf(label, sizeof(label), "%s certificate %zu (frame %lld)", cr_str(c, "from"), i,
                 cr_int(c, "frame"));
        if (json_is_true(json_object_get(c, "parse_error"))) {
            snprintf(buf, sizeof(buf), "does not parse (sha256 %s)", cr_str(c, "sha256"));
        } else {
            snprintf(buf, sizeof(buf), "subject %s; issuer %s; valid %s .. %s",
                     cr_str(c, "subject"), cr_str(c, "issuer"), cr_str(c, "not_before"),
                     cr_str(c, "not_after"));
        }
        fact(facts, label, buf);
        snprintf(label, sizeof(label), "  names (SAN)");
        fact_list(facts, label, json_object_get(c, "san"), 8);
        shown++;
    }
}

json_t *cr_key_facts(json_t *conn)
{
    json_t *facts = json_array();
    json_t *ch = json_object_get(conn, "client_hello");
    json_t *sh = json_object_get(conn, "server_hello");
    json_t *hs = json_object_get(conn, "handshake");
    char buf[256];

    fact(facts, "outcome", cr_str(conn, "outcome"));
    if (json_is_object(ch)) {
        snprintf(buf, sizeof(buf), "frame %lld, up to %s, %zu cipher suites", cr_int(ch, "frame"),
                 cr_str(ch, "max_version"), json_array_size(json_object_get(ch, "cipher_suites")));
        fact(facts, "ClientHello", buf);
        fact(facts, "SNI", json_is_string(json_object_get(ch, "sni")) ? cr_str(ch, "sni")
                                                                     : "(none sent)");
        fact_list(facts, "ALPN offered", json_object_get(ch, "alpn"), 8);
        fact_list(facts, "cipher suites offered", json_object_get(ch, "cipher_suites"), 12);
        if (json_is_string(json_object_get(ch, "ja4"))) {
            snprintf(buf, sizeof(buf), "JA4 %s; JA3 %s", cr_str(ch, "ja4"),
                     cr_str(ch, "ja3_hash"));
            fact(facts, "client fingerprint", buf);
        }
    }
    if (json_is_object(sh)) {
        snprintf(buf, sizeof(buf), "frame %lld, %s, %s%s", cr_int(sh, "frame"),
                 cr_str(sh, "version"), cr_str(sh, "cipher_suite"),
                 json_is_true(json_object_get(sh, "hello_retry_request")) ? ", after a "
                 "HelloRetryRequest" : "");
        fact(facts, "ServerHello", buf);
    }
    facts_certificates(facts, conn);
    if (json_is_object(hs)) {
        fact(facts, "handshake stopped at", cr_str(hs, "stage"));
        fact(facts, "connection closed by", cr_str(hs, "closed_by"));
        if (json_is_number(json_object_get(hs, "server_response_ms"))) {
            snprintf(buf, sizeof(buf), "%.3f ms",
                     json_number_value(json_object_get(hs, "server_response_ms")));
            fact(facts, "server answered after", buf);
        }
    }
    static const char *const generic[] = {"chain", "client_chain", "decryption"};
    for (size_t i = 0; i < sizeof(generic) / sizeof(generic[0]); i++) {
        if (json_is_object(json_object_get(conn, generic[i]))) {
            fact_generic(facts, generic[i], json_object_get(conn, generic[i]));
        }
    }
    fact_list(facts, "warnings", json_object_get(conn, "warnings"), 8);
    return facts;
}

static bool involves_certificates(json_t *conn)
{
    static const char *const cert_alerts[] = {"bad_certificate", "unsupported_certificate",
                                              "certificate_revoked", "certificate_expired",
                                              "certificate_unknown", "unknown_ca",
                                              "certificate_required"};
    if (json_array_size(json_object_get(conn, "certificates")) > 0) {
        return true;
    }
    const char *desc = cr_str(json_object_get(conn, "alert"), "description");
    for (size_t i = 0; i < sizeof(cert_alerts) / sizeof(cert_alerts[0]); i++) {
        if (strcmp(desc, cert_alerts[i]) == 0) {
            return true;
        }
    }
    return false;
}

json_t *cr_followup(json_t *conn)
{
    json_t *cmds = json_array();
    json_t *filters = json_array();
    json_t *ch = json_object_get(conn, "client_hello");
    char server[512];
    char sni[512];
    char line[1400];

    ta_shell_word(server, sizeof(server), cr_str(conn, "server"));
    if (json_is_string(json_object_get(ch, "sni"))) {
        ta_shell_word(sni, sizeof(sni), cr_str(ch, "sni"));
        snprintf(line, sizeof(line), "openssl s_client -connect %s -servername %s -showcerts "
                 "</dev/null", server, sni);
    } else {
        snprintf(line, sizeof(line), "openssl s_client -connect %s -noservername -showcerts "
                 "</dev/null   # as the client did: no SNI", server);
    }
    json_array_append_new(cmds, json_string(line));
    if (involves_certificates(conn)) {
        snprintf(line, sizeof(line), "openssl s_client -connect %s%s%s -showcerts </dev/null "
                 "2>/dev/null | awk '/BEGIN CERT/,/END CERT/' > chain.pem", server,
                 json_is_string(json_object_get(ch, "sni")) ? " -servername " : "",
                 json_is_string(json_object_get(ch, "sni")) ? sni : "");
        json_array_append_new(cmds, json_string(line));
        /* With --extract-certs the exact command for the captured chain,
         * at the capture time; otherwise one for a chain fetched now. */
        json_t *x = json_object_get(json_object_get(conn, "rejected_chain"), "extracted");
        const char *cmd = json_string_value(json_object_get(x, "verify_command"));
        if (cmd != NULL && strcmp(cmd, "(redacted)") != 0) {
            json_array_append_new(cmds, json_string(cmd));
        } else {
            json_array_append_new(cmds, json_string("openssl verify -CAfile root.pem "
                                                    "-untrusted chain.pem chain.pem   # the leaf "
                                                    "is the first certificate of chain.pem"));
        }
    }
    snprintf(line, sizeof(line), "tcp.stream eq %lld && tls", cr_int(conn, "id"));
    json_array_append_new(filters, json_string(line));
    bool close_drawn;
    bool close_fails;
    long fail = failing(conn, &close_drawn, &close_fails);
    long long frame = 0;
    if (fail >= 0) {
        frame = cr_int(json_array_get(json_object_get(conn, "messages"), (size_t)fail), "frame");
    } else if (close_fails) {
        frame = cr_int(json_object_get(conn, "handshake"), "close_frame");
    }
    if (frame > 0) {
        snprintf(line, sizeof(line), "frame.number == %lld", frame);
        json_array_append_new(filters, json_string(line));
    }
    return json_pack("{s:o, s:o}", "commands", cmds, "filters", filters);
}


void cr_steps(json_t *conn, cr_diagram *out)
{
    json_t *msgs = json_object_get(conn, "messages");
    json_t *ch = json_object_get(conn, "client_hello");
    json_t *hs = json_object_get(conn, "handshake");
    double t0 = json_number_value(json_object_get(json_array_get(msgs, 0), "time"));
    bool close_fails;
    long fail = failing(conn, &out->has_close, &close_fails);
    json_t *m;
    size_t i;

    out->conn = cr_int(conn, "id");
    out->client = cr_str(conn, "client");
    out->server = cr_str(conn, "server");
    out->num_steps = 0;
    out->num_more = 0;
    json_array_foreach(msgs, i, m) {
        if (i >= CR_MAX_ARROWS) {
            out->num_more = json_array_size(msgs) - i;
            break;
        }
        cr_step *s = &out->steps[out->num_steps++];
        s->from_client = strcmp(cr_str(m, "from"), "client") == 0;
        s->fail = (long)i == fail;
        s->frame = cr_int(m, "frame");
        s->ms = (json_number_value(json_object_get(m, "time")) - t0) * 1000.0;
        message_label(conn, m, s->label, sizeof(s->label));
        s->client_hello = strcmp(cr_str(m, "message"), "ClientHello") == 0 &&
                          cr_int(ch, "frame") == s->frame;
        s->sni = json_string_value(json_object_get(ch, "sni"));
    }
    memset(&out->close, 0, sizeof(out->close));
    if (out->has_close) {
        out->close.from_client = strcmp(cr_str(hs, "closed_by"), "client") == 0;
        out->close.fail = close_fails;
        out->close.frame = cr_int(hs, "close_frame");
        snprintf(out->close.label, sizeof(out->close.label), "TCP %s",
                 strcmp(cr_str(conn, "outcome"), "reset") == 0 ? "RST" : "FIN");
    }
}
