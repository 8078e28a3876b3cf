/* c6's own health while a test runs: is c6 itself the bottleneck?
 *
 * Each worker measures, once a second from its 50 ms tick (never per request
 * or per sample): the CPU time its thread used over that second (busy
 * fraction), how late its tick fired on average (event-loop lag), and the
 * latest start of an arrival-rate iteration against its schedule
 * (scheduling lag). The main thread adds the samples published by the
 * workers that the metrics engine has not taken yet (sample back-log) and
 * watches the workers' figures: a worker busy above 90% or a loop lag above
 * 5 ms, three seconds in a row, means c6 limited the load or distorted the
 * timings, and it says so (a warning during the run, a line after the
 * summary).
 *
 * Metrics (README "c6's own health"):
 *   c6_worker_busy     Trend, fraction 0..1 per worker and second (tag worker)
 *   c6_loop_lag        Trend, time: mean lateness of the worker's tick over the second
 *   c6_schedule_lag    Trend, time: largest start delay of an arrival-rate iteration
 *                      over the second (only seconds that started one)
 *   c6_sample_backlog  Gauge: samples waiting for the metrics engine */
#ifndef C6_HEALTH_H
#define C6_HEALTH_H
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "metrics/samples.h"

struct worker;
struct c6_test;

enum { HM_WORKER_BUSY, HM_LOOP_LAG, HM_SCHEDULE_LAG, HM_SAMPLE_BACKLOG, HEALTH_METRICS };

#define HEALTH_BUSY_LIMIT   0.90 /* a worker busier than this ... */
#define HEALTH_LAG_LIMIT_US 5000 /* ... or its loop later than this on average ... */
#define HEALTH_BAD_SECONDS  3    /* ... this many seconds in a row: saturated */

typedef struct worker_health {
    int64_t since_us, cpu_ns; /* start of the current second: wall and thread CPU time */
    int64_t last_tick_us;     /* when the tick last fired (0: not yet) */
    int64_t lag_sum_us;
    int lag_n;
    int64_t sched_max_us; /* -1: no arrival-rate iteration started this second */
    uint32_t tags;        /* {worker: id} */
    atomic_int busy_pm;   /* the last second's figures, for the main thread */
    atomic_int lag_us;
} worker_health;

/* On the worker's thread, at the start of the run and on each tick. */
void health_worker_init(struct worker *w);
void health_worker_tick(struct worker *w, int64_t now_us);

/* On the worker's thread, per arrival-rate iteration: a compare and a store. */
static inline void health_sched_lag(worker_health *h, int64_t late_us) {
    if (late_us > h->sched_max_us) h->sched_max_us = late_us;
}

typedef struct health_watch {
    int bad_s;      /* consecutive seconds over a limit */
    bool saturated; /* it happened at least once */
    int worker;     /* the worst worker then */
    int busy_pm;    /* its busy fraction (per mille) */
    int64_t lag_us; /* its loop lag */
} health_watch;

/* Registers the c6_* metrics (before thresholds are parsed, so they can
 * have thresholds); none, and no measuring, when the script has a metric of
 * one of their names. -1 with a message only when out of room. */
int health_register(struct c6_test *t, char *err, size_t errlen);
/* Main thread, once a second while the test runs: the back-log sample, and
 * the watch; logs the warning the first time the workers are saturated. */
void health_watch_second(health_watch *hw, struct c6_test *t, sample_buf *main, uint32_t tags);
/* The line after the summary when the run was saturated (nothing otherwise). */
void health_summary_line(const health_watch *hw, FILE *f);
/* Whether the summary shows the metric: c6's own only when saturated. */
bool health_metric_in_summary(const health_watch *hw, const struct c6_test *t, int metric);

#endif
