/* The "k6/html" module and Response.html/submitForm/clickLink.
 *
 * Parsing, traversal, selectors and markup are C (src/html: gumbo's tree
 * flattened to pre-order arrays); the Selection/Element API on top is
 * html_lib.js, which sees the natives below as N.* and nodes as integers.
 * A parsed document is an HtmlDocument object whose finalizer frees the
 * tree, so a tree lives as long as any Selection or Element that uses it.
 *
 * html_lib.js is compiled once per process to bytecode; each VU reads that
 * bytecode and runs it on first use (an import of k6/html or a call of
 * res.html()), keeping the result in the VU's html_vu. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "exec/test.h"
#include "html/html.h"
#include "js/modules/http.h"
#include "js/vm.h"
#include "util/urlref.h"

static const char html_lib_src[] =
#include "html_lib.inc"
    ;

static JSClassID html_doc_class_id;

static void html_doc_finalizer(JSRuntime *rt, JSValue val) {
    (void)rt;
    html_free(JS_GetOpaque(val, html_doc_class_id));
}

static const JSClassDef html_doc_class = {.class_name = "HtmlDocument", .finalizer = html_doc_finalizer};
static pthread_once_t html_once = PTHREAD_ONCE_INIT;
static void html_new_class_id(void) { JS_NewClassID(&html_doc_class_id); }

void html_class_init(JSRuntime *rt) {
    pthread_once(&html_once, html_new_class_id);
    JS_NewClass(rt, html_doc_class_id, &html_doc_class);
}

/* ---- natives ---- */

/* The document and node index every native takes first; NULL after throwing. */
static html_doc *html_args(JSContext *ctx, int argc, JSValueConst *argv, int *i) {
    html_doc *d = argc > 0 ? JS_GetOpaque(argv[0], html_doc_class_id) : NULL;
    if (!d) {
        JS_ThrowTypeError(ctx, "k6/html: not a parsed document");
        return NULL;
    }
    if (!i) return d;
    int32_t k = -1;
    if (argc > 1 && JS_ToInt32(ctx, &k, argv[1])) return NULL;
    if (k < 0 || k >= d->n) {
        JS_ThrowRangeError(ctx, "k6/html: no node %d in the document", k);
        return NULL;
    }
    *i = k;
    return d;
}

/* A selector argument compiled; NULL after throwing a SyntaxError naming the selector and the place. */
static html_sel *html_sel_arg(JSContext *ctx, JSValueConst v) {
    const char *s = JS_ToCString(ctx, v);
    if (!s) return NULL;
    char err[320];
    html_sel *sel = html_sel_compile(s, err, sizeof err);
    JS_FreeCString(ctx, s);
    if (!sel) JS_ThrowSyntaxError(ctx, "%s", err);
    return sel;
}

/* parse(string or ArrayBuffer): the bytes as UTF-8, as gumbo reads them. */
static JSValue html_parse_fn(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
    size_t len;
    JSValueConst arg = argc ? argv[0] : JS_UNDEFINED;
    uint8_t *bytes = JS_IsObject(arg) ? JS_GetArrayBuffer(ctx, &len, arg) : NULL;
    if (JS_IsObject(arg) && !bytes) JS_FreeValue(ctx, JS_GetException(ctx)); /* not a buffer: its string */
    const char *src = bytes ? (const char *)bytes : JS_ToCStringLen(ctx, &len, arg);
    if (!src) return JS_EXCEPTION;
    html_doc *d = html_parse(src, len);
    if (!bytes) JS_FreeCString(ctx, src);
    if (!d) return JS_ThrowOutOfMemory(ctx);
    JSValue o = JS_NewObjectClass(ctx, (int)html_doc_class_id);
    if (JS_IsException(o)) {
        html_free(d);
        return o;
    }
    JS_SetOpaque(o, d);
    return o;
}

enum { NAV_TYPE, NAV_PARENT, NAV_NEXT, NAV_PREV, NAV_FIRST, NAV_LAST, NAV_END };

