/* See ossl.h. */
#include "util/ossl.h"

#include <openssl/err.h>
#include <openssl/provider.h>
#include <pthread.h>

static pthread_once_t ossl_once = PTHREAD_ONCE_INIT;
static OSSL_LIB_CTX *ossl_ctx;

static void ossl_load(void) {
    ossl_ctx = OSSL_LIB_CTX_new();
    if (ossl_ctx) {
        OSSL_PROVIDER_load(ossl_ctx, "default");
        OSSL_PROVIDER_load(ossl_ctx, "legacy"); /* md4; may be missing */
    }
    ERR_clear_error();
}

OSSL_LIB_CTX *ossl_legacy_ctx(void) {
    pthread_once(&ossl_once, ossl_load);
    return ossl_ctx;
}
