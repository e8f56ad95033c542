/* analyze.c - packets to connections to TLS facts (see ta_analyze.h). */
#include "ta_analyze.h"

#include <stdlib.h>
#include <string.h>

#include "ta_certcache.h"
#include "ta_flow.h"
#include "ta_quic_conn.h"

#define NS_PER_S 1000000000LL
#define DEDUP_WINDOW 8
#define DEDUP_NS 10000000LL   /* copies from 'tcpdump -i any' arrive within microseconds */
#define LINGER_NS 2000000000LL /* a closed connection still takes segments in flight */
#define MAX_LINGERING 1024     /* ...but only so many of them are kept */

typedef struct {
    ta_conn *head;   /* least recently active */
    ta_conn *tail;
} lru_list;

/* What is left of an ended connection: enough to recognise its late
 * packets (the last ACK after both FINs, segments in flight after a RST)
 * so they do not open a new connection.  A fixed table: memory does not
 * grow with the capture. */
#define TOMBSTONES 16384

typedef struct {
    uint32_t hash;
    uint8_t family;
    uint8_t addr[2][16];
    uint16_t port[2];
    int64_t ns;
} tombstone;

/* The latest TCP connection to each server address and port (a small
 * table, overwritten on collision): a failed QUIC connection is followed
 * by the client's fallback to TCP. */
#define RECENT_TCP 4096

typedef struct {
    uint8_t family;
    uint8_t addr[16];
    uint16_t port;
    uint64_t frame;
} recent_tcp;

struct ta_analyzer {
    ta_limits lim;
    ta_emit_fn emit;
    void *emit_arg;
    ta_flow_table flows;
    lru_list open;
    lru_list closed;         /* closed, kept briefly for segments still in flight */
    size_t num_closed;
    tombstone *tombs;
    recent_tcp *recent_tcp;
    ta_cert_cache *cert_cache;
    uint64_t next_id;
    int64_t prev_ns;
    ta_stats stats;
    uint64_t recent_key[DEDUP_WINDOW];   /* keys apart from times: one compare each */
    int64_t recent_ns[DEDUP_WINDOW];
    size_t recent_next;
};

/* Per-direction context for the reassembly callbacks. */
typedef struct {
    ta_analyzer *a;
    ta_conn *c;
    int dir;
} sink_ctx;

void ta_limits_default(ta_limits *lim)
{
    memset(lim, 0, sizeof(*lim));    /* pointers (cert cache, key logs) start NULL */
    lim->tls.max_handshake_bytes = 256 * 1024;
    lim->tls.max_ooo_bytes = 256 * 1024;
    lim->tls.max_scan_bytes = 16 * 1024;
    lim->max_conns = 65536;
    lim->idle_ns = 600 * NS_PER_S;
    lim->linger_ns = 120 * NS_PER_S;
    lim->shard_k = 0;
    lim->shard_n = 1;
    lim->tls.cert_cache = NULL;
}

ta_analyzer *ta_analyzer_new(const ta_limits *lim, ta_emit_fn emit, void *arg)
{
    ta_analyzer *a = calloc(1, sizeof(*a));
    if (a == NULL) {
        return NULL;
    }
    a->tombs = calloc(TOMBSTONES, sizeof(*a->tombs));
    a->recent_tcp = calloc(RECENT_TCP, sizeof(*a->recent_tcp));
    a->cert_cache = ta_cert_cache_new(256);
    if (a->tombs == NULL || a->recent_tcp == NULL || a->cert_cache == NULL ||
        !ta_flow_init(&a->flows)) {
        ta_cert_cache_free(a->cert_cache);
        free(a->recent_tcp);
        free(a->tombs);
        free(a);
        return NULL;
    }
    a->lim = *lim;
    a->lim.tls.cert_cache = a->cert_cache;
    a->emit = emit;
    a->emit_arg = arg;
    return a;
}

const ta_stats *ta_analyzer_stats(const ta_analyzer *a)
{
    return &a->stats;
}

static void lru_unlink(lru_list *l, ta_conn *c)
{
    if (c->lru_prev != NULL) {
        c->lru_prev->lru_next = c->lru_next;
    } else {
        l->head = c->lru_next;
    }
    if (c->lru_next != NULL) {
        c->lru_next->lru_prev = c->lru_prev;
    } else {
        l->tail = c->lru_prev;
    }
    c->lru_prev = NULL;
    c->lru_next = NULL;
}

