/* test_apigee.c - --profile apigee: addresses from the command line, a
 * connection's place (by option, inferred from the MP port 8998 in a
 * pre-pass, unknown), and the remediation chosen by side, with the load
 * errors of side texts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <cmocka.h>

#include "ta_apigee.h"
#include "ta_decode.h"
#include "ta_rules.h"

static void test_parse_net(void **state)
{
    (void)state;
    ta_apigee_net n;
    assert_true(ta_apigee_parse_net("10.1.2.3", true, &n));
    assert_int_equal(n.family, 4);
    assert_int_equal(n.prefix, 32);
    assert_int_equal(n.port, 0);
    assert_true(ta_apigee_parse_net("10.1.2.3:443", true, &n));
    assert_int_equal(n.port, 443);
    assert_true(ta_apigee_parse_net("10.1.0.0/16", true, &n));
    assert_int_equal(n.prefix, 16);
    assert_true(ta_apigee_parse_net("[2001:db8::1]:8443", true, &n));
    assert_int_equal(n.family, 6);
    assert_int_equal(n.port, 8443);
    assert_true(ta_apigee_parse_net("2001:db8::/32", true, &n));
    assert_int_equal(n.prefix, 32);
    assert_true(ta_apigee_parse_net("[2001:db8::]/48", true, &n));
    assert_int_equal(n.prefix, 48);
    assert_true(ta_apigee_parse_net("::1", false, &n));

    static const char *const bad[] = {"", "10.1.2", "10.1.2.3:", "10.1.2.3:0", "10.1.2.3:65536",
                                      "10.1.2.3:44x", "10.1.0.0/33", "10.1.0.0/", "10.1.0.0/-1",
                                      "[::1", "[::1]:", "[10.1.2.3]:443", "2001:db8::/129",
                                      "host.example", "[::1]x"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (ta_apigee_parse_net(bad[i], true, &n)) {
            fail_msg("accepted \"%s\"", bad[i]);
        }
    }
    assert_true(ta_apigee_parse_net("10.1.0.0/16:443", true, &n));   /* a network's port */
    assert_int_equal(n.port, 443);
    assert_false(ta_apigee_parse_net("10.1.2.3:443", false, &n));   /* no port wanted */
    assert_false(ta_apigee_parse_net("[::1]:443", false, &n));
}

/* An Ethernet/IPv4/TCP segment with |flags| from a:sp to b:dp. */
static void segment(uint8_t *f, const char *a, uint16_t sp, const char *b, uint16_t dp,
                    uint8_t flags)
{
    memset(f, 0, 54);
    f[12] = 0x08;                       /* IPv4 */
    f[14] = 0x45;
    f[16] = 0;
    f[17] = 40;                         /* total length */
    f[22] = 64;
    f[23] = 6;                          /* TCP */
    inet_pton(AF_INET, a, f + 26);
    inet_pton(AF_INET, b, f + 30);
    f[34] = (uint8_t)(sp >> 8);
    f[35] = (uint8_t)sp;
    f[36] = (uint8_t)(dp >> 8);
    f[37] = (uint8_t)dp;
    f[46] = 0x50;                       /* data offset 5 */
    f[47] = flags;
}

static void syn(ta_apigee *a, const char *c, const char *s, uint16_t port)
{
    uint8_t f[54];
    ta_record r = {1, 0, 1, f, sizeof(f), sizeof(f)};
    segment(f, c, 40000, s, port, 0x02);
    ta_apigee_observe(a, &r);
    segment(f, s, port, c, 40000, 0x12);            /* SYN-ACK: not counted */
    ta_apigee_observe(a, &r);
}

static void conn_of(ta_conn *c, const char *client, const char *server, uint16_t port)
{
    memset(c, 0, sizeof(*c));
    c->family = 4;
    c->cdir = 1;                        /* the client is end 1 */
    inet_pton(AF_INET, client, c->addr[1]);
    inet_pton(AF_INET, server, c->addr[0]);
    c->port[1] = 40000;
    c->port[0] = port;
}

static void place(const ta_apigee *a, const char *client, const char *server, uint16_t port,
                  ta_apigee_dir dir, ta_apigee_role cr, ta_apigee_role sr, ta_apigee_how how)
{
    ta_conn c;
    ta_apigee_place p;
    conn_of(&c, client, server, port);
    ta_apigee_place_conn(a, &c, &p);
    assert_int_equal(p.dir, dir);
    assert_int_equal(p.client, cr);
    assert_int_equal(p.server, sr);
    assert_int_equal(p.how, how);
}

