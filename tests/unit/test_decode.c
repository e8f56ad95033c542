/*
 * test_decode.c - unit tests for link, IP and TCP decoding (ta_decode.h).
 *
 * Frames are built by hand, outermost header first, with the length fields
 * patched once the inner layers are in place.  Every well-formed frame is
 * also decoded at every shorter capture length: a cut inside the headers
 * must read as truncated, a cut inside the payload as a truncated payload.
 * Two frames come from real captures in the shared corpus, with the
 * expected values checked against tshark.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <pcap/dlt.h>

#include "ta_decode.h"

#define PAYLOAD "hello"
#define PAYLOAD_LEN 5
#define TEST_SPORT 40000
#define TEST_DPORT 443
#define TEST_SEQ 0x01020304u
#define TEST_ACK 0x05060708u
#define TEST_FLAGS (TA_TCP_PSH | TA_TCP_ACK)

/* ---- frame builder ------------------------------------------------------- */

typedef struct {
    uint8_t b[2048];
    size_t len;
} frame;

static void put8(frame *f, unsigned v)
{
    assert_true(f->len < sizeof f->b);
    f->b[f->len++] = (uint8_t)v;
}

static void put16(frame *f, unsigned v)
{
    put8(f, (v >> 8) & 0xff);
    put8(f, v & 0xff);
}

static void put32(frame *f, uint32_t v)
{
    put16(f, (unsigned)(v >> 16));
    put16(f, (unsigned)(v & 0xffff));
}

static void put_fill(frame *f, size_t n, unsigned v)
{
    for (size_t i = 0; i < n; i++) {
        put8(f, v);
    }
}

static void put_raw(frame *f, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        put8(f, p[i]);
    }
}

static void patch16(frame *f, size_t off, unsigned v)
{
    assert_true(off + 2 <= f->len);
    f->b[off] = (uint8_t)(v >> 8);
    f->b[off + 1] = (uint8_t)v;
}

static void put_eth(frame *f, unsigned type)
{
    static const uint8_t macs[12] = { 2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2 };
    put_raw(f, macs, sizeof macs);
    put16(f, type);
}

/* IPv4 header from 10.|net|.0.1 to 10.|net|.0.2, DF set; returns its offset
 * for end_ipv4, which fills in the total length. */
static size_t begin_ipv4(frame *f, unsigned proto, unsigned net)
{
    size_t off = f->len;
    put8(f, 0x45);
    put8(f, 0);
    put16(f, 0);                    /* total length: end_ipv4 */
    put16(f, 0x1234);
    put16(f, 0x4000);               /* DF */
    put8(f, 64);
    put8(f, proto);
    put16(f, 0xbeef);               /* checksum: never verified */
    put32(f, 0x0a000001u | (uint32_t)net << 16);
    put32(f, 0x0a000002u | (uint32_t)net << 16);
    return off;
}

static void end_ipv4(frame *f, size_t off)
{
    patch16(f, off + 2, (unsigned)(f->len - off));
}

/* IPv6 header from 2001:db8:|net|::1 to 2001:db8:|net|::2. */
static size_t begin_ipv6(frame *f, unsigned next, unsigned net)
{
    size_t off = f->len;
    put32(f, 0x60012345u);
    put16(f, 0);                    /* payload length: end_ipv6 */
    put8(f, next);
    put8(f, 64);
    for (unsigned last = 1; last <= 2; last++) {
        put32(f, 0x20010db8u);
        put16(f, net);
        put_fill(f, 9, 0);
        put8(f, last);
    }
    return off;
}

static void end_ipv6(frame *f, size_t off)
{
    patch16(f, off + 4, (unsigned)(f->len - off - 40));
}

static size_t begin_udp(frame *f, unsigned dport)
{
    size_t off = f->len;
    put16(f, 54321);
    put16(f, dport);
    put16(f, 0);                    /* length: end_udp */
    put16(f, 0);
    return off;
}

static void end_udp(frame *f, size_t off)
{
    patch16(f, off + 4, (unsigned)(f->len - off));
}

/* TCP header with |data_off| words, the given low flag bits and options
 * (NOPs, then a timestamp when there is room), then "hello". */
static void put_tcp_custom(frame *f, unsigned data_off, unsigned flag_bits)
{
    put16(f, TEST_SPORT);
    put16(f, TEST_DPORT);
    put32(f, TEST_SEQ);
    put32(f, TEST_ACK);
    put16(f, data_off << 12 | flag_bits);
    put16(f, 0xffff);
    put16(f, 0);
    put16(f, 0);
    if (data_off > 5) {
        size_t opt_len = (data_off - 5) * 4;
        put_fill(f, opt_len - (opt_len >= 12 ? 10 : 0), 1);
        if (opt_len >= 12) {
            put8(f, 8);
            put8(f, 10);
            put32(f, 0x11223344u);
            put32(f, 0);
        }
    }
    put_raw(f, (const uint8_t *)PAYLOAD, PAYLOAD_LEN);
}

static void put_tcp(frame *f)
{
    put_tcp_custom(f, 8, TEST_FLAGS);
}

/* An Ethernet frame carrying IPv4 network |net| and the test segment. */
static void build_eth_ipv4(frame *f, unsigned net)
{
    put_eth(f, 0x0800);
    size_t ip = begin_ipv4(f, 6, net);
    put_tcp(f);
    end_ipv4(f, ip);
}

/* ---- checks -------------------------------------------------------------- */

static ta_decode_status dec(int linktype, const frame *f)
{
    ta_packet p;
    return ta_decode_packet(&p, linktype, f->b, f->len);
}

static void expect_addrs(const ta_packet *p, unsigned family, unsigned net)
{
    uint8_t src[16] = { 0 };
    uint8_t dst[16] = { 0 };
    if (family == 4) {
        const uint8_t s4[4] = { 10, (uint8_t)net, 0, 1 };
        const uint8_t d4[4] = { 10, (uint8_t)net, 0, 2 };
        memcpy(src, s4, 4);
        memcpy(dst, d4, 4);
    } else {
        const uint8_t pre[6] = { 0x20, 0x01, 0x0d, 0xb8, (uint8_t)(net >> 8), (uint8_t)net };
        memcpy(src, pre, 6);
        memcpy(dst, pre, 6);
        src[15] = 1;
        dst[15] = 2;
    }
    assert_int_equal(p->family, family);
    assert_memory_equal(p->src, src, 16);
    assert_memory_equal(p->dst, dst, 16);
}

/* expect_ok decodes |f| and checks the test segment inside IP |family| and
 * network |net|, and the outermost VLAN id. */
static void expect_ok(int linktype, const frame *f, unsigned family, unsigned net, unsigned vlan)
{
    ta_packet p;
    assert_int_equal(ta_decode_packet(&p, linktype, f->b, f->len), TA_DEC_OK);
    expect_addrs(&p, family, net);
    assert_int_equal(p.sport, TEST_SPORT);
    assert_int_equal(p.dport, TEST_DPORT);
    assert_int_equal(p.seq, TEST_SEQ);
    assert_int_equal(p.ack, TEST_ACK);
    assert_int_equal(p.flags, TEST_FLAGS);
    assert_int_equal(ta_cur_len(&p.payload), PAYLOAD_LEN);
    assert_memory_equal(ta_cur_data(&p.payload), PAYLOAD, PAYLOAD_LEN);
    assert_int_equal(p.payload_wire_len, PAYLOAD_LEN);
    assert_false(p.payload_truncated);
    assert_int_equal(p.vlan, vlan);
}

/* check_prefixes decodes every capture length shorter than |f|: cut in the
 * headers (which end where the "hello" payload begins) is truncated, cut in
 * the payload keeps what is there and flags it. */
static void check_prefixes(int linktype, const frame *f)
{
    size_t hdr_end = f->len - PAYLOAD_LEN;
    for (size_t n = 0; n < f->len; n++) {
        ta_packet p;
        ta_decode_status st = ta_decode_packet(&p, linktype, f->b, n);
        ta_decode_status want = n < hdr_end ? TA_DEC_TRUNCATED : TA_DEC_OK;
        if (st != want) {
            fail_msg("capture length %zu of %zu: got %s, want %s", n, f->len,
                     ta_decode_status_name(st), ta_decode_status_name(want));
        }
        if (st == TA_DEC_OK) {
            assert_int_equal(ta_cur_len(&p.payload), n - hdr_end);
            assert_int_equal(p.payload_wire_len, PAYLOAD_LEN);
            assert_true(p.payload_truncated);
        }
    }
}

