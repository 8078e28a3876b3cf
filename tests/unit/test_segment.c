/* test_segment.c - execution segments: parsing, k6's striping, scaling and
 * re-cutting. Concrete expectations marked "k6:" are the values k6's own
 * tests (lib/execution_segment_test.go) state. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec/segment.h"

/* ---- helpers ------------------------------------------------------------ */

static c6_segment seg_ok(const char *s) {
    char err[512] = "";
    c6_segment seg;
    if (c6_segment_parse(s, &seg, err, sizeof(err)) != 0) fail_msg("c6_segment_parse(\"%s\") failed: %s", s, err);
    return seg;
}

static c6_segment_seq seq_ok(const char *s) {
    char err[512] = "";
    c6_segment_seq seq;
    if (c6_segment_seq_parse(s, &seq, err, sizeof(err)) != 0)
        fail_msg("c6_segment_seq_parse(\"%s\") failed: %s", s, err);
    return seq;
}

/* Tuple for segment `s` ("" = none) in sequence `q` ("" = none). */
static c6_segment_tuple tuple_ok(const char *s, const char *q) {
    char err[512] = "";
    c6_segment seg = seg_ok(s);
    c6_segment_seq seq = seq_ok(q);
    c6_segment_tuple t;
    if (c6_segment_tuple_new(&seg, &seq, &t, err, sizeof(err)) != 0)
        fail_msg("tuple \"%s\" in \"%s\" failed: %s", s, q, err);
    return t;
}

static const char *seg_str(const c6_segment *seg) {
    static char buf[128];
    c6_segment_format(seg, buf, sizeof(buf));
    return buf;
}

static const char *seq_str(const c6_segment_seq *seq) {
    static char buf[2048];
    c6_segment_seq_format(seq, buf, sizeof(buf));
    return buf;
}

static void expect_seg(const char *in, const char *want) {
    c6_segment seg = seg_ok(in);
    assert_string_equal(seg_str(&seg), want);
    /* k6: the text form parses back to the same segment */
    char again[128];
    strcpy(again, seg_str(&seg));
    c6_segment back = seg_ok(again);
    assert_string_equal(seg_str(&back), want);
}

static void expect_seg_error(const char *in, const char *want) {
    char err[512] = "";
    c6_segment seg = {{7, 1}, {7, 1}};
    assert_int_equal(c6_segment_parse(in, &seg, err, sizeof(err)), -1);
    assert_int_equal(seg.from.num, 7); /* untouched on error */
    if (want) assert_string_equal(err, want);
    else assert_true(strstr(err, in) != NULL); /* at least names the input */
}

static void expect_seq_error(const char *in, const char *want) {
    char err[512] = "";
    c6_segment_seq seq = {.n = 99};
    assert_int_equal(c6_segment_seq_parse(in, &seq, err, sizeof(err)), -1);
    assert_int_equal(seq.n, 99);
    if (want) assert_string_equal(err, want);
    else assert_true(strstr(err, in) != NULL);
}

/* ---- parsing -------------------------------------------------------------- */

static void test_segment_spellings(void **state) {
    (void)state;
    /* k6: TestExecutionSegmentUnmarshalText */
    expect_seg("0:1", "0:1");
    expect_seg("0.5:0.75", "1/2:3/4");
    expect_seg("1/2:3/4", "1/2:3/4");
    expect_seg("50%:75%", "1/2:3/4");
    expect_seg("2/4:75%", "1/2:3/4");
    expect_seg("75%", "0:3/4");
    /* empty = the whole run; a single value ends a segment starting at 0 */
    expect_seg("", "0:1");
    expect_seg("1/4", "0:1/4");
    expect_seg("0.25", "0:1/4");
    expect_seg("25%", "0:1/4");
    expect_seg("1/4:2/4", "1/4:1/2");
    expect_seg("0.25:0.5", "1/4:1/2");
    expect_seg("25%:50%", "1/4:1/2");
    /* Go's big.Rat decimal forms */
    expect_seg(".5", "0:1/2");
    expect_seg("1.", "0:1");
    expect_seg("+0.5:1.0", "1/2:1");
    expect_seg("-0:1", "0:1");
    expect_seg("25e-2:5E-1", "1/4:1/2");
    expect_seg("0.000125e3", "0:1/8");
    expect_seg("0.50000000000000000000000000000000000000000000", "0:1/2");
    expect_seg("00.1:0.200", "1/10:1/5");
    expect_seg("0.123456789012345678", "0:61728394506172839/500000000000000000");
    /* Go's big.Int prefixes in fractions: a leading 0 is octal */
    expect_seg("010/100", "0:2/25");
    expect_seg("0x1/0x4:0b1/0b10", "1/4:1/2");
    expect_seg("0o3/0o10", "0:3/8");
    expect_seg("0/1:1/1", "0:1");
    expect_seg("+1/3:2/3", "1/3:2/3");
}

