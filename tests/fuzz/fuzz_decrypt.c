/* fuzz_decrypt.c - libFuzzer target for the decryption path.
 *
 * Two modes, chosen by the first byte:
 *   raw:    keys taken from the input (a TLS 1.3 traffic secret or a TLS 1.2
 *           master secret and randoms, for a suite picked by the input), then
 *           random records handed to ta_dec_open: lengths and contents that no
 *           TLS stack would send, never authenticated.
 *   stream: a TLS 1.3 connection whose key log the harness knows: a clear
 *           ClientHello and ServerHello, then records the harness seals with the
 *           logged secrets around contents the input chooses (handshake
 *           fragments, alerts, application data, padding), mixed with raw
 *           records and flipped bytes, all fed through the record layer
 *           (ta_tls_data) so decrypted bytes reach the handshake parsers.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "ta_conn.h"
#include "ta_decrypt.h"
#include "ta_keylog.h"
#include "ta_names.h"
#include "ta_jsonw.h"
#include "ta_tls.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint16_t suites13[] = {0x1301, 0x1302, 0x1303, 0x1304, 0x1305};
static const uint16_t suites12[] = {0xc02f, 0xc030, 0xcca8, 0xc0ac, 0xc0af,
                                    0x002f, 0xc014, 0xc028, 0x003c};

static void raw_mode(ta_cur *in)
{
    uint8_t pick = 0;
    uint8_t secret[48] = {0};
    uint8_t cr[32] = {0};
    uint8_t sr[32] = {0};
    ta_dec_keys k[2];
    static uint8_t out[18432];

    (void)ta_cur_get_u8(in, &pick);
    (void)ta_cur_copy(in, secret, sizeof(secret));
    if (pick & 0x80) {
        const ta_suite_info *s = ta_dec_suite(suites13[pick % 5]);
        size_t len = (pick & 0x40) ? 48 : 32;
        if (!ta_dec_tls13_keys(&k[0], s, secret, len)) {
            return;
        }
        k[1] = k[0];
        (void)ta_dec_tls13_next_secret(s, secret, len);
    } else {
        uint16_t version = (uint16_t)(0x0301 + (pick >> 4) % 3);
        (void)ta_cur_copy(in, cr, sizeof(cr));
        (void)ta_cur_copy(in, sr, sizeof(sr));
        if (!ta_dec_tls12_keys(&k[0], &k[1], ta_dec_suite(suites12[pick % 9]), version,
                               (pick & 0x08) != 0, secret, cr, sr)) {
            return;
        }
    }
    while (ta_cur_len(in) > 0) {
        uint8_t type = 0;
        uint16_t len = 0;
        ta_cur rec;
        size_t n = 0;
        uint8_t inner = 0;
        (void)ta_cur_get_u8(in, &type);
        (void)ta_cur_get_u16(in, &len);
        if (len > ta_cur_len(in)) {
            len = (uint16_t)ta_cur_len(in);
        }
        (void)ta_cur_get_bytes(in, &rec, len);
        (void)ta_dec_open(&k[type & 1], type, 0x0303, &rec, out, sizeof(out), &n, &inner);
        if (type & 0x80) {
            (void)ta_dec_skip(&k[type & 1]);
        } else if (type & 0x40) {
            (void)ta_dec_skip_chained(&k[type & 1], &rec);   /* the record's end as the tail */
        }
    }
}

/* The harness's side of the connection: keys per wire direction. */
typedef struct {
    ta_dec_keys k[2];
    const ta_suite_info *s;
    uint8_t secret[4][48];
    size_t secret_len;
    uint64_t frame;
} harness;

static void feed(ta_conn *c, int dir, const uint8_t *bytes, size_t len, harness *h,
                 const ta_tls_limits *lim)
{
    ta_cur cur;
    ta_cur_init(&cur, bytes, len);
    ta_tls_data(c, dir, &cur, h->frame++, lim);
}

