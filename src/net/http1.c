/* One connection of the client: its TCP dial, and HTTP/1.1 on it:
 * serialization, writes, reads into the response parser (h1_parse.c)
 * and its body into body.c, retries of a dropped kept-alive connection, and NTLM's
 * steps inside a request. Over TLS the bytes go through tlsconn.c. */
#include "net/client_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "net/dial.h"
#include "net/ntlm.h"
#include "util/clock.h"
#include "util/codec.h"
#include "util/log.h"

/* The two socket calls of a plain exchange (sendto for the request head,
 * recvfrom for the response) enter the kernel by the syscall instruction
 * itself on x86-64 Linux: glibc's send/recv wrappers are
 * thread-cancellation points (~60 instructions of brackets a call; c6
 * cancels no thread), and syscall() adds ~11 instructions and an errno
 * store a call. Returns what the kernel does: a count, or -errno (which is
 * libuv's error code on Linux). Elsewhere: syscall(), -errno on failure. */
#if defined(__linux__) && defined(SYS_sendto) && defined(SYS_recvfrom)
#define HTTP1_RAW_SOCKET_CALLS 1
static inline long http1_sys6(long nr, long a1, long a2, long a3, long a4, long a5, long a6) {
#if defined(__x86_64__)
    long ret;
    register long r10 __asm__("r10") = a4;
    register long r8 __asm__("r8") = a5;
    register long r9 __asm__("r9") = a6;
    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "a"(nr), "D"(a1), "S"(a2), "d"(a3), "r"(r10), "r"(r8), "r"(r9)
                     : "rcx", "r11", "memory");
    return ret;
#else
    long ret = syscall(nr, a1, a2, a3, a4, a5, a6);
    return ret < 0 ? -errno : ret;
#endif
}
#endif

/* Replaying is safe only for methods that mean the same done twice; Go's
 * transport (and so k6) retries only these after a response never came. */
static int http1_idempotent(const char *m) {
    return !strcmp(m, "GET") || !strcmp(m, "HEAD") || !strcmp(m, "OPTIONS") || !strcmp(m, "TRACE");
}

static int http1_ntlm_next(h1_conn *k, h1_request *r, int keep);

/* ---- request serialization ---- */

char *http1_put_path(char *o, const h1_request *r) {
    static const char hex[] = "0123456789ABCDEF";
    const char *s = r->path_;
    size_t n = r->path_len_;
    if (n == 0 || s[0] == '?') *o++ = '/';
    if (!r->need_escape_) return http1_put(o, s, n);
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch > ' ' && ch < 0x7f) {
            *o++ = (char)ch;
            continue;
        }
        *o++ = '%';
        *o++ = hex[ch >> 4];
        *o++ = hex[ch & 15];
    }
    return o;
}

/* Request line, Host, User-Agent, the caller's headers, Content-Length, blank
 * line: into c->wbuf, sized once. A Host or User-Agent among the caller's
 * headers replaces ours (k6 lets scripts set both). Returns the length, or -1. */
