/* summary_save.h - writing the end-of-test summary's files as k6 does
 * (internal/cmd/run.go handleSummaryResult): handleSummary()'s results and
 * the --summary-export file. A failure does not stop the others and does
 * not change the exit code: it is logged once, after them all, as
 *   level=error msg="failed to handle the end-of-test summary"
 *   error="Could not save some summary information:\n\t- <why>\n\t- <why>" */
#ifndef C6_OUTPUT_SUMMARY_SAVE_H
#define C6_OUTPUT_SUMMARY_SAVE_H
#include <stddef.h>
#include "util/buf.h"

/* Writes data to path: "stdout", "stderr", or a file created or truncated
 * (mode 0666), unbuffered. Returns 0, or -1 and appends "\n\t- " and k6's
 * reason to errs: "could not open '<p>': open <p>: <errno text>" or
 * "error saving summary to '<p>' after <n> bytes: write <p>: <errno text>". */
int summary_save(const char *path, const void *data, size_t len, buf *errs);
/* Logs the collected reasons as k6 does (nothing when errs is empty). */
void summary_save_report(const buf *errs);

#endif
