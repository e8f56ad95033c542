/*
 * ta_derive.h - facts computed from the raw ones, for the rules.
 *
 * Added to a connection's JSON next to the wire facts (README "Derived
 * facts"): what both sides share, where the handshake stopped, which alert
 * ended it, the server's leaf certificate judged at capture time, the
 * chain's shape, SNI properties, server response time.
 */
#ifndef TA_DERIVE_H
#define TA_DERIVE_H

#include <jansson.h>

#include "ta_conn.h"

/* ta_derive adds the derived facts of |c| to its JSON object |conn|. */
void ta_derive(json_t *conn, const ta_conn *c);

#endif
