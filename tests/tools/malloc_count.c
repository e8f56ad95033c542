/*
 * malloc_count.c - counts heap allocations of a process, for measuring
 * allocations per connection:
 *
 *   cc -O2 -shared -fPIC -o build/malloc_count.so tests/tools/malloc_count.c -ldl
 *   LD_PRELOAD=build/malloc_count.so ./tlsanalyze --summary hs-x1.pcap
 *
 * prints "malloc_count: N malloc, N calloc, N realloc, N free" on stderr
 * at exit.  Two captures with the same traffic at different scale (the
 * bench kit's hs-x1 and hs-x50) give the cost of one more connection:
 * (count(x50) - count(x1)) / (connections(x50) - connections(x1)).
 * A development tool, not part of tlsanalyze.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static atomic_ulong n_malloc;
static atomic_ulong n_calloc;
static atomic_ulong n_realloc;
static atomic_ulong n_free;

static void *(*real_malloc)(size_t);
static void *(*real_calloc)(size_t, size_t);
static void *(*real_realloc)(void *, size_t);
static void (*real_free)(void *);

/* dlsym itself may call calloc before real_calloc is known: served from
 * a small static buffer. */
static char early[4096];
static size_t early_used;

static void init(void)
{
    if (real_malloc == NULL) {
        real_calloc = dlsym(RTLD_NEXT, "calloc");
        real_malloc = dlsym(RTLD_NEXT, "malloc");
        real_realloc = dlsym(RTLD_NEXT, "realloc");
        real_free = dlsym(RTLD_NEXT, "free");
    }
}

void *malloc(size_t n)
{
    init();
    atomic_fetch_add(&n_malloc, 1);
    return real_malloc(n);
}

void *calloc(size_t k, size_t n)
{
    if (real_calloc == NULL) {
        size_t want = (k * n + 15) & ~(size_t)15;
        if (early_used + want > sizeof(early)) {
            return NULL;
        }
        void *p = early + early_used;
        early_used += want;
        return p;   /* static memory is zero */
    }
    atomic_fetch_add(&n_calloc, 1);
    return real_calloc(k, n);
}

void *realloc(void *p, size_t n)
{
    init();
    atomic_fetch_add(&n_realloc, 1);
    return real_realloc(p, n);
}

void free(void *p)
{
    if ((char *)p >= early && (char *)p < early + sizeof(early)) {
        return;
    }
    init();
    if (p != NULL) {
        atomic_fetch_add(&n_free, 1);
    }
    real_free(p);
}

__attribute__((destructor)) static void report(void)
{
    char line[160];
    int n = snprintf(line, sizeof(line), "malloc_count: %lu malloc, %lu calloc, %lu realloc, %lu free\n",
                     (unsigned long)n_malloc, (unsigned long)n_calloc, (unsigned long)n_realloc,
                     (unsigned long)n_free);
    if (n > 0) {
        (void)!write(2, line, (size_t)n);
    }
}
