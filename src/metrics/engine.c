#include "metrics/engine.h"
#include "util/err.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "metrics/registry.h"
#include "util/log.h"

#define ENGINE_MAX_SOURCES 256
#define TAG_UNKNOWN        (-2)
#define TAG_NOCHECK        (-1)

/* What a tag set means to the engine, worked out once per (worker, tag
 * set) so that a sample costs one lookup whatever its tags. */
typedef struct engine_taginfo {
    uint64_t subs;          /* sub-metrics whose filter the set matches */
    int32_t check;          /* index in checks, TAG_NOCHECK, or TAG_UNKNOWN: not worked out */
    int32_t scenario_check; /* breakdown: the check's index in those nodes, or TAG_NOCHECK */
    int32_t group_check;
    int32_t group_path;    /* index in the engine's group paths; -1 outside any group */
    engine_node *scenario; /* breakdown: the scenario's root; NULL for none or "default" */
    engine_node *group;    /* breakdown: the group's node; NULL outside any group */
} engine_taginfo;

typedef struct engine_source {
    sample_buf *buf; /* NULL: a tag source (engine_add_tag_source) */
    const tagdict *tags;
    engine_taginfo *info; /* by local tag id */
    uint32_t ninfo;
} engine_source;

struct engine_node {
    char *name; /* NULL for a root */
    engine_node **kids;
    size_t nkids;
    engine_node_metric *ms; /* a sink per metric seen here, added as samples come */
    size_t nms;
    int32_t *slot; /* metric id -> index in ms, or -1 */
    uint32_t nslot;
    engine_check *checks;
    size_t nchecks;
};

typedef struct engine_sub {
    int metric;
    char *name;    /* metric{filter} */
    tag_kv *pairs; /* the filter, parsed (strings owned) */
    size_t npairs;
    sink sink;
    bool has;
    /* every sample of the parent so far matched the filter: the sub-metric
     * is the parent's sink, not kept apart (sink and has unused) until a
     * sample that does not match comes, before which it is made a copy of
     * the parent (the same sink as had it been fed each sample). Saves a
     * request's second Trend add for http_req_duration{expected_response:true}
     * while every response is expected. */
    bool shadow;
    int64_t t_ns; /* merged series: the time of the Gauge's value */
} engine_sub;

struct engine {
    engine_source src[ENGINE_MAX_SOURCES];
    int nsrc;
    sink sinks[REGISTRY_MAX];
    unsigned char has[REGISTRY_MAX];
    /* per metric: its samples' tags matter (checks, group_duration, a
     * sub-metric of it, the breakdown), so drains look their tag set up */
    unsigned char tagged[REGISTRY_MAX];
    engine_check *checks;
    size_t nchecks, capchecks;
    /* every group tag seen, and those that ran (a group_duration or a
     * checks sample), in the order they first did */
    struct {
        char *path;
        bool ran;
    } * gpaths;
    size_t ngpaths;
    const char **gran;
    size_t ngran;
    engine_sub subs[ENGINE_MAX_SUBMETRICS];
    int nsubs;
    uint64_t sub_mask[REGISTRY_MAX];    /* per metric: its sub-metrics kept apart */
    uint64_t shadow_mask[REGISTRY_MAX]; /* per metric: its sub-metrics that are its sink (shadow) */
    struct {
        engine_listener *fn;
        void *ctx;
    } listeners[ENGINE_MAX_LISTENERS];
    int nlisteners;
    /* per pack kind: its sinks are made; which of its samples' metrics
     * are tagged (bit i: sample i) */
    bool pack_ready[PACK_KINDS];
    uint32_t pack_tagged[PACK_KINDS];
    /* per pack kind: the sub-metrics of its metrics kept apart (sub_mask),
     * and those that are their parent's sink (shadow_mask) */
    uint64_t pack_live[PACK_KINDS], pack_shadow[PACK_KINDS];
    /* the Trends of a request's pack (its samples 1-7), once ready: their
     * sinks' histograms (NULL: out of memory), which never move */
    histogram *http_trends[7];
    /* how many of those samples were +0.0 (a kept-alive connection's
     * blocked, connecting, TLS and often receiving times) and are not in
     * their histograms yet: added at the end of the drain (hist_add_zeros),
     * before anything reads a sink; the same histograms as one add each,
     * since neither the sum, the buckets nor a percentile depends on the
     * order of the samples */
    uint64_t http_zeros[7];
    /* the samples of a chunk with packs, spread out for the listeners: at
     * most 3 a slot (a pack's first slot holds one, the others three) */
    sample *unpacked;
    uint64_t seen;
    int64_t *gauge_t; /* merged series: per metric, the time of the Gauge's value */
    bool warned_cardinality;
    bool breakdown;
    engine_node root, scenarios; /* breakdown: the test's groups; the scenarios' roots */
};

