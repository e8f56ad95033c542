/* casereport.c - the support-case report: its state (streamed, with capped
 * lists) and its document, said element by element to the back end of its
 * format (see ta_casereport.h, casereport_int.h).  The layout lives here
 * once: which parts, in which order, with which words. */
#include "casereport_int.h"
#include "ta_strbuf.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>

struct ta_casereport {
    ta_cr_opts o;              /* strings owned (copies) */
    const cr_backend *be;      /* the back end of o.kind */
    cr_out sections;           /* rendered failed connections, in arrival
                                * order, in a temporary file */
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
    cr_diagram diagram;        /* the handshake of the section being said */
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Span constructors: plain text, code, strong, a rule's text. */
#define T(str) {CR_TEXT, (str), NULL, CR_BOTH}
#define C(str) {CR_CODE, (str), NULL, CR_BOTH}
#define B(str) {CR_STRONG, (str), NULL, CR_BOTH}
#define R(str) {CR_RICH, (str), NULL, CR_BOTH}
#define NONE {CR_TEXT, NULL, NULL, CR_BOTH}
/* A span for one format only. */
#define MD(kind, str) {(kind), (str), NULL, CR_MD_ONLY}
#define HTML(kind, str) {(kind), (str), NULL, CR_HTML_ONLY}
/* Columns: text, or numbers (right-aligned). */
#define COL(title) {(title), false, NULL, CR_BOTH}
#define NUM(title) {(title), true, NULL, CR_BOTH}

/* ------------------------------------------------- saying the document */

/* Whether an element marked |only| is for this report's format. */
static bool for_format(const ta_casereport *cr, cr_only only)
{
    return only == CR_BOTH || (only == CR_MD_ONLY) == (cr->o.kind == TA_CR_MARKDOWN);
}

/* The spans of |in| that are for this format, into |out| (CR_MAX_SPANS). */
static size_t pick(const ta_casereport *cr, const cr_span *in, size_t n, cr_span *out)
{
    size_t k = 0;
    for (size_t i = 0; i < n && k < CR_MAX_SPANS; i++) {
        if (for_format(cr, in[i].only)) {
            out[k++] = in[i];
        }
    }
    return k;
}

static void heading(ta_casereport *cr, cr_out *o, int level, const cr_span *s, size_t n)
{
    cr_span v[CR_MAX_SPANS];
    cr->be->heading(o, level, v, pick(cr, s, n, v));
}

/* A heading of one text. */
static void title(ta_casereport *cr, cr_out *o, int level, const char *text)
{
    cr_span s[] = {T(text)};
    heading(cr, o, level, s, 1);
}

static void para(ta_casereport *cr, cr_out *o, const char *cls, cr_only only, const cr_span *s,
                 size_t n)
{
    cr_span v[CR_MAX_SPANS];
    if (for_format(cr, only)) {
        cr->be->paragraph(o, cls, v, pick(cr, s, n, v));
    }
}

/* A paragraph of one text. */
static void text(ta_casereport *cr, cr_out *o, cr_only only, const char *str)
{
    cr_span s[] = {T(str)};
    para(cr, o, NULL, only, s, 1);
}

/* A table being said: its columns for this format. */
typedef struct {
    cr_table t;
    cr_column cols[CR_MAX_SPANS];
} table;

static void table_begin(ta_casereport *cr, cr_out *o, table *tb, const cr_table *t)
{
    tb->t = *t;
    tb->t.num_cols = 0;
    tb->t.cols = tb->cols;
    for (size_t i = 0; i < t->num_cols && tb->t.num_cols < CR_MAX_SPANS; i++) {
        if (for_format(cr, t->cols[i].only)) {
            tb->cols[tb->t.num_cols++] = t->cols[i];
        }
    }
    cr->be->table_begin(o, &tb->t);
}

static void row(ta_casereport *cr, cr_out *o, const table *tb, const cr_span *cells, size_t n)
{
    cr_span v[CR_MAX_SPANS];
    cr_row r = {v, pick(cr, cells, n, v), false, NULL};
    cr->be->table_row(o, &tb->t, &r);
}

/* A row of one cell across the table, for the formats of |only|. */
static void row_across(ta_casereport *cr, cr_out *o, const table *tb, cr_only only,
                       const char *cls, const cr_span *s, size_t n)
{
    cr_span v[CR_MAX_SPANS];
    cr_row r = {v, pick(cr, s, n, v), true, cls};
    if (for_format(cr, only)) {
        cr->be->table_row(o, &tb->t, &r);
    }
}

static void table_end(ta_casereport *cr, cr_out *o, const table *tb)
{
    cr->be->table_end(o, &tb->t);
}

static void section_begin(ta_casereport *cr, cr_out *o, const cr_container *c, const char *h2)
{
    cr->be->begin(o, c);
    title(cr, o, 2, h2);
}

/* The strings of |arr| joined by |sep| (caller frees; NULL on out of
 * memory). */
static char *join(json_t *arr, const char *key, const char *sep)
{
    ta_strbuf b = {0};
    json_t *v;
    size_t i;
    json_array_foreach(arr, i, v) {
        ta_strbuf_str(&b, i > 0 ? sep : "");
        ta_strbuf_str(&b, key != NULL ? cr_str(v, key)
                                      : json_is_string(v) ? json_string_value(v) : "");
    }
    return ta_strbuf_take(&b);
}

/* -------------------------------------------- a failed connection's section */

/* The heading and what the root cause says: where, what, whose fault. */
static void say_conn_head(ta_casereport *cr, cr_out *o, const char *file, json_t *conn,
                          json_t *root)
{
    char when[40];
    char line[128];
    cr_time(json_number_value(json_object_get(conn, "start_time")), when, sizeof(when));
    snprintf(line, sizeof(line), "Connection #%lld: ", cr_int(conn, "id"));
    cr_span head[] = {T(line), T(cr_str(conn, "client")), T(" → "), T(cr_str(conn, "server")),
                      MD(CR_TEXT, " — "), MD(CR_CODE, cr_str(root, "rule")), HTML(CR_TEXT, " "),
                      {CR_TEXT, cr_str(root, "rule"), "rule", CR_HTML_ONLY}};
    heading(cr, o, 3, head, COUNT(head));
    cr_span strong[] = {B(cr_str(root, "title"))};
    para(cr, o, NULL, CR_MD_ONLY, strong, 1);
    snprintf(line, sizeof(line), ", frames %lld–%lld, started %s, outcome ",
             cr_int(conn, "first_frame"), cr_int(conn, "last_frame"), when);
    cr_span where[] = {MD(CR_TEXT, "Capture "), T(file), T(line), C(cr_str(conn, "outcome")),
                       MD(CR_TEXT, ".")};
    para(cr, o, "muted", CR_BOTH, where, COUNT(where));
    json_t *apigee = json_object_get(conn, "apigee");      /* --profile apigee only */
    if (json_is_string(json_object_get(apigee, "summary"))) {
        cr_span place[] = {B("Apigee:"), T(" "), T(cr_str(apigee, "summary"))};
        para(cr, o, NULL, CR_BOTH, place, COUNT(place));
    }
    snprintf(line, sizeof(line), ", %s): ", cr_str(root, "severity"));
    cr_span diag[] = {MD(CR_STRONG, "Diagnosis"), MD(CR_TEXT, " ("),
                      MD(CR_CODE, cr_str(root, "rule")), MD(CR_TEXT, line),
                      HTML(CR_STRONG, cr_str(root, "title")), HTML(CR_TEXT, ". "),
                      {CR_RICH, cr_str(root, "summary"), "summary", CR_BOTH}};
    para(cr, o, "diag", CR_BOTH, diag, COUNT(diag));
    cr_span fault[] = {B("Fault:"), T(" "), T(cr_str(root, "fault")), T(" (fixed by: "),
                       T(cr_str(root, "fixes_by")), T(")")};
    para(cr, o, NULL, CR_BOTH, fault, json_is_string(json_object_get(root, "fixes_by")) ? 6 : 3);
}

static void say_evidence(ta_casereport *cr, cr_out *o, json_t *conn, json_t *d)
{
    static const cr_column cols[] = {NUM("frame"), {"direction", false, "dir", CR_BOTH},
                                     COL("message"), COL("key facts")};
    static const cr_table t = {"evidence", cols, COUNT(cols), false, false};
    json_t *rows = cr_evidence_rows(conn, d);
    json_t *r;
    size_t i;
    table tb;

    title(cr, o, 4, "Evidence");
    table_begin(cr, o, &tb, &t);
    json_array_foreach(rows, i, r) {
        char frame[24];
        snprintf(frame, sizeof(frame), "%lld", cr_int(r, "frame"));
        cr_span cells[] = {T(frame), T(cr_str(r, "direction")), T(cr_str(r, "messages")),
                           T(cr_str(r, "fact"))};
        row(cr, o, &tb, cells, COUNT(cells));
    }
    table_end(cr, o, &tb);
    json_decref(rows);
}

/* The diagnoses after the root cause. */
static void say_also(ta_casereport *cr, cr_out *o, json_t *diags)
{
    cr_span intro[] = {T("Also diagnosed:")};
    json_t *d;
    size_t i;
    if (json_array_size(diags) < 2) {
        return;
    }
    cr->be->list_begin(o, intro, 1);
    json_array_foreach(diags, i, d) {
        char sev[64];
        if (i == 0) {
            continue;
        }
        snprintf(sev, sizeof(sev), "sev-%s", cr_str(d, "severity"));
        cr_span item[] = {{CR_TEXT, cr_str(d, "severity"), sev, CR_BOTH}, T(" "),
                          C(cr_str(d, "rule")), T(": "),
                          {CR_RICH, cr_str(d, "summary"), "summary", CR_BOTH}};
        cr_span v[CR_MAX_SPANS];
        cr->be->list_item(o, v, pick(cr, item, COUNT(item), v));
    }
    cr->be->list_end(o);
}

static void say_key_facts(ta_casereport *cr, cr_out *o, json_t *conn)
{
    static const cr_column cols[] = {COL("fact"), COL("value")};
    static const cr_table t = {"facts", cols, COUNT(cols), true, false};
    json_t *facts = cr_key_facts(conn);
    json_t *f;
    size_t i;
    table tb;

    title(cr, o, 4, "Key facts");
    table_begin(cr, o, &tb, &t);
    json_array_foreach(facts, i, f) {
        cr_span cells[] = {T(json_string_value(json_array_get(f, 0))),
                           T(json_string_value(json_array_get(f, 1)))};
        row(cr, o, &tb, cells, COUNT(cells));
    }
    table_end(cr, o, &tb);
    json_decref(facts);
}

static void say_remediation(ta_casereport *cr, cr_out *o, json_t *root)
{
    json_t *refs = json_object_get(root, "references");
    cr_span fix[] = {R(json_is_string(json_object_get(root, "remediation"))
                           ? cr_str(root, "remediation") : "The rule gives no remediation.")};
    title(cr, o, 4, "Remediation");
    para(cr, o, "fix", CR_BOTH, fix, 1);
    if (json_array_size(refs) > 0) {
        char *all = join(refs, NULL, "; ");
        cr_span s[] = {T("References: "), T(all != NULL ? all : "")};
        para(cr, o, "muted", CR_BOTH, s, COUNT(s));
        free(all);
    }
}

static void say_followup(ta_casereport *cr, cr_out *o, json_t *conn)
{
    json_t *fu = cr_followup(conn);
    json_t *filters = json_object_get(fu, "filters");
    ta_strbuf b = {0};
    json_t *v;
    size_t i;
    json_array_foreach(json_object_get(fu, "commands"), i, v) {
        ta_strbuf_str(&b, json_is_string(v) ? json_string_value(v) : "");
        ta_strbuf_str(&b, "\n");
    }
    char *text = ta_strbuf_take(&b);
    cr_code code = {"cmd", "sh", text != NULL ? text : "", false};
    cr_span s[CR_MAX_SPANS] = {T("Wireshark display filters: ")};
    size_t n = 1;

    title(cr, o, 4, "Follow-up");
    cr->be->code(o, &code);
    json_array_foreach(filters, i, v) {
        if (n + 2 > CR_MAX_SPANS) {
            break;
        }
        if (i > 0) {
            s[n++] = (cr_span)T(", ");
        }
        s[n++] = (cr_span)C(json_string_value(v));
    }
    para(cr, o, NULL, CR_BOTH, s, n);
    free(text);
    json_decref(fu);
}

/* One failed connection: what its root cause says, the evidence, the other
 * diagnoses, the handshake, key facts, remediation and follow-up. */
static void say_conn(ta_casereport *cr, cr_out *o, const char *file, size_t cap_idx,
                     json_t *conn)
{
    json_t *diags = json_object_get(conn, "diagnoses");
    json_t *root = json_array_get(diags, 0);
    char id[64];
    char num[24];
    char *rules = join(diags, "rule", " ");
    snprintf(id, sizeof(id), "c%zu-%lld", cap_idx, cr_int(conn, "id"));
    snprintf(num, sizeof(num), "%lld", cr_int(conn, "id"));
    cr_data data[] = {{"conn", num}, {"rules", rules != NULL ? rules : ""}, {"file", file}};
    cr_container article = {CR_ARTICLE, "conn", id, data, COUNT(data), false};

    cr->be->begin(o, &article);
    say_conn_head(cr, o, file, conn, root);
    say_evidence(cr, o, conn, root);
    say_also(cr, o, diags);
    title(cr, o, 4, "Handshake");
    cr_steps(conn, &cr->diagram);
    cr->be->diagram(o, &cr->diagram);
    say_key_facts(cr, o, conn);
    say_remediation(cr, o, root);
    say_followup(cr, o, conn);
    cr->be->end(o, &article);
    free(rules);
}

/* ------------------------------------------------------ the whole document */

static void say_header(ta_casereport *cr, cr_out *o)
{
    static const cr_container header = {CR_HEADER, NULL, NULL, NULL, 0, true};
    char made[160];
    cr_code cmdline = {"cmdline", "sh", cr->o.command_line, true};
    snprintf(made, sizeof(made), "Made by tlsanalyze %s on %s, profile ", cr->o.version,
             cr->generated);
    cr_span s[] = {T(made), C(cr->o.profile), T(", redaction: "), T(cr->o.redaction), T(".")};

    cr->be->begin(o, &header);
    title(cr, o, 1, "TLS handshake report");
    para(cr, o, "muted", CR_BOTH, s, COUNT(s));
    /* HTML shows the command line as such; Markdown says it. */
    text(cr, o, CR_MD_ONLY, "Command line:");
    cr->be->code(o, &cmdline);
    cr->be->end(o, &header);
}

/* The rows of one capture: one per input file. */
static void say_capture_rows(ta_casereport *cr, cr_out *o, const table *tb, json_t *c)
{
    char first[40];
    char last[40];
    char span[32];
    char packets[24];
    char *linktypes = join(json_object_get(c, "linktypes"), NULL, ", ");
    json_t *inputs = json_object_get(c, "inputs");
    json_t *in;
    size_t k;

    cr_time(json_number_value(json_object_get(c, "first_time")), first, sizeof(first));
    cr_time(json_number_value(json_object_get(c, "last_time")), last, sizeof(last));
    cr_span_of(c, span, sizeof(span));
    snprintf(packets, sizeof(packets), "%lld", cr_int(c, "packets"));
    json_array_foreach(inputs, k, in) {
        bool more = k + 1 < json_array_size(inputs);
        cr_span cells[CR_MAX_SPANS] = {T(cr_str(in, "file"))};
        size_t n = 1;
        if (json_is_string(json_object_get(in, "sha256"))) {
            cells[n++] = (cr_span)C(cr_str(in, "sha256"));
        } else {
            /* A file that was not hashed (standard input) says why. */
            cells[n++] = (cr_span)MD(CR_TEXT, cr_str(in, "note"));
            cells[n++] = (cr_span)HTML(CR_CODE, cr_str(in, "note"));
        }
        /* Merged files: one row each, the capture's numbers on the last. */
        const char *nums[] = {packets, first, last, span, linktypes != NULL ? linktypes : ""};
        for (size_t i = 0; i < COUNT(nums); i++) {
            cells[n++] = (cr_span)T(more ? NULL : nums[i]);
        }
        row(cr, o, tb, cells, n);
    }
    if (json_is_string(json_object_get(c, "error"))) {
        cr_span s[] = {T("could not be read: "), T(cr_str(c, "error"))};
        row_across(cr, o, tb, CR_HTML_ONLY, "rule", s, COUNT(s));
    }
    free(linktypes);
}

static void say_captures(ta_casereport *cr, cr_out *o)
{
    static const cr_container sec = {CR_SECTION, NULL, "captures", NULL, 0, false};
    static const cr_column cols[] = {COL("file"), COL("SHA-256"), NUM("packets"),
                                     COL("first packet"), COL("last packet"), NUM("span"),
                                     COL("link types")};
    static const cr_table t = {NULL, cols, COUNT(cols), false, false};
    json_t *c;
    size_t i;
    table tb;

    section_begin(cr, o, &sec, "Captures");
    table_begin(cr, o, &tb, &t);
    json_array_foreach(cr->captures, i, c) {
        say_capture_rows(cr, o, &tb, c);
    }
    table_end(cr, o, &tb);
    /* Markdown has no row across a table: the errors come after it. */
    json_array_foreach(cr->captures, i, c) {
        if (json_is_string(json_object_get(c, "error"))) {
            cr_span s[] = {B("Could not be read:"), T(" "), T(cr_str(c, "file")), T(": "),
                           T(cr_str(c, "error"))};
            para(cr, o, NULL, CR_MD_ONLY, s, COUNT(s));
        }
    }
    if (cr->captures_dropped > 0) {
        char line[128];
        snprintf(line, sizeof(line), "%zu more captures are not listed (the report lists %d).",
                 cr->captures_dropped, CR_MAX_CAPTURES);
        text(cr, o, CR_BOTH, line);
    }
    cr->be->end(o, &sec);
}

static void say_summary(ta_casereport *cr, cr_out *o, json_t *total)
{
    static const cr_container sec = {CR_SECTION, NULL, "summary", NULL, 0, false};
    static const cr_column counts_cols[] = {COL(NULL), NUM("connections")};
    static const cr_table counts = {NULL, counts_cols, 2, true, true};
    static const cr_column rules_cols[] = {COL("root cause"), NUM("connections")};
    static const cr_table rules = {NULL, rules_cols, 2, false, false};
    const char *label[] = {"TCP connections", "with TLS", "completed", "with an error diagnosis"};
    long long value[] = {cr_int(total, "tcp_connections"), cr_int(total, "tls_connections"),
                         cr_int(total, "completed"), (long long)cr->num_failed};
    char num[24];
    const char *k;
    json_t *v;
    table tb;

    section_begin(cr, o, &sec, "Summary");
    table_begin(cr, o, &tb, &counts);
    for (size_t i = 0; i < COUNT(label); i++) {
        snprintf(num, sizeof(num), "%lld", value[i]);
        cr_span cells[] = {T(label[i]), T(num)};
        row(cr, o, &tb, cells, COUNT(cells));
    }
    table_end(cr, o, &tb);
    if (json_object_size(cr->failed_rules) > 0) {
        table_begin(cr, o, &tb, &rules);
        json_object_foreach(cr->failed_rules, k, v) {
            snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v));
            cr_span cells[] = {C(k), T(num)};
            row(cr, o, &tb, cells, COUNT(cells));
        }
        table_end(cr, o, &tb);
    }
    if (cr->num_failed > cr->num_sections) {
        char line[160];
        snprintf(line, sizeof(line), "Only the first %zu failed connections are shown in detail "
                 "(%zu more failed); ", cr->num_sections, cr->num_failed - cr->num_sections);
        cr_span s[] = {T(line), C("--format=json"), T(" lists every one.")};
        para(cr, o, "cap", CR_BOTH, s, COUNT(s));
    }
    cr->be->end(o, &sec);
}

