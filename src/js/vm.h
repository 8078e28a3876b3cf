/* A VU's JavaScript machine: runtime, context, module loader, globals, the
 * event loop that runs after each call (promise jobs, http.asyncRequest,
 * k6/websockets and k6/net/grpc events, timers), and the per-VU state of the built-in
 * modules. The modules themselves live in js/modules/ and are declared at the
 * end of this header. */
#ifndef C6_VM_H
#define C6_VM_H
#include <quickjs.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "js/script.h"
#include "config/scenarios.h"
#include "vu/vu.h"

struct cookie_jar;
struct ws_client;

/* Builds v's runtime and context on the current stack and runs the init code.
 * compile=true: first init run, compiles sources into s (main thread).
 * Returns 0, or -1 with err set to the located error text. */
int vm_create(vu *v, script *s, bool compile, char *err, size_t errlen);
/* Frees what vm_create built: what the event loop still holds, the modules'
 * state, the context and the runtime. A no-op on a VU without a runtime. */
void vm_destroy(vu *v);
/* Calls fn(args), then runs the event loop until a returned promise has
 * settled, no timer is left and every http.asyncRequest, k6/websockets
 * socket and k6/net/grpc stream has ended (an iteration lasts that long in k6). A
 * throw or a rejection drops what is left. Returns the result (a promise's
 * value), or JS_EXCEPTION with the exception pending. */
JSValue vm_call(vu *v, JSValueConst fn, int argc, JSValueConst *argv);
/* Whether the running call should end now (the test or scenario is
 * stopping): what QuickJS's interrupt handler says, for code that waits in
 * a loop of its own and might miss a one-off wake-up. */
bool vm_cut_off(vu *v);

/* The event loop's sources of events besides promise jobs and timers:
 * k6/websockets' sockets, k6/net/grpc's streams and asyncInvoke calls,
 * http.asyncRequest's requests. What their connections report from the
 * worker's libuv loop is queued on the VU, each event stamped with
 * vm_loop_event(), which also wakes the loop if it waits: one wait for all
 * sources (and the timers), so every event is handled as it comes whatever
 * else is open, the oldest first across sources (k6's one task queue). */
typedef struct vm_source {
    /* something is open (it may still report events) or events wait */
    bool (*pending)(const vu *v);
    /* its housekeeping between tasks (deadlines, bufferedAmount, finished
     * requests); the stamp of its oldest waiting event, UINT64_MAX if none;
     * lowers *due (monotonic µs) to when it has to look again */
    uint64_t (*next)(vu *v, int64_t now, int64_t *due);
    /* handles that event: 0, or -1 with an exception pending */
    int (*run)(vu *v);
    /* drops everything (the call ended with an exception or was cut off) */
    void (*clear)(vu *v);
} vm_source;
extern const vm_source websockets_source, grpc_streams_source, http_async_source;
/* An event source queued an event for v: wakes the event loop if it waits
 * (any other wait of the VU is left alone) and returns the event's stamp. */
uint64_t vm_loop_event(vu *v);
/* An iteration starts: sets __ITER and lets each module that has state in v
 * reset what lasts one iteration (k6/http's cookie jar, which k6 empties). */
void vm_iter_begin(vu *v, int64_t iter);
/* Replaces __ENV with the test's variables plus `extra` (a scenario's env). */
void vm_set_env(vu *v, const c6_kv *extra, size_t nextra);
/* JSON text <-> value through the context. */
char *vm_to_json(JSContext *ctx, JSValueConst v);
JSValue vm_from_json(JSContext *ctx, const char *json);

/* Frees what JS_GetOwnPropertyNames returned (QuickJS exports no helper). */
static inline void vm_free_props(JSContext *ctx, JSPropertyEnum *tab, uint32_t len) {
    for (uint32_t i = 0; i < len; i++) JS_FreeAtom(ctx, tab[i].atom);
    js_free(ctx, tab);
}

