/* fuzz_keylog.c - libFuzzer target for the NSS key log parser: any text,
 * then a lookup of a random taken from the input. */
#include <stddef.h>
#include <stdint.h>

#include "ta_keylog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void ignore(void *arg, size_t line, const char *what)
{
    (void)arg;
    (void)line;
    (void)what;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ta_keylog *kl = ta_keylog_new();
    uint8_t random[TA_KL_RANDOM_LEN] = {0};
    uint8_t out[TA_KL_MAX_SECRET];
    ta_cur text;
    ta_cur head;

    if (kl == NULL) {
        return 0;
    }
    ta_cur_init(&text, data, size);
    head = text;
    (void)ta_cur_copy(&head, random, size < sizeof(random) ? size : sizeof(random));
    (void)ta_keylog_parse(kl, &text, ignore, NULL);
    for (int l = 0; l < TA_KL_NUM; l++) {
        (void)ta_keylog_get(kl, random, (ta_kl_label)l, out);
    }
    (void)ta_keylog_has_random(kl, random);
    ta_keylog_free(kl);
    return 0;
}
