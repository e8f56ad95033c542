/* report_html.c - the report's HTML back end: renders the document model
 * (casereport_int.h) as one self-contained page: inline CSS, inline SVG
 * diagrams (svg.c), no script, no external font, image or style; a
 * Content-Security-Policy that forbids every fetch, so a name in a capture
 * cannot make the page load anything.  Every string goes through
 * cr_html_puts. */
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

static void spans(FILE *f, const cr_span *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i].s == NULL) {
            continue;
        }
        if (s[i].cls != NULL) {
            fprintf(f, "<span class=\"%s\">", s[i].cls);
        }
        switch (s[i].kind) {
        case CR_CODE:
            fputs("<code>", f);
            cr_html_puts(f, s[i].s);
            fputs("</code>", f);
            break;
        case CR_STRONG:
            fputs("<strong>", f);
            cr_html_puts(f, s[i].s);
            fputs("</strong>", f);
            break;
        case CR_RICH:
            html_rich(f, s[i].s);
            break;
        case CR_TEXT:
        default:
            cr_html_puts(f, s[i].s);
            break;
        }
        if (s[i].cls != NULL) {
            fputs("</span>", f);
        }
    }
}

/* An element starts on a new line, but right after an opening tag. */
static FILE *line(cr_out *o)
{
    if (o->open) {
        fputc('\n', o->f);
    }
    o->open = true;
    return o->f;
}

static void attr(FILE *f, const char *name, const char *value)
{
    if (value != NULL) {
        fprintf(f, " %s=\"", name);
        cr_html_puts(f, value);
        fputc('"', f);
    }
}

static void page_begin(cr_out *o, const char *title, const char *generator)
{
    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
          "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
          "style-src 'unsafe-inline'; img-src data:\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
          "<meta name=\"color-scheme\" content=\"light dark\">\n"
          "<meta name=\"generator\" content=\"tlsanalyze ", o->f);
    cr_html_puts(o->f, generator);
    fputs("\">\n<title>", o->f);
    cr_html_puts(o->f, title);
    fprintf(o->f, "</title>\n<style>\n%s</style>\n</head>\n<body>\n", CSS);
    o->open = false;
}

static void page_end(cr_out *o)
{
    fputs("</body></html>\n", line(o));
    o->open = false;
}

static const char *const TAGS[] = {"header", "section", "article"};

/* A header or a section opens on the line of its heading; an article on
 * its own line. */
static void begin(cr_out *o, const cr_container *c)
{
    FILE *f = line(o);
    fprintf(f, "<%s", TAGS[c->kind]);
    attr(f, "class", c->cls);
    attr(f, "id", c->id);
    for (size_t i = 0; i < c->num_data; i++) {
        fprintf(f, " data-%s=\"", c->data[i].name);
        cr_html_puts(f, c->data[i].value);
        fputc('"', f);
    }
    fputc('>', f);
    o->open = c->kind == CR_ARTICLE;
}

static void end(cr_out *o, const cr_container *c)
{
    if (!c->tight) {
        line(o);
    }
    fprintf(o->f, "</%s>", TAGS[c->kind]);
    o->open = true;
}

static void heading(cr_out *o, int level, const cr_span *s, size_t n)
{
    FILE *f = line(o);
    fprintf(f, "<h%d>", level);
    spans(f, s, n);
    fprintf(f, "</h%d>", level);
}

static void paragraph(cr_out *o, const char *cls, const cr_span *s, size_t n)
{
    FILE *f = line(o);
    fputs("<p", f);
    attr(f, "class", cls);
    fputc('>', f);
    spans(f, s, n);
    fputs("</p>", f);
}

static void list_begin(cr_out *o, const cr_span *intro, size_t n)
{
    FILE *f = line(o);
    fputs("<p>", f);
    spans(f, intro, n);
    fputs("</p><ul>", f);
}

static void list_item(cr_out *o, const cr_span *s, size_t n)
{
    FILE *f = line(o);
    fputs("<li>", f);
    spans(f, s, n);
    fputs("</li>", f);
}

static void list_end(cr_out *o)
{
    fputs("</ul>", line(o));
}

/* A table with keys has them in <th> and no header row. */
static void table_begin(cr_out *o, const cr_table *t)
{
    FILE *f = line(o);
    fputs("<table", f);
    attr(f, "class", t->cls);
    fputc('>', f);
    if (t->keys) {
        return;
    }
    fputs("<tr>", f);
    for (size_t i = 0; i < t->num_cols; i++) {
        fputs("<th>", f);
        cr_html_puts(f, t->cols[i].title != NULL ? t->cols[i].title : "");
        fputs("</th>", f);
    }
    fputs("</tr>", f);
}

static void cell(FILE *f, const cr_table *t, size_t i, const cr_span *s)
{
    const cr_column *col = &t->cols[i];
    const char *cls = col->right ? "n" : col->cls;
    if (s->s == NULL) {
        fputs("<td></td>", f);
    } else if (t->keys && i == 0) {
        fputs("<th>", f);
        spans(f, s, 1);
        fputs("</th>", f);
    } else {
        fputs("<td", f);
        attr(f, "class", cls);
        fputc('>', f);
        spans(f, s, 1);
        fputs("</td>", f);
    }
}

static void table_row(cr_out *o, const cr_table *t, const cr_row *r)
{
    FILE *f = o->f;
    if (!t->compact) {
        fputc('\n', f);
    }
    fputs("<tr>", f);
    if (r->across) {
        fprintf(f, "<td colspan=\"%zu\"", t->num_cols);
        attr(f, "class", r->cls);
        fputc('>', f);
        spans(f, r->cells, r->num_cells);
        fputs("</td>", f);
    }
    for (size_t i = 0; !r->across && i < r->num_cells && i < t->num_cols; i++) {
        cell(f, t, i, &r->cells[i]);
    }
    fputs("</tr>", f);
}

static void table_end(cr_out *o, const cr_table *t)
{
    fputs(t->compact ? "</table>" : "\n</table>", o->f);
}

static void code(cr_out *o, const cr_code *c)
{
    FILE *f = line(o);
    fputs("<pre", f);
    attr(f, "class", c->cls);
    fputc('>', f);
    cr_html_puts(f, c->text);
    fputs("</pre>", f);
}

static void diagram(cr_out *o, const cr_diagram *d)
{
    cr_svg_diagram(line(o), d);
}

const cr_backend cr_html_backend = {
    page_begin, page_end, begin, end, heading, paragraph, list_begin, list_item, list_end,
    table_begin, table_row, table_end, code, diagram,
};
