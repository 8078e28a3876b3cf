/* The "k6/data" module: SharedArray. The array's function runs once per
 * process (the first init run that asks for the name); its elements are kept
 * as JSON text in the script (js/script.h), shared by every VU. A VU's
 * SharedArray is an exotic object over that text: reading an element parses
 * its JSON into a fresh, deeply frozen value, as k6 does, so VUs share no JS
 * objects and no VU holds a copy of the whole array. Every write throws. */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "exec/test.h"
#include "js/vm.h"
#include "util/buf.h"

#define DATA_MAX_DEPTH 1000 /* nesting that deep_freeze follows */

static JSClassID data_class_id;
static pthread_once_t data_once = PTHREAD_ONCE_INIT;

static void data_new_class_id(void) { JS_NewClassID(&data_class_id); }

static const shared_array *data_get(JSValueConst obj) { return JS_GetOpaque(obj, data_class_id); }

/* QuickJS keeps array-index property keys as "tagged int" atoms: the top
 * bit set, the index in the rest (JS_ATOM_TAG_INT in quickjs.c, not in its
 * header). The constructor checks this still holds before any access. */
#define DATA_ATOM_TAG_INT (1u << 31)

/* The predefined atom "length": the same number in every runtime. */
static _Atomic JSAtom data_length_atom;

/* The element index an atom names, or -1 (not an index, or past the end). */
static int64_t data_index(const shared_array *a, JSAtom atom) {
    if (!(atom & DATA_ATOM_TAG_INT)) return -1;
    uint32_t idx = atom & ~DATA_ATOM_TAG_INT;
    return idx < a->n ? (int64_t)idx : -1;
}

static bool data_is_length(JSAtom atom) {
    return atom == atomic_load_explicit(&data_length_atom, memory_order_relaxed);
}

/* Object.freeze on v and everything under it. */
static int data_deep_freeze(JSContext *ctx, JSValueConst v, int depth) {
    if (!JS_IsObject(v)) return 0;
    if (depth > DATA_MAX_DEPTH) {
        JS_ThrowRangeError(ctx, "SharedArray element nested deeper than %d levels", DATA_MAX_DEPTH);
        return -1;
    }
    JSPropertyEnum *props;
    uint32_t n;
    if (JS_PreventExtensions(ctx, v) < 0) return -1;
    if (JS_GetOwnPropertyNames(ctx, &props, &n, v, JS_GPN_STRING_MASK)) return -1;
    int rc = 0;
    for (uint32_t i = 0; i < n && rc == 0; i++) {
        JSValue child = JS_GetProperty(ctx, v, props[i].atom);
        rc = JS_IsException(child) ? -1 : data_deep_freeze(ctx, child, depth + 1);
        JS_FreeValue(ctx, child);
        /* HAS_* without the flag bits: make it non-writable, non-configurable, value kept */
        if (rc == 0 && JS_DefineProperty(ctx, v, props[i].atom, JS_UNDEFINED, JS_UNDEFINED, JS_UNDEFINED,
                                         JS_PROP_HAS_CONFIGURABLE | JS_PROP_HAS_WRITABLE | JS_PROP_THROW) < 0)
            rc = -1;
    }
    vm_free_props(ctx, props, n);
    return rc;
}

static JSValue data_element(JSContext *ctx, const shared_array *a, size_t i) {
    const char *json = a->text + a->off[i];
    JSValue v = JS_ParseJSON(ctx, json, strlen(json), a->name);
    if (JS_IsException(v)) return v;
    if (data_deep_freeze(ctx, v, 0) < 0) {
        JS_FreeValue(ctx, v);
        return JS_EXCEPTION;
    }
    return v;
}

static int data_throw_immutable(JSContext *ctx, const shared_array *a) {
    JS_ThrowTypeError(ctx, "SharedArray \"%s\" is immutable: its elements and properties cannot be changed",
                      a ? a->name : "");
    return -1;
}

/* ---- exotic methods ---- */

static int data_get_own_property(JSContext *ctx, JSPropertyDescriptor *desc, JSValueConst obj, JSAtom prop) {
    const shared_array *a = data_get(obj);
    int64_t idx = data_index(a, prop);
    if (idx < 0 && !data_is_length(prop)) return 0;
    if (!desc) return 1;
    desc->getter = desc->setter = JS_UNDEFINED;
    if (idx < 0) {
        desc->flags = 0;
        desc->value = JS_NewInt64(ctx, (int64_t)a->n);
        return 1;
    }
    desc->flags = JS_PROP_ENUMERABLE;
    desc->value = data_element(ctx, a, (size_t)idx);
    return JS_IsException(desc->value) ? -1 : 1;
}

