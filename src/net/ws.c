/* WebSocket client on libuv (see ws.h).
 *
 * Life of a connection: RESOLVE (h1's DNS cache) -> CONNECT -> HANDSHAKE
 * (request written, answer read into c->hs) -> OPEN (frames) -> CLOSING
 * (our close frame went out; waiting for the peer's) -> DONE. A refused
 * handshake passes through BODY to read the error page before WS_EV_FAIL.
 * Over wss:// the TLS handshake runs while the state is still CONNECT.
 * The struct lives until ws_client_free has been called and libuv has
 * closed its handles (two timers, and the TCP handle once dialed). */
#include "net/ws.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include "net/dial.h"
#include "net/tlsconn.h"
#include "net/tlsio.h"
#include "util/url.h"
#include "util/clock.h"
#include "util/fifo.h"

#define WS_DEFAULT_TIMEOUT_MS 60000
#define WS_CLOSE_WAIT_MS      2000        /* how long our close waits for the peer's */
#define WS_MAX_HEAD           (64 * 1024) /* handshake answer's header block */
#define WS_MAX_ERR_BODY       (64 * 1024)
/* The write queue's bounds (see "the write queue" below). k6 has no queue
 * of its own (gorilla writes synchronously) but gives control frames a 10 s
 * write deadline (writeWait in k6's ws.go and websockets.go). */
#define WS_WRITE_WAIT_MS 10000
#define WS_WRITE_CHUNK   (256 * 1024)
#define WS_WQ_HIGH       (1024 * 1024)
#define WS_WQ_LOW        (256 * 1024)
#define WS_WQ_MAX        ((size_t)WS_MAX_MESSAGE + WS_MAX_HEADER)

enum { ST_NEW, ST_RESOLVE, ST_CONNECT, ST_HANDSHAKE, ST_BODY, ST_OPEN, ST_CLOSING, ST_DONE };

static void ws_fail(ws_client *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- TCP: the plain transport, and what the TLS one is built on ---- */

static void ws_tcp_on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *b) {
    static __thread char rbuf[64 * 1024]; /* consumed at once by the read callback */
    (void)h;
    (void)hint;
    *b = uv_buf_init(rbuf, sizeof rbuf);
}

static void ws_tcp_on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b) {
    ws_client *c = s->data;
    if (n == 0) return;
    if (n > 0) c->bytes_received += (uint64_t)n;
    ws_client_on_bytes(c, b->base, n);
}

/* Reading from the peer starts once TCP is up, pauses while our write
 * queue is over WS_WQ_HIGH (what it sends would only add answers to a
 * queue it does not drain) and resumes under WS_WQ_LOW. */
static int ws_read_start(ws_client *c, uv_read_cb cb) {
    c->read_cb = cb;
    return uv_read_start((uv_stream_t *)&c->tcp, ws_tcp_on_alloc, cb);
}

static void ws_tcp_on_connect(uv_connect_t *req, int status) {
    ws_client *c = req->data;
    if (status == 0) status = ws_read_start(c, ws_tcp_on_read);
    ws_client_on_connected(c, status);
}

static int ws_tcp_open(ws_client *c, const struct sockaddr *to, uv_connect_cb done) {
    enum dial_stage at;
    int rc = dial_tcp(c->loop, &c->tcp, &c->creq, c, c->local_addr, to, done, &at);
    if (at != DIAL_AT_INIT) {
        c->handles++;
        c->tcp_started = true;
    }
    return rc;
}

static int ws_tcp_connect(ws_client *c, const struct sockaddr *to) { return ws_tcp_open(c, to, ws_tcp_on_connect); }

/* ---- the write queue ----
 *
 * What the socket does not take at once waits in c->wq; one write at a
 * time is in flight (c->wfly, at most WS_WRITE_CHUNK bytes, so progress is
 * seen often). Bounded three ways: reading pauses over WS_WQ_HIGH queued
 * bytes (a ping flood cannot pile up pongs), a write that makes no progress
 * for WS_WRITE_WAIT_MS ends the connection as k6's write deadline does,
 * and a send that would queue more than WS_WQ_MAX is refused (the script
 * outruns a peer that does not read). */

/* Bytes waiting to go out: in flight plus behind it (over TLS, the
 * ciphertext waiting in the session). */
static size_t ws_wq_len(ws_client *c) {
    const char *p;
    if (c->tls) return c->wfly.len + tlsio_out(c->tls, &p);
    return c->wq.len - c->woff + c->wfly.len;
}

