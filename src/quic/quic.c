/*
 * quic.c - QUIC packet headers and packet protection (see ta_quic.h).
 *
 * Headers are read top to bottom like RFC 9000 17 describes them, every
 * field through the cursor.  Protection follows RFC 9001 5: keys from
 * HKDF-Expand-Label with QUIC's labels, header protection from a sample of
 * the ciphertext, the AEAD nonce from the packet number, the header as
 * additional data.  The TLS 1.3 key schedule and the AEAD are decrypt.c's.
 */
#include "ta_quic.h"

#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#define LONG_HEADER 0x80             /* Header Form bit */
#define FIXED_BIT 0x40
#define V1_DRAFT 34                  /* v1 and v2 follow the last transport draft */

/* ---- versions ------------------------------------------------------------ */

/* Initial salts: RFC 9001 5.2, RFC 9369 3.3.1, and the drafts' 5.2 (22;
 * 23-28; 29-32; 33 took the RFC's).  gQUIC T050/T051 have their own. */
static const uint8_t salt_v1[20] = {
    0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17, 0x9a, 0xe6, 0xa4, 0xc8, 0x0c,
    0xad, 0xcc, 0xbb, 0x7f, 0x0a
};
static const uint8_t salt_v2[20] = {
    0x0d, 0xed, 0xe3, 0xde, 0xf7, 0x00, 0xa6, 0xdb, 0x81, 0x93, 0x81, 0xbe, 0x6e, 0x26, 0x9d,
    0xcb, 0xf9, 0xbd, 0x2e, 0xd9
};
static const uint8_t salt_d29[20] = {
    0xaf, 0xbf, 0xec, 0x28, 0x99, 0x93, 0xd2, 0x4c, 0x9e, 0x97, 0x86, 0xf1, 0x9c, 0x61, 0x11,
    0xe0, 0x43, 0x90, 0xa8, 0x99
};
static const uint8_t salt_d23[20] = {
    0xc3, 0xee, 0xf7, 0x12, 0xc7, 0x2e, 0xbb, 0x5a, 0x11, 0xa7, 0xd2, 0x43, 0x2b, 0xb4, 0x63,
    0x65, 0xbe, 0xf9, 0xf5, 0x02
};
static const uint8_t salt_d22[20] = {
    0x7f, 0xbc, 0xdb, 0x0e, 0x7c, 0x66, 0xbb, 0xe9, 0x19, 0x3a, 0x96, 0xcd, 0x21, 0x51, 0x9e,
    0xbd, 0x7a, 0x02, 0x64, 0x4a
};
static const uint8_t salt_t50[20] = {
    0x7f, 0xf5, 0x79, 0xe5, 0xac, 0xd0, 0x72, 0x91, 0x55, 0x80, 0x30, 0x4c, 0x43, 0xa2, 0x36,
    0x7c, 0x60, 0x48, 0x83, 0x10
};
static const uint8_t salt_t51[20] = {
    0x7a, 0x4e, 0xde, 0xf4, 0xe7, 0xcc, 0xee, 0x5f, 0xa4, 0x50, 0x6c, 0x19, 0x12, 0x4f, 0xc8,
    0xcc, 0xda, 0x6e, 0x03, 0x3d
};

/* Retry Integrity Tag keys: RFC 9001 5.8 (also drafts 33, 34), RFC 9369
 * 3.3.3, drafts 29-32 5.8.  Older drafts used other keys or no tag. */
static const uint8_t retry_key_v1[16] = {
    0xbe, 0x0c, 0x69, 0x0b, 0x9f, 0x66, 0x57, 0x5a, 0x1d, 0x76, 0x6b, 0x54, 0xe3, 0x68, 0xc8,
    0x4e
};
static const uint8_t retry_nonce_v1[12] = {
    0x46, 0x15, 0x99, 0xd3, 0x5d, 0x63, 0x2b, 0xf2, 0x23, 0x98, 0x25, 0xbb
};
static const uint8_t retry_key_v2[16] = {
    0x8f, 0xb4, 0xb0, 0x1b, 0x56, 0xac, 0x48, 0xe2, 0x60, 0xfb, 0xcb, 0xce, 0xad, 0x7c, 0xcc,
    0x92
};
static const uint8_t retry_nonce_v2[12] = {
    0xd8, 0x69, 0x69, 0xbc, 0x2d, 0x7c, 0x6d, 0x99, 0x90, 0xef, 0xb0, 0x4a
};
static const uint8_t retry_key_d29[16] = {
    0xcc, 0xce, 0x18, 0x7e, 0xd0, 0x9a, 0x09, 0xd0, 0x57, 0x28, 0x15, 0x5a, 0x6c, 0xb9, 0x6b,
    0xe1
};
static const uint8_t retry_nonce_d29[12] = {
    0xe5, 0x49, 0x30, 0xf9, 0x7f, 0x21, 0x36, 0xf0, 0x53, 0x0a, 0x8c, 0x1c
};

