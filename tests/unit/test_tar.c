/* util/tar.c (k6 archives' container) and js/archive.c's path rules. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "js/archive.h"
#include "util/tar.h"

/* A header laid out as Go's archive/tar writes it for k6 (the bytes of the
 * first header of k6 v2.2.0's archive-example.tar, tests/integration/data):
 * mode "0000644\0", size 11 octal digits, checksum 6 digits, NUL, space. */
static void test_header_as_go_writes_it(void **state) {
    (void)state;
    buf b = {0};
    assert_int_equal(tar_put(&b, "metadata.json", '0', 0644, 1796565720, "{}\n", 3, NULL), 0);
    assert_int_equal(b.len, 1024);
    const char *h = b.p;
    assert_memory_equal(h, "metadata.json\0", 14);
    assert_memory_equal(h + 100, "0000644\0", 8);
    assert_memory_equal(h + 108,
                        "0000000\0"
                        "0000000\0",
                        16);
    assert_memory_equal(h + 124, "00000000003\0", 12);
    assert_memory_equal(h + 136, "15305265330\0", 12); /* k6's example: the same time field */
    assert_memory_equal(h + 257,
                        "ustar\0"
                        "00",
                        8);
    assert_memory_equal(h + 329,
                        "0000000\0"
                        "0000000\0",
                        16);
    assert_int_equal(h[154], 0);
    assert_int_equal(h[155], ' ');
    assert_true(tar_is_archive(b.p, b.len));
    buf_free(&b);
}

static void test_round_trip(void **state) {
    (void)state;
    char longname[300];
    /* 120 bytes in a directory: USTAR's prefix; 230 without a slash to cut at: PAX */
    snprintf(
        longname, sizeof longname, "file/%s/mod.js",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
    char flat[240];
    memset(flat, 'b', sizeof flat - 1);
    flat[sizeof flat - 1] = 0;
    memcpy(flat, "file/", 5);
    buf b = {0};
    assert_int_equal(tar_put(&b, "data", '0', 0644, 1, "abc", 3, NULL), 0);
    assert_int_equal(tar_put(&b, "file", '5', 0755, 1, NULL, 0, NULL), 0);
    assert_int_equal(tar_put(&b, longname, '0', 0644, 1, "x", 1, NULL), 0);
    assert_int_equal(tar_put(&b, flat, '0', 0644, 1, "yy", 2, NULL), 0);
    assert_int_equal(tar_put(&b, "file/ünï.js", '0', 0644, 1, "z", 1, NULL), 0); /* not ASCII: PAX */
    assert_int_equal(tar_put(&b, "file/main.js", '1', 0, 0, NULL, 0, "data"), 0);
    assert_int_equal(tar_finish(&b), 0);
    tar_reader r;
    tar_reader_init(&r, b.p, b.len);
    tar_entry e;
    char err[200];
    struct {
        const char *name;
        char type;
        const char *data;
        const char *link;
    } want[] = {
        {"data", '0', "abc", ""}, {"file", '5', "", ""},         {longname, '0', "x", ""},
        {flat, '0', "yy", ""},    {"file/ünï.js", '0', "z", ""}, {"file/main.js", '1', "", "data"},
    };
    for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
        assert_int_equal(tar_next(&r, &e, err, sizeof err), 1);
        assert_string_equal(e.name, want[i].name);
        assert_int_equal(e.type, want[i].type);
        assert_int_equal(e.size, strlen(want[i].data));
        assert_memory_equal(e.data, want[i].data, e.size);
        assert_string_equal(e.linkname, want[i].link);
        tar_entry_free(&e);
    }
    assert_int_equal(tar_next(&r, &e, err, sizeof err), 0);
    buf_free(&b);
}

static void test_malformed(void **state) {
    (void)state;
    buf b = {0};
    assert_int_equal(tar_put(&b, "data", '0', 0644, 1, "abcdef", 6, NULL), 0);
    tar_reader r;
    tar_entry e;
    char err[200];
    tar_reader_init(&r, b.p, 700); /* cut inside the data */
    assert_int_equal(tar_next(&r, &e, err, sizeof err), -1);
    assert_string_equal(err, "unexpected EOF");
    b.p[10] ^= 1; /* the checksum no longer holds */
    tar_reader_init(&r, b.p, b.len);
    assert_int_equal(tar_next(&r, &e, err, sizeof err), -1);
    assert_string_equal(err, "archive/tar: invalid tar header");
    assert_false(tar_is_archive(b.p, b.len));
    assert_false(tar_is_archive("import http from 'k6/http';", 27)); /* shorter than a block: a script */
    buf_free(&b);
}

/* lib/archive.go, NormalizeAndAnonymizePath: cleaned, home user names
 * scrubbed (case-insensitive directory names, an optional "/X" volume). */
