/*
 * tls.c - TLS record layer of one connection (see ta_tls.h).
 *
 * RFC 8446 5.1 / RFC 5246 6.2.1 record header:
 *
 *   +------+---------+---------+--------------------+
 *   | type | version (2 bytes) | length (2 bytes)   |  then |length| bytes
 *   +------+---------+---------+--------------------+
 *
 * Each direction is a small state machine (ta_rec_state).  Bytes arrive in
 * chunks of any size straight from packet memory; only handshake messages
 * (to be parsed) and alert bodies are copied, into capped buffers.
 *
 * Records are followed for the whole life of the connection.  Once the
 * handshake is done (c->judged) only headers are read: bodies are skipped
 * by their length, except alerts and the short records decryption wants
 * (close_notify, late fatal alerts); handshake buffers are released.
 */
#include "ta_tls.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "ta_names.h"
#include "ta_tls_keys.h"
#include "ta_tls_msg.h"
#include "ta_cert.h"
#include "tls_int.h"

#define MAX_SSLV2_BODY 32768

typedef enum {
    FIND_ANY,     /* any record type: stream start and resync */
    FIND_HELLO    /* a handshake record holding a ClientHello or ServerHello */
} find_mode;

/* TLS <= 1.2 encrypts a side's handshake after its ChangeCipherSpec; a
 * TLS 1.3 middlebox-compatibility CCS (RFC 8446 D.4) changes nothing, and
 * before the ServerHello the version is not known yet (HelloRetryRequest). */
static bool hs_encrypted(const ta_conn *c, const ta_dir *d)
{
    /* Without any ServerHello seen (lost, or a one-sided capture) a CCS
     * still means TLS <= 1.2 encryption; only after a HelloRetryRequest
     * is it the compatibility one. */
    return d->ccs && !c->tls13 && !(c->hrr && !c->real_sh);
}

/* Is there a plausible record header at the start of |w|?  1 yes, 0 no,
 * -1 not enough bytes to tell. */
static int header_at(const ta_cur *w, find_mode mode)
{
    ta_cur h = *w;
    uint8_t type = 0;
    uint8_t major = 0;
    uint8_t minor = 0;
    uint16_t len = 0;
    uint8_t msg = 0;

    if (ta_cur_len(&h) < (mode == FIND_HELLO ? 6 : 5)) {
        return -1;
    }
    (void)ta_cur_get_u8(&h, &type);
    (void)ta_cur_get_u8(&h, &major);
    (void)ta_cur_get_u8(&h, &minor);
    (void)ta_cur_get_u16(&h, &len);
    if (major != 3 || minor > 4 || len > MAX_RECORD_LEN || (len == 0 && mode == FIND_HELLO)) {
        return 0;
    }
    if (mode == FIND_HELLO) {
        (void)ta_cur_get_u8(&h, &msg);
        return type == CT_HANDSHAKE && (msg == TA_HS_CLIENT_HELLO || msg == TA_HS_SERVER_HELLO);
    }
    return type >= CT_CHANGE_CIPHER_SPEC && type <= CT_HEARTBEAT;
}

/* An SSL 2.0 record with a 2-byte header holding a CLIENT-HELLO (with an
 * SSL 2.0 or SSL 3.0+ version, as old clients sent) or a SERVER-HELLO. */
static int sslv2_at(const ta_cur *w)
{
    ta_cur h = *w;
    uint8_t b0;
    uint8_t b1;
    uint8_t msg;
    uint16_t version;

    if (!ta_cur_get_u8(&h, &b0) || !ta_cur_get_u8(&h, &b1) || !ta_cur_get_u8(&h, &msg)) {
        return 0;
    }
    if ((b0 & 0x80) == 0 || (((b0 & 0x7f) << 8) | b1) < 9) {
        return 0;
    }
    if (msg == 1) {
        return ta_cur_get_u16(&h, &version) && (version == 0x0002 || (version >> 8) == 3);
    }
    if (msg == 4) {
        return ta_cur_skip(&h, 2) && ta_cur_get_u16(&h, &version) && version == 0x0002;
    }
    return 0;
}

#define SEARCH_CARRY 5   /* a header split across chunks: its first 5 bytes at most */

/* Keeps the last SEARCH_CARRY bytes of (carry + chunk) so a header split
 * across chunks is still found. */
