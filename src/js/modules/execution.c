/* The "k6/execution" module:
 * exec.vu (idInTest, idInInstance, iterationInInstance, iterationInScenario),
 * exec.scenario (name, executor, startTime, progress, iterationInInstance,
 * iterationInTest) of the scenario the VU works for,
 * exec.instance (vusActive, vusInitialized, iterationsCompleted,
 * iterationsInterrupted, currentTestRunDuration), exec.test.abort([reason])
 * (stops the test, teardown runs, exit 108) and exec.test.fail([reason])
 * (the run goes on, exit 110). Values are read when accessed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "exec/test.h"
#include "js/vm.h"
#include "util/clock.h"
#include "util/log.h"

enum { X_VU_ID, X_VU_ITER, X_VU_SC_ITER, X_SC_NAME, X_SC_EXECUTOR, X_SC_START, X_SC_ITER, X_SC_PROGRESS,
       X_IN_ACTIVE, X_IN_INIT, X_IN_DONE, X_IN_INTERRUPTED, X_IN_DURATION };

/* exec.scenario.progress: the share of its time (or of its iterations, for
 * the iteration-based executors) that is behind it, 0..1. */
static double exec_progress(const scen_rt *sc) {
    const c6_scenario *c = sc->cfg;
    double f;
    if (c->executor == EXECUTOR_SHARED_ITERATIONS || c->executor == EXECUTOR_PER_VU_ITERATIONS) {
        double total = (double)(c->executor == EXECUTOR_SHARED_ITERATIONS ? sc->iterations : sc->vus * c->iterations);
        f = total > 0 ? (double)(atomic_load(&((scen_rt *)sc)->done) + atomic_load(&((scen_rt *)sc)->interrupted)) / total : 1;
    } else {
        int64_t d = scenario_duration_us(c);
        f = d > 0 ? (double)(clock_now_us() - atomic_load(&((scen_rt *)sc)->start_us)) / (double)d : 1;
    }
    return f < 0 ? 0 : f > 1 ? 1 : f;
}

static JSValue exec_get(JSContext *ctx, JSValueConst this_val, int magic) {
    vu *v = vu_from_ctx(ctx);
    c6_test *t = v->test;
    if (v->in_init && magic != X_IN_INIT)
        return JS_ThrowTypeError(ctx, "k6/execution: this value is not available in the init context");
    switch (magic) {
    case X_VU_ID: return JS_NewInt32(ctx, v->id);
    case X_VU_ITER: return JS_NewInt64(ctx, v->in_iteration ? v->iter : v->iter - 1);
    case X_VU_SC_ITER: return JS_NewInt64(ctx, v->in_iteration ? v->sc_iter : v->sc_iter - 1);
    case X_SC_NAME: return v->scenario ? JS_NewString(ctx, v->scenario) : JS_UNDEFINED;
    case X_SC_EXECUTOR: return v->bound ? JS_NewString(ctx, executor_name(v->bound->cfg->executor)) : JS_UNDEFINED;
    case X_SC_START:
        if (!v->bound) return JS_UNDEFINED;
        return JS_NewInt64(ctx, t->start_wall_ms + (atomic_load(&v->bound->start_us) - t->start_us) / 1000);
    case X_SC_ITER: return v->bound ? JS_NewInt64(ctx, v->sc_iter_instance) : JS_UNDEFINED;
    case X_SC_PROGRESS: return v->bound ? JS_NewFloat64(ctx, exec_progress(v->bound)) : JS_UNDEFINED;
    case X_IN_ACTIVE: return JS_NewInt32(ctx, atomic_load(&t->vus_active));
    case X_IN_INIT: return JS_NewInt32(ctx, atomic_load(&t->vus_initialized));
    case X_IN_DONE: return JS_NewInt64(ctx, atomic_load(&t->iters_done));
    case X_IN_INTERRUPTED: return JS_NewInt64(ctx, atomic_load(&t->iters_interrupted));
    case X_IN_DURATION:
        return JS_NewFloat64(ctx, t->start_us ? (double)(clock_now_us() - t->start_us) / 1000.0 : 0);
    }
    return JS_UNDEFINED;
}

static void exec_reason(JSContext *ctx, int argc, JSValueConst *argv, char *out, size_t n) {
    const char *s = argc > 0 && !JS_IsUndefined(argv[0]) ? JS_ToCString(ctx, argv[0]) : NULL;
    snprintf(out, n, "%s", s ? s : "");
    JS_FreeCString(ctx, s);
}

