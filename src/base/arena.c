/* arena.c - per-connection bump allocator (see ta_arena.h). */
#include "ta_arena.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_FIRST (16 * 1024)
#define ALIGN (alignof(max_align_t))

struct ta_arena_chunk {
    ta_arena_chunk *next;      /* older chunk */
    size_t size;               /* bytes in data */
    size_t used;
    alignas(max_align_t) unsigned char data[];
};

void ta_arena_init(ta_arena *a, size_t first_size)
{
    a->head = NULL;
    a->first_size = first_size != 0 ? first_size : DEFAULT_FIRST;
    a->num_chunks = 0;
}

static ta_arena_chunk *chunk_new(size_t size)
{
    if (size > SIZE_MAX - sizeof(ta_arena_chunk)) {
        return NULL;
    }
    ta_arena_chunk *c = malloc(sizeof(*c) + size);
    if (c != NULL) {
        c->next = NULL;
        c->size = size;
        c->used = 0;
    }
    return c;
}

void *ta_arena_alloc(ta_arena *a, size_t n)
{
    ta_arena_chunk *c = a->head;
    size_t need = n > 0 ? (n + ALIGN - 1) & ~(ALIGN - 1) : ALIGN;

    if (need < n) {
        return NULL;   /* wrapped */
    }
    if (c == NULL || c->size - c->used < need) {
        /* Later chunks double, so a big connection costs few mallocs. */
        size_t size = c == NULL ? a->first_size : c->size * 2;
        if (size < need) {
            size = need;
        }
        ta_arena_chunk *fresh = chunk_new(size);
        if (fresh == NULL) {
            return NULL;
        }
        fresh->next = c;
        a->head = fresh;
        a->num_chunks++;
        c = fresh;
    }
    void *p = c->data + c->used;
    c->used += need;
    return p;
}

char *ta_arena_strndup(ta_arena *a, const char *s, size_t n)
{
    char *p = n < SIZE_MAX ? ta_arena_alloc(a, n + 1) : NULL;
    if (p != NULL) {
        if (n > 0) {
            memcpy(p, s, n);
        }
        p[n] = '\0';
    }
    return p;
}

void ta_arena_reset(ta_arena *a)
{
    ta_arena_chunk *c = a->head;
    /* Free every chunk but the oldest, which is the first one. */
    while (c != NULL && c->next != NULL) {
        ta_arena_chunk *next = c->next;
        free(c);
        c = next;
    }
    if (c != NULL && c->size != a->first_size) {
        /* The first allocation of a connection was larger than the
         * default: keep no odd-sized chunk. */
        free(c);
        c = NULL;
    }
    if (c != NULL) {
        c->used = 0;
    }
    a->head = c;
    a->num_chunks = 0;
}

void ta_arena_cleanup(ta_arena *a)
{
    ta_arena_chunk *c = a->head;
    while (c != NULL) {
        ta_arena_chunk *next = c->next;
        free(c);
        c = next;
    }
    a->head = NULL;
    a->num_chunks = 0;
}
