/* flow.c - open-addressing table of TCP connections (see ta_flow.h). */
#include "ta_flow.h"

#include <stdlib.h>
#include <string.h>

#define INITIAL_CAP 1024

int ta_flow_init(ta_flow_table *t)
{
    t->slots = calloc(INITIAL_CAP, sizeof(*t->slots));
    t->cap = INITIAL_CAP;
    t->num = 0;
    return t->slots != NULL;
}

/* One endpoint, a word at a time (this runs for every packet): the
 * address words and the port multiplied in, then murmur3's fmix32 so that
 * adding two endpoint hashes mixes well. */
static uint32_t endpoint_hash(const uint8_t *addr, uint16_t port, size_t alen)
{
    uint32_t h = 2166136261u ^ port;
    for (size_t i = 0; i < alen; i += 4) {
        uint32_t w;
        memcpy(&w, addr + i, sizeof(w));   /* decoded copy, not capture memory */
        h = (h ^ w) * 0x9e3779b1u;
        h ^= h >> 15;
    }
    h ^= h >> 16;
    h *= 0x85ebca6bu;
    h ^= h >> 13;
    h *= 0xc2b2ae35u;
    h ^= h >> 16;
    return h;
}

uint32_t ta_flow_hash(const ta_packet *p)
{
    size_t alen = p->family == 4 ? 4 : 16;
    /* A sum is symmetric: A->B and B->A hash alike. */
    return endpoint_hash(p->src, p->sport, alen) + endpoint_hash(p->dst, p->dport, alen) +
           p->family;
}

/* Addresses of |family| equal?  Constant sizes let the compiler inline it. */
static bool same_addr(uint8_t family, const uint8_t *a, const uint8_t *b)
{
    return family == 4 ? memcmp(a, b, 4) == 0 : memcmp(a, b, 16) == 0;
}

static int match(const ta_conn *c, const ta_packet *p, int *out_dir)
{
    /* TCP and QUIC connections on the same addresses and ports are apart. */
    if (c->family != p->family || (c->quic != NULL) != (p->proto == TA_PROTO_UDP)) {
        return 0;
    }
    if (c->port[0] == p->sport && c->port[1] == p->dport &&
        same_addr(p->family, c->addr[0], p->src) && same_addr(p->family, c->addr[1], p->dst)) {
        *out_dir = 0;
        return 1;
    }
    if (c->port[1] == p->sport && c->port[0] == p->dport &&
        same_addr(p->family, c->addr[1], p->src) && same_addr(p->family, c->addr[0], p->dst)) {
        *out_dir = 1;
        return 1;
    }
    return 0;
}

ta_conn *ta_flow_find(const ta_flow_table *t, const ta_packet *p, uint32_t h, int *out_dir)
{
    size_t mask = t->cap - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        ta_conn *c = t->slots[i];
        if (c == NULL) {
            return NULL;
        }
        if (c->hash == h && match(c, p, out_dir)) {
            return c;
        }
    }
}

ta_conn *ta_flow_find_next(const ta_flow_table *t, const ta_packet *p, uint32_t h, int *out_dir,
                           size_t *pos)
{
    size_t mask = t->cap - 1;
    size_t i = *pos == 0 ? h & mask : *pos & mask;
    for (;; i = (i + 1) & mask) {
        ta_conn *c = t->slots[i];
        if (c == NULL) {
            return NULL;
        }
        if (c->hash == h && match(c, p, out_dir)) {
            *pos = ((i + 1) & mask) | (t->cap);   /* never 0: 0 means "from the start" */
            return c;
        }
    }
}

static void place(ta_conn **slots, size_t cap, ta_conn *c)
{
    size_t mask = cap - 1;
    size_t i = c->hash & mask;
    while (slots[i] != NULL) {
        i = (i + 1) & mask;
    }
    slots[i] = c;
}

static int grow(ta_flow_table *t)
{
    size_t cap = t->cap * 2;
    ta_conn **slots = calloc(cap, sizeof(*slots));
    if (slots == NULL) {
        return 0;
    }
    for (size_t i = 0; i < t->cap; i++) {
        if (t->slots[i] != NULL) {
            place(slots, cap, t->slots[i]);
        }
    }
    free(t->slots);
    t->slots = slots;
    t->cap = cap;
    return 1;
}

int ta_flow_insert(ta_flow_table *t, ta_conn *c)
{
    /* Keep the load at or below one half so probes stay short. */
    if ((t->num + 1) * 2 > t->cap && !grow(t)) {
        return 0;
    }
    place(t->slots, t->cap, c);
    t->num++;
    return 1;
}

void ta_flow_remove(ta_flow_table *t, ta_conn *c)
{
    size_t mask = t->cap - 1;
    size_t i = c->hash & mask;
    while (t->slots[i] != c) {
        if (t->slots[i] == NULL) {
            return;
        }
        i = (i + 1) & mask;
    }
    /* Backward-shift deletion: move later members of the probe run into
     * the hole when their home slot allows it. */
    size_t hole = i;
    for (size_t j = (i + 1) & mask; t->slots[j] != NULL; j = (j + 1) & mask) {
        size_t home = t->slots[j]->hash & mask;
        if (((j - home) & mask) >= ((j - hole) & mask)) {
            t->slots[hole] = t->slots[j];
            hole = j;
        }
    }
    t->slots[hole] = NULL;
    t->num--;
}

void ta_flow_cleanup(ta_flow_table *t)
{
    if (t == NULL) {
        return;
    }
    free(t->slots);
    t->slots = NULL;
    t->cap = 0;
    t->num = 0;
}
