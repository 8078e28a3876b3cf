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
/* realloc that aborts with a message when memory runs out (tiny config data:
 * not worth unwinding). */
void *xrealloc(void *p, size_t n);
/* Go's text for an errno (syscall.Errno.Error): strerror's, with a lower-case
 * first letter ("no space left on device"); written into buf, returned. */
const char *err_go_errno(int e, char *buf, size_t n);

#endif
