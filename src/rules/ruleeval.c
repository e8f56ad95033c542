/*
 * ruleeval.c - applying compiled rules to a connection's view (see
 * ta_rules.h, rules_int.h).  A fact path such as "alerts[].description"
 * may name many values: a test holds when it holds for any of them.  A
 * missing fact fails every comparison; "absent" is how a rule asks for
 * one.  Evaluation reads the facts through the schema's accessors and
 * allocates nothing; texts are rendered only for the diagnoses that fire,
 * and only when the output shows them.
 */
#include "rules_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ta_jsonw.h"

/* compare (below) for a text of the facts, |len| bytes at |s|, and a
 * rule's string |b|. */
static int compare_text(const char *s, size_t len, const value *b)
{
    if (b->rank >= 0) {
        double r = ta_rule_version_rank(s, len);
        if (r >= 0) {
            return r < b->rank ? -1 : r > b->rank;
        }
    }
    int c = memcmp(s, b->s, len < b->len ? len : b->len);
    if (c == 0) {
        c = len < b->len ? -1 : len > b->len;
    }
    return c < 0 ? -1 : c > 0;
}

/* <0, 0, >0, or 2 when a value of the facts and a rule's value cannot be
 * ordered: numbers by value, version names by version, other text byte
 * by byte, booleans only equal or not, null equal to null. */
static int compare(ta_view *v, const ta_fnode *n, const ta_fval *a, const value *b)
{
    switch (a->kind) {
    case TA_FV_INT:
    case TA_FV_REAL: {
        if (b->kind != V_NUM) {
            return 2;
        }
        double x = a->kind == TA_FV_INT ? (double)a->i : a->r;
        return x < b->num ? -1 : x > b->num;
    }
    case TA_FV_STR: {
        if (b->kind != V_STR) {
            return 2;
        }
        size_t len = 0;
        const char *s = ta_view_text(v, n, a, &len);
        return compare_text(s, len, b);
    }
    case TA_FV_BOOL:
        return b->kind != V_BOOL ? 2 : a->b == b->b ? 0 : 2;
    case TA_FV_NULL:
        return b->kind == V_NULL ? 0 : 2;
    default:
        return 2;
    }
}

/* Whether |s| (|len| bytes) matches c's expression, remembered for the
 * last texts asked (see re_memo). */
static bool matches(const cond *c, const char *s, size_t len)
{
    re_memo *m = c->memo;
    for (size_t i = 0; m != NULL && i < RE_MEMO_SLOTS; i++) {
        if (m->slot[i].valid && m->slot[i].len == len && memcmp(m->slot[i].text, s, len) == 0) {
            return m->slot[i].result;
        }
    }
    bool r = regexec(&c->re, s, 0, NULL, 0) == 0;
    if (m != NULL && len <= sizeof(m->slot[0].text)) {
        size_t k = m->next;
        memcpy(m->slot[k].text, s, len);
        m->slot[k].len = len;
        m->slot[k].valid = true;
        m->slot[k].result = r;
        m->next = (k + 1) % RE_MEMO_SLOTS;
    }
    return r;
}

/* Whether a text of the facts equals a rule's string: versions by rank
 * (as compare), any other text by length first. */
static bool equal_text(const char *s, size_t len, const value *b)
{
    if (b->rank >= 0) {
        return compare_text(s, len, b) == 0;
    }
    return len == b->len && memcmp(s, b->s, len) == 0;
}

/* compare(...) == 0, without ordering texts. */
static bool equals(ta_view *v, const ta_fnode *n, const ta_fval *a, const value *b)
{
    if (a->kind == TA_FV_STR && b->kind == V_STR) {
        size_t len = 0;
        const char *s = ta_view_text(v, n, a, &len);
        return equal_text(s, len, b);
    }
    return compare(v, n, a, b) == 0;
}

/* Whether |val| equals an item of c's list; a text is made final once,
 * not once per item. */
static bool in_list(ta_view *v, const ta_fnode *n, const ta_fval *val, const cond *c)
{
    size_t len = 0;
    const char *s = val->kind == TA_FV_STR ? ta_view_text(v, n, val, &len) : NULL;
    for (size_t i = 0; i < c->num_list; i++) {
        const value *b = &c->list[i];
        if (s == NULL ? compare(v, n, val, b) == 0 : b->kind == V_STR && equal_text(s, len, b)) {
            return true;
        }
    }
    return false;
}

