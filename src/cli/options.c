/* options.c - the command line.  One table (options[] below) lists every
 * option with its argument, its help text and how the shell completes it;
 * the getopt tables, --help, the man page tlsanalyze(1) (docs/tlsanalyze.1)
 * and the bash completion (docs/tlsanalyze.bash-completion) are made from
 * it, and set_option() gives each its effect. */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ta_escape.h"
#include "ta_options.h"
#include "ta_schema.h"

static int parse_size(const char *s, size_t *out)
{
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (*s == '\0' || *end != '\0' || v == 0) {
        fprintf(stderr, "tlsanalyze: '%s' is not a positive number\n", s);
        return 0;
    }
    *out = (size_t)v;
    return 1;
}

static int parse_format(const char *s, ta_format *out)
{
    static const char *const names[] = {"text", "json", "ndjson", "markdown", "html"};
    for (int i = 0; i < 5; i++) {
        if (strcmp(s, names[i]) == 0) {
            *out = (ta_format)i;
            return 1;
        }
    }
    fprintf(stderr, "tlsanalyze: unknown format '%s' (text, json, ndjson, markdown or html)\n", s);
    return 0;
}

/* "2026-11-23T10:00:00Z" (UTC; the Z and the seconds may be left out) or
 * seconds since the epoch ("1700000000.5"); 0 if neither. */
static int parse_time(const char *s, int64_t *out_ns)
{
    struct tm tm;
    char *end;
    memset(&tm, 0, sizeof(tm));
    double secs = strtod(s, &end);
    if (*s != '\0' && *end == '\0') {
        *out_ns = (int64_t)(secs * 1e9);
        return 1;
    }
    static const char *const formats[] = {"%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%M:%S",
                                          "%Y-%m-%dT%H:%MZ", "%Y-%m-%dT%H:%M", "%Y-%m-%d"};
    for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
        memset(&tm, 0, sizeof(tm));
        end = strptime(s, formats[i], &tm);
        if (end != NULL && *end == '\0') {
            *out_ns = (int64_t)timegm(&tm) * 1000000000LL;
            return 1;
        }
    }
    fprintf(stderr, "tlsanalyze: '%s' is not a time (2026-11-23T10:00:00Z or epoch seconds)\n", s);
    return 0;
}

/* --server IP[:port] (IPv6 as [addr]:port) as a BPF expression. */
static int server_filter(const char *s, char *out, size_t n)
{
    char host[128];
    const char *port = NULL;
    if (s[0] == '[') {
        const char *close = strchr(s, ']');
        if (close == NULL || (size_t)(close - s - 1) >= sizeof(host)) {
            return 0;
        }
        memcpy(host, s + 1, (size_t)(close - s - 1));
        host[close - s - 1] = '\0';
        port = close[1] == ':' ? close + 2 : NULL;
    } else {
        const char *colon = strrchr(s, ':');
        bool v6 = colon != NULL && strchr(s, ':') != colon;
        size_t len = colon != NULL && !v6 ? (size_t)(colon - s) : strlen(s);
        if (len >= sizeof(host)) {
            return 0;
        }
        memcpy(host, s, len);
        host[len] = '\0';
        port = colon != NULL && !v6 ? colon + 1 : NULL;
    }
    if (strspn(host, "0123456789abcdefABCDEF.:") != strlen(host) || host[0] == '\0' ||
        (port != NULL && (port[0] == '\0' || strspn(port, "0123456789") != strlen(port)))) {
        return 0;
    }
    /* TCP, or UDP for QUIC, on that port. */
    if (port != NULL) {
        snprintf(out, n, "host %s and (tcp port %s or udp port %s)", host, port, port);
    } else {
        snprintf(out, n, "host %s", host);
    }
    return 1;
}

enum {
    OPT_FORMAT = 256, OPT_NO_COLOR, OPT_MAX_HS, OPT_MAX_CONNS, OPT_MAX_REASM, OPT_IDLE, OPT_VERSION,
    OPT_RULES, OPT_NO_DEFAULT_RULES, OPT_LIST_RULES, OPT_EXPLAIN, OPT_MIN_SEVERITY, OPT_PROFILE,
    OPT_SUMMARY, OPT_JOBS, OPT_SINCE, OPT_UNTIL, OPT_SERVER, OPT_QUIET, OPT_MERGE, OPT_SHARD,
    OPT_CA_FILE, OPT_CA_PATH, OPT_SERVER_CA_FILE, OPT_EXTRACT_CERTS,
    OPT_KEYLOG, OPT_REPORT, OPT_REDACT, OPT_REDACT_KEY, OPT_PRINT_SCHEMA, OPT_PRINT_FACTS,
    OPT_PRINT_MAN, OPT_PRINT_COMPLETION, OPT_CLIENT_FP, OPT_APIGEE_ROUTER, OPT_APIGEE_MP,
    OPT_CAPTURE_HOST, OPT_LIST_PROFILES, OPT_HELP = 'h'
};

typedef struct {
    const char *path;
    size_t bad;
} keylog_errs;

