/*
 * ta_report.h - a connection's facts as the JSON contract (README "JSON
 * output").  Text output is rendered from the same JSON, so the two never
 * disagree.  Every capture-derived string is escaped (ta_escape.h).
 */
#ifndef TA_REPORT_H
#define TA_REPORT_H

#include <jansson.h>

#include "ta_conn.h"

/* ta_conn_to_json returns a new JSON object for |c| (caller owns it);
 * NULL on out of memory. */
json_t *ta_conn_to_json(const ta_conn *c);

/* ta_endpoint_str writes "a.b.c.d:port" or "[v6]:port" into |buf|. */
const char *ta_endpoint_str(int family, const uint8_t *addr, uint16_t port, char *buf,
                            size_t len);

#endif
