/*
 * rules.c - loading diagnosis rules from YAML (see ta_rules.h and
 * rules/README.md).  libyaml's document API gives every node its position,
 * so each error names file:line:col.  Strict: unknown fields, facts and
 * operators are errors, with the closest known name suggested.
 */
#include "rules_int.h"

#include <dirent.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

/* Every fact a rule may name: the JSON contract of a connection plus the
 * derived facts (README "JSON output", rules/README.md "Facts"). */
static const char *const facts[] = {
    "id", "client", "server", "client_from", "first_frame", "last_frame", "start_time",
    "outcome", "warnings", "warnings[]",
    "client_hello", "client_hello.frame", "client_hello.count", "client_hello.sslv2",
    "client_hello.sni", "client_hello.max_version", "client_hello.legacy_version",
    "client_hello.supported_versions", "client_hello.supported_versions[]",
    "client_hello.cipher_suites", "client_hello.cipher_suites[]",
    "client_hello.cipher_suite_codes", "client_hello.cipher_suite_codes[]",
    "client_hello.alpn", "client_hello.alpn[]", "client_hello.extensions",
    "client_hello.extensions[]", "client_hello.supported_groups",
    "client_hello.supported_groups[]", "client_hello.signature_algorithms",
    "client_hello.signature_algorithms[]", "client_hello.key_share_groups",
    "client_hello.key_share_groups[]", "client_hello.psk", "client_hello.early_data",
    "client_hello.session_id_length", "client_hello.retry", "client_hello.truncated_lists",
    "server_hello", "server_hello.frame", "server_hello.version",
    "server_hello.legacy_version", "server_hello.cipher_suite",
    "server_hello.cipher_suite_code", "server_hello.hello_retry_request",
    "server_hello.hello_retry_request_frame", "server_hello.alpn", "server_hello.extensions",
    "server_hello.extensions[]", "server_hello.count",
    "certificate_request", "certificate_request.frame", "certificate_request.ca_names",
    "certificate_request.ca_name_list", "certificate_request.ca_name_list[]",
    "client_certificate", "client_certificate.frame", "client_certificate.certificates",
    "client_certificate.empty",
    "certificates", "certificates[]", "certificates[].frame", "certificates[].from",
    "certificates[].subject", "certificates[].issuer", "certificates[].cn",
    "certificates[].san", "certificates[].san[]", "certificates[].not_before",
    "certificates[].not_after", "certificates[].sha256", "certificates[].parse_error",
    "alerts", "alerts[]", "alerts[].frame", "alerts[].from", "alerts[].level",
    "alerts[].description", "alerts[].code", "alerts[].encrypted", "alerts[].inferred",
    "alerts[].decrypted", "alerts[].after_handshake", "alerts[].after_peer_close",
    "alerts[].record_length",
    "alert.record_length", "tcp_close", "tcp_close.client_fin", "tcp_close.client_rst",
    "tcp_close.server_fin", "tcp_close.server_rst",
    "decryption", "decryption.status", "decryption.keys_found", "decryption.records",
    "decryption.warning", "certificates[].decrypted",
    "alert", "alert.frame", "alert.from", "alert.receiver", "alert.level",
    "alert.description", "alert.encrypted", "alert.first_fatal", "alert.first_fatal.frame",
    "alert.first_fatal.from", "alert.first_fatal.receiver", "alert.first_fatal.level",
    "alert.first_fatal.description", "alert.first_fatal.encrypted",
    "handshake", "handshake.stage", "handshake.server_response_ms",
    "handshake.server_record_version", "handshake.server_sent_tls", "handshake.server_bytes",
    "handshake.client_bytes", "handshake.tls13", "handshake.client_quit_without_data",
    "overlap", "overlap.versions", "overlap.versions[]", "overlap.cipher_suites",
    "overlap.cipher_suites[]",
    "sni", "sni.present", "sni.is_ip_literal",
    "server_leaf", "server_leaf.frame", "server_leaf.subject", "server_leaf.issuer",
    "server_leaf.cn", "server_leaf.not_after", "server_leaf.expired",
    "server_leaf.not_yet_valid", "server_leaf.days_left", "server_leaf.self_signed",
    "server_leaf.is_ca", "server_leaf.parse_error",
    "client_leaf", "client_leaf.frame", "client_leaf.subject", "client_leaf.issuer",
    "client_leaf.cn", "client_leaf.not_after", "client_leaf.expired",
    "client_leaf.not_yet_valid", "client_leaf.days_left", "client_leaf.self_signed",
    "client_leaf.is_ca", "client_leaf.parse_error",
    "handshake.client_sent_tls", "handshake.closed_by", "handshake.close_frame",
    "handshake.client_protocol", "handshake.server_protocol",
    "server_leaf.not_before", "server_leaf.san", "server_leaf.san[]",
    "client_leaf.not_before", "client_leaf.san", "client_leaf.san[]",
    "rejected_leaf", "rejected_leaf.frame", "rejected_leaf.subject", "rejected_leaf.issuer",
    "rejected_leaf.cn", "rejected_leaf.not_before", "rejected_leaf.not_after",
    "rejected_leaf.san", "rejected_leaf.san[]", "rejected_leaf.expired",
    "rejected_leaf.not_yet_valid", "rejected_leaf.days_left", "rejected_leaf.self_signed",
    "rejected_leaf.is_ca", "rejected_leaf.parse_error",
};

