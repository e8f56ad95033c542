/*
 * test_decrypt.c - unit tests for the key log parser (src/tls/keylog.c) and
 * record decryption (src/tls/decrypt.c).
 *
 * Known answers: RFC 8448 section 3 (simple 1-RTT handshake) gives the
 * server handshake traffic secret and the key and IV derived from it.
 * Record tests seal a record with OpenSSL EVP directly (the way a TLS
 * stack does, RFC 8446 5.2) and check that ta_dec_open gets the content
 * and type back, and refuses a changed byte, a short record and a wrong key.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "ta_decrypt.h"
#include "ta_keylog.h"

/* RFC 8448 3: "derive write traffic keys for handshake data" (server). */
static const uint8_t rfc8448_shts[32] = {
    0xb6, 0x7b, 0x7d, 0x69, 0x0c, 0xc1, 0x6c, 0x4e, 0x75, 0xe5, 0x42, 0x13, 0xcb, 0x2d, 0x37, 0xb4,
    0xe9, 0xc9, 0x12, 0xbc, 0xde, 0xd9, 0x10, 0x5d, 0x42, 0xbe, 0xfd, 0x59, 0xd3, 0x91, 0xad, 0x38,
};
static const uint8_t rfc8448_key[16] = {
    0x3f, 0xce, 0x51, 0x60, 0x09, 0xc2, 0x17, 0x27, 0xd0, 0xf2, 0xe4, 0xe8, 0x6e, 0xe4, 0x03, 0xbc,
};
static const uint8_t rfc8448_iv[12] = {
    0x5d, 0x31, 0x3e, 0xb2, 0x67, 0x12, 0x76, 0xee, 0x13, 0x00, 0x0b, 0x30,
};

static void test_tls13_key_schedule_rfc8448(void **state)
{
    ta_dec_keys k;
    (void)state;
    assert_int_equal(ta_dec_tls13_keys(&k, ta_dec_suite(0x1301), rfc8448_shts, 32), 1);
    assert_memory_equal(k.key, rfc8448_key, 16);
    assert_memory_equal(k.iv, rfc8448_iv, 12);
    assert_int_equal(k.seq, 0);
    /* A 48-byte secret does not fit a SHA-256 suite; a 1.2 suite is refused. */
    uint8_t long_secret[48] = {0};
    assert_int_equal(ta_dec_tls13_keys(&k, ta_dec_suite(0x1301), long_secret, 48), 0);
    assert_int_equal(ta_dec_tls13_keys(&k, ta_dec_suite(0xc02f), rfc8448_shts, 32), 0);
    assert_int_equal(ta_dec_tls13_keys(&k, NULL, rfc8448_shts, 32), 0);
    assert_null(ta_dec_suite(0x000a));    /* 3DES: not decrypted */
}

/* Seals |content| + type + |pad| zeros as a TLS 1.3 record with |k|'s
 * keys at sequence |seq| (RFC 8446 5.2); returns the body length. */
static size_t seal13(const ta_dec_keys *k, uint64_t seq, const uint8_t *content, size_t len,
                     uint8_t type, size_t pad, uint8_t *out)
{
    uint8_t inner[512];
    uint8_t nonce[12];
    size_t tag = k->s->kind == TA_CIPH_AES_CCM8 ? 8 : 16;
    size_t inner_len = len + 1 + pad;
    size_t body = inner_len + tag;
    uint8_t aad[5] = {23, 3, 3, (uint8_t)(body >> 8), (uint8_t)body};
    const EVP_CIPHER *c = k->s->kind == TA_CIPH_CHACHA20_POLY1305 ? EVP_chacha20_poly1305()
                          : k->s->kind == TA_CIPH_AES_GCM
                              ? (k->s->key_len == 16 ? EVP_aes_128_gcm() : EVP_aes_256_gcm())
                              : EVP_aes_128_ccm();
    bool ccm = k->s->kind == TA_CIPH_AES_CCM || k->s->kind == TA_CIPH_AES_CCM8;
    int n = 0;

    memcpy(inner, content, len);
    inner[len] = type;
    memset(inner + len + 1, 0, pad);
    memcpy(nonce, k->iv, 12);
    for (int i = 0; i < 8; i++) {
        nonce[4 + i] ^= (uint8_t)(seq >> (8 * (7 - i)));
    }
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    assert_non_null(ctx);
    assert_int_equal(EVP_EncryptInit_ex(ctx, c, NULL, NULL, NULL), 1);
    assert_int_equal(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IVLEN, 12, NULL), 1);
    if (ccm) {
        assert_int_equal(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, (int)tag, NULL), 1);
    }
    assert_int_equal(EVP_EncryptInit_ex(ctx, NULL, NULL, k->key, nonce), 1);
    if (ccm) {
        assert_int_equal(EVP_EncryptUpdate(ctx, NULL, &n, NULL, (int)inner_len), 1);
    }
    assert_int_equal(EVP_EncryptUpdate(ctx, NULL, &n, aad, 5), 1);
    assert_int_equal(EVP_EncryptUpdate(ctx, out, &n, inner, (int)inner_len), 1);
    assert_int_equal(EVP_EncryptFinal_ex(ctx, out + n, &n), 1);
    assert_int_equal(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, (int)tag, out + inner_len),
                     1);
    EVP_CIPHER_CTX_free(ctx);
    return body;
}

