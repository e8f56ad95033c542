/* rollup.c - counting connections for summaries (see ta_rollup.h). */
#include "ta_rollup.h"

#include <stdlib.h>
#include <string.h>

struct ta_rollup {
    json_int_t connections;
    json_int_t tls;
    json_int_t completed;
    json_int_t errors;
    json_t *by_rule;
    json_t *versions;
    json_t *ciphers;
    json_t *sni;        /* failures by SNI */
    json_t *servers;    /* failures by server address */
};

ta_rollup *ta_rollup_new(void)
{
    ta_rollup *r = calloc(1, sizeof(*r));
    if (r == NULL) {
        return NULL;
    }
    r->by_rule = json_object();
    r->versions = json_object();
    r->ciphers = json_object();
    r->sni = json_object();
    r->servers = json_object();
    return r;
}

void ta_rollup_free(ta_rollup *r)
{
    if (r == NULL) {
        return;
    }
    json_decref(r->by_rule);
    json_decref(r->versions);
    json_decref(r->ciphers);
    json_decref(r->sni);
    json_decref(r->servers);
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

    r->connections++;
    if (outcome != NULL && strcmp(outcome, "not_tls") != 0) {
        r->tls++;
    }
    if (outcome != NULL && strcmp(outcome, "completed") == 0) {
        r->completed++;
        bump(r->versions, str_at(conn, "server_hello", "version"), 1);
        bump(r->ciphers, str_at(conn, "server_hello", "cipher_suite"), 1);
    }
    if (sev != NULL && strcmp(sev, "error") == 0) {
        r->errors++;
        bump(r->by_rule, json_string_value(json_object_get(first, "rule")), 1);
        bump(r->sni, str_at(conn, "client_hello", "sni"), 1);
        bump(r->servers, json_string_value(json_object_get(conn, "server")), 1);
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
    into->connections += from->connections;
    into->tls += from->tls;
    into->completed += from->completed;
    into->errors += from->errors;
    merge_table(into->by_rule, from->by_rule);
    merge_table(into->versions, from->versions);
    merge_table(into->ciphers, from->ciphers);
    merge_table(into->sni, from->sni);
    merge_table(into->servers, from->servers);
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
    json_object_set_new(out, "tcp_connections", json_integer(r->connections));
    json_object_set_new(out, "tls_connections", json_integer(r->tls));
    json_object_set_new(out, "completed", json_integer(r->completed));
    json_object_set_new(out, "diagnosed_errors", json_integer(r->errors));
    json_object_set_new(out, "failed_by_rule", json_deep_copy(r->by_rule));
    json_object_set_new(out, "versions", json_deep_copy(r->versions));
    json_object_set_new(out, "cipher_suites", json_deep_copy(r->ciphers));
    json_object_set_new(out, "top_failing_sni", top(r->sni));
    json_object_set_new(out, "top_failing_servers", top(r->servers));
}

json_int_t ta_rollup_errors(const ta_rollup *r)
{
    return r->errors;
}

json_t *ta_rollup_dump(const ta_rollup *r)
{
    json_t *d = json_object();
    json_object_set_new(d, "connections", json_integer(r->connections));
    json_object_set_new(d, "tls", json_integer(r->tls));
    json_object_set_new(d, "completed", json_integer(r->completed));
    json_object_set_new(d, "errors", json_integer(r->errors));
    json_object_set_new(d, "by_rule", json_deep_copy(r->by_rule));
    json_object_set_new(d, "versions", json_deep_copy(r->versions));
    json_object_set_new(d, "ciphers", json_deep_copy(r->ciphers));
    json_object_set_new(d, "sni", json_deep_copy(r->sni));
    json_object_set_new(d, "servers", json_deep_copy(r->servers));
    return d;
}

void ta_rollup_load(ta_rollup *into, json_t *d)
{
    into->connections += json_integer_value(json_object_get(d, "connections"));
    into->tls += json_integer_value(json_object_get(d, "tls"));
    into->completed += json_integer_value(json_object_get(d, "completed"));
    into->errors += json_integer_value(json_object_get(d, "errors"));
    merge_table(into->by_rule, json_object_get(d, "by_rule"));
    merge_table(into->versions, json_object_get(d, "versions"));
    merge_table(into->ciphers, json_object_get(d, "ciphers"));
    merge_table(into->sni, json_object_get(d, "sni"));
    merge_table(into->servers, json_object_get(d, "servers"));
}
