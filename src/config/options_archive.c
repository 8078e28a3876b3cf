/* options_archive.c - the consolidated options as k6 writes them in an
 * archive's metadata.json: lib.Options marshalled by Go, so every key is
 * there, in the struct's order, null where no source set it. Two defaults
 * are filled in, as k6's consolidation does before archiving
 * (internal/cmd/config.go, applyDefault): systemTags and summaryTrendStats. */
#include "config/options_archive.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "config/duration.h"
#include "config/jsonval.h"

static void put_strings(cJSON *o, const char *key, bool set, char *const *v, size_t n) {
    if (!set) {
        cJSON_AddNullToObject(o, key);
        return;
    }
    cJSON *a = cJSON_AddArrayToObject(o, key);
    for (size_t i = 0; i < n; i++) cJSON_AddItemToArray(a, cJSON_CreateString(v[i]));
}

static void put_bool(cJSON *o, const char *key, bool set, bool v) {
    if (set) cJSON_AddBoolToObject(o, key, v);
    else cJSON_AddNullToObject(o, key);
}

static void put_int(cJSON *o, const char *key, bool set, int64_t v) {
    if (set) cJSON_AddNumberToObject(o, key, (double)v);
    else cJSON_AddNullToObject(o, key);
}

static void put_duration(cJSON *o, const char *key, bool set, int64_t us) {
    if (set) cfg_json_put_duration(o, key, us);
    else cJSON_AddNullToObject(o, key);
}

static void put_string(cJSON *o, const char *key, bool set, const char *v) {
    if (set && v) cJSON_AddStringToObject(o, key, v);
    else cJSON_AddNullToObject(o, key);
}

static void put_kv(cJSON *o, const char *key, bool set, const c6_kv *kv, size_t n) {
    if (set) cfg_json_put_kv(o, key, kv, n);
    else cJSON_AddNullToObject(o, key);
}

/* dns as the object {ttl, select, policy} from its K6_DNS text form. */
static void put_dns(cJSON *root, const c6_options *o) {
    static const char *const keys[] = {"ttl", "select", "policy"};
    cJSON *d = cJSON_AddObjectToObject(root, "dns");
    for (int k = 0; k < 3; k++) {
        const char *v = NULL;
        size_t vl = 0, kl = strlen(keys[k]);
        for (const char *p = o->dns_set && o->dns ? o->dns : ""; *p;) {
            const char *end = strchr(p, ',');
            size_t n = end ? (size_t)(end - p) : strlen(p);
            if (n > kl && !strncmp(p, keys[k], kl) && p[kl] == '=') v = p + kl + 1, vl = n - kl - 1;
            p += n + (end ? 1 : 0);
        }
        if (!v) {
            cJSON_AddNullToObject(d, keys[k]);
            continue;
        }
        char *s = strndup(v, vl);
        cJSON_AddStringToObject(d, keys[k], s ? s : "");
        free(s);
    }
}

/* A threshold as k6 marshals it: its source, or {threshold, abortOnFail,
 * delayAbortEval} when it aborts (lib/thresholds.go). */
static void put_thresholds(cJSON *root, const c6_options *o) {
    if (!o->thresholds_set && !o->nthresholds) {
        cJSON_AddNullToObject(root, "thresholds");
        return;
    }
    cJSON *th = cJSON_AddObjectToObject(root, "thresholds");
    for (size_t i = 0; i < o->nthresholds; i++) {
        const c6_threshold_set *t = &o->thresholds[i];
        cJSON *a = cJSON_AddArrayToObject(th, t->metric);
        for (size_t j = 0; j < t->nexprs; j++) {
            if (!t->abort_on_fail || !t->abort_on_fail[j]) {
                cJSON_AddItemToArray(a, cJSON_CreateString(t->exprs[j]));
                continue;
            }
            cJSON *c = cJSON_CreateObject();
            cJSON_AddStringToObject(c, "threshold", t->exprs[j]);
            cJSON_AddTrueToObject(c, "abortOnFail");
            int64_t d = t->delay_abort_eval_us ? t->delay_abort_eval_us[j] : 0;
            if (d > 0) cfg_json_put_duration(c, "delayAbortEval", d);
            else cJSON_AddNullToObject(c, "delayAbortEval");
            cJSON_AddItemToArray(a, c);
        }
    }
}