/* "write tcp <local>-><remote>: <why>", as Go's net.OpError says it. */
static void ws_write_err(ws_client *c, const char *why) {
    union {
        struct sockaddr sa;
        struct sockaddr_in in4;
        struct sockaddr_in6 in6;
        struct sockaddr_storage ss;
    } a;
    char local[64] = "", remote[64];
    int len = sizeof a;
    if (uv_tcp_getsockname(&c->tcp, &a.sa, &len) == 0) {
        char ip[46] = "";
        int port = 0;
        if (a.sa.sa_family == AF_INET6) {
            inet_ntop(AF_INET6, &a.in6.sin6_addr, ip, sizeof ip);
            port = ntohs(a.in6.sin6_port);
        } else {
            inet_ntop(AF_INET, &a.in4.sin_addr, ip, sizeof ip);
            port = ntohs(a.in4.sin_port);
        }
        snprintf(local, sizeof local, a.sa.sa_family == AF_INET6 ? "[%s]:%d" : "%s:%d", ip, port);
    }
    snprintf(remote, sizeof remote, strchr(c->remote_ip, ':') ? "[%s]:%d" : "%s:%d", c->remote_ip, c->port);
    ws_fail(c, "write tcp %s->%s: %s", local, remote, why);
}

static void ws_on_write_wait(uv_timer_t *t) { ws_write_err(t->data, "i/o timeout"); }

/* ---- bufferedAmount: messages the socket has not taken yet ----
 *
 * Positions in the wire stream (over TLS, the ciphertext): the kernel has
 * taken ws_taken() bytes, a counter that only grows; a message whose last
 * byte is at or before it has left. A message that did not leave at once
 * is remembered with its end position until then; past WS_PEND_MAX entries
 * the newest absorbs the next (the amount then drops in larger steps, the
 * memory stays bounded whatever the script sends). */
#define WS_PEND_MAX 4096

struct ws_pend {
    uint64_t end, n;
};

static uint64_t ws_taken(ws_client *c) {
    /* TLS counts ciphertext as sent when handed to the socket, in flight included */
    return c->tls && c->writing ? c->bytes_sent - c->wfly.len : c->bytes_sent;
}

static void ws_pend_add(ws_client *c, uint64_t n) {
    size_t q = ws_wq_len(c);
    if (!q || !n) return;
    uint64_t end = ws_taken(c) + q;
    if (c->pn - c->phead >= WS_PEND_MAX) {
        c->pend[c->pn - 1] = (struct ws_pend){end, c->pend[c->pn - 1].n + n};
    } else {
        struct ws_pend *p = fifo_room(c->pend, &c->phead, &c->pn, &c->pcap, sizeof *p);
        if (!p) return; /* out of memory: counted as gone */
        c->pend = p;
        c->pend[c->pn++] = (struct ws_pend){end, n};
    }
    c->pend_bytes += n;
}

uint64_t ws_client_buffered(ws_client *c) {
    uint64_t taken = ws_taken(c);
    while (c->phead < c->pn && c->pend[c->phead].end <= taken) c->pend_bytes -= c->pend[c->phead++].n;
    if (c->phead == c->pn) c->phead = c->pn = 0;
    return c->pend_bytes;
}

static void ws_tcp_on_write(uv_write_t *w, int status);
static int ws_tls_flush(ws_client *c);

/* Puts the next chunk in flight if none is. */
static int ws_wq_pump(ws_client *c) {
    if (c->writing || c->wq.len == c->woff) return 0;
    size_t n = c->wq.len - c->woff;
    if (c->woff == 0 && n <= WS_WRITE_CHUNK) { /* all of it: swap the buffers, no copy */
        buf t = c->wfly;
        c->wfly = c->wq;
        c->wq = t;
        buf_clear(&c->wq);
    } else {
        if (n > WS_WRITE_CHUNK) n = WS_WRITE_CHUNK;
        buf_clear(&c->wfly);
        if (buf_append(&c->wfly, c->wq.p + c->woff, n)) return UV_ENOMEM;
        c->woff += n;
        if (c->woff == c->wq.len) {
            buf_clear(&c->wq);
            c->woff = 0;
        } else if (c->woff >= c->wq.len / 2) {
            memmove(c->wq.p, c->wq.p + c->woff, c->wq.len - c->woff);
            c->wq.len -= c->woff;
            c->woff = 0;
        }
    }
    uv_buf_t b = uv_buf_init(c->wfly.p, (unsigned)c->wfly.len);
    c->wreq.data = c;
    int rc = uv_write(&c->wreq, (uv_stream_t *)&c->tcp, &b, 1, ws_tcp_on_write);
    if (rc) {
        buf_clear(&c->wfly);
        return rc;
    }
    c->writing = true;
    return 0;
}

/* After the queue changed: pause or resume reading, arm or stop the deadline. */
static void ws_wq_check(ws_client *c) {
    size_t q = ws_wq_len(c);
    if (q > WS_WQ_HIGH && !c->read_held && c->read_cb) {
        uv_read_stop((uv_stream_t *)&c->tcp);
        c->read_held = true;
    } else if (q <= WS_WQ_LOW && c->read_held) {
        c->read_held = false;
        int rc = uv_read_start((uv_stream_t *)&c->tcp, ws_tcp_on_alloc, c->read_cb);
        if (rc) {
            ws_fail(c, "websocket: read: %s", uv_strerror(rc));
            return;
        }
    }
    if (!q) uv_timer_stop(&c->wtimer);
    else if (!uv_is_active((uv_handle_t *)&c->wtimer))
        uv_timer_start(&c->wtimer, ws_on_write_wait, WS_WRITE_WAIT_MS, 0);
}

