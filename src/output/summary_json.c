#include "output/summary_json.h"
#include "util/grouppath.h"
#include "util/err.h"

#include <cjson/cJSON.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const sj_default_stats[] = {"avg", "min", "med", "max", "p(90)", "p(95)"};

/* k6 identifies groups and checks by the md5 of their path. */
static void sj_id(const char *path, char out[33]) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_Digest(path, strlen(path), md, &len, EVP_md5(), NULL);
    for (unsigned int i = 0; i < len && i < 16; i++) sprintf(out + 2 * i, "%02x", md[i]);
    out[32] = 0;
}

static cJSON *sj_values(const summary_data *d, const summary_metric *m) {
    cJSON *v = cJSON_CreateObject();
    double x;
    switch (m->type) {
    case METRIC_COUNTER:
        sink_agg(m->sink, "count", d->duration_s, &x);
        cJSON_AddNumberToObject(v, "count", x);
        sink_agg(m->sink, "rate", d->duration_s, &x);
        cJSON_AddNumberToObject(v, "rate", x);
        break;
    case METRIC_GAUGE:
        sink_agg(m->sink, "value", d->duration_s, &x);
        cJSON_AddNumberToObject(v, "value", x);
        sink_agg(m->sink, "min", d->duration_s, &x);
        cJSON_AddNumberToObject(v, "min", x);
        sink_agg(m->sink, "max", d->duration_s, &x);
        cJSON_AddNumberToObject(v, "max", x);
        break;
    case METRIC_RATE:
        sink_agg(m->sink, "rate", d->duration_s, &x);
        cJSON_AddNumberToObject(v, "rate", x);
        cJSON_AddNumberToObject(v, "passes", (double)m->sink->u.rate.nonzero);
        cJSON_AddNumberToObject(v, "fails", (double)(m->sink->u.rate.total - m->sink->u.rate.nonzero));
        break;
    case METRIC_TREND: {
        const char *const *stats = d->ntrend_stats ? d->trend_stats : sj_default_stats;
        size_t n = d->ntrend_stats ? d->ntrend_stats : sizeof sj_default_stats / sizeof *sj_default_stats;
        for (size_t i = 0; i < n; i++)
            if (sink_agg(m->sink, stats[i], d->duration_s, &x) == 0) cJSON_AddNumberToObject(v, stats[i], x);
        break;
    }
    }
    return v;
}

static cJSON *sj_metrics(const summary_data *d) {
    cJSON *ms = cJSON_CreateObject();
    for (size_t i = 0; i < d->nmetrics; i++) {
        const summary_metric *m = &d->metrics[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "type", metric_type_name(m->type));
        cJSON_AddStringToObject(o, "contains", value_kind_name(m->kind));
        cJSON_AddItemToObject(o, "values", sj_values(d, m));
        cJSON *th = NULL;
        for (size_t k = 0; k < d->nthresholds; k++) {
            if (strcmp(d->thresholds[k].metric, m->name) != 0) continue;
            if (!th) th = cJSON_CreateObject();
            cJSON *ok = cJSON_CreateObject();
            cJSON_AddBoolToObject(ok, "ok", d->thresholds[k].ok);
            cJSON_AddItemToObject(th, d->thresholds[k].source, ok);
        }
        if (th) cJSON_AddItemToObject(o, "thresholds", th);
        cJSON_AddItemToObject(ms, m->name, o);
    }
    return ms;
}

static cJSON *sj_group(const char *name, const char *path) {
    char id[33];
    sj_id(path, id);
    cJSON *g = cJSON_CreateObject();
    cJSON_AddStringToObject(g, "name", name);
    cJSON_AddStringToObject(g, "path", path);
    cJSON_AddStringToObject(g, "id", id);
    cJSON_AddItemToObject(g, "groups", cJSON_CreateArray());
    cJSON_AddItemToObject(g, "checks", cJSON_CreateArray());
    return g;
}

/* The group object for path[0..n) ("::a::b"), created with its parents on
 * demand; the parent is found as k6 built the path (util/grouppath.h). */
