/*
 * ta_facts.h - what tlsanalyze learns about one TCP connection.
 *
 * Filled by the TLS layer (ta_tls.h) and the message parsers
 * (ta_tls_msg.h), read by the output writers.  Every fact carries the
 * Wireshark frame number (1-based record index in the capture file) of the
 * frame that completed it.  All strings copied from the capture are raw
 * bytes (ta_bytes, possibly with NULs or invalid UTF-8): writers escape them.
 */
#ifndef TA_FACTS_H
#define TA_FACTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ta_arena.h"
#include "ta_cursor.h"

/* Caps on what one message may contribute (a hostile ClientHello could
 * otherwise claim 32k suites); a list that hit its cap sets |truncated|. */
#define TA_MAX_LIST 4096     /* entries in one list */
#define TA_MAX_NAME 1024     /* bytes kept of one name (SNI, ALPN, DN) */
#define TA_MAX_CERTS 64      /* certificates kept per connection */
#define TA_MAX_ALERTS 32     /* alerts kept per connection */

/* A heap copy of bytes from the capture; |len| <= TA_MAX_NAME. */
typedef struct {
    uint8_t *data;
    size_t len;
    bool truncated;          /* the wire value was longer than what we kept */
} ta_bytes;

/* A list's memory comes from |arena| when it is set (the connection's:
 * given back with it, never one by one), else from the heap. */
typedef struct {
    uint32_t *v;             /* array of |num| values */
    uint32_t num;            /* at most TA_MAX_LIST */
    uint32_t cap;            /* elements allocated */
    ta_arena *arena;
    bool truncated;
} ta_u32_list;

typedef struct {
    ta_bytes *v;             /* array of |num| byte strings (their bytes from |arena| too) */
    uint32_t num;            /* at most TA_MAX_LIST */
    uint32_t cap;            /* elements allocated (0 in a ta_cert_copy: not to be grown) */
    ta_arena *arena;
    bool truncated;
} ta_bytes_list;

typedef enum {
    TA_FROM_CLIENT = 0,
    TA_FROM_SERVER = 1
} ta_side;

/* RFC 8446 4.1.2 / RFC 5246 7.4.1.2; SSLv2 per draft-hickman-netscape-ssl-00. */
typedef struct {
    uint64_t frame;
    bool sslv2;                      /* SSL 2.0-compatible ClientHello */
    uint16_t legacy_version;         /* client_version */
    uint8_t session_id_len;
    ta_u32_list cipher_suites;       /* wire order, GREASE kept; SSLv2: 24-bit specs */
    ta_u32_list compression_methods;
    ta_u32_list extensions;          /* extension type numbers, wire order */
    bool has_sni;                    /* server_name extension present */
    ta_bytes sni;                    /* first host_name entry, if any */
    ta_u32_list supported_versions;  /* raw, GREASE kept */
    ta_bytes_list alpn;
    ta_u32_list supported_groups;
    ta_u32_list ec_point_formats;    /* RFC 8422 5.1.2 (for JA3) */
    ta_u32_list signature_algorithms;
    ta_u32_list key_share_groups;
    uint32_t key_share_bytes;        /* key_exchange bytes of all those shares */
    bool has_psk;                    /* pre_shared_key (41) */
    bool has_early_data;             /* early_data (42) */
    bool has_session_ticket;         /* session_ticket (35), non-empty */
    bool has_quic_tp;                /* quic_transport_parameters (57, drafts 0xffa5) */
    ta_bytes quic_tp;                /* its data, to be decoded (ta_quic_tp.h) */
    bool malformed;                  /* did not parse to its end: later facts missing */
} ta_client_hello;

/* RFC 8446 4.1.3 / RFC 5246 7.4.1.3. */
typedef struct {
    uint64_t frame;
    bool sslv2;                      /* SSLv2 SERVER-HELLO */
    uint16_t legacy_version;
    uint16_t selected_version;       /* supported_versions ext, 0 if absent */
    uint32_t cipher_suite;
    uint8_t compression_method;
    uint8_t session_id_len;
    bool hello_retry_request;        /* random == SHA-256("HelloRetryRequest") */
    ta_u32_list extensions;
    ta_bytes alpn;                   /* selected protocol, len 0 if none */
    uint16_t key_share_group;        /* 0 if absent */
    uint16_t downgrade_sentinel;     /* RFC 8446 4.1.3: 0x0304 (DOWNGRD 01), 0x0303 (00), 0 */
} ta_server_hello;

