/* What every TLS connection of net/'s clients shares, whoever moves its
 * bytes (net/tlsconn.c for the HTTP client's connections, net/ws.c for
 * k6/ws's wss://): the session opened on the client's context, and k6's
 * code and text for what fails before the session exists or while its
 * handshake runs. One place for them, so a TLS fix is made once. */
#ifndef C6_NET_TLSCONN_H
#define C6_NET_TLSCONN_H
#include <stddef.h>
#include <sys/types.h>
#include "net/client.h"
#include "net/tlsio.h"

enum { TLSCONN_HANDSHAKE_FAILED = 1300 };   /* k6's TLS handshake error code */

/* A session to host[0..hl) (a name or an IP literal without brackets) on
 * c's context, built on first use from h1_client_set_tls's options. ALPN
 * offers h2 and http/1.1, or http/1.1 alone when http11. cache: the
 * session resumed from and replaced by new tickets (NULL: none). NULL on
 * failure, with the message in msg and in *code k6's TLS code (1300: the
 * context could not be built) or 0 (out of memory). */
tlsio *tlsconn_open(h1_client *c, const char *host, size_t hl, struct ssl_session_st **cache, int http11, int *code,
                    char *msg, size_t n);

/* The connection ended or failed (libuv error n, UV_EOF included) during
 * the handshake: k6's code (1300) and "tls: handshake failed: EOF" in msg. */
int tlsconn_handshake_lost(ssize_t n, char *msg, size_t len);

#endif
