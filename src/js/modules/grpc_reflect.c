/* k6/net/grpc's server reflection. */
#include <stdio.h>
#include "js/modules/grpc.h"

int grpc_reflect(grpc_client *c, const grpc_md *md, int64_t deadline_us, char *err, size_t n) {
    (void)c, (void)md, (void)deadline_us;
    snprintf(err, n, "server reflection is not supported by c6 yet");
    return -1;
}
