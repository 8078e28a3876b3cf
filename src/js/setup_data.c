/* setup_data.c - setup()'s result as the JSON k6 keeps of it.
 *
 * k6 (js/runner.go Setup) does not call JSON.stringify: it exports the
 * value to Go (sobek's Export) and json.Marshal's that, and a failure ends
 * the run with "error marshaling setup() data to JSON: <Go's error>". What
 * follows from it, and what this file reproduces:
 * - an object becomes a Go map: its own enumerable keys, sorted, toJSON is
 *   not called (a toJSON function is a function property like any other);
 * - a function anywhere is "json: unsupported type: func(sobek.FunctionCall)
 *   sobek.Value";
 * - a cycle is "json: unsupported value: encountered a cycle via
 *   map[string]interface {}" (or "[]interface {}" for an array);
 * - NaN and infinities are "json: unsupported value: NaN" / "+Inf" / "-Inf";
 * - a BigInt is its digits (a Go *big.Int), undefined in an object or
 *   array is null, a Date is Go's time.Time text (RFC 3339, local zone), a
 *   symbol is {} (a pointer to a struct with no exported field);
 * - strings are escaped as Go does (<, >, & and U+2028/9 as \uXXXX).
 * One limit of c6's own: nesting deeper than SETUP_DATA_MAX_DEPTH levels is
 * refused (k6 has none; the walk here is recursive, on a VU's small stack).
 */
#include "js/setup_data.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "output/writer.h"
#include "util/buf.h"
#include "js/vm.h"
#include "util/jsonstr.h"

#define SETUP_DATA_MAX_DEPTH 400

typedef struct {
    JSContext *ctx;
    docbuf d;
    JSValueConst stack[SETUP_DATA_MAX_DEPTH]; /* the objects being written: a cycle check */
    int depth;
    char *err;
    size_t errlen;
    bool failed;
} sd_walk;

static int sd_fail(sd_walk *w, const char *msg) {
    if (!w->failed) snprintf(w->err, w->errlen, "%s", msg);
    w->failed = true;
    return -1;
}

/* A JS exception (a throwing getter): its message. */
static int sd_exception(sd_walk *w) {
    JSValue e = JS_GetException(w->ctx);
    const char *s = JS_ToCString(w->ctx, e);
    sd_fail(w, s ? s : "exception while reading the value");
    JS_FreeCString(w->ctx, s);
    JS_FreeValue(w->ctx, e);
    return -1;
}

static void sd_number(sd_walk *w, double v) {
    char num[WRITER_NUM_MAX];
    writer_fmt_gojson(num, v);
    doc_puts(&w->d, num);
}

static void sd_string(sd_walk *w, JSValueConst v) {
    size_t n;
    const char *s = JS_ToCStringLen(w->ctx, &n, v);
    if (!s) {
        w->d.oom = 1;
        return;
    }
    doc_json(&w->d, s, n, JSON_ESC_EASYJSON);
    JS_FreeCString(w->ctx, s);
}

/* time.Time's MarshalJSON: RFC 3339 with the fraction's zeros trimmed, in
 * the local zone (sobek exports a Date as a local time.Time). */
