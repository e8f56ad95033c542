/*
 * rules.c - loading diagnosis rules from YAML (see ta_rules.h and
 * rules/README.md).  libyaml's document API gives every node its position,
 * so each error names file:line:col.  Strict: unknown fields, facts and
 * operators are errors, with the closest known name suggested; a test that
 * can never hold for its fact's type is an error too.  Paths, operands and
 * templates are compiled here (rulecompile.c), once.
 */
#include "rules_int.h"

#include "ta_escape.h"

#include <dirent.h>
#include <limits.h>
#include <unistd.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <yaml.h>

/* ---------------------------------------------------------------- loading */

typedef struct {
    yaml_document_t doc;
    const char *file;
    char *err;
    size_t err_len;
} loader;

static int fail(loader *L, const yaml_node_t *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(loader *L, const yaml_node_t *n, const char *fmt, ...)
{
    char msg[384];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    snprintf(L->err, L->err_len, "%s:%zu:%zu: %s", L->file,
             n != NULL ? n->start_mark.line + 1 : 1, n != NULL ? n->start_mark.column + 1 : 1,
             msg);
    return 0;
}

static yaml_node_t *node(loader *L, int id)
{
    return yaml_document_get_node(&L->doc, id);
}

static const char *scalar(const yaml_node_t *n)
{
    return n != NULL && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

/* A YAML scalar as a rule value (ta_rule_operand). */
static int operand_of(const yaml_node_t *n, value *out, char **shown)
{
    return ta_rule_operand(scalar(n), n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE, out, shown);
}

static int need_scalar(loader *L, const yaml_node_t *n, const char *what, char **out)
{
    const char *s = scalar(n);
    if (s == NULL) {
        return fail(L, n, "%s must be a text value", what);
    }
    *out = strdup(s);
    return *out != NULL;
}

/* Reports an unknown fact, with the closest one when there is one. */
static int unknown_fact(loader *L, const yaml_node_t *n, const char *prefix, const char *path)
{
    char hint[256];
    if (ta_fact_suggest(path, hint, sizeof(hint))) {
        return fail(L, n, "%sunknown fact \"%s\" (did you mean \"%s\"?)", prefix, path, hint);
    }
    return fail(L, n, "%sunknown fact \"%s\"%s", prefix, path,
                prefix[0] == '\0' ? " (rules/README.md lists the facts)" : "");
}

static int need_template(loader *L, const yaml_node_t *n, const char *what, template *out)
{
    char *bad = NULL;
    char prefix[64];
    const char *s = scalar(n);
    if (s == NULL) {
        return fail(L, n, "%s must be a text value", what);
    }
    const char *why = ta_template_compile(out, s, &bad);
    if (why != NULL && bad != NULL) {
        snprintf(prefix, sizeof(prefix), "%s: ", what);
        unknown_fact(L, n, prefix, bad);
        free(bad);
        return 0;
    }
    if (why != NULL) {
        return fail(L, n, "%s: %s", what, why);
    }
    return 1;
}

/* A list of text values (a single value is a list of one). */
static int need_list(loader *L, const yaml_node_t *n, const char *what, char ***out,
                     size_t *num)
{
    if (n->type == YAML_SCALAR_NODE) {
        *out = calloc(1, sizeof(char *));
        *num = *out != NULL;
        return *out != NULL && need_scalar(L, n, what, &(*out)[0]);
    }
    if (n->type != YAML_SEQUENCE_NODE) {
        return fail(L, n, "%s must be a list", what);
    }
    size_t k = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
    *out = calloc(k > 0 ? k : 1, sizeof(char *));
    if (*out == NULL) {
        return 0;
    }
    for (size_t i = 0; i < k; i++) {
        if (!need_scalar(L, node(L, n->data.sequence.items.start[i]), what, &(*out)[i])) {
            return 0;
        }
        (*num)++;
    }
    return 1;
}

/* ---------------------------------------------------------------- conditions */

static const struct {
    const char *name;
    op_kind op;
} ops[] = {
    {"==", OP_EQ}, {"!=", OP_NE}, {"<", OP_LT}, {">", OP_GT}, {"<=", OP_LE}, {">=", OP_GE},
    {"in", OP_IN}, {"exists", OP_EXISTS}, {"absent", OP_ABSENT}, {"matches", OP_MATCHES},
};

#define NUM_OPS (sizeof(ops) / sizeof(ops[0]))

static cond *parse_cond(loader *L, yaml_node_t *n, int depth);

static void value_cleanup(value *v)
{
    free(v->s);
    v->s = NULL;
}

static void cond_free(cond *c)
{
    if (c == NULL) {
        return;
    }
    for (size_t i = 0; i < c->num_kids; i++) {
        cond_free(c->kids[i]);
    }
    free(c->kids);
    free(c->path_text);
    value_cleanup(&c->operand);
    for (size_t i = 0; i < c->num_list; i++) {
        value_cleanup(&c->list[i]);
    }
    free(c->list);
    free(c->shown);
    if (c->has_re) {
        regfree(&c->re);
    }
    free(c->memo);
    free(c);
}

/* "in": a list of plain values. */
static int parse_list(loader *L, cond *c, yaml_node_t *v)
{
    size_t n = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
    size_t used = 0;
    size_t cap = 3;

    c->list = calloc(n > 0 ? n : 1, sizeof(*c->list));
    c->shown = malloc(cap);
    if (c->list == NULL || c->shown == NULL) {
        return fail(L, v, "out of memory");
    }
    c->shown[used++] = '[';
    for (size_t i = 0; i < n; i++) {
        yaml_node_t *e = node(L, v->data.sequence.items.start[i]);
        char *shown = NULL;
        if (e->type != YAML_SCALAR_NODE) {
            return fail(L, e, "\"in\" takes plain values");
        }
        int ok = operand_of(e, &c->list[c->num_list++], &shown);
        size_t k = shown != NULL ? strlen(shown) : 0;
        char *grown = ok ? realloc(c->shown, cap + k + 1) : NULL;
        if (grown == NULL) {
            free(shown);
            return fail(L, e, "out of memory");
        }
        c->shown = grown;
        cap += k + 1;
        if (i > 0) {
            c->shown[used++] = ',';
        }
        memcpy(c->shown + used, shown, k);
        used += k;
        free(shown);
    }
    c->shown[used++] = ']';
    c->shown[used] = '\0';
    return 1;
}

static int parse_operand(loader *L, cond *c, yaml_node_t *v)
{
    if (c->op == OP_IN) {
        if (v->type != YAML_SEQUENCE_NODE) {
            return fail(L, v, "\"in\" needs a list of values");
        }
        return parse_list(L, c, v);
    }
    if (v->type != YAML_SCALAR_NODE) {
        return fail(L, v, "the value to compare with must be a single value");
    }
    if (!operand_of(v, &c->operand, &c->shown)) {
        return fail(L, v, "out of memory");
    }
    if ((c->op == OP_EXISTS || c->op == OP_ABSENT) && c->operand.kind != V_BOOL) {
        return fail(L, v, "\"%s\" takes true or false", c->op == OP_EXISTS ? "exists" : "absent");
    }
    if (c->op == OP_MATCHES) {
        if (c->operand.kind != V_STR ||
            regcomp(&c->re, c->operand.s, REG_EXTENDED | REG_NOSUB) != 0) {
            return fail(L, v, "\"matches\" needs a valid extended regular expression");
        }
        c->has_re = true;
        c->memo = calloc(1, sizeof(*c->memo));   /* none: every text asks regexec */
    }
    return 1;
}

/* Whether == (and <=, >=) can hold between a value of |n| and |val|. */
static bool can_equal(const ta_fnode *n, const value *val)
{
    switch (val->kind) {
    case V_NUM:
        return n->type == TA_FT_INT || n->type == TA_FT_REAL;
    case V_STR:
        return n->type == TA_FT_STRING;
    case V_BOOL:
        return n->type == TA_FT_BOOL;
    case V_NULL:
        return (n->flags & TA_FN_NULL) != 0;
    case V_OTHER:
    default:
        return false;
    }
}

/* Whether the test can ever hold for the fact's type. */
static bool can_hold(const cond *c, const ta_fnode *n)
{
    switch (c->op) {
    case OP_EQ:
    case OP_LE:
    case OP_GE:
        return can_equal(n, &c->operand);
    case OP_LT:
    case OP_GT:
        return (c->operand.kind == V_NUM && (n->type == TA_FT_INT || n->type == TA_FT_REAL)) ||
               (c->operand.kind == V_STR && n->type == TA_FT_STRING);
    case OP_IN:
        for (size_t i = 0; i < c->num_list; i++) {
            if (can_equal(n, &c->list[i])) {
                return true;
            }
        }
        return false;
    case OP_MATCHES:
        return n->type == TA_FT_STRING;
    case OP_NE:
    case OP_EXISTS:
    case OP_ABSENT:
    default:
        return true;
    }
}

static const char *type_name(const ta_fnode *n)
{
    static const char *const names[] = {"a boolean", "a number", "a number", "a text",
                                        "an object", "a list"};
    return n->type < sizeof(names) / sizeof(names[0]) ? names[n->type] : "?";
}

/* One operator of a test on |path|; NULL after an error. */
static cond *parse_op(loader *L, const char *path, const ta_fpath *fp, yaml_node_pair_t *p)
{
    yaml_node_t *k = node(L, p->key);
    const char *name = scalar(k);
    size_t o = 0;
    if (k->tag != NULL && strncmp((const char *)k->tag, "tag:yaml.org,2002:", 18) != 0) {
        fail(L, k, "write the operator in quotes: YAML reads an unquoted ! as a tag "
             "(use \"!=\")");
        return NULL;
    }
    while (o < NUM_OPS && (name == NULL || strcmp(ops[o].name, name) != 0)) {
        o++;
    }
    if (o == NUM_OPS) {
        fail(L, k, "unknown operator \"%s\" (use ==, !=, <, >, <=, >=, in, exists, absent "
             "or matches)", name != NULL ? name : "?");
        return NULL;
    }
    cond *c = calloc(1, sizeof(*c));
    if (c == NULL || (c->path_text = strdup(path)) == NULL) {
        free(c);
        fail(L, k, "out of memory");
        return NULL;
    }
    c->kind = C_PRED;
    c->op = ops[o].op;
    c->path = *fp;
    if (!parse_operand(L, c, node(L, p->value))) {
        cond_free(c);
        return NULL;
    }
    const ta_fnode *n = ta_fpath_node(fp);
    if (!can_hold(c, n)) {
        if (c->operand.kind == V_NULL && n->type != TA_FT_OBJECT && n->type != TA_FT_ARRAY &&
            c->op != OP_IN) {
            fail(L, node(L, p->value), "\"%s\" is never null, so {%s: %s} never holds", path,
                 name, c->shown);
        } else {
            fail(L, node(L, p->value), "\"%s\" is %s, so {%s: %s} never holds", path,
                 type_name(n), name, c->shown);
        }
        cond_free(c);
        return NULL;
    }
    return c;
}

/* fact: {op: value, ...} - several operators must all hold. */
static cond *parse_pred(loader *L, yaml_node_t *key, yaml_node_t *val)
{
    const char *path = scalar(key);
    ta_fpath fp;
    if (!ta_fact_resolve(&fp, path, strlen(path))) {
        unknown_fact(L, key, "", path);
        return NULL;
    }
    if (val->type != YAML_MAPPING_NODE ||
        val->data.mapping.pairs.start == val->data.mapping.pairs.top) {
        fail(L, val, "a test on \"%s\" is a mapping of operator to value, e.g. {==: x}", path);
        return NULL;
    }
    cond *all = calloc(1, sizeof(*all));
    size_t n = (size_t)(val->data.mapping.pairs.top - val->data.mapping.pairs.start);
    if (all == NULL || (all->kids = calloc(n, sizeof(cond *))) == NULL) {
        free(all);
        return NULL;
    }
    all->kind = C_ALL;
    for (yaml_node_pair_t *p = val->data.mapping.pairs.start; p < val->data.mapping.pairs.top;
         p++) {
        cond *c = parse_op(L, path, &fp, p);
        if (c == NULL) {
            cond_free(all);
            return NULL;
        }
        all->kids[all->num_kids++] = c;
    }
    return all;
}

static cond *parse_group(loader *L, cond_kind kind, yaml_node_t *val, int depth)
{
    cond *g = calloc(1, sizeof(*g));
    if (g == NULL) {
        return NULL;
    }
    g->kind = kind;
    if (kind == C_NOT) {
        g->kids = calloc(1, sizeof(cond *));
        if (g->kids == NULL || (g->kids[0] = parse_cond(L, val, depth + 1)) == NULL) {
            cond_free(g);
            return NULL;
        }
        g->num_kids = 1;
        return g;
    }
    if (val->type != YAML_SEQUENCE_NODE ||
        val->data.sequence.items.start == val->data.sequence.items.top) {
        fail(L, val, "\"%s\" needs a non-empty list of conditions", kind == C_ALL ? "all" : "any");
        cond_free(g);
        return NULL;
    }
    size_t n = (size_t)(val->data.sequence.items.top - val->data.sequence.items.start);
    g->kids = calloc(n, sizeof(cond *));
    for (size_t i = 0; g->kids != NULL && i < n; i++) {
        g->kids[i] = parse_cond(L, node(L, val->data.sequence.items.start[i]), depth + 1);
        if (g->kids[i] == NULL) {
            cond_free(g);
            return NULL;
        }
        g->num_kids++;
    }
    return g;
}

/* A condition: {all: [...]}, {any: [...]}, {not: cond} or {fact: {op: v}}. */
static cond *parse_cond(loader *L, yaml_node_t *n, int depth)
{
    if (depth > 32) {
        fail(L, n, "conditions nested more than 32 deep");
        return NULL;
    }
    if (n->type != YAML_MAPPING_NODE ||
        n->data.mapping.pairs.top - n->data.mapping.pairs.start != 1) {
        fail(L, n, "a condition is a mapping with one key: all, any, not, or a fact");
        return NULL;
    }
    yaml_node_pair_t *p = n->data.mapping.pairs.start;
    yaml_node_t *key = node(L, p->key);
    yaml_node_t *val = node(L, p->value);
    const char *k = scalar(key);
    if (k == NULL) {
        fail(L, key, "a condition's key must be all, any, not, or a fact");
        return NULL;
    }
    if (strcmp(k, "all") == 0 || strcmp(k, "any") == 0) {
        return parse_group(L, k[1] == 'l' ? C_ALL : C_ANY, val, depth);
    }
    if (strcmp(k, "not") == 0) {
        return parse_group(L, C_NOT, val, depth);
    }
    return parse_pred(L, key, val);
}

/* ---------------------------------------------------------------- rules */

static const char *const rule_keys[] = {
    "id", "severity", "title", "when", "summary", "remediation", "evidence", "fault",
    "fixes_by", "references", "suppresses",
};

#define NUM_RULE_KEYS (sizeof(rule_keys) / sizeof(rule_keys[0]))

void ta_rule_cleanup(rule *r)
{
    free(r->id);
    ta_template_cleanup(&r->title);
    cond_free(r->when);
    ta_template_cleanup(&r->summary);
    for (size_t i = 0; i < r->num_profiles; i++) {
        free(r->remediation[i].name);
        ta_template_cleanup(&r->remediation[i].both);
        ta_template_cleanup(&r->remediation[i].side[TA_SIDE_NORTH]);
        ta_template_cleanup(&r->remediation[i].side[TA_SIDE_SOUTH]);
    }
    ta_template_cleanup(&r->fault);
    ta_template_cleanup(&r->fixes_by);
    for (size_t i = 0; i < r->num_references; i++) {
        free(r->references[i]);
    }
    free(r->references);
    for (size_t i = 0; i < r->num_suppresses; i++) {
        free(r->suppresses[i]);
    }
    free(r->suppresses);
    for (size_t i = 0; i < r->num_evidence; i++) {
        free(r->evidence[i].frame_text);
        ta_template_cleanup(&r->evidence[i].fact);
    }
    free(r->evidence);
    free(r->file);
    memset(r, 0, sizeof(*r));
}

/* A profile's text for each side: {northbound: TEXT, southbound: TEXT};
 * apigee-x may give one side only (the other is apigee's). */
static int parse_sides(loader *L, remedy *m, yaml_node_t *v)
{
    for (yaml_node_pair_t *p = v->data.mapping.pairs.start; p < v->data.mapping.pairs.top; p++) {
        yaml_node_t *k = node(L, p->key);
        const char *side = scalar(k);
        int s = side == NULL                          ? -1
                : strcmp(side, "northbound") == 0     ? TA_SIDE_NORTH
                : strcmp(side, "southbound") == 0     ? TA_SIDE_SOUTH
                                                      : -1;
        if (s < 0) {
            return fail(L, k, "unknown side \"%s\" in remediation (northbound or southbound)",
                        side != NULL ? side : "?");
        }
        if (m->side[s].src != NULL) {
            return fail(L, k, "%s given twice", side);
        }
        /* Shown beside the other side's when the direction is not known. */
        static const char *const label[2] = {"Northbound", "Southbound"};
        yaml_node_t *text = node(L, p->value);
        const char *t = scalar(text);
        if (t != NULL && strncmp(t, label[s], strlen(label[s])) != 0) {
            return fail(L, text, "a %s text begins with \"%s\"", side, label[s]);
        }
        if (!need_template(L, text, "remediation", &m->side[s])) {
            return 0;
        }
    }
    if (strcmp(m->name, "apigee-x") != 0 &&
        (m->side[TA_SIDE_NORTH].src == NULL || m->side[TA_SIDE_SOUTH].src == NULL)) {
        return fail(L, v, "remediation of %s by side needs both northbound and southbound",
                    m->name);
    }
    return 1;
}

/* remediation: a text for every profile, or {generic: TEXT, apigee: ...,
 * apigee-x: ...}, where an apigee profile's value may be a text or
 * {northbound: TEXT, southbound: TEXT}. */
static int parse_remediation(loader *L, rule *r, yaml_node_t *v)
{
    if (v->type == YAML_SCALAR_NODE) {
        r->remediation[0].name = strdup("generic");
        r->num_profiles = 1;
        return r->remediation[0].name != NULL &&
               need_template(L, v, "remediation", &r->remediation[0].both);
    }
    if (v->type != YAML_MAPPING_NODE) {
        return fail(L, v, "remediation is a text, or a mapping of profile to text");
    }
    for (yaml_node_pair_t *p = v->data.mapping.pairs.start; p < v->data.mapping.pairs.top; p++) {
        yaml_node_t *k = node(L, p->key);
        yaml_node_t *val = node(L, p->value);
        if (r->num_profiles >= TA_MAX_PROFILES) {
            return fail(L, k, "at most %d profiles", TA_MAX_PROFILES);
        }
        const char *pname = scalar(k);
        if (pname == NULL || !ta_rules_profile_known(pname)) {
            return fail(L, k, "unknown profile \"%s\" (generic, apigee or apigee-x)",
                        pname != NULL ? pname : "?");
        }
        for (size_t i = 0; i < r->num_profiles; i++) {
            if (strcmp(r->remediation[i].name, pname) == 0) {
                return fail(L, k, "profile \"%s\" given twice", pname);
            }
        }
        remedy *m = &r->remediation[r->num_profiles++];
        if (!need_scalar(L, k, "profile name", &m->name)) {
            return 0;
        }
        if (val->type == YAML_MAPPING_NODE && strcmp(pname, "generic") != 0) {
            if (!parse_sides(L, m, val)) {
                return 0;
            }
        } else if (!need_template(L, val, "remediation", &m->both)) {
            return 0;
        }
    }
    return 1;
}

/* evidence: [{frame: fact-path, fact: template}, ...] */
static int parse_evidence(loader *L, rule *r, yaml_node_t *v)
{
    if (v->type != YAML_SEQUENCE_NODE) {
        return fail(L, v, "evidence is a list of {frame: FACT, fact: TEXT}");
    }
    size_t n = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
    r->evidence = calloc(n > 0 ? n : 1, sizeof(evidence));
    if (r->evidence == NULL) {
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        yaml_node_t *e = node(L, v->data.sequence.items.start[i]);
        evidence *ev = &r->evidence[r->num_evidence++];
        if (e->type != YAML_MAPPING_NODE) {
            return fail(L, e, "an evidence item is {frame: FACT, fact: TEXT}");
        }
        for (yaml_node_pair_t *p = e->data.mapping.pairs.start; p < e->data.mapping.pairs.top;
             p++) {
            yaml_node_t *k = node(L, p->key);
            yaml_node_t *val = node(L, p->value);
            const char *name = scalar(k) != NULL ? scalar(k) : "?";
            if (strcmp(name, "frame") == 0) {
                if (!need_scalar(L, val, "frame", &ev->frame_text)) {
                    return 0;
                }
                if (!ta_fact_resolve(&ev->frame, ev->frame_text, strlen(ev->frame_text))) {
                    return unknown_fact(L, val, "", ev->frame_text);
                }
            } else if (strcmp(name, "fact") == 0) {
                if (!need_template(L, val, "fact", &ev->fact)) {
                    return 0;
                }
            } else {
                return fail(L, k, "unknown field \"%s\" in evidence (frame, fact)", name);
            }
        }
        if (ev->frame_text == NULL || ev->fact.src == NULL) {
            return fail(L, e, "an evidence item needs both frame and fact");
        }
    }
    return 1;
}

static int parse_field(loader *L, rule *r, const char *k, yaml_node_t *key, yaml_node_t *v)
{
    if (strcmp(k, "id") == 0) {
        return need_scalar(L, v, "id", &r->id);
    } else if (strcmp(k, "severity") == 0) {
        const char *s = scalar(v);
        if (s == NULL || !ta_severity_parse(s, &r->severity)) {
            return fail(L, v, "severity must be error, warning or info");
        }
        return 1;
    } else if (strcmp(k, "title") == 0) {
        return need_template(L, v, "title", &r->title);
    } else if (strcmp(k, "when") == 0) {
        r->when = parse_cond(L, v, 0);
        return r->when != NULL;
    } else if (strcmp(k, "summary") == 0) {
        return need_template(L, v, "summary", &r->summary);
    } else if (strcmp(k, "remediation") == 0) {
        return parse_remediation(L, r, v);
    } else if (strcmp(k, "evidence") == 0) {
        return parse_evidence(L, r, v);
    } else if (strcmp(k, "fault") == 0) {
        if (!need_template(L, v, "fault", &r->fault)) {
            return 0;
        }
        const char *f = r->fault.src;
        if (strchr(f, '{') == NULL && strcmp(f, "client") != 0 && strcmp(f, "server") != 0 &&
            strcmp(f, "middlebox") != 0 && strcmp(f, "unknown") != 0) {
            return fail(L, v, "fault must be client, server, middlebox, unknown or a {fact}");
        }
        return 1;
    } else if (strcmp(k, "fixes_by") == 0) {
        return need_template(L, v, "fixes_by", &r->fixes_by);
    } else if (strcmp(k, "references") == 0) {
        return need_list(L, v, "references", &r->references, &r->num_references);
    } else if (strcmp(k, "suppresses") == 0) {
        return need_list(L, v, "suppresses", &r->suppresses, &r->num_suppresses);
    }
    const char *hint = ta_rules_closest(k, rule_keys, NUM_RULE_KEYS);
    if (hint != NULL) {
        return fail(L, key, "unknown field \"%s\" (did you mean \"%s\"?)", k, hint);
    }
    return fail(L, key, "unknown field \"%s\"", k);
}

static int parse_rule(loader *L, rule *r, yaml_node_t *n)
{
    static const char *const required[] = {"id", "severity", "title", "when", "summary"};
    if (n->type != YAML_MAPPING_NODE) {
        return fail(L, n, "a rule is a mapping (id, severity, title, when, summary, ...)");
    }
    r->line = (int)n->start_mark.line + 1;
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        yaml_node_t *key = node(L, p->key);
        const char *k = scalar(key);
        if (k == NULL) {
            return fail(L, key, "a rule's keys are names");
        }
        for (yaml_node_pair_t *q = n->data.mapping.pairs.start; q < p; q++) {
            const char *earlier = scalar(node(L, q->key));
            if (earlier != NULL && strcmp(earlier, k) == 0) {
                return fail(L, key, "field \"%s\" is given twice", k);
            }
        }
        if (!parse_field(L, r, k, key, node(L, p->value))) {
            return 0;
        }
    }
    bool sev = false;
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        sev = sev || strcmp(scalar(node(L, p->key)), "severity") == 0;
    }
    const bool have[] = {r->id != NULL, sev, r->title.src != NULL, r->when != NULL,
                         r->summary.src != NULL};
    for (size_t i = 0; i < sizeof(have) / sizeof(have[0]); i++) {
        if (!have[i]) {
            return fail(L, n, "the rule%s%s has no \"%s\"", r->id != NULL ? " " : "",
                        r->id != NULL ? r->id : "", required[i]);
        }
    }
    if (r->fault.src == NULL) {
        char *bad = NULL;
        if (ta_template_compile(&r->fault, "unknown", &bad) != NULL) {
            return fail(L, n, "out of memory");
        }
    }
    return 1;
}

