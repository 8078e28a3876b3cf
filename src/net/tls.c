/* TLS options, session details and TLS errors (see tls.h). Everything that
 * can be worked out before the run is: the OpenSSL strings are built once,
 * and tlsio.c builds each worker's context from them. */
#include "net/tls.h"

#include <openssl/err.h>
#include <openssl/ocsp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include "config/options.h"
#include "util/err.h"

static bool tls_suite_is13(const tls_suite *s) { return (s->id >> 8) == 0x13; }

/* ---- configuration ---- */

static char *tls_strdup(const char *s) {
    size_t n = strlen(s) + 1;
    return memcpy(xrealloc(NULL, n), s, n);
}

/* Appends ":name" (or "name") to a growing list. */
static void tls_list_add(char **list, const char *name) {
    size_t old = *list ? strlen(*list) : 0, add = strlen(name);
    *list = xrealloc(*list, old + add + 2);
    if (old) (*list)[old++] = ':';
    memcpy(*list + old, name, add + 1);
}

static int tls_config_versions(const c6_options *o, tls_config *t, char *err, size_t errlen) {
    if (!o->tls_version_set) return 0;
    int lo = o->tls_version_min ? tls_version_from_name(o->tls_version_min) : 0;
    int hi = o->tls_version_max ? tls_version_from_name(o->tls_version_max) : 0;
    if (lo && hi && lo > hi)
        return err_set(err, errlen, "options.tlsVersion: min (%s) is newer than max (%s)", o->tls_version_min,
                       o->tls_version_max);
    if (hi == 0x0300)
        return err_set(err, errlen,
                       "options.tlsVersion: ssl3.0 is not supported by c6's TLS library "
                       "(OpenSSL 3); the oldest version it speaks is tls1.0");
    t->min_version = lo == 0x0300 ? 0x0301 : lo; /* ssl3.0 as the lower bound: the oldest there is */
    t->max_version = hi;
    return 0;
}

/* tlsCipherSuites: TLS 1.2-and-older suites go to the cipher list, TLS 1.3
 * ones to their own list. k6 (Go) cannot restrict TLS 1.3 suites and
 * ignores them; c6 honours them. A list of only one kind leaves the other
 * kind's defaults alone, so listing 1.2 suites does not turn TLS 1.3 off. */
static void tls_config_suites(const c6_options *o, tls_config *t) {
    if (!o->tls_cipher_suites_set) return;
    for (size_t i = 0; i < o->ntls_cipher_suites; i++) {
        const tls_suite *s = tls_suite_by_name(o->tls_cipher_suites[i]);
        if (!s) continue; /* options.c rejected unknown names */
        tls_list_add(tls_suite_is13(s) ? &t->tls13_ciphers : &t->cipher_list, s->ossl);
    }
}

/* Loads a tlsAuth entry's PEM blocks as tlsio.c will, so that a wrong
 * block or passphrase stops the run before it starts. */
static int tls_check_pair(const c6_tls_auth *a, size_t i, char *err, size_t errlen) {
    int rc = 0;
    BIO *cb = BIO_new_mem_buf(a->cert, -1), *kb = BIO_new_mem_buf(a->key, -1);
    X509 *x = cb ? PEM_read_bio_X509(cb, NULL, NULL, NULL) : NULL;
    EVP_PKEY *k = kb ? PEM_read_bio_PrivateKey(kb, NULL, NULL, a->password ? a->password : (char *)"") : NULL;
    if (!x) rc = err_set(err, errlen, "options.tlsAuth[%zu].cert: not a PEM certificate", i);
    else if (!k)
        rc = err_set(err, errlen, "options.tlsAuth[%zu].key: not a PEM private key%s", i,
                     a->password ? " (or a wrong password)" : " (an encrypted key needs `password`)");
    else if (X509_check_private_key(x, k) != 1)
        rc = err_set(err, errlen, "options.tlsAuth[%zu]: the key does not belong to the certificate", i);
    X509_free(x);
    EVP_PKEY_free(k);
    BIO_free(cb);
    BIO_free(kb);
    ERR_clear_error();
    return rc;
}

