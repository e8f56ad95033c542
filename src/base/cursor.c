/* cursor.c - bounds-checked reads over untrusted bytes (see ta_cursor.h). */
#include "ta_cursor.h"

#include <string.h>

void ta_cur_init(ta_cur *c, const uint8_t *data, size_t len)
{
    c->data = data;
    c->len = data != NULL ? len : 0;
}

size_t ta_cur_len(const ta_cur *c)
{
    return c->len;
}

const uint8_t *ta_cur_data(const ta_cur *c)
{
    return c->data;
}

/* The only place that checks bounds: every other getter goes through here. */
static int cur_take(ta_cur *c, const uint8_t **out, size_t n)
{
    if (c->len < n) {
        return 0;
    }
    *out = c->data;
    if (n == 0) {
        return 1;    /* data may be NULL: no pointer arithmetic on it */
    }
    c->data += n;
    c->len -= n;
    return 1;
}

int ta_cur_skip(ta_cur *c, size_t n)
{
    const uint8_t *p;
    return cur_take(c, &p, n);
}

static int cur_get_be(ta_cur *c, uint32_t *out, size_t n)
{
    const uint8_t *p;
    uint32_t v = 0;
    if (!cur_take(c, &p, n)) {
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        v = (v << 8) | p[i];
    }
    *out = v;
    return 1;
}

static int cur_get_le(ta_cur *c, uint32_t *out, size_t n)
{
    const uint8_t *p;
    uint32_t v = 0;
    if (!cur_take(c, &p, n)) {
        return 0;
    }
    for (size_t i = n; i > 0; i--) {
        v = (v << 8) | p[i - 1];
    }
    *out = v;
    return 1;
}

/* The fixed-size getters spell their bytes out: every packet header is
 * read through them. */
int ta_cur_get_u8(ta_cur *c, uint8_t *out)
{
    const uint8_t *p;
    if (!cur_take(c, &p, 1)) {
        return 0;
    }
    *out = p[0];
    return 1;
}

int ta_cur_get_u16(ta_cur *c, uint16_t *out)
{
    const uint8_t *p;
    if (!cur_take(c, &p, 2)) {
        return 0;
    }
    *out = (uint16_t)((unsigned)p[0] << 8 | p[1]);
    return 1;
}

int ta_cur_get_u24(ta_cur *c, uint32_t *out)
{
    const uint8_t *p;
    if (!cur_take(c, &p, 3)) {
        return 0;
    }
    *out = (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
    return 1;
}

int ta_cur_get_u32(ta_cur *c, uint32_t *out)
{
    const uint8_t *p;
    if (!cur_take(c, &p, 4)) {
        return 0;
    }
    *out = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
    return 1;
}

/* RFC 9000 16: 2-bit length prefix (2^prefix bytes), 62-bit value. */
int ta_cur_get_varint(ta_cur *c, uint64_t *out)
{
    const uint8_t *p;
    uint8_t first;
    if (!ta_cur_peek_u8(c, 0, &first)) {
        return 0;
    }
    size_t n = (size_t)1 << (first >> 6);
    if (!cur_take(c, &p, n)) {
        return 0;
    }
    uint64_t v = p[0] & 0x3f;
    for (size_t i = 1; i < n; i++) {
        v = (v << 8) | p[i];
    }
    *out = v;
    return 1;
}

int ta_cur_get_varint_prefixed(ta_cur *c, ta_cur *out)
{
    ta_cur saved = *c;
    uint64_t n;
    if (!ta_cur_get_varint(c, &n) || (uint64_t)(size_t)n != n ||
        !ta_cur_get_bytes(c, out, (size_t)n)) {
        *c = saved;
        return 0;
    }
    return 1;
}

int ta_cur_get_u16le(ta_cur *c, uint16_t *out)
{
    uint32_t v;
    if (!cur_get_le(c, &v, 2)) {
        return 0;
    }
    *out = (uint16_t)v;
    return 1;
}

int ta_cur_get_u32le(ta_cur *c, uint32_t *out)
{
    return cur_get_le(c, out, 4);
}

int ta_cur_get_bytes(ta_cur *c, ta_cur *out, size_t n)
{
    const uint8_t *p;
    if (!cur_take(c, &p, n)) {
        return 0;
    }
    ta_cur_init(out, p, n);
    return 1;
}

int ta_cur_copy(ta_cur *c, uint8_t *out, size_t n)
{
    const uint8_t *p;
    if (!cur_take(c, &p, n)) {
        return 0;
    }
    if (n > 0) {
        memcpy(out, p, n);
    }
    return 1;
}

static int cur_get_prefixed(ta_cur *c, ta_cur *out, size_t prefix_len)
{
    ta_cur saved = *c;
    uint32_t n;
    if (!cur_get_be(c, &n, prefix_len) || !ta_cur_get_bytes(c, out, n)) {
        *c = saved;
        return 0;
    }
    return 1;
}

int ta_cur_get_u8_prefixed(ta_cur *c, ta_cur *out)
{
    return cur_get_prefixed(c, out, 1);
}

int ta_cur_get_u16_prefixed(ta_cur *c, ta_cur *out)
{
    return cur_get_prefixed(c, out, 2);
}

int ta_cur_get_u24_prefixed(ta_cur *c, ta_cur *out)
{
    return cur_get_prefixed(c, out, 3);
}

int ta_cur_peek_u8(const ta_cur *c, size_t off, uint8_t *out)
{
    ta_cur tmp = *c;
    return ta_cur_skip(&tmp, off) && ta_cur_get_u8(&tmp, out);
}

int ta_cur_peek_u16(const ta_cur *c, size_t off, uint16_t *out)
{
    ta_cur tmp = *c;
    return ta_cur_skip(&tmp, off) && ta_cur_get_u16(&tmp, out);
}

int ta_cur_truncate(ta_cur *c, size_t n)
{
    if (c->len < n) {
        return 0;
    }
    c->len = n;
    return 1;
}

uint64_t ta_cur_hash(const ta_cur *c)
{
    /* FNV-1a over 8-byte words, then the tail byte by byte. */
    uint64_t h = 1469598103934665603u ^ c->len;
    size_t i = 0;
    for (; i + 8 <= c->len; i += 8) {
        uint64_t w;
        memcpy(&w, c->data + i, sizeof(w));
        h = (h ^ w) * 1099511628211u;
        h ^= h >> 29;
    }
    for (; i < c->len; i++) {
        h = (h ^ c->data[i]) * 1099511628211u;
    }
    return h;
}