static void ws_tcp_on_write(uv_write_t *w, int status) {
    ws_client *c = w->data;
    c->writing = false;
    if (status == 0 && !c->tls) c->bytes_sent += c->wfly.len; /* TLS counts what it hands over */
    buf_clear(&c->wfly);
    if (status == UV_ECANCELED || c->state == ST_DONE) return;
    if (status < 0) {
        if (!c->read_held) return; /* the read side reports the broken connection, as before */
        char why[96];
        snprintf(why, sizeof why, "write: %s", uv_strerror(status));
        ws_write_err(c, why);
        return;
    }
    uv_timer_stop(&c->wtimer); /* progress: the deadline starts over */
    int rc = c->tls ? ws_tls_flush(c) : ws_wq_pump(c);
    if (rc) {
        ws_fail(c, "websocket: write: %s", uv_strerror(rc));
        return;
    }
    ws_wq_check(c);
}

/* Tries to write at once; what the socket does not take is queued. Bytes
 * count as sent once the kernel took them. */
static int ws_tcp_write(ws_client *c, const uv_buf_t *b, unsigned nb) {
    size_t total = 0;
    for (unsigned i = 0; i < nb; i++) total += b[i].len;
    if (ws_wq_len(c) + total > WS_WQ_MAX) return UV_ENOBUFS;
    int n = ws_wq_len(c) ? UV_EAGAIN : uv_try_write((uv_stream_t *)&c->tcp, b, nb);
    if (n < 0 && n != UV_EAGAIN) return n;
    size_t skip = n < 0 ? 0 : (size_t)n;
    c->bytes_sent += skip;
    if (skip == total) return 0;
    for (unsigned i = 0; i < nb; i++) {
        size_t len = b[i].len;
        if (skip >= len) {
            skip -= len;
            continue;
        }
        if (buf_append(&c->wq, b[i].base + skip, len - skip)) return UV_ENOMEM;
        skip = 0;
    }
    int rc = ws_wq_pump(c);
    if (rc) return rc;
    ws_wq_check(c);
    return 0;
}

static void ws_on_handle_closed(uv_handle_t *h) {
    ws_client *c = h->data;
    if (--c->handles == 0 && c->freed) {
        tlsio_free(c->tls);
        ws_reader_free(&c->rd);
        buf_free(&c->hs);
        buf_free(&c->wq);
        buf_free(&c->wfly);
        free(c->pend);
        buf_free(&c->resp_head);
        buf_free(&c->resp_body);
        free(c->path);
        free(c);
    }
}

/* Also the TLS transport's: the session is freed with the client, as a
 * read callback still running on it may have closed the connection. */
static void ws_tcp_close(ws_client *c) {
    if (!uv_is_closing((uv_handle_t *)&c->tcp)) uv_close((uv_handle_t *)&c->tcp, ws_on_handle_closed);
}

static const ws_transport ws_tcp = {ws_tcp_connect, ws_tcp_write, ws_tcp_close};

/* ---- TLS (wss://): TCP, then the TLS handshake through the worker's
 * tlsio context; the WebSocket layer sees plaintext only and the counts
 * are of ciphertext, handshake included ---- */

/* Sends what the session queued, through net/tlsconn.c's byte path (as
 * the HTTP client's connections do): one write in flight, ciphertext made
 * meanwhile waits in the session and goes out when that write is done
 * (ws_tcp_on_write calls again). The queue's bounds are the plain path's. */
static int ws_tls_flush(ws_client *c) {
    if (c->writing) {
        ws_wq_check(c);
        return 0;
    }
    size_t n;
    c->wreq.data = c;
    int rc = tlsconn_push(c->tls, (uv_stream_t *)&c->tcp, &c->wfly, &c->wreq, ws_tcp_on_write, &n);
    c->bytes_sent += n;
    if (rc < 0) return rc;
    c->writing = rc > 0;
    ws_wq_check(c);
    return 0;
}

/* The session failed: k6's text, as for HTTP (k6/ws has no error_code). */
static void ws_tls_failed(ws_client *c) {
    char msg[200];
    tlsio_error(c->tls, msg, sizeof msg);
    ws_fail(c, "%s", msg);
}

static void ws_tls_step(ws_client *c) {
    int rc = tlsio_handshake(c->tls);
    if (rc == TLSIO_ERR) {
        ws_tls_flush(c); /* the alert, if any: best effort */
        ws_tls_failed(c);
        return;
    }
    int w = ws_tls_flush(c);
    if (w) {
        ws_fail(c, "websocket: write: %s", uv_strerror(w));
        return;
    }
    if (rc == TLSIO_OK) ws_client_on_connected(c, 0);
}

/* A piece of plaintext for the WebSocket layer; 1 once the connection ended. */
static int ws_tls_got(void *ud, const char *p, size_t n) {
    ws_client *c = ud;
    ws_client_on_bytes(c, p, (ssize_t)n);
    return c->state == ST_DONE;
}

