/* The summary data object k6 hands to handleSummary(data): metrics with
 * their values and thresholds ({ok}), root_group with nested groups and
 * checks as arrays, options and state. */
#ifndef C6_SUMMARY_JSON_H
#define C6_SUMMARY_JSON_H
#include <stdbool.h>
#include "output/summary.h"

typedef struct summary_json_state {
    bool stdout_tty, stderr_tty, no_color;
    const char *time_unit; /* "" when automatic */
} summary_json_state;

/* Returns malloc'd JSON text. */
char *summary_json(const summary_data *d, const summary_json_state *st);

#endif