static int tls_config_certs(const c6_options *o, tls_config *t, char *err, size_t errlen) {
    if (!o->tls_auth_set || !o->ntls_auth) return 0;
    t->certs = xrealloc(NULL, o->ntls_auth * sizeof *t->certs);
    for (size_t i = 0; i < o->ntls_auth; i++) {
        const c6_tls_auth *a = &o->tls_auth[i];
        tls_cert *c = &t->certs[t->ncerts++];
        memset(c, 0, sizeof *c);
        if (tls_check_pair(a, i, err, errlen)) return -1;
        c->cert = tls_strdup(a->cert);
        c->key = tls_strdup(a->key);
        c->password = a->password ? tls_strdup(a->password) : NULL;
        c->domains = a->ndomains ? xrealloc(NULL, a->ndomains * sizeof(char *)) : NULL;
        for (size_t d = 0; d < a->ndomains; d++) c->domains[c->ndomains++] = tls_strdup(a->domains[d]);
    }
    return 0;
}

static const char *tls_env(char *const *envp, const char *key) {
    size_t n = strlen(key);
    for (; envp && *envp; envp++)
        if (strncmp(*envp, key, n) == 0 && (*envp)[n] == '=' && (*envp)[n + 1]) return *envp + n + 1;
    return NULL;
}

tls_config *tls_config_new(const c6_options *o, char *const *envp, char *err, size_t errlen) {
    if (err && errlen) err[0] = 0;
    const char *ca_file = tls_env(envp, "SSL_CERT_FILE"), *ca_dir = tls_env(envp, "SSL_CERT_DIR");
    if (!o->tls_version_set && !o->tls_cipher_suites_set && !(o->tls_auth_set && o->ntls_auth) && !ca_file && !ca_dir)
        return NULL;
    tls_config *t = calloc(1, sizeof *t);
    if (!t) {
        err_set(err, errlen, "out of memory");
        return NULL;
    }
    if (tls_config_versions(o, t, err, errlen) || tls_config_certs(o, t, err, errlen)) {
        tls_config_free(t);
        return NULL;
    }
    tls_config_suites(o, t);
    t->ca_file = ca_file ? tls_strdup(ca_file) : NULL;
    t->ca_dir = ca_dir ? tls_strdup(ca_dir) : NULL;
    return t;
}

void tls_config_free(tls_config *t) {
    if (!t) return;
    free(t->cipher_list);
    free(t->tls13_ciphers);
    for (size_t i = 0; i < t->ncerts; i++) {
        tls_cert *c = &t->certs[i];
        free(c->cert);
        free(c->key);
        free(c->password);
        for (size_t d = 0; d < c->ndomains; d++) free(c->domains[d]);
        free(c->domains);
    }
    free(t->certs);
    free(t->ca_file);
    free(t->ca_dir);
    free(t->extra_ca_pem);
    free(t);
}

/* ---- client certificates ---- */

/* A domain matches the host exactly (any case) or, written "*.example.com",
 * any one label in front of example.com. */
static bool tls_domain_matches(const char *dom, const char *host, size_t hl) {
    size_t dl = strlen(dom);
    if (dl == hl && strncasecmp(dom, host, hl) == 0) return true;
    if (dl > 2 && dom[0] == '*' && dom[1] == '.') {
        const char *dot = memchr(host, '.', hl);
        size_t rest = dot ? hl - (size_t)(dot - host) : 0;
        return dot && dot > host && rest == dl - 1 && strncasecmp(dot, dom + 1, rest) == 0;
    }
    return false;
}

int tls_cert_index(const tls_config *t, const char *host, size_t hl) {
    int any = -1;
    for (size_t i = 0; t && i < t->ncerts; i++) {
        const tls_cert *c = &t->certs[i];
        if (!c->ndomains && any < 0) any = (int)i;
        for (size_t d = 0; d < c->ndomains; d++)
            if (tls_domain_matches(c->domains[d], host, hl)) return (int)i;
    }
    return any;
}

/* ---- session details ---- */

/* Go's zero time as Unix seconds: what k6 reports for a time an OCSP
 * response leaves out (k6 calls .Unix() on it). */
