#include "output/writer.h"
#include "util/err.h"

#include "util/clock.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

/* zlib level 1: a JSON output at 500,000 samples/s is over 100 MB/s of text,
 * more than the default level compresses on one core; level 1 keeps up and
 * still shrinks these repetitive lines about tenfold. */
#define WRITER_GZ_LEVEL 1

static void writer_fail(writer *w, int e) {
    if (!w->err) w->err = e ? e : EIO;
}

/* write(2) all of it, unless an earlier write failed. */
static void writer_raw(writer *w, const void *data, size_t len) {
    const char *p = data;
    if (w->err) return;
    if (w->is_stdout) fflush(stdout); /* keep order with stdio writes to stdout */
    while (len > 0) {
        ssize_t n = write(w->fd, p, len);
        if (n < 0) {
            if (errno == EINTR) continue;
            writer_fail(w, errno);
            return;
        }
        p += n;
        len -= (size_t)n;
    }
}

/* Feeds data to deflate, writing out every full output buffer; with
 * Z_FINISH also ends the gzip stream. */
static void writer_deflate(writer *w, const void *data, size_t len, int flush) {
    z_stream *z = w->z;
    z->next_in = (Bytef *)data;
    z->avail_in = (uInt)len;
    for (;;) {
        int rc = deflate(z, flush);
        if (rc == Z_STREAM_ERROR) {
            writer_fail(w, EIO);
            return;
        }
        bool full = z->avail_out == 0;
        bool done = flush == Z_FINISH && rc == Z_STREAM_END;
        if (full || done) {
            writer_raw(w, w->zout, WRITER_BUF - z->avail_out);
            z->next_out = w->zout;
            z->avail_out = WRITER_BUF;
        }
        if (done || (!full && (rc == Z_BUF_ERROR || (flush != Z_FINISH && z->avail_in == 0)))) break;
    }
}

void writer_set_flush_interval(writer *w, int64_t every_us) {
    w->flush_every_us = every_us;
    w->last_flush_us = clock_now_us();
}

void writer_paced_tick(writer *w) {
    w->since_check = 0;
    if (!w->flush_every_us) return;
    int64_t now = clock_now_us();
    if (now - w->last_flush_us >= w->flush_every_us) writer_flush(w);
}

int writer_flush(writer *w) {
    w->last_flush_us = clock_now_us();
    if (w->len) {
        if (w->gz) writer_deflate(w, w->buf, w->len, Z_NO_FLUSH);
        else writer_raw(w, w->buf, w->len);
        w->len = 0;
    }
    return w->err ? -1 : 0;
}

void writer_write_slow(writer *w, const void *data, size_t len) {
    const char *p = data;
    while (len > 0) {
        if (w->len == WRITER_BUF) writer_flush(w);
        size_t n = WRITER_BUF - w->len;
        if (n > len) n = len;
        memcpy(w->buf + w->len, p, n);
        w->len += n;
        p += n;
        len -= n;
    }
}

