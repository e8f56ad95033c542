/* test_core.c - cursor, capped buffer, escaping, TCP reassembly, flow table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ta_buf.h"
#include "ta_cursor.h"
#include "ta_escape.h"
#include "ta_facts.h"
#include "ta_flow.h"
#include "ta_stream.h"

static void test_cursor_getters(void **state)
{
    (void)state;
    static const uint8_t b[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    ta_cur c;
    uint8_t u8;
    uint16_t u16;
    uint32_t u32;

    ta_cur_init(&c, b, sizeof(b));
    assert_true(ta_cur_get_u8(&c, &u8));
    assert_int_equal(u8, 1);
    assert_true(ta_cur_get_u16(&c, &u16));
    assert_int_equal(u16, 0x0203);
    assert_true(ta_cur_get_u24(&c, &u32));
    assert_int_equal(u32, 0x040506);
    assert_true(ta_cur_get_u32(&c, &u32));
    assert_int_equal(u32, 0x0708090a);
    assert_int_equal(ta_cur_len(&c), 0);
    assert_false(ta_cur_get_u8(&c, &u8));
}

static void test_cursor_short_leaves_position(void **state)
{
    (void)state;
    static const uint8_t b[] = {0xaa, 0xbb, 0xcc};
    ta_cur c;
    uint32_t v;

    ta_cur_init(&c, b, sizeof(b));
    assert_false(ta_cur_get_u32(&c, &v));
    assert_int_equal(ta_cur_len(&c), 3);
    assert_false(ta_cur_skip(&c, 4));
    assert_int_equal(ta_cur_len(&c), 3);
    assert_true(ta_cur_get_u16le(&c, (uint16_t *)&v));
    assert_int_equal((uint16_t)v, 0xbbaa);
}

static void test_cursor_prefixed(void **state)
{
    (void)state;
    /* u16 length 3, then 3 bytes, then a u8 vector that overruns. */
    static const uint8_t b[] = {0x00, 0x03, 'a', 'b', 'c', 0x05, 'x'};
    ta_cur c;
    ta_cur child;

    ta_cur_init(&c, b, sizeof(b));
    assert_true(ta_cur_get_u16_prefixed(&c, &child));
    assert_int_equal(ta_cur_len(&child), 3);
    assert_memory_equal(ta_cur_data(&child), "abc", 3);
    assert_false(ta_cur_get_u8_prefixed(&c, &child));
    assert_int_equal(ta_cur_len(&c), 2);   /* untouched on failure */
}

static void test_cursor_peek_truncate(void **state)
{
    (void)state;
    static const uint8_t b[] = {1, 2, 3, 4};
    ta_cur c;
    uint8_t v;
    uint16_t w;

    ta_cur_init(&c, b, sizeof(b));
    assert_true(ta_cur_peek_u8(&c, 3, &v));
    assert_int_equal(v, 4);
    assert_false(ta_cur_peek_u8(&c, 4, &v));
    assert_false(ta_cur_peek_u16(&c, 3, &w));
    assert_true(ta_cur_truncate(&c, 2));
    assert_int_equal(ta_cur_len(&c), 2);
    assert_false(ta_cur_truncate(&c, 3));
    ta_cur_init(&c, NULL, 10);
    assert_int_equal(ta_cur_len(&c), 0);
}

/* RFC 9000 A.1's examples, one of each length, and the minimal-length
 * rule not being enforced (0x4025 is 37 too). */
static void test_cursor_varint(void **state)
{
    (void)state;
    static const uint8_t b[] = {0xc2, 0x19, 0x7c, 0x5e, 0xff, 0x14, 0xe8, 0x8c, 0x9d, 0x7f,
                                0x3e, 0x7d, 0x7b, 0xbd, 0x25, 0x40, 0x25, 0x02, 'h', 'i',
                                0x03, 'x'};
    ta_cur c;
    ta_cur child;
    uint64_t v;

    ta_cur_init(&c, b, sizeof(b));
    assert_true(ta_cur_get_varint(&c, &v));
    assert_true(v == 151288809941952652ULL);
    assert_true(ta_cur_get_varint(&c, &v));
    assert_int_equal(v, 494878333);
    assert_true(ta_cur_get_varint(&c, &v));
    assert_int_equal(v, 15293);
    assert_true(ta_cur_get_varint(&c, &v));
    assert_int_equal(v, 37);
    assert_true(ta_cur_get_varint(&c, &v));
    assert_int_equal(v, 37);
    assert_true(ta_cur_get_varint_prefixed(&c, &child));
    assert_memory_equal(ta_cur_data(&child), "hi", 2);
    assert_false(ta_cur_get_varint_prefixed(&c, &child));  /* 3 claimed, 1 left */
    assert_int_equal(ta_cur_len(&c), 2);
    /* A 4-byte varint one byte short leaves the cursor alone. */
    static const uint8_t cut[] = {0x9d, 0x7f, 0x3e};
    ta_cur_init(&c, cut, sizeof(cut));
    assert_false(ta_cur_get_varint(&c, &v));
    assert_int_equal(ta_cur_len(&c), 3);
    ta_cur_init(&c, NULL, 0);
    assert_false(ta_cur_get_varint(&c, &v));
}

