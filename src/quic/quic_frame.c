/*
 * quic_frame.c - frames of a decrypted QUIC payload (see ta_quic_frame.h).
 *
 * Each frame type is read the way RFC 9000 19 lays it out, every field a
 * variable-length integer through the cursor unless said otherwise.
 */
#include "ta_quic_frame.h"

#include <string.h>

#define MAX_VARINT (((uint64_t)1 << 62) - 1)

/* Which packet types a frame may appear in (RFC 9000 12.4, Table 3). */
#define IN_I 0x1u                    /* Initial */
#define IN_H 0x2u                    /* Handshake */
#define IN_0 0x4u                    /* 0-RTT */
#define IN_1 0x8u                    /* 1-RTT */

static unsigned pkt_bit(ta_quic_pkt_type pkt)
{
    switch (pkt) {
    case TA_QUIC_PKT_INITIAL:
        return IN_I;
    case TA_QUIC_PKT_HANDSHAKE:
        return IN_H;
    case TA_QUIC_PKT_0RTT:
        return IN_0;
    case TA_QUIC_PKT_SHORT:
        return IN_1;
    default:                         /* Retry, VN: no frames at all */
        return 0;
    }
}

static unsigned frame_packets(uint64_t type)
{
    if (type >= TA_QF_STREAM && type <= TA_QF_STREAM + 7) {
        return IN_0 | IN_1;
    }
    switch (type) {
    case TA_QF_PADDING:
    case TA_QF_PING:
    case TA_QF_CONNECTION_CLOSE:
        return IN_I | IN_H | IN_0 | IN_1;
    case TA_QF_ACK:
    case TA_QF_ACK_ECN:
    case TA_QF_CRYPTO:
        return IN_I | IN_H | IN_1;
    case TA_QF_NEW_TOKEN:
    case TA_QF_PATH_RESPONSE:
    case TA_QF_RETIRE_CONNECTION_ID:     /* 12.5: not in 0-RTT */
    case TA_QF_HANDSHAKE_DONE:
        return IN_1;
    case TA_QF_RESET_STREAM:
    case TA_QF_STOP_SENDING:
    case TA_QF_MAX_DATA:
    case TA_QF_MAX_STREAM_DATA:
    case TA_QF_MAX_STREAMS_BIDI:
    case TA_QF_MAX_STREAMS_UNI:
    case TA_QF_DATA_BLOCKED:
    case TA_QF_STREAM_DATA_BLOCKED:
    case TA_QF_STREAMS_BLOCKED_BIDI:
    case TA_QF_STREAMS_BLOCKED_UNI:
    case TA_QF_NEW_CONNECTION_ID:
    case TA_QF_PATH_CHALLENGE:
    case TA_QF_CONNECTION_CLOSE_APP:
    case TA_QF_DATAGRAM:
    case TA_QF_DATAGRAM_LEN:
        return IN_0 | IN_1;
    default:
        return 0;
    }
}

bool ta_quic_frame_allowed(uint64_t type, ta_quic_pkt_type pkt)
{
    return (frame_packets(type) & pkt_bit(pkt)) != 0;
}

const char *ta_quic_frame_name(uint64_t type)
{
    static const char *const names[] = {
        "PADDING", "PING", "ACK", "ACK_ECN", "RESET_STREAM", "STOP_SENDING", "CRYPTO",
        "NEW_TOKEN", "STREAM", "STREAM", "STREAM", "STREAM", "STREAM", "STREAM", "STREAM",
        "STREAM", "MAX_DATA", "MAX_STREAM_DATA", "MAX_STREAMS", "MAX_STREAMS", "DATA_BLOCKED",
        "STREAM_DATA_BLOCKED", "STREAMS_BLOCKED", "STREAMS_BLOCKED", "NEW_CONNECTION_ID",
        "RETIRE_CONNECTION_ID", "PATH_CHALLENGE", "PATH_RESPONSE", "CONNECTION_CLOSE",
        "CONNECTION_CLOSE", "HANDSHAKE_DONE",
    };
    if (type < sizeof(names) / sizeof(names[0])) {
        return names[type];
    }
    if (type == TA_QF_DATAGRAM || type == TA_QF_DATAGRAM_LEN) {
        return "DATAGRAM";
    }
    return "unknown";
}

