/*
 * textw.c - a connection as human text, read from its view through the
 * schema (see ta_textw.h).
 *
 * The text names facts by their JSON keys, as a reader of the JSON would;
 * each key is looked up among its object's members in the schema (a few
 * dozen lookups per connection shown, against the lines it prints), and
 * the value read by the node's accessor.  A value that is missing, null
 * or of another type reads as "", 0 or false, so the text never depends
 * on more than the contract promises.
 */
#include "ta_textw.h"

#include <stdlib.h>
#include <string.h>

#define C_RED "\033[31m"
#define C_GREEN "\033[32m"
#define C_YELLOW "\033[33m"
#define C_BOLD "\033[1m"
#define C_OFF "\033[0m"

/* A value read from the view, with the node that read it (NULL: none).
 * Strings may live in |f.buf|: a tval is filled in place, never copied. */
typedef struct {
    ta_view *v;
    const ta_fnode *n;
    ta_fval f;
} tval;

static void none(tval *out, ta_view *v)
{
    out->v = v;
    out->n = NULL;
    out->f.kind = TA_FV_ABSENT;
}

/* The member |key| of object |obj|. */
static void member(tval *out, const tval *obj, const char *key)
{
    none(out, obj->v);
    if (obj->f.kind != TA_FV_OBJ) {
        return;
    }
    out->n = ta_fnode_member(obj->n, key, strlen(key));
    if (out->n != NULL) {
        ta_view_get(obj->v, out->n, obj->f.base, 0, &out->f);
    }
}

static size_t count_of(const tval *arr)
{
    return arr->f.kind == TA_FV_ARR ? arr->f.count : 0;
}

/* Element |i| of array |arr|. */
static void elem(tval *out, const tval *arr, size_t i)
{
    none(out, arr->v);
    if (i < count_of(arr)) {
        out->n = &arr->n->kids[0];
        ta_view_get(arr->v, out->n, arr->f.base, i, &out->f);
    }
}

/* The final text of a string value (escaped, redacted), "" for any other
 * kind; it stays valid until the view's arena is reset. */
static const char *text(tval *t)
{
    if (t->f.kind != TA_FV_STR) {
        return "";
    }
    size_t len;
    const char *s = ta_view_text(t->v, t->n, &t->f, &len);
    if (s >= t->f.buf && s < t->f.buf + sizeof(t->f.buf)) {
        char *copy = ta_arena_strndup(t->v->arena, s, len);
        if (copy == NULL) {
            t->v->nomem = true;
            return "";
        }
        s = copy;
    }
    return s;
}

static const char *str(const tval *obj, const char *key)
{
    tval m;
    member(&m, obj, key);
    return text(&m);
}

static long long num(const tval *obj, const char *key)
{
    tval m;
    member(&m, obj, key);
    return m.f.kind == TA_FV_INT ? (long long)m.f.i : 0;
}

static bool is_true(const tval *obj, const char *key)
{
    tval m;
    member(&m, obj, key);
    return m.f.kind == TA_FV_BOOL && m.f.b;
}

static bool is_kind(const tval *obj, const char *key, ta_fvkind kind)
{
    tval m;
    member(&m, obj, key);
    return m.f.kind == kind;
}

static size_t count(const tval *obj, const char *key)
{
    tval m;
    member(&m, obj, key);
    return count_of(&m);
}

static const char *col(const ta_textw *t, const char *code)
{
    return t->color ? code : "";
}

static void text_client_hello(const ta_textw *t, const tval *ch, bool quic)
{
    tval sni;
    tval alpn;
    const char *max = str(ch, "max_version");
    const char *legacy = str(ch, "legacy_version");

    fprintf(t->out, "%s", max);
    if (strcmp(max, legacy) != 0) {
        fprintf(t->out, quic ? " (legacy %s)" : " (record %s)", legacy);
    }
    member(&sni, ch, "sni");
    if (sni.f.kind == TA_FV_STR) {
        fprintf(t->out, ", SNI %s", text(&sni));
    } else {
        fprintf(t->out, ", %sno SNI%s", col(t, C_YELLOW), col(t, C_OFF));
    }
    fprintf(t->out, ", %zu cipher suites", count(ch, "cipher_suites"));
    member(&alpn, ch, "alpn");
    if (count_of(&alpn) > 0) {
        fputs(", ALPN ", t->out);
        for (size_t i = 0; i < count_of(&alpn); i++) {
            tval a;
            elem(&a, &alpn, i);
            fprintf(t->out, "%s%s", i > 0 ? "," : "", text(&a));
        }
    }
    /* -v: which client stack this is. */
    if (t->verbose && is_kind(ch, "ja4", TA_FV_STR)) {
        fprintf(t->out, ", JA4 %s, JA3 %s", str(ch, "ja4"), str(ch, "ja3_hash"));
    }
}

