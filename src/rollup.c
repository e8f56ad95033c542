/* rollup.c - counting connections for summaries (see ta_rollup.h). */
#include "ta_rollup.h"

#include <stdlib.h>
#include <string.h>

/* The counters and the tables, by index, so that every operation on all of
 * them is one loop. */
enum { C_CONNECTIONS, C_TLS, C_COMPLETED, C_ERRORS, NUM_COUNTS };
enum { T_RULE, T_VERSIONS, T_CIPHERS, T_SNI, T_SERVERS, NUM_TABLES };

/* Names in ta_rollup_dump; T_SNI and T_SERVERS count failures. */
static const char *const count_names[NUM_COUNTS] = {"connections", "tls", "completed", "errors"};
static const char *const table_names[NUM_TABLES] = {"by_rule", "versions", "ciphers", "sni",
                                                    "servers"};

struct ta_rollup {
    json_int_t count[NUM_COUNTS];
    json_t *table[NUM_TABLES];
};

ta_rollup *ta_rollup_new(void)
{
    ta_rollup *r = calloc(1, sizeof(*r));
    if (r == NULL) {
        return NULL;
    }
    for (int i = 0; i < NUM_TABLES; i++) {
        r->table[i] = json_object();
    }
    return r;
}

void ta_rollup_free(ta_rollup *r)
{
    if (r == NULL) {
        return;
    }
    for (int i = 0; i < NUM_TABLES; i++) {
        json_decref(r->table[i]);
    }
    free(r);
}

/* Adds |n| to |table|[key]; past TA_ROLLUP_KEYS names, to "(other)". */
static void bump(json_t *table, const char *key, json_int_t n)
{
    if (key == NULL) {
        key = "(none)";
    }
    if (json_object_get(table, key) == NULL && json_object_size(table) >= TA_ROLLUP_KEYS) {
        key = "(other)";
    }
    json_int_t v = json_integer_value(json_object_get(table, key));
    json_object_set_new(table, key, json_integer(v + n));
}

static const char *str_at(json_t *o, const char *a, const char *b)
{
    return json_string_value(json_object_get(json_object_get(o, a), b));
}

void ta_rollup_conn(ta_rollup *r, json_t *conn)
{
    const char *outcome = json_string_value(json_object_get(conn, "outcome"));
    json_t *first = json_array_get(json_object_get(conn, "diagnoses"), 0);
    const char *sev = json_string_value(json_object_get(first, "severity"));

    r->count[C_CONNECTIONS]++;
    if (outcome != NULL && strcmp(outcome, "not_tls") != 0) {
        r->count[C_TLS]++;
    }
    if (outcome != NULL && strcmp(outcome, "completed") == 0) {
        r->count[C_COMPLETED]++;
        bump(r->table[T_VERSIONS], str_at(conn, "server_hello", "version"), 1);
        bump(r->table[T_CIPHERS], str_at(conn, "server_hello", "cipher_suite"), 1);
    }
    if (sev != NULL && strcmp(sev, "error") == 0) {
        r->count[C_ERRORS]++;
        bump(r->table[T_RULE], json_string_value(json_object_get(first, "rule")), 1);
        bump(r->table[T_SNI], str_at(conn, "client_hello", "sni"), 1);
        bump(r->table[T_SERVERS], json_string_value(json_object_get(conn, "server")), 1);
    }
}

static void merge_table(json_t *into, json_t *from)
{
    const char *k;
    json_t *v;
    json_object_foreach(from, k, v) {
        bump(into, k, json_integer_value(v));
    }
}

void ta_rollup_merge(ta_rollup *into, const ta_rollup *from)
{
    for (int i = 0; i < NUM_COUNTS; i++) {
        into->count[i] += from->count[i];
    }
    for (int i = 0; i < NUM_TABLES; i++) {
        merge_table(into->table[i], from->table[i]);
    }
}

typedef struct {
    const char *name;
    json_int_t n;
} entry;

static int by_count(const void *x, const void *y)
{
    const entry *a = x;
    const entry *b = y;
    if (a->n != b->n) {
        return a->n > b->n ? -1 : 1;
    }
    return strcmp(a->name, b->name);
}

/* The TA_ROLLUP_TOP largest entries of |table| as [{"name","failures"}]. */
static json_t *top(json_t *table)
{
    size_t n = json_object_size(table);
    entry *e = n > 0 ? malloc(n * sizeof(*e)) : NULL;
    json_t *out = json_array();
    size_t i = 0;
    const char *k;
    json_t *v;

    if (e == NULL) {
        return out;
    }
    json_object_foreach(table, k, v) {
        e[i].name = k;
        e[i].n = json_integer_value(v);
        i++;
    }
    qsort(e, n, sizeof(*e), by_count);
    for (i = 0; i < n && i < TA_ROLLUP_TOP; i++) {
        json_t *o = json_object();
        json_object_set_new(o, "name", json_string(e[i].name));
        json_object_set_new(o, "failures", json_integer(e[i].n));
        json_array_append_new(out, o);
    }
    free(e);
    return out;
}

void ta_rollup_set(const ta_rollup *r, json_t *out)
{
    json_object_set_new(out, "tcp_connections", json_integer(r->count[C_CONNECTIONS]));
    json_object_set_new(out, "tls_connections", json_integer(r->count[C_TLS]));
    json_object_set_new(out, "completed", json_integer(r->count[C_COMPLETED]));
    json_object_set_new(out, "diagnosed_errors", json_integer(r->count[C_ERRORS]));
    json_object_set_new(out, "failed_by_rule", json_deep_copy(r->table[T_RULE]));
    json_object_set_new(out, "versions", json_deep_copy(r->table[T_VERSIONS]));
    json_object_set_new(out, "cipher_suites", json_deep_copy(r->table[T_CIPHERS]));
    json_object_set_new(out, "top_failing_sni", top(r->table[T_SNI]));
    json_object_set_new(out, "top_failing_servers", top(r->table[T_SERVERS]));
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
        json_object_set_new(d, table_names[i], json_deep_copy(r->table[i]));
    }
    return d;
}

void ta_rollup_load(ta_rollup *into, json_t *d)
{
    for (int i = 0; i < NUM_COUNTS; i++) {
        into->count[i] += json_integer_value(json_object_get(d, count_names[i]));
    }
    for (int i = 0; i < NUM_TABLES; i++) {
        merge_table(into->table[i], json_object_get(d, table_names[i]));
    }
}