const char *ta_quic_error_name(uint64_t code)
{
    /* RFC 9000 20.1, Transport Error Codes. */
    static const char *const names[] = {
        "NO_ERROR", "INTERNAL_ERROR", "CONNECTION_REFUSED", "FLOW_CONTROL_ERROR",
        "STREAM_LIMIT_ERROR", "STREAM_STATE_ERROR", "FINAL_SIZE_ERROR", "FRAME_ENCODING_ERROR",
        "TRANSPORT_PARAMETER_ERROR", "CONNECTION_ID_LIMIT_ERROR", "PROTOCOL_VIOLATION",
        "INVALID_TOKEN", "APPLICATION_ERROR", "CRYPTO_BUFFER_EXCEEDED", "KEY_UPDATE_ERROR",
        "AEAD_LIMIT_REACHED", "NO_VIABLE_PATH",
    };
    if (code < sizeof(names) / sizeof(names[0])) {
        return names[code];
    }
    if (code >= TA_QUIC_CRYPTO_ERROR_BASE && code <= TA_QUIC_CRYPTO_ERROR_MAX) {
        return "CRYPTO_ERROR";
    }
    if (code == 0x11) {
        return "VERSION_NEGOTIATION_ERROR";      /* RFC 9368 */
    }
    return NULL;
}

int ta_quic_error_alert(uint64_t code)
{
    if (code < TA_QUIC_CRYPTO_ERROR_BASE || code > TA_QUIC_CRYPTO_ERROR_MAX) {
        return -1;
    }
    return (int)(code - TA_QUIC_CRYPTO_ERROR_BASE);
}

/* ---- frame bodies -------------------------------------------------------- */

/* Skips |n| varints (fields a frame carries that we do not keep). */
static ta_status skip_varints(ta_cur *c, unsigned n)
{
    uint64_t v;
    for (unsigned i = 0; i < n; i++) {
        if (!ta_cur_get_varint(c, &v)) {
            return TA_TRUNCATED;
        }
    }
    return TA_OK;
}

/* PADDING (19.1): one 0x00 byte per frame; a run counts as one. */
static ta_status read_padding(ta_cur *c, ta_quic_frame *out)
{
    uint8_t b;
    out->padding_len = 1;
    while (ta_cur_peek_u8(c, 0, &b) && b == 0) {
        (void)ta_cur_skip(c, 1);
        out->padding_len++;
    }
    return TA_OK;
}

/*
 * ACK (19.3): Largest Acknowledged (i), ACK Delay (i), ACK Range Count (i),
 * First ACK Range (i), ACK Range (..) ..., [ECN Counts (..)].
 *   ACK Range { Gap (i), ACK Range Length (i) }
 *   ECN Counts { ECT0 Count (i), ECT1 Count (i), ECN-CE Count (i) }
 * The range count is bounded by the bytes left (each range takes two).
 */
static ta_status read_ack(ta_cur *c, ta_quic_frame *out)
{
    uint64_t count;
    ta_status st = skip_varints(c, 2);
    if (st != TA_OK) {
        return st;
    }
    if (!ta_cur_get_varint(c, &count)) {
        return TA_TRUNCATED;
    }
    if (count > ta_cur_len(c) / 2) {
        return TA_TRUNCATED;
    }
    st = skip_varints(c, 1);
    for (uint64_t i = 0; st == TA_OK && i < count; i++) {
        st = skip_varints(c, 2);
    }
    if (st == TA_OK && out->type == TA_QF_ACK_ECN) {
        st = skip_varints(c, 3);
    }
    return st;
}