/* Key/value strings read from an object's own enumerable properties (values
 * through ToString): headers, tags and form fields all come this way. */
#define VM_MAX_PAIRS 64
typedef struct vm_pairs {
    JSContext *ctx;
    const char *k[VM_MAX_PAIRS], *v[VM_MAX_PAIRS];
    int n;
    /* tags: a value's NUL characters are kept as the overlong pair C0 80
     * (VM_TAG_NUL), which C strings carry and the JSON writers turn back
     * into \u0000, as k6 keeps them; set before reading */
    bool keep_nul;
    uint64_t owned; /* values malloc'd for that (bit i: v[i]) */
} vm_pairs;
#define VM_TAG_NUL "\xC0\x80"
/* Appends obj's pairs (past VM_MAX_PAIRS they are dropped); -1 if reading threw. */
int vm_pairs_read(JSContext *ctx, JSValueConst obj, vm_pairs *p);
void vm_pairs_release(vm_pairs *p);
/* Frees the strings read and empties p (inline: most requests have none). */
static inline void vm_pairs_free(vm_pairs *p) {
    if (p->n || p->owned) vm_pairs_release(p);
}

/* ---- Per-VU module state ----
 * A built-in module that keeps something per VU owns one slot of v->mod,
 * named here. vm_mod_get allocates the slot's state on the module's first
 * use in that VU (zeroed, then its init) and returns it from then on;
 * vm_destroy hands it to the module's free callback while the context is
 * still alive, then frees it. Nothing is allocated per request or iteration. */
enum vm_mod {
    VM_MOD_HTTP,
    VM_MOD_HTTP_ASYNC,
    VM_MOD_TIMERS,
    VM_MOD_WEBSOCKETS,
    VM_MOD_HTML,
    VM_MOD_GRPC,
    VM_MOD_COUNT
};
typedef struct vm_mod_ops {
    size_t size;                         /* of the state vm_mod_get allocates */
    void (*init)(vu *v, void *st);       /* optional: after zeroing */
    void (*iter_begin)(vu *v, void *st); /* optional: at each iteration's start */
    void (*free)(vu *v, void *st);       /* optional: releases what st holds (not st) */
} vm_mod_ops;
/* Each module's callbacks, defined in its file. */
extern const vm_mod_ops http_mod_ops, http_async_mod_ops, timers_mod_ops, websockets_mod_ops, html_mod_ops,
    grpc_mod_ops;
/* The module's state in v, allocated on first call; NULL only when out of
 * memory. Inline: requests and iterations ask for it. */
void *vm_mod_alloc(vu *v, enum vm_mod id);
static inline void *vm_mod_get(vu *v, enum vm_mod id) { return v->mod[id] ? v->mod[id] : vm_mod_alloc(v, id); }
/* The module's state in v, or NULL if the module has not used it yet. */
static inline void *vm_mod_peek(const vu *v, enum vm_mod id) { return v->mod[id]; }

/* Built-in modules (js/modules/: one file each, k6/http several). */
JSModuleDef *k6_module_init(JSContext *ctx, const char *name);
JSModuleDef *http_module_init(JSContext *ctx, const char *name);
JSModuleDef *metrics_module_init(JSContext *ctx, const char *name);
JSModuleDef *execution_module_init(JSContext *ctx, const char *name);
JSModuleDef *jslib_summary_module_init(JSContext *ctx, const char *name);
JSModuleDef *html_module_init(JSContext *ctx, const char *name);
JSModuleDef *encoding_module_init(JSContext *ctx, const char *name);
JSModuleDef *crypto_module_init(JSContext *ctx, const char *name);
/* The global `crypto` object: getRandomValues(), randomUUID() (crypto.c). */
void crypto_global_install(JSContext *ctx);
JSModuleDef *data_module_init(JSContext *ctx, const char *name);
JSModuleDef *timers_module_init(JSContext *ctx, const char *name);
/* k6/ws (ws.c) */
JSModuleDef *ws_module_init(JSContext *ctx, const char *name);
void ws_class_init(JSRuntime *rt);
/* shared with k6/websockets: params (headers, tags, jar, compression) and the Cookie line */
int ws_params(JSContext *ctx, JSValueConst params, const char *who, vm_pairs *hdrs, vm_pairs *tags,
              struct cookie_jar **jar, JSValue *jar_obj);
