/* The "k6/http" module: its functions, the arguments of a request (params,
 * bodies) and the Response objects. Requests run in http_run.c; cookies,
 * multipart bodies and http.batch have files of their own (see http.h). */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "config/duration.h"
#include "exec/test.h"
#include "exec/worker.h"
#include "js/bytes.h"
#include "js/modules/http.h"
#include "js/vm.h"
#include "util/buf.h"
#include "util/codec.h"
#include "util/gojson.h"
#include "util/log.h"

#define HTTP_DEFAULT_TIMEOUT_MS 60000
#define HTTP_DEFAULT_REDIRECTS  10

JSValue k6_throw_interrupted(JSContext *ctx);

static JSClassID http_expect_class_id;
static JSClassID http_url_class_id; /* what http.url`...` returns */

bool http_is_url(JSValueConst v) { return JS_GetClassID(v) == http_url_class_id; }

/* ---- params ---- */

/* What a request mostly does not have is not freed: free(NULL) is a call
 * too, and a request (http_call_free) had ten of them. */
static inline void http_free(void *p) {
    if (p) free(p);
}
static inline void http_buf_free(buf *b) {
    if (b->p) buf_free(b);
    else b->len = b->cap = 0;
}

static void http_params_free(JSContext *ctx, http_params *p) {
    for (int i = 0; i < p->nh; i++) free(p->hlines[i]);
    p->nh = 0;
    http_free(p->cookie_hdr);
    p->cookie_hdr = NULL;
    http_free(p->clen_hdr);
    p->clen_hdr = NULL;
    if (p->tags.n || p->tags.owned) vm_pairs_free(&p->tags);
    if (p->cookies.n || p->cookies.owned) vm_pairs_free(&p->cookies);
    JS_FreeValue(ctx, p->jar_obj);
    p->jar_obj = JS_UNDEFINED;
}

/* A Cookie header is kept apart: k6 adds the jar's cookies to it, and sends
 * it on the first hop only. */
static int http_parse_headers(JSContext *ctx, JSValueConst h, http_params *p) {
    vm_pairs hs = {0};
    int rc = vm_pairs_read(ctx, h, &hs);
    for (int i = 0; i < hs.n && p->nh < HTTP_MAX_HEADERS; i++) {
        if (strcasecmp(hs.k[i], "cookie") == 0) {
            free(p->cookie_hdr);
            p->cookie_hdr = strdup(hs.v[i]);
            if (!p->cookie_hdr) {
                rc = -1;
                JS_ThrowOutOfMemory(ctx);
                break;
            }
            continue;
        }
        if (strcasecmp(hs.k[i], "content-length") == 0) {
            free(p->clen_hdr);
            p->clen_hdr = strdup(hs.v[i]);
            if (!p->clen_hdr) {
                rc = -1;
                JS_ThrowOutOfMemory(ctx);
                break;
            }
            continue;
        }
        size_t len = strlen(hs.k[i]) + strlen(hs.v[i]) + 4;
        char *line = malloc(len);
        if (!line) {
            rc = -1;
            JS_ThrowOutOfMemory(ctx);
            break;
        }
        snprintf(line, len, "%s: %s", hs.k[i], hs.v[i]);
        p->hlines[p->nh++] = line;
        if (strcasecmp(hs.k[i], "content-type") == 0) p->has_content_type = true;
        if (strcasecmp(hs.k[i], "accept") == 0) p->has_accept = true;
    }
    vm_pairs_free(&hs);
    return rc;
}

static int http_parse_tags(JSContext *ctx, JSValueConst t, http_params *p) {
    p->tags.keep_nul = true;
    int rc = vm_pairs_read(ctx, t, &p->tags);
    for (int i = 0; i < p->tags.n; i++)
        if (strcmp(p->tags.k[i], "name") == 0) p->name = p->tags.v[i];
    return rc;
}

/* Errors k6's parseRequest returns (js/modules/k6/http/request.go): the
 * request is not made; Request() logs "Request Failed" and returns a
 * Response carrying the error, or throws it with the throw option. They
 * are thrown here as GoErrors and marked, so that http_parse_fallback can
 * tell them from exceptions of the script's own code (a throwing getter).
 * The mark is per thread: nothing runs between the throw and the check. */
static _Thread_local bool http_parse_err;
static _Thread_local int http_parse_code; /* its error_code: 1020 for an invalid URL, else 0 */

__attribute__((format(printf, 2, 3))) int http_parse_error(JSContext *ctx, const char *fmt, ...) {
    char msg[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    js_throw_error(ctx, "GoError", "%s", msg);
    http_parse_err = true;
    http_parse_code = 0;
    return -1;
}

/* Go's %T of what sobek exports a JS value as (k6's "unknown request body type %T"). */
const char *http_go_type(JSContext *ctx, JSValueConst v) {
    if (JS_IsBool(v)) return "bool";
    if (JS_IsNumber(v)) {
        double d;
        JS_ToFloat64(ctx, &d, v);
        return d == (double)(int64_t)d ? "int64" : "float64";
    }
    if (JS_IsString(v)) return "string";
    if (JS_IsArray(ctx, v) > 0) return "[]interface {}";
    if (JS_IsFunction(ctx, v)) return "func(sobek.FunctionCall) sobek.Value";
    if (JS_IsNull(v) || JS_IsUndefined(v)) return "<nil>";
    return "map[string]interface {}";
}

static int http_parse_timeout(JSContext *ctx, JSValueConst t, http_params *p) {
    if (JS_IsNumber(t)) {
        double ms;
        JS_ToFloat64(ctx, &ms, t);
        p->timeout_ms = ms > 0 ? (long)ms : HTTP_DEFAULT_TIMEOUT_MS;
        return 0;
    }
    const char *s = JS_ToCString(ctx, t);
    if (!s) return -1;
    int64_t us;
    char err[256];
    int rc = duration_parse(s, &us, err, sizeof err); /* k6: types.GetDurationValue, ParseExtendedDuration */
    JS_FreeCString(ctx, s);
    if (rc) return http_parse_error(ctx, "invalid timeout value: %s", err); /* k6: "invalid timeout value: %w" */
    p->timeout_ms = (long)(us / 1000);
    return 0;
}

static const http_expect *http_expect_of(JSContext *ctx, JSValueConst cb, bool *is_null, int *bad) {
    *is_null = JS_IsNull(cb);
    *bad = 0;
    if (*is_null) return NULL;
    const http_expect *e = JS_GetOpaque(cb, http_expect_class_id);
    if (!e) *bad = 1;
    return e;
}

/* params.auth ("basic", "digest", "ntlm") and params.compression ("gzip",
 * "deflate", "br", "zstd", or a comma-separated list applied in order). */
static int http_parse_auth(JSContext *ctx, JSValueConst obj, http_params *p) {
    static const char *const auths[] = {"", "basic", "digest", "ntlm"};
    int rc = 0;
    JSValue a = JS_GetPropertyStr(ctx, obj, "auth");
    if (!JS_IsUndefined(a) && !JS_IsNull(a)) {
        const char *s = JS_ToCString(ctx, a);
        if (!s) rc = -1; /* k6 acts on "digest" and "ntlm" only: other values are ignored */
        for (int i = 1; s && i < 4; i++)
            if (!strcmp(s, auths[i])) p->auth = i;
        JS_FreeCString(ctx, s);
    }
    JS_FreeValue(ctx, a);
    JSValue z = rc ? JS_UNDEFINED : JS_GetPropertyStr(ctx, obj, "compression");
    if (!JS_IsUndefined(z) && !JS_IsNull(z)) {
        const char *s = JS_ToCString(ctx, z);
        for (const char *q = s; q && *q && !rc;) {
            size_t n = strcspn(q, ",");
            const char *w = q; /* k6 trims each name */
            size_t wn = n;
            while (wn && (*w == ' ' || *w == '\t')) {
                w++;
                wn--;
            }
            while (wn && (w[wn - 1] == ' ' || w[wn - 1] == '\t')) wn--;
            int k = codec_from_name(w, wn);
            if (k <= CODEC_IDENTITY || p->ncodecs == 4) /* lib/netext/httpext CompressionType's order */
                rc = http_parse_error(
                    ctx, "unknown compression algorithm %.*s, supported algorithms are [gzip deflate zstd br]", (int)wn,
                    w);
            else p->codecs[p->ncodecs++] = k;
            q += n + (q[n] == ',');
        }
        if (!s) rc = -1;
        JS_FreeCString(ctx, s);
    }
    JS_FreeValue(ctx, z);
    return rc;
}

/* params.compression: the body encoded with each algorithm in turn, and a
 * Content-Encoding header naming them in that order. */
static int http_compress_body(JSContext *ctx, http_call *c) {
    char line[96] = "Content-Encoding: ";
    for (int i = 0; i < c->p.ncodecs; i++) {
        buf out = {0};
        if (codec_encode(c->p.codecs[i], c->body.p ? c->body.p : "", c->body.len, &out)) {
            buf_free(&out);
            JS_ThrowInternalError(ctx, "params.compression: %s failed", codec_name(c->p.codecs[i]));
            return -1;
        }
        buf_free(&c->body);
        c->body = out;
        size_t l = strlen(line);
        snprintf(line + l, sizeof line - l, "%s%s", i ? ", " : "", codec_name(c->p.codecs[i]));
    }
    /* k6 (lib/netext/httpext/request.go MakeRequest): a Content-Encoding the
     * script set stays, with a warning when it names other algorithms */
    for (int i = 0; i < c->p.nh; i++) {
        const char *h = c->p.hlines[i];
        if (strncasecmp(h, "content-encoding:", 17) != 0) continue;
        const char *v = h + 17;
        while (*v == ' ' || *v == '\t') v++;
        if (strcmp(v, line + 18) != 0)
            log_printf(LOG_WARN,
                       "There's a mismatch between the desired `compression` the manually set `Content-Encoding` "
                       "header in the %s request for '%s', the custom header has precedence and won't be overwritten. "
                       "This may result in invalid data being sent to the server.",
                       c->method, c->url);
        return 0;
    }
    if (c->p.nh < HTTP_MAX_HEADERS) {
        char *dup = strdup(line);
        if (!dup) {
            JS_ThrowOutOfMemory(ctx);
            return -1;
        }
        c->p.hlines[c->p.nh++] = dup;
    }
    return 0;
}

static int http_parse_params(JSContext *ctx, JSValueConst obj, http_params *p) {
    const c6_test *test = vu_from_ctx(ctx)->test;
    p->timeout_ms = HTTP_DEFAULT_TIMEOUT_MS;
    p->redirects = test ? test->max_redirects : HTTP_DEFAULT_REDIRECTS;
    p->redirects_set = test && test->max_redirects_set;
    p->response_type = test && test->discard_bodies ? 2 : 0; /* discardResponseBodies: responseType "none" */
    p->throw_errors = test && test->throw_errors;
    p->jar_obj = JS_UNDEFINED;
    if (!JS_IsObject(obj)) return 0;
    JSValue h = JS_GetPropertyStr(ctx, obj, "headers");
    int rc = JS_IsObject(h) ? http_parse_headers(ctx, h, p) : 0;
    JS_FreeValue(ctx, h);
    JSValue t = JS_GetPropertyStr(ctx, obj, "tags");
    if (!rc && JS_IsObject(t)) rc = http_parse_tags(ctx, t, p);
    JS_FreeValue(ctx, t);
    JSValue to = JS_GetPropertyStr(ctx, obj, "timeout");
    if (!rc && !JS_IsUndefined(to) && !JS_IsNull(to)) rc = http_parse_timeout(ctx, to, p);
    JS_FreeValue(ctx, to);
    JSValue th = JS_GetPropertyStr(ctx, obj, "throw");
    if (!JS_IsUndefined(th)) p->throw_errors = JS_ToBool(ctx, th); /* k6: params.throw, as a boolean */
    JS_FreeValue(ctx, th);
    JSValue rd = JS_GetPropertyStr(ctx, obj, "redirects");
    if (!rc && JS_IsNumber(rd)) {
        int32_t n;
        JS_ToInt32(ctx, &n, rd);
        p->redirects = n < 0 ? 0 : n;
        p->redirects_set = true;
    }
    JS_FreeValue(ctx, rd);
    JSValue cb = JS_GetPropertyStr(ctx, obj, "responseCallback");
    if (!rc && !JS_IsUndefined(cb)) {
        bool is_null;
        int bad;
        p->expect = http_expect_of(ctx, cb, &is_null, &bad);
        p->expect_set = true;
        if (bad) rc = http_parse_error(ctx, "unsupported responseCallback");
    }
    JS_FreeValue(ctx, cb);
    JSValue rt = JS_GetPropertyStr(ctx, obj, "responseType");
    if (!rc && !JS_IsUndefined(rt)) {
        const char *s = JS_ToCString(ctx, rt);
        if (!s) rc = -1;
        else if (strcmp(s, "binary") == 0) p->response_type = 1;
        else if (strcmp(s, "none") == 0) p->response_type = 2;
        else if (strcmp(s, "text") == 0) p->response_type = 0;
        else rc = http_parse_error(ctx, "%s does not belong to ResponseType values", s); /* enumer's text */
        JS_FreeCString(ctx, s);
    }
    JS_FreeValue(ctx, rt);
    if (!rc) rc = http_parse_cookies(ctx, obj, p);
    if (!rc) rc = http_parse_jar(ctx, obj, p);
    if (!rc) rc = http_parse_auth(ctx, obj, p);
    return rc;
}

/* ---- bodies ---- */

/* Go's url.QueryEscape, as url.Values.Encode writes form bodies. */
static void http_urlencode(buf *out, const char *s) {
    static const char hex[] = "0123456789ABCDEF";
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') buf_append(out, s, 1);
        else if (c == ' ') buf_append(out, "+", 1);
        else {
            char e[3] = {'%', hex[c >> 4], hex[c & 15]};
            buf_append(out, e, 3);
        }
    }
}

