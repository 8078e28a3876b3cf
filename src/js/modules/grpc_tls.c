/* k6/net/grpc: connect()'s tls param {cert, key, password, cacerts}
 * (client.go buildTLSConfigFromMap/buildTLSConfig): a TLS context of the
 * client's own, on the run's TLS options (versions, suites,
 * insecureSkipTLSVerify, SSL_CERT_FILE/SSL_CERT_DIR) with the client
 * certificate and the CA certificates given. As k6, cacerts are added to
 * the system's roots (x509.SystemCertPool plus AppendCertsFromPEM), and the
 * PEM inputs are checked first with k6's and Go's messages. */
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "exec/test.h"
#include "js/modules/grpc.h"
#include "net/tls.h"
#include "util/buf.h"

static char *grpc_tls_str(JSContext *ctx, JSValueConst obj, const char *name, bool *bad) {
    JSValue v = JS_GetPropertyStr(ctx, obj, name);
    char *out = NULL;
    if (JS_IsString(v)) {
        const char *s = JS_ToCString(ctx, v);
        out = s ? strdup(s) : NULL;
        if (!out) *bad = true;
        JS_FreeCString(ctx, s);
    }
    JS_FreeValue(ctx, v);
    return out;
}

/* Whether pem holds at least one certificate (AppendCertsFromPEM's ok) */
static bool grpc_tls_has_cert(const char *pem, size_t len) {
    BIO *b = BIO_new_mem_buf(pem, (int)len);
    X509 *c = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
    bool ok = c != NULL;
    X509_free(c);
    BIO_free(b);
    ERR_clear_error();
    return ok;
}

/* cacerts: a string or an array of strings, joined into one PEM text;
 * an entry without a certificate fails as buildTLSConfig's
 * "failed to append ca certificate [i] from PEM". */
static int grpc_tls_cacerts(JSContext *ctx, JSValueConst tls, char **out, char *err, size_t n) {
    JSValue v = JS_GetPropertyStr(ctx, tls, "cacerts");
    int rc = 0;
    *out = NULL;
    buf all = {0};
    if (JS_IsUndefined(v) || JS_IsNull(v) || !(JS_IsString(v) || JS_IsArray(ctx, v) > 0)) goto out;
    uint32_t len = 1;
    bool arr = !JS_IsString(v);
    if (arr) {
        JSValue l = JS_GetPropertyStr(ctx, v, "length");
        JS_ToUint32(ctx, &len, l);
        JS_FreeValue(ctx, l);
    }
    for (uint32_t i = 0; i < len && rc == 0; i++) {
        JSValue e = arr ? JS_GetPropertyUint32(ctx, v, i) : JS_DupValue(ctx, v);
        size_t sl = 0;
        const char *s = JS_IsString(e) ? JS_ToCStringLen(ctx, &sl, e) : NULL;
        if (!s || !grpc_tls_has_cert(s, sl)) {
            snprintf(err, n, "failed to append ca certificate [%u] from PEM", i);
            rc = -1;
        } else if (buf_append(&all, s, sl) || buf_append(&all, "\n", 1)) {
            snprintf(err, n, "out of memory");
            rc = -1;
        }
        JS_FreeCString(ctx, s);
        JS_FreeValue(ctx, e);
    }
    if (rc == 0 && all.len) {
        *out = all.p; /* buf keeps its text NUL-terminated */
        all.p = NULL;
    }
out:
    buf_free(&all);
    JS_FreeValue(ctx, v);
    return rc;
}

/* The PEM blocks of in, in order: each block's type and DER bytes (and
 * its headers) handed to fn until it returns non-zero. */
typedef int (*grpc_pem_fn)(void *arg, const char *type, const char *hdr, const unsigned char *der, long len);
static int grpc_tls_pem_each(const char *in, grpc_pem_fn fn, void *arg) {
    BIO *b = BIO_new_mem_buf(in, -1);
    int rc = 0;
    char *name, *hdr;
    unsigned char *der;
    long len;
    while (b && rc == 0 && PEM_read_bio(b, &name, &hdr, &der, &len) == 1) {
        rc = fn(arg, name, hdr, der, len);
        OPENSSL_free(name);
        OPENSSL_free(hdr);
        OPENSSL_free(der);
    }
    ERR_clear_error();
    BIO_free(b);
    return rc;
}

