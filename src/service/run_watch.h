/* The service's side of a run's report channel (dist/run_report.h): the
 * events its coordinator writes on a pipe, read without blocking by the
 * scheduler thread, and what the service makes of them: the coordinator's
 * address, the start, the latest progress numbers (the run's REST JSON
 * "progress") and the limits seen while it runs. */
#ifndef C6_SERVICE_RUN_WATCH_H
#define C6_SERVICE_RUN_WATCH_H
#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "dist/run_report.h"

#define RUN_WATCH_HIST 1024 /* progress samples kept for the error rule (about one a second) */

/* The limits and the rule applied to a run's progress (0: off). */
typedef struct run_limits {
    long long max_groups, max_time_series;
    int64_t error_window_us; /* the script error rule: every iteration that ended in this window ... */
    long long error_min;     /* ... failed with an exception, and there were at least this many */
} run_limits;

typedef struct run_watch {
    int fd; /* the pipe's read end; -1: none */
    char line[1100];
    size_t len;
    bool overlong; /* the line being read is too long: skipped to its end */
    char addr[128];
    bool started, ended, has_progress;
    int end_code;
    run_report_progress last;
    struct {
        int64_t t_us;
        long long iterations, failed;
    } hist[RUN_WATCH_HIST];
    int nhist, head; /* head: the oldest */
} run_watch;

void run_watch_init(run_watch *w, int fd);
void run_watch_close(run_watch *w);
/* Takes every complete event line there is (now_us: the monotonic time). */
void run_watch_read(run_watch *w, int64_t now_us);
/* The run's progress against the limits: 0, or the status the run ends
 * with (RUN_ABORTED_LIMIT, RUN_ABORTED_SCRIPT) and why in msg. */
int run_watch_verdict(const run_watch *w, const run_limits *l, char *msg, size_t n);
/* The latest progress numbers as the REST API shows them; NULL: none yet. */
cJSON *run_watch_progress_json(const run_watch *w);
#endif
