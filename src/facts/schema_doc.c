/*
 * schema_doc.c - the schema printed for readers (see ta_schema.h): the JSON
 * Schema of tlsanalyze's output (docs/tlsanalyze.schema.json) and the fact
 * tables of rules/README.md section 5.  Both come from the same node tree
 * the writer and the rules read; a test compares the checked-in files with
 * what this prints.
 *
 * The capture summary and the total are built once per capture by main.c;
 * their members are declared here, for the JSON Schema only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema_int.h"

#define F_MAP 0x80 /* an object whose members are names (any), values of kids[0] */

/* ---- the capture summary and the total (described, not read) ---------- */

static const ta_fnode count_elem[1] = {TA_ELEM(TA_FT_INT, 0, TA_RC_NONE, "a count", NULL)};
static const ta_fnode text_elem[1] = {TA_ELEM(TA_FT_STRING, 0, TA_RC_TEXT, "a text", NULL)};

static const ta_fnode skipped[] = {
    TA_LEAF("not_ip", TA_FT_INT, 0, TA_RC_NONE, "frames without IP (ARP, LLDP, ...)", NULL),
    TA_LEAF("not_tcp", TA_FT_INT, 0, TA_RC_NONE, "IP without TCP", NULL),
    TA_LEAF("fragment", TA_FT_INT, 0, TA_RC_NONE, "IP fragments", NULL),
    TA_LEAF("truncated", TA_FT_INT, 0, TA_RC_NONE, "headers cut by the snapshot length", NULL),
    TA_LEAF("malformed", TA_FT_INT, 0, TA_RC_NONE, "headers that contradict themselves", NULL),
    TA_LEAF("unsupported_link", TA_FT_INT, 0, TA_RC_NONE, "link types not decoded", NULL),
    TA_LEAF("filtered", TA_FT_INT, 0, TA_RC_NONE, "left out by -f or --server", NULL),
    TA_LEAF("outside_time_window", TA_FT_INT, 0, TA_RC_NONE, "left out by --since/--until", NULL),
};

static const ta_fnode top_members[] = {
    TA_LEAF("name", TA_FT_STRING, 0, TA_RC_TEXT, "the SNI or the server", NULL),
    TA_LEAF("failures", TA_FT_INT, 0, TA_RC_NONE, "connections with an error root cause", NULL),
};
static const ta_fnode top_elem[1] = {TA_ELEM_OBJECT(0, "a name", NULL, top_members)};
static const ta_fnode fp_members[] = {
    TA_LEAF("name", TA_FT_STRING, 0, TA_RC_NONE,
            "the client's JA4 (client_hello.ja4); \"(none)\" without one, \"(other)\" past the "
            "table's cap",
            NULL),
    TA_LEAF("failures", TA_FT_INT, 0, TA_RC_NONE, "connections with an error root cause", NULL),
    TA_OBJECT("rules", F_MAP, "their root causes: rule id to connections", NULL, count_elem),
};
static const ta_fnode fp_elem[1] = {TA_ELEM_OBJECT(0, "a client fingerprint", NULL, fp_members)};

static const ta_fnode input_members[] = {
    TA_LEAF("file", TA_FT_STRING, 0, TA_RC_FILE, "the file", NULL),
    TA_LEAF("sha256", TA_FT_STRING, TA_FN_NULL, TA_RC_NONE,
            "SHA-256 of the file on disk; null when it could not be hashed", NULL),
    TA_LEAF("note", TA_FT_STRING, TA_FN_NULL, TA_RC_TEXT, "why it was not hashed; null", NULL),
};
static const ta_fnode input_elem[1] = {TA_ELEM_OBJECT(0, "an input file", NULL, input_members)};

