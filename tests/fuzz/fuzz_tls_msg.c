/*
 * fuzz_tls_msg.c - libFuzzer target for the handshake message parsers
 * (src/tls/tls_msg.c) and the certificate decoder (src/cert/cert.c).
 *
 * The first input byte picks the parser (modulo FUZZ_NUM_TARGETS), the rest
 * is the message body.  Besides the sanitizers' checks, each run checks the
 * invariants the rest of tlsanalyze relies on: lists within TA_MAX_LIST,
 * copies within TA_MAX_NAME, certificate views inside the input, and a
 * status that is one of the enum's values.  Then everything is cleaned up,
 * so LeakSanitizer sees any leak.
 *
 * Build and run:
 *   clang -g -fsanitize=fuzzer,address,undefined -Iinclude tests/fuzz/fuzz_tls_msg.c \
 *       src/tls/tls_msg.c src/cert/cert.c src/base/cursor.c src/base/status.c -lcrypto -o fuzz_tls_msg
 *   ./fuzz_tls_msg -max_len=8192 -max_total_time=60 CORPUS_DIR
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ta_cert.h"
#include "ta_tls_msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What the first byte selects. */
enum {
    FUZZ_CLIENT_HELLO = 0,
    FUZZ_SSLV2_CLIENT_HELLO,
    FUZZ_SERVER_HELLO,
    FUZZ_CERTIFICATE_TLS12,
    FUZZ_CERTIFICATE_TLS13,
    FUZZ_CERT_REQUEST_TLS10,
    FUZZ_CERT_REQUEST_TLS12,
    FUZZ_CERT_REQUEST_TLS13,
    FUZZ_CERT_DER,
    FUZZ_SERVER_KEY_EXCHANGE,
    FUZZ_NUM_TARGETS
};

/* check stops the run with a crash libFuzzer will report and minimise. */
static void check(bool ok)
{
    if (!ok) {
        abort();
    }
}

static void check_status(ta_status s)
{
    check(s == TA_OK || s == TA_TRUNCATED || s == TA_MALFORMED || s == TA_UNSUPPORTED ||
          s == TA_NOMEM);
}

static void check_u32_list(const ta_u32_list *l)
{
    check(l->num <= TA_MAX_LIST);
    check(l->num == 0 || l->v != NULL);
}

static void check_bytes(const ta_bytes *b)
{
    check(b->len <= TA_MAX_NAME);
    check(b->len == 0 || b->data != NULL);
    check(!b->truncated || b->len == TA_MAX_NAME);
}

static void check_bytes_list(const ta_bytes_list *l)
{
    check(l->num <= TA_MAX_LIST);
    for (size_t i = 0; i < l->num; i++) {
        check_bytes(&l->v[i]);
    }
}

static void fuzz_client_hello(ta_cur *body, bool sslv2)
{
    ta_client_hello ch;
    ta_status s;

    memset(&ch, 0, sizeof(ch));
    s = sslv2 ? ta_tls_parse_sslv2_client_hello(&ch, body)
              : ta_tls_parse_client_hello(&ch, body);
    check_status(s);
    check(ch.sslv2 == sslv2);
    check_u32_list(&ch.cipher_suites);
    check_u32_list(&ch.compression_methods);
    check_u32_list(&ch.extensions);
    check_u32_list(&ch.supported_versions);
    check_u32_list(&ch.supported_groups);
    check_u32_list(&ch.signature_algorithms);
    check_u32_list(&ch.key_share_groups);
    check_bytes(&ch.sni);
    check(ch.sni.data == NULL || ch.has_sni);
    check_bytes_list(&ch.alpn);
    ta_client_hello_cleanup(&ch);
}

static void fuzz_server_hello(ta_cur *body)
{
    ta_server_hello sh;

    memset(&sh, 0, sizeof(sh));
    check_status(ta_tls_parse_server_hello(&sh, body));
    check_u32_list(&sh.extensions);
    check_bytes(&sh.alpn);
    check(sh.cipher_suite <= 0xffff);
    ta_server_hello_cleanup(&sh);
}