/* The sections of the failed connections, copied from the temporary file. */
static void say_failed(ta_casereport *cr, cr_out *o)
{
    static const cr_container sec = {CR_SECTION, NULL, "failed", NULL, 0, false};
    char h2[64];
    char buf[65536];
    size_t n;

    snprintf(h2, sizeof(h2), "Failed connections (%zu)", cr->num_failed);
    section_begin(cr, o, &sec, h2);
    if (cr->num_failed == 0) {
        text(cr, o, CR_BOTH,
             "None: every handshake completed or ended without an error diagnosis.");
    }
    fflush(cr->sections.f);
    rewind(cr->sections.f);
    while ((n = fread(buf, 1, sizeof(buf), cr->sections.f)) > 0) {
        fwrite(buf, 1, n, o->f);
    }
    cr->be->end(o, &sec);
}

static void say_warned(ta_casereport *cr, cr_out *o)
{
    static const cr_container sec = {CR_SECTION, NULL, "warnings", NULL, 0, false};
    static const cr_column cols[] = {COL("capture"), NUM("#"),
                                     {"client", false, NULL, CR_HTML_ONLY}, COL("server"),
                                     COL("SNI"), COL("rule"), COL("warning")};
    static const cr_table t = {NULL, cols, COUNT(cols), false, false};
    char line[64];
    json_t *v;
    size_t i;
    table tb;

    if (cr->num_warned == 0) {
        return;
    }
    snprintf(line, sizeof(line), "Completed with warnings (%zu)", cr->num_warned);
    section_begin(cr, o, &sec, line);
    table_begin(cr, o, &tb, &t);
    json_array_foreach(cr->warned, i, v) {
        char id[24];
        snprintf(id, sizeof(id), "%lld", cr_int(v, "id"));
        cr_span cells[] = {T(cr_str(v, "file")), T(id),
                           HTML(CR_TEXT, cr_str(v, "client")),
                           T(cr_str(v, "server")), T(cr_str(v, "sni")), C(cr_str(v, "rule")),
                           T(cr_str(v, "title"))};
        row(cr, o, &tb, cells, COUNT(cells));
    }
    table_end(cr, o, &tb);
    if (cr->num_warned > json_array_size(cr->warned)) {
        snprintf(line, sizeof(line), "%zu more not listed.",
                 cr->num_warned - json_array_size(cr->warned));
        text(cr, o, CR_BOTH, line);
    }
    cr->be->end(o, &sec);
}