static void test_segment_errors(void **state) {
    (void)state;
    /* k6: the inputs its tests reject, with k6's messages */
    expect_seg_error("125%", "invalid execution segment \"125%\": "
                             "segment end value can't be more than 1 but was 1.25");
    expect_seg_error("1a5%", "invalid execution segment \"1a5%\": '1a5%' is not a valid percentage");
    expect_seg_error("1a5", "invalid execution segment \"1a5\": '1a5' is not a valid percentage, "
                            "decimal, fraction or interval value");
    expect_seg_error("1a5%:2/3", "invalid execution segment \"1a5%:2/3\": "
                                 "'1a5%' is not a valid percentage");
    expect_seg_error("125%:250%", "invalid execution segment \"125%:250%\": "
                                  "segment end value can't be more than 1 but was 2.50");
    expect_seg_error("55%:50%", "invalid execution segment \"55%:50%\": "
                                "segment start(0.55) must be less than its end(0.50)");
    /* k6: NewExecutionSegment's three checks */
    expect_seg_error("-1:1", "invalid execution segment \"-1:1\": "
                             "segment start value must be at least 0 but was -1.00");
    expect_seg_error("0:2", "invalid execution segment \"0:2\": "
                            "segment end value can't be more than 1 but was 2.00");
    expect_seg_error("1/2:1/3", "invalid execution segment \"1/2:1/3\": "
                                "segment start(0.50) must be less than its end(0.33)");
    expect_seg_error("1/2:1/2", "invalid execution segment \"1/2:1/2\": "
                                "segment start(0.50) must be less than its end(0.50)");
    /* FloatString(2) rounds halves away from zero */
    expect_seg_error("2/3:1/3", "invalid execution segment \"2/3:1/3\": "
                                "segment start(0.67) must be less than its end(0.33)");
    expect_seg_error("1/200:1/400", "invalid execution segment \"1/200:1/400\": "
                                    "segment start(0.01) must be less than its end(0.00)");
    expect_seg_error("-1/200:1", "invalid execution segment \"-1/200:1\": "
                                 "segment start value must be at least 0 but was -0.01");
    expect_seg_error("0", "invalid execution segment \"0\": "
                          "segment start(0.00) must be less than its end(0.00)");
    /* only the first ':' splits, as in k6 */
    expect_seg_error("0:1:1", "invalid execution segment \"0:1:1\": '1:1' is not a valid "
                              "percentage, decimal, fraction or interval value");
    expect_seg_error(":1", "invalid execution segment \":1\": '' is not a valid percentage, "
                           "decimal, fraction or interval value");
    /* percentages are integers; fractions need a positive unsigned divisor */
    expect_seg_error("12.5%", "invalid execution segment \"12.5%\": '12.5%' is not a valid percentage");
    expect_seg_error("%", NULL);
    expect_seg_error("1/0", NULL);
    expect_seg_error("1/-2", NULL);
    expect_seg_error("08/10", NULL); /* 8 is no octal digit */
    expect_seg_error("0x/4", NULL);
    expect_seg_error("1/3/4", NULL);
    expect_seg_error(" 0.5", NULL);
    expect_seg_error("0.5 ", NULL);
    expect_seg_error("1e", NULL);
    expect_seg_error("e5", NULL);
    expect_seg_error(".", NULL);
    expect_seg_error("0..5", NULL);
    expect_seg_error("1/2:abc", "invalid execution segment \"1/2:abc\": 'abc' is not a valid "
                                "percentage, decimal, fraction or interval value");
    /* c6's limit: exact int64 rationals */
    expect_seg_error("1/9223372036854775807:1/9223372036854775806",
                     "invalid execution segment \"1/9223372036854775807:1/9223372036854775806\": "
                     "the values are too precise for c6");
    expect_seg_error("1/99999999999999999999", NULL);
}

static void expect_seq(const char *in, int nsegs, const char *want) {
    c6_segment_seq seq = seq_ok(in);
    assert_int_equal(seq.n, nsegs ? nsegs + 1 : 0);
    assert_string_equal(seq_str(&seq), want);
}