static bool test_value(ta_view *v, const ta_fnode *n, const ta_fval *val, void *arg)
{
    const cond *c = arg;
    int r;
    switch (c->op) {
    case OP_EXISTS:
    case OP_ABSENT:
        return val->kind != TA_FV_NULL;
    case OP_EQ:
        return equals(v, n, val, &c->operand);
    case OP_NE:
        return !equals(v, n, val, &c->operand);
    case OP_LT:
        return compare(v, n, val, &c->operand) == -1;
    case OP_GT:
        return compare(v, n, val, &c->operand) == 1;
    case OP_LE:
        r = compare(v, n, val, &c->operand);
        return r == -1 || r == 0;
    case OP_GE:
        r = compare(v, n, val, &c->operand);
        return r == 1 || r == 0;
    case OP_IN:
        return in_list(v, n, val, c);
    case OP_MATCHES: {
        if (val->kind != TA_FV_STR) {
            return false;
        }
        size_t len = 0;
        const char *s = ta_view_text(v, n, val, &len);
        return matches(c, s, len);
    }
    default:
        return false;
    }
}

/* A predicate's answer for the connection being evaluated: not yet
 * worked out, false, true. */
enum { MEMO_UNKNOWN = 0, MEMO_FALSE, MEMO_TRUE };

/* The value of a path several predicates test, read once for the
 * connection (see ta_rules.path_slot): not yet read, not there, read. */
enum { PV_UNKNOWN = 0, PV_NONE, PV_VALUE };

typedef struct {
    const ta_fnode *node;
    ta_fval fv;
} path_value;

/* What one connection's evaluation remembers. */
typedef struct {
    const ta_rules *set;
    uint8_t *memo;            /* a MEMO_ per predicate */
    uint8_t *pv_state;        /* a PV_ per slot */
    path_value *pv;           /* a value per slot */
} eval_ctx;

/* Keeps the value a visit reached; a text the accessor formatted into
 * the value's own buffer is pointed at the copy's. */
static bool take_value(ta_view *v, const ta_fnode *n, const ta_fval *val, void *arg)
{
    (void)v;
    path_value *pv = arg;
    pv->node = n;
    pv->fv = *val;
    uintptr_t s = (uintptr_t)val->s;
    uintptr_t b = (uintptr_t)val->buf;
    if (val->kind == TA_FV_STR && s >= b && s < b + sizeof(val->buf)) {
        pv->fv.s = pv->fv.buf + (s - b);
    }
    return true;
}

static bool test_pred(const cond *c, ta_view *v, eval_ctx *x)
{
    bool found;
    uint32_t k = c->path_id != NO_PATH_ID ? x->set->path_slot[c->path_id] : NO_SLOT;
    if (k != NO_SLOT) {
        if (x->pv_state[k] == PV_UNKNOWN) {
            x->pv_state[k] = ta_fpath_visit(v, &c->path, take_value, &x->pv[k]) ? PV_VALUE
                                                                               : PV_NONE;
        }
        found = x->pv_state[k] == PV_VALUE && test_value(v, x->pv[k].node, &x->pv[k].fv, (void *)c);
    } else {
        found = ta_fpath_visit(v, &c->path, test_value, (void *)c);
    }
    if (c->op == OP_EXISTS) {
        return found == c->operand.b;
    }
    if (c->op == OP_ABSENT) {
        return found != c->operand.b;
    }
    return found;
}

/* Node |i| of |p| (see pnode); |memo| has a byte per numbered predicate
 * of the set. */
static bool eval(const pnode *p, size_t i, ta_view *v, eval_ctx *x)
{
    const pnode *n = &p[i];
    switch (n->kind) {
    case C_ALL:
        for (size_t k = i + 1; k < n->end; k = p[k].end) {
            if (!eval(p, k, v, x)) {
                return false;
            }
        }
        return true;
    case C_ANY:
        for (size_t k = i + 1; k < n->end; k = p[k].end) {
            if (eval(p, k, v, x)) {
                return true;
            }
        }
        return false;
    case C_NOT:
        return !eval(p, i + 1, v, x);
    case C_PRED:
        if (x->memo[n->pred] == MEMO_UNKNOWN) {
            x->memo[n->pred] = test_pred(n->c, v, x) ? MEMO_TRUE : MEMO_FALSE;
        }
        return x->memo[n->pred] == MEMO_TRUE;
    default:
        return false;
    }
}

