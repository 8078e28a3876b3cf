/* The "k6/execution" module:
 * exec.vu (idInTest, idInInstance, iterationInInstance, iterationInScenario),
 * exec.scenario (name, executor, startTime, progress, iterationInInstance,
 * iterationInTest) of the scenario the VU works for,
 * exec.instance (vusActive, vusInitialized, iterationsCompleted,
 * iterationsInterrupted, currentTestRunDuration), exec.test.abort([reason])
 * (stops the test, teardown runs, exit 108) and exec.test.fail([reason])
 * (the run goes on, exit 110). Values are read when accessed. */
#include <pthread.h>
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
/* exec.test.options: the consolidated options, parsed once per VU and frozen. */
static JSValue exec_options(JSContext *ctx, JSValueConst this_val) {
    vu *v = vu_from_ctx(ctx);
    if (!v->test || !v->test->options_json) return JS_UNDEFINED;
    JSValue o = JS_ParseJSON(ctx, v->test->options_json, strlen(v->test->options_json), "options");
    if (JS_IsException(o)) return o;
    JS_DefinePropertyValueStr(ctx, this_val, "options", JS_DupValue(ctx, o), JS_PROP_ENUMERABLE);
    return o;
}

static const JSCFunctionListEntry exec_test[] = {
    JS_CFUNC_DEF("abort", 1, exec_abort),
    JS_CFUNC_DEF("fail", 1, exec_fail),
    JS_CGETSET_DEF("options", exec_options, NULL),
};

/* ---- exec.vu.tags: the VU's own tags, an object the script reads and writes ----
 * Set values must be strings, numbers or booleans (stored as strings, as k6
 * does); they go on every later sample of the VU, across iterations. The
 * scenario tag reads as the scenario's name. */

static JSClassID tags_class_id;
static pthread_once_t tags_once = PTHREAD_ONCE_INIT;
static void tags_new_class_id(void) { JS_NewClassID(&tags_class_id); }

static int tags_find(const vu *v, const char *k) {
    for (int i = 0; i < v->nutags; i++)
        if (strcmp(v->utags[i].key, k) == 0) return i;
    return -1;
}

static const char *tags_value(vu *v, const char *k) {
    int i = tags_find(v, k);
    if (i >= 0) return v->utags[i].value;
    if (strcmp(k, "scenario") == 0) return v->scenario;
    return NULL;
}

static int tags_get_own(JSContext *ctx, JSPropertyDescriptor *desc, JSValueConst obj, JSAtom prop) {
    vu *v = vu_from_ctx(ctx);
    const char *k = JS_AtomToCString(ctx, prop);
    const char *val = k ? tags_value(v, k) : NULL;
    JS_FreeCString(ctx, k);
    if (!val) return 0;
    if (desc) {
        desc->flags = JS_PROP_ENUMERABLE | JS_PROP_WRITABLE | JS_PROP_CONFIGURABLE;
        desc->value = JS_NewString(ctx, val);
        desc->getter = desc->setter = JS_UNDEFINED;
    }
    return 1;
}

static int tags_own_names(JSContext *ctx, JSPropertyEnum **ptab, uint32_t *plen, JSValueConst obj) {
    vu *v = vu_from_ctx(ctx);
    bool scen = v->scenario && tags_find(v, "scenario") < 0;
    uint32_t n = (uint32_t)v->nutags + scen;
    JSPropertyEnum *tab = js_mallocz(ctx, sizeof *tab * (n ? n : 1));
    if (!tab) return -1;
    for (int i = 0; i < v->nutags; i++) tab[i].atom = JS_NewAtom(ctx, v->utags[i].key);
    if (scen) tab[n - 1].atom = JS_NewAtom(ctx, "scenario");
    *ptab = tab;
    *plen = n;
    return 0;
}

static int tags_set(JSContext *ctx, JSAtom prop, JSValueConst val) {
    vu *v = vu_from_ctx(ctx);
    if (!JS_IsString(val) && !JS_IsNumber(val) && !JS_IsBool(val)) {
        JS_ThrowTypeError(ctx, "exec.vu.tags: only String, Boolean and Number types are accepted as a tag value");
        return -1;
    }
    const char *k = JS_AtomToCString(ctx, prop), *s = JS_ToCString(ctx, val);
    if (!k || !s) { JS_FreeCString(ctx, k); JS_FreeCString(ctx, s); return -1; }
    int i = tags_find(v, k);
    if (i < 0) {
        v->utags = realloc(v->utags, (size_t)(v->nutags + 1) * sizeof *v->utags);
        i = v->nutags++;
        v->utags[i].key = strdup(k);
    } else {
        free((char *)v->utags[i].value);
    }
    v->utags[i].value = strdup(s);
    JS_FreeCString(ctx, k);
    JS_FreeCString(ctx, s);
    return 1;
}

static int tags_define(JSContext *ctx, JSValueConst this_obj, JSAtom prop, JSValueConst val, JSValueConst getter,
                       JSValueConst setter, int flags) {
    return tags_set(ctx, prop, val);
}

static int tags_set_property(JSContext *ctx, JSValueConst obj, JSAtom prop, JSValueConst val, JSValueConst receiver,
                             int flags) {
    return tags_set(ctx, prop, val);
}

static int tags_delete(JSContext *ctx, JSValueConst obj, JSAtom prop) {
    vu *v = vu_from_ctx(ctx);
    const char *k = JS_AtomToCString(ctx, prop);
    int i = k ? tags_find(v, k) : -1;
    JS_FreeCString(ctx, k);
    if (i >= 0) {
        free((char *)v->utags[i].key);
        free((char *)v->utags[i].value);
        v->utags[i] = v->utags[--v->nutags];
    }
    return 1;
}

static JSClassExoticMethods tags_exotic = {
    .get_own_property = tags_get_own,
    .get_own_property_names = tags_own_names,
    .delete_property = tags_delete,
    .define_own_property = tags_define,
    .set_property = tags_set_property,
};

static JSClassDef tags_class = {.class_name = "VUTags", .exotic = &tags_exotic};

void execution_class_init(JSRuntime *rt) {
    pthread_once(&tags_once, tags_new_class_id);
    JS_NewClass(rt, tags_class_id, &tags_class);
}

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
    /* exec.vu.tags, and exec.vu.metrics.tags (the same object, as k6) */
    JSValue tags = JS_NewObjectClass(ctx, (int)tags_class_id), metrics = JS_NewObject(ctx);
    JS_SetPropertyStr(ctx, metrics, "tags", JS_DupValue(ctx, tags));
    JS_DefinePropertyValueStr(ctx, parts[0], "tags", tags, JS_PROP_ENUMERABLE);
    JS_DefinePropertyValueStr(ctx, parts[0], "metrics", metrics, JS_PROP_ENUMERABLE);
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
