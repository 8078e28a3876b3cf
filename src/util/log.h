/* Log lines on stderr in k6's logfmt: time="..." level=... msg="..." */
#ifndef C6_LOG_H
#define C6_LOG_H
#include <stdarg.h>
#include <stddef.h>

typedef enum { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR } log_level;

void log_set_verbose(int verbose);
/* extra: already formatted ` key=value` pairs appended after msg, or NULL. */
void log_msg(log_level lvl, const char *extra, const char *msg, size_t len);
void log_printf(log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