/* Distinct tag sets past which the engine says, once, that URLs probably
 * carry IDs (each set is a series in every output and cloud backend). */
#define ENGINE_CARDINALITY_WARN 10000

static void engine_pack_tagged_update(engine *e);

engine *engine_new(void) {
    engine *e = calloc(1, sizeof(engine));
    if (!e) return NULL;
    e->tagged[M_CHECKS] = e->tagged[M_GROUP_DURATION] = 1;
    engine_pack_tagged_update(e);
    return e;
}

static void node_clear(engine_node *n) {
    for (size_t i = 0; i < n->nkids; i++) {
        node_clear(n->kids[i]);
        free(n->kids[i]);
    }
    free(n->kids);
    for (size_t i = 0; i < n->nms; i++) sink_free(&n->ms[i].sink);
    free(n->ms);
    free(n->slot);
    for (size_t i = 0; i < n->nchecks; i++) free(n->checks[i].name);
    free(n->checks);
    free(n->name);
}

void engine_free(engine *e) {
    if (!e) return;
    for (int i = 0; i < REGISTRY_MAX; i++)
        if (e->has[i]) sink_free(&e->sinks[i]);
    for (size_t i = 0; i < e->nchecks; i++) {
        free(e->checks[i].name);
        free(e->checks[i].group);
    }
    free(e->checks);
    for (size_t i = 0; i < e->ngpaths; i++) free(e->gpaths[i].path);
    free(e->gpaths);
    free(e->gran);
    free(e->gauge_t);
    free(e->unpacked);
    for (int i = 0; i < e->nsrc; i++) free(e->src[i].info);
    node_clear(&e->root);
    node_clear(&e->scenarios);
    for (int i = 0; i < e->nsubs; i++) {
        engine_sub *sb = &e->subs[i];
        if (sb->has) sink_free(&sb->sink);
        for (size_t k = 0; k < sb->npairs; k++) {
            free((char *)sb->pairs[k].key);
            free((char *)sb->pairs[k].value);
        }
        free(sb->pairs);
        free(sb->name);
    }
    free(e);
}

void engine_add_source(engine *e, sample_buf *b) {
    if (e->nsrc < ENGINE_MAX_SOURCES) {
        e->src[e->nsrc].tags = b->tags;
        e->src[e->nsrc++].buf = b;
    }
}

int engine_add_tag_source(engine *e, const tagdict *tags) {
    if (e->nsrc >= ENGINE_MAX_SOURCES) return -1;
    e->src[e->nsrc].tags = tags;
    e->src[e->nsrc].buf = NULL;
    return e->nsrc++;
}

int engine_add_listener(engine *e, engine_listener *fn, void *ctx) {
    if (e->nlisteners >= ENGINE_MAX_LISTENERS) return -1;
    if (!e->unpacked && !(e->unpacked = malloc(3 * SAMPLE_CHUNK * sizeof *e->unpacked))) return -1;
    e->listeners[e->nlisteners].fn = fn;
    e->listeners[e->nlisteners++].ctx = ctx;
    return 0;
}

static int32_t engine_check_index(engine *e, const char *name, const char *group) {
    for (size_t i = 0; i < e->nchecks; i++)
        if (strcmp(e->checks[i].name, name) == 0 && strcmp(e->checks[i].group, group) == 0) return (int32_t)i;
    if (e->nchecks == e->capchecks) {
        e->capchecks = e->capchecks ? e->capchecks * 2 : 16;
        e->checks = xrealloc(e->checks, e->capchecks * sizeof *e->checks); /* once per check name */
    }
    e->checks[e->nchecks] = (engine_check){xstrdup(name), xstrdup(group), 0, 0};
    return (int32_t)e->nchecks++;
}

/* The index of a group path, added on first sight; -1 when out of memory. */
static int32_t engine_group_index(engine *e, const char *path) {
    for (size_t i = 0; i < e->ngpaths; i++)
        if (strcmp(e->gpaths[i].path, path) == 0) return (int32_t)i;
    void *g = realloc(e->gpaths, (e->ngpaths + 1) * sizeof *e->gpaths);
    if (!g) return -1;
    e->gpaths = g;
    char *copy = strdup(path);
    if (!copy) return -1;
    e->gpaths[e->ngpaths].path = copy;
    e->gpaths[e->ngpaths].ran = false;
    return (int32_t)e->ngpaths++;
}