static void keep_carry(ta_dir *d, const ta_cur *chunk)
{
    size_t n = ta_cur_len(chunk);
    ta_cur tail = *chunk;
    if (n >= SEARCH_CARRY) {
        (void)ta_cur_skip(&tail, n - SEARCH_CARRY);
        (void)ta_cur_copy(&tail, d->carry, SEARCH_CARRY);
        d->carry_len = SEARCH_CARRY;
        return;
    }
    size_t keep = SEARCH_CARRY - n < d->carry_len ? SEARCH_CARRY - n : d->carry_len;
    memmove(d->carry, d->carry + (d->carry_len - keep), keep);
    (void)ta_cur_copy(&tail, d->carry + keep, n);
    d->carry_len = (uint8_t)(keep + n);
}

/* Switches |d| to reading a record header whose first bytes are
 * carry[from..]; the rest comes from the stream. */
static void start_header(ta_dir *d, size_t from, ta_rec_state state)
{
    size_t n = d->carry_len - from;
    memcpy(d->hdr, d->carry + from, n);
    d->hdr_len = (uint8_t)n;
    d->carry_len = 0;
    d->state = state;
    d->is_tls = true;
}

/* Looks for a record header in carry + |bytes|; on success the cursor is
 * left at the rest of the header and the state is switched. */
static int find_header(ta_dir *d, ta_cur *bytes, find_mode mode)
{
    uint8_t win[sizeof(d->carry) + 6];
    size_t wlen = d->carry_len;
    ta_cur head = *bytes;
    size_t take = ta_cur_len(&head) < 6 ? ta_cur_len(&head) : 6;

    memcpy(win, d->carry, d->carry_len);
    (void)ta_cur_copy(&head, win + wlen, take);
    wlen += take;
    for (size_t j = 0; j < d->carry_len; j++) {
        ta_cur w;
        ta_cur_init(&w, win + j, wlen - j);
        if (header_at(&w, mode) == 1) {
            start_header(d, j, TA_REC_HEADER);
            return 1;
        }
    }
    size_t n = ta_cur_len(bytes);
    for (size_t k = 0; k < n; k++) {
        ta_cur w = *bytes;
        (void)ta_cur_skip(&w, k);
        int r = header_at(&w, mode);
        if (r == 1) {
            (void)ta_cur_skip(bytes, k);
            d->carry_len = 0;
            d->hdr_len = 0;
            d->state = TA_REC_HEADER;
            d->is_tls = true;
            return 1;
        }
        if (r < 0) {
            break;
        }
    }
    return 0;
}

static void feed(ta_conn *c, int dir, ta_cur *bytes, uint64_t frame, const ta_tls_limits *lim);

#define DETECT_LEN 7   /* an SSL 2.0 SERVER-HELLO needs 7 bytes to be told apart */

/* TA_REC_DETECT: decide from the first DETECT_LEN bytes of the stream. */
static void detect(ta_conn *c, int dir, ta_cur *bytes, uint64_t frame,
                   const ta_tls_limits *lim)
{
    ta_dir *d = &c->dir[dir];
    uint8_t win[DETECT_LEN];
    ta_cur head = *bytes;
    ta_cur w;

    if (d->carry_len + ta_cur_len(bytes) < DETECT_LEN) {
        size_t n = ta_cur_len(bytes);
        (void)ta_cur_copy(bytes, d->carry + d->carry_len, n);
        d->carry_len = (uint8_t)(d->carry_len + n);
        return;
    }
    memcpy(win, d->carry, d->carry_len);
    (void)ta_cur_copy(&head, win + d->carry_len, DETECT_LEN - d->carry_len);
    ta_cur_init(&w, win, DETECT_LEN);
    if (sslv2_at(&w)) {
        d->state = TA_REC_SSLV2;
    } else if (header_at(&w, FIND_ANY) == 1) {
        d->state = TA_REC_HEADER;
    } else {
        /* No header at offset 0; search from offset 1 on.  Say so when it
         * looked like one but claimed an impossible length. */
        uint8_t type;
        uint8_t major;
        uint16_t len;
        ta_cur h = w;
        if (ta_cur_get_u8(&h, &type) && ta_cur_get_u8(&h, &major) && ta_cur_skip(&h, 1) &&
            ta_cur_get_u16(&h, &len) && type >= CT_CHANGE_CIPHER_SPEC &&
            type <= CT_HEARTBEAT && major == 3 && len > MAX_RECORD_LEN) {
            ta_conn_warn(c, "frame %llu: a TLS record header claims %u bytes, more than a record "
                         "may hold; looking for the next record header",
                         (unsigned long long)frame, len);
        }
        d->state = TA_REC_SCAN;
        if (d->carry_len > SEARCH_CARRY) {
            memmove(d->carry, d->carry + (d->carry_len - SEARCH_CARRY), SEARCH_CARRY);
            d->carry_len = SEARCH_CARRY;
        }
        return;
    }
    d->is_tls = true;
    d->hdr_len = 0;
    if (d->carry_len > 0) {
        /* The held-back bytes are the start of the stream: feed them first. */
        uint8_t held[sizeof(d->carry)];
        ta_cur h;
        size_t n = d->carry_len;
        memcpy(held, d->carry, n);
        d->carry_len = 0;
        ta_cur_init(&h, held, n);
        feed(c, dir, &h, frame, lim);
    }
}

