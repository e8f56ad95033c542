/*
 * ta_record.h - what a capture reader hands on: one record (frame number,
 * time, link type, bytes) and the capture's counts and errors; shared by
 * the libpcap reader (capture.c) and the pcapng reader (pcapng.c).
 */
#ifndef TA_RECORD_H
#define TA_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ta_cursor.h"

typedef struct {
    uint64_t frame;          /* Wireshark's frame number, from 1 */
    int64_t ns;              /* capture timestamp, ns since the epoch */
    int linktype;            /* DLT_* */
    const uint8_t *data;     /* borrowed until the callback returns */
    size_t caplen;
    size_t wirelen;
} ta_record;

typedef void (*ta_record_fn)(void *arg, const ta_record *r);

/* Called with the text of a pcapng Decryption Secrets Block of type TLS
 * (an NSS key log); |text| is borrowed for the call. */
typedef void (*ta_secrets_fn)(void *arg, const ta_cur *text);

typedef struct {
    uint64_t frames;         /* records read */
    uint64_t filtered;       /* records the BPF filter rejected */
    int linktype;
    int snaplen;
    bool read_error;         /* the file ended badly: see |error| */
    char error[512];         /* an open error, or a warning about the end */
    ta_secrets_fn secrets_fn;  /* set by ta_capture_read_secrets; NULL otherwise */
    void *secrets_arg;
} ta_capture_info;

/* ta_capture_ns turns seconds and nanoseconds into nanoseconds since the
 * epoch, clamped to +-2^62 (about 146 years around 1970) so that garbage
 * timestamps never overflow and differences of two stay defined. */
static inline int64_t ta_capture_ns(int64_t sec, int64_t nsec)
{
    const int64_t limit = INT64_C(1) << 62;
    if (sec > limit / 1000000000 || sec < -limit / 1000000000) {
        return sec > 0 ? limit : -limit;
    }
    int64_t ns = sec * 1000000000 + nsec;
    return ns > limit ? limit : (ns < -limit ? -limit : ns);
}

#endif