#define GO_ZERO_UNIX (-62135596800LL)

static int64_t tls_asn1_unix(const ASN1_GENERALIZEDTIME *t) {
    struct tm tm;
    if (!t || ASN1_TIME_to_tm(t, &tm) != 1) return GO_ZERO_UNIX;
    return (int64_t)timegm(&tm);
}

static const char *tls_revocation_reason(int r) {
    static const char *const names[] = {
        "unspecified",     "key_compromise",         "ca_compromise",    "affiliation_changed",
        "superseded",      "cessation_of_operation", "certificate_hold", "",
        "remove_from_crl", "privilege_withdrawn",    "aa_compromise",
    };
    if (r < 0) r = 0; /* not revoked: Go's zero value, "unspecified" */
    return r < (int)(sizeof names / sizeof names[0]) ? names[r] : "";
}

/* A stapled OCSP response as k6 shows it: its first certificate status and
 * times in Unix seconds (k6's "millisecond" documentation notwithstanding,
 * it reports seconds). Unparseable or unsuccessful: status stays unknown. */
static void tls_parse_ocsp(const unsigned char *der, long len, tls_ocsp *o) {
    const unsigned char *p = der;
    OCSP_RESPONSE *resp = d2i_OCSP_RESPONSE(NULL, &p, len);
    OCSP_BASICRESP *bs =
        resp && OCSP_response_status(resp) == OCSP_RESPONSE_STATUS_SUCCESSFUL ? OCSP_response_get1_basic(resp) : NULL;
    OCSP_SINGLERESP *sr = bs ? OCSP_resp_get0(bs, 0) : NULL;
    if (sr) {
        int reason = -1;
        ASN1_GENERALIZEDTIME *rev = NULL, *thisupd = NULL, *nextupd = NULL;
        int st = OCSP_single_get0_status(sr, &reason, &rev, &thisupd, &nextupd);
        o->status = st == V_OCSP_CERTSTATUS_GOOD ? "good" : st == V_OCSP_CERTSTATUS_REVOKED ? "revoked" : "unknown";
        o->revocation_reason = tls_revocation_reason(reason);
        o->produced_at = tls_asn1_unix(OCSP_resp_get0_produced_at(bs));
        o->this_update = tls_asn1_unix(thisupd);
        o->next_update = tls_asn1_unix(nextupd);
        o->revoked_at = tls_asn1_unix(rev);
    }
    OCSP_BASICRESP_free(bs);
    OCSP_RESPONSE_free(resp);
    ERR_clear_error();
}

/* The stapled response is the connection's: it is parsed once, on the
 * connection's first hop, and kept with the SSL object. */
static int tls_ocsp_index = -1;
static const tls_ocsp TLS_OCSP_UNKNOWN = {0, 0, 0, 0, "unknown", ""};

static void tls_ocsp_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp) {
    (void)parent;
    (void)ad;
    (void)idx;
    (void)argl;
    (void)argp;
    free(ptr);
}

static void tls_ocsp_index_init(void) { tls_ocsp_index = SSL_get_ex_new_index(0, NULL, NULL, NULL, tls_ocsp_free); }

static const tls_ocsp *tls_session_ocsp(SSL *ssl) {
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, tls_ocsp_index_init);
    if (tls_ocsp_index < 0) return &TLS_OCSP_UNKNOWN;
    tls_ocsp *o = SSL_get_ex_data(ssl, tls_ocsp_index);
    if (o) return o;
    const unsigned char *der = NULL;
    long len = SSL_get_tlsext_status_ocsp_resp(ssl, &der);
    if (!der || len <= 0) return &TLS_OCSP_UNKNOWN; /* nothing stapled: nothing to keep */
    o = malloc(sizeof *o);
    if (!o) return &TLS_OCSP_UNKNOWN;
    *o = TLS_OCSP_UNKNOWN;
    tls_parse_ocsp(der, len, o);
    if (!SSL_set_ex_data(ssl, tls_ocsp_index, o)) {
        static __thread tls_ocsp last; /* not kept: hand out a copy */
        last = *o;
        free(o);
        return &last;
    }
    return o;
}

