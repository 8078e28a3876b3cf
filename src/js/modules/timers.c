/* The "k6/timers" module (also globals): setTimeout, clearTimeout,
 * setInterval, clearInterval. Each VU keeps its own queue; callbacks never
 * interrupt running JS: vm.c's event loop runs them after the called
 * function returns (and between promise jobs), and the call does not end
 * until the queue is empty, as in k6 where an iteration waits for its timers.
 * Waits inside an iteration or setup()/teardown() yield the VU's coroutine on
 * a libuv timer; init code has no loop to yield to, so it sleeps. */
#include <math.h>
#include "util/err.h"
#include <stdlib.h>
#include <time.h>
#include "js/vm.h"
#include "exec/worker.h"
#include "util/clock.h"

JSValue k6_throw_interrupted(JSContext *ctx);

typedef struct js_timer {
    int64_t id;
    int64_t due_us;
    int64_t every_us; /* setInterval's period; 0 for setTimeout */
    JSValue fn;
    int argc; /* the extra arguments, passed to fn on each run */
    JSValue *argv;
} js_timer;

typedef struct js_timers {
    js_timer *t;
    int n, cap;
    int64_t last_id;
} js_timers;

static void timers_free_one(JSContext *ctx, js_timer *t) {
    JS_FreeValue(ctx, t->fn);
    for (int i = 0; i < t->argc; i++) JS_FreeValue(ctx, t->argv[i]);
    free(t->argv);
}

bool timers_pending(const vu *v) {
    const js_timers *q = vm_mod_peek(v, VM_MOD_TIMERS);
    return q && q->n > 0;
}

void timers_clear(vu *v) {
    js_timers *q = vm_mod_peek(v, VM_MOD_TIMERS);
    if (!q) return;
    for (int i = 0; i < q->n; i++) timers_free_one(v->ctx, &q->t[i]);
    q->n = 0;
    q->last_id = 0; /* ids start over, as when the queue was new */
}

static void timers_vu_free(vu *v, void *st) {
    js_timers *q = st;
    timers_clear(v);
    free(q->t);
}

const vm_mod_ops timers_mod_ops = {.size = sizeof(js_timers), .free = timers_vu_free};

/* The timer to run next: earliest due, then the one set first. */
static int timers_earliest(const js_timers *q) {
    int best = 0;
    for (int i = 1; i < q->n; i++)
        if (q->t[i].due_us < q->t[best].due_us || (q->t[i].due_us == q->t[best].due_us && q->t[i].id < q->t[best].id))
            best = i;
    return best;
}

/* Blocks until `until` (monotonic us); false if the VU was interrupted. */
static bool timers_wait_until(vu *v, int64_t until) {
    int64_t left;
    if (!v->w || v->in_init) {
        while ((left = until - clock_now_us()) > 0) {
            struct timespec ts = {left / 1000000, (left % 1000000) * 1000};
            nanosleep(&ts, NULL);
        }
        return true;
    }
    return vu_sleep_until(v, until);
}

int64_t timers_next_due(const vu *v) {
    const js_timers *q = vm_mod_peek(v, VM_MOD_TIMERS);
    return q && q->n ? q->t[timers_earliest(q)].due_us : INT64_MAX;
}

int timers_run_next(vu *v) {
    js_timers *q = vm_mod_peek(v, VM_MOD_TIMERS);
    if (!q || q->n == 0) return 0;
    /* no JS of this VU runs during the wait, so the queue stays as it is */
    int i = timers_earliest(q);
    if (!timers_wait_until(v, q->t[i].due_us)) {
        k6_throw_interrupted(v->ctx);
        return -1;
    }
    JSContext *ctx = v->ctx;
    js_timer t = q->t[i];
    if (t.every_us > 0) {
        /* the queue keeps it: run a copy, fn and arguments kept alive by it */
        int64_t now = clock_now_us();
        q->t[i].due_us = t.due_us + t.every_us > now ? t.due_us + t.every_us : now;
        JS_DupValue(ctx, t.fn);
        JSValue *argv = t.argc ? xmalloc(sizeof *argv * (size_t)t.argc) : NULL; /* per interval tick: tiny */
        for (int k = 0; k < t.argc; k++) argv[k] = JS_DupValue(ctx, t.argv[k]);
        t.argv = argv;
    } else {
        q->t[i] = q->t[--q->n]; /* t owns it now */
    }
    JSValue r = JS_Call(ctx, t.fn, JS_UNDEFINED, t.argc, (JSValueConst *)t.argv);
    timers_free_one(ctx, &t);
    if (JS_IsException(r)) return -1;
    JS_FreeValue(ctx, r);
    return 0;
}