/* An offset and a length within the 62-bit space (19.6, 19.8). */
static ta_status check_extent(uint64_t offset, size_t len)
{
    return (uint64_t)len > MAX_VARINT - offset ? TA_MALFORMED : TA_OK;
}

/* CRYPTO (19.6): Offset (i), Length (i), Crypto Data (..). */
static ta_status read_crypto(ta_cur *c, ta_quic_frame *out)
{
    if (!ta_cur_get_varint(c, &out->offset) || !ta_cur_get_varint_prefixed(c, &out->data)) {
        return TA_TRUNCATED;
    }
    return check_extent(out->offset, ta_cur_len(&out->data));
}

/* NEW_TOKEN (19.7): Token Length (i), Token (..), never empty. */
static ta_status read_new_token(ta_cur *c, ta_quic_frame *out)
{
    if (!ta_cur_get_varint_prefixed(c, &out->data)) {
        return TA_TRUNCATED;
    }
    return ta_cur_len(&out->data) > 0 ? TA_OK : TA_MALFORMED;
}

/* STREAM (19.8): Stream ID (i), [Offset (i)], [Length (i)], Stream Data;
 * type bits 0x04 OFF, 0x02 LEN (else the data runs to the end), 0x01 FIN. */
static ta_status read_stream(ta_cur *c, ta_quic_frame *out)
{
    ta_status st = skip_varints(c, 1);
    if (st != TA_OK) {
        return st;
    }
    if ((out->type & 0x04) && !ta_cur_get_varint(c, &out->offset)) {
        return TA_TRUNCATED;
    }
    if (out->type & 0x02) {
        if (!ta_cur_get_varint_prefixed(c, &out->data)) {
            return TA_TRUNCATED;
        }
    } else {
        (void)ta_cur_get_bytes(c, &out->data, ta_cur_len(c));
    }
    return check_extent(out->offset, ta_cur_len(&out->data));
}

/* NEW_CONNECTION_ID (19.15): Sequence Number (i), Retire Prior To (i),
 * Length (8) of 1..20, Connection ID, Stateless Reset Token (128). */
static ta_status read_new_cid(ta_cur *c, ta_quic_frame *out)
{
    ta_cur cid;
    ta_status st = skip_varints(c, 2);
    if (st != TA_OK) {
        return st;
    }
    if (!ta_cur_get_u8_prefixed(c, &cid) || !ta_cur_get_bytes(c, &out->data, 16)) {
        return TA_TRUNCATED;
    }
    return ta_cur_len(&cid) >= 1 && ta_cur_len(&cid) <= TA_QUIC_MAX_CID ? TA_OK : TA_MALFORMED;
}

/* CONNECTION_CLOSE (19.19): Error Code (i), [Frame Type (i), 0x1c only],
 * Reason Phrase Length (i), Reason Phrase (..). */
static ta_status read_close(ta_cur *c, ta_quic_frame *out)
{
    if (!ta_cur_get_varint(c, &out->error_code)) {
        return TA_TRUNCATED;
    }
    if (out->type == TA_QF_CONNECTION_CLOSE && !ta_cur_get_varint(c, &out->error_frame_type)) {
        return TA_TRUNCATED;
    }
    return ta_cur_get_varint_prefixed(c, &out->reason) ? TA_OK : TA_TRUNCATED;
}

/* DATAGRAM (RFC 9221 4): [Length (i)], Datagram Data (..). */
static ta_status read_datagram(ta_cur *c, ta_quic_frame *out)
{
    if (out->type == TA_QF_DATAGRAM_LEN) {
        return ta_cur_get_varint_prefixed(c, &out->data) ? TA_OK : TA_TRUNCATED;
    }
    (void)ta_cur_get_bytes(c, &out->data, ta_cur_len(c));
    return TA_OK;
}

