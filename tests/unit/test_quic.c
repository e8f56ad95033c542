/*
 * test_quic.c - unit tests for the QUIC core: packet headers and packet
 * protection (src/quic.c), frames (src/quic_frame.c), CRYPTO reassembly
 * (src/quic_crypto.c) and transport parameters (src/quic_tp.c).
 *
 * Known answers come from RFC 9001 Appendix A (v1) and RFC 9369 Appendix A
 * (v2), transcribed into tests/unit/quic_vectors.txt: keys from the client's
 * DCID, the client and server Initial opened and re-protected byte for
 * byte, the Retry integrity tag, the ChaCha20-Poly1305 short header packet.
 * Negative cases: one byte short, a length one too large, a bad tag, the
 * wrong DCID, fields beyond their limits.  The reassembly tests split the
 * RFC's ClientHello over three Initial packets sealed with the RFC's keys
 * and deliver them out of order.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ta_decrypt.h"
#include "ta_keylog.h"
#include "ta_quic.h"
#include "ta_quic_crypto.h"
#include "ta_quic_frame.h"
#include "ta_quic_tp.h"
#include "ta_tls_msg.h"

/* ---- test vectors -------------------------------------------------------- */

#define MAX_VECTORS 128
#define MAX_VECTOR_LEN 1500

typedef struct {
    char name[48];
    uint8_t b[MAX_VECTOR_LEN];
    size_t len;
} vector;

static vector vectors[MAX_VECTORS];
static size_t num_vectors;

static int hexval(int c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    return -1;
}

/* Appends the hex digits of |text| to |v| (spaces skipped). */
static void add_hex(vector *v, const char *text)
{
    int hi = -1;
    for (const char *p = text; *p != '\0'; p++) {
        int x = hexval(*p);
        if (x < 0) {
            continue;
        }
        if (hi < 0) {
            hi = x;
            continue;
        }
        assert_true(v->len < MAX_VECTOR_LEN);
        v->b[v->len++] = (uint8_t)(hi << 4 | x);
        hi = -1;
    }
    assert_int_equal(hi, -1);
}

/* Loads tests/unit/quic_vectors.txt (run from the top of the tree, as
 * make check does; QUIC_VECTORS overrides the path). */
static int load_vectors(void **state)
{
    (void)state;
    const char *path = getenv("QUIC_VECTORS");
    FILE *f = fopen(path != NULL ? path : "tests/unit/quic_vectors.txt", "r");
    char line[256];
    vector *cur = NULL;
    if (f == NULL) {
        fprintf(stderr, "test_quic: cannot open the vectors file (run from the tree's top)\n");
        return -1;
    }
    num_vectors = 0;
    while (fgets(line, sizeof(line), f) != NULL) {
        if (line[0] == '#' || line[0] == '\n') {
            cur = NULL;
            continue;
        }
        if ((line[0] == ' ' || line[0] == '\t') && cur != NULL) {
            add_hex(cur, line);
            continue;
        }
        char *eq = strchr(line, '=');
        if (eq == NULL || num_vectors == MAX_VECTORS) {
            fclose(f);
            return -1;
        }
        cur = &vectors[num_vectors++];
        memset(cur, 0, sizeof(*cur));
        char *end = eq;
        while (end > line && end[-1] == ' ') {
            end--;
        }
        snprintf(cur->name, sizeof(cur->name), "%.*s", (int)(end - line), line);
        add_hex(cur, eq + 1);
    }
    fclose(f);
    return 0;
}

static const vector *vec(const char *name)
{
    for (size_t i = 0; i < num_vectors; i++) {
        if (strcmp(vectors[i].name, name) == 0) {
            return &vectors[i];
        }
    }
    fail_msg("no vector %s", name);
    return NULL;
}

/* The vector for version prefix |v| ("v1", "v2") and |what|. */
static const vector *vvec(const char *v, const char *what)
{
    char name[64];
    snprintf(name, sizeof(name), "%s.%s", v, what);
    return vec(name);
}

static void expect_bytes(const uint8_t *got, size_t len, const vector *want)
{
    assert_int_equal(len, want->len);
    assert_memory_equal(got, want->b, len);
}

static ta_cur cur_of(const vector *v)
{
    ta_cur c;
    ta_cur_init(&c, v->b, v->len);
    return c;
}

static const ta_quic_version *version_of(const char *v)
{
    return ta_quic_version_lookup(strcmp(v, "v1") == 0 ? 0x00000001u : 0x6b3343cfu);
}

/* ---- versions ------------------------------------------------------------ */

static void expect_name(uint32_t number, const char *want)
{
    char name[32];
    assert_string_equal(ta_quic_version_name(number, name, sizeof(name)), want);
}

static void test_versions(void **state)
{
    (void)state;
    const ta_quic_version *v1 = ta_quic_version_lookup(1);
    const ta_quic_version *v2 = ta_quic_version_lookup(0x6b3343cf);
    assert_non_null(v1);
    assert_int_equal(v1->kind, TA_QUIC_VER_V1);
    assert_string_equal(v1->label, "quic");
    assert_false(v1->v2_types);
    assert_non_null(v2);
    assert_string_equal(v2->label, "quicv2");
    assert_true(v2->v2_types);
    for (uint32_t d = 29; d <= 34; d++) {
        const ta_quic_version *v = ta_quic_version_lookup(0xff000000u | d);
        assert_non_null(v);
        assert_int_equal(v->draft, d);
        assert_non_null(v->salt);
        assert_non_null(v->retry_key);
        /* Drafts 33 and 34 took the final salt. */
        assert_true((d >= 33) == (memcmp(v->salt, v1->salt, TA_QUIC_SALT_LEN) == 0));
    }
    assert_non_null(ta_quic_version_lookup(0xfaceb002));
    assert_null(ta_quic_version_lookup(0));
    assert_null(ta_quic_version_lookup(0x12345678));
    assert_null(ta_quic_version_lookup(0xff000016));
    assert_int_equal(ta_quic_version_lookup(0x1a2a3a4a)->kind, TA_QUIC_VER_RESERVED);
    expect_name(1, "v1");
    expect_name(0x6b3343cf, "v2");
    expect_name(0xff00001d, "draft-29");
    expect_name(0xff000022, "draft-34");
    expect_name(0xfaceb002, "mvfst 0xfaceb002");
    expect_name(0x54303531, "gQUIC T051");
    expect_name(0x0a0a0a0a, "reserved 0x0a0a0a0a");
    expect_name(0, "negotiation");
    expect_name(0x12345678, "0x12345678");
}

/* ---- keys (RFC 9001 A.1, RFC 9369 A.1) ----------------------------------- */

static void check_initial_keys(const char *v)
{
    const ta_quic_version *ver = version_of(v);
    ta_cur dcid = cur_of(vec("dcid"));
    uint8_t initial[32];
    uint8_t client[32];
    uint8_t server[32];
    ta_quic_keys ck;
    ta_quic_keys sk;

    assert_true(ta_dec_hkdf_extract("SHA256", ver->salt, TA_QUIC_SALT_LEN, ta_cur_data(&dcid),
                                    ta_cur_len(&dcid), initial, sizeof(initial)));
    expect_bytes(initial, 32, vvec(v, "initial_secret"));
    assert_true(ta_quic_initial_secrets(ver, &dcid, client, server));
    expect_bytes(client, 32, vvec(v, "client_initial_secret"));
    expect_bytes(server, 32, vvec(v, "server_initial_secret"));
    assert_true(ta_quic_initial_keys(&ck, &sk, ver, &dcid));
    assert_int_equal(ck.suite->suite, 0x1301);
    expect_bytes(ck.key, 16, vvec(v, "client.key"));
    expect_bytes(ck.iv, 12, vvec(v, "client.iv"));
    expect_bytes(ck.hp, 16, vvec(v, "client.hp"));
    expect_bytes(sk.key, 16, vvec(v, "server.key"));
    expect_bytes(sk.iv, 12, vvec(v, "server.iv"));
    expect_bytes(sk.hp, 16, vvec(v, "server.hp"));
}

static void test_v1_keys(void **state)
{
    (void)state;
    check_initial_keys("v1");
}

static void test_v2_keys(void **state)
{
    (void)state;
    check_initial_keys("v2");
}

