/*
 * test_tls_msg.c - unit tests for the handshake message parsers
 * (src/tls/tls_msg.c): real messages taken from captures, checked field by
 * field against tshark's dissection, and built messages for the negative
 * cases (one byte short, a length one too large, leftover bytes, empty
 * vectors, caps).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ta_cert.h"
#include "ta_tls_msg.h"

/* ------------------------------------------------------------------------ */
/* Real messages (handshake bodies, after the 4-byte header), extracted     */
/* with tshark from /work/shared/corpus/captures.                           */
/* ------------------------------------------------------------------------ */

/* zeek tls__tls-1.2-handshake-failure.pcap frame 4 (169 bytes) */
static const uint8_t ch_tls12_failure[] = {
    0x03, 0x03, 0xaa, 0xa3, 0xb6, 0xe3, 0x25, 0x9f, 0x9c, 0x61, 0xee, 0x29,
    0xdd, 0xe4, 0x28, 0x20, 0xa7, 0x37, 0x99, 0x97, 0x2d, 0x6b, 0xf6, 0x1a,
    0xc2, 0xea, 0x38, 0x5a, 0x92, 0xc8, 0xec, 0x5d, 0xae, 0x2f, 0x00, 0x00,
    0x12, 0xc0, 0x10, 0xc0, 0x06, 0xc0, 0x15, 0xc0, 0x0b, 0xc0, 0x01, 0x00,
    0x3b, 0x00, 0x02, 0x00, 0x01, 0x00, 0xff, 0x02, 0x01, 0x00, 0x00, 0x6d,
    0x00, 0x0b, 0x00, 0x04, 0x03, 0x00, 0x01, 0x02, 0x00, 0x0a, 0x00, 0x34,
    0x00, 0x32, 0x00, 0x0e, 0x00, 0x0d, 0x00, 0x19, 0x00, 0x0b, 0x00, 0x0c,
    0x00, 0x18, 0x00, 0x09, 0x00, 0x0a, 0x00, 0x16, 0x00, 0x17, 0x00, 0x08,
    0x00, 0x06, 0x00, 0x07, 0x00, 0x14, 0x00, 0x15, 0x00, 0x04, 0x00, 0x05,
    0x00, 0x12, 0x00, 0x13, 0x00, 0x01, 0x00, 0x02, 0x00, 0x03, 0x00, 0x0f,
    0x00, 0x10, 0x00, 0x11, 0x00, 0x23, 0x00, 0x00, 0x00, 0x0d, 0x00, 0x20,
    0x00, 0x1e, 0x06, 0x01, 0x06, 0x02, 0x06, 0x03, 0x05, 0x01, 0x05, 0x02,
    0x05, 0x03, 0x04, 0x01, 0x04, 0x02, 0x04, 0x03, 0x03, 0x01, 0x03, 0x02,
    0x03, 0x03, 0x02, 0x01, 0x02, 0x02, 0x02, 0x03, 0x00, 0x0f, 0x00, 0x01,
    0x01,
};
/* zeek tls__chrome-34-google.pcap frame 4 (200 bytes) */
static const uint8_t ch_chrome34[] = {
    0x03, 0x03, 0xee, 0x18, 0x14, 0x14, 0xcc, 0x54, 0x64, 0xd4, 0x3b, 0x10,
    0x46, 0xf6, 0x88, 0x25, 0xac, 0xf4, 0x6d, 0x92, 0x66, 0x32, 0x89, 0xd2,
    0xf9, 0x05, 0xec, 0xfa, 0x68, 0x7e, 0x85, 0x6a, 0xff, 0xaa, 0x00, 0x00,
    0x28, 0xc0, 0x2b, 0xc0, 0x2f, 0x00, 0x9e, 0xcc, 0x14, 0xcc, 0x13, 0xc0,
    0x0a, 0xc0, 0x09, 0xc0, 0x13, 0xc0, 0x14, 0xc0, 0x07, 0xc0, 0x11, 0x00,
    0x33, 0x00, 0x32, 0x00, 0x39, 0x00, 0x9c, 0x00, 0x2f, 0x00, 0x35, 0x00,
    0x0a, 0x00, 0x05, 0x00, 0x04, 0x01, 0x00, 0x00, 0x77, 0x00, 0x00, 0x00,
    0x0e, 0x00, 0x0c, 0x00, 0x00, 0x09, 0x67, 0x6f, 0x6f, 0x67, 0x6c, 0x65,
    0x2e, 0x64, 0x65, 0xff, 0x01, 0x00, 0x01, 0x00, 0x00, 0x0a, 0x00, 0x08,
    0x00, 0x06, 0x00, 0x17, 0x00, 0x18, 0x00, 0x19, 0x00, 0x0b, 0x00, 0x02,
    0x01, 0x00, 0x00, 0x23, 0x00, 0x00, 0x33, 0x74, 0x00, 0x00, 0x00, 0x10,
    0x00, 0x1b, 0x00, 0x19, 0x06, 0x73, 0x70, 0x64, 0x79, 0x2f, 0x33, 0x08,
    0x73, 0x70, 0x64, 0x79, 0x2f, 0x33, 0x2e, 0x31, 0x08, 0x68, 0x74, 0x74,
    0x70, 0x2f, 0x31, 0x2e, 0x31, 0x75, 0x50, 0x00, 0x00, 0x00, 0x05, 0x00,
    0x05, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0d, 0x00, 0x12, 0x00, 0x10,
    0x04, 0x01, 0x05, 0x01, 0x02, 0x01, 0x04, 0x03, 0x05, 0x03, 0x02, 0x03,
    0x04, 0x02, 0x02, 0x02, 0x00, 0x12, 0x00, 0x00,
};
/* zeek tls__client-certificate.pcap frame 4 (508 bytes) */
static const uint8_t ch_firefox_tls13[] = {
    0x03, 0x03, 0x65, 0xab, 0x83, 0x92, 0x88, 0x0a, 0xeb, 0x2a, 0x68, 0xe9,
    0xe8, 0x36, 0x04, 0xc4, 0x44, 0x32, 0x99, 0x74, 0xa5, 0x27, 0xce, 0x9b,
    0x2b, 0x2e, 0x33, 0xe2, 0xaa, 0x8e, 0xd5, 0xb2, 0x73, 0xbe, 0x20, 0xbf,
    0x6a, 0xed, 0x7f, 0x07, 0x11, 0xfc, 0x26, 0x8e, 0x77, 0x5f, 0x95, 0x99,
    0x5d, 0xa1, 0xd3, 0x6c, 0xe0, 0x85, 0xac, 0x7a, 0x15, 0x40, 0x6e, 0xa1,
    0x83, 0x2d, 0xbb, 0x90, 0x42, 0xb5, 0x73, 0x00, 0x22, 0x13, 0x01, 0x13,
    0x03, 0x13, 0x02, 0xc0, 0x2b, 0xc0, 0x2f, 0xcc, 0xa9, 0xcc, 0xa8, 0xc0,
    0x2c, 0xc0, 0x30, 0xc0, 0x0a, 0xc0, 0x09, 0xc0, 0x13, 0xc0, 0x14, 0x00,
    0x9c, 0x00, 0x9d, 0x00, 0x2f, 0x00, 0x35, 0x01, 0x00, 0x01, 0x91, 0x00,
    0x00, 0x00, 0x16, 0x00, 0x14, 0x00, 0x00, 0x11, 0x63, 0x65, 0x72, 0x74,
    0x61, 0x75, 0x74, 0x68, 0x2e, 0x69, 0x64, 0x72, 0x69, 0x78, 0x2e, 0x66,
    0x72, 0x00, 0x17, 0x00, 0x00, 0xff, 0x01, 0x00, 0x01, 0x00, 0x00, 0x0a,
    0x00, 0x0e, 0x00, 0x0c, 0x00, 0x1d, 0x00, 0x17, 0x00, 0x18, 0x00, 0x19,
    0x01, 0x00, 0x01, 0x01, 0x00, 0x0b, 0x00, 0x02, 0x01, 0x00, 0x00, 0x23,
    0x00, 0x00, 0x00, 0x10, 0x00, 0x0e, 0x00, 0x0c, 0x02, 0x68, 0x32, 0x08,
    0x68, 0x74, 0x74, 0x70, 0x2f, 0x31, 0x2e, 0x31, 0x00, 0x05, 0x00, 0x05,
    0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x22, 0x00, 0x0a, 0x00, 0x08, 0x04,
    0x03, 0x05, 0x03, 0x06, 0x03, 0x02, 0x03, 0x00, 0x33, 0x00, 0x6b, 0x00,
    0x69, 0x00, 0x1d, 0x00, 0x20, 0x01, 0x9f, 0xa9, 0x69, 0x4f, 0x56, 0x9d,
    0x9c, 0xef, 0x1f, 0x98, 0x39, 0x0b, 0x05, 0xba, 0x8c, 0x0f, 0xad, 0x66,
    0x8d, 0x08, 0x82, 0xdc, 0x40, 0x51, 0xc1, 0x09, 0x23, 0x50, 0xa2, 0xc4,
    0x38, 0x00, 0x17, 0x00, 0x41, 0x04, 0x3a, 0x7c, 0x1e, 0xa9, 0x71, 0xb4,
    0x41, 0x22, 0x70, 0xc8, 0x7a, 0xed, 0xf5, 0x06, 0x9b, 0x38, 0x7d, 0x37,
    0xc2, 0x21, 0xef, 0xde, 0x0f, 0x54, 0x88, 0x78, 0x32, 0x96, 0xb2, 0x8f,
    0x3a, 0xaf, 0xb7, 0x80, 0x80, 0x3c, 0x05, 0xe0, 0xa0, 0xcf, 0x9f, 0xa4,
    0xfb, 0x5c, 0x8c, 0x47, 0x9f, 0xed, 0xa9, 0x23, 0x72, 0x6b, 0x5f, 0x66,
    0xcb, 0x9c, 0xc3, 0xd2, 0x71, 0xe1, 0xdc, 0xcb, 0x8b, 0xe8, 0x00, 0x2b,
    0x00, 0x05, 0x04, 0x03, 0x04, 0x03, 0x03, 0x00, 0x0d, 0x00, 0x18, 0x00,
    0x16, 0x04, 0x03, 0x05, 0x03, 0x06, 0x03, 0x08, 0x04, 0x08, 0x05, 0x08,
    0x06, 0x04, 0x01, 0x05, 0x01, 0x06, 0x01, 0x02, 0x03, 0x02, 0x01, 0x00,
    0x2d, 0x00, 0x02, 0x01, 0x01, 0x00, 0x1c, 0x00, 0x02, 0x40, 0x01, 0x00,
    0x15, 0x00, 0x85, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00,
};
/* zeek tls__chrome-34-google.pcap frame 6 (80 bytes) */
static const uint8_t sh_chrome34[] = {
    0x03, 0x03, 0x53, 0x59, 0x53, 0x16, 0x6a, 0x9c, 0x51, 0x72, 0xdb, 0x75,
    0xdd, 0xff, 0x10, 0x0b, 0xb4, 0xcc, 0x6a, 0x1a, 0xf8, 0x14, 0x5b, 0xb2,
    0x7b, 0xe2, 0x04, 0xb0, 0xde, 0x87, 0x4e, 0x91, 0x91, 0x99, 0x00, 0xc0,
    0x2f, 0x00, 0x00, 0x28, 0x00, 0x00, 0x00, 0x00, 0xff, 0x01, 0x00, 0x01,
    0x00, 0x00, 0x0b, 0x00, 0x04, 0x03, 0x00, 0x01, 0x02, 0x00, 0x23, 0x00,
    0x00, 0x75, 0x50, 0x00, 0x00, 0x00, 0x10, 0x00, 0x0b, 0x00, 0x09, 0x08,
    0x73, 0x70, 0x64, 0x79, 0x2f, 0x33, 0x2e, 0x31,
};
/* illustrated-tls13 captures__capture.pcap (118 bytes) */
static const uint8_t sh_tls13[] = {
    0x03, 0x03, 0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79,
    0x7a, 0x7b, 0x7c, 0x7d, 0x7e, 0x7f, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85,
    0x86, 0x87, 0x88, 0x89, 0x8a, 0x8b, 0x8c, 0x8d, 0x8e, 0x8f, 0x20, 0xe0,
    0xe1, 0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xeb, 0xec,
    0xed, 0xee, 0xef, 0xf0, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8,
    0xf9, 0xfa, 0xfb, 0xfc, 0xfd, 0xfe, 0xff, 0x13, 0x02, 0x00, 0x00, 0x2e,
    0x00, 0x2b, 0x00, 0x02, 0x03, 0x04, 0x00, 0x33, 0x00, 0x24, 0x00, 0x1d,
    0x00, 0x20, 0x9f, 0xd7, 0xad, 0x6d, 0xcf, 0xf4, 0x29, 0x8d, 0xd3, 0xf9,
    0x6d, 0x5b, 0x1b, 0x2a, 0xf9, 0x10, 0xa0, 0x53, 0x5b, 0x14, 0x88, 0xd7,
    0xf8, 0xfa, 0xbb, 0x34, 0x9a, 0x98, 0x28, 0x80, 0xb6, 0x15,
};
/* zeek tls__hrr.pcap frame 6 (84 bytes) */
static const uint8_t sh_hrr[] = {
    0x03, 0x03, 0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d,
    0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91, 0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb,
    0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c, 0x20, 0x1a,
    0x6b, 0xb8, 0x36, 0x8a, 0xdd, 0x0e, 0x28, 0x01, 0x5b, 0xd6, 0xcc, 0xed,
    0x64, 0x82, 0x36, 0xf4, 0x9e, 0x24, 0x07, 0xf1, 0x96, 0x53, 0xac, 0x1f,
    0xdd, 0x1f, 0xfa, 0x48, 0xbf, 0xae, 0xcd, 0x13, 0x02, 0x00, 0x00, 0x0c,
    0x00, 0x2b, 0x00, 0x02, 0x03, 0x04, 0x00, 0x33, 0x00, 0x02, 0x00, 0x17,
};
/* zeek tls__client-certificate.pcap frame 11 (48 bytes) */
static const uint8_t cr_tls12[] = {
    0x03, 0x01, 0x02, 0x40, 0x00, 0x28, 0x04, 0x03, 0x05, 0x03, 0x06, 0x03,
    0x08, 0x07, 0x08, 0x08, 0x08, 0x09, 0x08, 0x0a, 0x08, 0x0b, 0x08, 0x04,
    0x08, 0x05, 0x08, 0x06, 0x04, 0x01, 0x05, 0x01, 0x06, 0x01, 0x03, 0x03,
    0x03, 0x01, 0x03, 0x02, 0x04, 0x02, 0x05, 0x02, 0x06, 0x02, 0x00, 0x00,
};
/* zeek tls__certificate-request-failed.pcap frame 6 (84 bytes) */
static const uint8_t cr_tls12_ca[] = {
    0x01, 0x01, 0x00, 0x02, 0x04, 0x01, 0x00, 0x4c, 0x00, 0x4a, 0x30, 0x48,
    0x31, 0x0b, 0x30, 0x09, 0x06, 0x03, 0x55, 0x04, 0x06, 0x13, 0x02, 0x55,
    0x53, 0x31, 0x13, 0x30, 0x11, 0x06, 0x03, 0x55, 0x04, 0x08, 0x0c, 0x0a,
    0x53, 0x6f, 0x6d, 0x65, 0x2d, 0x53, 0x74, 0x61, 0x74, 0x65, 0x31, 0x12,
    0x30, 0x10, 0x06, 0x03, 0x55, 0x04, 0x07, 0x0c, 0x09, 0x53, 0x6f, 0x6d,
    0x65, 0x77, 0x68, 0x65, 0x72, 0x65, 0x31, 0x10, 0x30, 0x0e, 0x06, 0x03,
    0x55, 0x04, 0x0a, 0x0c, 0x07, 0x53, 0x6f, 0x6d, 0x65, 0x4f, 0x72, 0x67,
};
/* zeek tls__certificate-request-failed.pcap frame 8 (3 bytes) */
static const uint8_t cert_empty[] = {
    0x00, 0x00, 0x00,
};
/* zeek tls__ssl-v2.pcap frame 4, after the 2-byte record header (46 bytes) */
static const uint8_t sslv2_ch[] = {
    0x01, 0x00, 0x02, 0x00, 0x15, 0x00, 0x00, 0x00, 0x10, 0x07, 0x00, 0xc0,
    0x05, 0x00, 0x80, 0x03, 0x00, 0x80, 0x01, 0x00, 0x80, 0x06, 0x00, 0x40,
    0x04, 0x00, 0x80, 0x02, 0x00, 0x80, 0x1c, 0x30, 0xe2, 0xb1, 0x2f, 0x4c,
    0x04, 0x52, 0x54, 0x76, 0xf2, 0x80, 0xc0, 0x7a, 0xbe, 0xe5,
};