/* ---------------------------------------------------------------- templates */

typedef struct {
    ta_jbuf *out;
    size_t values;     /* values appended by the current {path} */
} render_state;

static void add(render_state *b, const char *s, size_t n)
{
    ta_jbuf_raw(b->out, s, n);
}

static void add_str(render_state *b, const char *s)
{
    ta_jbuf_raw(b->out, s, strlen(s));
}

/* Strings as they are, integers in decimal, reals with one decimal,
 * booleans as yes/no, a list as its values joined by ", " ("none" when
 * empty), anything else "unknown". */
static void render_value(render_state *b, ta_view *v, const ta_fnode *n, const ta_fval *val)
{
    char num[64];
    size_t len;
    const char *s;

    switch (val->kind) {
    case TA_FV_STR:
        s = ta_view_text(v, n, val, &len);
        add(b, s, len);
        return;
    case TA_FV_INT:
        snprintf(num, sizeof(num), "%lld", (long long)val->i);
        add_str(b, num);
        return;
    case TA_FV_REAL:
        snprintf(num, sizeof(num), "%.1f", val->r);
        add_str(b, num);
        return;
    case TA_FV_BOOL:
        add_str(b, val->b ? "yes" : "no");
        return;
    case TA_FV_ARR:
        if (val->count == 0) {
            add_str(b, "none");
        }
        for (size_t i = 0; i < val->count; i++) {
            ta_fval e;
            ta_view_get(v, &n->kids[0], val->base, i, &e);
            if (i > 0) {
                add_str(b, ", ");
            }
            render_value(b, v, &n->kids[0], &e);
        }
        return;
    default:
        add_str(b, "unknown");
        return;
    }
}

static bool append_value(ta_view *v, const ta_fnode *n, const ta_fval *val, void *arg)
{
    render_state *b = arg;
    if (val->kind == TA_FV_NULL) {
        return false;    /* a null fact is a missing one: the fallback applies */
    }
    if (b->values++ > 0) {
        add_str(b, ", ");
    }
    render_value(b, v, n, val);
    return false;     /* keep going: all values of a [] path */
}

static bool is_set(ta_view *v, const ta_fnode *n, const ta_fval *val, void *arg)
{
    (void)v;
    (void)n;
    (void)arg;
    return val->kind != TA_FV_NULL && !(val->kind == TA_FV_BOOL && !val->b);
}

/* Renders |t| for |v| into the arena; text between {?fact} and {/} is kept
 * only when the fact has a value other than null and false, between
 * {!fact} and {/} only when it has not.  NULL when memory ran out. */
static char *render(const template *t, ta_view *v, ta_jbuf *scratch)
{
    render_state b = {scratch, 0};
    unsigned depth = 0;     /* blocks open */
    unsigned hidden = 0;    /* the depth whose block hides the text; 0 shows it */

    ta_jbuf_clear(scratch);
    for (size_t i = 0; i < t->num; i++) {
        const segment *s = &t->seg[i];
        switch (s->kind) {
        case SEG_TEXT:
            if (hidden == 0) {
                add(&b, s->text, s->len);
            }
            break;
        case SEG_END:
            hidden = hidden == depth ? 0 : hidden;
            depth -= depth > 0;
            break;
        case SEG_IF:
        case SEG_UNLESS:
            depth++;
            if (hidden == 0 && ta_fpath_visit(v, &s->path, is_set, NULL) != (s->kind == SEG_IF)) {
                hidden = depth;
            }
            break;
        case SEG_VALUE:
        default:
            if (hidden != 0) {
                break;
            }
            b.values = 0;
            (void)ta_fpath_visit(v, &s->path, append_value, &b);
            if (b.values == 0) {
                if (s->text != NULL) {
                    add(&b, s->text, s->len);
                } else {
                    add_str(&b, "unknown");
                }
            }
            break;
        }
    }
    if (scratch->nomem) {
        return NULL;
    }
    return ta_arena_strndup(v->arena, scratch->len > 0 ? scratch->p : "", scratch->len);
}

