/*
 * tls_msg.c - parsers for individual TLS handshake messages (see ta_tls_msg.h).
 *
 * Every field is read through the cursor in ta_cursor.h, and every vector
 * through a child cursor that must end empty.  Two kinds of failure are kept
 * apart:
 *
 *   - TA_TRUNCATED: the message body stops early (a snapshot length, a
 *     capture that ends).  What was read before the cut is kept: a vector at
 *     the top level whose length claims more than is left is read as far as
 *     it goes, because those bytes are still evidence.
 *   - TA_MALFORMED: the bytes contradict the format (a vector overruns its
 *     parent, a length breaks the RFC's bounds, bytes are left over).  Where
 *     the structure is still in step (one bad extension body, an odd
 *     cipher_suites length) parsing goes on, so the caller can still report
 *     the other facts.
 */
#include "ta_tls_msg.h"
#include "ta_cert.h"
#include "ta_names.h"

#include <stdlib.h>
#include <string.h>

/* Sizes fixed by RFC 8446 4.1.2 / RFC 5246 7.4.1.2. */
#define TLS_RANDOM_LEN 32
#define TLS_SESSION_ID_MAX 32

/* ExtensionType values we decode (RFC 8446 4.2, RFC 6066, RFC 7301, RFC 5077). */
enum {
    EXT_SERVER_NAME = 0,
    EXT_SUPPORTED_GROUPS = 10,
    EXT_EC_POINT_FORMATS = 11,
    EXT_SIGNATURE_ALGORITHMS = 13,
    EXT_ALPN = 16,
    EXT_SESSION_TICKET = 35,
    EXT_PRE_SHARED_KEY = 41,
    EXT_EARLY_DATA = 42,
    EXT_SUPPORTED_VERSIONS = 43,
    EXT_CERTIFICATE_AUTHORITIES = 47,
    EXT_KEY_SHARE = 51,
    EXT_QUIC_TP = 57,
    EXT_QUIC_TP_DRAFT = 0xffa5
};

/* RFC 8446 4.1.3: a HelloRetryRequest is a ServerHello whose random is
 * SHA-256("HelloRetryRequest"). */
static const uint8_t hrr_random[TLS_RANDOM_LEN] = {
    0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
    0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c
};

/* An extension handler: gets the extension's type and its extension_data. */
typedef ta_status (*ext_fn)(void *ctx, uint16_t type, ta_cur *data);

/* ------------------------------------------------------------------------ */
/* Shared reading helpers                                                    */
/* ------------------------------------------------------------------------ */

/* status_rank orders results by how much they say about the bytes. */
static int status_rank(ta_status s)
{
    switch (s) {
    case TA_OK:
        return 0;
    case TA_TRUNCATED:
        return 1;
    case TA_UNSUPPORTED:
        return 2;
    case TA_MALFORMED:
        return 3;
    case TA_NOMEM:
        return 4;
    default:
        return 4;
    }
}

/* status_worse returns the more serious of |a| and |b|. */
static ta_status status_worse(ta_status a, ta_status b)
{
    return status_rank(b) > status_rank(a) ? b : a;
}

/* must_stop says whether parsing cannot go on after |s|: the bytes ran out,
 * or memory did. */
static bool must_stop(ta_status s)
{
    return s == TA_TRUNCATED || s == TA_NOMEM;
}

/* get_uint reads a |len|-byte (1 to 3) big-endian length. */
static int get_uint(ta_cur *c, size_t len, uint32_t *out)
{
    uint8_t v8;
    uint16_t v16;

    switch (len) {
    case 1:
        if (!ta_cur_get_u8(c, &v8)) {
            return 0;
        }
        *out = v8;
        return 1;
    case 2:
        if (!ta_cur_get_u16(c, &v16)) {
            return 0;
        }
        *out = v16;
        return 1;
    case 3:
        return ta_cur_get_u24(c, out);
    default:
        return 0;
    }
}

/* get_bytes_or_rest takes the next |n| bytes of |c| into |out|; if fewer are
 * left, it takes what is left and sets *out_cut (the message was cut). */
static void get_bytes_or_rest(ta_cur *c, size_t n, ta_cur *out, bool *out_cut)
{
    *out_cut = !ta_cur_get_bytes(c, out, n);
    if (*out_cut) {
        (void)ta_cur_get_bytes(c, out, ta_cur_len(c));
    }
}

/* get_vector_or_rest reads a vector with a |prefix_len|-byte length from a
 * message's top level.  When the length claims more than is left, the rest
 * is returned and *out_cut set.  0 only if the length prefix itself is cut. */
static int get_vector_or_rest(ta_cur *c, size_t prefix_len, ta_cur *out, bool *out_cut)
{
    uint32_t n;

    if (!get_uint(c, prefix_len, &n)) {
        return 0;
    }
    get_bytes_or_rest(c, n, out, out_cut);
    return 1;
}

