/* k6's JSON output. Speed comes from rendering each thing once: the text
 * before a metric's time ("{"metric":"name","type":"Point","data":{"time":")
 * per metric, the date and zone per second (writer_time), and the tags
 * object per tag set, kept in the outputs' tag-set cache (output/tagcache.h).
 * A point then costs a few memcpy and one number format. */
#include "output/json.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/duration.h"
#include "metrics/registry.h"
#include "metrics/tags.h"
#include "output/output.h"
#include "output/tagcache.h"
#include "output/writer.h"
#include "util/buf.h"
#include "util/clock.h"

#define JSON_CACHE_BITS 12     /* 4096 tag-set cache slots */
#define JSON_FLUSH_US   200000 /* k6's JSON output flushes every 200 ms */

typedef struct json_metric {
    bool declared;
    char *prefix; /* {"metric":"name","type":"Point","data":{"time":" */
    size_t prefix_len;
    char *thresholds; /* the items of the "thresholds" list, rendered */
    char **subs;
    size_t nsubs;
} json_metric;

struct json_output {
    writer *w;
    int64_t mono0, wall0; /* ns: one instant on both clocks */
    writer_time clock;
    json_metric *metrics; /* REGISTRY_MAX */
    tagcache tags;        /* {"k":"v",...} and maybe ,"metadata":{...} per tag set */
    buf scratch;
    bool oom;
};

static tagcache_render json_render_tags;

json_output *json_output_open(const char *path, int64_t mono0_ns, int64_t wall0_ns, char *err, size_t errlen) {
    json_output *o = calloc(1, sizeof *o);
    if (o) o->metrics = calloc(REGISTRY_MAX, sizeof *o->metrics);
    if (!o || !o->metrics || tagcache_init(&o->tags, JSON_CACHE_BITS, json_render_tags, o)) {
        snprintf(err, errlen, "json output: out of memory");
        if (o) free(o->metrics), tagcache_free(&o->tags);
        free(o);
        return NULL;
    }
    o->w = writer_open(path, err, errlen);
    if (!o->w) {
        tagcache_free(&o->tags);
        free(o->metrics);
        free(o);
        return NULL;
    }
    o->mono0 = mono0_ns;
    o->wall0 = wall0_ns;
    writer_time_init(&o->clock);
    writer_set_flush_interval(o->w, JSON_FLUSH_US);
    return o;
}

static char **json_copy_list(const char *const *v, size_t n, bool *oom) {
    if (n == 0) return NULL;
    char **out = calloc(n, sizeof *out);
    if (!out) {
        *oom = true;
        return NULL;
    }
    for (size_t i = 0; i < n; i++)
        if (!(out[i] = strdup(v[i]))) *oom = true;
    return out;
}

static void json_free_list(char **v, size_t n) {
    for (size_t i = 0; v && i < n; i++) free(v[i]);
    free(v);
}

/* k6 marshals a threshold as its source string, or, with abortOnFail, as
 * its whole config; Go's encoder without HTML escaping keeps '<' as is. */
static void json_threshold_item(buf *b, const json_threshold *t) {
    if (!t->abort_on_fail) {
        json_string(b, t->source, strlen(t->source), JSON_ESC_GO);
        return;
    }
    buf_puts(b, "{\"threshold\":");
    json_string(b, t->source, strlen(t->source), JSON_ESC_GO);
    buf_puts(b, ",\"abortOnFail\":true,\"delayAbortEval\":");
    if (t->delay_abort_us) {
        char d[32];
        duration_format(d, sizeof d, t->delay_abort_us);
        json_string(b, d, strlen(d), JSON_ESC_GO);
    } else {
        buf_puts(b, "null");
    }
    buf_puts(b, "}");
}

