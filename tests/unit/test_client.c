/* h1 client against a tiny in-process libuv HTTP server on the same loop:
 * keep-alive reuse, retries after the server drops a kept-alive connection,
 * Connection: close, refused, DNS failure, timeouts (also on a reused
 * connection whose timer was armed for an earlier request), gzip/deflate,
 * chunked, exact byte counts, big bodies both ways, cancel, IPv6, and a
 * concurrent run. Set H1_BENCH=N to also time N keep-alive GETs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>
#include <uv.h>
#include <zlib.h>

#include "net/client.h"
#include "util/clock.h"
#include "util/twheel.h"

/* ---- the test server ---- */

enum srv_mode {
    M_NORMAL,       /* answer every request with s->resp */
    M_SILENT,       /* read requests, never answer */
    M_CLOSE_AFTER,  /* answer, then close once the answer is written */
    M_DROP_SECOND,  /* close without answering the 2nd request on a connection */
    M_RESET_SECOND, /* same, with a TCP reset */
    M_EARLY,        /* answer once a request's head is in, before its body */
};

typedef struct srv srv;

typedef struct sconn {
    uv_tcp_t tcp;
    srv *s;
    buf in;
    int nreq;
    int early; /* M_EARLY: this connection's answer went out */
    struct sconn *prev, *next;
} sconn;

struct srv {
    uv_loop_t *loop;
    uv_tcp_t listener;
    int port;
    int accepts, requests;
    int mode;
    const char *resp;
    size_t resp_len;
    buf reqlog; /* every request received, back to back */
    uint64_t bytes_out;
    size_t last_body_len;
    sconn *conns;
    char rbuf[65536];
};

typedef struct swrite {
    uv_write_t w;
    sconn *sc;
    int close_after;
} swrite;

static void srv_conn_closed(uv_handle_t *h) {
    sconn *sc = h->data;
    buf_free(&sc->in);
    free(sc);
}

static void srv_conn_close(sconn *sc, int reset) {
    if (uv_is_closing((uv_handle_t *)&sc->tcp)) return;
    if (sc->prev) sc->prev->next = sc->next;
    else sc->s->conns = sc->next;
    if (sc->next) sc->next->prev = sc->prev;
    if (reset) uv_tcp_close_reset(&sc->tcp, srv_conn_closed);
    else uv_close((uv_handle_t *)&sc->tcp, srv_conn_closed);
}

static void srv_written(uv_write_t *w, int status) {
    swrite *sw = (swrite *)w;
    if (status == 0 && sw->close_after) srv_conn_close(sw->sc, 0);
    free(sw);
}

static void srv_respond(sconn *sc) {
    srv *s = sc->s;
    int m = s->mode;
    if (m == M_SILENT) return;
    if ((m == M_DROP_SECOND || m == M_RESET_SECOND) && sc->nreq >= 2) {
        srv_conn_close(sc, m == M_RESET_SECOND);
        return;
    }
    swrite *sw = calloc(1, sizeof *sw);
    sw->sc = sc;
    sw->close_after = m == M_CLOSE_AFTER;
    uv_buf_t b = uv_buf_init((char *)s->resp, (unsigned)s->resp_len);
    s->bytes_out += s->resp_len;
    uv_write(&sw->w, (uv_stream_t *)&sc->tcp, &b, 1, srv_written);
}

/* Complete requests (head + Content-Length body) out of sc->in. */
static void srv_process(sconn *sc) {
    srv *s = sc->s;
    for (;;) {
        char *end = sc->in.len ? memmem(sc->in.p, sc->in.len, "\r\n\r\n", 4) : NULL;
        if (!end) return;
        size_t hlen = (size_t)(end + 4 - sc->in.p), blen = 0;
        char save = end[2];
        end[2] = 0;
        const char *cl = strcasestr(sc->in.p, "\r\ncontent-length:");
        if (cl) blen = strtoul(cl + 17, NULL, 10);
        end[2] = save;
        if (s->mode == M_EARLY && !sc->early) {
            sc->early = 1;
            srv_respond(sc);
        }
        if (sc->in.len < hlen + blen) return;
        buf_append(&s->reqlog, sc->in.p, hlen + blen);
        s->requests++;
        uv_stop(s->loop);
        s->last_body_len = blen;
        sc->nreq++;
        memmove(sc->in.p, sc->in.p + hlen + blen, sc->in.len - hlen - blen);
        sc->in.len -= hlen + blen;
        if (s->mode != M_EARLY) srv_respond(sc);
        if (uv_is_closing((uv_handle_t *)&sc->tcp)) return;
    }
}

static void srv_alloc(uv_handle_t *h, size_t size, uv_buf_t *b) {
    (void)size;
    sconn *sc = h->data;
    *b = uv_buf_init(sc->s->rbuf, sizeof sc->s->rbuf);
}

static void srv_read(uv_stream_t *st, ssize_t n, const uv_buf_t *b) {
    sconn *sc = st->data;
    if (n < 0) {
        srv_conn_close(sc, 0);
        return;
    }
    buf_append(&sc->in, b->base, (size_t)n);
    srv_process(sc);
}

static void srv_accept(uv_stream_t *l, int status) {
    srv *s = l->data;
    if (status < 0) return;
    sconn *sc = calloc(1, sizeof *sc);
    sc->s = s;
    uv_tcp_init(s->loop, &sc->tcp);
    sc->tcp.data = sc;
    if (uv_accept(l, (uv_stream_t *)&sc->tcp)) {
        uv_close((uv_handle_t *)&sc->tcp, srv_conn_closed);
        return;
    }
    s->accepts++;
    sc->next = s->conns;
    if (s->conns) s->conns->prev = sc;
    s->conns = sc;
    uv_read_start((uv_stream_t *)&sc->tcp, srv_alloc, srv_read);
}