/* The healthy connections by outcome, version and cipher suite. */
static void say_groups(ta_casereport *cr, cr_out *o)
{
    static const cr_column cols[] = {COL("outcome"), COL("version"), COL("cipher suite"),
                                     NUM("connections")};
    static const cr_table t = {NULL, cols, COUNT(cols), false, false};
    char num[24];
    json_t *v;
    size_t i;
    table tb;

    table_begin(cr, o, &tb, &t);
    json_array_foreach(cr->groups, i, v) {
        const char *version = cr_str(v, "version");
        const char *suite = cr_str(v, "suite");
        snprintf(num, sizeof(num), "%lld", cr_int(v, "connections"));
        cr_span cells[] = {T(cr_str(v, "outcome")), T(version[0] != '\0' ? version : "-"),
                           T(suite[0] != '\0' ? suite : "-"), T(num)};
        row(cr, o, &tb, cells, COUNT(cells));
    }
    if (cr->grouped_other > 0) {
        snprintf(num, sizeof(num), "%zu", cr->grouped_other);
        cr_span cells[] = {T("other"), NONE, NONE, T(num)};
        row(cr, o, &tb, cells, COUNT(cells));
    }
    table_end(cr, o, &tb);
}

static void say_healthy(ta_casereport *cr, cr_out *o)
{
    static const cr_container sec = {CR_SECTION, NULL, "healthy", NULL, 0, true};
    static const cr_column cols[] = {COL("capture"), NUM("#"), COL("client"), COL("server"),
                                     COL("SNI")};
    static const cr_table t = {NULL, cols, COUNT(cols), false, false};
    char line[64];
    json_t *v;
    size_t i;
    table tb;

    snprintf(line, sizeof(line), "Other connections (%zu)", cr->num_healthy);
    section_begin(cr, o, &sec, line);
    text(cr, o, cr->num_healthy == 0 ? CR_MD_ONLY : CR_BOTH,
         "Connections without an error diagnosis, by outcome, version and cipher suite:");
    if (cr->num_healthy == 0) {
        text(cr, o, CR_BOTH, "None.");
        cr->be->end(o, &sec);
        return;
    }
    say_groups(cr, o);
    snprintf(line, sizeof(line), "The first %zu:", json_array_size(cr->healthy));
    text(cr, o, CR_BOTH, line);
    table_begin(cr, o, &tb, &t);
    json_array_foreach(cr->healthy, i, v) {
        char id[24];
        snprintf(id, sizeof(id), "%lld", cr_int(v, "id"));
        cr_span cells[] = {T(cr_str(v, "file")), T(id), T(cr_str(v, "client")),
                           T(cr_str(v, "server")), T(cr_str(v, "sni"))};
        row(cr, o, &tb, cells, COUNT(cells));
    }
    table_end(cr, o, &tb);
    cr->be->end(o, &sec);
}

