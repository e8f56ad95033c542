/* test_schema.c - the one schema of facts: every text fact has the
 * redaction class it should have (a new fact that carries a name fails
 * here until it is given one), a fact of each class comes out of the
 * writer redacted as its class says, fact paths resolve as the rule
 * language reads them, and the streaming writer's numbers and strings are
 * jansson's. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ta_jsonw.h"
#include "ta_schema.h"

/* Every text fact and the class it must have.  A fact missing here fails
 * test_every_text_fact_has_its_class: decide what --redact does with it
 * (in src/facts_*.c) and list it. */
static const struct {
    const char *path;
    ta_rclass rclass;
} classes[] = {
    {"client", TA_RC_ADDRESS},
    {"server", TA_RC_ADDRESS},
    {"transport", TA_RC_NONE},
    {"client_from", TA_RC_NONE},
    /* QUIC: versions, connection IDs (random numbers, not names), error names
     * are kept; the peer's reason phrase is free text. */
    {"quic.version", TA_RC_NONE},
    {"quic.version_code", TA_RC_NONE},
    {"quic.versions_offered[]", TA_RC_NONE},
    {"quic.client_dcid", TA_RC_NONE},
    {"quic.server_scid", TA_RC_NONE},
    {"quic.close.from", TA_RC_NONE},
    {"quic.close.error_code", TA_RC_NONE},
    {"quic.close.error", TA_RC_NONE},
    {"quic.close.reason", TA_RC_TEXT},
    {"client_hello.quic_transport_parameters[].name", TA_RC_NONE},
    {"outcome", TA_RC_NONE},
    {"client_hello.sni", TA_RC_HOST},
    {"client_hello.max_version", TA_RC_NONE},
    {"client_hello.legacy_version", TA_RC_NONE},
    {"client_hello.supported_versions[]", TA_RC_NONE},
    {"client_hello.cipher_suites[]", TA_RC_NONE},
    {"client_hello.cipher_suite_codes[]", TA_RC_NONE},
    {"client_hello.alpn[]", TA_RC_TEXT},
    /* Fingerprints: numbers of the hello, naming a client program (kept). */
    {"client_hello.ja3", TA_RC_NONE},
    {"client_hello.ja3_hash", TA_RC_NONE},
    {"client_hello.ja4", TA_RC_NONE},
    {"client_hello.ja4_r", TA_RC_NONE},
    {"server_hello.version", TA_RC_NONE},
    {"server_hello.legacy_version", TA_RC_NONE},
    {"server_hello.cipher_suite", TA_RC_NONE},
    {"server_hello.cipher_suite_code", TA_RC_NONE},
    {"server_hello.alpn", TA_RC_TEXT},
    {"server_hello.downgrade_sentinel", TA_RC_NONE},
    {"server_hello.ja3s", TA_RC_NONE},
    {"server_hello.ja3s_hash", TA_RC_NONE},
    {"certificate_request.ca_name_list[]", TA_RC_DN},
    {"certificates[].from", TA_RC_NONE},
    {"certificates[].subject", TA_RC_DN},
    {"certificates[].issuer", TA_RC_DN},
    {"certificates[].cn", TA_RC_HOST},
    {"certificates[].san[]", TA_RC_SAN},
    {"certificates[].not_before", TA_RC_NONE},
    {"certificates[].not_after", TA_RC_NONE},
    {"certificates[].sha256", TA_RC_FINGERPRINT},
    {"alerts[].from", TA_RC_NONE},
    {"alerts[].level", TA_RC_NONE},
    {"alerts[].description", TA_RC_NONE},
    {"messages[].from", TA_RC_NONE},
    {"messages[].message", TA_RC_NONE},
    {"decryption.client_random", TA_RC_NONE},
    {"decryption.status", TA_RC_NONE},
    {"decryption.warning", TA_RC_TEXT},
    {"warnings[]", TA_RC_TEXT},
    {"diagnoses[].rule", TA_RC_NONE},
    {"diagnoses[].severity", TA_RC_NONE},
    {"diagnoses[].title", TA_RC_RENDERED},
    {"diagnoses[].summary", TA_RC_RENDERED},
    {"diagnoses[].fault", TA_RC_NONE},
    {"diagnoses[].fixes_by", TA_RC_RENDERED},
    {"diagnoses[].remediation", TA_RC_RENDERED},
    {"diagnoses[].evidence[].fact", TA_RC_RENDERED},
    {"diagnoses[].references[]", TA_RC_RENDERED},
    {"alert.from", TA_RC_NONE},
    {"alert.receiver", TA_RC_NONE},
    {"alert.level", TA_RC_NONE},
    {"alert.description", TA_RC_NONE},
    {"alert.first_fatal.from", TA_RC_NONE},
    {"alert.first_fatal.receiver", TA_RC_NONE},
    {"alert.first_fatal.level", TA_RC_NONE},
    {"alert.first_fatal.description", TA_RC_NONE},
    {"handshake.stage", TA_RC_NONE},
    {"handshake.server_record_version", TA_RC_NONE},
    {"handshake.client_protocol", TA_RC_NONE},
    {"handshake.server_protocol", TA_RC_NONE},
    {"handshake.closed_by", TA_RC_NONE},
    {"overlap.versions[]", TA_RC_NONE},
    {"overlap.cipher_suites[]", TA_RC_NONE},
    {"apigee.direction", TA_RC_NONE},
    {"apigee.client_role", TA_RC_NONE},
    {"apigee.server_role", TA_RC_NONE},
    {"apigee.how", TA_RC_NONE},
    {"apigee.traffic", TA_RC_NONE},
    {"apigee.summary", TA_RC_RENDERED},
    /* The leaf facts, for each of client_leaf, server_leaf, rejected_leaf. */
    {".subject", TA_RC_DN},
    {".issuer", TA_RC_DN},
    {".cn", TA_RC_HOST},
    {".not_before", TA_RC_NONE},
    {".not_after", TA_RC_NONE},
    {".san[]", TA_RC_SAN},
    /* The chain facts, for each of chain, client_chain, rejected_chain. */
    {".from", TA_RC_NONE},
    {".missing_issuer", TA_RC_DN},
    {".extra[]", TA_RC_DN},
    {".hostname", TA_RC_HOST},
    {".hostname_checked", TA_RC_NONE},
    {".policy[]", TA_RC_NONE},
    {".key_type", TA_RC_NONE},
    {".signature_algorithm", TA_RC_NONE},
    {".weak[]", TA_RC_FINDING},
    {".trust_store", TA_RC_TEXT},
    {".verify_error", TA_RC_TEXT},
    {".verify_subject", TA_RC_DN},
    {".interception_product", TA_RC_NONE},
    {".interception_ca", TA_RC_DN},
    {".capture_time", TA_RC_NONE},
    {".invalid_subject", TA_RC_DN},
    {".invalid_not_before", TA_RC_NONE},
    {".invalid_not_after", TA_RC_NONE},
    {".expires_first", TA_RC_DN},
    {".extract_error", TA_RC_TEXT},
    {".extracted.leaf", TA_RC_FILE},
    {".extracted.chain", TA_RC_FILE},
    {".extracted.verify_command", TA_RC_FILE},
};

