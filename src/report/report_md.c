/* report_md.c - the support-case report as GitHub-flavoured Markdown
 * (see ta_casereport.h).  Every capture-derived string goes through
 * md_text, which escapes what Markdown or inline HTML would interpret. */
#include "casereport_int.h"

#include <ctype.h>
#include <string.h>

/* Escapes Markdown syntax and HTML: a name like "<script>" or "a|b" in a
 * table cell stays text.  Strings are already free of control characters
 * (ta_escape), so no newline can end a table row. */
static void md_text_n(FILE *f, const char *s, size_t n)
{
    for (const char *p = s; p < s + n; p++) {
        switch (*p) {
        case '<':
            fputs("&lt;", f);
            break;
        case '>':
            fputs("&gt;", f);
            break;
        case '&':
            fputs("&amp;", f);
            break;
        case '_':
            /* Inside a word ("unknown_ca") an underscore is no emphasis. */
            if (p == s || !isalnum((unsigned char)p[-1]) || p + 1 >= s + n ||
                !isalnum((unsigned char)p[1])) {
                fputc('\\', f);
            }
            fputc('_', f);
            break;
        case '\\': case '`': case '*': case '[': case ']': case '|': case '~':
            fputc('\\', f);
            fputc(*p, f);
            break;
        default:
            fputc(*p, f);
            break;
        }
    }
}

static void md_text(FILE *f, const char *s)
{
    md_text_n(f, s, strlen(s));
}

/* A text written by a rule, with `code` spans: the spans stay code (their
 * content is literal in Markdown), the rest is escaped.  When the
 * backticks do not pair up simply, everything is escaped. */
static void md_rich(FILE *f, const char *s)
{
    size_t ticks = 0;
    for (const char *p = s; *p != '\0'; p++) {
        ticks += *p == '`';
    }
    if (ticks % 2 != 0 || strstr(s, "``") != NULL) {
        md_text(f, s);
        return;
    }
    bool code = false;
    const char *p = s;
    for (;;) {
        size_t n = strcspn(p, "`");
        if (code) {
            fwrite(p, 1, n, f);
        } else {
            md_text_n(f, p, n);
        }
        if (p[n] == '\0') {
            break;
        }
        fputc('`', f);
        code = !code;
        p += n + 1;
    }
}

/* Mermaid labels take only a fixed set of characters. */
static void mermaid_label(FILE *f, const char *s)
{
    for (const char *p = s; *p != '\0'; p++) {
        bool ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                  (*p >= '0' && *p <= '9') || strchr(" _.+-,()", *p) != NULL;
        fputc(ok ? *p : ' ', f);
    }
}

/* The handshake as a Mermaid sequence diagram (GitHub renders it): one
 * arrow per message, the failing one drawn as a cross. */
static void md_diagram(FILE *f, json_t *conn)
{
    json_t *msgs = json_object_get(conn, "messages");
    json_t *m;
    size_t i;
    bool close_drawn;
    bool close_fails;
    long fail = cr_failing(conn, &close_drawn, &close_fails);
    double t0 = json_number_value(json_object_get(json_array_get(msgs, 0), "time"));

    fputs("```mermaid\nsequenceDiagram\n    participant C as Client\n"
          "    participant S as Server\n", f);
    json_array_foreach(msgs, i, m) {
        char label[160];
        bool client = strcmp(cr_str(m, "from"), "client") == 0;
        if (i >= CR_MAX_ARROWS) {
            fprintf(f, "    Note over C,S: %zu more messages\n", json_array_size(msgs) - i);
            break;
        }
        cr_message_label(conn, m, label, sizeof(label));
        fprintf(f, "    %s%s%s: frame %lld, +%.3f ms, ", client ? "C" : "S",
                (long)i == fail ? "-x" : "->>", client ? "S" : "C", cr_int(m, "frame"),
                (json_number_value(json_object_get(m, "time")) - t0) * 1000.0);
        mermaid_label(f, label);
        fputs((long)i == fail ? " (handshake failed here)\n" : "\n", f);
    }
    if (close_drawn) {
        json_t *hs = json_object_get(conn, "handshake");
        bool client = strcmp(cr_str(hs, "closed_by"), "client") == 0;
        fprintf(f, "    %s%s%s: frame %lld, TCP %s%s\n", client ? "C" : "S",
                close_fails ? "-x" : "-)", client ? "S" : "C", cr_int(hs, "close_frame"),
                strcmp(cr_str(conn, "outcome"), "reset") == 0 ? "RST" : "FIN",
                close_fails ? " (handshake failed here)" : "");
    }
    fputs("```\n\n", f);
}

