/* output.c - text, JSON and NDJSON writers (see ta_output.h). */
#include "ta_output.h"

#include <stdlib.h>
#include <string.h>

#define C_RED "\033[31m"
#define C_GREEN "\033[32m"
#define C_YELLOW "\033[33m"
#define C_BOLD "\033[1m"
#define C_OFF "\033[0m"

void ta_writer_init(ta_writer *w, ta_format fmt, FILE *out, bool color, bool verbose)
{
    memset(w, 0, sizeof(*w));
    w->fmt = fmt;
    w->out = out;
    w->color = color && fmt == TA_FMT_TEXT;
    w->verbose = verbose;
    w->first_capture = true;
}

int ta_writer_report_init(ta_writer *w, const ta_cr_opts *opts)
{
    ta_cr_opts o = *opts;
    o.kind = w->fmt == TA_FMT_HTML ? TA_CR_HTML : TA_CR_MARKDOWN;
    w->report = ta_casereport_new(&o);
    return w->report != NULL;
}

static bool is_report(const ta_writer *w)
{
    return w->fmt == TA_FMT_MARKDOWN || w->fmt == TA_FMT_HTML;
}

static const char *col(const ta_writer *w, const char *code)
{
    return w->color ? code : "";
}

/* Serialises |j| into the writer's reused buffer; returns its length, or
 * 0 when memory ran out. */
static size_t serialise(ta_writer *w, json_t *j)
{
    size_t n = json_dumpb(j, w->buf, w->buf_size, JSON_COMPACT | JSON_ENCODE_ANY);
    if (n > w->buf_size) {
        char *p = realloc(w->buf, n * 2);
        if (p == NULL) {
            return 0;
        }
        w->buf = p;
        w->buf_size = n * 2;
        n = json_dumpb(j, w->buf, w->buf_size, JSON_COMPACT | JSON_ENCODE_ANY);
    }
    return n;
}

/* One fwrite per value: jansson's own FILE output writes piece by piece. */
static void dump(ta_writer *w, json_t *j)
{
    size_t n = serialise(w, j);
    fwrite(w->buf, 1, n, w->out);
}

/* Writes {"type":TYPE,"file":FILE, then the members of object |j|. */
static void dump_tagged(ta_writer *w, const char *type, const char *file, json_t *j)
{
    json_t *f = json_string(file);
    fprintf(w->out, "{\"type\":\"%s\",\"file\":", type);
    dump(w, f != NULL ? f : json_null());
    json_decref(f);
    size_t n = serialise(w, j);
    if (n >= 2 && w->buf[0] == '{') {
        fputc(n > 2 ? ',' : '}', w->out);
        fwrite(w->buf + 1, 1, n - 1 - (n == 2), w->out);
    } else {
        fputc('}', w->out);
    }
    fputc('\n', w->out);
}

void ta_writer_begin(ta_writer *w)
{
    if (w->fmt == TA_FMT_JSON) {
        fputs("{\"captures\":[", w->out);
    }
}

void ta_writer_capture_begin(ta_writer *w, const char *file)
{
    if (is_report(w)) {
        w->first_capture = false;
        return;
    }
    w->first_conn = true;
    w->hidden = 0;
    if (w->fmt == TA_FMT_JSON) {
        json_t *f = json_string(file);
        fputs(w->first_capture ? "\n{\"file\":" : ",\n{\"file\":", w->out);
        dump(w, f != NULL ? f : json_null());
        json_decref(f);
        fputs(",\"connections\":[", w->out);
    } else if (w->fmt == TA_FMT_TEXT) {
        fprintf(w->out, "%s%s%s\n", col(w, C_BOLD), file, col(w, C_OFF));
    }
    w->first_capture = false;
}

static const char *jstr(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s != NULL ? s : "";
}

static long long jint(json_t *o, const char *key)
{
    return (long long)json_integer_value(json_object_get(o, key));
}

