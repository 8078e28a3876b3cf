/* A client connection over TLS: tlsio (memory BIOs) driven from the
 * libuv stream. */
#include "net/tlsconn.h"
#include "net/client_int.h"

#include <stdio.h>
#include "util/clock.h"

/* ---- https: the same flow over a TLS session ----
 *
 * Ciphertext arrives in http1_on_read, goes into the session and comes out as
 * plaintext into the same read buffer (the session copied it), which
 * http1_got_bytes parses as for plain http. Whatever the session wants sent sits
 * in its buffer until tlsconn_flush writes it; one write at a time, like the
 * plain path. */

/* k6's offer, h2 first; a server that takes h2 gets an nghttp2 session.
 * A connection marked http11 (NTLM after an h2 challenge,
 * h1_client_http11_only) offers HTTP/1.1 only. */
static const unsigned char ALPN_BOTH[] = "\x02h2\x08http/1.1";
static const unsigned char ALPN_H1[] = "\x08http/1.1";

tlsio_ctx *tlsconn_ctx(h1_client *c) {
    if (!c->tctx && !c->tctx_err[0])
        c->tctx = tlsio_ctx_new(c->tcfg, c->insecure, ALPN_BOTH, sizeof ALPN_BOTH - 1, c->tctx_err, sizeof c->tctx_err);
    return c->tctx;
}

/* Fails k's request with the session's error in k6's terms. */
static void tlsconn_fail(h1_conn *k) {
    char msg[256];
    int code = tlsio_error(k->tls, msg, sizeof msg);
    k->r->tls_code = code;
    client_conn_fail(k, H1_ERR_TLS, 0, "%s", msg);
}

/* A failure while k has no request, or while it has one. */
static void tlsconn_io_failed(h1_conn *k, int err) {
    if (k->state == CK_H2) {
        h2_lost(k, err == UV_ECONNRESET || err == UV_EPIPE ? H1_ERR_RESET : H1_ERR_OTHER, err, uv_strerror(err), 0);
        return;
    }
    if (k->r && k->state == CK_BUSY) http1_write_failed(k, err);
    else if (k->r) client_conn_fail(k, H1_ERR_OTHER, err, "write: %s", uv_strerror(err));
    else client_conn_close(k);
}

/* Sends what the session queued. Returns 0 when all of it went out now, 1
 * while a write is in flight (http1_on_write continues), -1 when k failed. */
int tlsconn_flush(h1_conn *k) {
    if (k->writing) return 1;
    size_t n;
    int rc = tlsconn_push(k->tls, (uv_stream_t *)&k->tcp, &k->wpend, &k->req.write, http1_on_write, &n);
    if (!n) return 0; /* nothing was waiting */
    tlsconn_count_out(k, n);
    if (rc == 0) {
        k->wrote_any = 1;
        return 0;
    }
    if (rc < 0) {
        tlsconn_io_failed(k, rc);
        return -1;
    }
    if (rc == 2) k->wrote_any = 1;
    k->writing = 1;
    return 1;
}

void tlsconn_on_write(h1_conn *k, int status) {
    if (status == UV_ECANCELED || k->state == CK_CLOSING) return;
    if (status < 0) {
        tlsconn_io_failed(k, status);
        return;
    }
    if (tlsconn_flush(k) != 0) return;
    h1_request *r = k->r;
    if (r && k->state == CK_BUSY && !r->t_sent_) r->t_sent_ = clock_now_us();
}

/* The request goes out in one record when it is small: head and body
 * together in the scratch buffer. */
void tlsconn_send(h1_conn *k, h1_request *r, size_t hlen) {
    buf *wb = &k->c->wbuf;
    size_t blen = r->has_body ? r->body_len : 0;
    int rc;
    k->wrote_any = 0;
    if (blen && blen <= 16384 && buf_reserve(wb, hlen + blen) == 0) {
        memcpy(wb->p + hlen, r->body, blen);
        rc = tlsio_write(k->tls, wb->p, hlen + blen);
    } else {
        rc = tlsio_write(k->tls, wb->p, hlen);
        if (rc == TLSIO_OK && blen) rc = tlsio_write(k->tls, r->body, blen);
    }
    if (rc != TLSIO_OK) {
        tlsconn_fail(k);
        return;
    }
    if (tlsconn_flush(k) == 0) r->t_sent_ = clock_now_us();
}

/* Handshake progress; once done, the request goes out. */
static void tlsconn_step(h1_conn *k) {
    int rc = tlsio_handshake(k->tls);
    if (rc == TLSIO_ERR) {
        tlsconn_flush(k); /* the alert, if any: best effort */
        if (k->state != CK_CLOSING) tlsconn_fail(k);
        return;
    }
    if (tlsconn_flush(k) < 0 || rc == TLSIO_AGAIN) return;
    h1_request *r = k->r;
    tlsio_info(k->tls, &k->tinfo);
    if (tlsio_alpn_is(k->tls, "h2")) {
        h2_ready(k);
        return;
    }
    if (k->in_h2list || k->queue) { /* the host speaks HTTP/1.1 now: one request per connection */
        k->host->h2 = 0;
        h2_requeue(k);
    }
    r->t_ready_ = clock_now_us();
    k->state = CK_BUSY;
    http1_conn_send(k, r);
}

