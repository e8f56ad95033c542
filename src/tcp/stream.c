/* stream.c - TCP reassembly of one direction (see ta_stream.h). */
#include "ta_stream.h"

#include <stdlib.h>
#include <string.h>

struct ta_seg {
    ta_seg *next;
    uint64_t frame;          /* the frame that carried it */
    uint32_t seq;
    uint32_t len;
    uint8_t data[];
};

/* Signed distance a - b modulo 2^32: positive when a is after b. */
static int32_t seq_diff(uint32_t a, uint32_t b)
{
    return (int32_t)(a - b);
}

void ta_stream_init(ta_stream *s, size_t max_ooo)
{
    memset(s, 0, sizeof(*s));
    s->max_ooo = max_ooo;
    s->reorder_window = max_ooo < TA_STREAM_REORDER_WINDOW ? max_ooo : TA_STREAM_REORDER_WINDOW;
}

void ta_stream_syn(ta_stream *s, uint32_t seq)
{
    if (!s->started || s->bytes == 0) {
        s->started = true;
        s->next_seq = seq + 1;
    }
}

static void deliver(ta_stream *s, ta_cur *bytes, uint64_t frame, const ta_stream_sink *sink)
{
    size_t n = ta_cur_len(bytes);
    if (n == 0) {
        return;
    }
    s->next_seq += (uint32_t)n;
    s->bytes += n;
    sink->data(sink->arg, bytes, frame);
}

/* The part of held segment |g| that bytes starting at |seq|, |len| long,
 * overlap: [*lo, *hi) relative to |seq|, and g's start relative to |seq|
 * in |*off|; false when they do not overlap. */
static bool overlap(const ta_seg *g, uint32_t seq, size_t len, int64_t *off, int64_t *lo,
                    int64_t *hi)
{
    *off = seq_diff(g->seq, seq);
    *lo = *off > 0 ? *off : 0;
    *hi = *off + g->len < (int64_t)len ? *off + g->len : (int64_t)len;
    return *lo < *hi;
}

/* Counts a conflict when |p| (starting at |seq|) overlaps a held segment
 * with different bytes. */
static void count_conflicts(ta_stream *s, uint32_t seq, const ta_cur *p)
{
    int64_t off;
    int64_t lo;
    int64_t hi;
    for (ta_seg *g = s->ooo; g != NULL; g = g->next) {
        ta_cur part = *p;
        if (!overlap(g, seq, ta_cur_len(p), &off, &lo, &hi) || !ta_cur_skip(&part, (size_t)lo)) {
            continue;
        }
        if (memcmp(ta_cur_data(&part), g->data + (lo - off), (size_t)(hi - lo)) != 0) {
            s->num_conflicts++;
            return;
        }
    }
}

/* The first copy wins: where the new segment |n| overlaps segments already
 * held, it takes their bytes (whichever of them drain() delivers first). */
static void keep_held_bytes(const ta_stream *s, ta_seg *n)
{
    int64_t off;
    int64_t lo;
    int64_t hi;
    for (const ta_seg *g = s->ooo; g != NULL; g = g->next) {
        if (overlap(g, n->seq, n->len, &off, &lo, &hi)) {
            memcpy(n->data + lo, g->data + (lo - off), (size_t)(hi - lo));
        }
    }
}

/* Delivers buffered segments that are now in order (trimming overlaps).
 * After a hole was filled the filling |frame| completed them; after a hole
 * was given up (|own_frames|) each was complete in the frame that carried it. */
static void drain(ta_stream *s, uint64_t frame, bool own_frames, const ta_stream_sink *sink)
{
    while (s->ooo != NULL && seq_diff(s->ooo->seq, s->next_seq) <= 0) {
        ta_seg *g = s->ooo;
        int32_t skip = seq_diff(s->next_seq, g->seq);
        s->ooo = g->next;
        s->ooo_bytes -= g->len;
        if ((uint32_t)skip < g->len) {
            ta_cur c;
            ta_cur_init(&c, g->data + skip, g->len - (uint32_t)skip);
            deliver(s, &c, own_frames ? g->frame : frame, sink);
        }
        free(g);
    }
}

