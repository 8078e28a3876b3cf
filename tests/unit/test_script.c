/* Script helpers: resolving import/open() names against the importing module,
 * the open() file cache and the compiled-module list. */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "js/script.h"

static void check_resolve(const char *base, const char *name, const char *want) {
    char *got = script_resolve(base, name);
    assert_non_null(got);
    if (strcmp(got, want) != 0) fail_msg("script_resolve(\"%s\", \"%s\") = \"%s\", want \"%s\"", base, name, got, want);
    free(got);
}

static void test_resolve_relative(void **state) {
    (void)state;
    check_resolve("/x/y/main.js", "./lib/a.js", "/x/y/lib/a.js");
    check_resolve("/x/y/main.js", "lib/a.js", "/x/y/lib/a.js");
    check_resolve("/x/y/main.js", "./a.js", "/x/y/a.js");
    check_resolve("/x/y/main.js", "../b.js", "/x/b.js");
    check_resolve("/x/y/main.js", "../../b.js", "/b.js");
    check_resolve("/x/y/main.js", "./a/../c.js", "/x/y/c.js");
    check_resolve("/x/y/main.js", "a/b/../../c.js", "/x/y/c.js");
    check_resolve("/x/y/main.js", "./a/./b/./c.js", "/x/y/a/b/c.js");
    check_resolve("/x/y/lib/a.js", "../data/users.json", "/x/y/data/users.json");
    check_resolve("/main.js", "./a.js", "/a.js");
}

static void test_resolve_absolute(void **state) {
    (void)state;
    check_resolve("/x/y/main.js", "/abs/p.js", "/abs/p.js");
    check_resolve("/x/y/main.js", "/abs/../q/./r.js", "/q/r.js");
    check_resolve("/x/y/main.js", "/", "/");
    check_resolve("/x/y/main.js", "//double/lead.js", "/double/lead.js");
}

static void test_resolve_slashes_and_dots(void **state) {
    (void)state;
    check_resolve("/x/y/main.js", "lib//a.js", "/x/y/lib/a.js");
    check_resolve("/x/y/main.js", ".//lib///a.js", "/x/y/lib/a.js");
    check_resolve("/x//y///main.js", "./a.js", "/x/y/a.js");
    check_resolve("/x/y/main.js", "a/b/", "/x/y/a/b");
    check_resolve("/x/y/main.js", "..", "/x");
    check_resolve("/x/y/main.js", ".", "/x/y");
    /* ".." never climbs above the root */
    check_resolve("/x/y/main.js", "../../../../z.js", "/z.js");
    check_resolve("/main.js", "../../..", "/");
    /* names that only start with dots are ordinary */
    check_resolve("/x/y/main.js", "...js", "/x/y/...js");
    check_resolve("/x/y/main.js", ".hidden/a.js", "/x/y/.hidden/a.js");
    check_resolve("/x/y/main.js", "..a/b.js", "/x/y/..a/b.js");
    check_resolve("/x/y/main.js", "a../b.js", "/x/y/a../b.js");
}

static char tmpdir[256];

