/* http.file() and multipart/form-data request bodies, as k6 builds them
 * with Go's mime/multipart: an object body with at least one http.file()
 * value becomes one part per field, in the object's order (k6 walks a Go
 * map, so its order varies), with a random 60-hex-digit boundary.
 *
 *   --B\r\nContent-Disposition: form-data; name="field"\r\n\r\nvalue
 *   \r\n--B\r\nContent-Disposition: form-data; name="f"; filename="a.bin"\r\n
 *   Content-Type: application/octet-stream\r\n\r\n<bytes>
 *   \r\n--B--\r\n
 *
 * A plain field's name has its quotes and backslashes escaped (Go's
 * CreateFormField); a file's field name is written as given, its file name
 * escaped. Other values are written as Go's %v formats them (an array as
 * "[a b]"). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include "js/bytes.h"
#include "js/modules/http.h"

static JSClassID http_file_class_id;

static pthread_once_t http_file_once = PTHREAD_ONCE_INIT;
static void http_file_new_class_id(void) { JS_NewClassID(&http_file_class_id); }
static const JSClassDef http_file_class = {.class_name = "FileData"};

void http_file_class_init(JSRuntime *rt) {
    pthread_once(&http_file_once, http_file_new_class_id);
    JS_NewClass(rt, http_file_class_id, &http_file_class);
}

/* FileData objects inherit from Object.prototype, as plain objects do. */
void http_file_module_set(JSContext *ctx) { JS_SetClassProto(ctx, http_file_class_id, JS_NewObject(ctx)); }

static bool http_is_file(JSValueConst v) { return JS_GetClassID(v) == http_file_class_id; }

/* http.file(data[, filename[, contentType]]): data is a string or an
 * ArrayBuffer (open(path, 'b')); the file name defaults to the time in
 * nanoseconds and the type to application/octet-stream, as in k6. */
