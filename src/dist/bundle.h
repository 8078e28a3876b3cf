/* What the coordinator ships to its agents: the script and every local
 * module and open()ed file of the first init run, and how an agent lays them
 * out again. A stand-in for k6's .tar archive (`c6 archive`, being written
 * elsewhere): these two functions are the only place to swap for "make an
 * archive" / "run from an archive". Format: "C6B1", a u32 count, then per
 * file a u32 name length, the absolute name, a u64 length, the bytes (all
 * big-endian); the entry script first. */
#ifndef C6_DIST_BUNDLE_H
#define C6_DIST_BUNDLE_H
#include <stddef.h>
#include <stdint.h>
#include "util/buf.h"

struct run_ctx;

/* After the first init run of r: 0, or -1 with err. */
int dist_bundle_make(struct run_ctx *r, buf *out, char *err, size_t errlen);
/* Writes the bundle's files under dir (each at dir + its absolute name);
 * *main_path (malloc'd) is the entry script there. 0, or -1 with err (a bad
 * bundle: a name not absolute or with "..", lengths past the end). */
int dist_bundle_open(const uint8_t *data, size_t len, const char *dir, char **main_path, char *err, size_t errlen);
/* Removes dir and everything under it. */
void dist_bundle_remove(const char *dir);
#endif
