/* args.h - flags of `c6 run`, spelled as k6 spells them.
 *
 * Accepted forms (as k6's pflag): --flag=value, --flag value, -u10, -u 10,
 * -u=10, grouped booleans (-qv), booleans as --flag or --flag=false, flags
 * before or after the script, and "--" to end the flags.
 */
#ifndef C6_CLI_ARGS_H
#define C6_CLI_ARGS_H

#include <stdbool.h>
#include <stdio.h>
#include <stddef.h>

#include "cli/flaginfo.h"
#include "config/options.h"

typedef struct c6_run_args {
    const char *script; /* positional: a path, or "-" for stdin (points into argv) */
    int nargs;          /* positional arguments given (k6 wants exactly one) */
    /* The CLI source of options: -u/--vus, -d/--duration, -i/--iterations,
     * -s/--stage (repeatable, "30s:10", also comma-separated),
     * --no-thresholds, --insecure-skip-tls-verify, --user-agent,
     * --summary-trend-stats "avg,p(99)", --summary-export FILE,
     * --tag NAME=VALUE (repeatable; replaces options.tags, as in k6). */
    c6_options flags;
    c6_kv *env;
    size_t nenv;                  /* -e/--env KEY=VALUE (repeatable; a later KEY wins; no '=' -> "") */
    bool include_system_env_vars; /* --include-system-env-vars[=bool], default true for run */
    const char *config_path;      /* -c/--config FILE, NULL if not given (points into argv) */
    bool quiet;                   /* -q/--quiet */
    bool no_color;                /* --no-color */
    bool verbose;                 /* -v/--verbose */
    bool log_ns_timestamps;       /* --log-ns-timestamps: log times with nanoseconds (RFC3339Nano) */
    bool help;                    /* -h/--help: the caller prints usage and exits 0 */
    int workers;                  /* c6's own --workers N; 0 = one per CPU (-w is k6's --throw) */
    bool latency_correction;      /* c6's own --latency-correction (C6_LATENCY_CORRECTION) */
    bool no_summary;              /* --no-summary: kept by c6 (k6 v2 dropped it); also sets
                                    summary_mode to "disabled" when that is not given */
    const char *summary_mode;     /* --summary-mode=compact|full|disabled; NULL if not given */
    const char **outs;
    size_t nouts;   /* -o/--out TYPE=ARG (repeatable; point into argv), else K6_OUT */
    char *env_outs; /* K6_OUT's copy, split in place (outs point into it) */
    /* -a/--address HOST:PORT of the REST API, else $K6_ADDRESS, else
     * "localhost:6565" (never NULL after parsing); "" starts no server.
     * address_set: given as a flag, which is when k6 exits 106 if the
     * server cannot listen (it only warns otherwise). */
    const char *address;
    bool address_set;
    /* k6's global logging flags, else K6_LOG_FORMAT, K6_LOG_OUTPUT,
     * K6_CONSOLE_OUTPUT (NULL: not given); --no-usage-report is accepted
     * (c6 never reports usage). */
    const char *log_format, *log_output, *console_output;
    bool no_usage_report;
    bool linger;                    /* -l/--linger (K6_LINGER): keep the REST API up after the end, until a signal */
    const char *compatibility_mode; /* --compatibility-mode (K6_COMPATIBILITY_MODE): accepted, checked */
    const char *test_type;          /* -t/--type js|archive (K6_TYPE); NULL: detected from the file */
    bool archive_cmd;               /* parsed for `c6 archive` (its flags accepted, no system env by default) */
    const char *archive_out;        /* c6 archive -O/--archive-out, default "archive.tar" ("-": stdout) */
    bool exclude_env_vars;          /* c6 archive --exclude-env-vars */
} c6_run_args;

/* Parses the arguments after "run" (argv[0] is the first of them, not the
 * program name). Returns 0, or -1 with err like k6's ("unknown flag: --foo",
 * `invalid argument "abc" for "-u, --vus" flag: not an integer`); the caller
 * exits 255 then. Either way, args_free(a) is safe afterwards. */
int args_parse_run(int argc, char **argv, c6_run_args *a, char *err, size_t errlen);
/* The same for `c6 archive`: also -O/--archive-out and --exclude-env-vars,
 * and --include-system-env-vars off by default (k6's archive command). */
int args_parse_archive(int argc, char **argv, c6_run_args *a, char *err, size_t errlen);
void args_free(c6_run_args *a);
/* For commands that pass some of run's flags on (`c6 kube`): what argv[i]
 * is, as the parser would read it (the archive command's flags included).
 * Returns the argv entries it takes (1, or 2 with a separate value) and sets
 * *name to its flag's long name (for grouped short flags, the one that
 * takes a value, else the last one) and *letter to that flag's offset in
 * argv[i] for a short flag (0 for a long one); returns 0 for "--", a
 * positional argument or an unknown flag (name NULL). */
int args_flag_at(int argc, char **argv, int i, const char **name, int *letter);
/* The flags of `c6 run` (and of the commands taking its flags), and of
 * `c6 archive`, one by one, for shell completion (cli/complete.c). */
bool args_run_flag_info(size_t i, cli_flag_info *out);
bool args_archive_flag_info(size_t i, cli_flag_info *out);
/* The flags with a line each, for `c6 run --help`. */
void args_print_help(FILE *f);

#endif