static void test_sequence_parse(void **state) {
    (void)state;
    /* k6: TestExecutionSegmentStringSequences */
    expect_seq("", 0, "");
    expect_seq("0.5,1", 1, "1/2,1");
    expect_seq("1/2,1", 1, "1/2,1");
    expect_seq("1/3,2/3", 1, "1/3,2/3");
    expect_seq("0,1/3,2/3", 2, "0,1/3,2/3");
    expect_seq("0,1/3,2/3,1", 3, "0,1/3,2/3,1");
    expect_seq("0.5,0.7", 1, "1/2,7/10");
    expect_seq("0.5,0.7,1", 2, "1/2,7/10,1");
    expect_seq("0,1/13,2/13,1/3,1/2,3/4,1", 6, "0,1/13,2/13,1/3,1/2,3/4,1");
    expect_seq("0,25%,0.5,3/4,1", 4, "0,1/4,1/2,3/4,1");

    expect_seq_error("0.5", "invalid execution segment sequence \"0.5\": "
                            "at least 2 points are needed for an execution segment sequence, 1 given");
    expect_seq_error("1,1", "invalid execution segment sequence \"1,1\": "
                            "segment start(1.00) must be less than its end(1.00)");
    expect_seq_error("-0.5,1", "invalid execution segment sequence \"-0.5,1\": "
                               "segment start value must be at least 0 but was -0.50");
    expect_seq_error("1/2,1/2", NULL);
    expect_seq_error("1/2,1/3", NULL);
    expect_seq_error("0,1,1/2", "invalid execution segment sequence \"0,1,1/2\": "
                                "segment start(1.00) must be less than its end(0.50)");
    expect_seq_error("0,1/2,3/2", "invalid execution segment sequence \"0,1/2,3/2\": "
                                  "segment end value can't be more than 1 but was 1.50");
    expect_seq_error("0,,1", "invalid execution segment sequence \"0,,1\": '' is not a valid "
                             "percentage, decimal, fraction or interval value");
    expect_seq_error("0,1,", NULL);
    /* k6 checks each pair before parsing the next point */
    expect_seq_error("1/2,1/3,x", "invalid execution segment sequence \"1/2,1/3,x\": "
                                  "segment start(0.50) must be less than its end(0.33)");

    char big[1024] = "0";
    for (int i = 1; i < C6_SEGMENT_MAX_POINTS; i++)
        snprintf(big + strlen(big), sizeof(big) - strlen(big), ",%d/67", i); /* 67: prime */
    expect_seq(big, C6_SEGMENT_MAX_POINTS - 1, big);
    strcat(big, ",1");
    char err[512];
    c6_segment_seq seq;
    assert_int_equal(c6_segment_seq_parse(big, &seq, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "65 points given, c6 takes at most 64"));
}

static void test_format_truncates(void **state) {
    (void)state;
    c6_segment_seq seq = seq_ok("0,1/13,2/13,1");
    char buf[8];
    assert_int_equal(c6_segment_seq_format(&seq, buf, sizeof(buf)), strlen("0,1/13,2/13,1"));
    assert_string_equal(buf, "0,1/13,");
    c6_segment seg = seg_ok("1/13:2/13");
    assert_int_equal(c6_segment_format(&seg, buf, 5), strlen("1/13:2/13"));
    assert_string_equal(buf, "1/13");
    assert_int_equal(c6_segment_format(&seg, NULL, 0), 9);
}

/* ---- tuples: k6's own numbers --------------------------------------------- */

static void test_tuple_scale_k6(void **state) {
    (void)state;
    /* k6: TestExecutionTupleScale */
    const char *seqs[] = {"", "0,0.5,1"};
    for (int i = 0; i < 2; i++) {
        c6_segment_tuple t = tuple_ok("0.5", seqs[i]);
        assert_int_equal(c6_segment_scale(&t, 2), 1);
        assert_int_equal(c6_segment_scale(&t, 3), 2);
        c6_segment_tuple_free(&t);
        t = tuple_ok("0.5:1.0", seqs[i]);
        assert_int_equal(c6_segment_scale(&t, 2), 1);
        assert_int_equal(c6_segment_scale(&t, 3), 1);
        c6_segment_tuple_free(&t);
    }
    /* k6: TestBigScale */
    c6_segment_tuple t = tuple_ok("0:7/20", "0,7/20,7/10,1");
    assert_int_equal(c6_segment_scale(&t, 50), 18);
    c6_segment_tuple_free(&t);

    /* k6: TestNewExecutionTuple scaleTests */
    static const struct {
        const char *seg, *seq;
        int64_t v[5], want[5];
    } cases[] = {
        {"", "", {50, 1, 0, 0, 0}, {50, 1, 0, 0, 0}},
        {"0:1", "", {50, 1, 0, 0, 0}, {50, 1, 0, 0, 0}},
        {"0:1", "0,1", {50, 1, 0, 0, 0}, {50, 1, 0, 0, 0}},
        {"0:1/3", "0,1/3,2/3,1", {50, 3, 2, 1, 0}, {17, 1, 1, 1, 0}},
        {"1/3:2/3", "0,1/3,2/3,1", {50, 3, 2, 1, 0}, {17, 1, 1, 0, 0}},
        {"2/3:1", "0,1/3,2/3,1", {50, 3, 2, 1, 0}, {16, 1, 0, 0, 0}},
    };
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        t = tuple_ok(cases[c].seg, cases[c].seq);
        for (int i = 0; i < 5; i++) assert_int_equal(c6_segment_scale(&t, cases[c].v[i]), cases[c].want[i]);
        c6_segment_tuple_free(&t);
    }
}

