/*
 * ta_zstream.h - capture files compressed with gzip, zstd or xz, read as a
 * stream (no temporary file): a FILE* that decompresses as libpcap reads.
 */
#ifndef TA_ZSTREAM_H
#define TA_ZSTREAM_H

#include <stdio.h>

typedef enum {
    TA_Z_NONE = 0,
    TA_Z_GZIP,
    TA_Z_ZSTD,
    TA_Z_XZ
} ta_zkind;

/* ta_read_head reads up to |n| first bytes of |path| into |buf|; returns
 * how many (0 if it cannot be read). */
size_t ta_read_head(const char *path, unsigned char *buf, size_t n);

/* ta_zkind_of looks at the first bytes of |path|. */
ta_zkind ta_zkind_of(const char *path);

/* ta_zopen opens |path|, decompressing when it is gzip, zstd or xz; NULL
 * (with errno set) on failure.  The caller closes it with fclose. */
FILE *ta_zopen(const char *path);

#endif