static void test_buf_cap(void **state)
{
    (void)state;
    static const uint8_t b[] = "0123456789";
    ta_buf buf;
    ta_cur c;

    ta_buf_init(&buf, 8);
    ta_cur_init(&c, b, 10);
    assert_true(ta_buf_append_cur(&buf, &c, 5));
    assert_false(ta_buf_append_cur(&buf, &c, 4));   /* 9 > cap 8 */
    assert_int_equal(buf.len, 5);
    assert_int_equal(ta_cur_len(&c), 5);
    assert_true(ta_buf_append_cur(&buf, &c, 3));
    ta_buf_consume(&buf, 2);
    assert_memory_equal(buf.data, "234567", 6);
    ta_buf_reset(&buf);
    ta_buf_reset(NULL);
}

/* Lists in an arena: grown past their first reservation they keep their
 * values, byte strings are capped and NUL-terminated as on the heap, and
 * their free gives nothing back one by one (the arena does: a leak or a
 * double free here fails under the sanitizers). */
static void test_lists_in_arena(void **state)
{
    (void)state;
    ta_arena a;
    ta_u32_list l = {0};
    ta_bytes_list names = {0};
    static uint8_t big[TA_MAX_NAME + 10];
    ta_cur c;

    ta_arena_init(&a, 64);
    l.arena = &a;
    names.arena = &a;
    assert_true(ta_u32_list_reserve(&l, 3));
    for (uint32_t i = 0; i < 1000; i++) {
        assert_true(ta_u32_list_push(&l, i * 7));
    }
    assert_int_equal(l.num, 1000);
    for (uint32_t i = 0; i < 1000; i++) {
        assert_int_equal(l.v[i], i * 7);
    }
    assert_true(a.num_chunks > 1);
    memset(big, 'x', sizeof(big));
    ta_cur_init(&c, (const uint8_t *)"h2", 2);
    assert_true(ta_bytes_list_push(&names, &c));
    ta_cur_init(&c, big, sizeof(big));
    assert_true(ta_bytes_list_push(&names, &c));
    assert_int_equal(names.num, 2);
    assert_string_equal((const char *)names.v[0].data, "h2");
    assert_false(names.v[0].truncated);
    assert_int_equal(names.v[1].len, TA_MAX_NAME);
    assert_true(names.v[1].truncated);
    assert_int_equal(names.v[1].data[TA_MAX_NAME], 0);
    ta_u32_list_free(&l);
    ta_bytes_list_free(&names);
    assert_null(l.v);
    ta_arena_cleanup(&a);
}

static void check_escape(const char *in, size_t len, const char *want)
{
    char *out = ta_escape((const uint8_t *)in, len);
    assert_non_null(out);
    assert_string_equal(out, want);
    free(out);
}

static void test_shell_word(void **state)
{
    char out[64];
    (void)state;
    ta_shell_word(out, sizeof(out), "/tmp/x/a-b_c.pem");
    assert_string_equal(out, "/tmp/x/a-b_c.pem");
    ta_shell_word(out, sizeof(out), "a b");
    assert_string_equal(out, "'a b'");
    ta_shell_word(out, sizeof(out), "it's");
    assert_string_equal(out, "'it'\\''s'");
    ta_shell_word(out, sizeof(out), "[::1]:443");   /* brackets glob: quoted */
    assert_string_equal(out, "'[::1]:443'");
    ta_shell_word(out, sizeof(out), "");
    assert_string_equal(out, "''");
    ta_shell_word(out, sizeof(out), "$(rm -rf /)");
    assert_string_equal(out, "'$(rm -rf /)'");
    ta_shell_word(out, 8, "a b c d e f g h");    /* cut, still closed */
    assert_int_equal(out[0], '\'');
    assert_int_equal(out[strlen(out) - 1], '\'');
    assert_true(strlen(out) < 8);
}