static void srv_set_resp(srv *s, const char *resp, size_t len) {
    s->resp = resp;
    s->resp_len = len ? len : strlen(resp);
}

/* Listens on ip:0; returns nonzero (and says why) when ip cannot be bound. */
static int srv_start(srv *s, uv_loop_t *loop, const char *ip) {
    union {
        struct sockaddr sa;
        struct sockaddr_in in4;
        struct sockaddr_in6 in6;
        struct sockaddr_storage ss;
    } a;
    int len = sizeof a, rc;
    memset(s, 0, sizeof *s);
    s->loop = loop;
    srv_set_resp(s, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", 0);
    uv_tcp_init(loop, &s->listener);
    s->listener.data = s;
    rc = strchr(ip, ':') ? uv_ip6_addr(ip, 0, &a.in6) : uv_ip4_addr(ip, 0, &a.in4);
    if (!rc) rc = uv_tcp_bind(&s->listener, &a.sa, 0);
    if (!rc) rc = uv_listen((uv_stream_t *)&s->listener, 1024, srv_accept);
    if (!rc) rc = uv_tcp_getsockname(&s->listener, &a.sa, &len);
    if (rc) {
        print_message("cannot listen on %s: %s\n", ip, uv_strerror(rc));
        return rc;
    }
    s->port = ntohs(a.sa.sa_family == AF_INET6 ? a.in6.sin6_port : a.in4.sin_port);
    return 0;
}

static void srv_stop(srv *s) {
    while (s->conns) srv_conn_close(s->conns, 0);
    if (!uv_is_closing((uv_handle_t *)&s->listener)) uv_close((uv_handle_t *)&s->listener, NULL);
    buf_free(&s->reqlog);
}

/* ---- fixture ---- */

typedef struct fx {
    uv_loop_t loop;
    srv s;
    h1_client *c;
    uv_timer_t guard;
    int expired;
} fx;

typedef struct call {
    h1_request r;
    buf hdr, body;
    int done;
    int64_t t_done;
    char url[256];
    fx *f;
    struct runner *rn; /* test_many only */
} call;

static int setup(void **state) {
    fx *f = calloc(1, sizeof *f);
    uv_loop_init(&f->loop);
    if (srv_start(&f->s, &f->loop, "127.0.0.1")) return -1;
    f->c = h1_client_new(&f->loop);
    uv_timer_init(&f->loop, &f->guard);
    f->guard.data = f;
    *state = f;
    return f->c ? 0 : -1;
}

static int teardown(void **state) {
    fx *f = *state;
    h1_client_free(f->c);
    srv_stop(&f->s);
    uv_close((uv_handle_t *)&f->guard, NULL);
    uv_run(&f->loop, UV_RUN_DEFAULT);
    int rc = uv_loop_close(&f->loop); /* every handle closed: nothing left behind */
    free(f);
    return rc;
}

static void on_guard(uv_timer_t *t) {
    fx *f = t->data;
    f->expired = 1;
}

/* Runs the loop until *flag >= want or ms pass; returns nonzero on expiry. */
static int run_until(fx *f, int *flag, int want, int64_t ms) {
    f->expired = 0;
    uv_timer_start(&f->guard, on_guard, (uint64_t)ms, 0);
    while (*flag < want && !f->expired) uv_run(&f->loop, UV_RUN_ONCE);
    uv_timer_stop(&f->guard);
    return *flag < want;
}

static void run_for(fx *f, int64_t ms) {
    int never = 0;
    run_until(f, &never, 1, ms);
}

static void on_done(h1_request *r, void *ud) {
    call *k = ud;
    (void)r;
    k->done++;
    k->t_done = clock_now_us();
    uv_stop(&k->f->loop); /* as the worker does: return from uv_run, skip the poll */
}

static void call_init(call *k, fx *f, const char *method, const char *fmt, ...) {
    va_list ap;
    memset(k, 0, sizeof *k);
    va_start(ap, fmt);
    vsnprintf(k->url, sizeof k->url, fmt, ap);
    va_end(ap);
    k->f = f;
    k->r.method = method;
    k->r.url = k->url;
    k->r.user_agent = "c6-test";
    k->r.timeout_ms = 5000;
    k->r.resp_headers = &k->hdr;
    k->r.resp_body = &k->body;
    k->r.done = on_done;
    k->r.ud = k;
}

static void call_free(call *k) {
    buf_free(&k->hdr);
    buf_free(&k->body);
}

/* Starts k, checks done is not called from inside h1_start, waits for it. */
static void call_run(call *k) {
    h1_start(k->f->c, &k->r);
    assert_int_equal(k->done, 0);
    assert_int_equal(run_until(k->f, &k->done, 1, 10000), 0);
    assert_int_equal(k->done, 1);
}

static void assert_ok(call *k, int status, const char *body) {
    if (k->r.err != H1_OK) print_error("%s: %s\n", k->url, k->r.errmsg);
    assert_int_equal(k->r.err, H1_OK);
    assert_int_equal(k->r.status, status);
    assert_string_equal(k->r.proto, "HTTP/1.1");
    assert_int_equal(k->body.len, strlen(body));
    assert_memory_equal(k->body.p ? k->body.p : "", body, k->body.len);
}

/* ---- tests ---- */

/* uv_walk: client-side sockets (peer is the server's port) must have TCP_NODELAY. */
typedef struct nd_check {
    int port, seen, nodelay;
} nd_check;

static void nd_walk(uv_handle_t *h, void *arg) {
    nd_check *nd = arg;
    struct sockaddr_storage ss;
    int len = sizeof ss, on = 0;
    socklen_t olen = sizeof on;
    uv_os_fd_t fd;
    if (h->type != UV_TCP || uv_is_closing(h)) return;
    if (uv_tcp_getpeername((uv_tcp_t *)h, (struct sockaddr *)&ss, &len)) return;
    if (ntohs(((struct sockaddr_in *)&ss)->sin_port) != nd->port) return;
    if (uv_fileno(h, &fd)) return;
    getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, &olen);
    nd->seen++;
    nd->nodelay += on != 0;
}

