/* End-of-test summary text, in k6's "compact" layout (THRESHOLDS, then
 * TOTAL RESULTS with the checks block and the metrics by category) and its
 * "full" one (also a section per group and per scenario), plus the value
 * formatters it uses, shared with the live progress line and the jslib
 * helpers. Layout and formatting rules are described at the top of summary.c. */
#ifndef C6_SUMMARY_H
#define C6_SUMMARY_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "metrics/engine.h"
#include "metrics/sink.h"

typedef struct summary_metric {
    const char *name; /* "http_req_duration" or a submetric "http_req_duration{expected_response:true}" */
    metric_type type;
    value_kind kind;
    const sink *sink; /* NULL: no samples, not shown */
} summary_metric;

typedef struct summary_check {
    const char *name;
    const char *group; /* "" for root, "::a::b" nested; compact mode merges checks by name */
    uint64_t passes, fails;
} summary_check;

typedef struct summary_threshold {
    const char *metric; /* metric or submetric name the threshold is on */
    const char *source; /* expression as written: "p(95)<500" */
    bool ok;
    double observed; /* the aggregated value the expression was judged on */
    const char *agg; /* "p(95)"; NULL: taken from source */
} summary_threshold;

/* A group or scenario of --summary-mode=full: the metrics of the samples
 * tagged with it (a group's own samples, not its subgroups'; plain metrics,
 * no sub-metrics), its checks merged by name in first-seen order, and its
 * subgroups in first-seen order (shown so, as k6). */
typedef struct summary_group {
    const char *name;
    const summary_metric *metrics;
    size_t nmetrics;
    const summary_check *checks;
    size_t nchecks;
    const struct summary_group *groups;
    size_t ngroups;
} summary_group;

typedef struct summary_data {
    const summary_metric *metrics;
    size_t nmetrics;
    const summary_check *checks;
    size_t nchecks; /* in first-seen order */
    const summary_threshold *thresholds;
    size_t nthresholds;
    double duration_s; /* test run duration, for rates */
    const char *const *trend_stats;
    size_t ntrend_stats;   /* NULL = k6 default avg,min,med,max,p(90),p(95) */
    bool color;            /* ANSI colours (off when not a tty) */
    const char *time_unit; /* summaryTimeUnit: NULL or "" = automatic, else "s", "ms" or "us" */
    bool full;             /* --summary-mode=full: also show the metrics compact mode hides */
    /* --summary-mode=full: the top-level groups and the scenarios other
     * than "default", each shown in a section of its own; NULL/0 otherwise */
    const summary_group *groups;
    size_t ngroups;
    const summary_group *scenarios;
    size_t nscenarios;
    /* for --summary-export and handleSummary's data: the group paths that
     * ran ("::a", "::a::b"; k6 lists them in root_group even without
     * checks) and what setup() returned, as JSON (NULL: undefined, or no
     * setup) */
    const char *const *group_paths;
    size_t ngroup_paths;
    const char *setup_json;
} summary_data;

void summary_render(FILE *out, const summary_data *d);

/* The summary's view of n breakdown nodes (engine_node_children() of
 * engine_group_root(), or engine_scenarios()) and all below them. It points
 * at the engine's names and sinks, so it lives no longer than the engine
 * and no sample may be drained meanwhile. NULL when n is 0 or out of memory. */
summary_group *summary_groups_from_engine(const engine_node *const *nodes, size_t n);
void summary_groups_free(const summary_group *g, size_t n);

/* Value formatters, k6's rules. Each writes a NUL-terminated string into buf
 * (truncated to n) and returns buf. Times are in milliseconds. */
/* By "contains": time -> summary_format_duration (automatic unit), data ->
 * summary_format_bytes, default -> summary_format_number. */
char *summary_format_value(char *buf, size_t n, double v, value_kind kind);
/* As the summary shows a metric's value: Rate metrics as a percentage,
 * others by kind; time_unit as summary_data.time_unit. */
char *summary_format_metric(char *buf, size_t n, double v, metric_type type, value_kind kind, const char *time_unit);
/* "0s", "812ns", "456.12µs", "1.23ms", "1.5s", "1m2s", "2h3m4s"; with a
 * time_unit of "s", "ms" or "us" always that unit with 2 decimals. */
char *summary_format_duration(char *buf, size_t n, double ms, const char *time_unit);
char *summary_format_bytes(char *buf, size_t n, double bytes);   /* "9 B", "4.9 kB", "519 kB", "3.4 MB" */
char *summary_format_percent(char *buf, size_t n, double ratio); /* 0.12345 -> "12.34%" (truncated) */
char *summary_format_number(char *buf, size_t n, double v);      /* at most 6 decimals, no trailing zeros */

#endif
