/* k6's CSV output. As in json.c, the part of a row that depends only on the
 * tag set (the tag columns, extra_tags, metadata and the newline) is
 * rendered once per tag set and kept in the outputs' tag-set cache
 * (output/tagcache.h); a row is then the metric name, the timestamp, the
 * value and that text. */
#include "output/csv.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/duration.h"
#include "metrics/registry.h"
#include "metrics/tags.h"
#include "output/output.h"
#include "output/tagcache.h"
#include "output/writer.h"
#include "util/buf.h"
#include "util/clock.h"

#define CSV_CACHE_BITS  12 /* 4096 tag-set cache slots */
#define CSV_MAX_COLUMNS 32

/* k6's default system tags (the ones samples carry unless systemTags says
 * otherwise), minus the non-indexable vu and iter. */
static const char *const csv_default_tags[] = {
    "check",    "error",   "error_code", "expected_response", "group",       "method", "name", "proto",
    "scenario", "service", "status",     "subproto",          "tls_version", "url",
};

struct csv_output {
    writer *w;
    int64_t mono0, wall0; /* ns: one instant on both clocks */
    csv_time_format time_format;
    int64_t save_interval_us;
    writer_time clock;
    char *columns[CSV_MAX_COLUMNS];
    size_t ncolumns;
    tagcache tags; /* the row's tail per tag set */
    buf scratch;
    bool oom;
};

/* ---- config ------------------------------------------------------------ */

static const char *const csv_time_names[] = {
    [CSV_TIME_UNIX] = "unix",           [CSV_TIME_UNIX_MILLI] = "unix_milli", [CSV_TIME_UNIX_MICRO] = "unix_micro",
    [CSV_TIME_UNIX_NANO] = "unix_nano", [CSV_TIME_RFC3339] = "rfc3339",       [CSV_TIME_RFC3339_NANO] = "rfc3339_nano",
};

int csv_time_format_parse(const char *s, csv_time_format *out) {
    for (size_t i = 0; i < sizeof csv_time_names / sizeof *csv_time_names; i++)
        if (strcmp(s, csv_time_names[i]) == 0) {
            *out = (csv_time_format)i;
            return 0;
        }
    return -1;
}

static int csv_set(csv_config *c, const char *key, const char *val, char *err, size_t errlen) {
    if (strcmp(key, "fileName") == 0 || strcmp(key, "file_name") == 0) {
        char *f = strdup(val);
        if (!f) {
            snprintf(err, errlen, "csv output: out of memory");
            return -1;
        }
        free(c->file_name);
        c->file_name = f;
    } else if (strcmp(key, "saveInterval") == 0 || strcmp(key, "save_interval") == 0) {
        char derr[160];
        if (duration_parse(val, &c->save_interval_us, derr, sizeof derr) != 0) {
            snprintf(err, errlen, "%s", derr);
            return -1;
        }
    } else if (strcmp(key, "timeFormat") == 0) {
        if (csv_time_format_parse(val, &c->time_format) != 0) {
            /* k6's text (time_format_gen.go, TimeFormatString); the values are
             * unix, unix_milli, unix_micro, unix_nano, rfc3339, rfc3339_nano */
            snprintf(err, errlen, "%s does not belong to TimeFormat values", val);
            return -1;
        }
    } else {
        snprintf(err, errlen, "unknown key \"%s\" as argument for csv output", key);
        return -1;
    }
    return 0;
}

int csv_config_parse(csv_config *c, const char *arg, char *err, size_t errlen) {
    memset(c, 0, sizeof *c);
    c->save_interval_us = C6_US_PER_SEC;
    c->time_format = CSV_TIME_UNIX;
    if (csv_set(c, "fileName", "file.csv", err, errlen)) return -1;
    static const char *const env[][2] = {
        {"K6_CSV_FILENAME", "fileName"},
        {"K6_CSV_SAVE_INTERVAL", "saveInterval"},
        {"K6_CSV_TIME_FORMAT", "timeFormat"},
    };
    for (size_t i = 0; i < sizeof env / sizeof *env; i++) {
        const char *v = getenv(env[i][0]);
        if (v && csv_set(c, env[i][1], v, err, errlen)) goto fail;
    }
    if (!arg || !*arg) return 0;
    if (!strchr(arg, '=')) return csv_set(c, "fileName", arg, err, errlen) ? (csv_config_free(c), -1) : 0;
    char *copy = strdup(arg), *save = NULL;
    if (!copy) {
        snprintf(err, errlen, "csv output: out of memory");
        goto fail;
    }
    for (char *pair = strtok_r(copy, ",", &save); pair; pair = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(pair, '=');
        if (!eq) {
            snprintf(err, errlen, "couldn't parse \"%s\" as argument for csv output", arg);
            free(copy);
            goto fail;
        }
        *eq = 0;
        if (csv_set(c, pair, eq + 1, err, errlen)) {
            free(copy);
            goto fail;
        }
    }
    free(copy);
    return 0;
fail:
    csv_config_free(c);
    return -1;
}

void csv_config_free(csv_config *c) {
    free(c->file_name);
    c->file_name = NULL;
}

