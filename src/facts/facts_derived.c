/*
 * facts_derived.c - the schema of the derived facts (see ta_schema.h and
 * ta_derive.h): the ending alert, the handshake's stage and close, the
 * overlap, SNI properties, the leaf certificates and chain verdicts
 * (one node list each, read for the client, the server or the rejected
 * side), and the diagnoses the rules add.
 */
#include <stdio.h>

#include "schema_int.h"
#include "ta_names.h"

/* ---- alert ------------------------------------------------------------ */

#define AL ((const ta_alert *)base)

TA_GETTER(ta_fg_alert)
{
    if (v->d->alert != NULL) {
        fv_obj(o, v->d->alert);
    } else {
        fv_absent(o);
    }
}

static TA_GETTER(get_first_fatal)
{
    if (v->d->first_fatal != NULL) {
        fv_obj(o, v->d->first_fatal);
    } else {
        fv_absent(o);
    }
}

static TA_GETTER(get_al_frame)
{
    fv_int(o, (int64_t)AL->frame);
}

static TA_GETTER(get_al_from)
{
    fv_str(o, ta_side_name(AL->from));
}

static TA_GETTER(get_al_receiver)
{
    fv_str(o, ta_side_name(AL->from == TA_FROM_CLIENT ? TA_FROM_SERVER : TA_FROM_CLIENT));
}

static TA_GETTER(get_al_level)
{
    fv_str_or_null(o, AL->encrypted ? NULL : AL->level == 2 ? "fatal" : "warning");
}

static TA_GETTER(get_al_description)
{
    if (AL->encrypted) {
        fv_null(o);
    } else {
        fv_str(o, ta_alert_name(AL->description, o->buf));
    }
}

static TA_GETTER(get_al_encrypted)
{
    fv_bool(o, AL->encrypted);
}

static TA_GETTER(get_al_record_length)
{
    if (AL->encrypted && AL->record_len > 0) {
        fv_int(o, AL->record_len);
    } else {
        fv_absent(o);
    }
}

/* A readable fatal alert is never encrypted: no record_length here. */
static const ta_fnode first_fatal[] = {
    TA_LEAF("frame", TA_FT_INT, F_R, TA_RC_NONE, "its frame", get_al_frame),
    TA_LEAF("from", TA_FT_STRING, F_R, TA_RC_NONE, "its sender: client or server", get_al_from),
    TA_LEAF("receiver", TA_FT_STRING, F_R, TA_RC_NONE, "the other side", get_al_receiver),
    TA_LEAF("level", TA_FT_STRING, F_RN, TA_RC_NONE, "fatal", get_al_level),
    TA_LEAF("description", TA_FT_STRING, F_RN, TA_RC_NONE, "as in alerts[]", get_al_description),
    TA_LEAF("encrypted", TA_FT_BOOL, F_R, TA_RC_NONE, "false", get_al_encrypted),
};

const ta_fnode ta_fs_alert[8] = {
    TA_LEAF("frame", TA_FT_INT, F_R, TA_RC_NONE, "its frame", get_al_frame),
    TA_LEAF("from", TA_FT_STRING, F_R, TA_RC_NONE, "its sender: client or server", get_al_from),
    TA_LEAF("receiver", TA_FT_STRING, F_R, TA_RC_NONE, "the other side", get_al_receiver),
    TA_LEAF("level", TA_FT_STRING, F_RN, TA_RC_NONE,
            "as in alerts[]; null when encrypted (any non-fatal level reads warning)",
            get_al_level),
    TA_LEAF("description", TA_FT_STRING, F_RN, TA_RC_NONE, "as in alerts[]; null when encrypted",
            get_al_description),
    TA_LEAF("encrypted", TA_FT_BOOL, F_R, TA_RC_NONE, "the alert could not be read",
            get_al_encrypted),
    TA_LEAF("record_length", TA_FT_INT, F_RO, TA_RC_NONE,
            "an encrypted alert: bytes of its record; absent otherwise", get_al_record_length),
    TA_OBJECT("first_fatal", F_RO, "the first readable fatal alert; absent when none",
              get_first_fatal, first_fatal),
};

/* ---- handshake -------------------------------------------------------- */

#define D (v->d)

TA_GETTER(ta_fg_handshake)
{
    fv_obj(o, D);
}

static TA_GETTER(get_hs_stage)
{
    fv_str(o, D->stage);
}

