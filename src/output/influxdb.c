/* k6's InfluxDB v1 output. The metrics thread only appends lines to a
 * batch: the measurement text is rendered once per metric, and the tag and
 * field texts once per tag set (kept in the outputs' tag-set cache,
 * output/tagcache.h), so a point costs a few memcpy and two number formats. Full batches go to the pusher's threads. */
#include "util/err.h"
#include "output/influxdb.h"

#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/duration.h"
#include "metrics/registry.h"
#include "metrics/tags.h"
#include "output/output.h"
#include "output/pusher.h"
#include "output/tagcache.h"
#include "output/writer.h"
#include "util/buf.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/url.h"

#define INFLUX_CACHE_BITS 10          /* 1024 tag-set cache slots */
#define INFLUX_BATCH_MAX  (8u << 20)  /* bytes: a batch goes out early past this */
#define INFLUX_BUDGET     (64u << 20) /* bytes queued for the senders at most */
#define INFLUX_MAX_FIELDS 64

typedef enum { FK_STRING, FK_INT, FK_FLOAT, FK_BOOL } field_kind;

typedef struct influx_config {
    char *addr; /* scheme://host[:port][/prefix], no trailing '/' */
    char *db, *username, *password, *precision, *retention, *consistency, *proxy;
    bool insecure;
    int64_t push_interval_us;
    long concurrent_writes;
    char *fields[INFLUX_MAX_FIELDS]; /* tagsAsFields names */
    field_kind kinds[INFLUX_MAX_FIELDS];
    size_t nfields;
} influx_config;

struct influx_output {
    influx_config c;
    pusher *push;
    int64_t mono0, wall0; /* ns: one instant on both clocks */
    int64_t div_ns;       /* ns per timestamp unit */
    char **meas;          /* REGISTRY_MAX escaped metric names */
    tagcache tags;        /* ",k=v,...", then (at split) ",f=1i,..." per tag set */
    buf batch, scratch;
    uint64_t points, skipped;
    int64_t last_push_us;
    bool oom;
};

/* ---- settings ---- */

static void influx_config_free(influx_config *c) {
    free(c->addr);
    free(c->db);
    free(c->username);
    free(c->password);
    free(c->precision);
    free(c->retention);
    free(c->consistency);
    free(c->proxy);
    for (size_t i = 0; i < c->nfields; i++) free(c->fields[i]);
    memset(c, 0, sizeof *c);
}

static void set_str(char **dst, const char *v) {
    free(*dst);
    *dst = xstrdup(v); /* config, once */
}

/* One tagsAsFields item, "name" or "name:type". */
static int influx_add_field(influx_config *c, const char *p, size_t n, char *err, size_t errlen) {
    char item[256];
    if (n >= sizeof item) return snprintf(err, errlen, "tagsAsFields: \"%.*s\" is too long", (int)n, p), -1;
    memcpy(item, p, n);
    item[n] = 0;
    if (!*item) return 0;
    char *colon = strchr(item, ':');
    const char *type = colon && colon[1] ? colon + 1 : "string";
    if (colon) *colon = 0;
    field_kind k;
    if (strcmp(type, "string") == 0) k = FK_STRING;
    else if (strcmp(type, "int") == 0) k = FK_INT;
    else if (strcmp(type, "float") == 0) k = FK_FLOAT;
    else if (strcmp(type, "bool") == 0) k = FK_BOOL;
    else return snprintf(err, errlen, "an invalid type (%s) is specified for an InfluxDB field (%s)", type, item), -1;
    for (size_t j = 0; j < c->nfields; j++)
        if (strcmp(c->fields[j], item) == 0)
            return snprintf(err, errlen,
                            "a tag name (%s) shows up more than once in InfluxDB field type configurations", item),
                   -1;
    if (c->nfields == INFLUX_MAX_FIELDS)
        return snprintf(err, errlen, "tagsAsFields: more than %d fields", INFLUX_MAX_FIELDS), -1;
    c->kinds[c->nfields] = k;
    if (!(c->fields[c->nfields++] = strdup(item))) return snprintf(err, errlen, "out of memory"), -1;
    return 0;
}

