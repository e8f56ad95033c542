/* test_redact.c - --redact: which strings count as addresses (and which do
 * not: versions, OIDs, times, hex words), certificate names kept in their
 * shape, stability under one key, difference under two, and the
 * free-text pass that must not eat short words. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ta_jsonw.h"
#include "ta_redact.h"

static char *scrubbed(ta_redactor *r, const char *s)
{
    char *out = ta_redact_string(r, s);
    assert_non_null(out);
    return out;
}

static void expect_same(ta_redactor *r, const char *s)
{
    char *out = scrubbed(r, s);
    assert_string_equal(out, s);
    free(out);
}

static void expect_gone(ta_redactor *r, const char *s, const char *original)
{
    char *out = scrubbed(r, s);
    assert_null(strstr(out, original));
    free(out);
}

static void test_address_literals(void **state)
{
    (void)state;
    ta_redactor *r = ta_redactor_new(TA_REDACT_IPS, "k", 1);
    assert_non_null(r);
    /* Not addresses. */
    expect_same(r, "TLS 1.2 and TLS 1.3");
    expect_same(r, "OID 1.2.840.113549.1.1.11");
    expect_same(r, "version 1.2.3.4.5");
    expect_same(r, "at 13:05:24Z on 2026-11-23T13:05:24Z");
    expect_same(r, "sha256 deadbeef0123 and 0xc02f");
    expect_same(r, "256.1.1.1 is no address");
    expect_same(r, "");
    /* Addresses, in the places they occur. */
    expect_gone(r, "10.0.0.1", "10.0.0.1");
    expect_gone(r, "connect 10.0.0.1:443 now", "10.0.0.1");
    expect_gone(r, "server at 192.168.1.20.", "192.168.1.20");
    expect_gone(r, "[::1]:443", "::1");
    expect_gone(r, "IP:::1", "::1");
    expect_gone(r, "(2001:db8::5)", "2001:db8::5");
    expect_gone(r, "fe80::1 and ::ffff:10.1.2.3", "::ffff:10.1.2.3");
    char *a = scrubbed(r, "10.0.0.1:443 x");
    assert_non_null(strstr(a, ":443 x"));          /* the port stays */
    assert_int_equal(strncmp(a, "ip4-", 4), 0);
    char *b = scrubbed(r, "peer 10.0.0.1");
    assert_non_null(strstr(b, "ip4-"));
    /* The same address gives the same pseudonym; IPv6 in canonical form. */
    assert_int_equal(strncmp(b + 5, a, 14), 0);
    char *c = scrubbed(r, "::1");
    char *d = scrubbed(r, "0:0:0:0:0:0:0:1");
    assert_string_equal(c, d);
    free(a);
    free(b);
    free(c);
    free(d);
    ta_redactor_free(r);
}

static void test_fields_by_meaning(void **state)
{
    (void)state;
    ta_redactor *r = ta_redactor_new(TA_REDACT_ALL, "k", 1);
    json_error_t err;
    json_t *conn = json_loads(
        "{\"client\":\"10.0.0.1:5000\",\"server\":\"[2001:db8::2]:443\","
        "\"client_hello\":{\"sni\":\"API.Example.com\",\"max_version\":\"TLS 1.2\"},"
        "\"certificates\":[{\"subject\":\"CN=api.example.com,O=TLS,OU=a\\\\,b\","
        "  \"issuer\":\"CN=Example CA\",\"cn\":\"api.example.com\","
        "  \"san\":[\"DNS:*.example.com\",\"IP:10.0.0.9\",\"email:x@example.com\"],"
        "  \"sha256\":\"ab12\",\"not_after\":\"2030-01-01T00:00:00Z\"}],"
        "\"warnings\":[\"api.example.com answered TLS 1.2 from 10.0.0.9\"]}", 0, &err);
    assert_non_null(conn);
    /* Redacted by the schema, as the writers redact: each fact by its class. */
    json_t *facts = conn;
    conn = ta_jsonw_redacted(r, facts);
    json_decref(facts);
    assert_non_null(conn);
    char *s = json_dumps(conn, JSON_COMPACT);
    assert_non_null(s);
    const char *gone[] = {"10.0.0.1", "2001:db8::2", "xample", "Example CA", "10.0.0.9", "ab12",
                          "a\\\\,b"};
    for (size_t i = 0; i < sizeof(gone) / sizeof(gone[0]); i++) {
        if (strstr(s, gone[i]) != NULL) {
            fail_msg("%s left in %s", gone[i], s);
        }
    }
    /* Kept: ports, versions, dates, attribute types, the wildcard. */
    const char *kept[] = {":5000\"", "]:443\"", "TLS 1.2", "2030-01-01T00:00:00Z", "CN=host-",
                          ",O=name-", "DNS:*.host-", "IP:ip4-", "email:host-"};
    for (size_t i = 0; i < sizeof(kept) / sizeof(kept[0]); i++) {
        if (strstr(s, kept[i]) == NULL) {
            fail_msg("%s missing in %s", kept[i], s);
        }
    }
    /* SNI and CN: the same name (case aside), the same pseudonym. */
    const char *sni = json_string_value(json_object_get(json_object_get(conn, "client_hello"),
                                                        "sni"));
    json_t *cert = json_array_get(json_object_get(conn, "certificates"), 0);
    assert_string_equal(sni, json_string_value(json_object_get(cert, "cn")));
    /* The warning: the host name and the address replaced, "TLS" kept even
     * though an organisation is called TLS. */
    const char *w = json_string_value(json_array_get(json_object_get(conn, "warnings"), 0));
    assert_non_null(strstr(w, sni));
    assert_non_null(strstr(w, " answered TLS 1.2 from ip4-"));
    free(s);
    json_decref(conn);
    ta_redactor_free(r);
}

