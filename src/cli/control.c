/* control.c - the REST API client commands: status, pause, resume, scale,
 * stats (k6's commands of the same names).
 *
 * Like k6's, each makes one request to http://ADDRESS/v1/...: GET
 * /v1/status, PATCH /v1/status with a whole status document in which only
 * "paused" (pause, resume) or "vus"/"vus-max" (scale) are set, or GET
 * /v1/metrics (stats). The answer is printed as k6 prints it, which is
 * gopkg.in/yaml.v3's rendering of k6's Go structs:
 *
 *   status: 7           lib.ExecutionStatus, a number
 *   paused: "true"      null.Bool and null.Int marshal as text, so they
 *   vus: "10"           come out quoted ("" when null)
 *   vus-max: "10"
 *   stopped: false
 *   running: true
 *   tainted: false
 *
 * and for stats a list of {name, type: {type, valid}, contains: {type,
 * valid}, tainted, sample} (the Null* wrappers print their fields).
 * Failures are logged as k6's client reports them: "Title: Detail" from a
 * JSON:API error, Go's JSON error for a non-JSON answer, Go's dial error
 * ("Get \"http://localhost:6565/v1/status\": dial tcp 127.0.0.1:6565:
 * connect: connection refused"); the exit code is then 255.
 */
#include "cli/control.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <netdb.h>
#include <sys/socket.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "api/server.h"
#include "output/writer.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/gojson.h"
#include "util/log.h"

#define CTL_EXIT_ERROR 255

typedef enum { CTL_STATUS, CTL_PAUSE, CTL_RESUME, CTL_SCALE, CTL_STATS, CTL_STOP } ctl_cmd;

static const struct {
    const char *name, *summary;
} CTL_COMMANDS[] = {
    [CTL_STATUS] = {"status", "Show test status"},
    [CTL_PAUSE] = {"pause", "Pause a running test"},
    [CTL_RESUME] = {"resume", "Resume a paused test"},
    [CTL_SCALE] = {"scale", "Scale a running test"},
    [CTL_STATS] = {"stats", "Show test metrics"},
    /* c6's own: k6 has no CLI command for PATCH {"stopped": true} */
    [CTL_STOP] = {"stop", "Stop a running test (it ends with exit code 103)"},
};
#define CTL_NCOMMANDS (sizeof CTL_COMMANDS / sizeof CTL_COMMANDS[0])

typedef struct {
    ctl_cmd cmd;
    const char *address;
    bool help;
    bool vus_set, max_set;
    int64_t vus, max;
} ctl_opts;

static int ctl_find(const char *name) {
    for (size_t i = 0; i < CTL_NCOMMANDS; i++)
        if (strcmp(CTL_COMMANDS[i].name, name) == 0) return (int)i;
    return -1;
}

bool control_is_command(const char *name) { return ctl_find(name) >= 0; }

/* ---- flags, in pflag's forms and wording ------------------------------ */

static bool ctl_in(const char *s, const char *const *set) {
    for (; *set; set++)
        if (strcmp(s, *set) == 0) return true;
    return false;
}

typedef struct {
    const char *name;
    char shorthand;
    bool scale_only;
    const char *help; /* for completion */
} ctl_flag;

static const ctl_flag CTL_FLAGS[] = {
    {"address", 'a', false, "address for the REST API server"},
    {"help", 'h', false, "help for the command"},
    {"vus", 'u', true, "number of virtual users"},
    {"max", 'm', true, "max available virtual users"},
};
#define CTL_NFLAGS (sizeof CTL_FLAGS / sizeof CTL_FLAGS[0])

static bool ctl_flag_nth(size_t i, bool scale, cli_flag_info *out) {
    for (size_t k = 0; k < CTL_NFLAGS; k++) {
        if (CTL_FLAGS[k].scale_only && !scale) continue;
        if (i-- == 0) {
            *out = (cli_flag_info){CTL_FLAGS[k].name, CTL_FLAGS[k].shorthand, CTL_FLAGS[k].shorthand == 'h',
                                   CTL_FLAGS[k].help};
            return true;
        }
    }
    return false;
}