static void expect_ok_all(int linktype, const frame *f, unsigned family, unsigned net,
                          unsigned vlan)
{
    expect_ok(linktype, f, family, net, vlan);
    check_prefixes(linktype, f);
}

/* ---- real frames --------------------------------------------------------- */

/* Frame 1 of zeek's tls/tls-1.2-handshake-failure.pcap: a SYN.  tshark:
 * 192.168.4.149:53525 -> 74.125.239.37:443, seq (raw) 1142581648, header
 * length 44, flags 0x002. */
static const uint8_t real_eth_syn[] = {
    0x00, 0x26, 0x88, 0xe7, 0x8d, 0x81, 0xa8, 0x20, 0x66, 0x48, 0xca, 0x51, 0x08, 0x00,
    0x45, 0x00, 0x00, 0x40, 0xd4, 0x59, 0x40, 0x00, 0x40, 0x06, 0x67, 0x7e, 0xc0, 0xa8,
    0x04, 0x95, 0x4a, 0x7d, 0xef, 0x25, 0xd1, 0x15, 0x01, 0xbb, 0x44, 0x1a, 0x69, 0x90,
    0x00, 0x00, 0x00, 0x00, 0xb0, 0x02, 0xff, 0xff, 0x84, 0x43, 0x00, 0x00, 0x02, 0x04,
    0x05, 0xb4, 0x01, 0x03, 0x03, 0x04, 0x01, 0x01, 0x08, 0x0a, 0x3b, 0x77, 0xf7, 0xe7,
    0x00, 0x00, 0x00, 0x00, 0x04, 0x02, 0x00, 0x00,
};

static void test_real_ethernet_syn(void **state)
{
    (void)state;
    static const uint8_t src[4] = { 192, 168, 4, 149 };
    static const uint8_t dst[4] = { 74, 125, 239, 37 };
    ta_packet p;
    assert_int_equal(ta_decode_packet(&p, DLT_EN10MB, real_eth_syn, sizeof real_eth_syn),
                     TA_DEC_OK);
    assert_int_equal(p.family, 4);
    assert_memory_equal(p.src, src, 4);
    assert_memory_equal(p.dst, dst, 4);
    assert_int_equal(p.sport, 53525);
    assert_int_equal(p.dport, 443);
    assert_int_equal(p.seq, 1142581648u);
    assert_int_equal(p.ack, 0);
    assert_int_equal(p.flags, TA_TCP_SYN);
    assert_int_equal(ta_cur_len(&p.payload), 0);
    assert_int_equal(p.payload_wire_len, 0);
    assert_false(p.payload_truncated);
    assert_int_equal(p.vlan, 0);
}

/* The only frame of mercury's unit_tests/pcaps/sll2_tls.pcap (Linux cooked
 * v2, 589 bytes): a ClientHello.  Bytes past the ones below are zero (the
 * padding extension).  tshark: 172.31.84.252:49818 -> 54.186.175.150:443,
 * seq (raw) 2852785352, ack (raw) 2466111325, flags 0x018, 517 bytes of
 * TCP payload. */
#define REAL_SLL2_LEN 589
static const uint8_t real_sll2_head[] = {
    0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x01, 0x04, 0x06, 0x12, 0x3b,
    0xb4, 0x07, 0x86, 0xed, 0x00, 0x00, 0x45, 0x00, 0x02, 0x39, 0x66, 0xa4, 0x40, 0x00,
    0x40, 0x06, 0xea, 0xae, 0xac, 0x1f, 0x54, 0xfc, 0x36, 0xba, 0xaf, 0x96, 0xc2, 0x9a,
    0x01, 0xbb, 0xaa, 0x0a, 0x0c, 0xc8, 0x92, 0xfd, 0xdf, 0x5d, 0x80, 0x18, 0x01, 0xeb,
    0xe9, 0x97, 0x00, 0x00, 0x01, 0x01, 0x08, 0x0a, 0xd4, 0x0f, 0x71, 0x22, 0x29, 0x23,
    0x0f, 0x20, 0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03, 0xf1,
    0xbb, 0xd6, 0x1d, 0xe7, 0x18, 0x11, 0x50, 0xc3, 0xc5, 0x09, 0xc9, 0xc4, 0x6c, 0xee,
    0xdb, 0xbd, 0xa0, 0xaa, 0x9b, 0x75, 0x5e, 0x4d, 0xd7, 0xba, 0x20, 0x3f, 0x4c, 0x6b,
    0xdf, 0xe3, 0xcd, 0x20, 0x2c, 0xef, 0xa3, 0xfd, 0x9d, 0x1f, 0x0d, 0x90, 0x7f, 0xfb,
    0xd7, 0x00, 0xa2, 0x87, 0x44, 0xe6, 0x1c, 0xd0, 0x2e, 0x94, 0x21, 0x7d, 0xa2, 0xe5,
    0xd7, 0x5d, 0xe1, 0xb7, 0xee, 0x2a, 0x4f, 0x26, 0x00, 0x24, 0x13, 0x02, 0x13, 0x03,
    0x13, 0x01, 0xc0, 0x2c, 0xc0, 0x30, 0xc0, 0x2b, 0xc0, 0x2f, 0xcc, 0xa9, 0xcc, 0xa8,
    0xc0, 0x24, 0xc0, 0x28, 0xc0, 0x23, 0xc0, 0x27, 0x00, 0x9f, 0x00, 0x9e, 0x00, 0x6b,
    0x00, 0x67, 0x00, 0xff, 0x01, 0x00, 0x01, 0x8f, 0x00, 0x00, 0x00, 0x11, 0x00, 0x0f,
    0x00, 0x00, 0x0c, 0x61, 0x70, 0x69, 0x2e, 0x73, 0x63, 0x61, 0x72, 0x66, 0x2e, 0x73,
    0x68, 0x00, 0x0b, 0x00, 0x04, 0x03, 0x00, 0x01, 0x02, 0x00, 0x0a, 0x00, 0x16, 0x00,
    0x14, 0x00, 0x1d, 0x00, 0x17, 0x00, 0x1e, 0x00, 0x19, 0x00, 0x18, 0x01, 0x00, 0x01,
    0x01, 0x01, 0x02, 0x01, 0x03, 0x01, 0x04, 0x00, 0x23, 0x00, 0x00, 0x00, 0x10, 0x00,
    0x0b, 0x00, 0x09, 0x08, 0x68, 0x74, 0x74, 0x70, 0x2f, 0x31, 0x2e, 0x31, 0x00, 0x16,
    0x00, 0x00, 0x00, 0x17, 0x00, 0x00, 0x00, 0x31, 0x00, 0x00, 0x00, 0x0d, 0x00, 0x2a,
    0x00, 0x28, 0x04, 0x03, 0x05, 0x03, 0x06, 0x03, 0x08, 0x07, 0x08, 0x08, 0x08, 0x09,
    0x08, 0x0a, 0x08, 0x0b, 0x08, 0x04, 0x08, 0x05, 0x08, 0x06, 0x04, 0x01, 0x05, 0x01,
    0x06, 0x01, 0x03, 0x03, 0x03, 0x01, 0x03, 0x02, 0x04, 0x02, 0x05, 0x02, 0x06, 0x02,
    0x00, 0x2b, 0x00, 0x05, 0x04, 0x03, 0x04, 0x03, 0x03, 0x00, 0x2d, 0x00, 0x02, 0x01,
    0x01, 0x00, 0x33, 0x00, 0x26, 0x00, 0x24, 0x00, 0x1d, 0x00, 0x20, 0x99, 0x47, 0x59,
    0xa3, 0x38, 0x44, 0x76, 0x93, 0x5e, 0x83, 0x8d, 0x90, 0x38, 0x41, 0x40, 0xa9, 0x88,
    0x6d, 0x22, 0xd0, 0xb3, 0xfc, 0x2c, 0x98, 0x7e, 0x3a, 0x92, 0xd4, 0xf8, 0x62, 0xa1,
    0x70, 0x00, 0x15, 0x00, 0xce,
};