static void text_certificates(const ta_textw *t, const tval *conn, long long frame,
                              const char *from)
{
    tval certs;
    tval cc;
    size_t n = 0;

    member(&certs, conn, "certificates");
    for (size_t i = 0; i < count_of(&certs); i++) {
        tval c;
        elem(&c, &certs, i);
        if (num(&c, "frame") != frame || strcmp(str(&c, "from"), from) != 0) {
            continue;
        }
        if (n == 0 && is_true(&c, "parse_error")) {
            fprintf(t->out, "%sa certificate that does not parse%s (sha256 %.16s...)",
                    col(t, C_YELLOW), col(t, C_OFF), str(&c, "sha256"));
        } else if (n == 0) {
            fprintf(t->out, "%s, valid %s .. %s", str(&c, "subject"), str(&c, "not_before"),
                    str(&c, "not_after"));
        }
        n++;
    }
    member(&cc, conn, "client_certificate");
    if (strcmp(from, "client") == 0 && cc.f.kind == TA_FV_OBJ && num(&cc, "certificates") == 0) {
        fprintf(t->out, "%sempty: no client certificate%s", col(t, C_YELLOW), col(t, C_OFF));
    } else if (n > 1) {
        fprintf(t->out, " (+%zu more in the chain)", n - 1);
    }
}

static void text_alert(const ta_textw *t, const tval *al)
{
    if (is_true(al, "encrypted")) {
        fprintf(t->out, "%sencrypted alert%s%s", col(t, C_RED), col(t, C_OFF),
                is_true(al, "inferred") ? " (recognised by its size)" : "");
        return;
    }
    const char *level = str(al, "level");
    bool fatal = strcmp(level, "fatal") == 0;
    fprintf(t->out, "%s%s %s%s", fatal ? col(t, C_RED) : "", level, str(al, "description"),
            fatal ? col(t, C_OFF) : "");
}

/* One line per message on the wire, in frame order. */
static void text_message(const ta_textw *t, const tval *conn, const tval *m)
{
    const char *what = str(m, "message");
    const char *from = str(m, "from");
    long long frame = num(m, "frame");
    tval obj;

    bool details = strcmp(what, "ClientHello") == 0 || strcmp(what, "ServerHello") == 0 ||
                   strcmp(what, "Certificate") == 0 || strcmp(what, "Alert") == 0;
    /* Pad the name only when details follow: no trailing blanks. */
    fprintf(t->out, "    frame %-6lld %-6s  %-*s", frame, from, details ? 19 : 0, what);
    if (strcmp(what, "ClientHello") == 0) {
        member(&obj, conn, "client_hello");
        if (obj.f.kind == TA_FV_OBJ && num(&obj, "frame") == frame) {
            text_client_hello(t, &obj, is_kind(conn, "quic", TA_FV_OBJ));
        }
    } else if (strcmp(what, "ServerHello") == 0) {
        member(&obj, conn, "server_hello");
        if (obj.f.kind == TA_FV_OBJ && num(&obj, "frame") == frame) {
            fprintf(t->out, "%s, %s", str(&obj, "version"), str(&obj, "cipher_suite"));
        }
    } else if (strcmp(what, "Certificate") == 0) {
        text_certificates(t, conn, frame, from);
    } else if (strcmp(what, "Alert") == 0) {
        tval alerts;
        member(&alerts, conn, "alerts");
        elem(&obj, &alerts, (size_t)num(m, "alert"));
        text_alert(t, &obj);
    } else if (strcmp(what, "ConnectionClose") == 0) {
        tval quic;
        member(&quic, conn, "quic");
        member(&obj, &quic, "close");
        if (obj.f.kind == TA_FV_OBJ && num(&obj, "frame") == frame) {
            fprintf(t->out, " %s %s", str(&obj, "error_code"),
                    is_kind(&obj, "error", TA_FV_STR) ? str(&obj, "error") : "(application)");
        }
    }
    if (is_true(m, "decrypted")) {
        fputs(details ? "  (decrypted)" : " (decrypted)", t->out);
    }
    fputc('\n', t->out);
}

#define MAX_CLOSE_ITEMS 8

typedef struct {
    long long frame;
    char text[64];
} close_item;