static const char *const objects[] = {"client_leaf", "server_leaf", "rejected_leaf", "chain",
                                      "client_chain", "rejected_chain"};

/* The entry for |path|: exact, or a member of one of the shared objects. */
static int expected(const char *path, ta_rclass *out)
{
    for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); i++) {
        const char *p = classes[i].path;
        if (p[0] != '.' && strcmp(p, path) == 0) {
            *out = classes[i].rclass;
            return 1;
        }
        for (size_t k = 0; p[0] == '.' && k < sizeof(objects) / sizeof(objects[0]); k++) {
            size_t l = strlen(objects[k]);
            if (strncmp(path, objects[k], l) == 0 && strcmp(path + l, p) == 0) {
                *out = classes[i].rclass;
                return 1;
            }
        }
    }
    return 0;
}

static void check_class(void *arg, const char *path, const ta_fnode *node, bool is_rule)
{
    size_t *seen = arg;
    ta_rclass want = TA_RC_NONE;
    (void)is_rule;
    if (node->type != TA_FT_STRING) {
        return;
    }
    (*seen)++;
    if (!expected(path, &want)) {
        fail_msg("the text fact %s has no redaction class in tests/unit/test_schema.c: "
                 "decide what --redact does with it", path);
    }
    if (node->rclass != want) {
        fail_msg("%s has redaction class %d, expected %d", path, node->rclass, want);
    }
}

