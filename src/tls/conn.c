/* conn.c - connection bookkeeping shared by the TLS layer and writers. */
#include "ta_conn.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "ta_tls_msg.h"
#include "ta_cert.h"

int ta_conn_client_dir(const ta_conn *c)
{
    return c->cdir >= 0 ? c->cdir : 0;
}

ta_side ta_conn_side(const ta_conn *c, int dir)
{
    return dir == ta_conn_client_dir(c) ? TA_FROM_CLIENT : TA_FROM_SERVER;
}

void ta_conn_warn(ta_conn *c, const char *fmt, ...)
{
    char buf[512];
    va_list ap;

    if (c->num_warnings >= TA_MAX_WARNINGS) {
        c->num_warnings_dropped++;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    c->warnings[c->num_warnings] = strdup(buf);
    if (c->warnings[c->num_warnings] != NULL) {
        c->num_warnings++;
    }
}

void ta_conn_event(ta_conn *c, int dir, ta_event_kind kind, uint32_t detail, uint64_t frame)
{
    if (c->events == NULL) {
        /* Most connections of a SYN flood never get here: allocate late. */
        c->events = malloc(TA_MAX_EVENTS * sizeof(*c->events));
    }
    if (c->events == NULL || c->num_events >= TA_MAX_EVENTS) {
        if (c->num_events_dropped++ == 0) {
            ta_conn_warn(c, "more than %d messages: the timeline stops at frame %llu",
                         TA_MAX_EVENTS, (unsigned long long)frame);
        }
        return;
    }
    ta_event *e = &c->events[c->num_events++];
    e->frame = frame;
    e->ns = c->now_ns;
    e->dir = (uint8_t)dir;
    e->kind = (uint8_t)kind;
    e->detail = detail;
    e->decrypted = false;
}

void ta_conn_set_client(ta_conn *c, int dir, ta_client_how how)
{
    if (how <= c->client_how) {
        return;
    }
    int old = c->cdir >= 0 ? c->cdir : 0;
    c->cdir = dir;
    c->client_how = how;
    if (old == dir) {
        return;
    }
    /* Facts recorded under the old guess name the wrong side: flip them. */
    for (size_t i = 0; i < c->num_alerts; i++) {
        c->alerts[i].from = c->alerts[i].from == TA_FROM_CLIENT ? TA_FROM_SERVER : TA_FROM_CLIENT;
    }
    for (size_t i = 0; i < c->num_certs; i++) {
        c->certs[i].from = c->certs[i].from == TA_FROM_CLIENT ? TA_FROM_SERVER : TA_FROM_CLIENT;
    }
}

/* A ClientHello's lists take about 300 bytes; a long one gets a second,
 * larger chunk. */
#define CONN_ARENA_FIRST 1024

const ta_hellos ta_no_hellos;

ta_hellos *ta_conn_hellos(ta_conn *c)
{
    if (c->hellos == NULL) {
        c->hellos = calloc(1, sizeof(*c->hellos));
    }
    return c->hellos;
}

ta_arena *ta_conn_arena(ta_conn *c)
{
    if (c->arena.head == NULL && c->arena.first_size == 0) {
        ta_arena_init(&c->arena, CONN_ARENA_FIRST);
    }
    return &c->arena;
}

void ta_conn_free(ta_conn *c)
{
    if (c == NULL) {
        return;
    }
    for (int d = 0; d < 2; d++) {
        ta_stream_cleanup(&c->dir[d].tcp);
        ta_buf_reset(&c->dir[d].rec);
        ta_buf_reset(&c->dir[d].hs);
    }
    if (c->hellos != NULL) {
        ta_client_hello_cleanup(&c->hellos->ch);
        ta_server_hello_cleanup(&c->hellos->sh);
        ta_cert_request_cleanup(&c->hellos->cr);
        free(c->hellos);
    }
    ta_arena_cleanup(&c->arena);
    for (size_t i = 0; i < c->num_certs; i++) {
        ta_cert_cleanup(&c->certs[i]);
    }
    free(c->certs);
    free(c->alerts);
    free(c->events);
    if (c->dec != NULL) {
        OPENSSL_cleanse(c->dec, sizeof(*c->dec));
        free(c->dec);
    }
    for (size_t i = 0; i < c->num_warnings; i++) {
        free(c->warnings[i]);
    }
    if (c->quic != NULL) {
        c->quic_ops->free(c->quic);
    }
    free(c);
}
