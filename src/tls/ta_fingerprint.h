/*
 * ta_fingerprint.h - client and server fingerprints of parsed hellos:
 * JA3 and JA3S (Salesforce's method, as Wireshark's tls.handshake.ja3 and
 * tls.handshake.ja3s compute it) and the JA4 client fingerprint (FoxIO's
 * technical_details/JA4.md; the JA4 client method only, not JA4S, JA4X or
 * the other JA4+ methods).  Pure functions of a parsed hello: no I/O.
 */
#ifndef TA_FINGERPRINT_H
#define TA_FINGERPRINT_H

#include <stdbool.h>

#include "ta_facts.h"
#include "ta_strbuf.h"

#define TA_JA3_HASH_LEN 32   /* MD5, lower-case hex */
#define TA_JA4_LEN 36        /* "t13d1516h2_8daaf6152771_e5627efa2ab1" */

/* Where the hello travelled: the first character of JA4. */
typedef enum {
    TA_FP_TCP = 't',
    TA_FP_QUIC = 'q',
    TA_FP_DTLS = 'd'
} ta_fp_transport;

/* ta_fp_ja3 appends the JA3 string of |ch| to |out| ("771,4865-4866,0-10,
 * 29-23,0": version, ciphers, extensions, groups, point formats, decimal,
 * GREASE left out) and writes its MD5 into |hash| (TA_JA3_HASH_LEN + 1
 * bytes).  false, with nothing written, for an SSL 2.0-format hello or
 * when the digest is unavailable; an allocation failure shows in
 * out->nomem. */
bool ta_fp_ja3(const ta_client_hello *ch, ta_strbuf *out, char *hash);

/* ta_fp_ja3s does the same for a ServerHello: version, cipher, extensions.
 * false for an SSL 2.0 SERVER-HELLO. */
bool ta_fp_ja3s(const ta_server_hello *sh, ta_strbuf *out, char *hash);

/* ta_fp_ja4 writes the JA4 fingerprint of |ch| into |ja4| (TA_JA4_LEN + 1
 * bytes) and appends its raw form JA4_r (sorted lists, the signature
 * algorithms in wire order) to |raw| when |raw| is not NULL.  false for
 * an SSL 2.0-format hello or when SHA-256 is unavailable. */
bool ta_fp_ja4(const ta_client_hello *ch, ta_fp_transport transport, char *ja4,
               ta_strbuf *raw);

#endif
