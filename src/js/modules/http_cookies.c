/* k6/http's cookies: the CookieJar class (http.cookieJar() is the VU's jar,
 * new http.CookieJar() a jar of the script's own), params.jar and
 * params.cookies, and the cookies of Response and Response.request.
 *
 * As in k6 (httpext.SetRequestCookies): a request sends its params.cookies
 * first, then the jar's cookies for the URL except those whose name a
 * params cookie with replace: true took; params.cookies never enter the jar.
 * A Cookie header of the script's own comes before both, on the first hop
 * only (k6 drops it when it follows a redirect). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include "js/modules/http.h"

/* The opaque of a CookieJar object: the VU's jar is borrowed, a jar made
 * with `new` is owned. */
typedef struct http_jar {
    cookie_jar *jar;
    bool owned;
} http_jar;

static JSClassID http_jar_class_id;

static void http_jar_finalizer(JSRuntime *rt, JSValue val) {
    http_jar *j = JS_GetOpaque(val, http_jar_class_id);
    if (!j) return;
    if (j->owned) cookies_free(j->jar);
    js_free_rt(rt, j);
}

static JSValue http_jar_wrap(JSContext *ctx, cookie_jar *jar, bool owned) {
    http_jar *j = js_mallocz(ctx, sizeof *j);
    if (!j) return JS_EXCEPTION;
    JSValue o = JS_NewObjectClass(ctx, (int)http_jar_class_id);
    if (JS_IsException(o)) {
        js_free(ctx, j);
        return o;
    }
    *j = (http_jar){jar, owned};
    JS_SetOpaque(o, j);
    return o;
}

static cookie_jar *http_jar_this(JSContext *ctx, JSValueConst this_val) {
    http_jar *j = JS_GetOpaque2(ctx, this_val, http_jar_class_id);
    return j ? j->jar : NULL;
}

/* new http.CookieJar() */
static JSValue http_jar_ctor(JSContext *ctx, JSValueConst new_target, int argc, JSValueConst *argv) {
    cookie_jar *jar = cookies_new();
    if (!jar) return JS_ThrowOutOfMemory(ctx);
    JSValue o = http_jar_wrap(ctx, jar, true);
    if (JS_IsException(o)) cookies_free(jar);
    return o;
}

/* http.cookieJar(): the VU's jar (the one k6 empties every iteration). */
static JSValue http_cookie_jar(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
    vu *v = vu_from_ctx(ctx);
    if (!v->w || v->in_init) return JS_ThrowTypeError(ctx, "Making cookie jars in the init context is not supported");
    http_vu *h = http_vu_of(v);
    if (!h || (!h->jar && !(h->jar = cookies_new()))) return JS_ThrowOutOfMemory(ctx);
    return http_jar_wrap(ctx, h->jar, false);
}

/* Where a visitor callback builds a JS object. */
typedef struct js_sink {
    JSContext *ctx;
    JSValue obj;
} js_sink;

/* Appends item to the array obj[name], made on the name's first item. */
static void http_cookie_add(JSContext *ctx, JSValue obj, const char *name, size_t nlen, JSValue item) {
    JSAtom a = JS_NewAtomLen(ctx, name, nlen);
    JSValue arr = JS_GetProperty(ctx, obj, a);
    if (!JS_IsArray(ctx, arr)) {
        JS_FreeValue(ctx, arr);
        arr = JS_NewArray(ctx);
        JS_SetProperty(ctx, obj, a, JS_DupValue(ctx, arr));
    }
    JSValue len = JS_GetPropertyStr(ctx, arr, "length");
    uint32_t n = 0;
    JS_ToUint32(ctx, &n, len);
    JS_FreeValue(ctx, len);
    JS_SetPropertyUint32(ctx, arr, n, item);
    JS_FreeValue(ctx, arr);
    JS_FreeAtom(ctx, a);
}