/* Replaces the tagsAsFields list: each item is one field, or with split a
 * comma-separated list of them (the environment variable's form). */
static int influx_parse_fields(influx_config *c, const char *const *items, size_t nitems, bool split, char *err,
                               size_t errlen) {
    for (size_t i = 0; i < c->nfields; i++) free(c->fields[i]);
    c->nfields = 0;
    for (size_t it = 0; it < nitems; it++) {
        const char *p = items[it];
        if (!split) {
            if (influx_add_field(c, p, strlen(p), err, errlen)) return -1;
            continue;
        }
        for (;;) {
            size_t n = strcspn(p, ",");
            if (influx_add_field(c, p, n, err, errlen)) return -1;
            if (!p[n]) break;
            p += n + 1;
        }
    }
    return 0;
}

/* A whole decimal number, or Go's strconv.Atoi error, which k6 returns
 * as is (internal/output/influxdb/config.go, ParseURL). */
static int influx_atoi(const char *v, long *out, char *err, size_t errlen) {
    char *end;
    errno = 0;
    long n = strtol(v, &end, 10);
    bool digits = *v && (isdigit((unsigned char)*v) || ((*v == '+' || *v == '-') && isdigit((unsigned char)v[1])));
    if (!digits || *end) return snprintf(err, errlen, "strconv.Atoi: parsing \"%s\": invalid syntax", v), -1;
    if (errno == ERANGE) return snprintf(err, errlen, "strconv.Atoi: parsing \"%s\": value out of range", v), -1;
    *out = n;
    return 0;
}

static int influx_set(influx_config *c, const char *key, const char *v, char *err, size_t errlen) {
    if (strcmp(key, "insecure") == 0) {
        if (!*v) return 0;
        if (pusher_parse_bool(v, &c->insecure))
            return snprintf(err, errlen, "insecure must be true or false, not %s", v), -1;
    } else if (strcmp(key, "pushInterval") == 0) {
        if (duration_parse(v, &c->push_interval_us, err, errlen)) return -1;
        if (c->push_interval_us <= 0) return snprintf(err, errlen, "pushInterval must be positive"), -1;
    } else if (strcmp(key, "concurrentWrites") == 0) {
        if (influx_atoi(v, &c->concurrent_writes, err, errlen)) return -1;
    } else if (strcmp(key, "payloadSize") == 0 || strcmp(key, "payload_size") == 0) {
        long unused;
        if (influx_atoi(v, &unused, err, errlen)) return -1;
    } else if (strcmp(key, "precision") == 0) set_str(&c->precision, v);
    else if (strcmp(key, "retention") == 0) set_str(&c->retention, v);
    else if (strcmp(key, "consistency") == 0) set_str(&c->consistency, v);
    else return snprintf(err, errlen, "unknown query parameter: %s", key), -1;
    return 0;
}

static const struct {
    const char *env, *key;
} influx_envs[] = {
    {"K6_INFLUXDB_INSECURE", "insecure"},
    {"K6_INFLUXDB_PUSH_INTERVAL", "pushInterval"},
    {"K6_INFLUXDB_CONCURRENT_WRITES", "concurrentWrites"},
    {"K6_INFLUXDB_PAYLOAD_SIZE", "payloadSize"},
    {"K6_INFLUXDB_PRECISION", "precision"},
    {"K6_INFLUXDB_RETENTION", "retention"},
    {"K6_INFLUXDB_CONSISTENCY", "consistency"},
};

