/* convert.c - `c6 convert`: a HAR 1.2 recording as a k6 script.
 *
 * The recording is read as data only: every string from it reaches the
 * script as a JSON string literal (json_string, which also escapes U+2028
 * and U+2029, JavaScript's line terminators), a JSON body is re-printed from
 * its parsed tree, numbers are printed from their values; nothing of the
 * HAR is ever pasted into the script as code, and nothing is run.
 *
 * What the script does (README "Converting recordings"):
 *   - one group per page (log.pages, in the order they started; named by
 *     their title, else id), holding the entries whose pageref names it, in
 *     the order they started; entries of no known page come last, in no group;
 *   - requests the browser sent in parallel (each started while an earlier
 *     one of the batch was in flight, and less than --batch-threshold ms,
 *     default 500, after the previous one) go into one http.batch
 *     (--no-batch: one request at a time);
 *   - entries of other schemes than http and https (data:, blob:, ws:)
 *     are left out;
 *   - think time: between two steps (a request or a batch), the idle time
 *     of the recording (the next start minus the latest end of the step
 *     before, end = startedDateTime + time) becomes sleep(seconds), rounded
 *     to 0.1 s, when it is 0.1 s or more, capped at --max-think-time
 *     seconds (default 60);
 *   - headers as recorded, less HTTP/2 pseudo-headers, hop-by-hop ones,
 *     Cookie (the VU's cookie jar has them: responses set them), Host and
 *     Content-Length; repeated ones joined with ", ";
 *   - bodies: a form (application/x-www-form-urlencoded) with params as an
 *     object of the decoded names and values (Content-Type left to k6) (as text when a name repeats
 *     or there are no params), JSON as JSON.stringify of the value, a
 *     multipart body as its recorded text (its Content-Type has the
 *     boundary), or, without text, as an object of its params (files as
 *     http.file), anything else as its text;
 *   - a check per request on its recorded status (none for status 0, a
 *     request that failed in the browser); options: 1 VU, 1 iteration,
 *     maxRedirects 0 (a recording has each redirect as an entry of its own).
 */
#include "cli/convert.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/buf.h"
#include "util/err.h"
#include "util/jsonstr.h"
#include "util/log.h"
#include "util/strconv.h"
#include "util/url.h"

#define CONVERT_MAX_BYTES         (64u << 20) /* the largest recording read */
#define CONVERT_THINK_MIN_MS      100         /* idle gaps shorter than this are no think time */
#define CONVERT_MAX_JSON_DEPTH    64          /* nesting of a JSON body re-printed */
#define CONVERT_MAX_HEADERS       1024        /* per request (they are compared pairwise) */
#define CONVERT_MAX_OBJECT_FIELDS 1024        /* a form's params written as an object */

typedef struct {
    const char *input;
    const char *output; /* NULL or "-": stdout */
    const char **only, **skip;
    size_t nonly, nskip;
    int64_t batch_threshold_ms;
    bool no_batch, checks, return_on_failed, help;
    double max_think_s;
    int nargs;
} convert_opts;

/* ---- flags ------------------------------------------------------------- */

typedef int (*convert_setter)(convert_opts *o, const char *v, char *err, size_t errlen);

static int cv_bool(const char *v, bool *out, char *err, size_t errlen) {
    if (strconv_parse_bool(v, out) == 0) return 0;
    return err_set(err, errlen, "strconv.ParseBool: parsing \"%s\": invalid syntax", v);
}

static int set_output(convert_opts *o, const char *v, char *e, size_t n) {
    (void)e, (void)n;
    o->output = v;
    return 0;
}

/* pflag's StringSlice: a value is a comma-separated list; the list grows */
static int add_hosts(const char ***list, size_t *nlist, const char *v) {
    const char *p = v;
    for (;;) {
        size_t len = strcspn(p, ",");
        while (len && isspace((unsigned char)*p)) p++, len--;
        while (len && isspace((unsigned char)p[len - 1])) len--;
        if (len) {
            char *s = strndup(p, len);
            const char **nl = s ? realloc(*list, (*nlist + 1) * sizeof **list) : NULL;
            if (!nl) {
                free(s);
                return -1;
            }
            *list = nl;
            (*list)[(*nlist)++] = s;
        }
        p += strcspn(p, ",");
        if (!*p++) return 0;
    }
}

static int set_only(convert_opts *o, const char *v, char *e, size_t n) {
    return add_hosts(&o->only, &o->nonly, v) ? err_set(e, n, "out of memory") : 0;
}

static int set_skip(convert_opts *o, const char *v, char *e, size_t n) {
    return add_hosts(&o->skip, &o->nskip, v) ? err_set(e, n, "out of memory") : 0;
}

static int set_batch_threshold(convert_opts *o, const char *v, char *e, size_t n) {
    int64_t ms;
    if (strconv_parse_i64(v, &ms) != 0 || ms < 0)
        return err_set(e, n, "strconv.ParseUint: parsing \"%s\": invalid syntax", v);
    o->batch_threshold_ms = ms;
    return 0;
}

static int set_no_batch(convert_opts *o, const char *v, char *e, size_t n) { return cv_bool(v, &o->no_batch, e, n); }
static int set_checks(convert_opts *o, const char *v, char *e, size_t n) { return cv_bool(v, &o->checks, e, n); }
static int set_return_failed(convert_opts *o, const char *v, char *e, size_t n) {
    return cv_bool(v, &o->return_on_failed, e, n);
}
static int set_help(convert_opts *o, const char *v, char *e, size_t n) { return cv_bool(v, &o->help, e, n); }

