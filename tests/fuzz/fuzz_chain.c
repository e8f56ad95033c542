/* fuzz_chain.c - libFuzzer target for chain judgement (src/cert/chain.c) and
 * the CertificateRequest name decoding (ta_dn_push).
 *
 * Input: u8-prefixed host name (empty: no SNI), one byte of flags (bit 0:
 * a client chain, bit 1: extract certificates, bits 2-7: capture time
 * offset), then up to 8 u16-prefixed DER certificates; whatever follows
 * the last one is read as a DistinguishedName.  Each chain is judged twice
 * so the second answer comes from the cache. */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "ta_cert.h"
#include "ta_chain.h"
#include "ta_certcache.h"
#include "ta_cursor.h"
#include "ta_tls_msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static ta_chain_ctx *ctx;
static ta_chain_ctx *extract_ctx;
static char dir[] = "/tmp/fuzz-chain-XXXXXX";

static int remove_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* The extracted files go when the fuzzer exits. */
static void remove_dir(void)
{
    nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void setup(void)
{
    char err[256];
    ta_chain_opts o = {0};
    ctx = ta_chain_ctx_new(&o, err, sizeof(err));
    if (mkdtemp(dir) != NULL) {
        atexit(remove_dir);
        o.extract_dir = dir;
        extract_ctx = ta_chain_ctx_new(&o, err, sizeof(err));
    }
    if (ctx == NULL || extract_ctx == NULL) {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ta_cur in;
    ta_cur host;
    ta_cur der;
    uint8_t flags;
    ta_cert certs[8] = {{0}};
    size_t n = 0;

    if (ctx == NULL) {
        setup();
    }
    ta_cur_init(&in, data, size);
    if (!ta_cur_get_u8_prefixed(&in, &host) || !ta_cur_get_u8(&in, &flags)) {
        return 0;
    }
    while (n < 8 && ta_cur_get_u16_prefixed(&in, &der)) {
        if (ta_cert_from_der(&certs[n], &der) != TA_OK) {
            break;
        }
        certs[n].frame = n + 1;
        n++;
    }
    ta_chain_in ci = {
        .certs = certs,
        .num = n,
        .from = (flags & 1) ? TA_FROM_CLIENT : TA_FROM_SERVER,
        .host = ta_cur_len(&host) > 0 ? ta_cur_data(&host) : NULL,
        .host_len = ta_cur_len(&host),
        .at = 1700000000 + (int64_t)(flags >> 2) * 86400 * 365,
        .stem = "fuzz",
        .id = 0,
    };
    ta_chain_ctx *c = (flags & 2) ? extract_ctx : ctx;
    for (int i = 0; i < 2 && n > 0; i++) {
        ta_chain_facts f;
        if (ta_chain_judge(c, &ci, &f)) {
            ta_chain_facts_cleanup(&f);
        }
    }
    ta_bytes_list names = {0};
    (void)ta_dn_push(&names, &in);
    ta_bytes_list_free(&names);
    for (size_t i = 0; i < n; i++) {
        ta_cert_cleanup(&certs[i]);
    }
    return 0;
}
