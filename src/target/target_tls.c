/* HTTPS for `c6 target`: the certificate it serves (read from files or made
 * at start-up) and the client certificate behind /client-cert.
 *
 * MHD speaks TLS through GnuTLS and takes PEM text, so OpenSSL is only used
 * here to make and check that text; the per-connection side (the peer's
 * certificate) is read through the GnuTLS session MHD hands out. */
#include "target/target.h"

#include <errno.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <microhttpd.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TARGET_PEM_MAX   (1u << 20) /* larger "PEM" files are refused */
#define TARGET_CERT_DAYS 1
#define TARGET_CERT_SAN  "IP:127.0.0.1,IP:::1,DNS:localhost"

/* The first OpenSSL error as text, for messages. */
static const char *target_ossl_err(void) {
    static char msg[256];
    unsigned long e = ERR_get_error();

    ERR_clear_error();
    if (!e) return "unknown error";
    ERR_error_string_n(e, msg, sizeof(msg));
    return msg;
}

/* Reads a whole (small) file as a NUL-terminated string; NULL after a
 * message naming the option and the cause. */
static char *target_slurp(const char *path, const char *opt) {
    FILE *f = fopen(path, "rb");
    docbuf b = {0};
    char chunk[4096];
    size_t n;

    if (!f) {
        fprintf(stderr, "c6 target: %s '%s': %s\n", opt, path, strerror(errno));
        return NULL;
    }
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0 && b.b.len < TARGET_PEM_MAX) doc_put(&b, chunk, n);
    if (ferror(f) || b.b.len >= TARGET_PEM_MAX || b.oom) {
        fprintf(stderr, "c6 target: %s '%s': %s\n", opt, path,
                ferror(f) ? "read error"
                : b.oom   ? "out of memory"
                          : "file too large");
        fclose(f);
        doc_free(&b);
        return NULL;
    }
    fclose(f);
    doc_putc(&b, '\0');
    if (b.oom || memchr(b.b.p, '\0', b.b.len - 1)) {
        fprintf(stderr, "c6 target: %s '%s': not a PEM text file\n", opt, path);
        doc_free(&b);
        return NULL;
    }
    return b.b.p;
}

/* The memory BIO's contents as a malloc'ed NUL-terminated string. */
static char *target_bio_str(BIO *bio) {
    char *data, *s;
    long n = BIO_get_mem_data(bio, &data);

    if (n <= 0 || !(s = malloc((size_t)n + 1))) return NULL;
    memcpy(s, data, (size_t)n);
    s[n] = '\0';
    return s;
}

static int target_add_ext(X509 *x, X509V3_CTX *ctx, int nid, const char *v) {
    X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, ctx, nid, v);
    int ok = e && X509_add_ext(x, e, -1);

    X509_EXTENSION_free(e);
    return ok;
}

/* Fills a new certificate for key: self-issued, random serial, valid from
 * now for a day, usable as a TLS server certificate for the loopback
 * addresses and localhost. */
static int target_fill_cert(X509 *x, EVP_PKEY *key) {
    X509_NAME *name = X509_get_subject_name(x);
    BIGNUM *serial = BN_new();
    X509V3_CTX ctx;
    int ok;

    ok = serial && BN_rand(serial, 63, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) &&
         BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(x));
    BN_free(serial);
    ok = ok && X509_set_version(x, 2) && X509_gmtime_adj(X509_getm_notBefore(x), 0) &&
         X509_gmtime_adj(X509_getm_notAfter(x), 86400L * TARGET_CERT_DAYS) &&
         X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"c6 target", -1, -1, 0) &&
         X509_set_issuer_name(x, name) && X509_set_pubkey(x, key);
    if (!ok) return 0;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
    return target_add_ext(x, &ctx, NID_basic_constraints, "critical,CA:FALSE") &&
           target_add_ext(x, &ctx, NID_key_usage, "critical,digitalSignature") &&
           target_add_ext(x, &ctx, NID_ext_key_usage, "serverAuth") &&
           target_add_ext(x, &ctx, NID_subject_key_identifier, "hash") &&
           target_add_ext(x, &ctx, NID_subject_alt_name, TARGET_CERT_SAN) && X509_sign(x, key, EVP_sha256()) > 0;
}

/* A fresh EC P-256 key and a self-signed certificate for it, as PEM. */
static int target_selfsigned(char **cert, char **key) {
    EVP_PKEY *pk = EVP_EC_gen("P-256");
    X509 *x = X509_new();
    BIO *cb = BIO_new(BIO_s_mem()), *kb = BIO_new(BIO_s_mem());
    int ok;

    ok = pk && x && cb && kb && target_fill_cert(x, pk) && PEM_write_bio_X509(cb, x) &&
         PEM_write_bio_PrivateKey(kb, pk, NULL, NULL, 0, NULL, NULL) && (*cert = target_bio_str(cb)) &&
         (*key = target_bio_str(kb));
    if (!ok) fprintf(stderr, "c6 target: cannot make a self-signed certificate: %s\n", target_ossl_err());
    BIO_free(cb);
    BIO_free(kb);
    X509_free(x);
    EVP_PKEY_free(pk);
    return ok;
}

/* Encrypted keys are not supported: without this, OpenSSL would prompt on
 * the terminal for a password. */
static int target_no_password(char *buf, int size, int rwflag, void *u) {
    (void)buf, (void)size, (void)rwflag, (void)u;
    return -1;
}

/* Checks that cert holds a certificate and key the private key that goes
 * with it, so a mistake is reported with the file names rather than as
 * MHD's "cannot start". */
