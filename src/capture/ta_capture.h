/*
 * ta_capture.h - reading capture files with libpcap.
 *
 * The only module that talks to libpcap: opens a pcap or pcapng file (or
 * "-" for standard input), applies an optional BPF filter in user space
 * (so Wireshark's frame numbers still count every record), and hands each
 * record to a callback.  Turns libpcap's errors into messages that say
 * what is wrong and what to do.
 */
#ifndef TA_CAPTURE_H
#define TA_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ta_record.h"

/* ta_capture_read reads |path| ("-" = stdin), calling |fn| for each record
 * that passes |filter| (NULL = all).  Returns 0 when the file could be
 * opened (info->read_error then tells whether it ended cleanly), -1 when
 * it cannot be read at all (info->error says why), -2 for a bad filter. */
int ta_capture_read(const char *path, const char *filter, ta_record_fn fn, void *arg,
                    ta_capture_info *info);

/* ta_capture_read_secrets is ta_capture_read that also hands the TLS key
 * log of every pcapng Decryption Secrets Block to |secrets_fn| (NULL:
 * ignored).  libpcap skips these blocks, so for a pcapng file the ones
 * before its first packet (where editcap --inject-secrets puts them) are
 * read first; on standard input (our own reader) every one is read in
 * order.  Same returns as ta_capture_read. */
int ta_capture_read_secrets(const char *path, const char *filter, ta_record_fn fn, void *arg,
                            ta_secrets_fn secrets_fn, void *secrets_arg, ta_capture_info *info);

/* ta_capture_read_stream is ta_capture_read on an open stream, which it
 * takes over and closes when it could be read as a capture (on -1 the
 * caller still owns it).  No pcapng fallback for mixed link types. */
int ta_capture_read_stream(FILE *f, const char *filter, ta_record_fn fn, void *arg,
                           ta_capture_info *info);

/* ta_capture_read_merged reads |num| files as one capture in timestamp
 * order (mergecap's order: ties go to the earlier file); frame numbers are
 * those of the merged capture.  Same returns as ta_capture_read; the error
 * names the file. */
int ta_capture_read_merged(char *const *paths, int num, const char *filter, ta_record_fn fn,
                           void *arg, ta_capture_info *info);

/* ta_linktype_name returns libpcap's name for a DLT ("EN10MB", ...). */
const char *ta_linktype_name(int linktype);

#endif
