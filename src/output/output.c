/* output.c - text, JSON and NDJSON writers (see ta_output.h). */
#include "ta_output.h"

#include "ta_textw.h"

#include <stdlib.h>
#include <string.h>

#define C_RED "\033[31m"
#define C_YELLOW "\033[33m"
#define C_BOLD "\033[1m"
#define C_OFF "\033[0m"

void ta_writer_init(ta_writer *w, ta_format fmt, FILE *out, bool color, bool verbose)
{
    memset(w, 0, sizeof(*w));
    w->fmt = fmt;
    w->out = out;
    w->color = color && fmt == TA_FMT_TEXT;
    w->verbose = verbose;
    w->first_capture = true;
}

int ta_writer_report_init(ta_writer *w, const ta_cr_opts *opts)
{
    ta_cr_opts o = *opts;
    o.kind = w->fmt == TA_FMT_HTML ? TA_CR_HTML : TA_CR_MARKDOWN;
    w->report = ta_casereport_new(&o);
    return w->report != NULL;
}

static bool is_report(const ta_writer *w)
{
    return w->fmt == TA_FMT_MARKDOWN || w->fmt == TA_FMT_HTML;
}

static const char *col(const ta_writer *w, const char *code)
{
    return w->color ? code : "";
}

/* With w->collect, connections' JSON is collected in w->conn and written
 * in pieces of about this size: one write(2) per connection (a few KiB)
 * cost a system call each on handshake-heavy captures. */
#define FLUSH_AT (256 * 1024)

/* Writes the connections collected so far; everything else the writer
 * writes calls this first, so the output keeps its order. */
static void flush_conns(ta_writer *w)
{
    if (w->conn.len > 0 && (w->fmt == TA_FMT_JSON || w->fmt == TA_FMT_NDJSON)) {
        fwrite(w->conn.p, 1, w->conn.len, w->out);
        ta_jbuf_clear(&w->conn);
    }
}

/* Serialises |j| into the writer's reused buffer; returns its length, or
 * 0 when memory ran out. */
static size_t serialise(ta_writer *w, json_t *j)
{
    size_t n = json_dumpb(j, w->buf, w->buf_size, JSON_COMPACT | JSON_ENCODE_ANY);
    if (n > w->buf_size) {
        char *p = realloc(w->buf, n * 2);
        if (p == NULL) {
            return 0;
        }
        w->buf = p;
        w->buf_size = n * 2;
        n = json_dumpb(j, w->buf, w->buf_size, JSON_COMPACT | JSON_ENCODE_ANY);
    }
    return n;
}

/* One fwrite per value: jansson's own FILE output writes piece by piece. */
static void dump(ta_writer *w, json_t *j)
{
    size_t n = serialise(w, j);
    fwrite(w->buf, 1, n, w->out);
}

/* Writes {"type":TYPE,"file":FILE, then the members of object |j|. */
static void dump_tagged(ta_writer *w, const char *type, const char *file, json_t *j)
{
    json_t *f = json_string(file);
    fprintf(w->out, "{\"type\":\"%s\",\"file\":", type);
    dump(w, f != NULL ? f : json_null());
    json_decref(f);
    size_t n = serialise(w, j);
    if (n >= 2 && w->buf[0] == '{') {
        fputc(n > 2 ? ',' : '}', w->out);
        fwrite(w->buf + 1, 1, n - 1 - (n == 2), w->out);
    } else {
        fputc('}', w->out);
    }
    fputc('\n', w->out);
}

void ta_writer_begin(ta_writer *w)
{
    if (w->fmt == TA_FMT_JSON) {
        fputs("{\"captures\":[", w->out);
    }
}

void ta_writer_capture_begin(ta_writer *w, const char *file)
{
    flush_conns(w);
    if (is_report(w)) {
        w->first_capture = false;
        return;
    }
    w->first_conn = true;
    w->hidden = 0;
    if (w->fmt == TA_FMT_JSON) {
        json_t *f = json_string(file);
        fputs(w->first_capture ? "\n{\"file\":" : ",\n{\"file\":", w->out);
        dump(w, f != NULL ? f : json_null());
        json_decref(f);
        fputs(",\"connections\":[", w->out);
    } else if (w->fmt == TA_FMT_TEXT) {
        fprintf(w->out, "%s%s%s\n", col(w, C_BOLD), file, col(w, C_OFF));
    }
    w->first_capture = false;
}

