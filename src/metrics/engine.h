/* The metrics engine: drains the sample buffers added as sources (each
 * worker's, and the main thread's own for vus, vus_max and dropped_iterations)
 * on the run's metrics thread while the test runs and on the main thread
 * before and after; keeps one sink per metric, the sub-metrics' sinks and the
 * per-check pass/fail counts (and, when asked, per group and scenario), and
 * hands the samples to its listeners (the outputs), a chunk at a time. It
 * never makes a VU wait: a worker publishes its chunk when full and on each of
 * its ticks, under a mutex taken once per chunk (metrics/samples.h). */
#ifndef C6_ENGINE_H
#define C6_ENGINE_H
#include <stddef.h>
#include <stdint.h>
#include "metrics/samples.h"
#include "metrics/sink.h"

typedef struct engine_check {
    char *name;
    char *group;
    uint64_t passes, fails;
} engine_check;

typedef struct engine engine;

/* Called with the samples drained (outputs): n samples of one source, in
 * its order, after they went into the sinks; their tag ids are in `tags`
 * (tagdict_get, entries below the published count). One call per chunk. */
typedef void engine_listener(void *ctx, const sample *s, size_t n, const tagdict *tags);

engine *engine_new(void);
void engine_free(engine *e);
/* At most 256 sources (more are ignored); add them before the first drain. */
void engine_add_source(engine *e, sample_buf *b);
/* At most ENGINE_MAX_LISTENERS; -1 past them or out of memory. */
#define ENGINE_MAX_LISTENERS 16
int engine_add_listener(engine *e, engine_listener *fn, void *ctx);
/* The coordinator's engine (metrics/ingest.c) is fed merged time series
 * instead of sample buffers: a tag source is a tag dictionary (an agent's
 * tag sets) without samples; engine_merge_series() then adds a series'
 * aggregate (metric m, tag set `tag` of source src) wherever its samples
 * would have gone when drained: the metric's sink, the sub-metrics whose
 * filter the tags match, the checks, the groups that ran, the breakdown.
 * A Gauge destination takes the series' value when t_ns (the time of that
 * value) is not older than the time of the value it holds. Returns 0, or -1
 * (bad source, metric or type, out of memory). */
int engine_add_tag_source(engine *e, const tagdict *tags); /* the source's index, -1 past 256 */
int engine_merge_series(engine *e, int src, uint32_t tag, int m, const sink_parts *p, int64_t t_ns);
/* Takes every published chunk of every source, oldest first; warns once
 * when the sources hold more than 10,000 distinct tag sets. */
void engine_drain(engine *e);
/* The metric's sink, or NULL when no sample of it was seen. */
const sink *engine_sink(const engine *e, int metric);
size_t engine_checks(const engine *e, const engine_check **out);
/* The group paths ("::a", "::a::b") that ran, as k6's root_group knows
 * them: those of a group_duration or checks sample, in first-seen order. */
size_t engine_groups(const engine *e, const char *const **out);

/* Sub-metrics: samples of `metric` whose tags contain every pair of the
 * filter ("status:200,method:GET"; the first ':' splits key and value,
 * spaces around either and quotes around the value are dropped).
 * Returns the sub-metric's index (the same for an equal filter), or -1 with
 * a message. At most ENGINE_MAX_SUBMETRICS. Add them before draining. */
#define ENGINE_MAX_SUBMETRICS 64
int engine_add_submetric(engine *e, int metric, const char *filter, char *err, size_t errlen);
const sink *engine_submetric_sink(const engine *e, int idx); /* NULL until a sample matched */
int engine_submetric_count(const engine *e);
/* "metric{filter}" as written when it was added */
const char *engine_submetric_name(const engine *e, int idx);
int engine_submetric_parent(const engine *e, int idx);
uint64_t engine_samples_seen(const engine *e);

/* The per-group and per-scenario breakdown of --summary-mode=full, as k6's
 * summary output keeps it. Off unless enabled (before the first drain).
 * A sample tagged scenario:S with S not "default" goes to S's root; then,
 * if its group tag is "::a::b", to node b under a, under S's root when it
 * had one, else under the test's root. A sample goes to that node only,
 * not to its ancestors; roots hold no samples of their own but those of
 * their scenario. Each node aggregates plain metrics (no sub-metrics) and
 * counts the checks it saw by name, in first-seen order. */
typedef struct engine_node engine_node;
typedef struct engine_node_metric {
    int metric;
    sink sink;
    int64_t t_ns;
} engine_node_metric; /* t_ns: merged Gauges */

void engine_enable_breakdown(engine *e);
/* The test's root, whose children are the top-level groups; NULL when
 * the breakdown is off. */
const engine_node *engine_group_root(const engine *e);
/* The roots of the scenarios other than "default", in first-seen order. */
size_t engine_scenarios(const engine *e, const engine_node *const **out);
const char *engine_node_name(const engine_node *n); /* group or scenario name; "" for the test root */
size_t engine_node_children(const engine_node *n, const engine_node *const **out); /* first-seen order */
size_t engine_node_metrics(const engine_node *n, const engine_node_metric **out);  /* first-seen order */
/* The node's checks, merged by name (group is NULL), first-seen order. */
size_t engine_node_checks(const engine_node *n, const engine_check **out);

#endif
