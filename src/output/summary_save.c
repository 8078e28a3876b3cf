/* summary_save.c - the end-of-test summary's files (see summary_save.h). */
#include "output/summary_save.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "util/err.h"
#include "util/log.h"

static void summary_save_err(buf *errs, const char *fmt, const char *path, size_t n, const char *op, const char *shown,
                             int e) {
    char why[128], line[1024];
    err_go_errno(e, why, sizeof why);
    int k = snprintf(line, sizeof line, fmt, path, n);
    if (k < 0 || (size_t)k >= sizeof line) k = (int)sizeof line - 1;
    snprintf(line + k, sizeof line - (size_t)k, ": %s %s: %s", op, shown, why);
    buf_puts(errs, "\n\t- ");
    buf_puts(errs, line);
}

int summary_save(const char *path, const void *data, size_t len, buf *errs) {
    bool std = strcmp(path, "stdout") == 0 || strcmp(path, "stderr") == 0;
    /* Go names its standard streams /dev/stdout and /dev/stderr */
    const char *shown = !std ? path : path[3] == 'o' ? "/dev/stdout" : "/dev/stderr";
    int fd = std ? (path[3] == 'o' ? STDOUT_FILENO : STDERR_FILENO)
                 : open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0) {
        int e = errno;
        buf_puts(errs, "\n\t- ");
        char why[128], line[1024];
        snprintf(line, sizeof line, "could not open '%s': open %s: %s", path, path, err_go_errno(e, why, sizeof why));
        buf_puts(errs, line);
        return -1;
    }
    if (std) fflush(path[3] == 'o' ? stdout : stderr); /* what was printed before comes first */
    size_t done = 0;
    int rc = 0;
    while (done < len) {
        ssize_t w = write(fd, (const char *)data + done, len - done);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {
            summary_save_err(errs, "error saving summary to '%s' after %zu bytes", path, done, "write", shown,
                             w < 0 ? errno : EIO);
            rc = -1;
            break;
        }
        done += (size_t)w;
    }
    if (!std) close(fd);
    return rc;
}

void summary_save_report(const buf *errs) {
    if (!errs->len) return;
    buf msg = {0};
    buf_puts(&msg, "Could not save some summary information:");
    buf_append(&msg, errs->p, errs->len);
    log_msg_field(LOG_ERROR, "failed to handle the end-of-test summary", "error", msg.p ? msg.p : "");
    buf_free(&msg);
}