static void text_client_hello(ta_writer *w, json_t *ch)
{
    json_t *sni = json_object_get(ch, "sni");
    json_t *alpn = json_object_get(ch, "alpn");
    size_t i;
    json_t *v;

    fprintf(w->out, "%s", jstr(ch, "max_version"));
    if (strcmp(jstr(ch, "max_version"), jstr(ch, "legacy_version")) != 0) {
        fprintf(w->out, " (record %s)", jstr(ch, "legacy_version"));
    }
    if (json_is_string(sni)) {
        fprintf(w->out, ", SNI %s", json_string_value(sni));
    } else {
        fprintf(w->out, ", %sno SNI%s", col(w, C_YELLOW), col(w, C_OFF));
    }
    fprintf(w->out, ", %zu cipher suites", json_array_size(json_object_get(ch, "cipher_suites")));
    if (json_array_size(alpn) > 0) {
        fputs(", ALPN ", w->out);
        json_array_foreach(alpn, i, v) {
            fprintf(w->out, "%s%s", i > 0 ? "," : "", json_string_value(v));
        }
    }
    /* -v: which client stack this is. */
    if (w->verbose && json_is_string(json_object_get(ch, "ja4"))) {
        fprintf(w->out, ", JA4 %s, JA3 %s", jstr(ch, "ja4"), jstr(ch, "ja3_hash"));
    }
}

static void text_certificates(ta_writer *w, json_t *conn, long long frame, const char *from)
{
    json_t *certs = json_object_get(conn, "certificates");
    json_t *c;
    size_t i;
    size_t n = 0;

    json_array_foreach(certs, i, c) {
        if (jint(c, "frame") != frame || strcmp(jstr(c, "from"), from) != 0) {
            continue;
        }
        if (n == 0 && json_is_true(json_object_get(c, "parse_error"))) {
            fprintf(w->out, "%sa certificate that does not parse%s (sha256 %.16s...)",
                    col(w, C_YELLOW), col(w, C_OFF), jstr(c, "sha256"));
        } else if (n == 0) {
            fprintf(w->out, "%s, valid %s .. %s", jstr(c, "subject"), jstr(c, "not_before"),
                    jstr(c, "not_after"));
        }
        n++;
    }
    json_t *cc = json_object_get(conn, "client_certificate");
    if (strcmp(from, "client") == 0 && json_is_object(cc) && jint(cc, "certificates") == 0) {
        fprintf(w->out, "%sempty: no client certificate%s", col(w, C_YELLOW), col(w, C_OFF));
    } else if (n > 1) {
        fprintf(w->out, " (+%zu more in the chain)", n - 1);
    }
}

static void text_alert(ta_writer *w, json_t *al)
{
    if (json_is_true(json_object_get(al, "encrypted"))) {
        fprintf(w->out, "%sencrypted alert%s%s", col(w, C_RED), col(w, C_OFF),
                json_is_true(json_object_get(al, "inferred")) ? " (recognised by its size)"
                                                              : "");
        return;
    }
    bool fatal = strcmp(jstr(al, "level"), "fatal") == 0;
    fprintf(w->out, "%s%s %s%s", fatal ? col(w, C_RED) : "", jstr(al, "level"),
            jstr(al, "description"), fatal ? col(w, C_OFF) : "");
}

