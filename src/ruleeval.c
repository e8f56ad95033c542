/*
 * ruleeval.c - applying rules to a connection's JSON facts (see
 * ta_rules.h).  A fact path such as "alerts[].description" may name many
 * values: a test holds when it holds for any of them.  A missing fact
 * fails every comparison; "absent" is how a rule asks for one.
 */
#include "rules_int.h"

#include <stdlib.h>
#include <string.h>

#include "ta_strbuf.h"

/* Calls |fn| on every value |path| names under |node|; stops early when
 * it returns true.  Returns whether any call did. */
typedef bool (*visit_fn)(json_t *v, void *arg);

static bool visit(json_t *node, const char *path, visit_fn fn, void *arg)
{
    char key[128];
    size_t n = strcspn(path, ".[");
    if (node == NULL || n >= sizeof(key)) {
        return false;
    }
    memcpy(key, path, n);
    key[n] = '\0';
    json_t *v = n > 0 ? json_object_get(node, key) : node;
    const char *rest = path + n;
    if (v == NULL) {
        return false;
    }
    if (*rest == '[') {
        char *end;
        const char *close = strchr(rest, ']');
        if (close == NULL || !json_is_array(v)) {
            return false;
        }
        const char *after = close[1] == '.' ? close + 2 : close + 1;
        if (close == rest + 1) {
            size_t i;
            json_t *e;
            json_array_foreach(v, i, e) {
                if (*after == '\0' ? fn(e, arg) : visit(e, after, fn, arg)) {
                    return true;
                }
            }
            return false;
        }
        long idx = strtol(rest + 1, &end, 10);
        json_t *e = end == close && idx >= 0 ? json_array_get(v, (size_t)idx) : NULL;
        return e != NULL && (*after == '\0' ? fn(e, arg) : visit(e, after, fn, arg));
    }
    if (*rest == '.') {
        return visit(v, rest + 1, fn, arg);
    }
    return fn(v, arg);
}

/* "TLS 1.2" and friends compare by version, other text by bytes. */
static double version_rank(const char *s)
{
    static const struct {
        const char *name;
        double rank;
    } v[] = {{"SSL 2.0", 2}, {"SSL 3.0", 3}, {"TLS 1.0", 4}, {"TLS 1.1", 5},
             {"TLS 1.2", 6}, {"TLS 1.3", 7}};
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        if (strcmp(s, v[i].name) == 0) {
            return v[i].rank;
        }
    }
    if (strncmp(s, "TLS 1.3 ", 8) == 0) {
        return 6.5;   /* drafts and variants: between 1.2 and 1.3 */
    }
    if (strncmp(s, "0x03", 4) == 0 && strlen(s) == 6) {
        return 4 + (double)strtol(s + 4, NULL, 16);   /* 0x0305 and later: newer than 1.3 */
    }
    return -1;
}

/* <0, 0, >0, or 2 when the two cannot be ordered. */
static int compare(json_t *a, json_t *b)
{
    if (json_is_number(a) && json_is_number(b)) {
        double x = json_number_value(a);
        double y = json_number_value(b);
        return x < y ? -1 : x > y;
    }
    if (json_is_string(a) && json_is_string(b)) {
        const char *x = json_string_value(a);
        const char *y = json_string_value(b);
        double rx = version_rank(x);
        double ry = version_rank(y);
        if (rx >= 0 && ry >= 0) {
            return rx < ry ? -1 : rx > ry;
        }
        int c = strcmp(x, y);
        return c < 0 ? -1 : c > 0;
    }
    if (json_is_boolean(a) && json_is_boolean(b)) {
        return json_is_true(a) == json_is_true(b) ? 0 : 2;
    }
    if (json_is_null(a) && json_is_null(b)) {
        return 0;
    }
    return 2;
}

static bool test_value(json_t *v, void *arg)
{
    const cond *c = arg;
    int r;
    switch (c->op) {
    case OP_EXISTS:
    case OP_ABSENT:
        return !json_is_null(v);
    case OP_EQ:
        return compare(v, c->operand) == 0;
    case OP_NE:
        r = compare(v, c->operand);
        return r != 0;
    case OP_LT:
        return compare(v, c->operand) == -1;
    case OP_GT:
        r = compare(v, c->operand);
        return r == 1;
    case OP_LE:
        r = compare(v, c->operand);
        return r == -1 || r == 0;
    case OP_GE:
        r = compare(v, c->operand);
        return r == 1 || r == 0;
    case OP_IN: {
        size_t i;
        json_t *e;
        json_array_foreach(c->operand, i, e) {
            if (compare(v, e) == 0) {
                return true;
            }
        }
        return false;
    }
    case OP_MATCHES:
        return json_is_string(v) && regexec(&c->re, json_string_value(v), 0, NULL, 0) == 0;
    default:
        return false;
    }
}

