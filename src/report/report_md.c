/* report_md.c - the report's Markdown back end: renders the document
 * model (casereport_int.h) as GitHub-flavoured Markdown, a handshake as a
 * Mermaid sequence diagram.  Every string goes through md_text, which
 * escapes what Markdown or inline HTML would interpret; code is written as
 * it is inside its backticks or fence. */
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
 * arrow per step, the failing one drawn as a cross. */
static void mermaid(FILE *f, const cr_diagram *d)
{
    fputs("```mermaid\nsequenceDiagram\n    participant C as Client\n"
          "    participant S as Server\n", f);
    for (size_t i = 0; i < d->num_steps; i++) {
        const cr_step *s = &d->steps[i];
        fprintf(f, "    %s%s%s: frame %lld, +%.3f ms, ", s->from_client ? "C" : "S",
                s->fail ? "-x" : "->>", s->from_client ? "S" : "C", s->frame, s->ms);
        mermaid_label(f, s->label);
        fputs(s->fail ? " (handshake failed here)\n" : "\n", f);
    }
    if (d->num_more > 0) {
        fprintf(f, "    Note over C,S: %zu more messages\n", d->num_more);
    }
    if (d->has_close) {
        const cr_step *s = &d->close;
        fprintf(f, "    %s%s%s: frame %lld, ", s->from_client ? "C" : "S",
                s->fail ? "-x" : "-)", s->from_client ? "S" : "C", s->frame);
        mermaid_label(f, s->label);
        fputs(s->fail ? " (handshake failed here)\n" : "\n", f);
    }
    fputs("```\n", f);
}

static void spans(FILE *f, const cr_span *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i].s == NULL) {
            continue;
        }
        switch (s[i].kind) {
        case CR_CODE:
            fprintf(f, "`%s`", s[i].s);
            break;
        case CR_STRONG:
            fputs("**", f);
            md_text(f, s[i].s);
            fputs("**", f);
            break;
        case CR_RICH:
            md_rich(f, s[i].s);
            break;
        case CR_TEXT:
        default:
            md_text(f, s[i].s);
            break;
        }
    }
}

/* A block starts after a blank line, but the document's first. */
static FILE *block(cr_out *o)
{
    if (o->open) {
        fputc('\n', o->f);
    }
    o->open = true;
    return o->f;
}

static void page_begin(cr_out *o, const char *title, const char *generator)
{
    (void)o;
    (void)title;
    (void)generator;
}

static void page_end(cr_out *o)
{
    (void)o;
}

/* Markdown has no containers; an article gets an anchor to link to. */
static void begin(cr_out *o, const cr_container *c)
{
    if (c->kind == CR_ARTICLE && c->id != NULL) {
        fprintf(block(o), "<a id=\"%s\"></a>\n", c->id);
    }
}

static void end(cr_out *o, const cr_container *c)
{
    (void)o;
    (void)c;
}

/* Levels 1 to 3 as headings; a level 4 heading as a strong line. */
static void heading(cr_out *o, int level, const cr_span *s, size_t n)
{
    FILE *f = block(o);
    if (level >= 4) {
        fputs("**", f);
        spans(f, s, n);
        fputs("**\n", f);
        return;
    }
    fprintf(f, "%.*s ", level, "###");
    spans(f, s, n);
    fputc('\n', f);
}

static void paragraph(cr_out *o, const char *cls, const cr_span *s, size_t n)
{
    FILE *f = block(o);
    (void)cls;
    spans(f, s, n);
    fputc('\n', f);
}

static void list_begin(cr_out *o, const cr_span *intro, size_t n)
{
    FILE *f = block(o);
    spans(f, intro, n);
    fputs("\n\n", f);
}

static void list_item(cr_out *o, const cr_span *s, size_t n)
{
    fputs("- ", o->f);
    spans(o->f, s, n);
    fputc('\n', o->f);
}

static void list_end(cr_out *o)
{
    (void)o;
}

/* A header row (GitHub tables need one) and the alignment row. */
static void table_begin(cr_out *o, const cr_table *t)
{
    FILE *f = block(o);
    fputc('|', f);
    for (size_t i = 0; i < t->num_cols; i++) {
        cr_span title = {CR_TEXT, t->cols[i].title, NULL, CR_BOTH};
        fputc(' ', f);
        spans(f, &title, title.s != NULL);
        fputs(title.s != NULL ? " |" : "|", f);
    }
    fputs("\n|", f);
    for (size_t i = 0; i < t->num_cols; i++) {
        fputs(t->cols[i].right ? "---:|" : "---|", f);
    }
    fputc('\n', f);
}

/* A row; a cell without a value is left empty.  A row across the table
 * (which Markdown does not have) puts its text in the first cell. */
static void table_row(cr_out *o, const cr_table *t, const cr_row *r)
{
    size_t cells = r->across ? t->num_cols : r->num_cells;
    fputc('|', o->f);
    for (size_t i = 0; i < cells; i++) {
        const cr_span *s = r->across ? (i == 0 ? r->cells : NULL) : &r->cells[i];
        size_t n = r->across ? (i == 0 ? r->num_cells : 0) : s->s != NULL;
        fputc(' ', o->f);
        spans(o->f, s, n);
        fputs(n > 0 ? " |" : "|", o->f);
    }
    fputc('\n', o->f);
}

static void table_end(cr_out *o, const cr_table *t)
{
    (void)o;
    (void)t;
}

/* A fenced block shows the text as it is; a fence inside it would end the
 * block, so a text from outside keeps no backtick. */
static void code(cr_out *o, const cr_code *c)
{
    FILE *f = block(o);
    size_t len = strlen(c->text);
    fprintf(f, "```%s\n", c->lang != NULL ? c->lang : "");
    for (const char *p = c->text; *p != '\0'; p++) {
        fputc(*p == '`' && c->no_backticks ? '\'' : *p, f);
    }
    fputs(len == 0 || c->text[len - 1] != '\n' ? "\n```\n" : "```\n", f);
}

static void diagram(cr_out *o, const cr_diagram *d)
{
    mermaid(block(o), d);
}

const cr_backend cr_md_backend = {
    page_begin, page_end, begin, end, heading, paragraph, list_begin, list_item, list_end,
    table_begin, table_row, table_end, code, diagram,
};
