/*
 * facts_conn.c - the schema of a connection object (see ta_schema.h): its
 * own facts (endpoints, frames, outcome), how TCP closed, the messages on
 * the wire, decryption and warnings, and the list of all its members in
 * the order they are written, the wire facts (facts_wire.c) and the
 * derived ones (facts_derived.c) included.
 */
#include <arpa/inet.h>
#include <stdio.h>

#include "schema_int.h"
#include "ta_names.h"
#include "ta_tls.h"
#include "ta_tls_msg.h"

/* ---- connection ------------------------------------------------------- */

static int client_wire_dir(const ta_conn *c)
{
    return c->cdir >= 0 ? c->cdir : 0;
}

/* "a.b.c.d:port" or "[v6]:port" of wire end |end| into the value's buffer. */
static void endpoint(ta_fval *o, const ta_conn *c, int end)
{
    char ip[INET6_ADDRSTRLEN] = "?";
    int n;
    if (c->family == 4) {
        inet_ntop(AF_INET, c->addr[end], ip, sizeof(ip));
        n = snprintf(o->buf, sizeof(o->buf), "%s:%u", ip, (unsigned)c->port[end]);
    } else {
        inet_ntop(AF_INET6, c->addr[end], ip, sizeof(ip));
        n = snprintf(o->buf, sizeof(o->buf), "[%s]:%u", ip, (unsigned)c->port[end]);
    }
    fv_strn(o, o->buf, n > 0 ? (size_t)n : 0);
}

static TA_GETTER(get_id)
{
    fv_int(o, (int64_t)v->c->id);
}

static TA_GETTER(get_client)
{
    endpoint(o, v->c, client_wire_dir(v->c));
}

static TA_GETTER(get_server)
{
    endpoint(o, v->c, 1 - client_wire_dir(v->c));
}

static TA_GETTER(get_client_from)
{
    switch (v->c->client_how) {
    case TA_CLIENT_BY_SYN:
        fv_str(o, "syn");
        break;
    case TA_CLIENT_BY_HELLO:
        fv_str(o, "client_hello");
        break;
    case TA_CLIENT_BY_SERVER_MSG:
        fv_str(o, "server_message");
        break;
    case TA_CLIENT_BY_PORT:
        fv_str(o, "port_guess");
        break;
    case TA_CLIENT_UNKNOWN:
    default:
        fv_str(o, "unknown");
        break;
    }
}

static TA_GETTER(get_first_frame)
{
    fv_int(o, (int64_t)v->c->first_frame);
}

static TA_GETTER(get_last_frame)
{
    fv_int(o, (int64_t)v->c->last_frame);
}

static TA_GETTER(get_start_time)
{
    fv_real(o, (double)v->c->first_ns / 1e9);
}

static TA_GETTER(get_outcome)
{
    fv_str(o, ta_tls_outcome(v->c));
}

/* ---- tcp_close -------------------------------------------------------- */

static TA_GETTER(get_tcp_close)
{
    fv_obj(o, v->c);
}

/* arg: 0 client FIN, 1 client RST, 2 server FIN, 3 server RST. */
static TA_GETTER(get_tcp_close_frame)
{
    int cd = ta_conn_client_dir(v->c);
    const ta_dir *d = &v->c->dir[n->arg < 2 ? cd : 1 - cd];
    fv_frame(o, n->arg % 2 == 0 ? d->fin_only_frame : d->rst_frame);
}

static const ta_fnode tcp_close[] = {
    TA_LEAF_ARG("client_fin", TA_FT_INT, F_RN, TA_RC_NONE, "frame of the client's first FIN",
                get_tcp_close_frame, 0),
    TA_LEAF_ARG("client_rst", TA_FT_INT, F_RN, TA_RC_NONE, "frame of the client's first RST",
                get_tcp_close_frame, 1),
    TA_LEAF_ARG("server_fin", TA_FT_INT, F_RN, TA_RC_NONE, "frame of the server's first FIN",
                get_tcp_close_frame, 2),
    TA_LEAF_ARG("server_rst", TA_FT_INT, F_RN, TA_RC_NONE, "frame of the server's first RST",
                get_tcp_close_frame, 3),
};

/* ---- messages --------------------------------------------------------- */

#define EVENT ((const ta_event *)base)

static TA_GETTER(get_messages)
{
    fv_arr(o, v->c->events, v->c->num_events);
}

static TA_GETTER(get_message_elem)
{
    fv_obj(o, &((const ta_event *)base)[idx]);
}