/* RFC 5246 7.4.3 / RFC 4492 5.4: what a TLS 1.2 ServerKeyExchange offers. */
typedef enum {
    TA_KX_DHE = 1,                   /* ServerDHParams first (DHE_RSA, DHE_DSS, DH_anon) */
    TA_KX_ECDHE = 2                  /* ServerECDHParams first (ECDHE_RSA, ECDHE_ECDSA) */
} ta_kx_kind;

typedef struct {
    uint64_t frame;
    uint32_t dh_bits;                /* DHE: bits of the prime p; 0 otherwise or unread */
    uint16_t group;                  /* ECDHE: the named curve; 0 otherwise or unread */
} ta_server_kx;

typedef struct {
    uint64_t frame;
    ta_side from;
    ta_bytes subject;                /* RFC 2253 one-line form, from OpenSSL */
    ta_bytes issuer;
    ta_bytes cn;                     /* last subject commonName, len 0 if none */
    ta_bytes_list san;               /* "DNS:x", "IP:1.2.3.4", ... */
    char not_before[32];             /* ISO 8601 UTC, "" if unparsable */
    char not_after[32];
    int64_t not_before_unix;         /* seconds since the epoch; valid if times_ok */
    int64_t not_after_unix;
    bool times_ok;
    bool is_ca;                      /* basicConstraints CA:TRUE (X509_check_ca) */
    bool self_signed;                /* issued by its own key (X509_check_issued) */
    char sha256[65];                 /* lower-case hex of the DER */
    bool parse_error;                /* DER did not parse: only sha256 is set */
    bool decrypted;                  /* learned by decrypting (--keylog) */
    uint8_t *der;                    /* owned copy of the DER */
    size_t der_len;
    void *blob;                      /* a cache copy: the strings, the SAN list and the DER
                                        live in this one block (ta_cert_copy), else NULL */
} ta_cert;

typedef struct {
    uint64_t frame;
    ta_side from;
    int level;                       /* 1 warning, 2 fatal, -1 unknown (encrypted) */
    int description;                 /* alert code, -1 unknown (encrypted) */
    bool encrypted;
    bool inferred;                   /* TLS 1.3: the last type-23 record, of alert size */
    bool decrypted;                  /* read by decrypting the record (--keylog) */
    bool after_handshake;            /* sent after the handshake completed (close_notify...) */
    bool after_peer_close;           /* sent after the other side's FIN or RST: an answer */
    uint32_t record_len;             /* encrypted: bytes of its record, 0 unknown */
} ta_alert;

/* RFC 8446 4.3.2 / RFC 5246 7.4.4. */
typedef struct {
    uint64_t frame;
    ta_u32_list cert_types;          /* TLS 1.2 certificate_types */
    ta_u32_list signature_algorithms;
    size_t num_ca_names;
    ta_bytes_list ca_names;          /* RFC 2253 text of the first TA_MAX_CA_NAMES */
} ta_cert_request;

#define TA_MAX_CA_NAMES 16           /* acceptable CA names kept per CertificateRequest */

/* Helpers for building bounded lists and copies, shared by the parsers (src/base/lists.c).
 * ta_u32_list_push appends |v| (sets ->truncated past TA_MAX_LIST); 0 on
 * out-of-memory.  ta_bytes_set copies at most TA_MAX_NAME bytes of |src|. */
int ta_u32_list_push(ta_u32_list *l, uint32_t v);

/* ta_u32_list_reserve makes room for |n| values in all (at most
 * TA_MAX_LIST), so that a list whose length is known grows once; 0 on out
 * of memory. */
int ta_u32_list_reserve(ta_u32_list *l, size_t n);
void ta_u32_list_free(ta_u32_list *l);
int ta_bytes_set(ta_bytes *b, const ta_cur *src);
void ta_bytes_free(ta_bytes *b);
int ta_bytes_list_push(ta_bytes_list *l, const ta_cur *src);
void ta_bytes_list_free(ta_bytes_list *l);

/* ta_client_hello_use_arena and ta_cert_request_use_arena make the lists
 * of a zeroed struct take their memory from |a| (a message parsed once
 * per connection, into the connection's arena): their cleanup then frees
 * nothing of them. */
void ta_client_hello_use_arena(ta_client_hello *ch, ta_arena *a);
void ta_cert_request_use_arena(ta_cert_request *cr, ta_arena *a);

#endif