static void test_escape(void **state)
{
    (void)state;
    check_escape("api.example.com", 15, "api.example.com");
    check_escape("a\033[31mb", 7, "a\\x1b[31mb");
    check_escape("a\0b", 3, "a\\x00b");
    check_escape("\xff\xfe", 2, "\\xff\\xfe");
    check_escape("caf\xc3\xa9", 5, "caf\xc3\xa9");
    check_escape("x\xe2\x80\xaey", 5, "x\\u{202e}y");            /* RIGHT-TO-LEFT OVERRIDE */
    check_escape("back\\slash", 10, "back\\\\slash");
    check_escape("\xc0\xaf", 2, "\\xc0\\xaf");                   /* overlong '/' */
    check_escape("\xed\xa0\x80", 3, "\\xed\\xa0\\x80");          /* surrogate */
    check_escape("\xc2\x85", 2, "\\u{0085}");                    /* C1 NEL */
    check_escape("", 0, "");
}

/* Collects what a stream delivers. */
typedef struct {
    uint8_t data[256];
    size_t len;
    uint32_t gaps;
    uint32_t lost;
    uint64_t last_frame;
} collector;

static void col_data(void *arg, ta_cur *bytes, uint64_t frame)
{
    collector *c = arg;
    size_t n = ta_cur_len(bytes);
    assert_true(c->len + n <= sizeof(c->data));
    assert_true(ta_cur_copy(bytes, c->data + c->len, n));
    c->len += n;
    c->last_frame = frame;
}

static void col_gap(void *arg, uint32_t lost, uint64_t frame)
{
    collector *c = arg;
    (void)frame;
    c->gaps++;
    c->lost += lost;
}

static void seg(ta_stream *s, uint32_t seq, const char *p, uint64_t frame, ta_stream_sink *k)
{
    ta_cur c;
    ta_cur_init(&c, (const uint8_t *)p, strlen(p));
    ta_stream_segment(s, seq, &c, frame, k);
}

static void test_stream_in_order_and_ooo(void **state)
{
    (void)state;
    collector col = {0};
    ta_stream_sink sink = {col_data, col_gap, &col};
    ta_stream s;

    ta_stream_init(&s, 1024);
    ta_stream_syn(&s, 999);
    seg(&s, 1000, "abc", 1, &sink);
    seg(&s, 1006, "ghi", 2, &sink);      /* ahead of a hole */
    assert_int_equal(col.len, 3);
    seg(&s, 1003, "def", 3, &sink);      /* fills it */
    assert_int_equal(col.len, 9);
    assert_memory_equal(col.data, "abcdefghi", 9);
    assert_int_equal(col.last_frame, 3);  /* the frame that completed the data */
    seg(&s, 1000, "abcdef", 4, &sink);   /* retransmission */
    assert_int_equal(col.len, 9);
    assert_int_equal(s.num_retransmissions, 1);
    seg(&s, 1007, "hijk", 5, &sink);     /* overlap with new bytes at the end */
    assert_memory_equal(col.data, "abcdefghijk", 11);
    assert_int_equal(col.gaps, 0);
    ta_stream_cleanup(&s);
}

static void test_stream_overlap_conflict(void **state)
{
    (void)state;
    collector col = {0};
    ta_stream_sink sink = {col_data, col_gap, &col};
    ta_stream s;

    ta_stream_init(&s, 1024);
    ta_stream_syn(&s, 0);
    seg(&s, 1, "a", 1, &sink);
    seg(&s, 4, "XYZ", 2, &sink);
    seg(&s, 5, "QZ", 3, &sink);          /* overlaps "YZ" with a different byte */
    assert_int_equal(s.num_conflicts, 1);
    seg(&s, 2, "bc", 4, &sink);
    assert_memory_equal(col.data, "abcXYZ", 6);   /* first copy wins */
    ta_stream_cleanup(&s);
}

/* The first copy also wins over a later copy that starts earlier, held or
 * in order: the bytes held out of order are the ones delivered. */
