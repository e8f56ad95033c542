/*
 * decode.c - link, IP, TCP and UDP decoding of one captured frame
 * (ta_decode.h): the entry points, the link layers and what an EtherType
 * names (VLAN tags, Cisco MetaData, PPPoE, MPLS).
 *
 * One small function per layer, each reading only through the cursor, in the
 * manner of tcpdump's print-*.c.  The IP layer and what it carries are
 * decode_ip.c's, the tunnels decode_tunnel.c's; a tunnel's payload comes back
 * here through the table of outer decoders put in the context
 * (decode_int.h), so that calls between the files go one way.
 */
#include "decode_int.h"

#include <pcap/dlt.h>
#include <string.h>

/* Header sizes. */
#define ETH_HDR_LEN 14
#define VLAN_TAG_LEN 4
#define CISCO_META_LEN 8
#define SLL_HDR_LEN 16
#define SLL2_HDR_LEN 20
#define NULL_HDR_LEN 4
#define PPPOE_HDR_LEN 6
#define MPLS_ENTRY_LEN 4

/* EtherTypes (IEEE 802 numbers). */
#define ETH_TYPE_IPV4 0x0800
#define ETH_TYPE_IPV6 0x86dd
#define ETH_TYPE_VLAN 0x8100        /* IEEE 802.1Q */
#define ETH_TYPE_QINQ 0x88a8        /* IEEE 802.1ad */
#define ETH_TYPE_QINQ_OLD 0x9100    /* QinQ before 802.1ad */
#define ETH_TYPE_PPPOE_SESSION 0x8864
#define ETH_TYPE_MPLS 0x8847
#define ETH_TYPE_MPLS_MCAST 0x8848
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

#define MPLS_BOTTOM 0x00000100      /* RFC 3032 section 2.1 */

/* ---- link layers --------------------------------------------------------- */

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
        return dec_ipv4(ctx, b);
    case 6:
        return dec_ipv6(ctx, b);
    default:
        return other;
    }
}

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
        return dec_ipv4(ctx, b);
    case PPP_PROTO_IPV6:
        return dec_ipv6(ctx, b);
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
            return dec_ipv4(ctx, b);
        case ETH_TYPE_IPV6:
            return dec_ipv6(ctx, b);
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
        return dec_ipv4(ctx, b);
    case BSD_AF_INET6_BSD:
    case BSD_AF_INET6_FREEBSD:
    case BSD_AF_INET6_DARWIN:
        return dec_ipv6(ctx, b);
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

/* The decoders a tunnel's payload starts again at (decode_int.h). */
static const dec_outer_ops outer_ops = {decode_ether, decode_ethertype, decode_ip_by_version};

static ta_decode_status decode_frame(ta_packet *out, int linktype, const uint8_t *data,
                                     size_t caplen, size_t wirelen, bool want_udp)
{
    dec_ctx ctx = { .out = out, .outer = &outer_ops, .depth = 0, .vlan_seen = false,
                     .want_udp = want_udp };
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
