/* fetch.c - see fetch.h. */
#include "net/fetch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <uv.h>

#include "config/options.h"
#include "net/client.h"
#include "net/tls.h"
#include "util/err.h"
#include "util/urlref.h"

extern char **environ;

static void fetch_done(h1_request *r, void *ud) {
    (void)r;
    *(int *)ud = 1;
}

/* A header's value in a raw header block, malloc'd; NULL when absent. */
static char *fetch_header(const buf *h, const char *name) {
    size_t nl = strlen(name);
    for (const char *p = h->p; p && *p;) {
        const char *eol = strstr(p, "\r\n");
        size_t len = eol ? (size_t)(eol - p) : strlen(p);
        if (len > nl && !strncasecmp(p, name, nl) && p[nl] == ':') {
            const char *v = p + nl + 1, *end = p + len;
            while (v < end && (*v == ' ' || *v == '\t')) v++;
            while (end > v && (end[-1] == ' ' || end[-1] == '\t')) end--;
            return strndup(v, (size_t)(end - v));
        }
        p = eol ? eol + 2 : NULL;
    }
    return NULL;
}

int net_fetch(const char *url, buf *body, int *status, char *err, size_t errlen) {
    uv_loop_t loop;
    if (uv_loop_init(&loop) != 0) return err_set(err, errlen, "cannot start an event loop");
    h1_client *c = h1_client_new(&loop);
    c6_options none;
    options_init(&none);
    char terr[256];
    tls_config *tls = c ? tls_config_new(&none, environ, terr, sizeof terr) : NULL;
    char *cur = strdup(url);
    int rc = c && cur ? 0 : err_set(err, errlen, "out of memory");
    if (c) h1_client_set_tls(c, tls, 0);
    /* Go's client: at most 10 redirects, then "stopped after 10 redirects" */
    for (int hop = 0; !rc; hop++) {
        buf hdr = {0};
        h1_request r;
        memset(&r, 0, sizeof r);
        int done = 0;
        r.method = "GET";
        r.url = cur;
        r.user_agent = "Go-http-client/1.1";
        r.resp_headers = &hdr;
        r.resp_body = body;
        r.timeout_ms = 60000;
        r.done = fetch_done;
        r.ud = &done;
        buf_clear(body);
        h1_start(c, &r);
        while (!done) uv_run(&loop, UV_RUN_ONCE);
        char *loc = NULL;
        if (r.err != H1_OK) {
            rc = err_set(err, errlen, "Get \"%s\": %s", cur, r.errmsg);
        } else if ((r.status == 301 || r.status == 302 || r.status == 303 || r.status == 307 || r.status == 308) &&
                   (loc = fetch_header(&hdr, "Location"))) {
            if (hop == 10) {
                rc = err_set(err, errlen, "Get \"%s\": stopped after 10 redirects", loc);
            } else {
                buf next = {0};
                if (url_resolve(&next, cur, loc)) {
                    rc = err_set(err, errlen, "out of memory");
                } else {
                    free(cur);
                    cur = next.p;
                }
            }
        } else {
            *status = r.status;
            buf_free(&hdr);
            break;
        }
        free(loc);
        buf_free(&hdr);
    }
    free(cur);
    if (c) h1_client_free(c);
    uv_run(&loop, UV_RUN_DEFAULT); /* the client's handles close */
    uv_loop_close(&loop);
    tls_config_free(tls);
    options_free(&none);
    return rc;
}