static int target_check_pair(const char *cert, const char *key, const char *cert_file, const char *key_file) {
    BIO *cb = BIO_new_mem_buf(cert, -1), *kb = BIO_new_mem_buf(key, -1);
    X509 *x = cb ? PEM_read_bio_X509(cb, NULL, NULL, NULL) : NULL;
    EVP_PKEY *pk = kb ? PEM_read_bio_PrivateKey(kb, NULL, target_no_password, NULL) : NULL;
    int ok = 0;

    if (!x) fprintf(stderr, "c6 target: --tls-cert '%s': no PEM certificate: %s\n", cert_file, target_ossl_err());
    else if (!pk)
        fprintf(stderr,
                "c6 target: --tls-key '%s': no unencrypted PEM private "
                "key: %s\n",
                key_file, target_ossl_err());
    else if (X509_check_private_key(x, pk) != 1)
        fprintf(stderr,
                "c6 target: --tls-key '%s' does not belong to the "
                "certificate in --tls-cert '%s'\n",
                key_file, cert_file);
    else ok = 1;
    ERR_clear_error();
    EVP_PKEY_free(pk);
    X509_free(x);
    BIO_free(kb);
    BIO_free(cb);
    return ok;
}

/* At least one certificate in the CA file, or a message. */
static int target_check_ca(const char *ca, const char *ca_file) {
    BIO *b = BIO_new_mem_buf(ca, -1);
    X509 *x = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;

    if (!x) fprintf(stderr, "c6 target: --tls-client-ca '%s': no PEM certificate: %s\n", ca_file, target_ossl_err());
    ERR_clear_error();
    X509_free(x);
    BIO_free(b);
    return x != NULL;
}

static int target_write_file(const char *path, const char *text) {
    FILE *f = fopen(path, "w");
    size_t n = strlen(text);

    if (!f || fwrite(text, 1, n, f) != n || fclose(f) != 0) {
        fprintf(stderr, "c6 target: --tls-cert-out '%s': %s\n", path, strerror(errno));
        if (f) fclose(f);
        return 0;
    }
    return 1;
}

int target_tls_load(struct target_tls *t, const struct target_tls_files *f) {
    t->fd = -1;
    if (f->cert) {
        if (!(t->cert = target_slurp(f->cert, "--tls-cert")) || !(t->key = target_slurp(f->key, "--tls-key")) ||
            !target_check_pair(t->cert, t->key, f->cert, f->key))
            return 0;
    } else if (!target_selfsigned(&t->cert, &t->key)) {
        return 0;
    }
    if (f->client_ca &&
        (!(t->ca = target_slurp(f->client_ca, "--tls-client-ca")) || !target_check_ca(t->ca, f->client_ca)))
        return 0;
    return !f->cert_out || target_write_file(f->cert_out, t->cert);
}

void target_tls_free(struct target_tls *t) {
    /* the key is secret: do not leave it in freed memory */
    if (t->key) OPENSSL_cleanse(t->key, strlen(t->key));
    free(t->key);
    free(t->cert);
    free(t->ca);
    t->key = t->cert = t->ca = NULL;
}

/* A certificate field (from gnutls_x509_crt_get_dn*) into out; "" if absent. */
static void target_crt_text(gnutls_x509_crt_t crt, const char *oid, char *out, size_t n) {
    size_t len = n;
    int rc = oid ? gnutls_x509_crt_get_dn_by_oid(crt, oid, 0, 0, out, &len) : gnutls_x509_crt_get_dn(crt, out, &len);

    if (rc < 0) out[0] = '\0';
}

int target_tls_peer(struct MHD_Connection *c, struct target_peer *p) {
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_GNUTLS_SESSION);
    gnutls_session_t sess = ci ? (gnutls_session_t)ci->tls_session : NULL;
    const gnutls_datum_t *certs;
    gnutls_x509_crt_t crt;
    gnutls_datum_t why;
    unsigned count = 0, status = 0;

    memset(p, 0, sizeof(*p));
    if (!sess) return TARGET_PEER_PLAIN;
    certs = gnutls_certificate_get_peers(sess, &count);
    if (!certs || count == 0) return TARGET_PEER_NONE;
    /* MHD asks for a certificate but leaves judging it to us: GnuTLS has
     * only checked that the client holds its key. */
    if (gnutls_certificate_verify_peers2(sess, &status) < 0) status = GNUTLS_CERT_INVALID;
    if (status) {
        if (gnutls_certificate_verification_status_print(status, GNUTLS_CRT_X509, &why, 0) == 0) {
            size_t n;

            snprintf(p->why, sizeof(p->why), "%s", (const char *)why.data);
            gnutls_free(why.data);
            /* GnuTLS ends its sentences with a space */
            for (n = strlen(p->why); n > 0 && p->why[n - 1] == ' '; n--) p->why[n - 1] = '\0';
        }
        return TARGET_PEER_UNTRUSTED;
    }
    if (gnutls_x509_crt_init(&crt) < 0) return TARGET_PEER_UNTRUSTED;
    if (gnutls_x509_crt_import(crt, &certs[0], GNUTLS_X509_FMT_DER) < 0) {
        gnutls_x509_crt_deinit(crt);
        snprintf(p->why, sizeof(p->why), "unreadable certificate");
        return TARGET_PEER_UNTRUSTED;
    }
    target_crt_text(crt, GNUTLS_OID_X520_COMMON_NAME, p->cn, sizeof(p->cn));
    target_crt_text(crt, NULL, p->subject, sizeof(p->subject));
    gnutls_x509_crt_deinit(crt);
    return TARGET_PEER_OK;
}
