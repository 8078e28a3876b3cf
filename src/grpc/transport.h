/* gRPC over HTTP/2 (nghttp2) on a libuv loop: for k6/net/grpc.
 *
 * One gt_conn is one connection to one target: h2c with prior knowledge
 * (plaintext) or TLS with ALPN h2 through the worker's tlsio context (the
 * run's TLS options) or a context of the caller's (connect()'s tls param).
 * Each call is a stream: a POST with content-type application/grpc,
 * te: trailers, grpc-timeout and the caller's metadata; messages go both
 * ways with gRPC's 5-byte prefix (compression flag 0, big-endian length);
 * the call ends with the trailers' grpc-status / grpc-message (or a
 * Trailers-Only answer, or a transport failure mapped to a status as
 * grpc-go maps it).
 *
 * Everything reported comes from libuv callbacks (connected, on_message,
 * on_close); a callback may start, send on or cancel calls but must not
 * free the connection (gt_conn_close defers the release to libuv's close
 * callbacks anyway). */
#ifndef C6_GRPC_TRANSPORT_H
#define C6_GRPC_TRANSPORT_H
#include <stdbool.h>
#include <stdint.h>
#include <uv.h>
#include "config/connopts.h" /* dialer_sa */
#include "net/client.h"
#include "net/h2session.h"
#include "net/tlsio.h"
#include "util/buf.h"

typedef struct gt_conn gt_conn;
typedef struct gt_call gt_call;

/* --http-debug: the events grpc-go's stats handler reports and k6's
 * DebugStat logs (grpcext conn.go), as they happen on a call */
enum { GT_DBG_OUT_HEADER, GT_DBG_OUT_PAYLOAD, GT_DBG_IN_HEADER, GT_DBG_IN_PAYLOAD, GT_DBG_IN_TRAILER };
typedef struct gt_debug_event {
    int kind;
    const char *path;      /* OUT_HEADER: the method */
    const char *const *md; /* OUT_HEADER: the metadata sent, md[2i] name, md[2i+1] value */
    const size_t *mdlen;   /* (values raw) */
    size_t nmd;            /* pairs */
    const uint8_t *msg;    /* payloads: the message's bytes (inflated) */
    size_t len;
    uint32_t wire_len; /* payloads: prefix and bytes as sent/received; headers: the HEADERS frame's length */
} gt_debug_event;
typedef void (*gt_debug_fn)(gt_call *k, const gt_debug_event *e, void *ud);

typedef struct gt_call_ops {
    /* the response headers came (not for Trailers-Only answers) */
    void (*on_headers)(gt_call *k, void *ud);
    /* one whole message (without its prefix); valid during the call */
    void (*on_message)(gt_call *k, const uint8_t *p, size_t n, void *ud);
    /* the call is over: k->status, k->message, k->trailers are final */
    void (*on_close)(gt_call *k, void *ud);
} gt_call_ops;

/* gRPC's status codes (google.golang.org/grpc/codes) */
enum {
    GT_OK = 0,
    GT_CANCELED = 1,
    GT_UNKNOWN = 2,
    GT_INVALID_ARGUMENT = 3,
    GT_DEADLINE_EXCEEDED = 4,
    GT_RESOURCE_EXHAUSTED = 8,
    GT_UNIMPLEMENTED = 12,
    GT_INTERNAL = 13,
    GT_UNAVAILABLE = 14,
};

struct gt_call {
    /* out */
    int status;                   /* grpc-status; the mapped code of a transport failure */
    buf message;                  /* grpc-message, percent-decoded (NUL-terminated once closed) */
    buf headers;                  /* "name\0value\0" ... as they came (-bin values still base64) */
    buf trailers;                 /* the same, grpc-status/grpc-message left out */
    bool got_headers;             /* a response HEADERS frame came */
    bool closed;                  /* on_close has run */
    uint64_t msgs_in;             /* messages received */
    uint64_t msgs_out;            /* messages sent */
    const void *dbg_in, *dbg_out; /* the request and response message types, for --http-debug; NULL: none */

    /* private */
    gt_conn *conn;
    const gt_call_ops *ops;
    void *ud;
    h2s_stream st; /* the call's stream (net/h2session.h); st.body_end: the client's half closes once out went */
    uint32_t max_recv;
    buf in;  /* a message arriving in pieces */
    buf out; /* framed messages; st.body_off: how much went to the session */
    bool has_status;
    int http_status;  /* the response's :status */
    int ctype;        /* content-type: 0 none, 1 application/grpc[+...|;...], 2 another */
    char ctype_v[64]; /* another's value, for the error */
    int enc;          /* the response's grpc-encoding: 0 none/identity, 1 gzip, 2 another */
    char enc_v[40];   /* another's name, for the error */
    buf dz;           /* a compressed message inflated */
};

