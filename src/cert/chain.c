/*
 * chain.c - certificate chains judged at capture time (see ta_chain.h).
 *
 * The facts that cost OpenSSL work (parsing, path building, verification,
 * host name, strength) depend only on the certificates, the name asked for
 * and whether each certificate was inside its validity window at the
 * time; they are cached under a SHA-256 of exactly those inputs, so the
 * verdict for a repeated chain is computed once and is still exact: the
 * verify time only matters through the validity windows.  Dates, days
 * left and extraction are per connection and cheap.
 */
#include "ta_chain.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "cert_int.h"
#include "ta_escape.h"
#include "ta_facts.h"

#define DEFAULT_SLOTS 1024
#define MAX_CHAIN_FILES 10000      /* --extract-certs: chain files per run */
#define NOTE_LEN 512

typedef struct {
    uint8_t key[32];
    ta_chain_verdict *v;           /* time-independent facts; NULL: empty slot */
} slot;

struct ta_chain_ctx {
    X509_STORE *store[2];          /* by ta_side: trust for chains sent by that side */
    char *store_name[2];
    char *ca_file;                 /* for the printed verify command */
    char *ca_path;
    char *server_ca_file;
    char *extract_dir;
    size_t chain_files;            /* written so far, up to MAX_CHAIN_FILES */
    slot *slots;
    size_t mask;
    EVP_MD_CTX *md;                /* for the cache keys, reused */
    EVP_MD *sha256;                /* fetched once: an implicit fetch allocates each time */
    const ta_intercept_list *intercept;
};

static char *dup_or_null(const char *s)
{
    return s != NULL ? strdup(s) : NULL;
}

static void verdict_release(ta_chain_verdict *v);

/* load_store builds a store from |file| and/or |dir| (at least one). */
static X509_STORE *load_store(const char *file, const char *dir, char *err, size_t err_len)
{
    X509_STORE *store = NULL;
    struct stat sb;

    if (file != NULL && stat(file, &sb) == 0 && S_ISDIR(sb.st_mode)) {
        snprintf(err, err_len, "%s: a directory, not a PEM file (a hashed directory of CA "
                 "certificates goes with --ca-path)", file);
        return NULL;
    }
    if (file != NULL && access(file, R_OK) != 0) {
        snprintf(err, err_len, "%s: %s (a PEM file of trusted CA certificates is expected)",
                 file, strerror(errno));
        return NULL;
    }
    if (dir != NULL && (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode) ||
                        access(dir, R_OK | X_OK) != 0)) {
        snprintf(err, err_len, "%s: not a readable directory (--ca-path wants a directory of "
                 "CA certificates hashed with 'openssl rehash')", dir);
        return NULL;
    }
    store = X509_STORE_new();
    if (store == NULL) {
        snprintf(err, err_len, "out of memory");
        return NULL;
    }
    /* PEM text between certificates (keytool -list -rfc output) is skipped
     * by OpenSSL's PEM reader. */
    if (file != NULL && (X509_STORE_load_file(store, file) != 1 ||
                         sk_X509_OBJECT_num(X509_STORE_get0_objects(store)) == 0)) {
        ERR_clear_error();
        snprintf(err, err_len,
                 "%s: no PEM certificate found (expected '-----BEGIN CERTIFICATE-----' "
                 "blocks; convert DER with 'openssl x509 -inform der')",
                 file);
        X509_STORE_free(store);
        return NULL;
    }
    if (dir != NULL && X509_STORE_load_path(store, dir) != 1) {
        ERR_clear_error();
        snprintf(err, err_len, "%s: not a readable directory of hashed CA certificates "
                 "(run 'openssl rehash %s')", dir, dir);
        X509_STORE_free(store);
        return NULL;
    }
    return store;
}

/* is_hash_name is true for the names 'openssl rehash' gives: eight hex
 * digits of the subject hash, a dot, a decimal suffix ("5ad8a5d6.0"). */
