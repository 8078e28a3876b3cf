/* Per-time-series aggregation on an agent (see series.h). */
#include "metrics/series.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "metrics/registry.h"
#include "util/log.h"

#define SERIES_MAX_SOURCES 257 /* the engine's 256 and one spare */

typedef struct series_source {
    const tagdict *dict;
    uint32_t *map; /* local tag id -> set id + 1 (0: not interned yet) */
    uint32_t nmap;
} series_source;

struct series_set {
    tagdict *tags;
    series *all;
    uint32_t n, cap, max;
    uint64_t *keys;  /* open addressing: metric << 32 | set id */
    uint32_t *slots; /* series index + 1; 0 = empty */
    uint32_t tcap;   /* power of two */
    uint32_t *dirty;
    uint32_t ndirty; /* capacity: cap */
    series_source src[SERIES_MAX_SOURCES];
    int nsrc, last_src;
    int64_t epoch;
    uint64_t warn_at, dropped;
    /* Trend samples not yet in their histograms, in arrival order, and the
     * Trend series they belong to (each once, with its count in pending) */
    struct {
        uint32_t idx;
        double v;
    } batch[SERIES_BATCH];
    uint32_t nbatch;
    uint32_t touched[SERIES_BATCH], ntouched;
    double sorted[SERIES_BATCH];
    char err[256];
};

series_set *series_new(size_t max_series, int64_t epoch_ns) {
    series_set *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->max = max_series > 0 && max_series < UINT32_MAX / 4 ? (uint32_t)max_series : UINT32_MAX / 4;
    s->tcap = 1024;
    s->keys = malloc(s->tcap * sizeof *s->keys);
    s->slots = calloc(s->tcap, sizeof *s->slots);
    s->tags = tagdict_new();
    if (!s->keys || !s->slots || !s->tags) {
        series_free(s);
        return NULL;
    }
    s->epoch = epoch_ns;
    s->warn_at = SERIES_WARN_FIRST;
    return s;
}

void series_free(series_set *s) {
    if (!s) return;
    for (uint32_t i = 0; i < s->n; i++) sink_free(&s->all[i].sink);
    free(s->all);
    free(s->keys);
    free(s->slots);
    free(s->dirty);
    for (int i = 0; i < s->nsrc; i++) free(s->src[i].map);
    if (s->tags) tagdict_free(s->tags);
    free(s);
}

static void series_fail(series_set *s, const char *msg) {
    if (!s->err[0]) snprintf(s->err, sizeof s->err, "%s", msg);
}

static uint32_t key_hash(uint64_t k) {
    k *= 0x9E3779B97F4A7C15ULL;
    return (uint32_t)(k >> 32 ^ k);
}

static int table_grow(series_set *s) {
    uint32_t ncap = s->tcap * 2;
    uint64_t *keys = malloc(ncap * sizeof *keys);
    uint32_t *slots = calloc(ncap, sizeof *slots);
    if (!keys || !slots) {
        free(keys);
        free(slots);
        return -1;
    }
    for (uint32_t i = 0; i < s->tcap; i++) {
        if (!s->slots[i]) continue;
        uint32_t j = key_hash(s->keys[i]) & (ncap - 1);
        while (slots[j]) j = (j + 1) & (ncap - 1);
        keys[j] = s->keys[i];
        slots[j] = s->slots[i];
    }
    free(s->keys);
    free(s->slots);
    s->keys = keys;
    s->slots = slots;
    s->tcap = ncap;
    return 0;
}

/* A new series at slot j of the table; NULL when over the limit or out of memory. */
static series *series_add(series_set *s, uint32_t j, uint64_t key) {
    if (s->n >= s->max) {
        char msg[200];
        snprintf(msg, sizeof msg,
                 "too many time series: more than %u (metric and tag set pairs); "
                 "their samples are dropped",
                 s->max);
        series_fail(s, msg);
        return NULL;
    }
    if (s->n == s->cap) {
        uint32_t ncap = s->cap ? s->cap * 2 : 256;
        series *all = realloc(s->all, ncap * sizeof *all);
        if (!all) return NULL;
        s->all = all;
        uint32_t *dirty = realloc(s->dirty, ncap * sizeof *dirty);
        if (!dirty) return NULL;
        s->dirty = dirty;
        s->cap = ncap;
    }
    series *x = &s->all[s->n];
    int m = (int)(key >> 32);
    if (sink_init(&x->sink, registry_get(m)->type) < 0) {
        sink_free(&x->sink);
        return NULL;
    }
    x->t_ns = 0;
    x->tags = (uint32_t)key;
    x->metric = (uint16_t)m;
    x->dirty = 0;
    x->pending = 0;
    s->keys[j] = key;
    s->slots[j] = ++s->n;
    if (s->n * 2 > s->tcap && table_grow(s) < 0) series_fail(s, "out of memory for time series");
    return x;
}

static series *series_find(series_set *s, int metric, uint32_t set) {
    uint64_t key = (uint64_t)metric << 32 | set;
    uint32_t j = key_hash(key) & (s->tcap - 1);
    for (; s->slots[j]; j = (j + 1) & (s->tcap - 1))
        if (s->keys[j] == key) return &s->all[s->slots[j] - 1];
    return series_add(s, j, key);
}

