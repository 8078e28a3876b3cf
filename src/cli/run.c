/* The `run` command: the main thread compiles the script (first init run),
 * consolidates options, starts the workers, drives the test's timeline, the
 * metrics engine and the progress line, then prints the summary. This file
 * holds the entry point, the main loop and the run's life cycle; the other
 * phases are in run_*.c (see run_ctx.h). */
#include "cli/run.h"
#include "util/err.h"

#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli/run_ctx.h"
#include "config/executor_def.h"
#include "config/duration.h"
#include "config/options_json.h"
#include "exec/executor.h"
#include "exec/segment.h"
#include "exec/capacity.h"
#include "vu/coro.h"
#include "js/vm.h"
#include "metrics/registry.h"
#include "net/dialer.h"
#include "net/tls.h"
#include "util/clock.h"
#include "util/log.h"

/* ---- helpers ---- */

static int run_worker_count(const run_ctx *r) {
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    int w = r->args.workers > 0 ? r->args.workers : (int)(cpus > 0 ? cpus : 1);
    int64_t most = r->test.init_vus + r->test.plan.max_unplanned_vus;
    if (w > most) w = (int)most;
    return w < 1 ? 1 : w;
}

/* ---- the main loop ---- */

static void run_all_workers(run_ctx *r, enum worker_cmd cmd) {
    for (int i = 0; i < r->test.nworkers; i++) worker_command(r->test.workers[i], cmd);
}

static void run_scen_set(run_ctx *r, scen_rt *sc, int state) {
    if (scen_state(sc) >= state) return;
    atomic_store(&sc->state, state);
    run_all_workers(r, CMD_SCEN);
}

/* Stopping the whole test (Ctrl-C, exec.test.abort, abortOnFail): every
 * scenario interrupts its iterations; ones not started yet never start. */
void run_set_phase(run_ctx *r, int phase) {
    if (atomic_load(&r->test.phase) < phase) atomic_store(&r->test.phase, phase);
    if (phase < PHASE_HARD_STOP) return;
    /* (exec.test.abort() sets the phase itself, from its VU: the scenarios
     * follow here) */
    bool changed = false;
    for (int i = 0; i < r->test.nscen; i++)
        if (scen_state(&r->test.scen[i]) < SC_HARD_STOP) {
            atomic_store(&r->test.scen[i].state, SC_HARD_STOP);
            changed = true;
        }
    if (changed) run_all_workers(r, CMD_SCEN);
}

/* --verbose: k6's trackProgress (lib/executor/helpers.go) logs this once a
 * scenario's regular duration is over (or its work is done early), unless
 * the whole test was stopped or it has no gracefulStop. */
static void run_log_regular_done(run_ctx *r, const scen_rt *sc) {
    const c6_scenario *c = sc->cfg;
    if (c->graceful_stop_us <= 0 || test_phase(&r->test) >= PHASE_HARD_STOP) return;
    char gs[32], extra[300];
    duration_format(gs, sizeof gs, c->graceful_stop_us);
    snprintf(extra, sizeof extra, " executor=%s gracefulStop=%s scenario=%s", executor_name(c->executor), gs, c->name);
    const char *msg = "Regular duration is done, waiting for iterations to gracefully finish";
    log_msg(LOG_DEBUG, extra, msg, strlen(msg));
}

/* --verbose: the scheduler's and the executors' lines about a scenario's
 * start and end (k6 internal/execution/scheduler.go runExecutor: fields
 * executor=<name> startTime type; lib/executor/<type>.go Run: "Starting
 * executor run..." with its executor's numbers, logger fields executor=<type>
 * scenario=<name>). */
static void run_log_scheduler(const scen_rt *sc, const char *msg) {
    const c6_scenario *c = sc->cfg;
    char st[32], extra[300];
    duration_format(st, sizeof st, c->start_time_us);
    snprintf(extra, sizeof extra, " executor=%s startTime=%s type=%s", c->name, st, executor_name(c->executor));
    log_msg(LOG_DEBUG, extra, msg, strlen(msg));
}

static void run_log_executor_run(const scen_rt *sc) {
    const c6_scenario *c = sc->cfg;
    const c6_executor_def *x = executor_def(c->executor);
    char extra[512];
    if (!x->run_fields) return;
    x->run_fields(sc, extra, sizeof extra);
    const char *msg = "Starting executor run...";
    log_msg(LOG_DEBUG, extra, msg, strlen(msg));
}

static void run_scen_end(uv_timer_t *h) {
    run_scen *rs = h->data;
    if (scen_state(rs->sc) == SC_RUNNING) run_log_regular_done(rs->r, rs->sc);
    run_scen_set(rs->r, rs->sc, SC_GRACEFUL);
}

static void run_scen_hard(uv_timer_t *h) {
    run_scen *rs = h->data;
    run_scen_set(rs->r, rs->sc, SC_HARD_STOP);
}

static void run_scen_start(uv_timer_t *h) {
    run_scen *rs = h->data;
    scen_rt *sc = rs->sc;
    if (scen_state(sc) != SC_PENDING) return;
    uv_update_time(rs->r->loop);
    atomic_store(&sc->start_us, clock_now_us());
    run_log_scheduler(sc, "Starting executor");
    run_log_executor_run(sc);
    run_scen_set(rs->r, sc, SC_RUNNING);
    int64_t d = scenario_duration_us(sc->cfg);
    int64_t hard = scenario_max_duration_us(sc->cfg);
    /* libuv counts whole milliseconds from a truncated clock: one more
     * keeps the end from coming before the scenario's last due start */
    uv_timer_start(&rs->end, run_scen_end, (uint64_t)(d / 1000 + 1), 0);
    uv_timer_start(&rs->hard, run_scen_hard, (uint64_t)(hard / 1000 + 1), 0);
}

/* Iteration-based executors: what maxDuration (or a stop) left undone is
 * dropped_iterations, one sample, as k6 counts it. */
