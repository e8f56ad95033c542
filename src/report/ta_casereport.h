/*
 * ta_casereport.h - the support-case report: one Markdown or one
 * self-contained HTML document for a whole run.
 *
 * The report is streamed: failed connections are rendered as they arrive
 * into a temporary file (at most |max_sections| of them in detail), healthy
 * connections are only counted and grouped (a capped list is kept), and at
 * the end the document is written to its destination in reading order:
 * metadata, summary, failed connections, warnings, healthy connections.
 * Memory does not grow with the number of connections.
 */
#ifndef TA_CASEREPORT_H
#define TA_CASEREPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

typedef enum {
    TA_CR_MARKDOWN = 0,
    TA_CR_HTML
} ta_cr_kind;

typedef struct {
    ta_cr_kind kind;
    const char *version;       /* tlsanalyze version */
    const char *command_line;  /* as shown in the report (already redacted) */
    const char *profile;       /* remediation profile ("generic", "apigee") */
    const char *redaction;     /* "none", "ips" or "all" */
    size_t max_sections;       /* failed connections shown in detail */
} ta_cr_opts;

typedef struct ta_casereport ta_casereport;

/* ta_casereport_new starts a report (|o| is copied, its strings too);
 * NULL on out of memory or when no temporary file can be made. */
ta_casereport *ta_casereport_new(const ta_cr_opts *o);

/* ta_casereport_free frees the report and its temporary file; NULL ok. */
void ta_casereport_free(ta_casereport *cr);

/* ta_casereport_conn takes one connection (borrowed) of capture |file|:
 * a connection with an error-severity diagnosis gets a section, others
 * are counted and grouped. */
void ta_casereport_conn(ta_casereport *cr, const char *file, json_t *conn);

/* ta_casereport_capture records a capture's summary (borrowed; its
 * "inputs" member, when present, lists files with their SHA-256). */
void ta_casereport_capture(ta_casereport *cr, const char *file, json_t *summary);

/* ta_casereport_finish writes the whole document to |out|; |total| is the
 * roll-up of all captures (borrowed, may be NULL).  0 on a write error. */
int ta_casereport_finish(ta_casereport *cr, FILE *out, json_t *total);

/* ta_file_sha256 hashes the file at |path| (streaming, 64 KiB at a time)
 * into |out_hex| (65 bytes); 0 when it cannot be read. */
int ta_file_sha256(const char *path, char out_hex[65]);

#endif