static TA_GETTER(get_hs_response)
{
    if (D->have_response) {
        fv_real(o, D->response_ms);
    } else {
        fv_null(o);
    }
}

static TA_GETTER(get_hs_record_version)
{
    if (D->have_record_version) {
        fv_str(o, ta_version_name(D->server_record_version, o->buf));
    } else {
        fv_null(o);
    }
}

/* A bool of ta_derived, by its offset. */
static TA_GETTER(get_d_bool)
{
    fv_bool(o, *(const bool *)((const char *)D + n->arg));
}

static TA_GETTER(get_hs_client_protocol)
{
    fv_str_or_null(o, D->client_protocol);
}

static TA_GETTER(get_hs_server_protocol)
{
    fv_str_or_null(o, D->server_protocol);
}

static TA_GETTER(get_hs_closed_by)
{
    fv_str_or_null(o, D->closed_by < 0 ? NULL : ta_side_name((ta_side)D->closed_by));
}

static TA_GETTER(get_hs_close_frame)
{
    if (D->closed_by >= 0) {
        fv_int(o, (int64_t)D->close_frame);
    } else {
        fv_null(o);
    }
}

static TA_GETTER(get_hs_server_bytes)
{
    fv_int(o, (int64_t)D->server_bytes);
}

static TA_GETTER(get_hs_client_bytes)
{
    fv_int(o, (int64_t)D->client_bytes);
}

static TA_GETTER(get_hs_tls13)
{
    fv_bool(o, v->c->tls13);
}

const ta_fnode ta_fs_handshake[13] = {
    TA_LEAF(
        "stage", TA_FT_STRING, F_R, TA_RC_NONE,
        "how far the handshake got: completed; server_finished (TLS 1.2 and older: the server's "
        "Finished, not the client's); client_finished; server_flight (TLS 1.3: the server's "
        "encrypted flight, no client Finished); server_hello_done; server_certificate; "
        "server_hello; client_hello (no ServerHello); data (bytes but no hello); tcp (no "
        "payload). Compare with == or in, not <",
        get_hs_stage),
    TA_LEAF("server_response_ms", TA_FT_REAL, F_RN, TA_RC_NONE,
            "ms from the ClientHello to the server's first TLS record after it; null when none",
            get_hs_response),
    TA_LEAF("server_record_version", TA_FT_STRING, F_RN | TA_FN_VERSION, TA_RC_NONE,
            "version in the header of the server's first TLS record (often TLS 1.2 even for 1.3); "
            "null when the server sent no TLS record",
            get_hs_record_version),
    TA_LEAF_ARG("server_sent_tls", TA_FT_BOOL, F_R, TA_RC_NONE, "the server's bytes were TLS",
                get_d_bool, offsetof(ta_derived, server_sent_tls)),
    TA_LEAF_ARG("client_sent_tls", TA_FT_BOOL, F_R, TA_RC_NONE, "the client's bytes were TLS",
                get_d_bool, offsetof(ta_derived, client_sent_tls)),
    TA_LEAF("client_protocol", TA_FT_STRING, F_RN, TA_RC_NONE,
            "what the client's stream starts with: tls, http, http2, ssh, smtp, smtp-ftp, imap, "
            "pop3, other; null when it sent nothing",
            get_hs_client_protocol),
    TA_LEAF("server_protocol", TA_FT_STRING, F_RN, TA_RC_NONE, "the same for the server",
            get_hs_server_protocol),
    TA_LEAF("closed_by", TA_FT_STRING, F_RN, TA_RC_NONE,
            "client or server: who sent the first FIN or RST; null when neither did",
            get_hs_closed_by),
    TA_LEAF("close_frame", TA_FT_INT, F_RN, TA_RC_NONE, "frame of that FIN or RST",
            get_hs_close_frame),
    TA_LEAF("server_bytes", TA_FT_INT, F_R, TA_RC_NONE, "TCP payload bytes the server sent",
            get_hs_server_bytes),
    TA_LEAF("client_bytes", TA_FT_INT, F_R, TA_RC_NONE, "TCP payload bytes the client sent",
            get_hs_client_bytes),
    TA_LEAF("tls13", TA_FT_BOOL, F_R, TA_RC_NONE,
            "the ServerHello chose TLS 1.3 (or a draft); false without one", get_hs_tls13),
    TA_LEAF_ARG(
        "client_quit_without_data", TA_FT_BOOL, F_R, TA_RC_NONE,
        "the handshake completed, then the client ended the connection first (close_notify, "
        "FIN or RST) without sending application data: curl after a failed host name "
        "check, Node.js (TLS 1.2) after any failed certificate check, health checks",
        get_d_bool, offsetof(ta_derived, client_quit)),
};

