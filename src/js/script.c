#include "js/script.h"

#include "js/archive.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

void script_init(script *s) {
    memset(s, 0, sizeof *s);
    pthread_mutex_init(&s->files_lock, NULL);
    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
    pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
    pthread_mutex_init(&s->shared_lock, &attr);
    pthread_mutexattr_destroy(&attr);
}

static void script_free_blobs(script_blob *b, size_t n) {
    for (size_t i = 0; i < n; i++) {
        free(b[i].name);
        free(b[i].data);
    }
    free(b);
}

void script_free(script *s) {
    script_free_blobs(s->mods, s->nmods);
    for (size_t i = 0; i < s->nfiles; i++) {
        free(s->files[i]->name);
        free(s->files[i]->data);
        free(s->files[i]);
    }
    free(s->files);
    free(s->main_path);
    free(s->options_json);
    free(s->load_error);
    for (size_t i = 0; i < s->nexport_fns; i++) free(s->export_fns[i]);
    free(s->export_fns);
    pthread_mutex_destroy(&s->files_lock);
    while (s->shared) {
        shared_array *next = s->shared->next;
        shared_array_free(s->shared);
        s->shared = next;
    }
    pthread_mutex_destroy(&s->shared_lock);
}

void shared_array_free(shared_array *a) {
    if (!a) return;
    free(a->name);
    free(a->off);
    free(a->text);
    free(a);
}

const shared_array *script_shared_find(script *s, const char *name) {
    for (const shared_array *a = s->shared; a; a = a->next)
        if (strcmp(a->name, name) == 0) return a;
    return NULL;
}

void script_shared_add(script *s, shared_array *a) {
    a->next = s->shared;
    s->shared = a;
}

bool script_exports_fn(const script *s, const char *name) {
    for (size_t i = 0; i < s->nexport_fns; i++)
        if (strcmp(s->export_fns[i], name) == 0) return true;
    return false;
}

const script_blob *script_module(const script *s, const char *name) {
    for (size_t i = 0; i < s->nmods; i++)
        if (strcmp(s->mods[i].name, name) == 0) return &s->mods[i];
    return NULL;
}

static script_blob *script_push(script_blob **arr, size_t *n, size_t *cap) {
    if (*n == *cap) {
        size_t c = *cap ? *cap * 2 : 8;
        script_blob *grown = realloc(*arr, c * sizeof **arr);
        if (!grown) return NULL;
        *arr = grown;
        *cap = c;
    }
    return &(*arr)[(*n)++];
}

int script_add_module(script *s, const char *name, uint8_t *bc, size_t len) {
    char *dup = strdup(name);
    script_blob *b = dup ? script_push(&s->mods, &s->nmods, &s->capmods) : NULL;
    if (!b) {
        free(dup);
        return -1;
    }
    b->name = dup;
    b->data = bc;
    b->len = len;
    b->uses_meta = false;
    return 0;
}

size_t script_max_file_size(void) {
    static size_t cached;
    if (!cached) {
        size_t v = SCRIPT_MAX_FILE_SIZE;
        const char *e = getenv("C6_MAX_FILE_SIZE");
        if (e && *e) {
            char *end;
            errno = 0;
            unsigned long long n = strtoull(e, &end, 10);
            if (!errno && !*end && n > 0 && n < SIZE_MAX) v = (size_t)n;
        }
        cached = v;
    }
    return cached;
}

const char *script_read_error(int e, char *buf, size_t n) {
    if (e == EFBIG)
        snprintf(buf, n, "the file is larger than c6's limit of %zu bytes (C6_MAX_FILE_SIZE)", script_max_file_size());
    else snprintf(buf, n, "%s", strerror(e));
    return buf;
}

/* Reads f whole, up to script_max_file_size() bytes (EFBIG beyond it, EISDIR
 * for a directory, ENOMEM when an allocation fails): a regular file's size
 * is known up front; a pipe or a device (stdin, /dev/zero) is read until the
 * limit. The result is NUL-terminated (sources go to the parser as C strings). */
static uint8_t *script_read_stream(FILE *f, size_t *len) {
    size_t limit = script_max_file_size(), cap = 4096, n = 0;
    struct stat st;
    if (fstat(fileno(f), &st) == 0) {
        if (S_ISDIR(st.st_mode)) {
            errno = EISDIR;
            return NULL;
        }
        if (S_ISREG(st.st_mode)) {
            if ((uintmax_t)st.st_size > limit) {
                errno = EFBIG;
                return NULL;
            }
            if ((size_t)st.st_size + 1 > cap) cap = (size_t)st.st_size + 1; /* one read when it does not grow */
        }
    }
    uint8_t *data = malloc(cap);
    if (!data) {
        errno = ENOMEM;
        return NULL;
    }
    size_t r;
    errno = 0;
    while ((r = fread(data + n, 1, cap - n - 1, f)) > 0) {
        n += r;
        if (n > limit) {
            free(data);
            errno = EFBIG;
            return NULL;
        }
        if (n + 1 == cap) {
            size_t c = cap < limit / 2 ? cap * 2 : limit + 2; /* room for limit + 1 bytes and the NUL */
            uint8_t *grown = realloc(data, c);
            if (!grown) {
                free(data);
                errno = ENOMEM;
                return NULL;
            }
            data = grown;
            cap = c;
        }
    }
    if (ferror(f)) { /* keep read(2)'s reason (EISDIR for a directory) */
        int e = errno ? errno : EIO;
        free(data);
        errno = e;
        return NULL;
    }
    data[n] = 0;
    *len = n;
    return data;
}

