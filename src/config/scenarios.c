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
 * What differs between executors (their options, defaults, rules, steps
 * and banner) is in their rows, exec/executors.c; this file holds what is
 * common and reads the rows through executor_def(). */
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
#include "exec/capacity.h"
#include "config/executor_def.h"
#include "config/jsonval.h"
#include "util/err.h"

#define MIN_DURATION_US C6_US_PER_SEC /* k6's shortest duration / maxDuration */

char *c6_strdup(const char *s) { return s ? strdup(s) : NULL; }

int c6_kv_dup(c6_kv **out, const c6_kv *kv, size_t n) {
    *out = NULL;
    if (!n) return 0;
    c6_kv *r = calloc(n, sizeof *r);
    if (!r) return -1;
    for (size_t i = 0; i < n; i++) {
        r[i] = (c6_kv){c6_strdup(kv[i].key), c6_strdup(kv[i].value)};
        if ((kv[i].key && !r[i].key) || (kv[i].value && !r[i].value)) {
            c6_kv_free(r, i + 1);
            return -1;
        }
    }
    *out = r;
    return 0;
}

void c6_kv_free(c6_kv *kv, size_t n) {
    for (size_t i = 0; i < n; i++) {
        free(kv[i].key);
        free(kv[i].value);
    }
    free(kv);
}

int scenario_copy(c6_scenario *dst, const c6_scenario *src) {
    *dst = *src;
    dst->name = dst->exec = NULL;
    dst->env = dst->tags = NULL;
    dst->nenv = dst->ntags = 0;
    dst->stages = NULL;
    dst->nstages = 0;
    if ((src->name && !(dst->name = c6_strdup(src->name))) || (src->exec && !(dst->exec = c6_strdup(src->exec))) ||
        c6_kv_dup(&dst->env, src->env, src->nenv) || (dst->nenv = src->nenv, 0) ||
        c6_kv_dup(&dst->tags, src->tags, src->ntags) || (dst->ntags = src->ntags, 0) ||
        (src->nstages && !(dst->stages = malloc(src->nstages * sizeof *src->stages)))) {
        scenario_free(dst);
        return -1;
    }
    if (src->nstages) memcpy(dst->stages, src->stages, src->nstages * sizeof *src->stages);
    dst->nstages = src->nstages;
    return 0;
}

void scenario_free(c6_scenario *s) {
    free(s->name);
    free(s->exec);
    c6_kv_free(s->env, s->nenv);
    c6_kv_free(s->tags, s->ntags);
    free(s->stages);
    memset(s, 0, sizeof *s);
}

int64_t scen_sat_add(int64_t a, int64_t b) {
    if (b > 0 && a > INT64_MAX - b) return INT64_MAX;
    if (b < 0 && a < INT64_MIN - b) return INT64_MIN;
    return a + b;
}

int64_t scen_stages_sum(const c6_scenario *s) {
    int64_t d = 0;
    for (size_t i = 0; i < s->nstages; i++) d = scen_sat_add(d, s->stages[i].duration_us);
    return d;
}

int64_t scen_stages_max(const c6_scenario *s, int64_t from) {
    for (size_t i = 0; i < s->nstages; i++)
        if (s->stages[i].target > from) from = s->stages[i].target;
    return from;
}

/* ------------------------------------------------------------------------ */
/* Validation                                                               */

/* k6 validates each scenario (the Validate method of each config in lib/executor) and
 * joins its errors with ", " into "scenario <name> has configuration errors:
 * <errors>" (lib/executors.go, ScenarioConfigs.Validate); the texts are k6's. */
void scen_err_add(scen_errs *e, const char *fmt, ...) {
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

static bool scen_valid_name(const char *name) {
    if (!*name) return false;
    for (const char *p = name; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || *p == '_' ||
              *p == '-'))
            return false;
    return true;
}

void scen_check_vus(scen_errs *e, int64_t vus) {
    if (vus <= 0) scen_err_add(e, "the number of VUs must be more than 0");
}

