#include "util/log.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

static int log_verbose;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static const char *log_names[] = {"debug", "info", "warning", "error"};

void log_set_verbose(int verbose) { log_verbose = verbose; }

static void log_time(char *out, size_t n) {
    struct timeval tv;
    gettimeofday(&tv, NULL);
    struct tm tm;
    localtime_r(&tv.tv_sec, &tm);
    char tz[8];
    strftime(tz, sizeof tz, "%z", &tm);
    size_t k = strftime(out, n, "%Y-%m-%dT%H:%M:%S", &tm);
    /* RFC 3339 offset: +0100 -> +01:00 */
    snprintf(out + k, n - k, "%.3s:%.2s", tz, tz + 3);
}

/* Quote as logfmt does: backslash-escape quotes, backslashes and newlines. */
static void log_quote(FILE *f, const char *s, size_t len) {
    fputc('"', f);
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c == '"' || c == '\\') { fputc('\\', f); fputc(c, f); }
        else if (c == '\n') fputs("\\n", f);
        else if (c == '\t') fputs("\\t", f);
        else if (c == '\r') fputs("\\r", f);
        else fputc(c, f);
    }
    fputc('"', f);
}

void log_msg(log_level lvl, const char *extra, const char *msg, size_t len) {
    if (lvl == LOG_DEBUG && !log_verbose) return;
    char ts[64];
    log_time(ts, sizeof ts);
    pthread_mutex_lock(&log_lock);
    fprintf(stderr, "time=\"%s\" level=%s msg=", ts, log_names[lvl]);
    log_quote(stderr, msg, len);
    if (extra) fputs(extra, stderr);
    fputc('\n', stderr);
    pthread_mutex_unlock(&log_lock);
}

void log_printf(log_level lvl, const char *fmt, ...) {
    char msg[4096];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    log_msg(lvl, NULL, msg, (size_t)n < sizeof msg ? (size_t)n : sizeof msg - 1);
}
