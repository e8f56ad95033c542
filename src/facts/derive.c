/* derive.c - derived facts for the rules (see ta_derive.h). */
#include "ta_derive.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "ta_chain.h"
#include "ta_names.h"
#include "ta_tls.h"
#include "ta_tls_msg.h"

/* "alert": the alert that ended the handshake; "alert.first_fatal": the
 * first readable fatal alert.  Alerts after a completed handshake (the
 * closing close_notify, a late fatal alert) ended no handshake. */
static void derive_alert(ta_derived *d, const ta_conn *c)
{
    for (size_t i = 0; i < c->num_alerts; i++) {
        const ta_alert *a = &c->alerts[i];
        if (a->after_handshake || a->after_peer_close) {
            continue;
        }
        if (d->alert == NULL && ta_alert_ends_handshake(a)) {
            d->alert = a;
        }
        if (d->first_fatal == NULL && !a->encrypted && a->level == 2) {
            d->first_fatal = a;
        }
    }
    if (d->alert == NULL) {
        d->alert = d->first_fatal;
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
static void response_ms(ta_derived *d, const ta_conn *c)
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
            d->have_response = e->ns >= ch_ns;
            d->response_ms = (double)(e->ns - ch_ns) / 1e6;
            return;
        }
    }
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

static void derive_handshake(ta_derived *d, const ta_conn *c)
{
    const ta_dir *cl = &c->dir[ta_conn_client_dir(c)];
    const ta_dir *sv = &c->dir[1 - ta_conn_client_dir(c)];

    d->stage = stage(c);
    response_ms(d, c);
    d->have_record_version = sv->num_records > 0;
    d->server_record_version = sv->first_version;
    d->server_sent_tls = sv->is_tls;
    d->client_sent_tls = cl->is_tls;
    d->client_protocol = protocol(cl);
    d->server_protocol = protocol(sv);
    d->closed_by = -1;
    if (cl->fin_frame != 0 && (sv->fin_frame == 0 || cl->fin_frame < sv->fin_frame)) {
        d->closed_by = TA_FROM_CLIENT;
        d->close_frame = cl->fin_frame;
    } else if (sv->fin_frame != 0) {
        d->closed_by = TA_FROM_SERVER;
        d->close_frame = sv->fin_frame;
    }
    d->server_bytes = sv->bytes;
    d->client_bytes = cl->bytes;
    d->client_quit = client_quit(c);
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
    const ta_client_hello *ch = ta_ch(c);
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
    if (c->num_client_hellos == 0 || c->real_sh || sv->num_records == 0 || ch->sslv2) {
        return false;
    }
    uint16_t v = sv->first_version;
    if (!offered(ch, v) && v < ch->legacy_version) {
        return true;
    }
    return close_first && ta_version_rank(v) < ta_version_rank(ta_client_hello_max_version(ch));
}

/* What both sides share, as far as the server's answer shows it: the
 * version and suite it chose, or nothing when it refused the version. */
static void derive_overlap(ta_derived *d, const ta_conn *c)
{
    const ta_server_hello *sh = ta_sh(c);
    if (c->real_sh && !sh->sslv2) {
        d->overlap = TA_OVERLAP_CHOSEN;
        d->overlap_version = sh->selected_version != 0 ? sh->selected_version
                                                       : sh->legacy_version;
        d->overlap_suite = sh->cipher_suite;
    } else if (version_refused(c)) {
        d->overlap = TA_OVERLAP_REFUSED;
    }
}

