/* convert.h - `c6 convert recording.har [-O script.js]`: a HAR 1.2 recording
 * (a browser's developer tools "Save all as HAR") as a runnable k6 script.
 * k6 v2.2.0 has no convert command (k6 dropped its own in v0.48); the flags
 * follow the ones k6's had (--only, --skip, -O/--output, --batch-threshold,
 * --no-batch, --enable-status-code-checks, --return-on-failed-check). */
#ifndef C6_CLI_CONVERT_H
#define C6_CLI_CONVERT_H

#include "cli/flaginfo.h"

/* argv: the arguments after "convert". Returns the exit code: 0, or 255
 * for a usage error or a recording that cannot be converted (as k6's
 * command errors). */
int convert_main(int argc, char **argv);
/* convert's flags, for completion */
bool convert_flag_info(size_t i, cli_flag_info *out);

#endif