#define DRAFT(n, salt, rk, rn)                                                                   \
    {0xff000000u | (n), TA_QUIC_VER_DRAFT, (n), (salt), "quic", false, (rk), (rn), false}

static const ta_quic_version versions[] = {
    {0x00000001u, TA_QUIC_VER_V1, V1_DRAFT, salt_v1, "quic", false, retry_key_v1, retry_nonce_v1,
     false},
    {0x6b3343cfu, TA_QUIC_VER_V2, V1_DRAFT, salt_v2, "quicv2", true, retry_key_v2, retry_nonce_v2,
     false},
    DRAFT(23, salt_d23, NULL, NULL),
    DRAFT(24, salt_d23, NULL, NULL),
    DRAFT(25, salt_d23, NULL, NULL),
    DRAFT(26, salt_d23, NULL, NULL),
    DRAFT(27, salt_d23, NULL, NULL),
    DRAFT(28, salt_d23, NULL, NULL),
    DRAFT(29, salt_d29, retry_key_d29, retry_nonce_d29),
    DRAFT(30, salt_d29, retry_key_d29, retry_nonce_d29),
    DRAFT(31, salt_d29, retry_key_d29, retry_nonce_d29),
    DRAFT(32, salt_d29, retry_key_d29, retry_nonce_d29),
    DRAFT(33, salt_v1, retry_key_v1, retry_nonce_v1),
    DRAFT(34, salt_v1, retry_key_v1, retry_nonce_v1),
    /* mvfst: 0xfaceb001 is draft-22, 0xfaceb002 and the experimental
     * 0xfaceb00e draft-27 (as Wireshark and nDPI read them). */
    {0xfaceb001u, TA_QUIC_VER_MVFST, 22, salt_d22, "quic", false, NULL, NULL, false},
    {0xfaceb002u, TA_QUIC_VER_MVFST, 27, salt_d23, "quic", false, NULL, NULL, false},
    {0xfaceb00eu, TA_QUIC_VER_MVFST, 27, salt_d23, "quic", false, NULL, NULL, false},
    /* Google QUIC with TLS: IETF long headers and packet protection around
     * Google's own frame types. */
    {0x54303530u, TA_QUIC_VER_GQUIC_TLS, 27, salt_t50, "quic", false, NULL, NULL, true},
    {0x54303531u, TA_QUIC_VER_GQUIC_TLS, 27, salt_t51, "quic", false, NULL, NULL, true},
};

/* RFC 9000 15: versions 0x?a?a?a?a are reserved to exercise Version
 * Negotiation.  What their packets hold is the sender's choice; clients
 * that send them (interop runners) lay them out and protect them as
 * draft-29, which is how Wireshark reads them too.  A packet that does not
 * parse that way is read by its invariant header only (RFC 8999 5.1). */
static const ta_quic_version reserved = {0, TA_QUIC_VER_RESERVED, 29, salt_d29, "quic", false,
                                         NULL, NULL, false};

static bool is_reserved(uint32_t number)
{
    return (number & 0x0f0f0f0fu) == 0x0a0a0a0au;
}

const ta_quic_version *ta_quic_version_lookup(uint32_t number)
{
    for (size_t i = 0; i < sizeof(versions) / sizeof(versions[0]); i++) {
        if (versions[i].number == number) {
            return &versions[i];
        }
    }
    return is_reserved(number) ? &reserved : NULL;
}

