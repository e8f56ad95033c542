/* derive.c - derived facts for the rules (see ta_derive.h). */
#include "ta_derive.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "ta_chain.h"
#include "ta_escape.h"
#include "ta_names.h"
#include "ta_tls.h"
#include "ta_tls_msg.h"

static const char *side_name(ta_side s)
{
    return s == TA_FROM_CLIENT ? "client" : "server";
}

static json_t *alert_json(const ta_alert *a)
{
    json_t *o = json_object();
    char buf[TA_NAME_BUF];
    json_object_set_new(o, "frame", json_integer((json_int_t)a->frame));
    json_object_set_new(o, "from", json_string(side_name(a->from)));
    json_object_set_new(o, "receiver", json_string(side_name(a->from == TA_FROM_CLIENT
                                                                  ? TA_FROM_SERVER
                                                                  : TA_FROM_CLIENT)));
    json_object_set_new(o, "level", a->encrypted ? json_null()
                                    : json_string(a->level == 2 ? "fatal" : "warning"));
    json_object_set_new(o, "description",
                        a->encrypted ? json_null()
                                     : json_string(ta_alert_name(a->description, buf)));
    json_object_set_new(o, "encrypted", json_boolean(a->encrypted));
    if (a->encrypted && a->record_len > 0) {
        json_object_set_new(o, "record_length", json_integer(a->record_len));
    }
    return o;
}

/* "alert": the alert that ended the handshake; "alert.first_fatal": the
 * first readable fatal alert.  Alerts after a completed handshake (the
 * closing close_notify, a late fatal alert) ended no handshake. */
static void derive_alert(json_t *conn, const ta_conn *c)
{
    json_t *ending = NULL;
    json_t *fatal = NULL;
    for (size_t i = 0; i < c->num_alerts; i++) {
        const ta_alert *a = &c->alerts[i];
        if (a->after_handshake || a->after_peer_close) {
            continue;
        }
        if (ending == NULL && ta_alert_ends_handshake(a)) {
            ending = alert_json(a);
        }
        if (fatal == NULL && !a->encrypted && a->level == 2) {
            fatal = alert_json(a);
        }
    }
    if (ending == NULL && fatal != NULL) {
        ending = json_deep_copy(fatal);
    }
    if (ending != NULL) {
        if (fatal != NULL) {
            json_object_set_new(ending, "first_fatal", fatal);
        }
        json_object_set_new(conn, "alert", ending);
    }
}

/* How far the handshake got, from the messages seen on the wire. */
static const char *stage(const ta_conn *c)
{
    int cd = ta_conn_client_dir(c);
    const ta_dir *cl = &c->dir[cd];
    const ta_dir *sv = &c->dir[1 - cd];
    bool server_done = false;
    bool server_cert = false;

    if (ta_tls_handshake_done(c)) {
        return "completed";
    }
    for (size_t i = 0; i < c->num_events; i++) {
        const ta_event *e = &c->events[i];
        if (e->dir != cd && e->kind == TA_EV_HANDSHAKE) {
            server_done = server_done || e->detail == TA_HS_SERVER_HELLO_DONE;
            server_cert = server_cert || e->detail == TA_HS_CERTIFICATE;
        }
    }
    if (sv->finished_frame != 0 && !c->tls13) {
        return "server_finished";
    }
    if (cl->finished_frame != 0) {
        return "client_finished";
    }
    if (c->tls13 && sv->finished_frame != 0) {
        return "server_flight";
    }
    if (server_done) {
        return "server_hello_done";
    }
    if (server_cert) {
        return "server_certificate";
    }
    if (c->real_sh || c->have_sh) {
        return "server_hello";
    }
    if (c->num_client_hellos > 0) {
        return "client_hello";
    }
    return cl->bytes + sv->bytes > 0 ? "data" : "tcp";
}

/* Time from the ClientHello to the server's first record after it. */
static json_t *response_ms(const ta_conn *c)
{
    int64_t ch_ns = -1;
    int cd = ta_conn_client_dir(c);
    for (size_t i = 0; i < c->num_events; i++) {
        const ta_event *e = &c->events[i];
        if (ch_ns < 0 && e->dir == cd && e->kind == TA_EV_HANDSHAKE &&
            e->detail == TA_HS_CLIENT_HELLO) {
            ch_ns = e->ns;
        } else if (ch_ns >= 0 && e->dir != cd && e->kind != TA_EV_GAP) {
            /* A clock that went backwards gives no time at all. */
            return e->ns >= ch_ns ? json_real((double)(e->ns - ch_ns) / 1e6) : json_null();
        }
    }
    return json_null();
}

