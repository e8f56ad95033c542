/* apigee.c - a connection's place in an Apigee deployment (ta_apigee.h). */
#include "ta_apigee.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ta_decode.h"

/* Hosts the pre-pass keeps: a fixed table, so that memory does not grow
 * with the capture.  A capture with more hosts keeps the first ones; the
 * capture host and the gateway come early in any capture taken on them. */
#define HOST_SLOTS 4096

/* What the pre-pass learnt of one host, from the SYNs it saw. */
typedef struct {
    bool used;
    uint8_t family;
    uint8_t addr[16];
    uint64_t conns;          /* connections it is an end of */
    uint64_t server_mp;      /* ... as the server on the MP port */
    uint64_t client_mp;      /* ... as the client to the MP port */
    bool local;              /* a cooked capture said a packet left it or came to it */
    bool remote;             /* ... or that one came from it or went to it */
} host;

struct ta_apigee {
    ta_apigee_cfg cfg;
    host *hosts;             /* HOST_SLOTS, open addressing */
    uint64_t conns;          /* SYNs seen */
    const host *capture_host;  /* inferred, when not given */
};

/* ---------------------------------------------------------------- names */

const char *ta_apigee_dir_name(ta_apigee_dir d)
{
    switch (d) {
    case TA_AP_NORTHBOUND:
        return "northbound";
    case TA_AP_SOUTHBOUND:
        return "southbound";
    case TA_AP_DIR_NONE:
    default:
        return NULL;
    }
}

const char *ta_apigee_role_name(ta_apigee_role r)
{
    switch (r) {
    case TA_AP_CLIENT_APP:
        return "client app";
    case TA_AP_ROUTER:
        return "router";
    case TA_AP_MP:
        return "message processor";
    case TA_AP_BACKEND:
        return "backend";
    case TA_AP_ROLE_NONE:
    default:
        return NULL;
    }
}

const char *ta_apigee_how_name(ta_apigee_how h)
{
    switch (h) {
    case TA_AP_BY_OPTION:
        return "option";
    case TA_AP_INFERRED:
        return "inferred";
    case TA_AP_UNKNOWN:
    default:
        return "unknown";
    }
}

const char *ta_apigee_traffic_name(ta_apigee_traffic t)
{
    switch (t) {
    case TA_AP_INCOMING:
        return "incoming";
    case TA_AP_OUTGOING:
        return "outgoing";
    case TA_AP_TRAFFIC_NONE:
    default:
        return NULL;
    }
}

/* ---------------------------------------------------------------- parsing */

/* "ADDR" or "ADDR/LEN" (no port) into |out|. */
static int parse_addr(const char *text, size_t len, bool v6_only, ta_apigee_net *out)
{
    char buf[INET6_ADDRSTRLEN + 8];
    if (len == 0 || len >= sizeof(buf)) {
        return 0;
    }
    memcpy(buf, text, len);
    buf[len] = '\0';
    char *slash = strchr(buf, '/');
    long prefix = -1;
    if (slash != NULL) {
        char *end = NULL;
        *slash = '\0';
        prefix = strtol(slash + 1, &end, 10);
        if (slash[1] < '0' || slash[1] > '9' || *end != '\0') {
            return 0;
        }
    }
    memset(out, 0, sizeof(*out));
    if (!v6_only && inet_pton(AF_INET, buf, out->addr) == 1) {
        out->family = 4;
        out->prefix = 32;
    } else if (inet_pton(AF_INET6, buf, out->addr) == 1) {
        out->family = 6;
        out->prefix = 128;
    } else {
        return 0;
    }
    if (prefix > out->prefix) {
        return 0;
    }
    out->prefix = prefix >= 0 ? (uint8_t)prefix : out->prefix;
    return 1;
}

static int parse_port(const char *s, uint16_t *out)
{
    char *end = NULL;
    if (*s < '0' || *s > '9') {
        return 0;
    }
    long p = strtol(s, &end, 10);
    if (*end != '\0' || p < 1 || p > 65535) {
        return 0;
    }
    *out = (uint16_t)p;
    return 1;
}

