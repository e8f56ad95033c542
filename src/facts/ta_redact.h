/*
 * ta_redact.h - stable pseudonyms for what must not leave the company.
 *
 * A redactor replaces IP addresses, host names (SNI, certificate names) and
 * certificate subject/issuer values with pseudonyms derived by
 * HMAC-SHA256 under a per-run random key (or a key the user gives, so that
 * several reports share pseudonyms).  The same input gives the same
 * pseudonym within a run; TLS versions, cipher suites, alerts, validity
 * dates and rule ids are kept.  What a value is comes from the schema of
 * facts (ta_schema.h), which redacts every string fact of a redacted class
 * where it is read: by the writers, the rules and their templates; free
 * text loses every address literal and every name of the connection.
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

/* What a string to redact is (the schema's redaction classes, ta_schema.h). */
typedef enum {
    TA_RK_NAME = 0,        /* a host or other name: "host-...", "name-...", an address's */
    TA_RK_DN,              /* RFC 2253 name: the attribute types stay, every value goes */
    TA_RK_SAN,             /* "DNS:x", "IP:x": the type stays */
    TA_RK_FINDING,         /* "what (DN)": the DN is redacted */
    TA_RK_FINGERPRINT,     /* "redacted-..." */
    TA_RK_FILE,            /* "(redacted)" */
    TA_RK_TEXT             /* free text: addresses and the connection's names replaced */
} ta_redact_kind;

/* The names met in one connection: every name redacted by meaning is
 * remembered, so that free text of the same connection loses it too. */
typedef struct ta_redact_names ta_redact_names;

/* ta_redact_names_new returns an empty set (NULL on out of memory);
 * ta_redact_names_free frees it (NULL ok); ta_redact_names_nomem is true
 * when a name could not be remembered. */
ta_redact_names *ta_redact_names_new(void);
void ta_redact_names_free(ta_redact_names *names);
bool ta_redact_names_nomem(const ta_redact_names *names);

/* ta_redact_field returns a new string (caller frees): with --redact=all,
 * |s| redacted as a value of |kind|, its names remembered in |names|; a
 * copy of |s| for free text and with --redact=ips.  NULL on out of memory. */
char *ta_redact_field(const ta_redactor *r, ta_redact_kind kind, const char *s,
                      ta_redact_names *names);

/* ta_redact_text returns a new string (caller frees): |s| with every
 * address literal replaced, and with --redact=all every name of |names|.
 * Applied to every text fact once all names of its connection have been
 * remembered.  NULL on out of memory. */
char *ta_redact_text(const ta_redactor *r, const char *s, const ta_redact_names *names);

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