static ssize_t http1_serialize(h1_client *c, const h1_request *r) {
    const h1_host *h = r->host_;
    size_t mlen = strlen(r->method), ualen = 0;
    size_t need = mlen + 3 * r->path_len_ + h->authlen + 64;
    /* an empty User-Agent (the option's or a script's header) sends none:
     * k6 sets the header to "" and Go's Request.write leaves it out */
    int ua = r->user_agent != NULL && r->user_agent[0], host = 1;
    for (size_t i = 0; i < r->nheaders; i++) {
        const char *hd = r->headers[i];
        size_t n = strlen(hd);
        need += n + 2;
        if ((hd[0] | 0x20) == 'u' && n >= 11 && ci_prefix(hd, "user-agent:", 11)) ua = 0;
        if ((hd[0] | 0x20) == 'h' && n >= 5 && ci_prefix(hd, "host:", 5)) host = 0;
    }
    if (ua) need += (ualen = r->user_agent_len ? r->user_agent_len : strlen(r->user_agent)) + 14;
    if (r->no_reuse) need += 19;
    const char *auth = r->ntlm_step_ == 1 ? ntlm_negotiate_line : r->ntlm_step_ == 2 ? c->ntlm_line.p : NULL;
    size_t authlen = auth ? strlen(auth) : 0;
    need += authlen + 2;
    if (buf_reserve(&c->wbuf, need)) return -1;
    char *o = http1_put(c->wbuf.p, r->method, mlen);
    *o++ = ' ';
    o = http1_put_path(o, r);
    o = http1_put(o, " HTTP/1.1", 9);
    if (host) o = http1_put(http1_put(o, "\r\nHost: ", 8), h->authority, h->authlen);
    if (ua) o = http1_put(http1_put(o, "\r\nUser-Agent: ", 14), r->user_agent, ualen);
    for (size_t i = 0; i < r->nheaders; i++) {
        const char *hd = r->headers[i];
        size_t n = strlen(hd);
        if (n <= 12 && (hd[0] | 0x20) == 'u' && n >= 11 && ci_prefix(hd, "user-agent:", 11) &&
            (n == 11 || hd[11] == ' '))
            continue; /* "User-Agent:" or "User-Agent: ": empty, not sent */
        o = http1_put(http1_put(o, "\r\n", 2), hd, n);
    }
    if (auth) o = http1_put(http1_put(o, "\r\n", 2), auth, authlen);
    if (r->has_body) o = http1_put_u64(http1_put(o, "\r\nContent-Length: ", 18), r->body_len);
    if (r->no_reuse) o = http1_put(o, "\r\nConnection: close", 19);
    o = http1_put(o, "\r\n\r\n", 4);
    return o - c->wbuf.p;
}

/* ---- response body ---- */

int http1_on_body(void *ud, const char *p, size_t n) {
    h1_request *r = ud;
    return client_body_in(r->host_->c, r, p, n);
}

/* ---- request flow ---- */

static void http1_finish(h1_conn *k, h1_request *r, int keep, int64_t now) {
    const h1_parser *p = &r->parser_;
    if (r->ntlm_user) {
        if (http1_ntlm_next(k, r, keep && !r->no_reuse)) return;
        if (r->t_auth_sent_) r->t_sent_ = r->t_auth_sent_; /* waiting spans the handshake */
    }
    r->status = p->status;
    memcpy(r->proto, "HTTP/1.1", 9); /* Go's Response.Proto: the status line's */
    r->proto[5] = (char)('0' + p->major);
    r->proto[7] = (char)('0' + p->minor);
    if (k->tls) r->tls = k->tinfo;
    req_set_timings(r, now);
    client_body_end(k->c, r); /* a body that did not decode: H1_ERR_BODY, the connection stays */
    conn_detach(k, r);
    if (keep && !r->no_reuse) client_pool_put(k, r);
    else client_conn_close(k);
    r->state_ = RQ_IDLE;
    r->done(r, r->ud); /* last: it may start the next request */
}

/* params.auth "ntlm" (client.h): r's response on k is complete. A 401 to the
 * negotiate message carrying a challenge is answered on k with the
 * authenticate message; a 401 offering NTLM to a request sent on an
 * authenticated connection restarts the handshake there, as libcurl does.
 * A success after the authenticate message leaves k authenticated for
 * r's credentials. Returns 1 when the exchange goes on, 0 when r is done. */
static int http1_ntlm_next(h1_conn *k, h1_request *r, int keep) {
    h1_client *c = k->c;
    const char *chal;
    size_t cl;
    if (r->parser_.status != 401) {
        if (r->ntlm_step_ == 2 && keep && !k->auth) {
            size_t ul = strlen(r->ntlm_user), pl = strlen(r->ntlm_pass);
            if ((k->auth = malloc(ul + pl + 2)) != NULL) {
                memcpy(k->auth, r->ntlm_user, ul + 1);
                memcpy(k->auth + ul + 1, r->ntlm_pass, pl + 1);
            }
        }
        return 0;
    }
    free(k->auth); /* a 401: the connection is not (or no longer) authenticated */
    k->auth = NULL;
    if (!keep || r->ntlm_step_ == 2 || !ntlm_challenge(r->resp_headers->p, r->resp_headers->len, &chal, &cl)) return 0;
    if (r->ntlm_step_ == 1) {
        if (!cl || ntlm_authenticate_line(r->ntlm_user, r->ntlm_pass, chal, cl, &c->ntlm_line)) return 0;
        r->ntlm_step_ = 2;
    } else {
        r->ntlm_step_ = 1;
    }
    /* the same request again on k, the 401's body dropped */
    if (!r->t_auth_sent_) r->t_auth_sent_ = r->t_sent_;
    r->t_sent_ = r->t_first_ = 0;
    client_body_release(r);
    r->dec_ready_ = 0;
    if (r->resp_body) buf_clear(r->resp_body);
    h1_parser_init(&r->parser_, r->resp_headers, r->parser_.no_body, http1_on_body, r);
    http1_conn_send(k, r);
    return 1;
}

