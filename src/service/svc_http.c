/* See svc_http.h. */
#include "service/svc_http.h"
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>

static const char *ca_file;
static char agent_flag[4200] = "--tls";

void svc_http_set_ca(const char *ca) {
    ca_file = ca && *ca ? ca : NULL;
    if (ca_file) snprintf(agent_flag, sizeof agent_flag, "--tls-ca=%s", ca_file);
}

const char *svc_http_agent_tls_flag(void) { return agent_flag; }

static size_t on_body(char *p, size_t size, size_t n, void *arg) {
    buf *b = arg;
    if (b->len + size * n > 64u << 20 || buf_append(b, p, size * n)) return 0; /* bounded */
    return size * n;
}

long svc_http(const char *method, const char *url, const char *token, const void *body, size_t len, buf *resp,
              char *err, size_t errlen) {
    CURL *c = curl_easy_init();
    if (!c) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    struct curl_slist *h = NULL;
    char auth[1024];
    if (token && *token) {
        snprintf(auth, sizeof auth, "Authorization: Token %s", token);
        h = curl_slist_append(h, auth);
    }
    h = curl_slist_append(h, "Expect:");
    buf_clear(resp);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, resp);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 120000L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    const char *ca = ca_file ? ca_file : getenv("SSL_CERT_FILE"), *dir = ca_file ? NULL : getenv("SSL_CERT_DIR");
    if (ca && *ca) curl_easy_setopt(c, CURLOPT_CAINFO, ca);
    if (dir && *dir) curl_easy_setopt(c, CURLOPT_CAPATH, dir);
    if (body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    }
    long code = -1;
    CURLcode rc = curl_easy_perform(c);
    if (rc == CURLE_OK) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    else snprintf(err, errlen, "%s: %s", url, curl_easy_strerror(rc));
    curl_slist_free_all(h);
    curl_easy_cleanup(c);
    return code;
}
