/* test_rules.c - the rule language: every operator, fact paths with [],
 * templates (missing facts, fallbacks), ordering, suppression, override,
 * and malformed rule files answered with file:line:col. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "ta_rules.h"

static const char *FACTS =
    "{\"outcome\":\"alert\",\"server\":\"10.0.0.2:443\","
    "\"client_hello\":{\"frame\":4,\"sni\":\"api.example.com\",\"max_version\":\"TLS 1.2\","
    " \"cipher_suites\":[\"TLS_AES_128_GCM_SHA256\",\"TLS_RSA_WITH_AES_128_CBC_SHA\"]},"
    "\"alerts\":[{\"frame\":6,\"from\":\"server\",\"level\":\"warning\",\"description\":\"close_notify\"},"
    "            {\"frame\":7,\"from\":\"server\",\"level\":\"fatal\",\"description\":\"handshake_failure\"}],"
    "\"alert\":{\"frame\":7,\"from\":\"server\",\"receiver\":\"client\",\"description\":\"handshake_failure\"},"
    "\"handshake\":{\"stage\":\"client_hello\",\"server_response_ms\":1.5,\"server_bytes\":7},"
    "\"sni\":{\"present\":true,\"is_ip_literal\":false},\"server_hello\":null}";

/* Writes |yaml| to a temporary file; returns its path (caller frees, unlinks). */
static char *write_tmp(const char *yaml)
{
    char *path = strdup("/tmp/tlsa-rule-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, yaml, strlen(yaml)), (ssize_t)strlen(yaml));
    close(fd);
    return path;
}

/* Loads one rule text; returns the set (NULL and |err| filled on failure). */
static ta_rules *load(const char *yaml, char *err, size_t n, char **out_path)
{
    char *path = write_tmp(yaml);
    ta_rules *r = ta_rules_new();
    int ok = ta_rules_load_file(r, path, err, n);
    if (out_path != NULL) {
        *out_path = path;
    } else {
        unlink(path);
        free(path);
    }
    if (!ok) {
        ta_rules_free(r);
        return NULL;
    }
    return r;
}

/* Does a rule with condition |when| (YAML flow) fire on FACTS? */
static bool fires(const char *when)
{
    char yaml[1024];
    char err[512];
    snprintf(yaml, sizeof(yaml), "id: t\nseverity: error\ntitle: T\nsummary: S\nwhen: %s\n", when);
    ta_rules *r = load(yaml, err, sizeof(err), NULL);
    if (r == NULL) {
        fail_msg("%s", err);
    }
    json_t *facts = json_loads(FACTS, 0, NULL);
    json_t *d = ta_rules_apply(r, facts, NULL, TA_SEV_INFO);
    bool yes = json_array_size(d) == 1;
    json_decref(d);
    json_decref(facts);
    ta_rules_free(r);
    return yes;
}

static void test_operators(void **state)
{
    (void)state;
    assert_true(fires("{outcome: {==: alert}}"));
    assert_false(fires("{outcome: {==: completed}}"));
    assert_true(fires("{outcome: {\"!=\": completed}}"));
    assert_false(fires("{outcome: {\"!=\": alert}}"));
    assert_true(fires("{client_hello.frame: {<: 5}}"));
    assert_false(fires("{client_hello.frame: {<: 4}}"));
    assert_true(fires("{client_hello.frame: {\">\": 3}}"));
    assert_true(fires("{client_hello.frame: {<=: 4, \">=\": 4}}"));
    assert_true(fires("{handshake.server_response_ms: {\">\": 1}}"));
    assert_true(fires("{client_hello.max_version: {<: \"TLS 1.3\"}}"));   /* by version */
    assert_false(fires("{client_hello.max_version: {<: \"TLS 1.0\"}}"));
    assert_true(fires("{alert.description: {in: [unknown_ca, handshake_failure]}}"));
    assert_false(fires("{alert.description: {in: [unknown_ca]}}"));
    assert_true(fires("{client_hello.sni: {exists: true}}"));
    assert_true(fires("{server_hello: {absent: true}}"));            /* null is absent */
    assert_true(fires("{certificates: {absent: true}}"));            /* missing is absent */
    assert_false(fires("{client_hello.sni: {absent: true}}"));
    assert_true(fires("{client_hello.sni: {matches: \"^api\\\\.\"}}"));
    assert_false(fires("{client_hello.sni: {matches: \"^www\"}}"));
    assert_true(fires("{sni.present: {==: true}}"));
    assert_false(fires("{sni.is_ip_literal: {==: true}}"));
}

static void test_paths_and_groups(void **state)
{
    (void)state;
    /* In YAML's flow style a key with [] must be quoted. */
    assert_true(fires("{\"alerts[].description\": {==: close_notify}}"));   /* any element */
    assert_true(fires("{\"alerts[1].level\": {==: fatal}}"));
    assert_false(fires("{\"alerts[0].level\": {==: fatal}}"));
    assert_false(fires("{\"alerts[5].level\": {exists: true}}"));
    assert_true(fires("{\"client_hello.cipher_suites[]\": {matches: \"_CBC_\"}}"));
    assert_true(fires("{all: [{outcome: {==: alert}}, {sni.present: {==: true}}]}"));
    assert_false(fires("{all: [{outcome: {==: alert}}, {sni.present: {==: false}}]}"));
    assert_true(fires("{any: [{outcome: {==: closed}}, {sni.present: {==: true}}]}"));
    assert_true(fires("{not: {outcome: {==: completed}}}"));
    assert_false(fires("{not: {any: [{outcome: {==: alert}}]}}"));
    /* A missing fact fails every comparison, != included. */
    assert_false(fires("{server_leaf.cn: {\"!=\": x}}"));
}

static json_t *apply_text(const char *yaml, const char *profile)
{
    char err[512];
    ta_rules *r = load(yaml, err, sizeof(err), NULL);
    if (r == NULL) {
        fail_msg("%s", err);
    }
    json_t *facts = json_loads(FACTS, 0, NULL);
    json_t *d = ta_rules_apply(r, facts, profile, TA_SEV_INFO);
    json_decref(facts);
    ta_rules_free(r);
    return d;
}

static void test_templates(void **state)
{
    (void)state;
    json_t *d = apply_text(
        "id: t\nseverity: warning\ntitle: \"{client_hello.sni} {{literal}}\"\n"
        "when: {outcome: {==: alert}}\n"
        "summary: \"{alert.from} sent {alert.description} at {client_hello.frame}; "
        "suites {client_hello.cipher_suites}; leaf {server_leaf.cn}; "
        "cert {server_leaf.subject|none seen}; levels {alerts[].level}\"\n"
        "fault: \"{alert.from}\"\n"
        "remediation: {generic: \"G {server}\", apigee: \"A {server}\"}\n"
        "evidence:\n  - {frame: client_hello.frame, fact: \"hello {client_hello.sni}\"}\n"
        "  - {frame: server_leaf.frame, fact: never}\n",
        "apigee");
    json_t *x = json_array_get(d, 0);
    assert_string_equal(json_string_value(json_object_get(x, "title")),
                        "api.example.com {literal}");
    assert_string_equal(json_string_value(json_object_get(x, "summary")),
                        "server sent handshake_failure at 4; suites TLS_AES_128_GCM_SHA256, "
                        "TLS_RSA_WITH_AES_128_CBC_SHA; leaf unknown; cert none seen; "
                        "levels warning, fatal");
    assert_string_equal(json_string_value(json_object_get(x, "fault")), "server");
    assert_string_equal(json_string_value(json_object_get(x, "remediation")), "A 10.0.0.2:443");
    json_t *ev = json_object_get(x, "evidence");
    assert_int_equal(json_array_size(ev), 1);        /* no server_leaf: not cited */
    assert_string_equal(json_string_value(json_object_get(json_array_get(ev, 0), "fact")),
                        "hello api.example.com");
    json_decref(d);
}

/* {?fact}...{/} shows its text when the fact has a value other than null
 * and false, {!fact}...{/} when it has not; blocks nest, facts render inside. */
static void test_template_blocks(void **state)
{
    (void)state;
    json_t *d = apply_text(
        "id: t\nseverity: warning\ntitle: T\nwhen: {outcome: {==: alert}}\n"
        "summary: \"[{?client_hello.sni}sni {client_hello.sni}{/}]"
        "[{!client_hello.sni}no sni{/}][{?server_leaf}leaf {server_leaf.cn}{/}]"
        "[{!server_leaf}no leaf{?alert.from}, alert from {alert.from}"
        "{!alerts[].level} never{/}{/}{/}][{?server_hello}sh{/}{!server_hello}no sh{/}]"
        "[{?alerts[].description}{{x}}{/}][{?sni.is_ip_literal}ip{/}{!sni.is_ip_literal}name{/}]\"\n",
        NULL);
    json_t *x = json_array_get(d, 0);
    assert_string_equal(json_string_value(json_object_get(x, "summary")),
                        "[sni api.example.com][][][no leaf, alert from server][no sh][{x}][name]");
    json_decref(d);
}

static void test_order_and_suppression(void **state)
{
    (void)state;
    json_t *d = apply_text(
        "- {id: info1, severity: info, title: I, summary: s, when: {outcome: {==: alert}}}\n"
        "- {id: generic, severity: error, title: G, summary: s, when: {outcome: {==: alert}},\n"
        "   evidence: [{frame: alert.frame, fact: a}]}\n"
        "- {id: specific, severity: error, title: S, summary: s, when: {sni.present: {==: true}},\n"
        "   evidence: [{frame: alert.frame, fact: a}, {frame: client_hello.frame, fact: c}]}\n"
        "- {id: hider, severity: warning, title: H, summary: s, when: {outcome: {==: alert}},\n"
        "   suppresses: [info1]}\n",
        NULL);
    assert_int_equal(json_array_size(d), 3);
    /* errors first, the one citing more evidence first; info1 suppressed */
    assert_string_equal(json_string_value(json_object_get(json_array_get(d, 0), "rule")),
                        "specific");
    assert_string_equal(json_string_value(json_object_get(json_array_get(d, 1), "rule")),
                        "generic");
    assert_string_equal(json_string_value(json_object_get(json_array_get(d, 2), "rule")),
                        "hider");
    json_decref(d);
}

static void test_override_and_min_severity(void **state)
{
    (void)state;
    char err[512];
    char *p1;
    char *p2;
    ta_rules *r = load("{id: a, severity: error, title: one, summary: s, "
                       "when: {outcome: {==: alert}}}\n", err, sizeof(err), &p1);
    assert_non_null(r);
    p2 = write_tmp("{id: a, severity: warning, title: two, summary: s, "
                   "when: {outcome: {==: alert}}}\n");
    assert_true(ta_rules_load_file(r, p2, err, sizeof(err)));
    assert_int_equal(ta_rules_count(r), 1);
    json_t *facts = json_loads(FACTS, 0, NULL);
    json_t *d = ta_rules_apply(r, facts, NULL, TA_SEV_INFO);
    assert_string_equal(json_string_value(json_object_get(json_array_get(d, 0), "title")), "two");
    json_decref(d);
    d = ta_rules_apply(r, facts, NULL, TA_SEV_ERROR);
    assert_int_equal(json_array_size(d), 0);
    json_decref(d);
    json_decref(facts);
    ta_rules_free(r);
    unlink(p1);
    unlink(p2);
    free(p1);
    free(p2);
}

/* Rules that share a test share its answer for a connection (ruleeval.c
 * remembers it): the same path with another operator or operand is
 * another test, and each rule still gets its own verdict. */
static void test_shared_predicates(void **state)
{
    (void)state;
    static const char *const rules[] = {
        "{id: r1, severity: error, title: t, summary: s, when: "
        "{all: [{outcome: {==: alert}}, {sni.present: {==: true}}]}}\n",
        "{id: r2, severity: error, title: t, summary: s, when: "
        "{all: [{outcome: {==: alert}}, {sni.present: {==: false}}]}}\n",
        "{id: r3, severity: error, title: t, summary: s, when: {not: {outcome: {==: alert}}}}\n",
        "{id: r4, severity: error, title: t, summary: s, when: {outcome: {in: [alert]}}}\n",
        "{id: r5, severity: error, title: t, summary: s, when: {outcome: {\"!=\": alert}}}\n",
        "{id: r6, severity: error, title: t, summary: s, when: "
        "{any: [{outcome: {==: completed}}, {sni.present: {==: true}}]}}\n",
    };
    char err[512];
    ta_rules *r = ta_rules_new();
    for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
        char *p = write_tmp(rules[i]);
        assert_true(ta_rules_load_file(r, p, err, sizeof(err)));
        unlink(p);
        free(p);
    }
    json_t *facts = json_loads(FACTS, 0, NULL);
    for (int round = 0; round < 2; round++) {   /* the answers do not outlive a connection */
        json_t *d = ta_rules_apply(r, facts, NULL, TA_SEV_INFO);
        char fired[64] = "";
        for (size_t i = 0; i < json_array_size(d); i++) {
            strcat(fired, json_string_value(json_object_get(json_array_get(d, i), "rule")));
            strcat(fired, " ");
        }
        assert_string_equal(fired, "r1 r4 r6 ");
        json_decref(d);
        json_object_set_new(facts, "outcome", json_string("completed"));
        json_object_set_new(facts, "alert", json_null());
        d = ta_rules_apply(r, facts, NULL, TA_SEV_INFO);
        fired[0] = '\0';
        for (size_t i = 0; i < json_array_size(d); i++) {
            strcat(fired, json_string_value(json_object_get(json_array_get(d, i), "rule")));
            strcat(fired, " ");
        }
        assert_string_equal(fired, "r3 r5 r6 ");
        json_decref(d);
        json_decref(facts);
        facts = json_loads(FACTS, 0, NULL);
    }
    json_decref(facts);
    ta_rules_free(r);
}