/* After the handshake, losing the record framing of a direction costs only
 * its closing alerts: one warning says so, instead of one per problem.
 * true when the caller's own warning is not needed. */
static bool lost_track(ta_conn *c, int dir, uint64_t frame)
{
    ta_dir *d = &c->dir[dir];
    if (!c->judged) {
        return false;
    }
    if (!d->lost_track_warned) {
        d->lost_track_warned = true;
        ta_conn_warn(c, "frame %llu: the %s's records after the handshake could not be followed "
                     "from here on (bytes lost or not TLS); its closing alerts may be missing",
                     (unsigned long long)frame, tls_side_of(c, dir));
    }
    return true;
}

/* TA_REC_SCAN and TA_REC_RESYNC: search for the next record header. */
static void search(ta_conn *c, int dir, ta_cur *bytes, uint64_t frame,
                   const ta_tls_limits *lim)
{
    ta_dir *d = &c->dir[dir];
    find_mode mode = d->state == TA_REC_SCAN ? FIND_HELLO : FIND_ANY;

    if (find_header(d, bytes, mode)) {
        return;
    }
    d->scanned += ta_cur_len(bytes);
    keep_carry(d, bytes);
    (void)ta_cur_skip(bytes, ta_cur_len(bytes));
    /* After lost bytes the next header is at most a whole record away. */
    size_t limit = lim->max_scan_bytes;
    if (d->state == TA_REC_RESYNC && limit < MAX_RECORD_LEN + 5) {
        limit = MAX_RECORD_LEN + 5;
    }
    if (d->scanned > limit) {
        if (d->is_tls && !lost_track(c, dir, frame)) {
            ta_conn_warn(c, "no TLS record header found in %llu bytes after lost data from the %s: "
                         "stopped following that direction",
                         (unsigned long long)d->scanned,
                         ta_conn_side(c, dir) == TA_FROM_CLIENT ? "client" : "server");
        }
        d->state = TA_REC_OFF;
    }
}

/* Several alerts in one record are rare; encrypted bytes after a capture
 * began mid-stream are common.  Only short bodies whose every level is
 * warning (1) or fatal (2) are taken as clear alerts. */
static bool clear_alerts(const ta_cur *body)
{
    ta_cur b = *body;
    size_t n = ta_cur_len(&b);
    uint8_t level;
    uint8_t desc;

    if (n == 0 || n % 2 != 0 || n > 8) {
        return false;
    }
    while (ta_cur_get_u8(&b, &level) && ta_cur_get_u8(&b, &desc)) {
        if (level != 1 && level != 2) {
            return false;
        }
    }
    return true;
}

/* RFC 8446 6: struct { AlertLevel level; AlertDescription description; }.
 * A 2-byte body is always readable (OpenSSL's TLS 1.3 client sends some
 * alerts in clear after the ServerHello); longer ones after the switch to
 * encryption are encrypted. */
