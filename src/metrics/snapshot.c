/* Metrics snapshots: encoding (agent) and bounds-checked decoding
 * (coordinator). The format is described in snapshot.h. */
#include "metrics/snapshot.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "metrics/registry.h"

static const char magic[4] = {'C', '6', 'S', 'N'};

/* ---- writing ---- */

struct snapshot_writer {
    docbuf buckets; /* a Trend's buckets, written before their count is known */
    uint64_t seq;
    uint32_t sent_tags;
    unsigned char sent_metric[REGISTRY_MAX];
};

snapshot_writer *snapshot_writer_new(void) { return calloc(1, sizeof(snapshot_writer)); }
void snapshot_writer_free(snapshot_writer *w) {
    if (w) doc_free(&w->buckets);
    free(w);
}

/* Room for n more bytes at the end of d, or NULL (d is then marked out of
 * memory). Writing in place: buf_append per varint was most of a
 * snapshot's cost. */
static unsigned char *put_room(docbuf *d, size_t n) {
    if (d->oom || buf_reserve(&d->b, n)) {
        d->oom = 1;
        return NULL;
    }
    return (unsigned char *)d->b.p + d->b.len;
}

static void put_varint(docbuf *d, uint64_t v) {
    unsigned char *b = put_room(d, 10);
    if (!b) return;
    size_t n = 0;
    do {
        b[n] = (unsigned char)(v & 0x7f);
        v >>= 7;
        if (v) b[n] |= 0x80;
        n++;
    } while (v);
    d->b.len += n;
    d->b.p[d->b.len] = 0;
}

static void put_f64(docbuf *d, double x) {
    unsigned char *b = put_room(d, 8);
    if (!b) return;
    uint64_t u;
    memcpy(&u, &x, sizeof u);
    for (int i = 0; i < 8; i++) b[i] = (unsigned char)(u >> (8 * i));
    d->b.len += 8;
    d->b.p[d->b.len] = 0;
}

static void put_string(docbuf *d, const char *s, size_t n) {
    put_varint(d, n);
    doc_put(d, s, n);
}

typedef struct bucket_writer {
    docbuf *d;
    uint32_t prev;
    uint64_t n;
} bucket_writer;

static void put_bucket(void *ctx, const hist_bucket *b) {
    bucket_writer *bw = ctx;
    uint32_t code = (b->neg ? 0 : HIST_KEY_MAX + 1) + b->key;
    put_varint(bw->d, bw->n ? code - bw->prev : code);
    put_varint(bw->d, b->count);
    bw->prev = code;
    bw->n++;
}

/* One pass over the buckets (the pages of a wide histogram are most of a
 * snapshot's cost): into w->buckets, then their count and them. */
static void put_trend(snapshot_writer *w, docbuf *d, const histogram *h) {
    hist_parts p;
    hist_get_parts(h, &p);
    put_varint(d, p.n);
    if (!p.bucketed) {
        doc_putc(d, 0);
        put_f64(d, p.sum);
        for (uint32_t i = 0; i < p.nexact; i++) put_f64(d, p.exact[i]);
        return;
    }
    doc_putc(d, 1);
    put_f64(d, p.sum);
    put_f64(d, p.min);
    put_f64(d, p.max);
    put_varint(d, p.zeros);
    put_varint(d, p.lost);
    w->buckets.b.len = 0;
    bucket_writer bw = {&w->buckets, 0, 0};
    hist_foreach_bucket(h, put_bucket, &bw);
    put_varint(d, bw.n);
    doc_put(d, w->buckets.b.p, w->buckets.b.len);
    if (w->buckets.oom) d->oom = 1;
}

static void put_series(snapshot_writer *w, docbuf *d, const series *x) {
    const sink *s = &x->sink;
    put_varint(d, x->metric);
    put_varint(d, x->tags);
    doc_putc(d, (char)s->type);
    switch (s->type) {
    case METRIC_COUNTER:
        put_varint(d, s->u.counter.n);
        put_f64(d, s->u.counter.sum);
        break;
    case METRIC_GAUGE:
        put_varint(d, s->u.gauge.n);
        put_f64(d, s->u.gauge.value);
        put_f64(d, s->u.gauge.min);
        put_f64(d, s->u.gauge.max);
        put_varint(d, ((uint64_t)x->t_ns << 1) ^ (uint64_t)(x->t_ns >> 63));
        break;
    case METRIC_RATE:
        put_varint(d, s->u.rate.total);
        put_varint(d, s->u.rate.nonzero);
        break;
    case METRIC_TREND: put_trend(w, d, s->u.trend.h); break;
    }
}

