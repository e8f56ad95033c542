/*
 * ta_conn.h - one TCP connection (or QUIC connection, c->quic): its two
 * reassembled directions, the TLS record state of each, and the facts
 * learned so far.
 *
 * Directions are numbered by the wire: dir[0] carries bytes from ep[0]
 * (the sender of the first packet seen) to ep[1].  |cdir| says which wire
 * direction is client -> server once it is known (SYN, then ClientHello,
 * then ServerHello); facts store the wire direction they came from and
 * writers map it to "client"/"server".
 */
#ifndef TA_CONN_H
#define TA_CONN_H

#include <stdbool.h>
#include <stdint.h>

#include "ta_buf.h"
#include "ta_decrypt.h"
#include "ta_facts.h"
#include "ta_stream.h"

/* How the client was identified, best first. */
typedef enum {
    TA_CLIENT_UNKNOWN = 0,
    TA_CLIENT_BY_PORT,        /* guess: the higher port */
    TA_CLIENT_BY_SERVER_MSG,  /* the peer of a server-only handshake message */
    TA_CLIENT_BY_HELLO,       /* the sender of the ClientHello */
    TA_CLIENT_BY_SYN          /* the sender of the SYN */
} ta_client_how;

/* What the record layer of one direction is doing. */
typedef enum {
    TA_REC_DETECT = 0,   /* first bytes: is this TLS at all? */
    TA_REC_SCAN,         /* plaintext prefix (STARTTLS, RDP): look for a ClientHello */
    TA_REC_HEADER,       /* reading a 5-byte record header */
    TA_REC_BODY,         /* inside a record body */
    TA_REC_RESYNC,       /* after lost bytes: looking for the next record header */
    TA_REC_SSLV2,        /* SSL 2.0 record layer */
    TA_REC_OFF           /* not TLS, or nothing more to learn: bytes ignored */
} ta_rec_state;

typedef struct {
    ta_stream tcp;
    ta_rec_state state;
    uint8_t hdr[5];            /* record header being read */
    uint8_t hdr_len;
    uint8_t carry[8];          /* bytes held back while detecting or searching */
    uint8_t carry_len;
    uint64_t scanned;          /* bytes searched for a record header */
    uint8_t type;              /* current record's content type */
    uint16_t version;          /* current record's version */
    uint32_t body_len;
    uint32_t body_left;
    bool keep_body;            /* the current record's body is copied into |rec| */
    bool decrypt_body;         /* ...to be decrypted */
    bool keep_tail;            /* its last bytes are kept (TLS 1.0 CBC chains IVs) */
    uint8_t tail[TA_DEC_TAIL]; /* the last bytes of the current record's body */
    uint8_t tail_len;
    ta_buf rec;                /* small record bodies (alert, CCS) being read */
    ta_buf hs;                 /* handshake bytes awaiting a whole message */
    uint32_t hs_skip;          /* bytes of an over-cap message still to skip */
    bool is_tls;
    bool syn;
    uint32_t isn;              /* sequence number of the SYN */
    bool fin;
    uint64_t fin_frame;        /* frame of the first FIN or RST */
    uint64_t fin_only_frame;   /* frame of the first FIN, 0 if none */
    uint64_t rst_frame;        /* frame of the first RST, 0 if none */
    bool rst;
    bool ccs;                  /* ChangeCipherSpec sent */
    uint64_t ccs_frame;
    uint64_t finished_frame;   /* first encrypted handshake record (Finished) */
    uint64_t num_records;
    uint16_t first_version;    /* record version of the first record */
    uint64_t first_frame;      /* frame of the first record */
    uint64_t num_app_records;  /* content type 23 */
    uint64_t first_app_frame;
    bool post_fin_data;        /* TLS 1.3 server: data after the client's Finished */
    bool sent_data;            /* application data after the side's handshake flight */
    bool small_pending;        /* TLS 1.3 without keys: the last record was alert-sized */
    uint64_t small_frame;      /* ...and its frame and length */
    uint32_t small_len;
    uint64_t last_data_phase_frame; /* TLS 1.3: last record after the side's flight */
    uint64_t last_reply_frame; /* ...of those, the last sent before the peer closed */
    bool app_event;            /* the first application data was put on the timeline */
    bool rec_overflow;         /* an alert record too long to be clear */
    uint32_t last_app_len;
    uint64_t last_app_frame;
    uint64_t bytes;            /* payload bytes seen */
    uint32_t segments;         /* in-order pieces of payload fed (TCP segments, mostly) */
    uint8_t first_bytes[8];    /* the stream's first bytes, to name a plaintext protocol */
    uint8_t num_first_bytes;
    bool hs_cap_warned;
    bool gap_after;            /* a gap after the handshake is on the timeline */
    bool lost_track_warned;    /* said once that records after the handshake were lost */
} ta_dir;

