/* Per-VU QuickJS setup. The runtime is created on the VU's coroutine stack so
 * QuickJS measures stack depth against that stack. Modules come from the
 * script's bytecode table (JS_READ_OBJ_ROM_DATA: all VUs share one copy of
 * the bytecode instead of each holding its own). */
#include "js/vm.h"
#include "util/err.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "exec/test.h"
#include "js/bytes.h"
#include "js/cjs.h"
#include "js/jsalloc.h"
#include "js/ts.h"
#include "js/jslib.h"
#include "js/remote.h"
#include "util/clock.h"
#include "util/urlref.h"
#include "js/modules/http.h"
#include "exec/worker.h"

#define VM_STACK_LIMIT (192 * 1024)

typedef struct vm_builtin {
    const char *name;
    JSModuleDef *(*init)(JSContext *ctx, const char *name);
} vm_builtin;

static const vm_builtin vm_builtins[] = {
    {"k6", k6_module_init},
    {"k6/http", http_module_init},
    {"k6/metrics", metrics_module_init},
    {"k6/execution", execution_module_init},
    {"k6/html", html_module_init},
    {"k6/data", data_module_init},
    {"k6/timers", timers_module_init},
    {"k6/c6/jslib-summary", jslib_summary_module_init},
    {"k6/encoding", encoding_module_init},
    {"k6/crypto", crypto_module_init},
    {"k6/ws", ws_module_init},
    {"k6/websockets", websockets_module_init},
    {"k6/experimental/websockets", websockets_module_init},
    {"k6/net/grpc", grpc_module_init},
};

typedef struct vm_loader {
    vu *v;
    script *s;
    bool compile;
    char spec[1024]; /* the specifier being imported, as written (for k6's "not found" text) */
} vm_loader;

static bool vm_is_builtin(const char *name) { return strncmp(name, "k6", 2) == 0 && (name[2] == 0 || name[2] == '/'); }

/* A remote module's name: an https:// URL as written, or a relative name
 * imported from a remote module resolved against its URL (k6's
 * loader.Resolve). NULL, with an exception when the name is refused, for
 * the other names. */
static char *vm_remote_name(JSContext *ctx, const char *base, const char *name) {
    const char *colon = strstr(name, "://");
    if (colon && strncmp(name, "https://", 8) != 0 && strncmp(name, "file://", 7) != 0) {
        JS_ThrowReferenceError(ctx, "only supported schemes for imports are file and https, %s has `%.*s`", name,
                               (int)(colon - name), name);
        return NULL;
    }
    bool from_remote = strncmp(base, "https://", 8) == 0;
    if (from_remote && strncmp(name, "file://", 7) == 0) {
        JS_ThrowReferenceError(ctx, "origin (%s) not allowed to load local file: %s", base, name);
        return NULL;
    }
    if (strncmp(name, "https://", 8) == 0) return js_strdup(ctx, name);
    if (!from_remote) return NULL;
    buf u = {0};
    if (url_resolve(&u, base, name)) {
        JS_ThrowOutOfMemory(ctx);
        return NULL;
    }
    char *r = js_strdup(ctx, u.p);
    buf_free(&u);
    return r;
}

static _Thread_local vu *vm_cur; /* the VU running on this thread (shared runtime) */
static vm_loader *vm_loader_of(void *opaque) { return opaque ? opaque : vm_cur->loader; }

/* The VU whose context ctx is: the running one, nearly always (a field of
 * the VU the switch just read, rather than the context's opaque pointer in
 * a line of the context nothing else touches); the opaque pointer for any
 * other context (init before the first switch, a VU not running). */
vu *vu_from_ctx(JSContext *ctx) {
    vu *v = vm_cur;
    return v && v->ctx == ctx ? v : JS_GetContextOpaque(ctx);
}

static char *vm_normalize(JSContext *ctx, const char *base, const char *name, void *opaque) {
    vm_loader *l = vm_loader_of(opaque);
    if (vm_is_builtin(name)) return js_strdup(ctx, name);
    snprintf(l->spec, sizeof l->spec, "%s", name); /* QuickJS loads right after normalizing */
    /* jslib helpers c6 carries itself, so scripts that import them run offline */
    if (strncmp(name, "https://jslib.k6.io/k6-summary/", 31) == 0) return js_strdup(ctx, "k6/c6/jslib-summary");
    const char *jl = jslib_module_for_url(name);
    if (jl) return js_strdup(ctx, jl);
    if (strncmp(name, "c6:jslib/", 9) == 0) return js_strdup(ctx, name);
    char *url = vm_remote_name(ctx, base, name); /* an https:// module (js/remote.c) */
    if (url || JS_HasException(ctx)) return url;
    if (strncmp(name, "file://", 7) == 0) name += 7;
    char *abs = script_resolve(base, name);
    if (!abs) {
        JS_ThrowOutOfMemory(ctx);
        return NULL;
    }
    char *r = js_strdup(ctx, abs);
    free(abs);
    return r;
}

/* import.meta.resolve(spec): spec resolved against this module as a file://
 * URL (k6's way to give open() a module-relative path); k6 modules and
 * remote URLs come back as they are. */
static JSValue vm_meta_resolve(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv, int magic,
                               JSValue *data) {
    const char *spec = argc ? JS_ToCString(ctx, argv[0]) : NULL;
    if (!spec) return JS_ThrowTypeError(ctx, "import.meta.resolve(specifier): a string is needed");
    JSValue out;
    if (vm_is_builtin(spec) || strstr(spec, "://")) {
        out = JS_NewString(ctx, spec);
    } else {
        const char *base = JS_ToCString(ctx, data[0]);
        char *abs = script_resolve(base ? base : "/", spec);
        size_t n = abs ? strlen(abs) + 8 : 0;
        char *url = abs ? malloc(n) : NULL;
        if (url) {
            snprintf(url, n, "file://%s", abs);
            out = JS_NewString(ctx, url);
        } else {
            out = JS_ThrowOutOfMemory(ctx);
        }
        free(url);
        free(abs);
        JS_FreeCString(ctx, base);
    }
    JS_FreeCString(ctx, spec);
    return out;
}

/* import.meta.url and import.meta.resolve, for modules that use them (the
 * meta object is not made for the others: it costs memory in every VU). */
