/* options_json.c - the consolidated options as the JSON object k6 shows the
 * script in exec.test.options: the scenarios the shortcuts or
 * options.scenarios produced (with their defaults filled in; scenarios.c
 * writes each), and the other
 * options that are set. Durations are Go duration strings ("30s", "1m0s"),
 * as k6 marshals them. */
#include "config/options_json.h"

#include <cjson/cJSON.h>
#include <stdlib.h>

#include "config/duration.h"
#include "config/jsonval.h"

static void add_strings(cJSON *o, const char *key, char *const *v, size_t n) {
    cJSON *a = cJSON_AddArrayToObject(o, key);
    for (size_t i = 0; i < n; i++) cJSON_AddItemToArray(a, cJSON_CreateString(v[i]));
}

char *options_to_json(const c6_options *o, const c6_plan *plan) {
    cJSON *root = cJSON_CreateObject();
    cJSON *sc = cJSON_AddObjectToObject(root, "scenarios");
    for (size_t i = 0; i < plan->nscenarios; i++)
        cJSON_AddItemToObject(sc, plan->scenarios[i].name, scenario_to_json(&plan->scenarios[i]));
    if (o->thresholds_set || o->nthresholds) {
        cJSON *th = cJSON_AddObjectToObject(root, "thresholds");
        for (size_t i = 0; i < o->nthresholds; i++)
            add_strings(th, o->thresholds[i].metric, o->thresholds[i].exprs, o->thresholds[i].nexprs);
    }
    if (o->tags_set) cfg_json_put_kv(root, "tags", o->tags, o->ntags);
    if (o->summary_trend_stats_set)
        add_strings(root, "summaryTrendStats", o->summary_trend_stats, o->nsummary_trend_stats);
    if (o->system_tags_set) add_strings(root, "systemTags", o->system_tags, o->nsystem_tags);
    if (o->summary_time_unit_set) cJSON_AddStringToObject(root, "summaryTimeUnit", o->summary_time_unit);
    if (o->user_agent_set) cJSON_AddStringToObject(root, "userAgent", o->user_agent);
    if (o->insecure_skip_tls_verify_set)
        cJSON_AddBoolToObject(root, "insecureSkipTLSVerify", o->insecure_skip_tls_verify);
    if (o->no_thresholds_set) cJSON_AddBoolToObject(root, "noThresholds", o->no_thresholds);
    if (o->tls_version_set) { /* k6 shows both bounds, also for the one-version form */
        cJSON *tv = cJSON_AddObjectToObject(root, "tlsVersion");
        cJSON_AddStringToObject(tv, "min", o->tls_version_min ? o->tls_version_min : "");
        cJSON_AddStringToObject(tv, "max", o->tls_version_max ? o->tls_version_max : "");
    }
    if (o->tls_cipher_suites_set) add_strings(root, "tlsCipherSuites", o->tls_cipher_suites, o->ntls_cipher_suites);
    if (o->hosts_set) cfg_json_put_kv(root, "hosts", o->hosts, o->nhosts);
    if (o->block_hostnames_set) add_strings(root, "blockHostnames", o->block_hostnames, o->nblock_hostnames);
    if (o->blacklist_ips_set) add_strings(root, "blacklistIPs", o->blacklist_ips, o->nblacklist_ips);
    if (o->local_ips_set) cJSON_AddStringToObject(root, "localIPs", o->local_ips);
    if (o->no_connection_reuse_set) cJSON_AddBoolToObject(root, "noConnectionReuse", o->no_connection_reuse);
    if (o->no_vu_connection_reuse_set) cJSON_AddBoolToObject(root, "noVUConnectionReuse", o->no_vu_connection_reuse);
    if (o->throw_set) cJSON_AddBoolToObject(root, "throw", o->throw_errors);
    if (o->discard_response_bodies_set)
        cJSON_AddBoolToObject(root, "discardResponseBodies", o->discard_response_bodies);
    if (o->max_redirects_set) cJSON_AddNumberToObject(root, "maxRedirects", (double)o->max_redirects);
    if (o->batch_set) cJSON_AddNumberToObject(root, "batch", (double)o->batch);
    if (o->batch_per_host_set) cJSON_AddNumberToObject(root, "batchPerHost", (double)o->batch_per_host);
    if (o->cloud_json) cJSON_AddItemToObject(root, "cloud", cJSON_Parse(o->cloud_json));
    if (o->ext_json) cJSON_AddItemToObject(root, "ext", cJSON_Parse(o->ext_json));
    cfg_json_put_duration(root, "setupTimeout", o->setup_timeout_set ? o->setup_timeout_us : 60 * C6_US_PER_SEC);
    cfg_json_put_duration(root, "teardownTimeout",
                          o->teardown_timeout_set ? o->teardown_timeout_us : 60 * C6_US_PER_SEC);
    char *s = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    return s;
}
