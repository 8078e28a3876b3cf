/* TLS on the coordinator-agent connection (OpenSSL). The coordinator
 * (--tls-cert/--tls-key) serves TLS to every agent; an agent (--tls,
 * --tls-ca FILE, --insecure) verifies the coordinator's certificate against
 * the CA file, else the system's (SSL_CERT_FILE honoured), and its name
 * against the address it dialled, unless --insecure. TLS 1.2 at least. The
 * token is still checked: TLS keeps it and the test secret on the wire. */
#ifndef C6_DIST_TLS_H
#define C6_DIST_TLS_H
#include <stdbool.h>
#include <stddef.h>
#include <openssl/types.h>

/* The coordinator's context from a PEM certificate (chain) and key; NULL
 * with err. */
SSL_CTX *dist_tls_server_ctx(const char *cert, const char *key, char *err, size_t errlen);
/* An agent's context: ca (a PEM file; NULL: the system's), or no
 * verification at all (insecure). NULL with err. */
SSL_CTX *dist_tls_client_ctx(const char *ca, bool insecure, char *err, size_t errlen);
/* A session on a connected non-blocking fd; host: the name or address the
 * agent dialled (its certificate must match it unless the context does not
 * verify), NULL on the coordinator's side. NULL when out of memory. */
SSL *dist_tls_session(SSL_CTX *ctx, int fd, const char *host);
/* One step of the handshake: 1 done, 0 to be continued when fd is readable
 * (or writable), -1 failed with err (the verification's reason when that
 * is why). */
int dist_tls_handshake(SSL *ssl, char *err, size_t errlen);
/* The whole handshake, waiting for the peer up to timeout_ms. 0, or -1 with err. */
int dist_tls_handshake_wait(SSL *ssl, int fd, int timeout_ms, char *err, size_t errlen);
/* The session's end (close_notify when it can go at once) and free; NULL is fine. */
void dist_tls_close(SSL *ssl);
#endif
