/* scenarios.c - the scenario model: k6's `options.scenarios` parsed and
 * validated, k6's banner text for a scenario, and the durations and VU
 * counts the scheduler plans with.
 *
 * Parsing follows k6's executor configs (k6's lib/executor package):
 *   - a scenario is an object with an `executor`; its other keys must be
 *     options of that executor (k6 decodes strictly: an unknown key is an
 *     error), matched case-insensitively and the last duplicate winning, as
 *     Go's encoding/json does; null means "not set". `options` (k6 browser
 *     settings) is accepted and ignored.
 *   - defaults: startTime 0, gracefulStop 30s, exec "default";
 *     shared-/per-vu-iterations vus 1, iterations 1, maxDuration 10m;
 *     constant-vus vus 1; ramping-vus startVUs 1, gracefulRampDown 30s;
 *     arrival-rate timeUnit 1s, startRate 0, maxVUs = preAllocatedVUs;
 *     externally-controlled vus 0, maxVUs = vus, no gracefulStop.
 *   - durations take a string ("30s", "1d", "-5s", a bare number = ms) or a
 *     number of milliseconds; integers a number or a numeric string ("" is
 *     unset). Negative durations parse, so validation can name them.
 * Validation is k6's Validate() of each config (messages are c6's own, and
 * name the option): scenario name ^[0-9a-zA-Z_-]+$, exec not empty,
 * startTime and gracefulStop not negative; vus > 0 and maxDuration / duration
 * at least 1s for the VU-based executors, iterations >= vus (shared) or > 0
 * (per-VU); ramping-vus startVUs >= 0, some target or startVUs > 0, at most
 * 100,000,000 VUs; stages: at least one, each with a duration and a target,
 * neither negative; arrival-rate rate > 0 (required), timeUnit > 0,
 * preAllocatedVUs required and >= 0, maxVUs >= preAllocatedVUs, startRate
 * >= 0; externally-controlled duration required (0 = no end), vus >= 0,
 * maxVUs >= vus, gracefulStop rejected. k6 lists every error; c6 reports the
 * first (base options, then missing ones, then the executor's rules).
 * Deliberate difference: ramping-arrival-rate with timeUnit 0 is rejected
 * (k6 accepts it and then divides by zero).
 *
 * Planning follows k6's execution requirements: each scenario is a list of
 * (time, planned VUs, unplanned VUs) steps from its startTime, and the test
 * needs, at each instant, the sum over all scenarios. So VUs are reused by
 * scenarios that do not overlap, a scenario holds its VUs until the end of
 * its gracefulStop, and ramping-vus keeps ramped-down VUs for
 * gracefulRampDown (cut at the end of its gracefulStop).
 *
 * Banner text follows k6's executors' descriptions:
 *   shared-iterations      "N iterations shared among V VUs (maxDuration: D, gracefulStop: G)"
 *   per-vu-iterations      "N iterations for each of V VUs (maxDuration: D, gracefulStop: G)"
 *   constant-vus           "V looping VUs for D (gracefulStop: G)"
 *   ramping-vus            "Up to V looping VUs for D over S stages (gracefulRampDown: R, gracefulStop: G)"
 *   constant-arrival-rate  "R.RR iterations/s for D (maxVUs: P[-M], gracefulStop: G)"
 *   ramping-arrival-rate   "Up to R.RR iterations/s for D over S stages (maxVUs: P[-M], gracefulStop: G)"
 *   externally-controlled  "Externally controlled execution with V VUs, M max VUs, D duration"
 * with "exec: F" (when set) and "startTime: T" (when > 0) added before
 * gracefulStop, and gracefulStop left out when it is 0. */
#include "config/scenarios.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config/duration.h"
#include "util/err.h"

#define DEFAULT_GRACEFUL_US   (30 * C6_US_PER_SEC)
#define DEFAULT_MAX_DURATION  (10 * C6_US_PER_MIN)
#define MIN_DURATION_US       C6_US_PER_SEC  /* k6's shortest duration / maxDuration */
#define MAX_RAMPING_VUS       100000000LL    /* k6's sanity limit for ramping-vus */

static const char *const EXECUTOR_NAMES[EXECUTOR_COUNT] = {
    "shared-iterations", "per-vu-iterations", "constant-vus", "ramping-vus",
    "constant-arrival-rate", "ramping-arrival-rate", "externally-controlled",
};

const char *executor_name(c6_executor e) {
    return e < EXECUTOR_COUNT ? EXECUTOR_NAMES[e] : "unknown";
}

int executor_from_name(const char *name) {
    for (int i = 0; i < EXECUTOR_COUNT; i++)
        if (strcmp(EXECUTOR_NAMES[i], name) == 0) return i;
    return -1;
}

static char *dup_str(const char *s) { return s ? strcpy(xrealloc(NULL, strlen(s) + 1), s) : NULL; }

static c6_kv *dup_kv(const c6_kv *kv, size_t n) {
    if (!n) return NULL;
    c6_kv *r = xrealloc(NULL, n * sizeof *r);
    for (size_t i = 0; i < n; i++) r[i] = (c6_kv){dup_str(kv[i].key), dup_str(kv[i].value)};
    return r;
}

static void free_kv(c6_kv *kv, size_t n) {
    for (size_t i = 0; i < n; i++) { free(kv[i].key); free(kv[i].value); }
    free(kv);
}

void scenario_copy(c6_scenario *dst, const c6_scenario *src) {
    *dst = *src;
    dst->name = dup_str(src->name);
    dst->exec = dup_str(src->exec);
    dst->env = dup_kv(src->env, src->nenv);
    dst->tags = dup_kv(src->tags, src->ntags);
    dst->stages = src->nstages ? memcpy(xrealloc(NULL, src->nstages * sizeof *src->stages), src->stages,
                                        src->nstages * sizeof *src->stages) : NULL;
}

void scenario_free(c6_scenario *s) {
    free(s->name);
    free(s->exec);
    free_kv(s->env, s->nenv);
    free_kv(s->tags, s->ntags);
    free(s->stages);
    memset(s, 0, sizeof *s);
}