static void http_jar_collect(const char *name, const char *value, void *ud) {
    JSContext *ctx = ((js_sink *)ud)->ctx;
    http_cookie_add(ctx, ((js_sink *)ud)->obj, name, strlen(name), JS_NewString(ctx, value));
}

/* jar.cookiesForURL(url): {name: [values]} of what a request to url sends. */
static JSValue http_jar_for_url(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
    cookie_jar *jar = http_jar_this(ctx, this_val);
    if (!jar) return JS_EXCEPTION;
    const char *url = JS_ToCString(ctx, argc ? argv[0] : JS_UNDEFINED);
    if (!url) return JS_EXCEPTION;
    js_sink sink = {ctx, JS_NewObject(ctx)};
    cookies_for_url(jar, url, time(NULL), http_jar_collect, &sink);
    JS_FreeCString(ctx, url);
    return sink.obj;
}

/* Reads jar.set()'s options (keys in any case, as k6) into a. */
static int http_jar_opts(JSContext *ctx, JSValueConst opts, cookie_attrs *a, const char **strs, int *nstrs) {
    JSPropertyEnum *props;
    uint32_t np;
    if (!JS_IsObject(opts)) return 0;
    if (JS_GetOwnPropertyNames(ctx, &props, &np, opts, JS_GPN_STRING_MASK | JS_GPN_ENUM_ONLY)) return -1;
    int rc = 0;
    for (uint32_t i = 0; i < np && !rc; i++) {
        const char *k = JS_AtomToCString(ctx, props[i].atom);
        JSValue val = JS_GetProperty(ctx, opts, props[i].atom);
        if (!k || JS_IsException(val)) rc = -1;
        else if (!strcasecmp(k, "path") || !strcasecmp(k, "domain") || !strcasecmp(k, "expires")) {
            size_t n;
            const char *s = JS_ToCStringLen(ctx, &n, val);
            if (!s) rc = -1;
            else {
                strs[(*nstrs)++] = s;
                if (!strcasecmp(k, "path")) a->path = (cookie_str){s, n};
                else if (!strcasecmp(k, "domain")) a->domain = (cookie_str){s, n};
                else if (n && !(a->has_expires = cookies_parse_time(s, n, &a->expires))) {
                    JS_ThrowTypeError(ctx,
                                      "unable to parse \"expires\" date string \"%s\": not RFC 1123 (\"Mon, 02 Jan "
                                      "2006 15:04:05 MST\")",
                                      s);
                    rc = -1;
                }
            }
        } else if (!strcasecmp(k, "max_age")) {
            double d = 0;
            if (JS_ToFloat64(ctx, &d, val)) rc = -1;
            else a->max_age = d != d ? 0 : (int64_t)d; /* ToInteger: NaN is 0 */
        } else if (!strcasecmp(k, "secure")) {
            a->secure = JS_ToBool(ctx, val);
        } else if (!strcasecmp(k, "http_only")) {
            a->http_only = JS_ToBool(ctx, val);
        }
        JS_FreeValue(ctx, val);
        JS_FreeCString(ctx, k);
    }
    vm_free_props(ctx, props, np);
    return rc;
}

/* jar.set(url, name, value[, {domain, path, expires, max_age, secure, http_only}]) */
static JSValue http_jar_set(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
    cookie_jar *jar = http_jar_this(ctx, this_val);
    if (!jar) return JS_EXCEPTION;
    const char *strs[6] = {0};
    int ns = 0;
    size_t nl = 0, vl = 0;
    const char *url = JS_ToCString(ctx, argc > 0 ? argv[0] : JS_UNDEFINED);
    const char *name = url ? JS_ToCStringLen(ctx, &nl, argc > 1 ? argv[1] : JS_UNDEFINED) : NULL;
    const char *value = name ? JS_ToCStringLen(ctx, &vl, argc > 2 ? argv[2] : JS_UNDEFINED) : NULL;
    cookie_attrs a = {.name = {name, nl}, .value = {value, vl}};
    JSValue r = JS_EXCEPTION;
    if (value && !http_jar_opts(ctx, argc > 3 ? argv[3] : JS_UNDEFINED, &a, strs, &ns)) {
        cookies_set(jar, url, &a, time(NULL));
        r = JS_TRUE;
    }
    for (int i = 0; i < ns; i++) JS_FreeCString(ctx, strs[i]);
    JS_FreeCString(ctx, url);
    JS_FreeCString(ctx, name);
    JS_FreeCString(ctx, value);
    return r;
}

