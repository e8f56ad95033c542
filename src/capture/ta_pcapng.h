/*
 * ta_pcapng.h - a pcapng reader for what libpcap refuses: sections whose
 * interfaces have different link-layer types (libpcap 1.10 stops at the
 * first such interface).  Reads blocks through the bounds-checked cursor
 * (draft-ietf-opsawg-pcapng: SHB, IDB with if_tsresol/if_tsoffset, EPB,
 * SPB, obsolete PB), and gives each packet its own interface's link type.
 * Decryption Secrets Blocks (DSB, type 10) of secrets type TLS carry a key
 * log inside the capture (`editcap --inject-secrets tls,keys.txt`).
 */
#ifndef TA_PCAPNG_H
#define TA_PCAPNG_H

#include <stdint.h>
#include <stdio.h>

#include "ta_record.h"

#define TA_PCAPNG_MAX_BLOCK (16u * 1024 * 1024)   /* as libpcap's default limit */

/* ta_pcapng_read reads |f| from its start, calling |fn| for every packet
 * after the first |skip| (those were already delivered by libpcap).
 * Counts frames into info->frames.  Returns 0 when the file ended cleanly,
 * -1 when it is damaged or not pcapng (info->error says where; packets
 * before the damage were delivered). */
int ta_pcapng_read(FILE *f, uint64_t skip, ta_record_fn fn, void *arg, ta_capture_info *info);

/* ta_pcapng_secrets reads |f| from its start up to its first packet and
 * hands every TLS Decryption Secrets Block to info->secrets_fn (libpcap
 * skips them).  Returns the number of such blocks. */
int ta_pcapng_secrets(FILE *f, ta_capture_info *info);

#endif
