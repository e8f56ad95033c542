/*
 * fuzz_quic.c - libFuzzer target for the QUIC packet layer (src/quic.c)
 * and what reads decrypted payloads (src/quic_frame.c, src/quic_tp.c,
 * src/quic_crypto.c).
 *
 * The first byte picks a mode:
 *   datagram: the rest is a UDP payload.  Every packet of it is parsed;
 *             Initial keys come from each packet's own (fuzzed) DCID, so
 *             header protection removal and the AEAD run on every Initial;
 *             Retry tags are checked against the DCID.  Random bytes almost
 *             never authenticate, hence the next mode.
 *   sealed:   the input chooses a version, a DCID, a packet number and a
 *             payload of frames; the harness protects an Initial with keys
 *             from that DCID (ta_quic_protect), may flip one bit, appends
 *             junk or another packet, and feeds the datagram back through
 *             the same path, so frames, CRYPTO reassembly and the transport
 *             parameters parser see decrypted bytes.
 *   payload:  the rest is a decrypted payload (IETF or gQUIC frames), and
 *             also a transport parameters extension.
 * Beyond the sanitizers: a packet lies inside its datagram, a payload is
 * no longer than its packet, reassembly never delivers more than it got.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ta_quic.h"
#include "ta_quic_crypto.h"
#include "ta_quic_frame.h"
#include "ta_quic_tp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint32_t versions[] = {0x00000001, 0x6b3343cf, 0xff00001d, 0xff000022, 0xfaceb002,
                                    0x54303531, 0x0a1a2a3a, 0xff00001b};

typedef struct {
    uint64_t taken;
    uint64_t delivered;
} tally;

static void on_data(void *arg, ta_cur *bytes, uint64_t frame)
{
    tally *t = arg;
    (void)frame;
    t->delivered += ta_cur_len(bytes);
    /* Touch the bytes: they point into the caller's plaintext or a copy. */
    volatile uint8_t x = 0;
    ta_cur c = *bytes;
    uint8_t b;
    while (ta_cur_get_u8(&c, &b)) {
        x ^= b;
    }
    (void)x;
}

static void on_gap(void *arg, uint32_t lost, uint64_t frame)
{
    (void)arg;
    (void)lost;
    (void)frame;
}

/* Reads every frame of a payload; CRYPTO data to |q|, which also parses as
 * transport parameters (any bytes may). */
static void read_payload(const ta_cur *payload, const ta_quic_version *v, ta_quic_pkt_type type,
                         ta_quic_crypto *q, tally *t)
{
    ta_quic_crypto_sink sink = {on_data, on_gap, t};
    ta_cur p = *payload;
    ta_quic_frame f;
    while (ta_cur_len(&p) > 0) {
        size_t before = ta_cur_len(&p);
        ta_status st = v != NULL && v->gquic_frames ? ta_quic_gquic_frame_next(&p, &f)
                                                    : ta_quic_frame_next(&p, type, &f);
        if (st != TA_OK) {
            if (ta_cur_len(&p) != before) {
                abort();
            }
            break;
        }
        if (ta_cur_len(&p) >= before) {
            abort();                 /* every frame takes at least its type */
        }
        (void)ta_quic_frame_name(f.type);
        (void)ta_quic_error_name(f.error_code);
        (void)ta_quic_error_alert(f.error_code);
        if (f.type == TA_QF_CRYPTO) {
            ta_quic_tp_list tp;
            (void)ta_quic_tp_parse(&tp, &f.data);
            t->taken += ta_cur_len(&f.data);
            ta_quic_crypto_frame(q, f.offset, &f.data, 1, &sink);
        }
    }
}

static void open_packet(const ta_quic_header *h, ta_quic_crypto *q, tally *t)
{
    static uint8_t plain[65536];
    ta_quic_keys k;
    ta_quic_opened o;
    if (h->type == TA_QUIC_PKT_RETRY) {
        (void)ta_quic_retry_verify(h, &h->scid);
        return;
    }
    if (h->ver == NULL || !ta_quic_initial_keys(&k, NULL, h->ver, &h->dcid)) {
        return;
    }
    if (ta_quic_open(&k, h, -1, plain, sizeof(plain), &o) != TA_DECRYPT_OK) {
        return;
    }
    if (o.payload_len > ta_cur_len(&h->packet) || o.pn_len < 1 || o.pn_len > 4) {
        abort();
    }
    if (getenv("FUZZ_QUIC_SHOW") != NULL) {
        printf("opened type %d pn %llu, %zu bytes\n", (int)h->type, (unsigned long long)o.pn,
               o.payload_len);   /* to check by eye that seeds get past the AEAD */
    }
    ta_cur p;
    ta_cur_init(&p, plain, o.payload_len);
    read_payload(&p, h->ver, h->type, q, t);
}

