/* fuzz_report.c - libFuzzer target for --redact and the support-case
 * report: the input, cut at newlines, fills the capture-derived strings of
 * a connection (addresses, SNI, certificate names, SANs, texts with code
 * spans), escaped as the pipeline escapes them; the connection is
 * redacted, then rendered as Markdown and as HTML.  The HTML must hold no
 * "<script" of the input's making: every string is escaped. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "ta_casereport.h"
#include "ta_escape.h"
#include "ta_jsonw.h"
#include "ta_redact.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FIELDS 8

static json_t *conn_of(char **f)
{
    return json_pack(
        "{s:i, s:s, s:s, s:i, s:i, s:f, s:s,"
        " s:{s:i, s:s, s:s, s:[s]},"
        " s:{s:i, s:s, s:s},"
        " s:[{s:i, s:s, s:s, s:s, s:s, s:[s, s], s:s, s:s, s:s, s:b}],"
        " s:[{s:i, s:s, s:s, s:s, s:i, s:b}],"
        " s:[{s:i, s:f, s:s, s:s}, {s:i, s:f, s:s, s:s, s:i}],"
        " s:[s],"
        " s:{s:i, s:s, s:s},"
        " s:{s:s, s:s, s:i},"
        " s:[{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:[{s:i, s:s}], s:[s]}]}",
        "id", 3, "client", f[0], "server", f[1], "first_frame", 1, "last_frame", 9,
        "start_time", 1700000000.5, "outcome", "alert",
        "client_hello", "frame", 4, "sni", f[2], "max_version", "TLS 1.2", "cipher_suites", f[7],
        "server_hello", "frame", 6, "version", "TLS 1.2", "cipher_suite", f[7],
        "certificates", "frame", 6, "from", "server", "subject", f[3], "issuer", f[4], "cn",
        f[2], "san", f[5], f[6], "not_before", "2020-01-01T00:00:00Z", "not_after",
        "2021-01-01T00:00:00Z", "sha256", f[7], "parse_error", 0,
        "alerts", "frame", 8, "from", "client", "level", "fatal", "description", f[7], "code",
        42, "encrypted", 0,
        "messages", "frame", 4, "time", 1700000000.5, "from", "client", "message", "ClientHello",
        "frame", 8, "time", 1700000000.7, "from", "client", "message", "Alert", "alert", 0,
        "warnings", f[6],
        "alert", "frame", 8, "from", "client", "description", f[7],
        "handshake", "stage", f[7], "closed_by", "client", "close_frame", 9,
        "diagnoses", "rule", "fuzz-rule", "severity", "error", "title", f[5], "summary", f[6],
        "fault", "server", "fixes_by", f[4], "remediation", f[3], "evidence", "frame", 8, "fact",
        f[2], "references", f[1]);
}

static void render(ta_cr_kind kind, json_t *conn, const char *file)
{
    ta_cr_opts o = {kind, "fuzz", "tlsanalyze fuzz", "generic", "all", 2};
    ta_casereport *cr = ta_casereport_new(&o);
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    json_t *summary = json_pack("{s:i, s:[s], s:f, s:f, s:[{s:s, s:n, s:s}]}", "packets", 9,
                                "linktypes", "EN10MB", "first_time", 1700000000.0, "last_time",
                                1700000001.0, "inputs", "file", file, "sha256", "note", file);
    if (cr != NULL && out != NULL) {
        ta_casereport_conn(cr, file, conn);
        ta_casereport_conn(cr, file, conn);
        ta_casereport_conn(cr, file, conn);   /* beyond the cap of 2 */
        ta_casereport_capture(cr, file, summary);
        ta_casereport_finish(cr, out, summary);
        fclose(out);
        out = NULL;
        if (kind == TA_CR_HTML && buf != NULL && strcasestr(buf, "<script") != NULL) {
            abort();   /* a string of the input reached the page unescaped */
        }
    }
    if (out != NULL) {
        fclose(out);
    }
    free(buf);
    json_decref(summary);
    ta_casereport_free(cr);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *f[FIELDS] = {0};
    size_t start = 0;
    size_t k = 0;

    for (size_t i = 0; i <= size && k < FIELDS; i++) {
        if (i == size || data[i] == '\n') {
            f[k++] = ta_escape(data + start, i - start);
            start = i + 1;
        }
    }
    for (; k < FIELDS; k++) {
        f[k] = ta_escape((const uint8_t *)"", 0);
    }
    json_t *conn = conn_of(f);
    ta_redactor *r = ta_redactor_new(TA_REDACT_ALL, "fuzz", 4);
    if (conn != NULL) {
        render(TA_CR_HTML, conn, f[0]);
        render(TA_CR_MARKDOWN, conn, f[0]);
        json_t *red = r != NULL ? ta_jsonw_redacted(r, conn) : NULL;
        if (red != NULL) {
            /* The schema's view of it: only known facts, redacted by class;
             * the report needs the diagnoses, which a rule would add. */
            json_object_set(red, "diagnoses", json_object_get(conn, "diagnoses"));
            render(TA_CR_HTML, red, f[0]);
        }
        json_decref(red);
    }
    if (r != NULL) {
        char *s = ta_redact_string(r, f[6]);
        free(s);
        s = ta_redact_file(r, f[0]);
        free(s);
    }
    json_decref(conn);
    ta_redactor_free(r);
    for (k = 0; k < FIELDS; k++) {
        free(f[k]);
    }
    return 0;
}