bool control_flag_info(size_t i, cli_flag_info *out) { return ctl_flag_nth(i, false, out); }
bool control_scale_flag_info(size_t i, cli_flag_info *out) { return ctl_flag_nth(i, true, out); }

/* pflag's Int64 flag: strconv.ParseInt(s, 0, 64). */
static int ctl_int64(const char *s, int64_t *out, char *err, size_t errlen) {
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 0);
    if (!*s || isspace((unsigned char)*s) || *end)
        return err_set(err, errlen, "strconv.ParseInt: parsing \"%s\": invalid syntax", s);
    if (errno == ERANGE) return err_set(err, errlen, "strconv.ParseInt: parsing \"%s\": value out of range", s);
    *out = v;
    return 0;
}

static int ctl_apply(ctl_opts *o, const ctl_flag *f, const char *val, char *err, size_t errlen) {
    char cause[160];
    switch (f->shorthand) {
    case 'a': o->address = val; return 0;
    case 'h': {
        static const char *const yes[] = {"1", "t", "T", "true", "TRUE", "True", NULL};
        static const char *const no[] = {"0", "f", "F", "false", "FALSE", "False", NULL};
        if (!ctl_in(val, yes) && !ctl_in(val, no)) {
            snprintf(cause, sizeof cause, "strconv.ParseBool: parsing \"%s\": invalid syntax", val);
            break;
        }
        o->help = ctl_in(val, yes);
        return 0;
    }
    default:
        if (ctl_int64(val, f->shorthand == 'u' ? &o->vus : &o->max, cause, sizeof cause)) break;
        *(f->shorthand == 'u' ? &o->vus_set : &o->max_set) = true;
        return 0;
    }
    return err_set(err, errlen, "invalid argument \"%s\" for \"-%c, --%s\" flag: %s", val, f->shorthand, f->name,
                   cause);
}

static const ctl_flag *ctl_flag_find(const ctl_opts *o, const char *name, size_t len, char shorthand) {
    for (size_t i = 0; i < CTL_NFLAGS; i++) {
        const ctl_flag *f = &CTL_FLAGS[i];
        if (f->scale_only && o->cmd != CTL_SCALE) continue;
        if (shorthand ? f->shorthand == shorthand : strlen(f->name) == len && memcmp(f->name, name, len) == 0) return f;
    }
    return NULL;
}

/* "-h", "-a v", "-av", "-a=v", and groups such as "-hu5"; may consume
 * argv[*i + 1]. */
static int ctl_shorts(int argc, char **argv, int *i, ctl_opts *o, char *err, size_t errlen) {
    const char *arg = argv[*i];
    for (const char *p = arg + 1; *p; p++) {
        const ctl_flag *f = ctl_flag_find(o, NULL, 0, *p);
        if (!f) return err_set(err, errlen, "unknown shorthand flag: '%c' in %s", *p, arg);
        if (p[1] == '=') return ctl_apply(o, f, p + 2, err, errlen);
        if (f->shorthand == 'h') { /* a boolean: the group goes on */
            if (ctl_apply(o, f, "true", err, errlen)) return -1;
            continue;
        }
        if (p[1]) return ctl_apply(o, f, p + 1, err, errlen);
        if (*i + 1 >= argc) return err_set(err, errlen, "flag needs an argument: '%c' in %s", *p, arg);
        return ctl_apply(o, f, argv[++*i], err, errlen);
    }
    return 0;
}

/* pflag's forms: "--name", "--name=v", "--name v" and the shorthands.
 * Other arguments are ignored, as cobra does for these commands. */
