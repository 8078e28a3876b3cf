/* k6/net/grpc: connect()'s tls param {cert, key, password, cacerts}
 * (client.go buildTLSConfigFromMap): a TLS context of the client's own, on
 * the run's TLS options (versions, suites, insecureSkipTLSVerify) with the
 * client certificate and the CA certificates given. k6 adds cacerts to the
 * system's pool; c6 trusts the given ones only (OpenSSL loads them from a
 * file: a temporary one, removed at once). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "exec/test.h"
#include "js/modules/grpc.h"
#include "net/tls.h"

static char *grpc_tls_str(JSContext *ctx, JSValueConst obj, const char *name, bool *bad) {
    JSValue v = JS_GetPropertyStr(ctx, obj, name);
    char *out = NULL;
    if (JS_IsString(v)) {
        const char *s = JS_ToCString(ctx, v);
        out = s ? strdup(s) : NULL;
        if (!out) *bad = true;
        JS_FreeCString(ctx, s);
    }
    JS_FreeValue(ctx, v);
    return out;
}

/* cacerts: a string or an array of strings, all written to one PEM file */
static int grpc_tls_cafile(JSContext *ctx, JSValueConst tls, char *path, size_t pn, char *err, size_t n) {
    JSValue v = JS_GetPropertyStr(ctx, tls, "cacerts");
    int rc = 0;
    path[0] = 0;
    if (JS_IsUndefined(v) || JS_IsNull(v)) goto out;
    snprintf(path, pn, "/tmp/c6-grpc-ca-XXXXXX");
    int fd = mkstemp(path);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f) {
        if (fd >= 0) close(fd);
        snprintf(err, n, "cannot write the CA certificates");
        path[0] = 0;
        rc = -1;
        goto out;
    }
    uint32_t len = 1;
    bool arr = JS_IsArray(ctx, v) > 0;
    if (arr) {
        JSValue l = JS_GetPropertyStr(ctx, v, "length");
        JS_ToUint32(ctx, &len, l);
        JS_FreeValue(ctx, l);
    }
    for (uint32_t i = 0; i < len; i++) {
        JSValue e = arr ? JS_GetPropertyUint32(ctx, v, i) : JS_DupValue(ctx, v);
        const char *s = JS_IsString(e) ? JS_ToCString(ctx, e) : NULL;
        if (s) fprintf(f, "%s\n", s);
        JS_FreeCString(ctx, s);
        JS_FreeValue(ctx, e);
    }
    fclose(f);
out:
    JS_FreeValue(ctx, v);
    return rc;
}

int grpc_tls_ctx(JSContext *ctx, vu *v, JSValueConst tls, tlsio_ctx **out, tls_config **cfg_out, char *err, size_t n) {
    *out = NULL;
    *cfg_out = NULL;
    err[0] = 0;
    tls_config *cfg = calloc(1, sizeof *cfg);
    if (!cfg) {
        snprintf(err, n, "out of memory");
        return -1;
    }
    const tls_config *run = v->test ? v->test->tls : NULL;
    bool bad = false;
    if (run) {
        cfg->min_version = run->min_version;
        cfg->max_version = run->max_version;
        cfg->cipher_list = run->cipher_list ? strdup(run->cipher_list) : NULL;
        cfg->tls13_ciphers = run->tls13_ciphers ? strdup(run->tls13_ciphers) : NULL;
        bad = (run->cipher_list && !cfg->cipher_list) || (run->tls13_ciphers && !cfg->tls13_ciphers);
    }
    char *cert = grpc_tls_str(ctx, tls, "cert", &bad), *key = grpc_tls_str(ctx, tls, "key", &bad);
    char *pass = grpc_tls_str(ctx, tls, "password", &bad);
    if (cert && key && cert[0] && key[0]) {
        cfg->certs = calloc(1, sizeof *cfg->certs);
        if (!cfg->certs) bad = true;
        else {
            cfg->ncerts = 1;
            cfg->certs[0].cert = cert;
            cfg->certs[0].key = key;
            cfg->certs[0].password = pass;
            cert = key = pass = NULL;
        }
    }
    free(cert);
    free(key);
    free(pass);
    char ca[64];
    if (bad) snprintf(err, n, "out of memory");
    else if (grpc_tls_cafile(ctx, tls, ca, sizeof ca, err, n) == 0) {
        cfg->ca_file = ca[0] ? strdup(ca) : NULL;
        bool insecure = v->test && v->test->insecure_skip_tls_verify;
        char why[300];
        if (ca[0] && !cfg->ca_file) snprintf(err, n, "out of memory");
        else if (!(*out = tlsio_ctx_new(cfg, insecure, (const unsigned char *)"\x02h2", 3, why, sizeof why)))
            snprintf(err, n, "%s", why);
        if (ca[0]) unlink(ca);
    }
    if (!*out) {
        tls_config_free(cfg);
        return -1;
    }
    *cfg_out = cfg;
    return 0;
}
