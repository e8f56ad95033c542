/*
 * rulecompile.c - what rule loading resolves once (see rules_int.h): fact
 * paths against the schema, with the closest rule fact suggested for a
 * misspelt one, templates cut into segments, operands typed (with the
 * version rank of a text).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules_int.h"

int ta_rule_operand(const char *s, bool plain, value *out, char **shown)
{
    json_t *j = NULL;
    char *end;

    memset(out, 0, sizeof(*out));
    out->rank = -1;
    if (!plain) {
        j = json_string(s);
    } else if (strcmp(s, "true") == 0 || strcmp(s, "false") == 0) {
        j = json_boolean(s[0] == 't');
    } else if (strcmp(s, "null") == 0 || strcmp(s, "~") == 0) {
        j = json_null();
    } else {
        long long v = strtoll(s, &end, 10);
        if (*s != '\0' && *end == '\0') {
            j = json_integer(v);
        } else if (*s != '\0' && strspn(s, "0123456789.eE+-") == strlen(s)) {
            /* Decimal reals only: "0x1302", "inf" and "nan" stay text. */
            double d = strtod(s, &end);
            j = *end == '\0' ? json_real(d) : json_string(s);
        } else {
            j = json_string(s);
        }
    }
    switch (json_typeof(j)) {
    case JSON_STRING:
        out->kind = V_STR;
        out->len = json_string_length(j);
        out->s = strndup(json_string_value(j), out->len);
        out->rank = ta_rule_version_rank(json_string_value(j), out->len);
        break;
    case JSON_INTEGER:
    case JSON_REAL:
        out->kind = V_NUM;
        out->num = json_number_value(j);
        break;
    case JSON_TRUE:
    case JSON_FALSE:
        out->kind = V_BOOL;
        out->b = json_is_true(j);
        break;
    case JSON_NULL:
        out->kind = V_NULL;
        break;
    default:
        /* Not valid UTF-8: libyaml refuses that, so only out of memory. */
        out->kind = V_OTHER;
        break;
    }
    *shown = j != NULL ? json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
    json_decref(j);
    return *shown != NULL && (out->kind != V_STR || out->s != NULL);
}

int ta_fact_resolve(ta_fpath *out, const char *path, size_t len)
{
    return ta_fpath_parse(out, path, len) && out->rule;
}

/* ---------------------------------------------------------------- suggestions */

/* Levenshtein distance, for "did you mean". */
static size_t distance(const char *a, const char *b)
{
    size_t la = strlen(a);
    size_t lb = strlen(b);
    size_t row[257];
    if (la > 256 || lb > 256) {
        return (size_t)-1;
    }
    for (size_t j = 0; j <= lb; j++) {
        row[j] = j;
    }
    for (size_t i = 1; i <= la; i++) {
        size_t prev = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t cur = row[j];
            size_t best = prev + (a[i - 1] != b[j - 1]);
            best = row[j] + 1 < best ? row[j] + 1 : best;
            best = row[j - 1] + 1 < best ? row[j - 1] + 1 : best;
            row[j] = best;
            prev = cur;
        }
    }
    return row[lb];
}

/* Close enough to suggest: at most 3 edits, or a third of the word. */
static bool close_enough(const char *word, size_t d)
{
    return d <= 3 || d <= strlen(word) / 3;
}

const char *ta_rules_closest(const char *word, const char *const *names, size_t n)
{
    const char *best = NULL;
    size_t best_d = (size_t)-1;
    for (size_t i = 0; i < n; i++) {
        size_t d = distance(word, names[i]);
        if (d < best_d) {
            best_d = d;
            best = names[i];
        }
    }
    return best != NULL && close_enough(word, best_d) ? best : NULL;
}

/* The chain objects share their members: a misspelt member of one is
 * compared with that object's members only. */
static const char *const chain_objects[] = {"chain", "client_chain", "rejected_chain"};

typedef struct {
    const char *word;        /* the path asked for, "[N]" written "[]" */
    size_t prefix;           /* when it starts with a chain object: its length, else 0 */
    const char *best;
    size_t best_d;
    char buf[256];
} suggest_state;

static bool under_chain(const char *path, size_t *out_len)
{
    for (size_t i = 0; i < sizeof(chain_objects) / sizeof(chain_objects[0]); i++) {
        size_t l = strlen(chain_objects[i]);
        if (strncmp(path, chain_objects[i], l) == 0 && (path[l] == '.' || path[l] == '\0')) {
            *out_len = l;
            return true;
        }
    }
    return false;
}

static void consider(void *arg, const char *path, const ta_fnode *node, bool is_rule)
{
    suggest_state *s = arg;
    size_t l = 0;
    (void)node;
    if (!is_rule) {
        return;
    }
    bool chain = under_chain(path, &l);
    if (s->prefix > 0) {
        /* Only members of the same chain object, compared after its name. */
        if (!chain || l != s->prefix || strncmp(path, s->word, l) != 0) {
            return;
        }
    } else if (chain) {
        return;
    }
    size_t d = distance(s->word + s->prefix, path + s->prefix);
    if (d < s->best_d) {
        s->best_d = d;
        snprintf(s->buf, sizeof(s->buf), "%s", path);
        s->best = s->buf;
    }
}

