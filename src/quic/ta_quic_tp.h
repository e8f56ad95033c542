/*
 * ta_quic_tp.h - the quic_transport_parameters TLS extension (57, RFC 9001
 * 8.2; 0xffa5 in drafts 27-32), whose contents RFC 9000 18 defines: a list
 * of (id, length, value) with varint ids and lengths.
 *
 * Decoded into a fixed-size list (no allocation): for each parameter its
 * id, the name of the known ones, its length, and its value as an integer
 * when RFC 9000 18.2 (or the extension defining it) says it is a varint.
 * Meant for client_hello.quic_transport_parameters (and the server's, in
 * EncryptedExtensions).  Not yet wired into the analysis.
 */
#ifndef TA_QUIC_TP_H
#define TA_QUIC_TP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ta_cursor.h"
#include "ta_status.h"

#define TA_QUIC_TP_EXT 57                /* RFC 9001 8.2 */
#define TA_QUIC_TP_EXT_DRAFT 0xffa5      /* drafts 27-32 */
#define TA_QUIC_MAX_TP 64                /* parameters kept per extension */

typedef struct {
    uint64_t id;
    const char *name;                /* static; NULL for an id we do not know */
    bool is_int;                     /* the value is a varint, in |value| */
    bool bad_value;                  /* a varint parameter whose bytes are not one varint */
    uint64_t value;
    size_t len;                      /* value length on the wire */
    ta_cur raw;                      /* the value's bytes (borrowed) */
} ta_quic_tp;

typedef struct {
    ta_quic_tp v[TA_QUIC_MAX_TP];
    size_t num;                      /* kept */
    size_t num_total;                /* on the wire */
    bool truncated;                  /* more than TA_QUIC_MAX_TP */
} ta_quic_tp_list;

/* ta_quic_tp_parse decodes the extension data |ext| (RFC 9000 18:
 * Transport Parameter { ID (i), Length (i), Value (..) } ...) into |out|.
 * TA_TRUNCATED when a parameter runs past the end (what came before is
 * kept), TA_OK otherwise; a varint parameter whose value is not exactly
 * one varint is kept with bad_value set. */
ta_status ta_quic_tp_parse(ta_quic_tp_list *out, const ta_cur *ext);

/* ta_quic_tp_name returns the name of transport parameter |id| (RFC 9000
 * 18.2 and later registrations), "reserved" for the 31 * N + 27 ids that
 * exercise the rule to ignore unknown ones (18.1), or NULL. */
const char *ta_quic_tp_name(uint64_t id);

#endif
