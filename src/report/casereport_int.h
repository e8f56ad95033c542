/*
 * casereport_int.h - what the report's renderers (report_md.c,
 * report_html.c, svg.c) share with the report's state (casereport.c).
 * Not a public header: only the report modules include it.
 */
#ifndef TA_CASEREPORT_INT_H
#define TA_CASEREPORT_INT_H

#include "ta_casereport.h"

/* Caps that keep the report's memory independent of the capture. */
#define CR_MAX_CAPTURES 1000   /* captures listed with their metadata */
#define CR_MAX_WARNED 50       /* completed connections with warnings, listed */
#define CR_MAX_GROUPS 64       /* healthy groups (outcome, version, suite) */
#define CR_MAX_HEALTHY 20      /* healthy connections listed one by one */
#define CR_MAX_ARROWS 80       /* messages drawn in one diagram */

struct ta_casereport {
    ta_cr_opts o;              /* strings owned (copies) */
    FILE *sections;            /* rendered failed connections, in arrival order */
    size_t num_sections;
    size_t num_failed;         /* connections with an error diagnosis */
    size_t num_conns;
    json_t *captures;          /* [{file, summary...}], capped */
    size_t captures_dropped;
    json_t *failed_rules;      /* rule -> connections with it as root cause */
    json_t *warned;            /* [{file, id, client, server, rule, title}], capped */
    size_t num_warned;
    json_t *groups;            /* [{outcome, version, suite, connections}], capped */
    size_t grouped_other;      /* healthy connections beyond the group cap */
    json_t *healthy;           /* [{file, id, client, server, sni, ...}], capped */
    size_t num_healthy;
    char generated[32];        /* ISO 8601, when the report was started */
};

/* Small accessors: "" / 0 for a missing or mistyped member. */
const char *cr_str(json_t *o, const char *key);
long long cr_int(json_t *o, const char *key);

/* cr_time writes |t| (seconds since the epoch) as "2026-11-23T10:00:00.123Z". */
void cr_time(double t, char *buf, size_t n);

/* cr_span writes the time between a capture summary's first and last
 * packet ("3.2 ms", "4.0 min"), or "-". */
void cr_span(json_t *capture, char *buf, size_t n);

/* cr_failing returns the index into "messages" of the message that ended
 * the handshake (the ending alert), or -1 when none did; *out_close is set
 * when the TCP close (reset or FIN) at handshake.close_frame should be
 * drawn, and *out_close_fails when it is what failed. */
long cr_failing(json_t *conn, bool *out_close, bool *out_close_fails);

/* cr_message_label writes "ClientHello" / "Alert fatal unknown_ca" (fixed
 * vocabulary only; no capture-derived string) for message |m|. */
void cr_message_label(json_t *conn, json_t *m, char *buf, size_t n);

/* cr_evidence_rows returns [{frame, direction, messages, fact}] for the
 * evidence of diagnosis |d| (new reference; NULL on out of memory). */
json_t *cr_evidence_rows(json_t *conn, json_t *d);

/* cr_key_facts returns [[label, value], ...] (strings) describing |conn|:
 * hellos, certificates, alerts, and any chain/decryption objects the
 * facts carry, rendered generically. */
json_t *cr_key_facts(json_t *conn);

/* cr_followup returns {"commands": [...], "filters": [...]}: openssl
 * commands to reproduce and check, Wireshark display filters. */
json_t *cr_followup(json_t *conn);

/* Rendering: one failed connection's section into |f|, and the whole
 * document into |out| (the sections are copied from cr->sections). */
void cr_md_section(ta_casereport *cr, FILE *f, const char *file, size_t cap_idx, json_t *conn);
void cr_md_document(ta_casereport *cr, FILE *out, json_t *total);
void cr_html_section(ta_casereport *cr, FILE *f, const char *file, size_t cap_idx, json_t *conn);
void cr_html_document(ta_casereport *cr, FILE *out, json_t *total);

/* cr_copy_sections copies the rendered sections to |out|. */
void cr_copy_sections(ta_casereport *cr, FILE *out);

/* cr_html_puts writes |s| with & < > " ' escaped (text and attributes). */
void cr_html_puts(FILE *f, const char *s);

/* cr_svg_sequence writes an inline SVG sequence diagram of |conn|: client
 * and server lifelines, one arrow per message with frame and time, the
 * failing message marked (class "fail"). */
void cr_svg_sequence(FILE *f, json_t *conn);

#endif
