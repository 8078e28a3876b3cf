#include "util/err.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int err_set(char *err, size_t errlen, const char *fmt, ...) {
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return -1;
}

int err_vset_after(char *err, size_t errlen, int len, const char *fmt, va_list ap) {
    if (err && errlen && len >= 0 && (size_t)len < errlen) vsnprintf(err + len, errlen - (size_t)len, fmt, ap);
    return -1;
}

int err_oom(char *err, size_t errlen) { return err_set(err, errlen, "out of memory"); }

int grow_array(void *pp, size_t n, size_t size) {
    if (size && n > SIZE_MAX / size) return -1;
    void *old, *q;
    memcpy(&old, pp, sizeof old); /* (a T *, read without type punning) */
    q = realloc(old, n && size ? n * size : 1);
    if (!q) return -1;
    memcpy(pp, &q, sizeof q);
    return 0;
}

_Noreturn void out_of_memory_exit(void) {
    static const char msg[] = "c6: out of memory\n";
    if (write(STDERR_FILENO, msg, sizeof msg - 1) < 0) { /* nothing more to say */
    }
    _exit(2);
}

static void *x_checked(void *q) {
    if (!q) out_of_memory_exit();
    return q;
}

const char *err_go_errno(int e, char *buf, size_t n) {
    snprintf(buf, n, "%s", strerror(e));
    if (n && buf[0] >= 'A' && buf[0] <= 'Z') buf[0] = (char)(buf[0] - 'A' + 'a');
    return buf;
}
void *xrealloc(void *p, size_t n) { return x_checked(realloc(p, n ? n : 1)); }
void *xmalloc(size_t n) { return x_checked(malloc(n ? n : 1)); }
void *xcalloc(size_t n, size_t size) { return x_checked(calloc(n ? n : 1, size ? size : 1)); }
char *xstrdup(const char *s) { return s ? x_checked(strdup(s)) : NULL; }
char *xstrndup(const char *s, size_t n) { return x_checked(strndup(s, n)); }