/* The fields of a chain object (src/chain.c), under each chain fact. */
static const char *const chains[] = {"chain", "client_chain", "rejected_chain"};
static const char *const chain_fields[] = {
    "", ".from", ".length", ".leaf_parse_error", ".ordered", ".complete", ".missing_issuer",
    ".path_length", ".root_sent", ".duplicates", ".extra", ".extra[]", ".self_signed_leaf",
    ".hostname", ".hostname_match", ".hostname_checked", ".ca_leaf", ".policy", ".policy[]",
    ".key_type", ".key_bits", ".signature_algorithm", ".weak", ".weak[]", ".trust_store",
    ".trusted", ".verify_error", ".verify_depth", ".verify_subject", ".capture_time",
    ".expired", ".not_yet_valid", ".invalid_subject", ".invalid_not_before",
    ".invalid_not_after", ".days_left", ".expires_first", ".extracted", ".extracted.leaf",
    ".extracted.chain", ".extracted.verify_command", ".extract_error",
};

#define NUM_FACTS (sizeof(facts) / sizeof(facts[0]))

/* "alerts[3].frame" -> "alerts[].frame" into |out| (of |n| bytes). */
static void normalise(const char *path, char *out, size_t n)
{
    size_t o = 0;
    for (const char *p = path; *p != '\0' && o + 1 < n; p++) {
        out[o++] = *p;
        if (*p == '[') {
            while (p[1] >= '0' && p[1] <= '9') {
                p++;
            }
        }
    }
    out[o] = '\0';
}

bool ta_fact_known(const char *path)
{
    char norm[256];
    normalise(path, norm, sizeof(norm));
    for (size_t i = 0; i < NUM_FACTS; i++) {
        if (strcmp(facts[i], norm) == 0) {
            return true;
        }
    }
    for (size_t i = 0; i < sizeof(chains) / sizeof(chains[0]); i++) {
        size_t l = strlen(chains[i]);
        if (strncmp(norm, chains[i], l) != 0) {
            continue;
        }
        for (size_t k = 0; k < sizeof(chain_fields) / sizeof(chain_fields[0]); k++) {
            if (strcmp(norm + l, chain_fields[k]) == 0) {
                return true;
            }
        }
    }
    return false;
}

/* Levenshtein distance, for "did you mean". */
static size_t distance(const char *a, const char *b)
{
    size_t la = strlen(a);
    size_t lb = strlen(b);
    size_t row[257];
    if (la > 256 || lb > 256) {
        return (size_t)-1;
    }
    for (size_t j = 0; j <= lb; j++) {
        row[j] = j;
    }
    for (size_t i = 1; i <= la; i++) {
        size_t prev = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t cur = row[j];
            size_t best = prev + (a[i - 1] != b[j - 1]);
            best = row[j] + 1 < best ? row[j] + 1 : best;
            best = row[j - 1] + 1 < best ? row[j - 1] + 1 : best;
            row[j] = best;
            prev = cur;
        }
    }
    return row[lb];
}

static const char *closest(const char *word, const char *const *names, size_t n)
{
    const char *best = NULL;
    size_t best_d = (size_t)-1;
    for (size_t i = 0; i < n; i++) {
        size_t d = distance(word, names[i]);
        if (d < best_d) {
            best_d = d;
            best = names[i];
        }
    }
    return best_d <= 3 || (best != NULL && best_d <= strlen(word) / 3) ? best : NULL;
}

