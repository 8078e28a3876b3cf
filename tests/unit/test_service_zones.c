/* test_service_zones.c - load zones of the test-run service
 * (src/service/zones.c): the distribution k6 cloud reads
 * (options.cloud.distribution, else options.ext.loadimpact.distribution;
 * Grafana Cloud k6 docs "Use load zones": labels of { loadZone, percent },
 * integer percentages summing to 100) and the segment sequence that splits
 * the VUs by those percentages, each label's share cut evenly between its
 * agents (k6's execution segments, as k6 cloud splits). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec/segment.h"
#include "service/zones.h"

static int parse(const char *json, zone_share *z, char *err) {
    cJSON *o = cJSON_Parse(json);
    assert_non_null(o);
    int n = zones_from_options(o, z, ZONES_MAX, err, 512);
    cJSON_Delete(o);
    return n;
}

static void distribution(void **st) {
    (void)st;
    zone_share z[ZONES_MAX];
    char err[512] = "";
    assert_int_equal(parse("{\"vus\":2}", z, err), 0); /* none asked */
    assert_int_equal(parse("{\"cloud\":{\"distribution\":{\"x\":{\"loadZone\":\"a\",\"percent\":30},"
                           "\"y\":{\"loadZone\":\"b\",\"percent\":70}}}}",
                           z, err),
                     2);
    assert_string_equal(z[0].label, "x");
    assert_string_equal(z[0].zone, "a");
    assert_int_equal(z[0].percent, 30);
    assert_string_equal(z[1].zone, "b");
    /* the older place; options.cloud wins when both are there */
    assert_int_equal(
        parse("{\"ext\":{\"loadimpact\":{\"distribution\":{\"l\":{\"loadZone\":\"old\",\"percent\":100}}}}}", z, err),
        1);
    assert_string_equal(z[0].zone, "old");
    assert_int_equal(
        parse("{\"cloud\":{\"distribution\":{\"l\":{\"loadZone\":\"new\",\"percent\":100}}},"
              "\"ext\":{\"loadimpact\":{\"distribution\":{\"l\":{\"loadZone\":\"old\",\"percent\":100}}}}}",
              z, err),
        1);
    assert_string_equal(z[0].zone, "new");
    /* options.cloud set without a distribution: ext's is not read (k6's pickSource) */
    assert_int_equal(
        parse("{\"cloud\":{\"name\":\"n\"},"
              "\"ext\":{\"loadimpact\":{\"distribution\":{\"l\":{\"loadZone\":\"old\",\"percent\":100}}}}}",
              z, err),
        0);
}

static void refused(void **st) {
    (void)st;
    zone_share z[ZONES_MAX];
    char err[512];
    assert_int_equal(parse("{\"cloud\":{\"distribution\":{\"x\":{\"loadZone\":\"a\",\"percent\":50},"
                           "\"y\":{\"loadZone\":\"b\",\"percent\":40}}}}",
                           z, err),
                     -1);
    assert_string_equal(err, "options.cloud.distribution: the sum of the percentages must equal 100, not 90");
    assert_int_equal(parse("{\"cloud\":{\"distribution\":{\"x\":{\"loadZone\":\"a\",\"percent\":50.5},"
                           "\"y\":{\"loadZone\":\"b\",\"percent\":49.5}}}}",
                           z, err),
                     -1);
    assert_string_equal(err, "options.cloud.distribution.x.percent: must be an integer from 1 to 100");
    assert_int_equal(parse("{\"cloud\":{\"distribution\":{\"x\":{\"percent\":100}}}}", z, err), -1);
    assert_string_equal(err, "options.cloud.distribution.x.loadZone: must be the name of a load zone");
    assert_int_equal(parse("{\"ext\":{\"loadimpact\":{\"distribution\":[]}}}", z, err), -1);
    assert_non_null(strstr(err, "options.ext.loadimpact.distribution: must be an object of labels"));
    assert_int_equal(parse("{\"cloud\":{\"distribution\":{}}}", z, err), -1);
    assert_int_equal(parse("{\"cloud\":3}", z, err), -1);
    assert_string_equal(err, "options.cloud: must be an object");
}

static void sequence(void **st) {
    (void)st;
    zone_share z[2] = {{.label = "x", .zone = "a", .percent = 30}, {.label = "y", .zone = "b", .percent = 70}};
    char seq[256];
    int one[2] = {1, 1}, more[2] = {2, 3};
    assert_int_equal(zones_sequence(z, one, 2, seq, sizeof seq), 0);
    assert_string_equal(seq, "0,3/10,1");
    assert_int_equal(zones_sequence(z, more, 2, seq, sizeof seq), 0);
    assert_string_equal(seq, "0,3/20,3/10,8/15,23/30,1"); /* 15%, 15%, then 70% in thirds */
    /* the split k6's segments give: 10 VUs -> 3 and 7 */
    c6_segment_seq q;
    c6_segment s;
    c6_segment_tuple t;
    char err[256];
    assert_int_equal(c6_segment_seq_parse("0,3/10,1", &q, err, sizeof err), 0);
    assert_int_equal(c6_segment_parse("0:3/10", &s, err, sizeof err), 0);
    assert_int_equal(c6_segment_tuple_new(&s, &q, &t, err, sizeof err), 0);
    assert_int_equal(c6_segment_scale(&t, 10), 3);
    c6_segment_tuple_free(&t);
    assert_int_equal(zones_sequence(z, one, 2, seq, 4), -1); /* does not fit */
    assert_int_equal(zones_vus(10, 30), 3);
    assert_int_equal(zones_vus(5, 30), 2); /* rounded up */
    /* stored and read back */
    char *j = zones_to_json(z, 2);
    assert_non_null(j);
    zone_share back[ZONES_MAX];
    assert_int_equal(zones_from_json(j, back, ZONES_MAX), 2);
    assert_string_equal(back[1].label, "y");
    assert_int_equal(back[1].percent, 70);
    free(j);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(distribution),
        cmocka_unit_test(refused),
        cmocka_unit_test(sequence),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