/* One line per message on the wire, in frame order. */
static void text_message(ta_writer *w, json_t *conn, json_t *m)
{
    const char *what = jstr(m, "message");
    const char *from = jstr(m, "from");
    long long frame = jint(m, "frame");

    bool details = strcmp(what, "ClientHello") == 0 || strcmp(what, "ServerHello") == 0 ||
                   strcmp(what, "Certificate") == 0 || strcmp(what, "Alert") == 0;
    /* Pad the name only when details follow: no trailing blanks. */
    fprintf(w->out, "    frame %-6lld %-6s  %-*s", frame, from, details ? 19 : 0, what);
    if (strcmp(what, "ClientHello") == 0 && json_is_object(json_object_get(conn, "client_hello")) &&
        jint(json_object_get(conn, "client_hello"), "frame") == frame) {
        text_client_hello(w, json_object_get(conn, "client_hello"));
    } else if (strcmp(what, "ServerHello") == 0 &&
               json_is_object(json_object_get(conn, "server_hello"))) {
        json_t *sh = json_object_get(conn, "server_hello");
        if (jint(sh, "frame") == frame) {
            fprintf(w->out, "%s, %s", jstr(sh, "version"), jstr(sh, "cipher_suite"));
        }
    } else if (strcmp(what, "Certificate") == 0) {
        text_certificates(w, conn, frame, from);
    } else if (strcmp(what, "Alert") == 0) {
        text_alert(w, json_array_get(json_object_get(conn, "alerts"),
                                     (size_t)jint(m, "alert")));
    }
    if (json_is_true(json_object_get(m, "decrypted"))) {
        fputs(details ? "  (decrypted)" : " (decrypted)", w->out);
    }
    fputc('\n', w->out);
}

#define MAX_CLOSE_ITEMS 8

typedef struct {
    long long frame;
    char text[64];
} close_item;

static int by_frame(const void *x, const void *y)
{
    const close_item *a = x;
    const close_item *b = y;
    return a->frame < b->frame ? -1 : a->frame > b->frame;
}

/* One alert as the "closed:" line names it. */
static void close_alert_text(json_t *al, char *buf, size_t n)
{
    const char *from = jstr(al, "from");
    if (json_is_true(json_object_get(al, "encrypted"))) {
        snprintf(buf, n, "%s encrypted alert%s", from,
                 json_is_true(json_object_get(al, "inferred")) ? " (by size)" : "");
    } else {
        bool fatal = strcmp(jstr(al, "level"), "fatal") == 0;
        snprintf(buf, n, "%s %s%s%s", from, fatal ? "fatal " : "", jstr(al, "description"),
                 json_is_true(json_object_get(al, "decrypted")) ? " (decrypted)" : "");
    }
}

/* "closed:": how the connection ended, in frame order: the alerts after
 * the handshake (or the one that ended it), then each side's FIN and RST. */
static void text_closed(ta_writer *w, json_t *conn)
{
    static const char *const tcp[][2] = {{"client_fin", "client FIN"}, {"client_rst", "client RST"},
                                         {"server_fin", "server FIN"}, {"server_rst", "server RST"}};
    close_item items[MAX_CLOSE_ITEMS + 4];
    size_t n = 0;
    size_t more = 0;
    json_t *ending = json_object_get(conn, "alert");
    json_t *al;
    size_t i;

    json_array_foreach(json_object_get(conn, "alerts"), i, al) {
        bool ended = json_is_object(ending) && jint(ending, "frame") == jint(al, "frame") &&
                     strcmp(jstr(ending, "from"), jstr(al, "from")) == 0;
        if (!json_is_true(json_object_get(al, "after_handshake")) && !ended) {
            continue;
        }
        if (n == MAX_CLOSE_ITEMS) {
            more++;
            continue;
        }
        items[n].frame = jint(al, "frame");
        close_alert_text(al, items[n].text, sizeof(items[n].text));
        n++;
    }
    json_t *tc = json_object_get(conn, "tcp_close");
    for (i = 0; i < 4; i++) {
        if (json_is_integer(json_object_get(tc, tcp[i][0]))) {
            items[n].frame = jint(tc, tcp[i][0]);
            snprintf(items[n].text, sizeof(items[n].text), "%s", tcp[i][1]);
            n++;
        }
    }
    if (n == 0) {
        return;
    }
    qsort(items, n, sizeof(items[0]), by_frame);
    fputs("    closed:", w->out);
    for (i = 0; i < n; i++) {
        fprintf(w->out, "%s %s (frame %lld)", i > 0 ? "," : "", items[i].text, items[i].frame);
    }
    if (more > 0) {
        fprintf(w->out, " and %zu more alerts", more);
    }
    fputc('\n', w->out);
}

/* Prints |text| wrapped at about 100 columns, continuation lines indented
 * by |indent|; the first line starts at column |col|. */