/* ---- overlap, sni ----------------------------------------------------- */

TA_GETTER(ta_fg_overlap)
{
    fv_obj(o, D);
}

static TA_GETTER(get_ov_versions)
{
    if (D->overlap == TA_OVERLAP_UNKNOWN) {
        fv_absent(o);
    } else {
        fv_arr(o, NULL, D->overlap == TA_OVERLAP_CHOSEN);
    }
}

static TA_GETTER(get_ov_suites)
{
    if (D->overlap == TA_OVERLAP_CHOSEN) {
        fv_arr(o, NULL, 1);
    } else {
        fv_absent(o);
    }
}

static TA_GETTER(get_ov_version_elem)
{
    fv_str(o, ta_version_name(D->overlap_version, o->buf));
}

static TA_GETTER(get_ov_suite_elem)
{
    fv_str(o, ta_cipher_name(D->overlap_suite, false, o->buf));
}

static const ta_fnode ov_version_elem[1] = {
    TA_ELEM(TA_FT_STRING, F_R | TA_FN_VERSION, TA_RC_NONE, "a version", get_ov_version_elem)};
static const ta_fnode ov_suite_elem[1] = {
    TA_ELEM(TA_FT_STRING, F_R, TA_RC_NONE, "a suite", get_ov_suite_elem)};

const ta_fnode ta_fs_overlap[2] = {
    TA_ARRAY("versions", F_RO,
             "with a real ServerHello the version chosen; empty when the server refused the "
             "version (a readable protocol_version alert; a server record version the client did "
             "not offer, below its legacy version; close_notify as the server's first answer in a "
             "record below the client's highest version); absent otherwise. Empty is "
             "overlap.versions {exists: true} with overlap.versions[] {absent: true}",
             get_ov_versions, ov_version_elem),
    TA_ARRAY("cipher_suites", F_RO, "with a real ServerHello the suite chosen; absent otherwise",
             get_ov_suites, ov_suite_elem),
};

TA_GETTER(ta_fg_sni)
{
    fv_obj(o, D);
}

const ta_fnode ta_fs_sni[2] = {
    TA_LEAF_ARG("present", TA_FT_BOOL, F_R, TA_RC_NONE,
                "a ClientHello with server_name was seen (false also without any ClientHello)",
                get_d_bool, offsetof(ta_derived, sni_present)),
    TA_LEAF_ARG("is_ip_literal", TA_FT_BOOL, F_R, TA_RC_NONE,
                "that name is an IPv4 or IPv6 address", get_d_bool,
                offsetof(ta_derived, sni_is_ip)),
};

/* ---- leaves ----------------------------------------------------------- */

/* The side an object node reads (its arg): client, server, or rejected. */
static int side_of(const ta_view *v, const ta_fnode *n)
{
    return n->arg == TA_OF_REJECTED ? (int)v->d->rejected : (int)n->arg;
}

#define LEAF ((const ta_leaf *)base)

TA_GETTER(ta_fg_leaf)
{
    int s = side_of(v, n);
    if (D->have_leaf[s]) {
        fv_obj(o, &D->leaf[s]);
    } else {
        fv_absent(o);
    }
}

static TA_GETTER(get_leaf_frame)
{
    fv_int(o, (int64_t)LEAF->cert->frame);
}

static TA_GETTER(get_leaf_subject)
{
    if (LEAF->cert->parse_error) {
        fv_null(o);
    } else {
        fv_bytes(o, &LEAF->cert->subject);
    }
}

static TA_GETTER(get_leaf_issuer)
{
    if (LEAF->cert->parse_error) {
        fv_null(o);
    } else {
        fv_bytes(o, &LEAF->cert->issuer);
    }
}

static TA_GETTER(get_leaf_cn)
{
    if (LEAF->cert->cn.data != NULL) {
        fv_bytes(o, &LEAF->cert->cn);
    } else {
        fv_null(o);
    }
}

static TA_GETTER(get_leaf_not_before)
{
    fv_str(o, LEAF->cert->not_before);
}

