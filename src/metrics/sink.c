/* Metric sinks: per-type aggregation and k6's aggregation names. */
#include "metrics/sink.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

int sink_init(sink *s, metric_type t) {
    memset(s, 0, sizeof *s);
    s->type = t;
    if (t != METRIC_TREND) return 0;
    s->u.trend.h = hist_new();
    return s->u.trend.h ? 0 : -1;
}

static void gauge_merge(sink *dst, const sink *src) {
    if (!src->u.gauge.n) return;
    if (!dst->u.gauge.n || src->u.gauge.min < dst->u.gauge.min) dst->u.gauge.min = src->u.gauge.min;
    if (!dst->u.gauge.n || src->u.gauge.max > dst->u.gauge.max) dst->u.gauge.max = src->u.gauge.max;
    /* src is taken as the later one: its last value wins */
    dst->u.gauge.value = src->u.gauge.value;
    dst->u.gauge.n += src->u.gauge.n;
}

void sink_merge(sink *dst, const sink *src) {
    if (dst->type != src->type) return;
    switch (dst->type) {
    case METRIC_COUNTER:
        dst->u.counter.sum += src->u.counter.sum;
        dst->u.counter.n += src->u.counter.n;
        break;
    case METRIC_GAUGE: gauge_merge(dst, src); break;
    case METRIC_RATE:
        dst->u.rate.nonzero += src->u.rate.nonzero;
        dst->u.rate.total += src->u.rate.total;
        break;
    case METRIC_TREND:
        if (dst->u.trend.h && src->u.trend.h) hist_merge(dst->u.trend.h, src->u.trend.h);
        break;
    }
}

void sink_get_parts(const sink *s, sink_parts *p) {
    memset(p, 0, sizeof *p);
    p->type = s->type;
    switch (s->type) {
    case METRIC_COUNTER:
        p->u.counter.sum = s->u.counter.sum;
        p->u.counter.n = s->u.counter.n;
        break;
    case METRIC_GAUGE:
        p->u.gauge.value = s->u.gauge.value;
        p->u.gauge.min = s->u.gauge.min;
        p->u.gauge.max = s->u.gauge.max;
        p->u.gauge.n = s->u.gauge.n;
        break;
    case METRIC_RATE:
        p->u.rate.nonzero = s->u.rate.nonzero;
        p->u.rate.total = s->u.rate.total;
        break;
    case METRIC_TREND:
        if (s->u.trend.h) hist_get_parts(s->u.trend.h, &p->u.trend);
        break;
    }
}

void sink_merge_parts(sink *dst, const sink_parts *p, bool later) {
    if (dst->type != p->type) return;
    switch (dst->type) {
    case METRIC_COUNTER:
        dst->u.counter.sum += p->u.counter.sum;
        dst->u.counter.n += p->u.counter.n;
        break;
    case METRIC_GAUGE: {
        if (!p->u.gauge.n) break;
        double keep = dst->u.gauge.value;
        bool had = dst->u.gauge.n != 0;
        sink g = {.type = METRIC_GAUGE};
        g.u.gauge.value = p->u.gauge.value;
        g.u.gauge.min = p->u.gauge.min;
        g.u.gauge.max = p->u.gauge.max;
        g.u.gauge.n = p->u.gauge.n;
        gauge_merge(dst, &g);
        if (had && !later) dst->u.gauge.value = keep;
        break;
    }
    case METRIC_RATE:
        dst->u.rate.nonzero += p->u.rate.nonzero;
        dst->u.rate.total += p->u.rate.total;
        break;
    case METRIC_TREND:
        if (dst->u.trend.h) hist_merge_parts(dst->u.trend.h, &p->u.trend);
        break;
    }
}

uint64_t sink_count(const sink *s) {
    switch (s->type) {
    case METRIC_COUNTER: return s->u.counter.n;
    case METRIC_GAUGE: return s->u.gauge.n;
    case METRIC_RATE: return s->u.rate.total;
    case METRIC_TREND: return s->u.trend.h ? hist_count(s->u.trend.h) : 0;
    }
    return 0;
}

void sink_reset(sink *s) {
    switch (s->type) {
    case METRIC_COUNTER:
        s->u.counter.sum = 0;
        s->u.counter.n = 0;
        break;
    case METRIC_GAUGE: memset(&s->u.gauge, 0, sizeof s->u.gauge); break;
    case METRIC_RATE:
        s->u.rate.nonzero = 0;
        s->u.rate.total = 0;
        break;
    case METRIC_TREND:
        if (s->u.trend.h) hist_reset(s->u.trend.h);
        break;
    }
}

