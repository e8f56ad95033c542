/*
 * ta_tls_keys.h - the keys that decrypt a connection's records (--keylog,
 * pcapng secrets).  At the first ClientHello the client random is kept
 * (c->dec is allocated only when key logs were given); at the ServerHello
 * the secrets are looked up and each direction's keys derived (TLS 1.3:
 * handshake traffic keys at once, application keys after each side's
 * Finished; TLS <= 1.2: from the master secret, used from each side's
 * ChangeCipherSpec on).  Problems become one warning per connection and
 * c->dec->state.  The record layer (tls.c) asks which records to decrypt
 * and opens them; nothing here reads capture bytes except the hellos'
 * randoms, through the cursor.
 */
#ifndef TA_TLS_KEYS_H
#define TA_TLS_KEYS_H

#include <stdbool.h>
#include <stdint.h>

#include "ta_conn.h"
#include "ta_tls.h"

/* ta_tlskeys_client_hello keeps the client random of the first
 * ClientHello |body| when |lim| has key logs (allocates c->dec). */
void ta_tlskeys_client_hello(ta_conn *c, const ta_cur *body, const ta_tls_limits *lim);

/* ta_tlskeys_start sets both directions up after the real ServerHello
 * (the ServerHello, c->tls13 and c->dec->server_random filled); no-op without c->dec. */
void ta_tlskeys_start(ta_conn *c, const ta_tls_limits *lim);

/* ta_tlskeys_ccs: wire direction |dir| sent ChangeCipherSpec (TLS <= 1.2:
 * its records are encrypted from now on). */
void ta_tlskeys_ccs(ta_conn *c, int dir);

/* ta_tlskeys_finished: |dir| sent its Finished (TLS 1.3: application keys
 * from now on, if the key log has them). */
void ta_tlskeys_finished(ta_conn *c, int dir, const ta_tls_limits *lim);

/* ta_tlskeys_key_update: |dir| sent a TLS 1.3 KeyUpdate; its next records
 * use the next generation of its application keys. */
void ta_tlskeys_key_update(ta_conn *c, int dir);

/* ta_tlskeys_stop: |dir|'s records are no longer decrypted (lost bytes). */
void ta_tlskeys_stop(ta_conn *c, int dir);

/* ta_tlskeys_wants is true when the record of |type| and |len| bytes
 * starting in |dir| is to be decrypted (its body must be kept): TLS 1.3
 * the handshake flight, then records of at most 64 bytes (alerts,
 * KeyUpdate) and, until the handshake is judged, the first 8 of at most
 * 2048 bytes (NewSessionTicket); TLS <= 1.2 Finished and alerts, after the
 * handshake alerts only.  Bulk data is never decrypted. */
bool ta_tlskeys_wants(const ta_conn *c, int dir, uint8_t type, uint32_t len);

/* ta_tlskeys_chained is true when |dir|'s records must pass their last
 * cipher block on (TLS 1.0 CBC): keep the body's last TA_DEC_TAIL bytes
 * for ta_tlskeys_not_read. */
bool ta_tlskeys_chained(const ta_conn *c, int dir);

/* ta_tlskeys_not_read counts a record of |type| in |dir| that was not
 * decrypted, so that the sequence numbers stay right; |tail| is the end of
 * its body when ta_tlskeys_chained asked for it, else NULL. */
void ta_tlskeys_not_read(ta_conn *c, int dir, uint8_t type, const ta_cur *tail);

/* ta_tlskeys_problem records the connection's first decryption problem
 * (state |st| and the formatted text) and adds it to its warnings. */
void ta_tlskeys_problem(ta_conn *c, ta_dec_state st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