/* Bad key log lines: the first few are shown with their line number. */
static void keylog_err(void *arg, size_t line, const char *what)
{
    keylog_errs *e = arg;
    if (e->bad++ < 10) {
        char *p = ta_escape((const uint8_t *)e->path, strlen(e->path));
        fprintf(stderr, "tlsanalyze: %s:%zu: not a key log line (%s); skipped\n",
                p != NULL ? p : "?", line, what);
        free(p);
    }
}

/* --keylog FILE (repeatable): NSS key log lines added to one store. */
static int load_keylog(ta_options *o, const char *path)
{
    keylog_errs e = {path, 0};
    if (o->keylog == NULL) {
        o->keylog = ta_keylog_new();
        if (o->keylog == NULL) {
            fputs("tlsanalyze: out of memory\n", stderr);
            return 0;
        }
        o->lim.tls.keylog = o->keylog;
    }
    long n = ta_keylog_load(o->keylog, path, keylog_err, &e);
    char *p = ta_escape((const uint8_t *)path, strlen(path));
    if (n < 0) {
        fprintf(stderr, "tlsanalyze: --keylog %s: %s (give a key log written through "
                "SSLKEYLOGFILE or openssl s_client -keylogfile)\n", p != NULL ? p : "?",
                strerror(errno));
    } else if (e.bad > 10) {
        fprintf(stderr, "tlsanalyze: %s: %zu more bad lines not shown\n", p != NULL ? p : "?",
                e.bad - 10);
    }
    if (n == 0) {
        fprintf(stderr, "tlsanalyze: %s: no TLS secrets in this key log (lines look like "
                "\"CLIENT_RANDOM <64 hex> <96 hex>\"); nothing can be decrypted with it\n",
                p != NULL ? p : "?");
    }
    free(p);
    return n >= 0;
}

/* --report FILE: the format from the name's extension. */
static int set_report(ta_options *o, const char *arg)
{
    const char *dot = strrchr(arg, '.');
    if (dot != NULL && (strcmp(dot, ".md") == 0 || strcmp(dot, ".markdown") == 0)) {
        o->report_fmt = TA_FMT_MARKDOWN;
    } else if (dot != NULL && (strcmp(dot, ".html") == 0 || strcmp(dot, ".htm") == 0)) {
        o->report_fmt = TA_FMT_HTML;
    } else {
        fprintf(stderr, "tlsanalyze: --report wants a file name ending in .md or .html, not "
                "'%s'\n", arg);
        return 0;
    }
    o->report_path = arg;
    return 1;
}

static int set_redact(ta_options *o, const char *arg)
{
    if (arg == NULL || strcmp(arg, "all") == 0) {
        o->redact = TA_REDACT_ALL;
    } else if (strcmp(arg, "ips") == 0) {
        o->redact = TA_REDACT_IPS;
    } else {
        fprintf(stderr, "tlsanalyze: --redact wants all or ips, not '%s'\n", arg);
        return 0;
    }
    return 1;
}

static int set_idle(ta_options *o, const char *arg)
{
    size_t v;
    if (!parse_size(arg, &v)) {
        return 0;
    }
    o->lim.idle_ns = (int64_t)v * 1000000000LL;
    return 1;
}

static int add_rule_dir(ta_options *o, const char *arg)
{
    if (o->num_rule_dirs >= TA_MAX_RULE_DIRS) {
        fprintf(stderr, "tlsanalyze: at most %d --rules directories\n", TA_MAX_RULE_DIRS);
        return 0;
    }
    o->rule_dirs[o->num_rule_dirs++] = arg;
    return 1;
}

static int set_redact_key(ta_options *o, const char *arg)
{
    if (arg[0] == '\0') {
        fprintf(stderr, "tlsanalyze: --redact-key wants a non-empty key\n");
        return 0;
    }
    o->redact_key = arg;
    if (o->redact == TA_REDACT_NONE) {
        o->redact = TA_REDACT_ALL;
    }
    return 1;
}

static int set_shard(ta_options *o, const char *arg)
{
    unsigned k;
    unsigned n;
    char end;
    if (sscanf(arg, "%u/%u%c", &k, &n, &end) != 2 || n == 0 || k >= n) {
        fprintf(stderr, "tlsanalyze: --shard wants K/N with 0 <= K < N, not '%s'\n", arg);
        return 0;
    }
    o->lim.shard_k = k;
    o->lim.shard_n = n;
    return 1;
}

/* --server adds its expression to -f's. */
static int add_server(ta_options *o, const char *arg)
{
    char expr[256];
    if (!server_filter(arg, expr, sizeof(expr))) {
        fprintf(stderr, "tlsanalyze: --server wants IP or IP:PORT ([IPv6]:PORT), not '%s'\n", arg);
        return 0;
    }
    char *combined = NULL;
    if (asprintf(&combined, o->filter != NULL ? "(%s) and (%s)" : "%s%s",
                 o->filter != NULL ? o->filter : "", expr) < 0) {
        return 0;
    }
    free(o->filter_buf);
    o->filter_buf = combined;
    o->filter = combined;
    return 1;
}