/* ------------------------------------------------------------ the state */

static char *dup_or_empty(const char *s)
{
    return strdup(s != NULL ? s : "");
}

ta_casereport *ta_casereport_new(const ta_cr_opts *o)
{
    ta_casereport *cr = calloc(1, sizeof(*cr));
    if (cr == NULL) {
        return NULL;
    }
    cr->o = *o;
    cr->be = o->kind == TA_CR_HTML ? &cr_html_backend : &cr_md_backend;
    cr->o.version = dup_or_empty(o->version);
    cr->o.command_line = dup_or_empty(o->command_line);
    cr->o.profile = dup_or_empty(o->profile);
    cr->o.redaction = dup_or_empty(o->redaction);
    /* The sections follow an element of the page. */
    cr->sections.f = tmpfile();
    cr->sections.open = true;
    cr->captures = json_array();
    cr->failed_rules = json_object();
    cr->warned = json_array();
    cr->groups = json_array();
    cr->healthy = json_array();
    cr_time((double)time(NULL), cr->generated, sizeof(cr->generated));
    if (cr->o.version == NULL || cr->o.command_line == NULL || cr->o.profile == NULL ||
        cr->o.redaction == NULL || cr->sections.f == NULL || cr->captures == NULL ||
        cr->failed_rules == NULL || cr->warned == NULL || cr->groups == NULL ||
        cr->healthy == NULL) {
        ta_casereport_free(cr);
        return NULL;
    }
    return cr;
}