/* No salt, no Initial keys: an unknown version, or CCM_8 for others. */
static void test_keys_refused(void **state)
{
    (void)state;
    ta_cur dcid = cur_of(vec("dcid"));
    ta_quic_keys k;
    uint8_t secret[32] = {0};
    assert_false(ta_quic_initial_keys(&k, NULL, NULL, &dcid));
    assert_false(ta_quic_keys_from_secret(&k, version_of("v1"), ta_dec_suite(0x1305), secret, 32));
    assert_null(k.suite);
    assert_false(ta_quic_keys_from_secret(&k, version_of("v1"), ta_dec_suite(0xc02f), secret, 32));
    assert_false(ta_quic_keys_from_secret(&k, version_of("v1"), ta_dec_suite(0x1302), secret, 32));
    assert_true(ta_quic_keys_from_secret(&k, version_of("v1"), ta_dec_suite(0x1304), secret, 32));
    /* A zero-length DCID is a valid key input. */
    ta_cur empty = {NULL, 0};
    assert_true(ta_quic_initial_keys(&k, NULL, version_of("v1"), &empty));
}

/* HKDF labels as RFC 9001 A.1 and RFC 9369 A.1 spell them out: the HkdfLabel
 * structure for each of our labels, rebuilt here from the RFC 8446 7.1
 * layout, must be the RFC's bytes; then the derived keys prove that
 * decrypt.c builds the same. */
static void test_hkdf_labels(void **state)
{
    (void)state;
    static const struct {
        const char *vector;
        const char *label;
        unsigned len;
    } labels[] = {
        {"v1.label.client_in", "client in", 32}, {"v1.label.server_in", "server in", 32},
        {"v1.label.key", "quic key", 16},        {"v1.label.iv", "quic iv", 12},
        {"v1.label.hp", "quic hp", 16},          {"v2.label.key", "quicv2 key", 16},
        {"v2.label.iv", "quicv2 iv", 12},        {"v2.label.hp", "quicv2 hp", 16},
    };
    for (size_t i = 0; i < sizeof(labels) / sizeof(labels[0]); i++) {
        uint8_t info[64];
        size_t n = 0;
        size_t llen = 6 + strlen(labels[i].label);
        info[n++] = 0;
        info[n++] = (uint8_t)labels[i].len;
        info[n++] = (uint8_t)llen;
        memcpy(info + n, "tls13 ", 6);
        memcpy(info + n + 6, labels[i].label, llen - 6);
        n += llen;
        info[n++] = 0;
        expect_bytes(info, n, vec(labels[i].vector));
    }
}

/* ---- Initial packets (RFC 9001 A.2, A.3; RFC 9369 A.2, A.3) -------------- */

static uint8_t plain[2048];
static uint8_t pkt[2048];           /* a packet being built or changed */

/* The client's payload: the CRYPTO frame, then PADDING to 1162 bytes. */
static size_t client_payload(uint8_t *out)
{
    const vector *cf = vec("client.crypto_frame");
    memset(out, 0, 1162);
    memcpy(out, cf->b, cf->len);
    return 1162;
}

static void open_client_initial(const char *v)
{
    const vector *packet = vvec(v, "client.packet");
    ta_cur dgram = cur_of(packet);
    ta_cur dcid = cur_of(vec("dcid"));
    ta_quic_header h;
    ta_quic_keys ck;
    ta_quic_keys sk;
    ta_quic_opened o;
    uint8_t want[1162];

    assert_int_equal(ta_quic_parse_header(&h, &dgram, 0), TA_OK);
    assert_int_equal(ta_cur_len(&dgram), 0);
    assert_int_equal(h.type, TA_QUIC_PKT_INITIAL);
    assert_ptr_equal(h.ver, version_of(v));
    assert_int_equal(ta_cur_len(&h.dcid), 8);
    assert_memory_equal(ta_cur_data(&h.dcid), ta_cur_data(&dcid), 8);
    assert_int_equal(ta_cur_len(&h.scid), 0);
    assert_int_equal(ta_cur_len(&h.token), 0);
    assert_int_equal(h.pn_offset, 18);
    assert_int_equal(ta_cur_len(&h.packet), 1200);

    assert_true(ta_quic_initial_keys(&ck, &sk, h.ver, &h.dcid));
    assert_int_equal(ta_quic_open(&ck, &h, -1, plain, sizeof(plain), &o), TA_DECRYPT_OK);
    assert_int_equal(o.first, vvec(v, "client.header")->b[0]);
    assert_int_equal(o.pn_len, 4);
    assert_int_equal(o.pn, 2);
    assert_false(o.reserved_bits);
    assert_int_equal(o.payload_len, client_payload(want));
    assert_memory_equal(plain, want, sizeof(want));

    /* The server's keys, or keys from another DCID, do not open it. */
    assert_int_equal(ta_quic_open(&sk, &h, -1, plain, sizeof(plain), &o), TA_DECRYPT_AUTH_FAILED);
    uint8_t other[8] = {0x83, 0x94, 0xc8, 0xf0, 0x3e, 0x51, 0x57, 0x09};
    ta_cur wrong;
    ta_cur_init(&wrong, other, sizeof(other));
    assert_true(ta_quic_initial_keys(&ck, NULL, h.ver, &wrong));
    assert_int_equal(ta_quic_open(&ck, &h, -1, plain, sizeof(plain), &o), TA_DECRYPT_AUTH_FAILED);
    assert_int_equal(o.payload_len, 0);
}

/* Protecting the RFC's unprotected header and payload gives the RFC's
 * protected packet, byte for byte. */
static void protect_client_initial(const char *v)
{
    const vector *hdr = vvec(v, "client.header");
    ta_cur dcid = cur_of(vec("dcid"));
    ta_quic_keys ck;
    ta_cur payload;
    size_t len = 0;

    assert_true(ta_quic_initial_keys(&ck, NULL, version_of(v), &dcid));
    ta_cur_init(&payload, plain, client_payload(plain));
    memset(pkt, 0, sizeof(pkt));
    memcpy(pkt, hdr->b, hdr->len);
    assert_true(ta_quic_protect(&ck, pkt, sizeof(pkt), 18, 2, &payload, &len));
    expect_bytes(pkt, len, vvec(v, "client.packet"));
    /* The sample and mask the RFC shows. */
    assert_memory_equal(pkt + 22, vvec(v, "client.sample")->b, 16);
    expect_bytes(pkt, 22, vvec(v, "client.protected_header"));
    /* Too small a buffer is refused. */
    memcpy(pkt, hdr->b, hdr->len);
    assert_false(ta_quic_protect(&ck, pkt, 1199, 18, 2, &payload, &len));
}

static void test_v1_client_initial(void **state)
{
    (void)state;
    open_client_initial("v1");
    protect_client_initial("v1");
}

static void test_v2_client_initial(void **state)
{
    (void)state;
    open_client_initial("v2");
    protect_client_initial("v2");
}

static void server_initial(const char *v)
{
    const vector *packet = vvec(v, "server.packet");
    const vector *payload = vec("server.payload");
    const vector *hdr = vvec(v, "server.header");
    ta_cur dgram = cur_of(packet);
    ta_cur dcid = cur_of(vec("dcid"));
    ta_quic_header h;
    ta_quic_keys sk;
    ta_quic_opened o;
    size_t len = 0;

    assert_int_equal(ta_quic_parse_header(&h, &dgram, 0), TA_OK);
    assert_int_equal(h.type, TA_QUIC_PKT_INITIAL);
    assert_int_equal(ta_cur_len(&h.dcid), 0);
    assert_int_equal(ta_cur_len(&h.scid), 8);
    assert_int_equal(h.pn_offset, 18);
    /* The server's packets use the keys of the client's first DCID. */
    assert_true(ta_quic_initial_keys(NULL, &sk, h.ver, &dcid));
    assert_int_equal(ta_quic_open(&sk, &h, 0, plain, sizeof(plain), &o), TA_DECRYPT_OK);
    assert_int_equal(o.pn_len, 2);
    assert_int_equal(o.pn, 1);
    expect_bytes(plain, o.payload_len, payload);

    ta_cur pl = cur_of(payload);
    memcpy(pkt, hdr->b, hdr->len);
    assert_true(ta_quic_protect(&sk, pkt, sizeof(pkt), 18, 1, &pl, &len));
    expect_bytes(pkt, len, packet);
    expect_bytes(pkt, 20, vvec(v, "server.protected_header"));
}