static TA_GETTER(get_leaf_not_after)
{
    fv_str(o, LEAF->cert->not_after);
}

static TA_GETTER(get_leaf_san)
{
    fv_arr(o, &LEAF->cert->san, LEAF->cert->san.num);
}

static TA_GETTER(get_leaf_san_elem)
{
    fv_bytes(o, &((const ta_bytes_list *)base)->v[idx]);
}

static TA_GETTER(get_leaf_expired)
{
    if (LEAF->dated) {
        fv_bool(o, LEAF->expired);
    } else {
        fv_absent(o);
    }
}

static TA_GETTER(get_leaf_not_yet_valid)
{
    if (LEAF->dated) {
        fv_bool(o, LEAF->not_yet_valid);
    } else {
        fv_absent(o);
    }
}

static TA_GETTER(get_leaf_days_left)
{
    if (LEAF->dated) {
        fv_int(o, LEAF->days_left);
    } else {
        fv_absent(o);
    }
}

static TA_GETTER(get_leaf_self_signed)
{
    fv_bool(o, LEAF->cert->self_signed);
}

static TA_GETTER(get_leaf_is_ca)
{
    fv_bool(o, LEAF->cert->is_ca);
}

static TA_GETTER(get_leaf_parse_error)
{
    fv_bool(o, LEAF->cert->parse_error);
}

static const ta_fnode leaf_san_elem[1] = {
    TA_ELEM(TA_FT_STRING, F_R, TA_RC_SAN, "a subjectAltName", get_leaf_san_elem)};

const ta_fnode ta_fs_leaf[13] = {
    TA_LEAF("frame", TA_FT_INT, F_R, TA_RC_NONE, "as in certificates[]", get_leaf_frame),
    TA_LEAF("subject", TA_FT_STRING, F_RN, TA_RC_DN, "as in certificates[]", get_leaf_subject),
    TA_LEAF("issuer", TA_FT_STRING, F_RN, TA_RC_DN, "as in certificates[]", get_leaf_issuer),
    TA_LEAF("cn", TA_FT_STRING, F_RN, TA_RC_HOST, "as in certificates[] (null when none)",
            get_leaf_cn),
    TA_LEAF("not_before", TA_FT_STRING, F_R, TA_RC_NONE,
            "as in certificates[] (empty when unreadable)", get_leaf_not_before),
    TA_LEAF("not_after", TA_FT_STRING, F_R, TA_RC_NONE,
            "as in certificates[] (empty when unreadable)", get_leaf_not_after),
    TA_ARRAY("san", F_R, "as in certificates[]", get_leaf_san, leaf_san_elem),
    TA_LEAF("expired", TA_FT_BOOL, F_RO, TA_RC_NONE,
            "judged at the capture time of the certificate's frame; absent when the dates (or "
            "that time) could not be read",
            get_leaf_expired),
    TA_LEAF("not_yet_valid", TA_FT_BOOL, F_RO, TA_RC_NONE, "likewise", get_leaf_not_yet_valid),
    TA_LEAF("days_left", TA_FT_INT, F_RO, TA_RC_NONE,
            "whole days from that time to not_after (negative when expired); absent likewise",
            get_leaf_days_left),
    TA_LEAF("self_signed", TA_FT_BOOL, F_R, TA_RC_NONE, "issued by its own key",
            get_leaf_self_signed),
    TA_LEAF("is_ca", TA_FT_BOOL, F_R, TA_RC_NONE, "basicConstraints CA:TRUE", get_leaf_is_ca),
    TA_LEAF("parse_error", TA_FT_BOOL, F_R, TA_RC_NONE, "the DER did not parse",
            get_leaf_parse_error),
};

/* ---- chains ----------------------------------------------------------- */

#define CF ((const ta_chain_facts *)base)
#define CV (CF->v)

TA_GETTER(ta_fg_chain)
{
    int s = side_of(v, n);
    if (D->have_chain[s]) {
        fv_obj(o, &D->chain[s]);
    } else {
        fv_absent(o);
    }
}

static TA_GETTER(get_ch_from)
{
    fv_str(o, ta_side_name(CV->from));
}

/* Numbers of the verdict: arg 0 length, 1 path_length, 2 duplicates. */
static TA_GETTER(get_cv_count)
{
    const size_t vals[] = {CV->length, CV->path_length, CV->duplicates};
    fv_int(o, (int64_t)vals[n->arg]);
}