/* ---- output ------------------------------------------------------------ */

static int csv_strcmp(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Go's encoding/csv quotes a field holding the separator, a quote, CR or
 * LF, or starting with a Unicode space. */
static bool csv_needs_quotes(const char *s, size_t n) {
    if (n == 0) return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] == ',' || s[i] == '"' || s[i] == '\r' || s[i] == '\n') return true;
    const unsigned char *u = (const unsigned char *)s;
    if (u[0] == ' ' || (u[0] >= '\t' && u[0] <= '\r')) return true;
    if (n >= 2 && u[0] == 0xC2 && (u[1] == 0x85 || u[1] == 0xA0)) return true;
    if (n >= 3 && u[0] == 0xE1 && u[1] == 0x9A && u[2] == 0x80) return true; /* U+1680 */
    if (n >= 3 && u[0] == 0xE2 && u[1] == 0x80 && (u[2] <= 0x8A || u[2] == 0xA8 || u[2] == 0xA9 || u[2] == 0xAF))
        return true;
    if (n >= 3 && u[0] == 0xE2 && u[1] == 0x81 && u[2] == 0x9F) return true; /* U+205F */
    if (n >= 3 && u[0] == 0xE3 && u[1] == 0x80 && u[2] == 0x80) return true; /* U+3000 */
    return false;
}

static void csv_field(buf *b, const char *s, size_t n) {
    if (!csv_needs_quotes(s, n)) {
        buf_append(b, s, n);
        return;
    }
    buf_append(b, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"') buf_append(b, "\"\"", 2);
        else buf_append(b, s + i, 1);
    }
    buf_append(b, "\"", 1);
}

static tagcache_render csv_render_tags;

csv_output *csv_output_open_config(const csv_config *c, const char *const *system_tags, size_t nsystem_tags,
                                   int64_t mono0_ns, int64_t wall0_ns, char *err, size_t errlen) {
    csv_output *o = calloc(1, sizeof *o);
    if (!o) {
        snprintf(err, errlen, "csv output: out of memory");
        return NULL;
    }
    if (tagcache_init(&o->tags, CSV_CACHE_BITS, csv_render_tags, o)) o->oom = true;
    if (!system_tags) {
        system_tags = csv_default_tags;
        nsystem_tags = sizeof csv_default_tags / sizeof *csv_default_tags;
    }
    for (size_t i = 0; i < nsystem_tags && o->ncolumns < CSV_MAX_COLUMNS; i++) {
        const char *t = system_tags[i];
        if (tag_is_metadata(t)) continue;
        bool dup = false;
        for (size_t k = 0; k < o->ncolumns; k++) dup |= strcmp(o->columns[k], t) == 0;
        if (!dup && !(o->columns[o->ncolumns++] = strdup(t))) o->oom = true;
    }
    if (o->oom) goto oom;
    qsort(o->columns, o->ncolumns, sizeof *o->columns, csv_strcmp);
    o->w = writer_open(c->file_name ? c->file_name : "file.csv", err, errlen);
    if (!o->w) goto fail;
    o->mono0 = mono0_ns;
    o->wall0 = wall0_ns;
    o->time_format = c->time_format;
    o->save_interval_us = c->save_interval_us > 0 ? c->save_interval_us : C6_US_PER_SEC;
    writer_time_init(&o->clock);
    writer_set_flush_interval(o->w, o->save_interval_us);

    writer_puts(o->w, "metric_name,timestamp,metric_value");
    for (size_t i = 0; i < o->ncolumns; i++) {
        buf_clear(&o->scratch);
        buf_append(&o->scratch, ",", 1);
        csv_field(&o->scratch, o->columns[i], strlen(o->columns[i]));
        writer_write(o->w, o->scratch.p, o->scratch.len);
    }
    writer_puts(o->w, ",extra_tags,metadata\n");
    return o;
oom:
    snprintf(err, errlen, "csv output: out of memory");
fail:
    for (size_t i = 0; i < o->ncolumns; i++) free(o->columns[i]);
    tagcache_free(&o->tags);
    buf_free(&o->scratch);
    free(o);
    return NULL;
}

csv_output *csv_output_open(const char *path, int64_t mono0_ns, int64_t wall0_ns, char *err, size_t errlen) {
    csv_config c = {(char *)path, C6_US_PER_SEC, CSV_TIME_UNIX};
    return csv_output_open_config(&c, NULL, 0, mono0_ns, wall0_ns, err, errlen);
}

