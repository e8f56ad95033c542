/* tls_keys.c - the key state of a connection's decryption (see ta_tls_keys.h). */
#include "ta_tls_keys.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

enum { CT_HANDSHAKE = 22, CT_ALERT = 21, CT_APPLICATION_DATA = 23 };

/* TLS 1.3 records under application keys that are decrypted: short enough
 * to be an alert (19 bytes unpadded) or a KeyUpdate; and until the
 * handshake is judged, the first few of moderate size (NewSessionTicket,
 * the first request).  Bulk data is never decrypted. */
#define DEC_SHORT_RECORD 64
#define DEC_FIRST_RECORDS 8
#define DEC_FIRST_RECORD_LEN 2048

static bool have_keylogs(const ta_tls_limits *lim)
{
    return ta_keylog_count(lim->keylog) > 0 || ta_keylog_count(lim->capture_keys) > 0;
}

static size_t lookup_secret(const ta_tls_limits *lim, const uint8_t random[32], ta_kl_label label,
                            uint8_t out[TA_KL_MAX_SECRET])
{
    size_t n = ta_keylog_get(lim->keylog, random, label, out);
    return n > 0 ? n : ta_keylog_get(lim->capture_keys, random, label, out);
}

static const char *side_of(const ta_conn *c, int dir)
{
    return ta_conn_side(c, dir) == TA_FROM_CLIENT ? "client" : "server";
}

/* Records the first decryption problem of the connection (state and
 * report text) and adds it to the warnings. */
void ta_tlskeys_problem(ta_conn *c, ta_dec_state st, const char *fmt, ...)
{
    va_list ap;
    if (c->dec->warning[0] != '\0') {
        return;
    }
    va_start(ap, fmt);
    vsnprintf(c->dec->warning, sizeof(c->dec->warning), fmt, ap);
    va_end(ap);
    c->dec->state = st;
    ta_conn_warn(c, "%s", c->dec->warning);
}

void ta_tlskeys_client_hello(ta_conn *c, const ta_cur *body, const ta_tls_limits *lim)
{
    ta_cur r = *body;
    if (c->dec != NULL || !have_keylogs(lim)) {
        return;
    }
    c->dec = calloc(1, sizeof(*c->dec));
    /* RFC 8446 4.1.2: legacy_version (2 bytes), then the 32-byte random. */
    if (c->dec != NULL && (!ta_cur_skip(&r, 2) || !ta_cur_copy(&r, c->dec->client_random, 32))) {
        free(c->dec);
        c->dec = NULL;
    }
}

static bool sh_has_extension(const ta_server_hello *sh, uint32_t type)
{
    for (size_t i = 0; i < sh->extensions.num; i++) {
        if (sh->extensions.v[i] == type) {
            return true;
        }
    }
    return false;
}

/* TLS 1.3: both directions get their handshake traffic keys now. */
static void dec_start13(ta_conn *c, const ta_suite_info *si, const ta_tls_limits *lim)
{
    ta_conn_dec *dec = c->dec;
    uint8_t cs[TA_KL_MAX_SECRET];
    uint8_t ss[TA_KL_MAX_SECRET];
    int sv = c->sh_dir;
    size_t cn = lookup_secret(lim, dec->client_random, TA_KL_CLIENT_HS_TRAFFIC, cs);
    size_t sn = lookup_secret(lim, dec->client_random, TA_KL_SERVER_HS_TRAFFIC, ss);

    /* A side that aborted early may have logged only one of the two (an
     * OpenSSL client that rejects the certificate logs the server's). */
    if (cn == 0 && sn == 0) {
        ta_tlskeys_problem(
            c, TA_DECST_NO_KEY,
            "decryption: no key for client random "
            "%02x%02x%02x%02x... (no handshake traffic secrets in the key log): this "
            "connection stays encrypted",
            dec->client_random[0], dec->client_random[1], dec->client_random[2],
            dec->client_random[3]);
    } else if ((cn > 0 && !ta_dec_tls13_keys(&dec->dir[1 - sv].k, si, cs, cn)) ||
               (sn > 0 && !ta_dec_tls13_keys(&dec->dir[sv].k, si, ss, sn))) {
        ta_tlskeys_problem(c, TA_DECST_FAILED,
                           "decryption failed: the logged secrets do not fit "
                           "cipher suite 0x%04x (wrong length)",
                           si->suite);
    } else {
        dec->dir[1 - sv].on = cn > 0;
        dec->dir[sv].on = sn > 0;
        dec->state = TA_DECST_OK;
        if (cn == 0 || sn == 0) {
            ta_conn_warn(c,
                         "decryption: the key log has no %s for this connection: the %s's "
                         "handshake records stay encrypted",
                         cn == 0 ? "CLIENT_HANDSHAKE_TRAFFIC_SECRET"
                                 : "SERVER_HANDSHAKE_TRAFFIC_SECRET",
                         cn == 0 ? "client" : "server");
        }
    }
    OPENSSL_cleanse(cs, sizeof(cs));
    OPENSSL_cleanse(ss, sizeof(ss));
}