static void datagram(const uint8_t *b, size_t n, size_t short_dcid_len)
{
    ta_cur payload;
    ta_quic_datagram d;
    ta_quic_header h;
    ta_quic_crypto q;
    tally t = {0, 0};
    ta_cur_init(&payload, b, n);
    (void)ta_quic_sniff(&payload);
    ta_quic_crypto_init(&q, 4096);
    ta_quic_datagram_init(&d, &payload, short_dcid_len);
    while (ta_quic_datagram_next(&d, &h)) {
        const uint8_t *start = ta_cur_data(&h.packet);
        size_t len = ta_cur_len(&h.packet);
        if (len == 0 || start < b || start + len > b + n || h.pn_offset > len) {
            abort();
        }
        char name[32];
        (void)ta_quic_version_name(h.version, name, sizeof(name));
        open_packet(&h, &q, &t);
    }
    ta_quic_crypto_flush(&q, &(ta_quic_crypto_sink){on_data, on_gap, &t});
    if (t.delivered > t.taken) {
        abort();
    }
    ta_quic_crypto_cleanup(&q);
}

/* sealed mode: version, DCID, packet number, flags, then the payload. */
static void sealed(ta_cur *in)
{
    static uint8_t pkt[1600];
    uint8_t pick = 0;
    uint8_t dcid[TA_QUIC_MAX_CID];
    uint8_t dcid_len = 0;
    uint16_t pn = 0;
    uint8_t flags = 0;
    (void)ta_cur_get_u8(in, &pick);
    (void)ta_cur_get_u8(in, &dcid_len);
    dcid_len %= TA_QUIC_MAX_CID + 1;
    if (!ta_cur_copy(in, dcid, dcid_len) || !ta_cur_get_u16(in, &pn) ||
        !ta_cur_get_u8(in, &flags)) {
        return;
    }
    const ta_quic_version *v = ta_quic_version_lookup(versions[pick % 8]);
    ta_cur dc;
    ta_quic_keys k;
    ta_cur_init(&dc, dcid, dcid_len);
    if (v == NULL || !ta_quic_initial_keys(&k, NULL, v, &dc)) {
        return;
    }
    /* Initial header: type bits per version, 2-byte packet number. */
    ta_cur payload = *in;
    size_t plen = ta_cur_len(&payload);
    if (plen > 1200) {
        plen = 1200;
        (void)ta_cur_truncate(&payload, plen);
    }
    if (plen < 20) {
        return;
    }
    size_t n = 0;
    pkt[n++] = (uint8_t)(0xc0 | (v->v2_types ? 0x10 : 0x00) | 0x01);
    uint32_t number = versions[pick % 8];
    pkt[n++] = (uint8_t)(number >> 24);
    pkt[n++] = (uint8_t)(number >> 16);
    pkt[n++] = (uint8_t)(number >> 8);
    pkt[n++] = (uint8_t)number;
    pkt[n++] = dcid_len;
    memcpy(pkt + n, dcid, dcid_len);
    n += dcid_len;
    pkt[n++] = 0;                    /* SCID */
    pkt[n++] = 0;                    /* token */
    size_t length = 2 + plen + 16;
    pkt[n++] = (uint8_t)(0x40 | length >> 8);
    pkt[n++] = (uint8_t)length;
    size_t pn_offset = n;
    pkt[n++] = (uint8_t)(pn >> 8);
    pkt[n++] = (uint8_t)pn;
    size_t total = 0;
    if (!ta_quic_protect(&k, pkt, sizeof(pkt), pn_offset, pn, &payload, &total)) {
        return;
    }
    if (flags & 0x80) {
        pkt[(flags & 0x7f) % total] ^= (uint8_t)(1u << (pn & 7));
    }
    size_t extra = (flags & 0x40) && total < sizeof(pkt) - 8 ? (size_t)(flags & 7) + 1 : 0;
    memset(pkt + total, (flags & 0x20) ? 0x40 : 0, extra);
    datagram(pkt, total + extra, flags & 0x1f);
}

static void payload_mode(ta_cur *in)
{
    ta_quic_crypto q;
    tally t = {0, 0};
    ta_quic_tp_list tp;
    static const ta_quic_pkt_type types[] = {TA_QUIC_PKT_INITIAL, TA_QUIC_PKT_0RTT,
                                              TA_QUIC_PKT_HANDSHAKE, TA_QUIC_PKT_SHORT};
    uint8_t pick = 0;
    (void)ta_cur_get_u8(in, &pick);
    (void)ta_quic_tp_parse(&tp, in);
    if (tp.num > TA_QUIC_MAX_TP || tp.num > tp.num_total) {
        abort();
    }
    ta_quic_crypto_init(&q, 4096);
    read_payload(in, ta_quic_version_lookup(pick & 0x80 ? 0x54303531 : 1), types[pick & 3], &q,
                 &t);
    ta_quic_crypto_cleanup(&q);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ta_cur in;
    uint8_t mode = 0;
    ta_cur_init(&in, data, size);
    if (!ta_cur_get_u8(&in, &mode)) {
        return 0;
    }
    switch (mode % 3) {
    case 0:
        datagram(ta_cur_data(&in), ta_cur_len(&in), mode >> 3);
        break;
    case 1:
        sealed(&in);
        break;
    default:
        payload_mode(&in);
        break;
    }
    return 0;
}