int ta_fact_suggest(const char *path, char *hint, size_t n)
{
    suggest_state s = {0};
    char norm[256];
    size_t o = 0;
    size_t l = 0;

    for (const char *p = path; *p != '\0' && o + 1 < sizeof(norm); p++) {
        norm[o++] = *p;
        if (*p == '[') {
            while (p[1] >= '0' && p[1] <= '9') {
                p++;
            }
        }
    }
    norm[o] = '\0';
    s.word = norm;
    s.prefix = under_chain(norm, &l) && norm[l] == '.' ? l : 0;
    s.best_d = (size_t)-1;
    ta_schema_walk(&ta_schema_conn, consider, &s);
    if (s.best == NULL || !close_enough(norm + s.prefix, s.best_d)) {
        return 0;
    }
    snprintf(hint, n, "%s", s.best);
    return 1;
}

/* ---------------------------------------------------------------- templates */

void ta_template_cleanup(template *t)
{
    free(t->src);
    free(t->lit);
    free(t->seg);
    memset(t, 0, sizeof(*t));
}

/* Appends a segment (the array has room: one per character at most). */
static segment *add_seg(template *t, seg_kind kind)
{
    segment *s = &t->seg[t->num++];
    memset(s, 0, sizeof(*s));
    s->kind = kind;
    return s;
}

/* A literal character: it joins the text segment being built. */
static void add_char(template *t, char **lit, char c)
{
    segment *last = t->num > 0 ? &t->seg[t->num - 1] : NULL;
    if (last == NULL || last->kind != SEG_TEXT) {
        last = add_seg(t, SEG_TEXT);
        last->text = *lit;
    }
    *(*lit)++ = c;
    last->len++;
}

/* "{fact}", "{fact|fallback}", "{?fact}", "{!fact}" from |p| to its
 * closing brace |end|; NULL or an error (with *bad set). */
static const char *add_braced(template *t, const char *p, const char *end, char **lit,
                              char **bad, size_t *depth)
{
    seg_kind kind = p[1] == '?' ? SEG_IF : p[1] == '!' ? SEG_UNLESS : SEG_VALUE;
    const char *from = kind == SEG_VALUE ? p + 1 : p + 2;
    const char *bar = kind == SEG_VALUE ? memchr(from, '|', (size_t)(end - from)) : NULL;
    const char *stop = bar != NULL ? bar : end;
    segment *s = add_seg(t, kind);

    if (!ta_fact_resolve(&s->path, from, (size_t)(stop - from))) {
        *bad = strndup(from, (size_t)(stop - from));
        return "unknown fact";
    }
    if (kind != SEG_VALUE) {
        (*depth)++;
    } else if (bar != NULL) {
        /* The fallback's text, kept with the literals. */
        s->text = *lit;
        s->len = (size_t)(end - bar - 1);
        memcpy(*lit, bar + 1, s->len);
        *lit += s->len;
    }
    return NULL;
}

const char *ta_template_compile(template *t, const char *src, char **bad)
{
    size_t n = strlen(src);
    size_t depth = 0;    /* {?fact} / {!fact} blocks open */
    char *lit;

    memset(t, 0, sizeof(*t));
    *bad = NULL;
    t->src = strdup(src);
    t->lit = malloc(n + 1);
    t->seg = calloc(n + 1, sizeof(*t->seg));
    if (t->src == NULL || t->lit == NULL || t->seg == NULL) {
        return "out of memory";
    }
    lit = t->lit;
    for (const char *p = src; *p != '\0'; p++) {
        if ((p[0] == '{' && p[1] == '{') || (p[0] == '}' && p[1] == '}')) {
            add_char(t, &lit, *p);
            p++;
            continue;
        }
        if (*p != '{') {
            add_char(t, &lit, *p);
            continue;
        }
        const char *end = strchr(p, '}');
        if (end == NULL) {
            return "a '{' without its '}' (write '{{' for a literal brace)";
        }
        if (p[1] == '/' && end == p + 2) {
            if (depth == 0) {
                return "a '{/}' without its '{?fact}' or '{!fact}'";
            }
            depth--;
            add_seg(t, SEG_END);
        } else {
            const char *why = add_braced(t, p, end, &lit, bad, &depth);
            if (why != NULL) {
                return why;
            }
        }
        p = end;
    }
    return depth == 0 ? NULL : "a '{?fact}' or '{!fact}' block without its '{/}'";
}

/* ---------------------------------------------------------------- versions */

