/* server.c - the REST API server: k6's v1 routes on libmicrohttpd.
 *
 * What k6 does, and so what this file reproduces:
 * - documents are Go's json.Marshal of k6's JSON:API structs: fixed field
 *   order, map keys sorted (the "sample" of a metric), <, > and & escaped
 *   in strings, no trailing newline;
 * - errors are {"errors":[{"status":"400","title":...,"detail":...}]} with
 *   k6's titles ("Invalid data", "Pause error", "Not Found", ...);
 * - PATCH /v1/status reads the body as Go's json.Unmarshal into k6's
 *   StatusJSONAPI would: the same syntax errors, the same type errors
 *   ("json: cannot unmarshal string into Go value of type null.Bool"), keys
 *   matched case-insensitively, unknown keys ignored; then "stopped" ends
 *   the run and nothing else is done, else "paused" applies before the VU
 *   numbers, and the answer is the status after the change;
 * - routing is Go's ServeMux as k6 sets it up: /v1/status, /v1/metrics,
 *   /v1/metrics/..., /v1/groups, /v1/groups/... check the method (405 with
 *   no body), other /v1/ paths are "404 page not found", "/v1" redirects to
 *   "/v1/", and every other path is k6's ping handler ("ok").
 * One deliberate difference: every JSON answer says
 * "application/json; charset=utf-8"; k6 sets it on /v1/status only and
 * lets Go sniff "text/plain" for the rest.
 */
#include "api/server.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <netdb.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>
#include <openssl/evp.h>

#include "output/writer.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/gojson.h"
#include "util/grouppath.h"
#include "util/jsonstr.h"

/* A PATCH body is a few hundred bytes; this only bounds a hostile one. */
#define API_MAX_BODY  (1 << 20)
#define API_JSON_TYPE "application/json; charset=utf-8"
#define API_TEXT_TYPE "text/plain; charset=utf-8"

struct api_server {
    struct MHD_Daemon *daemon;
    const api_ops *ops;
    void *ctx;
    unsigned port;
};

/* ======================================================================
 * Reading k6's status document (a PATCH body, or the answer the client
 * commands decode), with util/gojson.c's checker and reader
 * ==================================================================== */

/* ---- decoding into k6's StatusJSONAPI ------------------------------- */

/* Go keeps the first type error and goes on decoding; an error from a
 * custom unmarshaler (null.Bool, null.Int) stops at once and wins. */
typedef struct {
    api_status_doc *out;
    char saved[320];
    char fatal[320];
} pdec;

static void pd_type(pdec *d, const char *value, const char *strct, const char *field, const char *type) {
    if (d->saved[0]) return;
    if (strct)
        snprintf(d->saved, sizeof d->saved, "json: cannot unmarshal %s into Go struct field %s.%s of type %s", value,
                 strct, field, type);
    else snprintf(d->saved, sizeof d->saved, "json: cannot unmarshal %s into Go value of type %s", value, type);
}

/* Go's strconv.ParseInt/ParseUint on a JSON number literal. */
static bool pd_int(const char *s, size_t n, bool is_unsigned, int64_t *out) {
    char tmp[32];
    if (n == 0 || n >= sizeof tmp) return false;
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    if (strpbrk(tmp, ".eE")) return false;
    errno = 0;
    if (is_unsigned) {
        if (tmp[0] == '-') return false;
        unsigned long long u = strtoull(tmp, NULL, 10);
        if (errno || u > UINT32_MAX) return false;
        *out = (int64_t)u;
    } else {
        long long v = strtoll(tmp, NULL, 10);
        if (errno) return false;
        *out = v;
    }
    return true;
}

/* k6's fields are ASCII; Go matches them case-insensitively. */
static bool pd_is(const char *key, const char *name) { return strcasecmp(key, name) == 0; }

/* A plain bool field (stopped, running, tainted) of v1.Status. */
static void pd_bool(pdec *d, gojson_rd *j, const char *field, bool *out) {
    const char *kind = gojson_kind(j);
    if (*j->p == 't' || *j->p == 'f') {
        if (out) *out = *j->p == 't';
    } else if (*j->p != 'n') {
        char path[64];
        snprintf(path, sizeof path, "data.attributes.%s", field);
        pd_type(d, kind, "Status", path, "bool");
    }
    gojson_skip(j);
}

/* The object form null.Bool and null.Int also accept (Go decodes it into
 * their embedded sql.NullBool / sql.NullInt64): {"Bool": true},
 * {"Int64": 5}. The value is valid when that decode succeeds, whatever
 * "Valid" says. Returns validity; a type error inside is fatal, with the
 * field path Go's error context gives it. */
