/*
 * tls_hs.c - handshake messages as they come out of records (clear or
 * decrypted): reassembled across records, parsed (ta_tls_msg.h) and turned
 * into the connection's hellos, certificates and events.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "ta_cert.h"
#include "ta_names.h"
#include "ta_tls_keys.h"
#include "ta_tls_msg.h"
#include "tls_int.h"

static bool is_tls13_version(uint16_t v)
{
    return v == 0x0304 || (v >> 8) == 0x7f || (v >> 8) == 0x7e || (v >> 8) == 0xfb;
}

static void on_client_hello(ta_conn *c, int dir, ta_cur *body, uint64_t frame,
                            const ta_tls_limits *lim)
{
    if (c->client_how < TA_CLIENT_BY_SYN) {
        ta_conn_set_client(c, dir, TA_CLIENT_BY_HELLO);
    }
    c->num_client_hellos++;
    if (c->num_client_hellos > 1) {
        return;    /* the second ClientHello after a HelloRetryRequest */
    }
    ta_tlskeys_client_hello(c, body, lim);
    c->ch_bytes = (uint32_t)(4 + ta_cur_len(body));
    c->ch_segments = c->dir[dir].segments;
    ta_hellos *h = ta_conn_hellos(c);
    if (h == NULL) {
        return;
    }
    ta_client_hello_use_arena(&h->ch, ta_conn_arena(c));
    ta_status st = ta_tls_parse_client_hello(&h->ch, body);
    h->ch.frame = frame;
    if (h->ch.sni.truncated) {
        ta_conn_warn(c, "frame %llu: the server_name is longer than %d bytes; only that much is "
                     "shown", (unsigned long long)frame, TA_MAX_NAME);
    }
    if (st != TA_OK) {
        /* The message is whole (its length said so): running short inside
         * it means a field overruns it. */
        ta_conn_warn(c, "frame %llu: ClientHello is %s; facts after the fault are missing",
                     (unsigned long long)frame,
                     st == TA_TRUNCATED ? "malformed" : ta_status_name(st));
    }
}

static void on_server_hello(ta_conn *c, int dir, ta_cur *body, uint64_t frame,
                            const ta_tls_limits *lim)
{
    ta_server_hello sh;
    ta_cur random = *body;

    memset(&sh, 0, sizeof(sh));
    if (c->client_how < TA_CLIENT_BY_HELLO) {
        ta_conn_set_client(c, 1 - dir, TA_CLIENT_BY_SERVER_MSG);
    }
    c->num_server_hellos++;
    ta_status st = ta_tls_parse_server_hello(&sh, body);
    sh.frame = frame;
    if (st != TA_OK) {
        ta_conn_warn(c, "frame %llu: ServerHello is %s", (unsigned long long)frame,
                     st == TA_TRUNCATED ? "malformed" : ta_status_name(st));
    }
    ta_hellos *h = ta_conn_hellos(c);
    if (h == NULL) {
        ta_server_hello_cleanup(&sh);
        return;
    }
    if (sh.hello_retry_request) {
        if (!c->hrr) {
            c->hrr = true;
            c->hrr_frame = frame;
        }
        if (!c->have_sh) {
            h->sh = sh;
            c->have_sh = true;
            return;
        }
    } else if (!c->real_sh) {
        ta_server_hello_cleanup(&h->sh);
        h->sh = sh;
        c->have_sh = true;
        c->real_sh = true;
        c->sh_dir = dir;
        /* Drafts before 22 carried the version in the legacy field. */
        c->tls13 = is_tls13_version(sh.selected_version != 0 ? sh.selected_version
                                                             : sh.legacy_version);
        /* RFC 8446 4.1.3: legacy_version (2 bytes), then the 32-byte random. */
        if (c->dec != NULL && ta_cur_skip(&random, 2) &&
            ta_cur_copy(&random, c->dec->server_random, 32)) {
            ta_tlskeys_start(c, lim);
        }
        return;
    }
    ta_server_hello_cleanup(&sh);
}

/* The kind of ServerKeyExchange the chosen suite implies (by its IANA
 * name); 0 for the others (PSK and SRP variants, static RSA export). */
