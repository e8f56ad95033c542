/* decrypt.c - TLS record decryption through OpenSSL EVP (see ta_decrypt.h). */
#include "ta_decrypt.h"

#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>

#define AEAD_TAG 16
#define CBC_BLOCK 16

static const ta_suite_info suites[] = {
    /* TLS 1.3 (RFC 8446 B.4) */
    {0x1301, TA_CIPH_AES_GCM, 16, 12, 0, NULL, "SHA256", true},
    {0x1302, TA_CIPH_AES_GCM, 32, 12, 0, NULL, "SHA384", true},
    {0x1303, TA_CIPH_CHACHA20_POLY1305, 32, 12, 0, NULL, "SHA256", true},
    {0x1304, TA_CIPH_AES_CCM, 16, 12, 0, NULL, "SHA256", true},
    {0x1305, TA_CIPH_AES_CCM8, 16, 12, 0, NULL, "SHA256", true},
    /* AES-GCM (RFC 5288, 5289) */
    {0x009c, TA_CIPH_AES_GCM, 16, 4, 0, NULL, "SHA256", false},
    {0x009d, TA_CIPH_AES_GCM, 32, 4, 0, NULL, "SHA384", false},
    {0x009e, TA_CIPH_AES_GCM, 16, 4, 0, NULL, "SHA256", false},
    {0x009f, TA_CIPH_AES_GCM, 32, 4, 0, NULL, "SHA384", false},
    {0xc02b, TA_CIPH_AES_GCM, 16, 4, 0, NULL, "SHA256", false},
    {0xc02c, TA_CIPH_AES_GCM, 32, 4, 0, NULL, "SHA384", false},
    {0xc02f, TA_CIPH_AES_GCM, 16, 4, 0, NULL, "SHA256", false},
    {0xc030, TA_CIPH_AES_GCM, 32, 4, 0, NULL, "SHA384", false},
    /* ChaCha20-Poly1305 (RFC 7905) */
    {0xcca8, TA_CIPH_CHACHA20_POLY1305, 32, 12, 0, NULL, "SHA256", false},
    {0xcca9, TA_CIPH_CHACHA20_POLY1305, 32, 12, 0, NULL, "SHA256", false},
    {0xccaa, TA_CIPH_CHACHA20_POLY1305, 32, 12, 0, NULL, "SHA256", false},
    /* AES-CCM (RFC 6655, 7251) */
    {0xc09c, TA_CIPH_AES_CCM, 16, 4, 0, NULL, "SHA256", false},
    {0xc09d, TA_CIPH_AES_CCM, 32, 4, 0, NULL, "SHA256", false},
    {0xc09e, TA_CIPH_AES_CCM, 16, 4, 0, NULL, "SHA256", false},
    {0xc09f, TA_CIPH_AES_CCM, 32, 4, 0, NULL, "SHA256", false},
    {0xc0a0, TA_CIPH_AES_CCM8, 16, 4, 0, NULL, "SHA256", false},
    {0xc0a1, TA_CIPH_AES_CCM8, 32, 4, 0, NULL, "SHA256", false},
    {0xc0ac, TA_CIPH_AES_CCM, 16, 4, 0, NULL, "SHA256", false},
    {0xc0ad, TA_CIPH_AES_CCM, 32, 4, 0, NULL, "SHA256", false},
    {0xc0ae, TA_CIPH_AES_CCM8, 16, 4, 0, NULL, "SHA256", false},
    {0xc0af, TA_CIPH_AES_CCM8, 32, 4, 0, NULL, "SHA256", false},
    /* AES-CBC with HMAC (RFC 5246, 4492, 5289) */
    {0x002f, TA_CIPH_AES_CBC, 16, 16, 20, "SHA1", "SHA256", false},
    {0x0033, TA_CIPH_AES_CBC, 16, 16, 20, "SHA1", "SHA256", false},
    {0x0035, TA_CIPH_AES_CBC, 32, 16, 20, "SHA1", "SHA256", false},
    {0x0039, TA_CIPH_AES_CBC, 32, 16, 20, "SHA1", "SHA256", false},
    {0x003c, TA_CIPH_AES_CBC, 16, 16, 32, "SHA256", "SHA256", false},
    {0x003d, TA_CIPH_AES_CBC, 32, 16, 32, "SHA256", "SHA256", false},
    {0x0067, TA_CIPH_AES_CBC, 16, 16, 32, "SHA256", "SHA256", false},
    {0x006b, TA_CIPH_AES_CBC, 32, 16, 32, "SHA256", "SHA256", false},
    {0xc009, TA_CIPH_AES_CBC, 16, 16, 20, "SHA1", "SHA256", false},
    {0xc00a, TA_CIPH_AES_CBC, 32, 16, 20, "SHA1", "SHA256", false},
    {0xc013, TA_CIPH_AES_CBC, 16, 16, 20, "SHA1", "SHA256", false},
    {0xc014, TA_CIPH_AES_CBC, 32, 16, 20, "SHA1", "SHA256", false},
    {0xc023, TA_CIPH_AES_CBC, 16, 16, 32, "SHA256", "SHA256", false},
    {0xc024, TA_CIPH_AES_CBC, 32, 16, 48, "SHA384", "SHA384", false},
    {0xc027, TA_CIPH_AES_CBC, 16, 16, 32, "SHA256", "SHA256", false},
    {0xc028, TA_CIPH_AES_CBC, 32, 16, 48, "SHA384", "SHA384", false},
};