static bool pd_sql_object(pdec *d, gojson_rd *j, const char *field, bool is_int, int64_t *out) {
    const char *value_field = is_int ? "Int64" : "Bool";
    char key[32], err[320] = "";
    while (gojson_next_key(j, key, sizeof key)) {
        bool is_value = pd_is(key, value_field);
        if (!is_value && !pd_is(key, "Valid")) {
            gojson_skip(j);
            continue;
        }
        const char *kind = gojson_kind(j), *tok;
        size_t n = gojson_token(j, &tok);
        bool want_int = is_value && is_int;
        char value[64];
        if (*tok == 'n' || err[0]) continue;
        if (!want_int && (*tok == 't' || *tok == 'f')) {
            if (is_value) *out = *tok == 't';
            continue;
        }
        if (want_int && strcmp(kind, "number") == 0) {
            if (pd_int(tok, n, false, out)) continue;
            snprintf(value, sizeof value, "number %.*s", (int)n, tok);
        } else {
            snprintf(value, sizeof value, "%s", kind);
        }
        snprintf(err, sizeof err,
                 "json: cannot unmarshal %s into Go struct field Status.data.attributes.%s.%s "
                 "of type %s",
                 value, field, is_value ? value_field : "Valid", want_int ? "int64" : "bool");
    }
    if (err[0]) memcpy(d->fatal, err, sizeof err);
    return !err[0];
}

/* gopkg.in/guregu/null.v3 Bool.UnmarshalJSON */
static void pd_null_bool(pdec *d, gojson_rd *j, bool *set, bool *out) {
    char c = gojson_peek(j);
    if (c == '{') {
        int64_t v = 0;
        *set = pd_sql_object(d, j, "paused", false, &v);
        *out = v != 0;
        return;
    }
    if (c == 't' || c == 'f') {
        *set = true;
        *out = c == 't';
    } else if (c == 'n') {
        *set = false;
    } else { /* Go names the dynamic type: string, float64, or "" for a slice */
        snprintf(d->fatal, sizeof d->fatal, "json: cannot unmarshal %s into Go value of type null.Bool",
                 c == '"'   ? "string"
                 : c == '[' ? ""
                            : "float64");
    }
    gojson_skip(j);
}

/* gopkg.in/guregu/null.v3 Int.UnmarshalJSON */
static void pd_null_int(pdec *d, gojson_rd *j, const char *field, bool *set, int64_t *out) {
    char c = gojson_peek(j);
    if (c == 'n') {
        *set = false;
    } else if (c == '{') {
        *set = pd_sql_object(d, j, field, true, out);
        return;
    } else if (c == '"' || c == '[' || c == 't' || c == 'f') {
        snprintf(d->fatal, sizeof d->fatal, "json: cannot unmarshal %s into Go value of type null.Int",
                 c == '"'   ? "string"
                 : c == '[' ? ""
                            : "bool");
    } else {
        const char *tok;
        size_t n = gojson_token(j, &tok);
        *set = pd_int(tok, n, false, out);
        if (!*set)
            snprintf(d->fatal, sizeof d->fatal,
                     "json: cannot unmarshal number %.*s into Go struct field "
                     "Status.data.attributes.%s of type int64",
                     (int)n, tok, field);
        return;
    }
    gojson_skip(j);
}

static void pd_attributes(pdec *d, gojson_rd *j) {
    char key[32];
    api_status_doc *p = d->out;
    while (!d->fatal[0] && gojson_next_key(j, key, sizeof key)) {
        if (pd_is(key, "paused")) {
            pd_null_bool(d, j, &p->paused_set, &p->paused);
        } else if (pd_is(key, "vus")) {
            pd_null_int(d, j, "vus", &p->vus_set, &p->vus);
        } else if (pd_is(key, "vus-max")) {
            pd_null_int(d, j, "vus-max", &p->vus_max_set, &p->vus_max);
        } else if (pd_is(key, "stopped")) {
            pd_bool(d, j, "stopped", &p->stopped);
        } else if (pd_is(key, "running")) {
            pd_bool(d, j, "running", &p->running);
        } else if (pd_is(key, "tainted")) {
            pd_bool(d, j, "tainted", &p->tainted);
        } else if (pd_is(key, "status")) {
            const char *kind = gojson_kind(j), *tok;
            size_t n = gojson_token(j, &tok);
            int64_t v;
            if (*tok == 'n') continue;
            if (strcmp(kind, "number") == 0 && pd_int(tok, n, true, &v)) {
                p->status = (uint32_t)v;
                continue;
            }
            char value[48];
            if (strcmp(kind, "number") == 0) snprintf(value, sizeof value, "number %.*s", (int)n, tok);
            else snprintf(value, sizeof value, "%s", kind);
            pd_type(d, value, "Status", "data.attributes.status", "lib.ExecutionStatus");
        } else {
            gojson_skip(j);
        }
    }
}

static void pd_data(pdec *d, gojson_rd *j) {
    char key[32];
    while (!d->fatal[0] && gojson_next_key(j, key, sizeof key)) {
        const char *kind = gojson_kind(j);
        bool is_attr = pd_is(key, "attributes");
        if (is_attr && *j->p == '{') {
            pd_attributes(d, j);
            continue;
        }
        if ((is_attr || pd_is(key, "type") || pd_is(key, "id")) && *j->p != 'n' && (is_attr || *j->p != '"')) {
            char path[32];
            snprintf(path, sizeof path, "data.%s", is_attr ? "attributes" : pd_is(key, "type") ? "type" : "id");
            pd_type(d, kind, "statusData", path, is_attr ? "v1.Status" : "string");
        }
        gojson_skip(j);
    }
}

