/* The coordinator's report channel (see run_report.h). */
#include "dist/run_report.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

static int report_fd = -1;

void run_report_open(int fd) {
    report_fd = fd;
    if (fd >= 0) fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

/* One whole line or nothing (a write under PIPE_BUF to a pipe is atomic). */
static void report_line(const char *line, int n) {
    if (report_fd < 0 || n <= 0 || n >= 1024) return;
    ssize_t w;
    do w = write(report_fd, line, (size_t)n);
    while (w < 0 && errno == EINTR);
    if (w < 0 && errno == EPIPE) report_fd = -1; /* the service is gone */
}

void run_report_listening(const char *address) {
    char line[1024];
    /* an address is host:port, never quotes or backslashes */
    report_line(line, snprintf(line, sizeof line, "{\"event\":\"listening\",\"address\":\"%.300s\"}\n", address));
}

void run_report_started(void) {
    static const char line[] = "{\"event\":\"started\"}\n";
    report_line(line, (int)sizeof line - 1);
}

void run_report_progress_event(const run_report_progress *p) {
    char line[1024];
    report_line(line, snprintf(line, sizeof line,
                               "{\"event\":\"progress\",\"elapsed_ms\":%lld,\"max_duration_ms\":%lld,"
                               "\"max_vus\":%lld,\"vus\":%d,\"vus_max\":%d,\"iterations\":%lld,"
                               "\"interrupted\":%lld,\"failed_iterations\":%lld,\"time_series\":%lld,"
                               "\"groups\":%lld,\"requests\":%lld,\"failed_requests\":%lld}\n",
                               (long long)p->elapsed_ms, (long long)p->max_duration_ms, (long long)p->max_vus, p->vus,
                               p->vus_max, p->iterations, p->interrupted, p->failed_iterations, p->time_series,
                               p->groups, p->requests, p->failed_requests));
}

void run_report_ended(int code) {
    char line[64];
    report_line(line, snprintf(line, sizeof line, "{\"event\":\"ended\",\"code\":%d}\n", code));
}
