/* The legacy summary export, written as JSON.stringify(x, null, 4) would:
 * 4-space indents, "key": value, {} for an empty object, numbers as
 * JavaScript prints them (writer_fmt_js), strings as JSON.stringify escapes
 * them (JSON_ESC_JS). */
#include "output/export.h"
#include "output/summary_save.h"
#include "util/grouppath.h"

#include <cjson/cJSON.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output/writer.h"
#include "util/buf.h"

static const char *const export_default_stats[] = {"avg", "min", "med", "max", "p(90)", "p(95)"};

/* ---- groups ------------------------------------------------------------ */

typedef struct export_group {
    char *name, *path;
    struct export_group **kids;
    size_t nkids;
    const export_check **checks;
    size_t nchecks;
} export_group;

static export_group *export_group_new(const char *name, size_t nl, const char *path, size_t pl) {
    export_group *g = calloc(1, sizeof *g);
    if (!g) return NULL;
    g->name = strndup(name, nl);
    g->path = strndup(path, pl);
    if (!g->name || !g->path) {
        free(g->name);
        free(g->path);
        free(g);
        return NULL;
    }
    return g;
}

static void export_group_free(export_group *g) {
    if (!g) return;
    for (size_t i = 0; i < g->nkids; i++) export_group_free(g->kids[i]);
    free(g->kids);
    free(g->checks);
    free(g->name);
    free(g->path);
    free(g);
}

/* The group at path[0..n) ("::a::b") under root, created with its parents
 * if new; the parent is found as k6 built the path (util/grouppath.h). */
static export_group *export_group_at(export_group *root, const char *path, size_t n, group_path_list *known) {
    if (n == 0) return root;
    char *own = strndup(path, n);
    if (!own) return NULL;
    ssize_t pl = group_path_parent(own, group_path_in_list, known);
    export_group *g = export_group_at(root, own, pl < 0 ? 0 : (size_t)pl, known), *sub = NULL;
    for (size_t i = 0; g && i < g->nkids && !sub; i++)
        if (strcmp(g->kids[i]->path, own) == 0) sub = g->kids[i];
    if (g && !sub) {
        export_group **kids = realloc(g->kids, (g->nkids + 1) * sizeof *kids);
        const char *name = own + (pl < 0 ? 0 : pl + 2);
        if (kids) {
            g->kids = kids;
            if ((sub = export_group_new(name, strlen(name), own, n))) g->kids[g->nkids++] = sub;
        }
    }
    free(own);
    return sub;
}

/* ---- JSON text ----------------------------------------------------------- */

typedef struct export_out {
    buf b;
    bool oom;
} export_out;

static void export_raw(export_out *o, const char *s) {
    if (buf_puts(&o->b, s)) o->oom = true;
}

static void export_indent(export_out *o, int depth) {
    if (buf_reserve(&o->b, (size_t)depth * 4)) {
        o->oom = true;
        return;
    }
    memset(o->b.p + o->b.len, ' ', (size_t)depth * 4);
    o->b.len += (size_t)depth * 4;
    o->b.p[o->b.len] = 0;
}

static void export_str(export_out *o, const char *s) {
    if (json_string(&o->b, s, strlen(s), JSON_ESC_JS)) o->oom = true;
}

/* Starts the member `key` of an object at depth: ",\n    \"key\": ". */
static void export_key(export_out *o, int depth, bool *first, const char *key) {
    export_raw(o, *first ? "\n" : ",\n");
    *first = false;
    export_indent(o, depth);
    export_str(o, key);
    export_raw(o, ": ");
}

/* Ends an object whose members were at depth + 1. */
static void export_close(export_out *o, int depth, bool empty) {
    if (!empty) {
        export_raw(o, "\n");
        export_indent(o, depth);
    }
    export_raw(o, "}");
}

static void export_num(export_out *o, double v) {
    char n[WRITER_NUM_MAX];
    writer_fmt_js(n, v);
    export_raw(o, n);
}

static void export_md5(const char *s, char out[33]) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_Digest(s, strlen(s), md, &len, EVP_md5(), NULL);
    for (unsigned int i = 0; i < 16; i++) sprintf(out + 2 * i, "%02x", i < len ? md[i] : 0);
    out[32] = 0;
}

static void export_check_obj(export_out *o, int depth, const export_group *g, const export_check *c) {
    size_t n = strlen(g->path) + strlen(c->name) + 3;
    char *path = malloc(n), id[33];
    if (!path) {
        o->oom = true;
        return;
    }
    snprintf(path, n, "%s::%s", g->path, c->name);
    export_md5(path, id);
    bool first = true;
    export_raw(o, "{");
    export_key(o, depth + 1, &first, "name");
    export_str(o, c->name);
    export_key(o, depth + 1, &first, "path");
    export_str(o, path);
    export_key(o, depth + 1, &first, "id");
    export_str(o, id);
    export_key(o, depth + 1, &first, "passes");
    export_num(o, (double)c->passes);
    export_key(o, depth + 1, &first, "fails");
    export_num(o, (double)c->fails);
    export_close(o, depth, false);
    free(path);
}