/* k6 builds its group tree from the group_duration and checks samples. */
static __attribute__((noinline)) void engine_group_ran_first(engine *e, int32_t idx) {
    const char **g = realloc(e->gran, (e->ngran + 1) * sizeof *g);
    if (!g) return;
    e->gran = g;
    e->gran[e->ngran++] = e->gpaths[idx].path;
    e->gpaths[idx].ran = true;
}

/* Inline: every check sample asks. */
static inline void engine_group_ran(engine *e, int32_t idx) {
    if (idx >= 0 && !e->gpaths[idx].ran) engine_group_ran_first(e, idx);
}

static bool engine_sub_matches(const engine_sub *sb, const char *p, size_t len) {
    for (size_t k = 0; k < sb->npairs; k++) {
        const char *v = tagset_find(p, len, sb->pairs[k].key);
        if (!v || strcmp(v, sb->pairs[k].value) != 0) return false;
    }
    return true;
}

/* ---- the breakdown's nodes ---- */

static engine_node *node_child(engine_node *parent, const char *name, size_t len) {
    for (size_t i = 0; i < parent->nkids; i++) {
        const char *k = parent->kids[i]->name;
        if (strlen(k) == len && memcmp(k, name, len) == 0) return parent->kids[i];
    }
    engine_node **kids = realloc(parent->kids, (parent->nkids + 1) * sizeof *kids);
    if (kids) parent->kids = kids;
    engine_node *n = kids ? calloc(1, sizeof *n) : NULL;
    if (n && !(n->name = strndup(name, len))) {
        free(n);
        n = NULL;
    }
    if (n) parent->kids[parent->nkids++] = n;
    return n;
}

/* The node of a group tag, made as needed: "::a::b" is b under a, as k6
 * splits the tag on "::" after dropping the leading one. */
static engine_node *node_of_group(engine_node *base, const char *path) {
    if (strncmp(path, "::", 2) == 0) path += 2;
    engine_node *n = base;
    for (;;) {
        const char *sep = strstr(path, "::");
        size_t len = sep ? (size_t)(sep - path) : strlen(path);
        if (!(n = node_child(n, path, len)) || !sep) return n;
        path = sep + 2;
    }
}

static int32_t node_check_index(engine_node *n, const char *name) {
    for (size_t i = 0; i < n->nchecks; i++)
        if (strcmp(n->checks[i].name, name) == 0) return (int32_t)i;
    engine_check *c = realloc(n->checks, (n->nchecks + 1) * sizeof *c);
    if (c) n->checks = c;
    char *copy = c ? strdup(name) : NULL;
    if (!copy) return TAG_NOCHECK;
    c[n->nchecks] = (engine_check){copy, NULL, 0, 0};
    return (int32_t)n->nchecks++;
}

/* The index of metric m's sink in n, made on its first sample; -1 when
 * out of memory. */
static int32_t node_metric(engine_node *n, int m) {
    if ((uint32_t)m >= n->nslot) {
        uint32_t ns = (uint32_t)registry_count() > (uint32_t)m ? (uint32_t)registry_count() : (uint32_t)m + 1;
        int32_t *slot = realloc(n->slot, ns * sizeof *slot);
        if (!slot) return -1;
        for (uint32_t i = n->nslot; i < ns; i++) slot[i] = -1;
        n->slot = slot;
        n->nslot = ns;
    }
    if (n->slot[m] >= 0) return n->slot[m];
    engine_node_metric *ms = realloc(n->ms, (n->nms + 1) * sizeof *ms);
    if (!ms) return -1;
    n->ms = ms;
    ms[n->nms].metric = m;
    ms[n->nms].t_ns = 0;
    sink_init(&ms[n->nms].sink, registry_get(m)->type);
    n->slot[m] = (int32_t)n->nms;
    return (int32_t)n->nms++;
}

static void node_add(engine_node *n, int m, double v, int32_t check) {
    int32_t k = (uint32_t)m < n->nslot ? n->slot[m] : -1;
    if (k < 0 && (k = node_metric(n, m)) < 0) return;
    sink_add(&n->ms[k].sink, v);
    if (check >= 0) {
        if (v != 0) n->checks[check].passes++;
        else n->checks[check].fails++;
    }
}

