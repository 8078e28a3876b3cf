/* One OpenSSL library context with the "default" and "legacy" providers,
 * for the few algorithms OpenSSL 3 keeps in its legacy provider (MD4: the
 * k6/crypto module's md4 and NTLM's password hash). The process's default
 * context (TLS) is left as it is. Set up once per process, on first use,
 * and never freed. */
#ifndef C6_UTIL_OSSL_H
#define C6_UTIL_OSSL_H
#include <openssl/types.h>

/* The context; NULL if OpenSSL could not make one. */
OSSL_LIB_CTX *ossl_legacy_ctx(void);

#endif