static void export_group_obj(export_out *o, int depth, const export_group *g) {
    char id[33];
    export_md5(g->path, id);
    bool first = true;
    export_raw(o, "{");
    export_key(o, depth + 1, &first, "name");
    export_str(o, g->name);
    export_key(o, depth + 1, &first, "path");
    export_str(o, g->path);
    export_key(o, depth + 1, &first, "id");
    export_str(o, id);
    export_key(o, depth + 1, &first, "groups");
    bool f2 = true;
    export_raw(o, "{");
    for (size_t i = 0; i < g->nkids; i++) {
        export_key(o, depth + 2, &f2, g->kids[i]->name);
        export_group_obj(o, depth + 2, g->kids[i]);
    }
    export_close(o, depth + 1, g->nkids == 0);
    export_key(o, depth + 1, &first, "checks");
    f2 = true;
    export_raw(o, "{");
    for (size_t i = 0; i < g->nchecks; i++) {
        export_key(o, depth + 2, &f2, g->checks[i]->name);
        export_check_obj(o, depth + 2, g, g->checks[i]);
    }
    export_close(o, depth + 1, g->nchecks == 0);
    export_close(o, depth, false);
}

static void export_agg(export_out *o, int depth, bool *first, const export_data *d, const sink *s, const char *agg,
                       const char *key) {
    double v;
    if (sink_agg(s, agg, d->duration_s, &v) != 0) return;
    export_key(o, depth, first, key);
    export_num(o, v);
}

static void export_thresholds(export_out *o, int depth, bool *first, const export_metric *m) {
    if (!m->nthresholds) return;
    export_key(o, depth, first, "thresholds");
    bool f2 = true;
    export_raw(o, "{");
    for (size_t i = 0; i < m->nthresholds; i++) {
        export_key(o, depth + 1, &f2, m->thresholds[i].source);
        export_raw(o, m->thresholds[i].ok ? "false" : "true");
    }
    export_close(o, depth, false);
}

static void export_metric_obj(export_out *o, int depth, const export_data *d, const export_metric *m) {
    const sink *s = m->sink;
    bool first = true;
    export_raw(o, "{");
    switch (m->type) {
    case METRIC_COUNTER:
        export_agg(o, depth + 1, &first, d, s, "count", "count");
        export_agg(o, depth + 1, &first, d, s, "rate", "rate");
        export_thresholds(o, depth + 1, &first, m);
        break;
    case METRIC_GAUGE:
        export_agg(o, depth + 1, &first, d, s, "value", "value");
        export_agg(o, depth + 1, &first, d, s, "min", "min");
        export_agg(o, depth + 1, &first, d, s, "max", "max");
        export_thresholds(o, depth + 1, &first, m);
        break;
    case METRIC_RATE:
        /* k6: {rate, passes, fails} + thresholds, then rate moved to "value" */
        export_agg(o, depth + 1, &first, d, s, "passes", "passes");
        export_agg(o, depth + 1, &first, d, s, "fails", "fails");
        export_thresholds(o, depth + 1, &first, m);
        export_agg(o, depth + 1, &first, d, s, "rate", "value");
        break;
    case METRIC_TREND: {
        const char *const *stats = d->ntrend_stats ? d->trend_stats : export_default_stats;
        size_t n = d->ntrend_stats ? d->ntrend_stats : sizeof export_default_stats / sizeof *export_default_stats;
        for (size_t i = 0; i < n; i++) export_agg(o, depth + 1, &first, d, s, stats[i], stats[i]);
        export_thresholds(o, depth + 1, &first, m);
        break;
    }
    }
    export_close(o, depth, first);
}

/* A parsed JSON value as JSON.stringify(v, null, 4) writes it at depth. */
static void export_json_value(export_out *o, int depth, const cJSON *v) {
    if (cJSON_IsObject(v) || cJSON_IsArray(v)) {
        bool obj = cJSON_IsObject(v), first = true;
        const cJSON *it;
        export_raw(o, obj ? "{" : "[");
        cJSON_ArrayForEach(it, v) {
            if (obj) export_key(o, depth + 1, &first, it->string ? it->string : "");
            else {
                export_raw(o, first ? "\n" : ",\n");
                first = false;
                export_indent(o, depth + 1);
            }
            export_json_value(o, depth + 1, it);
        }
        if (!first) {
            export_raw(o, "\n");
            export_indent(o, depth);
        }
        export_raw(o, obj ? "}" : "]");
    } else if (cJSON_IsString(v)) {
        export_str(o, v->valuestring);
    } else if (cJSON_IsNumber(v)) {
        export_num(o, v->valuedouble);
    } else if (cJSON_IsBool(v)) {
        export_raw(o, cJSON_IsTrue(v) ? "true" : "false");
    } else {
        export_raw(o, "null");
    }
}

