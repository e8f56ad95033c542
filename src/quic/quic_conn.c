/* quic_conn.c - a QUIC connection's datagrams into TLS facts (see ta_quic_conn.h). */
#include "ta_quic_conn.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "ta_quic_frame.h"
#include "ta_tls_keys.h"

#define MAX_PLAIN 65536              /* a UDP payload is at most 65527 bytes */

/* ---- connection IDs ------------------------------------------------------ */

static void cid_set(ta_quic_cid *id, const ta_cur *from)
{
    size_t n = ta_cur_len(from);
    ta_cur c = *from;
    id->len = (uint8_t)(n <= TA_QUIC_MAX_CID ? n : TA_QUIC_MAX_CID);
    (void)ta_cur_copy(&c, id->b, id->len);
}

static bool cid_is(const ta_quic_cid *id, const ta_cur *c)
{
    return id->len == ta_cur_len(c) &&
           (id->len == 0 || memcmp(id->b, ta_cur_data(c), id->len) == 0);
}

/* Does the short header |payload| start with connection ID |id|? */
static bool cid_prefix(const ta_quic_cid *id, const ta_cur *payload)
{
    ta_cur p = *payload;
    ta_cur got;
    return ta_cur_skip(&p, 1) && ta_cur_get_bytes(&p, &got, id->len) &&
           (id->len == 0 || memcmp(id->b, ta_cur_data(&got), id->len) == 0);
}

static int client_dir(const ta_conn *c)
{
    return ta_conn_client_dir(c);
}

/* ---- opening a connection ------------------------------------------------ */

/* Does the first packet of |payload| open with the client keys of its own
 * DCID?  Fills |h| with its header. */
static bool opens_as_client(const ta_cur *payload, ta_quic_header *h)
{
    ta_quic_datagram d;
    ta_quic_keys k;
    ta_quic_opened o;
    uint8_t first;

    if (!ta_cur_peek_u8(payload, 0, &first) || (first & 0xc0) != 0xc0) {
        return false;    /* long header, fixed bit: a cheap test for every UDP datagram */
    }
    ta_quic_datagram_init(&d, payload, 0);
    if (!ta_quic_datagram_next(&d, h) || h->ver == NULL || ta_cur_len(&h->dcid) > TA_QUIC_MAX_CID ||
        ta_cur_len(&h->scid) > TA_QUIC_MAX_CID) {
        return false;
    }
    if (h->ver->kind == TA_QUIC_VER_RESERVED) {
        /* A version that exists only to make the server answer with
         * Version Negotiation (RFC 9000 15): its packets need not open.
         * Still a client's first packet: a DCID of at least 8 bytes (7.2)
         * in a datagram of at least 1200 (14.1). */
        return ta_cur_len(&h->dcid) >= 8 && ta_cur_len(payload) >= 1200;
    }
    if (h->type != TA_QUIC_PKT_INITIAL || h->ver->salt == NULL ||
        !ta_quic_initial_keys(&k, NULL, h->ver, &h->dcid)) {
        return false;
    }
    uint8_t *plain = malloc(MAX_PLAIN);
    if (plain == NULL) {
        return false;
    }
    bool ok = ta_quic_open(&k, h, -1, plain, MAX_PLAIN, &o) == TA_DECRYPT_OK;
    OPENSSL_cleanse(plain, ok ? o.payload_len : 0);
    free(plain);
    return ok;
}

bool ta_quic_client_initial(const ta_cur *payload)
{
    ta_quic_header h;
    return opens_as_client(payload, &h);
}

/* How the record layer reaches a QUIC connection (ta_conn.h). */
static const ta_quic_ops quic_ops = {ta_quic_conn_free, ta_quic_handshake_done, ta_quic_outcome};

