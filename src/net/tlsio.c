/* TLS over memory BIOs (see tlsio.h). The read BIO holds ciphertext the
 * caller fed and OpenSSL has not consumed yet; the write BIO collects what
 * OpenSSL wants sent until the caller takes it. Both are plain memory BIOs:
 * a connection's steady state is one copy in (tlsio_feed) and none out
 * (tlsio_out hands out the BIO's own bytes). */
#include "net/tlsio.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <arpa/inet.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct tlsio_ctx {
    SSL_CTX *ssl;
    const tls_config *cfg; /* tlsAuth domains; the run's, outlives the context */
    X509 **certs;          /* cfg->certs parsed, same order */
    EVP_PKEY **keys;
    size_t ncerts;
};

struct tlsio {
    SSL *ssl;
    BIO *in, *out;       /* owned by ssl */
    SSL_SESSION **cache; /* the caller's session slot, or NULL */
    long verify;         /* SSL_get_verify_result at the failure */
    char err[200];       /* OpenSSL's reason for the failure */
};

/* ---- the session cache: new tickets go to the connection's slot ---- */

static int tlsio_index = -1;

static void tlsio_index_init(void) { tlsio_index = SSL_get_ex_new_index(0, NULL, NULL, NULL, NULL); }

static int tlsio_new_session(SSL *ssl, SSL_SESSION *s) {
    tlsio *t = SSL_get_ex_data(ssl, tlsio_index);
    if (!t || !t->cache || !SSL_SESSION_is_resumable(s)) return 0;
    SSL_SESSION_free(*t->cache);
    *t->cache = s;
    return 1; /* the slot owns the reference now */
}

void tlsio_session_free(SSL_SESSION *s) { SSL_SESSION_free(s); }

/* ---- context ---- */

static int tlsio_fail(char *err, size_t n, const char *what) {
    unsigned long e = ERR_peek_last_error();
    const char *why = e ? ERR_reason_error_string(e) : NULL;
    snprintf(err, n, "%s%s%s", what, why ? ": " : "", why ? why : "");
    ERR_clear_error();
    return -1;
}

/* tlsAuth pairs were checked by tls_config_new; here they are parsed once
 * so that a connection only takes references. */
static int tlsio_ctx_certs(tlsio_ctx *x, const tls_config *cfg, char *err, size_t n) {
    if (!cfg || !cfg->ncerts) return 0;
    x->certs = calloc(cfg->ncerts, sizeof *x->certs);
    x->keys = calloc(cfg->ncerts, sizeof *x->keys);
    if (!x->certs || !x->keys) return tlsio_fail(err, n, "out of memory");
    x->ncerts = cfg->ncerts;
    for (size_t i = 0; i < cfg->ncerts; i++) {
        const tls_cert *c = &cfg->certs[i];
        BIO *cb = BIO_new_mem_buf(c->cert, -1), *kb = BIO_new_mem_buf(c->key, -1);
        x->certs[i] = cb ? PEM_read_bio_X509(cb, NULL, NULL, NULL) : NULL;
        x->keys[i] = kb ? PEM_read_bio_PrivateKey(kb, NULL, NULL, c->password ? c->password : (char *)"") : NULL;
        BIO_free(cb);
        BIO_free(kb);
        if (!x->certs[i] || !x->keys[i]) return tlsio_fail(err, n, "options.tlsAuth: cannot load a certificate");
    }
    return 0;
}

/* Certificates of cfg->extra_ca_pem added to the store, as Go's
 * CertPool.AppendCertsFromPEM does to a copy of the system pool. */
static int tlsio_ctx_trust_extra(tlsio_ctx *x, const char *pem, char *err, size_t n) {
    BIO *b = BIO_new_mem_buf(pem, -1);
    X509_STORE *st = SSL_CTX_get_cert_store(x->ssl);
    if (!b || !st) {
        BIO_free(b);
        return tlsio_fail(err, n, "cannot load CA certificates");
    }
    X509 *c;
    int rc = 0;
    while (rc == 0 && (c = PEM_read_bio_X509(b, NULL, NULL, NULL))) {
        if (X509_STORE_add_cert(st, c) != 1) rc = tlsio_fail(err, n, "cannot load CA certificates");
        X509_free(c);
    }
    ERR_clear_error(); /* the end of the input */
    BIO_free(b);
    return rc;
}

