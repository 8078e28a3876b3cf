/* c6's HTTP client (see client.h): requests in and out.
 *
 * Shape of a request: h1_start splits the URL (util/url.c), finds the
 * (host,port) entry (hostcache.c: DNS cache and idle pool in one), pops an
 * idle connection or dials a new one, serializes the request into the
 * client's scratch buffer and writes it with one uv_try_write (http1.c, or
 * tlsconn.c over TLS, or a stream on an HTTP/2 session: http2.c). Every
 * connection reads all the time into the client's one read buffer; the
 * response is parsed straight out of it into the caller's bufs, and the
 * connection goes back to its pool.
 *
 * Completions: successes are delivered from the read callback; every failure
 * is queued and delivered from a zero-delay timer, so done never runs inside
 * h1_start whichever step failed synchronously.
 *
 * Per-request work avoids the kernel and the allocator: the connection's
 * timeout goes on the client's timing wheel lazily (one due before the new
 * deadline is left alone and re-armed when it fires; libuv's timer heap holds
 * one timer for the whole wheel), and timestamps are taken only where k6's
 * timings need them. */
#include "net/client_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdatomic.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include "util/clock.h"
#include "util/log.h"

static void client_unhold(h1_conn *k, int share);
static void client_on_wheel(uv_timer_t *t);

/* ---- completion ---- */

static void client_free_dead(h1_client *c) {
    for (h1_conn *k; (k = c->dead) != NULL; free(k)) {
        c->dead = k->next;
        buf_free(&k->wpend);
    }
}

static void client_on_defer(uv_timer_t *t) {
    h1_client *c = t->data;
    h1_request *r;
    client_free_dead(c);
    /* a snapshot: failures queued by these done callbacks wait for the next turn */
    c->delivering = c->deferred;
    c->deferred = NULL;
    while ((r = c->delivering) != NULL) {
        c->delivering = r->next_;
        if (r->redo_) { /* not a completion: the request goes out again */
            r->redo_ = 0;
            r->state_ = RQ_ACTIVE;
            client_dispatch(c, r, clock_now_us());
            continue;
        }
        r->state_ = RQ_IDLE;
        r->done(r, r->ud);
    }
}

static void client_req_vfail(h1_client *c, h1_request *r, enum h1_error e, int uverr, const char *fmt, va_list ap) {
    vsnprintf(r->errmsg, sizeof r->errmsg, fmt, ap);
    r->err = e;
    r->status = 0;
    if (r->resp_headers) buf_clear(r->resp_headers); /* a failed request shows no headers (k6) */
    r->os_errno = uverr < 0 && uverr > -4096 ? -uverr : 0;
    req_set_timings(r, clock_now_us());
    client_body_release(r);
    r->state_ = RQ_DEFERRED;
    r->next_ = c->deferred;
    c->deferred = r;
    if (!uv_is_active((uv_handle_t *)&c->defer)) uv_timer_start(&c->defer, client_on_defer, 0, 0);
}

/* Fails r, which no connection holds any more; done runs from the loop. */
__attribute__((format(printf, 5, 6))) void client_req_fail(h1_client *c, h1_request *r, enum h1_error e, int uverr,
                                                           const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    client_req_vfail(c, r, e, uverr, fmt, ap);
    va_end(ap);
}

static int client_unlink_req(h1_request **head, h1_request *r) {
    for (h1_request **pp = head; *pp; pp = &(*pp)->next_)
        if (*pp == r) {
            *pp = r->next_;
            return 1;
        }
    return 0;
}
/* ---- connections ---- */

static void client_on_conn_closed(uv_handle_t *h) {
    h1_conn *k = h->data;
    if (--k->nhandles) return;
    buf_free(&k->wpend);
    free(k);
}