/* The server dropped a kept-alive connection as the request went out: try
 * once more on a new connection. */
static void http1_retry(h1_conn *k, h1_request *r) {
    h1_client *c = k->c;
    k->host->closes_idle = 1; /* look at its connections before reusing them */
    conn_detach(k, r);
    client_conn_close(k);
    r->retried_ = 1;
    r->picked_ = 0;
    r->t_ready_ = r->t_sent_ = r->t_first_ = r->t_conn0_ = r->t_tcp_ = 0;
    client_new_conn(c, r, clock_now_us());
}

static int http1_can_retry(h1_conn *k, h1_request *r, int replay_ok) {
    return k->reused && !r->retried_ && r->bytes_received == 0 && (replay_ok || http1_idempotent(r->method));
}

void http1_write_failed(h1_conn *k, int err) {
    h1_request *r = k->r;
    /* a request that never left cannot have been acted on: replay any method */
    if (http1_can_retry(k, r, !k->wrote_any)) {
        http1_retry(k, r);
        return;
    }
    client_conn_fail(k, err == UV_ECONNRESET || err == UV_EPIPE ? H1_ERR_RESET : H1_ERR_OTHER, err, "write: %s",
                     uv_strerror(err));
}

void http1_read_failed(h1_conn *k, int err) {
    h1_request *r = k->r;
    if (err == UV_EOF && h1_parse_eof(&r->parser_) == H1P_DONE) {
        http1_finish(k, r, 0, clock_now_us()); /* close-delimited body */
        return;
    }
    if ((err == UV_EOF || err == UV_ECONNRESET) && http1_can_retry(k, r, 0)) {
        http1_retry(k, r);
        return;
    }
    if (err == UV_EOF) /* h1_parse_eof said how the response ended short */
        client_conn_fail(k, H1_ERR_EOF, 0, "%s", r->bytes_received ? r->parser_.err : "EOF");
    else client_conn_fail(k, err == UV_ECONNRESET ? H1_ERR_RESET : H1_ERR_OTHER, err, "read: %s", uv_strerror(err));
}

static void http1_parse_failed(h1_conn *k, h1_request *r) {
    if (r->body_fail_) { /* the body stopped: too large, or no memory */
        char msg[sizeof r->errmsg];
        client_body_fail_text(k->c, r, msg, sizeof msg);
        client_conn_fail(k, r->body_fail_, r->body_fail_ == H1_ERR_OTHER ? UV_ENOMEM : 0, "%s", msg);
        return;
    }
    const h1_parser *p = &r->parser_;
    /* reading the body failed (Go's chunked reader): its text, as k6 shows a body read error */
    if (!p->head_err) {
        client_conn_fail(k, H1_ERR_PROTO, 0, "%s", p->err);
        return;
    }
    buf arg = {0};           /* Go's %q of the bytes the error is about */
    if (p->err_quote == 2) { /* %q of a []string: ["a" "b"] */
        buf_append(&arg, "[", 1);
        for (const char *v = p->err_arg, *e = v + p->err_arg_len; v < e; v += strlen(v) + 1) {
            if (v != p->err_arg) buf_append(&arg, " ", 1);
            log_quote(&arg, v, strlen(v));
        }
        buf_append(&arg, "]", 1);
    } else if (p->err_arg && p->err_quote) log_quote(&arg, p->err_arg, p->err_arg_len);
    else if (p->err_arg) buf_append(&arg, p->err_arg, p->err_arg_len);
    client_conn_fail(k, H1_ERR_HEAD, 0, "%s%s", p->err, arg.p ? arg.p : "");
    buf_free(&arg);
}

