/*
 * fuzz_quic_crypto.c - libFuzzer target for CRYPTO reassembly
 * (src/quic_crypto.c on src/stream.c).
 *
 * The input is a cap choice and a sequence of CRYPTO frames (offset, a
 * length, a fill choice) whose data comes from a fixed "true" stream or, now
 * and then, from the input itself (a conflicting copy).  A model follows:
 * each offset's first copy, as given.  Checks beyond the sanitizers: the
 * stream delivers its bytes in order without holes except reported gaps;
 * until the cap is first hit (which may drop a frame the model has seen),
 * every delivered byte is the first copy of that offset; nothing is held
 * beyond the cap; a flush leaves nothing held.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ta_quic_crypto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SPACE 8192                   /* offsets the harness uses */

typedef struct {
    uint8_t first[SPACE];            /* first copy seen at each offset */
    uint8_t seen[SPACE];
    uint64_t pos;                    /* next offset the stream delivers */
    int strict;                      /* first copies are checked */
} model;

static void on_data(void *arg, ta_cur *bytes, uint64_t frame)
{
    model *m = arg;
    uint8_t b;
    (void)frame;
    while (ta_cur_get_u8(bytes, &b)) {
        if (m->pos < SPACE && m->strict && (!m->seen[m->pos] || m->first[m->pos] != b)) {
            abort();                 /* never seen, or not the first copy */
        }
        m->pos++;
    }
}

static void on_gap(void *arg, uint32_t lost, uint64_t frame)
{
    model *m = arg;
    (void)frame;
    m->pos += lost;
}

static uint8_t true_byte(uint64_t off)
{
    return (uint8_t)(off * 7 + (off >> 8));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static model m;
    static uint8_t piece[512];
    ta_cur in;
    uint8_t cap_pick = 0;
    ta_quic_crypto q;
    ta_quic_crypto_sink sink = {on_data, on_gap, &m};
    uint64_t frame = 1;

    memset(&m, 0, sizeof(m));
    m.strict = 1;
    ta_cur_init(&in, data, size);
    (void)ta_cur_get_u8(&in, &cap_pick);
    size_t cap = (size_t)64 << (cap_pick % 8);
    ta_quic_crypto_init(&q, cap);
    for (;;) {
        uint16_t off;
        uint16_t len;
        uint8_t how;
        if (!ta_cur_get_u16(&in, &off) || !ta_cur_get_u16(&in, &len) ||
            !ta_cur_get_u8(&in, &how)) {
            break;
        }
        uint64_t offset = (how & 0x80) ? TA_QUIC_CRYPTO_MAX_OFFSET - off : off % SPACE;
        len %= sizeof(piece);
        for (size_t i = 0; i < len; i++) {
            uint8_t b = true_byte(offset + i);
            if ((how & 0x40) && i % 3 == 0) {
                b ^= (uint8_t)(how | 1);     /* a conflicting copy */
            }
            piece[i] = b;
        }
        for (size_t i = 0; i < len && offset + i < SPACE; i++) {
            /* The first copy counts once it is taken: not below what was
             * already delivered (retransmissions never replace it). */
            if (!m.seen[offset + i] && offset + i >= m.pos) {
                m.seen[offset + i] = 1;
                m.first[offset + i] = piece[i];
            }
        }
        ta_cur c;
        ta_cur_init(&c, piece, len);
        ta_quic_crypto_frame(&q, offset, &c, frame++, &sink);
        if (q.s.ooo_bytes > cap) {
            abort();
        }
        if (ta_quic_crypto_cap_hits(&q) > 0) {
            m.strict = 0;
        }
    }
    ta_quic_crypto_flush(&q, &sink);
    if (q.s.ooo != NULL || q.s.ooo_bytes != 0 ||
        ta_quic_crypto_bytes(&q) + ta_quic_crypto_lost(&q) != m.pos) {
        abort();
    }
    ta_quic_crypto_cleanup(&q);
    return 0;
}
