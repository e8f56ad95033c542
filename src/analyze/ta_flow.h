/*
 * ta_flow.h - the table of open connections (TCP, and QUIC by UDP 4-tuple).
 *
 * Open addressing with linear probing and backward-shift deletion; both
 * directions of a connection hash alike.  The table owns no connection:
 * callers allocate and free them (ta_conn.h).
 */
#ifndef TA_FLOW_H
#define TA_FLOW_H

#include <stddef.h>
#include <stdint.h>

#include "ta_conn.h"
#include "ta_decode.h"

typedef struct {
    ta_conn **slots;
    size_t cap;          /* a power of two */
    size_t num;
} ta_flow_table;

/* ta_flow_init allocates an empty table; 0 on out of memory. */
int ta_flow_init(ta_flow_table *t);

/* ta_flow_hash returns the direction-independent hash of |p|'s endpoints. */
uint32_t ta_flow_hash(const ta_packet *p);

/* ta_flow_find returns the connection of |p| (hash |h|) or NULL, and sets
 * *out_dir to the packet's wire direction within it. */
ta_conn *ta_flow_find(const ta_flow_table *t, const ta_packet *p, uint32_t h, int *out_dir);

/* ta_flow_find_next returns the connections of |p| one by one (several
 * QUIC connections may share a 4-tuple): *pos starts at 0; NULL at the
 * end.  The table must not change between calls. */
ta_conn *ta_flow_find_next(const ta_flow_table *t, const ta_packet *p, uint32_t h, int *out_dir,
                           size_t *pos);

/* ta_flow_insert adds |c| (c->hash set); grows the table; 0 on out of memory. */
int ta_flow_insert(ta_flow_table *t, ta_conn *c);

/* ta_flow_remove takes |c| out of the table. */
void ta_flow_remove(ta_flow_table *t, ta_conn *c);

/* ta_flow_cleanup frees the slots (not the connections); safe on NULL. */
void ta_flow_cleanup(ta_flow_table *t);

#endif