void sink_free(sink *s) {
    if (s->type == METRIC_TREND) {
        hist_free(s->u.trend.h);
        s->u.trend.h = NULL;
    }
}

bool sink_parse_pct(const char *s, size_t len, double *pct) {
    if (len < 4 || s[0] != 'p' || s[1] != '(' || s[len - 1] != ')') return false;
    char num[64];
    size_t a = 2, b = len - 1;
    while (a < b && isspace((unsigned char)s[a])) a++;
    while (b > a && isspace((unsigned char)s[b - 1])) b--;
    if (a == b || b - a >= sizeof num) return false;
    memcpy(num, s + a, b - a);
    num[b - a] = '\0';
    char *end;
    double v = strtod(num, &end);
    if (*end || !isfinite(v) || v < 0 || v > 100) return false;
    *pct = v;
    return true;
}

enum trend_stat { T_AVG, T_MIN, T_MAX, T_MED, T_COUNT, T_PCT };

static int trend_stat_of(const char *agg, enum trend_stat *k, double *pct) {
    if (!strcmp(agg, "avg")) *k = T_AVG;
    else if (!strcmp(agg, "min")) *k = T_MIN;
    else if (!strcmp(agg, "max")) *k = T_MAX;
    else if (!strcmp(agg, "med")) *k = T_MED;
    else if (!strcmp(agg, "count")) *k = T_COUNT;
    else if (sink_parse_pct(agg, strlen(agg), pct)) *k = T_PCT;
    else return -1;
    return 0;
}

static int trend_agg(const histogram *h, const char *agg, double *out) {
    enum trend_stat k;
    double pct = 0;
    if (trend_stat_of(agg, &k, &pct) < 0) return -1;
    *out = 0;
    if (!h) return 0; /* histogram allocation failed: behave as empty */
    switch (k) {
    case T_AVG: *out = hist_mean(h); break;
    case T_MIN: *out = hist_min(h); break;
    case T_MAX: *out = hist_max(h); break;
    case T_MED: *out = hist_percentile(h, 50); break;
    case T_COUNT: *out = (double)hist_count(h); break;
    case T_PCT: *out = hist_percentile(h, pct); break;
    }
    return 0;
}

static int counter_agg(const sink *s, const char *agg, double duration_s, double *out) {
    if (!strcmp(agg, "count")) *out = s->u.counter.sum;
    else if (!strcmp(agg, "rate")) *out = duration_s > 0 ? s->u.counter.sum / duration_s : 0;
    else return -1;
    return 0;
}

static int gauge_agg(const sink *s, const char *agg, double *out) {
    if (!strcmp(agg, "value")) *out = s->u.gauge.value;
    else if (!strcmp(agg, "min")) *out = s->u.gauge.min;
    else if (!strcmp(agg, "max")) *out = s->u.gauge.max;
    else return -1;
    return 0;
}

static int rate_agg(const sink *s, const char *agg, double *out) {
    uint64_t t = s->u.rate.total, nz = s->u.rate.nonzero;
    if (!strcmp(agg, "rate")) *out = t ? (double)nz / (double)t : 0;
    else if (!strcmp(agg, "passes")) *out = (double)nz;
    else if (!strcmp(agg, "fails")) *out = (double)(t - nz);
    else return -1;
    return 0;
}

int sink_agg(const sink *s, const char *agg, double duration_s, double *out) {
    switch (s->type) {
    case METRIC_COUNTER: return counter_agg(s, agg, duration_s, out);
    case METRIC_GAUGE: return gauge_agg(s, agg, out);
    case METRIC_RATE: return rate_agg(s, agg, out);
    case METRIC_TREND: return trend_agg(s->u.trend.h, agg, out);
    }
    return -1;
}

const char *metric_type_name(metric_type t) {
    switch (t) {
    case METRIC_COUNTER: return "counter";
    case METRIC_GAUGE: return "gauge";
    case METRIC_RATE: return "rate";
    case METRIC_TREND: return "trend";
    }
    return "unknown";
}

const char *value_kind_name(value_kind k) {
    switch (k) {
    case VALUE_DEFAULT: return "default";
    case VALUE_TIME: return "time";
    case VALUE_DATA: return "data";
    }
    return "unknown";
}
