/* k6's archive format (lib/archive.go): a tar holding
 *   metadata.json   {type, options, filename, pwd, env, compatibilityMode,
 *                    k6version, goos, dependencies}
 *   data            the main script
 *   file/<path>     every local module and open()ed file, by absolute path
 *                   (the main script's own entry a hard link to `data`)
 *   https/<host>/<path>  remote modules
 * Reading fills a script's file cache from it and seals the cache (nothing
 * is then read from disk); writing makes one from the files the first init
 * run read. */
#ifndef C6_JS_ARCHIVE_H
#define C6_JS_ARCHIVE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "config/scenarios.h"
#include "js/script.h"
#include "util/buf.h"

struct cJSON;

typedef struct archive_meta {
    char *options_json; /* metadata.json's "options" (JSON text), NULL if absent */
    c6_kv *env;
    size_t nenv;
    char *compat;    /* compatibilityMode, NULL if absent */
    char *main_path; /* the main script's path in the archive's file tree */
    char *k6version;
} archive_meta;

/* k6's NormalizeAndAnonymizePath for a Unix path: cleaned, and the user
 * name of a home directory (/home/<user>, /Users/<user>) replaced by
 * "nobody". A new string, NULL when memory runs out. */
char *archive_anonymize(const char *path);

/* Reads the archive `data` into s's file cache and m, and seals s.
 * 0, or -1 with err set (k6's texts where it has them). */
int archive_load(const uint8_t *data, size_t len, script *s, archive_meta *m, char *err, size_t errlen);
void archive_meta_free(archive_meta *m);

/* What metadata.json says besides the files. */
typedef struct archive_info {
    const struct cJSON *options; /* options_to_archive_json's object */
    char *const *env;            /* "KEY=VALUE" (later ones win), NULL-terminated */
    bool no_env;                 /* --exclude-env-vars: "env": null */
    const char *compat;          /* compatibilityMode */
} archive_info;

/* The archive of s (after its first init run) into out, as k6 lays it out.
 * 0, or -1 with err set. */
int archive_write(const script *s, const archive_info *info, buf *out, char *err, size_t errlen);

#endif
