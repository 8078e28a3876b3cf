/* Lean HTTP/1.1 client on libuv (see h1.h).
 *
 * Shape of a request: h1_start parses the URL, finds the (host,port) entry
 * (DNS cache and idle pool in one), pops an idle connection or dials a new
 * one, serializes the request into the client's scratch buffer and writes
 * it with one uv_try_write. Every connection reads all the time into the
 * client's one read buffer; the response is parsed straight out of it into
 * the caller's bufs, and the connection goes back to its pool.
 *
 * Completions: successes are delivered from the read callback; every failure
 * is queued and delivered from a zero-delay timer, so done never runs inside
 * h1_start whichever step failed synchronously.
 *
 * Per-request work avoids the kernel and the allocator: the connection's
 * timer is armed lazily (a running timer due before the new deadline is left
 * alone and re-armed when it fires), and timestamps are taken only where
 * k6's timings need them. */
#include "net/h1.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <nghttp2/nghttp2.h>
#include <zlib.h>
#include "net/dialer.h"
#include "net/ntlm.h"
#include "net/tlsio.h"
#include "util/codec.h"
#include "util/clock.h"

#define READ_BUF_SIZE (64 * 1024)
#define MAX_ADDRS 16                         /* addresses kept per looked-up name */
#define MIN_HOST_BUCKETS 16

enum { RQ_IDLE = 0, RQ_ACTIVE, RQ_DEFERRED };
enum { CK_DNS = 0, CK_CONNECTING, CK_HANDSHAKE, CK_BUSY, CK_IDLE, CK_CLOSING,
       CK_H2 };                          /* an HTTP/2 session: streams in k->streams, k->r unused */
enum { HS_NEW = 0, HS_RESOLVING, HS_RESOLVED };

typedef struct h1_conn {
    uv_tcp_t tcp;
    uv_timer_t timer;                /* request timeout, armed lazily */
    union { uv_connect_t connect; uv_write_t write; } req;   /* never both in flight */
    h1_client *c;
    struct h1_host *host;
    h1_request *r;                   /* request being served, NULL when idle */
    struct h1_conn *prev, *next;     /* host's idle pool or DNS wait list */
    struct h1_conn *aprev, *anext;   /* every connection of the client */
    buf wpend;                       /* request head left over by a partial try_write */
    size_t wtotal;                   /* bytes of the request being written */
    int64_t timer_due_us;            /* armed timer fires by then; 0: not armed */
    int state, nhandles;
    int owner;                       /* h1_request.owner of the request that opened it */
    int held_vu;                     /* idle and kept for this vu (client's held[]); 0: not held */
    tlsio *tls;                      /* https: the session; NULL for plain http */
    struct sockaddr_storage peer;    /* https: the address dialed (pool_get matches it) */
    tls_info tinfo;                  /* https: what the session says, read once after the handshake */
    unsigned tcp_open : 1, reused : 1, writing : 1, wrote_any : 1;
    unsigned http11 : 1;             /* https: ALPN offers http/1.1 only (NTLM, the test knob) */
    char *auth;                      /* NTLM: "user\0pass" the connection is authenticated for; NULL none */
    /* h2 */
    nghttp2_session *h2;             /* ALPN chose h2; NULL otherwise */
    h1_request *streams;             /* requests in flight on the session */
    h1_request *queue;               /* requests waiting for the handshake (the host speaks h2) */
    struct h1_conn *hprev, *hnext;   /* host's h2 connections (in_h2list) */
    uint64_t carry_in, carry_out;    /* wire bytes while no request was in flight: the next one's */
    int vu, nstreams;
    char ip[46]; int port;           /* the peer, for the streams' remote_ip/port */
    uint32_t goaway_code;
    int32_t goaway_last;
    unsigned in_h2list : 1, goaway : 1, unusable : 1, no_reuse : 1;
} h1_conn;

typedef struct h1_host {
    struct h1_host *next;            /* hash chain */
    h1_client *c;
    char *name;                      /* as in the URL, without brackets */
    size_t namelen;
    int port, state;
    int tls;                         /* https: a separate entry (and pool) from plain http */
    int h2;                          /* https: the server chose h2 in ALPN: a vu's requests share a connection */
    struct ssl_session_st *sess;     /* https: the session to resume */
    char authority[300];             /* Host header value */
    size_t authlen;
    char ip[46];
    size_t iplen;
    union { struct sockaddr sa; struct sockaddr_in in4; struct sockaddr_in6 in6; } addr;   /* dialed next */
    dialer_sa addrs[MAX_ADDRS];      /* a looked-up name's addresses (policy filtered) */
    int naddrs;
    int fixed;                       /* numeric, localhost or options.hosts: never looked up */
    int64_t resolved_us;             /* when the lookup finished (dns.ttl) */
    uv_getaddrinfo_t gai;
    h1_conn *idle;                   /* pool, most recently used first */
    h1_conn *held;                   /* idle ones kept each for the vu that used it last */
    h1_conn *waiting;                /* connections waiting for the lookup */
    h1_conn *h2conns;                /* h2 connections, established or on their way */
    h1_lookup *lwait;                /* h1_lookup_start callers waiting for it */
} h1_host;

struct h1_client {
    uv_loop_t *loop;
    uv_timer_t defer;                /* delivers queued failures */
    h1_request *deferred, *delivering;
    h1_host **tab;
    size_t nbuckets, nhosts;
    h1_host *last;                   /* last host used: usually the next one too */
    h1_conn *all;
    h1_conn **held;                  /* by vu id: the vu's last idle connection (one host) */
    size_t nheld;
    buf wbuf;                        /* request serialization scratch */
    z_stream **zfree;                /* inflaters ready for reuse */
    size_t nzfree, capzfree;
    int refs;                        /* the defer timer + lookups in flight */
    const net_dialer *d;             /* options; NULL: k6's defaults */
    unsigned rr;                     /* dns.select roundRobin counter */
    int freeing;
    const tls_config *tcfg;          /* https: the run's TLS options (NULL: defaults) */
    int insecure, http11_only;
    buf ntlm_line;                   /* the authenticate message being sent (serialize copies it) */
    tlsio_ctx *tctx;                 /* built on first use */
    char tctx_err[200];              /* why it could not be built; "" */
    nghttp2_session_callbacks *h2cb; /* shared by every session; built on first use */
    nghttp2_nv *nv;                  /* request header scratch */
    size_t nvcap;
    h1_request *h2done;              /* streams ended in this session turn: delivered after it */
    char rbuf[READ_BUF_SIZE];        /* every read lands here, consumed at once */
};

typedef struct url_parts {
    const char *host;
    size_t hostlen;
    int port, ipv6, tls;
} url_parts;

static void conn_send(h1_conn *k, h1_request *r);
static void conn_connect(h1_conn *k);
static void h2_close(h1_conn *k);
static void h2_on_timer(h1_conn *k);
static void conn_count_out(h1_conn *k, size_t n);
static void conn_count_in(h1_conn *k, size_t n);
static void h2_lost(h1_conn *k, enum h1_error e, int uverr, const char *msg, int tls_code);
static void h2_ready(h1_conn *k);
static void h2_requeue(h1_conn *k);
static void h2_on_read(h1_conn *k, ssize_t n, const char *p);


/* ---- small helpers ---- */

static int ci_prefix(const char *s, const char *lit, size_t n) {
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 'A' && c <= 'Z') c |= 0x20;
        if (c != (unsigned char)lit[i]) return 0;
    }
    return 1;
}

static double span_ms(int64_t from, int64_t to) {
    return from && to > from ? (double)(to - from) / 1000.0 : 0.0;
}

static char *put(char *o, const char *s, size_t n) {
    memcpy(o, s, n);
    return o + n;
}

static char *put_u64(char *o, uint64_t v) {
    char tmp[20];
    int n = 0;
    do tmp[n++] = (char)('0' + v % 10); while ((v /= 10) != 0);
    while (n) *o++ = tmp[--n];
    return o;
}

/* Replaying is safe only for methods that mean the same done twice; Go's
 * transport (and so k6) retries only these after a response never came. */
static int idempotent(const char *m) {
    return !strcmp(m, "GET") || !strcmp(m, "HEAD") || !strcmp(m, "OPTIONS") || !strcmp(m, "TRACE");
}

/* ---- lists ---- */

static void list_push(h1_conn **head, h1_conn *k) {
    k->prev = NULL;
    k->next = *head;
    if (*head) (*head)->prev = k;
    *head = k;
}

static void list_unlink(h1_conn **head, h1_conn *k) {
    if (k->prev) k->prev->next = k->next; else *head = k->next;
    if (k->next) k->next->prev = k->prev;
    k->prev = k->next = NULL;
}

/* ---- completion ---- */

/* The phases as k6's tracer (lib/netext/httpext/tracer.go, Tracer.Done)
 * splits them, failures included: nothing is blocked before a connection
 * is had (a refused or failed TLS connection reports 0 but its connect
 * time), a request sent and never answered waits until the end (a timeout
 * reports its whole length), one answered in part receives until the end. */
static void set_timings(h1_request *r, int64_t end) {
    if (r->t_tcp_) {                       /* a new TLS connection: connect, then handshake */
        r->t_blocked = r->t_ready_ ? span_ms(r->t_start_, r->t_conn0_) : 0;
        r->t_connecting = span_ms(r->t_conn0_, r->t_tcp_);
        r->t_tls = span_ms(r->t_tcp_, r->t_ready_);
    } else {
        r->t_blocked = span_ms(r->t_start_, r->t_ready_);
        r->t_connecting = span_ms(r->t_conn0_, r->t_ready_);
    }
    if (r->wire_in_) r->bytes_received = r->wire_in_;   /* https: what crossed the wire */
    r->t_sending = span_ms(r->t_ready_, r->t_sent_);
    r->t_waiting = span_ms(r->t_sent_, r->t_first_ ? r->t_first_ : end);
    r->t_receiving = span_ms(r->t_first_, end);
}

static void zs_release(h1_client *c, h1_request *r) {
    z_stream *zs = r->zs_;
    if (!zs) return;
    r->zs_ = NULL;
    if (c->nzfree == c->capzfree) {
        size_t ncap = c->capzfree ? c->capzfree * 2 : 8;
        z_stream **nz = realloc(c->zfree, ncap * sizeof *nz);
        if (!nz) { inflateEnd(zs); free(zs); return; }
        c->zfree = nz;
        c->capzfree = ncap;
    }
    c->zfree[c->nzfree++] = zs;
}

static void dispatch(h1_client *c, h1_request *r, int64_t now);

static void on_defer(uv_timer_t *t) {
    h1_client *c = t->data;
    h1_request *r;
    /* a snapshot: failures queued by these done callbacks wait for the next turn */
    c->delivering = c->deferred;
    c->deferred = NULL;
    while ((r = c->delivering) != NULL) {
        c->delivering = r->next_;
        if (r->redo_) {                    /* not a completion: the request goes out again */
            r->redo_ = 0;
            r->state_ = RQ_ACTIVE;
            dispatch(c, r, clock_now_us());
            continue;
        }
        r->state_ = RQ_IDLE;
        r->done(r, r->ud);
    }
}

static void req_vfail(h1_client *c, h1_request *r, enum h1_error e, int uverr, const char *fmt, va_list ap) {
    vsnprintf(r->errmsg, sizeof r->errmsg, fmt, ap);
    r->err = e;
    r->status = 0;
    r->os_errno = uverr < 0 && uverr > -4096 ? -uverr : 0;
    set_timings(r, clock_now_us());
    zs_release(c, r);
    r->state_ = RQ_DEFERRED;
    r->next_ = c->deferred;
    c->deferred = r;
    if (!uv_is_active((uv_handle_t *)&c->defer)) uv_timer_start(&c->defer, on_defer, 0, 0);
}

/* Fails r, which no connection holds any more; done runs from the loop. */
__attribute__((format(printf, 5, 6)))
static void req_fail(h1_client *c, h1_request *r, enum h1_error e, int uverr, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    req_vfail(c, r, e, uverr, fmt, ap);
    va_end(ap);
}

