/* fuzz_zstream.c - libFuzzer target for the decompressing streams: the
 * input (gzip, zstd or xz bytes, or anything) is opened with ta_zopen and
 * read to the end. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ta_zstream.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[64];
    char buf[4096];
    int fd = memfd_create("z", 0);
    if (fd < 0) {
        return 0;
    }
    if (write(fd, data, size) == (ssize_t)size) {
        snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
        FILE *f = ta_zopen(path);
        size_t total = 0;
        while (f != NULL && total < (64u << 20)) {
            size_t n = fread(buf, 1, sizeof(buf), f);
            if (n == 0) {
                break;
            }
            total += n;
        }
        if (f != NULL) {
            fclose(f);
        }
    }
    close(fd);
    return 0;
}