const char *ta_fact_suggest(const char *path)
{
    static char hint[64];   /* a chain fact is prefix + field: built here */
    char norm[256];
    normalise(path, norm, sizeof(norm));
    for (size_t i = 0; i < sizeof(chains) / sizeof(chains[0]); i++) {
        size_t l = strlen(chains[i]);
        if (strncmp(norm, chains[i], l) == 0 && norm[l] == '.') {
            const char *f = closest(norm + l, chain_fields,
                                    sizeof(chain_fields) / sizeof(chain_fields[0]));
            if (f == NULL) {
                return NULL;
            }
            snprintf(hint, sizeof(hint), "%s%s", chains[i], f);
            return hint;
        }
    }
    return closest(norm, facts, NUM_FACTS);
}

const char *ta_template_check(const char *t, char **bad)
{
    size_t depth = 0;    /* {?fact} / {!fact} blocks open */
    for (const char *p = t; *p != '\0'; p++) {
        if (p[0] == '{' && p[1] == '{') {
            p++;
            continue;
        }
        if (*p != '{') {
            continue;
        }
        const char *end = strchr(p, '}');
        if (end == NULL) {
            return "a '{' without its '}' (write '{{' for a literal brace)";
        }
        if (p[1] == '/' && end == p + 2) {
            if (depth == 0) {
                return "a '{/}' without its '{?fact}' or '{!fact}'";
            }
            depth--;
            p = end;
            continue;
        }
        const char *from = p + 1;
        if (*from == '?' || *from == '!') {
            depth++;
            from++;
        }
        const char *bar = from == p + 1 ? memchr(from, '|', (size_t)(end - from)) : NULL;
        char *path = strndup(from, (size_t)((bar != NULL ? bar : end) - from));
        if (path == NULL || !ta_fact_known(path)) {
            *bad = path;
            return "unknown fact";
        }
        free(path);
        p = end;
    }
    return depth == 0 ? NULL : "a '{?fact}' or '{!fact}' block without its '{/}'";
}

/* ---------------------------------------------------------------- loading */

typedef struct {
    yaml_document_t doc;
    const char *file;
    char *err;
    size_t err_len;
} loader;

