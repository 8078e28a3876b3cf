/* Histogram: exact small-count percentiles as k6, bounded error and memory
 * past HIST_EXACT_MAX, merge equivalence, 32-bit bucket overflow. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "metrics/histogram.h"

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rng_next(void) { /* splitmix64: deterministic across runs */
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static double rng_unit(void) { return ((double)(rng_next() >> 11) + 0.5) / 9007199254740992.0; }

static double rng_normal(void) { return sqrt(-2 * log(rng_unit())) * cos(2 * M_PI * rng_unit()); }

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* k6's percentile on sorted data, the reference every estimate is held to. */
static double ref_pct(const double *sorted, size_t n, double p) {
    double i = p / 100 * ((double)n - 1);
    double lo = sorted[(size_t)floor(i)], hi = sorted[(size_t)ceil(i)];
    return lo + (hi - lo) * (i - floor(i));
}

static const double PCTS[] = {0, 0.1, 1, 5, 10, 25, 33.3, 50, 66.6, 75, 90, 95, 99, 99.9, 99.99, 100};
#define NPCTS (sizeof PCTS / sizeof PCTS[0])

/* Adds data to a fresh histogram and checks every percentile against the
 * exact value: |err| <= 2^-10 * the larger neighbour magnitude (the header's
 * bound) and, for one-signed data, relative error <= 0.1%. */
static void check_against_exact(double *data, size_t n, int one_signed) {
    histogram *h = hist_new();
    assert_non_null(h);
    double sum = 0;
    for (size_t i = 0; i < n; i++) {
        hist_add(h, data[i]);
        sum += data[i];
    }
    qsort(data, n, sizeof *data, cmp_double);
    assert_int_equal(hist_count(h), n);
    assert_true(hist_min(h) == data[0]);
    assert_true(hist_max(h) == data[n - 1]);
    assert_true(fabs(hist_sum(h) - sum) <= 1e-12 * fabs(sum) + 1e-12);
    assert_true(fabs(hist_mean(h) - sum / (double)n) <= 1e-12 * fabs(sum / (double)n) + 1e-12);
    for (size_t k = 0; k < NPCTS; k++) {
        double want = ref_pct(data, n, PCTS[k]), got = hist_percentile(h, PCTS[k]);
        double i = PCTS[k] / 100 * ((double)n - 1);
        double mag = fmax(fabs(data[(size_t)floor(i)]), fabs(data[(size_t)ceil(i)]));
        if (fabs(got - want) > mag / 1024) {
            fprintf(stderr, "p(%g): got %.17g want %.17g\n", PCTS[k], got, want);
            fail();
        }
        if (one_signed && fabs(got - want) > 0.001 * fabs(want)) {
            fprintf(stderr, "p(%g): got %.17g want %.17g (rel %.3g)\n", PCTS[k], got, want,
                    fabs(got - want) / fabs(want));
            fail();
        }
    }
    hist_free(h);
}

static void test_empty(void **state) {
    (void)state;
    histogram *h = hist_new();
    assert_int_equal(hist_count(h), 0);
    assert_true(hist_min(h) == 0 && hist_max(h) == 0 && hist_mean(h) == 0);
    assert_true(hist_percentile(h, 95) == 0);
    hist_add(h, NAN); /* ignored */
    assert_int_equal(hist_count(h), 0);
    hist_free(h);
}

static histogram *from(const double *v, size_t n) {
    histogram *h = hist_new();
    for (size_t i = 0; i < n; i++) hist_add(h, v[i]);
    return h;
}

static void test_k6_examples(void **state) {
    (void)state;
    histogram *h = from((double[]){40, 10, 30, 20}, 4);
    assert_true(hist_percentile(h, 90) == 37);
    assert_true(hist_percentile(h, 0) == 10);
    assert_true(hist_percentile(h, 100) == 40);
    assert_true(hist_mean(h) == 25);
    hist_free(h);
    h = from((double[]){4, 3, 2, 1}, 4);
    assert_true(hist_percentile(h, 50) == 2.5);
    hist_free(h);
    h = from((double[]){7.5}, 1);
    assert_true(hist_percentile(h, 99) == 7.5 && hist_percentile(h, 1) == 7.5);
    hist_free(h);
}