/* --client-fingerprint: a JA4 (36 characters, "_" at 10 and 23) or a JA3
 * hash (32 hex digits), kept in lower case as the facts write them. */
static int add_client_fp(ta_options *o, const char *arg)
{
    size_t n = strlen(arg);
    bool ja3 = n == TA_JA3_HASH_LEN;
    bool ja4 = n == TA_JA4_LEN && arg[10] == '_' && arg[23] == '_';
    for (size_t i = 0; i < n && (ja3 || ja4); i++) {
        bool hex = isxdigit((unsigned char)arg[i]) != 0;
        ja3 = ja3 && hex;
        ja4 = ja4 && (i < 10 ? isalnum((unsigned char)arg[i]) != 0 : hex || i == 10 || i == 23);
    }
    if (!ja3 && !ja4) {
        fprintf(stderr, "tlsanalyze: --client-fingerprint wants a JA4 "
                "(t13d1516h2_8daaf6152771_e5627efa2ab1) or a JA3 hash (32 hex digits), not "
                "'%s'\n", arg);
        return 0;
    }
    if (o->num_client_fps >= TA_MAX_CLIENT_FPS) {
        fprintf(stderr, "tlsanalyze: at most %d --client-fingerprint values\n",
                TA_MAX_CLIENT_FPS);
        return 0;
    }
    char *fp = o->client_fps[o->num_client_fps++];
    for (size_t i = 0; i <= n; i++) {
        fp[i] = (char)tolower((unsigned char)arg[i]);
    }
    return 1;
}

static int set_jobs(ta_options *o, const char *arg)
{
    size_t v;
    if (!parse_size(arg, &v) || v > 256) {
        fprintf(stderr, "tlsanalyze: -j wants 1 to 256 workers\n");
        return 0;
    }
    o->jobs = (int)v;
    return 1;
}

static int set_min_severity(ta_options *o, const char *arg)
{
    if (!ta_severity_parse(arg, &o->min_severity)) {
        fprintf(stderr, "tlsanalyze: severity '%s' is not error, warning or info\n", arg);
        return 0;
    }
    return 1;
}

static int set_profile(ta_options *o, const char *arg)
{
    if (!ta_rules_profile_known(arg)) {
        fprintf(stderr, "tlsanalyze: unknown profile '%s' (--list-profiles lists them)\n", arg);
        return 0;
    }
    o->profile = arg;
    return 1;
}

/* --apigee-router, --apigee-mp ADDR[:PORT] (repeatable), --capture-host ADDR. */
static int add_apigee(ta_options *o, int id, const char *arg)
{
    ta_apigee_cfg *g = &o->apigee;
    ta_apigee_net net;
    const char *name = id == OPT_APIGEE_ROUTER ? "apigee-router"
                       : id == OPT_APIGEE_MP   ? "apigee-mp"
                                               : "capture-host";
    if (!ta_apigee_parse_net(arg, id != OPT_CAPTURE_HOST, &net) ||
        (id == OPT_CAPTURE_HOST && net.prefix != (net.family == 4 ? 32 : 128))) {
        fprintf(stderr,
                "tlsanalyze: --%s '%s' is not %s\n", name, arg,
                id == OPT_CAPTURE_HOST
                    ? "an IPv4 or IPv6 address"
                    : "an address or network with an optional port (10.1.2.3, 10.1.2.3:443, "
                      "10.1.0.0/16, [2001:db8::1]:443)");
        return 0;
    }
    if (id == OPT_CAPTURE_HOST) {
        g->capture_host = net;
        g->have_capture_host = true;
        return 1;
    }
    ta_apigee_net *list = id == OPT_APIGEE_ROUTER ? g->routers : g->mps;
    size_t *num = id == OPT_APIGEE_ROUTER ? &g->num_routers : &g->num_mps;
    if (*num >= TA_APIGEE_MAX_NETS) {
        fprintf(stderr, "tlsanalyze: at most %d --%s values\n", TA_APIGEE_MAX_NETS, name);
        return 0;
    }
    list[(*num)++] = net;
    return 1;
}

/* The options that are more than a flag, a string or a size; 0 on a bad
 * value (said on stderr). */
static int set_special(ta_options *o, int id, const char *arg)
{
    switch (id) {
    case OPT_FORMAT:
        return parse_format(arg, &o->fmt);
    case OPT_IDLE:
        return set_idle(o, arg);
    case OPT_RULES:
        return add_rule_dir(o, arg);
    case OPT_KEYLOG:
        return load_keylog(o, arg);
    case OPT_REPORT:
        return set_report(o, arg);
    case OPT_REDACT:
        return set_redact(o, arg);
    case OPT_REDACT_KEY:
        return set_redact_key(o, arg);
    case OPT_SHARD:
        return set_shard(o, arg);
    case OPT_SINCE:
        return parse_time(arg, &o->since_ns);
    case OPT_UNTIL:
        return parse_time(arg, &o->until_ns);
    case OPT_SERVER:
        return add_server(o, arg);
    case OPT_CLIENT_FP:
        return add_client_fp(o, arg);
    case OPT_JOBS:
        return set_jobs(o, arg);
    case OPT_MIN_SEVERITY:
        return set_min_severity(o, arg);
    case OPT_PROFILE:
        return set_profile(o, arg);
    case OPT_APIGEE_ROUTER:
    case OPT_APIGEE_MP:
    case OPT_CAPTURE_HOST:
        return add_apigee(o, id, arg);
    default:
        return 0;
    }
}

