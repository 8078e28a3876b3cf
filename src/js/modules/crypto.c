/* The "k6/crypto" module (hashes, HMAC, random bytes, through OpenSSL's
 * EVP interfaces) and the global `crypto` object's getRandomValues() and
 * randomUUID() (k6's WebCrypto global; `crypto.subtle` is not provided).
 *
 * OpenSSL 3 keeps MD4 in its "legacy" provider, which the default library
 * context does not load: the algorithms come from util/ossl.c's context
 * (default and legacy providers), fetched once per process on first use.
 * Without the legacy provider only md4 fails, with a message saying so. */
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "js/bytes.h"
#include "js/vm.h"
#include "util/base64.h"
#include "util/ossl.h"

typedef struct cr_alg {
    const char *name; /* k6's */
    const char *ossl; /* OpenSSL's */
} cr_alg;

static const cr_alg cr_algs[] = {
    {"md4", "MD4"},
    {"md5", "MD5"},
    {"sha1", "SHA1"},
    {"sha256", "SHA2-256"},
    {"sha384", "SHA2-384"},
    {"sha512", "SHA2-512"},
    {"sha512_224", "SHA2-512/224"},
    {"sha512_256", "SHA2-512/256"},
    {"ripemd160", "RIPEMD-160"},
};
#define CR_NALGS (sizeof cr_algs / sizeof *cr_algs)

static pthread_once_t cr_once = PTHREAD_ONCE_INIT;
static EVP_MD *cr_md[CR_NALGS];
static EVP_MAC *cr_hmac;

/* Process-wide and never freed: the fetched objects stay reachable. */
static void cr_load(void) {
    OSSL_LIB_CTX *cr_libctx = ossl_legacy_ctx();
    for (size_t i = 0; i < CR_NALGS; i++) cr_md[i] = EVP_MD_fetch(cr_libctx, cr_algs[i].ossl, NULL);
    cr_hmac = EVP_MAC_fetch(cr_libctx, "HMAC", NULL);
    ERR_clear_error();
}

/* ---- arguments ---- */

static const char cr_empty[] = "";

/* A string argument; undefined and null read as "". Release with cr_free. */
static const char *cr_string(JSContext *ctx, int argc, JSValueConst *argv, int i) {
    if (i >= argc || JS_IsUndefined(argv[i]) || JS_IsNull(argv[i])) return cr_empty;
    return JS_ToCString(ctx, argv[i]);
}

static void cr_free(JSContext *ctx, const char *s) {
    if (s != cr_empty) JS_FreeCString(ctx, s);
}

/* Throws unless OpenSSL provided algorithm alg; 0 when it did. */
static int cr_available(JSContext *ctx, int alg) {
    pthread_once(&cr_once, cr_load);
    if (cr_md[alg]) return 0;
    js_throw_error(ctx, NULL, "%s is not available: OpenSSL does not provide it%s", cr_algs[alg].name,
                   strcmp(cr_algs[alg].name, "md4") == 0 ? " (its legacy provider did not load)" : "");
    return -1;
}

/* The algorithm named by argv[i]; -1 with an error thrown. */
static int cr_alg_arg(JSContext *ctx, int argc, JSValueConst *argv, int i) {
    const char *s = cr_string(ctx, argc, argv, i);
    if (!s) return -1;
    int found = -1;
    for (size_t k = 0; k < CR_NALGS; k++)
        if (strcmp(s, cr_algs[k].name) == 0) found = (int)k;
    if (found < 0) js_throw_error(ctx, NULL, "invalid algorithm: %s", s);
    cr_free(ctx, s);
    return found < 0 || cr_available(ctx, found) < 0 ? -1 : found;
}

/* ---- output encodings ---- */

static JSValue cr_hex(JSContext *ctx, const uint8_t *d, size_t n) {
    static const char digits[] = "0123456789abcdef";
    char stack[2 * EVP_MAX_MD_SIZE + 1] = ""; /* initialised: -O1 -Werror sees n == 0 as a read */
    char *out = 2 * n < sizeof stack ? stack : js_malloc(ctx, 2 * n + 1);
    if (!out) return JS_EXCEPTION;
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[d[i] >> 4];
        out[2 * i + 1] = digits[d[i] & 15];
    }
    JSValue r = JS_NewStringLen(ctx, out, 2 * n);
    if (out != stack) js_free(ctx, out);
    return r;
}