static void test_place_by_option(void **state)
{
    (void)state;
    ta_apigee_cfg cfg = {0};
    assert_true(ta_apigee_parse_net("10.0.1.0/24", true, &cfg.routers[cfg.num_routers++]));
    assert_true(ta_apigee_parse_net("10.0.2.7", true, &cfg.mps[cfg.num_mps++]));
    ta_apigee *a = ta_apigee_new(&cfg);
    assert_non_null(a);
    place(a, "192.0.2.1", "10.0.1.9", 443, TA_AP_NORTHBOUND, TA_AP_CLIENT_APP, TA_AP_ROUTER,
          TA_AP_BY_OPTION);
    place(a, "10.0.1.9", "10.0.2.7", 8998, TA_AP_DIR_NONE, TA_AP_ROUTER, TA_AP_MP,
          TA_AP_BY_OPTION);
    place(a, "10.0.2.7", "203.0.113.5", 443, TA_AP_SOUTHBOUND, TA_AP_MP, TA_AP_BACKEND,
          TA_AP_BY_OPTION);
    place(a, "192.0.2.1", "203.0.113.5", 443, TA_AP_DIR_NONE, TA_AP_ROLE_NONE, TA_AP_ROLE_NONE,
          TA_AP_UNKNOWN);
    ta_apigee_free(a);

    /* A Router named with its port is a Router on that port only. */
    ta_apigee_cfg port = {0};
    assert_true(ta_apigee_parse_net("10.0.1.9:9001", true, &port.routers[port.num_routers++]));
    a = ta_apigee_new(&port);
    place(a, "192.0.2.1", "10.0.1.9", 9001, TA_AP_NORTHBOUND, TA_AP_CLIENT_APP, TA_AP_ROUTER,
          TA_AP_BY_OPTION);
    place(a, "192.0.2.1", "10.0.1.9", 443, TA_AP_DIR_NONE, TA_AP_ROLE_NONE, TA_AP_ROLE_NONE,
          TA_AP_UNKNOWN);
    ta_apigee_free(a);
}

static void test_place_inferred(void **state)
{
    (void)state;
    ta_apigee_cfg cfg = {0};
    char host[INET6_ADDRSTRLEN];
    ta_apigee *a = ta_apigee_new(&cfg);
    /* Captured on the MP 10.0.2.7: the Router calls it on 8998, it calls backends. */
    syn(a, "10.0.1.9", "10.0.2.7", 8998);
    syn(a, "10.0.2.7", "203.0.113.5", 443);
    syn(a, "10.0.2.7", "203.0.113.6", 8443);
    ta_apigee_observed(a);
    assert_int_equal(ta_apigee_capture_host(a, host, sizeof(host)), TA_AP_INFERRED);
    assert_string_equal(host, "10.0.2.7");
    place(a, "10.0.2.7", "203.0.113.5", 443, TA_AP_SOUTHBOUND, TA_AP_MP, TA_AP_BACKEND,
          TA_AP_INFERRED);
    place(a, "10.0.1.9", "10.0.2.7", 8998, TA_AP_DIR_NONE, TA_AP_ROUTER, TA_AP_MP,
          TA_AP_INFERRED);
    place(a, "192.0.2.1", "10.0.1.9", 443, TA_AP_NORTHBOUND, TA_AP_CLIENT_APP, TA_AP_ROUTER,
          TA_AP_INFERRED);
    ta_apigee_free(a);

    /* One connection: either end could be the capture host, nothing is known. */
    a = ta_apigee_new(&cfg);
    syn(a, "192.0.2.1", "10.0.1.9", 443);
    ta_apigee_observed(a);
    assert_int_equal(ta_apigee_capture_host(a, host, sizeof(host)), TA_AP_UNKNOWN);
    place(a, "192.0.2.1", "10.0.1.9", 443, TA_AP_DIR_NONE, TA_AP_ROLE_NONE, TA_AP_ROLE_NONE,
          TA_AP_UNKNOWN);
    ta_apigee_free(a);

    /* A host both serving and calling 8998 (all-in-one) is neither. */
    a = ta_apigee_new(&cfg);
    syn(a, "10.0.0.1", "10.0.0.2", 8998);
    syn(a, "10.0.0.2", "10.0.0.1", 8998);
    ta_apigee_observed(a);
    place(a, "10.0.0.2", "203.0.113.5", 443, TA_AP_DIR_NONE, TA_AP_ROLE_NONE, TA_AP_ROLE_NONE,
          TA_AP_UNKNOWN);
    ta_apigee_free(a);

    /* Hostile records: too short, not TCP; nothing counted, nothing read past the end. */
    a = ta_apigee_new(&cfg);
    uint8_t f[54];
    segment(f, "10.0.1.9", 1, "10.0.2.7", 8998, 0x02);
    for (size_t len = 0; len < sizeof(f); len++) {
        uint8_t *copy = malloc(len > 0 ? len : 1);
        memcpy(copy, f, len);
        ta_record r = {1, 0, 1, copy, len, len};
        ta_apigee_observe(a, &r);
        free(copy);
    }
    ta_apigee_observed(a);
    place(a, "10.0.2.7", "203.0.113.5", 443, TA_AP_DIR_NONE, TA_AP_ROLE_NONE, TA_AP_ROLE_NONE,
          TA_AP_UNKNOWN);
    ta_apigee_free(a);
}