static bool eval(const cond *c, json_t *facts)
{
    switch (c->kind) {
    case C_ALL:
        for (size_t i = 0; i < c->num_kids; i++) {
            if (!eval(c->kids[i], facts)) {
                return false;
            }
        }
        return true;
    case C_ANY:
        for (size_t i = 0; i < c->num_kids; i++) {
            if (eval(c->kids[i], facts)) {
                return true;
            }
        }
        return false;
    case C_NOT:
        return !eval(c->kids[0], facts);
    case C_PRED: {
        bool found = visit(facts, c->path, test_value, (void *)c);
        if (c->op == OP_EXISTS) {
            return found == json_is_true(c->operand);
        }
        if (c->op == OP_ABSENT) {
            return found != json_is_true(c->operand);
        }
        return found;
    }
    default:
        return false;
    }
}

/* ---------------------------------------------------------------- templates */

typedef struct {
    ta_strbuf text;
    size_t values;     /* values appended by the current {path} */
} strbuf;

static void sb_add(strbuf *b, const char *s, size_t n)
{
    ta_strbuf_add(&b->text, s, n);
}

static void sb_str(strbuf *b, const char *s)
{
    ta_strbuf_str(&b->text, s);
}

static void render_value(strbuf *b, json_t *v)
{
    char num[64];
    size_t i;
    json_t *e;

    switch (json_typeof(v)) {
    case JSON_STRING:
        sb_str(b, json_string_value(v));
        break;
    case JSON_INTEGER:
        snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v));
        sb_str(b, num);
        break;
    case JSON_REAL:
        snprintf(num, sizeof(num), "%.1f", json_real_value(v));
        sb_str(b, num);
        break;
    case JSON_TRUE:
        sb_str(b, "yes");
        break;
    case JSON_FALSE:
        sb_str(b, "no");
        break;
    case JSON_ARRAY:
        if (json_array_size(v) == 0) {
            sb_str(b, "none");
        }
        json_array_foreach(v, i, e) {
            if (i > 0) {
                sb_str(b, ", ");
            }
            render_value(b, e);
        }
        break;
    case JSON_NULL:
    case JSON_OBJECT:
    default:
        sb_str(b, "unknown");
        break;
    }
}

static bool append_value(json_t *v, void *arg)
{
    strbuf *b = arg;
    if (json_is_null(v)) {
        return false;    /* a null fact is a missing one: the fallback applies */
    }
    if (b->values++ > 0) {
        sb_str(b, ", ");
    }
    render_value(b, v);
    return false;     /* keep going: all values of a [] path */
}

static bool is_set(json_t *v, void *arg)
{
    (void)arg;
    return !json_is_null(v) && !json_is_false(v);
}

/* Does the path inside "{?path}" (from |p| to |end|) name a value? */
static bool block_holds(const char *p, const char *end, json_t *facts)
{
    char path[256];
    size_t n = (size_t)(end - p - 2) < sizeof(path) - 1 ? (size_t)(end - p - 2) : sizeof(path) - 1;
    memcpy(path, p + 2, n);
    path[n] = '\0';
    return visit(facts, path, is_set, NULL) == (p[1] == '?');
}

/* Expands {fact} in |t|; a missing fact reads "unknown".  Text between
 * {?fact} and {/} is kept only when the fact has a value other than null
 * and false, between {!fact} and {/} only when it has not; blocks nest (ta_template_check has
 * balanced them).  Caller frees. */