static int by_key(const void *a, const void *b) {
    return strcmp((*(const cJSON *const *)a)->string, (*(const cJSON *const *)b)->string);
}

/* options.scenarios: Go writes the map sorted by name; each scenario with
 * its nullable fields (config/scenarios.c, scenario_to_archive_json). */
static void put_scenarios(cJSON *root, const c6_options *o) {
    cJSON *raw = o->scenarios_set && o->scenarios_json ? cJSON_Parse(o->scenarios_json) : NULL;
    if (!raw) {
        cJSON_AddNullToObject(root, "scenarios");
        return;
    }
    size_t n = (size_t)cJSON_GetArraySize(raw), k = 0;
    const cJSON **items = calloc(n ? n : 1, sizeof *items), *it;
    cJSON_ArrayForEach(it, raw) if (items && it->string) items[k++] = it;
    if (items) qsort(items, k, sizeof *items, by_key);
    cJSON *sc = cJSON_AddObjectToObject(root, "scenarios");
    for (size_t i = 0; items && i < k; i++) {
        for (size_t j = 0; j < o->nscenarios; j++)
            if (!strcmp(o->scenarios[j].name, items[i]->string)) {
                cJSON_AddItemToObject(sc, items[i]->string, scenario_to_archive_json(&o->scenarios[j], items[i]));
                break;
            }
    }
    free(items);
    cJSON_Delete(raw);
}

static int by_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* systemTags: k6's set marshals sorted; unset, k6's default set. */
static void put_system_tags(cJSON *root, const c6_options *o) {
    static const char *const dflt[] = {"check",       "error", "error_code", "expected_response", "group",  "method",
                                       "name",        "proto", "scenario",   "service",           "status", "subproto",
                                       "tls_version", "url"};
    cJSON *a = cJSON_AddArrayToObject(root, "systemTags");
    if (!o->system_tags_set) {
        for (size_t i = 0; i < sizeof dflt / sizeof *dflt; i++) cJSON_AddItemToArray(a, cJSON_CreateString(dflt[i]));
        return;
    }
    char **v = calloc(o->nsystem_tags ? o->nsystem_tags : 1, sizeof *v);
    if (!v) return;
    memcpy(v, o->system_tags, o->nsystem_tags * sizeof *v);
    qsort(v, o->nsystem_tags, sizeof *v, by_str);
    for (size_t i = 0; i < o->nsystem_tags; i++)
        if (!i || strcmp(v[i], v[i - 1])) cJSON_AddItemToArray(a, cJSON_CreateString(v[i]));
    free(v);
}

static void put_tls_version(cJSON *root, const c6_options *o) {
    if (!o->tls_version_set) {
        cJSON_AddNullToObject(root, "tlsVersion");
        return;
    }
    cJSON *tv = cJSON_AddObjectToObject(root, "tlsVersion");
    cJSON_AddStringToObject(tv, "min", o->tls_version_min ? o->tls_version_min : "");
    cJSON_AddStringToObject(tv, "max", o->tls_version_max ? o->tls_version_max : "");
}

static void put_tls_auth(cJSON *root, const c6_options *o) {
    if (!o->tls_auth_set) {
        cJSON_AddNullToObject(root, "tlsAuth");
        return;
    }
    cJSON *a = cJSON_AddArrayToObject(root, "tlsAuth");
    for (size_t i = 0; i < o->ntls_auth; i++) {
        const c6_tls_auth *t = &o->tls_auth[i];
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "cert", t->cert ? t->cert : "");
        cJSON_AddStringToObject(e, "key", t->key ? t->key : "");
        put_string(e, "password", t->password != NULL, t->password);
        put_strings(e, "domains", true, t->domains, t->ndomains);
        cJSON_AddItemToArray(a, e);
    }
}

