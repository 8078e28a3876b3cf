#include "util/log.h"

#include "util/buf.h"
#include "output/writer.h"   /* JSON strings escaped as Go's encoding/json, as logrus writes them */

#include <errno.h>
#include <stdbool.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

static int log_verbose;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static const char *log_names[] = {"debug", "info", "warning", "error"};

static log_format log_fmt = LOG_FMT_TEXT;
static FILE *log_out;          /* NULL: stderr */
static bool log_none;          /* --log-output=none */
static FILE *log_console_fp;   /* --console-output */

void log_set_verbose(int verbose) { log_verbose = verbose; }
void log_set_format(log_format f) { log_fmt = f; }

int log_parse_format(const char *name, log_format *out) {
    if (!strcmp(name, "") || !strcmp(name, "text")) *out = LOG_FMT_TEXT;
    else if (!strcmp(name, "json")) *out = LOG_FMT_JSON;
    else if (!strcmp(name, "raw")) *out = LOG_FMT_RAW;
    else return -1;
    return 0;
}

static FILE *log_open(const char *path, char *err, size_t errlen) {
    FILE *f = fopen(path, "a");
    if (!f) snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
    return f;
}

int log_set_output(const char *spec, char *err, size_t errlen) {
    if (!strcmp(spec, "") || !strcmp(spec, "stderr")) return 0;
    if (!strcmp(spec, "stdout")) { log_out = stdout; return 0; }
    if (!strcmp(spec, "none")) { log_none = true; return 0; }
    if (!strncmp(spec, "file=", 5)) {
        char path[4096];
        snprintf(path, sizeof path, "%.*s", (int)strcspn(spec + 5, ","), spec + 5);   /* ",level=..." ignored */
        if (!*path) { snprintf(err, errlen, "file= needs a path"); return -1; }
        return (log_out = log_open(path, err, errlen)) ? 0 : -1;
    }
    snprintf(err, errlen, "unsupported log output '%s' (use stderr, stdout, none or file=PATH)", spec);
    return -1;
}

int log_set_console_output(const char *path, char *err, size_t errlen) {
    if (!path || !*path) return 0;
    return (log_console_fp = log_open(path, err, errlen)) ? 0 : -1;
}

void log_close(void) {
    if (log_out && log_out != stdout) fclose(log_out);
    if (log_console_fp) fclose(log_console_fp);
    log_out = log_console_fp = NULL;
}

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

typedef struct { const char *k, *v; size_t klen, vlen; bool quoted; } log_field;

/* Splits logfmt pairs " k=v k2=\"v 2\"" (as the callers format them). */
static int log_split_extra(const char *extra, log_field *f, int max) {
    int n = 0;
    for (const char *p = extra; p && *p && n < max;) {
        while (*p == ' ') p++;
        const char *eq = strchr(p, '=');
        if (!*p || !eq) break;
        f[n].k = p;
        f[n].klen = (size_t)(eq - p);
        p = eq + 1;
        if (*p == '"') {
            const char *q = ++p;
            while (*q && *q != '"') q += (*q == '\\' && q[1]) ? 2 : 1;
            f[n].v = p, f[n].vlen = (size_t)(q - p), f[n].quoted = true;
            p = *q ? q + 1 : q;
        } else {
            size_t l = strcspn(p, " ");
            f[n].v = p, f[n].vlen = l, f[n].quoted = false;
            p += l;
        }
        n++;
    }
    return n;
}

static int log_field_cmp(const void *a, const void *b) {
    const log_field *x = a, *y = b;
    size_t n = x->klen < y->klen ? x->klen : y->klen;
    int c = memcmp(x->k, y->k, n);
    return c ? c : (x->klen > y->klen) - (x->klen < y->klen);
}

static void log_format_line(buf *b, log_level lvl, const char *extra, const char *msg, size_t len) {
    char ts[64];
    if (log_fmt == LOG_FMT_RAW) {
        buf_append(b, msg, len);
        buf_append(b, "\n", 1);
        return;
    }
    log_time(ts, sizeof ts);
    if (log_fmt == LOG_FMT_TEXT) {
        buf_puts(b, "time=\"");
        buf_puts(b, ts);
        buf_puts(b, "\" level=");
        buf_puts(b, log_names[lvl]);
        buf_puts(b, " msg=");
        log_quote(b, msg, len);
        if (extra) buf_puts(b, extra);
        buf_append(b, "\n", 1);
        return;
    }
    /* JSON: level, msg, time and the extra fields, keys sorted */
    log_field f[24];
    int n = log_split_extra(extra, f, 21);
    f[n++] = (log_field){"level", log_names[lvl], 5, strlen(log_names[lvl]), false};
    f[n++] = (log_field){"msg", msg, 3, len, false};
    f[n++] = (log_field){"time", ts, 4, strlen(ts), false};
    qsort(f, (size_t)n, sizeof *f, log_field_cmp);
    buf_append(b, "{", 1);
    for (int i = 0; i < n; i++) {
        if (i) buf_append(b, ",", 1);
        writer_json_string(b, f[i].k, f[i].klen, WRITER_ESC_EASYJSON);
        buf_append(b, ":", 1);
        if (f[i].quoted) {   /* undo logfmt's escapes first */
            buf tmp = {0};
            for (size_t j = 0; j < f[i].vlen; j++) {
                char c = f[i].v[j];
                if (c == '\\' && j + 1 < f[i].vlen) {
                    c = f[i].v[++j];
                    c = c == 'n' ? '\n' : c == 't' ? '\t' : c == 'r' ? '\r' : c;
                }
                buf_append(&tmp, &c, 1);
            }
            writer_json_string(b, tmp.p ? tmp.p : "", tmp.len, WRITER_ESC_EASYJSON);
            buf_free(&tmp);
        } else {
            writer_json_string(b, f[i].v, f[i].vlen, WRITER_ESC_EASYJSON);
        }
    }
    buf_append(b, "}\n", 2);
}

/* One write per line: lines from several threads never interleave. */
static void log_write(FILE *to, log_level lvl, const char *extra, const char *msg, size_t len) {
    buf b = {0};
    log_format_line(&b, lvl, extra, msg, len);
    pthread_mutex_lock(&log_lock);
    fwrite(b.p, 1, b.len, to);
    fflush(to);
    pthread_mutex_unlock(&log_lock);
    buf_free(&b);
}

void log_msg(log_level lvl, const char *extra, const char *msg, size_t len) {
    if (lvl == LOG_DEBUG && !log_verbose) return;
    if (log_none) return;
    log_write(log_out ? log_out : stderr, lvl, extra, msg, len);
}

void log_console(log_level lvl, const char *msg, size_t len) {
    if (lvl == LOG_DEBUG && !log_verbose) return;
    if (log_console_fp) log_write(log_console_fp, lvl, " source=console", msg, len);
    else log_msg(lvl, " source=console", msg, len);
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