int ta_quic_conn_start(ta_conn *c, const ta_cur *payload, const ta_tls_limits *lim)
{
    ta_quic_header h;
    if (!opens_as_client(payload, &h)) {
        return 0;
    }
    ta_quic_conn *q = calloc(1, sizeof(*q));
    if (q == NULL) {
        return 0;
    }
    /* What the client's first packet says, before any key is known. */
    cid_set(&q->odcid, &h.dcid);
    q->key_dcid = q->odcid;
    cid_set(&q->side[0].scid, &h.scid);
    q->side[0].have_scid = true;
    q->version = h.version;
    q->max_crypto = lim->max_ooo_bytes;
    for (int d = 0; d < 2; d++) {
        q->side[d].hs_space = -1;
        for (int s = 0; s < TA_QSP_NUM; s++) {
            q->side[d].largest[s] = -1;
        }
        for (int s = 0; s < TA_QSP_CRYPTO; s++) {
            ta_quic_crypto_init(&q->side[d].crypto[s], q->max_crypto);
        }
    }
    c->quic = q;
    c->quic_ops = &quic_ops;
    /* Only a client's Initial opens with the client keys of its own DCID. */
    ta_conn_set_client(c, 0, TA_CLIENT_BY_HELLO);
    return 1;
}

void ta_quic_conn_free(ta_quic_conn *q)
{
    if (q == NULL) {
        return;
    }
    for (int d = 0; d < 2; d++) {
        for (int s = 0; s < TA_QSP_CRYPTO; s++) {
            ta_quic_crypto_cleanup(&q->side[d].crypto[s]);
        }
    }
    OPENSSL_cleanse(q, sizeof(*q));
    free(q);
}

/* ---- which connection a datagram belongs to ------------------------------ */

bool ta_quic_owns(const ta_conn *c, int dir, const ta_cur *payload, bool strict)
{
    const ta_quic_conn *q = c->quic;
    int cd = client_dir(c);
    const ta_quic_side *cl = &q->side[cd];
    const ta_quic_side *sv = &q->side[1 - cd];
    ta_quic_header h;
    ta_cur p = *payload;
    uint8_t first;

    if (!ta_cur_peek_u8(&p, 0, &first)) {
        return false;
    }
    if ((first & 0x80) == 0) {
        /* A short header names the receiver's ID: without a length we know,
         * nothing contradicts it. */
        const ta_quic_side *to = dir == cd ? sv : cl;
        if (to->have_scid) {
            return cid_prefix(&to->scid, payload);
        }
        return !strict;
    }
    if (ta_quic_parse_header(&h, &p, 0) != TA_OK) {
        return !strict;
    }
    if (dir == cd) {
        if (cl->have_scid && h.type != TA_QUIC_PKT_VERSION_NEG && cid_is(&cl->scid, &h.scid)) {
            return true;
        }
        return cid_is(&q->odcid, &h.dcid) || cid_is(&q->key_dcid, &h.dcid) ||
               (q->retry && cid_is(&q->retry_scid, &h.dcid)) ||
               (sv->have_scid && cid_is(&sv->scid, &h.dcid));
    }
    return cl->have_scid ? cid_is(&cl->scid, &h.dcid) : !strict;
}

bool ta_quic_new_attempt(const ta_conn *c, int dir, const ta_cur *payload)
{
    const ta_quic_conn *q = c->quic;
    int cd = client_dir(c);
    if (dir != cd || !ta_quic_client_initial(payload)) {
        return false;
    }
    ta_quic_header h;
    ta_cur p = *payload;
    if (ta_quic_parse_header(&h, &p, 0) != TA_OK) {
        return false;
    }
    bool known_dcid = cid_is(&q->odcid, &h.dcid) || cid_is(&q->key_dcid, &h.dcid) ||
                      (q->retry && cid_is(&q->retry_scid, &h.dcid)) ||
                      (q->side[1 - cd].have_scid && cid_is(&q->side[1 - cd].scid, &h.dcid));
    if (known_dcid) {
        return false;
    }
    /* Another DCID with the same client SCID is the same attempt (a
     * client that moves to a new DCID mid-ClientHello, or after a Version
     * Negotiation); after a CONNECTION_CLOSE it is a new one. */
    return q->close.seen || !q->side[cd].have_scid || !cid_is(&q->side[cd].scid, &h.scid);
}