/* push_ints appends every |elem_len|-byte integer of |vec| to |l|; bytes
 * that do not make a whole element give TA_MALFORMED. */
static ta_status push_ints(ta_u32_list *l, ta_cur *vec, size_t elem_len)
{
    uint32_t v;

    /* The vector's length says how many: one allocation for them. */
    if (!ta_u32_list_reserve(l, l->num + ta_cur_len(vec) / elem_len)) {
        return TA_NOMEM;
    }
    while (ta_cur_len(vec) >= elem_len) {
        if (!get_uint(vec, elem_len, &v)) {
            return TA_MALFORMED;
        }
        if (!ta_u32_list_push(l, v)) {
            return TA_NOMEM;
        }
    }
    return ta_cur_len(vec) == 0 ? TA_OK : TA_MALFORMED;
}

/* read_int_vector reads a top-level vector (|prefix_len|-byte length) of
 * |elem_len|-byte integers into |l|.  TA_TRUNCATED keeps the values before
 * the cut; TA_MALFORMED if the length is below |min_len| or not a multiple
 * of |elem_len|. */
static ta_status read_int_vector(ta_u32_list *l, ta_cur *c, size_t prefix_len, size_t elem_len,
                                 size_t min_len)
{
    ta_cur vec;
    bool cut;
    size_t len;
    ta_status ret;

    if (!get_vector_or_rest(c, prefix_len, &vec, &cut)) {
        return TA_TRUNCATED;
    }
    len = ta_cur_len(&vec);
    ret = push_ints(l, &vec, elem_len);
    if (ret == TA_NOMEM) {
        return ret;
    }
    if (cut) {
        return TA_TRUNCATED;
    }
    return len < min_len ? TA_MALFORMED : ret;
}

/* get_vector reads a vector with a |prefix_len|-byte length that must fit
 * inside |c| (a nested vector: overrunning its parent is malformed). */
static int get_vector(ta_cur *c, size_t prefix_len, ta_cur *out)
{
    switch (prefix_len) {
    case 1:
        return ta_cur_get_u8_prefixed(c, out);
    case 2:
        return ta_cur_get_u16_prefixed(c, out);
    case 3:
        return ta_cur_get_u24_prefixed(c, out);
    default:
        return 0;
    }
}

/* ext_int_vector reads an extension_data that is exactly one vector
 * (|prefix_len|-byte length, at least |min_len| bytes) of |elem_len|-byte
 * integers, e.g. supported_groups (RFC 8446 4.2.7). */
static ta_status ext_int_vector(ta_u32_list *l, ta_cur *data, size_t prefix_len,
                                size_t elem_len, size_t min_len)
{
    ta_cur vec;
    ta_status ret;

    if (!get_vector(data, prefix_len, &vec)) {
        return TA_MALFORMED;
    }
    if (ta_cur_len(&vec) < min_len) {
        ret = TA_MALFORMED;
    } else {
        ret = push_ints(l, &vec, elem_len);
    }
    if (ret == TA_OK && ta_cur_len(data) != 0) {
        ret = TA_MALFORMED;
    }
    return ret;
}

/* check_session_id records legacy_session_id<0..32> (RFC 8446 4.1.2). */
static ta_status check_session_id(const ta_cur *session_id, uint8_t *out_len)
{
    size_t len = ta_cur_len(session_id);

    *out_len = len > UINT8_MAX ? UINT8_MAX : (uint8_t)len;
    return len > TLS_SESSION_ID_MAX ? TA_MALFORMED : TA_OK;
}

/* count_dns counts the DistinguishedName entries of |list| (RFC 5246 7.4.4,
 * RFC 8446 4.2.4: opaque DistinguishedName<1..2^16-1>).  With |cut|, the
 * list ends where the message was cut, so a partial last entry is
 * TA_TRUNCATED rather than TA_MALFORMED. */
static ta_status count_dns(ta_cur *list, bool cut, ta_cert_request *cr)
{
    ta_cur dn;
    ta_status ret = TA_OK;

    while (ta_cur_len(list) > 0) {
        if (!ta_cur_get_u16_prefixed(list, &dn)) {
            return status_worse(ret, cut ? TA_TRUNCATED : TA_MALFORMED);
        }
        if (ta_cur_len(&dn) == 0) {
            ret = TA_MALFORMED;
        }
        cr->num_ca_names++;
        if (cr->ca_names.num >= TA_MAX_CA_NAMES) {
            cr->ca_names.truncated = true;
        } else if (!ta_dn_push(&cr->ca_names, &dn)) {
            return TA_NOMEM;
        }
    }
    return cut ? status_worse(ret, TA_TRUNCATED) : ret;
}

/* ------------------------------------------------------------------------ */
/* Extensions (RFC 8446 4.2)                                                 */
/* ------------------------------------------------------------------------ */