static void md_facts_table(FILE *f, json_t *facts)
{
    json_t *row;
    size_t i;
    fputs("| fact | value |\n|---|---|\n", f);
    json_array_foreach(facts, i, row) {
        fputs("| ", f);
        md_text(f, json_string_value(json_array_get(row, 0)));
        fputs(" | ", f);
        md_text(f, json_string_value(json_array_get(row, 1)));
        fputs(" |\n", f);
    }
    fputc('\n', f);
}

static void md_diagnosis(FILE *f, json_t *conn, json_t *d)
{
    json_t *rows = cr_evidence_rows(conn, d);
    json_t *r;
    size_t i;

    fprintf(f, "**Diagnosis** (`%s`, %s): ", cr_str(d, "rule"), cr_str(d, "severity"));
    md_rich(f, cr_str(d, "summary"));
    fputs("\n\n**Fault:** ", f);
    md_text(f, cr_str(d, "fault"));
    if (json_is_string(json_object_get(d, "fixes_by"))) {
        fputs(" (fixed by: ", f);
        md_text(f, cr_str(d, "fixes_by"));
        fputc(')', f);
    }
    fputs("\n\n**Evidence**\n\n| frame | direction | message | key facts |\n|---:|---|---|---|\n", f);
    json_array_foreach(rows, i, r) {
        fprintf(f, "| %lld | %s | ", cr_int(r, "frame"), cr_str(r, "direction"));
        md_text(f, cr_str(r, "messages"));
        fputs(" | ", f);
        md_text(f, cr_str(r, "fact"));
        fputs(" |\n", f);
    }
    json_decref(rows);
    fputc('\n', f);
}

void cr_md_section(ta_casereport *cr, FILE *f, const char *file, size_t cap_idx, json_t *conn)
{
    json_t *diags = json_object_get(conn, "diagnoses");
    json_t *root = json_array_get(diags, 0);
    json_t *d;
    json_t *v;
    size_t i;
    char when[40];
    (void)cr;

    cr_time(json_number_value(json_object_get(conn, "start_time")), when, sizeof(when));
    fprintf(f, "<a id=\"c%zu-%lld\"></a>\n\n### Connection #%lld: ", cap_idx, cr_int(conn, "id"),
            cr_int(conn, "id"));
    md_text(f, cr_str(conn, "client"));
    fputs(" → ", f);
    md_text(f, cr_str(conn, "server"));
    fprintf(f, " — `%s`\n\n", cr_str(root, "rule"));
    fputs("**", f);
    md_text(f, cr_str(root, "title"));
    fputs("**\n\nCapture ", f);
    md_text(f, file);
    fprintf(f, ", frames %lld–%lld, started %s, outcome `%s`.\n\n", cr_int(conn, "first_frame"),
            cr_int(conn, "last_frame"), when, cr_str(conn, "outcome"));
    md_diagnosis(f, conn, root);
    if (json_array_size(diags) > 1) {
        fputs("Also diagnosed:\n\n", f);
        json_array_foreach(diags, i, d) {
            if (i > 0) {
                fprintf(f, "- %s `%s`: ", cr_str(d, "severity"), cr_str(d, "rule"));
                md_rich(f, cr_str(d, "summary"));
                fputc('\n', f);
            }
        }
        fputc('\n', f);
    }
    fputs("**Handshake**\n\n", f);
    md_diagram(f, conn);
    fputs("**Key facts**\n\n", f);
    json_t *facts = cr_key_facts(conn);
    md_facts_table(f, facts);
    json_decref(facts);
    fputs("**Remediation**\n\n", f);
    md_rich(f, json_is_string(json_object_get(root, "remediation"))
                   ? cr_str(root, "remediation") : "The rule gives no remediation.");
    fputs("\n\n", f);
    if (json_array_size(json_object_get(root, "references")) > 0) {
        fputs("References: ", f);
        json_array_foreach(json_object_get(root, "references"), i, v) {
            fputs(i > 0 ? "; " : "", f);
            md_text(f, json_string_value(v));
        }
        fputs("\n\n", f);
    }
    json_t *fu = cr_followup(conn);
    fputs("**Follow-up**\n\n```sh\n", f);
    json_array_foreach(json_object_get(fu, "commands"), i, v) {
        fprintf(f, "%s\n", json_string_value(v));
    }
    fputs("```\n\nWireshark display filters:", f);
    json_array_foreach(json_object_get(fu, "filters"), i, v) {
        fprintf(f, "%s `%s`", i > 0 ? "," : "", json_string_value(v));
    }
    fputs("\n\n", f);
    json_decref(fu);
}