/* jar.delete(url, name) */
static JSValue http_jar_delete(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
    cookie_jar *jar = http_jar_this(ctx, this_val);
    if (!jar) return JS_EXCEPTION;
    const char *url = JS_ToCString(ctx, argc > 0 ? argv[0] : JS_UNDEFINED);
    const char *name = url ? JS_ToCString(ctx, argc > 1 ? argv[1] : JS_UNDEFINED) : NULL;
    JSValue r = JS_UNDEFINED;
    if (!name) r = JS_EXCEPTION;
    else if (!name[0]) r = JS_ThrowTypeError(ctx, "cookie: is null");
    else cookies_delete(jar, url, name, time(NULL));
    JS_FreeCString(ctx, url);
    JS_FreeCString(ctx, name);
    return r;
}

/* jar.clear(url) */
static JSValue http_jar_clear(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
    cookie_jar *jar = http_jar_this(ctx, this_val);
    if (!jar) return JS_EXCEPTION;
    const char *url = JS_ToCString(ctx, argc > 0 ? argv[0] : JS_UNDEFINED);
    if (!url) return JS_EXCEPTION;
    cookies_clear_url(jar, url, time(NULL));
    JS_FreeCString(ctx, url);
    return JS_UNDEFINED;
}

static const JSCFunctionListEntry http_jar_proto_funcs[] = {
    JS_CFUNC_DEF("cookiesForURL", 1, http_jar_for_url),
    JS_CFUNC_DEF("set", 4, http_jar_set),
    JS_CFUNC_DEF("delete", 2, http_jar_delete),
    JS_CFUNC_DEF("clear", 1, http_jar_clear),
};

static pthread_once_t http_jar_once = PTHREAD_ONCE_INIT;
static void http_jar_new_class_id(void) { JS_NewClassID(&http_jar_class_id); }
static const JSClassDef http_jar_class = {.class_name = "CookieJar", .finalizer = http_jar_finalizer};

void http_cookies_class_init(JSRuntime *rt) {
    pthread_once(&http_jar_once, http_jar_new_class_id);
    JS_NewClass(rt, http_jar_class_id, &http_jar_class);
}

void http_cookies_module_set(JSContext *ctx, JSModuleDef *m, JSValueConst def) {
    JSValue proto = JS_NewObject(ctx);
    JS_SetPropertyFunctionList(ctx, proto, http_jar_proto_funcs,
                               sizeof http_jar_proto_funcs / sizeof *http_jar_proto_funcs);
    JSValue ctor = JS_NewCFunction2(ctx, http_jar_ctor, "CookieJar", 0, JS_CFUNC_constructor, 0);
    JS_SetConstructor(ctx, ctor, proto);
    JS_SetClassProto(ctx, http_jar_class_id, proto); /* http.cookieJar()'s objects share it */
    JSValue fn = JS_NewCFunction(ctx, http_cookie_jar, "cookieJar", 0);
    JS_SetPropertyStr(ctx, def, "CookieJar", JS_DupValue(ctx, ctor));
    JS_SetPropertyStr(ctx, def, "cookieJar", JS_DupValue(ctx, fn));
    JS_SetModuleExport(ctx, m, "CookieJar", ctor);
    JS_SetModuleExport(ctx, m, "cookieJar", fn);
}

void http_cookies_module_init(JSContext *ctx, JSModuleDef *m) {
    JS_AddModuleExport(ctx, m, "CookieJar");
    JS_AddModuleExport(ctx, m, "cookieJar");
}

/* ---- params.jar, params.cookies ---- */