static int sd_date(sd_walk *w, JSValueConst v) {
    JSAtom get_time = JS_NewAtom(w->ctx, "getTime");
    JSValue t = JS_Invoke(w->ctx, v, get_time, 0, NULL);
    JS_FreeAtom(w->ctx, get_time);
    double ms;
    if (JS_IsException(t)) return sd_exception(w);
    JS_ToFloat64(w->ctx, &ms, t);
    JS_FreeValue(w->ctx, t);
    if (!isfinite(ms))
        return sd_fail(w, "json: error calling MarshalJSON for type time.Time: "
                          "Time.MarshalJSON: year outside of range [0,9999]");
    time_t secs = (time_t)floor(ms / 1000);
    int frac = (int)(ms - (double)secs * 1000);
    struct tm tm;
    localtime_r(&secs, &tm);
    if (tm.tm_year + 1900 < 0 || tm.tm_year + 1900 > 9999)
        return sd_fail(w, "json: error calling MarshalJSON for type time.Time: "
                          "Time.MarshalJSON: year outside of range [0,9999]");
    char out[64], zone[48];
    int n = (int)strftime(out, sizeof out, "\"%Y-%m-%dT%H:%M:%S", &tm);
    if (frac) {
        char f[8];
        snprintf(f, sizeof f, ".%03d", frac);
        for (int i = 3; i > 0 && f[i] == '0'; i--) f[i] = '\0';
        n += snprintf(out + n, sizeof out - (size_t)n, "%s", f);
    }
    if (tm.tm_gmtoff == 0) {
        snprintf(zone, sizeof zone, "Z");
    } else {
        long off = tm.tm_gmtoff < 0 ? -tm.tm_gmtoff : tm.tm_gmtoff;
        snprintf(zone, sizeof zone, "%c%02ld:%02ld", tm.tm_gmtoff < 0 ? '-' : '+', off / 3600, off / 60 % 60);
    }
    snprintf(out + n, sizeof out - (size_t)n, "%s\"", zone);
    doc_puts(&w->d, out);
    return 0;
}

static int sd_value(sd_walk *w, JSValueConst v);

static int sd_array(sd_walk *w, JSValueConst v) {
    int64_t len = 0;
    JSValue l = JS_GetPropertyStr(w->ctx, v, "length");
    if (JS_IsException(l)) return sd_exception(w);
    JS_ToInt64(w->ctx, &len, l);
    JS_FreeValue(w->ctx, l);
    doc_putc(&w->d, '[');
    for (int64_t i = 0; i < len && !w->failed && !w->d.oom; i++) {
        if (i) doc_putc(&w->d, ',');
        JSValue e = JS_GetPropertyUint32(w->ctx, v, (uint32_t)i);
        if (JS_IsException(e)) return sd_exception(w);
        int rc = sd_value(w, e);
        JS_FreeValue(w->ctx, e);
        if (rc) return -1;
    }
    doc_putc(&w->d, ']');
    return 0;
}

typedef struct {
    const char *key;
    JSAtom atom;
} sd_key;

static int sd_key_cmp(const void *a, const void *b) {
    return strcmp(((const sd_key *)a)->key, ((const sd_key *)b)->key);
}

static int sd_object(sd_walk *w, JSValueConst v) {
    JSPropertyEnum *props;
    uint32_t n;
    if (JS_GetOwnPropertyNames(w->ctx, &props, &n, v, JS_GPN_STRING_MASK | JS_GPN_ENUM_ONLY)) return sd_exception(w);
    sd_key *keys = calloc(n ? n : 1, sizeof *keys);
    int rc = 0;
    if (!keys) {
        w->d.oom = 1;
        rc = -1;
    }
    for (uint32_t i = 0; i < n && keys; i++) {
        keys[i].atom = props[i].atom;
        keys[i].key = JS_AtomToCString(w->ctx, props[i].atom);
        if (!keys[i].key) rc = -1, w->d.oom = 1;
    }
    if (!rc) qsort(keys, n, sizeof *keys, sd_key_cmp); /* Go writes a map's keys sorted */
    if (!rc) doc_putc(&w->d, '{');
    for (uint32_t i = 0; i < n && !rc && !w->failed && !w->d.oom; i++) {
        JSValue e = JS_GetProperty(w->ctx, v, keys[i].atom);
        if (JS_IsException(e)) {
            rc = sd_exception(w);
            break;
        }
        if (i) doc_putc(&w->d, ',');
        doc_json(&w->d, keys[i].key, strlen(keys[i].key), JSON_ESC_EASYJSON);
        doc_putc(&w->d, ':');
        rc = sd_value(w, e);
        JS_FreeValue(w->ctx, e);
    }
    if (!rc) doc_putc(&w->d, '}');
    for (uint32_t i = 0; keys && i < n; i++) JS_FreeCString(w->ctx, keys[i].key);
    free(keys);
    vm_free_props(w->ctx, props, n);
    return rc || w->failed ? -1 : 0;
}

