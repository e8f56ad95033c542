/* keylog.c - NSS key log files and their store (see ta_keylog.h).
 *
 * Format (https://firefox-source-docs.mozilla.org/security/nss/legacy/
 * key_log_format/): "<label> <client_random hex> <secret hex>\n".  The
 * store is an open-addressing table keyed by the 32-byte client random,
 * grown by doubling; every entry holds the secrets of one handshake. */
#include "ta_keylog.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LINE 1024         /* longer lines are bad lines, not buffered */
#define MAX_FILE (256u << 20) /* a key log larger than this is not one */

typedef struct {
    bool used;
    uint8_t random[TA_KL_RANDOM_LEN];
    uint8_t len[TA_KL_NUM];
    uint8_t secret[TA_KL_NUM][TA_KL_MAX_SECRET];
} entry;

struct ta_keylog {
    entry *slots;
    size_t num_slots; /* power of two */
    size_t num_used;
};

static const struct {
    const char *name;
    int label; /* ta_kl_label, or -1: known but not used */
} labels[] = {
    {"CLIENT_RANDOM", TA_KL_CLIENT_RANDOM},
    {"CLIENT_HANDSHAKE_TRAFFIC_SECRET", TA_KL_CLIENT_HS_TRAFFIC},
    {"SERVER_HANDSHAKE_TRAFFIC_SECRET", TA_KL_SERVER_HS_TRAFFIC},
    {"CLIENT_TRAFFIC_SECRET_0", TA_KL_CLIENT_TRAFFIC_0},
    {"SERVER_TRAFFIC_SECRET_0", TA_KL_SERVER_TRAFFIC_0},
};

ta_keylog *ta_keylog_new(void)
{
    ta_keylog *kl = calloc(1, sizeof(*kl));
    if (kl == NULL) {
        return NULL;
    }
    kl->num_slots = 64;
    kl->slots = calloc(kl->num_slots, sizeof(*kl->slots));
    if (kl->slots == NULL) {
        free(kl);
        return NULL;
    }
    return kl;
}

void ta_keylog_free(ta_keylog *kl)
{
    if (kl == NULL) {
        return;
    }
    /* Secrets do not stay in freed memory. */
    memset(kl->slots, 0, kl->num_slots * sizeof(*kl->slots));
    free(kl->slots);
    free(kl);
}

static size_t hash_random(const uint8_t r[TA_KL_RANDOM_LEN])
{
    /* Client randoms are random: their first bytes are a good hash, but a
     * hostile log could collide them, so mix all of it (FNV-1a). */
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < TA_KL_RANDOM_LEN; i++) {
        h = (h ^ r[i]) * 1099511628211ULL;
    }
    return (size_t)h;
}

static entry *find_slot(entry *slots, size_t num_slots, const uint8_t r[TA_KL_RANDOM_LEN])
{
    size_t i = hash_random(r) & (num_slots - 1);
    for (;;) {
        entry *e = &slots[i];
        if (!e->used || memcmp(e->random, r, TA_KL_RANDOM_LEN) == 0) {
            return e;
        }
        i = (i + 1) & (num_slots - 1);
    }
}

static int grow(ta_keylog *kl)
{
    size_t n = kl->num_slots * 2;
    entry *slots = calloc(n, sizeof(*slots));
    if (slots == NULL) {
        return 0;
    }
    for (size_t i = 0; i < kl->num_slots; i++) {
        if (kl->slots[i].used) {
            *find_slot(slots, n, kl->slots[i].random) = kl->slots[i];
        }
    }
    memset(kl->slots, 0, kl->num_slots * sizeof(*kl->slots));
    free(kl->slots);
    kl->slots = slots;
    kl->num_slots = n;
    return 1;
}