static const char *jstr(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s != NULL ? s : "";
}

static long long jint(json_t *o, const char *key)
{
    return (long long)json_integer_value(json_object_get(o, key));
}

/* The connection as a tree, for the writers that look facts up by name. */
static json_t *tree_of(ta_writer *w, ta_view *v, json_t **tree)
{
    if (*tree == NULL) {
        ta_jbuf_clear(&w->conn);
        if (ta_jsonw_conn(&w->conn, v, NULL, NULL)) {
            *tree = json_loadb(w->conn.p, w->conn.len, 0, NULL);
        }
        ta_jbuf_clear(&w->conn);   /* read, not to be written */
    }
    return *tree;
}

int ta_writer_conn(ta_writer *w, const char *file, ta_view *v, json_t **tree)
{
    int ok = 1;
    switch (w->fmt) {
    case TA_FMT_MARKDOWN:
    case TA_FMT_HTML:
        ok = tree_of(w, v, tree) != NULL;
        if (ok && w->report != NULL) {
            ta_casereport_conn(w->report, file, *tree);
        }
        break;
    case TA_FMT_JSON:
    case TA_FMT_NDJSON: {
        size_t start = w->conn.len;
        if (w->fmt == TA_FMT_JSON) {
            ta_jbuf_raw(&w->conn, w->first_conn ? "\n" : ",\n", w->first_conn ? 1 : 2);
            ok = ta_jsonw_conn(&w->conn, v, NULL, NULL);
        } else {
            ok = ta_jsonw_conn(&w->conn, v, "connection", file);
            ta_jbuf_raw(&w->conn, "\n", 1);
        }
        if (!ok || w->conn.nomem) {
            ok = 0;
            w->conn.len = start;   /* the connection is left out, the ones before kept */
            w->conn.nomem = false;
        }
        if (!w->collect || w->conn.len >= FLUSH_AT) {
            flush_conns(w);
        }
        break;
    }
    case TA_FMT_TEXT:
    default: {
        ta_textw t = {w->out, w->color, w->verbose};
        if (!ta_textw_conn(&t, v)) {
            w->hidden++;
        }
        break;
    }
    }
    w->first_conn = false;
    return ok;
}

/* "failures by client fingerprint (JA4)": the top fingerprints, each with
 * its count and the rules its connections got. */
static void text_fingerprints(ta_writer *w, json_t *s)
{
    json_t *top = json_object_get(s, "failures_by_client_fingerprint");
    size_t i;
    json_t *v;
    if (json_array_size(top) == 0) {
        return;
    }
    fprintf(w->out, "  failures by client fingerprint (JA4), %lld distinct:\n",
            jint(s, "failing_client_fingerprints"));
    json_array_foreach(top, i, v) {
        const char *rule;
        json_t *n;
        fprintf(w->out, "    %-42s %lld ", jstr(v, "name"), jint(v, "failures"));
        const char *sep = "(";
        json_object_foreach(json_object_get(v, "rules"), rule, n) {
            fprintf(w->out, "%s%s %lld", sep, rule, (long long)json_integer_value(n));
            sep = ", ";
        }
        fputs(*sep == ',' ? ")\n" : "\n", w->out);
    }
}

/* The roll-up tables: versions, suites, top failing names and servers. */
static void text_rollup(ta_writer *w, json_t *s)
{
    static const char *const tables[] = {"versions", "cipher_suites"};
    static const char *const tops[] = {"top_failing_sni", "top_failing_servers",
                                       "top_failing_apigee_places"};
    static const char *const by[] = {"SNI", "server", "place in the Apigee gateway"};
    const char *k;
    json_t *v;
    size_t i;

    for (size_t t = 0; t < 2; t++) {
        if (json_object_size(json_object_get(s, tables[t])) == 0) {
            continue;
        }
        fprintf(w->out, "  negotiated %s:\n", t == 0 ? "versions" : "cipher suites");
        json_object_foreach(json_object_get(s, tables[t]), k, v) {
            fprintf(w->out, "    %-42s %lld\n", k, (long long)json_integer_value(v));
        }
    }
    for (size_t t = 0; t < 3; t++) {
        if (json_array_size(json_object_get(s, tops[t])) == 0) {
            continue;
        }
        fprintf(w->out, "  most failures by %s:\n", by[t]);
        json_array_foreach(json_object_get(s, tops[t]), i, v) {
            fprintf(w->out, "    %-42s %lld\n", jstr(v, "name"), jint(v, "failures"));
        }
    }
    text_fingerprints(w, s);
}