static void vm_set_import_meta(JSContext *ctx, JSModuleDef *m, const char *path) {
    JSValue meta = JS_GetImportMeta(ctx, m);
    if (JS_IsException(meta)) return;
    size_t n = strlen(path) + 8;
    char *url = malloc(n);
    if (url) {
        snprintf(url, n, "%s%s", path[0] == '/' ? "file://" : "", path);
        JS_DefinePropertyValueStr(ctx, meta, "url", JS_NewString(ctx, url), JS_PROP_C_W_E);
        free(url);
    }
    JSValue p = JS_NewString(ctx, path);
    JS_DefinePropertyValueStr(ctx, meta, "resolve", JS_NewCFunctionData(ctx, vm_meta_resolve, 1, 0, 1, &p),
                              JS_PROP_C_W_E);
    JS_FreeValue(ctx, p);
    JS_FreeValue(ctx, meta);
}

static JSModuleDef *vm_compile_module(JSContext *ctx, vm_loader *l, const char *name) {
    size_t len;
    const char *text = jslib_source(name, &len); /* a jslib module c6 carries */
    if (!text) {
        char rerr[2048];
        bool remote = strncmp(name, "https://", 8) == 0;
        const script_blob *src = remote ? remote_module(l->s, name, l->spec[0] ? l->spec : name, rerr, sizeof rerr)
                                        : script_open_file(l->s, name);
        if (!src && remote) { /* a load error, as k6's loader reports it (exit 107) */
            free(l->s->load_error);
            l->s->load_error = xstrdup(rerr);
            JS_ThrowReferenceError(ctx, "%s", rerr);
            return NULL;
        }
        if (!src && errno == ENOENT && strcmp(name, l->s->main_path) != 0) {
            /* k6's text (internal/loader/loader.go, fileSchemeCouldntBeLoadedMsg), with the
             * specifier as the script wrote it; the caller reports it (exit 107) */
            const char *spec = l->spec[0] ? l->spec : name;
            size_t n = strlen(spec) + 512;
            free(l->s->load_error);
            l->s->load_error = malloc(n);
            if (l->s->load_error)
                snprintf(l->s->load_error, n,
                         "The moduleSpecifier \"%s\" couldn't be found on local disk. "
                         "Make sure that you've specified the right path to the file. If you're running k6 "
                         "using the Docker image make sure you have mounted the local directory "
                         "(-v /local/path/:/inside/docker/path) containing your script and modules so that "
                         "they're accessible by k6 from inside of the container, see "
                         "https://grafana.com/docs/k6/latest/using-k6/modules/#use-modules-with-docker",
                         spec);
        }
        if (!src) {
            char why[128];
            JS_ThrowReferenceError(ctx, "could not load module \"%s\": %s", name,
                                   script_read_error(errno, why, sizeof why));
            return NULL;
        }
        len = src->len;
        text = (const char *)src->data;
    }
    char *stripped = NULL, *wrapped = NULL;
    if (ts_is_ts(name)) { /* k6 runs TypeScript by erasing the types */
        char err[200];
        text = stripped = ts_strip(text, len, err, sizeof err);
        if (!stripped) {
            JS_ThrowSyntaxError(ctx, "%s: %s", name, err);
            return NULL;
        }
    }
    if (cjs_detect(text, len)) { /* k6 runs CommonJS too */
        text = wrapped = cjs_wrap(text, len, name, &len);
        if (!wrapped) {
            free(stripped);
            JS_ThrowOutOfMemory(ctx);
            return NULL;
        }
    }
    /* The embedded libraries (chai, core-js, papaparse) without their source
     * text: QuickJS keeps each function's source for toString, and every VU
     * that imports them reads it; nested functions' copies cost chai ~1 MB a
     * VU. Line numbers stay. A script's own functions keep theirs (k6's
     * toString gives the source). */
    JSRuntime *rt = JS_GetRuntime(ctx);
    int strip = JS_GetStripInfo(rt);
    bool lib = strncmp(name, "c6:jslib/", 9) == 0;
    if (lib) JS_SetStripInfo(rt, strip | JS_STRIP_SOURCE);
    JSValue fn = JS_Eval(ctx, text, len, name, JS_EVAL_TYPE_MODULE | JS_EVAL_FLAG_COMPILE_ONLY);
    if (lib) JS_SetStripInfo(rt, strip);
    const char *text_for_meta = strstr(text, "import.meta") ? "import.meta" : "";
    free(wrapped);
    free(stripped);
    if (JS_IsException(fn)) return NULL;
    size_t bclen;
    uint8_t *bc = JS_WriteObject(ctx, &bclen, fn, JS_WRITE_OBJ_BYTECODE);
    uint8_t *copy = bc ? malloc(bclen) : NULL;
    if (bc) {
        if (copy) memcpy(copy, bc, bclen);
        js_free(ctx, bc);
    }
    if (!copy || script_add_module(l->s, name, copy, bclen) != 0) {
        free(copy);
        JS_FreeValue(ctx, fn);
        JS_ThrowOutOfMemory(ctx);
        return NULL;
    }
    JSModuleDef *m = JS_VALUE_GET_PTR(fn);
    JS_FreeValue(ctx, fn);
    if (strstr(text_for_meta, "import.meta")) {
        vm_set_import_meta(ctx, m, name);
        if (l->s->nmods && !strcmp(l->s->mods[l->s->nmods - 1].name, name))
            l->s->mods[l->s->nmods - 1].uses_meta = true;
    }
    return m;
}

/* The compiled functions a shared runtime's VUs share (issue 17: memory
 * and CPU per VU): JS_ReadObject gives each VU a copy of a module's
 * functions (headers, constants, variable tables, and the bytecode itself:
 * its atoms are renumbered for the runtime, so the blob cannot serve as it
 * is), which the VU's iterations read from lines no other VU touches, and
 * which for a script importing chai came to ~170 KB a VU (100 VUs: peak
 * RSS 64 -> 47 MB, tests/integration/test_jslib.py). JS_ShareFunction
 * (scripts/quickjs-shared-function.patch) makes the first VU's copy the
 * runtime's, and each later VU's module (or k6/html's library function)
 * takes it instead of its own. A shared function runs in the context of its
 * caller: a VU never calls another's functions (nothing of a VU's is
 * reachable from another's context). Keyed by the compiled blob (fixed
 * once the run starts). */
typedef struct {
    const void *key;
    JSValue fn;
} vm_shared_fn;
typedef struct {
    vm_shared_fn *a;
    size_t n;
} vm_shared_fns;

void vm_share_function(JSContext *ctx, const void *key, JSValue *obj) {
    vu *v = vu_from_ctx(ctx);
    /* (a runtime of its own keeps its VU as its opaque) */
    vm_shared_fns *t = v && v->shared_rt ? JS_GetRuntimeOpaque(JS_GetRuntime(ctx)) : NULL;
    if (!t) return;
    size_t i = 0;
    while (i < t->n && t->a[i].key != key) i++;
    if (i == t->n) { /* (out of memory: this VU keeps its copy) */
        vm_shared_fn *a = realloc(t->a, (t->n + 1) * sizeof *a);
        if (!a) return;
        t->a = a;
        t->a[t->n++] = (vm_shared_fn){.key = key, .fn = JS_UNDEFINED};
    }
    JS_ShareFunction(ctx, obj, &t->a[i].fn);
}