static bool sd_is_date(JSContext *ctx, JSValueConst v) {
    JSValue g = JS_GetGlobalObject(ctx);
    JSValue ctor = JS_GetPropertyStr(ctx, g, "Date");
    int r = JS_IsInstanceOf(ctx, v, ctor);
    JS_FreeValue(ctx, ctor);
    JS_FreeValue(ctx, g);
    return r > 0;
}

static int sd_value(sd_walk *w, JSValueConst v) {
    JSContext *ctx = w->ctx;
    if (w->failed || w->d.oom) return -1;
    if (JS_IsUndefined(v) || JS_IsNull(v)) {
        doc_puts(&w->d, "null");
        return 0;
    }
    if (JS_IsBool(v)) {
        doc_puts(&w->d, JS_ToBool(ctx, v) ? "true" : "false");
        return 0;
    }
    if (JS_IsNumber(v)) {
        double d;
        JS_ToFloat64(ctx, &d, v);
        if (isnan(d)) return sd_fail(w, "json: unsupported value: NaN");
        if (isinf(d)) return sd_fail(w, d > 0 ? "json: unsupported value: +Inf" : "json: unsupported value: -Inf");
        sd_number(w, d);
        return 0;
    }
    if (JS_IsBigInt(ctx, v)) { /* a *big.Int: its decimal digits */
        const char *s = JS_ToCString(ctx, v);
        if (!s) return sd_exception(w);
        doc_puts(&w->d, s);
        JS_FreeCString(ctx, s);
        return 0;
    }
    if (JS_IsString(v)) {
        sd_string(w, v);
        return 0;
    }
    if (JS_IsSymbol(v)) {
        doc_puts(&w->d, "{}");
        return 0;
    }
    if (JS_IsFunction(ctx, v)) return sd_fail(w, "json: unsupported type: func(sobek.FunctionCall) sobek.Value");
    if (!JS_IsObject(v)) {
        doc_puts(&w->d, "null");
        return 0;
    }
    if (sd_is_date(ctx, v)) return sd_date(w, v);
    int is_array = JS_IsArray(ctx, v);
    for (int i = 0; i < w->depth; i++)
        if (JS_VALUE_GET_PTR(w->stack[i]) == JS_VALUE_GET_PTR(v))
            return sd_fail(w, is_array > 0
                                  ? "json: unsupported value: encountered a cycle via []interface {}"
                                  : "json: unsupported value: encountered a cycle via map[string]interface {}");
    if (w->depth == SETUP_DATA_MAX_DEPTH) {
        char m[96];
        snprintf(m, sizeof m, "nested deeper than %d levels (c6's limit)", SETUP_DATA_MAX_DEPTH);
        return sd_fail(w, m);
    }
    w->stack[w->depth++] = v;
    int rc = is_array > 0 ? sd_array(w, v) : sd_object(w, v);
    w->depth--;
    return rc;
}

int setup_data_json(JSContext *ctx, JSValueConst v, char **out, char *err, size_t errlen) {
    *out = NULL;
    if (JS_IsUndefined(v)) return 0; /* k6: no setup data at all */
    sd_walk *w = calloc(1, sizeof *w);
    if (!w) return snprintf(err, errlen, "out of memory"), -1;
    w->ctx = ctx;
    w->err = err;
    w->errlen = errlen;
    int rc = sd_value(w, v);
    if (!rc && w->d.oom) rc = sd_fail(w, "out of memory");
    if (!rc) { /* (a buf's text is always NUL-terminated) */
        *out = w->d.b.p;
        w->d.b.p = NULL;
    }
    doc_free(&w->d);
    free(w);
    return rc ? -1 : 0;
}