static void test_stream_overlap_earlier_start(void **state)
{
    (void)state;
    collector col = {0};
    ta_stream_sink sink = {col_data, col_gap, &col};
    ta_stream s;

    ta_stream_init(&s, 1024);
    ta_stream_syn(&s, 0);
    seg(&s, 1, "a", 1, &sink);
    seg(&s, 6, "FGH", 2, &sink);
    seg(&s, 4, "DExyHI", 3, &sink);      /* held, starts before "FGH", differs */
    assert_int_equal(s.num_conflicts, 1);
    seg(&s, 2, "bcdef", 4, &sink);       /* in order, reaches both held ones */
    assert_int_equal(s.num_conflicts, 2);
    assert_int_equal(col.len, 9);
    assert_memory_equal(col.data, "abcDEFGHI", 9);
    assert_int_equal(col.last_frame, 4);
    assert_int_equal(s.ooo_bytes, 0);
    seg(&s, 10, "j", 5, &sink);
    assert_memory_equal(col.data, "abcDEFGHIj", 10);
    ta_stream_cleanup(&s);
}

static void test_stream_wraparound(void **state)
{
    (void)state;
    collector col = {0};
    ta_stream_sink sink = {col_data, col_gap, &col};
    ta_stream s;

    ta_stream_init(&s, 1024);
    ta_stream_syn(&s, 0xfffffffdu);
    seg(&s, 0x00000001u, "de", 1, &sink);   /* after the wrap, early */
    seg(&s, 0xfffffffeu, "abc", 2, &sink);  /* 0xfffffffe, 0xffffffff, 0x0 */
    assert_int_equal(col.len, 5);
    assert_memory_equal(col.data, "abcde", 5);
    ta_stream_cleanup(&s);
}

static void test_stream_gap_by_ack_and_flush(void **state)
{
    (void)state;
    collector col = {0};
    ta_stream_sink sink = {col_data, col_gap, &col};
    ta_stream s;

    ta_stream_init(&s, 1024);
    seg(&s, 100, "ab", 1, &sink);            /* no SYN: mid-stream start */
    seg(&s, 110, "kl", 2, &sink);            /* 8 bytes missing */
    assert_int_equal(col.len, 2);
    ta_stream_peer_ack(&s, 112, &sink);   /* the peer got them: not proof of loss */
    assert_int_equal(col.gaps, 0);
    assert_int_equal(col.len, 2);
    seg(&s, 120, "uv", 4, &sink);            /* a later hole, never filled */
    ta_stream_flush(&s, &sink);           /* the end: both holes are gaps */
    assert_int_equal(col.gaps, 2);
    assert_int_equal(col.lost, 8 + 8);
    assert_memory_equal(col.data, "abkluv", 6);
    ta_stream_cleanup(&s);
}

/* Capture order seg1, seg3, the peer's ACK past seg3, seg2 (tcpdump -i any,
 * GSO): the late segment still fills the hole, and the bytes are complete
 * in its frame. */
static void test_stream_late_segment_after_ack(void **state)
{
    (void)state;
    collector col = {0};
    ta_stream_sink sink = {col_data, col_gap, &col};
    ta_stream s;

    ta_stream_init(&s, 1024);
    ta_stream_syn(&s, 999);
    seg(&s, 1000, "abc", 1, &sink);
    seg(&s, 1006, "ghi", 2, &sink);
    ta_stream_peer_ack(&s, 1009, &sink);
    assert_int_equal(col.gaps, 0);
    assert_int_equal(col.len, 3);
    seg(&s, 1003, "def", 4, &sink);
    assert_int_equal(col.gaps, 0);
    assert_int_equal(col.len, 9);
    assert_memory_equal(col.data, "abcdefghi", 9);
    assert_int_equal(col.last_frame, 4);
    /* The same when the ACK comes before the segment after the hole. */
    ta_stream_peer_ack(&s, 1015, &sink);
    seg(&s, 1012, "mno", 6, &sink);
    seg(&s, 1009, "jkl", 7, &sink);
    assert_int_equal(col.gaps, 0);
    assert_memory_equal(col.data, "abcdefghijklmno", 15);
    assert_int_equal(col.last_frame, 7);
    ta_stream_cleanup(&s);
}

/* Big collector for the reorder window: counts bytes, keeps none. */
typedef struct {
    uint64_t len;
    uint32_t gaps;
    uint32_t lost;
    uint64_t gap_frame;
} counter;

static void cnt_data(void *arg, ta_cur *bytes, uint64_t frame)
{
    counter *c = arg;
    (void)frame;
    c->len += ta_cur_len(bytes);
}

static void cnt_gap(void *arg, uint32_t lost, uint64_t frame)
{
    counter *c = arg;
    c->gaps++;
    c->lost += lost;
    c->gap_frame = frame;
}