static void vm_shared_fns_free(JSRuntime *rt) {
    vm_shared_fns *t = JS_GetRuntimeOpaque(rt);
    if (!t) return;
    for (size_t i = 0; i < t->n; i++) JS_FreeValueRT(rt, t->a[i].fn);
    free(t->a);
    free(t);
    JS_SetRuntimeOpaque(rt, NULL);
}

static JSModuleDef *vm_load_bytecode(JSContext *ctx, vm_loader *l, const char *name) {
    const script_blob *b = script_module(l->s, name);
    if (!b) {
        JS_ThrowReferenceError(ctx, "module \"%s\" was not compiled before the run", name);
        return NULL;
    }
    JSValue fn = JS_ReadObject(ctx, b->data, b->len, JS_READ_OBJ_BYTECODE | JS_READ_OBJ_ROM_DATA);
    if (JS_IsException(fn)) return NULL;
    vm_share_function(ctx, b->data, &fn);
    JSModuleDef *m = JS_VALUE_GET_PTR(fn);
    JS_FreeValue(ctx, fn);
    if (b->uses_meta) vm_set_import_meta(ctx, m, name);
    return m;
}

static JSModuleDef *vm_loader_fn(JSContext *ctx, const char *name, void *opaque) {
    vm_loader *l = vm_loader_of(opaque);
    if (vm_is_builtin(name)) {
        /* the descriptor estimate (run_check_fds) counts connections only for these */
        if (l->compile && (!strcmp(name, "k6/http") || !strcmp(name, "k6/ws") || strstr(name, "websockets")))
            l->s->uses_net = true;
        for (size_t i = 0; i < sizeof vm_builtins / sizeof *vm_builtins; i++)
            if (strcmp(vm_builtins[i].name, name) == 0) return vm_builtins[i].init(ctx, name);
        JS_ThrowReferenceError(ctx, "unknown module \"%s\": c6 does not provide it yet", name);
        return NULL;
    }
    if (!l->v->in_init) {
        JS_ThrowReferenceError(ctx, "import of \"%s\" outside the init context", name);
        return NULL;
    }
    return l->compile ? vm_compile_module(ctx, l, name) : vm_load_bytecode(ctx, l, name);
}

static JSValue vm_open(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
    vu *v = vu_from_ctx(ctx);
    if (!v->in_init) /* internal/js/initcontext.go, cantBeUsedOutsideInitContextMsg */
        return js_throw_error(ctx, "GoError",
                              "the \"open\" function is only available in the init stage (i.e. the global "
                              "scope), see https://grafana.com/docs/k6/latest/using-k6/test-lifecycle/ for more "
                              "information");
    const char *path = JS_ToCString(ctx, argv[0]);
    if (!path) return JS_EXCEPTION;
    if (!*path) { /* internal/js/bundle.go, setInitGlobals */
        JS_FreeCString(ctx, path);
        return js_throw_error(ctx, "GoError", "open() can't be used with an empty filename");
    }
    const char *mode = argc > 1 && JS_IsString(argv[1]) ? JS_ToCString(ctx, argv[1]) : NULL;
    bool binary = mode && strchr(mode, 'b');
    JS_FreeCString(ctx, mode);
    const char *p = strncmp(path, "file://", 7) == 0 ? path + 7 : path; /* import.meta.resolve's URLs */
    char *abs = script_resolve(v->test ? ((script *)v->test->script)->main_path : "/", p);
    if (!abs) {
        JS_FreeCString(ctx, path);
        return JS_ThrowOutOfMemory(ctx);
    }
    script *s = v->test->script;
    const script_blob *f = script_open_file(s, abs);
    JSValue r;
    /* k6's readFile (internal/js/initcontext.go) stats the path first, so a
     * missing file is Go's "stat <abs>: no such file or directory" */
    int e = errno;
    char why[128];
    if (!f && e == EISDIR)
        r = js_throw_error(ctx, "GoError", "open() can't be used with directories, path: \"%s\"", abs);
    else if (!f)
        r = js_throw_error(ctx, "GoError", "%s %s: %s", e == ENOENT || e == ENOTDIR ? "stat" : "open", abs,
                           e == ENOENT    ? "no such file or directory"
                           : e == ENOTDIR ? "not a directory"
                           : e == EACCES  ? "permission denied"
                                          : script_read_error(e, why, sizeof why));
    else if (binary) r = JS_NewArrayBufferCopy(ctx, f->data, f->len);
    else r = JS_NewStringLen(ctx, (const char *)f->data, f->len);
    free(abs);
    JS_FreeCString(ctx, path);
    return r;
}

/* A string a script cannot tell from JS_NewString's, kept once per runtime
 * (an atom: VUs sharing a runtime share it); __ENV's values are the same in
 * every VU, ~120 B a variable a VU otherwise. */
static JSValue vm_shared_string(JSContext *ctx, const char *s) {
    JSAtom a = JS_NewAtom(ctx, s);
    if (a == JS_ATOM_NULL) return JS_EXCEPTION;
    JSValue v = JS_AtomToString(ctx, a);
    JS_FreeAtom(ctx, a);
    return v;
}

/* __ENV: the test's variables, then `extra` (a scenario's env) over them. */
static void vm_install_env(vu *v, JSValue global, const c6_kv *extra, size_t nextra) {
    JSContext *ctx = v->ctx;
    JSValue env = JS_NewObject(ctx);
    for (char **e = v->test->env; e && *e; e++) {
        const char *eq = strchr(*e, '=');
        if (!eq) continue;
        char key[256];
        size_t kl = (size_t)(eq - *e) < sizeof key - 1 ? (size_t)(eq - *e) : sizeof key - 1;
        memcpy(key, *e, kl);
        key[kl] = 0;
        JS_SetPropertyStr(ctx, env, key, vm_shared_string(ctx, eq + 1));
    }
    for (size_t i = 0; i < nextra; i++) JS_SetPropertyStr(ctx, env, extra[i].key, JS_NewString(ctx, extra[i].value));
    JS_SetPropertyStr(ctx, global, "__ENV", env);
}

void vm_set_env(vu *v, const c6_kv *extra, size_t nextra) {
    JSValue global = JS_GetGlobalObject(v->ctx);
    vm_install_env(v, global, extra, nextra);
    JS_FreeValue(v->ctx, global);
}

