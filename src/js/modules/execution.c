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
#include "config/executor_def.h"
#include "exec/test.h"
#include "js/vm.h"
#include "util/clock.h"
#include "util/log.h"

enum {
    X_VU_ID,
    X_VU_ITER,
    X_VU_SC_ITER,
    X_SC_NAME,
    X_SC_EXECUTOR,
    X_SC_START,
    X_SC_ITER,
    X_SC_PROGRESS,
    X_IN_ACTIVE,
    X_IN_INIT,
    X_IN_DONE,
    X_IN_INTERRUPTED,
    X_IN_DURATION
};

/* exec.scenario.progress: the share of its time (or of its iterations, for
 * the iteration-based executors) that is behind it, 0..1. */
static double exec_progress(const scen_rt *sc) {
    const c6_scenario *c = sc->cfg;
    double f;
    const c6_executor_def *x = executor_def(c->executor);
    if (x && x->planned_iterations) {
        double total = (double)x->planned_iterations(sc);
        f = total > 0
                ? (double)(atomic_load(&((scen_rt *)sc)->done) + atomic_load(&((scen_rt *)sc)->interrupted)) / total
                : 1;
    } else {
        int64_t d = scenario_duration_us(c);
        f = d > 0 ? (double)(clock_now_us() - atomic_load(&((scen_rt *)sc)->start_us)) / (double)d : 1;
    }
    return f < 0 ? 0 : f > 1 ? 1 : f;
}

/* k6 throws Go errors from this module: JS errors named GoError. */
static JSValue exec_throw(JSContext *ctx, const char *msg) {
    JSValue err = JS_NewError(ctx);
    if (JS_IsException(err)) return err;
    JS_DefinePropertyValueStr(ctx, err, "name", JS_NewString(ctx, "GoError"), JS_PROP_WRITABLE | JS_PROP_CONFIGURABLE);
    JS_DefinePropertyValueStr(ctx, err, "message", JS_NewString(ctx, msg), JS_PROP_WRITABLE | JS_PROP_CONFIGURABLE);
    return JS_Throw(ctx, err);
}

/* Where each part of the module can be read, as k6
 * (internal/js/modules/k6/execution/execution.go): exec.vu needs a VU state
 * (not the init context; setup and teardown have one), exec.scenario a
 * scenario (iterations only), exec.instance the execution state (iterations
 * and setup: teardown and handleSummary run outside of it). NULL: allowed. */
static const char *exec_unavailable(const vu *v, int magic) {
    if (magic <= X_VU_SC_ITER) return v->in_init ? "getting VU information in the init context is not supported" : NULL;
    if (magic <= X_SC_PROGRESS)
        return v->in_init || v->role != VU_REGULAR
                   ? "getting scenario information outside of the VU context is not supported"
                   : NULL;
    return v->in_init || v->role == VU_TEARDOWN || v->role == VU_SUMMARY
               ? "getting instance information in the init context is not supported"
               : NULL;
}

static JSValue exec_get(JSContext *ctx, JSValueConst this_val, int magic) {
    vu *v = vu_from_ctx(ctx);
    c6_test *t = v->test;
    const char *no = exec_unavailable(v, magic);
    if (no) return exec_throw(ctx, no);
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
    case X_IN_DURATION: return JS_NewFloat64(ctx, t->start_us ? (double)(clock_now_us() - t->start_us) / 1000.0 : 0);
    }
    return JS_UNDEFINED;
}

static void exec_reason(JSContext *ctx, int argc, JSValueConst *argv, char *out, size_t n) {
    /* k6 drops a nullish reason (common.IsNullish) */
    const char *s = argc > 0 && !JS_IsUndefined(argv[0]) && !JS_IsNull(argv[0]) ? JS_ToCString(ctx, argv[0]) : NULL;
    snprintf(out, n, "%s", s ? s : "");
    JS_FreeCString(ctx, s);
}

/* exec.test.abort(reason): the test stops at once, as k6 cancels its run
 * context: no iteration starts after it (the phase is set here, read by
 * every VU before an iteration), running ones are interrupted, teardown
 * runs, exit 108. k6 prints the reason once, after the summary, as
 * "test aborted: <reason> at <function> (<file>:<line>:<col>)"
 * (errext.AbortTest, internal/js/modules/k6/execution newTestInfo). */
