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

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "ta_facts.h"

typedef struct {
    const char *ca_file;          /* trust for server chains (PEM); NULL: system */
    const char *ca_path;          /* hashed directory (c_rehash); NULL: system */
    const char *server_ca_file;   /* trust for client chains (mTLS); NULL: not judged */
    const char *extract_dir;      /* --extract-certs: PEM files written here */
    size_t cache_slots;           /* 0: default */
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
    const char *conn_name;        /* names the extracted chain file: "<name>-chain.pem" */
} ta_chain_in;

/* ta_chain_json returns the chain facts of |in| as a new JSON object
 * (README "Certificate chains"); NULL on out of memory. */
json_t *ta_chain_json(ta_chain_ctx *ctx, const ta_chain_in *in);

#endif