static int by_frame(const void *x, const void *y)
{
    const close_item *a = x;
    const close_item *b = y;
    return a->frame < b->frame ? -1 : a->frame > b->frame;
}

/* One alert as the "closed:" line names it. */
static void close_alert_text(const tval *al, char *buf, size_t n)
{
    const char *from = str(al, "from");
    if (is_true(al, "encrypted")) {
        snprintf(buf, n, "%s encrypted alert%s", from,
                 is_true(al, "inferred") ? " (by size)" : "");
    } else {
        bool fatal = strcmp(str(al, "level"), "fatal") == 0;
        snprintf(buf, n, "%s %s%s%s", from, fatal ? "fatal " : "", str(al, "description"),
                 is_true(al, "decrypted") ? " (decrypted)" : "");
    }
}

/* Whether alert |al| is the one that ended the connection. */
static bool is_ending(const tval *ending, const tval *al)
{
    return ending->f.kind == TA_FV_OBJ && num(ending, "frame") == num(al, "frame") &&
           strcmp(str(ending, "from"), str(al, "from")) == 0;
}

/* "closed:": how the connection ended, in frame order: the alerts after
 * the handshake (or the one that ended it), then each side's FIN and RST. */
static void text_closed(const ta_textw *t, const tval *conn)
{
    static const char *const tcp[][2] = {{"client_fin", "client FIN"}, {"client_rst", "client RST"},
                                         {"server_fin", "server FIN"}, {"server_rst", "server RST"}};
    close_item items[MAX_CLOSE_ITEMS + 5];
    size_t n = 0;
    size_t more = 0;
    tval ending;
    tval alerts;
    tval tc;

    member(&ending, conn, "alert");
    member(&alerts, conn, "alerts");
    for (size_t i = 0; i < count_of(&alerts); i++) {
        tval al;
        elem(&al, &alerts, i);
        if (!is_true(&al, "after_handshake") && !is_ending(&ending, &al)) {
            continue;
        }
        if (n == MAX_CLOSE_ITEMS) {
            more++;
            continue;
        }
        items[n].frame = num(&al, "frame");
        close_alert_text(&al, items[n].text, sizeof(items[n].text));
        n++;
    }
    tval quic;
    tval qc;
    member(&quic, conn, "quic");
    member(&qc, &quic, "close");
    if (qc.f.kind == TA_FV_OBJ) {
        items[n].frame = num(&qc, "frame");
        snprintf(items[n].text, sizeof(items[n].text), "%s CONNECTION_CLOSE %s", str(&qc, "from"),
                 str(&qc, "error_code"));
        n++;
    }
    member(&tc, conn, "tcp_close");
    for (size_t i = 0; i < 4; i++) {
        if (is_kind(&tc, tcp[i][0], TA_FV_INT)) {
            items[n].frame = num(&tc, tcp[i][0]);
            snprintf(items[n].text, sizeof(items[n].text), "%s", tcp[i][1]);
            n++;
        }
    }
    if (n == 0) {
        return;
    }
    qsort(items, n, sizeof(items[0]), by_frame);
    fputs("    closed:", t->out);
    for (size_t i = 0; i < n; i++) {
        fprintf(t->out, "%s %s (frame %lld)", i > 0 ? "," : "", items[i].text, items[i].frame);
    }
    if (more > 0) {
        fprintf(t->out, " and %zu more alerts", more);
    }
    fputc('\n', t->out);
}

/* Prints |s| wrapped at about 100 columns, continuation lines indented
 * by |indent|; the first line starts at column |at|. */
static void wrap(const ta_textw *t, const char *s, int indent, int at)
{
    const char *p = s;
    bool first = true;
    while (*p != '\0') {
        while (*p == ' ') {
            p++;
        }
        size_t word = strcspn(p, " ");
        if (word == 0) {
            break;
        }
        if (!first && at + 1 + (int)word > 100) {
            fprintf(t->out, "\n%*s", indent, "");
            at = indent;
        } else if (!first) {
            fputc(' ', t->out);
            at++;
        }
        fwrite(p, 1, word, t->out);
        at += (int)word;
        p += word;
        first = false;
    }
    fputc('\n', t->out);
}

