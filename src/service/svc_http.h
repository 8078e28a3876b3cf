/* A blocking HTTP call to the service (libcurl), with its token as k6's
 * cloud client sends it (Authorization: Token T). */
#ifndef C6_SERVICE_HTTP_H
#define C6_SERVICE_HTTP_H
#include <stddef.h>
#include "util/buf.h"
/* The HTTP status, or -1 with err set (no answer). resp gets the body. */
long svc_http(const char *method, const char *url, const char *token, const void *body, size_t len, buf *resp,
              char *err, size_t errlen);
#endif
