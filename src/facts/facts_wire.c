/*
 * facts_wire.c - the schema of the facts read off the wire (see
 * ta_schema.h): the hellos, the CertificateRequest and the client's
 * Certificate message, the certificates and the alerts.  Each node's
 * accessor reads ta_conn directly; numbers and names are formatted into
 * the value's own buffer, capture bytes are handed out raw and escaped
 * where they are used.  facts_conn.c puts them in the connection object.
 */
#include <stdio.h>

#include "schema_int.h"
#include "ta_names.h"
#include "ta_quic_tp.h"
#include "ta_tls.h"
#include "ta_tls_msg.h"

/* ---- generic accessors ------------------------------------------------ */

/* A version name, null for 0 (the message ended before it). */
static void version_or_null(ta_fval *o, uint16_t ver)
{
    if (ver != 0) {
        fv_str(o, ta_version_name(ver, o->buf));
    } else {
        fv_null(o);
    }
}

/* "0x%0*x" without printf: thirty of these per ClientHello. */
static void hex(ta_fval *o, uint32_t val, int digits)
{
    int n = 0;
    for (uint32_t v = val; v != 0; v >>= 4) {
        n++;
    }
    n = n > digits ? n : digits;
    o->buf[0] = '0';
    o->buf[1] = 'x';
    for (int i = n - 1; i >= 0; i--) {
        o->buf[2 + i] = "0123456789abcdef"[val & 0xf];
        val >>= 4;
    }
    o->buf[2 + n] = '\0';
    fv_strn(o, o->buf, (size_t)n + 2);
}

/* Arrays of numbers: |base| is a ta_u32_list. */
static TA_GETTER(get_u32_elem)
{
    fv_int(o, ((const ta_u32_list *)base)->v[idx]);
}

/* Arrays of capture strings: |base| is a ta_bytes_list. */
static TA_GETTER(get_bytes_elem)
{
    fv_bytes(o, &((const ta_bytes_list *)base)->v[idx]);
}

static const ta_fnode u32_elem[1] = {
    TA_ELEM(TA_FT_INT, F_R, TA_RC_NONE, "a number", get_u32_elem)};

/* ---- client_hello ----------------------------------------------------- */

#define CH ta_ch(v->c)

TA_GETTER(ta_fg_client_hello)
{
    if (v->c->num_client_hellos > 0) {
        fv_obj(o, CH);
    } else {
        fv_null(o);
    }
}

static TA_GETTER(get_ch_frame)
{
    fv_int(o, (int64_t)CH->frame);
}

static TA_GETTER(get_ch_count)
{
    fv_int(o, v->c->num_client_hellos);
}

static TA_GETTER(get_ch_sslv2)
{
    fv_bool(o, CH->sslv2);
}

static TA_GETTER(get_ch_sni)
{
    if (CH->sni.data != NULL) {
        fv_bytes(o, &CH->sni);
    } else {
        fv_null(o);
    }
}

static TA_GETTER(get_ch_max_version)
{
    version_or_null(o, ta_client_hello_max_version(CH));
}

static TA_GETTER(get_ch_legacy_version)
{
    version_or_null(o, CH->legacy_version);
}

static TA_GETTER(get_ch_versions)
{
    fv_arr(o, NULL, v->d->num_versions);
}

static TA_GETTER(get_ch_version_elem)
{
    fv_str(o, ta_version_name(v->d->versions[idx], o->buf));
}

static TA_GETTER(get_ch_suites)
{
    fv_arr(o, NULL, CH->cipher_suites.num);
}

static TA_GETTER(get_ch_suite_elem)
{
    fv_str(o, ta_cipher_name(CH->cipher_suites.v[idx], CH->sslv2, o->buf));
}

static TA_GETTER(get_ch_code_elem)
{
    hex(o, CH->cipher_suites.v[idx], CH->sslv2 ? 6 : 4);
}

static TA_GETTER(get_ch_alpn)
{
    fv_arr(o, &CH->alpn, CH->alpn.num);
}

/* A number list of the ClientHello, by its offset in ta_client_hello. */
static TA_GETTER(get_ch_u32_list)
{
    const ta_u32_list *l = (const ta_u32_list *)((const char *)CH + n->arg);
    fv_arr(o, l, l->num);
}