const char *ta_quic_version_name(uint32_t number, char *out, size_t out_len)
{
    const ta_quic_version *v = ta_quic_version_lookup(number);
    if (number == 0) {
        snprintf(out, out_len, "negotiation");
        return out;
    }
    switch (v != NULL ? v->kind : 0) {
    case TA_QUIC_VER_V1:
        snprintf(out, out_len, "v1");
        break;
    case TA_QUIC_VER_V2:
        snprintf(out, out_len, "v2");
        break;
    case TA_QUIC_VER_DRAFT:
        snprintf(out, out_len, "draft-%u", (unsigned)v->draft);
        break;
    case TA_QUIC_VER_MVFST:
        snprintf(out, out_len, "mvfst 0x%08x", (unsigned)number);
        break;
    case TA_QUIC_VER_GQUIC_TLS:
        snprintf(out, out_len, "gQUIC %c%c%c%c", (char)(number >> 24), (char)(number >> 16),
                 (char)(number >> 8), (char)number);
        break;
    case TA_QUIC_VER_RESERVED:
        snprintf(out, out_len, "reserved 0x%08x", (unsigned)number);
        break;
    default:
        snprintf(out, out_len, "0x%08x", (unsigned)number);
        break;
    }
    return out;
}

/* ---- headers ------------------------------------------------------------- */

/* The long packet type of |first| (RFC 9000 17.2; v2 renumbers them, RFC
 * 9369 3.2). */
static ta_quic_pkt_type long_type(const ta_quic_version *v, uint8_t first)
{
    static const ta_quic_pkt_type v1_types[4] = {TA_QUIC_PKT_INITIAL, TA_QUIC_PKT_0RTT,
                                                 TA_QUIC_PKT_HANDSHAKE, TA_QUIC_PKT_RETRY};
    static const ta_quic_pkt_type v2_types[4] = {TA_QUIC_PKT_RETRY, TA_QUIC_PKT_INITIAL,
                                                 TA_QUIC_PKT_0RTT, TA_QUIC_PKT_HANDSHAKE};
    unsigned bits = (first >> 4) & 3;
    return v->v2_types ? v2_types[bits] : v1_types[bits];
}

/* A connection ID: an 8-bit length, then the bytes.  Versions we know
 * limit it to 20 bytes (RFC 9000 17.2); the invariants allow 255. */
static ta_status get_cid(ta_cur *c, ta_cur *out, bool limited)
{
    if (!ta_cur_get_u8_prefixed(c, out)) {
        return TA_TRUNCATED;
    }
    return limited && ta_cur_len(out) > TA_QUIC_MAX_CID ? TA_MALFORMED : TA_OK;
}

/*
 * Version Negotiation, RFC 9000 17.2.1:
 *   Header Form (1) = 1, Unused (7), Version (32) = 0,
 *   DCID Len (8), DCID (0..2040), SCID Len (8), SCID (0..2040),
 *   Supported Version (32) ...
 */
static ta_status parse_vn(ta_quic_header *out, ta_cur *c)
{
    out->type = TA_QUIC_PKT_VERSION_NEG;
    out->versions = *c;
    (void)ta_cur_skip(c, ta_cur_len(c));
    return ta_cur_len(&out->versions) % 4 == 0 ? TA_OK : TA_MALFORMED;
}

/*
 * Retry, RFC 9000 17.2.5: after the connection IDs,
 *   Retry Token (..), Retry Integrity Tag (128)
 * Drafts before 25 had no tag.
 */
static ta_status parse_retry(ta_quic_header *out, ta_cur *c)
{
    size_t tag = out->ver->draft >= 25 ? TA_QUIC_RETRY_TAG_LEN : 0;
    size_t len = ta_cur_len(c);
    if (len < tag) {
        return TA_TRUNCATED;
    }
    (void)ta_cur_get_bytes(c, &out->token, len - tag);
    (void)ta_cur_get_bytes(c, &out->retry_tag, tag);
    return TA_OK;
}

/*
 * Initial (RFC 9000 17.2.2), 0-RTT (17.2.3), Handshake (17.2.4): after the
 * connection IDs,
 *   [Initial: Token Length (i), Token (..)]
 *   Length (i), Packet Number (8..32), Packet Payload (..)
 * Length covers the packet number and the payload: the packet ends there.
 * |start| is the packet's first byte, to measure the header.
 */
