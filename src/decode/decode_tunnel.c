/*
 * decode_tunnel.c - the tunnels followed inside a frame: GRE, VXLAN, GENEVE
 * and GTP-U (decode_int.h).
 *
 * Each reads its header through the cursor and hands its payload back to
 * the outer layers through ctx->outer (an Ethernet frame, an EtherType, or
 * IP by its version nibble): this file calls no other of src/decode/.
 */
#include "decode_int.h"

/* Header sizes. */
#define GRE_HDR_LEN 4
#define VXLAN_HDR_LEN 8
#define GENEVE_HDR_LEN 8
#define GTPU_HDR_LEN 8
#define GTPU_OPT_LEN 4

#define ETH_TYPE_TEB 0x6558         /* transparent Ethernet bridging */

/* UDP destination ports of the tunnels followed. */
#define UDP_PORT_VXLAN 4789         /* RFC 7348 */
#define UDP_PORT_GENEVE 6081        /* RFC 8926 */
#define UDP_PORT_GTPU 2152          /* 3GPP TS 29.281 */

/* GRE flags (RFC 2784 section 2, RFC 2890 section 2). */
#define GRE_CHECKSUM 0x8000
#define GRE_ROUTING 0x4000          /* RFC 1701 only */
#define GRE_KEY 0x2000
#define GRE_SEQUENCE 0x1000
#define GRE_VERSION_MASK 0x0007

/* GTP-U (3GPP TS 29.281 section 5.1). */
#define GTPU_VERSION_1 1
#define GTPU_PT 0x10                /* GTP, not GTP' */
#define GTPU_E 0x04
#define GTPU_S 0x02
#define GTPU_PN 0x01
#define GTPU_TYPE_GPDU 255

/* ---- tunnels ------------------------------------------------------------- */

/* decode_tunnel_proto follows a tunnel's EtherType-valued protocol field
 * (GRE, GENEVE), where 0x6558 means an Ethernet frame follows. */
static ta_decode_status decode_tunnel_proto(dec_ctx *ctx, dec_buf *b, uint16_t proto)
{
    switch (proto) {
    case ETH_TYPE_TEB:
        return ctx->outer->ether(ctx, b);
    default:
        return ctx->outer->ethertype(ctx, b, proto);
    }
}

/*
 * GRE, RFC 2784 section 2 with the key and sequence number of RFC 2890:
 *   |C| |K|S| Reserved0 | Ver | Protocol Type |
 *   [Checksum | Reserved1] [Key] [Sequence Number]
 */
ta_decode_status dec_gre(dec_ctx *ctx, dec_buf *b)
{
    ta_cur h;
    ta_decode_status st = dec_tunnel_enter(ctx);
    if (st == TA_DEC_OK) {
        st = dec_take(b, &h, GRE_HDR_LEN);
    }
    if (st != TA_DEC_OK) {
        return st;
    }
    uint16_t flags = hdr_u16(&h);
    uint16_t proto = hdr_u16(&h);
    /* Version 1 is PPTP's enhanced GRE (RFC 2637); RFC 1701 source routing
     * is obsolete.  RFC 2784 says to discard both. */
    if ((flags & GRE_VERSION_MASK) != 0 || (flags & GRE_ROUTING) != 0) {
        return TA_DEC_NOT_TCP;
    }
    size_t opt_len = 0;
    opt_len += (flags & GRE_CHECKSUM) != 0 ? 4 : 0;
    opt_len += (flags & GRE_KEY) != 0 ? 4 : 0;
    opt_len += (flags & GRE_SEQUENCE) != 0 ? 4 : 0;
    st = dec_take(b, &h, opt_len);
    if (st != TA_DEC_OK) {
        return st;
    }
    return decode_tunnel_proto(ctx, b, proto);
}

/* VXLAN, RFC 7348 section 5: flags, reserved, VNI, reserved; then Ethernet.
 * The reserved bits are to be ignored on receipt. */
static ta_decode_status decode_vxlan(dec_ctx *ctx, dec_buf *b)
{
    ta_cur h;
    ta_decode_status st = dec_take(b, &h, VXLAN_HDR_LEN);
    if (st != TA_DEC_OK) {
        return st;
    }
    return ctx->outer->ether(ctx, b);
}

