/* The "k6" module: check, group, sleep, fail, randomSeed. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "exec/test.h"
#include "js/bytes.h"
#include "js/vm.h"
#include "metrics/registry.h"
#include "exec/worker.h"
#include "util/clock.h"
#include "vu/vu_tags.h"

JSValue k6_throw_interrupted(JSContext *ctx) {
    JSValue err = JS_NewError(ctx);
    JS_SetPropertyStr(ctx, err, "message", JS_NewString(ctx, "iteration interrupted: the test is stopping"));
    JS_SetUncatchableError(ctx, err, 1);
    return JS_Throw(ctx, err);
}

/* llround(x) for x > 0 (half away from zero), without the libm call in
 * the usual range: x - trunc(x) is exact there. */
static int64_t k6_round_pos(double x) {
    if (!(x < 0x1p62)) return llround(x);
    int64_t r = (int64_t)x;
    return r + (x - (double)r >= 0.5);
}

static JSValue k6_sleep(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
    vu *v = vu_from_ctx(ctx);
    double secs = 0;
    if (argc > 0 && JS_ToFloat64(ctx, &secs, argv[0])) return JS_EXCEPTION;
    if (!v->w) return JS_ThrowTypeError(ctx, "sleep() is not available in the init context");
    if (!(secs > 0)) return JS_UNDEFINED;
    if (!vu_sleep_for(v, k6_round_pos(secs * 1e6))) return k6_throw_interrupted(ctx);
    return JS_UNDEFINED;
}

/* Interns the tags of a check sample: check, group, scenario + user tags. */
/* With user tags (an object): ~1.5 KB of frame for up to VM_MAX_PAIRS. */
static __attribute__((noinline)) uint32_t k6_check_tags_user(vu *v, const char *name, JSValueConst tags) {
    tag_kv kv[1 + 1 + VM_MAX_PAIRS];
    uint32_t vl[1 + 1 + VM_MAX_PAIRS]; /* the values' lengths where known, after room for the group's */
    _Static_assert(1 + VM_MAX_PAIRS <= VU_SITE_KV && 1 + VM_MAX_PAIRS < 256,
                   "vu_intern_site: n <= VU_SITE_KV; tagdict_memo_again: n < 256");
    size_t n = 1; /* after the room for the group's (vu_intern_site) */
    if ((vu_tags_mask(v) >> ST_CHECK) & 1) {
        vl[n] = (uint32_t)strlen(name);
        kv[n++] = (tag_kv){"check", name};
    }
    size_t nstatic = n - 1;
    vm_pairs user = {.keep_nul = true};
    if (vm_pairs_read(v->ctx, tags, &user)) JS_FreeValue(v->ctx, JS_GetException(v->ctx));
    for (int i = 0; i < user.n; i++) {
        vl[n] = TAGS_VLEN_ANY;
        kv[n++] = (tag_kv){user.k[i], user.v[i]};
    }
    uint32_t id = vu_intern_site(v, TAGS_SITE_CHECK, v->group, kv, vl, nstatic, n - 1);
    vm_pairs_free(&user);
    return id;
}

/* Without (the usual case): a frame of a few words, as every check() makes
 * one on a VU stack that is cold at 10,000 VUs. */
static uint32_t k6_check_tags(vu *v, const char *name, JSValueConst tags) {
    if (JS_IsObject(tags)) return k6_check_tags_user(v, name, tags);
    tag_kv kv[2];
    uint32_t vl[2];
    size_t n = 1; /* after the room for the group's (vu_intern_site) */
    if ((vu_tags_mask(v) >> ST_CHECK) & 1) {
        vl[n] = (uint32_t)strlen(name); /* for the memo: the check tag's length */
        kv[n++] = (tag_kv){"check", name};
    }
    return vu_intern_site(v, TAGS_SITE_CHECK, v->group, kv, vl, n - 1, n - 1);
}

static JSValue k6_check(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
    vu *v = vu_from_ctx(ctx);
    if (argc < 2 || !JS_IsObject(argv[1])) return JS_NewBool(ctx, 1);
    if (!v->w || v->in_init)
        return js_throw_error(ctx, "GoError", "Using check() in the init context is not supported"); /* k6.go */
    /* the checks' names: up to 8 straight from the object's shape (no
     * array), else through JS_GetOwnPropertyNames (same names, same order) */
    JSAtom quick[8];
    JSPropertyEnum *props = NULL;
    int nq = JS_GetOwnEnumStringKeys(ctx, quick, 8, argv[1]);
    uint32_t np = nq > 0 ? (uint32_t)nq : 0;
    if (nq < 0 && JS_GetOwnPropertyNames(ctx, &props, &np, argv[1], JS_GPN_STRING_MASK | JS_GPN_ENUM_ONLY))
        return JS_EXCEPTION;
    int all = 1;
    JSValue ret = JS_UNDEFINED;
    for (uint32_t i = 0; i < np; i++) {
        JSAtom key = props ? props[i].atom : quick[i];
        /* the name, once, for "::" and the check tag: an ASCII one straight
         * from the atom (held in quick[]/props), else a copy (UTF-8) */
        size_t nlen;
        const char *name = JS_AtomGetASCII(ctx, key, &nlen);
        const char *copy = NULL;
        if (!name) {
            name = copy = JS_AtomToCString(ctx, key);
            nlen = name ? strlen(name) : 0;
        }
        if (name && memchr(name, ':', nlen) && strstr(name, "::")) {
            JS_FreeCString(ctx, copy);
            ret = js_throw_error(ctx, "GoError", "group and check names may not contain '::'");
            break;
        } /* lib */
        JSValue fn = JS_GetProperty(ctx, argv[1], key);
        JSValue r;
        if (JS_IsFunction(ctx, fn)) r = JS_Call(ctx, fn, JS_UNDEFINED, 1, (JSValueConst *)&argv[0]);
        else r = JS_DupValue(ctx, fn);
        JS_FreeValue(ctx, fn);
        JSValue exc = JS_UNDEFINED;
        if (JS_IsException(r)) {
            /* k6 (internal/js/modules/k6/k6.go, Check) counts a check whose
             * function throws as failed, then rethrows; not when the test is
             * stopping (the exception is then the interruption) */
            if (vm_cut_off(v)) {
                JS_FreeCString(ctx, copy);
                ret = JS_EXCEPTION;
                break;
            }
            exc = JS_GetException(ctx);
            r = JS_FALSE;
        }
        int ok = JS_ToBool(ctx, r);
        JS_FreeValue(ctx, r);
        uint32_t tags = k6_check_tags(v, name, argc > 2 ? argv[2] : JS_UNDEFINED);
        JS_FreeCString(ctx, copy);
        sample_push(&v->w->samples, M_CHECKS, tags, ok ? 1 : 0, sample_now(&v->w->samples));
        if (!ok) all = 0;
        if (!JS_IsUndefined(exc)) {
            ret = JS_Throw(ctx, exc);
            break;
        }
    }
    if (props) vm_free_props(ctx, props, np);
    else
        for (int i = 0; i < nq; i++) JS_FreeAtom(ctx, quick[i]);
    if (JS_IsException(ret)) return ret;
    return JS_NewBool(ctx, all);
}

