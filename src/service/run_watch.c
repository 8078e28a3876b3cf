/* A run's report channel, the service's side (see run_watch.h). */
#include "service/run_watch.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "config/duration.h"
#include "service/store.h"

void run_watch_init(run_watch *w, int fd) {
    memset(w, 0, sizeof *w);
    w->fd = fd;
}

void run_watch_close(run_watch *w) {
    if (w->fd >= 0) close(w->fd);
    w->fd = -1;
}

static long long num(const cJSON *o, const char *k) {
    const cJSON *v = cJSON_GetObjectItem(o, k);
    return cJSON_IsNumber(v) ? (long long)v->valuedouble : 0;
}

static void take_progress(run_watch *w, const cJSON *o, int64_t now_us) {
    run_report_progress *p = &w->last;
    p->elapsed_ms = num(o, "elapsed_ms");
    p->max_duration_ms = num(o, "max_duration_ms");
    p->max_vus = num(o, "max_vus");
    p->vus = (int)num(o, "vus");
    p->vus_max = (int)num(o, "vus_max");
    p->iterations = num(o, "iterations");
    p->interrupted = num(o, "interrupted");
    p->failed_iterations = num(o, "failed_iterations");
    p->time_series = num(o, "time_series");
    p->groups = num(o, "groups");
    p->requests = num(o, "requests");
    p->failed_requests = num(o, "failed_requests");
    w->has_progress = true;
    int k = (w->head + w->nhist) % RUN_WATCH_HIST;
    if (w->nhist == RUN_WATCH_HIST) w->head = (w->head + 1) % RUN_WATCH_HIST;
    else w->nhist++;
    w->hist[k].t_us = now_us;
    w->hist[k].iterations = p->iterations;
    w->hist[k].failed = p->failed_iterations;
}

static void take_line(run_watch *w, const char *line, size_t len, int64_t now_us) {
    cJSON *o = cJSON_ParseWithLength(line, len);
    const cJSON *ev = cJSON_GetObjectItem(o, "event");
    const char *e = cJSON_IsString(ev) ? ev->valuestring : "";
    if (!strcmp(e, "listening")) {
        const cJSON *a = cJSON_GetObjectItem(o, "address");
        if (cJSON_IsString(a) && strlen(a->valuestring) < sizeof w->addr && !strpbrk(a->valuestring, " \"\\"))
            strcpy(w->addr, a->valuestring);
    } else if (!strcmp(e, "started")) {
        w->started = true;
    } else if (!strcmp(e, "progress")) {
        take_progress(w, o, now_us);
    } else if (!strcmp(e, "ended")) {
        w->ended = true;
        w->end_code = (int)num(o, "code");
    }
    cJSON_Delete(o);
}

void run_watch_read(run_watch *w, int64_t now_us) {
    char tmp[4096];
    while (w->fd >= 0) {
        ssize_t n = read(w->fd, tmp, sizeof tmp);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) { /* EAGAIN: nothing more now; 0: the coordinator is gone */
            if (n == 0) run_watch_close(w);
            return;
        }
        for (ssize_t i = 0; i < n; i++) {
            if (tmp[i] == '\n') {
                if (!w->overlong) take_line(w, w->line, w->len, now_us);
                w->len = 0;
                w->overlong = false;
            } else if (w->len < sizeof w->line) {
                w->line[w->len++] = tmp[i];
            } else {
                w->overlong = true;
            }
        }
    }
}

int run_watch_verdict(const run_watch *w, const run_limits *l, char *msg, size_t n) {
    if (!w->has_progress) return 0;
    const run_report_progress *p = &w->last;
    if (l->max_groups && p->groups > l->max_groups) {
        snprintf(msg, n, "limit exceeded: the test's groups (%lld) are more than the service's --max-groups (%lld)",
                 p->groups, l->max_groups);
        return RUN_ABORTED_LIMIT;
    }
    if (l->max_time_series && p->time_series > l->max_time_series) {
        snprintf(msg, n,
                 "limit exceeded: the test's time series (%lld metric and tag set pairs) are more than the "
                 "service's --max-time-series (%lld)",
                 p->time_series, l->max_time_series);
        return RUN_ABORTED_LIMIT;
    }
    if (!l->error_window_us || w->nhist < 2) return 0;
    /* the newest sample at least a window older than the latest */
    int newest = (w->head + w->nhist - 1) % RUN_WATCH_HIST, from = -1;
    for (int i = w->nhist - 2; i >= 0; i--) {
        int k = (w->head + i) % RUN_WATCH_HIST;
        if (w->hist[newest].t_us - w->hist[k].t_us >= l->error_window_us) {
            from = k;
            break;
        }
    }
    if (from < 0) return 0;
    long long ended = w->hist[newest].iterations - w->hist[from].iterations,
              failed = w->hist[newest].failed - w->hist[from].failed;
    if (ended < l->error_min || ended < 1 || failed < ended) return 0;
    char d[64];
    duration_format(d, sizeof d, l->error_window_us);
    snprintf(msg, n,
             "aborted by script error: all %lld iterations that ended in the last %s threw an exception (the "
             "service's rule: --script-error-window %s, --script-error-min %lld)",
             ended, d, d, l->error_min);
    return RUN_ABORTED_SCRIPT;
}

cJSON *run_watch_progress_json(const run_watch *w) {
    if (!w->has_progress) return NULL;
    const run_report_progress *p = &w->last;
    cJSON *o = cJSON_CreateObject();
    if (!o) return NULL;
    cJSON_AddNumberToObject(o, "elapsed_ms", (double)p->elapsed_ms);
    cJSON_AddNumberToObject(o, "max_duration_ms", (double)p->max_duration_ms);
    cJSON_AddNumberToObject(o, "max_vus", (double)p->max_vus);
    cJSON_AddNumberToObject(o, "vus", p->vus);
    cJSON_AddNumberToObject(o, "vus_max", p->vus_max);
    cJSON_AddNumberToObject(o, "iterations", (double)p->iterations);
    cJSON_AddNumberToObject(o, "interrupted", (double)p->interrupted);
    cJSON_AddNumberToObject(o, "failed_iterations", (double)p->failed_iterations);
    cJSON_AddNumberToObject(o, "time_series", (double)p->time_series);
    cJSON_AddNumberToObject(o, "groups", (double)p->groups);
    cJSON_AddNumberToObject(o, "requests", (double)p->requests);
    cJSON_AddNumberToObject(o, "failed_requests", (double)p->failed_requests);
    return o;
}