typedef struct form_field {
    const char *k, *v;
    size_t order;
} form_field;

static int http_form_cmp(const void *a, const void *b) {
    const form_field *x = a, *y = b;
    int c = strcmp(x->k, y->k);
    return c ? c : x->order < y->order ? -1 : 1;
}

/* An object body as k6 encodes it without files: url.Values.Encode, so the
 * fields sorted by name and an array giving one field per element. */
static int http_form_body(JSContext *ctx, JSValueConst obj, buf *out) {
    JSPropertyEnum *props;
    uint32_t np;
    if (JS_GetOwnPropertyNames(ctx, &props, &np, obj, JS_GPN_STRING_MASK | JS_GPN_ENUM_ONLY)) return -1;
    form_field *f = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;
    for (uint32_t i = 0; i < np && !rc; i++) {
        JSValue val = JS_GetProperty(ctx, obj, props[i].atom);
        bool arr = JS_IsArray(ctx, val) > 0;
        int64_t len = 1;
        if (arr) {
            JSValue l = JS_GetPropertyStr(ctx, val, "length");
            JS_ToInt64(ctx, &len, l);
            JS_FreeValue(ctx, l);
        }
        for (int64_t e = 0; e < len && !rc; e++) {
            JSValue item = arr ? JS_GetPropertyUint32(ctx, val, (uint32_t)e) : JS_DupValue(ctx, val);
            if (n == cap) {
                cap = cap ? cap * 2 : 16;
                form_field *nf = realloc(f, cap * sizeof *f);
                if (!nf) {
                    JS_FreeValue(ctx, item);
                    rc = -1;
                    JS_ThrowOutOfMemory(ctx);
                    break;
                }
                f = nf;
            }
            f[n] = (form_field){JS_AtomToCString(ctx, props[i].atom), JS_ToCString(ctx, item), n};
            JS_FreeValue(ctx, item);
            if (!f[n].k || !f[n].v) rc = -1;
            n++;
        }
        JS_FreeValue(ctx, val);
    }
    vm_free_props(ctx, props, np);
    if (!rc) {
        qsort(f, n, sizeof *f, http_form_cmp);
        buf_reserve(out, 1); /* an empty form is still a body */
        for (size_t i = 0; i < n; i++) {
            if (i) buf_append(out, "&", 1);
            http_urlencode(out, f[i].k);
            buf_append(out, "=", 1);
            http_urlencode(out, f[i].v);
        }
    }
    for (size_t i = 0; i < n; i++) {
        JS_FreeCString(ctx, f[i].k);
        JS_FreeCString(ctx, f[i].v);
    }
    free(f);
    return rc;
}

/* Body: string, ArrayBuffer/typed array, or object (form-urlencoded, or
 * multipart when a field holds an http.file()). */
static int http_body(JSContext *ctx, JSValueConst b, http_call *c) {
    if (JS_IsUndefined(b) || JS_IsNull(b)) return 0;
    if (!JS_IsString(b) && (!JS_IsObject(b) || JS_IsArray(ctx, b) > 0 || JS_IsFunction(ctx, b)))
        return http_parse_error(ctx, "unknown request body type %s", http_go_type(ctx, b));
    c->has_body = true;
    size_t len;
    /* (asked first: JS_GetArrayBuffer and JS_GetTypedArrayBuffer throw,
     * with a backtrace, for a form's plain object) */
    if (JS_IsObject(b)) {
        uint8_t *p = js_is_array_buffer(ctx, b)         ? JS_GetArrayBuffer(ctx, &len, b)
                     : js_typed_array_type(ctx, b) >= 0 ? js_typed_array_bytes(ctx, b, &len)
                                                        : NULL;
        if (p) return buf_append(&c->body, p, len);
        JS_FreeValue(ctx, JS_GetException(ctx)); /* a detached buffer: as an object, as before */
        if (http_has_file(ctx, b)) return http_multipart_body(ctx, b, &c->body, c->ctype, sizeof c->ctype);
        snprintf(c->ctype, sizeof c->ctype, "%s", HTTP_FORM_CTYPE);
        return http_form_body(ctx, b, &c->body);
    }
    size_t sl;
    const char *s = JS_ToCStringLen(ctx, &sl, b);
    if (!s) return -1;
    int rc = buf_append(&c->body, s, sl);
    JS_FreeCString(ctx, s);
    return rc;
}

/* ---- one request's arguments ---- */

void http_call_free(JSContext *ctx, http_call *c) {
    http_params_free(ctx, &c->p);
    if (!c->url_borrowed) free(c->url0 ? c->url0 : c->url);
    if (c->url0) free(c->url);
    c->url_borrowed = false;
    c->url_memo = NULL;
    http_free(c->url_name);
    http_buf_free(&c->body);
    http_buf_free(&c->rbody);
    http_buf_free(&c->rhdr);
    http_buf_free(&c->cookie);
    http_buf_free(&c->cookie0);
    http_free(c->cr);
    c->cr = NULL;
    c->url = c->url0 = c->url_name = NULL;
}