static int set_correlate(convert_opts *o, const char *v, char *e, size_t n) {
    bool on;
    if (cv_bool(v, &on, e, n)) return -1;
    return on ? err_set(e, n, "c6 convert does not correlate values (k6's --correlate is not implemented)") : 0;
}

static int set_max_think(convert_opts *o, const char *v, char *e, size_t n) {
    char *end;
    errno = 0;
    double s = strtod(v, &end);
    if (!*v || *end || errno || !(s >= 0) || s > 86400) return err_set(e, n, "not a number of seconds from 0 to 86400");
    o->max_think_s = s;
    return 0;
}

static const struct convert_flag {
    const char *name;
    char shorthand;
    bool is_bool;
    convert_setter set;
    const char *help;
} CONVERT_FLAGS[] = {
    {"output", 'O', false, set_output, "the script's file (default: standard output)"},
    {"only", 0, false, set_only, "convert only requests to hosts containing this (repeatable, comma-separated)"},
    {"skip", 0, false, set_skip, "leave out requests to hosts containing this (repeatable, comma-separated)"},
    {"batch-threshold", 0, false, set_batch_threshold,
     "requests sent in parallel, each within this many ms of the previous, go in one http.batch (default 500)"},
    {"no-batch", 0, true, set_no_batch, "one request at a time, no http.batch"},
    {"enable-status-code-checks", 0, true, set_checks, "a check per request on its recorded status (default true)"},
    {"return-on-failed-check", 0, true, set_return_failed, "end the page's group when a status check fails"},
    {"max-think-time", 0, false, set_max_think, "the longest sleep() from a recorded pause, in seconds (default 60)"},
    {"correlate", 0, true, set_correlate, "not implemented (k6's value correlation)"},
    {"help", 'h', true, set_help, "help for convert"},
};
#define CONVERT_NFLAGS (sizeof CONVERT_FLAGS / sizeof CONVERT_FLAGS[0])

bool convert_flag_info(size_t i, cli_flag_info *out) {
    if (i >= CONVERT_NFLAGS) return false;
    *out = (cli_flag_info){CONVERT_FLAGS[i].name, CONVERT_FLAGS[i].shorthand, CONVERT_FLAGS[i].is_bool,
                           CONVERT_FLAGS[i].help};
    return true;
}

static int cv_apply(const struct convert_flag *f, const char *val, convert_opts *o, char *err, size_t errlen) {
    char cause[256] = "";
    if (f->set(o, val, cause, sizeof cause) == 0) return 0;
    if (f->shorthand)
        return err_set(err, errlen, "invalid argument \"%s\" for \"-%c, --%s\" flag: %s", val, f->shorthand, f->name,
                       cause);
    return err_set(err, errlen, "invalid argument \"%s\" for \"--%s\" flag: %s", val, f->name, cause);
}

/* pflag's forms: --name, --name=value, --name value, -O value, -Ovalue, -O=value */
static int cv_parse(int argc, char **argv, convert_opts *o, char *err, size_t errlen) {
    bool positional = false;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        const struct convert_flag *f = NULL;
        const char *val = NULL;
        if (positional || a[0] != '-' || a[1] == '\0') {
            if (!o->input) o->input = a;
            o->nargs++;
            continue;
        }
        if (!strcmp(a, "--")) {
            positional = true;
            continue;
        }
        if (a[1] == '-') {
            const char *name = a + 2, *eq = strchr(name, '=');
            size_t len = eq ? (size_t)(eq - name) : strlen(name);
            for (size_t k = 0; k < CONVERT_NFLAGS && !f; k++)
                if (strlen(CONVERT_FLAGS[k].name) == len && !memcmp(CONVERT_FLAGS[k].name, name, len))
                    f = &CONVERT_FLAGS[k];
            if (!f) return err_set(err, errlen, "unknown flag: --%.*s", (int)len, name);
            if (eq) val = eq + 1;
            else if (f->is_bool) val = "true";
            else if (i + 1 < argc) val = argv[++i];
            else return err_set(err, errlen, "flag needs an argument: --%s", f->name);
        } else {
            for (size_t k = 0; k < CONVERT_NFLAGS && !f; k++)
                if (CONVERT_FLAGS[k].shorthand == a[1]) f = &CONVERT_FLAGS[k];
            if (!f) return err_set(err, errlen, "unknown shorthand flag: '%c' in %s", a[1], a);
            if (a[2] == '=') val = a + 3;
            else if (a[2]) {
                if (f->is_bool) return err_set(err, errlen, "unknown shorthand flag: '%c' in %s", a[2], a);
                val = a + 2;
            } else if (f->is_bool) val = "true";
            else if (i + 1 < argc) val = argv[++i];
            else return err_set(err, errlen, "flag needs an argument: '%c' in %s", a[1], a);
        }
        if (cv_apply(f, val, o, err, errlen)) return -1;
    }
    if (o->help) return 0;
    if (o->nargs != 1) return err_set(err, errlen, "accepts 1 arg(s), received %d", o->nargs);
    if (o->return_on_failed && !o->checks) /* k6's converter refused this pair too */
        return err_set(err, errlen, "return on failed check requires --enable-status-code-checks");
    return 0;
}

static void cv_usage(FILE *f) {
    fprintf(f, "Convert a HAR file (a browser's recording) to a k6 script (c6's own command).\n\n"
               "Usage:\n  c6 convert [flags] recording.har\n\nFlags:\n");
    for (size_t i = 0; i < CONVERT_NFLAGS; i++) {
        char name[64];
        if (CONVERT_FLAGS[i].shorthand)
            snprintf(name, sizeof name, "-%c, --%s", CONVERT_FLAGS[i].shorthand, CONVERT_FLAGS[i].name);
        else snprintf(name, sizeof name, "    --%s", CONVERT_FLAGS[i].name);
        fprintf(f, "  %-33s %s\n", name, CONVERT_FLAGS[i].help);
    }
}

