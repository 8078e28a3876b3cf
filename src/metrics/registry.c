#include "metrics/registry.h"
#include "util/err.h"

#include <ctype.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static metric_def registry_defs[REGISTRY_MAX];
static atomic_int registry_n;
static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;

static const metric_def registry_builtin[M_BUILTIN_COUNT] = {
    [M_HTTP_REQS] = {"http_reqs", METRIC_COUNTER, VALUE_DEFAULT},
    [M_HTTP_REQ_DURATION] = {"http_req_duration", METRIC_TREND, VALUE_TIME},
    [M_HTTP_REQ_BLOCKED] = {"http_req_blocked", METRIC_TREND, VALUE_TIME},
    [M_HTTP_REQ_CONNECTING] = {"http_req_connecting", METRIC_TREND, VALUE_TIME},
    [M_HTTP_REQ_TLS_HANDSHAKING] = {"http_req_tls_handshaking", METRIC_TREND, VALUE_TIME},
    [M_HTTP_REQ_SENDING] = {"http_req_sending", METRIC_TREND, VALUE_TIME},
    [M_HTTP_REQ_WAITING] = {"http_req_waiting", METRIC_TREND, VALUE_TIME},
    [M_HTTP_REQ_RECEIVING] = {"http_req_receiving", METRIC_TREND, VALUE_TIME},
    [M_HTTP_REQ_FAILED] = {"http_req_failed", METRIC_RATE, VALUE_DEFAULT},
    [M_ITERATIONS] = {"iterations", METRIC_COUNTER, VALUE_DEFAULT},
    [M_ITERATION_DURATION] = {"iteration_duration", METRIC_TREND, VALUE_TIME},
    [M_VUS] = {"vus", METRIC_GAUGE, VALUE_DEFAULT},
    [M_VUS_MAX] = {"vus_max", METRIC_GAUGE, VALUE_DEFAULT},
    [M_DATA_SENT] = {"data_sent", METRIC_COUNTER, VALUE_DATA},
    [M_DATA_RECEIVED] = {"data_received", METRIC_COUNTER, VALUE_DATA},
    [M_CHECKS] = {"checks", METRIC_RATE, VALUE_DEFAULT},
    [M_GROUP_DURATION] = {"group_duration", METRIC_TREND, VALUE_TIME},
    [M_DROPPED_ITERATIONS] = {"dropped_iterations", METRIC_COUNTER, VALUE_DEFAULT},
    [M_WS_SESSIONS] = {"ws_sessions", METRIC_COUNTER, VALUE_DEFAULT},
    [M_WS_SESSION_DURATION] = {"ws_session_duration", METRIC_TREND, VALUE_TIME},
    [M_WS_CONNECTING] = {"ws_connecting", METRIC_TREND, VALUE_TIME},
    [M_WS_MSGS_SENT] = {"ws_msgs_sent", METRIC_COUNTER, VALUE_DEFAULT},
    [M_WS_MSGS_RECEIVED] = {"ws_msgs_received", METRIC_COUNTER, VALUE_DEFAULT},
    [M_WS_PING] = {"ws_ping", METRIC_TREND, VALUE_TIME},
    [M_GRPC_REQ_DURATION] = {"grpc_req_duration", METRIC_TREND, VALUE_TIME},
    [M_GRPC_STREAMS] = {"grpc_streams", METRIC_COUNTER, VALUE_DEFAULT},
    [M_GRPC_STREAMS_MSGS_SENT] = {"grpc_streams_msgs_sent", METRIC_COUNTER, VALUE_DEFAULT},
    [M_GRPC_STREAMS_MSGS_RECEIVED] = {"grpc_streams_msgs_received", METRIC_COUNTER, VALUE_DEFAULT},
};

void registry_init(void) {
    registry_free();
    memcpy(registry_defs, registry_builtin, sizeof registry_builtin);
    atomic_store(&registry_n, M_BUILTIN_COUNT);
}

void registry_free(void) {
    int n = atomic_load(&registry_n);
    for (int i = M_BUILTIN_COUNT; i < n; i++) free((char *)registry_defs[i].name);
    atomic_store(&registry_n, 0);
}

int registry_count(void) { return atomic_load_explicit(&registry_n, memory_order_acquire); }
const metric_def *registry_get(int id) { return &registry_defs[id]; }

int registry_find(const char *name) {
    int n = registry_count();
    for (int i = 0; i < n; i++)
        if (strcmp(registry_defs[i].name, name) == 0) return i;
    return -1;
}

/* k6's ^[a-zA-Z_][a-zA-Z0-9_]{1,128}$ (metrics/registry.go): a letter or _,
 * then 1 to 128 letters, digits or _ (so 2 to 129 characters in all) */
static int registry_valid_name(const char *name) {
    size_t len = strlen(name);
    if (len < 2 || len > 129) return 0;
    if (!(isalpha((unsigned char)name[0]) || name[0] == '_')) return 0;
    for (size_t i = 0; i < len; i++)
        if (!(isalnum((unsigned char)name[i]) || name[i] == '_')) return 0;
    return 1;
}

int registry_get_or_add(const char *name, metric_type type, value_kind kind, char *err, size_t errlen) {
    if (!registry_valid_name(name)) {
        snprintf(err, errlen,
                 "Invalid metric name: '%s'. Metric names must only include up to 128 ASCII "
                 "letters, numbers, or underscores and start with a letter or an underscore.",
                 name);
        return -1;
    }
    pthread_mutex_lock(&registry_lock);
    int id = registry_find(name);
    if (id >= 0) {
        pthread_mutex_unlock(&registry_lock);
        if (registry_defs[id].type != type) {
            snprintf(err, errlen, "metric '%s' already exists but with type %s, instead of %s", name,
                     metric_type_name(registry_defs[id].type), metric_type_name(type));
            return -1;
        }
        if (registry_defs[id].kind != kind) {
            snprintf(err, errlen, "metric '%s' already exists but with a value type %s, instead of %s", name,
                     value_kind_name(registry_defs[id].kind), value_kind_name(kind));
            return -1;
        }
        return id;
    }
    int n = atomic_load(&registry_n);
    if (n >= REGISTRY_MAX) {
        pthread_mutex_unlock(&registry_lock);
        snprintf(err, errlen, "too many metrics (max %d)", REGISTRY_MAX);
        return -1;
    }
    registry_defs[n] = (metric_def){xstrdup(name), type, kind};
    atomic_store_explicit(&registry_n, n + 1, memory_order_release);
    pthread_mutex_unlock(&registry_lock);
    return n;
}
