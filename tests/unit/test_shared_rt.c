/* The shared QuickJS runtime (src/js/vm.c, scripts/quickjs-shared-runtime.patch):
 * several VUs' contexts in one runtime must not see each other's state at a
 * switch. Not k6 behaviour to compare (k6 has a runtime per VU); the
 * expectations are what a runtime of its own gives each VU. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "js/vm.h"
#include "vu/vu.h"

extern int JS_ExecutePendingJobOf(JSRuntime *rt, JSContext *only);

static vu *fake_vu(JSRuntime *rt) {
    vu *v = calloc(1, sizeof *v);
    assert_non_null(v);
    v->shared_rt = true;
    v->rt = rt;
    v->ctx = JS_NewContext(rt);
    assert_non_null(v->ctx);
    v->js_top = (uintptr_t)__builtin_frame_address(0);
    return v;
}

static JSValue eval(vu *v, const char *src) { return JS_Eval(v->ctx, src, strlen(src), "<test>", JS_EVAL_TYPE_GLOBAL); }

static void drop(vu *v) {
    JS_FreeContext(v->ctx);
    free(v);
}

/* A VU switched out with an exception pending gets it back; the VU that runs
 * meanwhile starts without it (without vm_leave's save, b would find a's
 * TypeError pending, and a would have lost it). */
static void test_pending_exception_stays_with_its_vu(void **state) {
    (void)state;
    JSRuntime *rt = JS_NewRuntime();
    assert_non_null(rt);
    vu *a = fake_vu(rt), *b = fake_vu(rt);
    vm_enter(a);
    JS_ThrowTypeError(a->ctx, "a's own");
    vm_leave(a);
    vm_enter(b);
    assert_false(JS_HasException(b->ctx));
    JSValue r = eval(b, "1 + 1");
    assert_false(JS_IsException(r));
    JS_FreeValue(b->ctx, r);
    vm_leave(b);
    vm_enter(a);
    assert_true(JS_HasException(a->ctx));
    JSValue e = JS_GetException(a->ctx);
    const char *msg = JS_ToCString(a->ctx, e);
    assert_non_null(msg);
    assert_string_equal(msg, "TypeError: a's own");
    JS_FreeCString(a->ctx, msg);
    JS_FreeValue(a->ctx, e);
    vm_leave(a);
    drop(a);
    drop(b);
    JS_FreeRuntime(rt);
}

/* Promise jobs are per context: one VU's settle never runs another's job. */
static void test_jobs_are_per_context(void **state) {
    (void)state;
    JSRuntime *rt = JS_NewRuntime();
    assert_non_null(rt);
    vu *a = fake_vu(rt), *b = fake_vu(rt);
    JS_FreeValue(a->ctx, eval(a, "var ran = 0; Promise.resolve().then(() => { ran++; });"));
    JS_FreeValue(
        b->ctx,
        eval(b, "var ran = 0; Promise.resolve().then(() => { ran++; }); Promise.resolve().then(() => { ran++; });"));
    assert_int_equal(JS_ExecutePendingJobOf(rt, b->ctx), 1);
    assert_int_equal(JS_ExecutePendingJobOf(rt, b->ctx), 1);
    assert_int_equal(JS_ExecutePendingJobOf(rt, b->ctx), 0);
    JSValue ra = eval(a, "ran"), rb = eval(b, "ran");
    assert_int_equal(JS_VALUE_GET_INT(ra), 0);
    assert_int_equal(JS_VALUE_GET_INT(rb), 2);
    /* a's job is still there, and goes with its context */
    drop(a);
    drop(b);
    JS_FreeRuntime(rt);
}

/* Shapes are hashed per context; objects that outlive their context (in a
 * cycle, freed by a later collection) keep working: their shapes move to the
 * runtime's table. Under ASan a stale table shows as a use after free. */
static void test_shapes_outlive_their_context(void **state) {
    (void)state;
    JSRuntime *rt = JS_NewRuntime();
    assert_non_null(rt);
    vu *a = fake_vu(rt), *b = fake_vu(rt);
    const char *src =
        "var keep = []; for (let i = 0; i < 200; i++) { const o = { x: i, y: 2 }; o['p' + (i % 7)] = o; keep.push(o); }"
        "keep.self = keep; keep.length";
    JSValue r = eval(a, src);
    assert_int_equal(JS_VALUE_GET_INT(r), 200);
    r = eval(b, src);
    assert_int_equal(JS_VALUE_GET_INT(r), 200);
    drop(a); /* its objects are a cycle: alive until the collection below */
    r = eval(b, "let s = 0; for (const o of keep) { o.z = 1; s += o.x + o.y + o.z; } s");
    assert_int_equal(JS_VALUE_GET_INT(r), 19900 + 600);
    JS_RunGC(rt);
    r = eval(b, "const q = { x: 1, y: 2 }; q.p0 = q; q.x + q.y");
    assert_int_equal(JS_VALUE_GET_INT(r), 3);
    drop(b);
    JS_FreeRuntime(rt);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pending_exception_stays_with_its_vu),
        cmocka_unit_test(test_jobs_are_per_context),
        cmocka_unit_test(test_shapes_outlive_their_context),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