/* ------------------------------------------------------------------------ */
/* A small message builder for the negative cases                           */
/* ------------------------------------------------------------------------ */

#define BLD_CAP (1u << 18)
#define BLD_DEPTH 8

typedef struct {
    uint8_t *buf;
    size_t len;
    size_t open_at[BLD_DEPTH];
    size_t open_width[BLD_DEPTH];
    size_t depth;
} bld;

static void b_init(bld *b)
{
    memset(b, 0, sizeof(*b));
    b->buf = calloc(1, BLD_CAP);
    assert_non_null(b->buf);
}

static void b_free(bld *b)
{
    free(b->buf);
    memset(b, 0, sizeof(*b));
}

static void b_u8(bld *b, uint32_t v)
{
    assert_true(b->len < BLD_CAP);
    b->buf[b->len] = (uint8_t)v;
    b->len++;
}

static void b_u16(bld *b, uint32_t v)
{
    b_u8(b, v >> 8);
    b_u8(b, v);
}

static void b_u24(bld *b, uint32_t v)
{
    b_u8(b, v >> 16);
    b_u16(b, v);
}

static void b_raw(bld *b, const void *p, size_t n)
{
    const uint8_t *q = p;
    for (size_t i = 0; i < n; i++) {
        b_u8(b, q[i]);
    }
}

static void b_fill(bld *b, uint8_t v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        b_u8(b, v);
    }
}

/* b_open starts a vector with a |width|-byte length; b_close fills it in. */
static void b_open(bld *b, size_t width)
{
    assert_true(b->depth < BLD_DEPTH);
    b->open_at[b->depth] = b->len;
    b->open_width[b->depth] = width;
    b->depth++;
    b_fill(b, 0, width);
}

static void b_close(bld *b)
{
    size_t at;
    size_t width;
    size_t n;

    assert_true(b->depth > 0);
    b->depth--;
    at = b->open_at[b->depth];
    width = b->open_width[b->depth];
    n = b->len - at - width;
    for (size_t i = 0; i < width; i++) {
        b->buf[at + width - 1 - i] = (uint8_t)(n >> (8 * i));
    }
}

/* b_ext_open starts an extension of |type|; close it with b_close. */
static void b_ext_open(bld *b, uint16_t type)
{
    b_u16(b, type);
    b_open(b, 2);
}

/* b_ch_start writes a ClientHello up to and including the compression
 * methods: TLS 1.2, |sid_len| bytes of session id, suites 0x1301, 0xc02f. */
static void b_ch_start(bld *b, size_t sid_len)
{
    b_u16(b, 0x0303);
    b_fill(b, 0x11, 32);
    b_open(b, 1);
    b_fill(b, 0x22, sid_len);
    b_close(b);
    b_open(b, 2);
    b_u16(b, 0x1301);
    b_u16(b, 0xc02f);
    b_close(b);
    b_open(b, 1);
    b_u8(b, 0);
    b_close(b);
}

/* b_sni writes a server_name extension with one host_name. */
static void b_sni(bld *b, const char *host)
{
    b_ext_open(b, 0);
    b_open(b, 2);
    b_u8(b, 0);
    b_open(b, 2);
    b_raw(b, host, strlen(host));
    b_close(b);
    b_close(b);
    b_close(b);
}

/* b_alpn writes an ALPN extension with one protocol name. */
static void b_alpn(bld *b, const char *proto)
{
    b_ext_open(b, 16);
    b_open(b, 2);
    b_open(b, 1);
    b_raw(b, proto, strlen(proto));
    b_close(b);
    b_close(b);
    b_close(b);
}

/* b_sh_start writes a ServerHello up to the compression method. */
static void b_sh_start(bld *b, bool hrr)
{
    static const uint8_t hrr_random[32] = {
        0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c,
        0x02, 0x1e, 0x65, 0xb8, 0x91, 0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb,
        0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c
    };
    b_u16(b, 0x0303);
    if (hrr) {
        b_raw(b, hrr_random, sizeof(hrr_random));
    } else {
        b_fill(b, 0x33, 32);
    }
    b_open(b, 1);
    b_close(b);
    b_u16(b, 0x1301);
    b_u8(b, 0);
}

/* ------------------------------------------------------------------------ */
/* Parse and check helpers                                                   */
/* ------------------------------------------------------------------------ */

static ta_status parse_ch(ta_client_hello *ch, const uint8_t *p, size_t n)
{
    ta_cur c;
    memset(ch, 0, sizeof(*ch));
    ta_cur_init(&c, p, n);
    return ta_tls_parse_client_hello(ch, &c);
}

static ta_status parse_sh(ta_server_hello *sh, const uint8_t *p, size_t n)
{
    ta_cur c;
    memset(sh, 0, sizeof(*sh));
    ta_cur_init(&c, p, n);
    return ta_tls_parse_server_hello(sh, &c);
}

static ta_status parse_cr(ta_cert_request *cr, const uint8_t *p, size_t n, bool tls13,
                          bool has_sigalgs)
{
    ta_cur c;
    memset(cr, 0, sizeof(*cr));
    ta_cur_init(&c, p, n);
    return ta_tls_parse_certificate_request(cr, &c, tls13, has_sigalgs);
}

static ta_status parse_certs(ta_cur *ders, size_t max, size_t *num, size_t *total,
                             const uint8_t *p, size_t n, bool tls13)
{
    ta_cur c;
    ta_cur_init(&c, p, n);
    return ta_tls_parse_certificate_list(ders, max, num, total, &c, tls13);
}

static void assert_list(const ta_u32_list *l, const uint32_t *want, size_t n)
{
    assert_int_equal(l->num, n);
    assert_false(l->truncated);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(l->v[i], want[i]);
    }
}

static void assert_bytes(const ta_bytes *b, const char *want)
{
    assert_non_null(b->data);
    assert_int_equal(b->len, strlen(want));
    assert_memory_equal(b->data, want, b->len);
    assert_false(b->truncated);
}