/* ---- reading the recording ------------------------------------------------ */

/* The place of an error: "log.entries[3].request.url" */
typedef struct {
    char err[512];
} cv_err;

static int cv_fail(cv_err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int cv_fail(cv_err *e, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->err, sizeof e->err, fmt, ap);
    va_end(ap);
    return -1;
}

/* A member that must be a string: NULL with the error set when it is not. */
static const char *cv_str(const cJSON *o, const char *key, bool required, const char *where, cv_err *e) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!v || cJSON_IsNull(v)) {
        if (required) cv_fail(e, "%s.%s: missing", where, key);
        return NULL;
    }
    if (!cJSON_IsString(v)) {
        cv_fail(e, "%s.%s: not a string", where, key);
        return NULL;
    }
    return v->valuestring;
}

/* An optional member of the given kind; NULL when absent (e->err empty) or
 * of another kind (e->err set). */
static const cJSON *cv_member(const cJSON *o, const char *key, bool array, const char *where, cv_err *e) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    if (!v || cJSON_IsNull(v)) return NULL;
    if (array ? !cJSON_IsArray(v) : !cJSON_IsObject(v)) {
        cv_fail(e, "%s.%s: not an %s", where, key, array ? "array" : "object");
        return NULL;
    }
    return v;
}

static int cv_digits(const char **p, int n) {
    int v = 0;
    for (int i = 0; i < n; i++, (*p)++) {
        if (!isdigit((unsigned char)**p)) return -1;
        v = v * 10 + (**p - '0');
    }
    return v;
}

/* days since 1970-01-01 of a proleptic Gregorian date */
static int64_t cv_days(int64_t y, int m, int d) {
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* HAR's dates (ISO 8601, as JavaScript's toISOString writes them, with an
 * offset or Z): milliseconds since the epoch. */
static int cv_date(const char *s, double *ms) {
    const char *p = s;
    int y = cv_digits(&p, 4);
    if (y < 0 || *p++ != '-') return -1;
    int mo = cv_digits(&p, 2);
    if (mo < 1 || mo > 12 || *p++ != '-') return -1;
    int d = cv_digits(&p, 2);
    if (d < 1 || d > 31 || (*p != 'T' && *p != 't' && *p != ' ')) return -1;
    p++;
    int h = cv_digits(&p, 2);
    if (h < 0 || h > 23 || *p++ != ':') return -1;
    int mi = cv_digits(&p, 2);
    if (mi < 0 || mi > 59) return -1;
    int sec = 0;
    double frac = 0;
    if (*p == ':') {
        p++;
        if ((sec = cv_digits(&p, 2)) < 0 || sec > 60) return -1;
        if (*p == '.' || *p == ',') {
            double scale = 0.1;
            if (!isdigit((unsigned char)*++p)) return -1;
            for (; isdigit((unsigned char)*p); p++, scale /= 10) frac += (*p - '0') * scale;
        }
    }
    int off = 0;
    if (*p == 'Z' || *p == 'z') p++;
    else if (*p == '+' || *p == '-') {
        int sign = *p++ == '-' ? -1 : 1;
        int oh = cv_digits(&p, 2);
        if (oh < 0 || oh > 23) return -1;
        if (*p == ':') p++;
        int om = cv_digits(&p, 2);
        if (om < 0 || om > 59) return -1;
        off = sign * (oh * 60 + om);
    } else return -1;
    if (*p) return -1;
    int64_t secs = cv_days(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - (int64_t)off * 60;
    *ms = (double)secs * 1000 + frac * 1000;
    return 0;
}

typedef struct {
    const cJSON *e; /* the entry */
    int index;      /* in log.entries */
    double start, end;
    int page; /* index in the sorted pages, -1: none */
    const char *method, *url;
    int status; /* 0: no response, or none recorded */
} cv_entry;

typedef struct {
    const char *id, *title;
    double start;
    int index;
} cv_page;

/* A method as RFC 9110 allows it (a token). */
static bool cv_token(const char *s) {
    if (!*s) return false;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && !strchr("!#$%&'*+-.^_`|~", *s)) return false;
    return true;
}

static bool cv_host_has(const char *host, size_t n, const char *part) {
    size_t pl = strlen(part);
    if (pl > n) return false;
    for (size_t i = 0; i + pl <= n; i++)
        if (!strncasecmp(host + i, part, pl)) return true;
    return false;
}

/* k6's converter: a host is kept when it contains one of --only (if any
 * given) and none of --skip. */
static bool cv_host_kept(const convert_opts *o, const char *url) {
    url_parts u;
    if (url_split(url, &u)) return false;
    const char *h = u.host - (u.ipv6 ? 1 : 0);
    size_t n = (size_t)(u.rest - h);
    bool kept = o->nonly == 0;
    for (size_t i = 0; i < o->nonly && !kept; i++) kept = cv_host_has(h, n, o->only[i]);
    for (size_t i = 0; i < o->nskip && kept; i++) kept = !cv_host_has(h, n, o->skip[i]);
    return kept;
}

