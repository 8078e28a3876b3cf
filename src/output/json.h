/* `-o json=FILE`: k6's JSON output, one JSON object per line.
 *
 * The first sample of a metric is preceded by its declaration:
 *   {"type":"Metric","data":{"name":"http_reqs","type":"counter","contains":"default",
 *    "thresholds":[],"submetrics":null},"metric":"http_reqs"}
 * then every sample is a point:
 *   {"metric":"http_reqs","type":"Point","data":{"time":"2026-11-22T10:00:00.123456789+01:00",
 *    "value":1,"tags":{"method":"GET","status":"200"}}}
 * Key order, number text (Go's shortest 'g': 1e+06), time text (RFC3339
 * with the fraction's trailing zeros cut, local zone, "Z" for UTC) and string
 * escaping (<, >, & as \u003c...) are k6's. Tags are sorted by key; the
 * non-indexable system tags vu and iter go to "metadata":{...} after the
 * tags, as k6 writes them. "-" or "" is stdout; a name ending in ".gz" is
 * gzipped. Buffered: call json_output_flush() now and then (k6 flushes every
 * 200 ms; so does this output itself while samples keep coming). */
#ifndef C6_JSON_OUTPUT_H
#define C6_JSON_OUTPUT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "metrics/samples.h"
#include "output/output.h"
#include "util/buf.h"

typedef struct json_output json_output;

/* `-o json[=FILE]` (stdout without FILE); the metrics' thresholds and
 * sub-metrics come from the output's params. */
extern const output_ops json_output_ops;

/* mono0_ns/wall0_ns: one instant read on both clocks (clock_now_ns(),
 * clock_wall_ns()), to turn sample times into wall-clock times. */
json_output *json_output_open(const char *path, int64_t mono0_ns, int64_t wall0_ns, char *err, size_t errlen);
/* A threshold as k6 lists it in a "Metric" line: its expression as a
 * string, or with abortOnFail an object
 * {"threshold":"p(95)<500","abortOnFail":true,"delayAbortEval":"10s"}
 * (delayAbortEval as Go prints a duration, null when not set). */
typedef struct json_threshold {
    const char *source;
    bool abort_on_fail;
    int64_t delay_abort_us; /* delayAbortEval; 0: not set */
} json_threshold;

/* All the thresholds of a metric, in order (copied; replaces an earlier
 * list). Call before the metric's first sample. */
void json_output_set_thresholds(json_output *o, int metric, const json_threshold *ts, size_t n);
/* All the sub-metric filters of a metric ("expected_response:true",
 * "status:200,method:GET"), listed in its "Metric" line as k6 does:
 * {"name":"m{filter}","suffix":"filter","tags":{...}} (copied; replaces an
 * earlier list). Call before the metric's first sample; without it
 * "submetrics" is null. */
void json_output_set_submetrics(json_output *o, int metric, const char *const *filters, size_t n);
/* Appends the output's name for the banner's "output:" line, as k6's
 * Description() (internal/output/json/json.go): "json (FILE)", or
 * "json(stdout)" without a space. */
void json_output_describe(const json_output *o, buf *b);
/* One sample with its packed tag set; ctx is the json_output. */
void json_output_sample(void *ctx, const sample *s, const char *tags, size_t tags_len);
/* Hands what is buffered to the file. Returns -1 once a write has failed. */
int json_output_flush(json_output *o);
/* From a timer: flushes if the output's interval has passed (no sample needed). */
void json_output_tick(json_output *o);
/* Flushes, closes and frees. Returns 0, or -1 with a message if any write
 * failed. NULL is a no-op. */
int json_output_close(json_output *o, char *err, size_t errlen);

#endif