static void test_v1_server_initial(void **state)
{
    (void)state;
    server_initial("v1");
}

static void test_v2_server_initial(void **state)
{
    (void)state;
    server_initial("v2");
}

/* ---- Retry (RFC 9001 A.4, 5.8; RFC 9369 A.4, 3.3.3) ---------------------- */

static void retry(const char *v)
{
    const vector *packet = vvec(v, "retry.packet");
    ta_cur dgram = cur_of(packet);
    ta_cur odcid = cur_of(vec("dcid"));
    ta_quic_header h;
    uint8_t key[16];
    uint8_t nonce[12];
    const vector *secret = vvec(v, "retry.secret");
    char label[32];

    /* The tag key and nonce are the secret's "quic key" / "quicv2 iv". */
    snprintf(label, sizeof(label), "%s key", strcmp(v, "v1") == 0 ? "quic" : "quicv2");
    assert_true(ta_dec_expand_label("SHA256", secret->b, 32, label, key, 16));
    expect_bytes(key, 16, vvec(v, "retry.key"));
    snprintf(label, sizeof(label), "%s iv", strcmp(v, "v1") == 0 ? "quic" : "quicv2");
    assert_true(ta_dec_expand_label("SHA256", secret->b, 32, label, nonce, 12));
    expect_bytes(nonce, 12, vvec(v, "retry.nonce"));
    assert_memory_equal(version_of(v)->retry_key, key, 16);
    assert_memory_equal(version_of(v)->retry_nonce, nonce, 12);

    assert_int_equal(ta_quic_parse_header(&h, &dgram, 0), TA_OK);
    assert_int_equal(h.type, TA_QUIC_PKT_RETRY);
    assert_int_equal(ta_cur_len(&h.scid), 8);
    assert_int_equal(ta_cur_len(&h.token), 5);
    assert_memory_equal(ta_cur_data(&h.token), "token", 5);
    assert_int_equal(ta_cur_len(&h.retry_tag), 16);
    assert_int_equal(ta_quic_retry_verify(&h, &odcid), TA_DECRYPT_OK);

    /* Another original DCID, a changed tag or token: refused. */
    uint8_t other[8];
    memcpy(other, ta_cur_data(&odcid), 8);
    other[7] ^= 1;
    ta_cur wrong;
    ta_cur_init(&wrong, other, sizeof(other));
    assert_int_equal(ta_quic_retry_verify(&h, &wrong), TA_DECRYPT_AUTH_FAILED);
    memcpy(pkt, packet->b, packet->len);
    const size_t changed[] = {packet->len - 1, 15};     /* tag, token */
    for (size_t i = 0; i < 2; i++) {
        size_t at = changed[i];
        pkt[at] ^= 0x80;
        ta_cur_init(&dgram, pkt, packet->len);
        assert_int_equal(ta_quic_parse_header(&h, &dgram, 0), TA_OK);
        assert_int_equal(ta_quic_retry_verify(&h, &odcid), TA_DECRYPT_AUTH_FAILED);
        pkt[at] ^= 0x80;
    }
    /* A Retry too short for its tag. */
    ta_cur_init(&dgram, packet->b, 1 + 4 + 1 + 1 + 8 + 15);
    assert_int_equal(ta_quic_parse_header(&h, &dgram, 0), TA_TRUNCATED);
    /* Not a Retry. */
    dgram = cur_of(vvec(v, "server.packet"));
    assert_int_equal(ta_quic_parse_header(&h, &dgram, 0), TA_OK);
    assert_int_equal(ta_quic_retry_verify(&h, &odcid), TA_DECRYPT_MALFORMED);
}

static void test_v1_retry(void **state)
{
    (void)state;
    retry("v1");
}

static void test_v2_retry(void **state)
{
    (void)state;
    retry("v2");
}

/* ---- ChaCha20-Poly1305 short header (RFC 9001 A.5, RFC 9369 A.5) --------- */

static void chacha(const char *v)
{
    const vector *secret = vec("chacha.secret");
    const vector *packet = vvec(v, "chacha.packet");
    ta_quic_keys k;
    ta_quic_header h;
    ta_quic_opened o;
    uint8_t ku[32];
    char label[32];
    size_t len = 0;

    assert_true(ta_quic_keys_from_secret(&k, version_of(v), ta_dec_suite(0x1303), secret->b, 32));
    expect_bytes(k.key, 32, vvec(v, "chacha.key"));
    expect_bytes(k.iv, 12, vvec(v, "chacha.iv"));
    expect_bytes(k.hp, 32, vvec(v, "chacha.hp"));
    snprintf(label, sizeof(label), "%s ku", version_of(v)->label);
    assert_true(ta_dec_expand_label("SHA256", secret->b, 32, label, ku, 32));
    expect_bytes(ku, 32, vvec(v, "chacha.ku"));

    ta_cur dgram = cur_of(packet);
    assert_int_equal(ta_quic_parse_header(&h, &dgram, 0), TA_OK);
    assert_int_equal(h.type, TA_QUIC_PKT_SHORT);
    assert_int_equal(h.pn_offset, 1);
    /* 49140 encoded in 3 bytes is 654360564 next to the one before it. */
    assert_int_equal(ta_quic_open(&k, &h, 654360563, plain, sizeof(plain), &o), TA_DECRYPT_OK);
    assert_int_equal(o.pn, 654360564);
    assert_int_equal(o.pn_len, 3);
    assert_false(o.key_phase);
    expect_bytes(plain, o.payload_len, vec("chacha.plaintext"));
    /* Far from the largest seen, the same bits mean another number. */
    assert_int_equal(ta_quic_open(&k, &h, -1, plain, sizeof(plain), &o), TA_DECRYPT_AUTH_FAILED);

    const vector *hdr = vec("chacha.header");
    ta_cur payload = cur_of(vec("chacha.plaintext"));
    memcpy(pkt, hdr->b, hdr->len);
    assert_true(ta_quic_protect(&k, pkt, sizeof(pkt), 1, 654360564, &payload, &len));
    expect_bytes(pkt, len, packet);
    /* One byte less and there is no sample. */
    ta_cur_init(&dgram, packet->b, packet->len - 1);
    assert_int_equal(ta_quic_parse_header(&h, &dgram, 0), TA_OK);
    assert_int_equal(ta_quic_open(&k, &h, 654360563, plain, sizeof(plain), &o),
                     TA_DECRYPT_MALFORMED);
}

static void test_v1_chacha_short(void **state)
{
    (void)state;
    chacha("v1");
}

static void test_v2_chacha_short(void **state)
{
    (void)state;
    chacha("v2");
}

/* Keys for Handshake packets from a key log line, with QUIC's labels: the
 * A.5 secret logged as a client handshake traffic secret gives A.5's keys. */
static void test_keys_from_keylog(void **state)
{
    (void)state;
    static const char random_hex[] =
        "7e65f0488a78dbdca59ed618fd6b6e2a74d2fc3991e7b5d3c1f75cce1c121328";
    uint8_t random[32];
    char text[256];
    const vector *secret = vec("chacha.secret");
    size_t n = (size_t)snprintf(text, sizeof(text), "CLIENT_HANDSHAKE_TRAFFIC_SECRET %s ",
                                random_hex);
    for (size_t i = 0; i < secret->len; i++) {
        n += (size_t)snprintf(text + n, sizeof(text) - n, "%02x", secret->b[i]);
    }
    for (size_t i = 0; i < 32; i++) {
        random[i] = (uint8_t)(hexval(random_hex[2 * i]) << 4 | hexval(random_hex[2 * i + 1]));
    }
    ta_keylog *kl = ta_keylog_new();
    ta_cur t;
    ta_quic_keys k;
    assert_non_null(kl);
    ta_cur_init(&t, (const uint8_t *)text, n);
    assert_int_equal(ta_keylog_parse(kl, &t, NULL, NULL), 1);
    assert_true(ta_quic_keys_from_keylog(&k, kl, random, TA_KL_CLIENT_HS_TRAFFIC,
                                         version_of("v2"), 0x1303));
    expect_bytes(k.key, 32, vec("v2.chacha.key"));
    expect_bytes(k.hp, 32, vec("v2.chacha.hp"));
    /* Not logged, wrong size for the suite, no key log. */
    assert_false(ta_quic_keys_from_keylog(&k, kl, random, TA_KL_SERVER_HS_TRAFFIC,
                                          version_of("v1"), 0x1303));
    assert_false(ta_quic_keys_from_keylog(&k, kl, random, TA_KL_CLIENT_HS_TRAFFIC,
                                          version_of("v1"), 0x1302));
    assert_null(k.suite);
    assert_false(ta_quic_keys_from_keylog(&k, NULL, random, TA_KL_CLIENT_HS_TRAFFIC,
                                          version_of("v1"), 0x1301));
    ta_keylog_free(kl);
}