static int data_own_property_names(JSContext *ctx, JSPropertyEnum **ptab, uint32_t *plen, JSValueConst obj) {
    const shared_array *a = data_get(obj);
    JSPropertyEnum *tab = js_malloc(ctx, sizeof *tab * (a->n + 1));
    if (!tab) return -1;
    for (size_t i = 0; i < a->n; i++)
        tab[i] = (JSPropertyEnum){.is_enumerable = 1, .atom = JS_NewAtomUInt32(ctx, (uint32_t)i)};
    tab[a->n] = (JSPropertyEnum){.atom = JS_NewAtom(ctx, "length")};
    *ptab = tab;
    *plen = (uint32_t)a->n + 1;
    return 0;
}

static int data_delete_property(JSContext *ctx, JSValueConst obj, JSAtom prop) {
    return data_throw_immutable(ctx, data_get(obj));
}

static int data_define_own_property(JSContext *ctx, JSValueConst obj, JSAtom prop, JSValueConst val,
                                    JSValueConst getter, JSValueConst setter, int flags) {
    return data_throw_immutable(ctx, data_get(obj));
}

static int data_has_property(JSContext *ctx, JSValueConst obj, JSAtom prop) {
    const shared_array *a = data_get(obj);
    if (data_index(a, prop) >= 0 || data_is_length(prop)) return 1;
    JSValue proto = JS_GetPrototype(ctx, obj);
    int r = JS_IsObject(proto) ? JS_HasProperty(ctx, proto, prop) : 0;
    JS_FreeValue(ctx, proto);
    return r;
}

static JSValue data_get_property(JSContext *ctx, JSValueConst obj, JSAtom prop, JSValueConst receiver) {
    const shared_array *a = data_get(obj);
    int64_t idx = data_index(a, prop);
    if (idx >= 0) return data_element(ctx, a, (size_t)idx);
    if (data_is_length(prop)) return JS_NewInt64(ctx, (int64_t)a->n);
    /* methods and everything else come from the prototype (Array.prototype) */
    JSValue proto = JS_GetPrototype(ctx, obj);
    JSValue r = JS_IsObject(proto) ? JS_GetPropertyInternal(ctx, proto, prop, receiver, 0) : JS_UNDEFINED;
    JS_FreeValue(ctx, proto);
    return r;
}

static int data_set_property(JSContext *ctx, JSValueConst obj, JSAtom prop, JSValueConst val, JSValueConst receiver,
                             int flags) {
    return data_throw_immutable(ctx, data_get(obj));
}

static JSClassExoticMethods data_exotic = {
    .get_own_property = data_get_own_property,
    .get_own_property_names = data_own_property_names,
    .delete_property = data_delete_property,
    .define_own_property = data_define_own_property,
    .has_property = data_has_property,
    .get_property = data_get_property,
    .set_property = data_set_property,
};

static const JSClassDef data_class = {.class_name = "SharedArray", .exotic = &data_exotic};

void data_class_init(JSRuntime *rt) {
    pthread_once(&data_once, data_new_class_id);
    JS_NewClass(rt, data_class_id, &data_class);
}

/* ---- building the shared copy ---- */

/* Runs fn and turns its array into JSON text per element. NULL with an
 * exception pending when fn throws or returns no array. */
static shared_array *data_build(JSContext *ctx, const char *name, JSValueConst fn) {
    JSValue arr = JS_Call(ctx, fn, JS_UNDEFINED, 0, NULL);
    if (JS_IsException(arr)) return NULL;
    if (JS_IsArray(ctx, arr) != 1) {
        JS_FreeValue(ctx, arr);
        JS_ThrowTypeError(ctx,
                          "SharedArray \"%s\": its function must return an array "
                          "(only arrays can be made into a SharedArray)",
                          name);
        return NULL;
    }
    int64_t n = 0;
    JSValue len = JS_GetPropertyStr(ctx, arr, "length");
    int bad = JS_ToInt64(ctx, &n, len);
    JS_FreeValue(ctx, len);
    shared_array *a = calloc(1, sizeof *a);
    if (a) a->name = strdup(name);
    if (a && a->name) a->off = malloc(sizeof *a->off * (size_t)(n > 0 ? n : 1));
    if (!a || !a->name || !a->off) {
        shared_array_free(a);
        JS_FreeValue(ctx, arr);
        JS_ThrowOutOfMemory(ctx);
        return NULL;
    }
    buf text = {0};
    for (int64_t i = 0; !bad && i < n; i++) {
        JSValue el = JS_GetPropertyUint32(ctx, arr, (uint32_t)i);
        JSValue s = JS_IsException(el) ? JS_EXCEPTION : JS_JSONStringify(ctx, el, JS_UNDEFINED, JS_UNDEFINED);
        JS_FreeValue(ctx, el);
        if (JS_IsException(s)) {
            /* say which array and element: the bare "circular reference" names neither */
            JSValue e = JS_GetException(ctx);
            const char *why = JS_ToCString(ctx, e);
            JS_ThrowTypeError(ctx, "SharedArray \"%s\": element %lld cannot be stored as JSON: %s", name, (long long)i,
                              why ? why : "error");
            JS_FreeCString(ctx, why);
            JS_FreeValue(ctx, e);
            bad = 1;
            break;
        }
        size_t sl = 4;
        const char *c = JS_IsUndefined(s) ? NULL : JS_ToCStringLen(ctx, &sl, s);
        bool undef = JS_IsUndefined(s);
        JS_FreeValue(ctx, s);
        if (!c && !undef) {
            bad = 1;
            break;
        }
        /* undefined, functions and symbols become null, as inside JSON.stringify([...]) */
        a->off[a->n++] = text.len;
        int oom = buf_append(&text, c ? c : "null", sl) || buf_append(&text, "", 1);
        JS_FreeCString(ctx, c);
        if (oom) {
            JS_ThrowOutOfMemory(ctx);
            bad = 1;
            break;
        }
    }
    JS_FreeValue(ctx, arr);
    if (bad) {
        buf_free(&text);
        shared_array_free(a);
        return NULL;
    }
    /* the buffer grew by doubling: give back the slack, it is kept for the whole run */
    a->text = text.p ? realloc(text.p, text.len + 1) : calloc(1, 1);
    if (!a->text && text.p) a->text = text.p; /* could not shrink: keep it as it is */
    if (!a->text) {
        shared_array_free(a);
        JS_ThrowOutOfMemory(ctx);
        return NULL;
    }
    return a;
}

