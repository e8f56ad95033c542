/* fuzz_stream.c - libFuzzer target for TCP reassembly (src/tcp/stream.c): the
 * input is a sequence of segments (sequence offset, length, flags) cut from
 * the input itself, with peer ACKs and a final flush.  The sink checks that
 * delivered bytes never exceed what was sent and that gaps are counted;
 * the out-of-order buffer never holds more than its cap. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "ta_stream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct {
    uint64_t delivered;
    uint64_t lost;
} tally;

static void on_data(void *arg, ta_cur *bytes, uint64_t frame)
{
    tally *t = arg;
    (void)frame;
    t->delivered += ta_cur_len(bytes);
}

static void on_gap(void *arg, uint32_t lost, uint64_t frame)
{
    tally *t = arg;
    (void)frame;
    t->lost += lost;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tally t = {0, 0};
    ta_stream_sink sink = {on_data, on_gap, &t};
    ta_stream s;
    ta_cur in;
    uint32_t isn;
    uint64_t frame = 1;

    ta_cur_init(&in, data, size);
    if (!ta_cur_get_u32(&in, &isn)) {
        return 0;
    }
    ta_stream_init(&s, 4096);
    if (isn & 1) {
        ta_stream_syn(&s, isn);
    }
    for (;;) {
        uint16_t off;
        uint8_t len;
        uint8_t flags;
        ta_cur payload;
        if (!ta_cur_get_u16(&in, &off) || !ta_cur_get_u8(&in, &len) ||
            !ta_cur_get_u8(&in, &flags)) {
            break;
        }
        if (!ta_cur_get_bytes(&in, &payload, len < ta_cur_len(&in) ? len : ta_cur_len(&in))) {
            break;
        }
        /* Offsets around the ISN, wrapping the 32-bit space now and then. */
        uint32_t seq = isn + 1 + off - (flags & 0x80 ? 0x8000u : 0);
        ta_stream_segment(&s, seq, &payload, frame++, &sink);
        if (s.ooo_bytes > 4096) {
            abort();    /* the out-of-order cap holds after every segment */
        }
        if (flags & 1) {
            ta_stream_peer_ack(&s, seq + (flags >> 1), &sink);
        }
    }
    ta_stream_flush(&s, &sink);
    if (s.ooo_bytes != 0 || s.ooo != NULL) {
        abort();    /* a flush leaves nothing behind */
    }
    ta_stream_cleanup(&s);
    return 0;
}