/* RFC 9000 A.3 and its edges. */
static void test_pn_decode(void **state)
{
    (void)state;
    assert_true(ta_quic_decode_pn(0xa82f30ea, 0x9b32, 2) == 0xa82f9b32);
    assert_int_equal(ta_quic_decode_pn(-1, 0, 1), 0);
    assert_int_equal(ta_quic_decode_pn(-1, 2, 4), 2);
    assert_int_equal(ta_quic_decode_pn(0xff, 0x00, 1), 0x100);
    assert_int_equal(ta_quic_decode_pn(0x100, 0xff, 1), 0xff);
    assert_int_equal(ta_quic_decode_pn(10, 0xfe, 1), 0xfe);
}

/* ---- header negative cases ----------------------------------------------- */

/* Every prefix of the client Initial that cuts its header or its Length is
 * truncated, and leaves the cursor where it was; a Length one too large
 * reads as truncated too. */
static void test_header_short(void **state)
{
    (void)state;
    const vector *packet = vec("v1.client.packet");
    ta_quic_header h;
    for (size_t n = 0; n < packet->len; n++) {
        ta_cur c;
        ta_cur_init(&c, packet->b, n);
        assert_int_equal(ta_quic_parse_header(&h, &c, 0), TA_TRUNCATED);
        assert_int_equal(ta_cur_len(&c), n);
    }
    memcpy(pkt, packet->b, packet->len);
    pkt[17]++;                              /* Length 0x449e -> 0x449f */
    ta_cur c;
    ta_cur_init(&c, pkt, packet->len);
    assert_int_equal(ta_quic_parse_header(&h, &c, 0), TA_TRUNCATED);
    /* Bytes after the Length are the next packet's. */
    pkt[17] -= 2;
    ta_cur_init(&c, pkt, packet->len);
    assert_int_equal(ta_quic_parse_header(&h, &c, 0), TA_OK);
    assert_int_equal(ta_cur_len(&c), 1);
    assert_int_equal(ta_cur_len(&h.packet), 1199);
}

static void test_header_limits(void **state)
{
    (void)state;
    ta_quic_header h;
    ta_cur c;
    /* A 21-byte DCID in v1 is malformed; in an unknown version the
     * invariants allow it. */
    uint8_t b[64] = {0xc0, 0, 0, 0, 1, 21};
    ta_cur_init(&c, b, sizeof(b));
    assert_int_equal(ta_quic_parse_header(&h, &c, 0), TA_MALFORMED);
    b[4] = 7;
    ta_cur_init(&c, b, sizeof(b));
    assert_int_equal(ta_quic_parse_header(&h, &c, 0), TA_OK);
    assert_int_equal(h.type, TA_QUIC_PKT_UNKNOWN_LONG);
    assert_int_equal(ta_cur_len(&h.dcid), 21);
    assert_int_equal(ta_cur_len(&c), 0);
    /* Version Negotiation: 2 versions, then a list 1 byte off. */
    uint8_t vn[] = {0x80, 0, 0, 0, 0, 1, 0xaa, 1, 0xbb, 0, 0, 0, 1, 0xff, 0, 0, 0x1d};
    ta_cur_init(&c, vn, sizeof(vn));
    assert_int_equal(ta_quic_parse_header(&h, &c, 0), TA_OK);
    assert_int_equal(h.type, TA_QUIC_PKT_VERSION_NEG);
    assert_int_equal(ta_cur_len(&h.versions), 8);
    assert_true(ta_quic_sniff(&h.packet));
    ta_cur_init(&c, vn, sizeof(vn) - 1);
    assert_int_equal(ta_quic_parse_header(&h, &c, 0), TA_MALFORMED);
    /* A short header needs its DCID. */
    uint8_t sh[] = {0x40, 1, 2, 3};
    ta_cur_init(&c, sh, sizeof(sh));
    assert_int_equal(ta_quic_parse_header(&h, &c, 8), TA_TRUNCATED);
    assert_int_equal(ta_quic_parse_header(&h, &c, 21), TA_MALFORMED);
    assert_int_equal(ta_quic_parse_header(&h, &c, 2), TA_OK);
    assert_int_equal(h.pn_offset, 3);
    /* Retry and VN carry no packet number to open. */
    ta_quic_keys k;
    ta_quic_opened o;
    ta_cur dcid = cur_of(vec("dcid"));
    assert_true(ta_quic_initial_keys(&k, NULL, version_of("v1"), &dcid));
    ta_cur_init(&c, vn, sizeof(vn));
    assert_int_equal(ta_quic_parse_header(&h, &c, 0), TA_OK);
    assert_int_equal(ta_quic_open(&k, &h, -1, plain, sizeof(plain), &o), TA_DECRYPT_MALFORMED);
    ta_quic_keys none = {0};
    assert_int_equal(ta_quic_open(&none, &h, -1, plain, sizeof(plain), &o), TA_DECRYPT_ERROR);
}

/* Any single changed byte of the protected client Initial (header or
 * payload) makes it fail to open or parse: the header is authenticated. */
static void test_bad_bytes(void **state)
{
    (void)state;
    const vector *packet = vec("v1.client.packet");
    ta_cur dcid = cur_of(vec("dcid"));
    ta_quic_keys k;
    assert_true(ta_quic_initial_keys(&k, NULL, version_of("v1"), &dcid));
    static const size_t at[] = {0, 5, 13, 18, 19, 21, 22, 40, 600, 1183, 1199};
    for (size_t i = 0; i < sizeof(at) / sizeof(at[0]); i++) {
        ta_quic_header h;
        ta_quic_opened o;
        ta_cur c;
        memcpy(pkt, packet->b, packet->len);
        pkt[at[i]] ^= 0x04;
        ta_cur_init(&c, pkt, packet->len);
        if (ta_quic_parse_header(&h, &c, 0) != TA_OK || h.type != TA_QUIC_PKT_INITIAL) {
            continue;
        }
        assert_int_not_equal(ta_quic_open(&k, &h, -1, plain, sizeof(plain), &o), TA_DECRYPT_OK);
    }
}

/* ---- datagrams ----------------------------------------------------------- */

/* A server Initial, a Handshake packet for the same DCID (empty), a packet
 * for another DCID and zero padding, walked as one datagram. */
