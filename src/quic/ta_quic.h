/*
 * ta_quic.h - QUIC packets as a capture shows them: versions, long and
 * short headers, coalesced packets in one UDP datagram, and the packet
 * protection of RFC 9001 (Initial keys from the client's first
 * Destination Connection ID, keys from TLS 1.3 traffic secrets, header
 * protection, AEAD).
 *
 * Versions: v1 (RFC 9000, RFC 9001), v2 (RFC 9369: its own salt, labels
 * "quicv2 key/iv/hp" and long-header type bits), drafts 23-34 by number
 * with their salts, Facebook's mvfst and Google's gQUIC T050/T051 (which
 * carry TLS in IETF-style Initials), and the reserved 0x?a?a?a?a versions
 * that force Version Negotiation (RFC 9000 15).
 *
 * Pure: parsers take bytes through the cursor and fill structs that borrow
 * them; key derivation, header protection and AEAD go through OpenSSL EVP
 * (ta_decrypt.h).  Nothing allocates, prints or reads a file.  Not yet
 * wired into the analysis (src/analyze.c still skips UDP).
 */
#ifndef TA_QUIC_H
#define TA_QUIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ta_cursor.h"
#include "ta_decrypt.h"
#include "ta_keylog.h"
#include "ta_status.h"

#define TA_QUIC_MAX_CID 20           /* RFC 9000 17.2: connection IDs of v1 and v2 */
#define TA_QUIC_SALT_LEN 20
#define TA_QUIC_SAMPLE_LEN 16        /* RFC 9001 5.4.2 */
#define TA_QUIC_RETRY_TAG_LEN 16     /* RFC 9001 5.8 */
#define TA_QUIC_MAX_PN_LEN 4

/* ---- versions ------------------------------------------------------------ */

typedef enum {
    TA_QUIC_VER_V1 = 1,              /* 0x00000001, RFC 9000 */
    TA_QUIC_VER_V2,                  /* 0x6b3343cf, RFC 9369 */
    TA_QUIC_VER_DRAFT,               /* 0xff0000NN, draft-ietf-quic-transport-NN */
    TA_QUIC_VER_MVFST,               /* 0xfaceb0NN, Facebook's mvfst */
    TA_QUIC_VER_GQUIC_TLS,           /* 0x5430353N, Google QUIC with TLS (T050, T051) */
    TA_QUIC_VER_RESERVED             /* 0x?a?a?a?a, RFC 9000 15: forces Version Negotiation */
} ta_quic_ver_kind;

/* What a version number means for decoding. */
typedef struct {
    uint32_t number;                 /* 0 for the reserved-pattern entry */
    ta_quic_ver_kind kind;
    uint8_t draft;                   /* transport draft it follows (34 for v1), 0 unknown */
    const uint8_t *salt;             /* TA_QUIC_SALT_LEN bytes; NULL: no Initial keys known */
    const char *label;               /* "quic" or "quicv2": "<label> key", " iv", " hp" */
    bool v2_types;                   /* long-header type bits of RFC 9369 3.2 */
    const uint8_t *retry_key;        /* AES-128-GCM key of the Retry tag, NULL: not checked */
    const uint8_t *retry_nonce;      /* its 12-byte nonce */
    bool gquic_frames;               /* payloads hold Google QUIC frames (T050, T051) */
} ta_quic_version;

/* ta_quic_version_lookup returns what |number| means, or NULL for a
 * version we do not know (0, Version Negotiation, included: it is no
 * version).  The reserved 0x?a?a?a?a versions share one entry. */
const ta_quic_version *ta_quic_version_lookup(uint32_t number);

/* ta_quic_version_name writes a short name of |number| into |out| (at
 * least 32 bytes): "v1", "v2", "draft-29", "mvfst 0xfaceb002", "gQUIC
 * T051", "reserved 0x0a0a0a0a", "negotiation" for 0, else "0x%08x".
 * Returns |out|. */
const char *ta_quic_version_name(uint32_t number, char *out, size_t out_len);

/* ---- packet headers ------------------------------------------------------ */