static void test_real_sll2_client_hello(void **state)
{
    (void)state;
    static const uint8_t src[4] = { 172, 31, 84, 252 };
    static const uint8_t dst[4] = { 54, 186, 175, 150 };
    static const uint8_t record_hdr[5] = { 0x16, 0x03, 0x01, 0x02, 0x00 };
    uint8_t buf[REAL_SLL2_LEN] = { 0 };
    memcpy(buf, real_sll2_head, sizeof real_sll2_head);
    ta_packet p;
    assert_int_equal(ta_decode_packet(&p, DLT_LINUX_SLL2, buf, sizeof buf), TA_DEC_OK);
    assert_int_equal(p.family, 4);
    assert_memory_equal(p.src, src, 4);
    assert_memory_equal(p.dst, dst, 4);
    assert_int_equal(p.sport, 49818);
    assert_int_equal(p.dport, 443);
    assert_int_equal(p.seq, 2852785352u);
    assert_int_equal(p.ack, 2466111325u);
    assert_int_equal(p.flags, TA_TCP_PSH | TA_TCP_ACK);
    assert_int_equal(ta_cur_len(&p.payload), 517);
    assert_int_equal(p.payload_wire_len, 517);
    assert_false(p.payload_truncated);
    assert_memory_equal(ta_cur_data(&p.payload), record_hdr, sizeof record_hdr);

    /* The same frame under a 96-byte snapshot length. */
    assert_int_equal(ta_decode_packet(&p, DLT_LINUX_SLL2, buf, 96), TA_DEC_OK);
    assert_int_equal(ta_cur_len(&p.payload), 96 - 72);
    assert_int_equal(p.payload_wire_len, 517);
    assert_true(p.payload_truncated);
}

/* ---- link layers --------------------------------------------------------- */

static void test_ethernet_ipv4(void **state)
{
    (void)state;
    frame f = { .len = 0 };
    build_eth_ipv4(&f, 1);
    expect_ok_all(DLT_EN10MB, &f, 4, 1, 0);
}

static void test_ethernet_ipv6(void **state)
{
    (void)state;
    frame f = { .len = 0 };
    put_eth(&f, 0x86dd);
    size_t ip = begin_ipv6(&f, 6, 7);
    put_tcp(&f);
    end_ipv6(&f, ip);
    expect_ok_all(DLT_EN10MB, &f, 6, 7, 0);
}

static void test_vlan_single(void **state)
{
    (void)state;
    frame f = { .len = 0 };
    put_eth(&f, 0x8100);
    put16(&f, 0xa000 | 42);         /* PCP 5, VID 42 */
    put16(&f, 0x0800);
    size_t ip = begin_ipv4(&f, 6, 1);
    put_tcp(&f);
    end_ipv4(&f, ip);
    expect_ok_all(DLT_EN10MB, &f, 4, 1, 42);
}

/* 802.1ad outer tag, 0x9100 middle tag, 802.1Q inner tag. */
static void test_qinq(void **state)
{
    (void)state;
    frame f = { .len = 0 };
    put_eth(&f, 0x88a8);
    put16(&f, 100);
    put16(&f, 0x9100);
    put16(&f, 0x1000 | 300);        /* DEI set */
    put16(&f, 0x8100);
    put16(&f, 200);
    put16(&f, 0x86dd);
    size_t ip = begin_ipv6(&f, 6, 3);
    put_tcp(&f);
    end_ipv6(&f, ip);
    expect_ok_all(DLT_EN10MB, &f, 6, 3, 100);
}

/* Cisco MetaData (SGT 2) after an 802.1Q tag, as in mercury's tls_sgt.pcap. */
static void test_cisco_metadata(void **state)
{
    (void)state;
    frame f = { .len = 0 };
    put_eth(&f, 0x8100);
    put16(&f, 5);
    put16(&f, 0x8909);
    put8(&f, 1);                    /* version */
    put8(&f, 1);                    /* length */
    put16(&f, 0x0001);              /* options */
    put16(&f, 2);                   /* SGT */
    put16(&f, 0x0800);
    size_t ip = begin_ipv4(&f, 6, 1);
    put_tcp(&f);
    end_ipv4(&f, ip);
    expect_ok_all(DLT_EN10MB, &f, 4, 1, 5);
}

static void test_sll(void **state)
{
    (void)state;
    frame f = { .len = 0 };
    put16(&f, 4);                   /* packet type: outgoing */
    put16(&f, 1);                   /* ARPHRD_ETHER */
    put16(&f, 6);
    put_fill(&f, 8, 0xaa);
    put16(&f, 0x0800);
    size_t ip = begin_ipv4(&f, 6, 9);
    put_tcp(&f);
    end_ipv4(&f, ip);
    expect_ok_all(DLT_LINUX_SLL, &f, 4, 9, 0);

    patch16(&f, 14, 0x0806);        /* ARP */
    assert_int_equal(dec(DLT_LINUX_SLL, &f), TA_DEC_NOT_IP);
}

static void test_sll2(void **state)
{
    (void)state;
    frame f = { .len = 0 };
    put16(&f, 0x86dd);
    put16(&f, 0);
    put32(&f, 3);                   /* interface index */
    put16(&f, 1);
    put8(&f, 0);
    put8(&f, 6);
    put_fill(&f, 8, 0xbb);
    size_t ip = begin_ipv6(&f, 6, 4);
    put_tcp(&f);
    end_ipv6(&f, ip);
    expect_ok_all(DLT_LINUX_SLL2, &f, 6, 4, 0);

    patch16(&f, 0, 0x0004);         /* ETH_P_802_2 */
    assert_int_equal(dec(DLT_LINUX_SLL2, &f), TA_DEC_NOT_IP);
}

static void test_raw_ip(void **state)
{
    (void)state;
    frame v4 = { .len = 0 };
    size_t ip = begin_ipv4(&v4, 6, 5);
    put_tcp(&v4);
    end_ipv4(&v4, ip);
    expect_ok_all(DLT_RAW, &v4, 4, 5, 0);
    expect_ok_all(DLT_IPV4, &v4, 4, 5, 0);

    frame v6 = { .len = 0 };
    ip = begin_ipv6(&v6, 6, 6);
    put_tcp(&v6);
    end_ipv6(&v6, ip);
    expect_ok_all(DLT_RAW, &v6, 6, 6, 0);
    expect_ok_all(DLT_IPV6, &v6, 6, 6, 0);

    v4.b[0] = 0x55;                 /* version 5 */
    assert_int_equal(dec(DLT_RAW, &v4), TA_DEC_MALFORMED);
}

/* DLT_NULL: the family in the capturing host's byte order. */
static void test_null_both_orders(void **state)
{
    (void)state;
    frame le = { .len = 0 };
    put32(&le, 0x02000000u);        /* AF_INET, little-endian host */
    size_t ip = begin_ipv4(&le, 6, 1);
    put_tcp(&le);
    end_ipv4(&le, ip);
    expect_ok_all(DLT_NULL, &le, 4, 1, 0);

    frame be = le;
    patch16(&be, 0, 0);
    patch16(&be, 2, 2);             /* AF_INET, big-endian host */
    expect_ok_all(DLT_NULL, &be, 4, 1, 0);

    static const uint32_t inet6[] = { 24, 28, 30 };
    for (size_t i = 0; i < sizeof inet6 / sizeof inet6[0]; i++) {
        frame f = { .len = 0 };
        put32(&f, inet6[i] << 24);  /* little-endian */
        ip = begin_ipv6(&f, 6, 2);
        put_tcp(&f);
        end_ipv6(&f, ip);
        expect_ok_all(DLT_NULL, &f, 6, 2, 0);
    }

    patch16(&le, 0, 0x0700);        /* AF 7: not IP */
    assert_int_equal(dec(DLT_NULL, &le), TA_DEC_NOT_IP);
    patch16(&le, 0, 0x0200);
    le.b[4] = 0x65;                 /* AF_INET over an IPv6-looking header */
    assert_int_equal(dec(DLT_NULL, &le), TA_DEC_MALFORMED);
}