static JSValue html_nav(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv, int magic) {
    int i;
    html_doc *d = html_args(ctx, argc, argv, &i);
    if (!d) return JS_EXCEPTION;
    switch (magic) {
    case NAV_TYPE: return JS_NewInt32(ctx, d->type[i]);
    case NAV_PARENT: return JS_NewInt32(ctx, d->parent[i]);
    case NAV_NEXT: return JS_NewInt32(ctx, d->next[i]);
    case NAV_PREV: return JS_NewInt32(ctx, d->prev[i]);
    case NAV_FIRST: return JS_NewInt32(ctx, html_first_child(d, i));
    case NAV_LAST: return JS_NewInt32(ctx, html_last_child(d, i));
    default: return JS_NewInt32(ctx, d->end[i]);
    }
}

static JSValue html_tag_fn(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
    int i;
    html_doc *d = html_args(ctx, argc, argv, &i);
    if (!d) return JS_EXCEPTION;
    return d->tag[i] ? JS_NewString(ctx, d->tag[i]) : JS_NULL;
}

static JSValue html_attr_fn(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
    int i;
    html_doc *d = html_args(ctx, argc, argv, &i);
    if (!d) return JS_EXCEPTION;
    const char *name = JS_ToCString(ctx, argc > 2 ? argv[2] : JS_UNDEFINED);
    if (!name) return JS_EXCEPTION;
    const char *v = html_attr(d, i, name);
    JS_FreeCString(ctx, name);
    return v ? JS_NewString(ctx, v) : JS_UNDEFINED;
}

/* [[name, value], ...] in source order. */
static JSValue html_attrs_fn(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
    int i;
    html_doc *d = html_args(ctx, argc, argv, &i);
    if (!d) return JS_EXCEPTION;
    JSValue arr = JS_NewArray(ctx);
    if (d->type[i] != HTML_ELEMENT) return arr;
    const GumboVector *attrs = &d->node[i]->v.element.attributes;
    for (unsigned k = 0; k < attrs->length; k++) {
        const GumboAttribute *a = attrs->data[k];
        JSValue pair = JS_NewArray(ctx);
        JS_SetPropertyUint32(ctx, pair, 0, JS_NewString(ctx, a->name));
        JS_SetPropertyUint32(ctx, pair, 1, JS_NewString(ctx, a->value));
        JS_SetPropertyUint32(ctx, arr, k, pair);
    }
    return arr;
}

enum { TXT_TEXT, TXT_DATA, TXT_INNER, TXT_OUTER };

static JSValue html_text_fn(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv, int magic) {
    int i;
    html_doc *d = html_args(ctx, argc, argv, &i);
    if (!d) return JS_EXCEPTION;
    if (magic == TXT_DATA) return JS_NewString(ctx, html_node_data(d, i));
    buf b = {0};
    if (magic == TXT_TEXT) html_text(d, i, &b);
    else if (magic == TXT_INNER) html_inner(d, i, &b);
    else html_outer(d, i, &b);
    JSValue r = JS_NewStringLen(ctx, b.p ? b.p : "", b.len);
    buf_free(&b);
    return r;
}

/* The node indexes of a JS array, into a malloc'd array. */
static int html_index_list(JSContext *ctx, const html_doc *d, JSValueConst arr, int **out, int *n) {
    int64_t len = 0;
    JSValue l = JS_GetPropertyStr(ctx, arr, "length");
    if (JS_ToInt64(ctx, &len, l)) {
        JS_FreeValue(ctx, l);
        return -1;
    }
    JS_FreeValue(ctx, l);
    *out = malloc((size_t)(len > 0 ? len : 1) * sizeof **out);
    if (!*out) {
        JS_ThrowOutOfMemory(ctx);
        return -1;
    }
    *n = 0;
    for (int64_t k = 0; k < len; k++) {
        JSValue v = JS_GetPropertyUint32(ctx, arr, (uint32_t)k);
        int32_t x;
        int bad = JS_ToInt32(ctx, &x, v);
        JS_FreeValue(ctx, v);
        if (bad) {
            free(*out);
            return -1;
        }
        if (x >= 0 && x < d->n) (*out)[(*n)++] = x;
    }
    return 0;
}