static bool is_hash_name(const char *s)
{
    size_t i = 0;

    while (i < 8 && ((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) {
        i++;
    }
    if (i != 8 || s[i] != '.' || s[i + 1] == '\0') {
        return false;
    }
    return strspn(s + i + 1, "0123456789") == strlen(s + i + 1);
}

/* has_hashed_certs is true when one of the ':'-separated directories of
 * |dirs| holds at least one hashed certificate name.  Only names are
 * read, and the scan stops at the first match (Debian's /etc/ssl/certs
 * has about 300 entries). */
static bool has_hashed_certs(const char *dirs)
{
    char *copy = strdup(dirs);
    char *save = NULL;
    bool found = false;

    for (char *d = copy != NULL ? strtok_r(copy, ":", &save) : NULL; d != NULL && !found;
         d = strtok_r(NULL, ":", &save)) {
        DIR *dh = opendir(d);
        struct dirent *e;
        while (dh != NULL && !found && (e = readdir(dh)) != NULL) {
            found = is_hash_name(e->d_name);
        }
        if (dh != NULL) {
            closedir(dh);
        }
    }
    free(copy);
    return found;
}

static bool same_file(const char *a, const char *b)
{
    struct stat sa;
    struct stat sb;

    return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
           sa.st_ino == sb.st_ino;
}

/* system_store is the system's trust store, as OpenSSL's
 * X509_STORE_set_default_paths finds it (the SSL_CERT_DIR and
 * SSL_CERT_FILE variables, else OpenSSL's compiled-in directory and
 * bundle), but without parsing the whole bundle at start-up: that costs
 * about 27 ms a run, most of a small capture's time.  The hashed
 * directory is looked up instead: OpenSSL then reads only the
 * certificates whose subject a verification asks for.  Debian's
 * update-ca-certificates writes the bundle and the hashed links from one
 * list, so the verdicts are the same.  The bundle is still loaded when
 * the directory has no hashed names (a system that only ships the
 * bundle), and a SSL_CERT_FILE naming another file than the bundle is
 * loaded as well, as OpenSSL would.  |out_name| says which of them are
 * used: the trust_store fact.  Missing locations are not an error: the
 * verdict then says "unable to get local issuer certificate".  NULL on
 * out of memory. */
static X509_STORE *system_store(char *out_name, size_t name_len)
{
    const char *dir = secure_getenv(X509_get_default_cert_dir_env());
    const char *file = secure_getenv(X509_get_default_cert_file_env());
    const char *bundle = X509_get_default_cert_file();
    X509_STORE *store = X509_STORE_new();
    X509_LOOKUP *lookup = NULL;
    bool hashed;

    /* A SSL_CERT_DIR naming the default directory by another path (Debian
     * sets none, some images set /etc/ssl/certs) keeps the default's name
     * in the fact, as before. */
    if (dir == NULL || dir[0] == '\0' || same_file(dir, X509_get_default_cert_dir())) {
        dir = X509_get_default_cert_dir();
    }
    if (file == NULL || file[0] == '\0') {
        file = bundle;
    }
    if (store == NULL) {
        return NULL;
    }
    hashed = has_hashed_certs(dir);
    if (hashed && (strcmp(file, bundle) == 0 || same_file(file, bundle))) {
        file = NULL;    /* the same certificates as the hashed directory */
    }
    if (hashed) {
        lookup = X509_STORE_add_lookup(store, X509_LOOKUP_hash_dir());
        if (lookup == NULL) {
            X509_STORE_free(store);
            return NULL;
        }
        X509_LOOKUP_add_dir(lookup, dir, X509_FILETYPE_PEM);
    }
    if (file != NULL) {
        X509_STORE_load_file(store, file);
    }
    ERR_clear_error();
    snprintf(out_name, name_len, "system (%s%s%s)", hashed ? dir : "",
             hashed && file != NULL ? ", " : "", file != NULL ? file : "");
    return store;
}

/* The trust stores: the server side's from --ca-file/--ca-path or the
 * system's, the client side's from --server-ca-file; each with the name
 * the output gives it.  0 with |err| set. */
static int open_stores(ta_chain_ctx *ctx, const ta_chain_opts *o, char *err, size_t err_len)
{
    char name[PATH_MAX + 64];

    if (o->ca_file != NULL || o->ca_path != NULL) {
        ctx->store[TA_FROM_SERVER] = load_store(o->ca_file, o->ca_path, err, err_len);
        snprintf(name, sizeof(name), "%s%s%s%s%s", o->ca_file != NULL ? "--ca-file " : "",
                 o->ca_file != NULL ? o->ca_file : "",
                 o->ca_file != NULL && o->ca_path != NULL ? ", " : "",
                 o->ca_path != NULL ? "--ca-path " : "", o->ca_path != NULL ? o->ca_path : "");
    } else {
        ctx->store[TA_FROM_SERVER] = system_store(name, sizeof(name));
        if (ctx->store[TA_FROM_SERVER] == NULL) {
            snprintf(err, err_len, "out of memory");
        }
    }
    if (ctx->store[TA_FROM_SERVER] == NULL) {
        return 0;
    }
    ctx->store_name[TA_FROM_SERVER] = ta_escape((const uint8_t *)name, strlen(name));
    if (o->server_ca_file != NULL) {
        ctx->store[TA_FROM_CLIENT] = load_store(o->server_ca_file, NULL, err, err_len);
        if (ctx->store[TA_FROM_CLIENT] == NULL) {
            return 0;
        }
        snprintf(name, sizeof(name), "--server-ca-file %s", o->server_ca_file);
        ctx->store_name[TA_FROM_CLIENT] = ta_escape((const uint8_t *)name, strlen(name));
    }
    return 1;
}

ta_chain_ctx *ta_chain_ctx_new(const ta_chain_opts *o, char *err, size_t err_len)
{
    ta_chain_ctx *ctx = calloc(1, sizeof(*ctx));
    size_t n = o->cache_slots != 0 ? o->cache_slots : DEFAULT_SLOTS;
    size_t slots = 1;

    while (slots < n && slots < ((size_t)1 << 20)) {
        slots <<= 1;
    }
    if (ctx == NULL || (ctx->slots = calloc(slots, sizeof(slot))) == NULL) {
        snprintf(err, err_len, "out of memory");
        ta_chain_ctx_free(ctx);
        return NULL;
    }
    ctx->mask = slots - 1;
    ctx->intercept = o->intercept;
    ctx->md = EVP_MD_CTX_new();
    ctx->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
    if (ctx->md == NULL || ctx->sha256 == NULL) {
        snprintf(err, err_len, "out of memory");
        ta_chain_ctx_free(ctx);
        return NULL;
    }
    if (!open_stores(ctx, o, err, err_len)) {
        ta_chain_ctx_free(ctx);
        return NULL;
    }
    ctx->ca_file = dup_or_null(o->ca_file);
    ctx->ca_path = dup_or_null(o->ca_path);
    ctx->server_ca_file = dup_or_null(o->server_ca_file);
    ctx->extract_dir = dup_or_null(o->extract_dir);
    if (ctx->store_name[TA_FROM_SERVER] == NULL ||
        (o->server_ca_file != NULL && ctx->store_name[TA_FROM_CLIENT] == NULL) ||
        (o->ca_file != NULL && ctx->ca_file == NULL) ||
        (o->ca_path != NULL && ctx->ca_path == NULL) ||
        (o->server_ca_file != NULL && ctx->server_ca_file == NULL) ||
        (o->extract_dir != NULL && ctx->extract_dir == NULL)) {
        snprintf(err, err_len, "out of memory");
        ta_chain_ctx_free(ctx);
        return NULL;
    }
    return ctx;
}

void ta_chain_ctx_free(ta_chain_ctx *ctx)
{
    if (ctx == NULL) {
        return;
    }
    for (int s = 0; s < 2; s++) {
        X509_STORE_free(ctx->store[s]);
        free(ctx->store_name[s]);
    }
    if (ctx->slots != NULL) {
        for (size_t i = 0; i <= ctx->mask; i++) {
            verdict_release(ctx->slots[i].v);
        }
    }
    EVP_MD_CTX_free(ctx->md);
    EVP_MD_free(ctx->sha256);
    free(ctx->slots);
    free(ctx->ca_file);
    free(ctx->ca_path);
    free(ctx->server_ca_file);
    free(ctx->extract_dir);
    free(ctx);
}

const char *ta_chain_store_name(const ta_chain_ctx *ctx, ta_side side)
{
    return ctx->store_name[side];
}

/* ---- helpers ---------------------------------------------------------- */

static char *escaped(const ta_bytes *b)
{
    return ta_escape(b->data, b->len);
}

/* A certificate's subject as escaped text; NULL when it did not parse
 * (or memory ran out: the fact then reads null). */
static char *subject_of(const ta_cert *c)
{
    return c->parse_error ? NULL : escaped(&c->subject);
}

/* name_text prints an X509 name as escaped RFC 2253 text; NULL on failure. */
static char *name_text(const X509_NAME *name)
{
    ta_bytes text = {0};
    char *s = ta_x509_name_text(&text, name) ? ta_escape(text.data, text.len) : NULL;
    ta_bytes_free(&text);
    return s;
}

static void free_list(char **list, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(list[i]);
    }
    free(list);
}

static void verdict_release(ta_chain_verdict *v)
{
    if (v == NULL || --v->refs > 0) {
        return;
    }
    free(v->missing_issuer);
    free_list(v->extra, v->num_extra);
    free(v->hostname);
    free(v->key_type);
    free_list(v->weak, v->num_weak);
    free(v->verify_error);
    free(v->verify_subject);
    free(v->intercept_ca);
    free(v);
}

/* validity of |c| at |at|: 'b' before, 'v' inside, 'a' after, '?' unknown. */
static char window(const ta_cert *c, int64_t at)
{
    if (!c->times_ok) {
        return '?';
    }
    if (at < c->not_before_unix) {
        return 'b';
    }
    return at > c->not_after_unix ? 'a' : 'v';
}

static void cache_key(ta_chain_ctx *ctx, const ta_chain_in *in, uint8_t out[32])
{
    EVP_MD_CTX *md = ctx->md;
    unsigned int len = 0;
    uint8_t side = (uint8_t)in->from;
    uint64_t hl = in->host != NULL ? in->host_len : UINT64_MAX;

    memset(out, 0, 32);
    if (!EVP_DigestInit_ex(md, ctx->sha256, NULL)) {
        return;
    }
    EVP_DigestUpdate(md, &side, 1);
    EVP_DigestUpdate(md, &hl, sizeof(hl));
    if (in->host != NULL) {
        EVP_DigestUpdate(md, in->host, in->host_len);
    }
    for (size_t i = 0; i < in->num; i++) {
        char w = window(&in->certs[i], in->at);
        EVP_DigestUpdate(md, in->certs[i].sha256, sizeof(in->certs[i].sha256));
        EVP_DigestUpdate(md, &w, 1);
    }
    EVP_DigestFinal_ex(md, out, &len);
}

/* Appends "WHAT (SUBJECT)" to the verdict's weaknesses. */
static void push_weak(ta_chain_verdict *v, const ta_cert *c, const char *what)
{
    char *subj = c->parse_error ? strdup("?") : escaped(&c->subject);
    char buf[NOTE_LEN];
    char **grown = realloc(v->weak, (v->num_weak + 1) * sizeof(*grown));
    if (grown != NULL) {
        v->weak = grown;
        snprintf(buf, sizeof(buf), "%s (%s)", what, subj != NULL ? subj : "?");
        v->weak[v->num_weak] = strdup(buf);
        v->num_weak += v->weak[v->num_weak] != NULL;
    }
    free(subj);
}

static bool weak_digest(int sig_nid, const char **name)
{
    int md = NID_undef;
    int pk = NID_undef;
    if (!OBJ_find_sigid_algs(sig_nid, &md, &pk)) {
        return false;
    }
    *name = OBJ_nid2ln(sig_nid);
    return md == NID_sha1 || md == NID_md5 || md == NID_md4 || md == NID_md2 ||
           md == NID_mdc2;
}

/* strength sets the leaf's key and signature facts and lists weak keys
 * and signatures on the path. */
static void strength(ta_chain_verdict *v, X509 *const *x, const ta_cert *certs)
{
    for (size_t k = 0; k < v->num_path; k++) {
        X509 *cx = x[v->path[k]];
        const ta_cert *c = &certs[v->path[k]];
        EVP_PKEY *pk = X509_get0_pubkey(cx);
        const char *type = pk != NULL ? EVP_PKEY_get0_type_name(pk) : NULL;
        int bits = pk != NULL ? EVP_PKEY_get_bits(pk) : 0;
        const char *sig = NULL;
        char what[96];

        if (k == 0) {
            v->key_type = type != NULL ? strdup(type) : NULL;
            v->key_bits = bits;
            int nid = X509_get_signature_nid(cx);
            v->signature_algorithm = nid != NID_undef ? OBJ_nid2ln(nid) : NULL;
        }
        if (type != NULL && (strcmp(type, "RSA") == 0 || strcmp(type, "DSA") == 0) &&
            bits < 2048) {
            snprintf(what, sizeof(what), "%s key of %d bits", type, bits);
            push_weak(v, c, what);
        } else if (type != NULL && strcmp(type, "EC") == 0 && bits < 224) {
            snprintf(what, sizeof(what), "EC key of %d bits", bits);
            push_weak(v, c, what);
        }
        /* A root's signature on itself is never checked by anyone. */
        if (!c->self_signed && weak_digest(X509_get_signature_nid(cx), &sig)) {
            snprintf(what, sizeof(what), "%s signature", sig);
            push_weak(v, c, what);
        }
    }
    ERR_clear_error();
}

/* policy sets the leaf's basic constraints and key usage findings. */
static void policy(ta_chain_verdict *v, X509 *leaf, const ta_cert *c, ta_side from)
{
    uint32_t flags = X509_get_extension_flags(leaf);

    v->ca_leaf = c->is_ca && !c->self_signed;
    if (v->ca_leaf) {
        v->policy[v->num_policy++] = "the leaf is a CA certificate (CA:TRUE)";
    }
    if ((flags & EXFLAG_XKUSAGE) != 0) {
        uint32_t want = from == TA_FROM_SERVER ? XKU_SSL_SERVER : XKU_SSL_CLIENT;
        if ((X509_get_extended_key_usage(leaf) & want) == 0) {
            v->policy[v->num_policy++] = from == TA_FROM_SERVER
                                             ? "extendedKeyUsage lacks serverAuth"
                                             : "extendedKeyUsage lacks clientAuth";
        }
    }
    if ((flags & EXFLAG_KUSAGE) != 0 &&
        (X509_get_key_usage(leaf) &
         (KU_DIGITAL_SIGNATURE | KU_KEY_ENCIPHERMENT | KU_KEY_AGREEMENT)) == 0) {
        v->policy[v->num_policy++] = "keyUsage allows neither digitalSignature nor "
                                     "keyEncipherment";
    }
}

/* hostname sets hostname_match/hostname_checked against the SNI. */
static void hostname(ta_chain_verdict *v, X509 *leaf, const ta_cert *c, const ta_chain_in *in)
{
    char name[TA_MAX_NAME + 1];
    uint8_t addr[16];
    bool dns_san = false;

    v->hostname_match = -1;
    if (in->host == NULL || in->from != TA_FROM_SERVER) {
        return;
    }
    size_t n = in->host_len < TA_MAX_NAME ? in->host_len : TA_MAX_NAME;
    memcpy(name, in->host, n);
    name[n] = '\0';
    v->hostname = ta_escape(in->host, in->host_len);
    if (memchr(in->host, '\0', in->host_len) != NULL || n == 0) {
        v->hostname_match = 0;
        v->hostname_checked = "san";
        return;
    }
    if (inet_pton(AF_INET, name, addr) == 1 || inet_pton(AF_INET6, name, addr) == 1) {
        v->hostname_match = X509_check_ip_asc(leaf, name, 0) == 1;
        v->hostname_checked = "ip";
        ERR_clear_error();
        return;
    }
    for (size_t i = 0; i < c->san.num; i++) {
        if (c->san.v[i].len > 4 && memcmp(c->san.v[i].data, "DNS:", 4) == 0) {
            dns_san = true;
            break;
        }
    }
    /* OpenSSL, like browsers, reads the CN only when there is no DNS SAN;
     * wildcards cover exactly one whole left-most label. */
    int m = X509_check_host(leaf, name, n, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS, NULL);
    ERR_clear_error();
    v->hostname_match = m == 1;
    v->hostname_checked = dns_san ? "san" : "cn";
}

/* verify runs X509_verify_cert as a TLS peer would, at time |at|. */
static void verify(ta_chain_verdict *v, ta_chain_ctx *ctx, X509 *const *x, size_t n,
                   ta_side from, int64_t at)
{
    X509_STORE *store = ctx->store[from];
    X509_STORE_CTX *sctx = NULL;
    STACK_OF(X509) *untrusted = NULL;

    v->trust_store = ctx->store_name[from];
    v->trusted = -1;
    if (store == NULL || x[0] == NULL) {
        return;
    }
    sctx = X509_STORE_CTX_new();
    untrusted = sk_X509_new_null();
    for (size_t i = 1; untrusted != NULL && i < n; i++) {
        if (x[i] != NULL) {
            sk_X509_push(untrusted, x[i]);
        }
    }
    if (sctx == NULL || untrusted == NULL ||
        X509_STORE_CTX_init(sctx, store, x[0], untrusted) != 1) {
        v->verify_error = strdup("verification could not run");
        goto done;
    }
    X509_STORE_CTX_set_purpose(sctx, from == TA_FROM_SERVER ? X509_PURPOSE_SSL_SERVER
                                                            : X509_PURPOSE_SSL_CLIENT);
    X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(sctx), (time_t)at);
    if (X509_verify_cert(sctx) == 1) {
        v->trusted = 1;
    } else {
        X509 *cur = X509_STORE_CTX_get_current_cert(sctx);
        v->trusted = 0;
        v->verify_error = strdup(X509_verify_cert_error_string(X509_STORE_CTX_get_error(sctx)));
        v->have_depth = true;
        v->verify_depth = X509_STORE_CTX_get_error_depth(sctx);
        v->verify_subject = cur != NULL ? name_text(X509_get_subject_name(cur)) : NULL;
    }
done:
    ERR_clear_error();
    sk_X509_free(untrusted);   /* the certificates belong to the caller */
    X509_STORE_CTX_free(sctx);
}

