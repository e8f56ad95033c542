/* test_tls.c - the TLS record layer (src/tls/tls.c) fed byte streams directly:
 * records split anywhere, several per chunk, messages across records,
 * detection by content, resynchronisation, caps, and outcomes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ta_conn.h"
#include "ta_tls.h"
#include "ta_tls_msg.h"

static const ta_tls_limits LIMITS = {1024, 4096, 64, NULL, NULL, NULL};

/* A record of |type| around |body|. */
static size_t record(uint8_t *out, uint8_t type, const uint8_t *body, size_t n)
{
    out[0] = type;
    out[1] = 3;
    out[2] = 3;
    out[3] = (uint8_t)(n >> 8);
    out[4] = (uint8_t)n;
    memcpy(out + 5, body, n);
    return n + 5;
}

/* A minimal ClientHello with SNI "a.example" (RFC 8446 4.1.2). */
static size_t client_hello(uint8_t *out)
{
    static const uint8_t sni[] = {0x00, 0x00, 0x00, 0x0e, 0x00, 0x0c, 0x00, 0x00, 0x09,
                                  'a', '.', 'e', 'x', 'a', 'm', 'p', 'l', 'e'};
    uint8_t *p = out;
    size_t body = 2 + 32 + 1 + 2 + 2 + 2 + 2 + sizeof(sni);
    *p++ = 1;
    *p++ = 0;
    *p++ = (uint8_t)(body >> 8);
    *p++ = (uint8_t)body;
    *p++ = 3;
    *p++ = 3;
    memset(p, 0x11, 32);
    p += 32;
    *p++ = 0;                      /* session id */
    *p++ = 0;
    *p++ = 2;
    *p++ = 0x13;
    *p++ = 0x01;                   /* TLS_AES_128_GCM_SHA256 */
    *p++ = 1;
    *p++ = 0;                      /* null compression */
    *p++ = 0;
    *p++ = sizeof(sni);
    memcpy(p, sni, sizeof(sni));
    p += sizeof(sni);
    return (size_t)(p - out);
}

static ta_conn *new_conn(void)
{
    ta_conn *c = calloc(1, sizeof(*c));
    assert_non_null(c);
    c->cdir = -1;
    return c;
}

static void feed(ta_conn *c, int dir, const uint8_t *p, size_t n, size_t chunk, uint64_t frame)
{
    for (size_t off = 0; off < n; off += chunk) {
        ta_cur cur;
        ta_cur_init(&cur, p + off, n - off < chunk ? n - off : chunk);
        ta_tls_data(c, dir, &cur, frame + off / chunk, &LIMITS);
    }
}

static void test_client_hello_any_split(void **state)
{
    (void)state;
    uint8_t msg[128];
    uint8_t rec[160];
    size_t m = client_hello(msg);
    size_t n = record(rec, 22, msg, m);

    for (size_t chunk = 1; chunk <= n; chunk++) {
        ta_conn *c = new_conn();
        feed(c, 0, rec, n, chunk, 10);
        assert_int_equal(c->num_client_hellos, 1);
        assert_int_equal(ta_ch(c)->frame, 10 + (n - 1) / chunk);   /* the completing frame */
        assert_int_equal(ta_ch(c)->sni.len, 9);
        assert_memory_equal(ta_ch(c)->sni.data, "a.example", 9);
        assert_int_equal(c->cdir, 0);
        ta_conn_free(c);
    }
}

static void test_message_across_records_and_alerts_in_one_chunk(void **state)
{
    (void)state;
    uint8_t msg[128];
    uint8_t buf[400];
    size_t m = client_hello(msg);
    size_t n = record(buf, 22, msg, 7);
    n += record(buf + n, 22, msg + 7, m - 7);
    n += record(buf + n, 21, (const uint8_t[]){1, 0, 2, 40}, 4);   /* two alerts */
    ta_conn *c = new_conn();

    feed(c, 0, buf, n, n, 3);
    assert_int_equal(c->num_client_hellos, 1);
    assert_int_equal(c->num_alerts, 2);
    assert_int_equal(c->alerts[1].level, 2);
    assert_int_equal(c->alerts[1].description, 40);
    assert_false(c->alerts[1].encrypted);
    assert_string_equal(ta_tls_outcome(c), "alert");
    ta_conn_free(c);
}