/* ",col,...,col,extra_tags,metadata\n" for a packed tag set (sorted keys). */
static int csv_render_tags(void *ctx, const char *tags, size_t len, int aux, buf *b, size_t *split, long *id) {
    csv_output *o = ctx;
    const char *k, *v;
    for (size_t i = 0; i < o->ncolumns; i++) {
        buf_append(b, ",", 1);
        const char *val = tagset_find(tags, len, o->columns[i]);
        if (val) csv_field(b, val, strlen(val));
    }
    buf extra = {0};
    for (int pass = 0; pass < 2; pass++) { /* extra_tags, then metadata */
        buf_clear(&extra);
        for (size_t off = 0; (off = tagset_next(tags, len, off, &k, &v)) != 0;) {
            if (tag_is_metadata(k) != (pass == 1)) continue;
            if (pass == 0 && bsearch(&k, o->columns, o->ncolumns, sizeof *o->columns, csv_strcmp)) continue;
            if (extra.len) buf_append(&extra, "&", 1);
            buf_puts(&extra, k);
            buf_append(&extra, "=", 1);
            buf_puts(&extra, v);
        }
        buf_append(b, ",", 1);
        csv_field(b, extra.p ? extra.p : "", extra.len);
    }
    buf_free(&extra);
    buf_append(b, "\n", 1);
    return b->p ? 0 : -1;
}

/* As Go's Time.Unix(), UnixMilli(), ...: floor division. */
static int64_t csv_floor_div(int64_t a, int64_t b) { return a / b - (a % b < 0); }

static size_t csv_fmt_time(csv_output *o, char *buf, int64_t wall_ns) {
    int64_t v;
    switch (o->time_format) {
    case CSV_TIME_RFC3339: return writer_fmt_time(&o->clock, buf, wall_ns, false);
    case CSV_TIME_RFC3339_NANO: return writer_fmt_time(&o->clock, buf, wall_ns, true);
    case CSV_TIME_UNIX_MILLI: v = csv_floor_div(wall_ns, 1000000); break;
    case CSV_TIME_UNIX_MICRO: v = csv_floor_div(wall_ns, 1000); break;
    case CSV_TIME_UNIX_NANO: v = wall_ns; break;
    default: v = csv_floor_div(wall_ns, 1000000000); break;
    }
    return (size_t)sprintf(buf, "%lld", (long long)v);
}

/* Go's fmt "%f": 6 decimals; NaN, +Inf, -Inf spelled as Go does. */
static size_t csv_fmt_value(char *buf, double v) {
    if (isnan(v)) return (size_t)sprintf(buf, "NaN");
    if (isinf(v)) return (size_t)sprintf(buf, v > 0 ? "+Inf" : "-Inf");
    if (fabs(v) < 1e15 && v == (double)(long long)v && !(v == 0 && signbit(v)))
        return (size_t)sprintf(buf, "%lld.000000", (long long)v);
    return (size_t)snprintf(buf, 400, "%f", v);
}

void csv_output_sample(void *ctx, const sample *s, const char *tags, size_t tags_len) {
    csv_output *o = ctx;
    int id = s->metric;
    if (id >= registry_count()) return;
    const tagcache_entry *t = tagcache_get(&o->tags, tags, tags_len, 0);
    if (!t) {
        o->oom = true;
        return;
    }
    const char *name = registry_get(id)->name;
    char tbuf[48], num[400];
    size_t tl = csv_fmt_time(o, tbuf, o->wall0 + (s->t_ns - o->mono0));
    size_t nl = csv_fmt_value(num, s->value);
    writer *w = o->w;
    writer_puts(w, name);
    writer_putc(w, ',');
    writer_write(w, tbuf, tl);
    writer_putc(w, ',');
    writer_write(w, num, nl);
    writer_write(w, t->text, t->tlen);

    writer_paced(w);
}

void csv_output_describe(const csv_output *o, buf *b) {
    buf_puts(b, "csv (");
    buf_puts(b, writer_name(o->w)); /* "stdout" for "-" */
    buf_puts(b, ")");
}

void csv_output_tick(csv_output *o) { writer_paced_tick(o->w); }

int csv_output_flush(csv_output *o) { return writer_flush(o->w); }

int csv_output_close(csv_output *o, char *err, size_t errlen) {
    if (!o) return 0;
    int rc = writer_close(o->w, err, errlen);
    if (rc == 0 && o->oom) {
        snprintf(err, errlen, "csv output: out of memory, some samples were not written");
        rc = -1;
    }
    for (size_t i = 0; i < o->ncolumns; i++) free(o->columns[i]);
    tagcache_free(&o->tags);
    buf_free(&o->scratch);
    free(o);
    return rc;
}

/* ---- as an output (output/output.h) ---- */

static void csv_ops_sample(void *ctx, const sample *s, size_t n, const tagdict *tags) {
    output_each_sample(ctx, s, n, tags, csv_output_sample);
}

static void *csv_ops_open(const output_params *p, char *err, size_t errlen) {
    csv_config c;
    if (csv_config_parse(&c, p->arg, err, errlen)) return NULL;
    csv_output *o = csv_output_open_config(&c, p->system_tags, p->nsystem_tags, p->mono0_ns, p->wall0_ns, err, errlen);
    csv_config_free(&c);
    return o;
}

static void csv_ops_describe(const void *o, buf *b) { csv_output_describe(o, b); }
static void csv_ops_tick(void *o) { csv_output_tick(o); }
static int csv_ops_close(void *o, char *err, size_t errlen) { return csv_output_close(o, err, errlen); }

const output_ops csv_output_ops = {
    "csv", csv_ops_open, csv_ops_describe, csv_ops_sample, csv_ops_tick, csv_ops_close,
};