static int64_t sat_add(int64_t a, int64_t b) {
    if (b > 0 && a > INT64_MAX - b) return INT64_MAX;
    if (b < 0 && a < INT64_MIN - b) return INT64_MIN;
    return a + b;
}

static int64_t stages_sum(const c6_scenario *s) {
    int64_t d = 0;
    for (size_t i = 0; i < s->nstages; i++) d = sat_add(d, s->stages[i].duration_us);
    return d;
}

static int64_t stages_max(const c6_scenario *s, int64_t from) {
    for (size_t i = 0; i < s->nstages; i++)
        if (s->stages[i].target > from) from = s->stages[i].target;
    return from;
}

/* ------------------------------------------------------------------------ */
/* Validation                                                               */

/* k6 validates each scenario (the Validate method of each config in lib/executor) and
 * joins its errors with ", " into "scenario <name> has configuration errors:
 * <errors>" (lib/executors.go, ScenarioConfigs.Validate); the texts are k6's. */
typedef struct { char *buf; size_t len, used; } verrs;

/* What the scenario's JSON left out that k6 requires (reported as "isn't
 * specified" instead of as a wrong value); stage is 1-based, 0 for none. */
typedef struct { bool duration, rate, prealloc, graceful_stop; size_t stage; char stage_what[16]; } vmiss;

__attribute__((format(printf, 2, 3)))
static void vadd(verrs *e, const char *fmt, ...) {
    if (!e->buf || e->len < 2 || e->used >= e->len - 1) return;
    if (e->used) {
        int n = snprintf(e->buf + e->used, e->len - e->used, ", ");
        e->used += (size_t)n < e->len - e->used ? (size_t)n : e->len - e->used - 1;
    }
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(e->buf + e->used, e->len - e->used, fmt, ap);
    va_end(ap);
    if (n > 0) e->used += (size_t)n < e->len - e->used ? (size_t)n : e->len - e->used - 1;
}

static bool valid_name(const char *name) {
    if (!*name) return false;
    for (const char *p = name; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
              *p == '_' || *p == '-'))
            return false;
    return true;
}

static void vus_more_than_0(verrs *e, int64_t vus) {
    if (vus <= 0) vadd(e, "the number of VUs must be more than 0");
}

/* at least 1s: "the <what> must be at least 1s, but is 500ms" */
static void min_duration(verrs *e, const char *what, const char *verb, int64_t d) {
    char t[32];
    if (d >= MIN_DURATION_US) return;
    duration_format(t, sizeof t, d);
    vadd(e, "the %s %s at least 1s, but is %s", what, verb, t);
}

static void validate_base(const c6_scenario *s, verrs *e) {
    if (!s->name || !*s->name) vadd(e, "executor name shouldn't be empty");
    if (!s->name || !valid_name(s->name))
        vadd(e, "the executor name should contain only numbers, latin letters, underscores, and dashes");
    if (s->exec_set && (!s->exec || !*s->exec)) vadd(e, "exec value cannot be empty");
    if (s->start_time_us < 0) vadd(e, "the startTime can't be negative");
    if (s->graceful_stop_us < 0) vadd(e, "the gracefulStop timeout can't be negative");
}

/* k6's validateStages (lib/executor/helpers.go); stages are numbered from 1 */
static void validate_stages(const c6_scenario *s, const vmiss *m, verrs *e) {
    if (s->nstages == 0) { vadd(e, "at least one stage has to be specified"); return; }
    for (size_t i = 0; i < s->nstages; i++) {
        bool no_d = m->stage == i + 1 && !strcmp(m->stage_what, "duration");
        bool no_t = m->stage == i + 1 && !strcmp(m->stage_what, "target");
        if (no_d) vadd(e, "stage %zu doesn't have a duration", i + 1);
        else if (s->stages[i].duration_us < 0) vadd(e, "the duration for stage %zu can't be negative", i + 1);
        if (no_t) vadd(e, "stage %zu doesn't have a target", i + 1);
        else if (s->stages[i].target < 0) vadd(e, "the target for stage %zu can't be negative", i + 1);
    }
}

static void validate_pool(const c6_scenario *s, const vmiss *m, verrs *e) {
    if (m->prealloc) vadd(e, "the number of preAllocatedVUs isn't specified");
    else if (s->pre_allocated_vus < 0) vadd(e, "the number of preAllocatedVUs shouldn't be negative");
    if (s->max_vus < s->pre_allocated_vus) vadd(e, "maxVUs shouldn't be less than preAllocatedVUs");
}

static void validate_time_unit(const c6_scenario *s, verrs *e) {
    if (s->time_unit_us <= 0) vadd(e, "the timeUnit should be more than 0");
}