int snapshot_write(snapshot_writer *w, series_set *s, buf *out) {
    docbuf d = {{0}, 0};
    series_flush(s);
    const uint32_t *dirty;
    size_t ndirty = series_dirty(s, &dirty);
    put_varint(&d, w->seq + 1);
    /* metric definitions first used since the last snapshot */
    size_t nm = 0;
    for (size_t i = 0; i < ndirty; i++) {
        int m = series_at(s, dirty[i])->metric;
        if (!w->sent_metric[m]) {
            w->sent_metric[m] = 2;
            nm++;
        }
    }
    put_varint(&d, nm);
    for (size_t i = 0; i < ndirty && nm; i++) {
        int m = series_at(s, dirty[i])->metric;
        if (w->sent_metric[m] != 2) continue;
        w->sent_metric[m] = 1;
        const metric_def *def = registry_get(m);
        put_varint(&d, (uint64_t)m);
        doc_putc(&d, (char)def->type);
        doc_putc(&d, (char)def->kind);
        put_string(&d, def->name, strlen(def->name));
    }
    /* tag sets interned since the last snapshot */
    const tagdict *tags = series_tags(s);
    uint32_t ntags = tagdict_published(tags);
    put_varint(&d, w->sent_tags);
    put_varint(&d, ntags - w->sent_tags);
    for (uint32_t t = w->sent_tags; t < ntags; t++) {
        size_t len, npairs = 0;
        const char *p = tagdict_get(tags, t, &len), *k, *v;
        for (size_t off = 0; (off = tagset_next(p, len, off, &k, &v)) != 0;) npairs++;
        put_varint(&d, npairs);
        for (size_t off = 0; (off = tagset_next(p, len, off, &k, &v)) != 0;) {
            put_string(&d, k, strlen(k));
            put_string(&d, v, strlen(v));
        }
    }
    put_varint(&d, ndirty);
    for (size_t i = 0; i < ndirty; i++) put_series(w, &d, series_at(s, dirty[i]));
    docbuf head = {{0}, 0};
    doc_put(&head, magic, sizeof magic);
    doc_putc(&head, SNAPSHOT_VERSION);
    put_varint(&head, d.b.len);
    int rc = d.oom || head.oom || buf_append(out, head.b.p, head.b.len) || buf_append(out, d.b.p, d.b.len) ? -1 : 0;
    doc_free(&d);
    doc_free(&head);
    if (rc < 0) { /* the metrics just marked sent were not */
        for (size_t i = 0; i < ndirty; i++) {
            int m = series_at(s, dirty[i])->metric;
            if (w->sent_metric[m] == 1 || w->sent_metric[m] == 2) w->sent_metric[m] = 0;
        }
        return -1;
    }
    w->seq++;
    w->sent_tags = ntags;
    series_clear_dirty(s);
    return 0;
}

/* ---- reading ---- */

typedef struct reader {
    const unsigned char *p, *end;
    char *err;
    size_t errlen;
    int failed;
} reader;

static int fail(reader *r, const char *fmt, ...) {
    if (!r->failed) {
        va_list ap;
        va_start(ap, fmt);
        int n = snprintf(r->err, r->errlen, "metrics snapshot: ");
        if (n >= 0 && (size_t)n < r->errlen) vsnprintf(r->err + n, r->errlen - (size_t)n, fmt, ap);
        va_end(ap);
    }
    r->failed = 1;
    return -1;
}

static int get_varint(reader *r, uint64_t *v) {
    uint64_t x = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (r->p >= r->end) return fail(r, "truncated");
        unsigned char b = *r->p++;
        if (shift == 63 && b > 1) return fail(r, "integer too large");
        x |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *v = x;
            return 0;
        }
    }
    return fail(r, "integer too large");
}

static int get_u8(reader *r, unsigned *v) {
    if (r->p >= r->end) return fail(r, "truncated");
    *v = *r->p++;
    return 0;
}

static int get_f64(reader *r, double *x) {
    if (r->end - r->p < 8) return fail(r, "truncated");
    uint64_t u = 0;
    for (int i = 0; i < 8; i++) u |= (uint64_t)r->p[i] << (8 * i);
    r->p += 8;
    memcpy(x, &u, sizeof *x);
    return 0;
}

/* A count of items of at least `each` bytes: no more than the input holds. */
static int get_count(reader *r, uint64_t *n, size_t each, uint64_t max, const char *what) {
    if (get_varint(r, n)) return -1;
    if (*n > max || *n > (uint64_t)(r->end - r->p) / each)
        return fail(r, "%s: count %llu out of range", what, (unsigned long long)*n);
    return 0;
}