static void alert_record(ta_conn *c, int dir, ta_cur body, uint64_t frame)
{
    ta_dir *d = &c->dir[dir];
    bool enc_state = hs_encrypted(c, d) || (c->tls13 && c->real_sh);

    size_t n = ta_cur_len(&body);
    if (n > MAX_ALERT_BODY) {
        d->rec_overflow = true;
    }
    if (!d->rec_overflow && (n == 2 || (!enc_state && clear_alerts(&body)))) {
        while (ta_cur_len(&body) >= 2) {
            uint8_t level;
            uint8_t desc;
            (void)ta_cur_get_u8(&body, &level);
            (void)ta_cur_get_u8(&body, &desc);
            tls_add_alert(c, dir, level, desc, false, frame);
        }
    } else {
        size_t before = c->num_alerts;
        tls_add_alert(c, dir, -1, -1, true, frame);
        if (c->num_alerts > before) {
            c->alerts[before].record_len = d->body_len;
        }
    }
    d->rec_overflow = false;
}

/* Once the handshake is done: mark it, and release what only the
 * handshake needed (message buffers; a record body not being read). */
static void settle_handshake(ta_conn *c, uint64_t frame)
{
    if (c->judged || !ta_tls_handshake_done(c)) {
        return;
    }
    c->judged = true;
    c->judged_frame = frame;
    for (int i = 0; i < 2; i++) {
        ta_dir *d = &c->dir[i];
        ta_buf_reset(&d->hs);
        d->hs_skip = 0;
        if (d->rec.len == 0) {
            ta_buf_reset(&d->rec);
        }
    }
}

/* The record just completed, its body |body| when it was kept (in the
 * segment itself, or gathered in d->rec). */
static void record_end(ta_conn *c, int dir, ta_cur body, uint64_t frame,
                       const ta_tls_limits *lim)
{
    ta_dir *d = &c->dir[dir];

    if (d->decrypt_body) {
        if (tls_dec_record(c, dir, frame, lim)) {
            goto done;
        }
    } else {
        ta_cur tail;
        ta_cur_init(&tail, d->tail, d->tail_len);
        ta_tlskeys_not_read(c, dir, d->type, d->keep_tail ? &tail : NULL);
    }
    switch (d->type) {
    case CT_CHANGE_CIPHER_SPEC:
        if (!d->ccs) {
            d->ccs = true;
            d->ccs_frame = frame;
            ta_conn_event(c, dir, TA_EV_CCS, 0, frame);
        }
        ta_tlskeys_ccs(c, dir);
        break;
    case CT_ALERT:
        alert_record(c, dir, body, frame);
        break;
    case CT_HANDSHAKE:
        if (hs_encrypted(c, d)) {
            if (d->finished_frame == 0) {
                d->finished_frame = frame;
                ta_conn_event(c, dir, TA_EV_ENCRYPTED_HANDSHAKE, d->body_len, frame);
            }
        } else if (d->keep_body) {
            tls_handshake_bytes(c, dir, &body, frame, lim);
        }
        break;
    case CT_APPLICATION_DATA:
        tls_app_record(c, dir, d->body_len, frame);
        break;
    default:
        break;
    }
done:
    /* Whatever the record left: a clear handshake record, a decrypted one,
     * or one kept for decryption that failed.  After the handshake a
     * large one is not kept allocated. */
    ta_buf_consume(&d->rec, d->rec.len);
    if (c->judged && d->rec.alloc > MAX_ALERT_BODY * 4) {
        ta_buf_reset(&d->rec);
    }
    d->state = TA_REC_HEADER;
    settle_handshake(c, frame);
}

/* What the record just begun needs of its body: handshake and alert
 * bodies are kept until the record is complete (a message's frame is the
 * frame that completed its record), as are records to decrypt; the rest
 * (application data, encrypted handshake records) is skipped. */
static void plan_body(ta_conn *c, int dir)
{
    ta_dir *d = &c->dir[dir];

    d->decrypt_body = ta_tlskeys_wants(c, dir, d->type, d->body_len);
    d->keep_body = d->decrypt_body || d->type == CT_ALERT ||
                   (d->type == CT_HANDSHAKE && !hs_encrypted(c, d) && !c->judged);
    d->keep_tail = !d->keep_body && ta_tlskeys_chained(c, dir);
    d->tail_len = 0;
}

