/*
 * decode_ip.c - the network and transport layers of a frame: IPv4, IPv6
 * with its extension headers, fragments, IP in IP, TCP and UDP headers
 * (decode_int.h).
 *
 * GRE and UDP to a tunnel port go on to decode_tunnel.c; nothing here calls
 * the link layers.  Checksums are never verified: checksum offload makes
 * locally captured packets look bad.
 */
#include "decode_int.h"

#include <string.h>

#define IPV6_MAX_EXT_HDRS 16    /* extension headers walked per IPv6 header */

/* Header sizes. */
#define IPV4_MIN_HDR_LEN 20
#define IPV6_HDR_LEN 40
#define IPV6_EXT_MIN_LEN 2
#define IPV6_FRAG_HDR_LEN 8
#define TCP_MIN_HDR_LEN 20
#define UDP_HDR_LEN 8

/* IP protocol numbers (IANA). */
#define IP_PROTO_HOPOPTS 0
#define IP_PROTO_IPIP 4
#define IP_PROTO_TCP 6
#define IP_PROTO_UDP 17
#define IP_PROTO_IPV6 41
#define IP_PROTO_ROUTING 43
#define IP_PROTO_FRAGMENT 44
#define IP_PROTO_GRE 47
#define IP_PROTO_AH 51
#define IP_PROTO_DSTOPTS 60

/* IPv4 flags and fragment offset (RFC 791 section 3.1). */
#define IPV4_MF 0x2000
#define IPV4_OFFSET_MASK 0x1fff

/* set_addrs copies source and destination (|addr_len| bytes each) from |h|;
 * each IP layer overwrites the last, so the innermost one is kept. */
static void set_addrs(ta_packet *out, uint8_t family, ta_cur *h, size_t addr_len)
{
    out->family = family;
    memset(out->src, 0, sizeof out->src);
    memset(out->dst, 0, sizeof out->dst);
    (void)ta_cur_copy(h, out->src, addr_len);
    (void)ta_cur_copy(h, out->dst, addr_len);
}

/* set_payload makes the rest of |b| the packet's payload. */
static void set_payload(ta_packet *out, const dec_buf *b)
{
    out->payload = b->cur;
    out->payload_wire_len = b->wire_len > UINT32_MAX ? UINT32_MAX : (uint32_t)b->wire_len;
    out->payload_truncated = ta_cur_len(&b->cur) < b->wire_len;
}

/* ---- TCP ----------------------------------------------------------------- */

/*
 * TCP header, RFC 9293 section 3.1:
 *   | Source Port | Destination Port | Sequence Number | Acknowledgment Number |
 *   | DOffset | Rsrvd | Flags | Window | Checksum | Urgent Pointer | Options |
 * The payload is the rest of what the IP layer claims.
 */
static ta_decode_status decode_tcp(dec_ctx *ctx, dec_buf *b)
{
    ta_packet *out = ctx->out;
    ta_cur h;
    ta_decode_status st = dec_take(b, &h, TCP_MIN_HDR_LEN);
    if (st != TA_DEC_OK) {
        return st;
    }
    out->proto = TA_PROTO_TCP;
    out->sport = hdr_u16(&h);
    out->dport = hdr_u16(&h);
    out->seq = hdr_u32(&h);
    out->ack = hdr_u32(&h);
    uint16_t off_flags = hdr_u16(&h);
    out->flags = (uint8_t)(off_flags & 0xff);
    size_t hdr_len = (size_t)(off_flags >> 12) * 4;
    if (hdr_len < TCP_MIN_HDR_LEN) {
        return TA_DEC_MALFORMED;
    }
    /* Options (RFC 9293 section 3.2) are not needed here. */
    st = dec_take(b, &h, hdr_len - TCP_MIN_HDR_LEN);
    if (st != TA_DEC_OK) {
        return st;
    }
    set_payload(out, b);
    return TA_DEC_OK;
}


/* ---- UDP ----------------------------------------------------------------- */

/*
 * UDP header, RFC 768:
 *   | Source Port | Destination Port | Length | Checksum |
 * Length covers the header and the data.  Tunnel ports are followed; other
 * UDP is decoded when ctx->want_udp, else only skipped (before its length is
 * judged, as it always was).  IPv6 jumbograms carry Length 0 (RFC 2675 4).
 */