static int unlink_req(h1_request **head, h1_request *r) {
    for (h1_request **pp = head; *pp; pp = &(*pp)->next_)
        if (*pp == r) { *pp = r->next_; return 1; }
    return 0;
}

/* ---- connections ---- */

static void on_conn_closed(uv_handle_t *h) {
    h1_conn *k = h->data;
    if (--k->nhandles) return;
    buf_free(&k->wpend);
    free(k);
}

static void unhold(h1_conn *k, int share);

static void conn_close(h1_conn *k) {
    h1_client *c = k->c;
    if (k->state == CK_CLOSING) return;
    if (k->state == CK_IDLE && k->held_vu) unhold(k, 0);
    else if (k->state == CK_IDLE) list_unlink(&k->host->idle, k);
    else if (k->state == CK_DNS) list_unlink(&k->host->waiting, k);
    k->state = CK_CLOSING;
    if (k->h2 || k->in_h2list || k->queue) h2_close(k);
    tlsio_free(k->tls);                    /* no close_notify: the socket just closes */
    k->tls = NULL;
    free(k->auth);
    k->auth = NULL;
    if (k->aprev) k->aprev->anext = k->anext; else c->all = k->anext;
    if (k->anext) k->anext->aprev = k->aprev;
    /* pending connect/write requests complete with UV_ECANCELED before on_conn_closed */
    if (k->tcp_open) uv_close((uv_handle_t *)&k->tcp, on_conn_closed);
    uv_close((uv_handle_t *)&k->timer, on_conn_closed);
}

static void detach(h1_conn *k, h1_request *r) {
    k->r = NULL;
    r->conn_ = NULL;
}

/* Fails the request k serves and closes k. */
__attribute__((format(printf, 4, 5)))
static void conn_fail(h1_conn *k, enum h1_error e, int uverr, const char *fmt, ...) {
    h1_request *r = k->r;
    va_list ap;
    detach(k, r);
    conn_close(k);
    va_start(ap, fmt);
    req_vfail(k->c, r, e, uverr, fmt, ap);
    va_end(ap);
}

static void on_timer(uv_timer_t *t);

/* The armed timer may fire before r's deadline (it was set for an earlier
 * request); on_timer then re-arms it. So a steady stream of requests with
 * one timeout touches the timer heap once per timeout period, not per request. */
static void arm_timer(h1_conn *k, h1_request *r, int64_t now) {
    if (r->deadline_us_ == INT64_MAX) return;
    if (k->timer_due_us && k->timer_due_us <= r->deadline_us_) return;
    int64_t ms = (r->deadline_us_ - now + 999) / 1000;
    if (ms < 0) ms = 0;
    k->timer_due_us = now + ms * 1000;
    uv_timer_start(&k->timer, on_timer, (uint64_t)ms, 0);
}

static void on_timer(uv_timer_t *t) {
    h1_conn *k = t->data;
    h1_request *r = k->r;
    k->timer_due_us = 0;
    if (k->state == CK_H2) { h2_on_timer(k); return; }
    if (!r || k->state == CK_CLOSING) return;
    int64_t now = clock_now_us();
    if (now < r->deadline_us_) { arm_timer(k, r, now); return; }
    conn_fail(k, H1_ERR_TIMEOUT, 0, "request timeout");
}

static void attach(h1_conn *k, h1_request *r, int64_t now) {
    h1_host *h = k->host;
    k->r = r;
    r->conn_ = k;
    memcpy(r->remote_ip, h->ip, h->iplen + 1);
    r->remote_port = ntohs(h->addr.sa.sa_family == AF_INET6 ? h->addr.in6.sin6_port : h->addr.in4.sin_port);
    arm_timer(k, r, now);
}

static h1_conn *conn_new(h1_client *c, h1_host *h) {
    h1_conn *k = calloc(1, sizeof *k);
    if (!k) return NULL;
    k->c = c;
    k->host = h;
    uv_timer_init(c->loop, &k->timer);
    k->timer.data = k;
    k->nhandles = 1;
    k->anext = c->all;
    if (c->all) c->all->aprev = k;
    c->all = k;
    return k;
}

/* k6 gives each VU its own transport, whose idle connections only that
 * VU reuses. Here a worker's VUs share a pool, but the last connection a
 * VU gave back is held for it (one per vu, in h->held, not in h->idle):
 * its next request to the host takes it even when other VUs want
 * connections meanwhile, as an http.batch's first request does in k6. */