void ta_casereport_free(ta_casereport *cr)
{
    if (cr == NULL) {
        return;
    }
    free((char *)cr->o.version);
    free((char *)cr->o.command_line);
    free((char *)cr->o.profile);
    free((char *)cr->o.redaction);
    if (cr->sections.f != NULL) {
        fclose(cr->sections.f);
    }
    json_decref(cr->captures);
    json_decref(cr->failed_rules);
    json_decref(cr->warned);
    json_decref(cr->groups);
    json_decref(cr->healthy);
    free(cr);
}

/* The first diagnosis of |sev| or NULL. */
static json_t *first_with(json_t *conn, const char *sev)
{
    json_t *d;
    size_t i;
    json_array_foreach(json_object_get(conn, "diagnoses"), i, d) {
        if (strcmp(cr_str(d, "severity"), sev) == 0) {
            return d;
        }
    }
    return NULL;
}

static void count(json_t *obj, const char *key)
{
    json_object_set_new(obj, key, json_integer(cr_int(obj, key) + 1));
}

/* A connection in one line: what the brief lists keep. */
static json_t *brief(const char *file, json_t *conn)
{
    json_t *ch = json_object_get(conn, "client_hello");
    json_t *sh = json_object_get(conn, "server_hello");
    return json_pack("{s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:s}", "file", file, "id",
                     (json_int_t)cr_int(conn, "id"), "client", cr_str(conn, "client"), "server",
                     cr_str(conn, "server"), "sni", cr_str(ch, "sni"), "version",
                     cr_str(sh, "version"), "suite", cr_str(sh, "cipher_suite"), "outcome",
                     cr_str(conn, "outcome"));
}

