/*
 * decode.c - link, IP, TCP and UDP decoding of one captured frame (ta_decode.h).
 *
 * One small function per layer, each reading only through the cursor, in the
 * manner of tcpdump's print-*.c.  A layer's bytes are a dec_buf: what was
 * captured, and how many bytes the enclosing header claims.  Running out of
 * captured bytes before the claimed end is TA_DEC_TRUNCATED (the snapshot
 * length cut the frame); needing more than the claim is TA_DEC_MALFORMED
 * (the headers contradict each other).  Checksums are never verified:
 * checksum offload makes locally captured packets look bad.
 */
#include "ta_decode.h"

#include <pcap/dlt.h>
#include <string.h>

/* Older libpcap headers lack the newer link types. */
#ifndef DLT_IPV4
#define DLT_IPV4 228
#endif
#ifndef DLT_IPV6
#define DLT_IPV6 229
#endif
#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2 276
#endif

/* Bounds that keep a crafted packet from recursing or looping for long. */
#define TUNNEL_MAX_DEPTH 4      /* encapsulations followed inside one frame */
#define IPV6_MAX_EXT_HDRS 16    /* extension headers walked per IPv6 header */

/* Header sizes. */
#define ETH_HDR_LEN 14
#define VLAN_TAG_LEN 4
#define CISCO_META_LEN 8
#define SLL_HDR_LEN 16
#define SLL2_HDR_LEN 20
#define NULL_HDR_LEN 4
#define PPPOE_HDR_LEN 6
#define MPLS_ENTRY_LEN 4
#define IPV4_MIN_HDR_LEN 20
#define IPV6_HDR_LEN 40
#define IPV6_EXT_MIN_LEN 2
#define IPV6_FRAG_HDR_LEN 8
#define TCP_MIN_HDR_LEN 20
#define UDP_HDR_LEN 8
#define GRE_HDR_LEN 4
#define VXLAN_HDR_LEN 8
#define GENEVE_HDR_LEN 8
#define GTPU_HDR_LEN 8
#define GTPU_OPT_LEN 4

/* EtherTypes (IEEE 802 numbers). */
#define ETH_TYPE_IPV4 0x0800
#define ETH_TYPE_IPV6 0x86dd
#define ETH_TYPE_VLAN 0x8100        /* IEEE 802.1Q */
#define ETH_TYPE_QINQ 0x88a8        /* IEEE 802.1ad */
#define ETH_TYPE_QINQ_OLD 0x9100    /* QinQ before 802.1ad */
#define ETH_TYPE_PPPOE_SESSION 0x8864
#define ETH_TYPE_MPLS 0x8847
#define ETH_TYPE_MPLS_MCAST 0x8848
#define ETH_TYPE_TEB 0x6558         /* transparent Ethernet bridging */
#define ETH_TYPE_CISCO_META 0x8909  /* Cisco MetaData (TrustSec SGT) */

/* PPP (RFC 1661, RFC 1662) and Cisco HDLC framing. */
#define PPP_PROTO_IPV4 0x0021       /* RFC 1332 */
#define PPP_PROTO_IPV6 0x0057       /* RFC 5072 */
#define HDLC_ALL_STATIONS 0xff
#define HDLC_UI 0x03
#define CHDLC_UNICAST 0x0f
#define CHDLC_MULTICAST 0x8f
#define PPPOE_VER_TYPE 0x11         /* RFC 2516 section 4: VER 1, TYPE 1 */
#define PPPOE_CODE_SESSION 0x00

/* Address families in BSD loopback headers. */
#define BSD_AF_INET 2
#define BSD_AF_INET6_BSD 24         /* NetBSD, OpenBSD, BSD/OS */
#define BSD_AF_INET6_FREEBSD 28
#define BSD_AF_INET6_DARWIN 30

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

#define MPLS_BOTTOM 0x00000100      /* RFC 3032 section 2.1 */

typedef struct {
    ta_packet *out;
    unsigned depth;             /* tunnels entered so far */
    bool vlan_seen;             /* out->vlan holds the outermost tag */
    bool want_udp;              /* UDP datagrams are decoded too (else NOT_TCP) */
} dec_ctx;

typedef struct {
    ta_cur cur;                 /* captured bytes of the layer; never past the claim */
    size_t wire_len;            /* bytes the enclosing header claims; SIZE_MAX if unknown */
} dec_buf;

static ta_decode_status decode_ether(dec_ctx *ctx, dec_buf *b);
static ta_decode_status decode_ethertype(dec_ctx *ctx, dec_buf *b, uint16_t type);
static ta_decode_status decode_ipv4(dec_ctx *ctx, dec_buf *b);
static ta_decode_status decode_ipv6(dec_ctx *ctx, dec_buf *b);
static ta_decode_status decode_ip_proto(dec_ctx *ctx, dec_buf *b, uint8_t proto);