#define ROLLUP_MEMBERS                                                                             \
    TA_LEAF("tcp_connections", TA_FT_INT, 0, TA_RC_NONE, "TCP connections", NULL),                 \
        TA_LEAF("quic_connections", TA_FT_INT, 0, TA_RC_NONE, "QUIC connections", NULL),           \
        TA_LEAF("tls_connections", TA_FT_INT, 0, TA_RC_NONE,                                       \
                "connections with TLS, over TCP or QUIC", NULL),                                   \
        TA_LEAF("completed", TA_FT_INT, 0, TA_RC_NONE, "handshakes completed", NULL),              \
        TA_LEAF("diagnosed_errors", TA_FT_INT, 0, TA_RC_NONE,                                      \
                "connections with an error-severity root cause", NULL),                            \
        TA_OBJECT("failed_by_rule", F_MAP, "root causes: rule id to connections", NULL,         \
                  count_elem),                                                                     \
        TA_OBJECT("versions", F_MAP, "versions of completed handshakes", NULL, count_elem),        \
        TA_OBJECT("cipher_suites", F_MAP, "suites of completed handshakes", NULL, count_elem),     \
        TA_ARRAY("top_failing_sni", 0, "the SNIs with the most failures", NULL, top_elem),         \
        TA_ARRAY("top_failing_servers", 0, "the servers with the most failures", NULL, top_elem),   \
        TA_LEAF("failing_client_fingerprints", TA_FT_INT, 0, TA_RC_NONE,                           \
                "distinct JA4s (and (none)) among failed connections, up to 10000", NULL),        \
        TA_ARRAY("failures_by_client_fingerprint", 0,                                              \
                 "the client fingerprints (JA4) with the most failures, with their rules", NULL,    \
                 fp_elem),                                                                         \
        TA_ARRAY("top_failing_apigee_places", TA_FN_OPT,                                           \
                 "--profile apigee, apigee-x: the places in the gateway (apigee.summary) with "    \
                 "the most failures; absent otherwise",                                           \
                 NULL, top_elem)

static const ta_fnode capture_members[] = {
    TA_LEAF("file", TA_FT_STRING, 0, TA_RC_FILE, "the capture (a pseudonym with --redact)", NULL),
    TA_ARRAY("linktypes", 0, "link types of its interfaces", NULL, text_elem),
    TA_LEAF("packets", TA_FT_INT, 0, TA_RC_NONE, "frames read", NULL),
    TA_LEAF("tcp_packets", TA_FT_INT, 0, TA_RC_NONE, "frames with TCP", NULL),
    TA_LEAF("quic_packets", TA_FT_INT, 0, TA_RC_NONE, "UDP datagrams of QUIC connections", NULL),
    TA_LEAF("duplicates", TA_FT_INT, 0, TA_RC_NONE, "duplicate frames removed", NULL),
    TA_OBJECT("skipped", 0, "frames not analysed, by reason", NULL, skipped),
    TA_LEAF("failed", TA_FT_INT, 0, TA_RC_NONE, "handshakes that did not complete", NULL),
    ROLLUP_MEMBERS,
    TA_LEAF("left_out_by_client_fingerprint", TA_FT_INT, 0, TA_RC_NONE,
            "connections --client-fingerprint left out (not in the counts above but packets)",
            NULL),
    TA_LEAF("late_packets", TA_FT_INT, 0, TA_RC_NONE, "packets of connections already written",
            NULL),
    TA_LEAF("peak_open_connections", TA_FT_INT, 0, TA_RC_NONE, "connections open at once, at most",
            NULL),
    TA_LEAF("first_time", TA_FT_REAL, 0, TA_RC_NONE, "time of the first packet", NULL),
    TA_LEAF("last_time", TA_FT_REAL, 0, TA_RC_NONE, "time of the last packet", NULL),
    TA_ARRAY("warnings", 0, "problems with the capture as a whole", NULL, text_elem),
    TA_LEAF("error", TA_FT_STRING, TA_FN_NULL, TA_RC_TEXT,
            "why the capture could not be read (completely); null", NULL),
    TA_ARRAY("inputs", TA_FN_OPT, "with a report: the files read, with their SHA-256", NULL,
             input_elem),
};

static const ta_fnode total_members[] = {
    TA_LEAF("captures", TA_FT_INT, 0, TA_RC_NONE, "captures read", NULL),
    ROLLUP_MEMBERS,
};

/* ---- the JSON Schema -------------------------------------------------- */

static json_t *node_schema(const ta_fnode *n);

static json_t *type_of(const ta_fnode *n)
{
    static const char *const names[] = {"boolean", "integer", "number",
                                        "string",  "object",  "array"};
    json_t *t = json_string(names[n->type]);
    if ((n->flags & TA_FN_NULL) != 0) {
        json_t *both = json_array();
        json_array_append_new(both, t);
        json_array_append_new(both, json_string("null"));
        return both;
    }
    return t;
}

/* Shared member lists become definitions, referenced where they are used. */
static const char *shared_name(const ta_fnode *kids)
{
    if (kids == ta_fs_chain) {
        return "chain";
    }
    if (kids == ta_fs_leaf) {
        return "leaf";
    }
    return NULL;
}

/* The properties and required members of an object's member list. */
static void members(json_t *o, const ta_fnode *kids, size_t num)
{
    json_t *props = json_object();
    json_t *req = json_array();
    for (size_t i = 0; i < num; i++) {
        json_object_set_new(props, kids[i].key, node_schema(&kids[i]));
        if ((kids[i].flags & TA_FN_OPT) == 0) {
            json_array_append_new(req, json_string(kids[i].key));
        }
    }
    json_object_set_new(o, "properties", props);
    json_object_set_new(o, "required", req);
    json_object_set_new(o, "additionalProperties", json_false());
}