static void test_every_text_fact_has_its_class(void **state)
{
    size_t seen = 0;
    (void)state;
    ta_schema_walk(&ta_schema_conn, check_class, &seen);
    assert_true(seen > 90);
}

static void check_key_len(void *arg, const char *path, const ta_fnode *node, bool is_rule)
{
    size_t *seen = arg;
    (void)is_rule;
    (*seen)++;
    if (node->key_len != (node->key != NULL ? strlen(node->key) : 0)) {
        fail_msg("%s: key_len %u", path, (unsigned)node->key_len);
    }
}

/* The key lengths the macros compute are the keys' (the writer copies them). */
static void test_key_lengths(void **state)
{
    size_t seen = 0;
    (void)state;
    ta_schema_walk(&ta_schema_conn, check_key_len, &seen);
    assert_true(seen > 300);
    assert_int_equal(ta_schema_conn.key_len, 0);
}

/* Writes |facts| (JSON) through the schema, redacted by |r|. */
static char *written(ta_redactor *r, const char *facts)
{
    json_error_t err;
    json_t *in = json_loads(facts, 0, &err);
    if (in == NULL) {
        fail_msg("%s", err.text);
    }
    json_t *out = ta_jsonw_redacted(r, in);
    assert_non_null(out);
    char *s = json_dumps(out, JSON_COMPACT);
    json_decref(in);
    json_decref(out);
    return s;
}

/* A fact of each class, through the writer with --redact=all: names,
 * addresses, fingerprints and file names go, with their shape kept; the
 * fixed vocabulary stays. */
static void test_each_class_redacted(void **state)
{
    (void)state;
    ta_redactor *r = ta_redactor_new(TA_REDACT_ALL, "k", 1);
    char *s = written(
        r, "{\"client\":\"10.1.2.3:5000\",\"outcome\":\"alert\","
           "\"client_hello\":{\"sni\":\"www.secret-host.test\",\"alpn\":[\"h2\"]},"
           "\"certificates\":[{\"subject\":\"CN=www.secret-host.test,O=Secret Org\","
           "\"san\":[\"DNS:alt.secret-host.test\"],\"sha256\":\"00ff00ff\","
           "\"not_after\":\"2030-01-01T00:00:00Z\"}],"
           "\"warnings\":[\"alt.secret-host.test said 10.9.9.9\"],"
           "\"chain\":{\"from\":\"server\",\"weak\":[\"RSA key of 1024 bits (CN=weak.secret-"
           "host.test)\"],\"extracted\":{\"leaf\":\"/cases/secret/00ff.pem\",\"chain\":\"c\","
           "\"verify_command\":\"openssl verify /cases/secret/00ff.pem\"},"
           "\"trust_store\":\"--ca-file /cases/www.secret-host.test.pem\"}}");
    const char *gone[] = {"10.1.2.3", "secret", "Secret", "00ff00ff", "10.9.9.9"};
    for (size_t i = 0; i < sizeof(gone) / sizeof(gone[0]); i++) {
        if (strstr(s, gone[i]) != NULL) {
            fail_msg("%s left in %s", gone[i], s);
        }
    }
    const char *kept[] = {"\"outcome\":\"alert\"", "2030-01-01T00:00:00Z", "\"sni\":\"host-",
                          "CN=host-", ",O=name-", "DNS:host-", "redacted-",
                          "RSA key of 1024 bits (CN=host-", "\"leaf\":\"(redacted)\"",
                          ":5000\"", "\"from\":\"server\"", "said ip4-"};
    for (size_t i = 0; i < sizeof(kept) / sizeof(kept[0]); i++) {
        if (strstr(s, kept[i]) == NULL) {
            fail_msg("%s missing in %s", kept[i], s);
        }
    }
    free(s);
    ta_redactor_free(r);
}

/* A fact the schema does not have yet, one of each class: what --redact
 * does to it follows from its class alone (no list of facts to update).
 * Each member's accessor returns the text of its row in |new_facts|. */