/* Counts |conn| in its group (outcome, version, suite): a linear search,
 * the groups are capped at CR_MAX_GROUPS. */
static void add_to_group(ta_casereport *cr, json_t *conn)
{
    json_t *sh = json_object_get(conn, "server_hello");
    const char *outcome = cr_str(conn, "outcome");
    const char *version = cr_str(sh, "version");
    const char *suite = cr_str(sh, "cipher_suite");
    json_t *g;
    size_t i;
    json_array_foreach(cr->groups, i, g) {
        if (strcmp(cr_str(g, "outcome"), outcome) == 0 &&
            strcmp(cr_str(g, "version"), version) == 0 &&
            strcmp(cr_str(g, "suite"), suite) == 0) {
            count(g, "connections");
            return;
        }
    }
    if (json_array_size(cr->groups) >= CR_MAX_GROUPS) {
        cr->grouped_other++;
        return;
    }
    json_array_append_new(cr->groups, json_pack("{s:s, s:s, s:s, s:i}", "outcome", outcome,
                                                "version", version, "suite", suite,
                                                "connections", 1));
}

static void add_healthy(ta_casereport *cr, const char *file, json_t *conn)
{
    add_to_group(cr, conn);
    if (json_array_size(cr->healthy) < CR_MAX_HEALTHY) {
        json_array_append_new(cr->healthy, brief(file, conn));
    }
    cr->num_healthy++;
}

