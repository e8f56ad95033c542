/*
 * fuzz_decode.c - libFuzzer target for ta_decode_packet and
 * ta_decode_transport (TCP and UDP).
 *
 * The first input byte picks a supported link type, the rest is the frame.
 * Both entry points decode it; a TCP segment must come out of both alike,
 * and the TCP-only one must never return UDP.
 * Beyond the sanitizers, each decoded packet is checked against the
 * promises of ta_decode.h: the payload lies inside the frame, and it is
 * never longer than the IP layer claims.
 *
 *   clang -fsanitize=fuzzer,address,undefined -Iinclude tests/fuzz/fuzz_decode.c \
 *       src/decode/decode*.c src/base/cursor.c src/base/status.c -o fuzz_decode
 */
#include <stdint.h>
#include <stdlib.h>

#include <pcap/dlt.h>

#include "ta_decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const int linktypes[] = {
    DLT_EN10MB, DLT_LINUX_SLL, DLT_LINUX_SLL2, DLT_RAW, DLT_IPV4, DLT_IPV6,
    DLT_NULL, DLT_LOOP, DLT_PPP, DLT_PPP_SERIAL, DLT_C_HDLC,
};

#define NUM_LINKTYPES (sizeof linktypes / sizeof linktypes[0])

static void check_packet(const ta_packet *p, const uint8_t *frame, size_t frame_len)
{
    const uint8_t *start = ta_cur_data(&p->payload);
    size_t len = ta_cur_len(&p->payload);
    if (len > 0 && (start < frame || len > frame_len || start > frame + (frame_len - len))) {
        abort();
    }
    if (len > p->payload_wire_len || p->payload_truncated != (len < p->payload_wire_len)) {
        abort();
    }
    if (p->family != 4 && p->family != 6) {
        abort();
    }
    /* Touch every payload byte so ASan sees any overrun. */
    volatile uint8_t sink = 0;
    ta_cur c = p->payload;
    uint8_t byte;
    while (ta_cur_get_u8(&c, &byte)) {
        sink ^= byte;
    }
    (void)sink;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) {
        return 0;
    }
    int linktype = linktypes[data[0] % NUM_LINKTYPES];
    const uint8_t *frame = data + 1;
    size_t frame_len = size - 1;
    if (!ta_linktype_supported(linktype)) {
        abort();
    }
    ta_packet p;
    ta_decode_status st = ta_decode_packet(&p, linktype, frame, frame_len);
    if (st == TA_DEC_OK) {
        check_packet(&p, frame, frame_len);
        if (p.proto != TA_PROTO_TCP) {
            abort();
        }
    } else if (st == TA_DEC_UNSUPPORTED_LINK) {
        abort();
    }
    (void)ta_decode_status_name(st);

    ta_packet q;
    ta_decode_status st2 = ta_decode_transport(&q, linktype, frame, frame_len, SIZE_MAX);
    if (st2 == TA_DEC_OK) {
        check_packet(&q, frame, frame_len);
        if (q.proto != TA_PROTO_TCP && q.proto != TA_PROTO_UDP) {
            abort();
        }
    }
    /* Where the TCP-only decoder finds TCP, so does the other. */
    if (st == TA_DEC_OK && (st2 != TA_DEC_OK || q.proto != TA_PROTO_TCP || q.seq != p.seq ||
                            ta_cur_len(&q.payload) != ta_cur_len(&p.payload))) {
        abort();
    }
    return 0;
}