/* issuer_in_store is true when the trust store holds an issuer of |x|. */
static bool issuer_in_store(X509_STORE *store, X509 *x)
{
    X509_STORE_CTX *sctx;
    X509 *issuer = NULL;
    bool found = false;

    if (store == NULL || (sctx = X509_STORE_CTX_new()) == NULL) {
        return false;
    }
    if (X509_STORE_CTX_init(sctx, store, x, NULL) == 1) {
        found = X509_STORE_CTX_get1_issuer(&issuer, sctx, x) == 1;
        X509_free(issuer);
    }
    X509_STORE_CTX_free(sctx);
    ERR_clear_error();
    return found;
}

/* The issuer path from the leaf through the certificates sent, the next
 * one preferred: each step must be a real issuer (name, AKI/SKI and key
 * usage, X509_check_issued).  |used| marks the certificates taken;
 * returns the index of the path's last certificate. */
static size_t issuer_path(ta_chain_verdict *v, X509 *const *x, const ta_cert *certs, size_t n,
                          bool *used)
{
    size_t cur = 0;
    used[0] = true;
    v->path[v->num_path++] = 0;
    while (x[cur] != NULL && !certs[cur].self_signed && v->num_path < n) {
        size_t next = n;
        for (size_t k = 0; k < n; k++) {
            size_t j = (cur + 1 + k) % n;
            if (!used[j] && x[j] != NULL && X509_check_issued(x[j], x[cur]) == X509_V_OK) {
                next = j;
                break;
            }
        }
        if (next == n) {
            break;
        }
        used[next] = true;
        v->path[v->num_path++] = (uint8_t)next;
        cur = next;
    }
    return cur;
}