static ta_status parse_long_body(ta_quic_header *out, ta_cur *c, const ta_cur *start)
{
    uint64_t len;
    if (out->type == TA_QUIC_PKT_INITIAL && !ta_cur_get_varint_prefixed(c, &out->token)) {
        return TA_TRUNCATED;
    }
    if (!ta_cur_get_varint(c, &len)) {
        return TA_TRUNCATED;
    }
    out->pn_offset = ta_cur_len(start) - ta_cur_len(c);
    if (len > ta_cur_len(c)) {
        return TA_TRUNCATED;
    }
    (void)ta_cur_skip(c, (size_t)len);
    return TA_OK;
}

/* The fields after the connection IDs, by packet type. */
static ta_status parse_long_typed(ta_quic_header *out, ta_cur *c, const ta_cur *start)
{
    out->type = long_type(out->ver, out->first);
    if (out->type == TA_QUIC_PKT_RETRY) {
        return parse_retry(out, c);
    }
    return parse_long_body(out, c, start);
}

/* Unknown version: nothing after the invariants is known, so the packet
 * takes the rest of the datagram. */
static ta_status parse_unknown_long(ta_quic_header *out, ta_cur *c)
{
    out->type = TA_QUIC_PKT_UNKNOWN_LONG;
    out->token = out->retry_tag = out->versions = (ta_cur){NULL, 0};
    out->pn_offset = 0;
    (void)ta_cur_skip(c, ta_cur_len(c));
    return TA_OK;
}

/* RFC 9000 17.2 (long header) and 17.2.1 (Version Negotiation):
 *   Header Form (1) = 1, Fixed Bit (1), Long Packet Type (2),
 *   Type-Specific Bits (4), Version (32), DCID Len (8), DCID, SCID Len (8),
 *   SCID, Type-Specific Payload (..) */
static ta_status parse_long(ta_quic_header *out, ta_cur *c, const ta_cur *start)
{
    if (!ta_cur_get_u32(c, &out->version)) {
        return TA_TRUNCATED;
    }
    out->ver = ta_quic_version_lookup(out->version);
    bool reserved_ver = out->ver != NULL && out->ver->kind == TA_QUIC_VER_RESERVED;
    bool limited = out->ver != NULL && !reserved_ver;
    ta_status st = get_cid(c, &out->dcid, limited);
    if (st == TA_OK) {
        st = get_cid(c, &out->scid, limited);
    }
    if (st != TA_OK) {
        return st;
    }
    if (out->version == 0) {
        return parse_vn(out, c);
    }
    if (out->ver == NULL) {
        return parse_unknown_long(out, c);
    }
    ta_cur saved = *c;
    st = parse_long_typed(out, c, start);
    if (st != TA_OK && reserved_ver) {
        *c = saved;
        return parse_unknown_long(out, c);
    }
    return st;
}

/* RFC 9000 17.3.1, 1-RTT: Header Form (1) = 0, Fixed Bit (1) = 1, Spin
 * Bit (1), Reserved Bits (2), Key Phase (1), Packet Number Length (2),
 * DCID (0..160), Packet Number (8..32), Packet Payload (..).  The DCID
 * length is not on the wire: the connection knows it. */
static ta_status parse_short(ta_quic_header *out, ta_cur *c, size_t dcid_len)
{
    out->type = TA_QUIC_PKT_SHORT;
    if (dcid_len > TA_QUIC_MAX_CID) {
        return TA_MALFORMED;
    }
    if (!ta_cur_get_bytes(c, &out->dcid, dcid_len)) {
        return TA_TRUNCATED;
    }
    out->pn_offset = 1 + dcid_len;
    (void)ta_cur_skip(c, ta_cur_len(c));
    return TA_OK;
}

ta_status ta_quic_parse_header(ta_quic_header *out, ta_cur *dgram, size_t short_dcid_len)
{
    ta_cur c = *dgram;
    ta_status st;

    memset(out, 0, sizeof(*out));
    if (!ta_cur_get_u8(&c, &out->first)) {
        return TA_TRUNCATED;
    }
    if (out->first & LONG_HEADER) {
        st = parse_long(out, &c, dgram);
    } else {
        st = parse_short(out, &c, short_dcid_len);
    }
    if (st != TA_OK) {
        return st;
    }
    out->packet = *dgram;
    (void)ta_cur_truncate(&out->packet, ta_cur_len(dgram) - ta_cur_len(&c));
    *dgram = c;
    return TA_OK;
}