static TA_GETTER(get_ch_psk)
{
    fv_bool(o, CH->has_psk);
}

static TA_GETTER(get_ch_early_data)
{
    fv_bool(o, CH->has_early_data);
}

static TA_GETTER(get_ch_key_share_bytes)
{
    fv_int(o, CH->key_share_bytes);
}

static TA_GETTER(get_ch_bytes)
{
    fv_int_or_null(o, v->c->ch_bytes);
}

static TA_GETTER(get_ch_segments)
{
    fv_int_or_null(o, v->c->ch_segments);
}

static TA_GETTER(get_ch_session_id)
{
    fv_int(o, CH->session_id_len);
}

static TA_GETTER(get_ch_truncated)
{
    fv_bool(o, CH->cipher_suites.truncated || CH->extensions.truncated);
}

static TA_GETTER(get_ch_retry)
{
    fv_bool(o, v->c->hrr);
}

/* Fingerprints (derive.c): null for an SSL 2.0 hello, a hello that did
 * not parse to its end, or a list too long to keep whole.  Kept by --redact: they are made of numbers of the hello
 * only (suites, extension types, groups), never of a name or an address,
 * and name a client program, shared by everyone who runs it; redacted,
 * they could no longer be looked up. */
static TA_GETTER(get_ch_ja3)
{
    (void)ta_derive_fingerprints(v->d);
    fv_str_or_null(o, v->d->ja3);
}

static TA_GETTER(get_ch_ja3_hash)
{
    (void)ta_derive_fingerprints(v->d);
    fv_str_or_null(o, v->d->ja3 != NULL ? v->d->ja3_hash : NULL);
}

static TA_GETTER(get_ch_ja4)
{
    (void)ta_derive_fingerprints(v->d);
    fv_str_or_null(o, v->d->ja4_r != NULL ? v->d->ja4 : NULL);
}

static TA_GETTER(get_ch_ja4_r)
{
    (void)ta_derive_fingerprints(v->d);
    fv_str_or_null(o, v->d->ja4_r);
}

static const ta_fnode ch_version_elem[1] = {
    TA_ELEM(TA_FT_STRING, F_R | TA_FN_VERSION, TA_RC_NONE, "a version", get_ch_version_elem)};
static const ta_fnode ch_suite_elem[1] = {
    TA_ELEM(TA_FT_STRING, F_R, TA_RC_NONE, "a suite", get_ch_suite_elem)};
static const ta_fnode ch_code_elem[1] = {
    TA_ELEM(TA_FT_STRING, F_R, TA_RC_NONE, "a suite number", get_ch_code_elem)};
static const ta_fnode alpn_elem[1] = {
    TA_ELEM(TA_FT_STRING, F_R, TA_RC_TEXT, "a protocol", get_bytes_elem)};

/* quic_transport_parameters, decoded on each read (QUIC connections only;
 * at most TA_QUIC_MAX_TP parameters). */
static void quic_tp(const ta_view *v, ta_quic_tp_list *l)
{
    ta_cur ext;
    ta_cur_init(&ext, CH->quic_tp.data, CH->quic_tp.len);
    (void)ta_quic_tp_parse(l, &ext);
}

static TA_GETTER(get_ch_quic_tp)
{
    ta_quic_tp_list l;
    if (!CH->has_quic_tp) {
        fv_absent(o);
        return;
    }
    quic_tp(v, &l);
    fv_arr(o, CH, l.num);
}

static TA_GETTER(get_quic_tp_elem)
{
    /* The element's index + 1 (never NULL) as its base: members decode again. */
    fv_obj(o, (const void *)(idx + 1));
}

/* arg: 0 id, 1 name, 2 value, 3 length. */
static TA_GETTER(get_quic_tp_member)
{
    ta_quic_tp_list l;
    size_t i = (size_t)base - 1;
    quic_tp(v, &l);
    if (i >= l.num) {
        fv_null(o);
        return;
    }
    const ta_quic_tp *t = &l.v[i];
    switch (n->arg) {
    case 0:
        fv_int(o, (int64_t)(t->id & INT64_MAX));
        break;
    case 1:
        fv_str_or_null(o, t->name);
        break;
    case 2:
        if (t->is_int && !t->bad_value) {
            fv_int(o, (int64_t)(t->value & INT64_MAX));
        } else {
            fv_null(o);
        }
        break;
    default:
        fv_int(o, (int64_t)t->len);
        break;
    }
}

