/*
 * tls_alerts.c - alerts (clear, decrypted or inferred) and application data
 * records; in TLS 1.3 without keys a record is told apart by size and
 * order: a side's first record after the ServerHello is its Finished unless
 * it is alert-sized, and later an alert-sized record is an alert or a little
 * data, decided by what follows it.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "ta_cert.h"
#include "ta_names.h"
#include "ta_tls_keys.h"
#include "ta_tls_msg.h"
#include "tls_int.h"

const char *tls_side_of(const ta_conn *c, int dir)
{
    return ta_conn_side(c, dir) == TA_FROM_CLIENT ? "client" : "server";
}

void tls_add_alert(ta_conn *c, int dir, int level, int desc, bool encrypted, uint64_t frame)
{
    if (c->alerts == NULL) {
        c->alerts = malloc(TA_MAX_ALERTS * sizeof(*c->alerts));
    }
    if (c->alerts == NULL || c->num_alerts >= TA_MAX_ALERTS) {
        if (c->num_alerts_dropped++ == 0) {
            ta_conn_warn(c, "frame %llu: more than %d alerts; later ones are not listed",
                         (unsigned long long)frame, TA_MAX_ALERTS);
        }
        return;
    }
    ta_alert *a = &c->alerts[c->num_alerts];
    memset(a, 0, sizeof(*a));
    a->frame = frame;
    a->from = ta_conn_side(c, dir);
    a->level = level;
    a->description = desc;
    a->encrypted = encrypted;
    a->after_handshake = c->judged;
    /* An alert after the other side hung up answers the hang-up (OpenSSL's
     * decode_error, GnuTLS's unexpected_message): it did not end anything. */
    a->after_peer_close = c->dir[1 - dir].fin_frame != 0 && c->dir[1 - dir].fin_frame < frame;
    ta_conn_event(c, dir, TA_EV_ALERT, (uint32_t)c->num_alerts, frame);
    c->num_alerts++;
}

/* Counts a type-23 record on the wire, decrypted or not. */
void tls_count_app_record(ta_dir *d, uint32_t len, uint64_t frame)
{
    d->num_app_records++;
    if (d->first_app_frame == 0) {
        d->first_app_frame = frame;
    }
    d->last_app_len = len;
    d->last_app_frame = frame;
}

/* TLS 1.3 record sizes (RFC 8446 5.2): an alert is its 2 bytes + content
 * type + the AEAD tag (19 bytes with a 16-byte tag) plus any padding; a
 * Finished is 4 + the suite's hash + 1 + tag (53 bytes with SHA-256,
 * 4.4.4).  A record between the two is never a Finished: a padded alert
 * (JSSE pads its alerts to 35 bytes) or a little data ("GET / ..."). */
static uint32_t alert_13_len(const ta_conn *c)
{
    return 3 + (ta_sh(c)->cipher_suite == SUITE_AES_128_CCM_8_SHA256 ? 8 : 16);
}

static bool alert_sized(const ta_conn *c, uint32_t len)
{
    uint32_t tag = alert_13_len(c) - 3;
    uint32_t hash = ta_sh(c)->cipher_suite == SUITE_AES_256_GCM_SHA384 ? 48 : 32;
    return len >= alert_13_len(c) && len < 4 + hash + 1 + tag;
}

/* Application data from |dir| after its handshake flight (the frame of
 * its first such record). */
void tls_data_seen(ta_conn *c, int dir, uint32_t len, uint64_t frame)
{
    ta_dir *d = &c->dir[dir];
    int cd = ta_conn_client_dir(c);

    d->sent_data = true;
    if (c->tls13 && dir != cd && c->dir[cd].finished_frame != 0) {
        d->post_fin_data = true;
    }
    if (!d->app_event) {
        d->app_event = true;
        ta_conn_event(c, dir, TA_EV_APP_DATA, len, frame);
    }
}