/* ---- datagrams ----------------------------------------------------------- */

void ta_quic_datagram_init(ta_quic_datagram *d, const ta_cur *payload, size_t short_dcid_len)
{
    memset(d, 0, sizeof(*d));
    d->rest = *payload;
    d->short_dcid_len = short_dcid_len;
    d->status = TA_OK;
}

static bool same_bytes(const ta_cur *a, const ta_cur *b)
{
    size_t n = ta_cur_len(a);
    return n == ta_cur_len(b) && (n == 0 || memcmp(ta_cur_data(a), ta_cur_data(b), n) == 0);
}

/* The rest of the datagram is padding: nothing left to read. */
static bool end_as_padding(ta_quic_datagram *d)
{
    d->padding_len += ta_cur_len(&d->rest);
    (void)ta_cur_skip(&d->rest, ta_cur_len(&d->rest));
    return false;
}

bool ta_quic_datagram_next(ta_quic_datagram *d, ta_quic_header *out)
{
    uint8_t first;
    if (d->status != TA_OK || !ta_cur_peek_u8(&d->rest, 0, &first)) {
        return false;
    }
    /* RFC 9000 12.2 and 14.1: what follows the packets of a datagram may
     * be zeros or junk; every QUIC packet a receiver accepts sets the
     * fixed bit (unless grease_quic_bit, RFC 9287, was negotiated: then
     * only the DCID check below tells). */
    if (d->num_packets > 0 && (first & FIXED_BIT) == 0) {
        return end_as_padding(d);
    }
    /* Coalesced packets share the first one's DCID, so a short header
     * after a long one has its length. */
    size_t dcid_len = d->num_packets > 0 ? ta_cur_len(&d->first_dcid) : d->short_dcid_len;
    ta_cur saved = d->rest;
    ta_status st = ta_quic_parse_header(out, &d->rest, dcid_len);
    if (st != TA_OK) {
        d->status = st;
        return false;
    }
    if (d->num_packets > 0 && !same_bytes(&out->dcid, &d->first_dcid)) {
        d->rest = saved;     /* another connection's: receivers ignore it */
        return end_as_padding(d);
    }
    if (d->num_packets == 0) {
        d->first_dcid = out->dcid;
    }
    d->num_packets++;
    return true;
}

bool ta_quic_sniff(const ta_cur *payload)
{
    ta_quic_header h;
    ta_cur c = *payload;
    uint8_t first;
    if (!ta_cur_peek_u8(&c, 0, &first) || (first & LONG_HEADER) == 0 ||
        ta_quic_parse_header(&h, &c, 0) != TA_OK) {
        return false;
    }
    switch (h.type) {
    case TA_QUIC_PKT_VERSION_NEG:
        return ta_cur_len(&h.versions) > 0;
    case TA_QUIC_PKT_UNKNOWN_LONG:
        /* A reserved version still follows the invariants; an unknown one
         * is anything with its top bit set. */
        return h.ver != NULL && (first & FIXED_BIT) != 0;
    default:
        return (first & FIXED_BIT) != 0;
    }
}

/* ---- keys ---------------------------------------------------------------- */

/* "<label> <what>": "quic key", "quicv2 hp", ... */
static int expand_quic(const ta_quic_version *v, const char *hash, const uint8_t *secret,
                       size_t len, const char *what, uint8_t *out, size_t out_len)
{
    char label[32];
    snprintf(label, sizeof(label), "%s %s", v->label, what);
    return ta_dec_expand_label(hash, secret, len, label, out, out_len);
}

/* Suites QUIC defines header protection for (RFC 9001 5.4.3, 5.4.4). */
static bool quic_suite(const ta_suite_info *s)
{
    return s != NULL && s->tls13 && s->kind != TA_CIPH_AES_CCM8;
}