/* The frame body after its type. */
static ta_status read_body(ta_cur *c, ta_quic_frame *out)
{
    if (out->type >= TA_QF_STREAM && out->type <= TA_QF_STREAM + 7) {
        return read_stream(c, out);
    }
    switch (out->type) {
    case TA_QF_PADDING:
        return read_padding(c, out);
    case TA_QF_PING:
    case TA_QF_HANDSHAKE_DONE:
        return TA_OK;
    case TA_QF_ACK:
    case TA_QF_ACK_ECN:
        return read_ack(c, out);
    case TA_QF_RESET_STREAM:                 /* 19.4: ID, error, final size */
        return skip_varints(c, 3);
    case TA_QF_STOP_SENDING:                 /* 19.5: ID, error */
    case TA_QF_MAX_STREAM_DATA:              /* 19.10: ID, maximum */
    case TA_QF_STREAM_DATA_BLOCKED:          /* 19.13: ID, limit */
        return skip_varints(c, 2);
    case TA_QF_MAX_DATA:                     /* 19.9 */
    case TA_QF_MAX_STREAMS_BIDI:             /* 19.11 */
    case TA_QF_MAX_STREAMS_UNI:
    case TA_QF_DATA_BLOCKED:                 /* 19.12 */
    case TA_QF_STREAMS_BLOCKED_BIDI:         /* 19.14 */
    case TA_QF_STREAMS_BLOCKED_UNI:
    case TA_QF_RETIRE_CONNECTION_ID:         /* 19.16 */
        return skip_varints(c, 1);
    case TA_QF_CRYPTO:
        return read_crypto(c, out);
    case TA_QF_NEW_TOKEN:
        return read_new_token(c, out);
    case TA_QF_NEW_CONNECTION_ID:
        return read_new_cid(c, out);
    case TA_QF_PATH_CHALLENGE:               /* 19.17, 19.18: 64 bits of data */
    case TA_QF_PATH_RESPONSE:
        return ta_cur_get_bytes(c, &out->data, 8) ? TA_OK : TA_TRUNCATED;
    case TA_QF_CONNECTION_CLOSE:
    case TA_QF_CONNECTION_CLOSE_APP:
        return read_close(c, out);
    case TA_QF_DATAGRAM:
    case TA_QF_DATAGRAM_LEN:
        return read_datagram(c, out);
    default:
        return TA_UNSUPPORTED;               /* its length is unknown: nothing after it is read */
    }
}

ta_status ta_quic_frame_next(ta_cur *payload, ta_quic_pkt_type pkt, ta_quic_frame *out)
{
    ta_cur c = *payload;
    memset(out, 0, sizeof(*out));
    if (!ta_cur_get_varint(&c, &out->type)) {
        return TA_TRUNCATED;
    }
    out->allowed = ta_quic_frame_allowed(out->type, pkt);
    ta_status st = read_body(&c, out);
    if (st == TA_OK) {
        *payload = c;
    }
    return st;
}

/* Google QUIC frame types (Chromium's quic_framer.cc), as T050 and T051
 * use them inside IETF-style packets. */
#define GQUIC_PADDING 0x00
#define GQUIC_PING 0x07
#define GQUIC_CRYPTO 0x08

ta_status ta_quic_gquic_frame_next(ta_cur *payload, ta_quic_frame *out)
{
    ta_cur c = *payload;
    uint8_t type;
    ta_status st;
    memset(out, 0, sizeof(*out));
    if (!ta_cur_get_u8(&c, &type)) {
        return TA_TRUNCATED;
    }
    out->allowed = true;
    switch (type) {
    case GQUIC_PADDING:
        out->type = TA_QF_PADDING;
        st = read_padding(&c, out);
        break;
    case GQUIC_PING:
        out->type = TA_QF_PING;
        st = TA_OK;
        break;
    case GQUIC_CRYPTO:
        out->type = TA_QF_CRYPTO;
        st = read_crypto(&c, out);
        break;
    default:
        return TA_UNSUPPORTED;
    }
    if (st == TA_OK) {
        *payload = c;
    }
    return st;
}