int ta_apigee_parse_net(const char *text, bool with_port, ta_apigee_net *out)
{
    size_t n = strlen(text);
    if (text[0] == '[') {                       /* [v6], [v6]:port, [v6]/len */
        const char *close = strchr(text, ']');
        if (close == NULL || !parse_addr(text + 1, (size_t)(close - text - 1), true, out)) {
            return 0;
        }
        if (close[1] == '/') {
            char one[64];
            int k = snprintf(one, sizeof(one), "::%s", close + 1);
            ta_apigee_net p;
            if (k <= 0 || (size_t)k >= sizeof(one) || !parse_addr(one, (size_t)k, true, &p)) {
                return 0;
            }
            out->prefix = p.prefix;
            return 1;
        }
        return close[1] == '\0' || (with_port && close[1] == ':' &&
                                    parse_port(close + 2, &out->port));
    }
    const char *colon = strchr(text, ':');
    if (colon != NULL && strchr(colon + 1, ':') == NULL) {   /* IPv4:port */
        return with_port && parse_addr(text, (size_t)(colon - text), false, out) &&
               out->family == 4 && parse_port(colon + 1, &out->port);
    }
    return parse_addr(text, n, false, out);
}

/* ---------------------------------------------------------------- matching */

/* Port 0: any (a client's port says nothing about the host). */
static bool net_has(const ta_apigee_net *net, uint8_t family, const uint8_t *addr,
                    uint16_t port)
{
    if (net->family != family || (net->port != 0 && port != 0 && net->port != port)) {
        return false;
    }
    size_t whole = net->prefix / 8;
    unsigned rest = net->prefix % 8;
    if (memcmp(net->addr, addr, whole) != 0) {
        return false;
    }
    uint8_t mask = (uint8_t)(0xff << (8 - rest));
    return rest == 0 || (net->addr[whole] & mask) == (addr[whole] & mask);
}

static bool in_nets(const ta_apigee_net *nets, size_t n, uint8_t family, const uint8_t *addr,
                    uint16_t port)
{
    for (size_t i = 0; i < n; i++) {
        if (net_has(&nets[i], family, addr, port)) {
            return true;
        }
    }
    return false;
}

/* ---------------------------------------------------------------- pre-pass */

ta_apigee *ta_apigee_new(const ta_apigee_cfg *cfg)
{
    ta_apigee *a = calloc(1, sizeof(*a));
    if (a == NULL) {
        return NULL;
    }
    a->cfg = *cfg;
    a->hosts = calloc(HOST_SLOTS, sizeof(*a->hosts));
    if (a->hosts == NULL) {
        free(a);
        return NULL;
    }
    return a;
}

void ta_apigee_free(ta_apigee *a)
{
    if (a != NULL) {
        free(a->hosts);
        free(a);
    }
}

static uint32_t addr_hash(uint8_t family, const uint8_t *addr)
{
    uint32_t h = 2166136261u ^ family;
    for (size_t i = 0; i < (family == 4 ? 4u : 16u); i++) {
        h = (h ^ addr[i]) * 16777619u;
    }
    return h;
}

/* The host of |addr|, made when new; NULL when the table is full. */
static host *host_of(const ta_apigee *a, uint8_t family, const uint8_t *addr, bool make)
{
    uint32_t h = addr_hash(family, addr);
    for (size_t probe = 0; probe < 64; probe++) {
        host *s = &a->hosts[(h + probe) % HOST_SLOTS];
        if (!s->used) {
            if (!make) {
                return NULL;
            }
            s->used = true;
            s->family = family;
            memcpy(s->addr, addr, sizeof(s->addr));
            return s;
        }
        if (s->family == family && memcmp(s->addr, addr, sizeof(s->addr)) == 0) {
            return s;
        }
    }
    return NULL;
}

/* A Linux cooked capture says which end of a packet is the capture host
 * (packet(7)); on loopback every address is both, which says nothing. */
