/*
 * ta_redact.h - stable pseudonyms for what must not leave the company.
 *
 * A redactor replaces IP addresses, host names (SNI, certificate names) and
 * certificate subject/issuer values in a connection's JSON with pseudonyms
 * derived by HMAC-SHA256 under a per-run random key (or a key the user
 * gives, so that several reports share pseudonyms).  The same input gives
 * the same pseudonym within a run; TLS versions, cipher suites, alerts,
 * validity dates and rule ids are kept.  Redaction runs on the facts
 * before the rules render their texts, so every text built from a name
 * carries the pseudonym; a last pass replaces any address or name left
 * in a string of the connection.
 */
#ifndef TA_REDACT_H
#define TA_REDACT_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

typedef enum {
    TA_REDACT_NONE = 0,
    TA_REDACT_IPS,         /* IP addresses only */
    TA_REDACT_ALL          /* addresses, names, certificate subjects, fingerprints */
} ta_redact_mode;

typedef struct ta_redactor ta_redactor;

/* ta_redactor_new returns a redactor for |mode| keyed by |key| (|key_len|
 * bytes), or by 32 random bytes when |key| is NULL; NULL on failure (out
 * of memory, no randomness). */
ta_redactor *ta_redactor_new(ta_redact_mode mode, const char *key, size_t key_len);

/* ta_redactor_free frees the redactor; NULL ok. */
void ta_redactor_free(ta_redactor *r);

ta_redact_mode ta_redactor_mode(const ta_redactor *r);

/* ta_redact_conn rewrites the connection object |conn| in place: known
 * fields by meaning (endpoints, SNI, certificate names, SANs, fingerprints),
 * then every string of the object is scrubbed of the originals and of any
 * other IP address literal.  Returns 0 on out of memory (|conn| may then
 * be partly redacted: the caller drops it). */
int ta_redact_conn(ta_redactor *r, json_t *conn);

/* ta_redact_file returns a new string (caller frees) naming a capture file
 * without its name: "capture-<pseudonym>" plus the file's extensions
 * (".pcap.gz"); "-" stays "-".  NULL on out of memory. */
char *ta_redact_file(const ta_redactor *r, const char *name);

/* ta_redact_scrub_json replaces, in every string of |j|, each IP address
 * literal and each occurrence of |file| (the original file name, may be
 * NULL) by its pseudonym.  0 on out of memory. */
int ta_redact_scrub_json(ta_redactor *r, json_t *j, const char *file);

/* ta_redact_string returns a new string: |s| with every IP address literal
 * replaced (names are not recognised in free text: a caller that may hold
 * one drops the text instead).  For texts the program did not build from
 * facts, such as a -f filter on the command line.  NULL on out of memory. */
char *ta_redact_string(ta_redactor *r, const char *s);

#endif