cJSON *options_to_archive_json(const c6_options *o) {
    cJSON *r = cJSON_CreateObject();
    put_bool(r, "paused", o->paused_set, o->paused);
    put_int(r, "vus", o->vus_set, o->vus);
    put_duration(r, "duration", o->duration_set, o->duration_us);
    put_int(r, "iterations", o->iterations_set, o->iterations);
    if (o->stages_set) cfg_json_put_stages(r, "stages", o->stages, o->nstages);
    else cJSON_AddNullToObject(r, "stages");
    put_scenarios(r, o);
    put_string(r, "executionSegment", o->execution_segment_set, o->execution_segment);
    put_string(r, "executionSegmentSequence", o->execution_segment_sequence_set, o->execution_segment_sequence);
    put_bool(r, "noSetup", o->no_setup_set, o->no_setup);
    put_duration(r, "setupTimeout", o->setup_timeout_set, o->setup_timeout_us);
    put_bool(r, "noTeardown", o->no_teardown_set, o->no_teardown);
    put_duration(r, "teardownTimeout", o->teardown_timeout_set, o->teardown_timeout_us);
    cJSON_AddNullToObject(r, "handleSummaryTimeout"); /* not an option c6 reads */
    put_int(r, "rps", o->rps_set, o->rps);
    put_dns(r, o);
    put_int(r, "maxRedirects", o->max_redirects_set, o->max_redirects);
    put_string(r, "userAgent", o->user_agent_set, o->user_agent);
    put_int(r, "batch", o->batch_set, o->batch);
    put_int(r, "batchPerHost", o->batch_per_host_set, o->batch_per_host);
    put_string(r, "httpDebug", o->http_debug_set, o->http_debug);
    put_bool(r, "insecureSkipTLSVerify", o->insecure_skip_tls_verify_set, o->insecure_skip_tls_verify);
    put_strings(r, "tlsCipherSuites", o->tls_cipher_suites_set, o->tls_cipher_suites, o->ntls_cipher_suites);
    put_tls_version(r, o);
    put_tls_auth(r, o);
    put_bool(r, "throw", o->throw_set, o->throw_errors);
    put_thresholds(r, o);
    put_strings(r, "blacklistIPs", o->blacklist_ips_set, o->blacklist_ips, o->nblacklist_ips);
    put_strings(r, "blockHostnames", o->block_hostnames_set, o->block_hostnames, o->nblock_hostnames);
    put_kv(r, "hosts", o->hosts_set, o->hosts, o->nhosts);
    put_bool(r, "noConnectionReuse", o->no_connection_reuse_set, o->no_connection_reuse);
    put_bool(r, "noVUConnectionReuse", o->no_vu_connection_reuse_set, o->no_vu_connection_reuse);
    put_duration(r, "minIterationDuration", o->min_iteration_duration_set, o->min_iteration_duration_us);
    if (o->cloud_json) cJSON_AddItemToObject(r, "cloud", cJSON_Parse(o->cloud_json)); /* omitempty */
    if (o->ext_json) cJSON_AddItemToObject(r, "ext", cJSON_Parse(o->ext_json));
    else cJSON_AddNullToObject(r, "ext");
    if (o->summary_trend_stats_set) {
        put_strings(r, "summaryTrendStats", true, o->summary_trend_stats, o->nsummary_trend_stats);
    } else {
        static char *const dflt[] = {"avg", "min", "med", "max", "p(90)", "p(95)"};
        put_strings(r, "summaryTrendStats", true, dflt, 6);
    }
    put_string(r, "summaryTimeUnit", o->summary_time_unit_set, o->summary_time_unit);
    put_system_tags(r, o);
    put_kv(r, "tags", o->tags_set, o->tags, o->ntags);
    cJSON_AddNullToObject(r, "metricSamplesBufferSize");
    cJSON_AddNullToObject(r, "noCookiesReset");
    put_bool(r, "discardResponseBodies", o->discard_response_bodies_set, o->discard_response_bodies);
    cJSON_AddNullToObject(r, "features");
    return r;
}