static void mark_local(ta_apigee *a, const ta_packet *p, const uint8_t *src, const uint8_t *dst)
{
    if (p->link_dir == TA_LINK_UNKNOWN) {
        return;
    }
    bool out = p->link_dir == TA_LINK_OUTGOING;
    host *here = host_of(a, p->family, out ? src : dst, true);
    host *there = host_of(a, p->family, out ? dst : src, true);
    if (here != NULL) {
        here->local = true;
    }
    if (there != NULL) {
        there->remote = true;
    }
}

void ta_apigee_observe(void *arg, const ta_record *r)
{
    ta_apigee *a = arg;
    ta_packet p;
    if (ta_decode_packet(&p, r->linktype, r->data, r->caplen) != TA_DEC_OK) {
        return;
    }
    uint8_t src[16] = {0};
    uint8_t dst[16] = {0};
    memcpy(src, p.src, p.family == 4 ? 4 : 16);
    memcpy(dst, p.dst, p.family == 4 ? 4 : 16);
    mark_local(a, &p, src, dst);
    if ((p.flags & (TA_TCP_SYN | TA_TCP_ACK)) != TA_TCP_SYN) {
        return;
    }
    host *c = host_of(a, p.family, src, true);
    host *s = host_of(a, p.family, dst, true);
    a->conns++;
    if (c != NULL) {
        c->conns++;
        c->client_mp += p.dport == TA_APIGEE_MP_PORT;
    }
    if (s != NULL) {
        s->conns++;
        s->server_mp += p.dport == TA_APIGEE_MP_PORT;
    }
}

/* The capture host as a cooked capture tells it: the one address that
 * packets left from or came to and that never was the other end. */
static const host *local_host(const ta_apigee *a)
{
    const host *found = NULL;
    for (size_t i = 0; i < HOST_SLOTS; i++) {
        const host *h = &a->hosts[i];
        if (h->used && h->local && !h->remote) {
            if (found != NULL) {
                return NULL;            /* two: a host with two addresses, or no telling */
            }
            found = h;
        }
    }
    return found;
}

/* The capture host: from the packets' directions when the capture says
 * them, else the address in the most connections, when that is at least
 * 90 % of at least two and no other address is in as many (with one
 * connection, or two hosts in all of them, either end could be it: none). */
void ta_apigee_observed(ta_apigee *a)
{
    const host *best = NULL;
    uint64_t second = 0;
    a->capture_host = local_host(a);
    if (a->capture_host != NULL) {
        return;
    }
    for (size_t i = 0; i < HOST_SLOTS; i++) {
        const host *h = &a->hosts[i];
        if (!h->used) {
            continue;
        }
        if (best == NULL || h->conns > best->conns) {
            second = best != NULL ? best->conns : 0;
            best = h;
        } else if (h->conns > second) {
            second = h->conns;
        }
    }
    if (a->conns >= 2 && best != NULL && best->conns * 10 >= a->conns * 9 &&
        best->conns > second) {
        a->capture_host = best;
    }
}

ta_apigee_how ta_apigee_capture_host(const ta_apigee *a, char *buf, size_t len)
{
    const uint8_t *addr = NULL;
    uint8_t family = 4;
    ta_apigee_how how = TA_AP_UNKNOWN;
    if (a->cfg.have_capture_host) {
        addr = a->cfg.capture_host.addr;
        family = a->cfg.capture_host.family;
        how = TA_AP_BY_OPTION;
    } else if (a->capture_host != NULL) {
        addr = a->capture_host->addr;
        family = a->capture_host->family;
        how = TA_AP_INFERRED;
    }
    if (len > 0) {
        buf[0] = '\0';
    }
    if (addr != NULL && len >= INET6_ADDRSTRLEN) {
        inet_ntop(family == 4 ? AF_INET : AF_INET6, addr, buf, (socklen_t)len);
    }
    return how;
}

/* ---------------------------------------------------------------- placing */

/* What the pre-pass says a host is: a Router connects to MPs' port and is
 * never a server on it; an MP is, and never connects to it. */