static void run_scen_dropped(run_ctx *r, scen_rt *sc) {
    const c6_scenario *c = sc->cfg;
    const c6_executor_def *x = executor_def(c->executor);
    if (!x->planned_iterations) return;
    int64_t planned = x->planned_iterations(sc);
    int64_t left = planned - atomic_load(&sc->done) - atomic_load(&sc->interrupted);
    if (left <= 0) return;
    /* k6 pushes it only while the test's run context is alive
     * (metrics.PushIfNotDone): not after a stop of the whole test */
    if (r->aborted || r->threshold_aborted || atomic_load(&r->api_stopped) || atomic_load(&r->test.script_aborted))
        return;
    tag_kv kv[VU_BASE_TAGS];
    size_t n = 0;
    for (size_t i = 0; i < r->opts.ntags && n < VU_BASE_TAGS - 2; i++)
        kv[n++] = (tag_kv){r->opts.tags[i].key, r->opts.tags[i].value};
    for (size_t i = 0; i < c->ntags && n < VU_BASE_TAGS - 1; i++) kv[n++] = (tag_kv){c->tags[i].key, c->tags[i].value};
    if ((r->test.system_tags >> ST_SCENARIO) & 1) kv[n++] = (tag_kv){"scenario", c->name};
    sample_push(&r->main_samples, M_DROPPED_ITERATIONS, tagdict_intern(r->main_samples.tags, kv, n), (double)left,
                sample_now(&r->main_samples));
    sample_buf_flush(&r->main_samples);
}

/* Ends the scenarios whose every worker has reported; true when all are done. */
static bool run_check_scenarios(run_ctx *r) {
    c6_test *t = &r->test;
    int done = 0;
    for (int i = 0; i < t->nscen; i++) {
        scen_rt *sc = &t->scen[i];
        int st = scen_state(sc);
        if (st >= SC_RUNNING && st < SC_DONE && atomic_load(&sc->workers_done) >= t->nworkers) {
            if (st == SC_RUNNING) run_log_regular_done(r, sc); /* its work was done early */
            atomic_store(&sc->state, SC_DONE);
            run_log_scheduler(sc, "Executor finished successfully");
            sc->end_us = clock_now_us();
            uv_timer_stop(&r->rs[i].start);
            uv_timer_stop(&r->rs[i].end);
            uv_timer_stop(&r->rs[i].hard);
            run_scen_dropped(r, sc);
            st = SC_DONE;
        }
        done += st == SC_DONE;
    }
    return done == t->nscen;
}

/* vus and vus_max, tagged with the run's tags (options.tags or --tag) as
 * k6's scheduler tags them (internal/execution/scheduler.go,
 * emitVUsAndVUsMax: the test's RunTags), nothing else. */
static void run_sample_vus(run_ctx *r) {
    int64_t now = sample_now(&r->main_samples);
    tag_kv kv[VU_BASE_TAGS];
    size_t n = 0;
    for (size_t i = 0; i < r->opts.ntags && n < VU_BASE_TAGS; i++)
        kv[n++] = (tag_kv){r->opts.tags[i].key, r->opts.tags[i].value};
    uint32_t tags = tagdict_intern(r->main_samples.tags, kv, n);
    sample_push(&r->main_samples, M_VUS, tags, atomic_load(&r->test.vus_active), now);
    sample_push(&r->main_samples, M_VUS_MAX, tags, (double)atomic_load(&r->test.vus_initialized), now);
    if (test_phase(&r->test) == PHASE_RUNNING) health_watch_second(&r->health, &r->test, &r->main_samples, tags);
    sample_buf_flush(&r->main_samples);
}

/* Drains the workers' samples into the engine (the API thread reads it). */
static void run_drain(run_ctx *r) {
    pthread_mutex_lock(&r->eng_lock);
    engine_drain(r->eng);
    pthread_mutex_unlock(&r->eng_lock);
}

/* k6 evaluates thresholds every 2 s; a crossed abortOnFail one (past its
 * delayAbortEval) stops the test: iterations are interrupted, teardown runs. */
void run_check_abort(run_ctx *r, int64_t now) {
    c6_test *t = &r->test;
    if (r->ctl && r->ctl->agent) return; /* the coordinator's, on the merged metrics */
    if (r->threshold_aborted || now - r->last_threshold_us < 2000000) return;
    r->last_threshold_us = now;
    if (!r->nthr) return;
    /* k6 evaluates every 2 s: abortOnFail, and the API's "tainted" */
    pthread_mutex_lock(&r->eng_lock);
    atomic_store(&r->tainted, !run_eval_thresholds(r, (double)(now - t->start_us) / 1e6));
    pthread_mutex_unlock(&r->eng_lock);
    for (size_t i = 0; i < r->nthr; i++) {
        run_threshold *th = &r->thr[i];
        if (!th->abort_on_fail || th->ok || now - t->start_us < th->delay_abort_us || run_threshold_empty(r, th))
            continue;
        /* k6 says so once the run is over, naming every metric crossed
         * now (metrics/engine StartThresholdCalculations: the run's error) */
        r->abort_names = run_crossed_names(r, true);
        r->threshold_aborted = true;
        run_set_phase(r, PHASE_HARD_STOP);
        return;
    }
}

/* While the test runs, samples go into the engine and the outputs on their
 * own thread: writing a busy test's JSON output must not delay the main
 * loop's scenario timers, nor the other way round. */
static void *run_metrics_main(void *arg) {
    run_ctx *r = arg;
    const struct timespec period = {0, 20 * 1000000L};
    while (!atomic_load(&r->metrics_stop)) {
        nanosleep(&period, NULL);
        pthread_mutex_lock(&r->eng_lock);
        engine_drain(r->eng);
        outputs_tick(&r->outs);
        pthread_mutex_unlock(&r->eng_lock);
    }
    return NULL;
}