/* Order, completeness and the certificates off the path. */
static void structure(ta_chain_verdict *v, ta_chain_ctx *ctx, const ta_chain_in *in,
                      X509 *const *x, size_t n, bool *used)
{
    size_t cur = issuer_path(v, x, in->certs, n, used);
    bool ordered = true;

    for (size_t k = 0; k < v->num_path; k++) {
        ordered = ordered && v->path[k] == k;
    }
    v->extra = calloc(n, sizeof(*v->extra));
    for (size_t i = 0; i < n && v->extra != NULL; i++) {
        if (!used[i]) {
            ordered = false;
            v->extra[v->num_extra++] = subject_of(&in->certs[i]);
        }
    }
    const ta_cert *end = &in->certs[cur];
    v->root_sent = end->self_signed && v->num_path > 1;
    /* Roots are usually left out: a path that ends in a CA is as complete
     * as the sender can make it; one that ends in a certificate that is no
     * CA needs its issuer from the store. */
    v->complete = x[cur] != NULL && (end->self_signed || end->is_ca ||
                                     issuer_in_store(ctx->store[in->from], x[cur]));
    v->ordered = ordered;
    v->missing_issuer = v->complete || end->parse_error ? NULL : escaped(&end->issuer);
    v->path_length = v->num_path;
}