static void validate_executor(const c6_scenario *s, const vmiss *m, verrs *e) {
    switch (s->executor) {
    case EXECUTOR_SHARED_ITERATIONS:
        vus_more_than_0(e, s->vus);
        if (s->iterations < s->vus)
            vadd(e, "the number of iterations (%lld) can't be less than the number of VUs (%lld)",
                 (long long)s->iterations, (long long)s->vus);
        min_duration(e, "maxDuration", "must be", s->max_duration_us);
        return;
    case EXECUTOR_PER_VU_ITERATIONS:
        vus_more_than_0(e, s->vus);
        if (s->iterations <= 0) vadd(e, "the number of iterations must be more than 0");
        min_duration(e, "maxDuration", "must be", s->max_duration_us);
        return;
    case EXECUTOR_CONSTANT_VUS:
        vus_more_than_0(e, s->vus);
        if (m->duration) vadd(e, "the duration is unspecified");
        else min_duration(e, "duration", "must be", s->duration_us);
        return;
    case EXECUTOR_RAMPING_VUS:
        if (s->start_vus < 0) vadd(e, "the number of start VUs can't be negative");
        if (stages_max(s, s->start_vus) <= 0)
            vadd(e, "either startVUs or one of the stages' target values must be greater than 0");
        validate_stages(s, m, e);
        if (s->start_vus > MAX_RAMPING_VUS) vadd(e, "the startVUs exceed max limit of %lld", MAX_RAMPING_VUS);
        for (size_t i = 0; i < s->nstages; i++)
            if (s->stages[i].target > MAX_RAMPING_VUS)
                vadd(e, "target for stage %zu exceeds max limit of %lld", i + 1, MAX_RAMPING_VUS);
        return;
    case EXECUTOR_CONSTANT_ARRIVAL_RATE:
        if (m->rate) vadd(e, "the iteration rate isn't specified");
        else if (s->rate <= 0) vadd(e, "the iteration rate should be more than 0");
        validate_time_unit(s, e);
        if (m->duration) vadd(e, "the duration is unspecified");
        else min_duration(e, "duration", "should be", s->duration_us);
        validate_pool(s, m, e);
        return;
    case EXECUTOR_RAMPING_ARRIVAL_RATE:
        if (s->start_rate < 0) vadd(e, "the startRate value can't be negative");
        validate_time_unit(s, e);
        validate_stages(s, m, e);
        validate_pool(s, m, e);
        return;
    case EXECUTOR_EXTERNALLY_CONTROLLED:   /* gone from k6 v2; c6 keeps it */
        if (s->vus < 0) vadd(e, "the number of VUs can't be negative");
        if (s->max_vus < s->vus) vadd(e, "the number of active VUs can't be more than the max VUs");
        if (m->duration) vadd(e, "the duration is unspecified");
        else if (s->duration_us < 0) vadd(e, "the duration can't be negative");
        if (m->graceful_stop || s->graceful_stop_us != 0)
            vadd(e, "gracefulStop is not supported by the externally-controlled executor");
        return;
    default:
        vadd(e, "unknown executor type");
        return;
    }
}

/* "scenario <name> has configuration errors: <all of them>" from what e holds. */
static int verrs_report(const c6_scenario *s, const verrs *e, char *err, size_t errlen) {
    if (!e->used) return 0;
    if (err && errlen)
        snprintf(err, errlen, "scenario %s has configuration errors: %s", s->name ? s->name : "", e->buf);
    return -1;
}

int scenario_validate(const c6_scenario *s, char *err, size_t errlen) {
    char b[1024] = "";
    verrs e = {b, sizeof b, 0};
    vmiss none = {0};
    validate_base(s, &e);
    validate_executor(s, &none, &e);
    return verrs_report(s, &e, err, errlen);
}

/* ------------------------------------------------------------------------ */
/* Parsing                                                                  */

typedef enum { K_EXECUTOR, K_INT, K_DURATION, K_EXEC, K_KV, K_STAGES, K_IGNORED } opt_kind;

#define EX(e) (1u << EXECUTOR_##e)
#define ALL_EXECUTORS ((1u << EXECUTOR_COUNT) - 1)
#define ITERATION_BASED (EX(SHARED_ITERATIONS) | EX(PER_VU_ITERATIONS))
#define ARRIVAL_RATE (EX(CONSTANT_ARRIVAL_RATE) | EX(RAMPING_ARRIVAL_RATE))

/* The options each executor accepts; off is the value's offsetof, n_off the
 * count's for the list kinds. */
typedef struct {
    const char *key;
    opt_kind kind;
    unsigned executors;
    size_t off, n_off;
} opt_def;

#define AT(f) offsetof(c6_scenario, f), 0
#define LIST_AT(f, n) offsetof(c6_scenario, f), offsetof(c6_scenario, n)

static const opt_def OPTS[] = {
    {"executor", K_EXECUTOR, ALL_EXECUTORS, 0, 0},
    {"startTime", K_DURATION, ALL_EXECUTORS, AT(start_time_us)},
    {"gracefulStop", K_DURATION, ALL_EXECUTORS, AT(graceful_stop_us)},
    {"exec", K_EXEC, ALL_EXECUTORS, AT(exec)},
    {"env", K_KV, ALL_EXECUTORS, LIST_AT(env, nenv)},
    {"tags", K_KV, ALL_EXECUTORS, LIST_AT(tags, ntags)},
    {"options", K_IGNORED, ALL_EXECUTORS, 0, 0},
    {"vus", K_INT, ITERATION_BASED | EX(CONSTANT_VUS) | EX(EXTERNALLY_CONTROLLED), AT(vus)},
    {"iterations", K_INT, ITERATION_BASED, AT(iterations)},
    {"maxDuration", K_DURATION, ITERATION_BASED, AT(max_duration_us)},
    {"duration", K_DURATION, EX(CONSTANT_VUS) | EX(CONSTANT_ARRIVAL_RATE) | EX(EXTERNALLY_CONTROLLED),
     AT(duration_us)},
    {"startVUs", K_INT, EX(RAMPING_VUS), AT(start_vus)},
    {"stages", K_STAGES, EX(RAMPING_VUS) | EX(RAMPING_ARRIVAL_RATE), LIST_AT(stages, nstages)},
    {"gracefulRampDown", K_DURATION, EX(RAMPING_VUS), AT(graceful_ramp_down_us)},
    {"rate", K_INT, EX(CONSTANT_ARRIVAL_RATE), AT(rate)},
    {"startRate", K_INT, EX(RAMPING_ARRIVAL_RATE), AT(start_rate)},
    {"timeUnit", K_DURATION, ARRIVAL_RATE, AT(time_unit_us)},
    {"preAllocatedVUs", K_INT, ARRIVAL_RATE, AT(pre_allocated_vus)},
    {"maxVUs", K_INT, ARRIVAL_RATE | EX(EXTERNALLY_CONTROLLED), AT(max_vus)},
};
#define NOPTS (sizeof OPTS / sizeof OPTS[0])
#define SEEN(key) (1u << opt_index(key))

static size_t opt_index(const char *key) {
    for (size_t i = 0; i < NOPTS; i++)
        if (strcasecmp(OPTS[i].key, key) == 0) return i;
    return NOPTS;
}

