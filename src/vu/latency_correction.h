/* --latency-correction: wrk2's correction of coordinated omission for
 * arrival-rate scenarios, as separate metrics (k6's own stay as they are).
 *
 * An arrival-rate iteration is due at an instant of its schedule (its
 * intended start); its start delay is its actual start minus that instant.
 *   http_req_duration_corrected  = http_req_duration + the start delay of
 *                                  its iteration (request end - request
 *                                  start + actual start - intended start)
 *   iteration_duration_corrected = iteration end - intended start
 * An iteration that found no free VU is dropped, as k6 drops it
 * (dropped_iterations): its user was not served, and the next iteration
 * that starts for the scenario on that worker stands in for it, adding to
 * each corrected metric one more sample per dropped iteration, timed from
 * that iteration's intended start (the due times of a run of drops are
 * taken as evenly spread between its first and last: exact for
 * constant-arrival-rate). That is what wrk2 records when it sends the late
 * requests. At most LC_MAX_OWED drops per iteration (the rest count in
 * dropped_iterations only). Other executors have no schedule: no corrected
 * samples. Off, none of this runs: the request path tests one flag. */
#ifndef C6_LATENCY_CORRECTION_H
#define C6_LATENCY_CORRECTION_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "metrics/samples.h"

struct c6_test;
struct vu;

#define LC_MAX_OWED 10000

/* The drops a scenario's next iteration on a worker stands in for. */
typedef struct lc_owed {
    int64_t n, first_us, last_us;
} lc_owed;

/* The running iteration's corrections (in the VU). */
typedef struct lc_iter {
    bool on;               /* correction on and an arrival-rate iteration */
    int64_t delay_us;      /* its start delay */
    int64_t owed_n;        /* drops it stands in for */
    int64_t owed_delay_us; /* the earliest one's delay (actual start - its due time) */
    int64_t owed_step_us;  /* the drops' spacing: the next one's delay is this much less */
} lc_iter;

/* Registers the two metrics and turns the correction on. */
int latency_correction_register(struct c6_test *t, char *err, size_t errlen);
/* A drop due at due_us. */
static inline void lc_owe(lc_owed *o, int64_t due_us) {
    if (o->n++ == 0) o->first_us = due_us;
    o->last_us = due_us;
}
/* The iteration starting at t0_us, due at due_us (0: not an arrival-rate
 * one), standing in for the drops in *owed (emptied). */
void lc_begin(lc_iter *it, const struct c6_test *t, int64_t t0_us, int64_t due_us, lc_owed *owed);
/* A duration `ms` measured in that iteration (ended at stamp at_ns):
 * its corrected samples of `metric`. */
void lc_emit(const lc_iter *it, sample_buf *b, int metric, uint32_t tags, double ms, int64_t at_ns);

#endif
