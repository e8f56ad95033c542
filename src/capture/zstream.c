/* zstream.c - decompressing FILE* streams for captures (see ta_zstream.h). */
#include "ta_zstream.h"

#include <errno.h>
#include <lzma.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#define IN_CHUNK 65536

size_t ta_read_head(const char *path, unsigned char *buf, size_t n)
{
    FILE *f = fopen(path, "rb");
    size_t got = 0;
    if (f != NULL) {
        got = fread(buf, 1, n, f);
        fclose(f);
    }
    return got;
}

ta_zkind ta_zkind_of(const char *path)
{
    unsigned char m[6] = {0};
    size_t n = ta_read_head(path, m, sizeof(m));
    if (n >= 2 && m[0] == 0x1f && m[1] == 0x8b) {
        return TA_Z_GZIP;
    }
    if (n >= 4 && memcmp(m, "\x28\xb5\x2f\xfd", 4) == 0) {
        return TA_Z_ZSTD;
    }
    if (n >= 6 && memcmp(m, "\xfd\x37\x7a\x58\x5a\x00", 6) == 0) {
        return TA_Z_XZ;
    }
    return TA_Z_NONE;
}

/* ---- gzip (zlib reads the file itself) */

static ssize_t gz_read(void *cookie, char *buf, size_t n)
{
    int got = gzread((gzFile)cookie, buf, n > INT32_MAX ? INT32_MAX : (unsigned)n);
    return got < 0 ? -1 : got;
}

static int gz_close(void *cookie)
{
    return gzclose((gzFile)cookie) == Z_OK ? 0 : EOF;
}

/* ---- zstd and xz share the input side */

typedef struct {
    FILE *in;
    unsigned char buf[IN_CHUNK];
    bool eof;
    ZSTD_DStream *zs;
    ZSTD_inBuffer zin;
    lzma_stream xz;
} zctx;

static ssize_t zstd_read(void *cookie, char *out, size_t n)
{
    zctx *z = cookie;
    ZSTD_outBuffer ob = {out, n, 0};
    while (ob.pos == 0) {
        if (z->zin.pos == z->zin.size) {
            if (z->eof) {
                break;
            }
            size_t got = fread(z->buf, 1, sizeof(z->buf), z->in);
            z->eof = got == 0;
            z->zin.src = z->buf;
            z->zin.size = got;
            z->zin.pos = 0;
            if (got == 0) {
                break;
            }
        }
        size_t ret = ZSTD_decompressStream(z->zs, &ob, &z->zin);
        if (ZSTD_isError(ret)) {
            errno = EIO;
            return -1;
        }
    }
    return (ssize_t)ob.pos;
}

static ssize_t xz_read(void *cookie, char *out, size_t n)
{
    zctx *z = cookie;
    z->xz.next_out = (uint8_t *)out;
    z->xz.avail_out = n;
    while (z->xz.avail_out == n) {
        if (z->xz.avail_in == 0 && !z->eof) {
            size_t got = fread(z->buf, 1, sizeof(z->buf), z->in);
            z->eof = got == 0;
            z->xz.next_in = z->buf;
            z->xz.avail_in = got;
        }
        lzma_ret ret = lzma_code(&z->xz, z->eof ? LZMA_FINISH : LZMA_RUN);
        if (ret == LZMA_STREAM_END) {
            break;
        }
        if (ret != LZMA_OK) {
            errno = EIO;
            return z->xz.avail_out < n ? (ssize_t)(n - z->xz.avail_out) : -1;
        }
        if (z->eof && z->xz.avail_in == 0 && z->xz.avail_out == n) {
            break;      /* truncated input: nothing more will come */
        }
    }
    return (ssize_t)(n - z->xz.avail_out);
}

static int z_close(void *cookie)
{
    zctx *z = cookie;
    if (z->zs != NULL) {
        ZSTD_freeDStream(z->zs);
    }
    lzma_end(&z->xz);
    fclose(z->in);
    free(z);
    return 0;
}

static FILE *open_z(const char *path, ta_zkind kind)
{
    static const cookie_io_functions_t zstd_io = {zstd_read, NULL, NULL, z_close};
    static const cookie_io_functions_t xz_io = {xz_read, NULL, NULL, z_close};
    static const lzma_stream init = LZMA_STREAM_INIT;
    zctx *z = calloc(1, sizeof(*z));
    if (z == NULL) {
        return NULL;
    }
    z->xz = init;
    z->in = fopen(path, "rb");
    bool ok = z->in != NULL;
    if (ok && kind == TA_Z_ZSTD) {
        z->zs = ZSTD_createDStream();
        ok = z->zs != NULL && !ZSTD_isError(ZSTD_initDStream(z->zs));
    } else if (ok) {
        ok = lzma_stream_decoder(&z->xz, UINT64_MAX, LZMA_CONCATENATED) == LZMA_OK;
    }
    FILE *f = ok ? fopencookie(z, "rb", kind == TA_Z_ZSTD ? zstd_io : xz_io) : NULL;
    if (f == NULL) {
        int saved = errno;
        if (z->in != NULL) {
            if (z->zs != NULL) {
                ZSTD_freeDStream(z->zs);
            }
            lzma_end(&z->xz);
            fclose(z->in);
        }
        free(z);
        errno = saved != 0 ? saved : ENOMEM;
    }
    return f;
}

FILE *ta_zopen(const char *path)
{
    static const cookie_io_functions_t gz_io = {gz_read, NULL, NULL, gz_close};
    ta_zkind kind = ta_zkind_of(path);
    if (kind == TA_Z_NONE) {
        return fopen(path, "rb");
    }
    if (kind == TA_Z_GZIP) {
        gzFile gz = gzopen(path, "rb");
        FILE *f = gz != NULL ? fopencookie(gz, "rb", gz_io) : NULL;
        if (f == NULL && gz != NULL) {
            gzclose(gz);
        }
        return f;
    }
    return open_z(path, kind);
}
