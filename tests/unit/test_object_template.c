/* scripts/quickjs-object-template.patch: JS_NewObjectFromTemplate and
 * JS_DefinePropertyValueTemplate (k6/http's Response and its status). An
 * object made from a template, or given a template's shape, must be what
 * JS_NewObjectProtoClass + JS_DefinePropertyValue make: the same keys in the
 * same order, descriptors and prototype, and what a script then does to it
 * stays its own (the template and the other objects sharing the shape keep
 * theirs). JS_FreeRuntime asserts that every object and shape was freed:
 * a reference count the shortcuts get wrong ends the test there. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <quickjs.h>

typedef struct env {
    JSRuntime *rt;
    JSContext *ctx;
    JSAtom a, b, c;
} env;

/* A class of the embedder's with an exotic get_own_property that finds
 * nothing, as k6/http's Response (whose lazy fields it builds). */
static JSClassID cls;
static int no_own(JSContext *ctx, JSPropertyDescriptor *desc, JSValueConst obj, JSAtom prop) { return 0; }
static JSClassExoticMethods cls_exotic = {.get_own_property = no_own};
static JSClassDef cls_def = {.class_name = "T", .exotic = &cls_exotic};

static env env_new(void) {
    env e;
    e.rt = JS_NewRuntime();
    assert_non_null(e.rt);
    JS_NewClassID(&cls);
    assert_int_equal(JS_NewClass(e.rt, cls, &cls_def), 0);
    e.ctx = JS_NewContext(e.rt);
    assert_non_null(e.ctx);
    e.a = JS_NewAtom(e.ctx, "a");
    e.b = JS_NewAtom(e.ctx, "b");
    e.c = JS_NewAtom(e.ctx, "c");
    return e;
}

static void env_free(env *e) {
    JS_FreeAtom(e->ctx, e->a);
    JS_FreeAtom(e->ctx, e->b);
    JS_FreeAtom(e->ctx, e->c);
    JS_FreeContext(e->ctx);
    JS_FreeRuntime(e->rt);
}

/* The text of `src` run with globalThis.o = o (JSON of its value). */
static void expect(env *e, JSValueConst o, const char *src, const char *want) {
    JSValue g = JS_GetGlobalObject(e->ctx);
    assert_int_equal(JS_SetPropertyStr(e->ctx, g, "o", JS_DupValue(e->ctx, o)), 1);
    JS_FreeValue(e->ctx, g);
    JSValue r = JS_Eval(e->ctx, src, strlen(src), "<test>", JS_EVAL_TYPE_GLOBAL);
    assert_false(JS_IsException(r));
    const char *s = JS_ToCString(e->ctx, r);
    assert_non_null(s);
    assert_string_equal(s, want);
    JS_FreeCString(e->ctx, s);
    JS_FreeValue(e->ctx, r);
}

#define KEYS "JSON.stringify([Object.keys(o), Object.values(o), Object.getPrototypeOf(o) === P])"

/* A template {a} and {a, b} on a prototype P (a global): what k6/http keeps. */
static JSValue tmpl(env *e, JSValueConst proto, int n) {
    JSValue t = JS_NewObjectProto(e->ctx, proto);
    JSAtom at[] = {e->a, e->b};
    for (int i = 0; i < n; i++)
        assert_int_equal(JS_DefinePropertyValue(e->ctx, t, at[i], JS_NewInt32(e->ctx, 100 + i), JS_PROP_C_W_E), 1);
    return t;
}

static JSValue proto_global(env *e) {
    JSValue p = JS_NewObject(e->ctx), g = JS_GetGlobalObject(e->ctx);
    JS_SetPropertyStr(e->ctx, g, "P", JS_DupValue(e->ctx, p));
    JS_FreeValue(e->ctx, g);
    return p;
}

