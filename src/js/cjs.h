/* CommonJS files rewritten as ES modules before compiling (see cjs.c). */
#ifndef C6_CJS_H
#define C6_CJS_H
#include <stdbool.h>
#include <stddef.h>

/* True for a file with no import/export statement that uses require,
 * module or exports. */
bool cjs_detect(const char *src, size_t len);
/* The ES module text running src as CommonJS (malloc'd, NUL-terminated);
 * it exports module.exports as `__c6_cjs` and as default; NULL when out of memory. */
char *cjs_wrap(const char *src, size_t len, const char *path, size_t *outlen);

#endif