int api_status_decode(const char *body, size_t n, api_status_doc *out, char *err, size_t errlen) {
    memset(out, 0, sizeof *out);
    if (gojson_check(body, n, err, errlen, NULL)) return -1;
    pdec d = {.out = out};
    gojson_rd j = {body, body + n};
    char key[32];
    const char *kind = gojson_kind(&j);
    if (*j.p == '{') {
        while (!d.fatal[0] && gojson_next_key(&j, key, sizeof key)) {
            kind = gojson_kind(&j);
            if (pd_is(key, "data") && *j.p == '{') {
                pd_data(&d, &j);
                continue;
            }
            if (pd_is(key, "data") && *j.p != 'n') pd_type(&d, kind, "StatusJSONAPI", "data", "v1.statusData");
            gojson_skip(&j);
        }
    } else if (*j.p != 'n') {
        pd_type(&d, kind, NULL, NULL, "v1.StatusJSONAPI");
    }
    const char *msg = d.fatal[0] ? d.fatal : d.saved;
    if (!msg[0]) return 0;
    return err_set(err, errlen, "%s", msg);
}

/* ======================================================================
 * Writing documents
 * ==================================================================== */

/* A JSON writer: a docbuf (running out of memory is remembered, the
 * handler checks once) and the first value JSON cannot carry. */
typedef struct {
    docbuf d;
    double bad; /* first NaN/Inf met, for k6's "Encoding error" */
    bool has_bad;
} jw;

static void jw_raw(jw *w, const char *s) { doc_puts(&w->d, s); }

static void jw_printf(jw *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void jw_printf(jw *w, const char *fmt, ...) {
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof tmp) w->d.oom = 1;
    else doc_put(&w->d, tmp, (size_t)n);
}

/* Go's json.Marshal of a string: HTML-safe escaping. */
static void jw_str(jw *w, const char *s) { doc_json(&w->d, s, strlen(s), JSON_ESC_EASYJSON); }

/* Go's encoding of a float64: shortest digits, plain from 1e-6 to 1e21
 * (the same text as ECMAScript's except for -0). */
static void jw_num(jw *w, double v) {
    char num[WRITER_NUM_MAX];
    if (!isfinite(v)) {
        if (!w->has_bad) {
            w->bad = v;
            w->has_bad = true;
        }
        jw_raw(w, "null");
        return;
    }
    writer_fmt_gojson(num, v);
    jw_raw(w, num);
}

/* "k":v pairs of a metric's sample, in Go's sorted key order. */
static void jw_sample(jw *w, const api_metric *m) {
    static const char *keys[][6] = {
        [API_COUNTER] = {"count", "rate"},
        [API_GAUGE] = {"value"},
        [API_TREND] = {"avg", "max", "med", "min", "p(90)", "p(95)"},
        [API_RATE] = {"rate"},
    };
    double v[6];
    size_t n = 1;
    switch (m->type) {
    case API_COUNTER:
        v[0] = m->sample.counter.count;
        v[1] = m->sample.counter.rate;
        n = 2;
        break;
    case API_GAUGE: v[0] = m->sample.gauge.value; break;
    case API_RATE: v[0] = m->sample.rate.rate; break;
    case API_TREND:
        v[0] = m->sample.trend.avg;
        v[1] = m->sample.trend.max;
        v[2] = m->sample.trend.med;
        v[3] = m->sample.trend.min;
        v[4] = m->sample.trend.p90;
        v[5] = m->sample.trend.p95;
        n = 6;
        break;
    }
    jw_raw(w, "{");
    for (size_t i = 0; i < n; i++) {
        jw_printf(w, "%s\"%s\":", i ? "," : "", keys[m->type][i]);
        jw_num(w, v[i]);
    }
    jw_raw(w, "}");
}

static void jw_metric(jw *w, const api_metric *m) {
    static const char *types[] = {"counter", "gauge", "trend", "rate"};
    static const char *contains[] = {"default", "time", "data"};
    jw_raw(w, "{\"type\":\"metrics\",\"id\":");
    jw_str(w, m->name);
    jw_printf(w, ",\"attributes\":{\"type\":\"%s\",\"contains\":\"%s\",\"tainted\":%s,\"sample\":", types[m->type],
              contains[m->contains],
              m->tainted < 0 ? "null"
              : m->tainted   ? "true"
                             : "false");
    jw_sample(w, m);
    jw_raw(w, "}}");
}

static void jw_status(jw *w, const api_status *st) {
    jw_printf(w,
              "{\"data\":{\"type\":\"status\",\"id\":\"default\",\"attributes\":{\"status\":%u,"
              "\"paused\":%s,\"vus\":%lld,\"vus-max\":%lld,\"stopped\":%s,\"running\":%s,"
              "\"tainted\":%s}}}",
              (unsigned)st->status, st->paused ? "true" : "false", (long long)st->vus, (long long)st->vus_max,
              st->stopped ? "true" : "false", st->running ? "true" : "false", st->tainted ? "true" : "false");
}