/* The URL argument: a string, or what http.url`...` made (its name tag too). */
static int http_url_arg(JSContext *ctx, JSValueConst u, http_call *c) {
    const char *url, *name = NULL;
    if (JS_IsUndefined(u) || JS_IsNull(u) || JS_IsNumber(u) || JS_IsBool(u)) {
        /* k6's httpext.ToURL takes a string or http.url`...` only:
         * "invalid URL: '#%v'" (Go's %v of the exported value), code 1020 */
        const char *s = JS_IsNumber(u) || JS_IsBool(u) ? JS_ToCString(ctx, u) : NULL;
        int rc = http_parse_error(ctx, "invalid URL: '#%s'", s ? s : "<nil>");
        http_parse_code = 1020;
        JS_FreeCString(ctx, s);
        return rc;
    }
    if (JS_IsObject(u) && !JS_IsFunction(ctx, u)) {
        JSValue uv = JS_GetPropertyStr(ctx, u, "url"), nm = JS_GetPropertyStr(ctx, u, "name");
        url = JS_IsUndefined(uv) ? JS_ToCString(ctx, u) : JS_ToCString(ctx, uv);
        if (JS_IsString(nm)) name = JS_ToCString(ctx, nm);
        JS_FreeValue(ctx, uv);
        JS_FreeValue(ctx, nm);
    } else if (c->borrow_url && JS_IsString(u)) {
        /* the same string as the VU's last request (a script's usual
         * constant URL): its C string again, without a scan and a copy */
        http_vu *h = http_vu_of(c->v);
        if (!h) return JS_ThrowOutOfMemory(ctx), -1;
        if (!h->url_c || JS_VALUE_GET_PTR(h->url_val) != JS_VALUE_GET_PTR(u)) {
            const char *s = JS_ToCString(ctx, u);
            if (!s) return -1;
            h->url_memo.set = 0; /* it was url_c's */
            JS_FreeCString(ctx, h->url_c);
            JS_FreeValue(ctx, h->url_val);
            h->url_val = JS_DupValue(ctx, u);
            h->url_c = s;
        }
        c->url = (char *)h->url_c; /* never written: see http_call_init */
        c->url_borrowed = true;
        c->url_memo = &h->url_memo;
        return 0;
    } else {
        url = JS_ToCString(ctx, u);
    }
    if (url) c->url = strdup(url);
    if (name) c->url_name = strdup(name);
    bool oom = (url && !c->url) || (name && !c->url_name);
    JS_FreeCString(ctx, url);
    JS_FreeCString(ctx, name);
    if (oom) {
        JS_ThrowOutOfMemory(ctx);
        return -1;
    }
    return url ? 0 : -1;
}

/* k6's MakeRequest drops a Content-Length header the script set (Go sends
 * the body's) and warns when it differs from the body's length. */
static void http_check_content_length(const http_call *c) {
    const char *h = c->p.clen_hdr;
    size_t len = c->has_body ? c->body.len : 0;
    char *end;
    errno = 0;
    long long n = strtoll(h, &end, 10);
    bool atoi_ok = *h && !*end && !errno && (isdigit((unsigned char)*h) || *h == '-' || *h == '+');
    if (atoi_ok && n >= 0 && (unsigned long long)n == len) return;
    buf q = {0}; /* %q of the header value */
    buf_append(&q, "\"", 1);
    for (const char *p = h; *p; p++) {
        if (*p == '"' || *p == '\\') buf_append(&q, "\\", 1);
        buf_append(&q, p, 1);
    }
    buf_append(&q, "\"", 1);
    log_printf(LOG_WARN,
               "The specified Content-Length header %s in the %s request for %s doesn't match the actual "
               "request body length of %zu, so it will be ignored!",
               q.p ? q.p : "\"\"", c->method, c->url, len);
    buf_free(&q);
}

int http_call_init(JSContext *ctx, http_call *c, const char *method, JSValueConst url, JSValueConst body,
                   JSValueConst params) {
    c->v = vu_from_ctx(ctx);
    c->p.jar_obj = JS_UNDEFINED;
    size_t i = 0;
    for (; method[i] && i < sizeof c->method - 1; i++) /* toupper in the C locale (c6 sets no other) */
        c->method[i] = (char)(method[i] >= 'a' && method[i] <= 'z' ? method[i] - ('a' - 'A') : method[i]);
    c->method[i] = 0;
    memcpy(c->method0, c->method, sizeof c->method0);
    if (http_url_arg(ctx, url, c) || http_parse_params(ctx, params, &c->p) || http_body(ctx, body, c)) {
        http_call_free(ctx, c);
        return -1;
    }
    if (!c->p.name && c->url_name) c->p.name = c->url_name; /* http.url`...` groups by its template */
    if (c->p.ncodecs && c->has_body && http_compress_body(ctx, c)) {
        http_call_free(ctx, c);
        return -1;
    }
    if (c->p.auth == HTTP_AUTH_DIGEST || c->p.auth == HTTP_AUTH_NTLM) {
        if (c->url_borrowed) { /* the credentials are cut out of the URL: a copy of its own */
            char *own = strdup(c->url);
            if (!own) {
                http_call_free(ctx, c);
                JS_ThrowOutOfMemory(ctx);
                return -1;
            }
            c->url = own;
            c->url_borrowed = false;
            c->url_memo = NULL;
        }
        http_take_credentials(c);
    }
    if (c->p.clen_hdr) http_check_content_length(c);
    return 0;
}

/* ---- Response object ---- */

/* Response objects are built per request: their property names are atoms made
 * once per VU, not looked up from C strings every time. */
enum {
    A_STATUS,
    A_URL,
    A_PROTO,
    A_BODY,
    A_HEADERS,
    A_TIMINGS,
    A_ERROR,
    A_ERROR_CODE,
    A_REMOTE_IP,
    A_REMOTE_PORT,
    A_COOKIES,
    A_REQUEST,
    A_METHOD,
    A_BLOCKED,
    A_CONNECTING,
    A_TLS_HANDSHAKING,
    A_SENDING,
    A_WAITING,
    A_RECEIVING,
    A_DURATION,
    A_STATUS_TEXT,
    A_TLS_VERSION,
    A_TLS_CIPHER_SUITE,
    A_OCSP,
    A_PRODUCED_AT,
    A_THIS_UPDATE,
    A_NEXT_UPDATE,
    A_REVOCATION_REASON,
    A_REVOKED_AT,
    A_LOOKING_UP,
    A_H_USER_AGENT,
    A_H_CONTENT_TYPE,
    A_H_COOKIE,
    A_UA, /* the User-Agent itself: an atom is a string made once */
    A_COUNT
};
static const char *const http_atom_names[A_UA] = {"status",
                                                  "url",
                                                  "proto",
                                                  "body",
                                                  "headers",
                                                  "timings",
                                                  "error",
                                                  "error_code",
                                                  "remote_ip",
                                                  "remote_port",
                                                  "cookies",
                                                  "request",
                                                  "method",
                                                  "blocked",
                                                  "connecting",
                                                  "tls_handshaking",
                                                  "sending",
                                                  "waiting",
                                                  "receiving",
                                                  "duration",
                                                  "status_text",
                                                  "tls_version",
                                                  "tls_cipher_suite",
                                                  "ocsp",
                                                  "produced_at",
                                                  "this_update",
                                                  "next_update",
                                                  "revocation_reason",
                                                  "revoked_at",
                                                  "looking_up",
                                                  "User-Agent",
                                                  "Content-Type",
                                                  "Cookie"};

/* NULL only when out of memory (with no k6/http state yet). */
static __attribute__((noinline)) const JSAtom *http_atoms_make(vu *v) {
    http_vu *h = http_vu_of(v);
    if (!h) return NULL;
    for (int i = 0; i < A_UA; i++) h->atoms[i] = JS_NewAtom(v->ctx, http_atom_names[i]);
    h->atoms[A_UA] = JS_NewAtom(v->ctx, http_user_agent(v));
    h->atoms_made = true;
    return h->atoms;
}

static inline const JSAtom *http_atoms(vu *v) {
    const http_vu *h = vm_mod_peek(v, VM_MOD_HTTP);
    return h && h->atoms_made ? h->atoms : http_atoms_make(v);
}

static void http_vu_init(vu *v, void *st) {
    http_vu *h = st;
    h->resp_proto = JS_UNDEFINED;
    h->expect_obj = JS_UNDEFINED;
    for (int i = 0; i < 3; i++) h->shapes[i] = JS_UNDEFINED;
    h->url_val = JS_UNDEFINED;
}

static void http_vu_iter_begin(vu *v, void *st) {
    http_vu *h = st;
    if (h->jar) cookies_clear(h->jar); /* k6 empties the VU's jar every iteration */
}

static void http_vu_free(vu *v, void *st) {
    http_vu *h = st;
    buf_free(&h->rbody);
    buf_free(&h->rhdr);
    if (h->atoms_made)
        for (int i = 0; i < A_COUNT; i++) JS_FreeAtom(v->ctx, h->atoms[i]);
    JS_FreeValue(v->ctx, h->resp_proto);
    JS_FreeValue(v->ctx, h->expect_obj);
    for (int i = 0; i < 3; i++) JS_FreeValue(v->ctx, h->shapes[i]);
    h->url_memo.set = 0;
    JS_FreeCString(v->ctx, h->url_c);
    JS_FreeValue(v->ctx, h->url_val);
    cookies_free(h->jar);
}

const vm_mod_ops http_mod_ops = {
    .size = sizeof(http_vu) + A_COUNT * sizeof(JSAtom),
    .init = http_vu_init,
    .iter_begin = http_vu_iter_begin,
    .free = http_vu_free,
};

/* A plain data property (the Response's own too: NO_EXOTIC spares
 * QuickJS the look-up of its class's exotic methods, which define none). */
#define HTTP_PROP (JS_PROP_C_W_E | JS_PROP_NO_EXOTIC)
static void http_set(JSContext *ctx, JSValue o, JSAtom a, JSValue val) {
    JS_DefinePropertyValue(ctx, o, a, val, HTTP_PROP);
}

static void http_canonical(char *name) {
    bool up = true;
    for (char *c = name; *c; c++) {
        *c = up ? (char)toupper((unsigned char)*c) : (char)tolower((unsigned char)*c);
        up = *c == '-';
    }
}

/* One name of Response.headers while it is built: its value points into the
 * header block until a second value (or an obs-fold line) makes it a join. */
typedef struct hdr_field {
    JSAtom atom;
    const char *v;
    size_t vn;
    buf joined;
    int use_joined;
} hdr_field;

