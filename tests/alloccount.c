/*
 * alloccount.c - a counting allocator for measurements, loaded with
 * LD_PRELOAD (`make build/alloccount.so`; used by tests/alloc_per_conn.py
 * and `make bench`).  It counts the calls of malloc, calloc, realloc, the
 * aligned allocators and free, the bytes asked for, and the peak of the
 * bytes held (malloc_usable_size, so the allocator's rounding is in it),
 * and at exit writes one line:
 *
 *   alloccount: pid=N malloc=N calloc=N realloc=N aligned=N free=N bytes=N peak_bytes=N
 *
 * to the file named by ALLOCCOUNT_LOG (appended, so forked workers add
 * their own line), else to standard error.  A worker of -j ends with
 * _exit() and writes nothing: measure one capture at a time.
 *
 * Why LD_PRELOAD and glibc's __libc_* entry points: the release binary is
 * measured as it is (no special build of the tool), calls from OpenSSL,
 * jansson and libyaml are counted too, and no dlsym() is needed (dlsym
 * itself allocates, which would recurse).  glibc calls malloc through
 * interposable symbols, so strdup() and friends are counted as well.
 * Counters are atomics: the tool has no threads today, but a library may.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t num, size_t size);
extern void *__libc_realloc(void *ptr, size_t size);
extern void __libc_free(void *ptr);
extern void *__libc_memalign(size_t alignment, size_t size);

static atomic_ullong num_malloc;
static atomic_ullong num_calloc;
static atomic_ullong num_realloc;
static atomic_ullong num_aligned;
static atomic_ullong num_free;
static atomic_ullong bytes_asked;
static atomic_llong bytes_held;
static atomic_llong peak_held;

/* held adds |delta| bytes to what is held and raises the peak. */
static void held(long long delta)
{
    long long now = atomic_fetch_add_explicit(&bytes_held, delta, memory_order_relaxed) + delta;
    long long peak = atomic_load_explicit(&peak_held, memory_order_relaxed);

    while (now > peak &&
           !atomic_compare_exchange_weak_explicit(&peak_held, &peak, now, memory_order_relaxed,
                                                  memory_order_relaxed)) {
    }
}

static void *counted(void *p, size_t size, atomic_ullong *counter)
{
    atomic_fetch_add_explicit(counter, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&bytes_asked, size, memory_order_relaxed);
    if (p != NULL) {
        held((long long)malloc_usable_size(p));
    }
    return p;
}

void *malloc(size_t size)
{
    return counted(__libc_malloc(size), size, &num_malloc);
}

void *calloc(size_t num, size_t size)
{
    size_t total = 0;

    if (__builtin_mul_overflow(num, size, &total)) {
        total = 0;      /* calloc fails; nothing is asked for */
    }
    return counted(__libc_calloc(num, size), total, &num_calloc);
}

void free(void *ptr)
{
    if (ptr == NULL) {
        return;
    }
    atomic_fetch_add_explicit(&num_free, 1, memory_order_relaxed);
    held(-(long long)malloc_usable_size(ptr));
    __libc_free(ptr);
}

void *realloc(void *ptr, size_t size)
{
    size_t old = ptr != NULL ? malloc_usable_size(ptr) : 0;
    void *p = __libc_realloc(ptr, size);

    /* A failed realloc keeps the old block; realloc(p, 0) frees it. */
    if (p != NULL || size == 0) {
        held(-(long long)old);
    }
    return counted(p, size, &num_realloc);
}

void *memalign(size_t alignment, size_t size)
{
    return counted(__libc_memalign(alignment, size), size, &num_aligned);
}

void *aligned_alloc(size_t alignment, size_t size)
{
    return memalign(alignment, size);
}

int posix_memalign(void **out, size_t alignment, size_t size)
{
    void *p;

    if (alignment % sizeof(void *) != 0 || (alignment & (alignment - 1)) != 0) {
        return EINVAL;
    }
    p = memalign(alignment, size);
    if (p == NULL) {
        return ENOMEM;
    }
    *out = p;
    return 0;
}

void *valloc(size_t size)
{
    return memalign((size_t)sysconf(_SC_PAGESIZE), size);
}

void *pvalloc(size_t size)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    return memalign(page, (size + page - 1) / page * page);
}

/* report runs after main() has returned and the atexit handlers ran. */
__attribute__((destructor)) static void report(void)
{
    char line[320];
    const char *path = getenv("ALLOCCOUNT_LOG");
    int fd = path != NULL ? open(path, O_WRONLY | O_APPEND | O_CREAT, 0644) : STDERR_FILENO;
    int n = snprintf(line, sizeof(line),
                     "alloccount: pid=%ld malloc=%llu calloc=%llu realloc=%llu aligned=%llu "
                     "free=%llu bytes=%llu peak_bytes=%lld\n",
                     (long)getpid(), atomic_load(&num_malloc), atomic_load(&num_calloc),
                     atomic_load(&num_realloc), atomic_load(&num_aligned),
                     atomic_load(&num_free), atomic_load(&bytes_asked), atomic_load(&peak_held));

    if (fd >= 0 && n > 0) {
        ssize_t w = write(fd, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
        (void)w;
    }
    if (path != NULL && fd >= 0) {
        close(fd);
    }
}
