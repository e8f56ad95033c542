/* report_html.c - the support-case report as one self-contained HTML page
 * (see ta_casereport.h): inline CSS, inline SVG diagrams, no script, no
 * external font, image or style; a Content-Security-Policy that forbids
 * every fetch, so a name in a capture cannot make the page load anything.
 * Every capture-derived string goes through cr_html_puts. */
#include "casereport_int.h"

#include <string.h>

static const char CSS[] =
    ":root{color-scheme:light dark;--fg:#1b1f24;--bg:#ffffff;--muted:#6a737d;--line:#d0d7de;"
    "--card:#f6f8fa;--bad:#c62828;--badbg:#fde7e7;--ok:#2e7d32;--warn:#a15c00;--code:#eef1f4}\n"
    "@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--bg:#0d1117;--muted:#8b949e;"
    "--line:#30363d;--card:#161b22;--bad:#ff7b72;--badbg:#3d1418;--ok:#56d364;--warn:#e3b341;"
    "--code:#1f242c}}\n"
    "@media print{:root{--fg:#000;--bg:#fff;--muted:#555;--line:#bbb;--card:#fff;--bad:#b00020;"
    "--badbg:#fde7e7;--code:#f3f3f3}article.conn{break-inside:avoid-page}"
    "svg.seq{break-inside:avoid}body{max-width:none}}\n"
    "body{font:15px/1.5 system-ui,-apple-system,\"Segoe UI\",Roboto,sans-serif;color:var(--fg);"
    "background:var(--bg);max-width:1100px;margin:0 auto;padding:1.5em}\n"
    "h1{font-size:1.6em;margin:.2em 0}h2{border-bottom:1px solid var(--line);padding-bottom:.2em;"
    "margin-top:1.8em}h3{margin:.2em 0}\n"
    "table{border-collapse:collapse;margin:.6em 0;font-size:.92em}"
    "th,td{border:1px solid var(--line);padding:.25em .55em;text-align:left;vertical-align:top;"
    "overflow-wrap:anywhere}th{background:var(--card)}td.n{text-align:right;white-space:nowrap}\n"
    "table.facts,table.evidence{width:100%}table.facts th{width:13em;font-weight:600}"
    "td.dir,th{white-space:nowrap}table.facts th{white-space:normal}\n"
    "code,pre{font-family:ui-monospace,\"DejaVu Sans Mono\",Menlo,Consolas,monospace;"
    "font-size:.9em;background:var(--code);border-radius:4px}code{padding:0 .25em}"
    "pre{padding:.6em .8em;overflow-x:auto;white-space:pre-wrap;overflow-wrap:anywhere}\n"
    "article.conn{border:1px solid var(--line);border-left:5px solid var(--bad);"
    "border-radius:6px;padding:.8em 1.1em;margin:1.2em 0;background:var(--card)}\n"
    ".rule{color:var(--bad);font-weight:600}.muted{color:var(--muted)}.sev-warning{color:var(--warn)}"
    ".diag{font-size:1.02em}\n"
    "svg.seq{display:block;max-width:100%;height:auto;margin:.5em 0;background:var(--bg);"
    "border:1px solid var(--line);border-radius:6px}\n"
    "svg.seq text{fill:var(--fg);font:12px ui-monospace,\"DejaVu Sans Mono\",monospace}"
    "svg.seq text.who{font-weight:700}svg.seq text.frame,svg.seq text.time,svg.seq text.addr"
    "{fill:var(--muted)}\n"
    "svg.seq .box{fill:var(--card);stroke:var(--line)}svg.seq .life{stroke:var(--muted);"
    "stroke-dasharray:4 4}svg.seq .msg{stroke:var(--fg);stroke-width:1.4}"
    "svg.seq .head{fill:var(--fg)}svg.seq .close{stroke-dasharray:6 3}\n"
    "svg.seq .msg.fail{stroke:var(--bad);stroke-width:2.6}svg.seq .head.fail{fill:var(--bad)}"
    "svg.seq text.fail{fill:var(--bad);font-weight:700}svg.seq .failbg{fill:var(--badbg)}\n";

