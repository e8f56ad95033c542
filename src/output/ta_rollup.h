/*
 * ta_rollup.h - the roll-up of many connections (--summary, and the end of
 * every capture's summary): counts by outcome and by root-cause rule, the
 * versions and cipher suites negotiated, and the SNIs, servers and client
 * fingerprints (JA4) with the most failures.  Each table keeps at most
 * TA_ROLLUP_KEYS names; the rest is counted under "(other)", so memory
 * does not grow with the archive.
 * Connections are counted from their view (ta_schema.h), so names are
 * read as the output shows them (escaped, redacted).
 */
#ifndef TA_ROLLUP_H
#define TA_ROLLUP_H

#include <jansson.h>

#include "ta_schema.h"

#define TA_ROLLUP_KEYS 10000
#define TA_ROLLUP_TOP 10

typedef struct ta_rollup ta_rollup;

/* ta_rollup_new returns an empty roll-up; NULL on out of memory. */
ta_rollup *ta_rollup_new(void);
void ta_rollup_free(ta_rollup *r);

/* ta_rollup_conn counts one connection (its view, diagnoses set). */
void ta_rollup_conn(ta_rollup *r, ta_view *v);

/* ta_rollup_merge adds |from| into |into|. */
void ta_rollup_merge(ta_rollup *into, const ta_rollup *from);

/* ta_rollup_set adds the roll-up's members to the object |out|:
 * tcp_connections, tls_connections, completed, diagnosed_errors,
 * failed_by_rule, versions, cipher_suites, top_failing_sni,
 * top_failing_servers, failing_client_fingerprints and
 * failures_by_client_fingerprint (the top JA4s, each with its rules). */
void ta_rollup_set(const ta_rollup *r, json_t *out);

/* ta_rollup_dump returns the whole roll-up (all tables) as a new JSON
 * object, and ta_rollup_load adds such a dump into |into|: how a worker
 * process hands its counts to the parent. */
json_t *ta_rollup_dump(const ta_rollup *r);
void ta_rollup_load(ta_rollup *into, json_t *dump);

/* ta_rollup_errors returns the number of connections with an error root cause. */
json_int_t ta_rollup_errors(const ta_rollup *r);

#endif