static void test_keys(void **state)
{
    (void)state;
    ta_redactor *a = ta_redactor_new(TA_REDACT_IPS, "one", 3);
    ta_redactor *b = ta_redactor_new(TA_REDACT_IPS, "one", 3);
    ta_redactor *c = ta_redactor_new(TA_REDACT_IPS, "two", 3);
    ta_redactor *d = ta_redactor_new(TA_REDACT_IPS, NULL, 0);
    ta_redactor *e = ta_redactor_new(TA_REDACT_IPS, NULL, 0);
    char *sa = scrubbed(a, "10.0.0.1");
    char *sb = scrubbed(b, "10.0.0.1");
    char *sc = scrubbed(c, "10.0.0.1");
    char *sd = scrubbed(d, "10.0.0.1");
    char *se = scrubbed(e, "10.0.0.1");
    assert_string_equal(sa, sb);
    assert_string_not_equal(sa, sc);
    assert_string_not_equal(sd, se);     /* random key per run */
    /* A key longer than a block is hashed, not cut. */
    char long1[200];
    char long2[200];
    memset(long1, 'x', sizeof(long1));
    memcpy(long2, long1, sizeof(long2));
    long2[199] = 'y';
    ta_redactor *l1 = ta_redactor_new(TA_REDACT_IPS, long1, sizeof(long1));
    ta_redactor *l2 = ta_redactor_new(TA_REDACT_IPS, long2, sizeof(long2));
    char *s1 = scrubbed(l1, "10.0.0.1");
    char *s2 = scrubbed(l2, "10.0.0.1");
    assert_string_not_equal(s1, s2);
    /* File names: extensions kept, the name gone, stdin as it is. */
    char *f = ta_redact_file(a, "/cases/api.example.com-2026.pcap.gz");
    assert_non_null(f);
    assert_null(strstr(f, "example"));
    assert_int_equal(strncmp(f, "capture-", 8), 0);
    assert_string_equal(f + strlen(f) - 8, ".pcap.gz");
    char *dash = ta_redact_file(a, "-");
    assert_string_equal(dash, "-");
    char *noext = ta_redact_file(a, "host.example.com");
    assert_null(strstr(noext, "example"));
    assert_null(strstr(noext, ".com"));
    free(f);
    free(dash);
    free(noext);
    free(sa);
    free(sb);
    free(sc);
    free(sd);
    free(se);
    free(s1);
    free(s2);
    ta_redactor_free(a);
    ta_redactor_free(b);
    ta_redactor_free(c);
    ta_redactor_free(d);
    ta_redactor_free(e);
    ta_redactor_free(l1);
    ta_redactor_free(l2);
    ta_redactor_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_address_literals),
        cmocka_unit_test(test_fields_by_meaning),
        cmocka_unit_test(test_keys),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
