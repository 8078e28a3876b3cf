/* The service's web page and the runs' reports (see svc_page.h). */
#include "service/svc_page.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* src/service/page.html, made a C string by the Makefile */
static const char PAGE[] =
#include "svc_page_html.inc"
    ;

/* The page draws everything itself (inline script and style), talks to
 * this origin only, and shows a report in a sandboxed srcdoc frame (which
 * inherits this policy: the report is inline too). */
#define PAGE_CSP                                                                                                       \
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; "                       \
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

bool svc_page_path(const char *url) {
    if (!strcmp(url, "/")) return true;
    if (strncmp(url, "/runs/", 6)) return false;
    const char *p = url + 6;
    size_t n = strspn(p, "0123456789");
    return n > 0 && n < 19 && !p[n];
}

static enum MHD_Result queue(struct MHD_Connection *c, unsigned code, struct MHD_Response *r, const char *type,
                             const char *csp) {
    if (!r) return MHD_NO;
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    if (csp) MHD_add_response_header(r, "Content-Security-Policy", csp);
    enum MHD_Result ret = MHD_queue_response(c, code, r);
    MHD_destroy_response(r);
    return ret;
}

enum MHD_Result svc_page_send(struct MHD_Connection *c) {
    struct MHD_Response *r = MHD_create_response_from_buffer(sizeof PAGE - 1, (void *)PAGE, MHD_RESPMEM_PERSISTENT);
    return queue(c, 200, r, "text/html; charset=utf-8", PAGE_CSP);
}

enum MHD_Result svc_page_report(struct MHD_Connection *c, const char *run_dir) {
    char path[1024];
    struct stat sb;
    snprintf(path, sizeof path, "%s/" SVC_REPORT_FILE, run_dir);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &sb) || !S_ISREG(sb.st_mode)) {
        if (fd >= 0) close(fd);
        static const char none[] = "{\"error\":\"no report for this run\"}";
        struct MHD_Response *r = MHD_create_response_from_buffer(sizeof none - 1, (void *)none, MHD_RESPMEM_PERSISTENT);
        return queue(c, 404, r, "application/json", NULL);
    }
    /* the response owns fd (closed with it) */
    struct MHD_Response *r = MHD_create_response_from_fd((uint64_t)sb.st_size, fd);
    if (!r) close(fd);
    /* opened on its own, it is a page of its own: the same policy */
    return queue(c, 200, r, "text/html; charset=utf-8", PAGE_CSP);
}

static const char *const DASH_ENV[] = {
    "K6_WEB_DASHBOARD=true",
    "K6_WEB_DASHBOARD_PORT=-1", /* no server: runs side by side would want the same port */
    "K6_WEB_DASHBOARD_PERIOD=1s",
    "K6_WEB_DASHBOARD_OPEN=false",
};

char **svc_page_coordinator_env(const char *run_dir) {
    extern char **environ;
    size_t n = 0, k = 0, nd = sizeof DASH_ENV / sizeof DASH_ENV[0];
    while (environ[n]) n++;
    char **env = calloc(n + nd + 2, sizeof *env);
    if (!env) return NULL;
    for (size_t i = 0; i < n; i++)
        if (strncmp(environ[i], "K6_WEB_DASHBOARD", 16) && !(env[k++] = strdup(environ[i]))) goto oom;
    for (size_t i = 0; i < nd; i++)
        if (!(env[k++] = strdup(DASH_ENV[i]))) goto oom;
    size_t len = strlen(run_dir) + sizeof "K6_WEB_DASHBOARD_EXPORT=/" SVC_REPORT_FILE;
    if (!(env[k] = malloc(len))) goto oom;
    snprintf(env[k], len, "K6_WEB_DASHBOARD_EXPORT=%s/" SVC_REPORT_FILE, run_dir);
    return env;
oom:
    svc_page_env_free(env);
    errno = ENOMEM;
    return NULL;
}

void svc_page_env_free(char **env) {
    for (size_t i = 0; env && env[i]; i++) free(env[i]);
    free(env);
}
