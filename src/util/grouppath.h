/* grouppath.h - k6's group paths: "" is the root group, "::a::b" the group
 * b inside a (lib.NewGroupPath joins names with "::"). Names cannot contain
 * "::" (k6 refuses them: "group and check names may not contain '::'") but
 * may start or end with ':', so a path is not cut at every "::": group
 * "a:" holding ":b" is "::a::::b". */
#ifndef C6_UTIL_GROUPPATH_H
#define C6_UTIL_GROUPPATH_H
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Whether path[0..n) is a group that ran (the caller's list). */
typedef bool (*group_known_fn)(void *ctx, const char *path, size_t n);

/* The length of path's parent path (0 for a top-level group), or -1 for
 * the root itself. Of the cuts that leave a last name without "::", the
 * longest parent that is a known group wins (the root always is; known may
 * be NULL); when none is known, the longest parent. */
ssize_t group_path_parent(const char *path, group_known_fn known, void *ctx);

/* A known-function over an array of paths (ctx: a group_path_list). */
typedef struct group_path_list {
    const char *const *paths;
    size_t n;
} group_path_list;
bool group_path_in_list(void *ctx, const char *path, size_t n);

#endif
