/* Threshold expressions: parsing, type checking, evaluation. */
#include "metrics/threshold.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Longer operators first where they share a prefix with a shorter one, and
 * in k6's order, so the same expressions split the same way. */
static const struct {
    const char *text;
    threshold_op op;
} OPS[] = {
    {"<=", THRESHOLD_LE},  {"<", THRESHOLD_LT},  {">=", THRESHOLD_GE}, {">", THRESHOLD_GT},
    {"===", THRESHOLD_EQ}, {"==", THRESHOLD_EQ}, {"!=", THRESHOLD_NE},
};

static const struct {
    const char *name;
    threshold_agg agg;
} AGGS[] = {
    {"count", THRESHOLD_COUNT}, {"rate", THRESHOLD_RATE}, {"value", THRESHOLD_VALUE}, {"avg", THRESHOLD_AVG},
    {"min", THRESHOLD_MIN},     {"max", THRESHOLD_MAX},   {"med", THRESHOLD_MED},
};

/* Trims [*a, *b) of surrounding whitespace. */
static void thr_trim(const char *s, size_t *a, size_t *b) {
    while (*a < *b && isspace((unsigned char)s[*a])) (*a)++;
    while (*b > *a && isspace((unsigned char)s[*b - 1])) (*b)--;
}

/* Go's strconv.ParseFloat error for text that is not a number. */
static void parse_float_error(char *why, size_t n, const char *s, size_t len) {
    snprintf(why, n, "strconv.ParseFloat: parsing \"%.*s\": invalid syntax", (int)(len > 64 ? 64 : len), s);
}

/* k6's texts (metrics/thresholds_parser.go, parseThresholdExpression); the
 * right-hand side one keeps k6's "expresion" spelling. */
static int thr_fail(char *err, size_t errlen, const char *src, const char *side, const char *why) {
    if (!err || !errlen) return -1;
    if (!side) snprintf(err, errlen, "failed parsing threshold expression \"%s\"; reason: %s", src, why);
    else
        snprintf(err, errlen, "failed parsing threshold %s \"%s\" %s; reason: %s",
                 strcmp(side, "left hand side") == 0 ? "expression's" : "expresion's", src, side, why);
    return -1;
}

static int thr_parse_agg(const char *src, size_t a, size_t b, threshold *out, char *err, size_t errlen) {
    char why[160];
    size_t len = b - a;
    if (len >= sizeof out->agg_name)
        return thr_fail(err, errlen, src, "left hand side", "failed parsing method from expression");
    memcpy(out->agg_name, src + a, len);
    out->agg_name[len] = '\0';
    for (size_t i = 0; i < sizeof AGGS / sizeof AGGS[0]; i++)
        if (!strcmp(out->agg_name, AGGS[i].name)) {
            out->agg = AGGS[i].agg;
            return 0;
        }
    if (sink_parse_pct(out->agg_name, len, &out->pct)) {
        out->agg = THRESHOLD_PCT;
        return 0;
    }
    if (len >= 3 && out->agg_name[0] == 'p' && out->agg_name[1] == '(' && out->agg_name[len - 1] == ')') {
        char num[96];
        parse_float_error(num, sizeof num, out->agg_name + 2, len - 3);
        char *end;
        double v = strtod(out->agg_name + 2, &end);
        if (end == out->agg_name + len - 1 && len > 3) /* a number, outside 0..100: c6 refuses it */
            snprintf(num, sizeof num, "the percentile %g is not between 0 and 100", v);
        snprintf(why, sizeof why, "malformed percentile value; reason: %s", num);
        return thr_fail(err, errlen, src, "left hand side", why);
    }
    return thr_fail(err, errlen, src, "left hand side", "failed parsing method from expression");
}

static int thr_parse_value(const char *src, size_t a, size_t b, threshold *out, char *err, size_t errlen) {
    char num[64], why[160];
    char *end = NULL;
    if (b > a && b - a < sizeof num) {
        memcpy(num, src + a, b - a);
        num[b - a] = '\0';
        out->value = strtod(num, &end);
    }
    if (a == b || !end || *end || end == num) {
        parse_float_error(why, sizeof why, src + a, b - a);
        return thr_fail(err, errlen, src, "right hand side", why);
    }
    return 0;
}

