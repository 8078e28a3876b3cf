/* Coordinator side of distributed metrics (see ingest.h). A snapshot is
 * read twice: once to check it against what its agent sent before (no side
 * effect), then to merge it. */
#include "metrics/ingest.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "metrics/registry.h"
#include "metrics/snapshot.h"

typedef struct ingest_agent {
    tagdict *tags; /* the agent's tag sets, as the engine's tag source */
    int src;
    uint32_t *tagmap; /* the agent's tag id -> id in tags */
    uint32_t *alltag; /* the agent's tag id -> id in the ingest's `all` (series counting) */
    uint32_t ntags, captags;
    int32_t metric[REGISTRY_MAX]; /* the agent's metric id -> registry id + 1; 0: not defined */
    uint64_t seq;
    struct {
        double value;
        int64_t t_ns;
        uint32_t tag;
        bool has;
    } vus[2]; /* vus, vus_max */
} ingest_agent;

struct ingest {
    engine *e;
    int nagents;
    size_t max_tagsets;
    ingest_agent *agents;
    snapshot_scratch sc;
    /* the snapshot being checked */
    ingest_agent *cur;
    int32_t pending[REGISTRY_MAX]; /* metrics it defines: registry id + 1 */
    uint32_t pending_ids[REGISTRY_MAX], npending;
    uint32_t new_tags;
    bool vus_seen[2];
    uint64_t merged;
    /* distinct time series (metric + tag set) over all agents: every
     * agent's tag sets interned once more in `all`, and a set of the
     * (metric, tag set in all) pairs seen; grown per new series only */
    tagdict *all;
    uint64_t *seen; /* open addressing; 0 is free (keys are stored + 1) */
    size_t nseen, capseen;
};

ingest *ingest_new(engine *e, int nagents, size_t max_tagsets) {
    if (nagents < 1 || nagents > 255) return NULL;
    ingest *g = calloc(1, sizeof *g);
    if (!g) return NULL;
    g->e = e;
    g->nagents = nagents;
    g->max_tagsets = max_tagsets ? max_tagsets : UINT32_MAX;
    if (!(g->agents = calloc((size_t)nagents, sizeof *g->agents)) || !(g->all = tagdict_new())) {
        free(g->agents);
        free(g);
        return NULL;
    }
    for (int i = 0; i < nagents; i++) {
        ingest_agent *a = &g->agents[i];
        if (!(a->tags = tagdict_new()) || (a->src = engine_add_tag_source(e, a->tags)) < 0) {
            ingest_free(g);
            return NULL;
        }
    }
    return g;
}

void ingest_free(ingest *g) {
    if (!g) return;
    for (int i = 0; i < g->nagents; i++) {
        if (g->agents[i].tags) tagdict_free(g->agents[i].tags);
        free(g->agents[i].tagmap);
        free(g->agents[i].alltag);
    }
    tagdict_free(g->all);
    free(g->seen);
    free(g->agents);
    snapshot_scratch_free(&g->sc);
    free(g);
}

uint64_t ingest_series_merged(const ingest *g) { return g->merged; }

size_t ingest_series_count(const ingest *g) { return g->nseen; }

static size_t seen_slot(const ingest *g, uint64_t key) {
    uint64_t h = key * 0x9E3779B97F4A7C15ull;
    size_t i = (size_t)(h >> 17) & (g->capseen - 1);
    while (g->seen[i] && g->seen[i] != key) i = (i + 1) & (g->capseen - 1);
    return i;
}