const ta_suite_info *ta_dec_suite(uint16_t suite)
{
    for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++) {
        if (suites[i].suite == suite) {
            return &suites[i];
        }
    }
    return NULL;
}

const char *ta_decrypt_status_name(ta_decrypt_status st)
{
    switch (st) {
    case TA_DECRYPT_OK:
        return "ok";
    case TA_DECRYPT_MALFORMED:
        return "malformed record";
    case TA_DECRYPT_AUTH_FAILED:
        return "wrong key";
    case TA_DECRYPT_ERROR:
    default:
        return "OpenSSL error";
    }
}

/* Runs one EVP_KDF with |params| into |out|; 1 on success. */
static int run_kdf(const char *name, OSSL_PARAM *params, uint8_t *out, size_t out_len)
{
    EVP_KDF *kdf = EVP_KDF_fetch(NULL, name, NULL);
    EVP_KDF_CTX *ctx = kdf != NULL ? EVP_KDF_CTX_new(kdf) : NULL;
    int ok = ctx != NULL && EVP_KDF_derive(ctx, out, out_len, params) > 0;
    EVP_KDF_CTX_free(ctx);
    EVP_KDF_free(kdf);
    return ok;
}

/* RFC 8446 7.1: HKDF-Expand-Label(Secret, Label, "", Length) with
 *   struct { uint16 length; opaque label<7..255> = "tls13 " + Label;
 *            opaque context<0..255>; } HkdfLabel; */
static int expand_label(const char *hash, const uint8_t *secret, size_t secret_len,
                        const char *label, uint8_t *out, size_t out_len)
{
    uint8_t info[2 + 1 + 255 + 1];
    size_t llen = 6 + strlen(label);
    size_t n = 0;
    int mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY;

    if (llen > 255) {
        return 0;
    }
    info[n++] = (uint8_t)(out_len >> 8);
    info[n++] = (uint8_t)out_len;
    info[n++] = (uint8_t)llen;
    memcpy(info + n, "tls13 ", 6);
    memcpy(info + n + 6, label, llen - 6);
    n += llen;
    info[n++] = 0; /* empty context */
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode),
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)hash, 0),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)secret, secret_len),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info, n),
        OSSL_PARAM_construct_end(),
    };
    return run_kdf("HKDF", params, out, out_len);
}

static size_t hash_len(const char *hash)
{
    return strcmp(hash, "SHA384") == 0 ? 48 : 32;
}

size_t ta_dec_hash_len(const char *hash)
{
    return hash_len(hash);
}

int ta_dec_expand_label(const char *hash, const uint8_t *secret, size_t secret_len,
                        const char *label, uint8_t *out, size_t out_len)
{
    if (out_len > 0xffff) {
        return 0;
    }
    return expand_label(hash, secret, secret_len, label, out, out_len);
}