void json_output_set_thresholds(json_output *o, int metric, const json_threshold *ts, size_t n) {
    if (metric < 0 || metric >= REGISTRY_MAX) return;
    json_metric *m = &o->metrics[metric];
    buf b = {0};
    for (size_t i = 0; i < n; i++) {
        if (i) buf_puts(&b, ",");
        json_threshold_item(&b, &ts[i]);
    }
    free(m->thresholds);
    m->thresholds = n && b.p ? strndup(b.p, b.len) : NULL;
    if (n && !m->thresholds) o->oom = true;
    buf_free(&b);
}

void json_output_set_submetrics(json_output *o, int metric, const char *const *filters, size_t n) {
    if (metric < 0 || metric >= REGISTRY_MAX) return;
    json_metric *m = &o->metrics[metric];
    json_free_list(m->subs, m->nsubs);
    m->subs = json_copy_list(filters, n, &o->oom);
    m->nsubs = m->subs ? n : 0;
}

static void json_trim(const char **s, const char **e, const char *cut) {
    while (*s < *e && strchr(cut, **s)) (*s)++;
    while (*e > *s && strchr(cut, (*e)[-1])) (*e)--;
}

typedef struct json_kv {
    const char *k, *ke, *v, *ve;
} json_kv;

static int json_kv_cmp(const void *a, const void *b) {
    const json_kv *x = a, *y = b;
    size_t xl = (size_t)(x->ke - x->k), yl = (size_t)(y->ke - y->k);
    int c = memcmp(x->k, y->k, xl < yl ? xl : yl);
    return c ? c : (xl > yl) - (xl < yl);
}

/* A sub-metric's tags object, as k6 parses the filter: pairs split on ',',
 * key and value on the first ':', spaces trimmed, quotes trimmed from the
 * value, keys sorted (a later duplicate wins). */
static void json_sub_tags(buf *b, const char *filter) {
    json_kv kv[64];
    size_t n = 0;
    for (const char *p = filter; *p && n < 64;) {
        const char *end = strchr(p, ',');
        if (!end) end = p + strlen(p);
        const char *colon = memchr(p, ':', (size_t)(end - p));
        json_kv x = {p, colon ? colon : end, colon ? colon + 1 : end, end};
        json_trim(&x.k, &x.ke, " \t");
        json_trim(&x.v, &x.ve, " \t");
        json_trim(&x.v, &x.ve, "\"'");
        if (x.ke > x.k) {
            size_t i = 0;
            while (i < n && json_kv_cmp(&kv[i], &x) != 0) i++;
            kv[i] = x;
            if (i == n) n++;
        }
        p = *end ? end + 1 : end;
    }
    qsort(kv, n, sizeof *kv, json_kv_cmp);
    buf_puts(b, "{");
    for (size_t i = 0; i < n; i++) {
        if (i) buf_puts(b, ",");
        json_string(b, kv[i].k, (size_t)(kv[i].ke - kv[i].k), JSON_ESC_EASYJSON);
        buf_puts(b, ":");
        json_string(b, kv[i].v, (size_t)(kv[i].ve - kv[i].v), JSON_ESC_EASYJSON);
    }
    buf_puts(b, "}");
}