static cJSON *sj_find_group(cJSON *root, const char *path, size_t n, group_path_list *known) {
    if (n == 0) return root;
    char *own = strndup(path, n);
    if (!own) return root;
    ssize_t pl = group_path_parent(own, group_path_in_list, known);
    cJSON *g = sj_find_group(root, own, pl < 0 ? 0 : (size_t)pl, known), *it;
    cJSON_ArrayForEach(it, cJSON_GetObjectItem(g, "groups")) {
        const char *ip = cJSON_GetStringValue(cJSON_GetObjectItem(it, "path"));
        if (ip && strcmp(ip, own) == 0) {
            free(own);
            return it;
        }
    }
    cJSON *sub = sj_group(own + (pl < 0 ? 0 : pl + 2), own);
    cJSON_AddItemToArray(cJSON_GetObjectItem(g, "groups"), sub);
    free(own);
    return sub;
}

static cJSON *sj_root_group(const summary_data *d) {
    cJSON *root = sj_group("", "");
    group_path_list known = {d->group_paths, d->ngroup_paths};
    /* every group that ran, with or without checks, as k6's group tree */
    for (size_t i = 0; i < d->ngroup_paths; i++)
        sj_find_group(root, d->group_paths[i], strlen(d->group_paths[i]), &known);
    for (size_t i = 0; i < d->nchecks; i++) {
        const summary_check *c = &d->checks[i];
        cJSON *g = sj_find_group(root, c->group ? c->group : "", c->group ? strlen(c->group) : 0, &known);
        size_t n = strlen(c->group ? c->group : "") + strlen(c->name) + 3;
        char *path = xmalloc(n), id[33];
        snprintf(path, n, "%s::%s", c->group ? c->group : "", c->name);
        sj_id(path, id);
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", c->name);
        cJSON_AddStringToObject(o, "path", path);
        cJSON_AddStringToObject(o, "id", id);
        cJSON_AddNumberToObject(o, "passes", (double)c->passes);
        cJSON_AddNumberToObject(o, "fails", (double)c->fails);
        cJSON_AddItemToArray(cJSON_GetObjectItem(g, "checks"), o);
        free(path);
    }
    return root;
}

char *summary_json(const summary_data *d, const summary_json_state *st) {
    cJSON *root = cJSON_CreateObject();
    cJSON_AddItemToObject(root, "root_group", sj_root_group(d));
    cJSON *opts = cJSON_CreateObject();
    cJSON *stats = cJSON_CreateArray();
    const char *const *sv = d->ntrend_stats ? d->trend_stats : sj_default_stats;
    size_t ns = d->ntrend_stats ? d->ntrend_stats : sizeof sj_default_stats / sizeof *sj_default_stats;
    for (size_t i = 0; i < ns; i++) cJSON_AddItemToArray(stats, cJSON_CreateString(sv[i]));
    cJSON_AddItemToObject(opts, "summaryTrendStats", stats);
    cJSON_AddStringToObject(opts, "summaryTimeUnit", st->time_unit ? st->time_unit : "");
    cJSON_AddBoolToObject(opts, "noColor", st->no_color);
    cJSON_AddItemToObject(root, "options", opts);
    cJSON *state = cJSON_CreateObject();
    cJSON_AddBoolToObject(state, "isStdOutTTY", st->stdout_tty);
    cJSON_AddBoolToObject(state, "isStdErrTTY", st->stderr_tty);
    cJSON_AddNumberToObject(state, "testRunDurationMs", d->duration_s * 1000.0);
    cJSON_AddItemToObject(root, "state", state);
    cJSON_AddItemToObject(root, "metrics", sj_metrics(d));
    /* what setup() returned; left out (undefined) when it returned nothing */
    cJSON *setup = d->setup_json ? cJSON_Parse(d->setup_json) : NULL;
    if (setup) cJSON_AddItemToObject(root, "setup_data", setup);
    char *out = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    return out;
}