/* Booleans of the verdict: arg 0 leaf_parse_error, 1 ordered, 2 complete,
 * 3 root_sent, 4 self_signed_leaf. */
static TA_GETTER(get_cv_bool)
{
    const bool vals[] = {!CV->leaf_parsed, CV->ordered, CV->complete, CV->root_sent,
                         CV->self_signed_leaf};
    fv_bool(o, vals[n->arg]);
}

static TA_GETTER(get_cv_missing_issuer)
{
    fv_str_or_null(o, CV->missing_issuer);
}

static TA_GETTER(get_cv_extra)
{
    fv_arr(o, CV->extra, CV->num_extra);
}

/* An element of an array of strings held as char * (NULL: null). */
static TA_GETTER(get_cstr_elem)
{
    fv_str_or_null(o, ((char *const *)base)[idx]);
}

static TA_GETTER(get_cv_hostname)
{
    if (CV->leaf_parsed) {
        fv_str_or_null(o, CV->hostname);
    } else {
        fv_absent(o);
    }
}

static TA_GETTER(get_cv_hostname_match)
{
    if (CV->hostname_match < 0) {
        fv_null(o);
    } else {
        fv_bool(o, CV->hostname_match == 1);
    }
}

static TA_GETTER(get_cv_hostname_checked)
{
    if (CV->leaf_parsed) {
        fv_str_or_null(o, CV->hostname_checked);
    } else {
        fv_absent(o);
    }
}

static TA_GETTER(get_cv_ca_leaf)
{
    if (CV->leaf_parsed) {
        fv_bool(o, CV->ca_leaf);
    } else {
        fv_absent(o);
    }
}

static TA_GETTER(get_cv_policy)
{
    fv_arr(o, CV->policy, CV->num_policy);
}

static TA_GETTER(get_cv_key_type)
{
    if (CV->leaf_parsed) {
        fv_str_or_null(o, CV->key_type);
    } else {
        fv_absent(o);
    }
}

static TA_GETTER(get_cv_key_bits)
{
    if (CV->leaf_parsed) {
        fv_int(o, CV->key_bits);
    } else {
        fv_absent(o);
    }
}

static TA_GETTER(get_cv_sig)
{
    if (CV->leaf_parsed) {
        fv_str_or_null(o, CV->signature_algorithm);
    } else {
        fv_absent(o);
    }
}

static TA_GETTER(get_cv_weak)
{
    fv_arr(o, CV->weak, CV->num_weak);
}

static TA_GETTER(get_cv_trust_store)
{
    fv_str_or_null(o, CV->trust_store);
}

static TA_GETTER(get_cv_trusted)
{
    if (CV->trusted < 0) {
        fv_null(o);
    } else {
        fv_bool(o, CV->trusted == 1);
    }
}

static TA_GETTER(get_cv_verify_error)
{
    fv_str_or_null(o, CV->verify_error);
}

static TA_GETTER(get_cv_verify_depth)
{
    if (CV->have_depth) {
        fv_int(o, CV->verify_depth);
    } else {
        fv_null(o);
    }
}

static TA_GETTER(get_cv_verify_subject)
{
    fv_str_or_null(o, CV->verify_subject);
}

static TA_GETTER(get_cv_intercept_product)
{
    fv_str_or_null(o, CV->intercept_product);
}

static TA_GETTER(get_cv_intercept_ca)
{
    fv_str_or_null(o, CV->intercept_ca);
}

static TA_GETTER(get_cf_capture_time)
{
    fv_str_or_null(o, CF->have_time ? CF->capture_time : NULL);
}

static TA_GETTER(get_cf_expired)
{
    fv_bool(o, CF->expired);
}

static TA_GETTER(get_cf_not_yet_valid)
{
    fv_bool(o, CF->not_yet_valid);
}

/* The subject of a certificate the facts point to; null when none or
 * unparsable.  arg 0: the invalid one, 1: the one expiring first. */
static TA_GETTER(get_cf_subject)
{
    const ta_cert *c = n->arg == 0 ? CF->invalid : CF->expires_first;
    if (c == NULL || c->parse_error) {
        fv_null(o);
    } else {
        fv_bytes(o, &c->subject);
    }
}