static ta_apigee_role seen_as(const ta_apigee *a, uint8_t family, const uint8_t *addr)
{
    const host *h = host_of(a, family, addr, false);
    if (h == NULL) {
        return TA_AP_ROLE_NONE;
    }
    if (h->client_mp > 0 && h->server_mp == 0) {
        return TA_AP_ROUTER;
    }
    if (h->server_mp > 0 && h->client_mp == 0) {
        return TA_AP_MP;
    }
    return TA_AP_ROLE_NONE;
}

static ta_apigee_role named_as(const ta_apigee *a, uint8_t family, const uint8_t *addr,
                               uint16_t port)
{
    if (in_nets(a->cfg.routers, a->cfg.num_routers, family, addr, port)) {
        return TA_AP_ROUTER;
    }
    if (in_nets(a->cfg.mps, a->cfg.num_mps, family, addr, port)) {
        return TA_AP_MP;
    }
    return TA_AP_ROLE_NONE;
}

/* The place that the roles of both ends make; false when they make none. */
static bool place_of(ta_apigee_role cr, ta_apigee_role sr, uint16_t server_port,
                     ta_apigee_place *out)
{
    if (sr == TA_AP_ROUTER) {
        out->dir = TA_AP_NORTHBOUND;
        out->client = TA_AP_CLIENT_APP;
        out->server = TA_AP_ROUTER;
    } else if (sr == TA_AP_MP) {
        out->client = cr == TA_AP_ROUTER || server_port == TA_APIGEE_MP_PORT ? TA_AP_ROUTER
                                                                             : cr;
        out->server = TA_AP_MP;
    } else if (cr == TA_AP_MP) {
        out->dir = TA_AP_SOUTHBOUND;
        out->client = TA_AP_MP;
        out->server = TA_AP_BACKEND;
    } else if (cr == TA_AP_ROUTER) {
        out->client = TA_AP_ROUTER;
    } else {
        return false;
    }
    return true;
}

static ta_apigee_traffic traffic_of(const ta_apigee *a, uint8_t family, const uint8_t *caddr,
                                    const uint8_t *saddr)
{
    const uint8_t *h = NULL;
    if (a->cfg.have_capture_host) {
        if (a->cfg.capture_host.family != family) {
            return TA_AP_TRAFFIC_NONE;
        }
        h = a->cfg.capture_host.addr;
    } else if (a->capture_host != NULL && a->capture_host->family == family) {
        h = a->capture_host->addr;
    }
    size_t n = family == 4 ? 4 : 16;
    if (h != NULL && memcmp(h, saddr, n) == 0) {
        return TA_AP_INCOMING;
    }
    if (h != NULL && memcmp(h, caddr, n) == 0) {
        return TA_AP_OUTGOING;
    }
    return TA_AP_TRAFFIC_NONE;
}

void ta_apigee_place_conn(const ta_apigee *a, const ta_conn *c, ta_apigee_place *out)
{
    int cd = ta_conn_client_dir(c);
    uint8_t caddr[16] = {0};
    uint8_t saddr[16] = {0};
    size_t n = c->family == 4 ? 4 : 16;
    memcpy(caddr, c->addr[cd], n);
    memcpy(saddr, c->addr[1 - cd], n);
    uint16_t sport = c->port[1 - cd];

    memset(out, 0, sizeof(*out));
    out->traffic = traffic_of(a, c->family, caddr, saddr);
    if (c->cdir < 0) {
        return;                     /* which end is the client is not known */
    }
    /* The options first; what they leave open, from the pre-pass. */
    ta_apigee_role cr = named_as(a, c->family, caddr, 0);
    ta_apigee_role sr = named_as(a, c->family, saddr, sport);
    bool named = cr != TA_AP_ROLE_NONE || sr != TA_AP_ROLE_NONE;
    if (cr == TA_AP_ROLE_NONE) {
        cr = seen_as(a, c->family, caddr);
    }
    if (sr == TA_AP_ROLE_NONE) {
        sr = sport == TA_APIGEE_MP_PORT ? TA_AP_MP : seen_as(a, c->family, saddr);
    }
    if (place_of(cr, sr, sport, out)) {
        out->how = named ? TA_AP_BY_OPTION : TA_AP_INFERRED;
    }
}