/* Seals content + type + padding as one TLS 1.3 record (RFC 8446 5.2). */
static size_t seal(ta_dec_keys *k, const uint8_t *content, size_t len, uint8_t type, size_t pad,
                   uint8_t *out)
{
    static uint8_t inner[300];
    uint8_t nonce[12];
    bool ccm = k->s->kind == TA_CIPH_AES_CCM || k->s->kind == TA_CIPH_AES_CCM8;
    size_t tag = k->s->kind == TA_CIPH_AES_CCM8 ? 8 : 16;
    size_t inner_len = len + 1 + pad;
    size_t body = inner_len + tag;
    uint8_t *hdr = out;
    const EVP_CIPHER *c = k->s->kind == TA_CIPH_CHACHA20_POLY1305 ? EVP_chacha20_poly1305()
                          : ccm                                   ? EVP_aes_128_ccm()
                          : k->s->key_len == 16                   ? EVP_aes_128_gcm()
                                                                  : EVP_aes_256_gcm();
    int n = 0;
    size_t ok = 0;

    hdr[0] = 23;
    hdr[1] = 3;
    hdr[2] = 3;
    hdr[3] = (uint8_t)(body >> 8);
    hdr[4] = (uint8_t)body;
    if (len > 0) {
        memcpy(inner, content, len);
    }
    inner[len] = type;
    memset(inner + len + 1, 0, pad);
    memcpy(nonce, k->iv, 12);
    for (int i = 0; i < 8; i++) {
        nonce[4 + i] ^= (uint8_t)(k->seq >> (8 * (7 - i)));
    }
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    if (ctx != NULL && EVP_EncryptInit_ex(ctx, c, NULL, NULL, NULL) == 1 &&
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IVLEN, 12, NULL) == 1 &&
        (!ccm || EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, (int)tag, NULL) == 1) &&
        EVP_EncryptInit_ex(ctx, NULL, NULL, k->key, nonce) == 1 &&
        (!ccm || EVP_EncryptUpdate(ctx, NULL, &n, NULL, (int)inner_len) == 1) &&
        EVP_EncryptUpdate(ctx, NULL, &n, hdr, 5) == 1 &&
        EVP_EncryptUpdate(ctx, out + 5, &n, inner, (int)inner_len) == 1 &&
        EVP_EncryptFinal_ex(ctx, out + 5 + n, &n) == 1 &&
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, (int)tag, out + 5 + inner_len) == 1) {
        ok = 5 + body;
        k->seq++;
    }
    EVP_CIPHER_CTX_free(ctx);
    return ok;
}

static void hex(char *out, const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        snprintf(out + 2 * i, 3, "%02x", b[i]);
    }
}

/* Key log text for |random| with the harness's four secrets. */
static ta_keylog *make_keylog(const harness *h, const uint8_t random[32])
{
    static const char *labels[4] = {"CLIENT_HANDSHAKE_TRAFFIC_SECRET",
                                    "SERVER_HANDSHAKE_TRAFFIC_SECRET", "CLIENT_TRAFFIC_SECRET_0",
                                    "SERVER_TRAFFIC_SECRET_0"};
    char text[4 * (40 + 65 + 97 + 2)];
    char r[65];
    char s[97];
    size_t pos = 0;
    ta_keylog *kl = ta_keylog_new();
    ta_cur t;

    hex(r, random, 32);
    for (int i = 0; i < 4; i++) {
        hex(s, h->secret[i], h->secret_len);
        pos += (size_t)snprintf(text + pos, sizeof(text) - pos, "%s %s %s\n", labels[i], r, s);
    }
    ta_cur_init(&t, (const uint8_t *)text, pos);
    if (kl != NULL) {
        (void)ta_keylog_parse(kl, &t, NULL, NULL);
    }
    return kl;
}