/* The invalid certificate's dates: arg 0 not_before, 1 not_after. */
static TA_GETTER(get_cf_invalid_date)
{
    if (CF->invalid == NULL) {
        fv_null(o);
    } else {
        fv_str(o, n->arg == 0 ? CF->invalid->not_before : CF->invalid->not_after);
    }
}

static TA_GETTER(get_cf_days_left)
{
    if (CF->have_days) {
        fv_int(o, CF->days_left);
    } else {
        fv_null(o);
    }
}

static TA_GETTER(get_cf_extract_error)
{
    if (CF->extract_error != NULL) {
        fv_str(o, CF->extract_error);
    } else {
        fv_absent(o);
    }
}

static TA_GETTER(get_cf_extracted)
{
    if (CF->extracted_leaf != NULL && CF->extracted_chain != NULL && CF->verify_command != NULL) {
        fv_obj(o, CF);
    } else {
        fv_absent(o);
    }
}

/* The extraction texts: arg 0 leaf, 1 chain, 2 verify_command. */
static TA_GETTER(get_cf_extracted_text)
{
    const char *vals[] = {CF->extracted_leaf, CF->extracted_chain, CF->verify_command};
    fv_str(o, vals[n->arg]);
}

static const ta_fnode extra_elem[1] = {
    TA_ELEM(TA_FT_STRING, F_RN, TA_RC_DN, "a subject (null: unparsable)", get_cstr_elem)};
static const ta_fnode policy_elem[1] = {
    TA_ELEM(TA_FT_STRING, F_R, TA_RC_NONE, "a finding", get_cstr_elem)};
static const ta_fnode weak_elem[1] = {
    TA_ELEM(TA_FT_STRING, F_R, TA_RC_FINDING, "a weakness", get_cstr_elem)};

static const ta_fnode extracted[] = {
    TA_LEAF_ARG("leaf", TA_FT_STRING, F_R, TA_RC_FILE, "the leaf's PEM file", get_cf_extracted_text,
                0),
    TA_LEAF_ARG("chain", TA_FT_STRING, F_R, TA_RC_FILE, "the chain's PEM file",
                get_cf_extracted_text, 1),
    TA_LEAF_ARG("verify_command", TA_FT_STRING, F_R, TA_RC_FILE,
                "the openssl verify command that repeats the judgement", get_cf_extracted_text, 2),
};

