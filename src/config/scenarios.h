/* Scenarios: k6's `options.scenarios` and the shortcut options, turned into
 * one validated execution plan.
 *
 * Every run is a list of scenarios. The shortcuts map as in k6:
 *   vus + duration            -> one constant-vus scenario named "default"
 *   iterations (+ vus)        -> shared-iterations
 *   stages (+ vus as startVUs)-> ramping-vus
 *   vus alone                 -> shared-iterations with iterations = vus
 *   nothing                   -> per-vu-iterations, 1 VU x 1 iteration
 * and options.scenarios gives the list explicitly (shortcuts and scenarios in
 * the same source are an error, see options.c; an empty scenarios object
 * runs like nothing set).
 *
 * All durations are microseconds, rates are iterations per time_unit_us. */
#ifndef C6_CONFIG_SCENARIOS_H
#define C6_CONFIG_SCENARIOS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cJSON;

/* k6's defaults: gracefulStop (and gracefulRampDown), maxDuration of the
 * iteration-based executors. */
#define C6_DEFAULT_GRACEFUL_STOP_US (30LL * 1000000LL)
#define C6_DEFAULT_MAX_DURATION_US  (10LL * 60LL * 1000000LL)

typedef struct {
    int64_t duration_us;
    int64_t target;
} c6_stage;
typedef struct {
    char *key, *value;
} c6_kv;
/* strdup, but NULL gives NULL: so a NULL result for a non-NULL s means out
 * of memory. */
char *c6_strdup(const char *s);
/* A deep copy into *out (none: NULL): 0, or -1 when out of memory (nothing
 * left allocated). */
int c6_kv_dup(c6_kv **out, const c6_kv *kv, size_t n);
void c6_kv_free(c6_kv *kv, size_t n);

typedef enum c6_executor {
    EXECUTOR_SHARED_ITERATIONS,
    EXECUTOR_PER_VU_ITERATIONS,
    EXECUTOR_CONSTANT_VUS,
    EXECUTOR_RAMPING_VUS,
    EXECUTOR_CONSTANT_ARRIVAL_RATE,
    EXECUTOR_RAMPING_ARRIVAL_RATE,
    EXECUTOR_EXTERNALLY_CONTROLLED,
    EXECUTOR_COUNT
} c6_executor;

/* One scenario with k6's defaults filled in. Fields an executor does not use
 * are 0 / NULL. */
typedef struct c6_scenario {
    char *name;
    c6_executor executor;
    char *exec;               /* exported function to run: "default" unless `exec` is set */
    bool exec_set;            /* `exec` was given (k6 then names it in the banner) */
    int64_t start_time_us;    /* startTime, default 0 */
    int64_t graceful_stop_us; /* gracefulStop, default 30s */
    c6_kv *env;
    size_t nenv; /* added to __ENV for this scenario's iterations */
    c6_kv *tags;
    size_t ntags; /* added to every sample of this scenario */

    int64_t vus;             /* shared-/per-vu-iterations, constant-vus, externally-controlled */
    int64_t iterations;      /* shared-iterations: total; per-vu-iterations: per VU */
    int64_t max_duration_us; /* shared-/per-vu-iterations: maxDuration, default 10m */
    int64_t duration_us;     /* constant-vus, constant-arrival-rate, externally-controlled */
    int64_t start_vus;       /* ramping-vus: startVUs, default 1 */
    c6_stage *stages;
    size_t nstages;                /* ramping-vus: target VUs; ramping-arrival-rate: target rate */
    int64_t graceful_ramp_down_us; /* ramping-vus: gracefulRampDown, default 30s */
    int64_t rate;                  /* constant-arrival-rate: iterations per time unit */
    int64_t start_rate;            /* ramping-arrival-rate: startRate, default 0 */
    int64_t time_unit_us;          /* arrival-rate: timeUnit, default 1s */
    int64_t pre_allocated_vus;     /* arrival-rate: preAllocatedVUs */
    int64_t max_vus;               /* arrival-rate / externally-controlled: maxVUs (default: preAllocatedVUs / vus) */
} c6_scenario;

/* (from the executors' rows, exec/executors.c; see config/executor_def.h) */
const char *executor_name(c6_executor e); /* "constant-arrival-rate" */
int executor_from_name(const char *name); /* -1 when unknown */