static void test_datagram(void **state)
{
    (void)state;
    const vector *si = vec("v1.server.packet");
    uint8_t d[512];
    size_t n = 0;
    memcpy(d, si->b, si->len);
    n += si->len;
    /* Handshake, v1, empty DCID, 8-byte SCID, Length 20. */
    static const uint8_t hs[] = {0xe0, 0, 0, 0, 1, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8, 20};
    memcpy(d + n, hs, sizeof(hs));
    n += sizeof(hs);
    memset(d + n, 0x5a, 20);
    n += 20;
    size_t before_padding = n;
    memset(d + n, 0, 30);
    n += 30;

    ta_cur payload;
    ta_quic_datagram dg;
    ta_quic_header h;
    ta_cur_init(&payload, d, n);
    ta_quic_datagram_init(&dg, &payload, 0);
    assert_true(ta_quic_datagram_next(&dg, &h));
    assert_int_equal(h.type, TA_QUIC_PKT_INITIAL);
    assert_true(ta_quic_datagram_next(&dg, &h));
    assert_int_equal(h.type, TA_QUIC_PKT_HANDSHAKE);
    assert_int_equal(ta_cur_len(&h.packet), sizeof(hs) + 20);
    assert_false(ta_quic_datagram_next(&dg, &h));
    assert_int_equal(dg.status, TA_OK);
    assert_int_equal(dg.num_packets, 2);
    assert_int_equal(dg.padding_len, 30);
    assert_true(ta_quic_sniff(&payload));

    /* A packet for another connection after them is not theirs. */
    static const uint8_t other[] = {0xe0, 0, 0, 0, 1, 1, 9, 0, 1, 0};
    memcpy(d + before_padding, other, sizeof(other));
    ta_quic_datagram_init(&dg, &payload, 0);
    assert_true(ta_quic_datagram_next(&dg, &h));
    assert_true(ta_quic_datagram_next(&dg, &h));
    assert_false(ta_quic_datagram_next(&dg, &h));
    assert_int_equal(dg.num_packets, 2);
    assert_int_equal(dg.padding_len, 30);

    /* A Handshake packet whose Length runs past the datagram stops the walk. */
    ta_cur_init(&payload, d, before_padding - 1);
    ta_quic_datagram_init(&dg, &payload, 0);
    assert_true(ta_quic_datagram_next(&dg, &h));
    assert_false(ta_quic_datagram_next(&dg, &h));
    assert_int_equal(dg.status, TA_TRUNCATED);
    assert_int_equal(dg.num_packets, 1);

    /* A short header after a long one has the long one's DCID length. */
    const vector *ci = vec("v1.client.packet");
    memcpy(d, ci->b, 200);
    d[16] = 0x40;                       /* Length 182 as a 2-byte varint */
    d[17] = 200 - 18;
    uint8_t sh[] = {0x41, 0x83, 0x94, 0xc8, 0xf0, 0x3e, 0x51, 0x57, 0x08, 9, 9, 9};
    memcpy(d + 200, sh, sizeof(sh));
    ta_cur_init(&payload, d, 200 + sizeof(sh));
    ta_quic_datagram_init(&dg, &payload, 0);
    assert_true(ta_quic_datagram_next(&dg, &h));
    assert_true(ta_quic_datagram_next(&dg, &h));
    assert_int_equal(h.type, TA_QUIC_PKT_SHORT);
    assert_int_equal(ta_cur_len(&h.dcid), 8);
    assert_int_equal(h.pn_offset, 9);
}

static void test_sniff(void **state)
{
    (void)state;
    ta_cur c = cur_of(vec("v2.client.packet"));
    assert_true(ta_quic_sniff(&c));
    c = cur_of(vec("v1.chacha.packet"));
    assert_false(ta_quic_sniff(&c));            /* short headers need context */
    static const uint8_t dns[] = {0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0};
    ta_cur_init(&c, dns, sizeof(dns));
    assert_false(ta_quic_sniff(&c));
    static const uint8_t unknown[] = {0xc0, 0x12, 0x34, 0x56, 0x78, 0, 0, 1, 2};
    ta_cur_init(&c, unknown, sizeof(unknown));
    assert_false(ta_quic_sniff(&c));
    static const uint8_t reserved[] = {0xc0, 0x1a, 0x2a, 0x3a, 0x4a, 0, 0, 1, 2};
    ta_cur_init(&c, reserved, sizeof(reserved));
    assert_true(ta_quic_sniff(&c));
    static const uint8_t empty_vn[] = {0x80, 0, 0, 0, 0, 0, 0};
    ta_cur_init(&c, empty_vn, sizeof(empty_vn));
    assert_false(ta_quic_sniff(&c));
}

/* ---- frames -------------------------------------------------------------- */

/* The client Initial's payload: one CRYPTO frame, then a PADDING run. */
static void test_frames_client_initial(void **state)
{
    (void)state;
    ta_cur c;
    ta_quic_frame f;
    ta_cur_init(&c, plain, client_payload(plain));
    assert_int_equal(ta_quic_frame_next(&c, TA_QUIC_PKT_INITIAL, &f), TA_OK);
    assert_int_equal(f.type, TA_QF_CRYPTO);
    assert_true(f.allowed);
    assert_int_equal(f.offset, 0);
    assert_int_equal(ta_cur_len(&f.data), 241);
    assert_int_equal(ta_quic_frame_next(&c, TA_QUIC_PKT_INITIAL, &f), TA_OK);
    assert_int_equal(f.type, TA_QF_PADDING);
    assert_int_equal(f.padding_len, 1162 - 245);
    assert_int_equal(ta_cur_len(&c), 0);
    assert_string_equal(ta_quic_frame_name(TA_QF_CRYPTO), "CRYPTO");
}

/* The server Initial's: ACK, then CRYPTO with the ServerHello. */
static void test_frames_server_initial(void **state)
{
    (void)state;
    ta_cur c = cur_of(vec("server.payload"));
    ta_quic_frame f;
    assert_int_equal(ta_quic_frame_next(&c, TA_QUIC_PKT_INITIAL, &f), TA_OK);
    assert_int_equal(f.type, TA_QF_ACK);
    assert_int_equal(ta_quic_frame_next(&c, TA_QUIC_PKT_INITIAL, &f), TA_OK);
    assert_int_equal(f.type, TA_QF_CRYPTO);
    assert_int_equal(ta_cur_len(&f.data), 90);
    uint8_t hs_type = 0;
    assert_true(ta_cur_peek_u8(&f.data, 0, &hs_type));
    assert_int_equal(hs_type, TA_HS_SERVER_HELLO);
    assert_int_equal(ta_cur_len(&c), 0);
}

/* Reads all frames of |b| in a packet of type |type|; returns the status of
 * the last read and the frame in |last|. */
static ta_status read_frames(const uint8_t *b, size_t n, ta_quic_pkt_type type,
                             ta_quic_frame *last, size_t *num)
{
    ta_cur c;
    ta_status st = TA_OK;
    ta_cur_init(&c, b, n);
    *num = 0;
    while (ta_cur_len(&c) > 0) {
        size_t before = ta_cur_len(&c);
        st = ta_quic_frame_next(&c, type, last);
        if (st != TA_OK) {
            assert_int_equal(ta_cur_len(&c), before);  /* untouched on failure */
            return st;
        }
        (*num)++;
    }
    return st;
}

static void test_frames_close(void **state)
{
    (void)state;
    ta_quic_frame f;
    size_t num;
    /* CONNECTION_CLOSE 0x1c: CRYPTO_ERROR 0x0128 (alert 40), caused by a
     * CRYPTO frame, reason "hs". */
    static const uint8_t close[] = {0x1c, 0x41, 0x28, 0x06, 0x02, 'h', 's'};
    assert_int_equal(read_frames(close, sizeof(close), TA_QUIC_PKT_INITIAL, &f, &num), TA_OK);
    assert_int_equal(f.error_code, 0x128);
    assert_int_equal(f.error_frame_type, TA_QF_CRYPTO);
    assert_int_equal(ta_cur_len(&f.reason), 2);
    assert_true(f.allowed);
    assert_string_equal(ta_quic_error_name(f.error_code), "CRYPTO_ERROR");
    assert_int_equal(ta_quic_error_alert(f.error_code), 40);
    assert_int_equal(ta_quic_error_alert(0x0a), -1);
    assert_string_equal(ta_quic_error_name(0x0a), "PROTOCOL_VIOLATION");
    assert_string_equal(ta_quic_error_name(0), "NO_ERROR");
    assert_null(ta_quic_error_name(0x200));
    /* One byte short, and a reason length one too large. */
    for (size_t n = 1; n < sizeof(close); n++) {
        assert_int_equal(read_frames(close, n, TA_QUIC_PKT_INITIAL, &f, &num), TA_TRUNCATED);
    }
    uint8_t longer[sizeof(close)];
    memcpy(longer, close, sizeof(close));
    longer[4] = 3;
    assert_int_equal(read_frames(longer, sizeof(longer), TA_QUIC_PKT_INITIAL, &f, &num),
                     TA_TRUNCATED);
    /* The application's close has no frame type and is not for Initials. */
    static const uint8_t app[] = {0x1d, 0x00, 0x00};
    assert_int_equal(read_frames(app, sizeof(app), TA_QUIC_PKT_INITIAL, &f, &num), TA_OK);
    assert_false(f.allowed);
    assert_true(ta_quic_frame_allowed(TA_QF_CONNECTION_CLOSE_APP, TA_QUIC_PKT_SHORT));
}

