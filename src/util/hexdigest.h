/* Lower-case hex digest of concatenated strings (digest auth: the client in
 * js/modules/http_auth.c and the target server's /digest-auth both use it). */
#ifndef C6_HEXDIGEST_H
#define C6_HEXDIGEST_H
#include <openssl/evp.h>

/* hex must hold 2 * EVP_MAX_MD_SIZE + 1 bytes. */
void hex_digest(const EVP_MD *md, const char *const *parts, int n, char *hex);

#endif