/* A Linux cooked capture v2 (`tcpdump -i any`) frame of packet type |type|
 * (0 to us, 4 outgoing) around a segment; v1 when |v1|. */
static size_t cooked(uint8_t *f, bool v1, uint8_t type, const char *a, uint16_t sp,
                     const char *b, uint16_t dp, uint8_t flags)
{
    uint8_t eth[54];
    size_t hdr = v1 ? 16 : 20;
    segment(eth, a, sp, b, dp, flags);
    memset(f, 0, hdr);
    if (v1) {
        f[1] = type;
        f[14] = 0x08;               /* protocol IPv4, last */
    } else {
        f[0] = 0x08;                /* protocol IPv4, first */
        f[10] = type;
    }
    memcpy(f + hdr, eth + 14, 40);
    return hdr + 40;
}

static void test_cooked_directions(void **state)
{
    (void)state;
    uint8_t f[64];
    ta_packet p;
    static const struct {
        bool v1;
        uint8_t type;
        uint8_t want;
    } cases[] = {{false, 0, TA_LINK_INCOMING}, {false, 4, TA_LINK_OUTGOING},
                 {false, 3, TA_LINK_UNKNOWN},  {true, 0, TA_LINK_INCOMING},
                 {true, 4, TA_LINK_OUTGOING},  {true, 1, TA_LINK_UNKNOWN}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        size_t n = cooked(f, cases[i].v1, cases[i].type, "10.0.0.1", 1, "10.0.0.2", 2, 0x02);
        assert_int_equal(ta_decode_packet(&p, cases[i].v1 ? 113 : 276, f, n), TA_DEC_OK);
        assert_int_equal(p.link_dir, cases[i].want);
    }
    uint8_t eth[54];
    segment(eth, "10.0.0.1", 1, "10.0.0.2", 2, 0x02);
    assert_int_equal(ta_decode_packet(&p, 1, eth, sizeof(eth)), TA_DEC_OK);
    assert_int_equal(p.link_dir, TA_LINK_UNKNOWN);

    /* One connection captured on the client app 192.0.2.1 with -i any:
     * its packets go out and come in, so it is the capture host. */
    ta_apigee_cfg cfg = {0};
    char host[INET6_ADDRSTRLEN];
    ta_apigee *a = ta_apigee_new(&cfg);
    size_t n = cooked(f, false, 4, "192.0.2.1", 40000, "10.0.1.9", 443, 0x02);
    ta_record out = {1, 0, 276, f, n, n};
    ta_apigee_observe(a, &out);
    uint8_t g[64];
    n = cooked(g, false, 0, "10.0.1.9", 443, "192.0.2.1", 40000, 0x12);
    ta_record in = {2, 0, 276, g, n, n};
    ta_apigee_observe(a, &in);
    ta_apigee_observed(a);
    assert_int_equal(ta_apigee_capture_host(a, host, sizeof(host)), TA_AP_INFERRED);
    assert_string_equal(host, "192.0.2.1");
    ta_conn c;
    ta_apigee_place pl;
    conn_of(&c, "192.0.2.1", "10.0.1.9", 443);
    ta_apigee_place_conn(a, &c, &pl);
    assert_int_equal(pl.traffic, TA_AP_OUTGOING);
    assert_int_equal(pl.how, TA_AP_UNKNOWN);       /* the roles still cannot be told */
    ta_apigee_free(a);

    /* On loopback both ends are "to us": no capture host from directions. */
    a = ta_apigee_new(&cfg);
    n = cooked(f, false, 0, "127.0.0.2", 40000, "127.0.0.3", 443, 0x02);
    ta_record l1 = {1, 0, 276, f, n, n};
    ta_apigee_observe(a, &l1);
    n = cooked(g, false, 0, "127.0.0.3", 443, "127.0.0.2", 40000, 0x12);
    ta_record l2 = {2, 0, 276, g, n, n};
    ta_apigee_observe(a, &l2);
    ta_apigee_observed(a);
    assert_int_equal(ta_apigee_capture_host(a, host, sizeof(host)), TA_AP_UNKNOWN);
    ta_apigee_free(a);
}

/* ---------------------------------------------------------------- remediation */