static JSValue html_int_array(JSContext *ctx, const int *v, int n) {
    JSValue arr = JS_NewArray(ctx);
    for (int k = 0; k < n; k++) JS_SetPropertyUint32(ctx, arr, (uint32_t)k, JS_NewInt32(ctx, v[k]));
    return arr;
}

static int html_cmp_int(const void *a, const void *b) { return *(const int *)a - *(const int *)b; }

/* find(doc, roots, selector): matching descendants of any root, in document order, once each. */
static JSValue html_find_fn(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
    html_doc *d = html_args(ctx, argc, argv, NULL);
    if (!d || argc < 3) return d ? JS_ThrowTypeError(ctx, "find(doc, roots, selector)") : JS_EXCEPTION;
    html_sel *sel = html_sel_arg(ctx, argv[2]);
    if (!sel) return JS_EXCEPTION;
    int *roots, nroots, *out = NULL, n = 0, cap = 0;
    if (html_index_list(ctx, d, argv[1], &roots, &nroots)) {
        html_sel_free(sel);
        return JS_EXCEPTION;
    }
    qsort(roots, (size_t)nroots, sizeof *roots, html_cmp_int);
    /* a root inside an earlier root's subtree adds nothing */
    int covered = -1;
    for (int k = 0; k < nroots; k++) {
        if (roots[k] < covered) continue;
        if (html_sel_find(sel, d, roots[k], &out, &n, &cap)) break;
        covered = d->end[roots[k]];
    }
    JSValue r = html_int_array(ctx, out, n);
    free(out);
    free(roots);
    html_sel_free(sel);
    return r;
}

/* filter(doc, nodes, selector): the nodes that match, in their order. */
static JSValue html_filter_fn(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
    html_doc *d = html_args(ctx, argc, argv, NULL);
    if (!d || argc < 3) return d ? JS_ThrowTypeError(ctx, "filter(doc, nodes, selector)") : JS_EXCEPTION;
    html_sel *sel = html_sel_arg(ctx, argv[2]);
    if (!sel) return JS_EXCEPTION;
    int *nodes, n, kept = 0;
    if (html_index_list(ctx, d, argv[1], &nodes, &n)) {
        html_sel_free(sel);
        return JS_EXCEPTION;
    }
    for (int k = 0; k < n; k++)
        if (html_sel_match(sel, d, nodes[k])) nodes[kept++] = nodes[k];
    JSValue r = html_int_array(ctx, nodes, kept);
    free(nodes);
    html_sel_free(sel);
    return r;
}

/* match(doc, i, selector) -> bool; closest(doc, i, selector) -> index or -1 (i itself first). */
static JSValue html_match_fn(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv, int closest) {
    int i;
    html_doc *d = html_args(ctx, argc, argv, &i);
    if (!d) return JS_EXCEPTION;
    html_sel *sel = html_sel_arg(ctx, argc > 2 ? argv[2] : JS_UNDEFINED);
    if (!sel) return JS_EXCEPTION;
    JSValue r;
    if (!closest) {
        r = JS_NewBool(ctx, html_sel_match(sel, d, i));
    } else {
        int k = i;
        while (k >= 0 && !html_sel_match(sel, d, k)) k = d->parent[k];
        r = JS_NewInt32(ctx, k);
    }
    html_sel_free(sel);
    return r;
}

/* resolve(base, ref): ref made absolute against base as Go's
 * URL.ResolveReference (util/urlref.c, the resolver redirects use too). */