/* walk_extensions hands each extension of |block| to |fn| and, if |types|
 * is not NULL, records its type in wire order:
 *
 *   struct { ExtensionType extension_type; opaque extension_data<0..2^16-1>; }
 *
 * A bad extension body does not stop the walk; a bad extension header
 * does (nothing after it can be framed).  With |cut| the block ends where
 * the message was cut, so a partial last extension is TA_TRUNCATED. */
static ta_status walk_extensions(ta_cur *block, bool cut, ta_u32_list *types, ext_fn fn,
                                 void *ctx)
{
    ta_status ret = TA_OK;
    uint16_t type;
    ta_cur data;

    /* At most one extension per 4 bytes: room for all of them at once. */
    if (types != NULL && !ta_u32_list_reserve(types, types->num + ta_cur_len(block) / 4)) {
        return TA_NOMEM;
    }
    while (ta_cur_len(block) > 0) {
        if (!ta_cur_get_u16(block, &type) || !ta_cur_get_u16_prefixed(block, &data)) {
            ret = status_worse(ret, cut ? TA_TRUNCATED : TA_MALFORMED);
            break;
        }
        if (types != NULL && !ta_u32_list_push(types, type)) {
            ret = TA_NOMEM;
            break;
        }
        ret = status_worse(ret, fn(ctx, type, &data));
        if (ret == TA_NOMEM) {
            break;
        }
    }
    return cut ? status_worse(ret, TA_TRUNCATED) : ret;
}

/* parse_hello_extensions reads the optional extensions block that ends a
 * ClientHello or ServerHello (absent in SSL 3.0 and early TLS); bytes after
 * the block are TA_MALFORMED. */
static ta_status parse_hello_extensions(ta_cur *body, ta_u32_list *types, ext_fn fn, void *ctx)
{
    ta_cur block;
    bool cut;
    ta_status ret;

    if (ta_cur_len(body) == 0) {
        return TA_OK;
    }
    if (!get_vector_or_rest(body, 2, &block, &cut)) {
        return TA_TRUNCATED;
    }
    ret = walk_extensions(&block, cut, types, fn, ctx);
    if (ta_cur_len(body) != 0) {
        ret = status_worse(ret, TA_MALFORMED);
    }
    return ret;
}

/* ext_ignore accepts any extension_data: used to check framing only. */
static ta_status ext_ignore(void *ctx, uint16_t type, ta_cur *data)
{
    (void)ctx;
    (void)type;
    (void)data;
    return TA_OK;
}

/* ------------------------------------------------------------------------ */
/* ClientHello extensions                                                    */
/* ------------------------------------------------------------------------ */

/* ch_server_name reads server_name (RFC 6066 3):
 *
 *   struct { NameType name_type;
 *            select (name_type) { case host_name: HostName; } name; } ServerName;
 *   struct { ServerName server_name_list<1..2^16-1> } ServerNameList;
 *   opaque HostName<1..2^16-1>;
 *
 * Keeps the first host_name (0).  Other name types are read with the same
 * u16 prefix, as every deployed parser does. */
static ta_status ch_server_name(ta_client_hello *ch, ta_cur *data)
{
    ta_status ret = TA_OK;
    ta_cur list;
    ta_cur name;
    uint8_t name_type;

    ch->has_sni = true;
    if (!ta_cur_get_u16_prefixed(data, &list) || ta_cur_len(&list) == 0) {
        return TA_MALFORMED;
    }
    while (ta_cur_len(&list) > 0) {
        if (!ta_cur_get_u8(&list, &name_type) || !ta_cur_get_u16_prefixed(&list, &name)) {
            return TA_MALFORMED;
        }
        if (ta_cur_len(&name) == 0) {
            ret = TA_MALFORMED;
        }
        if (name_type == 0 && ch->sni.data == NULL && !ta_bytes_set(&ch->sni, &name)) {
            return TA_NOMEM;
        }
    }
    return ta_cur_len(data) == 0 ? ret : TA_MALFORMED;
}

/* read_alpn_list reads ALPN's extension_data (RFC 7301 3.1):
 *
 *   opaque ProtocolName<1..2^8-1>;
 *   struct { ProtocolName protocol_name_list<2..2^16-1> } ProtocolNameList;
 */
static ta_status read_alpn_list(ta_bytes_list *l, ta_cur *data)
{
    ta_status ret = TA_OK;
    ta_cur list;
    ta_cur name;

    if (!ta_cur_get_u16_prefixed(data, &list) || ta_cur_len(&list) == 0) {
        return TA_MALFORMED;
    }
    while (ta_cur_len(&list) > 0) {
        if (!ta_cur_get_u8_prefixed(&list, &name)) {
            return TA_MALFORMED;
        }
        if (ta_cur_len(&name) == 0) {
            ret = TA_MALFORMED;
        }
        if (!ta_bytes_list_push(l, &name)) {
            return TA_NOMEM;
        }
    }
    return ta_cur_len(data) == 0 ? ret : TA_MALFORMED;
}

