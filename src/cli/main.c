/* main.c - command line: options, the loop over captures, exit status. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ta_analyze.h"
#include "ta_capture.h"
#include "ta_casereport.h"
#include "ta_escape.h"
#include "ta_inputs.h"
#include "ta_keylog.h"
#include "ta_names.h"
#include "ta_output.h"
#include "ta_parallel.h"
#include "ta_chain.h"
#include "ta_redact.h"
#include "ta_apigee_line.h"
#include "ta_derive.h"
#include "ta_jsonw.h"
#include "ta_schema.h"
#include "ta_rollup.h"
#include "ta_rules.h"
#include "ta_zstream.h"
#include "ta_options.h"

/* Per-capture context handed to the analyzer's callbacks. */
typedef struct {
    ta_analyzer *an;
    ta_writer *w;
    const ta_options *o;
    const char *file;      /* escaped name */
    char stem[64];         /* file name without directory and extensions, for file names */
    const char *out_file;  /* the name the output shows (a pseudonym with --redact) */
    ta_rollup *roll;       /* this capture's counts */
    uint64_t outside;      /* records outside --since/--until */
    bool progress;         /* a progress line on the terminal (stderr) */
    uint64_t file_size;    /* for the ETA; 0 when unknown (stdin, compressed) */
    uint64_t bytes;        /* record bytes read so far */
    uint64_t records;
    double started;
    double shown;
    ta_keylog *secrets;    /* this capture's own key log (pcapng DSB), owned */
    size_t bad_secret_lines;
    ta_arena arena;        /* per connection: freed when it has been written */
    uint64_t fp_left_out;  /* connections --client-fingerprint left out */
    uint64_t fp_left_out_failed;   /* ...of them with a failed handshake */
    ta_jbuf scratch;       /* rule texts are built here, reused */
    ta_apigee *apigee;     /* --profile apigee, apigee-x: the gateway's parts; else NULL */
} capture_ctx;

/* Where the default rules are: $TLSANALYZE_RULES, rules/ beside the
 * program (or two levels up, for the build/ trees), else the installed
 * copy. */
static int default_rules_dir(char *out, size_t n)
{
    const char *env = getenv("TLSANALYZE_RULES");
    char exe[4096];
    struct stat st;

    if (env != NULL) {
        snprintf(out, n, "%s", env);
        return 1;
    }
    ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (len > 0) {
        exe[len] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash != NULL) {
            *slash = '\0';
            static const char *const rel[] = {"/rules", "/../../rules",
                                              "/../share/tlsanalyze/rules"};
            for (size_t i = 0; i < sizeof(rel) / sizeof(rel[0]); i++) {
                snprintf(out, n, "%s%s", exe, rel[i]);
                if (stat(out, &st) == 0 && S_ISDIR(st.st_mode)) {
                    return 1;
                }
            }
        }
    }
    snprintf(out, n, "%s", TA_RULES_DIR);
    return stat(out, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Loads the default rules and every --rules directory (later ones
 * override rules with the same id).  0 with a message on stderr. */
static int load_rules(ta_options *o)
{
    char err[1024];
    char dir[4096];

    o->rules = ta_rules_new();
    if (o->rules == NULL) {
        return 0;
    }
    if (!o->no_default_rules) {
        if (!default_rules_dir(dir, sizeof(dir))) {
            fprintf(stderr, "tlsanalyze: default rules not found (%s); set TLSANALYZE_RULES or "
                    "use --rules DIR\n", dir);
            return 0;
        }
        if (!ta_rules_load_dir(o->rules, dir, err, sizeof(err))) {
            fprintf(stderr, "tlsanalyze: %s\n", err);
            return 0;
        }
    }
    for (size_t i = 0; i < o->num_rule_dirs; i++) {
        struct stat st;
        int ok = stat(o->rule_dirs[i], &st) == 0 && S_ISDIR(st.st_mode)
                     ? ta_rules_load_dir(o->rules, o->rule_dirs[i], err, sizeof(err))
                     : ta_rules_load_file(o->rules, o->rule_dirs[i], err, sizeof(err));
        if (!ok) {
            fprintf(stderr, "tlsanalyze: %s\n", err);
            return 0;
        }
    }
    return 1;
}

/* options_free frees what the options own (NULL members are fine). */
static void options_free(ta_options *o)
{
    ta_chain_ctx_free(o->chains);
    ta_redactor_free(o->redactor);
    ta_keylog_free(o->keylog);
    ta_rules_free(o->rules);
    free(o->filter_buf);
    memset(o, 0, sizeof(*o));
}

/* open_chains loads the trust stores and prepares --extract-certs. */
static int open_chains(ta_options *o)
{
    char err[PATH_MAX + 256];
    const char *dir = o->chain.extract_dir;
    struct stat st;

    if (dir != NULL && mkdir(dir, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "tlsanalyze: --extract-certs %s: %s\n", dir, strerror(errno));
        return 0;
    }
    if (dir != NULL && (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode) || access(dir, W_OK) != 0)) {
        fprintf(stderr, "tlsanalyze: --extract-certs %s: not a writable directory\n", dir);
        return 0;
    }
    o->chain.intercept = o->rules != NULL ? ta_rules_intercept(o->rules) : NULL;
    o->chains = ta_chain_ctx_new(&o->chain, err, sizeof(err));
    if (o->chains == NULL) {
        fprintf(stderr, "tlsanalyze: %s\n", err);
        return 0;
    }
    return 1;
}

