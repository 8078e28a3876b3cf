/* The wire between a distributed run's coordinator and its agents: TCP,
 * one message = a 4-byte big-endian payload length, a type byte, the
 * payload. Control payloads are small JSON objects; the archive and the
 * metrics snapshots are bytes.
 * Sizes are bounded: a peer announcing more than the reader allows is a
 * protocol error (the connection is dropped), never an allocation. */
#ifndef C6_DIST_PROTO_H
#define C6_DIST_PROTO_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <openssl/types.h>

#define DIST_PROTO_VERSION  3 /* 2: the test as a k6 archive, merged metrics, MSG_FAIL; 3: MSG_PROGRESS */
#define DIST_DEFAULT_LISTEN "127.0.0.1:6566" /* the REST API has 6565 */
#define DIST_HELLO_MAX      4096             /* a frame before the hello is accepted */
#define DIST_FRAME_MAX      (64u << 20)      /* any frame after it (the archive, setup() data, snapshots) */
#define DIST_PING_US        1000000          /* heartbeats both ways */
#define DIST_LOST_US        4000000          /* silence after which the peer is lost */
#define DIST_CONNECT_US     30000000         /* an agent retries a refused connection this long */
#define DIST_EXIT_FAILED    103              /* the distributed run failed: k6's GenericEngine code */

enum dist_msg {
    MSG_HELLO = 1,  /* agent: {"version","proto","token"} */
    MSG_REFUSE,     /* coordinator: the reason, as text; then it closes */
    MSG_WELCOME,    /* coordinator: {"index","instances","segment","sequence","args":[...]} */
    MSG_ARCHIVE,    /* coordinator: the test as a k6 archive (.tar, `c6 archive`'s) */
    MSG_READY,      /* agent: VUs initialised */
    MSG_RUN_SETUP,  /* coordinator: run setup() here */
    MSG_SETUP_DONE, /* agent: {"code","data"} setup()'s exit code and its JSON */
    MSG_SETUP_DATA, /* coordinator: {"data"} to the others */
    MSG_START,      /* coordinator: {"at"} the common start, wall clock µs */
    MSG_STARTED,    /* agent: {"at"} its actual start */
    MSG_STOP,       /* coordinator: {"code","reason"} stop the test */
    MSG_DONE,       /* agent: {"code"[,"reason"]} iterations over (code: why it stopped
                         * early, or 0; reason: test.abort()'s message) */
    MSG_TEARDOWN,   /* coordinator: {"here"} whether teardown() runs on this agent */
    MSG_FINAL,      /* agent: {"code"} its run's exit code; then it closes */
    MSG_PING,       /* either way, every DIST_PING_US */
    MSG_METRICS,    /* agent: a metrics snapshot (metrics/snapshot.h, dist/metrics_link.h) */
    MSG_FAIL,       /* agent: {"reason"} the run cannot go on right (too many time series) */
    MSG_PROGRESS,   /* agent: {"vus","vus_max","done","interrupted","scen":[[state,done,interrupted,
                         * vus,started]...]} its progress numbers, every DIST_PING_US and at the end
                         * of its iterations (started: µs from its start to the scenario's, -1: not yet) */
    MSG_MAX
};

/* A connection's incoming bytes, cut into frames. */
typedef struct proto_rx {
    uint8_t *p;
    size_t len, cap;
    size_t max;      /* the largest payload accepted now */
    size_t consumed; /* bytes of the frame last returned, dropped at the next call */
} proto_rx;

void proto_rx_free(proto_rx *rx);
/* Reads what fd has (non-blocking fd), through ssl when not NULL (the
 * connection's TLS session, dist/tls.h). 1: read something, 0: nothing now,
 * -1: closed or error (errno; 0 at a clean close). One thread at a time per
 * connection, reads and writes alike (an SSL object is not shared). */
int proto_read(int fd, SSL *ssl, proto_rx *rx);
/* The next complete frame: 1 with *type, *payload (valid until the next
 * call) and *len; 0: incomplete; -1: a bad frame (too large, unknown type). */
int proto_next(proto_rx *rx, int *type, const uint8_t **payload, size_t *len);
/* Writes a whole frame, waiting up to timeout_ms for a slow peer. 0 or -1. */
int proto_send(int fd, SSL *ssl, int type, const void *payload, size_t len, int timeout_ms);
int proto_send_str(int fd, SSL *ssl, int type, const char *s, int timeout_ms);

/* Token equality in a time independent of where they differ (both hashed). */
bool proto_token_eq(const char *a, const char *b);
/* "HOST:PORT" -> a listening (listen=true) or connected socket, non-blocking;
 * -1 with err (errno: the socket's error, 0 for a bad address). */
int proto_socket(const char *hostport, bool listen, char *err, size_t errlen);
/* The peer's "ip:port" of a connected socket. */
void proto_peer_name(int fd, char *out, size_t n);
#endif