static int ctl_parse(int argc, char **argv, ctl_opts *o, char *err, size_t errlen) {
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--") == 0) break;
        if (arg[0] != '-' || arg[1] == '\0') continue;
        if (arg[1] != '-') {
            if (ctl_shorts(argc, argv, &i, o, err, errlen)) return -1;
            continue;
        }
        const char *name = arg + 2, *eq = strchr(name, '='), *val;
        size_t len = eq ? (size_t)(eq - name) : strlen(name);
        const ctl_flag *f = ctl_flag_find(o, name, len, 0);
        if (!f) return err_set(err, errlen, "unknown flag: --%.*s", (int)len, name);
        if (eq) val = eq + 1;
        else if (f->shorthand == 'h') val = "true";
        else if (i + 1 < argc) val = argv[++i];
        else return err_set(err, errlen, "flag needs an argument: --%s", f->name);
        if (ctl_apply(o, f, val, err, errlen)) return -1;
    }
    return 0;
}

static void ctl_usage(const ctl_opts *o, FILE *out) {
    fprintf(out,
            "%s.\n\n  Use the global --address flag to specify the URL to the API server.\n\n"
            "Usage:\n  c6 %s [flags]\n\nFlags:\n",
            CTL_COMMANDS[o->cmd].summary, CTL_COMMANDS[o->cmd].name);
    if (o->cmd == CTL_SCALE)
        fprintf(out, "  -m, --max int          max available virtual users\n"
                     "  -u, --vus int          number of virtual users (default 1)\n");
    fprintf(out,
            "  -a, --address string   address for the REST API server (default \"%s\")\n"
            "  -h, --help             help for %s\n",
            API_DEFAULT_ADDRESS, CTL_COMMANDS[o->cmd].name);
}

/* ---- the request ------------------------------------------------------ */

static size_t ctl_collect(char *data, size_t size, size_t n, void *arg) {
    return buf_append(arg, data, size * n) ? 0 : size * n;
}

/* The host and port the client dials, from "host:port" or "[v6]:port"
 * (no port: 80, as for any http:// URL). */
static void ctl_host_port(const char *address, char *host, size_t hostlen, char *port, size_t portlen) {
    size_t n = strcspn(address, "/?#");
    const char *end = address + n, *h = address, *hend = end, *p = NULL;
    if (address[0] == '[') {
        const char *close = memchr(address, ']', n);
        h = address + 1;
        if (close) hend = close;
        if (close && close + 1 < end && close[1] == ':') p = close + 2;
    } else if ((hend = memrchr(address, ':', n))) {
        p = hend + 1;
    } else {
        hend = end;
    }
    snprintf(host, hostlen, "%.*s", (int)(hend - h), h);
    snprintf(port, portlen, "%.*s", p && p < end ? (int)(end - p) : 2, p && p < end ? p : "80");
}

/* Go's dial error for a refused connection names the address it tried:
 * the first IPv4 address of the host (else its first), with the port. */
static void ctl_dial_addr(const char *address, char *out, size_t n) {
    char host[256], port[16], ip[NI_MAXHOST];
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res, *ai, *pick;
    ctl_host_port(address, host, sizeof host, port, sizeof port);
    snprintf(out, n, "%s:%s", host, port);
    if (getaddrinfo(host, NULL, &hints, &res) != 0) return;
    for (pick = res, ai = res; ai; ai = ai->ai_next)
        if (ai->ai_family == AF_INET) {
            pick = ai;
            break;
        }
    if (getnameinfo(pick->ai_addr, pick->ai_addrlen, ip, sizeof ip, NULL, 0, NI_NUMERICHOST) == 0)
        snprintf(out, n, pick->ai_family == AF_INET6 ? "[%s]:%s" : "%s:%s", ip, port);
    freeaddrinfo(res);
}

