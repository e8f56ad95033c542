/*
 * test_fingerprint.c - JA3, JA3S and JA4 (src/tls/fingerprint.c) on hellos
 * built here byte by byte and parsed by the real parser: the worked
 * example of FoxIO's JA4 specification (technical_details/JA4.md) and one
 * test per rule of it; JA3 against an MD5 computed with md5sum.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ta_fingerprint.h"
#include "ta_tls_msg.h"

/* ------------------------------------------------------------------------ */
/* A ClientHello builder                                                     */
/* ------------------------------------------------------------------------ */

typedef struct {
    uint8_t b[70000];        /* room for a maximal cipher list (32767 suites) */
    size_t n;
} bytes;

static void put8(bytes *o, unsigned v)
{
    assert_true(o->n < sizeof(o->b));
    o->b[o->n++] = (uint8_t)v;
}

static void put16(bytes *o, unsigned v)
{
    put8(o, v >> 8);
    put8(o, v & 0xff);
}

static void put_bytes(bytes *o, const void *p, size_t n)
{
    assert_true(o->n + n <= sizeof(o->b));
    memcpy(o->b + o->n, p, n);
    o->n += n;
}

/* Starts a vector with a |width|-byte length; end_vec fills it in. */
static size_t begin_vec(bytes *o, int width)
{
    size_t at = o->n;
    for (int i = 0; i < width; i++) {
        put8(o, 0);
    }
    return at;
}

static void end_vec(bytes *o, size_t at, int width)
{
    size_t len = o->n - at - (size_t)width;
    for (int i = width - 1; i >= 0; i--) {
        o->b[at + (size_t)i] = (uint8_t)(len & 0xff);
        len >>= 8;
    }
}

typedef struct {
    unsigned legacy;
    const unsigned *ciphers;
    size_t num_ciphers;
    const unsigned *exts;        /* extension types in wire order */
    size_t num_exts;
    const unsigned *sigalgs;     /* body of signature_algorithms (13) */
    size_t num_sigalgs;
    const unsigned *versions;    /* body of supported_versions (43) */
    size_t num_versions;
    const unsigned *groups;      /* body of supported_groups (10) */
    size_t num_groups;
    const char *alpn[3];         /* body of ALPN (16); NULL-terminated */
    size_t alpn_len[3];          /* 0: strlen */
    const char *sni;             /* body of server_name (0) */
    bool malformed_ok;           /* an empty list the RFC forbids: malformed, parsed on */
} hello;

/* The body of one extension of |h| of type |t| (empty for types without
 * one here). */
static void ext_body(bytes *o, const hello *h, unsigned t)
{
    size_t v;
    switch (t) {
    case 0:
        v = begin_vec(o, 2);
        put8(o, 0);
        {
            size_t nv = begin_vec(o, 2);
            put_bytes(o, h->sni, strlen(h->sni));
            end_vec(o, nv, 2);
        }
        end_vec(o, v, 2);
        break;
    case 10:
    case 13:
        v = begin_vec(o, 2);
        for (size_t i = 0; i < (t == 10 ? h->num_groups : h->num_sigalgs); i++) {
            put16(o, t == 10 ? h->groups[i] : h->sigalgs[i]);
        }
        end_vec(o, v, 2);
        break;
    case 11:
        put8(o, 1);
        put8(o, 0);    /* uncompressed */
        break;
    case 16:
        v = begin_vec(o, 2);
        for (size_t i = 0; i < 3 && h->alpn[i] != NULL; i++) {
            size_t n = h->alpn_len[i] != 0 ? h->alpn_len[i] : strlen(h->alpn[i]);
            put8(o, (unsigned)n);
            put_bytes(o, h->alpn[i], n);
        }
        end_vec(o, v, 2);
        break;
    case 51:
        v = begin_vec(o, 2);      /* one x25519 key share */
        put16(o, 0x001d);
        put16(o, 32);
        for (int i = 0; i < 32; i++) {
            put8(o, 9);
        }
        end_vec(o, v, 2);
        break;
    case 43:
        v = begin_vec(o, 1);
        for (size_t i = 0; i < h->num_versions; i++) {
            put16(o, h->versions[i]);
        }
        end_vec(o, v, 1);
        break;
    default:
        break;
    }
}

