/* rollup.c - counting connections for summaries (see ta_rollup.h). */
#include "ta_rollup.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The counters and the tables, by index, so that every operation on all of
 * them is one loop. */
enum { C_CONNECTIONS, C_TLS, C_COMPLETED, C_ERRORS, C_QUIC, NUM_COUNTS };
enum { T_RULE, T_VERSIONS, T_CIPHERS, T_SNI, T_SERVERS, T_JA4, T_JA4_RULE, T_PLACE, NUM_TABLES };

/* Names in ta_rollup_dump; T_SNI, T_SERVERS and T_JA4 count failures,
 * T_JA4_RULE the root causes of each fingerprint as "JA4 rule-id", T_PLACE
 * failures by their place in an Apigee gateway (--profile apigee). */
static const char *const count_names[NUM_COUNTS] = {"connections", "tls", "completed", "errors",
                                                    "quic"};
static const char *const table_names[NUM_TABLES] = {"by_rule", "versions", "ciphers", "sni",
                                                    "servers", "ja4",     "ja4_rule",
                                                    "apigee_place"};

typedef struct {
    char *key;
    json_int_t n;
} entry;

/* Counts by name, in the order the names were first seen (the order the
 * JSON shows them), with an open-addressing index. */
typedef struct {
    entry *v;
    size_t num;
    size_t cap;
    size_t *slot;              /* index + 1 into v; 0 empty */
    size_t slots;              /* a power of two, more than twice num */
} table;

/* The facts a connection is counted by. */
enum { P_OUTCOME, P_VERSION, P_CIPHER, P_SNI, P_SERVER, P_JA4, P_TRANSPORT, P_PLACE, NUM_PATHS };
static const char *const paths[NUM_PATHS] = {"outcome",          "server_hello.version",
                                             "server_hello.cipher_suite", "client_hello.sni",
                                             "server",           "client_hello.ja4",
                                             "transport",        "apigee.summary"};

struct ta_rollup {
    json_int_t count[NUM_COUNTS];
    table table[NUM_TABLES];
    ta_fpath path[NUM_PATHS];
};

ta_rollup *ta_rollup_new(void)
{
    ta_rollup *r = calloc(1, sizeof(*r));
    if (r == NULL) {
        return NULL;
    }
    for (int i = 0; i < NUM_PATHS; i++) {
        if (!ta_fpath_parse(&r->path[i], paths[i], strlen(paths[i]))) {
            free(r);
            return NULL;
        }
    }
    return r;
}

void ta_rollup_free(ta_rollup *r)
{
    if (r == NULL) {
        return;
    }
    for (int i = 0; i < NUM_TABLES; i++) {
        for (size_t k = 0; k < r->table[i].num; k++) {
            free(r->table[i].v[k].key);
        }
        free(r->table[i].v);
        free(r->table[i].slot);
    }
    free(r);
}

static size_t hash(const char *s)
{
    uint64_t h = 1469598103934665603u;
    for (; *s != '\0'; s++) {
        h = (h ^ (uint8_t)*s) * 1099511628211u;
    }
    return (size_t)h;
}

/* The slot of |key|: its entry's, or the empty one where it would go. */
static size_t *find(const table *t, const char *key)
{
    size_t mask = t->slots - 1;
    for (size_t i = hash(key) & mask;; i = (i + 1) & mask) {
        if (t->slot[i] == 0 || strcmp(t->v[t->slot[i] - 1].key, key) == 0) {
            return &t->slot[i];
        }
    }
}

/* Room for one more entry; false when memory ran out. */
static bool grow(table *t)
{
    if (t->num == t->cap) {
        size_t cap = t->cap > 0 ? t->cap * 2 : 16;
        entry *v = realloc(t->v, cap * sizeof(*v));
        if (v == NULL) {
            return false;
        }
        t->v = v;
        t->cap = cap;
    }
    if ((t->num + 1) * 2 < t->slots) {
        return true;
    }
    size_t slots = t->slots > 0 ? t->slots * 2 : 64;
    size_t *slot = calloc(slots, sizeof(*slot));
    if (slot == NULL) {
        return false;
    }
    free(t->slot);
    t->slot = slot;
    t->slots = slots;
    for (size_t k = 0; k < t->num; k++) {
        *find(t, t->v[k].key) = k + 1;
    }
    return true;
}

