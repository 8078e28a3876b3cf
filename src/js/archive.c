/* archive.c - see archive.h. Layout and rules from k6's lib/archive.go
 * (ReadArchive, Write, NormalizeAndAnonymizePath) and internal/js/bundle.go
 * (NewBundleFromArchive, makeArchive). */
#include "js/archive.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "config/jsonval.h"
#include "util/err.h"
#include "util/tar.h"
#include "util/url.h"

/* The k6 version whose archive format c6 writes: k6 treats an archive
 * without one as pre-0.21 and rewrites its paths. */
#define ARCHIVE_K6_VERSION "2.2.0"

/* ---- paths ------------------------------------------------------------- */

/* (?i)^(/[a-zA-Z])?/(Users|home|Documents and Settings)/[^/]+ at p: the
 * length of the match; *dir_at and *dir_len: where the directory name is. */
static size_t anon_match(const char *p, size_t *dir_at, size_t *dir_len) {
    static const char *const dirs[] = {"Users", "home", "Documents and Settings"};
    for (int with_volume = 1; with_volume >= 0; with_volume--) {
        size_t off = 0;
        if (with_volume) {
            if (!(p[0] == '/' && isalpha((unsigned char)p[1]) && p[2] == '/')) continue;
            off = 2;
        }
        if (p[off] != '/') continue;
        for (size_t d = 0; d < 3; d++) {
            size_t l = strlen(dirs[d]);
            if (strncasecmp(p + off + 1, dirs[d], l) != 0 || p[off + 1 + l] != '/') continue;
            size_t u = off + 2 + l, e = u;
            while (p[e] && p[e] != '/') e++;
            if (e == u) continue;
            *dir_at = off + 1;
            *dir_len = l;
            return e;
        }
    }
    return 0;
}

char *archive_anonymize(const char *path) {
    char *clean = script_resolve("/", path); /* Go's filepath.Clean for an absolute path */
    if (!clean) return NULL;
    size_t at, dl, m = anon_match(clean, &at, &dl);
    if (!m) return clean;
    size_t rest = strlen(clean + m);
    char *out = malloc(at + dl + 8 + rest + 1);
    if (out) {
        memcpy(out, clean, at + dl); /* "[/X]/home" */
        memcpy(out + at + dl, "/nobody", 7);
        memcpy(out + at + dl + 7, clean + m, rest + 1);
    }
    free(clean);
    return out;
}

/* A path as Go's url.URL.String() writes it (EscapedPath). */
static int archive_escape_path(buf *b, const char *p) {
    static const char hex[] = "0123456789ABCDEF";
    for (; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (isalnum(c) || strchr("-_.~$&+,/:;=@", c)) {
            if (buf_append(b, p, 1)) return -1;
        } else {
            char e[3] = {'%', hex[c >> 4], hex[c & 15]};
            if (buf_append(b, e, 3)) return -1;
        }
    }
    return 0;
}

/* ---- reading ----------------------------------------------------------- */

void archive_meta_free(archive_meta *m) {
    free(m->options_json);
    c6_kv_free(m->env, m->nenv);
    free(m->compat);
    free(m->main_path);
    free(m->k6version);
    memset(m, 0, sizeof *m);
}

/* metadata.json: the fields c6 uses (lib/archive.go, loadMetadataJSON). */
static int archive_metadata(const uint8_t *data, size_t len, archive_meta *m, char *err, size_t errlen) {
    cJSON *root = cJSON_ParseWithLength((const char *)data, len);
    if (!root || !cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return err_set(err, errlen, "metadata.json: not a JSON object");
    }
    int rc = 0;
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(root, "type");
    const cJSON *opts = cJSON_GetObjectItemCaseSensitive(root, "options");
    const cJSON *file = cJSON_GetObjectItemCaseSensitive(root, "filename");
    const cJSON *env = cJSON_GetObjectItemCaseSensitive(root, "env");
    const cJSON *compat = cJSON_GetObjectItemCaseSensitive(root, "compatibilityMode");
    const cJSON *ver = cJSON_GetObjectItemCaseSensitive(root, "k6version");
    if (cJSON_IsString(type) && strcmp(type->valuestring, "js") != 0) {
        rc = err_set(err, errlen, "expected bundle type 'js', got '%s'", type->valuestring);
    } else if (!cJSON_IsString(file) || !file->valuestring[0]) {
        rc = err_set(err, errlen, "metadata.json: no filename");
    } else {
        const char *f = file->valuestring;
        if (!strncmp(f, "file://", 7)) f += 7;
        if (f[0] != '/') {
            rc = err_set(err, errlen, "archive's main script \"%s\" is not a local file: c6 runs those only",
                         file->valuestring);
        } else {
            size_t n = strlen(f);
            char *dec = malloc(n + 1);
            if (dec) dec[url_unescape(dec, n, f, n, 0)] = 0;
            /* k6 looks every path of the archive's file tree up anonymized (its "file"
             * file system is a normalizing one), the main script's too */
            m->main_path = dec ? archive_anonymize(dec) : NULL;
            free(dec);
            if (!m->main_path) rc = err_set(err, errlen, "out of memory");
        }
    }
    if (!rc && opts && !cJSON_IsNull(opts)) m->options_json = cJSON_PrintUnformatted(opts);
    if (!rc && cJSON_IsObject(env)) {
        size_t n = (size_t)cJSON_GetArraySize(env), k = 0;
        m->env = calloc(n ? n : 1, sizeof *m->env);
        const cJSON *it;
        cJSON_ArrayForEach(it, env) {
            if (!m->env || !it->string || !cJSON_IsString(it)) continue;
            m->env[k].key = xstrdup(it->string);
            m->env[k].value = xstrdup(it->valuestring);
            k++;
        }
        m->nenv = k;
    }
    if (!rc && cJSON_IsString(compat)) m->compat = xstrdup(compat->valuestring);
    if (!rc && cJSON_IsString(ver)) m->k6version = xstrdup(ver->valuestring);
    cJSON_Delete(root);
    return rc;
}