static int cv_entry_read(const convert_opts *o, const cJSON *e, int i, cv_entry *out, bool *kept, cv_err *err) {
    char where[64];
    snprintf(where, sizeof where, "log.entries[%d]", i);
    if (!cJSON_IsObject(e)) return cv_fail(err, "%s: not an object", where);
    const char *sd = cv_str(e, "startedDateTime", true, where, err);
    if (!sd) return -1;
    if (cv_date(sd, &out->start)) return cv_fail(err, "%s.startedDateTime: not an ISO 8601 date: \"%.40s\"", where, sd);
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(e, "time");
    if (t && !cJSON_IsNumber(t) && !cJSON_IsNull(t)) return cv_fail(err, "%s.time: not a number", where);
    double ms = t && cJSON_IsNumber(t) && t->valuedouble > 0 && t->valuedouble < 1e9 ? t->valuedouble : 0;
    out->end = out->start + ms;
    out->e = e;
    out->index = i;
    out->page = -1;
    const cJSON *rq = cJSON_GetObjectItemCaseSensitive(e, "request");
    if (!rq) return cv_fail(err, "%s.request: missing", where);
    if (!cJSON_IsObject(rq)) return cv_fail(err, "%s.request: not an object", where);
    char rwhere[80];
    snprintf(rwhere, sizeof rwhere, "%s.request", where);
    if (!(out->method = cv_str(rq, "method", true, rwhere, err))) return -1;
    if (!cv_token(out->method)) return cv_fail(err, "%s.method: not an HTTP method", rwhere);
    if (!(out->url = cv_str(rq, "url", true, rwhere, err))) return -1;
    url_parts u;
    size_t sl = strspn(out->url, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+.-");
    bool other_scheme = sl > 0 && isalpha((unsigned char)out->url[0]) && out->url[sl] == ':' &&
                        !(sl == 4 && !strncasecmp(out->url, "http", 4)) &&
                        !(sl == 5 && !strncasecmp(out->url, "https", 5));
    if (!other_scheme && (url_split(out->url, &u) || u.kind != 'h'))
        return cv_fail(err, "%s.url: not an http or https URL: \"%.80s\"", rwhere, out->url);
    /* the parts the script uses are checked now, so that a bad one is
     * reported whether or not the entry is filtered out */
    err->err[0] = 0;
    const cJSON *hs = cv_member(rq, "headers", true, rwhere, err);
    if (err->err[0]) return -1;
    if (hs && cJSON_GetArraySize(hs) > CONVERT_MAX_HEADERS)
        return cv_fail(err, "%s.headers: more than %d headers", rwhere, CONVERT_MAX_HEADERS);
    int k = 0; /* (cJSON arrays are lists: walked, never indexed) */
    for (const cJSON *h = hs ? hs->child : NULL; h; h = h->next, k++) {
        char hw[112];
        snprintf(hw, sizeof hw, "%s.headers[%d]", rwhere, k);
        if (!cJSON_IsObject(h)) return cv_fail(err, "%s: not an object", hw);
        if (!cv_str(h, "name", true, hw, err) || !cv_str(h, "value", true, hw, err)) return -1;
    }
    const cJSON *pd = cv_member(rq, "postData", false, rwhere, err);
    if (err->err[0]) return -1;
    if (pd) {
        char pw[112];
        snprintf(pw, sizeof pw, "%s.postData", rwhere);
        cv_str(pd, "mimeType", false, pw, err);
        cv_str(pd, "text", false, pw, err);
        if (err->err[0]) return -1;
        const cJSON *ps = cv_member(pd, "params", true, pw, err);
        if (err->err[0]) return -1;
        k = 0;
        for (const cJSON *p = ps ? ps->child : NULL; p; p = p->next, k++) {
            char qw[136];
            snprintf(qw, sizeof qw, "%s.params[%d]", pw, k);
            if (!cJSON_IsObject(p)) return cv_fail(err, "%s: not an object", qw);
            if (!cv_str(p, "name", true, qw, err)) return -1;
            cv_str(p, "value", false, qw, err);
            cv_str(p, "fileName", false, qw, err);
            cv_str(p, "contentType", false, qw, err);
            if (err->err[0]) return -1;
        }
    }
    out->status = 0;
    const cJSON *rs = cv_member(e, "response", false, where, err);
    if (err->err[0]) return -1;
    if (rs) {
        const cJSON *st = cJSON_GetObjectItemCaseSensitive(rs, "status");
        if (!st) return cv_fail(err, "%s.response.status: missing", where);
        if (!cJSON_IsNumber(st) || st->valuedouble < 0 || st->valuedouble > 999 ||
            st->valuedouble != (int)st->valuedouble)
            return cv_fail(err, "%s.response.status: not an HTTP status", where);
        out->status = (int)st->valuedouble;
    }
    /* data:, blob:, ws: ... are no HTTP requests a script could make */
    *kept = !other_scheme && cv_host_kept(o, out->url);
    return 0;
}

/* ---- writing the script ------------------------------------------------ */

typedef struct {
    docbuf d;
} cv_out;

static void put(cv_out *w, const char *s) { doc_puts(&w->d, s); }

static void putf(cv_out *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(cv_out *w, const char *fmt, ...) {
    char tmp[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    doc_put(&w->d, tmp, n < 0 ? 0 : (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

static void put_str(cv_out *w, const char *s, size_t n) { doc_json(&w->d, s, n, JSON_ESC_GO); }
static void put_cstr(cv_out *w, const char *s) { put_str(w, s, strlen(s)); }

static void put_indent(cv_out *w, int depth) {
    for (int i = 0; i < depth; i++) put(w, "  ");
}

/* the shortest decimal that reads back as v (as JavaScript prints numbers) */
static void put_number(cv_out *w, double v) {
    if (!isfinite(v)) {
        put(w, "null");
        return;
    }
    char tmp[40];
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*g", prec, v);
        if (strtod(tmp, NULL) == v) break;
    }
    put(w, tmp);
}

/* A JSON value as a JavaScript literal, indented from depth. */
static int put_json(cv_out *w, const cJSON *v, int depth) {
    if (depth > CONVERT_MAX_JSON_DEPTH) return -1;
    if (cJSON_IsString(v)) put_cstr(w, v->valuestring);
    else if (cJSON_IsNumber(v)) put_number(w, v->valuedouble);
    else if (cJSON_IsTrue(v)) put(w, "true");
    else if (cJSON_IsFalse(v)) put(w, "false");
    else if (cJSON_IsNull(v)) put(w, "null");
    else {
        bool obj = cJSON_IsObject(v);
        const cJSON *c = v->child;
        put(w, obj ? "{" : "[");
        if (!c) {
            put(w, obj ? "}" : "]");
            return 0;
        }
        for (; c; c = c->next) {
            put(w, "\n");
            put_indent(w, depth + 1);
            if (obj) {
                put_cstr(w, c->string ? c->string : "");
                put(w, ": ");
            }
            if (put_json(w, c, depth + 1)) return -1;
            if (c->next) put(w, ",");
        }
        put(w, "\n");
        put_indent(w, depth);
        put(w, obj ? "}" : "]");
    }
    return 0;
}

/* headers a script must not set: the client writes them, or the jar */
static bool cv_header_dropped(const char *name) {
    static const char *const drop[] = {"cookie",
                                       "host",
                                       "content-length",
                                       "connection",
                                       "keep-alive",
                                       "proxy-connection",
                                       "proxy-authenticate",
                                       "proxy-authorization",
                                       "te",
                                       "trailer",
                                       "transfer-encoding",
                                       "upgrade",
                                       "http2-settings",
                                       NULL};
    if (name[0] == ':' || !name[0]) return true;
    for (const char *const *d = drop; *d; d++)
        if (!strcasecmp(name, *d)) return true;
    return false;
}

static bool mime_is(const char *mime, const char *type) {
    size_t n = strlen(type);
    return mime && !strncasecmp(mime, type, n) && (!mime[n] || mime[n] == ';' || mime[n] == ' ');
}

static bool mime_is_json(const char *mime) {
    if (!mime) return false;
    size_t n = strcspn(mime, "; ");
    return (n >= 4 && !strncasecmp(mime + n - 4, "json", 4));
}

/* A form's params decoded: false when a name repeats (an object cannot say
 * that), or when there are too many to compare them pairwise. */
static bool cv_form_unique(const cJSON *ps) {
    if (cJSON_GetArraySize(ps) > CONVERT_MAX_OBJECT_FIELDS) return false;
    for (const cJSON *a = ps->child; a; a = a->next)
        for (const cJSON *b = a->next; b; b = b->next)
            if (!strcmp(cJSON_GetObjectItemCaseSensitive(a, "name")->valuestring,
                        cJSON_GetObjectItemCaseSensitive(b, "name")->valuestring))
                return false;
    return true;
}

static void put_unescaped(cv_out *w, const char *s) {
    size_t n = strlen(s);
    char *tmp = malloc(n + 1);
    if (!tmp) {
        w->d.oom = 1;
        return;
    }
    size_t len = url_unescape(tmp, n, s, n, 1);
    put_str(w, tmp, len);
    free(tmp);
}

static const char *param_str(const cJSON *p, const char *key) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(p, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* The body argument; sets *no_ctype when the script leaves Content-Type
 * to k6 (an object body: a form, or multipart, whose boundary k6 picks). */
static int put_body(cv_out *w, const cJSON *rq, int depth, bool *no_ctype) {
    const cJSON *pd = cJSON_GetObjectItemCaseSensitive(rq, "postData");
    *no_ctype = false;
    if (!cJSON_IsObject(pd)) {
        put(w, "null");
        return 0;
    }
    const char *mime = param_str(pd, "mimeType"), *text = param_str(pd, "text");
    const cJSON *ps = cJSON_GetObjectItemCaseSensitive(pd, "params");
    bool has_params = cJSON_IsArray(ps) && ps->child;
    if (mime_is(mime, "application/x-www-form-urlencoded") && has_params && cv_form_unique(ps)) {
        *no_ctype = true; /* k6 sets the same for an object body */
        put(w, "{\n");
        for (const cJSON *p = ps->child; p; p = p->next) {
            const char *v = param_str(p, "value");
            put_indent(w, depth + 1);
            put_unescaped(w, param_str(p, "name"));
            put(w, ": ");
            put_unescaped(w, v ? v : "");
            put(w, p->next ? ",\n" : "\n");
        }
        put_indent(w, depth);
        put(w, "}");
        return 0;
    }
    if (mime_is(mime, "multipart/form-data") && (!text || !*text) && has_params) {
        *no_ctype = true;
        put(w, "{\n");
        for (const cJSON *p = ps->child; p; p = p->next) {
            const char *v = param_str(p, "value"), *fn = param_str(p, "fileName"), *ct = param_str(p, "contentType");
            put_indent(w, depth + 1);
            put_cstr(w, param_str(p, "name"));
            put(w, ": ");
            if (fn) {
                put(w, "http.file(");
                put_cstr(w, v ? v : "");
                put(w, ", ");
                put_cstr(w, fn);
                if (ct) {
                    put(w, ", ");
                    put_cstr(w, ct);
                }
                put(w, ")");
            } else put_cstr(w, v ? v : "");
            put(w, p->next ? ",\n" : "\n");
        }
        put_indent(w, depth);
        put(w, "}");
        return 0;
    }
    if (!text && mime_is(mime, "application/x-www-form-urlencoded") && has_params) {
        buf form = {0}; /* the params as sent (HAR keeps them encoded) */
        int rc = 0;
        for (const cJSON *p = ps->child; p && !rc; p = p->next) {
            const char *v = param_str(p, "value");
            if (p != ps->child) rc = buf_puts(&form, "&");
            if (!rc) rc = buf_puts(&form, param_str(p, "name"));
            if (!rc) rc = buf_puts(&form, "=");
            if (!rc) rc = buf_puts(&form, v ? v : "");
        }
        if (rc) w->d.oom = 1;
        else put_str(w, form.p, form.len);
        buf_free(&form);
        return 0;
    }
    if (!text) {
        put(w, "null");
        return 0;
    }
    if (mime_is_json(mime)) {
        cJSON *j = cJSON_ParseWithLengthOpts(text, strlen(text) + 1, NULL, 1);
        if (j) {
            put(w, "JSON.stringify(");
            int rc = put_json(w, j, depth);
            cJSON_Delete(j);
            if (rc) return -1;
            put(w, ")");
            return 0;
        }
    }
    put_cstr(w, text);
    return 0;
}

/* The params argument ({ headers: {...} }) */
static void put_params(cv_out *w, const cJSON *rq, int depth, bool no_ctype) {
    const cJSON *hs = cJSON_GetObjectItemCaseSensitive(rq, "headers");
    int n = 0;
    for (const cJSON *h = cJSON_IsArray(hs) ? hs->child : NULL; h; h = h->next) {
        const char *name = param_str(h, "name");
        if (cv_header_dropped(name) || (no_ctype && !strcasecmp(name, "content-type"))) continue;
        bool first = true; /* only the first of its name opens a line */
        for (const cJSON *p = hs->child; p != h; p = p->next)
            if (!strcasecmp(param_str(p, "name"), name)) first = false;
        if (!first) continue;
        put(w, n++ ? ",\n" : "{\n");
        if (n == 1) {
            put_indent(w, depth + 1);
            put(w, "headers: {\n");
        }
        put_indent(w, depth + 2);
        put_cstr(w, name);
        put(w, ": ");
        /* repeated headers as one, joined with ", " (RFC 9110 5.3) */
        buf joined = {0};
        int rc = 0;
        for (const cJSON *p = h; p && !rc; p = p->next) {
            if (strcasecmp(param_str(p, "name"), name)) continue;
            if (joined.len) rc = buf_puts(&joined, ", ");
            if (!rc) rc = buf_puts(&joined, param_str(p, "value"));
        }
        if (rc) w->d.oom = 1;
        else put_str(w, joined.p ? joined.p : "", joined.len);
        buf_free(&joined);
    }
    if (!n) {
        put(w, "null");
        return;
    }
    put(w, ",\n");
    put_indent(w, depth + 1);
    put(w, "},\n");
    put_indent(w, depth);
    put(w, "}");
}

/* One request: http.request(method, url, body, params) */
static int put_request(cv_out *w, const cv_entry *e, int depth) {
    const cJSON *rq = cJSON_GetObjectItemCaseSensitive(e->e, "request");
    bool no_ctype;
    put_cstr(w, e->method);
    put(w, ", ");
    put_cstr(w, e->url);
    put(w, ", ");
    if (put_body(w, rq, depth, &no_ctype)) return -1;
    put(w, ", ");
    put_params(w, rq, depth, no_ctype);
    return 0;
}

static void put_check(cv_out *w, const convert_opts *o, const cv_entry *e, const char *res, int depth) {
    if (!o->checks || e->status <= 0) return;
    put_indent(w, depth);
    if (o->return_on_failed) put(w, "if (!");
    putf(w, "check(%s, { \"status is %d\": (r) => r.status === %d })", res, e->status, e->status);
    put(w, o->return_on_failed ? ") {\n" : ";\n");
    if (o->return_on_failed) {
        put_indent(w, depth + 1);
        put(w, "return;\n");
        put_indent(w, depth);
        put(w, "}\n");
    }
}

static void put_sleep(cv_out *w, const convert_opts *o, double idle_ms, int depth) {
    if (idle_ms < CONVERT_THINK_MIN_MS) return;
    double s = idle_ms / 1000;
    if (s > o->max_think_s) s = o->max_think_s;
    double tenths = round(s * 10);
    if (tenths < 1) return;
    put_indent(w, depth);
    putf(w, "sleep(%.1f);\n", tenths / 10);
}

/* An entry goes into the batch before it when the browser sent it in
 * parallel: while a request of the batch was still in flight (before busy,
 * their latest end) and less than --batch-threshold ms after the previous
 * one started. One started after the others ended may depend on them (a
 * redirect's next hop, a cookie they set): it starts a step of its own. */
static bool cv_joins(const convert_opts *o, const cv_entry *e, const cv_entry *prev, double busy) {
    /* HAR times are in ms: a start within 1 ms of the end is "after" it */
    if (!(e->start + 1 < busy && e->start - prev->start < (double)o->batch_threshold_ms)) return false;
    /* nor does the next hop of a redirect go with the hop before */
    const cJSON *rs = cJSON_GetObjectItemCaseSensitive(prev->e, "response");
    const cJSON *to = cJSON_GetObjectItemCaseSensitive(rs, "redirectURL");
    return !(prev->status >= 300 && prev->status < 400 && cJSON_IsString(to) && !strcmp(to->valuestring, e->url));
}

/* The entries [from, to) of one group (or of none), in steps. *last_end:
 * the latest end before them (NAN: nothing before), updated. */
static int put_steps(cv_out *w, const convert_opts *o, cv_entry *es, size_t from, size_t to, int depth,
                     double *last_end) {
    size_t i = from;
    while (i < to) {
        size_t j = i + 1;
        if (!o->no_batch && o->batch_threshold_ms > 0)
            for (double busy = es[i].end; j < to && cv_joins(o, &es[j], &es[j - 1], busy); j++)
                if (es[j].end > busy) busy = es[j].end;
        if (!isnan(*last_end)) put_sleep(w, o, es[i].start - *last_end, depth);
        if (j - i == 1) {
            put_indent(w, depth);
            put(w, "res = http.request(");
            if (put_request(w, &es[i], depth)) return -1;
            put(w, ");\n");
            put_check(w, o, &es[i], "res", depth);
        } else {
            put_indent(w, depth);
            put(w, "responses = http.batch([\n");
            for (size_t k = i; k < j; k++) {
                put_indent(w, depth + 1);
                put(w, "[");
                if (put_request(w, &es[k], depth + 1)) return -1;
                put(w, "],\n");
            }
            put_indent(w, depth);
            put(w, "]);\n");
            for (size_t k = i; k < j; k++) {
                char res[32];
                snprintf(res, sizeof res, "responses[%zu]", k - i);
                put_check(w, o, &es[k], res, depth);
            }
        }
        for (size_t k = i; k < j; k++)
            if (isnan(*last_end) || es[k].end > *last_end) *last_end = es[k].end;
        i = j;
    }
    return 0;
}

static int cmp_page(const void *a, const void *b) {
    const cv_page *x = a, *y = b;
    if (x->start != y->start) return x->start < y->start ? -1 : 1;
    return x->index - y->index;
}

/* pages first (in page order), then no page; each by start, then HAR order */
static int cmp_entry(const void *a, const void *b) {
    const cv_entry *x = a, *y = b;
    unsigned px = (unsigned)x->page, py = (unsigned)y->page; /* -1 sorts last */
    if (px != py) return px < py ? -1 : 1;
    if (x->start != y->start) return x->start < y->start ? -1 : 1;
    return x->index - y->index;
}

static void put_comment(cv_out *w, const char *label, const char *value) {
    if (!value) return;
    putf(w, "// %s: ", label);
    put_cstr(w, value); /* a literal: no line break of the recording ends the comment */
    put(w, "\n");
}

static int cv_convert(const convert_opts *o, const cJSON *root, cv_out *w, cv_err *err) {
    if (!cJSON_IsObject(root)) return cv_fail(err, "not a HAR file: the top level is not an object");
    const cJSON *log = cJSON_GetObjectItemCaseSensitive(root, "log");
    if (!log) return cv_fail(err, "not a HAR file: log: missing");
    if (!cJSON_IsObject(log)) return cv_fail(err, "log: not an object");
    const cJSON *ents = cJSON_GetObjectItemCaseSensitive(log, "entries");
    if (!ents) return cv_fail(err, "log.entries: missing");
    if (!cJSON_IsArray(ents)) return cv_fail(err, "log.entries: not an array");
    const char *version = cv_str(log, "version", false, "log", err);
    if (err->err[0]) return -1;
    const cJSON *creator = cv_member(log, "creator", false, "log", err);
    if (err->err[0]) return -1;
    const cJSON *browser = cv_member(log, "browser", false, "log", err);
    if (err->err[0]) return -1;
    const cJSON *pages = cv_member(log, "pages", true, "log", err);
    if (err->err[0]) return -1;

    int npages = pages ? cJSON_GetArraySize(pages) : 0, nents = cJSON_GetArraySize(ents);
    cv_page *pg = calloc((size_t)npages + 1, sizeof *pg);
    cv_entry *es = calloc((size_t)nents + 1, sizeof *es);
    int rc = -1;
    if (!pg || !es) {
        cv_fail(err, "out of memory");
        goto out;
    }
    const cJSON *p = pages ? pages->child : NULL;
    for (int i = 0; i < npages; i++, p = p->next) {
        char where[48];
        snprintf(where, sizeof where, "log.pages[%d]", i);
        if (!cJSON_IsObject(p)) {
            cv_fail(err, "%s: not an object", where);
            goto out;
        }
        const char *sd = cv_str(p, "startedDateTime", true, where, err);
        if (!sd || !(pg[i].id = cv_str(p, "id", true, where, err))) goto out;
        pg[i].title = cv_str(p, "title", false, where, err);
        if (err->err[0]) goto out;
        if (!pg[i].title || !*pg[i].title) pg[i].title = pg[i].id;
        if (cv_date(sd, &pg[i].start)) {
            cv_fail(err, "%s.startedDateTime: not an ISO 8601 date: \"%.40s\"", where, sd);
            goto out;
        }
        pg[i].index = i;
    }
    qsort(pg, (size_t)npages, sizeof *pg, cmp_page);
    size_t n = 0;
    const cJSON *ent = ents->child;
    for (int i = 0; i < nents; i++) {
        bool kept = false;
        const cJSON *e = ent;
        ent = ent->next;
        if (cv_entry_read(o, e, i, &es[n], &kept, err)) goto out;
        if (!kept) continue;
        const char *ref = cv_str(e, "pageref", false, "", err);
        err->err[0] = 0;
        for (int k = 0; ref && k < npages && es[n].page < 0; k++)
            if (!strcmp(pg[k].id, ref)) es[n].page = k;
        n++;
    }
    qsort(es, n, sizeof *es, cmp_entry);

    bool any_batch = false; /* (a superset is fine: it only declares `responses`) */
    for (size_t i = 1; i < n && !o->no_batch && o->batch_threshold_ms > 0; i++)
        if (es[i].page == es[i - 1].page && cv_joins(o, &es[i], &es[i - 1], es[i - 1].end)) any_batch = true;
    put(w, "// A k6 script converted from a HAR recording by `c6 convert`\n");
    put_comment(w, "HAR version", version);
    if (creator) put_comment(w, "Creator", param_str(creator, "name"));
    if (browser) put_comment(w, "Browser", param_str(browser, "name"));
    putf(w, "// Requests: %zu of %d recorded\n\n", n, nents);
    put(w, npages ? "import { group, check, sleep } from 'k6';\n" : "import { check, sleep } from 'k6';\n");
    put(w, "import http from 'k6/http';\n\n");
    put(w, "export const options = {\n"
           "  vus: 1,\n"
           "  iterations: 1,\n"
           "  // a recording has each redirect as a request of its own\n"
           "  maxRedirects: 0,\n"
           "};\n\n"
           "export default function () {\n");
    put(w, "  let res;\n");
    if (any_batch) put(w, "  let responses;\n");
    double last_end = NAN;
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && es[j].page == es[i].page) j++;
        int depth = 1;
        if (es[i].page >= 0) {
            put(w, "\n  group(");
            put_cstr(w, pg[es[i].page].title);
            put(w, ", function () {\n");
            depth = 2;
        } else put(w, "\n  // requests of no page\n");
        if (put_steps(w, o, es, i, j, depth, &last_end)) {
            cv_fail(err, "a JSON body nests deeper than %d", CONVERT_MAX_JSON_DEPTH);
            goto out;
        }
        if (es[i].page >= 0 && j < n) {
            put_sleep(w, o, es[j].start - last_end, depth); /* before the next page */
            last_end = NAN;
        }
        if (es[i].page >= 0) put(w, "  });\n");
        i = j;
    }
    put(w, "}\n");
    if (w->d.oom) {
        cv_fail(err, "out of memory");
        goto out;
    }
    rc = 0;
out:
    free(pg);
    free(es);
    return rc;
}

/* ---- the command -------------------------------------------------------- */

static int cv_read(const char *path, buf *b, cv_err *err) {
    FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
    if (!f) return cv_fail(err, "%s", strerror(errno));
    char chunk[65536];
    size_t got;
    int rc = 0;
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (b->len + got > CONVERT_MAX_BYTES) {
            rc = cv_fail(err, "larger than %u MiB (the most c6 convert reads)", CONVERT_MAX_BYTES >> 20);
            break;
        }
        if (buf_append(b, chunk, got)) {
            rc = cv_fail(err, "out of memory");
            break;
        }
    }
    if (!rc && ferror(f)) rc = cv_fail(err, "%s", strerror(errno));
    if (f != stdin) fclose(f);
    return rc;
}

static void cv_free(convert_opts *o) {
    for (size_t i = 0; i < o->nonly; i++) free((void *)o->only[i]);
    for (size_t i = 0; i < o->nskip; i++) free((void *)o->skip[i]);
    free(o->only);
    free(o->skip);
}

int convert_main(int argc, char **argv) {
    convert_opts o = {.batch_threshold_ms = 500, .checks = true, .max_think_s = 60};
    char perr[512];
    if (cv_parse(argc, argv, &o, perr, sizeof perr)) {
        log_printf(LOG_ERROR, "%s", perr); /* as cobra's usage errors: exit 255 */
        cv_free(&o);
        return 255;
    }
    if (o.help) {
        cv_usage(stdout);
        cv_free(&o);
        return 0;
    }
    cv_err err = {{0}};
    buf in = {0};
    cv_out w = {{{0}, 0}};
    cJSON *root = NULL;
    int rc = 255;
    if (cv_read(o.input, &in, &err)) goto fail;
    if (!in.len) {
        cv_fail(&err, "not JSON: the file is empty");
        goto fail;
    }
    /* cJSON's "null terminated" check wants the terminator inside the length */
    const char *nul = memchr(in.p, 0, in.len);
    root = nul ? NULL : cJSON_ParseWithLengthOpts(in.p, in.len + 1, NULL, 1);
    if (!root) {
        const char *at = nul ? nul : cJSON_GetErrorPtr();
        size_t off = at && at >= in.p && at <= in.p + in.len ? (size_t)(at - in.p) : 0;
        int line = 1;
        size_t col = 1;
        for (size_t i = 0; i < off; i++) {
            if (in.p[i] == '\n') line++, col = 1;
            else col++;
        }
        cv_fail(&err, "not JSON: a syntax error at line %d, column %zu", line, col);
        goto fail;
    }
    if (cv_convert(&o, root, &w, &err)) goto fail;
    FILE *f = o.output && strcmp(o.output, "-") ? fopen(o.output, "w") : stdout;
    if (!f) {
        log_printf(LOG_ERROR, "cannot write %s: %s", o.output, strerror(errno));
        goto done;
    }
    bool ok = fwrite(w.d.b.p, 1, w.d.b.len, f) == w.d.b.len;
    ok = (f == stdout ? fflush(f) == 0 : fclose(f) == 0) && ok;
    if (!ok) log_printf(LOG_ERROR, "cannot write %s: %s", o.output ? o.output : "the standard output", strerror(errno));
    else rc = 0;
    goto done;
fail:
    log_printf(LOG_ERROR, "%s: %s", o.input, err.err);
done:
    cJSON_Delete(root);
    buf_free(&in);
    doc_free(&w.d);
    cv_free(&o);
    return rc;
}
