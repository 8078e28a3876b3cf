/* remote.c - see remote.h. */
#include "js/remote.h"

#include <stdio.h>
#include <string.h>

#include "net/fetch.h"
#include "util/err.h"

/* One attempt, with k6's reasons for a status other than 200. */
static int remote_get(const char *url, buf *body, char *err, size_t errlen) {
    int status = 0;
    if (net_fetch(url, body, &status, err, errlen)) return -1;
    if (status == 404) return err_set(err, errlen, "not found: %s", url);
    if (status != 200) return err_set(err, errlen, "wrong status code (%d) for: %s", status, url);
    return 0;
}

const script_blob *remote_module(script *s, const char *url, const char *spec, char *err, size_t errlen) {
    const script_blob *b = script_open_file(s, url);
    if (b) return b;
    buf with = {0}, body = {0};
    const char *q = strchr(url, '?'), *frag = strchr(url, '#');
    char why[512] = "";
    int rc;
    if (frag) { /* Go's URL keeps a fragment out of the request */
        rc = buf_append(&with, url, (size_t)(frag - url));
    } else {
        rc = buf_puts(&with, url);
    }
    rc = rc || buf_puts(&with, q && (!frag || q < frag) ? (q[1] && q + 1 != frag ? "&_k6=1" : "_k6=1") : "?_k6=1");
    if (rc) {
        err_set(err, errlen, "out of memory");
        return NULL;
    }
    if (remote_get(with.p, &body, why, sizeof why) != 0) {
        buf_clear(&body);
        with.len = frag ? (size_t)(frag - url) : strlen(url); /* again, as the script wrote it */
        with.p[with.len] = 0;
        if (remote_get(with.p, &body, why, sizeof why) == 0) why[0] = 0;
    }
    if (why[0]) { /* internal/loader/loader.go, httpsSchemeCouldntBeLoadedMsg */
        err_set(err, errlen,
                "The moduleSpecifier \"%s\" couldn't be retrieved from the resolved url \"%s\". "
                "Error : \"%s\"",
                spec, url, why);
    } else if (script_add_file(s, url, body.p ? body.p : "", body.len) != 0) {
        err_set(err, errlen, "out of memory");
    } else {
        b = script_open_file(s, url);
    }
    buf_free(&with);
    buf_free(&body);
    return b;
}
