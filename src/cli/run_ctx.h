/* The `run` command's shared state and the functions its files share.
 * Internal to src/cli/run*.c:
 *   run.c           the entry point, the main loop (scenario timers,
 *                   signals, setup/teardown, the metrics thread) and the
 *                   run's life cycle
 *   run_init.c      the first init run, options, checks, thresholds,
 *                   outputs, the test's run-time state
 *   run_progress.c  the banner and the progress block
 *   run_api.c       the REST API's side of the run (api_ops)
 *   run_end.c       thresholds' verdicts, the summary, handleSummary
 *   run_inspect.c   `c6 inspect`
 *   archive.c       `c6 archive`, and archives given to run and inspect */
#ifndef C6_RUN_CTX_H
#define C6_RUN_CTX_H
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <uv.h>
#include "api/server.h"
#include "cli/args.h"
#include "config/options.h"
#include "exec/test.h"
#include "js/script.h"
#include "metrics/engine.h"
#include "metrics/samples.h"
#include "metrics/threshold.h"
#include "exec/worker.h"
#include "output/dashboard.h"
#include "output/output.h"
#include "util/buf.h"

enum {
    EXIT_THRESHOLDS = 99,
    EXIT_SETUP_TIMEOUT = 100,
    EXIT_TEARDOWN_TIMEOUT = 101,
    EXIT_API_STOP = 103,
    EXIT_CONFIG = 104,
    EXIT_API_LISTEN = 106,
    EXIT_ABORTED = 105,
    EXIT_SCRIPT = 107,
    EXIT_SCRIPT_ABORT = 108,
    EXIT_SCRIPT_FAIL = 110,
    EXIT_FLAGS = 255,
    EXIT_OUTPUT = 255 /* an output that cannot start: k6's error without an exit code of its own */,
    EXIT_NO_CODE = 255 /* an error k6 gives no exit code (cmd/root.go execute: os.Exit(-1)) */,
    RUN_SUMMARY_TIMED_OUT = -2 /* run_special_on(CMD_SUMMARY): cut off, no summary at all */
};

typedef struct run_threshold {
    char *metric;
    const char *source; /* the expression as written */
    int metric_id;
    int sub; /* engine sub-metric index, or -1 for the metric itself */
    bool abort_on_fail;
    int64_t delay_abort_us; /* delayAbortEval */
    threshold t;
    bool ok;
    double observed;
} run_threshold;

struct run_ctx;

/* An outside controller of a run (src/dist: the agent of a distributed run,
 * and the coordinator); NULL for `c6 run`. It is how the same phases serve
 * `run`, the coordinator and the agent. Ops run on the main thread; those
 * returning int return 0 to go on, or an exit code. */
typedef struct run_controller {
    /* MODE_COORD: the first init run and the options' checks are done
     * (r->scr holds the modules and opened files): make what the agents get */
    int (*archive)(void *arg, struct run_ctx *r);
    /* MODE_COORD: the whole distributed test, its metrics merged into r->eng
     * (metrics/ingest.c). It sets r->test.start_us / start_wall_ms at the
     * common start and r->run_end_us when every agent's iterations are over
     * (start_us stays 0 when the test never started: no summary), and
     * r->threshold_aborted / abort_names when an abortOnFail threshold on the
     * merged metrics stopped it. Returns the stop's exit code, or 0; the end
     * (thresholds, summary, handleSummary, exit code) is run_finish's, as for
     * `c6 run`. */
    int (*coordinate)(void *arg, struct run_ctx *r);
    /* VUs are initialised: report ready, run setup() here (run_setup_local)
     * or take its data from elsewhere, then wait for the common start */
    int (*start)(void *arg, struct run_ctx *r);
    void (*started)(void *arg, struct run_ctx *r); /* right after the start */
    /* the test's iterations are over here (the engine drained); true when
     * teardown() runs here */
    bool (*done)(void *arg, struct run_ctx *r);
    /* the workers are stopped and the engine drained for the last time */
    void (*end)(void *arg, struct run_ctx *r);
    /* an agent: the verdict is the coordinator's, on the merged metrics: no
     * threshold evaluation (nor abortOnFail), no summary, handleSummary()
     * or --summary-export here */
    bool agent;
    void *arg;
} run_controller;