static void lru_append(lru_list *l, ta_conn *c)
{
    c->lru_prev = l->tail;
    c->lru_next = NULL;
    if (l->tail != NULL) {
        l->tail->lru_next = c;
    } else {
        l->head = c;
    }
    l->tail = c;
}

static void on_data(void *arg, ta_cur *bytes, uint64_t frame)
{
    sink_ctx *s = arg;
    ta_tls_data(s->c, s->dir, bytes, frame, &s->a->lim.tls);
}

static void on_gap(void *arg, uint32_t lost, uint64_t frame)
{
    sink_ctx *s = arg;
    ta_tls_gap(s->c, s->dir, lost, frame);
}

bool ta_conn_failed(const ta_conn *c)
{
    const char *o = ta_tls_outcome(c);
    return strcmp(o, "completed") != 0 && strcmp(o, "not_tls") != 0 &&
           strcmp(o, "midstream") != 0;
}

/* Remembers the server port of a connection that carried no TLS, for the
 * "no TLS found" hint. */
static void count_port(ta_stats *st, const ta_conn *c)
{
    int sdir = c->cdir >= 0 ? 1 - c->cdir : (c->port[0] < c->port[1] ? 0 : 1);
    uint16_t port = c->port[sdir];
    for (size_t i = 0; i < TA_MAX_PORTS; i++) {
        if (st->port_conns[i] == 0 || st->ports[i] == port) {
            st->ports[i] = port;
            st->port_conns[i]++;
            return;
        }
    }
}

static tombstone *tomb_slot(ta_analyzer *a, uint32_t hash)
{
    return &a->tombs[hash % TOMBSTONES];
}

static void bury(ta_analyzer *a, const ta_conn *c)
{
    tombstone *t = tomb_slot(a, c->hash);
    t->hash = c->hash;
    t->family = c->family;
    memcpy(t->addr, c->addr, sizeof(t->addr));
    memcpy(t->port, c->port, sizeof(t->port));
    t->ns = c->last_ns;
}

/* Is |p| a late packet of a connection that ended less than linger_ns ago? */
static bool is_late(ta_analyzer *a, const ta_packet *p, uint32_t h, int64_t ns)
{
    const tombstone *t = tomb_slot(a, h);
    size_t alen = p->family == 4 ? 4 : 16;
    if (t->ns == 0 || t->hash != h || t->family != p->family || ns - t->ns > a->lim.linger_ns) {
        return false;
    }
    return (t->port[0] == p->sport && t->port[1] == p->dport &&
            memcmp(t->addr[0], p->src, alen) == 0 && memcmp(t->addr[1], p->dst, alen) == 0) ||
           (t->port[1] == p->sport && t->port[0] == p->dport &&
            memcmp(t->addr[1], p->src, alen) == 0 && memcmp(t->addr[0], p->dst, alen) == 0);
}

/* Ends a connection: flush reassembly, conclude, emit, free. */
/* Takes |c| out of the table and its list, leaving a tombstone. */
static void detach(ta_analyzer *a, ta_conn *c)
{
    ta_flow_remove(&a->flows, c);
    if (c->lingering) {
        lru_unlink(&a->closed, c);
        a->num_closed--;
    } else {
        lru_unlink(&a->open, c);
    }
    if (!c->idle_ended) {
        bury(a, c);   /* an idle one may resume: its packets open a new connection */
    }
}

/* The slot of server |addr| (|family|) and |port| in the recent TCP table. */
static recent_tcp *recent_slot(ta_analyzer *a, uint8_t family, const uint8_t *addr, uint16_t port)
{
    uint32_t h = 2166136261u ^ port ^ ((uint32_t)family << 16);
    for (size_t i = 0; i < (family == 4 ? 4u : 16u); i++) {
        h = (h ^ addr[i]) * 16777619u;
    }
    return &a->recent_tcp[h % RECENT_TCP];
}

/* A QUIC connection: did a TCP connection to its server begin after it? */
static void note_fallback(ta_analyzer *a, ta_conn *c)
{
    int sd = 1 - ta_conn_client_dir(c);
    size_t alen = c->family == 4 ? 4 : 16;
    const recent_tcp *t = recent_slot(a, c->family, c->addr[sd], c->port[sd]);
    if (t->frame > c->first_frame && t->family == c->family && t->port == c->port[sd] &&
        memcmp(t->addr, c->addr[sd], alen) == 0) {
        c->quic->tcp_after_frame = t->frame;
    }
}