static void wrap(ta_writer *w, const char *text, int indent, int col)
{
    const char *p = text;
    bool first = true;
    while (*p != '\0') {
        while (*p == ' ') {
            p++;
        }
        size_t word = strcspn(p, " ");
        if (word == 0) {
            break;
        }
        if (!first && col + 1 + (int)word > 100) {
            fprintf(w->out, "\n%*s", indent, "");
            col = indent;
        } else if (!first) {
            fputc(' ', w->out);
            col++;
        }
        fwrite(p, 1, word, w->out);
        col += (int)word;
        p += word;
        first = false;
    }
    fputc('\n', w->out);
}

/* The root cause in full, then one line per further diagnosis. */
static void text_diagnoses(ta_writer *w, json_t *conn)
{
    json_t *diags = json_object_get(conn, "diagnoses");
    json_t *d;
    json_t *e;
    size_t i;
    size_t k;

    json_array_foreach(diags, i, d) {
        const char *sev = jstr(d, "severity");
        const char *c = strcmp(sev, "error") == 0 ? C_RED : (strcmp(sev, "warning") == 0
                                                               ? C_YELLOW : "");
        if (i > 0) {
            fprintf(w->out, "    %salso %s%s %s: %s\n", col(w, c), sev, col(w, C_OFF),
                    jstr(d, "rule"), jstr(d, "title"));
            continue;
        }
        fprintf(w->out, "    %s%s%s %s%s%s: %s\n      ", col(w, c), sev, col(w, C_OFF),
                col(w, C_BOLD), jstr(d, "rule"), col(w, C_OFF), jstr(d, "title"));
        wrap(w, jstr(d, "summary"), 6, 6);
        json_array_foreach(json_object_get(d, "evidence"), k, e) {
            fprintf(w->out, "      %-9s frame %-6lld ", k == 0 ? "evidence" : "",
                    jint(e, "frame"));
            wrap(w, jstr(e, "fact"), 29, 29);
        }
        fprintf(w->out, "      %-9s %s (fixed by: %s)\n", "fault", jstr(d, "fault"),
                jstr(d, "fixes_by"));
        if (json_is_string(json_object_get(d, "remediation"))) {
            fprintf(w->out, "      %-9s ", "fix");
            wrap(w, jstr(d, "remediation"), 16, 16);
        }
    }
}

/* One line of chain facts (ta_chain.h), then its findings and the
 * command that repeats the verification by hand. */