/* How the shell completes an option's argument. */
typedef enum { DONE_NONE, DONE_FILE, DONE_DIR, DONE_WORDS } done_kind;

/* What an option does: sets a bool, a string or a size in ta_options, or
 * something of its own (set_special); SET_EXIT prints and exits. */
typedef enum { SET_TRUE, SET_FALSE, SET_STRING, SET_SIZE, SET_SPECIAL, SET_EXIT } set_kind;

#define AT(member) offsetof(ta_options, member)

typedef struct {
    const char *name;      /* long name */
    char short_name;       /* 0: none */
    int has_arg;           /* no_argument, required_argument, optional_argument */
    const char *arg;       /* the argument's name in the documents */
    int id;                /* set_option's key */
    const char *help;      /* one paragraph */
    done_kind done;
    const char *words;     /* DONE_WORDS: the choices, space-separated */
    set_kind set;          /* what giving it does to ta_options ... */
    size_t field;          /* ... at this offset (SET_TRUE, SET_FALSE, SET_STRING, SET_SIZE) */
} optdef;

static const optdef options[] = {
    {"filter", 'f', required_argument, "EXPR", 'f',
     "only packets matching this BPF filter (as tcpdump)", DONE_NONE, NULL, SET_STRING, AT(filter)},
    {"server", 0, required_argument, "IP[:PORT]", OPT_SERVER,
     "only traffic of this server (TCP, or UDP for QUIC, on that port; [IPv6]:PORT for "
     "IPv6); adds to -f",
     DONE_NONE, NULL, SET_SPECIAL, 0},
    {"client-fingerprint", 0, required_argument, "JA4|JA3HASH", OPT_CLIENT_FP,
     "only connections whose client has this JA4 (t13d1516h2_8daaf6152771_e5627efa2ab1) or "
     "JA3 hash; repeatable", DONE_NONE, NULL, SET_SPECIAL, 0},
    {"since", 0, required_argument, "TIME", OPT_SINCE,
     "only packets from this time on (2026-11-23T10:00:00Z, or epoch seconds)",
     DONE_NONE, NULL, SET_SPECIAL, 0},
    {"until", 0, required_argument, "TIME", OPT_UNTIL,
     "only packets up to this time", DONE_NONE, NULL, SET_SPECIAL, 0},
    {"format", 0, required_argument, "FORMAT", OPT_FORMAT,
     "output format: text (default), json, ndjson, markdown or html; markdown and html are "
     "the support-case report", DONE_WORDS, "text json ndjson markdown html", SET_SPECIAL, 0},
    {"report", 0, required_argument, "FILE", OPT_REPORT,
     "also write the support-case report to FILE (.md as Markdown, .html as one "
     "self-contained page)", DONE_FILE, NULL, SET_SPECIAL, 0},
    {"summary", 0, no_argument, NULL, OPT_SUMMARY,
     "only the roll-up per capture and in total", DONE_NONE, NULL, SET_TRUE, AT(summary)},
    {"verbose", 'v', no_argument, NULL, 'v',
     "text: every message of healthy connections too, and connections without TLS",
     DONE_NONE, NULL, SET_TRUE, AT(verbose)},
    {"no-color", 0, no_argument, NULL, OPT_NO_COLOR,
     "no ANSI colours in text output (also when NO_COLOR is set)",
     DONE_NONE, NULL, SET_FALSE, AT(color)},
    {"quiet", 0, no_argument, NULL, OPT_QUIET,
     "no progress line on the terminal", DONE_NONE, NULL, SET_TRUE, AT(quiet)},
    {"min-severity", 0, required_argument, "LEVEL", OPT_MIN_SEVERITY,
     "only diagnoses of this severity or worse: error, warning or info (default)",
     DONE_WORDS, "error warning info", SET_SPECIAL, 0},
    {"profile", 0, required_argument, "PROFILE", OPT_PROFILE,
     "remediation wording: generic (default), apigee (Apigee Edge) or apigee-x (Apigee X, "
     "hybrid); the apigee profiles also place each connection northbound or southbound",
     DONE_WORDS, "generic apigee apigee-x", SET_SPECIAL, 0},
    {"list-profiles", 0, no_argument, NULL, OPT_LIST_PROFILES,
     "list the profiles and exit", DONE_NONE, NULL, SET_EXIT, 0},
    {"apigee-router", 0, required_argument, "ADDR[:PORT]", OPT_APIGEE_ROUTER,
     "an Apigee Router (virtual host): a connection to it is northbound (10.1.2.3, "
     "10.1.2.3:443, 10.1.0.0/16, [IPv6]:PORT); repeatable",
     DONE_NONE, NULL, SET_SPECIAL, 0},
    {"apigee-mp", 0, required_argument, "ADDR[:PORT]", OPT_APIGEE_MP,
     "an Apigee Message Processor: a connection from it to a server that is no Router or "
     "Message Processor is southbound; repeatable", DONE_NONE, NULL, SET_SPECIAL, 0},
    {"capture-host", 0, required_argument, "ADDR", OPT_CAPTURE_HOST,
     "the host tcpdump ran on (default: the address in nearly every connection): a "
     "connection to it is incoming, from it outgoing", DONE_NONE, NULL, SET_SPECIAL, 0},
    {"redact", 0, optional_argument, "all|ips", OPT_REDACT,
     "replace addresses, host and certificate names (all, the default) or only addresses "
     "(ips) with stable pseudonyms", DONE_WORDS, "all ips", SET_SPECIAL, 0},
    {"redact-key", 0, required_argument, "KEY", OPT_REDACT_KEY,
     "key of the pseudonyms (default: random per run), so that several reports share them; "
     "implies --redact", DONE_NONE, NULL, SET_SPECIAL, 0},
    {"keylog", 0, required_argument, "FILE", OPT_KEYLOG,
     "TLS secrets (NSS key log: SSLKEYLOGFILE, openssl -keylogfile) to decrypt handshakes "
     "and alerts; repeatable; pcapng secrets blocks are read anyway",
     DONE_FILE, NULL, SET_SPECIAL, 0},
    {"ca-file", 0, required_argument, "FILE", OPT_CA_FILE,
     "trust store (PEM) for judging server certificates (default: the system's, "
     "/etc/ssl/certs)", DONE_FILE, NULL, SET_STRING, AT(chain.ca_file)},
    {"ca-path", 0, required_argument, "DIR", OPT_CA_PATH,
     "trust store directory (hashed, as openssl rehash makes it)",
     DONE_DIR, NULL, SET_STRING, AT(chain.ca_path)},
    {"server-ca-file", 0, required_argument, "FILE", OPT_SERVER_CA_FILE,
     "trust store (PEM) for judging client certificates",
     DONE_FILE, NULL, SET_STRING, AT(chain.server_ca_file)},
    {"extract-certs", 0, required_argument, "DIR", OPT_EXTRACT_CERTS,
     "write each certificate (SHA-256.pem) and each chain (CAPTURE-ID-chain.pem) there, "
     "for openssl verify", DONE_DIR, NULL, SET_STRING, AT(chain.extract_dir)},
    {"rules", 0, required_argument, "DIR|FILE", OPT_RULES,
     "add diagnosis rules (a rule with the same id replaces the shipped one); repeatable",
     DONE_FILE, NULL, SET_SPECIAL, 0},
    {"no-default-rules", 0, no_argument, NULL, OPT_NO_DEFAULT_RULES,
     "do not load the rules shipped with tlsanalyze",
     DONE_NONE, NULL, SET_TRUE, AT(no_default_rules)},
    {"list-rules", 0, no_argument, NULL, OPT_LIST_RULES,
     "list the rules and exit", DONE_NONE, NULL, SET_TRUE, AT(list_rules)},
    {"explain", 0, required_argument, "RULE-ID", OPT_EXPLAIN,
     "show what a rule checks and says, and exit", DONE_NONE, NULL, SET_STRING, AT(explain)},
    {"merge", 0, no_argument, NULL, OPT_MERGE,
     "read all inputs as one capture, in time order (rotated files of one capture, as "
     "mergecap would)", DONE_NONE, NULL, SET_TRUE, AT(merge)},
    {"shard", 0, required_argument, "K/N", OPT_SHARD,
     "only the connections of shard K of N (by flow hash); N runs together report every "
     "connection once", DONE_NONE, NULL, SET_SPECIAL, 0},
    {"jobs", 'j', required_argument, "N", OPT_JOBS,
     "analyse N captures at once (default: the cores); the output is the same as with -j 1",
     DONE_NONE, NULL, SET_SPECIAL, 0},
    {"max-handshake-bytes", 0, required_argument, "N", OPT_MAX_HS,
     "largest handshake message kept (default 262144)",
     DONE_NONE, NULL, SET_SIZE, AT(lim.tls.max_handshake_bytes)},
    {"max-connections", 0, required_argument, "N", OPT_MAX_CONNS,
     "connections open at once (default 65536)", DONE_NONE, NULL, SET_SIZE, AT(lim.max_conns)},
    {"max-reassembly-bytes", 0, required_argument, "N", OPT_MAX_REASM,
     "out-of-order TCP bytes kept per direction (default 262144)",
     DONE_NONE, NULL, SET_SIZE, AT(lim.tls.max_ooo_bytes)},
    {"idle-timeout", 0, required_argument, "SECONDS", OPT_IDLE,
     "end a connection idle this long (default 600)", DONE_NONE, NULL, SET_SPECIAL, 0},
    {"print-schema", 0, no_argument, NULL, OPT_PRINT_SCHEMA,
     "print the JSON Schema of the output (docs/tlsanalyze.schema.json) and exit", DONE_NONE,
     NULL, SET_EXIT, 0},
    {"print-facts", 0, no_argument, NULL, OPT_PRINT_FACTS,
     "print the fact reference of rules/README.md and exit", DONE_NONE, NULL, SET_EXIT, 0},
    {"print-man", 0, no_argument, NULL, OPT_PRINT_MAN,
     "print this manual page (roff) and exit", DONE_NONE, NULL, SET_EXIT, 0},
    {"print-completion", 0, no_argument, NULL, OPT_PRINT_COMPLETION,
     "print the bash completion script and exit", DONE_NONE, NULL, SET_EXIT, 0},
    {"help", 'h', no_argument, NULL, OPT_HELP, "this help", DONE_NONE, NULL, SET_EXIT, 0},
    {"version", 0, no_argument, NULL, OPT_VERSION, "print the version and exit", DONE_NONE,
     NULL, SET_EXIT, 0},
};

