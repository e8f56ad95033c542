/* jsonw.c - streaming JSON writer (see ta_jsonw.h). */
#include "ta_jsonw.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema_int.h"

void ta_jbuf_free(ta_jbuf *b)
{
    free(b->p);
    memset(b, 0, sizeof(*b));
}

void ta_jbuf_clear(ta_jbuf *b)
{
    b->len = 0;
    b->nomem = false;
}

/* Grows the buffer for |n| more bytes; false (and nomem) when it cannot. */
static bool grow(ta_jbuf *b, size_t n)
{
    if (b->nomem) {
        return false;
    }
    size_t cap = b->cap > 0 ? b->cap : 4096;
    while (cap - b->len < n) {
        if (cap > SIZE_MAX / 2) {
            b->nomem = true;
            return false;
        }
        cap *= 2;
    }
    char *p = realloc(b->p, cap);
    if (p == NULL) {
        b->nomem = true;
        return false;
    }
    b->p = p;
    b->cap = cap;
    return true;
}

/* Room for |n| more bytes; false (and nomem) when there is none. */
static inline bool reserve(ta_jbuf *b, size_t n)
{
    return (b->cap - b->len >= n && !b->nomem) || grow(b, n);
}

/* Copies |n| bytes, few: whole words, the last one overlapping, where a
 * memcpy of a variable length would call the library or, its bound
 * known, expand to a rep movs that costs more than the copy. */
static inline void copy_short(char *o, const char *s, size_t n)
{
    if (n >= 8) {
        for (size_t i = 0; i + 8 < n; i += 8) {
            memcpy(o + i, s + i, 8);
        }
        memcpy(o + n - 8, s + n - 8, 8);
    } else if (n >= 4) {
        memcpy(o, s, 4);
        memcpy(o + n - 4, s + n - 4, 4);
    } else {
        if (n >= 1) {
            o[0] = s[0];
            o[n - 1] = s[n - 1];
        }
        if (n == 3) {
            o[1] = s[1];
        }
    }
}

void ta_jbuf_raw(ta_jbuf *b, const char *s, size_t n)
{
    if (reserve(b, n)) {
        memcpy(b->p + b->len, s, n);
        b->len += n;
    }
}

static inline void put(ta_jbuf *b, char c)
{
    if (reserve(b, 1)) {
        b->p[b->len++] = c;
    }
}

/* Whether any of the eight bytes of |w| is below 0x20, a quote or a
 * backslash (the bytes JSON escapes): the word-at-a-time tests of "Bit
 * Twiddling Hacks" (haszero, hasless).  Exact: a borrow only follows a
 * byte that matched, and the ~w term keeps bytes at or above 0x80 (UTF-8)
 * from matching. */
static inline bool word_needs_escape(uint64_t w)
{
    const uint64_t ones = 0x0101010101010101u;
    const uint64_t highs = 0x8080808080808080u;
    uint64_t q = w ^ (ones * '"');
    uint64_t bs = w ^ (ones * '\\');
    return (((w - ones * 0x20) | (q - ones) | (bs - ones)) & ~w & highs) != 0;
}

/* The last |t| (1 to 7) bytes of a string at |s| as a word for
 * word_needs_escape: overlapping loads that stay inside the string, so
 * some bytes are there twice and none is foreign. */
static inline uint64_t tail_word(const char *s, size_t t)
{
    if (t >= 4) {
        uint32_t lo;
        uint32_t hi;
        memcpy(&lo, s, 4);
        memcpy(&hi, s + t - 4, 4);
        return lo | (uint64_t)hi << 32;
    }
    if (t >= 2) {
        uint16_t lo;
        uint16_t hi;
        memcpy(&lo, s, 2);
        memcpy(&hi, s + t - 2, 2);
        uint64_t x = lo | (uint64_t)hi << 16;
        return x | x << 32;
    }
    return (uint8_t)s[0] * 0x0101010101010101u;
}

/* Writes byte |c| (a control character, a quote or a backslash) escaped
 * at |o|; returns the end. */
static char *put_escaped(char *o, unsigned char c)
{
    *o++ = '\\';
    switch (c) {
    case '"':
    case '\\':
        *o++ = (char)c;
        break;
    case '\b':
        *o++ = 'b';
        break;
    case '\f':
        *o++ = 'f';
        break;
    case '\n':
        *o++ = 'n';
        break;
    case '\r':
        *o++ = 'r';
        break;
    case '\t':
        *o++ = 't';
        break;
    default:
        o += sprintf(o, "u%04X", (unsigned)c);
        break;
    }
    return o;
}