static h1_conn **held_slot(h1_client *c, int vu) {
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

/* k stops being held: to the shared pool (share) or out of both lists. */
static void unhold(h1_conn *k, int share) {
    list_unlink(&k->host->held, k);
    k->c->held[k->held_vu] = NULL;
    k->held_vu = 0;
    if (share) list_push(&k->host->idle, k);
}

static void pool_put(h1_conn *k, const h1_request *r) {
    k->state = CK_IDLE;
    k->reused = 1;
    h1_conn **slot = held_slot(k->c, r->vu);
    if (!slot) { list_push(&k->host->idle, k); return; }
    if (*slot) unhold(*slot, 1);           /* the vu's previous one is anyone's now */
    *slot = k;
    k->held_vu = r->vu;
    list_push(&k->host->held, k);
}

/* Whether https requests to h pick an address each: every request "dials"
 * through the DNS cache (dns.select), and a connection is reused only when
 * it goes to the address picked (as https behaved when libcurl carried it;
 * kept so the dns option's results do not change). */
static int host_per_request(const h1_host *h) {
    return h->tls && h->naddrs > 1 && !h->fixed;
}

static h1_conn *pool_get(h1_host *h, int owner, int vu) {
    int by_addr = host_per_request(h);
    socklen_t alen = h->addr.sa.sa_family == AF_INET6 ? sizeof h->addr.in6 : sizeof h->addr.in4;
    h1_conn *k = vu > 0 && (size_t)vu < h->c->nheld ? h->c->held[vu] : NULL;
    if (k && k->host == h && k->owner == owner && !k->auth && (!by_addr || memcmp(&k->peer, &h->addr, alen) == 0)) {
        unhold(k, 0);
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
static int ntlm_fit(const h1_conn *k, const h1_request *r, int by_addr, socklen_t alen) {
    if (k->owner != r->owner || (by_addr && memcmp(&k->peer, &k->host->addr, alen) != 0)) return 0;
    if (!k->auth) return 1;
    size_t ul = strlen(r->ntlm_user);
    return strcmp(k->auth, r->ntlm_user) == 0 && strcmp(k->auth + ul + 1, r->ntlm_pass) == 0 ? 2 : 0;
}

/* An idle connection for an NTLM request, as libcurl picks one: one
 * authenticated with the same credentials first, else one without NTLM
 * state. The vu's held connection comes first on a tie. */
static h1_conn *pool_get_ntlm(h1_host *h, const h1_request *r) {
    int by_addr = host_per_request(h);
    socklen_t alen = h->addr.sa.sa_family == AF_INET6 ? sizeof h->addr.in6 : sizeof h->addr.in4;
    h1_conn *held = r->vu > 0 && (size_t)r->vu < h->c->nheld ? h->c->held[r->vu] : NULL;
    h1_conn *best = NULL;
    int fit = held && held->host == h ? ntlm_fit(held, r, by_addr, alen) : 0;
    if (fit) best = held;
    for (h1_conn *k = h->idle; k && fit < 2; k = k->next) {
        int f = ntlm_fit(k, r, by_addr, alen);
        if (f > fit) { fit = f; best = k; }
    }
    if (!best) return NULL;
    if (best == held) unhold(best, 0);
    else list_unlink(&h->idle, best);
    best->state = CK_BUSY;
    return best;
}

/* ---- DNS ---- */

static const char *dns_why(int status) {
    return status == UV_EAI_NONAME || status == UV_EAI_NODATA ? "no such host" : uv_strerror(status);
}

static void host_fail_waiting(h1_host *h, int status) {
    h1_conn *k;
    const char *why = dns_why(status);
    while ((k = h->waiting) != NULL) {
        h1_request *r = k->r;
        detach(k, r);
        conn_close(k);                     /* unlinks it from h->waiting */
        req_fail(h->c, r, H1_ERR_DNS, 0, "lookup %s: %s", h->name, why);
    }
    h1_lookup *l, *list = h->lwait;
    h->lwait = NULL;
    while ((l = list) != NULL) {
        list = l->next_;
        l->host_ = NULL;
        l->ok = 0;
        l->why = why;
        l->done(l, l->ud);
    }
}

static void host_set_addr(h1_host *h, const struct sockaddr *sa) {
    if (sa->sa_family == AF_INET) {
        memcpy(&h->addr.in4, sa, sizeof h->addr.in4);
        h->addr.in4.sin_port = htons((uint16_t)h->port);
        inet_ntop(AF_INET, &h->addr.in4.sin_addr, h->ip, sizeof h->ip);
    } else {
        memcpy(&h->addr.in6, sa, sizeof h->addr.in6);
        h->addr.in6.sin6_port = htons((uint16_t)h->port);
        inet_ntop(AF_INET6, &h->addr.in6.sin6_addr, h->ip, sizeof h->ip);
    }
    h->iplen = strlen(h->ip);
    h->state = HS_RESOLVED;
}

static void host_free(h1_host *h) {
    tlsio_session_free(h->sess);
    free(h->name);
    free(h);
}

static void client_unref(h1_client *c) {
    if (--c->refs == 0) free(c);
}

static const dialer_dns *client_dns(const h1_client *c) {
    static const dialer_dns k6_default = {5LL * 60 * 1000000, DNS_SELECT_RANDOM, DNS_PREFER_IPV4};
    return c->d ? &c->d->dns : &k6_default;
}

/* The address the next connection dials, by dns.policy and dns.select
 * (k6: preferIPv4, random). Returns 0, or -1 when the policy leaves none. */
static int host_pick(h1_host *h) {
    const struct sockaddr *v[MAX_ADDRS];
    for (int i = 0; i < h->naddrs; i++) v[i] = &h->addrs[i].sa;
    int i = dialer_pick(client_dns(h->c), v, h->naddrs, &h->c->rr);
    if (i < 0) return -1;
    host_set_addr(h, v[i]);
    return 0;
}

static void lookup_answer(h1_host *h, h1_lookup *l) {
    l->ok = 1;
    l->family = h->addr.sa.sa_family;
    memcpy(l->ip, h->ip, h->iplen + 1);
}

/* h->addrs holds the lookup's answer (naddrs 0: none): the waiting
 * connections dial, the waiting h1_lookup callers get an address each. */
static void host_resolved(h1_host *h, int status) {
    if (h->naddrs && host_pick(h) == 0) {
        h->resolved_us = clock_now_us();
        h1_conn *k, *list = h->waiting;
        h->waiting = NULL;
        for (bool first = true; (k = list) != NULL; first = false) {
            list = k->next;
            k->prev = k->next = NULL;
            if (!first && host_per_request(h)) host_pick(h);   /* a pick per https request */
            conn_connect(k);
        }
        h1_lookup *l, *llist = h->lwait;
        h->lwait = NULL;
        for (bool first = true; (l = llist) != NULL; first = false) {
            llist = l->next_;
            l->host_ = NULL;
            if (!first && h->naddrs > 1) host_pick(h);   /* dns.select per "dial" */
            lookup_answer(h, l);
            l->done(l, l->ud);
        }
    } else {
        h->state = HS_NEW;                 /* failures are not cached: ask again next time */
        host_fail_waiting(h, status ? status : UV_EAI_NONAME);
    }
}

static void on_resolved(uv_getaddrinfo_t *g, int status, struct addrinfo *res) {
    h1_host *h = g->data;
    h1_client *c = h->c;
    if (c->freeing) {
        host_free(h);                      /* h1_client_free left it to us */
        uv_freeaddrinfo(res);
        client_unref(c);
        return;
    }
    int n = dialer_test_resolve(h->name, h->namelen, dialer_family(client_dns(c)), h->addrs, MAX_ADDRS);
    h->naddrs = n > 0 ? n : 0;
    if (n >= 0) status = 0;                /* tests only: C6_TEST_RESOLVE's answer replaces res */
    for (const struct addrinfo *a = status == 0 && n < 0 ? res : NULL; a && h->naddrs < MAX_ADDRS; a = a->ai_next) {
        if (a->ai_family == AF_INET) memcpy(&h->addrs[h->naddrs++].in4, a->ai_addr, sizeof(struct sockaddr_in));
        else if (a->ai_family == AF_INET6) memcpy(&h->addrs[h->naddrs++].in6, a->ai_addr, sizeof(struct sockaddr_in6));
    }
    host_resolved(h, status);
    uv_freeaddrinfo(res);
    client_unref(c);
}

/* Starts h's lookup. Returns 0 (h is HS_RESOLVING) or the libuv status it
 * failed with. A name C6_TEST_RESOLVE answers (tests only) still takes the
 * asynchronous path: a numeric lookup of 127.0.0.1 stands in for it, and
 * on_resolved puts the variable's addresses in place of its answer. */
static int host_resolve(h1_host *h) {
    int family = dialer_family(client_dns(h->c));
    dialer_sa probe;
    bool test = dialer_test_resolve(h->name, h->namelen, family, &probe, 1) >= 0;
    struct addrinfo hints;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = test ? AF_UNSPEC : family;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = test ? AI_NUMERICHOST : 0;
    h->gai.data = h;
    int rc = uv_getaddrinfo(h->c->loop, &h->gai, on_resolved, test ? "127.0.0.1" : h->name, NULL, &hints);
    if (rc) { host_fail_waiting(h, rc); return rc; }
    h->state = HS_RESOLVING;
    h->c->refs++;
    return 0;
}

/* dns.ttl and dns.select before a new connection (or lookup) to h: an
 * expired answer is looked up again, a live one gives its next address. */
static void host_refresh(h1_host *h, int64_t now) {
    if (h->state != HS_RESOLVED || h->fixed) return;
    int64_t ttl = client_dns(h->c)->ttl_us;
    if (ttl >= 0 && now - h->resolved_us >= ttl) h->state = HS_NEW;
    else if (h->naddrs > 1) host_pick(h);
}

/* ---- host table ---- */

static uint32_t host_hash(const char *s, size_t n, int port, int tls) {
    uint32_t x = 2166136261u ^ (uint32_t)port ^ ((uint32_t)tls << 17);
    for (size_t i = 0; i < n; i++) x = (x ^ (unsigned char)s[i]) * 16777619u;
    return x;
}

static int host_grow(h1_client *c) {
    size_t nb = c->nbuckets ? c->nbuckets * 2 : MIN_HOST_BUCKETS;
    h1_host **tab = calloc(nb, sizeof *tab);
    if (!tab) return -1;
    for (size_t i = 0; i < c->nbuckets; i++) {
        h1_host *h, *next;
        for (h = c->tab[i]; h; h = next) {
            next = h->next;
            uint32_t b = host_hash(h->name, h->namelen, h->port, h->tls) & (uint32_t)(nb - 1);
            h->next = tab[b];
            tab[b] = h;
        }
    }
    free(c->tab);
    c->tab = tab;
    c->nbuckets = nb;
    return 0;
}

static int valid_hostname(const char *s, size_t n) {
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (!(ch >= 'a' && ch <= 'z') && !(ch >= 'A' && ch <= 'Z') && !(ch >= '0' && ch <= '9') &&
            ch != '-' && ch != '.' && ch != '_')
            return 0;
    }
    return 1;
}

/* Numeric addresses and localhost need no lookup; names wait for host_resolve. */
static int host_init_addr(h1_host *h, int ipv6) {
    struct sockaddr_in6 s6;
    struct sockaddr_in s4;
    memset(&s6, 0, sizeof s6);
    memset(&s4, 0, sizeof s4);
    const dialer_host *m = h->c->d && h->c->d->nhosts ? dialer_map(h->c->d, h->name, h->namelen, h->port) : NULL;
    h->fixed = 1;
    if (m) {                               /* options.hosts: no lookup, maybe another port */
        int port = h->port;
        if (m->to_port) h->port = m->to_port;
        host_set_addr(h, &m->to.sa);
        h->port = port;
        return 0;
    }
    if (ipv6) {
        if (inet_pton(AF_INET6, h->name, &s6.sin6_addr) != 1) return -1;
        s6.sin6_family = AF_INET6;
        host_set_addr(h, (struct sockaddr *)&s6);
        return 0;
    }
    if (!valid_hostname(h->name, h->namelen)) return -1;
    s4.sin_family = AF_INET;
    if (h->namelen == 9 && ci_prefix(h->name, "localhost", 9))
        s4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    else if (inet_pton(AF_INET, h->name, &s4.sin_addr) != 1)
        return h->fixed = 0;               /* a name: HS_NEW */
    host_set_addr(h, (struct sockaddr *)&s4);
    return 0;
}

static h1_host *host_new(h1_client *c, const url_parts *u, uint32_t hv) {
    if (u->hostlen > 255) return NULL;
    h1_host *h = calloc(1, sizeof *h);
    if (!h || !(h->name = strndup(u->host, u->hostlen))) { free(h); return NULL; }
    h->c = c;
    h->namelen = u->hostlen;
    h->port = u->port;
    h->tls = u->tls;
    if (host_init_addr(h, u->ipv6)) { host_free(h); return NULL; }
    h->authlen = (size_t)snprintf(h->authority, sizeof h->authority, u->ipv6 ? "[%s]" : "%s", h->name);
    if (u->port != (u->tls ? 443 : 80))
        h->authlen += (size_t)snprintf(h->authority + h->authlen, sizeof h->authority - h->authlen, ":%d", u->port);
    if (c->nhosts >= c->nbuckets && host_grow(c)) { host_free(h); return NULL; }
    uint32_t b = hv & (uint32_t)(c->nbuckets - 1);
    h->next = c->tab[b];
    c->tab[b] = h;
    c->nhosts++;
    return h;
}

static h1_host *host_get(h1_client *c, const url_parts *u) {
    h1_host *h = c->last;
    if (h && h->port == u->port && h->tls == u->tls && h->namelen == u->hostlen && !memcmp(h->name, u->host, u->hostlen))
        return h;
    uint32_t hv = host_hash(u->host, u->hostlen, u->port, u->tls);
    h = c->nbuckets ? c->tab[hv & (uint32_t)(c->nbuckets - 1)] : NULL;
    for (; h; h = h->next)
        if (h->port == u->port && h->tls == u->tls && h->namelen == u->hostlen && !memcmp(h->name, u->host, u->hostlen))
            break;
    if (!h) h = host_new(c, u, hv);
    if (h) c->last = h;
    return h;
}

/* ---- URL ---- */

/* Bytes that end or split the authority part of a URL. A table lookup per
 * byte: this scan runs on every request. */
enum { A_END = 1, A_AT, A_COLON };
static const unsigned char auth_class[256] = {
    [0] = A_END, ['/'] = A_END, ['?'] = A_END, ['#'] = A_END, ['@'] = A_AT, [':'] = A_COLON,
};

/* "http://" or "https://": the scheme's length (7 or 8) with u->tls set, or 0. */
static int url_scheme(const char *s, url_parts *u) {
    if (!s || (s[0] | 0x20) != 'h' || (s[1] | 0x20) != 't' || (s[2] | 0x20) != 't' || (s[3] | 0x20) != 'p')
        return 0;
    u->tls = (s[4] | 0x20) == 's';
    s += u->tls;
    return s[4] == ':' && s[5] == '/' && s[6] == '/' ? 7 + u->tls : 0;
}

/* The authority of an http(s) URL starting at a: host (without brackets)
 * and port into u, the end of the authority into *end. NULL or why the
 * URL is unusable. */
static const char *url_authority(const char *a, url_parts *u, const char **end) {
    const char *s, *p, *colon = NULL;
    unsigned char k;
    for (s = a;; s++) {
        while (!auth_class[(unsigned char)*s]) s++;
        if ((k = auth_class[(unsigned char)*s]) == A_END) break;
        if (k == A_AT) { a = s + 1; colon = NULL; continue; }   /* user:pass@: the caller's (auth) */
        colon = s;
    }
    u->ipv6 = *a == '[';
    if (u->ipv6) {
        const char *close = memchr(a, ']', (size_t)(s - a));
        if (!close) return "missing ']' in host";
        u->host = a + 1;
        p = close + 1;
    } else {
        p = colon ? colon : s;
        u->host = a;
    }
    u->hostlen = (size_t)(p - u->host) - (size_t)u->ipv6;
    if (u->hostlen == 0) return "missing host";
    u->port = u->tls ? 443 : 80;
    if (p < s) {
        if (*p++ != ':') return "invalid port";
        if (p < s) {
            int port = 0;
            for (; p < s; p++) {
                if (*p < '0' || *p > '9' || (port = port * 10 + (*p - '0')) > 65535) return "invalid port";
            }
            if (port == 0) return "invalid port";
            u->port = port;
        }
    }
    *end = s;
    return NULL;
}

/* http[s]://host[:port][/path][?query][#fragment]. Sets r->path_ and returns
 * NULL, or returns why the URL is unusable. */
static const char *url_parse(h1_request *r, url_parts *u) {
    int sl = url_scheme(r->url, u);
    const char *s, *why;
    if (!sl) return "unsupported protocol scheme";
    if ((why = url_authority(r->url + sl, u, &s)) != NULL) return why;
    r->path_ = s;
    r->need_escape_ = 0;
    for (; *s && *s != '#'; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch <= ' ' || ch >= 0x7f) {
            if (ch < ' ' || ch == 0x7f) return "invalid control character in URL";
            r->need_escape_ = 1;           /* space or non-ASCII: percent-encode, like Go */
        }
    }
    r->path_len_ = (size_t)(s - r->path_);
    return NULL;
}

/* ---- request serialization ---- */

static char *put_path(char *o, const h1_request *r) {
    static const char hex[] = "0123456789ABCDEF";
    const char *s = r->path_;
    size_t n = r->path_len_;
    if (n == 0 || s[0] == '?') *o++ = '/';
    if (!r->need_escape_) return put(o, s, n);
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch > ' ' && ch < 0x7f) { *o++ = (char)ch; continue; }
        *o++ = '%';
        *o++ = hex[ch >> 4];
        *o++ = hex[ch & 15];
    }
    return o;
}

/* Request line, Host, User-Agent, the caller's headers, Content-Length, blank
 * line: into c->wbuf, sized once. A Host or User-Agent among the caller's
 * headers replaces ours (k6 lets scripts set both). Returns the length, or -1. */
static ssize_t serialize(h1_client *c, const h1_request *r) {
    const h1_host *h = r->host_;
    size_t mlen = strlen(r->method), ualen = 0;
    size_t need = mlen + 3 * r->path_len_ + h->authlen + 64;
    int ua = r->user_agent != NULL, host = 1;
    for (size_t i = 0; i < r->nheaders; i++) {
        const char *hd = r->headers[i];
        size_t n = strlen(hd);
        need += n + 2;
        if ((hd[0] | 0x20) == 'u' && n >= 11 && ci_prefix(hd, "user-agent:", 11)) ua = 0;
        if ((hd[0] | 0x20) == 'h' && n >= 5 && ci_prefix(hd, "host:", 5)) host = 0;
    }
    if (ua) need += (ualen = strlen(r->user_agent)) + 14;
    if (r->no_reuse) need += 19;
    const char *auth = r->ntlm_step_ == 1 ? ntlm_negotiate_line : r->ntlm_step_ == 2 ? c->ntlm_line.p : NULL;
    size_t authlen = auth ? strlen(auth) : 0;
    need += authlen + 2;
    if (buf_reserve(&c->wbuf, need)) return -1;
    char *o = put(c->wbuf.p, r->method, mlen);
    *o++ = ' ';
    o = put_path(o, r);
    o = put(o, " HTTP/1.1", 9);
    if (host) o = put(put(o, "\r\nHost: ", 8), h->authority, h->authlen);
    if (ua) o = put(put(o, "\r\nUser-Agent: ", 14), r->user_agent, ualen);
    for (size_t i = 0; i < r->nheaders; i++)
        o = put(put(o, "\r\n", 2), r->headers[i], strlen(r->headers[i]));
    if (auth) o = put(put(o, "\r\n", 2), auth, authlen);
    if (r->has_body) o = put_u64(put(o, "\r\nContent-Length: ", 18), r->body_len);
    if (r->no_reuse) o = put(o, "\r\nConnection: close", 19);
    o = put(o, "\r\n\r\n", 4);
    return o - c->wbuf.p;
}