static const ta_fnode quic_tp_members[] = {
    TA_LEAF_ARG("id", TA_FT_INT, F_R, TA_RC_NONE, "the parameter's id", get_quic_tp_member, 0),
    TA_LEAF_ARG("name", TA_FT_STRING, F_RN, TA_RC_NONE,
                "its name (RFC 9000 18.2 and later: initial_max_data, ...); null when unknown",
                get_quic_tp_member, 1),
    TA_LEAF_ARG("value", TA_FT_INT, F_RN, TA_RC_NONE,
                "its value when it is an integer; null for bytes (connection IDs, addresses)",
                get_quic_tp_member, 2),
    TA_LEAF_ARG("length", TA_FT_INT, F_R, TA_RC_NONE, "its length in bytes on the wire",
                get_quic_tp_member, 3),
};

static const ta_fnode quic_tp_elem[1] = {
    TA_ELEM_OBJECT(0, "a transport parameter", get_quic_tp_elem, quic_tp_members)};

const ta_fnode ta_fs_client_hello[27] = {
    TA_LEAF("frame", TA_FT_INT, F_R, TA_RC_NONE, "its frame", get_ch_frame),
    TA_LEAF("count", TA_FT_INT, F_R, TA_RC_NONE,
            "number of ClientHellos (2 after a HelloRetryRequest)", get_ch_count),
    TA_LEAF("sslv2", TA_FT_BOOL, F_R, TA_RC_NONE, "an SSLv2-format ClientHello", get_ch_sslv2),
    TA_LEAF("sni", TA_FT_STRING, F_RN, TA_RC_HOST, "the server_name; null without the extension",
            get_ch_sni),
    TA_LEAF("max_version", TA_FT_STRING, F_RN | TA_FN_VERSION, TA_RC_NONE,
            "highest version offered: from supported_versions (GREASE ignored), else the "
            "legacy version",
            get_ch_max_version),
    TA_LEAF("legacy_version", TA_FT_STRING, F_RN | TA_FN_VERSION, TA_RC_NONE,
            "the legacy client_version field", get_ch_legacy_version),
    TA_ARRAY("supported_versions", F_R,
             "version names from supported_versions, GREASE removed; empty without the extension",
             get_ch_versions, ch_version_elem),
    TA_ARRAY("cipher_suites", F_R, "suite names (IANA), unnamed ones as 0x....", get_ch_suites,
             ch_suite_elem),
    TA_ARRAY("cipher_suite_codes", F_R, "the same as hex strings \"0xc02f\" (6 digits for SSLv2)",
             get_ch_suites, ch_code_elem),
    TA_ARRAY("alpn", F_R, "ALPN protocol names offered", get_ch_alpn, alpn_elem),
    TA_ARRAY_ARG("extensions", F_R,
                 "extension type numbers, in order sent (0 = server_name, 43 = supported_versions)",
                 get_ch_u32_list, offsetof(ta_client_hello, extensions), u32_elem),
    TA_ARRAY_ARG("supported_groups", F_R, "group numbers (29 = x25519, 23 = secp256r1)",
                 get_ch_u32_list, offsetof(ta_client_hello, supported_groups), u32_elem),
    TA_ARRAY_ARG("signature_algorithms", F_R,
                 "signature scheme numbers (1027 = 0x0403 ecdsa_secp256r1_sha256)", get_ch_u32_list,
                 offsetof(ta_client_hello, signature_algorithms), u32_elem),
    TA_ARRAY_ARG("key_share_groups", F_R, "groups with a key share (TLS 1.3)", get_ch_u32_list,
                 offsetof(ta_client_hello, key_share_groups), u32_elem),
    TA_LEAF("psk", TA_FT_BOOL, F_R, TA_RC_NONE, "pre_shared_key extension present", get_ch_psk),
    TA_LEAF("early_data", TA_FT_BOOL, F_R, TA_RC_NONE, "early_data extension present",
            get_ch_early_data),
    TA_LEAF("session_id_length", TA_FT_INT, F_R, TA_RC_NONE, "length of the legacy session id",
            get_ch_session_id),
    TA_LEAF("key_share_bytes", TA_FT_INT, F_R, TA_RC_NONE,
            "bytes of all the key shares together (x25519 32, ffdhe8192 1024, X25519MLKEM768 "
            "1216); 0 without any",
            get_ch_key_share_bytes),
    TA_LEAF("bytes", TA_FT_INT, F_RN, TA_RC_NONE,
            "size of the ClientHello message, its 4-byte header included (over about 1450 it "
            "cannot travel in one TCP segment of a 1500-byte path); null for SSLv2",
            get_ch_bytes),
    TA_LEAF("segments", TA_FT_INT, F_RN, TA_RC_NONE,
            "TCP segments with client payload up to the one that completed the ClientHello "
            "(captures taken where segmentation offload or GRO merges segments show fewer); "
            "null for SSLv2",
            get_ch_segments),
    TA_LEAF("truncated_lists", TA_FT_BOOL, F_R, TA_RC_NONE,
            "the suite or extension list was longer than what is kept", get_ch_truncated),
    TA_LEAF("retry", TA_FT_BOOL, F_R, TA_RC_NONE, "derived: the server sent a HelloRetryRequest",
            get_ch_retry),
    TA_LEAF("ja3", TA_FT_STRING, F_RN, TA_RC_NONE,
            "JA3 string: version,suites,extensions,groups,point formats (decimal, GREASE "
            "removed); null for SSLv2, a hello that does not parse to its end or a list too "
            "long to keep",
            get_ch_ja3),
    TA_LEAF("ja3_hash", TA_FT_STRING, F_RN, TA_RC_NONE,
            "MD5 of ja3, lower-case hex (tshark's tls.handshake.ja3)", get_ch_ja3_hash),
    TA_LEAF("ja4", TA_FT_STRING, F_RN, TA_RC_NONE,
            "JA4 client fingerprint (FoxIO JA4.md), \"t13d1516h2_8daaf6152771_e5627efa2ab1\"",
            get_ch_ja4),
    TA_LEAF("ja4_r", TA_FT_STRING, F_RN, TA_RC_NONE,
            "JA4's raw form: its first part, the sorted suites, the sorted extensions and the "
            "signature algorithms, in hex",
            get_ch_ja4_r),
    TA_ARRAY("quic_transport_parameters", F_RO,
             "QUIC: the quic_transport_parameters extension decoded (the first 64); absent "
             "without it",
             get_ch_quic_tp, quic_tp_elem),
};