static int hdr_field_add(hdr_field *f, const char *sep, size_t sn, const char *v, size_t vn) {
    if (!f->use_joined) {
        f->use_joined = 1;
        if (buf_append(&f->joined, f->v, f->vn)) return -1;
    }
    return buf_append(&f->joined, sep, sn) || buf_append(&f->joined, v, vn) ? -1 : 0;
}

static bool http_is_ws(char c) { return c == ' ' || c == '\t'; }

/* Response.headers as k6 builds it from Go's Header: canonical names (one
 * holding a space stays as it is, as Go leaves it), the values of a name
 * joined with ", ", an obs-fold line added to its field after one space,
 * blanks around values trimmed. Names become atoms, and a repeated one is
 * found in an open-addressing table of them, so thousands of Set-Cookie
 * lines cost a linear pass, not a quadratic re-join. */
static JSValue http_headers_object(JSContext *ctx, const buf *hdr) {
    JSValue o = JS_NewObject(ctx);
    if (!hdr->p || JS_IsException(o)) return o;
    const char *p = memchr(hdr->p, '\n', hdr->len), *end = hdr->p + hdr->len; /* skip the status line */
    if (!p) return o;
    size_t nlines = 0;
    for (const char *q = p + 1; q < end && (q = memchr(q, '\n', (size_t)(end - q))); q++) nlines++;
    size_t cap = 64;
    while (cap < 2 * nlines) cap *= 2;
    hdr_field fst[32];
    uint32_t tst[64]; /* index + 1 of a field, 0: free */
    hdr_field *f = nlines <= 32 ? fst : calloc(nlines, sizeof *f);
    uint32_t *t = cap <= 64 ? tst : calloc(cap, sizeof *t);
    buf name = {0};
    size_t nf = 0;
    bool oom = !f || !t;
    if (f == fst) memset(fst, 0, sizeof fst);
    if (t == tst) memset(tst, 0, sizeof tst);
    hdr_field *cur = NULL;
    size_t seg = 0; /* where cur's last value starts in its join */
    for (p++; !oom && p < end;) {
        const char *eol = memchr(p, '\n', (size_t)(end - p)), *le = eol ? eol : end;
        if (le > p && le[-1] == '\r') le--;
        if (le == p) break; /* the blank line */
        const char *next = eol ? eol + 1 : end;
        while (le > p && http_is_ws(le[-1])) le--;
        if (http_is_ws(*p)) { /* obs-fold */
            while (p < le && http_is_ws(*p)) p++;
            if (cur) {
                bool empty = cur->use_joined ? cur->joined.len == seg : cur->vn == 0;
                oom = hdr_field_add(cur, " ", empty ? 0 : 1, p, (size_t)(le - p)) != 0;
            }
            p = next;
            continue;
        }
        const char *colon = memchr(p, ':', (size_t)(le - p));
        if (!colon) {
            p = next;
            continue;
        }
        buf_clear(&name);
        if (buf_append(&name, p, (size_t)(colon - p))) {
            oom = true;
            break;
        }
        if (!memchr(name.p, ' ', name.len)) http_canonical(name.p);
        const char *v = colon + 1;
        while (v < le && http_is_ws(*v)) v++;
        JSAtom a = JS_NewAtomLen(ctx, name.p, name.len);
        if (a == JS_ATOM_NULL) {
            oom = true;
            break;
        }
        size_t h = (a * 2654435761u) & (cap - 1);
        while (t[h] && f[t[h] - 1].atom != a) h = (h + 1) & (cap - 1);
        if (t[h]) {
            JS_FreeAtom(ctx, a);
            cur = &f[t[h] - 1];
            oom = hdr_field_add(cur, ", ", 2, v, (size_t)(le - v)) != 0;
            seg = cur->joined.len - (size_t)(le - v);
        } else {
            cur = &f[nf];
            cur->atom = a;
            cur->v = v;
            cur->vn = (size_t)(le - v);
            t[h] = (uint32_t)++nf;
        }
        p = next;
    }
    for (size_t i = 0; i < nf; i++) {
        hdr_field *x = &f[i];
        if (!oom) {
            JSValue val =
                x->use_joined ? JS_NewStringLen(ctx, x->joined.p, x->joined.len) : JS_NewStringLen(ctx, x->v, x->vn);
            /* defined, not set: a "__proto__" header is a header */
            oom = JS_IsException(val) || JS_DefinePropertyValue(ctx, o, x->atom, val, JS_PROP_C_W_E) < 0;
        }
        JS_FreeAtom(ctx, x->atom);
        buf_free(&x->joined);
    }
    buf_free(&name);
    if (f != fst) free(f);
    if (t != tst) free(t);
    if (oom) {
        JS_FreeValue(ctx, o);
        return JS_ThrowOutOfMemory(ctx);
    }
    return o;
}

/* "200 OK": the status line after the protocol, as k6's status_text. */

/* ---- lazy parts of a Response ----
 * headers, timings, cookies and request are built when the script first
 * reads them (most scripts read status and body only): the response keeps a
 * packed copy of what they are made from, one allocation, freed with it. */

typedef struct http_snap {
    double t[7];           /* blocked .. duration */
    tls_ocsp ocsp;         /* its strings are static */
    bool failed;           /* no response (status 0) */
    uint32_t built;        /* lazy fields already made own properties (bit per LAZY_*) */
    bool has_content_type; /* the script set Content-Type itself */
    const http_vu *h;      /* the VU's state: its atoms (made before any Response), its shapes */
    char method[16];
    char proto[16]; /* Response.proto (http_result's, copied whole: no strlen) */
    char ip[48];    /* Response.remote_ip: the client's text (46 bytes at most), copied whole */
    const char *hdr;
    size_t hdr_len;    /* response header block */
    const char *url;   /* the request's URL (first hop) */
    const char *ua;    /* User-Agent c6 sent, when the script set none: the test's option or
                          c6's default, which outlive every VU (not copied) */
    const char *ctype; /* "Content-Type: ..." line c6 added, "" none */
    const char *cookie;
    size_t cookie_len; /* "Cookie: ..." line of the first hop */
    const char *body;
    size_t body_len;
    int nh;
    const char **hlines; /* the script's header lines */
    /* the Response's scalar fields */
    int32_t status, error_code, port;
    int tls_version;
    const char *final_url; /* after redirects */
    const char *error, *cipher;
} http_snap;

static JSClassID http_resp_class_id;

static void http_resp_finalizer(JSRuntime *rt, JSValue val) { js_free_rt(rt, JS_GetOpaque(val, http_resp_class_id)); }

static size_t http_pad(size_t n) { return (n + 7) & ~(size_t)7; }

/* strlen without a call for the empty strings a Response mostly has. */
static inline size_t http_slen(const char *s) { return s[0] ? strlen(s) : 0; }

/* Copies what the lazy properties need into one block, from QuickJS's
 * allocator (js/jsalloc.c: the runtime's heap, ~60 instructions for the
 * pair against glibc's ~320 for malloc + free of a block of this size). */
static http_snap *http_snap_new(vu *v, const http_call *c, const http_vu *h) {
    const buf *cookie = c->url0 ? &c->cookie0 : &c->cookie;
    const char *url = c->url0 ? c->url0 : c->url;
    const http_result *r = &c->res;
    size_t url_len = strlen(url) + 1, ct_len = http_slen(c->ctype) + 1;
    /* without a redirect, the final URL is the first one: one copy */
    size_t furl_len = c->url0 ? strlen(c->url) : 0, err_len = http_slen(r->error),
           cipher_len = http_slen(r->tls.cipher);
    size_t size = http_pad(sizeof(http_snap)) + http_pad((size_t)c->p.nh * sizeof(char *)) + http_pad(c->rhdr.len + 1) +
                  http_pad(url_len) + http_pad(ct_len) + http_pad(cookie->len + 1) + http_pad(c->body.len + 1) +
                  furl_len + err_len + cipher_len + 3;
    for (int i = 0; i < c->p.nh; i++) size += strlen(c->p.hlines[i]) + 1;
    http_snap *s = js_malloc_rt(JS_GetRuntime(v->ctx), size);
    if (!s) return NULL;
    char *p = (char *)s + http_pad(sizeof *s);
    double t[7] = {r->t_blocked, r->t_connecting, r->t_tls, r->t_sending, r->t_waiting, r->t_receiving, r->t_duration};
    memcpy(s->t, t, sizeof t);
    s->ocsp = r->tls.ocsp;
    s->failed = r->status == 0;
    s->built = 0;
    s->h = h;
    s->has_content_type = c->p.has_content_type;
    memcpy(s->method, c->method0, sizeof s->method);
    _Static_assert(sizeof s->proto == sizeof r->proto, "Response.proto");
    memcpy(s->proto, r->proto, sizeof s->proto);
    _Static_assert(sizeof((h1_request *)0)->remote_ip <= sizeof s->ip && sizeof s->ip <= sizeof r->ip, "remote_ip");
    memcpy(s->ip, r->ip, sizeof s->ip); /* http_h1_result's copy of remote_ip, or zeroed */
    s->ip[sizeof s->ip - 1] = 0;
    s->ua = http_user_agent(v);
    s->hlines = (const char **)p;
    p += http_pad((size_t)c->p.nh * sizeof(char *));
#define SNAP_COPY(dst, src, len)                                                                                       \
    do {                                                                                                               \
        if (len) memcpy(p, (src), (len));                                                                              \
        p[(len)] = 0;                                                                                                  \
        dst = p;                                                                                                       \
        p += http_pad((len) + 1);                                                                                      \
    } while (0)
    SNAP_COPY(s->hdr, c->rhdr.p, c->rhdr.len);
    s->hdr_len = c->rhdr.len;
    SNAP_COPY(s->url, url, url_len - 1);
    SNAP_COPY(s->ctype, c->ctype, ct_len - 1);
    SNAP_COPY(s->cookie, cookie->p, cookie->len);
    s->cookie_len = cookie->len;
    SNAP_COPY(s->body, c->body.p, c->body.len);
    s->body_len = c->body.len;
#undef SNAP_COPY
    s->nh = c->p.nh;
    for (int i = 0; i < c->p.nh; i++) {
        size_t l = strlen(c->p.hlines[i]) + 1;
        memcpy(p, c->p.hlines[i], l);
        s->hlines[i] = p;
        p += l;
    }
    s->status = (int32_t)r->status;
    s->error_code = r->error_code;
    s->port = (int32_t)r->port;
    s->tls_version = r->tls.version;
#define SNAP_STR(dst, src, len)                                                                                        \
    do {                                                                                                               \
        if (len) memcpy(p, (src), (len));                                                                              \
        p[(len)] = 0;                                                                                                  \
        dst = p;                                                                                                       \
        p += (len) + 1;                                                                                                \
    } while (0)
    if (c->url0) SNAP_STR(s->final_url, c->url, furl_len);
    else s->final_url = s->url;
    SNAP_STR(s->error, r->error, err_len);
    SNAP_STR(s->cipher, r->tls.cipher, cipher_len);
#undef SNAP_STR
    return s;
}

