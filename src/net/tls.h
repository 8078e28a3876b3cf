/* TLS for c6's HTTP client and k6/ws: k6's TLS options turned into
 * OpenSSL's values once per run (tls_config; tlsio.c builds each worker's
 * context from it; net/tlsconn.c and net/ws.c drive connections on it; the
 * version and cipher suite names are config/tlsnames.h's), what a
 * connection's session says (version, cipher suite, stapled OCSP response)
 * and TLS errors in k6's terms.
 *
 * Names are k6's: versions "ssl3.0" .. "tls1.3", cipher suites as Go names
 * them ("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"), OCSP statuses "good",
 * "revoked", "unknown", "server_failed". */
#ifndef C6_NET_TLS_H
#define C6_NET_TLS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "config/tlsnames.h"

struct c6_options;

/* ---- run-wide configuration ---- */

typedef struct tls_cert {
    char **domains; /* hosts this certificate is sent to (none: any host) */
    size_t ndomains;
    char *cert, *key; /* PEM */
    char *password;   /* the key's passphrase, or NULL */
} tls_cert;

typedef struct tls_config {
    int min_version, max_version; /* wire versions (0x0301..); 0: the library's default */
    char *cipher_list;            /* TLS 1.0-1.2 suites, OpenSSL names joined by ':'; NULL: default */
    char *tls13_ciphers;          /* TLS 1.3 suites; NULL: default */
    tls_cert *certs;              /* options.tlsAuth, in order */
    size_t ncerts;
    char *ca_file, *ca_dir; /* SSL_CERT_FILE / SSL_CERT_DIR, as Go reads them */
    char *extra_ca_pem;     /* PEM certificates trusted besides those roots (k6/net/grpc tls.cacerts) */
} tls_config;

/* Builds the configuration from tlsVersion, tlsCipherSuites and tlsAuth
 * (already checked for form by options.c; the PEM blocks are checked here
 * by loading them) and the SSL_CERT_FILE/SSL_CERT_DIR environment. Returns
 * NULL with err empty when nothing is configured (OpenSSL's defaults apply),
 * NULL with err set on a bad option (exit 104), or the configuration. */
tls_config *tls_config_new(const struct c6_options *o, char *const *envp, char *err, size_t errlen);
void tls_config_free(tls_config *t);

/* The tlsAuth entry for host[0..hl) (k6's choice: the first naming it,
 * else the first naming no domain); -1 when none applies. */
int tls_cert_index(const tls_config *t, const char *host, size_t hl);

/* ---- what a hop's session says ---- */

typedef struct tls_ocsp {
    int64_t produced_at, this_update, next_update, revoked_at; /* Unix ms; 0: none */
    const char *status;            /* "good", "revoked", "unknown", "server_failed"; "" no TLS */
    const char *revocation_reason; /* k6's name, "" when not revoked */
} tls_ocsp;

typedef struct tls_info {
    int version;     /* 0x0303..; 0: no TLS session seen */
    char cipher[64]; /* Go's suite name */
    tls_ocsp ocsp;
} tls_info;

/* What an OpenSSL session (a TLS connection's) says. */
struct ssl_st;
void tls_read_ssl(struct ssl_st *ssl, tls_info *out);
/* The values a Response shows when the hop had no TLS. */
void tls_info_clear(tls_info *out);

/* A failed handshake (or a TLS read) of a TLS connection as k6
 * reports it: verify_result is SSL_get_verify_result's, detail OpenSSL's
 * error text. Returns k6's code (1010, 1300, 1301, 1310, 1311, 1000) with
 * the message in msg. */
int tls_classify_ssl(long verify_result, const char *detail, char *msg, size_t n);

#endif
