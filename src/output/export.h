/* `--summary-export=FILE`: k6's legacy end-of-test summary JSON.
 *
 * k6 makes it from the handleSummary() data with JSON.stringify(x, null, 4)
 * after reshaping it, so the layout is:
 *   {
 *       "root_group": {
 *           "name": "", "path": "", "id": "d41d8cd98f00b204e9800998ecf8427e",
 *           "groups": { "<name>": { same shape, nested } },
 *           "checks": { "<name>": { "name", "path", "id", "passes", "fails" } }
 *       },
 *       "metrics": {
 *           "http_reqs": { "count": 12, "rate": 3.9 },                   counter
 *           "vus": { "value": 1, "min": 1, "max": 10 },                   gauge
 *           "checks": { "passes": 9, "fails": 1, "value": 0.9 },          rate
 *           "http_req_duration": { "avg": .., "min": .., "med": .., "max": ..,
 *                                  "p(90)": .., "p(95)": ..,            trend: the
 *                                  "thresholds": { "p(95)<500": false } }  trend stats
 *       },
 *       "setup_data": <what setup() returned, when it returned something>
 *   }
 * A threshold's value is true when it FAILED (a passing one is false). For
 * a Rate the thresholds come before "value" (k6 renames rate to value last).
 * root_group holds every group that ran, with or without checks (k6 builds
 * it from the group_duration and checks samples). Group and check ids are the md5 of their path ("::g1::g2", check path =
 * group path + "::" + name), as in k6; the root's path is "". Numbers are
 * written as JavaScript does (shortest round-trip digits). k6 orders keys by
 * Go map iteration, i.e. randomly; c6 keeps the order of the inputs.
 * Metrics without samples (sink NULL) are left out, as in k6. */
#ifndef C6_EXPORT_H
#define C6_EXPORT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "metrics/sink.h"
#include "output/summary.h"

typedef struct export_threshold {
    const char *source; /* "p(95)<500", as written */
    bool ok;            /* passed; exported as "p(95)<500": !ok */
} export_threshold;

typedef struct export_metric {
    const char *name; /* "http_req_duration" or "http_req_duration{status:200}" */
    metric_type type;
    value_kind kind;  /* not in this format; kept for callers' convenience */
    const sink *sink; /* NULL: no samples, left out */
    const export_threshold *thresholds;
    size_t nthresholds;
} export_metric;

typedef struct export_check {
    const char *name;
    const char *group; /* "" (or NULL) for root, "::a::b" nested */
    uint64_t passes, fails;
} export_check;

typedef struct export_data {
    const export_metric *metrics;
    size_t nmetrics;
    const export_check *checks;
    size_t nchecks; /* in first-seen order */
    const char *const *groups;
    size_t ngroups;    /* optional: group paths that ran
                                                            without checks still appear */
    double duration_s; /* for Counter rates */
    const char *const *trend_stats;
    size_t ntrend_stats;    /* none: avg,min,med,max,p(90),p(95) */
    const char *setup_json; /* setup()'s value as JSON; NULL: none */
} export_data;

/* The JSON text (malloc'd, ends with no newline, as k6 writes it), or NULL
 * when out of memory. */
char *export_render(const export_data *d);
/* Writes export_render(d) to path ("-" is stdout; never gzipped). Returns 0,
 * or -1 with a message. */
int export_write(const char *path, const export_data *d, char *err, size_t errlen);
/* The same from the end-of-test summary's data: thresholds are matched to
 * metrics by name. */
int export_write_summary(const char *path, const summary_data *s, char *err, size_t errlen);

#endif