/* Names the protocol a stream starts with: "tls", or a plaintext one by
 * its first bytes, "other", or NULL when the side sent nothing. */
static const char *protocol(const ta_dir *d)
{
    static const struct {
        const char *prefix;
        const char *name;
    } known[] = {
        {"GET ", "http"}, {"POST ", "http"}, {"HEAD ", "http"}, {"PUT ", "http"},
        {"DELETE ", "http"}, {"OPTIONS ", "http"}, {"CONNECT ", "http"}, {"PATCH ", "http"},
        {"HTTP/", "http"}, {"SSH-", "ssh"}, {"220 ", "smtp-ftp"}, {"220-", "smtp-ftp"},
        {"EHLO ", "smtp"}, {"HELO ", "smtp"}, {"* OK", "imap"}, {"+OK", "pop3"},
        {"PRI * HTTP/2", "http2"}, {"<!DOC", "http"}, {"<!doc", "http"}, {"<html", "http"},
        {"<HTML", "http"},
    };
    if (d->is_tls) {
        return "tls";
    }
    if (d->num_first_bytes == 0) {
        return NULL;
    }
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
        size_t n = strlen(known[i].prefix);
        if (n > d->num_first_bytes) {
            n = d->num_first_bytes;   /* a stream shorter than the prefix: compare what is there */
        }
        if (memcmp(d->first_bytes, known[i].prefix, n) == 0 && n >= 3) {
            return known[i].name;
        }
    }
    return "other";
}

/* The frame of a side's first step to end the connection: an alert after
 * the handshake (close_notify, or one that rejects), its FIN or its RST;
 * 0 when it took none. */
static uint64_t close_step(const ta_conn *c, int dir)
{
    uint64_t at = c->dir[dir].fin_frame;
    ta_side side = ta_conn_side(c, dir);
    for (size_t i = 0; i < c->num_alerts; i++) {
        const ta_alert *a = &c->alerts[i];
        if (a->from == side && a->after_handshake && (at == 0 || a->frame < at)) {
            at = a->frame;
        }
    }
    return at;
}

/* The handshake completed, and then the client hung up first without
 * sending a byte of application data: what curl does after its host name
 * check fails, and Node.js (TLS 1.2) after any certificate check fails;
 * also what a health check or port probe does. */
static bool client_quit(const ta_conn *c)
{
    int cd = ta_conn_client_dir(c);
    if (!ta_tls_handshake_done(c) || c->dir[cd].sent_data) {
        return false;
    }
    uint64_t cl = close_step(c, cd);
    uint64_t sv = close_step(c, 1 - cd);
    return cl != 0 && (sv == 0 || cl < sv);
}

static void derive_handshake(json_t *conn, const ta_conn *c)
{
    json_t *h = json_object();
    const ta_dir *sv = &c->dir[1 - ta_conn_client_dir(c)];
    char buf[TA_NAME_BUF];

    json_object_set_new(h, "stage", json_string(stage(c)));
    json_object_set_new(h, "server_response_ms", response_ms(c));
    json_object_set_new(h, "server_record_version",
                        sv->num_records > 0 ? json_string(ta_version_name(sv->first_version, buf))
                                            : json_null());
    json_object_set_new(h, "server_sent_tls", json_boolean(sv->is_tls));
    json_object_set_new(h, "client_sent_tls", json_boolean(c->dir[ta_conn_client_dir(c)].is_tls));
    const char *cp = protocol(&c->dir[ta_conn_client_dir(c)]);
    const char *sp = protocol(sv);
    json_object_set_new(h, "client_protocol", cp != NULL ? json_string(cp) : json_null());
    json_object_set_new(h, "server_protocol", sp != NULL ? json_string(sp) : json_null());
    const ta_dir *cl = &c->dir[ta_conn_client_dir(c)];
    const char *closer = NULL;
    if (cl->fin_frame != 0 && (sv->fin_frame == 0 || cl->fin_frame < sv->fin_frame)) {
        closer = "client";
    } else if (sv->fin_frame != 0) {
        closer = "server";
    }
    json_object_set_new(h, "closed_by", closer != NULL ? json_string(closer) : json_null());
    json_object_set_new(h, "close_frame",
                        closer == NULL ? json_null()
                        : json_integer((json_int_t)(closer[0] == 'c' ? cl->fin_frame
                                                                     : sv->fin_frame)));
    json_object_set_new(h, "server_bytes", json_integer((json_int_t)sv->bytes));
    json_object_set_new(h, "client_bytes",
                        json_integer((json_int_t)c->dir[ta_conn_client_dir(c)].bytes));
    json_object_set_new(h, "tls13", json_boolean(c->tls13));
    json_object_set_new(h, "client_quit_without_data", json_boolean(client_quit(c)));
    json_object_set_new(conn, "handshake", h);
}