/* Writes the metric's "Metric" line and renders its point prefix. */
static void json_declare(json_output *o, int id) {
    json_metric *m = &o->metrics[id];
    const metric_def *def = registry_get(id);
    buf *b = &o->scratch;
    m->declared = true;
    buf_clear(b);
    buf_puts(b, "{\"type\":\"Metric\",\"data\":{\"name\":");
    json_string(b, def->name, strlen(def->name), JSON_ESC_EASYJSON);
    buf_puts(b, ",\"type\":\"");
    buf_puts(b, metric_type_name(def->type));
    buf_puts(b, "\",\"contains\":\"");
    buf_puts(b, value_kind_name(def->kind));
    buf_puts(b, "\",\"thresholds\":[");
    if (m->thresholds) buf_puts(b, m->thresholds);
    buf_puts(b, "],\"submetrics\":");
    if (!m->nsubs) buf_puts(b, "null");
    for (size_t i = 0; i < m->nsubs; i++) {
        buf_puts(b, i ? "," : "[");
        size_t nl = strlen(def->name) + strlen(m->subs[i]) + 3;
        char *name = malloc(nl);
        if (!name) {
            o->oom = true;
            break;
        }
        snprintf(name, nl, "%s{%s}", def->name, m->subs[i]);
        buf_puts(b, "{\"name\":");
        json_string(b, name, strlen(name), JSON_ESC_EASYJSON);
        free(name);
        buf_puts(b, ",\"suffix\":");
        json_string(b, m->subs[i], strlen(m->subs[i]), JSON_ESC_EASYJSON);
        buf_puts(b, ",\"tags\":");
        json_sub_tags(b, m->subs[i]);
        buf_puts(b, "}");
        if (i + 1 == m->nsubs) buf_puts(b, "]");
    }
    buf_puts(b, "},\"metric\":");
    json_string(b, def->name, strlen(def->name), JSON_ESC_EASYJSON);
    buf_puts(b, "}\n");
    if (!b->p) {
        o->oom = true;
        return;
    }
    writer_write(o->w, b->p, b->len);

    buf_clear(b);
    buf_puts(b, "{\"metric\":");
    json_string(b, def->name, strlen(def->name), JSON_ESC_EASYJSON);
    buf_puts(b, ",\"type\":\"Point\",\"data\":{\"time\":\"");
    m->prefix = b->p ? strndup(b->p, b->len) : NULL;
    m->prefix_len = b->len;
    if (!m->prefix) o->oom = true;
}

/* The tags object (and metadata object, if any) of a packed set. */
static int json_render_tags(void *ctx, const char *tags, size_t len, int aux, buf *b, size_t *split, long *id) {
    const char *k, *v;
    bool first = true, meta = false;
    buf_puts(b, "{");
    for (size_t off = 0; (off = tagset_next(tags, len, off, &k, &v)) != 0;) {
        if (tag_is_metadata(k)) {
            meta = true;
            continue;
        }
        if (!first) buf_puts(b, ",");
        first = false;
        json_string(b, k, strlen(k), JSON_ESC_EASYJSON);
        buf_puts(b, ":");
        json_string(b, v, strlen(v), JSON_ESC_EASYJSON);
    }
    buf_puts(b, "}");
    if (!meta) return b->p ? 0 : -1;
    buf_puts(b, ",\"metadata\":{");
    first = true;
    for (size_t off = 0; (off = tagset_next(tags, len, off, &k, &v)) != 0;) {
        if (!tag_is_metadata(k)) continue;
        if (!first) buf_puts(b, ",");
        first = false;
        json_string(b, k, strlen(k), JSON_ESC_EASYJSON);
        buf_puts(b, ":");
        json_string(b, v, strlen(v), JSON_ESC_EASYJSON);
    }
    buf_puts(b, "}");
    return b->p ? 0 : -1;
}

void json_output_sample(void *ctx, const sample *s, const char *tags, size_t tags_len) {
    json_output *o = ctx;
    int id = s->metric;
    if (id >= registry_count()) return;
    json_metric *m = &o->metrics[id];
    if (!m->declared) json_declare(o, id);
    const tagcache_entry *t = tagcache_get(&o->tags, tags, tags_len, 0);
    if (!t) o->oom = true;
    if (!m->prefix || !t) return;

    char tbuf[48], num[WRITER_NUM_MAX];
    size_t tl = writer_fmt_time(&o->clock, tbuf, o->wall0 + (s->t_ns - o->mono0), true);
    /* k6 v2 writes the lines with encoding/json (easyjson was dropped,
     * k6 PR #5853): 999999999996908500, not 9.999999999969085e+17 */
    size_t nl = writer_fmt_gojson(num, s->value);
    writer *w = o->w;
    writer_write(w, m->prefix, m->prefix_len);
    writer_write(w, tbuf, tl);
    writer_write(w, "\",\"value\":", 10);
    writer_write(w, num, nl);
    writer_write(w, ",\"tags\":", 8);
    writer_write(w, t->text, t->tlen);
    writer_write(w, "}}\n", 3);

    writer_paced(w);
}