/* RFC 5869 2.2: PRK = HMAC-Hash(salt, IKM), one hash long. */
int ta_dec_hkdf_extract(const char *hash, const uint8_t *salt, size_t salt_len,
                        const uint8_t *ikm, size_t ikm_len, uint8_t *out, size_t out_len)
{
    int mode = EVP_KDF_HKDF_MODE_EXTRACT_ONLY;
    uint8_t empty = 0;
    if (out_len != hash_len(hash)) {
        return 0;
    }
    /* A zero-length connection ID is a valid key: OpenSSL wants a pointer. */
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode),
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)hash, 0),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY,
                                          ikm_len > 0 ? (void *)ikm : &empty, ikm_len),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt, salt_len),
        OSSL_PARAM_construct_end(),
    };
    return run_kdf("HKDF", params, out, out_len);
}

int ta_dec_tls13_keys(ta_dec_keys *k, const ta_suite_info *s, const uint8_t *secret, size_t len)
{
    memset(k, 0, sizeof(*k));
    if (s == NULL || !s->tls13 || len != hash_len(s->hash)) {
        return 0;
    }
    k->s = s;
    k->version = 0x0304;
    if (!expand_label(s->hash, secret, len, "key", k->key, s->key_len) ||
        !expand_label(s->hash, secret, len, "iv", k->iv, 12)) {
        OPENSSL_cleanse(k, sizeof(*k));
        return 0;
    }
    return 1;
}

int ta_dec_tls13_next_secret(const ta_suite_info *s, uint8_t *secret, size_t len)
{
    uint8_t next[48];
    if (s == NULL || !s->tls13 || len != hash_len(s->hash) ||
        !expand_label(s->hash, secret, len, "traffic upd", next, len)) {
        return 0;
    }
    memcpy(secret, next, len);
    OPENSSL_cleanse(next, sizeof(next));
    return 1;
}

int ta_dec_tls12_keys(ta_dec_keys *client, ta_dec_keys *server, const ta_suite_info *s,
                      uint16_t version, bool etm, const uint8_t master[48],
                      const uint8_t client_random[32], const uint8_t server_random[32])
{
    /* key_block = PRF(master, "key expansion", server_random + client_random):
     * client MAC, server MAC, client key, server key, client IV, server IV. */
    uint8_t block[2 * (48 + 32 + 16)];
    uint8_t seed[13 + 64];
    bool aead = s != NULL && s->kind != TA_CIPH_AES_CBC;
    const char *prf = version >= 0x0303 ? (s != NULL ? s->hash : "") : "MD5-SHA1";
    int ok = 0;

    memset(client, 0, sizeof(*client));
    memset(server, 0, sizeof(*server));
    if (s == NULL || s->tls13 || version < 0x0301 || version > 0x0303 ||
        (aead && version != 0x0303)) {
        return 0;
    }
    size_t mac = aead ? 0 : s->mac_len;
    size_t need = 2 * (mac + s->key_len + s->fixed_iv_len);
    memcpy(seed, "key expansion", 13);
    memcpy(seed + 13, server_random, 32);
    memcpy(seed + 45, client_random, 32);
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)prf, 0),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SECRET, (void *)master, 48),
        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, seed, sizeof(seed)),
        OSSL_PARAM_construct_end(),
    };
    if (run_kdf("TLS1-PRF", params, block, need)) {
        const uint8_t *p = block;
        ta_dec_keys *k[2] = {client, server};
        for (int i = 0; i < 2; i++) {
            k[i]->s = s;
            k[i]->version = version;
            k[i]->etm = etm && !aead;
            memcpy(k[i]->mac_key, p + i * mac, mac);
        }
        p += 2 * mac;
        memcpy(client->key, p, s->key_len);
        memcpy(server->key, p + s->key_len, s->key_len);
        p += 2 * (size_t)s->key_len;
        memcpy(client->iv, p, s->fixed_iv_len);
        memcpy(server->iv, p + s->fixed_iv_len, s->fixed_iv_len);
        ok = 1;
    }
    OPENSSL_cleanse(block, sizeof(block));
    return ok;
}