JSValue http_file(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
    JSValueConst data = argc > 0 ? argv[0] : JS_UNDEFINED;
    size_t len;
    if (!JS_IsString(data) && !(js_is_array_buffer(ctx, data) && JS_GetArrayBuffer(ctx, &len, data))) {
        JS_FreeValue(ctx, JS_GetException(ctx)); /* (a detached buffer threw) */
        /* k6's text (js/modules/k6/http/file.go), Go's %T of the exported value */
        return js_throw_error(ctx, "GoError", "invalid type %s, expected string or ArrayBuffer",
                              http_go_type(ctx, data));
    }
    JSValue o = JS_NewObjectClass(ctx, (int)http_file_class_id);
    if (JS_IsException(o)) return o;
    JSValue name;
    if (argc > 1 && !JS_IsUndefined(argv[1])) {
        name = JS_ToString(ctx, argv[1]);
    } else {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        char s[32];
        snprintf(s, sizeof s, "%lld", (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec);
        name = JS_NewString(ctx, s);
    }
    JSValue type = argc > 2 && !JS_IsUndefined(argv[2]) ? JS_ToString(ctx, argv[2])
                                                        : JS_NewString(ctx, "application/octet-stream");
    if (JS_IsException(name) || JS_IsException(type)) {
        JS_FreeValue(ctx, name);
        JS_FreeValue(ctx, type);
        JS_FreeValue(ctx, o);
        return JS_EXCEPTION;
    }
    JS_DefinePropertyValueStr(ctx, o, "data", JS_DupValue(ctx, data), JS_PROP_C_W_E);
    JS_DefinePropertyValueStr(ctx, o, "filename", name, JS_PROP_C_W_E);
    JS_DefinePropertyValueStr(ctx, o, "content_type", type, JS_PROP_C_W_E);
    return o;
}

bool http_has_file(JSContext *ctx, JSValueConst obj) {
    JSPropertyEnum *props;
    uint32_t np;
    if (JS_GetOwnPropertyNames(ctx, &props, &np, obj, JS_GPN_STRING_MASK | JS_GPN_ENUM_ONLY)) {
        JS_FreeValue(ctx, JS_GetException(ctx));
        return false;
    }
    bool found = false;
    for (uint32_t i = 0; i < np && !found; i++) {
        JSValue v = JS_GetProperty(ctx, obj, props[i].atom);
        found = http_is_file(v);
        JS_FreeValue(ctx, v);
    }
    vm_free_props(ctx, props, np);
    return found;
}

/* Go's quoteEscaper: backslash and double quote get a backslash. */
static void http_escape_quotes(buf *out, const char *s) {
    for (; *s; s++) {
        if (*s == '\\' || *s == '"') buf_append(out, "\\", 1);
        buf_append(out, s, 1);
    }
}

/* A value as Go's fmt %v prints what goja exports: arrays as "[a b]". */
static int http_format_value(JSContext *ctx, JSValueConst v, buf *out) {
    if (JS_IsArray(ctx, v) > 0) {
        int64_t n = 0;
        JSValue l = JS_GetPropertyStr(ctx, v, "length");
        JS_ToInt64(ctx, &n, l);
        JS_FreeValue(ctx, l);
        buf_append(out, "[", 1);
        for (int64_t i = 0; i < n; i++) {
            JSValue e = JS_GetPropertyUint32(ctx, v, (uint32_t)i);
            if (i) buf_append(out, " ", 1);
            int rc = http_format_value(ctx, e, out);
            JS_FreeValue(ctx, e);
            if (rc) return -1;
        }
        return buf_append(out, "]", 1);
    }
    size_t len;
    const char *s = JS_ToCStringLen(ctx, &len, v);
    if (!s) return -1;
    buf_append(out, s, len);
    JS_FreeCString(ctx, s);
    return 0;
}

/* The bytes of a file's data: a string's UTF-8, a buffer's bytes. */
static int http_file_data(JSContext *ctx, JSValueConst data, buf *out) {
    size_t len;
    uint8_t *ab = js_is_array_buffer(ctx, data) ? JS_GetArrayBuffer(ctx, &len, data) : NULL;
    if (ab) return buf_append(out, ab, len);
    JS_FreeValue(ctx, JS_GetException(ctx)); /* (a detached buffer threw) */
    return http_format_value(ctx, data, out);
}

static int http_file_part(JSContext *ctx, const char *field, JSValueConst f, buf *out) {
    JSValue name = JS_GetPropertyStr(ctx, f, "filename"), type = JS_GetPropertyStr(ctx, f, "content_type");
    JSValue data = JS_GetPropertyStr(ctx, f, "data");
    const char *ns = JS_ToCString(ctx, name), *ts = ns ? JS_ToCString(ctx, type) : NULL;
    int rc = -1;
    if (ts) {
        buf_puts(out, "Content-Disposition: form-data; name=\"");
        buf_puts(out, field);
        buf_puts(out, "\"; filename=\"");
        http_escape_quotes(out, ns);
        buf_puts(out, "\"\r\nContent-Type: ");
        buf_puts(out, ts);
        buf_puts(out, "\r\n\r\n");
        rc = http_file_data(ctx, data, out);
    }
    JS_FreeCString(ctx, ns);
    JS_FreeCString(ctx, ts);
    JS_FreeValue(ctx, name);
    JS_FreeValue(ctx, type);
    JS_FreeValue(ctx, data);
    return rc;
}

/* 60 hex digits like Go's randomBoundary (30 random bytes); a per-thread
 * generator seeded once, so a body costs no syscall. */
static void http_boundary(char out[61]) {
    static _Thread_local uint64_t s;
    static const char hex[] = "0123456789abcdef";
    while (!s && getrandom(&s, sizeof s, 0) != (ssize_t)sizeof s) s = (uint64_t)time(NULL) | 1;
    for (int i = 0; i < 60; i += 15) {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        uint64_t x = s;
        for (int k = 0; k < 15; k++, x >>= 4) out[i + k] = hex[x & 15];
    }
    out[60] = 0;
}

int http_multipart_body(JSContext *ctx, JSValueConst obj, buf *out, char *ctype, size_t nctype) {
    JSPropertyEnum *props;
    uint32_t np;
    if (JS_GetOwnPropertyNames(ctx, &props, &np, obj, JS_GPN_STRING_MASK | JS_GPN_ENUM_ONLY)) return -1;
    char b[61];
    http_boundary(b);
    int rc = 0;
    for (uint32_t i = 0; i < np && !rc; i++) {
        const char *k = JS_AtomToCString(ctx, props[i].atom);
        JSValue v = JS_GetProperty(ctx, obj, props[i].atom);
        if (!k || JS_IsException(v)) {
            rc = -1;
        } else {
            buf_puts(out, i ? "\r\n--" : "--");
            buf_puts(out, b);
            buf_puts(out, "\r\n");
            if (http_is_file(v)) {
                rc = http_file_part(ctx, k, v, out);
            } else {
                buf_puts(out, "Content-Disposition: form-data; name=\"");
                http_escape_quotes(out, k);
                buf_puts(out, "\"\r\n\r\n");
                rc = http_format_value(ctx, v, out);
            }
        }
        JS_FreeCString(ctx, k);
        JS_FreeValue(ctx, v);
    }
    vm_free_props(ctx, props, np);
    if (rc) return -1;
    buf_puts(out, "\r\n--");
    buf_puts(out, b);
    buf_puts(out, "--\r\n");
    snprintf(ctype, nctype, "Content-Type: multipart/form-data; boundary=%s", b);
    return 0;
}
