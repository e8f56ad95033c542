/*
 * cert.c - facts about one X.509 certificate, through OpenSSL 3
 * (see ta_cert_from_der in ta_tls_msg.h).
 *
 * The DER comes from the capture, so it is copied first (through the
 * cursor) and OpenSSL only ever sees that owned copy.  Everything OpenSSL
 * gives back is freed before returning, on every path.
 */
#include "ta_cert.h"
#include "cert_int.h"

#include <arpa/inet.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

/* copy_der keeps an owned copy of the DER in |out|; 0 on out-of-memory. */
static int copy_der(ta_cert *out, const ta_cur *der)
{
    ta_cur tmp = *der;
    size_t len = ta_cur_len(&tmp);
    uint8_t *p = malloc(len > 0 ? len : 1);

    if (p == NULL) {
        return 0;
    }
    /* len > 0 test: a cursor over (NULL, 0) must not be advanced (NULL + 0). */
    if (len > 0 && !ta_cur_copy(&tmp, p, len)) {
        /* Cannot happen: len == ta_cur_len(&tmp). */
        free(p);
        return 0;
    }
    free(out->der);
    out->der = p;
    out->der_len = len;
    return 1;
}

/* set_sha256 writes the lower-case hex SHA-256 of the DER copy; "" if the
 * digest fails. */
static void set_sha256(ta_cert *out)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int md_len = 0;

    out->sha256[0] = '\0';
    if (!EVP_Digest(out->der, out->der_len, md, &md_len, EVP_sha256(), NULL) ||
        md_len * 2 + 1 > sizeof(out->sha256)) {
        return;
    }
    for (unsigned int i = 0; i < md_len; i++) {
        out->sha256[2 * i] = hex[md[i] >> 4];
        out->sha256[2 * i + 1] = hex[md[i] & 0x0f];
    }
    out->sha256[2 * md_len] = '\0';
}

int ta_x509_name_text(ta_bytes *out, const X509_NAME *name)
{
    int ok = 0;
    BIO *bio = BIO_new(BIO_s_mem());
    char *text = NULL;
    long text_len;
    ta_cur view;

    if (bio == NULL) {
        goto done;
    }
    if (X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253) < 0) {
        ok = 1; /* an unprintable name stays empty: not a memory problem */
        goto done;
    }
    text_len = BIO_get_mem_data(bio, &text);
    ta_cur_init(&view, (const uint8_t *)text, text_len > 0 ? (size_t)text_len : 0);
    ok = ta_bytes_set(out, &view);
done:
    BIO_free(bio);
    return ok;
}

/* set_time writes |t| as ISO 8601 UTC ("2026-01-31T23:59:59Z"), "" if
 * OpenSSL cannot read it. */
static int set_time(char *out, size_t out_size, const ASN1_TIME *t, int64_t *out_unix)
{
    struct tm tm;

    out[0] = '\0';
    memset(&tm, 0, sizeof(tm));
    if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1) {
        return 0;
    }
    if (strftime(out, out_size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) {
        out[0] = '\0';
    }
    *out_unix = (int64_t)timegm(&tm);
    return 1;
}

/* san_push appends "|prefix||value|" to |l|; the entry is capped (and
 * marked truncated) by ta_bytes_list_push.  0 on out-of-memory. */
static int san_push(ta_bytes_list *l, const char *prefix, const uint8_t *value, size_t value_len)
{
    uint8_t buf[TA_MAX_NAME + 1];
    size_t prefix_len = strlen(prefix);
    size_t room = sizeof(buf) - prefix_len;
    ta_cur view;

    if (value_len > room) {
        value_len = room; /* still one byte over TA_MAX_NAME: sets ->truncated */
    }
    memcpy(buf, prefix, prefix_len);
    if (value_len > 0) {
        memcpy(buf + prefix_len, value, value_len);
    }
    ta_cur_init(&view, buf, prefix_len + value_len);
    return ta_bytes_list_push(l, &view);
}

/* san_push_ip appends "IP:" and the address: dotted quad, RFC 5952 IPv6,
 * or hex for any other length (e.g. an address/mask pair). */
