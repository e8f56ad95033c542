/* rules_int.h - the rule structures shared by rules.c (loading) and
 * ruleeval.c (evaluation).  Private to those two files. */
#ifndef TA_RULES_INT_H
#define TA_RULES_INT_H

#include <regex.h>
#include <stdbool.h>

#include <jansson.h>

#include "ta_rules.h"

typedef enum { C_ALL, C_ANY, C_NOT, C_PRED } cond_kind;

typedef enum {
    OP_EQ, OP_NE, OP_LT, OP_GT, OP_LE, OP_GE, OP_IN, OP_EXISTS, OP_ABSENT, OP_MATCHES
} op_kind;

typedef struct cond cond;
struct cond {
    cond_kind kind;
    cond **kids;              /* all / any / not */
    size_t num_kids;
    char *path;               /* predicate */
    op_kind op;
    json_t *operand;          /* scalar, or an array for "in" */
    regex_t re;
    bool has_re;
};

typedef struct {
    char *frame;              /* fact path of the frame number */
    char *fact;               /* template */
} evidence;

#define TA_MAX_PROFILES 4

typedef struct {
    char *id;
    ta_severity severity;
    char *title;
    cond *when;
    char *summary;
    char *profile_names[TA_MAX_PROFILES];
    char *remediation[TA_MAX_PROFILES];
    size_t num_profiles;
    char *fault;              /* template: client | server | middlebox | unknown */
    char *fixes_by;
    char **references;
    size_t num_references;
    char **suppresses;
    size_t num_suppresses;
    evidence *evidence;
    size_t num_evidence;
    char *file;
    int line;
} rule;

struct ta_rules {
    rule *v;
    size_t num;
};

void ta_rule_cleanup(rule *r);

/* ta_fact_known is true for a fact path of the JSON contract (indexes as
 * "[N]" or "[]"); ta_fact_suggest returns the closest known path. */
bool ta_fact_known(const char *path);
const char *ta_fact_suggest(const char *path);

/* ta_template_check returns NULL if every {path} in |t| is known, else a
 * static message (with |bad| set to the offending path, caller frees). */
const char *ta_template_check(const char *t, char **bad);

#endif
