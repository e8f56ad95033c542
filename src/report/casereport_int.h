/*
 * casereport_int.h - the support-case report inside: its document model,
 * the back ends that render it, and what the report derives from a
 * connection.  Not a public header: only the report modules include it.
 *
 * Calls go one way:
 *
 *   casereport.c   the report's state and its document: what each part
 *        |         says, in reading order, element by element
 *        |-------> report_facts.c  what the report derives from one
 *        |                         connection (evidence, key facts,
 *        |                         follow-up, the handshake's steps)
 *        '-------> a back end (cr_backend): report_md.c, or report_html.c
 *                  with svg.c for the steps
 *
 * The document model.  casereport.c says the document element by element
 * and the back end renders each one as it is said: no tree is built, so
 * memory stays what the capped lists hold.  The elements are containers
 * (the page header, a section, a failed connection's article), headings
 * (levels 1 to 4), paragraphs, lists, tables, code blocks and a
 * handshake's steps (a sequence diagram).  Text inside them is a list of
 * spans (plain, code, strong, a rule's text with `code` spans) that the
 * back end escapes.
 *
 * Where the two formats still say different things (their layouts grew
 * apart before the model), a span, a paragraph, a column or a row is
 * marked for one format (cr_only); casereport.c leaves it out before the
 * other back end sees it.
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
#define CR_MAX_SPANS 16        /* spans in one paragraph, heading or row */

/* ------------------------------------------------------ document model */

/* The formats an element is for. */
typedef enum {
    CR_BOTH = 0,
    CR_MD_ONLY,
    CR_HTML_ONLY
} cr_only;

typedef enum {
    CR_TEXT = 0,   /* plain text */
    CR_CODE,       /* code: Markdown `as it is`, HTML <code> */
    CR_STRONG,     /* strong emphasis */
    CR_RICH        /* a rule's text, whose `code` spans stay code */
} cr_span_kind;

typedef struct {
    cr_span_kind kind;
    const char *s;       /* in a table cell NULL is no value (an empty cell) */
    const char *cls;     /* HTML: in <span class="cls">; NULL for none */
    cr_only only;
} cr_span;

typedef enum {
    CR_HEADER = 0,   /* the page's header */
    CR_SECTION,      /* a part of the document: captures, summary, ... */
    CR_ARTICLE       /* a failed connection; Markdown gives it an anchor */
} cr_container_kind;

typedef struct {
    const char *name;    /* HTML: data-NAME="value" */
    const char *value;
} cr_data;

typedef struct {
    cr_container_kind kind;
    const char *cls;     /* HTML class, NULL for none */
    const char *id;      /* anchor, NULL for none */
    const cr_data *data;
    size_t num_data;
    bool tight;          /* HTML: the closing tag follows the last element
                          * on its line */
} cr_container;

typedef struct {
    const char *title;   /* NULL: an empty header cell */
    bool right;          /* numbers, right-aligned */
    const char *cls;     /* HTML: the cells' class */
    cr_only only;
} cr_column;

typedef struct {
    const char *cls;     /* HTML class, NULL for none */
    const cr_column *cols;
    size_t num_cols;
    bool keys;           /* the first column names each row (HTML <th>); the
                          * header row is Markdown's, which needs one */
    bool compact;        /* HTML: the whole table on one line */
} cr_table;

/* A row of a table: one span a cell, or one cell across the table. */
typedef struct {
    const cr_span *cells;
    size_t num_cells;
    bool across;         /* one cell over every column */
    const char *cls;     /* HTML: that cell's class */
} cr_row;

typedef struct {
    const char *cls;     /* HTML: the <pre>'s class */
    const char *lang;    /* Markdown: the fence's language */
    const char *text;    /* shown as it is; lines end with "\n" */
    bool no_backticks;   /* Markdown: backticks become quotes (a text from
                          * outside, such as the command line) */
} cr_code;

/* One arrow of a sequence diagram. */
typedef struct {
    bool from_client;
    bool fail;            /* what ended the handshake */
    long long frame;
    double ms;            /* since the first message (messages only) */
    char label[160];      /* fixed vocabulary: "ClientHello", "TCP RST" */
    bool client_hello;    /* the connection's ClientHello ... */
    const char *sni;      /* ... with this SNI, NULL when none was sent */
} cr_step;

/* A handshake as a sequence diagram: the messages (at most
 * CR_MAX_ARROWS), how many more were not drawn, and the TCP close when it
 * is part of the story. */
typedef struct {
    long long conn;
    const char *client;
    const char *server;
    cr_step steps[CR_MAX_ARROWS];
    size_t num_steps;
    size_t num_more;
    bool has_close;
    cr_step close;
} cr_diagram;

/* Where a back end writes: |open| says an element was written, so the
 * next one starts on a new line (HTML) or after a blank line (Markdown).
 * A stream starts closed for the page and open for the sections, which are
 * copied into the page after an element. */
typedef struct {
    FILE *f;
    bool open;
} cr_out;

/* A back end renders each element as casereport.c says it. */
typedef struct {
    void (*page_begin)(cr_out *o, const char *title, const char *generator);
    void (*page_end)(cr_out *o);
    void (*begin)(cr_out *o, const cr_container *c);
    void (*end)(cr_out *o, const cr_container *c);
    void (*heading)(cr_out *o, int level, const cr_span *s, size_t n);
    void (*paragraph)(cr_out *o, const char *cls, const cr_span *s, size_t n);
    void (*list_begin)(cr_out *o, const cr_span *intro, size_t n);
    void (*list_item)(cr_out *o, const cr_span *s, size_t n);
    void (*list_end)(cr_out *o);
    void (*table_begin)(cr_out *o, const cr_table *t);
    void (*table_row)(cr_out *o, const cr_table *t, const cr_row *r);
    void (*table_end)(cr_out *o, const cr_table *t);
    void (*code)(cr_out *o, const cr_code *c);
    void (*diagram)(cr_out *o, const cr_diagram *d);
} cr_backend;

extern const cr_backend cr_md_backend;     /* report_md.c */
extern const cr_backend cr_html_backend;   /* report_html.c */

/* cr_html_puts writes |s| with & < > " ' escaped (text and attributes). */
void cr_html_puts(FILE *f, const char *s);

/* cr_svg_diagram writes |d| as an inline SVG sequence diagram: client and
 * server lifelines, one arrow per step with frame and time, the failing
 * one marked (class "fail"). */
void cr_svg_diagram(FILE *f, const cr_diagram *d);

/* ---------------------------------------------- facts of one connection */

/* Small accessors: "" / 0 for a missing or mistyped member. */
const char *cr_str(json_t *o, const char *key);
long long cr_int(json_t *o, const char *key);

/* cr_time writes |t| (seconds since the epoch) as "2026-11-23T10:00:00.123Z". */
void cr_time(double t, char *buf, size_t n);

/* cr_span_of writes the time between a capture summary's first and last
 * packet ("3.2 ms", "4.0 min"), or "-". */
void cr_span_of(json_t *capture, char *buf, size_t n);

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

/* cr_steps fills |out| with the handshake of |conn| (its strings borrowed
 * from |conn|): one step per message, the one that ended the handshake
 * marked, and the TCP close (reset or FIN) when the handshake did not
 * complete. */
void cr_steps(json_t *conn, cr_diagram *out);

#endif