/* Declares the hole before the first buffered segment lost. */
static void skip_hole(ta_stream *s, const ta_stream_sink *sink)
{
    if (s->ooo == NULL) {
        return;
    }
    uint32_t lost = (uint32_t)seq_diff(s->ooo->seq, s->next_seq);
    s->num_gaps++;
    s->lost_bytes += lost;
    s->next_seq = s->ooo->seq;
    sink->gap(sink->arg, lost, s->ooo->frame);
    drain(s, 0, true, sink);
}

/* Declares the bytes from next_seq up to |seq| lost (a hole with nothing
 * held before |seq|). */
static void give_up_to(ta_stream *s, uint32_t seq, uint64_t frame, const ta_stream_sink *sink)
{
    int32_t lost = seq_diff(seq, s->next_seq);
    if (lost <= 0) {
        return;
    }
    s->num_gaps++;
    s->lost_bytes += (uint32_t)lost;
    s->next_seq = seq;
    sink->gap(sink->arg, (uint32_t)lost, frame);
}

/* Inserts a copy of the segment into the sorted out-of-order list. */
static void buffer_segment(ta_stream *s, uint32_t seq, const ta_cur *p, uint64_t frame)
{
    size_t len = ta_cur_len(p);
    ta_seg **at = &s->ooo;
    ta_cur copy = *p;

    count_conflicts(s, seq, p);
    while (*at != NULL && seq_diff((*at)->seq, seq) < 0) {
        at = &(*at)->next;
    }
    if (*at != NULL && (*at)->seq == seq && (*at)->len >= len) {
        s->num_retransmissions++;
        return;   /* first copy wins */
    }
    ta_seg *g = malloc(sizeof(*g) + len);
    if (g == NULL) {
        s->num_cap_hits++;
        return;
    }
    g->seq = seq;
    g->frame = frame;
    g->len = (uint32_t)len;
    (void)ta_cur_copy(&copy, g->data, len);
    keep_held_bytes(s, g);
    g->next = *at;
    *at = g;
    s->ooo_bytes += len;
}

/* Has the peer acknowledged bytes of the hole before the first buffered
 * segment?  Then they were on the wire, and the capture missed them or
 * has them still to come (reordered by the capturing host). */
static bool hole_acked(const ta_stream *s)
{
    return s->ooo != NULL && s->have_peer_ack && seq_diff(s->peer_ack, s->next_seq) > 0;
}

/* Gives up acknowledged holes once more than the reorder window is
 * buffered beyond them: a capture reorders segments by a few packets, so
 * bytes that have not come by then were lost by the capture. */
static void settle(ta_stream *s, const ta_stream_sink *sink)
{
    while (hole_acked(s) && s->ooo_bytes > s->reorder_window) {
        skip_hole(s, sink);
    }
}

/* A segment starting further ahead than the out-of-order cap, with the
 * peer's ACKs in the capture: it could never be buffered until its hole is
 * filled.  When the peer acknowledged bytes up to it, the capture lost
 * them: everything before it is given up (true: the segment is now next).
 * Otherwise it is not part of this stream as the peer saw it -- e.g. a copy
 * in another sequence space, from a middlebox that rewrites sequence
 * numbers, captured on both sides -- and is ignored (false); after a real
 * loss that big the peer's next ACK lets the following segments in. */
static bool far_ahead(ta_stream *s, uint32_t seq, uint64_t frame, const ta_stream_sink *sink)
{
    if (seq_diff(s->peer_ack, seq) < 0) {
        s->num_out_of_window++;
        return false;
    }
    ta_stream_flush(s, sink);
    int32_t d = seq_diff(seq, s->next_seq);
    if (d > 0) {
        s->num_gaps++;
        s->lost_bytes += (uint32_t)d;
        s->next_seq = seq;
        sink->gap(sink->arg, (uint32_t)d, frame);
    }
    return true;
}

