/* Load zones (see zones.h). */
#include "service/zones.h"

#include "exec/segment.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int zone_name_ok(const char *name) {
    size_t n = name ? strlen(name) : 0;
    if (n == 0 || n >= ZONE_NAME_MAX) return 0;
    for (size_t i = 0; i < n; i++)
        if (!isprint((unsigned char)name[i])) return 0;
    return 1;
}

static int fail(char *err, size_t errlen, const char *fmt, const char *where, const char *label) {
    snprintf(err, errlen, fmt, where, label);
    return -1;
}

/* k6 sends options.cloud to the cloud service, which checks the
 * distribution (Grafana Cloud k6 docs, "Use load zones": each label has a
 * loadZone and an integer percent, the percentages sum to 100); a
 * self-hosted service has the same rules, in its own words. */
int zones_from_options(const cJSON *opts, zone_share *out, int max, char *err, size_t errlen) {
    /* k6 reads options.cloud when it is set, else options.ext.loadimpact
     * (cloudapi/config.go, pickSource): never a mix of both */
    const char *where = "options.cloud.distribution";
    const cJSON *src = cJSON_GetObjectItem(opts, "cloud");
    if (!src || cJSON_IsNull(src)) {
        src = cJSON_GetObjectItem(cJSON_GetObjectItem(opts, "ext"), "loadimpact");
        where = "options.ext.loadimpact.distribution";
    }
    if (src && !cJSON_IsNull(src) && !cJSON_IsObject(src)) {
        snprintf(err, errlen, "%.*s: must be an object", (int)(strlen(where) - strlen(".distribution")), where);
        return -1;
    }
    const cJSON *d = cJSON_GetObjectItem(src, "distribution");
    if (!d || cJSON_IsNull(d)) return 0;
    if (!cJSON_IsObject(d))
        return fail(err, errlen, "%s: must be an object of labels, each { loadZone: \"NAME\", percent: N }%s", where,
                    "");
    int n = 0, sum = 0;
    for (const cJSON *e = d->child; e; e = e->next) {
        const char *label = e->string ? e->string : "";
        if (n == max) {
            snprintf(err, errlen, "%s: at most %d load zones", where, max);
            return -1;
        }
        const cJSON *lz = cJSON_GetObjectItem(e, "loadZone"), *pc = cJSON_GetObjectItem(e, "percent");
        if (!cJSON_IsObject(e))
            return fail(err, errlen, "%s.%s: must be an object { loadZone: \"NAME\", percent: N }", where, label);
        if (!zone_name_ok(label) || strchr(label, '"'))
            return fail(err, errlen, "%s: the label \"%.100s\" is not a usable name", where, label);
        if (!cJSON_IsString(lz) || !zone_name_ok(lz->valuestring))
            return fail(err, errlen, "%s.%s.loadZone: must be the name of a load zone", where, label);
        if (!cJSON_IsNumber(pc) || pc->valuedouble != (double)(int)pc->valuedouble || pc->valueint < 1 ||
            pc->valueint > 100)
            return fail(err, errlen, "%s.%s.percent: must be an integer from 1 to 100", where, label);
        snprintf(out[n].label, sizeof out[n].label, "%s", label);
        snprintf(out[n].zone, sizeof out[n].zone, "%s", lz->valuestring);
        out[n].percent = pc->valueint;
        sum += pc->valueint;
        n++;
    }
    if (n == 0) return fail(err, errlen, "%s: must name at least one load zone%s", where, "");
    if (sum != 100) {
        snprintf(err, errlen, "%s: the sum of the percentages must equal 100, not %d", where, sum);
        return -1;
    }
    return n;
}

char *zones_to_json(const zone_share *z, int n) {
    cJSON *a = cJSON_CreateArray();
    for (int i = 0; a && i < n; i++) {
        cJSON *o = cJSON_CreateObject();
        if (!o) break;
        cJSON_AddStringToObject(o, "label", z[i].label);
        cJSON_AddStringToObject(o, "loadZone", z[i].zone);
        cJSON_AddNumberToObject(o, "percent", z[i].percent);
        cJSON_AddItemToArray(a, o);
    }
    char *s = a ? cJSON_PrintUnformatted(a) : NULL;
    cJSON_Delete(a);
    return s;
}

int zones_from_json(const char *json, zone_share *out, int max) {
    cJSON *a = json ? cJSON_Parse(json) : NULL;
    int n = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, a) {
        const cJSON *l = cJSON_GetObjectItem(e, "label"), *z = cJSON_GetObjectItem(e, "loadZone"),
                    *p = cJSON_GetObjectItem(e, "percent");
        if (n == max || !cJSON_IsString(l) || !cJSON_IsString(z) || !cJSON_IsNumber(p)) break;
        snprintf(out[n].label, sizeof out[n].label, "%s", l->valuestring);
        snprintf(out[n].zone, sizeof out[n].zone, "%s", z->valuestring);
        out[n].percent = p->valueint;
        n++;
    }
    cJSON_Delete(a);
    return n;
}

int64_t zones_vus(int64_t vus, int percent) { return (vus * percent + 99) / 100; }

int zones_sequence(const zone_share *z, const int *nagents, int n, char *out, size_t len) {
    c6_segment_seq seq = {.n = 1, .pt = {{0, 1}}};
    int before = 0; /* the percentages of the labels before this one */
    for (int i = 0; i < n; i++) {
        for (int j = 1; j <= nagents[i]; j++) {
            if (seq.n >= C6_SEGMENT_MAX_POINTS) return -1;
            /* before/100 + j * percent / (100 * agents) */
            c6_rat_reduce((int64_t)before * nagents[i] + (int64_t)j * z[i].percent, 100LL * nagents[i],
                          &seq.pt[seq.n++]);
        }
        before += z[i].percent;
    }
    return c6_segment_seq_format(&seq, out, len) < len ? 0 : -1;
}
