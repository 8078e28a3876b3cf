/* One row per executor type: everything c6 knows about an executor, in one
 * place. The rows are in exec/executors.c, one section per executor as k6's
 * lib/executor/ has one file per executor; this header is their interface
 * and the building blocks they share with config/scenarios.c.
 *
 * Why a table and not one file per executor: the seven executors differ in a
 * few dozen lines each (their options, defaults, validation, execution
 * requirements, banner, scheduling step, progress text); one file keeps
 * them side by side, so a change to one shows how the others do the same
 * thing, and a new executor is one new section and one new row.
 *
 * Layers: config/ reads the rows (options, defaults, validation, plan)
 * through executor_def() and knows nothing of the run; exec/ and cli/ use
 * the run-time fields. The run-time types are only named here. */
#ifndef C6_CONFIG_EXECUTOR_DEF_H
#define C6_CONFIG_EXECUTOR_DEF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/scenarios.h"

struct vu;
struct scen_rt;

/* k6's validation errors of one scenario, joined with ", " (k6's
 * ScenarioConfigs.Validate); scen_err_add appends one. */
typedef struct {
    char *buf;
    size_t len, used;
} scen_errs;
__attribute__((format(printf, 2, 3))) void scen_err_add(scen_errs *e, const char *fmt, ...);

/* What the scenario's JSON left out that k6 requires (reported as "isn't
 * specified" instead of as a wrong value); stage is 1-based, 0 for none. */
typedef struct {
    bool duration, rate, prealloc, graceful_stop;
    size_t stage;
    char stage_what[16];
} scen_missing;

/* k6's execution requirements of one scenario: from `t` (relative to the
 * scenario's start) it needs `planned` initialised VUs and may add
 * `unplanned` more. */
typedef struct {
    int64_t t, planned, unplanned;
} req_step;
typedef struct {
    req_step *v;
    size_t n, cap;
} req_steps;
void scen_push_step(req_steps *s, int64_t t, int64_t planned, int64_t unplanned);

/* Shared rules and numbers (k6's lib/executor/helpers.go and base_config.go). */
void scen_check_vus(scen_errs *e, int64_t vus);                                            /* > 0 */
void scen_check_min_duration(scen_errs *e, const char *what, const char *verb, int64_t d); /* >= 1s */
void scen_check_stages(const c6_scenario *s, const scen_missing *m, scen_errs *e);
void scen_check_pool(const c6_scenario *s, const scen_missing *m, scen_errs *e); /* preAllocatedVUs, maxVUs */
void scen_check_time_unit(const c6_scenario *s, scen_errs *e);
int64_t scen_sat_add(int64_t a, int64_t b);
int64_t scen_stages_sum(const c6_scenario *s);
int64_t scen_stages_max(const c6_scenario *s, int64_t from); /* the highest target, at least `from` */
/* " (fact, exec: f, startTime: t, gracefulStop: g)", or "" without any. */
void scen_banner_info(const c6_scenario *s, const char *fact, char *buf, size_t n);

/* How the progress bar's time column reads (cli/run.c draws it). */
enum executor_time_col {
    TIME_COL_PLAIN,       /* "12.0s/30s", the total once over */
    TIME_COL_FIXED_TOTAL, /* the total in the same fixed-length form (ramping-vus) */
    TIME_COL_TAKEN,       /* once its iterations are done, the time they took */
};

/* What one scenario's progress bar shows besides its time column. */
typedef struct {
    int64_t spent_us, duration_us; /* time into the scenario, scheduled duration */
    int64_t done;                  /* iterations completed and interrupted */
    int active;                    /* VUs active */
} executor_progress_in;

typedef struct c6_executor_def {
    const char *name; /* k6's type name, "constant-arrival-rate" */
    /* Options, beyond the ones every executor takes (executor, startTime,
     * gracefulStop, exec, env, tags, options), in the order k6 marshals
     * them; NULL-terminated. */
    const char *const *options;
    /* Of those, the ones k6 requires ("... isn't specified" when absent). */
    const char *const *required;
    bool no_graceful_stop;                                /* gracefulStop is refused (externally-controlled) */
    void (*defaults)(c6_scenario *s);                     /* k6's defaults, before the JSON is read */
    void (*complete)(c6_scenario *s, bool max_vus_given); /* defaults from other options; or NULL */
    void (*validate)(const c6_scenario *s, const scen_missing *m, scen_errs *e);
    void (*steps)(const c6_scenario *s, req_steps *out);         /* k6's GetExecutionRequirements */
    int64_t (*duration_us)(const c6_scenario *s);                /* scheduled run time (see scenario_duration_us) */
    int64_t (*planned_vus)(const c6_scenario *s);                /* initialised before the start */
    int64_t (*max_vus)(const c6_scenario *s);                    /* with the unplanned ones */
    void (*describe)(const c6_scenario *s, char *buf, size_t n); /* banner line */

    /* The run (exec/): */
    bool own_end; /* the end of its duration does not stop its VUs by itself */
    /* The scheduling step: what VU v does next, `at_us` into the scenario
     * (an enum exec_next). Called between iterations: no lock. */
    int (*next)(struct vu *v, struct scen_rt *sc, int64_t at_us);
    /* Arrival-rate: when iteration k is due (see executor_arrival_at); NULL
     * for the VU-based executors. */
    int64_t (*arrival_at)(const c6_scenario *s, int64_t k);
    /* The VUs it wants active `at_us` into the scenario (VU handles are
     * started and stopped by it); NULL: all of them all the time. */
    int64_t (*vu_target)(const struct scen_rt *sc, int64_t at_us);
    bool ramp_down;  /* VUs above the target get gracefulRampDown (ramping-vus) */
    bool controlled; /* the REST API sets its VUs and may pause it (externally-controlled) */
    /* Iteration-based: this instance's planned iterations; NULL otherwise. */
    int64_t (*planned_iterations)(const struct scen_rt *sc);
    /* Progress bar: the VUs column (col0) and its own (col2) texts, and the
     * fraction done (frac holds the time's share on entry). */
    void (*progress)(const struct scen_rt *sc, const executor_progress_in *in, char *col0, char *col2, size_t len,
                     double *frac);
    enum executor_time_col time_col;
    /* --verbose: the fields of k6's "Starting executor run..." line, with a
     * leading space, sorted by key as logrus prints them. */
    void (*run_fields)(const struct scen_rt *sc, char *buf, size_t n);
} c6_executor_def;

/* The rows, indexed by c6_executor (exec/executors.c). */
extern const c6_executor_def c6_executor_defs[EXECUTOR_COUNT];

/* The executor's row; NULL when out of range. Inline: VUs read it between
 * iterations. */
static inline const c6_executor_def *executor_def(c6_executor e) {
    return (unsigned)e < EXECUTOR_COUNT ? &c6_executor_defs[e] : NULL;
}

#endif
