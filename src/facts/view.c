/*
 * view.c - a connection as the schema reads it (see ta_schema.h): the
 * final text of string facts, escaped where they came from the capture
 * and, with --redact, replaced as their redaction class says.
 *
 * Redaction of one connection works as the contract describes it: every
 * name redacted by meaning (host names, certificate names, SANs) is
 * remembered, and free text (warnings, OpenSSL's messages, ALPN) and the
 * endpoints lose every address literal and every such name.  So before
 * the first redacted text of a connection is handed out, all its names are
 * redacted once, in the order the JSON writes them; results are cached
 * per connection, so a subject that appears in the certificates, the leaf
 * and the chain costs one HMAC.
 */
#include <stdlib.h>
#include <string.h>

#include "schema_int.h"
#include "ta_escape.h"

#define BUCKETS 64

typedef struct cached cached;
struct cached {
    cached *next;
    uint8_t rclass;
    const char *orig;
    size_t len;
    const char *field;         /* redacted by meaning (a copy for free text), in the arena */
    const char *text;          /* then scrubbed: the final text; NULL until asked for */
    size_t text_len;
};

/* The redaction state of one connection. */
typedef struct {
    ta_redact_names *names;    /* owned: freed by ta_view_cleanup */
    bool collecting;           /* the names of the connection are being redacted */
    cached *bucket[BUCKETS];
} names_state;

void ta_view_init(ta_view *v, const ta_conn *c, ta_derived *d, ta_arena *arena,
                  ta_redactor *redactor)
{
    memset(v, 0, sizeof(*v));
    v->c = c;
    v->d = d;
    v->arena = arena;
    v->redactor = redactor;
}

void ta_view_init_json(ta_view *v, json_t *facts, ta_arena *arena)
{
    memset(v, 0, sizeof(*v));
    v->json = facts;
    v->arena = arena;
}

void ta_view_cleanup(ta_view *v)
{
    names_state *st = v->names;
    if (st != NULL) {
        ta_redact_names_free(st->names);
        st->names = NULL;
    }
    v->names = NULL;
}

bool ta_view_redacts(const ta_view *v, const ta_fnode *node)
{
    return v->redactor != NULL && ta_redactor_mode(v->redactor) != TA_REDACT_NONE &&
           node->rclass != TA_RC_NONE && node->rclass != TA_RC_RENDERED;
}

/* The redaction a class calls for. */
static ta_redact_kind kind_of(uint8_t rclass)
{
    switch (rclass) {
    case TA_RC_HOST:
        return TA_RK_NAME;
    case TA_RC_DN:
        return TA_RK_DN;
    case TA_RC_SAN:
        return TA_RK_SAN;
    case TA_RC_FINDING:
        return TA_RK_FINDING;
    case TA_RC_FINGERPRINT:
        return TA_RK_FINGERPRINT;
    case TA_RC_FILE:
        return TA_RK_FILE;
    case TA_RC_ADDRESS:
    case TA_RC_TEXT:
    default:
        return TA_RK_TEXT;
    }
}

static bool names_class(uint8_t rclass)
{
    return rclass == TA_RC_HOST || rclass == TA_RC_DN || rclass == TA_RC_SAN ||
           rclass == TA_RC_FINDING;
}

/* Redacts every name the value |fv| of |n| holds (objects and arrays
 * member by member), in the order the writer writes them. */
static void collect(ta_view *v, const ta_fnode *n, const ta_fval *fv)
{
    size_t len;
    switch (fv->kind) {
    case TA_FV_STR:
        if (names_class(n->rclass)) {
            (void)ta_view_text(v, n, fv, &len);
        }
        return;
    case TA_FV_OBJ:
        for (size_t i = 0; i < n->num_kids; i++) {
            const ta_fnode *k = &n->kids[i];
            ta_fval kv;
            if ((k->flags & TA_FN_OWN) != 0) {
                continue;
            }
            ta_view_get(v, k, fv->base, 0, &kv);
            collect(v, k, &kv);
        }
        return;
    case TA_FV_ARR:
        for (size_t i = 0; i < fv->count; i++) {
            ta_fval ev;
            ta_view_get(v, &n->kids[0], fv->base, i, &ev);
            collect(v, &n->kids[0], &ev);
        }
        return;
    default:
        return;
    }
}