/* ---- frames -------------------------------------------------------------- */

typedef struct {
    ta_conn *c;
    int dir;
    int space;
    const ta_tls_limits *lim;
} crypto_ctx;

static void on_crypto(void *arg, ta_cur *bytes, uint64_t frame)
{
    crypto_ctx *x = arg;
    ta_quic_side *qs = &x->c->quic->side[x->dir];
    if (qs->hs_space != x->space) {
        /* Messages never span spaces: what an earlier space left unfinished
         * is given up. */
        if (qs->hs_space >= 0) {
            ta_tls_handshake_gap(x->c, x->dir, 0, frame);
        }
        qs->hs_space = x->space;
    }
    ta_tls_handshake_data(x->c, x->dir, bytes, frame, x->space == TA_QSP_HANDSHAKE, x->lim);
}

static void on_crypto_gap(void *arg, uint32_t lost, uint64_t frame)
{
    crypto_ctx *x = arg;
    if (x->c->quic->side[x->dir].hs_space == x->space) {
        ta_tls_handshake_gap(x->c, x->dir, lost, frame);
    }
}

static void on_close(ta_conn *c, int dir, const ta_quic_frame *f, uint64_t frame, bool decrypted)
{
    ta_quic_conn *q = c->quic;
    q->num_closes++;
    if (q->close.seen) {
        return;
    }
    ta_quic_close *cl = &q->close;
    cl->seen = true;
    cl->dir = dir;
    cl->frame = frame;
    cl->code = f->error_code;
    cl->app = f->type == TA_QF_CONNECTION_CLOSE_APP;
    cl->frame_type = cl->app ? 0 : f->error_frame_type;
    cl->decrypted = decrypted;
    ta_cur r = f->reason;
    size_t n = ta_cur_len(&r);
    cl->reason_len = n < TA_QUIC_MAX_REASON ? n : TA_QUIC_MAX_REASON;
    (void)ta_cur_copy(&r, cl->reason, cl->reason_len);
    cl->reason[cl->reason_len] = '\0';
    int alert = cl->app ? -1 : ta_quic_error_alert(f->error_code);
    if (alert >= 0) {
        ta_tls_alert(c, dir, 2, alert, frame, decrypted);
    } else {
        ta_conn_event(c, dir, TA_EV_QUIC_CLOSE, 0, frame);
    }
    /* The connection's end, as a FIN is over TCP (handshake.closed_by). */
    if (c->dir[dir].fin_frame == 0) {
        c->dir[dir].fin_frame = frame;
    }
}

static void read_frames(ta_conn *c, int dir, int space, const ta_quic_header *h, ta_cur *pl,
                        uint64_t frame, const ta_tls_limits *lim)
{
    ta_quic_conn *q = c->quic;
    crypto_ctx x = {c, dir, space, lim};
    ta_quic_crypto_sink sink = {on_crypto, on_crypto_gap, &x};
    ta_quic_frame f;
    bool decrypted = space != TA_QSP_INITIAL;
    size_t events = c->num_events;

    while (ta_cur_len(pl) > 0) {
        ta_status st = h->ver->gquic_frames ? ta_quic_gquic_frame_next(pl, &f)
                                            : ta_quic_frame_next(pl, h->type, &f);
        if (st != TA_OK) {
            break;   /* a frame we cannot skip: the rest of the payload is not read */
        }
        if (!f.allowed) {
            continue;
        }
        switch (f.type) {
        case TA_QF_CRYPTO:
            if (space < TA_QSP_CRYPTO) {   /* 1-RTT CRYPTO: NewSessionTicket, not the handshake */
                ta_quic_crypto_frame(&q->side[dir].crypto[space], f.offset, &f.data, frame,
                                     &sink);
            }
            break;
        case TA_QF_CONNECTION_CLOSE:
        case TA_QF_CONNECTION_CLOSE_APP:
            on_close(c, dir, &f, frame, decrypted);
            break;
        case TA_QF_HANDSHAKE_DONE:
            if (q->handshake_done_frame == 0) {
                q->handshake_done_frame = frame;
                ta_conn_event(c, dir, TA_EV_QUIC_HANDSHAKE_DONE, 0, frame);
            }
            break;
        default:
            break;
        }
    }
    for (size_t i = events; decrypted && i < c->num_events; i++) {
        c->events[i].decrypted = true;
    }
}