static bool offered(const ta_client_hello *ch, uint16_t v)
{
    if (ch->supported_versions.num == 0) {
        return v <= ch->legacy_version;
    }
    for (size_t i = 0; i < ch->supported_versions.num; i++) {
        if (ch->supported_versions.v[i] == v) {
            return true;
        }
    }
    return false;
}

/* Did the server refuse the client's versions?  Without a ServerHello its
 * record version is all it tells of itself:
 *  - a protocol_version alert from either side says so outright;
 *  - a record version the client did not offer, below its legacy version
 *    (a TLS 1.0 alert to a TLS 1.2-only client);
 *  - close_notify as the whole answer to a ClientHello, in a record below
 *    the client's highest version: a backend that cannot speak the
 *    client's version and hangs up (RFC 5246 E.1 expects it to answer with
 *    its own version; old TLS 1.0-only servers close instead).  Offering
 *    TLS 1.0 too does not change that, the server negotiated nothing. */
static bool version_refused(const ta_conn *c)
{
    const ta_dir *sv = &c->dir[1 - ta_conn_client_dir(c)];
    bool close_first = false;

    for (size_t i = 0; i < c->num_alerts; i++) {
        const ta_alert *a = &c->alerts[i];
        if (!a->encrypted && a->description == 70) {
            return true;
        }
        if (i == 0 && !a->encrypted && a->from == TA_FROM_SERVER && a->description == 0 &&
            a->frame == sv->first_frame) {
            close_first = true;
        }
    }
    if (c->num_client_hellos == 0 || c->real_sh || sv->num_records == 0 || c->ch.sslv2) {
        return false;
    }
    uint16_t v = sv->first_version;
    if (!offered(&c->ch, v) && v < c->ch.legacy_version) {
        return true;
    }
    return close_first && ta_version_rank(v) < ta_version_rank(ta_client_hello_max_version(&c->ch));
}

/* What both sides share, as far as the server's answer shows it: the
 * version and suite it chose, or nothing when it refused the version. */
static void derive_overlap(json_t *conn, const ta_conn *c)
{
    json_t *o = json_object();
    char buf[TA_NAME_BUF];
    bool refused = version_refused(c);
    if (c->real_sh && !c->sh.sslv2) {
        uint16_t v = c->sh.selected_version != 0 ? c->sh.selected_version : c->sh.legacy_version;
        json_t *vs = json_array();
        json_t *cs = json_array();
        json_array_append_new(vs, json_string(ta_version_name(v, buf)));
        json_array_append_new(cs, json_string(ta_cipher_name(c->sh.cipher_suite, false, buf)));
        json_object_set_new(o, "versions", vs);
        json_object_set_new(o, "cipher_suites", cs);
    } else if (refused) {
        json_object_set_new(o, "versions", json_array());
    }
    json_object_set_new(conn, "overlap", o);
}

static json_t *escaped(const ta_bytes *b)
{
    char *s = ta_escape(b->data, b->len);
    json_t *j = s != NULL ? json_string(s) : json_null();
    free(s);
    return j;
}

/* Capture time (unix seconds) of the frame that carried |frame|'s message. */
static int64_t frame_time(const ta_conn *c, uint64_t frame)
{
    for (size_t i = 0; i < c->num_events; i++) {
        if (c->events[i].frame == frame) {
            return c->events[i].ns / 1000000000;
        }
    }
    return c->first_ns / 1000000000;
}

/* The first certificate a side sent, judged at the time it was sent. */
static json_t *leaf_json(const ta_conn *c, const ta_cert *leaf)
{
    json_t *o = json_object();
    int64_t at = frame_time(c, leaf->frame);
    json_object_set_new(o, "frame", json_integer((json_int_t)leaf->frame));
    json_object_set_new(o, "subject", leaf->parse_error ? json_null() : escaped(&leaf->subject));
    json_object_set_new(o, "issuer", leaf->parse_error ? json_null() : escaped(&leaf->issuer));
    json_object_set_new(o, "cn", leaf->cn.data != NULL ? escaped(&leaf->cn) : json_null());
    json_object_set_new(o, "not_before", json_string(leaf->not_before));
    json_object_set_new(o, "not_after", json_string(leaf->not_after));
    json_t *san = json_array();
    for (size_t i = 0; i < leaf->san.num; i++) {
        json_array_append_new(san, escaped(&leaf->san.v[i]));
    }
    json_object_set_new(o, "san", san);
    if (leaf->times_ok && at > 0) {
        json_object_set_new(o, "expired", json_boolean(at > leaf->not_after_unix));
        json_object_set_new(o, "not_yet_valid", json_boolean(at < leaf->not_before_unix));
        json_object_set_new(o, "days_left",
                            json_integer((json_int_t)((leaf->not_after_unix - at) / 86400)));
    }
    json_object_set_new(o, "self_signed", json_boolean(leaf->self_signed));
    json_object_set_new(o, "is_ca", json_boolean(leaf->is_ca));
    json_object_set_new(o, "parse_error", json_boolean(leaf->parse_error));
    return o;
}

