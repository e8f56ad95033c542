/* pcapng.c - pcapng blocks, for files with mixed link types (see ta_pcapng.h). */
#include "ta_pcapng.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "ta_cursor.h"

#include <pcap/dlt.h>

enum {
    BT_SHB = 0x0A0D0D0A,
    BT_IDB = 0x00000001,
    BT_PB = 0x00000002,      /* obsolete Packet Block */
    BT_SPB = 0x00000003,
    BT_EPB = 0x00000006,
    BT_DSB = 0x0000000A,     /* Decryption Secrets Block */
    SECRETS_TLS = 0x544c534b, /* "TLSK": an NSS key log */
    BYTE_ORDER_MAGIC = 0x1A2B3C4D,
    OPT_END = 0,
    OPT_IF_TSRESOL = 9,
    OPT_IF_TSOFFSET = 14,
    MAX_INTERFACES = 4096
};

typedef struct {
    int linktype;
    uint32_t snaplen;
    uint8_t tsresol;         /* if_tsresol: 10^-n, or 2^-n with the top bit set */
    int64_t tsoffset;        /* seconds */
} iface;

typedef struct {
    bool big_endian;
    iface *ifaces;
    size_t num_ifaces;
    uint64_t skip;
    bool secrets_only;       /* stop at the first packet: only DSBs wanted */
    int num_secrets;
    ta_record_fn fn;
    void *arg;
    ta_capture_info *info;
} reader;

static int get32(ta_cur *c, bool big, uint32_t *out)
{
    return big ? ta_cur_get_u32(c, out) : ta_cur_get_u32le(c, out);
}

static int get16(ta_cur *c, bool big, uint16_t *out)
{
    return big ? ta_cur_get_u16(c, out) : ta_cur_get_u16le(c, out);
}

/* Interface Description Block: LinkType, Reserved, SnapLen, options. */
static int read_idb(reader *r, ta_cur *body)
{
    uint16_t linktype;
    uint16_t reserved;
    iface ifc = {0, 0, 6, 0};

    if (!get16(body, r->big_endian, &linktype) || !get16(body, r->big_endian, &reserved) ||
        !get32(body, r->big_endian, &ifc.snaplen) || r->num_ifaces >= MAX_INTERFACES) {
        return 0;
    }
    /* LINKTYPE_ values equal DLT_ values except a few, of which raw IP
     * (LINKTYPE_RAW 101) is the one captures use; libpcap maps it too. */
    ifc.linktype = linktype == 101 ? DLT_RAW : linktype;
    for (;;) {
        uint16_t code;
        uint16_t len;
        ta_cur val;
        if (!get16(body, r->big_endian, &code) || !get16(body, r->big_endian, &len) ||
            code == OPT_END || !ta_cur_get_bytes(body, &val, len) ||
            !ta_cur_skip(body, (4 - len % 4) % 4)) {
            break;
        }
        if (code == OPT_IF_TSRESOL && len == 1) {
            (void)ta_cur_get_u8(&val, &ifc.tsresol);
        } else if (code == OPT_IF_TSOFFSET && len == 8) {
            uint32_t hi;
            uint32_t lo;
            if (get32(&val, r->big_endian, r->big_endian ? &hi : &lo) &&
                get32(&val, r->big_endian, r->big_endian ? &lo : &hi)) {
                ifc.tsoffset = (int64_t)(((uint64_t)hi << 32) | lo);
            }
        }
    }
    iface *grown = realloc(r->ifaces, (r->num_ifaces + 1) * sizeof(*grown));
    if (grown == NULL) {
        return 0;
    }
    r->ifaces = grown;
    r->ifaces[r->num_ifaces++] = ifc;
    return 1;
}