/* ch_key_share reads the ClientHello key_share (RFC 8446 4.2.8):
 *
 *   struct { NamedGroup group; opaque key_exchange<1..2^16-1>; } KeyShareEntry;
 *   struct { KeyShareEntry client_shares<0..2^16-1>; } KeyShareClientHello;
 */
static ta_status ch_key_share(ta_client_hello *ch, ta_cur *data)
{
    ta_status ret = TA_OK;
    ta_cur list;
    ta_cur key;
    uint16_t group;

    if (!ta_cur_get_u16_prefixed(data, &list)) {
        return TA_MALFORMED;
    }
    while (ta_cur_len(&list) > 0) {
        if (!ta_cur_get_u16(&list, &group) || !ta_cur_get_u16_prefixed(&list, &key)) {
            return TA_MALFORMED;
        }
        if (ta_cur_len(&key) == 0) {
            ret = TA_MALFORMED;
        }
        ch->key_share_bytes += (uint32_t)ta_cur_len(&key);
        if (!ta_u32_list_push(&ch->key_share_groups, group)) {
            return TA_NOMEM;
        }
    }
    return ta_cur_len(data) == 0 ? ret : TA_MALFORMED;
}

/* ch_pre_shared_key checks the framing of pre_shared_key (RFC 8446 4.2.11):
 *
 *   struct { PskIdentity identities<7..2^16-1>;
 *            PskBinderEntry binders<33..2^16-1>; } OfferedPsks;
 */
static ta_status ch_pre_shared_key(ta_client_hello *ch, ta_cur *data)
{
    ta_cur identities;
    ta_cur binders;

    ch->has_psk = true;
    if (!ta_cur_get_u16_prefixed(data, &identities) ||
        !ta_cur_get_u16_prefixed(data, &binders) || ta_cur_len(data) != 0) {
        return TA_MALFORMED;
    }
    return TA_OK;
}

/* ch_extension dispatches one ClientHello extension; unknown types are only
 * recorded (by the caller). */
static ta_status ch_extension(void *ctx, uint16_t type, ta_cur *data)
{
    ta_client_hello *ch = ctx;

    switch (type) {
    case EXT_SERVER_NAME:
        return ch_server_name(ch, data);
    case EXT_SUPPORTED_GROUPS:
        /* RFC 8446 4.2.7: NamedGroup named_group_list<2..2^16-1> */
        return ext_int_vector(&ch->supported_groups, data, 2, 2, 2);
    case EXT_EC_POINT_FORMATS:
        /* RFC 8422 5.1.2: ECPointFormat ec_point_format_list<1..2^8-1> */
        return ext_int_vector(&ch->ec_point_formats, data, 1, 1, 1);
    case EXT_SIGNATURE_ALGORITHMS:
        /* RFC 8446 4.2.3: SignatureScheme supported_signature_algorithms<2..2^16-2> */
        return ext_int_vector(&ch->signature_algorithms, data, 2, 2, 2);
    case EXT_ALPN:
        return read_alpn_list(&ch->alpn, data);
    case EXT_SESSION_TICKET:
        /* RFC 5077 3.2: an empty ticket asks for one, a non-empty one resumes. */
        ch->has_session_ticket = ch->has_session_ticket || ta_cur_len(data) > 0;
        return TA_OK;
    case EXT_PRE_SHARED_KEY:
        return ch_pre_shared_key(ch, data);
    case EXT_EARLY_DATA:
        /* RFC 8446 4.2.10: empty in a ClientHello. */
        ch->has_early_data = true;
        return ta_cur_len(data) == 0 ? TA_OK : TA_MALFORMED;
    case EXT_SUPPORTED_VERSIONS:
        /* RFC 8446 4.2.1: ProtocolVersion versions<2..254> */
        return ext_int_vector(&ch->supported_versions, data, 1, 2, 2);
    case EXT_KEY_SHARE:
        return ch_key_share(ch, data);
    case EXT_QUIC_TP:
    case EXT_QUIC_TP_DRAFT:
        /* RFC 9001 8.2: kept whole, decoded when written (ta_quic_tp.h). */
        if (ch->has_quic_tp) {
            return TA_OK;
        }
        ch->has_quic_tp = true;
        return ta_bytes_set(&ch->quic_tp, data) ? TA_OK : TA_NOMEM;
    default:
        return TA_OK;
    }
}

/* ------------------------------------------------------------------------ */
/* ClientHello                                                               */
/* ------------------------------------------------------------------------ */