int http_parse_jar(JSContext *ctx, JSValueConst obj, http_params *p) {
    JSValue j = JS_GetPropertyStr(ctx, obj, "jar");
    if (JS_IsException(j)) return -1;
    http_jar *hj = JS_GetOpaque(j, http_jar_class_id); /* anything else is ignored, as k6 does */
    if (hj) {
        p->jar = hj->jar;
        p->jar_obj = j;
    } else {
        JS_FreeValue(ctx, j);
    }
    return 0;
}

/* {name: value} or {name: {value, replace}}; null and undefined are skipped. */
int http_parse_cookies(JSContext *ctx, JSValueConst obj, http_params *p) {
    JSValue cs = JS_GetPropertyStr(ctx, obj, "cookies");
    if (JS_IsException(cs)) return -1;
    JSPropertyEnum *props = NULL;
    uint32_t np = 0;
    int rc = 0;
    if (JS_IsObject(cs) && JS_GetOwnPropertyNames(ctx, &props, &np, cs, JS_GPN_STRING_MASK | JS_GPN_ENUM_ONLY)) rc = -1;
    p->cookies.ctx = ctx;
    for (uint32_t i = 0; i < np && !rc && p->cookies.n < VM_MAX_PAIRS; i++) {
        JSValue val = JS_GetProperty(ctx, cs, props[i].atom);
        bool replace = false;
        JSValue str = JS_UNDEFINED;
        if (JS_IsException(val)) {
            rc = -1;
        } else if (JS_IsObject(val) && !JS_IsArray(ctx, val) && !JS_IsFunction(ctx, val)) {
            JSValue rv = JS_GetPropertyStr(ctx, val, "replace");
            replace = JS_ToBool(ctx, rv);
            JS_FreeValue(ctx, rv);
            str = JS_GetPropertyStr(ctx, val, "value");
            if (JS_IsUndefined(str)) str = JS_NewString(ctx, "");
        } else if (!JS_IsUndefined(val) && !JS_IsNull(val)) {
            str = JS_DupValue(ctx, val);
        }
        if (!rc && !JS_IsUndefined(str)) {
            const char *k = JS_AtomToCString(ctx, props[i].atom), *s = JS_ToCString(ctx, str);
            if (!k || !s) {
                JS_FreeCString(ctx, k);
                JS_FreeCString(ctx, s);
                rc = -1;
            } else {
                p->cookie_replace[p->cookies.n] = replace;
                p->cookies.k[p->cookies.n] = k;
                p->cookies.v[p->cookies.n++] = s;
            }
        }
        JS_FreeValue(ctx, str);
        JS_FreeValue(ctx, val);
    }
    if (props) vm_free_props(ctx, props, np);
    JS_FreeValue(ctx, cs);
    return rc;
}

/* ---- the Cookie line ---- */

/* Starts the line, or separates the next cookie: nothing is allocated for
 * a request that sends no cookie. */
static void http_cookie_sep(buf *out) {
    if (out->len) buf_append(out, "; ", 2);
    else buf_puts(out, "Cookie: ");
}

/* "name=value" as Go's http.Request.AddCookie writes it: CR and LF in the
 * name become '-', bytes a cookie value may not hold are dropped, a value
 * with a space or a comma is quoted. */
static void http_cookie_pair(buf *out, const char *name, const char *value) {
    http_cookie_sep(out);
    for (const char *s = name; *s; s++) buf_append(out, *s == '\r' || *s == '\n' ? "-" : s, 1);
    buf_append(out, "=", 1);
    bool quote = value[strcspn(value, " ,")] != 0;
    if (quote) buf_append(out, "\"", 1);
    for (const unsigned char *s = (const unsigned char *)value; *s; s++)
        if (*s >= 0x20 && *s < 0x7f && *s != '"' && *s != ';' && *s != '\\') buf_append(out, s, 1);
    if (quote) buf_append(out, "\"", 1);
}

typedef struct line_ctx {
    buf *out;
    const http_params *p;
} line_ctx;

