/* JSON string literals, in the escaping of the encoder whose output c6
 * reproduces: k6's outputs, summaries, logs and REST API (Go), the summary
 * export (JavaScript), the target's echoes. */
#ifndef C6_UTIL_JSONSTR_H
#define C6_UTIL_JSONSTR_H
#include <stddef.h>
#include "util/buf.h"

/* All escape '"', '\\' and control characters; they differ in the rest:
 *   JSON_ESC_EASYJSON  easyjson's default writer (k6's JSON output lines):
 *                      also <, >, & as \u003c \u003e \u0026, U+2028/9,
 *                      \u0008-style control escapes except \t \n \r,
 *                      invalid UTF-8 as \ufffd
 *   JSON_ESC_GO        Go's encoding/json without HTML escaping (k6's
 *                      threshold lists): as above but <, >, & kept, \b \f
 *   JSON_ESC_JS        JSON.stringify (the summary export): \b \f \n \r
 *                      \t short forms, nothing else escaped, invalid UTF-8
 *                      replaced by a raw U+FFFD
 *   JSON_ESC_BYTES     the target's echo of request data: as JSON_ESC_GO,
 *                      U+2028/9 kept, and a byte that is not part of valid
 *                      UTF-8 as \u00XX (its Latin-1 character), so that
 *                      binary bodies stay recoverable byte for byte */
typedef enum { JSON_ESC_EASYJSON, JSON_ESC_GO, JSON_ESC_JS, JSON_ESC_BYTES } json_esc;

/* Appends the literal (with its quotes) for s[0..n) to b. Returns -1 when
 * out of memory. */
int json_string(buf *b, const char *s, size_t n, json_esc mode);
/* The same into a docbuf (out of memory sets d->oom). */
static inline void doc_json(docbuf *d, const char *s, size_t n, json_esc mode) {
    if (!d->oom && json_string(&d->b, s, n, mode)) d->oom = 1;
}

#endif