static void vm_install_globals(vu *v) {
    JSContext *ctx = v->ctx;
    JSValue global = JS_GetGlobalObject(ctx);
    vm_install_env(v, global, NULL, 0);
    JS_SetPropertyStr(ctx, global, "__VU", JS_NewInt32(ctx, v->id));
    v->iter_atom = JS_NewAtom(ctx, "__ITER"); /* JS_ATOM_NULL when out of memory: looked up each time then */
    JS_SetPropertyStr(ctx, global, "__ITER", JS_NewInt32(ctx, 0));
    JS_SetPropertyStr(ctx, global, "open", JS_NewCFunction(ctx, vm_open, "open", 2));
    JS_SetPropertyStr(ctx, global, "global", JS_DupValue(ctx, global));
    console_install(ctx);
    crypto_global_install(ctx);
    timers_install(ctx);
    JS_FreeValue(ctx, global);
}

/* ---- per-VU module state ---- */

static const vm_mod_ops *const vm_mods[VM_MOD_COUNT] = {
    [VM_MOD_HTTP] = &http_mod_ops,     [VM_MOD_HTTP_ASYNC] = &http_async_mod_ops,
    [VM_MOD_TIMERS] = &timers_mod_ops, [VM_MOD_WEBSOCKETS] = &websockets_mod_ops,
    [VM_MOD_HTML] = &html_mod_ops,     [VM_MOD_GRPC] = &grpc_mod_ops,
};
_Static_assert(VM_MOD_COUNT <= VU_MOD_SLOTS && VU_MOD_SLOTS <= 8, "vu.h: VU_MOD_SLOTS too small for enum vm_mod, "
                                                                  "or too large for mod_iter's bits");

void *vm_mod_alloc(vu *v, enum vm_mod id) {
    const vm_mod_ops *ops = vm_mods[id];
    void *st = calloc(1, ops->size);
    if (!st) return NULL;
    v->mod[id] = st;
    if (ops->iter_begin) v->mod_iter |= (uint8_t)(1u << id);
    if (ops->init) ops->init(v, st);
    return st;
}

static void vm_mods_free(vu *v) {
    for (int i = 0; i < VM_MOD_COUNT; i++) {
        void *st = v->mod[i];
        if (!st) continue;
        if (vm_mods[i]->free) vm_mods[i]->free(v, st);
        free(st);
        v->mod[i] = NULL;
    }
    v->mod_iter = 0;
}

void vm_iter_begin(vu *v, int64_t iter) {
    for (unsigned m = v->mod_iter; m; m &= m - 1) {
        int i = __builtin_ctz(m);
        vm_mods[i]->iter_begin(v, v->mod[i]);
    }
    JSValue global = JS_GetGlobalObject(v->ctx);
    JSValue n = JS_NewInt64(v->ctx, iter);
    if (v->iter_atom != JS_ATOM_NULL) JS_SetProperty(v->ctx, global, v->iter_atom, n); /* as JS_SetPropertyStr does */
    else JS_SetPropertyStr(v->ctx, global, "__ITER", n);
    /* what the iterations read first, for vm_enter to ask for ahead (the
     * global object has its __ITER now, and __ENV is set; its value is
     * read without calling a getter a script may have put there) */
    if (iter == 0) {
        JS_SetPrefetch(v->ctx, v->fn, "__ENV");
        if (v->iter_atom != JS_ATOM_NULL) JS_AddPrefetchLookup(v->ctx, global, v->iter_atom);
    }
    /* and the look-ups its second iteration makes on the objects listed
     * (http.get on the module's object, __ENV.TARGET): that iteration's
     * lines are the later ones' (the first may run code once only) */
    if (iter == 1 || iter == 2) JS_SetPrefetchLearn(v->ctx, iter == 1);
    JS_FreeValue(v->ctx, global);
}

static int vm_interrupt(JSRuntime *rt, void *opaque) {
    vu *v = opaque;
    (void)rt;
    /* only iterations are cut off; teardown runs after the stop and must finish */
    if (!v->test || !v->in_iteration) return 0;
    if (v->role != VU_REGULAR) {
        /* setup/teardown/handleSummary past their timeout (set by the main
         * thread); setup() also ends on a stop (Ctrl-C), as k6 runs it in
         * the run's context. teardown() and handleSummary() run in k6's
         * global context: a first Ctrl-C does not cut them short. */
        if (atomic_load_explicit(&v->test->special_stop, memory_order_relaxed)) return 1;
        return v->role == VU_SETUP && test_phase(v->test) >= PHASE_HARD_STOP;
    }
    return v->stop_req || test_phase(v->test) >= PHASE_HARD_STOP || (v->sc && scen_state(v->sc) >= SC_HARD_STOP);
}

/* Shared runtimes (issue 17, memory per VU; bench/README.md "Where a VU's
 * memory goes"): the regular VUs of a worker share QuickJS runtimes, up to
 * vm_group_size() VUs each, a context per VU (C6_SHARED_RT=0: a runtime per
 * VU, as before). A runtime holds state of the VU that runs, which stock
 * QuickJS cannot hand over at a switch; scripts/quickjs-shared-runtime.patch
 * keeps promise jobs and shape tables per context and adds the functions
 * below, and vm_enter/vm_leave swap the rest at each switch into and out of
 * a VU's coroutine: the chain of JS frames (backtraces, Error.stack), where
 * the stack starts (the stack limit follows each VU's own coroutine stack)
 * and the pending exception. The interrupt handler and the module loader
 * are the runtime's; they find the running VU in vm_cur. */
extern int JS_ExecutePendingJobOf(JSRuntime *rt, JSContext *only);
extern void *JS_SwapStackFrame(JSRuntime *rt, void *frame);
extern void JS_SetStackTop(JSRuntime *rt, uintptr_t top);
extern size_t JS_GetMallocSize(JSRuntime *rt);

static int vm_interrupt_shared(JSRuntime *rt, void *opaque) { return vm_cur ? vm_interrupt(rt, vm_cur) : 0; }

