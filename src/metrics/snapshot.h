/* Metrics snapshots: what an agent of a distributed run sends the
 * coordinator, periodically: the time series changed since its last
 * snapshot (metrics/series.h) as deltas, plus the metric definitions and
 * tag sets the coordinator has not been sent yet. The coordinator merges
 * them (metrics/ingest.h).
 *
 * Encoding, version 1 (integers are LEB128 varints, "f64" an IEEE double,
 * little-endian; strings are a varint length then the bytes, no NUL):
 *
 *   "C6SN" u8:version varint:body-length body        (body: exactly that many bytes)
 *   body:   varint:seq                               (1, 2, 3, ... per agent)
 *           varint:nmetrics  { varint:id u8:type u8:kind string:name }
 *           varint:first-tag varint:ntags { varint:npairs { string:key string:value } }
 *           varint:nseries   { varint:metric varint:tag u8:type delta }
 *   delta:  Counter  varint:n f64:sum
 *           Gauge    varint:n f64:value f64:min f64:max zigzag-varint:t_ns   (t_ns: of value)
 *           Rate     varint:total varint:nonzero
 *           Trend    varint:n u8:0 f64:sum { f64:sample }*n                  (n <= 256: exact)
 *                    varint:n u8:1 f64:sum f64:min f64:max varint:zeros varint:lost
 *                          varint:nbuckets { varint:code-delta varint:count }
 *           A bucket's code is its key for negative values, 2^21 + key for
 *           positive ones; codes strictly increase (each delta >= 1 after the
 *           first, which is the code itself).
 *
 * Metric ids are the agent's registry ids and tag ids the agent's series
 * tag set ids (0, 1, 2, ... in the order sent). Decoding checks every
 * length, count and range against the input and its own limits, never
 * reads past it, and reports the first problem; it keeps no state, so
 * references to what earlier snapshots defined are the ingest's to check. */
#ifndef C6_SNAPSHOT_H
#define C6_SNAPSHOT_H
#include <stddef.h>
#include <stdint.h>
#include "metrics/series.h"
#include "metrics/sink.h"
#include "metrics/tags.h"
#include "util/buf.h"

#define SNAPSHOT_VERSION    1
#define SNAPSHOT_MAX_PAIRS  256   /* tag pairs per set, as tags.c keeps */
#define SNAPSHOT_MAX_STRING 65536 /* bytes of a metric name, tag key or value */

/* ---- agent side ---- */
typedef struct snapshot_writer snapshot_writer;
snapshot_writer *snapshot_writer_new(void);
void snapshot_writer_free(snapshot_writer *w);
/* Appends the next snapshot of s to out and empties s's changed series.
 * Returns 0, or -1 when out of memory (out then holds a partial snapshot
 * to drop; s is left as it was, so the next snapshot carries it all). */
int snapshot_write(snapshot_writer *w, series_set *s, buf *out);

/* ---- coordinator side ---- */
typedef struct snapshot_handler {
    /* each callback returns 0, or -1 with err set; first the sequence number */
    int (*begin)(void *ctx, uint64_t seq, char *err, size_t errlen);
    /* name is NUL-terminated */
    int (*metric)(void *ctx, uint32_t id, metric_type type, value_kind kind, const char *name, char *err,
                  size_t errlen);
    /* id: the set's tag id; kv sorted as sent, strings NUL-terminated */
    int (*tagset)(void *ctx, uint32_t id, tag_kv *kv, size_t n, char *err, size_t errlen);
    int (*series)(void *ctx, uint32_t metric, uint32_t tag, const sink_parts *p, int64_t t_ns, char *err,
                  size_t errlen);
} snapshot_handler;

/* Scratch memory a decoder reuses from one snapshot to the next. */
typedef struct snapshot_scratch {
    hist_bucket *buckets;
    size_t nbuckets_cap;
    char *text;
    size_t text_cap;
} snapshot_scratch;
void snapshot_scratch_free(snapshot_scratch *sc);

/* Reads one snapshot, calling h's callbacks (any may be NULL) in the
 * order of the encoding. Returns 0, or -1
 * with a message in err (the callbacks may then have been called for the
 * part before the problem: check with a handler of no side effects first). */
int snapshot_decode(const void *data, size_t len, const snapshot_handler *h, void *ctx, snapshot_scratch *sc, char *err,
                    size_t errlen);

#endif
