/* Trend histogram: exact values for small counts, then log-linear buckets.
 * See histogram.h for the error bound and the memory model. */
#include "metrics/histogram.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* A bucket key is the magnitude's bit pattern without its low 42 mantissa
 * bits: 11 exponent bits + 10 mantissa bits. Keys increase with the value,
 * and key << 42 / (key + 1) << 42 are the bucket's bounds as doubles, which
 * also holds for subnormals and across powers of two. */
#define SUB_BITS  10
#define KEY_SHIFT (52 - SUB_BITS)
#define PAGE_BITS 7
#define PAGE_SIZE (1u << PAGE_BITS)
#define SIGN_MASK 0x8000000000000000ull
/* Extra page slots reserved when the page table grows, so a distribution
 * that creeps outwards does not realloc for every new page. */
#define TABLE_SLACK 8

/* No running totals per page or side: updating them would touch a second
 * cache line on every add; percentile walks sum the counts instead. */
typedef struct page {
    uint32_t *carry; /* wraps of c[j] past 2^32; NULL until needed */
    uint32_t c[PAGE_SIZE];
} page;

/* The buckets of one sign, by magnitude. pages[i] covers page index base+i. */
typedef struct side {
    page **pages;
    uint32_t base, len;
} side;

struct histogram {
    uint64_t n; /* samples added (NaN excluded) */
    double sum, min, max;
    double *exact; /* the samples while bucketed is false */
    uint32_t nexact;
    bool bucketed;
    uint64_t zeros; /* bucketed mode: samples equal to 0 */
    uint64_t lost;  /* samples counted in n but not bucketed (OOM) */
    side pos, neg;
};

histogram *hist_new(void) {
    histogram *h = calloc(1, sizeof *h);
    if (!h) return NULL;
    h->exact = malloc(HIST_EXACT_MAX * sizeof *h->exact);
    if (!h->exact) {
        free(h);
        return NULL;
    }
    h->min = INFINITY; /* so adds need no "first sample" test */
    h->max = -INFINITY;
    return h;
}

static void side_free(side *s) {
    for (uint32_t i = 0; i < s->len; i++) {
        if (s->pages[i]) free(s->pages[i]->carry);
        free(s->pages[i]);
    }
    free(s->pages);
}

void hist_free(histogram *h) {
    if (!h) return;
    side_free(&h->pos);
    side_free(&h->neg);
    free(h->exact);
    free(h);
}

static uint32_t key_of(double magnitude) {
    uint64_t bits;
    memcpy(&bits, &magnitude, sizeof bits);
    return (uint32_t)((bits & ~SIGN_MASK) >> KEY_SHIFT);
}

static double key_bound(uint32_t key) {
    uint64_t bits = (uint64_t)key << KEY_SHIFT;
    double d;
    memcpy(&d, &bits, sizeof d);
    return d;
}

/* Grows the page table so it covers page index pi. Keeps slack on the side
 * that grew. */
static int side_cover(side *s, uint32_t pi) {
    uint32_t lo = s->len ? s->base : pi, hi = s->len ? s->base + s->len : pi + 1;
    if (pi < lo) lo = pi >= TABLE_SLACK ? pi - TABLE_SLACK : 0;
    if (pi >= hi) hi = pi + 1 + TABLE_SLACK;
    page **t = calloc(hi - lo, sizeof *t);
    if (!t) return -1;
    if (s->len) memcpy(t + (s->base - lo), s->pages, s->len * sizeof *t);
    free(s->pages);
    s->pages = t;
    s->base = lo;
    s->len = hi - lo;
    return 0;
}

/* The page for page index pi, allocated on first use. */
static page *side_page(side *s, uint32_t pi) {
    if (pi - s->base >= s->len && side_cover(s, pi) < 0) return NULL;
    page **slot = &s->pages[pi - s->base];
    if (!*slot) *slot = calloc(1, sizeof **slot); /* alloc-ok: NULL returned to the caller */
    return *slot;
}

/* Adds cnt to bucket j. Returns false only when a carry array was needed and
 * could not be allocated; the bucket then saturates. */
static bool page_add(page *p, uint32_t j, uint64_t cnt) {
    uint64_t sum = (uint64_t)p->c[j] + cnt;
    if (sum <= UINT32_MAX) {
        p->c[j] = (uint32_t)sum;
        return true;
    }
    if (!p->carry && !(p->carry = calloc(PAGE_SIZE, sizeof *p->carry))) {
        p->c[j] = UINT32_MAX;
        return false;
    }
    p->c[j] = (uint32_t)sum;
    p->carry[j] += (uint32_t)(sum >> 32);
    return true;
}