/* Where a tag set's samples go in the breakdown (k6's summary output). */
static void engine_tag_nodes(engine *e, engine_taginfo *ti, const char *p, size_t len, const char *check,
                             const char *group) {
    const char *scenario = tagset_find(p, len, "scenario");
    engine_node *base = &e->root;
    if (scenario && strcmp(scenario, "default") != 0)
        base = ti->scenario = node_child(&e->scenarios, scenario, strlen(scenario));
    if (base && group && *group) ti->group = node_of_group(base, group);
    if (!check) return;
    if (ti->scenario) ti->scenario_check = node_check_index(ti->scenario, check);
    if (ti->group) ti->group_check = node_check_index(ti->group, check);
}

/* ---- draining ---- */

/* The tag set's info, worked out on its first sample; NULL when out of memory. */
static const engine_taginfo *engine_tag_info_new(engine *e, engine_source *s, uint32_t tag) {
    if (tag >= s->ninfo) {
        uint32_t n = tagdict_published(s->tags);
        if (n <= tag) n = tag + 1;
        engine_taginfo *info = realloc(s->info, n * sizeof *info);
        if (!info) return NULL;
        for (uint32_t i = s->ninfo; i < n; i++) info[i].check = TAG_UNKNOWN;
        s->info = info;
        s->ninfo = n;
    }
    engine_taginfo *ti = &s->info[tag];
    if (ti->check != TAG_UNKNOWN) return ti;
    size_t len;
    const char *p = tagdict_get(s->tags, tag, &len);
    const char *name = tagset_find(p, len, "check");
    const char *group = tagset_find(p, len, "group");
    *ti = (engine_taginfo){0, TAG_NOCHECK, TAG_NOCHECK, TAG_NOCHECK, -1, NULL, NULL};
    if (group && *group) ti->group_path = engine_group_index(e, group);
    if (name) ti->check = engine_check_index(e, name, group ? group : "");
    for (int i = 0; i < e->nsubs; i++)
        if (engine_sub_matches(&e->subs[i], p, len)) ti->subs |= 1ULL << i;
    if (e->breakdown) engine_tag_nodes(e, ti, p, len, name, group);
    return ti;
}

/* Inline: the set's info is known for every sample after its first. */
static inline const engine_taginfo *engine_tag_info(engine *e, engine_source *s, uint32_t tag) {
    if (tag < s->ninfo && s->info[tag].check != TAG_UNKNOWN) return &s->info[tag];
    return engine_tag_info_new(e, s, tag);
}

/* Tag sets seen so far were worked out without what is being added. */
static void engine_forget_tags(engine *e) {
    for (int i = 0; i < e->nsrc; i++)
        for (uint32_t t = 0; t < e->src[i].ninfo; t++) e->src[i].info[t].check = TAG_UNKNOWN;
}

static __attribute__((noinline)) void engine_sub_first(engine_sub *sb) {
    sink_init(&sb->sink, registry_get(sb->metric)->type);
    sb->has = true;
}

/* Inline: a request's http_req_duration goes to a sub-metric at least
 * (expected_response:true, in every summary). */
static inline void engine_add_to_subs(engine *e, uint64_t mask, double v) {
    while (mask) {
        int i = __builtin_ctzll(mask);
        mask &= mask - 1;
        engine_sub *sb = &e->subs[i];
        if (!sb->has) engine_sub_first(sb);
        sink_add(&sb->sink, v);
    }
}

/* A sample of a metric other than checks and group_duration, where its tags
 * send it besides the metric's sink: sub-metrics, the breakdown's nodes. */
static inline void engine_add_tagged_plain(engine *e, const engine_taginfo *ti, int m, double v) {
    uint64_t subs = ti->subs & e->sub_mask[m];
    if (subs) engine_add_to_subs(e, subs, v);
    if (ti->scenario) node_add(ti->scenario, m, v, TAG_NOCHECK);
    if (ti->group) node_add(ti->group, m, v, TAG_NOCHECK);
}

static void engine_add_tagged(engine *e, const engine_taginfo *ti, int m, double v) {
    bool is_check = m == M_CHECKS;
    if (!is_check && m != M_GROUP_DURATION) {
        engine_add_tagged_plain(e, ti, m, v);
        return;
    }
    if (is_check && ti->check >= 0) {
        if (v != 0) e->checks[ti->check].passes++;
        else e->checks[ti->check].fails++;
    }
    engine_group_ran(e, ti->group_path);
    uint64_t subs = ti->subs & e->sub_mask[m];
    if (subs) engine_add_to_subs(e, subs, v);
    if (ti->scenario) node_add(ti->scenario, m, v, is_check ? ti->scenario_check : TAG_NOCHECK);
    if (ti->group) node_add(ti->group, m, v, is_check ? ti->group_check : TAG_NOCHECK);
}

