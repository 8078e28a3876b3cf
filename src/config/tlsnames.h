/* k6's names of TLS versions ("ssl3.0" .. "tls1.3") and cipher suites (as
 * Go names them, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"): the tables both
 * the options (validation) and net/ (OpenSSL's settings, a session's
 * names) read. No network code here. */
#ifndef C6_CONFIG_TLSNAMES_H
#define C6_CONFIG_TLSNAMES_H
#include <stdbool.h>
#include <stdint.h>

/* "tls1.2" -> 0x0303 (the TLS wire version; ssl3.0 is 0x0300); -1 unknown. */
int tls_version_from_name(const char *name);
/* 0x0303 -> "tls1.2"; "" for 0 or an unknown version. */
const char *tls_version_name(int version);

/* One of k6's cipher suites: Go's name, the IANA number (what OpenSSL
 * reports of a session) and OpenSSL's name (what its cipher lists take).
 * The TLS 1.3 suites have the same name in both. */
typedef struct {
    const char *go;
    uint16_t id;
    const char *ossl;
} tls_suite;
const tls_suite *tls_suite_by_name(const char *go); /* NULL: not one of k6's */
const tls_suite *tls_suite_by_id(uint16_t id);
/* Whether name is one of k6's cipher suite names. */
bool tls_cipher_known(const char *name);

#endif