/* Where parse errors go: "<prefix>scenarios.<name>.<option>: ..." */
typedef struct {
    const char *prefix;  /* "options." or "k6.json: " */
    const char *name;
    char *err;
    size_t errlen;
} pctx;

/* One scenario as read: which options were given (k6 checks the required
 * ones in validation, after the JSON is read) and its validation error. */
typedef struct {
    c6_scenario s;
    unsigned seen;           /* SEEN() bits of the options given */
    char *invalid;           /* first validation error with its prefix, NULL if valid */
} parsed;

__attribute__((format(printf, 3, 4)))
static int pfail(const pctx *c, const char *opt, const char *fmt, ...) {
    if (!c->err || !c->errlen) return -1;
    int n = snprintf(c->err, c->errlen, "%sscenarios.%s%s%s: ", c->prefix, c->name, opt ? "." : "", opt ? opt : "");
    if (n >= 0 && (size_t)n < c->errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(c->err + n, c->errlen - (size_t)n, fmt, ap);
        va_end(ap);
    }
    return -1;
}

/* k6's null.Int: a whole number, or a numeric string ("" = not set). */
static int json_int(const pctx *c, const char *opt, const cJSON *v, int64_t *out, bool *set) {
    if (cJSON_IsNumber(v)) {
        double d = v->valuedouble;
        if (!(d >= -9.2e18 && d <= 9.2e18) || (double)(int64_t)d != d)
            return pfail(c, opt, "must be an integer, got %g", d);
        *out = (int64_t)d;
        return *set = true, 0;
    }
    if (cJSON_IsString(v)) {
        const char *s = v->valuestring;
        char *end;
        if (!*s) return *set = false, 0;
        errno = 0;
        long long x = strtoll(s, &end, 10);
        if (*end || errno || isspace((unsigned char)*s))
            return pfail(c, opt, "must be an integer, got \"%.64s\"", s);
        *out = x;
        return *set = true, 0;
    }
    return pfail(c, opt, "must be an integer");
}

/* k6's NullDuration: "30s", "1d", "-5s", "1500" (ms), or a number of ms. */
static int json_duration(const pctx *c, const char *opt, const cJSON *v, int64_t *out) {
    if (cJSON_IsNumber(v)) {
        *out = duration_from_json_ms(v->valuedouble);
        return 0;
    }
    if (cJSON_IsString(v)) {
        char derr[200];
        const char *s = v->valuestring;
        bool neg = *s == '-';
        if (duration_parse(s + neg, out, derr, sizeof derr) != 0) return pfail(c, opt, "%s", derr);
        if (neg) *out = -*out;
        return 0;
    }
    return pfail(c, opt, "must be a duration string like \"30s\" or a number of milliseconds");
}

static int json_kv(const pctx *c, const char *opt, const cJSON *v, c6_kv **kv, size_t *n) {
    char sub[300];
    if (!cJSON_IsObject(v)) return pfail(c, opt, "must be an object of name: \"value\"");
    free_kv(*kv, *n);
    *kv = NULL;
    *n = 0;
    for (const cJSON *e = v->child; e; e = e->next) {
        snprintf(sub, sizeof sub, "%s.%.200s", opt, e->string);
        if (!cJSON_IsString(e) && !cJSON_IsNull(e)) return pfail(c, sub, "must be a string");
        size_t i = 0;   /* a repeated name keeps the last value, as in a Go map */
        while (i < *n && strcmp((*kv)[i].key, e->string) != 0) i++;
        if (i == *n) {
            *kv = xrealloc(*kv, (*n + 1) * sizeof **kv);
            (*kv)[(*n)++] = (c6_kv){dup_str(e->string), NULL};
        }
        free((*kv)[i].value);
        (*kv)[i].value = dup_str(cJSON_IsString(e) ? e->valuestring : ""); /* Go: null -> "" */
    }
    return 0;
}

/* {duration, target}; a missing part is noted in *missing for validation. */
static int json_stage(const pctx *c, size_t i, const cJSON *v, c6_stage *st, const char **missing) {
    char path[48], sub[128];
    snprintf(path, sizeof path, "stages[%zu]", i);
    if (!cJSON_IsObject(v)) return pfail(c, path, "must be an object like {duration: \"30s\", target: 10}");
    bool has_d = false, has_t = false;
    for (const cJSON *e = v->child; e; e = e->next) {
        bool is_d = strcasecmp(e->string, "duration") == 0, is_t = strcasecmp(e->string, "target") == 0;
        snprintf(sub, sizeof sub, "%s.%.32s", path, e->string);
        if (!is_d && !is_t) return pfail(c, sub, "unknown option (a stage has a duration and a target)");
        if (cJSON_IsNull(e)) {
            if (is_d) has_d = false; else has_t = false;
        } else if (is_d) {
            if (json_duration(c, sub, e, &st->duration_us)) return -1;
            has_d = true;
        } else if (json_int(c, sub, e, &st->target, &has_t)) {
            return -1;
        }
    }
    if (!*missing && !has_d) *missing = "duration";
    if (!*missing && !has_t) *missing = "target";
    return 0;
}

static int json_stages(const pctx *c, const cJSON *v, parsed *p, char *missing_opt, size_t n) {
    if (!cJSON_IsArray(v)) return pfail(c, "stages", "must be an array of {duration, target}");
    c6_scenario *s = &p->s;
    free(s->stages);
    s->nstages = (size_t)cJSON_GetArraySize(v);
    s->stages = s->nstages ? xrealloc(NULL, s->nstages * sizeof *s->stages) : NULL;
    size_t i = 0;
    for (const cJSON *e = v->child; e; e = e->next, i++) {
        const char *missing = NULL;
        s->stages[i] = (c6_stage){0, 0};
        if (json_stage(c, i, e, &s->stages[i], &missing)) return -1;
        if (missing && !*missing_opt) snprintf(missing_opt, n, "stages[%zu].%s", i, missing);
    }
    return 0;
}

