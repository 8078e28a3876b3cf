/* One GET outside any test, done synchronously on a loop of its own: how
 * k6's loader fetches a remote module (internal/loader/loader.go, fetch:
 * Go's http.DefaultClient, redirects followed, a minute at most, TLS
 * verified against the system's CAs or SSL_CERT_FILE/SSL_CERT_DIR). */
#ifndef C6_NET_FETCH_H
#define C6_NET_FETCH_H
#include "util/buf.h"

/* GETs url into body (the last response's, after redirects) and *status.
 * 0, or -1 with err set to Go's client error ("Get \"URL\": dial tcp ...:
 * connect: connection refused"). */
int net_fetch(const char *url, buf *body, int *status, char *err, size_t errlen);

#endif