static void test_exact_up_to_limit(void **state) {
    (void)state;
    double v[HIST_EXACT_MAX], s[HIST_EXACT_MAX];
    for (int i = 0; i < HIST_EXACT_MAX; i++) v[i] = s[i] = exp(rng_normal() * 2) * 10;
    histogram *h = from(v, HIST_EXACT_MAX);
    qsort(s, HIST_EXACT_MAX, sizeof *s, cmp_double);
    for (size_t k = 0; k < NPCTS; k++) /* bit-exact, not just close */
        assert_true(hist_percentile(h, PCTS[k]) == ref_pct(s, HIST_EXACT_MAX, PCTS[k]));
    /* one more sample switches to buckets: the first/last ranks stay exact */
    hist_add(h, 1e-3);
    assert_true(hist_percentile(h, 0) == 1e-3);
    assert_true(hist_percentile(h, 100) == s[HIST_EXACT_MAX - 1]);
    hist_free(h);
}

static void test_uniform(void **state) {
    (void)state;
    size_t n = 1000000;
    double *d = malloc(n * sizeof *d);
    for (size_t i = 0; i < n; i++) d[i] = 0.1 + rng_unit() * 5000;
    check_against_exact(d, n, 1);
    free(d);
}

static void test_lognormal(void **state) {
    (void)state;
    size_t n = 1000000;
    double *d = malloc(n * sizeof *d);
    for (size_t i = 0; i < n; i++) d[i] = exp(log(120) + 1.2 * rng_normal());
    check_against_exact(d, n, 1);
    free(d);
}

static void test_small_sample_counts(void **state) {
    (void)state; /* sparse data just past the exact limit is the hardest case */
    size_t sizes[] = {257, 300, 1000, 5000};
    for (size_t k = 0; k < 4; k++) {
        double *d = malloc(sizes[k] * sizeof *d);
        for (size_t i = 0; i < sizes[k]; i++) d[i] = exp(5 * rng_normal());
        check_against_exact(d, sizes[k], 1);
        free(d);
    }
}

static void test_negative_and_zero(void **state) {
    (void)state;
    size_t n = 200000;
    double *d = malloc(n * sizeof *d);
    for (size_t i = 0; i < n; i++) d[i] = -exp(3 + rng_normal());
    check_against_exact(d, n, 1);
    for (size_t i = 0; i < n; i++) { /* 40% zeros, the rest either sign */
        double u = rng_unit();
        d[i] = u < 0.4 ? 0 : (u < 0.7 ? -1 : 1) * exp(rng_normal());
    }
    check_against_exact(d, n, 0);
    histogram *h = from(d, n);
    assert_true(hist_percentile(h, 50) == 0); /* zeros are exact, not a bucket */
    hist_free(h);
    free(d);
}

static void test_merge_equals_adding_all(void **state) {
    (void)state;
    size_t sizes[] = {10, 200, 5000, 100000}; /* exact and bucketed parts */
    histogram *all = hist_new(), *merged = hist_new();
    for (size_t k = 0; k < 4; k++) {
        histogram *part = hist_new();
        for (size_t i = 0; i < sizes[k]; i++) {
            double v = (double)(int64_t)(exp(4 + rng_normal()) * 1000) / 1000 - 5;
            hist_add(part, v);
            hist_add(all, v);
        }
        hist_merge(merged, part);
        hist_free(part);
    }
    assert_int_equal(hist_count(merged), hist_count(all));
    assert_true(hist_min(merged) == hist_min(all) && hist_max(merged) == hist_max(all));
    assert_true(fabs(hist_sum(merged) - hist_sum(all)) <= 1e-9 * fabs(hist_sum(all)));
    for (size_t k = 0; k < NPCTS; k++) assert_true(hist_percentile(merged, PCTS[k]) == hist_percentile(all, PCTS[k]));
    hist_free(all);
    hist_free(merged);
}