static const EVP_CIPHER *aead_cipher(const ta_suite_info *s)
{
    switch (s->kind) {
    case TA_CIPH_AES_GCM:
        return s->key_len == 16 ? EVP_aes_128_gcm() : EVP_aes_256_gcm();
    case TA_CIPH_CHACHA20_POLY1305:
        return EVP_chacha20_poly1305();
    case TA_CIPH_AES_CCM:
    case TA_CIPH_AES_CCM8:
        return s->key_len == 16 ? EVP_aes_128_ccm() : EVP_aes_256_ccm();
    case TA_CIPH_AES_CBC:
    default:
        return NULL;
    }
}

/* One AEAD open: |ct| then |tag|, authenticated with the |num_aad| pieces
 * of |aad| in order (QUIC's header is three: first byte, the middle, the
 * packet number), into |out|. */
static ta_decrypt_status aead_open(const ta_suite_info *s, const uint8_t *key,
                                   const uint8_t nonce[12], const ta_cur *aad, size_t num_aad,
                                   const uint8_t *ct, size_t ct_len, const uint8_t *tag,
                                   size_t tag_len, uint8_t *out)
{
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    bool ccm = s->kind == TA_CIPH_AES_CCM || s->kind == TA_CIPH_AES_CCM8;
    ta_decrypt_status st = TA_DECRYPT_ERROR;
    int n = 0;

    if (ctx == NULL || ct_len > INT32_MAX ||
        EVP_DecryptInit_ex(ctx, aead_cipher(s), NULL, NULL, NULL) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IVLEN, 12, NULL) != 1) {
        goto out;
    }
    /* CCM needs the tag before the data and the data length up front. */
    if (ccm && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, (int)tag_len, (void *)tag) != 1) {
        goto out;
    }
    if (EVP_DecryptInit_ex(ctx, NULL, NULL, key, nonce) != 1 ||
        (ccm && EVP_DecryptUpdate(ctx, NULL, &n, NULL, (int)ct_len) != 1)) {
        goto out;
    }
    for (size_t i = 0; i < num_aad; i++) {
        if (ta_cur_len(&aad[i]) > INT32_MAX ||
            EVP_DecryptUpdate(ctx, NULL, &n, ta_cur_data(&aad[i]), (int)ta_cur_len(&aad[i])) != 1) {
            goto out;
        }
    }
    if (EVP_DecryptUpdate(ctx, out, &n, ct, (int)ct_len) != 1) {
        st = ccm ? TA_DECRYPT_AUTH_FAILED : TA_DECRYPT_ERROR; /* CCM verifies here */
        goto out;
    }
    if (!ccm) {
        int fin = 0;
        if (EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, (int)tag_len, (void *)tag) != 1) {
            goto out;
        }
        if (EVP_DecryptFinal_ex(ctx, out + n, &fin) != 1) {
            st = TA_DECRYPT_AUTH_FAILED;
            goto out;
        }
    }
    st = TA_DECRYPT_OK;
out:
    EVP_CIPHER_CTX_free(ctx);
    return st;
}

static size_t tag_len_of(const ta_suite_info *s)
{
    return s->kind == TA_CIPH_AES_CCM8 ? 8 : AEAD_TAG;
}

size_t ta_dec_tag_len(const ta_suite_info *s)
{
    return tag_len_of(s);
}

ta_decrypt_status ta_dec_aead_open(const ta_suite_info *s, const uint8_t *key,
                                   const uint8_t nonce[12], const ta_cur *aad, size_t num_aad,
                                   const ta_cur *sealed, uint8_t *out, size_t out_max,
                                   size_t *out_len)
{
    if (s == NULL || aead_cipher(s) == NULL) {
        return TA_DECRYPT_ERROR;
    }
    size_t tag = tag_len_of(s);
    size_t len = ta_cur_len(sealed);
    if (len < tag) {
        return TA_DECRYPT_MALFORMED;
    }
    if (out_max < len - tag) {
        return TA_DECRYPT_ERROR;
    }
    const uint8_t *p = ta_cur_data(sealed);
    ta_decrypt_status st = aead_open(s, key, nonce, aad, num_aad, p, len - tag, p + len - tag,
                                     tag, out);
    if (st == TA_DECRYPT_OK) {
        *out_len = len - tag;
    }
    return st;
}