static void test_striped_offsets_k6(void **state) {
    (void)state;
    /* k6: TestGetStripedOffsets, every row */
    static const struct {
        const char *seq, *seg;
        int64_t start, lcd;
        int n;
        int64_t off[4];
    } rows[] = {
        {"0,0.3,0.5,0.6,0.7,0.8,0.9,1", "0:0.3", 0, 10, 3, {4, 3, 3}},
        {"0,0.3,0.5,0.6,0.7,0.8,0.9,1", "0.3:0.5", 1, 10, 2, {4, 6}},
        {"0,0.3,0.5,0.6,0.7,0.8,0.9,1", "0.5:0.6", 2, 10, 1, {10}},
        {"0,0.3,0.5,0.6,0.7,0.8,0.9,1", "0.6:0.7", 3, 10, 1, {10}},
        {"0,0.3,0.5,0.6,0.7,0.8,0.9,1", "0.8:0.9", 8, 10, 1, {10}},
        {"0,0.3,0.5,0.6,0.7,0.8,0.9,1", "0.9:1", 9, 10, 1, {10}},
        {"0,0.2,0.5,0.6,0.7,0.8,0.9,1", "0.9:1", 9, 10, 1, {10}},
        {"0,0.2,0.5,0.6,0.7,0.8,0.9,1", "0:0.2", 1, 10, 2, {4, 6}},
        {"0,0.2,0.5,0.6,0.7,0.8,0.9,1", "0.6:0.7", 3, 10, 1, {10}},
        {"0,0.2,0.5", "0:0.2", 3, 10, 2, {6, 4}},
        {"0,0.2,0.5", "0.2:0.5", 1, 10, 3, {4, 2, 4}},
        {"0,2/5,4/5", "0:2/5", 0, 5, 2, {3, 2}},
        {"0,2/5,4/5", "2/5:4/5", 1, 5, 2, {3, 2}},
        {"", "0:0.2", 1, 5, 1, {5}},
        {"", "0:1/5", 1, 5, 1, {5}},
        {"", "0:2/10", 1, 5, 1, {5}},
        {"", "0:0.4", 1, 5, 2, {2, 3}},
        {"", "0:2/5", 1, 5, 2, {2, 3}},
        {"", "2/5:4/5", 1, 5, 2, {3, 2}},
        {"", "0:4/10", 1, 5, 2, {2, 3}},
        {"", "1/10:5/10", 1, 10, 4, {2, 2, 4, 2}},
    };
    for (size_t r = 0; r < sizeof(rows) / sizeof(rows[0]); r++) {
        c6_segment_tuple t = tuple_ok(rows[r].seg, rows[r].seq);
        int64_t start = -1, lcd = -1, off[8] = {0};
        int64_t n = c6_segment_striped(&t, &start, off, 8, &lcd);
        if (start != rows[r].start || lcd != rows[r].lcd || n != rows[r].n)
            fail_msg("row %zu (%s in %s): start %lld lcd %lld n %lld", r, rows[r].seg, rows[r].seq, (long long)start,
                     (long long)lcd, (long long)n);
        for (int i = 0; i < rows[r].n; i++) assert_int_equal(off[i], rows[r].off[i]);
        c6_segment_tuple_free(&t);
    }
    /* offsets[] is only filled up to cap */
    c6_segment_tuple t = tuple_ok("0:0.3", "0,0.3,0.5,0.6,0.7,0.8,0.9,1");
    int64_t start, lcd, off[2] = {-1, -1};
    assert_int_equal(c6_segment_striped(&t, &start, off, 1, &lcd), 3);
    assert_int_equal(off[0], 4);
    assert_int_equal(off[1], -1);
    c6_segment_tuple_free(&t);
}

static void test_lcd_k6(void **state) {
    (void)state;
    /* k6: TestSequenceLCD */
    static const struct {
        const char *seq, *seg;
        int64_t lcd;
    } rows[] = {
        {"0,0.3,0.5,0.6,0.7,0.8,0.9,1", "0:0.3", 10},
        {"0,0.1,0.5,0.6,0.7,0.8,0.9,1", "0:0.1", 10},
        {"0,0.2,0.5,0.6,0.7,0.8,0.9,1", "0:0.2", 10},
        {"0,1/3,5/6", "0:1/3", 6},
        {"0,1/3,4/7", "0:1/3", 21},
    };
    for (size_t r = 0; r < sizeof(rows) / sizeof(rows[0]); r++) {
        c6_segment_tuple t = tuple_ok(rows[r].seg, rows[r].seq);
        assert_int_equal(t.lcd, rows[r].lcd);
        c6_segment_tuple_free(&t);
    }
}