void client_conn_close(h1_conn *k) {
    h1_client *c = k->c;
    if (k->state == CK_CLOSING) return;
    if (k->state == CK_IDLE && k->held_vu) client_unhold(k, 0);
    else if (k->state == CK_IDLE) list_unlink(&k->host->idle, k);
    else if (k->state == CK_DNS) list_unlink(&k->host->waiting, k);
    k->state = CK_CLOSING;
    if (k->h2.ng || k->in_h2list || k->queue) h2_close(k);
    tlsio_free(k->tls); /* no close_notify: the socket just closes */
    k->tls = NULL;
    free(k->auth);
    k->auth = NULL;
    if (k->aprev) k->aprev->anext = k->anext;
    else c->all = k->anext;
    if (k->anext) k->anext->aprev = k->aprev;
    /* pending connect/write requests complete with UV_ECANCELED before on_conn_closed */
    twheel_del(&c->tw, &k->tnode);
    k->timer_due_us = 0;
    if (k->tcp_open) {
        uv_close((uv_handle_t *)&k->tcp, client_on_conn_closed);
        return;
    }
    /* freed from the loop, not here: callers still look at k after closing it */
    k->next = c->dead;
    c->dead = k;
    if (!uv_is_active((uv_handle_t *)&c->defer)) uv_timer_start(&c->defer, client_on_defer, 0, 0);
}

/* Fails the request k serves and closes k. */
__attribute__((format(printf, 4, 5))) void client_conn_fail(h1_conn *k, enum h1_error e, int uverr, const char *fmt,
                                                            ...) {
    h1_request *r = k->r;
    va_list ap;
    conn_detach(k, r);
    client_conn_close(k);
    va_start(ap, fmt);
    client_req_vfail(k->c, r, e, uverr, fmt, ap);
    va_end(ap);
}

/* Arms the client's timer for the wheel's earliest due (now_ms: the
 * clock's ms). It may fire early (the loop's clock lags by the time its turn
 * took): client_on_wheel then finds nothing due and arms it again. */
static void client_wheel_arm(h1_client *c, uint64_t now_ms) {
    uint64_t due;
    if (!twheel_next(&c->tw, &due) || (c->tw_armed && c->tw_armed <= due)) return;
    c->tw_armed = due;
    uv_timer_start(&c->tw_timer, client_on_wheel, due > now_ms ? due - now_ms : 0, 0);
}

/* The armed timeout may fire before r's deadline (it was set for an earlier
 * request, or held back to the wheel's span of ~16 s); client_on_timeout
 * then re-arms it. So a steady stream of requests with one timeout touches
 * the wheel once per timeout period at most, not per request, and the
 * loop's timer heap stays small (a start or stop walks it: ~13 levels of
 * cold nodes with one timer per connection at 10,000 VUs). client_arm_timer
 * (client_int.h) comes here only when the wheel must change. */
void client_arm_timer_(h1_conn *k, h1_request *r, int64_t now) {
    h1_client *c = k->c;
    int64_t ms = (r->deadline_us_ - now + 999) / 1000;
    if (ms < 0) ms = 0;
    uint64_t now_ms = (uint64_t)now / 1000, due = now_ms + (uint64_t)ms;
    if (!twheel_add(&c->tw, &k->tnode, now_ms, due)) { /* past the wheel's span: come back before it ends */
        due = (c->tw.n ? c->tw.cursor : now_ms) + TWHEEL_SLOTS - 1;
        twheel_add(&c->tw, &k->tnode, now_ms, due);
    }
    k->timer_due_us = (int64_t)k->tnode.due * 1000;
    client_wheel_arm(c, now_ms);
}

static void client_on_timeout(twheel_node *n, void *arg) {
    (void)arg;
    h1_conn *k = (h1_conn *)(void *)((char *)n - offsetof(h1_conn, tnode));
    h1_request *r = k->r;
    k->timer_due_us = 0;
    if (k->state == CK_H2) {
        h2_on_timer(k);
        return;
    }
    if (!r || k->state == CK_CLOSING) return;
    int64_t now = clock_now_us();
    if (now < r->deadline_us_) {
        client_arm_timer(k, r, now);
        return;
    }
    client_conn_fail(k, H1_ERR_TIMEOUT, 0, "request timeout");
}

