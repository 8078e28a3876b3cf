/* Where a distributed run's metrics cross the wire: an agent sends an
 * opaque snapshot every second (MSG_METRICS), the coordinator hands each one
 * it receives to an ingest function. Both ends are stubs until per-time-
 * series snapshots exist (src/metrics/series.c, snapshot.c): until then no
 * metrics are sent, and the coordinator has no merged metrics (no summary,
 * thresholds nor exit code of its own from metrics). */
#ifndef C6_DIST_METRICS_LINK_H
#define C6_DIST_METRICS_LINK_H
#include <stddef.h>
#include <stdint.h>
#include "util/buf.h"

struct run_ctx;

/* Agent, on its connection's thread (lock r->eng_lock to read the engine):
 * the snapshot since the last one into out (cleared first); an empty out
 * sends nothing. 0, or -1. */
int dist_metrics_snapshot(struct run_ctx *r, buf *out);
/* Coordinator: agent `index`'s snapshot. 0, or -1 (a bad snapshot: the
 * agent is dropped as a protocol error). */
int dist_metrics_ingest(void *merged, int index, const uint8_t *data, size_t len);
#endif