static int influx_from_env(influx_config *c, char *const *envp, char *err, size_t errlen) {
    const char *v;
    if ((v = pusher_env(envp, "K6_INFLUXDB_ADDR")) && *v) set_str(&c->addr, v);
    if ((v = pusher_env(envp, "K6_INFLUXDB_DB")) && *v) set_str(&c->db, v);
    if ((v = pusher_env(envp, "K6_INFLUXDB_USERNAME"))) set_str(&c->username, v);
    if ((v = pusher_env(envp, "K6_INFLUXDB_PASSWORD"))) set_str(&c->password, v);
    if ((v = pusher_env(envp, "K6_INFLUXDB_PROXY")) && *v) set_str(&c->proxy, v);
    for (size_t i = 0; i < sizeof influx_envs / sizeof *influx_envs; i++) {
        if (!(v = pusher_env(envp, influx_envs[i].env))) continue;
        char e2[256];
        if (influx_set(c, influx_envs[i].key, v, e2, sizeof e2))
            return snprintf(err, errlen, "%s: %s", influx_envs[i].env, e2), -1;
    }
    if ((v = pusher_env(envp, "K6_INFLUXDB_TAGS_AS_FIELDS")) && *v) {
        char e2[256];
        if (influx_parse_fields(c, &v, 1, true, e2, sizeof e2))
            return snprintf(err, errlen, "K6_INFLUXDB_TAGS_AS_FIELDS: %s", e2), -1;
    }
    return 0;
}

/* Decodes %XX and '+' of a query component in place. */
static void query_unescape(char *s) { s[url_unescape(s, SIZE_MAX, s, strlen(s), 1)] = 0; }

/* A malloc'd copy of s[0..n), percent-decoded ('+' as a space when plus). */
static char *influx_unescaped(const char *s, size_t n, int plus) {
    char *d = malloc(n + 1);
    if (d) d[url_unescape(d, n, s, n, plus)] = 0;
    return d;
}

static int influx_from_url(influx_config *c, const char *arg, char *err, size_t errlen) {
    const char *sep = strstr(arg, "://");
    if (!sep) return snprintf(err, errlen, "\"%s\" is not a URL (http://host:port/database)", arg), -1;
    if ((size_t)(sep - arg) == 3 && strncasecmp(arg, "udp", 3) == 0)
        return snprintf(err, errlen, "udp:// is not supported by c6, use http:// or https://"), -1;
    url_parts u;
    const char *why = url_split(arg, &u);
    if (!why && u.kind != 'h') why = "unsupported scheme"; /* ws, wss, others */
    if (why && !strcmp(why, "unsupported scheme"))
        return snprintf(err, errlen, "unsupported scheme in \"%s\" (http or https)", arg), -1;
    if (why) return snprintf(err, errlen, "bad URL \"%s\": %s", arg, why), -1;
    /* the whole path but its first '/' is the database, as k6 has it
     * ("/a/b" is the database "a/b", not a prefix and a name; k6:
     * internal/output/influxdb/config.go, ParseURL: TrimPrefix(u.Path, "/"),
     * Addr = scheme://host); the query (up to a fragment) holds settings */
    const char *path = u.rest, *q = u.rest + strcspn(u.rest, "?#");
    if (path < q && *path == '/' && path + 1 < q) {
        char *db = influx_unescaped(path + 1, (size_t)(q - path - 1), 0);
        if (!db) return err_set(err, errlen, "out of memory");
        free(c->db);
        c->db = db;
    }
    /* scheme://host[:port], without the user info */
    const char *auth = u.userinfo ? u.userinfo + u.userinfo_len + 1 : u.scheme + u.scheme_len + 3;
    size_t keep = (size_t)(path - auth);
    free(c->addr);
    if (!(c->addr = malloc(u.scheme_len + 3 + keep + 1))) return err_set(err, errlen, "out of memory");
    snprintf(c->addr, u.scheme_len + 3 + keep + 1, "%.*s://%.*s", (int)u.scheme_len, u.scheme, (int)keep, auth);
    for (char *p = c->addr; p < c->addr + u.scheme_len; p++) *p = (char)tolower((unsigned char)*p);
    if (u.userinfo) {
        const char *colon = memchr(u.userinfo, ':', u.userinfo_len);
        size_t ul = colon ? (size_t)(colon - u.userinfo) : u.userinfo_len;
        char *user = influx_unescaped(u.userinfo, ul, 0);
        char *pass = colon ? influx_unescaped(colon + 1, u.userinfo_len - ul - 1, 0) : strdup("");
        if (!user || !pass) {
            free(user);
            free(pass);
            return err_set(err, errlen, "out of memory");
        }
        free(c->username);
        free(c->password);
        c->username = user;
        c->password = pass;
    }
    if (*q != '?') return 0;
    /* query: key=value pairs; tagsAsFields may repeat, one field each */
    char *query = strndup(q + 1, strcspn(q + 1, "#"));
    if (!query) return err_set(err, errlen, "out of memory");
    int rc = 0;
    const char *tf[INFLUX_MAX_FIELDS];
    size_t ntf = 0;
    for (char *k = query, *next; *k && rc == 0; k = next) {
        next = k + strcspn(k, "&");
        if (*next) *next++ = 0;
        char *eq = strchr(k, '=');
        if (eq) *eq = 0;
        char *v = eq ? eq + 1 : k + strlen(k);
        query_unescape(k);
        query_unescape(v);
        if (!*k) continue;
        if (strcmp(k, "tagsAsFields") == 0) {
            if (ntf < INFLUX_MAX_FIELDS) tf[ntf++] = v;
        } else if (influx_set(c, k, v, err, errlen)) {
            rc = -1;
        }
    }
    if (rc == 0 && ntf && influx_parse_fields(c, tf, ntf, false, err, errlen)) rc = -1;
    free(query);
    return rc;
}