void ws_cookie_line(struct cookie_jar *jar, const char *url, buf *out);
/* Pings with the send time (monotonic us, 8 bytes big-endian) as payload;
 * ws_pong_rtt_ms gives the round trip in ms from the pong that returns it,
 * or -1 for any other payload (k6's ws_ping metric). */
void ws_ping_timed(struct ws_client *c);
double ws_pong_rtt_ms(const uint8_t *p, size_t n);
/* The handshake's "Name: value" lines: the script's headers, User-Agent
 * (the userAgent option) unless one of them is it, then the Cookie line if
 * any. The text goes into hbuf; returns how many pointers went into lines
 * (room for hdrs->n + 2). */
size_t ws_handshake_lines(vu *v, const vm_pairs *hdrs, buf *hbuf, const buf *cookie, const char **lines);
/* k6/websockets (websockets.c): sockets whose events vm.c's event loop
 * delivers (websockets_source). */
JSModuleDef *websockets_module_init(JSContext *ctx, const char *name);
/* k6/net/grpc (grpc.c and its parts) */
JSModuleDef *grpc_module_init(JSContext *ctx, const char *name);
void grpc_class_init(JSRuntime *rt);
void websockets_class_init(JSRuntime *rt);
void data_class_init(JSRuntime *rt);
/* setTimeout & co. (timers.c): globals, and the per-VU queue the event loop
 * in vm.c drains after each call */
void timers_install(JSContext *ctx);
bool timers_pending(const vu *v);
/* Waits for the earliest timer and runs its callback; -1 with an exception
 * pending if it threw or the wait was interrupted. */
int timers_run_next(vu *v);
/* When the earliest timer is due (monotonic us); INT64_MAX with none. */
int64_t timers_next_due(const vu *v);
void timers_clear(vu *v);
void html_class_init(JSRuntime *rt);
/* res.html(), res.submitForm(), res.clickLink() (html.c) */
JSValue html_response_call(JSContext *ctx, JSValueConst res, const char *name, int argc, JSValueConst *argv);
void metrics_class_init(JSRuntime *rt);
void execution_class_init(JSRuntime *rt);
void console_install(JSContext *ctx);
void http_class_init(JSRuntime *rt);

/* Defines the global `name` as a new object holding list's functions
 * (console, crypto). */
void vm_global_object(JSContext *ctx, const char *name, const JSCFunctionListEntry *list, int n);

/* A module's exports from a function list, made once: each value is put
 * on `def` (the default export) and the same value exported by name, so a
 * VU holds one function object per export, not two. Returns
 * JS_SetModuleExport's result (0 or -1). */
int vm_set_exports(JSContext *ctx, JSModuleDef *m, JSValueConst def, const JSCFunctionListEntry *list, int n);

/* *obj, just read by JS_ReadObject from the blob at key, takes the compiled
 * function the VUs of its shared runtime share (none other: unchanged) */
void vm_share_function(JSContext *ctx, const void *key, JSValue *obj);

/* Around each switch into a VU's coroutine (the shared runtime's state). */
void vm_enter(vu *v);
void vm_leave(vu *v);
/* The run starts on worker w: the shared runtime's first collection. */
struct worker;
void vm_worker_started(struct worker *w);
/* Frees w's shared runtime, once its VUs are freed. */
void vm_worker_free(struct worker *w);
/* Runs one of v's pending promise jobs: 1 ran, 0 none, -1 it threw. */
int vm_run_job(vu *v);
#endif