static void end_conn(ta_analyzer *a, ta_conn *c)
{
    if (c->other_shard) {
        detach(a, c);     /* numbered, not analysed: another shard reports it */
        ta_conn_free(c);
        return;
    }
    if (c->quic != NULL) {
        ta_quic_finish(c, &a->lim.tls);
        note_fallback(a, c);
    }
    for (int d = 0; d < 2; d++) {
        sink_ctx s = {a, c, d};
        ta_stream_sink sink = {on_data, on_gap, &s};
        ta_stream_flush(&c->dir[d].tcp, &sink);
    }
    for (int d = 0; d < 2; d++) {
        const ta_stream *t = &c->dir[d].tcp;
        const char *who = ta_conn_side(c, d) == TA_FROM_CLIENT ? "client" : "server";
        if (t->num_cap_hits > 0) {
            ta_conn_warn(c, "the %s's out-of-order data passed %zu bytes %u times: holes were "
                         "given up early (raise with --max-reassembly-bytes)", who,
                         a->lim.tls.max_ooo_bytes, t->num_cap_hits);
        }
        if (t->num_conflicts > 0) {
            ta_conn_warn(c, "%u overlapping segments from the %s carried different bytes; the "
                         "first copy was kept", t->num_conflicts, who);
        }
    }
    ta_tls_finish(c);
    if (c->cdir < 0 && c->port[0] != c->port[1]) {
        ta_conn_set_client(c, c->port[0] > c->port[1] ? 0 : 1, TA_CLIENT_BY_PORT);
    }
    if (c->quic != NULL) {
        a->stats.quic_connections++;
    }
    if (c->dir[0].is_tls || c->dir[1].is_tls) {
        a->stats.tls_connections++;
        if (ta_conn_failed(c)) {
            a->stats.failed++;
        }
    } else if (c->quic == NULL) {
        count_port(&a->stats, c);
    }
    detach(a, c);
    a->emit(a->emit_arg, c);
    ta_conn_free(c);
}

static ta_conn *new_conn(ta_analyzer *a, const ta_packet *p, uint32_t h, const ta_record *r)
{
    size_t alen = p->family == 4 ? 4 : 16;
    if (a->flows.num >= a->lim.max_conns && a->open.head != NULL) {
        a->stats.evicted++;
        ta_conn_warn(a->open.head, "ended early: more than %zu connections open at once "
                     "(raise with --max-connections)", a->lim.max_conns);
        end_conn(a, a->open.head);
    }
    ta_conn *c = calloc(1, sizeof(*c));
    if (c == NULL) {
        return NULL;
    }
    c->id = a->next_id++;
    c->family = p->family;
    memcpy(c->addr[0], p->src, alen);
    memcpy(c->addr[1], p->dst, alen);
    c->port[0] = p->sport;
    c->port[1] = p->dport;
    c->first_frame = r->frame;
    c->first_ns = r->ns;
    c->hash = h;
    c->cdir = -1;
    /* The flow hash is the same both ways, so a connection's shard is too.
     * Other shards' connections are still numbered, so ids match a run
     * without --shard. */
    c->other_shard = a->lim.shard_n > 1 && h % a->lim.shard_n != a->lim.shard_k;
    for (int d = 0; d < 2; d++) {
        ta_stream_init(&c->dir[d].tcp, a->lim.tls.max_ooo_bytes);
    }
    if (!ta_flow_insert(&a->flows, c)) {
        ta_conn_free(c);
        return NULL;
    }
    lru_append(&a->open, c);
    if (p->proto == TA_PROTO_TCP) {
        /* The first packet's destination: the server of a connection seen from its SYN. */
        recent_tcp *t = recent_slot(a, p->family, p->dst, p->dport);
        t->family = p->family;
        memcpy(t->addr, p->dst, alen);
        t->port = p->dport;
        t->frame = r->frame;
    }
    a->stats.connections += !c->other_shard;
    if (a->flows.num > a->stats.peak_open) {
        a->stats.peak_open = a->flows.num;
    }
    return c;
}

