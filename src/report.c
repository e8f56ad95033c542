/* report.c - connection facts to JSON (see ta_report.h). */
#include "ta_report.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>

#include "ta_escape.h"
#include "ta_names.h"
#include "ta_tls.h"
#include "ta_tls_msg.h"

const char *ta_endpoint_str(int family, const uint8_t *addr, uint16_t port, char *buf,
                            size_t len)
{
    char ip[INET6_ADDRSTRLEN] = "?";
    if (family == 4) {
        inet_ntop(AF_INET, addr, ip, sizeof(ip));
        snprintf(buf, len, "%s:%u", ip, (unsigned)port);
    } else {
        inet_ntop(AF_INET6, addr, ip, sizeof(ip));
        snprintf(buf, len, "[%s]:%u", ip, (unsigned)port);
    }
    return buf;
}

static json_t *jbytes(const ta_bytes *b)
{
    char *s = ta_escape(b->data, b->len);
    json_t *j = s != NULL ? json_string(s) : json_null();
    free(s);
    return j;
}

static json_t *jbytes_or_null(const ta_bytes *b, bool present)
{
    return present ? jbytes(b) : json_null();
}

static json_t *jside(ta_side s)
{
    return json_string(s == TA_FROM_CLIENT ? "client" : "server");
}

static json_t *jhex(uint32_t v, int digits)
{
    char buf[16];
    snprintf(buf, sizeof(buf), "0x%0*x", digits, (unsigned)v);
    return json_string(buf);
}

static json_t *jversion(uint16_t v)
{
    char buf[TA_NAME_BUF];
    return json_string(ta_version_name(v, buf));
}

static json_t *jints(const ta_u32_list *l)
{
    json_t *a = json_array();
    for (size_t i = 0; i < l->num; i++) {
        json_array_append_new(a, json_integer(l->v[i]));
    }
    return a;
}

static json_t *jstrings(const ta_bytes_list *l)
{
    json_t *a = json_array();
    for (size_t i = 0; i < l->num; i++) {
        json_array_append_new(a, jbytes(&l->v[i]));
    }
    return a;
}

static json_t *client_hello_json(const ta_conn *c)
{
    const ta_client_hello *ch = &c->ch;
    json_t *o = json_object();
    json_t *names = json_array();
    json_t *codes = json_array();
    json_t *versions = json_array();
    char buf[TA_NAME_BUF];

    for (size_t i = 0; i < ch->cipher_suites.num; i++) {
        uint32_t s = ch->cipher_suites.v[i];
        json_array_append_new(names, json_string(ta_cipher_name(s, ch->sslv2, buf)));
        json_array_append_new(codes, jhex(s, ch->sslv2 ? 6 : 4));
    }
    for (size_t i = 0; i < ch->supported_versions.num; i++) {
        uint16_t v = (uint16_t)ch->supported_versions.v[i];
        if (!ta_is_grease(v)) {
            json_array_append_new(versions, jversion(v));
        }
    }
    json_object_set_new(o, "frame", json_integer((json_int_t)ch->frame));
    json_object_set_new(o, "count", json_integer(c->num_client_hellos));
    json_object_set_new(o, "sslv2", json_boolean(ch->sslv2));
    json_object_set_new(o, "sni", jbytes_or_null(&ch->sni, ch->sni.data != NULL));
    /* A zero version: the message ended before it. */
    uint16_t max = ta_client_hello_max_version(ch);
    json_object_set_new(o, "max_version", max != 0 ? jversion(max) : json_null());
    json_object_set_new(o, "legacy_version",
                        ch->legacy_version != 0 ? jversion(ch->legacy_version) : json_null());
    json_object_set_new(o, "supported_versions", versions);
    json_object_set_new(o, "cipher_suites", names);
    json_object_set_new(o, "cipher_suite_codes", codes);
    json_object_set_new(o, "alpn", jstrings(&ch->alpn));
    json_object_set_new(o, "extensions", jints(&ch->extensions));
    json_object_set_new(o, "supported_groups", jints(&ch->supported_groups));
    json_object_set_new(o, "signature_algorithms", jints(&ch->signature_algorithms));
    json_object_set_new(o, "key_share_groups", jints(&ch->key_share_groups));
    json_object_set_new(o, "psk", json_boolean(ch->has_psk));
    json_object_set_new(o, "early_data", json_boolean(ch->has_early_data));
    json_object_set_new(o, "session_id_length", json_integer(ch->session_id_len));
    json_object_set_new(o, "truncated_lists",
                        json_boolean(ch->cipher_suites.truncated || ch->extensions.truncated));
    return o;
}