/* A rule's text with `code` spans as <code>; everything escaped. */
static void html_rich(FILE *f, const char *s)
{
    size_t ticks = 0;
    for (const char *p = s; *p != '\0'; p++) {
        ticks += *p == '`';
    }
    bool code = false;
    const char *p = s;
    while (*p != '\0') {
        const char *q = p;
        while (*q != '\0' && (*q != '`' || ticks % 2 != 0)) {
            q++;
        }
        char buf[4096];
        size_t n = (size_t)(q - p) < sizeof(buf) - 1 ? (size_t)(q - p) : sizeof(buf) - 1;
        memcpy(buf, p, n);
        buf[n] = '\0';
        cr_html_puts(f, buf);
        if (*q == '\0') {
            break;
        }
        fputs(code ? "</code>" : "<code>", f);
        code = !code;
        p = q + 1;
    }
    if (code) {
        fputs("</code>", f);
    }
}

static void td(FILE *f, const char *s)
{
    fputs("<td>", f);
    cr_html_puts(f, s);
    fputs("</td>", f);
}

static void html_evidence(FILE *f, json_t *conn, json_t *d)
{
    json_t *rows = cr_evidence_rows(conn, d);
    json_t *r;
    size_t i;
    fputs("<table class=\"evidence\"><tr><th>frame</th><th>direction</th><th>message</th>"
          "<th>key facts</th></tr>\n", f);
    json_array_foreach(rows, i, r) {
        fprintf(f, "<tr><td class=\"n\">%lld</td>", cr_int(r, "frame"));
        fputs("<td class=\"dir\">", f);
        cr_html_puts(f, cr_str(r, "direction"));
        fputs("</td>", f);
        td(f, cr_str(r, "messages"));
        td(f, cr_str(r, "fact"));
        fputs("</tr>\n", f);
    }
    fputs("</table>\n", f);
    json_decref(rows);
}

static void html_facts(FILE *f, json_t *conn)
{
    json_t *facts = cr_key_facts(conn);
    json_t *row;
    size_t i;
    fputs("<table class=\"facts\">\n", f);
    json_array_foreach(facts, i, row) {
        fputs("<tr><th>", f);
        cr_html_puts(f, json_string_value(json_array_get(row, 0)));
        fputs("</th>", f);
        td(f, json_string_value(json_array_get(row, 1)));
        fputs("</tr>\n", f);
    }
    fputs("</table>\n", f);
    json_decref(facts);
}

static void html_followup(FILE *f, json_t *conn)
{
    json_t *fu = cr_followup(conn);
    json_t *v;
    size_t i;
    fputs("<h4>Follow-up</h4>\n<pre class=\"cmd\">", f);
    json_array_foreach(json_object_get(fu, "commands"), i, v) {
        cr_html_puts(f, json_string_value(v));
        fputc('\n', f);
    }
    fputs("</pre>\n<p>Wireshark display filters:", f);
    json_array_foreach(json_object_get(fu, "filters"), i, v) {
        fputs(i > 0 ? ", <code>" : " <code>", f);
        cr_html_puts(f, json_string_value(v));
        fputs("</code>", f);
    }
    fputs("</p>\n", f);
    json_decref(fu);
}