/* at least 1s: "the <what> must be at least 1s, but is 500ms" */
void scen_check_min_duration(scen_errs *e, const char *what, const char *verb, int64_t d) {
    char t[32];
    if (d >= MIN_DURATION_US) return;
    duration_format(t, sizeof t, d);
    scen_err_add(e, "the %s %s at least 1s, but is %s", what, verb, t);
}

static void validate_base(const c6_scenario *s, scen_errs *e) {
    if (!s->name || !*s->name) scen_err_add(e, "executor name shouldn't be empty");
    if (!s->name || !scen_valid_name(s->name))
        scen_err_add(e, "the executor name should contain only numbers, latin letters, underscores, and dashes");
    if (s->exec_set && (!s->exec || !*s->exec)) scen_err_add(e, "exec value cannot be empty");
    if (s->start_time_us < 0) scen_err_add(e, "the startTime can't be negative");
    if (s->graceful_stop_us < 0) scen_err_add(e, "the gracefulStop timeout can't be negative");
}

/* k6's validateStages (lib/executor/helpers.go); stages are numbered from 1 */
void scen_check_stages(const c6_scenario *s, const scen_missing *m, scen_errs *e) {
    if (s->nstages == 0) {
        scen_err_add(e, "at least one stage has to be specified");
        return;
    }
    for (size_t i = 0; i < s->nstages; i++) {
        bool no_d = m->stage == i + 1 && !strcmp(m->stage_what, "duration");
        bool no_t = m->stage == i + 1 && !strcmp(m->stage_what, "target");
        if (no_d) scen_err_add(e, "stage %zu doesn't have a duration", i + 1);
        else if (s->stages[i].duration_us < 0) scen_err_add(e, "the duration for stage %zu can't be negative", i + 1);
        if (no_t) scen_err_add(e, "stage %zu doesn't have a target", i + 1);
        else if (s->stages[i].target < 0) scen_err_add(e, "the target for stage %zu can't be negative", i + 1);
    }
}

void scen_check_pool(const c6_scenario *s, const scen_missing *m, scen_errs *e) {
    if (m->prealloc) scen_err_add(e, "the number of preAllocatedVUs isn't specified");
    else if (s->pre_allocated_vus < 0) scen_err_add(e, "the number of preAllocatedVUs shouldn't be negative");
    if (s->max_vus < s->pre_allocated_vus) scen_err_add(e, "maxVUs shouldn't be less than preAllocatedVUs");
}

void scen_check_time_unit(const c6_scenario *s, scen_errs *e) {
    if (s->time_unit_us <= 0) scen_err_add(e, "the timeUnit should be more than 0");
}

static void validate_executor(const c6_scenario *s, const scen_missing *m, scen_errs *e) {
    const c6_executor_def *d = executor_def(s->executor);
    if (d) d->validate(s, m, e);
    else scen_err_add(e, "unknown executor type");
}

/* "scenario <name> has configuration errors: <all of them>" from what e holds. */
static int scen_errs_report(const c6_scenario *s, const scen_errs *e, char *err, size_t errlen) {
    if (!e->used) return 0;
    if (err && errlen)
        snprintf(err, errlen, "scenario %s has configuration errors: %s", s->name ? s->name : "", e->buf);
    return -1;
}

int scenario_validate(const c6_scenario *s, char *err, size_t errlen) {
    char b[1024] = "";
    scen_errs e = {b, sizeof b, 0};
    scen_missing none = {0};
    validate_base(s, &e);
    validate_executor(s, &none, &e);
    return scen_errs_report(s, &e, err, errlen);
}

/* ------------------------------------------------------------------------ */
/* Parsing                                                                  */

typedef enum { K_EXECUTOR, K_INT, K_DURATION, K_EXEC, K_KV, K_STAGES, K_IGNORED } opt_kind;

/* The scenario options: `common` ones every executor takes, the others
 * where the executor's row lists them; off is the value's offsetof, n_off
 * the count's for the list kinds. */
typedef struct {
    const char *key;
    opt_kind kind;
    bool common;
    size_t off, n_off;
} opt_def;

#define AT(f)         offsetof(c6_scenario, f), 0
#define LIST_AT(f, n) offsetof(c6_scenario, f), offsetof(c6_scenario, n)

