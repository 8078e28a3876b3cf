/* control.h - `c6 status`, `pause`, `resume`, `scale` and `stats`: the
 * commands that talk to a running test through its REST API (k6's
 * commands of the same names and output).
 *
 * Each takes -a/--address HOST:PORT (default: $K6_ADDRESS, else
 * localhost:6565) and prints the answer as k6 does: YAML of k6's Go
 * structs (the status after the change; the metric list for `stats`).
 * `scale` takes -u/--vus N and/or -m/--max N. Errors are logged as k6
 * logs them ("Pause error: test execution was already paused", or the
 * connection error) and the exit code is 255, as k6's is. */
#ifndef C6_CLI_CONTROL_H
#define C6_CLI_CONTROL_H

#include <stdbool.h>
#include <stdio.h>

#include "cli/flaginfo.h"

/* True for the command names control_main() handles. */
bool control_is_command(const char *name);

/* The flags of status, pause, resume, stats and stop; of scale. */
bool control_flag_info(size_t i, cli_flag_info *out);
bool control_scale_flag_info(size_t i, cli_flag_info *out);

/* argv[0] is the command name ("status", ...), the rest its flags. The
 * answer (or --help) goes to out, errors to the log on stderr. Returns the
 * exit code. Needs curl_global_init() done by the caller. */
int control_main(int argc, char **argv, FILE *out);

#endif