void cr_html_section(ta_casereport *cr, FILE *f, const char *file, size_t cap_idx, json_t *conn)
{
    json_t *diags = json_object_get(conn, "diagnoses");
    json_t *root = json_array_get(diags, 0);
    json_t *d;
    json_t *v;
    size_t i;
    char when[40];
    (void)cr;

    cr_time(json_number_value(json_object_get(conn, "start_time")), when, sizeof(when));
    fprintf(f, "<article class=\"conn\" id=\"c%zu-%lld\" data-conn=\"%lld\" data-rules=\"",
            cap_idx, cr_int(conn, "id"), cr_int(conn, "id"));
    json_array_foreach(diags, i, d) {
        fputs(i > 0 ? " " : "", f);
        cr_html_puts(f, cr_str(d, "rule"));
    }
    fputs("\" data-file=\"", f);
    cr_html_puts(f, file);
    fprintf(f, "\">\n<h3>Connection #%lld: ", cr_int(conn, "id"));
    cr_html_puts(f, cr_str(conn, "client"));
    fputs(" → ", f);
    cr_html_puts(f, cr_str(conn, "server"));
    fputs(" <span class=\"rule\">", f);
    cr_html_puts(f, cr_str(root, "rule"));
    fputs("</span></h3>\n<p class=\"muted\">", f);
    cr_html_puts(f, file);
    fprintf(f, ", frames %lld–%lld, started %s, outcome <code>", cr_int(conn, "first_frame"),
            cr_int(conn, "last_frame"), when);
    cr_html_puts(f, cr_str(conn, "outcome"));
    fputs("</code></p>\n<p class=\"diag\"><strong>", f);
    cr_html_puts(f, cr_str(root, "title"));
    fputs("</strong>. <span class=\"summary\">", f);
    html_rich(f, cr_str(root, "summary"));
    fputs("</span></p>\n<p><strong>Fault:</strong> ", f);
    cr_html_puts(f, cr_str(root, "fault"));
    if (json_is_string(json_object_get(root, "fixes_by"))) {
        fputs(" (fixed by: ", f);
        cr_html_puts(f, cr_str(root, "fixes_by"));
        fputc(')', f);
    }
    fputs("</p>\n<h4>Evidence</h4>\n", f);
    html_evidence(f, conn, root);
    if (json_array_size(diags) > 1) {
        fputs("<p>Also diagnosed:</p><ul>\n", f);
        json_array_foreach(diags, i, d) {
            if (i > 0) {
                fprintf(f, "<li><span class=\"sev-%s\">%s</span> <code>", cr_str(d, "severity"),
                        cr_str(d, "severity"));
                cr_html_puts(f, cr_str(d, "rule"));
                fputs("</code>: <span class=\"summary\">", f);
                html_rich(f, cr_str(d, "summary"));
                fputs("</span></li>\n", f);
            }
        }
        fputs("</ul>\n", f);
    }
    fputs("<h4>Handshake</h4>\n", f);
    cr_svg_sequence(f, conn);
    fputs("<h4>Key facts</h4>\n", f);
    html_facts(f, conn);
    fputs("<h4>Remediation</h4>\n<p class=\"fix\">", f);
    html_rich(f, json_is_string(json_object_get(root, "remediation"))
                     ? cr_str(root, "remediation") : "The rule gives no remediation.");
    fputs("</p>\n", f);
    if (json_array_size(json_object_get(root, "references")) > 0) {
        fputs("<p class=\"muted\">References: ", f);
        json_array_foreach(json_object_get(root, "references"), i, v) {
            fputs(i > 0 ? "; " : "", f);
            cr_html_puts(f, json_string_value(v));
        }
        fputs("</p>\n", f);
    }
    html_followup(f, conn);
    fputs("</article>\n", f);
}

