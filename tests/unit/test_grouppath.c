/* test_grouppath.c - cutting k6 group paths where k6 joined the names
 * (util/grouppath.c), and the group trees built on it: handleSummary's
 * data (output/summary_json.c) and --summary-export (output/export.c).
 * k6 (lib/models.go NewGroup, lib.NewGroupPath) joins names with "::" and
 * refuses names containing "::", so group "a:" holding ":b" has the path
 * "::a::::b": its parent is "::a:", its name ":b". */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "output/export.h"
#include "output/summary_json.h"
#include "util/grouppath.h"

static void test_parent(void **state) {
    (void)state;
    assert_int_equal(group_path_parent("", NULL, NULL), -1);
    assert_int_equal(group_path_parent("::a", NULL, NULL), 0);
    assert_int_equal(group_path_parent("::a::b", NULL, NULL), 3);
    assert_int_equal(group_path_parent("::a:", NULL, NULL), 0);  /* name "a:" */
    assert_int_equal(group_path_parent("::::b", NULL, NULL), 2); /* "b" inside the group named "" */
    const char *ran[] = {"::a:", "::a::::b"};
    group_path_list known = {ran, 2};
    /* "::a::::b": the cut after "::a" would leave "::b" (not a name); of
     * "::a:" + ":b" and "::a::" + "b", the known group wins */
    assert_int_equal(group_path_parent("::a::::b", group_path_in_list, &known), 4);
    const char *ran2[] = {"::a::", "::a::::b"};
    group_path_list known2 = {ran2, 2};
    assert_int_equal(group_path_parent("::a::::b", group_path_in_list, &known2), 5);
}

/* ":b" inside "a:" with a check: both trees nest it once, with k6's names */
static void test_trees(void **state) {
    (void)state;
    const char *ran[] = {"::a:", "::a::::b"};
    summary_check sc[] = {{"ok", "::a::::b", 1, 0}};
    summary_data d = {.checks = sc, .nchecks = 1, .group_paths = ran, .ngroup_paths = 2, .duration_s = 1};
    summary_json_state st = {0};
    char *j = summary_json(&d, &st);
    assert_non_null(j);
    assert_non_null(strstr(j, "\"groups\":[{\"name\":\"a:\",\"path\":\"::a:\""));
    assert_non_null(strstr(j, "\"groups\":[{\"name\":\":b\",\"path\":\"::a::::b\""));
    assert_non_null(strstr(j, "\"name\":\"ok\",\"path\":\"::a::::b::ok\""));
    assert_null(strstr(j, "\"name\":\"a\""));
    free(j);

    export_check ec[] = {{"ok", "::a::::b", 1, 0}};
    export_data e = {.checks = ec, .nchecks = 1, .groups = ran, .ngroups = 2, .duration_s = 1};
    char *x = export_render(&e);
    assert_non_null(x);
    char *a = strstr(x, "\"a:\": {"), *b = strstr(x, "\":b\": {");
    assert_non_null(a);
    assert_non_null(b);
    assert_true(a < b);
    assert_null(strstr(x, "\"a\": {"));
    free(x);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parent),
        cmocka_unit_test(test_trees),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
