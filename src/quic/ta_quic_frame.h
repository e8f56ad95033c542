/*
 * ta_quic_frame.h - the frames of a decrypted QUIC packet payload (RFC
 * 9000 12.4, 19) and the names of QUIC error codes (RFC 9000 20).
 *
 * One call reads one frame through the cursor.  What tlsanalyze uses is
 * kept: CRYPTO (offset and data), CONNECTION_CLOSE (error code, frame type,
 * reason), HANDSHAKE_DONE, runs of PADDING.  Every other frame of RFC 9000
 * (and DATAGRAM, RFC 9221) is skipped by its encoding; a frame type we do
 * not know cannot be skipped, so it ends the payload as unsupported.
 * Frames not permitted in the packet type they came in are reported, and
 * their contents are never trusted.  Not yet wired into the analysis.
 */
#ifndef TA_QUIC_FRAME_H
#define TA_QUIC_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ta_cursor.h"
#include "ta_quic.h"
#include "ta_status.h"

/* Frame types, RFC 9000 19 and 12.4 (Table 3). */
enum {
    TA_QF_PADDING = 0x00,
    TA_QF_PING = 0x01,
    TA_QF_ACK = 0x02,
    TA_QF_ACK_ECN = 0x03,
    TA_QF_RESET_STREAM = 0x04,
    TA_QF_STOP_SENDING = 0x05,
    TA_QF_CRYPTO = 0x06,
    TA_QF_NEW_TOKEN = 0x07,
    TA_QF_STREAM = 0x08,             /* 0x08..0x0f: OFF, LEN, FIN bits */
    TA_QF_MAX_DATA = 0x10,
    TA_QF_MAX_STREAM_DATA = 0x11,
    TA_QF_MAX_STREAMS_BIDI = 0x12,
    TA_QF_MAX_STREAMS_UNI = 0x13,
    TA_QF_DATA_BLOCKED = 0x14,
    TA_QF_STREAM_DATA_BLOCKED = 0x15,
    TA_QF_STREAMS_BLOCKED_BIDI = 0x16,
    TA_QF_STREAMS_BLOCKED_UNI = 0x17,
    TA_QF_NEW_CONNECTION_ID = 0x18,
    TA_QF_RETIRE_CONNECTION_ID = 0x19,
    TA_QF_PATH_CHALLENGE = 0x1a,
    TA_QF_PATH_RESPONSE = 0x1b,
    TA_QF_CONNECTION_CLOSE = 0x1c,   /* QUIC layer (transport or crypto error) */
    TA_QF_CONNECTION_CLOSE_APP = 0x1d,
    TA_QF_HANDSHAKE_DONE = 0x1e,
    TA_QF_DATAGRAM = 0x30,           /* RFC 9221; 0x31 with a Length */
    TA_QF_DATAGRAM_LEN = 0x31
};

/* RFC 9001 4.8: a TLS alert travels as CRYPTO_ERROR 0x0100 + alert. */
#define TA_QUIC_CRYPTO_ERROR_BASE 0x0100
#define TA_QUIC_CRYPTO_ERROR_MAX 0x01ff

/* One frame.  Cursors borrow the payload. */
typedef struct {
    uint64_t type;                   /* frame type as on the wire */
    bool allowed;                    /* permitted in the packet type it came in (12.4) */
    size_t padding_len;              /* PADDING: bytes in the run (consecutive 0x00 bytes) */
    uint64_t offset;                 /* CRYPTO, STREAM: offset of the data */
    ta_cur data;                     /* CRYPTO, STREAM, DATAGRAM: the data */
    uint64_t error_code;             /* CONNECTION_CLOSE */
    uint64_t error_frame_type;       /* CONNECTION_CLOSE 0x1c: frame that caused it */
    ta_cur reason;                   /* CONNECTION_CLOSE: reason phrase (not validated UTF-8) */
} ta_quic_frame;

/* ta_quic_frame_next reads the frame at the start of |payload| into |out|
 * and advances past it.  |pkt| is the packet type the payload came in
 * (for out->allowed).  TA_TRUNCATED when a field runs past the payload,
 * TA_MALFORMED when a field contradicts the format (a CONNECTION_CLOSE
 * reason longer than the payload is truncated; a NEW_CONNECTION_ID of 0 or
 * 21 bytes, an offset + length beyond 2^62 are malformed), TA_UNSUPPORTED
 * for a frame type we cannot skip.  On failure |payload| does not move. */
ta_status ta_quic_frame_next(ta_cur *payload, ta_quic_pkt_type pkt, ta_quic_frame *out);

/* ta_quic_gquic_frame_next is ta_quic_frame_next for the Google QUIC
 * frames that versions with ver->gquic_frames (T050, T051) carry in their
 * Initial and Handshake packets: PADDING (0x00), PING (0x07) and CRYPTO
 * (0x08, with varint offset and length), reported under their IETF types
 * (0x00, 0x01, 0x06).  Any other type is TA_UNSUPPORTED. */
ta_status ta_quic_gquic_frame_next(ta_cur *payload, ta_quic_frame *out);

/* ta_quic_frame_allowed is true when frame |type| may appear in a packet
 * of type |pkt| (RFC 9000 12.4, Table 3; 12.5 for 0-RTT). */
bool ta_quic_frame_allowed(uint64_t type, ta_quic_pkt_type pkt);

/* ta_quic_frame_name returns a static name of frame |type| ("CRYPTO",
 * "ACK", ...), "unknown" for others. */
const char *ta_quic_frame_name(uint64_t type);

/* ta_quic_error_name returns a static name of transport error |code| (RFC
 * 9000 20.1: "NO_ERROR", ..., "CRYPTO_ERROR" for 0x0100-0x01ff), or NULL
 * for codes with no name. */
const char *ta_quic_error_name(uint64_t code);

/* ta_quic_error_alert returns the TLS alert a CRYPTO_ERROR |code| carries
 * (RFC 9001 4.8: code - 0x0100), or -1 when |code| is no CRYPTO_ERROR. */
int ta_quic_error_alert(uint64_t code);

#endif