/* Response.request.headers: what k6 puts in the Go request's header map,
 * canonical names to one-value arrays. */
static JSValue http_request_headers(JSContext *ctx, const JSAtom *at, const http_snap *s) {
    JSValue h = JS_NewObject(ctx);
    bool ua = false;
    for (int i = 0; i < s->nh; i++) {
        const char *line = s->hlines[i], *colon = strchr(line, ':');
        char name[256];
        snprintf(name, sizeof name, "%.*s", (int)(colon - line), line);
        http_canonical(name);
        ua = ua || strcmp(name, "User-Agent") == 0;
        JSValue arr = JS_NewArray(ctx);
        JS_SetPropertyUint32(ctx, arr, 0, JS_NewString(ctx, colon + 2));
        JS_SetPropertyStr(ctx, h, name, arr);
    }
    if (!ua && s->ua[0]) {
        JSValue arr = JS_NewArray(ctx);
        JS_SetPropertyUint32(ctx, arr, 0, JS_NewString(ctx, s->ua));
        http_set(ctx, h, at[A_H_USER_AGENT], arr);
    }
    if (s->ctype[0] && !s->has_content_type) {
        JSValue arr = JS_NewArray(ctx);
        JS_SetPropertyUint32(ctx, arr, 0, JS_NewString(ctx, s->ctype + 14)); /* after "Content-Type: " */
        http_set(ctx, h, at[A_H_CONTENT_TYPE], arr);
    }
    if (s->cookie_len) {
        JSValue arr = JS_NewArray(ctx);
        JS_SetPropertyUint32(ctx, arr, 0, JS_NewStringLen(ctx, s->cookie + 8, s->cookie_len - 8));
        http_set(ctx, h, at[A_H_COOKIE], arr);
    }
    return h;
}

/* Response.request: the first hop as k6 describes it. */
static JSValue http_request_object(JSContext *ctx, const JSAtom *at, const http_snap *s) {
    JSValue req = JS_NewObject(ctx);
    buf cookie = {(char *)s->cookie, s->cookie_len, 0};
    http_set(ctx, req, at[A_METHOD], JS_NewString(ctx, s->method));
    http_set(ctx, req, at[A_URL], JS_NewString(ctx, s->url));
    http_set(ctx, req, at[A_HEADERS], http_request_headers(ctx, at, s));
    http_set(ctx, req, at[A_BODY], JS_NewStringLen(ctx, s->body, s->body_len));
    http_set(ctx, req, at[A_COOKIES], http_request_cookies(ctx, &cookie));
    return req;
}

/* k6's ResponseTimings in its field order. looking_up is always 0: k6
 * declares it but never fills it (lib/netext/httpext/request.go,
 * updateK6Response sets every field but LookingUp; its tracer has no DNS
 * hooks), and its DNS time falls in blocked, as c6's does. */
static JSValue http_timings_object(JSContext *ctx, const JSAtom *at, const double *t) {
    JSValue o = JS_NewObject(ctx);
    http_set(ctx, o, at[A_DURATION], JS_NewFloat64(ctx, t[6]));
    http_set(ctx, o, at[A_BLOCKED], JS_NewFloat64(ctx, t[0]));
    http_set(ctx, o, at[A_LOOKING_UP], JS_NewFloat64(ctx, 0));
    for (int i = 1; i < 6; i++) http_set(ctx, o, at[A_BLOCKED + i], JS_NewFloat64(ctx, t[i]));
    return o;
}

/* Response.ocsp: k6's fields; status "" without TLS, "unknown" when the
 * server stapled no response. */
static JSValue http_ocsp_object(JSContext *ctx, const JSAtom *at, const tls_ocsp *o) {
    JSValue r = JS_NewObject(ctx);
    http_set(ctx, r, at[A_PRODUCED_AT], JS_NewInt64(ctx, o->produced_at));
    http_set(ctx, r, at[A_THIS_UPDATE], JS_NewInt64(ctx, o->this_update));
    http_set(ctx, r, at[A_NEXT_UPDATE], JS_NewInt64(ctx, o->next_update));
    http_set(ctx, r, at[A_REVOCATION_REASON], JS_NewString(ctx, o->revocation_reason ? o->revocation_reason : ""));
    http_set(ctx, r, at[A_REVOKED_AT], JS_NewInt64(ctx, o->revoked_at));
    http_set(ctx, r, at[A_STATUS], JS_NewString(ctx, o->status ? o->status : ""));
    return r;
}

/* In k6's order of a Response's fields (toJSON materializes them so). */
enum {
    LAZY_REMOTE_IP,
    LAZY_REMOTE_PORT,
    LAZY_URL,
    LAZY_STATUS,
    LAZY_STATUS_TEXT,
    LAZY_PROTO,
    LAZY_HEADERS,
    LAZY_COOKIES,
    LAZY_TIMINGS,
    LAZY_TLS_VERSION,
    LAZY_TLS_CIPHER,
    LAZY_OCSP,
    LAZY_ERROR,
    LAZY_ERROR_CODE,
    LAZY_REQUEST,
    LAZY_COUNT
};
static const int LAZY_ATOM[LAZY_COUNT] = {
    A_REMOTE_IP,   A_REMOTE_PORT,      A_URL,  A_STATUS, A_STATUS_TEXT, A_PROTO,  A_HEADERS, A_COOKIES, A_TIMINGS,
    A_TLS_VERSION, A_TLS_CIPHER_SUITE, A_OCSP, A_ERROR,  A_ERROR_CODE,  A_REQUEST};

/* The status line's text after the code ("200 OK" -> "200 OK", as k6). */
static JSValue http_snap_status_text(JSContext *ctx, const http_snap *s) {
    if (s->failed || !s->hdr_len) return JS_NewString(ctx, "");
    const char *sp = memchr(s->hdr, ' ', s->hdr_len), *end = s->hdr + s->hdr_len;
    if (!sp) return JS_NewString(ctx, "");
    const char *e = memchr(sp, '\n', (size_t)(end - sp));
    if (!e) e = end;
    if (e > sp && e[-1] == '\r') e--;
    while (sp < e && *sp == ' ') sp++; /* Go's Response.Status: TrimLeft(" ") of what follows the protocol */
    return JS_NewStringLen(ctx, sp, (size_t)(e - sp));
}

/* (out of line: the buffers of the fields built seldom stay off the frame
 * of http_resp_get_own, which status, read by most scripts, goes through;
 * each VU's stack is cold at its turn, see http_run.c's http_emit) */
static __attribute__((noinline)) JSValue http_lazy_build(JSContext *ctx, const JSAtom *at, const http_snap *s,
                                                         int which) {
    buf hdr = {(char *)s->hdr, s->hdr_len, 0};
    switch (which) {
    /* k6 fills headers only for a request without error (MakeRequest's
     * `if resErr == nil`): none after a body that failed or timed out */
    case LAZY_HEADERS: return http_headers_object(ctx, s->hdr_len && !s->failed ? &hdr : &(buf){0});
    case LAZY_TIMINGS: return http_timings_object(ctx, at, s->t);
    case LAZY_COOKIES: return s->failed ? JS_NewObject(ctx) : http_response_cookies(ctx, &hdr);
    case LAZY_OCSP: return http_ocsp_object(ctx, at, &s->ocsp);
    case LAZY_REMOTE_IP: return JS_NewString(ctx, s->ip);
    case LAZY_REMOTE_PORT: return JS_NewInt32(ctx, s->port);
    case LAZY_URL: return JS_NewString(ctx, s->final_url);
    case LAZY_STATUS: return JS_NewInt32(ctx, s->status);
    case LAZY_STATUS_TEXT: return http_snap_status_text(ctx, s);
    case LAZY_PROTO: return JS_NewString(ctx, s->proto);
    case LAZY_TLS_VERSION: return JS_NewString(ctx, tls_version_name(s->tls_version));
    case LAZY_TLS_CIPHER: return JS_NewString(ctx, s->cipher);
    case LAZY_ERROR: return JS_NewString(ctx, s->error);
    case LAZY_ERROR_CODE: return JS_NewInt32(ctx, s->error_code);
    default: return http_request_object(ctx, at, s);
    }
}

/* Response's lazy fields without a getter function object per field and VU
 * (30 of them cost ~6 KB per VU): QuickJS asks the class for an own
 * property it does not find in the object; the field is then built once and
 * made a plain own property (later reads, writes and deletes are ordinary). */