static JSValue exec_abort(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
    vu *v = vu_from_ctx(ctx);
    char reason[512], frame[480];
    exec_reason(ctx, argc, argv, reason, sizeof reason);
    vu_caller_frame(ctx, frame, sizeof frame);
    c6_test *t = v->test;
    if (t && !atomic_flag_test_and_set(&t->abort_claimed)) {
        snprintf(t->abort_reason, sizeof t->abort_reason, "test aborted%s%s%s%s",
                 argc > 0 && !JS_IsUndefined(argv[0]) && !JS_IsNull(argv[0]) ? ": " : "", reason,
                 frame[0] ? " at " : "", frame);
        if (v->role == VU_REGULAR && !v->in_init) {
            v->aborting = true;
            atomic_store(&t->phase, PHASE_HARD_STOP);
        }
        atomic_store(&t->script_aborted, 1);
        if (t->main_wake) uv_async_send(t->main_wake);
    }
    JSValue err = JS_NewError(ctx);
    JS_SetPropertyStr(ctx, err, "message", JS_NewString(ctx, reason[0] ? reason : "test aborted"));
    JS_SetUncatchableError(ctx, err, 1);
    return JS_Throw(ctx, err);
}

static JSValue exec_fail(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
    vu *v = vu_from_ctx(ctx);
    if (v->in_init) return exec_throw(ctx, "execution.test.fail() called outside of VU context");
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
    if (v->in_init) return exec_throw(ctx, "getting test options in the init context is not supported");
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

/* What k6 keeps in the VU's tags (internal/js/runner.go Activate): the run's
 * tags (options.tags / --tag), the scenario's tags over them, the enabled
 * system tags (vu, iter, group, scenario), then what the script set. The
 * same list the VU's samples carry (vu_base_tags); a later key wins. */
static size_t tags_list(vu *v, tag_kv *kv) {
    size_t n = vu_base_tags(v, kv, v->group), m = 0;
    for (size_t i = 0; i < n; i++) {
        if (!kv[i].value) continue; /* setup/teardown: no scenario */
        size_t k = 0;
        while (k < m && strcmp(kv[k].key, kv[i].key) != 0) k++;
        kv[k] = kv[i];
        if (k == m) m++;
    }
    return m;
}

static const char *tags_value(vu *v, const char *k) {
    tag_kv kv[VU_BASE_TAGS];
    size_t n = tags_list(v, kv);
    for (size_t i = 0; i < n; i++)
        if (strcmp(kv[i].key, k) == 0) return kv[i].value;
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
    tag_kv kv[VU_BASE_TAGS];
    uint32_t n = (uint32_t)tags_list(v, kv);
    JSPropertyEnum *tab = js_mallocz(ctx, sizeof *tab * (n ? n : 1));
    if (!tab) return -1;
    for (uint32_t i = 0; i < n; i++) tab[i].atom = JS_NewAtom(ctx, kv[i].key);
    *ptab = tab;
    *plen = n;
    return 0;
}

static int tags_set(JSContext *ctx, JSAtom prop, JSValueConst val) {
    vu *v = vu_from_ctx(ctx);
    const char *k = JS_AtomToCString(ctx, prop);
    if (!k) return -1;
    if (!JS_IsString(val) && !JS_IsNumber(val) && !JS_IsBool(val)) {
        /* k6 js/common ApplyCustomUserTag's text, thrown as a TypeError */
        JS_ThrowTypeError(ctx,
                          "invalid value for metric tag '%s': only String, Boolean and Number types are accepted "
                          "as a metric tag values",
                          k);
        JS_FreeCString(ctx, k);
        return -1;
    }
    const char *s = JS_ToCString(ctx, val);
    if (!k || !s) {
        JS_FreeCString(ctx, k);
        JS_FreeCString(ctx, s);
        return -1;
    }
    int i = tags_find(v, k);
    char *kc = i < 0 ? strdup(k) : NULL, *vc = strdup(s);
    tag_kv *grown = i < 0 ? realloc(v->utags, (size_t)(v->nutags + 1) * sizeof *v->utags) : NULL;
    JS_FreeCString(ctx, k);
    JS_FreeCString(ctx, s);
    if (!vc || (i < 0 && (!kc || !grown))) {
        if (grown) v->utags = grown;
        free(kc);
        free(vc);
        JS_ThrowOutOfMemory(ctx);
        return -1;
    }
    if (i < 0) {
        v->utags = grown;
        i = v->nutags++;
        v->utags[i].key = kc;
    } else {
        free((char *)v->utags[i].value);
    }
    v->utags[i].value = vc;
    v->iter_tags = 0;
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
        v->iter_tags = 0;
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
                        exec_obj(ctx, exec_instance, EXEC_N(exec_instance)),
                        exec_obj(ctx, exec_test, EXEC_N(exec_test))};
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
