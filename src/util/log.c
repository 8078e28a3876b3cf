#include "util/log.h"

#include "util/buf.h"
#include "util/jsonstr.h" /* JSON strings escaped as Go's encoding/json, as logrus writes them */
#include "util/utf8.h"

#include <errno.h>
#include <stdint.h>
#include <stdbool.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int log_verbose;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static const char *log_names[] = {"debug", "info", "warning", "error"};

static log_format log_fmt = LOG_FMT_TEXT;
static FILE *log_out;        /* NULL: stderr */
static bool log_none;        /* --log-output=none */
static FILE *log_console_fp; /* --console-output */

void log_set_verbose(int verbose) { log_verbose = verbose; }
void log_set_format(log_format f) { log_fmt = f; }
static int log_ns;
void log_set_ns_timestamps(int on) { log_ns = on; }

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
    if (!strcmp(spec, "stdout")) {
        log_out = stdout;
        return 0;
    }
    if (!strcmp(spec, "none")) {
        log_none = true;
        return 0;
    }
    if (!strncmp(spec, "file=", 5)) {
        char path[4096];
        snprintf(path, sizeof path, "%.*s", (int)strcspn(spec + 5, ","), spec + 5); /* ",level=..." ignored */
        if (!*path) {
            snprintf(err, errlen, "file= needs a path");
            return -1;
        }
        return (log_out = log_open(path, err, errlen)) ? 0 : -1;
    }
    snprintf(err, errlen, "unsupported log output '%s'", spec); /* k6's text (internal/cmd/root.go) */
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

/* time.RFC3339 as logrus formats the local time by default (k6 sets no
 * TimestampFormat, internal/cmd/root.go setupLogFormat): "Z" for UTC,
 * "+01:00" for other offsets. */
static void log_time(char *out, size_t n) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    localtime_r(&ts.tv_sec, &tm);
    size_t k = strftime(out, n, "%Y-%m-%dT%H:%M:%S", &tm);
    if (log_ns && ts.tv_nsec && k < n) { /* RFC3339Nano: the fraction, trailing zeros dropped */
        long ns = ts.tv_nsec;
        int digits = 9;
        while (ns % 10 == 0) {
            ns /= 10;
            digits--;
        }
        k += (size_t)snprintf(out + k, n - k, ".%0*ld", digits, ns);
        if (k >= n) k = n - 1;
    }
    if (tm.tm_gmtoff == 0) {
        snprintf(out + k, n - k, "Z");
        return;
    }
    long off = tm.tm_gmtoff < 0 ? -tm.tm_gmtoff : tm.tm_gmtoff;
    snprintf(out + k, n - k, "%c%02ld:%02ld", tm.tm_gmtoff < 0 ? '-' : '+', off / 3600, off / 60 % 60);
}

/* logrus's TextFormatter.needsQuoting: anything but letters, digits and
 * -._/@^+ is quoted (an empty value is not). */
static bool log_needs_quoting(const char *s, size_t len) {
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
              c == '_' || c == '/' || c == '@' || c == '^' || c == '+'))
            return true;
    }
    return false;
}

/* Go's unicode.IsPrint for the characters above ASCII, near enough: the
 * controls, spaces other than ' ', format characters and private use are not. */
static bool log_rune_printable(uint32_t r) {
    return !((r >= 0x80 && r <= 0xa0) || r == 0xad || r == 0x1680 || (r >= 0x2000 && r <= 0x200f) ||
             (r >= 0x2028 && r <= 0x202f) || (r >= 0x205f && r <= 0x206f) || r == 0x3000 ||
             (r >= 0xe000 && r <= 0xf8ff) || r == 0xfeff || (r >= 0xfff9 && r <= 0xfffb) || r == 0xfffe ||
             r == 0xffff || r >= 0xf0000);
}

void log_quote(buf *b, const char *str, size_t len) {
    const unsigned char *s = (const unsigned char *)str;
    char esc[16];
    buf_append(b, "\"", 1);
    for (size_t i = 0; i < len;) {
        uint32_t r;
        size_t n = utf8_decode(s + i, len - i, &r);
        if (!n) {
            snprintf(esc, sizeof esc, "\\x%02x", s[i]);
            buf_puts(b, esc);
            i++;
            continue;
        }
        if (r == '"' || r == '\\') {
            esc[0] = '\\';
            esc[1] = (char)r;
            buf_append(b, esc, 2);
        } else if (r >= 0x20 && r < 0x7f) buf_append(b, str + i, 1);
        else if (r >= 0x80 && log_rune_printable(r)) buf_append(b, str + i, n);
        else if (r == '\a') buf_puts(b, "\\a");
        else if (r == '\b') buf_puts(b, "\\b");
        else if (r == '\f') buf_puts(b, "\\f");
        else if (r == '\n') buf_puts(b, "\\n");
        else if (r == '\r') buf_puts(b, "\\r");
        else if (r == '\t') buf_puts(b, "\\t");
        else if (r == '\v') buf_puts(b, "\\v");
        else {
            if (r < 0x80) snprintf(esc, sizeof esc, "\\x%02x", (unsigned)r);
            else if (r < 0x10000) snprintf(esc, sizeof esc, "\\u%04x", (unsigned)r);
            else snprintf(esc, sizeof esc, "\\U%08x", (unsigned)r);
            buf_puts(b, esc);
        }
        i += n;
    }
    buf_append(b, "\"", 1);
}