static void test_merge_small_stays_exact(void **state) {
    (void)state;
    histogram *a = from((double[]){10, 30}, 2), *b = from((double[]){40, 20}, 2);
    hist_merge(a, b);
    assert_true(hist_percentile(a, 90) == 37);
    assert_int_equal(hist_count(a), 4);
    histogram *e = hist_new();
    hist_merge(a, e); /* merging an empty one changes nothing */
    hist_merge(e, a); /* merging into an empty one copies */
    assert_true(hist_percentile(e, 90) == 37 && hist_min(e) == 10 && hist_max(e) == 40);
    hist_free(a);
    hist_free(b);
    hist_free(e);
}

static void test_bounded_memory(void **state) {
    (void)state;
    histogram *h = hist_new();
    for (int i = 0; i < 2000000; i++) hist_add(h, 2 * pow(10, 2 * rng_unit())); /* 2..200 */
    size_t two_decades = hist_bytes(h);
    for (int i = 0; i < 2000000; i++) hist_add(h, 2 * pow(10, 2 * rng_unit()));
    assert_int_equal(hist_bytes(h), two_decades); /* more samples, no more memory */
    assert_true(two_decades < 40 * 1024);
    hist_free(h);
}

static void test_bucket_count_overflow(void **state) {
    (void)state; /* > 2^32 samples in one bucket, built by repeated merges */
    histogram *a = hist_new(), *b = hist_new();
    for (int i = 0; i < 300; i++) hist_add(a, 5);
    uint64_t na = 300, nb = 0;
    while (na < (1ull << 34)) {
        hist_merge(b, a);
        nb += na;
        hist_merge(a, b);
        na += nb;
    }
    hist_add(a, 1);
    hist_add(a, 9);
    assert_int_equal(hist_count(a), na + 2);
    assert_true(hist_percentile(a, 0) == 1 && hist_percentile(a, 100) == 9);
    assert_true(fabs(hist_percentile(a, 50) - 5) <= 5.0 / 1024);
    assert_true(fabs(hist_percentile(a, 99.999) - 5) <= 5.0 / 1024);
    hist_free(a);
    hist_free(b);
}

/* hist_add's short path (bucketed; a zero, or a positive value whose page is
 * there and whose count does not wrap) and the general one must keep the
 * same count, sum, min, max and buckets: NaN ignored, zeros counted apart,
 * a new page, a negative, and a bucket past 2^32 (hist_add itself, not only
 * merges, must carry). */
static void count_bucket(void *ctx, const hist_bucket *b) { *(uint64_t *)ctx += b->count; }

static void test_bucketed_add_paths(void **state) {
    (void)state;
    histogram *h = hist_new();
    double sum = 0;
    for (int i = 0; i < 300; i++) { /* past HIST_EXACT_MAX: bucketed */
        hist_add(h, 10 + i);
        sum += 10 + i;
    }
    hist_add(h, NAN);
    assert_int_equal(hist_count(h), 300);
    assert_false(isnan(hist_sum(h)));
    for (int i = 0; i < 200; i++) hist_add(h, 0.0);
    hist_add(h, -0.0);
    assert_int_equal(hist_count(h), 501);
    assert_true(hist_min(h) == 0 && hist_max(h) == 309);
    assert_true(hist_percentile(h, 0) == 0 && hist_percentile(h, 40) == 0); /* 201 zeros of 501 */
    hist_add(h, 1e9); /* a page never touched: the general path allocates it */
    hist_add(h, 1e9);
    hist_add(h, -3); /* the negative side */
    sum += 2e9 - 3;
    assert_int_equal(hist_count(h), 504);
    assert_true(hist_max(h) == 1e9 && hist_min(h) == -3);
    assert_true(hist_sum(h) == sum);
    assert_true(fabs(hist_percentile(h, 100) - 1e9) <= 1e9 / 1024);
    hist_free(h);

    /* 5's bucket 1000 short of 2^32, as a snapshot would carry it */
    double five = 5;
    uint64_t bits;
    memcpy(&bits, &five, sizeof bits);
    uint64_t na = UINT32_MAX - 1000ull;
    hist_bucket bk = {(uint32_t)(bits >> 42), 0, na};
    hist_parts in = {
        .n = na, .sum = 5.0 * (double)na, .min = 5, .max = 5, .bucketed = 1, .buckets = &bk, .nbuckets = 1};
    histogram *a = hist_new();
    hist_merge_parts(a, &in);
    uint64_t want = na;
    for (int i = 0; i < 3000; i++) hist_add(a, 5); /* across 2^32, one add at a time */
    want += 3000;
    assert_int_equal(hist_count(a), want);
    hist_add(a, 4);
    assert_true(hist_percentile(a, 0) == 4);
    assert_true(fabs(hist_percentile(a, 1e-7) - 5) <= 5.0 / 1024); /* the 4 is one of 2^32: 5's bucket holds the rest */
    hist_parts p;
    hist_get_parts(a, &p);
    assert_int_equal(p.lost, 0);
    uint64_t in_buckets = 0;
    hist_foreach_bucket(a, count_bucket, &in_buckets);
    assert_int_equal(in_buckets + p.zeros, want + 1); /* nothing wrapped */
    hist_free(a);
}

