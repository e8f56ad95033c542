/*
 * ta_analyze.h - one capture's analysis: decoded packets go to their
 * connection, through TCP reassembly into the TLS layer; a connection is
 * handed to the emit callback when it ends (both FINs or a RST, idle too
 * long in capture time, evicted by the connection cap, or at the end of
 * the capture).  Memory grows with connections open at once.
 */
#ifndef TA_ANALYZE_H
#define TA_ANALYZE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ta_capture.h"
#include "ta_conn.h"
#include "ta_decode.h"
#include "ta_tls.h"

typedef struct {
    ta_tls_limits tls;
    size_t max_conns;        /* connections open at once */
    int64_t idle_ns;         /* an open connection idle this long is ended */
    int64_t linger_ns;       /* late packets of an ended connection are ignored this long */
    uint32_t shard_k;        /* --shard K/N: only connections whose flow hash % N == K */
    uint32_t shard_n;        /* 1: no sharding */
} ta_limits;

/* ta_limits_default fills the documented defaults. */
void ta_limits_default(ta_limits *lim);

typedef void (*ta_emit_fn)(void *arg, ta_conn *c);

#define TA_MAX_PORTS 8

typedef struct {
    uint64_t packets;                /* records analysed (after the filter) */
    uint64_t tcp_packets;
    uint64_t quic_packets;           /* UDP datagrams of QUIC connections */
    uint64_t skipped[TA_DEC_UNSUPPORTED_LINK + 1];  /* by ta_decode_status */
    uint64_t duplicates;             /* exact copies (tcpdump -i any) */
    uint64_t late_packets;           /* after their connection ended (last ACKs) */
    uint64_t cut_packets;            /* caplen < wire length with payload cut */
    size_t max_caplen;
    uint64_t connections;
    uint64_t tls_connections;        /* TCP and QUIC */
    uint64_t quic_connections;
    uint64_t failed;                 /* TLS connections whose handshake failed */
    uint64_t evicted;                /* ended early by the connection cap */
    uint64_t idle_ended;             /* ended by the idle timeout */
    size_t peak_open;
    int64_t first_ns;
    int64_t last_ns;
    uint64_t time_backwards;         /* records older than the one before */
    int linktypes[8];
    size_t num_linktypes;
    uint16_t ports[TA_MAX_PORTS];    /* server ports of connections without TLS */
    uint64_t port_conns[TA_MAX_PORTS];
} ta_stats;

typedef struct ta_analyzer ta_analyzer;

/* ta_analyzer_new returns a fresh analyzer calling |emit| for each ended
 * connection (the callback must not keep |c|); NULL on out of memory. */
ta_analyzer *ta_analyzer_new(const ta_limits *lim, ta_emit_fn emit, void *arg);

/* ta_analyzer_record analyses one capture record. */
void ta_analyzer_record(ta_analyzer *a, const ta_record *r);

/* ta_analyzer_finish ends every open connection (emitting it). */
void ta_analyzer_finish(ta_analyzer *a);

/* ta_analyzer_stats returns the counters so far. */
const ta_stats *ta_analyzer_stats(const ta_analyzer *a);

/* ta_conn_failed is true when the connection's handshake failed. */
bool ta_conn_failed(const ta_conn *c);

/* ta_analyzer_free ends nothing: call ta_analyzer_finish first; NULL ok. */
void ta_analyzer_free(ta_analyzer *a);

#endif
