/* k6/net/grpc's parts (grpc.c: Client and the module; grpc_stream.c:
 * Stream; grpc_reflect.c: server reflection; grpc_pb.c: the protobuf
 * side over grpc/pb.h; grpc_tls.c: connect()'s tls param; grpc_debug.c:
 * --http-debug's lines). */
#ifndef C6_JS_MODULES_GRPC_H
#define C6_JS_MODULES_GRPC_H
#include <stdbool.h>
#include <stdint.h>
#include "grpc/transport.h"
#include "js/vm.h"
#include "util/buf.h"
#include "vu/vu.h"

#define GRPC_MAX_MD 64

typedef struct grpc_md { /* metadata: lower-case keys, raw values (-bin ones binary) */
    char *k[GRPC_MAX_MD], *v[GRPC_MAX_MD];
    size_t len[GRPC_MAX_MD];
    int n;
} grpc_md;

typedef struct grpc_call_params {
    grpc_md md;
    vm_pairs tags;
    int64_t timeout_ms; /* 0: none given */
    bool discard;
} grpc_call_params;

typedef struct grpc_connect_params {
    bool plaintext, reflect;
    int64_t timeout_ms;
    uint32_t max_recv, max_send;
    char authority[256];
    grpc_md reflect_md;
    JSValue tls; /* the tls object, or undefined */
} grpc_connect_params;

typedef struct grpc_method {
    const char *full_name; /* "/pkg.Svc/Method" */
    const char *package, *service;
    const void *in, *out; /* message descriptors */
    bool client_streaming, server_streaming;
} grpc_method;

/* A unary call's state, kept by its client and reused call after call (the
 * VU waits for each call, so one is enough): no allocation per call once
 * the buffers have grown. */
typedef struct grpc_unary {
    vu *v;
    gt_call k;
    buf msg;  /* the response message's bytes */
    buf json; /* JSON text, both ways */
    buf wire; /* the request's bytes */
    bool got_msg;
} grpc_unary;

typedef struct grpc_client {
    vu *v;
    void *pool; /* descriptors (grpc_pb_new) */
    gt_conn *conn;
    char *addr;
    tlsio_ctx *tls_ctx;         /* connect()'s tls param; NULL: the worker's */
    struct tls_config *tls_cfg; /* what tls_ctx is built on */
    bool connect_done;
    int connect_ok;
    uint64_t sent_reported, recv_reported;
    grpc_unary u;
} grpc_client;

/* grpc_debug.c: --http-debug's log lines for a connection's calls (gt_conn.debug) */
void grpc_debug_event(gt_call *k, const gt_debug_event *e, void *ud);

/* grpc.c */
grpc_client *grpc_client_of(JSContext *ctx, JSValueConst v);
bool grpc_wait(vu *v, int64_t deadline_us);
int grpc_call_params_read(JSContext *ctx, JSValueConst p, const char *who, grpc_call_params *cp);
void grpc_call_params_free(grpc_call_params *cp);
int grpc_metadata_read(JSContext *ctx, JSValueConst obj, grpc_md *md, char *err, size_t n);
void grpc_md_free(grpc_md *md);
size_t grpc_md_flat(const grpc_md *md, const char **flat, size_t *lens);
JSValue grpc_md_object(JSContext *ctx, const buf *b);
uint32_t grpc_tags(vu *v, const char *addr, const char *method, const vm_pairs *user, int status);
uint32_t grpc_call_tags(grpc_client *c, const char *method, const vm_pairs *user, int status);
void grpc_push_bytes(grpc_client *c, uint32_t tags);
/* The message's JS value (protojson, then JSON.parse); scratch holds the text (NULL: a buffer of its own). */
JSValue grpc_message_value(JSContext *ctx, const grpc_method *m, const uint8_t *p, size_t n, buf *scratch, char *err,
                           size_t en);
const char *grpc_code_name(int code);
/* v as JSON text appended to out, NaN and the infinities as strings (k6's normalizeNumberStrings); -1: threw */
int grpc_json_text(JSContext *ctx, JSValueConst v, buf *out);
/* The response object {message, error, headers, trailers, status} of a finished unary call. */
JSValue grpc_response_value(JSContext *ctx, const gt_call *k, const grpc_method *m, const buf *msgbytes, bool got_msg,
                            bool discard, buf *scratch);

/* grpc_stream.c */
void grpc_stream_class_init(JSRuntime *rt);
JSValue grpc_stream_ctor_new(JSContext *ctx);
/* asyncInvoke: the call started on the VU's event loop; its Promise */
JSValue grpc_async_start(JSContext *ctx, grpc_client *c, JSValueConst client_obj, const grpc_method *m,
                         const char *mname, grpc_call_params *cp, const buf *wire);

/* grpc_reflect.c: fills c->pool from the server (v1, then v1alpha); -1
 * with err (empty: interrupted) */
int grpc_reflect(grpc_client *c, const grpc_md *md, int64_t deadline_us, char *err, size_t n);

/* grpc_tls.c: a TLS context for connect()'s tls object; -1 with err
 * (empty: an exception is pending) */
struct tls_config;
int grpc_tls_ctx(JSContext *ctx, vu *v, JSValueConst tls, tlsio_ctx **out, struct tls_config **cfg, char *err,
                 size_t n);

/* grpc_pb.c */
void *grpc_pb_new(char *err, size_t n);
void grpc_pb_free(void *pool);
/* paths as the script gave them (relative ones against base_dir, none: base_dir).
 * The files (and the protoset) are read through s's file cache, as open()
 * reads them: an archive records them, a run of an archive reads them from
 * it only (s NULL: from disk). */
struct script;
int grpc_pb_load(void *pool, struct script *s, const char *base_dir, const char *const *paths, size_t np,
                 const char *const *files, size_t nf, char *err, size_t n);
int grpc_pb_load_protoset(void *pool, struct script *s, const char *abs, const char *given, char *err, size_t n);
int grpc_pb_add_file(void *pool, const uint8_t *fdproto, size_t len, char *err, size_t n);
int grpc_pb_resolve(void *pool, char *err, size_t n);
/* the methods the last load (or the reflection since) brought */
size_t grpc_pb_last_count(void *pool);
int grpc_pb_last_at(void *pool, size_t i, grpc_method *m);
const void *grpc_pb_type(void *pool, const char *full_name);
int grpc_pb_find(void *pool, const char *full_name, grpc_method *m);
int grpc_pb_from_json(const void *msgdesc, const char *json, size_t n, buf *wire, char *err, size_t en);
int grpc_pb_to_json(const void *msgdesc, const uint8_t *p, size_t n, buf *json, char *err, size_t en);

#endif