static uint8_t *script_read(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    uint8_t *data = script_read_stream(f, len);
    int e = errno;
    fclose(f);
    errno = e;
    return data;
}

/* Takes data (frees it on failure); the new entry, or NULL with errno ENOMEM. */
static script_blob *script_cache_add(script *s, const char *path, uint8_t *data, size_t len) {
    if (s->nfiles == s->capfiles) {
        size_t c = s->capfiles ? s->capfiles * 2 : 8;
        script_blob **grown = realloc(s->files, c * sizeof *s->files);
        if (!grown) goto oom;
        s->files = grown;
        s->capfiles = c;
    }
    script_blob *b = malloc(sizeof *b);
    char *name = b ? strdup(path) : NULL;
    if (!name) {
        free(b);
        goto oom;
    }
    s->files[s->nfiles++] = b;
    b->name = name;
    b->data = data;
    b->len = len;
    b->uses_meta = false;
    return b;
oom:
    free(data);
    errno = ENOMEM;
    return NULL;
}

int script_add_stream(script *s, const char *path, FILE *f) {
    size_t len;
    uint8_t *data = script_read_stream(f, &len);
    if (!data) return -1;
    pthread_mutex_lock(&s->files_lock);
    script_blob *b = script_cache_add(s, path, data, len);
    int e = errno;
    pthread_mutex_unlock(&s->files_lock);
    errno = e;
    return b ? 0 : -1;
}

const script_blob *script_open_file(script *s, const char *path) {
    /* an archive's file tree is looked up anonymized, as k6's normalizing
     * "file" file system (lib/archive.go, newNormalizedFs): /home/alice/x
     * finds the archive's /home/nobody/x */
    char *anon = NULL;
    if (s->sealed && path[0] == '/') {
        if (!(anon = archive_anonymize(path))) {
            errno = ENOMEM;
            return NULL;
        }
        path = anon;
    }
    pthread_mutex_lock(&s->files_lock);
    const script_blob *found = NULL;
    for (size_t i = 0; i < s->nfiles && !found; i++)
        if (strcmp(s->files[i]->name, path) == 0) found = s->files[i];
    /* an archive's files only; and only absolute paths are on disk (remote modules are cached by URL) */
    if (!found && (s->sealed || path[0] != '/')) errno = ENOENT;
    if (!found && !s->sealed && path[0] == '/') {
        size_t len;
        uint8_t *data = script_read(path, &len);
        if (data) found = script_cache_add(s, path, data, len);
    }
    int e = errno;
    pthread_mutex_unlock(&s->files_lock);
    free(anon);
    errno = e;
    return found;
}

/* Joins base's directory and a relative name, folding "." and ".." segments. */
char *script_resolve(const char *base, const char *name) {
    char joined[PATH_MAX * 2];
    if (name[0] == '/') {
        snprintf(joined, sizeof joined, "%s", name);
    } else {
        const char *slash = strrchr(base, '/');
        int dirlen = slash ? (int)(slash - base) : 0;
        snprintf(joined, sizeof joined, "%.*s/%s", dirlen, base, name);
    }
    char *out = malloc(strlen(joined) + 2);
    if (!out) return NULL;
    size_t o = 0;
    const char *p = joined;
    while (*p) {
        while (*p == '/') p++;
        const char *e = strchr(p, '/');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (n == 0) break;
        if (n == 1 && p[0] == '.') {
        } else if (n == 2 && p[0] == '.' && p[1] == '.') {
            while (o > 0 && out[o - 1] != '/') o--;
            if (o > 0) o--;
        } else {
            out[o++] = '/';
            memcpy(out + o, p, n);
            o += n;
        }
        p += n;
    }
    if (o == 0) out[o++] = '/';
    out[o] = 0;
    return out;
}

/* For js/archive.c and the config file: a file from disk outside the cache,
 * and a file given by content. */
uint8_t *script_read_disk(const char *path, size_t *len) { return script_read(path, len); }

int script_add_file(script *s, const char *path, const void *data, size_t len) {
    uint8_t *copy = malloc(len + 1);
    if (!copy) return -1;
    if (len) memcpy(copy, data, len);
    copy[len] = 0;
    pthread_mutex_lock(&s->files_lock);
    script_cache_add(s, path, copy, len);
    pthread_mutex_unlock(&s->files_lock);
    return 0;
}