static void test_tuple_sequence_rules(void **state) {
    (void)state;
    char err[512];
    c6_segment seg = seg_ok("1/4:1/2");
    c6_segment_seq seq = seq_ok("0,1/3,1");
    c6_segment_tuple t;
    /* k6's options check: the segment must be a consecutive pair of the
     * sequence as given */
    assert_int_equal(c6_segment_tuple_new(&seg, &seq, &t, err, sizeof(err)), -1);
    assert_string_equal(err, "provided segment 1/4:1/2 can't be found in sequence 0,1/3,1");
    /* ...even when filling the sequence with 1 would produce it */
    seg = seg_ok("1/2:1");
    seq = seq_ok("0,1/2");
    assert_int_equal(c6_segment_tuple_new(&seg, &seq, &t, err, sizeof(err)), -1);
    assert_string_equal(err, "provided segment 1/2:1 can't be found in sequence 0,1/2");
    /* no segment is 0:1, which a real split does not contain */
    seq = seq_ok("0,1/2,1");
    assert_int_equal(c6_segment_tuple_new(NULL, &seq, &t, err, sizeof(err)), -1);
    assert_string_equal(err, "provided segment 0:1 can't be found in sequence 0,1/2,1");

    /* A partial sequence is filled with 0 and 1 */
    t = tuple_ok("1/4:1/2", "1/4,1/2");
    assert_string_equal(seq_str(&t.seq), "0,1/4,1/2,1");
    assert_int_equal(t.index, 1);
    assert_string_equal(seg_str(&t.seg), "1/4:1/2");
    c6_segment_tuple_free(&t);
    /* Without a sequence: the segment's points plus 0 and 1 */
    t = tuple_ok("1/4:1/2", "");
    assert_string_equal(seq_str(&t.seq), "0,1/4,1/2,1");
    assert_int_equal(t.index, 1);
    c6_segment_tuple_free(&t);
    t = tuple_ok("0:1/2", "");
    assert_string_equal(seq_str(&t.seq), "0,1/2,1");
    assert_int_equal(t.index, 0);
    c6_segment_tuple_free(&t);
    t = tuple_ok("", "");
    assert_string_equal(seq_str(&t.seq), "0,1");
    assert_int_equal(c6_segment_scale(&t, 12345), 12345);
    c6_segment_tuple_free(&t);
    assert_int_equal(c6_segment_tuple_new(NULL, NULL, &t, err, sizeof(err)), 0);
    assert_int_equal(t.lcd, 1);
    assert_int_equal(c6_segment_global(&t, 41), 41);
    c6_segment_tuple_free(&t);

    /* c6's limit on the common denominator */
    seq = seq_ok("0,1/16777217,1");
    seg = seg_ok("0:1/16777217");
    assert_int_equal(c6_segment_tuple_new(&seg, &seq, &t, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "common denominator"));
}

