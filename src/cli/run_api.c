/* The REST API (k6's --address): the run's side of api_ops. Callbacks run
 * on the API server's thread: they read atomics, and take eng_lock to read
 * the engine, which the metrics thread drains under it. */
#include <limits.h>
#include <stdio.h>
#include "util/err.h"
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "cli/run_ctx.h"
#include "output/dashboard.h"
#include "config/executor_def.h"
#include "exec/executor.h"
#include "metrics/registry.h"
#include "util/clock.h"
#include "util/grouppath.h"
#include "util/log.h"

static void run_api_op_status(void *ctx, api_status *out) {
    run_ctx *r = ctx;
    int st = atomic_load(&r->api_state);
    out->status = (api_exec_status)st;
    out->paused = atomic_load(&r->test.paused);
    out->vus = atomic_load(&r->test.vus_active);
    out->vus_max = atomic_load(&r->test.vus_initialized);
    out->stopped = atomic_load(&r->api_stopped) || test_phase(&r->test) >= PHASE_HARD_STOP;
    out->running = st >= API_EXEC_STARTED && st < API_EXEC_ENDED;
    out->tainted = atomic_load(&r->tainted);
}

static void run_api_op_stop(void *ctx) {
    run_ctx *r = ctx;
    atomic_store(&r->api_stopped, 1);
    uv_async_send(&r->wake);
}

static int run_api_op_set_paused(void *ctx, bool paused, char *err, size_t errlen) {
    run_ctx *r = ctx;
    c6_test *t = &r->test;
    if (r->ctl && r->ctl->coordinate) { /* (500 "Pause error", as k6 answers a pause it cannot make) */
        snprintf(err, errlen, "a distributed run (c6 coordinator) doesn't support pause and resume operations");
        return -1;
    }
    if (atomic_load(&t->paused) == paused) {
        snprintf(err, errlen, paused ? "test execution was already paused" : "test execution wasn't paused");
        return -1;
    }
    /* once running, only the externally-controlled executor can pause, as in k6 */
    if (atomic_load(&r->api_state) >= API_EXEC_STARTED && atomic_load(&r->api_state) != API_EXEC_PAUSED_BEFORE_RUN) {
        for (int i = 0; i < t->nscen; i++) {
            const c6_scenario *c = t->scen[i].cfg;
            if (executor_def(c->executor)->controlled) continue;
            snprintf(err, errlen, "%s executor '%s' doesn't support pause and resume operations after its start",
                     executor_name(c->executor), c->name);
            return -1;
        }
    }
    atomic_store(&t->paused, paused);
    uv_async_send(&r->wake);
    return 0;
}

/* How long a PATCH raising vus-max waits for the new VUs' init. */
#define API_VU_INIT_WAIT_US (60 * 1000000LL)

/* Roughly how many more VUs the machine can hold: MemAvailable over the
 * memory a VU takes now (this process's resident memory over its VUs, at
 * least 256 KiB). Unknown (no /proc): no limit but INT_MAX. */
static int64_t run_api_vu_room(run_ctx *r) {
    long long avail_kb = -1, rss_kb = -1;
    char line[256];
    FILE *f = fopen("/proc/meminfo", "r");
    if (f) {
        while (fgets(line, sizeof line, f))
            if (sscanf(line, "MemAvailable: %lld kB", &avail_kb) == 1) break;
        fclose(f);
    }
    if ((f = fopen("/proc/self/status", "r"))) {
        while (fgets(line, sizeof line, f))
            if (sscanf(line, "VmRSS: %lld kB", &rss_kb) == 1) break;
        fclose(f);
    }
    if (avail_kb < 0 || rss_kb < 0) return INT_MAX;
    long long per_vu = rss_kb / (atomic_load(&r->test.vus_initialized) + 1);
    if (per_vu < 256) per_vu = 256;
    return avail_kb / per_vu;
}