/* A VU switched in after a sleep or a response has its JS objects cold at
 * 10,000 VUs (issue 17): its context, function, bytecode header, closure
 * variables and what they hold, the global object, __ENV; the interpreter
 * reads them one after the other, a miss it waits for each. They are asked
 * for ahead, as the worker does with the VUs' structs and stacks
 * (src/exec/worker.c, worker_prefetch), a step of the ready queue at a
 * time: the VU after next's context lines (the list of the others among
 * them), and the next one's list (JS_SetPrefetch, vm_iter_begin). Each
 * step reads only what the step before asked for (the VUs' structs: the
 * worker's). v->next_ready is the queue after v as worker_run_ready
 * leaves it (NULL for a VU never queued: worker_init_vu). Not this VU's
 * own list: it was the next one a switch ago, but for the first of a round
 * (asking again cost 250 instructions an iteration and measured no
 * different, 4 pairs). Measured (bench/cpu_iter.sh, 10,000 VUs, pairs
 * beside the build without it): -0.5 to -1.2 us of CPU an iteration, 12
 * pairs of 12; +290 instructions an iteration (callgrind). */
static inline void vm_prefetch(const vu *v) {
    const vu *n1 = v->next_ready;
    if (!n1 || !n1->ctx) return;
    JS_PrefetchContext(n1->ctx, 1);
    const vu *n2 = n1->next_ready;
    if (n2 && n2->ctx) JS_PrefetchContext(n2->ctx, 0);
}

void vm_enter(vu *v) {
    vm_cur = v;
    vm_prefetch(v);
    if (!v->shared_rt || !v->rt) return;
    JS_SwapStackFrame(v->rt, v->js_frame);
    JS_SetStackTop(v->rt, v->js_top);
    if (v->js_exc_set) { /* the exception it left with is its again */
        v->js_exc_set = false;
        JS_Throw(v->ctx, v->js_exc);
    }
}

void vm_leave(vu *v) {
    vm_cur = NULL;
    if (!v->shared_rt || !v->rt) return;
    v->js_frame = JS_SwapStackFrame(v->rt, NULL);
    /* a pending exception is the VU's, not the next one's (c6 does not yield
     * with one set today; if it ever does, the VU gets it back) */
    if (v->ctx && JS_HasException(v->ctx)) {
        v->js_exc = JS_GetException(v->ctx);
        v->js_exc_set = true;
    }
}

void vm_worker_started(worker *w) {
    /* cycle collection resumes where QuickJS would put it after a pass (half
     * a heap above what is allocated) without the pass itself: VU creation
     * left little cyclic garbage, and a pass walks every object of the
     * runtime's VUs */
    w->js_gc_on = true;
    for (int i = 0; i < w->njs_rts; i++) {
        size_t now = JS_GetMallocSize(w->js_rts[i]);
        JS_SetGCThreshold(w->js_rts[i], now + now / 2);
    }
}

void vm_worker_free(worker *w) {
    http_calls_free(w);
    /* after its VUs: their contexts are gone only when VUs are freed at exit
     * (sanitizer builds, C6_FREE_VUS); otherwise the exit returns it all */
    if (vu_free_at_exit())
        for (int i = 0; i < w->njs_rts; i++) {
            vm_shared_fns_free(w->js_rts[i]);
            jsalloc_free_runtime(w->js_rts[i]);
        }
    free(w->js_rts);
    w->js_rts = NULL;
    w->njs_rts = 0;
}

int vm_run_job(vu *v) {
    if (v->shared_rt) return JS_ExecutePendingJobOf(v->rt, v->ctx);
    JSContext *jctx;
    return JS_ExecutePendingJob(v->rt, &jctx);
}

bool vm_cut_off(vu *v) { return v->interrupted || vm_interrupt(v->rt, v); }

JSValue k6_throw_interrupted(JSContext *ctx);

/* The sources, in the order a tie would be broken (stamps never tie). */
static const vm_source *const vm_sources[] = {&http_async_source, &websockets_source, &grpc_streams_source};
#define VM_NSOURCES (sizeof vm_sources / sizeof *vm_sources)

uint64_t vm_loop_event(vu *v) {
    if (v->loop_waiting && v->state == VU_WAITING) vu_wake(v);
    return ++v->loop_seq;
}

/* Drops what would keep the event loop going. */
static void vm_loop_clear(vu *v) {
    timers_clear(v);
    for (size_t i = 0; i < VM_NSOURCES; i++) vm_sources[i]->clear(v);
}

/* One turn of the loop once the promise jobs have run: the oldest waiting
 * event of any source, else a due timer, else a wait for either (one wait:
 * an event of any source or the next timer or deadline ends it). Returns 1
 * when it did something, 0 when nothing is left (no source open, no timer),
 * -1 with an exception pending. */
static int vm_loop_turn(vu *v) {
    /* no timer module, no source module: nothing can be pending (each
     * source's and the timers' pending() is false without their state) */
    _Static_assert(VM_NSOURCES == 3, "vm_loop_turn: a new source's module slot goes in the test below");
    if (!v->mod[VM_MOD_TIMERS] && !v->mod[VM_MOD_HTTP_ASYNC] && !v->mod[VM_MOD_WEBSOCKETS] && !v->mod[VM_MOD_GRPC])
        return 0;
    size_t first = 0;
    while (first < VM_NSOURCES && !vm_sources[first]->pending(v)) first++;
    if (first == VM_NSOURCES) { /* timers alone: timers_run_next waits for the next one (init code sleeps) */
        if (!timers_pending(v)) return 0;
        return timers_run_next(v) < 0 ? -1 : 1;
    }
    int64_t now = clock_now_us(), due = INT64_MAX;
    const vm_source *best = NULL;
    uint64_t best_seq = UINT64_MAX;
    for (size_t i = first; i < VM_NSOURCES; i++) {
        const vm_source *src = vm_sources[i];
        if (i > first && !src->pending(v)) continue;
        uint64_t seq = src->next(v, now, &due);
        if (seq < best_seq) best_seq = seq, best = src;
    }
    if (best) return best->run(v) < 0 ? -1 : 1;
    int64_t tdue = timers_next_due(v);
    if (tdue <= now) return timers_run_next(v) < 0 ? -1 : 1;
    /* vu_wait_until rounds down (right for deadlines, which are checked
     * again); a timer's wait rounded up, so it does not spin its last ms */
    if (tdue != INT64_MAX && tdue + 999 < due) due = tdue + 999;
    if (vm_cut_off(v)) {
        k6_throw_interrupted(v->ctx);
        return -1;
    }
    v->loop_waiting = true;
    bool ok = vu_wait_until(v, due);
    v->loop_waiting = false;
    if (!ok) {
        k6_throw_interrupted(v->ctx);
        return -1;
    }
    return 1;
}

/* The event loop after a call: runs promise jobs, then events of the
 * sources above (http.asyncRequest's responses, k6/websockets' and
 * k6/net/grpc's events) and due timers, one at a time with the promise jobs
 * they make run in between, until the returned promise (if any) has
 * settled, no timer is left and every request, socket and stream has ended,
 * as an iteration in k6 lasts until its event loop is empty. An exception
 * or a rejection ends it at once and drops what is left. */
