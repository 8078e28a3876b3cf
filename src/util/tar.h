/* A tar reader and writer, for k6's archives (js/archive.c).
 *
 * Reads what Go's archive/tar writes (k6 makes its archives with it) and
 * what other tools make of such files: USTAR (with its name prefix), PAX
 * extended headers ('x': path, linkpath, size; 'g' is skipped), GNU long
 * names ('L', 'K'), octal or base-256 numbers, signed or unsigned header
 * checksums. Writes Go's USTAR layout (the fields as Go formats them), a
 * PAX header only for a name USTAR cannot hold.
 *
 * The reader works on the whole archive in memory: entries point into it. */
#ifndef C6_UTIL_TAR_H
#define C6_UTIL_TAR_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "util/buf.h"

enum { TAR_BLOCK = 512 };

typedef struct tar_entry {
    char *name;     /* malloc'd, the full name (PAX path / GNU long name / USTAR prefix applied) */
    char *linkname; /* malloc'd, "" when none */
    char type;      /* '0' a file ('\0' too, as old tars write), '1' hard link, '5' directory, ... */
    int64_t mode, mtime;
    const uint8_t *data; /* size bytes inside the archive */
    size_t size;
} tar_entry;

typedef struct tar_reader {
    const uint8_t *p;
    size_t len, off;
} tar_reader;

void tar_reader_init(tar_reader *r, const void *data, size_t len);
/* The next entry: 1 with e filled (free it with tar_entry_free), 0 at the
 * end of the archive, -1 with err set when the archive is malformed. */
int tar_next(tar_reader *r, tar_entry *e, char *err, size_t errlen);
void tar_entry_free(tar_entry *e);

/* Whether data starts with a tar header (its checksum holds), k6's test
 * for "this is an archive" (internal/cmd/test_load.go, detectTestType). */
bool tar_is_archive(const void *data, size_t len);

/* Appends one entry to out as Go's tar.Writer does: type '0' (data, size),
 * '5' (a directory) or '1' (a hard link to linkname). 0, or -1 when memory
 * runs out. */
int tar_put(buf *out, const char *name, char type, int64_t mode, int64_t mtime, const void *data, size_t size,
            const char *linkname);
/* The end of the archive: two zero blocks. 0 or -1. */
int tar_finish(buf *out);

#endif