/* Adds |n| to |t|[key]; past TA_ROLLUP_KEYS names, to "(other)". */
static void bump(table *t, const char *key, json_int_t n)
{
    if (key == NULL) {
        key = "(none)";
    }
    size_t *s = t->slots > 0 ? find(t, key) : NULL;
    if (s != NULL && *s != 0) {
        t->v[*s - 1].n += n;
        return;
    }
    if (t->num >= TA_ROLLUP_KEYS && strcmp(key, "(other)") != 0) {
        bump(t, "(other)", n);
        return;
    }
    char *k = strdup(key);
    if (k == NULL || !grow(t)) {
        free(k);
        return;
    }
    t->v[t->num].key = k;
    t->v[t->num].n = n;
    *find(t, key) = ++t->num;
}

/* The name |key| is counted under in |t|: "(none)" for NULL, "(other)"
 * when it is new and the table is full (as bump does), so that a
 * fingerprint's rules are counted under the same name as the fingerprint. */
static const char *kept_name(const table *t, const char *key)
{
    if (key == NULL) {
        return "(none)";
    }
    size_t *s = t->slots > 0 ? find(t, key) : NULL;
    return (s == NULL || *s == 0) && t->num >= TA_ROLLUP_KEYS ? "(other)" : key;
}

typedef struct {
    const char *s;             /* NULL: null or missing */
} text_of;

/* The text is copied into the connection's arena: a value the accessor
 * formatted ("10.0.0.1:443") lives in |val|, which is gone when the visit
 * returns. */
static bool take_text(ta_view *v, const ta_fnode *n, const ta_fval *val, void *arg)
{
    text_of *t = arg;
    size_t len;
    if (val->kind == TA_FV_STR) {
        const char *s = ta_view_text(v, n, val, &len);
        t->s = ta_arena_strndup(v->arena, s, len);
        v->nomem = v->nomem || t->s == NULL;
    }
    return true;
}

/* The text of a string fact as the output shows it; NULL when null. */
static const char *text(const ta_rollup *r, ta_view *v, int path)
{
    text_of t = {NULL};
    (void)ta_fpath_visit(v, &r->path[path], take_text, &t);
    return t.s;
}

void ta_rollup_conn(ta_rollup *r, ta_view *v)
{
    const char *outcome = text(r, v, P_OUTCOME);
    const ta_diag *first = v->num_diags > 0 ? &v->diags[0] : NULL;

    const char *transport = text(r, v, P_TRANSPORT);
    if (transport != NULL && strcmp(transport, "quic") == 0) {
        r->count[C_QUIC]++;   /* QUIC connections are counted apart from TCP ones */
    } else {
        r->count[C_CONNECTIONS]++;
    }
    if (outcome != NULL && strcmp(outcome, "not_tls") != 0) {
        r->count[C_TLS]++;
    }
    if (outcome != NULL && strcmp(outcome, "completed") == 0) {
        r->count[C_COMPLETED]++;
        bump(&r->table[T_VERSIONS], text(r, v, P_VERSION), 1);
        bump(&r->table[T_CIPHERS], text(r, v, P_CIPHER), 1);
    }
    if (first != NULL && strcmp(first->severity, "error") == 0) {
        r->count[C_ERRORS]++;
        bump(&r->table[T_RULE], first->rule, 1);
        bump(&r->table[T_SNI], text(r, v, P_SNI), 1);
        bump(&r->table[T_SERVERS], text(r, v, P_SERVER), 1);
        const char *ja4 = kept_name(&r->table[T_JA4], text(r, v, P_JA4));
        char key[128];
        snprintf(key, sizeof(key), "%s %s", ja4, first->rule);
        bump(&r->table[T_JA4], ja4, 1);
        bump(&r->table[T_JA4_RULE], key, 1);
        const char *place = text(r, v, P_PLACE);
        if (place != NULL) {
            bump(&r->table[T_PLACE], place, 1);
        }
    }
}

void ta_rollup_merge(ta_rollup *into, const ta_rollup *from)
{
    for (int i = 0; i < NUM_COUNTS; i++) {
        into->count[i] += from->count[i];
    }
    for (int i = 0; i < NUM_TABLES; i++) {
        for (size_t k = 0; k < from->table[i].num; k++) {
            bump(&into->table[i], from->table[i].v[k].key, from->table[i].v[k].n);
        }
    }
}

static int by_count(const void *x, const void *y)
{
    const entry *a = x;
    const entry *b = y;
    if (a->n != b->n) {
        return a->n > b->n ? -1 : 1;
    }
    return strcmp(a->key, b->key);
}