static void test_new_tuple_from_value_k6(void **state) {
    (void)state;
    char err[512];
    c6_segment_tuple t, n;
    /* k6: TestGetNewExecutionTupleBesedOnValue */
    t = tuple_ok("0:1/3", "0,1/3,2/3,1");
    assert_int_equal(c6_segment_tuple_from_value(&t, 20, &n, err, sizeof(err)), 0);
    assert_string_equal(seq_str(&n.seq), "0,7/20,7/10,1");
    assert_string_equal(seg_str(&n.seg), "0:7/20");
    c6_segment_tuple_free(&n);
    c6_segment_tuple_free(&t);

    /* k6: TestNewExecutionTuple newScaleTests; want < 0 = error */
    static const struct {
        const char *seg, *seq;
        int64_t value, s50, s1;
    } rows[] = {
        {"", "", 50, 50, 1},
        {"", "", 1, 50, 1},
        {"", "", 0, -1, -1},
        {"0:1", "0,1", 50, 50, 1},
        {"0:1", "0,1", 1, 50, 1},
        {"0:1", "0,1", 0, -1, -1},
        {"0:1/3", "0,1/3,2/3,1", 50, 17, 1},
        {"0:1/3", "0,1/3,2/3,1", 20, 18, 1},
        {"0:1/3", "0,1/3,2/3,1", 3, 17, 1},
        {"0:1/3", "0,1/3,2/3,1", 2, 25, 1},
        {"0:1/3", "0,1/3,2/3,1", 1, 50, 1},
        {"0:1/3", "0,1/3,2/3,1", 0, -1, -1},
        {"1/3:2/3", "0,1/3,2/3,1", 50, 17, 0},
        {"1/3:2/3", "0,1/3,2/3,1", 20, 17, 0},
        {"1/3:2/3", "0,1/3,2/3,1", 3, 17, 0},
        {"1/3:2/3", "0,1/3,2/3,1", 2, 25, 0},
        {"1/3:2/3", "0,1/3,2/3,1", 1, -1, -1},
        {"1/3:2/3", "0,1/3,2/3,1", 0, -1, -1},
        {"2/3:1", "0,1/3,2/3,1", 50, 16, 0},
        {"2/3:1", "0,1/3,2/3,1", 20, 15, 0},
        {"2/3:1", "0,1/3,2/3,1", 3, 16, 0},
        {"2/3:1", "0,1/3,2/3,1", 2, -1, -1},
        {"2/3:1", "0,1/3,2/3,1", 1, -1, -1},
        {"2/3:1", "0,1/3,2/3,1", 0, -1, -1},
    };
    for (size_t r = 0; r < sizeof(rows) / sizeof(rows[0]); r++) {
        t = tuple_ok(rows[r].seg, rows[r].seq);
        int rc = c6_segment_tuple_from_value(&t, rows[r].value, &n, err, sizeof(err));
        if (rows[r].s50 < 0) {
            if (rc != -1) fail_msg("row %zu: expected an error", r);
        } else {
            if (rc != 0) fail_msg("row %zu: %s", r, err);
            assert_int_equal(c6_segment_scale(&n, 50), rows[r].s50);
            assert_int_equal(c6_segment_scale(&n, 1), rows[r].s1);
            assert_int_equal(c6_segment_scale(&n, 0), 0);
            c6_segment_tuple_free(&n);
        }
        c6_segment_tuple_free(&t);
    }

    t = tuple_ok("0:1/3", "0,1/3,2/3,1");
    assert_int_equal(c6_segment_tuple_from_value(&t, 0, &n, err, sizeof(err)), -1);
    assert_string_equal(err, "cannot generate new sequence for value 0");
    c6_segment_tuple_free(&t);
    t = tuple_ok("2/3:1", "0,1/3,2/3,1");
    assert_int_equal(c6_segment_tuple_from_value(&t, 2, &n, err, sizeof(err)), -1);
    assert_string_equal(err, "segment 2 (2/3:1) isn't present in the new sequence");
    /* 2 of 2 units go to 0:1/3 and 1/3:2/3: the new cut is halves */
    c6_segment_tuple u = tuple_ok("1/3:2/3", "0,1/3,2/3,1");
    assert_int_equal(c6_segment_tuple_from_value(&u, 2, &n, err, sizeof(err)), 0);
    assert_string_equal(seq_str(&n.seq), "0,1/2,1");
    assert_string_equal(seg_str(&n.seg), "1/2:1");
    assert_int_equal(n.index, 1);
    c6_segment_tuple_free(&n);
    c6_segment_tuple_free(&u);
    c6_segment_tuple_free(&t);
}

static void expect_index(const c6_segment_index *ix, int64_t unscaled, int64_t scaled) {
    assert_int_equal(ix->unscaled, unscaled);
    assert_int_equal(ix->scaled, scaled);
}

static void test_segmented_index_k6(void **state) {
    (void)state;
    /* k6: TestSegmentedIndex "half" (start 0, lcd 2, offsets {2}) */
    c6_segment_tuple t = tuple_ok("0:1/2", "0,1/2,1");
    c6_segment_index ix;
    c6_segment_index_init(&ix, &t);
    c6_segment_index_next(&ix);
    expect_index(&ix, 1, 1);
    c6_segment_index_prev(&ix);
    expect_index(&ix, 0, 0);
    c6_segment_index_next(&ix);
    expect_index(&ix, 1, 1);
    c6_segment_index_next(&ix);
    expect_index(&ix, 3, 2);
    c6_segment_index_next(&ix);
    expect_index(&ix, 5, 3);
    c6_segment_index_prev(&ix);
    expect_index(&ix, 3, 2);
    c6_segment_index_prev(&ix);
    expect_index(&ix, 1, 1);
    c6_segment_index_prev(&ix);
    expect_index(&ix, 0, 0);
    c6_segment_index_prev(&ix);
    expect_index(&ix, 0, 0); /* stays at 0 */
    c6_segment_tuple_free(&t);

    /* k6: "the other half" (start 1, lcd 2, offsets {2}) */
    t = tuple_ok("1/2:1", "0,1/2,1");
    c6_segment_index_init(&ix, &t);
    c6_segment_index_next(&ix);
    expect_index(&ix, 2, 1);
    c6_segment_index_prev(&ix);
    expect_index(&ix, 0, 0);
    c6_segment_index_next(&ix);
    expect_index(&ix, 2, 1);
    c6_segment_index_next(&ix);
    expect_index(&ix, 4, 2);
    c6_segment_index_next(&ix);
    expect_index(&ix, 6, 3);
    c6_segment_index_prev(&ix);
    expect_index(&ix, 4, 2);
    c6_segment_tuple_free(&t);

    /* k6: "strange" (start 1, lcd 7, offsets {4, 3}): that is the 2/7 segment
     * of a 4/7, 2/7, 1/7 split. */
    t = tuple_ok("4/7:6/7", "0,4/7,6/7,1");
    int64_t start, lcd, off[2];
    assert_int_equal(c6_segment_striped(&t, &start, off, 2, &lcd), 2);
    assert_int_equal(start, 1);
    assert_int_equal(lcd, 7);
    assert_int_equal(off[0], 4);
    assert_int_equal(off[1], 3);
    c6_segment_index_init(&ix, &t);
    c6_segment_index_next(&ix);
    expect_index(&ix, 2, 1);
    c6_segment_index_prev(&ix);
    expect_index(&ix, 0, 0);
    c6_segment_index_next(&ix);
    expect_index(&ix, 2, 1);
    c6_segment_index_next(&ix);
    expect_index(&ix, 6, 2);
    c6_segment_index_next(&ix);
    expect_index(&ix, 9, 3);
    c6_segment_index_prev(&ix);
    expect_index(&ix, 6, 2);
    c6_segment_index_prev(&ix);
    expect_index(&ix, 2, 1);
    c6_segment_index_prev(&ix);
    expect_index(&ix, 0, 0);
    c6_segment_index_next(&ix);
    expect_index(&ix, 2, 1);
    c6_segment_index_goto(&ix, 6);
    expect_index(&ix, 6, 2);
    c6_segment_index_goto(&ix, 5);
    expect_index(&ix, 2, 1);
    c6_segment_index_goto(&ix, 7);
    expect_index(&ix, 6, 2);
    c6_segment_index_goto(&ix, 8);
    expect_index(&ix, 6, 2);
    c6_segment_index_goto(&ix, 9);
    expect_index(&ix, 9, 3);
    c6_segment_index_prev(&ix);
    expect_index(&ix, 6, 2);
    c6_segment_index_prev(&ix);
    expect_index(&ix, 2, 1);
    c6_segment_index_prev(&ix);
    expect_index(&ix, 0, 0);
    c6_segment_index_goto(&ix, 0);
    expect_index(&ix, 0, 0);
    c6_segment_index_goto(&ix, 700);
    expect_index(&ix, 699, 200); /* 100 whole cycles */
    c6_segment_tuple_free(&t);
}

