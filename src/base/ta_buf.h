/*
 * ta_buf.h - a growable byte buffer with a hard size cap (curl's dynbuf).
 *
 * Used wherever bytes must outlive a packet: partial TLS records and
 * handshake messages.  Appending past |max| fails and leaves the buffer
 * unchanged, so a hostile stream cannot make it grow without bound.
 */
#ifndef TA_BUF_H
#define TA_BUF_H

#include <stddef.h>
#include <stdint.h>

#include "ta_cursor.h"

typedef struct {
    uint8_t *data;
    size_t len;
    size_t alloc;
    size_t max;
} ta_buf;

/* ta_buf_init sets up an empty buffer that will never hold more than |max|. */
void ta_buf_init(ta_buf *b, size_t max);

/* ta_buf_append_cur moves |n| bytes from |src| into the buffer; 0 (and no
 * change to either) if |src| is shorter, the cap would be passed, or
 * memory ran out. */
int ta_buf_append_cur(ta_buf *b, ta_cur *src, size_t n);

/* ta_buf_reserve makes room for |n| bytes in all (not past |max|), so that
 * appending a message whose length is known costs one allocation; 0 when
 * memory ran out (the buffer is unchanged). */
int ta_buf_reserve(ta_buf *b, size_t n);

/* ta_buf_consume drops the first |n| bytes (n <= len). */
void ta_buf_consume(ta_buf *b, size_t n);

/* ta_buf_view sets |out| to a cursor over the buffered bytes. */
void ta_buf_view(const ta_buf *b, ta_cur *out);

/* ta_buf_reset empties the buffer and frees its memory; safe on NULL. */
void ta_buf_reset(ta_buf *b);

#endif
