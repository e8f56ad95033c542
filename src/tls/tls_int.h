/*
 * tls_int.h - the parts of the record layer (private to src/tls/): tls.c
 * reads records and drives the others, which call nothing back:
 * tls_hs.c handshake messages, tls_alerts.c alerts and application records
 * (with TLS 1.3's size inference when they cannot be read), tls_dec.c
 * records opened with logged secrets.
 */
#ifndef TLS_INT_H
#define TLS_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "ta_conn.h"
#include "ta_cursor.h"
#include "ta_tls.h"

enum {
    CT_CHANGE_CIPHER_SPEC = 20,
    CT_ALERT = 21,
    CT_HANDSHAKE = 22,
    CT_APPLICATION_DATA = 23,
    CT_HEARTBEAT = 24
};

#define MAX_RECORD_LEN (16384 + 2048)  /* TLSCiphertext limit, RFC 5246 6.2.3 */
#define MAX_ALERT_BODY 64
#define SUITE_AES_256_GCM_SHA384 0x1302
#define SUITE_AES_128_CCM_8_SHA256 0x1305

/* tls_alerts.c */
const char *tls_side_of(const ta_conn *c, int dir);
void tls_add_alert(ta_conn *c, int dir, int level, int desc, bool encrypted, uint64_t frame);
void tls_count_app_record(ta_dir *d, uint32_t len, uint64_t frame);
void tls_data_seen(ta_conn *c, int dir, uint32_t len, uint64_t frame);
void tls_app_record(ta_conn *c, int dir, uint32_t len, uint64_t frame);
void tls_infer_tls13_alerts(ta_conn *c);

/* tls_hs.c */
void tls_handshake_bytes(ta_conn *c, int dir, ta_cur *src, uint64_t frame,
                         const ta_tls_limits *lim);
void tls_add_cert(ta_conn *c, int dir, const ta_cur *der, uint64_t frame,
                  ta_cert_cache *cache);

/* tls_dec.c */
bool tls_dec_record(ta_conn *c, int dir, uint64_t frame, const ta_tls_limits *lim);
void tls_mark_decrypted(ta_conn *c, const size_t from[3]);

#endif
