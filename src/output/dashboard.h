/* The web dashboard (k6's K6_WEB_DASHBOARD=true or `-o web-dashboard`):
 * an HTTP server that serves a page embedded in the binary and a stream
 * of Server-Sent Events the page draws its charts from, plus, at the end,
 * a self-contained HTML report (K6_WEB_DASHBOARD_EXPORT).
 *
 * Routes: GET / (and /ui/) the page; GET /events the SSE stream; GET
 * /report the report of what has happened so far. A client that connects
 * late is sent every event from the first, so a page opened mid-run (or
 * after the end) draws the whole run; the stream ends after the "end" event.
 *
 * Events, each one JSON object on one line:
 *   config    {"script","period" (s),"scenarios":[names]}, first of all
 *   snapshot  every period while the test runs, and once at its end:
 *             {"t" elapsed s, "vus", "vus_max", "http_reqs" and
 *             "iterations" (totals), "http_req_rate" and "iteration_rate"
 *             (per s over the period), "http_req_failed" (failed share of
 *             the period's requests), "http_req_failed_total" (of all),
 *             "http_req_duration": {"avg","p90","p95","p99","max" of the
 *             period's samples, ms}, "http_req_duration_total" (the same
 *             since the start), "data_sent"/"data_received" (bytes)
 *             and their "_rate" (B/s over the period), "checks" (pass share
 *             of all checks, null when none), "scenario_vus": {name: n},
 *             and with dash_listen_engine: "requests" (per name tag) and
 *             "scenario_stats" (per scenario): [{"name","count" (requests),
 *             "failed","rate" (/s since the start),"avg","p90","p95",
 *             "p99","max" (http_req_duration, ms), "iterations"}],
 *             "distribution": {"edges": [ms], "counts": [n]} (one more
 *             count than edges: the last bin is open), "check_list":
 *             [{"name","group","passes","fails"}], and with
 *             dash_set_thresholds: "thresholds": [{"metric","source","ok",
 *             "observed"}] as last evaluated}
 *   end       {"duration" s, "thresholds":[{"metric","source","ok",
 *             "observed"}], "checks":[{"name","group","passes","fails"}],
 *             "metrics":[{"name","type","contains","values":{agg: v}}]}
 *
 * Threading: dash_start/dash_snapshot/dash_end/dash_finish/dash_stop are
 * the main thread's; the server has a thread per connection (at most
 * DASH_MAX_CONNECTIONS), each blocked on a condition variable until the
 * next event. Building a snapshot costs a few sink reads and one small
 * string; nothing runs on the workers. */
#ifndef C6_DASHBOARD_H
#define C6_DASHBOARD_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <pthread.h>
#include "metrics/engine.h"
#include "output/summary.h"

struct c6_test;

#define DASH_DEFAULT_PORT    5665
#define DASH_MAX_CONNECTIONS 32

typedef struct dash_config {
    bool enabled;
    char host[256];    /* K6_WEB_DASHBOARD_HOST: "localhost" */
    int port;          /* K6_WEB_DASHBOARD_PORT: 5665; 0 any free port; -1 no server */
    int64_t period_us; /* K6_WEB_DASHBOARD_PERIOD: 10 s */
    bool open;         /* K6_WEB_DASHBOARD_OPEN: start a browser on the page */
    char *export_path; /* K6_WEB_DASHBOARD_EXPORT: the report's file, NULL none */
} dash_config;

/* Reads the K6_WEB_DASHBOARD* variables of env (NULL-terminated
 * "KEY=VALUE"), then, when out_arg is not NULL (`-o web-dashboard[=ARG]`),
 * enables the dashboard and applies ARG's "key=value&key=value" pairs
 * (host, port, period, open, export), which win over the environment.
 * Returns 0, or -1 with err naming the variable or key and the cause. */
int dash_config_read(dash_config *c, char *const *env, const char *out_arg, char *err, size_t errlen);
void dash_config_free(dash_config *c);

typedef struct dashboard dashboard;

/* Starts the server (unless port is -1) and queues the config event.
 * NULL with err ("web dashboard: listen tcp 127.0.0.1:5665: bind: address
 * already in use") when it cannot listen. */
