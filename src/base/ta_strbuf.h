/*
 * ta_strbuf.h - a growable NUL-terminated string for building text (rule
 * templates, redacted strings).  An allocation failure sets |nomem| and
 * every later append is ignored, so a caller checks once at the end.
 */
#ifndef TA_STRBUF_H
#define TA_STRBUF_H

#include <stdbool.h>
#include <stddef.h>

typedef struct {
    char *s;          /* NULL until the first append */
    size_t len;
    size_t cap;
    bool nomem;
} ta_strbuf;

/* ta_strbuf_add appends |n| bytes of |s|. */
void ta_strbuf_add(ta_strbuf *b, const char *s, size_t n);

/* ta_strbuf_str appends the NUL-terminated |s|. */
void ta_strbuf_str(ta_strbuf *b, const char *s);

/* ta_strbuf_take hands over the string ("" when nothing was appended) and
 * empties |b|; NULL (and the text freed) after an allocation failure. */
char *ta_strbuf_take(ta_strbuf *b);

#endif
