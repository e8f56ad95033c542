/*
 * ta_rules.h - diagnosis rules: YAML files (rules/README.md) loaded with
 * libyaml, checked strictly (unknown fields, facts and operators, and
 * tests that can never hold for their fact's type, are errors with
 * file:line:col), compiled against the schema of facts (ta_schema.h) and
 * applied to a connection's view.
 */
#ifndef TA_RULES_H
#define TA_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#include "ta_chain.h"
#include "ta_jsonw.h"
#include "ta_schema.h"

typedef enum {
    TA_SEV_ERROR = 0,
    TA_SEV_WARNING = 1,
    TA_SEV_INFO = 2
} ta_severity;

typedef struct ta_rules ta_rules;

/* ta_rules_new returns an empty rule set; NULL on out of memory. */
ta_rules *ta_rules_new(void);

/* ta_rules_free frees the set; NULL ok. */
void ta_rules_free(ta_rules *r);

/* ta_rules_load_file adds the rules of one YAML file; a rule with the id of
 * one already loaded replaces it.  On error returns 0 and writes
 * "file:line:col: what is wrong" into |err|. */
int ta_rules_load_file(ta_rules *r, const char *path, char *err, size_t err_len);

/* ta_rules_load_dir loads every *.yaml / *.yml file of |dir| in name order,
 * then the list of TLS inspection products' CA names in
 * |dir|/data/interception-products.yaml, if there is one (appended to the
 * lists of directories loaded before). */
int ta_rules_load_dir(ta_rules *r, const char *dir, char *err, size_t err_len);

/* ta_rules_load_intercept adds the entries of one such file: a YAML list of
 * {product: NAME, issuer: REGEX} (POSIX extended, case-insensitive, matched
 * against the issuer names of a chain's certificates). */
int ta_rules_load_intercept(ta_rules *r, const char *path, char *err, size_t err_len);

/* ta_rules_intercept returns the inspection products loaded (owned by |r|). */
const ta_intercept_list *ta_rules_intercept(const ta_rules *r);

/* ta_rules_count returns the number of rules loaded. */
size_t ta_rules_count(const ta_rules *r);

/* How to apply the rules to a connection. */
typedef struct {
    const char *profile;   /* picks the remediation text ("generic" when NULL or not given) */
    ta_severity min;       /* diagnoses below this are dropped */
    bool texts;            /* render the texts (not needed for --summary) */
    ta_jbuf *scratch;      /* where texts are built; reused */
} ta_rules_run;

/* ta_rules_eval evaluates every rule on the view |v| and sets its
 * diagnoses (taken from v->arena), root cause first: errors before
 * warnings before info, then the rule citing the most evidence, then load
 * order; rules named in a fired rule's "suppresses" are dropped, and so
 * are diagnoses below run->min.  Returns 0 when memory ran out. */
int ta_rules_eval(const ta_rules *r, ta_view *v, const ta_rules_run *run);

/* ta_rules_apply does the same on facts given as a JSON object (tests,
 * fuzzing) and returns the diagnoses as a new JSON array, texts rendered;
 * NULL on out of memory. */
json_t *ta_rules_apply(const ta_rules *r, json_t *conn, const char *profile, ta_severity min);

/* ta_rules_list prints one line per rule; ta_rules_explain prints one rule
 * in full (0 when |id| is unknown). */
void ta_rules_list(const ta_rules *r, FILE *out);
int ta_rules_explain(const ta_rules *r, const char *id, FILE *out);

/* Remediation profiles: generic, apigee (Apigee Edge, Private and Public
 * Cloud) and apigee-x (Apigee X and hybrid; where it has no text of its
 * own, apigee's).  ta_rules_profile_known: is |name| one of them;
 * ta_rules_print_profiles prints one line each. */
bool ta_rules_profile_known(const char *name);
void ta_rules_print_profiles(FILE *out);

/* ta_severity_parse maps "error"/"warning"/"info"; 0 if unknown. */
int ta_severity_parse(const char *s, ta_severity *out);
const char *ta_severity_name(ta_severity s);

#endif
