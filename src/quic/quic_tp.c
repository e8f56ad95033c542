/* quic_tp.c - QUIC transport parameters (see ta_quic_tp.h). */
#include "ta_quic_tp.h"

#include <string.h>

typedef struct {
    uint64_t id;
    const char *name;
    bool is_int;
} tp_info;

/* RFC 9000 18.2 (0x00-0x10), RFC 9368 3 (0x11), RFC 9221 3 (0x20),
 * RFC 9287 3 (0x2ab2), draft-ietf-quic-ack-frequency (0xff04de1b). */
static const tp_info known[] = {
    {0x00, "original_destination_connection_id", false},
    {0x01, "max_idle_timeout", true},
    {0x02, "stateless_reset_token", false},
    {0x03, "max_udp_payload_size", true},
    {0x04, "initial_max_data", true},
    {0x05, "initial_max_stream_data_bidi_local", true},
    {0x06, "initial_max_stream_data_bidi_remote", true},
    {0x07, "initial_max_stream_data_uni", true},
    {0x08, "initial_max_streams_bidi", true},
    {0x09, "initial_max_streams_uni", true},
    {0x0a, "ack_delay_exponent", true},
    {0x0b, "max_ack_delay", true},
    {0x0c, "disable_active_migration", false},
    {0x0d, "preferred_address", false},
    {0x0e, "active_connection_id_limit", true},
    {0x0f, "initial_source_connection_id", false},
    {0x10, "retry_source_connection_id", false},
    {0x11, "version_information", false},
    {0x20, "max_datagram_frame_size", true},
    {0x2ab2, "grease_quic_bit", false},
    {0xff04de1bu, "min_ack_delay", true},
};

static const tp_info *find(uint64_t id)
{
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
        if (known[i].id == id) {
            return &known[i];
        }
    }
    return NULL;
}

const char *ta_quic_tp_name(uint64_t id)
{
    const tp_info *t = find(id);
    if (t != NULL) {
        return t->name;
    }
    return id >= 27 && (id - 27) % 31 == 0 ? "reserved" : NULL;
}

/* One parameter's value: a varint that fills it exactly, or raw bytes. */
static void read_value(ta_quic_tp *p, const tp_info *t)
{
    ta_cur v = p->raw;
    p->is_int = t != NULL && t->is_int;
    if (p->is_int && (!ta_cur_get_varint(&v, &p->value) || ta_cur_len(&v) != 0)) {
        p->bad_value = true;
        p->value = 0;
    }
}

ta_status ta_quic_tp_parse(ta_quic_tp_list *out, const ta_cur *ext)
{
    ta_cur c = *ext;
    memset(out, 0, sizeof(*out));
    while (ta_cur_len(&c) > 0) {
        uint64_t id;
        ta_cur raw;
        if (!ta_cur_get_varint(&c, &id) || !ta_cur_get_varint_prefixed(&c, &raw)) {
            return TA_TRUNCATED;
        }
        out->num_total++;
        if (out->num == TA_QUIC_MAX_TP) {
            out->truncated = true;
            continue;
        }
        ta_quic_tp *p = &out->v[out->num++];
        p->id = id;
        p->name = ta_quic_tp_name(id);
        p->raw = raw;
        p->len = ta_cur_len(&raw);
        read_value(p, find(id));
    }
    return TA_OK;
}