static void check_anon(const char *in, const char *want) {
    char *got = archive_anonymize(in);
    assert_non_null(got);
    if (strcmp(got, want) != 0) fail_msg("archive_anonymize(\"%s\") = \"%s\", want \"%s\"", in, got, want);
    free(got);
}

static void test_anonymize(void **state) {
    (void)state;
    check_anon("/home/ann/t/script.js", "/home/nobody/t/script.js");
    check_anon("/Users/ann/script.js", "/Users/nobody/script.js");
    check_anon("/HOME/ann/x", "/HOME/nobody/x");
    check_anon("/c/Documents and Settings/ann/x.js", "/c/Documents and Settings/nobody/x.js");
    check_anon("/srv/k6-example/./lib/../script.js", "/srv/k6-example/script.js");
    check_anon("/srv/home/ann/x.js", "/srv/home/ann/x.js"); /* only at the root (or after a volume) */
    check_anon("/a/home/ann/x.js", "/a/home/nobody/x.js");  /* "/a": what Go reads as a volume */
    check_anon("/home/", "/home");
}

/* Two metadata.json entries: the second one's fields replace the first's
 * (found by fuzz_archive: the first's were leaked; under ASan this leaks
 * without the fix). */
static void test_archive_second_metadata(void **state) {
    (void)state;
    static const char m1[] = "{\"type\":\"js\",\"filename\":\"file:///a/one.js\",\"env\":{\"A\":\"1\"},"
                             "\"compatibilityMode\":\"base\",\"k6version\":\"2.2.0\",\"options\":{\"vus\":1}}";
    static const char m2[] = "{\"type\":\"js\",\"filename\":\"file:///b/two.js\",\"env\":{\"B\":\"2\"},"
                             "\"k6version\":\"2.2.0\"}";
    buf b = {0};
    assert_int_equal(tar_put(&b, "metadata.json", '0', 0644, 1, m1, sizeof m1 - 1, NULL), 0);
    assert_int_equal(tar_put(&b, "data", '0', 0644, 1, "export default function () {}", 29, NULL), 0);
    assert_int_equal(tar_put(&b, "metadata.json", '0', 0644, 1, m2, sizeof m2 - 1, NULL), 0);
    assert_int_equal(tar_put(&b, "file/b/two.js", '1', 0, 0, NULL, 0, "data"), 0);
    assert_int_equal(tar_put(&b, "file/b/x.txt", '0', 0644, 1, "x", 1, NULL), 0);
    assert_int_equal(tar_finish(&b), 0);
    script s;
    script_init(&s);
    archive_meta m;
    char err[200];
    assert_int_equal(archive_load((const uint8_t *)b.p, b.len, &s, &m, err, sizeof err), 0);
    assert_string_equal(m.main_path, "/b/two.js");
    assert_int_equal(m.nenv, 1);
    assert_string_equal(m.env[0].key, "B");
    assert_null(m.compat);
    assert_null(m.options_json);
    assert_true(s.sealed);
    const script_blob *main = script_open_file(&s, "/b/two.js");
    assert_non_null(main);
    assert_int_equal(main->len, 29);
    assert_non_null(script_open_file(&s, "/b/x.txt"));
    assert_null(script_open_file(&s, "/etc/hostname")); /* sealed: never from disk */
    archive_meta_free(&m);
    script_free(&s);
    buf_free(&b);
}

/* An archive whose paths were not anonymized (made by hand, or by an old
 * k6): k6 reads its file tree through a normalizing file system, so the
 * main script and its neighbours are found under /home/nobody. */
static void test_archive_home_paths(void **state) {
    (void)state;
    static const char meta[] = "{\"type\":\"js\",\"filename\":\"file:///home/joe/t/s.js\",\"k6version\":\"2.2.0\"}";
    buf b = {0};
    assert_int_equal(tar_put(&b, "metadata.json", '0', 0644, 1, meta, sizeof meta - 1, NULL), 0);
    assert_int_equal(tar_put(&b, "data", '0', 0644, 1, "main", 4, NULL), 0);
    assert_int_equal(tar_put(&b, "file/home/joe/t/lib.js", '0', 0644, 1, "lib", 3, NULL), 0);
    assert_int_equal(tar_finish(&b), 0);
    script s;
    script_init(&s);
    archive_meta m;
    char err[200];
    assert_int_equal(archive_load((const uint8_t *)b.p, b.len, &s, &m, err, sizeof err), 0);
    assert_string_equal(m.main_path, "/home/nobody/t/s.js");
    assert_non_null(script_open_file(&s, "/home/nobody/t/lib.js"));
    archive_meta_free(&m);
    script_free(&s);
    buf_free(&b);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header_as_go_writes_it),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_anonymize),
        cmocka_unit_test(test_archive_second_metadata),
        cmocka_unit_test(test_archive_home_paths),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