/* Exact copies of a packet (the same segment seen on two interfaces by
 * 'tcpdump -i any') arrive back to back; a retransmission comes much
 * later.  Same endpoints, sequence, acknowledgement, flags and payload
 * within DEDUP_NS is a copy. */
static bool is_duplicate(ta_analyzer *a, const ta_packet *p, uint32_t h, int64_t ns)
{
    uint64_t key = h;
    ta_cur pl = p->payload;
    size_t n = ta_cur_len(&pl);
    uint8_t edge[16] = {0};

    key = key * 1000003u ^ p->seq;
    key = key * 1000003u ^ p->ack;
    key = key * 1000003u ^ ((uint64_t)p->flags << 32 | n);
    if (n > 0) {
        /* The first and last 8 payload bytes, as two words. */
        ta_cur tail = pl;
        uint64_t w[2];
        (void)ta_cur_copy(&pl, edge, n < 8 ? n : 8);
        (void)ta_cur_skip(&tail, n > 8 ? n - 8 : 0);
        (void)ta_cur_copy(&tail, edge + 8, ta_cur_len(&tail));
        memcpy(w, edge, sizeof(w));
        key = (key ^ w[0]) * 1099511628211u;
        key = (key ^ (key >> 29) ^ w[1]) * 1099511628211u;
    }
    for (size_t i = 0; i < DEDUP_WINDOW; i++) {
        if (a->recent_key[i] == key && ns - a->recent_ns[i] >= 0 &&
            ns - a->recent_ns[i] < DEDUP_NS) {
            return true;
        }
    }
    a->recent_key[a->recent_next] = key;
    a->recent_ns[a->recent_next] = ns;
    a->recent_next = (a->recent_next + 1) % DEDUP_WINDOW;
    return false;
}

static void expire(ta_analyzer *a, int64_t now)
{
    while (a->closed.head != NULL &&
           (now - a->closed.head->last_ns > LINGER_NS || a->num_closed > MAX_LINGERING)) {
        end_conn(a, a->closed.head);
    }
    while (a->open.head != NULL && now - a->open.head->last_ns > a->lim.idle_ns) {
        ta_conn *c = a->open.head;
        ta_conn_warn(c, "ended after %lld s without a packet (frame %llu is that much later; "
                     "raise with --idle-timeout)", (long long)(a->lim.idle_ns / NS_PER_S),
                     (unsigned long long)a->stats.packets);
        c->idle_ended = true;
        a->stats.idle_ended++;
        end_conn(a, c);
    }
}

static void note_record(ta_analyzer *a, const ta_record *r)
{
    ta_stats *st = &a->stats;
    bool known = false;

    st->packets++;
    if (st->packets == 1) {
        st->first_ns = r->ns;
    } else if (r->ns < a->prev_ns) {
        st->time_backwards++;
    }
    a->prev_ns = r->ns;
    if (r->ns > st->last_ns) {
        st->last_ns = r->ns;
    }
    if (r->caplen > st->max_caplen) {
        st->max_caplen = r->caplen;
    }
    for (size_t i = 0; i < st->num_linktypes; i++) {
        known = known || st->linktypes[i] == r->linktype;
    }
    if (!known && st->num_linktypes < sizeof(st->linktypes) / sizeof(st->linktypes[0])) {
        st->linktypes[st->num_linktypes++] = r->linktype;
    }
}

/* A SYN on a known 4-tuple opens a new connection when the old one is
 * closed or had another initial sequence number. */
static bool reuses_tuple(const ta_conn *c, int dir, const ta_packet *p)
{
    const ta_dir *d = &c->dir[dir];
    if ((p->flags & (TA_TCP_SYN | TA_TCP_ACK)) != TA_TCP_SYN) {
        return false;
    }
    return c->closed || (d->syn && d->isn != p->seq) ||
           (!d->syn && c->dir[0].bytes + c->dir[1].bytes > 0);
}

static void touch(ta_analyzer *a, ta_conn *c, const ta_record *r)
{
    c->last_frame = r->frame;
    c->last_ns = r->ns;
    c->now_ns = r->ns;
    lru_list *l = c->lingering ? &a->closed : &a->open;
    lru_unlink(l, c);
    lru_append(l, c);
}