/* DLT_LOOP: the family in network byte order. */
static void test_loop(void **state)
{
    (void)state;
    frame f = { .len = 0 };
    put32(&f, 2);
    size_t ip = begin_ipv4(&f, 6, 1);
    put_tcp(&f);
    end_ipv4(&f, ip);
    expect_ok_all(DLT_LOOP, &f, 4, 1, 0);

    frame v6 = { .len = 0 };
    put32(&v6, 24);
    ip = begin_ipv6(&v6, 6, 8);
    put_tcp(&v6);
    end_ipv6(&v6, ip);
    expect_ok_all(DLT_LOOP, &v6, 6, 8, 0);

    patch16(&f, 0, 0x0200);         /* little-endian is not LOOP */
    patch16(&f, 2, 0);
    assert_int_equal(dec(DLT_LOOP, &f), TA_DEC_NOT_IP);
}

static void test_ppp(void **state)
{
    (void)state;
    frame hdlc = { .len = 0 };
    put8(&hdlc, 0xff);
    put8(&hdlc, 0x03);
    put16(&hdlc, 0x0021);
    size_t ip = begin_ipv4(&hdlc, 6, 1);
    put_tcp(&hdlc);
    end_ipv4(&hdlc, ip);
    expect_ok_all(DLT_PPP, &hdlc, 4, 1, 0);
    expect_ok_all(DLT_PPP_SERIAL, &hdlc, 4, 1, 0);

    frame bare = { .len = 0 };
    put16(&bare, 0x0057);
    ip = begin_ipv6(&bare, 6, 2);
    put_tcp(&bare);
    end_ipv6(&bare, ip);
    expect_ok_all(DLT_PPP, &bare, 6, 2, 0);

    frame pfc = { .len = 0 };       /* protocol field compressed to 0x21 */
    put8(&pfc, 0x21);
    ip = begin_ipv4(&pfc, 6, 3);
    put_tcp(&pfc);
    end_ipv4(&pfc, ip);
    expect_ok_all(DLT_PPP, &pfc, 4, 3, 0);

    frame lcp = hdlc;
    patch16(&lcp, 2, 0xc021);
    assert_int_equal(dec(DLT_PPP, &lcp), TA_DEC_NOT_IP);
    hdlc.b[1] = 0x13;               /* control must be UI */
    assert_int_equal(dec(DLT_PPP_SERIAL, &hdlc), TA_DEC_MALFORMED);
}

static void test_cisco_hdlc(void **state)
{
    (void)state;
    frame f = { .len = 0 };
    put8(&f, 0x0f);
    put8(&f, 0x00);
    put16(&f, 0x0800);
    size_t ip = begin_ipv4(&f, 6, 1);
    put_tcp(&f);
    end_ipv4(&f, ip);
    expect_ok_all(DLT_C_HDLC, &f, 4, 1, 0);
    expect_ok_all(DLT_PPP_SERIAL, &f, 4, 1, 0);
}

static void build_pppoe(frame *f, unsigned ppp_proto)
{
    put_eth(f, 0x8864);
    put8(f, 0x11);
    put8(f, 0x00);
    put16(f, 0x0042);
    size_t len_off = f->len;
    put16(f, 0);
    put16(f, ppp_proto);
    size_t ip = begin_ipv4(f, 6, 2);
    put_tcp(f);
    end_ipv4(f, ip);
    patch16(f, len_off, (unsigned)(f->len - len_off - 2));
}

static void test_pppoe(void **state)
{
    (void)state;
    frame f = { .len = 0 };
    build_pppoe(&f, 0x0021);
    expect_ok_all(DLT_EN10MB, &f, 4, 2, 0);

    frame lcp = { .len = 0 };
    build_pppoe(&lcp, 0xc021);
    assert_int_equal(dec(DLT_EN10MB, &lcp), TA_DEC_NOT_IP);

    frame bad = f;
    bad.b[14] = 0x21;               /* VER/TYPE must be 0x11 */
    assert_int_equal(dec(DLT_EN10MB, &bad), TA_DEC_MALFORMED);

    /* PPPoE length shorter than the IP packet inside it. */
    bad = f;
    patch16(&bad, 18, 10);
    assert_int_equal(dec(DLT_EN10MB, &bad), TA_DEC_MALFORMED);
}

static void test_mpls(void **state)
{
    (void)state;
    frame f = { .len = 0 };
    put_eth(&f, 0x8847);
    put32(&f, 1000u << 12 | 64);    /* label 1000 */
    put32(&f, 2000u << 12 | 0x100 | 64);    /* label 2000, bottom of stack */
    size_t ip = begin_ipv4(&f, 6, 1);
    put_tcp(&f);
    end_ipv4(&f, ip);
    expect_ok_all(DLT_EN10MB, &f, 4, 1, 0);

    frame v6 = { .len = 0 };
    put_eth(&v6, 0x8847);
    put32(&v6, 3u << 12 | 0x100 | 64);
    ip = begin_ipv6(&v6, 6, 2);
    put_tcp(&v6);
    end_ipv6(&v6, ip);
    expect_ok_all(DLT_EN10MB, &v6, 6, 2, 0);

    frame pw = { .len = 0 };        /* pseudowire control word: not IP */
    put_eth(&pw, 0x8847);
    put32(&pw, 5u << 12 | 0x100 | 64);
    put32(&pw, 0);
    build_eth_ipv4(&pw, 1);
    assert_int_equal(dec(DLT_EN10MB, &pw), TA_DEC_NOT_IP);
}

static void test_not_ip(void **state)
{
    (void)state;
    static const unsigned types[] = { 0x0806, 0x88cc, 0x8035, 0x0000, 0x05dc, 0x8863 };
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        frame f = { .len = 0 };
        put_eth(&f, types[i]);
        put_fill(&f, 46, 0x45);
        assert_int_equal(dec(DLT_EN10MB, &f), TA_DEC_NOT_IP);
    }
}

static void test_unsupported_link(void **state)
{
    (void)state;
    frame f = { .len = 0 };
    build_eth_ipv4(&f, 1);
    assert_int_equal(dec(105, &f), TA_DEC_UNSUPPORTED_LINK);     /* 802.11 */
    assert_int_equal(dec(127, &f), TA_DEC_UNSUPPORTED_LINK);     /* radiotap */
    assert_int_equal(dec(-1, &f), TA_DEC_UNSUPPORTED_LINK);
    assert_int_equal(dec(100000, &f), TA_DEC_UNSUPPORTED_LINK);
    ta_packet p;
    assert_int_equal(ta_decode_packet(&p, 147, NULL, 0), TA_DEC_UNSUPPORTED_LINK);
}

/* ---- IPv4 ---------------------------------------------------------------- */

static void test_ipv4_options(void **state)
{
    (void)state;
    frame f = { .len = 0 };
    put_eth(&f, 0x0800);
    size_t ip = begin_ipv4(&f, 6, 1);
    f.b[ip] = 0x47;                 /* IHL 7: 8 bytes of options */
    put32(&f, 0x01010101u);         /* NOPs */
    put32(&f, 0x01010100u);         /* NOPs, end of options */
    put_tcp(&f);
    end_ipv4(&f, ip);
    expect_ok_all(DLT_EN10MB, &f, 4, 1, 0);
}

static void test_ipv4_ihl_too_small(void **state)
{
    (void)state;
    for (unsigned ihl = 0; ihl < 5; ihl++) {
        frame f = { .len = 0 };
        build_eth_ipv4(&f, 1);
        f.b[14] = (uint8_t)(0x40 | ihl);
        assert_int_equal(dec(DLT_EN10MB, &f), TA_DEC_MALFORMED);
    }
}

static void test_ipv4_version_mismatch(void **state)
{
    (void)state;
    frame f = { .len = 0 };
    build_eth_ipv4(&f, 1);
    f.b[14] = 0x65;
    assert_int_equal(dec(DLT_EN10MB, &f), TA_DEC_MALFORMED);
}

/* Total length beyond the frame: the payload is what was captured. */
static void test_ipv4_total_len_beyond_frame(void **state)
{
    (void)state;
    frame f = { .len = 0 };
    build_eth_ipv4(&f, 1);
    patch16(&f, 16, 20 + 32 + 1000);
    ta_packet p;
    assert_int_equal(ta_decode_packet(&p, DLT_EN10MB, f.b, f.len), TA_DEC_OK);
    assert_int_equal(ta_cur_len(&p.payload), PAYLOAD_LEN);
    assert_memory_equal(ta_cur_data(&p.payload), PAYLOAD, PAYLOAD_LEN);
    assert_int_equal(p.payload_wire_len, 1000);
    assert_true(p.payload_truncated);
}

