/*
 * ta_output.h - writers: human text, one JSON document, NDJSON, or the
 * support-case report (Markdown or HTML, ta_casereport.h).
 *
 * Writers only render.  A connection's JSON and NDJSON are streamed from
 * its view by the schema (ta_jsonw.h), and its text is written from the
 * same view (ta_textw.h), with no document tree.  Only the support-case
 * report reads the streamed JSON back as a tree: it keeps connections,
 * groups and capped lists across the whole run and renders failing
 * connections (diagrams, evidence rows) after the fact.  A capture's
 * summary is a small tree built once per capture.  Memory does not grow
 * with the capture.
 */
#ifndef TA_OUTPUT_H
#define TA_OUTPUT_H

#include <stdbool.h>
#include <stdio.h>

#include <jansson.h>

#include "ta_casereport.h"
#include "ta_jsonw.h"
#include "ta_schema.h"

typedef enum {
    TA_FMT_TEXT = 0,
    TA_FMT_JSON,
    TA_FMT_NDJSON,
    TA_FMT_MARKDOWN,       /* support-case report (ta_casereport.h) */
    TA_FMT_HTML
} ta_format;

typedef struct {
    ta_format fmt;
    FILE *out;
    bool color;            /* ANSI colours (text on a terminal only) */
    bool verbose;          /* text: also list connections without TLS */
    bool summary;          /* text: the roll-up tables too */
    bool first_capture;
    bool first_conn;
    size_t hidden;         /* text: connections not shown in this capture */
    char *buf;             /* serialisation buffer, reused */
    size_t buf_size;
    ta_jbuf conn;          /* connections' JSON not written yet, reused */
    bool collect;          /* JSON/NDJSON: write connections in large pieces (not for a
                              live capture on stdin, which shows each as it ends) */
    ta_casereport *report; /* markdown/html: the report being built, owned */
    bool write_error;      /* markdown/html: the document could not be written */
} ta_writer;

/* ta_writer_init sets up a writer to |out|. */
void ta_writer_init(ta_writer *w, ta_format fmt, FILE *out, bool color, bool verbose);

/* ta_writer_report_init starts the support-case report of a markdown or
 * html writer (|opts| is copied; its kind is set from the format); 0 on
 * out of memory. */
int ta_writer_report_init(ta_writer *w, const ta_cr_opts *opts);

void ta_writer_begin(ta_writer *w);
void ta_writer_capture_begin(ta_writer *w, const char *file);
/* ta_writer_conn renders one connection, its view |v| with diagnoses.
 * The report reads it as a JSON tree, built once into *tree (NULL the
 * first time; the caller frees it) and shared by the writers of one
 * connection.  Returns 0 when memory ran out. */
int ta_writer_conn(ta_writer *w, const char *file, ta_view *v, json_t **tree);
/* ta_writer_capture_end renders the capture summary (borrowed). */
void ta_writer_capture_end(ta_writer *w, const char *file, json_t *summary);
/* ta_writer_end writes the roll-up of all captures (|total|, borrowed; NULL
 * for none), finishes the document and frees the writer's buffer. */
void ta_writer_end(ta_writer *w, json_t *total);

#endif