/* ns per unit of the precision InfluxDB is told about; 0 when unknown. */
static int64_t influx_precision_div(const char *p) {
    if (!p || !*p || strcmp(p, "ns") == 0 || strcmp(p, "n") == 0) return 1;
    if (strcmp(p, "u") == 0 || strcmp(p, "us") == 0 || strcmp(p, "µs") == 0) return 1000;
    if (strcmp(p, "ms") == 0) return 1000000;
    if (strcmp(p, "s") == 0) return 1000000000LL;
    if (strcmp(p, "m") == 0) return 60000000000LL;
    if (strcmp(p, "h") == 0) return 3600000000000LL;
    return 0;
}

/* The name InfluxDB's /write takes for a precision. */
static const char *influx_precision_name(int64_t div) {
    switch (div) {
    case 1000: return "u";
    case 1000000: return "ms";
    case 1000000000LL: return "s";
    case 60000000000LL: return "m";
    case 3600000000000LL: return "h";
    default: return "ns";
    }
}

/* ---- line protocol ---- */

/* Measurement names escape ',' and ' '; tag keys, tag values and field keys
 * also '='. A line break cannot appear raw in any of them. */
static void lp_escape(buf *b, const char *s, bool eq) {
    for (; *s; s++) {
        if (*s == ',' || *s == ' ' || (eq && *s == '=')) {
            char e[2] = {'\\', *s};
            buf_append(b, e, 2);
        } else if (*s == '\n') buf_append(b, "\\n", 2);
        else if (*s == '\r') buf_append(b, "\\r", 2);
        else buf_append(b, s, 1);
    }
}

/* A string field value: quoted, with '"' and '\' escaped. */
static void lp_string(buf *b, const char *s) {
    buf_append(b, "\"", 1);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') buf_append(b, "\\", 1);
        buf_append(b, s, 1);
    }
    buf_append(b, "\"", 1);
}

/* A tagsAsFields value in its type, as k6 converts it (a string when it
 * does not parse). */
