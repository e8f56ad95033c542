/* ta_options.h - the command line: one table of options from which come
 * the parser, --help, the man page (tlsanalyze(1)) and the bash completion. */
#ifndef TA_OPTIONS_H
#define TA_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ta_analyze.h"
#include "ta_apigee.h"
#include "ta_chain.h"
#include "ta_fingerprint.h"
#include "ta_keylog.h"
#include "ta_output.h"
#include "ta_redact.h"
#include "ta_rules.h"

#define TA_VERSION "0.2.0"

enum {
    TA_EXIT_OK = 0,
    TA_EXIT_FAILED_HANDSHAKE = 1,
    TA_EXIT_BAD_INPUT = 2
};

#define TA_MAX_RULE_DIRS 8
#define TA_MAX_CLIENT_FPS 64

/* What the command line asked for, and what main() sets up from it (rules,
 * trust stores, key logs, redactor, report writer), owned here. */
typedef struct {
    ta_format fmt;
    bool color;
    bool verbose;
    const char *filter;
    ta_limits lim;
    const char *rule_dirs[TA_MAX_RULE_DIRS];
    size_t num_rule_dirs;
    bool no_default_rules;
    bool list_rules;
    const char *explain;
    const char *profile;
    ta_apigee_cfg apigee;  /* --apigee-router, --apigee-mp, --capture-host */
    ta_severity min_severity;
    bool summary;
    int jobs;
    int64_t since_ns;      /* time window, capture time */
    int64_t until_ns;
    char *filter_buf;      /* -f combined with --server, owned */
    char client_fps[TA_MAX_CLIENT_FPS][TA_JA4_LEN + 1];   /* --client-fingerprint, lower case */
    size_t num_client_fps;
    bool quiet;            /* no progress line */
    bool merge;            /* all inputs as one capture */
    ta_rules *rules;
    ta_chain_opts chain;   /* trust stores, --extract-certs */
    ta_chain_ctx *chains;
    ta_keylog *keylog;     /* --keylog files, owned; NULL without any */
    const char *report_path;       /* --report FILE.md|FILE.html */
    ta_format report_fmt;
    ta_redact_mode redact;
    const char *redact_key;        /* --redact-key, NULL: a random key per run */
    ta_redactor *redactor;         /* NULL unless --redact */
    ta_writer *report;             /* the --report writer, NULL without */
} ta_options;

/* ta_options_parse fills |o| (zeroed) from the command line; the inputs
 * start at getopt's optind.  --help, --version and the --print-* options
 * print and exit.  0 on a usage error (said on stderr). */
int ta_options_parse(int argc, char **argv, ta_options *o);

/* ta_options_value_name: the long name of the option of the argument |a|
 * that takes a value ("filter" for -f, --filter, -fX, --filter=X), or NULL;
 * *out_inline is the value when |a| carries it. */
const char *ta_options_value_name(const char *a, const char **out_inline);

/* The documents made from the option table. */
void ta_options_usage(FILE *f);
void ta_options_print_man(FILE *f);
void ta_options_print_completion(FILE *f);

#endif
