/*
 * ta_tls.h - the TLS record layer of a connection: finds TLS in a
 * reassembled byte stream, follows records, reassembles handshake
 * messages across records and hands each whole message to its parser
 * (ta_tls_msg.h), and records alerts, ChangeCipherSpec and encrypted
 * records.  Records are followed by their headers only: application data
 * is skipped without copying.
 */
#ifndef TA_TLS_H
#define TA_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ta_certcache.h"
#include "ta_conn.h"
#include "ta_cursor.h"
#include "ta_keylog.h"

/* Limits and shared per-capture state the record layer works with. */
typedef struct {
    size_t max_handshake_bytes;   /* per direction, for one handshake message */
    size_t max_ooo_bytes;         /* out-of-order TCP data per direction */
    size_t max_scan_bytes;        /* plaintext searched for a ClientHello */
    ta_cert_cache *cert_cache;    /* borrowed; NULL parses every certificate */
    const ta_keylog *keylog;      /* borrowed: --keylog files; NULL for none */
    const ta_keylog *capture_keys; /* borrowed: the capture's own secrets (pcapng DSB) */
} ta_tls_limits;

/* ta_tls_data feeds in-order bytes of wire direction |dir|. */
void ta_tls_data(ta_conn *c, int dir, ta_cur *bytes, uint64_t frame, const ta_tls_limits *lim);

/* ta_tls_gap tells the record layer that |lost| bytes of |dir| are missing. */
void ta_tls_gap(ta_conn *c, int dir, uint32_t lost, uint64_t frame);

/* ta_tls_handshake_data feeds handshake-message bytes of wire direction
 * |dir| that carry no record layer (the CRYPTO stream of QUIC, RFC 9001
 * 4): the same message parsers as records; |decrypted| marks what they
 * yield as read with logged keys. */
void ta_tls_handshake_data(ta_conn *c, int dir, ta_cur *bytes, uint64_t frame, bool decrypted,
                           const ta_tls_limits *lim);

/* ta_tls_handshake_gap: |lost| bytes of those (0: none lost, the message
 * being read is given up). */
void ta_tls_handshake_gap(ta_conn *c, int dir, uint32_t lost, uint64_t frame);

/* ta_tls_alert adds an alert that came outside a record (a TLS alert as
 * QUIC crypto error). */
void ta_tls_alert(ta_conn *c, int dir, int level, int desc, uint64_t frame, bool decrypted);

/* ta_tls_finish draws the last conclusions when the connection ends
 * (TLS 1.3 alerts recognised by their size). */
void ta_tls_finish(ta_conn *c);

/* ta_tls_outcome names how the handshake ended: "completed", "alert",
 * "reset", "closed", "incomplete", "midstream" or "not_tls"; a QUIC
 * connection's is ta_quic_outcome's ("no_response" too). */
const char *ta_tls_outcome(const ta_conn *c);

/* ta_alert_ends_handshake is true for an alert that ends a handshake:
 * fatal, close_notify or user_canceled whatever the level, or unreadable. */
bool ta_alert_ends_handshake(const ta_alert *a);

/* ta_tls_handshake_done is true once the handshake completed. */
int ta_tls_handshake_done(const ta_conn *c);

#endif
