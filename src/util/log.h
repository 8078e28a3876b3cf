/* Log lines on stderr in k6's logfmt: time="..." level=... msg="..." */
#ifndef C6_LOG_H
#define C6_LOG_H
#include <stdarg.h>
#include <stddef.h>

typedef enum { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR } log_level;

void log_set_verbose(int verbose);

/* --log-format: text (logfmt, the default), json ({"level","msg","time",...}
 * with the keys sorted, as k6's JSON logs), raw (the message alone). */
typedef enum { LOG_FMT_TEXT, LOG_FMT_JSON, LOG_FMT_RAW } log_format;
int log_parse_format(const char *name, log_format *out); /* 0, or -1: unknown */
void log_set_format(log_format f);
/* --log-ns-timestamps: times as Go's time.RFC3339Nano (fraction without
 * trailing zeros) instead of whole seconds. */
void log_set_ns_timestamps(int on);
/* --log-output: "stderr" (default), "stdout", "none", or "file=PATH" (appended
 * to). --console-output PATH: console.* lines go there instead. Both
 * return 0, or -1 with err set (the file cannot be opened). */
int log_set_output(const char *spec, char *err, size_t errlen);
int log_set_console_output(const char *path, char *err, size_t errlen);
void log_close(void);
/* console.log and friends (source=console). */
void log_console(log_level lvl, const char *msg, size_t len);
/* extra: already formatted ` key=value` pairs appended after msg, or NULL. */
void log_msg(log_level lvl, const char *extra, const char *msg, size_t len);
/* msg with one field (logrus's WithField / WithError: key "error"), the
 * value escaped here. */
void log_msg_field(log_level lvl, const char *msg, const char *key, const char *value);
void log_printf(log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends s[0..len) as Go's strconv.Quote writes it (fmt's %q; logrus
 * quotes field values so). */
struct buf;
void log_quote(struct buf *b, const char *s, size_t len);

#endif