static api_scale_result run_api_op_scale(void *ctx, const int64_t *vus, const int64_t *vus_max, char *err,
                                         size_t errlen) {
    run_ctx *r = ctx;
    scen_rt *sc = NULL;
    for (int i = 0; i < r->test.nscen && !sc; i++)
        if (executor_def(r->test.scen[i].cfg->executor)->controlled) sc = &r->test.scen[i];
    if (!sc) return API_SCALE_NO_EXECUTOR;
    if (r->ctl && r->ctl->coordinate) { /* (400 "Config update error") */
        snprintf(err, errlen, "a distributed run (c6 coordinator) doesn't support changing the number of VUs");
        return API_SCALE_REJECTED;
    }
    int64_t max = vus_max ? *vus_max : atomic_load(&sc->ext_max);
    int64_t want = vus ? *vus : atomic_load(&sc->ext_vus);
    /* k6 lib/executor/externally_controlled.go UpdateConfig: the params'
     * Validate() errors joined under "invalid configuration supplied: ",
     * then the maxVUs floor */
    char errs[2][160];
    int nerr = 0;
    if (want < 0) snprintf(errs[nerr++], sizeof errs[0], "the number of VUs can't be negative");
    if (max < want)
        snprintf(errs[nerr++], sizeof errs[0],
                 "the number of active VUs (%lld) must be less than or equal to the number of maxVUs (%lld)",
                 (long long)want, (long long)max);
    if (nerr) {
        snprintf(err, errlen, "invalid configuration supplied: %s%s%s", errs[0], nerr > 1 ? ", " : "",
                 nerr > 1 ? errs[1] : "");
        return API_SCALE_REJECTED;
    }
    int64_t start_max = sc->cfg->max_vus; /* (the configured number, unscaled, as k6 compares it) */
    if (vus_max && *vus_max < start_max) {
        snprintf(err, errlen, "the new number of max VUs cannot be lower than the starting number of max VUs (%lld)",
                 (long long)start_max);
        return API_SCALE_REJECTED;
    }
    /* k6 would start initializing billions of VUs (and run out of memory);
     * c6 refuses a maxVUs it cannot hold: its VU numbers are ints, and the
     * VUs to add must fit in the memory the machine has available */
    int64_t cur_max = atomic_load(&sc->ext_max), room = run_api_vu_room(r);
    if (max > cur_max && (max > INT_MAX || max - cur_max > room)) {
        snprintf(err, errlen,
                 "the new number of max VUs (%lld) is more than this machine can initialize "
                 "(at most %lld more VUs fit in the available memory)",
                 (long long)max, (long long)room);
        return API_SCALE_REJECTED;
    }
    int before = atomic_load(&r->test.vus_initialized);
    atomic_store(&sc->ext_max, max);
    atomic_store(&sc->ext_vus, (int)want);
    /* As k6's executor, a running test initializes the new VUs before the
     * PATCH answers, so that the status it returns shows them in vus-max
     * (bounded: the workers add them on their next ticks). */
    if (max > cur_max && atomic_load(&r->api_state) == API_EXEC_RUNNING) {
        int64_t goal = before + (max - cur_max), t0 = clock_now_us();
        while (atomic_load(&r->test.vus_initialized) < goal && clock_now_us() - t0 < API_VU_INIT_WAIT_US &&
               test_phase(&r->test) < PHASE_HARD_STOP)
            usleep(5000);
    }
    return API_SCALE_OK;
}

static int run_api_metric_tainted(const run_ctx *r, const char *name) {
    int t = -1;
    for (size_t i = 0; i < r->nthr; i++)
        if (strcmp(r->thr[i].metric, name) == 0) t = (t == 1 || !r->thr[i].ok) ? 1 : 0;
    return t;
}

static void run_api_emit_metric(run_ctx *r, const char *name, const metric_def *d, const sink *s, double dur_s,
                                api_metric_fn emit, void *arg) {
    api_metric m = {.name = name, .tainted = run_api_metric_tainted(r, name)};
    m.type = d->type == METRIC_COUNTER ? API_COUNTER
             : d->type == METRIC_GAUGE ? API_GAUGE
             : d->type == METRIC_RATE  ? API_RATE
                                       : API_TREND;
    m.contains = d->kind == VALUE_TIME ? API_TIME : d->kind == VALUE_DATA ? API_DATA : API_DEFAULT;
    switch (d->type) {
    case METRIC_COUNTER:
        sink_agg(s, "count", dur_s, &m.sample.counter.count);
        sink_agg(s, "rate", dur_s, &m.sample.counter.rate);
        break;
    case METRIC_GAUGE: sink_agg(s, "value", dur_s, &m.sample.gauge.value); break;
    case METRIC_RATE: sink_agg(s, "rate", dur_s, &m.sample.rate.rate); break;
    case METRIC_TREND:
        sink_agg(s, "min", dur_s, &m.sample.trend.min);
        sink_agg(s, "max", dur_s, &m.sample.trend.max);
        sink_agg(s, "avg", dur_s, &m.sample.trend.avg);
        sink_agg(s, "med", dur_s, &m.sample.trend.med);
        sink_agg(s, "p(90)", dur_s, &m.sample.trend.p90);
        sink_agg(s, "p(95)", dur_s, &m.sample.trend.p95);
        break;
    }
    emit(arg, &m);
}