#define NUM_OPTIONS (sizeof(options) / sizeof(options[0]))

static const char *const synopsis = "tlsanalyze [options] CAPTURE|DIRECTORY|@LIST...";

static const char *const description =
    "Reads pcap and pcapng captures (\"-\" is standard input; compressed ones too; "
    "directories are walked in name order; @LIST names one input per line) and reports, for "
    "every TLS connection over TCP or QUIC, what each side offered, chose and sent, how the "
    "handshake ended, and why it failed: the cause, its evidence by frame number (as "
    "Wireshark numbers them), the side at fault and the fix.";

static const char *const exit_status =
    "0 no error diagnosed; 1 at least one error-severity diagnosis; 2 usage error, a bad rule "
    "file or an unreadable capture.";

/* "-f, --filter EXPR", "    --redact[=all|ips]": the option as --help shows it. */
static void option_label(const optdef *d, char *out, size_t n)
{
    char sh[8] = "   ";
    if (d->short_name != 0) {
        snprintf(sh, sizeof(sh), "-%c,", d->short_name);
    }
    if (d->has_arg == optional_argument) {
        snprintf(out, n, "%s --%s[=%s]", sh, d->name, d->arg);
    } else if (d->has_arg == required_argument) {
        snprintf(out, n, "%s --%s %s", sh, d->name, d->arg);
    } else {
        snprintf(out, n, "%s --%s", sh, d->name);
    }
}