/* Each malformed file is refused with "FILE:LINE:COL: message". */
static void test_malformed_files(void **state)
{
    (void)state;
    static const struct {
        const char *yaml;
        const char *where;     /* ":line:col: " */
        const char *what;
    } bad[] = {
        {"id: a\nseverity: error\ntitle: t\nsummary: s\nwhne: {outcome: {==: alert}}\n",
         ":5:1: ", "unknown field \"whne\" (did you mean \"when\"?)"},
        {"id: a\nseverity: error\ntitle: t\nsummary: s\nwhen: {client_helo.sni: {exists: true}}\n",
         ":5:8: ", "unknown fact \"client_helo.sni\" (did you mean \"client_hello.sni\"?)"},
        {"id: a\nseverity: error\ntitle: t\nsummary: s\nwhen: {rejected_chain.compete: {==: false}}\n",
         ":5:8: ", "unknown fact \"rejected_chain.compete\" (did you mean \"rejected_chain.complete\"?)"},
        {"id: a\nseverity: error\ntitle: t\nsummary: s\nwhen: {outcome: {=: alert}}\n",
         ":5:18: ", "unknown operator \"=\""},
        {"id: a\nseverity: fatal\ntitle: t\nsummary: s\nwhen: {outcome: {==: x}}\n",
         ":2:11: ", "severity must be error, warning or info"},
        {"id: a\nseverity: error\ntitle: t\nsummary: s\n",
         ":1:1: ", "has no \"when\""},
        {"id: a\nseverity: error\ntitle: [t\n",
         ":4:1: ", "YAML syntax error"},
        {"id: a\nseverity: error\ntitle: t\nsummary: s\nwhen: {outcome: {in: alert}}\n",
         ":5:22: ", "\"in\" needs a list"},
        {"id: a\nseverity: error\ntitle: t\nsummary: s\nwhen: {outcome: {matches: \"(\"}}\n",
         ":5:27: ", "valid extended regular expression"},
        {"id: a\nseverity: error\ntitle: t\nsummary: s\nwhen: {outcome: {==: a}, sni.present: {==: true}}\n",
         ":5:7: ", "a condition is a mapping with one key"},
        {"id: a\nseverity: error\ntitle: t\nsummary: \"{alert.frm}\"\nwhen: {outcome: {==: a}}\n",
         ":4:10: ", "summary: unknown fact \"alert.frm\" (did you mean \"alert.from\"?)"},
        {"id: a\nseverity: error\ntitle: t\nsummary: s\nwhen: {outcome: {==: a}}\nevidence:\n"
         "  - {frame: alert.frame}\n", ":7:5: ", "needs both frame and fact"},
        {"id: a\nseverity: error\ntitle: t\nsummary: s\nwhen: {outcome: {==: a}}\nfault: nobody\n",
         ":6:8: ", "fault must be client, server, middlebox, unknown"},
        {"id: a\nseverity: error\ntitle: t\nsummary: s\nwhen: {sni.present: {exists: yes}}\n",
         ":5:30: ", "\"exists\" takes true or false"},
        {"- {id: a, severity: error, title: t, summary: s, when: {outcome: {==: a}}}\n"
         "- {id: a, severity: error, title: t, summary: s, when: {outcome: {==: a}}}\n",
         ":2:3: ", "rule id \"a\" is used twice in this file"},
        {"", ":1:1: ", "the file holds no rule"},
        {"id: a\nseverity: error\ntitle: t\nsummary: s\nwhen: {outcome: {==: a}}\ntitle: u\n",
         ":6:1: ", "field \"title\" is given twice"},
        {"id: a\nseverity: error\ntitle: t\nsummary: s\nwhen: {outcome: {==: a}}\n"
         "remediation: {bogus: x}\n", ":6:15: ", "unknown profile \"bogus\""},
        {"id: a\nseverity: error\ntitle: t\nsummary: s\nwhen: {outcome: {!=: a}}\n",
         ":5:18: ", "write the operator in quotes"},
        {"just text\n", ":1:1: ", "a rule is a mapping"},
        {"id: a\nseverity: error\ntitle: t\nsummary: \"{?alert.frame}x\"\nwhen: {outcome: {==: a}}\n",
         ":4:10: ", "summary: a '{?fact}' or '{!fact}' block without its '{/}'"},
        {"id: a\nseverity: error\ntitle: t\nsummary: \"x{/}\"\nwhen: {outcome: {==: a}}\n",
         ":4:10: ", "summary: a '{/}' without its '{?fact}' or '{!fact}'"},
        {"id: a\nseverity: error\ntitle: t\nsummary: \"{!alert.frm}x{/}\"\nwhen: {outcome: {==: a}}\n",
         ":4:10: ", "summary: unknown fact \"alert.frm\""},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char err[512] = "";
        char *path;
        ta_rules *r = load(bad[i].yaml, err, sizeof(err), &path);
        char want[600];
        snprintf(want, sizeof(want), "%s%s", path, bad[i].where);
        if (r != NULL || strncmp(err, want, strlen(want)) != 0 || strstr(err, bad[i].what) == NULL) {
            fail_msg("case %zu: got \"%s\", want \"%s%s\"", i, err, want, bad[i].what);
        }
        unlink(path);
        free(path);
    }
}

