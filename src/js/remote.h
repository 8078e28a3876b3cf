/* Remote modules: `import x from 'https://host/path/mod.js'`, as k6's
 * loader does it (internal/loader/loader.go, Load and loadRemoteURL):
 * served from the script's files when there (an archive's https/ tree, or
 * fetched earlier in this run), else fetched (net/fetch.h) with "_k6=1"
 * added to the query, then once more without it, and kept in the
 * script's files, so `c6 archive` stores it under https/<host>/<path>. */
#ifndef C6_JS_REMOTE_H
#define C6_JS_REMOTE_H
#include <stddef.h>
#include "js/script.h"

/* The module at url (spec: the specifier as the script wrote it, for the
 * error). NULL with err set to k6's text when it cannot be had. */
const script_blob *remote_module(script *s, const char *url, const char *spec, char *err, size_t errlen);

#endif
