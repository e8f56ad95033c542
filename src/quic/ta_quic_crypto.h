/*
 * ta_quic_crypto.h - reassembly of the CRYPTO stream of one direction in
 * one packet number space (Initial, Handshake, or 1-RTT), RFC 9000 19.6 and
 * RFC 9001 4: the TLS handshake bytes, which CRYPTO frames carry at an
 * offset, in any order, split across packets, repeated when retransmitted.
 *
 * It behaves like TCP reassembly (ta_stream.h), which it is built on: in-
 * order bytes go to the sink straight from the decrypted payload, frames
 * ahead of a hole are copied into a buffer capped at |max| bytes (the
 * default is --max-handshake-bytes, 256 KiB), overlaps keep the first copy
 * and count bytes that differ as a conflict, a hole is given up as a gap
 * only when the cap is reached or at the end (flush): QUIC has no cleartext
 * acknowledgments to prove a loss earlier, and a packet lost to the capture
 * is usually retransmitted.  Frames whose data lies beyond
 * TA_QUIC_CRYPTO_MAX_OFFSET are not taken (a handshake is never that
 * long; this keeps every offset in the TCP layer's 32-bit space).
 *
 * The sink is the same callback type as TCP's, so the TLS handshake-message
 * layer can be plugged in there.  Not yet wired into the analysis.
 */
#ifndef TA_QUIC_CRYPTO_H
#define TA_QUIC_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#include "ta_cursor.h"
#include "ta_stream.h"

#define TA_QUIC_CRYPTO_MAX_OFFSET ((uint64_t)1 << 30)

/* The sink: data(arg, in-order bytes, frame that completed them) and
 * gap(arg, bytes never seen, frame). */
typedef ta_stream_sink ta_quic_crypto_sink;

typedef struct {
    ta_stream s;                     /* offsets as sequence numbers from 0 */
    uint32_t num_frames;             /* CRYPTO frames taken */
    uint32_t num_out_of_range;       /* frames beyond TA_QUIC_CRYPTO_MAX_OFFSET: ignored */
} ta_quic_crypto;

/* ta_quic_crypto_init prepares an empty stream buffering at most |max|
 * bytes out of order. */
void ta_quic_crypto_init(ta_quic_crypto *c, size_t max);

/* ta_quic_crypto_frame takes the |data| of a CRYPTO frame at |offset|,
 * from capture frame |frame|; whatever is now in order goes to |sink|. */
void ta_quic_crypto_frame(ta_quic_crypto *c, uint64_t offset, ta_cur *data, uint64_t frame,
                          const ta_quic_crypto_sink *sink);

/* ta_quic_crypto_flush delivers everything buffered at the end of the
 * connection, reporting each hole as a gap. */
void ta_quic_crypto_flush(ta_quic_crypto *c, const ta_quic_crypto_sink *sink);

/* Counters, from the underlying stream. */
uint64_t ta_quic_crypto_bytes(const ta_quic_crypto *c);      /* delivered */
uint32_t ta_quic_crypto_gaps(const ta_quic_crypto *c);
uint64_t ta_quic_crypto_lost(const ta_quic_crypto *c);       /* bytes in gaps */
uint32_t ta_quic_crypto_duplicates(const ta_quic_crypto *c); /* frames with nothing new */
uint32_t ta_quic_crypto_conflicts(const ta_quic_crypto *c);
uint32_t ta_quic_crypto_cap_hits(const ta_quic_crypto *c);

/* ta_quic_crypto_cleanup frees what is buffered; safe on NULL. */
void ta_quic_crypto_cleanup(ta_quic_crypto *c);

#endif
