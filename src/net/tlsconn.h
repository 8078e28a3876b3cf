/* What every TLS connection of net/'s clients shares, whoever owns it
 * (net/tlsconn.c's HTTP connections, net/ws.c's wss://): the session
 * opened on the client's context, k6's code and text for what fails before
 * the session exists or while its handshake runs, and the byte path
 * between the libuv stream and the session (tlsconn_push out, tlsconn_pull
 * in). One place for them, so a TLS fix is made once. */
#ifndef C6_NET_TLSCONN_H
#define C6_NET_TLSCONN_H
#include <stddef.h>
#include <sys/types.h>
#include <uv.h>
#include "net/client.h"
#include "net/tlsio.h"
#include "util/buf.h"

enum { TLSCONN_HANDSHAKE_FAILED = 1300 }; /* k6's TLS handshake error code */

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

/* Sends the ciphertext the session has queued on stream s. What the socket
 * does not take at once is copied to pend and written with req and cb; one
 * write at a time: call it only when none is in flight (ciphertext made
 * meanwhile waits in the session; the write's callback calls again).
 * *handed: bytes taken from the session (the wire bytes to count). Returns
 * 0 (all of it sent; nothing if *handed is 0), a write in flight: 1 (the
 * socket took none at once) or 2 (it took part), or a libuv error.
 * Inline: it is on the HTTPS hot path. */
static inline int tlsconn_push(tlsio *t, uv_stream_t *s, buf *pend, uv_write_t *req, uv_write_cb cb, size_t *handed) {
    const char *p;
    size_t n = tlsio_out(t, &p);
    *handed = n;
    if (!n) return 0;
    uv_buf_t b = uv_buf_init((char *)p, (unsigned)n);
    int w = uv_try_write(s, &b, 1);
    if (w == UV_EAGAIN) w = 0;
    if (w < 0) {
        tlsio_out_sent(t);
        return w;
    }
    if ((size_t)w == n) {
        tlsio_out_sent(t);
        return 0;
    }
    buf_clear(pend);
    int oom = buf_append(pend, p + w, n - (size_t)w);
    tlsio_out_sent(t);
    if (oom) return UV_ENOMEM;
    b = uv_buf_init(pend->p, (unsigned)(n - (size_t)w));
    int rc = uv_write(req, s, &b, 1, cb);
    return rc ? rc : w ? 2 : 1;
}

/* The plaintext the session has, read into scratch (cap bytes) and handed
 * to got(ud, p, n) piece by piece until the session needs more input (0),
 * got returns nonzero (1: its owner is done with the connection for now),
 * or the session ended: TLSIO_CLOSED (the peer's close_notify) or
 * TLSIO_ERR (tlsio_error says why). Inline, so each owner's loop is
 * compiled with its own got. */
static inline int tlsconn_pull(tlsio *t, char *scratch, size_t cap, int (*got)(void *ud, const char *p, size_t n),
                               void *ud) {
    for (;;) {
        int n = tlsio_read(t, scratch, cap);
        if (n == TLSIO_AGAIN) return 0;
        if (n < 0) return n;
        if (got(ud, scratch, (size_t)n)) return 1;
    }
}

#endif