static char *write_tmp(const char *yaml)
{
    char *path = strdup("/tmp/tlsa-apigee-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, yaml, strlen(yaml)), (ssize_t)strlen(yaml));
    close(fd);
    return path;
}

static const char *RULE =
    "id: r\nseverity: error\ntitle: t\nwhen: {outcome: {==: alert}}\nsummary: s\n"
    "remediation:\n"
    "  generic: G\n"
    "  apigee:\n"
    "    northbound: Northbound N {server}\n"
    "    southbound: Southbound S\n"
    "  apigee-x:\n"
    "    northbound: Northbound XN\n";

static char *remedy(ta_rules *r, const char *profile, const char *dir)
{
    char facts[256];
    snprintf(facts, sizeof(facts),
             "{\"outcome\":\"alert\",\"server\":\"10.0.0.2:443\"%s%s%s}",
             dir != NULL ? ",\"apigee\":{\"direction\":" : "", dir != NULL ? dir : "",
             dir != NULL ? "}" : "");
    json_t *conn = json_loads(facts, 0, NULL);
    assert_non_null(conn);
    json_t *d = ta_rules_apply(r, conn, profile, TA_SEV_INFO);
    assert_non_null(d);
    char *out = strdup(json_string_value(json_object_get(json_array_get(d, 0), "remediation")));
    json_decref(d);
    json_decref(conn);
    return out;
}

static void expect(ta_rules *r, const char *profile, const char *dir, const char *want)
{
    char *got = remedy(r, profile, dir);
    if (strcmp(got, want) != 0) {
        fail_msg("%s, direction %s: \"%s\", wanted \"%s\"", profile, dir != NULL ? dir : "absent",
                 got, want);
    }
    free(got);
}

static void test_remediation_by_side(void **state)
{
    (void)state;
    char err[512] = "";
    char *path = write_tmp(RULE);
    ta_rules *r = ta_rules_new();
    assert_true(ta_rules_load_file(r, path, err, sizeof(err)));
    expect(r, "generic", NULL, "G");
    expect(r, "generic", "\"southbound\"", "G");
    expect(r, "apigee", "\"northbound\"", "Northbound N 10.0.0.2:443");
    expect(r, "apigee", "\"southbound\"", "Southbound S");
    expect(r, "apigee", "null", "Northbound N 10.0.0.2:443 Southbound S");
    expect(r, "apigee", NULL, "Northbound N 10.0.0.2:443 Southbound S");
    expect(r, "apigee-x", "\"northbound\"", "Northbound XN");
    expect(r, "apigee-x", "\"southbound\"", "Southbound S");       /* apigee's */
    expect(r, "apigee-x", "null", "Northbound XN Southbound S");
    ta_rules_free(r);
    unlink(path);
    free(path);

    /* One text for a profile: the same on both sides, said once. */
    path = write_tmp("id: r\nseverity: error\ntitle: t\nwhen: {outcome: {==: alert}}\n"
                     "summary: s\nremediation: {generic: G, apigee: A}\n");
    r = ta_rules_new();
    assert_true(ta_rules_load_file(r, path, err, sizeof(err)));
    expect(r, "apigee", "null", "A");
    expect(r, "apigee-x", "\"northbound\"", "A");
    ta_rules_free(r);
    unlink(path);
    free(path);
}

static void test_side_load_errors(void **state)
{
    (void)state;
    static const struct {
        const char *remediation;
        const char *where;
        const char *what;
    } cases[] = {
        {"  apigee:\n    northbound: Northbound N\n", ":8:5: ",
         "remediation of apigee by side needs both northbound and southbound"},
        {"  apigee:\n    east: Northbound N\n", ":8:5: ", "unknown side \"east\""},
        {"  apigee:\n    northbound: N\n    southbound: Southbound S\n", ":8:17: ",
         "a northbound text begins with \"Northbound\""},
        {"  apigee-y: A\n", ":7:3: ", "unknown profile \"apigee-y\""},
        {"  apigee: A\n  apigee: B\n", ":8:3: ", "given twice"},
        {"  apigee:\n    northbound: Northbound {nope}\n    southbound: Southbound\n", ":8:17: ",
         "unknown fact \"nope\""},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char yaml[512];
        char err[512] = "";
        snprintf(yaml, sizeof(yaml),
                 "id: r\nseverity: error\ntitle: t\nwhen: {outcome: {==: alert}}\n"
                 "summary: s\nremediation:\n%s",
                 cases[i].remediation);
        char *path = write_tmp(yaml);
        ta_rules *r = ta_rules_new();
        assert_false(ta_rules_load_file(r, path, err, sizeof(err)));
        if (strstr(err, cases[i].where) == NULL || strstr(err, cases[i].what) == NULL) {
            fail_msg("case %zu: \"%s\", wanted %s%s", i, err, cases[i].where, cases[i].what);
        }
        ta_rules_free(r);
        unlink(path);
        free(path);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_net),
        cmocka_unit_test(test_place_by_option),
        cmocka_unit_test(test_place_inferred),
        cmocka_unit_test(test_cooked_directions),
        cmocka_unit_test(test_remediation_by_side),
        cmocka_unit_test(test_side_load_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