static void read_header(ta_conn *c, int dir, ta_cur *bytes, uint64_t frame,
                        const ta_tls_limits *lim)
{
    ta_dir *d = &c->dir[dir];
    size_t need = sizeof(d->hdr) - d->hdr_len;
    size_t take = ta_cur_len(bytes) < need ? ta_cur_len(bytes) : need;
    ta_cur h;

    (void)ta_cur_copy(bytes, d->hdr + d->hdr_len, take);
    d->hdr_len = (uint8_t)(d->hdr_len + take);
    if (d->hdr_len < sizeof(d->hdr)) {
        return;
    }
    ta_cur_init(&h, d->hdr, sizeof(d->hdr));
    if (header_at(&h, FIND_ANY) != 1 && c->have_sh && ta_sh(c)->sslv2) {
        d->state = TA_REC_OFF;     /* an SSL 2.0 server: the rest is SSL 2.0, encrypted */
        return;
    }
    if (header_at(&h, FIND_ANY) != 1) {
        if (!lost_track(c, dir, frame)) {
            ta_conn_warn(c, "frame %llu: the %s sent bytes that are not a TLS record; "
                         "looking for the next record header",
                         (unsigned long long)frame, tls_side_of(c, dir));
        }
        memcpy(d->carry, d->hdr + 1, sizeof(d->hdr) - 1);
        d->carry_len = sizeof(d->hdr) - 1;
        d->hdr_len = 0;
        d->state = TA_REC_RESYNC;
        return;
    }
    uint16_t len16;
    (void)ta_cur_get_u8(&h, &d->type);
    (void)ta_cur_get_u16(&h, &d->version);
    (void)ta_cur_get_u16(&h, &len16);
    d->body_len = len16;
    d->body_left = len16;
    d->hdr_len = 0;
    if (d->num_records++ == 0) {
        d->first_version = d->version;
        d->first_frame = frame;
    }
    plan_body(c, dir);
    d->state = TA_REC_BODY;
    if (len16 == 0) {
        ta_cur empty;
        ta_cur_init(&empty, NULL, 0);
        record_end(c, dir, empty, frame, lim);   /* an empty record (RFC 5246 6.2.1 allows it) */
    }
}

/* Keeps the last bytes of a skipped record body (TLS 1.0 CBC: the next
 * record's IV is the last cipher block). */
static void keep_tail(ta_dir *d, const ta_cur *part)
{
    ta_cur p = *part;
    size_t n = ta_cur_len(&p);
    size_t cap = sizeof(d->tail);
    if (n >= cap) {
        (void)ta_cur_skip(&p, n - cap);
        (void)ta_cur_copy(&p, d->tail, cap);
        d->tail_len = (uint8_t)cap;
        return;
    }
    size_t keep = d->tail_len + n > cap ? cap - n : d->tail_len;
    memmove(d->tail, d->tail + (d->tail_len - keep), keep);
    (void)ta_cur_copy(&p, d->tail + keep, n);
    d->tail_len = (uint8_t)(keep + n);
}

static void read_body(ta_conn *c, int dir, ta_cur *bytes, uint64_t frame,
                      const ta_tls_limits *lim)
{
    ta_dir *d = &c->dir[dir];
    size_t n = ta_cur_len(bytes);
    size_t take = n < d->body_left ? n : d->body_left;
    ta_cur part;

    (void)ta_cur_get_bytes(bytes, &part, take);
    d->body_left -= (uint32_t)take;
    if (d->keep_body && d->rec.len == 0 && d->body_left == 0 && !d->decrypt_body) {
        /* The whole body is in this segment (the usual case): read where
         * it lies, no copy.  Decryption wants its own copy in d->rec. */
        if (d->type == CT_ALERT && take > MAX_ALERT_BODY) {
            d->rec_overflow = true;
        }
        record_end(c, dir, part, frame, lim);
        return;
    }
    if (d->keep_body) {
        if (d->rec.max == 0) {
            ta_buf_init(&d->rec, MAX_RECORD_LEN);
        }
        if (d->rec.len == 0 && d->type != CT_ALERT) {
            /* The body comes in pieces: one allocation for all of it. */
            (void)ta_buf_reserve(&d->rec, d->body_len);
        }
        /* A clear alert body longer than MAX_ALERT_BODY is read as
         * encrypted whatever it holds: no need to keep it. */
        bool too_long = d->type == CT_ALERT && !d->decrypt_body &&
                        d->rec.len + take > MAX_ALERT_BODY;
        if (too_long || !ta_buf_append_cur(&d->rec, &part, take)) {
            d->rec_overflow = true;
        }
    } else if (d->keep_tail) {
        keep_tail(d, &part);
    }
    if (d->body_left == 0) {
        ta_cur body;
        ta_buf_view(&d->rec, &body);
        record_end(c, dir, body, frame, lim);
    }
}

