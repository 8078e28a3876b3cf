/* Metric sinks: the running aggregate of one metric, by k6 metric type.
 * A sink is a plain value owned by whoever embeds it (the metrics engine,
 * a per-group view, ...); only Trend sinks own heap memory. */
#ifndef C6_SINK_H
#define C6_SINK_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "metrics/histogram.h"

typedef enum { METRIC_COUNTER, METRIC_GAUGE, METRIC_RATE, METRIC_TREND } metric_type;
typedef enum { VALUE_DEFAULT, VALUE_TIME, VALUE_DATA } value_kind;   /* k6's "contains" */

typedef struct sink {
    metric_type type;
    union {
        struct { double sum; uint64_t n; } counter;
        struct { double value, min, max; uint64_t n; } gauge;   /* value = last added */
        struct { uint64_t nonzero, total; } rate;
        struct { histogram *h; } trend;
    } u;
} sink;

/* Returns 0, or -1 when a Trend's histogram cannot be allocated (the sink
 * then ignores samples but stays safe to use and free). */
int sink_init(sink *s, metric_type t);
void sink_add(sink *s, double v);
void sink_merge(sink *dst, const sink *src);   /* same type only; else no-op */
void sink_free(sink *s);

/* An aggregation by k6's name for the sink's type:
 *   Counter: count, rate            Gauge: value, min, max
 *   Rate:    rate, passes, fails    Trend: avg, min, max, med, count, p(N)
 * p(N) takes a fractional N in [0,100] (p(99.9)). duration_s is the test
 * duration, for Counter rate (0 when duration_s <= 0). An empty sink gives 0.
 * Returns 0 and sets *out, or -1 if agg is not valid for the type. */
int sink_agg(const sink *s, const char *agg, double duration_s, double *out);
/* Parses "p(N)" (spaces allowed inside the parentheses) from s[0..len) into
 * *pct; false unless N is a finite number in [0,100]. */
bool sink_parse_pct(const char *s, size_t len, double *pct);

const char *metric_type_name(metric_type t);   /* "counter", "gauge", "rate", "trend" */
const char *value_kind_name(value_kind k);     /* "default", "time", "data" */

#endif
