/*
 * ta_chain.h - a side's certificate chain judged as its peer would judge
 * it, at the time of the capture: order, completeness, host name, trust
 * (OpenSSL's X509_verify_cert against a trust store), validity, strength
 * and policy.  Optionally writes the certificates out as PEM for a manual
 * `openssl verify`.
 *
 * Everything that depends only on the certificates, the name asked for
 * and which certificates were inside their validity window is computed
 * once per distinct combination and kept in a bounded cache: a busy server
 * sends the same chain thousands of times.
 */
#ifndef TA_CHAIN_H
#define TA_CHAIN_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ta_facts.h"

/* TLS inspection products and the CA names they issue with, from the
 * rules' data files (rules/data/interception-products.yaml). */
typedef struct {
    char *product;
    char *pattern;                /* POSIX extended, case-insensitive */
    regex_t re;
} ta_intercept_ca;

typedef struct {
    ta_intercept_ca *v;
    size_t num;
} ta_intercept_list;

typedef struct {
    const char *ca_file;          /* trust for server chains (PEM); NULL: system */
    const char *ca_path;          /* hashed directory (c_rehash); NULL: system */
    const char *server_ca_file;   /* trust for client chains (mTLS); NULL: not judged */
    const char *extract_dir;      /* --extract-certs: PEM files written here */
    size_t cache_slots;           /* 0: default */
    const ta_intercept_list *intercept; /* NULL: none; must outlive the context */
} ta_chain_opts;

typedef struct ta_chain_ctx ta_chain_ctx;

/* ta_chain_ctx_new loads the trust stores; NULL with a message in |err|
 * when a file is unreadable or holds no certificate. */
ta_chain_ctx *ta_chain_ctx_new(const ta_chain_opts *o, char *err, size_t err_len);

/* ta_chain_ctx_free frees the context and its cache; NULL ok. */
void ta_chain_ctx_free(ta_chain_ctx *ctx);

/* ta_chain_store_name describes the trust store used for the chains sent
 * by |side| ("system: /usr/lib/ssl/certs", "--ca-file x.pem"), or NULL
 * when that side's chains are not judged for trust. */
const char *ta_chain_store_name(const ta_chain_ctx *ctx, ta_side side);

/* A chain to judge: the certificates of one Certificate message, leaf first. */
typedef struct {
    const ta_cert *certs;
    size_t num;
    ta_side from;
    const uint8_t *host;          /* SNI asked for, NULL when none */
    size_t host_len;
    int64_t at;                   /* capture time of the Certificate message (unix s) */
    const char *stem;             /* with |id|, names the extracted chain file: */
    uint64_t id;                  /*   "<stem>-<id>-chain.pem" */
} ta_chain_in;

/* What depends only on the certificates, the name asked for and which
 * certificates were inside their validity window: computed once per
 * distinct combination, kept in the cache and shared (by reference) with
 * every connection that sent that chain.  Strings are escaped
 * (ta_escape.h) and owned; NULL stands for JSON null.  The fields are
 * README "Certificate chains". */
typedef struct ta_chain_verdict {
    unsigned refs;                /* the cache's reference and each connection's */
    ta_side from;
    size_t length;                /* certificates sent */
    bool leaf_parsed;             /* false: leaf_parse_error, and the leaf facts are absent */
    bool ordered;
    bool complete;
    char *missing_issuer;
    size_t path_length;
    bool root_sent;
    size_t duplicates;
    char **extra;                 /* subjects off the issuer path (an entry NULL: unparsable) */
    size_t num_extra;
    bool self_signed_leaf;
    char *hostname;               /* the SNI checked (server chains), else NULL */
    int hostname_match;           /* 1, 0, or -1 for null */
    const char *hostname_checked; /* "san", "ip", "cn"; NULL for null */
    bool ca_leaf;
    const char *policy[3];        /* findings, static texts */
    size_t num_policy;
    char *key_type;
    int key_bits;
    const char *signature_algorithm;
    char **weak;
    size_t num_weak;
    const char *trust_store;      /* owned by the context */
    int trusted;                  /* 1, 0, or -1 for null (no trust store applies) */
    char *verify_error;
    bool have_depth;
    int verify_depth;
    char *verify_subject;
    const char *intercept_product; /* an inspection product's CA matched; owned by the list */
    char *intercept_ca;           /* the name that matched */
    uint8_t path[TA_MAX_CERTS];   /* indices of the issuer path, leaf first */
    size_t num_path;
} ta_chain_verdict;

/* A chain's facts for one connection: the shared verdict, plus what
 * depends on the capture time (validity at that moment) and on the
 * connection (--extract-certs file names). */
typedef struct {
    ta_chain_verdict *v;          /* referenced; released by ta_chain_facts_cleanup */
    bool have_time;               /* the Certificate frame has a time */
    char capture_time[32];        /* ISO 8601 of it */
    bool expired;
    bool not_yet_valid;
    const ta_cert *invalid;       /* first certificate of the path outside its validity */
    bool have_days;
    int64_t days_left;            /* from the capture to the first not_after on the path */
    const ta_cert *expires_first; /* the certificate that expires first */
    const char *extract_error;    /* static text, NULL when none */
    char *extracted_leaf;         /* escaped paths and command; NULL without extraction */
    char *extracted_chain;
    char *verify_command;
} ta_chain_facts;

/* ta_chain_judge fills |out| with the chain facts of |in| (README
 * "Certificate chains"); the certificates of |in| must outlive |out|,
 * which points into them.  Returns 0 (|out| zeroed) when |in| is empty
 * or memory ran out. */
int ta_chain_judge(ta_chain_ctx *ctx, const ta_chain_in *in, ta_chain_facts *out);

/* ta_chain_facts_cleanup releases the verdict and frees the extraction
 * texts; a zeroed |f| is fine. */
void ta_chain_facts_cleanup(ta_chain_facts *f);

#endif
