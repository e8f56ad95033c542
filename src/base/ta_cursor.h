/*
 * ta_cursor.h - the one bounds-checked view over untrusted bytes.
 *
 * Modelled on BoringSSL's CBS: a non-owning (pointer, length) view.  Every
 * getter returns 1 on success and 0 on failure, and advances the cursor only
 * on success.  Length-prefixed fields come out as a child cursor, so a nested
 * vector can never overrun its parent.  No other code in tlsanalyze indexes
 * or casts into capture memory.
 */
#ifndef TA_CURSOR_H
#define TA_CURSOR_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    const uint8_t *data;
    size_t len;
} ta_cur;

/* ta_cur_init points |c| at |len| bytes at |data|; the bytes are borrowed. */
void ta_cur_init(ta_cur *c, const uint8_t *data, size_t len);

/* ta_cur_len returns the number of bytes left. */
size_t ta_cur_len(const ta_cur *c);

/* ta_cur_data returns a pointer to the remaining bytes (for copying out only). */
const uint8_t *ta_cur_data(const ta_cur *c);

/* ta_cur_skip advances by |n|; 0 (and no change) if fewer are left. */
int ta_cur_skip(ta_cur *c, size_t n);

/* Big-endian integer getters; 0 (and no change) if too short. */
int ta_cur_get_u8(ta_cur *c, uint8_t *out);
int ta_cur_get_u16(ta_cur *c, uint16_t *out);
int ta_cur_get_u24(ta_cur *c, uint32_t *out);
int ta_cur_get_u32(ta_cur *c, uint32_t *out);

/* ta_cur_get_varint reads a QUIC variable-length integer (RFC 9000 16):
 * the two top bits of the first byte give its length (1, 2, 4 or 8 bytes),
 * the rest is the value in network order, so at most 2^62 - 1.  0 (and no
 * change) if too short. */
int ta_cur_get_varint(ta_cur *c, uint64_t *out);

/* ta_cur_get_varint_prefixed reads a varint length, then a child of that
 * length; 0 (and no change) if either does not fit. */
int ta_cur_get_varint_prefixed(ta_cur *c, ta_cur *out);

/* Little-endian getters, for capture headers written in host order. */
int ta_cur_get_u16le(ta_cur *c, uint16_t *out);
int ta_cur_get_u32le(ta_cur *c, uint32_t *out);

/* ta_cur_get_bytes sets |out| to the next |n| bytes and advances past them. */
int ta_cur_get_bytes(ta_cur *c, ta_cur *out, size_t n);

/* ta_cur_copy copies the next |n| bytes into |out| and advances. */
int ta_cur_copy(ta_cur *c, uint8_t *out, size_t n);

/* Length-prefixed vectors: the prefix is read, then a child of that length. */
int ta_cur_get_u8_prefixed(ta_cur *c, ta_cur *out);
int ta_cur_get_u16_prefixed(ta_cur *c, ta_cur *out);
int ta_cur_get_u24_prefixed(ta_cur *c, ta_cur *out);

/* Peeks at byte |off| from the current position without advancing. */
int ta_cur_peek_u8(const ta_cur *c, size_t off, uint8_t *out);
int ta_cur_peek_u16(const ta_cur *c, size_t off, uint16_t *out);

/* ta_cur_hash returns a 64-bit hash of the remaining bytes (for tables
 * keyed by content; not for anything an attacker must not collide). */
uint64_t ta_cur_hash(const ta_cur *c);

/* ta_cur_truncate keeps only the first |n| bytes (clamps an inner layer to
 * its outer layer's claimed length); 0 if fewer than |n| bytes are left. */
int ta_cur_truncate(ta_cur *c, size_t n);

#endif