static const struct {
    ta_rclass rclass;
    const char *text;
    const char *gone;        /* must not be written; NULL: the text is kept */
    const char *shape;       /* what is written instead (or kept) */
} new_facts[] = {
    {TA_RC_ADDRESS, "10.7.7.7:443", "10.7.7.7", "ip4-"},
    {TA_RC_HOST, "hidden-host.example", "hidden", "host-"},
    {TA_RC_DN, "CN=hidden-cn.example,O=Hidden Org", "idden", "CN=host-"},
    {TA_RC_SAN, "DNS:hidden-san.example", "hidden", "DNS:host-"},
    {TA_RC_FINDING, "weak key (CN=hidden-finding.example)", "hidden", "weak key (CN=host-"},
    {TA_RC_FINGERPRINT, "abcdef0123456789", "abcdef0123456789", "redacted-"},
    {TA_RC_FILE, "/cases/hidden-file/x.pem", "hidden", "(redacted)"},
    {TA_RC_TEXT, "peer 10.8.8.8 closed", "10.8.8.8", "peer ip4-"},
    {TA_RC_NONE, "handshake_failure", NULL, "handshake_failure"},
};

#define NUM_NEW (sizeof(new_facts) / sizeof(new_facts[0]))

static void get_new_fact(const ta_view *v, const ta_fnode *n, const void *base, size_t idx,
                         ta_fval *out)
{
    (void)v;
    (void)base;
    (void)idx;
    out->kind = TA_FV_STR;
    out->raw = true;   /* as if from the capture */
    out->s = new_facts[n->arg].text;
    out->len = strlen(out->s);
}

static void get_new_object(const ta_view *v, const ta_fnode *n, const void *base, size_t idx,
                           ta_fval *out)
{
    (void)v;
    (void)n;
    (void)base;
    (void)idx;
    out->kind = TA_FV_OBJ;
    out->base = NULL;
}

static void test_new_fact_of_each_class(void **state)
{
    static const char *const keys[] = {"a", "b", "c", "d", "e", "f", "g", "h", "i"};
    ta_fnode kids[NUM_NEW];
    (void)state;
    assert_int_equal(NUM_NEW, sizeof(keys) / sizeof(keys[0]));
    for (size_t i = 0; i < NUM_NEW; i++) {
        kids[i] = (ta_fnode){keys[i], TA_FT_STRING, TA_FN_OWN, (uint8_t)new_facts[i].rclass,
                             1, "a new fact", get_new_fact, i, NULL, 0};
    }
    ta_fnode obj = {NULL, TA_FT_OBJECT, TA_FN_OWN, TA_RC_NONE, 0, "new facts", get_new_object, 0,
                    kids, NUM_NEW};
    ta_redactor *r = ta_redactor_new(TA_REDACT_ALL, "k", 1);
    json_t *facts = json_object();
    ta_arena a;
    ta_view v;
    ta_jbuf b = {0};
    ta_fval root;

    ta_arena_init(&a, 0);
    ta_view_init_json(&v, facts, &a);
    v.redactor = r;
    ta_view_get(&v, &obj, NULL, 0, &root);
    ta_jsonw_value(&b, &v, &obj, &root);
    ta_jbuf_raw(&b, "", 1);
    assert_false(b.nomem || v.nomem);
    for (size_t i = 0; i < NUM_NEW; i++) {
        char want[128];
        snprintf(want, sizeof(want), "\"%s\":\"%s", keys[i], new_facts[i].shape);
        if (strstr(b.p, want) == NULL) {
            fail_msg("class %d: %s missing in %s", (int)new_facts[i].rclass, want, b.p);
        }
        if (new_facts[i].gone != NULL && strstr(b.p, new_facts[i].gone) != NULL) {
            fail_msg("class %d: %s left in %s", (int)new_facts[i].rclass, new_facts[i].gone,
                     b.p);
        }
    }
    ta_jbuf_free(&b);
    ta_view_cleanup(&v);
    ta_arena_cleanup(&a);
    json_decref(facts);
    ta_redactor_free(r);
}

static void test_paths(void **state)
{
    (void)state;
    static const char *const good[] = {"id", "client_hello.sni", "alerts[].description",
                                       "alerts[12].frame", "certificates[].san[]",
                                       "chain.extracted.verify_command", "rejected_chain.weak[0]",
                                       "client_hello.cipher_suites", "alert.first_fatal.from"};
    static const char *const bad[] = {"", "client_hello.", ".id", "alerts.description",
                                      "alerts[x].frame", "alerts[1", "client_hello[]", "nope",
                                      "id.x", "alerts[]x", "certificates[].san[][]"};
    ta_fpath p;
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        if (!ta_fpath_parse(&p, good[i], strlen(good[i])) || !p.rule) {
            fail_msg("%s does not resolve", good[i]);
        }
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (ta_fpath_parse(&p, bad[i], strlen(bad[i]))) {
            fail_msg("%s resolves", bad[i]);
        }
    }
    assert_true(ta_fpath_parse(&p, "messages[].frame", 16));
    assert_false(p.rule);    /* messages are no rule fact */
    assert_true(ta_fpath_parse(&p, "alerts[3].frame", 15));
    assert_int_equal(p.num, 2);
    assert_int_equal(p.step[0].index, 3);
    assert_int_equal(ta_fpath_node(&p)->type, TA_FT_INT);
}

