/*
 * ta_rules.h - diagnosis rules: YAML files (rules/README.md) loaded with
 * libyaml, checked strictly (unknown fields, facts and operators are
 * errors with file:line:col), and applied to a connection's JSON facts.
 */
#ifndef TA_RULES_H
#define TA_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

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

/* ta_rules_load_dir loads every *.yaml / *.yml file of |dir| in name order. */
int ta_rules_load_dir(ta_rules *r, const char *dir, char *err, size_t err_len);

/* ta_rules_count returns the number of rules loaded. */
size_t ta_rules_count(const ta_rules *r);

/* ta_rules_apply evaluates every rule on |conn| (the connection's JSON with
 * derived facts) and returns a new array of diagnoses, root cause first:
 * errors before warnings before info, then the rule citing the most
 * evidence, then load order; rules named in a fired rule's "suppresses"
 * are dropped, and so are diagnoses below |min|.  |profile| picks the
 * remediation text ("generic" when NULL or not given by the rule). */
json_t *ta_rules_apply(const ta_rules *r, json_t *conn, const char *profile, ta_severity min);

/* ta_rules_list prints one line per rule; ta_rules_explain prints one rule
 * in full (0 when |id| is unknown). */
void ta_rules_list(const ta_rules *r, FILE *out);
int ta_rules_explain(const ta_rules *r, const char *id, FILE *out);

/* ta_severity_parse maps "error"/"warning"/"info"; 0 if unknown. */
int ta_severity_parse(const char *s, ta_severity *out);
const char *ta_severity_name(ta_severity s);

#endif
