/* fingerprint.c - JA3, JA3S and JA4 of parsed hellos (see ta_fingerprint.h). */
#include "ta_fingerprint.h"

#include <stdlib.h>
#include <string.h>


/* The low-level digests, deprecated in OpenSSL 3.0 but not removed: on
 * 3.0 every EVP digest creates its provider context anew (one malloc per
 * digest, four per connection; measured with tests/alloc_per_conn.py),
 * these run on the stack. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/md5.h>
#include <openssl/sha.h>

#include "ta_names.h"

#define EXT_SERVER_NAME 0x0000
#define EXT_ALPN 0x0010
#define JA4_HASH_LEN 12
#define JA4_MAX_COUNT 99
#define NO_VALUE 0x10000u    /* above every 16-bit value: skips nothing */

/* The text being written: never past |cap|, NUL-terminated while it fits;
 * |full| once something did not. */
typedef struct {
    char *p;
    size_t len;
    size_t cap;
    bool full;
} text;

static void put(text *t, const char *s, size_t n)
{
    if (t->full || t->cap == 0 || n >= t->cap - t->len) {
        t->full = true;
        return;
    }
    memcpy(t->p + t->len, s, n);
    t->len += n;
    t->p[t->len] = '\0';
}

/* |v| in decimal (JA3) or as four lower-case hex digits (JA4), after |sep|
 * unless it is the first of its list; without printf: a hundred of these
 * per hello. */
static void put_num(text *t, uint32_t v, bool hex, char sep, bool first)
{
    char num[16];
    size_t n = 0;
    if (!first) {
        num[n++] = sep;
    }
    if (hex) {
        for (int shift = 12; shift >= 0; shift -= 4) {
            num[n++] = "0123456789abcdef"[(v >> shift) & 0xf];
        }
    } else {
        char rev[10];
        size_t r = 0;
        do {
            rev[r++] = (char)('0' + v % 10);
            v /= 10;
        } while (v != 0);
        while (r > 0) {
            num[n++] = rev[--r];
        }
    }
    put(t, num, n);
}

static bool grease(uint32_t v)
{
    return v <= 0xffff && ta_is_grease((uint16_t)v);
}

