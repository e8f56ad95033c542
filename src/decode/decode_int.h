/*
 * decode_int.h - the parts of frame decoding (private to src/decode/).
 *
 * Calls go one way, from the outer layer to the inner:
 *   decode.c         entry points, link layers, VLAN/PPPoE/MPLS/Cisco shims
 *      |             and EtherTypes; calls the IP layer
 *   decode_ip.c      IPv4, IPv6 with extension headers and fragments, IP in
 *      |             IP, TCP and UDP; calls the tunnels
 *   decode_tunnel.c  GRE, VXLAN, GENEVE, GTP-U
 * A tunnel's payload starts again at the link or the IP layer: that call
 * back goes through ctx->outer, the table decode.c puts in the context, so
 * that no file calls an outer one (as src/tls/ reaches src/quic/ through
 * ta_quic_ops).
 *
 * A layer's bytes are a dec_buf: what was captured, and how many bytes the
 * enclosing header claims.  Running out of captured bytes before the
 * claimed end is TA_DEC_TRUNCATED (the snapshot length cut the frame);
 * needing more than the claim is TA_DEC_MALFORMED (the headers contradict
 * each other).  The bounds helpers below are the only arithmetic on claims.
 */
#ifndef DECODE_INT_H
#define DECODE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ta_cursor.h"
#include "ta_decode.h"

/* Bounds that keep a crafted packet from recursing or looping for long. */
#define TUNNEL_MAX_DEPTH 4      /* encapsulations followed inside one frame */

typedef struct dec_ctx dec_ctx;

typedef struct {
    ta_cur cur;                 /* captured bytes of the layer; never past the claim */
    size_t wire_len;            /* bytes the enclosing header claims; SIZE_MAX if unknown */
} dec_buf;

/* The outer layers a tunnel's payload is decoded by (decode.c's, set there
 * in the context): an Ethernet frame, what an EtherType names, or IP told
 * apart by its version nibble (|other| for anything else). */
typedef struct {
    ta_decode_status (*ether)(dec_ctx *ctx, dec_buf *b);
    ta_decode_status (*ethertype)(dec_ctx *ctx, dec_buf *b, uint16_t type);
    ta_decode_status (*ip_by_version)(dec_ctx *ctx, dec_buf *b, ta_decode_status other);
} dec_outer_ops;

struct dec_ctx {
    ta_packet *out;
    const dec_outer_ops *outer; /* decode.c's decoders, for a tunnel's payload */
    unsigned depth;             /* tunnels entered so far */
    bool vlan_seen;             /* out->vlan holds the outermost tag */
    bool want_udp;              /* UDP datagrams are decoded too (else NOT_TCP) */
};

/* ---- bounds helpers ------------------------------------------------------ */

/* dec_short is the status of a read of |n| bytes from |b| that found fewer:
 * malformed if the enclosing claim cannot hold them, else truncated. */
static inline ta_decode_status dec_short(const dec_buf *b, size_t n)
{
    return n > b->wire_len ? TA_DEC_MALFORMED : TA_DEC_TRUNCATED;
}

/* dec_take moves the next |n| bytes of |b| into the child cursor |hdr|. */
static inline ta_decode_status dec_take(dec_buf *b, ta_cur *hdr, size_t n)
{
    if (!ta_cur_get_bytes(&b->cur, hdr, n)) {
        return dec_short(b, n);
    }
    /* Cannot wrap: the cursor never holds more than wire_len bytes. */
    b->wire_len -= n;
    return TA_DEC_OK;
}

/* dec_claim limits |b| to the |claim| bytes a header says follow it.  Bytes
 * captured past the claim (Ethernet padding) are dropped; fewer captured
 * bytes stay as they are; a claim beyond the enclosing layer's is malformed. */
static inline ta_decode_status dec_claim(dec_buf *b, size_t claim)
{
    if (claim > b->wire_len) {
        return TA_DEC_MALFORMED;
    }
    b->wire_len = claim;
    if (ta_cur_len(&b->cur) > claim) {
        (void)ta_cur_truncate(&b->cur, claim);
    }
    return TA_DEC_OK;
}

/* Field readers for a header that dec_take already cut to its size: a short
 * read cannot happen there (and would read as zero). */
static inline uint8_t hdr_u8(ta_cur *h)
{
    uint8_t v = 0;
    (void)ta_cur_get_u8(h, &v);
    return v;
}

static inline uint16_t hdr_u16(ta_cur *h)
{
    uint16_t v = 0;
    (void)ta_cur_get_u16(h, &v);
    return v;
}

static inline uint32_t hdr_u32(ta_cur *h)
{
    uint32_t v = 0;
    (void)ta_cur_get_u32(h, &v);
    return v;
}

static inline void hdr_skip(ta_cur *h, size_t n)
{
    (void)ta_cur_skip(h, n);
}

/* dec_tunnel_enter counts one more encapsulation (IP in IP, GRE, or a UDP
 * tunnel); past the bound the packet is taken for a crafted one, as real
 * traffic does not nest that deep. */
static inline ta_decode_status dec_tunnel_enter(dec_ctx *ctx)
{
    if (ctx->depth >= TUNNEL_MAX_DEPTH) {
        return TA_DEC_MALFORMED;
    }
    ctx->depth++;
    return TA_DEC_OK;
}

/* ---- decode_ip.c --------------------------------------------------------- */

/* dec_ipv4 and dec_ipv6 decode an IP packet (RFC 791 3.1, RFC 8200 3) at
 * the start of |b| and what it carries, into ctx->out. */
ta_decode_status dec_ipv4(dec_ctx *ctx, dec_buf *b);
ta_decode_status dec_ipv6(dec_ctx *ctx, dec_buf *b);

/* ---- decode_tunnel.c ----------------------------------------------------- */

/* dec_gre decodes a GRE packet (RFC 2784, RFC 2890) and what it carries;
 * it counts the encapsulation itself. */
ta_decode_status dec_gre(dec_ctx *ctx, dec_buf *b);

/* dec_udp_is_tunnel says whether UDP to |dport| is a tunnel that is
 * followed (VXLAN, GENEVE, GTP-U). */
bool dec_udp_is_tunnel(uint16_t dport);

/* dec_udp_tunnel decodes the UDP payload |b| sent to the tunnel port
 * |dport| (the caller has counted the encapsulation); TA_DEC_NOT_TCP for
 * any other port. */
ta_decode_status dec_udp_tunnel(dec_ctx *ctx, dec_buf *b, uint16_t dport);

#endif