/* SSL 2.0 SERVER-HELLO (draft-hickman-netscape-ssl-00): after the msg
 * type, session-id-hit, certificate-type, version, then the lengths of the
 * certificate, cipher specs and connection id, then those fields. */
static void on_sslv2_server_hello(ta_conn *c, int dir, ta_cur *m, uint64_t frame)
{
    uint16_t version;
    uint16_t cert_len;
    ta_cur cert;

    if (c->client_how < TA_CLIENT_BY_HELLO) {
        ta_conn_set_client(c, 1 - dir, TA_CLIENT_BY_SERVER_MSG);
    }
    c->num_server_hellos++;
    if (c->have_sh || !ta_cur_skip(m, 3) || !ta_cur_get_u16(m, &version) ||
        !ta_cur_get_u16(m, &cert_len) || !ta_cur_skip(m, 4) ||
        !ta_cur_get_bytes(m, &cert, cert_len)) {
        return;
    }
    ta_hellos *h = ta_conn_hellos(c);
    if (h == NULL) {
        return;
    }
    c->have_sh = true;
    c->real_sh = true;
    c->sh_dir = dir;
    h->sh.sslv2 = true;
    h->sh.frame = frame;
    h->sh.legacy_version = version;
    if (cert_len > 0) {
        tls_add_cert(c, dir, &cert, frame, NULL);
    }
}

/* TA_REC_SSLV2: one SSL 2.0 record with a 2-byte header.  A CLIENT-HELLO
 * that offers SSL 3.0 or later is the version-2 compatible hello (RFC 5246
 * E.2): when the server answers in TLS, the client's next messages are TLS
 * records, so the direction goes on with record headers.  After any other
 * SSL 2.0 message everything is encrypted: the direction stops. */
static void read_sslv2(ta_conn *c, int dir, ta_cur *bytes, uint64_t frame)
{
    ta_dir *d = &c->dir[dir];

    if (d->rec.max == 0) {
        ta_buf_init(&d->rec, MAX_SSLV2_BODY + 2);
    }
    ta_cur view;
    uint16_t h;
    ta_buf_view(&d->rec, &view);
    size_t need = 2;
    if (ta_cur_get_u16(&view, &h)) {
        need = 2 + (size_t)(h & 0x7fff);
    }
    size_t have = d->rec.len;
    size_t n = ta_cur_len(bytes);
    size_t take = need > have ? (need - have < n ? need - have : n) : 0;
    if (!ta_buf_append_cur(&d->rec, bytes, take)) {
        d->state = TA_REC_OFF;
        return;
    }
    ta_buf_view(&d->rec, &view);
    if (!ta_cur_get_u16(&view, &h) || ta_cur_len(&view) < (size_t)(h & 0x7fff)) {
        return;   /* header or body still incomplete */
    }
    d->num_records++;
    uint8_t msg = 0;
    uint16_t version = 0;
    (void)ta_cur_peek_u8(&view, 0, &msg);
    (void)ta_cur_peek_u16(&view, 1, &version);
    d->state = TA_REC_OFF;
    if (msg == 1 && d->num_records == 1) {
        d->state = (version >> 8) == 3 ? TA_REC_HEADER : TA_REC_OFF;
        if (c->client_how < TA_CLIENT_BY_SYN) {
            ta_conn_set_client(c, dir, TA_CLIENT_BY_HELLO);
        }
        c->num_client_hellos++;
        ta_conn_event(c, dir, TA_EV_HANDSHAKE, TA_HS_CLIENT_HELLO, frame);
        ta_hellos *hellos = ta_conn_hellos(c);
        if (hellos != NULL) {
            (void)ta_tls_parse_sslv2_client_hello(&hellos->ch, &view);
            hellos->ch.frame = frame;
        }
    } else if (msg == 4) {
        ta_conn_event(c, dir, TA_EV_HANDSHAKE, TA_HS_SERVER_HELLO, frame);
        on_sslv2_server_hello(c, dir, &view, frame);
    }
    ta_buf_reset(&d->rec);
    d->hdr_len = 0;
}

