/* The coordinator's side of a distributed run's metrics: merges the
 * agents' snapshots (metrics/snapshot.h) into an engine, which is then
 * read as after `c6 run` (engine_sink, sub-metrics, checks, groups, the
 * breakdown: thresholds, the summary, handleSummary's data, the REST API).
 * Each agent is a tag source of the engine (its tag sets, as sent), and
 * each series delta goes through engine_merge_series(), so sub-metrics,
 * checks and the breakdown are worked out by the engine's own code.
 *
 * Gauges: vus and vus_max are summed over the agents (each agent's latest
 * value), once every agent has sent one: their min and max are those of
 * the sums seen at each snapshot; other gauges take the value of the
 * latest sample by time (times relative to the run's start, as the agents
 * send them), min and max over all samples.
 *
 * First-seen orders (checks, groups, the breakdown's nodes) are those in
 * which the coordinator merges the series: agent by agent as their
 * snapshots arrive, and within a snapshot the order the agent first saw
 * them. */
#ifndef C6_INGEST_H
#define C6_INGEST_H
#include <stddef.h>
#include <stdint.h>
#include "metrics/engine.h"

typedef struct ingest ingest;

/* Feeds e (not owned) from agents 0..nagents-1 (at most 255); each agent
 * may send at most max_tagsets tag sets. NULL when out of memory or too
 * many agents. */
ingest *ingest_new(engine *e, int nagents, size_t max_tagsets);
void ingest_free(ingest *g);
/* Merges one snapshot of `agent`. Snapshots of an agent must come in the
 * order it wrote them. Returns 0, or -1 with a message in err when the
 * snapshot is malformed, out of order or inconsistent with what the agent
 * sent before (nothing of it is then merged). */
int ingest_snapshot(ingest *g, int agent, const void *data, size_t len, char *err, size_t errlen);
/* Series deltas merged so far (all agents). */
uint64_t ingest_series_merged(const ingest *g);
/* Distinct time series merged so far: (metric, tag set) pairs, a tag set
 * being its keys and values (the same set from two agents is one). */
size_t ingest_series_count(const ingest *g);

#endif