/* ---- packets ------------------------------------------------------------- */

static void set_initial_keys(ta_quic_conn *q, int cd, const ta_quic_keys *ck,
                             const ta_quic_keys *sk, const ta_quic_header *h)
{
    q->side[cd].keys[TA_QSP_INITIAL] = *ck;
    q->side[1 - cd].keys[TA_QSP_INITIAL] = *sk;
    q->side[cd].have_keys[TA_QSP_INITIAL] = true;
    q->side[1 - cd].have_keys[TA_QSP_INITIAL] = true;
    cid_set(&q->key_dcid, &h->dcid);
    if (q->vn && h->version != q->version) {
        for (size_t i = 0; i < q->num_vn; i++) {
            q->vn_retried = q->vn_retried || q->vn_versions[i] == h->version;
        }
    }
    q->ver = h->ver;
    q->version = h->version;
}

/* Opens an Initial: with the direction's keys, or for the client with keys
 * from the packet's own DCID (the first Initial, the one after a Retry or
 * a Version Negotiation), which then become both directions' keys. */
static bool open_initial(ta_conn *c, int dir, const ta_quic_header *h, uint8_t *plain,
                         ta_quic_opened *o)
{
    ta_quic_conn *q = c->quic;
    ta_quic_side *s = &q->side[dir];
    int cd = client_dir(c);
    ta_quic_keys ck;
    ta_quic_keys sk;

    if (s->have_keys[TA_QSP_INITIAL] && q->ver == h->ver &&
        ta_quic_open(&s->keys[TA_QSP_INITIAL], h, s->largest[TA_QSP_INITIAL], plain, MAX_PLAIN,
                     o) == TA_DECRYPT_OK) {
        return true;
    }
    if (dir != cd || h->ver->salt == NULL || ta_cur_len(&h->dcid) > TA_QUIC_MAX_CID ||
        !ta_quic_initial_keys(&ck, &sk, h->ver, &h->dcid) ||
        ta_quic_open(&ck, h, -1, plain, MAX_PLAIN, o) != TA_DECRYPT_OK) {
        return false;
    }
    set_initial_keys(q, cd, &ck, &sk, h);
    return true;
}

/* With key logs: both directions' keys of |space| (Handshake, or 1-RTT
 * from the first application traffic secrets), once the ServerHello named
 * the suite; tried once. */
static void logged_keys(ta_conn *c, int space, const ta_tls_limits *lim)
{
    ta_quic_conn *q = c->quic;
    int cd = client_dir(c);
    bool *tried = space == TA_QSP_HANDSHAKE ? &q->hs_keys_tried : &q->app_keys_tried;
    if (*tried || !c->real_sh || c->dec == NULL || q->ver == NULL) {
        return;
    }
    *tried = true;
    for (int d = 0; d < 2; d++) {
        ta_kl_label label = space == TA_QSP_HANDSHAKE
                                ? (d == cd ? TA_KL_CLIENT_HS_TRAFFIC : TA_KL_SERVER_HS_TRAFFIC)
                                : (d == cd ? TA_KL_CLIENT_TRAFFIC_0 : TA_KL_SERVER_TRAFFIC_0);
        ta_quic_keys *k = &q->side[d].keys[space];
        q->side[d].have_keys[space] =
            ta_quic_keys_from_keylog(k, lim->keylog, c->dec->client_random, label, q->ver,
                                     (uint16_t)ta_sh(c)->cipher_suite) ||
            ta_quic_keys_from_keylog(k, lim->capture_keys, c->dec->client_random, label, q->ver,
                                     (uint16_t)ta_sh(c)->cipher_suite);
    }
}

