/*
 * ta_keylog.h - TLS session secrets in the NSS key log format, as written
 * by curl, browsers, Python and OpenSSL through SSLKEYLOGFILE, by
 * `openssl s_client -keylogfile`, and carried in pcapng Decryption
 * Secrets Blocks (`editcap --inject-secrets tls,FILE`).
 *
 * One line per secret: "LABEL <client random, 64 hex> <secret, hex>".
 * Lines starting with '#' and blank lines are ignored, so are labels we do
 * not use (EXPORTER_SECRET, RSA, ...).  A line that is not of that form is
 * reported with its line number and skipped; the rest still counts.
 *
 * The store maps a client random to the secrets logged for it; it grows
 * with the key log (an input the user chose), never with the capture.
 */
#ifndef TA_KEYLOG_H
#define TA_KEYLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ta_cursor.h"

/* The secrets we use, by their key log label. */
typedef enum {
    TA_KL_CLIENT_RANDOM = 0,        /* TLS <= 1.2 master secret (48 bytes) */
    TA_KL_CLIENT_HS_TRAFFIC,        /* CLIENT_HANDSHAKE_TRAFFIC_SECRET */
    TA_KL_SERVER_HS_TRAFFIC,        /* SERVER_HANDSHAKE_TRAFFIC_SECRET */
    TA_KL_CLIENT_TRAFFIC_0,         /* CLIENT_TRAFFIC_SECRET_0 */
    TA_KL_SERVER_TRAFFIC_0,         /* SERVER_TRAFFIC_SECRET_0 */
    TA_KL_NUM
} ta_kl_label;

#define TA_KL_RANDOM_LEN 32
#define TA_KL_MAX_SECRET 48          /* SHA-384 sized; the longest TLS uses */

typedef struct ta_keylog ta_keylog;

/* Called for each bad line: |line| from 1, |what| says what is wrong. */
typedef void (*ta_keylog_err_fn)(void *arg, size_t line, const char *what);

/* ta_keylog_new returns an empty store; NULL on out of memory. */
ta_keylog *ta_keylog_new(void);

/* ta_keylog_free frees the store; NULL ok. */
void ta_keylog_free(ta_keylog *kl);

/* ta_keylog_parse adds every good line of |text| to |kl| and calls |err|
 * (may be NULL) for each bad one.  Returns the number of secrets added
 * (a repeated line replaces the earlier value); -1 on out of memory. */
long ta_keylog_parse(ta_keylog *kl, ta_cur *text, ta_keylog_err_fn err, void *arg);

/* ta_keylog_load reads the file at |path| into |kl| (as ta_keylog_parse).
 * Returns the number of secrets added, or -1 when the file cannot be read
 * (errno is set) or memory ran out. */
long ta_keylog_load(ta_keylog *kl, const char *path, ta_keylog_err_fn err, void *arg);

/* ta_keylog_count returns the number of client randoms in the store. */
size_t ta_keylog_count(const ta_keylog *kl);

/* ta_keylog_get copies the |label| secret for |client_random| into |out|
 * (TA_KL_MAX_SECRET bytes) and returns its length, or 0 when there is
 * none.  |kl| may be NULL (no secrets). */
size_t ta_keylog_get(const ta_keylog *kl, const uint8_t client_random[TA_KL_RANDOM_LEN],
                     ta_kl_label label, uint8_t out[TA_KL_MAX_SECRET]);

/* ta_keylog_has_random is true when any secret is logged for |client_random|. */
bool ta_keylog_has_random(const ta_keylog *kl, const uint8_t client_random[TA_KL_RANDOM_LEN]);

#endif
