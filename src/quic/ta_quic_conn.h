/*
 * ta_quic_conn.h - one QUIC connection in the analysis: the UDP datagrams
 * of a 4-tuple that belong to it (by connection IDs), their packets opened
 * (Initial keys from the client's Destination Connection ID; Handshake
 * keys from the key logs), CRYPTO reassembled per direction and packet
 * number space into the TLS handshake-message layer (ta_tls.h) so the
 * hellos, certificates and every fact derived from them are the same as
 * over TCP; CONNECTION_CLOSE frames (a TLS alert as crypto error becomes
 * an alert), HANDSHAKE_DONE, Retry and Version Negotiation.
 *
 * A connection is opened only by a client Initial that opens with keys
 * derived from its own DCID (RFC 9001 5.2), or a packet of a version
 * reserved to force Version Negotiation: other UDP is never read as QUIC,
 * whatever its port.  ta_conn.quic is NULL for TCP connections.
 */
#ifndef TA_QUIC_CONN_H
#define TA_QUIC_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ta_conn.h"
#include "ta_cursor.h"
#include "ta_quic.h"
#include "ta_quic_crypto.h"
#include "ta_tls.h"

#define TA_QUIC_MAX_VN 16            /* versions kept of a Version Negotiation packet */
#define TA_QUIC_MAX_REASON 128       /* bytes kept of a CONNECTION_CLOSE reason */

/* Packet number spaces; the first two carry the handshake's CRYPTO stream. */
enum { TA_QSP_INITIAL = 0, TA_QSP_HANDSHAKE = 1, TA_QSP_APP = 2, TA_QSP_NUM = 3 };
#define TA_QSP_CRYPTO 2
#define TA_QUIC_APP_TRIES 16         /* 1-RTT packets per side opened looking for the end */

typedef struct {
    uint8_t b[TA_QUIC_MAX_CID];
    uint8_t len;
} ta_quic_cid;

/* One wire direction. */
typedef struct {
    ta_quic_keys keys[TA_QSP_NUM];   /* by packet number space */
    bool have_keys[TA_QSP_NUM];
    int64_t largest[TA_QSP_NUM];     /* largest packet number opened, -1 none */
    ta_quic_crypto crypto[TA_QSP_CRYPTO];
    int hs_space;                    /* space whose CRYPTO bytes the message layer holds */
    ta_quic_cid scid;                /* Source Connection ID of its first long header */
    bool have_scid;
    uint64_t datagrams;
    uint64_t initial_packets;
    uint64_t handshake_packets;
    uint64_t zero_rtt_packets;
    uint64_t short_packets;
    uint64_t opened[TA_QSP_NUM];     /* packets decrypted */
    uint64_t failed[TA_QSP_NUM];     /* packets that did not open with the keys held */
    uint64_t first_handshake_frame;
    uint64_t first_short_frame;
    bool hs_event;                   /* its encrypted Handshake flight is on the timeline */
} ta_quic_side;

/* The first CONNECTION_CLOSE. */
typedef struct {
    bool seen;
    int dir;                         /* wire direction of its sender */
    uint64_t frame;
    uint64_t code;
    uint64_t frame_type;             /* 0x1c frames: the frame that caused it */
    bool app;                        /* 0x1d: an application error */
    bool decrypted;                  /* in a Handshake packet opened with logged keys */
    uint8_t reason[TA_QUIC_MAX_REASON + 1];
    size_t reason_len;
} ta_quic_close;

struct ta_quic_conn {
    uint32_t version;                /* of the client's latest Initial */
    const ta_quic_version *ver;
    ta_quic_cid odcid;               /* DCID of the client's first Initial */
    ta_quic_cid key_dcid;            /* DCID the Initial keys now come from */
    ta_quic_side side[2];            /* by wire direction */
    bool retry;
    uint32_t num_retries;
    uint64_t retry_frame;
    ta_quic_cid retry_scid;
    bool retry_tag_bad;              /* a Retry whose integrity tag did not verify */
    bool vn;
    uint64_t vn_frame;
    uint32_t vn_versions[TA_QUIC_MAX_VN];
    size_t num_vn;
    bool vn_retried;                 /* the client came back with a version of the list */
    ta_quic_close close;
    uint32_t num_closes;
    uint64_t handshake_done_frame;
    bool hs_keys_tried;
    bool app_keys_tried;
    uint64_t bytes;                  /* UDP payload bytes, both ways */
    uint64_t tcp_after_frame;        /* a TCP connection to the same server began here, after
                                        this one began (a client's fallback); 0 none seen */
    size_t max_crypto;
};

typedef struct ta_quic_conn ta_quic_conn;

/* ta_quic_client_initial is true when |payload| (a UDP payload) starts
 * with what only a client sends first: an Initial that opens with the
 * client keys of its own DCID, or a long header of a reserved version
 * (0x?a?a?a?a, RFC 9000 15) that asks for Version Negotiation.  Only such
 * a packet opens a QUIC connection. */
bool ta_quic_client_initial(const ta_cur *payload);

/* ta_quic_conn_start makes |c| (new, wire direction 0 the sender of
 * |payload|, which ta_quic_client_initial accepted) a QUIC connection; 0
 * when it is no such packet or memory ran out. */
int ta_quic_conn_start(ta_conn *c, const ta_cur *payload, const ta_tls_limits *lim);

/* ta_quic_owns is true when the datagram |payload| sent in wire direction
 * |dir| belongs to |c| by its connection IDs; |strict| false also takes a
 * packet no ID contradicts. */
bool ta_quic_owns(const ta_conn *c, int dir, const ta_cur *payload, bool strict);

/* ta_quic_new_attempt is true when |payload| from |dir| is a client
 * Initial that starts another connection on |c|'s 4-tuple. */
bool ta_quic_new_attempt(const ta_conn *c, int dir, const ta_cur *payload);

/* ta_quic_datagram_in reads one UDP datagram of wire direction |dir|. */
void ta_quic_datagram_in(ta_conn *c, int dir, const ta_cur *payload, uint64_t frame,
                         const ta_tls_limits *lim);

/* ta_quic_finish delivers what reassembly still holds and words the
 * connection's warnings; call before ta_tls_finish. */
void ta_quic_finish(ta_conn *c, const ta_tls_limits *lim);

/* ta_quic_handshake_done: HANDSHAKE_DONE seen, or 1-RTT packets both ways
 * after the server's Handshake flight. */
bool ta_quic_handshake_done(const ta_conn *c);

/* ta_quic_outcome names how a QUIC handshake ended: "completed", "alert"
 * (a TLS alert as crypto error), "no_response" (client packets only, its
 * own CONNECTION_CLOSE included), "closed" (a CONNECTION_CLOSE without
 * TLS alert, or a Version Negotiation the client did not follow),
 * "incomplete". */
const char *ta_quic_outcome(const ta_conn *c);

/* ta_quic_version_mismatch: the server answered with Version Negotiation
 * and the client never came back with a version of its list. */
bool ta_quic_version_mismatch(const ta_conn *c);

/* ta_quic_conn_free frees |q| and what it holds; NULL ok. */
void ta_quic_conn_free(ta_quic_conn *q);

#endif