static int fail(loader *L, const yaml_node_t *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(loader *L, const yaml_node_t *n, const char *fmt, ...)
{
    char msg[384];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    snprintf(L->err, L->err_len, "%s:%zu:%zu: %s", L->file,
             n != NULL ? n->start_mark.line + 1 : 1, n != NULL ? n->start_mark.column + 1 : 1,
             msg);
    return 0;
}

static yaml_node_t *node(loader *L, int id)
{
    return yaml_document_get_node(&L->doc, id);
}

static const char *scalar(const yaml_node_t *n)
{
    return n != NULL && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

/* A YAML scalar as JSON: plain true/false/null and numbers keep their
 * type; anything quoted is a string. */
static json_t *scalar_json(const yaml_node_t *n)
{
    const char *s = scalar(n);
    if (n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE) {
        return json_string(s);
    }
    if (strcmp(s, "true") == 0 || strcmp(s, "false") == 0) {
        return json_boolean(s[0] == 't');
    }
    if (strcmp(s, "null") == 0 || strcmp(s, "~") == 0) {
        return json_null();
    }
    char *end;
    long long v = strtoll(s, &end, 10);
    if (*s != '\0' && *end == '\0') {
        return json_integer(v);
    }
    /* Decimal reals only: "0x1302", "inf" and "nan" stay text. */
    if (*s != '\0' && strspn(s, "0123456789.eE+-") == strlen(s)) {
        double d = strtod(s, &end);
        if (*end == '\0') {
            return json_real(d);
        }
    }
    return json_string(s);
}

static int need_scalar(loader *L, const yaml_node_t *n, const char *what, char **out)
{
    const char *s = scalar(n);
    if (s == NULL) {
        return fail(L, n, "%s must be a text value", what);
    }
    *out = strdup(s);
    return *out != NULL;
}

static int need_template(loader *L, const yaml_node_t *n, const char *what, char **out)
{
    char *bad = NULL;
    if (!need_scalar(L, n, what, out)) {
        return 0;
    }
    const char *why = ta_template_check(*out, &bad);
    if (why != NULL) {
        const char *hint = bad != NULL ? ta_fact_suggest(bad) : NULL;
        fail(L, n, "%s: %s%s%s%s%s%s%s", what, why, bad != NULL ? " \"" : "",
             bad != NULL ? bad : "", bad != NULL ? "\"" : "",
             hint != NULL ? " (did you mean \"" : "", hint != NULL ? hint : "",
             hint != NULL ? "\"?)" : "");
        free(bad);
        return 0;
    }
    return 1;
}

/* A list of text values (a single value is a list of one). */
static int need_list(loader *L, const yaml_node_t *n, const char *what, char ***out,
                     size_t *num)
{
    if (n->type == YAML_SCALAR_NODE) {
        *out = calloc(1, sizeof(char *));
        *num = *out != NULL;
        return *out != NULL && need_scalar(L, n, what, &(*out)[0]);
    }
    if (n->type != YAML_SEQUENCE_NODE) {
        return fail(L, n, "%s must be a list", what);
    }
    size_t k = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
    *out = calloc(k > 0 ? k : 1, sizeof(char *));
    if (*out == NULL) {
        return 0;
    }
    for (size_t i = 0; i < k; i++) {
        if (!need_scalar(L, node(L, n->data.sequence.items.start[i]), what, &(*out)[i])) {
            return 0;
        }
        (*num)++;
    }
    return 1;
}

/* ---------------------------------------------------------------- conditions */

static const struct {
    const char *name;
    op_kind op;
} ops[] = {
    {"==", OP_EQ}, {"!=", OP_NE}, {"<", OP_LT}, {">", OP_GT}, {"<=", OP_LE}, {">=", OP_GE},
    {"in", OP_IN}, {"exists", OP_EXISTS}, {"absent", OP_ABSENT}, {"matches", OP_MATCHES},
};

#define NUM_OPS (sizeof(ops) / sizeof(ops[0]))

static cond *parse_cond(loader *L, yaml_node_t *n, int depth);

static void cond_free(cond *c)
{
    if (c == NULL) {
        return;
    }
    for (size_t i = 0; i < c->num_kids; i++) {
        cond_free(c->kids[i]);
    }
    free(c->kids);
    free(c->path);
    json_decref(c->operand);
    if (c->has_re) {
        regfree(&c->re);
    }
    free(c);
}

static int parse_operand(loader *L, cond *c, yaml_node_t *v)
{
    if (c->op == OP_IN) {
        if (v->type != YAML_SEQUENCE_NODE) {
            return fail(L, v, "\"in\" needs a list of values");
        }
        c->operand = json_array();
        for (yaml_node_item_t *i = v->data.sequence.items.start; i < v->data.sequence.items.top;
             i++) {
            yaml_node_t *e = node(L, *i);
            if (e->type != YAML_SCALAR_NODE) {
                return fail(L, e, "\"in\" takes plain values");
            }
            json_array_append_new(c->operand, scalar_json(e));
        }
        return 1;
    }
    if (v->type != YAML_SCALAR_NODE) {
        return fail(L, v, "the value to compare with must be a single value");
    }
    c->operand = scalar_json(v);
    if ((c->op == OP_EXISTS || c->op == OP_ABSENT) && !json_is_boolean(c->operand)) {
        return fail(L, v, "\"%s\" takes true or false", c->op == OP_EXISTS ? "exists" : "absent");
    }
    if (c->op == OP_MATCHES) {
        if (!json_is_string(c->operand) ||
            regcomp(&c->re, json_string_value(c->operand), REG_EXTENDED | REG_NOSUB) != 0) {
            return fail(L, v, "\"matches\" needs a valid extended regular expression");
        }
        c->has_re = true;
    }
    return 1;
}

/* fact: {op: value, ...} - several operators must all hold. */
static cond *parse_pred(loader *L, yaml_node_t *key, yaml_node_t *val)
{
    const char *path = scalar(key);
    if (!ta_fact_known(path)) {
        const char *hint = ta_fact_suggest(path);
        if (hint != NULL) {
            fail(L, key, "unknown fact \"%s\" (did you mean \"%s\"?)", path, hint);
        } else {
            fail(L, key, "unknown fact \"%s\" (rules/README.md lists the facts)", path);
        }
        return NULL;
    }
    if (val->type != YAML_MAPPING_NODE ||
        val->data.mapping.pairs.start == val->data.mapping.pairs.top) {
        fail(L, val, "a test on \"%s\" is a mapping of operator to value, e.g. {==: x}", path);
        return NULL;
    }
    cond *all = calloc(1, sizeof(*all));
    size_t n = (size_t)(val->data.mapping.pairs.top - val->data.mapping.pairs.start);
    if (all == NULL || (all->kids = calloc(n, sizeof(cond *))) == NULL) {
        free(all);
        return NULL;
    }
    all->kind = C_ALL;
    for (yaml_node_pair_t *p = val->data.mapping.pairs.start; p < val->data.mapping.pairs.top;
         p++) {
        yaml_node_t *k = node(L, p->key);
        const char *name = scalar(k);
        size_t o = 0;
        if (k->tag != NULL && strncmp((const char *)k->tag, "tag:yaml.org,2002:", 18) != 0) {
            fail(L, k, "write the operator in quotes: YAML reads an unquoted ! as a tag "
                 "(use \"!=\")");
            cond_free(all);
            return NULL;
        }
        while (o < NUM_OPS && (name == NULL || strcmp(ops[o].name, name) != 0)) {
            o++;
        }
        if (o == NUM_OPS) {
            fail(L, k, "unknown operator \"%s\" (use ==, !=, <, >, <=, >=, in, exists, absent "
                 "or matches)", name != NULL ? name : "?");
            cond_free(all);
            return NULL;
        }
        cond *c = calloc(1, sizeof(*c));
        all->kids[all->num_kids++] = c;
        if (c == NULL || (c->path = strdup(path)) == NULL) {
            cond_free(all);
            return NULL;
        }
        c->kind = C_PRED;
        c->op = ops[o].op;
        if (!parse_operand(L, c, node(L, p->value))) {
            cond_free(all);
            return NULL;
        }
    }
    return all;
}

static cond *parse_group(loader *L, cond_kind kind, yaml_node_t *val, int depth)
{
    cond *g = calloc(1, sizeof(*g));
    if (g == NULL) {
        return NULL;
    }
    g->kind = kind;
    if (kind == C_NOT) {
        g->kids = calloc(1, sizeof(cond *));
        if (g->kids == NULL || (g->kids[0] = parse_cond(L, val, depth + 1)) == NULL) {
            cond_free(g);
            return NULL;
        }
        g->num_kids = 1;
        return g;
    }
    if (val->type != YAML_SEQUENCE_NODE ||
        val->data.sequence.items.start == val->data.sequence.items.top) {
        fail(L, val, "\"%s\" needs a non-empty list of conditions", kind == C_ALL ? "all" : "any");
        cond_free(g);
        return NULL;
    }
    size_t n = (size_t)(val->data.sequence.items.top - val->data.sequence.items.start);
    g->kids = calloc(n, sizeof(cond *));
    for (size_t i = 0; g->kids != NULL && i < n; i++) {
        g->kids[i] = parse_cond(L, node(L, val->data.sequence.items.start[i]), depth + 1);
        if (g->kids[i] == NULL) {
            cond_free(g);
            return NULL;
        }
        g->num_kids++;
    }
    return g;
}

/* A condition: {all: [...]}, {any: [...]}, {not: cond} or {fact: {op: v}}. */
static cond *parse_cond(loader *L, yaml_node_t *n, int depth)
{
    if (depth > 32) {
        fail(L, n, "conditions nested more than 32 deep");
        return NULL;
    }
    if (n->type != YAML_MAPPING_NODE ||
        n->data.mapping.pairs.top - n->data.mapping.pairs.start != 1) {
        fail(L, n, "a condition is a mapping with one key: all, any, not, or a fact");
        return NULL;
    }
    yaml_node_pair_t *p = n->data.mapping.pairs.start;
    yaml_node_t *key = node(L, p->key);
    yaml_node_t *val = node(L, p->value);
    const char *k = scalar(key);
    if (k == NULL) {
        fail(L, key, "a condition's key must be all, any, not, or a fact");
        return NULL;
    }
    if (strcmp(k, "all") == 0 || strcmp(k, "any") == 0) {
        return parse_group(L, k[1] == 'l' ? C_ALL : C_ANY, val, depth);
    }
    if (strcmp(k, "not") == 0) {
        return parse_group(L, C_NOT, val, depth);
    }
    return parse_pred(L, key, val);
}

/* ---------------------------------------------------------------- rules */

static const char *const rule_keys[] = {
    "id", "severity", "title", "when", "summary", "remediation", "evidence", "fault",
    "fixes_by", "references", "suppresses",
};

#define NUM_RULE_KEYS (sizeof(rule_keys) / sizeof(rule_keys[0]))

void ta_rule_cleanup(rule *r)
{
    free(r->id);
    free(r->title);
    cond_free(r->when);
    free(r->summary);
    for (size_t i = 0; i < r->num_profiles; i++) {
        free(r->profile_names[i]);
        free(r->remediation[i]);
    }
    free(r->fault);
    free(r->fixes_by);
    for (size_t i = 0; i < r->num_references; i++) {
        free(r->references[i]);
    }
    free(r->references);
    for (size_t i = 0; i < r->num_suppresses; i++) {
        free(r->suppresses[i]);
    }
    free(r->suppresses);
    for (size_t i = 0; i < r->num_evidence; i++) {
        free(r->evidence[i].frame);
        free(r->evidence[i].fact);
    }
    free(r->evidence);
    free(r->file);
    memset(r, 0, sizeof(*r));
}

/* remediation: a text for every profile, or {generic: ..., apigee: ...}. */
static int parse_remediation(loader *L, rule *r, yaml_node_t *v)
{
    if (v->type == YAML_SCALAR_NODE) {
        r->profile_names[0] = strdup("generic");
        r->num_profiles = 1;
        return r->profile_names[0] != NULL &&
               need_template(L, v, "remediation", &r->remediation[0]);
    }
    if (v->type != YAML_MAPPING_NODE) {
        return fail(L, v, "remediation is a text, or a mapping of profile to text");
    }
    for (yaml_node_pair_t *p = v->data.mapping.pairs.start; p < v->data.mapping.pairs.top; p++) {
        yaml_node_t *k = node(L, p->key);
        if (r->num_profiles >= TA_MAX_PROFILES) {
            return fail(L, k, "at most %d profiles", TA_MAX_PROFILES);
        }
        const char *pname = scalar(k);
        if (pname == NULL || (strcmp(pname, "generic") != 0 && strcmp(pname, "apigee") != 0)) {
            return fail(L, k, "unknown profile \"%s\" (generic or apigee)",
                        pname != NULL ? pname : "?");
        }
        size_t i = r->num_profiles++;
        if (!need_scalar(L, k, "profile name", &r->profile_names[i]) ||
            !need_template(L, node(L, p->value), "remediation", &r->remediation[i])) {
            return 0;
        }
    }
    return 1;
}

/* evidence: [{frame: fact-path, fact: template}, ...] */
static int parse_evidence(loader *L, rule *r, yaml_node_t *v)
{
    if (v->type != YAML_SEQUENCE_NODE) {
        return fail(L, v, "evidence is a list of {frame: FACT, fact: TEXT}");
    }
    size_t n = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
    r->evidence = calloc(n > 0 ? n : 1, sizeof(evidence));
    if (r->evidence == NULL) {
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        yaml_node_t *e = node(L, v->data.sequence.items.start[i]);
        evidence *ev = &r->evidence[r->num_evidence++];
        if (e->type != YAML_MAPPING_NODE) {
            return fail(L, e, "an evidence item is {frame: FACT, fact: TEXT}");
        }
        for (yaml_node_pair_t *p = e->data.mapping.pairs.start; p < e->data.mapping.pairs.top;
             p++) {
            yaml_node_t *k = node(L, p->key);
            yaml_node_t *val = node(L, p->value);
            const char *name = scalar(k) != NULL ? scalar(k) : "?";
            if (strcmp(name, "frame") == 0) {
                if (!need_scalar(L, val, "frame", &ev->frame)) {
                    return 0;
                }
                if (!ta_fact_known(ev->frame)) {
                    const char *hint = ta_fact_suggest(ev->frame);
                    return fail(L, val, "unknown fact \"%s\"%s%s%s", ev->frame,
                                hint != NULL ? " (did you mean \"" : "", hint != NULL ? hint : "",
                                hint != NULL ? "\"?)" : "");
                }
            } else if (strcmp(name, "fact") == 0) {
                if (!need_template(L, val, "fact", &ev->fact)) {
                    return 0;
                }
            } else {
                return fail(L, k, "unknown field \"%s\" in evidence (frame, fact)", name);
            }
        }
        if (ev->frame == NULL || ev->fact == NULL) {
            return fail(L, e, "an evidence item needs both frame and fact");
        }
    }
    return 1;
}

static int parse_field(loader *L, rule *r, const char *k, yaml_node_t *key, yaml_node_t *v)
{
    if (strcmp(k, "id") == 0) {
        return need_scalar(L, v, "id", &r->id);
    } else if (strcmp(k, "severity") == 0) {
        const char *s = scalar(v);
        if (s == NULL || !ta_severity_parse(s, &r->severity)) {
            return fail(L, v, "severity must be error, warning or info");
        }
        return 1;
    } else if (strcmp(k, "title") == 0) {
        return need_template(L, v, "title", &r->title);
    } else if (strcmp(k, "when") == 0) {
        r->when = parse_cond(L, v, 0);
        return r->when != NULL;
    } else if (strcmp(k, "summary") == 0) {
        return need_template(L, v, "summary", &r->summary);
    } else if (strcmp(k, "remediation") == 0) {
        return parse_remediation(L, r, v);
    } else if (strcmp(k, "evidence") == 0) {
        return parse_evidence(L, r, v);
    } else if (strcmp(k, "fault") == 0) {
        if (!need_template(L, v, "fault", &r->fault)) {
            return 0;
        }
        if (strchr(r->fault, '{') == NULL && strcmp(r->fault, "client") != 0 &&
            strcmp(r->fault, "server") != 0 && strcmp(r->fault, "middlebox") != 0 &&
            strcmp(r->fault, "unknown") != 0) {
            return fail(L, v, "fault must be client, server, middlebox, unknown or a {fact}");
        }
        return 1;
    } else if (strcmp(k, "fixes_by") == 0) {
        return need_template(L, v, "fixes_by", &r->fixes_by);
    } else if (strcmp(k, "references") == 0) {
        return need_list(L, v, "references", &r->references, &r->num_references);
    } else if (strcmp(k, "suppresses") == 0) {
        return need_list(L, v, "suppresses", &r->suppresses, &r->num_suppresses);
    }
    const char *hint = closest(k, rule_keys, NUM_RULE_KEYS);
    if (hint != NULL) {
        return fail(L, key, "unknown field \"%s\" (did you mean \"%s\"?)", k, hint);
    }
    return fail(L, key, "unknown field \"%s\"", k);
}

static int parse_rule(loader *L, rule *r, yaml_node_t *n)
{
    static const char *const required[] = {"id", "severity", "title", "when", "summary"};
    if (n->type != YAML_MAPPING_NODE) {
        return fail(L, n, "a rule is a mapping (id, severity, title, when, summary, ...)");
    }
    r->line = (int)n->start_mark.line + 1;
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        yaml_node_t *key = node(L, p->key);
        const char *k = scalar(key);
        if (k == NULL) {
            return fail(L, key, "a rule's keys are names");
        }
        for (yaml_node_pair_t *q = n->data.mapping.pairs.start; q < p; q++) {
            const char *earlier = scalar(node(L, q->key));
            if (earlier != NULL && strcmp(earlier, k) == 0) {
                return fail(L, key, "field \"%s\" is given twice", k);
            }
        }
        if (!parse_field(L, r, k, key, node(L, p->value))) {
            return 0;
        }
    }
    bool sev = false;
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        sev = sev || strcmp(scalar(node(L, p->key)), "severity") == 0;
    }
    const bool have[] = {r->id != NULL, sev, r->title != NULL, r->when != NULL,
                         r->summary != NULL};
    for (size_t i = 0; i < sizeof(have) / sizeof(have[0]); i++) {
        if (!have[i]) {
            return fail(L, n, "the rule%s%s has no \"%s\"", r->id != NULL ? " " : "",
                        r->id != NULL ? r->id : "", required[i]);
        }
    }
    if (r->fault == NULL) {
        r->fault = strdup("unknown");
    }
    return 1;
}

