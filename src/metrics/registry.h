/* Metric registry: names, types and value kinds by small integer id. Built-in
 * metrics have fixed ids; custom ones (k6/metrics) are added during init code.
 * Reads are lock-free: entries never move and `count` is published last. */
#ifndef C6_REGISTRY_H
#define C6_REGISTRY_H
#include <stdint.h>
#include "metrics/sink.h"

enum {
    M_HTTP_REQS,
    M_HTTP_REQ_DURATION,
    M_HTTP_REQ_BLOCKED,
    M_HTTP_REQ_CONNECTING,
    M_HTTP_REQ_TLS_HANDSHAKING,
    M_HTTP_REQ_SENDING,
    M_HTTP_REQ_WAITING,
    M_HTTP_REQ_RECEIVING,
    M_HTTP_REQ_FAILED,
    M_ITERATIONS,
    M_ITERATION_DURATION,
    M_VUS,
    M_VUS_MAX,
    M_DATA_SENT,
    M_DATA_RECEIVED,
    M_CHECKS,
    M_GROUP_DURATION,
    M_DROPPED_ITERATIONS,
    M_WS_SESSIONS,
    M_WS_SESSION_DURATION,
    M_WS_CONNECTING,
    M_WS_MSGS_SENT,
    M_WS_MSGS_RECEIVED,
    M_WS_PING,
    M_GRPC_REQ_DURATION,
    M_GRPC_STREAMS,
    M_GRPC_STREAMS_MSGS_SENT,
    M_GRPC_STREAMS_MSGS_RECEIVED,
    M_BUILTIN_COUNT
};
#define REGISTRY_MAX 4096

typedef struct metric_def {
    const char *name;
    metric_type type;
    value_kind kind;
} metric_def;

void registry_init(void);
void registry_free(void);
/* Finds or adds a metric. Returns its id, or -1 with a message when the name
 * is invalid or already registered with another type. Thread-safe. */
int registry_get_or_add(const char *name, metric_type type, value_kind kind, char *err, size_t errlen);
int registry_find(const char *name);
int registry_count(void);
const metric_def *registry_get(int id);

#endif