void tls_info_clear(tls_info *out) {
    out->version = 0;
    out->cipher[0] = 0;
    out->ocsp = (tls_ocsp){0, 0, 0, 0, "", ""};
}

void tls_read_ssl(SSL *ssl, tls_info *out) {
    out->version = SSL_version(ssl);
    const SSL_CIPHER *c = SSL_get_current_cipher(ssl);
    out->cipher[0] = 0;
    if (c) {
        uint16_t id = (uint16_t)SSL_CIPHER_get_protocol_id(c);
        const char *name = NULL;
        const tls_suite *s = tls_suite_by_id(id);
        if (s) name = s->go;
        if (!name) name = SSL_CIPHER_standard_name(c); /* outside k6's list: the IANA name */
        snprintf(out->cipher, sizeof out->cipher, "%s", name ? name : "");
    }
    out->ocsp = *tls_session_ocsp(ssl);
}

/* ---- errors ---- */

/* OpenSSL's alert wording -> Go's, where they differ. */
static const char *tls_go_alert(const char *ossl, size_t n) {
    static const struct {
        const char *ossl, *go;
    } map[] = {
        {"unknown ca", "unknown certificate authority"},
        {"certificate expired", "expired certificate"},
        {"certificate revoked", "revoked certificate"},
        {"certificate unknown", "unknown certificate"},
        {"protocol version", "protocol version not supported"},
        {"decode error", "error decoding message"},
        {"decrypt error", "error decrypting message"},
        {"insufficient security", "insufficient security level"},
        {"bad record mac", "bad record MAC"},
        {"user cancelled", "user canceled"},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strlen(map[i].ossl) == n && strncmp(map[i].ossl, ossl, n) == 0) return map[i].go;
    return NULL;
}

/* "...:SSL routines::tlsv13 alert certificate required, errno 0" -> the
 * alert's words ("certificate required"), or NULL. */
static const char *tls_alert_in(const char *detail, size_t *n) {
    const char *a = strstr(detail, " alert ");
    if (!a) return NULL;
    a += 7;
    *n = strcspn(a, ",\n");
    return *n ? a : NULL;
}

/* A certificate the handshake rejected, in Go's words and k6's codes. */
static int tls_verify_error(long vr, char *msg, size_t n) {
    switch (vr) {
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE: snprintf(msg, n, "x509: unknown authority"); return 1310;
    case X509_V_ERR_HOSTNAME_MISMATCH:
    case X509_V_ERR_IP_ADDRESS_MISMATCH: snprintf(msg, n, "x509: certificate doesn't match hostname"); return 1311;
    case X509_V_ERR_CERT_HAS_EXPIRED:
    case X509_V_ERR_CERT_NOT_YET_VALID:
        /* Go's CertificateInvalidError: no code of its own in k6 */
        snprintf(msg, n, "x509: certificate has expired or is not yet valid");
        return 1000;
    default: snprintf(msg, n, "tls: failed to verify certificate: %s", X509_verify_cert_error_string(vr)); return 1300;
    }
}

/* The server refused the handshake with an alert: Go reports a net.OpError
 * without a network, which k6 files as 1010. */
static int tls_alert_error(const char *alert, size_t an, char *msg, size_t n) {
    const char *go = tls_go_alert(alert, an);
    if (go) snprintf(msg, n, "remote error: tls: %s", go);
    else snprintf(msg, n, "remote error: tls: %.*s", (int)an, alert);
    return 1010;
}

static bool tls_not_tls(const char *detail) {
    return strstr(detail, "wrong version number") || strstr(detail, "packet length too long");
}

int tls_classify_ssl(long vr, const char *detail, char *msg, size_t n) {
    size_t an = 0;
    const char *alert = tls_alert_in(detail, &an);
    if (alert) return tls_alert_error(alert, an, msg, n);
    if (vr != X509_V_OK) return tls_verify_error(vr, msg, n);
    if (tls_not_tls(detail)) {
        snprintf(msg, n, "tls: first record does not look like a TLS handshake");
        return 1301;
    }
    snprintf(msg, n, "tls: handshake failed: %s", detail);
    return 1300;
}