static void client_on_wheel(uv_timer_t *t) {
    h1_client *c = t->data;
    uint64_t now_ms = (uint64_t)clock_now_us() / 1000;
    c->tw_armed = 0;
    twheel_expire(&c->tw, now_ms, client_on_timeout, NULL);
    client_wheel_arm(c, now_ms);
}

static void client_attach(h1_conn *k, h1_request *r, int64_t now) {
    h1_host *h = k->host;
    k->r = r;
    r->conn_ = k;
    _Static_assert(sizeof r->remote_ip == sizeof h->ip, "remote_ip holds what the host's ip does");
    memcpy(r->remote_ip, h->ip, sizeof h->ip); /* the NUL-ended text, and what follows it: no call */
    r->remote_port = ntohs(h->addr.sa.sa_family == AF_INET6 ? h->addr.in6.sin6_port : h->addr.in4.sin_port);
    client_arm_timer(k, r, now);
}

static h1_conn *client_conn_new(h1_client *c, h1_host *h) {
    /* 64-byte aligned: its hot fields share one cache line (client_int.h) */
    h1_conn *k = aligned_alloc(_Alignof(h1_conn), sizeof *k);
    if (!k) return NULL;
    memset(k, 0, sizeof *k);
    k->c = c;
    k->host = h;
    k->fd = -1;
    k->anext = c->all;
    if (c->all) c->all->aprev = k;
    c->all = k;
    return k;
}

/* k6 gives each VU its own transport, whose idle connections only that
 * VU reuses. Here a worker's VUs share a pool, but the last connection a
 * VU gave back is held for it (one per vu, in c->held, not in h->idle):
 * its next request to the host takes it even when other VUs want
 * connections meanwhile, as an http.batch's first request does in k6. */
static h1_conn **client_held_slot(h1_client *c, int vu) {
    if (vu <= 0) return NULL;
    if ((size_t)vu >= c->nheld) {
        size_t n = c->nheld ? c->nheld : 64;
        while (n <= (size_t)vu) n *= 2;
        h1_conn **nh = realloc(c->held, n * sizeof *nh);
        if (!nh) return NULL;
        memset(nh + c->nheld, 0, (n - c->nheld) * sizeof *nh);
        c->held = nh;
        c->nheld = n;
    }
    return &c->held[vu];
}

/* k stops being held: to the shared pool (share) or nowhere. A held
 * connection is on no list: only its vu's slot in c->held knows it. */
static void client_unhold(h1_conn *k, int share) {
    k->c->held[k->held_vu] = NULL;
    k->held_vu = 0;
    if (share) list_push(&k->host->idle, k);
}

void client_pool_put(h1_conn *k, const h1_request *r) {
    k->state = CK_IDLE;
    k->c->fdwait_idle = 1;
    k->reused = 1;
    h1_conn **slot = client_held_slot(k->c, r->vu);
    if (!slot) {
        list_push(&k->host->idle, k);
        return;
    }
    if (*slot) client_unhold(*slot, 1); /* the vu's previous one is anyone's now */
    *slot = k;
    k->held_vu = r->vu;
}

const void *h1_held_line(const h1_client *c, int vu) {
    const h1_conn *k = vu > 0 && (size_t)vu < c->nheld ? c->held[vu] : NULL;
    return k ? &k->c : NULL;
}

static h1_conn *client_pool_get(h1_host *h, int owner, int vu) {
    int by_addr = host_per_request(h);
    socklen_t alen = h->addr.sa.sa_family == AF_INET6 ? sizeof h->addr.in6 : sizeof h->addr.in4;
    h1_conn *k = vu > 0 && (size_t)vu < h->c->nheld ? h->c->held[vu] : NULL;
    if (k && k->host == h && k->owner == owner && !k->auth && (!by_addr || memcmp(&k->peer, &h->addr, alen) == 0)) {
        client_unhold(k, 0);
        k->state = CK_BUSY;
        return k;
    }
    k = h->idle;
    /* owners are all 0 unless localIPs/noVUConnectionReuse; NTLM-authenticated
     * connections are for NTLM requests only */
    while (k && (k->owner != owner || k->auth || (by_addr && memcmp(&k->peer, &h->addr, alen) != 0))) k = k->next;
    if (!k) return NULL;
    list_unlink(&h->idle, k);
    k->state = CK_BUSY;
    return k;
}