static void run_metrics_start(run_ctx *r) {
    atomic_store(&r->metrics_stop, false);
    r->metrics_running = pthread_create(&r->metrics_thread, NULL, run_metrics_main, r) == 0;
}

/* Back to draining on the main thread (its final drain follows). */
static void run_metrics_stop(run_ctx *r) {
    if (!r->metrics_running) return;
    atomic_store(&r->metrics_stop, true);
    pthread_join(r->metrics_thread, NULL);
    r->metrics_running = false;
}

static void run_on_tick(uv_timer_t *h) {
    run_ctx *r = h->data;
    int64_t now = clock_now_us();
    if (!r->metrics_running) {
        run_drain(r);
        outputs_tick(&r->outs);
    }
    run_check_abort(r, now);
    dash_tick(r->dash, &r->test, r->eng, &r->eng_lock, now);
    if (now - r->last_progress_us >= 1000000) {
        r->last_progress_us += 1000000;
        run_sample_vus(r);
        run_progress(r, false);
    }
}

static void run_on_wake(uv_async_t *a) {
    run_ctx *r = a->data;
    if (atomic_load(&r->ctl_stop) && !r->waiting_on && test_phase(&r->test) < PHASE_HARD_STOP)
        run_set_phase(r, PHASE_HARD_STOP);
    if (atomic_load(&r->api_stopped) && !r->waiting_on && test_phase(&r->test) < PHASE_HARD_STOP) {
        log_printf(LOG_WARN, "test run stopped from REST API");
        run_set_phase(r, PHASE_HARD_STOP);
    }
    if (r->waiting_resume) {
        if (!atomic_load(&r->test.paused) || atomic_load(&r->api_stopped)) uv_stop(r->loop);
        return;
    }
    if (atomic_load(&r->test.script_aborted) && !r->waiting_on) run_set_phase(r, PHASE_HARD_STOP);
    if (r->waiting_on) {
        if (atomic_load(&r->waiting_on->special_done)) uv_stop(r->loop);
        return;
    }
    if (test_phase(&r->test) >= PHASE_RUNNING && run_check_scenarios(r)) uv_stop(r->loop);
}

static void run_on_signal(uv_signal_t *s, int signum) {
    run_ctx *r = s->data;
    if (r->lingering) { /* --linger: the test is over, a signal ends the wait */
        r->signals++;
        uv_stop(r->loop);
        return;
    }
    if (++r->signals > 1) {
        /* k6 internal/cmd/run.go onHardStop, then os.Exit(ExternalAbort)
         * in cmd/common.go handleTestAbortSignals; Go names the signals
         * "interrupt" and "terminated" */
        log_msg(LOG_ERROR, signum == SIGINT ? " sig=interrupt" : " sig=terminated", "Aborting k6 in response to signal",
                strlen("Aborting k6 in response to signal"));
        _exit(EXIT_ABORTED);
    }
    log_printf(LOG_WARN, "%s received: stopping the test (press Ctrl-C again to exit at once)",
               signum == SIGINT ? "SIGINT" : "SIGTERM");
    r->aborted = true;
    run_set_phase(r, PHASE_HARD_STOP);
}

/* handleSummary()'s time limit: k6's is a fixed 2 minutes (js/runner.go
 * getTimeoutFor). C6_TEST_SUMMARY_TIMEOUT_MS shortens it, for tests only. */
static int64_t run_summary_timeout_us(void) {
    const char *t = getenv("C6_TEST_SUMMARY_TIMEOUT_MS");
    if (t && *t) return strtoll(t, NULL, 10) * 1000;
    return 120 * 1000000LL;
}

static int run_special_locked(run_ctx *r, worker *w, enum worker_cmd cmd);
static int run_finish(run_ctx *r, int code, bool stopped);

/* Iterations completed: this instance's, or the coordinator's merged count. */
static int64_t run_iterations_done(run_ctx *r) {
    if (!(r->ctl && r->ctl->coordinate)) return atomic_load(&r->test.iters_done);
    const sink *s = engine_sink(r->eng, M_ITERATIONS);
    return s ? (int64_t)s->u.counter.sum : 0;
}

/* setupTimeout / teardownTimeout (60s by default), handleSummary's 2 minutes */
int64_t run_special_limit_us(run_ctx *r, enum worker_cmd cmd) {
    return cmd == CMD_SETUP      ? (r->opts.setup_timeout_set ? r->opts.setup_timeout_us : 60000000)
           : cmd == CMD_TEARDOWN ? (r->opts.teardown_timeout_set ? r->opts.teardown_timeout_us : 60000000)
           : cmd == CMD_SUMMARY  ? run_summary_timeout_us()
                                 : 0;
}

static void run_special_timeout(uv_timer_t *h) {
    run_ctx *r = h->data;
    r->special_timed_out = true;
    atomic_store(&r->test.special_stop, 1);                             /* running JavaScript sees this at once */
    if (r->waiting_on) worker_command(r->waiting_on, CMD_STOP_SPECIAL); /* a wait needs waking */
}

/* Runs setup(), teardown() or handleSummary() on worker w; returns 0, or the
 * exit code (script error 107, setup/teardown timeout 100/101) with the
 * error logged. One at a time with the REST API's (special_lock). */
int run_special_on(run_ctx *r, worker *w, enum worker_cmd cmd) {
    pthread_mutex_lock(&r->special_lock);
    int rc = run_special_locked(r, w, cmd);
    pthread_mutex_unlock(&r->special_lock);
    return rc;
}