static void note_scid(ta_quic_side *s, const ta_quic_header *h)
{
    if (!s->have_scid) {
        cid_set(&s->scid, &h->scid);
        s->have_scid = true;
    }
}

static void on_vn(ta_conn *c, int dir, const ta_quic_header *h, uint64_t frame)
{
    ta_quic_conn *q = c->quic;
    if (dir == client_dir(c) || q->vn) {
        return;
    }
    q->vn = true;
    q->vn_frame = frame;
    ta_cur v = h->versions;
    uint32_t ver;
    while (q->num_vn < TA_QUIC_MAX_VN && ta_cur_get_u32(&v, &ver)) {
        q->vn_versions[q->num_vn++] = ver;
    }
    ta_conn_event(c, dir, TA_EV_QUIC_VN, 0, frame);
}

static void on_retry(ta_conn *c, int dir, const ta_quic_header *h, uint64_t frame)
{
    ta_quic_conn *q = c->quic;
    ta_cur odcid;
    if (dir == client_dir(c)) {
        return;
    }
    ta_cur_init(&odcid, q->key_dcid.b, q->key_dcid.len);
    if (ta_quic_retry_verify(h, &odcid) == TA_DECRYPT_AUTH_FAILED) {
        q->retry_tag_bad = true;
    }
    q->num_retries++;
    if (!q->retry) {
        q->retry = true;
        q->retry_frame = frame;
    }
    cid_set(&q->retry_scid, &h->scid);
    ta_conn_event(c, dir, TA_EV_QUIC_RETRY, 0, frame);
}

/* A 1-RTT packet: counted; with keys, the first few are opened for
 * HANDSHAKE_DONE and a CONNECTION_CLOSE (bulk data is never decrypted).
 * |h|'s version is set to the connection's: a short header names none. */
static bool open_short(ta_conn *c, int dir, ta_quic_header *h, uint8_t *plain, uint64_t frame,
                       const ta_tls_limits *lim, ta_quic_opened *o)
{
    ta_quic_conn *q = c->quic;
    ta_quic_side *s = &q->side[dir];
    if (s->short_packets++ == 0) {
        s->first_short_frame = frame;
        ta_conn_event(c, dir, TA_EV_APP_DATA, 0, frame);
    }
    logged_keys(c, TA_QSP_APP, lim);
    if (s->short_packets > TA_QUIC_APP_TRIES || q->ver == NULL || !s->have_keys[TA_QSP_APP] ||
        q->handshake_done_frame != 0) {
        return false;
    }
    h->ver = q->ver;
    /* Failing here is a key update or another path's packet: not followed. */
    return ta_quic_open(&s->keys[TA_QSP_APP], h, s->largest[TA_QSP_APP], plain, MAX_PLAIN, o) ==
           TA_DECRYPT_OK;
}

/* A Handshake packet: counted, its side's encrypted flight on the timeline;
 * opened with logged keys when there are some. */
static bool open_handshake(ta_conn *c, int dir, const ta_quic_header *h, uint8_t *plain,
                           uint64_t frame, const ta_tls_limits *lim, ta_quic_opened *o)
{
    ta_quic_side *s = &c->quic->side[dir];
    s->handshake_packets++;
    if (s->first_handshake_frame == 0) {
        s->first_handshake_frame = frame;
        c->dir[dir].finished_frame = frame;   /* its encrypted flight, as over TCP */
    }
    logged_keys(c, TA_QSP_HANDSHAKE, lim);
    if (h->ver == NULL || !s->have_keys[TA_QSP_HANDSHAKE] ||
        ta_quic_open(&s->keys[TA_QSP_HANDSHAKE], h, s->largest[TA_QSP_HANDSHAKE], plain,
                     MAX_PLAIN, o) != TA_DECRYPT_OK) {
        s->failed[TA_QSP_HANDSHAKE] += s->have_keys[TA_QSP_HANDSHAKE];
        if (!s->hs_event) {
            s->hs_event = true;
            ta_conn_event(c, dir, TA_EV_ENCRYPTED_HANDSHAKE, 0, frame);
        }
        return false;
    }
    if (c->dec != NULL) {
        c->dec->dir[dir].records++;
    }
    return true;
}

