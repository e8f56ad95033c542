/* certcache.c - parsed certificates by DER (see ta_certcache.h). */
#include "ta_certcache.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ta_tls_msg.h"

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

static uint64_t der_hash(const ta_cur *der)
{
    ta_cur c = *der;
    uint64_t h = 1469598103934665603u;
    uint8_t b;
    while (ta_cur_get_u8(&c, &b)) {
        h = (h ^ b) * 1099511628211u;
    }
    return h;
}

static int copy_bytes(ta_bytes *dst, const ta_bytes *src)
{
    ta_cur c;
    if (src->data == NULL) {
        return 1;
    }
    ta_cur_init(&c, src->data, src->len);
    if (!ta_bytes_set(dst, &c)) {
        return 0;
    }
    dst->truncated = src->truncated;
    return 1;
}

int ta_cert_copy(ta_cert *dst, const ta_cert *src)
{
    dst->frame = src->frame;
    dst->from = src->from;
    dst->parse_error = src->parse_error;
    dst->not_before_unix = src->not_before_unix;
    dst->not_after_unix = src->not_after_unix;
    dst->times_ok = src->times_ok;
    dst->is_ca = src->is_ca;
    dst->self_signed = src->self_signed;
    memcpy(dst->not_before, src->not_before, sizeof(dst->not_before));
    memcpy(dst->not_after, src->not_after, sizeof(dst->not_after));
    memcpy(dst->sha256, src->sha256, sizeof(dst->sha256));
    if (!copy_bytes(&dst->subject, &src->subject) || !copy_bytes(&dst->issuer, &src->issuer) ||
        !copy_bytes(&dst->cn, &src->cn)) {
        return 0;
    }
    for (size_t i = 0; i < src->san.num; i++) {
        ta_cur c;
        ta_cur_init(&c, src->san.v[i].data, src->san.v[i].len);
        if (!ta_bytes_list_push(&dst->san, &c)) {
            return 0;
        }
    }
    dst->san.truncated = src->san.truncated;
    dst->der = malloc(src->der_len > 0 ? src->der_len : 1);
    if (dst->der == NULL) {
        return 0;
    }
    if (src->der_len > 0) {
        memcpy(dst->der, src->der, src->der_len);
    }
    dst->der_len = src->der_len;
    return 1;
}

ta_status ta_cert_cached(ta_cert_cache *cache, ta_cert *out, const ta_cur *der)
{
    if (cache == NULL) {
        return ta_cert_from_der(out, der);
    }
    uint64_t h = der_hash(der);
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
