/* fingerprint.c - JA3, JA3S and JA4 of parsed hellos (see ta_fingerprint.h). */
#include "ta_fingerprint.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "ta_names.h"

#define EXT_SERVER_NAME 0x0000
#define EXT_ALPN 0x0010
#define JA4_HASH_LEN 12
#define JA4_MAX_COUNT 99

static bool grease(uint32_t v)
{
    return v <= 0xffff && ta_is_grease((uint16_t)v);
}

/* Appends the non-GREASE values of |l| in decimal, joined by '-'. */
static void add_decimal_list(ta_strbuf *out, const ta_u32_list *l)
{
    bool first = true;
    char num[16];
    for (size_t i = 0; i < l->num; i++) {
        if (grease(l->v[i])) {
            continue;
        }
        snprintf(num, sizeof(num), "%s%u", first ? "" : "-", l->v[i]);
        ta_strbuf_str(out, num);
        first = false;
    }
}

/* Lower-case hex of |len| bytes of |md| into |hex| (2 * len + 1 bytes). */
static void to_hex(const unsigned char *md, size_t len, char *hex)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < len; i++) {
        hex[2 * i] = digits[md[i] >> 4];
        hex[2 * i + 1] = digits[md[i] & 0x0f];
    }
    hex[2 * len] = '\0';
}

/* The digest of the text appended to |b| since |from|, as hex. */
static bool digest_hex(const EVP_MD *md, const ta_strbuf *b, size_t from, char *hex)
{
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    const char *s = b->s != NULL ? b->s + from : "";
    if (b->nomem || md == NULL || EVP_Digest(s, b->len - from, out, &n, md, NULL) != 1) {
        return false;
    }
    to_hex(out, n, hex);
    return true;
}

/* The JA3 text ends in the MD5 of what was appended; both written or neither. */
static bool finish_md5(ta_strbuf *out, size_t from, char *hash)
{
    char hex[2 * EVP_MAX_MD_SIZE + 1];
    if (!digest_hex(EVP_md5(), out, from, hex)) {
        return false;
    }
    memcpy(hash, hex, TA_JA3_HASH_LEN);
    hash[TA_JA3_HASH_LEN] = '\0';
    return true;
}

/* JA3 (github.com/salesforce/ja3): SSLVersion,Ciphers,Extensions,
 * EllipticCurves,EllipticCurvePointFormats. */
bool ta_fp_ja3(const ta_client_hello *ch, ta_strbuf *out, char *hash)
{
    char num[16];
    size_t from = out->len;

    if (ch->sslv2) {
        return false;
    }
    snprintf(num, sizeof(num), "%u,", ch->legacy_version);
    ta_strbuf_str(out, num);
    add_decimal_list(out, &ch->cipher_suites);
    ta_strbuf_str(out, ",");
    add_decimal_list(out, &ch->extensions);
    ta_strbuf_str(out, ",");
    add_decimal_list(out, &ch->supported_groups);
    ta_strbuf_str(out, ",");
    add_decimal_list(out, &ch->ec_point_formats);
    return finish_md5(out, from, hash);
}

/* JA3S: SSLVersion,Cipher,Extensions of the ServerHello. */
bool ta_fp_ja3s(const ta_server_hello *sh, ta_strbuf *out, char *hash)
{
    char num[32];
    size_t from = out->len;

    if (sh->sslv2) {
        return false;
    }
    snprintf(num, sizeof(num), "%u,%u,", sh->legacy_version, sh->cipher_suite);
    ta_strbuf_str(out, num);
    add_decimal_list(out, &sh->extensions);
    return finish_md5(out, from, hash);
}

/* ---------------------------------------------------------------- JA4 */

/* JA4's two-character version: the highest of supported_versions
 * (GREASE left out), else the legacy version. */
static const char *ja4_version(const ta_client_hello *ch)
{
    static const struct {
        uint16_t v;
        const char *s;
    } names[] = {
        {0x0304, "13"}, {0x0303, "12"}, {0x0302, "11"}, {0x0301, "10"}, {0x0300, "s3"},
        {0x0002, "s2"}, {0xfeff, "d1"}, {0xfefd, "d2"}, {0xfefc, "d3"},
    };
    uint32_t v = 0;
    bool found = false;
    for (size_t i = 0; i < ch->supported_versions.num; i++) {
        uint32_t x = ch->supported_versions.v[i];
        if (!grease(x) && (!found || x > v)) {
            v = x;
            found = true;
        }
    }
    if (!found) {
        v = ch->legacy_version;
    }
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (names[i].v == v) {
            return names[i].s;
        }
    }
    return "00";
}

