/*
 * ta_textw.h - a connection as human text, written straight from its view
 * (ta_schema.h): facts are read through the schema's nodes, so they come
 * escaped and, with --redact, redacted exactly as the JSON writer writes
 * them, without a document tree in between.
 */
#ifndef TA_TEXTW_H
#define TA_TEXTW_H

#include <stdbool.h>
#include <stdio.h>

#include "ta_schema.h"

/* How text is written. */
typedef struct {
    FILE *out;
    bool color;            /* ANSI colours */
    bool verbose;          /* -v: connections without TLS, and a healthy one's messages */
} ta_textw;

/* ta_textw_conn writes connection |v| (with its diagnoses) to t->out.
 * Returns false when the connection is not shown (no TLS or begun
 * mid-stream, nothing diagnosed, not verbose).  Texts made while reading
 * go to the view's arena; an allocation failure sets v->nomem. */
bool ta_textw_conn(const ta_textw *t, ta_view *v);

#endif