static void set_defaults(c6_scenario *s, c6_executor e) {
    s->executor = e;
    s->exec = dup_str("default");
    s->graceful_stop_us = e == EXECUTOR_EXTERNALLY_CONTROLLED ? 0 : DEFAULT_GRACEFUL_US;
    switch (e) {
    case EXECUTOR_SHARED_ITERATIONS:
    case EXECUTOR_PER_VU_ITERATIONS:
        s->vus = s->iterations = 1;
        s->max_duration_us = DEFAULT_MAX_DURATION;
        break;
    case EXECUTOR_CONSTANT_VUS:
        s->vus = 1;
        break;
    case EXECUTOR_RAMPING_VUS:
        s->start_vus = 1;
        s->graceful_ramp_down_us = DEFAULT_GRACEFUL_US;
        break;
    case EXECUTOR_CONSTANT_ARRIVAL_RATE:
    case EXECUTOR_RAMPING_ARRIVAL_RATE:
        s->time_unit_us = C6_US_PER_SEC;
        break;
    default:
        break;
    }
}

/* The `executor` key (matched as Go would, last one winning), then the
 * executor's defaults. */
static int parse_executor(const pctx *c, const cJSON *obj, c6_scenario *s) {
    const cJSON *ex = NULL;
    for (const cJSON *e = obj->child; e; e = e->next)
        if (strcasecmp(e->string, "executor") == 0 && !cJSON_IsNull(e)) ex = e;
    if (ex && !cJSON_IsString(ex)) return pfail(c, "executor", "must be a string");
    /* k6's texts (lib/executors.go, UnmarshalJSON and GetParsedExecutorConfig) */
    if (!ex || !*ex->valuestring)
        return err_set(c->err, c->errlen, "scenario '%s' doesn't have a specified executor type", c->name);
    int e = executor_from_name(ex->valuestring);
    if (e < 0) return err_set(c->err, c->errlen, "unknown executor type '%.64s'", ex->valuestring);
    set_defaults(s, (c6_executor)e);
    return 0;
}

static int parse_option(const pctx *c, const cJSON *e, parsed *p, char *missing_stage, size_t n) {
    c6_scenario *s = &p->s;
    size_t i = opt_index(e->string);
    if (i == NOPTS || !(OPTS[i].executors & (1u << s->executor)))
        return pfail(c, e->string, "unknown option for the %s executor", executor_name(s->executor));
    const opt_def *d = &OPTS[i];
    char *base = (char *)s;
    if (cJSON_IsNull(e)) {   /* null: a value goes back to unset (its default stays), a list to none */
        p->seen &= ~(1u << i);
        if (d->kind == K_EXEC) s->exec_set = false;
        if (d->kind == K_KV) {
            free_kv(*(c6_kv **)(base + d->off), *(size_t *)(base + d->n_off));
            *(c6_kv **)(base + d->off) = NULL;
            *(size_t *)(base + d->n_off) = 0;
        }
        if (d->kind == K_STAGES) {
            free(s->stages);
            s->stages = NULL;
            s->nstages = 0;
            missing_stage[0] = 0;
        }
        return 0;
    }
    bool set = true;
    switch (d->kind) {
    case K_EXECUTOR:     /* read first, by parse_executor */
        break;
    case K_IGNORED:
        if (!cJSON_IsObject(e)) return pfail(c, e->string, "must be an object");
        break;
    case K_INT: {
        int64_t v;
        if (json_int(c, d->key, e, &v, &set)) return -1;
        if (set) *(int64_t *)(base + d->off) = v;
        break;
    }
    case K_DURATION:
        if (json_duration(c, d->key, e, (int64_t *)(base + d->off))) return -1;
        break;
    case K_EXEC:
        if (!cJSON_IsString(e)) return pfail(c, "exec", "must be a string (the name of an exported function)");
        free(s->exec);
        s->exec = dup_str(e->valuestring);
        s->exec_set = true;
        break;
    case K_KV:
        if (json_kv(c, d->key, e, (c6_kv **)(base + d->off), (size_t *)(base + d->n_off))) return -1;
        break;
    case K_STAGES:
        missing_stage[0] = 0;
        if (json_stages(c, e, p, missing_stage, n)) return -1;
        break;
    }
    if (set) p->seen |= 1u << i;
    else p->seen &= ~(1u << i);
    return 0;
}

/* Options k6 requires that the JSON left out. */
static vmiss check_required(const parsed *p, const char *missing_stage) {
    vmiss m = {0};
    switch (p->s.executor) {
    case EXECUTOR_CONSTANT_ARRIVAL_RATE:
        m.rate = !(p->seen & SEEN("rate"));
        /* fallthrough */
    case EXECUTOR_CONSTANT_VUS:
    case EXECUTOR_EXTERNALLY_CONTROLLED:
        m.duration = !(p->seen & SEEN("duration"));
        m.graceful_stop = p->s.executor == EXECUTOR_EXTERNALLY_CONTROLLED && (p->seen & SEEN("gracefulStop"));
        break;
    default:
        break;
    }
    if (p->s.executor == EXECUTOR_CONSTANT_ARRIVAL_RATE || p->s.executor == EXECUTOR_RAMPING_ARRIVAL_RATE)
        m.prealloc = !(p->seen & SEEN("preAllocatedVUs"));
    size_t i;
    if (*missing_stage && sscanf(missing_stage, "stages[%zu].%15s", &i, m.stage_what) == 2) m.stage = i + 1;
    return m;
}

static int parse_scenario(const pctx *c, const cJSON *obj, parsed *p) {
    char missing_stage[64] = "", e[512];
    memset(p, 0, sizeof *p);
    p->s.name = dup_str(c->name);
    if (!cJSON_IsObject(obj)) return pfail(c, NULL, "must be an object with an executor and its options");
    if (parse_executor(c, obj, &p->s)) return -1;
    for (const cJSON *o = obj->child; o; o = o->next)
        if (parse_option(c, o, p, missing_stage, sizeof missing_stage)) return -1;
    c6_scenario *s = &p->s;
    bool pool = s->executor == EXECUTOR_CONSTANT_ARRIVAL_RATE || s->executor == EXECUTOR_RAMPING_ARRIVAL_RATE;
    if (pool && !(p->seen & SEEN("maxVUs"))) s->max_vus = s->pre_allocated_vus;
    if (s->executor == EXECUTOR_EXTERNALLY_CONTROLLED && !(p->seen & SEEN("maxVUs"))) s->max_vus = s->vus;

    char b[1024] = "";
    verrs ve = {b, sizeof b, 0};
    vmiss m = check_required(p, missing_stage);
    validate_base(s, &ve);
    validate_executor(s, &m, &ve);
    if (verrs_report(s, &ve, e, sizeof e) == 0) return 0;
    p->invalid = dup_str(e);
    return 0;
}