static void test_ipv4_total_len_below_header(void **state)
{
    (void)state;
    frame f = { .len = 0 };
    build_eth_ipv4(&f, 1);
    patch16(&f, 16, 19);
    assert_int_equal(dec(DLT_EN10MB, &f), TA_DEC_MALFORMED);

    /* IHL 6 (24 bytes) against a total length of 22. */
    frame opt = { .len = 0 };
    put_eth(&opt, 0x0800);
    size_t ip = begin_ipv4(&opt, 6, 1);
    opt.b[ip] = 0x46;
    put32(&opt, 0x01010100u);
    put_tcp(&opt);
    patch16(&opt, ip + 2, 22);
    assert_int_equal(dec(DLT_EN10MB, &opt), TA_DEC_MALFORMED);

    /* A total length that ends inside the TCP header contradicts it. */
    patch16(&f, 16, 20 + 10);
    assert_int_equal(dec(DLT_EN10MB, &f), TA_DEC_MALFORMED);
}

/* Zero total length is what Linux writes for TSO/BIG TCP sends. */
static void test_ipv4_total_len_zero(void **state)
{
    (void)state;
    frame f = { .len = 0 };
    build_eth_ipv4(&f, 1);
    patch16(&f, 16, 0);
    expect_ok(DLT_EN10MB, &f, 4, 1, 0);
}

static void test_ipv4_fragments(void **state)
{
    (void)state;
    static const unsigned frag_fields[] = { 0x2000, 0x0001, 0x00b9, 0x3fff, 0x1fff };
    for (size_t i = 0; i < sizeof frag_fields / sizeof frag_fields[0]; i++) {
        frame f = { .len = 0 };
        build_eth_ipv4(&f, 1);
        patch16(&f, 20, frag_fields[i]);
        assert_int_equal(dec(DLT_EN10MB, &f), TA_DEC_FRAGMENT);
    }
    /* DF alone, and the reserved bit, are not fragmentation. */
    frame f = { .len = 0 };
    build_eth_ipv4(&f, 1);
    patch16(&f, 20, 0x8000);
    expect_ok(DLT_EN10MB, &f, 4, 1, 0);
}

/* A 6-byte-payload IPv4 packet padded to the 60-byte Ethernet minimum. */
static void test_ethernet_padding(void **state)
{
    (void)state;
    frame f = { .len = 0 };
    put_eth(&f, 0x0800);
    size_t ip = begin_ipv4(&f, 6, 1);
    put_tcp_custom(&f, 5, TEST_FLAGS);
    end_ipv4(&f, ip);
    assert_int_equal(f.len, 59);
    put_fill(&f, 1, 0xee);
    put_fill(&f, 4, 0xcc);          /* and a frame check sequence */
    expect_ok(DLT_EN10MB, &f, 4, 1, 0);
}

static void test_not_tcp(void **state)
{
    (void)state;
    static const unsigned protos[] = { 1, 2, 17, 50, 51, 58, 132, 255 };
    for (size_t i = 0; i < sizeof protos / sizeof protos[0]; i++) {
        frame f = { .len = 0 };
        put_eth(&f, 0x0800);
        size_t ip = begin_ipv4(&f, protos[i], 1);
        if (protos[i] == 17) {
            size_t udp = begin_udp(&f, 53);
            put_fill(&f, 12, 0);
            end_udp(&f, udp);
        } else {
            put_fill(&f, 40, 0);
        }
        end_ipv4(&f, ip);
        assert_int_equal(dec(DLT_EN10MB, &f), TA_DEC_NOT_TCP);
    }
}

/* ---- TCP ----------------------------------------------------------------- */

static void test_tcp_data_offset_too_small(void **state)
{
    (void)state;
    for (unsigned off = 0; off < 5; off++) {
        frame f = { .len = 0 };
        put_eth(&f, 0x0800);
        size_t ip = begin_ipv4(&f, 6, 1);
        put_tcp_custom(&f, off, TEST_FLAGS);
        end_ipv4(&f, ip);
        assert_int_equal(dec(DLT_EN10MB, &f), TA_DEC_MALFORMED);
    }
}

static void test_tcp_data_offset_beyond_segment(void **state)
{
    (void)state;
    /* Data offset 15 (60 bytes) in a 25-byte segment the IP header claims
     * in full: the headers contradict each other. */
    frame f = { .len = 0 };
    put_eth(&f, 0x0800);
    size_t ip = begin_ipv4(&f, 6, 1);
    put_tcp_custom(&f, 5, TEST_FLAGS);
    end_ipv4(&f, ip);
    patch16(&f, 14 + 20 + 12, 15u << 12 | TEST_FLAGS);
    assert_int_equal(dec(DLT_EN10MB, &f), TA_DEC_MALFORMED);

    /* The IP header claims a 100-byte segment, but only 25 were captured:
     * the options are cut by the snapshot length. */
    patch16(&f, 16, 20 + 100);
    assert_int_equal(dec(DLT_EN10MB, &f), TA_DEC_TRUNCATED);
}

/* Flags beyond the low 8 bits (AE, reserved) are not reported. */
static void test_tcp_flags_low_bits(void **state)
{
    (void)state;
    frame f = { .len = 0 };
    put_eth(&f, 0x0800);
    size_t ip = begin_ipv4(&f, 6, 1);
    put_tcp_custom(&f, 8, 0x0f00 | TA_TCP_SYN | TA_TCP_ACK | TA_TCP_FIN | TA_TCP_RST);
    end_ipv4(&f, ip);
    ta_packet p;
    assert_int_equal(ta_decode_packet(&p, DLT_EN10MB, f.b, f.len), TA_DEC_OK);
    assert_int_equal(p.flags, TA_TCP_SYN | TA_TCP_ACK | TA_TCP_FIN | TA_TCP_RST);
}

/* ---- IPv6 ---------------------------------------------------------------- */

/* Hop-by-hop (8 bytes), routing (24), destination options (16), AH (24). */
static void test_ipv6_ext_headers(void **state)
{
    (void)state;
    frame f = { .len = 0 };
    put_eth(&f, 0x86dd);
    size_t ip = begin_ipv6(&f, 0, 1);
    put8(&f, 43);
    put8(&f, 0);
    put_fill(&f, 6, 1);             /* PadN-ish filler */
    put8(&f, 60);
    put8(&f, 2);
    put_fill(&f, 22, 0);
    put8(&f, 51);
    put8(&f, 1);
    put_fill(&f, 14, 1);
    put8(&f, 6);
    put8(&f, 4);                    /* AH: (4 + 2) * 4 = 24 bytes */
    put_fill(&f, 22, 0xa5);
    put_tcp(&f);
    end_ipv6(&f, ip);
    expect_ok_all(DLT_EN10MB, &f, 6, 1, 0);

    /* An extension header longer than the payload length claims. */
    patch16(&f, 14 + 4, 8 + 4);
    assert_int_equal(dec(DLT_EN10MB, &f), TA_DEC_MALFORMED);
}

static void build_ipv6_frag(frame *f, unsigned off_m)
{
    put_eth(f, 0x86dd);
    size_t ip = begin_ipv6(f, 44, 1);
    put8(f, 6);
    put8(f, 0);
    put16(f, off_m);
    put32(f, 0xdeadbeefu);
    put_tcp(f);
    end_ipv6(f, ip);
}

static void test_ipv6_fragments(void **state)
{
    (void)state;
    frame atomic = { .len = 0 };
    build_ipv6_frag(&atomic, 0);
    expect_ok_all(DLT_EN10MB, &atomic, 6, 1, 0);

    static const unsigned frags[] = { 0x0001, 0x0008, 0xfff8, 0x0009, 0x0006 };
    for (size_t i = 0; i < sizeof frags / sizeof frags[0]; i++) {
        frame f = { .len = 0 };
        build_ipv6_frag(&f, frags[i]);
        ta_decode_status want = (frags[i] & 0xfff9) != 0 ? TA_DEC_FRAGMENT : TA_DEC_OK;
        assert_int_equal(dec(DLT_EN10MB, &f), want);
    }
}