/* ---- server_hello ----------------------------------------------------- */

#define SH ta_sh(v->c)

/* A ServerHello of length 0 ends before its version: its facts are null. */
static bool sh_empty(const ta_conn *c)
{
    return ta_sh(c)->legacy_version == 0;
}

TA_GETTER(ta_fg_server_hello)
{
    if (v->c->have_sh) {
        fv_obj(o, SH);
    } else {
        fv_null(o);
    }
}

static TA_GETTER(get_sh_frame)
{
    fv_int(o, (int64_t)SH->frame);
}

static TA_GETTER(get_sh_version)
{
    uint16_t ver = SH->selected_version != 0 ? SH->selected_version : SH->legacy_version;
    version_or_null(o, sh_empty(v->c) ? 0 : ver);
}

static TA_GETTER(get_sh_legacy_version)
{
    version_or_null(o, SH->legacy_version);
}

static TA_GETTER(get_sh_suite)
{
    if (SH->sslv2 || sh_empty(v->c)) {
        fv_null(o);
    } else {
        fv_str(o, ta_cipher_name(SH->cipher_suite, false, o->buf));
    }
}

static TA_GETTER(get_sh_suite_code)
{
    if (SH->sslv2 || sh_empty(v->c)) {
        fv_null(o);
    } else {
        hex(o, SH->cipher_suite, 4);
    }
}

static TA_GETTER(get_sh_hrr)
{
    fv_bool(o, v->c->hrr);
}

