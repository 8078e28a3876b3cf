/* Bytes of a JS value as k6's binary-accepting functions take them: a
 * string (its UTF-8), an ArrayBuffer, or a typed array (the bytes it
 * views). Used by k6/encoding and k6/crypto. */
#ifndef C6_JS_BYTES_H
#define C6_JS_BYTES_H
#include <quickjs.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct js_bytes {
    const uint8_t *p;
    size_t len;
    const char *str; /* set when p points into a JS_ToCString copy */
} js_bytes;

/* Fills b from v; -1 with a TypeError thrown naming `what` when v is
 * none of the accepted kinds. Release with js_bytes_free. */
int js_bytes_get(JSContext *ctx, JSValueConst v, js_bytes *b, const char *what);
void js_bytes_free(JSContext *ctx, js_bytes *b);

/* Whether v is an ArrayBuffer: asked before JS_GetArrayBuffer where v may be
 * anything (a request body, a file's data), which would otherwise throw a
 * TypeError, building its backtrace, for every other value. */
bool js_is_array_buffer(JSContext *ctx, JSValueConst v);
/* The JSTypedArrayEnum of v, or -1 when v is no typed array. */
int js_typed_array_type(JSContext *ctx, JSValueConst v);
/* v's viewed bytes; NULL with an exception pending if v is no typed array
 * or its buffer is detached. */
uint8_t *js_typed_array_bytes(JSContext *ctx, JSValueConst v, size_t *len);

/* The bytes of binary data: an ArrayBuffer's, or those a typed array or a
 * DataView views; NULL (no exception left pending) when v is none of them
 * or its buffer is detached. */
uint8_t *js_binary_bytes(JSContext *ctx, JSValueConst v, size_t *len);

/* Throws an Error whose name is `name` (NULL: plain "Error"), as the
 * errors k6's Go modules raise ("GoError": toString "GoError: <msg>", an
 * error a Go function returned to k6's JS runtime). The message is cut at
 * 2047 bytes. Returns JS_EXCEPTION. */
JSValue js_throw_error(JSContext *ctx, const char *name, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