/* k6 orders scenarios by startTime, then name. */
static int by_start_then_name(const void *a, const void *b) {
    const c6_scenario *x = a, *y = b;
    if (x->start_time_us != y->start_time_us) return x->start_time_us < y->start_time_us ? -1 : 1;
    return strcmp(x->name, y->name);
}

static int parsed_order(const void *a, const void *b) {
    return by_start_then_name(&((const parsed *)a)->s, &((const parsed *)b)->s);
}

int scenarios_parse_json(const struct cJSON *obj, const char *origin, c6_scenario **out, size_t *n,
                         char *err, size_t errlen, char *vmsg, size_t vlen) {
    char prefix[256];
    if (!origin || strcmp(origin, "script options") == 0) snprintf(prefix, sizeof prefix, "options.");
    else snprintf(prefix, sizeof prefix, "%.200s: ", origin);
    *out = NULL;
    *n = 0;
    if (vmsg && vlen) vmsg[0] = 0;
    if (!cJSON_IsObject(obj))
        return err_set(err, errlen, "%sscenarios: must be an object of named scenarios", prefix);

    parsed *ps = NULL;
    size_t np = 0;
    int rc = 0;
    for (const cJSON *e = obj->child; e && rc == 0; e = e->next) {
        pctx c = {prefix, e->string, err, errlen};
        parsed p;
        rc = parse_scenario(&c, e, &p);
        size_t k = 0;   /* a repeated name replaces the earlier one, as in a Go map */
        while (k < np && strcmp(ps[k].s.name, p.s.name) != 0) k++;
        if (k == np) ps = xrealloc(ps, ++np * sizeof *ps);
        else { scenario_free(&ps[k].s); free(ps[k].invalid); }
        ps[k] = p;
    }
    if (rc == 0 && np > 1) qsort(ps, np, sizeof *ps, parsed_order);
    for (size_t i = 0; i < np; i++) {
        if (rc == 0 && ps[i].invalid && vmsg && vlen) {   /* one line per scenario in k6's block */
            size_t u = strlen(vmsg);
            snprintf(vmsg + u, vlen - u, "%s%s", u ? "\n\t- " : "", ps[i].invalid);
        }
        free(ps[i].invalid);
        if (rc != 0) scenario_free(&ps[i].s);
    }
    if (rc != 0) {
        free(ps);
        return -1;
    }
    *out = np ? xrealloc(NULL, np * sizeof **out) : NULL;
    for (size_t i = 0; i < np; i++) (*out)[i] = ps[i].s;
    *n = np;
    free(ps);
    return 0;
}

int scenarios_from_json(const struct cJSON *obj, const char *origin, c6_scenario **out, size_t *n,
                        char *err, size_t errlen) {
    char v[512];
    if (scenarios_parse_json(obj, origin, out, n, err, errlen, v, sizeof v) != 0) return -1;
    if (!v[0]) return 0;
    for (size_t i = 0; i < *n; i++) scenario_free(&(*out)[i]);
    free(*out);
    *out = NULL;
    *n = 0;
    return err_set(err, errlen, "%s", v);
}

/* ------------------------------------------------------------------------ */
/* Execution requirements                                                    */

/* From `t` (relative to the scenario's start) the scenario needs `planned`
 * initialised VUs and may add `unplanned` more. */
typedef struct { int64_t t, planned, unplanned; } req_step;
typedef struct { req_step *v; size_t n, cap; } req_steps;

static void push_step(req_steps *s, int64_t t, int64_t planned, int64_t unplanned) {
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 8;
        s->v = xrealloc(s->v, s->cap * sizeof *s->v);
    }
    s->v[s->n++] = (req_step){t, planned, unplanned};
}

static void push_if_changed(req_steps *s, int64_t t, int64_t planned) {
    if (s->v[s->n - 1].planned != planned) push_step(s, t, planned, 0);
}

/* d * a / b without overflow, truncated toward zero as Go's division is. */
static int64_t mul_div(int64_t d, int64_t a, int64_t b) {
    return (int64_t)((__int128)d * a / b);
}

/* The VUs ramping-vus runs at each moment, one step per VU started or
 * stopped: a VU is added when the linear ramp reaches it and removed when
 * the ramp drops below it. */
static void ramping_raw_steps(const c6_scenario *s, req_steps *raw) {
    int64_t end = 0, from = s->start_vus, at = s->start_vus;
    push_step(raw, 0, at, 0);
    for (size_t i = 0; i < s->nstages; i++) {
        int64_t d = s->stages[i].duration_us, to = s->stages[i].target, diff = to - from;
        end = sat_add(end, d);
        if (diff == 0) continue;
        if (d == 0) {
            at = to;
            push_if_changed(raw, end, to);
        } else if (at > to) {
            for (; at > to; at--) push_if_changed(raw, end - mul_div(d, to - at + 1, diff), at - 1);
        } else {
            for (; at <= to; at++) push_if_changed(raw, end - mul_div(d, to - at, diff), at);
        }
        from = to;
    }
}

/* k6 keeps the VUs of a ramp-down for gracefulRampDown, so their last
 * iterations can finish, unless the ramp comes back up within that time (it
 * then reuses them); nothing is kept past the scenario's end (`end`). */