/* ---- bounds helpers ------------------------------------------------------ */

/* dec_short is the status of a read of |n| bytes from |b| that found fewer:
 * malformed if the enclosing claim cannot hold them, else truncated. */
static ta_decode_status dec_short(const dec_buf *b, size_t n)
{
    return n > b->wire_len ? TA_DEC_MALFORMED : TA_DEC_TRUNCATED;
}

/* dec_take moves the next |n| bytes of |b| into the child cursor |hdr|. */
static ta_decode_status dec_take(dec_buf *b, ta_cur *hdr, size_t n)
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
static ta_decode_status dec_claim(dec_buf *b, size_t claim)
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
static uint8_t hdr_u8(ta_cur *h)
{
    uint8_t v = 0;
    (void)ta_cur_get_u8(h, &v);
    return v;
}

static uint16_t hdr_u16(ta_cur *h)
{
    uint16_t v = 0;
    (void)ta_cur_get_u16(h, &v);
    return v;
}

static uint32_t hdr_u32(ta_cur *h)
{
    uint32_t v = 0;
    (void)ta_cur_get_u32(h, &v);
    return v;
}

static void hdr_skip(ta_cur *h, size_t n)
{
    (void)ta_cur_skip(h, n);
}

/* tunnel_enter counts one more encapsulation (IP in IP, GRE, or a UDP
 * tunnel); past the bound the packet is taken for a crafted one, as real
 * traffic does not nest that deep. */
static ta_decode_status tunnel_enter(dec_ctx *ctx)
{
    if (ctx->depth >= TUNNEL_MAX_DEPTH) {
        return TA_DEC_MALFORMED;
    }
    ctx->depth++;
    return TA_DEC_OK;
}

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

/* ---- tunnels ------------------------------------------------------------- */

/* decode_tunnel_proto follows a tunnel's EtherType-valued protocol field
 * (GRE, GENEVE), where 0x6558 means an Ethernet frame follows. */
static ta_decode_status decode_tunnel_proto(dec_ctx *ctx, dec_buf *b, uint16_t proto)
{
    switch (proto) {
    case ETH_TYPE_TEB:
        return decode_ether(ctx, b);
    default:
        return decode_ethertype(ctx, b, proto);
    }
}

/* decode_ip_by_version picks IPv4 or IPv6 by the version nibble, where no
 * header field says which (raw IP, MPLS, GTP-U); |other| for anything else. */
static ta_decode_status decode_ip_by_version(dec_ctx *ctx, dec_buf *b, ta_decode_status other)
{
    uint8_t first;
    if (!ta_cur_peek_u8(&b->cur, 0, &first)) {
        return dec_short(b, 1);
    }
    switch (first >> 4) {
    case 4:
        return decode_ipv4(ctx, b);
    case 6:
        return decode_ipv6(ctx, b);
    default:
        return other;
    }
}

/*
 * GRE, RFC 2784 section 2 with the key and sequence number of RFC 2890:
 *   |C| |K|S| Reserved0 | Ver | Protocol Type |
 *   [Checksum | Reserved1] [Key] [Sequence Number]
 */
static ta_decode_status decode_gre(dec_ctx *ctx, dec_buf *b)
{
    ta_cur h;
    ta_decode_status st = tunnel_enter(ctx);
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
    return decode_ether(ctx, b);
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
    return decode_ip_by_version(ctx, b, TA_DEC_NOT_TCP);
}

static bool is_tunnel_port(uint16_t dport)
{
    return dport == UDP_PORT_VXLAN || dport == UDP_PORT_GENEVE || dport == UDP_PORT_GTPU;
}

/* decode_udp_tunnel follows UDP to a tunnel port into the tunnel. */
static ta_decode_status decode_udp_tunnel(dec_ctx *ctx, dec_buf *b, uint16_t dport)
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
    bool tunnel = is_tunnel_port(dport);
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
        st = tunnel_enter(ctx);
        return st != TA_DEC_OK ? st : decode_udp_tunnel(ctx, b, dport);
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
        st = tunnel_enter(ctx);
        return st != TA_DEC_OK ? st : decode_ipv4(ctx, b);
    case IP_PROTO_IPV6:             /* RFC 4213 section 3.5 */
        st = tunnel_enter(ctx);
        return st != TA_DEC_OK ? st : decode_ipv6(ctx, b);
    case IP_PROTO_GRE:
        return decode_gre(ctx, b);
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
static ta_decode_status decode_ipv4(dec_ctx *ctx, dec_buf *b)
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
static ta_decode_status decode_ipv6(dec_ctx *ctx, dec_buf *b)
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

