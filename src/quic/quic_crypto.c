/*
 * quic_crypto.c - CRYPTO stream reassembly (see ta_quic_crypto.h).
 *
 * A CRYPTO stream is a byte stream from offset 0 with no acknowledgments a
 * capture can read, so it maps onto the TCP reassembly of stream.c: offset
 * N is sequence number N, the stream starts as if after a SYN at -1, and
 * no peer ACK is ever recorded, so holes wait for their bytes until the
 * cap or the flush.
 */
#include "ta_quic_crypto.h"

void ta_quic_crypto_init(ta_quic_crypto *c, size_t max)
{
    ta_stream_init(&c->s, max);
    ta_stream_syn(&c->s, UINT32_MAX);    /* next expected: offset 0 */
    c->num_frames = 0;
    c->num_out_of_range = 0;
}

void ta_quic_crypto_frame(ta_quic_crypto *c, uint64_t offset, ta_cur *data, uint64_t frame,
                          const ta_quic_crypto_sink *sink)
{
    uint64_t len = ta_cur_len(data);
    if (offset > TA_QUIC_CRYPTO_MAX_OFFSET || len > TA_QUIC_CRYPTO_MAX_OFFSET - offset) {
        c->num_out_of_range++;
        return;
    }
    c->num_frames++;
    /* The stream compares sequence numbers modulo 2^32 (within 2^31 of
     * each other): offsets up to 2^30 always are. */
    ta_stream_segment(&c->s, (uint32_t)offset, data, frame, sink);
}

void ta_quic_crypto_flush(ta_quic_crypto *c, const ta_quic_crypto_sink *sink)
{
    ta_stream_flush(&c->s, sink);
}

uint64_t ta_quic_crypto_bytes(const ta_quic_crypto *c)
{
    return c->s.bytes;
}

uint32_t ta_quic_crypto_gaps(const ta_quic_crypto *c)
{
    return c->s.num_gaps;
}

uint64_t ta_quic_crypto_lost(const ta_quic_crypto *c)
{
    return c->s.lost_bytes;
}

uint32_t ta_quic_crypto_duplicates(const ta_quic_crypto *c)
{
    return c->s.num_retransmissions;
}

uint32_t ta_quic_crypto_conflicts(const ta_quic_crypto *c)
{
    return c->s.num_conflicts;
}

uint32_t ta_quic_crypto_cap_hits(const ta_quic_crypto *c)
{
    return c->s.num_cap_hits;
}

void ta_quic_crypto_cleanup(ta_quic_crypto *c)
{
    if (c == NULL) {
        return;
    }
    ta_stream_cleanup(&c->s);
}