static void one_packet(ta_conn *c, int dir, const ta_quic_header *h, uint8_t *plain,
                       uint64_t frame, const ta_tls_limits *lim)
{
    ta_quic_side *s = &c->quic->side[dir];
    ta_quic_opened o;
    ta_quic_header hh = *h;
    int space;
    bool opened;

    switch (h->type) {
    case TA_QUIC_PKT_VERSION_NEG:
        on_vn(c, dir, h, frame);
        return;
    case TA_QUIC_PKT_RETRY:
        on_retry(c, dir, h, frame);
        return;
    case TA_QUIC_PKT_0RTT:
        s->zero_rtt_packets++;
        return;
    case TA_QUIC_PKT_SHORT:
        space = TA_QSP_APP;
        opened = open_short(c, dir, &hh, plain, frame, lim, &o);
        break;
    case TA_QUIC_PKT_INITIAL:
        space = TA_QSP_INITIAL;
        s->initial_packets++;
        opened = h->ver != NULL && open_initial(c, dir, h, plain, &o);
        s->failed[TA_QSP_INITIAL] += !opened;
        break;
    case TA_QUIC_PKT_HANDSHAKE:
        space = TA_QSP_HANDSHAKE;
        opened = open_handshake(c, dir, h, plain, frame, lim, &o);
        break;
    case TA_QUIC_PKT_UNKNOWN_LONG:
    default:
        return;
    }
    if (!opened) {
        return;
    }
    bool server_hs = h->type == TA_QUIC_PKT_HANDSHAKE && dir != client_dir(c);
    if (h->type == TA_QUIC_PKT_INITIAL || server_hs) {
        note_scid(s, h);
    }
    s->opened[space]++;
    if ((int64_t)o.pn > s->largest[space]) {
        s->largest[space] = (int64_t)o.pn;
    }
    ta_cur pl;
    ta_cur_init(&pl, plain, o.payload_len);
    read_frames(c, dir, space, &hh, &pl, frame, lim);
    OPENSSL_cleanse(plain, o.payload_len);
}

/* Once the handshake is complete, later alerts are after it. */
static void settle(ta_conn *c, uint64_t frame)
{
    if (!c->judged && ta_quic_handshake_done(c)) {
        c->judged = true;
        c->judged_frame = frame;
    }
}

void ta_quic_datagram_in(ta_conn *c, int dir, const ta_cur *payload, uint64_t frame,
                         const ta_tls_limits *lim)
{
    ta_quic_conn *q = c->quic;
    ta_quic_side *s = &q->side[dir];
    int cd = client_dir(c);
    const ta_quic_side *to = dir == cd ? &q->side[1 - cd] : &q->side[cd];
    ta_quic_datagram d;
    ta_quic_header h;
    size_t n = ta_cur_len(payload);

    s->datagrams++;
    q->bytes += n;
    c->dir[dir].bytes += n;
    uint8_t *plain = malloc(MAX_PLAIN);
    if (plain == NULL) {
        return;
    }
    ta_quic_datagram_init(&d, payload, to->have_scid ? to->scid.len : 0);
    while (ta_quic_datagram_next(&d, &h)) {
        one_packet(c, dir, &h, plain, frame, lim);
    }
    free(plain);
    settle(c, frame);
}

/* ---- the end ------------------------------------------------------------- */