/* Plaintext the session has, to the WebSocket layer, until it needs more
 * input or the connection ended. */
static void ws_tls_drain(ws_client *c) {
    static __thread char plain[16 * 1024]; /* one record's worth; consumed at once */
    int rc = tlsconn_pull(c->tls, plain, sizeof plain, ws_tls_got, c);
    if (rc == 1) return;
    if (rc == TLSIO_CLOSED) {
        ws_client_on_bytes(c, NULL, UV_EOF);
        return;
    }
    if (rc == TLSIO_ERR) {
        ws_tls_failed(c);
        return;
    }
    int w = ws_tls_flush(c); /* post-handshake replies (key update) */
    if (w) ws_fail(c, "websocket: write: %s", uv_strerror(w));
}

static void ws_tls_on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b) {
    ws_client *c = s->data;
    if (n == 0 || c->state == ST_DONE) return;
    if (n < 0) {
        if (c->state == ST_CONNECT) {
            char msg[256];
            tlsconn_handshake_lost(n, msg, sizeof msg);
            ws_fail(c, "%s", msg);
            return;
        }
        ws_client_on_bytes(c, NULL, n);
        return;
    }
    c->bytes_received += (uint64_t)n;
    if (tlsio_feed(c->tls, b->base, (size_t)n)) {
        ws_fail(c, "websocket: out of memory");
        return;
    }
    if (c->state == ST_CONNECT) {
        ws_tls_step(c);
        if (c->state == ST_CONNECT || c->state == ST_DONE) return;
    }
    ws_tls_drain(c);
}

static void ws_tls_on_connect(uv_connect_t *req, int status) {
    ws_client *c = req->data;
    if (status == UV_ECANCELED || c->state != ST_CONNECT) return;
    if (status == 0) status = ws_read_start(c, ws_tls_on_read);
    if (status < 0) {
        ws_client_on_connected(c, status);
        return;
    }
    char msg[256];
    int code;
    if (!(c->tls = tlsconn_open(c->h1, c->host, strlen(c->host), NULL, 1, &code, msg, sizeof msg))) {
        if (code) ws_fail(c, "%s", msg);
        else ws_fail(c, "websocket: out of memory");
        return;
    }
    ws_tls_step(c);
}

static int ws_tls_connect(ws_client *c, const struct sockaddr *to) { return ws_tcp_open(c, to, ws_tls_on_connect); }

static int ws_tls_write(ws_client *c, const uv_buf_t *b, unsigned nb) {
    size_t total = 0;
    for (unsigned i = 0; i < nb; i++) total += b[i].len;
    if (ws_wq_len(c) + total > WS_WQ_MAX) return UV_ENOBUFS;
    for (unsigned i = 0; i < nb; i++)
        if (tlsio_write(c->tls, b[i].base, b[i].len) != TLSIO_OK) return UV_EPROTO;
    return ws_tls_flush(c);
}

static const ws_transport ws_tls = {ws_tls_connect, ws_tls_write, ws_tcp_close};

/* ---- events ---- */

static void ws_emit(ws_client *c, enum ws_event ev, const ws_msg *m) {
    if (!c->freed) c->cb(c, ev, m, c->ud);
}

/* Drops the connection and reports the end (once). */
static void ws_finish(ws_client *c, int code) {
    if (c->state == ST_DONE) return;
    bool was_open = c->state >= ST_OPEN;
    c->state = ST_DONE;
    uv_timer_stop(&c->timer);
    uv_timer_stop(&c->wtimer);
    if (c->tcp_started) c->tp->close(c);
    if (was_open) {
        c->close_code = code;
        ws_emit(c, WS_EV_END, NULL);
    }
}

static void ws_fail(ws_client *c, const char *fmt, ...) {
    if (c->state == ST_DONE) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->err, sizeof c->err, fmt, ap);
    va_end(ap);
    if (c->state < ST_OPEN) {
        c->state = ST_DONE;
        uv_timer_stop(&c->timer);
        uv_timer_stop(&c->wtimer);
        if (c->tcp_started) c->tp->close(c);
        ws_emit(c, WS_EV_FAIL, NULL);
        return;
    }
    ws_emit(c, WS_EV_ERROR, NULL);
    ws_finish(c, WS_CLOSE_ABNORMAL);
}

static void ws_on_timer(uv_timer_t *t) {
    ws_client *c = t->data;
    if (c->state == ST_CLOSING) {
        ws_finish(c, c->close_code ? c->close_code : WS_CLOSE_NO_STATUS);
        return;
    }
    if (c->state < ST_OPEN) ws_fail(c, "websocket: handshake with %s:%d timed out", c->host, c->port);
}

/* ---- writing frames ---- */

static uint64_t ws_next_rand(ws_client *c) {
    /* xorshift64*: masking keys need to be unpredictable to proxies, not secret */
    uint64_t x = c->rng;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    c->rng = x;
    return x * 2685821657736338717ull;
}

