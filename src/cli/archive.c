/* `c6 archive` and running an archive (`c6 run|inspect file.tar`), the
 * command side of k6's archives (internal/cmd/archive.go, test_load.go);
 * the format itself is js/archive.c. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>

#include "cli/run.h"
#include "cli/run_ctx.h"
#include "config/options_archive.h"
#include "js/archive.h"
#include "util/tar.h"

int run_archive_main(int argc, char **argv) { return run_main_mode(argc, argv, MODE_ARCHIVE); }

/* The test's __ENV for an archive: the archive's variables, then this
 * run's (system ones when included, then -e) over them, as k6's
 * NewBundleFromArchive copies RuntimeOptions.Env over arc.Env. */
static int run_archive_env(run_ctx *r) {
    size_t n = 0;
    while (r->test.env && r->test.env[n]) n++;
    char **env = calloc(r->arc->nenv + n + 1, sizeof *env);
    if (!env) return -1;
    size_t k = 0;
    for (size_t i = 0; i < r->arc->nenv; i++) {
        size_t l = strlen(r->arc->env[i].key) + strlen(r->arc->env[i].value) + 2;
        if (!(env[k] = malloc(l))) {
            run_free_env(env);
            return -1;
        }
        snprintf(env[k++], l, "%s=%s", r->arc->env[i].key, r->arc->env[i].value);
    }
    for (size_t i = 0; i < n; i++) env[k++] = r->test.env[i];
    free(r->test.env);
    r->test.env = env;
    return 0;
}

int run_archive_open(run_ctx *r, char *path, size_t pathlen, char *err, size_t errlen) {
    const char *type = r->args.test_type;
    if (type && *type && strcmp(type, "archive") != 0) {
        if (strcmp(type, "js") == 0) return 0;
        /* internal/cmd/test_load.go, initializeFirstRunner */
        snprintf(err, errlen, "could not initialize '%s': unknown or unspecified test type '%s' for 'file://%s'",
                 r->args.script, type, path);
        return EXIT_FLAGS;
    }
    uint8_t *data = NULL;
    size_t len = 0;
    const script_blob *in = NULL;
    if (!strcmp(r->args.script, "-")) { /* `c6 run - < file.tar`: read already */
        for (size_t i = 0; i < r->scr.nfiles && !in; i++)
            if (!strcmp(r->scr.files[i]->name, path)) in = r->scr.files[i];
        if (!in) return 0;
    } else if (!(data = script_read_disk(path, &len))) {
        return 0; /* reported by the script's own load */
    }
    const uint8_t *bytes = in ? in->data : data;
    size_t nbytes = in ? in->len : len;
    /* k6 tells an archive by its first tar header, whatever the file's name */
    if (!(type && !strcmp(type, "archive")) && !tar_is_archive(bytes, nbytes)) {
        free(data);
        return 0;
    }
    if (in) { /* the archive read from stdin is no file of the test */
        if (!(data = malloc(nbytes ? nbytes : 1))) {
            snprintf(err, errlen, "out of memory");
            return EXIT_SCRIPT;
        }
        memcpy(data, in->data, nbytes);
        bytes = data;
        script_free(&r->scr);
        script_init(&r->scr);
    }
    int rc = 0;
    char why[1024];
    if (!(r->arc = calloc(1, sizeof *r->arc))) {
        snprintf(err, errlen, "out of memory");
        rc = EXIT_SCRIPT;
    } else if (archive_load(bytes, nbytes, &r->scr, r->arc, why, sizeof why) != 0) {
        /* internal/cmd/test_load.go: "could not load test archive bundle '<url>': <err>" */
        snprintf(err, errlen, "could not initialize '%s': could not load test archive bundle 'file://%s': %s",
                 r->args.script, path, why);
        rc = EXIT_SCRIPT;
    } else if (run_archive_env(r) != 0) {
        snprintf(err, errlen, "out of memory");
        rc = EXIT_SCRIPT;
    } else {
        snprintf(path, pathlen, "%s", r->arc->main_path);
    }
    free(data);
    return rc;
}

void run_archive_free(run_ctx *r) {
    if (!r->arc) return;
    archive_meta_free(r->arc);
    free(r->arc);
    r->arc = NULL;
}

/* After the first init run and the options' consolidation, the archive of
 * what that run read, with the consolidated (not derived) options, as k6's
 * archive command writes it (`c6 archive`, and the coordinator of a
 * distributed run, which ships it to its agents). */
int run_archive_make(run_ctx *r, buf *out, char *err, size_t errlen) {
    cJSON *opts = options_to_archive_json(&r->opts);
    const char *compat = r->args.compatibility_mode;
    if (!compat && r->arc && r->arc->compat) compat = r->arc->compat;
    archive_info info = {.options = opts, .env = r->test.env, .no_env = r->args.exclude_env_vars, .compat = compat};
    int rc = opts ? archive_write(&r->scr, &info, out, err, errlen) : (snprintf(err, errlen, "out of memory"), -1);
    cJSON_Delete(opts);
    return rc;
}

/* `c6 archive`: that archive into -O's file. */
int run_archive_write(run_ctx *r) {
    buf out = {0};
    char err[1024];
    int rc = run_archive_make(r, &out, err, sizeof err);
    if (rc == 0) {
        const char *name = r->args.archive_out ? r->args.archive_out : "archive.tar";
        bool to_stdout = !strcmp(name, "-");
        FILE *f = to_stdout ? stdout : fopen(name, "wb");
        bool ok = f && fwrite(out.p, 1, out.len, f) == out.len;
        int e = errno;
        if (f && (to_stdout ? fflush(f) : fclose(f)) != 0 && ok) ok = false, e = errno;
        if (!ok) { /* Go's os.Create / Write error: "open <name>: <why>", Go's lower-case reason */
            int n = snprintf(err, sizeof err, "open %s: ", name);
            snprintf(err + n, sizeof err - (size_t)n, "%s", strerror(e));
            if (err[n] >= 'A' && err[n] <= 'Z') err[n] = (char)(err[n] - 'A' + 'a');
            rc = -1;
        }
    }
    buf_free(&out);
    if (rc) return run_fail(r, EXIT_FLAGS, err);
    return 0;
}