static int add(ta_keylog *kl, const uint8_t r[TA_KL_RANDOM_LEN], int label, const uint8_t *secret,
               size_t len)
{
    if ((kl->num_used + 1) * 2 > kl->num_slots && !grow(kl)) {
        return 0;
    }
    entry *e = find_slot(kl->slots, kl->num_slots, r);
    if (!e->used) {
        e->used = true;
        memcpy(e->random, r, TA_KL_RANDOM_LEN);
        kl->num_used++;
    }
    memcpy(e->secret[label], secret, len);
    e->len[label] = (uint8_t)len;
    return 1;
}

static int hexval(uint8_t ch)
{
    if (ch >= '0' && ch <= '9') {
        return ch - '0';
    }
    if (ch >= 'a' && ch <= 'f') {
        return ch - 'a' + 10;
    }
    if (ch >= 'A' && ch <= 'F') {
        return ch - 'A' + 10;
    }
    return -1;
}

/* Decodes the hex field |f| into at most |max| bytes; 0 on a bad digit,
 * an odd count or too many. */
static int unhex(ta_cur *f, uint8_t *out, size_t max, size_t *out_len)
{
    size_t n = ta_cur_len(f);
    if (n == 0 || n % 2 != 0 || n / 2 > max) {
        return 0;
    }
    for (size_t i = 0; i < n / 2; i++) {
        uint8_t hi = 0;   /* set by the reads below: the length was checked */
        uint8_t lo = 0;
        (void)ta_cur_get_u8(f, &hi);
        (void)ta_cur_get_u8(f, &lo);
        if (hexval(hi) < 0 || hexval(lo) < 0) {
            return 0;
        }
        out[i] = (uint8_t)(hexval(hi) << 4 | hexval(lo));
    }
    *out_len = n / 2;
    return 1;
}

/* Splits off the next field separated by spaces or tabs; 0 if none. */
static int next_field(ta_cur *line, ta_cur *out)
{
    uint8_t ch;
    while (ta_cur_peek_u8(line, 0, &ch) && (ch == ' ' || ch == '\t')) {
        (void)ta_cur_skip(line, 1);
    }
    size_t n = 0;
    while (ta_cur_peek_u8(line, n, &ch) && ch != ' ' && ch != '\t') {
        n++;
    }
    return n > 0 && ta_cur_get_bytes(line, out, n);
}

static int field_is(const ta_cur *f, const char *s)
{
    return ta_cur_len(f) == strlen(s) && memcmp(ta_cur_data(f), s, ta_cur_len(f)) == 0;
}

/* One line without its end: 1 added, 0 ignored, -1 bad (|why| set),
 * -2 out of memory. */
static int parse_line(ta_keylog *kl, ta_cur *line, const char **why)
{
    ta_cur label;
    ta_cur rnd;
    ta_cur sec;
    ta_cur extra;
    uint8_t r[TA_KL_RANDOM_LEN];
    uint8_t s[TA_KL_MAX_SECRET];
    size_t rlen;
    size_t slen;
    uint8_t first;

    if (!ta_cur_peek_u8(line, 0, &first) || first == '#') {
        return 0;
    }
    if (!next_field(line, &label)) {
        return 0; /* only blanks */
    }
    int which = -2;
    for (size_t i = 0; i < sizeof(labels) / sizeof(labels[0]); i++) {
        if (field_is(&label, labels[i].name)) {
            which = labels[i].label;
        }
    }
    if (!next_field(line, &rnd) || !next_field(line, &sec) || next_field(line, &extra)) {
        *why = "expected three fields: LABEL CLIENT_RANDOM SECRET";
        return -1;
    }
    if (which == -2) {
        return 0; /* a label we do not use (EXPORTER_SECRET, RSA, ...) */
    }
    if (!unhex(&rnd, r, sizeof(r), &rlen) || rlen != TA_KL_RANDOM_LEN) {
        *why = "the client random is not 64 hex digits";
        return -1;
    }
    if (!unhex(&sec, s, sizeof(s), &slen)) {
        *why = "the secret is not hex, or longer than 48 bytes";
        return -1;
    }
    if ((which == TA_KL_CLIENT_RANDOM && slen != 48) ||
        (which != TA_KL_CLIENT_RANDOM && slen != 32 && slen != 48)) {
        *why = which == TA_KL_CLIENT_RANDOM ? "a CLIENT_RANDOM master secret must be 48 bytes"
                                            : "a traffic secret must be 32 or 48 bytes";
        return -1;
    }
    return add(kl, r, which, s, slen) ? 1 : -2;
}