static int san_push_ip(ta_bytes_list *l, const ASN1_OCTET_STRING *ip)
{
    static const char hex[] = "0123456789abcdef";
    char text[64]; /* > INET6_ADDRSTRLEN (46) */
    const unsigned char *p = ASN1_STRING_get0_data(ip);
    int len = ASN1_STRING_length(ip);
    size_t n = 0;

    text[0] = '\0';
    if (len == 4 || len == 16) {
        if (inet_ntop(len == 4 ? AF_INET : AF_INET6, p, text, sizeof(text)) == NULL) {
            text[0] = '\0';
        }
        n = strlen(text);
    } else {
        for (int i = 0; i < len && n + 2 < sizeof(text); i++) {
            text[n++] = hex[p[i] >> 4];
            text[n++] = hex[p[i] & 0x0f];
        }
    }
    return san_push(l, "IP:", (const uint8_t *)text, n);
}

/* san_push_name appends one GeneralName (RFC 5280 4.2.1.6); kinds other
 * than DNS, IP, email and URI are left out. */
static int san_push_name(ta_bytes_list *l, const GENERAL_NAME *gen)
{
    const ASN1_STRING *s;
    const char *prefix;

    switch (gen->type) {
    case GEN_DNS:
        prefix = "DNS:";
        s = gen->d.dNSName;
        break;
    case GEN_EMAIL:
        prefix = "email:";
        s = gen->d.rfc822Name;
        break;
    case GEN_URI:
        prefix = "URI:";
        s = gen->d.uniformResourceIdentifier;
        break;
    case GEN_IPADD:
        return san_push_ip(l, gen->d.iPAddress);
    default:
        return 1;
    }
    return san_push(l, prefix, ASN1_STRING_get0_data(s), (size_t)ASN1_STRING_length(s));
}

/* set_sans reads the subjectAltName extension; 0 on out-of-memory. */
static int set_sans(ta_cert *out, X509 *x)
{
    int ok = 1;
    GENERAL_NAMES *gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);

    for (int i = 0; gens != NULL && i < sk_GENERAL_NAME_num(gens); i++) {
        if (!san_push_name(&out->san, sk_GENERAL_NAME_value(gens, i))) {
            ok = 0;
            break;
        }
    }
    GENERAL_NAMES_free(gens);
    return ok;
}

/* set_cn copies the subject's last commonName (as UTF-8); none is fine. */
static int set_cn(ta_bytes *out, const X509_NAME *name)
{
    int i = -1;
    int last = -1;
    unsigned char *utf8 = NULL;
    ta_cur c;

    while ((i = X509_NAME_get_index_by_NID(name, NID_commonName, i)) >= 0) {
        last = i;
    }
    if (last < 0) {
        return 1;
    }
    X509_NAME_ENTRY *e = X509_NAME_get_entry(name, last);
    int n = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(e));
    if (n < 0) {
        return 1;     /* an undecodable CN is left out, not an error */
    }
    ta_cur_init(&c, utf8, (size_t)n);
    int ok = ta_bytes_set(out, &c);
    OPENSSL_free(utf8);
    return ok;
}

X509 *ta_cert_x509(const ta_cert *out)
{
    const unsigned char *p = out->der;
    X509 *x;

    if (out->der_len == 0 || out->der_len > LONG_MAX) {
        return NULL;
    }
    /* d2i_X509 advances its pointer argument: hand it the local copy. */
    x = d2i_X509(NULL, &p, (long)out->der_len);
    if (x != NULL && p != out->der + out->der_len) {
        X509_free(x);
        x = NULL;
    }
    if (x == NULL) {
        ERR_clear_error();   /* a failed d2i leaves its reasons on the queue */
    }
    return x;
}

/* Self-signed is a property of names and signature: the issuer is the
 * subject and the certificate's own key verifies its signature.  Not
 * X509_check_issued(x, x): it also asks for keyCertSign in keyUsage, which
 * a server certificate made by `openssl req -x509` with a server profile
 * (digitalSignature, keyEncipherment) does not have, and OpenSSL itself
 * calls such a certificate "self-signed". */
