/*
 * ta_apigee.h - where a connection sits in an Apigee deployment
 * (--profile apigee, apigee-x): northbound (client app -> Router) or
 * southbound (Message Processor -> backend), and which gateway part each
 * end is.
 *
 * Known from the options (--apigee-router, --apigee-mp) or inferred from
 * what the capture shows, never guessed: Routers reach Message Processors
 * on the MP's port 8998, so a host that connects to 8998 and is never a
 * server on it is a Router, and a host that is a server on 8998 and never
 * connects to it is a Message Processor.  Those facts come from a pre-pass
 * over the capture (ta_apigee_observe) that keeps one small record per
 * host, in a table of fixed size: memory does not grow with the capture.
 * The capture host (--capture-host; else the one address a Linux cooked
 * capture's packet types name as local, or the one address in nearly
 * every connection) says whether a connection came in or went out.
 */
#ifndef TA_APIGEE_H
#define TA_APIGEE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ta_conn.h"
#include "ta_record.h"

/* The port Routers send to Message Processors on (Edge's default). */
#define TA_APIGEE_MP_PORT 8998

#define TA_APIGEE_MAX_NETS 32

typedef enum {
    TA_AP_DIR_NONE = 0,      /* internal (Router -> MP) or not known */
    TA_AP_NORTHBOUND,
    TA_AP_SOUTHBOUND
} ta_apigee_dir;

typedef enum {
    TA_AP_ROLE_NONE = 0,
    TA_AP_CLIENT_APP,
    TA_AP_ROUTER,
    TA_AP_MP,
    TA_AP_BACKEND
} ta_apigee_role;

typedef enum {
    TA_AP_UNKNOWN = 0,
    TA_AP_BY_OPTION,
    TA_AP_INFERRED
} ta_apigee_how;

typedef enum {
    TA_AP_TRAFFIC_NONE = 0,  /* the capture host is not known, or not an end */
    TA_AP_INCOMING,          /* the capture host is the server */
    TA_AP_OUTGOING           /* the capture host is the client */
} ta_apigee_traffic;

/* An address or network from the command line; port 0 matches any. */
typedef struct {
    uint8_t family;          /* 4 or 6 */
    uint8_t addr[16];
    uint8_t prefix;          /* bits that must match: 32/128 for one address */
    uint16_t port;
} ta_apigee_net;

/* The gateway as the command line names it. */
typedef struct {
    ta_apigee_net routers[TA_APIGEE_MAX_NETS];
    size_t num_routers;
    ta_apigee_net mps[TA_APIGEE_MAX_NETS];
    size_t num_mps;
    ta_apigee_net capture_host;
    bool have_capture_host;
} ta_apigee_cfg;

/* A connection's place. */
typedef struct {
    ta_apigee_dir dir;
    ta_apigee_role client;
    ta_apigee_role server;
    ta_apigee_how how;
    ta_apigee_traffic traffic;
} ta_apigee_place;

typedef struct ta_apigee ta_apigee;

/* ta_apigee_parse_net reads "1.2.3.4", "1.2.3.4:443", "10.1.0.0/16",
 * "[2001:db8::1]:443", "2001:db8::/32" ("[v6]/len" too) into |out|; a
 * port only when |with_port|.  0 when |text| is none of these. */
int ta_apigee_parse_net(const char *text, bool with_port, ta_apigee_net *out);

/* ta_apigee_new returns a context for one capture with the gateway of
 * |cfg| (copied); NULL on out of memory.  ta_apigee_free: NULL ok. */
ta_apigee *ta_apigee_new(const ta_apigee_cfg *cfg);
void ta_apigee_free(ta_apigee *a);

/* ta_apigee_observe takes one record of the pre-pass: a TCP SYN (without
 * ACK) counts a connection for both its hosts, and a Linux cooked
 * capture's packet type marks which end is the capture host.  Records
 * that do not decode are ignored.  |arg| is the ta_apigee (a ta_record_fn). */
void ta_apigee_observe(void *arg, const ta_record *r);

/* ta_apigee_observed ends the pre-pass: the capture host is decided
 * (when not given). */
void ta_apigee_observed(ta_apigee *a);

/* ta_apigee_place_conn fills |out| for connection |c|. */
void ta_apigee_place_conn(const ta_apigee *a, const ta_conn *c, ta_apigee_place *out);

/* ta_apigee_capture_host writes the capture host's address into |buf|
 * and returns how it is known (TA_AP_UNKNOWN: not known, |buf| ""). */
ta_apigee_how ta_apigee_capture_host(const ta_apigee *a, char *buf, size_t len);

/* Names for the facts: NULL for NONE. */
const char *ta_apigee_dir_name(ta_apigee_dir d);
const char *ta_apigee_role_name(ta_apigee_role r);
const char *ta_apigee_how_name(ta_apigee_how h);
const char *ta_apigee_traffic_name(ta_apigee_traffic t);

#endif