static void test_plaintext_prefix_then_hello(void **state)
{
    (void)state;
    uint8_t msg[128];
    uint8_t buf[300];
    static const char prefix[] = "STARTTLS\r\n";
    memcpy(buf, prefix, sizeof(prefix) - 1);
    size_t n = sizeof(prefix) - 1;
    n += record(buf + n, 22, msg, client_hello(msg));
    ta_conn *c = new_conn();

    feed(c, 0, buf, n, 3, 1);      /* small chunks: the header straddles them */
    assert_int_equal(c->num_client_hellos, 1);
    ta_conn_free(c);
}

static void test_not_tls_gives_up(void **state)
{
    (void)state;
    uint8_t junk[200];
    memset(junk, 'A', sizeof(junk));
    ta_conn *c = new_conn();

    feed(c, 0, junk, sizeof(junk), 50, 1);
    assert_int_equal(c->dir[0].state, TA_REC_OFF);    /* searched max_scan_bytes, then stopped */
    assert_false(c->dir[0].is_tls);
    assert_string_equal(ta_tls_outcome(c), "not_tls");
    ta_conn_free(c);
}

static void test_oversized_record_resyncs(void **state)
{
    (void)state;
    uint8_t buf[400];
    uint8_t msg[128];
    size_t n = record(buf, 22, msg, client_hello(msg));
    /* A header claiming 0xffff bytes (> 2^14 + 2048), then a valid alert. */
    static const uint8_t bad[] = {23, 3, 3, 0xff, 0xff};
    memcpy(buf + n, bad, sizeof(bad));
    n += sizeof(bad);
    n += record(buf + n, 21, (const uint8_t[]){2, 70}, 2);
    ta_conn *c = new_conn();

    feed(c, 0, buf, n, n, 1);
    assert_int_equal(c->num_alerts, 1);
    assert_int_equal(c->alerts[0].description, 70);
    assert_true(c->num_warnings >= 1);
    ta_conn_free(c);
}

static void test_handshake_message_over_cap_is_skipped(void **state)
{
    (void)state;
    /* A 2000-byte Certificate message with the cap at 1024, then a
     * ServerHelloDone in the same stream. */
    uint8_t body[2004 + 4];
    memset(body, 0, sizeof(body));
    body[0] = 11;
    body[1] = 0;
    body[2] = 0x07;
    body[3] = 0xd0;
    body[2004] = 14;               /* ServerHelloDone, length 0 */
    uint8_t buf[2100];
    size_t n = record(buf, 22, body, sizeof(body));
    ta_conn *c = new_conn();

    feed(c, 1, buf, n, 100, 1);
    assert_int_equal(c->num_warnings, 1);
    assert_non_null(strstr(c->warnings[0], "--max-handshake-bytes"));
    assert_int_equal(c->events[c->num_events - 1].detail, 14);
    ta_conn_free(c);
}

static void test_gap_then_resync(void **state)
{
    (void)state;
    uint8_t msg[128];
    uint8_t buf[300];
    size_t m = client_hello(msg);
    size_t n = record(buf, 22, msg, m);
    ta_conn *c = new_conn();

    feed(c, 0, buf, 20, 20, 1);                /* the record starts... */
    ta_tls_gap(c, 0, 100, 2);                  /* ...and the rest is lost */
    n = record(buf, 21, (const uint8_t[]){2, 80}, 2);
    feed(c, 0, buf, n, n, 3);
    assert_int_equal(c->num_client_hellos, 0);
    assert_int_equal(c->num_alerts, 1);
    assert_int_equal(c->alerts[0].frame, 3);
    ta_conn_free(c);
}

static void test_empty_input_and_zero_length_record(void **state)
{
    (void)state;
    ta_conn *c = new_conn();
    ta_cur empty;
    ta_cur_init(&empty, NULL, 0);
    ta_tls_data(c, 0, &empty, 1, &LIMITS);
    static const uint8_t zero[] = {23, 3, 3, 0, 0, 23, 3, 3, 0, 1, 0xaa};
    feed(c, 1, zero, sizeof(zero), sizeof(zero), 2);
    assert_int_equal(c->dir[1].num_records, 2);
    assert_string_equal(ta_tls_outcome(c), "midstream");
    ta_conn_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_client_hello_any_split),
        cmocka_unit_test(test_message_across_records_and_alerts_in_one_chunk),
        cmocka_unit_test(test_plaintext_prefix_then_hello),
        cmocka_unit_test(test_not_tls_gives_up),
        cmocka_unit_test(test_oversized_record_resyncs),
        cmocka_unit_test(test_handshake_message_over_cap_is_skipped),
        cmocka_unit_test(test_gap_then_resync),
        cmocka_unit_test(test_empty_input_and_zero_length_record),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