static void roundtrip13(uint16_t suite, size_t secret_len)
{
    uint8_t secret[48];
    uint8_t rec[600];
    uint8_t out[600];
    size_t out_len = 0;
    uint8_t type = 0;
    ta_dec_keys seal;
    ta_dec_keys open;
    ta_cur c;
    const uint8_t alert[2] = {2, 42};    /* fatal bad_certificate */

    for (size_t i = 0; i < sizeof(secret); i++) {
        secret[i] = (uint8_t)(i * 7 + suite);
    }
    assert_int_equal(ta_dec_tls13_keys(&seal, ta_dec_suite(suite), secret, secret_len), 1);
    open = seal;
    /* Record 0: an alert with 5 bytes of padding; record 1: a handshake. */
    size_t n = seal13(&seal, 0, alert, 2, 21, 5, rec);
    ta_cur_init(&c, rec, n);
    assert_int_equal(ta_dec_open(&open, 23, 0x0303, &c, out, sizeof(out), &out_len, &type),
                     TA_DECRYPT_OK);
    assert_int_equal(type, 21);
    assert_int_equal(out_len, 2);
    assert_memory_equal(out, alert, 2);
    assert_int_equal(open.seq, 1);
    const uint8_t fin[4] = {20, 0, 0, 0};
    n = seal13(&seal, 1, fin, 4, 22, 0, rec);
    /* One changed byte: refused, and the sequence does not move. */
    rec[3] ^= 1;
    ta_cur_init(&c, rec, n);
    assert_int_equal(ta_dec_open(&open, 23, 0x0303, &c, out, sizeof(out), &out_len, &type),
                     TA_DECRYPT_AUTH_FAILED);
    assert_int_equal(open.seq, 1);
    rec[3] ^= 1;
    ta_cur_init(&c, rec, n);
    assert_int_equal(ta_dec_open(&open, 23, 0x0303, &c, out, sizeof(out), &out_len, &type),
                     TA_DECRYPT_OK);
    assert_int_equal(type, 22);
    assert_int_equal(out_len, 4);
    /* Too short for a tag, and an output buffer too small. */
    ta_cur_init(&c, rec, 8);
    assert_int_equal(ta_dec_open(&open, 23, 0x0303, &c, out, sizeof(out), &out_len, &type),
                     TA_DECRYPT_MALFORMED);
    ta_cur_init(&c, rec, n);
    assert_int_equal(ta_dec_open(&open, 23, 0x0303, &c, out, 4, &out_len, &type),
                     TA_DECRYPT_ERROR);
    /* Another key: refused. */
    secret[0] ^= 0xff;
    assert_int_equal(ta_dec_tls13_keys(&open, ta_dec_suite(suite), secret, secret_len), 1);
    ta_cur_init(&c, rec, n);
    assert_int_equal(ta_dec_open(&open, 23, 0x0303, &c, out, sizeof(out), &out_len, &type),
                     TA_DECRYPT_AUTH_FAILED);
}

static void test_tls13_records(void **state)
{
    (void)state;
    roundtrip13(0x1301, 32);    /* AES-128-GCM */
    roundtrip13(0x1302, 48);    /* AES-256-GCM */
    roundtrip13(0x1303, 32);    /* ChaCha20-Poly1305 */
    roundtrip13(0x1304, 32);    /* AES-128-CCM */
    roundtrip13(0x1305, 32);    /* AES-128-CCM-8 */
}

static void test_tls13_all_padding(void **state)
{
    uint8_t secret[32] = {1};
    uint8_t rec[64];
    uint8_t out[64];
    size_t out_len;
    uint8_t type;
    ta_dec_keys k;
    ta_cur c;
    (void)state;
    assert_int_equal(ta_dec_tls13_keys(&k, ta_dec_suite(0x1301), secret, 32), 1);
    /* Content type 0 with no content: all padding, which RFC 8446 5.4 forbids. */
    const uint8_t none[1] = {0};
    size_t n = seal13(&k, 0, none, 0, 0, 3, rec);
    ta_cur_init(&c, rec, n);
    assert_int_equal(ta_dec_open(&k, 23, 0x0303, &c, out, sizeof(out), &out_len, &type),
                     TA_DECRYPT_MALFORMED);
}

