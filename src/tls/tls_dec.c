/*
 * tls_dec.c - records opened with logged secrets (ta_keylog.h,
 * ta_decrypt.h): decrypted handshake bytes go through the same message
 * layer as clear ones, alerts become ordinary alerts, and everything
 * learned this way is marked decrypted.  The handshake is decrypted, and
 * after it only records short enough to be alerts (ta_tlskeys_wants): bulk
 * application data is skipped, its sequence numbers counted.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "ta_cert.h"
#include "ta_names.h"
#include "ta_tls_keys.h"
#include "ta_tls_msg.h"
#include "tls_int.h"

#define DEC_MAX_EARLY_SKIPPED 16   /* TLS 1.3 0-RTT records tolerated before handshake keys */

static void dec_handshake(ta_conn *c, int dir, ta_cur *pt, uint64_t frame,
                          const ta_tls_limits *lim)
{
    ta_dir *d = &c->dir[dir];
    ta_dec_dir *dd = &c->dec->dir[dir];
    int cd = ta_conn_client_dir(c);

    if (d->finished_frame == 0) {
        d->finished_frame = frame;
    }
    /* TLS 1.3: a server handshake message under application keys after
     * the client's Finished (NewSessionTicket) means the server accepted. */
    if (c->tls13 && dir != cd && dd->app_keys && c->dir[cd].finished_frame != 0) {
        d->post_fin_data = true;
    }
    tls_handshake_bytes(c, dir, pt, frame, lim);
}

static void dec_alerts(ta_conn *c, int dir, ta_cur *pt, uint64_t frame)
{
    uint8_t level;
    uint8_t desc;
    while (ta_cur_get_u8(pt, &level) && ta_cur_get_u8(pt, &desc)) {
        tls_add_alert(c, dir, level, desc, false, frame);
    }
}

static void dec_app_data(ta_conn *c, int dir, uint32_t len, uint64_t frame)
{
    c->dir[dir].small_pending = false;
    tls_data_seen(c, dir, len, frame);
}

/* Marks everything added since the counts in |from| as decrypted. */
void tls_mark_decrypted(ta_conn *c, const size_t from[3])
{
    for (size_t i = from[0]; i < c->num_events; i++) {
        c->events[i].decrypted = true;
    }
    for (size_t i = from[1]; i < c->num_certs; i++) {
        c->certs[i].decrypted = true;
    }
    for (size_t i = from[2]; i < c->num_alerts; i++) {
        c->alerts[i].decrypted = true;
    }
}

/* After the handshake, decrypted handshake messages (NewSessionTicket,
 * KeyUpdate, post-handshake authentication) are not facts of the
 * handshake; only a KeyUpdate matters: that side's next records use the
 * next generation of its keys (RFC 8446 4.6.3). */
static void dec_post_handshake(ta_conn *c, int dir, ta_cur *pt)
{
    uint8_t type;
    ta_cur body;

    while (ta_cur_get_u8(pt, &type) && ta_cur_get_u24_prefixed(pt, &body)) {
        if (type == TA_HS_KEY_UPDATE) {
            ta_tlskeys_key_update(c, dir);
        }
    }
}

/* A record that did not decrypt; true when it is to be treated as read. */
static bool dec_failed(ta_conn *c, int dir, ta_decrypt_status st, uint64_t frame)
{
    ta_dir *d = &c->dir[dir];
    ta_dec_dir *dd = &c->dec->dir[dir];

    /* 0-RTT data (early keys we do not use) comes before the client's
     * handshake records: skipped, not a wrong key. */
    if (c->tls13 && ta_conn_side(c, dir) == TA_FROM_CLIENT && ta_ch(c)->has_early_data &&
        dd->records == 0 && dd->early_skipped < DEC_MAX_EARLY_SKIPPED) {
        dd->early_skipped++;
        tls_count_app_record(d, d->body_len, frame);
        return true;
    }
    dd->on = false;
    dd->last_decrypted = false;
    if (dd->proven && c->judged) {
        /* These keys read records already: the side changed keys in a way
         * not followed (a KeyUpdate or renegotiation in a record not
         * read), which is no wrong key. */
        ta_conn_warn(c, "decryption of the %s's records stopped at frame %llu: a record after "
                     "the handshake did not decrypt with the keys that read the earlier ones "
                     "(a key change that was not seen)",
                     tls_side_of(c, dir), (unsigned long long)frame);
        return false;
    }
    ta_tlskeys_problem(c, TA_DECST_FAILED,
                       "decryption failed: %s (frame %llu, the %s's record did not "
                       "authenticate; the key log's secret for this client random does not "
                       "belong to this connection, or is damaged)",
                       ta_decrypt_status_name(st), (unsigned long long)frame, tls_side_of(c, dir));
    return false;
}

/* Decrypts the record just completed in d->rec and hands its content on.
 * false when it was not decrypted (the caller treats it as opaque). */
bool tls_dec_record(ta_conn *c, int dir, uint64_t frame, const ta_tls_limits *lim)
{
    ta_dir *d = &c->dir[dir];
    ta_dec_dir *dd = &c->dec->dir[dir];
    uint8_t plain[MAX_RECORD_LEN];
    size_t n = 0;
    uint8_t inner = 0;
    ta_cur rec;

    if (d->rec.len != d->body_len) {
        /* bytes lost or over the cap: skip it, keep counting */
        ta_tlskeys_not_read(c, dir, d->type, NULL);
        return false;
    }
    ta_buf_view(&d->rec, &rec);
    ta_decrypt_status st =
        ta_dec_open(&dd->k, d->type, d->version, &rec, plain, sizeof(plain), &n, &inner);
    if (st != TA_DECRYPT_OK) {
        return dec_failed(c, dir, st, frame);
    }
    dd->records++;
    dd->app_records += dd->app_keys;
    dd->last_decrypted = true;
    dd->proven = true;
    size_t from[3] = {c->num_events, c->num_certs, c->num_alerts};
    ta_cur pt;
    ta_cur_init(&pt, plain, n);
    if (c->tls13) {
        tls_count_app_record(d, d->body_len, frame);
    }
    switch (inner) {
    case CT_HANDSHAKE:
        if (c->judged) {
            dec_post_handshake(c, dir, &pt);
        } else {
            dec_handshake(c, dir, &pt, frame, lim);
        }
        break;
    case CT_ALERT:
        dec_alerts(c, dir, &pt, frame);
        break;
    case CT_APPLICATION_DATA:
        dec_app_data(c, dir, d->body_len, frame);
        break;
    default:
        break;
    }
    tls_mark_decrypted(c, from);
    OPENSSL_cleanse(plain, n);
    return true;
}