/* |text| wrapped at |width| columns, the first line after |col| columns
 * already written, the others indented by |indent|. */
static void wrap(FILE *f, const char *text, size_t col, size_t indent, size_t width)
{
    const char *p = text;
    while (*p != '\0') {
        size_t word = strcspn(p, " ");
        if (col > indent && col + 1 + word > width) {
            fprintf(f, "\n%*s", (int)indent, "");
            col = indent;
        } else if (col > indent) {
            fputc(' ', f);
            col++;
        }
        fwrite(p, 1, word, f);
        col += word;
        p += word;
        p += strspn(p, " ");
    }
    fputc('\n', f);
}

/* After a usage error: the synopsis and where the options are. */
static void short_usage(FILE *f)
{
    fprintf(f, "usage: %s\n(tlsanalyze --help lists the options)\n", synopsis);
}

void ta_options_usage(FILE *f)
{
    enum { COL = 29, WIDTH = 80 };
    fprintf(f, "usage: %s\n", synopsis);
    wrap(f, description, 0, 0, WIDTH);
    fputc('\n', f);
    for (size_t i = 0; i < NUM_OPTIONS; i++) {
        char label[64];
        option_label(&options[i], label, sizeof(label));
        int len = fprintf(f, "  %s", label);
        if (len + 2 > COL) {
            fputs("  ", f);
            len += 2;
        } else {
            fprintf(f, "%*s", COL - len, "");
            len = COL;
        }
        wrap(f, options[i].help, (size_t)len, COL, WIDTH);
    }
    fputs("\nExit status:", f);
    wrap(f, exit_status, 12, 0, WIDTH);
}

/* Text for roff: a backslash as \e, a hyphen that starts an option or
 * continues one as \- (a minus, so that it can be searched and pasted), a
 * line never starting with a control character. */
static void roff(FILE *f, const char *s)
{
    if (*s == '.' || *s == '\'') {
        fputs("\\&", f);
    }
    for (const char *p = s; *p != '\0'; p++) {
        if (*p == '\\') {
            fputs("\\e", f);
        } else if (*p == '-' && (p == s || p[-1] == ' ' || p[-1] == '-' || p[-1] == '(' ||
                                 p[1] == '-')) {
            fputs("\\-", f);
        } else {
            fputc(*p, f);
        }
    }
}

/* An option's name for roff: every hyphen a minus. */
static void roff_name(FILE *f, const char *s)
{
    for (const char *p = s; *p != '\0'; p++) {
        if (*p == '-') {
            fputs("\\-", f);
        } else {
            fputc(*p, f);
        }
    }
}

