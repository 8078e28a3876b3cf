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
typedef enum { VALUE_DEFAULT, VALUE_TIME, VALUE_DATA } value_kind; /* k6's "contains" */

typedef struct sink {
    metric_type type;
    union {
        struct {
            double sum;
            uint64_t n;
        } counter;
        struct {
            double value, min, max;
            uint64_t n;
        } gauge; /* value = last added */
        struct {
            uint64_t nonzero, total;
        } rate;
        struct {
            histogram *h;
        } trend;
    } u;
} sink;

/* Returns 0, or -1 when a Trend's histogram cannot be allocated (the sink
 * then ignores samples but stays safe to use and free). */
int sink_init(sink *s, metric_type t);
static inline void sink_add(sink *s, double v);
void sink_merge(sink *dst, const sink *src); /* same type only; else no-op */
void sink_free(sink *s);

/* A sink's content as plain data, as metrics snapshots carry it
 * (metrics/snapshot.h): a Trend's histogram as its parts. */
typedef struct sink_parts {
    metric_type type;
    union {
        struct {
            double sum;
            uint64_t n;
        } counter;
        struct {
            double value, min, max;
            uint64_t n;
        } gauge;
        struct {
            uint64_t nonzero, total;
        } rate;
        hist_parts trend;
    } u;
} sink_parts;
/* A Trend's buckets are not filled in (hist_foreach_bucket lists them). */
void sink_get_parts(const sink *s, sink_parts *p);
/* dst += p, as sink_merge (same type only, else no-op). A Gauge takes p's
 * last value only when `later` (p's value is the newer), min/max always. */
void sink_merge_parts(sink *dst, const sink_parts *p, bool later);
/* Samples added since init or the last reset (0: empty). */
uint64_t sink_count(const sink *s);
/* Empties s, keeping its memory (no allocation, no free). */
void sink_reset(sink *s);

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

const char *metric_type_name(metric_type t); /* "counter", "gauge", "rate", "trend" */
const char *value_kind_name(value_kind k);   /* "default", "time", "data" */

/* Inline: the metrics engine calls them for every sample it drains; those
 * by type when it knows the sink's (a built-in metric's). */
static inline void sink_add_counter(sink *s, double v) {
    s->u.counter.sum += v;
    s->u.counter.n++;
}

static inline void sink_add_rate(sink *s, double v) {
    /* k6 counts any non-zero value (NaN included) as a pass */
    s->u.rate.total++;
    if (v != 0) s->u.rate.nonzero++;
}

static inline void sink_add_trend(sink *s, double v) {
    if (s->u.trend.h) hist_add(s->u.trend.h, v);
}

static inline void sink_add(sink *s, double v) {
    switch (s->type) {
    case METRIC_COUNTER: sink_add_counter(s, v); break;
    case METRIC_GAUGE:
        if (!s->u.gauge.n || v < s->u.gauge.min) s->u.gauge.min = v;
        if (!s->u.gauge.n || v > s->u.gauge.max) s->u.gauge.max = v;
        s->u.gauge.value = v;
        s->u.gauge.n++;
        break;
    case METRIC_RATE: sink_add_rate(s, v); break;
    case METRIC_TREND: sink_add_trend(s, v); break;
    }
}

#endif