/* d[0..n) (a digest: at most EVP_MAX_MD_SIZE bytes) in the encoding named
 * by argv[i]: "hex", "base64", "base64url", "base64rawurl" or "binary". */
static JSValue cr_output(JSContext *ctx, const uint8_t *d, size_t n, int argc, JSValueConst *argv, int i) {
    const char *enc = cr_string(ctx, argc, argv, i);
    if (!enc) return JS_EXCEPTION;
    JSValue r;
    int b64 = strcmp(enc, "base64") == 0         ? B64_STD
              : strcmp(enc, "base64url") == 0    ? B64_URL
              : strcmp(enc, "base64rawurl") == 0 ? B64_RAWURL
                                                 : -1;
    if (strcmp(enc, "hex") == 0) {
        r = cr_hex(ctx, d, n);
    } else if (b64 >= 0) {
        char out[(EVP_MAX_MD_SIZE + 2) / 3 * 4 + 1];
        r = JS_NewStringLen(ctx, out, b64_encode(d, n, b64, out));
    } else if (strcmp(enc, "binary") == 0) {
        r = JS_NewArrayBufferCopy(ctx, d, n);
    } else {
        r = js_throw_error(ctx, NULL, "Invalid output encoding: %s", enc);
    }
    cr_free(ctx, enc);
    return r;
}

/* ---- Hasher objects: createHash(), createHMAC() ---- */

typedef struct cr_hasher {
    EVP_MD_CTX *md;   /* createHash */
    EVP_MAC_CTX *mac; /* createHMAC */
} cr_hasher;

static JSClassID cr_class_id;
static pthread_once_t cr_class_once = PTHREAD_ONCE_INIT;
static void cr_new_class_id(void) { JS_NewClassID(&cr_class_id); }

static void cr_hasher_free(cr_hasher *h) {
    if (!h) return;
    EVP_MD_CTX_free(h->md);
    EVP_MAC_CTX_free(h->mac);
    free(h);
}

static void cr_finalizer(JSRuntime *rt, JSValue val) { cr_hasher_free(JS_GetOpaque(val, cr_class_id)); }

static const JSClassDef cr_class = {.class_name = "Hasher", .finalizer = cr_finalizer};

/* A fresh hasher for algorithm alg, keyed when key is given (HMAC). */
static cr_hasher *cr_hasher_new(JSContext *ctx, int alg, const js_bytes *key) {
    cr_hasher *h = calloc(1, sizeof *h);
    if (!h) {
        JS_ThrowOutOfMemory(ctx);
        return NULL;
    }
    bool ok;
    if (key) {
        OSSL_PARAM params[] = {
            OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)cr_algs[alg].ossl, 0),
            OSSL_PARAM_construct_end(),
        };
        /* a NULL key would mean "keep the previous one": an empty key needs a pointer */
        const uint8_t *k = key->p ? key->p : (const uint8_t *)"";
        ok = cr_hmac && (h->mac = EVP_MAC_CTX_new(cr_hmac)) && EVP_MAC_init(h->mac, k, key->len, params);
    } else {
        ok = (h->md = EVP_MD_CTX_new()) && EVP_DigestInit_ex(h->md, cr_md[alg], NULL);
    }
    if (!ok) {
        ERR_clear_error();
        cr_hasher_free(h);
        js_throw_error(ctx, NULL, "%s: OpenSSL could not set up the %s", cr_algs[alg].name, key ? "HMAC" : "hash");
        return NULL;
    }
    return h;
}