/* The root cause in full (summary, evidence, fault, fix). */
static void text_root_cause(const ta_textw *t, const tval *d, const char *c)
{
    tval evidence;

    fprintf(t->out, "    %s%s%s %s%s%s: %s\n      ", col(t, c), str(d, "severity"),
            col(t, C_OFF), col(t, C_BOLD), str(d, "rule"), col(t, C_OFF), str(d, "title"));
    wrap(t, str(d, "summary"), 6, 6);
    member(&evidence, d, "evidence");
    for (size_t k = 0; k < count_of(&evidence); k++) {
        tval e;
        elem(&e, &evidence, k);
        fprintf(t->out, "      %-9s frame %-6lld ", k == 0 ? "evidence" : "", num(&e, "frame"));
        wrap(t, str(&e, "fact"), 29, 29);
    }
    fprintf(t->out, "      %-9s %s (fixed by: %s)\n", "fault", str(d, "fault"),
            str(d, "fixes_by"));
    if (is_kind(d, "remediation", TA_FV_STR)) {
        fprintf(t->out, "      %-9s ", "fix");
        wrap(t, str(d, "remediation"), 16, 16);
    }
}

/* The root cause in full, then one line per further diagnosis. */
static void text_diagnoses(const ta_textw *t, const tval *conn)
{
    tval diags;

    member(&diags, conn, "diagnoses");
    for (size_t i = 0; i < count_of(&diags); i++) {
        tval d;
        elem(&d, &diags, i);
        const char *sev = str(&d, "severity");
        const char *c = strcmp(sev, "error") == 0 ? C_RED : (strcmp(sev, "warning") == 0
                                                               ? C_YELLOW : "");
        if (i > 0) {
            fprintf(t->out, "    %salso %s%s %s: %s\n", col(t, c), sev, col(t, C_OFF),
                    str(&d, "rule"), str(&d, "title"));
        } else {
            text_root_cause(t, &d, c);
        }
    }
}

/* Each string of the array |key| of |ch| on a line of its own. */
static void text_list(const ta_textw *t, const tval *ch, const char *key, const char *label)
{
    tval arr;
    member(&arr, ch, key);
    for (size_t i = 0; i < count_of(&arr); i++) {
        tval s;
        elem(&s, &arr, i);
        fprintf(t->out, "      %s%s:%s %s\n", col(t, C_YELLOW), label, col(t, C_OFF), text(&s));
    }
}

/* The chain's trust, name and validity verdicts, on the chain's line. */
static void text_chain_verdicts(const ta_textw *t, const tval *ch)
{
    tval v;

    member(&v, ch, "trusted");
    if (v.f.kind == TA_FV_BOOL) {
        bool trusted = v.f.b;
        fprintf(t->out, "; %s%s%s by %s", col(t, trusted ? C_GREEN : C_YELLOW),
                trusted ? "trusted" : "not trusted", col(t, C_OFF), str(ch, "trust_store"));
        if (!trusted) {
            fprintf(t->out, " (%s at depth %lld: %s)", str(ch, "verify_error"),
                    num(ch, "verify_depth"), str(ch, "verify_subject"));
        }
    }
    member(&v, ch, "hostname_match");
    if (v.f.kind == TA_FV_BOOL) {
        bool match = v.f.b;
        fprintf(t->out, "; name %s %s%s%s", str(ch, "hostname"), col(t, match ? C_GREEN : C_RED),
                match ? "matches" : "does not match", col(t, C_OFF));
        if (strcmp(str(ch, "hostname_checked"), "cn") == 0) {
            fputs(" (no DNS SAN: checked against the CN)", t->out);
        }
    }
    if (is_true(ch, "expired")) {
        fprintf(t->out, "; %sexpired%s at capture time", col(t, C_RED), col(t, C_OFF));
    } else if (is_true(ch, "not_yet_valid")) {
        fprintf(t->out, "; %snot yet valid%s at capture time", col(t, C_RED), col(t, C_OFF));
    } else if (is_kind(ch, "days_left", TA_FV_INT)) {
        fprintf(t->out, "; %lld day(s) left at capture time", num(ch, "days_left"));
    }
}

/* One line of chain facts (ta_chain.h), then its findings and the
 * command that repeats the verification by hand. */