/*
 * GENEVE, RFC 8926 section 3.4:
 *   |Ver|Opt Len|O|C| Rsvd | Protocol Type | VNI | Reserved | Options |
 * Options are Opt Len 4-byte words.  Unknown versions are to be dropped.
 */
static ta_decode_status decode_geneve(dec_ctx *ctx, dec_buf *b)
{
    ta_cur h;
    ta_decode_status st = dec_take(b, &h, GENEVE_HDR_LEN);
    if (st != TA_DEC_OK) {
        return st;
    }
    uint8_t ver_opt_len = hdr_u8(&h);
    hdr_skip(&h, 1);                /* O and C flags */
    uint16_t proto = hdr_u16(&h);
    if ((ver_opt_len >> 6) != 0) {
        return TA_DEC_NOT_TCP;
    }
    st = dec_take(b, &h, (size_t)(ver_opt_len & 0x3f) * 4);
    if (st != TA_DEC_OK) {
        return st;
    }
    return decode_tunnel_proto(ctx, b, proto);
}

/*
 * GTP-U optional fields, 3GPP TS 29.281 section 5.1 and 5.2: Sequence Number,
 * N-PDU Number and Next Extension Header Type, present when any of E, S, PN
 * is set; the type is only meaningful with E.  Each extension header is
 * Length 4-byte words: Length, contents, Next Extension Header Type.
 */
static ta_decode_status gtpu_skip_optional(dec_buf *b, bool has_ext)
{
    ta_cur h;
    ta_decode_status st = dec_take(b, &h, GTPU_OPT_LEN);
    if (st != TA_DEC_OK) {
        return st;
    }
    hdr_skip(&h, 3);                /* sequence number, N-PDU number */
    uint8_t next = has_ext ? hdr_u8(&h) : 0;
    while (next != 0) {
        st = dec_take(b, &h, 1);
        if (st != TA_DEC_OK) {
            return st;
        }
        size_t ext_len = (size_t)hdr_u8(&h) * 4;
        if (ext_len == 0) {
            return TA_DEC_MALFORMED;
        }
        st = dec_take(b, &h, ext_len - 1);
        if (st != TA_DEC_OK) {
            return st;
        }
        hdr_skip(&h, ext_len - 2);
        next = hdr_u8(&h);
    }
    return TA_DEC_OK;
}

/*
 * GTP-U version 1, 3GPP TS 29.281 section 5.1:
 *   |Version|PT|*|E|S|PN| Message Type | Length | TEID |
 * Length counts the bytes after these 8.  Only G-PDUs carry user packets,
 * which are IP (or Ethernet and unstructured in 5G, not followed).
 */
static ta_decode_status decode_gtpu(dec_ctx *ctx, dec_buf *b)
{
    ta_cur h;
    ta_decode_status st = dec_take(b, &h, GTPU_HDR_LEN);
    if (st != TA_DEC_OK) {
        return st;
    }
    uint8_t flags = hdr_u8(&h);
    uint8_t type = hdr_u8(&h);
    uint16_t len = hdr_u16(&h);
    if ((flags >> 5) != GTPU_VERSION_1 || (flags & GTPU_PT) == 0 || type != GTPU_TYPE_GPDU) {
        return TA_DEC_NOT_TCP;
    }
    st = dec_claim(b, len);
    if (st == TA_DEC_OK && (flags & (GTPU_E | GTPU_S | GTPU_PN)) != 0) {
        st = gtpu_skip_optional(b, (flags & GTPU_E) != 0);
    }
    if (st != TA_DEC_OK) {
        return st;
    }
    return ctx->outer->ip_by_version(ctx, b, TA_DEC_NOT_TCP);
}

bool dec_udp_is_tunnel(uint16_t dport)
{
    return dport == UDP_PORT_VXLAN || dport == UDP_PORT_GENEVE || dport == UDP_PORT_GTPU;
}

/* dec_udp_tunnel follows UDP to a tunnel port into the tunnel. */
ta_decode_status dec_udp_tunnel(dec_ctx *ctx, dec_buf *b, uint16_t dport)
{
    switch (dport) {
    case UDP_PORT_VXLAN:
        return decode_vxlan(ctx, b);
    case UDP_PORT_GENEVE:
        return decode_geneve(ctx, b);
    case UDP_PORT_GTPU:
        return decode_gtpu(ctx, b);
    default:
        return TA_DEC_NOT_TCP;
    }
}