static void stream_mode(ta_cur *in)
{
    static const uint8_t random[32] = {0x3f, 1, 2, 3};
    uint8_t pick = 0;
    harness h;
    static uint8_t rec[400];
    uint8_t hello[128];

    memset(&h, 0, sizeof(h));
    (void)ta_cur_get_u8(in, &pick);
    h.s = ta_dec_suite(suites13[pick % 5]);
    h.secret_len = h.s->hash[3] == '3' ? 48 : 32; /* SHA384 or SHA256 */
    for (int i = 0; i < 4; i++) {
        memset(h.secret[i], 0x11 * (i + 1), sizeof(h.secret[i]));
    }
    if (!ta_dec_tls13_keys(&h.k[0], h.s, h.secret[0], h.secret_len) ||
        !ta_dec_tls13_keys(&h.k[1], h.s, h.secret[1], h.secret_len)) {
        return;
    }
    ta_keylog *kl = make_keylog(&h, random);
    ta_tls_limits lim = {4096, 4096, 512, NULL, kl, NULL};
    ta_conn *c = calloc(1, sizeof(*c));
    if (c == NULL || kl == NULL) {
        free(c);
        ta_keylog_free(kl);
        return;
    }
    c->cdir = 0;
    /* ClientHello and ServerHello (RFC 8446 4.1.2, 4.1.3), TLS 1.3 only. */
    static const uint8_t ch_head[] = {22, 3, 1, 0, 54, 1, 0, 0, 50, 3, 3};
    static const uint8_t ch_tail[] = {0, 0, 2, 0x13, 0x01, 1, 0, 0, 7, 0, 43, 0, 3, 2, 3, 4};
    memcpy(hello, ch_head, sizeof(ch_head));
    memcpy(hello + sizeof(ch_head), random, 32);
    memcpy(hello + sizeof(ch_head) + 32, ch_tail, sizeof(ch_tail));
    feed(c, 0, hello, sizeof(ch_head) + 32 + sizeof(ch_tail), &h, &lim);
    static const uint8_t sh_head[] = {22, 3, 3, 0, 50, 2, 0, 0, 46, 3, 3};
    uint8_t sh_tail[] = {0, 0x13, 0x01, 0, 0, 6, 0, 43, 0, 2, 3, 4};
    sh_tail[2] = (uint8_t)h.s->suite;
    memcpy(hello, sh_head, sizeof(sh_head));
    memset(hello + sizeof(sh_head), 0x5a, 32);
    memcpy(hello + sizeof(sh_head) + 32, sh_tail, sizeof(sh_tail));
    feed(c, 1, hello, sizeof(sh_head) + 32 + sizeof(sh_tail), &h, &lim);

    while (ta_cur_len(in) >= 2) {
        uint8_t step;
        uint8_t len;
        ta_cur content;
        (void)ta_cur_get_u8(in, &step);
        (void)ta_cur_get_u8(in, &len);
        if (len > ta_cur_len(in)) {
            len = (uint8_t)ta_cur_len(in);
        }
        (void)ta_cur_get_bytes(in, &content, len);
        int dir = step >> 7;
        int mode = (step >> 5) & 3;
        size_t pad = step & 0x07;
        static const uint8_t types[3] = {22, 21, 23};
        size_t n;
        if (mode == 3) { /* a raw record: never authenticates */
            rec[0] = 23;
            rec[1] = 3;
            rec[2] = 3;
            rec[3] = 0;
            rec[4] = len;
            (void)ta_cur_copy(&content, rec + 5, len);
            n = 5 + (size_t)len;
        } else {
            n = seal(&h.k[dir], ta_cur_data(&content), len, types[mode], pad, rec);
            if (n > 5 && (step & 0x08)) {
                rec[5 + (step & 0x10 ? 1 : 0)] ^= 0x40; /* a flipped bit */
            }
            /* A Finished message moves that side to its application keys. */
            uint8_t first = 0;
            if (mode == 0 && ta_cur_peek_u8(&content, 0, &first) && first == 20) {
                (void)ta_dec_tls13_keys(&h.k[dir], h.s, h.secret[2 + dir], h.secret_len);
            }
        }
        feed(c, dir, rec, n, &h, &lim);
    }
    ta_tls_finish(c);
    (void)ta_tls_outcome(c);
    ta_jbuf b = {0};
    if (ta_jsonw_facts(&b, c, NULL) && getenv("FUZZ_DECRYPT_SHOW") != NULL) {
        /* to check by eye that seeds reach the decrypted path */
        printf("%.*s\n", (int)b.len, b.p);
        fflush(stdout);
    }
    ta_jbuf_free(&b);
    ta_conn_free(c);
    ta_keylog_free(kl);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ta_cur in;
    uint8_t mode = 0;

    ta_names_init();
    ta_cur_init(&in, data, size);
    if (!ta_cur_get_u8(&in, &mode)) {
        return 0;
    }
    if (mode & 1) {
        raw_mode(&in);
    } else {
        stream_mode(&in);
    }
    return 0;
}
