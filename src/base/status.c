/* status.c - names for ta_status values. */
#include "ta_status.h"

const char *ta_status_name(ta_status s)
{
    switch (s) {
    case TA_OK:
        return "ok";
    case TA_TRUNCATED:
        return "truncated";
    case TA_MALFORMED:
        return "malformed";
    case TA_UNSUPPORTED:
        return "unsupported";
    case TA_NOMEM:
        return "out_of_memory";
    default:
        return "unknown";
    }
}