/* Go's url.Error for a failed round trip: Op "URL": cause. */
static void ctl_transport_error(CURL *h, CURLcode rc, const char *method, const char *url, const char *address,
                                char *err, size_t errlen) {
    char op[8], cause[512];
    snprintf(op, sizeof op, "%c%s", method[0], method + 1);
    for (char *p = op + 1; *p; p++) *p = (char)tolower((unsigned char)*p);
    long oserr = 0;
    curl_easy_getinfo(h, CURLINFO_OS_ERRNO, &oserr);
    if (rc == CURLE_COULDNT_RESOLVE_HOST) {
        char host[256], port[16];
        ctl_host_port(address, host, sizeof host, port, sizeof port);
        snprintf(cause, sizeof cause, "dial tcp: lookup %s: no such host", host);
    } else if (rc == CURLE_COULDNT_CONNECT && oserr) {
        char msg[128], where[300];
        snprintf(msg, sizeof msg, "%s", strerror((int)oserr));
        msg[0] = (char)tolower((unsigned char)msg[0]); /* Go's errno texts are lower case */
        ctl_dial_addr(address, where, sizeof where);
        snprintf(cause, sizeof cause, "dial tcp %s: connect: %s", where, msg);
    } else {
        snprintf(cause, sizeof cause, "%s", curl_easy_strerror(rc));
    }
    err_set(err, errlen, "%s \"%s\": %s", op, url, cause);
}

/* One request (body NULL: none); on success the HTTP status and body. */
static int ctl_request(const char *address, const char *method, const char *path, const char *body, long *code,
                       buf *resp, char *err, size_t errlen) {
    char url[512];
    /* Go parses "http://" + address and resolves the path against it: a
     * path, query or fragment in the address is dropped. */
    snprintf(url, sizeof url, "http://%.*s%s", (int)strcspn(address, "/?#"), address, path);
    CURL *h = curl_easy_init();
    if (!h) return err_set(err, errlen, "cannot start libcurl");
    struct curl_slist *hdrs = curl_slist_append(NULL, "Content-Type:"); /* Go sends none */
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, ctl_collect);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, resp);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    /* Go's client never uses a proxy for loopback addresses. */
    curl_easy_setopt(h, CURLOPT_NOPROXY, "localhost,127.0.0.0/8,::1");
    if (body) curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    CURLcode rc = curl_easy_perform(h);
    if (rc != CURLE_OK) ctl_transport_error(h, rc, method, url, address, err, errlen);
    else curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, code);
    curl_slist_free_all(hdrs);
    curl_easy_cleanup(h);
    return rc == CURLE_OK ? 0 : -1;
}

/* 0 when the answer is a JSON document to print; else -1 with k6's error
 * for it: the first JSON:API error as "title: detail" for an HTTP status
 * >= 400, or Go's JSON error when the body is not JSON. */
static int ctl_check_answer(long code, const buf *resp, char *err, size_t errlen) {
    if (gojson_check(resp->p, resp->len, err, errlen, NULL)) return -1;
    if (code < 400) return 0;
    cJSON *doc = cJSON_ParseWithLength(resp->p, resp->len);
    const cJSON *e = cJSON_GetArrayItem(cJSON_GetObjectItem(doc, "errors"), 0);
    const char *title = cJSON_GetStringValue(cJSON_GetObjectItem(e, "title"));
    const char *detail = cJSON_GetStringValue(cJSON_GetObjectItem(e, "detail"));
    if (e) err_set(err, errlen, "%s: %s", title ? title : "", detail ? detail : "");
    else err_set(err, errlen, "HTTP %ld without a JSON:API error document", code);
    cJSON_Delete(doc);
    return -1;
}

/* ---- YAML, as gopkg.in/yaml.v3 writes these values -------------------- */

/* Would yaml.v3 read this plain text back as something else than a
 * string (null, bool, YAML 1.1 bool, number)? Then it double-quotes it. */