long ta_keylog_parse(ta_keylog *kl, ta_cur *text, ta_keylog_err_fn err, void *arg)
{
    long added = 0;
    size_t lineno = 0;

    while (ta_cur_len(text) > 0) {
        size_t n = 0;
        uint8_t ch;
        ta_cur line;
        const char *why = NULL;
        while (ta_cur_peek_u8(text, n, &ch) && ch != '\n') {
            n++;
        }
        (void)ta_cur_get_bytes(text, &line, n);
        (void)ta_cur_skip(text, 1); /* the newline, when there is one */
        lineno++;
        if (n > 0 && ta_cur_peek_u8(&line, n - 1, &ch) && ch == '\r') {
            (void)ta_cur_truncate(&line, n - 1);
        }
        uint8_t first = 0;
        bool comment = ta_cur_peek_u8(&line, 0, &first) && first == '#';
        int r = comment ? 0 : n > MAX_LINE ? -1 : parse_line(kl, &line, &why);
        if (r == -2) {
            return -1;
        }
        if (r < 0 && err != NULL) {
            err(arg, lineno, why != NULL ? why : "the line is too long for a key log line");
        }
        added += r > 0;
    }
    return added;
}

long ta_keylog_load(ta_keylog *kl, const char *path, ta_keylog_err_fn err, void *arg)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf = NULL;
    size_t len = 0;
    size_t cap = 0;
    long ret = -1;

    if (f == NULL) {
        return -1;
    }
    for (;;) {
        if (len == cap) {
            size_t ncap = cap == 0 ? 65536 : cap * 2;
            uint8_t *nb = ncap <= MAX_FILE ? realloc(buf, ncap) : NULL;
            if (nb == NULL) {
                errno = ncap > MAX_FILE ? EFBIG : ENOMEM;
                goto out;
            }
            buf = nb;
            cap = ncap;
        }
        size_t k = fread(buf + len, 1, cap - len, f);
        len += k;
        if (k == 0) {
            break;
        }
    }
    if (ferror(f)) {
        errno = EIO;
        goto out;
    }
    ta_cur text;
    ta_cur_init(&text, buf, len);
    ret = ta_keylog_parse(kl, &text, err, arg);
out:
    if (buf != NULL) {
        memset(buf, 0, cap);
    }
    free(buf);
    fclose(f);
    return ret;
}

size_t ta_keylog_count(const ta_keylog *kl)
{
    return kl != NULL ? kl->num_used : 0;
}

size_t ta_keylog_get(const ta_keylog *kl, const uint8_t client_random[TA_KL_RANDOM_LEN],
                     ta_kl_label label, uint8_t out[TA_KL_MAX_SECRET])
{
    if (kl == NULL || kl->num_used == 0 || (int)label < 0 || label >= TA_KL_NUM) {
        return 0;
    }
    const entry *e = find_slot(kl->slots, kl->num_slots, client_random);
    if (!e->used || e->len[label] == 0) {
        return 0;
    }
    memcpy(out, e->secret[label], e->len[label]);
    return e->len[label];
}

bool ta_keylog_has_random(const ta_keylog *kl, const uint8_t client_random[TA_KL_RANDOM_LEN])
{
    if (kl == NULL || kl->num_used == 0) {
        return false;
    }
    return find_slot(kl->slots, kl->num_slots, client_random)->used;
}
