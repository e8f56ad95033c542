/*
 * ta_decode.h - link, IP, TCP and UDP decoding of one captured frame.
 *
 * Pure: takes the frame's bytes (borrowed) and fills a ta_packet whose
 * payload cursor points into those bytes.  Never allocates, never prints.
 */
#ifndef TA_DECODE_H
#define TA_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <pcap/dlt.h>

#include "ta_cursor.h"

/* Link types the decoder takes are libpcap's DLT_ values; older libpcap
 * headers lack the newer ones. */
#ifndef DLT_IPV4
#define DLT_IPV4 228
#endif
#ifndef DLT_IPV6
#define DLT_IPV6 229
#endif
#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2 276
#endif

/* TCP flags (RFC 9293 3.1). */
#define TA_TCP_FIN 0x01
#define TA_TCP_SYN 0x02
#define TA_TCP_RST 0x04
#define TA_TCP_PSH 0x08
#define TA_TCP_ACK 0x10

/* Transport protocols (IANA protocol numbers). */
/* The packet type of a Linux cooked capture (`tcpdump -i any`; packet(7)):
 * sent to this host, or sent by it; unknown for other link types. */
#define TA_LINK_UNKNOWN 0
#define TA_LINK_INCOMING 1
#define TA_LINK_OUTGOING 2

#define TA_PROTO_TCP 6
#define TA_PROTO_UDP 17

typedef enum {
    TA_DEC_OK = 0,
    TA_DEC_NOT_IP,          /* ARP, LLDP, ...: not for us */
    TA_DEC_NOT_TCP,         /* IP but UDP/ICMP/... (and no tunnel we follow) */
    TA_DEC_FRAGMENT,        /* an IPv4/IPv6 fragment: counted as skipped */
    TA_DEC_TRUNCATED,       /* headers cut by the snapshot length */
    TA_DEC_MALFORMED,       /* headers contradict themselves (IHL < 5, ...) */
    TA_DEC_UNSUPPORTED_LINK /* a link type we do not decode */
} ta_decode_status;

typedef struct {
    uint8_t proto;           /* TA_PROTO_TCP or TA_PROTO_UDP */
    uint8_t family;          /* 4 or 6 (innermost IP header) */
    uint8_t src[16];         /* IPv4 uses the first 4 bytes */
    uint8_t dst[16];
    uint16_t sport;
    uint16_t dport;
    uint32_t seq;            /* TCP only (seq, ack, flags) */
    uint32_t ack;
    uint8_t flags;           /* TA_TCP_* */
    ta_cur payload;          /* TCP payload clamped to the IP length, UDP to the UDP length */
    uint32_t payload_wire_len; /* payload length the IP header claims */
    bool payload_truncated;  /* captured payload shorter than claimed */
    uint16_t vlan;           /* outermost 802.1Q VLAN id, 0 if none */
    uint8_t link_dir;        /* TA_LINK_*: what a Linux cooked capture says of the frame */
} ta_packet;

/* ta_decode_packet decodes one frame of |linktype| (a DLT_* value as
 * returned by pcap_datalink) at |data|/|caplen| into |out|.  Returns
 * TA_DEC_OK when |out| holds a TCP segment; otherwise |out| is unspecified. */
ta_decode_status ta_decode_packet(ta_packet *out, int linktype, const uint8_t *data,
                                  size_t caplen);

/* ta_decode_frame is ta_decode_packet knowing the frame's length on the
 * wire: an IP or TCP length beyond it is malformed, not cut. */
ta_decode_status ta_decode_frame(ta_packet *out, int linktype, const uint8_t *data,
                                 size_t caplen, size_t wirelen);

/* ta_decode_transport is ta_decode_frame for TCP and UDP: TA_DEC_OK when
 * |out| holds a TCP segment or a UDP datagram (out->proto says which; for
 * UDP the ports and the payload, clamped to the UDP Length, RFC 768).  A
 * UDP Length below 8 or beyond the IP packet is malformed; 0 over IPv6 is
 * a jumbogram's (RFC 2675 4): the payload is what the IP layer holds.  UDP
 * to the VXLAN, GENEVE and GTP-U ports is still followed into the tunnel. */
ta_decode_status ta_decode_transport(ta_packet *out, int linktype, const uint8_t *data,
                                     size_t caplen, size_t wirelen);

/* ta_decode_status_name returns a static name for |s| ("not_ip", ...). */
const char *ta_decode_status_name(ta_decode_status s);

/* ta_linktype_supported returns true if ta_decode_packet decodes |linktype|. */
bool ta_linktype_supported(int linktype);

#endif