/* A type-23 record.  In TLS 1.3 the whole handshake after ServerHello is
 * carried this way; without keys its parts are told apart by order and
 * size: a side's first record is its Finished unless it is alert-sized.
 * After the flight an alert-sized record is data when another record of
 * the same side follows (an alert is the last thing a side sends), and a
 * padded one also when a record of the peer's own data phase (not the
 * rest of its flight, which may cross it on the wire) follows it before
 * the side closed: a peer answers a little request, not a fatal alert.  A
 * record sent after the side's FIN or RST answers nothing (JSSE's client
 * writes its request while the server's alert and FIN are on the way). */
void tls_app_record(ta_conn *c, int dir, uint32_t len, uint64_t frame)
{
    ta_dir *d = &c->dir[dir];
    bool handshake = false;
    bool small = false;

    tls_count_app_record(d, len, frame);
    if (c->tls13 && c->real_sh) {
        bool from_client = dir == ta_conn_client_dir(c);
        uint64_t client_fin = c->dir[ta_conn_client_dir(c)].finished_frame;
        small = alert_sized(c, len);
        if (d->finished_frame == 0 && (!from_client || !small)) {
            d->finished_frame = frame;
            ta_conn_event(c, dir, TA_EV_ENCRYPTED_HANDSHAKE, len, frame);
        }
        /* The rest of a flight: records in the same frame, and everything
         * the server sends before the client's Finished. */
        handshake = frame == d->finished_frame || (!from_client && client_fin == 0);
    }
    if (handshake) {
        return;
    }
    ta_dir *peer = &c->dir[1 - dir];
    if (peer->small_pending && peer->small_len != alert_13_len(c) && peer->fin_frame == 0) {
        peer->small_pending = false;
        tls_data_seen(c, 1 - dir, peer->small_len, peer->small_frame);
    }
    d->last_data_phase_frame = frame;
    if (peer->fin_frame == 0) {
        d->last_reply_frame = frame;
    }
    if (d->small_pending) {
        tls_data_seen(c, dir, d->small_len, d->small_frame);
    }
    if (!small) {
        tls_data_seen(c, dir, len, frame);
    }
    d->small_pending = small;
    d->small_frame = frame;
    d->small_len = len;
}

/* The server's last record came before the client's Finished: it never
 * answered the client's flight (no session ticket, no response), so a
 * small record there is its refusal (JSSE rejecting an empty client
 * Certificate), whatever the client sent after it. */
static bool refused_client_flight(const ta_conn *c, int dir)
{
    const ta_dir *cl = &c->dir[ta_conn_client_dir(c)];
    return dir != ta_conn_client_dir(c) && cl->finished_frame != 0 &&
           c->dir[dir].last_app_frame < cl->finished_frame;
}

/* TLS 1.3 without keys: the last record a side sent, of alert size (19
 * bytes unpadded, less than a Finished padded), is almost surely an alert:
 * before the handshake completed, the one that ended it; after, the side's
 * close_notify (or a late fatal alert).  Added in frame order. */
void tls_infer_tls13_alerts(ta_conn *c)
{
    int order[2] = {0, 1};
    if (c->dir[1].last_app_frame < c->dir[0].last_app_frame) {
        order[0] = 1;
        order[1] = 0;
    }
    for (int i = 0; i < 2; i++) {
        int dir = order[i];
        const ta_dir *d = &c->dir[dir];
        if (c->dec != NULL && c->dec->dir[dir].last_decrypted) {
            continue;    /* its last record was read: no guessing */
        }
        const ta_dir *peer = &c->dir[1 - dir];
        if (!alert_sized(c, d->last_app_len) || d->last_app_frame == 0 ||
            (d->last_app_len != alert_13_len(c) && !refused_client_flight(c, dir) &&
             peer->last_reply_frame > d->last_app_frame)) {
            continue;
        }
        size_t before = c->num_alerts;
        tls_add_alert(c, dir, -1, -1, true, d->last_app_frame);
        if (c->num_alerts > before) {
            ta_alert *a = &c->alerts[before];
            a->inferred = true;
            a->record_len = d->last_app_len;
            a->after_handshake = c->judged && d->last_app_frame >= c->judged_frame;
        }
    }
}
