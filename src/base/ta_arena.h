/*
 * ta_arena.h - per-connection memory: allocations are carved from a few
 * large chunks and all given back at once when the connection has been
 * written (ta_arena_reset), so the facts, the view and the diagnoses of a
 * connection cost no malloc/free pair each.
 *
 * The first chunk is kept across resets; a connection that needs more
 * (thousands of certificates, long texts) gets further chunks, which a
 * reset frees.  Nothing is ever freed one by one.
 */
#ifndef TA_ARENA_H
#define TA_ARENA_H

#include <stddef.h>

typedef struct ta_arena_chunk ta_arena_chunk;

typedef struct {
    ta_arena_chunk *head;      /* the chunk being carved, newest first */
    size_t first_size;         /* size of the chunk kept across resets */
    size_t num_chunks;         /* malloc calls since the last reset (for tests) */
} ta_arena;

/* ta_arena_init sets up an empty arena whose first chunk will hold
 * |first_size| bytes (0: a default of 16 KiB).  Allocates nothing. */
void ta_arena_init(ta_arena *a, size_t first_size);

/* ta_arena_alloc returns |n| bytes aligned for any type, valid until the
 * next reset; NULL when memory runs out. */
void *ta_arena_alloc(ta_arena *a, size_t n);

/* ta_arena_strndup copies |n| bytes of |s| and a NUL; NULL on out of memory. */
char *ta_arena_strndup(ta_arena *a, const char *s, size_t n);

/* ta_arena_reset gives back everything allocated, keeping the first chunk. */
void ta_arena_reset(ta_arena *a);

/* ta_arena_cleanup frees every chunk; the arena may be used again. */
void ta_arena_cleanup(ta_arena *a);

#endif