/* ---- response body ---- */

static z_stream *zs_take(h1_client *c) {
    z_stream *zs;
    if (c->nzfree) {
        zs = c->zfree[--c->nzfree];
        inflateReset2(zs, 15 + 32);
        return zs;
    }
    if (!(zs = calloc(1, sizeof *zs))) return NULL;
    if (inflateInit2(zs, 15 + 32) != Z_OK) { free(zs); return NULL; }   /* 15+32: zlib or gzip */
    return zs;
}

static int inflate_body(h1_request *r, const char *p, size_t n) {
    buf *b = r->resp_body;
    if (r->zdone_) return 0;               /* bytes after the compressed stream: ignored */
    if (!r->zs_ && !(r->zs_ = zs_take(r->host_->c))) return -1;
    z_stream *zs = r->zs_;
    int first = zs->total_in == 0 && !r->zraw_;
    size_t len0 = b->len;
    zs->next_in = (Bytef *)p;
    zs->avail_in = (uInt)n;
    while (zs->avail_in) {
        if (buf_reserve(b, n < 16384 ? 16384 : n)) return -1;
        zs->next_out = (Bytef *)b->p + b->len;
        zs->avail_out = (uInt)(b->cap - b->len - 1);
        int rc = inflate(zs, Z_NO_FLUSH);
        b->len = b->cap - 1 - zs->avail_out;
        b->p[b->len] = 0;
        if (rc == Z_STREAM_END) { r->zdone_ = 1; break; }
        if (rc == Z_DATA_ERROR && first && r->parser_.encoding == H1_ENC_DEFLATE) {
            /* many servers send "deflate" raw, without the zlib wrapper: start over raw */
            inflateReset2(zs, -15);
            r->zraw_ = 1;
            first = 0;
            b->len = len0;
            zs->next_in = (Bytef *)p;
            zs->avail_in = (uInt)n;
            continue;
        }
        if (rc != Z_OK) { r->zdone_ = -1; return -1; }
    }
    return 0;
}

static int on_body(void *ud, const char *p, size_t n) {
    h1_request *r = ud;
    if (!r->resp_body) return 0;           /* caller discards the body */
    int enc = r->parser_.encoding;
    if (enc == H1_ENC_NONE || enc == H1_ENC_BR || enc == H1_ENC_ZSTD)
        return buf_append(r->resp_body, p, n);   /* br and zstd are decoded whole, at the end */
    return inflate_body(r, p, n);
}

/* ---- request flow ---- */

static int ntlm_next(h1_conn *k, h1_request *r, int keep);

static void finish(h1_conn *k, h1_request *r, int keep, int64_t now) {
    const h1_parser *p = &r->parser_;
    if (r->ntlm_user) {
        if (ntlm_next(k, r, keep && !r->no_reuse)) return;
        if (r->t_auth_sent_) r->t_sent_ = r->t_auth_sent_;   /* waiting spans the handshake */
    }
    r->status = p->status;
    memcpy(r->proto, p->minor == 0 ? "HTTP/1.0" : "HTTP/1.1", 9);
    if (k->tls) r->tls = k->tinfo;
    set_timings(r, now);
    zs_release(k->c, r);
    detach(k, r);
    if (keep && !r->no_reuse) pool_put(k, r); else conn_close(k);
    r->state_ = RQ_IDLE;
    r->done(r, r->ud);                     /* last: it may start the next request */
}

static void new_conn(h1_client *c, h1_request *r, int64_t now);

/* params.auth "ntlm" (h1.h): r's response on k is complete. A 401 to the
 * negotiate message carrying a challenge is answered on k with the
 * authenticate message; a 401 offering NTLM to a request sent on an
 * authenticated connection restarts the handshake there, as libcurl does.
 * A success after the authenticate message leaves k authenticated for
 * r's credentials. Returns 1 when the exchange goes on, 0 when r is done. */
static int ntlm_next(h1_conn *k, h1_request *r, int keep) {
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
    free(k->auth);                         /* a 401: the connection is not (or no longer) authenticated */
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
    zs_release(c, r);
    r->zdone_ = r->zraw_ = 0;
    if (r->resp_body) buf_clear(r->resp_body);
    h1_parser_init(&r->parser_, r->resp_headers, r->parser_.no_body, on_body, r);
    conn_send(k, r);
    return 1;
}

/* The server dropped a kept-alive connection as the request went out: try
 * once more on a new connection. */
static void retry(h1_conn *k, h1_request *r) {
    h1_client *c = k->c;
    detach(k, r);
    conn_close(k);
    r->retried_ = 1;
    r->picked_ = 0;
    r->t_ready_ = r->t_sent_ = r->t_first_ = r->t_conn0_ = r->t_tcp_ = 0;
    new_conn(c, r, clock_now_us());
}

static int can_retry(h1_conn *k, h1_request *r, int replay_ok) {
    return k->reused && !r->retried_ && r->bytes_received == 0 && (replay_ok || idempotent(r->method));
}

static void write_failed(h1_conn *k, int err) {
    h1_request *r = k->r;
    /* a request that never left cannot have been acted on: replay any method */
    if (can_retry(k, r, !k->wrote_any)) { retry(k, r); return; }
    conn_fail(k, err == UV_ECONNRESET || err == UV_EPIPE ? H1_ERR_RESET : H1_ERR_OTHER, err,
              "write: %s", uv_strerror(err));
}

static void read_failed(h1_conn *k, int err) {
    h1_request *r = k->r;
    if (err == UV_EOF && h1_parse_eof(&r->parser_) == H1P_DONE) {
        finish(k, r, 0, clock_now_us());   /* close-delimited body */
        return;
    }
    if ((err == UV_EOF || err == UV_ECONNRESET) && can_retry(k, r, 0)) { retry(k, r); return; }
    if (err == UV_EOF)
        conn_fail(k, H1_ERR_EOF, 0, "%s", r->bytes_received ? "unexpected EOF" : "EOF");
    else
        conn_fail(k, err == UV_ECONNRESET ? H1_ERR_RESET : H1_ERR_OTHER, err, "read: %s", uv_strerror(err));
}

static void parse_failed(h1_conn *k, h1_request *r) {
    if (r->zdone_ == -1) {
        z_stream *zs = r->zs_;
        conn_fail(k, H1_ERR_PROTO, 0, "invalid compressed body: %s", zs && zs->msg ? zs->msg : "corrupt data");
        return;
    }
    conn_fail(k, H1_ERR_PROTO, 0, "malformed HTTP response: %s", r->parser_.err);
}

static void on_alloc(uv_handle_t *h, size_t size, uv_buf_t *b) {
    (void)size;
    h1_conn *k = h->data;
    b->base = k->c->rbuf;                  /* on_read consumes it before the next read */
    b->len = READ_BUF_SIZE;
}

/* Response bytes for k's request. Returns 1 when the request ended
 * (answered or failed), 0 when more is expected. */
static int got_bytes(h1_conn *k, const char *p, size_t n) {
    h1_request *r = k->r;
    int64_t now = clock_now_us();
    if (!r->t_first_) r->t_first_ = now;
    size_t used;
    int rc = h1_parse(&r->parser_, p, n, &used);
    r->bytes_received += used;
    if (rc == H1P_AGAIN) return 0;
    if (rc == H1P_ERROR) { parse_failed(k, r); return 1; }
    if (r->resp_body && (r->parser_.encoding == H1_ENC_BR || r->parser_.encoding == H1_ENC_ZSTD)) {
        buf d = {0};
        int codec = r->parser_.encoding == H1_ENC_BR ? CODEC_BR : CODEC_ZSTD;
        if (codec_decode(codec, r->resp_body->p ? r->resp_body->p : "", r->resp_body->len, &d, (size_t)1 << 31)) {
            buf_free(&d);
            conn_fail(k, H1_ERR_PROTO, 0, "invalid compressed body: %s data is corrupt", codec_name(codec));
            return 1;
        }
        buf_free(r->resp_body);
        *r->resp_body = d;
    }
    /* bytes beyond the response, or a request still going out: not reusable */
    int keep = r->parser_.keep_alive && used == n && !k->writing && !(k->tls && tlsio_pending(k->tls));
    finish(k, r, keep, now);
    return 1;
}

static void tls_on_read(h1_conn *k, ssize_t n, const char *p);

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b) {
    h1_conn *k = s->data;
    if (n == 0 || k->state == CK_CLOSING) return;
    if (k->tls) { tls_on_read(k, n, b->base); return; }
    if (k->state != CK_BUSY) { conn_close(k); return; }   /* idle: EOF, error or stray bytes */
    if (n < 0) { read_failed(k, (int)n); return; }
    got_bytes(k, b->base, (size_t)n);
}

static void tls_on_write(h1_conn *k, int status);

static void on_write(uv_write_t *w, int status) {
    h1_conn *k = w->handle->data;
    k->writing = 0;
    if (k->tls) { tls_on_write(k, status); return; }
    if (status == UV_ECANCELED || k->state == CK_CLOSING || !k->r) return;
    if (status < 0) { write_failed(k, status); return; }
    k->r->t_sent_ = clock_now_us();
    k->r->bytes_sent += k->wtotal;
}

/* What try_write left: the rest of the head is copied (the scratch buffer is
 * shared), the body is written from the caller's memory. */
static void write_rest(h1_conn *k, h1_request *r, size_t hlen, size_t done) {
    uv_buf_t b[2];
    unsigned nb = 0;
    if (done < hlen) {
        buf_clear(&k->wpend);
        if (buf_append(&k->wpend, k->c->wbuf.p + done, hlen - done)) {
            conn_fail(k, H1_ERR_OTHER, UV_ENOMEM, "%s", "out of memory");
            return;
        }
        b[nb++] = uv_buf_init(k->wpend.p, (unsigned)(hlen - done));
        done = hlen;
    }
    if (r->body_len > done - hlen)
        b[nb++] = uv_buf_init((char *)r->body + (done - hlen), (unsigned)(r->body_len - (done - hlen)));
    k->writing = 1;
    int rc = uv_write(&k->req.write, (uv_stream_t *)&k->tcp, b, nb, on_write);
    if (rc) { k->writing = 0; write_failed(k, rc); }
}

static void tls_send(h1_conn *k, h1_request *r, size_t hlen);

static void conn_send(h1_conn *k, h1_request *r) {
    ssize_t hlen = serialize(k->c, r);
    if (hlen < 0) { conn_fail(k, H1_ERR_OTHER, UV_ENOMEM, "%s", "out of memory"); return; }
    if (k->tls) { tls_send(k, r, (size_t)hlen); return; }
    uv_buf_t b[2] = { uv_buf_init(k->c->wbuf.p, (unsigned)hlen),
                      uv_buf_init((char *)r->body, (unsigned)r->body_len) };
    unsigned nb = r->has_body && r->body_len ? 2 : 1;
    k->wtotal = (size_t)hlen + (nb == 2 ? r->body_len : 0);
    int n = uv_try_write((uv_stream_t *)&k->tcp, b, nb);
    k->wrote_any = n > 0;
    if (n >= 0 && (size_t)n == k->wtotal) {
        r->t_sent_ = clock_now_us();
        r->bytes_sent += k->wtotal;
        return;
    }
    if (n < 0 && n != UV_EAGAIN) { write_failed(k, n); return; }
    write_rest(k, r, (size_t)hlen, n < 0 ? 0 : (size_t)n);
}

static void tls_start(h1_conn *k);

