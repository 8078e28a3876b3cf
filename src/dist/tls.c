/* TLS on the coordinator-agent connection (see tls.h). */
#include "dist/tls.h"

#include <arpa/inet.h>
#include <errno.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include "util/clock.h"

/* OpenSSL's last error as text, after what. */
static void dist_tls_err(char *err, size_t errlen, const char *what) {
    unsigned long e = ERR_peek_last_error();
    char why[256] = "unknown error";
    if (e) ERR_error_string_n(e, why, sizeof why);
    snprintf(err, errlen, "%s: %s", what, why);
    ERR_clear_error();
}

static SSL_CTX *dist_tls_ctx(const SSL_METHOD *m, char *err, size_t errlen) {
    SSL_CTX *ctx = SSL_CTX_new(m);
    if (!ctx) {
        dist_tls_err(err, errlen, "cannot make a TLS context");
        return NULL;
    }
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    return ctx;
}

SSL_CTX *dist_tls_server_ctx(const char *cert, const char *key, char *err, size_t errlen) {
    SSL_CTX *ctx = dist_tls_ctx(TLS_server_method(), err, errlen);
    if (!ctx) return NULL;
    char what[600];
    if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) {
        snprintf(what, sizeof what, "cannot load the TLS certificate %s", cert);
    } else if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1) {
        snprintf(what, sizeof what, "cannot load the TLS key %s", key);
    } else if (SSL_CTX_check_private_key(ctx) != 1) {
        snprintf(what, sizeof what, "the TLS key %s does not match the certificate %s", key, cert);
    } else {
        return ctx;
    }
    dist_tls_err(err, errlen, what);
    SSL_CTX_free(ctx);
    return NULL;
}

SSL_CTX *dist_tls_client_ctx(const char *ca, bool insecure, char *err, size_t errlen) {
    SSL_CTX *ctx = dist_tls_ctx(TLS_client_method(), err, errlen);
    if (!ctx) return NULL;
    if (insecure) {
        SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
        return ctx;
    }
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    int ok = ca ? SSL_CTX_load_verify_locations(ctx, ca, NULL) : SSL_CTX_set_default_verify_paths(ctx);
    if (ok == 1) return ctx;
    char what[600];
    snprintf(what, sizeof what, "cannot load the CA certificates %s", ca ? ca : "of the system");
    dist_tls_err(err, errlen, what);
    SSL_CTX_free(ctx);
    return NULL;
}

SSL *dist_tls_session(SSL_CTX *ctx, int fd, const char *host) {
    SSL *ssl = SSL_new(ctx);
    if (!ssl) return NULL;
    SSL_set_fd(ssl, fd);
    if (!host) {
        SSL_set_accept_state(ssl);
        return ssl;
    }
    SSL_set_connect_state(ssl);
    unsigned char ip[16];
    bool is_ip = inet_pton(AF_INET, host, ip) == 1 || inet_pton(AF_INET6, host, ip) == 1;
    if (!is_ip) SSL_set_tlsext_host_name(ssl, host);
    if (SSL_CTX_get_verify_mode(ctx) != SSL_VERIFY_NONE) {
        X509_VERIFY_PARAM *vp = SSL_get0_param(ssl);
        if (is_ip ? X509_VERIFY_PARAM_set1_ip_asc(vp, host) != 1 : X509_VERIFY_PARAM_set1_host(vp, host, 0) != 1) {
            SSL_free(ssl);
            return NULL;
        }
    }
    return ssl;
}

int dist_tls_handshake(SSL *ssl, char *err, size_t errlen) {
    ERR_clear_error();
    errno = 0;
    int rc = SSL_do_handshake(ssl);
    if (rc == 1) return 1;
    int e = SSL_get_error(ssl, rc);
    if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) return 0;
    long v = SSL_get_verify_result(ssl);
    if (v != X509_V_OK) {
        snprintf(err, errlen, "TLS handshake failed: certificate verification: %s", X509_verify_cert_error_string(v));
        ERR_clear_error();
    } else if (e == SSL_ERROR_SYSCALL && !ERR_peek_last_error()) {
        snprintf(err, errlen, "TLS handshake failed: %s", errno ? strerror(errno) : "the connection was closed");
    } else {
        dist_tls_err(err, errlen, "TLS handshake failed");
    }
    return -1;
}

int dist_tls_handshake_wait(SSL *ssl, int fd, int timeout_ms, char *err, size_t errlen) {
    int64_t deadline = clock_now_us() + (int64_t)timeout_ms * 1000;
    for (;;) {
        int rc = dist_tls_handshake(ssl, err, errlen);
        if (rc) return rc > 0 ? 0 : -1;
        int left = (int)((deadline - clock_now_us()) / 1000);
        if (left <= 0) {
            snprintf(err, errlen, "TLS handshake failed: no answer in %d s", timeout_ms / 1000);
            return -1;
        }
        struct pollfd pf = {fd, SSL_want_write(ssl) ? POLLOUT : POLLIN, 0};
        poll(&pf, 1, left < 200 ? left : 200);
    }
}

void dist_tls_close(SSL *ssl) {
    if (!ssl) return;
    if (SSL_is_init_finished(ssl)) SSL_shutdown(ssl); /* (non-blocking: one try) */
    ERR_clear_error();
    SSL_free(ssl);
}