/* The TA_ROLLUP_TOP largest entries of |t| as [{"name","failures"}]. */
static json_t *top(const table *t)
{
    entry *e = t->num > 0 ? malloc(t->num * sizeof(*e)) : NULL;
    json_t *out = json_array();

    if (e == NULL) {
        return out;
    }
    memcpy(e, t->v, t->num * sizeof(*e));
    qsort(e, t->num, sizeof(*e), by_count);
    for (size_t i = 0; i < t->num && i < TA_ROLLUP_TOP; i++) {
        json_t *o = json_object();
        json_object_set_new(o, "name", json_string(e[i].key));
        json_object_set_new(o, "failures", json_integer(e[i].n));
        json_array_append_new(out, o);
    }
    free(e);
    return out;
}

/* The root causes counted for fingerprint |ja4|: "JA4 rule" keys of
 * T_JA4_RULE; "(other)" holds those past its cap. */
static json_t *rules_of(const table *t, const char *ja4)
{
    json_t *o = json_object();
    size_t n = strlen(ja4);
    for (size_t k = 0; k < t->num; k++) {
        if (strncmp(t->v[k].key, ja4, n) == 0 && t->v[k].key[n] == ' ') {
            json_object_set_new(o, t->v[k].key + n + 1, json_integer(t->v[k].n));
        }
    }
    return o;
}

/* "failures by client fingerprint": the TA_ROLLUP_TOP fingerprints (JA4)
 * with the most failures, each with its root causes. */
static json_t *top_fingerprints(const ta_rollup *r)
{
    json_t *out = top(&r->table[T_JA4]);
    size_t i;
    json_t *e;
    json_array_foreach(out, i, e) {
        const char *ja4 = json_string_value(json_object_get(e, "name"));
        json_object_set_new(e, "rules", rules_of(&r->table[T_JA4_RULE], ja4 != NULL ? ja4 : ""));
    }
    return out;
}

static json_t *object_of(const table *t)
{
    json_t *o = json_object();
    for (size_t k = 0; k < t->num; k++) {
        json_object_set_new(o, t->v[k].key, json_integer(t->v[k].n));
    }
    return o;
}

void ta_rollup_set(const ta_rollup *r, json_t *out)
{
    json_object_set_new(out, "tcp_connections", json_integer(r->count[C_CONNECTIONS]));
    json_object_set_new(out, "quic_connections", json_integer(r->count[C_QUIC]));
    json_object_set_new(out, "tls_connections", json_integer(r->count[C_TLS]));
    json_object_set_new(out, "completed", json_integer(r->count[C_COMPLETED]));
    json_object_set_new(out, "diagnosed_errors", json_integer(r->count[C_ERRORS]));
    json_object_set_new(out, "failed_by_rule", object_of(&r->table[T_RULE]));
    json_object_set_new(out, "versions", object_of(&r->table[T_VERSIONS]));
    json_object_set_new(out, "cipher_suites", object_of(&r->table[T_CIPHERS]));
    json_object_set_new(out, "top_failing_sni", top(&r->table[T_SNI]));
    json_object_set_new(out, "top_failing_servers", top(&r->table[T_SERVERS]));
    /* How many distinct fingerprints failed (at most TA_ROLLUP_KEYS, the
     * rest counted under "(other)"), and the top ones. */
    json_object_set_new(out, "failing_client_fingerprints",
                        json_integer((json_int_t)r->table[T_JA4].num));
    json_object_set_new(out, "failures_by_client_fingerprint", top_fingerprints(r));
    if (r->table[T_PLACE].num > 0) {       /* --profile apigee only */
        json_object_set_new(out, "top_failing_apigee_places", top(&r->table[T_PLACE]));
    }
}

json_int_t ta_rollup_errors(const ta_rollup *r)
{
    return r->count[C_ERRORS];
}

json_t *ta_rollup_dump(const ta_rollup *r)
{
    json_t *d = json_object();
    for (int i = 0; i < NUM_COUNTS; i++) {
        json_object_set_new(d, count_names[i], json_integer(r->count[i]));
    }
    for (int i = 0; i < NUM_TABLES; i++) {
        json_object_set_new(d, table_names[i], object_of(&r->table[i]));
    }
    return d;
}

void ta_rollup_load(ta_rollup *into, json_t *d)
{
    const char *k;
    json_t *v;
    for (int i = 0; i < NUM_COUNTS; i++) {
        into->count[i] += json_integer_value(json_object_get(d, count_names[i]));
    }
    for (int i = 0; i < NUM_TABLES; i++) {
        json_object_foreach(json_object_get(d, table_names[i]), k, v) {
            bump(&into->table[i], k, json_integer_value(v));
        }
    }
}
