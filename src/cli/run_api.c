/* The REST API (k6's --address): the run's side of api_ops. Callbacks run
 * on the API server's thread: they read atomics, and take eng_lock to read
 * the engine, which the metrics thread drains under it. */
#include <stdio.h>
#include "util/err.h"
#include <stdlib.h>
#include <string.h>
#include "cli/run_ctx.h"
#include "config/executor_def.h"
#include "exec/executor.h"
#include "metrics/registry.h"
#include "util/clock.h"
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

static api_scale_result run_api_op_scale(void *ctx, const int64_t *vus, const int64_t *vus_max, char *err, size_t errlen) {
    run_ctx *r = ctx;
    scen_rt *sc = NULL;
    for (int i = 0; i < r->test.nscen && !sc; i++)
        if (executor_def(r->test.scen[i].cfg->executor)->controlled) sc = &r->test.scen[i];
    if (!sc) return API_SCALE_NO_EXECUTOR;
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
        snprintf(err, errlen, "invalid configuration supplied: %s%s%s", errs[0], nerr > 1 ? ", " : "", nerr > 1 ? errs[1] : "");
        return API_SCALE_REJECTED;
    }
    int64_t start_max = sc->cfg->max_vus;   /* (the configured number, unscaled, as k6 compares it) */
    if (vus_max && *vus_max < start_max) {
        snprintf(err, errlen, "the new number of max VUs cannot be lower than the starting number of max VUs (%lld)",
                 (long long)start_max);
        return API_SCALE_REJECTED;
    }
    atomic_store(&sc->ext_max, max);
    atomic_store(&sc->ext_vus, (int)want);
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
    m.type = d->type == METRIC_COUNTER ? API_COUNTER : d->type == METRIC_GAUGE ? API_GAUGE
           : d->type == METRIC_RATE ? API_RATE : API_TREND;
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
    const char **paths = xcalloc(nc * 8 + 1, sizeof *paths);   /* x*: one API answer, small */
    size_t np = 0;
    paths[np++] = "";
    for (size_t i = 0; i < nc; i++) {
        /* the path and every ancestor ("::a", "::a::b") */
        const char *g = ec[i].group;
        for (const char *p = g; p && *p; ) {
            const char *next = strstr(p + 2, "::");
            size_t len = next ? (size_t)(next - g) : strlen(g);
            bool seen = false;
            for (size_t k = 0; k < np && !seen; k++) seen = strlen(paths[k]) == len && !strncmp(paths[k], g, len);
            if (!seen && np < nc * 8) paths[np++] = xstrndup(g, len);
            p = next;
        }
    }
    api_check *cks = xcalloc(nc + 1, sizeof *cks);
    for (size_t k = 0; k < np; k++) {
        size_t n = 0;
        for (size_t i = 0; i < nc; i++)
            if (strcmp(ec[i].group, paths[k]) == 0) cks[n++] = (api_check){ec[i].name, (int64_t)ec[i].passes, (int64_t)ec[i].fails};
        api_group g = {paths[k], cks, n};
        emit(arg, &g);
    }
    pthread_mutex_unlock(&r->eng_lock);
    for (size_t k = 1; k < np; k++) free((char *)paths[k]);
    free(paths);
    free(cks);
}

static const api_ops run_api_ops = {
    run_api_op_status, run_api_op_stop, run_api_op_set_paused, run_api_op_scale, run_api_op_metrics, run_api_op_groups,
};

/* Starts the API on --address (k6's default localhost:6565). A bind error
 * is fatal (exit 106) only when the address was given explicitly. */
int run_api_start(run_ctx *r) {
    const char *addr = r->args.address;
    if (!addr || !*addr) return 0;
    char err[512];
    r->api = api_server_start(addr, &run_api_ops, r, err, sizeof err);
    if (r->api) return 0;
    if (r->args.address_set) {
        log_printf(LOG_ERROR, "Error from API server: %s", err);
        return EXIT_API_LISTEN;
    }
    log_printf(LOG_WARN, "Error from API server: %s", err);
    return 0;
}