static TA_GETTER(get_msg_frame)
{
    fv_int(o, (int64_t)EVENT->frame);
}

static TA_GETTER(get_msg_time)
{
    fv_real(o, (double)EVENT->ns / 1e9);
}

static TA_GETTER(get_msg_from)
{
    fv_str(o, ta_side_name(ta_conn_side(v->c, EVENT->dir)));
}

static TA_GETTER(get_msg_message)
{
    const ta_event *e = EVENT;
    switch ((ta_event_kind)e->kind) {
    case TA_EV_HANDSHAKE:
        if (e->detail == TA_HS_SERVER_HELLO && v->c->hrr && e->frame == v->c->hrr_frame) {
            fv_str(o, "HelloRetryRequest");
        } else {
            fv_str(o, ta_handshake_name((uint8_t)e->detail, o->buf));
        }
        return;
    case TA_EV_ENCRYPTED_HANDSHAKE:
        fv_str(o, v->c->tls13 ? "EncryptedHandshake" : "Finished");
        return;
    case TA_EV_CCS:
        fv_str(o, "ChangeCipherSpec");
        return;
    case TA_EV_ALERT:
        fv_str(o, "Alert");
        return;
    case TA_EV_APP_DATA:
        fv_str(o, "ApplicationData");
        return;
    case TA_EV_GAP:
        fv_str(o, "LostBytes");
        return;
    case TA_EV_QUIC_CLOSE:
        fv_str(o, "ConnectionClose");
        return;
    case TA_EV_QUIC_HANDSHAKE_DONE:
        fv_str(o, "HandshakeDone");
        return;
    case TA_EV_QUIC_RETRY:
        fv_str(o, "Retry");
        return;
    case TA_EV_QUIC_VN:
        fv_str(o, "VersionNegotiation");
        return;
    default:
        fv_str(o, "?");
        return;
    }
}

static TA_GETTER(get_msg_alert)
{
    if (EVENT->kind == TA_EV_ALERT && EVENT->detail < v->c->num_alerts) {
        fv_int(o, EVENT->detail);
    } else {
        fv_absent(o);
    }
}

static TA_GETTER(get_msg_decrypted)
{
    if (EVENT->decrypted) {
        fv_bool(o, true);
    } else {
        fv_absent(o);
    }
}

static const ta_fnode message_members[] = {
    TA_LEAF("frame", TA_FT_INT, 0, TA_RC_NONE, "the frame that completed its record",
            get_msg_frame),
    TA_LEAF("time", TA_FT_REAL, 0, TA_RC_NONE, "that frame's time, seconds since 1970",
            get_msg_time),
    TA_LEAF("from", TA_FT_STRING, 0, TA_RC_NONE, "client or server", get_msg_from),
    TA_LEAF("message", TA_FT_STRING, 0, TA_RC_NONE,
            "ClientHello, ..., Finished, EncryptedHandshake, ChangeCipherSpec, Alert, "
            "ApplicationData, LostBytes; QUIC: ConnectionClose, HandshakeDone, Retry, "
            "VersionNegotiation",
            get_msg_message),
    TA_LEAF("alert", TA_FT_INT, TA_FN_OPT, TA_RC_NONE, "an alert: its index in alerts",
            get_msg_alert),
    TA_LEAF("decrypted", TA_FT_BOOL, TA_FN_OPT, TA_RC_NONE,
            "true when it was read by decrypting; absent otherwise", get_msg_decrypted),
};

static const ta_fnode message_elem[1] = {
    TA_ELEM_OBJECT(0, "a message", get_message_elem, message_members)};

/* ---- decryption ------------------------------------------------------- */

#define DEC (v->c->dec)

static TA_GETTER(get_decryption)
{
    if (DEC != NULL) {
        fv_obj(o, DEC);
    } else {
        fv_null(o);
    }
}

static TA_GETTER(get_dec_random)
{
    for (int i = 0; i < 32; i++) {
        snprintf(o->buf + 2 * i, 3, "%02x", DEC->client_random[i]);
    }
    fv_strn(o, o->buf, 64);
}

static TA_GETTER(get_dec_keys_found)
{
    fv_bool(o, DEC->state == TA_DECST_OK || DEC->state == TA_DECST_FAILED);
}