/* ---------------------------------------------------------------- applying */

static bool frame_of(ta_view *v, const ta_fnode *n, const ta_fval *val, void *arg)
{
    (void)v;
    (void)n;
    if (val->kind == TA_FV_INT) {
        *(int64_t *)arg = val->i;
        return true;
    }
    return false;
}

/* Both sides' remediations, for a connection whose side is not known;
 * each text begins with its side's name (rules.c checks). */
static char *both_sides(const template *rem[2], ta_view *v, ta_jbuf *scratch)
{
    char *north = render(rem[0], v, scratch);
    char *south = north != NULL ? render(rem[1], v, scratch) : NULL;
    if (south == NULL) {
        return NULL;
    }
    size_t len = strlen(north) + 1 + strlen(south);
    char *out = ta_arena_alloc(v->arena, len + 1);
    if (out != NULL) {
        snprintf(out, len + 1, "%s %s", north, south);
    }
    return out;
}

/* The evidence a rule cites: how many items have a frame, and with
 * |d->ev| allocated, the items rendered. */
static size_t cite(const rule *r, ta_view *v, ta_diag *d, ta_jbuf *scratch)
{
    size_t n = 0;
    for (size_t i = 0; i < r->num_evidence; i++) {
        int64_t frame = 0;
        if (!ta_fpath_visit(v, &r->evidence[i].frame, frame_of, &frame)) {
            continue;      /* a fact this capture does not have */
        }
        if (d != NULL && d->ev != NULL) {
            d->ev[n].frame = frame;
            d->ev[n].fact = render(&r->evidence[i].fact, v, scratch);
            v->nomem = v->nomem || d->ev[n].fact == NULL;
        }
        n++;
    }
    return n;
}

/* The texts of one diagnosis, for outputs that show them. */
static void render_diag(const ta_rules *set, const rule *r, ta_view *v, ta_diag *d,
                        const char *profile, ta_jbuf *scratch)
{
    const template *rem[2] = {NULL, NULL};
    size_t num_rem = ta_remedy_pick(set, r, profile, v, rem);
    d->title = render(&r->title, v, scratch);
    d->summary = render(&r->summary, v, scratch);
    const char *fault = render(&r->fault, v, scratch);
    bool known = fault != NULL && (strcmp(fault, "client") == 0 || strcmp(fault, "server") == 0 ||
                                   strcmp(fault, "middlebox") == 0);
    d->fault = known ? fault : "unknown";
    d->fixes_by = r->fixes_by.src != NULL ? render(&r->fixes_by, v, scratch) : NULL;
    d->remediation = num_rem == 2   ? both_sides(rem, v, scratch)
                     : num_rem == 1 ? render(rem[0], v, scratch)
                                    : NULL;
    d->ev = r->num_evidence > 0 ? ta_arena_alloc(v->arena, r->num_evidence * sizeof(*d->ev))
                                : NULL;
    d->num_ev = cite(r, v, d, scratch);
    v->nomem = v->nomem || d->title == NULL || d->summary == NULL ||
               (r->num_evidence > 0 && d->ev == NULL);
}

typedef struct {
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

/* A root cause hides the symptoms it explains. */
static void suppress(fired *f, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < f[i].r->num_suppresses; k++) {
            for (size_t j = 0; j < n; j++) {
                f[j].suppressed = f[j].suppressed ||
                                  (j != i && strcmp(f[j].r->id, f[i].r->suppresses[k]) == 0);
            }
        }
    }
}

