/*
 * schema.c - reading the schema (see ta_schema.h): values of a view (from
 * the typed facts, or from a JSON object for tests), members by name, and
 * walks over every path.
 */
#include <stdio.h>
#include <string.h>

#include "schema_int.h"

/* The value of |node| in a JSON object (or element |idx| of a JSON array):
 * the same reading the typed accessors give, for facts written as JSON. */
void ta_view_get_json(const ta_view *v, const ta_fnode *node, const void *base, size_t idx,
                      ta_fval *o)
{
    json_t *parent = base != NULL ? (json_t *)base : v->json;
    json_t *j = node->key != NULL ? json_object_get(parent, node->key)
                                  : json_array_get(parent, idx);
    if (j == NULL) {
        fv_absent(o);
        return;
    }
    switch (json_typeof(j)) {
    case JSON_NULL:
        fv_null(o);
        return;
    case JSON_TRUE:
    case JSON_FALSE:
        fv_bool(o, json_is_true(j));
        return;
    case JSON_INTEGER:
        fv_int(o, json_integer_value(j));
        return;
    case JSON_REAL:
        fv_real(o, json_real_value(j));
        return;
    case JSON_STRING:
        fv_strn(o, json_string_value(j), json_string_length(j));
        return;
    case JSON_OBJECT:
        fv_obj(o, j);
        return;
    case JSON_ARRAY:
        fv_arr(o, j, json_array_size(j));
        return;
    default:
        fv_absent(o);
        return;
    }
}

const ta_fnode *ta_fnode_member(const ta_fnode *obj, const char *key, size_t len)
{
    if (obj->type != TA_FT_OBJECT) {
        return NULL;
    }
    for (size_t i = 0; i < obj->num_kids; i++) {
        const char *k = obj->kids[i].key;
        if (k != NULL && strlen(k) == len && memcmp(k, key, len) == 0) {
            return &obj->kids[i];
        }
    }
    return NULL;
}

/* ---- paths ------------------------------------------------------------ */

/* "[N]" or "[]" at |p| (before |end|): sets *out_index and returns the
 * length, 0 when there is none. */
static size_t index_at(const char *p, const char *end, size_t *out_index)
{
    size_t i = 1;
    size_t n = 0;
    bool digits = false;
    if (p >= end || *p != '[') {
        return 0;
    }
    while (p + i < end && p[i] >= '0' && p[i] <= '9') {
        size_t d = (size_t)(p[i] - '0');
        n = n > (TA_IDX_ALL - 1 - d) / 10 ? TA_IDX_ALL - 1 : n * 10 + d;   /* saturates */
        digits = true;
        i++;
    }
    if (p + i >= end || p[i] != ']') {
        return 0;
    }
    *out_index = digits ? n : TA_IDX_ALL;
    return i + 1;
}

int ta_fpath_parse(ta_fpath *path, const char *text, size_t len)
{
    const ta_fnode *obj = &ta_schema_conn;
    const char *p = text;
    const char *end = text + len;

    path->num = 0;
    path->rule = true;
    while (p < end) {
        size_t n = 0;
        while (p + n < end && p[n] != '.' && p[n] != '[') {
            n++;
        }
        const ta_fnode *m = obj != NULL ? ta_fnode_member(obj, p, n) : NULL;
        if (m == NULL || path->num == TA_FPATH_MAX) {
            return 0;
        }
        ta_fstep *st = &path->step[path->num++];
        st->node = m;
        st->index = TA_IDX_MEMBER;
        path->rule = path->rule && (m->flags & TA_FN_RULE) != 0;
        p += n;
        obj = m;
        if (p < end && *p == '[') {
            size_t k = m->type == TA_FT_ARRAY ? index_at(p, end, &st->index) : 0;
            if (k == 0) {
                return 0;
            }
            p += k;
            obj = &m->kids[0];
            path->rule = path->rule && (obj->flags & TA_FN_RULE) != 0;
        }
        if (p < end && (*p != '.' || p + 1 == end)) {
            return 0;
        }
        p += p < end;
    }
    return path->num > 0;
}

const ta_fnode *ta_fpath_node(const ta_fpath *p)
{
    const ta_fstep *last = &p->step[p->num - 1];
    return last->index == TA_IDX_MEMBER ? last->node : &last->node->kids[0];
}

static bool visit_from(ta_view *v, const ta_fpath *p, size_t k, const void *base, ta_fvisit fn,
                       void *arg)
{
    const ta_fstep *st = &p->step[k];
    bool last = k + 1 == p->num;
    ta_fval fv;

    ta_view_get(v, st->node, base, 0, &fv);
    if (st->index == TA_IDX_MEMBER) {
        if (fv.kind == TA_FV_ABSENT) {
            return false;
        }
        if (last) {
            return fn(v, st->node, &fv, arg);
        }
        return fv.kind == TA_FV_OBJ && visit_from(v, p, k + 1, fv.base, fn, arg);
    }
    if (fv.kind != TA_FV_ARR) {
        return false;
    }
    const ta_fnode *e = &st->node->kids[0];
    size_t from = st->index == TA_IDX_ALL ? 0 : st->index;
    size_t to = st->index == TA_IDX_ALL ? fv.count : st->index + 1;
    for (size_t i = from; i < to && i < fv.count; i++) {
        ta_fval ev;
        ta_view_get(v, e, fv.base, i, &ev);
        if (last ? fn(v, e, &ev, arg)
                 : ev.kind == TA_FV_OBJ && visit_from(v, p, k + 1, ev.base, fn, arg)) {
            return true;
        }
    }
    return false;
}

bool ta_fpath_visit(ta_view *v, const ta_fpath *p, ta_fvisit fn, void *arg)
{
    return p->num > 0 && visit_from(v, p, 0, NULL, fn, arg);
}

/* ---- walks ------------------------------------------------------------ */

#define MAX_PATH 256

static void walk(const ta_fnode *node, char *path, size_t len, bool rule, ta_schema_visit fn,
                 void *arg)
{
    for (size_t i = 0; i < node->num_kids; i++) {
        const ta_fnode *k = &node->kids[i];
        size_t n = len;
        bool r = rule && (k->flags & TA_FN_RULE) != 0;
        if (k->key != NULL) {
            n += (size_t)snprintf(path + len, MAX_PATH - len, "%s%s", len > 0 ? "." : "", k->key);
        } else {
            n += (size_t)snprintf(path + len, MAX_PATH - len, "[]");
        }
        if (n >= MAX_PATH) {
            continue;   /* the schema has no path this long */
        }
        fn(arg, path, k, r);
        walk(k, path, n, r, fn, arg);
        path[len] = '\0';
    }
}

void ta_schema_walk(const ta_fnode *root, ta_schema_visit fn, void *arg)
{
    char path[MAX_PATH] = "";
    walk(root, path, 0, (root->flags & TA_FN_RULE) != 0, fn, arg);
}
