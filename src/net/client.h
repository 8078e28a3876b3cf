/* c6's HTTP client on a libuv loop, the one k6/http runs on: HTTP/1.1 over
 * plain TCP and TLS, HTTP/2 over TLS (nghttp2) when the server picks h2 in
 * ALPN, and NTLM authentication inside a request (net/ntlm.c). This is its
 * one public header (the h1_ prefix is the client's); client_int.h is the
 * one its files share (client.c, hostcache.c, http1.c, tlsconn.c, http2.c).
 *
 * One h1_client per worker thread (exec/worker.c makes and frees it) owns
 * per-(host,port,tls) pools of keep-alive connections, a DNS cache, one 64 KB
 * read buffer shared by every connection and one scratch buffer requests are
 * serialized into. An HTTP/1.1 connection carries one request at a time; an
 * HTTP/2 one carries a vu's requests as streams. A pooled connection costs
 * ~700 bytes and no buffer memory. In steady state a request allocates
 * nothing.
 *
 * The caller keeps method, url, headers, user_agent and body valid, and does
 * not touch the request, until done runs or h1_cancel returns.
 *
 * h1_client_new sets SIGPIPE to SIG_IGN unless the program installed a
 * handler: libuv writes with writev(), and a write to a reset connection
 * must fail with EPIPE rather than kill the process. */
#ifndef C6_NET_CLIENT_H
#define C6_NET_CLIENT_H
#include <stdint.h>
#include <uv.h>
#include "net/h1_parse.h"
#include "net/h2session.h"
#include "net/tls.h"
#include "util/buf.h"
#include "util/codec.h"

typedef struct h1_client h1_client; /* one per worker thread: pools, DNS cache, read buffer */
h1_client *h1_client_new(uv_loop_t *loop);
struct net_dialer;
/* The run's connection options (hosts, dns, blacklistIPs); NULL: k6's
 * defaults. d must outlive c. */
void h1_client_set_dialer(h1_client *c, const struct net_dialer *d);
/* Closes the idle connections requests with this owner opened
 * (noVUConnectionReuse: at the end of the VU's iteration). */
void h1_close_owner(h1_client *c, int owner);
/* Closes every connection; requests still in flight are dropped without
 * their done callback. The caller runs the loop afterwards so close
 * callbacks fire: memory is released from them. */
void h1_client_free(h1_client *c);

enum h1_error {
    H1_OK = 0,
    H1_ERR_URL,
    H1_ERR_DNS,
    H1_ERR_REFUSED,
    H1_ERR_NETUNREACH,
    H1_ERR_CONNECT,
    H1_ERR_TIMEOUT,
    H1_ERR_RESET,
    H1_ERR_EOF,
    H1_ERR_PROTO,
    H1_ERR_OTHER,
    H1_ERR_BLACKLISTED, /* the address is in blacklistIPs */
    H1_ERR_TLS,         /* https: handshake or record failure; tls_code says which */
    H1_ERR_H2_GOAWAY,   /* h2: the server's GOAWAY ended the stream; h2_code */
    H1_ERR_H2_STREAM,   /* h2: the stream was reset (RST_STREAM); h2_code */
    H1_ERR_H2_CONN,     /* h2: a framing/protocol error on the connection */
    H1_ERR_BODY,        /* the response came whole but its body did not decode:
                                                         status, headers and the body decoded so far are
                                                         kept, errmsg and body_code say why (k6's texts) */
    H1_ERR_BODY_LIMIT,  /* the kept body grew past the client's limit
                                                         (h1_client_body_max): the connection was closed */
    H1_ERR_HEAD
}; /* HTTP/1: a response head Go's ReadResponse refuses;
                                                         errmsg is Go's text, which net/http wraps in
                                                         "net/http: HTTP/1.x transport connection broken: " */

/* A URL's split, kept by a caller that sends the same URL string again
 * (k6/http: one per VU, for its last URL, 12 bytes): h1_start fills it
 * after a successful split of r->url and, while it is set, takes the split
 * from it instead of splitting again. The caller passes it only with the
 * string it was made for, and empties it (set = 0) before that string
 * changes or is freed. A URL whose parts do not fit is split every time.
 * Set, it also tells the caller that the URL is http(s) with a host. */