static int run_special_locked(run_ctx *r, worker *w, enum worker_cmd cmd) {
    atomic_store(&w->special_done, 0);
    r->waiting_on = w;
    r->special_timed_out = false;
    atomic_store(&r->test.special_stop, 0);
    /* setupTimeout / teardownTimeout (60s by default): then it is cut off */
    int64_t limit = run_special_limit_us(r, cmd);
    uv_update_time(r->loop);
    if (limit > 0) uv_timer_start(&r->special_timer, run_special_timeout, (uint64_t)(limit / 1000), 0);
    /* k6 keeps drawing the progress while setup() and teardown() run */
    r->special_cmd = cmd;
    if (cmd == CMD_SETUP || cmd == CMD_TEARDOWN) uv_timer_start(&r->special_progress, run_special_progress, 1000, 1000);
    worker_command(w, cmd);
    uv_run(r->loop, UV_RUN_DEFAULT);
    uv_timer_stop(&r->special_timer);
    uv_timer_stop(&r->special_progress);
    r->waiting_on = NULL;
    if (r->special_timed_out) { /* k6's timeoutError (internal/js/timeout_error.go): text and hint */
        char msg[128];
        snprintf(msg, sizeof msg, "%s() execution timed out after %.0f seconds",
                 cmd == CMD_SETUP      ? "setup"
                 : cmd == CMD_TEARDOWN ? "teardown"
                                       : "handleSummary",
                 (double)limit / 1e6);
        if (cmd == CMD_SUMMARY) {
            /* k6 internal/cmd/run.go: HandleSummary's error is logged, no
             * summary is written and the exit code stays */
            log_msg_field(LOG_ERROR, "failed to handle the end-of-test summary", "error", msg);
            return RUN_SUMMARY_TIMED_OUT;
        }
        log_msg_field(LOG_ERROR, msg, "hint",
                      cmd == CMD_SETUP ? "You can increase the time limit via the setupTimeout option"
                                       : "You can increase the time limit via the teardownTimeout option");
        return cmd == CMD_SETUP ? EXIT_SETUP_TIMEOUT : EXIT_TEARDOWN_TIMEOUT;
    }
    if (w->special && w->special->error && atomic_load(&r->test.script_aborted)) {
        return EXIT_SCRIPT_ABORT; /* exec.test.abort() in setup(): its message comes at the end */
    }
    if (w->special && w->special->error && cmd == CMD_SETUP && r->aborted) {
        /* setup() cut short by Ctrl-C: k6 ends with the abort, no script error */
        return EXIT_ABORTED;
    }
    if (w->special && w->special->error && w->special->error_marshal) {
        /* k6: a plain error from Scheduler.Run, returned by cmd/run.go as
         * is and logged by cmd/root.go, whose exit code is then -1 (255) */
        log_msg(LOG_ERROR, NULL, w->special->error, strlen(w->special->error));
        return EXIT_NO_CODE;
    }
    if (w->special && w->special->error) {
        char *e = w->special->error;
        /* k6's scriptExceptionError through errext.Format (internal/js/runner.go) */
        log_msg(LOG_ERROR, " hint=\"script exception\" source=stacktrace", e, strlen(e));
        return EXIT_SCRIPT;
    }
    if (cmd == CMD_SETUP && w->special) run_set_setup_json(r, xstrdup(w->special->result_json));
    return 0;
}

/* Replaces the setup data (caller holds special_lock); the old text is
 * kept until the end, a VU may be parsing it. */
void run_set_setup_json(run_ctx *r, char *json) {
    char *old = atomic_exchange(&r->test.setup_json, json);
    if (!old) return;
    char **n = realloc(r->setup_old, (r->nsetup_old + 1) * sizeof *n);
    if (!n) return; /* (leaked rather than freed under a reader) */
    r->setup_old = n;
    r->setup_old[r->nsetup_old++] = old;
}

static int run_special(run_ctx *r, enum worker_cmd cmd) { return run_special_on(r, r->test.workers[0], cmd); }

int run_setup_local(run_ctx *r) {
    if (!r->scr.has_setup || (r->opts.no_setup_set && r->opts.no_setup)) return 0;
    atomic_store(&r->api_state, API_EXEC_SETUP);
    r->setup_start_us = clock_now_us();
    return run_special(r, CMD_SETUP);
}

void run_stop_from(run_ctx *r, int code) {
    atomic_store(&r->ctl_stop, code);
    uv_async_send(&r->wake);
}

static int run_wait_init(run_ctx *r) {
    c6_test *t = &r->test;
    while (atomic_load(&t->vus_initialized) < t->init_vus && !atomic_load(&t->init_errors)) {
        if (r->signals) return -1;
        usleep(2000);
    }
    return atomic_load(&t->init_errors) ? -1 : 0;
}

static void run_start(run_ctx *r) {
    c6_test *t = &r->test;
    uv_update_time(r->loop); /* the loop clock is stale after VU init: timers would fire early */
    t->start_us = clock_now_us();
    t->start_wall_ms = clock_wall_us() / 1000;
    r->last_progress_us = t->start_us;
    r->last_threshold_us = t->start_us;
    atomic_store(&t->phase, PHASE_RUNNING);
    run_all_workers(r, CMD_START);
    for (int i = 0; i < t->nscen; i++) {
        if (t->scen[i].cfg->start_time_us > 0) run_log_scheduler(&t->scen[i], "Waiting for executor start time...");
        uv_timer_start(&r->rs[i].start, run_scen_start, (uint64_t)(t->scen[i].cfg->start_time_us / 1000), 0);
    }
    uv_timer_start(&r->tick, run_on_tick, 20, 20);
    run_metrics_start(r);
}

/* ---- the web dashboard ---- */

/* The thresholds as run_check_abort last evaluated them (main thread). */
static size_t run_dash_thresholds(void *ctx, dash_threshold *out, size_t max) {
    run_ctx *r = ctx;
    for (size_t i = 0; i < r->nthr && i < max; i++)
        out[i] = (dash_threshold){r->thr[i].metric, r->thr[i].source, r->thr[i].ok, r->thr[i].observed};
    return r->nthr;
}

/* samples: the engine drains samples (c6 run), not merged series (the
 * coordinator's): only then are there per-period percentiles and tables */