/* The sub-metrics `which` of metric m stop being its sink (engine_sub's
 * shadow): a sample that does not match them comes, not added to m yet.
 * Each becomes what it would hold had it been fed m's samples so far (all
 * of which matched): a copy of m's sink, or nothing when m has none. */
static void engine_flush_zeros(engine *e) {
    for (int i = 0; i < 7; i++) {
        if (!e->http_zeros[i]) continue;
        if (e->http_trends[i]) hist_add_zeros(e->http_trends[i], e->http_zeros[i]);
        e->http_zeros[i] = 0;
    }
}

static __attribute__((noinline)) void engine_unshadow(engine *e, int m, uint64_t which) {
    engine_flush_zeros(e); /* m's sink whole before it is copied */
    for (; which; which &= which - 1) {
        int i = __builtin_ctzll(which);
        engine_sub *sb = &e->subs[i];
        if (e->has[m]) {
            if (!sb->has) engine_sub_first(sb);
            sink_merge(&sb->sink, &e->sinks[m]);
            sb->t_ns = e->gauge_t ? e->gauge_t[m] : 0;
        }
        sb->shadow = false;
        e->shadow_mask[m] &= ~(1ULL << i);
        e->sub_mask[m] |= 1ULL << i;
    }
    engine_pack_tagged_update(e);
}

/* Before m's sink has the sample: the sub-metrics that are m's sink and
 * that the sample's tags (ti; NULL: unknown) do not match stop being so. */
static inline void engine_shadow_check(engine *e, int m, const engine_taginfo *ti) {
    uint64_t broken = e->shadow_mask[m] & ~(ti ? ti->subs : 0);
    if (broken) engine_unshadow(e, m, broken);
}

/* The tagged part first: a sub-metric stops being m's sink before m has
 * the sample (engine_unshadow). */
static inline void engine_add(engine *e, engine_source *src, int m, uint32_t tags, double v) {
    if (e->tagged[m]) {
        const engine_taginfo *ti = engine_tag_info(e, src, tags);
        engine_shadow_check(e, m, ti);
        if (ti) engine_add_tagged(e, ti, m, v);
    }
    if (!e->has[m]) {
        sink_init(&e->sinks[m], registry_get(m)->type);
        e->has[m] = 1;
    }
    sink_add(&e->sinks[m], v);
}

/* ---- packs (metrics/samples.h): what engine_add does for each of their
 * samples, by kind, with the sinks' types known (the built-ins', which
 * metrics/registry.c fixes) and the tag set looked up once ---- */

/* The sinks of the kind's metrics, made on its first pack. */
static void engine_pack_ready(engine *e, int kind) {
    const sample_pack_def *d = &sample_packs[kind];
    for (uint32_t i = 0; i < d->n; i++) {
        int m = d->metric[i];
        if (!e->has[m]) {
            sink_init(&e->sinks[m], registry_get(m)->type);
            e->has[m] = 1;
        }
    }
    e->pack_ready[kind] = true;
    if (kind != PACK_ITER)
        for (int i = 0; i < 7; i++) e->http_trends[i] = e->sinks[d->metric[i + 1]].u.trend.h;
}

/* Which samples of each kind have tagged metrics; after tagged[] changed. */
static void engine_pack_tagged_update(engine *e) {
    for (int k = 0; k < PACK_KINDS; k++) {
        e->pack_tagged[k] = 0;
        e->pack_live[k] = e->pack_shadow[k] = 0;
        for (uint32_t i = 0; i < sample_packs[k].n; i++) {
            int m = sample_packs[k].metric[i];
            if (e->tagged[m]) e->pack_tagged[k] |= 1u << i;
            e->pack_live[k] |= e->sub_mask[m];
            e->pack_shadow[k] |= e->shadow_mask[m];
        }
    }
}

/* No pack holds checks or group_duration. Before the pack's metrics'
 * own sinks have its samples (engine_add). */
static __attribute__((noinline)) void engine_pack_tagged(engine *e, engine_source *src, const sample *h,
                                                         uint32_t mask) {
    const engine_taginfo *ti = engine_tag_info(e, src, h->tags);
    const sample_pack_def *d = &sample_packs[h->pad];
    for (; mask; mask &= mask - 1) {
        uint32_t i = (uint32_t)__builtin_ctz(mask);
        int m = d->metric[i];
        engine_shadow_check(e, m, ti);
        if (ti) engine_add_tagged_plain(e, ti, m, sample_pack_value(h, d, i));
    }
}

/* The pack's tags change nothing but its metrics' sinks: no sub-metric kept
 * apart matches them, every one that is its parent's sink does, and the
 * breakdown has no node for them (a request's tags, while every response is
 * expected and --summary-mode is not full). engine_pack_tagged would do
 * nothing. */
