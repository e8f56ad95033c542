/* names.c - names for TLS versions, cipher suites, alerts and extensions. */
#include "ta_names.h"

#include <stdio.h>

#include <openssl/ssl.h>

/* OpenSSL knows the cipher suites; it needs an SSL object to look them up.
 * This is the only process-wide state in tlsanalyze: created once before
 * any capture is read, read-only afterwards. */
static SSL_CTX *names_ctx;
static SSL *names_ssl;

int ta_names_init(void)
{
    if (names_ssl != NULL) {
        return 1;
    }
    names_ctx = SSL_CTX_new(TLS_method());
    if (names_ctx == NULL) {
        return 0;
    }
    names_ssl = SSL_new(names_ctx);
    if (names_ssl == NULL) {
        SSL_CTX_free(names_ctx);
        names_ctx = NULL;
        return 0;
    }
    return 1;
}

void ta_names_cleanup(void)
{
    SSL_free(names_ssl);
    SSL_CTX_free(names_ctx);
    names_ssl = NULL;
    names_ctx = NULL;
}

const char *ta_version_name(uint16_t v, char *buf)
{
    switch (v) {
    case 0x0002:
        return "SSL 2.0";
    case 0x0300:
        return "SSL 3.0";
    case 0x0301:
        return "TLS 1.0";
    case 0x0302:
        return "TLS 1.1";
    case 0x0303:
        return "TLS 1.2";
    case 0x0304:
        return "TLS 1.3";
    default:
        break;
    }
    if ((v >> 8) == 0x7f) {
        snprintf(buf, TA_NAME_BUF, "TLS 1.3 draft %u", (unsigned)(v & 0xff));
    } else if ((v >> 8) == 0x7e || (v >> 8) == 0xfb) {
        /* Google's experiment and Facebook's Fizz draft numbering. */
        snprintf(buf, TA_NAME_BUF, "TLS 1.3 variant 0x%04x", (unsigned)v);
    } else {
        snprintf(buf, TA_NAME_BUF, "0x%04x", (unsigned)v);
    }
    return buf;
}

double ta_version_rank(uint16_t v)
{
    switch (v) {
    case 0x0002:
    case 0x0300:
    case 0x0301:
    case 0x0302:
    case 0x0303:
    case 0x0304:
        return v;
    default:
        break;
    }
    if ((v >> 8) == 0x7e || (v >> 8) == 0x7f || (v >> 8) == 0xfb) {
        return 0x0303 + (v & 0xff) / 1000.0;
    }
    return -1;
}

bool ta_is_grease(uint16_t v)
{
    return (v & 0x0f0f) == 0x0a0a && (v >> 8) == (v & 0xff);
}

/* "0x" and |digits| lower-case hex digits of |v| (more when it needs
 * them), as "0x%0*x" writes it, without printf: a ClientHello lists dozens. */
static const char *hex_name(uint32_t v, int digits, char *buf)
{
    static const char hexd[] = "0123456789abcdef";
    if ((uint64_t)v >> (4 * digits) != 0) {
        snprintf(buf, TA_NAME_BUF, "0x%0*x", digits, (unsigned)v);
        return buf;
    }
    buf[0] = '0';
    buf[1] = 'x';
    for (int i = 0; i < digits; i++) {
        buf[2 + i] = hexd[(v >> (4 * (digits - 1 - i))) & 0xf];
    }
    buf[2 + digits] = '\0';
    return buf;
}

const char *ta_cipher_name(uint32_t suite, bool sslv2, char *buf)
{
    if (sslv2) {
        return hex_name(suite, 6, buf);
    }
    if (names_ssl != NULL && suite <= 0xffff && !ta_is_grease((uint16_t)suite)) {
        unsigned char wire[2] = {(unsigned char)(suite >> 8), (unsigned char)suite};
        const SSL_CIPHER *c = SSL_CIPHER_find(names_ssl, wire);
        const char *name = c != NULL ? SSL_CIPHER_standard_name(c) : NULL;
        if (name != NULL && name[0] != '(') {
            return name;   /* OpenSSL's constant: no copy */
        }
    }
    return hex_name(suite, 4, buf);
}

typedef struct {
    int code;
    const char *name;
} code_name;