static void conn_ready(h1_conn *k) {
    h1_request *r = k->r;
    if (k->host->tls) {
        int rc = uv_read_start((uv_stream_t *)&k->tcp, on_alloc, on_read);
        if (rc) { conn_fail(k, H1_ERR_OTHER, rc, "read: %s", uv_strerror(rc)); return; }
        tls_start(k);
        return;
    }
    r->t_ready_ = clock_now_us();
    k->state = CK_BUSY;
    int rc = uv_read_start((uv_stream_t *)&k->tcp, on_alloc, on_read);
    if (rc) { conn_fail(k, H1_ERR_OTHER, rc, "read: %s", uv_strerror(rc)); return; }
    conn_send(k, r);
}

static void connect_failed(h1_conn *k, int st) {
    h1_request *r = k->r;
    h1_host *h = k->host;
    enum h1_error e = st == UV_ECONNREFUSED ? H1_ERR_REFUSED
                    : st == UV_ENETUNREACH ? H1_ERR_NETUNREACH : H1_ERR_CONNECT;
    detach(k, r);
    conn_close(k);
    req_fail(k->c, r, e, st, h->addr.sa.sa_family == AF_INET6 ? "dial tcp [%s]:%d: connect: %s"
                                                              : "dial tcp %s:%d: connect: %s",
             h->ip, r->remote_port, uv_strerror(st));
}

static void on_connect(uv_connect_t *req, int status) {
    h1_conn *k = req->handle->data;
    if (status == UV_ECANCELED || k->state == CK_CLOSING) return;
    if (status < 0) { connect_failed(k, status); return; }
    conn_ready(k);
}

static void conn_connect(h1_conn *k) {
    h1_request *r = k->r;
    h1_host *h = k->host;
    int rc;
    memcpy(r->remote_ip, h->ip, h->iplen + 1);
    r->remote_port = ntohs(h->addr.sa.sa_family == AF_INET6 ? h->addr.in6.sin6_port : h->addr.in4.sin_port);
    memcpy(&k->peer, &h->addr, sizeof h->addr);
    r->t_conn0_ = clock_now_us();
    k->state = CK_CONNECTING;
    const char *range = k->c->d && k->c->d->nblacklist ? dialer_blacklisted(k->c->d, &h->addr.sa) : NULL;
    if (range) {
        char msg[200];
        dialer_blacklist_msg(msg, sizeof msg, &h->addr.sa, range);
        detach(k, r);
        conn_close(k);
        req_fail(k->c, r, H1_ERR_BLACKLISTED, 0, "%s", msg);
        return;
    }
    if ((rc = uv_tcp_init(k->c->loop, &k->tcp)) != 0) { connect_failed(k, rc); return; }
    k->tcp.data = k;
    k->tcp_open = 1;
    k->nhandles++;
    if (r->local_addr && (rc = uv_tcp_bind(&k->tcp, r->local_addr, 0)) != 0) {
        detach(k, r);
        conn_close(k);
        req_fail(k->c, r, H1_ERR_CONNECT, rc, "dial tcp: bind local address: %s", uv_strerror(rc));
        return;
    }
    uv_tcp_nodelay(&k->tcp, 1);            /* applied when connect creates the socket */
    rc = uv_tcp_connect(&k->req.connect, &k->tcp, &k->host->addr.sa, on_connect);
    if (rc) connect_failed(k, rc);
}

/* ---- https: the same flow over a TLS session ----
 *
 * Ciphertext arrives in on_read, goes into the session and comes out as
 * plaintext into the same read buffer (the session copied it), which
 * got_bytes parses as for plain http. Whatever the session wants sent sits
 * in its buffer until tls_flush writes it; one write at a time, like the
 * plain path. */

/* k6's offer, h2 first; a server that takes h2 gets an nghttp2 session.
 * A connection marked http11 (NTLM after an h2 challenge,
 * h1_client_http11_only) offers HTTP/1.1 only. */
static const unsigned char ALPN_BOTH[] = "\x02h2\x08http/1.1";
static const unsigned char ALPN_H1[] = "\x08http/1.1";

static tlsio_ctx *client_tls(h1_client *c) {
    if (!c->tctx && !c->tctx_err[0])
        c->tctx = tlsio_ctx_new(c->tcfg, c->insecure, ALPN_BOTH, sizeof ALPN_BOTH - 1, c->tctx_err, sizeof c->tctx_err);
    return c->tctx;
}

/* Fails k's request with the session's error in k6's terms. */
static void tls_fail(h1_conn *k) {
    char msg[256];
    int code = tlsio_error(k->tls, msg, sizeof msg);
    k->r->tls_code = code;
    conn_fail(k, H1_ERR_TLS, 0, "%s", msg);
}

/* A failure while k has no request, or while it has one. */
static void tls_io_failed(h1_conn *k, int err) {
    if (k->state == CK_H2) {
        h2_lost(k, err == UV_ECONNRESET || err == UV_EPIPE ? H1_ERR_RESET : H1_ERR_OTHER, err, uv_strerror(err), 0);
        return;
    }
    if (k->r && k->state == CK_BUSY) write_failed(k, err);
    else if (k->r) conn_fail(k, H1_ERR_OTHER, err, "write: %s", uv_strerror(err));
    else conn_close(k);
}

/* Sends what the session queued. Returns 0 when all of it went out now, 1
 * while a write is in flight (on_write continues), -1 when k failed. */
static int tls_flush(h1_conn *k) {
    if (k->writing) return 1;
    const char *p;
    size_t n = tlsio_out(k->tls, &p);
    if (!n) return 0;
    conn_count_out(k, n);
    uv_buf_t b = uv_buf_init((char *)p, (unsigned)n);
    int w = uv_try_write((uv_stream_t *)&k->tcp, &b, 1);
    if (w == UV_EAGAIN) w = 0;
    if (w < 0) { tlsio_out_sent(k->tls); tls_io_failed(k, w); return -1; }
    if (w > 0) k->wrote_any = 1;
    if ((size_t)w == n) { tlsio_out_sent(k->tls); return 0; }
    buf_clear(&k->wpend);
    int oom = buf_append(&k->wpend, p + w, n - (size_t)w);
    tlsio_out_sent(k->tls);
    if (oom) { tls_io_failed(k, UV_ENOMEM); return -1; }
    b = uv_buf_init(k->wpend.p, (unsigned)(n - (size_t)w));
    k->writing = 1;
    int rc = uv_write(&k->req.write, (uv_stream_t *)&k->tcp, &b, 1, on_write);
    if (rc) { k->writing = 0; tls_io_failed(k, rc); return -1; }
    return 1;
}

static void tls_on_write(h1_conn *k, int status) {
    if (status == UV_ECANCELED || k->state == CK_CLOSING) return;
    if (status < 0) { tls_io_failed(k, status); return; }
    if (tls_flush(k) != 0) return;
    h1_request *r = k->r;
    if (r && k->state == CK_BUSY && !r->t_sent_) r->t_sent_ = clock_now_us();
}

/* The request goes out in one record when it is small: head and body
 * together in the scratch buffer. */
static void tls_send(h1_conn *k, h1_request *r, size_t hlen) {
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
    if (rc != TLSIO_OK) { tls_fail(k); return; }
    if (tls_flush(k) == 0) r->t_sent_ = clock_now_us();
}

/* Handshake progress; once done, the request goes out. */
static void tls_step(h1_conn *k) {
    int rc = tlsio_handshake(k->tls);
    if (rc == TLSIO_ERR) {
        tls_flush(k);                      /* the alert, if any: best effort */
        if (k->state != CK_CLOSING) tls_fail(k);
        return;
    }
    if (tls_flush(k) < 0 || rc == TLSIO_AGAIN) return;
    h1_request *r = k->r;
    tlsio_info(k->tls, &k->tinfo);
    if (tlsio_alpn_is(k->tls, "h2")) { h2_ready(k); return; }
    if (k->in_h2list || k->queue) {        /* the host speaks HTTP/1.1 now: one request per connection */
        k->host->h2 = 0;
        h2_requeue(k);
    }
    r->t_ready_ = clock_now_us();
    k->state = CK_BUSY;
    conn_send(k, r);
}

static void tls_start(h1_conn *k) {
    h1_request *r = k->r;
    h1_host *h = k->host;
    r->t_tcp_ = clock_now_us();
    k->state = CK_HANDSHAKE;
    tlsio_ctx *x = client_tls(k->c);
    if (!x) {
        r->tls_code = 1300;
        conn_fail(k, H1_ERR_TLS, 0, "tls: %s", k->c->tctx_err);
        return;
    }
    if (!(k->tls = tlsio_new(x, h->name, h->namelen, &h->sess)) ||
        (k->http11 && tlsio_set_alpn(k->tls, ALPN_H1, sizeof ALPN_H1 - 1))) {
        conn_fail(k, H1_ERR_OTHER, UV_ENOMEM, "%s", "out of memory");
        return;
    }
    tls_step(k);
}

/* Plaintext the session has: into the request's response. Stops when the
 * request ended, the session needs more input, or failed. */
static void tls_drain(h1_conn *k) {
    h1_client *c = k->c;
    for (;;) {
        int n = tlsio_read(k->tls, c->rbuf, READ_BUF_SIZE);
        if (n == TLSIO_AGAIN) break;
        if (k->state != CK_BUSY) { conn_close(k); return; }   /* idle: close_notify, error or stray bytes */
        if (n == TLSIO_CLOSED) { read_failed(k, UV_EOF); return; }
        if (n == TLSIO_ERR) { tls_fail(k); return; }
        if (got_bytes(k, c->rbuf, (size_t)n)) return;
    }
    tls_flush(k);                          /* post-handshake replies (key update) */
}

static void tls_on_read(h1_conn *k, ssize_t n, const char *p) {
    if (k->state == CK_H2) { h2_on_read(k, n, p); return; }
    if (n < 0) {
        if (k->state == CK_HANDSHAKE) {
            k->r->tls_code = 1300;
            conn_fail(k, H1_ERR_TLS, (int)n, "tls: handshake failed: %s", n == UV_EOF ? "EOF" : uv_strerror((int)n));
        } else if (k->state == CK_BUSY) {
            read_failed(k, (int)n);
        } else {
            conn_close(k);
        }
        return;
    }
    conn_count_in(k, (size_t)n);
    if (tlsio_feed(k->tls, p, (size_t)n)) {
        if (k->r) conn_fail(k, H1_ERR_OTHER, UV_ENOMEM, "%s", "out of memory");
        else conn_close(k);
        return;
    }
    if (k->state == CK_HANDSHAKE) {
        tls_step(k);
        if (k->state != CK_BUSY) return;
    }
    tls_drain(k);
}

/* ---- https over HTTP/2 (nghttp2) ----
 *
 * When ALPN settles on h2 the connection carries an nghttp2 session and
 * every request is a stream on it. The session's output goes through the
 * TLS session (h2_flush); plaintext from TLS goes into the session
 * (h2_on_read). The session's callbacks only record: a stream that ended
 * well waits in c->h2done and is delivered once the session has returned
 * (h2_deliver), so a done callback that starts the next request never
 * re-enters the session. Failures take the deferred path as on h1.
 *
 * A host known to speak h2 gets one connection per vu (and owner): the
 * vu's next requests, and the rest of an http.batch while the first one
 * still dials, join it as streams (k->queue until the handshake ends). */

#define H2_RETRIES 1                     /* a refused stream is sent once more, as Go's first retry */

enum { H2H_NONE = 0, H2H_FINAL, H2H_INFO, H2H_DONE };   /* h1_request.h2hdr_ */