static int cr_hasher_update(JSContext *ctx, cr_hasher *h, JSValueConst data) {
    js_bytes b;
    if (js_bytes_get(ctx, data, &b, "update") < 0) return -1;
    int ok = h->mac ? EVP_MAC_update(h->mac, b.p, b.len) : EVP_DigestUpdate(h->md, b.p, b.len);
    js_bytes_free(ctx, &b);
    if (!ok) {
        ERR_clear_error();
        js_throw_error(ctx, NULL, "hashing failed in OpenSSL");
        return -1;
    }
    return 0;
}

/* The digest of what was added so far; the hasher stays usable (as Go's
 * hash.Sum), so it works on a copy. */
static int cr_hasher_sum(JSContext *ctx, cr_hasher *h, uint8_t *out, size_t *n) {
    int ok = 0;
    if (h->mac) {
        EVP_MAC_CTX *c = EVP_MAC_CTX_dup(h->mac);
        ok = c && EVP_MAC_final(c, out, n, EVP_MAX_MD_SIZE);
        EVP_MAC_CTX_free(c);
    } else {
        EVP_MD_CTX *c = EVP_MD_CTX_new();
        unsigned int len = 0;
        ok = c && EVP_MD_CTX_copy_ex(c, h->md) && EVP_DigestFinal_ex(c, out, &len);
        *n = len;
        EVP_MD_CTX_free(c);
    }
    if (!ok) {
        ERR_clear_error();
        js_throw_error(ctx, NULL, "hashing failed in OpenSSL");
        return -1;
    }
    return 0;
}

static JSValue cr_wrap(JSContext *ctx, cr_hasher *h) {
    if (!h) return JS_EXCEPTION;
    JSValue obj = JS_NewObjectClass(ctx, (int)cr_class_id);
    if (JS_IsException(obj)) {
        cr_hasher_free(h);
        return obj;
    }
    JS_SetOpaque(obj, h);
    return obj;
}

static JSValue cr_update(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
    cr_hasher *h = JS_GetOpaque2(ctx, this_val, cr_class_id);
    if (!h) return JS_EXCEPTION;
    return cr_hasher_update(ctx, h, argc > 0 ? argv[0] : JS_UNDEFINED) < 0 ? JS_EXCEPTION : JS_UNDEFINED;
}

static JSValue cr_digest(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
    cr_hasher *h = JS_GetOpaque2(ctx, this_val, cr_class_id);
    uint8_t d[EVP_MAX_MD_SIZE];
    size_t n;
    if (!h || cr_hasher_sum(ctx, h, d, &n) < 0) return JS_EXCEPTION;
    return cr_output(ctx, d, n, argc, argv, 0);
}

static const JSCFunctionListEntry cr_proto_funcs[] = {
    JS_CFUNC_DEF("update", 1, cr_update),
    JS_CFUNC_DEF("digest", 1, cr_digest),
};

/* createHash(algorithm) */
static JSValue cr_create_hash(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
    int alg = cr_alg_arg(ctx, argc, argv, 0);
    return alg < 0 ? JS_EXCEPTION : cr_wrap(ctx, cr_hasher_new(ctx, alg, NULL));
}

/* createHMAC(algorithm, secret) */
static JSValue cr_create_hmac(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
    int alg = cr_alg_arg(ctx, argc, argv, 0);
    js_bytes key;
    if (alg < 0 || js_bytes_get(ctx, argc > 1 ? argv[1] : JS_UNDEFINED, &key, "createHMAC secret") < 0)
        return JS_EXCEPTION;
    cr_hasher *h = cr_hasher_new(ctx, alg, &key);
    js_bytes_free(ctx, &key);
    return cr_wrap(ctx, h);
}

/* ---- one-shot functions ---- */