static json_t *server_hello_json(const ta_conn *c)
{
    const ta_server_hello *sh = &c->sh;
    json_t *o = json_object();
    char buf[TA_NAME_BUF];
    uint16_t v = sh->selected_version != 0 ? sh->selected_version : sh->legacy_version;

    json_object_set_new(o, "frame", json_integer((json_int_t)sh->frame));
    /* A zero version means the message ended before it (a ServerHello of
     * length 0): report nothing rather than zeros. */
    bool empty = sh->legacy_version == 0;
    json_object_set_new(o, "version", empty ? json_null() : jversion(v));
    json_object_set_new(o, "legacy_version", empty ? json_null() : jversion(sh->legacy_version));
    if (sh->sslv2 || empty) {
        json_object_set_new(o, "cipher_suite", json_null());
        json_object_set_new(o, "cipher_suite_code", json_null());
    } else {
        json_object_set_new(o, "cipher_suite",
                            json_string(ta_cipher_name(sh->cipher_suite, false, buf)));
        json_object_set_new(o, "cipher_suite_code", jhex(sh->cipher_suite, 4));
    }
    json_object_set_new(o, "hello_retry_request", json_boolean(c->hrr));
    json_object_set_new(o, "hello_retry_request_frame",
                        c->hrr ? json_integer((json_int_t)c->hrr_frame) : json_null());
    json_object_set_new(o, "alpn", jbytes_or_null(&sh->alpn, sh->alpn.len > 0));
    json_object_set_new(o, "extensions", jints(&sh->extensions));
    json_object_set_new(o, "count", json_integer(c->num_server_hellos));
    return o;
}

static json_t *cert_json(const ta_cert *crt)
{
    json_t *o = json_object();
    json_object_set_new(o, "frame", json_integer((json_int_t)crt->frame));
    json_object_set_new(o, "from", jside(crt->from));
    json_object_set_new(o, "subject", jbytes_or_null(&crt->subject, !crt->parse_error));
    json_object_set_new(o, "issuer", jbytes_or_null(&crt->issuer, !crt->parse_error));
    json_object_set_new(o, "cn", jbytes_or_null(&crt->cn, crt->cn.data != NULL));
    json_object_set_new(o, "san", jstrings(&crt->san));
    json_object_set_new(o, "not_before", crt->not_before[0] ? json_string(crt->not_before)
                                                            : json_null());
    json_object_set_new(o, "not_after", crt->not_after[0] ? json_string(crt->not_after)
                                                          : json_null());
    json_object_set_new(o, "sha256", json_string(crt->sha256));
    json_object_set_new(o, "parse_error", json_boolean(crt->parse_error));
    if (crt->decrypted) {
        json_object_set_new(o, "decrypted", json_true());
    }
    return o;
}

static json_t *alert_json(const ta_alert *al)
{
    json_t *o = json_object();
    char buf[TA_NAME_BUF];
    json_object_set_new(o, "frame", json_integer((json_int_t)al->frame));
    json_object_set_new(o, "from", jside(al->from));
    if (al->encrypted) {
        json_object_set_new(o, "level", json_null());
        json_object_set_new(o, "description", json_null());
        json_object_set_new(o, "code", json_null());
    } else {
        json_object_set_new(o, "level", al->level == 2   ? json_string("fatal")
                                        : al->level == 1 ? json_string("warning")
                                                         : jhex((uint32_t)al->level, 2));
        json_object_set_new(o, "description",
                            json_string(ta_alert_name(al->description, buf)));
        json_object_set_new(o, "code", json_integer(al->description));
    }
    json_object_set_new(o, "encrypted", json_boolean(al->encrypted));
    if (al->inferred) {
        json_object_set_new(o, "inferred", json_true());
    }
    if (al->decrypted) {
        json_object_set_new(o, "decrypted", json_true());
    }
    if (al->after_handshake) {
        json_object_set_new(o, "after_handshake", json_true());
    }
    if (al->after_peer_close) {
        json_object_set_new(o, "after_peer_close", json_true());
    }
    if (al->encrypted && al->record_len > 0) {
        json_object_set_new(o, "record_length", json_integer(al->record_len));
    }
    return o;
}

