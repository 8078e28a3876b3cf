#ifndef C6_UTIL_GOJSON_H
#define C6_UTIL_GOJSON_H

#include <stdbool.h>
#include <stddef.h>

/* Checks that s[0..n) is one JSON value as Go's encoding/json scanner
 * does, with its error text ("unexpected end of JSON input", "invalid
 * character 'x' looking for beginning of value", ...) in err on failure
 * and, if offset is not NULL, json.SyntaxError's Offset. Returns 0 or -1. */
int gojson_check(const char *s, size_t n, char *err, size_t errlen, size_t *offset);
/* Go's encoding/json refuses deeper nesting. */
#define GOJSON_MAX_DEPTH 10000
/* The same with a lower nesting limit (Go's "exceeded max depth" error past
 * it): for text that other parsers must be able to read back. */
int gojson_check_depth(const char *s, size_t n, int max_depth, char *err, size_t errlen, size_t *offset);

/* Reading values out of a text gojson_check accepted, for decoders that
 * give Go's json.Unmarshal results and type errors (the REST API's status
 * document). No checks of their own: only for checked text. */
typedef struct gojson_rd {
    const char *p, *end;
} gojson_rd;

/* Go's name for the kind of the value at r, as its type errors say it:
 * "object", "array", "string", "bool", "null" or "number". Leaves r at the
 * value's first byte. */
const char *gojson_kind(gojson_rd *r);
/* The first byte of the value at r ('{', '"', 't', '-', ...); leaves r there. */
char gojson_peek(gojson_rd *r);
/* Steps over the value at r. */
void gojson_skip(gojson_rd *r);
/* The text of the number or literal at r (a span, no copy), stepped over. */
size_t gojson_token(gojson_rd *r, const char **start);
/* Steps to the next key of the object r is in (after its '{' or after a
 * value): the key decoded into key (cap bytes, NUL-terminated, cut when
 * longer; a \u escape of a non-ASCII character becomes 0x7f, so such a
 * key matches no ASCII field name) and r at its value. false at the
 * object's closing '}', stepped over. */
bool gojson_next_key(gojson_rd *r, char *key, size_t cap);

#endif