static uint64_t page_count(const page *p, uint32_t j) {
    return (uint64_t)p->c[j] + (p->carry ? (uint64_t)p->carry[j] << 32 : 0);
}

static uint64_t page_total(const page *p) {
    uint64_t t = 0;
    for (uint32_t j = 0; j < PAGE_SIZE; j++) t += p->c[j];
    if (p->carry)
        for (uint32_t j = 0; j < PAGE_SIZE; j++) t += (uint64_t)p->carry[j] << 32;
    return t;
}

static uint64_t side_total(const side *s) {
    uint64_t t = 0;
    for (uint32_t i = 0; i < s->len; i++)
        if (s->pages[i]) t += page_total(s->pages[i]);
    return t;
}

static void side_add_key(histogram *h, side *s, uint32_t key, uint64_t cnt) {
    uint32_t pi = key >> PAGE_BITS;
    page *p = pi - s->base < s->len ? s->pages[pi - s->base] : NULL;
    if (!p && !(p = side_page(s, pi))) {
        h->lost += cnt;
        return;
    }
    if (!page_add(p, key & (PAGE_SIZE - 1), cnt)) h->lost += cnt;
}

/* The per-sample path: one bucket increment, the carry test almost never
 * taken. Inline so hist_add is a single call with no spills. */
static inline void side_add_one(histogram *h, side *s, uint32_t key) {
    uint32_t pi = key >> PAGE_BITS, j = key & (PAGE_SIZE - 1);
    page *p;
    if (pi - s->base < s->len && (p = s->pages[pi - s->base]) != NULL) {
        if (++p->c[j] != 0) return;
        p->c[j]--; /* wrapped: redo on the slow path, which carries */
    }
    side_add_key(h, s, key, 1);
}

static void bucket_add(histogram *h, double v, uint64_t cnt) {
    if (v == 0) h->zeros += cnt;
    else if (v > 0) side_add_key(h, &h->pos, key_of(v), cnt);
    else side_add_key(h, &h->neg, key_of(v), cnt);
}

/* Moves the exact samples into buckets; from here on memory stays bounded. */
static void to_buckets(histogram *h) {
    for (uint32_t i = 0; i < h->nexact; i++) bucket_add(h, h->exact[i], 1);
    free(h->exact);
    h->exact = NULL;
    h->nexact = 0;
    h->bucketed = true;
}

static void add_scalars(histogram *h, uint64_t n, double sum, double min, double max) {
    if (min < h->min) h->min = min;
    if (max > h->max) h->max = max;
    h->n += n;
    h->sum += sum;
}

/* Every case: NaN, exact mode, pages to allocate, counts that wrap. */
static __attribute__((noinline)) void hist_add_any(histogram *h, double v) {
    if (isnan(v)) return; /* one NaN would poison sum, mean and ordering */
    add_scalars(h, 1, v, v, v);
    if (!h->bucketed) {
        if (h->nexact < HIST_EXACT_MAX) {
            h->exact[h->nexact++] = v;
            return;
        }
        to_buckets(h);
    }
    if (v > 0) side_add_one(h, &h->pos, key_of(v));
    else if (v < 0) side_add_one(h, &h->neg, key_of(v));
    else h->zeros++;
}

/* The path of almost every sample of a long test, a leaf: bucketed, and a
 * zero or a positive value whose page is there and whose count does not
 * wrap. The same sums as hist_add_any (v > 0 and v == 0 are false for NaN).
 * No test of the mode for a positive value: while exact, pos.len is 0 (no
 * page exists before to_buckets), so the page test sends it on. */
void hist_add(histogram *h, double v) {
    if (v > 0) {
        uint64_t bits;
        memcpy(&bits, &v, sizeof bits);
        uint32_t key = (uint32_t)(bits >> KEY_SHIFT), pi = key >> PAGE_BITS, j = key & (PAGE_SIZE - 1); /* no sign */
        page *p;
        if (pi - h->pos.base >= h->pos.len || !(p = h->pos.pages[pi - h->pos.base]) || p->c[j] == UINT32_MAX) goto any;
        p->c[j]++;
    } else if (v == 0 && h->bucketed) h->zeros++;
    else goto any;
    h->min = v < h->min ? v : h->min;
    h->max = v > h->max ? v : h->max;
    h->n++;
    h->sum += v;
    return;
any:
    hist_add_any(h, v);
}

