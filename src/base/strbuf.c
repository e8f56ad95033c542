/* strbuf.c - growable string (see ta_strbuf.h). */
#include "ta_strbuf.h"

#include <stdlib.h>
#include <string.h>

void ta_strbuf_add(ta_strbuf *b, const char *s, size_t n)
{
    if (b->nomem) {
        return;
    }
    if (b->len + n + 1 > b->cap) {
        size_t cap = (b->len + n + 1) * 2;
        char *p = realloc(b->s, cap);
        if (p == NULL) {
            b->nomem = true;
            return;
        }
        b->s = p;
        b->cap = cap;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

void ta_strbuf_str(ta_strbuf *b, const char *s)
{
    ta_strbuf_add(b, s, strlen(s));
}

char *ta_strbuf_take(ta_strbuf *b)
{
    char *s = b->s;
    if (b->nomem) {
        free(s);
        s = NULL;
    } else if (s == NULL) {
        s = strdup("");
    }
    b->s = NULL;
    b->len = 0;
    b->cap = 0;
    b->nomem = false;
    return s;
}