typedef struct h1_url_memo {
    uint16_t host_off, port, path_off;
    uint8_t hostlen;
    uint8_t set : 1, tls : 1, ipv6 : 1, need_escape : 1;
    uint8_t userinfo : 1; /* the URL has user@ (the caller's to send: headers) */
    uint32_t path_len;
} h1_url_memo;

typedef struct h1_request {
    /* in */
    const char *method;    /* "GET", "POST", ... */
    const char *url;       /* http[s]://[user:pass@]host[:port][/path][?query]; host may be
                                                [::1]; user info is left to the caller (headers) */
    h1_url_memo *url_memo; /* NULL, or the caller's memo of url's split (see h1_url_memo) */
    const char *const *headers;
    size_t nheaders;        /* "Name: value" lines sent as given; a Host line replaces ours */
    const char *user_agent; /* sent as User-Agent unless NULL or a User-Agent header is given */
    size_t user_agent_len;  /* its length when known; 0: strlen'd */
    const void *body;
    size_t body_len;
    int has_body;                      /* Content-Length sent when has_body (even 0) */
    int64_t timeout_ms;                /* whole request, from h1_start to the last body byte; <= 0: none */
    const struct sockaddr *local_addr; /* source address to bind (localIPs); NULL: the kernel's choice */
    int owner;                         /* only connections of the same owner are reused; 0: shared */
    int vu;                            /* h2: requests of one vu share a connection, as k6's
                                                per-VU transport; other vus never do */
    int no_reuse;                      /* a new connection, closed after (Connection: close) */
    const char *ntlm_user, *ntlm_pass; /* params.auth "ntlm": the handshake (negotiate, the 401's
                                                challenge, authenticate) runs inside the request on one
                                                HTTP/1.1 connection, which stays authenticated for these
                                                credentials (its next such requests send nothing); a
                                                challenge over h2 moves the request to an HTTP/1.1
                                                connection, as libcurl did; NULL none */
    buf *resp_headers;                 /* required; filled: the final response's raw header block;
                                                emptied when the request fails */
    buf *resp_body;                    /* filled: body, decoded through its Content-Encoding
                                                (gzip, deflate, br, zstd, chains as k6), at most
                                                h1_client_body_max bytes; NULL: every byte is counted
                                                and dropped as it arrives, nothing is decoded */
    void (*done)(struct h1_request *r, void *ud);
    void *ud;
    const void *pf_resp[4]; /* lines reading the response and done() write first (the caller's
                               records, the buffers above; NULL: none), asked for ahead (http1.c) */
    /* out: h1_start resets them all (tls: its version) */
    int status;     /* 0 on error */
    char proto[12]; /* "HTTP/1.1", "HTTP/1.0" or "HTTP/2.0" */
    enum h1_error err;
    char errmsg[256]; /* Go-like: "dial tcp 127.0.0.1:1: connect: connection refused" */
    int os_errno;     /* positive errno behind err, when there is one */
    char remote_ip[46];
    int remote_port;
    double t_blocked, t_connecting, t_sending, t_waiting, t_receiving; /* milliseconds, k6 semantics */
    double t_tls;                        /* https: the handshake, on a new connection only */
    int tls_code;                        /* H1_ERR_TLS: k6's code (1010, 1300, 1301, 1310, 1311, ...) */
    uint32_t h2_code;                    /* H1_ERR_H2_GOAWAY/STREAM: the HTTP/2 error code */
    int body_code;                       /* H1_ERR_BODY: k6's error_code (1701, or 1000) */
    tls_info tls;                        /* https: the connection's session; version 0 otherwise */
    uint64_t bytes_sent, bytes_received; /* wire bytes of this request/response, incl. headers;
                                                a retried request counts both attempts, NTLM every leg */

    /* private */
    h1_parser parser_;
    struct h1_conn *conn_; /* connection serving the request, or NULL */
    struct h1_host *host_;
    struct h1_request *next_; /* client's list of completions to deliver */
    codec_chain dec_;         /* the body's decoders (z_streams from the client's pool) */
    const char *path_;
    size_t path_len_; /* path+query inside url */
    int64_t t_start_, t_ready_, t_sent_, t_first_, t_conn0_, t_tcp_, deadline_us_;
    uint64_t wire_in_; /* https: ciphertext bytes read for the request */
    int state_, retried_, need_escape_, picked_;
    int dec_ready_;       /* dec_ is set up for this response (h1: at its first body byte) */
    int body_fail_;       /* H1_ERR_BODY_LIMIT or H1_ERR_OTHER (memory): the body stopped */
    int ntlm_step_;       /* NTLM message in the request: 0 none, 1 negotiate, 2 authenticate */
    int ntlm_h11_;        /* NTLM: challenged over h2, goes on over HTTP/1.1 */
    int64_t t_auth_sent_; /* NTLM: when the exchange's first message went out */
    /* h2 */
    struct h1_request *snext_; /* the connection's queue before the handshake */
    h2s_stream h2s_;           /* the stream (net/h2session.h): id, body sent, header block size */
    int h2hdr_, redo_;         /* header block state; dispatch again */
} h1_request;