/* Frames of 1-RTT packets are skipped by their encoding; where they are
 * not allowed they say so. */
static void test_frames_skipped(void **state)
{
    (void)state;
    static const uint8_t b[] = {
        0x01,                                   /* PING */
        0x03, 0x05, 0x00, 0x01, 0x00, 0x01, 0x02, 0x01, 0x02, 0x03, /* ACK_ECN, 1 range */
        0x04, 0x01, 0x02, 0x03,                 /* RESET_STREAM */
        0x05, 0x01, 0x02,                       /* STOP_SENDING */
        0x07, 0x02, 0xaa, 0xbb,                 /* NEW_TOKEN */
        0x0e, 0x04, 0x05, 0x02, 'h', 'i',       /* STREAM with OFF, LEN */
        0x10, 0x44, 0x00,                       /* MAX_DATA */
        0x11, 0x01, 0x02,                       /* MAX_STREAM_DATA */
        0x12, 0x01, 0x13, 0x01, 0x14, 0x01,     /* MAX_STREAMS x2, DATA_BLOCKED */
        0x15, 0x01, 0x02, 0x16, 0x01, 0x17, 0x01,
        0x18, 0x01, 0x00, 0x04, 1, 2, 3, 4,     /* NEW_CONNECTION_ID */
        0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
        0x19, 0x01,                             /* RETIRE_CONNECTION_ID */
        0x1a, 1, 2, 3, 4, 5, 6, 7, 8,           /* PATH_CHALLENGE */
        0x1b, 1, 2, 3, 4, 5, 6, 7, 8,           /* PATH_RESPONSE */
        0x31, 0x01, 0x00,                       /* DATAGRAM with a length */
        0x1e,                                   /* HANDSHAKE_DONE */
        0x08, 0x01, 'r', 'e', 's', 't',         /* STREAM to the end */
    };
    ta_quic_frame f;
    size_t num;
    assert_int_equal(read_frames(b, sizeof(b), TA_QUIC_PKT_SHORT, &f, &num), TA_OK);
    assert_int_equal(num, 21);
    assert_int_equal(f.type, 0x08);
    assert_int_equal(ta_cur_len(&f.data), 4);
    assert_true(f.allowed);
    /* In a Handshake packet, HANDSHAKE_DONE and STREAM are not allowed;
     * CRYPTO is not allowed in 0-RTT. */
    assert_false(ta_quic_frame_allowed(TA_QF_HANDSHAKE_DONE, TA_QUIC_PKT_HANDSHAKE));
    assert_false(ta_quic_frame_allowed(0x0a, TA_QUIC_PKT_INITIAL));
    assert_false(ta_quic_frame_allowed(TA_QF_CRYPTO, TA_QUIC_PKT_0RTT));
    assert_true(ta_quic_frame_allowed(TA_QF_CRYPTO, TA_QUIC_PKT_HANDSHAKE));
    assert_false(ta_quic_frame_allowed(TA_QF_PING, TA_QUIC_PKT_RETRY));
    /* Every prefix that cuts a frame is truncated, or (for the STREAM
     * frames that run to the end) fewer frames. */
    for (size_t n = 0; n < sizeof(b); n++) {
        ta_status st = read_frames(b, n, TA_QUIC_PKT_SHORT, &f, &num);
        assert_true(st == TA_OK || st == TA_TRUNCATED);
    }
}

static void test_frames_malformed(void **state)
{
    (void)state;
    ta_quic_frame f;
    size_t num;
    /* NEW_CONNECTION_ID of 0 and of 21 bytes. */
    uint8_t ncid[4 + 21 + 16] = {0x18, 0x00, 0x00, 0};
    assert_int_equal(read_frames(ncid, 4 + 16, TA_QUIC_PKT_SHORT, &f, &num), TA_MALFORMED);
    ncid[3] = 21;
    assert_int_equal(read_frames(ncid, sizeof(ncid), TA_QUIC_PKT_SHORT, &f, &num), TA_MALFORMED);
    assert_int_equal(read_frames(ncid, sizeof(ncid) - 1, TA_QUIC_PKT_SHORT, &f, &num),
                     TA_TRUNCATED);
    /* CRYPTO past 2^62, a CRYPTO length one too large, an empty token. */
    static const uint8_t far[] = {0x06, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0};
    assert_int_equal(read_frames(far, sizeof(far), TA_QUIC_PKT_INITIAL, &f, &num), TA_MALFORMED);
    static const uint8_t crypto[] = {0x06, 0x00, 0x03, 'a', 'b'};
    assert_int_equal(read_frames(crypto, sizeof(crypto), TA_QUIC_PKT_INITIAL, &f, &num),
                     TA_TRUNCATED);
    static const uint8_t token[] = {0x07, 0x00};
    assert_int_equal(read_frames(token, sizeof(token), TA_QUIC_PKT_SHORT, &f, &num), TA_MALFORMED);
    /* An ACK claiming more ranges than bytes left. */
    static const uint8_t ack[] = {0x02, 0x01, 0x00, 0x80, 0x10, 0x00, 0x00, 0x00, 0x00};
    assert_int_equal(read_frames(ack, sizeof(ack), TA_QUIC_PKT_INITIAL, &f, &num), TA_TRUNCATED);
    /* Unknown frame types cannot be skipped. */
    static const uint8_t unknown[] = {0x01, 0x40, 0x21, 0x00};
    assert_int_equal(read_frames(unknown, sizeof(unknown), TA_QUIC_PKT_SHORT, &f, &num),
                     TA_UNSUPPORTED);
    assert_int_equal(num, 1);
    assert_string_equal(ta_quic_frame_name(0x21), "unknown");
    /* An empty payload has no frame; a lone varint prefix is truncated. */
    static const uint8_t lone[] = {0x40};
    assert_int_equal(read_frames(lone, sizeof(lone), TA_QUIC_PKT_SHORT, &f, &num), TA_TRUNCATED);
}

/* gQUIC T05x Initials: CRYPTO as 0x08, PING 0x07, PADDING; others stop. */
static void test_frames_gquic(void **state)
{
    (void)state;
    static const uint8_t b[] = {0x07, 0x08, 0x00, 0x02, 'h', 'i', 0x00, 0x00, 0x00, 0x06};
    ta_cur c;
    ta_quic_frame f;
    ta_cur_init(&c, b, sizeof(b));
    assert_int_equal(ta_quic_gquic_frame_next(&c, &f), TA_OK);
    assert_int_equal(f.type, TA_QF_PING);
    assert_int_equal(ta_quic_gquic_frame_next(&c, &f), TA_OK);
    assert_int_equal(f.type, TA_QF_CRYPTO);
    assert_int_equal(ta_cur_len(&f.data), 2);
    assert_int_equal(ta_quic_gquic_frame_next(&c, &f), TA_OK);
    assert_int_equal(f.type, TA_QF_PADDING);
    assert_int_equal(f.padding_len, 3);
    assert_int_equal(ta_quic_gquic_frame_next(&c, &f), TA_UNSUPPORTED);
    assert_int_equal(ta_cur_len(&c), 1);
    ta_cur_init(&c, b + 1, 4);
    assert_int_equal(ta_quic_gquic_frame_next(&c, &f), TA_TRUNCATED);
    assert_int_equal(ta_cur_len(&c), 4);
    assert_true(ta_quic_version_lookup(0x54303531)->gquic_frames);
    assert_false(ta_quic_version_lookup(1)->gquic_frames);
}

/* ---- transport parameters ------------------------------------------------ */

/* The ClientHello of RFC 9001 A.2, after its 4-byte header. */
static ta_cur client_hello_body(void)
{
    ta_cur c = cur_of(vec("client.crypto_frame"));
    (void)ta_cur_skip(&c, 4 + 4);    /* CRYPTO type, offset, 2-byte length; handshake header */
    return c;
}