static JSValue vm_settle(vu *v, JSValue p) {
    JSContext *ctx = v->ctx;
    for (;;) {
        int r;
        while ((r = vm_run_job(v)) > 0) {}
        if (r < 0) {
            JS_FreeValue(ctx, p);
            vm_loop_clear(v);
            return JS_EXCEPTION;
        }
        /* (an iteration's usual result, undefined, is no promise: no call) */
        JSPromiseStateEnum st = JS_IsObject(p) ? JS_PromiseState(ctx, p) : (JSPromiseStateEnum)-1;
        if (st == JS_PROMISE_REJECTED) {
            JSValue e = JS_PromiseResult(ctx, p);
            JS_FreeValue(ctx, p);
            vm_loop_clear(v);
            return JS_Throw(ctx, e);
        }
        int t = vm_loop_turn(v);
        if (t > 0) continue;
        if (t < 0) {
            JS_FreeValue(ctx, p);
            vm_loop_clear(v);
            return JS_EXCEPTION;
        }
        if ((int)st < 0) return p; /* not a promise */
        if (st == JS_PROMISE_FULFILLED) {
            JSValue res = JS_PromiseResult(ctx, p);
            JS_FreeValue(ctx, p);
            return res;
        }
        JS_FreeValue(ctx, p);
        return JS_ThrowInternalError(ctx, "promise never settled (no pending job or timer can resolve it)");
    }
}

JSValue vm_call(vu *v, JSValueConst fn, int argc, JSValueConst *argv) {
    JSValue r = JS_Call(v->ctx, fn, JS_UNDEFINED, argc, (JSValue *)argv);
    if (JS_IsException(r)) return r;
    return vm_settle(v, r);
}

static void vm_list_exported_fns(JSContext *ctx, JSValueConst ns, script *s) {
    JSPropertyEnum *props;
    uint32_t n;
    if (JS_GetOwnPropertyNames(ctx, &props, &n, ns, JS_GPN_STRING_MASK)) {
        JS_FreeValue(ctx, JS_GetException(ctx));
        return;
    }
    s->export_fns = xcalloc(n + 1, sizeof *s->export_fns); /* once, at compile time */
    for (uint32_t i = 0; i < n; i++) {
        JSValue f = JS_GetProperty(ctx, ns, props[i].atom);
        if (JS_IsFunction(ctx, f)) {
            const char *name = JS_AtomToCString(ctx, props[i].atom);
            /* k6 never counts `options` as a callable export (bundle.go, populateExports) */
            if (name && strcmp(name, "options") != 0) s->export_fns[s->nexport_fns++] = xstrdup(name);
            JS_FreeCString(ctx, name);
        }
        JS_FreeValue(ctx, f);
    }
    vm_free_props(ctx, props, n);
}

