#include "metrics/engine.h"

#include <stdlib.h>
#include <string.h>
#include "metrics/registry.h"

#define ENGINE_MAX_SOURCES 256
#define ENGINE_MAX_LISTENERS 8
#define TAG_UNKNOWN (-2)
#define TAG_NOCHECK (-1)

typedef struct engine_source {
    sample_buf *buf;
    int32_t *check_of;     /* local tag id -> check index, TAG_NOCHECK, or TAG_UNKNOWN */
    uint32_t ncheck_of;
} engine_source;

struct engine {
    engine_source src[ENGINE_MAX_SOURCES];
    int nsrc;
    sink sinks[REGISTRY_MAX];
    unsigned char has[REGISTRY_MAX];
    engine_check *checks;
    size_t nchecks, capchecks;
    struct { engine_listener *fn; void *ctx; } listeners[ENGINE_MAX_LISTENERS];
    int nlisteners;
    uint64_t seen;
};

engine *engine_new(void) { return calloc(1, sizeof(engine)); }

void engine_free(engine *e) {
    if (!e) return;
    for (int i = 0; i < REGISTRY_MAX; i++) if (e->has[i]) sink_free(&e->sinks[i]);
    for (size_t i = 0; i < e->nchecks; i++) { free(e->checks[i].name); free(e->checks[i].group); }
    free(e->checks);
    for (int i = 0; i < e->nsrc; i++) free(e->src[i].check_of);
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

/* Which check a tag set belongs to, computed once per (worker, tag set). */
static int32_t engine_check_of(engine *e, engine_source *s, uint32_t tag) {
    if (tag >= s->ncheck_of) {
        uint32_t n = tagdict_published(s->buf->tags);
        if (n <= tag) n = tag + 1;
        s->check_of = realloc(s->check_of, n * sizeof *s->check_of);
        for (uint32_t i = s->ncheck_of; i < n; i++) s->check_of[i] = TAG_UNKNOWN;
        s->ncheck_of = n;
    }
    if (s->check_of[tag] == TAG_UNKNOWN) {
        size_t len;
        const char *p = tagdict_get(s->buf->tags, tag, &len);
        const char *name = tagset_find(p, len, "check");
        const char *group = tagset_find(p, len, "group");
        s->check_of[tag] = name ? engine_check_index(e, name, group ? group : "") : TAG_NOCHECK;
    }
    return s->check_of[tag];
}

static void engine_add(engine *e, engine_source *src, const sample *s) {
    int m = s->metric;
    if (!e->has[m]) {
        sink_init(&e->sinks[m], registry_get(m)->type);
        e->has[m] = 1;
    }
    sink_add(&e->sinks[m], s->value);
    if (m == M_CHECKS) {
        int32_t c = engine_check_of(e, src, s->tags);
        if (c >= 0) {
            if (s->value != 0) e->checks[c].passes++; else e->checks[c].fails++;
        }
    }
    for (int i = 0; i < e->nlisteners; i++) {
        size_t len;
        const char *p = tagdict_get(src->buf->tags, s->tags, &len);
        e->listeners[i].fn(e->listeners[i].ctx, s, p, len);
    }
}

void engine_drain(engine *e) {
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