/* A real capture loss in a bulk transfer: an acknowledged hole is given up
 * once more than the reorder window is buffered beyond it, not at the cap,
 * and an unacknowledged one is not. */
static void test_stream_reorder_window(void **state)
{
    (void)state;
    static uint8_t block[1000];
    counter cnt = {0};
    ta_stream_sink sink = {cnt_data, cnt_gap, &cnt};
    ta_stream s;
    ta_cur c;
    uint32_t seq = 1 + 500;          /* 500 bytes never captured */

    ta_stream_init(&s, 256 * 1024);
    ta_stream_syn(&s, 0);
    for (int i = 0; i < 70; i++) {   /* 70,000 bytes beyond an unacknowledged hole */
        ta_cur_init(&c, block, sizeof(block));
        ta_stream_segment(&s, seq, &c, (uint64_t)(10 + i), &sink);
        seq += sizeof(block);
    }
    assert_int_equal(cnt.gaps, 0);
    assert_int_equal(s.ooo_bytes, 70000);
    ta_stream_peer_ack(&s, 1 + 500 + 1000, &sink);
    assert_int_equal(cnt.gaps, 1);   /* acknowledged, 70,000 > 65,536 beyond it */
    assert_int_equal(cnt.lost, 500);
    assert_int_equal(cnt.gap_frame, 10);
    assert_int_equal(cnt.len, 70000);
    assert_int_equal(s.ooo_bytes, 0);
    assert_int_equal(s.num_cap_hits, 0);
    ta_stream_cleanup(&s);
}

/* A segment further ahead than the cap: ignored while the peer's ACKs
 * are behind it (another sequence space, a middlebox's copy), the hole
 * before it given up once the peer acknowledged up to it. */
static void test_stream_far_ahead(void **state)
{
    (void)state;
    collector col = {0};
    ta_stream_sink sink = {col_data, col_gap, &col};
    ta_stream s;

    ta_stream_init(&s, 16);
    ta_stream_syn(&s, 999);
    seg(&s, 1000, "abc", 1, &sink);
    ta_stream_peer_ack(&s, 1003, &sink);
    seg(&s, 90000000, "zzz", 2, &sink);     /* 90 MB ahead, never acknowledged */
    assert_int_equal(s.num_out_of_window, 1);
    assert_int_equal(s.ooo_bytes, 0);
    assert_int_equal(col.len, 3);
    seg(&s, 1003, "def", 3, &sink);         /* the stream goes on */
    assert_memory_equal(col.data, "abcdef", 6);
    ta_stream_peer_ack(&s, 5020, &sink);    /* the peer got 4,000 bytes more */
    seg(&s, 5006, "ghi", 4, &sink);         /* 4,000 ahead: past the cap, acknowledged */
    assert_int_equal(col.gaps, 1);
    assert_int_equal(col.lost, 4000);
    assert_memory_equal(col.data, "abcdefghi", 9);
    assert_int_equal(col.last_frame, 4);
    ta_stream_cleanup(&s);
}

static void test_stream_cap(void **state)
{
    (void)state;
    collector col = {0};
    ta_stream_sink sink = {col_data, col_gap, &col};
    ta_stream s;

    ta_stream_init(&s, 4);
    ta_stream_syn(&s, 0);
    seg(&s, 10, "abc", 1, &sink);
    seg(&s, 20, "def", 2, &sink);            /* cap: the first hole is given up */
    assert_int_equal(s.num_cap_hits, 1);
    assert_int_equal(col.gaps, 1);
    assert_memory_equal(col.data, "abc", 3);
    assert_true(s.ooo_bytes <= 4);
    ta_stream_cleanup(&s);

    /* Segments far apart, each needing more than one hole given up: the
     * buffer stays within the cap. */
    collector col2 = {0};
    sink.arg = &col2;
    ta_stream_init(&s, 8);
    ta_stream_syn(&s, 0);
    seg(&s, 10, "ab", 1, &sink);
    seg(&s, 20, "cd", 2, &sink);
    seg(&s, 30, "ef", 3, &sink);
    seg(&s, 40, "ghijkl", 4, &sink);         /* 6 + 6 > 8: two holes go */
    assert_true(s.ooo_bytes <= 8);
    assert_int_equal(col2.gaps, 2);
    assert_memory_equal(col2.data, "abcd", 4);
    for (uint32_t i = 0; i < 30; i++) {
        seg(&s, 100 + 20 * i, "xyzxyz", 5 + i, &sink);
        assert_true(s.ooo_bytes <= 8);
    }
    ta_stream_cleanup(&s);

    /* A segment before the held ones that does not fit with them: the
     * bytes up to it are given up, it is delivered, the held ones stay. */
    collector col3 = {0};
    sink.arg = &col3;
    ta_stream_init(&s, 8);
    ta_stream_syn(&s, 0);
    seg(&s, 30, "WXYZ", 1, &sink);
    seg(&s, 20, "abcdef", 2, &sink);         /* 4 + 6 > 8 */
    assert_int_equal(col3.gaps, 1);
    assert_int_equal(col3.lost, 19);
    assert_memory_equal(col3.data, "abcdef", 6);
    assert_int_equal(s.ooo_bytes, 4);
    seg(&s, 26, "ghij", 3, &sink);
    assert_memory_equal(col3.data, "abcdefghijWXYZ", 14);
    ta_stream_cleanup(&s);
}

