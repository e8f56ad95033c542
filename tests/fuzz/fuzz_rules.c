/* fuzz_rules.c - libFuzzer target for rule loading (libyaml, validation)
 * and, when a rule loads, its evaluation and templates on fixed facts. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include <jansson.h>

#include "ta_rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *FACTS =
    "{\"outcome\":\"alert\",\"client_hello\":{\"frame\":4,\"sni\":\"a\",\"cipher_suites\":[\"x\"]},"
    "\"alerts\":[{\"frame\":6,\"from\":\"server\",\"description\":\"handshake_failure\"}],"
    "\"alert\":{\"frame\":6,\"from\":\"server\"},\"sni\":{\"present\":true}}";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[64];
    char err[1024];
    int fd = memfd_create("rule", 0);
    if (fd < 0) {
        return 0;
    }
    if (write(fd, data, size) != (ssize_t)size) {
        close(fd);
        return 0;
    }
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    ta_rules *r = ta_rules_new();
    if (r != NULL && ta_rules_load_file(r, path, err, sizeof(err))) {
        json_t *facts = json_loads(FACTS, 0, NULL);
        json_t *d = ta_rules_apply(r, facts, "apigee", TA_SEV_INFO);
        json_decref(d);
        json_decref(facts);
    }
    ta_rules_free(r);
    close(fd);
    return 0;
}