static TA_GETTER(get_dec_status)
{
    switch (DEC->state) {
    case TA_DECST_PENDING:
        fv_str(o, "no_server_hello");
        break;
    case TA_DECST_NO_KEY:
        fv_str(o, "no_key");
        break;
    case TA_DECST_UNSUPPORTED:
        fv_str(o, "unsupported");
        break;
    case TA_DECST_OK:
        fv_str(o, "decrypted");
        break;
    case TA_DECST_FAILED:
    default:
        fv_str(o, "failed");
        break;
    }
}

static TA_GETTER(get_dec_records)
{
    fv_int(o, (int64_t)(DEC->dir[0].records + DEC->dir[1].records));
}

static TA_GETTER(get_dec_warning)
{
    fv_str_or_null(o, DEC->warning[0] != '\0' ? DEC->warning : NULL);
}

static const ta_fnode decryption[] = {
    TA_LEAF("client_random", TA_FT_STRING, 0, TA_RC_NONE, "the ClientHello's random, hex",
            get_dec_random),
    TA_LEAF("keys_found", TA_FT_BOOL, F_R, TA_RC_NONE,
            "secrets for this connection were in the key log", get_dec_keys_found),
    TA_LEAF("status", TA_FT_STRING, F_R, TA_RC_NONE,
            "decrypted, no_key (nothing logged for this client random), unsupported (suite or "
            "version), failed (a record did not authenticate: wrong key), no_server_hello",
            get_dec_status),
    TA_LEAF("records", TA_FT_INT, F_R, TA_RC_NONE, "records decrypted", get_dec_records),
    TA_LEAF("warning", TA_FT_STRING, F_RN, TA_RC_TEXT, "the first problem; null when none",
            get_dec_warning),
};

/* ---- warnings --------------------------------------------------------- */

static TA_GETTER(get_warnings)
{
    fv_arr(o, NULL, v->c->num_warnings + (v->c->num_warnings_dropped > 0));
}

static TA_GETTER(get_warning_elem)
{
    if (idx < v->c->num_warnings) {
        fv_str(o, v->c->warnings[idx]);
        return;
    }
    int k =
        snprintf(o->buf, sizeof(o->buf), "%zu more warnings not shown", v->c->num_warnings_dropped);
    fv_strn(o, o->buf, k > 0 ? (size_t)k : 0);
}

static const ta_fnode warning_elem[1] = {
    TA_ELEM(TA_FT_STRING, F_R, TA_RC_TEXT, "a warning", get_warning_elem)};

/* ---- the connection --------------------------------------------------- */

static TA_GETTER(get_conn)
{
    fv_obj(o, NULL);
}