static void text_chain(ta_writer *w, json_t *ch, const char *who)
{
    json_t *v;
    size_t i;

    if (!json_is_object(ch)) {
        return;
    }
    fprintf(w->out, "    %s chain: %lld certificate(s), %s, %s", who, jint(ch, "length"),
            json_is_true(json_object_get(ch, "ordered")) ? "in order" : "out of order",
            json_is_true(json_object_get(ch, "complete")) ? "complete" : "incomplete");
    if (json_is_string(json_object_get(ch, "missing_issuer"))) {
        fprintf(w->out, " (issuer not sent: %s)", jstr(ch, "missing_issuer"));
    }
    json_t *t = json_object_get(ch, "trusted");
    if (json_is_boolean(t)) {
        fprintf(w->out, "; %s%s%s by %s", col(w, json_is_true(t) ? C_GREEN : C_YELLOW),
                json_is_true(t) ? "trusted" : "not trusted", col(w, C_OFF),
                jstr(ch, "trust_store"));
        if (!json_is_true(t)) {
            fprintf(w->out, " (%s at depth %lld: %s)", jstr(ch, "verify_error"),
                    jint(ch, "verify_depth"), jstr(ch, "verify_subject"));
        }
    }
    json_t *m = json_object_get(ch, "hostname_match");
    if (json_is_boolean(m)) {
        fprintf(w->out, "; name %s %s%s%s", jstr(ch, "hostname"),
                col(w, json_is_true(m) ? C_GREEN : C_RED),
                json_is_true(m) ? "matches" : "does not match", col(w, C_OFF));
        if (strcmp(jstr(ch, "hostname_checked"), "cn") == 0) {
            fputs(" (no DNS SAN: checked against the CN)", w->out);
        }
    }
    if (json_is_true(json_object_get(ch, "expired"))) {
        fprintf(w->out, "; %sexpired%s at capture time", col(w, C_RED), col(w, C_OFF));
    } else if (json_is_true(json_object_get(ch, "not_yet_valid"))) {
        fprintf(w->out, "; %snot yet valid%s at capture time", col(w, C_RED), col(w, C_OFF));
    } else if (json_is_integer(json_object_get(ch, "days_left"))) {
        fprintf(w->out, "; %lld day(s) left at capture time", jint(ch, "days_left"));
    }
    fputc('\n', w->out);
    json_array_foreach(json_object_get(ch, "weak"), i, v) {
        fprintf(w->out, "      %sweak:%s %s\n", col(w, C_YELLOW), col(w, C_OFF),
                json_string_value(v));
    }
    json_array_foreach(json_object_get(ch, "policy"), i, v) {
        fprintf(w->out, "      %spolicy:%s %s\n", col(w, C_YELLOW), col(w, C_OFF),
                json_string_value(v));
    }
    json_array_foreach(json_object_get(ch, "extra"), i, v) {
        fprintf(w->out, "      not on the issuer path: %s\n",
                json_is_string(v) ? json_string_value(v) : "an unparsable certificate");
    }
    json_t *x = json_object_get(ch, "extracted");
    if (json_is_object(x)) {
        fprintf(w->out, "      verify by hand: %s\n", jstr(x, "verify_command"));
    }
    if (json_is_string(json_object_get(ch, "extract_error"))) {
        fprintf(w->out, "      %s--extract-certs:%s %s\n", col(w, C_YELLOW), col(w, C_OFF),
                jstr(ch, "extract_error"));
    }
}

/* A readable fatal alert after the handshake (bad_record_mac...): worth
 * more than the one-line summary of a healthy connection. */
static bool late_fatal(json_t *conn)
{
    json_t *al;
    size_t i;
    json_array_foreach(json_object_get(conn, "alerts"), i, al) {
        if (json_is_true(json_object_get(al, "after_handshake")) &&
            strcmp(jstr(al, "level"), "fatal") == 0) {
            return true;
        }
    }
    return false;
}

static void text_conn(ta_writer *w, json_t *conn)
{
    const char *outcome = jstr(conn, "outcome");
    bool ok = strcmp(outcome, "completed") == 0;
    bool quiet = (strcmp(outcome, "not_tls") == 0 || strcmp(outcome, "midstream") == 0) &&
                 json_array_size(json_object_get(conn, "diagnoses")) == 0;
    json_t *m;
    size_t i;

    if (quiet && !w->verbose) {
        w->hidden++;
        return;
    }
    fprintf(w->out, "\n  #%lld  %s -> %s  %s%s%s", jint(conn, "id"), jstr(conn, "client"),
            jstr(conn, "server"), col(w, ok ? C_GREEN : (quiet ? "" : C_RED)),
            ok ? "completed" : outcome, col(w, C_OFF));
    json_t *sh = json_object_get(conn, "server_hello");
    json_t *ch = json_object_get(conn, "client_hello");
    bool clean = ok && json_array_size(json_object_get(conn, "diagnoses")) == 0 &&
                 json_array_size(json_object_get(conn, "warnings")) == 0 && !late_fatal(conn);
    if (clean && !w->verbose) {
        /* A healthy handshake in one line; -v shows its messages. */
        const char *sni = json_string_value(json_object_get(ch, "sni"));
        fprintf(w->out, "  %s, %s, SNI %s\n", jstr(sh, "version"), jstr(sh, "cipher_suite"),
                sni != NULL ? sni : "none");
        return;
    }
    fputc('\n', w->out);
    text_diagnoses(w, conn);
    json_array_foreach(json_object_get(conn, "messages"), i, m) {
        text_message(w, conn, m);
    }
    text_closed(w, conn);
    text_chain(w, json_object_get(conn, "chain"), "server");
    text_chain(w, json_object_get(conn, "client_chain"), "client");
    json_array_foreach(json_object_get(conn, "warnings"), i, m) {
        fprintf(w->out, "    %swarning:%s %s\n", col(w, C_YELLOW), col(w, C_OFF),
                json_string_value(m));
    }
}