static const opt_def OPTS[] = {
    {"executor", K_EXECUTOR, true, 0, 0},
    {"startTime", K_DURATION, true, AT(start_time_us)},
    {"gracefulStop", K_DURATION, true, AT(graceful_stop_us)},
    {"exec", K_EXEC, true, AT(exec)},
    {"env", K_KV, true, LIST_AT(env, nenv)},
    {"tags", K_KV, true, LIST_AT(tags, ntags)},
    {"options", K_IGNORED, true, 0, 0},
    {"vus", K_INT, false, AT(vus)},
    {"iterations", K_INT, false, AT(iterations)},
    {"maxDuration", K_DURATION, false, AT(max_duration_us)},
    {"duration", K_DURATION, false, AT(duration_us)},
    {"startVUs", K_INT, false, AT(start_vus)},
    {"stages", K_STAGES, false, LIST_AT(stages, nstages)},
    {"gracefulRampDown", K_DURATION, false, AT(graceful_ramp_down_us)},
    {"rate", K_INT, false, AT(rate)},
    {"startRate", K_INT, false, AT(start_rate)},
    {"timeUnit", K_DURATION, false, AT(time_unit_us)},
    {"preAllocatedVUs", K_INT, false, AT(pre_allocated_vus)},
    {"maxVUs", K_INT, false, AT(max_vus)},
};
#define NOPTS     (sizeof OPTS / sizeof OPTS[0])
#define SEEN(key) (1u << opt_index(key))

static size_t opt_index(const char *key) {
    for (size_t i = 0; i < NOPTS; i++)
        if (strcasecmp(OPTS[i].key, key) == 0) return i;
    return NOPTS;
}

/* Whether the executor takes option i (Go's case-insensitive match). */
static bool opt_accepted(size_t i, c6_executor e) {
    if (i == NOPTS) return false;
    if (OPTS[i].common) return true;
    for (const char *const *k = executor_def(e)->options; *k; k++)
        if (strcasecmp(*k, OPTS[i].key) == 0) return true;
    return false;
}

/* Where parse errors go: "<prefix>scenarios.<name>.<option>: ..." */
typedef struct {
    const char *prefix; /* "options." or "k6.json: " */
    const char *name;
    char *err;
    size_t errlen;
} pctx;

/* One scenario as read: which options were given (k6 checks the required
 * ones in validation, after the JSON is read) and its validation error. */
typedef struct {
    c6_scenario s;
    unsigned seen; /* SEEN() bits of the options given */
    char *invalid; /* first validation error with its prefix, NULL if valid */
} parsed;