void ta_options_print_man(FILE *f)
{
    fputs(".\\\" Made by tlsanalyze --print-man from the option table in src/cli/options.c.\n"
          ".TH TLSANALYZE 1 \"\" \"tlsanalyze " TA_VERSION "\" \"User Commands\"\n"
          ".SH NAME\ntlsanalyze \\- explain failed TLS handshakes in packet captures\n"
          ".SH SYNOPSIS\n.B tlsanalyze\n[\\fIoptions\\fR] "
          "\\fICAPTURE\\fR|\\fIDIRECTORY\\fR|\\fB@\\fR\\fILIST\\fR...\n"
          ".SH DESCRIPTION\n", f);
    roff(f, description);
    fputs("\n.SH OPTIONS\n", f);
    for (size_t i = 0; i < NUM_OPTIONS; i++) {
        const optdef *d = &options[i];
        fputs(".TP\n", f);
        if (d->short_name != 0) {
            fprintf(f, "\\fB\\-%c\\fR, ", d->short_name);
        }
        fputs("\\fB\\-\\-", f);
        roff_name(f, d->name);
        fputs("\\fR", f);
        if (d->has_arg != no_argument) {
            fputs(d->has_arg == optional_argument ? "[=\\fI" : " \\fI", f);
            roff(f, d->arg);
            fputs(d->has_arg == optional_argument ? "\\fR]" : "\\fR", f);
        }
        fputc('\n', f);
        roff(f, d->help);
        fputc('\n', f);
    }
    fputs(".SH EXIT STATUS\n", f);
    roff(f, exit_status);
    fputs("\n.SH ENVIRONMENT\n"
          ".TP\n.B TLSANALYZE_RULES\nthe folder of the default rules (else rules/ beside the "
          "program, then the installed ones)\n"
          ".TP\n.B NO_COLOR\nno colours in text output\n"
          ".TP\n.BR SSL_CERT_FILE \", \" SSL_CERT_DIR\nthe system trust store, as OpenSSL reads "
          "it, when \\fB\\-\\-ca\\-file\\fR and \\fB\\-\\-ca\\-path\\fR are not given\n"
          ".SH EXAMPLES\n"
          ".nf\ntcpdump \\-i any \\-s 0 \\-w failing.pcap host 10.1.2.3\n"
          "tlsanalyze failing.pcap\n"
          "tlsanalyze \\-\\-format=ndjson \\-\\-summary /var/captures/\n"
          "tlsanalyze \\-\\-report case.html \\-\\-redact failing.pcap\n.fi\n"
          ".SH SEE ALSO\n.BR tcpdump (8),\n.BR tshark (1),\n.BR openssl\\-s_client (1)\n", f);
}

void ta_options_print_completion(FILE *f)
{
    fputs("# bash completion for tlsanalyze: made by tlsanalyze --print-completion from the\n"
          "# option table in src/cli/options.c.\n"
          "_tlsanalyze()\n{\n"
          "    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]} opt= pre=\n"
          "    # \"--format=te\" is three words where = breaks words (the default), else one.\n"
          "    if [[ $cur == = ]]; then\n"
          "        opt=$prev cur=\n"
          "    elif [[ $prev == = && $COMP_CWORD -ge 2 ]]; then\n"
          "        opt=${COMP_WORDS[COMP_CWORD-2]}\n"
          "    elif [[ $cur == --*=* ]]; then\n"
          "        opt=${cur%%=*} pre=${cur%%=*}= cur=${cur#*=}\n"
          "    elif [[ \" ", f);
    for (size_t i = 0; i < NUM_OPTIONS; i++) {
        const optdef *d = &options[i];
        if (d->has_arg == required_argument) {
            if (d->short_name != 0) {
                fprintf(f, "-%c ", d->short_name);
            }
            fprintf(f, "--%s ", d->name);
        }
    }
    fputs("\" == *\" $prev \"* ]]; then\n"
          "        opt=$prev\n"
          "    fi\n"
          "    case $opt in\n", f);
    for (size_t i = 0; i < NUM_OPTIONS; i++) {
        const optdef *d = &options[i];
        if (d->has_arg == no_argument) {
            continue;
        }
        fputs("        ", f);
        if (d->short_name != 0) {
            fprintf(f, "-%c|", d->short_name);
        }
        fprintf(f, "--%s)\n            ", d->name);
        switch (d->done) {
        case DONE_FILE:
            fputs("COMPREPLY=($(compgen -P \"$pre\" -f -- \"$cur\"))", f);
            break;
        case DONE_DIR:
            fputs("COMPREPLY=($(compgen -P \"$pre\" -d -- \"$cur\"))", f);
            break;
        case DONE_WORDS:
            fprintf(f, "COMPREPLY=($(compgen -P \"$pre\" -W '%s' -- \"$cur\"))", d->words);
            break;
        case DONE_NONE:
            fputs("COMPREPLY=()", f);
            break;
        }
        fputs("\n            return ;;\n", f);
    }
    fputs("    esac\n"
          "    if [[ $cur == -* ]]; then\n"
          "        COMPREPLY=($(compgen -W '", f);
    for (size_t i = 0; i < NUM_OPTIONS; i++) {
        fprintf(f, "%s--%s", i > 0 ? " " : "", options[i].name);
    }
    fputs("' -- \"$cur\"))\n"
          "        return\n"
          "    fi\n"
          "    COMPREPLY=($(compgen -f -- \"$cur\"))\n"
          "}\n"
          "complete -o filenames -F _tlsanalyze tlsanalyze\n", f);
}

