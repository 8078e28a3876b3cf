/* k6/net/grpc's protobuf side: descriptors, and messages between JSON and
 * the wire, over grpc/pb.h (libprotobuf). Until that interface is in the
 * tree every call fails with a clear message, so the rest of the module
 * (transport, errors, metrics) builds and runs on its own. */
#include <stdio.h>
#include "js/modules/grpc.h"

#if __has_include("grpc/pb.h")
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "grpc/pb.h"
#include "js/script.h"

void *grpc_pb_new(char *err, size_t n) {
    pb_pool *p = pb_pool_new();
    if (!p) snprintf(err, n, "out of memory");
    return p;
}

void grpc_pb_free(void *pool) { pb_pool_free(pool); }

/* pb_read_fn over the script's file cache (script_open_file: recorded for
 * archives; an archive's files only when running one). */
static int grpc_pb_read(void *ud, const char *path, const void **data, size_t *len) {
    const script_blob *b = script_open_file(ud, path);
    if (!b) return errno ? errno : ENOENT;
    *data = b->data;
    *len = b->len;
    return 0;
}

int grpc_pb_load(void *pool, script *s, const char *base_dir, const char *const *paths, size_t np,
                 const char *const *files, size_t nf, char *err, size_t n) {
    return pb_load_protos_via(pool, base_dir, paths, np, files, nf, s ? grpc_pb_read : NULL, s, err, n);
}

int grpc_pb_load_protoset(void *pool, script *s, const char *abs, const char *given, char *err, size_t n) {
    const void *data = NULL;
    size_t len = 0;
    uint8_t *own = NULL; /* no script: straight from disk */
    int e = 0;
    if (s) e = grpc_pb_read(s, abs, &data, &len);
    else if (!(data = own = script_read_disk(abs, &len))) e = errno ? errno : EIO;
    if (e) { /* k6: "couldn't open protoset: " + afero's *PathError */
        char why[128];
        snprintf(err, n, "couldn't open protoset: open %s: %s", abs,
                 e == ENOENT ? "no such file or directory" : script_read_error(e, why, sizeof why));
        return -1;
    }
    int rc = pb_load_protoset_named(pool, given, data, len, err, n);
    free(own);
    return rc;
}

int grpc_pb_add_file(void *pool, const uint8_t *fdproto, size_t len, char *err, size_t n) {
    return pb_add_file(pool, fdproto, len, err, n);
}

int grpc_pb_resolve(void *pool, char *err, size_t n) { return pb_resolve(pool, err, n); }

static void grpc_pb_copy(const pb_method *pm, grpc_method *m) {
    m->full_name = pm->full_name;
    m->package = pm->package;
    m->service = pm->service;
    m->in = pm->in;
    m->out = pm->out;
    m->client_streaming = pm->client_streaming;
    m->server_streaming = pm->server_streaming;
}

size_t grpc_pb_last_count(void *pool) {
    const pb_method *const *all;
    return pb_last_methods(pool, &all);
}

int grpc_pb_last_at(void *pool, size_t i, grpc_method *m) {
    const pb_method *const *all;
    size_t n = pb_last_methods(pool, &all);
    if (i >= n) return -1;
    grpc_pb_copy(all[i], m);
    return 0;
}

int grpc_pb_find(void *pool, const char *full_name, grpc_method *m) {
    const pb_method *pm = pool ? pb_find_method(pool, full_name) : NULL;
    if (!pm) return -1;
    grpc_pb_copy(pm, m);
    return 0;
}

const void *grpc_pb_type(void *pool, const char *full_name) { return pool ? pb_message_type(pool, full_name) : NULL; }

int grpc_pb_from_json(const void *msgdesc, const char *json, size_t n, buf *wire, char *err, size_t en) {
    return pb_json_to_wire(msgdesc, json, n, wire, err, en);
}

int grpc_pb_to_json(const void *msgdesc, const uint8_t *p, size_t n, buf *json, char *err, size_t en) {
    return pb_wire_to_json(msgdesc, p, n, json, err, en);
}
#else

#define GRPC_PB_MISSING "k6/net/grpc: c6 was built without protobuf support (grpc/pb.h)"

void *grpc_pb_new(char *err, size_t n) {
    snprintf(err, n, "%s", GRPC_PB_MISSING);
    return NULL;
}

void grpc_pb_free(void *pool) { (void)pool; }

int grpc_pb_load(void *pool, struct script *s, const char *base_dir, const char *const *paths, size_t np,
                 const char *const *files, size_t nf, char *err, size_t n) {
    (void)pool, (void)s, (void)base_dir, (void)paths, (void)np, (void)files, (void)nf;
    snprintf(err, n, "%s", GRPC_PB_MISSING);
    return -1;
}

int grpc_pb_load_protoset(void *pool, struct script *s, const char *abs, const char *given, char *err, size_t n) {
    (void)pool, (void)s, (void)abs, (void)given;
    snprintf(err, n, "%s", GRPC_PB_MISSING);
    return -1;
}

int grpc_pb_add_file(void *pool, const uint8_t *fdproto, size_t len, char *err, size_t n) {
    (void)pool, (void)fdproto, (void)len;
    snprintf(err, n, "%s", GRPC_PB_MISSING);
    return -1;
}

int grpc_pb_resolve(void *pool, char *err, size_t n) {
    (void)pool;
    snprintf(err, n, "%s", GRPC_PB_MISSING);
    return -1;
}

size_t grpc_pb_last_count(void *pool) {
    (void)pool;
    return 0;
}

int grpc_pb_last_at(void *pool, size_t i, grpc_method *m) {
    (void)pool, (void)i, (void)m;
    return -1;
}

const void *grpc_pb_type(void *pool, const char *full_name) {
    (void)pool, (void)full_name;
    return NULL;
}

int grpc_pb_find(void *pool, const char *full_name, grpc_method *m) {
    (void)pool, (void)full_name, (void)m;
    return -1;
}

int grpc_pb_from_json(const void *msgdesc, const char *json, size_t n, buf *wire, char *err, size_t en) {
    (void)msgdesc, (void)json, (void)n, (void)wire;
    snprintf(err, en, "%s", GRPC_PB_MISSING);
    return -1;
}

int grpc_pb_to_json(const void *msgdesc, const uint8_t *p, size_t n, buf *json, char *err, size_t en) {
    (void)msgdesc, (void)p, (void)n, (void)json;
    snprintf(err, en, "%s", GRPC_PB_MISSING);
    return -1;
}
#endif
