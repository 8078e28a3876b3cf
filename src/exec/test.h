/* State of one test run shared by the main thread and the workers. Fields
 * written during the run are atomics; the rest is set before workers start. */
#ifndef C6_TEST_H
#define C6_TEST_H
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include "config/options.h"
#include "exec/health.h"

struct script;
struct worker;
struct c6_segment_tuple;
struct tls_config;

enum test_phase {
    PHASE_INIT,      /* VUs initialising */
    PHASE_RUNNING,   /* iterations start */
    PHASE_GRACEFUL,  /* no new iterations; running ones may finish */
    PHASE_HARD_STOP, /* running iterations are interrupted */
};

/* k6's system tags; systemTags chooses which of them samples carry. */
enum system_tag {
    ST_PROTO,
    ST_SUBPROTO,
    ST_STATUS,
    ST_METHOD,
    ST_URL,
    ST_NAME,
    ST_GROUP,
    ST_CHECK,
    ST_ERROR,
    ST_ERROR_CODE,
    ST_TLS_VERSION,
    ST_SCENARIO,
    ST_SERVICE,
    ST_EXPECTED_RESPONSE,
    ST_VU,
    ST_ITER,
    ST_IP,
    ST_OCSP_STATUS,
    ST_COUNT
};
extern const char *const system_tag_names[ST_COUNT];
/* Everything but vu, iter, ip and ocsp_status, as k6. */
#define SYSTEM_TAGS_DEFAULT ((1u << ST_VU) - 1)
/* Bitmask of the named tags; -1 with the unknown name in err. */
int system_tags_mask(char *const *names, size_t n, uint32_t *mask, char *err, size_t errlen);

/* A scenario's life: waiting for its startTime, starting iterations, letting
 * running iterations finish (gracefulStop), interrupting them, finished. */
enum scen_state { SC_PENDING, SC_RUNNING, SC_GRACEFUL, SC_HARD_STOP, SC_DONE };

/* One scenario at run time, shared by the main thread and the workers. */
typedef struct scen_rt {
    const c6_scenario *cfg;
    int index;
    int64_t iterations;    /* shared-iterations: this instance's total */
    int64_t vus;           /* this instance's VUs (ramping: the most it uses) */
    int64_t dur_us;        /* its regular duration (maxDuration for the iteration
                                   executors; 0: externally-controlled without one) */
    int64_t max_vus;       /* arrival-rate: with the unplanned ones */
    atomic_int state;      /* enum scen_state */
    atomic_llong start_us; /* monotonic start, set before state turns RUNNING */
    int64_t end_us;        /* when the main thread saw it DONE (progress text) */
    atomic_llong claimed;  /* shared-iterations: iterations handed out */
    atomic_llong started;  /* iterations started (exec.scenario.iterationInInstance) */
    atomic_llong done, interrupted;
    atomic_int vus_active;
    atomic_int workers_done;               /* workers whose share of it has ended */
    atomic_int ext_vus;                    /* externally-controlled: VUs asked for */
    atomic_llong ext_max;                  /* externally-controlled: maxVUs (the REST API may raise it) */
    const struct c6_segment_tuple *vu_seg; /* the instance's segment (NULL: all): ramping
                                                targets are scaled with it */
    struct c6_segment_tuple *seg;          /* arrival-rate with an execution segment: which of the
                                       test's iterations are this instance's (NULL: all) */
    bool no_work;                          /* the execution segment leaves this instance nothing of it */
    atomic_flag vus_warned;                /* arrival-rate: "Insufficient VUs" was logged (once, as k6) */
} scen_rt;

typedef struct c6_test {
    c6_plan plan;
    const c6_options *opts;
    struct script *script;
    char **env; /* "KEY=VALUE" strings for __ENV, NULL-terminated */
    const char *user_agent;
    int64_t rps_interval_us;  /* rps: the gap between two requests' starts; 0: no limit */
    atomic_llong rps_next_us; /* the next free request slot (monotonic µs) */
    int http_debug;           /* httpDebug: 0 off, 1 headers, 2 full */
    int64_t min_iter_us;      /* minIterationDuration: iterations are padded to it */
    uint32_t system_tags;     /* bits of enum system_tag */
    bool insecure_skip_tls_verify;
    struct tls_config *tls; /* k6's TLS options (net/tls.h); NULL: OpenSSL's defaults */
    /* k6/http options (defaults applied): */
    struct net_dialer *dialer; /* hosts, dns, blockHostnames, blacklistIPs, localIPs, reuse */
    bool throw_errors;         /* throw: a failed request throws */
    bool discard_bodies;       /* discardResponseBodies */
    int max_redirects;         /* maxRedirects (10) */
    bool max_redirects_set;    /* maxRedirects given: k6 then does not warn when it stops */
    int batch, batch_per_host; /* batch (20), batchPerHost (6); 0: no limit */

    int nworkers;
    struct worker **workers;

    /* c6's own metrics (exec/health.h), registered before the thresholds */
    bool health_on;
    int m_health[HEALTH_METRICS];
    /* --latency-correction (vu/latency_correction.h): the corrected metrics' ids */
    bool latency_correction;
    int m_req_corrected, m_iter_corrected;

    atomic_int phase;
    int64_t start_us;          /* monotonic time the iterations started */
    int64_t start_wall_ms;     /* the same instant, unix milliseconds */
    atomic_int script_aborted; /* exec.test.abort() was called: exit 108 */
    char abort_reason[1024];   /* its message, k6's "test aborted: ... at fn (file:line:col)";
                                   written by the first caller before script_aborted is set */
    atomic_flag abort_claimed; /* taken by that first caller */
    atomic_int script_failed;  /* exec.test.fail() was called: exit 110 */
    /* setup()'s return value as JSON, or NULL; atomic: the REST API may
     * replace it (PUT/POST /v1/setup) while VUs read it */
    _Atomic(char *) setup_json;

    struct c6_segment_tuple *seg; /* --execution-segment: this instance's share; NULL = all */
    int64_t init_vus;             /* VUs initialised before the start (the segment's part of vus_max) */
    scen_rt *scen;                /* one per plan scenario, same order */
    int nscen;
    atomic_llong iters_done;
    atomic_llong iters_interrupted;
    atomic_llong iters_failed; /* complete iterations that ended with an exception (in iters_done too, as k6) */
    atomic_int vus_active;     /* VUs that may start iterations */
    atomic_int paused;         /* --paused / the REST API: no iteration starts (externally-controlled) */
    atomic_int special_stop;   /* setup/teardown is past its timeout (read by the JS interrupt handler) */
    atomic_int next_vu_id;     /* VUs created so far (ids are 1-based) */
    atomic_int init_errors;
    atomic_int vus_initialized;
    char *init_error; /* first init error text (under its own lock) */
    int exit_code;
    char *summary_json;                           /* handleSummary's data */
    char *options_json;                           /* exec.test.options */
    char *(*text_summary)(void *ctx, bool color); /* textSummary() */
    void *text_summary_ctx;
    void *main_wake; /* uv_async_t on the main loop: a worker has news */
} c6_test;

int test_phase(const c6_test *t);
int scen_state(const scen_rt *s);
/* This instance's part of n (VUs, iterations) under its execution segment. */
int64_t scen_scale(const scen_rt *s, int64_t n);

#endif