static bool ctl_yaml_nonstring(const char *s) {
    static const char *const words[] = {"",      "~",     "null", "Null",  "NULL",  "true",  "True",  "TRUE",  "false",
                                        "False", "FALSE", "y",    "Y",     "yes",   "Yes",   "YES",   "n",     "N",
                                        "no",    "No",    "NO",   "on",    "On",    "ON",    "off",   "Off",   "OFF",
                                        ".inf",  ".Inf",  ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF",
                                        ".nan",  ".NaN",  ".NAN", "<<",    NULL};
    if (ctl_in(s, words)) return true;
    if (!strchr("+-.0123456789", s[0])) return false;
    char digits[64], *end;
    size_t n = 0;
    for (const char *p = s; *p && n + 1 < sizeof digits; p++)
        if (*p != '_') digits[n++] = *p;
    digits[n] = '\0';
    const char *d = digits + (digits[0] == '+' || digits[0] == '-');
    if (d[0] == '0' && (d[1] == 'b' || d[1] == 'o'))
        return d[2] && strspn(d + 2, d[1] == 'b' ? "01" : "01234567") == strlen(d + 2);
    strtod(digits, &end);
    return end != digits && !*end;
}

/* A string scalar: plain when yaml.v3 may, else single-quoted, else
 * double-quoted (libyaml's analysis, reduced to one-line ASCII-safe text). */
static void ctl_yaml_str(FILE *out, const char *s) {
    size_t n = strlen(s);
    bool plain = !ctl_yaml_nonstring(s), single = true;
    if (n && (s[0] == ' ' || s[n - 1] == ' ')) plain = false;
    if (n && strchr("#,[]{}&*!|>'\"%@`", s[0])) plain = false;
    if (n && strchr("?:-", s[0]) && (s[1] == ' ' || s[1] == '\0')) plain = false;
    if (!strncmp(s, "---", 3) || !strncmp(s, "...", 3)) plain = false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f) plain = single = false;
        if (c == ':' && (s[i + 1] == ' ' || s[i + 1] == '\0')) plain = false;
        if (c == '#' && i && s[i - 1] == ' ') plain = false;
    }
    if (plain && n) {
        fputs(s, out);
    } else if (single && n) {
        fputc('\'', out);
        for (const char *p = s; *p; p++) {
            if (*p == '\'') fputc('\'', out);
            fputc(*p, out);
        }
        fputc('\'', out);
    } else {
        fputc('"', out);
        for (const char *p = s; *p; p++) {
            unsigned char c = (unsigned char)*p;
            if (c == '"' || c == '\\') fprintf(out, "\\%c", c);
            else if (c == '\n') fputs("\\n", out);
            else if (c == '\t') fputs("\\t", out);
            else if (c < 0x20 || c == 0x7f) fprintf(out, "\\x%02X", c);
            else fputc(c, out);
        }
        fputc('"', out);
    }
}

/* A float64 as yaml.v3 writes it: strconv 'g' with shortest digits. */
static void ctl_yaml_float(FILE *out, double v) {
    char num[WRITER_NUM_MAX];
    if (isnan(v)) fputs(".nan", out);
    else if (isinf(v)) fputs(v > 0 ? ".inf" : "-.inf", out);
    else writer_fmt_go(num, v), fputs(num, out);
}

/* null.Bool / null.Int through MarshalText: quoted text, "" when null. */
static void ctl_yaml_null_bool(FILE *out, const char *key, bool set, bool v) {
    fprintf(out, "%s: \"%s\"\n", key, !set ? "" : v ? "true" : "false");
}

static void ctl_yaml_null_int(FILE *out, const char *key, bool set, int64_t v) {
    if (set) fprintf(out, "%s: \"%" PRId64 "\"\n", key, v);
    else fprintf(out, "%s: \"\"\n", key);
}

static int ctl_print_status(FILE *out, const buf *resp, char *err, size_t errlen) {
    api_status_doc st;
    if (api_status_decode(resp->p, resp->len, &st, err, errlen)) return -1;
    fprintf(out, "status: %" PRIu32 "\n", st.status);
    ctl_yaml_null_bool(out, "paused", st.paused_set, st.paused);
    ctl_yaml_null_int(out, "vus", st.vus_set, st.vus);
    ctl_yaml_null_int(out, "vus-max", st.vus_max_set, st.vus_max);
    fprintf(out, "stopped: %s\nrunning: %s\ntainted: %s\n", st.stopped ? "true" : "false",
            st.running ? "true" : "false", st.tainted ? "true" : "false");
    return 0;
}