static void http1_on_alloc(uv_handle_t *h, size_t size, uv_buf_t *b) {
    (void)size;
    h1_conn *k = h->data;
    b->base = k->c->rbuf; /* http1_on_read consumes it before the next read */
    b->len = READ_BUF_SIZE;
}

/* Response bytes for k's request. Returns 1 when the request ended
 * (answered or failed), 0 when more is expected. */
int http1_got_bytes(h1_conn *k, const char *p, size_t n) {
    h1_request *r = k->r;
    int64_t now = clock_now_us();
    if (!r->t_first_) r->t_first_ = now;
    size_t used;
    int rc = h1_parse(&r->parser_, p, n, &used);
    r->bytes_received += used;
    if (rc == H1P_AGAIN) return 0;
    if (rc == H1P_ERROR) {
        http1_parse_failed(k, r);
        return 1;
    }
    /* bytes beyond the response, or a request still going out: not reusable */
    int keep = r->parser_.keep_alive && used == n && !k->writing && !(k->tls && tlsio_pending(k->tls));
    http1_finish(k, r, keep, now);
    return 1;
}

/* n bytes at p read from k's socket, or (n < 0) libuv's error / UV_EOF. */
static inline void http1_conn_read(h1_conn *k, ssize_t n, const char *p) {
    if (n == 0 || k->state == CK_CLOSING) return;
    if (k->tls) {
        tlsconn_on_read(k, n, p);
        return;
    }
    if (k->state != CK_BUSY) {
        client_conn_close(k);
        return;
    } /* idle: EOF, error or stray bytes */
    if (n < 0) {
        http1_read_failed(k, (int)n);
        return;
    }
    http1_got_bytes(k, p, (size_t)n);
}

static void http1_on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b) { http1_conn_read(s->data, n, b->base); }

#ifdef HTTP1_RAW_SOCKET_CALLS
/* Plain HTTP/1 reads its responses itself. libuv's read path for a stream
 * (uv__stream_io -> uv__read: flags, alloc_cb, glibc's read() with its
 * thread-cancellation brackets, read_cb; ~180 instructions a response) ends
 * in read(2), which on a socket goes through the VFS layer (fdget_pos,
 * rw_verify_area, fsnotify; ~1.8 % of c6's CPU at 10,000 VUs beside
 * tcp_recvmsg). So once a plain connection reads, the callback of its
 * stream's io watcher (uv_tcp_t.io_watcher, in libuv's public struct) is
 * http1_io: an event that is POLLIN alone, the usual "response arrived", is
 * read here with recvfrom(2) (the socket layer directly; http1_sys6) into the
 * same buffer and handed to the same code as libuv's read_cb. Any other
 * event (POLLOUT of a queued write, POLLERR, POLLHUP, libuv's own POLLOUT
 * feed) goes to libuv's callback, saved in c->stream_io, which reads and
 * writes as before. The watcher stays libuv's: epoll registration, close,
 * uv_write and uv_read_stop work unchanged; libuv 1.44's uv__read keeps no
 * state across reads that this skips (READ_PARTIAL only matters with
 * POLLHUP, which goes to libuv, whose uv__read sets it afresh). */
static inline ssize_t http1_sys_recv(int fd, void *p, size_t n) { /* a count, or -errno */
    return http1_sys6(SYS_recvfrom, fd, (long)p, (long)n, MSG_DONTWAIT, 0, 0);
}

/* The events of the epoll batch libuv is handing out: it keeps them past
 * the end of loop->watchers while it calls their watchers (for
 * uv__platform_invalidate_fd; NULL otherwise; so in libuv since 2013).
 * At 10,000 VUs a response's connection, request record, call record, VU
 * and buffers are all cold, and each read waits for the one before. So
 * while one response is read, the events after it are readied a stage
 * each: the third's watcher and connection, the second's request record
 * (its connection came in at the event before), the next one's named lines
 * (h1_request.pf_resp; its record came in at the event before): their misses
 * overlap with this one's work. Addresses only: a wrong guess (another kind
 * of watcher, an event another callback invalidated) costs a prefetch,
 * which cannot fault. */
