/* Error text into a caller's buffer, and allocation that cannot fail
 * quietly: the small helpers option and flag parsing share. */
#ifndef C6_ERR_H
#define C6_ERR_H
#include <stdarg.h>
#include <stddef.h>

/* Formats into err (if any) and returns -1, so `return err_set(...)` reads well. */
int err_set(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Formats after the head already at the start of err (len bytes of it), for
 * errors of the form "<where>: <why>"; returns -1 as err_set. */
int err_vset_after(char *err, size_t errlen, int len, const char *fmt, va_list ap);
/* Allocation that cannot return NULL: when memory runs out, the process
 * ends with "c6: out of memory" on stderr and exit status 2 (what Go's
 * runtime does, so what k6 does). For small bookkeeping made once (config
 * data, a worker's tables, metric names) that is not worth unwinding; code
 * that can fail one request, one VU or one parse returns an error instead.
 * scripts/check_alloc.py (run by `make test`) holds every other allocation
 * in src/ to a NULL test. */
void *xrealloc(void *p, size_t n);
/* For parsers (options, scenarios, stages...) that report a failed
 * allocation instead of ending c6: "out of memory" into err; returns -1. */
int err_oom(char *err, size_t errlen);
/* Resizes the array *pp (a T **, passed as void *) to n elements of size
 * bytes (at least one byte, so a NULL result always means failure): 0, or
 * -1 with *pp unchanged (also when n * size overflows). */
int grow_array(void *pp, size_t n, size_t size);
/* Go's text for an errno (syscall.Errno.Error): strerror's, with a lower-case
 * first letter ("no space left on device"); written into buf, returned. */
const char *err_go_errno(int e, char *buf, size_t n);
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
char *xstrdup(const char *s); /* NULL stays NULL */
char *xstrndup(const char *s, size_t n);
/* What the x* helpers do when memory runs out, for a NULL met elsewhere. */
_Noreturn void out_of_memory_exit(void);

#endif