static void test_tls12_keys(void **state)
{
    uint8_t master[48] = {0};
    uint8_t cr[32] = {0};
    uint8_t sr[32] = {0};
    ta_dec_keys cl;
    ta_dec_keys sv;
    (void)state;
    assert_int_equal(ta_dec_tls12_keys(&cl, &sv, ta_dec_suite(0xc030), 0x0303, false, master, cr,
                                       sr), 1);
    assert_memory_not_equal(cl.key, sv.key, 32);
    assert_int_equal(ta_dec_tls12_keys(&cl, &sv, ta_dec_suite(0xc014), 0x0301, true, master, cr,
                                       sr), 1);
    assert_true(cl.etm);
    /* AEAD needs TLS 1.2; a TLS 1.3 suite is refused; SSL 3.0 too. */
    assert_int_equal(ta_dec_tls12_keys(&cl, &sv, ta_dec_suite(0xc030), 0x0301, false, master, cr,
                                       sr), 0);
    assert_int_equal(ta_dec_tls12_keys(&cl, &sv, ta_dec_suite(0x1301), 0x0303, false, master, cr,
                                       sr), 0);
    assert_int_equal(ta_dec_tls12_keys(&cl, &sv, ta_dec_suite(0x002f), 0x0300, false, master, cr,
                                       sr), 0);
    /* TLS 1.0 CBC chains IVs: it cannot skip a record; TLS 1.2 GCM can. */
    assert_int_equal(ta_dec_tls12_keys(&cl, &sv, ta_dec_suite(0x002f), 0x0301, false, master, cr,
                                       sr), 1);
    assert_int_equal(ta_dec_skip(&cl), 0);
    assert_int_equal(ta_dec_tls12_keys(&cl, &sv, ta_dec_suite(0xc02f), 0x0303, false, master, cr,
                                       sr), 1);
    assert_int_equal(ta_dec_skip(&cl), 1);
    assert_int_equal(cl.seq, 1);
}

static void test_tls12_short_records(void **state)
{
    uint8_t master[48] = {3};
    uint8_t cr[32] = {1};
    uint8_t sr[32] = {2};
    uint8_t rec[64] = {0};
    uint8_t out[64];
    size_t out_len;
    uint8_t type;
    ta_dec_keys cl;
    ta_dec_keys sv;
    ta_cur c;
    static const uint16_t suites[] = {0xc02f, 0xcca8, 0xc0ac, 0x002f, 0xc028};
    (void)state;
    for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++) {
        assert_int_equal(ta_dec_tls12_keys(&cl, &sv, ta_dec_suite(suites[i]), 0x0303, false,
                                           master, cr, sr), 1);
        ta_cur_init(&c, rec, 7);
        assert_int_equal(ta_dec_open(&cl, 21, 0x0303, &c, out, sizeof(out), &out_len, &type),
                         TA_DECRYPT_MALFORMED);
        /* Long enough but garbage: never accepted. */
        ta_cur_init(&c, rec, 64);
        assert_int_not_equal(ta_dec_open(&cl, 21, 0x0303, &c, out, sizeof(out), &out_len,
                                         &type), TA_DECRYPT_OK);
        assert_int_equal(cl.seq, 0);
    }
}

typedef struct {
    size_t lines[8];
    size_t num;
} errs;

static void on_err(void *arg, size_t line, const char *what)
{
    errs *e = arg;
    assert_non_null(what);
    if (e->num < 8) {
        e->lines[e->num++] = line;
    }
}

#define R64 "0123456789abcdef0123456789ABCDEF0123456789abcdef0123456789abcdef"
#define S32 "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
#define S48 S32 "00112233445566778899aabbccddeeff"