/* interception names the first inspection product whose CA pattern
 * matches an issuer of a certificate sent, or the subject of one sent
 * after the leaf (a CA sent along). */
static void interception(ta_chain_verdict *v, const ta_intercept_list *l, const ta_cert *certs,
                         size_t n)
{
    char name[TA_MAX_NAME + 1];
    for (size_t k = 0; l != NULL && k < n && v->intercept_product == NULL; k++) {
        const ta_bytes *names[2] = {&certs[k].issuer, k > 0 ? &certs[k].subject : NULL};
        for (size_t m = 0; m < 2 && v->intercept_product == NULL; m++) {
            if (names[m] == NULL || names[m]->data == NULL || certs[k].parse_error) {
                continue;
            }
            size_t len = names[m]->len < TA_MAX_NAME ? names[m]->len : TA_MAX_NAME;
            memcpy(name, names[m]->data, len);
            name[len] = '\0';
            for (size_t i = 0; i < l->num; i++) {
                if (regexec(&l->v[i].re, name, 0, NULL, 0) == 0) {
                    v->intercept_product = l->v[i].product;
                    v->intercept_ca = escaped(names[m]);
                    break;
                }
            }
        }
    }
}

/* compute judges the time-independent facts of |in|; NULL on out of memory. */
static ta_chain_verdict *compute(ta_chain_ctx *ctx, const ta_chain_in *in)
{
    X509 *x[TA_MAX_CERTS] = {NULL};
    bool used[TA_MAX_CERTS] = {false};
    size_t n = in->num < TA_MAX_CERTS ? in->num : TA_MAX_CERTS;
    ta_chain_verdict *v = calloc(1, sizeof(*v));

    if (v == NULL) {
        return NULL;
    }
    v->refs = 1;
    for (size_t i = 0; i < n; i++) {
        x[i] = ta_cert_x509(&in->certs[i]);
        for (size_t j = 0; j < i; j++) {
            if (strcmp(in->certs[i].sha256, in->certs[j].sha256) == 0) {
                used[i] = true;   /* a duplicate is neither on the path nor extra */
                v->duplicates++;
                break;
            }
        }
    }
    v->from = in->from;
    v->length = in->num;
    v->leaf_parsed = x[0] != NULL;
    structure(v, ctx, in, x, n, used);
    v->self_signed_leaf = in->certs[0].self_signed && !in->certs[0].parse_error;
    v->hostname_match = -1;
    if (x[0] != NULL) {
        hostname(v, x[0], &in->certs[0], in);
        policy(v, x[0], &in->certs[0], in->from);
        strength(v, x, in->certs);
    }
    verify(v, ctx, x, n, in->from, in->at);
    interception(v, ctx->intercept, in->certs, n);
    for (size_t i = 0; i < n; i++) {
        X509_free(x[i]);
    }
    return v;
}