void ta_jbuf_string(ta_jbuf *b, const char *s, size_t n)
{
    /* Worst case: every byte a six-character \u00XX. */
    if (n > (SIZE_MAX - 2) / 6 || !reserve(b, n * 6 + 2)) {
        b->nomem = true;
        return;
    }
    char *o = b->p + b->len;
    *o++ = '"';
    size_t i = 0;
    while (i < n) {
        uint64_t w;
        if (n - i >= 8) {
            memcpy(&w, s + i, 8);
            if (!word_needs_escape(w)) {
                memcpy(o, &w, 8);   /* eight plain bytes: copied as they are */
                o += 8;
                i += 8;
                continue;
            }
        } else if (!word_needs_escape(tail_word(s + i, n - i))) {
            copy_short(o, s + i, n - i);   /* the last plain bytes, as they are */
            o += n - i;
            break;
        }
        size_t end = n - i >= 8 ? i + 8 : n;
        for (; i < end; i++) {
            unsigned char c = (unsigned char)s[i];
            if (c >= 0x20 && c != '"' && c != '\\') {
                *o++ = (char)c;
                continue;
            }
            o = put_escaped(o, c);
        }
    }
    *o++ = '"';
    b->len = (size_t)(o - b->p);
}

/* Two digits a division, from a table of "00".."99". */
static const char pairs[] = "0001020304050607080910111213141516171819"
                            "2021222324252627282930313233343536373839"
                            "4041424344454647484950515253545556575859"
                            "6061626364656667686970717273747576777879"
                            "8081828384858687888990919293949596979899";

static const uint64_t p10[] = {UINT64_C(1),
                               UINT64_C(10),
                               UINT64_C(100),
                               UINT64_C(1000),
                               UINT64_C(10000),
                               UINT64_C(100000),
                               UINT64_C(1000000),
                               UINT64_C(10000000),
                               UINT64_C(100000000),
                               UINT64_C(1000000000),
                               UINT64_C(10000000000),
                               UINT64_C(100000000000),
                               UINT64_C(1000000000000),
                               UINT64_C(10000000000000),
                               UINT64_C(100000000000000),
                               UINT64_C(1000000000000000),
                               UINT64_C(10000000000000000),
                               UINT64_C(100000000000000000),
                               UINT64_C(1000000000000000000),
                               UINT64_C(10000000000000000000)};

/* The number of decimal digits of |u|. */
static inline int num_digits(uint64_t u)
{
    int n = 1;
    while (n < 20 && u >= p10[n]) {
        n++;
    }
    return n;
}

/* Writes the last |count| decimal digits of |u| (leading zeros included)
 * before |end|, straight where they belong. */
static inline void put_digits(char *end, uint64_t u, int count)
{
    for (; count >= 2; count -= 2) {
        unsigned k = (unsigned)(u % 100) * 2;
        u /= 100;
        end -= 2;
        memcpy(end, pairs + k, 2);
    }
    if (count > 0) {
        end[-1] = (char)('0' + u % 10);
    }
}

void ta_jbuf_int(ta_jbuf *b, int64_t i)
{
    uint64_t u = i < 0 ? 0 - (uint64_t)i : (uint64_t)i;
    if (!reserve(b, 21)) {
        return;
    }
    char *o = b->p + b->len;
    if (i < 0) {
        *o++ = '-';
    }
    int n = num_digits(u);
    put_digits(o + n, u, n);
    b->len = (size_t)(o + n - b->p);
}

/* The text of |r| as jansson writes it ("%.17g", then ".0" when that reads
 * as an integer) for 1e-4 <= r < 1e15 (times of packets, response times),
 * without printf's multi-precision path: r is m / 2^shift exactly, so its
 * 17 significant digits are m * 10^f / 2^shift, computed exactly in 128
 * bits and rounded to nearest, ties to even, as printf rounds.  Returns the
 * length, or 0 for any other value (printf writes those). */
__extension__ typedef unsigned __int128 u128;