/* Counts the series (metric m, tag set id in all) once; -1: out of memory. */
static int seen_add(ingest *g, int m, uint32_t tag) {
    uint64_t key = (((uint64_t)(uint32_t)m << 32) | tag) + 1;
    if (g->capseen && g->seen[seen_slot(g, key)] == key) return 0;
    if ((g->nseen + 1) * 2 > g->capseen) {
        size_t cap = g->capseen ? g->capseen * 2 : 1024;
        uint64_t *old = g->seen;
        size_t oldcap = g->capseen;
        if (!(g->seen = calloc(cap, sizeof *g->seen))) {
            g->seen = old;
            return -1;
        }
        g->capseen = cap;
        for (size_t i = 0; i < oldcap; i++)
            if (old[i]) g->seen[seen_slot(g, old[i])] = old[i];
        free(old);
    }
    g->seen[seen_slot(g, key)] = key;
    g->nseen++;
    return 0;
}

static int vus_index(int m) { return m == M_VUS ? 0 : m == M_VUS_MAX ? 1 : -1; }

/* ---- the check ---- */

static int check_seq(void *ctx, uint64_t seq, char *err, size_t errlen) {
    ingest *g = ctx;
    if (seq == g->cur->seq + 1) return 0;
    snprintf(err, errlen, "metrics snapshot: number %llu from agent %d, expected %llu", (unsigned long long)seq,
             (int)(g->cur - g->agents), (unsigned long long)(g->cur->seq + 1));
    return -1;
}

static int check_metric(void *ctx, uint32_t id, metric_type type, value_kind kind, const char *name, char *err,
                        size_t errlen) {
    ingest *g = ctx;
    int m = registry_get_or_add(name, type, kind, err, errlen); /* idempotent: a name means one metric */
    if (m < 0) return -1;
    int32_t was = g->cur->metric[id] ? g->cur->metric[id] : g->pending[id];
    if (was && was != m + 1) {
        snprintf(err, errlen, "metrics snapshot: metric %u redefined as \"%s\"", id, name);
        return -1;
    }
    if (!g->pending[id]) g->pending_ids[g->npending++] = id;
    g->pending[id] = m + 1;
    return 0;
}

static int check_tagset(void *ctx, uint32_t id, tag_kv *kv, size_t n, char *err, size_t errlen) {
    ingest *g = ctx;
    (void)kv;
    (void)n;
    if (id != g->cur->ntags + g->new_tags) {
        snprintf(err, errlen, "metrics snapshot: tag set %u where %u was expected", id, g->cur->ntags + g->new_tags);
        return -1;
    }
    if ((size_t)id >= g->max_tagsets) {
        snprintf(err, errlen, "metrics snapshot: too many time series: more than %zu tag sets from one agent",
                 g->max_tagsets);
        return -1;
    }
    g->new_tags++;
    return 0;
}

static int registry_of(const ingest *g, const ingest_agent *a, uint32_t metric) {
    int32_t m = a->metric[metric] ? a->metric[metric] : g->pending[metric];
    return m - 1;
}

static int check_series(void *ctx, uint32_t metric, uint32_t tag, const sink_parts *p, int64_t t_ns, char *err,
                        size_t errlen) {
    ingest *g = ctx;
    (void)t_ns;
    int m = registry_of(g, g->cur, metric);
    if (m < 0) {
        snprintf(err, errlen, "metrics snapshot: series of undefined metric %u", metric);
        return -1;
    }
    if (registry_get(m)->type != p->type) {
        snprintf(err, errlen, "metrics snapshot: series of %s with a %s delta", registry_get(m)->name,
                 metric_type_name(p->type));
        return -1;
    }
    if (tag >= g->cur->ntags + g->new_tags) {
        snprintf(err, errlen, "metrics snapshot: undefined tag set %u", tag);
        return -1;
    }
    return 0;
}

/* ---- the merge ---- */

static int apply_metric(void *ctx, uint32_t id, metric_type type, value_kind kind, const char *name, char *err,
                        size_t errlen) {
    ingest *g = ctx;
    (void)type;
    (void)kind;
    (void)name;
    (void)err;
    (void)errlen;
    g->cur->metric[id] = g->pending[id];
    return 0;
}