static void run_api_op_metrics(void *ctx, const char *name, api_metric_fn emit, void *arg) {
    run_ctx *r = ctx;
    int64_t start = r->test.start_us;
    double dur_s = start ? (double)(clock_now_us() - start) / 1e6 : 0;
    pthread_mutex_lock(&r->eng_lock);
    for (int i = 0; i < registry_count(); i++) {
        const sink *s = engine_sink(r->eng, i);
        const metric_def *d = registry_get(i);
        if (s && (!name || strcmp(name, d->name) == 0)) run_api_emit_metric(r, d->name, d, s, dur_s, emit, arg);
    }
    for (int i = 0; i < engine_submetric_count(r->eng); i++) {
        const sink *s = engine_submetric_sink(r->eng, i);
        const char *sn = engine_submetric_name(r->eng, i);
        if (s && (!name || strcmp(name, sn) == 0))
            run_api_emit_metric(r, sn, registry_get(engine_submetric_parent(r->eng, i)), s, dur_s, emit, arg);
    }
    pthread_mutex_unlock(&r->eng_lock);
}

/* Groups as the checks name them (the engine knows groups by their samples'
 * tags), each after its parent: the root, then the paths in first-seen order. */
static void run_api_op_groups(void *ctx, api_group_fn emit, void *arg) {
    run_ctx *r = ctx;
    pthread_mutex_lock(&r->eng_lock);
    const engine_check *ec;
    size_t nc = engine_checks(r->eng, &ec);
    const char *const *ran;
    group_path_list known = {NULL, engine_groups(r->eng, &ran)};
    known.paths = ran;
    size_t cap = nc * 8 + 1;
    const char **paths = calloc(cap, sizeof *paths);
    api_check *cks = calloc(nc + 1, sizeof *cks);
    if (!paths || !cks) {
        pthread_mutex_unlock(&r->eng_lock);
        free(paths);
        free(cks);
        return;
    }
    size_t np = 0;
    paths[np++] = "";
    for (size_t i = 0; i < nc; i++) {
        /* the path and every ancestor ("::a", "::a::b"), outermost first,
         * cut where k6 joined the names (util/grouppath.h) */
        const char *g = ec[i].group ? ec[i].group : "";
        size_t cuts[64], ncuts = 0, len = strlen(g);
        char *prefix = strdup(g);
        while (prefix && len && ncuts < 64) {
            cuts[ncuts++] = len;
            prefix[len] = '\0';
            ssize_t pl = group_path_parent(prefix, group_path_in_list, &known);
            len = pl < 0 ? 0 : (size_t)pl;
        }
        free(prefix);
        while (ncuts--) {
            size_t l = cuts[ncuts];
            bool seen = false;
            for (size_t k = 0; k < np && !seen; k++) seen = strlen(paths[k]) == l && !strncmp(paths[k], g, l);
            if (!seen && np < cap) {
                char *copy = strndup(g, l);
                if (copy) paths[np++] = copy;
            }
        }
    }
    for (size_t k = 0; k < np; k++) {
        size_t n = 0;
        for (size_t i = 0; i < nc; i++)
            if (strcmp(ec[i].group, paths[k]) == 0)
                cks[n++] = (api_check){ec[i].name, (int64_t)ec[i].passes, (int64_t)ec[i].fails};
        api_group g = {paths[k], cks, n};
        emit(arg, &g);
    }
    pthread_mutex_unlock(&r->eng_lock);
    for (size_t k = 1; k < np; k++) free((char *)paths[k]);
    free(paths);
    free(cks);
}