/* hist_add_zeros(h, k) is k hist_add(h, 0.0) calls, whichever the mode and
 * across the exact limit: the same count, sum (to the bit), min, max,
 * zeros and percentiles. The metrics engine adds a request's +0.0 timings
 * (blocked, connecting, TLS on a kept-alive connection) this way, at the end
 * of each drain (engine.c, http_zeros). */
static void test_add_zeros(void **state) {
    (void)state;
    static const uint64_t ks[] = {0, 1, 3, 255, 256, 300, 5000};
    static const size_t befores[] = {0, 1, 200, 255, 256, 1000};
    for (size_t a = 0; a < sizeof befores / sizeof *befores; a++)
        for (size_t b = 0; b < sizeof ks / sizeof *ks; b++)
            for (int after = 0; after < 2; after++) {
                histogram *x = hist_new(), *y = hist_new();
                assert_non_null(x);
                assert_non_null(y);
                for (size_t i = 0; i < befores[a]; i++) {
                    double v = 0.5 + (double)(i % 37) * 1.25;
                    hist_add(x, v);
                    hist_add(y, v);
                }
                hist_add_zeros(x, ks[b]);
                for (uint64_t i = 0; i < ks[b]; i++) hist_add(y, 0.0);
                for (int i = 0; after && i < 100; i++) {
                    double v = 3.0 + i;
                    hist_add(x, v);
                    hist_add(y, v);
                }
                assert_int_equal(hist_count(x), hist_count(y));
                double sx = hist_sum(x), sy = hist_sum(y);
                assert_memory_equal(&sx, &sy, sizeof sx);
                assert_true(hist_min(x) == hist_min(y) && hist_max(x) == hist_max(y));
                hist_parts px, py;
                hist_get_parts(x, &px);
                hist_get_parts(y, &py);
                assert_int_equal(px.bucketed, py.bucketed);
                assert_int_equal(px.zeros, py.zeros);
                for (size_t i = 0; i < sizeof PCTS / sizeof *PCTS; i++)
                    assert_true(hist_percentile(x, PCTS[i]) == hist_percentile(y, PCTS[i]));
                hist_free(x);
                hist_free(y);
            }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_k6_examples),
        cmocka_unit_test(test_exact_up_to_limit),
        cmocka_unit_test(test_uniform),
        cmocka_unit_test(test_lognormal),
        cmocka_unit_test(test_small_sample_counts),
        cmocka_unit_test(test_negative_and_zero),
        cmocka_unit_test(test_merge_equals_adding_all),
        cmocka_unit_test(test_merge_small_stays_exact),
        cmocka_unit_test(test_bounded_memory),
        cmocka_unit_test(test_bucket_count_overflow),
        cmocka_unit_test(test_bucketed_add_paths),
        cmocka_unit_test(test_add_zeros),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