tlsio *tlsconn_open(h1_client *c, const char *host, size_t hl, struct ssl_session_st **cache, int http11, int *code,
                    char *msg, size_t n) {
    tlsio_ctx *x = tlsconn_ctx(c);
    tlsio *t;
    if (!x) {
        *code = TLSCONN_HANDSHAKE_FAILED;
        snprintf(msg, n, "tls: %s", c->tctx_err);
        return NULL;
    }
    if (!(t = tlsio_new(x, host, hl, cache)) || (http11 && tlsio_set_alpn(t, ALPN_H1, sizeof ALPN_H1 - 1))) {
        tlsio_free(t);
        *code = 0;
        snprintf(msg, n, "out of memory");
        return NULL;
    }
    return t;
}

int tlsconn_handshake_lost(ssize_t n, char *msg, size_t len) {
    snprintf(msg, len, "tls: handshake failed: %s", n == UV_EOF ? "EOF" : uv_strerror((int)n));
    return TLSCONN_HANDSHAKE_FAILED;
}

void tlsconn_start(h1_conn *k) {
    h1_request *r = k->r;
    h1_host *h = k->host;
    char msg[256];
    int code;
    r->t_tcp_ = clock_now_us();
    k->state = CK_HANDSHAKE;
    if (!(k->tls = tlsconn_open(k->c, h->name, h->namelen, &h->sess, k->http11, &code, msg, sizeof msg))) {
        r->tls_code = code;
        client_conn_fail(k, code ? H1_ERR_TLS : H1_ERR_OTHER, code ? 0 : UV_ENOMEM, "%s", msg);
        return;
    }
    tlsconn_step(k);
}

/* A piece of plaintext for k: the response's bytes while a request is
 * being served; otherwise (idle: close_notify, stray bytes) the end of k. */
static int tlsconn_got(void *ud, const char *p, size_t n) {
    h1_conn *k = ud;
    if (k->state != CK_BUSY) {
        client_conn_close(k);
        return 1;
    }
    return http1_got_bytes(k, p, n);
}

/* Plaintext the session has: into the request's response. Stops when the
 * request ended, the session needs more input, or failed. */
static void tlsconn_drain(h1_conn *k) {
    int rc = tlsconn_pull(k->tls, k->c->rbuf, READ_BUF_SIZE, tlsconn_got, k);
    if (rc == 1) return;
    if (rc < 0) {
        if (k->state != CK_BUSY) client_conn_close(k);
        else if (rc == TLSIO_CLOSED) http1_read_failed(k, UV_EOF);
        else tlsconn_fail(k);
        return;
    }
    tlsconn_flush(k); /* post-handshake replies (key update) */
}

void tlsconn_on_read(h1_conn *k, ssize_t n, const char *p) {
    if (k->state == CK_H2) {
        h2_on_read(k, n, p);
        return;
    }
    if (n < 0) {
        if (k->state == CK_HANDSHAKE) {
            char msg[256];
            k->r->tls_code = tlsconn_handshake_lost(n, msg, sizeof msg);
            client_conn_fail(k, H1_ERR_TLS, (int)n, "%s", msg);
        } else if (k->state == CK_BUSY) {
            http1_read_failed(k, (int)n);
        } else {
            client_conn_close(k);
        }
        return;
    }
    tlsconn_count_in(k, (size_t)n);
    if (tlsio_feed(k->tls, p, (size_t)n)) {
        if (k->r) client_conn_fail(k, H1_ERR_OTHER, UV_ENOMEM, "%s", "out of memory");
        else client_conn_close(k);
        return;
    }
    if (k->state == CK_HANDSHAKE) {
        tlsconn_step(k);
        if (k->state != CK_BUSY) return;
    }
    tlsconn_drain(k);
}
/* Wire bytes of k: the request being dialed for, else the newest stream,
 * else carried to the next one (SETTINGS, PING, WINDOW_UPDATE between
 * requests). With one stream at a time (a VU's usual flow) the split is
 * exact; with several in flight the connection's total is. */
void tlsconn_count_in(h1_conn *k, size_t n) {
    if (k->r) k->r->wire_in_ += n;
    else if (k->h2.streams) h2_first(k)->wire_in_ += n;
    else k->carry_in += n;
}

void tlsconn_count_out(h1_conn *k, size_t n) {
    if (k->r) k->r->bytes_sent += n;
    else if (k->h2.streams) h2_first(k)->bytes_sent += n;
    else if (k->h2.ng) k->carry_out += n;
}