/* --client-fingerprint: does the client's JA4 or JA3 hash match one? */
static bool client_fp_wanted(const ta_options *o, ta_derived *d)
{
    if (o->num_client_fps == 0) {
        return true;
    }
    (void)ta_derive_fingerprints(d);
    for (size_t i = 0; i < o->num_client_fps; i++) {
        if ((d->ja4_r != NULL && strcmp(o->client_fps[i], d->ja4) == 0) ||
            (d->ja3 != NULL && strcmp(o->client_fps[i], d->ja3_hash) == 0)) {
            return true;
        }
    }
    return false;
}

static void on_conn(void *arg, ta_conn *c)
{
    capture_ctx *cx = arg;
    const ta_options *o = cx->o;
    ta_derived d;
    ta_view v;
    json_t *tree = NULL;
    /* --summary needs rule ids and severities only: no texts. */
    ta_rules_run run = {o->profile, o->min_severity, !o->summary || o->report != NULL,
                        &cx->scratch};

    int ok = ta_derive(&d, c, o->chains, cx->stem, &cx->arena);
    if (!client_fp_wanted(o, &d)) {
        cx->fp_left_out++;
        cx->fp_left_out_failed += ta_conn_failed(c);
        ta_derived_cleanup(&d);
        ta_arena_reset(&cx->arena);
        return;
    }
    if (cx->apigee != NULL) {
        ta_apigee_place_conn(cx->apigee, c, &d.apigee);
        d.has_apigee = true;
    }
    ta_view_init(&v, c, &d, &cx->arena, o->redactor);
    if (d.has_apigee) {
        d.apigee_line = ta_apigee_line(&v);
    }
    ok = ok && ta_rules_eval(o->rules, &v, &run);
    if (ok) {
        ta_rollup_conn(cx->roll, &v);
        if (!o->summary) {
            ok = ta_writer_conn(cx->w, cx->out_file, &v, &tree);
        }
        if (o->report != NULL) {
            ok = ta_writer_conn(o->report, cx->out_file, &v, &tree) && ok;
        }
    }
    if (!ok || v.nomem || d.fp_nomem) {
        fprintf(stderr, "tlsanalyze: %s: out of memory; connection %llu left out\n", cx->file,
                (unsigned long long)c->id);
    }
    json_decref(tree);
    ta_view_cleanup(&v);
    ta_derived_cleanup(&d);
    ta_arena_reset(&cx->arena);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* At most twice a second: position, speed, ETA, connections and errors. */
static void show_progress(capture_ctx *cx)
{
    double t = now_s();
    if (t - cx->shown < 0.5) {
        return;
    }
    cx->shown = t;
    double rate = (double)cx->bytes / (t - cx->started > 0 ? t - cx->started : 1e-9);
    const ta_stats *st = ta_analyzer_stats(cx->an);
    fprintf(stderr, "\r\033[K%s: %.0f MB", cx->file, (double)cx->bytes / 1e6);
    if (cx->file_size > 0 && cx->bytes <= cx->file_size) {
        fprintf(stderr, " (%.0f%%, ETA %.0f s)", 100.0 * (double)cx->bytes / (double)cx->file_size,
                (double)(cx->file_size - cx->bytes) / (rate > 0 ? rate : 1));
    }
    fprintf(stderr, ", %.0f MB/s, %llu connections, %lld errors", rate / 1e6,
            (unsigned long long)st->connections, (long long)ta_rollup_errors(cx->roll));
}

static void on_record(void *arg, const ta_record *r)
{
    capture_ctx *cx = arg;
    cx->bytes += r->caplen + 16;
    if (cx->progress && (++cx->records & 0xffff) == 0) {
        show_progress(cx);
    }
    if (r->ns < cx->o->since_ns || r->ns > cx->o->until_ns) {
        cx->outside++;
        return;
    }
    ta_analyzer_record(cx->an, r);
}


static void add_warning(json_t *warnings, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void add_warning(json_t *warnings, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    char *safe = ta_escape((const uint8_t *)buf, strlen(buf));
    if (safe != NULL) {
        json_array_append_new(warnings, json_string(safe));
        free(safe);
    }
}

/* "443 (3), 80 (1)": where the TCP without TLS went. */
static void ports_hint(const ta_stats *st, char *buf, size_t len)
{
    size_t o = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < TA_MAX_PORTS && st->port_conns[i] > 0 && o < len; i++) {
        o += (size_t)snprintf(buf + o, len - o, "%s%u (%llu)", i > 0 ? ", " : "",
                              (unsigned)st->ports[i], (unsigned long long)st->port_conns[i]);
    }
}

static void summary_warnings(json_t *w, const ta_stats *st, const ta_capture_info *info,
                             const ta_options *o)
{
    char ports[256];

    if (info->read_error) {
        add_warning(w, "%s", info->error);
    }
    if (st->cut_packets > 0) {
        add_warning(w, "%llu packets were cut at %d bytes by the capture's snapshot length: "
                    "facts in them are lost; capture again with 'tcpdump -s 0'",
                    (unsigned long long)st->cut_packets, info->snaplen);
    }
    if (st->packets > 0 && st->tcp_packets == 0 && st->quic_packets == 0) {
        add_warning(w, "no TCP packets among %llu%s: check the interface and the capture filter",
                    (unsigned long long)st->packets, o->filter != NULL ? " that pass the filter"
                                                                       : "");
    } else if (st->connections > st->quic_connections && st->tls_connections == 0) {
        ports_hint(st, ports, sizeof(ports));
        add_warning(w, "no TLS found in %llu TCP connections (server ports: %s): the capture "
                    "may be of the wrong host, port or interface, or the traffic is not TLS",
                    (unsigned long long)st->connections, ports);
    }
    if (st->evicted > 0) {
        add_warning(w, "%llu connections were ended early because more than %zu were open at "
                    "once: raise --max-connections", (unsigned long long)st->evicted,
                    o->lim.max_conns);
    }
    if (st->idle_ended > 0) {
        add_warning(w, "%llu connections were ended after %lld s without a packet; if the "
                    "capture's clock jumps or connections pause that long, raise --idle-timeout",
                    (unsigned long long)st->idle_ended,
                    (long long)(o->lim.idle_ns / 1000000000LL));
    }
    if (st->time_backwards > 0) {
        add_warning(w, "%llu packets have a timestamp earlier than the packet before them",
                    (unsigned long long)st->time_backwards);
    }
    if (st->skipped[TA_DEC_UNSUPPORTED_LINK] > 0) {
        char names[128] = "";
        size_t used = 0;
        for (size_t i = 0; i < st->num_linktypes && used < sizeof(names); i++) {
            if (!ta_linktype_supported(st->linktypes[i])) {
                used += (size_t)snprintf(names + used, sizeof(names) - used, "%s%s",
                                         used > 0 ? ", " : "", ta_linktype_name(st->linktypes[i]));
            }
        }
        add_warning(w, "%llu packets have a link-layer type tlsanalyze does not decode (%s)",
                    (unsigned long long)st->skipped[TA_DEC_UNSUPPORTED_LINK], names);
    }
}

static json_t *summary_json(const ta_stats *st, const ta_capture_info *info,
                            const ta_options *o, const capture_ctx *cx)
{
    json_t *s = json_object();
    json_t *lt = json_array();
    json_t *skipped = json_object();
    json_t *warnings = json_array();

    for (size_t i = 0; i < st->num_linktypes; i++) {
        json_array_append_new(lt, json_string(ta_linktype_name(st->linktypes[i])));
    }
    if (st->num_linktypes == 0 && info->frames == 0 && info->error[0] == '\0') {
        json_array_append_new(lt, json_string(ta_linktype_name(info->linktype)));
    }
    for (int k = TA_DEC_NOT_IP; k <= TA_DEC_UNSUPPORTED_LINK; k++) {
        json_object_set_new(skipped, ta_decode_status_name((ta_decode_status)k),
                            json_integer((json_int_t)st->skipped[k]));
    }
    json_object_set_new(skipped, "filtered", json_integer((json_int_t)info->filtered));
    json_object_set_new(skipped, "outside_time_window", json_integer((json_int_t)cx->outside));
    summary_warnings(warnings, st, info, o);
    json_object_set_new(s, "linktypes", lt);
    json_object_set_new(s, "packets", json_integer((json_int_t)info->frames));
    json_object_set_new(s, "tcp_packets", json_integer((json_int_t)st->tcp_packets));
    json_object_set_new(s, "quic_packets", json_integer((json_int_t)st->quic_packets));
    json_object_set_new(s, "duplicates", json_integer((json_int_t)st->duplicates));
    json_object_set_new(s, "skipped", skipped);
    json_object_set_new(s, "failed",
                        json_integer((json_int_t)(st->failed - cx->fp_left_out_failed)));
    ta_rollup_set(cx->roll, s);   /* tcp/tls connections, completed, failures by rule, ... */
    json_object_set_new(s, "left_out_by_client_fingerprint",
                        json_integer((json_int_t)cx->fp_left_out));
    json_object_set_new(s, "late_packets", json_integer((json_int_t)st->late_packets));
    json_object_set_new(s, "peak_open_connections", json_integer((json_int_t)st->peak_open));
    json_object_set_new(s, "first_time", json_real((double)st->first_ns / 1e9));
    json_object_set_new(s, "last_time", json_real((double)st->last_ns / 1e9));
    json_object_set_new(s, "warnings", warnings);
    json_object_set_new(s, "error", json_null());
    return s;
}

/* The files of a capture with their SHA-256, for the report: a separate
 * streaming pass over each file (as it is on disk, compressed or not);
 * standard input cannot be read twice and is not hashed. */
static json_t *inputs_json(char *const *paths, int num, const ta_options *o)
{
    json_t *a = json_array();
    for (int i = 0; i < num && a != NULL; i++) {
        char hex[65];
        char *esc = ta_escape((const uint8_t *)paths[i], strlen(paths[i]));
        char *shown = o->redactor != NULL && esc != NULL ? ta_redact_file(o->redactor, esc) : NULL;
        bool stdin_in = strcmp(paths[i], "-") == 0;
        bool ok = !stdin_in && ta_file_sha256(paths[i], hex);
        json_array_append_new(
            a, json_pack("{s:s?, s:s?, s:s?}", "file", shown != NULL ? shown : esc, "sha256",
                         ok ? hex : NULL, "note",
                         ok ? NULL : stdin_in ? "standard input: not hashed (it cannot be read "
                                                "twice)" : "could not be read to hash it"));
        free(shown);
        free(esc);
    }
    return a;
}

/* Analyses one capture; returns its exit status contribution. */
static int run_capture_list(char *const *paths, int num, const char *name, const ta_options *o,
                            ta_writer *w, ta_rollup *total);

static int run_capture(const char *path, const ta_options *o, ta_writer *w, ta_rollup *total)
{
    char *const one[1] = {(char *)path};
    return run_capture_list(one, 1, path, o, w, total);
}

/* set_stem names files made for a capture: its base name without the
 * compression and capture extensions, other than [A-Za-z0-9._-] as '_'. */
static void set_stem(char *out, size_t len, const char *path)
{
    static const char *const exts[] = {".gz", ".zst", ".xz", ".pcapng", ".pcap", ".cap"};
    const char *base = strrchr(path, '/');
    size_t n = 0;

    base = base != NULL ? base + 1 : path;
    for (const char *p = base; *p != '\0' && n + 1 < len; p++) {
        bool ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                  (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' || *p == '-';
        out[n++] = ok ? *p : '_';
    }
    out[n] = '\0';
    for (size_t i = 0; i < sizeof(exts) / sizeof(exts[0]); i++) {
        size_t l = strlen(exts[i]);
        if (n > l && strcmp(out + n - l, exts[i]) == 0) {
            n -= l;
            out[n] = '\0';
        }
    }
    if (n == 0 || strcmp(out, "-") == 0) {
        snprintf(out, len, "stdin");
    }
}

static void secrets_err(void *arg, size_t line, const char *what)
{
    capture_ctx *cx = arg;
    if (cx->bad_secret_lines++ < 10) {
        fprintf(stderr, "tlsanalyze: %s: decryption secrets block, line %zu: %s; skipped\n",
                cx->file, line, what);
    }
}

/* A pcapng Decryption Secrets Block: its key log is this capture's own. */
static void on_secrets(void *arg, const ta_cur *text)
{
    capture_ctx *cx = arg;
    ta_cur t = *text;
    if (cx->secrets != NULL) {
        (void)ta_keylog_parse(cx->secrets, &t, secrets_err, cx);
    }
}

/* --profile apigee, apigee-x: the gateway's parts from the options and,
 * when the inputs can be read twice (not standard input), from a first
 * pass over them (ta_apigee.h).  NULL for other profiles. */
static ta_apigee *apigee_prepass(char *const *paths, int num, const ta_options *o)
{
    if (strncmp(o->profile, "apigee", 6) != 0) {
        return NULL;
    }
    ta_apigee *a = ta_apigee_new(&o->apigee);
    if (a == NULL) {
        return NULL;
    }
    bool seekable = true;
    for (int i = 0; i < num; i++) {
        seekable = seekable && strcmp(paths[i], "-") != 0;
    }
    if (seekable) {
        ta_capture_info info;
        int r = num == 1 ? ta_capture_read(paths[0], o->filter, ta_apigee_observe, a, &info)
                         : ta_capture_read_merged(paths, num, o->filter, ta_apigee_observe, a,
                                                  &info);
        (void)r;            /* a bad capture is said by the pass that follows */
        ta_apigee_observed(a);
    }
    return a;
}

/* Analyses one capture: a file, or (--merge) several read as one, shown
 * under |name|. */
static int run_capture_list(char *const *paths, int num, const char *name, const ta_options *o,
                            ta_writer *w, ta_rollup *total)
{
    const char *path = paths[0];
    capture_ctx cx = {0};
    ta_capture_info info;
    char *file = ta_escape((const uint8_t *)name, strlen(name));
    int rc = TA_EXIT_OK;

    cx.w = w;
    cx.o = o;
    cx.roll = ta_rollup_new();
    cx.file = file != NULL ? file : "?";
    set_stem(cx.stem, sizeof(cx.stem), name);
    char *pseudo = o->redactor != NULL ? ta_redact_file(o->redactor, cx.file) : NULL;
    cx.out_file = pseudo != NULL ? pseudo : cx.file;
    cx.secrets = ta_keylog_new();
    ta_arena_init(&cx.arena, 0);
    ta_limits lim = o->lim;
    lim.tls.capture_keys = cx.secrets;
    cx.an = ta_analyzer_new(&lim, on_conn, &cx);
    if (cx.an == NULL || cx.secrets == NULL) {
        fprintf(stderr, "tlsanalyze: %s: out of memory\n", cx.file);
        ta_analyzer_free(cx.an);
        ta_keylog_free(cx.secrets);
        ta_rollup_free(cx.roll);
        free(pseudo);
        free(file);
        return TA_EXIT_BAD_INPUT;
    }
    /* Connections read from a file are written in large pieces; from
     * standard input (perhaps a live capture) each as it ends. */
    w->collect = true;
    for (int i = 0; i < num; i++) {
        w->collect = w->collect && strcmp(paths[i], "-") != 0;
    }
    ta_writer_capture_begin(w, cx.out_file);
    if (o->report != NULL) {
        ta_writer_capture_begin(o->report, cx.out_file);
    }
    struct stat fst;
    cx.progress = !o->quiet && isatty(STDERR_FILENO);
    cx.file_size = num == 1 && strcmp(path, "-") != 0 && stat(path, &fst) == 0 &&
                           ta_zkind_of(path) == TA_Z_NONE ? (uint64_t)fst.st_size : 0;
    cx.started = now_s();
    cx.apigee = apigee_prepass(paths, num, o);
    int r = num == 1 ? ta_capture_read_secrets(path, o->filter, on_record, &cx, on_secrets,
                                               &cx, &info)
                     : ta_capture_read_merged(paths, num, o->filter, on_record, &cx, &info);
    if (cx.progress && cx.shown > 0) {
        fputs("\r\033[K", stderr);      /* the progress line goes away */
    }
    ta_analyzer_finish(cx.an);
    const ta_stats *st = ta_analyzer_stats(cx.an);
    json_t *s = summary_json(st, &info, o, &cx);
    if (r != 0) {
        char *err = ta_escape((const uint8_t *)info.error, strlen(info.error));
        fprintf(stderr, "tlsanalyze: %s: %s\n", cx.file, err != NULL ? err : info.error);
        json_object_set_new(s, "error", json_string(err != NULL ? err : "unreadable"));
        free(err);
        rc = TA_EXIT_BAD_INPUT;
    } else {
        json_t *warnings = json_object_get(s, "warnings");
        size_t i;
        json_t *v;
        if (w->fmt != TA_FMT_TEXT) {
            json_array_foreach(warnings, i, v) {
                fprintf(stderr, "tlsanalyze: %s: %s\n", cx.file, json_string_value(v));
            }
        }
        rc = ta_rollup_errors(cx.roll) > 0 ? TA_EXIT_FAILED_HANDSHAKE : TA_EXIT_OK;
    }
    if (o->redactor != NULL && !ta_redact_scrub_json(o->redactor, s, cx.file)) {
        fprintf(stderr, "tlsanalyze: %s: out of memory while redacting\n", cx.file);
        rc = TA_EXIT_BAD_INPUT;
    }
    bool report_fmt = w->fmt == TA_FMT_MARKDOWN || w->fmt == TA_FMT_HTML;
    if (o->report != NULL || report_fmt) {
        json_object_set_new(s, "inputs", inputs_json(paths, num, o));
    }
    ta_writer_capture_end(w, cx.out_file, s);
    if (o->report != NULL) {
        ta_writer_capture_end(o->report, cx.out_file, s);
    }
    json_decref(s);
    ta_analyzer_free(cx.an);
    ta_apigee_free(cx.apigee);
    ta_keylog_free(cx.secrets);
    ta_arena_cleanup(&cx.arena);
    ta_jbuf_free(&cx.scratch);
    if (total != NULL) {
        ta_rollup_merge(total, cx.roll);
    }
    ta_rollup_free(cx.roll);
    free(pseudo);
    free(file);
    return rc;
}

typedef struct {
    const ta_options *o;
    ta_writer *w;
    char **paths;
    int num;
} batch;

/* Collects the capture paths the arguments name. */
static int collect(void *arg, const char *path)
{
    batch *b = arg;
    char **grown = realloc(b->paths, (size_t)(b->num + 1) * sizeof(*grown));
    if (grown == NULL) {
        return TA_EXIT_BAD_INPUT;
    }
    b->paths = grown;
    b->paths[b->num] = strdup(path);
    if (b->paths[b->num] == NULL) {
        return TA_EXIT_BAD_INPUT;
    }
    b->num++;
    return TA_EXIT_OK;
}

/* One capture in a worker process, with its own writer to |out|. */
static int work_one(void *arg, const char *path, FILE *out, int first, ta_rollup *roll)
{
    batch *b = arg;
    ta_writer wc = *b->w;
    wc.out = out;
    wc.first_capture = first != 0;
    wc.buf = NULL;
    wc.buf_size = 0;
    memset(&wc.conn, 0, sizeof(wc.conn));
    int rc = run_capture(path, b->o, &wc, roll);
    free(wc.buf);
    ta_jbuf_free(&wc.conn);
    return rc;
}

/* All captures, in parallel when there are several and -j allows. */
static int run_all(batch *b, ta_rollup *total)
{
    if (b->o->merge && b->num > 1) {
        char name[4096];
        size_t used = 0;
        name[0] = '\0';
        for (int i = 0; i < b->num && used < sizeof(name); i++) {
            used += (size_t)snprintf(name + used, sizeof(name) - used, "%s%s", i > 0 ? " + " : "",
                                     b->paths[i]);
        }
        return run_capture_list(b->paths, b->num, name, b->o, b->w, total);
    }
    if (b->o->jobs > 1 && b->num > 1) {
        return ta_parallel_run(b->paths, b->num, b->o->jobs, work_one, b, total);
    }
    int worst = TA_EXIT_OK;
    for (int i = 0; i < b->num; i++) {
        worst = ta_exit_worse(worst, run_capture(b->paths[i], b->o, b->w, total));
    }
    return worst;
}

/* |s| for a POSIX shell, appended to |out|: as it is when it holds only
 * safe characters, else in single quotes. */
static void shell_append(char **out, const char *s)
{
    char *grown = NULL;
    size_t safe = strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                            ".,-_:=/@+%");
    if (s[0] != '\0' && safe == strlen(s)) {
        if (asprintf(&grown, "%s%s%s", *out, (*out)[0] != '\0' ? " " : "", s) < 0) {
            return;
        }
    } else {
        size_t n = strlen(s);
        char *q = malloc(n * 4 + 3);
        size_t k = 0;
        if (q == NULL) {
            return;
        }
        q[k++] = '\'';
        for (size_t i = 0; i < n; i++) {
            if (s[i] == '\'') {
                memcpy(q + k, "'\\''", 4);
                k += 4;
            } else {
                q[k++] = s[i];
            }
        }
        q[k++] = '\'';
        q[k] = '\0';
        int r = asprintf(&grown, "%s%s%s", *out, (*out)[0] != '\0' ? " " : "", q);
        free(q);
        if (r < 0) {
            return;
        }
    }
    free(*out);
    *out = grown;
}

/* One argument as the report shows it: the --redact-key is never shown;
 * with --redact, capture names become their pseudonyms and the values of
 * -f/--server lose their addresses (all of their text with --redact=all). */
static char *shown_arg(const ta_options *o, const char *opt, const char *val, bool positional)
{
    if (o->redactor == NULL && strcmp(opt, "redact-key") != 0) {
        return strdup(val);
    }
    if (strcmp(opt, "redact-key") == 0) {
        return strdup("REDACTED");
    }
    if (positional || strcmp(opt, "report") == 0) {
        return o->redact == TA_REDACT_ALL || positional ? ta_redact_file(o->redactor, val)
                                                        : strdup(val);
    }
    if (strcmp(opt, "filter") == 0 || strcmp(opt, "server") == 0) {
        return o->redact == TA_REDACT_ALL ? strdup("REDACTED") : ta_redact_string(o->redactor, val);
    }
    return strdup(val);
}

/* The command line as the report shows it (getopt has put the options
 * first: |first_input| is the first capture argument). */
static char *command_line(int argc, char **argv, int first_input, const ta_options *o)
{
    char *out = strdup("tlsanalyze");
    for (int i = 1; i < argc && out != NULL; i++) {
        const char *val = NULL;
        char *shown = NULL;
        if (i >= first_input) {
            char *esc = ta_escape((const uint8_t *)argv[i], strlen(argv[i]));
            shown = esc != NULL ? shown_arg(o, "", esc, true) : NULL;
            free(esc);
            shell_append(&out, shown != NULL ? shown : "?");
            free(shown);
            continue;
        }
        const char *opt = ta_options_value_name(argv[i], &val);
        if (opt == NULL) {
            shell_append(&out, argv[i]);
            continue;
        }
        if (val == NULL && i + 1 < argc) {
            shell_append(&out, argv[i]);
            val = argv[++i];
            shown = shown_arg(o, opt, val, false);
            shell_append(&out, shown != NULL ? shown : "?");
        } else if (val != NULL) {
            char *both = NULL;
            shown = shown_arg(o, opt, val, false);
            if (asprintf(&both, "%.*s%s", (int)(val - argv[i]), argv[i],
                         shown != NULL ? shown : "?") >= 0) {
                shell_append(&out, both);
                free(both);
            }
        } else {
            shell_append(&out, argv[i]);
        }
        free(shown);
    }
    return out;
}

/* Starts the support-case report of |w| (markdown or html format). */
static int start_report(ta_writer *w, const ta_options *o, const char *cmdline)
{
    static const char *const redaction[] = {"none", "ips", "all"};
    ta_cr_opts ro = {TA_CR_MARKDOWN, TA_VERSION, cmdline != NULL ? cmdline : "tlsanalyze",
                     o->profile, redaction[o->redact], 100};
    if (!ta_writer_report_init(w, &ro)) {
        fputs("tlsanalyze: out of memory, or no temporary file for the report (TMPDIR)\n",
              stderr);
        return 0;
    }
    return 1;
}

/* The support-case reports: to standard output (--format=markdown|html)
 * and/or to --report FILE (|rw|, |*out_file|).  0 with a message when one
 * cannot be started; the caller frees *out_cmdline and w->report. */
static int open_reports(ta_options *o, int argc, char **argv, ta_writer *w, ta_writer *rw,
                        FILE **out_file, char **out_cmdline)
{
    bool stdout_report = o->fmt == TA_FMT_MARKDOWN || o->fmt == TA_FMT_HTML;
    if (o->redact != TA_REDACT_NONE) {
        o->redactor = ta_redactor_new(o->redact, o->redact_key,
                                      o->redact_key != NULL ? strlen(o->redact_key) : 0);
        if (o->redactor == NULL) {
            fputs("tlsanalyze: no key for --redact (out of memory or no randomness)\n", stderr);
            return 0;
        }
    }
    if (!stdout_report && o->report_path == NULL) {
        return 1;
    }
    o->jobs = 1;   /* one report, in input order: written by this process */
    *out_cmdline = command_line(argc, argv, optind, o);
    if (stdout_report && !start_report(w, o, *out_cmdline)) {
        return 0;
    }
    if (o->report_path != NULL) {
        *out_file = fopen(o->report_path, "w");
        if (*out_file == NULL) {
            fprintf(stderr, "tlsanalyze: %s: cannot write the report: %s\n", o->report_path,
                    strerror(errno));
            return 0;
        }
        ta_writer_init(rw, o->report_fmt, *out_file, false, false);
        if (!start_report(rw, o, *out_cmdline)) {
            fclose(*out_file);
            return 0;
        }
        o->report = rw;
    }
    return 1;
}

/* Finishes the --report file (the standard output's writer has ended);
 * TA_EXIT_BAD_INPUT when a report could not be written completely. */
static int close_reports(ta_options *o, ta_writer *w, FILE *report_file, json_t *total)
{
    bool failed = w->write_error;
    const char *what = "standard output";
    if (o->report != NULL) {
        ta_writer_end(o->report, total);
        bool closed = fclose(report_file) == 0;
        if (o->report->write_error || !closed) {
            failed = true;
            what = o->report_path;
        }
    }
    if (failed) {
        fprintf(stderr, "tlsanalyze: %s: the report could not be written completely\n", what);
        return TA_EXIT_BAD_INPUT;
    }
    return TA_EXIT_OK;
}

int main(int argc, char **argv)
{
    ta_options o;
    ta_writer w;
    int worst = TA_EXIT_OK;

    memset(&o, 0, sizeof(o));
    if (!ta_options_parse(argc, argv, &o) || !load_rules(&o)) {
        options_free(&o);
        return TA_EXIT_BAD_INPUT;
    }
    if (o.list_rules || o.explain != NULL) {
        int rc = TA_EXIT_OK;
        if (o.list_rules) {
            ta_rules_list(o.rules, stdout);
        } else if (!ta_rules_explain(o.rules, o.explain, stdout)) {
            fprintf(stderr, "tlsanalyze: no rule '%s' (--list-rules lists them)\n", o.explain);
            rc = TA_EXIT_BAD_INPUT;
        }
        options_free(&o);
        return rc;
    }
    if (!ta_names_init()) {
        fputs("tlsanalyze: OpenSSL could not be initialised\n", stderr);
        options_free(&o);
        return TA_EXIT_BAD_INPUT;
    }
    if (!open_chains(&o)) {
        ta_names_cleanup();
        options_free(&o);
        return TA_EXIT_BAD_INPUT;
    }
    ta_writer rw;
    FILE *report_file = NULL;
    char *cmdline = NULL;
    ta_writer_init(&w, o.fmt, stdout, o.color, o.verbose);
    w.summary = o.summary;
    if (!open_reports(&o, argc, argv, &w, &rw, &report_file, &cmdline)) {
        ta_casereport_free(w.report);
        free(cmdline);
        ta_names_cleanup();
        options_free(&o);
        return TA_EXIT_BAD_INPUT;
    }
    ta_writer_begin(&w);
    batch b = {&o, &w, NULL, 0};
    ta_rollup *all = ta_rollup_new();
    /* An unreadable input outranks a failed handshake. */
    worst = ta_inputs_each(argv + optind, argc - optind, collect, &b, stderr);
    worst = ta_exit_worse(worst, all != NULL ? run_all(&b, all) : TA_EXIT_BAD_INPUT);
    json_t *total = NULL;
    if (all != NULL && (o.summary || b.num > 1 || cmdline != NULL)) {
        total = json_object();
        json_object_set_new(total, "captures", json_integer(b.num));
        ta_rollup_set(all, total);
    }
    ta_writer_end(&w, total);
    worst = ta_exit_worse(worst, close_reports(&o, &w, report_file, total));
    free(cmdline);
    json_decref(total);
    ta_rollup_free(all);
    for (int i = 0; i < b.num; i++) {
        free(b.paths[i]);
    }
    free(b.paths);
    ta_names_cleanup();
    options_free(&o);
    return worst;
}
