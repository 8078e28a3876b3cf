/* jsonval.c - the JSON value readers options.c and scenarios.c share (see
 * jsonval.h for the two rule sets of stage lists). */
#include "config/jsonval.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config/duration.h"
#include "util/err.h"
#include "util/strconv.h"

__attribute__((format(printf, 5, 6))) static int jv_fail(char *err, size_t errlen, const char *prefix, const char *path,
                                                         const char *fmt, ...) {
    if (!err || !errlen) return -1;
    va_list ap;
    va_start(ap, fmt);
    err_vset_after(err, errlen, snprintf(err, errlen, "%s%s: ", prefix, path), fmt, ap);
    va_end(ap);
    return -1;
}

int cfg_json_i64(const cJSON *v, const char *prefix, const char *path, int64_t *out, bool *set, char *err,
                 size_t errlen) {
    if (cJSON_IsNumber(v)) {
        double d = v->valuedouble;
        if (!(d >= -9.2e18 && d <= 9.2e18) || (double)(int64_t)d != d)
            return jv_fail(err, errlen, prefix, path, "must be an integer, got %g", d);
        *out = (int64_t)d;
        *set = true;
        return 0;
    }
    if (cJSON_IsString(v)) {
        if (*v->valuestring == '\0') return *set = false, 0;
        if (strconv_parse_i64(v->valuestring, out) != 0)
            return jv_fail(err, errlen, prefix, path, "must be an integer, got \"%.64s\"", v->valuestring);
        *set = true;
        return 0;
    }
    return jv_fail(err, errlen, prefix, path, "must be an integer");
}

int cfg_json_duration(const cJSON *v, const char *prefix, const char *path, bool negative, int64_t *out, char *err,
                      size_t errlen) {
    if (cJSON_IsNumber(v)) {
        /* a literal out of float64's range: k6's Duration.UnmarshalJSON
         * (lib/types/types.go) names it as written, which options_from_json
         * puts in place of the "+Inf" */
        if (!isfinite(v->valuedouble))
            return err_set(err, errlen, "'%s' is not a valid duration value", v->valuedouble > 0 ? "+Inf" : "-Inf");
        if (!negative && v->valuedouble < 0)
            return jv_fail(err, errlen, prefix, path, "must not be negative, got %g", v->valuedouble);
        *out = duration_from_json_ms(v->valuedouble);
        return 0;
    }
    if (cJSON_IsString(v)) {
        char derr[200];
        const char *s = v->valuestring;
        bool neg = negative && *s == '-';
        int rc = duration_parse(s + neg, out, derr, sizeof derr);
        if (rc == DURATION_INVALID && neg) duration_parse(s, out, derr, sizeof derr); /* (Go's text names all of s) */
        if (rc == DURATION_INVALID) /* k6's text alone: encoding/json passes an Unmarshaler's error on as it is */
            return err_set(err, errlen, "%s", derr);
        if (rc != 0) return jv_fail(err, errlen, prefix, path, "%s", derr);
        if (neg) *out = -*out;
        return 0;
    }
    return jv_fail(err, errlen, prefix, path, "must be a duration string like \"30s\" or a number of milliseconds");
}

/* One {duration, target}; what it lacks goes into *lacks. */
static int jv_stage(const cJSON *v, const char *prefix, const char *path, cfg_stage_rules rules, c6_stage *st,
                    const char **lacks, char *err, size_t errlen) {
    char sub[1100];
    if (!cJSON_IsObject(v))
        return jv_fail(err, errlen, prefix, path, "must be an object like {duration: \"30s\", target: 10}");
    if (rules == CFG_STAGES_OPTIONS) { /* the first match of each key; the duration first */
        const cJSON *d = cJSON_GetObjectItem(v, "duration"), *t = cJSON_GetObjectItem(v, "target");
        bool tset = false;
        *lacks = NULL;
        if (!d || cJSON_IsNull(d)) return *lacks = "duration", 0;
        snprintf(sub, sizeof sub, "%s.duration", path);
        if (cfg_json_duration(d, prefix, sub, false, &st->duration_us, err, errlen) != 0) return -1;
        snprintf(sub, sizeof sub, "%s.target", path);
        if (t && !cJSON_IsNull(t) && cfg_json_i64(t, prefix, sub, &st->target, &tset, err, errlen) != 0) return -1;
        if (!tset) *lacks = "target";
        return 0;
    }
    bool has_d = false, has_t = false; /* every key, the last one winning */
    for (const cJSON *e = v->child; e; e = e->next) {
        bool is_d = strcasecmp(e->string, "duration") == 0, is_t = strcasecmp(e->string, "target") == 0;
        snprintf(sub, sizeof sub, "%s.%.32s", path, e->string);
        if (!is_d && !is_t)
            return jv_fail(err, errlen, prefix, sub, "unknown option (a stage has a duration and a target)");
        if (cJSON_IsNull(e)) {
            if (is_d) has_d = false;
            else has_t = false;
        } else if (is_d) {
            if (cfg_json_duration(e, prefix, sub, true, &st->duration_us, err, errlen)) return -1;
            has_d = true;
        } else if (cfg_json_i64(e, prefix, sub, &st->target, &has_t, err, errlen)) {
            return -1;
        }
    }
    *lacks = !has_d ? "duration" : !has_t ? "target" : NULL;
    return 0;
}

