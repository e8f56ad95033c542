/* fuzz_cert.c - libFuzzer target for certificate handling: DER through
 * OpenSSL (ta_cert_from_der) and the certificate cache.  Input: one byte
 * of name length, a name (unused here: host names are checked by
 * fuzz_chain, whose input starts the same way), then the DER. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "ta_cert.h"
#include "ta_certcache.h"
#include "ta_cursor.h"
#include "ta_tls_msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ta_cur in;
    ta_cur name;
    ta_cert a = {0};
    ta_cert b = {0};

    ta_cur_init(&in, data, size);
    if (!ta_cur_get_u8_prefixed(&in, &name)) {
        return 0;
    }
    ta_cert_cache *cache = ta_cert_cache_new(4);
    if (ta_cert_cached(cache, &a, &in) == TA_OK) {
        (void)ta_cert_cached(cache, &b, &in);   /* the second time from the cache */
    }
    ta_cert_cleanup(&a);
    ta_cert_cleanup(&b);
    ta_cert_cache_free(cache);
    return 0;
}