typedef enum {
    TA_QUIC_PKT_INITIAL = 0,
    TA_QUIC_PKT_0RTT,
    TA_QUIC_PKT_HANDSHAKE,
    TA_QUIC_PKT_RETRY,
    TA_QUIC_PKT_VERSION_NEG,         /* version 0 (RFC 9000 17.2.1) */
    TA_QUIC_PKT_SHORT,               /* 1-RTT (RFC 9000 17.3.1) */
    TA_QUIC_PKT_UNKNOWN_LONG         /* long header of an unknown version: invariants only */
} ta_quic_pkt_type;

/* One packet's header as read (header protection still on).  Every cursor
 * borrows the datagram's bytes. */
typedef struct {
    ta_quic_pkt_type type;
    uint8_t first;                   /* first byte as on the wire */
    uint32_t version;                /* long headers; 0 for short headers */
    const ta_quic_version *ver;      /* NULL: unknown version, VN, short header */
    ta_cur dcid;
    ta_cur scid;                     /* long headers */
    ta_cur token;                    /* Initial: token; Retry: Retry token */
    ta_cur retry_tag;                /* Retry: the 16-byte integrity tag */
    ta_cur versions;                 /* Version Negotiation: 4-byte supported versions */
    ta_cur packet;                   /* the whole packet, header to end of payload */
    size_t pn_offset;                /* Initial, 0-RTT, Handshake, short: packet number start */
} ta_quic_header;

/* ta_quic_parse_header reads the packet at the start of |dgram| (RFC 9000
 * 17.2 long header with the fields of its type, or 17.3 short header whose
 * connection ID is |short_dcid_len| bytes) into |out| and advances |dgram|
 * past it: a long header with a Length field ends there, every other packet
 * takes the rest of the datagram.  TA_TRUNCATED when the bytes end before
 * the header or the Length does (the caller knows whether the capture cut
 * the datagram: if not, that is malformed), TA_MALFORMED when a field
 * contradicts the format (a connection ID over 20 bytes in a version that
 * limits it, a Version Negotiation list not a multiple of 4).  On failure
 * |dgram| does not move. */
ta_status ta_quic_parse_header(ta_quic_header *out, ta_cur *dgram, size_t short_dcid_len);

/* Walks the packets of one UDP datagram (RFC 9000 12.2).  After the first
 * packet, bytes that cannot start a packet (zeros, fixed bit clear) and a
 * packet for another Destination Connection ID end the walk as padding:
 * receivers ignore them. */
typedef struct {
    ta_cur rest;
    size_t short_dcid_len;           /* for a datagram that starts with a short header */
    ta_cur first_dcid;               /* the first packet's, which later packets must repeat */
    unsigned num_packets;
    size_t padding_len;              /* trailing bytes that are no packet of this datagram */
    ta_status status;                /* TA_OK, or why the walk stopped at a packet */
} ta_quic_datagram;

/* ta_quic_datagram_init starts a walk over |payload| (borrowed). */
void ta_quic_datagram_init(ta_quic_datagram *d, const ta_cur *payload, size_t short_dcid_len);

/* ta_quic_datagram_next fills |out| with the next packet and returns true;
 * false at the end (trailing padding counted in d->padding_len) or when a
 * packet does not parse (d->status says why; the rest is not read). */
bool ta_quic_datagram_next(ta_quic_datagram *d, ta_quic_header *out);

/* ta_quic_sniff is true when |payload| starts like a QUIC datagram a
 * capture should be decoded as: a long header whose version we know (or
 * Version Negotiation, or a reserved version), connection IDs within
 * limits, a header that parses.  Content, not ports, decides. */
bool ta_quic_sniff(const ta_cur *payload);

/* ---- packet protection --------------------------------------------------- */

/* Keys of one direction and packet number space. */
typedef struct {
    const ta_suite_info *suite;      /* NULL: not set */
    uint8_t key[32];
    uint8_t iv[12];
    uint8_t hp[32];
} ta_quic_keys;

/* ta_quic_keys_from_secret derives key, iv and hp from a TLS 1.3 traffic
 * secret of |len| bytes with the labels of |v| (RFC 9001 5.1; RFC 9369
 * 3.3.2), for suite |s| (TLS_AES_128_GCM, AES_256_GCM, CHACHA20_POLY1305,
 * AES_128_CCM; CCM_8 has no header protection).  0 on failure, |k| zeroed. */
