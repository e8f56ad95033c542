/*
 * ta_tls_msg.h - parsers for individual TLS handshake messages.
 *
 * Each takes the body of one complete handshake message (after the 4-byte
 * type/length header) as a cursor and fills a facts struct from ta_facts.h.
 * They read top to bottom like the RFC structures, never print, and
 * allocate only bounded copies (TA_MAX_LIST / TA_MAX_NAME).  On failure
 * the output holds whatever was parsed before the error (still safe to
 * clean up and to report).
 */
#ifndef TA_TLS_MSG_H
#define TA_TLS_MSG_H

#include <stdbool.h>

#include "ta_cursor.h"
#include "ta_facts.h"
#include "ta_status.h"

/* TLS HandshakeType values (RFC 8446 4, RFC 5246 7.4). */
enum {
    TA_HS_HELLO_REQUEST = 0,
    TA_HS_CLIENT_HELLO = 1,
    TA_HS_SERVER_HELLO = 2,
    TA_HS_NEW_SESSION_TICKET = 4,
    TA_HS_END_OF_EARLY_DATA = 5,
    TA_HS_ENCRYPTED_EXTENSIONS = 8,
    TA_HS_CERTIFICATE = 11,
    TA_HS_SERVER_KEY_EXCHANGE = 12,
    TA_HS_CERTIFICATE_REQUEST = 13,
    TA_HS_SERVER_HELLO_DONE = 14,
    TA_HS_CERTIFICATE_VERIFY = 15,
    TA_HS_CLIENT_KEY_EXCHANGE = 16,
    TA_HS_FINISHED = 20,
    TA_HS_CERTIFICATE_STATUS = 22,
    TA_HS_KEY_UPDATE = 24
};

/* ta_tls_parse_client_hello parses a ClientHello body (RFC 8446 4.1.2,
 * RFC 5246 7.4.1.2, extensions RFC 6066 3, RFC 7301, RFC 8446 4.2).
 * |out| must be zeroed by the caller (or cleaned up); it owns its copies. */
ta_status ta_tls_parse_client_hello(ta_client_hello *out, ta_cur *body);

/* ta_tls_parse_sslv2_client_hello parses an SSL 2.0 CLIENT-HELLO
 * starting at the msg_type byte (1), i.e. the record after its 2-byte
 * length header.  Sets out->sslv2. */
ta_status ta_tls_parse_sslv2_client_hello(ta_client_hello *out, ta_cur *msg);

/* ta_client_hello_max_version returns the highest version a parsed
 * ClientHello offers: from supported_versions without GREASE, else the
 * legacy client_version (RFC 8446 4.2.1); 0 when it has neither. */
uint16_t ta_client_hello_max_version(const ta_client_hello *ch);

/* ta_tls_parse_server_hello parses a ServerHello body; detects a
 * HelloRetryRequest by its special random (RFC 8446 4.1.3). */
ta_status ta_tls_parse_server_hello(ta_server_hello *out, ta_cur *body);

/* ta_tls_parse_server_key_exchange reads the start of a TLS 1.2
 * ServerKeyExchange body of the |kind| the chosen suite implies: the size
 * of the DH prime (RFC 5246 7.4.3 dh_p) or the named curve (RFC 4492 5.4
 * named_curve).  Only those first fields are read. */
ta_status ta_tls_parse_server_key_exchange(ta_server_kx *out, ta_cur *body, ta_kx_kind kind);

/* ta_tls_parse_certificate_list walks a Certificate body (RFC 5246 7.4.2;
 * with |tls13|, RFC 8446 4.4.2: context + entries with extensions) and
 * sets out_ders[0..*out_num) to borrowed views of each DER certificate, at
 * most |max| of them; *out_total counts all entries on the wire.  An empty
 * list (client with no certificate) gives *out_num == 0 and TA_OK. */
ta_status ta_tls_parse_certificate_list(ta_cur *out_ders, size_t max, size_t *out_num,
                                        size_t *out_total, ta_cur *body, bool tls13);

/* ta_tls_parse_certificate_request parses a CertificateRequest body
 * (RFC 5246 7.4.4 when !tls13 and version >= TLS 1.2 sends
 * supported_signature_algorithms; |has_sigalgs| says whether to expect it;
 * with |tls13|, RFC 8446 4.3.2). */
ta_status ta_tls_parse_certificate_request(ta_cert_request *out, ta_cur *body, bool tls13,
                                           bool has_sigalgs);

/* Cleanup functions free what the struct owns and zero it; safe on a
 * zeroed struct and on NULL. */
void ta_client_hello_cleanup(ta_client_hello *ch);
void ta_server_hello_cleanup(ta_server_hello *sh);
void ta_cert_request_cleanup(ta_cert_request *cr);

#endif
