/* One threshold expression, as k6 writes them: `aggregation operator number`,
 * e.g. `p(95)<500`, `rate < 0.01`, `count>=10`, `p(99.9) <= 1.5`.
 *
 * Aggregations: count, rate, value, avg, min, max, med, p(N) with N a
 * fractional percentile in [0,100]. Operators: < <= > >= == === != (=== is
 * the same as ==, all values being numbers). Spaces around the parts are
 * ignored. As in k6 the first operator found, in the order <= < >= > === ==
 * !=, splits the expression. */
#ifndef C6_THRESHOLD_H
#define C6_THRESHOLD_H
#include <stdbool.h>
#include <stddef.h>
#include "metrics/sink.h"

typedef enum { THRESHOLD_LT, THRESHOLD_LE, THRESHOLD_GT, THRESHOLD_GE, THRESHOLD_EQ, THRESHOLD_NE } threshold_op;

typedef enum {
    THRESHOLD_COUNT,
    THRESHOLD_RATE,
    THRESHOLD_VALUE,
    THRESHOLD_AVG,
    THRESHOLD_MIN,
    THRESHOLD_MAX,
    THRESHOLD_MED,
    THRESHOLD_PCT
} threshold_agg;

typedef struct threshold {
    threshold_agg agg;
    double pct; /* THRESHOLD_PCT only: N of p(N) */
    threshold_op op;
    double value;      /* right-hand side */
    char agg_name[32]; /* left-hand side as written, trimmed: "p(99.9)"; a sink_agg() name */
} threshold;

/* Parses src into *out. Returns 0, or -1 with a message naming the
 * expression in err: `threshold "p(95)<<500": ...`. */
int threshold_parse(const char *src, threshold *out, char *err, size_t errlen);
/* Checks the aggregation is one k6 allows for the metric type (Counter:
 * count, rate; Gauge: value; Rate: rate; Trend: avg, min, max, med, p(N)).
 * Returns 0, or -1 with a message (k6 exits 104 on this) such as
 * `aggregation "count" is not supported on a trend metric (supported: ...)`,
 * which the caller prefixes with the expression and metric name. */
int threshold_check_type(const threshold *t, metric_type type, char *err, size_t errlen);
/* Evaluates t on s; true = passes. *observed (if not NULL) gets the
 * aggregated value. As k6, a Rate with no samples passes (nothing to judge),
 * other empty sinks are judged on 0. An aggregation invalid for the sink's
 * type fails with *observed = NaN. */
/* Checks a threshold's metric key ("name" or "name{tag:value,...}") as k6's
 * ParseMetricName does (metrics/metric.go). 0, or -1 with k6's text: "unable
 * to validate threshold expressions; reason: parsing metric name failed,
 * metric ... ". */
int threshold_check_metric_name(const char *key, char *err, size_t errlen);
bool threshold_eval(const threshold *t, const sink *s, double duration_s, double *observed);
const char *threshold_op_name(threshold_op op); /* "<", "<=", ... */

#endif