static int http_resp_get_own(JSContext *ctx, JSPropertyDescriptor *desc, JSValueConst obj, JSAtom prop) {
    http_snap *s = JS_GetOpaque(obj, http_resp_class_id);
    if (!s || s->built == (1u << LAZY_COUNT) - 1) return 0;
    const JSAtom *at = s->h->atoms;
    int which = -1;
    if (prop == at[A_STATUS]) which = LAZY_STATUS; /* what most scripts read, first */
    else
        for (int i = 0; i < LAZY_COUNT; i++)
            if (at[LAZY_ATOM[i]] == prop) {
                which = i;
                break;
            }
    if (which < 0 || (s->built & (1u << which))) return 0; /* deleted after it was built: gone */
    JSValue v = which == LAZY_STATUS ? JS_NewInt32(ctx, s->status) : http_lazy_build(ctx, at, s, which);
    if (JS_IsException(v)) return -1;
    s->built |= 1u << which;
    /* status read first: the Response takes its kept shape {body, status}
     * (http_keep_shapes) without a look-up in the shape table */
    if ((which == LAZY_STATUS
             ? JS_DefinePropertyValueTemplate(ctx, obj, s->h->shapes[2], prop, JS_DupValue(ctx, v), HTTP_PROP)
             : JS_DefinePropertyValue(ctx, obj, prop, JS_DupValue(ctx, v), HTTP_PROP)) < 0) {
        JS_FreeValue(ctx, v);
        return -1;
    }
    if (desc) {
        desc->flags = JS_PROP_C_W_E;
        desc->value = v;
        desc->getter = desc->setter = JS_UNDEFINED;
    } else {
        JS_FreeValue(ctx, v);
    }
    return 1;
}

/* JSON.stringify(res) shows every field, as in k6. */
static JSValue http_resp_to_json(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
    const JSAtom *at = http_atoms(vu_from_ctx(ctx));
    if (!at) return JS_ThrowOutOfMemory(ctx);
    for (int i = 0; i < LAZY_COUNT; i++) {
        JSValue v = JS_GetProperty(ctx, this_val, at[LAZY_ATOM[i]]);
        if (JS_IsException(v)) return v;
        JS_FreeValue(ctx, v);
    }
    return JS_DupValue(ctx, this_val);
}

/* QuickJS frees a shape with the last object that has it, so each Response
 * would build its shapes again (its prototype's empty one, + body, + status
 * once res.status is read: a malloc, a clone and an entry in the runtime's
 * shape table each) and free them with it. Three objects the script never
 * sees hold those shapes for the VU's life: a Response is made with the
 * second's shape and takes the third's when status is read first
 * (quickjs-object-template.patch: no look-up in the context's shape table,
 * whose lines and shapes are cold at every VU's turn; the property array in
 * the object's block), or finds them in the table (any other order). */
static void http_keep_shapes(JSContext *ctx, http_vu *h, const JSAtom *at) {
    JSAtom props[] = {at[A_BODY], at[A_STATUS]};
    for (int i = 0; i < 3; i++) {
        JSValue o = JS_NewObjectProto(ctx, h->resp_proto);
        for (int k = 0; k < i && !JS_IsException(o); k++)
            if (JS_DefinePropertyValue(ctx, o, props[k], JS_NULL, JS_PROP_C_W_E) < 0) {
                JS_FreeValue(ctx, o);
                o = JS_EXCEPTION;
            }
        if (JS_IsException(o)) { /* out of memory: Responses just build their own */
            JS_FreeValue(ctx, JS_GetException(ctx));
            return;
        }
        h->shapes[i] = o;
    }
}

JSValue http_call_response(vu *v, http_call *c) {
    JSContext *ctx = v->ctx;
    const JSAtom *at = http_atoms(v); /* made with the VU's state: h is there */
    if (!at) return JS_ThrowOutOfMemory(ctx);
    http_vu *h = vm_mod_peek(v, VM_MOD_HTTP);
    if (JS_IsUndefined(h->shapes[0])) http_keep_shapes(ctx, h, at);
    const http_result *res = &c->res;
    http_snap *snap = http_snap_new(v, c, h);
    if (!snap) return JS_ThrowOutOfMemory(ctx);
    JSValue body;
    if (c->p.response_type == 2 || (res->status == 0 && !res->body_partial)) body = JS_NULL;
    else if (c->p.response_type == 1) body = JS_NewArrayBufferCopy(ctx, (uint8_t *)c->rbody.p, c->rbody.len);
    else body = JS_NewStringLen(ctx, c->rbody.p ? c->rbody.p : "", c->rbody.len);
    JSValue o = JS_EXCEPTION;
    if (!JS_IsException(body)) {
        if (!JS_IsUndefined(h->shapes[1])) {
            o = JS_NewObjectFromTemplate(ctx, h->shapes[1], http_resp_class_id, &body, 1);
        } else { /* out of memory when the shapes were to be kept */
            o = JS_NewObjectProtoClass(ctx, h->resp_proto, http_resp_class_id);
            if (JS_IsException(o)) JS_FreeValue(ctx, body);
            else if (JS_DefinePropertyValue(ctx, o, at[A_BODY], body, HTTP_PROP) < 0) {
                JS_FreeValue(ctx, o);
                o = JS_EXCEPTION;
            }
        }
    }
    if (JS_IsException(o)) {
        js_free_rt(JS_GetRuntime(ctx), snap);
        return o;
    }
    JS_SetOpaque(o, snap);
    return o;
}

/* ---- http.get, post, ..., request ---- */

bool http_should_throw(vu *v, const http_call *c) {
    (void)v;
    return c->p.throw_errors && c->res.status == 0 && c->res.error[0];
}

/* options.throw: the request's error as a JS exception instead of a Response. */
JSValue http_throw_error(JSContext *ctx, const http_call *c) {
    char msg[1200];
    http_go_error(c, msg, sizeof msg);
    return js_throw_error(ctx, "GoError", "%s", msg);
}

bool http_parse_failed(void) {
    bool f = http_parse_err;
    http_parse_err = false;
    return f;
}

JSValue http_error_response(vu *v, const char *method, const char *msg, int code) {
    http_call c;
    memset(&c, 0, sizeof c);
    c.v = v;
    snprintf(c.method, sizeof c.method, "%s", method);
    memcpy(c.method0, c.method, sizeof c.method0);
    c.url = strdup("");
    snprintf(c.res.error, sizeof c.res.error, "%s", msg);
    c.res.error_code = code;
    JSValue r = c.url ? http_call_response(v, &c) : JS_ThrowOutOfMemory(v->ctx);
    http_call_free(v->ctx, &c);
    return r;
}

const char *http_log_exception(JSContext *ctx, const char *text) {
    JSValue ex = JS_GetException(ctx);
    JSValue m = JS_GetPropertyStr(ctx, ex, "message");
    const char *msg = JS_ToCString(ctx, m);
    JS_FreeValue(ctx, m);
    JS_FreeValue(ctx, ex);
    if (!msg) return NULL;
    buf extra = {0};
    http_log_field(&extra, "error", msg);
    log_msg(LOG_WARN, extra.p, text, strlen(text));
    buf_free(&extra);
    return msg;
}

/* After http_call_init failed: a parse error of k6's is logged and becomes
 * a Response with its error (or stays thrown with the throw option); any
 * other exception stays thrown. */
JSValue http_parse_fallback(JSContext *ctx, vu *v, const char *method) {
    int code = http_parse_code;
    if (!http_parse_failed() || (v->test && v->test->throw_errors)) return JS_EXCEPTION;
    const char *msg = http_log_exception(ctx, "Request Failed");
    if (!msg) return JS_EXCEPTION;
    JSValue r = http_error_response(v, method, msg, code);
    JS_FreeCString(ctx, msg);
    return r;
}

void http_calls_free(worker *w) { slabpool_free(&w->http_calls); }

/* A record from the pool made like a zeroed one, but for its big arrays that
 * are only read up to a count or after they were written: the script's header
 * lines (p.nh), the tag and cookie pairs (their n), the hop's header array
 * and h1_request (filled when the hop starts), res (every hop's end writes it
 * whole, http_run.c, before anything reads it). Clearing all 6 KB was
 * most of a request's stores and of its D1 write misses. A member added
 * anywhere is cleared: only the ones named here are left. */
#define HC_AT(m)  offsetof(http_call, m)
#define HC_END(m) (offsetof(http_call, m) + sizeof(((http_call *)0)->m))
#define HC_ZERO(from, to)                                                                                              \
    do {                                                                                                               \
        _Static_assert((from) <= (to), "http_call's layout");                                                          \
        memset((char *)c + (from), 0, (to) - (from));                                                                  \
    } while (0)
static void http_call_clear(http_call *c) {
    HC_ZERO(0, HC_AT(p.hlines));
    HC_ZERO(HC_END(p.hlines), HC_AT(p.tags.k));
    HC_ZERO(HC_END(p.tags.v), HC_AT(p.cookies.k));
    HC_ZERO(HC_END(p.cookies.v), HC_AT(p.cookie_replace)); /* set with each cookie */
    HC_ZERO(HC_END(p.cookie_replace), HC_AT(ctype));
    c->ctype[0] = 0;
    HC_ZERO(HC_END(ctype), HC_AT(hr));
    HC_ZERO(HC_END(hdrs), HC_AT(res));
}
_Static_assert(HC_END(p.tags.k) == HC_AT(p.tags.v) && HC_END(p.cookies.k) == HC_AT(p.cookies.v) &&
                   HC_END(hr) == HC_AT(hdrs) && HC_END(res) == sizeof(http_call),
               "http_call_clear skips these in pairs, res last");
#undef HC_ZERO
#undef HC_END
#undef HC_AT

/* One request: the VU's response buffers are lent to it; its record is one
 * of the worker's (util/slabpool.h: on the VU's stack, the record's ~6 KB
 * stayed resident with every VU that ever made a request; from the pool,
 * the records of the run's start, when every VU's first request is in
 * flight at once, go back once fewer are). No allocation in steady state. */
