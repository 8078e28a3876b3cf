#include "metrics/engine.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "metrics/registry.h"
#include "util/log.h"

#define ENGINE_MAX_SOURCES 256
#define ENGINE_MAX_LISTENERS 8
#define TAG_UNKNOWN (-2)
#define TAG_NOCHECK (-1)

typedef struct engine_source {
    sample_buf *buf;
    int32_t *check_of;     /* local tag id -> check index, TAG_NOCHECK, or TAG_UNKNOWN */
    uint64_t *sub_of;      /* local tag id -> sub-metrics whose filter the set matches */
    uint32_t ncheck_of;    /* entries in check_of and sub_of */
} engine_source;

typedef struct engine_sub {
    int metric;
    char *name;            /* metric{filter} */
    tag_kv *pairs;         /* the filter, parsed (strings owned) */
    size_t npairs;
    sink sink;
    bool has;
} engine_sub;

struct engine {
    engine_source src[ENGINE_MAX_SOURCES];
    int nsrc;
    sink sinks[REGISTRY_MAX];
    unsigned char has[REGISTRY_MAX];
    engine_check *checks;
    size_t nchecks, capchecks;
    engine_sub subs[ENGINE_MAX_SUBMETRICS];
    int nsubs;
    uint64_t sub_mask[REGISTRY_MAX];   /* per metric: its sub-metrics */
    struct { engine_listener *fn; void *ctx; } listeners[ENGINE_MAX_LISTENERS];
    int nlisteners;
    uint64_t seen;
    bool warned_cardinality;
};

/* Distinct tag sets past which the engine says, once, that URLs probably
 * carry IDs (each set is a series in every output and cloud backend). */
#define ENGINE_CARDINALITY_WARN 10000

engine *engine_new(void) { return calloc(1, sizeof(engine)); }

void engine_free(engine *e) {
    if (!e) return;
    for (int i = 0; i < REGISTRY_MAX; i++) if (e->has[i]) sink_free(&e->sinks[i]);
    for (size_t i = 0; i < e->nchecks; i++) { free(e->checks[i].name); free(e->checks[i].group); }
    free(e->checks);
    for (int i = 0; i < e->nsrc; i++) { free(e->src[i].check_of); free(e->src[i].sub_of); }
    for (int i = 0; i < e->nsubs; i++) {
        engine_sub *sb = &e->subs[i];
        if (sb->has) sink_free(&sb->sink);
        for (size_t k = 0; k < sb->npairs; k++) { free((char *)sb->pairs[k].key); free((char *)sb->pairs[k].value); }
        free(sb->pairs);
        free(sb->name);
    }
    free(e);
}

void engine_add_source(engine *e, sample_buf *b) {
    if (e->nsrc < ENGINE_MAX_SOURCES) e->src[e->nsrc++].buf = b;
}

void engine_add_listener(engine *e, engine_listener *fn, void *ctx) {
    if (e->nlisteners < ENGINE_MAX_LISTENERS) {
        e->listeners[e->nlisteners].fn = fn;
        e->listeners[e->nlisteners++].ctx = ctx;
    }
}

static int32_t engine_check_index(engine *e, const char *name, const char *group) {
    for (size_t i = 0; i < e->nchecks; i++)
        if (strcmp(e->checks[i].name, name) == 0 && strcmp(e->checks[i].group, group) == 0)
            return (int32_t)i;
    if (e->nchecks == e->capchecks) {
        e->capchecks = e->capchecks ? e->capchecks * 2 : 16;
        e->checks = realloc(e->checks, e->capchecks * sizeof *e->checks);
    }
    e->checks[e->nchecks] = (engine_check){strdup(name), strdup(group), 0, 0};
    return (int32_t)e->nchecks++;
}

static bool engine_sub_matches(const engine_sub *sb, const char *p, size_t len) {
    for (size_t k = 0; k < sb->npairs; k++) {
        const char *v = tagset_find(p, len, sb->pairs[k].key);
        if (!v || strcmp(v, sb->pairs[k].value) != 0) return false;
    }
    return true;
}

/* What a tag set means to the engine (its check, the sub-metrics it feeds),
 * computed once per (worker, tag set), not per sample. */
static void engine_tag_info(engine *e, engine_source *s, uint32_t tag) {
    if (tag >= s->ncheck_of) {
        uint32_t n = tagdict_published(s->buf->tags);
        if (n <= tag) n = tag + 1;
        s->check_of = realloc(s->check_of, n * sizeof *s->check_of);
        s->sub_of = realloc(s->sub_of, n * sizeof *s->sub_of);
        for (uint32_t i = s->ncheck_of; i < n; i++) s->check_of[i] = TAG_UNKNOWN;
        s->ncheck_of = n;
    }
    if (s->check_of[tag] != TAG_UNKNOWN) return;
    size_t len;
    const char *p = tagdict_get(s->buf->tags, tag, &len);
    const char *name = tagset_find(p, len, "check");
    const char *group = tagset_find(p, len, "group");
    s->check_of[tag] = name ? engine_check_index(e, name, group ? group : "") : TAG_NOCHECK;
    uint64_t mask = 0;
    for (int i = 0; i < e->nsubs; i++)
        if (engine_sub_matches(&e->subs[i], p, len)) mask |= 1ULL << i;
    s->sub_of[tag] = mask;
}