/* Adds |r| (taking ownership), replacing a rule with the same id.  A
 * replaced rule's nodes stay in set->prog, unused. */
static int add_rule(ta_rules *set, rule *r)
{
    if (!ta_rules_index(set, r)) {
        return 0;
    }
    for (size_t i = 0; i < set->num; i++) {
        if (strcmp(set->v[i].id, r->id) == 0) {
            ta_rule_cleanup(&set->v[i]);
            set->v[i] = *r;
            return 1;
        }
    }
    rule *grown = realloc(set->v, (set->num + 1) * sizeof(*grown));
    if (grown == NULL) {
        return 0;
    }
    set->v = grown;
    set->v[set->num++] = *r;
    return 1;
}

/* The id of an already parsed rule node, or NULL. */
static const char *id_of(loader *L, yaml_node_t *n)
{
    if (n->type != YAML_MAPPING_NODE) {
        return NULL;
    }
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        const char *k = scalar(node(L, p->key));
        if (k != NULL && strcmp(k, "id") == 0) {
            return scalar(node(L, p->value));
        }
    }
    return NULL;
}

/* A file holds one rule (a mapping) or several (a list of mappings). */
static int load_document(loader *L, ta_rules *set)
{
    yaml_node_t *root = yaml_document_get_root_node(&L->doc);
    if (root == NULL) {
        return fail(L, NULL, "the file holds no rule");
    }
    yaml_node_item_t one = 1;
    yaml_node_item_t *start = &one;
    yaml_node_item_t *top = &one + 1;
    if (root->type == YAML_SEQUENCE_NODE) {
        start = root->data.sequence.items.start;
        top = root->data.sequence.items.top;
    } else {
        one = (yaml_node_item_t)(root - L->doc.nodes.start) + 1;
    }
    for (yaml_node_item_t *i = start; i < top; i++) {
        rule r;
        memset(&r, 0, sizeof(r));
        if (!parse_rule(L, &r, node(L, *i)) || (r.file = strdup(L->file)) == NULL) {
            ta_rule_cleanup(&r);
            return 0;
        }
        /* The same id twice in one file is a mistake; across files it is
         * an override. */
        for (yaml_node_item_t *k = start; k < i; k++) {
            const char *other = id_of(L, node(L, *k));
            if (other != NULL && strcmp(other, r.id) == 0) {
                fail(L, node(L, *i), "rule id \"%s\" is used twice in this file", r.id);
                ta_rule_cleanup(&r);
                return 0;
            }
        }
        if (!add_rule(set, &r)) {
            ta_rule_cleanup(&r);
            return fail(L, NULL, "out of memory");
        }
    }
    return 1;
}