int ta_quic_keys_from_secret(ta_quic_keys *k, const ta_quic_version *v, const ta_suite_info *s,
                             const uint8_t *secret, size_t len);

/* ta_quic_initial_secrets computes the client and server Initial secrets
 * (32 bytes each) from the client's first Destination Connection ID
 * |dcid| with the salt of |v| (RFC 9001 5.2).  0 when |v| has no salt or
 * OpenSSL fails. */
int ta_quic_initial_secrets(const ta_quic_version *v, const ta_cur *dcid, uint8_t client[32],
                            uint8_t server[32]);

/* ta_quic_initial_keys derives both directions' Initial keys (always
 * AES-128-GCM) from |dcid|; 0 on failure.  Either output may be NULL. */
int ta_quic_initial_keys(ta_quic_keys *client, ta_quic_keys *server, const ta_quic_version *v,
                         const ta_cur *dcid);

/* ta_quic_keys_from_keylog derives |k| from the |label| secret
 * (TA_KL_CLIENT_HS_TRAFFIC for the client's Handshake packets, ...)
 * logged for |client_random|, for the negotiated |suite|.  0 when the key
 * log has no such secret or it does not fit the suite. */
int ta_quic_keys_from_keylog(ta_quic_keys *k, const ta_keylog *kl,
                             const uint8_t client_random[TA_KL_RANDOM_LEN], ta_kl_label label,
                             const ta_quic_version *v, uint16_t suite);

/* ta_quic_decode_pn expands a |pn_len|-byte truncated packet number
 * against the largest one seen in its space (RFC 9000 17.1, A.3); pass -1
 * for |largest| when none was seen. */
uint64_t ta_quic_decode_pn(int64_t largest, uint64_t truncated, unsigned pn_len);

/* What opening a packet found. */
typedef struct {
    uint8_t first;                   /* first byte without header protection */
    unsigned pn_len;
    uint64_t pn;                     /* the full packet number */
    bool reserved_bits;              /* reserved bits not zero (RFC 9000 17.2, 17.3.1) */
    bool key_phase;                  /* short header */
    size_t payload_len;              /* plaintext bytes written */
} ta_quic_opened;

/* ta_quic_open removes header protection from |h| (RFC 9001 5.4: AES-ECB
 * or ChaCha20 over the sample) and opens the payload with the nonce from
 * the packet number (5.3), the header being the additional data.  The
 * plaintext goes into |out| (|out_max| >= the packet's length).
 * TA_DECRYPT_MALFORMED when the packet is too short for the sample or a
 * tag, or has no packet number (Retry, VN); TA_DECRYPT_AUTH_FAILED with
 * the wrong keys or damaged bytes; TA_DECRYPT_ERROR when OpenSSL fails. */
ta_decrypt_status ta_quic_open(const ta_quic_keys *k, const ta_quic_header *h, int64_t largest,
                               uint8_t *out, size_t out_max, ta_quic_opened *res);

/* ta_quic_retry_verify checks the Retry Integrity Tag of |h| (RFC 9001
 * 5.8; RFC 9369 3.3.3) against the Destination Connection ID |odcid| of the
 * client's Initial it answers.  TA_DECRYPT_OK when it verifies,
 * TA_DECRYPT_AUTH_FAILED when not, TA_DECRYPT_MALFORMED when |h| is no
 * Retry, TA_DECRYPT_ERROR when its version's tag key is not known. */
ta_decrypt_status ta_quic_retry_verify(const ta_quic_header *h, const ta_cur *odcid);

/* ta_quic_protect is the writer's side, for crafted test traffic: |pkt|
 * holds an unprotected header of |pn_offset| bytes plus the packet number
 * (its length in the first byte's low bits, its value |pn|); |payload| is
 * sealed after it and header protection applied.  The packet's length goes
 * to |out_len|.  0 when |pkt_max| is too small, the payload too short for
 * the sample, or OpenSSL fails. */
int ta_quic_protect(const ta_quic_keys *k, uint8_t *pkt, size_t pkt_max, size_t pn_offset,
                    uint64_t pn, const ta_cur *payload, size_t *out_len);

#endif