/* The sealing twin of aead_open, for writers of test traffic. */
int ta_dec_aead_seal(const ta_suite_info *s, const uint8_t *key, const uint8_t nonce[12],
                     const ta_cur *aad, size_t num_aad, const ta_cur *plain, uint8_t *out,
                     size_t out_max, size_t *out_len)
{
    const EVP_CIPHER *cipher = s != NULL ? aead_cipher(s) : NULL;
    size_t len = ta_cur_len(plain);
    bool ccm = cipher != NULL && (s->kind == TA_CIPH_AES_CCM || s->kind == TA_CIPH_AES_CCM8);
    size_t tag = cipher != NULL ? tag_len_of(s) : 0;
    EVP_CIPHER_CTX *ctx = NULL;
    int n = 0;
    int ok = 0;

    if (cipher == NULL || len > INT32_MAX || out_max < len + tag ||
        (ctx = EVP_CIPHER_CTX_new()) == NULL ||
        EVP_EncryptInit_ex(ctx, cipher, NULL, NULL, NULL) != 1 ||
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IVLEN, 12, NULL) != 1 ||
        (ccm && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, (int)tag, NULL) != 1) ||
        EVP_EncryptInit_ex(ctx, NULL, NULL, key, nonce) != 1 ||
        (ccm && EVP_EncryptUpdate(ctx, NULL, &n, NULL, (int)len) != 1)) {
        goto out;
    }
    for (size_t i = 0; i < num_aad; i++) {
        if (ta_cur_len(&aad[i]) > INT32_MAX ||
            EVP_EncryptUpdate(ctx, NULL, &n, ta_cur_data(&aad[i]), (int)ta_cur_len(&aad[i])) != 1) {
            goto out;
        }
    }
    n = 0;
    if ((len > 0 && EVP_EncryptUpdate(ctx, out, &n, ta_cur_data(plain), (int)len) != 1)) {
        goto out;
    }
    int fin = 0;
    if (EVP_EncryptFinal_ex(ctx, out + n, &fin) != 1 || (size_t)n + (size_t)fin != len ||
        EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, (int)tag, out + len) != 1) {
        goto out;
    }
    *out_len = len + tag;
    ok = 1;
out:
    EVP_CIPHER_CTX_free(ctx);
    return ok;
}

static void put_u64(uint8_t *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--) {
        p[i] = (uint8_t)v;
        v >>= 8;
    }
}

/* TLS <= 1.2 AEAD additional data and MAC header (RFC 5246 6.2.3.1, 6.2.3.3):
 * seq_num(8) || type(1) || version(2) || length(2). */
static void seq_header(uint8_t out[13], uint64_t seq, uint8_t type, uint16_t version, size_t len)
{
    put_u64(out, seq);
    out[8] = type;
    out[9] = (uint8_t)(version >> 8);
    out[10] = (uint8_t)version;
    out[11] = (uint8_t)(len >> 8);
    out[12] = (uint8_t)len;
}

/* RFC 8446 5.2-5.4: nonce = iv XOR seq; AAD = the record header; the
 * plaintext ends with the content type, then zero padding. */
static ta_decrypt_status open13(ta_dec_keys *k, uint8_t type, uint16_t version, const ta_cur *rec,
                                uint8_t *out, size_t *out_len, uint8_t *out_type)
{
    size_t tag = tag_len_of(k->s);
    size_t len = ta_cur_len(rec);
    uint8_t nonce[12];
    uint8_t aad[5] = {type, (uint8_t)(version >> 8), (uint8_t)version, (uint8_t)(len >> 8),
                      (uint8_t)len};

    if (len < tag + 1 || len > 0xffff) {
        return TA_DECRYPT_MALFORMED;
    }
    memcpy(nonce, k->iv, 12);
    uint8_t seq[8];
    put_u64(seq, k->seq);
    for (int i = 0; i < 8; i++) {
        nonce[4 + i] ^= seq[i];
    }
    const uint8_t *p = ta_cur_data(rec);
    ta_cur aad_cur;
    ta_cur_init(&aad_cur, aad, sizeof(aad));
    ta_decrypt_status st =
        aead_open(k->s, k->key, nonce, &aad_cur, 1, p, len - tag, p + len - tag, tag, out);
    if (st != TA_DECRYPT_OK) {
        return st;
    }
    size_t n = len - tag;
    while (n > 0 && out[n - 1] == 0) {
        n--;
    }
    if (n == 0) {
        return TA_DECRYPT_MALFORMED; /* all padding: RFC 8446 5.4 says abort */
    }
    *out_type = out[n - 1];
    *out_len = n - 1;
    k->seq++;
    return TA_DECRYPT_OK;
}