static int make_tmpdir(void **state) {
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/c6_test_script_XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int remove_tmpdir(void **state) {
    (void)state;
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

static char *tmp_path(const char *name) {
    static char p[4][512];
    static int k;
    k = (k + 1) % 4;
    snprintf(p[k], sizeof p[k], "%s/%s", tmpdir, name);
    return p[k];
}

static void write_file(const char *path, const void *data, size_t len) {
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

static void test_open_file_cache(void **state) {
    (void)state;
    script s;
    script_init(&s);
    const char *path = tmp_path("data.txt");
    write_file(path, "hello\nworld", 11);
    const script_blob *b = script_open_file(&s, path);
    assert_non_null(b);
    assert_int_equal(b->len, 11);
    assert_memory_equal(b->data, "hello\nworld", 11);
    assert_int_equal(b->data[11], 0); /* NUL-terminated for the JS parser */
    assert_string_equal(b->name, path);
    /* second call: the cached blob, even though the file has changed */
    write_file(path, "changed", 7);
    const script_blob *b2 = script_open_file(&s, path);
    assert_ptr_equal(b2, b);
    assert_int_equal(b2->len, 11);
    assert_memory_equal(b2->data, "hello\nworld", 11);
    assert_int_equal(s.nfiles, 1);
    script_free(&s);
}

static void test_open_missing(void **state) {
    (void)state;
    script s;
    script_init(&s);
    errno = 0;
    const char *path = tmp_path("missing.txt");
    assert_null(script_open_file(&s, path));
    assert_int_equal(errno, ENOENT);
    assert_int_equal(s.nfiles, 0); /* failures are not cached... */
    write_file(path, "now here", 8);
    const script_blob *b = script_open_file(&s, path); /* ...so a later open finds it */
    assert_non_null(b);
    assert_int_equal(b->len, 8);
    errno = 0;
    assert_null(script_open_file(&s, tmp_path("nodir/x.js")));
    assert_int_equal(errno, ENOENT);
    /* a directory opens but cannot be read */
    assert_null(script_open_file(&s, tmpdir));
    assert_int_equal(s.nfiles, 1);
    script_free(&s);
}

/* An archive's files are looked up anonymized (k6's lib/archive.go reads an
 * archive's "file" tree through newNormalizedFs, NormalizeAndAnonymizePath
 * on every name): a script that opens /home/alice/p/x.proto finds the
 * archive's /home/nobody/p/x.proto, and nothing comes from disk. */
static void test_open_sealed_anonymized(void **state) {
    (void)state;
    script s;
    script_init(&s);
    assert_int_equal(script_add_file(&s, "/home/nobody/p/x.proto", "syntax", 6), 0);
    s.sealed = true;
    const script_blob *b = script_open_file(&s, "/home/alice/p/./x.proto");
    assert_non_null(b);
    assert_int_equal(b->len, 6);
    assert_ptr_equal(script_open_file(&s, "/home/nobody/p/x.proto"), b);
    errno = 0;
    assert_null(script_open_file(&s, "/home/alice/p/y.proto"));
    assert_int_equal(errno, ENOENT);
    errno = 0;
    assert_null(script_open_file(&s, tmpdir)); /* on disk, not in the archive */
    assert_int_equal(errno, ENOENT);
    assert_int_equal(s.nfiles, 1);
    script_free(&s);
}

static void test_open_sizes(void **state) {
    (void)state;
    script s;
    script_init(&s);
    /* empty, binary with NULs, and sizes around the 4096-byte read buffer */
    write_file(tmp_path("empty"), "", 0);
    const script_blob *b = script_open_file(&s, tmp_path("empty"));
    assert_non_null(b);
    assert_int_equal(b->len, 0);
    assert_int_equal(b->data[0], 0);
    static const size_t sizes[] = {1, 4095, 4096, 4097, 8191, 8192, 100000, 1 << 20};
    for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++) {
        size_t n = sizes[k];
        unsigned char *data = malloc(n);
        for (size_t i = 0; i < n; i++) data[i] = (unsigned char)((i * 131 + k) % 256); /* NULs included */
        char name[32];
        snprintf(name, sizeof name, "bin%zu", n);
        write_file(tmp_path(name), data, n);
        b = script_open_file(&s, tmp_path(name));
        assert_non_null(b);
        assert_int_equal(b->len, n);
        assert_memory_equal(b->data, data, n);
        assert_int_equal(b->data[n], 0);
        free(data);
    }
    script_free(&s);
}

/* Each name is a separate entry: the cache matches whole paths. */
static void test_open_distinct_names(void **state) {
    (void)state;
    script s;
    script_init(&s);
    write_file(tmp_path("a.txt"), "A", 1);
    write_file(tmp_path("ab.txt"), "AB", 2);
    const script_blob *a = script_open_file(&s, tmp_path("a.txt"));
    assert_non_null(a);
    assert_memory_equal(a->data, "A", 1);
    const script_blob *ab = script_open_file(&s, tmp_path("ab.txt"));
    assert_non_null(ab);
    assert_memory_equal(ab->data, "AB", 2);
    assert_int_equal(ab->len, 2);
    assert_ptr_not_equal(a, ab);
    assert_int_equal(s.nfiles, 2);
    const script_blob *a2 = script_open_file(&s, tmp_path("a.txt"));
    assert_int_equal(a2->len, 1);
    assert_memory_equal(a2->data, "A", 1);
    script_free(&s);
}

/* Known bug (see the report): script_open_file returns a pointer into the
 * s->files array, which script_push realloc()s when the cache grows, so a
 * blob pointer handed out earlier dangles once more files are opened. In c6
 * VUs on different worker threads call open() concurrently (vm_open reads
 * f->data after the lock is released), so one VU's open() can free the entry
 * another VU is reading. Regression test: entries are now allocated one by one. */
static void test_open_pointer_stable_across_growth(void **state) {
    (void)state;
    script s;
    script_init(&s);
    write_file(tmp_path("first.txt"), "first", 5);
    const script_blob *first = script_open_file(&s, tmp_path("first.txt"));
    assert_non_null(first);
    for (int i = 0; i < 40; i++) {
        char name[32];
        snprintf(name, sizeof name, "more%d.txt", i);
        write_file(tmp_path(name), name, strlen(name));
        assert_non_null(script_open_file(&s, tmp_path(name)));
    }
    /* the blob handed out first is still readable (ASan: heap-use-after-free,
     * the entry moved with the array) */
    assert_int_equal(first->len, 5);
    assert_memory_equal(first->data, "first", 5);
    /* and the same file again gives the same blob as before */
    const script_blob *again = script_open_file(&s, tmp_path("first.txt"));
    assert_ptr_equal(again, first);
    script_free(&s);
}

typedef struct opener {
    script *s;
    const char *path;
    const script_blob *got;
} opener;

static void *open_many(void *arg) {
    opener *o = arg;
    for (int i = 0; i < 1000; i++) {
        const script_blob *b = script_open_file(o->s, o->path);
        if (!b) return NULL;
        o->got = b;
    }
    return NULL;
}

static void test_open_concurrent_same_file(void **state) {
    (void)state;
    script s;
    script_init(&s);
    write_file(tmp_path("shared.csv"), "id,name\n1,a\n", 12);
    opener o[4];
    pthread_t th[4];
    for (int i = 0; i < 4; i++) {
        o[i] = (opener){&s, tmp_path("shared.csv"), NULL};
        assert_int_equal(pthread_create(&th[i], NULL, open_many, &o[i]), 0);
    }
    for (int i = 0; i < 4; i++) assert_int_equal(pthread_join(th[i], NULL), 0);
    assert_int_equal(s.nfiles, 1); /* read once */
    for (int i = 0; i < 4; i++) {
        assert_non_null(o[i].got);
        assert_ptr_equal(o[i].got, o[0].got);
    }
    assert_int_equal(o[0].got->len, 12);
    script_free(&s);
}

static void test_modules(void **state) {
    (void)state;
    script s;
    script_init(&s);
    assert_null(script_module(&s, "/x/main.js"));
    for (int i = 0; i < 20; i++) {
        char name[32];
        snprintf(name, sizeof name, "/x/m%d.js", i);
        uint8_t *bc = malloc(4);
        memcpy(bc, (uint8_t[]){(uint8_t)i, 1, 2, 3}, 4);
        script_add_module(&s, name, bc, 4);
    }
    assert_int_equal(s.nmods, 20);
    for (int i = 19; i >= 0; i--) {
        char name[32];
        snprintf(name, sizeof name, "/x/m%d.js", i);
        const script_blob *b = script_module(&s, name);
        assert_non_null(b);
        assert_string_equal(b->name, name);
        assert_int_equal(b->len, 4);
        assert_int_equal(b->data[0], i);
    }
    assert_null(script_module(&s, "/x/m20.js"));
    assert_null(script_module(&s, "/x/m1"));
    assert_string_equal(s.mods[0].name, "/x/m0.js"); /* entry first: insertion order */
    script_free(&s);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_resolve_relative),
        cmocka_unit_test(test_resolve_absolute),
        cmocka_unit_test(test_resolve_slashes_and_dots),
        cmocka_unit_test(test_open_file_cache),
        cmocka_unit_test(test_open_missing),
        cmocka_unit_test(test_open_sealed_anonymized),
        cmocka_unit_test(test_open_sizes),
        cmocka_unit_test(test_open_distinct_names),
        cmocka_unit_test(test_open_pointer_stable_across_growth),
        cmocka_unit_test(test_open_concurrent_same_file),
        cmocka_unit_test(test_modules),
    };
    return cmocka_run_group_tests(tests, make_tmpdir, remove_tmpdir);
}