static json_t *node_schema(const ta_fnode *n)
{
    json_t *o = json_object();
    const char *shared = n->type == TA_FT_OBJECT ? shared_name(n->kids) : NULL;
    if (shared != NULL && (n->flags & TA_FN_NULL) == 0) {
        char ref[64];
        snprintf(ref, sizeof(ref), "#/$defs/%s", shared);
        json_object_set_new(o, "description", json_string(n->doc));
        json_object_set_new(o, "$ref", json_string(ref));
        return o;
    }
    json_object_set_new(o, "type", type_of(n));
    json_object_set_new(o, "description", json_string(n->doc));
    if (n->type == TA_FT_ARRAY) {
        json_object_set_new(o, "items", node_schema(&n->kids[0]));
    } else if (n->type == TA_FT_OBJECT && (n->flags & F_MAP) != 0) {
        json_object_set_new(o, "additionalProperties", node_schema(&n->kids[0]));
    } else if (n->type == TA_FT_OBJECT) {
        members(o, n->kids, n->num_kids);
    }
    return o;
}

/* An object made of |kids|, with "type" and "file" first (NDJSON lines)
 * when |type| is set. */
static json_t *object_schema(const char *doc, const ta_fnode *kids, size_t num, const char *type)
{
    json_t *o = json_object();
    json_object_set_new(o, "type", json_string("object"));
    json_object_set_new(o, "description", json_string(doc));
    members(o, kids, num);
    if (type != NULL) {
        json_t *props = json_object_get(o, "properties");
        json_t *req = json_object_get(o, "required");
        json_t *t = json_object();
        json_object_set_new(t, "const", json_string(type));
        json_object_set_new(props, "type", t);
        json_t *f = json_object();
        json_object_set_new(f, "type", json_string("string"));
        json_object_set_new(props, "file", f);
        json_array_insert_new(req, 0, json_string("file"));
        json_array_insert_new(req, 0, json_string("type"));
    }
    return o;
}

static json_t *ref(const char *name)
{
    char buf[64];
    snprintf(buf, sizeof(buf), "#/$defs/%s", name);
    return json_pack("{s:s}", "$ref", buf);
}

/* The document of --format=json: captures with their connections, and the
 * total. */
static json_t *document_schema(void)
{
    json_t *capture = object_schema("a capture: its connections and its summary", capture_members,
                                    NKIDS(capture_members), NULL);
    json_t *conns =
        json_pack("{s:s, s:s, s:o}", "type", "array", "description",
                  "the connections, in the order they ended", "items", ref("connection"));
    json_object_set_new(json_object_get(capture, "properties"), "connections", conns);
    json_array_insert_new(json_object_get(capture, "required"), 1, json_string("connections"));
    return json_pack("{s:s, s:s, s:{s:{s:s, s:o}, s:o}, s:[s], s:b}", "type", "object",
                     "description", "--format=json: one document for the run", "properties",
                     "captures", "type", "array", "items", capture, "total", ref("total"),
                     "required", "captures", "additionalProperties", 0);
}

void ta_schema_print_json(FILE *out)
{
    json_t *defs = json_object();
    json_object_set_new(defs, "document", document_schema());
    json_object_set_new(defs, "line",
                        json_pack("{s:s, s:[o, o, o]}", "description", "--format=ndjson: one line",
                                  "oneOf", ref("connection_line"), ref("capture_line"),
                                  ref("total_line")));
    json_object_set_new(defs, "connection",
                        object_schema(ta_schema_conn.doc, ta_fs_conn, NKIDS(ta_fs_conn), NULL));
    json_object_set_new(defs, "connection_line",
                        object_schema("a connection", ta_fs_conn, NKIDS(ta_fs_conn), "connection"));
    json_object_set_new(defs, "capture_line",
                        object_schema("a capture's summary", capture_members + 1,
                                      NKIDS(capture_members) - 1, "capture"));
    json_object_set_new(
        defs, "total",
        object_schema("the roll-up of all captures", total_members, NKIDS(total_members), NULL));
    json_object_set_new(
        defs, "total_line",
        object_schema("the roll-up of all captures", total_members, NKIDS(total_members), "total"));
    json_object_set_new(
        defs, "chain",
        object_schema("a chain judged at capture time", ta_fs_chain, NKIDS(ta_fs_chain), NULL));
    json_object_set_new(
        defs, "leaf",
        object_schema("a leaf certificate at capture time", ta_fs_leaf, NKIDS(ta_fs_leaf), NULL));
    json_t *root = json_pack("{s:s, s:s, s:s, s:[o, o], s:o}", "$schema",
                             "https://json-schema.org/draft/2020-12/schema", "title",
                             "tlsanalyze output", "description",
                             "What tlsanalyze --format=json prints (a document), and each line "
                             "--format=ndjson prints. Generated by tlsanalyze --print-schema "
                             "from the schema of facts (src/facts_*.c); "
                             "do not edit.",
                             "oneOf", ref("document"), ref("line"), "$defs", defs);
    char *s = json_dumps(root, JSON_INDENT(2));
    if (s != NULL) {
        fputs(s, out);
        fputc('\n', out);
    }
    free(s);
    json_decref(root);
}

