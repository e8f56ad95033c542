/*
 * cert_int.h - OpenSSL-level certificate helpers shared by cert.c (facts
 * of one certificate) and chain.c (a chain judged as a whole).
 */
#ifndef TA_CERT_INT_H
#define TA_CERT_INT_H

#include <openssl/x509.h>

#include "ta_facts.h"

/* ta_cert_x509 decodes |c|'s DER copy; NULL when there is none or it does
 * not parse (stray bytes after the certificate count as not parsing, as
 * in OpenSSL's TLS stack).  The caller frees it with X509_free. */
X509 *ta_cert_x509(const ta_cert *c);

/* ta_x509_name_text sets |out| to |name| in RFC 2253 one-line form,
 * capped at TA_MAX_NAME (->truncated); 0 on out of memory. */
int ta_x509_name_text(ta_bytes *out, const X509_NAME *name);

#endif
