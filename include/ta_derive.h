/*
 * ta_derive.h - facts computed from the raw ones, for the rules.
 *
 * Added to a connection's JSON next to the wire facts (README "Derived
 * facts"): what both sides share, where the handshake stopped, which alert
 * ended it, the leaf certificates and each side's chain judged at capture
 * time (ta_chain.h), SNI properties, server response time.
 */
#ifndef TA_DERIVE_H
#define TA_DERIVE_H

#include <jansson.h>

#include "ta_chain.h"
#include "ta_conn.h"

/* ta_derive adds the derived facts of |c| to its JSON object |conn|.
 * |chains| judges certificate chains (NULL: no chain facts); |conn_name|
 * names the connection's extracted chain files. */
void ta_derive(json_t *conn, const ta_conn *c, ta_chain_ctx *chains, const char *conn_name);

#endif