#define TA_MAX_WARNINGS 16
#define TA_MAX_EVENTS 48

/* One step of the handshake as seen on the wire, for timelines. */
typedef enum {
    TA_EV_HANDSHAKE = 0,       /* a clear handshake message; |detail| is its type */
    TA_EV_ENCRYPTED_HANDSHAKE, /* an encrypted handshake record (Finished, TLS 1.3 flight) */
    TA_EV_CCS,
    TA_EV_ALERT,               /* |detail| indexes alerts[] */
    TA_EV_APP_DATA,            /* first application data record of a direction */
    TA_EV_GAP,                 /* bytes lost by the capture; |detail| = bytes */
    TA_EV_QUIC_CLOSE,          /* QUIC CONNECTION_CLOSE without a TLS alert */
    TA_EV_QUIC_HANDSHAKE_DONE, /* QUIC HANDSHAKE_DONE */
    TA_EV_QUIC_RETRY,          /* QUIC Retry */
    TA_EV_QUIC_VN              /* QUIC Version Negotiation */
} ta_event_kind;

typedef struct {
    uint64_t frame;
    int64_t ns;
    uint8_t dir;               /* wire direction */
    uint8_t kind;              /* ta_event_kind */
    bool decrypted;            /* seen by decrypting its record */
    uint32_t detail;
} ta_event;

/* How decryption of a connection went (only with key logs). */
typedef enum {
    TA_DECST_PENDING = 0,      /* waiting for the hellos */
    TA_DECST_NO_KEY,           /* no secret logged for this client random */
    TA_DECST_UNSUPPORTED,      /* a version or cipher suite we do not decrypt */
    TA_DECST_OK,               /* every record tried decrypted */
    TA_DECST_FAILED            /* a record did not authenticate: wrong key */
} ta_dec_state;

/* Cipher state of one wire direction. */
typedef struct {
    ta_dec_keys k;
    bool on;                   /* records of this direction are decrypted now */
    bool armed;                /* TLS <= 1.2: keys ready, waiting for this side's CCS */
    bool app_keys;             /* TLS 1.3: application traffic keys installed */
    bool last_decrypted;       /* the last type-23 record was decrypted */
    bool proven;               /* a record decrypted with the keys now installed */
    bool no_app_secret;        /* TLS 1.3: application secret missing, not yet said */
    uint32_t app_records;      /* records decrypted with application keys */
    uint64_t records;          /* records decrypted */
    uint32_t early_skipped;    /* TLS 1.3 0-RTT records skipped before the handshake keys */
    uint8_t secret[48];        /* TLS 1.3: the application traffic secret (for KeyUpdate) */
    uint8_t secret_len;
} ta_dec_dir;

/* Decryption state of a connection, allocated at its ClientHello when key
 * logs were given; owned by the connection. */
typedef struct {
    uint8_t client_random[32];
    uint8_t server_random[32];
    ta_dec_state state;
    ta_dec_dir dir[2];         /* by wire direction */
    char warning[256];         /* first problem, for the report ("" if none) */
} ta_conn_dec;

/* The hellos, and the two messages of a TLS 1.2 server flight whose facts
 * are kept: apart from ta_conn, allocated at the first of them
 * (ta_conn_hellos), so that the connections that never get that far (SYN
 * floods, scans, plain HTTP) do not carry them.  Read through ta_ch,
 * ta_sh, ta_cr and ta_skx, which give an empty one when there is none. */
typedef struct {
    ta_client_hello ch;            /* first ClientHello */
    ta_server_hello sh;            /* first real ServerHello (or the HRR if only that) */
    ta_cert_request cr;
    ta_server_kx skx;              /* first ServerKeyExchange of a (EC)DHE suite */
} ta_hellos;

typedef struct ta_conn ta_conn;
struct ta_quic_conn;                /* ta_quic_conn.h */

/* What a QUIC connection answers in place of the TCP record layer; set by
 * the QUIC stage (quic_conn.c) with c->quic, so that this stage calls no
 * later one. */
typedef struct {
    void (*free)(struct ta_quic_conn *q);
    bool (*handshake_done)(const ta_conn *c);
    const char *(*outcome)(const ta_conn *c);
} ta_quic_ops;