static size_t fast_real(char *out, double r)
{
    static const double p10d[] = {1e-4, 1e-3, 1e-2, 1e-1, 1e0,  1e1,  1e2,  1e3,  1e4,  1e5,
                                  1e6,  1e7,  1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
    if (!(r >= 1e-4 && r < 1e15)) {
        return 0;
    }
    uint64_t bits;
    memcpy(&bits, &r, sizeof(bits));
    uint64_t m = (bits & ((UINT64_C(1) << 52) - 1)) | (UINT64_C(1) << 52);
    int shift = 1075 - (int)((bits >> 52) & 0x7ff);  /* r = m / 2^shift, 3 <= shift < 120 */
    /* The decimal exponent x: 2^e2 <= r < 2^(e2+1) puts it at
     * floor(e2 * log10(2)) or one more (1233 / 4096 is log10(2) closely
     * enough for these e2).  The doubles of the table are not all exact
     * powers of ten, so x may be one off next to one: then q below has 16
     * or 18 digits and printf writes the value. */
    int e2 = 52 - shift;
    int x = e2 >= 0 ? (e2 * 1233) >> 12 : -((-e2 * 1233 + 4095) >> 12);
    if (r >= p10d[x + 5]) {
        x++;
    }
    /* m * 10^(16-x) < 2^120; 10^20 (x = -4) is past the table */
    u128 prod = x > -4 ? (u128)m * p10[16 - x] : (u128)m * p10[19] * 10;
    u128 q = prod >> shift;
    u128 rem = prod - (q << shift);
    u128 half = (u128)1 << (shift - 1);
    if (rem > half || (rem == half && (q & 1) != 0)) {
        q++;
    }
    if (q < p10[16] || q >= p10[17]) {
        return 0;                                     /* not 17 digits: leave it to printf */
    }
    /* |out| has room for 32 bytes.  The digits before the point and after
     * it are written apart, then %g's trailing zeros dropped. */
    size_t n;
    if (x < 0) {
        n = (size_t)(1 - x) + 17;                     /* "0.", -x - 1 zeros, the digits */
        memcpy(out, "0.000", 5);
        put_digits(out + n, (uint64_t)q, 17);
    } else {
        int whole = x + 1;
        int frac = 16 - x;
        uint64_t fp = (uint64_t)q % p10[frac];
        put_digits(out + whole, (uint64_t)q / p10[frac], whole);
        if (fp == 0) {
            memcpy(out + whole, ".0", 2);             /* an integer: jansson adds ".0" */
            return (size_t)whole + 2;
        }
        out[whole] = '.';
        n = (size_t)(whole + 1 + frac);
        put_digits(out + n, fp, frac);
    }
    while (out[n - 1] == '0') {
        n--;
    }
    return n;
}

/* As jansson's jsonp_dtostr: 17 significant digits, a ".0" when the text
 * would read as an integer, no '+' and no leading zeros in an exponent. */
void ta_jbuf_real(ta_jbuf *b, double r)
{
    char buf[40];
    if (reserve(b, 32)) {
        size_t fast = fast_real(b->p + b->len, r);
        if (fast > 0) {
            b->len += fast;
            return;
        }
    }
    int n = snprintf(buf, sizeof(buf), "%.17g", r);
    if (n <= 0 || (size_t)n >= sizeof(buf) - 3) {
        ta_jbuf_raw(b, "null", 4);
        return;
    }
    size_t len = (size_t)n;
    if (strchr(buf, '.') == NULL && strchr(buf, 'e') == NULL) {
        memcpy(buf + len, ".0", 3);
        len += 2;
    }
    char *start = strchr(buf, 'e');
    if (start != NULL) {
        start++;
        char *end = start + 1;
        if (*start == '-') {
            start++;
        }
        while (*end == '0') {
            end++;
        }
        if (end != start) {
            memmove(start, end, len - (size_t)(end - buf) + 1);
            len -= (size_t)(end - start);
        }
    }
    ta_jbuf_raw(b, buf, len);
}

static void write_value(ta_jbuf *b, ta_view *v, const ta_fnode *node, const ta_fval *fv);

/* [,]"key": -- a schema key needs no escaping, and its length is known
 * when the schema is compiled: one reserve and one copy a member. */
static inline void put_key(ta_jbuf *b, const ta_fnode *k, bool comma)
{
    size_t n = k->key_len;
    if (!reserve(b, n + 4)) {
        return;
    }
    char *o = b->p + b->len;
    *o = ',';
    o += comma;
    *o++ = '"';
    copy_short(o, k->key, n);
    o += n;
    *o++ = '"';
    *o++ = ':';
    b->len = (size_t)(o - b->p);
}

/* A member's or element's value: the commonest kinds written in the loops
 * of objects and arrays themselves (inline), the others by write_value.
 * A string neither from the capture nor redacted is final as it is. */
static inline void write_member(ta_jbuf *b, ta_view *v, const ta_fnode *node, const ta_fval *fv)
{
    switch (fv->kind) {
    case TA_FV_INT:
        ta_jbuf_int(b, fv->i);
        return;
    case TA_FV_STR:
        if (!fv->raw && v->redactor == NULL) {
            ta_jbuf_string(b, fv->s, fv->len);
            return;
        }
        break;
    case TA_FV_NULL:
        ta_jbuf_raw(b, "null", 4);
        return;
    default:
        break;
    }
    write_value(b, v, node, fv);
}

static void write_object(ta_jbuf *b, ta_view *v, const ta_fnode *node, const void *base,
                         bool first)
{
    for (size_t i = 0; i < node->num_kids; i++) {
        const ta_fnode *k = &node->kids[i];
        ta_fval fv;
        ta_view_get(v, k, base, 0, &fv);
        if (fv.kind == TA_FV_ABSENT) {
            continue;
        }
        put_key(b, k, !first);
        first = false;
        write_member(b, v, k, &fv);
    }
}

static void write_value(ta_jbuf *b, ta_view *v, const ta_fnode *node, const ta_fval *fv)
{
    switch (fv->kind) {
    case TA_FV_BOOL:
        if (fv->b) {
            ta_jbuf_raw(b, "true", 4);
        } else {
            ta_jbuf_raw(b, "false", 5);
        }
        return;
    case TA_FV_INT:
        ta_jbuf_int(b, fv->i);
        return;
    case TA_FV_REAL:
        ta_jbuf_real(b, fv->r);
        return;
    case TA_FV_STR: {
        size_t len;
        const char *s = ta_view_text(v, node, fv, &len);
        ta_jbuf_string(b, s, len);
        return;
    }
    case TA_FV_OBJ:
        put(b, '{');
        write_object(b, v, node, fv->base, true);
        put(b, '}');
        return;
    case TA_FV_ARR: {
        const ta_fnode *e = &node->kids[0];
        put(b, '[');
        for (size_t i = 0; i < fv->count; i++) {
            ta_fval ev;
            ta_view_get(v, e, fv->base, i, &ev);
            if (i > 0) {
                put(b, ',');
            }
            write_member(b, v, e, &ev);
        }
        put(b, ']');
        return;
    }
    case TA_FV_NULL:
    case TA_FV_ABSENT:
    default:
        ta_jbuf_raw(b, "null", 4);
        return;
    }
}

void ta_jsonw_value(ta_jbuf *b, ta_view *v, const ta_fnode *node, const ta_fval *fv)
{
    write_value(b, v, node, fv);
}

int ta_jsonw_conn(ta_jbuf *b, ta_view *v, const char *type, const char *file)
{
    put(b, '{');
    if (type != NULL) {
        ta_jbuf_raw(b, "\"type\":", 7);
        ta_jbuf_string(b, type, strlen(type));
        ta_jbuf_raw(b, ",\"file\":", 8);
        ta_jbuf_string(b, file, strlen(file));
    }
    write_object(b, v, &ta_schema_conn, NULL, type == NULL);
    put(b, '}');
    return !b->nomem && !v->nomem;
}

int ta_jsonw_facts(ta_jbuf *b, const ta_conn *c, ta_chain_ctx *chains)
{
    ta_arena arena;
    ta_derived d;
    ta_view v;

    ta_arena_init(&arena, 0);
    int ok = ta_derive(&d, c, chains, "facts", &arena);
    ta_view_init(&v, c, &d, &arena, NULL);
    ok = ta_jsonw_conn(b, &v, NULL, NULL) && ok;
    ta_view_cleanup(&v);
    ta_derived_cleanup(&d);
    ta_arena_cleanup(&arena);
    return ok;
}

json_t *ta_jsonw_redacted(ta_redactor *r, json_t *conn)
{
    ta_arena arena;
    ta_jbuf b = {0};
    ta_view v;
    json_t *out = NULL;

    ta_arena_init(&arena, 0);
    ta_view_init_json(&v, conn, &arena);
    v.redactor = r;
    if (ta_jsonw_conn(&b, &v, NULL, NULL)) {
        out = json_loadb(b.p, b.len, 0, NULL);
    }
    ta_view_cleanup(&v);
    ta_jbuf_free(&b);
    ta_arena_cleanup(&arena);
    return out;
}
