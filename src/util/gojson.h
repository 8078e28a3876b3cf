#ifndef C6_UTIL_GOJSON_H
#define C6_UTIL_GOJSON_H

#include <stddef.h>

/* Checks that s[0..n) is one JSON value as Go's encoding/json scanner
 * does, with its error text ("unexpected end of JSON input", "invalid
 * character 'x' looking for beginning of value", ...) in err on failure
 * and, if offset is not NULL, json.SyntaxError's Offset. Returns 0 or -1. */
int gojson_check(const char *s, size_t n, char *err, size_t errlen, size_t *offset);

#endif