/* Builds |h| as a ClientHello body and parses it into |ch|. */
static void parse_hello(const hello *h, ta_client_hello *ch)
{
    static bytes o;
    o.n = 0;
    put16(&o, h->legacy);
    for (int i = 0; i < 32; i++) {
        put8(&o, (unsigned)i);
    }
    put8(&o, 0);                                  /* session id */
    size_t cs = begin_vec(&o, 2);
    for (size_t i = 0; i < h->num_ciphers; i++) {
        put16(&o, h->ciphers[i]);
    }
    end_vec(&o, cs, 2);
    put8(&o, 1);
    put8(&o, 0);                                  /* compression: null */
    if (h->num_exts > 0) {                        /* none at all before TLS 1.0 */
        size_t ex = begin_vec(&o, 2);
        for (size_t i = 0; i < h->num_exts; i++) {
            put16(&o, h->exts[i]);
            size_t body = begin_vec(&o, 2);
            ext_body(&o, h, h->exts[i]);
            end_vec(&o, body, 2);
        }
        end_vec(&o, ex, 2);
    }
    ta_cur cur;
    ta_cur_init(&cur, o.b, o.n);
    memset(ch, 0, sizeof(*ch));
    assert_int_equal(ta_tls_parse_client_hello(ch, &cur),
                     h->malformed_ok ? TA_MALFORMED : TA_OK);
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* The specification's worked example. */
static const unsigned spec_ciphers[] = {0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030,
                                        0xcca9, 0xcca8, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f,
                                        0x0035};
static const unsigned spec_exts[] = {0x001b, 0x0000, 0x0033, 0x0010, 0x4469, 0x0017,
                                     0x002d, 0x000d, 0x0005, 0x0023, 0x0012, 0x002b,
                                     0xff01, 0x000b, 0x000a, 0x0015};
static const unsigned spec_sigalgs[] = {0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806,
                                        0x0601};
static const unsigned v13[] = {0x0304, 0x0303};
static const unsigned groups[] = {0x001d, 0x0017};

static hello spec_hello(void)
{
    hello h = {
        .legacy = 0x0303, .ciphers = spec_ciphers, .num_ciphers = N(spec_ciphers),
        .exts = spec_exts, .num_exts = N(spec_exts), .sigalgs = spec_sigalgs,
        .num_sigalgs = N(spec_sigalgs), .versions = v13, .num_versions = N(v13),
        .groups = groups, .num_groups = N(groups), .alpn = {"h2", "http/1.1", NULL},
        .sni = "example.com",
    };
    return h;
}

/* The JA4 of |h| into |out|, its JA4_r into |raw| (RAW_SIZE bytes) when
 * not NULL; the text size bound is checked on the way. */
#define RAW_SIZE 65536

static void ja4_of(const hello *h, char *out, char *raw)
{
    static char scratch[RAW_SIZE];
    ta_client_hello ch;
    parse_hello(h, &ch);
    size_t need = ta_fp_text_size(&ch, NULL);
    assert_true(need <= RAW_SIZE);
    assert_true(ta_fp_ja4(&ch, TA_FP_TCP, out, raw != NULL ? raw : scratch, need));
    /* One byte short of the raw form does not fit: false, never an overrun. */
    static char short_raw[RAW_SIZE];
    char small[TA_JA4_LEN + 1];
    assert_false(ta_fp_ja4(&ch, TA_FP_TCP, small, short_raw,
                           strlen(raw != NULL ? raw : scratch)));
    ta_client_hello_cleanup(&ch);
}

/* The JA3 string and hash of |h|. */
static void ja3_of(const hello *h, char *out, char *hash)
{
    ta_client_hello ch;
    parse_hello(h, &ch);
    size_t need = ta_fp_text_size(&ch, NULL);
    assert_true(need <= RAW_SIZE);
    assert_true(ta_fp_ja3(&ch, out, need, hash));
    ta_client_hello_cleanup(&ch);
}

/* JA4, JA4_r, the JA3 string and its hash of |h| are the ones given. */
static void expect_all(const hello *h, const char *want_ja4, const char *want_raw,
                       const char *want_ja3, const char *want_hash)
{
    char ja4[TA_JA4_LEN + 1];
    char text[RAW_SIZE];
    char hash[TA_JA3_HASH_LEN + 1];
    ja4_of(h, ja4, text);
    assert_string_equal(ja4, want_ja4);
    assert_string_equal(text, want_raw);
    ja3_of(h, text, hash);
    assert_string_equal(text, want_ja3);
    assert_string_equal(hash, want_hash);
}

/* ------------------------------------------------------------------------ */
/* JA4                                                                       */
/* ------------------------------------------------------------------------ */

static void test_ja4_spec_example(void **state)
{
    (void)state;
    hello h = spec_hello();
    char ja4[TA_JA4_LEN + 1];
    char raw[RAW_SIZE];
    ja4_of(&h, ja4, raw);
    assert_string_equal(ja4, "t13d1516h2_8daaf6152771_e5627efa2ab1");
    assert_string_equal(raw,
                        "t13d1516h2_002f,0035,009c,009d,1301,1302,1303,c013,c014,c02b,c02c,"
                        "c02f,c030,cca8,cca9_0005,000a,000b,000d,0012,0015,0017,001b,0023,"
                        "002b,002d,0033,4469,ff01_0403,0804,0401,0503,0805,0501,0806,0601");
}

/* GREASE in every list changes nothing. */
static void test_ja4_grease_everywhere(void **state)
{
    (void)state;
    static const unsigned c[] = {0x0a0a, 0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c,
                                 0xc030, 0xcca9, 0xcca8, 0xc013, 0xc014, 0x009c, 0x009d,
                                 0x002f, 0x0035, 0xfafa};
    static const unsigned e[] = {0x2a2a, 0x001b, 0x0000, 0x0033, 0x0010, 0x4469, 0x0017,
                                 0x002d, 0x000d, 0x0005, 0x0023, 0x0012, 0x002b, 0xff01,
                                 0x000b, 0x000a, 0x0015, 0x3a3a};
    static const unsigned s[] = {0x0403, 0x0804, 0x4a4a, 0x0401, 0x0503, 0x0805, 0x0501,
                                 0x0806, 0x0601};
    static const unsigned v[] = {0x5a5a, 0x0304, 0x0303};
    hello h = spec_hello();
    h.ciphers = c;
    h.num_ciphers = N(c);
    h.exts = e;
    h.num_exts = N(e);
    h.sigalgs = s;
    h.num_sigalgs = N(s);
    h.versions = v;
    h.num_versions = N(v);
    char ja4[TA_JA4_LEN + 1];
    ja4_of(&h, ja4, NULL);
    assert_string_equal(ja4, "t13d1516h2_8daaf6152771_e5627efa2ab1");
}

/* No SNI: 'i', and the extension count drops by one; the hash does not
 * change (server_name is never hashed).  An IP literal in server_name is
 * still the extension: 'd'. */
static void test_ja4_sni(void **state)
{
    (void)state;
    static const unsigned e[] = {0x001b, 0x0033, 0x0010, 0x4469, 0x0017, 0x002d, 0x000d,
                                 0x0005, 0x0023, 0x0012, 0x002b, 0xff01, 0x000b, 0x000a,
                                 0x0015};
    hello h = spec_hello();
    h.exts = e;
    h.num_exts = N(e);
    char ja4[TA_JA4_LEN + 1];
    ja4_of(&h, ja4, NULL);
    assert_string_equal(ja4, "t13i1515h2_8daaf6152771_e5627efa2ab1");
    h = spec_hello();
    h.sni = "192.0.2.7";
    ja4_of(&h, ja4, NULL);
    assert_string_equal(ja4, "t13d1516h2_8daaf6152771_e5627efa2ab1");
}

/* ALPN: none or an empty first value is "00"; one character counts twice;
 * a non-alphanumeric first or last byte gives the hex digits instead. */
static void test_ja4_alpn(void **state)
{
    (void)state;
    static const struct {
        const char *value;
        size_t len;
        const char *want;
    } cases[] = {
        {"http/1.1", 0, "h1"}, {"h", 0, "hh"}, {"\xab", 1, "ab"}, {"\xab\xcd", 2, "ad"},
        {"\x30\xab", 2, "3b"}, {"\x30\x31\xab\xcd", 4, "3d"}, {"\x30\xab\xcd\x31", 4, "01"},
    };
    char ja4[TA_JA4_LEN + 1];
    for (size_t i = 0; i < N(cases); i++) {
        hello h = spec_hello();
        h.alpn[0] = cases[i].value;
        h.alpn_len[0] = cases[i].len;
        h.alpn[1] = NULL;
        ja4_of(&h, ja4, NULL);
        assert_memory_equal(ja4 + 8, cases[i].want, 2);
    }
    static const unsigned no_alpn[] = {0x0000, 0x000d, 0x002b};
    hello h = spec_hello();
    h.exts = no_alpn;
    h.num_exts = N(no_alpn);
    ja4_of(&h, ja4, NULL);
    assert_memory_equal(ja4, "t13d150300_", 11);
}

/* Counts are capped at 99; the hash covers every value. */
static void test_ja4_counts_cap_at_99(void **state)
{
    (void)state;
    static unsigned c[150];
    static unsigned e[120];
    for (unsigned i = 0; i < N(c); i++) {
        c[i] = 0x0100 + i;
    }
    e[0] = 0x002b;
    e[1] = 0x000d;
    for (unsigned i = 2; i < N(e); i++) {
        e[i] = 0xf000 + i;       /* unknown types, empty bodies */
    }
    hello h = spec_hello();
    h.ciphers = c;
    h.num_ciphers = N(c);
    h.exts = e;
    h.num_exts = N(e);
    h.alpn[0] = NULL;
    char ja4[TA_JA4_LEN + 1];
    ja4_of(&h, ja4, NULL);
    assert_memory_equal(ja4, "t13i999900_", 11);
}

/* Versions: supported_versions wins over the legacy field; without it the
 * legacy version (SSL 3.0, TLS 1.0); an unknown one is "00". */
static void test_ja4_versions(void **state)
{
    (void)state;
    static const unsigned e[] = {0x0000, 0x000d};
    static const struct {
        unsigned legacy;
        const char *want;
    } cases[] = {{0x0300, "s3"}, {0x0301, "10"}, {0x0302, "11"}, {0x0303, "12"},
                 {0x0305, "00"}};
    char ja4[TA_JA4_LEN + 1];
    for (size_t i = 0; i < N(cases); i++) {
        hello h = spec_hello();
        h.legacy = cases[i].legacy;
        h.exts = e;
        h.num_exts = N(e);
        ja4_of(&h, ja4, NULL);
        assert_memory_equal(ja4 + 1, cases[i].want, 2);
    }
    hello h = spec_hello();    /* legacy 1.2, 1.3 only in supported_versions */
    ja4_of(&h, ja4, NULL);
    assert_memory_equal(ja4 + 1, "13", 2);
}

/* Without signature_algorithms the extension list is hashed alone, with
 * no trailing underscore; empty lists give twelve zeros. */
static void test_ja4_without_sigalgs_and_empty_lists(void **state)
{
    (void)state;
    /* The specification's list, its signature_algorithms extension empty. */
    hello h = spec_hello();
    h.num_sigalgs = 0;
    h.malformed_ok = true;
    char ja4[TA_JA4_LEN + 1];
    char raw[RAW_SIZE];
    ja4_of(&h, ja4, raw);
    assert_string_equal(ja4 + 24, "6d807ffa2a79");
    assert_string_equal(raw + strlen(raw) - 5, ",ff01");

    static const unsigned only_sni_alpn[] = {0x0000, 0x0010};
    h = spec_hello();
    h.num_ciphers = 0;
    h.malformed_ok = true;
    h.exts = only_sni_alpn;
    h.num_exts = N(only_sni_alpn);
    ja4_of(&h, ja4, NULL);
    assert_string_equal(ja4, "t12d0002h2_000000000000_000000000000");
}

/* An SSL 3.0 hello has no extensions at all: 'i', no ALPN, JA4_c and the
 * three JA3 lists after the ciphers empty. */
static void test_ssl3_hello_without_extensions(void **state)
{
    (void)state;
    static const unsigned c[] = {0x000a, 0x0005, 0x0004, 0x002f};
    hello h = {.legacy = 0x0300, .ciphers = c, .num_ciphers = N(c)};
    /* printf '0004,0005,000a,002f' | sha256sum | cut -c1-12, and
     * printf '768,10-5-4-47,,,' | md5sum */
    expect_all(&h, "ts3i040000_b50b69922db6_000000000000", "ts3i040000_0004,0005,000a,002f_",
               "768,10-5-4-47,,,", "f2ea5b3287e10e3b6c762c30ae1961b4");
}

/* A TLS 1.0 hello with extensions but without signature_algorithms (it
 * came with TLS 1.2): the extension text is hashed without a trailing
 * "_" and JA4_r ends with the extension list. */
static void test_tls10_hello_without_sigalgs(void **state)
{
    (void)state;
    static const unsigned c[] = {0xc014, 0xc013, 0x0035, 0x002f, 0x000a};
    static const unsigned e[] = {0x0000, 0x000b, 0x000a, 0x0023, 0xff01};
    hello h = {.legacy = 0x0301, .ciphers = c, .num_ciphers = N(c), .exts = e,
               .num_exts = N(e), .groups = groups, .num_groups = N(groups),
               .sni = "example.com"};
    /* printf '000a,002f,0035,c013,c014' | sha256sum | cut -c1-12,
     * printf '000a,000b,0023,ff01' | sha256sum | cut -c1-12, and
     * printf '769,49172-49171-53-47-10,0-11-10-35-65281,29-23,0' | md5sum */
    expect_all(&h, "t10d050500_3d5f77c53d45_8640e6c8629f",
               "t10d050500_000a,002f,0035,c013,c014_000a,000b,0023,ff01",
               "769,49172-49171-53-47-10,0-11-10-35-65281,29-23,0",
               "9cfc3efbc56e505aaf912ebd1ef5ce05");
}

/* TLS 1.3 offered only in supported_versions, under a TLS 1.0 legacy
 * version (and GREASE first): "13". */
static void test_tls13_only_in_supported_versions(void **state)
{
    (void)state;
    static const unsigned v[] = {0x7a7a, 0x0304};
    hello h = spec_hello();
    h.legacy = 0x0301;
    h.versions = v;
    h.num_versions = N(v);
    char ja4[TA_JA4_LEN + 1];
    ja4_of(&h, ja4, NULL);
    assert_string_equal(ja4, "t13d1516h2_8daaf6152771_e5627efa2ab1");
    char s[RAW_SIZE];
    char hash[TA_JA3_HASH_LEN + 1];
    ja3_of(&h, s, hash);
    assert_memory_equal(s, "769,", 4);    /* JA3 keeps the legacy field */
}

/* The longest list kept (TA_MAX_LIST suites): counts say 99, the hash
 * covers all 4096, and the text fits the size ta_fp_text_size gives.  A
 * longer list (the wire allows 32767 suites) is cut by the parser: no
 * fingerprint then rather than a wrong one. */
static void test_maximal_lists(void **state)
{
    (void)state;
    static unsigned c[32767];
    for (unsigned i = 0; i < N(c); i++) {
        c[i] = 0x0100 + i;
    }
    hello h = spec_hello();
    h.ciphers = c;
    h.num_ciphers = TA_MAX_LIST;
    char ja4[TA_JA4_LEN + 1];
    char raw[RAW_SIZE];
    ja4_of(&h, ja4, raw);
    /* The suites 0x0100..0x10ff but the GREASE 0x0a0a as "%04x" joined
     * by ",", sha256sum, 12 digits. */
    assert_string_equal(ja4, "t13d9916h2_3e21ffcf3362_e5627efa2ab1");
    assert_int_equal(strlen(raw), 11 + 5 * (TA_MAX_LIST - 1) + strlen("_0005,000a,000b,000d,0012,0015,"
                                                                "0017,001b,0023,002b,002d,0033,"
                                                                "4469,ff01_0403,0804,0401,0503,"
                                                                "0805,0501,0806,0601") - 1);

    h.num_ciphers = N(c);
    ta_client_hello ch;
    parse_hello(&h, &ch);
    assert_true(ch.cipher_suites.truncated);
    char hash[TA_JA3_HASH_LEN + 1];
    assert_false(ta_fp_ja3(&ch, raw, sizeof(raw), hash));
    assert_false(ta_fp_ja4(&ch, TA_FP_TCP, ja4, raw, sizeof(raw)));
    ta_client_hello_cleanup(&ch);
}

/* ------------------------------------------------------------------------ */
/* JA3 and JA3S                                                              */
/* ------------------------------------------------------------------------ */

static void test_ja3_string_and_md5(void **state)
{
    (void)state;
    static const unsigned c[] = {0x1a1a, 0x1301, 0x1302, 0x1303, 0xc02b};
    static const unsigned e[] = {0x2a2a, 0x0000, 0x000b, 0x000a, 0x002b};
    static const unsigned g[] = {0x3a3a, 0x001d, 0x0017};
    hello h = spec_hello();
    h.ciphers = c;
    h.num_ciphers = N(c);
    h.exts = e;
    h.num_exts = N(e);
    h.groups = g;
    h.num_groups = N(g);
    char s[RAW_SIZE];
    char hash[TA_JA3_HASH_LEN + 1];
    ja3_of(&h, s, hash);
    assert_string_equal(s, "771,4865-4866-4867-49195,0-11-10-43,29-23,0");
    /* printf '771,4865-4866-4867-49195,0-11-10-43,29-23,0' | md5sum */
    assert_string_equal(hash, "df89ef54683db038aae04be71b23119e");

    ta_client_hello ch;
    parse_hello(&h, &ch);
    char ja4[TA_JA4_LEN + 1];
    ch.sslv2 = true;
    assert_false(ta_fp_ja3(&ch, s, sizeof(s), hash));
    assert_false(ta_fp_ja4(&ch, TA_FP_TCP, ja4, s, sizeof(s)));
    ch.sslv2 = false;
    ta_client_hello_cleanup(&ch);
}

static void test_ja3s(void **state)
{
    (void)state;
    ta_server_hello sh;
    uint32_t exts[] = {0x002b, 0x0033};
    memset(&sh, 0, sizeof(sh));
    sh.legacy_version = 0x0303;
    sh.cipher_suite = 0x1301;
    sh.extensions.v = exts;
    sh.extensions.num = 2;
    char s[64];
    char hash[TA_JA3_HASH_LEN + 1];
    assert_true(ta_fp_text_size(NULL, &sh) <= sizeof(s));
    assert_true(ta_fp_ja3s(&sh, s, sizeof(s), hash));
    assert_string_equal(s, "771,4865,43-51");
    /* printf '771,4865,43-51' | md5sum */
    assert_string_equal(hash, "f4febc55ea12b31ae17cfb7e614afda8");
    assert_false(ta_fp_ja3s(&sh, s, strlen("771,4865,43-51"), hash));
    sh.sslv2 = true;
    assert_false(ta_fp_ja3s(&sh, s, sizeof(s), hash));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ja4_spec_example),
        cmocka_unit_test(test_ja4_grease_everywhere),
        cmocka_unit_test(test_ja4_sni),
        cmocka_unit_test(test_ja4_alpn),
        cmocka_unit_test(test_ja4_counts_cap_at_99),
        cmocka_unit_test(test_ja4_versions),
        cmocka_unit_test(test_ja4_without_sigalgs_and_empty_lists),
        cmocka_unit_test(test_ssl3_hello_without_extensions),
        cmocka_unit_test(test_tls10_hello_without_sigalgs),
        cmocka_unit_test(test_tls13_only_in_supported_versions),
        cmocka_unit_test(test_maximal_lists),
        cmocka_unit_test(test_ja3_string_and_md5),
        cmocka_unit_test(test_ja3s),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