static int vm_name_order(const void *a, const void *b) {
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The first number in val that JSON cannot carry (Infinity, -Infinity, NaN),
 * as Go's encoding/json names it ("+Inf", "-Inf", "NaN": static strings), or NULL. k6 turns
 * the exported options into JSON with json.MarshalIndent(v.Export()), which
 * fails on such a number (JSON.stringify would quietly make it null): keys in
 * Go's order (sorted, as Go writes a map), elements in order. Depth-bounded
 * (a cycle fails later, in JSON.stringify). */
static const char *vm_first_non_finite(JSContext *ctx, JSValueConst val, int depth) {
    if (JS_IsNumber(val)) {
        double d;
        if (JS_ToFloat64(ctx, &d, val) || isfinite(d)) return NULL;
        return isnan(d) ? "NaN" : d > 0 ? "+Inf" : "-Inf";
    }
    if (!JS_IsObject(val) || JS_IsFunction(ctx, val) || depth > 64) return NULL;
    JSPropertyEnum *props;
    uint32_t n;
    if (JS_GetOwnPropertyNames(ctx, &props, &n, val, JS_GPN_STRING_MASK | JS_GPN_ENUM_ONLY)) {
        JS_FreeValue(ctx, JS_GetException(ctx));
        return NULL;
    }
    bool array = JS_IsArray(ctx, val) > 0;
    const char **names = n ? malloc(n * sizeof *names) : NULL;
    const char *found = NULL;
    if (n && names) {
        uint32_t k = 0;
        for (uint32_t i = 0; i < n; i++) {
            const char *name = JS_AtomToCString(ctx, props[i].atom);
            if (name) names[k++] = name;
        }
        if (!array) qsort(names, k, sizeof *names, vm_name_order);
        for (uint32_t i = 0; i < k && !found; i++) {
            JSValue item = JS_GetPropertyStr(ctx, val, names[i]);
            found = vm_first_non_finite(ctx, item, depth + 1);
            JS_FreeValue(ctx, item);
        }
        for (uint32_t i = 0; i < k; i++) JS_FreeCString(ctx, names[i]);
    }
    free(names);
    for (uint32_t i = 0; i < n; i++) JS_FreeAtom(ctx, props[i].atom);
    js_free(ctx, props);
    return found;
}

static void vm_read_exports(vu *v, script *s, bool compile) {
    JSContext *ctx = v->ctx;
    JSValue def = JS_GetPropertyStr(ctx, v->ns, "default");
    if (compile) {
        JSValue setup = JS_GetPropertyStr(ctx, v->ns, "setup");
        JSValue teardown = JS_GetPropertyStr(ctx, v->ns, "teardown");
        JSValue opts = JS_GetPropertyStr(ctx, v->ns, "options");
        JSValue hs = JS_GetPropertyStr(ctx, v->ns, "handleSummary");
        s->has_handle_summary = JS_IsFunction(ctx, hs);
        JS_FreeValue(ctx, hs);
        s->has_default = JS_IsFunction(ctx, def);
        s->has_setup = JS_IsFunction(ctx, setup);
        s->has_teardown = JS_IsFunction(ctx, teardown);
        /* internal/js/bundle.go, populateExports: "exported 'setup' must be a function" */
        static const char *const special[] = {"setup", "teardown"};
        for (int i = 0; i < 2 && !s->bad_export; i++) {
            JSAtom a = JS_NewAtom(ctx, special[i]);
            if (JS_HasProperty(ctx, v->ns, a) > 0 && !(i ? s->has_teardown : s->has_setup)) s->bad_export = special[i];
            JS_FreeAtom(ctx, a);
        }
        if (JS_IsObject(opts)) {
            /* internal/js/bundle.go, populateExports: "error parsing script options: %w" around
             * encoding/json's UnsupportedValueError ("json: unsupported value: +Inf") */
            const char *bad = vm_first_non_finite(ctx, opts, 0);
            if (bad) s->bad_options = bad;
            else s->options_json = vm_to_json(ctx, opts);
        }
        vm_list_exported_fns(ctx, v->ns, s);
        JS_FreeValue(ctx, setup);
        JS_FreeValue(ctx, teardown);
        JS_FreeValue(ctx, opts);
    }
    const char *want = v->role == VU_SETUP      ? "setup"
                       : v->role == VU_TEARDOWN ? "teardown"
                       : v->role == VU_SUMMARY  ? "handleSummary"
                                                : NULL;
    if (want) {
        JS_FreeValue(ctx, def);
        def = JS_GetPropertyStr(ctx, v->ns, want);
    }
    v->fn = def;
}

/* C6_VU_MEMORY=1 (a measurement aid for bench/vu_memory.sh): what QuickJS
 * holds for the first regular VU once its init is done, on stderr. One
 * getenv per process; nothing on the iteration path. */
static void vm_report_memory(vu *v) {
    static int on = -1;
    if (on < 0) on = getenv("C6_VU_MEMORY") != NULL;
    if (!on || v->role != VU_REGULAR || v->id != 1) return;
    JSMemoryUsage u;
    JS_ComputeMemoryUsage(v->rt, &u);
    fprintf(stderr,
            "c6 vu-memory: quickjs %lld B in %lld allocations; atoms %lld (%lld B), strings %lld (%lld B), "
            "objects %lld (%lld B), properties %lld B, shapes %lld (%lld B), functions %lld (%lld B), "
            "C functions %lld\n",
            (long long)u.malloc_size, (long long)u.malloc_count, (long long)u.atom_count, (long long)u.atom_size,
            (long long)u.str_count, (long long)u.str_size, (long long)u.obj_count, (long long)u.obj_size,
            (long long)u.prop_size, (long long)u.shape_count, (long long)u.shape_size, (long long)u.js_func_count,
            (long long)u.js_func_size, (long long)u.c_func_count);
}

static int vm_fail(vu *v, char *err, size_t errlen) {
    const script *s = ((vm_loader *)v->loader)->s;
    if (s->load_error) { /* a missing module: k6's text, not the exception's */
        JS_FreeValue(v->ctx, JS_GetException(v->ctx));
        snprintf(err, errlen, "%s", s->load_error);
        return -1;
    }
    char *t = vu_exception_text(v->ctx);
    snprintf(err, errlen, "%s", t ? t : "unknown error");
    free(t);
    return -1;
}

static void vm_classes_init(JSRuntime *rt) {
    http_class_init(rt);
    metrics_class_init(rt);
    execution_class_init(rt);
    html_class_init(rt);
    data_class_init(rt);
    ws_class_init(rt);
    websockets_class_init(rt);
    grpc_class_init(rt);
}

/* How many VUs share a runtime: VM_GROUP by default, C6_SHARED_RT=N for N,
 * 0 for a runtime per VU as before. A collection walks every object of a
 * runtime's VUs and stops their worker meanwhile: with a worker's 5,000 VUs
 * in one runtime a pass took up to ~0.4 s; groups of 256 keep a pass near
 * 1/20 of that for a runtime's fixed cost (~28 KB: tables, atoms) per 256
 * VUs (bench/README.md, scripts/cycles.js). */
#define VM_GROUP 256
static int vm_group_size(void) {
    static int n = -1;
    if (n < 0) {
        const char *e = getenv("C6_SHARED_RT");
        char *end;
        long l = e ? strtol(e, &end, 10) : -1;
        n = e && *e && !*end && l >= 0 && l <= 1000000 ? (int)l : VM_GROUP;
    }
    return n;
}

/* A runtime for worker w's next VU: the last one while it has room. */
static JSRuntime *vm_group_runtime(worker *w) {
    if (w->njs_rts && w->js_rt_vus < vm_group_size()) {
        w->js_rt_vus++;
        return w->js_rts[w->njs_rts - 1];
    }
    JSRuntime **a = realloc(w->js_rts, (size_t)(w->njs_rts + 1) * sizeof *a);
    if (!a) return NULL;
    w->js_rts = a;
    /* its memory: a heap of its own, only this worker's thread uses it
     * (src/js/jsalloc.c) */
    JSRuntime *rt = jsalloc_new_runtime();
    vm_shared_fns *fns = rt ? calloc(1, sizeof *fns) : NULL;
    if (!fns) {
        if (rt) jsalloc_free_runtime(rt);
        return NULL;
    }
    JS_SetRuntimeOpaque(rt, fns);
    JS_SetMaxStackSize(rt, VM_STACK_LIMIT);
    /* no cycle collection while the worker makes its VUs: each pass walks
     * every VU's objects, and with the threshold growing by half a heap at
     * a time they took a fifth of the start-up; collection resumes when
     * the run starts (vm_worker_started) */
    if (!w->js_gc_on) JS_SetGCThreshold(rt, (size_t)-1);
    vm_classes_init(rt);
    JS_SetInterruptHandler(rt, vm_interrupt_shared, NULL);
    JS_SetModuleLoaderFunc(rt, vm_normalize, vm_loader_fn, NULL);
    w->js_rts[w->njs_rts++] = rt;
    w->js_rt_vus = 1;
    return rt;
}

int vm_create(vu *v, script *s, bool compile, char *err, size_t errlen) {
    v->shared_rt = !compile && v->role == VU_REGULAR && v->w && vm_group_size() > 0;
    if (v->shared_rt) {
        v->rt = vm_group_runtime(v->w);
        if (!v->rt) return snprintf(err, errlen, "out of memory creating a JS runtime"), -1;
        v->js_top = (uintptr_t)__builtin_frame_address(0);
        v->js_frame = NULL;
        vm_enter(v);
    } else {
        v->rt = JS_NewRuntime();
        if (!v->rt) return snprintf(err, errlen, "out of memory creating a JS runtime"), -1;
        JS_SetMaxStackSize(v->rt, compile ? 4 * 1024 * 1024 : VM_STACK_LIMIT);
        JS_UpdateStackTop(v->rt);
        JS_SetRuntimeOpaque(v->rt, v);
        vm_classes_init(v->rt);
    }
    v->ctx = JS_NewContext(v->rt);
    vm_loader *l = v->ctx ? calloc(1, sizeof *l) : NULL;
    if (!l) {
        if (v->ctx) JS_FreeContext(v->ctx);
        if (!v->shared_rt) JS_FreeRuntime(v->rt);
        v->rt = NULL;
        v->ctx = NULL;
        return snprintf(err, errlen, "out of memory creating a JS context"), -1;
    }
    JS_SetContextOpaque(v->ctx, v);
    *l = (vm_loader){.v = v, .s = s, .compile = compile};
    v->loader = l;
    if (!v->shared_rt) {
        JS_SetInterruptHandler(v->rt, vm_interrupt, v);
        JS_SetModuleLoaderFunc(v->rt, vm_normalize, vm_loader_fn, l);
    }
    v->ns = JS_UNDEFINED;
    v->fn = JS_UNDEFINED;
    v->data = JS_UNDEFINED;
    vm_install_globals(v);

    v->in_init = true;
    JSModuleDef *m = compile ? vm_compile_module(v->ctx, l, s->main_path) : vm_load_bytecode(v->ctx, l, s->main_path);
    if (!m) {
        v->in_init = false;
        return vm_fail(v, err, errlen);
    }
    JSValue mod = JS_MKPTR(JS_TAG_MODULE, m);
    /* bytecode modules come unlinked: load and link their imports first */
    if (!compile && JS_ResolveModule(v->ctx, mod) < 0) {
        v->in_init = false;
        return vm_fail(v, err, errlen);
    }
    JSValue r = JS_EvalFunction(v->ctx, JS_DupValue(v->ctx, mod));
    if (!JS_IsException(r)) r = vm_settle(v, r);
    v->in_init = false;
    if (JS_IsException(r)) {
        if (compile) s->init_threw = true;
        return vm_fail(v, err, errlen);
    }
    JS_FreeValue(v->ctx, r);
    v->ns = JS_GetModuleNamespace(v->ctx, m);
    JSValue cjs = JS_GetPropertyStr(v->ctx, v->ns, "__c6_cjs"); /* a CommonJS script: module.exports */
    if (JS_IsObject(cjs) || JS_IsFunction(v->ctx, cjs)) {
        JS_FreeValue(v->ctx, v->ns);
        v->ns = cjs;
    } else {
        JS_FreeValue(v->ctx, cjs);
    }
    vm_read_exports(v, s, compile);
    vm_report_memory(v);
    return 0;
}

void vm_destroy(vu *v) {
    if (!v->rt) return;
    vm_loop_clear(v);
    JS_FreeValue(v->ctx, v->fn);
    JS_FreeValue(v->ctx, v->data);
    JS_FreeValue(v->ctx, v->ns);
    vm_mods_free(v);
    if (v->js_exc_set) JS_FreeValue(v->ctx, v->js_exc);
    v->js_exc_set = false;
    JS_FreeAtom(v->ctx, v->iter_atom);
    v->iter_atom = JS_ATOM_NULL;
    JS_FreeContext(v->ctx);
    if (!v->shared_rt) JS_FreeRuntime(v->rt);
    free(v->loader);
    v->loader = NULL;
    v->rt = NULL;
    v->ctx = NULL;
}

char *vm_to_json(JSContext *ctx, JSValueConst val) {
    JSValue s = JS_JSONStringify(ctx, val, JS_UNDEFINED, JS_UNDEFINED);
    if (JS_IsException(s) || JS_IsUndefined(s)) {
        JS_FreeValue(ctx, s);
        return NULL;
    }
    const char *c = JS_ToCString(ctx, s);
    char *out = c ? strdup(c) : NULL; /* alloc-ok: NULL returned (out of memory, as JS_ToCString's) */
    JS_FreeCString(ctx, c);
    JS_FreeValue(ctx, s);
    return out;
}

JSValue vm_from_json(JSContext *ctx, const char *json) {
    if (!json) return JS_UNDEFINED;
    return JS_ParseJSON(ctx, json, strlen(json), "<setup data>");
}

int vm_pairs_read(JSContext *ctx, JSValueConst obj, vm_pairs *p) {
    JSPropertyEnum *props;
    uint32_t n;
    p->ctx = ctx;
    if (!JS_IsObject(obj)) return 0;
    if (JS_GetOwnPropertyNames(ctx, &props, &n, obj, JS_GPN_STRING_MASK | JS_GPN_ENUM_ONLY)) return -1;
    int rc = 0;
    for (uint32_t i = 0; i < n && p->n < VM_MAX_PAIRS; i++) {
        JSValue val = JS_GetProperty(ctx, obj, props[i].atom);
        const char *k = JS_AtomToCString(ctx, props[i].atom);
        size_t len = 0;
        const char *s = JS_IsException(val) ? NULL : JS_ToCStringLen(ctx, &len, val);
        JS_FreeValue(ctx, val);
        if (!k || !s) {
            JS_FreeCString(ctx, k);
            JS_FreeCString(ctx, s);
            rc = -1;
            break;
        }
        if (p->keep_nul && memchr(s, 0, len)) { /* rare: the copy costs nothing otherwise */
            char *c = malloc(2 * len + 1), *o = c;
            if (c) {
                for (size_t j = 0; j < len; j++) {
                    if (s[j]) *o++ = s[j];
                    else {
                        memcpy(o, VM_TAG_NUL, 2);
                        o += 2;
                    }
                }
                *o = 0;
                JS_FreeCString(ctx, s);
                s = c;
                p->owned |= 1ull << p->n;
            }
        }
        p->k[p->n] = k;
        p->v[p->n++] = s;
    }
    vm_free_props(ctx, props, n);
    return rc;
}

void vm_pairs_release(vm_pairs *p) {
    for (int i = 0; i < p->n; i++) {
        JS_FreeCString(p->ctx, p->k[i]);
        if (p->owned >> i & 1) free((char *)p->v[i]);
        else JS_FreeCString(p->ctx, p->v[i]);
    }
    p->n = 0;
    p->owned = 0;
}

void vm_global_object(JSContext *ctx, const char *name, const JSCFunctionListEntry *list, int n) {
    JSValue global = JS_GetGlobalObject(ctx);
    JSValue o = JS_NewObject(ctx);
    JS_SetPropertyFunctionList(ctx, o, list, n);
    JS_SetPropertyStr(ctx, global, name, o);
    JS_FreeValue(ctx, global);
}

int vm_set_exports(JSContext *ctx, JSModuleDef *m, JSValueConst def, const JSCFunctionListEntry *list, int n) {
    JS_SetPropertyFunctionList(ctx, def, list, n);
    for (int i = 0; i < n; i++) {
        JSValue v = JS_GetPropertyStr(ctx, def, list[i].name);
        if (JS_IsException(v) || JS_SetModuleExport(ctx, m, list[i].name, v) < 0) return -1;
    }
    return 0;
}
