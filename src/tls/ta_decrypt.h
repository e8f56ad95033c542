/*
 * ta_decrypt.h - TLS record decryption from logged secrets, through
 * OpenSSL 3 EVP only (HKDF, TLS1-PRF, AES-GCM/CCM, ChaCha20-Poly1305,
 * AES-CBC + HMAC): no cryptography is written here.
 *
 * TLS 1.3 (RFC 8446 7.1, 7.3): traffic keys come from a traffic secret by
 * HKDF-Expand-Label; records are AEAD with the record header as additional
 * data and the content type after the plaintext (5.2, 5.4).
 * TLS 1.0-1.2 (RFC 5246 6.3): the key block comes from the master secret
 * by the PRF; AEAD records (RFC 5288, 6655, 7905) or CBC with HMAC, MAC
 * then encrypt or encrypt then MAC (RFC 7366).
 *
 * Pure functions over caller-owned state: no allocation that outlives a
 * call, nothing read from the capture except through the cursor passed in.
 */
#ifndef TA_DECRYPT_H
#define TA_DECRYPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ta_cursor.h"

typedef enum {
    TA_CIPH_AES_GCM = 1,
    TA_CIPH_CHACHA20_POLY1305,
    TA_CIPH_AES_CCM,         /* 16-byte tag */
    TA_CIPH_AES_CCM8,        /* 8-byte tag */
    TA_CIPH_AES_CBC          /* with HMAC */
} ta_cipher_kind;

/* What a cipher suite needs for decryption. */
typedef struct {
    uint16_t suite;
    ta_cipher_kind kind;
    uint8_t key_len;
    uint8_t fixed_iv_len;    /* TLS 1.2: implicit IV part (4 GCM/CCM, 12 ChaCha, 16 CBC) */
    uint8_t mac_len;         /* CBC: HMAC output length */
    const char *mac_md;      /* CBC: HMAC digest */
    const char *hash;        /* TLS 1.3 HKDF hash / TLS 1.2 PRF hash */
    bool tls13;
} ta_suite_info;

/* ta_dec_suite returns what suite |suite| needs, or NULL when it is not
 * one we decrypt (export, RC4, 3DES, CAMELLIA, NULL, ...). */
const ta_suite_info *ta_dec_suite(uint16_t suite);

/* Keys and sequence number of one direction. */
typedef struct {
    const ta_suite_info *s;
    uint8_t key[32];
    uint8_t iv[16];          /* TLS 1.3/AEAD: the static IV; TLS 1.0 CBC: the chained IV */
    uint8_t mac_key[48];
    uint64_t seq;
    uint16_t version;        /* TLS 1.2 and older: the negotiated version */
    bool etm;                /* TLS 1.2 CBC: encrypt_then_mac negotiated */
} ta_dec_keys;

/* ta_dec_tls13_keys derives |k| from a TLS 1.3 traffic secret of |len|
 * bytes (RFC 8446 7.3) and resets the sequence number.  0 when the
 * suite is not TLS 1.3, the secret's size does not fit its hash, or
 * OpenSSL fails. */
int ta_dec_tls13_keys(ta_dec_keys *k, const ta_suite_info *s, const uint8_t *secret,
                      size_t len);

/* ta_dec_tls13_next_secret computes the next generation of a traffic
 * secret in place (RFC 8446 7.2, KeyUpdate); 0 on failure. */
int ta_dec_tls13_next_secret(const ta_suite_info *s, uint8_t *secret, size_t len);

/* ta_dec_tls12_keys expands the 48-byte master secret into both
 * directions' keys (RFC 5246 6.3); |version| is the negotiated version
 * (0x0301..0x0303).  0 on failure. */
int ta_dec_tls12_keys(ta_dec_keys *client, ta_dec_keys *server, const ta_suite_info *s,
                      uint16_t version, bool etm, const uint8_t master[48],
                      const uint8_t client_random[32], const uint8_t server_random[32]);

typedef enum {
    TA_DECRYPT_OK = 0,
    TA_DECRYPT_MALFORMED,        /* too short for the cipher, or bad padding in TLS 1.3 */
    TA_DECRYPT_AUTH_FAILED,      /* tag or MAC did not verify: wrong key, or damaged */
    TA_DECRYPT_ERROR             /* OpenSSL failed */
} ta_decrypt_status;

