/* The files shipped to a distributed run's agents (see bundle.h). */
#include "dist/bundle.h"

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "cli/run_ctx.h"

#define BUNDLE_MAGIC "C6B1"

static int bundle_put_u(buf *b, uint64_t v, int bytes) {
    uint8_t t[8];
    for (int i = 0; i < bytes; i++) t[i] = (uint8_t)(v >> (8 * (bytes - 1 - i)));
    return buf_append(b, t, (size_t)bytes);
}

static int bundle_put(buf *b, const char *name, const void *data, size_t len) {
    size_t nl = strlen(name);
    return bundle_put_u(b, nl, 4) || buf_append(b, name, nl) || bundle_put_u(b, len, 8) || buf_append(b, data, len);
}

static bool bundle_has(char **names, size_t n, const char *name) {
    for (size_t i = 0; i < n; i++)
        if (!strcmp(names[i], name)) return true;
    return false;
}

/* A module's source, read again from disk (the script keeps bytecode). */
static int bundle_put_file(buf *b, const char *path, char *err, size_t errlen) {
    FILE *f = fopen(path, "rb");
    buf d = {0};
    char tmp[65536];
    size_t k;
    if (!f) {
        snprintf(err, errlen, "cannot read %s for the agents: %s", path, strerror(errno));
        return -1;
    }
    int rc = 0;
    while ((k = fread(tmp, 1, sizeof tmp, f)) > 0 && !rc) rc = buf_append(&d, tmp, k);
    if (ferror(f)) rc = -1;
    fclose(f);
    if (!rc) rc = bundle_put(b, path, d.p, d.len);
    buf_free(&d);
    if (rc) snprintf(err, errlen, "cannot bundle %s for the agents", path);
    return rc;
}

int dist_bundle_make(run_ctx *r, buf *out, char *err, size_t errlen) {
    script *s = &r->scr;
    size_t cap = s->nmods + s->nfiles + 1, n = 0;
    char **names = calloc(cap, sizeof *names);
    if (!names) return -1;
    buf_clear(out);
    int rc = buf_append(out, BUNDLE_MAGIC, 4) || bundle_put_u(out, 0, 4);
    /* the entry script first, then the local modules (jslib copies and
     * other built-ins are in every c6), then the open()ed files */
    if (!rc && (rc = bundle_put_file(out, s->main_path, err, errlen)) == 0) names[n++] = s->main_path;
    for (size_t i = 0; i < s->nmods && !rc; i++) {
        const char *m = s->mods[i].name;
        if (m[0] != '/' || bundle_has(names, n, m) || access(m, R_OK)) continue;
        if ((rc = bundle_put_file(out, m, err, errlen)) == 0) names[n++] = (char *)m;
    }
    pthread_mutex_lock(&s->files_lock);
    for (size_t i = 0; i < s->nfiles && !rc; i++) {
        const script_blob *f = s->files[i];
        if (f->name[0] != '/' || bundle_has(names, n, f->name)) continue;
        if ((rc = bundle_put(out, f->name, f->data, f->len)) == 0) names[n++] = f->name;
    }
    pthread_mutex_unlock(&s->files_lock);
    free(names);
    if (rc) return -1;
    for (int i = 0; i < 4; i++) out->p[4 + i] = (char)(uint8_t)(n >> (8 * (3 - i)));
    return 0;
}

static uint64_t bundle_get_u(const uint8_t *p, int bytes) {
    uint64_t v = 0;
    for (int i = 0; i < bytes; i++) v = v << 8 | p[i];
    return v;
}

/* An absolute name without "." or ".." segments nor NUL: it stays under dir. */
static bool bundle_name_ok(const char *name, size_t len) {
    if (len < 2 || name[0] != '/' || memchr(name, 0, len)) return false;
    for (size_t i = 0; i < len; ) {
        size_t j = i + 1;
        while (j < len && name[j] != '/') j++;
        size_t seg = j - i - 1;
        if (seg == 0 || (seg == 1 && name[i + 1] == '.') || (seg == 2 && name[i + 1] == '.' && name[i + 2] == '.'))
            return false;
        i = j;
    }
    return true;
}

static int bundle_write(const char *path, const uint8_t *data, size_t len) {
    char *dup = strdup(path);
    if (!dup) return -1;
    for (char *p = strchr(dup + 1, '/'); p; p = strchr(p + 1, '/')) {
        *p = 0;
        if (mkdir(dup, 0700) && errno != EEXIST) {
            free(dup);
            return -1;
        }
        *p = '/';
    }
    free(dup);
    FILE *f = fopen(path, "wbx");
    if (!f) return -1;
    int rc = fwrite(data, 1, len, f) == len ? 0 : -1;
    if (fclose(f)) rc = -1;
    return rc;
}

int dist_bundle_open(const uint8_t *data, size_t len, const char *dir, char **main_path, char *err, size_t errlen) {
    *main_path = NULL;
    if (len < 8 || memcmp(data, BUNDLE_MAGIC, 4)) {
        snprintf(err, errlen, "the test bundle is not one this c6 reads");
        return -1;
    }
    uint64_t count = bundle_get_u(data + 4, 4);
    size_t at = 8;
    for (uint64_t i = 0; i < count; i++) {
        if (len - at < 4) goto bad;
        size_t nl = (size_t)bundle_get_u(data + at, 4);
        at += 4;
        if (nl > 4096 || len - at < nl + 8 || !bundle_name_ok((const char *)data + at, nl)) goto bad;
        const char *name = (const char *)data + at;
        at += nl;
        uint64_t dl = bundle_get_u(data + at, 8);
        at += 8;
        if (dl > len - at) goto bad;
        size_t pl = strlen(dir) + nl + 1;
        char *path = malloc(pl);
        if (!path) goto bad;
        snprintf(path, pl, "%s%.*s", dir, (int)nl, name);
        if (bundle_write(path, data + at, (size_t)dl)) {
            snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
            free(path);
            free(*main_path);
            *main_path = NULL;
            return -1;
        }
        at += (size_t)dl;
        if (i == 0) *main_path = path;
        else free(path);
    }
    if (*main_path && at == len) return 0;
bad:
    snprintf(err, errlen, "the test bundle is malformed");
    free(*main_path);
    *main_path = NULL;
    return -1;
}

static int bundle_rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
    (void)st;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

void dist_bundle_remove(const char *dir) {
    nftw(dir, bundle_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}