/* A test that can never hold for its fact's type is refused at load time,
 * at the value's position; one that can hold loads. */
static void test_type_errors(void **state)
{
    (void)state;
    static const struct {
        const char *when;
        const char *what;
    } bad[] = {
        {"{handshake.server_bytes: {==: \"0\"}}",
         "\"handshake.server_bytes\" is a number, so {==: \"0\"} never holds"},
        {"{sni.present: {<: true}}", "\"sni.present\" is a boolean, so {<: true} never holds"},
        {"{outcome: {==: null}}", "\"outcome\" is never null, so {==: null} never holds"},
        {"{client_hello: {==: x}}", "\"client_hello\" is an object"},
        {"{\"alerts[].code\": {matches: x}}", "is a number, so {matches: \"x\"} never holds"},
        {"{alert.frame: {in: [a, b]}}", "is a number, so {in: [\"a\",\"b\"]} never holds"},
        {"{client_hello.cipher_suites: {==: x}}", "is a list"},
    };
    static const char *const good[] = {
        "{client_hello.sni: {==: null}}", "{alert.description: {in: [null, x]}}",
        "{server_leaf.days_left: {<: 30}}", "{handshake.server_response_ms: {\">\": 1}}",
        "{outcome: {\"!=\": 5}}", "{\"client_hello.cipher_suites[]\": {==: x}}",
        "{sni.present: {<=: true}}",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char yaml[512];
        char err[512] = "";
        char *path;
        snprintf(yaml, sizeof(yaml), "id: t\nseverity: error\ntitle: T\nsummary: S\nwhen: %s\n",
                 bad[i].when);
        ta_rules *r = load(yaml, err, sizeof(err), &path);
        if (r != NULL || strncmp(err, path, strlen(path)) != 0 ||
            strstr(err, bad[i].what) == NULL) {
            fail_msg("case %zu: got \"%s\", want \"%s\"", i, err, bad[i].what);
        }
        unlink(path);
        free(path);
    }
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        char yaml[512];
        char err[512] = "";
        snprintf(yaml, sizeof(yaml), "id: t\nseverity: error\ntitle: T\nsummary: S\nwhen: %s\n",
                 good[i]);
        ta_rules *r = load(yaml, err, sizeof(err), NULL);
        if (r == NULL) {
            fail_msg("case %zu: %s", i, err);
        }
        ta_rules_free(r);
    }
}

