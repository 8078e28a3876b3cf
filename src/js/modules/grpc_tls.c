/* k6/net/grpc: connect()'s tls param. */
#include <stdio.h>
#include "js/modules/grpc.h"

int grpc_tls_ctx(JSContext *ctx, vu *v, JSValueConst tls, tlsio_ctx **out, char *err, size_t n) {
    (void)ctx, (void)v, (void)tls;
    *out = NULL;
    snprintf(err, n, "connect()'s tls param is not supported by c6 yet");
    return -1;
}