static void jw_error(jw *w, unsigned code, const char *title, const char *detail) {
    jw_printf(w, "{\"errors\":[{\"status\":\"%u\",\"title\":", code);
    jw_str(w, title);
    jw_raw(w, ",\"detail\":");
    jw_str(w, detail);
    jw_raw(w, "}]}");
}

/* ---- groups ---------------------------------------------------------- */

/* k6's group and check id: the md5 of the path, in hex. */
static void api_md5_hex(const char *s, char out[33]) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned len = 0;
    EVP_Digest(s, strlen(s), md, &len, EVP_md5(), NULL);
    for (unsigned i = 0; i < 16; i++) sprintf(out + 2 * i, "%02x", md[i]);
}

/* A group as emitted, copied: the emit callback's pointers die with it. */
typedef struct {
    char *path;
    char id[33];
    api_check *checks;
    size_t nchecks;
} api_grp;

typedef struct {
    api_grp *g;
    size_t n;
    bool oom;
} api_grps;

static char *api_strdup(const char *s, bool *oom) {
    char *r = strdup(s);
    if (!r) *oom = true;
    return r;
}

static void api_group_collect(void *arg, const api_group *in) {
    api_grps *gs = arg;
    api_grp *ng = realloc(gs->g, (gs->n + 1) * sizeof *ng);
    if (!ng) {
        gs->oom = true;
        return;
    }
    gs->g = ng;
    api_grp *g = &gs->g[gs->n++];
    memset(g, 0, sizeof *g);
    g->path = api_strdup(in->path, &gs->oom);
    api_md5_hex(in->path, g->id);
    if (in->nchecks && !(g->checks = calloc(in->nchecks, sizeof *g->checks))) {
        gs->oom = true;
        return;
    }
    for (size_t i = 0; i < in->nchecks; i++) {
        g->checks[i] = in->checks[i];
        g->checks[i].name = api_strdup(in->checks[i].name, &gs->oom);
        g->nchecks++;
    }
}

static void api_grps_free(api_grps *gs) {
    for (size_t i = 0; i < gs->n; i++) {
        for (size_t k = 0; k < gs->g[i].nchecks; k++) free((char *)gs->g[i].checks[k].name);
        free(gs->g[i].checks);
        free(gs->g[i].path);
    }
    free(gs->g);
}

static bool api_grps_has(void *ctx, const char *path, size_t n) {
    const api_grps *gs = ctx;
    for (size_t i = 0; i < gs->n; i++)
        if (strlen(gs->g[i].path) == n && memcmp(gs->g[i].path, path, n) == 0) return true;
    return false;
}

/* Length of the parent's path ("::a::b" -> 3), -1 for the root: cut where
 * k6 joined the names, among the groups listed (util/grouppath.h). */
static ssize_t api_parent_len(const api_grps *gs, const char *path) {
    return group_path_parent(path, api_grps_has, (void *)gs);
}

static void jw_group(jw *w, const api_grps *gs, const api_grp *g) {
    ssize_t plen = api_parent_len(gs, g->path);
    jw_printf(w, "{\"type\":\"groups\",\"id\":\"%s\",\"attributes\":{\"path\":", g->id);
    jw_str(w, g->path);
    jw_raw(w, ",\"name\":");
    jw_str(w, plen < 0 ? "" : g->path + plen + 2);
    jw_raw(w, ",\"checks\":");
    if (!g->nchecks) jw_raw(w, "null"); /* Go: a nil slice */
    for (size_t i = 0; i < g->nchecks; i++) {
        const api_check *c = &g->checks[i];
        size_t len = strlen(g->path) + 2 + strlen(c->name) + 1;
        char *cpath = malloc(len), id[33];
        if (!cpath) {
            w->d.oom = 1;
            return;
        }
        snprintf(cpath, len, "%s::%s", g->path, c->name);
        api_md5_hex(cpath, id);
        jw_printf(w, "%s{\"id\":\"%s\",\"path\":", i ? "," : "[", id);
        jw_str(w, cpath);
        jw_raw(w, ",\"name\":");
        jw_str(w, c->name);
        jw_printf(w, ",\"passes\":%lld,\"fails\":%lld}", (long long)c->passes, (long long)c->fails);
        free(cpath);
    }
    if (g->nchecks) jw_raw(w, "]");
    jw_raw(w, "},\"relationships\":{\"groups\":{\"data\":[");
    bool first = true;
    for (size_t i = 0; i < gs->n; i++) {
        const char *cp = gs->g[i].path;
        if (api_parent_len(gs, cp) != (ssize_t)strlen(g->path) || strncmp(cp, g->path, strlen(g->path))) continue;
        jw_printf(w, "%s{\"type\":\"groups\",\"id\":\"%s\"}", first ? "" : ",", gs->g[i].id);
        first = false;
    }
    jw_raw(w, "]},\"parent\":{\"data\":");
    if (plen < 0) {
        jw_raw(w, "null");
    } else {
        char *pp = strndup(g->path, (size_t)plen), id[33];
        if (!pp) {
            w->d.oom = 1;
            return;
        }
        api_md5_hex(pp, id);
        free(pp);
        jw_printf(w, "{\"type\":\"groups\",\"id\":\"%s\"}", id);
    }
    jw_raw(w, "}}}");
}