int ta_rules_eval(const ta_rules *set, ta_view *v, const ta_rules_run *run)
{
    fired *f = set->num > 0 ? ta_arena_alloc(v->arena, set->num * sizeof(*f)) : NULL;
    size_t n = 0;

    eval_ctx x = {set, NULL, NULL, NULL};
    x.memo = set->num_preds > 0 ? ta_arena_alloc(v->arena, set->num_preds) : NULL;
    if (set->num_slots > 0) {
        x.pv_state = ta_arena_alloc(v->arena, set->num_slots);
        x.pv = ta_arena_alloc(v->arena, set->num_slots * sizeof(*x.pv));
    }

    v->diags = NULL;
    v->num_diags = 0;
    if ((set->num > 0 && f == NULL) || (set->num_preds > 0 && x.memo == NULL) ||
        (set->num_slots > 0 && (x.pv_state == NULL || x.pv == NULL))) {
        return 0;
    }
    if (x.memo != NULL) {
        memset(x.memo, MEMO_UNKNOWN, set->num_preds);
    }
    if (x.pv_state != NULL) {
        memset(x.pv_state, PV_UNKNOWN, set->num_slots);
    }
    for (size_t i = 0; i < set->num; i++) {
        if (eval(set->prog, set->v[i].prog, v, &x)) {
            f[n].r = &set->v[i];
            f[n].order = i;
            f[n].evidence = cite(&set->v[i], v, NULL, NULL);
            f[n].suppressed = false;
            n++;
        }
    }
    suppress(f, n);
    if (n > 1) {
        qsort(f, n, sizeof(*f), by_rank);
    }
    v->diags = n > 0 ? ta_arena_alloc(v->arena, n * sizeof(*v->diags)) : NULL;
    if (n > 0 && v->diags == NULL) {
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        if (f[i].suppressed || f[i].r->severity > run->min) {
            continue;
        }
        ta_diag *d = &v->diags[v->num_diags++];
        memset(d, 0, sizeof(*d));
        d->rule = f[i].r->id;
        d->severity = ta_severity_name(f[i].r->severity);
        d->cited = f[i].evidence;
        d->refs = f[i].r->references;
        d->num_refs = f[i].r->num_references;
        if (run->texts) {
            render_diag(set, f[i].r, v, d, run->profile, run->scratch);
        }
    }
    return !v->nomem;
}

json_t *ta_rules_apply(const ta_rules *set, json_t *facts, const char *profile, ta_severity min)
{
    ta_arena arena;
    ta_jbuf scratch = {0};
    ta_jbuf out = {0};
    ta_view v;
    json_t *d = NULL;

    ta_arena_init(&arena, 0);
    ta_view_init_json(&v, facts, &arena);
    ta_rules_run run = {profile, min, true, &scratch};
    if (ta_rules_eval(set, &v, &run)) {
        const ta_fnode *diags = ta_fnode_member(&ta_schema_conn, "diagnoses", 9);
        ta_fval fv;
        diags->get(&v, diags, NULL, 0, &fv);
        ta_jsonw_value(&out, &v, diags, &fv);
        d = out.nomem ? NULL : json_loadb(out.p, out.len, 0, NULL);
    }
    ta_view_cleanup(&v);
    ta_jbuf_free(&out);
    ta_jbuf_free(&scratch);
    ta_arena_cleanup(&arena);
    return d;
}

void ta_rules_list(const ta_rules *set, FILE *out)
{
    for (size_t i = 0; i < set->num; i++) {
        fprintf(out, "%-34s %-8s %s\n", set->v[i].id, ta_severity_name(set->v[i].severity),
                set->v[i].title.src);
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
    case C_PRED:
        fprintf(out, "%s %s %s\n", c->path_text, opnames[c->op], c->shown);
        return;
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
                ta_severity_name(r->severity), r->file, r->line, r->title.src);
        explain_cond(r->when, out, 0);
        fprintf(out, "\n  summary:     %s\n  fault:       %s\n  fixed by:    %s\n",
                r->summary.src, r->fault.src, r->fixes_by.src != NULL ? r->fixes_by.src : "-");
        for (size_t k = 0; k < r->num_profiles; k++) {
            const remedy *m = &r->remediation[k];
            if (m->both.src != NULL) {
                fprintf(out, "  remediation (%s): %s\n", m->name, m->both.src);
            }
            for (int s = 0; s < 2; s++) {
                if (m->side[s].src != NULL) {
                    fprintf(out, "  remediation (%s, %s): %s\n", m->name,
                            s == TA_SIDE_NORTH ? "northbound" : "southbound", m->side[s].src);
                }
            }
        }
        for (size_t k = 0; k < r->num_evidence; k++) {
            fprintf(out, "  evidence:    frame of %s: %s\n", r->evidence[k].frame_text,
                    r->evidence[k].fact.src);
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