static void http1_io(uv_loop_t *loop, uv__io_t *w, unsigned int events);
/* The connection whose stream's io watcher w is (only a guess unless its
 * callback is http1_io, which is only ever a plain connection's). */
static inline h1_conn *http1_conn_of(const uv__io_t *w) {
    return (h1_conn *)(void *)((char *)w - offsetof(h1_conn, tcp.io_watcher));
}
/* The watcher of the batch's event j, or NULL. */
static uv__io_t *http1_batch_watcher(uv_loop_t *loop, const struct epoll_event *ev, unsigned j) {
    int f = ev[j].data.fd;
    return f >= 0 && (unsigned)f < loop->nwatchers ? loop->watchers[f] : NULL;
}
/* The connection of the batch's event j (its watcher's line in cache), or NULL. */
static const h1_conn *http1_batch_conn(uv_loop_t *loop, const struct epoll_event *ev, unsigned j) {
    const uv__io_t *w = http1_batch_watcher(loop, ev, j);
    return w && w->cb == http1_io ? http1_conn_of(w) : NULL;
}
static void http1_prefetch_batch(uv_loop_t *loop, h1_client *c, int fd) {
    const struct epoll_event *ev = (const void *)loop->watchers[loop->nwatchers];
    unsigned n = (unsigned)(uintptr_t)loop->watchers[loop->nwatchers + 1], i = c->ev_next;
    if (!ev || n > 4096) return;
    if (i >= n || ev[i].data.fd != fd)
        for (i = 0; i < n && ev[i].data.fd != fd; i++) {}
    c->ev_next = i + 1;
    const h1_conn *k;
    const h1_request *r;
    if (i + 1 < n && (k = http1_batch_conn(loop, ev, i + 1)) && (r = k->r))
        for (int j = 0; j < 4; j++) __builtin_prefetch(r->pf_resp[j], 1);
    if (i + 2 < n && (k = http1_batch_conn(loop, ev, i + 2)) && (r = k->r)) {
        /* what reading a response writes: times, counts, parser, outcome */
        __builtin_prefetch(&r->ud, 1);
        __builtin_prefetch(&r->bytes_received, 1);
        __builtin_prefetch((const char *)&r->parser_ + 64, 1);
        __builtin_prefetch(&r->t_first_, 1);
    }
    const uv__io_t *w;
    if (i + 3 < n && (w = http1_batch_watcher(loop, ev, i + 3))) {
        __builtin_prefetch(w);
        __builtin_prefetch(&http1_conn_of(w)->c); /* (not read: any watcher's guess is harmless) */
    }
}

static void http1_io(uv_loop_t *loop, uv__io_t *w, unsigned int events) {
    h1_conn *k = http1_conn_of(w);
    h1_client *c = k->c;
    if (events != POLLIN) {
        c->stream_io(loop, w, events);
        return;
    }
    http1_prefetch_batch(loop, c, w->fd);
    /* as uv__read: again while a read fills the buffer, at most 32 times
     * (the loop's other handles get their turn) */
    for (int count = 32; count > 0 && k->state != CK_CLOSING; count--) {
        ssize_t n;
        do n = http1_sys_recv(w->fd, c->rbuf, READ_BUF_SIZE);
        while (n == -EINTR);
        if (n > 0) {
            /* plain (no k->tls): a busy connection's bytes go to its parser */
            if (k->state == CK_BUSY) http1_got_bytes(k, c->rbuf, (size_t)n);
            else http1_conn_read(k, n, c->rbuf);
            if (n < READ_BUF_SIZE) return;
            continue;
        }
        if (n == -EAGAIN || n == -EWOULDBLOCK) return; /* the watcher stays armed */
        /* EOF or an error: reading stops (as libuv's), then the same code
         * as its read_cb, which closes the connection */
        int err = n == 0 ? UV_EOF : (int)n;
        uv_read_stop((uv_stream_t *)&k->tcp);
        http1_conn_read(k, err, c->rbuf);
        return;
    }
}
#endif