/* yaml.v3's order for map keys: letters before digits and other runes,
 * runs of digits compared as numbers. */
static int ctl_key_cmp(const void *pa, const void *pb) {
    const char *a = (*(const cJSON *const *)pa)->string, *b = (*(const cJSON *const *)pb)->string;
    bool digits = false;
    size_t i = 0;
    for (; a[i] && b[i]; i++) {
        if (a[i] == b[i]) {
            digits = isdigit((unsigned char)a[i]);
            continue;
        }
        bool al = isalpha((unsigned char)a[i]), bl = isalpha((unsigned char)b[i]);
        if (al && bl) return (unsigned char)a[i] - (unsigned char)b[i];
        if (al || bl) return digits ? (al ? -1 : 1) : (bl ? -1 : 1);
        int64_t an = 0, bn = 0;
        size_t ai = i, bi = i;
        if (a[i] == '0' || b[i] == '0')
            for (size_t j = i; j-- > 0 && isdigit((unsigned char)a[j]);)
                if (a[j] != '0') {
                    an = bn = 1;
                    break;
                }
        for (; isdigit((unsigned char)a[ai]); ai++) an = an * 10 + (a[ai] - '0');
        for (; isdigit((unsigned char)b[bi]); bi++) bn = bn * 10 + (b[bi] - '0');
        if (an != bn) return an < bn ? -1 : 1;
        if (ai != bi) return ai < bi ? -1 : 1;
        return (unsigned char)a[i] - (unsigned char)b[i];
    }
    return a[i] ? 1 : b[i] ? -1 : 0;
}

/* "  sample:" and its entries, sorted; an empty map is "{}". */
static int ctl_print_sample(FILE *out, const cJSON *sample) {
    size_t n = (size_t)cJSON_GetArraySize(sample), k = 0;
    if (!cJSON_IsObject(sample) || n == 0) {
        fputs("  sample: {}\n", out);
        return 0;
    }
    const cJSON **items = malloc(n * sizeof *items), *it;
    if (!items) return -1;
    cJSON_ArrayForEach(it, sample) items[k++] = it;
    qsort(items, n, sizeof *items, ctl_key_cmp);
    fputs("  sample:\n", out);
    for (k = 0; k < n; k++) {
        fputs("    ", out);
        ctl_yaml_str(out, items[k]->string);
        fputs(": ", out);
        ctl_yaml_float(out, cJSON_IsNumber(items[k]) ? items[k]->valuedouble : 0);
        fputc('\n', out);
    }
    free(items);
    return 0;
}

/* v1.NullMetricType / NullValueType have no text form: yaml.v3 prints
 * their two fields. null is the zero value (counter / default), invalid. */
static void ctl_print_typed(FILE *out, const char *key, const cJSON *v, const char *zero) {
    const char *s = cJSON_GetStringValue(v);
    fprintf(out, "  %s:\n    type: ", key);
    ctl_yaml_str(out, s ? s : zero);
    fprintf(out, "\n    valid: %s\n", s ? "true" : "false");
}