/* The getopt tables made from options[]. */
static void getopt_tables(struct option *longopts, char *shortopts)
{
    size_t s = 0;
    for (size_t i = 0; i < NUM_OPTIONS; i++) {
        const optdef *d = &options[i];
        longopts[i] = (struct option){d->name, d->has_arg, NULL, d->id};
        if (d->short_name != 0) {
            shortopts[s++] = d->short_name;
            if (d->has_arg == required_argument) {
                shortopts[s++] = ':';
            }
        }
    }
    longopts[NUM_OPTIONS] = (struct option){NULL, 0, NULL, 0};
    shortopts[s] = '\0';
}

/* The options that print something and exit. */
static void print_and_exit(int id)
{
    switch (id) {
    case OPT_HELP:
        ta_options_usage(stdout);
        break;
    case OPT_VERSION:
        printf("tlsanalyze %s\n", TA_VERSION);
        break;
    case OPT_PRINT_SCHEMA:
        ta_schema_print_json(stdout);
        break;
    case OPT_PRINT_FACTS:
        ta_schema_print_facts(stdout);
        break;
    case OPT_PRINT_MAN:
        ta_options_print_man(stdout);
        break;
    case OPT_PRINT_COMPLETION:
        ta_options_print_completion(stdout);
        break;
    case OPT_LIST_PROFILES:
        ta_rules_print_profiles(stdout);
        break;
    default:
        return;
    }
    exit(fflush(stdout) == 0 ? TA_EXIT_OK : TA_EXIT_BAD_INPUT);
}

/* The table's entry for what getopt returned (a short option's letter or
 * a long option's id); NULL for '?' and ':'. */
static const optdef *find_option(int ch)
{
    for (size_t i = 0; i < NUM_OPTIONS; i++) {
        if (options[i].id == ch || (options[i].short_name != 0 && options[i].short_name == ch)) {
            return &options[i];
        }
    }
    return NULL;
}

/* Gives option |d| its effect; 0 on a bad value (said on stderr).  The
 * table's set kind matches the type of the member at its offset. */
static int apply(ta_options *o, const optdef *d, const char *arg)
{
    char *at = (char *)o + d->field;
    switch (d->set) {
    case SET_TRUE:
    case SET_FALSE:
        *(bool *)(void *)at = d->set == SET_TRUE;
        return 1;
    case SET_STRING:
        *(const char **)(void *)at = arg;
        return 1;
    case SET_SIZE:
        return parse_size(arg, (size_t *)(void *)at);
    case SET_SPECIAL:
        return set_special(o, d->id, arg);
    case SET_EXIT:
        print_and_exit(d->id);
        break;
    }
    return 0;
}

int ta_options_parse(int argc, char **argv, ta_options *o)
{
    struct option longopts[NUM_OPTIONS + 1];
    char shortopts[2 * NUM_OPTIONS + 1];
    int ch;

    getopt_tables(longopts, shortopts);
    ta_limits_default(&o->lim);
    o->fmt = TA_FMT_TEXT;
    o->color = isatty(STDOUT_FILENO) && getenv("NO_COLOR") == NULL;
    o->profile = "generic";
    o->min_severity = TA_SEV_INFO;
    o->since_ns = INT64_MIN;
    o->until_ns = INT64_MAX;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    o->jobs = cores > 0 ? (int)(cores < 256 ? cores : 256) : 1;
    while ((ch = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
        const optdef *d = find_option(ch);
        if (d == NULL) {            /* getopt said what was wrong */
            short_usage(stderr);
            return 0;
        }
        if (!apply(o, d, optarg)) {
            return 0;
        }
    }
    if (optind >= argc && !o->list_rules && o->explain == NULL) {
        fputs("tlsanalyze: no capture given\n", stderr);
        short_usage(stderr);
        return 0;
    }
    return 1;
}

const char *ta_options_value_name(const char *a, const char **out_inline)
{
    *out_inline = NULL;
    if (a[0] != '-') {
        return NULL;
    }
    if (a[1] != '-') {
        for (size_t i = 0; i < NUM_OPTIONS; i++) {
            const optdef *d = &options[i];
            if (d->short_name != 0 && d->short_name == a[1] && d->has_arg == required_argument) {
                *out_inline = a[2] != '\0' ? a + 2 : NULL;
                return d->name;
            }
        }
        return NULL;
    }
    const char *eq = strchr(a, '=');
    size_t n = eq != NULL ? (size_t)(eq - a - 2) : strlen(a + 2);
    for (size_t i = 0; i < NUM_OPTIONS; i++) {
        const optdef *d = &options[i];
        if (strlen(d->name) == n && strncmp(a + 2, d->name, n) == 0 && d->has_arg != no_argument) {
            *out_inline = eq != NULL ? eq + 1 : NULL;
            return d->has_arg == required_argument || eq != NULL ? d->name : NULL;
        }
    }
    return NULL;
}