static int apply_tagset(void *ctx, uint32_t id, tag_kv *kv, size_t n, char *err, size_t errlen) {
    ingest *g = ctx;
    ingest_agent *a = g->cur;
    if (id >= a->captags) {
        uint32_t cap = a->captags ? a->captags * 2 : 256;
        while (cap <= id) cap *= 2;
        uint32_t *map = realloc(a->tagmap, cap * sizeof *map);
        if (map) a->tagmap = map;
        uint32_t *all = map ? realloc(a->alltag, cap * sizeof *all) : NULL;
        if (!all) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        a->alltag = all;
        a->captags = cap;
    }
    a->tagmap[id] = tagdict_intern(a->tags, kv, n);
    a->alltag[id] = tagdict_intern(g->all, kv, n); /* (kv is sorted and filtered by now: the same set) */
    a->ntags = id + 1;
    return 0;
}

static int apply_series(void *ctx, uint32_t metric, uint32_t tag, const sink_parts *p, int64_t t_ns, char *err,
                        size_t errlen) {
    ingest *g = ctx;
    ingest_agent *a = g->cur;
    int m = a->metric[metric] - 1;
    g->merged++;
    if (seen_add(g, m, a->alltag[tag])) {
        snprintf(err, errlen, "metrics snapshot: cannot count a series of %s (out of memory)", registry_get(m)->name);
        return -1;
    }
    int v = vus_index(m);
    if (v >= 0) { /* summed over agents once the snapshot is merged */
        if (p->u.gauge.n && (!a->vus[v].has || t_ns >= a->vus[v].t_ns)) {
            a->vus[v].value = p->u.gauge.value;
            a->vus[v].t_ns = t_ns;
            a->vus[v].tag = a->tagmap[tag];
            a->vus[v].has = true;
            g->vus_seen[v] = true;
        }
        return 0;
    }
    if (engine_merge_series(g->e, a->src, a->tagmap[tag], m, p, t_ns) < 0) {
        snprintf(err, errlen, "metrics snapshot: cannot merge a series of %s (out of memory)", registry_get(m)->name);
        return -1;
    }
    return 0;
}

/* vus and vus_max: the sum of every agent's latest value, added as one sample. */
static void merge_vus(ingest *g, int v) {
    double sum = 0;
    int64_t t = 0;
    for (int i = 0; i < g->nagents; i++) {
        if (!g->agents[i].vus[v].has) return;
        sum += g->agents[i].vus[v].value;
        if (g->agents[i].vus[v].t_ns > t) t = g->agents[i].vus[v].t_ns;
    }
    sink_parts p;
    memset(&p, 0, sizeof p);
    p.type = METRIC_GAUGE;
    p.u.gauge.value = p.u.gauge.min = p.u.gauge.max = sum;
    p.u.gauge.n = 1;
    engine_merge_series(g->e, g->cur->src, g->cur->vus[v].tag, v ? M_VUS_MAX : M_VUS, &p, t);
}

int ingest_snapshot(ingest *g, int agent, const void *data, size_t len, char *err, size_t errlen) {
    if (agent < 0 || agent >= g->nagents) {
        snprintf(err, errlen, "metrics snapshot: no agent %d", agent);
        return -1;
    }
    ingest_agent *a = &g->agents[agent];
    g->cur = a;
    g->new_tags = 0;
    for (uint32_t i = 0; i < g->npending; i++) g->pending[g->pending_ids[i]] = 0;
    g->npending = 0;
    static const snapshot_handler check = {check_seq, check_metric, check_tagset, check_series};
    static const snapshot_handler apply = {NULL, apply_metric, apply_tagset, apply_series};
    if (snapshot_decode(data, len, &check, g, &g->sc, err, errlen) < 0) return -1;
    g->vus_seen[0] = g->vus_seen[1] = false;
    if (snapshot_decode(data, len, &apply, g, &g->sc, err, errlen) < 0) return -1;
    a->seq++;
    for (int v = 0; v < 2; v++)
        if (g->vus_seen[v]) merge_vus(g, v);
    return 0;
}