/* TLS 1.2 AEAD: AAD = seq || type || version || plaintext length.  GCM
 * and CCM carry an 8-byte explicit nonce after a 4-byte salt (RFC 5288
 * 3); ChaCha20 XORs the sequence into a 12-byte IV (RFC 7905 2). */
static ta_decrypt_status open12_aead(ta_dec_keys *k, uint8_t type, uint16_t version,
                                     const ta_cur *rec, uint8_t *out, size_t *out_len)
{
    size_t tag = tag_len_of(k->s);
    size_t explicit_len = k->s->kind == TA_CIPH_CHACHA20_POLY1305 ? 0 : 8;
    size_t len = ta_cur_len(rec);
    const uint8_t *p = ta_cur_data(rec);
    uint8_t nonce[12];
    uint8_t aad[13];

    if (len < explicit_len + tag) {
        return TA_DECRYPT_MALFORMED;
    }
    size_t ct_len = len - explicit_len - tag;
    seq_header(aad, k->seq, type, version, ct_len);
    if (explicit_len > 0) {
        memcpy(nonce, k->iv, 4);
        memcpy(nonce + 4, p, 8);
    } else {
        memcpy(nonce, k->iv, 12);
        for (int i = 0; i < 8; i++) {
            nonce[4 + i] ^= aad[i];
        }
    }
    ta_cur aad_cur;
    ta_cur_init(&aad_cur, aad, sizeof(aad));
    ta_decrypt_status st = aead_open(k->s, k->key, nonce, &aad_cur, 1, p + explicit_len, ct_len,
                                     p + explicit_len + ct_len, tag, out);
    if (st == TA_DECRYPT_OK) {
        *out_len = ct_len;
        k->seq++;
    }
    return st;
}

/* HMAC(mac_key, seq || type || version || length || data); 1 if it equals |mac|. */
static int mac_ok(const ta_dec_keys *k, uint8_t type, uint16_t version, const uint8_t *data,
                  size_t len, const uint8_t *mac)
{
    uint8_t hdr[13];
    uint8_t got[64];
    size_t got_len = 0;
    EVP_MAC *m = EVP_MAC_fetch(NULL, "HMAC", NULL);
    EVP_MAC_CTX *ctx = m != NULL ? EVP_MAC_CTX_new(m) : NULL;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)k->s->mac_md, 0),
        OSSL_PARAM_construct_end(),
    };
    int ok = 0;

    seq_header(hdr, k->seq, type, version, len);
    if (ctx != NULL && EVP_MAC_init(ctx, k->mac_key, k->s->mac_len, params) == 1 &&
        EVP_MAC_update(ctx, hdr, sizeof(hdr)) == 1 && EVP_MAC_update(ctx, data, len) == 1 &&
        EVP_MAC_final(ctx, got, &got_len, sizeof(got)) == 1 && got_len == k->s->mac_len) {
        ok = CRYPTO_memcmp(got, mac, got_len) == 0;
    }
    EVP_MAC_CTX_free(ctx);
    EVP_MAC_free(m);
    return ok;
}

/* AES-CBC without OpenSSL's padding handling: TLS pads its own way. */
static int cbc_decrypt(const ta_dec_keys *k, const uint8_t *iv, const uint8_t *ct, size_t len,
                       uint8_t *out)
{
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int n = 0;
    int ok = ctx != NULL && len <= INT32_MAX &&
             EVP_DecryptInit_ex(ctx, k->s->key_len == 16 ? EVP_aes_128_cbc() : EVP_aes_256_cbc(),
                                NULL, k->key, iv) == 1 &&
             EVP_CIPHER_CTX_set_padding(ctx, 0) == 1 &&
             EVP_DecryptUpdate(ctx, out, &n, ct, (int)len) == 1 && (size_t)n == len;
    EVP_CIPHER_CTX_free(ctx);
    return ok;
}