/* Runs the record state machine over |bytes| until they are used up. */
static void feed(ta_conn *c, int dir, ta_cur *bytes, uint64_t frame, const ta_tls_limits *lim)
{
    ta_dir *d = &c->dir[dir];

    while (ta_cur_len(bytes) > 0) {
        switch (d->state) {
        case TA_REC_DETECT:
            detect(c, dir, bytes, frame, lim);
            break;
        case TA_REC_SCAN:
        case TA_REC_RESYNC:
            search(c, dir, bytes, frame, lim);
            break;
        case TA_REC_HEADER:
            read_header(c, dir, bytes, frame, lim);
            break;
        case TA_REC_BODY:
            read_body(c, dir, bytes, frame, lim);
            break;
        case TA_REC_SSLV2:
            read_sslv2(c, dir, bytes, frame);
            break;
        case TA_REC_OFF:
        default:
            return;
        }
    }
}

void ta_tls_data(ta_conn *c, int dir, ta_cur *bytes, uint64_t frame, const ta_tls_limits *lim)
{
    ta_dir *d = &c->dir[dir];
    if (d->num_first_bytes < sizeof(d->first_bytes)) {
        ta_cur head = *bytes;
        size_t n = sizeof(d->first_bytes) - d->num_first_bytes;
        n = n < ta_cur_len(&head) ? n : ta_cur_len(&head);
        (void)ta_cur_copy(&head, d->first_bytes + d->num_first_bytes, n);
        d->num_first_bytes = (uint8_t)(d->num_first_bytes + n);
    }
    d->bytes += ta_cur_len(bytes);
    d->segments += ta_cur_len(bytes) > 0;
    feed(c, dir, bytes, frame, lim);
}

void ta_tls_gap(ta_conn *c, int dir, uint32_t lost, uint64_t frame)
{
    ta_dir *d = &c->dir[dir];

    /* After the handshake one gap per side is enough for the timeline. */
    if (!c->judged || !d->gap_after) {
        d->gap_after = c->judged;
        ta_conn_event(c, dir, TA_EV_GAP, lost, frame);
    }
    if (d->state == TA_REC_OFF || d->state == TA_REC_DETECT || d->state == TA_REC_SCAN) {
        d->carry_len = 0;
        return;
    }
    if (!ta_tls_handshake_done(c)) {
        ta_conn_warn(c, "frame %llu: %u bytes from the %s are missing from the capture; "
                     "facts in them are lost",
                     (unsigned long long)frame, lost,
                     ta_conn_side(c, dir) == TA_FROM_CLIENT ? "client" : "server");
    }
    /* A gap inside a record body of known length keeps the framing
     * (what was kept of the body is then incomplete: not decrypted). */
    if (d->state == TA_REC_BODY && lost < d->body_left && d->type != CT_HANDSHAKE &&
        d->type != CT_ALERT) {
        d->body_left -= lost;
        d->keep_tail = false;
        return;
    }
    if (c->dec != NULL && (c->dec->dir[dir].on || c->dec->dir[dir].armed)) {
        if (!lost_track(c, dir, frame)) {
            ta_conn_warn(c, "decryption of the %s's records stopped at frame %llu: bytes were "
                         "lost", tls_side_of(c, dir), (unsigned long long)frame);
        }
        ta_tlskeys_stop(c, dir);
    }
    ta_buf_reset(&d->hs);
    ta_buf_reset(&d->rec);
    d->hs_skip = 0;
    d->hdr_len = 0;
    d->carry_len = 0;
    d->scanned = 0;
    d->state = TA_REC_RESYNC;
}

void ta_tls_handshake_data(ta_conn *c, int dir, ta_cur *bytes, uint64_t frame, bool decrypted,
                           const ta_tls_limits *lim)
{
    size_t from[3] = {c->num_events, c->num_certs, c->num_alerts};
    c->dir[dir].is_tls = true;
    tls_handshake_bytes(c, dir, bytes, frame, lim);
    if (decrypted) {
        tls_mark_decrypted(c, from);
    }
}

void ta_tls_handshake_gap(ta_conn *c, int dir, uint32_t lost, uint64_t frame)
{
    ta_dir *d = &c->dir[dir];
    if (lost > 0) {
        ta_conn_event(c, dir, TA_EV_GAP, lost, frame);
        if (!ta_tls_handshake_done(c)) {
            ta_conn_warn(c, "frame %llu: %u bytes of handshake from the %s are missing from "
                         "the capture; facts in them are lost",
                         (unsigned long long)frame, lost, tls_side_of(c, dir));
        }
    }
    ta_buf_reset(&d->hs);
    d->hs_skip = 0;
}