/* ---- link layers --------------------------------------------------------- */

/* PPP Protocol field, RFC 1661 section 2: two bytes, or one when Protocol
 * Field Compression is on (section 6.5); the first byte of a two-byte value
 * is always even. */
static ta_decode_status decode_ppp_proto(dec_ctx *ctx, dec_buf *b)
{
    ta_cur h;
    uint8_t first;
    if (!ta_cur_peek_u8(&b->cur, 0, &first)) {
        return dec_short(b, 1);
    }
    size_t n = (first & 1) != 0 ? 1 : 2;
    ta_decode_status st = dec_take(b, &h, n);
    if (st != TA_DEC_OK) {
        return st;
    }
    uint16_t proto = n == 1 ? hdr_u8(&h) : hdr_u16(&h);
    switch (proto) {
    case PPP_PROTO_IPV4:
        return decode_ipv4(ctx, b);
    case PPP_PROTO_IPV6:
        return decode_ipv6(ctx, b);
    default:
        return TA_DEC_NOT_IP;
    }
}

/* PPPoE session stage, RFC 2516 section 4: VER/TYPE, CODE 0, SESSION_ID,
 * LENGTH (of the PPP frame that follows). */
static ta_decode_status decode_pppoe(dec_ctx *ctx, dec_buf *b)
{
    ta_cur h;
    ta_decode_status st = dec_take(b, &h, PPPOE_HDR_LEN);
    if (st != TA_DEC_OK) {
        return st;
    }
    uint8_t ver_type = hdr_u8(&h);
    uint8_t code = hdr_u8(&h);
    hdr_skip(&h, 2);                /* session id */
    uint16_t len = hdr_u16(&h);
    if (ver_type != PPPOE_VER_TYPE || code != PPPOE_CODE_SESSION) {
        return TA_DEC_MALFORMED;
    }
    st = dec_claim(b, len);
    if (st != TA_DEC_OK) {
        return st;
    }
    return decode_ppp_proto(ctx, b);
}

/* MPLS label stack, RFC 3032 section 2.1: 4-byte entries up to the one with
 * the bottom-of-stack bit.  Nothing names the payload; IP is recognised by
 * its version nibble (RFC 4928 section 2), anything else is not followed. */
static ta_decode_status decode_mpls(dec_ctx *ctx, dec_buf *b)
{
    uint32_t entry = 0;
    while ((entry & MPLS_BOTTOM) == 0) {
        ta_cur h;
        ta_decode_status st = dec_take(b, &h, MPLS_ENTRY_LEN);
        if (st != TA_DEC_OK) {
            return st;
        }
        entry = hdr_u32(&h);
    }
    return decode_ip_by_version(ctx, b, TA_DEC_NOT_IP);
}

/* IEEE 802.1Q / 802.1ad tag: TCI (PCP 3 bits, DEI 1, VID 12), then the
 * EtherType of what follows.  The outermost VID is recorded. */
static ta_decode_status decode_vlan_tag(dec_ctx *ctx, dec_buf *b, uint16_t *type)
{
    ta_cur h;
    ta_decode_status st = dec_take(b, &h, VLAN_TAG_LEN);
    if (st != TA_DEC_OK) {
        return st;
    }
    uint16_t tci = hdr_u16(&h);
    *type = hdr_u16(&h);
    if (!ctx->vlan_seen) {
        ctx->out->vlan = tci & 0x0fff;
        ctx->vlan_seen = true;
    }
    return TA_DEC_OK;
}

/* Cisco MetaData, as Wireshark's packet-cisco-metadata.c reads it
 * (draft-smith-kandula-sxp): version, length, options, SGT, then the
 * EtherType of what follows. */
static ta_decode_status decode_cisco_meta(dec_buf *b, uint16_t *type)
{
    ta_cur h;
    ta_decode_status st = dec_take(b, &h, CISCO_META_LEN);
    if (st != TA_DEC_OK) {
        return st;
    }
    hdr_skip(&h, 6);
    *type = hdr_u16(&h);
    return TA_DEC_OK;
}

/* decode_ethertype follows an EtherType through any number of VLAN tags and
 * Cisco MetaData shims (each costs bytes, so the loop ends with the frame)
 * to the network layer. */