typedef struct run_ctx {
    c6_test test;
    c6_run_args args;
    c6_options opts;
    script scr;
    engine *eng;
    sample_buf main_samples; /* vus / vus_max, from the main thread */
    health_watch health;     /* is c6 itself saturated? (exec/health.h) */
    uv_loop_t *loop;
    uv_async_t wake;
    uv_timer_t tick, special_timer, special_progress;
    enum worker_cmd special_cmd; /* setup or teardown running: what the progress block says */
    int64_t teardown_end_us;     /* when teardown() returned: the last progress block's time */
    api_server *api;             /* the REST API (--address), NULL when off */
    pthread_mutex_t eng_lock;    /* the metrics thread drains the engine; main and API threads read it */
    pthread_t metrics_thread;    /* drains samples into the engine and outputs while the test runs */
    bool metrics_running;
    atomic_bool metrics_stop;
    atomic_int api_state;   /* api_exec_status, for GET /v1/status */
    atomic_int api_stopped; /* PATCH {"stopped": true} */
    atomic_int tainted;     /* a threshold was crossed at the last evaluation */
    bool waiting_resume;    /* --paused: the main loop waits for a resume */
    bool lingering;         /* --linger: the test ended, waiting for a signal */
    bool special_timed_out;
    struct run_scen *rs; /* per scenario: its start/end/hard-stop timers */
    uv_signal_t sigint, sigterm;
    int signals;
    bool aborted;
    worker *waiting_on; /* setup/teardown/handleSummary running there */
    /* One setup()/teardown()/handleSummary() at a time: the main thread's
     * and the REST API's (POST /v1/setup, /v1/teardown). It also guards
     * test.setup_json's replacement; a replaced text stays allocated (in
     * setup_old) until the end, as a VU may be reading it. */
    pthread_mutex_t special_lock;
    bool workers_live; /* workers run (set/cleared under special_lock) */
    char **setup_old;
    size_t nsetup_old;
    int64_t last_progress_us;
    int64_t last_threshold_us;
    bool threshold_aborted;
    char *abort_names; /* the crossed metrics when an abortOnFail threshold stopped the run */
    bool output_failed;
    int64_t run_end_us;
    run_threshold *thr;
    size_t nthr;
    outputs outs;            /* the -o outputs, engine listeners (metrics thread) */
    buf outputs_shown;       /* the banner's "output:" value, in -o order */
    char *scenario_problems; /* options_plan's -2 lines, for k6's configuration block */
    char *options_problem;   /* the options' own line of that block (a segment not in its sequence) */
    bool tty;
    dash_config dash_cfg;      /* the web dashboard (K6_WEB_DASHBOARD, -o web-dashboard) */
    dashboard *dash;           /* NULL when off */
    struct archive_meta *arc;  /* running an archive (cli/archive.c); NULL for a script */
    const run_controller *ctl; /* NULL for `c6 run` */
    atomic_int ctl_stop;       /* the controller stopped the test: the exit code (run_stop_from) */
    int64_t setup_start_us;    /* when setup() started here (run_setup_local); 0: it did not */
} run_ctx;

/* The main thread's side of a scenario: it starts at startTime, stops
 * starting iterations at the end of its duration, interrupts the running
 * ones gracefulStop later, and is done when every worker has reported. */
typedef struct run_scen {
    run_ctx *r;
    scen_rt *sc;
    uv_timer_t start, end, hard;
} run_scen;

enum { MODE_RUN, MODE_INSPECT, MODE_INSPECT_REQS, MODE_ARCHIVE, MODE_COORD };

/* run.c */
int run_main_mode(int argc, char **argv, int mode);
/* run_main_mode with a controller (NULL: none) */
int run_main_with(int argc, char **argv, int mode, const run_controller *ctl);
/* setup() on this instance, when the script has one and it is not disabled */
int run_setup_local(run_ctx *r);
/* From any thread, once the test started: stop it (every scenario
 * interrupted, as a Ctrl-C); `code` becomes the exit code unless the run has
 * its own. */
void run_stop_from(run_ctx *r, int code);
/* Every 2 s from the start: the thresholds on the engine as it is; a
 * crossed abortOnFail one sets r->threshold_aborted and stops the test. */
void run_check_abort(run_ctx *r, int64_t now);
int run_fail(run_ctx *r, int code, const char *msg);
void run_set_phase(run_ctx *r, int phase);
int run_special_on(run_ctx *r, worker *w, enum worker_cmd cmd);
void run_set_setup_json(run_ctx *r, char *json);
int64_t run_special_limit_us(run_ctx *r, enum worker_cmd cmd);

/* run_init.c */
char **run_build_env(const c6_run_args *a);
void run_free_env(char **env);
int run_compile(run_ctx *r, char *err, size_t errlen);
int run_options(run_ctx *r, char *err, size_t errlen);
int run_validate(run_ctx *r, char *err, size_t errlen);
int run_thresholds(run_ctx *r, char *err, size_t errlen);
/* c6's own metrics and, with --latency-correction, the corrected ones:
 * registered before the thresholds so that thresholds can name them. */
int run_c6_metrics(run_ctx *r, char *err, size_t errlen);
int run_check_config(run_ctx *r, char *err, size_t errlen);
int run_check_fds(run_ctx *r, char *err, size_t errlen);
int run_open_outputs(run_ctx *r, char *err, size_t errlen);
void run_http_options(run_ctx *r);
void run_make_scenarios(run_ctx *r);

/* run_progress.c */
void run_banner(run_ctx *r);
void run_progress(run_ctx *r, bool final);
void run_special_progress(uv_timer_t *h);

/* run_api.c */
int run_api_start(run_ctx *r);

/* run_end.c */
bool run_eval_thresholds(run_ctx *r, double dur_s);
bool run_threshold_empty(run_ctx *r, const run_threshold *t);
char *run_crossed_names(run_ctx *r, bool skip_empty);
void run_log_threshold_errors(run_ctx *r);
void run_log_crossed(run_ctx *r);
void run_summary(run_ctx *r, double dur_s);
void run_dash_end(run_ctx *r, double dur_s);
void run_log_script_end(run_ctx *r, int code);

/* archive.c: an archive given to run/inspect/archive. run_archive_open
 * tells an archive from a script (--type, else its first tar header); for
 * an archive it fills the script's files and the env from it and puts its
 * main script's path into path. 0, or an exit code with err set. */
int run_archive_open(run_ctx *r, char *path, size_t pathlen, char *err, size_t errlen);
void run_archive_free(run_ctx *r);
int run_archive_write(run_ctx *r);
/* The archive `c6 archive` writes, into out (appended). 0, or -1 with err. */
int run_archive_make(run_ctx *r, buf *out, char *err, size_t errlen);

/* run_inspect.c */
int run_inspect_print(run_ctx *r, int mode);

#endif
