/* A blocking HTTP call to the service (libcurl), with its token as k6's
 * cloud client sends it (Authorization: Token T). */
#ifndef C6_SERVICE_HTTP_H
#define C6_SERVICE_HTTP_H
#include <stddef.h>
#include "util/buf.h"
/* The CAs an https:// service's certificate is checked against: a PEM
 * file (--tls-ca), else $SSL_CERT_FILE / $SSL_CERT_DIR (as k6, a Go
 * program, reads them), else the system's. Called once, before any call. */
void svc_http_set_ca(const char *ca_file);
/* The flag a run's agent (`c6 agent HOST:PORT`) needs to reach a
 * coordinator that serves TLS with the service's certificate: the same
 * trust as this process's (--tls-ca=FILE, else --tls: the system's CAs or
 * $SSL_CERT_FILE). */
const char *svc_http_agent_tls_flag(void);
/* The HTTP status, or -1 with err set (no answer). resp gets the body. */
long svc_http(const char *method, const char *url, const char *token, const void *body, size_t len, buf *resp,
              char *err, size_t errlen);
#endif