/* Header and masked payload go out as one buffer (over TLS: one record
 * for a small frame); masking works on a copy, small frames on the stack. */
static int ws_write_frame(ws_client *c, int opcode, const void *p, size_t n) {
    uint8_t key[4];
    uint32_t r = (uint32_t)ws_next_rand(c);
    memcpy(key, &r, 4);
    uint8_t small[WS_MAX_HEADER + 512];
    uint8_t *f = n <= sizeof small - WS_MAX_HEADER ? small : malloc(WS_MAX_HEADER + n);
    if (!f) return -1;
    size_t hl = ws_frame_header(f, opcode, n, key);
    if (n) memcpy(f + hl, p, n);
    ws_mask(f + hl, n, key, 0);
    uv_buf_t b = uv_buf_init((char *)f, (unsigned)(hl + n));
    int rc = c->tp->write(c, &b, 1);
    if (f != small) free(f);
    return rc;
}

int ws_client_send(ws_client *c, int opcode, const void *p, size_t n) {
    if (c->state != ST_OPEN) return -1;
    int rc = ws_write_frame(c, opcode, p, n);
    if (rc == 0) {
        if (opcode == WS_OP_TEXT || opcode == WS_OP_BINARY) ws_pend_add(c, n);
        return 0;
    }
    if (rc == UV_ENOBUFS)
        ws_fail(c, "websocket: send buffer full (%zu bytes queued that the peer has not taken)", ws_wq_len(c));
    else ws_fail(c, "websocket: write to %s:%d failed", c->host, c->port);
    return -1;
}

void ws_client_close(ws_client *c, int code, const char *reason) {
    if (c->state != ST_OPEN) return;
    uint8_t p[125];
    size_t n = 0;
    if (code > 0) {
        size_t rl = reason ? strlen(reason) : 0;
        if (rl > 123) rl = 123;
        p[0] = (uint8_t)(code >> 8);
        p[1] = (uint8_t)code;
        if (rl) memcpy(p + 2, reason, rl);
        n = 2 + rl;
    }
    c->close_sent = true;
    if (ws_write_frame(c, WS_OP_CLOSE, p, n)) {
        ws_finish(c, WS_CLOSE_ABNORMAL);
        return;
    }
    c->state = ST_CLOSING;
    uv_timer_start(&c->timer, ws_on_timer, WS_CLOSE_WAIT_MS, 0);
}

/* ---- reading frames ---- */

/* The server broke the protocol: as gorilla/websocket (k6's client) does,
 * a close frame with `code` and the reason goes out unless no_close (or
 * ours already went), and the connection ends with a plain read error,
 * not a close: no WS_EV_ERROR here, read_failed and err say it, and each
 * module reports it as k6's does (see ws.h). */
static void ws_read_failed(ws_client *c, int code, bool no_close, const char *why) {
    if (!no_close && c->state == ST_OPEN) ws_client_close(c, code, why);
    snprintf(c->err, sizeof c->err, "websocket: %s", why);
    c->read_failed = true;
    c->too_big = !no_close && code == WS_CLOSE_TOO_BIG;
    ws_finish(c, 0);
}

/* Close codes gorilla/websocket accepts from a peer (conn.go
 * isValidReceivedCloseCode): 1000-1003, 1007-1013, 3000-4999. */
static bool ws_received_code_valid(int code) {
    return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1013) || (code >= 3000 && code <= 4999);
}

/* gorilla/websocket's CloseError text: "websocket: close N (name)[: text]". */
static void ws_close_error_text(ws_client *c, int code, const char *text) {
    static const struct {
        int code;
        const char *name;
    } names[] = {
        {1000, "normal"},
        {1001, "going away"},
        {1002, "protocol error"},
        {1003, "unsupported data"},
        {1005, "no status"},
        {1006, "abnormal closure"},
        {1007, "invalid payload data"},
        {1008, "policy violation"},
        {1009, "message too big"},
        {1010, "mandatory extension missing"},
        {1011, "internal server error"},
        {1015, "TLS handshake error"},
    };
    const char *name = NULL;
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (names[i].code == code) name = names[i].name;
    snprintf(c->err, sizeof c->err, "websocket: close %d%s%s%s%s", code, name ? " (" : "", name ? name : "",
             name ? ")" : "", text[0] ? ": " : "");
    size_t n = strlen(c->err);
    snprintf(c->err + n, sizeof c->err - n, "%s", text);
}