static void html_captures(ta_casereport *cr, FILE *out)
{
    json_t *c;
    json_t *in;
    size_t i;
    size_t k;
    fputs("<section id=\"captures\"><h2>Captures</h2>\n<table><tr><th>file</th><th>SHA-256</th>"
          "<th>packets</th><th>first packet</th><th>last packet</th><th>span</th><th>link types</th>"
          "</tr>\n",
          out);
    json_array_foreach(cr->captures, i, c) {
        char first[40];
        char last[40];
        cr_time(json_number_value(json_object_get(c, "first_time")), first, sizeof(first));
        cr_time(json_number_value(json_object_get(c, "last_time")), last, sizeof(last));
        char span[32];
        cr_span(c, span, sizeof(span));
        json_t *inputs = json_object_get(c, "inputs");
        json_array_foreach(inputs, k, in) {
            fputs("<tr>", out);
            td(out, cr_str(in, "file"));
            fputs("<td><code>", out);
            cr_html_puts(out, json_is_string(json_object_get(in, "sha256")) ? cr_str(in, "sha256")
                                                                            : cr_str(in, "note"));
            fputs("</code></td>", out);
            if (k + 1 < json_array_size(inputs)) {
                fputs("<td></td><td></td><td></td><td></td><td></td></tr>\n", out);
                continue;
            }
            fprintf(out, "<td class=\"n\">%lld</td><td>%s</td><td>%s</td><td class=\"n\">%s</td>"
                    "<td>", cr_int(c, "packets"), first, last, span);
            json_t *lt;
            size_t j;
            json_array_foreach(json_object_get(c, "linktypes"), j, lt) {
                fputs(j > 0 ? ", " : "", out);
                cr_html_puts(out, json_string_value(lt));
            }
            fputs("</td></tr>\n", out);
        }
        if (json_is_string(json_object_get(c, "error"))) {
            fputs("<tr><td colspan=\"7\" class=\"rule\">could not be read: ", out);
            cr_html_puts(out, cr_str(c, "error"));
            fputs("</td></tr>\n", out);
        }
    }
    fputs("</table>\n", out);
    if (cr->captures_dropped > 0) {
        fprintf(out, "<p>%zu more captures are not listed (the report lists %d).</p>\n",
                cr->captures_dropped, CR_MAX_CAPTURES);
    }
    fputs("</section>\n", out);
}

static void html_summary(ta_casereport *cr, FILE *out, json_t *total)
{
    const char *k;
    json_t *v;
    fprintf(out, "<section id=\"summary\"><h2>Summary</h2>\n<table>"
            "<tr><th>TCP connections</th><td class=\"n\">%lld</td></tr>"
            "<tr><th>with TLS</th><td class=\"n\">%lld</td></tr>"
            "<tr><th>completed</th><td class=\"n\">%lld</td></tr>"
            "<tr><th>with an error diagnosis</th><td class=\"n\">%zu</td></tr></table>\n",
            cr_int(total, "tcp_connections"), cr_int(total, "tls_connections"),
            cr_int(total, "completed"), cr->num_failed);
    if (json_object_size(cr->failed_rules) > 0) {
        fputs("<table><tr><th>root cause</th><th>connections</th></tr>\n", out);
        json_object_foreach(cr->failed_rules, k, v) {
            fputs("<tr><td><code>", out);
            cr_html_puts(out, k);
            fprintf(out, "</code></td><td class=\"n\">%lld</td></tr>\n",
                    (long long)json_integer_value(v));
        }
        fputs("</table>\n", out);
    }
    if (cr->num_failed > cr->num_sections) {
        fprintf(out, "<p class=\"cap\">Only the first %zu failed connections are shown in "
                "detail (%zu more failed); <code>--format=json</code> lists every one.</p>\n",
                cr->num_sections, cr->num_failed - cr->num_sections);
    }
    fputs("</section>\n", out);
}

static void brief_row(FILE *out, json_t *v, const char *extra_rule, const char *extra)
{
    fputs("<tr>", out);
    td(out, cr_str(v, "file"));
    fprintf(out, "<td class=\"n\">%lld</td>", cr_int(v, "id"));
    td(out, cr_str(v, "client"));
    td(out, cr_str(v, "server"));
    td(out, cr_str(v, "sni"));
    if (extra_rule != NULL) {
        fputs("<td><code>", out);
        cr_html_puts(out, extra_rule);
        fputs("</code></td>", out);
        td(out, extra);
    }
    fputs("</tr>\n", out);
}