/* Adds |r| (taking ownership), replacing a rule with the same id. */
static int add_rule(ta_rules *set, rule *r)
{
    for (size_t i = 0; i < set->num; i++) {
        if (strcmp(set->v[i].id, r->id) == 0) {
            ta_rule_cleanup(&set->v[i]);
            set->v[i] = *r;
            return 1;
        }
    }
    rule *grown = realloc(set->v, (set->num + 1) * sizeof(*grown));
    if (grown == NULL) {
        return 0;
    }
    set->v = grown;
    set->v[set->num++] = *r;
    return 1;
}

/* The id of an already parsed rule node, or NULL. */
static const char *id_of(loader *L, yaml_node_t *n)
{
    if (n->type != YAML_MAPPING_NODE) {
        return NULL;
    }
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        const char *k = scalar(node(L, p->key));
        if (k != NULL && strcmp(k, "id") == 0) {
            return scalar(node(L, p->value));
        }
    }
    return NULL;
}

/* A file holds one rule (a mapping) or several (a list of mappings). */
static int load_document(loader *L, ta_rules *set)
{
    yaml_node_t *root = yaml_document_get_root_node(&L->doc);
    if (root == NULL) {
        return fail(L, NULL, "the file holds no rule");
    }
    yaml_node_item_t one = 1;
    yaml_node_item_t *start = &one;
    yaml_node_item_t *top = &one + 1;
    if (root->type == YAML_SEQUENCE_NODE) {
        start = root->data.sequence.items.start;
        top = root->data.sequence.items.top;
    } else {
        one = (yaml_node_item_t)(root - L->doc.nodes.start) + 1;
    }
    for (yaml_node_item_t *i = start; i < top; i++) {
        rule r;
        memset(&r, 0, sizeof(r));
        if (!parse_rule(L, &r, node(L, *i)) || (r.file = strdup(L->file)) == NULL) {
            ta_rule_cleanup(&r);
            return 0;
        }
        /* The same id twice in one file is a mistake; across files it is
         * an override. */
        for (yaml_node_item_t *k = start; k < i; k++) {
            const char *other = id_of(L, node(L, *k));
            if (other != NULL && strcmp(other, r.id) == 0) {
                fail(L, node(L, *i), "rule id \"%s\" is used twice in this file", r.id);
                ta_rule_cleanup(&r);
                return 0;
            }
        }
        if (!add_rule(set, &r)) {
            ta_rule_cleanup(&r);
            return fail(L, NULL, "out of memory");
        }
    }
    return 1;
}