/* One entry of data/interception-products.yaml: {product, issuer}. */
static int parse_intercept(loader *L, ta_intercept_list *l, yaml_node_t *n)
{
    const char *product = NULL;
    const char *pattern = NULL;
    yaml_node_t *pattern_node = n;
    if (n == NULL || n->type != YAML_MAPPING_NODE) {
        return fail(L, n, "an entry is a mapping with product and issuer");
    }
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        const char *k = scalar(node(L, p->key));
        const char *v = scalar(node(L, p->value));
        if (k == NULL || v == NULL || *v == '\0') {
            return fail(L, node(L, p->key), "product and issuer take a non-empty text");
        }
        if (strcmp(k, "product") == 0) {
            product = v;
        } else if (strcmp(k, "issuer") == 0) {
            pattern = v;
            pattern_node = node(L, p->value);
        } else {
            return fail(L, node(L, p->key), "unknown field \"%s\" (product or issuer)", k);
        }
    }
    if (product == NULL || pattern == NULL) {
        return fail(L, n, "an entry needs both product and issuer");
    }
    ta_intercept_ca *grown = realloc(l->v, (l->num + 1) * sizeof(*grown));
    if (grown == NULL) {
        return fail(L, n, "out of memory");
    }
    l->v = grown;
    ta_intercept_ca *e = &l->v[l->num];
    if (regcomp(&e->re, pattern, REG_EXTENDED | REG_ICASE | REG_NOSUB) != 0) {
        return fail(L, pattern_node, "issuer needs a valid extended regular expression");
    }
    e->product = ta_escape((const uint8_t *)product, strlen(product));
    e->pattern = strdup(pattern);
    l->num++;
    if (e->product == NULL || e->pattern == NULL) {
        return fail(L, n, "out of memory");
    }
    return 1;
}