/* RFC 8446 6, RFC 5246 7.2, RFC 8701-era registry additions. */
static const code_name alert_names[] = {
    {0, "close_notify"}, {10, "unexpected_message"}, {20, "bad_record_mac"},
    {21, "decryption_failed"}, {22, "record_overflow"}, {30, "decompression_failure"},
    {40, "handshake_failure"}, {41, "no_certificate"}, {42, "bad_certificate"},
    {43, "unsupported_certificate"}, {44, "certificate_revoked"},
    {45, "certificate_expired"}, {46, "certificate_unknown"}, {47, "illegal_parameter"},
    {48, "unknown_ca"}, {49, "access_denied"}, {50, "decode_error"}, {51, "decrypt_error"},
    {60, "export_restriction"}, {70, "protocol_version"}, {71, "insufficient_security"},
    {80, "internal_error"}, {86, "inappropriate_fallback"}, {90, "user_canceled"},
    {100, "no_renegotiation"}, {109, "missing_extension"}, {110, "unsupported_extension"},
    {111, "certificate_unobtainable"}, {112, "unrecognized_name"},
    {113, "bad_certificate_status_response"}, {114, "bad_certificate_hash_value"},
    {115, "unknown_psk_identity"}, {116, "certificate_required"},
    {120, "no_application_protocol"}, {121, "ech_required"},
};

/* IANA TLS ExtensionType Values (the ones seen in practice). */
static const code_name extension_names[] = {
    {0, "server_name"}, {1, "max_fragment_length"}, {5, "status_request"},
    {10, "supported_groups"}, {11, "ec_point_formats"}, {13, "signature_algorithms"},
    {14, "use_srtp"}, {15, "heartbeat"}, {16, "application_layer_protocol_negotiation"},
    {18, "signed_certificate_timestamp"}, {21, "padding"}, {22, "encrypt_then_mac"},
    {23, "extended_master_secret"}, {27, "compress_certificate"}, {28, "record_size_limit"},
    {35, "session_ticket"}, {41, "pre_shared_key"}, {42, "early_data"},
    {43, "supported_versions"}, {44, "cookie"}, {45, "psk_key_exchange_modes"},
    {47, "certificate_authorities"}, {48, "oid_filters"}, {49, "post_handshake_auth"},
    {50, "signature_algorithms_cert"}, {51, "key_share"}, {57, "quic_transport_parameters"},
    {17513, "application_settings"}, {65037, "encrypted_client_hello"},
    {65281, "renegotiation_info"},
};

static const code_name handshake_names[] = {
    {0, "HelloRequest"}, {1, "ClientHello"}, {2, "ServerHello"}, {4, "NewSessionTicket"},
    {5, "EndOfEarlyData"}, {8, "EncryptedExtensions"}, {11, "Certificate"},
    {12, "ServerKeyExchange"}, {13, "CertificateRequest"}, {14, "ServerHelloDone"},
    {15, "CertificateVerify"}, {16, "ClientKeyExchange"}, {20, "Finished"},
    {22, "CertificateStatus"}, {24, "KeyUpdate"},
};

static const char *lookup(const code_name *t, size_t n, int code)
{
    for (size_t i = 0; i < n; i++) {
        if (t[i].code == code) {
            return t[i].name;
        }
    }
    return NULL;
}

#define LOOKUP(t, code) lookup((t), sizeof(t) / sizeof((t)[0]), (code))

const char *ta_alert_name(int code, char *buf)
{
    const char *n = LOOKUP(alert_names, code);
    if (n != NULL) {
        return n;
    }
    snprintf(buf, TA_NAME_BUF, "%d", code);
    return buf;
}

const char *ta_extension_name(uint16_t type, char *buf)
{
    const char *n = LOOKUP(extension_names, type);
    if (n != NULL) {
        return n;
    }
    if (ta_is_grease(type)) {
        snprintf(buf, TA_NAME_BUF, "GREASE 0x%04x", (unsigned)type);
    } else {
        snprintf(buf, TA_NAME_BUF, "%u", (unsigned)type);
    }
    return buf;
}

const char *ta_handshake_name(uint8_t type, char *buf)
{
    const char *n = LOOKUP(handshake_names, type);
    if (n != NULL) {
        return n;
    }
    snprintf(buf, TA_NAME_BUF, "handshake type %u", (unsigned)type);
    return buf;
}