void ta_casereport_conn(ta_casereport *cr, const char *file, json_t *conn)
{
    json_t *err = first_with(conn, "error");
    json_t *warn = first_with(conn, "warning");

    cr->num_conns++;
    if (err != NULL) {
        cr->num_failed++;
        count(cr->failed_rules, cr_str(err, "rule"));
        if (cr->num_sections < cr->o.max_sections) {
            size_t cap_idx = json_array_size(cr->captures) + cr->captures_dropped;
            say_conn(cr, &cr->sections, file, cap_idx, conn);
            cr->num_sections++;
        }
        return;
    }
    if (warn != NULL) {
        if (json_array_size(cr->warned) < CR_MAX_WARNED) {
            json_t *b = brief(file, conn);
            json_object_set_new(b, "rule", json_string(cr_str(warn, "rule")));
            json_object_set_new(b, "title", json_string(cr_str(warn, "title")));
            json_array_append_new(cr->warned, b);
        }
        cr->num_warned++;
    }
    add_healthy(cr, file, conn);
}

void ta_casereport_capture(ta_casereport *cr, const char *file, json_t *summary)
{
    if (json_array_size(cr->captures) >= CR_MAX_CAPTURES) {
        cr->captures_dropped++;
        return;
    }
    json_t *c = json_deep_copy(summary);
    if (c == NULL) {
        cr->captures_dropped++;
        return;
    }
    json_object_set_new(c, "file", json_string(file));
    /* The per-capture tables are in the total; keep the copy small. */
    json_object_del(c, "cipher_suites");
    json_object_del(c, "top_failing_sni");
    json_object_del(c, "top_failing_servers");
    json_object_del(c, "failures_by_client_fingerprint");
    json_array_append_new(cr->captures, c);
}