static void html_healthy(ta_casereport *cr, FILE *out)
{
    json_t *v;
    size_t i;
    if (cr->num_warned > 0) {
        fprintf(out, "<section id=\"warnings\"><h2>Completed with warnings (%zu)</h2>\n<table><tr>"
                "<th>capture</th><th>#</th><th>client</th><th>server</th><th>SNI</th><th>rule</th>"
                "<th>warning</th></tr>\n", cr->num_warned);
        json_array_foreach(cr->warned, i, v) {
            brief_row(out, v, cr_str(v, "rule"), cr_str(v, "title"));
        }
        fputs("</table>\n", out);
        if (cr->num_warned > json_array_size(cr->warned)) {
            fprintf(out, "<p>%zu more not listed.</p>\n",
                    cr->num_warned - json_array_size(cr->warned));
        }
        fputs("</section>\n", out);
    }
    fprintf(out, "<section id=\"healthy\"><h2>Other connections (%zu)</h2>\n", cr->num_healthy);
    if (cr->num_healthy == 0) {
        fputs("<p>None.</p></section>\n", out);
        return;
    }
    fputs("<p>Connections without an error diagnosis, by outcome, version and cipher suite:</p>\n"
          "<table><tr><th>outcome</th><th>version</th><th>cipher suite</th><th>connections</th>"
          "</tr>\n", out);
    json_array_foreach(cr->groups, i, v) {
        fputs("<tr>", out);
        td(out, cr_str(v, "outcome"));
        td(out, cr_str(v, "version")[0] != '\0' ? cr_str(v, "version") : "-");
        td(out, cr_str(v, "suite")[0] != '\0' ? cr_str(v, "suite") : "-");
        fprintf(out, "<td class=\"n\">%lld</td></tr>\n", cr_int(v, "connections"));
    }
    if (cr->grouped_other > 0) {
        fprintf(out, "<tr><td>other</td><td></td><td></td><td class=\"n\">%zu</td></tr>\n",
                cr->grouped_other);
    }
    fprintf(out, "</table>\n<p>The first %zu:</p>\n<table><tr><th>capture</th><th>#</th>"
            "<th>client</th><th>server</th><th>SNI</th></tr>\n", json_array_size(cr->healthy));
    json_array_foreach(cr->healthy, i, v) {
        brief_row(out, v, NULL, NULL);
    }
    fputs("</table></section>\n", out);
}

void cr_html_document(ta_casereport *cr, FILE *out, json_t *total)
{
    fprintf(out, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
            "style-src 'unsafe-inline'; img-src data:\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            "<meta name=\"color-scheme\" content=\"light dark\">\n"
            "<meta name=\"generator\" content=\"tlsanalyze %s\">\n"
            "<title>TLS handshake report</title>\n<style>\n%s</style>\n</head>\n<body>\n"
            "<header><h1>TLS handshake report</h1>\n<p class=\"muted\">Made by tlsanalyze %s on "
            "%s, profile <code>", cr->o.version, CSS, cr->o.version, cr->generated);
    cr_html_puts(out, cr->o.profile);
    fputs("</code>, redaction: ", out);
    cr_html_puts(out, cr->o.redaction);
    fputs(".</p>\n<pre class=\"cmdline\">", out);
    cr_html_puts(out, cr->o.command_line);
    fputs("</pre></header>\n", out);
    html_captures(cr, out);
    html_summary(cr, out, total);
    fprintf(out, "<section id=\"failed\"><h2>Failed connections (%zu)</h2>\n", cr->num_failed);
    if (cr->num_failed == 0) {
        fputs("<p>None: every handshake completed or ended without an error diagnosis.</p>\n",
              out);
    }
    cr_copy_sections(cr, out);
    fputs("</section>\n", out);
    html_healthy(cr, out);
    fputs("</body></html>\n", out);
}