/* RFC 8446 4.1.2 / RFC 5246 7.4.1.2:
 *
 *   struct {
 *       ProtocolVersion legacy_version;
 *       Random random;                                  32 bytes
 *       opaque legacy_session_id<0..32>;
 *       CipherSuite cipher_suites<2..2^16-2>;
 *       opaque legacy_compression_methods<1..2^8-1>;
 *       Extension extensions<8..2^16-1>;                optional before TLS 1.3
 *   } ClientHello;
 */
ta_status ta_tls_parse_client_hello(ta_client_hello *out, ta_cur *body)
{
    ta_status ret = TA_OK;
    ta_status st;
    ta_cur session_id;

    if (!ta_cur_get_u16(body, &out->legacy_version) || !ta_cur_skip(body, TLS_RANDOM_LEN) ||
        !ta_cur_get_u8_prefixed(body, &session_id)) {
        ret = TA_TRUNCATED;
        goto done;
    }
    ret = check_session_id(&session_id, &out->session_id_len);

    st = read_int_vector(&out->cipher_suites, body, 2, 2, 2);
    ret = status_worse(ret, st);
    if (must_stop(st)) {
        goto done;
    }
    st = read_int_vector(&out->compression_methods, body, 1, 1, 1);
    ret = status_worse(ret, st);
    if (must_stop(st)) {
        goto done;
    }
    ret = status_worse(ret, parse_hello_extensions(body, &out->extensions, ch_extension, out));
done:
    out->malformed = ret != TA_OK;
    return ret;
}

/* draft-hickman-netscape-ssl-00 and RFC 5246 E.2, after the record header:
 *
 *   uint8 msg_type;                       1 (CLIENT-HELLO)
 *   Version version;
 *   uint16 cipher_spec_length;            a multiple of 3
 *   uint16 session_id_length;             0 or 16
 *   uint16 challenge_length;              16 to 32
 *   V2CipherSpec cipher_specs[cipher_spec_length];
 *   opaque session_id[session_id_length];
 *   opaque challenge[challenge_length];
 */
ta_status ta_tls_parse_sslv2_client_hello(ta_client_hello *out, ta_cur *msg)
{
    ta_status ret = TA_OK;
    ta_status st;
    uint8_t msg_type;
    uint16_t specs_len;
    uint16_t session_id_len;
    uint16_t challenge_len;
    ta_cur specs;
    bool cut;

    out->sslv2 = true;
    if (!ta_cur_get_u8(msg, &msg_type)) {
        ret = TA_TRUNCATED;
        goto done;
    }
    if (msg_type != TA_HS_CLIENT_HELLO) {
        ret = TA_MALFORMED;
        goto done;
    }
    if (!ta_cur_get_u16(msg, &out->legacy_version) || !ta_cur_get_u16(msg, &specs_len) ||
        !ta_cur_get_u16(msg, &session_id_len) || !ta_cur_get_u16(msg, &challenge_len)) {
        ret = TA_TRUNCATED;
        goto done;
    }
    /* At least one spec; a session id no longer than TLS allows; a challenge
     * of 16 to 32 bytes (RFC 5246 E.2). */
    if (specs_len == 0 || session_id_len > TLS_SESSION_ID_MAX || challenge_len < 16 ||
        challenge_len > 32) {
        ret = TA_MALFORMED;
    }
    out->session_id_len = (uint8_t)(session_id_len > UINT8_MAX ? UINT8_MAX : session_id_len);
    get_bytes_or_rest(msg, specs_len, &specs, &cut);
    st = push_ints(&out->cipher_suites, &specs, 3);
    if (st == TA_NOMEM || cut) {
        /* A partial last spec is the cut's doing, not the sender's. */
        ret = status_worse(ret, st == TA_NOMEM ? st : TA_TRUNCATED);
        goto done;
    }
    ret = status_worse(ret, st);
    if (!ta_cur_skip(msg, session_id_len) || !ta_cur_skip(msg, challenge_len)) {
        ret = status_worse(ret, TA_TRUNCATED);
    } else if (ta_cur_len(msg) != 0) {
        ret = status_worse(ret, TA_MALFORMED);
    }
done:
    return ret;
}

/* ------------------------------------------------------------------------ */
/* ServerHello                                                               */
/* ------------------------------------------------------------------------ */

/* sh_alpn reads the ServerHello ALPN: a ProtocolNameList with exactly one
 * name (RFC 7301 3.1). */
static ta_status sh_alpn(ta_server_hello *sh, ta_cur *data)
{
    ta_cur list;
    ta_cur name;

    if (!ta_cur_get_u16_prefixed(data, &list) || !ta_cur_get_u8_prefixed(&list, &name)) {
        return TA_MALFORMED;
    }
    if (!ta_bytes_set(&sh->alpn, &name)) {
        return TA_NOMEM;
    }
    if (ta_cur_len(&name) == 0 || ta_cur_len(&list) != 0 || ta_cur_len(data) != 0) {
        return TA_MALFORMED;
    }
    return TA_OK;
}

