/*
 * facts_quic.c - the schema of a connection's transport and of the quic
 * object of QUIC connections (see ta_schema.h, ta_quic_conn.h): version,
 * Version Negotiation, connection IDs, Retry, packet counts, the first
 * CONNECTION_CLOSE.  Connection IDs are random numbers, not names: kept
 * by --redact.
 */
#include <stdio.h>

#include "schema_int.h"
#include "ta_quic_conn.h"
#include "ta_quic_frame.h"

#define Q (v->c->quic)

TA_GETTER(ta_fg_transport)
{
    fv_str(o, v->c->quic != NULL ? "quic" : "tcp");
}

TA_GETTER(ta_fg_quic)
{
    if (Q != NULL) {
        fv_obj(o, Q);
    } else {
        fv_absent(o);
    }
}

static void cid_hex(ta_fval *o, const ta_quic_cid *id)
{
    for (size_t i = 0; i < id->len && 2 * i + 2 < sizeof(o->buf); i++) {
        snprintf(o->buf + 2 * i, 3, "%02x", id->b[i]);
    }
    fv_strn(o, o->buf, 2 * (size_t)id->len);
}

static TA_GETTER(get_version)
{
    fv_str(o, ta_quic_version_name(Q->version, o->buf, sizeof(o->buf)));
}

static TA_GETTER(get_version_code)
{
    int k = snprintf(o->buf, sizeof(o->buf), "0x%08x", (unsigned)Q->version);
    fv_strn(o, o->buf, k > 0 ? (size_t)k : 0);
}

static TA_GETTER(get_versions_offered)
{
    fv_arr(o, Q, Q->num_vn);
}

static TA_GETTER(get_offered_elem)
{
    fv_str(o, ta_quic_version_name(Q->vn_versions[idx], o->buf, sizeof(o->buf)));
}

static const ta_fnode offered_elem[1] = {
    TA_ELEM(TA_FT_STRING, F_R, TA_RC_NONE, "a version", get_offered_elem)};

static TA_GETTER(get_vn_frame)
{
    fv_frame(o, Q->vn_frame);
}

static TA_GETTER(get_version_mismatch)
{
    fv_bool(o, ta_quic_version_mismatch(v->c));
}

static TA_GETTER(get_client_dcid)
{
    cid_hex(o, &Q->odcid);
}

static TA_GETTER(get_server_scid)
{
    const ta_quic_side *sv = &Q->side[1 - ta_conn_client_dir(v->c)];
    if (sv->have_scid) {
        cid_hex(o, &sv->scid);
    } else {
        fv_null(o);
    }
}

static TA_GETTER(get_retry)
{
    fv_bool(o, Q->retry);
}

static TA_GETTER(get_retry_frame)
{
    fv_frame(o, Q->retry_frame);
}

static uint64_t side_packets(const ta_quic_side *s, size_t what)
{
    switch (what) {
    case 0:
        return s->initial_packets;
    case 1:
        return s->handshake_packets;
    case 2:
        return s->short_packets;
    default:
        return s->zero_rtt_packets;
    }
}

/* arg: 0 Initial, 1 Handshake, 2 1-RTT (short header), 3 0-RTT. */
static TA_GETTER(get_packets)
{
    fv_int(o, (int64_t)(side_packets(&Q->side[0], n->arg) + side_packets(&Q->side[1], n->arg)));
}

static TA_GETTER(get_bytes)
{
    fv_int(o, (int64_t)Q->bytes);
}

static TA_GETTER(get_tcp_after)
{
    fv_frame(o, Q->tcp_after_frame);
}

static TA_GETTER(get_handshake_done)
{
    fv_frame(o, Q->handshake_done_frame);
}

/* ---- close ------------------------------------------------------------- */

#define CL (&Q->close)

static TA_GETTER(get_close)
{
    if (Q->close.seen && (Q->close.app || ta_quic_error_alert(Q->close.code) < 0)) {
        fv_obj(o, CL);
    } else {
        fv_null(o);
    }
}

static TA_GETTER(get_close_from)
{
    fv_str(o, ta_side_name(ta_conn_side(v->c, CL->dir)));
}

static TA_GETTER(get_close_frame)
{
    fv_int(o, (int64_t)CL->frame);
}

static TA_GETTER(get_close_code)
{
    int k = snprintf(o->buf, sizeof(o->buf), "0x%llx", (unsigned long long)CL->code);
    fv_strn(o, o->buf, k > 0 ? (size_t)k : 0);
}

static TA_GETTER(get_close_error)
{
    const char *name = CL->app ? NULL : ta_quic_error_name(CL->code);
    fv_str_or_null(o, name);
}

static TA_GETTER(get_close_app)
{
    fv_bool(o, CL->app);
}