static JSValue http_do(JSContext *ctx, const char *method, JSValueConst url, JSValueConst body, JSValueConst params) {
    vu *v = vu_from_ctx(ctx);
    if (!v->w || v->in_init)
        return js_throw_error(ctx, "GoError", "Making http requests in the init context is not supported");
    slabpool *pool = &v->w->http_calls;
    if (!pool->size) slabpool_init(pool, sizeof(http_call));
    http_vu *h = http_vu_of(v);
    http_call *c = h ? slabpool_take(pool) : NULL;
    if (!c) return JS_ThrowOutOfMemory(ctx);
    http_call_clear(c);
    c->borrow_url = true;
    if (http_call_init(ctx, c, method, url, body, params)) {
        slabpool_give(pool, c);
        return http_parse_fallback(ctx, v, method);
    }
    c->rbody = h->rbody;
    c->rhdr = h->rhdr;
    JSValue out = !http_run(v, c, 1, 0, 0)  ? k6_throw_interrupted(ctx)
                  : http_should_throw(v, c) ? http_throw_error(ctx, c)
                                            : http_call_response(v, c);
    h->rbody = c->rbody;
    h->rhdr = c->rhdr;
    c->rbody = c->rhdr = (buf){0};
    if (h->rbody.cap > (1u << 20)) buf_free(&h->rbody); /* don't pin a huge body per VU */
    if (h->rhdr.cap > (64u << 10)) buf_free(&h->rhdr);  /* nor a head of up to 10 MB */
    http_call_free(ctx, c);
    slabpool_give(pool, c);
    /* what the VU reads first when it next runs after a wait (a sleep()
     * before its next iteration): its jar (emptied as the iteration begins),
     * the URL memo and text of its next http.get, the connection it keeps */
    v->pf_next[0] = &h->jar;
    v->pf_next[1] = &h->url_val;
    v->pf_next[2] = h->url_c;
    v->pf_next[3] = h1_held_line(v->w->h1, v->id);
    return out;
}

/* http.get(url, params), http.post(url, body, params), http.request(method, url, body, params) */
enum { H_GET, H_HEAD, H_POST, H_PUT, H_PATCH, H_DEL, H_OPTIONS, H_REQUEST };
static const char *http_methods[] = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"};

static JSValue http_call_fn(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv, int magic) {
    const char *method = NULL;
    int a = 0;
    if (magic == H_REQUEST) {
        if (argc < 1) return JS_ThrowTypeError(ctx, "http.request(method, url[, body][, params])");
        method = JS_ToCString(ctx, argv[a++]);
        if (!method) return JS_EXCEPTION;
    }
    JSValueConst url = argc > a ? argv[a] : JS_UNDEFINED;
    a++;
    bool takes_body = magic != H_GET && magic != H_HEAD;
    JSValueConst body = takes_body && argc > a ? argv[a] : JS_UNDEFINED;
    if (takes_body) a++;
    JSValueConst params = argc > a ? argv[a] : JS_UNDEFINED;
    JSValue r = http_do(ctx, magic == H_REQUEST ? method : http_methods[magic], url, body, params);
    JS_FreeCString(ctx, method);
    return r;
}

/* res.json([selector]): parses the body; a selector walks "a.b.0.c" ("#" = length). */
/* k6's checkErrorInJSON: the line and character of a json.SyntaxError's
 * offset, counted over the body's runes as k6 counts them (the character
 * after the bad byte, since the offset counts it). */
static void http_json_position(const char *s, size_t n, size_t offset, int *line, int *chr) {
    *line = 1;
    *chr = 0;
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\n') {
            ++*line;
            *chr = 0;
        }
        ++*chr;
        if (i == offset) break;
        size_t w = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
        for (size_t k = 1; k < w; k++) /* an invalid sequence is one byte, as Go's range reads it */
            if (i + k >= n || ((unsigned char)s[i + k] & 0xc0) != 0x80) {
                w = 1;
                break;
            }
        i += w;
    }
}

/* res.json([selector]) as k6's Response.JSON (js/modules/k6/http/response.go):
 * a null body throws; with a selector, a body that is not JSON or a path
 * that matches nothing gives undefined; without one, invalid JSON throws
 * k6's "cannot parse json ..." with Go's error text. */
static JSValue http_json(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
    JSValue body = JS_GetPropertyStr(ctx, this_val, "body");
    if (JS_IsException(body)) return body;
    if (JS_IsNull(body) || JS_IsUndefined(body)) {
        JS_FreeValue(ctx, body);
        return js_throw_error(ctx, "GoError",
                              "the body is null so we can't transform it to JSON - "
                              "this likely was because of a request error getting the response");
    }
    size_t len;
    const char *s = NULL;
    /* (JS_GetArrayBuffer is not asked of a text body: it would throw,
     * building a TypeError and its backtrace, at every json()) */
    uint8_t *ab = js_is_array_buffer(ctx, body) ? JS_GetArrayBuffer(ctx, &len, body) : NULL;
    if (!ab) {
        JS_FreeValue(ctx, JS_GetException(ctx)); /* (a detached buffer threw) the body as text */
        s = JS_ToCStringLen(ctx, &len, body);
        if (!s) {
            JS_FreeValue(ctx, body);
            return JS_EXCEPTION;
        }
    }
    const char *text = s ? s : (const char *)ab;
    bool has_sel = argc > 0;
    char err[256];
    size_t off = 0;
    JSValue v;
    if (gojson_check(text, len, err, sizeof err, &off)) {
        if (has_sel) {
            v = JS_UNDEFINED;
        } else {
            int line, chr;
            http_json_position(text, len, off, &line, &chr);
            v = js_throw_error(ctx, "GoError", "cannot parse json due to an error at line %d, character %d , error: %s",
                               line, chr, err);
        }
    } else if (s) {
        v = JS_ParseJSON(ctx, s, len, "<response body>");
    } else {
        char *copy = js_malloc(ctx, len + 1); /* JS_ParseJSON wants a terminated string */
        if (copy) {
            memcpy(copy, ab, len);
            copy[len] = 0;
        }
        v = copy ? JS_ParseJSON(ctx, copy, len, "<response body>") : JS_EXCEPTION;
        js_free(ctx, copy);
    }
    if (s) JS_FreeCString(ctx, s);
    JS_FreeValue(ctx, body);
    if (JS_IsException(v) || JS_IsUndefined(v) || !has_sel) return v;
    const char *sel = JS_ToCString(ctx, argv[0]);
    if (!sel) {
        JS_FreeValue(ctx, v);
        return JS_EXCEPTION;
    }
    JSValue out = http_gjson_get(ctx, v, sel);
    JS_FreeCString(ctx, sel);
    JS_FreeValue(ctx, v);
    return out;
}

static JSValue http_url_to_string(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
    return JS_GetPropertyStr(ctx, this_val, "url");
}

/* http.url`https://x/items/${id}`: the URL, and a name tag with "${}" where
 * the values were, so all those requests share one tag set. */
static JSValue http_url(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
    if (argc < 1 || !JS_IsArray(ctx, argv[0]))
        return JS_ThrowTypeError(ctx, "http.url is a tagged template: http.url`...${x}...`");
    int64_t n = 0;
    JSValue len = JS_GetPropertyStr(ctx, argv[0], "length");
    JS_ToInt64(ctx, &n, len);
    JS_FreeValue(ctx, len);
    buf url = {0}, name = {0};
    for (int64_t i = 0; i < n; i++) {
        JSValue part = JS_GetPropertyUint32(ctx, argv[0], (uint32_t)i);
        const char *ps = JS_ToCString(ctx, part);
        JS_FreeValue(ctx, part);
        buf_puts(&url, ps ? ps : "");
        buf_puts(&name, ps ? ps : "");
        JS_FreeCString(ctx, ps);
        if (i + 1 < n && i + 1 < argc) {
            const char *vs = JS_ToCString(ctx, argv[i + 1]);
            buf_puts(&url, vs ? vs : "");
            buf_puts(&name, "${}");
            JS_FreeCString(ctx, vs);
        }
    }
    JSValue o = JS_NewObjectClass(ctx, (int)http_url_class_id); /* toString comes from the class prototype */
    JS_SetPropertyStr(ctx, o, "url", JS_NewStringLen(ctx, url.p ? url.p : "", url.len));
    JS_SetPropertyStr(ctx, o, "name", JS_NewStringLen(ctx, name.p ? name.p : "", name.len));
    buf_free(&url);
    buf_free(&name);
    return o;
}

static void http_expect_finalizer(JSRuntime *rt, JSValue val) {
    js_free_rt(rt, JS_GetOpaque(val, http_expect_class_id));
}

/* Number.isInteger, as k6's expectedStatuses checks its arguments. */
static bool http_is_integer(JSContext *ctx, JSValueConst v, int32_t *out) {
    double d;
    if (!JS_IsNumber(v) || JS_ToFloat64(ctx, &d, v) || !isfinite(d) || d != trunc(d)) return false;
    *out = d > INT32_MAX ? INT32_MAX : d < INT32_MIN ? INT32_MIN : (int32_t)d;
    return true;
}

/* http.expectedStatuses(200, 201, {min: 300, max: 399}), with k6's errors
 * (js/modules/k6/http/response_callback.go expectedStatuses), as GoErrors. */
