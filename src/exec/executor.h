/* What a VU does next, decided by its scenario's executor. Called by VUs
 * between iterations: a few loads and at most one fetch_add, no lock. */
#ifndef C6_EXECUTOR_H
#define C6_EXECUTOR_H
#include <stdint.h>
#include "config/options.h"
#include "vu/vu.h"

enum exec_next {
    EXEC_RUN,  /* start an iteration now */
    EXEC_PARK, /* stay with the scenario, idle, until the worker wakes it */
    EXEC_DONE, /* leave the scenario: its work or its time is over */
};

enum exec_next executor_next(vu *v);
/* executor_next with the clock read by the caller (now_us: clock_now_us()). */
enum exec_next executor_next_at(vu *v, int64_t now_us);

/* ramping-vus: target VUs at `elapsed_us` into the scenario (linear between
 * stages, truncated toward the earlier value as k6). */
int64_t executor_ramp_target(const c6_scenario *s, int64_t elapsed_us);

/* Arrival-rate executors: when iteration number k (0-based, counted over the
 * whole scenario) is due, in microseconds after the scenario's start, or -1
 * when the scenario ends before it. constant-arrival-rate: k * timeUnit /
 * rate. ramping-arrival-rate: the instant where the rate curve's integral
 * reaches k. */
int64_t executor_arrival_at(const c6_scenario *s, int64_t k);

#endif