int threshold_parse(const char *src, threshold *out, char *err, size_t errlen) {
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < sizeof OPS / sizeof OPS[0]; i++) {
        const char *at = strstr(src, OPS[i].text);
        if (!at) continue;
        size_t a = 0, b = (size_t)(at - src);
        thr_trim(src, &a, &b);
        if (thr_parse_agg(src, a, b, out, err, errlen) < 0) return -1;
        a = b = (size_t)(at - src) + strlen(OPS[i].text);
        b += strlen(at + strlen(OPS[i].text));
        thr_trim(src, &a, &b);
        out->op = OPS[i].op;
        return thr_parse_value(src, a, b, out, err, errlen);
    }
    return thr_fail(err, errlen, src, NULL, "malformed threshold expression");
}

static bool agg_allowed(threshold_agg agg, metric_type type) {
    switch (type) {
    case METRIC_COUNTER: return agg == THRESHOLD_COUNT || agg == THRESHOLD_RATE;
    case METRIC_GAUGE: return agg == THRESHOLD_VALUE;
    case METRIC_RATE: return agg == THRESHOLD_RATE;
    case METRIC_TREND:
        return agg == THRESHOLD_AVG || agg == THRESHOLD_MIN || agg == THRESHOLD_MAX || agg == THRESHOLD_MED ||
               agg == THRESHOLD_PCT;
    }
    return false;
}

/* k6's supportedAggregationMethods (metrics/metric_type.go), "p" for p(N) */
static const char *allowed_list(metric_type type) {
    switch (type) {
    case METRIC_COUNTER: return "count, rate";
    case METRIC_GAUGE: return "value";
    case METRIC_RATE: return "rate";
    case METRIC_TREND: return "avg, min, max, med, p";
    }
    return "";
}

int threshold_check_type(const threshold *t, metric_type type, char *err, size_t errlen) {
    if (agg_allowed(t->agg, type)) return 0;
    if (err && errlen) /* metrics/thresholds.go, Validate */
        snprintf(err, errlen,
                 "unsupported aggregation method %s on metric of type %s. "
                 "supported aggregation methods for this metric are: %s",
                 t->agg == THRESHOLD_PCT ? "p" : t->agg_name, metric_type_name(type), allowed_list(type));
    return -1;
}

static bool thr_compare(double lhs, threshold_op op, double rhs) {
    switch (op) {
    case THRESHOLD_LT: return lhs < rhs;
    case THRESHOLD_LE: return lhs <= rhs;
    case THRESHOLD_GT: return lhs > rhs;
    case THRESHOLD_GE: return lhs >= rhs;
    case THRESHOLD_EQ: return lhs == rhs;
    case THRESHOLD_NE: return lhs != rhs;
    }
    return false;
}

bool threshold_eval(const threshold *t, const sink *s, double duration_s, double *observed) {
    double v = NAN;
    bool ok = agg_allowed(t->agg, s->type) && sink_agg(s, t->agg_name, duration_s, &v) == 0;
    if (!ok) v = NAN;
    if (observed) *observed = v;
    if (!ok) return false;
    if (s->type == METRIC_RATE && s->u.rate.total == 0) return true;
    return thr_compare(v, t->op, t->value);
}

const char *threshold_op_name(threshold_op op) {
    switch (op) {
    case THRESHOLD_LT: return "<";
    case THRESHOLD_LE: return "<=";
    case THRESHOLD_GT: return ">";
    case THRESHOLD_GE: return ">=";
    case THRESHOLD_EQ: return "==";
    case THRESHOLD_NE: return "!=";
    }
    return "?";
}

int threshold_check_metric_name(const char *key, char *err, size_t errlen) {
    static const char *const pre =
        "unable to validate threshold expressions; reason: parsing metric name failed, metric";
    const char *open = strchr(key, '{'), *close = strrchr(key, '}');
    if (!open && !close) return 0;
    if (!open || !close)
        return snprintf(err, errlen, "%s \"%s\" has unmatched opening/close curly brace", pre, key), -1;
    if (close < open)
        return snprintf(err, errlen, "%s \"%s\" closing curly brace appears before opening one", pre, key), -1;
    if (close[1])
        return snprintf(err, errlen, "%s \"%s\" lacks a closing curly brace in its last position", pre, key), -1;
    for (const char *t = open + 1;;) { /* each "key:value" between the braces, split on ',' */
        const char *end = t;
        while (end < close && *end != ',') end++;
        const char *colon = memchr(t, ':', (size_t)(end - t));
        if (!colon || colon + 1 == end)
            return snprintf(err, errlen, "%s \"%.*s\" tag expression is malformed", pre, (int)(end - t), t), -1;
        if (end == close) return 0;
        t = end + 1;
    }
}