static int tlsio_ctx_trust(tlsio_ctx *x, const tls_config *cfg, char *err, size_t n) {
    const char *file = cfg ? cfg->ca_file : NULL, *dir = cfg ? cfg->ca_dir : NULL;
    if (!file && !dir) {
        if (SSL_CTX_set_default_verify_paths(x->ssl) != 1)
            return tlsio_fail(err, n, "cannot load the system's CA certificates");
    } else if (SSL_CTX_load_verify_locations(x->ssl, file, dir) != 1) {
        char what[300];
        snprintf(what, sizeof what, "cannot load CA certificates from %s", file ? file : dir);
        return tlsio_fail(err, n, what);
    }
    return cfg && cfg->extra_ca_pem ? tlsio_ctx_trust_extra(x, cfg->extra_ca_pem, err, n) : 0;
}

static int tlsio_ctx_setup(tlsio_ctx *x, const tls_config *cfg, bool insecure, const unsigned char *alpn,
                           size_t alpn_len, char *err, size_t n) {
    SSL_CTX *s = x->ssl;
    if (cfg && cfg->min_version && SSL_CTX_set_min_proto_version(s, cfg->min_version) != 1)
        return tlsio_fail(err, n, "options.tlsVersion: min");
    if (cfg && cfg->max_version && SSL_CTX_set_max_proto_version(s, cfg->max_version) != 1)
        return tlsio_fail(err, n, "options.tlsVersion: max");
    if (cfg && cfg->cipher_list && SSL_CTX_set_cipher_list(s, cfg->cipher_list) != 1)
        return tlsio_fail(err, n, "options.tlsCipherSuites");
    if (cfg && cfg->tls13_ciphers && SSL_CTX_set_ciphersuites(s, cfg->tls13_ciphers) != 1)
        return tlsio_fail(err, n, "options.tlsCipherSuites");
    if (alpn && SSL_CTX_set_alpn_protos(s, alpn, (unsigned)alpn_len) != 0) return tlsio_fail(err, n, "ALPN");
    SSL_CTX_set_tlsext_status_type(s, TLSEXT_STATUSTYPE_ocsp); /* Go's client asks for stapling too */
    SSL_CTX_set_session_cache_mode(s, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
    SSL_CTX_sess_set_new_cb(s, tlsio_new_session);
    SSL_CTX_set_verify(s, insecure ? SSL_VERIFY_NONE : SSL_VERIFY_PEER, NULL);
    if (!insecure && tlsio_ctx_trust(x, cfg, err, n)) return -1;
    return tlsio_ctx_certs(x, cfg, err, n);
}

tlsio_ctx *tlsio_ctx_new(const tls_config *cfg, bool insecure, const unsigned char *alpn, size_t alpn_len, char *err,
                         size_t errlen) {
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, tlsio_index_init);
    tlsio_ctx *x = calloc(1, sizeof *x);
    if (!x || !(x->ssl = SSL_CTX_new(TLS_client_method()))) {
        free(x);
        tlsio_fail(err, errlen, "cannot create a TLS context");
        return NULL;
    }
    x->cfg = cfg;
    if (tlsio_index < 0 || tlsio_ctx_setup(x, cfg, insecure, alpn, alpn_len, err, errlen)) {
        if (tlsio_index < 0) snprintf(err, errlen, "cannot create a TLS context");
        tlsio_ctx_free(x);
        return NULL;
    }
    return x;
}

void tlsio_ctx_free(tlsio_ctx *x) {
    if (!x) return;
    for (size_t i = 0; i < x->ncerts; i++) {
        X509_free(x->certs[i]);
        EVP_PKEY_free(x->keys[i]);
    }
    free(x->certs);
    free(x->keys);
    SSL_CTX_free(x->ssl);
    free(x);
}

/* ---- connection ---- */

static int tlsio_peer(SSL *ssl, const char *host, size_t hl) {
    char name[256];
    if (hl >= sizeof name) return -1;
    memcpy(name, host, hl);
    name[hl] = 0;
    unsigned char a[16];
    if (inet_pton(AF_INET, name, a) == 1 || inet_pton(AF_INET6, name, a) == 1) /* no SNI for addresses */
        return X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), name) == 1 ? 0 : -1;
    if (SSL_set_tlsext_host_name(ssl, name) != 1) return -1;
    return SSL_set1_host(ssl, name) == 1 ? 0 : -1;
}