/* A timestamp in the interface's units to nanoseconds since the epoch. */
static int64_t to_ns(const iface *ifc, uint64_t ts)
{
    uint8_t v = ifc->tsresol & 0x7f;
    long double units = (ifc->tsresol & 0x80) ? (long double)(1ULL << (v < 63 ? v : 63))
                                               : 1.0L;
    if (!(ifc->tsresol & 0x80)) {
        for (uint8_t i = 0; i < v && i < 30; i++) {
            units *= 10.0L;
        }
    }
    long double secs = (long double)ts / units;
    long double whole = secs < 9e18L ? secs : 9e18L;   /* keeps the cast defined */
    int64_t sec = (int64_t)whole;
    int64_t off = ifc->tsoffset > INT64_C(1) << 40 || ifc->tsoffset < -(INT64_C(1) << 40)
                      ? 0 : ifc->tsoffset;
    return ta_capture_ns(sec + off, (int64_t)((whole - (long double)sec) * 1e9L));
}

static void deliver(reader *r, uint32_t if_id, uint64_t ts, ta_cur *data, uint32_t wirelen)
{
    ta_record rec;

    r->info->frames++;
    if (r->info->frames <= r->skip) {
        return;
    }
    if (if_id >= r->num_ifaces) {
        return;   /* a packet of an undeclared interface: counted, not decoded */
    }
    rec.frame = r->info->frames;
    rec.ns = to_ns(&r->ifaces[if_id], ts);
    rec.linktype = r->ifaces[if_id].linktype;
    rec.data = ta_cur_data(data);
    rec.caplen = ta_cur_len(data);
    rec.wirelen = wirelen > rec.caplen ? wirelen : rec.caplen;
    r->fn(r->arg, &rec);
}

/* EPB: Interface ID, Timestamp (high, low), Captured Len, Original Len,
 * Packet Data; obsolete PB: Interface ID and Drops Count as 16 bits. */
static int read_packet(reader *r, uint32_t type, ta_cur *body)
{
    uint32_t if_id;
    uint32_t hi;
    uint32_t lo;
    uint32_t caplen;
    uint32_t wirelen;
    ta_cur data;

    if (type == BT_PB) {
        uint16_t id16;
        uint16_t drops;
        if (!get16(body, r->big_endian, &id16) || !get16(body, r->big_endian, &drops)) {
            return 0;
        }
        if_id = id16;
    } else if (!get32(body, r->big_endian, &if_id)) {
        return 0;
    }
    if (!get32(body, r->big_endian, &hi) || !get32(body, r->big_endian, &lo) ||
        !get32(body, r->big_endian, &caplen) || !get32(body, r->big_endian, &wirelen) ||
        !ta_cur_get_bytes(body, &data, caplen)) {
        return 0;
    }
    deliver(r, if_id, ((uint64_t)hi << 32) | lo, &data, wirelen);
    return 1;
}

/* SPB: Original Len, then as much of the packet as the block holds. */
static int read_spb(reader *r, ta_cur *body)
{
    uint32_t wirelen;
    ta_cur data;

    if (!get32(body, r->big_endian, &wirelen) || r->num_ifaces == 0) {
        return 0;
    }
    size_t n = ta_cur_len(body) < wirelen ? ta_cur_len(body) : wirelen;
    if (r->ifaces[0].snaplen != 0 && n > r->ifaces[0].snaplen) {
        n = r->ifaces[0].snaplen;
    }
    (void)ta_cur_get_bytes(body, &data, n);
    deliver(r, 0, 0, &data, wirelen);
    return 1;
}

/* DSB: Secrets Type, Secrets Length, Secrets Data (padded), options. */
static int read_dsb(reader *r, ta_cur *body)
{
    uint32_t type;
    uint32_t len;
    ta_cur data;

    if (!get32(body, r->big_endian, &type) || !get32(body, r->big_endian, &len) ||
        !ta_cur_get_bytes(body, &data, len)) {
        return 0;
    }
    if (type == SECRETS_TLS && r->info->secrets_fn != NULL) {
        r->num_secrets++;
        r->info->secrets_fn(r->info->secrets_arg, &data);
    }
    return 1;
}