typedef struct {
    char *path;
    const uint8_t *data;
    size_t len;
} arc_file;

int archive_load(const uint8_t *data, size_t len, script *s, archive_meta *m, char *err, size_t errlen) {
    tar_reader r;
    tar_reader_init(&r, data, len);
    tar_entry e;
    arc_file *files = NULL;
    size_t nfiles = 0, cap = 0;
    const uint8_t *main_data = NULL;
    size_t main_len = 0;
    bool have_meta = false;
    int rc = 0, got;
    memset(m, 0, sizeof *m);
    while (!rc && (got = tar_next(&r, &e, err, errlen)) == 1) {
        /* only regular files count (Go's TypeReg and TypeRegA); links and directories are skipped */
        if (e.type != '0' && e.type != 0) {
            tar_entry_free(&e);
            continue;
        }
        if (!strcmp(e.name, "metadata.json")) {
            archive_meta_free(m); /* a second one replaces the first */
            rc = archive_metadata(e.data, e.size, m, err, errlen);
            have_meta = true;
        } else if (!strcmp(e.name, "data")) {
            main_data = e.data;
            main_len = e.size;
        } else {
            char *slash = strchr(e.name, '/');
            if (slash) {
                size_t pl = (size_t)(slash - e.name);
                const char *pfx = e.name;
                const char *name = slash;
                bool https = false;
                char *path = NULL;
                /* archives before k6 0.25: files/ and scripts/, "_" marking local files */
                if ((pl == 5 && !strncmp(pfx, "files", 5)) || (pl == 7 && !strncmp(pfx, "scripts", 7))) {
                    https = strncmp(name, "/_", 2) != 0;
                    if (!https) name += 2;
                    pl = https ? 5 : 4;
                    pfx = https ? "https" : "file";
                }
                if (pl == 4 && !strncmp(pfx, "file", 4)) {
                    path = archive_anonymize(name);
                } else if (pl == 5 && !strncmp(pfx, "https", 5)) {
                    char *clean = script_resolve("/", name);
                    if (clean && (path = malloc(strlen(clean) + 8))) sprintf(path, "https:/%s", clean);
                    free(clean);
                } else {
                    rc = err_set(err, errlen, "unknown file prefix `%.*s` for file `%s`", (int)pl, pfx, e.name);
                }
                if (!rc && !path) rc = err_set(err, errlen, "out of memory");
                if (!rc && nfiles == cap) {
                    cap = cap ? cap * 2 : 16;
                    arc_file *g = realloc(files, cap * sizeof *g);
                    if (!g) rc = err_set(err, errlen, "out of memory");
                    else files = g;
                }
                if (!rc) files[nfiles++] = (arc_file){path, e.data, e.size};
                else free(path);
            }
        }
        tar_entry_free(&e);
    }
    if (!rc && got < 0) rc = -1; /* tar_next set err */
    if (!rc && !have_meta) rc = err_set(err, errlen, "metadata.json is missing from the archive");
    /* the main script is `data`, written over whatever the file tree has at its path */
    if (!rc && script_add_file(s, m->main_path, main_data ? main_data : (const uint8_t *)"", main_len))
        rc = err_set(err, errlen, "out of memory");
    for (size_t i = 0; i < nfiles; i++) {
        if (!rc && strcmp(files[i].path, m->main_path) != 0 &&
            script_add_file(s, files[i].path, files[i].data, files[i].len))
            rc = err_set(err, errlen, "out of memory");
        free(files[i].path);
    }
    free(files);
    if (rc) archive_meta_free(m);
    else s->sealed = true;
    return rc;
}