int cfg_json_stages(const cJSON *v, const char *prefix, const char *path, cfg_stage_rules rules, c6_stage **st,
                    size_t *n, char *missing, size_t mlen, char *err, size_t errlen) {
    char sub[1024];
    if (!cJSON_IsArray(v))
        return jv_fail(err, errlen, prefix, path,
                       rules == CFG_STAGES_SCENARIO ? "must be an array of {duration, target}" : "must be an array");
    free(*st);
    *st = NULL;
    size_t count = (size_t)cJSON_GetArraySize(v);
    *n = 0;
    if (count && !(*st = calloc(count, sizeof **st))) return err_oom(err, errlen);
    *n = count;
    size_t i = 0;
    for (const cJSON *e = v->child; e; e = e->next, i++) {
        const char *lacks = NULL;
        snprintf(sub, sizeof sub, "%s[%zu]", path, i);
        (*st)[i] = (c6_stage){0, 0};
        if (jv_stage(e, prefix, sub, rules, &(*st)[i], &lacks, err, errlen)) return -1;
        if (!lacks) continue;
        if (rules == CFG_STAGES_OPTIONS) {
            char what[1100];
            snprintf(what, sizeof what, "%s.%s", sub, lacks);
            return jv_fail(err, errlen, prefix, what, "missing");
        }
        if (missing && mlen && !*missing) snprintf(missing, mlen, "stages[%zu].%s", i, lacks);
    }
    return 0;
}

void cfg_json_put_duration(cJSON *o, const char *key, int64_t us) {
    char d[32];
    duration_format(d, sizeof d, us);
    cJSON_AddStringToObject(o, key, d);
}

void cfg_json_put_stages(cJSON *o, const char *key, const c6_stage *st, size_t n) {
    cJSON *a = cJSON_AddArrayToObject(o, key);
    for (size_t i = 0; i < n; i++) {
        cJSON *e = cJSON_CreateObject();
        cfg_json_put_duration(e, "duration", st[i].duration_us);
        cJSON_AddNumberToObject(e, "target", (double)st[i].target);
        cJSON_AddItemToArray(a, e);
    }
}

void cfg_json_put_kv(cJSON *o, const char *key, const c6_kv *kv, size_t n) {
    cJSON *m = cJSON_AddObjectToObject(o, key);
    for (size_t i = 0; i < n; i++) cJSON_AddStringToObject(m, kv[i].key, kv[i].value);
}

/* Two-space indented JSON as Go's json.MarshalIndent(v, "", "  ") lays it
 * out (k6 inspect's output, an archive's metadata.json): "{}" and "[]"
 * when empty, `"key": value`. */
void cfg_json_print_indented(buf *b, const cJSON *v, int depth) {
    if (cJSON_IsObject(v) || cJSON_IsArray(v)) {
        bool obj = cJSON_IsObject(v);
        if (!v->child) {
            buf_puts(b, obj ? "{}" : "[]");
            return;
        }
        buf_puts(b, obj ? "{\n" : "[\n");
        for (const cJSON *c = v->child; c; c = c->next) {
            for (int i = 0; i <= depth; i++) buf_puts(b, "  ");
            if (obj) {
                cJSON *k = cJSON_CreateString(c->string);
                char *ks = k ? cJSON_PrintUnformatted(k) : NULL;
                if (ks) buf_puts(b, ks);
                buf_puts(b, ": ");
                free(ks);
                cJSON_Delete(k);
            }
            cfg_json_print_indented(b, c, depth + 1);
            buf_puts(b, c->next ? ",\n" : "\n");
        }
        for (int i = 0; i < depth; i++) buf_puts(b, "  ");
        buf_puts(b, obj ? "}" : "]");
        return;
    }
    char *t = cJSON_PrintUnformatted(v);
    if (t) buf_puts(b, t);
    free(t);
}
