/*
 * ta_stream.h - TCP reassembly of one direction of a connection.
 *
 * In-order bytes are handed to the sink straight from packet memory (no
 * copy).  Only segments that arrive ahead of a hole are copied, into a
 * sorted list capped at |max_ooo| bytes.  Overlaps: the first copy wins,
 * and bytes that differ from the copy already held are counted as a
 * conflict.
 *
 * An ACK from the peer for bytes of a hole proves they were sent, not that
 * the capture lost them: 'tcpdump -i any', span ports and GSO/TSO offload
 * often record a segment after the ACK for it.  So an acknowledged hole is
 * still filled when its bytes come later.  A hole is declared lost (and
 * reported to the sink as a gap) only when the out-of-order cap is hit,
 * when it is acknowledged and more than the reorder window (64 KiB, or the
 * cap if smaller) is buffered beyond it -- so a real loss in a long bulk
 * transfer costs at most that much copying -- or when the stream is
 * flushed at the end of the connection.  Bytes that fill a hole are
 * delivered with the frame that filled it (Wireshark's frame with
 * tcp.reassemble_out_of_order); after a gap, each buffered segment with
 * its own frame.  A segment further ahead than the cap cannot wait for its
 * hole: if the peer acknowledged bytes up to it the hole is given up,
 * otherwise it is ignored (not part of the stream the peer saw: a copy
 * from another sequence space).  Sequence numbers are compared modulo 2^32
 * (RFC 9293 3.4).
 */
#ifndef TA_STREAM_H
#define TA_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ta_cursor.h"

typedef struct {
    /* Called with in-order bytes; |frame| is the frame that completed them. */
    void (*data)(void *arg, ta_cur *bytes, uint64_t frame);
    /* Called when |lost| bytes will never be seen (capture loss). */
    void (*gap)(void *arg, uint32_t lost, uint64_t frame);
    void *arg;
} ta_stream_sink;

typedef struct ta_seg ta_seg;

/* Bytes buffered beyond an acknowledged hole before it is given up. */
#define TA_STREAM_REORDER_WINDOW 65536

/* The largest TCP window (2^30 with window scaling, RFC 7323 2.3): a
 * segment further ahead waits for no hole, whatever the cap. */
#define TA_STREAM_MAX_AHEAD (1 << 30)

typedef struct {
    bool started;            /* next_seq is valid */
    uint32_t next_seq;       /* the next byte we expect */
    bool have_peer_ack;
    uint32_t peer_ack;       /* highest ACK the other side sent */
    ta_seg *ooo;             /* out-of-order segments, sorted by seq */
    size_t ooo_bytes;
    size_t max_ooo;
    size_t reorder_window;   /* min(max_ooo, TA_STREAM_REORDER_WINDOW) */
    uint64_t bytes;          /* bytes delivered */
    uint32_t num_gaps;
    uint64_t lost_bytes;
    uint32_t num_retransmissions;
    uint32_t num_conflicts;  /* overlapping bytes that differed */
    uint32_t num_cap_hits;   /* out-of-order cap reached */
    uint32_t num_out_of_window; /* far-ahead segments not acknowledged: ignored */
} ta_stream;

/* ta_stream_init prepares an empty stream keeping at most |max_ooo| bytes
 * of out-of-order data (the reorder window is the smaller of |max_ooo| and
 * TA_STREAM_REORDER_WINDOW). */
void ta_stream_init(ta_stream *s, size_t max_ooo);

/* ta_stream_syn records a SYN with sequence number |seq|. */
void ta_stream_syn(ta_stream *s, uint32_t seq);

/* ta_stream_segment takes a segment's payload; delivers what is in order. */
void ta_stream_segment(ta_stream *s, uint32_t seq, ta_cur *payload, uint64_t frame,
                       const ta_stream_sink *sink);

/* ta_stream_peer_ack records an ACK for this direction's bytes sent by the
 * other side.  A hole below it stays open for its bytes to come; it is
 * given up (a gap, then the buffered data) once more than the reorder
 * window is buffered beyond it. */
void ta_stream_peer_ack(ta_stream *s, uint32_t ack, const ta_stream_sink *sink);

/* ta_stream_flush delivers everything buffered, reporting holes as gaps. */
void ta_stream_flush(ta_stream *s, const ta_stream_sink *sink);

/* ta_stream_cleanup frees buffered segments; safe on NULL. */
void ta_stream_cleanup(ta_stream *s);

#endif