static TA_GETTER(get_sh_hrr_frame)
{
    if (v->c->hrr) {
        fv_int(o, (int64_t)v->c->hrr_frame);
    } else {
        fv_null(o);
    }
}

static TA_GETTER(get_sh_alpn)
{
    if (SH->alpn.len > 0) {
        fv_bytes(o, &SH->alpn);
    } else {
        fv_null(o);
    }
}

static TA_GETTER(get_sh_downgrade)
{
    version_or_null(o, SH->downgrade_sentinel);
}

static TA_GETTER(get_sh_extensions)
{
    fv_arr(o, &SH->extensions, SH->extensions.num);
}

static TA_GETTER(get_sh_count)
{
    fv_int(o, v->c->num_server_hellos);
}

static TA_GETTER(get_sh_ja3s)
{
    (void)ta_derive_fingerprints(v->d);
    fv_str_or_null(o, v->d->ja3s);
}

static TA_GETTER(get_sh_ja3s_hash)
{
    (void)ta_derive_fingerprints(v->d);
    fv_str_or_null(o, v->d->ja3s != NULL ? v->d->ja3s_hash : NULL);
}

const ta_fnode ta_fs_server_hello[13] = {
    TA_LEAF("frame", TA_FT_INT, F_R, TA_RC_NONE, "its frame", get_sh_frame),
    TA_LEAF("version", TA_FT_STRING, F_RN | TA_FN_VERSION, TA_RC_NONE,
            "version chosen (supported_versions, else the legacy field); null if the message "
            "was empty",
            get_sh_version),
    TA_LEAF("legacy_version", TA_FT_STRING, F_RN | TA_FN_VERSION, TA_RC_NONE,
            "the legacy version field", get_sh_legacy_version),
    TA_LEAF("cipher_suite", TA_FT_STRING, F_RN, TA_RC_NONE, "suite chosen, by name; null for SSLv2",
            get_sh_suite),
    TA_LEAF("cipher_suite_code", TA_FT_STRING, F_RN, TA_RC_NONE, "the same as \"0x1302\"",
            get_sh_suite_code),
    TA_LEAF("hello_retry_request", TA_FT_BOOL, F_R, TA_RC_NONE, "a HelloRetryRequest was seen",
            get_sh_hrr),
    TA_LEAF("hello_retry_request_frame", TA_FT_INT, F_RN, TA_RC_NONE, "its frame; null without one",
            get_sh_hrr_frame),
    TA_LEAF("alpn", TA_FT_STRING, F_RN, TA_RC_TEXT, "protocol chosen; null when none", get_sh_alpn),
    TA_ARRAY("extensions", F_R, "extension type numbers", get_sh_extensions, u32_elem),
    TA_LEAF("count", TA_FT_INT, F_R, TA_RC_NONE, "number of ServerHello messages (HRR included)",
            get_sh_count),
    TA_LEAF("downgrade_sentinel", TA_FT_STRING, F_RN | TA_FN_VERSION, TA_RC_NONE,
            "RFC 8446 downgrade protection: the random ends in DOWNGRD, so the server chose less "
            "than it supports: TLS 1.3 (01) or TLS 1.2 (00); null otherwise",
            get_sh_downgrade),
    TA_LEAF("ja3s", TA_FT_STRING, F_RN, TA_RC_NONE,
            "JA3S string: version,suite,extensions (decimal); null for SSLv2 or an empty message",
            get_sh_ja3s),
    TA_LEAF("ja3s_hash", TA_FT_STRING, F_RN, TA_RC_NONE,
            "MD5 of ja3s, lower-case hex (tshark's tls.handshake.ja3s)", get_sh_ja3s_hash),
};

/* ---- server_key_exchange ---------------------------------------------- */

TA_GETTER(ta_fg_server_kx)
{
    if (v->c->have_skx) {
        fv_obj(o, ta_skx(v->c));
    } else {
        fv_null(o);
    }
}

static TA_GETTER(get_skx_frame)
{
    fv_int(o, (int64_t)ta_skx(v->c)->frame);
}

static TA_GETTER(get_skx_dh_bits)
{
    fv_int_or_null(o, ta_skx(v->c)->dh_bits);
}