dashboard *dash_start(const dash_config *c, const char *script, const char *const *scenarios, size_t nscenarios,
                      char *err, size_t errlen);
/* "http://127.0.0.1:5665" with the port really bound, or "" without a server. */
const char *dash_url(const dashboard *d);

/* What a snapshot is made from: totals since the start, read from the sinks. */
typedef struct dash_sample {
    double t_s; /* seconds since the test started */
    int64_t vus, vus_max;
    double http_reqs, iterations, data_sent, data_received;
    uint64_t req_failed, req_total; /* http_req_failed: nonzero, total */
    uint64_t checks_pass, checks_total;
    uint64_t dur_n;                            /* http_req_duration */
    double dur_sum, dur_p90, dur_p95, dur_p99; /* since the start */
    bool period_set;                           /* the period's own percentiles (dash_listen_engine) */
    double per_p90, per_p95, per_p99, per_max;
    const int *scenario_vus; /* per scenario of dash_start, or NULL */
    const char *extra;       /* more members ("\"k\":v,..."), or NULL */
} dash_sample;

/* Gathers from the engine's samples what the snapshots show per period
 * (http_req_duration's percentiles), per name tag and per scenario (the
 * tables) and the duration distribution: an engine listener, one pass over
 * each drained chunk, no lock of its own. 0, or -1 (out of memory, too many
 * listeners). NULL d is a no-op. */
int dash_listen_engine(dashboard *d, engine *eng);

/* A threshold as last evaluated during the run (k6: every 2 s). */
typedef struct dash_threshold {
    const char *metric, *source;
    bool ok;
    double observed;
} dash_threshold;
/* Fills up to max thresholds, returns how many there are. Main thread. */
typedef size_t dash_thresholds_fn(void *ctx, dash_threshold *out, size_t max);
/* Each snapshot then lists the thresholds fn gives. */
void dash_set_thresholds(dashboard *d, dash_thresholds_fn *fn, void *ctx);
/* The REST API the page's pause/resume/scale controls go through: the
 * server proxies GET and PATCH /api/v1/status to it (same origin for the
 * page; the API itself answers no cross-origin request, as k6's).
 * address as given to --address ("localhost:6565", ":6565", "[::1]:0"),
 * port the one really bound. NULL d is a no-op. */
void dash_set_api(dashboard *d, const char *address, unsigned port);
/* The REST API is (expect) or is no longer (!expect) about to start: c6
 * prints the page's URL a few ms before its API listens, and a page's first
 * /api/v1/status in that gap waits for it (at most 5 s) instead of being
 * told the API is off. NULL d is a no-op. */
void dash_expect_api(dashboard *d, bool expect);

/* Queues a snapshot event (ignored unless t_s is past the last one's). */
void dash_snapshot(dashboard *d, const dash_sample *s);
/* Queues the end event from the end-of-test summary data. */
void dash_end(dashboard *d, const summary_data *sd);
/* Writes the report to the export path, if one was set. Returns 0, or -1
 * with err ("web dashboard: open /x/report.html: No such file or directory"). */
int dash_finish(dashboard *d, char *err, size_t errlen);
/* The report (page + every event so far) as one malloc'd HTML string. */
char *dash_report_html(dashboard *d, size_t *len);
/* Ends the streams (giving connected pages up to a second to read the last
 * events), stops the server and frees d. NULL is fine. */
void dash_stop(dashboard *d);

/* The run's side. dash_start for the test's scenarios. */
dashboard *dash_start_test(const dash_config *c, const char *script, const struct c6_test *t, char *err, size_t errlen);
/* A snapshot of the test now: its VUs, and the engine's totals read under
 * eng_lock (the lock the engine is drained under). */
void dash_snapshot_test(dashboard *d, const struct c6_test *t, const engine *eng, pthread_mutex_t *eng_lock,
                        int64_t now);
/* From the run's timer (main thread): a snapshot every period from the
 * test's start (one, not several, after a hold-up). NULL is a no-op. */
void dash_tick(dashboard *d, const struct c6_test *t, const engine *eng, pthread_mutex_t *eng_lock, int64_t now);

#endif
