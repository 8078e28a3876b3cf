/* The user's script, compiled once. The first init run (on the main thread)
 * compiles the entry module and every local module it imports to bytecode;
 * VUs then load that bytecode instead of parsing the sources again. Files read
 * with open() are cached here too, so 10,000 VUs read a data file once. */
#ifndef C6_SCRIPT_H
#define C6_SCRIPT_H
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct script_blob {
    char *name; /* absolute path (module name or opened file) */
    uint8_t *data;
    size_t len;
    bool uses_meta; /* a module whose source mentions import.meta */
} script_blob;

/* A SharedArray's contents (k6/data): made once per process, read-only
 * afterwards, so every VU on every worker reads it without a lock. */
typedef struct shared_array {
    char *name;
    size_t n;    /* elements */
    size_t *off; /* n offsets into text: element i's JSON, NUL-terminated */
    char *text;
    struct shared_array *next;
} shared_array;

typedef struct script {
    char *main_path;   /* absolute path of the entry module */
    script_blob *mods; /* compiled modules, entry first */
    size_t nmods, capmods;
    pthread_mutex_t files_lock;
    script_blob **files; /* open() cache; entries never move (VUs keep pointers) */
    size_t nfiles, capfiles;
    char *options_json; /* JSON.stringify(options) from the first init run, or NULL */
    int has_setup, has_teardown, has_default, has_handle_summary;
    bool uses_net;           /* the first init run imported a module that opens connections (k6/http, k6/ws, ...) */
    const char *bad_export;  /* "setup" or "teardown" when exported but not a function (k6 refuses it) */
    const char *bad_options; /* "+Inf", "-Inf" or "NaN": a number in the exported options JSON cannot carry */
    bool init_threw;         /* the first init run failed with an exception its code threw (not a compile error) */
    char *load_error;        /* k6's text when an imported module is missing (not a JS exception) */
    char **export_fns;       /* names of the exported functions (a scenario's `exec` must be one) */
    size_t nexport_fns;
    pthread_mutex_t shared_lock; /* recursive: a SharedArray's function may make another */
    shared_array *shared;
    bool sealed; /* running an archive: files come from it only, never from disk */
} script;

void script_init(script *s);
void script_free(script *s);
bool script_exports_fn(const script *s, const char *name);
const script_blob *script_module(const script *s, const char *name);
/* Adds a compiled module: s owns bc from then on; 0, or -1 when out of
 * memory (bc stays the caller's). */
int script_add_module(script *s, const char *name, uint8_t *bc, size_t len);
/* The largest file c6 reads whole (open(), the script and its modules, the
 * config file, stdin with `c6 run -`): SCRIPT_MAX_FILE_SIZE bytes, or the
 * environment's C6_MAX_FILE_SIZE (bytes). k6 has no limit of its own (Go reads
 * until memory runs out); QuickJS's strings stop at 2^30 - 1 bytes anyway. */
#define SCRIPT_MAX_FILE_SIZE ((size_t)512 << 20)
size_t script_max_file_size(void);
/* errno e of a failed read as text for an error message (EFBIG: the limit). */
const char *script_read_error(int e, char *buf, size_t n);
/* Reads a file through the cache; returns NULL and sets errno on failure. */
const script_blob *script_open_file(script *s, const char *path);
/* Reads all of f into the file cache under `path` (`c6 run -` reads the
 * script from stdin this way). 0, or -1 with errno set. */
int script_add_stream(script *s, const char *path, FILE *f);
/* Reads a file from disk, not through the cache (the config file, an
 * archive). NULL with errno set on failure; the data is NUL-terminated. */
uint8_t *script_read_disk(const char *path, size_t *len);
/* Adds a file to the cache by content (an archive's files). 0, or -1. */
int script_add_file(script *s, const char *path, const void *data, size_t len);
/* The SharedArray called name, or NULL. Call with shared_lock held. */
const shared_array *script_shared_find(script *s, const char *name);
/* Adds a (complete) SharedArray; s owns it from then on. Call with shared_lock held. */
void script_shared_add(script *s, shared_array *a);
void shared_array_free(shared_array *a);
/* Resolves `name` imported from module `base` to an absolute path (NULL when
 * out of memory). */
char *script_resolve(const char *base, const char *name);

#endif