static void derive_certs(json_t *conn, const ta_conn *c, ta_chain_ctx *chains,
                         const char *conn_name)
{
    size_t first[2] = {SIZE_MAX, SIZE_MAX};   /* by side: the first Certificate message */
    size_t len[2] = {0, 0};

    for (size_t i = 0; i < c->num_certs; i++) {
        int s = c->certs[i].from == TA_FROM_CLIENT ? 0 : 1;
        if (first[s] == SIZE_MAX) {
            first[s] = i;
        }
        if (c->certs[i].frame == c->certs[first[s]].frame) {
            len[s]++;
        }
    }
    for (int s = 0; s < 2; s++) {
        if (first[s] == SIZE_MAX) {
            continue;
        }
        const ta_cert *leaf = &c->certs[first[s]];
        json_object_set_new(conn, s == 1 ? "server_leaf" : "client_leaf", leaf_json(c, leaf));
        if (chains == NULL) {
            continue;
        }
        /* The name asked for is the SNI; a client's chain has none. */
        bool name = s == 1 && c->ch.sni.data != NULL;
        ta_chain_in in = {
            .certs = leaf,
            .num = len[s],
            .from = s == 1 ? TA_FROM_SERVER : TA_FROM_CLIENT,
            .host = name ? c->ch.sni.data : NULL,
            .host_len = name ? c->ch.sni.len : 0,
            .at = frame_time(c, leaf->frame),
            .conn_name = conn_name,
        };
        json_t *chain = ta_chain_json(chains, &in);
        if (chain != NULL) {
            json_object_set_new(conn, s == 1 ? "chain" : "client_chain", chain);
        }
    }
    /* The certificate the ending alert most likely answers: the one sent
     * by the side that received the alert (the server's without one). */
    const char *receiver = json_string_value(json_object_get(json_object_get(conn, "alert"),
                                                             "receiver"));
    bool client = receiver != NULL && strcmp(receiver, "client") == 0;
    json_t *leaf_of = json_object_get(conn, client ? "client_leaf" : "server_leaf");
    if (leaf_of != NULL) {
        json_object_set_new(conn, "rejected_leaf", json_deep_copy(leaf_of));
    }
    json_t *chain_of = json_object_get(conn, client ? "client_chain" : "chain");
    if (chain_of != NULL) {
        json_object_set_new(conn, "rejected_chain", json_deep_copy(chain_of));
    }
}

static void derive_sni(json_t *conn, const ta_conn *c)
{
    json_t *o = json_object();
    bool present = c->num_client_hellos > 0 && c->ch.sni.data != NULL;
    bool ip = false;
    if (present) {
        char name[TA_MAX_NAME + 1];
        unsigned char addr[16];
        size_t n = c->ch.sni.len < TA_MAX_NAME ? c->ch.sni.len : TA_MAX_NAME;
        memcpy(name, c->ch.sni.data, n);
        name[n] = '\0';
        ip = inet_pton(AF_INET, name, addr) == 1 || inet_pton(AF_INET6, name, addr) == 1;
    }
    json_object_set_new(o, "present", json_boolean(present));
    json_object_set_new(o, "is_ip_literal", json_boolean(ip));
    json_object_set_new(conn, "sni", o);
}

void ta_derive(json_t *conn, const ta_conn *c, ta_chain_ctx *chains, const char *conn_name)
{
    json_t *ch = json_object_get(conn, "client_hello");
    json_t *cc = json_object_get(conn, "client_certificate");

    if (json_is_object(ch)) {
        json_object_set_new(ch, "retry", json_boolean(c->hrr));
    }
    if (json_is_object(cc)) {
        json_object_set_new(cc, "empty", json_boolean(c->client_cert_count == 0));
    }
    derive_alert(conn, c);
    derive_handshake(conn, c);
    derive_overlap(conn, c);
    derive_certs(conn, c, chains, conn_name);
    derive_sni(conn, c);
}
