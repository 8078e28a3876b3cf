#include "util/log.h"

#include "util/buf.h"

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
static void log_quote(buf *b, const char *s, size_t len) {
    buf_append(b, "\"", 1);
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c == '"' || c == '\\') { buf_append(b, "\\", 1); buf_append(b, &c, 1); }
        else if (c == '\n') buf_append(b, "\\n", 2);
        else if (c == '\t') buf_append(b, "\\t", 2);
        else if (c == '\r') buf_append(b, "\\r", 2);
        else buf_append(b, &c, 1);
    }
    buf_append(b, "\"", 1);
}

/* One write per line: lines from several threads never interleave. */
void log_msg(log_level lvl, const char *extra, const char *msg, size_t len) {
    if (lvl == LOG_DEBUG && !log_verbose) return;
    char ts[64];
    log_time(ts, sizeof ts);
    buf b = {0};
    buf_puts(&b, "time=\"");
    buf_puts(&b, ts);
    buf_puts(&b, "\" level=");
    buf_puts(&b, log_names[lvl]);
    buf_puts(&b, " msg=");
    log_quote(&b, msg, len);
    if (extra) buf_puts(&b, extra);
    buf_append(&b, "\n", 1);
    pthread_mutex_lock(&log_lock);
    fwrite(b.p, 1, b.len, stderr);
    fflush(stderr);
    pthread_mutex_unlock(&log_lock);
    buf_free(&b);
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