/* ======================================================================
 * HTTP
 * ==================================================================== */

typedef struct {
    buf body;
    bool too_big;
} api_req;

static enum MHD_Result api_send(struct MHD_Connection *c, unsigned code, const char *type, const char *body,
                                size_t len) {
    struct MHD_Response *r = MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
    if (!r) return MHD_NO;
    if (type) MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    if (code == MHD_HTTP_NOT_FOUND && type && strcmp(type, API_TEXT_TYPE) == 0)
        MHD_add_response_header(r, "X-Content-Type-Options", "nosniff"); /* Go's http.Error */
    enum MHD_Result ret = MHD_queue_response(c, code, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result api_send_jw(struct MHD_Connection *c, unsigned code, jw *w) {
    enum MHD_Result ret;
    if (w->d.oom) {
        ret = api_send(c, MHD_HTTP_INTERNAL_SERVER_ERROR, API_TEXT_TYPE, "out of memory", 13);
    } else if (w->has_bad) {
        char detail[64];
        snprintf(detail, sizeof detail, "json: unsupported value: %s",
                 isnan(w->bad) ? "NaN"
                 : w->bad > 0  ? "+Inf"
                               : "-Inf");
        jw e = {0};
        jw_error(&e, 500, "Encoding error", detail);
        ret = api_send_jw(c, MHD_HTTP_INTERNAL_SERVER_ERROR, &e);
    } else {
        ret = api_send(c, code, API_JSON_TYPE, w->d.b.p ? w->d.b.p : "", w->d.b.len);
    }
    doc_free(&w->d);
    return ret;
}

static enum MHD_Result api_send_error(struct MHD_Connection *c, unsigned code, const char *title, const char *detail) {
    jw w = {0};
    jw_error(&w, code, title, detail);
    return api_send_jw(c, code, &w);
}

static enum MHD_Result api_get_status(api_server *s, struct MHD_Connection *c) {
    api_status st = {0};
    jw w = {0};
    s->ops->status(s->ctx, &st);
    jw_status(&w, &st);
    return api_send_jw(c, MHD_HTTP_OK, &w);
}

static enum MHD_Result api_patch_status(api_server *s, struct MHD_Connection *c, api_req *r) {
    char err[512];
    api_status_doc p;
    if (r->too_big) return api_send_error(c, 400, "Couldn't read request", "http: request body too large");
    if (api_status_decode(r->body.p ? r->body.p : "", r->body.len, &p, err, sizeof err))
        return api_send_error(c, 400, "Invalid data", err);
    if (p.stopped) {
        s->ops->stop(s->ctx);
    } else {
        err[0] = '\0';
        if (p.paused_set && s->ops->set_paused(s->ctx, p.paused, err, sizeof err))
            return api_send_error(c, 500, "Pause error", err);
        if (p.vus_set || p.vus_max_set) {
            switch (
                s->ops->scale(s->ctx, p.vus_set ? &p.vus : NULL, p.vus_max_set ? &p.vus_max : NULL, err, sizeof err)) {
            case API_SCALE_OK: break;
            case API_SCALE_NO_EXECUTOR:
                return api_send_error(c, 500, "Execution config error",
                                      "an externally-controlled executor needs to be configured "
                                      "for live configuration updates");
            case API_SCALE_REJECTED: return api_send_error(c, 400, "Config update error", err);
            }
        }
    }
    return api_get_status(s, c);
}

typedef struct {
    jw *w;
    size_t n;
    bool one; /* /v1/metrics/{id}: keep only the first */
} api_mlist;

static void api_metric_collect(void *arg, const api_metric *m) {
    api_mlist *l = arg;
    if (l->one && l->n) return;
    if (l->n++) jw_raw(l->w, ",");
    jw_metric(l->w, m);
}

static enum MHD_Result api_get_metrics(api_server *s, struct MHD_Connection *c, const char *name) {
    jw w = {0};
    api_mlist l = {&w, 0, name != NULL};
    jw_raw(&w, name ? "{\"data\":" : "{\"data\":[");
    s->ops->metrics(s->ctx, name, api_metric_collect, &l);
    if (name && !l.n) {
        doc_free(&w.d);
        return api_send_error(c, 404, "Not Found", "No metric with that ID was found");
    }
    jw_raw(&w, name ? "}" : "]}");
    return api_send_jw(c, MHD_HTTP_OK, &w);
}

static enum MHD_Result api_get_groups(api_server *s, struct MHD_Connection *c, const char *id) {
    api_grps gs = {0};
    jw w = {0};
    enum MHD_Result ret;
    s->ops->groups(s->ctx, api_group_collect, &gs);
    if (gs.oom) {
        api_grps_free(&gs);
        return api_send(c, MHD_HTTP_INTERNAL_SERVER_ERROR, API_TEXT_TYPE, "out of memory", 13);
    }
    if (id) {
        size_t i = 0;
        while (i < gs.n && strcmp(gs.g[i].id, id) != 0) i++;
        if (i == gs.n) {
            api_grps_free(&gs);
            return api_send_error(c, 404, "Not Found", "No group with that ID was found");
        }
        jw_raw(&w, "{\"data\":");
        jw_group(&w, &gs, &gs.g[i]);
        jw_raw(&w, "}");
    } else {
        jw_raw(&w, "{\"data\":[");
        for (size_t i = 0; i < gs.n; i++) {
            if (i) jw_raw(&w, ",");
            jw_group(&w, &gs, &gs.g[i]);
        }
        jw_raw(&w, "]}");
    }
    ret = api_send_jw(c, MHD_HTTP_OK, &w);
    api_grps_free(&gs);
    return ret;
}

static enum MHD_Result api_method_not_allowed(struct MHD_Connection *c) {
    return api_send(c, MHD_HTTP_METHOD_NOT_ALLOWED, NULL, "", 0);
}

/* ---- setup data ------------------------------------------------------ */

/* Go's json.Marshal of a json.RawMessage: the (valid) text compacted, with
 * <, >, & and U+2028/9 in strings escaped as \uXXXX. */
static void jw_raw_json(jw *w, const char *s, size_t n) {
    bool in_str = false;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (!in_str) {
            if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r') continue;
            if (ch == '"') in_str = true;
            doc_putc(&w->d, (char)ch);
            continue;
        }
        if (ch == '\\' && i + 1 < n) { /* an escape is kept as written */
            doc_put(&w->d, s + i, 2);
            i++;
        } else if (ch == '"') {
            in_str = false;
            doc_putc(&w->d, '"');
        } else if (ch == '<' || ch == '>' || ch == '&') {
            jw_printf(w, "\\u00%02x", ch);
        } else if (ch == 0xE2 && i + 2 < n && (unsigned char)s[i + 1] == 0x80 &&
                   ((unsigned char)s[i + 2] == 0xA8 || (unsigned char)s[i + 2] == 0xA9)) {
            jw_printf(w, "\\u202%c", (unsigned char)s[i + 2] == 0xA8 ? '8' : '9');
            i += 2;
        } else {
            doc_putc(&w->d, (char)ch);
        }
    }
}

/* k6's answer with the setup data (api/v1/setup_teardown_routes.go): its
 * own Content-Type, and "attributes":{} when there is no data (the
 * omitempty field of NullSetupData). */
static enum MHD_Result api_send_setup(struct MHD_Connection *c, char *data) {
    jw w = {0};
    jw_raw(&w, "{\"data\":{\"type\":\"setupData\",\"id\":\"default\",\"attributes\":{");
    if (data) {
        jw_raw(&w, "\"data\":");
        jw_raw_json(&w, data, strlen(data));
    }
    jw_raw(&w, "}}}");
    free(data);
    enum MHD_Result ret;
    if (w.d.oom) ret = api_send(c, MHD_HTTP_INTERNAL_SERVER_ERROR, API_TEXT_TYPE, "out of memory", 13);
    else ret = api_send(c, MHD_HTTP_OK, "application/json", w.d.b.p, w.d.b.len);
    doc_free(&w.d);
    return ret;
}

static enum MHD_Result api_setup(api_server *s, struct MHD_Connection *c, const char *method, api_req *r) {
    char err[1024];
    if (strcmp(method, MHD_HTTP_METHOD_GET) == 0) return api_send_setup(c, s->ops->setup_data(s->ctx));
    if (strcmp(method, MHD_HTTP_METHOD_POST) == 0) {
        if (s->ops->run_setup(s->ctx, err, sizeof err)) return api_send_error(c, 500, "Error executing setup", err);
        return api_send_setup(c, s->ops->setup_data(s->ctx));
    }
    if (strcmp(method, MHD_HTTP_METHOD_PUT) != 0) return api_method_not_allowed(c);
    if (r->too_big) return api_send_error(c, 400, "Error reading request body", "http: request body too large");
    char *data = NULL;
    if (r->body.len) { /* json.Unmarshal into an interface{}: only its syntax errors */
        if (gojson_check(r->body.p, r->body.len, err, sizeof err, NULL))
            return api_send_error(c, 400, "Error parsing request body", err);
        if (!(data = strdup(r->body.p)))
            return api_send(c, MHD_HTTP_INTERNAL_SERVER_ERROR, API_TEXT_TYPE, "out of memory", 13);
    }
    s->ops->set_setup_data(s->ctx, data);
    return api_send_setup(c, s->ops->setup_data(s->ctx));
}

static enum MHD_Result api_teardown(api_server *s, struct MHD_Connection *c, const char *method) {
    char err[1024];
    if (strcmp(method, MHD_HTTP_METHOD_POST) != 0) return api_method_not_allowed(c);
    if (s->ops->run_teardown(s->ctx, err, sizeof err)) return api_send_error(c, 500, "Error executing teardown", err);
    return api_send(c, MHD_HTTP_OK, NULL, "", 0); /* k6 writes nothing */
}

/* A GET-only collection at base, with items under base + "/". */
static enum MHD_Result api_collection(api_server *s, struct MHD_Connection *c, const char *url, const char *method,
                                      const char *base, bool metrics) {
    size_t n = strlen(base);
    const char *id = url[n] == '/' ? url + n + 1 : NULL;
    if (strcmp(method, MHD_HTTP_METHOD_GET) != 0) return api_method_not_allowed(c);
    return metrics ? api_get_metrics(s, c, id) : api_get_groups(s, c, id);
}

static bool api_under(const char *url, const char *base) {
    size_t n = strlen(base);
    return strncmp(url, base, n) == 0 && (url[n] == '\0' || url[n] == '/');
}

static enum MHD_Result api_route(api_server *s, struct MHD_Connection *c, const char *url, const char *method,
                                 api_req *r) {
    if (strcmp(url, "/v1/status") == 0) {
        if (strcmp(method, MHD_HTTP_METHOD_GET) == 0) return api_get_status(s, c);
        if (strcmp(method, MHD_HTTP_METHOD_PATCH) == 0) return api_patch_status(s, c, r);
        return api_method_not_allowed(c);
    }
    if (strcmp(url, "/v1/setup") == 0) return api_setup(s, c, method, r);
    if (strcmp(url, "/v1/teardown") == 0) return api_teardown(s, c, method);
    if (api_under(url, "/v1/metrics")) return api_collection(s, c, url, method, "/v1/metrics", true);
    if (api_under(url, "/v1/groups")) return api_collection(s, c, url, method, "/v1/groups", false);
    if (strncmp(url, "/v1/", 4) == 0) {
        static const char nf[] = "404 page not found\n";
        return api_send(c, MHD_HTTP_NOT_FOUND, API_TEXT_TYPE, nf, sizeof nf - 1);
    }
    if (strcmp(url, "/v1") == 0) { /* ServeMux: "/v1/" is a subtree */
        static const char moved[] = "<a href=\"/v1/\">Moved Permanently</a>.\n\n";
        bool body = !strcmp(method, MHD_HTTP_METHOD_GET) || !strcmp(method, MHD_HTTP_METHOD_HEAD);
        struct MHD_Response *resp =
            MHD_create_response_from_buffer(body ? sizeof moved - 1 : 0, (void *)moved, MHD_RESPMEM_PERSISTENT);
        if (!resp) return MHD_NO;
        MHD_add_response_header(resp, MHD_HTTP_HEADER_LOCATION, "/v1/");
        if (body) MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/html; charset=utf-8");
        enum MHD_Result ret = MHD_queue_response(c, MHD_HTTP_MOVED_PERMANENTLY, resp);
        MHD_destroy_response(resp);
        return ret;
    }
    return api_send(c, MHD_HTTP_OK, API_TEXT_TYPE, "ok", 2); /* k6's ping handler */
}

static enum MHD_Result api_access(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                  const char *version, const char *upload, size_t *upload_size, void **req_cls) {
    api_req *r = *req_cls;
    (void)version;
    if (!r) { /* headers are in; the body (if any) comes in later calls */
        if (!(r = calloc(1, sizeof *r))) return MHD_NO;
        *req_cls = r;
        return MHD_YES;
    }
    if (*upload_size) {
        if (!r->too_big && (r->body.len + *upload_size > API_MAX_BODY || buf_append(&r->body, upload, *upload_size)))
            r->too_big = true;
        *upload_size = 0;
        return MHD_YES;
    }
    return api_route(cls, c, url, method, r);
}

static void api_completed(void *cls, struct MHD_Connection *c, void **req_cls, enum MHD_RequestTerminationCode toe) {
    api_req *r = *req_cls;
    (void)cls, (void)c, (void)toe;
    if (!r) return;
    buf_free(&r->body);
    free(r);
    *req_cls = NULL;
}

/* ======================================================================
 * Listening
 * ==================================================================== */

/* Go's net.SplitHostPort, with its error wording. */
static int api_split(const char *addr, char *host, size_t hostlen, const char **port, char *err, size_t errlen) {
    const char *colon = strrchr(addr, ':'), *h = addr, *hend;
    if (!colon) return err_set(err, errlen, "listen tcp: address %s: missing port in address", addr);
    hend = colon;
    if (addr[0] == '[') {
        const char *close = strchr(addr, ']');
        if (!close) return err_set(err, errlen, "listen tcp: address %s: missing ']' in address", addr);
        if (close + 1 != colon)
            return err_set(err, errlen, "listen tcp: address %s: %s", addr,
                           close[1] ? "too many colons in address" : "missing port in address");
        h = addr + 1;
        hend = close;
    } else if (memchr(addr, ':', (size_t)(colon - addr))) {
        return err_set(err, errlen, "listen tcp: address %s: too many colons in address", addr);
    }
    if ((size_t)(hend - h) >= hostlen)
        return err_set(err, errlen, "listen tcp: lookup %.*s: no such host", (int)(hend - h), h);
    memcpy(host, h, (size_t)(hend - h));
    host[hend - h] = '\0';
    *port = colon + 1;
    return 0;
}

static void api_fmt_addr(const struct sockaddr *sa, bool wildcard, char *out, size_t n) {
    char ip[INET6_ADDRSTRLEN] = "";
    unsigned port;
    if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *s6 = (const void *)sa;
        inet_ntop(AF_INET6, &s6->sin6_addr, ip, sizeof ip);
        port = ntohs(s6->sin6_port);
        if (!wildcard) {
            snprintf(out, n, "[%s]:%u", ip, port);
            return;
        }
    } else {
        const struct sockaddr_in *s4 = (const void *)sa;
        inet_ntop(AF_INET, &s4->sin_addr, ip, sizeof ip);
        port = ntohs(s4->sin_port);
    }
    snprintf(out, n, "%s:%u", wildcard ? "" : ip, port);
}