static void ws_on_frames(ws_client *c) {
    ws_msg m;
    int r;
    while (c->state >= ST_OPEN && c->state < ST_DONE && (r = ws_reader_next(&c->rd, &m)) != 0) {
        if (r < 0) {
            ws_read_failed(c, c->rd.err_code, c->rd.err_no_close, c->rd.err);
            return;
        }
        if (m.opcode == WS_OP_PING && c->state == ST_OPEN) ws_write_frame(c, WS_OP_PONG, m.data, m.len);
        if (m.opcode == WS_OP_CLOSE) {
            /* gorilla: a payload under 2 bytes is "no status" (1005); else
             * the code must be one a peer may send, and the text UTF-8 */
            int code = m.len >= 2 ? (m.data[0] << 8 | m.data[1]) : WS_CLOSE_NO_STATUS;
            if (m.len >= 2 && !ws_received_code_valid(code)) {
                ws_read_failed(c, WS_CLOSE_PROTOCOL, false, "invalid close code");
                return;
            }
            size_t tl = m.len > 2 ? m.len - 2 : 0;
            if (tl && !ws_utf8_valid(m.data + 2, tl)) {
                ws_read_failed(c, WS_CLOSE_PROTOCOL, false, "invalid utf8 payload in close frame");
                return;
            }
            snprintf(c->close_reason, sizeof c->close_reason, "%.*s", (int)tl, tl ? (const char *)m.data + 2 : "");
            /* answer with the same code, as RFC 6455 5.5.1 asks */
            if (!c->close_sent) ws_write_frame(c, WS_OP_CLOSE, m.data, m.len >= 2 ? 2 : 0);
            c->close_sent = true;
            ws_emit(c, WS_EV_MESSAGE, &m);
            /* gorilla returns a CloseError, which k6 reports unless the code is 1000 or 1001 */
            if (code != WS_CLOSE_NORMAL && code != WS_CLOSE_GOING_AWAY) {
                ws_close_error_text(c, code, c->close_reason);
                ws_emit(c, WS_EV_ERROR, NULL);
            }
            ws_finish(c, code);
            return;
        }
        /* after our close, only the peer's close matters */
        if (c->state == ST_OPEN) ws_emit(c, WS_EV_MESSAGE, &m);
    }
}

/* ---- handshake ---- */

/* gorilla/websocket's ErrBadHandshake, for every answer that is not a
 * valid 101 (a status other than 101, no Upgrade or Connection token, a
 * wrong Sec-WebSocket-Accept): the status and body tell the rest. */
static const char ws_bad_handshake[] = "websocket: bad handshake";

/* The value of header `name` in the raw block, or NULL; *n its length. */
static const char *ws_head_value(const buf *h, const char *name, size_t *n) {
    size_t nl = strlen(name);
    for (const char *p = h->p; p && *p;) {
        const char *eol = strstr(p, "\r\n");
        size_t len = eol ? (size_t)(eol - p) : strlen(p);
        if (len > nl && p[nl] == ':' && strncasecmp(p, name, nl) == 0) {
            const char *v = p + nl + 1;
            while (*v == ' ' || *v == '\t') v++;
            size_t vl = (size_t)(p + len - v);
            while (vl && (v[vl - 1] == ' ' || v[vl - 1] == '\t')) vl--;
            *n = vl;
            return v;
        }
        p = eol ? eol + 2 : NULL;
    }
    return NULL;
}

static bool ws_has_token(const char *v, size_t n, const char *tok) {
    size_t tl = strlen(tok);
    for (size_t i = 0; i + tl <= n; i++)
        if (strncasecmp(v + i, tok, tl) == 0 && (i == 0 || v[i - 1] == ',' || v[i - 1] == ' ') &&
            (i + tl == n || v[i + tl] == ',' || v[i + tl] == ' '))
            return true;
    return false;
}

static size_t ws_content_length(const buf *h) {
    size_t n;
    const char *v = ws_head_value(h, "Content-Length", &n);
    if (!v) return WS_MAX_ERR_BODY; /* unknown: read until the end or the cap */
    size_t len = strtoull(v, NULL, 10);
    return len < WS_MAX_ERR_BODY ? len : WS_MAX_ERR_BODY;
}

/* The answer's header block is complete in c->hs (end = its length with the blank line). */
static void ws_on_answer(ws_client *c, size_t end) {
    const char *p = c->hs.p;
    if (strncmp(p, "HTTP/1.", 7) != 0 || p[8] != ' ') {
        ws_fail(c, "websocket: malformed HTTP response to the handshake");
        return;
    }
    c->status = atoi(p + 9);
    /* the block may hold a NUL (the server's bytes): search by length */
    const char *eol = memmem(p, end, "\r\n", 2);
    buf_append(&c->resp_head, eol + 2, end - (size_t)(eol + 2 - p) - 2);
    size_t rest = c->hs.len - end;
    const char *extra = c->hs.p + end;
    if (c->status != 101) {
        if (rest) buf_append(&c->resp_body, extra, rest);
        if (c->resp_body.len >= ws_content_length(&c->resp_head)) {
            ws_fail(c, "%s", ws_bad_handshake);
            return;
        }
        c->state = ST_BODY;
        return;
    }
    size_t n, an;
    const char *up = ws_head_value(&c->resp_head, "Upgrade", &n);
    if (!up || !ws_has_token(up, n, "websocket")) {
        ws_fail(c, "%s", ws_bad_handshake);
        return;
    }
    const char *co = ws_head_value(&c->resp_head, "Connection", &n);
    if (!co || !ws_has_token(co, n, "upgrade")) {
        ws_fail(c, "%s", ws_bad_handshake);
        return;
    }
    char want[29];
    ws_accept_for(c->key, strlen(c->key), want);
    const char *acc = ws_head_value(&c->resp_head, "Sec-WebSocket-Accept", &an);
    if (!acc || an != strlen(want) || memcmp(acc, want, an) != 0) {
        ws_fail(c, "%s", ws_bad_handshake);
        return;
    }
    const char *sp = ws_head_value(&c->resp_head, "Sec-WebSocket-Protocol", &n);
    if (sp) snprintf(c->subproto, sizeof c->subproto, "%.*s", (int)n, sp);
    c->state = ST_OPEN;
    uv_timer_stop(&c->timer);
    if (rest && ws_reader_feed(&c->rd, extra, rest)) {
        ws_fail(c, "websocket: out of memory");
        return;
    }
    buf_free(&c->hs);
    ws_emit(c, WS_EV_OPEN, NULL);
    ws_on_frames(c);
}