struct ta_conn {
    uint64_t id;                   /* order of first packet, from 0 (like tcp.stream) */
    uint8_t family;
    uint8_t addr[2][16];           /* ep[0], ep[1] */
    uint16_t port[2];
    uint64_t first_frame;
    uint64_t last_frame;
    int64_t first_ns;
    int64_t last_ns;
    int64_t now_ns;                /* timestamp of the packet being processed */
    uint32_t hash;
    ta_conn *lru_prev;             /* least recently active first */
    ta_conn *lru_next;
    bool closed;                   /* RST, or FIN both ways */
    bool judged;                   /* handshake completed: from now on records are followed by
                                      their headers, only alerts and short records kept */
    uint64_t judged_frame;         /* the frame that completed the handshake */
    bool lingering;                /* closed, kept for segments still in flight */
    bool idle_ended;               /* ended by the idle timeout */
    bool other_shard;              /* --shard: tracked for numbering only, not analysed */

    int cdir;                      /* wire direction of client -> server, -1 unknown */
    ta_client_how client_how;
    ta_dir dir[2];

    /* Facts. */
    ta_hellos *hellos;             /* NULL until the first hello (ta_conn_hellos) */
    uint32_t ch_bytes;             /* its handshake message, header included; 0 for SSLv2 */
    uint32_t ch_segments;          /* client segments up to the one that completed it */
    uint32_t num_client_hellos;
    bool have_sh;
    bool real_sh;                  /* sh is not a HelloRetryRequest */
    bool hrr;
    uint64_t hrr_frame;
    uint32_t num_server_hellos;
    int sh_dir;                    /* wire direction of the ServerHello */
    bool tls13;                    /* negotiated TLS 1.3 (or a draft) */
    bool have_cr;
    bool have_skx;
    ta_arena arena;                /* the lists of ch and cr (ta_conn_arena) */
    ta_cert *certs;                /* heap array, at most TA_MAX_CERTS */
    size_t num_certs;
    size_t num_certs_wire;         /* certificates on the wire, kept or not */
    uint64_t client_cert_frame;    /* client's Certificate message, 0 if none */
    size_t client_cert_count;      /* certificates in it (0 = empty) */
    ta_alert *alerts;              /* heap array of TA_MAX_ALERTS, allocated on first use */
    size_t num_alerts;
    size_t num_alerts_dropped;
    ta_event *events;              /* heap array of TA_MAX_EVENTS, allocated on first use */
    size_t num_events;
    size_t num_events_dropped;
    char *warnings[TA_MAX_WARNINGS];
    size_t num_warnings;
    size_t num_warnings_dropped;
    ta_conn_dec *dec;              /* NULL without key logs */
    struct ta_quic_conn *quic;     /* NULL for TCP; a QUIC connection's own state */
    const ta_quic_ops *quic_ops;   /* ...and its answers, with it */
};

/* ta_conn_hellos returns the connection's hellos to fill in, allocated on
 * first use; NULL when memory ran out. */
ta_hellos *ta_conn_hellos(ta_conn *c);

/* The hellos as read: the connection's, or one that is empty (every
 * count 0, every list empty, frames 0) when none came. */
extern const ta_hellos ta_no_hellos;

static inline const ta_hellos *ta_conn_h(const ta_conn *c)
{
    return c->hellos != NULL ? c->hellos : &ta_no_hellos;
}

static inline const ta_client_hello *ta_ch(const ta_conn *c)
{
    return &ta_conn_h(c)->ch;
}

static inline const ta_server_hello *ta_sh(const ta_conn *c)
{
    return &ta_conn_h(c)->sh;
}

static inline const ta_cert_request *ta_cr(const ta_conn *c)
{
    return &ta_conn_h(c)->cr;
}

static inline const ta_server_kx *ta_skx(const ta_conn *c)
{
    return &ta_conn_h(c)->skx;
}

/* ta_conn_client_dir returns the wire direction client -> server (0 while
 * the client is unknown). */
int ta_conn_client_dir(const ta_conn *c);

/* ta_conn_side maps a wire direction to the side that sent it; when the
 * client is still unknown, wire direction 0 is taken as the client. */
ta_side ta_conn_side(const ta_conn *c, int dir);

/* ta_conn_warn adds a formatted warning to the connection (capped). */
void ta_conn_warn(ta_conn *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* ta_conn_event appends a timeline event (capped, counted when dropped). */
void ta_conn_event(ta_conn *c, int dir, ta_event_kind kind, uint32_t detail, uint64_t frame);

/* ta_conn_set_client records that wire direction |dir| is client -> server,
 * learned by |how|; a weaker |how| never overrides a stronger one.  Facts
 * already attributed under the old guess are flipped. */
void ta_conn_set_client(ta_conn *c, int dir, ta_client_how how);

/* ta_conn_free frees everything the connection owns, then |c|; NULL ok. */
/* ta_conn_arena returns the connection's arena, for what is parsed once
 * per connection (the ClientHello's and the CertificateRequest's lists):
 * a few hundred bytes in one block instead of a dozen mallocs, given back
 * by ta_conn_free. */
ta_arena *ta_conn_arena(ta_conn *c);

void ta_conn_free(ta_conn *c);

#endif