static void md_captures(ta_casereport *cr, FILE *out)
{
    json_t *c;
    json_t *in;
    size_t i;
    size_t k;

    fputs("## Captures\n\n| file | SHA-256 | packets | first packet | last packet | span | "
          "link types |\n|---|---|---:|---|---|---:|---|\n", out);
    json_array_foreach(cr->captures, i, c) {
        char first[40];
        char last[40];
        cr_time(json_number_value(json_object_get(c, "first_time")), first, sizeof(first));
        cr_time(json_number_value(json_object_get(c, "last_time")), last, sizeof(last));
        char span[32];
        cr_span(c, span, sizeof(span));
        json_t *inputs = json_object_get(c, "inputs");
        json_array_foreach(inputs, k, in) {
            fputs("| ", out);
            md_text(out, cr_str(in, "file"));
            fputs(" | ", out);
            if (json_is_string(json_object_get(in, "sha256"))) {
                fprintf(out, "`%s`", cr_str(in, "sha256"));
            } else {
                md_text(out, cr_str(in, "note"));
            }
            if (k + 1 < json_array_size(inputs)) {
                fputs(" | | | | | |\n", out);   /* merged files: one row each */
                continue;
            }
            fprintf(out, " | %lld | %s | %s | %s | ", cr_int(c, "packets"), first, last, span);
            json_t *lt;
            size_t j;
            json_array_foreach(json_object_get(c, "linktypes"), j, lt) {
                fputs(j > 0 ? ", " : "", out);
                md_text(out, json_string_value(lt));
            }
            fputs(" |\n", out);
        }
    }
    /* After the table: a paragraph inside it would end it. */
    json_array_foreach(cr->captures, i, c) {
        if (json_is_string(json_object_get(c, "error"))) {
            fputs("\n**Could not be read:** ", out);
            md_text(out, cr_str(c, "file"));
            fputs(": ", out);
            md_text(out, cr_str(c, "error"));
            fputc('\n', out);
        }
    }
    if (cr->captures_dropped > 0) {
        fprintf(out, "\n%zu more captures are not listed (the report lists %d).\n",
                cr->captures_dropped, CR_MAX_CAPTURES);
    }
    fputc('\n', out);
}

static void md_summary(ta_casereport *cr, FILE *out, json_t *total)
{
    const char *k;
    json_t *v;
    fprintf(out, "## Summary\n\n| | connections |\n|---|---:|\n"
            "| TCP connections | %lld |\n| with TLS | %lld |\n| completed | %lld |\n"
            "| with an error diagnosis | %zu |\n\n",
            cr_int(total, "tcp_connections"), cr_int(total, "tls_connections"),
            cr_int(total, "completed"), cr->num_failed);
    if (json_object_size(cr->failed_rules) > 0) {
        fputs("| root cause | connections |\n|---|---:|\n", out);
        json_object_foreach(cr->failed_rules, k, v) {
            fprintf(out, "| `%s` | %lld |\n", k, (long long)json_integer_value(v));
        }
        fputc('\n', out);
    }
    if (cr->num_failed > cr->num_sections) {
        fprintf(out, "Only the first %zu failed connections are shown in detail (%zu more "
                "failed); `--format=json` lists every one.\n\n", cr->num_sections,
                cr->num_failed - cr->num_sections);
    }
}

