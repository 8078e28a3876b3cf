/* Per-time-series aggregation, on an agent of a distributed run: one sink
 * per (metric, tag set), fed by the engine as one of its listeners (so it
 * costs nothing when not registered), holding what changed since the last
 * snapshot (metrics/snapshot.h encodes it and empties it).
 *
 * Tag sets are re-interned into the set's own dictionary (ids 0, 1, 2, ...
 * in first-seen order, whichever worker's dictionary they came from), once
 * per (worker, tag set); a sample then costs a table read, one hash probe
 * and a sink_add, with no allocation once its series exists. Trend samples
 * wait in a batch (SERIES_BATCH samples) and go into their histograms a
 * series at a time: with a histogram per series, adding them one by one in
 * arrival order missed the cache on most samples (50 URLs: 114 ns a sample
 * instead of 5; bench/snapshot.c).
 *
 * Cardinality: past 100,000 series (and every doubling after), k6's
 * warning; past max_series the samples of further series are dropped and
 * series_error() says so (the agent should fail the run: its totals would
 * be wrong). */
#ifndef C6_SERIES_H
#define C6_SERIES_H
#include <stddef.h>
#include <stdint.h>
#include "metrics/samples.h"
#include "metrics/sink.h"
#include "metrics/tags.h"

/* k6's timeSeriesFirstLimit (metrics/engine/ingester.go) */
#define SERIES_WARN_FIRST 100000

typedef struct series {
    sink sink;        /* the samples since the last snapshot */
    int64_t t_ns;     /* Gauge: the time of the sink's value (relative to the epoch) */
    uint32_t tags;    /* id in series_tags() */
    uint16_t metric;  /* registry id */
    uint8_t dirty;    /* in the dirty list */
    uint32_t pending; /* Trend: samples waiting in the batch */
} series;

typedef struct series_set series_set;

/* epoch_ns: subtracted from sample times (the run's common start on this
 * agent's monotonic clock), so that times compare across agents. NULL when
 * out of memory. */
series_set *series_new(size_t max_series, int64_t epoch_ns);
void series_free(series_set *s);
/* An engine_listener: engine_add_listener(e, series_listener, set). */
void series_listener(void *ctx, const sample *smp, size_t n, const tagdict *tags);

size_t series_count(const series_set *s);
/* NULL, or why samples were dropped (too many series, out of memory). */
const char *series_error(const series_set *s);
uint64_t series_dropped(const series_set *s);

/* For the snapshot encoder: the set's tag dictionary, a series by index,
 * the series touched since the last series_clear_dirty() in the order they
 * were first touched, and the reset of those (their sinks emptied). */
const tagdict *series_tags(const series_set *s);
const series *series_at(const series_set *s, uint32_t idx);
size_t series_dirty(const series_set *s, const uint32_t **idx);
void series_clear_dirty(series_set *s);
/* Adds the batched Trend samples to their series (snapshot_write does). */
void series_flush(series_set *s);
#define SERIES_BATCH 16384

#endif