static int run_dash_start(run_ctx *r, bool samples, char *err, size_t errlen) {
    if (!r->dash_cfg.enabled) return 0;
    r->dash = dash_start_test(&r->dash_cfg, r->args.script, &r->test, err, errlen);
    if (!r->dash) return -1;
    if (samples && dash_listen_engine(r->dash, r->eng))
        return snprintf(err, errlen, "web dashboard: out of memory"), -1;
    dash_set_thresholds(r->dash, run_dash_thresholds, r);
    return 0;
}

/* Logs msg as an error; returns code. */
int run_fail(run_ctx *r, int code, const char *msg) {
    (void)r;
    log_msg(LOG_ERROR, NULL, msg, strlen(msg));
    return code;
}

/* ---- lifecycle ---- */

/* 0, or -1 when the loop cannot be made (its epoll and eventfd need
 * descriptors: ulimit -n), with the reason in err */
static int run_setup_loop(run_ctx *r, char *err, size_t errlen) {
    r->loop = uv_default_loop();
    int rc = r->loop ? uv_async_init(r->loop, &r->wake, run_on_wake) : UV_EMFILE;
    if (rc != 0) {
        snprintf(err, errlen, "c6 cannot start its event loop: %s%s", uv_strerror(rc),
                 rc == UV_EMFILE ? " (raise the limit: ulimit -n)" : "");
        return -1;
    }
    r->wake.data = r;
    r->test.main_wake = &r->wake;
    uv_timer_init(r->loop, &r->tick);
    r->tick.data = r;
    uv_timer_init(r->loop, &r->special_timer);
    r->special_timer.data = r;
    uv_timer_init(r->loop, &r->special_progress);
    r->special_progress.data = r;
    r->rs = xcalloc((size_t)(r->test.nscen ? r->test.nscen : 1), sizeof *r->rs);
    for (int i = 0; i < r->test.nscen; i++) {
        run_scen *rs = &r->rs[i];
        *rs = (run_scen){r, &r->test.scen[i], {0}, {0}, {0}};
        uv_timer_init(r->loop, &rs->start);
        uv_timer_init(r->loop, &rs->end);
        uv_timer_init(r->loop, &rs->hard);
        rs->start.data = rs->end.data = rs->hard.data = rs;
    }
    uv_signal_init(r->loop, &r->sigint);
    uv_signal_init(r->loop, &r->sigterm);
    r->sigint.data = r->sigterm.data = r;
    uv_signal_start(&r->sigint, run_on_signal, SIGINT);
    uv_signal_start(&r->sigterm, run_on_signal, SIGTERM);
    return 0;
}

static void run_close_cb(uv_handle_t *h) { (void)h; }

static void run_teardown_loop(run_ctx *r) {
    uv_close((uv_handle_t *)&r->wake, run_close_cb);
    uv_close((uv_handle_t *)&r->tick, run_close_cb);
    uv_close((uv_handle_t *)&r->special_timer, run_close_cb);
    uv_close((uv_handle_t *)&r->special_progress, run_close_cb);
    for (int i = 0; i < r->test.nscen; i++) {
        uv_close((uv_handle_t *)&r->rs[i].start, run_close_cb);
        uv_close((uv_handle_t *)&r->rs[i].end, run_close_cb);
        uv_close((uv_handle_t *)&r->rs[i].hard, run_close_cb);
    }
    uv_close((uv_handle_t *)&r->sigint, run_close_cb);
    uv_close((uv_handle_t *)&r->sigterm, run_close_cb);
    uv_run(r->loop, UV_RUN_DEFAULT);
    uv_loop_close(r->loop);
    free(r->rs);
}

static void run_spawn_workers(run_ctx *r) {
    c6_test *t = &r->test;
    int nworkers = run_worker_count(r);
    t->workers = calloc((size_t)nworkers, sizeof *t->workers);
    /* the run fails at init (run_wait_init) when memory runs out here */
    errno = ENOMEM;
    for (int i = 0; t->workers && i < nworkers && (t->workers[i] = worker_new(t, i)); i++) t->nworkers = i + 1;
    int why = errno; /* worker_new's: EMFILE when the descriptors ran out */
    /* a stamp lane per sample buffer: the workers', then the main thread's */
    sample_buf_set_lane(&r->main_samples, t->nworkers, t->nworkers + 1);
    for (int i = 0; i < t->nworkers; i++) {
        sample_buf_set_lane(&t->workers[i]->samples, i, t->nworkers + 1);
        engine_add_source(r->eng, &t->workers[i]->samples);
    }
    if (t->nworkers < nworkers) {
        char m[160];
        snprintf(m, sizeof m, "the workers cannot be created: %s%s", strerror(why),
                 why == EMFILE ? " (raise the limit: ulimit -n)" : "");
        test_init_failed(t, m);
    }
    for (int64_t k = 0; t->nworkers == nworkers && k < t->init_vus; k++) {
        if (!worker_add_vu(t->workers[k % t->nworkers], (int)k + 1)) {
            char m[128];
            snprintf(m, sizeof m, "out of memory: only %lld of the %lld VUs could be created", (long long)k,
                     (long long)t->init_vus);
            test_init_failed(t, m);
            break;
        }
    }
    atomic_store(&t->next_vu_id, (int)t->init_vus);
    for (int i = 0; i < t->nworkers; i++) worker_start(t->workers[i]);
}

static void run_stop_workers(run_ctx *r) {
    c6_test *t = &r->test;
    pthread_mutex_lock(&r->special_lock);
    r->workers_live = false;
    pthread_mutex_unlock(&r->special_lock);
    atomic_store(&t->phase, PHASE_HARD_STOP);
    for (int i = 0; i < t->nworkers; i++) worker_command(t->workers[i], CMD_EXIT);
    for (int i = 0; i < t->nworkers; i++) worker_join(t->workers[i]);
    run_drain(r);
    if (outputs_close(&r->outs)) r->output_failed = true;
}