/* ---- /v1/setup and /v1/teardown ---- */

static char *run_api_op_setup_data(void *ctx) {
    run_ctx *r = ctx;
    pthread_mutex_lock(&r->special_lock);
    const char *j = atomic_load(&r->test.setup_json);
    char *copy = j ? xstrdup(j) : NULL;
    pthread_mutex_unlock(&r->special_lock);
    return copy;
}

static void run_api_op_set_setup_data(void *ctx, char *json) {
    run_ctx *r = ctx;
    pthread_mutex_lock(&r->special_lock);
    run_set_setup_json(r, json);
    pthread_mutex_unlock(&r->special_lock);
}

/* setup() or teardown() on worker 0 from the API's thread, as the main
 * thread runs them (run_special_on), the special lock keeping them apart:
 * the same time limit, the same errors. */
static int run_api_special(run_ctx *r, enum worker_cmd cmd, char *err, size_t errlen) {
    const char *name = cmd == CMD_SETUP ? "setup" : "teardown";
    if (!(cmd == CMD_SETUP ? r->scr.has_setup : r->scr.has_teardown)) return 0; /* k6: nothing to run */
    pthread_mutex_lock(&r->special_lock);
    if (!r->workers_live) {
        pthread_mutex_unlock(&r->special_lock);
        snprintf(err, errlen, "cannot run %s(): the test's VUs are not running", name);
        return -1;
    }
    worker *w = r->test.workers[0];
    int64_t limit = run_special_limit_us(r, cmd), t0 = clock_now_us();
    bool timed_out = false;
    atomic_store(&w->special_done, 0);
    atomic_store(&r->test.special_stop, 0);
    worker_command(w, cmd);
    while (!atomic_load(&w->special_done)) {
        if (!timed_out && limit > 0 && clock_now_us() - t0 >= limit) {
            timed_out = true;
            atomic_store(&r->test.special_stop, 1);
            worker_command(w, CMD_STOP_SPECIAL);
        }
        usleep(2000);
    }
    int rc = 0;
    if (timed_out) { /* k6's timeoutError text */
        snprintf(err, errlen, "%s() execution timed out after %.0f seconds", name, (double)limit / 1e6);
        rc = -1;
    } else if (w->special && w->special->error) {
        snprintf(err, errlen, "%s", w->special->error);
        rc = -1;
    } else if (cmd == CMD_SETUP && w->special) {
        const char *res = w->special->result_json;
        char *copy = res ? strdup(res) : NULL;
        if (res && !copy) {
            snprintf(err, errlen, "out of memory");
            rc = -1;
        } else {
            run_set_setup_json(r, copy);
        }
    }
    atomic_store(&r->test.special_stop, 0);
    pthread_mutex_unlock(&r->special_lock);
    return rc;
}

static int run_api_op_run_setup(void *ctx, char *err, size_t errlen) {
    return run_api_special(ctx, CMD_SETUP, err, errlen);
}

static int run_api_op_run_teardown(void *ctx, char *err, size_t errlen) {
    return run_api_special(ctx, CMD_TEARDOWN, err, errlen);
}

static const api_ops run_api_ops = {
    run_api_op_status, run_api_op_stop,       run_api_op_set_paused,     run_api_op_scale,     run_api_op_metrics,
    run_api_op_groups, run_api_op_setup_data, run_api_op_set_setup_data, run_api_op_run_setup, run_api_op_run_teardown,
};

/* Starts the API on --address (k6's default localhost:6565). A bind error
 * is fatal (exit 106) only when the address was given explicitly. */
int run_api_start(run_ctx *r) {
    const char *addr = r->args.address;
    if (!addr || !*addr) return 0;
    char err[512];
    r->api = api_server_start(addr, &run_api_ops, r, err, sizeof err);
    if (r->api) {
        dash_set_api(r->dash, addr, api_server_port(r->api)); /* the page's controls */
        return 0;
    }
    dash_expect_api(r->dash, false); /* (a page's request waiting for it is told it is off) */
    if (r->args.address_set) {
        log_printf(LOG_ERROR, "Error from API server: %s", err);
        return EXIT_API_LISTEN;
    }
    log_printf(LOG_WARN, "Error from API server: %s", err);
    return 0;
}