/* exec.test.abort(reason): the main thread stops the test; this iteration ends here. */
static JSValue exec_abort(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
    vu *v = vu_from_ctx(ctx);
    char reason[512];
    exec_reason(ctx, argc, argv, reason, sizeof reason);
    log_printf(LOG_ERROR, "test aborted%s%s", reason[0] ? ": " : "", reason);
    if (v->test) {
        atomic_store(&v->test->script_aborted, 1);
        if (v->test->main_wake) uv_async_send(v->test->main_wake);
    }
    JSValue err = JS_NewError(ctx);
    JS_SetPropertyStr(ctx, err, "message", JS_NewString(ctx, reason[0] ? reason : "test aborted"));
    JS_SetUncatchableError(ctx, err, 1);
    return JS_Throw(ctx, err);
}

static JSValue exec_fail(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
    vu *v = vu_from_ctx(ctx);
    char reason[512];
    exec_reason(ctx, argc, argv, reason, sizeof reason);
    log_printf(LOG_ERROR, "test marked as failed%s%s", reason[0] ? ": " : "", reason);
    if (v->test) atomic_store(&v->test->script_failed, 1);
    return JS_UNDEFINED;
}

static const JSCFunctionListEntry exec_vu[] = {
    JS_CGETSET_MAGIC_DEF("idInTest", exec_get, NULL, X_VU_ID),
    JS_CGETSET_MAGIC_DEF("idInInstance", exec_get, NULL, X_VU_ID),
    JS_CGETSET_MAGIC_DEF("iterationInInstance", exec_get, NULL, X_VU_ITER),
    JS_CGETSET_MAGIC_DEF("iterationInScenario", exec_get, NULL, X_VU_SC_ITER),
};
static const JSCFunctionListEntry exec_scenario[] = {
    JS_CGETSET_MAGIC_DEF("name", exec_get, NULL, X_SC_NAME),
    JS_CGETSET_MAGIC_DEF("executor", exec_get, NULL, X_SC_EXECUTOR),
    JS_CGETSET_MAGIC_DEF("startTime", exec_get, NULL, X_SC_START),
    JS_CGETSET_MAGIC_DEF("iterationInInstance", exec_get, NULL, X_SC_ITER),
    JS_CGETSET_MAGIC_DEF("iterationInTest", exec_get, NULL, X_SC_ITER),
    JS_CGETSET_MAGIC_DEF("progress", exec_get, NULL, X_SC_PROGRESS),
};
static const JSCFunctionListEntry exec_instance[] = {
    JS_CGETSET_MAGIC_DEF("vusActive", exec_get, NULL, X_IN_ACTIVE),
    JS_CGETSET_MAGIC_DEF("vusInitialized", exec_get, NULL, X_IN_INIT),
    JS_CGETSET_MAGIC_DEF("iterationsCompleted", exec_get, NULL, X_IN_DONE),
    JS_CGETSET_MAGIC_DEF("iterationsInterrupted", exec_get, NULL, X_IN_INTERRUPTED),
    JS_CGETSET_MAGIC_DEF("currentTestRunDuration", exec_get, NULL, X_IN_DURATION),
};
static const JSCFunctionListEntry exec_test[] = {
    JS_CFUNC_DEF("abort", 1, exec_abort),
    JS_CFUNC_DEF("fail", 1, exec_fail),
};

static JSValue exec_obj(JSContext *ctx, const JSCFunctionListEntry *l, int n) {
    JSValue o = JS_NewObject(ctx);
    JS_SetPropertyFunctionList(ctx, o, l, n);
    return o;
}

#define EXEC_N(a) ((int)(sizeof a / sizeof *a))

static int exec_module_set(JSContext *ctx, JSModuleDef *m) {
    JSValue def = JS_NewObject(ctx);
    JSValue parts[4] = {exec_obj(ctx, exec_vu, EXEC_N(exec_vu)), exec_obj(ctx, exec_scenario, EXEC_N(exec_scenario)),
                        exec_obj(ctx, exec_instance, EXEC_N(exec_instance)), exec_obj(ctx, exec_test, EXEC_N(exec_test))};
    static const char *const names[4] = {"vu", "scenario", "instance", "test"};
    for (int i = 0; i < 4; i++) {
        JS_SetPropertyStr(ctx, def, names[i], JS_DupValue(ctx, parts[i]));
        JS_SetModuleExport(ctx, m, names[i], parts[i]);
    }
    return JS_SetModuleExport(ctx, m, "default", def);
}

JSModuleDef *execution_module_init(JSContext *ctx, const char *name) {
    JSModuleDef *m = JS_NewCModule(ctx, name, exec_module_set);
    if (!m) return NULL;
    static const char *const names[4] = {"vu", "scenario", "instance", "test"};
    for (int i = 0; i < 4; i++) JS_AddModuleExport(ctx, m, names[i]);
    JS_AddModuleExport(ctx, m, "default");
    return m;
}
