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

histogram *hist_new(void);                 /* NULL when out of memory */
void hist_free(histogram *h);
void hist_add(histogram *h, double v);     /* O(1), allocation-free unless a new page is touched */
void hist_merge(histogram *dst, const histogram *src);   /* dst += src */
uint64_t hist_count(const histogram *h);
double hist_min(const histogram *h);       /* 0 when empty, as k6 */
double hist_max(const histogram *h);
double hist_sum(const histogram *h);
double hist_mean(const histogram *h);
double hist_percentile(const histogram *h, double p);   /* p in [0,100], clamped */
/* Bytes held by the histogram (struct, exact buffer, page table, pages). */
size_t hist_bytes(const histogram *h);

#endif
