/*
 * ta_fingerprint.h - client and server fingerprints of parsed hellos:
 * JA3 and JA3S (Salesforce's method, as Wireshark's tls.handshake.ja3 and
 * tls.handshake.ja3s compute it) and the JA4 client fingerprint (FoxIO's
 * technical_details/JA4.md; the JA4 client method only, not JA4S, JA4X or
 * the other JA4+ methods).  Pure functions of a parsed hello: no I/O and
 * no allocation, so that a connection's fingerprints cost no malloc (the
 * caller hands the text buffers in, sized by ta_fp_text_size).
 */
#ifndef TA_FINGERPRINT_H
#define TA_FINGERPRINT_H

#include <stdbool.h>
#include <stddef.h>

#include "ta_facts.h"

#define TA_JA3_HASH_LEN 32   /* MD5, lower-case hex */
#define TA_JA4_LEN 36        /* "t13d1516h2_8daaf6152771_e5627efa2ab1" */

/* Where the hello travelled: the first character of JA4. */
typedef enum {
    TA_FP_TCP = 't',
    TA_FP_QUIC = 'q',
    TA_FP_DTLS = 'd'
} ta_fp_transport;

/* ta_fp_text_size returns the bytes (NUL included) that always hold the
 * JA3 string or the JA4_r of |ch|, or the JA3S string of |sh| (either may
 * be NULL). */
size_t ta_fp_text_size(const ta_client_hello *ch, const ta_server_hello *sh);

/* ta_fp_ja3 writes the JA3 string of |ch| into |out| (|out_size| bytes):
 * "771,4865-4866,0-10,29-23,0" (version, ciphers, extensions, groups,
 * point formats, decimal, GREASE left out), and its MD5 into |hash|
 * (TA_JA3_HASH_LEN + 1 bytes).  false, with nothing promised in either,
 * for an SSL 2.0-format hello, a list cut at TA_MAX_LIST (the fingerprint
 * would be wrong) or a too small |out|. */
bool ta_fp_ja3(const ta_client_hello *ch, char *out, size_t out_size, char *hash);

/* ta_fp_ja3s does the same for a ServerHello: "771,4865,43-51" (version,
 * cipher, extensions).  false for an SSL 2.0 SERVER-HELLO. */
bool ta_fp_ja3s(const ta_server_hello *sh, char *out, size_t out_size, char *hash);

/* ta_fp_ja4 writes the JA4 fingerprint of |ch| into |ja4| (TA_JA4_LEN + 1
 * bytes) and its raw form JA4_r (the sorted lists, the signature
 * algorithms in wire order) into |raw| (|raw_size| bytes).  false as for
 * ta_fp_ja3. */
bool ta_fp_ja4(const ta_client_hello *ch, ta_fp_transport transport, char *ja4,
               char *raw, size_t raw_size);

#endif