static TA_GETTER(get_close_reason)
{
    if (CL->reason_len == 0) {
        fv_null(o);
        return;
    }
    o->kind = TA_FV_STR;
    o->raw = true;   /* the peer's bytes: escaped on use */
    o->s = (const char *)CL->reason;
    o->len = CL->reason_len;
}

static const ta_fnode close_members[] = {
    TA_LEAF("from", TA_FT_STRING, F_R, TA_RC_NONE, "client or server", get_close_from),
    TA_LEAF("frame", TA_FT_INT, F_R, TA_RC_NONE, "frame of the CONNECTION_CLOSE",
            get_close_frame),
    TA_LEAF("error_code", TA_FT_STRING, F_R, TA_RC_NONE, "the error code, hex (\"0xa\")",
            get_close_code),
    TA_LEAF("error", TA_FT_STRING, F_RN, TA_RC_NONE,
            "its name (RFC 9000 20.1: NO_ERROR, PROTOCOL_VIOLATION, ...); null for an "
            "application's code or one without a name",
            get_close_error),
    TA_LEAF("application", TA_FT_BOOL, F_R, TA_RC_NONE,
            "an application's close (frame 0x1d), not the QUIC layer's", get_close_app),
    TA_LEAF("reason", TA_FT_STRING, F_RN, TA_RC_TEXT,
            "the reason phrase as sent (first 128 bytes); null when empty", get_close_reason),
};

/* ---- the object ---------------------------------------------------------- */

const ta_fnode ta_fs_quic[TA_NUM_QUIC] = {
    TA_LEAF("version", TA_FT_STRING, F_R, TA_RC_NONE,
            "the version of the client's Initials (after a Version Negotiation, the one it "
            "came back with): v1, v2, draft-29, mvfst 0xfaceb002, gQUIC T051, reserved "
            "0x1a2a3a4a",
            get_version),
    TA_LEAF("version_code", TA_FT_STRING, F_R, TA_RC_NONE, "that version's number, hex",
            get_version_code),
    TA_ARRAY("versions_offered", F_R,
             "the versions a Version Negotiation from the server listed; empty without one",
             get_versions_offered, offered_elem),
    TA_LEAF("version_negotiation_frame", TA_FT_INT, F_RN, TA_RC_NONE,
            "frame of the server's Version Negotiation; null when none", get_vn_frame),
    TA_LEAF("version_mismatch", TA_FT_BOOL, F_R, TA_RC_NONE,
            "the server answered with Version Negotiation and the client never came back "
            "with a version of its list",
            get_version_mismatch),
    TA_LEAF("client_dcid", TA_FT_STRING, F_R, TA_RC_NONE,
            "Destination Connection ID of the client's first Initial (it keys the Initial "
            "packets), hex",
            get_client_dcid),
    TA_LEAF("server_scid", TA_FT_STRING, F_RN, TA_RC_NONE,
            "the Source Connection ID the server chose, hex; null when it sent no Initial or "
            "Handshake packet",
            get_server_scid),
    TA_LEAF("retry", TA_FT_BOOL, F_R, TA_RC_NONE, "the server answered with a Retry",
            get_retry),
    TA_LEAF("retry_frame", TA_FT_INT, F_RN, TA_RC_NONE, "frame of the first Retry; null",
            get_retry_frame),
    TA_LEAF_ARG("initial_packets", TA_FT_INT, F_R, TA_RC_NONE, "Initial packets, both ways",
                get_packets, 0),
    TA_LEAF_ARG("handshake_packets", TA_FT_INT, F_R, TA_RC_NONE,
                "Handshake packets, both ways", get_packets, 1),
    TA_LEAF_ARG("short_packets", TA_FT_INT, F_R, TA_RC_NONE,
                "1-RTT (short header) packets, both ways", get_packets, 2),
    TA_LEAF_ARG("zero_rtt_packets", TA_FT_INT, F_R, TA_RC_NONE, "0-RTT packets", get_packets, 3),
    TA_LEAF("bytes", TA_FT_INT, F_R, TA_RC_NONE, "UDP payload bytes, both ways", get_bytes),
    TA_LEAF("handshake_done_frame", TA_FT_INT, F_RN, TA_RC_NONE,
            "frame of the HANDSHAKE_DONE (seen only in 1-RTT packets opened with logged "
            "keys); null",
            get_handshake_done),
    TA_LEAF("tcp_after_frame", TA_FT_INT, F_RN, TA_RC_NONE,
            "first frame of a TCP connection to the same server address and port that began "
            "after this one (a client falling back to TCP); null when none was seen",
            get_tcp_after),
    TA_OBJECT("close", F_RN,
              "the first CONNECTION_CLOSE when it carries no TLS alert (one that does is in "
              "alerts); null when none",
              get_close, close_members),
};