static series_source *source_of(series_set *s, const tagdict *d) {
    if (s->last_src < s->nsrc && s->src[s->last_src].dict == d) return &s->src[s->last_src];
    for (int i = 0; i < s->nsrc; i++)
        if (s->src[i].dict == d) {
            s->last_src = i;
            return &s->src[i];
        }
    if (s->nsrc == SERIES_MAX_SOURCES) return NULL;
    s->src[s->nsrc].dict = d;
    s->last_src = s->nsrc;
    return &s->src[s->nsrc++];
}

/* The set id of a source's tag set, interned on its first sample; UINT32_MAX
 * when out of memory. */
static uint32_t set_of(series_set *s, series_source *src, uint32_t tag) {
    if (tag < src->nmap && src->map[tag]) return src->map[tag] - 1;
    if (tag >= src->nmap) {
        uint32_t n = tagdict_published(src->dict);
        if (n <= tag) n = tag + 1;
        uint32_t *map = realloc(src->map, n * sizeof *map);
        if (!map) return UINT32_MAX;
        memset(map + src->nmap, 0, (n - src->nmap) * sizeof *map);
        src->map = map;
        src->nmap = n;
    }
    size_t len;
    const char *p = tagdict_get(src->dict, tag, &len);
    tag_kv kv[256];
    size_t nkv = 0;
    const char *k, *v;
    for (size_t off = 0; nkv < 256 && (off = tagset_next(p, len, off, &k, &v)) != 0;) kv[nkv++] = (tag_kv){k, v};
    uint32_t id = tagdict_intern(s->tags, kv, nkv);
    src->map[tag] = id + 1;
    return id;
}

static void series_warn(series_set *s) {
    log_printf(LOG_WARN,
               "The test has generated metrics with %u unique time series, which is higher than "
               "the suggested limit of %d and could cause high memory usage. Consider not using "
               "high-cardinality values like unique IDs as metric tags or, if you need them in the URL, "
               "use the name metric tag or URL grouping. See "
               "https://grafana.com/docs/k6/latest/using-k6/tags-and-groups/ for details.",
               s->n, SERIES_WARN_FIRST);
    while (s->warn_at < s->n) s->warn_at *= 2;
}

void series_flush(series_set *s) {
    /* each touched series' run in `sorted`, in arrival order within a run */
    uint32_t off = 0;
    for (uint32_t i = 0; i < s->ntouched; i++) {
        series *x = &s->all[s->touched[i]];
        uint32_t n = x->pending;
        x->pending = off; /* now its run's next free slot */
        off += n;
    }
    for (uint32_t i = 0; i < s->nbatch; i++) s->sorted[s->all[s->batch[i].idx].pending++] = s->batch[i].v;
    off = 0;
    for (uint32_t i = 0; i < s->ntouched; i++) {
        series *x = &s->all[s->touched[i]];
        histogram *h = x->sink.u.trend.h;
        for (; off < x->pending; off++) hist_add(h, s->sorted[off]);
        x->pending = 0;
    }
    s->nbatch = s->ntouched = 0;
}

void series_listener(void *ctx, const sample *smp, size_t n, const tagdict *tags) {
    series_set *s = ctx;
    series_source *src = source_of(s, tags);
    if (!src) {
        s->dropped += n;
        series_fail(s, "too many sample sources");
        return;
    }
    for (size_t i = 0; i < n; i++) {
        const sample *x = &smp[i];
        uint32_t set = set_of(s, src, x->tags);
        series *se = set != UINT32_MAX ? series_find(s, x->metric, set) : NULL;
        if (!se) {
            s->dropped++;
            continue;
        }
        if (se->sink.type == METRIC_TREND) {
            if (s->nbatch == SERIES_BATCH) series_flush(s);
            uint32_t idx = (uint32_t)(se - s->all);
            s->batch[s->nbatch].idx = idx;
            s->batch[s->nbatch++].v = x->value;
            if (!se->pending++) s->touched[s->ntouched++] = idx;
        } else {
            sink_add(&se->sink, x->value);
        }
        se->t_ns = x->t_ns - s->epoch;
        if (!se->dirty) {
            se->dirty = 1;
            s->dirty[s->ndirty++] = (uint32_t)(se - s->all);
        }
    }
    if (s->n > s->warn_at) series_warn(s);
}

size_t series_count(const series_set *s) { return s->n; }
const char *series_error(const series_set *s) { return s->err[0] ? s->err : NULL; }
uint64_t series_dropped(const series_set *s) { return s->dropped; }
const tagdict *series_tags(const series_set *s) { return s->tags; }
const series *series_at(const series_set *s, uint32_t idx) { return &s->all[idx]; }

size_t series_dirty(const series_set *s, const uint32_t **idx) {
    *idx = s->dirty;
    return s->ndirty;
}

void series_clear_dirty(series_set *s) {
    series_flush(s);
    for (uint32_t i = 0; i < s->ndirty; i++) {
        series *x = &s->all[s->dirty[i]];
        sink_reset(&x->sink);
        x->dirty = 0;
    }
    s->ndirty = 0;
}