/* TLS <= 1.2: keys from the master secret; each side's records are
 * encrypted from its ChangeCipherSpec on. */
static void dec_start12(ta_conn *c, const ta_suite_info *si, const ta_tls_limits *lim)
{
    ta_conn_dec *dec = c->dec;
    uint8_t ms[TA_KL_MAX_SECRET];
    int sv = c->sh_dir;
    uint16_t version = ta_sh(c)->legacy_version;

    if (lookup_secret(lim, dec->client_random, TA_KL_CLIENT_RANDOM, ms) != 48) {
        ta_tlskeys_problem(c, TA_DECST_NO_KEY,
                           "decryption: no key for client random "
                           "%02x%02x%02x%02x... in the key log: this connection stays encrypted",
                           dec->client_random[0], dec->client_random[1], dec->client_random[2],
                           dec->client_random[3]);
    } else if (!ta_dec_tls12_keys(&dec->dir[1 - sv].k, &dec->dir[sv].k, si, version,
                                  sh_has_extension(ta_sh(c), 22), ms, dec->client_random,
                                  dec->server_random)) {
        ta_tlskeys_problem(c, TA_DECST_UNSUPPORTED,
                           "decryption: cipher suite 0x%04x with version "
                           "0x%04x is not decrypted by tlsanalyze",
                           si->suite, version);
    } else {
        dec->dir[0].armed = true;
        dec->dir[1].armed = true;
        dec->state = TA_DECST_OK;
        /* A side whose CCS was seen before the ServerHello (a reordered
         * or partial capture): records of it went by unread, so its
         * sequence numbers are unknown. */
        for (int d = 0; d < 2; d++) {
            if (c->dir[d].ccs) {
                ta_tlskeys_problem(c, TA_DECST_FAILED,
                                   "decryption: the %s's ChangeCipherSpec came "
                                   "before the ServerHello; its records stay encrypted",
                                   side_of(c, d));
                dec->dir[d].armed = false;
            }
        }
    }
    OPENSSL_cleanse(ms, sizeof(ms));
}

/* After the real ServerHello: look the keys up and set both directions up. */
void ta_tlskeys_start(ta_conn *c, const ta_tls_limits *lim)
{
    const ta_suite_info *si = ta_dec_suite((uint16_t)ta_sh(c)->cipher_suite);

    if (c->dec->state != TA_DECST_PENDING) {
        return;
    }
    if (si == NULL || si->tls13 != c->tls13) {
        ta_tlskeys_problem(c, TA_DECST_UNSUPPORTED,
                           "decryption: cipher suite 0x%04x is not one "
                           "tlsanalyze decrypts (AES-GCM, AES-CCM, ChaCha20-Poly1305, AES-CBC)",
                           ta_sh(c)->cipher_suite);
    } else if (c->tls13) {
        dec_start13(c, si, lim);
    } else {
        dec_start12(c, si, lim);
    }
}

void ta_tlskeys_ccs(ta_conn *c, int dir)
{
    if (c->dec == NULL) {
        return;
    }
    ta_dec_dir *dd = &c->dec->dir[dir];
    if (dd->armed) {
        dd->armed = false;
        dd->on = true;
    } else if (dd->on && !c->tls13) {
        /* TLS <= 1.2, a second ChangeCipherSpec: a renegotiation, whose
         * keys come from a handshake that is not followed. */
        dd->on = false;
    }
}

void ta_tlskeys_stop(ta_conn *c, int dir)
{
    if (c->dec != NULL) {
        c->dec->dir[dir].on = false;
        c->dec->dir[dir].armed = false;
    }
}

/* TLS 1.3: after a side's Finished its records use the application
 * traffic keys (RFC 8446 7.1); only short ones are read (ta_tlskeys_wants). */