static void run_free(run_ctx *r) {
    api_server_stop(r->api);
    r->api = NULL;
    dash_stop(r->dash);
    r->dash = NULL;
    dash_config_free(&r->dash_cfg);
    buf_free(&r->outputs_shown);
    pthread_mutex_destroy(&r->eng_lock);
    outputs_close(&r->outs);
    for (int i = 0; i < r->test.nworkers; i++) worker_free(r->test.workers[i]);
    free(r->test.workers);
    free(r->thr);
    free(r->scenario_problems);
    free(r->options_problem);
    engine_free(r->eng);
    sample_buf_destroy(&r->main_samples);
    run_free_env(r->test.env);
    free(r->test.setup_json);
    for (size_t i = 0; i < r->nsetup_old; i++) free(r->setup_old[i]);
    free(r->setup_old);
    pthread_mutex_destroy(&r->special_lock);
    free(r->abort_names);
    free(r->test.summary_json);
    free(r->test.options_json);
    free(r->test.init_error);
    tls_config_free(r->test.tls);
    r->test.tls = NULL;
    dialer_free(r->test.dialer);
    script_free(&r->scr);
    run_archive_free(r);
    for (int i = 0; i < r->test.nscen; i++) {
        if (r->test.scen[i].seg) c6_segment_tuple_free(r->test.scen[i].seg);
        free(r->test.scen[i].seg);
    }
    free(r->test.scen);
    if (r->test.seg) c6_segment_tuple_free(r->test.seg);
    free(r->test.seg);
    options_plan_free(&r->test.plan);
    options_free(&r->opts);
    args_free(&r->args);
    registry_free();
}

/* --paused: VUs are ready; nothing runs until the REST API resumes. */
static void run_wait_resume(run_ctx *r) {
    atomic_store(&r->test.paused, 1);
    atomic_store(&r->api_state, API_EXEC_PAUSED_BEFORE_RUN);
    r->waiting_resume = true;
    log_printf(LOG_INFO, "the test is paused; resume it with `c6 resume` (or PATCH /v1/status)");
    while (atomic_load(&r->test.paused) && !atomic_load(&r->api_stopped) && !r->signals) uv_run(r->loop, UV_RUN_ONCE);
    r->waiting_resume = false;
}

static int run_execute(run_ctx *r) {
    c6_test *t = &r->test;
    char err[256];
    if (run_setup_loop(r, err, sizeof err)) return run_fail(r, EXIT_CONFIG, err);
    atomic_store(&r->api_state, API_EXEC_INIT_VUS);
    int api_rc = run_api_start(r);
    if (api_rc) {
        run_teardown_loop(r);
        return api_rc;
    }
    /* --verbose: k6's scheduler lines around the VUs' init (internal/execution
     * scheduler.go initVUsAndExecutors, field phase) */
    char extra[128];
    snprintf(extra, sizeof extra, " executorsCount=%d neededVUs=%lld phase=execution-scheduler-init", t->nscen,
             (long long)t->init_vus);
    log_msg(LOG_DEBUG, extra, "Start of initialization", strlen("Start of initialization"));
    run_spawn_workers(r);
    pthread_mutex_lock(&r->special_lock);
    r->workers_live = true;
    pthread_mutex_unlock(&r->special_lock);
    int code = 0;
    int64_t t0 = clock_now_us();
    int init_rc = run_wait_init(r);
    log_printf(LOG_DEBUG, "initialized %d VUs in %.0f ms on %d workers", atomic_load(&t->vus_initialized),
               (double)(clock_now_us() - t0) / 1000.0, t->nworkers);
    if (!init_rc) {
        const char *ph = " phase=execution-scheduler-init";
        log_msg(LOG_DEBUG, ph, "Finished initializing needed VUs, start initializing executors...",
                strlen("Finished initializing needed VUs, start initializing executors..."));
        for (int i = 0; i < t->nscen; i++) {
            char m[300];
            int n = snprintf(m, sizeof m, "Initialized executor %s", t->scen[i].cfg->name);
            log_msg(LOG_DEBUG, ph, m, (size_t)n);
        }
        log_msg(LOG_DEBUG, ph, "Initialization completed", strlen("Initialization completed"));
    }
    if (!init_rc && r->opts.paused_set && r->opts.paused) run_wait_resume(r);
    atomic_store(&r->api_state, API_EXEC_STARTED);
    if (init_rc) {
        code = r->signals ? EXIT_ABORTED : EXIT_SCRIPT;
        /* (exec.test.abort() in the init context: its own message comes at the end) */
        if (t->init_error && !atomic_load(&t->script_aborted))
            log_msg(LOG_ERROR, NULL, t->init_error, strlen(t->init_error));
    } else if (atomic_load(&r->api_stopped) || r->signals) {
        /* stopped while paused before the start */
    } else if ((code = r->ctl ? r->ctl->start(r->ctl->arg, r) : run_setup_local(r)) != 0) {
        /* code says why. k6 still writes the end-of-test summary (and runs
         * handleSummary()): internal/cmd/run.go defers it before the run,
         * whatever Scheduler.Run returns; its test-run clock started with
         * setup() (MarkStarted) */
        if (r->setup_start_us) {
            t->start_us = r->setup_start_us;
            t->start_wall_ms = clock_wall_us() / 1000 - (clock_now_us() - r->setup_start_us) / 1000;
        }
        r->run_end_us = clock_now_us();
    } else if (!r->signals) {
        atomic_store(&r->api_state, API_EXEC_RUNNING);
        run_start(r);
        if (r->ctl) r->ctl->started(r->ctl->arg, r);
        uv_run(r->loop, UV_RUN_DEFAULT);
        r->run_end_us = clock_now_us();
        uv_timer_stop(&r->tick);
        run_metrics_stop(r);
        run_drain(r);
        atomic_store(&r->api_state, API_EXEC_TEARDOWN);
        bool here = !r->ctl || r->ctl->done(r->ctl->arg, r); /* a distributed run's teardown runs once */
        if (here && r->scr.has_teardown && !(r->opts.no_teardown_set && r->opts.no_teardown))
            code = run_special(r, CMD_TEARDOWN);
        r->teardown_end_us = clock_now_us();
    }
    bool stopped = atomic_load(&r->api_stopped) || atomic_load(&r->ctl_stop) || r->aborted ||
                   atomic_load(&t->script_aborted) || r->threshold_aborted;
    atomic_store(&r->api_state, stopped ? API_EXEC_INTERRUPTED : API_EXEC_ENDED);
    int64_t t1 = clock_now_us();
    run_stop_workers(r);
    log_printf(LOG_DEBUG, "stopped workers and freed VUs in %.0f ms", (double)(clock_now_us() - t1) / 1000.0);
    if (r->ctl && r->ctl->end) r->ctl->end(r->ctl->arg, r);
    code = run_finish(r, code, stopped);
    run_teardown_loop(r);
    return code;
}

