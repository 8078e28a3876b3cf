#include "util/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>

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

void *xrealloc(void *p, size_t n) {
    void *q = realloc(p, n ? n : 1);
    if (!q) {
        fputs("c6: out of memory\n", stderr);
        abort();
    }
    return q;
}

const char *err_go_errno(int e, char *buf, size_t n) {
    snprintf(buf, n, "%s", strerror(e));
    if (n && buf[0] >= 'A' && buf[0] <= 'Z') buf[0] = (char)(buf[0] - 'A' + 'a');
    return buf;
}