static void http_cookie_from_jar(const char *name, const char *value, void *ud) {
    line_ctx *l = ud;
    for (int i = 0; i < l->p->cookies.n; i++)
        if (l->p->cookie_replace[i] && strcmp(l->p->cookies.k[i], name) == 0) return;
    http_cookie_pair(l->out, name, value);
}

void http_cookie_line(http_call *c, cookie_jar *jar, buf *out) {
    const http_params *p = &c->p;
    if (c->hop == 0 && p->cookie_hdr && p->cookie_hdr[0]) {
        http_cookie_sep(out);
        buf_puts(out, p->cookie_hdr);
    }
    for (int i = 0; i < p->cookies.n; i++) http_cookie_pair(out, p->cookies.k[i], p->cookies.v[i]);
    line_ctx l = {out, p};
    if (jar) cookies_for_url(jar, c->url, time(NULL), http_cookie_from_jar, &l);
}

/* ---- what responses show ---- */

/* Go's zero time.Time in Unix milliseconds: what k6 reports as the expiry
 * of a cookie without (a valid) Expires. */
#define HTTP_GO_ZERO_TIME_MS (-6795364578871LL)

static JSValue http_str(JSContext *ctx, cookie_str s) { return JS_NewStringLen(ctx, s.p ? s.p : "", s.n); }

static void http_set_cookie_item(const cookie_attrs *c, void *ud) {
    JSContext *ctx = ((js_sink *)ud)->ctx;
    JSValue obj = ((js_sink *)ud)->obj;
    JSValue o = JS_NewObject(ctx);
    JS_SetPropertyStr(ctx, o, "name", http_str(ctx, c->name));
    JS_SetPropertyStr(ctx, o, "value", http_str(ctx, c->value));
    JS_SetPropertyStr(ctx, o, "domain", http_str(ctx, c->domain));
    JS_SetPropertyStr(ctx, o, "path", http_str(ctx, c->path));
    JS_SetPropertyStr(ctx, o, "http_only", JS_NewBool(ctx, c->http_only));
    JS_SetPropertyStr(ctx, o, "secure", JS_NewBool(ctx, c->secure));
    JS_SetPropertyStr(ctx, o, "max_age", JS_NewInt64(ctx, c->max_age));
    JS_SetPropertyStr(ctx, o, "expires", JS_NewInt64(ctx, c->has_expires ? c->expires * 1000 : HTTP_GO_ZERO_TIME_MS));
    http_cookie_add(ctx, obj, c->name.p ? c->name.p : "", c->name.n, o);
}

JSValue http_response_cookies(JSContext *ctx, const buf *hdr) {
    js_sink sink = {ctx, JS_NewObject(ctx)};
    cookies_each_set_cookie(hdr->p, hdr->len, http_set_cookie_item, &sink);
    return sink.obj;
}

/* The cookies of a "Cookie: ..." line as Go's Request.Cookies() reads them. */
JSValue http_request_cookies(JSContext *ctx, const buf *line) {
    JSValue obj = JS_NewObject(ctx);
    if (line->len <= 8) return obj;
    const char *s = line->p + 8, *end = line->p + line->len;
    while (s < end) {
        const char *semi = memchr(s, ';', (size_t)(end - s));
        const char *pe = semi ? semi : end;
        cookie_attrs c;
        /* one pair: cookies_parse reads it as a Set-Cookie without attributes */
        if (memchr(s, '=', (size_t)(pe - s)) && cookies_parse(s, (size_t)(pe - s), &c)) {
            JSValue o = JS_NewObject(ctx);
            JS_SetPropertyStr(ctx, o, "name", http_str(ctx, c.name));
            JS_SetPropertyStr(ctx, o, "value", http_str(ctx, c.value));
            JS_SetPropertyStr(ctx, o, "replace", JS_FALSE);
            http_cookie_add(ctx, obj, c.name.p ? c.name.p : "", c.name.n, o);
        }
        s = pe + 1;
    }
    return obj;
}
