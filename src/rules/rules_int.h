/* rules_int.h - the rule structures shared by rules.c (loading and
 * compiling) and ruleeval.c (evaluation).  Private to those two files.
 *
 * Rules are compiled when they are loaded: every fact path is resolved to
 * schema nodes (ta_schema.h), every operand gets its type (and a string
 * its version rank), every template is cut into segments.  Evaluating a
 * rule then allocates nothing and parses nothing. */
#ifndef TA_RULES_INT_H
#define TA_RULES_INT_H

#include <regex.h>
#include <stdbool.h>

#include "ta_rules.h"
#include "ta_schema.h"

typedef enum { C_ALL, C_ANY, C_NOT, C_PRED } cond_kind;

typedef enum {
    OP_EQ, OP_NE, OP_LT, OP_GT, OP_LE, OP_GE, OP_IN, OP_EXISTS, OP_ABSENT, OP_MATCHES
} op_kind;

/* A value written in a rule. */
typedef enum { V_NULL, V_BOOL, V_NUM, V_STR, V_OTHER } value_kind;

typedef struct {
    value_kind kind;
    bool b;
    double num;
    char *s;                  /* V_STR, owned */
    size_t len;
    double rank;              /* V_STR: its version rank, -1 when it is no version */
} value;

/* The last texts a "matches" was asked about, and the answers: a capture
 * repeats its few cipher suites and names, and regexec costs far more
 * than a compare.  Mutable behind a const cond: evaluation is
 * single-threaded (-j runs processes). */
#define RE_MEMO_SLOTS 8

typedef struct {
    struct {
        char text[64];
        size_t len;
        bool valid;
        bool result;
    } slot[RE_MEMO_SLOTS];
    size_t next;              /* the slot the next new text replaces */
} re_memo;

typedef struct cond cond;
struct cond {
    cond_kind kind;
    cond **kids;              /* all / any / not */
    size_t num_kids;
    char *path_text;          /* predicate: the path as written (--explain) */
    ta_fpath path;
    op_kind op;
    value operand;            /* ==, !=, <, ..., exists, absent, matches */
    value *list;              /* in */
    size_t num_list;
    char *shown;              /* the operand as JSON text (--explain) */
    regex_t re;
    bool has_re;
    re_memo *memo;            /* matches: owned */
    size_t pred_id;           /* predicate: the same for the same test in every rule */
    size_t path_id;           /* predicate on a path without [..]: the same for the same
                                 path in every rule; NO_PATH_ID for the others */
};

#define NO_PATH_ID ((size_t)-1)
#define NO_SLOT UINT32_MAX

/* A condition as evaluated: the tree of conds flattened in preorder into
 * one array for the whole set, each node with the index just past its
 * subtree.  Small and contiguous, where the conds (paths, operands,
 * expressions) are large and scattered, so cold again by the next
 * connection: evaluation walks these and touches a cond only to work out
 * a predicate not answered yet for the connection. */
typedef struct {
    const cond *c;
    uint32_t end;             /* index past this node's subtree */
    uint32_t pred;            /* C_PRED: its pred_id */
    uint8_t kind;             /* cond_kind */
} pnode;

/* A template cut into segments: text, {fact}, {fact|fallback}, {?fact},
 * {!fact} and {/}. */
typedef enum { SEG_TEXT, SEG_VALUE, SEG_IF, SEG_UNLESS, SEG_END } seg_kind;

typedef struct {
    seg_kind kind;
    const char *text;         /* SEG_TEXT: the text; SEG_VALUE: the fallback (NULL: unknown) */
    size_t len;
    ta_fpath path;
} segment;

typedef struct {
    char *src;                /* as written, owned; the segments' texts point into |lit| */
    char *lit;                /* literal texts, braces unescaped, owned */
    segment *seg;
    size_t num;
} template;

typedef struct {
    ta_fpath frame;           /* the fact whose value is the frame to cite */
    char *frame_text;
    template fact;
} evidence;

#define TA_MAX_PROFILES 4