char *export_render(const export_data *d) {
    export_out o = {{0}, false};
    export_group *root = export_group_new("", 0, "", 0);
    if (!root) return NULL;
    group_path_list known = {d->groups, d->ngroups};
    for (size_t i = 0; i < d->ngroups; i++)
        if (!export_group_at(root, d->groups[i], strlen(d->groups[i]), &known)) o.oom = true;
    for (size_t i = 0; i < d->nchecks && !o.oom; i++) {
        const char *cg = d->checks[i].group ? d->checks[i].group : "";
        export_group *g = export_group_at(root, cg, strlen(cg), &known);
        const export_check **cs = g ? realloc(g->checks, (g->nchecks + 1) * sizeof *cs) : NULL;
        if (!cs) {
            o.oom = true;
            break;
        }
        g->checks = cs;
        g->checks[g->nchecks++] = &d->checks[i];
    }

    bool first = true;
    export_raw(&o, "{");
    export_key(&o, 1, &first, "root_group");
    export_group_obj(&o, 1, root);
    export_key(&o, 1, &first, "metrics");
    bool f2 = true;
    export_raw(&o, "{");
    for (size_t i = 0; i < d->nmetrics; i++) {
        const export_metric *m = &d->metrics[i];
        if (!m->sink) continue;
        export_key(&o, 2, &f2, m->name);
        export_metric_obj(&o, 2, d, m);
    }
    export_close(&o, 1, f2);
    /* k6 adds what setup() returned; undefined is left out, as by JSON.stringify */
    cJSON *setup = d->setup_json ? cJSON_Parse(d->setup_json) : NULL;
    if (setup) {
        export_key(&o, 1, &first, "setup_data");
        export_json_value(&o, 1, setup);
        cJSON_Delete(setup);
    }
    export_close(&o, 0, false);
    export_group_free(root);
    if (o.oom) {
        buf_free(&o.b);
        return NULL;
    }
    return o.b.p;
}

int export_write(const char *path, const export_data *d, char *err, size_t errlen) {
    char *text = export_render(d);
    if (!text) {
        snprintf(err, errlen, "summary export: out of memory");
        return -1;
    }
    /* k6 writes it among handleSummary's results (handleSummaryResult) */
    buf errs = {0};
    int rc = summary_save(path, text, strlen(text), &errs);
    free(text);
    if (rc) snprintf(err, errlen, "%s", errs.p && errs.len > 4 ? errs.p + 4 : "out of memory"); /* past "\n\t- " */
    buf_free(&errs);
    return rc;
}

int export_write_summary(const char *path, const summary_data *s, char *err, size_t errlen) {
    export_metric *ms = calloc(s->nmetrics + 1, sizeof *ms);
    export_threshold *ts = calloc(s->nthresholds + 1, sizeof *ts);
    export_check *cs = calloc(s->nchecks + 1, sizeof *cs);
    int rc = -1;
    if (!ms || !ts || !cs) {
        snprintf(err, errlen, "summary export: out of memory");
        goto out;
    }
    /* thresholds grouped by metric, in the order the metrics come */
    size_t nt = 0;
    for (size_t i = 0; i < s->nmetrics; i++) {
        const summary_metric *m = &s->metrics[i];
        ms[i] = (export_metric){m->name, m->type, m->kind, m->sink, ts + nt, 0};
        for (size_t k = 0; k < s->nthresholds; k++) {
            if (nt == s->nthresholds || strcmp(s->thresholds[k].metric, m->name) != 0) continue;
            ts[nt++] = (export_threshold){s->thresholds[k].source, s->thresholds[k].ok};
            ms[i].nthresholds++;
        }
    }
    for (size_t i = 0; i < s->nchecks; i++)
        cs[i] = (export_check){s->checks[i].name, s->checks[i].group, s->checks[i].passes, s->checks[i].fails};
    export_data d = {
        .metrics = ms,
        .nmetrics = s->nmetrics,
        .checks = cs,
        .nchecks = s->nchecks,
        .duration_s = s->duration_s,
        .trend_stats = s->trend_stats,
        .ntrend_stats = s->ntrend_stats,
        .groups = s->group_paths,
        .ngroups = s->ngroup_paths,
        .setup_json = s->setup_json,
    };
    rc = export_write(path, &d, err, errlen);
out:
    free(ms);
    free(ts);
    free(cs);
    return rc;
}