void hist_add_zeros(histogram *h, uint64_t k) {
    for (; k && !h->bucketed; k--) hist_add_any(h, 0.0); /* exact: each kept; the 257th goes to buckets */
    if (!k) return;
    h->zeros += k;
    h->n += k;
    h->min = 0.0 < h->min ? 0.0 : h->min;
    h->max = 0.0 > h->max ? 0.0 : h->max;
    /* the sum: + 0.0 changes none but -0.0, which a sum from +0.0 never is */
}

static void side_merge(histogram *dst, side *d, const side *s) {
    for (uint32_t i = 0; i < s->len; i++) {
        const page *p = s->pages[i];
        if (!p) continue;
        uint32_t key0 = (s->base + i) << PAGE_BITS;
        for (uint32_t j = 0; j < PAGE_SIZE; j++) {
            uint64_t c = page_count(p, j);
            if (c) side_add_key(dst, d, key0 + j, c);
        }
    }
}

/* What hist_merge and hist_merge_parts share: the scalars, and the source's
 * exact samples. Returns true when the source's buckets remain to be added
 * (dst is then bucketed and has its zeros). */
static bool merge_head(histogram *dst, const hist_parts *p) {
    add_scalars(dst, p->n, p->sum, p->min, p->max);
    dst->lost += p->lost;
    if (!dst->bucketed && !p->bucketed && dst->nexact + p->nexact <= HIST_EXACT_MAX) {
        memcpy(dst->exact + dst->nexact, p->exact, p->nexact * sizeof *p->exact);
        dst->nexact += p->nexact;
        return false;
    }
    if (!dst->bucketed) to_buckets(dst);
    if (!p->bucketed) {
        for (uint32_t i = 0; i < p->nexact; i++) bucket_add(dst, p->exact[i], 1);
        return false;
    }
    dst->zeros += p->zeros;
    return true;
}

void hist_get_parts(const histogram *h, hist_parts *p) {
    *p = (hist_parts){h->n,
                      h->sum,
                      h->min,
                      h->max,
                      h->zeros,
                      h->lost,
                      h->bucketed,
                      h->bucketed ? NULL : h->exact,
                      h->bucketed ? 0 : h->nexact,
                      NULL,
                      0};
}

void hist_merge(histogram *dst, const histogram *src) {
    if (!src->n) return;
    hist_parts p;
    hist_get_parts(src, &p);
    if (!merge_head(dst, &p)) return;
    side_merge(dst, &dst->pos, &src->pos);
    side_merge(dst, &dst->neg, &src->neg);
}

void hist_merge_parts(histogram *dst, const hist_parts *p) {
    if (!p->n) return;
    if (!merge_head(dst, p)) return;
    for (size_t i = 0; i < p->nbuckets; i++) {
        const hist_bucket *b = &p->buckets[i];
        if (b->count) side_add_key(dst, b->neg ? &dst->neg : &dst->pos, b->key & HIST_KEY_MAX, b->count);
    }
}

static void side_foreach(const side *s, uint32_t neg, hist_bucket_fn *fn, void *ctx) {
    for (uint32_t i = 0; i < s->len; i++) {
        const page *p = s->pages[i];
        if (!p) continue;
        uint32_t key0 = (s->base + i) << PAGE_BITS;
        for (uint32_t j0 = 0; j0 < PAGE_SIZE; j0 += 16) {
            /* most buckets of a wide histogram are empty: 16 at a time
             * (a carry is only ever set where its count is too) */
            uint32_t any = 0;
            for (uint32_t j = j0; j < j0 + 16; j++) any |= p->c[j];
            if (!any && !p->carry) continue;
            for (uint32_t j = j0; j < j0 + 16; j++) {
                hist_bucket b = {key0 + j, neg, page_count(p, j)};
                if (b.count) fn(ctx, &b);
            }
        }
    }
}

void hist_foreach_bucket(const histogram *h, hist_bucket_fn *fn, void *ctx) {
    side_foreach(&h->neg, 1, fn, ctx);
    side_foreach(&h->pos, 0, fn, ctx);
}