/* Finds extension |type| in a ClientHello |body| (RFC 8446 4.1.2). */
static ta_cur find_extension(ta_cur body, uint16_t type)
{
    ta_cur v;
    ta_cur exts;
    ta_cur none = {NULL, 0};
    if (!ta_cur_skip(&body, 2 + 32) || !ta_cur_get_u8_prefixed(&body, &v) ||
        !ta_cur_get_u16_prefixed(&body, &v) || !ta_cur_get_u8_prefixed(&body, &v) ||
        !ta_cur_get_u16_prefixed(&body, &exts)) {
        return none;
    }
    while (ta_cur_len(&exts) >= 4) {
        uint16_t t;
        (void)ta_cur_get_u16(&exts, &t);
        if (!ta_cur_get_u16_prefixed(&exts, &v)) {
            break;
        }
        if (t == type) {
            return v;
        }
    }
    return none;
}

static const ta_quic_tp *tp_find(const ta_quic_tp_list *l, uint64_t id)
{
    for (size_t i = 0; i < l->num; i++) {
        if (l->v[i].id == id) {
            return &l->v[i];
        }
    }
    fail_msg("no transport parameter 0x%llx", (unsigned long long)id);
    return NULL;
}

static void test_transport_params(void **state)
{
    (void)state;
    ta_cur ext = find_extension(client_hello_body(), TA_QUIC_TP_EXT);
    ta_quic_tp_list l;
    assert_int_equal(ta_cur_len(&ext), 50);
    assert_int_equal(ta_quic_tp_parse(&l, &ext), TA_OK);
    assert_int_equal(l.num, 8);
    assert_int_equal(l.num_total, 8);
    assert_false(l.truncated);
    const ta_quic_tp *p = tp_find(&l, 0x04);
    assert_string_equal(p->name, "initial_max_data");
    assert_true(p->is_int);
    assert_true(p->value == ((uint64_t)1 << 62) - 1);
    assert_int_equal(p->len, 8);
    assert_int_equal(tp_find(&l, 0x01)->value, 30000);
    assert_int_equal(tp_find(&l, 0x08)->value, 16);
    assert_int_equal(tp_find(&l, 0x06)->value, 0xffff);
    p = tp_find(&l, 0x0f);
    assert_string_equal(p->name, "initial_source_connection_id");
    assert_false(p->is_int);
    assert_int_equal(p->len, 8);
    assert_memory_equal(ta_cur_data(&p->raw), vec("dcid")->b, 8);

    /* Unknown and reserved ids, a varint parameter that is not one varint,
     * an empty flag, then one byte short. */
    static const uint8_t b[] = {0x3a, 0x00,                   /* 58 = 31 + 27: reserved */
                                0x40, 0x99, 0x01, 0x07,       /* 0x99: unknown */
                                0x03, 0x02, 0x05, 0x05,       /* max_udp_payload_size, bad */
                                0x0c, 0x00,                   /* disable_active_migration */
                                0x0a, 0x02, 0x40};
    ta_cur c;
    ta_cur_init(&c, b, sizeof(b) - 3);
    assert_int_equal(ta_quic_tp_parse(&l, &c), TA_OK);
    assert_int_equal(l.num, 4);
    assert_string_equal(l.v[0].name, "reserved");
    assert_null(l.v[1].name);
    assert_int_equal(l.v[1].id, 0x99);
    assert_true(l.v[2].bad_value);
    assert_string_equal(l.v[3].name, "disable_active_migration");
    ta_cur_init(&c, b, sizeof(b));
    assert_int_equal(ta_quic_tp_parse(&l, &c), TA_TRUNCATED);
    assert_int_equal(l.num, 4);
    /* More than the list holds. */
    uint8_t many[2 * (TA_QUIC_MAX_TP + 3)];
    for (size_t i = 0; i < sizeof(many); i += 2) {
        many[i] = 0x3a;
        many[i + 1] = 0;
    }
    ta_cur_init(&c, many, sizeof(many));
    assert_int_equal(ta_quic_tp_parse(&l, &c), TA_OK);
    assert_int_equal(l.num, TA_QUIC_MAX_TP);
    assert_int_equal(l.num_total, TA_QUIC_MAX_TP + 3);
    assert_true(l.truncated);
}

/* ---- CRYPTO reassembly --------------------------------------------------- */

typedef struct {
    uint8_t b[4096];
    size_t len;
    uint64_t last_frame;
    unsigned num_calls;
    uint64_t lost;
    unsigned num_gaps;
} collected;

static void on_data(void *arg, ta_cur *bytes, uint64_t frame)
{
    collected *c = arg;
    size_t n = ta_cur_len(bytes);
    assert_true(c->len + n <= sizeof(c->b));
    memcpy(c->b + c->len, ta_cur_data(bytes), n);
    c->len += n;
    c->last_frame = frame;
    c->num_calls++;
}

static void on_gap(void *arg, uint32_t lost, uint64_t frame)
{
    collected *c = arg;
    (void)frame;
    c->lost += lost;
    c->num_gaps++;
}

/* Feeds [from, to) of the ClientHello handshake message as one frame. */
static void feed(ta_quic_crypto *q, const ta_quic_crypto_sink *sink, size_t from, size_t to,
                 uint64_t frame)
{
    ta_cur c = cur_of(vec("client.crypto_frame"));
    ta_cur piece;
    (void)ta_cur_skip(&c, 4 + from);
    assert_true(ta_cur_get_bytes(&c, &piece, to - from));
    ta_quic_crypto_frame(q, from, &piece, frame, sink);
}

/* The collected bytes are the whole ClientHello: parse it like TCP's. */
static void expect_client_hello(const collected *got)
{
    ta_cur msg;
    ta_cur body;
    uint8_t type = 0;
    ta_client_hello ch;
    ta_cur_init(&msg, got->b, got->len);
    assert_true(ta_cur_get_u8(&msg, &type));
    assert_int_equal(type, TA_HS_CLIENT_HELLO);
    assert_true(ta_cur_get_u24_prefixed(&msg, &body));
    assert_int_equal(ta_cur_len(&msg), 0);
    memset(&ch, 0, sizeof(ch));
    assert_int_equal(ta_tls_parse_client_hello(&ch, &body), TA_OK);
    assert_int_equal(ch.sni.len, 11);
    assert_memory_equal(ch.sni.data, "example.com", 11);
    assert_int_equal(ch.alpn.num, 1);
    assert_memory_equal(ch.alpn.v[0].data, "alpn", 4);
    ta_client_hello_cleanup(&ch);
}

/* Three pieces, last first: nothing until the first comes, then the first
 * and the last, then the middle completes it (its frame). */
static void test_crypto_out_of_order(void **state)
{
    (void)state;
    collected got = {.len = 0};
    ta_quic_crypto_sink sink = {on_data, on_gap, &got};
    ta_quic_crypto q;
    ta_quic_crypto_init(&q, 256 * 1024);
    feed(&q, &sink, 160, 241, 3);
    assert_int_equal(got.len, 0);
    feed(&q, &sink, 0, 80, 4);
    assert_int_equal(got.len, 80);
    feed(&q, &sink, 80, 160, 5);
    assert_int_equal(got.len, 241);
    assert_int_equal(got.last_frame, 5);
    assert_int_equal(ta_quic_crypto_bytes(&q), 241);
    assert_int_equal(ta_quic_crypto_gaps(&q), 0);
    expect_client_hello(&got);
    /* Repeats change nothing. */
    feed(&q, &sink, 0, 241, 6);
    feed(&q, &sink, 100, 120, 7);
    assert_int_equal(got.len, 241);
    assert_int_equal(ta_quic_crypto_duplicates(&q), 2);
    ta_quic_crypto_flush(&q, &sink);
    assert_int_equal(got.num_gaps, 0);
    ta_quic_crypto_cleanup(&q);
}

