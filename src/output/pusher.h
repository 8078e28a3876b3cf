/* HTTP POSTs of the network outputs (influxdb, experimental-prometheus-rw)
 * on threads of their own, so that the metrics thread never waits on the
 * network: pusher_post() only queues a body under a mutex.
 *
 * The queue has a memory budget: a body that would take the queued bytes
 * past it is dropped, its points counted and a warning logged (at most one
 * every few seconds, with the count so far). A request that fails (no
 * connection, timeout, a status other than 2xx) loses its points too
 * (after the retries an output may ask for, see retry_*); that is logged
 * the same way. pusher_close() waits for every queued body to be
 * sent (or to fail), but 10 s at most (C6_OUTPUT_GRACE_MS in ms): a body
 * still queued then is abandoned, a request still running aborted, and
 * their points counted. It reports the totals.
 *
 * A request that was sent but got no answer (a timeout, a connection lost
 * mid-answer, the end-of-test grace running out) is "not confirmed", not
 * "not written": the server may well have stored it. */
#ifndef C6_PUSHER_H
#define C6_PUSHER_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct pusher_config {
    const char *name; /* the output, in log lines ("influxdb") */
    const char *url;  /* where bodies go by default */
    const char *content_type;
    const char *const *headers; /* extra "Name: value" lines */
    size_t nheaders;
    const char *username, *password;  /* basic auth when username is set */
    const char *proxy;                /* NULL or "": none (the environment's is not used) */
    bool insecure;                    /* skip TLS certificate and host checks */
    const char *ca_file;              /* NULL, or the only roots trusted (PEM) */
    const char *cert_file, *key_file; /* NULL, or a client certificate and its key (PEM) */
    bool tls13;                       /* TLS 1.3 at least */
    int threads;                      /* requests at once (1 keeps bodies in order) */
    size_t budget;                    /* queued bytes at most */
    long timeout_ms;                  /* per request (C6_OUTPUT_TIMEOUT_MS overrides it) */
    /* A gRPC unary call instead of a plain POST: HTTP/2 (h2c, with prior
     * knowledge, for http://; ALPN h2 for https://), the body already
     * framed by the caller (a 0 byte and a 4-byte length), the call's
     * outcome in grpc-status (and grpc-message) in the trailers; `lost`
     * then sees the reply's message without its frame header. */
    bool grpc;
    /* How many of a request's `points` the server says it did not store,
     * from its status and (the first 2 KB of) its reply, len bytes; may put
     * the server's reason in words in why. Called for every answer that is
     * not 2xx (NULL: all of them lost) and for a 2xx with a body (NULL:
     * none). InfluxDB's 400 "partial write: ... dropped=N" stored the
     * rest; OTLP's 200 with partial_success.rejected_data_points did not
     * store that many. */
    uint64_t (*lost)(long status, const char *reply, size_t len, uint64_t points, char *why, size_t whylen);
    /* Retries as the OTLP exporters of the OTel Go SDK do (their
     * internal/retry on cenkalti/backoff): a request that failed in a way
     * they count as transient (HTTP 429, 502, 503, 504; gRPC CANCELLED,
     * DEADLINE_EXCEEDED, ABORTED, OUT_OF_RANGE, UNAVAILABLE, DATA_LOSS, and
     * RESOURCE_EXHAUSTED carrying a google.rpc.RetryInfo; a timeout) is sent
     * again after a backoff that starts at retry_initial_ms, grows 1.5x per
     * try up to retry_max_ms, each wait randomised by +-50%, until a retry
     * would end past retry_elapsed_ms after the first try or past the
     * end-of-test grace. 0: no retries (influxdb, prometheus-rw). */
    long retry_initial_ms, retry_max_ms, retry_elapsed_ms;
} pusher_config;

typedef struct pusher pusher;

typedef struct pusher_stats {
    uint64_t sent, dropped, failed; /* points */
    uint64_t abandoned;             /* points still queued when the grace ran out */
    uint64_t refused;               /* of failed: refused by a server that stored the rest (partial writes) */
    uint64_t unconfirmed;           /* points sent whose answer never came (timeout, connection lost, grace
                                       over): the server may have stored them */
    uint64_t requests, failed_requests, partial_requests, unconfirmed_requests;
} pusher_stats;

/* Copies what it needs from c. NULL with a message when a thread cannot
 * start or memory runs out. */
pusher *pusher_new(const pusher_config *c, char *err, size_t errlen);
/* Queues body (malloc'd; the pusher owns it from now on, also when it is
 * dropped) holding `points` points. Returns false if it was dropped. */
bool pusher_post(pusher *p, char *body, size_t len, uint64_t points);
/* The same to another URL and content type, for a one-off request whose
 * failure is only a debug line (influxdb's CREATE DATABASE). */
bool pusher_post_quiet(pusher *p, const char *url, const char *content_type, char *body, size_t len);
/* Sends what is queued, stops the threads, frees; fills *st when not NULL.
 * NULL is a no-op. */
void pusher_close(pusher *p, pusher_stats *st);
/* Logs what st says was not written, as the outputs' closing warnings:
 * `output` names the output, `unit` its points ("points", "time series
 * samples"); oom: some were lost before they were queued. */
void pusher_report(const pusher_stats *st, const char *output, const char *unit, bool oom);
/* The queued bytes budget: C6_OUTPUT_BUDGET (bytes) when set and valid,
 * else def. */
size_t pusher_budget(size_t def);

/* Settings shared by the network outputs. The value of key in envp
 * ("K=V" strings), or NULL when unset. */
const char *pusher_env(char *const *envp, const char *key);
/* Go's strconv.ParseBool: 1 t T TRUE true True, 0 f F FALSE false False.
 * Returns 0, or -1 for anything else. */
int pusher_parse_bool(const char *s, bool *out);

#endif