static void reserve_ramp_downs(const req_steps *raw, int64_t grace, int64_t end, req_steps *out) {
    int64_t last = 0;
    size_t slope = 0;   /* furthest step of the current downward slope seen */
    for (size_t i = 0; i < raw->n; i++) {
        const req_step *r = &raw->v[i];
        if (i == 0 || r->planned > last) {
            push_step(out, r->t, r->planned, 0);
            last = r->planned;
            continue;
        }
        if (r->planned == last) continue;
        int64_t until = sat_add(r->t, grace);
        bool back_up = false, falling = true;
        for (size_t j = slope > i + 1 ? slope : i + 1; j < raw->n && raw->v[j].t <= until; j++) {
            if (raw->v[j].planned >= last) {
                i = j - 1;
                back_up = true;
                break;
            }
            if (falling) {
                if (raw->v[j - 1].planned > raw->v[j].planned) slope = j;
                else falling = false;
            }
        }
        if (back_up) continue;
        if (until >= end) break;
        push_step(out, until, r->planned, 0);
        last = r->planned;
    }
}

static void ramping_vus_steps(const c6_scenario *s, req_steps *out) {
    int64_t end = sat_add(stages_sum(s), s->graceful_stop_us);
    if (s->graceful_ramp_down_us > 0) {
        req_steps raw = {0};
        ramping_raw_steps(s, &raw);
        reserve_ramp_downs(&raw, s->graceful_ramp_down_us, end, out);
        free(raw.v);
    } else {
        ramping_raw_steps(s, out);
    }
    if (out->v[out->n - 1].planned != 0) push_step(out, end, 0, 0);
}

/* k6's GetExecutionRequirements for one scenario (times without startTime). */
static void scenario_steps(const c6_scenario *s, req_steps *out) {
    int64_t gs = s->graceful_stop_us;
    switch (s->executor) {
    case EXECUTOR_SHARED_ITERATIONS:
    case EXECUTOR_PER_VU_ITERATIONS:
        push_step(out, 0, s->vus, 0);
        if (s->vus != 0 || s->executor == EXECUTOR_PER_VU_ITERATIONS)
            push_step(out, sat_add(s->max_duration_us, gs), 0, 0);
        break;
    case EXECUTOR_CONSTANT_VUS:
        push_step(out, 0, s->vus, 0);
        push_step(out, sat_add(s->duration_us, gs), 0, 0);
        break;
    case EXECUTOR_RAMPING_VUS:
        ramping_vus_steps(s, out);
        break;
    case EXECUTOR_CONSTANT_ARRIVAL_RATE:
    case EXECUTOR_RAMPING_ARRIVAL_RATE: {
        int64_t d = s->executor == EXECUTOR_CONSTANT_ARRIVAL_RATE ? s->duration_us : stages_sum(s);
        push_step(out, 0, s->pre_allocated_vus, s->max_vus - s->pre_allocated_vus);
        push_step(out, sat_add(d, gs), 0, 0);
        break;
    }
    case EXECUTOR_EXTERNALLY_CONTROLLED:
        /* maxVUs for the whole run, none unplanned (the user adds them);
         * duration 0 runs until stopped, so the VUs are never given back. */
        push_step(out, 0, s->max_vus, 0);
        if (s->duration_us != 0) push_step(out, s->duration_us, 0, 0);
        break;
    default:
        push_step(out, 0, 0, 0);
    }
}

int64_t scenario_duration_us(const c6_scenario *s) {
    switch (s->executor) {
    case EXECUTOR_SHARED_ITERATIONS:
    case EXECUTOR_PER_VU_ITERATIONS:
        return s->max_duration_us;
    case EXECUTOR_RAMPING_VUS:
    case EXECUTOR_RAMPING_ARRIVAL_RATE:
        return stages_sum(s);
    default:
        return s->duration_us;
    }
}

int64_t scenario_max_duration_us(const c6_scenario *s) {
    req_steps st = {0};
    scenario_steps(s, &st);
    int64_t end = st.v[st.n - 1].t;
    free(st.v);
    return end;
}

int64_t scenario_planned_vus(const c6_scenario *s) {
    switch (s->executor) {
    case EXECUTOR_RAMPING_VUS:
        return stages_max(s, s->start_vus);
    case EXECUTOR_CONSTANT_ARRIVAL_RATE:
    case EXECUTOR_RAMPING_ARRIVAL_RATE:
        return s->pre_allocated_vus;
    case EXECUTOR_EXTERNALLY_CONTROLLED:
        return s->max_vus > s->vus ? s->max_vus : s->vus;
    default:
        return s->vus;
    }
}

int64_t scenario_max_vus(const c6_scenario *s) {
    int64_t p = scenario_planned_vus(s);
    if (s->executor == EXECUTOR_CONSTANT_ARRIVAL_RATE || s->executor == EXECUTOR_RAMPING_ARRIVAL_RATE)
        return s->max_vus > p ? s->max_vus : p;
    return p;
}

/* k6's combined plan (GetFullExecutionRequirements): every scenario's steps
 * shifted by its startTime, in time order (ties: scenarios in k6's order,
 * then each scenario's own order), summed as they come. */
typedef struct { req_step step; size_t scenario, seq; } tracked_step;
typedef struct { int64_t max_planned, max_possible, end; } plan_totals;