static void text_chain(const ta_textw *t, const tval *conn, const char *key, const char *who)
{
    tval ch;
    tval arr;
    tval x;

    member(&ch, conn, key);
    if (ch.f.kind != TA_FV_OBJ) {
        return;
    }
    fprintf(t->out, "    %s chain: %lld certificate(s), %s, %s", who, num(&ch, "length"),
            is_true(&ch, "ordered") ? "in order" : "out of order",
            is_true(&ch, "complete") ? "complete" : "incomplete");
    if (is_kind(&ch, "missing_issuer", TA_FV_STR)) {
        fprintf(t->out, " (issuer not sent: %s)", str(&ch, "missing_issuer"));
    }
    text_chain_verdicts(t, &ch);
    fputc('\n', t->out);
    text_list(t, &ch, "weak", "weak");
    text_list(t, &ch, "policy", "policy");
    member(&arr, &ch, "extra");
    for (size_t i = 0; i < count_of(&arr); i++) {
        tval s;
        elem(&s, &arr, i);
        fprintf(t->out, "      not on the issuer path: %s\n",
                s.f.kind == TA_FV_STR ? text(&s) : "an unparsable certificate");
    }
    member(&x, &ch, "extracted");
    if (x.f.kind == TA_FV_OBJ) {
        fprintf(t->out, "      verify by hand: %s\n", str(&x, "verify_command"));
    }
    if (is_kind(&ch, "extract_error", TA_FV_STR)) {
        fprintf(t->out, "      %s--extract-certs:%s %s\n", col(t, C_YELLOW), col(t, C_OFF),
                str(&ch, "extract_error"));
    }
}

/* A readable fatal alert after the handshake (bad_record_mac...): worth
 * more than the one-line summary of a healthy connection. */
static bool late_fatal(const tval *conn)
{
    tval alerts;
    member(&alerts, conn, "alerts");
    for (size_t i = 0; i < count_of(&alerts); i++) {
        tval al;
        elem(&al, &alerts, i);
        if (is_true(&al, "after_handshake") && strcmp(str(&al, "level"), "fatal") == 0) {
            return true;
        }
    }
    return false;
}

/* Everything after the connection's first line: diagnoses, the messages,
 * how it closed, the chains and the warnings. */
static void text_details(const ta_textw *t, const tval *conn)
{
    tval list;

    text_diagnoses(t, conn);
    member(&list, conn, "messages");
    for (size_t i = 0; i < count_of(&list); i++) {
        tval m;
        elem(&m, &list, i);
        text_message(t, conn, &m);
    }
    text_closed(t, conn);
    text_chain(t, conn, "chain", "server");
    text_chain(t, conn, "client_chain", "client");
    member(&list, conn, "warnings");
    for (size_t i = 0; i < count_of(&list); i++) {
        tval m;
        elem(&m, &list, i);
        fprintf(t->out, "    %swarning:%s %s\n", col(t, C_YELLOW), col(t, C_OFF), text(&m));
    }
}

bool ta_textw_conn(const ta_textw *t, ta_view *v)
{
    tval conn;

    conn.v = v;
    conn.n = &ta_schema_conn;
    ta_view_get(v, &ta_schema_conn, NULL, 0, &conn.f);

    const char *outcome = str(&conn, "outcome");
    bool ok = strcmp(outcome, "completed") == 0;
    size_t num_diags = count(&conn, "diagnoses");
    bool quiet = (strcmp(outcome, "not_tls") == 0 || strcmp(outcome, "midstream") == 0) &&
                 num_diags == 0;

    if (quiet && !t->verbose) {
        return false;
    }
    fprintf(t->out, "\n  #%lld  %s -> %s  %s%s%s", num(&conn, "id"), str(&conn, "client"),
            str(&conn, "server"), col(t, ok ? C_GREEN : (quiet ? "" : C_RED)),
            ok ? "completed" : outcome, col(t, C_OFF));
    tval quic;
    member(&quic, &conn, "quic");
    if (quic.f.kind == TA_FV_OBJ) {
        fprintf(t->out, "  QUIC %s", str(&quic, "version"));
    }
    bool clean = ok && num_diags == 0 && count(&conn, "warnings") == 0 && !late_fatal(&conn);
    if (clean && !t->verbose) {
        /* A healthy handshake in one line; -v shows its messages. */
        tval sh;
        tval ch;
        tval sni;
        member(&sh, &conn, "server_hello");
        member(&ch, &conn, "client_hello");
        member(&sni, &ch, "sni");
        const char *version = str(&sh, "version");
        const char *suite = str(&sh, "cipher_suite");
        fprintf(t->out, "  %s, %s, SNI %s\n", version, suite,
                sni.f.kind == TA_FV_STR ? text(&sni) : "none");
        return true;
    }
    fputc('\n', t->out);
    tval apigee;
    member(&apigee, &conn, "apigee");
    if (is_kind(&apigee, "summary", TA_FV_STR)) {
        fprintf(t->out, "    %s\n", str(&apigee, "summary"));
    }
    text_details(t, &conn);
    return true;
}
