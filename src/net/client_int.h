/* net/'s HTTP client, inside: the structures its files share and the
 * functions they call across files. Only net/client.c, hostcache.c,
 * http1.c, body.c, tlsconn.c and http2.c include this; everyone else uses
 * net/client.h.
 *
 *   client.c     requests in and out: h1_start, dispatch to a pooled, held,
 *                h2 or new connection, completion (deferred failures),
 *                connection bookkeeping and pools, the client's lifecycle
 *   hostcache.c  the (host, port, tls) table: DNS cache, dns.ttl/select/
 *                policy, options.hosts, h1_lookup for k6/ws
 *   http1.c      one connection's TCP dial and its HTTP/1.1 exchange:
 *                serialization, writes, reads into the parser, retries,
 *                NTLM steps
 *   body.c       response bodies as they arrive (both protocols): dropped,
 *                or decoded and kept up to a limit
 *   tlsconn.c    the same connection over TLS (tlsio on the libuv stream)
 *   http2.c      HTTP/2 sessions (nghttp2) on TLS connections
 *
 * Hot path: the small helpers below are static inline so that splitting the
 * client into files costs no calls per request. */
#ifndef C6_NET_CLIENT_INT_H
#define C6_NET_CLIENT_INT_H
#include <netinet/in.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <nghttp2/nghttp2.h>
#include <zlib.h>
#include "net/client.h"
#include "net/dialer.h"
#include "net/tlsio.h"
#include "util/twheel.h"
#include "util/url.h"

#define READ_BUF_SIZE    (64 * 1024)
#define MAX_ADDRS        16 /* addresses kept per looked-up name */
#define MIN_HOST_BUCKETS 16

enum { RQ_IDLE = 0, RQ_ACTIVE, RQ_DEFERRED };
enum {
    CK_DNS = 0,
    CK_CONNECTING,
    CK_HANDSHAKE,
    CK_BUSY,
    CK_IDLE,
    CK_CLOSING,
    CK_H2
}; /* an HTTP/2 session: streams in k->h2.streams (h2_first), k->r unused */
enum { HS_NEW = 0, HS_RESOLVING, HS_RESOLVED };

typedef struct h1_conn {
    uv_tcp_t tcp; /* its io watcher (the cache line libuv's poll touches) is inside */
    /* What a request on a kept-alive plain connection touches (pool_get,
     * attach, send, read, finish, pool_put): one cache line, the struct
     * being 64-byte aligned (client_conn_new). At 10,000 VUs each
     * connection's lines are cold (in DRAM) at every iteration. */
    _Alignas(64) h1_client *c;
    struct h1_host *host;
    h1_request *r;        /* request being served, NULL when idle */
    tlsio *tls;           /* https: the session; NULL for plain http */
    char *auth;           /* NTLM: "user\0pass" the connection is authenticated for; NULL none */
    int64_t timer_due_us; /* tnode fires from then; 0: not armed */
    int fd;               /* plain http, connected: the socket (http1_conn_send writes to it); else -1 */
    int owner;            /* h1_request.owner of the request that opened it */
    int held_vu;          /* idle and kept for this vu (client's held[]); 0: not held */
    unsigned char state;  /* CK_* */
    unsigned tcp_open : 1, reused : 1, writing : 1, wrote_any : 1;
    unsigned looked : 1; /* client_conn_gone looked at it once, on its first reuse */
    unsigned http11 : 1; /* https: ALPN offers http/1.1 only (NTLM, the test knob) */
    /* the rest: dialing, partial writes, lists, TLS, h2 */
    twheel_node tnode; /* request timeout, on the client's wheel, armed lazily */
    union {
        uv_connect_t connect;
        uv_write_t write;
    } req;                         /* never both in flight */
    struct h1_conn *prev, *next;   /* host's idle pool or DNS wait list; closed: the client's dead list */
    struct h1_conn *aprev, *anext; /* every connection of the client */
    buf wpend;                     /* request head left over by a partial try_write */
    size_t wtotal;                 /* bytes of the request being written (set when a write is left over) */
    int nhandles;                  /* libuv handles to close before it is freed (its socket) */
    struct sockaddr_storage peer;  /* https: the address dialed (client_pool_get matches it) */
    tls_info tinfo;                /* https: what the session says, read once after the handshake */
    /* h2 */
    h2s_conn h2;                   /* ALPN chose h2: the session (h2.ng; NULL otherwise), its GOAWAY */
    h1_request *queue;             /* requests waiting for the handshake (the host speaks h2) */
    struct h1_conn *hprev, *hnext; /* host's h2 connections (in_h2list) */
    uint64_t carry_in, carry_out;  /* wire bytes while no request was in flight: the next one's */
    int vu;
    char ip[46];
    int port; /* the peer, for the streams' remote_ip/port */
    unsigned in_h2list : 1, unusable : 1, no_reuse : 1;
} h1_conn;
_Static_assert(offsetof(h1_conn, tnode) - offsetof(h1_conn, c) <= 64, "h1_conn's hot fields fit one cache line");