static JSValue html_resolve_fn(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
    if (argc < 2) return JS_UNDEFINED;
    const char *base = JS_ToCString(ctx, argv[0]);
    const char *ref = base ? JS_ToCString(ctx, argv[1]) : NULL;
    JSValue r = JS_EXCEPTION;
    buf out = {0};
    if (base && ref) r = url_resolve(&out, base, ref) ? JS_ThrowOutOfMemory(ctx) : JS_NewStringLen(ctx, out.p, out.len);
    buf_free(&out);
    JS_FreeCString(ctx, base);
    JS_FreeCString(ctx, ref);
    return r;
}

static const JSCFunctionListEntry html_natives[] = {
    JS_CFUNC_DEF("parse", 1, html_parse_fn),
    JS_CFUNC_MAGIC_DEF("type", 2, html_nav, NAV_TYPE),
    JS_CFUNC_MAGIC_DEF("parent", 2, html_nav, NAV_PARENT),
    JS_CFUNC_MAGIC_DEF("next", 2, html_nav, NAV_NEXT),
    JS_CFUNC_MAGIC_DEF("prev", 2, html_nav, NAV_PREV),
    JS_CFUNC_MAGIC_DEF("first", 2, html_nav, NAV_FIRST),
    JS_CFUNC_MAGIC_DEF("last", 2, html_nav, NAV_LAST),
    JS_CFUNC_MAGIC_DEF("end", 2, html_nav, NAV_END),
    JS_CFUNC_DEF("tag", 2, html_tag_fn),
    JS_CFUNC_DEF("attr", 3, html_attr_fn),
    JS_CFUNC_DEF("attrs", 2, html_attrs_fn),
    JS_CFUNC_MAGIC_DEF("text", 2, html_text_fn, TXT_TEXT),
    JS_CFUNC_MAGIC_DEF("data", 2, html_text_fn, TXT_DATA),
    JS_CFUNC_MAGIC_DEF("inner", 2, html_text_fn, TXT_INNER),
    JS_CFUNC_MAGIC_DEF("outer", 2, html_text_fn, TXT_OUTER),
    JS_CFUNC_DEF("find", 3, html_find_fn),
    JS_CFUNC_DEF("filter", 3, html_filter_fn),
    JS_CFUNC_MAGIC_DEF("match", 3, html_match_fn, 0),
    JS_CFUNC_MAGIC_DEF("closest", 3, html_match_fn, 1),
    JS_CFUNC_DEF("resolve", 2, html_resolve_fn),
};

/* ---- the JS library ---- */

static pthread_mutex_t html_bc_lock = PTHREAD_MUTEX_INITIALIZER;
static uint8_t *html_bc; /* html_lib.js compiled, shared by every VU; never freed */
static size_t html_bc_len;

/* The function html_lib.js evaluates to, from the shared bytecode. */
static JSValue html_lib_function(JSContext *ctx) {
    pthread_mutex_lock(&html_bc_lock);
    if (!html_bc) {
        JSValue fn = JS_Eval(ctx, html_lib_src, sizeof html_lib_src - 1, "<k6/html>",
                             JS_EVAL_TYPE_GLOBAL | JS_EVAL_FLAG_COMPILE_ONLY | JS_EVAL_FLAG_STRICT);
        if (JS_IsException(fn)) {
            pthread_mutex_unlock(&html_bc_lock);
            return fn;
        }
        size_t len;
        uint8_t *bc = JS_WriteObject(ctx, &len, fn, JS_WRITE_OBJ_BYTECODE);
        JS_FreeValue(ctx, fn);
        if (bc) {
            html_bc = malloc(len);
            if (html_bc) {
                memcpy(html_bc, bc, len);
                html_bc_len = len;
            }
            js_free(ctx, bc);
        }
        if (!html_bc) {
            pthread_mutex_unlock(&html_bc_lock);
            return JS_ThrowOutOfMemory(ctx);
        }
    }
    pthread_mutex_unlock(&html_bc_lock);
    JSValue fn = JS_ReadObject(ctx, html_bc, html_bc_len, JS_READ_OBJ_BYTECODE | JS_READ_OBJ_ROM_DATA);
    if (JS_IsException(fn)) return fn;
    /* the runtime's VUs share one copy (~95 KB a VU otherwise: 1,000 VUs
     * peak at 138 MB, 233 MB with a copy each; tests/integration/test_html.py) */
    vm_share_function(ctx, html_bc, &fn);
    return JS_EvalFunction(ctx, fn);
}