void ws_client_on_bytes(ws_client *c, const char *p, ssize_t n) {
    if (c->state == ST_DONE) return;
    if (n < 0) {
        if (c->state == ST_BODY) {
            ws_fail(c, "%s", ws_bad_handshake);
            return;
        }
        if (c->state == ST_CLOSING && n == UV_EOF) {
            ws_finish(c, c->close_code ? c->close_code : WS_CLOSE_NO_STATUS);
            return;
        }
        if (c->state >= ST_OPEN) {
            if (n == UV_EOF) snprintf(c->close_reason, sizeof c->close_reason, "unexpected EOF");
            ws_fail(c, n == UV_EOF ? "websocket: close 1006 (abnormal closure): unexpected EOF" : "websocket: read: %s",
                    uv_strerror((int)n));
            return;
        }
        ws_fail(c,
                n == UV_EOF ? "websocket: the server closed the connection during the handshake"
                            : "websocket: read during the handshake: %s",
                uv_strerror((int)n));
        return;
    }
    if (c->state == ST_BODY) {
        size_t want = ws_content_length(&c->resp_head);
        size_t take = c->resp_body.len + (size_t)n > want ? want - c->resp_body.len : (size_t)n;
        buf_append(&c->resp_body, p, take);
        if (c->resp_body.len >= want) ws_fail(c, "%s", ws_bad_handshake);
        return;
    }
    if (c->state == ST_HANDSHAKE) {
        size_t old = c->hs.len;
        if (buf_append(&c->hs, p, (size_t)n)) {
            ws_fail(c, "websocket: out of memory");
            return;
        }
        size_t from = old > 3 ? old - 3 : 0;
        const char *end = memmem(c->hs.p + from, c->hs.len - from, "\r\n\r\n", 4);
        if (end) {
            ws_on_answer(c, (size_t)(end + 4 - c->hs.p));
            return;
        }
        if (c->hs.len > WS_MAX_HEAD) ws_fail(c, "websocket: handshake answer's headers are larger than 64 KB");
        return;
    }
    if (ws_reader_feed(&c->rd, p, (size_t)n)) {
        ws_fail(c, "websocket: out of memory");
        return;
    }
    ws_on_frames(c);
}

static void ws_send_handshake(ws_client *c) {
    buf *b = &c->hs;
    buf_clear(b);
    char hostport[300];
    snprintf(hostport, sizeof hostport, c->ipv6 ? "[%s]" : "%s", c->host);
    if (c->port != (c->secure ? 443 : 80))
        snprintf(hostport + strlen(hostport), sizeof hostport - strlen(hostport), ":%d", c->port);
    buf_puts(b, "GET ");
    buf_puts(b, c->path);
    buf_puts(b, " HTTP/1.1\r\nHost: ");
    buf_puts(b, hostport);
    buf_puts(b, "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ");
    buf_puts(b, c->key);
    buf_puts(b, "\r\nSec-WebSocket-Version: 13\r\n");
}

void ws_client_on_connected(ws_client *c, int status) {
    if (status == UV_ECANCELED || c->state != ST_CONNECT) return;
    if (status < 0) {
        char msg[160];
        dial_connect_error(msg, sizeof msg, c->remote_ip, c->port, status);
        ws_fail(c, "%s", msg);
        return;
    }
    c->state = ST_HANDSHAKE;
    uv_buf_t b = uv_buf_init(c->hs.p, (unsigned)c->hs.len);
    int rc = c->tp->write(c, &b, 1);
    if (rc) {
        ws_fail(c, "websocket: write: %s", uv_strerror(rc));
        return;
    }
    buf_clear(&c->hs); /* now collects the answer */
}

static void ws_dial(ws_client *c, int family, const char *ip) {
    dialer_sa a;
    snprintf(c->remote_ip, sizeof c->remote_ip, "%s", ip);
    if (dial_addr(&a, family, ip, c->port)) {
        ws_fail(c, "dial tcp: bad address %s", ip);
        return;
    }
    /* blacklistIPs, after the lookup (k6 dials through the VU's dialer, lib/netext
     * dialer.go; gorilla returns its error as it is) */
    char msg[200];
    if (dialer_refuse_ip(c->dialer, &a.sa, msg, sizeof msg)) {
        ws_fail(c, "%s", msg);
        return;
    }
    c->state = ST_CONNECT;
    int rc = c->tp->connect(c, &a.sa);
    if (rc) ws_client_on_connected(c, rc);
}