/* ---- properties over whole sequences ---------------------------------------- */

#define TOTAL 1000

/* Every segment of `q` as a tuple: scales sum to the total for 0..TOTAL and
 * never shrink as the total grows; the iterations global(0), global(1), ...
 * of all segments cover 0..N-1 exactly once; and they are interleaved: of
 * any first x iterations a segment has less than one more than its exact
 * share x * length, and less than (segments - 1) fewer (bigger segments are
 * served first when several are due, so a small one can lag a little). */
static void check_sequence(const char *q) {
    c6_segment_seq seq = seq_ok(q);
    int nseg = seq.n - 1;
    c6_segment_tuple t[C6_SEGMENT_MAX_POINTS];
    double len[C6_SEGMENT_MAX_POINTS];
    for (int i = 0; i < nseg; i++) {
        char err[512];
        c6_segment seg = {seq.pt[i], seq.pt[i + 1]};
        if (c6_segment_tuple_new(&seg, &seq, &t[i], err, sizeof(err))) fail_msg("%s: %s", q, err);
        c6_rat l = c6_segment_length(&seg);
        len[i] = (double)l.num / (double)l.den;
    }

    int64_t prev[C6_SEGMENT_MAX_POINTS] = {0};
    for (int64_t total = 0; total <= TOTAL; total++) {
        int64_t sum = 0;
        for (int i = 0; i < nseg; i++) {
            int64_t s = c6_segment_scale(&t[i], total);
            if (s < prev[i]) fail_msg("%s: segment %d shrinks at %lld", q, i, (long long)total);
            prev[i] = s;
            sum += s;
        }
        if (sum != total) fail_msg("%s: scales sum to %lld for %lld", q, (long long)sum, (long long)total);
    }

    double lag_max = nseg > 1 ? nseg - 1 : 1;
    static signed char owner[TOTAL];
    memset(owner, -1, sizeof(owner));
    for (int i = 0; i < nseg; i++) {
        int64_t k = 0, g, last = -1;
        for (; (g = c6_segment_global(&t[i], k)) < TOTAL; k++) {
            if (g <= last) fail_msg("%s: segment %d not increasing at %lld", q, i, (long long)k);
            if (owner[g] != -1) fail_msg("%s: iteration %lld in segments %d and %d", q, (long long)g, owner[g], i);
            owner[g] = (signed char)i;
            last = g;
        }
        assert_int_equal(k, c6_segment_scale(&t[i], TOTAL));
    }
    int64_t seen[C6_SEGMENT_MAX_POINTS] = {0};
    for (int64_t g = 0; g < TOTAL; g++) {
        if (owner[g] < 0) fail_msg("%s: iteration %lld in no segment", q, (long long)g);
        seen[owner[g]]++;
        for (int i = 0; i < nseg; i++) {
            double off = (double)seen[i] - (double)(g + 1) * len[i];
            if (off >= 1 || off <= -lag_max)
                fail_msg("%s: segment %d has %lld of the first %lld iterations (%.2f expected)", q, i,
                         (long long)seen[i], (long long)g + 1, (double)(g + 1) * len[i]);
        }
    }
    for (int i = 0; i < nseg; i++) c6_segment_tuple_free(&t[i]);
}