static char *render(const char *t, json_t *facts)
{
    strbuf b = {{NULL, 0, 0, false}, 0};
    unsigned depth = 0;     /* blocks open */
    unsigned hidden = 0;    /* the depth whose block hides the text; 0 shows it */
    for (const char *p = t; *p != '\0'; p++) {
        if ((p[0] == '{' && p[1] == '{') || (p[0] == '}' && p[1] == '}')) {
            if (hidden == 0) {
                sb_add(&b, p, 1);
            }
            p++;
            continue;
        }
        const char *end = *p == '{' ? strchr(p, '}') : NULL;
        if (end == NULL) {
            if (hidden == 0) {
                sb_add(&b, p, 1);
            }
            continue;
        }
        if (p[1] == '/' && end == p + 2) {
            hidden = hidden == depth ? 0 : hidden;
            depth -= depth > 0;
            p = end;
            continue;
        }
        if (p[1] == '?' || p[1] == '!') {
            depth++;
            if (hidden == 0 && !block_holds(p, end, facts)) {
                hidden = depth;
            }
            p = end;
            continue;
        }
        if (hidden != 0) {
            p = end;
            continue;
        }
        /* {fact} or {fact|text when the fact is missing} */
        char path[256];
        size_t n = (size_t)(end - p - 1) < sizeof(path) - 1 ? (size_t)(end - p - 1)
                                                           : sizeof(path) - 1;
        memcpy(path, p + 1, n);
        path[n] = '\0';
        char *bar = strchr(path, '|');
        if (bar != NULL) {
            *bar = '\0';
        }
        b.values = 0;
        (void)visit(facts, path, append_value, &b);
        if (b.values == 0) {
            sb_str(&b, bar != NULL ? bar + 1 : "unknown");
        }
        p = end;
    }
    return ta_strbuf_take(&b.text);
}

/* ---------------------------------------------------------------- applying */

static bool frame_of(json_t *v, void *arg)
{
    json_int_t *out = arg;
    if (json_is_integer(v)) {
        *out = json_integer_value(v);
        return true;
    }
    return false;
}

static const char *remediation_for(const rule *r, const char *profile)
{
    const char *generic = NULL;
    for (size_t i = 0; i < r->num_profiles; i++) {
        if (profile != NULL && strcmp(r->profile_names[i], profile) == 0) {
            return r->remediation[i];
        }
        if (strcmp(r->profile_names[i], "generic") == 0) {
            generic = r->remediation[i];
        }
    }
    return generic;
}

static json_t *set_rendered(json_t *o, const char *key, const char *t, json_t *facts)
{
    char *s = t != NULL ? render(t, facts) : NULL;
    json_object_set_new(o, key, s != NULL ? json_string(s) : json_null());
    free(s);
    return o;
}

/* One diagnosis; *out_evidence counts the evidence items found. */
static json_t *diagnose(const rule *r, json_t *facts, const char *profile, size_t *out_evidence)
{
    json_t *d = json_object();
    json_t *ev = json_array();
    json_t *refs = json_array();

    json_object_set_new(d, "rule", json_string(r->id));
    json_object_set_new(d, "severity", json_string(ta_severity_name(r->severity)));
    set_rendered(d, "title", r->title, facts);
    set_rendered(d, "summary", r->summary, facts);
    char *fault = render(r->fault, facts);
    bool known = fault != NULL && (strcmp(fault, "client") == 0 || strcmp(fault, "server") == 0 ||
                                   strcmp(fault, "middlebox") == 0);
    json_object_set_new(d, "fault", json_string(known ? fault : "unknown"));
    free(fault);
    set_rendered(d, "fixes_by", r->fixes_by, facts);
    set_rendered(d, "remediation", remediation_for(r, profile), facts);
    for (size_t i = 0; i < r->num_evidence; i++) {
        json_int_t frame = 0;
        if (!visit(facts, r->evidence[i].frame, frame_of, &frame)) {
            continue;      /* a fact this capture does not have */
        }
        json_t *e = json_object();
        json_object_set_new(e, "frame", json_integer(frame));
        set_rendered(e, "fact", r->evidence[i].fact, facts);
        json_array_append_new(ev, e);
    }
    *out_evidence = json_array_size(ev);
    json_object_set_new(d, "evidence", ev);
    for (size_t i = 0; i < r->num_references; i++) {
        json_array_append_new(refs, json_string(r->references[i]));
    }
    json_object_set_new(d, "references", refs);
    return d;
}

typedef struct {
    json_t *diag;
    const rule *r;
    size_t evidence;
    size_t order;
    bool suppressed;
} fired;