static const char *client_how_name(ta_client_how how)
{
    switch (how) {
    case TA_CLIENT_BY_SYN:
        return "syn";
    case TA_CLIENT_BY_HELLO:
        return "client_hello";
    case TA_CLIENT_BY_SERVER_MSG:
        return "server_message";
    case TA_CLIENT_BY_PORT:
        return "port_guess";
    case TA_CLIENT_UNKNOWN:
    default:
        return "unknown";
    }
}

static const char *dec_state_name(ta_dec_state st)
{
    switch (st) {
    case TA_DECST_PENDING:
        return "no_server_hello";
    case TA_DECST_NO_KEY:
        return "no_key";
    case TA_DECST_UNSUPPORTED:
        return "unsupported";
    case TA_DECST_OK:
        return "decrypted";
    case TA_DECST_FAILED:
    default:
        return "failed";
    }
}

/* "decryption": what the key logs gave for this connection; null when no
 * key log was given. */
static json_t *decryption_json(const ta_conn *c)
{
    const ta_conn_dec *dec = c->dec;
    char hex[65];
    if (dec == NULL) {
        return json_null();
    }
    json_t *o = json_object();
    for (int i = 0; i < 32; i++) {
        snprintf(hex + 2 * i, 3, "%02x", dec->client_random[i]);
    }
    json_object_set_new(o, "client_random", json_string(hex));
    json_object_set_new(o, "keys_found", json_boolean(dec->state == TA_DECST_OK ||
                                                      dec->state == TA_DECST_FAILED));
    json_object_set_new(o, "status", json_string(dec_state_name(dec->state)));
    json_object_set_new(o, "records", json_integer((json_int_t)(dec->dir[0].records +
                                                                dec->dir[1].records)));
    json_object_set_new(o, "warning", dec->warning[0] != '\0' ? json_string(dec->warning)
                                                               : json_null());
    return o;
}

static json_t *jframe(uint64_t frame)
{
    return frame != 0 ? json_integer((json_int_t)frame) : json_null();
}

/* "tcp_close": each side's first FIN and first RST, by frame (null when
 * none): with the alerts after the handshake, how the connection ended. */
static json_t *tcp_close_json(const ta_conn *c)
{
    json_t *o = json_object();
    const ta_dir *cl = &c->dir[ta_conn_client_dir(c)];
    const ta_dir *sv = &c->dir[1 - ta_conn_client_dir(c)];
    json_object_set_new(o, "client_fin", jframe(cl->fin_only_frame));
    json_object_set_new(o, "client_rst", jframe(cl->rst_frame));
    json_object_set_new(o, "server_fin", jframe(sv->fin_only_frame));
    json_object_set_new(o, "server_rst", jframe(sv->rst_frame));
    return o;
}

/* The wire as a list of messages, for timelines and diagrams. */
static json_t *messages_json(const ta_conn *c)
{
    json_t *a = json_array();
    char buf[TA_NAME_BUF];

    for (size_t i = 0; i < c->num_events; i++) {
        const ta_event *e = &c->events[i];
        json_t *o = json_object();
        const char *what = "?";
        switch ((ta_event_kind)e->kind) {
        case TA_EV_HANDSHAKE:
            what = ta_handshake_name((uint8_t)e->detail, buf);
            if (e->detail == TA_HS_SERVER_HELLO && c->hrr && e->frame == c->hrr_frame) {
                what = "HelloRetryRequest";
            }
            break;
        case TA_EV_ENCRYPTED_HANDSHAKE:
            what = c->tls13 ? "EncryptedHandshake" : "Finished";
            break;
        case TA_EV_CCS:
            what = "ChangeCipherSpec";
            break;
        case TA_EV_ALERT:
            what = "Alert";
            break;
        case TA_EV_APP_DATA:
            what = "ApplicationData";
            break;
        case TA_EV_GAP:
            what = "LostBytes";
            break;
        default:
            break;
        }
        json_object_set_new(o, "frame", json_integer((json_int_t)e->frame));
        json_object_set_new(o, "time", json_real((double)e->ns / 1e9));
        json_object_set_new(o, "from", jside(ta_conn_side(c, e->dir)));
        json_object_set_new(o, "message", json_string(what));
        if (e->kind == TA_EV_ALERT && e->detail < c->num_alerts) {
            json_object_set_new(o, "alert", json_integer(e->detail));
        }
        if (e->decrypted) {
            json_object_set_new(o, "decrypted", json_true());
        }
        json_array_append_new(a, o);
    }
    return a;
}

