/* scenarios.c - the scenario model: executor names, k6's banner text for a
 * scenario, and the durations and VU counts the scheduler plans with.
 *
 * Banner text follows k6's executors' descriptions:
 *   shared-iterations      "N iterations shared among V VUs (maxDuration: D, gracefulStop: G)"
 *   per-vu-iterations      "N iterations for each of V VUs (maxDuration: D, gracefulStop: G)"
 *   constant-vus           "V looping VUs for D (gracefulStop: G)"
 *   ramping-vus            "Up to V looping VUs for D over S stages (gracefulRampDown: R, gracefulStop: G)"
 *   constant-arrival-rate  "R.RR iterations/s for D (maxVUs: P[-M], gracefulStop: G)"
 *   ramping-arrival-rate   "Up to R.RR iterations/s for D over S stages (maxVUs: P[-M], gracefulStop: G)"
 *   externally-controlled  "Up to V/M looping VUs for D"
 * with "exec: F" and "startTime: T" added before gracefulStop when set, and
 * gracefulStop left out when it is 0. */
#include "config/scenarios.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/duration.h"
#include "util/err.h"

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

static int64_t stages_sum(const c6_scenario *s) {
    int64_t d = 0;
    for (size_t i = 0; i < s->nstages; i++)
        d = s->stages[i].duration_us > INT64_MAX - d ? INT64_MAX : d + s->stages[i].duration_us;
    return d;
}

static int64_t stages_max(const c6_scenario *s, int64_t from) {
    for (size_t i = 0; i < s->nstages; i++)
        if (s->stages[i].target > from) from = s->stages[i].target;
    return from;
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
    int64_t d = scenario_duration_us(s);
    if (s->executor == EXECUTOR_EXTERNALLY_CONTROLLED) return d;
    return d > INT64_MAX - s->graceful_stop_us ? INT64_MAX : d + s->graceful_stop_us;
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

/* A VU counts from its scenario's startTime to the end of its gracefulStop;
 * the most planned VUs alive at one instant is reached at some start. */
int64_t scenarios_max_vus(const c6_scenario *s, size_t n) {
    int64_t best = 0;
    for (size_t i = 0; i < n; i++) {
        int64_t at = s[i].start_time_us, sum = 0;
        for (size_t k = 0; k < n; k++) {
            int64_t end = s[k].start_time_us + scenario_max_duration_us(&s[k]);
            if (s[k].start_time_us <= at && at < end) sum += scenario_planned_vus(&s[k]);
        }
        if (sum > best) best = sum;
    }
    return best;
}

int64_t scenarios_max_unplanned_vus(const c6_scenario *s, size_t n) {
    int64_t sum = 0;
    for (size_t i = 0; i < n; i++) sum += scenario_max_vus(&s[i]) - scenario_planned_vus(&s[i]);
    return sum;
}

int64_t scenarios_max_duration_us(const c6_scenario *s, size_t n) {
    int64_t best = 0;
    for (size_t i = 0; i < n; i++) {
        int64_t end = s[i].start_time_us + scenario_max_duration_us(&s[i]);
        if (end > best) best = end;
    }
    return best;
}

/* " (fact, fact, exec: f, startTime: t, gracefulStop: g)" */
static void base_info(const c6_scenario *s, const char *fact, char *buf, size_t n) {
    char t[32];
    size_t off = 0;
    buf[0] = 0;
#define ADD(...) do { if (off < n) off += (size_t)snprintf(buf + off, n - off, __VA_ARGS__); } while (0)
    const char *sep = " (";
    if (fact && *fact) { ADD("%s%s", sep, fact); sep = ", "; }
    if (s->exec_set) { ADD("%sexec: %s", sep, s->exec); sep = ", "; }
    if (s->start_time_us > 0) {
        duration_format(t, sizeof t, s->start_time_us);
        ADD("%sstartTime: %s", sep, t);
        sep = ", ";
    }
    if (s->graceful_stop_us > 0 && s->executor != EXECUTOR_EXTERNALLY_CONTROLLED) {
        duration_format(t, sizeof t, s->graceful_stop_us);
        ADD("%sgracefulStop: %s", sep, t);
        sep = ", ";
    }
    if (sep[0] == ',') ADD(")");
#undef ADD
}

void scenario_describe(const c6_scenario *s, char *buf, size_t n) {
    char d[32], extra[64], info[256];
    duration_format(d, sizeof d, scenario_duration_us(s));
    double per_s = s->time_unit_us > 0 ? 1e6 / (double)s->time_unit_us : 1;
    if (s->pre_allocated_vus < s->max_vus)
        snprintf(extra, sizeof extra, "maxVUs: %lld-%lld", (long long)s->pre_allocated_vus, (long long)s->max_vus);
    else
        snprintf(extra, sizeof extra, "maxVUs: %lld", (long long)s->pre_allocated_vus);
    switch (s->executor) {
    case EXECUTOR_SHARED_ITERATIONS:
    case EXECUTOR_PER_VU_ITERATIONS: {
        char f[64];
        snprintf(f, sizeof f, "maxDuration: %s", d);
        base_info(s, f, info, sizeof info);
        snprintf(buf, n, s->executor == EXECUTOR_SHARED_ITERATIONS ? "%lld iterations shared among %lld VUs%s"
                                                                   : "%lld iterations for each of %lld VUs%s",
                 (long long)s->iterations, (long long)s->vus, info);
        break;
    }
    case EXECUTOR_CONSTANT_VUS:
        base_info(s, NULL, info, sizeof info);
        snprintf(buf, n, "%lld looping VUs for %s%s", (long long)s->vus, d, info);
        break;
    case EXECUTOR_RAMPING_VUS: {
        char f[64], r[32];
        duration_format(r, sizeof r, s->graceful_ramp_down_us);
        snprintf(f, sizeof f, "gracefulRampDown: %s", r);
        base_info(s, f, info, sizeof info);
        snprintf(buf, n, "Up to %lld looping VUs for %s over %zu stages%s", (long long)scenario_planned_vus(s), d,
                 s->nstages, info);
        break;
    }
    case EXECUTOR_CONSTANT_ARRIVAL_RATE:
        base_info(s, extra, info, sizeof info);
        snprintf(buf, n, "%.2f iterations/s for %s%s", (double)s->rate * per_s, d, info);
        break;
    case EXECUTOR_RAMPING_ARRIVAL_RATE:
        base_info(s, extra, info, sizeof info);
        snprintf(buf, n, "Up to %.2f iterations/s for %s over %zu stages%s",
                 (double)stages_max(s, s->start_rate) * per_s, d, s->nstages, info);
        break;
    case EXECUTOR_EXTERNALLY_CONTROLLED:
        base_info(s, NULL, info, sizeof info);
        snprintf(buf, n, "Up to %lld/%lld looping VUs for %s%s", (long long)s->vus, (long long)s->max_vus, d, info);
        break;
    default:
        snprintf(buf, n, "?");
    }
}