static void test_made_from_template_then_extended(void **state) {
    (void)state;
    env e = env_new();
    JSValue p = proto_global(&e), t1 = tmpl(&e, p, 1), t2 = tmpl(&e, p, 2);
    JSValue v[1] = {JS_NewInt32(e.ctx, 1)};
    JSValue o = JS_NewObjectFromTemplate(e.ctx, t1, cls, v, 1);
    assert_false(JS_IsException(o));
    expect(&e, o, KEYS, "[[\"a\"],[1],true]");
    /* the transition the template gives */
    assert_int_equal(JS_DefinePropertyValueTemplate(e.ctx, o, t2, e.b, JS_NewInt32(e.ctx, 2), JS_PROP_C_W_E), 1);
    expect(&e, o, KEYS, "[[\"a\",\"b\"],[1,2],true]");
    expect(&e, o, "JSON.stringify(Object.getOwnPropertyDescriptor(o, 'b'))",
           "{\"value\":2,\"writable\":true,\"enumerable\":true,\"configurable\":true}");
    /* what the script does next is o's own */
    expect(&e, o, "o.c = 3; delete o.a; JSON.stringify(Object.keys(o))", "[\"b\",\"c\"]");
    JSValue v2[1] = {JS_NewInt32(e.ctx, 5)};
    JSValue o2 = JS_NewObjectFromTemplate(e.ctx, t1, cls, v2, 1);
    expect(&e, o2, KEYS, "[[\"a\"],[5],true]");
    expect(&e, t1, KEYS, "[[\"a\"],[100],true]");
    expect(&e, t2, KEYS, "[[\"a\",\"b\"],[100,101],true]");
    /* a flag that differs from the template's: the usual define */
    assert_int_equal(JS_DefinePropertyValueTemplate(e.ctx, o2, t2, e.b, JS_NewInt32(e.ctx, 6), JS_PROP_ENUMERABLE), 1);
    expect(&e, o2, "JSON.stringify(Object.getOwnPropertyDescriptor(o2 = o, 'b'))",
           "{\"value\":6,\"writable\":false,\"enumerable\":true,\"configurable\":false}");
    JS_FreeValue(e.ctx, o);
    JS_FreeValue(e.ctx, o2);
    JS_FreeValue(e.ctx, t1);
    JS_FreeValue(e.ctx, t2);
    JS_FreeValue(e.ctx, p);
    env_free(&e);
}

/* Not the template's shape + prop: JS_DefinePropertyValue does it. */
static void test_other_shapes_take_the_usual_way(void **state) {
    (void)state;
    env e = env_new();
    JSValue p = proto_global(&e), t2 = tmpl(&e, p, 2);
    JSValue x = JS_NewObjectProto(e.ctx, p); /* {} on P: not {a} */
    assert_int_equal(JS_DefinePropertyValueTemplate(e.ctx, x, t2, e.b, JS_NewInt32(e.ctx, 7), JS_PROP_C_W_E), 1);
    expect(&e, x, KEYS, "[[\"b\"],[7],true]");
    /* {a} but not extensible: not added, as JS_DefinePropertyValue */
    JSValue t1 = tmpl(&e, p, 1), v[1] = {JS_NewInt32(e.ctx, 1)};
    JSValue y = JS_NewObjectFromTemplate(e.ctx, t1, cls, v, 1);
    assert_int_equal(JS_PreventExtensions(e.ctx, y), 1);
    assert_int_equal(JS_DefinePropertyValueTemplate(e.ctx, y, t2, e.b, JS_NewInt32(e.ctx, 2), JS_PROP_C_W_E), 0);
    expect(&e, y, KEYS, "[[\"a\"],[1],true]");
    /* {a} on another prototype */
    JSValue q = JS_NewObject(e.ctx), tq = tmpl(&e, q, 1), w[1] = {JS_NewInt32(e.ctx, 1)};
    JSValue z = JS_NewObjectFromTemplate(e.ctx, tq, cls, w, 1);
    assert_int_equal(JS_DefinePropertyValueTemplate(e.ctx, z, t2, e.b, JS_NewInt32(e.ctx, 2), JS_PROP_C_W_E), 1);
    expect(&e, z, "JSON.stringify([Object.keys(o), Object.getPrototypeOf(o) === P])", "[[\"a\",\"b\"],false]");
    JSValue objs[] = {x, y, z, t1, t2, tq, q, p};
    for (size_t i = 0; i < sizeof objs / sizeof *objs; i++) JS_FreeValue(e.ctx, objs[i]);
    env_free(&e);
}

/* A template whose shape cannot be shared (its own after a delete, an
 * accessor): the object is built property by property, the same keys. */
static void test_unshareable_template(void **state) {
    (void)state;
    env e = env_new();
    JSValue p = proto_global(&e), t = tmpl(&e, p, 2);
    JS_DeleteProperty(e.ctx, t, e.a, 0);
    JS_DefinePropertyValue(e.ctx, t, e.c, JS_NewInt32(e.ctx, 0), JS_PROP_C_W_E);
    JSValue v[2] = {JS_NewInt32(e.ctx, 1), JS_NewInt32(e.ctx, 2)};
    JSValue o = JS_NewObjectFromTemplate(e.ctx, t, cls, v, 2);
    assert_false(JS_IsException(o));
    expect(&e, o, KEYS, "[[\"b\",\"c\"],[1,2],true]");
    expect(&e, t, KEYS, "[[\"b\",\"c\"],[101,0],true]");
    /* a count that is not the template's: an error, the values freed */
    JSValue w[1] = {JS_NewString(e.ctx, "freed")};
    assert_true(JS_IsException(JS_NewObjectFromTemplate(e.ctx, t, cls, w, 1)));
    JS_FreeValue(e.ctx, JS_GetException(e.ctx));
    JS_FreeValue(e.ctx, o);
    JS_FreeValue(e.ctx, t);
    JS_FreeValue(e.ctx, p);
    env_free(&e);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_made_from_template_then_extended),
        cmocka_unit_test(test_other_shapes_take_the_usual_way),
        cmocka_unit_test(test_unshareable_template),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
