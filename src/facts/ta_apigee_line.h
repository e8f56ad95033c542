/* ta_apigee_line.h - a connection's place in an Apigee deployment, said in
 * one line for the text output, the case report and --summary. */
#ifndef TA_APIGEE_LINE_H
#define TA_APIGEE_LINE_H

#include "ta_schema.h"

/* ta_apigee_line returns "southbound: Message Processor 10.1.2.3 ->
 * backend api.example.com:443 (roles inferred, outgoing)" for the view's
 * connection, in v->arena, names escaped and redacted as the view does;
 * NULL when the connection has no apigee place (other profiles) or memory
 * ran out (v->nomem set). */
const char *ta_apigee_line(ta_view *v);

#endif
