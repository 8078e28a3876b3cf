/* k6's JSON value types as the options and the scenarios read them: one
 * reader each for integers (null.Int), durations (types.NullDuration) and
 * stage lists, shared by options.c and scenarios.c.
 *
 * Errors are "<prefix><path>: <what>", prefix being "options." or
 * "k6.json: " and path the option's ("stages[1].target",
 * "scenarios.s1.duration"). Each returns 0, or -1 with err set. */
#ifndef C6_CONFIG_JSONVAL_H
#define C6_CONFIG_JSONVAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/scenarios.h"
#include "util/buf.h"

struct cJSON;

/* A number without fraction, or a numeric string; "" leaves *set false. */
int cfg_json_i64(const struct cJSON *v, const char *prefix, const char *path, int64_t *out, bool *set, char *err,
                 size_t errlen);

/* A duration string ("30s", "1d", "1500" = ms) or a number of milliseconds.
 * With negative, "-5s" and -5000 parse (a scenario's validation names
 * them later, as k6's does); without, they are errors. */
int cfg_json_duration(const struct cJSON *v, const char *prefix, const char *path, bool negative, int64_t *out,
                      char *err, size_t errlen);

/* Which rules a stage list follows:
 *   CFG_STAGES_OPTIONS   options.stages: keys as Go's encoding/json finds
 *                        them, others ignored; a stage without a duration
 *                        or target is an error now ("...duration: missing";
 *                        k6 drops it silently); negative durations refused.
 *   CFG_STAGES_SCENARIO  a scenario's stages (k6 decodes executor configs
 *                        strictly): an unknown key is an error, the last of
 *                        duplicate keys wins, null unsets, negative values
 *                        parse, and the first stage left without a duration
 *                        or target goes into `missing` ("stages[2].target")
 *                        for validation to report. */
typedef enum { CFG_STAGES_OPTIONS, CFG_STAGES_SCENARIO } cfg_stage_rules;

/* Replaces *st / *n with the list read from v (an array); `path` is the
 * list's own ("stages", "scenarios.s1.stages"). */
int cfg_json_stages(const struct cJSON *v, const char *prefix, const char *path, cfg_stage_rules rules, c6_stage **st,
                    size_t *n, char *missing, size_t mlen, char *err, size_t errlen);

/* The writing side, as k6 marshals options (exec.test.options): a duration
 * as Go's duration string, a string map as an object. */
void cfg_json_put_duration(struct cJSON *o, const char *key, int64_t us);
void cfg_json_put_kv(struct cJSON *o, const char *key, const c6_kv *kv, size_t n);
/* A stage list as k6 marshals it: [{"duration": "30s", "target": 10}, ...]. */
void cfg_json_put_stages(struct cJSON *o, const char *key, const c6_stage *st, size_t n);
/* Appends v to b laid out as Go's json.MarshalIndent(v, "", "  ") (k6
 * inspect, an archive's metadata.json); depth 0 for the top. */
void cfg_json_print_indented(buf *b, const struct cJSON *v, int depth);

#endif