/* setTimeout(fn, delay, ...args) and setInterval(fn, delay, ...args) (magic 1) */
static JSValue timers_set(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv, int magic) {
    vu *v = vu_from_ctx(ctx);
    const char *what = magic ? "setInterval" : "setTimeout";
    if (argc < 1 || !JS_IsFunction(ctx, argv[0]))
        return JS_ThrowTypeError(ctx, "%s(fn, delay): fn must be a function", what);
    double ms = 0;
    if (argc > 1 && JS_ToFloat64(ctx, &ms, argv[1])) return JS_EXCEPTION;
    if (!(ms > 0)) ms = 0; /* NaN and negative delays mean "now" */
    if (ms > 1e12) ms = 1e12;
    int nargs = argc > 2 ? argc - 2 : 0;
    JSValue *args = nargs ? malloc(sizeof *args * (size_t)nargs) : NULL;
    if (nargs && !args) return JS_ThrowOutOfMemory(ctx);
    for (int i = 0; i < nargs; i++) args[i] = JS_DupValue(ctx, argv[i + 2]);
    js_timers *q = vm_mod_get(v, VM_MOD_TIMERS);
    if (!q) {
        for (int i = 0; i < nargs; i++) JS_FreeValue(ctx, args[i]);
        free(args);
        return JS_ThrowOutOfMemory(ctx);
    }
    if (q->n == q->cap) {
        int cap = q->cap ? q->cap * 2 : 8;
        js_timer *grown = realloc(q->t, (size_t)cap * sizeof *q->t);
        if (!grown) {
            for (int i = 0; i < nargs; i++) JS_FreeValue(ctx, args[i]);
            free(args);
            return JS_ThrowOutOfMemory(ctx);
        }
        q->t = grown;
        q->cap = cap;
    }
    int64_t every = (int64_t)llround(ms * 1000);
    js_timer *t = &q->t[q->n++];
    *t = (js_timer){.id = ++q->last_id,
                    .due_us = clock_now_us() + every,
                    .every_us = magic ? every : 0,
                    .fn = JS_DupValue(ctx, argv[0]),
                    .argc = nargs,
                    .argv = args};
    /* an interval of 0 would never let the iteration end: run it every 1 ms at most */
    if (magic && t->every_us == 0) t->every_us = 1000;
    return JS_NewInt64(ctx, t->id);
}

/* clearTimeout(id) and clearInterval(id): either clears either kind, as in browsers */
static JSValue timers_clear_one(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
    js_timers *q = vm_mod_peek(vu_from_ctx(ctx), VM_MOD_TIMERS);
    int64_t id;
    if (!q || argc < 1 || !JS_IsNumber(argv[0]) || JS_ToInt64(ctx, &id, argv[0])) return JS_UNDEFINED;
    for (int i = 0; i < q->n; i++)
        if (q->t[i].id == id) {
            timers_free_one(ctx, &q->t[i]);
            q->t[i] = q->t[--q->n];
            break;
        }
    return JS_UNDEFINED;
}

static const JSCFunctionListEntry timers_funcs[] = {
    JS_CFUNC_MAGIC_DEF("setTimeout", 2, timers_set, 0),
    JS_CFUNC_DEF("clearTimeout", 1, timers_clear_one),
    JS_CFUNC_MAGIC_DEF("setInterval", 2, timers_set, 1),
    JS_CFUNC_DEF("clearInterval", 1, timers_clear_one),
};

void timers_install(JSContext *ctx) {
    JSValue global = JS_GetGlobalObject(ctx);
    JS_SetPropertyFunctionList(ctx, global, timers_funcs, sizeof timers_funcs / sizeof *timers_funcs);
    JS_FreeValue(ctx, global);
}

static int timers_module_set(JSContext *ctx, JSModuleDef *m) {
    size_t n = sizeof timers_funcs / sizeof *timers_funcs;
    JSValue def = JS_NewObject(ctx);
    JS_SetPropertyFunctionList(ctx, def, timers_funcs, (int)n);
    JS_SetModuleExport(ctx, m, "default", def);
    return JS_SetModuleExportList(ctx, m, timers_funcs, (int)n);
}

JSModuleDef *timers_module_init(JSContext *ctx, const char *name) {
    JSModuleDef *m = JS_NewCModule(ctx, name, timers_module_set);
    if (!m) return NULL;
    JS_AddModuleExportList(ctx, m, timers_funcs, sizeof timers_funcs / sizeof *timers_funcs);
    JS_AddModuleExport(ctx, m, "default");
    return m;
}