/* Parses options.scenarios (a JSON object of named scenarios) into a new
 * array in k6's order (by startTime, then by name), with k6's defaults and
 * k6's validation. Errors name the scenario and the option, with `origin` in
 * front as options.c does ("script options" -> "options.scenarios...", a
 * file name -> "k6.json: scenarios..."):
 *   options.scenarios.contacts.maxVUs: can't be less than preAllocatedVUs (10), got 5
 * Returns 0, or -1 with err set (k6 exits 104). */
int scenarios_from_json(const struct cJSON *obj, const char *origin, c6_scenario **out, size_t *n, char *err,
                        size_t errlen);
/* The same in k6's two steps: -1 with err for what k6 rejects while reading
 * the JSON (not an object, unknown executor or option, a wrong type); else
 * 0 with the scenarios, and vmsg set to the first validation error (a
 * missing or invalid value) or "" - k6 checks those only for the scenarios
 * that win the consolidation of all sources. */
int scenarios_parse_json(const struct cJSON *obj, const char *origin, c6_scenario **out, size_t *n, char *err,
                         size_t errlen, char *vmsg, size_t vlen);
/* k6's per-executor validation (also used for scenarios made from the
 * shortcut options). 0, or -1 with err naming scenarios.<name>.<option>. */
int scenario_validate(const c6_scenario *s, char *err, size_t errlen);
/* The scenario as k6 marshals it (exec.test.options), a new cJSON object. */
struct cJSON *scenario_to_json(const c6_scenario *s);
/* As k6 writes it in an archive: every key, null where `raw` (the
 * scenario's JSON as written) did not give it. */
struct cJSON *scenario_to_archive_json(const c6_scenario *s, const struct cJSON *raw);
/* A deep copy: 0, or -1 when out of memory (dst then owns nothing). */
int scenario_copy(c6_scenario *dst, const c6_scenario *src);
void scenario_free(c6_scenario *s); /* frees the members */

/* The scenario's line of the start banner after "* name: ", as k6 prints it:
 *   "10 looping VUs for 30s (gracefulStop: 30s)" */
void scenario_describe(const c6_scenario *s, char *buf, size_t n);

/* Scheduled run time, without startTime and gracefulStop: duration, the sum
 * of the stages, or maxDuration for the iteration-based executors. */
int64_t scenario_duration_us(const c6_scenario *s);
/* When the scenario gives back its last VU, without startTime (k6's end of
 * its execution requirements): the scheduled time plus gracefulStop; for
 * ramping-vus that ramps down to 0 earlier, the last ramp-down plus
 * gracefulRampDown (capped at stages + gracefulStop); for
 * externally-controlled its duration, 0 when it runs until stopped. */
int64_t scenario_max_duration_us(const c6_scenario *s);
/* VUs initialised before the start for this scenario, and the most it may use. */
int64_t scenario_planned_vus(const c6_scenario *s);
int64_t scenario_max_vus(const c6_scenario *s);

/* Over all scenarios, with their startTimes, as k6 computes it from their
 * combined execution requirements: the most planned VUs in use at the same
 * instant (VUs are reused by scenarios that do not overlap) = vus_max at the
 * start; the unplanned VUs (maxVUs above preAllocatedVUs) that may be added
 * during the run, i.e. the most planned + unplanned VUs at one instant
 * (k6's "max VUs") minus the first number; and the end of the last scenario
 * including its gracefulStop. */
int64_t scenarios_max_vus(const c6_scenario *s, size_t n);
/* The three at once (one plan), for a run on a machine with capacity cap
 * (NULL: any): -1 with the reason in err when the VUs cannot fit it, checked
 * first on the largest scenario alone, before anything is planned per VU. */
typedef struct scen_totals {
    int64_t max_vus, max_unplanned_vus, max_duration_us;
} scen_totals;
struct capacity;
int scenarios_totals(const c6_scenario *s, size_t n, const struct capacity *cap, scen_totals *out, char *err,
                     size_t errlen);
int64_t scenarios_max_unplanned_vus(const c6_scenario *s, size_t n);
int64_t scenarios_max_duration_us(const c6_scenario *s, size_t n);

#endif