static int load_intercept(loader *L, ta_rules *set)
{
    yaml_node_t *root = yaml_document_get_root_node(&L->doc);
    if (root == NULL || root->type != YAML_SEQUENCE_NODE) {
        return fail(L, root, "the file holds a list of {product, issuer} entries");
    }
    for (yaml_node_item_t *i = root->data.sequence.items.start; i < root->data.sequence.items.top;
         i++) {
        if (!parse_intercept(L, &set->intercept, node(L, *i))) {
            return 0;
        }
    }
    return 1;
}

/* load_yaml reads the first document of |path| and hands it to |use|. */
static int load_yaml(ta_rules *set, const char *path, const char *what, char *err,
                     size_t err_len, int (*use)(loader *, ta_rules *))
{
    yaml_parser_t parser;
    loader L;
    int ok = 0;
    FILE *f = fopen(path, "rb");

    memset(&L, 0, sizeof(L));
    L.file = path;
    L.err = err;
    L.err_len = err_len;
    if (f == NULL) {
        snprintf(err, err_len, "%s: cannot open %s", path, what);
        return 0;
    }
    if (!yaml_parser_initialize(&parser)) {
        fclose(f);
        snprintf(err, err_len, "%s: out of memory", path);
        return 0;
    }
    yaml_parser_set_input_file(&parser, f);
    if (!yaml_parser_load(&parser, &L.doc)) {
        snprintf(err, err_len, "%s:%zu:%zu: YAML syntax error: %s", path,
                 parser.problem_mark.line + 1, parser.problem_mark.column + 1,
                 parser.problem != NULL ? parser.problem : "unreadable");
    } else {
        ok = use(&L, set);
        yaml_document_delete(&L.doc);
    }
    yaml_parser_delete(&parser);
    fclose(f);
    return ok;
}

