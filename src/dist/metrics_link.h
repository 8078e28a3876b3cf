/* Where a distributed run's metrics cross the wire. An agent aggregates its
 * engine's samples per time series (metrics/series.h, an engine listener)
 * and sends a snapshot of what changed (metrics/snapshot.h) every second, one
 * after its iterations and a last one after its final drain (MSG_METRICS);
 * the coordinator merges each into its own engine (metrics/ingest.h), which
 * its thresholds, summary and handleSummary() read as `c6 run`'s read its. */
#ifndef C6_DIST_METRICS_LINK_H
#define C6_DIST_METRICS_LINK_H
#include <stddef.h>
#include <stdint.h>
#include "util/buf.h"

struct run_ctx;

/* The most time series an agent aggregates (C6_DIST_MAX_SERIES overrides
 * it, for tests): past it the run fails, as its totals would be wrong. */
#define DIST_MAX_SERIES 1000000

/* ---- agent ---- */
typedef struct dist_metrics_out dist_metrics_out;
/* Registers the aggregator on r's engine (before the metrics thread runs);
 * epoch_ns: the common start on this host's monotonic clock. NULL when out
 * of memory. Freed after the engine (dist_metrics_out_free). */
dist_metrics_out *dist_metrics_out_new(struct run_ctx *r, int64_t epoch_ns);
void dist_metrics_out_free(dist_metrics_out *m);
/* The snapshot since the last one into out (cleared first), under r's
 * eng_lock; an empty out: nothing changed. 0, or -1 with err (too many
 * series, out of memory): the run cannot have right totals. */
int dist_metrics_snapshot(dist_metrics_out *m, buf *out, char *err, size_t errlen);

/* ---- coordinator ---- */
typedef struct dist_metrics_in dist_metrics_in;
/* Merges into r's engine, from agents 0..nagents-1. NULL when out of memory. */
dist_metrics_in *dist_metrics_in_new(struct run_ctx *r, int nagents);
void dist_metrics_in_free(dist_metrics_in *m);
/* Agent `index`'s snapshot. 0, or -1 with err (a bad snapshot: the agent is
 * dropped as a protocol error). */
int dist_metrics_ingest(dist_metrics_in *m, int index, const uint8_t *data, size_t len, char *err, size_t errlen);
/* Distinct time series (metric + tag set) merged so far, over all agents. */
size_t dist_metrics_series(const dist_metrics_in *m);
#endif