__attribute__((format(printf, 3, 4))) static int pfail(const pctx *c, const char *opt, const char *fmt, ...) {
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

/* "scenarios.<name>[.<opt>]", the path errors name */
static const char *opt_path(const pctx *c, const char *opt, char *buf, size_t n) {
    snprintf(buf, n, "scenarios.%s%s%s", c->name, opt ? "." : "", opt ? opt : "");
    return buf;
}

static int scen_json_int(const pctx *c, const char *opt, const cJSON *v, int64_t *out, bool *set) {
    char path[1024];
    return cfg_json_i64(v, c->prefix, opt_path(c, opt, path, sizeof path), out, set, c->err, c->errlen);
}

/* k6's NullDuration: negative values parse, validation names them. */
static int scen_json_duration(const pctx *c, const char *opt, const cJSON *v, int64_t *out) {
    char path[1024];
    return cfg_json_duration(v, c->prefix, opt_path(c, opt, path, sizeof path), true, out, c->err, c->errlen);
}

static int json_kv(const pctx *c, const char *opt, const cJSON *v, c6_kv **kv, size_t *n) {
    char sub[300];
    if (!cJSON_IsObject(v)) return pfail(c, opt, "must be an object of name: \"value\"");
    c6_kv_free(*kv, *n);
    *kv = NULL;
    *n = 0;
    for (const cJSON *e = v->child; e; e = e->next) {
        snprintf(sub, sizeof sub, "%s.%.200s", opt, e->string);
        if (!cJSON_IsString(e) && !cJSON_IsNull(e)) return pfail(c, sub, "must be a string");
        size_t i = 0; /* a repeated name keeps the last value, as in a Go map */
        while (i < *n && strcmp((*kv)[i].key, e->string) != 0) i++;
        if (i == *n) {
            if (grow_array(kv, *n + 1, sizeof **kv)) return err_oom(c->err, c->errlen);
            (*kv)[*n] = (c6_kv){c6_strdup(e->string), NULL};
            if (!(*kv)[(*n)++].key) return err_oom(c->err, c->errlen);
        }
        free((*kv)[i].value);
        (*kv)[i].value = c6_strdup(cJSON_IsString(e) ? e->valuestring : ""); /* Go: null -> "" */
        if (!(*kv)[i].value) return err_oom(c->err, c->errlen);
    }
    return 0;
}

static int scen_json_stages(const pctx *c, const cJSON *v, parsed *p, char *missing_opt, size_t n) {
    char path[1024];
    return cfg_json_stages(v, c->prefix, opt_path(c, "stages", path, sizeof path), CFG_STAGES_SCENARIO, &p->s.stages,
                           &p->s.nstages, missing_opt, n, c->err, c->errlen);
}

static int set_defaults(c6_scenario *s, c6_executor e) {
    s->executor = e;
    s->exec = c6_strdup("default");
    s->graceful_stop_us = C6_DEFAULT_GRACEFUL_STOP_US;
    executor_def(e)->defaults(s);
    return s->exec ? 0 : -1;
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
    if (set_defaults(s, (c6_executor)e)) return err_oom(c->err, c->errlen);
    return 0;
}

static int parse_option(const pctx *c, const cJSON *e, parsed *p, char *missing_stage, size_t n) {
    c6_scenario *s = &p->s;
    size_t i = opt_index(e->string);
    if (!opt_accepted(i, s->executor))
        return pfail(c, e->string, "unknown option for the %s executor", executor_name(s->executor));
    const opt_def *d = &OPTS[i];
    char *base = (char *)s;
    if (cJSON_IsNull(e)) { /* null: a value goes back to unset (its default stays), a list to none */
        p->seen &= ~(1u << i);
        if (d->kind == K_EXEC) s->exec_set = false;
        if (d->kind == K_KV) {
            c6_kv_free(*(c6_kv **)(base + d->off), *(size_t *)(base + d->n_off));
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
    case K_EXECUTOR: /* read first, by parse_executor */ break;
    case K_IGNORED:
        if (!cJSON_IsObject(e)) return pfail(c, e->string, "must be an object");
        break;
    case K_INT: {
        int64_t v;
        if (scen_json_int(c, d->key, e, &v, &set)) return -1;
        if (set) *(int64_t *)(base + d->off) = v;
        break;
    }
    case K_DURATION:
        if (scen_json_duration(c, d->key, e, (int64_t *)(base + d->off))) return -1;
        break;
    case K_EXEC:
        if (!cJSON_IsString(e)) return pfail(c, "exec", "must be a string (the name of an exported function)");
        free(s->exec);
        s->exec = c6_strdup(e->valuestring);
        if (!s->exec) return err_oom(c->err, c->errlen);
        s->exec_set = true;
        break;
    case K_KV:
        if (json_kv(c, d->key, e, (c6_kv **)(base + d->off), (size_t *)(base + d->n_off))) return -1;
        break;
    case K_STAGES:
        missing_stage[0] = 0;
        if (scen_json_stages(c, e, p, missing_stage, n)) return -1;
        break;
    }
    if (set) p->seen |= 1u << i;
    else p->seen &= ~(1u << i);
    return 0;
}

/* Options k6 requires that the JSON left out. */
static scen_missing check_required(const parsed *p, const char *missing_stage) {
    scen_missing m = {0};
    const c6_executor_def *d = executor_def(p->s.executor);
    for (const char *const *k = d->required; k && *k; k++) {
        bool absent = !(p->seen & SEEN(*k));
        if (!strcmp(*k, "duration")) m.duration = absent;
        else if (!strcmp(*k, "rate")) m.rate = absent;
        else if (!strcmp(*k, "preAllocatedVUs")) m.prealloc = absent;
    }
    m.graceful_stop = d->no_graceful_stop && (p->seen & SEEN("gracefulStop"));
    size_t i;
    if (*missing_stage && sscanf(missing_stage, "stages[%zu].%15s", &i, m.stage_what) == 2) m.stage = i + 1;
    return m;
}

static int parse_scenario(const pctx *c, const cJSON *obj, parsed *p) {
    char missing_stage[64] = "", e[512];
    memset(p, 0, sizeof *p);
    p->s.name = c6_strdup(c->name);
    if (!p->s.name) return err_oom(c->err, c->errlen);
    if (!cJSON_IsObject(obj)) return pfail(c, NULL, "must be an object with an executor and its options");
    if (parse_executor(c, obj, &p->s)) return -1;
    for (const cJSON *o = obj->child; o; o = o->next)
        if (parse_option(c, o, p, missing_stage, sizeof missing_stage)) return -1;
    c6_scenario *s = &p->s;
    const c6_executor_def *d = executor_def(s->executor);
    if (d->complete) d->complete(s, p->seen & SEEN("maxVUs"));

    char b[1024] = "";
    scen_errs ve = {b, sizeof b, 0};
    scen_missing m = check_required(p, missing_stage);
    validate_base(s, &ve);
    validate_executor(s, &m, &ve);
    if (scen_errs_report(s, &ve, e, sizeof e) == 0) return 0;
    p->invalid = c6_strdup(e);
    return p->invalid ? 0 : err_oom(c->err, c->errlen);
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

int scenarios_parse_json(const struct cJSON *obj, const char *origin, c6_scenario **out, size_t *n, char *err,
                         size_t errlen, char *vmsg, size_t vlen) {
    char prefix[256];
    if (!origin || strcmp(origin, "script options") == 0) snprintf(prefix, sizeof prefix, "options.");
    else snprintf(prefix, sizeof prefix, "%.200s: ", origin);
    *out = NULL;
    *n = 0;
    if (vmsg && vlen) vmsg[0] = 0;
    if (!cJSON_IsObject(obj)) return err_set(err, errlen, "%sscenarios: must be an object of named scenarios", prefix);

    parsed *ps = NULL;
    size_t np = 0;
    int rc = 0;
    for (const cJSON *e = obj->child; e && rc == 0; e = e->next) {
        pctx c = {prefix, e->string, err, errlen};
        parsed p;
        rc = parse_scenario(&c, e, &p);
        size_t k = p.s.name ? 0 : np; /* a repeated name replaces the earlier one, as in a Go map */
        while (k < np && strcmp(ps[k].s.name, p.s.name) != 0) k++;
        if (k == np && grow_array(&ps, np + 1, sizeof *ps)) {
            scenario_free(&p.s);
            free(p.invalid);
            rc = err_oom(err, errlen);
            break;
        }
        if (k == np) np++;
        else {
            scenario_free(&ps[k].s);
            free(ps[k].invalid);
        }
        ps[k] = p;
    }
    if (rc == 0 && np > 1) qsort(ps, np, sizeof *ps, parsed_order);
    for (size_t i = 0; i < np; i++) {
        if (rc == 0 && ps[i].invalid && vmsg && vlen) { /* one line per scenario in k6's block */
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
    /* the parsed array becomes the result (parsed begins with its scenario) */
    c6_scenario *r = NULL;
    if (np && !(r = malloc(np * sizeof *r))) {
        for (size_t i = 0; i < np; i++) scenario_free(&ps[i].s);
        free(ps);
        return err_oom(err, errlen);
    }
    for (size_t i = 0; i < np; i++) r[i] = ps[i].s;
    *out = r;
    *n = np;
    free(ps);
    return 0;
}

int scenarios_from_json(const struct cJSON *obj, const char *origin, c6_scenario **out, size_t *n, char *err,
                        size_t errlen) {
    char v[512];
    if (scenarios_parse_json(obj, origin, out, n, err, errlen, v, sizeof v) != 0) return -1;
    if (!v[0]) return 0;
    for (size_t i = 0; i < *n; i++) scenario_free(&(*out)[i]);
    free(*out);
    *out = NULL;
    *n = 0;
    return err_set(err, errlen, "%s", v);
}

/* As k6 marshals a scenario (exec.test.options): the common options, then
 * the executor's in its row's order; durations as Go duration strings. */

struct cJSON *scenario_to_json(const c6_scenario *s) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "executor", executor_name(s->executor));
    cfg_json_put_duration(o, "startTime", s->start_time_us);
    cfg_json_put_duration(o, "gracefulStop", s->graceful_stop_us);
    cJSON_AddStringToObject(o, "exec", s->exec ? s->exec : "default");
    cfg_json_put_kv(o, "env", s->env, s->nenv);
    cfg_json_put_kv(o, "tags", s->tags, s->ntags);
    const c6_executor_def *d = executor_def(s->executor);
    const char *base = (const char *)s;
    for (const char *const *k = d ? d->options : NULL; k && *k; k++) {
        const opt_def *od = &OPTS[opt_index(*k)];
        int64_t v = *(const int64_t *)(base + od->off);
        if (od->kind == K_INT) {
            cJSON_AddNumberToObject(o, od->key, (double)v);
        } else if (od->kind == K_DURATION) {
            cfg_json_put_duration(o, od->key, v);
        } else if (od->kind == K_STAGES) {
            cfg_json_put_stages(o, "stages", s->stages, s->nstages);
        }
    }
    return o;
}

/* As k6 writes a scenario in an archive's metadata.json (lib.Options with
 * its executor config's nullable fields): the common options and the
 * executor's, each the value read when `raw` (the scenario as written)
 * gave it, else null. Key order: k6's BaseConfig then the executor's. */
struct cJSON *scenario_to_archive_json(const c6_scenario *s, const struct cJSON *raw) {
    static const char *const common[] = {"startTime", "gracefulStop", "env", "exec", "tags"};
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "executor", executor_name(s->executor));
    const c6_executor_def *d = executor_def(s->executor);
    size_t nrow = 0;
    while (d && d->options[nrow]) nrow++;
    const char *base = (const char *)s;
    for (size_t k = 0; k < 5 + nrow; k++) {
        const char *key = k < 5 ? common[k] : d->options[k - 5];
        const opt_def *od = &OPTS[opt_index(key)];
        const cJSON *given = NULL, *it;
        cJSON_ArrayForEach(it, raw) /* Go matches keys case-insensitively; the last one wins */
            if (it->string && strcasecmp(it->string, key) == 0) given = it;
        if (!given || cJSON_IsNull(given)) {
            cJSON_AddNullToObject(o, key);
            continue;
        }
        switch (od->kind) {
        case K_INT: cJSON_AddNumberToObject(o, key, (double)*(const int64_t *)(base + od->off)); break;
        case K_DURATION: cfg_json_put_duration(o, key, *(const int64_t *)(base + od->off)); break;
        case K_EXEC: cJSON_AddStringToObject(o, key, s->exec ? s->exec : "default"); break;
        case K_KV:
            cfg_json_put_kv(o, key, *(c6_kv *const *)(base + od->off), *(const size_t *)(base + od->n_off));
            break;
        case K_STAGES: cfg_json_put_stages(o, "stages", s->stages, s->nstages); break;
        default: cJSON_AddNullToObject(o, key); break;
        }
    }
    return o;
}

/* ------------------------------------------------------------------------ */
/* Execution requirements                                                    */

void scen_push_step(req_steps *s, int64_t t, int64_t planned, int64_t unplanned) {
    if (s->n == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 8;
        s->v = xrealloc(s->v, s->cap * sizeof *s->v);
    }
    s->v[s->n++] = (req_step){t, planned, unplanned};
}

/* k6's GetExecutionRequirements for one scenario (times without startTime). */
static void scenario_steps(const c6_scenario *s, req_steps *out) {
    const c6_executor_def *d = executor_def(s->executor);
    if (d) d->steps(s, out);
    else scen_push_step(out, 0, 0, 0);
}

int64_t scenario_duration_us(const c6_scenario *s) {
    const c6_executor_def *d = executor_def(s->executor);
    return d ? d->duration_us(s) : s->duration_us;
}

int64_t scenario_max_duration_us(const c6_scenario *s) {
    req_steps st = {0};
    scenario_steps(s, &st);
    int64_t end = st.v[st.n - 1].t;
    free(st.v);
    return end;
}

int64_t scenario_planned_vus(const c6_scenario *s) {
    const c6_executor_def *d = executor_def(s->executor);
    return d ? d->planned_vus(s) : s->vus;
}

int64_t scenario_max_vus(const c6_scenario *s) {
    const c6_executor_def *d = executor_def(s->executor);
    return d ? d->max_vus(s) : s->vus;
}

/* k6's combined plan (GetFullExecutionRequirements): every scenario's steps
 * shifted by its startTime, in time order (ties: scenarios in k6's order,
 * then each scenario's own order), summed as they come. */
typedef struct {
    req_step step;
    size_t scenario, seq;
} tracked_step;
typedef struct {
    int64_t max_planned, max_possible, end;
} plan_totals;

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
            all[nall].step.t = scen_sat_add(st.v[k].t, order[i]->start_time_us);
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

/* How many steps planning s takes, at most: ramping-vus plans one per VU
 * started or stopped; the other executors a few. Saturating. */
static uint64_t scenario_plan_steps(const c6_scenario *s) {
    uint64_t steps = 4;
    if (s->executor != EXECUTOR_RAMPING_VUS) return steps;
    long double total = (long double)(s->start_vus > 0 ? s->start_vus : 0) + (long double)s->nstages + steps;
    int64_t from = s->start_vus;
    for (size_t i = 0; i < s->nstages; i++) {
        long double d = (long double)s->stages[i].target - (long double)from;
        total += d < 0 ? -d : d;
        from = s->stages[i].target;
    }
    return total >= 1.8e19L ? UINT64_MAX : (uint64_t)total;
}

int scenarios_totals(const c6_scenario *s, size_t n, const capacity *cap, scen_totals *out, char *err, size_t errlen) {
    /* the largest scenario alone is a floor of what the test needs at once:
     * refused before its steps (one per VU started or stopped) are planned */
    int64_t floor = 0;
    for (size_t i = 0; i < n; i++) {
        int64_t v = scenario_max_vus(&s[i]);
        if (v > floor) floor = v;
    }
    if (cap && capacity_check_vus(cap, floor, err, errlen)) return -1;
    uint64_t steps = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t k = scenario_plan_steps(&s[i]);
        steps = k > UINT64_MAX - steps ? UINT64_MAX : steps + k;
    }
    if (cap && capacity_check_plan(cap, steps, err, errlen)) return -1;
    plan_totals t = combined_plan(s, n);
    out->max_vus = t.max_planned;
    out->max_unplanned_vus = t.max_possible - t.max_planned;
    out->max_duration_us = t.end;
    return cap ? capacity_check_vus(cap, t.max_possible, err, errlen) : 0;
}

int64_t scenarios_max_vus(const c6_scenario *s, size_t n) { return combined_plan(s, n).max_planned; }

int64_t scenarios_max_unplanned_vus(const c6_scenario *s, size_t n) {
    plan_totals t = combined_plan(s, n);
    return t.max_possible - t.max_planned;
}

int64_t scenarios_max_duration_us(const c6_scenario *s, size_t n) { return combined_plan(s, n).end; }

/* ------------------------------------------------------------------------ */
/* Banner text                                                               */

/* " (fact, exec: f, startTime: t, gracefulStop: g)", or "" without facts. */
void scen_banner_info(const c6_scenario *s, const char *fact, char *buf, size_t n) {
    char t[32];
    size_t off = 0;
    const char *sep = " (";
    buf[0] = 0;
#define ADD(...)                                                                                                       \
    do {                                                                                                               \
        if (off < n) off += (size_t)snprintf(buf + off, n - off, __VA_ARGS__);                                         \
    } while (0)
    if (fact) {
        ADD("%s%s", sep, fact);
        sep = ", ";
    }
    if (s->exec_set) {
        ADD("%sexec: %s", sep, s->exec ? s->exec : "");
        sep = ", ";
    }
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

void scenario_describe(const c6_scenario *s, char *buf, size_t n) {
    const c6_executor_def *d = executor_def(s->executor);
    if (d) d->describe(s, buf, n);
    else snprintf(buf, n, "?");
}