static ta_kx_kind kx_kind(const ta_conn *c)
{
    char buf[TA_NAME_BUF];
    const char *name = ta_cipher_name(ta_sh(c)->cipher_suite, false, buf);
    if (strncmp(name, "TLS_DHE_PSK_", 12) == 0 || strncmp(name, "TLS_ECDHE_PSK_", 14) == 0) {
        return 0;
    }
    if (strncmp(name, "TLS_DHE_", 8) == 0 || strncmp(name, "TLS_DH_anon_", 12) == 0) {
        return TA_KX_DHE;
    }
    if (strncmp(name, "TLS_ECDHE_", 10) == 0 || strncmp(name, "TLS_ECDH_anon_", 14) == 0) {
        return TA_KX_ECDHE;
    }
    return 0;
}

static void on_server_key_exchange(ta_conn *c, int dir, ta_cur *body, uint64_t frame)
{
    if (c->have_skx || !c->real_sh || c->tls13 || ta_sh(c)->sslv2 || dir != c->sh_dir) {
        return;
    }
    ta_kx_kind kind = kx_kind(c);
    if (kind == 0) {
        return;
    }
    ta_hellos *h = ta_conn_hellos(c);
    if (h == NULL) {
        return;
    }
    c->have_skx = true;
    h->skx.frame = frame;
    if (ta_tls_parse_server_key_exchange(&h->skx, body, kind) != TA_OK) {
        ta_conn_warn(c, "frame %llu: ServerKeyExchange is malformed", (unsigned long long)frame);
    }
}

/* Keeps the facts of one DER certificate (at most TA_MAX_CERTS). */
void tls_add_cert(ta_conn *c, int dir, const ta_cur *der, uint64_t frame,
                     ta_cert_cache *cache)
{
    if (c->num_certs >= TA_MAX_CERTS) {
        return;
    }
    /* Room for 4, then doubled when full (a chain is 2-4 certificates):
     * the capacity follows from num_certs. */
    size_t n = c->num_certs;
    if (n == 0 || (n >= 4 && (n & (n - 1)) == 0)) {
        size_t cap = n == 0 ? 4 : 2 * n;
        ta_cert *grown = realloc(c->certs, cap * sizeof(*grown));
        if (grown == NULL) {
            return;
        }
        memset(grown + n, 0, (cap - n) * sizeof(*grown));
        c->certs = grown;
    }
    ta_cert *crt = &c->certs[c->num_certs];
    if (ta_cert_cached(cache, crt, der) == TA_OK) {
        crt->frame = frame;
        crt->from = ta_conn_side(c, dir);
        c->num_certs++;
    } else {
        ta_cert_cleanup(crt);
    }
}

static void on_certificate(ta_conn *c, int dir, ta_cur *body, uint64_t frame,
                           const ta_tls_limits *lim)
{
    ta_cur ders[TA_MAX_CERTS];
    size_t num = 0;
    size_t total = 0;

    ta_status st = ta_tls_parse_certificate_list(ders, TA_MAX_CERTS, &num, &total, body,
                                                 c->tls13);
    if (st != TA_OK) {
        ta_conn_warn(c, "frame %llu: Certificate message is %s", (unsigned long long)frame,
                     st == TA_TRUNCATED ? "malformed" : ta_status_name(st));
    }
    if (ta_conn_side(c, dir) == TA_FROM_CLIENT) {
        c->client_cert_frame = frame;
        c->client_cert_count = total;
    }
    c->num_certs_wire += total;
    for (size_t i = 0; i < num; i++) {
        tls_add_cert(c, dir, &ders[i], frame, lim->cert_cache);
    }
    if (total > num || c->num_certs_wire > TA_MAX_CERTS) {
        ta_conn_warn(c, "frame %llu: %zu certificates in the message; only the first %d of the "
                     "connection are kept", (unsigned long long)frame, total, TA_MAX_CERTS);
    }
}

static void on_certificate_request(ta_conn *c, ta_cur *body, uint64_t frame)
{
    if (c->have_cr) {
        return;
    }
    /* supported_signature_algorithms exists from TLS 1.2 on (RFC 5246 7.4.4). */
    bool sigalgs = c->have_sh && ta_sh(c)->legacy_version >= 0x0303;
    ta_hellos *h = ta_conn_hellos(c);
    if (h == NULL) {
        return;
    }
    ta_cert_request_use_arena(&h->cr, ta_conn_arena(c));
    ta_status st = ta_tls_parse_certificate_request(&h->cr, body, c->tls13, sigalgs);
    h->cr.frame = frame;
    c->have_cr = true;
    if (st != TA_OK) {
        ta_conn_warn(c, "frame %llu: CertificateRequest is %s", (unsigned long long)frame,
                     ta_status_name(st));
    }
}