static int ctl_print_metrics(FILE *out, const buf *resp, char *err, size_t errlen) {
    cJSON *doc = cJSON_ParseWithLength(resp->p, resp->len);
    const cJSON *data = cJSON_GetObjectItem(doc, "data"), *m;
    int rc = 0;
    if (!doc) return err_set(err, errlen, "out of memory");
    if (cJSON_GetArraySize(data) == 0) fputs("[]\n", out);
    cJSON_ArrayForEach(m, data) {
        const cJSON *a = cJSON_GetObjectItem(m, "attributes");
        const char *name = cJSON_GetStringValue(cJSON_GetObjectItem(m, "id"));
        fputs("- name: ", out);
        ctl_yaml_str(out, name ? name : "");
        fputc('\n', out);
        ctl_print_typed(out, "type", cJSON_GetObjectItem(a, "type"), "counter");
        ctl_print_typed(out, "contains", cJSON_GetObjectItem(a, "contains"), "default");
        const cJSON *tainted = cJSON_GetObjectItem(a, "tainted");
        ctl_yaml_null_bool(out, "  tainted", cJSON_IsBool(tainted), cJSON_IsTrue(tainted));
        if ((rc = ctl_print_sample(out, cJSON_GetObjectItem(a, "sample"))) != 0) {
            err_set(err, errlen, "out of memory");
            break;
        }
    }
    cJSON_Delete(doc);
    return rc;
}

/* ---- the commands ----------------------------------------------------- */

/* k6's client sends the whole v1.Status: unset nullables are null. */
static void ctl_patch_body(const ctl_opts *o, char *body, size_t n) {
    char paused[8] = "null", vus[24] = "null", max[24] = "null";
    if (o->cmd == CTL_PAUSE || o->cmd == CTL_RESUME)
        snprintf(paused, sizeof paused, "%s", o->cmd == CTL_PAUSE ? "true" : "false");
    if (o->vus_set) snprintf(vus, sizeof vus, "%" PRId64, o->vus);
    if (o->max_set) snprintf(max, sizeof max, "%" PRId64, o->max);
    snprintf(body, n,
             "{\"data\":{\"type\":\"status\",\"id\":\"default\",\"attributes\":{\"status\":0,"
             "\"paused\":%s,\"vus\":%s,\"vus-max\":%s,\"stopped\":%s,\"running\":false,"
             "\"tainted\":false}}}",
             paused, vus, max, o->cmd == CTL_STOP ? "true" : "false");
}

static int ctl_run(const ctl_opts *o, FILE *out, char *err, size_t errlen) {
    char body[512];
    const char *method = "GET", *send = NULL;
    if (o->cmd == CTL_SCALE && !o->vus_set && !o->max_set)
        return err_set(err, errlen, "Specify either -u/--vus or -m/--max");
    if (o->cmd == CTL_PAUSE || o->cmd == CTL_RESUME || o->cmd == CTL_SCALE || o->cmd == CTL_STOP) {
        ctl_patch_body(o, body, sizeof body);
        method = "PATCH";
        send = body;
    }
    buf resp = {0};
    long code = 0;
    int rc = ctl_request(o->address, method, o->cmd == CTL_STATS ? "/v1/metrics" : "/v1/status", send, &code, &resp,
                         err, errlen);
    if (rc == 0) rc = ctl_check_answer(code, &resp, err, errlen);
    if (rc == 0)
        rc = o->cmd == CTL_STATS ? ctl_print_metrics(out, &resp, err, errlen)
                                 : ctl_print_status(out, &resp, err, errlen);
    buf_free(&resp);
    return rc;
}

int control_main(int argc, char **argv, FILE *out) {
    char err[1024] = "";
    int cmd = ctl_find(argv[0]);
    const char *env = getenv("K6_ADDRESS");
    ctl_opts o = {.cmd = (ctl_cmd)cmd, .address = env ? env : API_DEFAULT_ADDRESS};
    if (cmd < 0) err_set(err, sizeof err, "unknown command \"%s\" for \"c6\"", argv[0]);
    else if (ctl_parse(argc, argv, &o, err, sizeof err) == 0 && o.help) {
        ctl_usage(&o, out);
        return 0;
    }
    if (err[0] || ctl_run(&o, out, err, sizeof err) != 0) {
        log_printf(LOG_ERROR, "%s", err);
        return CTL_EXIT_ERROR;
    }
    return fflush(out) == 0 ? 0 : CTL_EXIT_ERROR;
}