/* How an idle connection suits an NTLM request: 2 authenticated for its
 * credentials, 1 without NTLM state (the handshake runs on it), 0 not. */
static int client_ntlm_fit(const h1_conn *k, const h1_request *r, int by_addr, socklen_t alen) {
    if (k->owner != r->owner || (by_addr && memcmp(&k->peer, &k->host->addr, alen) != 0)) return 0;
    if (!k->auth) return 1;
    size_t ul = strlen(r->ntlm_user);
    return strcmp(k->auth, r->ntlm_user) == 0 && strcmp(k->auth + ul + 1, r->ntlm_pass) == 0 ? 2 : 0;
}

/* An idle connection for an NTLM request, as libcurl picks one: one
 * authenticated with the same credentials first, else one without NTLM
 * state. The vu's held connection comes first on a tie. */
static h1_conn *client_pool_get_ntlm(h1_host *h, const h1_request *r) {
    int by_addr = host_per_request(h);
    socklen_t alen = h->addr.sa.sa_family == AF_INET6 ? sizeof h->addr.in6 : sizeof h->addr.in4;
    h1_conn *held = r->vu > 0 && (size_t)r->vu < h->c->nheld ? h->c->held[r->vu] : NULL;
    h1_conn *best = NULL;
    int fit = held && held->host == h ? client_ntlm_fit(held, r, by_addr, alen) : 0;
    if (fit) best = held;
    for (h1_conn *k = h->idle; k && fit < 2; k = k->next) {
        int f = client_ntlm_fit(k, r, by_addr, alen);
        if (f > fit) {
            fit = f;
            best = k;
        }
    }
    if (!best) return NULL;
    if (best == held) client_unhold(best, 0);
    else list_unlink(&h->idle, best);
    best->state = CK_BUSY;
    return best;
}

/* r goes back to client_dispatch on the next loop turn (a refused stream, a
 * connection that closed before the handshake). */
void client_req_redo(h1_client *c, h1_request *r) {
    r->conn_ = NULL;
    r->redo_ = 1;
    r->h2s_.sid = 0;
    r->h2hdr_ = H2H_NONE;
    client_body_release(r);
    r->dec_ready_ = 0;
    r->body_fail_ = 0;
    r->status = 0;
    r->t_ready_ = r->t_sent_ = r->t_first_ = r->t_conn0_ = r->t_tcp_ = 0;
    if (r->resp_body) buf_clear(r->resp_body);
    r->state_ = RQ_DEFERRED;
    r->next_ = c->deferred;
    c->deferred = r;
    if (!uv_is_active((uv_handle_t *)&c->defer)) uv_timer_start(&c->defer, client_on_defer, 0, 0);
}
/* ---- waiting for a descriptor ----
 *
 * A dial that finds the process out of descriptors (EMFILE, ENFILE) does not
 * fail the request: it waits here, oldest first, and is dialed again when
 * one may be free (retried every FDWAIT_MS while any waits), until its
 * timeout. k6 fails such a request with "too many open files"; c6 cannot
 * tell a script's real need from a burst (with noConnectionReuse, 100,000
 * VUs' sockets live only while their requests run, but a worker that falls
 * behind fires many at once), so the burst waits: the wait counts in
 * http_req_blocked, as a wait for a free connection does in k6. Idle
 * keep-alive connections are closed for them first. Warned once per
 * process. The request path only marks that a connection went idle; the rest
 * runs when a dial failed. */
#define FDWAIT_MS 2