static void test_keylog_parse(void **state)
{
    static const char text[] =
        "# SSL/TLS secrets log file\n"                          /* 1 */
        "\n"                                                     /* 2 */
        "CLIENT_RANDOM " R64 " " S48 "\n"                        /* 3 */
        "SERVER_HANDSHAKE_TRAFFIC_SECRET " R64 " " S32 "\r\n"    /* 4 CRLF */
        "EXPORTER_SECRET " R64 " " S32 "\n"                      /* 5 unused label */
        "CLIENT_RANDOM " R64 "\n"                                /* 6 bad: two fields */
        "CLIENT_RANDOM 0123 " S48 "\n"                           /* 7 bad: short random */
        "CLIENT_RANDOM " R64 " " S32 "\n"                        /* 8 bad: 32-byte master */
        "CLIENT_HANDSHAKE_TRAFFIC_SECRET " R64 " zz" S32 "\n"    /* 9 bad: hex */
        "CLIENT_TRAFFIC_SECRET_0\t" R64 "\t" S48 " extra\n"      /* 10 bad: four fields */
        "SERVER_TRAFFIC_SECRET_0 " R64 " " S48;                  /* 11, no newline */
    ta_keylog *kl = ta_keylog_new();
    errs e = {{0}, 0};
    ta_cur c;
    uint8_t r[32];
    uint8_t out[TA_KL_MAX_SECRET];
    (void)state;

    assert_non_null(kl);
    ta_cur_init(&c, (const uint8_t *)text, strlen(text));
    assert_int_equal(ta_keylog_parse(kl, &c, on_err, &e), 3);
    assert_int_equal(e.num, 5);
    assert_int_equal(e.lines[0], 6);
    assert_int_equal(e.lines[1], 7);
    assert_int_equal(e.lines[2], 8);
    assert_int_equal(e.lines[3], 9);
    assert_int_equal(e.lines[4], 10);
    assert_int_equal(ta_keylog_count(kl), 1);
    for (int i = 0; i < 32; i++) {
        r[i] = (uint8_t)((i % 8) * 0x22 + 0x01);
    }
    /* R64 = 01 23 45 67 89 ab cd ef repeated */
    assert_int_equal(ta_keylog_get(kl, r, TA_KL_CLIENT_RANDOM, out), 48);
    assert_int_equal(out[0], 0x00);
    assert_int_equal(out[1], 0x11);
    assert_int_equal(ta_keylog_get(kl, r, TA_KL_SERVER_HS_TRAFFIC, out), 32);
    assert_int_equal(ta_keylog_get(kl, r, TA_KL_SERVER_TRAFFIC_0, out), 48);
    assert_int_equal(ta_keylog_get(kl, r, TA_KL_CLIENT_HS_TRAFFIC, out), 0);
    assert_true(ta_keylog_has_random(kl, r));
    r[31] ^= 1;
    assert_false(ta_keylog_has_random(kl, r));
    assert_int_equal(ta_keylog_get(kl, r, TA_KL_CLIENT_RANDOM, out), 0);
    assert_int_equal(ta_keylog_get(NULL, r, TA_KL_CLIENT_RANDOM, out), 0);
    ta_keylog_free(kl);
}

/* Many randoms: the table grows and keeps every one. */
static void test_keylog_many(void **state)
{
    ta_keylog *kl = ta_keylog_new();
    char line[256];
    uint8_t r[32] = {0};
    uint8_t out[TA_KL_MAX_SECRET];
    ta_cur c;
    (void)state;
    for (int i = 0; i < 5000; i++) {
        snprintf(line, sizeof(line), "CLIENT_RANDOM %056x%08x " S48 "\n", 0, i);
        ta_cur_init(&c, (const uint8_t *)line, strlen(line));
        assert_int_equal(ta_keylog_parse(kl, &c, NULL, NULL), 1);
    }
    assert_int_equal(ta_keylog_count(kl), 5000);
    for (int i = 0; i < 5000; i += 499) {
        r[28] = (uint8_t)(i >> 24);
        r[29] = (uint8_t)(i >> 16);
        r[30] = (uint8_t)(i >> 8);
        r[31] = (uint8_t)i;
        assert_int_equal(ta_keylog_get(kl, r, TA_KL_CLIENT_RANDOM, out), 48);
    }
    ta_keylog_free(kl);
    ta_keylog_free(NULL);
}

/* A long comment is a comment; a long line of anything else is a bad line. */
static void test_keylog_long_lines(void **state)
{
    static char text[5000];
    ta_keylog *kl = ta_keylog_new();
    errs e = {{0}, 0};
    ta_cur c;
    (void)state;
    memset(text, 'x', sizeof(text) - 1);
    text[0] = '#';
    text[2000] = '\n';
    text[2001] = 'C';
    ta_cur_init(&c, (const uint8_t *)text, strlen(text));
    assert_int_equal(ta_keylog_parse(kl, &c, on_err, &e), 0);
    assert_int_equal(e.num, 1);
    assert_int_equal(e.lines[0], 2);
    ta_keylog_free(kl);
}

static void test_keylog_missing_file(void **state)
{
    ta_keylog *kl = ta_keylog_new();
    (void)state;
    assert_int_equal(ta_keylog_load(kl, "/nonexistent/keys.txt", NULL, NULL), -1);
    ta_keylog_free(kl);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tls13_key_schedule_rfc8448),
        cmocka_unit_test(test_tls13_records),
        cmocka_unit_test(test_tls13_all_padding),
        cmocka_unit_test(test_tls12_keys),
        cmocka_unit_test(test_tls12_short_records),
        cmocka_unit_test(test_keylog_parse),
        cmocka_unit_test(test_keylog_many),
        cmocka_unit_test(test_keylog_long_lines),
        cmocka_unit_test(test_keylog_missing_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