/* Sides of an Apigee connection, for the remediation chosen by them. */
#define TA_SIDE_NORTH 0
#define TA_SIDE_SOUTH 1

/* One profile's remediation: a text for both sides (|both|), or one per
 * side (|side|, src NULL where it has none: apigee-x then says apigee's). */
typedef struct {
    char *name;               /* generic, apigee, apigee-x */
    template both;
    template side[2];         /* by TA_SIDE_* */
} remedy;

typedef struct {
    char *id;
    ta_severity severity;
    template title;
    cond *when;
    size_t prog;              /* |when| flattened: its first node in ta_rules.prog */
    template summary;
    remedy remediation[TA_MAX_PROFILES];
    size_t num_profiles;
    template fault;           /* client | server | middlebox | unknown, or a template */
    template fixes_by;        /* src NULL when the rule has none */
    char **references;
    size_t num_references;
    char **suppresses;
    size_t num_suppresses;
    evidence *evidence;
    size_t num_evidence;
    char *file;
    int line;
} rule;

struct ta_rules {
    rule *v;
    size_t num;
    /* Every distinct predicate (path, operator, operand) of the rules,
     * numbered: many rules ask "outcome == alert" of a connection, whose
     * answer is worked out once and remembered for it (ruleeval.c). */
    char **pred_keys;
    size_t num_preds;
    /* Every distinct path without [..] the predicates test, numbered, and
     * for those that several distinct predicates test ("outcome": eleven)
     * a slot, where the connection's value is kept once read (ruleeval.c);
     * NO_SLOT for the others. */
    char **path_keys;
    uint32_t *path_slot;
    size_t num_paths;
    size_t num_slots;
    pnode *prog;              /* every rule's condition, flattened (see pnode) */
    size_t num_prog;
    ta_fpath side;            /* apigee.direction, resolved once (remedy.c) */
    ta_intercept_list intercept;   /* data/interception-products.yaml of each directory */
};

void ta_rule_cleanup(rule *r);

/* ta_rules_index numbers the predicates of |r|'s condition in |set| and
 * appends its flattened form to set->prog (see pnode); 0 on out of
 * memory. */
int ta_rules_index(ta_rules *set, rule *r);

/* ta_fact_resolve resolves a rule fact path into |out|; 0 when the path
 * names no rule fact.  ta_fact_suggest writes the closest rule fact into
 * |hint| (|n| bytes), or returns 0 when none is close. */
int ta_fact_resolve(ta_fpath *out, const char *path, size_t len);
int ta_fact_suggest(const char *path, char *hint, size_t n);

/* ta_template_compile cuts |t| into |out|'s segments; NULL when every
 * {fact} is known, else a static message (with *bad set to the offending
 * path, caller frees). */
const char *ta_template_compile(template *out, const char *t, char **bad);
void ta_template_cleanup(template *t);

/* ta_rules_closest returns the name of |names| closest to |word| when it
 * is close enough to suggest, else NULL. */
const char *ta_rules_closest(const char *word, const char *const *names, size_t n);

/* ta_remedy_init resolves set->side, the fact that says a connection's
 * side of the gateway; 0 when the schema has no such fact. */
int ta_remedy_init(ta_rules *set);

/* ta_remedy_pick sets |out| to the remediation texts of |r| (a rule of
 * |set|) for |profile| on the side of the connection of |v| (read only
 * when the sides' texts differ) and returns how many: 0 (none), 1, or 2
 * when the side is not known and the two sides differ (northbound first). */
size_t ta_remedy_pick(const ta_rules *set, const rule *r, const char *profile, ta_view *v,
                      const template *out[2]);

/* ta_rule_operand types a rule's value |s| (a YAML scalar, |plain| when
 * not quoted): plain true/false/null and numbers keep their type, anything
 * quoted is a string; |shown| gets it as JSON text (for --explain, caller
 * frees).  0 on out of memory. */
int ta_rule_operand(const char *s, bool plain, value *out, char **shown);

/* ta_version_rank of a version name ("TLS 1.2"), -1 for other text. */
double ta_rule_version_rank(const char *s, size_t len);

#endif