/* A string, copied NUL-terminated at *off in the scratch text. */
static int get_string(reader *r, snapshot_scratch *sc, size_t *off, size_t *used, const char *what) {
    uint64_t n;
    if (get_varint(r, &n)) return -1;
    if (n > SNAPSHOT_MAX_STRING || n > (uint64_t)(r->end - r->p))
        return fail(r, "%s: length %llu out of range", what, (unsigned long long)n);
    if (memchr(r->p, 0, (size_t)n)) return fail(r, "%s: NUL byte", what);
    if (*used + n + 1 > sc->text_cap) {
        size_t cap = (*used + (size_t)n + 1) * 2;
        char *t = realloc(sc->text, cap);
        if (!t) return fail(r, "out of memory");
        sc->text = t;
        sc->text_cap = cap;
    }
    memcpy(sc->text + *used, r->p, (size_t)n);
    sc->text[*used + n] = 0;
    *off = *used;
    *used += (size_t)n + 1;
    r->p += n;
    return 0;
}

static int read_metrics(reader *r, const snapshot_handler *h, void *ctx, snapshot_scratch *sc) {
    uint64_t n;
    if (get_count(r, &n, 4, REGISTRY_MAX, "metrics")) return -1;
    for (uint64_t i = 0; i < n; i++) {
        uint64_t id;
        unsigned type = 0, kind = 0;
        size_t off, used = 0;
        if (get_varint(r, &id) || get_u8(r, &type) || get_u8(r, &kind) || get_string(r, sc, &off, &used, "metric name"))
            return -1;
        if (id >= REGISTRY_MAX) return fail(r, "metric id %llu out of range", (unsigned long long)id);
        if (type > METRIC_TREND || kind > VALUE_DATA) return fail(r, "metric \"%s\": bad type", sc->text + off);
        if (h && h->metric &&
            h->metric(ctx, (uint32_t)id, (metric_type)type, (value_kind)kind, sc->text + off, r->err, r->errlen))
            return r->failed = 1, -1;
    }
    return 0;
}

static int read_tags(reader *r, const snapshot_handler *h, void *ctx, snapshot_scratch *sc) {
    uint64_t first, n;
    if (get_varint(r, &first) || get_count(r, &n, 1, UINT32_MAX, "tag sets")) return -1;
    if (first + n > UINT32_MAX) return fail(r, "tag set ids out of range");
    for (uint64_t i = 0; i < n; i++) {
        uint64_t npairs;
        if (get_count(r, &npairs, 2, SNAPSHOT_MAX_PAIRS, "tag pairs")) return -1;
        size_t offs[2 * SNAPSHOT_MAX_PAIRS], used = 0;
        for (uint64_t k = 0; k < 2 * npairs; k++)
            if (get_string(r, sc, &offs[k], &used, k % 2 ? "tag value" : "tag key")) return -1;
        tag_kv kv[SNAPSHOT_MAX_PAIRS];
        for (uint64_t k = 0; k < npairs; k++) kv[k] = (tag_kv){sc->text + offs[2 * k], sc->text + offs[2 * k + 1]};
        if (h && h->tagset && h->tagset(ctx, (uint32_t)(first + i), kv, (size_t)npairs, r->err, r->errlen))
            return r->failed = 1, -1;
    }
    return 0;
}

static int read_buckets(reader *r, snapshot_scratch *sc, hist_parts *t) {
    uint64_t nb;
    if (get_count(r, &nb, 2, 2 * ((uint64_t)HIST_KEY_MAX + 1), "buckets")) return -1;
    if (nb > sc->nbuckets_cap) {
        hist_bucket *b = realloc(sc->buckets, (size_t)nb * sizeof *b);
        if (!b) return fail(r, "out of memory");
        sc->buckets = b;
        sc->nbuckets_cap = (size_t)nb;
    }
    uint64_t code = 0, total = t->zeros;
    if (t->lost > UINT64_MAX - total) return fail(r, "trend counts overflow");
    total += t->lost;
    for (uint64_t i = 0; i < nb; i++) {
        uint64_t delta, count;
        if (get_varint(r, &delta) || get_varint(r, &count)) return -1;
        if (i && !delta) return fail(r, "bucket codes not increasing");
        if (delta > 2 * ((uint64_t)HIST_KEY_MAX + 1) || (code += delta) > 2 * (uint64_t)HIST_KEY_MAX + 1)
            return fail(r, "bucket code out of range");
        if (!count || count > UINT64_MAX - total) return fail(r, "bucket count out of range");
        total += count;
        bool neg = code <= HIST_KEY_MAX;
        sc->buckets[i] = (hist_bucket){(uint32_t)(neg ? code : code - HIST_KEY_MAX - 1), neg, count};
    }
    if (total != t->n)
        return fail(r, "trend: %llu samples but buckets hold %llu", (unsigned long long)t->n,
                    (unsigned long long)total);
    t->buckets = sc->buckets;
    t->nbuckets = (size_t)nb;
    return 0;
}

