/* Scenarios on one worker thread: which of the worker's VUs work for which
 * scenario, and when they start iterations.
 *
 * Every scenario is split over the W workers the same way: its VU number j
 * (0-based) lives on worker j % W, and an arrival-rate scenario's iteration
 * number k is started by worker k % W. So two workers together start
 * exactly the iterations one would, evenly interleaved, and a ramping
 * scenario's VU j becomes active when the target passes j, whichever
 * worker holds it.
 *
 * The main thread owns the scenarios' states (scen_rt.state: start, end,
 * gracefulStop) and wakes the workers (CMD_SCEN) when one changes; a worker
 * reports, once per scenario, when its share has ended (no VU of it left),
 * and the main thread ends the scenario when every worker has. Everything
 * here runs on the worker's thread. */
#ifndef C6_SCHED_H
#define C6_SCHED_H
#include <stdbool.h>
#include <stdint.h>
#include <uv.h>
#include "vu/vu.h"

struct worker;
struct scen_rt;

typedef struct wscen {
    struct worker *w;
    struct scen_rt *sc;
    int seen; /* the scenario state last acted on */
    vu **vus; /* VUs working for it on this worker */
    int nvus, cap;
    vu *free_head; /* arrival-rate: VUs waiting for an iteration */
    int nfree;
    int64_t want;   /* VUs this worker gives it at its start */
    int64_t max;    /* arrival-rate: with the unplanned VUs it may add */
    int64_t next;   /* arrival-rate: the next iteration number this worker starts */
    int tfd;        /* arrival-rate: a timerfd armed for when `next` is due (µs
                                 precision, unlike libuv's millisecond timers); -1 if none */
    uv_poll_t poll; /* watches tfd */
    bool started, reported, sched_done;
    int64_t late_max, late_sum, late_n; /* arrival-rate: how late iterations started (µs) */
    lc_owed owed;                       /* --latency-correction: drops not stood in for yet */
    bool drop_tags_set;
    uint32_t drop_tags; /* dropped_iterations samples' tag set */
} wscen;

void sched_init(struct worker *w);   /* one wscen per scenario of the test */
void sched_close(struct worker *w);  /* closes the timers (before the loop closes) */
void sched_update(struct worker *w); /* act on scenario state changes */
void sched_tick(struct worker *w);   /* ramping targets and gracefulRampDown */
void sched_vu_done(vu *v);           /* v left its scenario: back to the pool */
void sched_vu_parked(vu *v);         /* v is idle but still works for its scenario */

#endif