/* data/interception-products.yaml: entries kept in order, product names
 * escaped, patterns case-insensitive; every mistake names file:line:col. */
static void test_intercept_data(void **state)
{
    static const struct {
        const char *yaml;
        const char *msg;
    } bad[] = {
        {"product: A\nissuer: B\n", "a list of {product, issuer}"},
        {"- product: A\n", "needs both product and issuer"},
        {"- product: A\n  issuer: \"(x\"\n", ":2:11: issuer needs a valid extended"},
        {"- product: A\n  isuer: x\n", "unknown field \"isuer\""},
        {"- product: \"\"\n  issuer: x\n", "non-empty text"},
        {"- [a, b]\n", "a mapping with product and issuer"},
    };
    char err[512];
    (void)state;
    char *path = write_tmp("- product: \"Zscaler\\u0007\"\n  issuer: zscaler\n"
                           "- product: Other\n  issuer: \"^CN=x$\"\n");
    ta_rules *r = ta_rules_new();
    assert_true(ta_rules_load_intercept(r, path, err, sizeof(err)));
    const ta_intercept_list *l = ta_rules_intercept(r);
    assert_int_equal(l->num, 2);
    assert_string_equal(l->v[0].product, "Zscaler\\x07");
    assert_int_equal(regexec(&l->v[0].re, "CN=ZSCALER Root", 0, NULL, 0), 0);
    assert_int_not_equal(regexec(&l->v[1].re, "CN=xy", 0, NULL, 0), 0);
    ta_rules_free(r);
    unlink(path);
    free(path);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        path = write_tmp(bad[i].yaml);
        r = ta_rules_new();
        assert_false(ta_rules_load_intercept(r, path, err, sizeof(err)));
        if (strstr(err, bad[i].msg) == NULL) {
            fail_msg("%s: %s", bad[i].yaml, err);
        }
        ta_rules_free(r);
        unlink(path);
        free(path);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_intercept_data),
        cmocka_unit_test(test_operators),
        cmocka_unit_test(test_paths_and_groups),
        cmocka_unit_test(test_templates),
        cmocka_unit_test(test_template_blocks),
        cmocka_unit_test(test_order_and_suppression),
        cmocka_unit_test(test_override_and_min_severity),
        cmocka_unit_test(test_shared_predicates),
        cmocka_unit_test(test_malformed_files),
        cmocka_unit_test(test_type_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