/* ---- the fact tables of rules/README.md ------------------------------- */

static const char *type_words(const ta_fnode *n)
{
    switch (n->type) {
    case TA_FT_BOOL:
        return "boolean";
    case TA_FT_INT:
        return "integer";
    case TA_FT_REAL:
        return "number";
    case TA_FT_STRING:
        return "text";
    case TA_FT_OBJECT:
        return "object";
    case TA_FT_ARRAY:
    default:
        return "list";
    }
}

/* How --redact treats a string fact, for the tables. */
static const char *class_words(const ta_fnode *n)
{
    switch (n->rclass) {
    case TA_RC_ADDRESS:
        return "address";
    case TA_RC_HOST:
        return "host name";
    case TA_RC_DN:
    case TA_RC_SAN:
    case TA_RC_FINDING:
        return "certificate name";
    case TA_RC_FINGERPRINT:
        return "fingerprint";
    case TA_RC_FILE:
        return "file name";
    case TA_RC_TEXT:
        return "free text";
    case TA_RC_NONE:
    case TA_RC_RENDERED:
    default:
        return "";
    }
}

static void row(FILE *out, const char *path, const ta_fnode *n)
{
    fprintf(out, "| `%s` | %s%s%s | %s | %s |\n", path, type_words(n),
            (n->flags & TA_FN_NULL) != 0 ? ", null" : "",
            (n->flags & TA_FN_OPT) != 0 ? ", absent" : "", class_words(n), n->doc);
}

#define TABLE_HEAD "| fact | type | --redact | meaning |\n|---|---|---|---|\n"

static void rows(const ta_fnode *n, char *path, size_t len, FILE *out)
{
    for (size_t i = 0; i < n->num_kids; i++) {
        const ta_fnode *k = &n->kids[i];
        size_t m = len;
        if ((k->flags & TA_FN_RULE) == 0) {
            continue;
        }
        m += (size_t)snprintf(path + len, 256 - len, "%s%s", k->key != NULL && len > 0 ? "." : "",
                              k->key != NULL ? k->key : "[]");
        row(out, path, k);
        rows(k, path, m, out);
        path[len] = '\0';
    }
}

/* One object's table; one that shares its members with an object printed
 * before (the client's and the rejected leaf and chain) names it instead. */
static void section(FILE *out, const ta_fnode *k, const ta_fnode **printed, size_t *num)
{
    char path[256];
    for (size_t s = 0; s < *num; s++) {
        if (printed[s]->kids == k->kids) {
            fprintf(out, "\n### `%s`\n\n%s. Its members are those of `%s` (`%s.%s`, ...).\n",
                    k->key, k->doc, printed[s]->key, k->key, k->kids[0].key);
            return;
        }
    }
    printed[(*num)++] = k;
    fprintf(out, "\n### `%s`\n\n" TABLE_HEAD, k->key);
    snprintf(path, sizeof(path), "%s", k->key);
    row(out, path, k);
    rows(k, path, strlen(path), out);
}

void ta_schema_print_facts(FILE *out)
{
    const ta_fnode *printed[NKIDS(ta_fs_conn)];
    size_t num = 0;

    fputs(TABLE_HEAD, out);
    for (size_t i = 0; i < NKIDS(ta_fs_conn); i++) {
        const ta_fnode *k = &ta_fs_conn[i];
        if ((k->flags & TA_FN_RULE) != 0 && k->type != TA_FT_OBJECT && k->type != TA_FT_ARRAY) {
            row(out, k->key, k);
        }
    }
    /* Objects in the order they are written, the server's leaf and chain
     * (whose tables the others refer to) before the client's and the
     * rejected ones. */
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < NKIDS(ta_fs_conn); i++) {
            const ta_fnode *k = &ta_fs_conn[i];
            bool later = shared_name(k->kids) != NULL && k->arg != TA_OF_SERVER;
            if ((k->flags & TA_FN_RULE) == 0 || later != (pass == 1) ||
                (k->type != TA_FT_OBJECT && k->type != TA_FT_ARRAY)) {
                continue;
            }
            section(out, k, printed, &num);
        }
    }
}