static void client_on_fdwait(uv_timer_t *t) {
    h1_client *c = t->data;
    int64_t now = clock_now_us();
    /* the ones past their timeout fail as a request that timed out dialing */
    for (h1_request **pp = &c->fdwait, *prev = NULL; *pp;) {
        h1_request *r = *pp;
        if (now < r->deadline_us_) {
            prev = r;
            pp = &r->next_;
            continue;
        }
        *pp = r->next_;
        if (c->fdwait_tail == r) c->fdwait_tail = prev;
        r->state_ = RQ_ACTIVE;
        client_req_fail(c, r, H1_ERR_TIMEOUT, 0, "request timeout");
    }
    /* idle keep-alive connections give their descriptors to the waiting
     * requests (else, with every VU keeping one, nothing would ever close) */
    if (c->fdwait_idle) {
        size_t want = 0;
        for (h1_request *w = c->fdwait; w; w = w->next_) want++;
        h1_conn *k = c->all, *next;
        for (; k && want; k = next) {
            next = k->anext;
            if (k->state != CK_IDLE) continue;
            client_conn_close(k);
            want--;
        }
        c->fdwait_idle = k != NULL; /* stopped early: more may be idle */
    }
    /* then dial in order until one finds no descriptor again (it goes back first) */
    c->fdwait_retrying = 1;
    h1_request *r;
    while ((r = c->fdwait) != NULL) {
        c->fdwait = r->next_;
        if (!c->fdwait) c->fdwait_tail = NULL;
        r->state_ = RQ_ACTIVE;
        client_dispatch(c, r, now);
        if (c->fdwait == r) break;
    }
    c->fdwait_retrying = 0;
    if (!c->fdwait) uv_timer_stop(t);
}

void client_fd_wait(h1_client *c, h1_request *r) {
    static atomic_int warned;
    if (!atomic_exchange(&warned, 1)) {
        struct rlimit rl;
        char lim[32] = "its limit";
        if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
            snprintf(lim, sizeof lim, "%llu", (unsigned long long)rl.rlim_cur);
        log_printf(LOG_WARN,
                   "c6 has no free file descriptor for a new connection (this process may open %s, ulimit -n): "
                   "requests wait for one before they dial, and the wait counts in http_req_blocked; "
                   "lower the VUs, or split the test with execution segments",
                   lim);
    }
    r->conn_ = NULL;
    r->t_ready_ = r->t_sent_ = r->t_first_ = r->t_conn0_ = r->t_tcp_ = 0;
    r->state_ = RQ_DEFERRED;
    r->redo_ = 0;
    if (c->fdwait_retrying || !c->fdwait) { /* a retry that failed again keeps its place */
        r->next_ = c->fdwait;
        c->fdwait = r;
        if (!c->fdwait_tail) c->fdwait_tail = r;
    } else {
        r->next_ = NULL;
        c->fdwait_tail->next_ = r;
        c->fdwait_tail = r;
    }
    if (!uv_is_active((uv_handle_t *)&c->fdwait_t))
        uv_timer_start(&c->fdwait_t, client_on_fdwait, FDWAIT_MS, FDWAIT_MS);
}

void client_new_conn(h1_client *c, h1_request *r, int64_t now) {
    h1_host *h = r->host_;
    h1_conn *k = client_conn_new(c, h);
    if (!k) {
        client_req_fail(c, r, H1_ERR_OTHER, UV_ENOMEM, "%s", "out of memory");
        return;
    }
    k->owner = r->owner;
    k->vu = r->vu;
    k->no_reuse = r->no_reuse != 0;
    k->http11 = c->http11_only || r->ntlm_h11_;
    r->ntlm_step_ = r->ntlm_user ? 1 : 0;
    if (h->tls && h->h2 && !r->no_reuse && !k->http11) h2_list_add(k); /* the vu's next requests join it */
    if (!r->picked_) host_refresh(h, now);
    client_attach(k, r, now);
    if (h->state == HS_RESOLVED) {
        http1_conn_connect(k);
        return;
    }
    k->state = CK_DNS;
    list_push(&h->waiting, k);
    if (h->state == HS_NEW) host_resolve(h);
}