static void test_sequences_partition_exactly(void **state) {
    (void)state;
    check_sequence("0,1");
    check_sequence("0,1/4,1/2,3/4,1");
    check_sequence("0,1/3,2/3,1");
    check_sequence("0,0.2,0.5,0.6,1");
    check_sequence("0,0.3,0.5,0.6,0.7,0.8,0.9,1");
    check_sequence("0,1/13,2/13,1/3,1/2,3/4,1");
    check_sequence("0,7/20,7/10,1");
    check_sequence("0,1/100,1");
    check_sequence("0,99/100,1");
    check_sequence("0,1/7,1/3,5/11,1");
    check_sequence("0,4/7,6/7,1");

    /* Random uneven splits of 0..1, as k6's generateRandomSequence makes them,
     * from a fixed seed so failures reproduce. */
    srand(6);
    for (int round = 0; round < 20; round++) {
        int n = 2 + rand() % 9;
        int64_t num[16], den = 0;
        for (int i = 0; i < n; i++) den += num[i] = 1 + rand() % 100;
        char q[512] = "0";
        int64_t acc = 0;
        for (int i = 0; i < n - 1; i++) {
            acc += num[i];
            snprintf(q + strlen(q), sizeof(q) - strlen(q), ",%lld/%lld", (long long)acc, (long long)den);
        }
        strcat(q, ",1");
        check_sequence(q);
    }
}

static void test_header_example(void **state) {
    (void)state;
    /* segment.h's usage example, with equal quarters: unit i of each cycle of
     * 4 goes to quarter i, so 1/4:1/2 has units 1, 5, 9, ... */
    c6_segment_tuple t = tuple_ok("1/4:1/2", "0,1/4,1/2,3/4,1");
    assert_int_equal(c6_segment_scale(&t, 10), 3);
    assert_int_equal(c6_segment_global(&t, 0), 1);
    assert_int_equal(c6_segment_global(&t, 1), 5);
    assert_int_equal(c6_segment_global(&t, 2), 9);
    c6_segment_tuple_free(&t);
}

static void test_scale_large_values(void **state) {
    (void)state;
    c6_segment_tuple t = tuple_ok("1/4:1/2", "0,1/4,1/2,3/4,1");
    int64_t big = INT64_MAX - 3; /* a multiple of 4 */
    assert_int_equal(c6_segment_scale(&t, big + 1) - c6_segment_scale(&t, big), 0);
    assert_int_equal(c6_segment_scale(&t, big), big / 4);
    assert_int_equal(c6_segment_global(&t, INT64_MAX), -1); /* overflow */
    assert_int_equal(c6_segment_global(&t, -1), -1);
    c6_segment_tuple_free(&t);
}

static void test_rate_per_sec(void **state) {
    (void)state;
    c6_segment_tuple t = tuple_ok("", "");
    assert_true(c6_segment_rate_per_sec(&t, 50, 1000000) == 50.0);
    assert_true(c6_segment_rate_per_sec(&t, 60, 60000000) == 1.0);
    c6_segment_tuple_free(&t);
    t = tuple_ok("1/4:1/2", "0,1/4,1/2,3/4,1");
    assert_true(c6_segment_rate_per_sec(&t, 50, 1000000) == 12.5);
    assert_true(c6_segment_rate_per_sec(&t, 3, 500000) == 1.5);
    c6_segment_tuple_free(&t);
    t = tuple_ok("0:1/3", "0,1/3,2/3,1");
    double r = c6_segment_rate_per_sec(&t, 10, 1000000);
    assert_true(r > 3.3333333 && r < 3.3333334);
    c6_segment_tuple_free(&t);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_segment_spellings),
        cmocka_unit_test(test_segment_errors),
        cmocka_unit_test(test_sequence_parse),
        cmocka_unit_test(test_format_truncates),
        cmocka_unit_test(test_tuple_scale_k6),
        cmocka_unit_test(test_striped_offsets_k6),
        cmocka_unit_test(test_lcd_k6),
        cmocka_unit_test(test_tuple_sequence_rules),
        cmocka_unit_test(test_new_tuple_from_value_k6),
        cmocka_unit_test(test_segmented_index_k6),
        cmocka_unit_test(test_sequences_partition_exactly),
        cmocka_unit_test(test_header_example),
        cmocka_unit_test(test_scale_large_values),
        cmocka_unit_test(test_rate_per_sec),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
