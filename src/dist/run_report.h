/* The coordinator's report channel (`c6 coordinator --report-fd=N`): how
 * the test-run service (c6 server) follows the run it started, instead of
 * reading its log. One JSON object per line, written whole (a line is at
 * most 1 KiB, under PIPE_BUF, so a pipe never interleaves or splits one);
 * a line that cannot be written at once (a full pipe: the reader is slow)
 * is dropped, never waited for. Events, in this order:
 *
 *   {"event":"listening","address":"127.0.0.1:40123"}   agents may connect
 *   {"event":"started"}                    the test started on every agent
 *   {"event":"progress", ...numbers}       about every second while it runs,
 *                                          and once more at the end
 *   {"event":"ended","code":N}             the coordinator's exit code
 *
 * A progress event's numbers, the whole run's (every agent's summed):
 *   elapsed_ms, max_duration_ms (the plan's, graceful stops included),
 *   max_vus (the plan's), vus, vus_max, iterations (complete),
 *   interrupted, failed_iterations (complete ones that ended with an
 *   exception: counted in iterations too, as k6 counts them),
 *   time_series (distinct metric + tag set pairs seen), groups (the groups
 *   that ran so far), requests (http_reqs), failed_requests
 *   (http_req_failed's true samples).
 * The service applies its limits to these (README "Test-run service"). */
#ifndef C6_RUN_REPORT_H
#define C6_RUN_REPORT_H
#include <stdint.h>

typedef struct run_report_progress {
    int64_t elapsed_ms, max_duration_ms, max_vus;
    int vus, vus_max;
    long long iterations, interrupted, failed_iterations;
    long long time_series, groups, requests, failed_requests;
} run_report_progress;

/* fd < 0: no channel (each call is then a no-op). The fd is made
 * non-blocking. */
void run_report_open(int fd);
void run_report_listening(const char *address);
void run_report_started(void);
void run_report_progress_event(const run_report_progress *p);
void run_report_ended(int code);
#endif