/* sh_key_share reads key_share (RFC 8446 4.2.8): KeyShareEntry server_share
 * in a ServerHello, NamedGroup selected_group in a HelloRetryRequest. */
static ta_status sh_key_share(ta_server_hello *sh, ta_cur *data)
{
    ta_cur key;

    if (!ta_cur_get_u16(data, &sh->key_share_group)) {
        return TA_MALFORMED;
    }
    if (!sh->hello_retry_request &&
        (!ta_cur_get_u16_prefixed(data, &key) || ta_cur_len(&key) == 0)) {
        return TA_MALFORMED;
    }
    return ta_cur_len(data) == 0 ? TA_OK : TA_MALFORMED;
}

/* sh_extension dispatches one ServerHello / HelloRetryRequest extension. */
static ta_status sh_extension(void *ctx, uint16_t type, ta_cur *data)
{
    ta_server_hello *sh = ctx;

    switch (type) {
    case EXT_SUPPORTED_VERSIONS:
        /* RFC 8446 4.2.1: ProtocolVersion selected_version */
        if (!ta_cur_get_u16(data, &sh->selected_version) || ta_cur_len(data) != 0) {
            return TA_MALFORMED;
        }
        return TA_OK;
    case EXT_ALPN:
        return sh_alpn(sh, data);
    case EXT_KEY_SHARE:
        return sh_key_share(sh, data);
    default:
        return TA_OK;
    }
}

/* RFC 8446 4.1.3 / RFC 5246 7.4.1.3:
 *
 *   struct {
 *       ProtocolVersion legacy_version;
 *       Random random;                                  32 bytes
 *       opaque legacy_session_id_echo<0..32>;
 *       CipherSuite cipher_suite;
 *       uint8 legacy_compression_method;
 *       Extension extensions<6..2^16-1>;                optional before TLS 1.3
 *   } ServerHello;
 */
/* TLS 1.3 drafts 0x7f00..0x7f15 (up to draft 21) used the old ServerHello
 * layout; draft 22 added the legacy session id and compression fields. */
static bool is_early_tls13_draft(uint16_t v)
{
    /* A final TLS 1.3 ServerHello always says 0x0303 here (RFC 8446 4.1.3):
     * 0x0304 in this field comes from servers of that early draft era. */
    return ((v >> 8) == 0x7f && (v & 0xff) <= 21) || v == 0x0304;
}

ta_status ta_tls_parse_server_hello(ta_server_hello *out, ta_cur *body)
{
    ta_status ret = TA_OK;
    uint8_t random[TLS_RANDOM_LEN];
    ta_cur session_id;
    uint16_t suite;

    if (!ta_cur_get_u16(body, &out->legacy_version) ||
        !ta_cur_copy(body, random, sizeof(random))) {
        ret = TA_TRUNCATED;
        goto done;
    }
    out->hello_retry_request = memcmp(random, hrr_random, sizeof(random)) == 0;
    /* RFC 8446 4.1.3: "DOWNGRD" and 01 (the server supports TLS 1.3) or
     * 00 (TLS 1.2) end the random of a server that chose less. */
    static const uint8_t downgrd[7] = {0x44, 0x4f, 0x57, 0x4e, 0x47, 0x52, 0x44};
    if (memcmp(random + 24, downgrd, sizeof(downgrd)) == 0 && random[31] <= 1) {
        out->downgrade_sentinel = random[31] == 1 ? 0x0304 : 0x0303;
    }
    if (is_early_tls13_draft(out->legacy_version)) {
        /* draft-ietf-tls-tls13-21 and before: no session id and no
         * compression method; the version field is the negotiated one. */
        if (!ta_cur_get_u16(body, &suite)) {
            ret = TA_TRUNCATED;
            goto done;
        }
        out->cipher_suite = suite;
        out->selected_version = out->legacy_version;
        ret = parse_hello_extensions(body, &out->extensions, sh_extension, out);
        goto done;
    }
    if (!ta_cur_get_u8_prefixed(body, &session_id) || !ta_cur_get_u16(body, &suite) ||
        !ta_cur_get_u8(body, &out->compression_method)) {
        ret = TA_TRUNCATED;
        goto done;
    }
    ret = check_session_id(&session_id, &out->session_id_len);
    out->cipher_suite = suite;
    ret = status_worse(ret, parse_hello_extensions(body, &out->extensions, sh_extension, out));
done:
    return ret;
}

/* ------------------------------------------------------------------------ */
/* ServerKeyExchange (TLS 1.2 and older)                                     */
/* ------------------------------------------------------------------------ */