/* What k6/html keeps per VU: its library object (parseHTML, submitForm, ...),
 * built on first use. */
typedef struct html_vu {
    JSValue lib;
} html_vu;

static void html_vu_init(vu *v, void *st) { ((html_vu *)st)->lib = JS_UNDEFINED; }
static void html_vu_free(vu *v, void *st) { JS_FreeValue(v->ctx, ((html_vu *)st)->lib); }
const vm_mod_ops html_mod_ops = {.size = sizeof(html_vu), .init = html_vu_init, .free = html_vu_free};

static JSValue html_lib(JSContext *ctx) {
    html_vu *h = vm_mod_get(vu_from_ctx(ctx), VM_MOD_HTML);
    if (!h) return JS_ThrowOutOfMemory(ctx);
    if (!JS_IsUndefined(h->lib)) return JS_DupValue(ctx, h->lib);
    JSValue factory = html_lib_function(ctx);
    if (JS_IsException(factory)) return factory;
    JSValue args[2] = {JS_NewObject(ctx), http_request_function(ctx)};
    JS_SetPropertyFunctionList(ctx, args[0], html_natives, (int)(sizeof html_natives / sizeof *html_natives));
    JSValue lib = JS_Call(ctx, factory, JS_UNDEFINED, 2, args);
    JS_FreeValue(ctx, factory);
    JS_FreeValue(ctx, args[0]);
    JS_FreeValue(ctx, args[1]);
    if (JS_IsException(lib)) return lib;
    h->lib = JS_DupValue(ctx, lib);
    return lib;
}

/* res.html(selector), res.submitForm(opts), res.clickLink(opts): lib.<name>(res, arg). */
JSValue html_response_call(JSContext *ctx, JSValueConst res, const char *name, int argc, JSValueConst *argv) {
    JSValue lib = html_lib(ctx);
    if (JS_IsException(lib)) return lib;
    JSValue fn = JS_GetPropertyStr(ctx, lib, name);
    JS_FreeValue(ctx, lib);
    if (JS_IsException(fn)) return fn;
    JSValueConst args[2] = {res, argc > 0 ? argv[0] : JS_UNDEFINED};
    JSValue r = JS_Call(ctx, fn, JS_UNDEFINED, 2, args);
    JS_FreeValue(ctx, fn);
    return r;
}

/* ---- the module ---- */

static const char *const html_exports[] = {"parseHTML", "Selection", "Element", "NodeType"};
#define HTML_NEXPORTS (sizeof html_exports / sizeof *html_exports)

static int html_module_set(JSContext *ctx, JSModuleDef *m) {
    JSValue lib = html_lib(ctx);
    if (JS_IsException(lib)) return -1;
    JSValue def = JS_NewObject(ctx);
    for (size_t k = 0; k < HTML_NEXPORTS; k++) {
        JSValue val = JS_GetPropertyStr(ctx, lib, html_exports[k]);
        JS_SetPropertyStr(ctx, def, html_exports[k], JS_DupValue(ctx, val));
        JS_SetModuleExport(ctx, m, html_exports[k], val);
    }
    JS_FreeValue(ctx, lib);
    return JS_SetModuleExport(ctx, m, "default", def);
}

JSModuleDef *html_module_init(JSContext *ctx, const char *name) {
    JSModuleDef *m = JS_NewCModule(ctx, name, html_module_set);
    if (!m) return NULL;
    for (size_t k = 0; k < HTML_NEXPORTS; k++) JS_AddModuleExport(ctx, m, html_exports[k]);
    JS_AddModuleExport(ctx, m, "default");
    return m;
}