int ta_rules_load_file(ta_rules *set, const char *path, char *err, size_t err_len)
{
    return load_yaml(set, path, "rule file", err, err_len, load_document);
}

int ta_rules_load_intercept(ta_rules *set, const char *path, char *err, size_t err_len)
{
    return load_yaml(set, path, "data file", err, err_len, load_intercept);
}

const ta_intercept_list *ta_rules_intercept(const ta_rules *set)
{
    return &set->intercept;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int ta_rules_load_dir(ta_rules *set, const char *dir, char *err, size_t err_len)
{
    DIR *d = opendir(dir);
    char **names = NULL;
    size_t num = 0;
    int ok = 1;
    struct dirent *e;

    if (d == NULL) {
        snprintf(err, err_len, "%s: cannot open rules directory", dir);
        return 0;
    }
    while ((e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        if (e->d_name[0] == '.' || !((n > 5 && strcmp(e->d_name + n - 5, ".yaml") == 0) ||
                                     (n > 4 && strcmp(e->d_name + n - 4, ".yml") == 0))) {
            continue;
        }
        char **grown = realloc(names, (num + 1) * sizeof(*names));
        if (grown == NULL) {
            ok = 0;
            break;
        }
        names = grown;
        names[num] = malloc(strlen(dir) + n + 2);
        if (names[num] == NULL) {
            ok = 0;
            break;
        }
        sprintf(names[num++], "%s/%s", dir, e->d_name);
    }
    closedir(d);
    if (num > 1) {
        qsort(names, num, sizeof(*names), by_name);
    }
    for (size_t i = 0; i < num; i++) {
        if (ok && !ta_rules_load_file(set, names[i], err, err_len)) {
            ok = 0;
        }
        free(names[i]);
    }
    free(names);
    char data[PATH_MAX];
    if (ok && (size_t)snprintf(data, sizeof(data), "%s/data/interception-products.yaml", dir) <
                  sizeof(data) &&
        access(data, F_OK) == 0) {
        ok = ta_rules_load_intercept(set, data, err, err_len);
    }
    return ok;
}

ta_rules *ta_rules_new(void)
{
    ta_rules *set = calloc(1, sizeof(ta_rules));
    if (set != NULL && !ta_remedy_init(set)) {
        free(set);
        return NULL;
    }
    return set;
}

void ta_rules_free(ta_rules *set)
{
    if (set == NULL) {
        return;
    }
    for (size_t i = 0; i < set->num; i++) {
        ta_rule_cleanup(&set->v[i]);
    }
    free(set->v);
    for (size_t i = 0; i < set->num_preds; i++) {
        free(set->pred_keys[i]);
    }
    free(set->pred_keys);
    for (size_t i = 0; i < set->num_paths; i++) {
        free(set->path_keys[i]);
    }
    free(set->path_keys);
    free(set->path_slot);
    free(set->prog);
    for (size_t i = 0; i < set->intercept.num; i++) {
        regfree(&set->intercept.v[i].re);
        free(set->intercept.v[i].product);
        free(set->intercept.v[i].pattern);
    }
    free(set->intercept.v);
    free(set);
}

size_t ta_rules_count(const ta_rules *set)
{
    return set->num;
}