void ta_tls_alert(ta_conn *c, int dir, int level, int desc, uint64_t frame, bool decrypted)
{
    size_t from[3] = {c->num_events, c->num_certs, c->num_alerts};
    tls_add_alert(c, dir, level, desc, false, frame);
    if (decrypted) {
        tls_mark_decrypted(c, from);
    }
}

int ta_tls_handshake_done(const ta_conn *c)
{
    if (c->quic != NULL) {
        return c->quic_ops->handshake_done(c);
    }

    const ta_dir *cl = &c->dir[ta_conn_client_dir(c)];
    const ta_dir *sv = &c->dir[1 - ta_conn_client_dir(c)];

    if (c->have_sh && ta_sh(c)->sslv2) {
        return 1;
    }
    if (c->tls13 && c->real_sh) {
        return cl->finished_frame != 0 && sv->post_fin_data;
    }
    if (cl->finished_frame != 0 && sv->finished_frame != 0) {
        return 1;
    }
    return cl->num_app_records > 0 && sv->num_app_records > 0 && c->real_sh;
}

/* Puts alerts and timeline events in frame order (stable): reassembly can
 * complete bytes late (a hole given up at the end), and inferred alerts
 * come last.  Events keep pointing at their alert. */
static void order_by_frame(ta_conn *c)
{
    for (size_t i = 1; i < c->num_alerts; i++) {
        for (size_t j = i; j > 0 && c->alerts[j - 1].frame > c->alerts[j].frame; j--) {
            ta_alert t = c->alerts[j - 1];
            c->alerts[j - 1] = c->alerts[j];
            c->alerts[j] = t;
            for (size_t k = 0; k < c->num_events; k++) {
                ta_event *e = &c->events[k];
                if (e->kind == TA_EV_ALERT && e->detail == j) {
                    e->detail = (uint32_t)(j - 1);
                } else if (e->kind == TA_EV_ALERT && e->detail == j - 1) {
                    e->detail = (uint32_t)j;
                }
            }
        }
    }
    for (size_t i = 1; i < c->num_events; i++) {
        for (size_t j = i; j > 0 && c->events[j - 1].frame > c->events[j].frame; j--) {
            ta_event t = c->events[j - 1];
            c->events[j - 1] = c->events[j];
            c->events[j] = t;
        }
    }
}

void ta_tls_finish(ta_conn *c)
{
    if (c->tls13 && c->real_sh) {
        tls_infer_tls13_alerts(c);
    }
    order_by_frame(c);
}

bool ta_alert_ends_handshake(const ta_alert *a)
{
    /* Fatal alerts end it; so do close_notify and user_canceled whatever
     * their level, and an alert we cannot read; not one that only answered
     * the other side's hang-up. */
    return !a->after_peer_close &&
           (a->encrypted || a->level == 2 || a->description == 0 || a->description == 90);
}

/* The earlier of two frames, 0 meaning none. */
static uint64_t first_frame(uint64_t a, uint64_t b)
{
    return a == 0 ? b : (b == 0 || a < b ? a : b);
}

const char *ta_tls_outcome(const ta_conn *c)
{
    if (c->quic != NULL) {
        return c->quic_ops->outcome(c);
    }
    if (!c->dir[0].is_tls && !c->dir[1].is_tls) {
        return "not_tls";
    }
    if (ta_tls_handshake_done(c)) {
        return "completed";
    }
    bool hello = c->num_client_hellos > 0 || c->have_sh;
    for (size_t i = 0; i < c->num_alerts; i++) {
        /* Without a hello the capture began after the handshake: an
         * encrypted alert there is a close_notify, not a failure. */
        if (ta_alert_ends_handshake(&c->alerts[i]) && (hello || !c->alerts[i].encrypted)) {
            return "alert";
        }
    }
    if (!hello) {
        return "midstream";
    }
    /* The first of them says how it ended: a kernel's RST that answers
     * data after a FIN (a client that hung up, then got the server's
     * alert) is not how the handshake ended. */
    uint64_t fin = first_frame(c->dir[0].fin_only_frame, c->dir[1].fin_only_frame);
    uint64_t rst = first_frame(c->dir[0].rst_frame, c->dir[1].rst_frame);
    if (rst != 0 && (fin == 0 || rst < fin)) {
        return "reset";
    }
    if (fin != 0) {
        return "closed";
    }
    return "incomplete";
}
