/*
 * lists.c - the bounded lists and byte strings facts are kept in (see
 * ta_facts.h): lists grow by doubling up to TA_MAX_LIST and say when they
 * were cut; copies are capped at TA_MAX_NAME and NUL-terminated.
 */
#include "ta_facts.h"

#include <stdlib.h>
#include <string.h>

/* Smallest allocation of a list; lists double from here up to TA_MAX_LIST. */
#define LIST_MIN_CAP 8


/* list_reserve makes room for at least |want| elements (more than the
 * |*cap| allocated: LIST_MIN_CAP, then doubled; never more than
 * TA_MAX_LIST) in an array of |elem|-byte elements, |num| of them in use,
 * from |arena| when it is set.  Returns the (possibly moved) array, or
 * NULL on out-of-memory with |v| untouched. */
static void *list_reserve(void *v, uint32_t *cap, size_t num, size_t want, size_t elem,
                          ta_arena *arena)
{
    size_t n = *cap > 0 ? *cap : LIST_MIN_CAP;
    if (want <= *cap) {
        return v;
    }
    while (n < want) {
        n *= 2;
    }
    if (n > TA_MAX_LIST) {
        n = TA_MAX_LIST;
    }
    void *p;
    if (arena != NULL) {
        /* The old array stays in the arena, unused: lists whose length is
         * known are reserved once (ta_u32_list_reserve). */
        p = ta_arena_alloc(arena, n * elem);
        if (p != NULL && v != NULL) {
            memcpy(p, v, num * elem);   /* the |num| elements in use */
        }
    } else {
        p = realloc(v, n * elem);
    }
    if (p != NULL) {
        *cap = (uint32_t)n;   /* n <= TA_MAX_LIST */
    }
    return p;
}

int ta_u32_list_reserve(ta_u32_list *l, size_t n)
{
    if (n <= l->cap) {
        return 1;   /* also an empty list asked for nothing: v stays NULL */
    }
    uint32_t *p = list_reserve(l->v, &l->cap, l->num, n, sizeof(*p), l->arena);
    if (p == NULL) {
        return 0;
    }
    l->v = p;
    return 1;
}

int ta_u32_list_push(ta_u32_list *l, uint32_t v)
{
    uint32_t *p;

    if (l->num < l->cap) {
        l->v[l->num++] = v;   /* reserved (cap <= TA_MAX_LIST): the common case */
        return 1;
    }
    if (l->num >= TA_MAX_LIST) {
        l->truncated = true;
        return 1;
    }
    p = list_reserve(l->v, &l->cap, l->num, l->num + 1, sizeof(*p), l->arena);
    if (p == NULL) {
        return 0;
    }
    l->v = p;
    l->v[l->num] = v;
    l->num++;
    return 1;
}

void ta_u32_list_free(ta_u32_list *l)
{
    if (l == NULL) {
        return;
    }
    if (l->arena == NULL) {
        free(l->v);
    }
    memset(l, 0, sizeof(*l));
}

/* A copy of at most TA_MAX_NAME bytes of |src| into |b|, from |arena| when
 * it is set, else the heap (|b|'s old bytes freed).  NUL-terminated (not
 * counted in |len|) so that it can be handed to printf-like code after
 * escaping; it may hold NULs itself. */
static int bytes_copy(ta_bytes *b, const ta_cur *src, ta_arena *arena)
{
    ta_cur tmp = *src;
    size_t n = ta_cur_len(&tmp);
    bool cut = n > TA_MAX_NAME;

    if (cut) {
        n = TA_MAX_NAME;
    }
    uint8_t *p = arena != NULL ? ta_arena_alloc(arena, n + 1) : malloc(n + 1);
    if (p == NULL) {
        return 0;
    }
    /* n > 0 test: a cursor over (NULL, 0) must not be advanced (NULL + 0). */
    if (n > 0 && !ta_cur_copy(&tmp, p, n)) {
        /* Cannot happen: n <= ta_cur_len(&tmp). */
        if (arena == NULL) {
            free(p);
        }
        return 0;
    }
    p[n] = 0;
    if (arena == NULL) {
        ta_bytes_free(b);
    }
    b->data = p;
    b->len = n;
    b->truncated = cut;
    return 1;
}

int ta_bytes_set(ta_bytes *b, const ta_cur *src)
{
    return bytes_copy(b, src, NULL);
}

void ta_bytes_free(ta_bytes *b)
{
    if (b == NULL) {
        return;
    }
    free(b->data);
    memset(b, 0, sizeof(*b));
}

int ta_bytes_list_push(ta_bytes_list *l, const ta_cur *src)
{
    ta_bytes *p;

    if (l->num >= TA_MAX_LIST) {
        l->truncated = true;
        return 1;
    }
    p = list_reserve(l->v, &l->cap, l->num, l->num + 1, sizeof(*p), l->arena);
    if (p == NULL) {
        return 0;
    }
    l->v = p;
    ta_bytes *b = &l->v[l->num];
    memset(b, 0, sizeof(*b));
    if (!bytes_copy(b, src, l->arena)) {
        return 0;
    }
    l->num++;
    return 1;
}

void ta_bytes_list_free(ta_bytes_list *l)
{
    if (l == NULL) {
        return;
    }
    if (l->arena == NULL) {
        for (size_t i = 0; i < l->num; i++) {
            ta_bytes_free(&l->v[i]);
        }
        free(l->v);
    }
    memset(l, 0, sizeof(*l));
}

void ta_client_hello_use_arena(ta_client_hello *ch, ta_arena *a)
{
    ta_u32_list *lists[] = {&ch->cipher_suites,      &ch->compression_methods,
                            &ch->extensions,         &ch->supported_versions,
                            &ch->supported_groups,   &ch->ec_point_formats,
                            &ch->signature_algorithms, &ch->key_share_groups};
    for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
        lists[i]->arena = a;
    }
    ch->alpn.arena = a;
}

void ta_cert_request_use_arena(ta_cert_request *cr, ta_arena *a)
{
    cr->cert_types.arena = a;
    cr->signature_algorithms.arena = a;
    cr->ca_names.arena = a;
}
