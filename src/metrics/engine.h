/* The metrics engine: drains every worker's sample buffer on the main thread,
 * keeps one sink per metric and the per-check pass/fail counts. It never makes
 * a VU wait: workers only hand over full chunks. */
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

/* Called for every sample drained, with its packed tag set (outputs). */
typedef void engine_listener(void *ctx, const sample *s, const char *tags, size_t tags_len);

engine *engine_new(void);
void engine_free(engine *e);
void engine_add_source(engine *e, sample_buf *b);
void engine_add_listener(engine *e, engine_listener *fn, void *ctx);
void engine_drain(engine *e);
/* The metric's sink, or NULL when no sample of it was seen. */
const sink *engine_sink(const engine *e, int metric);
size_t engine_checks(const engine *e, const engine_check **out);

/* Sub-metrics: samples of `metric` whose tags contain every pair of the
 * filter ("status:200,method:GET"; the first ':' splits key and value).
 * Returns the sub-metric's index (the same for an equal filter), or -1 with
 * a message. At most ENGINE_MAX_SUBMETRICS. Add them before draining. */
#define ENGINE_MAX_SUBMETRICS 64
int engine_add_submetric(engine *e, int metric, const char *filter, char *err, size_t errlen);
const sink *engine_submetric_sink(const engine *e, int idx);   /* NULL until a sample matched */
int engine_submetric_count(const engine *e);
/* "metric{filter}" as written when it was added */
const char *engine_submetric_name(const engine *e, int idx);
int engine_submetric_parent(const engine *e, int idx);
uint64_t engine_samples_seen(const engine *e);

#endif