static inline bool engine_pack_quiet(engine *e, engine_source *src, const sample *h, int kind) {
    const engine_taginfo *ti = engine_tag_info(e, src, h->tags);
    return ti && !(ti->subs & e->pack_live[kind]) && !(e->pack_shadow[kind] & ~ti->subs) && !ti->scenario && !ti->group;
}

/* A request's i-th Trend (0: http_req_duration ... 6: _receiving). */
static inline void engine_http_trend(engine *e, uint32_t i, double v) {
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    if (bits == 0) e->http_zeros[i]++; /* +0.0 */
    else if (e->http_trends[i]) hist_add(e->http_trends[i], v);
}

/* PACK_HTTP, _FAILED, _NOFAILED: counter, 7 trends, [rate], 2 counters;
 * the counter's 1 and the rate's value are the kind's. */
static uint32_t engine_add_http(engine *e, engine_source *src, const sample *h) {
    int kind = h->pad;
    if (e->pack_tagged[kind] && !engine_pack_quiet(e, src, h, kind))
        engine_pack_tagged(e, src, h, e->pack_tagged[kind]);
    if (!e->pack_ready[kind]) engine_pack_ready(e, kind);
    sink *k = e->sinks;
    sink_add_counter(&k[M_HTTP_REQS], 1);
    engine_http_trend(e, 0, h->value);
    for (uint32_t i = 1; i < 7; i++) engine_http_trend(e, i, sample_pack_val(h, i)); /* (i > 0: no test of i) */
    if (kind != PACK_HTTP_NOFAILED) sink_add_rate(&k[M_HTTP_REQ_FAILED], kind == PACK_HTTP_FAILED);
    sink_add_counter(&k[M_DATA_SENT], sample_pack_val(h, 7));
    sink_add_counter(&k[M_DATA_RECEIVED], sample_pack_val(h, 8));
    return SAMPLE_PACK_SLOTS(PACK_HTTP_VALUES);
}

/* PACK_ITER: a counter (1) and a trend. */
static uint32_t engine_add_iter(engine *e, engine_source *src, const sample *h) {
    if (e->pack_tagged[PACK_ITER] && !engine_pack_quiet(e, src, h, PACK_ITER))
        engine_pack_tagged(e, src, h, e->pack_tagged[PACK_ITER]);
    if (!e->pack_ready[PACK_ITER]) engine_pack_ready(e, PACK_ITER);
    sink_add_counter(&e->sinks[M_ITERATIONS], 1);
    sink_add_trend(&e->sinks[M_ITERATION_DURATION], sample_pack_val(h, 0));
    return SAMPLE_PACK_SLOTS(PACK_ITER_VALUES);
}

static void engine_add_chunk(engine *e, engine_source *src, const sample_chunk *c) {
    for (uint32_t k = 0; k < c->n;) {
        const sample *s = &c->s[k];
        if (s->metric == SAMPLE_PACK) {
            k += s->pad == PACK_ITER ? engine_add_iter(e, src, s) : engine_add_http(e, src, s);
            continue;
        }
        engine_add(e, src, s->metric, s->tags, s->value);
        k++;
    }
}

/* The chunk's samples, its packs spread out, in e->unpacked; returns how many. */
static size_t engine_unpack(engine *e, const sample_chunk *c) {
    sample *out = e->unpacked;
    for (uint32_t k = 0; k < c->n;) {
        const sample *s = &c->s[k];
        if (s->metric != SAMPLE_PACK) {
            *out++ = *s;
            k++;
            continue;
        }
        const sample_pack_def *d = &sample_packs[s->pad];
        for (uint32_t i = 0; i < d->n; i++)
            *out++ =
                (sample){.t_ns = s->t_ns, .value = sample_pack_value(s, d, i), .tags = s->tags, .metric = d->metric[i]};
        k += SAMPLE_PACK_SLOTS(d->nval);
    }
    return (size_t)(out - e->unpacked);
}

static void engine_check_cardinality(engine *e) {
    uint64_t sets = 0;
    for (int i = 0; i < e->nsrc; i++) sets += tagdict_published(e->src[i].tags);
    if (sets <= ENGINE_CARDINALITY_WARN) return;
    e->warned_cardinality = true;
    log_printf(LOG_WARN,
               "the test has produced more than %d distinct tag sets (%llu): URLs with IDs in "
               "them make a series each. Group them with the name tag: http.url`...${id}` or "
               "params.tags.name",
               ENGINE_CARDINALITY_WARN, (unsigned long long)sets);
}

