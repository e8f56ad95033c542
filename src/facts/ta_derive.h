/*
 * ta_derive.h - facts computed from the raw ones, for the rules and the
 * output (README "Derived facts"): which alert ended the handshake, where
 * it stopped, the server's response time and record version, what each
 * side's stream starts with, who closed, what both sides share, SNI
 * properties, each side's leaf certificate at capture time and its chain
 * judged as the peer would (ta_chain.h).
 *
 * Derived facts are plain C values that point into the connection they
 * were computed from; the schema (ta_schema.h) says how each one is
 * written and read.
 */
#ifndef TA_DERIVE_H
#define TA_DERIVE_H

#include <stdbool.h>
#include <stdint.h>

#include "ta_arena.h"
#include "ta_apigee.h"
#include "ta_chain.h"
#include "ta_conn.h"
#include "ta_fingerprint.h"

/* The first certificate a side sent, judged at the time it was sent. */
typedef struct {
    const ta_cert *cert;
    bool dated;                    /* dates and capture time known: the next three are facts */
    bool expired;
    bool not_yet_valid;
    int64_t days_left;             /* whole days to not_after (towards zero) */
} ta_leaf;

/* What the server's answer shows both sides share. */
typedef enum {
    TA_OVERLAP_UNKNOWN = 0,        /* no real ServerHello, no refusal: both facts absent */
    TA_OVERLAP_CHOSEN,             /* the version and suite the ServerHello chose */
    TA_OVERLAP_REFUSED             /* the server refused the version: versions empty */
} ta_overlap;

typedef struct {
    const ta_alert *alert;         /* the alert that ended the handshake; NULL: none */
    const ta_alert *first_fatal;   /* the first readable fatal alert; NULL: none */
    const char *stage;             /* handshake.stage */
    bool have_response;
    double response_ms;            /* ClientHello to the server's next record */
    bool have_record_version;
    uint16_t server_record_version;
    bool server_sent_tls;
    bool client_sent_tls;
    const char *client_protocol;   /* NULL: that side sent nothing */
    const char *server_protocol;
    int closed_by;                 /* ta_side of the first FIN or RST, -1 for none */
    uint64_t close_frame;
    uint64_t server_bytes;
    uint64_t client_bytes;
    bool client_quit;              /* handshake.client_quit_without_data */
    ta_overlap overlap;
    uint16_t overlap_version;
    uint32_t overlap_suite;
    const uint16_t *versions;      /* client_hello.supported_versions without GREASE */
    size_t num_versions;
    bool sni_present;
    bool sni_is_ip;
    bool have_leaf[2];             /* by ta_side */
    ta_leaf leaf[2];
    bool have_chain[2];
    ta_chain_facts chain[2];       /* references into the chain cache */
    ta_side rejected;              /* the side whose leaf and chain the ending alert answers */
    /* Fingerprints of the first ClientHello and of the ServerHello, texts
     * in the arena; NULL (or "") where there is none (ta_fingerprint.h).
     * Made on first use (ta_derive_fingerprints): --summary asks for them
     * only for the connections it counts by fingerprint. */
    const ta_conn *fp_conn;        /* non-NULL until they are made */
    ta_arena *fp_arena;
    bool fp_nomem;                 /* making them ran out of memory */
    const char *ja3;
    char ja3_hash[TA_JA3_HASH_LEN + 1];
    char ja4[TA_JA4_LEN + 1];
    const char *ja4_r;
    const char *ja3s;
    char ja3s_hash[TA_JA3_HASH_LEN + 1];
    /* --profile apigee, apigee-x: the connection's place (set by the
     * caller after ta_derive); has_apigee false for other profiles. */
    bool has_apigee;
    ta_apigee_place apigee;
    const char *apigee_line;       /* ta_apigee_line's, in the arena; NULL: none */
} ta_derived;

/* ta_derive computes the derived facts of |c| into |d|.  |chains| judges
 * certificate chains (NULL: no chain facts); |stem| and the connection id
 * name extracted chain files.  Lists and texts are taken from |arena|.
 * Returns 0 when memory ran out (|d| is then still safe to clean up). */
int ta_derive(ta_derived *d, const ta_conn *c, ta_chain_ctx *chains, const char *stem,
              ta_arena *arena);

/* ta_derive_fingerprints makes the fingerprints of |d| if they are not
 * made yet (into the arena given to ta_derive, which must still hold
 * this connection); false when memory ran out (d->fp_nomem). */
bool ta_derive_fingerprints(ta_derived *d);

/* ta_derived_cleanup releases the chain verdicts |d| holds. */
void ta_derived_cleanup(ta_derived *d);

#endif