static TA_GETTER(get_skx_group)
{
    fv_int_or_null(o, ta_skx(v->c)->group);
}

const ta_fnode ta_fs_server_kx[3] = {
    TA_LEAF("frame", TA_FT_INT, F_R, TA_RC_NONE, "its frame", get_skx_frame),
    TA_LEAF("dh_bits", TA_FT_INT, F_RN, TA_RC_NONE,
            "DHE suites: size of the server's DH prime in bits (clients at OpenSSL security "
            "level 2 refuse under 2048); null otherwise",
            get_skx_dh_bits),
    TA_LEAF("group", TA_FT_INT, F_RN, TA_RC_NONE,
            "ECDHE suites: the named curve (23 = secp256r1, 29 = x25519); null otherwise",
            get_skx_group),
};

/* ---- certificate_request, client_certificate -------------------------- */

TA_GETTER(ta_fg_cert_request)
{
    if (v->c->have_cr) {
        fv_obj(o, ta_cr(v->c));
    } else {
        fv_null(o);
    }
}

static TA_GETTER(get_cr_frame)
{
    fv_int(o, (int64_t)ta_cr(v->c)->frame);
}

static TA_GETTER(get_cr_ca_names)
{
    fv_int(o, (int64_t)ta_cr(v->c)->num_ca_names);
}

static TA_GETTER(get_cr_ca_name_list)
{
    fv_arr(o, &ta_cr(v->c)->ca_names, ta_cr(v->c)->ca_names.num);
}

/* Never clear in TLS 1.3: what was read there was decrypted. */
static TA_GETTER(get_decrypted_if_tls13)
{
    if (v->c->tls13) {
        fv_bool(o, true);
    } else {
        fv_absent(o);
    }
}

static const ta_fnode dn_elem[1] = {
    TA_ELEM(TA_FT_STRING, F_R, TA_RC_DN, "a certificate name", get_bytes_elem)};

const ta_fnode ta_fs_cert_request[4] = {
    TA_LEAF("frame", TA_FT_INT, F_R, TA_RC_NONE, "its frame", get_cr_frame),
    TA_LEAF("ca_names", TA_FT_INT, F_R, TA_RC_NONE, "number of acceptable CA names it lists",
            get_cr_ca_names),
    TA_ARRAY("ca_name_list", F_R, "the first 16 of those names", get_cr_ca_name_list, dn_elem),
    TA_LEAF("decrypted", TA_FT_BOOL, TA_FN_OPT, TA_RC_NONE,
            "true when it was read by decrypting (TLS 1.3); absent otherwise",
            get_decrypted_if_tls13),
};

TA_GETTER(ta_fg_client_cert)
{
    if (v->c->client_cert_frame != 0) {
        fv_obj(o, v->c);
    } else {
        fv_null(o);
    }
}

static TA_GETTER(get_cc_frame)
{
    fv_int(o, (int64_t)v->c->client_cert_frame);
}

static TA_GETTER(get_cc_count)
{
    fv_int(o, (int64_t)v->c->client_cert_count);
}

static TA_GETTER(get_cc_empty)
{
    fv_bool(o, v->c->client_cert_count == 0);
}

const ta_fnode ta_fs_client_cert[4] = {
    TA_LEAF("frame", TA_FT_INT, F_R, TA_RC_NONE, "its frame", get_cc_frame),
    TA_LEAF("certificates", TA_FT_INT, F_R, TA_RC_NONE,
            "number of certificates in it (0 = empty message)", get_cc_count),
    TA_LEAF("decrypted", TA_FT_BOOL, TA_FN_OPT, TA_RC_NONE,
            "true when it was read by decrypting (TLS 1.3); absent otherwise",
            get_decrypted_if_tls13),
    TA_LEAF("empty", TA_FT_BOOL, F_R, TA_RC_NONE, "derived: it held no certificate", get_cc_empty),
};

/* ---- certificates ----------------------------------------------------- */

#define CERT ((const ta_cert *)base)

TA_GETTER(ta_fg_certs)
{
    fv_arr(o, v->c->certs, v->c->num_certs);
}