/* One whole handshake message of wire direction |dir|. */
static void on_message(ta_conn *c, int dir, uint8_t type, ta_cur *body, uint64_t frame,
                       const ta_tls_limits *lim)
{
    ta_conn_event(c, dir, TA_EV_HANDSHAKE, type, frame);
    switch (type) {
    case TA_HS_CLIENT_HELLO:
        on_client_hello(c, dir, body, frame, lim);
        break;
    case TA_HS_SERVER_HELLO:
        on_server_hello(c, dir, body, frame, lim);
        break;
    case TA_HS_FINISHED:
        ta_tlskeys_finished(c, dir, lim);
        break;
    case TA_HS_KEY_UPDATE:
        ta_tlskeys_key_update(c, dir);    /* later records use the next keys */
        break;
    case TA_HS_CERTIFICATE:
        on_certificate(c, dir, body, frame, lim);
        break;
    case TA_HS_CERTIFICATE_REQUEST:
        on_certificate_request(c, body, frame);
        break;
    case TA_HS_SERVER_KEY_EXCHANGE:
        on_server_key_exchange(c, dir, body, frame);
        /* fall through */
    case TA_HS_SERVER_HELLO_DONE:
        if (c->client_how < TA_CLIENT_BY_HELLO) {
            ta_conn_set_client(c, 1 - dir, TA_CLIENT_BY_SERVER_MSG);
        }
        break;
    default:
        break;
    }
}

/* A handshake message that |src| holds whole goes to its parser from where
 * it is, without a copy (the usual case: a record of whole messages);
 * false when it does not (it is then buffered). */
static bool whole_message(ta_conn *c, int dir, ta_cur *src, uint64_t frame,
                          const ta_tls_limits *lim)
{
    ta_cur peek = *src;
    ta_cur msg;
    uint8_t type = 0;
    uint32_t len = 0;
    if (!ta_cur_get_u8(&peek, &type) || !ta_cur_get_u24(&peek, &len) ||
        len > lim->max_handshake_bytes || !ta_cur_get_bytes(&peek, &msg, len)) {
        return false;
    }
    *src = peek;
    on_message(c, dir, type, &msg, frame, lim);
    return true;
}

/* Handshake record bytes: RFC 8446 4 "struct { HandshakeType msg_type;
 * uint24 length; ... } Handshake".  Messages may span records; one message
 * at a time is buffered, up to lim->max_handshake_bytes. */
void tls_handshake_bytes(ta_conn *c, int dir, ta_cur *src, uint64_t frame,
                            const ta_tls_limits *lim)
{
    ta_dir *d = &c->dir[dir];

    if (d->hs.max == 0) {
        ta_buf_init(&d->hs, lim->max_handshake_bytes + 4);
    }
    for (;;) {
        size_t n = ta_cur_len(src);
        size_t want = 4;
        if (d->hs_skip > 0) {
            size_t k = n < d->hs_skip ? n : d->hs_skip;
            if (k == 0) {
                return;
            }
            (void)ta_cur_skip(src, k);
            d->hs_skip -= (uint32_t)k;
            continue;
        }
        if (d->hs.len == 0 && whole_message(c, dir, src, frame, lim)) {
            continue;
        }
        if (d->hs.len >= 4) {
            ta_cur msg;
            uint8_t type = 0;
            uint32_t len = 0;
            ta_buf_view(&d->hs, &msg);
            (void)ta_cur_get_u8(&msg, &type);
            (void)ta_cur_get_u24(&msg, &len);
            if (len > lim->max_handshake_bytes) {
                if (!d->hs_cap_warned) {
                    d->hs_cap_warned = true;
                    ta_conn_warn(c, "frame %llu: handshake message of %u bytes is larger "
                                 "than the cap of %zu bytes (raise it with "
                                 "--max-handshake-bytes): skipped",
                                 (unsigned long long)frame, len, lim->max_handshake_bytes);
                }
                d->hs_skip = len;
                ta_buf_consume(&d->hs, d->hs.len);
                continue;
            }
            if (ta_cur_len(&msg) == len) {
                on_message(c, dir, type, &msg, frame, lim);
                ta_buf_consume(&d->hs, d->hs.len);
                continue;
            }
            want = 4 + (size_t)len;
        }
        if (n == 0) {
            return;
        }
        size_t k = want - d->hs.len < n ? want - d->hs.len : n;
        if (!ta_buf_append_cur(&d->hs, src, k)) {
            return;
        }
    }
}