static void lp_field_value(buf *b, const char *v, field_kind k) {
    char *end;
    switch (k) {
    case FK_INT: {
        errno = 0;
        long long n = strtoll(v, &end, 10);
        if (*v && !errno && !*end && !strchr(" \t\n", *v)) {
            char t[32];
            buf_append(b, t, (size_t)snprintf(t, sizeof t, "%lldi", n));
            return;
        }
        break;
    }
    case FK_FLOAT: {
        double d = strtod(v, &end);
        if (*v && !*end && isfinite(d) && !strchr(" \t\n", *v)) {
            char t[WRITER_NUM_MAX];
            buf_append(b, t, writer_fmt_go(t, d));
            return;
        }
        break;
    }
    case FK_BOOL: {
        bool x;
        if (!pusher_parse_bool(v, &x)) {
            buf_puts(b, x ? "true" : "false");
            return;
        }
        break;
    }
    case FK_STRING: break;
    }
    lp_string(b, v);
}

static int influx_field_index(const influx_output *o, const char *k) {
    for (size_t i = 0; i < o->c.nfields; i++)
        if (strcmp(o->c.fields[i], k) == 0) return (int)i;
    return -1;
}

/* A tag set's tags (",k=v,...") then, at *split, its fields (",f=1i,..."). */
static int influx_render_tags(void *ctx, const char *tags, size_t len, int aux, buf *b, size_t *split, long *id) {
    influx_output *o = ctx;
    buf fb = {0};
    const char *k, *v;
    for (size_t off = 0; (off = tagset_next(tags, len, off, &k, &v)) != 0;) {
        /* k6 writes sample.Tags only: vu and iter are metadata there, so
         * they reach InfluxDB neither as tags nor as fields, whatever
         * tagsAsFields says (its default still names them) */
        if (tag_is_metadata(k)) continue;
        int fi = influx_field_index(o, k);
        if (fi >= 0) {
            buf_append(&fb, ",", 1);
            lp_escape(&fb, k, true);
            buf_append(&fb, "=", 1);
            lp_field_value(&fb, v, o->c.kinds[fi]);
        } else if (*v) { /* the line protocol has no empty tag value */
            buf_append(b, ",", 1);
            lp_escape(b, k, true);
            buf_append(b, "=", 1);
            lp_escape(b, v, true);
        }
    }
    *split = b->len;
    int rc = buf_reserve(b, 1) || buf_reserve(&fb, 1) || buf_append(b, fb.p, fb.len) ? -1 : 0;
    buf_free(&fb);
    return rc;
}

static const char *influx_meas(influx_output *o, int id) {
    if (o->meas[id]) return o->meas[id];
    buf b = {0};
    lp_escape(&b, registry_get(id)->name, false);
    buf_reserve(&b, 1);
    if (!b.p) o->oom = true;
    return o->meas[id] = b.p;
}

/* ---- the output ---- */

/* InfluxDB 1.x answers a batch some of whose points it could not store
 * (a field type conflict, a point outside the retention policy) with 400
 * and {"error":"partial write: <why> dropped=N"}: it stored the others
 * (influxdb: tsdb.PartialWriteError, services/httpd/handler.go). */
static uint64_t influx_lost(long status, const char *reply, size_t len, uint64_t points, char *why, size_t whylen) {
    if (status >= 200 && status <= 299) return 0;
    if (status != 400 || !strstr(reply, "partial write")) return points;
    const char *d = strstr(reply, "dropped=");
    if (!d || !isdigit((unsigned char)d[8])) return points;
    errno = 0;
    unsigned long long n = strtoull(d + 8, NULL, 10);
    return errno || n > points ? points : (uint64_t)n;
}

static char *influx_write_url(const influx_config *c) {
    buf b = {0};
    char *db = curl_easy_escape(NULL, c->db, 0);
    buf_puts(&b, c->addr);
    buf_puts(&b, "/write?db=");
    buf_puts(&b, db ? db : "");
    curl_free(db);
    buf_puts(&b, "&precision=");
    buf_puts(&b, influx_precision_name(influx_precision_div(c->precision)));
    const char *extra[][2] = {{"&rp=", c->retention}, {"&consistency=", c->consistency}};
    for (int i = 0; i < 2; i++) {
        if (!extra[i][1] || !*extra[i][1]) continue;
        char *e = curl_easy_escape(NULL, extra[i][1], 0);
        buf_puts(&b, extra[i][0]);
        buf_puts(&b, e ? e : "");
        curl_free(e);
    }
    return b.p;
}