void ta_quic_finish(ta_conn *c, const ta_tls_limits *lim)
{
    ta_quic_conn *q = c->quic;

    for (int d = 0; d < 2; d++) {
        ta_quic_side *s = &q->side[d];
        const char *who = ta_conn_side(c, d) == TA_FROM_CLIENT ? "client" : "server";
        for (int sp = 0; sp < TA_QSP_CRYPTO; sp++) {
            crypto_ctx x = {c, d, sp, lim};
            ta_quic_crypto_sink sink = {on_crypto, on_crypto_gap, &x};
            ta_quic_crypto_flush(&s->crypto[sp], &sink);
            const ta_quic_crypto *cr = &s->crypto[sp];
            if (ta_quic_crypto_cap_hits(cr) > 0) {
                ta_conn_warn(c, "the %s's out-of-order CRYPTO data passed %zu bytes %u times: "
                             "holes were given up early (raise with --max-reassembly-bytes)",
                             who, q->max_crypto, ta_quic_crypto_cap_hits(cr));
            }
            if (ta_quic_crypto_conflicts(cr) > 0) {
                ta_conn_warn(c, "%u overlapping CRYPTO frames from the %s carried different "
                             "bytes; the first copy was kept", ta_quic_crypto_conflicts(cr), who);
            }
            ta_quic_crypto_cleanup(&s->crypto[sp]);
        }
        if (s->failed[TA_QSP_INITIAL] > 0) {
            ta_conn_warn(c, "%llu of the %s's Initial packets did not decrypt (damaged, or "
                         "keys of a DCID not seen)",
                         (unsigned long long)s->failed[TA_QSP_INITIAL], who);
        }
        if (s->failed[TA_QSP_HANDSHAKE] > 0 && c->dec != NULL) {
            if (s->opened[TA_QSP_HANDSHAKE] == 0) {
                ta_tlskeys_problem(c, TA_DECST_FAILED,
                                   "decryption failed: none of the %s's %llu Handshake packets "
                                   "opened with the logged secret (it does not belong to this "
                                   "connection, or is damaged)",
                                   who, (unsigned long long)s->handshake_packets);
            } else {
                ta_conn_warn(c, "%llu of the %s's Handshake packets did not open with the "
                             "logged keys",
                             (unsigned long long)s->failed[TA_QSP_HANDSHAKE], who);
            }
        }
    }
    if (q->retry_tag_bad) {
        ta_conn_warn(c, "a Retry's integrity tag does not verify against the client's DCID");
    }
}

bool ta_quic_handshake_done(const ta_conn *c)
{
    const ta_quic_conn *q = c->quic;
    int cd = client_dir(c);
    const ta_quic_side *cl = &q->side[cd];
    const ta_quic_side *sv = &q->side[1 - cd];
    if (q->handshake_done_frame != 0) {
        return true;
    }
    /* Coalesced packets share a frame: 1-RTT may ride with the flight. */
    return sv->first_handshake_frame != 0 && cl->first_short_frame != 0 &&
           sv->first_short_frame != 0 && cl->first_short_frame >= sv->first_handshake_frame &&
           sv->first_short_frame >= sv->first_handshake_frame;
}

bool ta_quic_version_mismatch(const ta_conn *c)
{
    const ta_quic_conn *q = c->quic;
    return q != NULL && q->vn && !q->vn_retried && !c->real_sh;
}

const char *ta_quic_outcome(const ta_conn *c)
{
    const ta_quic_conn *q = c->quic;
    int cd = client_dir(c);
    if (ta_quic_handshake_done(c)) {
        return "completed";
    }
    for (size_t i = 0; i < c->num_alerts; i++) {
        if (ta_alert_ends_handshake(&c->alerts[i])) {
            return "alert";
        }
    }
    /* A client that gives up on its own (an idle-timeout CONNECTION_CLOSE)
     * still got no answer. */
    if (q->side[1 - cd].datagrams == 0) {
        return "no_response";
    }
    if (q->close.seen || ta_quic_version_mismatch(c)) {
        return "closed";
    }
    return "incomplete";
}