static void client_req_reset(h1_request *r, int64_t now) {
    r->status = 0;
    r->proto[0] = 0;
    r->err = H1_OK;
    r->errmsg[0] = 0;
    r->os_errno = 0;
    r->remote_ip[0] = 0;
    r->remote_port = 0;
    r->t_blocked = r->t_connecting = r->t_sending = r->t_waiting = r->t_receiving = 0;
    r->bytes_sent = r->bytes_received = 0;
    r->conn_ = NULL;
    r->host_ = NULL;
    r->dec_.n = 0; /* released when the last request ended */
    r->dec_ready_ = r->body_fail_ = 0;
    r->body_code = 0;
    r->t_start_ = now;
    r->t_ready_ = r->t_sent_ = r->t_first_ = r->t_conn0_ = r->t_tcp_ = 0;
    r->wire_in_ = 0;
    r->t_tls = 0;
    r->tls_code = 0;
    r->tls.version = 0;
    r->deadline_us_ = r->timeout_ms > 0 ? now + r->timeout_ms * 1000 : INT64_MAX;
    r->retried_ = 0;
    r->h2_code = 0;
    r->snext_ = NULL;
    r->h2s_.sid = 0;
    r->h2hdr_ = r->redo_ = 0;
    r->ntlm_step_ = r->ntlm_h11_ = 0;
    r->t_auth_sent_ = 0;
    r->state_ = RQ_ACTIVE;
    if (!r->method) r->method = "GET";
}
/* http[s]://host[:port][/path][?query][#fragment]. Sets r->path_ and returns
 * NULL, or returns why the URL is unusable. */
static const char *client_url(h1_request *r, url_parts *u) {
    const char *s, *why = url_split(r->url, u);
    if (why) return why;
    if (u->kind != 'h') return "unsupported protocol scheme";
    r->path_ = s = u->rest;
    r->need_escape_ = 0;
    for (; *s && *s != '#'; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch <= ' ' || ch >= 0x7f) {
            if (ch < ' ' || ch == 0x7f) return "invalid control character in URL";
            r->need_escape_ = 1; /* space or non-ASCII: percent-encode, like Go */
        }
    }
    r->path_len_ = (size_t)(s - r->path_);
    h1_url_memo *m = r->url_memo;
    size_t host_off = (size_t)(u->host - r->url), path_off = (size_t)(r->path_ - r->url);
    if (m && host_off <= UINT16_MAX && u->hostlen <= UINT8_MAX && path_off <= UINT16_MAX &&
        r->path_len_ <= UINT32_MAX) { /* for the same string again */
        m->host_off = (uint16_t)host_off;
        m->hostlen = (uint8_t)u->hostlen;
        m->port = (uint16_t)u->port;
        m->tls = u->tls != 0;
        m->ipv6 = u->ipv6 != 0;
        m->path_off = (uint16_t)path_off;
        m->path_len = (uint32_t)r->path_len_;
        m->need_escape = r->need_escape_ != 0;
        m->userinfo = u->userinfo != NULL;
        m->set = 1;
    }
    return NULL;
}

/* client_url's answer for the string of r's memo, without a scan: only what
 * host_get and the serializer read is set. */
static void client_url_memo(h1_request *r, url_parts *u) {
    const h1_url_memo *m = r->url_memo;
    u->host = r->url + m->host_off;
    u->hostlen = m->hostlen;
    u->port = m->port;
    u->tls = m->tls;
    u->ipv6 = m->ipv6;
    r->path_ = r->url + m->path_off;
    r->path_len_ = m->path_len;
    r->need_escape_ = m->need_escape;
}

void h1_start(h1_client *c, h1_request *r) {
    int64_t now = clock_now_us();
    url_parts u;
    client_req_reset(r, now);
    if (!r->resp_headers) {
        client_req_fail(c, r, H1_ERR_OTHER, 0, "%s", "h1_start: resp_headers is required");
        return;
    }
    if (r->resp_body) buf_clear(r->resp_body);
    int head = r->method[0] == 'H' && !strcmp(r->method, "HEAD");
    h1_parser_init(&r->parser_, r->resp_headers, head, http1_on_body, r);
    const char *why = NULL;
    if (r->url_memo && r->url_memo->set) client_url_memo(r, &u);
    else why = client_url(r, &u);
    if (why) {
        client_req_fail(c, r, H1_ERR_URL, 0, "parse \"%s\": %s", r->url ? r->url : "", why);
        return;
    }
    if (!(r->host_ = host_get(c, &u))) {
        client_req_fail(c, r, H1_ERR_URL, 0, "parse \"%s\": %s", r->url, "invalid host");
        return;
    }
    client_dispatch(c, r, now);
}

