/* A VU's cookie jar (RFC 6265, the parts k6 scripts rely on): Set-Cookie
 * from every response is stored, matching cookies are sent back, and k6
 * empties the jar at the start of every iteration. */
#ifndef C6_COOKIES_H
#define C6_COOKIES_H
#include <stddef.h>
#include "util/buf.h"

typedef struct cookie_jar cookie_jar;

cookie_jar *cookies_new(void);
void cookies_free(cookie_jar *j);
void cookies_clear(cookie_jar *j);
/* Stores every Set-Cookie line of a raw response header block received for url. */
void cookies_store(cookie_jar *j, const char *url, const char *headers, size_t len);
/* Appends "name=v; name2=v2" for url to out; returns how many cookies matched. */
int cookies_header(const cookie_jar *j, const char *url, buf *out);

/* Splits an absolute URL: scheme ("http"), host (no port, lower case), path
 * (from '/', without query). Returns 0, or -1 if it is not absolute. */
int cookies_split_url(const char *url, char *scheme, size_t ns, char *host, size_t nh, char *path, size_t np);

#endif
