/* Threshold expressions: parsing, type checking, evaluation. */
#include "metrics/threshold.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Longer operators first where they share a prefix with a shorter one, and
 * in k6's order, so the same expressions split the same way. */
static const struct { const char *text; threshold_op op; } OPS[] = {
    {"<=", THRESHOLD_LE}, {"<", THRESHOLD_LT}, {">=", THRESHOLD_GE}, {">", THRESHOLD_GT},
    {"===", THRESHOLD_EQ}, {"==", THRESHOLD_EQ}, {"!=", THRESHOLD_NE},
};

static const struct { const char *name; threshold_agg agg; } AGGS[] = {
    {"count", THRESHOLD_COUNT}, {"rate", THRESHOLD_RATE}, {"value", THRESHOLD_VALUE},
    {"avg", THRESHOLD_AVG}, {"min", THRESHOLD_MIN}, {"max", THRESHOLD_MAX},
    {"med", THRESHOLD_MED},
};

/* Trims [*a, *b) of surrounding whitespace. */
static void trim(const char *s, size_t *a, size_t *b) {
    while (*a < *b && isspace((unsigned char)s[*a])) (*a)++;
    while (*b > *a && isspace((unsigned char)s[*b - 1])) (*b)--;
}

static int fail(char *err, size_t errlen, const char *src, const char *why) {
    if (err && errlen) snprintf(err, errlen, "threshold \"%s\": %s", src, why);
    return -1;
}

static int parse_agg(const char *src, size_t a, size_t b, threshold *out, char *err, size_t errlen) {
    char why[160];
    size_t len = b - a;
    if (!len) return fail(err, errlen, src, "missing aggregation before the operator (e.g. p(95), avg, rate, count)");
    if (len >= sizeof out->agg_name) return fail(err, errlen, src, "aggregation is too long");
    memcpy(out->agg_name, src + a, len);
    out->agg_name[len] = '\0';
    for (size_t i = 0; i < sizeof AGGS / sizeof AGGS[0]; i++)
        if (!strcmp(out->agg_name, AGGS[i].name)) { out->agg = AGGS[i].agg; return 0; }
    if (sink_parse_pct(out->agg_name, len, &out->pct)) { out->agg = THRESHOLD_PCT; return 0; }
    if (out->agg_name[0] == 'p' && out->agg_name[1] == '(')
        snprintf(why, sizeof why, "bad percentile \"%s\": want p(N) with N a number from 0 to 100", out->agg_name);
    else
        snprintf(why, sizeof why, "unknown aggregation \"%s\" (want count, rate, value, avg, min, max, med or p(N))",
                 out->agg_name);
    return fail(err, errlen, src, why);
}

static int parse_value(const char *src, size_t a, size_t b, const char *op, threshold *out,
                       char *err, size_t errlen) {
    char num[64], why[160];
    if (a == b) {
        snprintf(why, sizeof why, "missing number after \"%s\"", op);
        return fail(err, errlen, src, why);
    }
    char *end = NULL;
    if (b - a < sizeof num) {
        memcpy(num, src + a, b - a);
        num[b - a] = '\0';
        out->value = strtod(num, &end);
    }
    if (!end || *end || end == num) {
        snprintf(why, sizeof why, "\"%.*s\" after \"%s\" is not a number", (int)(b - a > 40 ? 40 : b - a),
                 src + a, op);
        return fail(err, errlen, src, why);
    }
    return 0;
}

int threshold_parse(const char *src, threshold *out, char *err, size_t errlen) {
    memset(out, 0, sizeof *out);
    for (size_t i = 0; i < sizeof OPS / sizeof OPS[0]; i++) {
        const char *at = strstr(src, OPS[i].text);
        if (!at) continue;
        size_t a = 0, b = (size_t)(at - src);
        trim(src, &a, &b);
        if (parse_agg(src, a, b, out, err, errlen) < 0) return -1;
        a = b = (size_t)(at - src) + strlen(OPS[i].text);
        b += strlen(at + strlen(OPS[i].text));
        trim(src, &a, &b);
        out->op = OPS[i].op;
        return parse_value(src, a, b, OPS[i].text, out, err, errlen);
    }
    return fail(err, errlen, src, "no comparison operator (want one of <, <=, >, >=, ==, ===, !=)");
}

static bool agg_allowed(threshold_agg agg, metric_type type) {
    switch (type) {
    case METRIC_COUNTER: return agg == THRESHOLD_COUNT || agg == THRESHOLD_RATE;
    case METRIC_GAUGE: return agg == THRESHOLD_VALUE;
    case METRIC_RATE: return agg == THRESHOLD_RATE;
    case METRIC_TREND:
        return agg == THRESHOLD_AVG || agg == THRESHOLD_MIN || agg == THRESHOLD_MAX ||
               agg == THRESHOLD_MED || agg == THRESHOLD_PCT;
    }
    return false;
}

static const char *allowed_list(metric_type type) {
    switch (type) {
    case METRIC_COUNTER: return "count, rate";
    case METRIC_GAUGE: return "value";
    case METRIC_RATE: return "rate";
    case METRIC_TREND: return "avg, min, max, med, p(N)";
    }
    return "";
}

int threshold_check_type(const threshold *t, metric_type type, char *err, size_t errlen) {
    if (agg_allowed(t->agg, type)) return 0;
    if (err && errlen)
        snprintf(err, errlen, "aggregation \"%s\" is not supported on a %s metric (supported: %s)",
                 t->agg_name, metric_type_name(type), allowed_list(type));
    return -1;
}

static bool compare(double lhs, threshold_op op, double rhs) {
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
    return compare(v, t->op, t->value);
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