/* ---- writing ----------------------------------------------------------- */

static int by_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static int by_key(const void *a, const void *b) {
    return strcmp((*(cJSON *const *)a)->string, (*(cJSON *const *)b)->string);
}

/* An object's members in key order, as Go marshals a map. */
static void archive_sort_object(cJSON *o) {
    size_t n = (size_t)cJSON_GetArraySize(o), k = 0;
    if (n < 2) return;
    cJSON **v = malloc(n * sizeof *v), *it;
    if (!v) return;
    cJSON_ArrayForEach(it, o) v[k++] = it;
    qsort(v, n, sizeof *v, by_key);
    for (size_t i = 0; i < n; i++) {
        v[i]->prev = i ? v[i - 1] : v[n - 1]; /* cJSON: the first's prev is the last */
        v[i]->next = i + 1 < n ? v[i + 1] : NULL;
    }
    o->child = v[0];
    free(v);
}

/* metadata.json as k6 writes it: Go's two-space indent, env keys sorted
 * (a Go map), a newline at the end. */
static char *archive_metadata_json(const script *s, const archive_info *info, const char *main_anon) {
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "type", "js");
    cJSON_AddItemToObject(root, "options", info->options ? cJSON_Duplicate(info->options, 1) : cJSON_CreateObject());
    buf u = {0}, pwd = {0};
    buf_puts(&u, "file://");
    archive_escape_path(&u, main_anon);
    buf_puts(&pwd, "file://");
    const char *slash = strrchr(main_anon, '/');
    char *dir = strndup(main_anon, slash && slash != main_anon ? (size_t)(slash - main_anon) : 1);
    if (dir) archive_escape_path(&pwd, dir);
    free(dir);
    cJSON_AddStringToObject(root, "filename", u.p ? u.p : "");
    cJSON_AddStringToObject(root, "pwd", pwd.p ? pwd.p : "");
    buf_free(&u);
    buf_free(&pwd);
    if (info->no_env) {
        cJSON_AddNullToObject(root, "env");
    } else { /* later "KEY=VALUE"s win; Go writes a map sorted by key */
        cJSON *env = cJSON_AddObjectToObject(root, "env");
        for (char *const *e = info->env; e && *e; e++) {
            const char *eq = strchr(*e, '=');
            char *key = eq ? strndup(*e, (size_t)(eq - *e)) : NULL;
            if (!key) continue;
            cJSON_DeleteItemFromObjectCaseSensitive(env, key);
            cJSON_AddStringToObject(env, key, eq + 1);
            free(key);
        }
        archive_sort_object(env);
    }
    cJSON_AddStringToObject(root, "compatibilityMode", info->compat ? info->compat : "extended");
    cJSON_AddStringToObject(root, "k6version", ARCHIVE_K6_VERSION);
    cJSON_AddStringToObject(root, "goos", "linux");
    /* what k6 v2.2.0 records for a script without "use k6" directives */
    cJSON *deps = cJSON_AddObjectToObject(root, "dependencies");
    cJSON_AddStringToObject(deps, "k6", "*");
    buf b = {0};
    cfg_json_print_indented(&b, root, 0);
    buf_puts(&b, "\n");
    cJSON_Delete(root);
    (void)s;
    return b.p;
}

/* The files of one tree ("file" or "https"): directories first (every
 * ancestor of a file, the root too), then the files, each list sorted, as
 * k6 walks its in-memory file systems. */
static int archive_tree(buf *out, const char *tree, char **paths, size_t n, const char *main_anon,
                        const uint8_t *const *data, const size_t *lens, int64_t now, bool *linked) {
    if (!n) return 0;
    size_t ndirs = 0, cap = 16;
    char **dirs = malloc(cap * sizeof *dirs);
    int rc = dirs ? 0 : -1;
    for (size_t i = 0; i < n && !rc; i++) {
        for (const char *p = paths[i]; p && !rc; p = strchr(p + 1, '/')) {
            size_t dl = p == paths[i] ? 1 : (size_t)(p - paths[i]);
            if (ndirs == cap) {
                char **g = realloc(dirs, (cap *= 2) * sizeof *g);
                if (!g) {
                    rc = -1;
                    break;
                }
                dirs = g;
            }
            if (!(dirs[ndirs] = strndup(paths[i], dl))) rc = -1;
            else ndirs++;
        }
    }
    if (!rc) qsort(dirs, ndirs, sizeof *dirs, by_str);
    buf name = {0};
    for (size_t i = 0; i < ndirs && !rc; i++) {
        if (i && !strcmp(dirs[i], dirs[i - 1])) continue;
        buf_clear(&name);
        rc = buf_puts(&name, tree) || (strcmp(dirs[i], "/") && buf_puts(&name, dirs[i])) ||
             tar_put(out, name.p, '5', 0755, now, NULL, 0, NULL);
    }
    for (size_t i = 0; i < n && !rc; i++) {
        buf_clear(&name);
        rc = buf_puts(&name, tree) || buf_puts(&name, paths[i]);
        if (rc) break;
        if (main_anon && !strcmp(paths[i], main_anon)) { /* the main script: a hard link to data */
            *linked = true;
            rc = tar_put(out, name.p, '1', 0, 0, NULL, 0, "data");
        } else {
            rc = tar_put(out, name.p, '0', 0644, now, data[i], lens[i], NULL);
        }
    }
    buf_free(&name);
    for (size_t i = 0; i < ndirs; i++) free(dirs[i]);
    free(dirs);
    return rc ? -1 : 0;
}