static TA_GETTER(get_cert_elem)
{
    fv_obj(o, &((const ta_cert *)base)[idx]);
}

static TA_GETTER(get_cert_frame)
{
    fv_int(o, (int64_t)CERT->frame);
}

static TA_GETTER(get_cert_from)
{
    fv_str(o, ta_side_name(CERT->from));
}

static TA_GETTER(get_cert_subject)
{
    if (CERT->parse_error) {
        fv_null(o);
    } else {
        fv_bytes(o, &CERT->subject);
    }
}

static TA_GETTER(get_cert_issuer)
{
    if (CERT->parse_error) {
        fv_null(o);
    } else {
        fv_bytes(o, &CERT->issuer);
    }
}

static TA_GETTER(get_cert_cn)
{
    if (CERT->cn.data != NULL) {
        fv_bytes(o, &CERT->cn);
    } else {
        fv_null(o);
    }
}

static TA_GETTER(get_cert_san)
{
    fv_arr(o, &CERT->san, CERT->san.num);
}

static TA_GETTER(get_cert_not_before)
{
    fv_str_or_null(o, CERT->not_before[0] != '\0' ? CERT->not_before : NULL);
}

static TA_GETTER(get_cert_not_after)
{
    fv_str_or_null(o, CERT->not_after[0] != '\0' ? CERT->not_after : NULL);
}

static TA_GETTER(get_cert_sha256)
{
    fv_str(o, CERT->sha256);
}

static TA_GETTER(get_cert_parse_error)
{
    fv_bool(o, CERT->parse_error);
}

static TA_GETTER(get_cert_decrypted)
{
    if (CERT->decrypted) {
        fv_bool(o, true);
    } else {
        fv_absent(o);
    }
}

static const ta_fnode san_elem[1] = {
    TA_ELEM(TA_FT_STRING, F_R, TA_RC_SAN, "a subjectAltName", get_bytes_elem)};

static const ta_fnode cert_members[] = {
    TA_LEAF("frame", TA_FT_INT, F_R, TA_RC_NONE, "frame", get_cert_frame),
    TA_LEAF("from", TA_FT_STRING, F_R, TA_RC_NONE, "client or server", get_cert_from),
    TA_LEAF("subject", TA_FT_STRING, F_RN, TA_RC_DN,
            "one-line name (CN=...,O=...); null on a parse error", get_cert_subject),
    TA_LEAF("issuer", TA_FT_STRING, F_RN, TA_RC_DN, "the issuer's name; null on a parse error",
            get_cert_issuer),
    TA_LEAF("cn", TA_FT_STRING, F_RN, TA_RC_HOST, "subject CN; null when none", get_cert_cn),
    TA_ARRAY("san", F_R, "subjectAltNames as DNS:name, IP:addr", get_cert_san, san_elem),
    TA_LEAF("not_before", TA_FT_STRING, F_RN, TA_RC_NONE,
            "ISO 8601 (2036-11-20T13:05:24Z); null if unreadable", get_cert_not_before),
    TA_LEAF("not_after", TA_FT_STRING, F_RN, TA_RC_NONE, "ISO 8601; null if unreadable",
            get_cert_not_after),
    TA_LEAF("sha256", TA_FT_STRING, F_R, TA_RC_FINGERPRINT, "lower-case hex fingerprint of the DER",
            get_cert_sha256),
    TA_LEAF("parse_error", TA_FT_BOOL, F_R, TA_RC_NONE, "the DER did not parse",
            get_cert_parse_error),
    TA_LEAF("decrypted", TA_FT_BOOL, F_RO, TA_RC_NONE,
            "true when it was read by decrypting (TLS 1.3 with a key log); absent otherwise",
            get_cert_decrypted),
};

const ta_fnode ta_fs_certificate[1] = {
    TA_ELEM_OBJECT(F_R, "a certificate", get_cert_elem, cert_members)};

/* ---- alerts ----------------------------------------------------------- */

#define ALERT ((const ta_alert *)base)

TA_GETTER(ta_fg_alerts)
{
    fv_arr(o, v->c->alerts, v->c->num_alerts);
}

static TA_GETTER(get_alert_elem)
{
    fv_obj(o, &((const ta_alert *)base)[idx]);
}