static void test_get_and_reuse(void **state) {
    fx *f = *state;
    call a, b;
    call_init(&a, f, "GET", "http://127.0.0.1:%d/", f->s.port);
    call_run(&a);
    assert_ok(&a, 200, "hello");
    assert_string_equal(a.hdr.p, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n");
    assert_string_equal(a.r.remote_ip, "127.0.0.1");
    assert_int_equal(a.r.remote_port, f->s.port);
    assert_true(a.r.t_connecting > 0);
    assert_true(a.r.t_blocked >= a.r.t_connecting);

    call_init(&b, f, "GET", "http://127.0.0.1:%d/again", f->s.port);
    call_run(&b);
    assert_ok(&b, 200, "hello");
    assert_true(b.r.t_connecting == 0);
    assert_true(b.r.t_blocked < 1.0);
    assert_true(b.r.t_sending >= 0 && b.r.t_waiting > 0 && b.r.t_receiving >= 0);
    assert_int_equal(f->s.accepts, 1);
    assert_int_equal(f->s.requests, 2);

    nd_check nd = {f->s.port, 0, 0};
    uv_walk(&f->loop, nd_walk, &nd);
    assert_int_equal(nd.seen, 1); /* the pooled connection */
    assert_int_equal(nd.nodelay, 1);
    call_free(&a);
    call_free(&b);
}

static void test_exact_bytes(void **state) {
    fx *f = *state;
    call k;
    const char *hdrs[] = {"X-A: 1", "Accept: */*"};
    char want[512];
    call_init(&k, f, "GET", "http://127.0.0.1:%d/p/a?q=1&r=2#frag", f->s.port);
    k.r.headers = hdrs;
    k.r.nheaders = 2;
    call_run(&k);
    assert_ok(&k, 200, "hello");
    snprintf(want, sizeof want,
             "GET /p/a?q=1&r=2 HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUser-Agent: c6-test\r\n"
             "X-A: 1\r\nAccept: */*\r\n\r\n",
             f->s.port);
    assert_string_equal(f->s.reqlog.p, want);
    assert_int_equal(k.r.bytes_sent, strlen(want));
    assert_int_equal(k.r.bytes_received, f->s.bytes_out);
    call_free(&k);

    /* no path, a query only, a User-Agent header overriding user_agent, no UA at all */
    buf_clear(&f->s.reqlog);
    const char *ua[] = {"user-agent: mine"};
    call_init(&k, f, "GET", "http://127.0.0.1:%d?x=1", f->s.port);
    k.r.headers = ua;
    k.r.nheaders = 1;
    call_run(&k);
    assert_ok(&k, 200, "hello");
    snprintf(want, sizeof want, "GET /?x=1 HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nuser-agent: mine\r\n\r\n", f->s.port);
    assert_string_equal(f->s.reqlog.p, want);
    call_free(&k);

    buf_clear(&f->s.reqlog);
    call_init(&k, f, "GET", "HTTP://localhost:%d", f->s.port);
    k.r.user_agent = NULL;
    call_run(&k);
    assert_ok(&k, 200, "hello");
    snprintf(want, sizeof want, "GET / HTTP/1.1\r\nHost: localhost:%d\r\n\r\n", f->s.port);
    assert_string_equal(f->s.reqlog.p, want);
    call_free(&k);

    /* user info in the URL is the caller's (an Authorization header): not in Host */
    buf_clear(&f->s.reqlog);
    call_init(&k, f, "GET", "http://u:p%%40ss@a@127.0.0.1:%d/u", f->s.port);
    k.r.user_agent = NULL;
    call_run(&k);
    assert_ok(&k, 200, "hello");
    snprintf(want, sizeof want, "GET /u HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n\r\n", f->s.port);
    assert_string_equal(f->s.reqlog.p, want);
    call_free(&k);

    /* a Host header replaces ours; a NULL resp_body discards the body */
    buf_clear(&f->s.reqlog);
    const char *host[] = {"Host: example.com"};
    call_init(&k, f, "GET", "http://127.0.0.1:%d/h", f->s.port);
    k.r.user_agent = NULL;
    k.r.headers = host;
    k.r.nheaders = 1;
    k.r.resp_body = NULL;
    call_run(&k);
    assert_int_equal(k.r.err, H1_OK);
    assert_int_equal(k.r.status, 200);
    assert_null(k.body.p);
    assert_string_equal(f->s.reqlog.p, "GET /h HTTP/1.1\r\nHost: example.com\r\n\r\n");
    call_free(&k);

    /* a space in the path is percent-encoded, like Go does */
    buf_clear(&f->s.reqlog);
    call_init(&k, f, "GET", "http://127.0.0.1:%d/a b", f->s.port);
    k.r.user_agent = NULL;
    call_run(&k);
    snprintf(want, sizeof want, "GET /a%%20b HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n\r\n", f->s.port);
    assert_string_equal(f->s.reqlog.p, want);
    call_free(&k);
}

static void test_post_body(void **state) {
    fx *f = *state;
    call k;
    char want[512];
    call_init(&k, f, "POST", "http://127.0.0.1:%d/post", f->s.port);
    k.r.body = "hello";
    k.r.body_len = 5;
    k.r.has_body = 1;
    call_run(&k);
    assert_ok(&k, 200, "hello");
    snprintf(want, sizeof want,
             "POST /post HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUser-Agent: c6-test\r\nContent-Length: 5\r\n\r\nhello",
             f->s.port);
    assert_string_equal(f->s.reqlog.p, want);
    assert_int_equal(k.r.bytes_sent, strlen(want));
    call_free(&k);

    /* has_body with an empty body still says Content-Length: 0 */
    buf_clear(&f->s.reqlog);
    call_init(&k, f, "PUT", "http://127.0.0.1:%d/", f->s.port);
    k.r.has_body = 1;
    call_run(&k);
    assert_ok(&k, 200, "hello");
    assert_non_null(strstr(f->s.reqlog.p, "\r\nContent-Length: 0\r\n\r\n"));
    call_free(&k);
}

/* A body far larger than the socket buffers: try_write writes part, uv_write the rest. */
static void test_big_bodies(void **state) {
    fx *f = *state;
    size_t n = 32u << 20;
    char *big = malloc(n);
    for (size_t i = 0; i < n; i++) big[i] = (char)('a' + i % 26);
    call k;
    call_init(&k, f, "POST", "http://127.0.0.1:%d/up", f->s.port);
    k.r.body = big;
    k.r.body_len = n;
    k.r.has_body = 1;
    call_run(&k);
    assert_ok(&k, 200, "hello");
    assert_int_equal(f->s.last_body_len, n);
    assert_int_equal(memcmp(f->s.reqlog.p + f->s.reqlog.len - n, big, n), 0);
    assert_int_equal(k.r.bytes_sent, f->s.reqlog.len);
    assert_true(k.r.t_sending > 0);
    call_free(&k);

    /* and a 3 MB response, read through the one 64 KB buffer */
    size_t rn = 3u << 20;
    char *resp = malloc(rn + 100);
    int h = sprintf(resp, "HTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n", rn);
    memcpy(resp + h, big, rn);
    srv_set_resp(&f->s, resp, (size_t)h + rn);
    call_init(&k, f, "GET", "http://127.0.0.1:%d/down", f->s.port);
    call_run(&k);
    assert_int_equal(k.r.err, H1_OK);
    assert_int_equal(k.body.len, rn);
    assert_int_equal(memcmp(k.body.p, big, rn), 0);
    assert_int_equal(k.r.bytes_received, (size_t)h + rn);
    assert_int_equal(f->s.accepts, 1);
    call_free(&k);
    free(resp);
    free(big);
}

static void test_chunked(void **state) {
    fx *f = *state;
    static const char resp[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                               "6;ext=1\r\nhello \r\n5\r\nworld\r\n0\r\nX-Trailer: t\r\n\r\n";
    srv_set_resp(&f->s, resp, 0);
    call a, b;
    call_init(&a, f, "GET", "http://127.0.0.1:%d/", f->s.port);
    call_run(&a);
    assert_ok(&a, 200, "hello world");
    assert_int_equal(a.r.bytes_received, sizeof resp - 1);
    call_init(&b, f, "GET", "http://127.0.0.1:%d/", f->s.port);
    call_run(&b);
    assert_ok(&b, 200, "hello world");
    assert_int_equal(f->s.accepts, 1); /* chunked keeps the connection */
    call_free(&a);
    call_free(&b);
}

/* Compresses s with the given zlib windowBits (31 gzip, 15 zlib, -15 raw). */
static size_t compress_to(char *out, size_t cap, const char *s, int wbits) {
    z_stream z;
    memset(&z, 0, sizeof z);
    deflateInit2(&z, 6, Z_DEFLATED, wbits, 8, Z_DEFAULT_STRATEGY);
    z.next_in = (Bytef *)s;
    z.avail_in = (uInt)strlen(s);
    z.next_out = (Bytef *)out;
    z.avail_out = (uInt)cap;
    deflate(&z, Z_FINISH);
    size_t n = z.total_out;
    deflateEnd(&z);
    return n;
}

/* A body in coding (compressed with wbits: 31 gzip, 15 zlib, -15 raw
 * deflate); fail: the k6 error text expected (H1_ERR_BODY), NULL none. */
static void check_encoded_as(fx *f, const char *coding, int wbits, int chunked, const char *fail) {
    char plain[4096], z[4096], resp[8192];
    for (int i = 0; i < 200; i++) memcpy(plain + i * 20, "compressible text.. ", 20);
    plain[4000] = 0;
    size_t zn = compress_to(z, sizeof z, plain, wbits);
    int h = chunked
                ? sprintf(resp, "HTTP/1.1 200 OK\r\nContent-Encoding: %s\r\nTransfer-Encoding: chunked\r\n\r\n%zx\r\n",
                          coding, zn)
                : sprintf(resp, "HTTP/1.1 200 OK\r\nContent-Encoding: %s\r\nContent-Length: %zu\r\n\r\n", coding, zn);
    memcpy(resp + h, z, zn);
    size_t len = (size_t)h + zn;
    if (chunked) {
        memcpy(resp + len, "\r\n0\r\n\r\n", 7);
        len += 7;
    }
    srv_set_resp(&f->s, resp, len);
    call k;
    call_init(&k, f, "GET", "http://127.0.0.1:%d/z", f->s.port);
    call_run(&k);
    if (fail) {
        assert_int_equal(k.r.err, H1_ERR_BODY);
        assert_int_equal(k.r.status, 200);
        assert_int_equal(k.r.body_code, 1701);
        assert_string_equal(k.r.errmsg, fail);
    } else {
        assert_ok(&k, 200, plain);
    }
    assert_int_equal(k.r.bytes_received, len);
    call_free(&k);
}

static void check_encoded(fx *f, const char *coding, int wbits, int chunked) {
    check_encoded_as(f, coding, wbits, chunked, NULL);
}

static void test_gzip(void **state) {
    fx *f = *state;
    check_encoded(f, "gzip", 31, 0);
    check_encoded(f, "gzip", 31, 1);
    check_encoded(f, "deflate", 15, 0);
    /* raw deflate: k6's zlib.NewReader refuses it (lib/netext/httpext/compression.go,
     * newDecompressionError: 1701 "error decompressing response body (zlib: invalid header)") */
    check_encoded_as(f, "deflate", -15, 0, "error decompressing response body (zlib: invalid header)");
    check_encoded(f, "gzip", 31, 0); /* pooled inflater reset after the failed one */
    assert_int_equal(f->s.accepts, 1);

    /* garbage labelled gzip: the response is whole, so its status stays for
     * the caller, the error is k6's 1701, and the connection is reused */
    srv_set_resp(&f->s, "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 5\r\n\r\nnotgz", 0);
    call k;
    call_init(&k, f, "GET", "http://127.0.0.1:%d/z", f->s.port);
    call_run(&k);
    assert_int_equal(k.r.err, H1_ERR_BODY);
    assert_int_equal(k.r.status, 200);
    assert_string_equal(k.r.errmsg, "error decompressing response body (gzip: invalid header)");
    call_free(&k);
    check_encoded(f, "gzip", 31, 0);
    assert_int_equal(f->s.accepts, 1);
}

static void test_connection_close(void **state) {
    fx *f = *state;
    srv_set_resp(&f->s, "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok", 0);
    call a, b;
    call_init(&a, f, "GET", "http://127.0.0.1:%d/", f->s.port);
    call_run(&a);
    assert_ok(&a, 200, "ok");
    call_init(&b, f, "GET", "http://127.0.0.1:%d/", f->s.port);
    call_run(&b);
    assert_ok(&b, 200, "ok");
    assert_int_equal(f->s.accepts, 2);
    assert_true(b.r.t_connecting > 0);

    /* HTTP/1.0 without keep-alive, and a body delimited by the close */
    f->s.mode = M_CLOSE_AFTER;
    srv_set_resp(&f->s, "HTTP/1.0 200 OK\r\n\r\nuntil the end", 0);
    call_free(&a);
    call_free(&b);
    call_init(&a, f, "GET", "http://127.0.0.1:%d/", f->s.port);
    call_run(&a);
    assert_int_equal(a.r.err, H1_OK);
    assert_string_equal(a.r.proto, "HTTP/1.0");
    assert_string_equal(a.body.p, "until the end");
    call_init(&b, f, "GET", "http://127.0.0.1:%d/", f->s.port);
    call_run(&b);
    assert_string_equal(b.body.p, "until the end");
    assert_int_equal(f->s.accepts, 4);
    call_free(&a);
    call_free(&b);
}

/* The server closes a kept-alive connection while it sits idle: the client
 * sees the EOF, drops it, and the next request dials afresh. */
static void test_idle_close_noticed(void **state) {
    fx *f = *state;
    f->s.mode = M_CLOSE_AFTER;
    call a, b;
    call_init(&a, f, "GET", "http://127.0.0.1:%d/", f->s.port);
    call_run(&a);
    assert_ok(&a, 200, "hello");
    run_for(f, 50);
    f->s.mode = M_NORMAL;
    call_init(&b, f, "GET", "http://127.0.0.1:%d/", f->s.port);
    call_run(&b);
    assert_ok(&b, 200, "hello");
    assert_int_equal(f->s.accepts, 2);
    assert_int_equal(f->s.requests, 2);
    assert_true(b.r.t_connecting > 0);
    call_free(&a);
    call_free(&b);
}

/* The server drops the connection as the next request arrives on it (FIN or
 * RST): the request is retried once on a fresh connection. */
static void check_retry(fx *f, int mode) {
    f->s.mode = mode;
    call a, b;
    call_init(&a, f, "GET", "http://127.0.0.1:%d/", f->s.port);
    call_run(&a);
    assert_ok(&a, 200, "hello");
    call_init(&b, f, "GET", "http://127.0.0.1:%d/", f->s.port);
    call_run(&b);
    assert_ok(&b, 200, "hello");
    assert_int_equal(f->s.accepts, 2);
    assert_int_equal(f->s.requests, 3);
    assert_true(b.r.t_connecting > 0);
    call_free(&a);
    call_free(&b);
}

static void test_retry_after_fin(void **state) { check_retry(*state, M_DROP_SECOND); }
static void test_retry_after_rst(void **state) { check_retry(*state, M_RESET_SECOND); }

/* Not for POST: like Go's transport, a request that may have been acted on is
 * not replayed. */
/* Bytes the server sends on a kept-alive connection while it sits idle
 * (after it was looked at once, so the next request does not look again):
 * the client drops it when they arrive, and the next request dials afresh
 * instead of reading them as its response. */
static void test_idle_stray_bytes(void **state) {
    fx *f = *state;
    call a, b, c;
    call_init(&a, f, "GET", "http://127.0.0.1:%d/", f->s.port);
    call_run(&a);
    assert_ok(&a, 200, "hello");
    call_init(&b, f, "GET", "http://127.0.0.1:%d/", f->s.port);
    call_run(&b);
    assert_ok(&b, 200, "hello");
    assert_int_equal(f->s.accepts, 1);
    assert_non_null(f->s.conns);
    static const char junk[] = "HTTP/1.1 500 Stray\r\nContent-Length: 0\r\n\r\n";
    uv_buf_t jb = uv_buf_init((char *)junk, sizeof junk - 1);
    assert_int_equal(uv_try_write((uv_stream_t *)&f->s.conns->tcp, &jb, 1), (int)(sizeof junk - 1));
    run_for(f, 50);
    call_init(&c, f, "GET", "http://127.0.0.1:%d/", f->s.port);
    call_run(&c);
    assert_ok(&c, 200, "hello");
    assert_int_equal(f->s.accepts, 2);
    assert_true(c.r.t_connecting > 0);
    call_free(&a);
    call_free(&b);
    call_free(&c);
}

/* The server answers while the request body is still going out (the
 * client's write queued in libuv, the response read beside it): the
 * response is the request's, the connection is not reused. */
static void test_answer_before_body_sent(void **state) {
    fx *f = *state;
    f->s.mode = M_EARLY;
    srv_set_resp(&f->s, "HTTP/1.1 413 Too Large\r\nContent-Length: 2\r\n\r\nno", 0);
    size_t n = 32u << 20;
    char *big = calloc(1, n);
    assert_non_null(big);
    call a, b;
    call_init(&a, f, "POST", "http://127.0.0.1:%d/up", f->s.port);
    a.r.body = big;
    a.r.body_len = n;
    a.r.has_body = 1;
    call_run(&a);
    assert_ok(&a, 413, "no");
    f->s.mode = M_NORMAL;
    srv_set_resp(&f->s, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", 0);
    call_init(&b, f, "GET", "http://127.0.0.1:%d/", f->s.port);
    call_run(&b);
    assert_ok(&b, 200, "hello");
    assert_int_equal(f->s.accepts, 2);
    call_free(&a);
    call_free(&b);
    free(big);
}

static void test_no_retry_post(void **state) {
    fx *f = *state;
    f->s.mode = M_DROP_SECOND;
    call a, b;
    call_init(&a, f, "POST", "http://127.0.0.1:%d/", f->s.port);
    a.r.has_body = 1;
    call_run(&a);
    assert_ok(&a, 200, "hello");
    call_init(&b, f, "POST", "http://127.0.0.1:%d/", f->s.port);
    b.r.has_body = 1;
    call_run(&b);
    assert_int_equal(b.r.err, H1_ERR_EOF);
    assert_string_equal(b.r.errmsg, "EOF");
    assert_int_equal(b.r.status, 0);
    assert_int_equal(f->s.accepts, 1);
    call_free(&a);
    call_free(&b);
}

/* A port nothing listens on: bound, read back, closed. */
static int free_port(void) {
    struct sockaddr_in a;
    socklen_t len = sizeof a;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    uv_ip4_addr("127.0.0.1", 0, &a);
    bind(fd, (struct sockaddr *)&a, sizeof a);
    getsockname(fd, (struct sockaddr *)&a, &len);
    close(fd);
    return ntohs(a.sin_port);
}

static void test_refused(void **state) {
    fx *f = *state;
    int port = free_port();
    call k;
    char want[128];
    call_init(&k, f, "GET", "http://127.0.0.1:%d/", port);
    call_run(&k);
    assert_int_equal(k.r.err, H1_ERR_REFUSED);
    assert_int_equal(k.r.status, 0);
    assert_int_equal(k.r.os_errno, ECONNREFUSED);
    snprintf(want, sizeof want, "dial tcp 127.0.0.1:%d: connect: connection refused", port);
    assert_string_equal(k.r.errmsg, want);
    call_free(&k);
}

static void test_dns_failure(void **state) {
    fx *f = *state;
    call k;
    call_init(&k, f, "GET", "http://nohost.invalid/x");
    call_run(&k);
    assert_int_equal(k.r.err, H1_ERR_DNS);
    assert_int_equal(strncmp(k.r.errmsg, "lookup nohost.invalid: ", 23), 0);
    print_message("    dns error: %s\n", k.r.errmsg);
    call_free(&k);
}

static void test_bad_urls(void **state) {
    fx *f = *state;
    static const char *bad[] = {
        "ftp://127.0.0.1/", "http://",      "http:///x",    "http://[::1/",  "http://h:99999/",
        "http://h:0/",      "http://h:8x/", "http://u:p@/", "http://u@:80/", "http://a b/",
        "http://h/\x01",    "127.0.0.1/",   "httpz://x/",   "https:/x",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        call k;
        call_init(&k, f, "GET", "%s", bad[i]);
        call_run(&k);
        assert_int_equal(k.r.err, H1_ERR_URL);
        assert_int_equal(strncmp(k.r.errmsg, "parse \"", 7), 0);
        call_free(&k);
    }
}

static void test_timeout(void **state) {
    fx *f = *state;
    f->s.mode = M_SILENT;
    call k;
    call_init(&k, f, "GET", "http://127.0.0.1:%d/", f->s.port);
    k.r.timeout_ms = 100;
    int64_t t0 = clock_now_us();
    call_run(&k);
    int64_t el = k.t_done - t0;
    assert_int_equal(k.r.err, H1_ERR_TIMEOUT);
    assert_string_equal(k.r.errmsg, "request timeout");
    assert_int_equal(k.r.status, 0);
    assert_true(el >= 100000 && el < 1000000);
    call_free(&k);
}

/* Request timeouts live on the client's timing wheel, which spans 16,384 ms:
 * a longer one is put back each time the wheel's span runs out, and fires
 * at its deadline, not at the span's end nor never (k6's default timeout is
 * 60 s). Slow by nature: ~17.5 s. */
static void test_timeout_past_wheel(void **state) {
    fx *f = *state;
    f->s.mode = M_SILENT;
    call k;
    call_init(&k, f, "GET", "http://127.0.0.1:%d/", f->s.port);
    k.r.timeout_ms = TWHEEL_SLOTS + 1100;
    int64_t t0 = clock_now_us();
    h1_start(f->c, &k.r);
    assert_int_equal(run_until(f, &k.done, 1, TWHEEL_SLOTS + 8000), 0); /* call_run gives up at 10 s */
    int64_t el = k.t_done - t0;
    assert_int_equal(k.r.err, H1_ERR_TIMEOUT);
    assert_string_equal(k.r.errmsg, "request timeout");
    assert_true(el >= (TWHEEL_SLOTS + 1100) * 1000LL && el < (TWHEEL_SLOTS + 3000) * 1000LL);
    call_free(&k);
}

/* On a reused connection the timer may still be armed for an earlier request:
 * a shorter new timeout re-arms it, a longer one is honoured after a re-arm. */
static void test_timeout_reused(void **state) {
    fx *f = *state;
    call a, b;
    call_init(&a, f, "GET", "http://127.0.0.1:%d/", f->s.port);
    a.r.timeout_ms = 10000;
    call_run(&a);
    assert_ok(&a, 200, "hello");
    f->s.mode = M_SILENT;
    call_init(&b, f, "GET", "http://127.0.0.1:%d/", f->s.port);
    b.r.timeout_ms = 100;
    int64_t t0 = clock_now_us();
    call_run(&b);
    assert_int_equal(b.r.err, H1_ERR_TIMEOUT);
    assert_true(b.t_done - t0 < 1000000);

    f->s.mode = M_NORMAL;
    call_free(&a);
    call_free(&b);
    call_init(&a, f, "GET", "http://127.0.0.1:%d/", f->s.port);
    a.r.timeout_ms = 100;
    call_run(&a);
    assert_ok(&a, 200, "hello");
    f->s.mode = M_SILENT;
    call_init(&b, f, "GET", "http://127.0.0.1:%d/", f->s.port);
    b.r.timeout_ms = 300;
    t0 = clock_now_us();
    call_run(&b);
    assert_int_equal(b.r.err, H1_ERR_TIMEOUT);
    assert_true(b.t_done - t0 >= 300000);
    assert_int_equal(f->s.accepts, 2);
    call_free(&a);
    call_free(&b);
}

static void test_cancel(void **state) {
    fx *f = *state;
    f->s.mode = M_SILENT;
    call k;
    call_init(&k, f, "GET", "http://127.0.0.1:%d/", f->s.port);
    h1_start(f->c, &k.r);
    assert_int_equal(run_until(f, &f->s.requests, 1, 5000), 0);
    h1_cancel(f->c, &k.r);
    run_for(f, 50);
    assert_int_equal(k.done, 0);
    assert_null(f->s.conns); /* the client closed the connection */

    /* cancelled before connecting, before the DNS answer, and while failing */
    call_init(&k, f, "GET", "http://127.0.0.1:%d/", f->s.port);
    h1_start(f->c, &k.r);
    h1_cancel(f->c, &k.r);
    call_init(&k, f, "GET", "http://nohost.invalid/");
    h1_start(f->c, &k.r);
    h1_cancel(f->c, &k.r);
    call_init(&k, f, "GET", "nonsense");
    h1_start(f->c, &k.r);
    h1_cancel(f->c, &k.r);
    run_for(f, 100);
    assert_int_equal(k.done, 0);

    /* the client still works */
    f->s.mode = M_NORMAL;
    call_init(&k, f, "GET", "http://127.0.0.1:%d/", f->s.port);
    call_run(&k);
    assert_ok(&k, 200, "hello");
    call_free(&k);
}

/* h1_client_free with requests in every state: no done calls, no leaks (ASan). */
static void test_free_busy(void **state) {
    fx *f = *state;
    f->s.mode = M_SILENT;
    call k[4];
    call_init(&k[0], f, "GET", "http://127.0.0.1:%d/", f->s.port);
    call_init(&k[1], f, "GET", "http://nohost.invalid/");
    call_init(&k[2], f, "GET", "bad url");
    call_init(&k[3], f, "GET", "http://127.0.0.1:%d/", f->s.port);
    h1_start(f->c, &k[0].r);
    h1_start(f->c, &k[3].r);
    assert_int_equal(run_until(f, &f->s.requests, 2, 2000), 0);
    h1_start(f->c, &k[1].r); /* DNS lookup in flight */
    h1_start(f->c, &k[2].r); /* failure queued */
    h1_client_free(f->c);
    f->c = NULL;
    run_for(f, 50);
    for (int i = 0; i < 4; i++) {
        assert_int_equal(k[i].done, 0);
        call_free(&k[i]);
    }
}

static void test_head_and_204(void **state) {
    fx *f = *state;
    srv_set_resp(&f->s, "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n", 0);
    call k;
    call_init(&k, f, "HEAD", "http://127.0.0.1:%d/", f->s.port);
    call_run(&k);
    assert_ok(&k, 200, "");
    call_free(&k);
    srv_set_resp(&f->s, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n", 0);
    call_init(&k, f, "DELETE", "http://127.0.0.1:%d/", f->s.port);
    call_run(&k);
    assert_ok(&k, 204, "");
    assert_string_equal(k.hdr.p, "HTTP/1.1 204 No Content\r\n\r\n");
    call_free(&k);
    assert_int_equal(f->s.accepts, 1);
}

static void test_malformed_response(void **state) {
    fx *f = *state;
    srv_set_resp(&f->s, "HTTP/1.1 abc\r\n\r\n", 0);
    call k;
    call_init(&k, f, "GET", "http://127.0.0.1:%d/", f->s.port);
    call_run(&k);
    assert_int_equal(k.r.err, H1_ERR_HEAD); /* Go's ReadResponse text */
    assert_string_equal(k.r.errmsg, "malformed HTTP status code \"abc\"");
    call_free(&k);

    /* a failed request keeps no part of the head it read */
    f->s.mode = M_CLOSE_AFTER;
    srv_set_resp(&f->s, "HTTP/1.1 200 OK\r\nX-A: 1\r\nX-B: 2", 0);
    call_init(&k, f, "GET", "http://127.0.0.1:%d/", f->s.port);
    call_run(&k);
    assert_int_equal(k.r.err, H1_ERR_EOF);
    assert_int_equal(k.r.resp_headers->len, 0);
    call_free(&k);
    f->s.mode = M_NORMAL;

    /* truncated body: the server closes mid-way */
    f->s.mode = M_CLOSE_AFTER;
    srv_set_resp(&f->s, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", 0);
    call_init(&k, f, "GET", "http://127.0.0.1:%d/", f->s.port);
    call_run(&k);
    assert_int_equal(k.r.err, H1_ERR_EOF);
    assert_string_equal(k.r.errmsg, "unexpected EOF");
    call_free(&k);
}

static void test_ipv6(void **state) {
    fx *f = *state;
    srv s6;
    if (srv_start(&s6, &f->loop, "::1")) {
        print_message("    skipped: ::1 cannot be bound on this machine\n");
        srv_stop(&s6);
        skip();
    }
    call k;
    char want[128];
    call_init(&k, f, "GET", "http://[::1]:%d/six", s6.port);
    call_run(&k);
    assert_ok(&k, 200, "hello");
    assert_string_equal(k.r.remote_ip, "::1");
    snprintf(want, sizeof want, "GET /six HTTP/1.1\r\nHost: [::1]:%d\r\nUser-Agent: c6-test\r\n\r\n", s6.port);
    assert_string_equal(s6.reqlog.p, want);
    call_free(&k);

    /* refused on IPv6: Go writes the address in brackets */
    int port = s6.port;
    srv_stop(&s6);
    run_for(f, 10);
    call_init(&k, f, "GET", "http://[::1]:%d/", port);
    call_run(&k);
    assert_int_equal(k.r.err, H1_ERR_REFUSED);
    snprintf(want, sizeof want, "dial tcp [::1]:%d: connect: connection refused", port);
    assert_string_equal(k.r.errmsg, want);
    call_free(&k);
}

/* ---- many requests, 50 at a time (also a benchmark with H1_BENCH=N) ---- */

typedef struct runner {
    fx *f;
    call calls[50];
    int started, finished, total, errors;
} runner;

/* Each finished request starts the next one on the same h1_request, as a VU would. */
static void on_many_done(h1_request *r, void *ud) {
    call *k = ud;
    runner *rn = k->rn;
    rn->finished++;
    if (r->err != H1_OK || r->status != 200 || k->body.len != 5) rn->errors++;
    if (rn->finished == rn->total) uv_stop(&rn->f->loop);
    if (rn->started < rn->total) {
        rn->started++;
        h1_start(rn->f->c, r);
    }
}

static void run_many(fx *f, int total, int conc) {
    runner *rn = calloc(1, sizeof *rn);
    rn->f = f;
    rn->total = total;
    for (int i = 0; i < conc && rn->started < total; i++) {
        call *k = &rn->calls[i];
        call_init(k, f, "GET", "http://127.0.0.1:%d/", f->s.port);
        k->rn = rn;
        k->r.done = on_many_done;
        rn->started++;
        h1_start(f->c, &k->r);
    }
    int64_t t0 = clock_now_us();
    assert_int_equal(run_until(f, &rn->finished, total, 120000), 0);
    int64_t us = clock_now_us() - t0;
    assert_int_equal(rn->errors, 0);
    assert_true(f->s.accepts <= conc);
    print_message("    %d requests, %d concurrent, %d connections: %.0f req/s\n", total, conc, f->s.accepts,
                  total / (us / 1e6));
    for (int i = 0; i < conc; i++) call_free(&rn->calls[i]);
    free(rn);
}

static void test_many(void **state) {
    fx *f = *state;
    const char *n = getenv("H1_BENCH");
    run_many(f, n ? atoi(n) : 2000, 50);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_get_and_reuse, setup, teardown),
        cmocka_unit_test_setup_teardown(test_exact_bytes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_post_body, setup, teardown),
        cmocka_unit_test_setup_teardown(test_big_bodies, setup, teardown),
        cmocka_unit_test_setup_teardown(test_chunked, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gzip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_connection_close, setup, teardown),
        cmocka_unit_test_setup_teardown(test_idle_close_noticed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retry_after_fin, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retry_after_rst, setup, teardown),
        cmocka_unit_test_setup_teardown(test_idle_stray_bytes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_answer_before_body_sent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_retry_post, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dns_failure, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_urls, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timeout, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timeout_reused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timeout_past_wheel, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cancel, setup, teardown),
        cmocka_unit_test_setup_teardown(test_free_busy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_head_and_204, setup, teardown),
        cmocka_unit_test_setup_teardown(test_malformed_response, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ipv6, setup, teardown),
        cmocka_unit_test_setup_teardown(test_many, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