static void check_cert(const ta_cert *c)
{
    check(strlen(c->sha256) == 64);
    check(c->der != NULL);
    check_bytes(&c->subject);
    check_bytes(&c->issuer);
    check_bytes_list(&c->san);
    check(!c->parse_error || (c->subject.data == NULL && c->san.num == 0));
}

/* Every view must lie inside the input: compared as addresses, since the
 * views are borrowed from it. */
static void check_inside(const ta_cur *view, const uint8_t *data, size_t size)
{
    uintptr_t lo = (uintptr_t)data;
    uintptr_t hi = lo + size;
    uintptr_t p = (uintptr_t)ta_cur_data(view);

    check(ta_cur_len(view) == 0 || (p >= lo && p <= hi && ta_cur_len(view) <= hi - p));
}

static void fuzz_certificate(ta_cur *body, bool tls13, const uint8_t *data, size_t size)
{
    ta_cur ders[TA_MAX_CERTS];
    size_t num = 0;
    size_t total = 0;
    ta_cert cert;

    check_status(ta_tls_parse_certificate_list(ders, TA_MAX_CERTS, &num, &total, body, tls13));
    check(num <= TA_MAX_CERTS && num <= total);
    for (size_t i = 0; i < num; i++) {
        check_inside(&ders[i], data, size);
        memset(&cert, 0, sizeof(cert));
        check_status(ta_cert_from_der(&cert, &ders[i]));
        check_cert(&cert);
        check(cert.der_len == ta_cur_len(&ders[i]));
        ta_cert_cleanup(&cert);
    }
}

static void fuzz_cert_request(ta_cur *body, bool tls13, bool has_sigalgs)
{
    ta_cert_request cr;

    memset(&cr, 0, sizeof(cr));
    check_status(ta_tls_parse_certificate_request(&cr, body, tls13, has_sigalgs));
    check_u32_list(&cr.cert_types);
    check_u32_list(&cr.signature_algorithms);
    check(!tls13 || cr.cert_types.num == 0);
    ta_cert_request_cleanup(&cr);
}

static void fuzz_server_key_exchange(ta_cur *body)
{
    ta_server_kx kx;
    uint8_t kind = 0;

    memset(&kx, 0, sizeof(kx));
    if (!ta_cur_get_u8(body, &kind)) {
        return;
    }
    check_status(ta_tls_parse_server_key_exchange(&kx, body,
                                                  kind & 1 ? TA_KX_ECDHE : TA_KX_DHE));
    check(kx.dh_bits <= 8u * 65535u);
    check(kx.dh_bits == 0 || kx.group == 0);
}

static void fuzz_cert_der(ta_cur *body)
{
    ta_cert cert;

    memset(&cert, 0, sizeof(cert));
    check_status(ta_cert_from_der(&cert, body));
    check_cert(&cert);
    ta_cert_cleanup(&cert);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ta_cur body;
    uint8_t sel;

    ta_cur_init(&body, data, size);
    if (!ta_cur_get_u8(&body, &sel)) {
        return 0;
    }
    switch (sel % FUZZ_NUM_TARGETS) {
    case FUZZ_CLIENT_HELLO:
        fuzz_client_hello(&body, false);
        break;
    case FUZZ_SSLV2_CLIENT_HELLO:
        fuzz_client_hello(&body, true);
        break;
    case FUZZ_SERVER_HELLO:
        fuzz_server_hello(&body);
        break;
    case FUZZ_CERTIFICATE_TLS12:
        fuzz_certificate(&body, false, data, size);
        break;
    case FUZZ_CERTIFICATE_TLS13:
        fuzz_certificate(&body, true, data, size);
        break;
    case FUZZ_CERT_REQUEST_TLS10:
        fuzz_cert_request(&body, false, false);
        break;
    case FUZZ_CERT_REQUEST_TLS12:
        fuzz_cert_request(&body, false, true);
        break;
    case FUZZ_CERT_REQUEST_TLS13:
        fuzz_cert_request(&body, true, false);
        break;
    case FUZZ_CERT_DER:
        fuzz_cert_der(&body);
        break;
    case FUZZ_SERVER_KEY_EXCHANGE:
        fuzz_server_key_exchange(&body);
        break;
    default:
        break;
    }
    return 0;
}