static ta_decode_status decode_udp(dec_ctx *ctx, dec_buf *b)
{
    ta_cur h;
    ta_decode_status st = dec_take(b, &h, UDP_HDR_LEN);
    if (st != TA_DEC_OK) {
        return st;
    }
    uint16_t sport = hdr_u16(&h);
    uint16_t dport = hdr_u16(&h);
    uint16_t len = hdr_u16(&h);
    bool tunnel = dec_udp_is_tunnel(dport);
    bool jumbo = len == 0 && !tunnel && ctx->out->family == 6;
    if (!tunnel && !ctx->want_udp) {
        return TA_DEC_NOT_TCP;
    }
    if (len < UDP_HDR_LEN && !jumbo) {
        return TA_DEC_MALFORMED;
    }
    if (!jumbo) {                   /* a jumbogram's claim is the IP layer's */
        st = dec_claim(b, (size_t)len - UDP_HDR_LEN);
    }
    if (st == TA_DEC_OK && tunnel) {
        st = dec_tunnel_enter(ctx);
        return st != TA_DEC_OK ? st : dec_udp_tunnel(ctx, b, dport);
    }
    if (st != TA_DEC_OK) {
        return st;
    }
    ctx->out->proto = TA_PROTO_UDP;
    ctx->out->sport = sport;
    ctx->out->dport = dport;
    set_payload(ctx->out, b);
    return TA_DEC_OK;
}

/* ---- IP ------------------------------------------------------------------ */

/* decode_ip_proto follows an IPv4 Protocol or IPv6 Next Header value. */
static ta_decode_status decode_ip_proto(dec_ctx *ctx, dec_buf *b, uint8_t proto)
{
    ta_decode_status st = TA_DEC_OK;
    switch (proto) {
    case IP_PROTO_TCP:
        return decode_tcp(ctx, b);
    case IP_PROTO_IPIP:             /* RFC 2003 */
        st = dec_tunnel_enter(ctx);
        return st != TA_DEC_OK ? st : dec_ipv4(ctx, b);
    case IP_PROTO_IPV6:             /* RFC 4213 section 3.5 */
        st = dec_tunnel_enter(ctx);
        return st != TA_DEC_OK ? st : dec_ipv6(ctx, b);
    case IP_PROTO_GRE:
        return dec_gre(ctx, b);
    case IP_PROTO_UDP:
        return decode_udp(ctx, b);
    default:                        /* ICMP, ESP, No Next Header, ... */
        return TA_DEC_NOT_TCP;
    }
}

/* ipv4_claim limits |b| (just past the fixed header) to what Total Length
 * claims.  Zero is what Linux writes for TSO and BIG TCP sends, and tcpdump's
 * print-ip.c reads it as "what was captured"; so do we. */
static ta_decode_status ipv4_claim(dec_buf *b, uint16_t total_len, size_t hdr_len)
{
    if (total_len == 0) {
        return dec_claim(b, ta_cur_len(&b->cur));
    }
    if (total_len < hdr_len) {
        return TA_DEC_MALFORMED;
    }
    return dec_claim(b, (size_t)total_len - IPV4_MIN_HDR_LEN);
}

/*
 * IPv4 header, RFC 791 section 3.1:
 *   |Version|  IHL  |Type of Service|          Total Length         |
 *   |         Identification        |Flags|      Fragment Offset    |
 *   |  Time to Live |    Protocol   |         Header Checksum       |
 *   |                   Source, Destination Address                 |
 *   |                    Options                    |    Padding    |
 */
ta_decode_status dec_ipv4(dec_ctx *ctx, dec_buf *b)
{
    ta_cur h;
    ta_decode_status st = dec_take(b, &h, IPV4_MIN_HDR_LEN);
    if (st != TA_DEC_OK) {
        return st;
    }
    uint8_t ver_ihl = hdr_u8(&h);
    hdr_skip(&h, 1);                /* type of service */
    uint16_t total_len = hdr_u16(&h);
    hdr_skip(&h, 2);                /* identification */
    uint16_t frag = hdr_u16(&h);
    hdr_skip(&h, 1);                /* time to live */
    uint8_t proto = hdr_u8(&h);
    hdr_skip(&h, 2);                /* header checksum: not verified */
    set_addrs(ctx->out, 4, &h, 4);
    size_t hdr_len = (size_t)(ver_ihl & 0x0f) * 4;
    if ((ver_ihl >> 4) != 4 || hdr_len < IPV4_MIN_HDR_LEN) {
        return TA_DEC_MALFORMED;
    }
    st = ipv4_claim(b, total_len, hdr_len);
    if (st != TA_DEC_OK) {
        return st;
    }
    if ((frag & (IPV4_MF | IPV4_OFFSET_MASK)) != 0) {
        return TA_DEC_FRAGMENT;
    }
    st = dec_take(b, &h, hdr_len - IPV4_MIN_HDR_LEN);  /* options: not needed */
    if (st != TA_DEC_OK) {
        return st;
    }
    return decode_ip_proto(ctx, b, proto);
}

/* ipv6_skip_ext skips an extension header whose second byte is its length in
 * |unit|-byte words not counting the first |bias| words: (len + 1) * 8 for
 * options and routing (RFC 8200 section 4.3-4.6), (len + 2) * 4 for AH
 * (RFC 4302 section 2.2). */