const ta_fnode ta_fs_chain[37] = {
    TA_LEAF("from", TA_FT_STRING, F_R, TA_RC_NONE, "server or client", get_ch_from),
    TA_LEAF_ARG("length", TA_FT_INT, F_R, TA_RC_NONE, "certificates sent", get_cv_count, 0),
    TA_LEAF_ARG("leaf_parse_error", TA_FT_BOOL, F_R, TA_RC_NONE,
                "the leaf did not parse (most facts below are then null, empty or absent)",
                get_cv_bool, 0),
    TA_LEAF_ARG("ordered", TA_FT_BOOL, F_R, TA_RC_NONE,
                "leaf first, each certificate followed by its issuer, nothing else", get_cv_bool,
                1),
    TA_LEAF_ARG("complete", TA_FT_BOOL, F_R, TA_RC_NONE,
                "the path ends in a self-signed certificate, a CA certificate, or one whose "
                "issuer is in the trust store",
                get_cv_bool, 2),
    TA_LEAF("missing_issuer", TA_FT_STRING, F_RN, TA_RC_DN,
            "issuer name of the last certificate on the path when not complete, else null",
            get_cv_missing_issuer),
    TA_LEAF_ARG("path_length", TA_FT_INT, F_R, TA_RC_NONE,
                "certificates on the issuer path from the leaf", get_cv_count, 1),
    TA_LEAF_ARG("root_sent", TA_FT_BOOL, F_R, TA_RC_NONE,
                "a self-signed root at the end of a longer path", get_cv_bool, 3),
    TA_LEAF_ARG("duplicates", TA_FT_INT, F_R, TA_RC_NONE, "repeated certificates", get_cv_count, 2),
    TA_ARRAY("extra", F_R, "subjects of certificates not on the path", get_cv_extra, extra_elem),
    TA_LEAF_ARG("self_signed_leaf", TA_FT_BOOL, F_R, TA_RC_NONE, "a self-signed leaf", get_cv_bool,
                4),
    TA_LEAF("hostname", TA_FT_STRING, F_RON, TA_RC_HOST,
            "the SNI checked (server chains); null without SNI and for client chains",
            get_cv_hostname),
    TA_LEAF("hostname_match", TA_FT_BOOL, F_RN, TA_RC_NONE,
            "whether the leaf covers it (X509_check_host, no partial wildcards); null likewise",
            get_cv_hostname_match),
    TA_LEAF("hostname_checked", TA_FT_STRING, F_RON, TA_RC_NONE,
            "against what: san, ip, or cn (no DNS SAN); null likewise", get_cv_hostname_checked),
    TA_LEAF("ca_leaf", TA_FT_BOOL, F_RO, TA_RC_NONE, "a leaf with CA:TRUE that is not self-signed",
            get_cv_ca_leaf),
    TA_ARRAY("policy", F_R,
             "findings: extendedKeyUsage lacks serverAuth (clientAuth), keyUsage allows neither "
             "digitalSignature nor keyEncipherment, the leaf is a CA certificate (CA:TRUE)",
             get_cv_policy, policy_elem),
    TA_LEAF("key_type", TA_FT_STRING, F_RON, TA_RC_NONE, "the leaf's key: RSA, EC, ED25519, ...",
            get_cv_key_type),
    TA_LEAF("key_bits", TA_FT_INT, F_RO, TA_RC_NONE, "its size in bits", get_cv_key_bits),
    TA_LEAF("signature_algorithm", TA_FT_STRING, F_RON, TA_RC_NONE,
            "the leaf's signature algorithm (OpenSSL long name)", get_cv_sig),
    TA_ARRAY("weak", F_R,
             "RSA/DSA keys under 2048 bits, EC under 224, SHA-1/MD5 signatures on the path: "
             "RSA key of 1024 bits (CN=x)",
             get_cv_weak, weak_elem),
    TA_LEAF("trust_store", TA_FT_STRING, F_RN, TA_RC_TEXT,
            "the trust store the chain was verified against", get_cv_trust_store),
    TA_LEAF("trusted", TA_FT_BOOL, F_RN, TA_RC_NONE,
            "X509_verify_cert as a TLS peer at capture time; null when no trust store applies",
            get_cv_trusted),
    TA_LEAF("verify_error", TA_FT_STRING, F_RN, TA_RC_TEXT,
            "OpenSSL's text (unable to get local issuer certificate, certificate has expired, "
            "...)",
            get_cv_verify_error),
    TA_LEAF("verify_depth", TA_FT_INT, F_RN, TA_RC_NONE, "depth of the certificate it is about",
            get_cv_verify_depth),
    TA_LEAF("verify_subject", TA_FT_STRING, F_RN, TA_RC_DN, "that certificate's subject",
            get_cv_verify_subject),
    TA_LEAF("interception_product", TA_FT_STRING, F_RN, TA_RC_NONE,
            "the TLS inspection product (rules/data/interception-products.yaml) whose CA name "
            "matches an issuer on the chain, or a CA sent with it; null when none",
            get_cv_intercept_product),
    TA_LEAF("interception_ca", TA_FT_STRING, F_RN, TA_RC_DN, "the name that matched",
            get_cv_intercept_ca),
    TA_LEAF("capture_time", TA_FT_STRING, F_RN, TA_RC_NONE,
            "ISO 8601 time of the Certificate frame", get_cf_capture_time),
    TA_LEAF("expired", TA_FT_BOOL, F_R, TA_RC_NONE,
            "a certificate on the path was past its not_after then", get_cf_expired),
    TA_LEAF("not_yet_valid", TA_FT_BOOL, F_R, TA_RC_NONE,
            "a certificate on the path was before its not_before then", get_cf_not_yet_valid),
    TA_LEAF_ARG("invalid_subject", TA_FT_STRING, F_RN, TA_RC_DN,
                "the first such certificate's subject", get_cf_subject, 0),
    TA_LEAF_ARG("invalid_not_before", TA_FT_STRING, F_RN, TA_RC_NONE, "its not_before",
                get_cf_invalid_date, 0),
    TA_LEAF_ARG("invalid_not_after", TA_FT_STRING, F_RN, TA_RC_NONE, "its not_after",
                get_cf_invalid_date, 1),
    TA_LEAF("days_left", TA_FT_INT, F_RN, TA_RC_NONE,
            "whole days from the capture to the first not_after on the path (negative when "
            "expired)",
            get_cf_days_left),
    TA_LEAF_ARG("expires_first", TA_FT_STRING, F_RN, TA_RC_DN, "that certificate's subject",
                get_cf_subject, 1),
    TA_LEAF("extract_error", TA_FT_STRING, F_RO, TA_RC_TEXT,
            "with --extract-certs: what could not be written", get_cf_extract_error),
    TA_OBJECT("extracted", F_RO,
              "with --extract-certs: the files written and the command that verifies them",
              get_cf_extracted, extracted),
};

