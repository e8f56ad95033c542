/*
 * ta_cert.h - one X.509 certificate read through OpenSSL into a ta_cert
 * (src/cert/cert.c), and the distinguished names of a CertificateRequest.
 */
#ifndef TA_CERT_H
#define TA_CERT_H

#include "ta_cursor.h"
#include "ta_facts.h"
#include "ta_status.h"

/* ta_cert_from_der fills |out| from one DER certificate using OpenSSL
 * (subject, issuer, SANs, validity, SHA-256) and keeps a copy of the DER.
 * A DER that does not parse sets out->parse_error and still TA_OK with
 * the fingerprint; TA_NOMEM on allocation failure. */
ta_status ta_cert_from_der(ta_cert *out, const ta_cur *der);

/* ta_dn_push appends the RFC 2253 text of the DER DistinguishedName |der|
 * to |l| ("(unparsable name)" when OpenSSL cannot read it); 0 on out of
 * memory. */
int ta_dn_push(ta_bytes_list *l, const ta_cur *der);

/* ta_cert_cleanup frees what |c| owns and zeroes it; safe on a zeroed
 * struct and on NULL. */
void ta_cert_cleanup(ta_cert *c);

#endif