tlsio *tlsio_new(tlsio_ctx *x, const char *host, size_t hl, SSL_SESSION **cache) {
    tlsio *t = calloc(1, sizeof *t);
    if (!t) return NULL;
    t->cache = cache;
    BIO *in = BIO_new(BIO_s_mem()), *out = BIO_new(BIO_s_mem());
    if (!in || !out || !(t->ssl = SSL_new(x->ssl))) {
        BIO_free(in);
        BIO_free(out);
        goto fail;
    }
    SSL_set_bio(t->ssl, in, out); /* the SSL owns them from here */
    t->in = in;
    t->out = out;
    SSL_set_connect_state(t->ssl);
    if (!SSL_set_ex_data(t->ssl, tlsio_index, t) || tlsio_peer(t->ssl, host, hl)) goto fail;
    int ci = x->ncerts ? tls_cert_index(x->cfg, host, hl) : -1;
    if (ci >= 0 && (SSL_use_certificate(t->ssl, x->certs[ci]) != 1 || SSL_use_PrivateKey(t->ssl, x->keys[ci]) != 1))
        goto fail;
    if (cache && *cache) SSL_set_session(t->ssl, *cache);
    return t;
fail:
    SSL_free(t->ssl);
    free(t);
    ERR_clear_error();
    return NULL;
}

int tlsio_set_alpn(tlsio *t, const unsigned char *alpn, size_t alpn_len) {
    return SSL_set_alpn_protos(t->ssl, alpn, alpn ? (unsigned)alpn_len : 0) == 0 ? 0 : -1;
}

void tlsio_free(tlsio *t) {
    if (!t) return;
    SSL_free(t->ssl); /* and its BIOs */
    free(t);
}

/* Records why the last call failed; the error queue is the thread's and is
 * left empty for the next connection. */
static int tlsio_failed(tlsio *t, int ret) {
    int e = SSL_get_error(t->ssl, ret);
    if (e == SSL_ERROR_WANT_READ) return TLSIO_AGAIN;
    if (e == SSL_ERROR_ZERO_RETURN) return TLSIO_CLOSED;
    unsigned long code = ERR_peek_last_error();
    const char *why = code ? ERR_reason_error_string(code) : NULL;
    snprintf(t->err, sizeof t->err, "%s", why ? why : e == SSL_ERROR_SYSCALL ? "unexpected EOF" : "internal error");
    t->verify = SSL_get_verify_result(t->ssl);
    ERR_clear_error();
    return TLSIO_ERR;
}

int tlsio_feed(tlsio *t, const void *p, size_t n) { return n == 0 || BIO_write(t->in, p, (int)n) == (int)n ? 0 : -1; }

int tlsio_handshake(tlsio *t) {
    int rc = SSL_do_handshake(t->ssl);
    return rc == 1 ? TLSIO_OK : tlsio_failed(t, rc);
}

int tlsio_read(tlsio *t, void *p, size_t n) {
    int rc = SSL_read(t->ssl, p, (int)(n > INT32_MAX ? INT32_MAX : n));
    return rc > 0 ? rc : tlsio_failed(t, rc);
}

bool tlsio_pending(tlsio *t) { return SSL_pending(t->ssl) > 0; }

int tlsio_write(tlsio *t, const void *p, size_t n) {
    /* a memory BIO takes everything: SSL_write never stops half-way */
    while (n) {
        int chunk = n > (1u << 30) ? 1 << 30 : (int)n;
        int rc = SSL_write(t->ssl, p, chunk);
        if (rc <= 0) {
            tlsio_failed(t, rc);
            return TLSIO_ERR;
        }
        p = (const char *)p + rc;
        n -= (size_t)rc;
    }
    return TLSIO_OK;
}

size_t tlsio_out(tlsio *t, const char **p) {
    char *d = NULL;
    long n = BIO_get_mem_data(t->out, &d);
    *p = d;
    return n > 0 ? (size_t)n : 0;
}

/* A memory BIO's reset clears its whole capacity, which only grows: after
 * a large write (a big request body) the BIO is replaced instead, so that
 * later resets stay small. */
#define TLSIO_OUT_KEEP (32 * 1024)

void tlsio_out_sent(tlsio *t) {
    char *d;
    BIO *fresh;
    if (BIO_get_mem_data(t->out, &d) > TLSIO_OUT_KEEP && (fresh = BIO_new(BIO_s_mem())) != NULL) {
        SSL_set0_wbio(t->ssl, fresh); /* frees the old one */
        t->out = fresh;
        return;
    }
    (void)BIO_reset(t->out);
}

bool tlsio_alpn_is(tlsio *t, const char *proto) {
    const unsigned char *p = NULL;
    unsigned n = 0;
    SSL_get0_alpn_selected(t->ssl, &p, &n);
    return p && n == strlen(proto) && memcmp(p, proto, n) == 0;
}

int tlsio_error(const tlsio *t, char *msg, size_t n) { return tls_classify_ssl(t->verify, t->err, msg, n); }

void tlsio_info(tlsio *t, tls_info *out) { tls_read_ssl(t->ssl, out); }