static JSValue http_expected_statuses(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
    if (argc == 0) return js_throw_error(ctx, "GoError", "no arguments");
    http_expect *e = js_mallocz(ctx, sizeof *e);
    if (!e) return JS_EXCEPTION;
    for (int i = 0; i < argc; i++) {
        int32_t lo, hi;
        if (e->n == HTTP_EXPECT_MAX) {
            js_free(ctx, e);
            return JS_ThrowRangeError(ctx, "expectedStatuses: at most %d entries", HTTP_EXPECT_MAX);
        }
        if (http_is_integer(ctx, argv[i], &lo)) {
            hi = lo;
        } else {
            JSValue mn = JS_IsObject(argv[i]) ? JS_GetPropertyStr(ctx, argv[i], "min") : JS_UNDEFINED;
            JSValue mx = JS_IsObject(argv[i]) ? JS_GetPropertyStr(ctx, argv[i], "max") : JS_UNDEFINED;
            bool missing = JS_IsUndefined(mn) || JS_IsUndefined(mx);
            bool ints = http_is_integer(ctx, mn, &lo) && http_is_integer(ctx, mx, &hi);
            JS_FreeValue(ctx, mn);
            JS_FreeValue(ctx, mx);
            if (missing || !ints) {
                js_free(ctx, e);
                if (missing)
                    return js_throw_error(ctx, "GoError",
                                          "argument number %d to expectedStatuses was neither an integer nor an object "
                                          "like {min:100, max:329}",
                                          i + 1);
                return js_throw_error(ctx, "GoError", "both min and max need to be integers for argument number %d",
                                      i + 1);
            }
        }
        e->min[e->n] = lo;
        e->max[e->n++] = hi;
    }
    JSValue o = JS_NewObjectClass(ctx, (int)http_expect_class_id);
    JS_SetOpaque(o, e);
    return o;
}

/* http.setResponseCallback(cb): the VU's default; null turns http_req_failed off. */
static JSValue http_set_response_callback(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
    vu *v = vu_from_ctx(ctx);
    bool is_null;
    int bad;
    const http_expect *e = http_expect_of(ctx, argc ? argv[0] : JS_UNDEFINED, &is_null, &bad);
    if (bad) return js_throw_error(ctx, "GoError", "unsupported argument, expected http.expectedStatuses");
    http_vu *h = http_vu_of(v);
    if (!h) return JS_ThrowOutOfMemory(ctx);
    JS_FreeValue(ctx, h->expect_obj);
    h->expect_obj = is_null ? JS_UNDEFINED : JS_DupValue(ctx, argv[0]);
    h->expect = e;
    h->expect_set = true;
    return JS_UNDEFINED;
}

static const JSCFunctionListEntry http_funcs[] = {
    JS_CFUNC_DEF("batch", 1, http_batch),
    JS_CFUNC_DEF("asyncRequest", 2, http_async_request),
    JS_CFUNC_DEF("file", 3, http_file),
    JS_CFUNC_DEF("expectedStatuses", 1, http_expected_statuses),
    JS_CFUNC_DEF("setResponseCallback", 1, http_set_response_callback),
    JS_CFUNC_DEF("url", 1, http_url),
    JS_CFUNC_MAGIC_DEF("get", 2, http_call_fn, H_GET),
    JS_CFUNC_MAGIC_DEF("head", 2, http_call_fn, H_HEAD),
    JS_CFUNC_MAGIC_DEF("post", 3, http_call_fn, H_POST),
    JS_CFUNC_MAGIC_DEF("put", 3, http_call_fn, H_PUT),
    JS_CFUNC_MAGIC_DEF("patch", 3, http_call_fn, H_PATCH),
    JS_CFUNC_MAGIC_DEF("del", 3, http_call_fn, H_DEL),
    JS_CFUNC_MAGIC_DEF("options", 3, http_call_fn, H_OPTIONS),
    JS_CFUNC_MAGIC_DEF("request", 4, http_call_fn, H_REQUEST),
    /* k6's names for TLS versions and OCSP values */
    JS_PROP_STRING_DEF("SSL_3_0", "ssl3.0", JS_PROP_ENUMERABLE),
    JS_PROP_STRING_DEF("TLS_1_0", "tls1.0", JS_PROP_ENUMERABLE),
    JS_PROP_STRING_DEF("TLS_1_1", "tls1.1", JS_PROP_ENUMERABLE),
    JS_PROP_STRING_DEF("TLS_1_2", "tls1.2", JS_PROP_ENUMERABLE),
    JS_PROP_STRING_DEF("TLS_1_3", "tls1.3", JS_PROP_ENUMERABLE),
    JS_PROP_STRING_DEF("OCSP_STATUS_GOOD", "good", JS_PROP_ENUMERABLE),
    JS_PROP_STRING_DEF("OCSP_STATUS_REVOKED", "revoked", JS_PROP_ENUMERABLE),
    JS_PROP_STRING_DEF("OCSP_STATUS_SERVER_FAILED", "server_failed", JS_PROP_ENUMERABLE),
    JS_PROP_STRING_DEF("OCSP_STATUS_UNKNOWN", "unknown", JS_PROP_ENUMERABLE),
    JS_PROP_STRING_DEF("OCSP_REASON_UNSPECIFIED", "unspecified", JS_PROP_ENUMERABLE),
    JS_PROP_STRING_DEF("OCSP_REASON_KEY_COMPROMISE", "key_compromise", JS_PROP_ENUMERABLE),
    JS_PROP_STRING_DEF("OCSP_REASON_CA_COMPROMISE", "ca_compromise", JS_PROP_ENUMERABLE),
    JS_PROP_STRING_DEF("OCSP_REASON_AFFILIATION_CHANGED", "affiliation_changed", JS_PROP_ENUMERABLE),
    JS_PROP_STRING_DEF("OCSP_REASON_SUPERSEDED", "superseded", JS_PROP_ENUMERABLE),
    JS_PROP_STRING_DEF("OCSP_REASON_CESSATION_OF_OPERATION", "cessation_of_operation", JS_PROP_ENUMERABLE),
    JS_PROP_STRING_DEF("OCSP_REASON_CERTIFICATE_HOLD", "certificate_hold", JS_PROP_ENUMERABLE),
    JS_PROP_STRING_DEF("OCSP_REASON_REMOVE_FROM_CRL", "remove_from_crl", JS_PROP_ENUMERABLE),
    JS_PROP_STRING_DEF("OCSP_REASON_PRIVILEGE_WITHDRAWN", "privilege_withdrawn", JS_PROP_ENUMERABLE),
    JS_PROP_STRING_DEF("OCSP_REASON_AA_COMPROMISE", "aa_compromise", JS_PROP_ENUMERABLE),
};

JSValue http_request_function(JSContext *ctx) {
    return JS_NewCFunctionMagic(ctx, http_call_fn, "request", 4, JS_CFUNC_generic_magic, H_REQUEST);
}

/* res.html(selector), res.submitForm(opts), res.clickLink(opts): k6/html's JS side does them. */
static const char *const http_html_methods[] = {"responseHTML", "submitForm", "clickLink"};

static JSValue http_html_method(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv, int magic) {
    return html_response_call(ctx, this_val, http_html_methods[magic], argc, argv);
}

static const JSCFunctionListEntry http_resp_funcs[] = {
    JS_CFUNC_DEF("json", 1, http_json),
    JS_CFUNC_MAGIC_DEF("html", 1, http_html_method, 0),
    JS_CFUNC_MAGIC_DEF("submitForm", 1, http_html_method, 1),
    JS_CFUNC_MAGIC_DEF("clickLink", 1, http_html_method, 2),
    JS_CFUNC_DEF("toJSON", 1, http_resp_to_json),
};

static pthread_once_t http_once = PTHREAD_ONCE_INIT;
static void http_new_class_ids(void) {
    JS_NewClassID(&http_expect_class_id);
    JS_NewClassID(&http_url_class_id);
    JS_NewClassID(&http_resp_class_id);
}
static const JSClassDef http_expect_class = {.class_name = "ExpectedStatuses", .finalizer = http_expect_finalizer};
static const JSClassDef http_url_class = {.class_name = "URL"};
static const JSClassExoticMethods http_resp_exotic = {.get_own_property = http_resp_get_own};
static const JSClassDef http_resp_class = {
    .class_name = "Response", .finalizer = http_resp_finalizer, .exotic = (JSClassExoticMethods *)&http_resp_exotic};

void http_class_init(JSRuntime *rt) {
    pthread_once(&http_once, http_new_class_ids);
    JS_NewClass(rt, http_expect_class_id, &http_expect_class);
    JS_NewClass(rt, http_url_class_id, &http_url_class);
    JS_NewClass(rt, http_resp_class_id, &http_resp_class);
    http_cookies_class_init(rt);
    http_file_class_init(rt);
}

static int http_module_set(JSContext *ctx, JSModuleDef *m) {
    http_vu *h = http_vu_of(vu_from_ctx(ctx)); /* every VU that imports k6/http makes requests */
    if (!h) return JS_ThrowOutOfMemory(ctx), -1;
    size_t n = sizeof http_funcs / sizeof *http_funcs;
    if (JS_IsUndefined(h->resp_proto)) {
        h->resp_proto = JS_NewObject(ctx);
        JS_SetPropertyFunctionList(ctx, h->resp_proto, http_resp_funcs,
                                   (int)(sizeof http_resp_funcs / sizeof *http_resp_funcs));
    }
    JSValue url_proto = JS_NewObject(ctx);
    JS_SetPropertyStr(ctx, url_proto, "toString", JS_NewCFunction(ctx, http_url_to_string, "toString", 0));
    JS_SetClassProto(ctx, http_url_class_id, url_proto);
    http_file_module_set(ctx);
    JSValue def = JS_NewObject(ctx);
    http_cookies_module_set(ctx, m, def);
    JS_SetModuleExport(ctx, m, "default", def);
    return vm_set_exports(ctx, m, def, http_funcs, (int)n);
}

JSModuleDef *http_module_init(JSContext *ctx, const char *name) {
    JSModuleDef *m = JS_NewCModule(ctx, name, http_module_set);
    if (!m) return NULL;
    JS_AddModuleExportList(ctx, m, http_funcs, sizeof http_funcs / sizeof *http_funcs);
    http_cookies_module_init(ctx, m);
    JS_AddModuleExport(ctx, m, "default");
    return m;
}