static int read_block(reader *r, uint32_t type, ta_cur *body)
{
    switch (type) {
    case BT_DSB:
        return read_dsb(r, body);
    case BT_IDB:
        return read_idb(r, body);
    case BT_EPB:
    case BT_PB:
        return read_packet(r, type, body);
    case BT_SPB:
        return read_spb(r, body);
    default:
        return 1;    /* name resolution, statistics, secrets...: not packets */
    }
}

/* Reads the 8-byte block header; a Section Header Block also sets the byte
 * order from its magic (which follows the length). */
static int read_header(reader *r, FILE *f, uint32_t *type, uint32_t *len, uint8_t magic[4])
{
    uint8_t h[8];
    ta_cur c;

    if (fread(h, 1, sizeof(h), f) != sizeof(h)) {
        return 0;
    }
    ta_cur_init(&c, h, sizeof(h));
    (void)ta_cur_get_u32le(&c, type);
    if (*type == BT_SHB) {
        uint32_t m;
        ta_cur mc;
        if (fread(magic, 1, 4, f) != 4) {
            return -1;
        }
        ta_cur_init(&mc, magic, 4);
        (void)ta_cur_get_u32le(&mc, &m);
        if (m != BYTE_ORDER_MAGIC && m != 0x4D3C2B1A) {
            return -1;
        }
        r->big_endian = m != BYTE_ORDER_MAGIC;
        r->num_ifaces = 0;        /* a new section starts its own interfaces */
    }
    return get32(&c, r->big_endian, len) ? 1 : -1;
}

static int read_blocks(reader *r, FILE *f);

int ta_pcapng_read(FILE *f, uint64_t skip, ta_record_fn fn, void *arg, ta_capture_info *info)
{
    reader r = {false, NULL, 0, skip, false, 0, fn, arg, info};
    info->frames = 0;
    return read_blocks(&r, f);
}

int ta_pcapng_secrets(FILE *f, ta_capture_info *info)
{
    ta_capture_info scratch = *info;    /* errors and counts of this pass are not kept */
    reader r = {false, NULL, 0, 0, true, 0, NULL, NULL, &scratch};
    (void)read_blocks(&r, f);
    return r.num_secrets;
}

static int read_blocks(reader *rd, FILE *f)
{
    reader r = *rd;
    ta_capture_info *info = r.info;
    uint8_t *buf = NULL;
    size_t buf_size = 0;
    int ret = 0;

    for (;;) {
        uint32_t type;
        uint32_t len;
        uint8_t magic[4];
        int h = read_header(&r, f, &type, &len, magic);
        if (h == 0) {
            break;                          /* clean end of file */
        }
        if (r.secrets_only && (type == BT_EPB || type == BT_SPB || type == BT_PB)) {
            break;
        }
        size_t fixed = type == BT_SHB ? 12 : 8;
        if (h < 0 || len < fixed + 4 || len % 4 != 0 || len > TA_PCAPNG_MAX_BLOCK) {
            snprintf(info->error, sizeof(info->error),
                     "a pcapng block after frame %llu has an impossible length (%u): the file "
                     "is damaged from there on; the frames before it were analysed",
                     (unsigned long long)info->frames, len);
            ret = -1;
            break;
        }
        size_t rest = len - fixed;
        if (buf_size < rest) {
            free(buf);
            buf = malloc(rest);
            buf_size = buf != NULL ? rest : 0;
        }
        if (buf == NULL || fread(buf, 1, rest, f) != rest) {
            snprintf(info->error, sizeof(info->error),
                     "the file ends in the middle of a pcapng block after frame %llu: it was "
                     "copied while still being written, or cut; the frames before were analysed",
                     (unsigned long long)info->frames);
            ret = -1;
            break;
        }
        ta_cur body;
        ta_cur_init(&body, buf, rest - 4);   /* without the trailing length */
        if (type != BT_SHB && !read_block(&r, type, &body)) {
            snprintf(info->error, sizeof(info->error),
                     "a pcapng block after frame %llu is malformed; it was skipped",
                     (unsigned long long)info->frames);
        }
    }
    free(buf);
    free(r.ifaces);
    rd->num_secrets = r.num_secrets;
    return ret;
}