typedef struct gt_conn_opts {
    const char *host; /* a name or an IP literal, without brackets */
    int port;
    bool tls;
    tlsio_ctx *tls_ctx;    /* NULL: the worker's (h1 client's) context */
    const char *authority; /* :authority; NULL: host:port */
    const char *user_agent;
    uint32_t max_send; /* 0: grpc-go's default (MaxInt32) */
    uint32_t max_recv; /* 0: grpc-go's default (4 MB) */
    /* k6 dials gRPC through the VU's dialer: blockHostnames, blacklistIPs;
     * NULL: none. local: the VU's localIPs source address, or NULL. */
    const struct net_dialer *dialer;
    const struct sockaddr *local;
} gt_conn_opts;

typedef void (*gt_connected_fn)(gt_conn *c, int ok, void *ud);

struct gt_conn {
    /* out */
    char err[512];  /* why the connection failed or ended, as grpc-go says it */
    bool up;        /* connected, settings exchanged */
    bool err_final; /* the failure is one grpc-go's blocking dial gives up on at once (a refused
                       connection, a failed lookup); others it retries until connect()'s timeout */
    bool dead;
    uint64_t bytes_sent, bytes_received; /* wire bytes */
    char remote_ip[46];
    gt_debug_fn debug; /* --http-debug's hook; NULL: off */
    void *debug_ud;

    /* private */
    uv_loop_t *loop;
    h1_client *h1;
    gt_connected_fn connected;
    void *ud;
    uv_tcp_t tcp;
    uv_connect_t creq;
    uv_write_t wreq;
    buf wq, wfly; /* bytes waiting; bytes in flight */
    bool writing, tcp_started, resolving, freed, in_recv, saw_first;
    int handles;
    h1_lookup lk;
    h2s_conn h2; /* the session (h2.ng; NULL before the preface); h2.streams: the open calls */
    tlsio *tls;
    tlsio_ctx *tls_ctx;
    bool use_tls;
    char host[256];
    int port;
    char *authority, *user_agent;
    uint32_t max_send, max_recv;
    const struct net_dialer *dialer;
    dialer_sa local;
    bool has_local;
};

/* Starts connecting; connected(c, ok) follows from a libuv callback (or
 * at once for a refused address). NULL when out of memory. */
gt_conn *gt_conn_start(uv_loop_t *loop, h1_client *h1, const gt_conn_opts *o, gt_connected_fn connected, void *ud);
/* Ends the connection: open calls close with CANCELED ("grpc: the client
 * connection is closing"), their on_close called; the memory goes once
 * libuv has closed the handle. */
void gt_conn_close(gt_conn *c);

/* Starts a call of path ("/pkg.Svc/Method") with metadata (md[2i] name,
 * md[2i+1] value, n pairs; values of -bin keys raw, base64-encoded here)
 * and a deadline (timeout_ms > 0: grpc-timeout). 0, or -1 with k->status
 * and k->message set (the connection is gone). */
int gt_call_start(gt_conn *c, gt_call *k, const char *path, const char *const *md, const size_t *mdlen, size_t n,
                  int64_t timeout_ms, const gt_call_ops *ops, void *ud);
/* Sends the call's HEADERS now (gt_call_start leaves them for the first send). */
void gt_call_flush(gt_call *k);
/* Sends one message (last: and closes the client's half with it); -1 if it
 * is over max_send (k->status, message set) or the call is over. */
int gt_call_send(gt_call *k, const uint8_t *p, size_t n, bool last);
/* Closes the client's half (no more messages). */
void gt_call_close_send(gt_call *k);
/* Cancels the call (RST_STREAM CANCEL): on_close is not called; the
 * call's status becomes code with msg. */
void gt_call_cancel(gt_call *k, int code, const char *msg);
/* Releases the call's buffers (after on_close or cancel). */
void gt_call_free(gt_call *k);

/* A -bin metadata value as it came (base64, padded or not) decoded into
 * out; -1 if it is not base64. */
int gt_bin_decode(const char *v, size_t n, buf *out);

#endif