void json_output_describe(const json_output *o, buf *b) {
    if (o->w->is_stdout) {
        buf_puts(b, "json(stdout)");
        return;
    }
    buf_puts(b, "json (");
    buf_puts(b, writer_name(o->w));
    buf_puts(b, ")");
}

void json_output_tick(json_output *o) { writer_paced_tick(o->w); }

int json_output_flush(json_output *o) { return writer_flush(o->w); }

int json_output_close(json_output *o, char *err, size_t errlen) {
    if (!o) return 0;
    int rc = writer_close(o->w, err, errlen);
    if (rc == 0 && o->oom) {
        snprintf(err, errlen, "json output: out of memory, some samples were not written");
        rc = -1;
    }
    for (int i = 0; i < REGISTRY_MAX; i++) {
        json_metric *m = &o->metrics[i];
        free(m->prefix);
        free(m->thresholds);
        json_free_list(m->subs, m->nsubs);
    }
    tagcache_free(&o->tags);
    buf_free(&o->scratch);
    free(o->metrics);
    free(o);
    return rc;
}

/* ---- as an output (output/output.h) ---- */

static void json_ops_sample(void *ctx, const sample *s, size_t n, const tagdict *tags) {
    output_each_sample(ctx, s, n, tags, json_output_sample);
}

/* The Metric lines list all of a metric's thresholds (those on its
 * sub-metrics belong to them, as in k6) and sub-metrics. */
static void json_ops_describe_metrics(json_output *o, const output_params *p) {
    json_threshold *ts = calloc(p->nthresholds + 1, sizeof *ts);
    for (size_t i = 0; ts && i < p->nthresholds; i++) {
        const output_threshold *t = &p->thresholds[i];
        size_t n = 0, k = 0;
        while (k < i && (p->thresholds[k].sub >= 0 || p->thresholds[k].metric != t->metric)) k++;
        if (t->sub >= 0 || k < i) continue; /* done with the metric's first threshold */
        for (k = i; k < p->nthresholds; k++)
            if (p->thresholds[k].sub < 0 && p->thresholds[k].metric == t->metric)
                ts[n++] = (json_threshold){p->thresholds[k].source, p->thresholds[k].abort_on_fail,
                                           p->thresholds[k].delay_abort_us};
        json_output_set_thresholds(o, t->metric, ts, n);
    }
    free(ts);
    int nsub = p->eng ? engine_submetric_count(p->eng) : 0;
    char **filters = calloc((size_t)nsub + 1, sizeof *filters);
    for (int i = 0; filters && i < nsub; i++) {
        int parent = engine_submetric_parent(p->eng, i), k = 0;
        size_t n = 0;
        while (k < i && engine_submetric_parent(p->eng, k) != parent) k++;
        if (k < i) continue;
        for (k = i; k < nsub; k++) {
            if (engine_submetric_parent(p->eng, k) != parent) continue;
            const char *brace = strchr(engine_submetric_name(p->eng, k), '{');
            if ((filters[n] = strndup(brace + 1, strlen(brace + 1) - 1))) n++;
        }
        json_output_set_submetrics(o, parent, (const char *const *)filters, n);
        while (n) free(filters[--n]);
    }
    free(filters);
}

static void *json_ops_open(const output_params *p, char *err, size_t errlen) {
    json_output *o = json_output_open(p->arg ? p->arg : "-", p->mono0_ns, p->wall0_ns, err, errlen);
    if (o) json_ops_describe_metrics(o, p);
    return o;
}

static void json_ops_describe(const void *o, buf *b) { json_output_describe(o, b); }
static void json_ops_tick(void *o) { json_output_tick(o); }
static int json_ops_close(void *o, char *err, size_t errlen) { return json_output_close(o, err, errlen); }

const output_ops json_output_ops = {
    "json", json_ops_open, json_ops_describe, json_ops_sample, json_ops_tick, json_ops_close,
};
