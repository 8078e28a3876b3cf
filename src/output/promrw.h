/* `-o experimental-prometheus-rw`: k6's Prometheus remote-write output.
 *
 * Samples are aggregated per time series (metric + tags; vu and iter, which
 * k6 keeps as metadata, are not labels) over the whole test, and every
 * pushInterval (5 s) the series that got a newer sample (by millisecond)
 * are sent as a snappy-compressed protobuf WriteRequest, each with the
 * latest sample's time:
 *   Counter  k6_NAME_total   the sum so far
 *   Gauge    k6_NAME         the last value
 *   Rate     k6_NAME_rate    non-zero / all so far
 *   Trend    k6_NAME_STAT    per trendStats item (default p(99)): count,
 *                            sum, min, max, avg, med, p(N) -> pN with the
 *                            dots dropped (p(99.9) -> p999); time values in
 *                            seconds
 * with the sample's tags as labels (sorted; empty ones left out).
 *
 * Settings (environment): K6_PROMETHEUS_RW_SERVER_URL (default
 * http://localhost:9090/api/v1/write; the -o argument, when given, too),
 * _PUSH_INTERVAL, _TREND_STATS, _USERNAME/_PASSWORD (basic auth),
 * _BEARER_TOKEN, _HTTP_HEADERS (k:v,k2:v2), _HEADERS_<Name>=value,
 * _INSECURE_SKIP_TLS_VERIFY, _LABELS (k=v,.. added where a series has no
 * such tag), _STALE_MARKERS (at the end every series gets Prometheus' stale
 * NaN). _TREND_AS_NATIVE_HISTOGRAM=true is refused (not supported); the
 * TLS client certificate, minimum version and SigV4 settings are ignored
 * with a warning. Sending happens on a thread of the output (one, so the
 * pushes stay in time order), see output/pusher.h. */
#ifndef C6_PROMRW_OUTPUT_H
#define C6_PROMRW_OUTPUT_H
#include <stddef.h>
#include <stdint.h>
#include "metrics/samples.h"
#include "output/output.h"
#include "util/buf.h"

typedef struct prw_output prw_output;

/* `-o experimental-prometheus-rw[=URL]` */
extern const output_ops prw_output_ops;

prw_output *prw_output_open(const char *arg, char *const *envp, int64_t mono0_ns, int64_t wall0_ns, char *err,
                            size_t errlen);
/* Appends the output's name for the banner's "output:" line, as k6's
 * Description() (internal/output/prometheusrw/remotewrite/remotewrite.go):
 * "Prometheus remote write (URL)"; a password in the URL shows as ***. */
void prw_output_describe(const prw_output *o, buf *b);
/* One sample with its packed tag set; ctx is the prw_output. */
void prw_output_sample(void *ctx, const sample *s, const char *tags, size_t tags_len);
void prw_output_tick(prw_output *o);
/* Pushes what is left (and the stale markers), waits for the sender, logs
 * what could not be written, frees. NULL is a no-op. */
void prw_output_close(prw_output *o);

#endif
