/* flaginfo.h - what shell completion needs to know of a command's flag,
 * read from the tables the parsers themselves use (args.c, control.c,
 * convert.c), so that completion never lists a flag of its own. */
#ifndef C6_CLI_FLAGINFO_H
#define C6_CLI_FLAGINFO_H

#include <stdbool.h>
#include <stddef.h>

typedef struct {
    const char *name; /* long name, without "--" */
    char shorthand;   /* 0 if none */
    bool is_bool;     /* takes no value */
    const char *help; /* one line, or NULL */
} cli_flag_info;

/* Fills *out with the i-th flag and returns true, or returns false past the
 * last one. */
typedef bool (*cli_flag_iter)(size_t i, cli_flag_info *out);

#endif
