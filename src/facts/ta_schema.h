/*
 * ta_schema.h - the one schema of a connection's facts.
 *
 * Every fact of the JSON contract (README "JSON output", rules/README.md
 * section 5) is declared once, as a node of a static tree: its JSON key,
 * its type, whether it may be null or absent, its redaction class, a
 * one-line meaning, and an accessor that reads it from a connection's
 * *view* (the raw facts of ta_conn, the derived facts of ta_derive.h with
 * the chain verdicts, and the diagnoses).  Everything else reads this
 * declaration: the streaming JSON writer takes its field order from it,
 * the rules resolve their fact paths against it once at load time,
 * redaction applies the class of the fact being read, and the JSON Schema
 * (docs/tlsanalyze.schema.json) and the fact tables of rules/README.md
 * are printed from it.
 *
 * Arrays expose a count and their elements; the three chain objects and
 * the three leaf objects share one node list each, read from different
 * bases.
 */
#ifndef TA_SCHEMA_H
#define TA_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "ta_arena.h"
#include "ta_conn.h"
#include "ta_derive.h"
#include "ta_redact.h"

/* JSON type of a fact's value (when it is not null). */
typedef enum {
    TA_FT_BOOL = 0,
    TA_FT_INT,
    TA_FT_REAL,
    TA_FT_STRING,
    TA_FT_OBJECT,
    TA_FT_ARRAY
} ta_ftype;

/* Node flags. */
#define TA_FN_NULL 0x01      /* the value may be null */
#define TA_FN_OPT 0x02       /* the key may be absent */
#define TA_FN_RULE 0x04      /* a rule fact: rules and templates may name it */
#define TA_FN_VERSION 0x08   /* a TLS version name ("TLS 1.2") */
#define TA_FN_OWN 0x10       /* the view's own (the diagnoses), even when the facts are JSON */

/* What a string fact may reveal, and so how --redact treats it
 * (README "Redaction"). */
typedef enum {
    TA_RC_NONE = 0,          /* fixed vocabulary, numbers, dates: kept */
    TA_RC_ADDRESS,           /* "ip:port": the address becomes ip4-/ip6-... */
    TA_RC_HOST,              /* a host name (SNI, CN, the name checked) */
    TA_RC_DN,                /* a certificate name, RFC 2253: every value */
    TA_RC_SAN,               /* a subjectAltName "DNS:x": the value */
    TA_RC_FINDING,           /* "what (certificate name)": the name */
    TA_RC_FINGERPRINT,       /* a certificate's SHA-256 */
    TA_RC_FILE,              /* a file name or a command made of them */
    TA_RC_TEXT,              /* free text that may embed names and addresses: scrubbed */
    TA_RC_RENDERED           /* rule texts, rendered from facts already redacted */
} ta_rclass;

/* Kinds of a value read from a view. */
typedef enum {
    TA_FV_ABSENT = 0,        /* the key is not there */
    TA_FV_NULL,
    TA_FV_BOOL,
    TA_FV_INT,
    TA_FV_REAL,
    TA_FV_STR,
    TA_FV_OBJ,
    TA_FV_ARR
} ta_fvkind;

#define TA_FVAL_BUF 80

/* One value.  Strings are NUL-terminated; |raw| marks bytes from the
 * capture that still need ta_escape (ta_view_text gives the final text).
 * An object's or array's |base| is handed to its members' or elements'
 * accessors. */
typedef struct {
    ta_fvkind kind;
    bool b;
    bool raw;
    int64_t i;
    double r;
    const char *s;
    size_t len;
    const void *base;
    size_t count;            /* array elements */
    char buf[TA_FVAL_BUF];   /* formatted strings live here */
} ta_fval;

typedef struct ta_view ta_view;
typedef struct ta_fnode ta_fnode;

/* An accessor: the value of |node| in the object |base| (or element |idx|
 * of the array |base|). */
typedef void (*ta_fget)(const ta_view *v, const ta_fnode *node, const void *base, size_t idx,
                        ta_fval *out);

struct ta_fnode {
    const char *key;         /* member name; NULL for an array's element */
    uint8_t type;            /* ta_ftype */
    uint8_t flags;           /* TA_FN_* */
    uint8_t rclass;          /* ta_rclass of a string (or of an array's strings) */
    uint8_t key_len;         /* strlen(key); 0 without a key */
    const char *doc;         /* the meaning, one line */
    ta_fget get;
    size_t arg;              /* for generic accessors: an offset or a selector */
    const ta_fnode *kids;    /* object: its members; array: its one element */
    size_t num_kids;
};

/* An evidence item of a diagnosis: a frame and what it shows. */
typedef struct {
    int64_t frame;
    char *fact;
} ta_evidence;

/* One diagnosis of a connection (after the rules); texts are NULL until
 * rendered, and rendered only when the output shows them. */