typedef struct {
    char *path;
    const uint8_t *data;
    size_t len;
} arc_out;

static int by_path(const void *a, const void *b) {
    return strcmp(((const arc_out *)a)->path, ((const arc_out *)b)->path);
}

/* One tree's files from the script's cache, by their path in the tree. */
static int archive_collect(const script *s, bool https, arc_out **out, size_t *n) {
    *out = calloc(s->nfiles ? s->nfiles : 1, sizeof **out);
    *n = 0;
    if (!*out) return -1;
    for (size_t i = 0; i < s->nfiles; i++) {
        const char *name = s->files[i]->name;
        char *path;
        if (https) {
            if (strncmp(name, "https://", 8) != 0) continue;
            path = strdup(name + 7); /* "/host/path" */
        } else {
            if (name[0] != '/') continue;
            path = archive_anonymize(name);
        }
        if (!path) return -1;
        bool dup = false;
        for (size_t j = 0; j < *n && !dup; j++) dup = !strcmp((*out)[j].path, path);
        if (dup) {
            free(path);
            continue;
        }
        (*out)[(*n)++] = (arc_out){path, s->files[i]->data, s->files[i]->len};
    }
    qsort(*out, *n, sizeof **out, by_path);
    return 0;
}

static void archive_collect_free(arc_out *v, size_t n) {
    for (size_t i = 0; i < n; i++) free(v[i].path);
    free(v);
}

static int archive_put_tree(buf *out, const char *tree, const arc_out *v, size_t n, const char *main_anon, int64_t now,
                            bool *linked) {
    char **paths = calloc(n ? n : 1, sizeof *paths);
    const uint8_t **data = calloc(n ? n : 1, sizeof *data);
    size_t *lens = calloc(n ? n : 1, sizeof *lens);
    int rc = paths && data && lens ? 0 : -1;
    for (size_t i = 0; i < n && !rc; i++) paths[i] = v[i].path, data[i] = v[i].data, lens[i] = v[i].len;
    if (!rc) rc = archive_tree(out, tree, paths, n, main_anon, data, lens, now, linked);
    free(paths);
    free(data);
    free(lens);
    return rc;
}

int archive_write(const script *s, const archive_info *info, buf *out, char *err, size_t errlen) {
    const script_blob *main = NULL;
    for (size_t i = 0; i < s->nfiles && !main; i++)
        if (!strcmp(s->files[i]->name, s->main_path)) main = s->files[i];
    if (!main)
        return err_set(err, errlen,
                       "archive creation failed because the main script wasn't present in "
                       "the cached filesystem");
    char *main_anon = archive_anonymize(s->main_path);
    char *meta = main_anon ? archive_metadata_json(s, info, main_anon) : NULL;
    arc_out *files = NULL, *remote = NULL;
    size_t nfiles = 0, nremote = 0;
    int64_t now = (int64_t)time(NULL);
    bool linked = false;
    int rc =
        meta && !archive_collect(s, false, &files, &nfiles) && !archive_collect(s, true, &remote, &nremote) ? 0 : -1;
    if (!rc)
        rc = tar_put(out, "metadata.json", '0', 0644, now, meta, strlen(meta), NULL) ||
             tar_put(out, "data", '0', 0644, now, main->data, main->len, NULL) ||
             archive_put_tree(out, "file", files, nfiles, main_anon, now, &linked) ||
             archive_put_tree(out, "https", remote, nremote, NULL, now, &linked) || tar_finish(out);
    archive_collect_free(files, nfiles);
    archive_collect_free(remote, nremote);
    free(meta);
    free(main_anon);
    if (rc) return err_set(err, errlen, "out of memory");
    if (!linked) /* k6's text (lib/archive.go, Write) */
        return err_set(err, errlen,
                       "archive creation failed because the main script wasn't present in the "
                       "cached filesystem");
    return 0;
}
