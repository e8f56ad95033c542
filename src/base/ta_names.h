/*
 * ta_names.h - names for TLS wire values.
 *
 * Cipher suites come from OpenSSL (SSL_CIPHER_find and
 * SSL_CIPHER_standard_name); versions, alerts and extensions from one
 * small table each.  Values without a name are written as hex, never
 * dropped.  Every function writes into a caller buffer of at least
 * TA_NAME_BUF bytes and returns it, or returns a constant string.
 */
#ifndef TA_NAMES_H
#define TA_NAMES_H

#include <stdbool.h>
#include <stdint.h>

#define TA_NAME_BUF 64

/* ta_names_init prepares the OpenSSL objects the cipher lookup needs;
 * 0 on failure.  ta_names_cleanup frees them. */
int ta_names_init(void);
void ta_names_cleanup(void);

/* "TLS 1.2", "TLS 1.3 draft 28", "SSL 2.0" (0x0002), else "0x%04x". */
const char *ta_version_name(uint16_t v, char *buf);

/* Orders versions for "highest offered": drafts sit between 1.2 and 1.3,
 * unknown values lowest. */
double ta_version_rank(uint16_t v);

/* True for a GREASE value (RFC 8701): 0x?a?a with equal bytes. */
bool ta_is_grease(uint16_t v);

/* IANA cipher suite name from OpenSSL (its constant), else "0x%04x"
 * (SSLv2: "0x%06x") in |buf|. */
const char *ta_cipher_name(uint32_t suite, bool sslv2, char *buf);

/* "handshake_failure", ... (RFC 8446 6), else the decimal code. */
const char *ta_alert_name(int code, char *buf);

/* "server_name", ... (IANA TLS ExtensionType registry), else the number. */
const char *ta_extension_name(uint16_t type, char *buf);

/* "ClientHello", ... else "handshake type N". */
const char *ta_handshake_name(uint8_t type, char *buf);

#endif