static void test_ipv6_esp_and_no_next(void **state)
{
    (void)state;
    static const unsigned nexts[] = { 50, 59, 58, 17 };
    for (size_t i = 0; i < sizeof nexts / sizeof nexts[0]; i++) {
        frame f = { .len = 0 };
        put_eth(&f, 0x86dd);
        size_t ip = begin_ipv6(&f, nexts[i], 1);
        put_fill(&f, 32, 0);
        end_ipv6(&f, ip);
        assert_int_equal(dec(DLT_EN10MB, &f), TA_DEC_NOT_TCP);
    }
}

static void build_ipv6_many_ext(frame *f, unsigned count)
{
    put_eth(f, 0x86dd);
    size_t ip = begin_ipv6(f, count > 0 ? 60 : 6, 1);
    for (unsigned i = 0; i < count; i++) {
        put8(f, i + 1 < count ? 60 : 6);
        put8(f, 0);
        put_fill(f, 6, 0);
    }
    put_tcp(f);
    end_ipv6(f, ip);
}

static void test_ipv6_too_many_ext(void **state)
{
    (void)state;
    frame ok = { .len = 0 };
    build_ipv6_many_ext(&ok, 16);
    expect_ok(DLT_EN10MB, &ok, 6, 1, 0);
    frame bad = { .len = 0 };
    build_ipv6_many_ext(&bad, 17);
    assert_int_equal(dec(DLT_EN10MB, &bad), TA_DEC_MALFORMED);
}

static void test_ipv6_payload_len(void **state)
{
    (void)state;
    frame f = { .len = 0 };
    put_eth(&f, 0x86dd);
    size_t ip = begin_ipv6(&f, 6, 1);
    put_tcp(&f);
    end_ipv6(&f, ip);
    put_fill(&f, 6, 0xee);          /* trailing bytes past the payload length */
    expect_ok(DLT_EN10MB, &f, 6, 1, 0);

    patch16(&f, 14 + 4, 32 + 500);
    ta_packet p;
    assert_int_equal(ta_decode_packet(&p, DLT_EN10MB, f.b, f.len), TA_DEC_OK);
    assert_int_equal(p.payload_wire_len, 500);
    assert_int_equal(ta_cur_len(&p.payload), PAYLOAD_LEN + 6);
    assert_true(p.payload_truncated);

    patch16(&f, 14 + 4, 10);
    assert_int_equal(dec(DLT_EN10MB, &f), TA_DEC_MALFORMED);

    /* Zero: a Linux BIG TCP send; the packet is what was captured. */
    patch16(&f, 14 + 4, 0);
    assert_int_equal(ta_decode_packet(&p, DLT_EN10MB, f.b, f.len), TA_DEC_OK);
    assert_int_equal(ta_cur_len(&p.payload), PAYLOAD_LEN + 6);
    assert_int_equal(p.payload_wire_len, PAYLOAD_LEN + 6);
    assert_false(p.payload_truncated);

    f.b[14] = 0x45;                 /* version 4 under EtherType IPv6 */
    assert_int_equal(dec(DLT_EN10MB, &f), TA_DEC_MALFORMED);
}

/* ---- tunnels ------------------------------------------------------------- */

static void test_6in4_and_4in6(void **state)
{
    (void)state;
    frame f = { .len = 0 };
    put_eth(&f, 0x0800);
    size_t outer = begin_ipv4(&f, 41, 1);
    size_t inner = begin_ipv6(&f, 6, 2);
    put_tcp(&f);
    end_ipv6(&f, inner);
    end_ipv4(&f, outer);
    expect_ok_all(DLT_EN10MB, &f, 6, 2, 0);

    frame g = { .len = 0 };
    put_eth(&g, 0x86dd);
    outer = begin_ipv6(&g, 4, 3);
    inner = begin_ipv4(&g, 6, 4);
    put_tcp(&g);
    end_ipv4(&g, inner);
    end_ipv6(&g, outer);
    expect_ok_all(DLT_EN10MB, &g, 4, 4, 0);
}

/* Inner packet longer than the outer one says it carries. */
static void test_inner_len_beyond_outer(void **state)
{
    (void)state;
    frame f = { .len = 0 };
    put_eth(&f, 0x0800);
    size_t outer = begin_ipv4(&f, 4, 1);
    size_t inner = begin_ipv4(&f, 6, 2);
    put_tcp(&f);
    end_ipv4(&f, inner);
    end_ipv4(&f, outer);
    patch16(&f, inner + 2, (unsigned)(f.len - inner + 1));
    assert_int_equal(dec(DLT_EN10MB, &f), TA_DEC_MALFORMED);

    frame g = { .len = 0 };
    put_eth(&g, 0x0800);
    outer = begin_ipv4(&g, 41, 1);
    inner = begin_ipv6(&g, 6, 2);
    put_tcp(&g);
    end_ipv6(&g, inner);
    end_ipv4(&g, outer);
    patch16(&g, inner + 4, (unsigned)(g.len - inner - 40 + 1));
    assert_int_equal(dec(DLT_EN10MB, &g), TA_DEC_MALFORMED);
}

/* IPv4 in IPv4, |depth| times over, inside Ethernet. */
static void build_ipip(frame *f, unsigned depth)
{
    size_t offs[16];
    assert_true(depth < 16);
    put_eth(f, 0x0800);
    for (unsigned i = 0; i <= depth; i++) {
        offs[i] = begin_ipv4(f, i < depth ? 4 : 6, i + 1);
    }
    put_tcp(f);
    for (unsigned i = depth + 1; i > 0; i--) {
        end_ipv4(f, offs[i - 1]);
    }
}

static void test_tunnel_depth(void **state)
{
    (void)state;
    frame ok = { .len = 0 };
    build_ipip(&ok, 4);
    expect_ok_all(DLT_EN10MB, &ok, 4, 5, 0);
    frame deep = { .len = 0 };
    build_ipip(&deep, 5);
    assert_int_equal(dec(DLT_EN10MB, &deep), TA_DEC_MALFORMED);
    frame deeper = { .len = 0 };
    build_ipip(&deeper, 15);
    assert_int_equal(dec(DLT_EN10MB, &deeper), TA_DEC_MALFORMED);
}

/* GRE with checksum, key and sequence number, carrying IPv4. */
static void test_gre(void **state)
{
    (void)state;
    frame f = { .len = 0 };
    put_eth(&f, 0x0800);
    size_t outer = begin_ipv4(&f, 47, 1);
    put16(&f, 0xb000);              /* C, K, S */
    put16(&f, 0x0800);
    put32(&f, 0xabcd0000u);         /* checksum, reserved1 */
    put32(&f, 0x00000077u);         /* key */
    put32(&f, 0x00000001u);         /* sequence number */
    size_t inner = begin_ipv4(&f, 6, 2);
    put_tcp(&f);
    end_ipv4(&f, inner);
    end_ipv4(&f, outer);
    expect_ok_all(DLT_EN10MB, &f, 4, 2, 0);

    frame v1 = f;                   /* PPTP's enhanced GRE */
    patch16(&v1, 34, 0x3001);
    assert_int_equal(dec(DLT_EN10MB, &v1), TA_DEC_NOT_TCP);
    frame routing = f;
    patch16(&routing, 34, 0x4000);
    assert_int_equal(dec(DLT_EN10MB, &routing), TA_DEC_NOT_TCP);
    frame erspan = f;
    patch16(&erspan, 36, 0x88be);
    assert_int_equal(dec(DLT_EN10MB, &erspan), TA_DEC_NOT_IP);
}

/* GRE over IPv6 carrying transparent Ethernet with a VLAN tag, then IPv6. */
static void test_gre_teb(void **state)
{
    (void)state;
    frame f = { .len = 0 };
    put_eth(&f, 0x86dd);
    size_t outer = begin_ipv6(&f, 47, 1);
    put16(&f, 0x2000);              /* K */
    put16(&f, 0x6558);
    put32(&f, 5);
    put_eth(&f, 0x8100);
    put16(&f, 77);
    put16(&f, 0x86dd);
    size_t inner = begin_ipv6(&f, 6, 2);
    put_tcp(&f);
    end_ipv6(&f, inner);
    end_ipv6(&f, outer);
    expect_ok_all(DLT_EN10MB, &f, 6, 2, 77);
}