/* Go's transport drops an idle connection as soon as its read loop sees
 * the server's EOF (persistConn.readLoop's Peek, readLoopPeekFailLocked),
 * usually before the next request could take it. c6's loop sees that EOF
 * at its next poll, after a request taken in the same turn as the last
 * response went out on the dead connection (and a POST, which is never
 * replayed, failed with EOF). So a connection about to be reused is looked
 * at (MSG_PEEK, no wait) the first time, and every time once its host has
 * been seen closing them: a syscall a connection for servers that keep
 * theirs. Returns 1 when k is closed or has stray bytes (plain HTTP; over
 * TLS the session reads what came: a ticket, an alert). The caller skips
 * it for a connection looked at before, of a host not seen closing them. */
static int client_conn_gone(h1_conn *k) {
    k->looked = 1;
    uv_os_fd_t fd;
    char b;
    if (uv_fileno((const uv_handle_t *)&k->tcp, &fd)) return 0;
    ssize_t n = recv(fd, &b, 1, MSG_PEEK | MSG_DONTWAIT);
    if (n < 0 ? errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR : n > 0 && k->tls) return 0;
    k->host->closes_idle = 1;
    return 1;
}

/* r to a connection of its host: an h2 one of its vu, an idle one, a new one. */
void client_dispatch(h1_client *c, h1_request *r, int64_t now) {
    h1_host *h = r->host_;
    if (h->h2 && !r->no_reuse && !r->ntlm_h11_) {
        h1_conn *k = h2_pick(h, r);
        if (k) {
            if (r->ntlm_user) r->ntlm_step_ = 1; /* a stream starts the handshake */
            h2_join(k, r, now);
            return;
        }
    }
    r->picked_ = host_per_request(h) && h->state == HS_RESOLVED;
    if (r->picked_) {
        host_refresh(h, now); /* this request's address; a new lookup once dns.ttl ran out */
        r->picked_ = h->state == HS_RESOLVED;
    }
    h1_conn *k;
    for (;;) { /* one call of each pool_get: they stay inlined */
        k = r->no_reuse ? NULL : r->ntlm_user ? client_pool_get_ntlm(h, r) : client_pool_get(h, r->owner, r->vu);
        if (!k || (k->looked && !h->closes_idle) || !client_conn_gone(k)) break;
        client_conn_close(k);
    }
    if (!k) {
        client_new_conn(c, r, now);
        return;
    }
    if (r->ntlm_user) r->ntlm_step_ = k->auth ? 0 : 1; /* authenticated: nothing to send */
    client_attach(k, r, now);
    r->t_ready_ = now; /* a pooled connection is ready at once */
    http1_conn_send(k, r);
}

void h1_cancel(h1_client *c, h1_request *r) {
    if (r->state_ == RQ_DEFERRED) {
        if (client_unlink_req(&c->fdwait, r)) {
            c->fdwait_tail = c->fdwait;
            while (c->fdwait_tail && c->fdwait_tail->next_) c->fdwait_tail = c->fdwait_tail->next_;
        } else if (!client_unlink_req(&c->deferred, r) && !client_unlink_req(&c->delivering, r))
            client_unlink_req(&c->h2done, r);
        r->redo_ = 0;
    } else if (r->state_ == RQ_ACTIVE && r->conn_ && r->conn_->r != r) {
        h2_drop(r->conn_, r); /* a stream, or queued for the handshake */
    } else if (r->state_ == RQ_ACTIVE && r->conn_) {
        h1_conn *k = r->conn_;
        conn_detach(k, r);
        client_conn_close(k);
    }
    client_body_release(r);
    r->state_ = RQ_IDLE;
}