/* The end of a test, after its iterations, teardown() and the workers'
 * stop (or the coordinator's merged run): the thresholds' verdict, the
 * summary, handleSummary(), the exit code. */
static int run_finish(run_ctx *r, int code, bool stopped) {
    c6_test *t = &r->test;
    bool agent = r->ctl && r->ctl->agent;
    /* k6 warns before the summary when a run that ended without an error
     * (no stop, no setup/teardown failure) completed no iteration
     * (internal/cmd/run.go run()) */
    if (t->start_us && code == 0 && !stopped && !agent && run_iterations_done(r) == 0)
        log_printf(LOG_WARN, "No script iterations fully finished, consider making the test duration longer");
    if (t->start_us && !agent) {
        double dur_s = (double)((r->run_end_us ? r->run_end_us : clock_now_us()) - t->start_us) / 1e6;
        bool ok = run_eval_thresholds(r, dur_s);
        run_log_threshold_errors(r);
        run_dash_end(r, dur_s);
        run_summary(r, dur_s);
        /* k6 renders the progress one last time once the summary is out
         * (internal/cmd/run.go: progressCancel runs after the summary) */
        if (r->run_end_us) run_progress(r, true);
        /* exec.test.abort() and exec.test.fail() end k6's run with their own
         * error: the crossed thresholds are then only a debug line */
        if ((!ok || r->threshold_aborted) && code == 0 && !atomic_load(&t->script_aborted) &&
            !atomic_load(&t->script_failed)) {
            code = EXIT_THRESHOLDS;
            run_log_crossed(r);
        }
    }
    run_log_script_end(r, code);
    if (r->aborted) code = EXIT_ABORTED;
    else if (atomic_load(&r->api_stopped)) code = EXIT_API_STOP;
    else if (atomic_load(&t->script_aborted)) code = EXIT_SCRIPT_ABORT;
    else if (atomic_load(&t->script_failed) && code == 0) code = EXIT_SCRIPT_FAIL;
    else if (atomic_load(&r->ctl_stop) && code == 0) code = atomic_load(&r->ctl_stop);
    if (r->args.linger && !r->signals) {
        /* k6's --linger: the REST API stays up (status, metrics) until a signal */
        log_printf(LOG_INFO, "the test is over; lingering until SIGINT/SIGTERM (--linger)");
        fflush(stdout);
        r->lingering = true;
        while (!r->signals) uv_run(r->loop, UV_RUN_DEFAULT);
    }
    return code;
}

/* The coordinator of a distributed run: the agents run the test, its
 * metrics merge into r->eng; the end is `c6 run`'s. */
static int run_coordinate(run_ctx *r) {
    char err[256];
    if (run_setup_loop(r, err, sizeof err)) return run_fail(r, EXIT_CONFIG, err);
    int code = r->ctl->coordinate(r->ctl->arg, r);
    bool stopped = code != 0 || r->threshold_aborted;
    code = run_finish(r, code, stopped);
    run_teardown_loop(r);
    return code;
}

/* The test's run-time state from the consolidated options. */
static void run_test_state(run_ctx *r) {
    r->test.opts = &r->opts;
    r->test.user_agent = r->opts.user_agent_set ? r->opts.user_agent : NULL;
    if (r->opts.rps_set && r->opts.rps > 0)
        r->test.rps_interval_us = 1000000 / r->opts.rps > 0 ? 1000000 / r->opts.rps : 1;
    if (r->opts.http_debug_set && r->opts.http_debug[0] && strcmp(r->opts.http_debug, "false") != 0)
        r->test.http_debug = strcmp(r->opts.http_debug, "full") == 0 ? 2 : 1;
    r->test.min_iter_us = r->opts.min_iteration_duration_set ? r->opts.min_iteration_duration_us : 0;
    r->test.insecure_skip_tls_verify = r->opts.insecure_skip_tls_verify;
    run_http_options(r);
    run_make_scenarios(r);
    coro_set_guards(r->test.plan.stack_guards);
    r->test.options_json = options_to_json(&r->opts, &r->test.plan);
}

int run_main(int argc, char **argv) { return run_main_mode(argc, argv, MODE_RUN); }

int run_main_mode(int argc, char **argv, int mode) { return run_main_with(argc, argv, mode, NULL); }

