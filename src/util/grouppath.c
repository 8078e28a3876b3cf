/* grouppath.c - splitting k6 group paths (see grouppath.h). */
#include "util/grouppath.h"

#include <string.h>

ssize_t group_path_parent(const char *path, group_known_fn known, void *ctx) {
    size_t len = strlen(path);
    if (len == 0) return -1;
    /* the first cut whose last name holds no "::": every later cut is too */
    const char *first = strstr(path, "::"), *p = first;
    while (p && strstr(p + 2, "::")) p = strstr(p + 1, "::");
    if (!p) return 0; /* not a path k6 makes: a top-level name */
    ssize_t lo = p - path, fallback = -1;
    for (ssize_t i = (ssize_t)len - 2; i >= lo; i--) {
        if (path[i] != ':' || path[i + 1] != ':') continue;
        if (fallback < 0) fallback = i;
        if (i == 0 || (known && known(ctx, path, (size_t)i))) return i;
    }
    return fallback;
}

bool group_path_in_list(void *ctx, const char *path, size_t n) {
    const group_path_list *l = ctx;
    for (size_t i = 0; i < l->n; i++)
        if (l->paths[i] && strlen(l->paths[i]) == n && memcmp(l->paths[i], path, n) == 0) return true;
    return false;
}