static int by_rank(const void *x, const void *y)
{
    const fired *a = x;
    const fired *b = y;
    if (a->r->severity != b->r->severity) {
        return a->r->severity < b->r->severity ? -1 : 1;
    }
    if (a->evidence != b->evidence) {
        return a->evidence > b->evidence ? -1 : 1;
    }
    return a->order < b->order ? -1 : a->order > b->order;
}

json_t *ta_rules_apply(const ta_rules *set, json_t *facts, const char *profile, ta_severity min)
{
    json_t *out = json_array();
    fired *f = set->num > 0 ? calloc(set->num, sizeof(*f)) : NULL;
    size_t n = 0;

    for (size_t i = 0; f != NULL && i < set->num; i++) {
        if (eval(set->v[i].when, facts)) {
            f[n].r = &set->v[i];
            f[n].order = i;
            f[n].diag = diagnose(&set->v[i], facts, profile, &f[n].evidence);
            n++;
        }
    }
    /* A root cause hides the symptoms it explains. */
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < f[i].r->num_suppresses; k++) {
            for (size_t j = 0; j < n; j++) {
                f[j].suppressed = f[j].suppressed || (j != i &&
                                  strcmp(f[j].r->id, f[i].r->suppresses[k]) == 0);
            }
        }
    }
    if (n > 1) {
        qsort(f, n, sizeof(*f), by_rank);
    }
    for (size_t i = 0; i < n; i++) {
        if (!f[i].suppressed && f[i].r->severity <= min) {
            json_array_append(out, f[i].diag);
        }
        json_decref(f[i].diag);
    }
    free(f);
    return out;
}

void ta_rules_list(const ta_rules *set, FILE *out)
{
    for (size_t i = 0; i < set->num; i++) {
        fprintf(out, "%-34s %-8s %s\n", set->v[i].id, ta_severity_name(set->v[i].severity),
                set->v[i].title);
    }
}

static void explain_cond(const cond *c, FILE *out, int depth)
{
    static const char *const opnames[] = {"==", "!=", "<", ">", "<=", ">=", "in", "exists",
                                          "absent", "matches"};
    if (c->kind == C_ALL && c->num_kids == 1) {
        explain_cond(c->kids[0], out, depth);   /* one test with one operator */
        return;
    }
    fprintf(out, "%*s", depth * 2 + 4, "");
    switch (c->kind) {
    case C_PRED: {
        char *v = json_dumps(c->operand, JSON_ENCODE_ANY | JSON_COMPACT);
        fprintf(out, "%s %s %s\n", c->path, opnames[c->op], v != NULL ? v : "?");
        free(v);
        return;
    }
    case C_ALL:
        fprintf(out, "all of:\n");
        break;
    case C_ANY:
        fprintf(out, "any of:\n");
        break;
    case C_NOT:
    default:
        fprintf(out, "not:\n");
        break;
    }
    for (size_t i = 0; i < c->num_kids; i++) {
        explain_cond(c->kids[i], out, depth + 1);
    }
}

int ta_rules_explain(const ta_rules *set, const char *id, FILE *out)
{
    for (size_t i = 0; i < set->num; i++) {
        const rule *r = &set->v[i];
        if (strcmp(r->id, id) != 0) {
            continue;
        }
        fprintf(out, "%s (%s)  from %s:%d\n  %s\n\n  fires when:\n", r->id,
                ta_severity_name(r->severity), r->file, r->line, r->title);
        explain_cond(r->when, out, 0);
        fprintf(out, "\n  summary:     %s\n  fault:       %s\n  fixed by:    %s\n", r->summary,
                r->fault, r->fixes_by != NULL ? r->fixes_by : "-");
        for (size_t k = 0; k < r->num_profiles; k++) {
            fprintf(out, "  remediation (%s): %s\n", r->profile_names[k], r->remediation[k]);
        }
        for (size_t k = 0; k < r->num_evidence; k++) {
            fprintf(out, "  evidence:    frame of %s: %s\n", r->evidence[k].frame,
                    r->evidence[k].fact);
        }
        for (size_t k = 0; k < r->num_suppresses; k++) {
            fprintf(out, "  suppresses:  %s\n", r->suppresses[k]);
        }
        for (size_t k = 0; k < r->num_references; k++) {
            fprintf(out, "  reference:   %s\n", r->references[k]);
        }
        return 1;
    }
    return 0;
}