static TA_GETTER(get_alert_frame)
{
    fv_int(o, (int64_t)ALERT->frame);
}

static TA_GETTER(get_alert_from)
{
    fv_str(o, ta_side_name(ALERT->from));
}

static TA_GETTER(get_alert_level)
{
    if (ALERT->encrypted) {
        fv_null(o);
    } else if (ALERT->level == 2 || ALERT->level == 1) {
        fv_str(o, ALERT->level == 2 ? "fatal" : "warning");
    } else {
        hex(o, (uint32_t)ALERT->level, 2);
    }
}

static TA_GETTER(get_alert_description)
{
    if (ALERT->encrypted) {
        fv_null(o);
    } else {
        fv_str(o, ta_alert_name(ALERT->description, o->buf));
    }
}

static TA_GETTER(get_alert_code)
{
    if (ALERT->encrypted) {
        fv_null(o);
    } else {
        fv_int(o, ALERT->description);
    }
}

static TA_GETTER(get_alert_encrypted)
{
    fv_bool(o, ALERT->encrypted);
}

/* A flag of ta_alert (by its offset) written only when true. */
static TA_GETTER(get_alert_flag)
{
    if (*(const bool *)((const char *)base + n->arg)) {
        fv_bool(o, true);
    } else {
        fv_absent(o);
    }
}

static TA_GETTER(get_alert_record_length)
{
    if (ALERT->encrypted && ALERT->record_len > 0) {
        fv_int(o, ALERT->record_len);
    } else {
        fv_absent(o);
    }
}

static const ta_fnode alert_members[] = {
    TA_LEAF("frame", TA_FT_INT, F_R, TA_RC_NONE, "frame", get_alert_frame),
    TA_LEAF("from", TA_FT_STRING, F_R, TA_RC_NONE, "client or server", get_alert_from),
    TA_LEAF("level", TA_FT_STRING, F_RN, TA_RC_NONE,
            "fatal, warning (other values as hex); null when encrypted", get_alert_level),
    TA_LEAF("description", TA_FT_STRING, F_RN, TA_RC_NONE,
            "name (handshake_failure, unknown_ca, ...; unnamed ones as the number in text); "
            "null when encrypted",
            get_alert_description),
    TA_LEAF("code", TA_FT_INT, F_RN, TA_RC_NONE, "the description's number; null when encrypted",
            get_alert_code),
    TA_LEAF("encrypted", TA_FT_BOOL, F_R, TA_RC_NONE, "the alert could not be read",
            get_alert_encrypted),
    TA_LEAF_ARG("inferred", TA_FT_BOOL, F_RO, TA_RC_NONE,
                "true for a TLS 1.3 alert recognised only by its size (a side's last record: 19 "
                "bytes, or padded and shorter than a Finished); absent otherwise",
                get_alert_flag, offsetof(ta_alert, inferred)),
    TA_LEAF_ARG("decrypted", TA_FT_BOOL, F_RO, TA_RC_NONE,
                "true when its record was decrypted with a key log; absent otherwise",
                get_alert_flag, offsetof(ta_alert, decrypted)),
    TA_LEAF_ARG("after_handshake", TA_FT_BOOL, F_RO, TA_RC_NONE,
                "true for an alert sent after the handshake completed (the close_notify pair of a "
                "healthy connection, a late bad_record_mac); absent otherwise. Such an alert is "
                "never the derived alert",
                get_alert_flag, offsetof(ta_alert, after_handshake)),
    TA_LEAF_ARG("after_peer_close", TA_FT_BOOL, F_RO, TA_RC_NONE,
                "true for an alert sent after the other side's FIN or RST, in answer to it; absent "
                "otherwise. It ends nothing: never the derived alert, no effect on the outcome",
                get_alert_flag, offsetof(ta_alert, after_peer_close)),
    TA_LEAF("record_length", TA_FT_INT, F_RO, TA_RC_NONE,
            "an encrypted alert: bytes of its record; absent otherwise", get_alert_record_length),
};

const ta_fnode ta_fs_alert_elem[1] = {
    TA_ELEM_OBJECT(F_R, "an alert", get_alert_elem, alert_members)};