static void md_healthy(ta_casereport *cr, FILE *out)
{
    json_t *v;
    size_t i;

    if (cr->num_warned > 0) {
        fprintf(out, "## Completed with warnings (%zu)\n\n| capture | # | server | SNI | rule | "
                "warning |\n|---|---:|---|---|---|---|\n", cr->num_warned);
        json_array_foreach(cr->warned, i, v) {
            fputs("| ", out);
            md_text(out, cr_str(v, "file"));
            fprintf(out, " | %lld | ", cr_int(v, "id"));
            md_text(out, cr_str(v, "server"));
            fputs(" | ", out);
            md_text(out, cr_str(v, "sni"));
            fprintf(out, " | `%s` | ", cr_str(v, "rule"));
            md_text(out, cr_str(v, "title"));
            fputs(" |\n", out);
        }
        if (cr->num_warned > json_array_size(cr->warned)) {
            fprintf(out, "\n%zu more not listed.\n", cr->num_warned - json_array_size(cr->warned));
        }
        fputc('\n', out);
    }
    fprintf(out, "## Other connections (%zu)\n\nConnections without an error diagnosis, by "
            "outcome, version and cipher suite:\n\n", cr->num_healthy);
    if (cr->num_healthy == 0) {
        fputs("None.\n", out);
        return;
    }
    fputs("| outcome | version | cipher suite | connections |\n|---|---|---|---:|\n", out);
    json_array_foreach(cr->groups, i, v) {
        fprintf(out, "| %s | ", cr_str(v, "outcome"));
        md_text(out, cr_str(v, "version")[0] != '\0' ? cr_str(v, "version") : "-");
        fputs(" | ", out);
        md_text(out, cr_str(v, "suite")[0] != '\0' ? cr_str(v, "suite") : "-");
        fprintf(out, " | %lld |\n", cr_int(v, "connections"));
    }
    if (cr->grouped_other > 0) {
        fprintf(out, "| other | | | %zu |\n", cr->grouped_other);
    }
    fprintf(out, "\nThe first %zu:\n\n| capture | # | client | server | SNI |\n"
            "|---|---:|---|---|---|\n", json_array_size(cr->healthy));
    json_array_foreach(cr->healthy, i, v) {
        fputs("| ", out);
        md_text(out, cr_str(v, "file"));
        fprintf(out, " | %lld | ", cr_int(v, "id"));
        md_text(out, cr_str(v, "client"));
        fputs(" | ", out);
        md_text(out, cr_str(v, "server"));
        fputs(" | ", out);
        md_text(out, cr_str(v, "sni"));
        fputs(" |\n", out);
    }
}

void cr_md_document(ta_casereport *cr, FILE *out, json_t *total)
{
    fprintf(out, "# TLS handshake report\n\nMade by tlsanalyze %s on %s, profile `%s`, "
            "redaction: %s.\n\nCommand line:\n\n```sh\n", cr->o.version, cr->generated,
            cr->o.profile, cr->o.redaction);
    /* A fenced block shows the command as it is; a fence inside it would
     * end the block, so backticks are not kept. */
    for (const char *p = cr->o.command_line; *p != '\0'; p++) {
        fputc(*p == '`' ? '\'' : *p, out);
    }
    fputs("\n```\n\n", out);
    md_captures(cr, out);
    md_summary(cr, out, total);
    fprintf(out, "## Failed connections (%zu)\n\n", cr->num_failed);
    if (cr->num_failed == 0) {
        fputs("None: every handshake completed or ended without an error diagnosis.\n\n", out);
    }
    cr_copy_sections(cr, out);
    md_healthy(cr, out);
}