void writer_printf(writer *w, const char *fmt, ...) {
    char small[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if ((size_t)n < sizeof small) {
        writer_write(w, small, (size_t)n);
        return;
    }
    char *big = malloc((size_t)n + 1);
    if (!big) {
        writer_fail(w, ENOMEM);
        return;
    }
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    writer_write(w, big, (size_t)n);
    free(big);
}

static bool writer_ends_with(const char *s, const char *suffix) {
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && memcmp(s + n - m, suffix, m) == 0;
}

writer *writer_open(const char *path, char *err, size_t errlen) {
    return writer_open_mode(path, WRITER_AUTO, err, errlen);
}

writer *writer_open_mode(const char *path, writer_mode mode, char *err, size_t errlen) {
    writer *w = calloc(1, sizeof *w);
    if (!w || !(w->buf = malloc(WRITER_BUF))) {
        snprintf(err, errlen, "%s: out of memory", path);
        free(w);
        return NULL;
    }
    w->is_stdout = path[0] == 0 || strcmp(path, "-") == 0;
    w->path = strdup(w->is_stdout ? "stdout" : path);
    if (!w->path) {
        snprintf(err, errlen, "%s: out of memory", path);
        w->fd = -1;
        goto fail;
    }
    if (w->is_stdout) {
        w->fd = STDOUT_FILENO;
    } else {
        w->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
        if (w->fd < 0) {
            char why[128];
            snprintf(err, errlen, "open %s: %s", path, err_go_errno(errno, why, sizeof why));
            goto fail;
        }
        w->gz = mode == WRITER_AUTO && writer_ends_with(path, ".gz");
    }
    if (w->gz) {
        z_stream *z = calloc(1, sizeof *z);
        w->zout = malloc(WRITER_BUF);
        w->z = z;
        /* windowBits 15 + 16: a gzip header and trailer around the deflate data */
        if (!z || !w->zout || deflateInit2(z, WRITER_GZ_LEVEL, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
            snprintf(err, errlen, "%s: cannot start gzip compression", path);
            goto fail;
        }
        z->next_out = w->zout;
        z->avail_out = WRITER_BUF;
    }
    return w;
fail:
    if (w->fd >= 0 && !w->is_stdout) close(w->fd);
    free(w->z);
    free(w->zout);
    free(w->path);
    free(w->buf);
    free(w);
    return NULL;
}

int writer_close(writer *w, char *err, size_t errlen) {
    if (!w) return 0;
    writer_flush(w);
    if (w->gz) {
        writer_deflate(w, NULL, 0, Z_FINISH);
        deflateEnd(w->z);
    }
    if (w->is_stdout) {
        fflush(stdout);
    } else if (close(w->fd) != 0) {
        writer_fail(w, errno);
    }
    int rc = 0;
    if (w->err) {
        char why[128];
        snprintf(err, errlen, "write %s: %s", w->path, err_go_errno(w->err, why, sizeof why));
        rc = -1;
    }
    free(w->z);
    free(w->zout);
    free(w->path);
    free(w->buf);
    free(w);
    return rc;
}

const char *writer_name(const writer *w) { return w->path; }

/* ---- numbers ---------------------------------------------------------- */

/* Decimal digits of u into d (most significant first); returns the count. */
static int writer_u64_digits(uint64_t u, char *d) {
    char tmp[20];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    for (int i = 0; i < n; i++) d[i] = tmp[n - 1 - i];
    return n;
}

/* The shortest decimal that reads back as a (finite, > 0): digits d[0..n)
 * and *dp with a = 0.d0d1...d(n-1) x 10^dp. Two exact fast paths cover the
 * usual sample values (whole numbers, and milliseconds with microsecond
 * resolution); the rest tries 15, 16 then 17 significant digits. A decimal
 * of at most 15 digits is the only one of that length to read back as a
 * given (normal) double, so the fast paths' answers and a 15-digit hit are
 * the shortest once trailing zeros are cut. */
static int writer_shortest(double a, char d[24], int *dp) {
    int n;
    if (a < 1e15 && a == floor(a)) {
        n = writer_u64_digits((uint64_t)a, d);
        *dp = n;
    } else if (a < 1e9 && a >= 1e-6) {
        double m = nearbyint(a * 1e6);
        if (m >= 1 && m / 1e6 == a) {
            n = writer_u64_digits((uint64_t)m, d);
            *dp = n - 6;
        } else {
            goto slow;
        }
    } else {
    slow:;
        char buf[40];
        /* subnormals carry fewer digits: there the search starts at 1 */
        for (int prec = a < 2.2250738585072014e-308 ? 1 : 15; prec <= 17; prec++) {
            snprintf(buf, sizeof buf, "%.*e", prec - 1, a);
            if (prec == 17 || strtod(buf, NULL) == a) break;
        }
        /* "d.ddde[+-]XX" */
        n = 0;
        const char *p = buf;
        for (; *p && *p != 'e'; p++)
            if (*p != '.') d[n++] = *p;
        *dp = atoi(p + 1) + 1;
    }
    while (n > 1 && d[n - 1] == '0') n--;
    return n;
}

static size_t writer_special(char *buf, double v) {
    if (isfinite(v)) return 0;
    memcpy(buf, "null", 5);
    return 4;
}

size_t writer_fmt_go(char *buf, double v) {
    size_t sp = writer_special(buf, v);
    if (sp) return sp;
    char *p = buf;
    if (signbit(v)) {
        *p++ = '-';
        v = -v;
    }
    if (v == 0) {
        *p++ = '0';
        *p = 0;
        return (size_t)(p - buf);
    }
    char d[24];
    int dp, n = writer_shortest(v, d, &dp);
    int exp = dp - 1;
    if (exp < -4 || exp >= 6) {
        *p++ = d[0];
        if (n > 1) {
            *p++ = '.';
            memcpy(p, d + 1, (size_t)n - 1);
            p += n - 1;
        }
        *p++ = 'e';
        *p++ = exp < 0 ? '-' : '+';
        if (exp < 0) exp = -exp;
        if (exp >= 100) *p++ = (char)('0' + exp / 100);
        *p++ = (char)('0' + exp / 10 % 10);
        *p++ = (char)('0' + exp % 10);
    } else if (dp <= 0) {
        *p++ = '0';
        *p++ = '.';
        for (int i = dp; i < 0; i++) *p++ = '0';
        memcpy(p, d, (size_t)n);
        p += n;
    } else {
        for (int i = 0; i < dp; i++) *p++ = i < n ? d[i] : '0';
        if (n > dp) {
            *p++ = '.';
            memcpy(p, d + dp, (size_t)(n - dp));
            p += n - dp;
        }
    }
    *p = 0;
    return (size_t)(p - buf);
}

size_t writer_fmt_js(char *buf, double v) {
    size_t sp = writer_special(buf, v);
    if (sp) return sp;
    char *p = buf;
    if (v == 0) {
        *p++ = '0';
        *p = 0;
        return 1;
    } /* -0 too */
    if (v < 0) {
        *p++ = '-';
        v = -v;
    }
    char d[24];
    int dp, n = writer_shortest(v, d, &dp);
    if (n <= dp && dp <= 21) {
        memcpy(p, d, (size_t)n);
        p += n;
        for (int i = n; i < dp; i++) *p++ = '0';
    } else if (0 < dp && dp <= 21) {
        memcpy(p, d, (size_t)dp);
        p += dp;
        *p++ = '.';
        memcpy(p, d + dp, (size_t)(n - dp));
        p += n - dp;
    } else if (-6 < dp && dp <= 0) {
        *p++ = '0';
        *p++ = '.';
        for (int i = dp; i < 0; i++) *p++ = '0';
        memcpy(p, d, (size_t)n);
        p += n;
    } else {
        int exp = dp - 1;
        *p++ = d[0];
        if (n > 1) {
            *p++ = '.';
            memcpy(p, d + 1, (size_t)n - 1);
            p += n - 1;
        }
        p += sprintf(p, "e%c%d", exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
    }
    *p = 0;
    return (size_t)(p - buf);
}

size_t writer_fmt_gojson(char *buf, double v) {
    if (v == 0 && signbit(v)) { /* Go keeps the sign that ECMAScript drops */
        memcpy(buf, "-0", 3);
        return 2;
    }
    return writer_fmt_js(buf, v);
}

/* ---- timestamps ------------------------------------------------------- */

void writer_time_init(writer_time *t) {
    memset(t, 0, sizeof *t);
    t->sec = INT64_MIN;
}

size_t writer_fmt_time(writer_time *t, char *buf, int64_t wall_ns, bool frac) {
    int64_t sec = wall_ns / 1000000000, ns = wall_ns % 1000000000;
    if (ns < 0) {
        ns += 1000000000;
        sec--;
    }
    if (sec != t->sec) {
        time_t tt = (time_t)sec;
        struct tm tm;
        localtime_r(&tt, &tm);
        snprintf(t->prefix, sizeof t->prefix, "%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1,
                 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
        int off = (int)(tm.tm_gmtoff / 60) % (100 * 60); /* minutes east of UTC */
        int a = off < 0 ? -off : off;
        if (off == 0) snprintf(t->zone, sizeof t->zone, "Z");
        else snprintf(t->zone, sizeof t->zone, "%c%02d:%02d", off < 0 ? '-' : '+', a / 60, a % 60);
        t->sec = sec;
    }
    size_t n = strlen(t->prefix);
    memcpy(buf, t->prefix, n);
    if (frac && ns) {
        char d[9];
        int nd = 9;
        for (int i = 8; i >= 0; i--) {
            d[i] = (char)('0' + ns % 10);
            ns /= 10;
        }
        while (d[nd - 1] == '0') nd--;
        buf[n++] = '.';
        memcpy(buf + n, d, (size_t)nd);
        n += (size_t)nd;
    }
    size_t z = strlen(t->zone);
    memcpy(buf + n, t->zone, z + 1);
    return n + z;
}