/* client_hello.supported_versions: the list without GREASE values. */
static int derive_versions(ta_derived *d, const ta_conn *c, ta_arena *arena)
{
    const ta_u32_list *l = &ta_ch(c)->supported_versions;
    uint16_t *v = l->num > 0 ? ta_arena_alloc(arena, l->num * sizeof(*v)) : NULL;
    if (l->num > 0 && v == NULL) {
        return 0;
    }
    for (size_t i = 0; i < l->num; i++) {
        if (!ta_is_grease((uint16_t)l->v[i])) {
            v[d->num_versions++] = (uint16_t)l->v[i];
        }
    }
    d->versions = v;
    return 1;
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
static void leaf_of(ta_leaf *l, const ta_conn *c, const ta_cert *leaf)
{
    int64_t at = frame_time(c, leaf->frame);
    l->cert = leaf;
    l->dated = leaf->times_ok && at > 0;
    if (l->dated) {
        l->expired = at > leaf->not_after_unix;
        l->not_yet_valid = at < leaf->not_before_unix;
        l->days_left = (leaf->not_after_unix - at) / 86400;
    }
}

static int derive_certs(ta_derived *d, const ta_conn *c, ta_chain_ctx *chains, const char *stem)
{
    size_t first[2] = {SIZE_MAX, SIZE_MAX};   /* by side: the first Certificate message */
    size_t len[2] = {0, 0};
    int ok = 1;

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
        d->have_leaf[s] = true;
        leaf_of(&d->leaf[s], c, leaf);
        if (chains == NULL) {
            continue;
        }
        /* The name asked for is the SNI; a client's chain has none. */
        const ta_bytes *sni = &ta_ch(c)->sni;
        bool name = s == TA_FROM_SERVER && sni->data != NULL;
        ta_chain_in in = {
            .certs = leaf,
            .num = len[s],
            .from = (ta_side)s,
            .host = name ? sni->data : NULL,
            .host_len = name ? sni->len : 0,
            .at = frame_time(c, leaf->frame),
            .stem = stem,
            .id = c->id,
        };
        d->have_chain[s] = ta_chain_judge(chains, &in, &d->chain[s]) != 0;
        ok = ok && d->have_chain[s];
    }
    /* The certificate the ending alert most likely answers: the one sent
     * by the side that received the alert (the server's without one). */
    d->rejected = d->alert != NULL && d->alert->from == TA_FROM_SERVER ? TA_FROM_CLIENT
                                                                       : TA_FROM_SERVER;
    return ok;
}

static void derive_sni(ta_derived *d, const ta_conn *c)
{
    const ta_bytes *sni = &ta_ch(c)->sni;
    d->sni_present = c->num_client_hellos > 0 && sni->data != NULL;
    if (d->sni_present) {
        char name[TA_MAX_NAME + 1];
        unsigned char addr[16];
        size_t n = sni->len < TA_MAX_NAME ? sni->len : TA_MAX_NAME;
        memcpy(name, sni->data, n);
        name[n] = '\0';
        d->sni_is_ip = inet_pton(AF_INET, name, addr) == 1 ||
                       inet_pton(AF_INET6, name, addr) == 1;
    }
}

/* JA3, JA4 and JA3S, once per connection, of the first ClientHello and
 * the ServerHello kept (a HelloRetryRequest when there is no other), into
 * the arena: no malloc per connection. */
static int derive_fingerprints(ta_derived *d, const ta_conn *c, ta_arena *arena)
{
    /* A hello that did not parse to its end would give the fingerprint of
     * a fragment (or of bytes that are not a hello at all): none then. */
    const ta_client_hello *ch = c->num_client_hellos > 0 && !ta_ch(c)->malformed ? ta_ch(c) : NULL;
    const ta_server_hello *sh = c->have_sh && ta_sh(c)->legacy_version != 0 ? ta_sh(c) : NULL;
    if (ch == NULL && sh == NULL) {
        return 1;
    }
    size_t n = ta_fp_text_size(ch, sh);
    char *text = ta_arena_alloc(arena, 3 * n);
    if (text == NULL) {
        return 0;
    }
    if (ch != NULL && ta_fp_ja3(ch, text, n, d->ja3_hash)) {
        d->ja3 = text;
    }
    ta_fp_transport proto = c->quic != NULL ? TA_FP_QUIC : TA_FP_TCP;   /* JA4's first letter */
    if (ch != NULL && !ta_fp_ja4(ch, proto, d->ja4, text + n, n)) {
        d->ja4[0] = '\0';
    } else if (ch != NULL) {
        d->ja4_r = text + n;
    }
    if (sh != NULL && ta_fp_ja3s(sh, text + 2 * n, n, d->ja3s_hash)) {
        d->ja3s = text + 2 * n;
    }
    return 1;
}

int ta_derive(ta_derived *d, const ta_conn *c, ta_chain_ctx *chains, const char *stem,
              ta_arena *arena)
{
    memset(d, 0, sizeof(*d));
    derive_alert(d, c);
    derive_handshake(d, c);
    derive_overlap(d, c);
    derive_sni(d, c);
    int ok = derive_versions(d, c, arena);
    d->fp_conn = c;
    d->fp_arena = arena;
    return derive_certs(d, c, chains, stem) && ok;
}

bool ta_derive_fingerprints(ta_derived *d)
{
    if (d != NULL && d->fp_conn != NULL) {
        const ta_conn *c = d->fp_conn;
        d->fp_conn = NULL;
        d->fp_nomem = !derive_fingerprints(d, c, d->fp_arena);
    }
    return d != NULL && !d->fp_nomem;
}

void ta_derived_cleanup(ta_derived *d)
{
    for (int s = 0; s < 2; s++) {
        if (d->have_chain[s]) {
            ta_chain_facts_cleanup(&d->chain[s]);
        }
    }
    d->have_chain[0] = d->have_chain[1] = false;
}