int ta_casereport_finish(ta_casereport *cr, FILE *out, json_t *total)
{
    cr_out o = {out, false};
    cr->be->page_begin(&o, "TLS handshake report", cr->o.version);
    say_header(cr, &o);
    say_captures(cr, &o);
    say_summary(cr, &o, total);
    say_failed(cr, &o);
    say_warned(cr, &o);
    say_healthy(cr, &o);
    cr->be->page_end(&o);
    return fflush(out) == 0 && !ferror(out) && !ferror(cr->sections.f);
}

int ta_file_sha256(const char *path, char out_hex[65])
{
    unsigned char buf[65536];
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    size_t n;
    int ok = 0;
    FILE *f = fopen(path, "rb");
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();

    if (f != NULL && ctx != NULL && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1) {
        ok = 1;
        while (ok && (n = fread(buf, 1, sizeof(buf), f)) > 0) {
            ok = EVP_DigestUpdate(ctx, buf, n) == 1;
        }
        ok = ok && !ferror(f) && EVP_DigestFinal_ex(ctx, md, &md_len) == 1 && md_len == 32;
    }
    for (unsigned i = 0; ok && i < md_len; i++) {
        snprintf(out_hex + 2 * i, 3, "%02x", md[i]);
    }
    EVP_MD_CTX_free(ctx);
    if (f != NULL) {
        fclose(f);
    }
    return ok;
}