/* Numbers and strings as jansson writes them: a parsed tree and a streamed
 * object read the same. */
static void test_writer_matches_jansson(void **state)
{
    static const double reals[] = {0.0, 1.5, 0.1, 1795439136.0123451, 1e21, 1e-7, -3.0,
                                   123456789012345678.0, 0.144, 1e-4, 0.001, 0.01, 1.0,
                                   999999999999999.9, 1e15, 0.00009999999999999999,
                                   100.0, 1e14, 123456.0, 0.5, 0.000123, 1795430282.620152};
    static const char *const strings[] = {"plain", "quote\" back\\slash", "tab\tnew\nline",
                                          "\x01\x1f ctl", "caf\xc3\xa9 \xe2\x80\xae"};
    (void)state;
    for (size_t i = 0; i < sizeof(reals) / sizeof(reals[0]); i++) {
        ta_jbuf b = {0};
        json_t *j = json_real(reals[i]);
        char *want = json_dumps(j, JSON_ENCODE_ANY);
        ta_jbuf_real(&b, reals[i]);
        ta_jbuf_raw(&b, "", 1);
        assert_string_equal(b.p, want);
        free(want);
        json_decref(j);
        ta_jbuf_free(&b);
    }
    for (size_t i = 0; i < sizeof(strings) / sizeof(strings[0]); i++) {
        ta_jbuf b = {0};
        json_t *j = json_string(strings[i]);
        char *want = json_dumps(j, JSON_ENCODE_ANY);
        ta_jbuf_string(&b, strings[i], strlen(strings[i]));
        ta_jbuf_raw(&b, "", 1);
        assert_string_equal(b.p, want);
        free(want);
        json_decref(j);
        ta_jbuf_free(&b);
    }
    /* Strings of every ASCII byte, NUL and the escaped ones included, at
     * every offset of the eight-byte words the writer scans, and UTF-8. */
    uint64_t y = 2463534242u;
    for (int i = 0; i < 100000; i++) {
        char str[48];
        size_t len = (size_t)(i % 41);
        for (size_t k = 0; k < len; k++) {
            y ^= y << 13;
            y ^= y >> 7;
            y ^= y << 17;
            str[k] = (char)(y % 8 == 0 ? "\"\\\x1f\x00\n\x7f "[y / 8 % 7] : (char)(y / 8 % 128));
        }
        if (i % 7 == 0 && len >= 2) {
            memcpy(str + len - 2, "\xc3\xa9", 2);   /* e acute */
        }
        ta_jbuf c = {0};
        json_t *j = json_stringn(str, len);
        char *want = json_dumps(j, JSON_ENCODE_ANY);
        ta_jbuf_string(&c, str, len);
        ta_jbuf_raw(&c, "", 1);
        assert_non_null(want);
        assert_string_equal(c.p, want);
        free(want);
        json_decref(j);
        ta_jbuf_free(&c);
    }
    /* Times of packets and response times, as many as a capture has. */
    uint64_t x = 88172645463325252u;
    for (int i = 0; i < 200000; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        double r = i % 4 == 0   ? (double)(int64_t)(x % 4000000000000000000u) / 1e9
                   : i % 4 == 1 ? (double)(x % 100000000u) / 1e6
                   : i % 4 == 2 ? (double)(x % 2000000u) / 1e9
                                : (double)(x >> 11) / (double)((uint64_t)1 << (x % 60));
        ta_jbuf c = {0};
        char want[64];
        ta_jbuf_real(&c, r);
        ta_jbuf_raw(&c, "", 1);
        json_t *j = json_real(r);
        assert_true(json_dumpb(j, want, sizeof(want), JSON_ENCODE_ANY) < sizeof(want));
        want[json_dumpb(j, want, sizeof(want), JSON_ENCODE_ANY)] = '\0';
        if (strcmp(c.p, want) != 0) {
            fail_msg("%.17g: %s, jansson %s", r, c.p, want);
        }
        json_decref(j);
        ta_jbuf_free(&c);
    }
    /* Powers of ten and integers where the decimal exponent changes, and
     * their neighbours two units in the last place either side. */
    double p = 1e-6;
    for (int e = -6; e <= 17; e++, p *= 10) {
        double around[] = {p, p - 1, p + 1, p * 0.5, p * 9.999999999999999};
        for (size_t k = 0; k < sizeof(around) / sizeof(around[0]); k++) {
            uint64_t bits;
            memcpy(&bits, &around[k], sizeof(bits));
            for (int d = -2; d <= 2; d++) {
                uint64_t nb = bits + (uint64_t)(int64_t)d;
                double r;
                memcpy(&r, &nb, sizeof(r));
                if (r != r) {
                    continue;   /* below 0.0: a NaN, which jansson does not write */
                }
                ta_jbuf c = {0};
                char want[64];
                ta_jbuf_real(&c, r);
                ta_jbuf_raw(&c, "", 1);
                json_t *j = json_real(r);
                want[json_dumpb(j, want, sizeof(want) - 1, JSON_ENCODE_ANY)] = '\0';
                if (strcmp(c.p, want) != 0) {
                    fail_msg("%.17g: %s, jansson %s", r, c.p, want);
                }
                json_decref(j);
                ta_jbuf_free(&c);
            }
        }
    }
    /* One buffer, as a connection's messages: repeated and alternating
     * reals, and integers of every length (two digits at a time). */
    ta_jbuf seq = {0};
    char want_seq[8192] = "";
    static const double times[] = {1795430282.628463, 1795430282.628463, 0.0, -0.0, 0.0,
                                   1795430282.6406789, 1795430282.628463, 1e21, 1e21};
    for (size_t i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
        json_t *j = json_real(times[i]);
        char *w = json_dumps(j, JSON_ENCODE_ANY);
        strcat(want_seq, w);
        strcat(want_seq, ",");
        free(w);
        json_decref(j);
        ta_jbuf_real(&seq, times[i]);
        ta_jbuf_raw(&seq, ",", 1);
    }
    int64_t ints[] = {0, 9, 10, 99, 100, 101, 999, 1000, 65535, 1234567, -1, -10, -99, -100,
                      INT64_MAX, INT64_MIN + 1};
    for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
        char w[32];
        snprintf(w, sizeof(w), "%lld,", (long long)ints[i]);
        strcat(want_seq, w);
        ta_jbuf_int(&seq, ints[i]);
        ta_jbuf_raw(&seq, ",", 1);
    }
    ta_jbuf_raw(&seq, "", 1);
    assert_string_equal(seq.p, want_seq);
    ta_jbuf_free(&seq);
    ta_jbuf b = {0};
    ta_jbuf_int(&b, INT64_MIN);
    ta_jbuf_raw(&b, " ", 1);
    ta_jbuf_int(&b, 0);
    ta_jbuf_raw(&b, "", 1);
    assert_string_equal(b.p, "-9223372036854775808 0");
    ta_jbuf_free(&b);
}

static void test_arena(void **state)
{
    ta_arena a;
    (void)state;
    ta_arena_init(&a, 64);
    char *x = ta_arena_strndup(&a, "hello", 5);
    assert_string_equal(x, "hello");
    void *big = ta_arena_alloc(&a, 10000);   /* more than a chunk: a chunk of its own */
    assert_non_null(big);
    memset(big, 1, 10000);
    assert_int_equal(a.num_chunks, 2);
    ta_arena_reset(&a);
    assert_int_equal(a.num_chunks, 0);
    char *y = ta_arena_strndup(&a, "again", 5);
    assert_string_equal(y, "again");
    assert_int_equal(a.num_chunks, 0);       /* the first chunk was kept */
    assert_null(ta_arena_alloc(&a, SIZE_MAX - 8));
    ta_arena_cleanup(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_text_fact_has_its_class),
        cmocka_unit_test(test_key_lengths),
        cmocka_unit_test(test_each_class_redacted),
        cmocka_unit_test(test_new_fact_of_each_class),
        cmocka_unit_test(test_paths),
        cmocka_unit_test(test_writer_matches_jansson),
        cmocka_unit_test(test_arena),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