/* The connection as a tree, for the writers that look facts up by name. */
static json_t *tree_of(ta_writer *w, ta_view *v, json_t **tree)
{
    if (*tree == NULL) {
        ta_jbuf_clear(&w->conn);
        if (ta_jsonw_conn(&w->conn, v, NULL, NULL)) {
            *tree = json_loadb(w->conn.p, w->conn.len, 0, NULL);
        }
    }
    return *tree;
}

int ta_writer_conn(ta_writer *w, const char *file, ta_view *v, json_t **tree)
{
    int ok = 1;
    switch (w->fmt) {
    case TA_FMT_MARKDOWN:
    case TA_FMT_HTML:
        ok = tree_of(w, v, tree) != NULL;
        if (ok && w->report != NULL) {
            ta_casereport_conn(w->report, file, *tree);
        }
        break;
    case TA_FMT_JSON:
    case TA_FMT_NDJSON:
        ta_jbuf_clear(&w->conn);
        if (w->fmt == TA_FMT_JSON) {
            ta_jbuf_raw(&w->conn, w->first_conn ? "\n" : ",\n", w->first_conn ? 1 : 2);
            ok = ta_jsonw_conn(&w->conn, v, NULL, NULL);
        } else {
            ok = ta_jsonw_conn(&w->conn, v, "connection", file);
            ta_jbuf_raw(&w->conn, "\n", 1);
        }
        if (ok && !w->conn.nomem) {
            fwrite(w->conn.p, 1, w->conn.len, w->out);
        }
        break;
    case TA_FMT_TEXT:
    default:
        ok = tree_of(w, v, tree) != NULL;
        if (ok) {
            text_conn(w, *tree);
        }
        break;
    }
    w->first_conn = false;
    return ok;
}

/* "failures by client fingerprint (JA4)": the top fingerprints, each with
 * its count and the rules its connections got. */
static void text_fingerprints(ta_writer *w, json_t *s)
{
    json_t *top = json_object_get(s, "failures_by_client_fingerprint");
    size_t i;
    json_t *v;
    if (json_array_size(top) == 0) {
        return;
    }
    fprintf(w->out, "  failures by client fingerprint (JA4), %lld distinct:\n",
            jint(s, "failing_client_fingerprints"));
    json_array_foreach(top, i, v) {
        const char *rule;
        json_t *n;
        fprintf(w->out, "    %-42s %lld ", jstr(v, "name"), jint(v, "failures"));
        const char *sep = "(";
        json_object_foreach(json_object_get(v, "rules"), rule, n) {
            fprintf(w->out, "%s%s %lld", sep, rule, (long long)json_integer_value(n));
            sep = ", ";
        }
        fputs(*sep == ',' ? ")\n" : "\n", w->out);
    }
}

/* The roll-up tables: versions, suites, top failing names and servers. */
static void text_rollup(ta_writer *w, json_t *s)
{
    static const char *const tables[] = {"versions", "cipher_suites"};
    static const char *const tops[] = {"top_failing_sni", "top_failing_servers"};
    const char *k;
    json_t *v;
    size_t i;

    for (size_t t = 0; t < 2; t++) {
        if (json_object_size(json_object_get(s, tables[t])) == 0) {
            continue;
        }
        fprintf(w->out, "  negotiated %s:\n", t == 0 ? "versions" : "cipher suites");
        json_object_foreach(json_object_get(s, tables[t]), k, v) {
            fprintf(w->out, "    %-42s %lld\n", k, (long long)json_integer_value(v));
        }
    }
    for (size_t t = 0; t < 2; t++) {
        if (json_array_size(json_object_get(s, tops[t])) == 0) {
            continue;
        }
        fprintf(w->out, "  most failures by %s:\n", t == 0 ? "SNI" : "server");
        json_array_foreach(json_object_get(s, tops[t]), i, v) {
            fprintf(w->out, "    %-42s %lld\n", jstr(v, "name"), jint(v, "failures"));
        }
    }
    text_fingerprints(w, s);
}