ta_status ta_tls_parse_server_key_exchange(ta_server_kx *out, ta_cur *body, ta_kx_kind kind)
{
    if (kind == TA_KX_DHE) {
        /* struct { opaque dh_p<1..2^16-1>; opaque dh_g<1..2^16-1>; ... } */
        ta_cur p;
        uint8_t b = 0;
        if (!ta_cur_get_u16_prefixed(body, &p)) {
            return TA_TRUNCATED;
        }
        while (ta_cur_len(&p) > 0 && ta_cur_get_u8(&p, &b) && b == 0) {
        }
        if (b == 0) {
            return TA_OK;                /* a zero (or empty) prime: no size */
        }
        uint32_t bits = 0;
        while (b != 0) {
            bits++;
            b >>= 1;
        }
        out->dh_bits = bits + 8u * (uint32_t)ta_cur_len(&p);
        return TA_OK;
    }
    /* struct { ECCurveType curve_type (3 = named_curve); NamedCurve namedcurve; ... } */
    uint8_t curve_type = 0;
    uint16_t group = 0;
    if (!ta_cur_get_u8(body, &curve_type)) {
        return TA_TRUNCATED;
    }
    if (curve_type != 3) {
        return TA_OK;
    }
    if (!ta_cur_get_u16(body, &group)) {
        return TA_TRUNCATED;
    }
    out->group = group;
    return TA_OK;
}

/* ------------------------------------------------------------------------ */
/* Certificate                                                               */
/* ------------------------------------------------------------------------ */

/* Where ta_tls_parse_certificate_list puts what it finds. */
typedef struct {
    ta_cur *ders;
    size_t max;
    size_t num;
    size_t total;
} cert_sink;

/* walk_cert_entries reads the entries of certificate_list:
 *
 *   opaque ASN.1Cert<1..2^24-1>;                              RFC 5246 7.4.2
 *   struct { opaque cert_data<1..2^24-1>;
 *            Extension extensions<0..2^16-1>; } CertificateEntry;  RFC 8446 4.4.2
 *
 * With |cut| the list ends where the message was cut. */
static ta_status walk_cert_entries(cert_sink *sink, ta_cur *list, bool tls13, bool cut)
{
    ta_status ret = TA_OK;
    ta_status partial = cut ? TA_TRUNCATED : TA_MALFORMED;
    ta_cur der;
    ta_cur exts;

    while (ta_cur_len(list) > 0) {
        if (!ta_cur_get_u24_prefixed(list, &der)) {
            return status_worse(ret, partial);
        }
        if (ta_cur_len(&der) == 0) {
            ret = TA_MALFORMED;
        }
        if (sink->num < sink->max) {
            sink->ders[sink->num] = der;
            sink->num++;
        }
        sink->total++;
        if (!tls13) {
            continue;
        }
        if (!ta_cur_get_u16_prefixed(list, &exts)) {
            return status_worse(ret, partial);
        }
        ret = status_worse(ret, walk_extensions(&exts, false, NULL, ext_ignore, NULL));
    }
    return cut ? status_worse(ret, TA_TRUNCATED) : ret;
}

/* RFC 5246 7.4.2:  struct { ASN.1Cert certificate_list<0..2^24-1>; } Certificate;
 * RFC 8446 4.4.2:  struct { opaque certificate_request_context<0..2^8-1>;
 *                           CertificateEntry certificate_list<0..2^24-1>; } Certificate;
 */
ta_status ta_tls_parse_certificate_list(ta_cur *out_ders, size_t max, size_t *out_num,
                                        size_t *out_total, ta_cur *body, bool tls13)
{
    ta_status ret = TA_OK;
    cert_sink sink = {out_ders, max, 0, 0};
    ta_cur context;
    ta_cur list;
    bool cut;

    if (out_ders == NULL) {
        sink.max = 0;
    }
    if ((tls13 && !ta_cur_get_u8_prefixed(body, &context)) ||
        !get_vector_or_rest(body, 3, &list, &cut)) {
        ret = TA_TRUNCATED;
        goto done;
    }
    ret = walk_cert_entries(&sink, &list, tls13, cut);
    if (ta_cur_len(body) != 0) {
        ret = status_worse(ret, TA_MALFORMED);
    }
done:
    *out_num = sink.num;
    *out_total = sink.total;
    return ret;
}

/* ------------------------------------------------------------------------ */
/* CertificateRequest                                                        */
/* ------------------------------------------------------------------------ */

/* cr_extension dispatches one TLS 1.3 CertificateRequest extension. */
static ta_status cr_extension(void *ctx, uint16_t type, ta_cur *data)
{
    ta_cert_request *cr = ctx;
    ta_cur list;
    ta_status ret;

    switch (type) {
    case EXT_SIGNATURE_ALGORITHMS:
        return ext_int_vector(&cr->signature_algorithms, data, 2, 2, 2);
    case EXT_CERTIFICATE_AUTHORITIES:
        /* RFC 8446 4.2.4: DistinguishedName authorities<3..2^16-1> */
        if (!ta_cur_get_u16_prefixed(data, &list) || ta_cur_len(&list) == 0) {
            return TA_MALFORMED;
        }
        ret = count_dns(&list, false, cr);
        return ta_cur_len(data) == 0 ? ret : TA_MALFORMED;
    default:
        return TA_OK;
    }
}

