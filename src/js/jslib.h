/* jslib modules c6 carries itself (https://jslib.k6.io/...), so scripts that
 * import them run offline: their URL maps to a "c6:jslib/..." module whose
 * source is built into the binary. */
#ifndef C6_JSLIB_H
#define C6_JSLIB_H
#include <stddef.h>

/* The built-in module name for a jslib URL, or NULL when c6 has none. */
const char *jslib_module_for_url(const char *url);
/* The source of a built-in module name ("c6:jslib/..."), or NULL. */
const char *jslib_source(const char *name, size_t *len);

#endif