static void text_summary(ta_writer *w, json_t *s)
{
    json_t *v;
    size_t i;

    fprintf(w->out, "\n  %lld packets, %lld TCP connections, %lld with TLS: %lld completed, "
            "%s%lld failed%s",
            jint(s, "packets"), jint(s, "tcp_connections"), jint(s, "tls_connections"),
            jint(s, "completed"), jint(s, "failed") > 0 ? col(w, C_RED) : "", jint(s, "failed"),
            jint(s, "failed") > 0 ? col(w, C_OFF) : "");
    if (w->hidden > 0) {
        fprintf(w->out, " (%zu without TLS or begun mid-stream not shown; -v shows them)",
                w->hidden);
    }
    fputc('\n', w->out);
    const char *rule;
    json_object_foreach(json_object_get(s, "failed_by_rule"), rule, v) {
        fprintf(w->out, "    %-34s %lld\n", rule, (long long)json_integer_value(v));
    }
    if (w->summary) {
        text_rollup(w, s);
    }
    json_array_foreach(json_object_get(s, "warnings"), i, v) {
        fprintf(w->out, "  %swarning:%s %s\n", col(w, C_YELLOW), col(w, C_OFF),
                json_string_value(v));
    }
    fputc('\n', w->out);
}

void ta_writer_capture_end(ta_writer *w, const char *file, json_t *summary)
{
    switch (w->fmt) {
    case TA_FMT_MARKDOWN:
    case TA_FMT_HTML:
        if (w->report != NULL) {
            ta_casereport_capture(w->report, file, summary);
        }
        break;
    case TA_FMT_JSON: {
        /* The summary's members follow "connections" in the same object. */
        size_t n = serialise(w, summary);
        fputs("]", w->out);
        if (n > 2 && w->buf[0] == '{') {
            fputc(',', w->out);
            fwrite(w->buf + 1, 1, n - 1, w->out);
        } else {
            fputc('}', w->out);
        }
        break;
    }
    case TA_FMT_NDJSON:
        dump_tagged(w, "capture", file, summary);
        break;
    case TA_FMT_TEXT:
    default:
        text_summary(w, summary);
        break;
    }
}

void ta_writer_end(ta_writer *w, json_t *total)
{
    if (is_report(w)) {
        w->write_error = w->report == NULL || !ta_casereport_finish(w->report, w->out, total);
        ta_casereport_free(w->report);
        w->report = NULL;
    } else if (w->fmt == TA_FMT_JSON) {
        fputs("\n]", w->out);
        if (total != NULL) {
            fputs(",\"total\":", w->out);
            dump(w, total);
        }
        fputs("}\n", w->out);
    } else if (w->fmt == TA_FMT_NDJSON && total != NULL) {
        dump_tagged(w, "total", "", total);
    } else if (total != NULL) {
        fprintf(w->out, "%stotal%s: %lld captures, %lld connections, %lld with TLS: %lld "
                "completed, %lld with an error diagnosis\n", col(w, C_BOLD), col(w, C_OFF),
                jint(total, "captures"), jint(total, "tcp_connections"),
                jint(total, "tls_connections"), jint(total, "completed"),
                jint(total, "diagnosed_errors"));
        const char *rule;
        json_t *v;
        json_object_foreach(json_object_get(total, "failed_by_rule"), rule, v) {
            fprintf(w->out, "    %-34s %lld\n", rule, (long long)json_integer_value(v));
        }
        text_rollup(w, total);
    }
    fflush(w->out);
    free(w->buf);
    w->buf = NULL;
    w->buf_size = 0;
    ta_jbuf_free(&w->conn);
}