static ta_decode_status decode_ethertype(dec_ctx *ctx, dec_buf *b, uint16_t type)
{
    for (;;) {
        ta_decode_status st;
        switch (type) {
        case ETH_TYPE_VLAN:
        case ETH_TYPE_QINQ:
        case ETH_TYPE_QINQ_OLD:
            st = decode_vlan_tag(ctx, b, &type);
            break;
        case ETH_TYPE_CISCO_META:
            st = decode_cisco_meta(b, &type);
            break;
        case ETH_TYPE_IPV4:
            return decode_ipv4(ctx, b);
        case ETH_TYPE_IPV6:
            return decode_ipv6(ctx, b);
        case ETH_TYPE_PPPOE_SESSION:
            return decode_pppoe(ctx, b);
        case ETH_TYPE_MPLS:
        case ETH_TYPE_MPLS_MCAST:
            return decode_mpls(ctx, b);
        default:                    /* ARP, LLDP, 802.3 lengths (<= 1500), ... */
            return TA_DEC_NOT_IP;
        }
        if (st != TA_DEC_OK) {
            return st;
        }
    }
}

/* Ethernet II header: destination, source, EtherType. */
static ta_decode_status decode_ether(dec_ctx *ctx, dec_buf *b)
{
    ta_cur h;
    ta_decode_status st = dec_take(b, &h, ETH_HDR_LEN);
    if (st != TA_DEC_OK) {
        return st;
    }
    hdr_skip(&h, 12);               /* destination and source addresses */
    return decode_ethertype(ctx, b, hdr_u16(&h));
}

/* Cisco HDLC (RFC 1547 section 4.3.1): address, control, EtherType. */
static ta_decode_status decode_chdlc(dec_ctx *ctx, dec_buf *b)
{
    ta_cur h;
    ta_decode_status st = dec_take(b, &h, 4);
    if (st != TA_DEC_OK) {
        return st;
    }
    hdr_skip(&h, 2);                /* address, control */
    return decode_ethertype(ctx, b, hdr_u16(&h));
}

/* PPP as libpcap's DLT_PPP and DLT_PPP_SERIAL hold it: in HDLC-like framing
 * (RFC 1662 section 3.1: address 0xff, control 0x03), in Cisco HDLC framing
 * (address 0x0f or 0x8f), or unframed; then the PPP Protocol field. */
static ta_decode_status decode_ppp(dec_ctx *ctx, dec_buf *b)
{
    ta_cur h;
    uint8_t addr;
    if (!ta_cur_peek_u8(&b->cur, 0, &addr)) {
        return dec_short(b, 1);
    }
    switch (addr) {
    case HDLC_ALL_STATIONS: {
        ta_decode_status st = dec_take(b, &h, 2);
        if (st != TA_DEC_OK) {
            return st;
        }
        hdr_skip(&h, 1);
        if (hdr_u8(&h) != HDLC_UI) {
            return TA_DEC_MALFORMED;
        }
        return decode_ppp_proto(ctx, b);
    }
    case CHDLC_UNICAST:
    case CHDLC_MULTICAST:
        return decode_chdlc(ctx, b);
    default:                        /* unframed: the Protocol field comes first */
        return decode_ppp_proto(ctx, b);
    }
}

/* A cooked capture's packet type (packet(7)): PACKET_HOST 0 (to us),
 * PACKET_OUTGOING 4; broadcast, multicast and another host's say nothing. */
static uint8_t link_dir(uint16_t type)
{
    switch (type) {
    case 0:
        return TA_LINK_INCOMING;
    case 4:
        return TA_LINK_OUTGOING;
    default:
        return TA_LINK_UNKNOWN;
    }
}

/* Linux cooked capture v1 (LINKTYPE_LINUX_SLL): packet type, ARPHRD type,
 * address length, 8 address bytes, protocol (an EtherType for IP). */
static ta_decode_status decode_sll(dec_ctx *ctx, dec_buf *b)
{
    ta_cur h;
    ta_decode_status st = dec_take(b, &h, SLL_HDR_LEN);
    if (st != TA_DEC_OK) {
        return st;
    }
    ctx->out->link_dir = link_dir(hdr_u16(&h));
    hdr_skip(&h, 12);
    return decode_ethertype(ctx, b, hdr_u16(&h));
}

/* Linux cooked capture v2 (LINKTYPE_LINUX_SLL2, `tcpdump -i any`): protocol,
 * reserved, interface index, ARPHRD type, packet type, address length, 8
 * address bytes. */
static ta_decode_status decode_sll2(dec_ctx *ctx, dec_buf *b)
{
    ta_cur h;
    ta_decode_status st = dec_take(b, &h, SLL2_HDR_LEN);
    if (st != TA_DEC_OK) {
        return st;
    }
    uint16_t proto = hdr_u16(&h);
    hdr_skip(&h, 6);                /* reserved, interface index */
    hdr_skip(&h, 2);                /* ARPHRD type */
    ctx->out->link_dir = link_dir(hdr_u8(&h));
    return decode_ethertype(ctx, b, proto);
}

