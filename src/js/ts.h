/* TypeScript files run by erasing their types before compiling (see ts.c). */
#ifndef C6_TS_H
#define C6_TS_H
#include <stdbool.h>
#include <stddef.h>

/* True for a module name ending in .ts or .mts. */
bool ts_is_ts(const char *name);
/* A copy of src (malloc'd, NUL-terminated, the same length) where the
 * TypeScript-only syntax is replaced by spaces, newlines kept, so every
 * other character keeps its line and column. NULL with a message in err
 * for syntax that needs code (enum, namespace, parameter properties). */
char *ts_strip(const char *src, size_t len, char *err, size_t errlen);

#endif