static JSValue k6_group(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
    vu *v = vu_from_ctx(ctx);
    if (!v->w || v->in_init)
        return js_throw_error(ctx, "GoError", "Using group() in the init context is not supported"); /* k6.go */
    if (argc < 2 || !JS_IsFunction(ctx, argv[1])) return JS_ThrowTypeError(ctx, "group() needs a name and a function");
    const char *name = JS_ToCString(ctx, argv[0]);
    if (!name) return JS_EXCEPTION;
    if (strstr(name, "::")) {
        JS_FreeCString(ctx, name);
        return js_throw_error(ctx, "GoError", "group and check names may not contain '::'"); /* lib */
    }
    size_t saved = strlen(v->group);
    snprintf(v->group + saved, sizeof v->group - saved, "::%s", name);
    JS_FreeCString(ctx, name);
    int64_t t0 = clock_now_us();
    JSValue r = JS_Call(ctx, argv[1], JS_UNDEFINED, 0, NULL);
    if (v->w && !JS_IsException(r)) {
        int64_t t1_ns = clock_now_ns();
        tag_kv kv[VU_BASE_TAGS];
        uint32_t tags = vu_intern_tags(v, TAGS_SITE_GROUP, v->group, kv, NULL, 0, 0);
        sample_push(&v->w->samples, M_GROUP_DURATION, tags, (double)(t1_ns / 1000 - t0) / 1000.0,
                    sample_stamp(&v->w->samples, t1_ns));
    }
    v->group[saved] = 0;
    return r;
}

/* k6's fail(msg) returns a Go error: the script sees "GoError: msg" */
static JSValue k6_fail(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
    const char *msg = argc > 0 ? JS_ToCString(ctx, argv[0]) : NULL;
    if (argc > 0 && !msg) return JS_EXCEPTION;
    JSValue r = js_throw_error(ctx, "GoError", "%s", msg ? msg : "");
    JS_FreeCString(ctx, msg);
    return r;
}

/* Replaces Math.random with a seeded generator (mulberry32) for this VU. */
static JSValue k6_random_seed(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
    int64_t seed = 0;
    if (argc > 0 && JS_ToInt64(ctx, &seed, argv[0])) return JS_EXCEPTION;
    char src[512];
    snprintf(src, sizeof src,
             "(function(){let a=%lld>>>0;Math.random=function(){a=(a+0x6D2B79F5)|0;"
             "let t=Math.imul(a^(a>>>15),1|a);t=(t+Math.imul(t^(t>>>7),61|t))^t;"
             "return((t^(t>>>14))>>>0)/4294967296;};})()",
             (long long)(seed & 0xffffffff));
    JSValue r = JS_Eval(ctx, src, strlen(src), "<randomSeed>", JS_EVAL_TYPE_GLOBAL);
    if (JS_IsException(r)) return r;
    JS_FreeValue(ctx, r);
    return JS_UNDEFINED;
}

static const JSCFunctionListEntry k6_funcs[] = {
    JS_CFUNC_DEF("check", 3, k6_check),
    JS_CFUNC_DEF("group", 2, k6_group),
    JS_CFUNC_DEF("sleep", 1, k6_sleep),
    JS_CFUNC_DEF("fail", 1, k6_fail),
    JS_CFUNC_DEF("randomSeed", 1, k6_random_seed),
};

static int k6_module_set(JSContext *ctx, JSModuleDef *m) {
    size_t n = sizeof k6_funcs / sizeof *k6_funcs;
    JSValue def = JS_NewObject(ctx);
    JS_SetModuleExport(ctx, m, "default", def);
    return vm_set_exports(ctx, m, def, k6_funcs, (int)n);
}

JSModuleDef *k6_module_init(JSContext *ctx, const char *name) {
    JSModuleDef *m = JS_NewCModule(ctx, name, k6_module_set);
    if (!m) return NULL;
    JS_AddModuleExportList(ctx, m, k6_funcs, sizeof k6_funcs / sizeof *k6_funcs);
    JS_AddModuleExport(ctx, m, "default");
    return m;
}