/* A segment of |len| bytes at |seq|, ahead of a hole, does not fit under
 * the cap.  Holes are given up, lowest first, until it fits (one at a time
 * would let segments far apart pile up past the cap); when the next held
 * segment lies beyond it, only the bytes up to it are.  Returns its
 * distance from next_seq afterwards. */
static int32_t make_room(ta_stream *s, uint32_t seq, size_t len, uint64_t frame,
                         const ta_stream_sink *sink)
{
    int32_t d;
    if (!hole_acked(s)) {
        s->num_cap_hits++;   /* an acknowledged hole is a capture loss, not early */
    }
    do {
        if (s->ooo != NULL && seq_diff(s->ooo->seq, seq) < 0) {
            skip_hole(s, sink);
        } else {
            give_up_to(s, seq, frame, sink);
        }
        d = seq_diff(seq, s->next_seq);
    } while (s->ooo != NULL && s->ooo_bytes + len > s->max_ooo && d > 0);
    return d;
}

void ta_stream_segment(ta_stream *s, uint32_t seq, ta_cur *payload, uint64_t frame,
                       const ta_stream_sink *sink)
{
    size_t len = ta_cur_len(payload);
    if (len == 0) {
        return;
    }
    if (!s->started) {
        s->started = true;   /* capture began mid-connection */
        s->next_seq = seq;
    }
    int32_t d = seq_diff(seq, s->next_seq);
    if (d < 0) {
        /* Retransmission, possibly with new bytes at its end. */
        if ((uint32_t)(-(int64_t)d) >= len) {
            s->num_retransmissions++;
            return;
        }
        (void)ta_cur_skip(payload, (size_t)(-(int64_t)d));
        seq = s->next_seq;
        d = 0;
    }
    if (d == 0 && s->ooo != NULL && seq_diff(s->ooo->seq, seq) < (int64_t)len) {
        /* In order, but reaching bytes held out of order: those came first
         * and stay, so it goes through the buffer (briefly past the cap by
         * at most this segment) and out at once. */
        buffer_segment(s, seq, payload, frame);
        drain(s, frame, false, sink);
        return;
    }
    if (d == 0) {
        deliver(s, payload, frame, sink);
        drain(s, frame, false, sink);
        return;
    }
    if (s->have_peer_ack && ((size_t)d > s->max_ooo || d > TA_STREAM_MAX_AHEAD)) {
        if (!far_ahead(s, seq, frame, sink)) {
            return;
        }
        ta_stream_segment(s, seq, payload, frame, sink);
        return;
    }
    /* Ahead of a hole: kept until the hole is filled, or given up (the
     * cap, the reorder window once acknowledged, the end). */
    if (s->ooo_bytes + len > s->max_ooo) {
        d = make_room(s, seq, len, frame, sink);
        if (d <= 0) {
            ta_stream_segment(s, seq, payload, frame, sink);
            return;
        }
        if (len > s->max_ooo) {
            return;
        }
    }
    buffer_segment(s, seq, payload, frame);
    settle(s, sink);
}

void ta_stream_peer_ack(ta_stream *s, uint32_t ack, const ta_stream_sink *sink)
{
    if (!s->have_peer_ack || seq_diff(ack, s->peer_ack) > 0) {
        s->peer_ack = ack;
        s->have_peer_ack = true;
    }
    if (s->ooo != NULL && s->started) {
        settle(s, sink);
    }
}

void ta_stream_flush(ta_stream *s, const ta_stream_sink *sink)
{
    while (s->ooo != NULL) {
        skip_hole(s, sink);
    }
}

void ta_stream_cleanup(ta_stream *s)
{
    if (s == NULL) {
        return;
    }
    while (s->ooo != NULL) {
        ta_seg *g = s->ooo;
        s->ooo = g->next;
        free(g);
    }
    s->ooo_bytes = 0;
}
