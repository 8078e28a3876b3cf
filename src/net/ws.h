/* A WebSocket client connection (RFC 6455) on a libuv loop: for k6/ws.
 *
 * ws_client_start looks the host up (through the worker's h1 client, so
 * options.hosts and the dns option mean the same as for HTTP), connects,
 * sends the handshake and checks the answer; after that frames flow both
 * ways. Everything that happens is reported through one callback, from a
 * libuv callback, except a WS_EV_FAIL for a host name refused before any
 * lookup, which comes from inside ws_client_start:
 *
 *   WS_EV_OPEN     the handshake succeeded (status, resp_head, subproto set)
 *   WS_EV_FAIL     it did not (err set; status/resp_head/resp_body when an
 *                  HTTP answer came); nothing follows
 *   WS_EV_MESSAGE  a text/binary message or a ping/pong/close frame
 *                  (pings are answered by the client itself)
 *   WS_EV_ERROR    an error on an open connection (err): the TCP connection
 *                  ended without a close frame, a read or write failed, or
 *                  the peer's close frame has a code other than 1000/1001
 *                  (gorilla's CloseError text, "websocket: close 1011
 *                  (internal server error): why")
 *   WS_EV_END      the connection is closed (close_code; close_reason);
 *                  nothing follows. With read_failed, the server broke the
 *                  protocol: no WS_EV_ERROR came, close_code is 0, err has
 *                  gorilla/websocket's reason, and the module reports it as
 *                  k6 does (gorilla sent a close frame for it, so did c6)
 *
 * Bytes go through a transport (ws_transport): plain TCP for ws://, TLS
 * through the worker's tlsio context for wss:// (the run's TLS options,
 * SNI and the host name checked, ALPN "http/1.1"), on net/tlsconn.h's byte
 * path as the HTTP client's connections. Writes the socket does not take
 * at once wait in a bounded queue: reading pauses while over 1 MB waits, a
 * write stalled 10 s ends the connection with WS_EV_ERROR ("write tcp
 * L->R: i/o timeout", k6's write deadline), and a send that would queue
 * more than 64 MB fails. */
#ifndef C6_WS_H
#define C6_WS_H
#include <stdbool.h>
#include <stdint.h>
#include <uv.h>
#include "net/client.h"
#include "net/dialer.h"
#include "net/ws_proto.h"
#include "util/buf.h"

typedef struct ws_client ws_client;

enum ws_event { WS_EV_OPEN, WS_EV_FAIL, WS_EV_MESSAGE, WS_EV_ERROR, WS_EV_END };

typedef void (*ws_event_fn)(ws_client *c, enum ws_event ev, const ws_msg *m, void *ud);

/* How bytes reach the peer. Once connected (and reading), the transport
 * hands plaintext to ws_client_on_bytes (n < 0: a libuv error or UV_EOF)
 * and counts wire bytes in bytes_sent / bytes_received itself. */
typedef struct ws_transport {
    int (*connect)(ws_client *c, const struct sockaddr *to);    /* completes with ws_client_on_connected */
    int (*write)(ws_client *c, const uv_buf_t *b, unsigned nb); /* 0 or a libuv error */
    void (*close)(ws_client *c);                                /* completes with ws_client_on_closed */
} ws_transport;

typedef struct ws_client_opts {
    const char *url; /* ws[s]://host[:port][/path][?query] */
    const char *const *headers;
    size_t nheaders;                   /* "Name: value" lines added to the handshake */
    const struct sockaddr *local_addr; /* localIPs; NULL: the kernel's choice */
    const net_dialer *dialer;          /* blockHostnames, blacklistIPs (NULL: none) */
    int64_t handshake_timeout_ms;      /* dial + handshake; <= 0: 60 s */
} ws_client_opts;

struct ws_client {
    /* out */
    int status;         /* handshake answer's status; 0 if none came */
    buf resp_head;      /* its raw header block (after the status line) */
    buf resp_body;      /* body of a refused handshake (up to 64 KB) */
    char subproto[128]; /* Sec-WebSocket-Protocol chosen by the server */
    char err[256];
    char remote_ip[46];
    int close_code;         /* WS_EV_END: the peer's code, 1005 without one, 1006 if the TCP connection just ended */
    char close_reason[124]; /* the peer's close text; "unexpected EOF" for 1006 */
    bool read_failed;       /* WS_EV_END after a protocol error (see above) */
    bool too_big;           /* ... a message over WS_MAX_MESSAGE (c6's limit; k6 has none) */
    bool close_sent;        /* our close frame went out (the script's, or one for a protocol error) */
    uint64_t bytes_sent, bytes_received; /* wire bytes, handshakes (TLS too) included */

    /* private */
    uv_loop_t *loop;
    h1_client *h1;
    ws_event_fn cb;
    void *ud;
    const ws_transport *tp;
    uv_tcp_t tcp;
    uv_timer_t timer;  /* handshake timeout; then the wait for the peer's close */
    uv_timer_t wtimer; /* write deadline: the queue made no progress for 10 s */
    uv_write_t wreq;   /* the write in flight (one at a time) */
    buf wq;
    size_t woff;          /* bytes waiting behind it (from woff) */
    buf wfly;             /* the bytes in flight */
    struct ws_pend *pend; /* messages not taken yet: where each ends in the wire stream, its payload size */
    size_t phead, pn, pcap;
    uint64_t pend_bytes; /* their payload bytes */
    uv_read_cb read_cb;  /* the transport's, once reading */
    bool writing, read_held, tcp_started;
    uv_connect_t creq;
    h1_lookup lk;   /* the host's lookup */
    bool resolving; /* lk is in flight */
    char host[256];
    int port;
    bool ipv6, secure;
    struct tlsio *tls; /* wss://: the session, once TCP is up */
    char *path;        /* request target */
    buf hs;            /* handshake request, then response bytes */
    char key[25];
    int state, handles;
    bool freed, ended;
    uint64_t rng; /* masking keys */
    ws_reader rd;
    const struct sockaddr *local_addr;
    const net_dialer *dialer;
};

/* Parses the URL and starts; -1 (with c->err) if the URL is refused, in
 * which case no event comes and ws_client_free is still due. */
int ws_client_start(ws_client *c, uv_loop_t *loop, h1_client *h1, const ws_client_opts *o, ws_event_fn cb, void *ud);
/* Sends a message or control frame (masked) on an open connection; -1 if
 * it is not open or the write failed. */
int ws_client_send(ws_client *c, int opcode, const void *p, size_t n);
/* Payload bytes of the text/binary messages sent that the socket has not
 * taken yet (waiting in the write queue; over TLS, their records): what
 * the browser API calls bufferedAmount. */
uint64_t ws_client_buffered(ws_client *c);
/* Starts the close handshake with code (0: no code) and reason. */
void ws_client_close(ws_client *c, int code, const char *reason);
/* No more events; the connection is dropped if still up. The memory is
 * released once libuv has closed the handles (the caller keeps running the loop). */
void ws_client_free(ws_client *c);
/* Allocates a client for ws_client_start. */
ws_client *ws_client_new(void);

/* For transports: the connection is ready for the handshake (TLS done),
 * or failed (status < 0); then plaintext from the peer. */
void ws_client_on_connected(ws_client *c, int status);
void ws_client_on_bytes(ws_client *c, const char *p, ssize_t n);

#endif
