/* What a VU does next, decided from the plan (the simple executors:
 * shared-iterations, constant-vus, ramping-vus). Called by VUs between
 * iterations: an atomic load or one fetch_add, no lock. */
#ifndef C6_EXECUTOR_H
#define C6_EXECUTOR_H
#include <stdint.h>
#include "config/options.h"
#include "vu/vu.h"

enum exec_next { EXEC_RUN, EXEC_PARK, EXEC_DONE };

enum exec_next executor_next(vu *v);
/* ramping-vus: target VUs at `elapsed_us` into the run (linear between stages). */
int64_t executor_ramp_target(const c6_scenario *s, int64_t elapsed_us);

#endif