/* ta_dec_open decrypts and verifies one record body |rec| with record
 * header (|type|, |version|).  On TA_DECRYPT_OK the plaintext (TLS 1.3: the
 * content, without padding and type) is in |out| (|out_max| >= the body
 * length), its length in |out_len| and its content type in |out_type|,
 * and the sequence number advances.  Nothing advances on failure. */
ta_decrypt_status ta_dec_open(ta_dec_keys *k, uint8_t type, uint16_t version, const ta_cur *rec,
                          uint8_t *out, size_t out_max, size_t *out_len, uint8_t *out_type);

/* ta_dec_skip counts a record that is not decrypted (bulk application
 * data), so later ones still decrypt.  0 when the cipher cannot skip (TLS
 * 1.0 CBC chains its IV through every record). */
int ta_dec_skip(ta_dec_keys *k);

/* ta_dec_skip_chained counts a record that is not decrypted whose body
 * ends with |tail| (at least its last TA_DEC_TAIL bytes): TLS 1.0 CBC
 * takes the last cipher block as the next record's IV, so later records
 * still decrypt.  Other ciphers as ta_dec_skip.  0 when the keys are not
 * set or |tail| is too short. */
#define TA_DEC_TAIL 64           /* a cipher block and the longest MAC (SHA-384) */
int ta_dec_skip_chained(ta_dec_keys *k, const ta_cur *tail);

/* ta_dec_chains_iv is true when each record's IV is the previous record's
 * last ciphertext block (TLS 1.0 CBC). */
bool ta_dec_chains_iv(const ta_dec_keys *k);

/* Building blocks for protocols that use the TLS 1.3 key schedule with
 * their own labels and framing (QUIC, RFC 9001 5).  |hash| is "SHA256"
 * or "SHA384" as in ta_suite_info. */

/* ta_dec_hash_len returns the output length of |hash| (32 or 48). */
size_t ta_dec_hash_len(const char *hash);

/* ta_dec_hkdf_extract computes HKDF-Extract(salt, ikm) (RFC 5869 2.2)
 * into |out|, which must be one hash long; |ikm| may be empty.  0 on
 * failure. */
int ta_dec_hkdf_extract(const char *hash, const uint8_t *salt, size_t salt_len,
                        const uint8_t *ikm, size_t ikm_len, uint8_t *out, size_t out_len);

/* ta_dec_expand_label computes HKDF-Expand-Label(secret, label, "", out_len)
 * (RFC 8446 7.1; the "tls13 " prefix is added here).  0 on failure. */
int ta_dec_expand_label(const char *hash, const uint8_t *secret, size_t secret_len,
                        const char *label, uint8_t *out, size_t out_len);

/* ta_dec_tag_len returns the AEAD tag length of suite |s| (8 or 16). */
size_t ta_dec_tag_len(const ta_suite_info *s);

/* ta_dec_aead_open opens |sealed| (ciphertext then tag) with |key| and the
 * 12-byte |nonce| of an AEAD suite, the additional data being the
 * |num_aad| pieces of |aad| one after another.  On TA_DECRYPT_OK the
 * plaintext is in |out| (|out_max| >= its length) and its length in
 * |out_len|; TA_DECRYPT_MALFORMED when shorter than a tag,
 * TA_DECRYPT_AUTH_FAILED when the tag does not verify. */
ta_decrypt_status ta_dec_aead_open(const ta_suite_info *s, const uint8_t *key,
                                   const uint8_t nonce[12], const ta_cur *aad, size_t num_aad,
                                   const ta_cur *sealed, uint8_t *out, size_t out_max,
                                   size_t *out_len);

/* ta_dec_aead_seal is the reverse, for writing test traffic: |plain|
 * encrypted then the tag into |out| (|out_max| >= plaintext + tag), the
 * total in |out_len|.  0 on failure. */
int ta_dec_aead_seal(const ta_suite_info *s, const uint8_t *key, const uint8_t nonce[12],
                     const ta_cur *aad, size_t num_aad, const ta_cur *plain, uint8_t *out,
                     size_t out_max, size_t *out_len);

/* ta_decrypt_status_name names a status for messages. */
const char *ta_decrypt_status_name(ta_decrypt_status st);

#endif
