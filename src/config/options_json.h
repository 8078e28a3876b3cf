/* The consolidated options as JSON, for exec.test.options. */
#ifndef C6_OPTIONS_JSON_H
#define C6_OPTIONS_JSON_H
#include "config/options.h"

/* A malloc'd JSON object: the plan's scenarios and the options that are set. */
char *options_to_json(const c6_options *o, const c6_plan *plan);

#endif