json_t *ta_conn_to_json(const ta_conn *c)
{
    json_t *o = json_object();
    json_t *certs = json_array();
    json_t *alerts = json_array();
    json_t *warnings = json_array();
    char ep[64];
    int cd = c->cdir >= 0 ? c->cdir : 0;

    if (o == NULL) {
        return NULL;
    }
    json_object_set_new(o, "id", json_integer((json_int_t)c->id));
    json_object_set_new(o, "client",
                        json_string(ta_endpoint_str(c->family, c->addr[cd], c->port[cd], ep,
                                                    sizeof(ep))));
    json_object_set_new(o, "server",
                        json_string(ta_endpoint_str(c->family, c->addr[1 - cd],
                                                    c->port[1 - cd], ep, sizeof(ep))));
    json_object_set_new(o, "client_from", json_string(client_how_name(c->client_how)));
    json_object_set_new(o, "first_frame", json_integer((json_int_t)c->first_frame));
    json_object_set_new(o, "last_frame", json_integer((json_int_t)c->last_frame));
    json_object_set_new(o, "start_time", json_real((double)c->first_ns / 1e9));
    json_object_set_new(o, "outcome", json_string(ta_tls_outcome(c)));
    json_object_set_new(o, "client_hello",
                        c->num_client_hellos > 0 ? client_hello_json(c) : json_null());
    json_object_set_new(o, "server_hello", c->have_sh ? server_hello_json(c) : json_null());
    json_t *cr = json_null();
    if (c->have_cr) {
        cr = json_object();
        json_object_set_new(cr, "frame", json_integer((json_int_t)c->cr.frame));
        json_object_set_new(cr, "ca_names", json_integer((json_int_t)c->cr.num_ca_names));
        json_object_set_new(cr, "ca_name_list", jstrings(&c->cr.ca_names));
        if (c->tls13) {
            json_object_set_new(cr, "decrypted", json_true());   /* never clear in TLS 1.3 */
        }
    }
    json_object_set_new(o, "certificate_request", cr);
    json_t *cc = json_null();
    if (c->client_cert_frame != 0) {
        cc = json_object();
        json_object_set_new(cc, "frame", json_integer((json_int_t)c->client_cert_frame));
        json_object_set_new(cc, "certificates", json_integer((json_int_t)c->client_cert_count));
        if (c->tls13) {
            json_object_set_new(cc, "decrypted", json_true());
        }
    }
    json_object_set_new(o, "client_certificate", cc);
    for (size_t i = 0; i < c->num_certs; i++) {
        json_array_append_new(certs, cert_json(&c->certs[i]));
    }
    json_object_set_new(o, "certificates", certs);
    for (size_t i = 0; i < c->num_alerts; i++) {
        json_array_append_new(alerts, alert_json(&c->alerts[i]));
    }
    json_object_set_new(o, "alerts", alerts);
    json_object_set_new(o, "tcp_close", tcp_close_json(c));
    json_object_set_new(o, "messages", messages_json(c));
    json_object_set_new(o, "decryption", decryption_json(c));
    for (size_t i = 0; i < c->num_warnings; i++) {
        json_array_append_new(warnings, json_string(c->warnings[i]));
    }
    if (c->num_warnings_dropped > 0) {
        char buf[96];
        snprintf(buf, sizeof(buf), "%zu more warnings not shown", c->num_warnings_dropped);
        json_array_append_new(warnings, json_string(buf));
    }
    json_object_set_new(o, "warnings", warnings);
    json_object_set_new(o, "diagnoses", json_array());
    return o;
}