/* `CREATE DATABASE db` for /query, as a form body. The name is not quoted,
 * as k6 sends it (internal/output/influxdb/output.go, Start): a name
 * InfluxQL cannot take bare ("k6-test", "a/b") gets a parse error, which
 * k6 and c6 both take as harmless (a debug line). */
static char *influx_create_db(const influx_config *c, size_t *len) {
    buf q = {0};
    buf_puts(&q, "CREATE DATABASE ");
    buf_puts(&q, c->db);
    char *enc = q.p ? curl_easy_escape(NULL, q.p, (int)q.len) : NULL;
    buf_free(&q);
    if (!enc) return NULL;
    size_t n = strlen(enc) + 3;
    char *body = malloc(n);
    if (body) *len = (size_t)snprintf(body, n, "q=%s", enc);
    curl_free(enc);
    return body;
}

influx_output *influx_output_open(const char *arg, char *const *envp, int64_t mono0_ns, int64_t wall0_ns, char *err,
                                  size_t errlen) {
    influx_output *o = calloc(1, sizeof *o);
    if (o) o->meas = calloc(REGISTRY_MAX, sizeof *o->meas);
    if (!o || !o->meas || tagcache_init(&o->tags, INFLUX_CACHE_BITS, influx_render_tags, o)) {
        if (o) free(o->meas);
        free(o);
        return snprintf(err, errlen, "out of memory"), NULL;
    }
    influx_config *c = &o->c;
    c->addr = xstrdup("http://localhost:8086");
    c->db = xstrdup("k6");
    c->push_interval_us = C6_US_PER_SEC;
    c->concurrent_writes = 4;
    const char *defaults[] = {"vu", "iter", "url"};
    int rc = influx_parse_fields(c, defaults, 3, false, err, errlen);
    if (!rc) rc = influx_from_env(c, envp, err, errlen);
    if (!rc && arg && *arg) rc = influx_from_url(c, arg, err, errlen);
    if (!rc && c->concurrent_writes <= 0)
        rc = err_set(err, errlen, "influxdb's ConcurrentWrites must be a positive number");
    if (!rc && !(o->div_ns = influx_precision_div(c->precision)))
        rc = err_set(err, errlen, "unknown precision \"%s\" (ns, u, ms, s, m, h)", c->precision);
    if (!rc && (!c->addr || !c->db)) rc = err_set(err, errlen, "out of memory");
    char *url = rc ? NULL : influx_write_url(c);
    if (!rc && !url) rc = err_set(err, errlen, "out of memory");
    if (!rc) {
        pusher_config pc = {
            .name = "influxdb",
            .url = url,
            .content_type = "text/plain; charset=utf-8",
            .username = c->username,
            .password = c->password,
            .proxy = c->proxy,
            .insecure = c->insecure,
            .threads = (int)(c->concurrent_writes > 64 ? 64 : c->concurrent_writes),
            .budget = pusher_budget(INFLUX_BUDGET),
            .timeout_ms = 10000,
            .lost = influx_lost,
        };
        o->push = pusher_new(&pc, err, errlen);
        if (!o->push) rc = -1;
    }
    free(url);
    if (rc) {
        influx_config_free(c);
        tagcache_free(&o->tags);
        free(o->meas);
        free(o);
        return NULL;
    }
    /* failing is harmless (a user who may only write), as k6 says */
    size_t qlen = 0;
    char *q = influx_create_db(c, &qlen);
    size_t ul = strlen(c->addr) + 8;
    char *qurl = malloc(ul);
    if (q && qurl) {
        snprintf(qurl, ul, "%s/query", c->addr);
        pusher_post_quiet(o->push, qurl, "application/x-www-form-urlencoded", q, qlen);
    } else {
        free(q);
    }
    free(qurl);
    o->mono0 = mono0_ns;
    o->wall0 = wall0_ns;
    o->last_push_us = clock_now_us();
    return o;
}