int ta_quic_keys_from_secret(ta_quic_keys *k, const ta_quic_version *v, const ta_suite_info *s,
                             const uint8_t *secret, size_t len)
{
    memset(k, 0, sizeof(*k));
    if (v == NULL || !quic_suite(s) || len != ta_dec_hash_len(s->hash)) {
        return 0;
    }
    /* RFC 9001 5.1: key and hp as long as the AEAD key, iv 12 bytes. */
    if (!expand_quic(v, s->hash, secret, len, "key", k->key, s->key_len) ||
        !expand_quic(v, s->hash, secret, len, "iv", k->iv, sizeof(k->iv)) ||
        !expand_quic(v, s->hash, secret, len, "hp", k->hp, s->key_len)) {
        OPENSSL_cleanse(k, sizeof(*k));
        return 0;
    }
    k->suite = s;
    return 1;
}

/* RFC 9001 5.2:
 *   initial_secret = HKDF-Extract(initial_salt, client_dst_connection_id)
 *   client_initial_secret = HKDF-Expand-Label(initial_secret, "client in", "", 32)
 *   server_initial_secret = HKDF-Expand-Label(initial_secret, "server in", "", 32) */
int ta_quic_initial_secrets(const ta_quic_version *v, const ta_cur *dcid, uint8_t client[32],
                            uint8_t server[32])
{
    uint8_t initial[32];
    int ok = v != NULL && v->salt != NULL &&
             ta_dec_hkdf_extract("SHA256", v->salt, TA_QUIC_SALT_LEN, ta_cur_data(dcid),
                                 ta_cur_len(dcid), initial, sizeof(initial)) &&
             ta_dec_expand_label("SHA256", initial, sizeof(initial), "client in", client, 32) &&
             ta_dec_expand_label("SHA256", initial, sizeof(initial), "server in", server, 32);
    OPENSSL_cleanse(initial, sizeof(initial));
    return ok;
}

int ta_quic_initial_keys(ta_quic_keys *client, ta_quic_keys *server, const ta_quic_version *v,
                         const ta_cur *dcid)
{
    /* Initial packets use AEAD_AES_128_GCM whatever is negotiated later. */
    const ta_suite_info *s = ta_dec_suite(0x1301);
    uint8_t secret[2][32];
    int ok = ta_quic_initial_secrets(v, dcid, secret[0], secret[1]) &&
             (client == NULL || ta_quic_keys_from_secret(client, v, s, secret[0], 32)) &&
             (server == NULL || ta_quic_keys_from_secret(server, v, s, secret[1], 32));
    OPENSSL_cleanse(secret, sizeof(secret));
    return ok;
}

int ta_quic_keys_from_keylog(ta_quic_keys *k, const ta_keylog *kl,
                             const uint8_t client_random[TA_KL_RANDOM_LEN], ta_kl_label label,
                             const ta_quic_version *v, uint16_t suite)
{
    uint8_t secret[TA_KL_MAX_SECRET];
    size_t len = ta_keylog_get(kl, client_random, label, secret);
    int ok = len > 0 && ta_quic_keys_from_secret(k, v, ta_dec_suite(suite), secret, len);
    if (!ok) {
        memset(k, 0, sizeof(*k));
    }
    OPENSSL_cleanse(secret, sizeof(secret));
    return ok;
}

/* ---- header protection --------------------------------------------------- */

/* RFC 9001 5.4.3: mask = AES-ECB(hp, sample); 5.4.4: mask = ChaCha20(hp,
 * counter = sample[0..3], nonce = sample[4..15], five zero bytes).
 * OpenSSL's ChaCha20 takes exactly that 16-byte counter-and-nonce IV. */
static int hp_mask(const ta_quic_keys *k, const uint8_t sample[TA_QUIC_SAMPLE_LEN],
                   uint8_t mask[5])
{
    static const uint8_t zeros[5] = {0};
    uint8_t block[TA_QUIC_SAMPLE_LEN];
    bool chacha = k->suite->kind == TA_CIPH_CHACHA20_POLY1305;
    const EVP_CIPHER *c = chacha                  ? EVP_chacha20()
                          : k->suite->key_len == 32 ? EVP_aes_256_ecb()
                                                    : EVP_aes_128_ecb();
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int n = 0;
    int ok = ctx != NULL && EVP_EncryptInit_ex(ctx, c, NULL, k->hp, chacha ? sample : NULL) == 1 &&
             EVP_CIPHER_CTX_set_padding(ctx, 0) == 1 &&
             (chacha ? EVP_EncryptUpdate(ctx, block, &n, zeros, sizeof(zeros))
                     : EVP_EncryptUpdate(ctx, block, &n, sample, TA_QUIC_SAMPLE_LEN)) == 1 &&
             n >= 5;
    if (ok) {
        memcpy(mask, block, 5);
    }
    EVP_CIPHER_CTX_free(ctx);
    return ok;
}