const ta_fnode ta_fs_conn[TA_NUM_CONN] = {
    TA_LEAF("id", TA_FT_INT, F_R, TA_RC_NONE,
            "number of the connection in the capture, in order of first packet", get_id),
    TA_LEAF("client", TA_FT_STRING, F_R, TA_RC_ADDRESS, "ip:port, [ipv6]:port", get_client),
    TA_LEAF("server", TA_FT_STRING, F_R, TA_RC_ADDRESS, "ip:port, [ipv6]:port", get_server),
    TA_LEAF("transport", TA_FT_STRING, F_R, TA_RC_NONE, "tcp or quic", ta_fg_transport),
    TA_LEAF("client_from", TA_FT_STRING, F_R, TA_RC_NONE,
            "how the client side was decided: syn, client_hello, server_message, port_guess, "
            "unknown",
            get_client_from),
    TA_LEAF("first_frame", TA_FT_INT, F_R, TA_RC_NONE, "first frame of the connection",
            get_first_frame),
    TA_LEAF("last_frame", TA_FT_INT, F_R, TA_RC_NONE, "last frame of the connection",
            get_last_frame),
    TA_LEAF("start_time", TA_FT_REAL, F_R, TA_RC_NONE,
            "time of the first packet, seconds since 1970", get_start_time),
    TA_LEAF(
        "outcome", TA_FT_STRING, F_R, TA_RC_NONE,
        "completed, alert, reset, closed, incomplete, midstream, not_tls; QUIC also "
        "no_response (README, \"Outcomes\")",
        get_outcome),
    TA_OBJECT("quic", F_RO,
              "a QUIC connection's packets: version, connection IDs, Retry, counts, the close; "
              "absent over TCP",
              ta_fg_quic, ta_fs_quic),
    TA_OBJECT("client_hello", F_RN,
              "the first ClientHello (after a HelloRetryRequest the second one is counted, not "
              "parsed); null when none was seen",
              ta_fg_client_hello, ta_fs_client_hello),
    TA_OBJECT("server_hello", F_RN,
              "the first real ServerHello (the HelloRetryRequest only when no other came); "
              "null when none was seen",
              ta_fg_server_hello, ta_fs_server_hello),
    TA_OBJECT("server_key_exchange", F_RN,
              "the server's first ServerKeyExchange of an ECDHE or DHE suite (TLS 1.2 and older); "
              "null when none was seen",
              ta_fg_server_kx, ta_fs_server_kx),
    TA_OBJECT("certificate_request", F_RN, "the CertificateRequest; null when none was seen",
              ta_fg_cert_request, ta_fs_cert_request),
    TA_OBJECT("client_certificate", F_RN,
              "the client's Certificate message; null when none was seen", ta_fg_client_cert,
              ta_fs_client_cert),
    TA_ARRAY("certificates", F_R, "every certificate seen, both sides, in order", ta_fg_certs,
             ta_fs_certificate),
    TA_ARRAY("alerts", F_R, "every alert seen, both sides, in order", ta_fg_alerts,
             ta_fs_alert_elem),
    TA_OBJECT("tcp_close", F_R, "each side's first FIN and first RST, by frame", get_tcp_close,
              tcp_close),
    TA_ARRAY("messages", 0, "the wire as a list of messages, for timelines", get_messages,
             message_elem),
    TA_OBJECT("decryption", F_RN, "what the key logs gave; null without --keylog or pcapng secrets",
              get_decryption, decryption),
    TA_ARRAY("warnings", F_R,
             "problems met while decoding this connection (e.g. a truncated ClientHello)",
             get_warnings, warning_elem),
    TA_ARRAY("diagnoses", TA_FN_OWN, "the rules that fired, root cause first", ta_fg_diagnoses,
             ta_fs_diagnosis),
    TA_OBJECT("alert", F_RO,
              "derived: the first alert that ends the handshake: a fatal one, an encrypted one, "
              "close_notify or user_canceled (not one after a completed handshake or after the "
              "other side's FIN or RST); absent when none. There is no alert.code: use "
              "alerts[].code",
              ta_fg_alert, ta_fs_alert),
    TA_OBJECT("handshake", F_R, "derived: how far the handshake got and how it ended",
              ta_fg_handshake, ta_fs_handshake),
    TA_OBJECT("overlap", F_R, "derived: what both sides are shown to share", ta_fg_overlap,
              ta_fs_overlap),
    TA_OBJECT_ARG("client_leaf", F_RO,
                  "derived: the first certificate the client sent; absent when none",
                  ta_fg_leaf, TA_OF_CLIENT, ta_fs_leaf),
    TA_OBJECT_ARG("client_chain", F_RO,
                  "derived: the client's chain judged (mTLS); absent when it sent none",
                  ta_fg_chain, TA_OF_CLIENT, ta_fs_chain),
    TA_OBJECT_ARG("server_leaf", F_RO,
                  "derived: the first certificate the server sent; absent when none in clear",
                  ta_fg_leaf, TA_OF_SERVER, ta_fs_leaf),
    TA_OBJECT_ARG("chain", F_RO,
                  "derived: the server's first Certificate message judged as a client would, "
                  "at the capture time of that message (README \"Certificate chains\"); absent "
                  "when it sent none in clear",
                  ta_fg_chain, TA_OF_SERVER, ta_fs_chain),
    TA_OBJECT_ARG("rejected_leaf", F_RO,
                  "derived: the leaf of the side that received the ending alert (the server's "
                  "without one): the certificate the alert most likely answers",
                  ta_fg_leaf, TA_OF_REJECTED, ta_fs_leaf),
    TA_OBJECT_ARG("rejected_chain", F_RO,
                  "derived: the chain of the side that received the ending alert (the "
                  "server's without one)",
                  ta_fg_chain, TA_OF_REJECTED, ta_fs_chain),
    TA_OBJECT("sni", F_R, "derived: the server name asked for", ta_fg_sni, ta_fs_sni),
    TA_OBJECT("apigee", F_RO,
              "derived, --profile apigee and apigee-x only (absent otherwise): the "
              "connection's place in the gateway (README \"Apigee\")",
              ta_fg_apigee, ta_fs_apigee),
};

const ta_fnode ta_schema_conn =
    TA_ELEM_OBJECT(F_R, "a TCP or QUIC connection", get_conn, ta_fs_conn);