/* VXLAN: the outermost VLAN is the outer frame's, not the inner one's. */
/* ---- UDP (ta_decode_transport) ----------------------------------------- */

#define UDP_SPORT 54321             /* begin_udp's source port */
#define UDP_DPORT 443

/* An Ethernet frame with IP |family| carrying UDP to 443 with "hello"; the
 * UDP header's offset in |udp_off|. */
static void build_udp(frame *f, unsigned family, size_t *udp_off)
{
    put_eth(f, family == 4 ? 0x0800 : 0x86dd);
    size_t ip = family == 4 ? begin_ipv4(f, 17, 7) : begin_ipv6(f, 17, 7);
    *udp_off = begin_udp(f, UDP_DPORT);
    put_raw(f, (const uint8_t *)PAYLOAD, PAYLOAD_LEN);
    end_udp(f, *udp_off);
    if (family == 4) {
        end_ipv4(f, ip);
    } else {
        end_ipv6(f, ip);
    }
}

static ta_decode_status dec_udp(const frame *f, ta_packet *p)
{
    return ta_decode_transport(p, DLT_EN10MB, f->b, f->len, f->len);
}

static void expect_udp(const frame *f, unsigned family)
{
    ta_packet p;
    assert_int_equal(dec_udp(f, &p), TA_DEC_OK);
    assert_int_equal(p.proto, TA_PROTO_UDP);
    expect_addrs(&p, family, 7);
    assert_int_equal(p.sport, UDP_SPORT);
    assert_int_equal(p.dport, UDP_DPORT);
    assert_int_equal(ta_cur_len(&p.payload), PAYLOAD_LEN);
    assert_memory_equal(ta_cur_data(&p.payload), PAYLOAD, PAYLOAD_LEN);
    assert_int_equal(p.payload_wire_len, PAYLOAD_LEN);
    assert_false(p.payload_truncated);
    assert_int_equal(p.flags, 0);
}

/* UDP over IPv4 and IPv6; the TCP-only entry points still skip it. */
static void test_udp(void **state)
{
    (void)state;
    for (unsigned family = 4; family <= 6; family += 2) {
        frame f = { .len = 0 };
        size_t udp;
        build_udp(&f, family, &udp);
        expect_udp(&f, family);
        assert_int_equal(dec(DLT_EN10MB, &f), TA_DEC_NOT_TCP);
        ta_packet p;
        assert_int_equal(ta_decode_frame(&p, DLT_EN10MB, f.b, f.len, f.len), TA_DEC_NOT_TCP);
        /* Ethernet padding after the IP packet is not payload. */
        frame g = f;
        put_fill(&g, 6, 0);
        expect_udp(&g, family);
    }
    /* TCP through the same entry point says so. */
    frame t = { .len = 0 };
    build_eth_ipv4(&t, 1);
    ta_packet p;
    assert_int_equal(ta_decode_transport(&p, DLT_EN10MB, t.b, t.len, t.len), TA_DEC_OK);
    assert_int_equal(p.proto, TA_PROTO_TCP);
}

/* A UDP Length shorter than the IP payload clamps the payload (the rest is
 * not UDP's); one below the header or beyond the IP packet is malformed;
 * IPv6 Length 0 is a jumbogram's, IPv4 Length 0 is malformed.  The TCP-only
 * entry point does not judge UDP lengths at all. */
static void test_udp_lengths(void **state)
{
    (void)state;
    for (unsigned family = 4; family <= 6; family += 2) {
        frame f = { .len = 0 };
        size_t udp;
        ta_packet p;
        build_udp(&f, family, &udp);

        frame g = f;
        patch16(&g, udp + 4, 8 + 2);           /* two bytes of payload claimed */
        assert_int_equal(dec_udp(&g, &p), TA_DEC_OK);
        assert_int_equal(ta_cur_len(&p.payload), 2);
        assert_memory_equal(ta_cur_data(&p.payload), "he", 2);
        assert_false(p.payload_truncated);

        g = f;
        patch16(&g, udp + 4, 8 + PAYLOAD_LEN + 1);  /* a length one too large */
        assert_int_equal(dec_udp(&g, &p), TA_DEC_MALFORMED);
        assert_int_equal(dec(DLT_EN10MB, &g), TA_DEC_NOT_TCP);

        g = f;
        patch16(&g, udp + 4, 7);               /* below its own header */
        assert_int_equal(dec_udp(&g, &p), TA_DEC_MALFORMED);
        assert_int_equal(dec(DLT_EN10MB, &g), TA_DEC_NOT_TCP);

        g = f;
        patch16(&g, udp + 4, 0);
        if (family == 6) {
            expect_udp(&g, family);
        } else {
            assert_int_equal(dec_udp(&g, &p), TA_DEC_MALFORMED);
        }
    }
}

/* Cut by the snapshot length: inside the UDP header truncated, inside the
 * payload what is there, flagged; a frame shorter on the wire than the UDP
 * Length claims is malformed. */
static void test_udp_truncated(void **state)
{
    (void)state;
    for (unsigned family = 4; family <= 6; family += 2) {
        frame f = { .len = 0 };
        size_t udp;
        build_udp(&f, family, &udp);
        size_t hdr_end = f.len - PAYLOAD_LEN;
        for (size_t n = 0; n < f.len; n++) {
            ta_packet p;
            ta_decode_status st = ta_decode_transport(&p, DLT_EN10MB, f.b, n, f.len);
            if (n < hdr_end) {
                assert_int_equal(st, TA_DEC_TRUNCATED);
                continue;
            }
            assert_int_equal(st, TA_DEC_OK);
            assert_int_equal(p.proto, TA_PROTO_UDP);
            assert_int_equal(ta_cur_len(&p.payload), n - hdr_end);
            assert_int_equal(p.payload_wire_len, PAYLOAD_LEN);
            assert_true(p.payload_truncated);
        }
        ta_packet p;
        assert_int_equal(ta_decode_transport(&p, DLT_EN10MB, f.b, f.len - 1, f.len - 1),
                         TA_DEC_MALFORMED);
    }
}

/* UDP inside a tunnel is the inner datagram; the tunnel port still leads
 * into the tunnel. */
static void test_udp_in_vxlan(void **state)
{
    (void)state;
    frame f = { .len = 0 };
    put_eth(&f, 0x0800);
    size_t outer = begin_ipv4(&f, 17, 1);
    size_t vx = begin_udp(&f, 4789);
    put32(&f, 0x08000000u);
    put32(&f, 0x00123400u);
    size_t inner_udp;
    build_udp(&f, 4, &inner_udp);
    end_udp(&f, vx);
    end_ipv4(&f, outer);
    expect_udp(&f, 4);
}

static void test_vxlan(void **state)
{
    (void)state;
    frame f = { .len = 0 };
    put_eth(&f, 0x8100);
    put16(&f, 10);
    put16(&f, 0x0800);
    size_t outer = begin_ipv4(&f, 17, 1);
    size_t udp = begin_udp(&f, 4789);
    put32(&f, 0x08000000u);         /* I flag */
    put32(&f, 0x00123400u);         /* VNI 0x1234 */
    put_eth(&f, 0x8100);
    put16(&f, 20);
    put16(&f, 0x0800);
    size_t inner = begin_ipv4(&f, 6, 2);
    put_tcp(&f);
    end_ipv4(&f, inner);
    end_udp(&f, udp);
    end_ipv4(&f, outer);
    expect_ok_all(DLT_EN10MB, &f, 4, 2, 10);

    frame g = f;
    patch16(&g, 18 + 20 + 4, 7);    /* UDP length below its header */
    assert_int_equal(dec(DLT_EN10MB, &g), TA_DEC_MALFORMED);
    g = f;                          /* UDP length beyond the IP packet */
    patch16(&g, 18 + 20 + 4, (unsigned)(f.len - 18 - 20 + 1));
    assert_int_equal(dec(DLT_EN10MB, &g), TA_DEC_MALFORMED);
}

