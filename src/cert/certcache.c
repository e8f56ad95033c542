/* certcache.c - parsed certificates by DER (see ta_certcache.h). */
#include "ta_certcache.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ta_cert.h"

typedef struct {
    uint64_t hash;
    bool used;
    ta_cert cert;
} slot;

struct ta_cert_cache {
    slot *slots;
    size_t mask;
};

ta_cert_cache *ta_cert_cache_new(size_t slots)
{
    size_t n = 1;
    while (n < slots) {
        n *= 2;
    }
    ta_cert_cache *c = calloc(1, sizeof(*c));
    if (c == NULL) {
        return NULL;
    }
    c->slots = calloc(n, sizeof(*c->slots));
    if (c->slots == NULL) {
        free(c);
        return NULL;
    }
    c->mask = n - 1;
    return c;
}

void ta_cert_cache_free(ta_cert_cache *cache)
{
    if (cache == NULL) {
        return;
    }
    for (size_t i = 0; i <= cache->mask; i++) {
        ta_cert_cleanup(&cache->slots[i].cert);
    }
    free(cache->slots);
    free(cache);
}

/* Room for |b|'s bytes and a NUL in a blob. */
static size_t bytes_size(const ta_bytes *b)
{
    return b->data != NULL ? b->len + 1 : 0;
}

/* Copies |src| into the blob at |*at|, NUL-terminated, as ta_bytes_set does. */
static void put_bytes(ta_bytes *dst, const ta_bytes *src, uint8_t **at)
{
    if (src->data == NULL) {
        return;
    }
    dst->data = *at;
    dst->len = src->len;
    dst->truncated = src->truncated;
    memcpy(*at, src->data, src->len);
    (*at)[src->len] = 0;
    *at += src->len + 1;
}

/* One allocation for everything a certificate owns: a busy server's chain
 * is copied into every connection that receives it. */
int ta_cert_copy(ta_cert *dst, const ta_cert *src)
{
    size_t n = src->san.num * sizeof(ta_bytes) + bytes_size(&src->subject) +
               bytes_size(&src->issuer) + bytes_size(&src->cn) + src->der_len + 1;
    for (size_t i = 0; i < src->san.num; i++) {
        n += bytes_size(&src->san.v[i]);
    }
    uint8_t *blob = malloc(n);
    if (blob == NULL) {
        return 0;
    }
    *dst = *src;
    memset(&dst->subject, 0, sizeof(dst->subject));
    memset(&dst->issuer, 0, sizeof(dst->issuer));
    memset(&dst->cn, 0, sizeof(dst->cn));
    memset(&dst->san, 0, sizeof(dst->san));
    dst->blob = blob;
    uint8_t *at = blob + src->san.num * sizeof(ta_bytes);
    if (src->san.num > 0) {
        dst->san.v = (ta_bytes *)(void *)blob;   /* malloc's alignment holds them */
        dst->san.num = src->san.num;
        dst->san.truncated = src->san.truncated;
        for (size_t i = 0; i < src->san.num; i++) {
            memset(&dst->san.v[i], 0, sizeof(ta_bytes));
            put_bytes(&dst->san.v[i], &src->san.v[i], &at);
        }
    }
    put_bytes(&dst->subject, &src->subject, &at);
    put_bytes(&dst->issuer, &src->issuer, &at);
    put_bytes(&dst->cn, &src->cn, &at);
    dst->der = at;
    if (src->der_len > 0) {
        memcpy(at, src->der, src->der_len);
    }
    return 1;
}

ta_status ta_cert_cached(ta_cert_cache *cache, ta_cert *out, const ta_cur *der)
{
    if (cache == NULL) {
        return ta_cert_from_der(out, der);
    }
    uint64_t h = ta_cur_hash(der);
    slot *s = &cache->slots[h & cache->mask];
    if (s->used && s->hash == h && s->cert.der_len == ta_cur_len(der) &&
        memcmp(s->cert.der, ta_cur_data(der), s->cert.der_len) == 0) {
        uint64_t frame = out->frame;
        ta_side from = out->from;
        ta_cert_cleanup(out);
        if (!ta_cert_copy(out, &s->cert)) {
            return TA_NOMEM;
        }
        out->frame = frame;
        out->from = from;
        return TA_OK;
    }
    ta_status st = ta_cert_from_der(out, der);
    if (st == TA_OK) {
        ta_cert_cleanup(&s->cert);
        s->used = ta_cert_copy(&s->cert, out) != 0;
        s->hash = h;
        if (!s->used) {
            ta_cert_cleanup(&s->cert);
        }
    }
    return st;
}