static void ws_on_lookup(h1_lookup *l, void *ud) {
    ws_client *c = ud;
    c->resolving = false;
    if (!l->ok) {
        ws_fail(c, "lookup %s: %s", c->host, l->why);
        return;
    }
    ws_dial(c, l->family, l->ip);
}

/* ws[s]://host[:port][/path][?query]; false with c->err set if malformed. */
static bool ws_parse_url(ws_client *c, const char *url) {
    url_parts u;
    if (strncasecmp(url, "ws://", 5) != 0 && strncasecmp(url, "wss://", 6) != 0) {
        snprintf(c->err, sizeof c->err, "malformed ws or wss URL"); /* gorilla's errMalformedURL */
        return false;
    }
    if (url_split(url, &u) || u.hostlen >= sizeof c->host) goto bad; /* user info is not sent */
    c->secure = u.tls;
    c->ipv6 = u.ipv6;
    memcpy(c->host, u.host, u.hostlen);
    c->host[u.hostlen] = 0;
    c->port = u.port;
    const char *rest = u.rest;
    size_t rl = strcspn(rest, "#");
    if (!rl || *rest != '/') { /* "ws://h?x" and "ws://h" ask for "/" */
        c->path = malloc(rl + 2);
        if (!c->path) goto bad;
        c->path[0] = '/';
        memcpy(c->path + 1, rest, rl);
        c->path[rl + 1] = 0;
    } else {
        c->path = strndup(rest, rl);
    }
    return c->path != NULL;
bad:
    snprintf(c->err, sizeof c->err, "malformed ws URL \"%s\"", url);
    return false;
}

ws_client *ws_client_new(void) { return calloc(1, sizeof(ws_client)); }

int ws_client_start(ws_client *c, uv_loop_t *loop, h1_client *h1, const ws_client_opts *o, ws_event_fn cb, void *ud) {
    c->loop = loop;
    c->h1 = h1;
    c->cb = cb;
    c->ud = ud;
    c->local_addr = o->local_addr;
    c->dialer = o->dialer;
    c->rd.server = false;
    uv_timer_init(loop, &c->timer);
    c->timer.data = c;
    uv_timer_init(loop, &c->wtimer);
    c->wtimer.data = c;
    c->handles = 2;
    if (!ws_parse_url(c, o->url)) {
        c->state = ST_DONE;
        return -1;
    }
    c->tp = c->secure ? &ws_tls : &ws_tcp;
    if (getrandom(&c->rng, sizeof c->rng, 0) != (ssize_t)sizeof c->rng || !c->rng)
        c->rng = (uint64_t)clock_now_us() | 1;
    ws_new_key(c->key);
    ws_send_handshake(c);
    for (size_t i = 0; i < o->nheaders; i++) {
        buf_puts(&c->hs, o->headers[i]);
        buf_puts(&c->hs, "\r\n");
    }
    buf_puts(&c->hs, "\r\n");
    int64_t to = o->handshake_timeout_ms > 0 ? o->handshake_timeout_ms : WS_DEFAULT_TIMEOUT_MS;
    uv_timer_start(&c->timer, ws_on_timer, (uint64_t)to, 0);
    c->state = ST_RESOLVE;
    c->lk.done = ws_on_lookup;
    c->lk.ud = c;
    /* blockHostnames: refused before any lookup, as k6's dialer does */
    char msg[600];
    if (dialer_refuse_host(c->dialer, c->host, strlen(c->host), msg, sizeof msg)) {
        ws_fail(c, "%s", msg);
        return 0;
    }
    switch (dial_resolve(h1, c->host, c->port, c->ipv6, &c->lk)) {
    case H1_LOOKUP_DONE: ws_dial(c, c->lk.family, c->lk.ip); break;
    case H1_LOOKUP_PENDING: c->resolving = true; break;
    case H1_LOOKUP_SKIP: ws_fail(c, "lookup %s: invalid host name", c->host); break;
    default: ws_fail(c, "lookup %s: %s", c->host, c->lk.why); break;
    }
    return 0;
}

void ws_client_free(ws_client *c) {
    if (!c) return;
    c->freed = true;
    if (c->resolving) {
        h1_lookup_cancel(c->h1, &c->lk);
        c->resolving = false;
    }
    if (c->state != ST_DONE) {
        c->state = ST_DONE;
        if (c->tcp_started) c->tp->close(c);
    }
    if (!uv_is_closing((uv_handle_t *)&c->timer)) uv_close((uv_handle_t *)&c->timer, ws_on_handle_closed);
    if (!uv_is_closing((uv_handle_t *)&c->wtimer)) uv_close((uv_handle_t *)&c->wtimer, ws_on_handle_closed);
}