/* The newest request in flight on k's HTTP/2 session (the list is
 * net/h2session.h's: k->h2.streams, k->h2.nstreams), or NULL. */
static inline h1_request *h2_first(const h1_conn *k) {
    return k->h2.streams ? h2s_container_of(k->h2.streams, h1_request, h2s_) : NULL;
}

typedef struct h1_host {
    struct h1_host *next; /* hash chain */
    h1_client *c;
    char *name; /* as in the URL, without brackets */
    size_t namelen;
    int port, state;
    int tls;                     /* https: a separate entry (and pool) from plain http */
    int h2;                      /* https: the server chose h2 in ALPN: a vu's requests share a connection */
    struct ssl_session_st *sess; /* https: the session to resume */
    char authority[300];         /* Host header value */
    size_t authlen;
    char ip[46];
    size_t iplen;
    union {
        struct sockaddr sa;
        struct sockaddr_in in4;
        struct sockaddr_in6 in6;
    } addr;                     /* dialed next */
    dialer_sa addrs[MAX_ADDRS]; /* a looked-up name's addresses (policy filtered) */
    int naddrs;
    int fixed;           /* numeric, localhost or options.hosts: never looked up */
    int64_t resolved_us; /* when the lookup finished (dns.ttl) */
    uv_getaddrinfo_t gai;
    int closes_idle;  /* a pooled connection was found closed by the server as it
                                      * was reused: look at each before reusing it (client_conn_gone) */
    h1_conn *idle;    /* pool, most recently used first */
    h1_conn *waiting; /* connections waiting for the lookup */
    h1_conn *h2conns; /* h2 connections, established or on their way */
    h1_lookup *lwait; /* h1_lookup_start callers waiting for it */
} h1_host;

struct h1_client {
    uv_loop_t *loop;
    uv_timer_t defer; /* delivers queued failures */
    /* the connections' request timeouts: a wheel of ms on clock_now_us()'s
     * clock and one libuv timer for its earliest due (tw_armed; 0: none),
     * so the loop's timer heap does not hold a timer per connection */
    twheel tw;
    uv_timer_t tw_timer;
    uint64_t tw_armed;
    h1_conn *dead; /* closed without a socket to close: freed from the defer timer */
    h1_request *deferred, *delivering;
    h1_host **tab;
    size_t nbuckets, nhosts;
    h1_host *last; /* last host used: usually the next one too */
    h1_conn *all;
    h1_conn **held; /* by vu id: the vu's last idle connection (one host) */
    size_t nheld;
    buf wbuf;         /* request serialization scratch */
    z_stream **zfree; /* inflaters ready for reuse */
    size_t nzfree, capzfree;
    codec_zpool zpool;   /* zfree, as the body decoders take and give z_streams */
    size_t body_max;     /* a kept body's limit (h1_client_body_max) */
    int refs;            /* the defer timer + lookups in flight */
    const net_dialer *d; /* options; NULL: k6's defaults */
    unsigned rr;         /* dns.select roundRobin counter */
    int freeing;
    const tls_config *tcfg; /* https: the run's TLS options (NULL: defaults) */
    int insecure, http11_only;
    buf ntlm_line;      /* the authenticate message being sent (http1_serialize copies it) */
    tlsio_ctx *tctx;    /* built on first use */
    char tctx_err[200]; /* why it could not be built; "" */
    nghttp2_nv *nv;     /* request header scratch */
    size_t nvcap;
    h1_request *h2done; /* streams ended in this session turn: delivered after it */
    /* requests whose dial found no free descriptor (EMFILE/ENFILE), oldest
     * first; fdwait_t retries them every FDWAIT_MS (client_fd_wait) */
    h1_request *fdwait, *fdwait_tail;
    uv_timer_t fdwait_t;
    int fdwait_retrying;
    int fdwait_idle; /* a connection went idle since fdwait_t last looked for one to close */
    /* libuv's callback of a stream's io watcher (uv__stream_io), taken from
     * the first plain connection: http1_io (http1.c) stands in front of it
     * and hands it every event but a lone POLLIN */
    uv__io_cb stream_io;
    unsigned ev_next; /* http1_io: where the next event of libuv's batch likely is */
    char rbuf[READ_BUF_SIZE]; /* every read lands here, consumed at once */
};

enum { H2H_NONE = 0, H2H_FINAL, H2H_INFO, H2H_DONE }; /* h1_request.h2hdr_ */