static void engine_add_to_subs(engine *e, uint64_t mask, double v) {
    while (mask) {
        int i = __builtin_ctzll(mask);
        mask &= mask - 1;
        engine_sub *sb = &e->subs[i];
        if (!sb->has) { sink_init(&sb->sink, registry_get(sb->metric)->type); sb->has = true; }
        sink_add(&sb->sink, v);
    }
}

static void engine_add(engine *e, engine_source *src, const sample *s) {
    int m = s->metric;
    if (!e->has[m]) {
        sink_init(&e->sinks[m], registry_get(m)->type);
        e->has[m] = 1;
    }
    sink_add(&e->sinks[m], s->value);
    if (m == M_CHECKS || e->sub_mask[m]) {
        engine_tag_info(e, src, s->tags);
        int32_t c = src->check_of[s->tags];
        if (m == M_CHECKS && c >= 0) {
            if (s->value != 0) e->checks[c].passes++; else e->checks[c].fails++;
        }
        uint64_t subs = src->sub_of[s->tags] & e->sub_mask[m];
        if (subs) engine_add_to_subs(e, subs, s->value);
    }
    for (int i = 0; i < e->nlisteners; i++) {
        size_t len;
        const char *p = tagdict_get(src->buf->tags, s->tags, &len);
        e->listeners[i].fn(e->listeners[i].ctx, s, p, len);
    }
}

static void engine_check_cardinality(engine *e) {
    uint64_t sets = 0;
    for (int i = 0; i < e->nsrc; i++) sets += tagdict_published(e->src[i].buf->tags);
    if (sets <= ENGINE_CARDINALITY_WARN) return;
    e->warned_cardinality = true;
    log_printf(LOG_WARN, "the test has produced more than %d distinct tag sets (%llu): URLs with IDs in "
               "them make a series each. Group them with the name tag: http.url`...${id}` or "
               "params.tags.name", ENGINE_CARDINALITY_WARN, (unsigned long long)sets);
}

void engine_drain(engine *e) {
    if (!e->warned_cardinality) engine_check_cardinality(e);
    for (int i = 0; i < e->nsrc; i++) {
        engine_source *src = &e->src[i];
        sample_chunk *list = sample_buf_take(src->buf);
        for (sample_chunk *c = list; c; c = c->next) {
            for (uint32_t k = 0; k < c->n; k++) engine_add(e, src, &c->s[k]);
            e->seen += c->n;
        }
        sample_buf_recycle(src->buf, list);
    }
}

const sink *engine_sink(const engine *e, int metric) {
    return e->has[metric] ? &e->sinks[metric] : NULL;
}

size_t engine_checks(const engine *e, const engine_check **out) {
    *out = e->checks;
    return e->nchecks;
}

uint64_t engine_samples_seen(const engine *e) { return e->seen; }

/* "k:v,k2:v2" -> pairs; quotes around values are dropped; the first ':' splits. */
static int engine_parse_filter(const char *filter, engine_sub *sb, char *err, size_t errlen) {
    char *copy = strdup(filter);
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
        for (char *t = k + strlen(k); t > k && t[-1] == ' '; ) *--t = 0;
        while (*v == ' ') v++;
        for (char *t = v + strlen(v); t > v && t[-1] == ' '; ) *--t = 0;
        size_t vl = strlen(v);
        if (vl >= 2 && (v[0] == '"' || v[0] == '\'') && v[vl - 1] == v[0]) { v[vl - 1] = 0; v++; }
        sb->pairs = realloc(sb->pairs, (sb->npairs + 1) * sizeof *sb->pairs);
        sb->pairs[sb->npairs++] = (tag_kv){strdup(k), strdup(v)};
    }
    free(copy);
    return rc;
}

int engine_add_submetric(engine *e, int metric, const char *filter, char *err, size_t errlen) {
    const char *mname = registry_get(metric)->name;
    size_t n = strlen(mname) + strlen(filter) + 3;
    char *name = malloc(n);
    snprintf(name, n, "%s{%s}", mname, filter);
    for (int i = 0; i < e->nsubs; i++)
        if (strcmp(e->subs[i].name, name) == 0) { free(name); return i; }
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
        for (size_t k = 0; k < sb->npairs; k++) { free((char *)sb->pairs[k].key); free((char *)sb->pairs[k].value); }
        free(sb->pairs);
        free(name);
        return -1;
    }
    e->sub_mask[metric] |= 1ULL << e->nsubs;
    /* tag sets seen so far were classified without this sub-metric */
    for (int i = 0; i < e->nsrc; i++)
        for (uint32_t t = 0; t < e->src[i].ncheck_of; t++) e->src[i].check_of[t] = TAG_UNKNOWN;
    return e->nsubs++;
}

const sink *engine_submetric_sink(const engine *e, int idx) {
    return e->subs[idx].has ? &e->subs[idx].sink : NULL;
}
int engine_submetric_count(const engine *e) { return e->nsubs; }
const char *engine_submetric_name(const engine *e, int idx) { return e->subs[idx].name; }
int engine_submetric_parent(const engine *e, int idx) { return e->subs[idx].metric; }