/* RFC 8446 4.3.2:
 *
 *   struct { opaque certificate_request_context<0..2^8-1>;
 *            Extension extensions<2..2^16-1>; } CertificateRequest;
 */
static ta_status parse_cert_request13(ta_cert_request *out, ta_cur *body)
{
    ta_status ret;
    ta_cur context;
    ta_cur block;
    bool cut;

    if (!ta_cur_get_u8_prefixed(body, &context) || !get_vector_or_rest(body, 2, &block, &cut)) {
        return TA_TRUNCATED;
    }
    ret = walk_extensions(&block, cut, NULL, cr_extension, out);
    if (ta_cur_len(body) != 0) {
        ret = status_worse(ret, TA_MALFORMED);
    }
    return ret;
}

/* RFC 5246 7.4.4 (RFC 4346 7.4.4 without |has_sigalgs|):
 *
 *   struct {
 *       ClientCertificateType certificate_types<1..2^8-1>;
 *       SignatureAndHashAlgorithm supported_signature_algorithms<2..2^16-2>;
 *       DistinguishedName certificate_authorities<0..2^16-1>;
 *   } CertificateRequest;
 */
static ta_status parse_cert_request12(ta_cert_request *out, ta_cur *body, bool has_sigalgs)
{
    ta_status ret;
    ta_status st;
    ta_cur cas;
    bool cut;

    ret = read_int_vector(&out->cert_types, body, 1, 1, 1);
    if (must_stop(ret)) {
        return ret;
    }
    if (has_sigalgs) {
        st = read_int_vector(&out->signature_algorithms, body, 2, 2, 2);
        ret = status_worse(ret, st);
        if (must_stop(st)) {
            return ret;
        }
    }
    if (!get_vector_or_rest(body, 2, &cas, &cut)) {
        return status_worse(ret, TA_TRUNCATED);
    }
    ret = status_worse(ret, count_dns(&cas, cut, out));
    if (ta_cur_len(body) != 0) {
        ret = status_worse(ret, TA_MALFORMED);
    }
    return ret;
}

/* ta_tls_parse_certificate_request picks the layout by version: RFC 8446
 * 4.3.2 for TLS 1.3, RFC 5246 7.4.4 (or RFC 4346 7.4.4) before it. */
ta_status ta_tls_parse_certificate_request(ta_cert_request *out, ta_cur *body, bool tls13,
                                           bool has_sigalgs)
{
    if (tls13) {
        return parse_cert_request13(out, body);
    }
    return parse_cert_request12(out, body, has_sigalgs);
}

/* ------------------------------------------------------------------------ */
/* Cleanup                                                                   */
/* ------------------------------------------------------------------------ */

uint16_t ta_client_hello_max_version(const ta_client_hello *ch)
{
    uint16_t best = 0;
    double rank = -2;
    for (size_t i = 0; i < ch->supported_versions.num; i++) {
        uint16_t v = (uint16_t)ch->supported_versions.v[i];
        if (!ta_is_grease(v) && ta_version_rank(v) > rank) {
            best = v;
            rank = ta_version_rank(v);
        }
    }
    return rank > -2 ? best : ch->legacy_version;
}

void ta_client_hello_cleanup(ta_client_hello *ch)
{
    if (ch == NULL) {
        return;
    }
    ta_u32_list_free(&ch->cipher_suites);
    ta_u32_list_free(&ch->compression_methods);
    ta_u32_list_free(&ch->extensions);
    ta_bytes_free(&ch->sni);
    ta_u32_list_free(&ch->supported_versions);
    ta_bytes_list_free(&ch->alpn);
    ta_u32_list_free(&ch->supported_groups);
    ta_u32_list_free(&ch->ec_point_formats);
    ta_u32_list_free(&ch->signature_algorithms);
    ta_u32_list_free(&ch->key_share_groups);
    ta_bytes_free(&ch->quic_tp);
    memset(ch, 0, sizeof(*ch));
}

void ta_server_hello_cleanup(ta_server_hello *sh)
{
    if (sh == NULL) {
        return;
    }
    ta_u32_list_free(&sh->extensions);
    ta_bytes_free(&sh->alpn);
    memset(sh, 0, sizeof(*sh));
}

void ta_cert_request_cleanup(ta_cert_request *cr)
{
    if (cr == NULL) {
        return;
    }
    ta_u32_list_free(&cr->cert_types);
    ta_u32_list_free(&cr->signature_algorithms);
    ta_bytes_list_free(&cr->ca_names);
    memset(cr, 0, sizeof(*cr));
}