/* ---- client ---- */

void h1_client_set_dialer(h1_client *c, const net_dialer *d) { c->d = d; }

void h1_client_set_tls(h1_client *c, const tls_config *cfg, int insecure) {
    c->tcfg = cfg;
    c->insecure = insecure;
}

void h1_client_http11_only(h1_client *c) { c->http11_only = 1; }

void h1_close_owner(h1_client *c, int owner) {
    h1_conn *k = c->all, *next;
    for (; k; k = next) {
        next = k->anext;
        if ((k->state == CK_IDLE || (k->state == CK_H2 && !k->h2.nstreams)) && k->owner == owner) client_conn_close(k);
    }
}

h1_client *h1_client_new(uv_loop_t *loop) {
    struct sigaction sa;
    /* libuv writes with writev(), so a write to a reset connection raises
     * SIGPIPE, which would kill the process; the error comes back as EPIPE
     * anyway. Go's runtime ignores SIGPIPE on sockets too. A handler the
     * program installed itself is left alone. */
    if (sigaction(SIGPIPE, NULL, &sa) == 0 && sa.sa_handler == SIG_DFL) signal(SIGPIPE, SIG_IGN);
    h1_client *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    if (buf_reserve(&c->wbuf, 4096) || host_grow(c) || !twheel_init(&c->tw, (uint64_t)clock_now_us() / 1000)) {
        buf_free(&c->wbuf);
        free(c->tab);
        free(c);
        return NULL;
    }
    c->loop = loop;
    client_zpool_init(c);
    uv_timer_init(loop, &c->defer);
    c->defer.data = c;
    uv_timer_init(loop, &c->fdwait_t);
    c->fdwait_t.data = c;
    uv_timer_init(loop, &c->tw_timer);
    c->tw_timer.data = c;
    c->refs = 3; /* the three timers */
    return c;
}

/* The client's memory goes with its last reference: the defer timer's
 * close, or the last lookup in flight (host_on_resolved). */
void client_unref(h1_client *c) {
    if (--c->refs == 0) free(c);
}

static void client_on_closed(uv_handle_t *h) { client_unref(h->data); }

void h1_client_free(h1_client *c) {
    if (!c) return;
    c->freeing = 1;
    while (c->all) {
        h1_conn *k = c->all;
        if (k->r) {
            client_body_release(k->r);
            k->r->state_ = RQ_IDLE;
            conn_detach(k, k->r);
        }
        for (h1_request *r; (r = h2_first(k)) != NULL; r->state_ = RQ_IDLE) {
            client_body_release(r);
            h2_stream_unlink(k, r);
        }
        for (h1_request *r; (r = k->queue) != NULL; r->state_ = RQ_IDLE) k->queue = r->snext_;
        client_conn_close(k);
    }
    c->deferred = c->delivering = c->h2done = c->fdwait = c->fdwait_tail = NULL;
    free(c->nv);
    c->nv = NULL;
    for (size_t i = 0; i < c->nbuckets; i++) {
        h1_host *h, *next;
        for (h = c->tab[i]; h; h = next) {
            next = h->next;
            if (h->state == HS_RESOLVING) uv_cancel((uv_req_t *)&h->gai); /* host_on_resolved frees it */
            else host_free(h);
        }
    }
    free(c->tab);
    c->tab = NULL;
    c->nbuckets = 0;
    client_zpool_free(c);
    free(c->held); /* every connection closed: no vu holds one */
    c->held = NULL;
    c->nheld = 0;
    buf_free(&c->wbuf);
    buf_free(&c->ntlm_line);
    tlsio_ctx_free(c->tctx); /* connections freed their sessions in conn_close */
    c->tctx = NULL;
    uv_close((uv_handle_t *)&c->defer, client_on_closed);
    uv_close((uv_handle_t *)&c->fdwait_t, client_on_closed);
    uv_close((uv_handle_t *)&c->tw_timer, client_on_closed);
    client_free_dead(c);
    twheel_free(&c->tw);
}