static ta_decode_status ipv6_skip_ext(dec_buf *b, uint8_t *next, size_t unit, size_t bias)
{
    ta_cur h;
    ta_decode_status st = dec_take(b, &h, IPV6_EXT_MIN_LEN);
    if (st != TA_DEC_OK) {
        return st;
    }
    *next = hdr_u8(&h);
    size_t len = ((size_t)hdr_u8(&h) + bias) * unit;
    return dec_take(b, &h, len - IPV6_EXT_MIN_LEN);
}

/* IPv6 Fragment header, RFC 8200 section 4.5: Next Header, Reserved,
 * Fragment Offset (13 bits), Res, M, Identification.  Offset 0 with M clear
 * is an atomic fragment (RFC 6946): the whole packet, decoded as such. */
static ta_decode_status ipv6_fragment(dec_buf *b, uint8_t *next)
{
    ta_cur h;
    ta_decode_status st = dec_take(b, &h, IPV6_FRAG_HDR_LEN);
    if (st != TA_DEC_OK) {
        return st;
    }
    *next = hdr_u8(&h);
    hdr_skip(&h, 1);                /* reserved */
    uint16_t off_m = hdr_u16(&h);
    if ((off_m >> 3) != 0 || (off_m & 1) != 0) {
        return TA_DEC_FRAGMENT;
    }
    return TA_DEC_OK;
}

/* ipv6_skip_ext_hdr skips one extension header of type |*next| and sets
 * |*next| to the type of what follows it. */
static ta_decode_status ipv6_skip_ext_hdr(dec_buf *b, uint8_t *next)
{
    switch (*next) {
    case IP_PROTO_HOPOPTS:
    case IP_PROTO_ROUTING:
    case IP_PROTO_DSTOPTS:
        return ipv6_skip_ext(b, next, 8, 1);
    case IP_PROTO_AH:
        return ipv6_skip_ext(b, next, 4, 2);
    case IP_PROTO_FRAGMENT:
        return ipv6_fragment(b, next);
    default:
        return TA_DEC_MALFORMED;    /* not reached: see ipv6_is_ext_hdr */
    }
}

static bool ipv6_is_ext_hdr(uint8_t next)
{
    switch (next) {
    case IP_PROTO_HOPOPTS:
    case IP_PROTO_ROUTING:
    case IP_PROTO_DSTOPTS:
    case IP_PROTO_AH:
    case IP_PROTO_FRAGMENT:
        return true;
    default:                        /* upper layer, ESP, No Next Header, ... */
        return false;
    }
}

/* decode_ipv6_ext walks the extension header chain (RFC 8200 section 4.1)
 * to the upper-layer header; ESP and No Next Header end it as not TCP.  RFC
 * 8200 allows each header once (destination options twice), so a longer
 * chain than the bound is malformed. */
static ta_decode_status decode_ipv6_ext(dec_ctx *ctx, dec_buf *b, uint8_t next)
{
    for (unsigned num_ext = 0; ipv6_is_ext_hdr(next); num_ext++) {
        if (num_ext == IPV6_MAX_EXT_HDRS) {
            return TA_DEC_MALFORMED;
        }
        ta_decode_status st = ipv6_skip_ext_hdr(b, &next);
        if (st != TA_DEC_OK) {
            return st;
        }
    }
    return decode_ip_proto(ctx, b, next);
}

/*
 * IPv6 header, RFC 8200 section 3:
 *   |Version| Traffic Class |           Flow Label                  |
 *   |         Payload Length        |  Next Header  |   Hop Limit   |
 *   |              Source Address, Destination Address              |
 */
ta_decode_status dec_ipv6(dec_ctx *ctx, dec_buf *b)
{
    ta_cur h;
    ta_decode_status st = dec_take(b, &h, IPV6_HDR_LEN);
    if (st != TA_DEC_OK) {
        return st;
    }
    uint32_t ver_tc_flow = hdr_u32(&h);
    uint16_t payload_len = hdr_u16(&h);
    uint8_t next = hdr_u8(&h);
    hdr_skip(&h, 1);                /* hop limit */
    set_addrs(ctx->out, 6, &h, 16);
    if ((ver_tc_flow >> 28) != 6) {
        return TA_DEC_MALFORMED;
    }
    /* Zero is a jumbogram (RFC 2675) or a Linux BIG TCP send: as for IPv4,
     * the packet is then what was captured. */
    st = dec_claim(b, payload_len != 0 ? payload_len : ta_cur_len(&b->cur));
    if (st != TA_DEC_OK) {
        return st;
    }
    return decode_ipv6_ext(ctx, b, next);
}
