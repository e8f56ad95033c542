/* ta_status.h - the result every layer parser returns. */
#ifndef TA_STATUS_H
#define TA_STATUS_H

typedef enum {
    TA_OK = 0,
    TA_TRUNCATED,      /* the bytes stop early: evidence is partial, not wrong */
    TA_MALFORMED,      /* the bytes contradict the format */
    TA_UNSUPPORTED,    /* valid but not something we decode */
    TA_NOMEM           /* an allocation failed or a cap was hit */
} ta_status;

/* ta_status_name returns a static lower-case name for |s|. */
const char *ta_status_name(ta_status s);

#endif