static void assert_cur(const ta_cur *c, const uint8_t *want, size_t n)
{
    assert_int_equal(ta_cur_len(c), n);
    assert_memory_equal(ta_cur_data(c), want, n);
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ------------------------------------------------------------------------ */
/* Lists, copies and cleanup                                                 */
/* ------------------------------------------------------------------------ */

static void test_u32_list_cap(void **state)
{
    ta_u32_list l;
    (void)state;
    memset(&l, 0, sizeof(l));
    for (uint32_t i = 0; i < TA_MAX_LIST + 10; i++) {
        assert_int_equal(ta_u32_list_push(&l, i), 1);
    }
    assert_int_equal(l.num, TA_MAX_LIST);
    assert_true(l.truncated);
    for (uint32_t i = 0; i < TA_MAX_LIST; i++) {
        assert_int_equal(l.v[i], i);
    }
    ta_u32_list_free(&l);
    assert_null(l.v);
    assert_int_equal(l.num, 0);
    assert_false(l.truncated);
}

static void test_bytes_set_cap(void **state)
{
    static uint8_t big[TA_MAX_NAME + 100];
    ta_bytes b;
    ta_cur c;
    (void)state;
    memset(&b, 0, sizeof(b));
    memset(big, 'a', sizeof(big));
    ta_cur_init(&c, big, sizeof(big));
    assert_int_equal(ta_bytes_set(&b, &c), 1);
    assert_int_equal(b.len, TA_MAX_NAME);
    assert_true(b.truncated);
    assert_int_equal(b.data[TA_MAX_NAME], 0);
    assert_int_equal(ta_cur_len(&c), sizeof(big)); /* the source is not consumed */

    ta_cur_init(&c, (const uint8_t *)"x\0y", 3);
    assert_int_equal(ta_bytes_set(&b, &c), 1); /* replaces, keeps NULs */
    assert_int_equal(b.len, 3);
    assert_memory_equal(b.data, "x\0y", 3);
    assert_false(b.truncated);

    ta_cur_init(&c, NULL, 0);
    assert_int_equal(ta_bytes_set(&b, &c), 1);
    assert_int_equal(b.len, 0);
    assert_non_null(b.data);
    ta_bytes_free(&b);
    assert_null(b.data);
    ta_bytes_free(&b);
    ta_bytes_free(NULL);
}

static void test_bytes_list_cap(void **state)
{
    ta_bytes_list l;
    ta_cur c;
    (void)state;
    memset(&l, 0, sizeof(l));
    for (size_t i = 0; i < TA_MAX_LIST + 3; i++) {
        ta_cur_init(&c, (const uint8_t *)"h2", 2);
        assert_int_equal(ta_bytes_list_push(&l, &c), 1);
    }
    assert_int_equal(l.num, TA_MAX_LIST);
    assert_true(l.truncated);
    assert_bytes(&l.v[TA_MAX_LIST - 1], "h2");
    ta_bytes_list_free(&l);
    assert_null(l.v);
    assert_int_equal(l.num, 0);
    ta_bytes_list_free(&l);
    ta_bytes_list_free(NULL);
    ta_u32_list_free(NULL);
}

static void test_cleanup_null_and_zeroed(void **state)
{
    ta_client_hello ch;
    ta_server_hello sh;
    ta_cert cert;
    ta_cert_request cr;
    ta_client_hello zero_ch;
    (void)state;
    memset(&ch, 0, sizeof(ch));
    memset(&sh, 0, sizeof(sh));
    memset(&cert, 0, sizeof(cert));
    memset(&cr, 0, sizeof(cr));
    memset(&zero_ch, 0, sizeof(zero_ch));
    ta_client_hello_cleanup(NULL);
    ta_server_hello_cleanup(NULL);
    ta_cert_cleanup(NULL);
    ta_cert_request_cleanup(NULL);
    ta_client_hello_cleanup(&ch);
    ta_server_hello_cleanup(&sh);
    ta_cert_cleanup(&cert);
    ta_cert_request_cleanup(&cr);

    /* After a real parse, cleanup frees everything and leaves zeroes. */
    assert_int_equal(parse_ch(&ch, ch_chrome34, sizeof(ch_chrome34)), TA_OK);
    ta_client_hello_cleanup(&ch);
    assert_memory_equal(&ch, &zero_ch, sizeof(ch));
    ta_client_hello_cleanup(&ch);
}

/* ------------------------------------------------------------------------ */
/* ClientHello: real messages                                                */
/* ------------------------------------------------------------------------ */

/* TLS 1.2, no SNI, empty session_ticket, heartbeat (tshark frame 4). */
static void test_ch_real_tls12_failure(void **state)
{
    static const uint32_t suites[] = {0xc010, 0xc006, 0xc015, 0xc00b, 0xc001,
                                      0x003b, 0x0002, 0x0001, 0x00ff};
    static const uint32_t comp[] = {1, 0};
    static const uint32_t exts[] = {11, 10, 35, 13, 15};
    static const uint32_t groups[] = {0x0e, 0x0d, 0x19, 0x0b, 0x0c, 0x18, 0x09, 0x0a, 0x16,
                                      0x17, 0x08, 0x06, 0x07, 0x14, 0x15, 0x04, 0x05, 0x12,
                                      0x13, 0x01, 0x02, 0x03, 0x0f, 0x10, 0x11};
    static const uint32_t sigalgs[] = {0x0601, 0x0602, 0x0603, 0x0501, 0x0502,
                                       0x0503, 0x0401, 0x0402, 0x0403, 0x0301,
                                       0x0302, 0x0303, 0x0201, 0x0202, 0x0203};
    ta_client_hello ch;
    (void)state;
    assert_int_equal(parse_ch(&ch, ch_tls12_failure, sizeof(ch_tls12_failure)), TA_OK);
    assert_false(ch.sslv2);
    assert_int_equal(ch.legacy_version, 0x0303);
    assert_int_equal(ch.session_id_len, 0);
    assert_list(&ch.cipher_suites, suites, N(suites));
    assert_list(&ch.compression_methods, comp, N(comp));
    assert_list(&ch.extensions, exts, N(exts));
    assert_false(ch.has_sni);
    assert_null(ch.sni.data);
    assert_int_equal(ch.supported_versions.num, 0);
    assert_int_equal(ch.alpn.num, 0);
    assert_list(&ch.supported_groups, groups, N(groups));
    assert_list(&ch.signature_algorithms, sigalgs, N(sigalgs));
    assert_int_equal(ch.key_share_groups.num, 0);
    assert_false(ch.has_psk);
    assert_false(ch.has_early_data);
    assert_false(ch.has_session_ticket); /* present but empty */
    ta_client_hello_cleanup(&ch);
}

/* Chrome 34: SNI google.de, ALPN, NPN, channel_id (tshark frame 4). */
static void test_ch_real_chrome34(void **state)
{
    static const uint32_t suites[] = {0xc02b, 0xc02f, 0x009e, 0xcc14, 0xcc13, 0xc00a, 0xc009,
                                      0xc013, 0xc014, 0xc007, 0xc011, 0x0033, 0x0032, 0x0039,
                                      0x009c, 0x002f, 0x0035, 0x000a, 0x0005, 0x0004};
    static const uint32_t comp[] = {0};
    static const uint32_t exts[] = {0, 65281, 10, 11, 35, 13172, 16, 30032, 5, 13, 18};
    static const uint32_t groups[] = {0x17, 0x18, 0x19};
    static const uint32_t sigalgs[] = {0x0401, 0x0501, 0x0201, 0x0403,
                                       0x0503, 0x0203, 0x0402, 0x0202};
    ta_client_hello ch;
    (void)state;
    assert_int_equal(parse_ch(&ch, ch_chrome34, sizeof(ch_chrome34)), TA_OK);
    assert_int_equal(ch.legacy_version, 0x0303);
    assert_int_equal(ch.session_id_len, 0);
    assert_list(&ch.cipher_suites, suites, N(suites));
    assert_list(&ch.compression_methods, comp, N(comp));
    assert_list(&ch.extensions, exts, N(exts));
    assert_true(ch.has_sni);
    assert_bytes(&ch.sni, "google.de");
    assert_int_equal(ch.alpn.num, 3);
    assert_false(ch.alpn.truncated);
    assert_bytes(&ch.alpn.v[0], "spdy/3");
    assert_bytes(&ch.alpn.v[1], "spdy/3.1");
    assert_bytes(&ch.alpn.v[2], "http/1.1");
    assert_list(&ch.supported_groups, groups, N(groups));
    assert_list(&ch.signature_algorithms, sigalgs, N(sigalgs));
    assert_int_equal(ch.supported_versions.num, 0);
    assert_false(ch.has_session_ticket);
    ta_client_hello_cleanup(&ch);
}

/* Firefox, TLS 1.3: two key shares, supported_versions, padding (frame 4). */
static void test_ch_real_firefox_tls13(void **state)
{
    static const uint32_t suites[] = {0x1301, 0x1303, 0x1302, 0xc02b, 0xc02f, 0xcca9,
                                      0xcca8, 0xc02c, 0xc030, 0xc00a, 0xc009, 0xc013,
                                      0xc014, 0x009c, 0x009d, 0x002f, 0x0035};
    static const uint32_t exts[] = {0, 23, 65281, 10, 11, 35, 16, 5, 34, 51, 43, 13, 45, 28, 21};
    static const uint32_t versions[] = {0x0304, 0x0303};
    static const uint32_t groups[] = {0x001d, 0x0017, 0x0018, 0x0019, 0x0100, 0x0101};
    static const uint32_t sigalgs[] = {0x0403, 0x0503, 0x0603, 0x0804, 0x0805, 0x0806,
                                       0x0401, 0x0501, 0x0601, 0x0203, 0x0201};
    static const uint32_t shares[] = {29, 23};
    ta_client_hello ch;
    (void)state;
    assert_int_equal(parse_ch(&ch, ch_firefox_tls13, sizeof(ch_firefox_tls13)), TA_OK);
    assert_int_equal(ch.legacy_version, 0x0303);
    assert_int_equal(ch.session_id_len, 32);
    assert_list(&ch.cipher_suites, suites, N(suites));
    assert_list(&ch.extensions, exts, N(exts));
    assert_true(ch.has_sni);
    assert_bytes(&ch.sni, "certauth.idrix.fr");
    assert_int_equal(ch.alpn.num, 2);
    assert_bytes(&ch.alpn.v[0], "h2");
    assert_bytes(&ch.alpn.v[1], "http/1.1");
    assert_list(&ch.supported_versions, versions, N(versions));
    assert_list(&ch.supported_groups, groups, N(groups));
    assert_list(&ch.signature_algorithms, sigalgs, N(sigalgs));
    assert_list(&ch.key_share_groups, shares, N(shares));
    assert_false(ch.has_psk);
    assert_false(ch.has_early_data);
    assert_false(ch.has_session_ticket);
    ta_client_hello_cleanup(&ch);
}

/* check_ch_prefixes parses every strict prefix of |msg|: each is
 * TA_TRUNCATED except the one that ends right after the compression
 * methods (|no_ext_len|), which is a valid ClientHello without extensions. */
static void check_ch_prefixes(const uint8_t *msg, size_t len, size_t no_ext_len)
{
    ta_client_hello ch;
    for (size_t n = 0; n < len; n++) {
        ta_status want = n == no_ext_len ? TA_OK : TA_TRUNCATED;
        uint8_t *copy = malloc(n > 0 ? n : 1);
        assert_non_null(copy);
        if (n > 0) {
            memcpy(copy, msg, n); /* exact-size heap copy: ASan sees any over-read */
        }
        assert_int_equal(parse_ch(&ch, copy, n), want);
        ta_client_hello_cleanup(&ch);
        free(copy);
    }
}

static void test_ch_every_prefix(void **state)
{
    (void)state;
    /* 2 + 32 + 1 + session id + 2 + suites + 1 + methods */
    check_ch_prefixes(ch_tls12_failure, sizeof(ch_tls12_failure), 2 + 32 + 1 + 0 + 2 + 18 + 1 + 2);
    check_ch_prefixes(ch_chrome34, sizeof(ch_chrome34), 2 + 32 + 1 + 0 + 2 + 40 + 1 + 1);
    check_ch_prefixes(ch_firefox_tls13, sizeof(ch_firefox_tls13),
                      2 + 32 + 1 + 32 + 2 + 34 + 1 + 1);
}

/* A ClientHello cut inside its extensions still yields what came before. */
static void test_ch_cut_keeps_facts(void **state)
{
    ta_client_hello ch;
    (void)state;
    /* Chrome 34: cut 3 bytes into ALPN, after SNI and 5 other extensions. */
    size_t cut = 79 + 2 + 18 + 5 + 12 + 6 + 4 + 4 + 3;
    assert_int_equal(parse_ch(&ch, ch_chrome34, cut), TA_TRUNCATED);
    assert_true(ch.has_sni);
    assert_bytes(&ch.sni, "google.de");
    assert_int_equal(ch.extensions.num, 6);
    assert_int_equal(ch.cipher_suites.num, 20);
    assert_int_equal(ch.alpn.num, 0);
    ta_client_hello_cleanup(&ch);

    /* Cut in the middle of the cipher suites: the whole ones are kept. */
    assert_int_equal(parse_ch(&ch, ch_chrome34, 2 + 32 + 1 + 2 + 7), TA_TRUNCATED);
    assert_int_equal(ch.cipher_suites.num, 3);
    assert_int_equal(ch.cipher_suites.v[2], 0x009e);
    ta_client_hello_cleanup(&ch);
}

/* ------------------------------------------------------------------------ */
/* ClientHello: built messages and negative cases                            */
/* ------------------------------------------------------------------------ */

/* SSL 3.0 / early TLS: no extensions block at all. */
static void test_ch_no_extensions(void **state)
{
    static const uint32_t suites[] = {0x1301, 0xc02f};
    ta_client_hello ch;
    bld b;
    (void)state;
    b_init(&b);
    b_ch_start(&b, 0);
    assert_int_equal(parse_ch(&ch, b.buf, b.len), TA_OK);
    assert_list(&ch.cipher_suites, suites, N(suites));
    assert_int_equal(ch.compression_methods.num, 1);
    assert_int_equal(ch.extensions.num, 0);
    assert_false(ch.has_sni);
    ta_client_hello_cleanup(&ch);

    /* An empty extensions block is just as valid. */
    b_open(&b, 2);
    b_close(&b);
    assert_int_equal(parse_ch(&ch, b.buf, b.len), TA_OK);
    assert_int_equal(ch.extensions.num, 0);
    ta_client_hello_cleanup(&ch);
    b_free(&b);
}

/* Unknown (and GREASE) extension types are recorded in order, not judged. */
static void test_ch_unknown_extensions(void **state)
{
    static const uint32_t exts[] = {0x0a0a, 0x1234, 0, 0xfe0d};
    ta_client_hello ch;
    bld b;
    (void)state;
    b_init(&b);
    b_ch_start(&b, 32);
    b_open(&b, 2);
    b_ext_open(&b, 0x0a0a);
    b_close(&b);
    b_ext_open(&b, 0x1234);
    b_fill(&b, 0xff, 7);
    b_close(&b);
    b_sni(&b, "a.example");
    b_ext_open(&b, 0xfe0d);
    b_u8(&b, 1);
    b_close(&b);
    b_close(&b);
    assert_int_equal(parse_ch(&ch, b.buf, b.len), TA_OK);
    assert_int_equal(ch.session_id_len, 32);
    assert_list(&ch.extensions, exts, N(exts));
    assert_bytes(&ch.sni, "a.example");
    ta_client_hello_cleanup(&ch);
    b_free(&b);
}

/* An SNI list that overruns its extension: MALFORMED, but the
 * extensions around it are still parsed. */
static void test_ch_sni_overrun(void **state)
{
    ta_client_hello ch;
    bld b;
    size_t list_at;
    (void)state;
    b_init(&b);
    b_ch_start(&b, 0);
    b_open(&b, 2);
    b_alpn(&b, "h2");
    list_at = b.len + 4;
    b_sni(&b, "overrun.example");
    b_alpn(&b, "http/1.1");
    b_close(&b);
    b.buf[list_at + 1]++; /* server_name_list length one too large */
    assert_int_equal(parse_ch(&ch, b.buf, b.len), TA_MALFORMED);
    assert_true(ch.has_sni);
    assert_null(ch.sni.data);
    assert_int_equal(ch.extensions.num, 3);
    assert_int_equal(ch.alpn.num, 2);
    assert_bytes(&ch.alpn.v[1], "http/1.1");
    ta_client_hello_cleanup(&ch);

    /* The host name one too long instead: overruns the list. */
    b.buf[list_at + 1]--;
    b.buf[list_at + 2 + 1 + 1]++;
    assert_int_equal(parse_ch(&ch, b.buf, b.len), TA_MALFORMED);
    assert_true(ch.has_sni);
    assert_null(ch.sni.data);
    assert_int_equal(ch.alpn.num, 2);
    ta_client_hello_cleanup(&ch);
    b_free(&b);
}

/* server_name with an empty extension_data: present, but malformed. */
static void test_ch_sni_empty(void **state)
{
    ta_client_hello ch;
    bld b;
    (void)state;
    b_init(&b);
    b_ch_start(&b, 0);
    b_open(&b, 2);
    b_ext_open(&b, 0); /* empty extension_data */
    b_close(&b);
    b_close(&b);
    assert_int_equal(parse_ch(&ch, b.buf, b.len), TA_MALFORMED);
    assert_true(ch.has_sni);
    assert_null(ch.sni.data);
    ta_client_hello_cleanup(&ch);
    b_free(&b);
}

/* A name of another type first, then two host_names: the first is kept. */
static void test_ch_sni_first_host_name(void **state)
{
    ta_client_hello ch;
    bld b;
    (void)state;
    b_init(&b);
    b_ch_start(&b, 0);
    b_open(&b, 2);
    b_ext_open(&b, 0);
    b_open(&b, 2);
    b_u8(&b, 7);
    b_open(&b, 2);
    b_raw(&b, "xx", 2);
    b_close(&b);
    b_u8(&b, 0);
    b_open(&b, 2);
    b_raw(&b, "first.example", 13);
    b_close(&b);
    b_u8(&b, 0);
    b_open(&b, 2);
    b_raw(&b, "second.example", 14);
    b_close(&b);
    b_close(&b);
    b_close(&b);
    b_close(&b);
    assert_int_equal(parse_ch(&ch, b.buf, b.len), TA_OK);
    assert_bytes(&ch.sni, "first.example");
    ta_client_hello_cleanup(&ch);
    b_free(&b);
}

/* A host name longer than TA_MAX_NAME is kept capped and flagged. */
static void test_ch_sni_long(void **state)
{
    static char longname[TA_MAX_NAME + 50];
    ta_client_hello ch;
    bld b;
    (void)state;
    memset(longname, 'a', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = '\0';
    b_init(&b);
    b_ch_start(&b, 0);
    b_open(&b, 2);
    b_sni(&b, longname);
    b_close(&b);
    assert_int_equal(parse_ch(&ch, b.buf, b.len), TA_OK);
    assert_int_equal(ch.sni.len, TA_MAX_NAME);
    assert_true(ch.sni.truncated);
    ta_client_hello_cleanup(&ch);
    b_free(&b);
}

/* cipher_suites of odd length, empty vectors, an oversized session id. */
static void test_ch_bad_vectors(void **state)
{
    ta_client_hello ch;
    bld b;
    (void)state;
    b_init(&b);
    b_u16(&b, 0x0303);
    b_fill(&b, 0, 32);
    b_open(&b, 1);
    b_close(&b);
    b_open(&b, 2);
    b_u16(&b, 0xc02f);
    b_u8(&b, 0x00); /* odd length */
    b_close(&b);
    b_open(&b, 1);
    b_u8(&b, 0);
    b_close(&b);
    b_open(&b, 2);
    b_sni(&b, "odd.example");
    b_close(&b);
    assert_int_equal(parse_ch(&ch, b.buf, b.len), TA_MALFORMED);
    assert_int_equal(ch.cipher_suites.num, 1);
    assert_int_equal(ch.cipher_suites.v[0], 0xc02f);
    assert_bytes(&ch.sni, "odd.example"); /* the rest still parses */
    ta_client_hello_cleanup(&ch);
    b_free(&b);

    /* Empty cipher_suites and empty compression methods. */
    b_init(&b);
    b_u16(&b, 0x0303);
    b_fill(&b, 0, 32);
    b_u8(&b, 0);
    b_u16(&b, 0);
    b_u8(&b, 0);
    assert_int_equal(parse_ch(&ch, b.buf, b.len), TA_MALFORMED);
    assert_int_equal(ch.cipher_suites.num, 0);
    assert_int_equal(ch.compression_methods.num, 0);
    ta_client_hello_cleanup(&ch);
    b_free(&b);

    /* A 33-byte session id. */
    b_init(&b);
    b_ch_start(&b, 33);
    assert_int_equal(parse_ch(&ch, b.buf, b.len), TA_MALFORMED);
    assert_int_equal(ch.session_id_len, 33);
    assert_int_equal(ch.cipher_suites.num, 2);
    ta_client_hello_cleanup(&ch);
    b_free(&b);
}

/* More than TA_MAX_LIST suites: capped, flagged, not an error. */
static void test_ch_too_many_suites(void **state)
{
    ta_client_hello ch;
    bld b;
    (void)state;
    b_init(&b);
    b_u16(&b, 0x0303);
    b_fill(&b, 0, 32);
    b_u8(&b, 0);
    b_open(&b, 2);
    for (uint32_t i = 0; i < TA_MAX_LIST + 904; i++) {
        b_u16(&b, i);
    }
    b_close(&b);
    b_open(&b, 1);
    b_u8(&b, 0);
    b_close(&b);
    b_open(&b, 2);
    b_sni(&b, "many.example");
    b_close(&b);
    assert_int_equal(parse_ch(&ch, b.buf, b.len), TA_OK);
    assert_int_equal(ch.cipher_suites.num, TA_MAX_LIST);
    assert_true(ch.cipher_suites.truncated);
    assert_int_equal(ch.cipher_suites.v[TA_MAX_LIST - 1], TA_MAX_LIST - 1);
    assert_bytes(&ch.sni, "many.example");
    ta_client_hello_cleanup(&ch);
    b_free(&b);
}

/* Leftover bytes, and lengths one too large at each level. */
static void test_ch_lengths(void **state)
{
    ta_client_hello ch;
    bld b;
    size_t block_at;
    size_t ext_at;
    (void)state;
    b_init(&b);
    b_ch_start(&b, 0);
    block_at = b.len;
    b_open(&b, 2);
    b_sni(&b, "x.example");
    ext_at = b.len;
    b_alpn(&b, "h2");
    b_close(&b);

    b_u8(&b, 0); /* one byte after the extensions block */
    assert_int_equal(parse_ch(&ch, b.buf, b.len), TA_MALFORMED);
    assert_bytes(&ch.sni, "x.example");
    assert_int_equal(ch.alpn.num, 1);
    ta_client_hello_cleanup(&ch);
    b.len--;

    b.buf[block_at + 1]++; /* extensions block one too long: cut at the end */
    assert_int_equal(parse_ch(&ch, b.buf, b.len), TA_TRUNCATED);
    assert_bytes(&ch.sni, "x.example");
    assert_int_equal(ch.alpn.num, 1);
    ta_client_hello_cleanup(&ch);
    b.buf[block_at + 1]--;

    b.buf[ext_at + 3]++; /* last extension overruns the block */
    assert_int_equal(parse_ch(&ch, b.buf, b.len), TA_MALFORMED);
    assert_bytes(&ch.sni, "x.example");
    assert_int_equal(ch.extensions.num, 1);
    assert_int_equal(ch.alpn.num, 0);
    ta_client_hello_cleanup(&ch);
    b.buf[ext_at + 3]--;

    b.buf[2 + 32 + 1 + 1]++; /* cipher_suites one too long: odd, eats a byte */
    assert_int_equal(parse_ch(&ch, b.buf, b.len), TA_MALFORMED);
    ta_client_hello_cleanup(&ch);
    b_free(&b);
}

/* b_psk writes a pre_shared_key extension: one identity, one binder. */
static void b_psk(bld *b)
{
    b_ext_open(b, 41);
    b_open(b, 2);
    b_open(b, 2);
    b_fill(b, 3, 16);
    b_close(b);
    b_fill(b, 0, 4); /* obfuscated_ticket_age */
    b_close(b);
    b_open(b, 2);
    b_open(b, 1);
    b_fill(b, 4, 32);
    b_close(b);
    b_close(b);
    b_close(b);
}

/* pre_shared_key, early_data, session_ticket flags and key_share groups. */
static void test_ch_flags(void **state)
{
    static const uint32_t versions[] = {0x7a7a, 0x0304};
    static const uint32_t shares[] = {0x001d, 0x11ec};
    ta_client_hello ch;
    bld b;
    (void)state;
    b_init(&b);
    b_ch_start(&b, 32);
    b_open(&b, 2);
    b_ext_open(&b, 35); /* session_ticket with a ticket */
    b_fill(&b, 0xab, 20);
    b_close(&b);
    b_ext_open(&b, 43);
    b_open(&b, 1);
    b_u16(&b, 0x7a7a);
    b_u16(&b, 0x0304);
    b_close(&b);
    b_close(&b);
    b_ext_open(&b, 51);
    b_open(&b, 2);
    b_u16(&b, 0x001d);
    b_open(&b, 2);
    b_fill(&b, 1, 32);
    b_close(&b);
    b_u16(&b, 0x11ec);
    b_open(&b, 2);
    b_fill(&b, 2, 1216);
    b_close(&b);
    b_close(&b);
    b_close(&b);
    b_ext_open(&b, 42); /* early_data: empty */
    b_close(&b);
    b_psk(&b);
    b_close(&b);
    assert_int_equal(parse_ch(&ch, b.buf, b.len), TA_OK);
    assert_true(ch.has_session_ticket);
    assert_true(ch.has_early_data);
    assert_true(ch.has_psk);
    assert_list(&ch.supported_versions, versions, N(versions));
    assert_list(&ch.key_share_groups, shares, N(shares));
    assert_int_equal(ch.extensions.num, 5);
    ta_client_hello_cleanup(&ch);
    b_free(&b);
}

/* build_one_ext_ch builds a ClientHello whose extensions are SNI, then
 * one extension (|type|, |data|), then ALPN "h2". */
static void build_one_ext_ch(bld *b, uint16_t type, const uint8_t *data, size_t len)
{
    b_init(b);
    b_ch_start(b, 0);
    b_open(b, 2);
    b_sni(b, "ok.example");
    b_ext_open(b, type);
    b_raw(b, data, len);
    b_close(b);
    b_alpn(b, "h2");
    b_close(b);
}

/* check_bad_ext expects one malformed extension body to give TA_MALFORMED
 * while the SNI before it and the ALPN after it are still parsed. */
static void check_bad_ext(uint16_t type, const uint8_t *data, size_t len)
{
    ta_client_hello ch;
    bld b;
    build_one_ext_ch(&b, type, data, len);
    assert_int_equal(parse_ch(&ch, b.buf, b.len), TA_MALFORMED);
    assert_bytes(&ch.sni, "ok.example");
    assert_int_equal(ch.extensions.num, 3);
    assert_int_equal(ch.extensions.v[1], type);
    assert_true(ch.alpn.num >= 1);
    assert_bytes(&ch.alpn.v[ch.alpn.num - 1], "h2");
    ta_client_hello_cleanup(&ch);
    b_free(&b);
}

static void test_ch_bad_extension_bodies(void **state)
{
    static const uint8_t versions_odd[] = {0x03, 0x03, 0x04, 0x03};
    static const uint8_t versions_empty[] = {0x00};
    static const uint8_t versions_over[] = {0x04, 0x03, 0x04};
    static const uint8_t groups_odd[] = {0x00, 0x03, 0x00, 0x1d, 0x00};
    static const uint8_t groups_left[] = {0x00, 0x02, 0x00, 0x1d, 0x00};
    static const uint8_t sigalgs_empty[] = {0x00, 0x00};
    static const uint8_t alpn_empty_list[] = {0x00, 0x00};
    static const uint8_t alpn_empty_name[] = {0x00, 0x01, 0x00};
    static const uint8_t alpn_over[] = {0x00, 0x03, 0x05, 'h', '2'};
    static const uint8_t share_key_over[] = {0x00, 0x06, 0x00, 0x1d, 0x00, 0x03, 0x01, 0x02};
    static const uint8_t share_empty_key[] = {0x00, 0x04, 0x00, 0x1d, 0x00, 0x00};
    static const uint8_t share_short[] = {0x00, 0x01, 0x00};
    static const uint8_t share_list_over[] = {0x00, 0x05, 0x00, 0x1d};
    static const uint8_t early_nonempty[] = {0x00};
    static const uint8_t psk_short[] = {0x00, 0x02, 0x00, 0x00};
    static const uint8_t sni_empty_name[] = {0x00, 0x03, 0x00, 0x00, 0x00};
    static const uint8_t sni_left[] = {0x00, 0x04, 0x00, 0x00, 0x01, 'a', 0x00};
    (void)state;
    check_bad_ext(43, versions_odd, sizeof(versions_odd));
    check_bad_ext(43, versions_empty, sizeof(versions_empty));
    check_bad_ext(43, versions_over, sizeof(versions_over));
    check_bad_ext(10, groups_odd, sizeof(groups_odd));
    check_bad_ext(10, groups_left, sizeof(groups_left));
    check_bad_ext(10, NULL, 0);
    check_bad_ext(13, sigalgs_empty, sizeof(sigalgs_empty));
    check_bad_ext(16, alpn_empty_list, sizeof(alpn_empty_list));
    check_bad_ext(16, alpn_empty_name, sizeof(alpn_empty_name));
    check_bad_ext(16, alpn_over, sizeof(alpn_over));
    check_bad_ext(51, share_key_over, sizeof(share_key_over));
    check_bad_ext(51, share_empty_key, sizeof(share_empty_key));
    check_bad_ext(51, share_short, sizeof(share_short));
    check_bad_ext(51, share_list_over, sizeof(share_list_over));
    check_bad_ext(42, early_nonempty, sizeof(early_nonempty));
    check_bad_ext(41, psk_short, sizeof(psk_short));
    check_bad_ext(0, sni_empty_name, sizeof(sni_empty_name));
    check_bad_ext(0, sni_left, sizeof(sni_left));
}

/* An empty key_share list is valid (the client waits for a HelloRetryRequest). */
static void test_ch_empty_key_share(void **state)
{
    static const uint8_t empty_list[] = {0x00, 0x00};
    ta_client_hello ch;
    bld b;
    (void)state;
    build_one_ext_ch(&b, 51, empty_list, sizeof(empty_list));
    assert_int_equal(parse_ch(&ch, b.buf, b.len), TA_OK);
    assert_int_equal(ch.key_share_groups.num, 0);
    assert_int_equal(ch.extensions.num, 3);
    ta_client_hello_cleanup(&ch);
    b_free(&b);
}

/* ------------------------------------------------------------------------ */
/* SSLv2 CLIENT-HELLO                                                        */
/* ------------------------------------------------------------------------ */

static ta_status parse_v2(ta_client_hello *ch, const uint8_t *p, size_t n)
{
    ta_cur c;
    memset(ch, 0, sizeof(*ch));
    ta_cur_init(&c, p, n);
    return ta_tls_parse_sslv2_client_hello(ch, &c);
}

static void test_sslv2_real(void **state)
{
    static const uint32_t specs[] = {0x0700c0, 0x050080, 0x030080, 0x010080,
                                     0x060040, 0x040080, 0x020080};
    ta_client_hello ch;
    (void)state;
    assert_int_equal(parse_v2(&ch, sslv2_ch, sizeof(sslv2_ch)), TA_OK);
    assert_true(ch.sslv2);
    assert_int_equal(ch.legacy_version, 0x0002);
    assert_int_equal(ch.session_id_len, 0);
    assert_list(&ch.cipher_suites, specs, N(specs));
    assert_int_equal(ch.extensions.num, 0);
    ta_client_hello_cleanup(&ch);
}

static void test_sslv2_negative(void **state)
{
    uint8_t msg[sizeof(sslv2_ch) + 1];
    ta_client_hello ch;
    (void)state;
    for (size_t n = 0; n < sizeof(sslv2_ch); n++) {
        uint8_t *copy = malloc(n > 0 ? n : 1);
        assert_non_null(copy);
        if (n > 0) {
            memcpy(copy, sslv2_ch, n);
        }
        assert_int_equal(parse_v2(&ch, copy, n), TA_TRUNCATED);
        ta_client_hello_cleanup(&ch);
        free(copy);
    }
    /* Cut inside the specs: the whole ones are kept. */
    assert_int_equal(parse_v2(&ch, sslv2_ch, 9 + 7), TA_TRUNCATED);
    assert_int_equal(ch.cipher_suites.num, 2);
    ta_client_hello_cleanup(&ch);

    memcpy(msg, sslv2_ch, sizeof(sslv2_ch));
    msg[sizeof(sslv2_ch)] = 0; /* leftover byte */
    assert_int_equal(parse_v2(&ch, msg, sizeof(msg)), TA_MALFORMED);
    assert_int_equal(ch.cipher_suites.num, 7);
    ta_client_hello_cleanup(&ch);

    msg[0] = 4; /* not a CLIENT-HELLO */
    assert_int_equal(parse_v2(&ch, msg, sizeof(sslv2_ch)), TA_MALFORMED);
    assert_int_equal(ch.cipher_suites.num, 0);
    ta_client_hello_cleanup(&ch);
    msg[0] = 1;

    msg[4] = 20; /* cipher_spec_length not a multiple of 3 */
    assert_int_equal(parse_v2(&ch, msg, sizeof(sslv2_ch)), TA_MALFORMED);
    ta_client_hello_cleanup(&ch);
    msg[4] = 21;

    msg[8] = 8; /* challenge of 8 bytes, plus 8 left over */
    assert_int_equal(parse_v2(&ch, msg, sizeof(sslv2_ch)), TA_MALFORMED);
    ta_client_hello_cleanup(&ch);
}

/* ------------------------------------------------------------------------ */
/* ServerHello                                                               */
/* ------------------------------------------------------------------------ */

/* Chrome 34's server: TLS 1.2, ALPN spdy/3.1 (tshark frame 6). */
static void test_sh_real_tls12(void **state)
{
    static const uint32_t exts[] = {0, 65281, 11, 35, 30032, 16};
    ta_server_hello sh;
    (void)state;
    assert_int_equal(parse_sh(&sh, sh_chrome34, sizeof(sh_chrome34)), TA_OK);
    assert_false(sh.sslv2);
    assert_int_equal(sh.legacy_version, 0x0303);
    assert_int_equal(sh.selected_version, 0);
    assert_int_equal(sh.cipher_suite, 0xc02f);
    assert_int_equal(sh.compression_method, 0);
    assert_int_equal(sh.session_id_len, 0);
    assert_false(sh.hello_retry_request);
    assert_list(&sh.extensions, exts, N(exts));
    assert_bytes(&sh.alpn, "spdy/3.1");
    assert_int_equal(sh.key_share_group, 0);
    ta_server_hello_cleanup(&sh);
}

/* The Illustrated TLS 1.3 Connection: key_share x25519, TLS 1.3. */
static void test_sh_real_tls13(void **state)
{
    static const uint32_t exts[] = {43, 51};
    ta_server_hello sh;
    (void)state;
    assert_int_equal(parse_sh(&sh, sh_tls13, sizeof(sh_tls13)), TA_OK);
    assert_int_equal(sh.legacy_version, 0x0303);
    assert_int_equal(sh.selected_version, 0x0304);
    assert_int_equal(sh.cipher_suite, 0x1302);
    assert_int_equal(sh.session_id_len, 32);
    assert_false(sh.hello_retry_request);
    assert_list(&sh.extensions, exts, N(exts));
    assert_int_equal(sh.key_share_group, 0x001d);
    assert_null(sh.alpn.data);
    ta_server_hello_cleanup(&sh);
}

/* A HelloRetryRequest asking for secp256r1 (zeek tls__hrr.pcap frame 6). */
static void test_sh_real_hrr(void **state)
{
    static const uint32_t exts[] = {43, 51};
    ta_server_hello sh;
    (void)state;
    assert_int_equal(parse_sh(&sh, sh_hrr, sizeof(sh_hrr)), TA_OK);
    assert_true(sh.hello_retry_request);
    assert_int_equal(sh.selected_version, 0x0304);
    assert_int_equal(sh.cipher_suite, 0x1302);
    assert_int_equal(sh.session_id_len, 32);
    assert_list(&sh.extensions, exts, N(exts));
    assert_int_equal(sh.key_share_group, 0x0017);
    ta_server_hello_cleanup(&sh);
}

static void check_sh_prefixes(const uint8_t *msg, size_t len, size_t no_ext_len)
{
    ta_server_hello sh;
    for (size_t n = 0; n < len; n++) {
        ta_status want = n == no_ext_len ? TA_OK : TA_TRUNCATED;
        uint8_t *copy = malloc(n > 0 ? n : 1);
        assert_non_null(copy);
        if (n > 0) {
            memcpy(copy, msg, n);
        }
        assert_int_equal(parse_sh(&sh, copy, n), want);
        ta_server_hello_cleanup(&sh);
        free(copy);
    }
}

static void test_sh_every_prefix(void **state)
{
    (void)state;
    /* 2 + 32 + 1 + session id + 2 + 1 */
    check_sh_prefixes(sh_chrome34, sizeof(sh_chrome34), 38);
    check_sh_prefixes(sh_tls13, sizeof(sh_tls13), 70);
    check_sh_prefixes(sh_hrr, sizeof(sh_hrr), 70);
}

/* No extensions (TLS 1.0 style), and a byte left over. */
static void test_sh_no_extensions_and_leftover(void **state)
{
    ta_server_hello sh;
    bld b;
    (void)state;
    b_init(&b);
    b_sh_start(&b, false);
    assert_int_equal(parse_sh(&sh, b.buf, b.len), TA_OK);
    assert_int_equal(sh.cipher_suite, 0x1301);
    assert_int_equal(sh.extensions.num, 0);
    ta_server_hello_cleanup(&sh);

    b_open(&b, 2);
    b_alpn(&b, "h2");
    b_close(&b);
    b_u8(&b, 0);
    assert_int_equal(parse_sh(&sh, b.buf, b.len), TA_MALFORMED);
    assert_bytes(&sh.alpn, "h2");
    ta_server_hello_cleanup(&sh);
    b_free(&b);
}

/* build_sh_ext builds a ServerHello (or HRR) with one extension. */
static void build_sh_ext(bld *b, bool hrr, uint16_t type, const uint8_t *data, size_t len)
{
    b_init(b);
    b_sh_start(b, hrr);
    b_open(b, 2);
    b_ext_open(b, type);
    b_raw(b, data, len);
    b_close(b);
    b_close(b);
}

static void check_sh_ext(bool hrr, uint16_t type, const uint8_t *data, size_t len,
                         ta_status want)
{
    ta_server_hello sh;
    bld b;
    build_sh_ext(&b, hrr, type, data, len);
    assert_int_equal(parse_sh(&sh, b.buf, b.len), want);
    assert_int_equal(sh.hello_retry_request, hrr);
    assert_int_equal(sh.extensions.num, 1);
    ta_server_hello_cleanup(&sh);
    b_free(&b);
}

static void test_sh_bad_extensions(void **state)
{
    static const uint8_t version_long[] = {0x03, 0x04, 0x00};
    static const uint8_t version_short[] = {0x03};
    static const uint8_t alpn_two[] = {0x00, 0x06, 0x02, 'h', '2', 0x02, 'h', '3'};
    static const uint8_t alpn_empty[] = {0x00, 0x01, 0x00};
    static const uint8_t alpn_over[] = {0x00, 0x03, 0x03, 'h', '2'};
    static const uint8_t share_group_only[] = {0x00, 0x1d};
    static const uint8_t share_one_byte[] = {0x00};
    static const uint8_t share_full[] = {0x00, 0x1d, 0x00, 0x02, 0xaa, 0xbb};
    static const uint8_t share_key_over[] = {0x00, 0x1d, 0x00, 0x03, 0xaa, 0xbb};
    (void)state;
    check_sh_ext(false, 43, version_long, sizeof(version_long), TA_MALFORMED);
    check_sh_ext(false, 43, version_short, sizeof(version_short), TA_MALFORMED);
    check_sh_ext(false, 16, alpn_two, sizeof(alpn_two), TA_MALFORMED);
    check_sh_ext(false, 16, alpn_empty, sizeof(alpn_empty), TA_MALFORMED);
    check_sh_ext(false, 16, alpn_over, sizeof(alpn_over), TA_MALFORMED);
    check_sh_ext(false, 51, share_group_only, sizeof(share_group_only), TA_MALFORMED);
    check_sh_ext(true, 51, share_one_byte, sizeof(share_one_byte), TA_MALFORMED);
    check_sh_ext(false, 51, share_full, sizeof(share_full), TA_OK);
    check_sh_ext(false, 51, share_key_over, sizeof(share_key_over), TA_MALFORMED);
    /* In a HelloRetryRequest key_share is the selected group alone. */
    check_sh_ext(true, 51, share_group_only, sizeof(share_group_only), TA_OK);
    check_sh_ext(true, 51, share_full, sizeof(share_full), TA_MALFORMED);
    check_sh_ext(true, 0x4444, share_full, sizeof(share_full), TA_OK);
}

/* A HelloRetryRequest is told apart by its random alone; a random that
 * differs in its last byte is an ordinary ServerHello. */
static void test_sh_hrr_random(void **state)
{
    uint8_t msg[sizeof(sh_hrr)];
    ta_server_hello sh;
    (void)state;
    memcpy(msg, sh_hrr, sizeof(msg));
    msg[2 + 31] ^= 1;
    /* Now key_share (a lone group) is malformed for a ServerHello. */
    assert_int_equal(parse_sh(&sh, msg, sizeof(msg)), TA_MALFORMED);
    assert_false(sh.hello_retry_request);
    assert_int_equal(sh.key_share_group, 0x0017);
    assert_int_equal(sh.selected_version, 0x0304);
    ta_server_hello_cleanup(&sh);
}

/* RFC 8446 4.1.3: "DOWNGRD" then 01 (TLS 1.3) or 00 (TLS 1.2) ends the
 * random of a server that chose less; any other last byte is no sentinel. */
static void test_sh_downgrade_sentinel(void **state)
{
    static const uint8_t downgrd[7] = {'D', 'O', 'W', 'N', 'G', 'R', 'D'};
    static const struct {
        uint8_t last;
        uint16_t want;
    } cases[] = {{0x01, 0x0304}, {0x00, 0x0303}, {0x02, 0}};
    ta_server_hello sh;
    bld b;
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        b_init(&b);
        b_sh_start(&b, false);
        memcpy(b.buf + 2 + 24, downgrd, sizeof(downgrd));
        b.buf[2 + 31] = cases[i].last;
        assert_int_equal(parse_sh(&sh, b.buf, b.len), TA_OK);
        assert_int_equal(sh.downgrade_sentinel, cases[i].want);
        ta_server_hello_cleanup(&sh);
        b_free(&b);
    }
    /* One letter off: no sentinel. */
    b_init(&b);
    b_sh_start(&b, false);
    memcpy(b.buf + 2 + 24, downgrd, sizeof(downgrd));
    b.buf[2 + 24] = 'd';
    b.buf[2 + 31] = 0x01;
    assert_int_equal(parse_sh(&sh, b.buf, b.len), TA_OK);
    assert_int_equal(sh.downgrade_sentinel, 0);
    ta_server_hello_cleanup(&sh);
    b_free(&b);
}

static ta_status parse_skx(ta_server_kx *kx, const uint8_t *p, size_t n, ta_kx_kind kind)
{
    ta_cur c;
    memset(kx, 0, sizeof(*kx));
    ta_cur_init(&c, p, n);
    return ta_tls_parse_server_key_exchange(kx, &c, kind);
}

/* The DH prime's size in bits (leading zero bytes and bits not counted),
 * the named curve of an ECDHE exchange, and every cut-short input. */
static void test_server_key_exchange(void **state)
{
    static const uint8_t dh_1024_lead0[3 + 128] = {0x00, 0x81, 0x00, 0xff};
    static const uint8_t dh_17bits[] = {0x00, 0x03, 0x01, 0x00, 0x00, 0x00, 0x01, 0x02};
    static const uint8_t dh_zero[] = {0x00, 0x02, 0x00, 0x00};
    static const uint8_t dh_cut[] = {0x00, 0x81, 0x00, 0xff};
    static const uint8_t ec_x25519[] = {0x03, 0x00, 0x1d, 0x20};
    static const uint8_t ec_explicit[] = {0x01, 0x00};
    static const uint8_t ec_cut[] = {0x03, 0x00};
    ta_server_kx kx;
    (void)state;
    assert_int_equal(parse_skx(&kx, dh_1024_lead0, sizeof(dh_1024_lead0), TA_KX_DHE), TA_OK);
    assert_int_equal(kx.dh_bits, 1024);
    assert_int_equal(parse_skx(&kx, dh_17bits, sizeof(dh_17bits), TA_KX_DHE), TA_OK);
    assert_int_equal(kx.dh_bits, 17);
    assert_int_equal(parse_skx(&kx, dh_zero, sizeof(dh_zero), TA_KX_DHE), TA_OK);
    assert_int_equal(kx.dh_bits, 0);
    assert_int_equal(parse_skx(&kx, dh_cut, sizeof(dh_cut), TA_KX_DHE), TA_TRUNCATED);
    assert_int_equal(kx.dh_bits, 0);
    assert_int_equal(parse_skx(&kx, ec_x25519, sizeof(ec_x25519), TA_KX_ECDHE), TA_OK);
    assert_int_equal(kx.group, 29);
    assert_int_equal(parse_skx(&kx, ec_explicit, sizeof(ec_explicit), TA_KX_ECDHE), TA_OK);
    assert_int_equal(kx.group, 0);
    assert_int_equal(parse_skx(&kx, ec_cut, sizeof(ec_cut), TA_KX_ECDHE), TA_TRUNCATED);
    assert_int_equal(parse_skx(&kx, ec_cut, 0, TA_KX_ECDHE), TA_TRUNCATED);
}

/* Extension lengths one too large: the block (cut) and one extension. */
static void test_sh_lengths(void **state)
{
    ta_server_hello sh;
    bld b;
    size_t block_at;
    (void)state;
    b_init(&b);
    b_sh_start(&b, false);
    block_at = b.len;
    b_open(&b, 2);
    b_alpn(&b, "h2");
    b_close(&b);
    b.buf[block_at + 1]++;
    assert_int_equal(parse_sh(&sh, b.buf, b.len), TA_TRUNCATED);
    assert_bytes(&sh.alpn, "h2");
    ta_server_hello_cleanup(&sh);
    b.buf[block_at + 1]--;
    b.buf[block_at + 2 + 3]++;
    assert_int_equal(parse_sh(&sh, b.buf, b.len), TA_MALFORMED);
    assert_null(sh.alpn.data);
    assert_int_equal(sh.extensions.num, 0);
    ta_server_hello_cleanup(&sh);
    b_free(&b);
}

/* ------------------------------------------------------------------------ */
/* Certificate                                                               */
/* ------------------------------------------------------------------------ */

static const uint8_t der_a[] = {0x30, 0x03, 0x02, 0x01, 0x01};
static const uint8_t der_b[] = {0x30, 0x06, 0x02, 0x01, 0x02, 0x02, 0x01, 0x03};

/* b_cert_list writes a Certificate body holding der_a and der_b; in TLS 1.3
 * form, with a context and a status_request extension on the first entry. */
static void b_cert_list(bld *b, bool tls13)
{
    if (tls13) {
        b_open(b, 1);
        b_close(b);
    }
    b_open(b, 3);
    b_open(b, 3);
    b_raw(b, der_a, sizeof(der_a));
    b_close(b);
    if (tls13) {
        b_open(b, 2);
        b_ext_open(b, 5);
        b_fill(b, 0x5a, 9);
        b_close(b);
        b_close(b);
    }
    b_open(b, 3);
    b_raw(b, der_b, sizeof(der_b));
    b_close(b);
    if (tls13) {
        b_open(b, 2);
        b_close(b);
    }
    b_close(b);
}

static void test_cert_list_tls12(void **state)
{
    ta_cur ders[4];
    size_t num;
    size_t total;
    bld b;
    (void)state;
    b_init(&b);
    b_cert_list(&b, false);
    assert_int_equal(parse_certs(ders, 4, &num, &total, b.buf, b.len, false), TA_OK);
    assert_int_equal(num, 2);
    assert_int_equal(total, 2);
    assert_cur(&ders[0], der_a, sizeof(der_a));
    assert_cur(&ders[1], der_b, sizeof(der_b));

    /* Only |max| are kept, all are counted. */
    assert_int_equal(parse_certs(ders, 1, &num, &total, b.buf, b.len, false), TA_OK);
    assert_int_equal(num, 1);
    assert_int_equal(total, 2);
    assert_int_equal(parse_certs(NULL, 0, &num, &total, b.buf, b.len, false), TA_OK);
    assert_int_equal(num, 0);
    assert_int_equal(total, 2);
    b_free(&b);
}

static void test_cert_list_tls13(void **state)
{
    ta_cur ders[4];
    size_t num;
    size_t total;
    bld b;
    (void)state;
    b_init(&b);
    b_cert_list(&b, true);
    assert_int_equal(parse_certs(ders, 4, &num, &total, b.buf, b.len, true), TA_OK);
    assert_int_equal(num, 2);
    assert_int_equal(total, 2);
    assert_cur(&ders[0], der_a, sizeof(der_a));
    assert_cur(&ders[1], der_b, sizeof(der_b));
    /* Read as TLS 1.2, the context byte shifts everything. */
    assert_int_not_equal(parse_certs(ders, 4, &num, &total, b.buf, b.len, false), TA_OK);
    b_free(&b);
}

/* A client with no certificate (zeek tls__certificate-request-failed.pcap). */
static void test_cert_list_empty(void **state)
{
    static const uint8_t empty13[] = {0x00, 0x00, 0x00, 0x00};
    ta_cur ders[4];
    size_t num = 99;
    size_t total = 99;
    (void)state;
    assert_int_equal(parse_certs(ders, 4, &num, &total, cert_empty, sizeof(cert_empty), false),
                     TA_OK);
    assert_int_equal(num, 0);
    assert_int_equal(total, 0);
    assert_int_equal(parse_certs(ders, 4, &num, &total, empty13, sizeof(empty13), true), TA_OK);
    assert_int_equal(num, 0);
    assert_int_equal(total, 0);
}

static void check_cert_prefixes(const bld *b, bool tls13)
{
    ta_cur ders[4];
    size_t num;
    size_t total;
    for (size_t n = 0; n < b->len; n++) {
        uint8_t *copy = malloc(n > 0 ? n : 1);
        assert_non_null(copy);
        if (n > 0) {
            memcpy(copy, b->buf, n);
        }
        assert_int_equal(parse_certs(ders, 4, &num, &total, copy, n, tls13), TA_TRUNCATED);
        assert_true(num <= 2);
        free(copy);
    }
}

static void test_cert_list_negative(void **state)
{
    ta_cur ders[4];
    size_t num;
    size_t total;
    bld b;
    (void)state;
    b_init(&b);
    b_cert_list(&b, false);
    check_cert_prefixes(&b, false);

    /* Cut inside the second certificate: the first is kept. */
    assert_int_equal(parse_certs(ders, 4, &num, &total, b.buf, b.len - 1, false), TA_TRUNCATED);
    assert_int_equal(num, 1);
    assert_cur(&ders[0], der_a, sizeof(der_a));

    b.buf[2]++; /* list one too long: cut at the end, both kept */
    assert_int_equal(parse_certs(ders, 4, &num, &total, b.buf, b.len, false), TA_TRUNCATED);
    assert_int_equal(num, 2);
    b.buf[2]--;

    b.buf[3 + 2]++; /* first certificate one too long: shifts the second */
    assert_int_equal(parse_certs(ders, 4, &num, &total, b.buf, b.len, false), TA_MALFORMED);
    b.buf[3 + 2]--;

    b_u8(&b, 0); /* leftover after the list */
    assert_int_equal(parse_certs(ders, 4, &num, &total, b.buf, b.len, false), TA_MALFORMED);
    assert_int_equal(num, 2);
    b_free(&b);

    /* A zero-length certificate. */
    b_init(&b);
    b_open(&b, 3);
    b_u24(&b, 0);
    b_close(&b);
    assert_int_equal(parse_certs(ders, 4, &num, &total, b.buf, b.len, false), TA_MALFORMED);
    assert_int_equal(total, 1);
    b_free(&b);
}

static void test_cert_list_tls13_negative(void **state)
{
    ta_cur ders[4];
    size_t num;
    size_t total;
    bld b;
    size_t ext_len_at = 1 + 3 + 3 + sizeof(der_a);
    (void)state;
    b_init(&b);
    b_cert_list(&b, true);
    check_cert_prefixes(&b, true);

    b.buf[ext_len_at + 2 + 2 + 1]++; /* status_request overruns the entry's block */
    assert_int_equal(parse_certs(ders, 4, &num, &total, b.buf, b.len, true), TA_MALFORMED);
    assert_int_equal(num, 2);
    b.buf[ext_len_at + 2 + 2 + 1]--;

    b.buf[ext_len_at + 1]++; /* the entry's extensions block one too long */
    assert_int_equal(parse_certs(ders, 4, &num, &total, b.buf, b.len, true), TA_MALFORMED);
    assert_int_equal(num, 1);
    b.buf[ext_len_at + 1]--;

    b.buf[0] = 5; /* context longer than the message */
    assert_int_equal(parse_certs(ders, 4, &num, &total, b.buf, 4, true), TA_TRUNCATED);
    assert_int_equal(num, 0);
    b_free(&b);
}

/* ------------------------------------------------------------------------ */
/* CertificateRequest                                                        */
/* ------------------------------------------------------------------------ */

/* TLS 1.2, no CA names (zeek tls__client-certificate.pcap frame 11). */
static void test_cr_real_tls12(void **state)
{
    static const uint32_t types[] = {1, 2, 64};
    static const uint32_t sigalgs[] = {0x0403, 0x0503, 0x0603, 0x0807, 0x0808, 0x0809, 0x080a,
                                       0x080b, 0x0804, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601,
                                       0x0303, 0x0301, 0x0302, 0x0402, 0x0502, 0x0602};
    ta_cert_request cr;
    (void)state;
    assert_int_equal(parse_cr(&cr, cr_tls12, sizeof(cr_tls12), false, true), TA_OK);
    assert_list(&cr.cert_types, types, N(types));
    assert_list(&cr.signature_algorithms, sigalgs, N(sigalgs));
    assert_int_equal(cr.num_ca_names, 0);
    ta_cert_request_cleanup(&cr);
}

/* TLS 1.2, one CA name (zeek tls__certificate-request-failed.pcap frame 6). */
static void test_cr_real_tls12_ca(void **state)
{
    static const uint32_t types[] = {1};
    static const uint32_t sigalgs[] = {0x0401};
    ta_cert_request cr;
    (void)state;
    assert_int_equal(parse_cr(&cr, cr_tls12_ca, sizeof(cr_tls12_ca), false, true), TA_OK);
    assert_list(&cr.cert_types, types, N(types));
    assert_list(&cr.signature_algorithms, sigalgs, N(sigalgs));
    assert_int_equal(cr.num_ca_names, 1);
    ta_cert_request_cleanup(&cr);

    /* The same bytes read as TLS 1.0 (no sigalgs) do not fit. */
    assert_int_equal(parse_cr(&cr, cr_tls12_ca, sizeof(cr_tls12_ca), false, false), TA_MALFORMED);
    ta_cert_request_cleanup(&cr);
}

static void check_cr_prefixes(const uint8_t *msg, size_t len, bool tls13, bool has_sigalgs)
{
    ta_cert_request cr;
    for (size_t n = 0; n < len; n++) {
        uint8_t *copy = malloc(n > 0 ? n : 1);
        assert_non_null(copy);
        if (n > 0) {
            memcpy(copy, msg, n);
        }
        assert_int_equal(parse_cr(&cr, copy, n, tls13, has_sigalgs), TA_TRUNCATED);
        ta_cert_request_cleanup(&cr);
        free(copy);
    }
}

/* b_cr10 writes a TLS 1.0 CertificateRequest: two types, two CA names. */
static void b_cr10(bld *b)
{
    b_open(b, 1);
    b_u8(b, 1);
    b_u8(b, 64);
    b_close(b);
    b_open(b, 2);
    b_open(b, 2);
    b_fill(b, 0x30, 5);
    b_close(b);
    b_open(b, 2);
    b_fill(b, 0x31, 3);
    b_close(b);
    b_close(b);
}

static void test_cr_tls10(void **state)
{
    static const uint32_t types[] = {1, 64};
    ta_cert_request cr;
    bld b;
    (void)state;
    b_init(&b);
    b_cr10(&b);
    assert_int_equal(parse_cr(&cr, b.buf, b.len, false, false), TA_OK);
    assert_list(&cr.cert_types, types, N(types));
    assert_int_equal(cr.signature_algorithms.num, 0);
    assert_int_equal(cr.num_ca_names, 2);
    ta_cert_request_cleanup(&cr);
    check_cr_prefixes(b.buf, b.len, false, false);

    b.buf[3 + 2 + 1]++; /* first DN one too long: overruns the CA list */
    assert_int_equal(parse_cr(&cr, b.buf, b.len, false, false), TA_MALFORMED);
    ta_cert_request_cleanup(&cr);
    b.buf[3 + 2 + 1]--;

    b.buf[3 + 1]++; /* CA list one too long: cut at the end */
    assert_int_equal(parse_cr(&cr, b.buf, b.len, false, false), TA_TRUNCATED);
    assert_int_equal(cr.num_ca_names, 2);
    ta_cert_request_cleanup(&cr);
    b.buf[3 + 1]--;

    b_u8(&b, 0); /* leftover */
    assert_int_equal(parse_cr(&cr, b.buf, b.len, false, false), TA_MALFORMED);
    assert_int_equal(cr.num_ca_names, 2);
    ta_cert_request_cleanup(&cr);
    b_free(&b);
}

static void test_cr_tls12_negative(void **state)
{
    static const uint8_t empty_types[] = {0x00, 0x00, 0x02, 0x04, 0x03, 0x00, 0x00};
    static const uint8_t odd_sigalgs[] = {0x01, 0x01, 0x00, 0x03, 0x04, 0x03, 0x01, 0x00, 0x00};
    static const uint8_t empty_dn[] = {0x01, 0x01, 0x00, 0x02, 0x04, 0x03, 0x00, 0x02, 0x00, 0x00};
    ta_cert_request cr;
    (void)state;
    check_cr_prefixes(cr_tls12, sizeof(cr_tls12), false, true);
    check_cr_prefixes(cr_tls12_ca, sizeof(cr_tls12_ca), false, true);
    assert_int_equal(parse_cr(&cr, empty_types, sizeof(empty_types), false, true), TA_MALFORMED);
    assert_int_equal(cr.signature_algorithms.num, 1);
    ta_cert_request_cleanup(&cr);
    assert_int_equal(parse_cr(&cr, odd_sigalgs, sizeof(odd_sigalgs), false, true), TA_MALFORMED);
    assert_int_equal(cr.signature_algorithms.num, 1);
    ta_cert_request_cleanup(&cr);
    assert_int_equal(parse_cr(&cr, empty_dn, sizeof(empty_dn), false, true), TA_MALFORMED);
    assert_int_equal(cr.num_ca_names, 1);
    ta_cert_request_cleanup(&cr);
}

/* b_cr13 writes a TLS 1.3 CertificateRequest: empty context, an unknown
 * extension, signature_algorithms, certificate_authorities with two DNs. */
static void b_cr13(bld *b)
{
    b_open(b, 1);
    b_close(b);
    b_open(b, 2);
    b_ext_open(b, 0x1a1a);
    b_close(b);
    b_ext_open(b, 13);
    b_open(b, 2);
    b_u16(b, 0x0403);
    b_u16(b, 0x0804);
    b_close(b);
    b_close(b);
    b_ext_open(b, 47);
    b_open(b, 2);
    b_open(b, 2);
    b_fill(b, 0x30, 4);
    b_close(b);
    b_open(b, 2);
    b_fill(b, 0x30, 6);
    b_close(b);
    b_close(b);
    b_close(b);
    b_close(b);
}

static void test_cr_tls13(void **state)
{
    static const uint32_t sigalgs[] = {0x0403, 0x0804};
    ta_cert_request cr;
    bld b;
    size_t sig_at = 1 + 2 + 4;
    (void)state;
    b_init(&b);
    b_cr13(&b);
    assert_int_equal(parse_cr(&cr, b.buf, b.len, true, false), TA_OK);
    assert_int_equal(cr.cert_types.num, 0);
    assert_list(&cr.signature_algorithms, sigalgs, N(sigalgs));
    assert_int_equal(cr.num_ca_names, 2);
    ta_cert_request_cleanup(&cr);
    check_cr_prefixes(b.buf, b.len, true, false);

    b.buf[sig_at + 4 + 1]--; /* sigalgs list of odd length, one byte left over */
    assert_int_equal(parse_cr(&cr, b.buf, b.len, true, false), TA_MALFORMED);
    assert_int_equal(cr.num_ca_names, 2); /* later extensions still read */
    ta_cert_request_cleanup(&cr);
    b.buf[sig_at + 4 + 1]++;

    b.buf[sig_at + 4 + 1]++; /* sigalgs list overruns its extension */
    assert_int_equal(parse_cr(&cr, b.buf, b.len, true, false), TA_MALFORMED);
    assert_int_equal(cr.signature_algorithms.num, 0);
    ta_cert_request_cleanup(&cr);
    b.buf[sig_at + 4 + 1]--;

    b_u8(&b, 0); /* leftover */
    assert_int_equal(parse_cr(&cr, b.buf, b.len, true, false), TA_MALFORMED);
    ta_cert_request_cleanup(&cr);
    b_free(&b);
}

/* check_cr13_ext builds a TLS 1.3 CertificateRequest with one extension and
 * checks the result. */
static void check_cr13_ext(uint16_t type, const uint8_t *data, size_t len, ta_status want)
{
    ta_cert_request cr;
    bld b;
    b_init(&b);
    b_open(&b, 1);
    b_u8(&b, 0x42);
    b_close(&b);
    b_open(&b, 2);
    b_ext_open(&b, type);
    b_raw(&b, data, len);
    b_close(&b);
    b_close(&b);
    assert_int_equal(parse_cr(&cr, b.buf, b.len, true, false), want);
    ta_cert_request_cleanup(&cr);
    b_free(&b);
}

static void test_cr_tls13_extensions(void **state)
{
    static const uint8_t cas_one_byte[] = {0x00};
    static const uint8_t cas_empty[] = {0x00, 0x00};
    static const uint8_t cas_dn_over[] = {0x00, 0x04, 0x00, 0x03, 0x30, 0x00};
    static const uint8_t cas_empty_dn[] = {0x00, 0x02, 0x00, 0x00};
    static const uint8_t cas_left[] = {0x00, 0x03, 0x00, 0x01, 0x30, 0x00};
    static const uint8_t cas_ok[] = {0x00, 0x03, 0x00, 0x01, 0x30};
    static const uint8_t sig_empty[] = {0x00, 0x00};
    static const uint8_t sig_left[] = {0x00, 0x02, 0x04, 0x03, 0x00};
    (void)state;
    check_cr13_ext(47, cas_one_byte, sizeof(cas_one_byte), TA_MALFORMED);
    check_cr13_ext(47, cas_empty, sizeof(cas_empty), TA_MALFORMED);
    check_cr13_ext(47, cas_dn_over, sizeof(cas_dn_over), TA_MALFORMED);
    check_cr13_ext(47, cas_empty_dn, sizeof(cas_empty_dn), TA_MALFORMED);
    check_cr13_ext(47, cas_left, sizeof(cas_left), TA_MALFORMED);
    check_cr13_ext(47, cas_ok, sizeof(cas_ok), TA_OK);
    check_cr13_ext(13, sig_empty, sizeof(sig_empty), TA_MALFORMED);
    check_cr13_ext(13, sig_left, sizeof(sig_left), TA_MALFORMED);
    check_cr13_ext(50, sig_left, sizeof(sig_left), TA_OK); /* signature_algorithms_cert: not read */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sh_downgrade_sentinel),
        cmocka_unit_test(test_server_key_exchange),
        cmocka_unit_test(test_u32_list_cap),
        cmocka_unit_test(test_bytes_set_cap),
        cmocka_unit_test(test_bytes_list_cap),
        cmocka_unit_test(test_cleanup_null_and_zeroed),
        cmocka_unit_test(test_ch_real_tls12_failure),
        cmocka_unit_test(test_ch_real_chrome34),
        cmocka_unit_test(test_ch_real_firefox_tls13),
        cmocka_unit_test(test_ch_every_prefix),
        cmocka_unit_test(test_ch_cut_keeps_facts),
        cmocka_unit_test(test_ch_no_extensions),
        cmocka_unit_test(test_ch_unknown_extensions),
        cmocka_unit_test(test_ch_sni_overrun),
        cmocka_unit_test(test_ch_sni_empty),
        cmocka_unit_test(test_ch_sni_first_host_name),
        cmocka_unit_test(test_ch_sni_long),
        cmocka_unit_test(test_ch_bad_vectors),
        cmocka_unit_test(test_ch_too_many_suites),
        cmocka_unit_test(test_ch_lengths),
        cmocka_unit_test(test_ch_flags),
        cmocka_unit_test(test_ch_bad_extension_bodies),
        cmocka_unit_test(test_ch_empty_key_share),
        cmocka_unit_test(test_sslv2_real),
        cmocka_unit_test(test_sslv2_negative),
        cmocka_unit_test(test_sh_real_tls12),
        cmocka_unit_test(test_sh_real_tls13),
        cmocka_unit_test(test_sh_real_hrr),
        cmocka_unit_test(test_sh_every_prefix),
        cmocka_unit_test(test_sh_no_extensions_and_leftover),
        cmocka_unit_test(test_sh_bad_extensions),
        cmocka_unit_test(test_sh_hrr_random),
        cmocka_unit_test(test_sh_lengths),
        cmocka_unit_test(test_cert_list_tls12),
        cmocka_unit_test(test_cert_list_tls13),
        cmocka_unit_test(test_cert_list_empty),
        cmocka_unit_test(test_cert_list_negative),
        cmocka_unit_test(test_cert_list_tls13_negative),
        cmocka_unit_test(test_cr_real_tls12),
        cmocka_unit_test(test_cr_real_tls12_ca),
        cmocka_unit_test(test_cr_tls10),
        cmocka_unit_test(test_cr_tls12_negative),
        cmocka_unit_test(test_cr_tls13),
        cmocka_unit_test(test_cr_tls13_extensions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