/* Go's http.StatusText, which its HTTP/2 transport puts in Status. */
static const char *h2_status_text(int code) {
    switch (code) {
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 203: return "Non-Authoritative Information";
    case 204: return "No Content";
    case 205: return "Reset Content";
    case 206: return "Partial Content";
    case 207: return "Multi-Status";
    case 208: return "Already Reported";
    case 226: return "IM Used";
    case 300: return "Multiple Choices";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 303: return "See Other";
    case 304: return "Not Modified";
    case 305: return "Use Proxy";
    case 307: return "Temporary Redirect";
    case 308: return "Permanent Redirect";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 402: return "Payment Required";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 407: return "Proxy Authentication Required";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 411: return "Length Required";
    case 412: return "Precondition Failed";
    case 413: return "Request Entity Too Large";
    case 414: return "Request URI Too Long";
    case 415: return "Unsupported Media Type";
    case 416: return "Requested Range Not Satisfiable";
    case 417: return "Expectation Failed";
    case 418: return "I'm a teapot";
    case 421: return "Misdirected Request";
    case 422: return "Unprocessable Entity";
    case 423: return "Locked";
    case 424: return "Failed Dependency";
    case 425: return "Too Early";
    case 426: return "Upgrade Required";
    case 428: return "Precondition Required";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 451: return "Unavailable For Legal Reasons";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    case 505: return "HTTP Version Not Supported";
    case 506: return "Variant Also Negotiates";
    case 507: return "Insufficient Storage";
    case 508: return "Loop Detected";
    case 510: return "Not Extended";
    case 511: return "Network Authentication Required";
    default: return "";
    }
}

static void stream_link(h1_conn *k, h1_request *r) {
    r->sprev_ = NULL;
    r->snext_ = k->streams;
    if (k->streams) k->streams->sprev_ = r;
    k->streams = r;
    k->nstreams++;
    r->wire_in_ += k->carry_in;          /* bytes that came while nothing was in flight */
    r->bytes_sent += k->carry_out;
    k->carry_in = k->carry_out = 0;
}

static void stream_unlink(h1_conn *k, h1_request *r) {
    if (r->sprev_) r->sprev_->snext_ = r->snext_; else k->streams = r->snext_;
    if (r->snext_) r->snext_->sprev_ = r->sprev_;
    r->snext_ = r->sprev_ = NULL;
    r->conn_ = NULL;
    k->nstreams--;
}

static void h2list_add(h1_conn *k) {
    h1_host *h = k->host;
    k->hprev = NULL;
    k->hnext = h->h2conns;
    if (h->h2conns) h->h2conns->hprev = k;
    h->h2conns = k;
    k->in_h2list = 1;
}

static void h2list_remove(h1_conn *k) {
    if (!k->in_h2list) return;
    if (k->hprev) k->hprev->hnext = k->hnext; else k->host->h2conns = k->hnext;
    if (k->hnext) k->hnext->hprev = k->hprev;
    k->hprev = k->hnext = NULL;
    k->in_h2list = 0;
}

/* Wire bytes of k: the request being dialed for, else the newest stream,
 * else carried to the next one (SETTINGS, PING, WINDOW_UPDATE between
 * requests). With one stream at a time (a VU's usual flow) the split is
 * exact; with several in flight the connection's total is. */
static void conn_count_in(h1_conn *k, size_t n) {
    if (k->r) k->r->wire_in_ += n;
    else if (k->streams) k->streams->wire_in_ += n;
    else k->carry_in += n;
}

static void conn_count_out(h1_conn *k, size_t n) {
    if (k->r) k->r->bytes_sent += n;
    else if (k->streams) k->streams->bytes_sent += n;
    else if (k->h2) k->carry_out += n;
}

static void dispatch(h1_client *c, h1_request *r, int64_t now);

/* r goes back to dispatch on the next loop turn (a refused stream, a
 * connection that closed before the handshake). */
static void req_redo(h1_client *c, h1_request *r) {
    r->conn_ = NULL;
    r->redo_ = 1;
    r->sid_ = 0;
    r->body_off_ = 0;
    r->h2hdr_ = H2H_NONE;
    r->h2enc_ = 0;
    r->status = 0;
    r->t_ready_ = r->t_sent_ = r->t_first_ = r->t_conn0_ = r->t_tcp_ = 0;
    if (r->resp_body) buf_clear(r->resp_body);
    r->state_ = RQ_DEFERRED;
    r->next_ = c->deferred;
    c->deferred = r;
    if (!uv_is_active((uv_handle_t *)&c->defer)) uv_timer_start(&c->defer, on_defer, 0, 0);
}

static h1_request *h2_req(nghttp2_session *s, int32_t sid) {
    return sid ? nghttp2_session_get_stream_user_data(s, sid) : NULL;
}

static int h2_on_begin_headers(nghttp2_session *s, const nghttp2_frame *f, void *ud) {
    (void)ud;
    h1_request *r = h2_req(s, f->hd.stream_id);
    if (!r || f->hd.type != NGHTTP2_HEADERS) return 0;
    if (!r->t_first_) r->t_first_ = clock_now_us();
    if (r->h2hdr_ == H2H_DONE) return 0;   /* trailers: Go keeps them apart, as Response.Trailer */
    buf_clear(r->resp_headers);
    r->h2hdr_ = H2H_FINAL;
    return 0;
}

static int h2_on_header(nghttp2_session *s, const nghttp2_frame *f, const uint8_t *name, size_t nl,
                        const uint8_t *value, size_t vl, uint8_t flags, void *ud) {
    (void)flags;
    (void)ud;
    h1_request *r = h2_req(s, f->hd.stream_id);
    if (!r || r->h2hdr_ != H2H_FINAL) return 0;
    buf *b = r->resp_headers;
    if (nl == 7 && !memcmp(name, ":status", 7)) {
        int code = 0;
        for (size_t i = 0; i < vl && i < 3; i++) code = code * 10 + (value[i] - '0');
        if (code < 200) { r->h2hdr_ = H2H_INFO; return 0; }   /* 1xx: skipped, as Go does */
        char line[80];
        int n = snprintf(line, sizeof line, "HTTP/2.0 %d %s\r\n", code, h2_status_text(code));
        r->status = code;
        buf_append(b, line, (size_t)n);
        return 0;
    }
    if (nl && name[0] == ':') return 0;
    if (buf_reserve(b, nl + vl + 4)) return 0;
    char *o = put(put(put(b->p + b->len, (const char *)name, nl), ": ", 2), (const char *)value, vl);
    o = put(o, "\r\n", 2);
    b->len = (size_t)(o - b->p);
    b->p[b->len] = 0;
    if (nl == 16 && !memcmp(name, "content-encoding", 16)) {
        int codec = codec_from_name((const char *)value, vl);
        r->h2enc_ = codec > 0 ? codec : 0;
    }
    return 0;
}

static int h2_on_frame_recv(nghttp2_session *s, const nghttp2_frame *f, void *ud) {
    h1_conn *k = ud;
    if (f->hd.type == NGHTTP2_GOAWAY) {
        k->goaway = 1;
        k->goaway_code = f->goaway.error_code;
        k->goaway_last = f->goaway.last_stream_id;
        return 0;
    }
    if (f->hd.type != NGHTTP2_HEADERS || !(f->hd.flags & NGHTTP2_FLAG_END_HEADERS)) return 0;
    h1_request *r = h2_req(s, f->hd.stream_id);
    if (!r) return 0;
    if (r->h2hdr_ == H2H_FINAL) {
        buf_append(r->resp_headers, "\r\n", 2);
        r->h2hdr_ = H2H_DONE;
    } else if (r->h2hdr_ == H2H_INFO) {
        r->h2hdr_ = H2H_NONE;
    }
    return 0;
}

static int h2_on_data(nghttp2_session *s, uint8_t flags, int32_t sid, const uint8_t *p, size_t n, void *ud) {
    (void)flags;
    (void)ud;
    h1_request *r = h2_req(s, sid);
    if (r && r->resp_body) buf_append(r->resp_body, p, n);
    return 0;
}

static int h2_on_frame_send(nghttp2_session *s, const nghttp2_frame *f, void *ud) {
    (void)ud;
    if ((f->hd.type != NGHTTP2_HEADERS && f->hd.type != NGHTTP2_DATA) || !(f->hd.flags & NGHTTP2_FLAG_END_STREAM))
        return 0;
    h1_request *r = h2_req(s, f->hd.stream_id);
    if (r && !r->t_sent_) r->t_sent_ = clock_now_us();
    return 0;
}

/* A stream ended well: decoded, timed, queued for h2_deliver. */
static void h2_success(h1_conn *k, h1_request *r, int64_t now) {
    h1_client *c = k->c;
    const char *chal;
    size_t cl;
    if (r->ntlm_user && r->status == 401 && ntlm_challenge(r->resp_headers->p, r->resp_headers->len, &chal, &cl)) {
        /* NTLM authenticates a connection, not a stream: the request starts
         * again on an HTTP/1.1 connection (libcurl's "Forcing HTTP/1.1 for NTLM") */
        r->ntlm_h11_ = 1;
        r->ntlm_step_ = 0;
        h1_parser_init(&r->parser_, r->resp_headers, r->parser_.no_body, on_body, r);
        req_redo(c, r);
        return;
    }
    if (r->resp_body && r->h2enc_ && r->resp_body->len) {
        buf d = {0};
        if (codec_decode(r->h2enc_, r->resp_body->p, r->resp_body->len, &d, (size_t)1 << 31)) {
            buf_free(&d);
            req_fail(c, r, H1_ERR_PROTO, 0, "invalid compressed body: %s data is corrupt", codec_name(r->h2enc_));
            return;
        }
        buf_free(r->resp_body);
        *r->resp_body = d;
    }
    memcpy(r->proto, "HTTP/2.0", 9);
    r->tls = k->tinfo;
    set_timings(r, now);
    r->state_ = RQ_DEFERRED;
    r->next_ = c->h2done;
    c->h2done = r;
}

/* Why a stream that did not end well failed, in k6's terms. */
static void h2_stream_failed(h1_conn *k, h1_request *r, uint32_t code, enum h1_error e, int uverr, const char *msg) {
    h1_client *c = k->c;
    if (k->goaway && k->goaway_code == NGHTTP2_NO_ERROR && r->sid_ > k->goaway_last && r->retried_ < H2_RETRIES) {
        r->retried_++;                     /* a graceful GOAWAY before the stream: it never ran */
        req_redo(c, r);
    } else if (k->goaway && k->goaway_code != NGHTTP2_NO_ERROR) {
        r->h2_code = k->goaway_code;
        req_fail(c, r, H1_ERR_H2_GOAWAY, 0, "http2: received GoAway with code %u", k->goaway_code);
    } else if (code == NGHTTP2_REFUSED_STREAM && r->retried_ < H2_RETRIES) {
        r->retried_++;
        req_redo(c, r);
    } else if (code != NGHTTP2_NO_ERROR) {
        r->h2_code = code;
        req_fail(c, r, H1_ERR_H2_STREAM, 0, "http2: stream error with code %u", code);
    } else {
        if (r->tls_code == 0 && e == H1_ERR_TLS) r->tls_code = 1000;
        req_fail(c, r, e, uverr, "%s", msg);
    }
}

static int h2_on_stream_close(nghttp2_session *s, int32_t sid, uint32_t code, void *ud) {
    h1_conn *k = ud;
    h1_request *r = h2_req(s, sid);
    if (!r) return 0;
    nghttp2_session_set_stream_user_data(s, sid, NULL);
    stream_unlink(k, r);
    if (code == NGHTTP2_NO_ERROR && r->h2hdr_ == H2H_DONE) h2_success(k, r, clock_now_us());
    else h2_stream_failed(k, r, code, H1_ERR_EOF, 0, "http2: stream closed without a response");
    return 0;
}

static nghttp2_session_callbacks *h2_callbacks(h1_client *c) {
    nghttp2_session_callbacks *cb = c->h2cb;
    if (cb || nghttp2_session_callbacks_new(&cb)) return cb;
    nghttp2_session_callbacks_set_on_begin_headers_callback(cb, h2_on_begin_headers);
    nghttp2_session_callbacks_set_on_header_callback(cb, h2_on_header);
    nghttp2_session_callbacks_set_on_frame_recv_callback(cb, h2_on_frame_recv);
    nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, h2_on_data);
    nghttp2_session_callbacks_set_on_frame_send_callback(cb, h2_on_frame_send);
    nghttp2_session_callbacks_set_on_stream_close_callback(cb, h2_on_stream_close);
    return c->h2cb = cb;
}