static bool alnum(uint8_t b)
{
    return (b >= '0' && b <= '9') || (b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z');
}

/* The first and last character of the first ALPN value; their hex digits
 * when either byte is not alphanumeric; "00" without one. */
static void ja4_alpn(const ta_client_hello *ch, char out[3])
{
    static const char digits[] = "0123456789abcdef";
    out[0] = '0';
    out[1] = '0';
    out[2] = '\0';
    if (ch->alpn.num == 0 || ch->alpn.v[0].len == 0) {
        return;
    }
    const uint8_t *p = ch->alpn.v[0].data;
    uint8_t first = p[0];
    uint8_t last = p[ch->alpn.v[0].len - 1];
    if (alnum(first) && alnum(last)) {
        out[0] = (char)first;
        out[1] = (char)last;
    } else {
        out[0] = digits[first >> 4];
        out[1] = digits[last & 0x0f];
    }
}

static int by_value(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a;
    uint32_t y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* The non-GREASE values of |l| without |skip_a| and |skip_b| (pass a
 * value above 0xffff to skip nothing), sorted when |sort|; a heap array
 * of *n values (NULL when none). */
static uint32_t *kept_values(const ta_u32_list *l, uint32_t skip_a, uint32_t skip_b, bool sort,
                             size_t *n)
{
    uint32_t *v = l->num > 0 ? malloc(l->num * sizeof(*v)) : NULL;
    *n = 0;
    if (v == NULL) {
        return NULL;
    }
    for (size_t i = 0; i < l->num; i++) {
        if (!grease(l->v[i]) && l->v[i] != skip_a && l->v[i] != skip_b) {
            v[(*n)++] = l->v[i];
        }
    }
    if (sort && *n > 1) {
        qsort(v, *n, sizeof(*v), by_value);
    }
    return v;
}

/* Appends values as 4-digit lower-case hex, comma-separated. */
static void add_hex_list(ta_strbuf *out, const uint32_t *v, size_t n)
{
    char num[16];
    for (size_t i = 0; i < n; i++) {
        snprintf(num, sizeof(num), "%s%04x", i > 0 ? "," : "", v[i] & 0xffff);
        ta_strbuf_str(out, num);
    }
}

static size_t count_kept(const ta_u32_list *l)
{
    size_t n = 0;
    for (size_t i = 0; i < l->num; i++) {
        n += !grease(l->v[i]);
    }
    return n > JA4_MAX_COUNT ? JA4_MAX_COUNT : n;
}

/* JA4_b or JA4_c: the first 12 hex digits of the SHA-256 of the text
 * appended to |b| since |from|, or twelve zeros when the list was empty. */
static bool ja4_hash(const ta_strbuf *b, size_t from, bool empty, char out[JA4_HASH_LEN + 1])
{
    char hex[2 * EVP_MAX_MD_SIZE + 1];
    if (empty) {
        memset(out, '0', JA4_HASH_LEN);
    } else if (digest_hex(EVP_sha256(), b, from, hex)) {
        memcpy(out, hex, JA4_HASH_LEN);
    } else {
        return false;
    }
    out[JA4_HASH_LEN] = '\0';
    return true;
}

/* JA4 (FoxIO technical_details/JA4.md): a_b_c where a is transport,
 * version, SNI, cipher and extension counts and ALPN; b hashes the sorted
 * ciphers; c hashes the sorted extensions (without SNI and ALPN), then
 * "_" and the signature algorithms in wire order. */
bool ta_fp_ja4(const ta_client_hello *ch, ta_fp_transport transport, char *ja4,
               ta_strbuf *raw)
{
    char a[16];
    char alpn[3];
    char b[JA4_HASH_LEN + 1];
    char c[JA4_HASH_LEN + 1];
    size_t num_ciphers;
    size_t num_exts;
    size_t num_sigs;
    ta_strbuf text = {NULL, 0, 0, false};
    bool ok = false;

    if (ch->sslv2) {
        return false;
    }
    ja4_alpn(ch, alpn);
    snprintf(a, sizeof(a), "%c%s%c%02zu%02zu%s", (char)transport, ja4_version(ch),
             ch->has_sni ? 'd' : 'i', count_kept(&ch->cipher_suites),
             count_kept(&ch->extensions), alpn);
    uint32_t *ciphers = kept_values(&ch->cipher_suites, 0x10000, 0x10000, true, &num_ciphers);
    uint32_t *exts = kept_values(&ch->extensions, EXT_SERVER_NAME, EXT_ALPN, true, &num_exts);
    uint32_t *sigs = kept_values(&ch->signature_algorithms, 0x10000, 0x10000, false, &num_sigs);
    if ((ciphers == NULL && ch->cipher_suites.num > 0) || (exts == NULL && ch->extensions.num > 0) ||
        (sigs == NULL && ch->signature_algorithms.num > 0)) {
        goto done;
    }
    add_hex_list(&text, ciphers, num_ciphers);
    size_t ext_from = text.len;
    if (!ja4_hash(&text, 0, num_ciphers == 0, b)) {
        goto done;
    }
    add_hex_list(&text, exts, num_exts);
    if (num_sigs > 0) {
        ta_strbuf_str(&text, "_");
        add_hex_list(&text, sigs, num_sigs);
    }
    if (!ja4_hash(&text, ext_from, num_exts == 0, c)) {
        goto done;
    }
    char whole[64];
    if (snprintf(whole, sizeof(whole), "%s_%s_%s", a, b, c) != TA_JA4_LEN) {
        goto done;
    }
    memcpy(ja4, whole, TA_JA4_LEN + 1);
    if (raw != NULL) {
        ta_strbuf_str(raw, a);
        ta_strbuf_str(raw, "_");
        ta_strbuf_add(raw, text.s != NULL ? text.s : "", ext_from);
        ta_strbuf_str(raw, "_");
        ta_strbuf_add(raw, text.s != NULL ? text.s + ext_from : "", text.len - ext_from);
    }
    ok = true;
done:
    free(ciphers);
    free(exts);
    free(sigs);
    free(text.s);
    return ok && !text.nomem;
}