/* RFC 9000 A.3: the packet number closest to the next one expected. */
uint64_t ta_quic_decode_pn(int64_t largest, uint64_t truncated, unsigned pn_len)
{
    uint64_t expected = largest < 0 ? 0 : (uint64_t)largest + 1;
    unsigned bits = (pn_len < 1 ? 1 : pn_len > 4 ? 4 : pn_len) * 8;
    uint64_t win = (uint64_t)1 << bits;
    uint64_t hwin = win / 2;
    uint64_t mask = win - 1;
    uint64_t candidate = (expected & ~mask) | (truncated & mask);

    if (candidate + hwin <= expected && candidate < ((uint64_t)1 << 62) - win) {
        return candidate + win;
    }
    if (candidate > expected + hwin && candidate >= win) {
        return candidate - win;
    }
    return candidate;
}

/* RFC 9001 5.3: nonce = iv XOR the packet number, left-padded. */
static void make_nonce(const ta_quic_keys *k, uint64_t pn, uint8_t nonce[12])
{
    memcpy(nonce, k->iv, 12);
    for (int i = 0; i < 8; i++) {
        nonce[11 - i] ^= (uint8_t)(pn >> (8 * i));
    }
}

static bool has_pn(const ta_quic_header *h)
{
    switch (h->type) {
    case TA_QUIC_PKT_INITIAL:
    case TA_QUIC_PKT_0RTT:
    case TA_QUIC_PKT_HANDSHAKE:
    case TA_QUIC_PKT_SHORT:
        return true;
    default:
        return false;
    }
}

/* Removes header protection (RFC 9001 5.4.1): the first byte's low 4 (long)
 * or 5 (short) bits and the packet number bytes.  |pn_bytes| gets the
 * unmasked packet number as on the wire. */
static ta_decrypt_status unmask_header(const ta_quic_keys *k, const ta_quic_header *h,
                                       ta_quic_opened *res, uint8_t pn_bytes[4])
{
    uint8_t sample[TA_QUIC_SAMPLE_LEN];
    uint8_t mask[5];
    ta_cur c = h->packet;
    bool is_long = (h->first & LONG_HEADER) != 0;

    /* 5.4.2: the sample starts 4 bytes after the packet number's start. */
    if (!ta_cur_skip(&c, h->pn_offset + 4) || !ta_cur_copy(&c, sample, sizeof(sample))) {
        return TA_DECRYPT_MALFORMED;
    }
    if (!hp_mask(k, sample, mask)) {
        return TA_DECRYPT_ERROR;
    }
    res->first = h->first ^ (mask[0] & (is_long ? 0x0f : 0x1f));
    res->pn_len = (res->first & 3) + 1u;
    res->reserved_bits = (res->first & (is_long ? 0x0c : 0x18)) != 0;
    res->key_phase = !is_long && (res->first & 0x04) != 0;
    c = h->packet;
    (void)ta_cur_skip(&c, h->pn_offset);
    (void)ta_cur_copy(&c, pn_bytes, res->pn_len);    /* the sample lies beyond them */
    uint64_t truncated = 0;
    for (unsigned i = 0; i < res->pn_len; i++) {
        pn_bytes[i] ^= mask[1 + i];
        truncated = (truncated << 8) | pn_bytes[i];
    }
    res->pn = truncated;
    return TA_DECRYPT_OK;
}