void engine_drain(engine *e) {
    if (!e->warned_cardinality) engine_check_cardinality(e);
    for (int i = 0; i < e->nsrc; i++) {
        engine_source *src = &e->src[i];
        if (!src->buf) continue;
        sample_chunk *list = sample_buf_take(src->buf);
        for (sample_chunk *c = list; c; c = c->next) {
            engine_add_chunk(e, src, c);
            if (e->nlisteners) {
                const sample *smp = c->s;
                size_t n = c->n;
                if (c->packs) {
                    n = engine_unpack(e, c);
                    smp = e->unpacked;
                }
                for (int k = 0; k < e->nlisteners; k++) e->listeners[k].fn(e->listeners[k].ctx, smp, n, src->buf->tags);
            }
            e->seen += c->n + c->extra;
        }
        sample_buf_recycle(src->buf, list);
    }
    engine_flush_zeros(e);
}

/* ---- merged series (metrics/ingest.c) ---- */

/* A Gauge destination takes the series' value when it is not older than
 * the one it holds: the value of the latest sample by time. */
static void merge_into(sink *dst, int64_t *dst_t, const sink_parts *p, int64_t t_ns) {
    bool later = sink_count(dst) == 0 || t_ns >= *dst_t;
    if (p->type == METRIC_GAUGE && later && p->u.gauge.n) *dst_t = t_ns;
    sink_merge_parts(dst, p, later);
}

int engine_merge_series(engine *e, int src, uint32_t tag, int m, const sink_parts *p, int64_t t_ns) {
    if (src < 0 || src >= e->nsrc || m < 0 || m >= registry_count() || registry_get(m)->type != p->type) return -1;
    if (p->type == METRIC_GAUGE && !e->gauge_t && !(e->gauge_t = calloc(REGISTRY_MAX, sizeof *e->gauge_t))) return -1;
    if (e->shadow_mask[m]) engine_unshadow(e, m, e->shadow_mask[m]); /* series go where they match */
    if (!e->has[m]) {
        sink_init(&e->sinks[m], p->type);
        e->has[m] = 1;
    }
    int64_t unused = 0;
    merge_into(&e->sinks[m], e->gauge_t ? &e->gauge_t[m] : &unused, p, t_ns);
    if (!e->tagged[m]) return 0;
    const engine_taginfo *ti = engine_tag_info(e, &e->src[src], tag);
    if (!ti) return -1;
    bool is_check = m == M_CHECKS;
    uint64_t pass = 0, fail = 0;
    if (is_check && p->type == METRIC_RATE) {
        pass = p->u.rate.nonzero;
        fail = p->u.rate.total - p->u.rate.nonzero;
    }
    if (is_check && ti->check >= 0) {
        e->checks[ti->check].passes += pass;
        e->checks[ti->check].fails += fail;
    }
    bool some = p->type == METRIC_RATE ? p->u.rate.total != 0 : p->type == METRIC_TREND ? p->u.trend.n != 0 : true;
    if ((is_check || m == M_GROUP_DURATION) && some) engine_group_ran(e, ti->group_path);
    for (uint64_t mask = ti->subs & e->sub_mask[m]; mask; mask &= mask - 1) {
        engine_sub *sb = &e->subs[__builtin_ctzll(mask)];
        if (!sb->has) {
            sink_init(&sb->sink, p->type);
            sb->has = true;
        }
        merge_into(&sb->sink, &sb->t_ns, p, t_ns);
    }
    engine_node *nodes[2] = {ti->scenario, ti->group};
    int32_t node_checks[2] = {ti->scenario_check, ti->group_check};
    for (int i = 0; i < 2; i++) {
        if (!nodes[i]) continue;
        int32_t k = node_metric(nodes[i], m);
        if (k < 0) return -1;
        merge_into(&nodes[i]->ms[k].sink, &nodes[i]->ms[k].t_ns, p, t_ns);
        if (is_check && node_checks[i] >= 0) {
            nodes[i]->checks[node_checks[i]].passes += pass;
            nodes[i]->checks[node_checks[i]].fails += fail;
        }
    }
    return 0;
}

const sink *engine_sink(const engine *e, int metric) { return e->has[metric] ? &e->sinks[metric] : NULL; }

size_t engine_checks(const engine *e, const engine_check **out) {
    *out = e->checks;
    return e->nchecks;
}

size_t engine_groups(const engine *e, const char *const **out) {
    *out = e->gran;
    return e->ngran;
}

uint64_t engine_samples_seen(const engine *e) { return e->seen; }