/* ---- per connection --------------------------------------------------- */

static void iso_time(int64_t t, char *out, size_t len)
{
    struct tm tm;
    time_t tt = (time_t)t;
    out[0] = '\0';
    if (gmtime_r(&tt, &tm) == NULL || strftime(out, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) {
        out[0] = '\0';
    }
}

/* Whole days from |at| to |until|, rounded towards minus infinity. */
static int64_t days_between(int64_t at, int64_t until)
{
    int64_t d = until - at;
    return d >= 0 ? d / 86400 : -((-d + 86399) / 86400);
}

static void validity(ta_chain_facts *f, const ta_chain_in *in)
{
    const ta_chain_verdict *v = f->v;

    f->have_time = in->at > 0;
    iso_time(in->at, f->capture_time, sizeof(f->capture_time));
    for (size_t k = 0; k < v->num_path && in->at > 0; k++) {
        const ta_cert *c = &in->certs[v->path[k]];
        char w = window(c, in->at);
        if (w == '?') {
            continue;
        }
        if ((w == 'a' || w == 'b') && f->invalid == NULL) {
            f->invalid = c;
        }
        f->expired = f->expired || w == 'a';
        f->not_yet_valid = f->not_yet_valid || w == 'b';
        int64_t d = days_between(in->at, c->not_after_unix);
        if (!f->have_days || d < f->days_left) {
            f->days_left = d;
            f->expires_first = c;
            f->have_days = true;
        }
    }
}

/* write_pem writes |n| certificates to |path| (via a temporary name, so
 * a reader never sees half a file); 0 on failure. */
static int write_pem(const char *path, const ta_cert *const *certs, size_t n)
{
    char tmp[PATH_MAX];
    FILE *f;
    int ok = 1;

    if (snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", path, (long)getpid()) >= (int)sizeof(tmp)) {
        return 0;
    }
    f = fopen(tmp, "w");
    if (f == NULL) {
        return 0;
    }
    for (size_t i = 0; i < n && ok; i++) {
        if (certs[i]->der_len > LONG_MAX ||
            PEM_write(f, "CERTIFICATE", "", certs[i]->der, (long)certs[i]->der_len) <= 0) {
            ok = 0;
        }
    }
    if (fclose(f) != 0) {
        ok = 0;
    }
    if (!ok || rename(tmp, path) != 0) {
        unlink(tmp);
        return 0;
    }
    return 1;
}

/* append_word appends |s| to |out| as one shell word (ta_shell_word). */
static void append_word(char *out, size_t len, const char *s)
{
    char word[PATH_MAX + 16];
    size_t o = strlen(out);
    ta_shell_word(word, sizeof(word), s);
    snprintf(out + o, len - o, "%s", word);
}

/* The command that repeats the judgement by hand: trust store, capture
 * time, purpose. */
static void verify_command(char *cmd, size_t len, const ta_chain_ctx *ctx,
                           const ta_chain_in *in, const char *chain, const char *leaf)
{
    snprintf(cmd, len, "openssl verify ");
    const char *ca = in->from == TA_FROM_SERVER ? ctx->ca_file : ctx->server_ca_file;
    if (ca != NULL) {
        strncat(cmd, "-CAfile ", len - strlen(cmd) - 1);
        append_word(cmd, len, ca);
        strncat(cmd, " ", len - strlen(cmd) - 1);
    }
    if (in->from == TA_FROM_SERVER && ctx->ca_path != NULL) {
        strncat(cmd, "-CApath ", len - strlen(cmd) - 1);
        append_word(cmd, len, ctx->ca_path);
        strncat(cmd, " ", len - strlen(cmd) - 1);
    }
    size_t l = strlen(cmd);
    snprintf(cmd + l, len - l, "-purpose %s -attime %" PRId64 " -untrusted ",
             in->from == TA_FROM_SERVER ? "sslserver" : "sslclient", in->at);
    append_word(cmd, len, chain);
    strncat(cmd, " ", len - strlen(cmd) - 1);
    append_word(cmd, len, leaf);
}

static void extract(ta_chain_facts *f, ta_chain_ctx *ctx, const ta_chain_in *in)
{
    const ta_cert *list[TA_MAX_CERTS];
    char leaf[PATH_MAX];
    char chain[PATH_MAX];
    char cmd[3 * PATH_MAX];
    size_t n = in->num < TA_MAX_CERTS ? in->num : TA_MAX_CERTS;
    bool ok = true;

    for (size_t i = 0; i < n; i++) {
        char path[PATH_MAX];
        list[i] = &in->certs[i];
        snprintf(path, sizeof(path), "%s/%s.pem", ctx->extract_dir, in->certs[i].sha256);
        if (access(path, F_OK) != 0) {
            ok = write_pem(path, &list[i], 1) && ok;
        }
    }
    snprintf(leaf, sizeof(leaf), "%s/%s.pem", ctx->extract_dir, in->certs[0].sha256);
    snprintf(chain, sizeof(chain), "%s/%s-%" PRIu64 "-%schain.pem", ctx->extract_dir,
             in->stem != NULL ? in->stem : "conn", in->id,
             in->from == TA_FROM_CLIENT ? "client-" : "");
    /* One file per certificate is bounded by the distinct certificates;
     * one per chain grows with the connections, so it is capped. */
    if (ctx->chain_files >= MAX_CHAIN_FILES) {
        f->extract_error = "chain files capped at 10000 per run; the certificates are still "
                           "written, one file each";
        return;
    }
    ctx->chain_files++;
    ok = write_pem(chain, list, n) && ok;
    if (!ok) {
        f->extract_error = "could not write the PEM files (see --extract-certs)";
    }
    verify_command(cmd, sizeof(cmd), ctx, in, chain, leaf);
    f->extracted_leaf = ta_escape((const uint8_t *)leaf, strlen(leaf));
    f->extracted_chain = ta_escape((const uint8_t *)chain, strlen(chain));
    f->verify_command = ta_escape((const uint8_t *)cmd, strlen(cmd));
}

int ta_chain_judge(ta_chain_ctx *ctx, const ta_chain_in *in, ta_chain_facts *out)
{
    uint8_t key[32];
    slot *sl;

    memset(out, 0, sizeof(*out));
    if (in->num == 0) {
        return 0;
    }
    cache_key(ctx, in, key);
    uint64_t h;
    memcpy(&h, key, sizeof(h));
    sl = &ctx->slots[h & ctx->mask];
    if (sl->v == NULL || memcmp(sl->key, key, sizeof(key)) != 0) {
        verdict_release(sl->v);
        sl->v = compute(ctx, in);
        if (sl->v == NULL) {
            return 0;
        }
        memcpy(sl->key, key, sizeof(key));
    }
    out->v = sl->v;
    out->v->refs++;
    validity(out, in);
    if (ctx->extract_dir != NULL) {
        extract(out, ctx, in);
    }
    return 1;
}

void ta_chain_facts_cleanup(ta_chain_facts *f)
{
    verdict_release(f->v);
    free(f->extracted_leaf);
    free(f->extracted_chain);
    free(f->verify_command);
    memset(f, 0, sizeof(*f));
}
