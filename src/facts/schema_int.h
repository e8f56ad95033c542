/*
 * schema_int.h - what the schema's modules share: value helpers, node
 * declaration macros, and the node lists one module hands to another
 * (facts_conn.c holds the connection, facts_wire.c its raw facts,
 * facts_derived.c the derived facts, chain verdicts and diagnoses;
 * schema.c reads paths, schema_doc.c prints the schema).  Private to
 * those modules, view.c and jsonw.c.
 */
#ifndef TA_SCHEMA_INT_H
#define TA_SCHEMA_INT_H

#include <string.h>

#include "ta_schema.h"

static inline void fv_absent(ta_fval *o)
{
    o->kind = TA_FV_ABSENT;
}

static inline void fv_null(ta_fval *o)
{
    o->kind = TA_FV_NULL;
}

static inline void fv_bool(ta_fval *o, bool b)
{
    o->kind = TA_FV_BOOL;
    o->b = b;
}

static inline void fv_int(ta_fval *o, int64_t i)
{
    o->kind = TA_FV_INT;
    o->i = i;
}

static inline void fv_real(ta_fval *o, double r)
{
    o->kind = TA_FV_REAL;
    o->r = r;
}

/* A string the program made (fixed vocabulary, formatted, already escaped). */
static inline void fv_strn(ta_fval *o, const char *s, size_t n)
{
    o->kind = TA_FV_STR;
    o->raw = false;
    o->s = s;
    o->len = n;
}

static inline void fv_str(ta_fval *o, const char *s)
{
    fv_strn(o, s, strlen(s));
}

/* A string from the capture: NUL-terminated raw bytes, escaped on use. */
static inline void fv_bytes(ta_fval *o, const ta_bytes *b)
{
    o->kind = TA_FV_STR;
    o->raw = true;
    o->s = b->data != NULL ? (const char *)b->data : "";
    o->len = b->data != NULL ? b->len : 0;
}

/* A string, or null for NULL. */
static inline void fv_str_or_null(ta_fval *o, const char *s)
{
    if (s != NULL) {
        fv_str(o, s);
    } else {
        fv_null(o);
    }
}

static inline void fv_obj(ta_fval *o, const void *base)
{
    o->kind = TA_FV_OBJ;
    o->base = base;
}

static inline void fv_arr(ta_fval *o, const void *base, size_t n)
{
    o->kind = TA_FV_ARR;
    o->base = base;
    o->count = n;
}

/* A number that is 0 only when there is none (a frame, a size): null then. */
static inline void fv_int_or_null(ta_fval *o, int64_t i)
{
    if (i != 0) {
        fv_int(o, i);
    } else {
        fv_null(o);
    }
}

/* A frame number, null when 0 (none). */
static inline void fv_frame(ta_fval *o, uint64_t frame)
{
    fv_int_or_null(o, (int64_t)frame);
}

#define NKIDS(a) (sizeof(a) / sizeof((a)[0]))

/* The length of a member's key, known when the schema is compiled (the
 * writer copies keys with it): |key| must be a string literal.  An array's
 * element and the root have no key: TA_ELEM and TA_ELEM_OBJECT. */
#define TA_KEY_LEN(key) ((uint8_t)(sizeof("" key) - 1))

/* A scalar fact. */
#define TA_LEAF(key, type, flags, rc, doc, get) \
    {key, type, flags, rc, TA_KEY_LEN(key), doc, get, 0, NULL, 0}
/* A scalar fact read by a generic accessor with an argument. */
#define TA_LEAF_ARG(key, type, flags, rc, doc, get, arg) \
    {key, type, flags, rc, TA_KEY_LEN(key), doc, get, arg, NULL, 0}
/* An object and its member list. */
#define TA_OBJECT(key, flags, doc, get, kids) \
    {key, TA_FT_OBJECT, flags, TA_RC_NONE, TA_KEY_LEN(key), doc, get, 0, kids, NKIDS(kids)}
#define TA_OBJECT_ARG(key, flags, doc, get, arg, kids) \
    {key, TA_FT_OBJECT, flags, TA_RC_NONE, TA_KEY_LEN(key), doc, get, arg, kids, NKIDS(kids)}