/* Go's transport settings: no push, 4 MB stream windows, a 1 GB
 * connection window, a 10 MB header list. */
static int h2_begin(h1_conn *k) {
    nghttp2_session_callbacks *cb = h2_callbacks(k->c);
    if (!cb || nghttp2_session_client_new(&k->h2, cb, k)) return -1;
    static const nghttp2_settings_entry iv[] = {
        {NGHTTP2_SETTINGS_ENABLE_PUSH, 0},
        {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, 4 << 20},
        {NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, 10 << 20},
    };
    if (nghttp2_submit_settings(k->h2, NGHTTP2_FLAG_NONE, iv, sizeof iv / sizeof *iv)) return -1;
    return nghttp2_session_set_local_window_size(k->h2, NGHTTP2_FLAG_NONE, 0, 1 << 30) ? -1 : 0;
}

static ssize_t h2_body_read(nghttp2_session *s, int32_t sid, uint8_t *out, size_t len, uint32_t *flags,
                            nghttp2_data_source *src, void *ud) {
    (void)s;
    (void)sid;
    (void)ud;
    h1_request *r = src->ptr;
    size_t left = r->body_len - r->body_off_;
    if (len > left) len = left;
    memcpy(out, (const char *)r->body + r->body_off_, len);
    r->body_off_ += len;
    if (r->body_off_ == r->body_len) *flags |= NGHTTP2_DATA_FLAG_EOF;
    return (ssize_t)len;
}

/* Headers HTTP/2 forbids or carries otherwise (Host is :authority). */
static int h2_skip_header(const char *n, size_t len) {
    switch (len) {
    case 4: return ci_prefix(n, "host", 4);
    case 7: return ci_prefix(n, "upgrade", 7);
    case 10: return ci_prefix(n, "connection", 10) || ci_prefix(n, "keep-alive", 10);
    case 16: return ci_prefix(n, "proxy-connection", 16);
    case 17: return ci_prefix(n, "transfer-encoding", 17);
    default: return 0;
    }
}

static void nv_set(nghttp2_nv *nv, const char *name, size_t nl, const char *value, size_t vl) {
    nv->name = (uint8_t *)name;
    nv->namelen = nl;
    nv->value = (uint8_t *)value;
    nv->valuelen = vl;
    nv->flags = NGHTTP2_NV_FLAG_NONE;
}

/* The request's HEADERS (and DATA) into the session; the names and values
 * are built in the scratch buffer, which nghttp2 copies. Returns the
 * stream id or a negative nghttp2 error. */
static int32_t h2_submit(h1_conn *k, h1_request *r) {
    h1_client *c = k->c;
    const h1_host *h = r->host_;
    size_t need = 3 * r->path_len_ + 32, nmax = r->nheaders + 7;
    for (size_t i = 0; i < r->nheaders; i++) need += strlen(r->headers[i]);
    if (buf_reserve(&c->wbuf, need)) return NGHTTP2_ERR_NOMEM;
    if (nmax > c->nvcap) {
        nghttp2_nv *nv = realloc(c->nv, nmax * sizeof *nv);
        if (!nv) return NGHTTP2_ERR_NOMEM;
        c->nv = nv;
        c->nvcap = nmax;
    }
    nghttp2_nv *nv = c->nv;
    char *o = c->wbuf.p, *s;
    size_t n = 4;
    int ua = r->user_agent != NULL;
    nv_set(&nv[0], ":method", 7, r->method, strlen(r->method));
    nv_set(&nv[1], ":scheme", 7, "https", 5);
    nv_set(&nv[2], ":authority", 10, h->authority, h->authlen);
    o = put_path(s = o, r);
    nv_set(&nv[3], ":path", 5, s, (size_t)(o - s));
    for (size_t i = 0; i < r->nheaders; i++) {
        const char *hd = r->headers[i], *colon = strchr(hd, ':');
        if (!colon || colon == hd) continue;
        size_t nl = (size_t)(colon - hd);
        const char *v = colon + 1, *ve = v + strlen(v);
        while (*v == ' ' || *v == '\t') v++;
        while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t')) ve--;
        if (nl == 4 && ci_prefix(hd, "host", 4)) { nv_set(&nv[2], ":authority", 10, v, (size_t)(ve - v)); continue; }
        if (h2_skip_header(hd, nl)) continue;
        if (nl == 10 && ci_prefix(hd, "user-agent", 10)) ua = 0;
        s = o;
        for (size_t j = 0; j < nl; j++) {
            char ch = hd[j];
            *o++ = ch >= 'A' && ch <= 'Z' ? (char)(ch | 0x20) : ch;
        }
        nv_set(&nv[n++], s, nl, v, (size_t)(ve - v));
    }
    if (ua) nv_set(&nv[n++], "user-agent", 10, r->user_agent, strlen(r->user_agent));
    if (r->ntlm_step_ == 1) {              /* the negotiate message, after "Authorization: " */
        static const size_t pre = sizeof "Authorization: " - 1;
        nv_set(&nv[n++], "authorization", 13, ntlm_negotiate_line + pre, strlen(ntlm_negotiate_line) - pre);
    }
    if (r->has_body) {
        o = put_u64(s = o, r->body_len);
        nv_set(&nv[n++], "content-length", 14, s, (size_t)(o - s));
    }
    nghttp2_data_provider prd = {.source.ptr = r, .read_callback = h2_body_read};
    r->body_off_ = 0;
    return nghttp2_submit_request(k->h2, NULL, nv, n, r->has_body && r->body_len ? &prd : NULL, r);
}

/* r becomes a stream of k's session (sent by the next h2_flush). */
static void h2_start_stream(h1_conn *k, h1_request *r, int64_t now) {
    r->conn_ = k;
    memcpy(r->remote_ip, k->ip, sizeof r->remote_ip);
    r->remote_port = k->port;
    if (!r->t_ready_) r->t_ready_ = now;
    stream_link(k, r);
    int32_t sid = h2_submit(k, r);
    if (sid < 0) {
        stream_unlink(k, r);
        req_fail(k->c, r, H1_ERR_OTHER, 0, "http2: %s", nghttp2_strerror(sid));
        return;
    }
    r->sid_ = sid;
    arm_timer(k, r, now);
}

/* The session's output, coalesced into few TLS records. Returns 0, or -1
 * when k failed. */
static int h2_flush(h1_conn *k) {
    buf *wb = &k->c->wbuf;
    size_t total = 0;
    for (;;) {
        const uint8_t *p;
        ssize_t n = nghttp2_session_mem_send(k->h2, &p);
        if (n < 0) { h2_lost(k, H1_ERR_H2_CONN, 0, nghttp2_strerror((int)n), 0); return -1; }
        if (n == 0 || (total && total + (size_t)n > 65536)) {
            if (total && tlsio_write(k->tls, wb->p, total) != TLSIO_OK) {
                char msg[256];
                int code = tlsio_error(k->tls, msg, sizeof msg);
                h2_lost(k, H1_ERR_TLS, 0, msg, code);
                return -1;
            }
            total = 0;
            if (n == 0) break;
        }
        if (buf_reserve(wb, total + (size_t)n)) { h2_lost(k, H1_ERR_OTHER, UV_ENOMEM, "out of memory", 0); return -1; }
        memcpy(wb->p + total, p, (size_t)n);
        total += (size_t)n;
    }
    return tls_flush(k) < 0 ? -1 : 0;
}

/* Streams that ended well in the last session turn: their done callbacks. */
static void h2_deliver(h1_client *c) {
    h1_request *r;
    while ((r = c->h2done) != NULL) {
        c->h2done = r->next_;
        r->state_ = RQ_IDLE;
        r->done(r, r->ud);
    }
}

/* k is gone (read/write error, EOF, TLS or framing error): every stream
 * fails, or is retried where it never ran. */
static void h2_lost(h1_conn *k, enum h1_error e, int uverr, const char *msg, int tls_code) {
    h1_request *r;
    if (k->state == CK_CLOSING) return;
    while ((r = k->streams) != NULL) {
        stream_unlink(k, r);
        if (e == H1_ERR_TLS) r->tls_code = tls_code;
        h2_stream_failed(k, r, NGHTTP2_NO_ERROR, e, uverr, msg);
    }
    conn_close(k);
}

/* Closes k when it can serve nothing more: a GOAWAY, a connection made for
 * one request, a session that ended. */
static void h2_settle(h1_conn *k) {
    if (k->state == CK_CLOSING || k->nstreams) return;
    if (k->goaway || k->no_reuse || k->unusable ||
        (!nghttp2_session_want_read(k->h2) && !nghttp2_session_want_write(k->h2)))
        conn_close(k);
}

static void h2_on_read(h1_conn *k, ssize_t n, const char *p) {
    h1_client *c = k->c;
    if (n < 0) {
        if (n == UV_EOF) h2_lost(k, H1_ERR_EOF, 0, "http2: client connection lost", 0);
        else h2_lost(k, n == UV_ECONNRESET ? H1_ERR_RESET : H1_ERR_OTHER, (int)n, uv_strerror((int)n), 0);
        h2_deliver(c);
        return;
    }
    conn_count_in(k, (size_t)n);
    if (tlsio_feed(k->tls, p, (size_t)n)) { h2_lost(k, H1_ERR_OTHER, UV_ENOMEM, "out of memory", 0); goto out; }
    for (;;) {
        int m = tlsio_read(k->tls, c->rbuf, READ_BUF_SIZE);
        if (m == TLSIO_AGAIN) break;
        if (m == TLSIO_CLOSED) { h2_lost(k, H1_ERR_EOF, 0, "http2: client connection lost", 0); goto out; }
        if (m == TLSIO_ERR) {
            char msg[256];
            int code = tlsio_error(k->tls, msg, sizeof msg);
            h2_lost(k, H1_ERR_TLS, 0, msg, code);
            goto out;
        }
        ssize_t rv = nghttp2_session_mem_recv(k->h2, (const uint8_t *)c->rbuf, (size_t)m);
        if (rv < 0) {
            char msg[200];
            snprintf(msg, sizeof msg, "http2: connection error: %s", nghttp2_strerror((int)rv));
            h2_lost(k, H1_ERR_H2_CONN, 0, msg, 0);
            goto out;
        }
    }
    if (h2_flush(k) == 0) {
        if (!nghttp2_session_want_read(k->h2) && k->nstreams)   /* the session ended (a protocol error) */
            h2_lost(k, H1_ERR_H2_CONN, 0, "http2: connection error: the session was terminated", 0);
        else
            h2_settle(k);
    }
out:
    h2_deliver(c);
}

/* The handshake chose h2: the session starts with the request that dialed
 * and those that queued behind it. */
static void h2_ready(h1_conn *k) {
    h1_request *r = k->r, *q;
    h1_host *h = k->host;
    memcpy(k->ip, r->remote_ip, sizeof k->ip);
    k->port = r->remote_port;
    if (h2_begin(k)) { conn_fail(k, H1_ERR_OTHER, UV_ENOMEM, "%s", "out of memory"); return; }
    h->h2 = 1;
    k->state = CK_H2;
    k->r = NULL;
    if (!k->no_reuse && !k->in_h2list) h2list_add(k);
    int64_t now = clock_now_us();
    r->t_ready_ = now;
    h2_start_stream(k, r, now);
    while ((q = k->queue) != NULL) {
        k->queue = q->snext_;
        q->snext_ = NULL;
        h2_start_stream(k, q, now);
    }
    if (h2_flush(k) == 0) h2_settle(k);
}

/* k6's VU transports do not share: a connection serves one vu (and owner). */
static h1_conn *h2_pick(h1_host *h, const h1_request *r) {
    for (h1_conn *k = h->h2conns; k; k = k->hnext) {
        if (k->vu != r->vu || k->owner != r->owner || k->goaway || k->unusable || k->state == CK_CLOSING) continue;
        if (k->h2 && (uint32_t)k->nstreams >=
                         nghttp2_session_get_remote_settings(k->h2, NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS))
            continue;
        return k;
    }
    return NULL;
}