/* The address to listen on among getaddrinfo's answers, as Go picks it:
 * for a host name its first IPv4 address (else its first); for the
 * wildcard the IPv6 one, made dual-stack, unless this host has no IPv6. */
static int api_socket(const struct addrinfo *res, bool wildcard, const struct addrinfo **pick) {
    for (int pass = 0; pass < 2; pass++) {
        int want = (pass == 0) == wildcard ? AF_INET6 : AF_INET;
        for (const struct addrinfo *ai = res; ai; ai = ai->ai_next) {
            if (ai->ai_family != want) continue;
            int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
            if (fd < 0 && errno == EAFNOSUPPORT) break;
            *pick = ai;
            return fd;
        }
    }
    *pick = res;
    return socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
}

/* Binds and listens as Go's net.Listen("tcp", address) does; errors in
 * Go's words: "listen tcp 127.0.0.1:6565: bind: address already in use". */
int api_listen_tcp(const char *address, char *err, size_t errlen) {
    char host[256], where[INET6_ADDRSTRLEN + 16];
    const char *port = NULL, *op = "socket";
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE}, *res;
    const struct addrinfo *pick;
    if (api_split(address, host, sizeof host, &port, err, errlen)) return -1;
    char *end;
    long pn = strtol(port, &end, 10);
    if (*port && !*end && (pn < 0 || pn > 65535))
        return err_set(err, errlen, "listen tcp: address %s: invalid port", port);
    int rc = getaddrinfo(host[0] ? host : NULL, *port ? port : "0", &hints, &res);
    if (rc == EAI_SERVICE) return err_set(err, errlen, "listen tcp: lookup tcp/%s: unknown port", port);
    if (rc != 0) return err_set(err, errlen, "listen tcp: lookup %s: no such host", host);
    int fd = api_socket(res, !host[0], &pick), one = 1, zero = 0;
    api_fmt_addr(pick->ai_addr, !host[0], where, sizeof where);
    if (fd >= 0) {
        /* Go sets SO_REUSEADDR on listeners: a restart is not blocked by
         * TIME_WAIT connections of the previous run. */
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        if (pick->ai_family == AF_INET6 && !host[0]) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
        op = "bind";
        if (bind(fd, pick->ai_addr, pick->ai_addrlen) == 0) {
            op = "listen";
            if (listen(fd, SOMAXCONN) == 0) {
                freeaddrinfo(res);
                return fd;
            }
        }
    }
    int e = errno;
    if (fd >= 0) close(fd);
    freeaddrinfo(res);
    char msg[128];
    return err_set(err, errlen, "listen tcp %s: %s: %s", where, op, err_go_errno(e, msg, sizeof msg));
}

api_server *api_server_start(const char *address, const api_ops *ops, void *ctx, char *err, size_t errlen) {
    int fd = api_listen_tcp(address, err, errlen);
    if (fd < 0) return NULL;
    api_server *s = calloc(1, sizeof *s);
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    if (!s || getsockname(fd, (struct sockaddr *)&ss, &sl) != 0) {
        err_set(err, errlen, "listen tcp %s: %s", address, strerror(s ? errno : ENOMEM));
        close(fd);
        free(s);
        return NULL;
    }
    s->ops = ops;
    s->ctx = ctx;
    s->port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                             : ((struct sockaddr_in *)&ss)->sin_port);
    s->daemon = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO, 0, NULL, NULL, api_access, s,
                                 MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd, MHD_OPTION_NOTIFY_COMPLETED, api_completed,
                                 s, MHD_OPTION_END);
    if (!s->daemon) {
        err_set(err, errlen, "listen tcp %s: cannot start the HTTP server", address);
        close(fd);
        free(s);
        return NULL;
    }
    return s;
}

unsigned api_server_port(const api_server *s) { return s->port; }

void api_server_stop(api_server *s) {
    if (!s) return;
    MHD_stop_daemon(s->daemon); /* joins the thread, closes the socket */
    free(s);
}
