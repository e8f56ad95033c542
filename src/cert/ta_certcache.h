/*
 * ta_certcache.h - each distinct certificate parsed once per capture.
 *
 * A busy server sends the same chain on every connection; parsing it with
 * OpenSSL each time dominated the run time.  The cache maps the DER bytes
 * to parsed facts (ta_cert) in a fixed number of slots, so its memory is
 * bounded: a colliding certificate replaces the one in its slot.
 */
#ifndef TA_CERTCACHE_H
#define TA_CERTCACHE_H

#include <stddef.h>

#include "ta_cursor.h"
#include "ta_facts.h"
#include "ta_status.h"

typedef struct ta_cert_cache ta_cert_cache;

/* ta_cert_cache_new returns a cache of |slots| entries (rounded up to a
 * power of two); NULL on out of memory. */
ta_cert_cache *ta_cert_cache_new(size_t slots);

/* ta_cert_cache_free frees the cache and the facts it holds; NULL ok. */
void ta_cert_cache_free(ta_cert_cache *cache);

/* ta_cert_cached fills |out| (zeroed or cleaned) with the facts of |der|,
 * from the cache when it holds them, else through ta_cert_from_der (and
 * keeps a copy).  |cache| may be NULL (no caching).  Same results and
 * ownership as ta_cert_from_der. */
ta_status ta_cert_cached(ta_cert_cache *cache, ta_cert *out, const ta_cur *der);

/* ta_cert_copy makes |dst| (zeroed) a deep copy of |src| in one allocation
 * (ta_cert_cleanup frees it); 0 on out of memory (|dst| then untouched). */
int ta_cert_copy(ta_cert *dst, const ta_cert *src);

#endif
