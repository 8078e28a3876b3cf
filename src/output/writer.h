/* Buffered output file for the sample outputs (json, csv) and the summary
 * export: "-" (or "") is stdout, a name ending in ".gz" is gzip-compressed
 * as it is written (zlib deflate with a gzip header, one stream), anything
 * else is a plain file, created or truncated.
 *
 * Writes go to a 64 KB buffer and reach the file (or deflate) only when it
 * fills, on writer_flush() and on writer_close(): no syscall per sample.
 * The first failing write is remembered; later writes are dropped and
 * writer_close() reports it. Not thread-safe: one owner.
 *
 * The double formatters at the end reproduce the number text of the two
 * encoders k6's formats come from: Go's strconv 'g' (k6's JSON output) and
 * ECMAScript's Number::toString (the summary export, made by JSON.stringify). */
#ifndef C6_WRITER_H
#define C6_WRITER_H
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "util/buf.h"
#include "util/jsonstr.h" /* json_string() for the writers of JSON */

#define WRITER_BUF (64 * 1024)

/* Fields are private; they are here so the append helpers can be inline. */
typedef struct writer {
    size_t len; /* bytes in buf */
    char *buf;  /* WRITER_BUF bytes */
    int fd;     /* STDOUT_FILENO or the open file */
    bool is_stdout, gz;
    int err; /* first errno of a failed write, 0 if none */
    char *path;
    void *z;                /* z_stream when gz */
    unsigned char *zout;    /* deflate output buffer */
    int64_t flush_every_us; /* writer_paced: 0 = only on demand */
    int64_t last_flush_us;
    unsigned since_check; /* records since the clock was last read */
} writer;

/* Periodic flushing for record-per-sample outputs: writer_paced() after each
 * record reads the clock once every 1024 records and flushes when `every_us`
 * has passed since the last flush; writer_paced_tick() does the same check
 * from a timer, so data still reaches the file while no sample arrives. */
void writer_set_flush_interval(writer *w, int64_t every_us);
void writer_paced_tick(writer *w);
static inline void writer_paced(writer *w) {
    if (++w->since_check >= 1024) writer_paced_tick(w);
}

typedef enum {
    WRITER_AUTO,  /* gzip when the name ends in ".gz" */
    WRITER_PLAIN, /* never gzip */
} writer_mode;

/* NULL with a message ("open out.json: Permission denied") on failure. */
writer *writer_open(const char *path, char *err, size_t errlen);
writer *writer_open_mode(const char *path, writer_mode mode, char *err, size_t errlen);
/* Slow path of writer_write: the buffer is full. */
void writer_write_slow(writer *w, const void *data, size_t len);
void writer_printf(writer *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Hands buffered bytes to the file (to deflate for gzip; zlib keeps its own
 * window until close). Returns -1 once any write has failed. */
int writer_flush(writer *w);
/* Flushes, finishes the gzip stream, closes the file (stdout stays open)
 * and frees w. Returns 0, or -1 with a message if any write failed. */
int writer_close(writer *w, char *err, size_t errlen);
/* "out.json", or "stdout" */
const char *writer_name(const writer *w);

static inline void writer_write(writer *w, const void *data, size_t len) {
    if (len <= WRITER_BUF - w->len) {
        memcpy(w->buf + w->len, data, len);
        w->len += len;
    } else {
        writer_write_slow(w, data, len);
    }
}

static inline void writer_puts(writer *w, const char *s) { writer_write(w, s, strlen(s)); }

static inline void writer_putc(writer *w, char c) {
    if (w->len == WRITER_BUF) writer_write_slow(w, &c, 1);
    else w->buf[w->len++] = c;
}

/* Room for n contiguous bytes (n <= WRITER_BUF), flushing first if needed;
 * fill at most n bytes, then writer_commit() how many were used. */
static inline char *writer_reserve(writer *w, size_t n) {
    if (n > WRITER_BUF - w->len) writer_flush(w);
    return w->buf + w->len;
}
static inline void writer_commit(writer *w, size_t n) { w->len += n; }

/* Longest text the formatters below produce, with the NUL. */
#define WRITER_NUM_MAX 32
/* Go's strconv.FormatFloat(v, 'g', -1, 64), as easyjson writes floats:
 * shortest digits that read back as v, exponent form when the decimal
 * exponent is < -4 or >= 6 ("123456", "1e+06", "1.234567e+06", "0.0001",
 * "1.5e-05"). NaN and ±Inf give "null" (Go would write NaN, not JSON).
 * Returns the length written to buf (WRITER_NUM_MAX bytes, NUL-terminated). */
size_t writer_fmt_go(char *buf, double v);
/* ECMAScript Number::toString as JSON.stringify uses it: shortest digits,
 * plain up to 1e21, "1e-7", "1.5e+21"; -0 is "0"; NaN and ±Inf are "null". */
size_t writer_fmt_js(char *buf, double v);
/* Go's encoding/json for a float64 (k6 v2's JSON output, REST API, setup
 * data): ECMAScript's text, except that -0 stays "-0"; NaN and ±Inf (which
 * Go refuses) give "null". */
size_t writer_fmt_gojson(char *buf, double v);

/* Wall-clock timestamps in the local time zone, as Go formats time.Time
 * (k6 stamps samples with time.Now()), caching the calendar fields of the
 * last second seen so a run of samples costs no localtime_r() each. */
typedef struct writer_time {
    int64_t sec;     /* second cached in prefix/zone; INT64_MIN: none */
    char prefix[80]; /* "2026-11-22T10:00:00" */
    char zone[16];   /* "Z" or "+02:00" */
} writer_time;
void writer_time_init(writer_time *t);
/* RFC3339 ("2006-01-02T15:04:05Z07:00") of wall_ns (ns since the epoch);
 * with frac, RFC3339Nano: the nanoseconds follow the seconds without their
 * trailing zeros, and no dot when they are zero (Go's time.RFC3339Nano,
 * which is also how encoding/json writes a time.Time). buf holds 48 bytes;
 * returns the length. */
size_t writer_fmt_time(writer_time *t, char *buf, int64_t wall_ns, bool frac);

#endif
