/*
 * ta_jsonw.h - JSON written straight into a buffer, without a document
 * tree: a connection is written by walking the schema (ta_schema.h) over
 * its view, in the schema's field order, with the contract's escaping of
 * capture strings (ta_escape.h) and JSON's quoting.  Numbers are written
 * as jansson writes them (integers in decimal, reals with 17 significant
 * digits and always a '.' or an exponent), so a tree dumped by jansson and
 * a streamed object read the same.
 */
#ifndef TA_JSONW_H
#define TA_JSONW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ta_schema.h"

/* A growable output buffer; an allocation failure sets |nomem| and later
 * writes are dropped. */
typedef struct {
    char *p;
    size_t len;
    size_t cap;
    bool nomem;
} ta_jbuf;

/* ta_jbuf_free frees the buffer's memory; ta_jbuf_clear empties it. */
void ta_jbuf_free(ta_jbuf *b);
void ta_jbuf_clear(ta_jbuf *b);

/* ta_jbuf_raw appends |n| bytes as they are. */
void ta_jbuf_raw(ta_jbuf *b, const char *s, size_t n);

/* ta_jbuf_string appends |n| bytes of valid UTF-8 as a quoted JSON string. */
void ta_jbuf_string(ta_jbuf *b, const char *s, size_t n);

/* ta_jbuf_int and ta_jbuf_real append numbers as jansson does. */
void ta_jbuf_int(ta_jbuf *b, int64_t i);
void ta_jbuf_real(ta_jbuf *b, double r);

/* ta_jsonw_value appends value |fv| of |node| (read from |v|). */
void ta_jsonw_value(ta_jbuf *b, ta_view *v, const ta_fnode *node, const ta_fval *fv);

/* ta_jsonw_conn appends connection |v| as one JSON object; with |type|
 * set it starts with "type" and "file" members (NDJSON lines).  Returns 0
 * when memory ran out. */
int ta_jsonw_conn(ta_jbuf *b, ta_view *v, const char *type, const char *file);

/* ta_jsonw_facts appends the facts of |c| (derived too, chains judged by
 * |chains| when not NULL; no diagnoses) as one JSON object: what the
 * pipeline writes before the rules, for tests and fuzzing.  0 when memory
 * ran out. */
int ta_jsonw_facts(ta_jbuf *b, const ta_conn *c, ta_chain_ctx *chains);

/* ta_jsonw_redacted returns a new JSON object: the connection |conn|
 * (facts given as JSON) written again through the schema, redacted by
 * |r| as each fact's class says.  Members the schema does not know are
 * left out.  NULL on out of memory. */
json_t *ta_jsonw_redacted(ta_redactor *r, json_t *conn);

#endif