/* ---- diagnoses -------------------------------------------------------- */

#define DG ((const ta_diag *)base)

TA_GETTER(ta_fg_diagnoses)
{
    fv_arr(o, v->diags, v->num_diags);
}

static TA_GETTER(get_diag_elem)
{
    fv_obj(o, &((const ta_diag *)base)[idx]);
}

static TA_GETTER(get_dg_rule)
{
    fv_str(o, DG->rule);
}

static TA_GETTER(get_dg_severity)
{
    fv_str(o, DG->severity);
}

/* The rendered texts: arg 0 title, 1 summary, 2 fault, 3 fixes_by,
 * 4 remediation. */
static TA_GETTER(get_dg_text)
{
    const char *vals[] = {DG->title, DG->summary, DG->fault, DG->fixes_by, DG->remediation};
    fv_str_or_null(o, vals[n->arg]);
}

static TA_GETTER(get_dg_evidence)
{
    fv_arr(o, DG->ev, DG->num_ev);
}

#define EV ((const ta_evidence *)base)

static TA_GETTER(get_ev_elem)
{
    fv_obj(o, &EV[idx]);
}

static TA_GETTER(get_ev_frame)
{
    fv_int(o, EV->frame);
}

static TA_GETTER(get_ev_fact)
{
    fv_str(o, EV->fact);
}

static TA_GETTER(get_dg_refs)
{
    fv_arr(o, DG->refs, DG->num_refs);
}

static const ta_fnode evidence[] = {
    TA_LEAF("frame", TA_FT_INT, TA_FN_OWN, TA_RC_NONE, "the frame cited", get_ev_frame),
    TA_LEAF("fact", TA_FT_STRING, TA_FN_OWN, TA_RC_RENDERED, "what that frame shows", get_ev_fact),
};

static const ta_fnode evidence_elem[1] = {
    TA_ELEM_OBJECT(TA_FN_OWN, "an evidence item", get_ev_elem, evidence)};
static const ta_fnode ref_elem[1] = {
    TA_ELEM(TA_FT_STRING, TA_FN_OWN, TA_RC_RENDERED, "a reference", get_cstr_elem)};

static const ta_fnode diagnosis[] = {
    TA_LEAF("rule", TA_FT_STRING, TA_FN_OWN, TA_RC_NONE, "the rule's id", get_dg_rule),
    TA_LEAF("severity", TA_FT_STRING, TA_FN_OWN, TA_RC_NONE, "error, warning or info",
            get_dg_severity),
    TA_LEAF_ARG("title", TA_FT_STRING, TA_FN_OWN, TA_RC_RENDERED, "one line", get_dg_text, 0),
    TA_LEAF_ARG("summary", TA_FT_STRING, TA_FN_OWN, TA_RC_RENDERED,
                "what happened and why, in this connection's facts", get_dg_text, 1),
    TA_LEAF_ARG("fault", TA_FT_STRING, TA_FN_OWN, TA_RC_NONE,
                "client, server, middlebox or unknown", get_dg_text, 2),
    TA_LEAF_ARG("fixes_by", TA_FT_STRING, TA_FN_OWN | TA_FN_NULL, TA_RC_RENDERED,
                "who can fix it; null when the rule does not say", get_dg_text, 3),
    TA_LEAF_ARG("remediation", TA_FT_STRING, TA_FN_OWN | TA_FN_NULL, TA_RC_RENDERED,
                "how, worded for the --profile; null when the rule has none", get_dg_text, 4),
    TA_ARRAY("evidence", TA_FN_OWN, "the frames that show it", get_dg_evidence, evidence_elem),
    TA_ARRAY("references", TA_FN_OWN, "RFC sections and other sources", get_dg_refs, ref_elem),
};

const ta_fnode ta_fs_diagnosis[1] = {
    TA_ELEM_OBJECT(TA_FN_OWN, "a diagnosis", get_diag_elem, diagnosis)};