/* "k:v,k2:v2" -> pairs; quotes around values are dropped; the first ':' splits. */
static int engine_parse_filter(const char *filter, engine_sub *sb, char *err, size_t errlen) {
    char *copy = strdup(filter);
    if (!copy) return err_set(err, errlen, "out of memory");
    int rc = 0;
    for (char *save = NULL, *part = strtok_r(copy, ",", &save); part; part = strtok_r(NULL, ",", &save)) {
        while (*part == ' ') part++;
        char *colon = strchr(part, ':');
        if (!colon || colon == part) {
            snprintf(err, errlen, "sub-metric filter \"%s\": expected key:value, got \"%s\"", filter, part);
            rc = -1;
            break;
        }
        *colon = 0;
        char *k = part, *v = colon + 1;
        for (char *t = k + strlen(k); t > k && t[-1] == ' ';) *--t = 0;
        while (*v == ' ') v++;
        for (char *t = v + strlen(v); t > v && t[-1] == ' ';) *--t = 0;
        size_t vl = strlen(v);
        if (vl >= 2 && (v[0] == '"' || v[0] == '\'') && v[vl - 1] == v[0]) {
            v[vl - 1] = 0;
            v++;
        }
        sb->pairs = xrealloc(sb->pairs, (sb->npairs + 1) * sizeof *sb->pairs); /* config, once */
        sb->pairs[sb->npairs++] = (tag_kv){xstrdup(k), xstrdup(v)};
    }
    free(copy);
    return rc;
}

int engine_add_submetric(engine *e, int metric, const char *filter, char *err, size_t errlen) {
    const char *mname = registry_get(metric)->name;
    size_t n = strlen(mname) + strlen(filter) + 3;
    char *name = malloc(n);
    if (!name) return err_set(err, errlen, "out of memory");
    snprintf(name, n, "%s{%s}", mname, filter);
    for (int i = 0; i < e->nsubs; i++)
        if (strcmp(e->subs[i].name, name) == 0) {
            free(name);
            return i;
        }
    if (e->nsubs == ENGINE_MAX_SUBMETRICS) {
        snprintf(err, errlen, "too many sub-metrics (max %d)", ENGINE_MAX_SUBMETRICS);
        free(name);
        return -1;
    }
    engine_sub *sb = &e->subs[e->nsubs];
    memset(sb, 0, sizeof *sb);
    sb->metric = metric;
    sb->name = name;
    if (engine_parse_filter(filter, sb, err, errlen)) {
        for (size_t k = 0; k < sb->npairs; k++) {
            free((char *)sb->pairs[k].key);
            free((char *)sb->pairs[k].value);
        }
        free(sb->pairs);
        free(name);
        return -1;
    }
    /* with no sample of the parent yet, every one has matched so far */
    sb->shadow = !e->has[metric];
    if (sb->shadow) e->shadow_mask[metric] |= 1ULL << e->nsubs;
    else e->sub_mask[metric] |= 1ULL << e->nsubs;
    e->tagged[metric] = 1;
    engine_pack_tagged_update(e);
    engine_forget_tags(e);
    return e->nsubs++;
}

const sink *engine_submetric_sink(const engine *e, int idx) {
    const engine_sub *sb = &e->subs[idx];
    if (sb->shadow) return e->has[sb->metric] ? &e->sinks[sb->metric] : NULL;
    return sb->has ? &sb->sink : NULL;
}
int engine_submetric_count(const engine *e) { return e->nsubs; }
const char *engine_submetric_name(const engine *e, int idx) { return e->subs[idx].name; }
int engine_submetric_parent(const engine *e, int idx) { return e->subs[idx].metric; }

/* ---- the breakdown ---- */

void engine_enable_breakdown(engine *e) {
    e->breakdown = true;
    memset(e->tagged, 1, sizeof e->tagged);
    engine_pack_tagged_update(e);
    engine_forget_tags(e);
}

const engine_node *engine_group_root(const engine *e) { return e->breakdown ? &e->root : NULL; }

size_t engine_scenarios(const engine *e, const engine_node *const **out) {
    return engine_node_children(&e->scenarios, out);
}

const char *engine_node_name(const engine_node *n) { return n->name ? n->name : ""; }

size_t engine_node_children(const engine_node *n, const engine_node *const **out) {
    *out = (const engine_node *const *)n->kids;
    return n->nkids;
}

size_t engine_node_metrics(const engine_node *n, const engine_node_metric **out) {
    *out = n->ms;
    return n->nms;
}

size_t engine_node_checks(const engine_node *n, const engine_check **out) {
    *out = n->checks;
    return n->nchecks;
}