/* GENEVE with 8 bytes of options, carrying Ethernet, then a bare IPv6. */
static void test_geneve(void **state)
{
    (void)state;
    frame f = { .len = 0 };
    put_eth(&f, 0x0800);
    size_t outer = begin_ipv4(&f, 17, 1);
    size_t udp = begin_udp(&f, 6081);
    put8(&f, 2);                    /* version 0, 2 words of options */
    put8(&f, 0);
    put16(&f, 0x6558);
    put32(&f, 0x00000100u);
    put16(&f, 0x0101);              /* option class */
    put8(&f, 0x01);                 /* type */
    put8(&f, 0x01);                 /* 1 word of data */
    put32(&f, 0xcafef00du);
    put_eth(&f, 0x86dd);
    size_t inner = begin_ipv6(&f, 6, 2);
    put_tcp(&f);
    end_ipv6(&f, inner);
    end_udp(&f, udp);
    end_ipv4(&f, outer);
    expect_ok_all(DLT_EN10MB, &f, 6, 2, 0);

    frame g = { .len = 0 };
    put_eth(&g, 0x0800);
    outer = begin_ipv4(&g, 17, 1);
    udp = begin_udp(&g, 6081);
    put8(&g, 0);
    put8(&g, 0);
    put16(&g, 0x86dd);
    put32(&g, 0);
    inner = begin_ipv6(&g, 6, 3);
    put_tcp(&g);
    end_ipv6(&g, inner);
    end_udp(&g, udp);
    end_ipv4(&g, outer);
    expect_ok_all(DLT_EN10MB, &g, 6, 3, 0);

    g.b[14 + 20 + 8] = 0x40;        /* version 1 */
    assert_int_equal(dec(DLT_EN10MB, &g), TA_DEC_NOT_TCP);
}

/* GTP-U G-PDU with |flags| (E, S, PN bits) around IPv4 network 2. */
static void build_gtpu(frame *f, unsigned flags, unsigned type)
{
    put_eth(f, 0x0800);
    size_t outer = begin_ipv4(f, 17, 1);
    size_t udp = begin_udp(f, 2152);
    put8(f, 0x30 | flags);          /* version 1, PT */
    put8(f, type);
    size_t len_off = f->len;
    put16(f, 0);
    put32(f, 0x11223344u);          /* TEID */
    if ((flags & 0x07) != 0) {
        put16(f, 0x0102);           /* sequence number */
        put8(f, 0);                 /* N-PDU number */
        put8(f, (flags & 0x04) != 0 ? 0x85 : 0xff);
        if ((flags & 0x04) != 0) {
            put8(f, 1);             /* PDU session container, 4 bytes */
            put16(f, 0x0009);
            put8(f, 0x20);          /* UDP port extension header follows */
            put8(f, 1);
            put16(f, 2152);
            put8(f, 0);             /* no more */
        }
    }
    size_t inner = begin_ipv4(f, 6, 2);
    put_tcp(f);
    end_ipv4(f, inner);
    patch16(f, len_off, (unsigned)(f->len - len_off - 6));
    end_udp(f, udp);
    end_ipv4(f, outer);
}

static void test_gtpu(void **state)
{
    (void)state;
    static const unsigned flag_sets[] = { 0, 0x02, 0x01, 0x04, 0x07 };
    for (size_t i = 0; i < sizeof flag_sets / sizeof flag_sets[0]; i++) {
        frame f = { .len = 0 };
        build_gtpu(&f, flag_sets[i], 255);
        expect_ok_all(DLT_EN10MB, &f, 4, 2, 0);
    }

    frame echo = { .len = 0 };
    build_gtpu(&echo, 0x02, 1);     /* Echo Request */
    assert_int_equal(dec(DLT_EN10MB, &echo), TA_DEC_NOT_TCP);

    frame zero_ext = { .len = 0 };
    build_gtpu(&zero_ext, 0x04, 255);
    zero_ext.b[14 + 20 + 8 + 12] = 0;       /* extension length 0 */
    assert_int_equal(dec(DLT_EN10MB, &zero_ext), TA_DEC_MALFORMED);

    frame short_len = { .len = 0 };
    build_gtpu(&short_len, 0, 255);
    patch16(&short_len, 14 + 20 + 8 + 2, 30);
    assert_int_equal(dec(DLT_EN10MB, &short_len), TA_DEC_MALFORMED);
}

/* ---- names --------------------------------------------------------------- */

static void test_status_names(void **state)
{
    (void)state;
    assert_string_equal(ta_decode_status_name(TA_DEC_OK), "ok");
    assert_string_equal(ta_decode_status_name(TA_DEC_NOT_IP), "not_ip");
    assert_string_equal(ta_decode_status_name(TA_DEC_NOT_TCP), "not_tcp");
    assert_string_equal(ta_decode_status_name(TA_DEC_FRAGMENT), "fragment");
    assert_string_equal(ta_decode_status_name(TA_DEC_TRUNCATED), "truncated");
    assert_string_equal(ta_decode_status_name(TA_DEC_MALFORMED), "malformed");
    assert_string_equal(ta_decode_status_name(TA_DEC_UNSUPPORTED_LINK), "unsupported_link");
    assert_string_equal(ta_decode_status_name((ta_decode_status)99), "unknown");
}

static void test_linktype_supported(void **state)
{
    (void)state;
    static const int yes[] = { DLT_EN10MB, DLT_LINUX_SLL, DLT_LINUX_SLL2, DLT_RAW, DLT_IPV4,
                               DLT_IPV6, DLT_NULL, DLT_LOOP, DLT_PPP, DLT_PPP_SERIAL,
                               DLT_C_HDLC };
    static const int no[] = { -1, 6, 105, 127, 147, 192, 100000 };
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
        assert_true(ta_linktype_supported(yes[i]));
    }
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++) {
        assert_false(ta_linktype_supported(no[i]));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_real_ethernet_syn),
        cmocka_unit_test(test_real_sll2_client_hello),
        cmocka_unit_test(test_ethernet_ipv4),
        cmocka_unit_test(test_ethernet_ipv6),
        cmocka_unit_test(test_vlan_single),
        cmocka_unit_test(test_qinq),
        cmocka_unit_test(test_cisco_metadata),
        cmocka_unit_test(test_sll),
        cmocka_unit_test(test_sll2),
        cmocka_unit_test(test_raw_ip),
        cmocka_unit_test(test_null_both_orders),
        cmocka_unit_test(test_loop),
        cmocka_unit_test(test_ppp),
        cmocka_unit_test(test_cisco_hdlc),
        cmocka_unit_test(test_pppoe),
        cmocka_unit_test(test_mpls),
        cmocka_unit_test(test_not_ip),
        cmocka_unit_test(test_unsupported_link),
        cmocka_unit_test(test_ipv4_options),
        cmocka_unit_test(test_ipv4_ihl_too_small),
        cmocka_unit_test(test_ipv4_version_mismatch),
        cmocka_unit_test(test_ipv4_total_len_beyond_frame),
        cmocka_unit_test(test_ipv4_total_len_below_header),
        cmocka_unit_test(test_ipv4_total_len_zero),
        cmocka_unit_test(test_ipv4_fragments),
        cmocka_unit_test(test_ethernet_padding),
        cmocka_unit_test(test_not_tcp),
        cmocka_unit_test(test_tcp_data_offset_too_small),
        cmocka_unit_test(test_tcp_data_offset_beyond_segment),
        cmocka_unit_test(test_tcp_flags_low_bits),
        cmocka_unit_test(test_ipv6_ext_headers),
        cmocka_unit_test(test_ipv6_fragments),
        cmocka_unit_test(test_ipv6_esp_and_no_next),
        cmocka_unit_test(test_ipv6_too_many_ext),
        cmocka_unit_test(test_ipv6_payload_len),
        cmocka_unit_test(test_6in4_and_4in6),
        cmocka_unit_test(test_inner_len_beyond_outer),
        cmocka_unit_test(test_tunnel_depth),
        cmocka_unit_test(test_gre),
        cmocka_unit_test(test_gre_teb),
        cmocka_unit_test(test_udp),
        cmocka_unit_test(test_udp_lengths),
        cmocka_unit_test(test_udp_truncated),
        cmocka_unit_test(test_udp_in_vxlan),
        cmocka_unit_test(test_vxlan),
        cmocka_unit_test(test_geneve),
        cmocka_unit_test(test_gtpu),
        cmocka_unit_test(test_status_names),
        cmocka_unit_test(test_linktype_supported),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