/* key=value as logrus's TextFormatter.appendKeyValue writes it. */
static void log_key_value(buf *b, const char *k, size_t klen, const char *v, size_t vlen) {
    if (b->len) buf_append(b, " ", 1);
    buf_append(b, k, klen);
    buf_append(b, "=", 1);
    if (log_needs_quoting(v, vlen)) log_quote(b, v, vlen);
    else buf_append(b, v, vlen);
}

typedef struct {
    const char *k, *v;
    size_t klen, vlen;
    bool quoted;
} log_field;

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

/* A field's value as text: a quoted one has its logfmt escapes undone. */
static void log_field_value(const log_field *f, buf *out) {
    if (!f->quoted) {
        buf_append(out, f->v, f->vlen);
        return;
    }
    for (size_t j = 0; j < f->vlen; j++) {
        char c = f->v[j];
        if (c == '\\' && j + 1 < f->vlen) {
            c = f->v[++j];
            c = c == 'n' ? '\n' : c == 't' ? '\t' : c == 'r' ? '\r' : c;
        }
        buf_append(out, &c, 1);
    }
}

static void log_format_line(buf *b, log_level lvl, const char *extra, const char *msg, size_t len) {
    char ts[64];
    if (log_fmt == LOG_FMT_RAW) {
        buf_append(b, msg, len);
        buf_append(b, "\n", 1);
        return;
    }
    log_time(ts, sizeof ts);
    log_field f[24];
    int n = log_split_extra(extra, f, 21);
    qsort(f, (size_t)n, sizeof *f, log_field_cmp);
    if (log_fmt == LOG_FMT_TEXT) {
        /* logrus's TextFormatter without colours: time, level, msg (left out
         * when empty), then the fields by key, each value quoted only when
         * needed */
        buf line = {0};
        log_key_value(&line, "time", 4, ts, strlen(ts));
        log_key_value(&line, "level", 5, log_names[lvl], strlen(log_names[lvl]));
        if (len) log_key_value(&line, "msg", 3, msg, len);
        for (int i = 0; i < n; i++) {
            buf v = {0};
            log_field_value(&f[i], &v);
            log_key_value(&line, f[i].k, f[i].klen, v.p ? v.p : "", v.len);
            buf_free(&v);
        }
        if (line.p) buf_append(b, line.p, line.len);
        buf_append(b, "\n", 1);
        buf_free(&line);
        return;
    }
    /* JSON: level, msg, time and the extra fields, keys sorted */
    f[n++] = (log_field){"level", log_names[lvl], 5, strlen(log_names[lvl]), false};
    f[n++] = (log_field){"msg", msg, 3, len, false};
    f[n++] = (log_field){"time", ts, 4, strlen(ts), false};
    qsort(f, (size_t)n, sizeof *f, log_field_cmp);
    buf_append(b, "{", 1);
    for (int i = 0; i < n; i++) {
        if (i) buf_append(b, ",", 1);
        json_string(b, f[i].k, f[i].klen, JSON_ESC_EASYJSON);
        buf_append(b, ":", 1);
        buf v = {0};
        log_field_value(&f[i], &v);
        json_string(b, v.p ? v.p : "", v.len, JSON_ESC_EASYJSON);
        buf_free(&v);
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

void log_msg_field(log_level lvl, const char *msg, const char *key, const char *value) {
    buf extra = {0}; /* ` key="value"` with the escapes log_split_extra undoes */
    buf_puts(&extra, " ");
    buf_puts(&extra, key);
    buf_puts(&extra, "=\"");
    for (const char *p = value; *p; p++) {
        if (*p == '"' || *p == '\\') {
            buf_append(&extra, "\\", 1);
            buf_append(&extra, p, 1);
        } else if (*p == '\n') buf_puts(&extra, "\\n");
        else if (*p == '\t') buf_puts(&extra, "\\t");
        else if (*p == '\r') buf_puts(&extra, "\\r");
        else buf_append(&extra, p, 1);
    }
    buf_puts(&extra, "\"");
    log_msg(lvl, extra.p, msg, strlen(msg));
    buf_free(&extra);
}