/* "TLS 1.2" and friends compare by version, other text by bytes. */
double ta_rule_version_rank(const char *s, size_t len)
{
    static const struct {
        const char *name;
        double rank;
    } v[] = {{"SSL 2.0", 2}, {"SSL 3.0", 3}, {"TLS 1.0", 4}, {"TLS 1.1", 5},
             {"TLS 1.2", 6}, {"TLS 1.3", 7}};
    if (len < 6 || (s[0] != 'S' && s[0] != 'T' && s[0] != '0')) {
        return -1;   /* the common case: no version at all */
    }
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        if (len == 7 && memcmp(s, v[i].name, 7) == 0) {
            return v[i].rank;
        }
    }
    if (len >= 8 && strncmp(s, "TLS 1.3 ", 8) == 0) {
        return 6.5;   /* drafts and variants: between 1.2 and 1.3 */
    }
    if (len == 6 && strncmp(s, "0x03", 4) == 0) {
        return 4 + (double)strtol(s + 4, NULL, 16);   /* 0x0305 and later: newer than 1.3 */
    }
    return -1;
}

/* ---------------------------------------------------------------- the evaluated form */

/* Numbers the path of predicate |c| when no step of it is an index (see
 * ta_rules.path_keys); a path |new_pred| is the second distinct predicate
 * of gets a slot. */
static int number_path(ta_rules *set, cond *c, bool new_pred)
{
    c->path_id = NO_PATH_ID;
    for (size_t i = 0; i < c->path.num; i++) {
        if (c->path.step[i].index != TA_IDX_MEMBER) {
            return 1;
        }
    }
    for (size_t i = 0; i < set->num_paths; i++) {
        if (strcmp(set->path_keys[i], c->path_text) == 0) {
            c->path_id = i;
            if (new_pred && set->path_slot[i] == NO_SLOT) {
                set->path_slot[i] = (uint32_t)set->num_slots++;
            }
            return 1;
        }
    }
    char *key = strdup(c->path_text);
    char **keys = key != NULL ? realloc(set->path_keys, (set->num_paths + 1) * sizeof(*keys))
                              : NULL;
    if (keys != NULL) {
        set->path_keys = keys;
    }
    uint32_t *slot = keys != NULL ? realloc(set->path_slot, (set->num_paths + 1) * sizeof(*slot))
                                  : NULL;
    if (slot == NULL) {
        free(key);
        return 0;
    }
    set->path_slot = slot;
    c->path_id = set->num_paths;
    set->path_keys[set->num_paths] = key;
    set->path_slot[set->num_paths++] = NO_SLOT;
    return 1;
}

/* Numbers the predicates under |c| (see ta_rules.pred_keys): the same
 * path, operator and operand get the same number in every rule. */
static int number_preds(ta_rules *set, cond *c)
{
    if (c->kind != C_PRED) {
        for (size_t i = 0; i < c->num_kids; i++) {
            if (!number_preds(set, c->kids[i])) {
                return 0;
            }
        }
        return 1;
    }
    const char *shown = c->shown != NULL ? c->shown : "";
    size_t n = strlen(c->path_text) + strlen(shown) + 16;
    char *key = malloc(n);
    if (key == NULL) {
        return 0;
    }
    snprintf(key, n, "%s\x1f%d\x1f%s", c->path_text, (int)c->op, shown);
    for (size_t i = 0; i < set->num_preds; i++) {
        if (strcmp(set->pred_keys[i], key) == 0) {
            free(key);
            c->pred_id = i;
            return number_path(set, c, false);
        }
    }
    char **grown = realloc(set->pred_keys, (set->num_preds + 1) * sizeof(*grown));
    if (grown == NULL) {
        free(key);
        return 0;
    }
    set->pred_keys = grown;
    c->pred_id = set->num_preds;
    set->pred_keys[set->num_preds++] = key;
    return number_path(set, c, true);
}

/* Appends |c| and its subtree to set->prog (see pnode). */
static int flatten(ta_rules *set, const cond *c)
{
    size_t i = set->num_prog;
    if (i >= UINT32_MAX - 1) {
        return 0;
    }
    pnode *grown = realloc(set->prog, (i + 1) * sizeof(*grown));
    if (grown == NULL) {
        return 0;
    }
    set->prog = grown;
    set->prog[i] = (pnode){c, 0, (uint32_t)c->pred_id, (uint8_t)c->kind};
    set->num_prog++;
    for (size_t k = 0; k < c->num_kids; k++) {
        if (!flatten(set, c->kids[k])) {
            return 0;
        }
    }
    set->prog[i].end = (uint32_t)set->num_prog;
    return 1;
}

int ta_rules_index(ta_rules *set, rule *r)
{
    r->prog = set->num_prog;
    return r->when != NULL && number_preds(set, r->when) && flatten(set, r->when);
}

/* ---------------------------------------------------------------- severities */

int ta_severity_parse(const char *s, ta_severity *out)
{
    static const char *const names[] = {"error", "warning", "info"};
    for (int i = 0; i < 3; i++) {
        if (strcmp(s, names[i]) == 0) {
            *out = (ta_severity)i;
            return 1;
        }
    }
    return 0;
}

const char *ta_severity_name(ta_severity s)
{
    switch (s) {
    case TA_SEV_ERROR:
        return "error";
    case TA_SEV_WARNING:
        return "warning";
    case TA_SEV_INFO:
    default:
        return "info";
    }
}