static bool is_self_signed(X509 *x)
{
    EVP_PKEY *key = X509_get0_pubkey(x);
    return X509_NAME_cmp(X509_get_subject_name(x), X509_get_issuer_name(x)) == 0 &&
           key != NULL && X509_verify(x, key) == 1;
}

/* ta_cert_from_der: see ta_tls_msg.h.  |out| may be zeroed or hold an
 * earlier certificate, which is replaced; frame and from are left alone. */
ta_status ta_cert_from_der(ta_cert *out, const ta_cur *der)
{
    ta_status ret = TA_NOMEM;
    X509 *x = NULL;

    /* Start from a clean slate but keep the caller's frame and side. */
    ta_bytes_free(&out->subject);
    ta_bytes_free(&out->issuer);
    ta_bytes_free(&out->cn);
    ta_bytes_list_free(&out->san);
    out->parse_error = false;
    out->times_ok = false;
    out->is_ca = false;
    out->self_signed = false;
    out->not_before[0] = '\0';
    out->not_after[0] = '\0';
    if (!copy_der(out, der)) {
        goto done;
    }
    set_sha256(out);
    x = ta_cert_x509(out);
    if (x == NULL) {
        out->parse_error = true;
        ret = TA_OK;
        goto done;
    }
    if (!ta_x509_name_text(&out->subject, X509_get_subject_name(x)) ||
        !ta_x509_name_text(&out->issuer, X509_get_issuer_name(x)) || !set_sans(out, x) ||
        !set_cn(&out->cn, X509_get_subject_name(x))) {
        goto done;
    }
    out->times_ok =
        set_time(out->not_before, sizeof(out->not_before), X509_get0_notBefore(x),
                 &out->not_before_unix) &&
        set_time(out->not_after, sizeof(out->not_after), X509_get0_notAfter(x),
                 &out->not_after_unix);
    out->is_ca = X509_check_ca(x) != 0;
    out->self_signed = is_self_signed(x);
    ret = TA_OK;
done:
    X509_free(x);
    /* A failed d2i leaves entries on the thread's error queue: drop them so
     * they neither pile up nor show up in an unrelated later error. */
    ERR_clear_error();
    return ret;
}

int ta_dn_push(ta_bytes_list *l, const ta_cur *der)
{
    ta_cur tmp = *der;
    size_t len = ta_cur_len(&tmp);
    ta_bytes text = {0};
    ta_cur view;
    X509_NAME *name = NULL;
    int ok;

    if (len > 0 && len <= LONG_MAX) {
        uint8_t *copy = malloc(len);
        if (copy == NULL) {
            return 0;
        }
        const unsigned char *p = copy;
        if (ta_cur_copy(&tmp, copy, len)) {
            name = d2i_X509_NAME(NULL, &p, (long)len);
            if (name != NULL && p != copy + len) {
                X509_NAME_free(name);
                name = NULL;
            }
        }
        free(copy);
        ERR_clear_error();
    }
    if (name == NULL) {
        static const char bad[] = "(unparsable name)";
        ta_cur_init(&view, (const uint8_t *)bad, sizeof(bad) - 1);
        return ta_bytes_list_push(l, &view);
    }
    ok = ta_x509_name_text(&text, name);
    X509_NAME_free(name);
    if (ok) {
        ta_cur_init(&view, text.data != NULL ? text.data : (const uint8_t *)"", text.len);
        ok = ta_bytes_list_push(l, &view);
    }
    ta_bytes_free(&text);
    return ok;
}

void ta_cert_cleanup(ta_cert *c)
{
    if (c == NULL) {
        return;
    }
    if (c->blob != NULL) {
        free(c->blob);   /* every string and the DER are in it */
        memset(c, 0, sizeof(*c));
        return;
    }
    ta_bytes_free(&c->subject);
    ta_bytes_free(&c->issuer);
    ta_bytes_free(&c->cn);
    ta_bytes_list_free(&c->san);
    free(c->der);
    memset(c, 0, sizeof(*c));
}