typedef struct {
    const char *rule;
    const char *severity;
    size_t cited;            /* evidence items with a frame: ranks rules */
    char *title;
    char *summary;
    const char *fault;
    char *fixes_by;          /* NULL: null */
    char *remediation;       /* NULL: null */
    ta_evidence *ev;         /* the items cited, rendered */
    size_t num_ev;
    char *const *refs;       /* the rule's references, borrowed */
    size_t num_refs;
} ta_diag;

/* A connection as the schema reads it.  Filled by the caller; the arena
 * holds texts made while reading (escaped and redacted strings). */
struct ta_view {
    const ta_conn *c;
    ta_derived *d;           /* not const: fingerprints are made on first use */
    ta_diag *diags;
    size_t num_diags;
    ta_arena *arena;
    ta_redactor *redactor;   /* NULL unless --redact */
    json_t *json;            /* tests: facts read from this JSON object instead */
    void *names;             /* redaction state of this connection (view.c) */
    bool nomem;              /* an allocation failed while reading */
};

/* ta_schema_conn is the root: the members of a connection object. */
extern const ta_fnode ta_schema_conn;

/* ta_view_cleanup frees what reading |v| kept outside its arena. */
void ta_view_cleanup(ta_view *v);

/* ta_view_init prepares |v| for connection |c| with derived facts |d|;
 * ta_view_init_json for facts given as a JSON object (tests, fuzzing). */
void ta_view_init(ta_view *v, const ta_conn *c, ta_derived *d, ta_arena *arena,
                  ta_redactor *redactor);
void ta_view_init_json(ta_view *v, json_t *facts, ta_arena *arena);

/* ta_view_get_json reads |node| from a view of facts given as JSON. */
void ta_view_get_json(const ta_view *v, const ta_fnode *node, const void *base, size_t idx,
                      ta_fval *out);

/* ta_view_get reads |node| (a member of the object |base|, or element
 * |idx| of the array |base|); the root's members take base NULL.  Inline:
 * every value written or tested comes through here. */
static inline void ta_view_get(const ta_view *v, const ta_fnode *node, const void *base,
                               size_t idx, ta_fval *out)
{
    if (v->json != NULL && (node->flags & TA_FN_OWN) == 0) {
        ta_view_get_json(v, node, base, idx, out);
        return;
    }
    node->get(v, node, base, idx, out);
}

/* ta_view_text returns the final text of string value |fv| of |node|:
 * escaped when it came from the capture, and with --redact the pseudonym
 * its class calls for (cached for the connection).  Sets *out_len.  Never
 * NULL: "" with v->nomem set when memory ran out. */
const char *ta_view_text(ta_view *v, const ta_fnode *node, const ta_fval *fv, size_t *out_len);

/* ta_view_redacts is true when strings of |node| are changed by the
 * view's redaction. */
bool ta_view_redacts(const ta_view *v, const ta_fnode *node);

/* ta_fnode_member returns the member |key| (|len| bytes) of object node
 * |obj|, or NULL. */
const ta_fnode *ta_fnode_member(const ta_fnode *obj, const char *key, size_t len);

/* A fact path resolved to nodes once ("alerts[].description" is the
 * member alerts of the connection taken at every index, then its member
 * description). */
#define TA_FPATH_MAX 8
#define TA_IDX_MEMBER ((size_t)-1)   /* a member, not an array index */
#define TA_IDX_ALL ((size_t)-2)      /* "[]": every element */

typedef struct {
    const ta_fnode *node;    /* an object's member */
    size_t index;            /* TA_IDX_MEMBER, TA_IDX_ALL, or N of "[N]" */
} ta_fstep;

typedef struct {
    ta_fstep step[TA_FPATH_MAX];
    size_t num;
    bool rule;               /* every node on the way is a rule fact */
} ta_fpath;

/* ta_fpath_parse resolves |text| against the connection's schema; 0 when
 * it names no fact. */
int ta_fpath_parse(ta_fpath *p, const char *text, size_t len);

/* ta_fpath_node returns the node of the values |p| names (an array's
 * element node when it ends in an index). */
const ta_fnode *ta_fpath_node(const ta_fpath *p);

/* Calls |fn| on every value |p| names in |v| (none when the path leads
 * nowhere), until it returns true; returns whether one did. */
typedef bool (*ta_fvisit)(ta_view *v, const ta_fnode *node, const ta_fval *val, void *arg);
bool ta_fpath_visit(ta_view *v, const ta_fpath *p, ta_fvisit fn, void *arg);

/* Walks every path of the schema under |root| ("client_hello.sni",
 * "alerts[].frame", ...), parents before members; |fn| gets the path, the
 * node and whether every node on the way is a rule fact. */
typedef void (*ta_schema_visit)(void *arg, const char *path, const ta_fnode *node, bool is_rule);
void ta_schema_walk(const ta_fnode *root, ta_schema_visit fn, void *arg);

/* ta_schema_print_json writes the JSON Schema of tlsanalyze's output
 * (draft 2020-12) to |out|; ta_schema_print_facts writes the Markdown
 * fact tables of rules/README.md section 5. */
void ta_schema_print_json(FILE *out);
void ta_schema_print_facts(FILE *out);

#endif