ta_decrypt_status ta_quic_open(const ta_quic_keys *k, const ta_quic_header *h, int64_t largest,
                               uint8_t *out, size_t out_max, ta_quic_opened *res)
{
    uint8_t pn_bytes[4];
    uint8_t nonce[12];
    memset(res, 0, sizeof(*res));
    if (k == NULL || k->suite == NULL) {
        return TA_DECRYPT_ERROR;
    }
    if (!has_pn(h)) {
        return TA_DECRYPT_MALFORMED;
    }
    ta_decrypt_status st = unmask_header(k, h, res, pn_bytes);
    if (st != TA_DECRYPT_OK) {
        return st;
    }
    res->pn = ta_quic_decode_pn(largest, res->pn, res->pn_len);
    make_nonce(k, res->pn, nonce);
    /* Additional data: the header as it is without protection (5.3). */
    ta_cur aad[3];
    ta_cur sealed = h->packet;
    ta_cur_init(&aad[0], &res->first, 1);
    aad[1] = h->packet;
    (void)ta_cur_skip(&aad[1], 1);
    (void)ta_cur_truncate(&aad[1], h->pn_offset - 1);
    ta_cur_init(&aad[2], pn_bytes, res->pn_len);
    (void)ta_cur_skip(&sealed, h->pn_offset + res->pn_len);
    st = ta_dec_aead_open(k->suite, k->key, nonce, aad, 3, &sealed, out, out_max,
                          &res->payload_len);
    if (st != TA_DECRYPT_OK) {
        res->payload_len = 0;
    }
    return st;
}

/* ---- Retry --------------------------------------------------------------- */

/* RFC 9001 5.8: the tag is AES-128-GCM over an empty plaintext with the
 * Retry Pseudo-Packet as additional data:
 *   ODCID Length (8), Original Destination Connection ID (0..160),
 *   the Retry packet without its tag. */
ta_decrypt_status ta_quic_retry_verify(const ta_quic_header *h, const ta_cur *odcid)
{
    uint8_t odcid_len = (uint8_t)ta_cur_len(odcid);
    uint8_t none[1];
    size_t n = 0;
    if (h->type != TA_QUIC_PKT_RETRY || ta_cur_len(&h->retry_tag) != TA_QUIC_RETRY_TAG_LEN ||
        ta_cur_len(odcid) > TA_QUIC_MAX_CID) {
        return TA_DECRYPT_MALFORMED;
    }
    if (h->ver == NULL || h->ver->retry_key == NULL) {
        return TA_DECRYPT_ERROR;
    }
    ta_cur aad[3];
    ta_cur_init(&aad[0], &odcid_len, 1);
    aad[1] = *odcid;
    aad[2] = h->packet;
    (void)ta_cur_truncate(&aad[2], ta_cur_len(&h->packet) - TA_QUIC_RETRY_TAG_LEN);
    return ta_dec_aead_open(ta_dec_suite(0x1301), h->ver->retry_key, h->ver->retry_nonce, aad, 3,
                            &h->retry_tag, none, sizeof(none), &n);
}

/* ---- the writer's side --------------------------------------------------- */

int ta_quic_protect(const ta_quic_keys *k, uint8_t *pkt, size_t pkt_max, size_t pn_offset,
                    uint64_t pn, const ta_cur *payload, size_t *out_len)
{
    uint8_t nonce[12];
    uint8_t mask[5];
    size_t sealed_len = 0;
    if (k == NULL || k->suite == NULL || pn_offset < 1 || pn_offset > pkt_max) {
        return 0;
    }
    bool is_long = (pkt[0] & LONG_HEADER) != 0;
    size_t pn_len = (pkt[0] & 3) + 1u;
    size_t hdr_len = pn_offset + pn_len;
    size_t tag = ta_dec_tag_len(k->suite);
    if (hdr_len > pkt_max || pkt_max - hdr_len < ta_cur_len(payload) + tag ||
        pn_len + ta_cur_len(payload) + tag < 4 + TA_QUIC_SAMPLE_LEN) {
        return 0;
    }
    ta_cur aad;
    ta_cur_init(&aad, pkt, hdr_len);
    make_nonce(k, pn, nonce);
    if (!ta_dec_aead_seal(k->suite, k->key, nonce, &aad, 1, payload, pkt + hdr_len,
                          pkt_max - hdr_len, &sealed_len) ||
        !hp_mask(k, pkt + pn_offset + 4, mask)) {
        return 0;
    }
    pkt[0] ^= mask[0] & (is_long ? 0x0f : 0x1f);
    for (size_t i = 0; i < pn_len; i++) {
        pkt[pn_offset + i] ^= mask[1 + i];
    }
    *out_len = hdr_len + sealed_len;
    return 1;
}