/* ---- small helpers ---- */

static inline int ci_prefix(const char *s, const char *lit, size_t n) {
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 'A' && c <= 'Z') c |= 0x20;
        if (c != (unsigned char)lit[i]) return 0;
    }
    return 1;
}

static inline double span_ms(int64_t from, int64_t to) {
    return from && to > from ? (double)(to - from) / 1000.0 : 0.0;
}

static inline char *http1_put(char *o, const char *s, size_t n) {
    memcpy(o, s, n);
    return o + n;
}

static inline char *http1_put_u64(char *o, uint64_t v) {
    char tmp[20];
    int n = 0;
    do tmp[n++] = (char)('0' + v % 10);
    while ((v /= 10) != 0);
    while (n) *o++ = tmp[--n];
    return o;
}

static inline void list_push(h1_conn **head, h1_conn *k) {
    k->prev = NULL;
    k->next = *head;
    if (*head) (*head)->prev = k;
    *head = k;
}

static inline void list_unlink(h1_conn **head, h1_conn *k) {
    if (k->prev) k->prev->next = k->next;
    else *head = k->next;
    if (k->next) k->next->prev = k->prev;
    k->prev = k->next = NULL;
}

static inline void conn_detach(h1_conn *k, h1_request *r) {
    k->r = NULL;
    r->conn_ = NULL;
}

/* Whether https requests to h pick an address each: every request "dials"
 * through the DNS cache (dns.select), and a connection is reused only when
 * it goes to the address picked (as https behaved when libcurl carried it;
 * kept so the dns option's results do not change). */
static inline int host_per_request(const h1_host *h) { return h->tls && h->naddrs > 1 && !h->fixed; }

/* The phases as k6's tracer (lib/netext/httpext/tracer.go, Tracer.Done)
 * splits them, failures included: nothing is blocked before a connection
 * is had (a refused or failed TLS connection reports 0 but its connect
 * time), a request sent and never answered waits until the end (a timeout
 * reports its whole length), one answered in part receives until the end. */
static inline void req_set_timings(h1_request *r, int64_t end) {
    if (r->t_tcp_) { /* a new TLS connection: connect, then handshake */
        r->t_blocked = r->t_ready_ ? span_ms(r->t_start_, r->t_conn0_) : 0;
        r->t_connecting = span_ms(r->t_conn0_, r->t_tcp_);
        r->t_tls = span_ms(r->t_tcp_, r->t_ready_);
    } else {
        r->t_blocked = span_ms(r->t_start_, r->t_ready_);
        r->t_connecting = span_ms(r->t_conn0_, r->t_ready_);
    }
    if (r->wire_in_) r->bytes_received = r->wire_in_; /* https: what crossed the wire */
    r->t_sending = span_ms(r->t_ready_, r->t_sent_);
    r->t_waiting = span_ms(r->t_sent_, r->t_first_ ? r->t_first_ : end);
    r->t_receiving = span_ms(r->t_first_, end);
}

/* ---- client.c ---- */

/* ---- body.c ---- */

int client_body_in_(h1_client *c, h1_request *r, const char *p, size_t n);
void client_body_end_(h1_client *c, h1_request *r);
/* Body bytes of r's response (de-chunked, as on the wire): counted by the
 * caller, dropped when r keeps no body, else decoded and kept up to the
 * client's limit. A decoding error is kept for client_body_end and the
 * rest of the body drained. 0, or why the request must stop at once
 * (H1_ERR_BODY_LIMIT, H1_ERR_OTHER: out of memory; also in r->body_fail_).
 * Inline: a plain body under the limit is one append. */
static inline int client_body_in(h1_client *c, h1_request *r, const char *p, size_t n) {
    buf *b = r->resp_body;
    if (!b) return 0; /* dropped: nothing kept, nothing decoded */
    if (!r->dec_.n && (r->dec_ready_ || r->parser_.encoding == H1_ENC_NONE) && n <= c->body_max - b->len &&
        !buf_append(b, p, n))
        return 0;
    return client_body_in_(c, r, p, n);
}
/* r's response is complete: a body cut short or that failed to decode sets
 * r->err to H1_ERR_BODY (status and body are kept). */
static inline void client_body_end(h1_client *c, h1_request *r) {
    if (r->resp_body && (r->dec_.n || (!r->dec_ready_ && r->parser_.encoding != H1_ENC_NONE))) client_body_end_(c, r);
}
/* The text for r->body_fail_, into r->errmsg's size. */
void client_body_fail_text(const h1_client *c, const h1_request *r, char *out, size_t n);
void client_body_release_(h1_request *r);
/* Gives r's decoders back (z_streams to the client's pool). */
static inline void client_body_release(h1_request *r) {
    if (r->dec_.n) client_body_release_(r);
}
void client_zpool_init(h1_client *c);
void client_zpool_free(h1_client *c);
/* Fails r, which no connection holds any more; done runs from the loop. */
__attribute__((format(printf, 5, 6))) void client_req_fail(h1_client *c, h1_request *r, enum h1_error e, int uverr,
                                                           const char *fmt, ...);
