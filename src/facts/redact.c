/* redact.c - stable pseudonyms for addresses and names (see ta_redact.h). */
#include "ta_redact.h"

#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "ta_strbuf.h"

#define KEY_MAX 64
/* Names remembered per connection for the free-text pass; a connection
 * with more (10,000 certificates) still has every field redacted, only
 * the backstop pass over other texts stops at this many. */
#define MAX_TOKENS 256

struct ta_redactor {
    ta_redact_mode mode;
    unsigned char key[KEY_MAX];
    size_t key_len;
};

typedef struct {
    char *orig;
    char *pseudo;
} token;

/* The originals of one connection, for the free-text pass. */
struct ta_redact_names {
    token t[MAX_TOKENS];
    size_t n;
    bool nomem;
};

typedef ta_redact_names token_list;

ta_redactor *ta_redactor_new(ta_redact_mode mode, const char *key, size_t key_len)
{
    ta_redactor *r = calloc(1, sizeof(*r));
    if (r == NULL) {
        return NULL;
    }
    r->mode = mode;
    if (key != NULL) {
        /* A longer key is hashed first, as HMAC itself would do. */
        if (key_len > KEY_MAX) {
            unsigned int n = 0;
            EVP_Digest(key, key_len, r->key, &n, EVP_sha256(), NULL);
            r->key_len = n;
        } else {
            memcpy(r->key, key, key_len);
            r->key_len = key_len;
        }
    } else {
        r->key_len = 32;
        if (RAND_bytes(r->key, 32) != 1) {
            free(r);
            return NULL;
        }
    }
    return r;
}

void ta_redactor_free(ta_redactor *r)
{
    if (r != NULL) {
        OPENSSL_cleanse(r->key, sizeof(r->key));
        free(r);
    }
}

ta_redact_mode ta_redactor_mode(const ta_redactor *r)
{
    return r != NULL ? r->mode : TA_REDACT_NONE;
}

/* |nhex| hex digits of HMAC-SHA256(key, domain "|" value), lower-cased
 * first for names (host names compare without case). */
static void pseudo_hex(const ta_redactor *r, const char *domain, const char *value, bool fold,
                       char *out, size_t nhex)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;
    size_t dl = strlen(domain);
    size_t vl = strlen(value);
    char *msg = malloc(dl + 1 + vl + 1);

    memset(md, 0, sizeof(md));
    if (msg != NULL) {
        memcpy(msg, domain, dl);
        msg[dl] = '|';
        for (size_t i = 0; i < vl; i++) {
            char c = value[i];
            msg[dl + 1 + i] = fold && c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
        }
        HMAC(EVP_sha256(), r->key, (int)r->key_len, (const unsigned char *)msg, dl + 1 + vl, md,
             &md_len);
        free(msg);
    }
    for (size_t i = 0; i < nhex && i / 2 < sizeof(md); i++) {
        out[i] = "0123456789abcdef"[(md[i / 2] >> (i % 2 ? 0 : 4)) & 0xf];
    }
    out[nhex] = '\0';
}

static bool is_ip(const char *s, bool *out_v6)
{
    unsigned char a[16];
    if (inet_pton(AF_INET, s, a) == 1) {
        *out_v6 = false;
        return true;
    }
    if (inet_pton(AF_INET6, s, a) == 1) {
        *out_v6 = true;
        return true;
    }
    return false;
}

/* "ip4-…" / "ip6-…" for an address (its canonical form, so ::1 and
 * 0:0::1 agree); NULL on out of memory. */
static char *pseudo_ip(const ta_redactor *r, const char *ip, bool v6)
{
    unsigned char a[16];
    char canon[INET6_ADDRSTRLEN];
    char hex[11];
    char *out = NULL;

    if (inet_pton(v6 ? AF_INET6 : AF_INET, ip, a) != 1 ||
        inet_ntop(v6 ? AF_INET6 : AF_INET, a, canon, sizeof(canon)) == NULL) {
        snprintf(canon, sizeof(canon), "%s", "?");
    }
    pseudo_hex(r, "ip", canon, true, hex, 10);
    if (asprintf(&out, "%s-%s", v6 ? "ip6" : "ip4", hex) < 0) {
        return NULL;
    }
    return out;
}

/* A host or other name: an address keeps the address pseudonym; a name
 * with a dot becomes "host-…" (a leading "*." is kept, it says wildcard),
 * anything else "name-…". */