int run_main_with(int argc, char **argv, int mode, const run_controller *ctl) {
    static run_ctx rc;
    run_ctx *r = &rc;
    memset(r, 0, sizeof *r);
    r->ctl = ctl;
    pthread_mutex_init(&r->eng_lock, NULL);
    pthread_mutex_init(&r->special_lock, NULL);
    char err[8192];
    /* k6 logs command-line errors with its default logger (text on stderr)
     * and exits 255: they carry no exit code (internal/cmd/root.go, execute) */
    if ((mode == MODE_ARCHIVE ? args_parse_archive : args_parse_run)(argc, argv, &r->args, err, sizeof err)) {
        log_msg(LOG_ERROR, NULL, err, strlen(err));
        args_free(&r->args);
        return EXIT_FLAGS;
    }
    if (r->args.help) {
        args_print_help(stdout);
        args_free(&r->args);
        return 0;
    }
    log_set_verbose(r->args.verbose);
    log_set_ns_timestamps(r->args.log_ns_timestamps);
    {
        /* k6's setupLoggers: an unknown output is a plain error (255), an
         * unknown format exitcodes.InvalidConfig (104) */
        log_format lf = LOG_FMT_TEXT;
        if (r->args.log_output && log_set_output(r->args.log_output, err, sizeof err)) {
            log_msg(LOG_ERROR, NULL, err, strlen(err));
            args_free(&r->args);
            return EXIT_FLAGS;
        }
        if (r->args.log_format && log_parse_format(r->args.log_format, &lf) != 0) {
            snprintf(err, sizeof err, "unsupported log format \"%s\", must be one of: text, json, raw",
                     r->args.log_format);
            log_msg(LOG_ERROR, NULL, err, strlen(err));
            args_free(&r->args);
            return EXIT_CONFIG;
        }
        log_set_format(lf);
        if (r->args.console_output && log_set_console_output(r->args.console_output, err, sizeof err)) {
            log_msg(LOG_ERROR, NULL, err, strlen(err));
            args_free(&r->args);
            return EXIT_CONFIG;
        }
    }
    (void)vu_free_at_exit(); /* read C6_FREE_VUS once, before any worker asks */
    capacity_raise_nofile(); /* as Go's runtime does for k6 (os.init, since Go 1.19) */
    r->tty = isatty(STDOUT_FILENO);
    registry_init();
    script_init(&r->scr);
    options_init(&r->opts);
    sample_buf_init(&r->main_samples);
    r->eng = engine_new();
    if (r->args.summary_mode && strcmp(r->args.summary_mode, "full") == 0) engine_enable_breakdown(r->eng);
    engine_add_source(r->eng, &r->main_samples);
    r->test.script = &r->scr;
    r->test.env = run_build_env(&r->args);
    char abs[PATH_MAX];
    int code = 0;
    bool from_stdin = strcmp(r->args.script, "-") == 0;
    if (from_stdin) { /* k6 run -: the script comes on stdin; imports resolve from the working directory */
        if (!getcwd(abs, sizeof abs - 2)) snprintf(abs, sizeof abs, ".");
        strcat(abs, "/-");
        if (script_add_stream(&r->scr, abs, stdin) != 0) {
            char why[128];
            snprintf(err, sizeof err, "cannot read the script from stdin: %s",
                     script_read_error(errno, why, sizeof why));
            code = run_fail(r, EXIT_SCRIPT, err);
        }
    }
    if (code) {
        /* reported */
    } else if (!from_stdin && !realpath(r->args.script, abs)) {
        /* internal/loader/readsource.go -> loader.go, fileSchemeCouldntBeLoadedMsg */
        snprintf(err, sizeof err,
                 "The moduleSpecifier \"%s\" couldn't be found on local disk. "
                 "Make sure that you've specified the right path to the file. If you're running k6 using the "
                 "Docker image make sure you have mounted the local directory (-v /local/path/:/inside/docker/path) "
                 "containing your script and modules so that they're accessible by k6 from inside of the "
                 "container, see https://grafana.com/docs/k6/latest/using-k6/modules/#use-modules-with-docker",
                 r->args.script);
        code = run_fail(r, EXIT_SCRIPT, err);
    } else if ((code = run_archive_open(r, abs, sizeof abs, err, sizeof err)) != 0) {
        run_fail(r, code, err);
    } else if ((r->scr.main_path = strdup(abs)), (code = run_compile(r, err, sizeof err)) != 0) {
        /* an exception of the init code: k6's scriptExceptionError adds hint="script exception"
         * (internal/js/runner.go, errext.Format) */
        if (r->scr.init_threw && !r->scr.load_error)
            log_msg(LOG_ERROR, " hint=\"script exception\" source=stacktrace", err, strlen(err));
        else run_fail(r, code, err);
    } else if (run_options(r, err, sizeof err) || run_validate(r, err, sizeof err) ||
               run_c6_metrics(r, err, sizeof err) || run_thresholds(r, err, sizeof err) ||
               run_check_config(r, err, sizeof err)) {
        code = run_fail(r, EXIT_CONFIG, err);
    } else if (mode == MODE_ARCHIVE) { /* k6 archive opens no outputs */
        code = run_archive_write(r);
    } else if (mode == MODE_COORD) { /* the coordinator: no outputs, the agents open theirs */
        run_test_state(r);
        /* but the web dashboard of its environment (K6_WEB_DASHBOARD*, not
         * shipped to the agents), from the merged metrics */
        if (dash_config_read(&r->dash_cfg, environ, NULL, err, sizeof err)) {
            code = run_fail(r, EXIT_CONFIG, err);
        } else if (run_dash_start(r, false, err, sizeof err)) {
            code = run_fail(r, EXIT_OUTPUT, err);
        } else if ((code = ctl->archive(ctl->arg, r)) == 0) {
            run_banner(r);
            code = run_coordinate(r);
        }
    } else if ((code = run_open_outputs(r, err, sizeof err)) != 0) {
        code = run_fail(r, code, err);
    } else if (mode != MODE_RUN) {
        code = run_inspect_print(r, mode);
    } else if (run_check_fds(r, err, sizeof err)) {
        code = run_fail(r, EXIT_CONFIG, err);
    } else {
        run_test_state(r);
        if (run_dash_start(r, true, err, sizeof err)) {
            code = run_fail(r, EXIT_OUTPUT, err);
        } else {
            /* the banner shows the page's URL before run_execute starts the
             * REST API: a page opened at once waits for it */
            if (r->args.address && *r->args.address) dash_expect_api(r->dash, true);
            run_banner(r);
            code = run_execute(r);
        }
    }
    run_free(r);
    log_close();
    return code;
}