typedef struct grpc_pem_scan {
    bool want_key;     /* a "... PRIVATE KEY" block, else a CERTIFICATE one */
    char skipped[256]; /* the types passed over, Go's %v of a []string */
    int nskipped;
    bool last_was_key;  /* the one skipped block was a key / a certificate */
    unsigned char *der; /* the block found */
    long len;
    char *hdr;
    bool oom;
} grpc_pem_scan;

static int grpc_tls_scan(void *arg, const char *type, const char *hdr, const unsigned char *der, long len) {
    grpc_pem_scan *s = arg;
    size_t tl = strlen(type);
    bool key = strcmp(type, "PRIVATE KEY") == 0 || (tl > 12 && strcmp(type + tl - 12, " PRIVATE KEY") == 0);
    if (s->want_key ? key : strcmp(type, "CERTIFICATE") == 0) {
        s->der = OPENSSL_memdup(der, (size_t)len);
        s->hdr = OPENSSL_strdup(hdr ? hdr : "");
        s->len = len;
        s->oom = !s->der || !s->hdr;
        return 1;
    }
    size_t sl = strlen(s->skipped);
    snprintf(s->skipped + sl, sizeof s->skipped - sl, "%s%s", s->nskipped ? " " : "", type);
    s->last_was_key = s->want_key ? strcmp(type, "CERTIFICATE") == 0 : key;
    s->nskipped++;
    return 0;
}

static void grpc_tls_scan_free(grpc_pem_scan *s) {
    OPENSSL_free(s->der);
    OPENSSL_free(s->hdr);
}

/* The key's first PEM block decrypted with password, as client.go's
 * decryptPrivateKey (x509.DecryptPEMBlock) does; its messages. On success
 * *key is replaced by the block re-encoded without encryption. */
static int grpc_tls_decrypt(char **key, const char *password, char *err, size_t n) {
    BIO *b = BIO_new_mem_buf(*key, -1);
    char *name = NULL, *hdr = NULL;
    unsigned char *data = NULL;
    long len = 0;
    int rc = -1;
    EVP_CIPHER_INFO ci;
    if (!b || PEM_read_bio(b, &name, &hdr, &data, &len) != 1) snprintf(err, n, "failed to decode PEM key");
    else if (strcmp(name, "ENCRYPTED PRIVATE KEY") == 0)
        snprintf(err, n, "encrypted pkcs8 formatted key is not supported");
    else if (!strstr(hdr, "DEK-Info:")) snprintf(err, n, "x509: no DEK-Info header in block");
    else if (!PEM_get_EVP_CIPHER_INFO(hdr, &ci)) snprintf(err, n, "x509: unknown encryption mode");
    else if (!PEM_do_header(&ci, data, &len, NULL, (void *)password))
        snprintf(err, n, "x509: decryption password incorrect");
    else {
        BIO *o = BIO_new(BIO_s_mem());
        char *p = NULL;
        long ol = o && PEM_write_bio(o, name, "", data, len) > 0 ? BIO_get_mem_data(o, &p) : 0;
        char *plain = ol > 0 ? strndup(p, (size_t)ol) : NULL;
        if (!plain) snprintf(err, n, "out of memory");
        else {
            free(*key);
            *key = plain;
            rc = 0;
        }
        BIO_free(o);
    }
    ERR_clear_error();
    OPENSSL_free(name);
    OPENSSL_free(hdr);
    OPENSSL_free(data);
    BIO_free(b);
    return rc;
}

/* tls.X509KeyPair's checks and messages (Go crypto/tls), behind client.go's
 * "failed to append certificate from PEM: " */