/* Overlapping pieces: the first copy wins, different bytes are counted. */
static void test_crypto_overlap(void **state)
{
    (void)state;
    collected got = {.len = 0};
    ta_quic_crypto_sink sink = {on_data, on_gap, &got};
    ta_quic_crypto q;
    uint8_t fake[40];
    ta_cur c;
    ta_quic_crypto_init(&q, 256 * 1024);
    feed(&q, &sink, 100, 200, 1);
    feed(&q, &sink, 150, 241, 2);       /* overlaps the held one, same bytes */
    assert_int_equal(ta_quic_crypto_conflicts(&q), 0);
    memset(fake, 'X', sizeof(fake));
    ta_cur_init(&c, fake, sizeof(fake));
    ta_quic_crypto_frame(&q, 120, &c, 3, &sink);
    assert_int_equal(ta_quic_crypto_conflicts(&q), 1);
    /* Starting earlier than the held bytes it contradicts: the true bytes
     * before them are taken, the held ones kept. */
    memcpy(fake, vec("client.crypto_frame")->b + 4 + 80, 20);
    ta_cur_init(&c, fake, sizeof(fake));
    ta_quic_crypto_frame(&q, 80, &c, 4, &sink);
    assert_int_equal(ta_quic_crypto_conflicts(&q), 2);
    feed(&q, &sink, 0, 100, 5);
    assert_int_equal(got.len, 241);
    expect_client_hello(&got);
    ta_quic_crypto_cleanup(&q);
}

/* A hole that never fills is reported at the flush, and what follows it
 * is still delivered; frames beyond the offset limit are not taken. */
static void test_crypto_gap(void **state)
{
    (void)state;
    collected got = {.len = 0};
    ta_quic_crypto_sink sink = {on_data, on_gap, &got};
    ta_quic_crypto q;
    ta_quic_crypto_init(&q, 256 * 1024);
    feed(&q, &sink, 0, 50, 1);
    feed(&q, &sink, 100, 241, 2);
    assert_int_equal(got.len, 50);
    assert_int_equal(got.num_gaps, 0);
    ta_quic_crypto_flush(&q, &sink);
    assert_int_equal(got.num_gaps, 1);
    assert_int_equal(got.lost, 50);
    assert_int_equal(got.len, 50 + 141);
    assert_int_equal(ta_quic_crypto_lost(&q), 50);
    ta_cur c = cur_of(vec("dcid"));
    ta_quic_crypto_frame(&q, TA_QUIC_CRYPTO_MAX_OFFSET - 4, &c, 3, &sink);
    assert_int_equal(q.num_out_of_range, 1);
    ta_quic_crypto_frame(&q, UINT64_MAX - 2, &c, 3, &sink);
    assert_int_equal(q.num_out_of_range, 2);
    assert_int_equal(got.len, 191);
    ta_quic_crypto_cleanup(&q);
}

/* The out-of-order cap: a hole with more than |max| bytes waiting behind
 * it is given up (a gap, counted as a cap hit), and nothing grows past it. */
static void test_crypto_cap(void **state)
{
    (void)state;
    collected got = {.len = 0};
    ta_quic_crypto_sink sink = {on_data, on_gap, &got};
    ta_quic_crypto q;
    ta_quic_crypto_init(&q, 100);
    feed(&q, &sink, 10, 90, 1);         /* 80 bytes held */
    assert_int_equal(got.len, 0);
    feed(&q, &sink, 120, 200, 2);       /* 160 > 100: the first hole goes */
    assert_int_equal(ta_quic_crypto_cap_hits(&q), 1);
    assert_int_equal(got.num_gaps, 1);
    assert_int_equal(got.lost, 10);
    assert_int_equal(got.len, 80);
    assert_true(q.s.ooo_bytes <= 100);
    ta_quic_crypto_flush(&q, &sink);
    assert_int_equal(got.lost, 10 + 30);
    assert_int_equal(got.len, 160);
    ta_quic_crypto_cleanup(&q);
    ta_quic_crypto_cleanup(NULL);
}

/* The RFC's ClientHello in CRYPTO frames of three Initial packets sealed
 * with the RFC's client keys, delivered 3, 1, 2: each packet is opened,
 * its frames read, the CRYPTO data reassembled and parsed. */
static void test_crypto_three_packets(void **state)
{
    (void)state;
    static const size_t cuts[4] = {0, 90, 170, 241};
    static uint8_t packets[3][1300];
    size_t lens[3];
    ta_cur dcid = cur_of(vec("dcid"));
    ta_quic_keys ck;
    assert_true(ta_quic_initial_keys(&ck, NULL, version_of("v1"), &dcid));
    const vector *ch = vec("client.crypto_frame");

    for (int i = 0; i < 3; i++) {
        /* Payload: CRYPTO (offset, length as 2-byte varints), PADDING. */
        uint8_t payload[1162];
        size_t n = cuts[i + 1] - cuts[i];
        memset(payload, 0, sizeof(payload));
        payload[0] = TA_QF_CRYPTO;
        payload[1] = (uint8_t)(0x40 | cuts[i] >> 8);
        payload[2] = (uint8_t)cuts[i];
        payload[3] = (uint8_t)(0x40 | n >> 8);
        payload[4] = (uint8_t)n;
        memcpy(payload + 5, ch->b + 4 + cuts[i], n);
        /* Header: the RFC's, with packet number i. */
        memcpy(packets[i], vec("v1.client.header")->b, 22);
        packets[i][21] = (uint8_t)i;
        ta_cur pl;
        ta_cur_init(&pl, payload, sizeof(payload));
        assert_true(ta_quic_protect(&ck, packets[i], sizeof(packets[i]), 18, (uint64_t)i, &pl,
                                    &lens[i]));
    }

    collected got = {.len = 0};
    ta_quic_crypto_sink sink = {on_data, on_gap, &got};
    ta_quic_crypto q;
    ta_quic_crypto_init(&q, 256 * 1024);
    static const int order[3] = {2, 0, 1};
    int64_t largest = -1;
    for (int k = 0; k < 3; k++) {
        int i = order[k];
        ta_cur d;
        ta_quic_header h;
        ta_quic_opened o;
        ta_quic_frame f;
        ta_cur_init(&d, packets[i], lens[i]);
        assert_true(ta_quic_sniff(&d));
        assert_int_equal(ta_quic_parse_header(&h, &d, 0), TA_OK);
        assert_int_equal(ta_quic_open(&ck, &h, largest, plain, sizeof(plain), &o), TA_DECRYPT_OK);
        assert_int_equal(o.pn, (uint64_t)i);
        largest = (int64_t)o.pn > largest ? (int64_t)o.pn : largest;
        ta_cur p;
        ta_cur_init(&p, plain, o.payload_len);
        while (ta_cur_len(&p) > 0) {
            assert_int_equal(ta_quic_frame_next(&p, h.type, &f), TA_OK);
            if (f.type == TA_QF_CRYPTO) {
                ta_quic_crypto_frame(&q, f.offset, &f.data, 10 + (uint64_t)i, &sink);
            }
        }
    }
    assert_int_equal(got.len, 241);
    assert_int_equal(got.last_frame, 11);
    expect_client_hello(&got);
    ta_quic_crypto_cleanup(&q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_versions),
        cmocka_unit_test(test_v1_keys),
        cmocka_unit_test(test_v2_keys),
        cmocka_unit_test(test_keys_refused),
        cmocka_unit_test(test_hkdf_labels),
        cmocka_unit_test(test_v1_client_initial),
        cmocka_unit_test(test_v2_client_initial),
        cmocka_unit_test(test_v1_server_initial),
        cmocka_unit_test(test_v2_server_initial),
        cmocka_unit_test(test_v1_retry),
        cmocka_unit_test(test_v2_retry),
        cmocka_unit_test(test_v1_chacha_short),
        cmocka_unit_test(test_v2_chacha_short),
        cmocka_unit_test(test_keys_from_keylog),
        cmocka_unit_test(test_pn_decode),
        cmocka_unit_test(test_header_short),
        cmocka_unit_test(test_header_limits),
        cmocka_unit_test(test_bad_bytes),
        cmocka_unit_test(test_datagram),
        cmocka_unit_test(test_sniff),
        cmocka_unit_test(test_frames_client_initial),
        cmocka_unit_test(test_frames_server_initial),
        cmocka_unit_test(test_frames_close),
        cmocka_unit_test(test_frames_skipped),
        cmocka_unit_test(test_frames_malformed),
        cmocka_unit_test(test_frames_gquic),
        cmocka_unit_test(test_transport_params),
        cmocka_unit_test(test_crypto_out_of_order),
        cmocka_unit_test(test_crypto_overlap),
        cmocka_unit_test(test_crypto_gap),
        cmocka_unit_test(test_crypto_cap),
        cmocka_unit_test(test_crypto_three_packets),
    };
    return cmocka_run_group_tests(tests, load_vectors, NULL);
}