/* Appends the non-GREASE values of |l| in decimal, joined by '-'. */
static void add_decimal_list(text *t, const ta_u32_list *l)
{
    bool first = true;
    for (size_t i = 0; i < l->num; i++) {
        if (!grease(l->v[i])) {
            put_num(t, l->v[i], false, '-', first);
            first = false;
        }
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

/* The first |hex_len| hex digits of the MD5 (|sha| false) or SHA-256 of
 * |n| bytes at |s| into |out| (|hex_len| + 1 bytes, |hex_len| <= 32). */
static bool digest_hex(bool sha, const char *s, size_t n, char *out, size_t hex_len)
{
    unsigned char md[SHA256_DIGEST_LENGTH];
    char hex[2 * SHA256_DIGEST_LENGTH + 1];
    bool ok;
    if (sha) {
        SHA256_CTX c;
        ok = SHA256_Init(&c) == 1 && SHA256_Update(&c, s, n) == 1 && SHA256_Final(md, &c) == 1;
    } else {
        MD5_CTX c;
        ok = MD5_Init(&c) == 1 && MD5_Update(&c, s, n) == 1 && MD5_Final(md, &c) == 1;
    }
    if (!ok) {
        return false;
    }
    to_hex(md, sha ? SHA256_DIGEST_LENGTH : MD5_DIGEST_LENGTH, hex);
    memcpy(out, hex, hex_len);
    out[hex_len] = '\0';
    return true;
}

size_t ta_fp_text_size(const ta_client_hello *ch, const ta_server_hello *sh)
{
    /* Six characters a value at most ("65535-", "0a0a,"), the version,
     * JA4_a and the separators in the rest. */
    size_t n = 0;
    if (ch != NULL) {
        n = ch->cipher_suites.num + ch->extensions.num + ch->supported_groups.num +
            ch->ec_point_formats.num + ch->signature_algorithms.num;
    }
    if (sh != NULL && sh->extensions.num > n) {
        n = sh->extensions.num + 1;
    }
    return 32 + 6 * n;
}

/* A list cut at TA_MAX_LIST would give a wrong fingerprint: none then. */
static bool whole(const ta_client_hello *ch)
{
    return !ch->sslv2 && !ch->cipher_suites.truncated && !ch->extensions.truncated &&
           !ch->supported_groups.truncated && !ch->ec_point_formats.truncated &&
           !ch->signature_algorithms.truncated && ch->cipher_suites.num <= TA_MAX_LIST &&
           ch->extensions.num <= TA_MAX_LIST;
}

/* JA3 (github.com/salesforce/ja3): SSLVersion,Ciphers,Extensions,
 * EllipticCurves,EllipticCurvePointFormats. */
bool ta_fp_ja3(const ta_client_hello *ch, char *out, size_t out_size, char *hash)
{
    text t = {out, 0, out_size, false};

    if (!whole(ch)) {
        return false;
    }
    put_num(&t, ch->legacy_version, false, ',', true);
    put(&t, ",", 1);
    add_decimal_list(&t, &ch->cipher_suites);
    put(&t, ",", 1);
    add_decimal_list(&t, &ch->extensions);
    put(&t, ",", 1);
    add_decimal_list(&t, &ch->supported_groups);
    put(&t, ",", 1);
    add_decimal_list(&t, &ch->ec_point_formats);
    return !t.full && digest_hex(false, t.p, t.len, hash, TA_JA3_HASH_LEN);
}

/* JA3S: SSLVersion,Cipher,Extensions of the ServerHello. */
bool ta_fp_ja3s(const ta_server_hello *sh, char *out, size_t out_size, char *hash)
{
    text t = {out, 0, out_size, false};

    if (sh->sslv2 || sh->extensions.truncated) {
        return false;
    }
    put_num(&t, sh->legacy_version, false, ',', true);
    put_num(&t, sh->cipher_suite, false, ',', false);
    put(&t, ",", 1);
    add_decimal_list(&t, &sh->extensions);
    return !t.full && digest_hex(false, t.p, t.len, hash, TA_JA3_HASH_LEN);
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

/* The first and last character of the first ALPN value; when either byte
 * is not alphanumeric, the first and last hex digit of the value instead;
 * "00" without one. */
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

/* Appends the non-GREASE values of |l| other than |skip_a| and |skip_b|
 * as 4-digit hex, comma-separated, sorted when |sort| (in |scratch|, room
 * for TA_MAX_LIST values); returns how many. */
static size_t add_hex_list(text *t, const ta_u32_list *l, uint32_t skip_a, uint32_t skip_b,
                           bool sort, uint32_t *scratch)
{
    size_t n = 0;
    for (size_t i = 0; i < l->num && n < TA_MAX_LIST; i++) {
        if (!grease(l->v[i]) && l->v[i] != skip_a && l->v[i] != skip_b) {
            scratch[n++] = l->v[i];
        }
    }
    if (sort && n > 1) {
        qsort(scratch, n, sizeof(*scratch), by_value);
    }
    for (size_t i = 0; i < n; i++) {
        put_num(t, scratch[i] & 0xffff, true, ',', i == 0);
    }
    return n;
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
 * from |from| on, or twelve zeros when its list was empty. */
static bool ja4_hash(const text *t, size_t from, bool empty, char *out)
{
    if (!empty) {
        return digest_hex(true, t->p + from, t->len - from, out, JA4_HASH_LEN);
    }
    memset(out, '0', JA4_HASH_LEN);
    out[JA4_HASH_LEN] = '\0';
    return true;
}

/* JA4 (FoxIO technical_details/JA4.md): a_b_c where a is transport,
 * version, SNI, cipher and extension counts and ALPN; b hashes the sorted
 * ciphers; c hashes the sorted extensions (without SNI and ALPN), then
 * "_" and the signature algorithms in wire order.  JA4_r is a_ and the
 * two texts hashed, joined by "_". */
bool ta_fp_ja4(const ta_client_hello *ch, ta_fp_transport transport, char *ja4,
               char *raw, size_t raw_size)
{
    char a[16];
    char alpn[3];
    char b[JA4_HASH_LEN + 1];
    char c[JA4_HASH_LEN + 1];
    uint32_t scratch[TA_MAX_LIST];
    text t = {raw, 0, raw_size, false};

    if (!whole(ch)) {
        return false;
    }
    ja4_alpn(ch, alpn);
    size_t nc = count_kept(&ch->cipher_suites);
    size_t ne = count_kept(&ch->extensions);
    a[0] = (char)transport;
    memcpy(a + 1, ja4_version(ch), 2);
    a[3] = ch->has_sni ? 'd' : 'i';
    a[4] = (char)('0' + nc / 10);
    a[5] = (char)('0' + nc % 10);
    a[6] = (char)('0' + ne / 10);
    a[7] = (char)('0' + ne % 10);
    memcpy(a + 8, alpn, 3);
    put(&t, a, 10);
    put(&t, "_", 1);
    size_t cipher_from = t.len;
    size_t num_ciphers = add_hex_list(&t, &ch->cipher_suites, NO_VALUE, NO_VALUE, true, scratch);
    size_t cipher_to = t.len;
    put(&t, "_", 1);
    size_t ext_from = t.len;
    size_t num_exts = add_hex_list(&t, &ch->extensions, EXT_SERVER_NAME, EXT_ALPN, true, scratch);
    if (count_kept(&ch->signature_algorithms) > 0) {
        put(&t, "_", 1);
        add_hex_list(&t, &ch->signature_algorithms, NO_VALUE, NO_VALUE, false, scratch);
    }
    if (t.full) {
        return false;
    }
    text ciphers = {raw, cipher_to, raw_size, false};
    if (!ja4_hash(&ciphers, cipher_from, num_ciphers == 0, b) ||
        !ja4_hash(&t, ext_from, num_exts == 0, c)) {
        return false;
    }
    memcpy(ja4, a, 10);
    ja4[10] = '_';
    memcpy(ja4 + 11, b, JA4_HASH_LEN);
    ja4[23] = '_';
    memcpy(ja4 + 24, c, JA4_HASH_LEN + 1);
    return true;
}