static ta_conn *mk_conn(uint8_t last_octet, uint16_t sport, ta_packet *p)
{
    ta_conn *c = calloc(1, sizeof(*c));
    memset(p, 0, sizeof(*p));
    p->family = 4;
    p->src[0] = 10;
    p->src[3] = last_octet;
    p->dst[0] = 10;
    p->dst[3] = 1;
    p->sport = sport;
    p->dport = 443;
    c->family = 4;
    memcpy(c->addr[0], p->src, 4);
    memcpy(c->addr[1], p->dst, 4);
    c->port[0] = sport;
    c->port[1] = 443;
    c->hash = ta_flow_hash(p);
    return c;
}

static void test_flow_table(void **state)
{
    (void)state;
    enum { N = 3000 };
    ta_flow_table t;
    ta_conn *conns[N];
    ta_packet p;
    int dir = -1;

    assert_true(ta_flow_init(&t));
    for (int i = 0; i < N; i++) {
        conns[i] = mk_conn((uint8_t)(i % 250), (uint16_t)(1024 + i), &p);
        assert_true(ta_flow_insert(&t, conns[i]));
    }
    /* Reverse direction finds the same connection. */
    free(mk_conn(7, 1024 + 7, &p));
    ta_packet rev = p;
    memcpy(rev.src, p.dst, 16);
    memcpy(rev.dst, p.src, 16);
    rev.sport = p.dport;
    rev.dport = p.sport;
    assert_int_equal(ta_flow_hash(&rev), ta_flow_hash(&p));
    assert_ptr_equal(ta_flow_find(&t, &rev, ta_flow_hash(&rev), &dir), conns[7]);
    assert_int_equal(dir, 1);
    for (int i = 0; i < N; i += 2) {
        ta_flow_remove(&t, conns[i]);
    }
    for (int i = 0; i < N; i++) {
        ta_conn *probe = mk_conn((uint8_t)(i % 250), (uint16_t)(1024 + i), &p);
        ta_conn *got = ta_flow_find(&t, &p, probe->hash, &dir);
        assert_ptr_equal(got, i % 2 == 0 ? NULL : conns[i]);
        free(probe);
    }
    assert_int_equal(t.num, N / 2);
    for (int i = 0; i < N; i++) {
        free(conns[i]);
    }
    ta_flow_cleanup(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cursor_getters),
        cmocka_unit_test(test_cursor_short_leaves_position),
        cmocka_unit_test(test_cursor_prefixed),
        cmocka_unit_test(test_cursor_peek_truncate),
        cmocka_unit_test(test_cursor_varint),
        cmocka_unit_test(test_buf_cap),
        cmocka_unit_test(test_lists_in_arena),
        cmocka_unit_test(test_escape),
        cmocka_unit_test(test_stream_in_order_and_ooo),
        cmocka_unit_test(test_stream_overlap_conflict),
        cmocka_unit_test(test_stream_overlap_earlier_start),
        cmocka_unit_test(test_stream_wraparound),
        cmocka_unit_test(test_stream_gap_by_ack_and_flush),
        cmocka_unit_test(test_stream_late_segment_after_ack),
        cmocka_unit_test(test_stream_reorder_window),
        cmocka_unit_test(test_stream_far_ahead),
        cmocka_unit_test(test_stream_cap),
        cmocka_unit_test(test_flow_table),
        cmocka_unit_test(test_shell_word),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