/* RFC 5246 6.2.3.2 (MAC then encrypt) and RFC 7366 (encrypt then MAC).
 * TLS 1.1+ sends an explicit IV per record; TLS 1.0 chains the last
 * ciphertext block into the next record's IV. */
static ta_decrypt_status open12_cbc(ta_dec_keys *k, uint8_t type, uint16_t version,
                                    const ta_cur *rec, uint8_t *out, size_t *out_len)
{
    size_t len = ta_cur_len(rec);
    const uint8_t *p = ta_cur_data(rec);
    size_t mac = k->s->mac_len;
    bool explicit_iv = k->version >= 0x0302;
    size_t ivl = explicit_iv ? CBC_BLOCK : 0;
    size_t ct_len = k->etm ? (len >= mac ? len - mac : 0) : len;

    if (ct_len < ivl + CBC_BLOCK || (ct_len - ivl) % CBC_BLOCK != 0 ||
        (!k->etm && ct_len - ivl < mac + 1)) {
        return TA_DECRYPT_MALFORMED;
    }
    if (k->etm && !mac_ok(k, type, version, p, ct_len, p + ct_len)) {
        return TA_DECRYPT_AUTH_FAILED;
    }
    const uint8_t *iv = explicit_iv ? p : k->iv;
    if (!cbc_decrypt(k, iv, p + ivl, ct_len - ivl, out)) {
        return TA_DECRYPT_ERROR;
    }
    size_t n = ct_len - ivl;
    size_t pad = out[n - 1];
    if (pad + 1 > n) {
        return TA_DECRYPT_AUTH_FAILED;
    }
    for (size_t i = n - 1 - pad; i < n; i++) {
        if (out[i] != pad) {
            return TA_DECRYPT_AUTH_FAILED;
        }
    }
    n -= pad + 1;
    if (!k->etm) {
        if (n < mac || !mac_ok(k, type, version, out, n - mac, out + n - mac)) {
            return TA_DECRYPT_AUTH_FAILED;
        }
        n -= mac;
    }
    if (!explicit_iv) {
        memcpy(k->iv, p + ct_len - CBC_BLOCK, CBC_BLOCK);
    }
    *out_len = n;
    k->seq++;
    return TA_DECRYPT_OK;
}

ta_decrypt_status ta_dec_open(ta_dec_keys *k, uint8_t type, uint16_t version, const ta_cur *rec,
                              uint8_t *out, size_t out_max, size_t *out_len, uint8_t *out_type)
{
    if (k->s == NULL || out_max < ta_cur_len(rec)) {
        return TA_DECRYPT_ERROR;
    }
    if (k->s->tls13) {
        return open13(k, type, version, rec, out, out_len, out_type);
    }
    *out_type = type;
    if (k->s->kind == TA_CIPH_AES_CBC) {
        return open12_cbc(k, type, version, rec, out, out_len);
    }
    return open12_aead(k, type, version, rec, out, out_len);
}

static bool chains_iv(const ta_dec_keys *k)
{
    return k->s != NULL && k->s->kind == TA_CIPH_AES_CBC && k->version < 0x0302;
}

int ta_dec_skip(ta_dec_keys *k)
{
    if (k->s == NULL || chains_iv(k)) {
        return 0;
    }
    k->seq++;
    return 1;
}

int ta_dec_skip_chained(ta_dec_keys *k, const ta_cur *tail)
{
    if (!chains_iv(k)) {
        return ta_dec_skip(k);
    }
    /* RFC 2246 6.2.3.2: the next record's IV is the last cipher block,
     * which encrypt-then-MAC (RFC 7366) follows with the MAC. */
    ta_cur t = *tail;
    size_t after = k->etm ? k->s->mac_len : 0;
    if (ta_cur_len(&t) < after + CBC_BLOCK || !ta_cur_skip(&t, ta_cur_len(&t) - after - CBC_BLOCK) ||
        !ta_cur_copy(&t, k->iv, CBC_BLOCK)) {
        return 0;
    }
    k->seq++;
    return 1;
}

bool ta_dec_chains_iv(const ta_dec_keys *k)
{
    return chains_iv(k);
}
