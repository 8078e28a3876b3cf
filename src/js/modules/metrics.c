/* The "k6/metrics" module: Counter, Gauge, Rate and Trend. Metrics are
 * declared in init code (registered once, by name, with their type);
 * add(value, tags) appends a sample to the worker's buffer like any
 * built-in metric. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include "js/bytes.h"
#include "js/vm.h"
#include "metrics/registry.h"
#include "exec/worker.h"
#include "util/clock.h"

static JSClassID metrics_class_id;
static pthread_once_t metrics_once = PTHREAD_ONCE_INIT;

static void metrics_new_class_id(void) { JS_NewClassID(&metrics_class_id); }

static const JSClassDef metrics_class = {.class_name = "Metric"};

void metrics_class_init(JSRuntime *rt) {
    pthread_once(&metrics_once, metrics_new_class_id);
    JS_NewClass(rt, metrics_class_id, &metrics_class);
}

/* The registry id is the object's opaque (plus one: 0 means "not a metric"). */
static int metrics_id(JSContext *ctx, JSValueConst obj) {
    return (int)(intptr_t)JS_GetOpaque2(ctx, obj, metrics_class_id) - 1;
}

static JSValue metrics_add(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
    vu *v = vu_from_ctx(ctx);
    int id = metrics_id(ctx, this_val);
    if (id < 0) return JS_EXCEPTION;
    if (!v->w) return JS_ThrowTypeError(ctx, "metrics can't be added to in the init context");
    double val;
    if (argc < 1) return JS_ThrowTypeError(ctx, "add() needs a value");
    if (JS_IsBool(argv[0])) val = JS_ToBool(ctx, argv[0]);
    else if (JS_ToFloat64(ctx, &val, argv[0])) return JS_EXCEPTION;
    if (isnan(val)) return JS_ThrowTypeError(ctx, "%s.add(): the value is not a number", registry_get(id)->name);
    vm_pairs user = {.keep_nul = true};
    int rc = argc > 1 ? vm_pairs_read(ctx, argv[1], &user) : 0;
    if (rc == 0) {
        /* the set in the worker's room, not 2 KB of this frame on the VU's
         * stack (which keeps every page it touched: vu_intern_site_slow,
         * worker.h); filled only now that the tags object was read, whose
         * getters may add to a metric or check themselves */
        _Static_assert(VM_MAX_PAIRS <= VU_SITE_KV, "worker.h's tag_room holds the VU's tags and the user's");
        tag_kv *kv = v->w->tag_room;
        size_t n = vu_base_tags(v, kv, v->group);
        for (int i = 0; i < user.n; i++) kv[n++] = (tag_kv){user.k[i], user.v[i]};
        uint32_t tags = tagdict_intern(v->w->samples.tags, kv, n);
        sample_push(&v->w->samples, id, tags, val, sample_now(&v->w->samples));
    }
    vm_pairs_free(&user);
    return rc ? JS_EXCEPTION : JS_UNDEFINED;
}

static JSValue metrics_name(JSContext *ctx, JSValueConst this_val) {
    int id = metrics_id(ctx, this_val);
    return id < 0 ? JS_EXCEPTION : JS_NewString(ctx, registry_get(id)->name);
}

static const JSCFunctionListEntry metrics_proto_funcs[] = {
    JS_CFUNC_DEF("add", 2, metrics_add),
    JS_CGETSET_DEF("name", metrics_name, NULL),
};

/* new Counter(name), new Gauge(name, isTime), new Rate(name), new Trend(name, isTime) */
static JSValue metrics_ctor(JSContext *ctx, JSValueConst new_target, int argc, JSValueConst *argv, int magic) {
    vu *v = vu_from_ctx(ctx);
    if (JS_IsUndefined(new_target)) return JS_ThrowTypeError(ctx, "a metric must be created with new");
    if (!v->in_init) return JS_ThrowTypeError(ctx, "metrics must be declared in the init context");
    const char *name = argc > 0 ? JS_ToCString(ctx, argv[0]) : NULL;
    if (!name) return JS_IsException(JS_UNDEFINED) ? JS_EXCEPTION : JS_ThrowTypeError(ctx, "a metric needs a name");
    bool is_time = argc > 1 && JS_ToBool(ctx, argv[1]);
    metric_type type = (metric_type)magic;
    value_kind kind = is_time && (type == METRIC_TREND || type == METRIC_GAUGE) ? VALUE_TIME : VALUE_DEFAULT;
    char err[256];
    int id = registry_get_or_add(name, type, kind, err, sizeof err);
    JS_FreeCString(ctx, name);
    if (id < 0) return js_throw_error(ctx, "GoError", "%s", err); /* k6: metrics/registry.go, NewMetric */
    JSValue proto = JS_GetPropertyStr(ctx, new_target, "prototype");
    JSValue obj = JS_NewObjectProtoClass(ctx, proto, metrics_class_id);
    JS_FreeValue(ctx, proto);
    if (!JS_IsException(obj)) JS_SetOpaque(obj, (void *)(intptr_t)(id + 1));
    return obj;
}

static const char *const metrics_names[] = {
    [METRIC_COUNTER] = "Counter",
    [METRIC_GAUGE] = "Gauge",
    [METRIC_RATE] = "Rate",
    [METRIC_TREND] = "Trend",
};

static int metrics_module_set(JSContext *ctx, JSModuleDef *m) {
    JSValue def = JS_NewObject(ctx);
    for (int t = METRIC_COUNTER; t <= METRIC_TREND; t++) {
        JSValue proto = JS_NewObject(ctx);
        JS_SetPropertyFunctionList(ctx, proto, metrics_proto_funcs,
                                   sizeof metrics_proto_funcs / sizeof *metrics_proto_funcs);
        JSValue ctor = JS_NewCFunctionMagic(ctx, (JSCFunctionMagic *)metrics_ctor, metrics_names[t], 2,
                                            JS_CFUNC_constructor_magic, t);
        JS_SetConstructor(ctx, ctor, proto);
        JS_FreeValue(ctx, proto);
        JS_SetPropertyStr(ctx, def, metrics_names[t], JS_DupValue(ctx, ctor));
        JS_SetModuleExport(ctx, m, metrics_names[t], ctor);
    }
    return JS_SetModuleExport(ctx, m, "default", def);
}

JSModuleDef *metrics_module_init(JSContext *ctx, const char *name) {
    JSModuleDef *m = JS_NewCModule(ctx, name, metrics_module_set);
    if (!m) return NULL;
    for (int t = METRIC_COUNTER; t <= METRIC_TREND; t++) JS_AddModuleExport(ctx, m, metrics_names[t]);
    JS_AddModuleExport(ctx, m, "default");
    return m;
}