/* A FIN or RST from |d|: the first of each, and the first of either. */
static void note_close(ta_dir *d, uint8_t flags, uint64_t frame)
{
    if ((flags & TA_TCP_FIN) && !d->fin) {
        d->fin = true;
        d->fin_only_frame = frame;
    }
    if ((flags & TA_TCP_RST) && !d->rst) {
        d->rst = true;
        d->rst_frame = frame;
    }
    if (d->fin_frame == 0) {
        d->fin_frame = frame;
    }
}

static void tcp_segment(ta_analyzer *a, ta_conn *c, int dir, ta_packet *p, uint64_t frame)
{
    ta_dir *d = &c->dir[dir];
    sink_ctx s = {a, c, dir};
    ta_stream_sink sink = {on_data, on_gap, &s};
    sink_ctx so = {a, c, 1 - dir};
    ta_stream_sink sink_other = {on_data, on_gap, &so};

    if (p->flags & TA_TCP_SYN) {
        if (!d->syn) {
            d->syn = true;
            d->isn = p->seq;
        }
        ta_stream_syn(&d->tcp, p->seq);
        ta_conn_set_client(c, (p->flags & TA_TCP_ACK) ? 1 - dir : dir, TA_CLIENT_BY_SYN);
    }
    /* The payload is followed for the connection's whole life: after the
     * handshake the record layer reads headers only (closing alerts). */
    if (!c->other_shard && d->state != TA_REC_OFF && ta_cur_len(&p->payload) > 0) {
        uint32_t seq = p->seq + ((p->flags & TA_TCP_SYN) ? 1 : 0);
        ta_stream_segment(&d->tcp, seq, &p->payload, frame, &sink);
    }
    if (!c->other_shard && (p->flags & TA_TCP_ACK) && c->dir[1 - dir].state != TA_REC_OFF) {
        ta_stream_peer_ack(&c->dir[1 - dir].tcp, p->ack, &sink_other);
    }
    if (p->flags & (TA_TCP_FIN | TA_TCP_RST)) {
        note_close(d, p->flags, frame);
    }
    c->closed = d->rst || (c->dir[0].fin && c->dir[1].fin);
}

/* Moves a connection that has ended to the closed list: packets already
 * in flight may still come; after the linger, late ones meet the tombstone. */
static void linger(ta_analyzer *a, ta_conn *c, int64_t ns)
{
    lru_unlink(&a->open, c);
    lru_append(&a->closed, c);
    c->lingering = true;
    a->num_closed++;
    expire(a, ns);
}

/* The QUIC connection of a datagram on its 4-tuple: the one its connection
 * IDs name, else the latest one nothing contradicts; NULL for none. */
static ta_conn *find_quic(ta_analyzer *a, const ta_packet *p, uint32_t h, int *out_dir)
{
    size_t pos = 0;
    int dir = 0;
    ta_conn *loose = NULL;
    int loose_dir = 0;
    ta_conn *c;
    while ((c = ta_flow_find_next(&a->flows, p, h, &dir, &pos)) != NULL) {
        if (ta_quic_owns(c, dir, &p->payload, true)) {
            *out_dir = dir;
            return c;
        }
        if ((loose == NULL || c->id > loose->id) && ta_quic_owns(c, dir, &p->payload, false)) {
            loose = c;
            loose_dir = dir;
        }
    }
    *out_dir = loose_dir;
    return loose;
}

/* A UDP datagram: QUIC, or skipped as before.  Only a client Initial that
 * opens with the keys of its own DCID starts a connection, whatever the
 * port; other UDP is left alone. */