static names_state *state_of(ta_view *v)
{
    if (v->names == NULL) {
        names_state *st = ta_arena_alloc(v->arena, sizeof(*st));
        if (st == NULL) {
            return NULL;
        }
        memset(st, 0, sizeof(*st));
        st->names = ta_redact_names_new();
        if (st->names == NULL) {
            return NULL;
        }
        v->names = st;
        if (ta_redactor_mode(v->redactor) == TA_REDACT_ALL) {
            ta_fval root;
            st->collecting = true;
            ta_view_get(v, &ta_schema_conn, NULL, 0, &root);
            collect(v, &ta_schema_conn, &root);
            st->collecting = false;
        }
    }
    return v->names;
}

static size_t hash(uint8_t rclass, const char *s, size_t len)
{
    uint64_t h = 1469598103934665603u ^ rclass;
    for (size_t i = 0; i < len; i++) {
        h = (h ^ (uint8_t)s[i]) * 1099511628211u;
    }
    return (size_t)(h % BUCKETS);
}

/* The cache entry of |s| read as |node|, made (redacted by meaning) when
 * new; NULL when memory ran out. */
static cached *entry_of(ta_view *v, names_state *st, const ta_fnode *node, const char *s,
                        size_t len)
{
    size_t h = hash(node->rclass, s, len);
    for (cached *c = st->bucket[h]; c != NULL; c = c->next) {
        if (c->rclass == node->rclass && c->len == len && memcmp(c->orig, s, len) == 0) {
            return c;
        }
    }
    char *r = ta_redact_field(v->redactor, kind_of(node->rclass), s, st->names);
    cached *c = ta_arena_alloc(v->arena, sizeof(*c));
    char *orig = ta_arena_strndup(v->arena, s, len);
    char *field = r != NULL && c != NULL && orig != NULL ? ta_arena_strndup(v->arena, r, strlen(r))
                                                         : NULL;
    free(r);
    if (field == NULL || ta_redact_names_nomem(st->names)) {
        return NULL;
    }
    c->rclass = node->rclass;
    c->orig = orig;
    c->len = len;
    c->field = field;
    c->text = NULL;
    c->next = st->bucket[h];
    st->bucket[h] = c;
    return c;
}

/* |s| redacted as |node| says, cached for the connection: by meaning
 * first, then scrubbed of every address and of every name of the
 * connection (which is why all names are collected before any text is
 * handed out). */
static const char *redacted(ta_view *v, const ta_fnode *node, const char *s, size_t len,
                            size_t *out_len)
{
    names_state *st = state_of(v);
    cached *c = st != NULL ? entry_of(v, st, node, s, len) : NULL;
    if (c != NULL && st->collecting) {
        *out_len = 0;
        return "";   /* only the names were wanted */
    }
    if (c != NULL && c->text == NULL) {
        char *t = ta_redact_text(v->redactor, c->field, st->names);
        c->text = t != NULL ? ta_arena_strndup(v->arena, t, strlen(t)) : NULL;
        c->text_len = c->text != NULL ? strlen(c->text) : 0;
        free(t);
    }
    if (c == NULL || c->text == NULL) {
        v->nomem = true;
        *out_len = 0;
        return "";
    }
    *out_len = c->text_len;
    return c->text;
}

const char *ta_view_text(ta_view *v, const ta_fnode *node, const ta_fval *fv, size_t *out_len)
{
    const char *s = fv->s;
    size_t len = fv->len;

    if (fv->raw && ta_escape_needed((const uint8_t *)fv->s, fv->len)) {
        char *out = fv->len < (SIZE_MAX - 1) / 4 ? ta_arena_alloc(v->arena, fv->len * 4 + 1)
                                                 : NULL;
        if (out == NULL) {
            v->nomem = true;
            *out_len = 0;
            return "";
        }
        len = ta_escape_to(out, (const uint8_t *)fv->s, fv->len);
        s = out;
    }
    if (ta_view_redacts(v, node)) {
        return redacted(v, node, s, len, out_len);
    }
    *out_len = len;
    return s;
}