/* https:// on c's own TLS connections, with the run's TLS options (cfg
 * may be NULL: defaults) and insecureSkipTLSVerify; cfg must outlive c.
 * ALPN offers h2 and http/1.1 as k6 does: a server that picks h2 gets the
 * request over HTTP/2 (nghttp2), and from then on the host's requests of
 * one vu share one connection as streams (an http.batch multiplexes). */
void h1_client_set_tls(h1_client *c, const tls_config *cfg, int insecure);
/* Other clients on the same loop (k6/ws's wss://) open their TLS
 * sessions on the client's context with tlsconn_open (net/tlsconn.h). */
/* ALPN offers http/1.1 only on every https connection, so h2 servers
 * answer over HTTP/1.1 (tests: C6_TEST_ALPN=http/1.1). */
void h1_client_http11_only(h1_client *c);
/* The largest body a request keeps (decoded bytes), H1_BODY_MAX_DEFAULT
 * unless the environment's C6_RESPONSE_BODY_MAX (bytes, 1 to 2^30-1: a
 * JS string's limit) says otherwise; read by h1_client_new. */
#define H1_BODY_MAX_DEFAULT ((size_t)256 << 20)
size_t h1_client_body_max(const h1_client *c);

/* Starts the request on c's loop. Always completes through r->done, called
 * from a libuv callback (never synchronously inside h1_start), exactly once,
 * unless h1_cancel is called first. */
void h1_start(h1_client *c, h1_request *r);
/* The line of vu's kept-alive connection that its next request reads first
 * (to prefetch), or NULL. */
const void *h1_held_line(const h1_client *c, int vu);
/* Abandons r (the VU was interrupted): closes its connection, r->done is never called. */
void h1_cancel(h1_client *c, h1_request *r);

/* A name's address for another transport on the loop (k6/ws), from the same
 * per-(host,port) cache as h1's connections, so the dns option's ttl, policy
 * and select mean the same on both: each lookup is one "dial" and picks an
 * address as a new h1 connection would. */
typedef struct h1_lookup {
    void (*done)(struct h1_lookup *l, void *ud);
    void *ud; /* for H1_LOOKUP_PENDING only */
    /* out */
    int ok;     /* 1: ip/family are set, 0: why says why not */
    int family; /* AF_INET or AF_INET6 */
    char ip[46];
    const char *why; /* static text: "no such host", ... (Go's "lookup NAME: <why>") */
    /* private */
    struct h1_lookup *next_;
    struct h1_host *host_;
} h1_lookup;

enum { H1_LOOKUP_SKIP = -2, H1_LOOKUP_FAILED = -1, H1_LOOKUP_PENDING = 0, H1_LOOKUP_DONE = 1 };

/* Looks host[0..n) (not an IP literal) up for port. DONE or FAILED: l is
 * filled now and done is not called; PENDING: done runs from a libuv
 * callback once l is filled, unless h1_lookup_cancel is called first; SKIP:
 * a name h1 cannot handle (bad characters, too long): leave it to the caller. */
int h1_lookup_start(h1_client *c, const char *host, size_t n, int port, h1_lookup *l);
void h1_lookup_cancel(h1_client *c, h1_lookup *l);

/* Go's http.StatusText(code) ("" when Go has none). */
const char *h2_status_text(int code);

#endif
