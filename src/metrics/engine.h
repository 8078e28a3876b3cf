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
uint64_t engine_samples_seen(const engine *e);

#endif
