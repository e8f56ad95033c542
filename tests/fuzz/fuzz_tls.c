/* fuzz_tls.c - libFuzzer target for the TLS record layer and the JSON
 * writer: the input is cut into chunks (sizes and directions chosen by the
 * input's first bytes) and fed to one connection, as reassembly would. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>


#include "ta_conn.h"
#include "ta_names.h"
#include "ta_jsonw.h"
#include "ta_tls.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const ta_tls_limits lim = {4096, 4096, 512, NULL, NULL, NULL};
    ta_cur in;
    uint8_t plan = 0;
    uint64_t frame = 1;

    ta_names_init();
    ta_cur_init(&in, data, size);
    if (!ta_cur_get_u8(&in, &plan)) {
        return 0;
    }
    ta_conn *c = calloc(1, sizeof(*c));
    if (c == NULL) {
        return 0;
    }
    c->cdir = -1;
    while (ta_cur_len(&in) > 0) {
        uint8_t step;
        ta_cur chunk;
        (void)ta_cur_get_u8(&in, &step);
        size_t n = (size_t)(step & 0x3f) + 1;      /* 1..64 bytes */
        if (n > ta_cur_len(&in)) {
            n = ta_cur_len(&in);
        }
        (void)ta_cur_get_bytes(&in, &chunk, n);
        int dir = (step >> 7) & 1;
        if ((step & 0x40) && (plan & 1)) {
            ta_tls_gap(c, dir, step, frame);
        }
        ta_tls_data(c, dir, &chunk, frame++, &lim);
    }
    ta_tls_finish(c);
    (void)ta_tls_outcome(c);
    ta_jbuf b = {0};
    (void)ta_jsonw_facts(&b, c, NULL);
    ta_jbuf_free(&b);
    ta_conn_free(c);
    return 0;
}
