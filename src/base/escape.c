/* escape.c - escaping of capture-derived strings (see ta_escape.h). */
#include "ta_escape.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ta_cursor.h"

/* Decodes one UTF-8 sequence (RFC 3629 4) from |c|; returns its length in
 * bytes and the code point, or 0 if the next bytes are not valid UTF-8. */
static size_t utf8_next(const ta_cur *c, uint32_t *out_cp)
{
    uint8_t b0;
    uint8_t b;
    size_t n;
    uint32_t cp;
    uint32_t min;

    if (!ta_cur_peek_u8(c, 0, &b0)) {
        return 0;
    }
    if (b0 < 0x80) {
        *out_cp = b0;
        return 1;
    } else if ((b0 & 0xe0) == 0xc0) {
        n = 2, cp = b0 & 0x1f, min = 0x80;
    } else if ((b0 & 0xf0) == 0xe0) {
        n = 3, cp = b0 & 0x0f, min = 0x800;
    } else if ((b0 & 0xf8) == 0xf0) {
        n = 4, cp = b0 & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if (!ta_cur_peek_u8(c, i, &b) || (b & 0xc0) != 0x80) {
            return 0;
        }
        cp = (cp << 6) | (b & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
        return 0;
    }
    *out_cp = cp;
    return n;
}

static bool needs_escape(uint32_t cp)
{
    return cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f) ||
           (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) ||
           cp == 0x200e || cp == 0x200f || cp == 0x061c;
}

void ta_shell_word(char *out, size_t n, const char *s)
{
    static const char safe[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                               "0123456789._:/+,@=-";
    size_t o = 0;

    if (n == 0) {
        return;
    }
    if (s[0] != '\0' && strspn(s, safe) == strlen(s)) {
        snprintf(out, n, "%s", s);
        return;
    }
    if (n < 3) {
        out[0] = '\0';
        return;
    }
    out[o++] = '\'';
    for (const char *p = s; *p != '\0' && o + 5 < n; p++) {
        if (*p == '\'') {
            memcpy(out + o, "'\\''", 4);
            o += 4;
        } else {
            out[o++] = *p;
        }
    }
    out[o++] = '\'';
    out[o] = '\0';
}

bool ta_escape_needed(const uint8_t *data, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (data[i] < 0x20 || data[i] > 0x7e || data[i] == '\\') {
            return true;
        }
    }
    return false;
}

char *ta_escape(const uint8_t *data, size_t len)
{
    /* Worst case: every byte becomes "\xNN" (4 bytes). */
    char *out = len < (SIZE_MAX - 1) / 4 ? malloc(len * 4 + 1) : NULL;
    if (out != NULL) {
        ta_escape_to(out, data, len);
    }
    return out;
}

size_t ta_escape_to(char *out, const uint8_t *data, size_t len)
{
    size_t o = 0;
    ta_cur c;

    ta_cur_init(&c, data, len);
    while (ta_cur_len(&c) > 0) {
        uint32_t cp;
        size_t n = utf8_next(&c, &cp);
        if (n == 0) {
            uint8_t b;
            (void)ta_cur_get_u8(&c, &b);
            o += (size_t)sprintf(out + o, "\\x%02x", b);
        } else if (cp == '\\') {
            (void)ta_cur_skip(&c, 1);
            out[o++] = '\\';
            out[o++] = '\\';
        } else if (needs_escape(cp)) {
            (void)ta_cur_skip(&c, n);
            /* 1- and 2-byte code points fit in "\xNN"/"\u{XXXX}" within
             * 4 bytes per input byte; 3-byte ones ("\u{202e}") need 8 <= 12. */
            o += (size_t)(cp < 0x80 ? sprintf(out + o, "\\x%02x", (unsigned)cp)
                                    : sprintf(out + o, "\\u{%04x}", (unsigned)cp));
        } else {
            (void)ta_cur_copy(&c, (uint8_t *)out + o, n);
            o += n;
        }
    }
    out[o] = '\0';
    return o;
}