static JSValue data_shared_array_ctor(JSContext *ctx, JSValueConst new_target, int argc, JSValueConst *argv) {
    vu *v = vu_from_ctx(ctx);
    if (JS_IsUndefined(new_target)) return JS_ThrowTypeError(ctx, "SharedArray must be created with new");
    if (!v->in_init) return JS_ThrowTypeError(ctx, "new SharedArray() can only be called in the init context");
    if (argc < 2 || !JS_IsFunction(ctx, argv[1]))
        return JS_ThrowTypeError(ctx, "new SharedArray(name, fn): fn must be a function returning an array");
    const char *name = JS_ToCString(ctx, argv[0]);
    if (!name) return JS_EXCEPTION;
    if (!name[0]) {
        JS_FreeCString(ctx, name);
        return JS_ThrowTypeError(ctx, "new SharedArray(name, fn): the name is empty");
    }
    JSAtom probe = JS_NewAtomUInt32(ctx, 7);
    if (probe != (DATA_ATOM_TAG_INT | 7)) {
        JS_FreeAtom(ctx, probe);
        JS_FreeCString(ctx, name);
        return JS_ThrowInternalError(ctx, "SharedArray: this QuickJS build encodes index keys differently");
    }
    JSAtom len = JS_NewAtom(ctx, "length");
    atomic_store_explicit(&data_length_atom, len, memory_order_relaxed);
    JS_FreeAtom(ctx, len);
    script *s = v->test->script;
    /* held while fn runs: a VU on another worker asking for the same name
     * waits for it instead of running fn a second time */
    pthread_mutex_lock(&s->shared_lock);
    const shared_array *a = script_shared_find(s, name);
    if (!a) {
        shared_array *made = data_build(ctx, name, argv[1]);
        if (made) script_shared_add(s, made);
        a = made;
    }
    pthread_mutex_unlock(&s->shared_lock);
    JS_FreeCString(ctx, name);
    if (!a) return JS_EXCEPTION;
    JSValue global = JS_GetGlobalObject(ctx);
    JSValue array_ctor = JS_GetPropertyStr(ctx, global, "Array");
    JSValue proto = JS_GetPropertyStr(ctx, array_ctor, "prototype");
    JS_FreeValue(ctx, array_ctor);
    JS_FreeValue(ctx, global);
    JSValue obj = JS_NewObjectProtoClass(ctx, proto, data_class_id);
    JS_FreeValue(ctx, proto);
    if (!JS_IsException(obj)) JS_SetOpaque(obj, (void *)a);
    return obj;
}

static int data_module_set(JSContext *ctx, JSModuleDef *m) {
    JSValue ctor = JS_NewCFunction2(ctx, data_shared_array_ctor, "SharedArray", 2, JS_CFUNC_constructor, 0);
    JSValue def = JS_NewObject(ctx);
    JS_SetPropertyStr(ctx, def, "SharedArray", JS_DupValue(ctx, ctor));
    JS_SetModuleExport(ctx, m, "SharedArray", ctor);
    return JS_SetModuleExport(ctx, m, "default", def);
}

JSModuleDef *data_module_init(JSContext *ctx, const char *name) {
    JSModuleDef *m = JS_NewCModule(ctx, name, data_module_set);
    if (!m) return NULL;
    JS_AddModuleExport(ctx, m, "SharedArray");
    JS_AddModuleExport(ctx, m, "default");
    return m;
}