static int read_trend(reader *r, snapshot_scratch *sc, hist_parts *t, double *exact) {
    unsigned mode = 0;
    if (get_varint(r, &t->n) || get_u8(r, &mode) || get_f64(r, &t->sum)) return -1;
    if (mode == 0) {
        if (t->n > HIST_EXACT_MAX) return fail(r, "trend: %llu exact samples", (unsigned long long)t->n);
        t->min = INFINITY;
        t->max = -INFINITY;
        for (uint64_t i = 0; i < t->n; i++) {
            if (get_f64(r, &exact[i])) return -1;
            if (isnan(exact[i])) return fail(r, "trend: NaN sample");
            if (exact[i] < t->min) t->min = exact[i];
            if (exact[i] > t->max) t->max = exact[i];
        }
        t->exact = exact;
        t->nexact = (uint32_t)t->n;
        return 0;
    }
    if (mode != 1) return fail(r, "trend: unknown mode %u", mode);
    t->bucketed = 1;
    if (get_f64(r, &t->min) || get_f64(r, &t->max) || get_varint(r, &t->zeros) || get_varint(r, &t->lost)) return -1;
    if (!t->n || !(t->min <= t->max)) return fail(r, "trend: bad min/max");
    return read_buckets(r, sc, t);
}

static int read_series(reader *r, const snapshot_handler *h, void *ctx, snapshot_scratch *sc) {
    uint64_t n;
    if (get_count(r, &n, 4, UINT32_MAX, "series")) return -1;
    double exact[HIST_EXACT_MAX];
    for (uint64_t i = 0; i < n; i++) {
        uint64_t metric, tag, z = 0;
        unsigned type = 0;
        if (get_varint(r, &metric) || get_varint(r, &tag) || get_u8(r, &type)) return -1;
        if (metric >= REGISTRY_MAX || tag > UINT32_MAX || type > METRIC_TREND)
            return fail(r, "series: bad metric, tag set or type");
        sink_parts p;
        memset(&p, 0, sizeof p);
        p.type = (metric_type)type;
        int rc = 0;
        switch (p.type) {
        case METRIC_COUNTER: rc = get_varint(r, &p.u.counter.n) || get_f64(r, &p.u.counter.sum); break;
        case METRIC_GAUGE:
            rc = get_varint(r, &p.u.gauge.n) || get_f64(r, &p.u.gauge.value) || get_f64(r, &p.u.gauge.min) ||
                 get_f64(r, &p.u.gauge.max) || get_varint(r, &z);
            break;
        case METRIC_RATE:
            rc = get_varint(r, &p.u.rate.total) || get_varint(r, &p.u.rate.nonzero);
            if (!rc && p.u.rate.nonzero > p.u.rate.total) return fail(r, "rate: more non-zero samples than samples");
            break;
        case METRIC_TREND: rc = read_trend(r, sc, &p.u.trend, exact); break;
        }
        if (rc) return -1;
        int64_t t_ns = (int64_t)(z >> 1) ^ -(int64_t)(z & 1);
        if (h && h->series && h->series(ctx, (uint32_t)metric, (uint32_t)tag, &p, t_ns, r->err, r->errlen))
            return r->failed = 1, -1;
    }
    return 0;
}

int snapshot_decode(const void *data, size_t len, const snapshot_handler *h, void *ctx, snapshot_scratch *sc, char *err,
                    size_t errlen) {
    reader r = {data, (const unsigned char *)data + len, err, errlen, 0};
    if (errlen) err[0] = 0;
    if (len < 5 || memcmp(data, magic, sizeof magic) != 0) return fail(&r, "not a c6 metrics snapshot");
    unsigned version = r.p[4];
    if (version != SNAPSHOT_VERSION)
        return fail(&r, "version %u, this c6 reads version %d (agent and coordinator must be the same c6 version)",
                    version, SNAPSHOT_VERSION);
    r.p += 5;
    uint64_t body;
    if (get_varint(&r, &body)) return -1;
    if (body != (uint64_t)(r.end - r.p))
        return fail(&r, "length %llu, %llu bytes follow", (unsigned long long)body, (unsigned long long)(r.end - r.p));
    uint64_t seq;
    if (get_varint(&r, &seq)) return -1;
    if (h && h->begin && h->begin(ctx, seq, r.err, r.errlen)) return r.failed = 1, -1;
    if (read_metrics(&r, h, ctx, sc) || read_tags(&r, h, ctx, sc) || read_series(&r, h, ctx, sc)) return -1;
    if (r.p != r.end) return fail(&r, "%zu bytes after the series", (size_t)(r.end - r.p));
    return 0;
}

void snapshot_scratch_free(snapshot_scratch *sc) {
    free(sc->buckets);
    free(sc->text);
    memset(sc, 0, sizeof *sc);
}