static char *pseudo_name(const ta_redactor *r, const char *name)
{
    bool v6;
    char hex[11];
    char *out = NULL;

    if (is_ip(name, &v6)) {
        return pseudo_ip(r, name, v6);
    }
    bool wild = strncmp(name, "*.", 2) == 0;
    const char *rest = wild ? name + 2 : name;
    pseudo_hex(r, "name", rest, true, hex, 10);
    if (asprintf(&out, "%s%s-%s", wild ? "*." : "", strchr(rest, '.') != NULL ? "host" : "name",
                 hex) < 0) {
        return NULL;
    }
    return out;
}

/* ------------------------------------------------------ free-text pass */

static bool is_alnum(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool in_run(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') ||
           c == ':' || c == '.';
}

/* Length of an IP address literal at |p| (|p| - 1 is not part of a word,
 * or |p| starts with ':'), 0 if none; sets *out_v6.  Tries the whole run of
 * address characters, then without a leading ':' ("IP:::1"), then the
 * part before a ':' ("10.0.0.1:443"); trailing dots (end of a sentence)
 * never belong to it. */
static size_t ip_at(const char *p, bool *out_v6, size_t *out_skip)
{
    char cand[64];
    size_t run = 0;
    while (in_run(p[run])) {
        run++;
    }
    /* A letter or digit right after the run: part of a longer word. */
    if (is_alnum(p[run]) || p[run] == '_' || run == 0 || run >= sizeof(cand)) {
        return 0;
    }
    while (run > 0 && p[run - 1] == '.') {
        run--;
    }
    for (int attempt = 0; attempt < 3; attempt++) {
        size_t skip = attempt == 1 && p[0] == ':' ? 1 : 0;
        size_t n = run - skip;
        if (attempt == 1 && skip == 0) {
            continue;
        }
        if (attempt == 2) {
            const char *colon = memchr(p, ':', run);
            if (colon == NULL || memchr(p, '.', (size_t)(colon - p)) == NULL) {
                continue;
            }
            n = (size_t)(colon - p);
        }
        memcpy(cand, p + skip, n);
        cand[n] = '\0';
        if (n > 0 && is_ip(cand, out_v6)) {
            *out_skip = skip;
            return n;
        }
    }
    return 0;
}

/* Length of |t| at |p| when it stands as a whole word there. */
static bool token_at(const char *s, const char *p, const token *t, size_t tl)
{
    if (strncmp(p, t->orig, tl) != 0) {
        return false;
    }
    char before = p > s ? p[-1] : ' ';
    char after = p[tl];
    return !is_alnum(before) && before != '-' && before != '_' && !is_alnum(after) &&
           after != '-' && after != '_';
}

/* Returns a new string with every address literal and every token of
 * |tl| replaced; NULL when nothing changed or memory ran out (*out_nomem). */
static char *scrub(const ta_redactor *r, const char *s, const token_list *tl, bool *out_nomem)
{
    ta_strbuf b = {0};
    bool changed = false;
    const char *p = s;

    while (*p != '\0') {
        bool boundary = p == s || !(is_alnum(p[-1]) || p[-1] == '.' || p[-1] == '-' ||
                                    p[-1] == '_');
        size_t k;
        for (k = 0; tl != NULL && k < tl->n; k++) {
            size_t n = strlen(tl->t[k].orig);
            if (token_at(s, p, &tl->t[k], n)) {
                ta_strbuf_add(&b, tl->t[k].pseudo, strlen(tl->t[k].pseudo));
                p += n;
                changed = true;
                break;
            }
        }
        if (tl != NULL && k < tl->n) {
            continue;
        }
        if (boundary || *p == ':') {
            bool v6 = false;
            size_t skip = 0;
            size_t n = ip_at(p, &v6, &skip);
            if (n > 0) {
                char ip[64];
                memcpy(ip, p + skip, n);
                ip[n] = '\0';
                char *ps = pseudo_ip(r, ip, v6);
                ta_strbuf_add(&b, p, skip);
                ta_strbuf_add(&b, ps != NULL ? ps : "ip-?", ps != NULL ? strlen(ps) : 4);
                b.nomem |= ps == NULL;
                free(ps);
                p += skip + n;
                changed = true;
                continue;
            }
        }
        /* Copy up to the next place a word can start. */
        const char *q = p + 1;
        while (*q != '\0' && is_alnum(*q) && is_alnum(q[-1])) {
            q++;
        }
        ta_strbuf_add(&b, p, (size_t)(q - p));
        p = q;
    }
    *out_nomem |= b.nomem;
    if (!changed) {
        free(b.s);
        return NULL;
    }
    return ta_strbuf_take(&b);
}

/* ------------------------------------------------------ fields by meaning */

/* Keeps |orig| -> |pseudo| for the free-text pass when it looks like a
 * host name (a dot, 4 characters or more): short words such as an
 * organisation "TLS" would otherwise eat "TLS 1.2" from every sentence. */
static void remember(token_list *tl, const char *orig, const char *pseudo)
{
    if (strlen(orig) < 4 || strchr(orig, '.') == NULL || strchr(orig, ' ') != NULL) {
        return;
    }
    for (size_t i = 0; i < tl->n; i++) {
        if (strcmp(tl->t[i].orig, orig) == 0) {
            return;
        }
    }
    if (tl->n >= MAX_TOKENS) {
        return;
    }
    tl->t[tl->n].orig = strdup(orig);
    tl->t[tl->n].pseudo = strdup(pseudo);
    if (tl->t[tl->n].orig == NULL || tl->t[tl->n].pseudo == NULL) {
        free(tl->t[tl->n].orig);
        free(tl->t[tl->n].pseudo);
        tl->nomem = true;
        return;
    }
    tl->n++;
}

static void tokens_free(token_list *tl)
{
    for (size_t i = 0; i < tl->n; i++) {
        free(tl->t[i].orig);
        free(tl->t[i].pseudo);
    }
    tl->n = 0;
}

static char *name_field(const ta_redactor *r, const char *v, token_list *tl)
{
    char *ps = pseudo_name(r, v);
    if (ps != NULL) {
        remember(tl, v, ps);
    }
    return ps;
}

/* "CN=api.example.com,O=Example" -> "CN=host-…,O=name-…": the attribute
 * types stay (they say what kind of name it was), every value goes.  The
 * names are in RFC 2253 form, where a separator inside a value is escaped
 * with a backslash. */
static char *dn_field(const ta_redactor *r, const char *dn, token_list *tl)
{
    ta_strbuf b = {0};
    const char *p = dn;
    while (*p != '\0') {
        const char *eq = strchr(p, '=');
        const char *end = p;
        while (*end != '\0' && !((*end == ',' || *end == '+') && (end == dn || end[-1] != '\\'))) {
            end++;
        }
        if (eq == NULL || eq > end) {
            ta_strbuf_add(&b, "name-?", 6);  /* no TYPE=value shape: drop it all */
        } else {
            ta_strbuf_add(&b, p, (size_t)(eq - p) + 1);
            char *v = strndup(eq + 1, (size_t)(end - eq - 1));
            char *ps = v != NULL ? name_field(r, v, tl) : NULL;
            ta_strbuf_add(&b, ps != NULL ? ps : "?", ps != NULL ? strlen(ps) : 1);
            b.nomem |= ps == NULL;
            free(ps);
            free(v);
        }
        if (*end == '\0') {
            break;
        }
        ta_strbuf_add(&b, end, 1);
        p = end + 1;
    }
    return ta_strbuf_take(&b);
}

/* "DNS:x" / "IP:x" / "email:x" / "URI:x": the type stays. */
static char *san_field(const ta_redactor *r, const char *san, token_list *tl)
{
    const char *colon = strchr(san, ':');
    char *ps = name_field(r, colon != NULL ? colon + 1 : san, tl);
    char *out = NULL;
    if (ps == NULL) {
        return NULL;
    }
    if (asprintf(&out, "%.*s%s", colon != NULL ? (int)(colon - san + 1) : 0, san, ps) < 0) {
        out = NULL;
    }
    free(ps);
    return out;
}

/* A chain weakness, "WHAT (DN)": the DN part is redacted. */
static char *weak_field(const ta_redactor *r, const char *w, token_list *tl)
{
    const char *open = strstr(w, " (");
    size_t len = strlen(w);
    char *out = NULL;
    if (open == NULL || len < 2 || w[len - 1] != ')') {
        return strdup(w);
    }
    char *dn = strndup(open + 2, (size_t)(w + len - 1 - (open + 2)));
    char *ps = dn != NULL ? dn_field(r, dn, tl) : NULL;
    if (ps != NULL && asprintf(&out, "%.*s (%s)", (int)(open - w), w, ps) < 0) {
        out = NULL;
    }
    free(ps);
    free(dn);
    return out;
}

static char *fingerprint_field(const ta_redactor *r, const char *v)
{
    char hex[17];
    char *out = NULL;
    pseudo_hex(r, "sha256", v, true, hex, 16);
    return asprintf(&out, "redacted-%s", hex) < 0 ? NULL : out;
}

/* Replaces, in every string of |j|, the tokens and address literals. */
static void scrub_all(const ta_redactor *r, json_t *j, const token_list *tl, bool *out_nomem)
{
    const char *key;
    json_t *v;
    size_t i;

    if (json_is_array(j)) {
        json_array_foreach(j, i, v) {
            if (json_is_string(v)) {
                char *s = scrub(r, json_string_value(v), tl, out_nomem);
                if (s != NULL) {
                    json_array_set_new(j, i, json_string(s));
                    free(s);
                }
            } else {
                scrub_all(r, v, tl, out_nomem);
            }
        }
    } else if (json_is_object(j)) {
        json_object_foreach(j, key, v) {
            if (json_is_string(v)) {
                char *s = scrub(r, json_string_value(v), tl, out_nomem);
                if (s != NULL) {
                    json_object_set_new(j, key, json_string(s));
                    free(s);
                }
            } else {
                scrub_all(r, v, tl, out_nomem);
            }
        }
    }
}

ta_redact_names *ta_redact_names_new(void)
{
    return calloc(1, sizeof(ta_redact_names));
}

void ta_redact_names_free(ta_redact_names *names)
{
    if (names != NULL) {
        tokens_free(names);
        free(names);
    }
}

bool ta_redact_names_nomem(const ta_redact_names *names)
{
    return names->nomem;
}

char *ta_redact_field(const ta_redactor *r, ta_redact_kind kind, const char *s,
                      ta_redact_names *names)
{
    if (r->mode != TA_REDACT_ALL) {
        return strdup(s);
    }
    switch (kind) {
    case TA_RK_NAME:
        return name_field(r, s, names);
    case TA_RK_DN:
        return dn_field(r, s, names);
    case TA_RK_SAN:
        return san_field(r, s, names);
    case TA_RK_FINDING:
        return weak_field(r, s, names);
    case TA_RK_FINGERPRINT:
        /* A fingerprint finds the certificate, and its names, in
         * certificate transparency logs. */
        return fingerprint_field(r, s);
    case TA_RK_FILE:
        /* File names made of the capture's name and fingerprints. */
        return strdup("(redacted)");
    case TA_RK_TEXT:
    default:
        return strdup(s);
    }
}

char *ta_redact_text(const ta_redactor *r, const char *s, const ta_redact_names *names)
{
    bool nomem = false;
    char *out;
    if (r->mode == TA_REDACT_NONE) {
        return strdup(s);
    }
    /* Addresses everywhere; with --redact=all also the names the
     * connection's facts hold (an attribute type kept in a redacted
     * certificate name may be an OID that reads as an address). */
    out = scrub(r, s, r->mode == TA_REDACT_ALL ? names : NULL, &nomem);
    return out != NULL || nomem ? out : strdup(s);
}

/* The extensions of a file name: ".pcap.gz" of "dir/x.y.pcap.gz" (the
 * last two at most, and only those of captures, so that the end of a host
 * name in the name does not survive as an "extension"). */
static const char *extensions(const char *name)
{
    const char *base = strrchr(name, '/');
    base = base != NULL ? base + 1 : name;
    const char *ext = base + strlen(base);
    for (int k = 0; k < 2; k++) {
        const char *dot = ext;
        while (dot > base && dot[-1] != '.') {
            dot--;
        }
        if (dot <= base + 1) {
            break;
        }
        static const char *const known[] = {"pcap", "pcapng", "cap", "dmp", "gz", "zst", "xz"};
        size_t n = (size_t)(ext - dot);
        bool word = false;
        for (size_t i = 0; i < sizeof(known) / sizeof(known[0]) && !word; i++) {
            word = strlen(known[i]) == n && strncmp(dot, known[i], n) == 0;
        }
        if (!word) {
            break;
        }
        ext = dot - 1;
    }
    return ext;
}

char *ta_redact_file(const ta_redactor *r, const char *name)
{
    char hex[11];
    char *out = NULL;
    if (strcmp(name, "-") == 0) {
        return strdup(name);
    }
    pseudo_hex(r, "file", name, false, hex, 10);
    return asprintf(&out, "capture-%s%s", hex, extensions(name)) < 0 ? NULL : out;
}

int ta_redact_scrub_json(ta_redactor *r, json_t *j, const char *file)
{
    token_list *tl = calloc(1, sizeof(*tl));
    bool nomem = false;
    if (tl == NULL) {
        return 0;
    }
    if (file != NULL && strcmp(file, "-") != 0) {
        char *ps = ta_redact_file(r, file);
        if (ps != NULL) {
            /* The file name as a whole, whatever its characters. */
            tl->t[0].orig = strdup(file);
            tl->t[0].pseudo = ps;
            tl->n = tl->t[0].orig != NULL ? 1 : 0;
            if (tl->n == 0) {
                free(ps);
            }
        }
    }
    scrub_all(r, j, tl, &nomem);
    tokens_free(tl);
    free(tl);
    return !nomem;
}

char *ta_redact_string(ta_redactor *r, const char *s)
{
    bool nomem = false;
    char *out = scrub(r, s, NULL, &nomem);
    if (out == NULL && !nomem) {
        out = strdup(s);
    }
    return out;
}