static int tracked_order(const void *a, const void *b) {
    const tracked_step *x = a, *y = b;
    if (x->step.t != y->step.t) return x->step.t < y->step.t ? -1 : 1;
    if (x->scenario != y->scenario) return x->scenario < y->scenario ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int ptr_order(const void *a, const void *b) {
    return by_start_then_name(*(const c6_scenario *const *)a, *(const c6_scenario *const *)b);
}

static plan_totals combined_plan(const c6_scenario *s, size_t n) {
    plan_totals r = {0, 0, 0};
    if (n == 0) return r;
    const c6_scenario **order = xrealloc(NULL, n * sizeof *order);
    for (size_t i = 0; i < n; i++) order[i] = &s[i];
    qsort(order, n, sizeof *order, ptr_order);

    tracked_step *all = NULL;
    size_t nall = 0;
    for (size_t i = 0; i < n; i++) {
        req_steps st = {0};
        scenario_steps(order[i], &st);
        all = xrealloc(all, (nall + st.n) * sizeof *all);
        for (size_t k = 0; k < st.n; k++, nall++) {
            all[nall] = (tracked_step){st.v[k], i, nall};
            all[nall].step.t = sat_add(st.v[k].t, order[i]->start_time_us);
        }
        free(st.v);
    }
    qsort(all, nall, sizeof *all, tracked_order);

    /* Per scenario, its current requirement; the plan's sums change as each
     * step replaces one. The end is the last step that changed them. */
    int64_t *cur = xrealloc(NULL, 2 * n * sizeof *cur);
    memset(cur, 0, 2 * n * sizeof *cur);
    int64_t planned = 0, unplanned = 0, last_p = -1, last_u = -1;
    for (size_t i = 0; i < nall; i++) {
        const tracked_step *t = &all[i];
        planned += t->step.planned - cur[2 * t->scenario];
        unplanned += t->step.unplanned - cur[2 * t->scenario + 1];
        cur[2 * t->scenario] = t->step.planned;
        cur[2 * t->scenario + 1] = t->step.unplanned;
        if (planned == last_p && unplanned == last_u) continue;
        last_p = planned;
        last_u = unplanned;
        r.end = t->step.t;
        if (planned > r.max_planned) r.max_planned = planned;
        if (planned + unplanned > r.max_possible) r.max_possible = planned + unplanned;
    }
    free(cur);
    free(all);
    free(order);
    return r;
}

int64_t scenarios_max_vus(const c6_scenario *s, size_t n) {
    return combined_plan(s, n).max_planned;
}

int64_t scenarios_max_unplanned_vus(const c6_scenario *s, size_t n) {
    plan_totals t = combined_plan(s, n);
    return t.max_possible - t.max_planned;
}

int64_t scenarios_max_duration_us(const c6_scenario *s, size_t n) {
    return combined_plan(s, n).end;
}

/* ------------------------------------------------------------------------ */
/* Banner text                                                               */

/* " (fact, exec: f, startTime: t, gracefulStop: g)", or "" without facts. */
static void base_info(const c6_scenario *s, const char *fact, char *buf, size_t n) {
    char t[32];
    size_t off = 0;
    const char *sep = " (";
    buf[0] = 0;
#define ADD(...) do { if (off < n) off += (size_t)snprintf(buf + off, n - off, __VA_ARGS__); } while (0)
    if (fact) { ADD("%s%s", sep, fact); sep = ", "; }
    if (s->exec_set) { ADD("%sexec: %s", sep, s->exec ? s->exec : ""); sep = ", "; }
    if (s->start_time_us > 0) {
        duration_format(t, sizeof t, s->start_time_us);
        ADD("%sstartTime: %s", sep, t);
        sep = ", ";
    }
    if (s->graceful_stop_us > 0) {
        duration_format(t, sizeof t, s->graceful_stop_us);
        ADD("%sgracefulStop: %s", sep, t);
        sep = ", ";
    }
    if (sep[0] == ',') ADD(")");
#undef ADD
}

/* Iterations per second for `rate` per time unit. */
static double per_second(int64_t rate, int64_t time_unit_us) {
    return time_unit_us > 0 ? (double)rate * 1e6 / (double)time_unit_us : 0;
}

void scenario_describe(const c6_scenario *s, char *buf, size_t n) {
    char d[32], fact[96], info[384];
    duration_format(d, sizeof d, scenario_duration_us(s));
    int k = snprintf(fact, sizeof fact, "maxVUs: %lld", (long long)s->pre_allocated_vus);
    if (s->max_vus > s->pre_allocated_vus && k > 0)
        snprintf(fact + k, sizeof fact - (size_t)k, "-%lld", (long long)s->max_vus);
    switch (s->executor) {
    case EXECUTOR_CONSTANT_ARRIVAL_RATE:
        base_info(s, fact, info, sizeof info);
        /* k6 shows 0 when there are no VUs to run the iterations. */
        snprintf(buf, n, "%.2f iterations/s for %s%s", s->max_vus ? per_second(s->rate, s->time_unit_us) : 0.0,
                 d, info);
        return;
    case EXECUTOR_RAMPING_ARRIVAL_RATE:
        base_info(s, fact, info, sizeof info);
        snprintf(buf, n, "Up to %.2f iterations/s for %s over %zu stages%s",
                 per_second(stages_max(s, s->start_rate), s->time_unit_us), d, s->nstages, info);
        return;
    case EXECUTOR_SHARED_ITERATIONS:
    case EXECUTOR_PER_VU_ITERATIONS:
        snprintf(fact, sizeof fact, "maxDuration: %s", d);
        base_info(s, fact, info, sizeof info);
        snprintf(buf, n, s->executor == EXECUTOR_SHARED_ITERATIONS ? "%lld iterations shared among %lld VUs%s"
                                                                   : "%lld iterations for each of %lld VUs%s",
                 (long long)s->iterations, (long long)s->vus, info);
        return;
    case EXECUTOR_CONSTANT_VUS:
        base_info(s, NULL, info, sizeof info);
        snprintf(buf, n, "%lld looping VUs for %s%s", (long long)s->vus, d, info);
        return;
    case EXECUTOR_RAMPING_VUS: {
        char r[32];
        duration_format(r, sizeof r, s->graceful_ramp_down_us);
        snprintf(fact, sizeof fact, "gracefulRampDown: %s", r);
        base_info(s, fact, info, sizeof info);
        snprintf(buf, n, "Up to %lld looping VUs for %s over %zu stages%s", (long long)stages_max(s, s->start_vus),
                 d, s->nstages, info);
        return;
    }
    case EXECUTOR_EXTERNALLY_CONTROLLED:
        snprintf(buf, n, "Externally controlled execution with %lld VUs, %lld max VUs, %s duration",
                 (long long)s->vus, (long long)s->max_vus, s->duration_us ? d : "infinite");
        return;
    default:
        snprintf(buf, n, "?");
    }
}