/* Reading starts on k (connected): libuv's read path, and for plain
 * HTTP/1 on Linux http1_io in front of it. */
static int http1_read_start(h1_conn *k) {
    int rc = uv_read_start((uv_stream_t *)&k->tcp, http1_on_alloc, http1_on_read);
#ifdef HTTP1_RAW_SOCKET_CALLS
    if (!rc && !k->host->tls) {
        h1_client *c = k->c;
        if (!c->stream_io) c->stream_io = k->tcp.io_watcher.cb;
        if (k->tcp.io_watcher.cb == c->stream_io) k->tcp.io_watcher.cb = http1_io;
    }
#endif
    return rc;
}

void http1_on_write(uv_write_t *w, int status) {
    h1_conn *k = w->handle->data;
    k->writing = 0;
    if (k->tls) {
        tlsconn_on_write(k, status);
        return;
    }
    if (status == UV_ECANCELED || k->state == CK_CLOSING || !k->r) return;
    if (status < 0) {
        http1_write_failed(k, status);
        return;
    }
    k->r->t_sent_ = clock_now_us();
    k->r->bytes_sent += k->wtotal;
}

/* The request head goes to the kernel with sendto(2), not write(2): write
 * on a socket passes through the VFS layer (file position lock, fsnotify,
 * rw_verify_area: ~0.7 µs an iteration in perf at 10,000 VUs), sendto goes
 * to the socket directly (through http1_sys6: no glibc wrapper).
 * MSG_NOSIGNAL: a reset peer gives EPIPE, no signal. A count, or -errno. */