static void side_reset(side *s) {
    for (uint32_t i = 0; i < s->len; i++) {
        page *p = s->pages[i];
        if (!p) continue;
        memset(p->c, 0, sizeof p->c);
        if (p->carry) memset(p->carry, 0, PAGE_SIZE * sizeof *p->carry);
    }
}

void hist_reset(histogram *h) {
    h->n = 0;
    h->sum = 0;
    h->min = INFINITY;
    h->max = -INFINITY;
    h->nexact = 0;
    h->zeros = 0;
    h->lost = 0;
    side_reset(&h->pos);
    side_reset(&h->neg);
}

uint64_t hist_count(const histogram *h) { return h->n; }
double hist_min(const histogram *h) { return h->n ? h->min : 0; }
double hist_max(const histogram *h) { return h->n ? h->max : 0; }
double hist_sum(const histogram *h) { return h->sum; }
double hist_mean(const histogram *h) { return h->n ? h->sum / (double)h->n : 0; }

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* k6's rule: rank i = p * (n - 1), interpolate between floor(i) and ceil(i). */
static double interpolate(double lo, double hi, double i) { return lo + (hi - lo) * (i - floor(i)); }

static double exact_percentile(const histogram *h, double p) {
    double v[HIST_EXACT_MAX];
    memcpy(v, h->exact, h->nexact * sizeof *v);
    qsort(v, h->nexact, sizeof *v, cmp_double);
    double i = p / 100 * ((double)h->nexact - 1);
    return interpolate(v[(size_t)floor(i)], v[(size_t)ceil(i)], i);
}

/* Estimate of the r-th smallest magnitude (0-based) of one side: find its
 * bucket through page totals, then place it evenly inside the bucket. */
static double side_rank(const side *s, uint64_t r) {
    for (uint32_t i = 0; i < s->len; i++) {
        const page *p = s->pages[i];
        if (!p) continue;
        uint64_t t = page_total(p);
        if (r >= t) {
            r -= t;
            continue;
        }
        uint32_t key0 = (s->base + i) << PAGE_BITS;
        for (uint32_t j = 0; j < PAGE_SIZE; j++) {
            uint64_t c = page_count(p, j);
            if (r >= c) {
                r -= c;
                continue;
            }
            double lo = key_bound(key0 + j), hi = key_bound(key0 + j + 1);
            if (isinf(lo)) return lo;
            return lo + (hi - lo) * (((double)r + 0.5) / (double)c);
        }
    }
    return 0; /* unreachable while totals are consistent */
}

/* The r-th smallest sample of total; nneg of them are negative. */
static double bucket_rank(const histogram *h, uint64_t r, uint64_t total, uint64_t nneg) {
    if (r == 0) return h->min;
    if (r == total - 1) return h->max;
    double v;
    if (r < nneg) v = -side_rank(&h->neg, nneg - 1 - r);
    else if (r - nneg < h->zeros) v = 0;
    else v = side_rank(&h->pos, r - nneg - h->zeros);
    return v < h->min ? h->min : v > h->max ? h->max : v;
}

static double bucket_percentile(const histogram *h, double p) {
    uint64_t total = h->n - h->lost, nneg = h->neg.len ? side_total(&h->neg) : 0;
    if (!total) return 0;
    double i = p / 100 * ((double)total - 1);
    uint64_t r0 = (uint64_t)floor(i), r1 = (uint64_t)ceil(i);
    double lo = bucket_rank(h, r0, total, nneg);
    double hi = r1 == r0 ? lo : bucket_rank(h, r1, total, nneg);
    return interpolate(lo, hi, i);
}

double hist_percentile(const histogram *h, double p) {
    if (!h->n) return 0;
    if (!(p > 0)) p = 0; /* also maps NaN to 0 */
    if (p > 100) p = 100;
    return h->bucketed ? bucket_percentile(h, p) : exact_percentile(h, p);
}

static size_t side_bytes(const side *s) {
    size_t b = s->len * sizeof *s->pages;
    for (uint32_t i = 0; i < s->len; i++) {
        if (!s->pages[i]) continue;
        b += sizeof(page);
        if (s->pages[i]->carry) b += PAGE_SIZE * sizeof(uint32_t);
    }
    return b;
}

size_t hist_bytes(const histogram *h) {
    return sizeof *h + (h->exact ? HIST_EXACT_MAX * sizeof *h->exact : 0) + side_bytes(&h->pos) + side_bytes(&h->neg);
}
