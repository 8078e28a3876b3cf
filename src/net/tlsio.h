/* TLS over any byte stream with OpenSSL memory BIOs: the caller moves the
 * bytes (libuv reads and writes), tlsio turns them into plaintext and back.
 * No socket, no loop, no callbacks: one tlsio per connection, one
 * tlsio_ctx per worker thread built from the run's TLS options.
 *
 * Driving a connection: after every call that can produce output
 * (tlsio_handshake, tlsio_write, tlsio_read) the caller sends what
 * tlsio_out returns and then calls tlsio_out_sent; ciphertext that arrives
 * goes in with tlsio_feed. A call that fails (TLSIO_ERR) leaves k6's error
 * code and message in tlsio_error. */
#ifndef C6_NET_TLSIO_H
#define C6_NET_TLSIO_H
#include <stdbool.h>
#include <stddef.h>
#include "net/tls.h"

typedef struct tlsio_ctx tlsio_ctx;
typedef struct tlsio tlsio;
struct ssl_session_st;

enum { TLSIO_OK = 0, TLSIO_AGAIN = -1, TLSIO_CLOSED = -2, TLSIO_ERR = -3 };

/* The worker's context: version bounds, suites, trust store (SSL_CERT_FILE
 * / SSL_CERT_DIR from cfg, else the system's), tlsAuth pairs parsed once,
 * certificate checks unless insecure, a stapled OCSP response asked for,
 * ALPN protocols in wire form ("\x08http/1.1"; NULL: none). cfg may be
 * NULL (defaults). Returns NULL with err set on failure. */
tlsio_ctx *tlsio_ctx_new(const tls_config *cfg, bool insecure, const unsigned char *alpn, size_t alpn_len, char *err,
                         size_t errlen);
void tlsio_ctx_free(tlsio_ctx *x);

/* A client connection to host[0..hl) (a name or an IP literal, without
 * brackets): SNI for names, the certificate checked against the name or
 * address, the tlsAuth certificate chosen for the host. *cache, when given,
 * is the session resumed from and replaced by the server's new tickets; the
 * caller keeps it and frees it with SSL_SESSION_free (tlsio_session_free).
 * NULL when out of memory. */
tlsio *tlsio_new(tlsio_ctx *x, const char *host, size_t hl, struct ssl_session_st **cache);
/* Offers these ALPN protocols (wire form; NULL: none) on t instead of the
 * context's: WebSocket needs HTTP/1.1 from a context that also offers h2.
 * Before the handshake; -1 on failure. */
int tlsio_set_alpn(tlsio *t, const unsigned char *alpn, size_t alpn_len);
/* Frees t; queues no close_notify (connections here end by closing). */
void tlsio_free(tlsio *t);
void tlsio_session_free(struct ssl_session_st *s);

/* Ciphertext from the peer. Returns 0, or -1 when out of memory. */
int tlsio_feed(tlsio *t, const void *p, size_t n);
/* Advances the handshake: TLSIO_OK (done), TLSIO_AGAIN (needs input), TLSIO_ERR. */
int tlsio_handshake(tlsio *t);
/* Plaintext into p: > 0 bytes, TLSIO_AGAIN (needs input), TLSIO_CLOSED (the
 * peer's close_notify), TLSIO_ERR. */
int tlsio_read(tlsio *t, void *p, size_t n);
/* Whether plaintext is buffered that tlsio_read would return now. */
bool tlsio_pending(tlsio *t);
/* Encrypts p[0..n) in full: TLSIO_OK or TLSIO_ERR. */
int tlsio_write(tlsio *t, const void *p, size_t n);
/* Ciphertext waiting to be sent: its length, *p pointing at it until the
 * next tlsio call. */
size_t tlsio_out(tlsio *t, const char **p);
/* The ciphertext tlsio_out showed was taken (sent or copied). */
void tlsio_out_sent(tlsio *t);

/* Whether ALPN settled on proto (a NUL-terminated name). */
bool tlsio_alpn_is(tlsio *t, const char *proto);
/* After TLSIO_ERR: k6's code (1010, 1300, 1301, 1310, 1311, ...) and message. */
int tlsio_error(const tlsio *t, char *msg, size_t n);
/* The session's version, suite and stapled OCSP response, as k6 shows them. */
void tlsio_info(tlsio *t, tls_info *out);

#endif