static inline ssize_t http1_sys_send(int fd, const void *p, size_t n) {
#ifdef HTTP1_RAW_SOCKET_CALLS
    return http1_sys6(SYS_sendto, fd, (long)p, (long)n, MSG_NOSIGNAL | MSG_DONTWAIT, 0, 0);
#else
    ssize_t w = send(fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
    return w < 0 ? -errno : w;
#endif
}

/* What try_write left: the rest of the head is copied (the scratch buffer is
 * shared), the body is written from the caller's memory. */
static void http1_write_rest(h1_conn *k, h1_request *r, size_t hlen, size_t done) {
    uv_buf_t b[2];
    unsigned nb = 0;
    if (done < hlen) {
        buf_clear(&k->wpend);
        if (buf_append(&k->wpend, k->c->wbuf.p + done, hlen - done)) {
            client_conn_fail(k, H1_ERR_OTHER, UV_ENOMEM, "%s", "out of memory");
            return;
        }
        b[nb++] = uv_buf_init(k->wpend.p, (unsigned)(hlen - done));
        done = hlen;
    }
    if (r->body_len > done - hlen)
        b[nb++] = uv_buf_init((char *)r->body + (done - hlen), (unsigned)(r->body_len - (done - hlen)));
    k->writing = 1;
    int rc = uv_write(&k->req.write, (uv_stream_t *)&k->tcp, b, nb, http1_on_write);
    if (rc) {
        k->writing = 0;
        http1_write_failed(k, rc);
    }
}

void http1_conn_send(h1_conn *k, h1_request *r) {
    ssize_t hlen = http1_serialize(k->c, r);
    if (hlen < 0) {
        client_conn_fail(k, H1_ERR_OTHER, UV_ENOMEM, "%s", "out of memory");
        return;
    }
    if (k->tls) {
        tlsconn_send(k, r, (size_t)hlen);
        return;
    }
    unsigned nb = r->has_body && r->body_len ? 2 : 1;
    size_t total = (size_t)hlen + (nb == 2 ? r->body_len : 0);
    int n;
    if (nb == 1 && k->fd >= 0 && !k->writing) {
        /* what uv_try_write does for one buffer on an idle stream (libuv's
         * uv__try_write: write(2), again on EINTR; here sendto(2)), without its checks and
         * calls: the connection is known to be connected, its queue empty */
        ssize_t w;
        do w = http1_sys_send(k->fd, k->c->wbuf.p, (size_t)hlen);
        while (w == -EINTR);
        n = w >= 0 ? (int)w : w == -EAGAIN || w == -EWOULDBLOCK || w == -ENOBUFS ? UV_EAGAIN : (int)w;
    } else {
        uv_buf_t b[2] = {{.base = k->c->wbuf.p, .len = (unsigned)hlen},
                         {.base = (char *)r->body, .len = (unsigned)r->body_len}};
        n = uv_try_write((uv_stream_t *)&k->tcp, b, nb);
    }
    k->wrote_any = n > 0;
    if (n >= 0 && (size_t)n == total) {
        r->t_sent_ = clock_now_us();
        r->bytes_sent += total;
        return;
    }
    if (n < 0 && n != UV_EAGAIN) {
        http1_write_failed(k, n);
        return;
    }
    k->wtotal = total; /* for http1_on_write (k->wtotal is off the hot cache line) */
    http1_write_rest(k, r, (size_t)hlen, n < 0 ? 0 : (size_t)n);
}

static void http1_conn_ready(h1_conn *k) {
    h1_request *r = k->r;
    if (k->host->tls) {
        int rc = http1_read_start(k);
        if (rc) {
            client_conn_fail(k, H1_ERR_OTHER, rc, "read: %s", uv_strerror(rc));
            return;
        }
        tlsconn_start(k);
        return;
    }
    r->t_ready_ = clock_now_us();
    k->state = CK_BUSY;
    int rc = http1_read_start(k);
    if (rc) {
        client_conn_fail(k, H1_ERR_OTHER, rc, "read: %s", uv_strerror(rc));
        return;
    }
    uv_os_fd_t fd;
    if (uv_fileno((const uv_handle_t *)&k->tcp, &fd) == 0) k->fd = fd;
    http1_conn_send(k, r);
}

static void http1_connect_failed(h1_conn *k, int st) {
    h1_request *r = k->r;
    h1_host *h = k->host;
    enum h1_error e = st == UV_ECONNREFUSED  ? H1_ERR_REFUSED
                      : st == UV_ENETUNREACH ? H1_ERR_NETUNREACH
                                             : H1_ERR_CONNECT;
    conn_detach(k, r);
    client_conn_close(k);
    char msg[160];
    dial_connect_error(msg, sizeof msg, h->ip, r->remote_port, st);
    client_req_fail(k->c, r, e, st, "%s", msg);
}

static void http1_on_connect(uv_connect_t *req, int status) {
    h1_conn *k = req->handle->data;
    if (status == UV_ECANCELED || k->state == CK_CLOSING) return;
    if (status < 0) {
        http1_connect_failed(k, status);
        return;
    }
    http1_conn_ready(k);
}

void http1_conn_connect(h1_conn *k) {
    h1_request *r = k->r;
    h1_host *h = k->host;
    int rc;
    memcpy(r->remote_ip, h->ip, h->iplen + 1);
    r->remote_port = ntohs(h->addr.sa.sa_family == AF_INET6 ? h->addr.in6.sin6_port : h->addr.in4.sin_port);
    memcpy(&k->peer, &h->addr, sizeof h->addr);
    r->t_conn0_ = clock_now_us();
    k->state = CK_CONNECTING;
    char msg[200];
    if (dialer_refuse_ip(k->c->d, &h->addr.sa, msg, sizeof msg)) {
        conn_detach(k, r);
        client_conn_close(k);
        client_req_fail(k->c, r, H1_ERR_BLACKLISTED, 0, "%s", msg);
        return;
    }
    enum dial_stage at;
    rc = dial_tcp(k->c->loop, &k->tcp, &k->req.connect, k, r->local_addr, &h->addr.sa, http1_on_connect, &at);
    if (at != DIAL_AT_INIT) {
        k->tcp_open = 1;
        k->nhandles++;
    }
    if (rc == UV_EMFILE || rc == UV_ENFILE) { /* no descriptor for the socket: it waits for one */
        conn_detach(k, r);
        client_conn_close(k);
        client_fd_wait(k->c, r);
        return;
    }
    if (rc && at == DIAL_AT_BIND) {
        conn_detach(k, r);
        client_conn_close(k);
        client_req_fail(k->c, r, H1_ERR_CONNECT, rc, "dial tcp: bind local address: %s", uv_strerror(rc));
        return;
    }
    if (rc) http1_connect_failed(k, rc);
}