/* Fails the request k serves and closes k. */
__attribute__((format(printf, 4, 5))) void client_conn_fail(h1_conn *k, enum h1_error e, int uverr, const char *fmt,
                                                            ...);
void client_conn_close(h1_conn *k);
void client_arm_timer_(h1_conn *k, h1_request *r, int64_t now);
/* Arms k's timeout for r (client.c): nothing to do, inline, when r has no
 * timeout or the armed one is due first (it re-arms itself when it fires). */
static inline void client_arm_timer(h1_conn *k, h1_request *r, int64_t now) {
    if (r->deadline_us_ == INT64_MAX || (k->timer_due_us && k->timer_due_us <= r->deadline_us_)) return;
    client_arm_timer_(k, r, now);
}
void client_pool_put(h1_conn *k, const h1_request *r);
void client_new_conn(h1_client *c, h1_request *r, int64_t now);
void client_dispatch(h1_client *c, h1_request *r, int64_t now);
void client_req_redo(h1_client *c, h1_request *r);
/* r's dial found no free descriptor: it waits for one (client_fd_wait in client.c). */
void client_fd_wait(h1_client *c, h1_request *r);
void client_unref(h1_client *c);

/* ---- hostcache.c ---- */

h1_host *host_get_slow(h1_client *c, const url_parts *u);
/* a[0..n) == b[0..n): a name of 8 to 16 bytes ("127.0.0.1", most host
 * names are longer) as two overlapping words each, without a call */
static inline int host_name_eq(const char *a, const char *b, size_t n) {
    if (n < 8 || n > 16) return !memcmp(a, b, n);
    uint64_t a0, a1, b0, b1;
    memcpy(&a0, a, 8);
    memcpy(&b0, b, 8);
    memcpy(&a1, a + n - 8, 8);
    memcpy(&b1, b + n - 8, 8);
    return ((a0 ^ b0) | (a1 ^ b1)) == 0;
}
/* The entry for u's (host, port, tls), made on first use; NULL when the
 * host is unusable or out of memory. The last one used is checked first. */
static inline h1_host *host_get(h1_client *c, const url_parts *u) {
    h1_host *h = c->last;
    if (h && h->port == u->port && h->tls == u->tls && h->namelen == u->hostlen &&
        host_name_eq(h->name, u->host, u->hostlen))
        return h;
    return host_get_slow(c, u);
}
void host_refresh(h1_host *h, int64_t now);
int host_resolve(h1_host *h);
void host_free(h1_host *h);
int host_grow(h1_client *c);

/* ---- http1.c ---- */

void http1_conn_connect(h1_conn *k);
void http1_conn_send(h1_conn *k, h1_request *r);
/* r's path and query, percent-encoded where Go would, at o; the end. */
char *http1_put_path(char *o, const h1_request *r);
int http1_on_body(void *ud, const char *p, size_t n);
void http1_on_write(uv_write_t *w, int status);
void http1_write_failed(h1_conn *k, int err);
void http1_read_failed(h1_conn *k, int err);
int http1_got_bytes(h1_conn *k, const char *p, size_t n);

/* ---- tlsconn.c ---- */

tlsio_ctx *tlsconn_ctx(h1_client *c);
void tlsconn_start(h1_conn *k);
void tlsconn_send(h1_conn *k, h1_request *r, size_t hlen);
void tlsconn_on_read(h1_conn *k, ssize_t n, const char *p);
void tlsconn_on_write(h1_conn *k, int status);
int tlsconn_flush(h1_conn *k);
void tlsconn_count_in(h1_conn *k, size_t n);
void tlsconn_count_out(h1_conn *k, size_t n);

/* ---- http2.c ---- */

void h2_close(h1_conn *k);
void h2_on_timer(h1_conn *k);
void h2_lost(h1_conn *k, enum h1_error e, int uverr, const char *msg, int tls_code);
void h2_ready(h1_conn *k);
void h2_requeue(h1_conn *k);
void h2_on_read(h1_conn *k, ssize_t n, const char *p);
h1_conn *h2_pick(h1_host *h, const h1_request *r);
void h2_join(h1_conn *k, h1_request *r, int64_t now);
void h2_drop(h1_conn *k, h1_request *r);
void h2_stream_unlink(h1_conn *k, h1_request *r);
void h2_list_add(h1_conn *k);

#endif