static int grpc_tls_pair(const char *cert, const char *key, char *err, size_t n) {
    static const char pre[] = "failed to append certificate from PEM: tls: ";
    grpc_pem_scan c = {.want_key = false}, k = {.want_key = true};
    int rc = -1;
    X509 *x = NULL;
    EVP_PKEY *pk = NULL;
    grpc_tls_pem_each(cert, grpc_tls_scan, &c);
    grpc_tls_pem_each(key, grpc_tls_scan, &k);
    if (c.oom || k.oom) {
        snprintf(err, n, "out of memory");
        goto out;
    }
    if (!c.der) {
        if (!c.nskipped) snprintf(err, n, "%sfailed to find any PEM data in certificate input", pre);
        else if (c.nskipped == 1 && c.last_was_key)
            snprintf(err, n,
                     "%sfailed to find certificate PEM data in certificate input, but did find a private key; PEM "
                     "inputs may have been switched",
                     pre);
        else
            snprintf(err, n,
                     "%sfailed to find \"CERTIFICATE\" PEM block in certificate input after skipping PEM blocks of "
                     "the following types: [%s]",
                     pre, c.skipped);
        goto out;
    }
    if (!k.der) {
        if (!k.nskipped) snprintf(err, n, "%sfailed to find any PEM data in key input", pre);
        else if (k.nskipped == 1 && k.last_was_key)
            snprintf(err, n, "%sfound a certificate rather than a key in the PEM for the private key", pre);
        else
            snprintf(err, n,
                     "%sfailed to find PEM block with type ending in \"PRIVATE KEY\" in key input after skipping PEM "
                     "blocks of the following types: [%s]",
                     pre, k.skipped);
        goto out;
    }
    const unsigned char *p = c.der;
    if (!(x = d2i_X509(NULL, &p, c.len))) {
        snprintf(err, n, "failed to append certificate from PEM: x509: malformed certificate");
        goto out;
    }
    p = k.der;
    /* an encrypted block's bytes (no password given) do not parse either */
    if (strstr(k.hdr, "DEK-Info:") || !(pk = d2i_AutoPrivateKey(NULL, &p, k.len))) {
        snprintf(err, n, "%sfailed to parse private key", pre);
        goto out;
    }
    if (X509_check_private_key(x, pk) != 1) {
        snprintf(err, n, "%sprivate key does not match public key", pre);
        goto out;
    }
    rc = 0;
out:
    ERR_clear_error();
    X509_free(x);
    EVP_PKEY_free(pk);
    grpc_tls_scan_free(&c);
    grpc_tls_scan_free(&k);
    return rc;
}

int grpc_tls_ctx(JSContext *ctx, vu *v, JSValueConst tls, tlsio_ctx **out, tls_config **cfg_out, char *err, size_t n) {
    *out = NULL;
    *cfg_out = NULL;
    err[0] = 0;
    tls_config *cfg = calloc(1, sizeof *cfg);
    if (!cfg) {
        snprintf(err, n, "out of memory");
        return -1;
    }
    const tls_config *run = v->test ? v->test->tls : NULL;
    bool bad = false;
    if (run) {
        cfg->min_version = run->min_version;
        cfg->max_version = run->max_version;
        cfg->cipher_list = run->cipher_list ? strdup(run->cipher_list) : NULL;
        cfg->tls13_ciphers = run->tls13_ciphers ? strdup(run->tls13_ciphers) : NULL;
        /* the system's roots as Go's SystemCertPool finds them */
        cfg->ca_file = run->ca_file ? strdup(run->ca_file) : NULL;
        cfg->ca_dir = run->ca_dir ? strdup(run->ca_dir) : NULL;
        bad = (run->cipher_list && !cfg->cipher_list) || (run->tls13_ciphers && !cfg->tls13_ciphers) ||
              (run->ca_file && !cfg->ca_file) || (run->ca_dir && !cfg->ca_dir);
    }
    char *cert = grpc_tls_str(ctx, tls, "cert", &bad), *key = grpc_tls_str(ctx, tls, "key", &bad);
    char *pass = grpc_tls_str(ctx, tls, "password", &bad);
    if (bad) snprintf(err, n, "out of memory");
    /* client.go: the key decrypted first when a password is given, then the pair */
    else if (pass && pass[0] && grpc_tls_decrypt(key ? &key : &(char *){NULL}, pass, err, n)) bad = true;
    else if (cert && key && cert[0] && key[0] && grpc_tls_pair(cert, key, err, n)) bad = true;
    else if (cert && key && cert[0] && key[0]) {
        cfg->certs = calloc(1, sizeof *cfg->certs);
        if (!cfg->certs) {
            snprintf(err, n, "out of memory");
            bad = true;
        } else {
            cfg->ncerts = 1;
            cfg->certs[0].cert = cert;
            cfg->certs[0].key = key;
            cert = key = NULL;
        }
    }
    free(cert);
    free(key);
    free(pass);
    if (!bad && grpc_tls_cacerts(ctx, tls, &cfg->extra_ca_pem, err, n) == 0) {
        bool insecure = v->test && v->test->insecure_skip_tls_verify;
        char why[300];
        if (!(*out = tlsio_ctx_new(cfg, insecure, (const unsigned char *)"\x02h2", 3, why, sizeof why)))
            snprintf(err, n, "%s", why);
    }
    if (!*out) {
        tls_config_free(cfg);
        return -1;
    }
    *cfg_out = cfg;
    return 0;
}