static void udp_datagram(ta_analyzer *a, ta_packet *p, const ta_record *r)
{
    /* Apart from a TCP connection's hash on the same ports, and the same
     * both ways (for --shard). */
    uint32_t h = ta_flow_hash(p) ^ 0x5bd1e995u;
    int dir = 0;

    p->seq = 0;     /* TCP's fields take no part in a datagram's duplicate key */
    p->ack = 0;
    p->flags = 0;
    ta_conn *c = a->flows.num > 0 ? find_quic(a, p, h, &dir) : NULL;

    if (c != NULL && ta_quic_new_attempt(c, dir, &p->payload)) {
        c = NULL;   /* another connection on the same 4-tuple: both stay open */
    }
    if (c == NULL) {
        if (!ta_quic_client_initial(&p->payload)) {
            if (is_late(a, p, h, r->ns)) {
                a->stats.late_packets++;   /* after its connection's CONNECTION_CLOSE */
            } else {
                a->stats.skipped[TA_DEC_NOT_TCP]++;
            }
            return;
        }
        c = new_conn(a, p, h, r);
        dir = 0;
        if (c == NULL) {
            return;
        }
        if (!ta_quic_conn_start(c, &p->payload, &a->lim.tls)) {
            detach(a, c);
            ta_conn_free(c);
            return;
        }
    }
    if (is_duplicate(a, p, h, r->ns)) {
        a->stats.duplicates++;
        return;
    }
    a->stats.quic_packets++;
    touch(a, c, r);
    if (!c->other_shard) {
        ta_quic_datagram_in(c, dir, &p->payload, r->frame, &a->lim.tls);
    }
    c->closed = c->quic->close.seen;
    if (c->closed && !c->lingering) {
        linger(a, c, r->ns);
    }
}

void ta_analyzer_record(ta_analyzer *a, const ta_record *r)
{
    ta_packet p;
    int dir = 0;

    note_record(a, r);
    expire(a, r->ns);
    ta_decode_status st = ta_decode_transport(&p, r->linktype, r->data, r->caplen, r->wirelen);
    if (st != TA_DEC_OK) {
        a->stats.skipped[st]++;
        if (st == TA_DEC_TRUNCATED && r->caplen < r->wirelen) {
            a->stats.cut_packets++;
        }
        return;
    }
    if (p.payload_truncated) {
        a->stats.cut_packets++;
    }
    if (p.proto == TA_PROTO_UDP) {
        udp_datagram(a, &p, r);
        return;
    }
    a->stats.tcp_packets++;
    uint32_t h = ta_flow_hash(&p);
    if (is_duplicate(a, &p, h, r->ns)) {
        a->stats.duplicates++;
        return;
    }
    ta_conn *c = ta_flow_find(&a->flows, &p, h, &dir);
    if (c != NULL && reuses_tuple(c, dir, &p)) {
        end_conn(a, c);
        c = NULL;
    }
    if (c == NULL && !(p.flags & TA_TCP_SYN) && is_late(a, &p, h, r->ns)) {
        a->stats.late_packets++;
        return;
    }
    if (c == NULL) {
        c = new_conn(a, &p, h, r);
        dir = 0;
        if (c == NULL) {
            return;
        }
    }
    touch(a, c, r);
    tcp_segment(a, c, dir, &p, r->frame);
    if (c->closed && !c->lingering) {
        linger(a, c, r->ns);   /* both FINs or a RST */
    }
}

static int by_id(const void *x, const void *y)
{
    const ta_conn *a = *(ta_conn *const *)x;
    const ta_conn *b = *(ta_conn *const *)y;
    return a->id < b->id ? -1 : a->id > b->id;
}

void ta_analyzer_finish(ta_analyzer *a)
{
    size_t n = a->flows.num;
    ta_conn **all = n > 0 ? malloc(n * sizeof(*all)) : NULL;
    size_t k = 0;

    if (all == NULL) {
        while (a->open.head != NULL) {
            end_conn(a, a->open.head);
        }
        while (a->closed.head != NULL) {
            end_conn(a, a->closed.head);
        }
        return;
    }
    for (ta_conn *c = a->open.head; c != NULL && k < n; c = c->lru_next) {
        all[k++] = c;
    }
    for (ta_conn *c = a->closed.head; c != NULL && k < n; c = c->lru_next) {
        all[k++] = c;
    }
    qsort(all, k, sizeof(*all), by_id);
    for (size_t i = 0; i < k; i++) {
        end_conn(a, all[i]);
    }
    free(all);
}

void ta_analyzer_free(ta_analyzer *a)
{
    if (a == NULL) {
        return;
    }
    while (a->open.head != NULL) {
        ta_conn *c = a->open.head;
        lru_unlink(&a->open, c);
        ta_conn_free(c);
    }
    while (a->closed.head != NULL) {
        ta_conn *c = a->closed.head;
        lru_unlink(&a->closed, c);
        ta_conn_free(c);
    }
    ta_flow_cleanup(&a->flows);
    ta_cert_cache_free(a->cert_cache);
    free(a->recent_tcp);
    free(a->tombs);
    free(a);
}
