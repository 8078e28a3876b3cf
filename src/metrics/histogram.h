/* Trend storage with bounded memory.
 *
 * count, sum, min, max and mean are exact. Percentiles follow k6: sort the
 * samples and interpolate linearly between the two closest ranks, at rank
 * p/100 * (count - 1) (p(90) of 10,20,30,40 = 37).
 *
 * Up to HIST_EXACT_MAX samples are kept as they are, so small trends give
 * exactly k6's numbers. Past that the samples move into log-linear buckets:
 * each power of two is split into 1024 equal buckets (the top 10 mantissa
 * bits of the double), zero has its own count and negative values go into a
 * mirror set of buckets by magnitude. A percentile is then estimated inside
 * the bucket that holds each of the two closest ranks, so:
 *
 *   |estimate - exact| <= 2^-10 * ((1-f)|x_lo| + f|x_hi|)
 *
 * where x_lo, x_hi are the two samples k6 interpolates between with weight f.
 * For samples of one sign that is a relative error <= 0.098% (< 0.1%);
 * p(0) and p(100) stay exact (min, max). Subnormal magnitudes (< 2.2e-308)
 * only get an absolute error bound of 2^-1032. NaN samples are ignored.
 *
 * Memory: buckets live in 520-byte pages of 128 buckets (1/8 of a power of
 * two) allocated on first use, so the cost follows the span actually seen,
 * however many samples: 2 KB while exact, ~3.4 KB for values within 100-150,
 * ~28 KB for latencies spanning 2 decades (6.6 powers of two), ~60 KB for a
 * log-normal with sigma=1 (min..max over 4.4 decades at 1e7 samples).
 * Counts are 32-bit with a lazily allocated carry array per page, so a
 * bucket never overflows.
 *
 * Not thread-safe: one owner adds; merge per-thread histograms instead. */
#ifndef C6_HISTOGRAM_H
#define C6_HISTOGRAM_H
#include <stddef.h>
#include <stdint.h>

#define HIST_EXACT_MAX 256

typedef struct histogram histogram;

histogram *hist_new(void); /* NULL when out of memory */
void hist_free(histogram *h);
void hist_add(histogram *h, double v); /* O(1), allocation-free unless a new page is touched */
/* k samples of +0.0: what k hist_add(h, 0.0) calls do, in O(1) once bucketed. */
void hist_add_zeros(histogram *h, uint64_t k);
void hist_merge(histogram *dst, const histogram *src); /* dst += src */
uint64_t hist_count(const histogram *h);
double hist_min(const histogram *h); /* 0 when empty, as k6 */
double hist_max(const histogram *h);
double hist_sum(const histogram *h);
double hist_mean(const histogram *h);
double hist_percentile(const histogram *h, double p); /* p in [0,100], clamped */
/* Bytes held by the histogram (struct, exact buffer, page table, pages). */
size_t hist_bytes(const histogram *h);

/* ---- a histogram's content as plain data, for metrics snapshots
 * (metrics/snapshot.c): the scalars, then the exact samples (while fewer
 * than HIST_EXACT_MAX were added) or the non-empty buckets. Merging parts
 * gives the same histogram as merging the histogram they came from, so
 * percentiles after any number of merges are those of one histogram fed
 * every sample: the error bound above holds. ---- */

/* The largest bucket key: 11 exponent bits and 10 mantissa bits. */
#define HIST_KEY_MAX ((1u << 21) - 1)

typedef struct hist_bucket {
    uint32_t key; /* <= HIST_KEY_MAX */
    uint32_t neg; /* 1: the bucket of the negative values of this magnitude */
    uint64_t count;
} hist_bucket;

typedef struct hist_parts {
    uint64_t n; /* samples, NaN excluded */
    double sum, min, max;
    uint64_t zeros; /* bucketed: samples equal to 0 */
    uint64_t lost;  /* counted in n, in no bucket (out of memory) */
    int bucketed;
    const double *exact; /* !bucketed: the n samples */
    uint32_t nexact;
    const hist_bucket *buckets; /* bucketed: non-empty buckets (any order) */
    size_t nbuckets;
} hist_parts;

/* Scalars and exact samples (pointing into h); buckets are left empty:
 * hist_foreach_bucket() lists them. */
void hist_get_parts(const histogram *h, hist_parts *p);
/* Calls fn for each non-empty bucket: negatives, then positives, by
 * increasing key. */
typedef void hist_bucket_fn(void *ctx, const hist_bucket *b);
void hist_foreach_bucket(const histogram *h, hist_bucket_fn *fn, void *ctx);
/* dst += the histogram p describes. p must be consistent (snapshot_decode
 * checks): exact: nexact == n <= HIST_EXACT_MAX, no NaN; bucketed: keys
 * <= HIST_KEY_MAX, zeros + lost + the counts == n. */
void hist_merge_parts(histogram *dst, const hist_parts *p);
/* Empties h, keeping its memory (and its mode: a bucketed histogram stays
 * bucketed, so later merges of it go bucket by bucket, which gives the same
 * result as merging its samples). No allocation. */
void hist_reset(histogram *h);

#endif
