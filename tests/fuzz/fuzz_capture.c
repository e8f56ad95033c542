/* fuzz_capture.c - libFuzzer target for the whole pipeline: the input is a
 * capture file (pcap or pcapng bytes) read by libpcap from memory, then
 * decoded, reassembled, parsed, derived and written as JSON. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>


#include "ta_analyze.h"
#include "ta_capture.h"
#include "ta_names.h"
#include "ta_jsonw.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void emit(void *arg, ta_conn *c)
{
    (void)arg;
    ta_jbuf b = {0};
    (void)ta_jsonw_facts(&b, c, NULL);
    ta_jbuf_free(&b);
}

static void record(void *arg, const ta_record *r)
{
    ta_analyzer_record(arg, r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ta_limits lim;
    ta_capture_info info;

    ta_names_init();
    ta_limits_default(&lim);
    lim.max_conns = 64;
    FILE *f = fmemopen((void *)data, size, "rb");
    if (f == NULL) {
        return 0;
    }
    ta_analyzer *a = ta_analyzer_new(&lim, emit, NULL);
    if (a == NULL) {
        fclose(f);
        return 0;
    }
    if (ta_capture_read_stream(f, NULL, record, a, &info) != 0) {
        fclose(f);
    }
    ta_analyzer_finish(a);
    ta_analyzer_free(a);
    return 0;
}