/* An array and its one-element list (the element node: TA_ELEM, TA_ELEM_OBJECT). */
#define TA_ARRAY(key, flags, doc, get, elem) \
    {key, TA_FT_ARRAY, flags, TA_RC_NONE, TA_KEY_LEN(key), doc, get, 0, elem, 1}
#define TA_ARRAY_ARG(key, flags, doc, get, arg, elem) \
    {key, TA_FT_ARRAY, flags, TA_RC_NONE, TA_KEY_LEN(key), doc, get, arg, elem, 1}
/* An array's scalar element, and an object without a key (an array's
 * element, the root). */
#define TA_ELEM(type, flags, rc, doc, get) {NULL, type, flags, rc, 0, doc, get, 0, NULL, 0}
#define TA_ELEM_OBJECT(flags, doc, get, kids) \
    {NULL, TA_FT_OBJECT, flags, TA_RC_NONE, 0, doc, get, 0, kids, NKIDS(kids)}

/* Flags in short: a rule fact, that may be null, that may be absent. */
#define F_R TA_FN_RULE
#define F_RN (TA_FN_RULE | TA_FN_NULL)
#define F_RO (TA_FN_RULE | TA_FN_OPT)
#define F_RON (TA_FN_RULE | TA_FN_OPT | TA_FN_NULL)

/* An accessor's definition; not every accessor needs every argument. */
#define TA_GETTER(name)                                                                         \
    void name(const ta_view *v __attribute__((unused)),                                         \
              const ta_fnode *n __attribute__((unused)),                                        \
              const void *base __attribute__((unused)), size_t idx __attribute__((unused)),     \
              ta_fval *o)

/* facts_wire.c: the objects the connection's root takes from there. */
TA_GETTER(ta_fg_client_hello);
TA_GETTER(ta_fg_server_hello);
TA_GETTER(ta_fg_cert_request);
TA_GETTER(ta_fg_server_kx);
TA_GETTER(ta_fg_client_cert);
TA_GETTER(ta_fg_certs);
TA_GETTER(ta_fg_alerts);
extern const ta_fnode ta_fs_client_hello[27];
extern const ta_fnode ta_fs_server_hello[13];
extern const ta_fnode ta_fs_cert_request[4];
extern const ta_fnode ta_fs_server_kx[3];
extern const ta_fnode ta_fs_client_cert[4];
extern const ta_fnode ta_fs_certificate[1];
extern const ta_fnode ta_fs_alert_elem[1];

/* facts_derived.c: the objects the connection's root takes from there
 * (facts_conn.c lists the root).  Leaf and chain accessors take |arg|:
 * 0 the client's, 1 the server's, 2 the rejected one. */
TA_GETTER(ta_fg_diagnoses);
TA_GETTER(ta_fg_alert);
TA_GETTER(ta_fg_handshake);
TA_GETTER(ta_fg_overlap);
TA_GETTER(ta_fg_leaf);
TA_GETTER(ta_fg_chain);
TA_GETTER(ta_fg_sni);
extern const ta_fnode ta_fs_diagnosis[1];
extern const ta_fnode ta_fs_alert[8];
extern const ta_fnode ta_fs_handshake[13];
extern const ta_fnode ta_fs_overlap[2];
extern const ta_fnode ta_fs_leaf[13];
extern const ta_fnode ta_fs_chain[37];
extern const ta_fnode ta_fs_sni[2];

/* facts_quic.c: the transport, and the quic object of QUIC connections. */
TA_GETTER(ta_fg_transport);
TA_GETTER(ta_fg_quic);
#define TA_NUM_QUIC 17
extern const ta_fnode ta_fs_quic[TA_NUM_QUIC];

/* facts_apigee.c: the apigee object (--profile apigee, apigee-x). */
TA_GETTER(ta_fg_apigee);
extern const ta_fnode ta_fs_apigee[6];

/* facts_conn.c: the members of a connection object. */
#define TA_NUM_CONN 33
extern const ta_fnode ta_fs_conn[TA_NUM_CONN];

/* The sides the leaf and chain objects are read for (the node's arg). */
#define TA_OF_CLIENT 0
#define TA_OF_SERVER 1
#define TA_OF_REJECTED 2

/* Names shared by accessors: "client" / "server". */
static inline const char *ta_side_name(ta_side s)
{
    return s == TA_FROM_CLIENT ? "client" : "server";
}

#endif