/* r joins k: a stream now, or after the handshake. */
static void h2_join(h1_conn *k, h1_request *r, int64_t now) {
    if (k->h2) {
        r->t_ready_ = now;
        h2_start_stream(k, r, now);
        if (h2_flush(k) == 0) h2_settle(k);
        return;
    }
    r->conn_ = k;
    r->snext_ = NULL;
    h1_request **pp = &k->queue;
    while (*pp) pp = &(*pp)->snext_;
    *pp = r;
}

/* A request leaves k's queue or session (h1_cancel). */
static void h2_drop(h1_conn *k, h1_request *r) {
    if (!k->h2) {
        for (h1_request **pp = &k->queue; *pp; pp = &(*pp)->snext_)
            if (*pp == r) { *pp = r->snext_; break; }
        r->snext_ = NULL;
        r->conn_ = NULL;
        return;
    }
    if (r->sid_) {
        nghttp2_session_set_stream_user_data(k->h2, r->sid_, NULL);
        nghttp2_submit_rst_stream(k->h2, NGHTTP2_FLAG_NONE, r->sid_, NGHTTP2_CANCEL);
    }
    stream_unlink(k, r);
    if (h2_flush(k) == 0) h2_settle(k);
}

/* The connection's timer: streams past their deadline are reset and fail. */
static void h2_on_timer(h1_conn *k) {
    int64_t now = clock_now_us();
    h1_request *r = k->streams, *next, *first = NULL;
    for (; r; r = next) {
        next = r->snext_;
        if (now < r->deadline_us_) {
            if (!first || r->deadline_us_ < first->deadline_us_) first = r;
            continue;
        }
        nghttp2_session_set_stream_user_data(k->h2, r->sid_, NULL);
        nghttp2_submit_rst_stream(k->h2, NGHTTP2_FLAG_NONE, r->sid_, NGHTTP2_CANCEL);
        stream_unlink(k, r);
        req_fail(k->c, r, H1_ERR_TIMEOUT, 0, "%s", "request timeout");
    }
    if (first) arm_timer(k, first, now);
    if (h2_flush(k) == 0) h2_settle(k);
}

/* conn_close's part for h2: the session goes, queued requests dial again. */
static void h2_close(h1_conn *k) {
    h1_request *r;
    h2list_remove(k);
    if (!k->c->freeing) h2_requeue(k);
    while ((r = k->streams) != NULL) {     /* none normally: h2_lost and h2_drop took them */
        stream_unlink(k, r);
        req_fail(k->c, r, H1_ERR_OTHER, 0, "%s", "http2: client connection lost");
    }
    nghttp2_session_del(k->h2);
    k->h2 = NULL;
}

/* Requests queued on k for an h2 handshake that will not serve them (it
 * failed, or the server chose HTTP/1.1): each is dispatched again. */
static void h2_requeue(h1_conn *k) {
    h1_request *q;
    h2list_remove(k);
    while ((q = k->queue) != NULL) {
        k->queue = q->snext_;
        q->snext_ = NULL;
        req_redo(k->c, q);
    }
}

static void new_conn(h1_client *c, h1_request *r, int64_t now) {
    h1_host *h = r->host_;
    h1_conn *k = conn_new(c, h);
    if (!k) { req_fail(c, r, H1_ERR_OTHER, UV_ENOMEM, "%s", "out of memory"); return; }
    k->owner = r->owner;
    k->vu = r->vu;
    k->no_reuse = r->no_reuse != 0;
    k->http11 = c->http11_only || r->ntlm_h11_;
    r->ntlm_step_ = r->ntlm_user ? 1 : 0;
    if (h->tls && h->h2 && !r->no_reuse && !k->http11) h2list_add(k);   /* the vu's next requests join it */
    if (!r->picked_) host_refresh(h, now);
    attach(k, r, now);
    if (h->state == HS_RESOLVED) { conn_connect(k); return; }
    k->state = CK_DNS;
    list_push(&h->waiting, k);
    if (h->state == HS_NEW) host_resolve(h);
}

static void req_reset(h1_request *r, int64_t now) {
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
    r->zs_ = NULL;
    r->t_start_ = now;
    r->t_ready_ = r->t_sent_ = r->t_first_ = r->t_conn0_ = r->t_tcp_ = 0;
    r->wire_in_ = 0;
    r->t_tls = 0;
    r->tls_code = 0;
    r->tls.version = 0;
    r->deadline_us_ = r->timeout_ms > 0 ? now + r->timeout_ms * 1000 : INT64_MAX;
    r->retried_ = r->zdone_ = r->zraw_ = 0;
    r->h2_code = 0;
    r->snext_ = r->sprev_ = NULL;
    r->sid_ = 0;
    r->body_off_ = 0;
    r->h2enc_ = r->h2hdr_ = r->redo_ = 0;
    r->ntlm_step_ = r->ntlm_h11_ = 0;
    r->t_auth_sent_ = 0;
    r->state_ = RQ_ACTIVE;
    if (!r->method) r->method = "GET";
}

void h1_start(h1_client *c, h1_request *r) {
    int64_t now = clock_now_us();
    url_parts u;
    req_reset(r, now);
    if (!r->resp_headers) { req_fail(c, r, H1_ERR_OTHER, 0, "%s", "h1_start: resp_headers is required"); return; }
    if (r->resp_body) buf_clear(r->resp_body);
    int head = r->method[0] == 'H' && !strcmp(r->method, "HEAD");
    h1_parser_init(&r->parser_, r->resp_headers, head, on_body, r);
    const char *why = url_parse(r, &u);
    if (why) { req_fail(c, r, H1_ERR_URL, 0, "parse \"%s\": %s", r->url ? r->url : "", why); return; }
    if (!(r->host_ = host_get(c, &u))) {
        req_fail(c, r, H1_ERR_URL, 0, "parse \"%s\": %s", r->url, "invalid host");
        return;
    }
    dispatch(c, r, now);
}

/* r to a connection of its host: an h2 one of its vu, an idle one, a new one. */
static void dispatch(h1_client *c, h1_request *r, int64_t now) {
    h1_host *h = r->host_;
    if (h->h2 && !r->no_reuse && !r->ntlm_h11_) {
        h1_conn *k = h2_pick(h, r);
        if (k) {
            if (r->ntlm_user) r->ntlm_step_ = 1;   /* a stream starts the handshake */
            h2_join(k, r, now);
            return;
        }
    }
    r->picked_ = host_per_request(h) && h->state == HS_RESOLVED;
    if (r->picked_) {
        host_refresh(h, now);              /* this request's address; a new lookup once dns.ttl ran out */
        r->picked_ = h->state == HS_RESOLVED;
    }
    h1_conn *k = r->no_reuse ? NULL : r->ntlm_user ? pool_get_ntlm(h, r) : pool_get(h, r->owner, r->vu);
    if (!k) { new_conn(c, r, now); return; }
    if (r->ntlm_user) r->ntlm_step_ = k->auth ? 0 : 1;   /* authenticated: nothing to send */
    attach(k, r, now);
    r->t_ready_ = now;                     /* a pooled connection is ready at once */
    conn_send(k, r);
}

void h1_cancel(h1_client *c, h1_request *r) {
    if (r->state_ == RQ_DEFERRED) {
        if (!unlink_req(&c->deferred, r) && !unlink_req(&c->delivering, r)) unlink_req(&c->h2done, r);
        r->redo_ = 0;
    } else if (r->state_ == RQ_ACTIVE && r->conn_ && r->conn_->r != r) {
        h2_drop(r->conn_, r);              /* a stream, or queued for the handshake */
    } else if (r->state_ == RQ_ACTIVE && r->conn_) {
        h1_conn *k = r->conn_;
        detach(k, r);
        conn_close(k);
    }
    zs_release(c, r);
    r->state_ = RQ_IDLE;
}

int h1_lookup_start(h1_client *c, const char *host, size_t n, int port, h1_lookup *l) {
    url_parts u = {host, n, port, 0, 0};
    l->ok = 0;
    l->why = "";
    l->next_ = NULL;
    l->host_ = NULL;
    h1_host *h = host_get(c, &u);
    if (!h) return H1_LOOKUP_SKIP;
    host_refresh(h, clock_now_us());
    int rc = h->state == HS_NEW ? host_resolve(h) : 0;
    if (rc) {
        l->why = dns_why(rc);
        return H1_LOOKUP_FAILED;
    }
    if (h->state == HS_RESOLVED) {
        lookup_answer(h, l);
        return H1_LOOKUP_DONE;
    }
    l->host_ = h;
    l->next_ = h->lwait;
    h->lwait = l;
    return H1_LOOKUP_PENDING;
}

void h1_lookup_cancel(h1_client *c, h1_lookup *l) {
    (void)c;
    h1_host *h = l->host_;
    if (!h) return;
    for (h1_lookup **pp = &h->lwait; *pp; pp = &(*pp)->next_)
        if (*pp == l) { *pp = l->next_; break; }
    l->host_ = NULL;
}

/* ---- client ---- */

void h1_client_set_dialer(h1_client *c, const net_dialer *d) {
    c->d = d;
}

void h1_client_set_tls(h1_client *c, const tls_config *cfg, int insecure) {
    c->tcfg = cfg;
    c->insecure = insecure;
}

tlsio_ctx *h1_client_tls(h1_client *c, char *err, size_t errlen) {
    tlsio_ctx *x = client_tls(c);
    if (!x) snprintf(err, errlen, "%s", c->tctx_err);
    return x;
}

void h1_client_http11_only(h1_client *c) {
    c->http11_only = 1;
}

void h1_close_owner(h1_client *c, int owner) {
    h1_conn *k = c->all, *next;
    for (; k; k = next) {
        next = k->anext;
        if ((k->state == CK_IDLE || (k->state == CK_H2 && !k->nstreams)) && k->owner == owner) conn_close(k);
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
    if (buf_reserve(&c->wbuf, 4096) || host_grow(c)) {
        buf_free(&c->wbuf);
        free(c);
        return NULL;
    }
    c->loop = loop;
    uv_timer_init(loop, &c->defer);
    c->defer.data = c;
    c->refs = 1;
    return c;
}

static void on_client_closed(uv_handle_t *h) {
    client_unref(h->data);
}

void h1_client_free(h1_client *c) {
    if (!c) return;
    c->freeing = 1;
    while (c->all) {
        h1_conn *k = c->all;
        if (k->r) {
            zs_release(c, k->r);
            k->r->state_ = RQ_IDLE;
            detach(k, k->r);
        }
        for (h1_request *r; (r = k->streams) != NULL; r->state_ = RQ_IDLE) stream_unlink(k, r);
        for (h1_request *r; (r = k->queue) != NULL; r->state_ = RQ_IDLE) k->queue = r->snext_;
        conn_close(k);
    }
    c->deferred = c->delivering = c->h2done = NULL;
    if (c->h2cb) nghttp2_session_callbacks_del(c->h2cb);
    c->h2cb = NULL;
    free(c->nv);
    c->nv = NULL;
    for (size_t i = 0; i < c->nbuckets; i++) {
        h1_host *h, *next;
        for (h = c->tab[i]; h; h = next) {
            next = h->next;
            if (h->state == HS_RESOLVING) uv_cancel((uv_req_t *)&h->gai);   /* on_resolved frees it */
            else host_free(h);
        }
    }
    free(c->tab);
    c->tab = NULL;
    c->nbuckets = 0;
    for (size_t i = 0; i < c->nzfree; i++) {
        inflateEnd(c->zfree[i]);
        free(c->zfree[i]);
    }
    free(c->zfree);
    free(c->held);                         /* every connection closed: no vu holds one */
    c->held = NULL;
    c->nheld = 0;
    buf_free(&c->wbuf);
    buf_free(&c->ntlm_line);
    tlsio_ctx_free(c->tctx);               /* connections freed their sessions in conn_close */
    c->tctx = NULL;
    uv_close((uv_handle_t *)&c->defer, on_client_closed);
}