static void influx_push(influx_output *o) {
    if (!o->points) return;
    char *body = o->batch.p;
    size_t len = o->batch.len;
    o->batch = (buf){0};
    pusher_post(o->push, body, len, o->points);
    o->points = 0;
}

void influx_output_sample(void *ctx, const sample *s, const char *tags, size_t tags_len) {
    influx_output *o = ctx;
    int id = s->metric;
    if (id >= registry_count()) return;
    if (!isfinite(s->value)) {
        o->skipped++;
        return;
    } /* the line protocol has no NaN */
    const char *m = influx_meas(o, id);
    const tagcache_entry *t = tagcache_get(&o->tags, tags, tags_len, 0);
    if (!t) o->oom = true;
    if (!m || !t) return;
    const char *tt = t->text ? t->text : "";
    size_t tlen = t->split, flen = t->tlen - t->split;
    char num[WRITER_NUM_MAX], ts[32];
    size_t nl = writer_fmt_go(num, s->value);
    /* the stamps are unique per buffer lane (metrics/samples.h): at the
     * default precision (ns) no two points of a series share a time */
    int64_t stamp = (o->wall0 + (s->t_ns - o->mono0)) / o->div_ns;
    size_t tl = (size_t)snprintf(ts, sizeof ts, " %lld\n", (long long)stamp);
    buf *b = &o->batch;
    if (buf_reserve(b, strlen(m) + tlen + 7 + nl + flen + tl)) {
        o->oom = true;
        return;
    }
    buf_puts(b, m);
    buf_append(b, tt, tlen);
    buf_append(b, " value=", 7);
    buf_append(b, num, nl);
    buf_append(b, tt + tlen, flen);
    buf_append(b, ts, tl);
    o->points++;
    if (b->len >= INFLUX_BATCH_MAX) influx_push(o);
}

void influx_output_describe(const influx_output *o, buf *b) {
    const char *a = o->c.addr;
    url_parts u;
    size_t n = url_split(a, &u) ? strlen(a) : (size_t)(u.rest - a); /* without the path prefix */
    buf_puts(b, "InfluxDBv1 (");
    buf_append(b, a, n);
    buf_puts(b, ")");
}

void influx_output_tick(influx_output *o) {
    int64_t now = clock_now_us();
    if (now - o->last_push_us < o->c.push_interval_us) return;
    o->last_push_us = now;
    influx_push(o);
}

void influx_output_close(influx_output *o) {
    if (!o) return;
    influx_push(o);
    pusher_stats st;
    pusher_close(o->push, &st);
    pusher_report(&st, "influxdb", "points", o->oom);
    if (o->skipped)
        log_printf(
            LOG_WARN,
            "influxdb output: %llu samples with a NaN or infinite value were left out (InfluxDB cannot store them)",
            (unsigned long long)o->skipped);
    tagcache_free(&o->tags);
    for (int i = 0; i < REGISTRY_MAX; i++) free(o->meas[i]);
    free(o->meas);
    buf_free(&o->batch);
    buf_free(&o->scratch);
    influx_config_free(&o->c);
    free(o);
}

/* ---- as an output (output/output.h) ---- */

static void influx_ops_sample(void *ctx, const sample *s, size_t n, const tagdict *tags) {
    output_each_sample(ctx, s, n, tags, influx_output_sample);
}

static void *influx_ops_open(const output_params *p, char *err, size_t errlen) {
    return influx_output_open(p->arg, p->env, p->mono0_ns, p->wall0_ns, err, errlen);
}

static void influx_ops_describe(const void *o, buf *b) { influx_output_describe(o, b); }
static void influx_ops_tick(void *o) { influx_output_tick(o); }

static int influx_ops_close(void *o, char *err, size_t errlen) {
    influx_output_close(o); /* what could not be written is a warning, not a failed run */
    return 0;
}

const output_ops influx_output_ops = {
    "influxdb", influx_ops_open, influx_ops_describe, influx_ops_sample, influx_ops_tick, influx_ops_close,
};