/* md5(input, outputEncoding) and the others: magic is the algorithm. */
static JSValue cr_hash_fn(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv, int magic) {
    if (cr_available(ctx, magic) < 0) return JS_EXCEPTION;
    js_bytes in;
    if (js_bytes_get(ctx, argc > 0 ? argv[0] : JS_UNDEFINED, &in, cr_algs[magic].name) < 0) return JS_EXCEPTION;
    uint8_t d[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    int ok = EVP_Digest(in.p, in.len, d, &n, cr_md[magic], NULL);
    js_bytes_free(ctx, &in);
    if (!ok) {
        ERR_clear_error();
        return js_throw_error(ctx, NULL, "hashing failed in OpenSSL");
    }
    return cr_output(ctx, d, n, argc, argv, 1);
}

/* hmac(algorithm, secret, data, outputEncoding) */
static JSValue cr_hmac_fn(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
    JSValue hv = cr_create_hmac(ctx, this_val, argc, argv);
    if (JS_IsException(hv)) return hv;
    cr_hasher *h = JS_GetOpaque(hv, cr_class_id);
    uint8_t d[EVP_MAX_MD_SIZE];
    size_t n;
    JSValue r = JS_EXCEPTION;
    if (cr_hasher_update(ctx, h, argc > 2 ? argv[2] : JS_UNDEFINED) == 0 && cr_hasher_sum(ctx, h, d, &n) == 0)
        r = cr_output(ctx, d, n, argc, argv, 3);
    JS_FreeValue(ctx, hv);
    return r;
}

/* randomBytes(size): an ArrayBuffer of size random bytes. */
static JSValue cr_random_bytes(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
    double size = 0;
    if (argc > 0 && JS_ToFloat64(ctx, &size, argv[0])) return JS_EXCEPTION;
    if (!(size >= 1)) return js_throw_error(ctx, NULL, "invalid size");
    if (size > INT32_MAX) /* QuickJS's ArrayBuffer limit, checked before the cast */
        return JS_ThrowRangeError(ctx, "randomBytes: size %.0f is larger than an ArrayBuffer can be", size);
    JSValue ab = JS_NewArrayBufferCopy(ctx, NULL, (size_t)size); /* zero-filled; too large throws */
    size_t len;
    uint8_t *p = JS_IsException(ab) ? NULL : JS_GetArrayBuffer(ctx, &len, ab);
    if (!p) return ab;
    if (RAND_bytes(p, (int)len) != 1) {
        ERR_clear_error();
        JS_FreeValue(ctx, ab);
        return js_throw_error(ctx, NULL, "randomBytes: OpenSSL's random generator failed");
    }
    return ab;
}

/* hexEncode(data): k6 exports it (undocumented). */
static JSValue cr_hex_encode(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
    js_bytes in;
    if (js_bytes_get(ctx, argc > 0 ? argv[0] : JS_UNDEFINED, &in, "hexEncode") < 0) return JS_EXCEPTION;
    JSValue r = cr_hex(ctx, in.p, in.len);
    js_bytes_free(ctx, &in);
    return r;
}

static const JSCFunctionListEntry cr_funcs[] = {
    JS_CFUNC_DEF("createHash", 1, cr_create_hash),
    JS_CFUNC_DEF("createHMAC", 2, cr_create_hmac),
    JS_CFUNC_DEF("hmac", 4, cr_hmac_fn),
    JS_CFUNC_MAGIC_DEF("md4", 2, cr_hash_fn, 0),
    JS_CFUNC_MAGIC_DEF("md5", 2, cr_hash_fn, 1),
    JS_CFUNC_MAGIC_DEF("sha1", 2, cr_hash_fn, 2),
    JS_CFUNC_MAGIC_DEF("sha256", 2, cr_hash_fn, 3),
    JS_CFUNC_MAGIC_DEF("sha384", 2, cr_hash_fn, 4),
    JS_CFUNC_MAGIC_DEF("sha512", 2, cr_hash_fn, 5),
    JS_CFUNC_MAGIC_DEF("sha512_224", 2, cr_hash_fn, 6),
    JS_CFUNC_MAGIC_DEF("sha512_256", 2, cr_hash_fn, 7),
    JS_CFUNC_MAGIC_DEF("ripemd160", 2, cr_hash_fn, 8),
    JS_CFUNC_DEF("randomBytes", 1, cr_random_bytes),
    JS_CFUNC_DEF("hexEncode", 1, cr_hex_encode),
};
#define CR_NFUNCS (sizeof cr_funcs / sizeof *cr_funcs)

/* Named exports and a default object holding the same functions. */
static int cr_module_set(JSContext *ctx, JSModuleDef *m) {
    JSValue def = JS_NewObject(ctx);
    JS_SetPropertyFunctionList(ctx, def, cr_funcs, CR_NFUNCS);
    for (size_t i = 0; i < CR_NFUNCS; i++)
        JS_SetModuleExport(ctx, m, cr_funcs[i].name, JS_GetPropertyStr(ctx, def, cr_funcs[i].name));
    return JS_SetModuleExport(ctx, m, "default", def);
}

JSModuleDef *crypto_module_init(JSContext *ctx, const char *name) {
    JSRuntime *rt = JS_GetRuntime(ctx);
    pthread_once(&cr_class_once, cr_new_class_id);
    if (!JS_IsRegisteredClass(rt, cr_class_id)) JS_NewClass(rt, cr_class_id, &cr_class);
    JSValue proto = JS_NewObject(ctx);
    JS_SetPropertyFunctionList(ctx, proto, cr_proto_funcs, sizeof cr_proto_funcs / sizeof *cr_proto_funcs);
    JS_SetClassProto(ctx, cr_class_id, proto);
    JSModuleDef *m = JS_NewCModule(ctx, name, cr_module_set);
    if (!m) return NULL;
    for (size_t i = 0; i < CR_NFUNCS; i++) JS_AddModuleExport(ctx, m, cr_funcs[i].name);
    JS_AddModuleExport(ctx, m, "default");
    return m;
}

/* ---- the global crypto object (WebCrypto's two non-subtle methods) ---- */

#define CR_RANDOM_VALUES_MAX 65536

/* getRandomValues(typedArray): fills an integer typed array in place and
 * returns it; errors named as k6's WebCrypto names them. */
static JSValue cr_get_random_values(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
    JSValueConst a = argc > 0 ? argv[0] : JS_UNDEFINED;
    if (JS_IsUndefined(a) || JS_IsNull(a)) return JS_ThrowTypeError(ctx, "typedArray parameter is required");
    int t = js_typed_array_type(ctx, a);
    if (t < 0 || t > JS_TYPED_ARRAY_UINT32) /* floats and BigInts are refused */
        return js_throw_error(ctx, "TypeMismatchError", "typedArray parameter isn't a TypedArray instance");
    size_t len;
    uint8_t *p = js_typed_array_bytes(ctx, a, &len);
    if (!p) return JS_EXCEPTION;
    if (len > CR_RANDOM_VALUES_MAX)
        return js_throw_error(ctx, "QuotaExceededError", "typedArray parameter is too big; maximum length is %d bytes",
                              CR_RANDOM_VALUES_MAX);
    if (len && RAND_bytes(p, (int)len) != 1) {
        ERR_clear_error();
        return js_throw_error(ctx, "OperationError", "getRandomValues: OpenSSL's random generator failed");
    }
    return JS_DupValue(ctx, a);
}

/* randomUUID(): an RFC 4122 version 4 UUID in lower case. */
static JSValue cr_random_uuid(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv) {
    uint8_t u[16];
    if (RAND_bytes(u, sizeof u) != 1) {
        ERR_clear_error();
        return js_throw_error(ctx, "OperationError", "randomUUID: OpenSSL's random generator failed");
    }
    u[6] = (uint8_t)((u[6] & 0x0f) | 0x40); /* version 4 */
    u[8] = (uint8_t)((u[8] & 0x3f) | 0x80); /* RFC 4122 variant */
    char s[37];
    snprintf(s, sizeof s, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", u[0], u[1], u[2],
             u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14], u[15]);
    return JS_NewStringLen(ctx, s, 36);
}

static const JSCFunctionListEntry cr_global_funcs[] = {
    JS_CFUNC_DEF("getRandomValues", 1, cr_get_random_values),
    JS_CFUNC_DEF("randomUUID", 0, cr_random_uuid),
};

void crypto_global_install(JSContext *ctx) {
    vm_global_object(ctx, "crypto", cr_global_funcs, (int)(sizeof cr_global_funcs / sizeof *cr_global_funcs));
}
