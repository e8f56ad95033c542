/*
 * facts_apigee.c - the schema of the apigee object (ta_schema.h): a
 * connection's place in an Apigee deployment, as ta_apigee.h decided it,
 * and the line apigee_line.c made of it.
 */
#include "schema_int.h"

TA_GETTER(ta_fg_apigee)
{
    if (v->d == NULL || !v->d->has_apigee) {
        fv_absent(o);
        return;
    }
    fv_obj(o, &v->d->apigee);
}

#define PLACE ((const ta_apigee_place *)base)

static TA_GETTER(get_direction)
{
    fv_str_or_null(o, ta_apigee_dir_name(PLACE->dir));
}

static TA_GETTER(get_role)
{
    fv_str_or_null(o, ta_apigee_role_name(n->arg == 0 ? PLACE->client : PLACE->server));
}

static TA_GETTER(get_how)
{
    fv_str(o, ta_apigee_how_name(PLACE->how));
}

static TA_GETTER(get_traffic)
{
    fv_str_or_null(o, ta_apigee_traffic_name(PLACE->traffic));
}

static TA_GETTER(get_line)
{
    fv_str_or_null(o, v->d->apigee_line);
}

const ta_fnode ta_fs_apigee[6] = {
    TA_LEAF("direction", TA_FT_STRING, F_RN, TA_RC_NONE,
            "northbound (client app to Router) or southbound (Message Processor to backend); "
            "null for Router to Message Processor, or when it cannot be told",
            get_direction),
    TA_LEAF_ARG("client_role", TA_FT_STRING, F_RN, TA_RC_NONE,
                "client app, router or message processor; null when not known", get_role, 0),
    TA_LEAF_ARG("server_role", TA_FT_STRING, F_RN, TA_RC_NONE,
                "router, message processor or backend; null when not known", get_role, 1),
    TA_LEAF("how", TA_FT_STRING, F_R, TA_RC_NONE,
            "option (--apigee-router, --apigee-mp), inferred (from the capture: who connects "
            "to port 8998) or unknown",
            get_how),
    TA_LEAF("traffic", TA_FT_STRING, F_RN, TA_RC_NONE,
            "incoming (the capture host is the server) or outgoing (it is the client); null "
            "when the capture host is not known (--capture-host) or not an end",
            get_traffic),
    TA_LEAF("summary", TA_FT_STRING, F_RN, TA_RC_RENDERED,
            "the place in one line, as the text output, the report and --summary say it "
            "(\"southbound: Message Processor 10.1.2.3 \u2192 backend api.example.com:443 (roles "
            "inferred, outgoing)\"), names as the rest of the output shows them",
            get_line),
};
