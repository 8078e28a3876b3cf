#ifndef C6_UTIL_URLREF_H
#define C6_UTIL_URLREF_H

#include "util/buf.h"

/* Appends to out ref resolved against base as Go's
 * base.ResolveReference(ref).String() (RFC 3986: "../x" from "/a/b/c"
 * gives "/a/x"; "." and ".." segments removed). Returns 0, -1 when out of
 * memory. */
int url_resolve(buf *out, const char *base, const char *ref);

/* Go's url.Parse(ref) fails: appends its error ("parse \"REF\": <why>",
 * Go's texts: "net/url: invalid control character in URL", "missing
 * protocol scheme", "invalid URL escape \"%zz\"", "invalid character \" \"
 * in host name", "invalid port \":x\" after host", ...) and returns 1;
 * 0 when it parses. */
int url_parse_error(buf *out, const char *ref);

#endif