/* BSD loopback (LINKTYPE_NULL, LINKTYPE_LOOP): a 4-byte address family, in
 * the capturing host's byte order for NULL (so either, |any_order|) and in
 * network byte order for LOOP.  AF_INET6 differs between the BSDs. */
static ta_decode_status decode_null(dec_ctx *ctx, dec_buf *b, bool any_order)
{
    ta_cur h;
    ta_decode_status st = dec_take(b, &h, NULL_HDR_LEN);
    if (st != TA_DEC_OK) {
        return st;
    }
    ta_cur little = h;
    uint32_t af = hdr_u32(&h);
    if (any_order && af > 0xffff) {
        /* Families are small numbers: this one was written little-endian. */
        (void)ta_cur_get_u32le(&little, &af);
    }
    switch (af) {
    case BSD_AF_INET:
        return decode_ipv4(ctx, b);
    case BSD_AF_INET6_BSD:
    case BSD_AF_INET6_FREEBSD:
    case BSD_AF_INET6_DARWIN:
        return decode_ipv6(ctx, b);
    default:
        return TA_DEC_NOT_IP;
    }
}

static ta_decode_status decode_link(dec_ctx *ctx, dec_buf *b, int linktype)
{
    switch (linktype) {
    case DLT_EN10MB:
        return decode_ether(ctx, b);
    case DLT_LINUX_SLL:
        return decode_sll(ctx, b);
    case DLT_LINUX_SLL2:
        return decode_sll2(ctx, b);
    case DLT_RAW:                   /* libpcap maps LINKTYPE_RAW (101) here */
    case DLT_IPV4:
    case DLT_IPV6:
        return decode_ip_by_version(ctx, b, TA_DEC_MALFORMED);
    case DLT_NULL:
        return decode_null(ctx, b, true);
    case DLT_LOOP:
        return decode_null(ctx, b, false);
    case DLT_PPP:
    case DLT_PPP_SERIAL:
        return decode_ppp(ctx, b);
    case DLT_C_HDLC:
        return decode_chdlc(ctx, b);
    default:
        return TA_DEC_UNSUPPORTED_LINK;
    }
}

/* ---- public API ---------------------------------------------------------- */

static ta_decode_status decode_frame(ta_packet *out, int linktype, const uint8_t *data,
                                     size_t caplen, size_t wirelen, bool want_udp)
{
    dec_ctx ctx = { .out = out, .depth = 0, .vlan_seen = false, .want_udp = want_udp };
    dec_buf b;
    memset(out, 0, sizeof *out);
    ta_cur_init(&b.cur, data, caplen);
    /* A header claiming more than the frame had on the wire is malformed;
     * one claiming more than was captured (but no more than the wire) is cut. */
    b.wire_len = wirelen >= caplen ? wirelen : caplen;
    return decode_link(&ctx, &b, linktype);
}

ta_decode_status ta_decode_frame(ta_packet *out, int linktype, const uint8_t *data,
                                 size_t caplen, size_t wirelen)
{
    return decode_frame(out, linktype, data, caplen, wirelen, false);
}

ta_decode_status ta_decode_transport(ta_packet *out, int linktype, const uint8_t *data,
                                     size_t caplen, size_t wirelen)
{
    return decode_frame(out, linktype, data, caplen, wirelen, true);
}

ta_decode_status ta_decode_packet(ta_packet *out, int linktype, const uint8_t *data,
                                  size_t caplen)
{
    return ta_decode_frame(out, linktype, data, caplen, SIZE_MAX);
}

const char *ta_decode_status_name(ta_decode_status s)
{
    switch (s) {
    case TA_DEC_OK:
        return "ok";
    case TA_DEC_NOT_IP:
        return "not_ip";
    case TA_DEC_NOT_TCP:
        return "not_tcp";
    case TA_DEC_FRAGMENT:
        return "fragment";
    case TA_DEC_TRUNCATED:
        return "truncated";
    case TA_DEC_MALFORMED:
        return "malformed";
    case TA_DEC_UNSUPPORTED_LINK:
        return "unsupported_link";
    default:
        return "unknown";
    }
}

bool ta_linktype_supported(int linktype)
{
    /* One list of link types, in decode_link: an empty frame of a supported
     * type decodes as truncated, never as an unsupported link. */
    ta_packet scratch;
    return ta_decode_packet(&scratch, linktype, NULL, 0) != TA_DEC_UNSUPPORTED_LINK;
}