void ta_tlskeys_finished(ta_conn *c, int dir, const ta_tls_limits *lim)
{
    ta_dec_dir *dd = c->dec != NULL ? &c->dec->dir[dir] : NULL;
    uint8_t secret[TA_KL_MAX_SECRET];

    if (dd == NULL || !c->tls13 || !dd->on || dd->app_keys) {
        return;
    }
    bool client = ta_conn_side(c, dir) == TA_FROM_CLIENT;
    size_t n = lookup_secret(lim, c->dec->client_random,
                             client ? TA_KL_CLIENT_TRAFFIC_0 : TA_KL_SERVER_TRAFFIC_0, secret);
    if (n == 0 || n > sizeof(dd->secret) || !ta_dec_tls13_keys(&dd->k, dd->k.s, secret, n)) {
        dd->on = false;
        dd->no_app_secret = true; /* said when a record needs it (ta_tlskeys_not_read) */
    } else {
        dd->app_keys = true;
        dd->proven = false;
        memcpy(dd->secret, secret, n);     /* for KeyUpdate */
        dd->secret_len = (uint8_t)n;
    }
    OPENSSL_cleanse(secret, sizeof(secret));
}

/* TLS 1.3 KeyUpdate (RFC 8446 4.6.3, 7.2): the side's next records use
 * application_traffic_secret_N+1 = HKDF-Expand-Label(secret_N, "traffic
 * upd", "", Hash.length). */
void ta_tlskeys_key_update(ta_conn *c, int dir)
{
    ta_dec_dir *dd = c->dec != NULL ? &c->dec->dir[dir] : NULL;

    if (dd == NULL || !dd->on || !dd->app_keys) {
        return;
    }
    const ta_suite_info *s = dd->k.s;
    if (!ta_dec_tls13_next_secret(s, dd->secret, dd->secret_len) ||
        !ta_dec_tls13_keys(&dd->k, s, dd->secret, dd->secret_len)) {
        dd->on = false;
        return;
    }
    dd->proven = false;
}

/* Does the record of |type| and |len| bytes starting in |dir| get
 * decrypted?  TLS 1.3: the handshake flight, then records short enough to
 * be an alert (and the first few before the handshake is judged).  TLS <= 1.2: Finished and alerts; after the handshake only
 * alerts (a handshake record then is a renegotiation, not followed). */
bool ta_tlskeys_wants(const ta_conn *c, int dir, uint8_t type, uint32_t len)
{
    if (c->dec == NULL || !c->dec->dir[dir].on) {
        return false;
    }
    if (c->tls13) {
        const ta_dec_dir *dd = &c->dec->dir[dir];
        return type == CT_APPLICATION_DATA &&
               (!dd->app_keys || len <= DEC_SHORT_RECORD ||
                (!c->judged && dd->app_records < DEC_FIRST_RECORDS &&
                 len <= DEC_FIRST_RECORD_LEN));
    }
    return type == CT_ALERT || (type == CT_HANDSHAKE && !c->judged);
}

bool ta_tlskeys_chained(const ta_conn *c, int dir)
{
    return c->dec != NULL && c->dec->dir[dir].on && !c->tls13 &&
           ta_dec_chains_iv(&c->dec->dir[dir].k);
}

/* A record of |type| that is not decrypted: when it was sent under the
 * keys (TLS 1.3: type 23; TLS <= 1.2: any record after the CCS) its
 * sequence number still counts, and TLS 1.0 CBC takes its last block as
 * the next IV (|tail|, NULL when not kept). */
void ta_tlskeys_not_read(ta_conn *c, int dir, uint8_t type, const ta_cur *tail)
{
    if (c->dec == NULL) {
        return;
    }
    ta_dec_dir *dd = &c->dec->dir[dir];
    if (c->tls13 && type != CT_APPLICATION_DATA) {
        return;    /* a clear alert or a compatibility CCS: not under the keys */
    }
    dd->last_decrypted = false;
    if (dd->no_app_secret) {
        dd->no_app_secret = false;
        ta_conn_warn(c,
                     "decryption: no %s in the key log: the %s's records after its "
                     "Finished stay encrypted",
                     ta_conn_side(c, dir) == TA_FROM_CLIENT ? "CLIENT_TRAFFIC_SECRET_0"
                                                            : "SERVER_TRAFFIC_SECRET_0",
                     side_of(c, dir));
    }
    if (dd->on && !(tail != NULL ? ta_dec_skip_chained(&dd->k, tail) : ta_dec_skip(&dd->k))) {
        dd->on = false;
    }
}