int ta_rules_load_file(ta_rules *set, const char *path, char *err, size_t err_len)
{
    yaml_parser_t parser;
    loader L;
    int ok = 0;
    FILE *f = fopen(path, "rb");

    memset(&L, 0, sizeof(L));
    L.file = path;
    L.err = err;
    L.err_len = err_len;
    if (f == NULL) {
        snprintf(err, err_len, "%s: cannot open rule file", path);
        return 0;
    }
    if (!yaml_parser_initialize(&parser)) {
        fclose(f);
        snprintf(err, err_len, "%s: out of memory", path);
        return 0;
    }
    yaml_parser_set_input_file(&parser, f);
    if (!yaml_parser_load(&parser, &L.doc)) {
        snprintf(err, err_len, "%s:%zu:%zu: YAML syntax error: %s", path,
                 parser.problem_mark.line + 1, parser.problem_mark.column + 1,
                 parser.problem != NULL ? parser.problem : "unreadable");
    } else {
        ok = load_document(&L, set);
        yaml_document_delete(&L.doc);
    }
    yaml_parser_delete(&parser);
    fclose(f);
    return ok;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int ta_rules_load_dir(ta_rules *set, const char *dir, char *err, size_t err_len)
{
    DIR *d = opendir(dir);
    char **names = NULL;
    size_t num = 0;
    int ok = 1;
    struct dirent *e;

    if (d == NULL) {
        snprintf(err, err_len, "%s: cannot open rules directory", dir);
        return 0;
    }
    while ((e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        if (e->d_name[0] == '.' || !((n > 5 && strcmp(e->d_name + n - 5, ".yaml") == 0) ||
                                     (n > 4 && strcmp(e->d_name + n - 4, ".yml") == 0))) {
            continue;
        }
        char **grown = realloc(names, (num + 1) * sizeof(*names));
        if (grown == NULL) {
            ok = 0;
            break;
        }
        names = grown;
        names[num] = malloc(strlen(dir) + n + 2);
        if (names[num] == NULL) {
            ok = 0;
            break;
        }
        sprintf(names[num++], "%s/%s", dir, e->d_name);
    }
    closedir(d);
    if (num > 1) {
        qsort(names, num, sizeof(*names), by_name);
    }
    for (size_t i = 0; i < num; i++) {
        if (ok && !ta_rules_load_file(set, names[i], err, err_len)) {
            ok = 0;
        }
        free(names[i]);
    }
    free(names);
    return ok;
}

ta_rules *ta_rules_new(void)
{
    return calloc(1, sizeof(ta_rules));
}

void ta_rules_free(ta_rules *set)
{
    if (set == NULL) {
        return;
    }
    for (size_t i = 0; i < set->num; i++) {
        ta_rule_cleanup(&set->v[i]);
    }
    free(set->v);
    free(set);
}

size_t ta_rules_count(const ta_rules *set)
{
    return set->num;
}

int ta_severity_parse(const char *s, ta_severity *out)
{
    static const char *const names[] = {"error", "warning", "info"};
    for (int i = 0; i < 3; i++) {
        if (strcmp(s, names[i]) == 0) {
            *out = (ta_severity)i;
            return 1;
        }
    }
    return 0;
}

const char *ta_severity_name(ta_severity s)
{
    switch (s) {
    case TA_SEV_ERROR:
        return "error";
    case TA_SEV_WARNING:
        return "warning";
    case TA_SEV_INFO:
    default:
        return "info";
    }
}
