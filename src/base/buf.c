/* buf.c - capped growable buffer (see ta_buf.h). */
#include "ta_buf.h"

#include <stdlib.h>
#include <string.h>

void ta_buf_init(ta_buf *b, size_t max)
{
    b->data = NULL;
    b->len = 0;
    b->alloc = 0;
    b->max = max;
}

int ta_buf_append_cur(ta_buf *b, ta_cur *src, size_t n)
{
    if (ta_cur_len(src) < n || n > b->max - b->len) {
        return 0;
    }
    if (b->len + n > b->alloc) {
        size_t want = b->alloc != 0 ? b->alloc : 256;
        while (want < b->len + n) {
            want *= 2;
        }
        if (want > b->max) {
            want = b->max;
        }
        uint8_t *p = realloc(b->data, want);
        if (p == NULL) {
            return 0;
        }
        b->data = p;
        b->alloc = want;
    }
    if (!ta_cur_copy(src, b->data + b->len, n)) {
        return 0;
    }
    b->len += n;
    return 1;
}

int ta_buf_reserve(ta_buf *b, size_t n)
{
    if (n > b->max) {
        n = b->max;
    }
    if (n <= b->alloc) {
        return 1;
    }
    uint8_t *p = realloc(b->data, n);
    if (p == NULL) {
        return 0;
    }
    b->data = p;
    b->alloc = n;
    return 1;
}

void ta_buf_consume(ta_buf *b, size_t n)
{
    if (n >= b->len) {
        b->len = 0;
        return;
    }
    memmove(b->data, b->data + n, b->len - n);
    b->len -= n;
}

void ta_buf_view(const ta_buf *b, ta_cur *out)
{
    ta_cur_init(out, b->data, b->len);
}

void ta_buf_reset(ta_buf *b)
{
    if (b == NULL) {
        return;
    }
    free(b->data);
    b->data = NULL;
    b->len = 0;
    b->alloc = 0;
}