static void text_summary(ta_writer *w, json_t *s)
{
    json_t *v;
    size_t i;

    fprintf(w->out, "\n  %lld packets, %lld TCP connections, ", jint(s, "packets"),
            jint(s, "tcp_connections"));
    if (jint(s, "quic_connections") > 0) {
        fprintf(w->out, "%lld QUIC connections, ", jint(s, "quic_connections"));
    }
    fprintf(w->out, "%lld with TLS: %lld completed, %s%lld failed%s", jint(s, "tls_connections"),
            jint(s, "completed"), jint(s, "failed") > 0 ? col(w, C_RED) : "", jint(s, "failed"),
            jint(s, "failed") > 0 ? col(w, C_OFF) : "");
    if (w->hidden > 0) {
        fprintf(w->out, " (%zu without TLS or begun mid-stream not shown; -v shows them)",
                w->hidden);
    }
    fputc('\n', w->out);
    const char *rule;
    json_object_foreach(json_object_get(s, "failed_by_rule"), rule, v) {
        fprintf(w->out, "    %-34s %lld\n", rule, (long long)json_integer_value(v));
    }
    if (w->summary) {
        text_rollup(w, s);
    }
    json_array_foreach(json_object_get(s, "warnings"), i, v) {
        fprintf(w->out, "  %swarning:%s %s\n", col(w, C_YELLOW), col(w, C_OFF),
                json_string_value(v));
    }
    fputc('\n', w->out);
}

void ta_writer_capture_end(ta_writer *w, const char *file, json_t *summary)
{
    flush_conns(w);
    switch (w->fmt) {
    case TA_FMT_MARKDOWN:
    case TA_FMT_HTML:
        if (w->report != NULL) {
            ta_casereport_capture(w->report, file, summary);
        }
        break;
    case TA_FMT_JSON: {
        /* The summary's members follow "connections" in the same object. */
        size_t n = serialise(w, summary);
        fputs("]", w->out);
        if (n > 2 && w->buf[0] == '{') {
            fputc(',', w->out);
            fwrite(w->buf + 1, 1, n - 1, w->out);
        } else {
            fputc('}', w->out);
        }
        break;
    }
    case TA_FMT_NDJSON:
        dump_tagged(w, "capture", file, summary);
        break;
    case TA_FMT_TEXT:
    default:
        text_summary(w, summary);
        break;
    }
}

void ta_writer_end(ta_writer *w, json_t *total)
{
    flush_conns(w);
    if (is_report(w)) {
        w->write_error = w->report == NULL || !ta_casereport_finish(w->report, w->out, total);
        ta_casereport_free(w->report);
        w->report = NULL;
    } else if (w->fmt == TA_FMT_JSON) {
        fputs("\n]", w->out);
        if (total != NULL) {
            fputs(",\"total\":", w->out);
            dump(w, total);
        }
        fputs("}\n", w->out);
    } else if (w->fmt == TA_FMT_NDJSON && total != NULL) {
        dump_tagged(w, "total", "", total);
    } else if (total != NULL) {
        fprintf(w->out, "%stotal%s: %lld captures, %lld connections, %lld with TLS: %lld "
                "completed, %lld with an error diagnosis\n", col(w, C_BOLD), col(w, C_OFF),
                jint(total, "captures"),
                jint(total, "tcp_connections") + jint(total, "quic_connections"),
                jint(total, "tls_connections"), jint(total, "completed"),
                jint(total, "diagnosed_errors"));
        const char *rule;
        json_t *v;
        json_object_foreach(json_object_get(total, "failed_by_rule"), rule, v) {
            fprintf(w->out, "    %-34s %lld\n", rule, (long long)json_integer_value(v));
        }
        text_rollup(w, total);
    }
    fflush(w->out);
    free(w->buf);
    w->buf = NULL;
    w->buf_size = 0;
    ta_jbuf_free(&w->conn);
}
