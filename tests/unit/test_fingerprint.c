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
    uint8_t b[8192];
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
    bytes o = {.n = 0};
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
    size_t ex = begin_vec(&o, 2);
    for (size_t i = 0; i < h->num_exts; i++) {
        put16(&o, h->exts[i]);
        size_t body = begin_vec(&o, 2);
        ext_body(&o, h, h->exts[i]);
        end_vec(&o, body, 2);
    }
    end_vec(&o, ex, 2);
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

static void ja4_of(const hello *h, char *out, ta_strbuf *raw)
{
    ta_client_hello ch;
    parse_hello(h, &ch);
    assert_true(ta_fp_ja4(&ch, TA_FP_TCP, out, raw));
    ta_client_hello_cleanup(&ch);
}

/* ------------------------------------------------------------------------ */
/* JA4                                                                       */
/* ------------------------------------------------------------------------ */

static void test_ja4_spec_example(void **state)
{
    (void)state;
    hello h = spec_hello();
    char ja4[TA_JA4_LEN + 1];
    ta_strbuf raw = {NULL, 0, 0, false};
    ja4_of(&h, ja4, &raw);
    assert_string_equal(ja4, "t13d1516h2_8daaf6152771_e5627efa2ab1");
    assert_string_equal(raw.s,
                        "t13d1516h2_002f,0035,009c,009d,1301,1302,1303,c013,c014,c02b,c02c,"
                        "c02f,c030,cca8,cca9_0005,000a,000b,000d,0012,0015,0017,001b,0023,"
                        "002b,002d,0033,4469,ff01_0403,0804,0401,0503,0805,0501,0806,0601");
    free(raw.s);
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
    ta_strbuf raw = {NULL, 0, 0, false};
    ja4_of(&h, ja4, &raw);
    assert_string_equal(ja4 + 24, "6d807ffa2a79");
    assert_string_equal(raw.s + strlen(raw.s) - 5, ",ff01");
    free(raw.s);

    static const unsigned only_sni_alpn[] = {0x0000, 0x0010};
    h = spec_hello();
    h.num_ciphers = 0;
    h.malformed_ok = true;
    h.exts = only_sni_alpn;
    h.num_exts = N(only_sni_alpn);
    ja4_of(&h, ja4, NULL);
    assert_string_equal(ja4, "t12d0002h2_000000000000_000000000000");
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
    ta_client_hello ch;
    parse_hello(&h, &ch);
    ta_strbuf s = {NULL, 0, 0, false};
    char hash[TA_JA3_HASH_LEN + 1];
    assert_true(ta_fp_ja3(&ch, &s, hash));
    assert_string_equal(s.s, "771,4865-4866-4867-49195,0-11-10-43,29-23,0");
    /* printf '771,4865-4866-4867-49195,0-11-10-43,29-23,0' | md5sum */
    assert_string_equal(hash, "df89ef54683db038aae04be71b23119e");
    free(s.s);
    ch.sslv2 = true;
    s.s = NULL;
    s.len = s.cap = 0;
    assert_false(ta_fp_ja3(&ch, &s, hash));
    assert_false(ta_fp_ja4(&ch, TA_FP_TCP, hash, NULL));
    assert_null(s.s);
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
    ta_strbuf s = {NULL, 0, 0, false};
    char hash[TA_JA3_HASH_LEN + 1];
    assert_true(ta_fp_ja3s(&sh, &s, hash));
    assert_string_equal(s.s, "771,4865,43-51");
    assert_int_equal(strlen(hash), TA_JA3_HASH_LEN);
    free(s.s);
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
        cmocka_unit_test(test_ja3_string_and_md5),
        cmocka_unit_test(test_ja3s),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
