/* tlsnames.c - k6's names of TLS versions and cipher suites (see
 * tlsnames.h): options.c validates with them, net/tls.c configures
 * OpenSSL and names sessions with them. */
#include "config/tlsnames.h"

#include <string.h>

static const struct {
    const char *name;
    int version;
} TLS_VERSIONS[] = {
    {"ssl3.0", 0x0300}, {"tls1.0", 0x0301}, {"tls1.1", 0x0302}, {"tls1.2", 0x0303}, {"tls1.3", 0x0304},
};
#define NVERSIONS (sizeof TLS_VERSIONS / sizeof TLS_VERSIONS[0])

int tls_version_from_name(const char *name) {
    for (size_t i = 0; i < NVERSIONS; i++)
        if (strcmp(name, TLS_VERSIONS[i].name) == 0) return TLS_VERSIONS[i].version;
    return -1;
}

const char *tls_version_name(int version) {
    for (size_t i = 0; i < NVERSIONS; i++)
        if (TLS_VERSIONS[i].version == version) return TLS_VERSIONS[i].name;
    return "";
}

/* k6's cipher suites (see tls_suite in tlsnames.h) */
static const tls_suite TLS_SUITES[] = {
    {"TLS_RSA_WITH_RC4_128_SHA", 0x0005, "RC4-SHA"},
    {"TLS_RSA_WITH_3DES_EDE_CBC_SHA", 0x000a, "DES-CBC3-SHA"},
    {"TLS_RSA_WITH_AES_128_CBC_SHA", 0x002f, "AES128-SHA"},
    {"TLS_RSA_WITH_AES_256_CBC_SHA", 0x0035, "AES256-SHA"},
    {"TLS_RSA_WITH_AES_128_CBC_SHA256", 0x003c, "AES128-SHA256"},
    {"TLS_RSA_WITH_AES_128_GCM_SHA256", 0x009c, "AES128-GCM-SHA256"},
    {"TLS_RSA_WITH_AES_256_GCM_SHA384", 0x009d, "AES256-GCM-SHA384"},
    {"TLS_ECDHE_ECDSA_WITH_RC4_128_SHA", 0xc007, "ECDHE-ECDSA-RC4-SHA"},
    {"TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", 0xc009, "ECDHE-ECDSA-AES128-SHA"},
    {"TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", 0xc00a, "ECDHE-ECDSA-AES256-SHA"},
    {"TLS_ECDHE_RSA_WITH_RC4_128_SHA", 0xc011, "ECDHE-RSA-RC4-SHA"},
    {"TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA", 0xc012, "ECDHE-RSA-DES-CBC3-SHA"},
    {"TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", 0xc013, "ECDHE-RSA-AES128-SHA"},
    {"TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", 0xc014, "ECDHE-RSA-AES256-SHA"},
    {"TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", 0xc023, "ECDHE-ECDSA-AES128-SHA256"},
    {"TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", 0xc027, "ECDHE-RSA-AES128-SHA256"},
    {"TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", 0xc02b, "ECDHE-ECDSA-AES128-GCM-SHA256"},
    {"TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", 0xc02c, "ECDHE-ECDSA-AES256-GCM-SHA384"},
    {"TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", 0xc02f, "ECDHE-RSA-AES128-GCM-SHA256"},
    {"TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", 0xc030, "ECDHE-RSA-AES256-GCM-SHA384"},
    {"TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305", 0xcca8, "ECDHE-RSA-CHACHA20-POLY1305"},
    {"TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305", 0xcca9, "ECDHE-ECDSA-CHACHA20-POLY1305"},
    {"TLS_AES_128_GCM_SHA256", 0x1301, "TLS_AES_128_GCM_SHA256"},
    {"TLS_AES_256_GCM_SHA384", 0x1302, "TLS_AES_256_GCM_SHA384"},
    {"TLS_CHACHA20_POLY1305_SHA256", 0x1303, "TLS_CHACHA20_POLY1305_SHA256"},
};
#define NSUITES (sizeof TLS_SUITES / sizeof TLS_SUITES[0])

const tls_suite *tls_suite_by_name(const char *go) {
    for (size_t i = 0; i < NSUITES; i++)
        if (strcmp(go, TLS_SUITES[i].go) == 0) return &TLS_SUITES[i];
    return NULL;
}

const tls_suite *tls_suite_by_id(uint16_t id) {
    for (size_t i = 0; i < NSUITES; i++)
        if (TLS_SUITES[i].id == id) return &TLS_SUITES[i];
    return NULL;
}

bool tls_cipher_known(const char *name) { return tls_suite_by_name(name) != NULL; }
