/* k6/net/grpc's protobuf side: descriptors, and messages between JSON and
 * the wire, over grpc/pb.h (libprotobuf). Until that interface is in the
 * tree every call fails with a clear message, so the rest of the module
 * (transport, errors, metrics) builds and runs on its own. */
#include <stdio.h>
#include "js/modules/grpc.h"

#if __has_include("grpc/pb.h")
#error "grpc/pb.h is here: wire grpc_pb.c to it"
#else

#define GRPC_PB_MISSING "k6/net/grpc: c6 was built without protobuf support (grpc/pb.h)"

void *grpc_pb_new(char *err, size_t n) {
    snprintf(err, n, "%s", GRPC_PB_MISSING);
    return NULL;
}

void grpc_pb_free(void *pool) { (void)pool; }

int grpc_pb_load(void *pool, const char *const *paths, size_t np, const char *const *files, size_t nf, char *err,
                 size_t n) {
    (void)pool, (void)paths, (void)np, (void)files, (void)nf;
    snprintf(err, n, "%s", GRPC_PB_MISSING);
    return -1;
}

int grpc_pb_load_protoset(void *pool, const char *abs, const char *given, char *err, size_t n) {
    (void)pool, (void)abs, (void)given;
    snprintf(err, n, "%s", GRPC_PB_MISSING);
    return -1;
}

int grpc_pb_add_file(void *pool, const uint8_t *fdproto, size_t len, char *err, size_t n) {
    (void)pool, (void)fdproto, (void)len;
    snprintf(err, n, "%s", GRPC_PB_MISSING);
    return -1;
}

size_t grpc_pb_method_count(void *pool) {
    (void)pool;
    return 0;
}

int grpc_pb_method_at(void *pool, size_t i, grpc_method *m) {
    (void)pool, (void)i, (void)m;
    return -1;
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
