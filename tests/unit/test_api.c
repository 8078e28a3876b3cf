/* test_api.c - the REST API server (src/api/server.c) against fake run
 * callbacks, queried over HTTP with libcurl on 127.0.0.1; the `c6 status`
 * family (src/cli/control.c) against the same server; Go's JSON syntax
 * errors; the `run` flags --address and --paused. Expected documents are
 * written out in full (ids are md5 sums computed outside this code). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <math.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <curl/curl.h>

#include "api/server.h"
#include "cli/args.h"
#include "cli/control.h"
#include "util/gojson.h"

/* ---- a fake run --------------------------------------------------------- */

typedef struct {
    api_status st;
    bool no_executor;
    int paused_calls, scale_calls, stop_calls;
    bool last_paused;
    bool scale_vus_given, scale_max_given;
    int64_t scale_vus, scale_max;
    bool nan_metric; /* a trend with a NaN, for the encoding error */
} fake_run;

static void fake_status(void *ctx, api_status *out) { *out = ((fake_run *)ctx)->st; }

static void fake_stop(void *ctx) {
    fake_run *f = ctx;
    f->stop_calls++;
    f->st.stopped = true;
    f->st.running = false;
    f->st.status = API_EXEC_ENDED;
}

static int fake_set_paused(void *ctx, bool paused, char *err, size_t errlen) {
    fake_run *f = ctx;
    f->paused_calls++;
    f->last_paused = paused;
    if (f->st.paused == paused) {
        snprintf(err, errlen, "%s", paused ? "test execution was already paused" : "test execution wasn't paused");
        return -1;
    }
    f->st.paused = paused;
    return 0;
}

static api_scale_result fake_scale(void *ctx, const int64_t *vus, const int64_t *max, char *err, size_t errlen) {
    fake_run *f = ctx;
    f->scale_calls++;
    f->scale_vus_given = vus != NULL;
    f->scale_max_given = max != NULL;
    f->scale_vus = vus ? *vus : -1;
    f->scale_max = max ? *max : -1;
    if (f->no_executor) return API_SCALE_NO_EXECUTOR;
    int64_t v = vus ? *vus : f->st.vus, m = max ? *max : f->st.vus_max;
    if (v > m) {
        snprintf(err, errlen,
                 "the number of active VUs (%lld) must be less than or equal to "
                 "the number of maxVUs (%lld)",
                 (long long)v, (long long)m);
        return API_SCALE_REJECTED;
    }
    f->st.vus = v;
    f->st.vus_max = m;
    return API_SCALE_OK;
}

static void fake_metrics(void *ctx, const char *name, api_metric_fn emit, void *arg) {
    fake_run *f = ctx;
    api_metric all[] = {
        {"http_reqs", API_COUNTER, API_DEFAULT, -1, .sample.counter = {10, 2.5}},
        {"vus", API_GAUGE, API_DEFAULT, -1, .sample.gauge = {5}},
        {"checks", API_RATE, API_DEFAULT, 0, .sample.rate = {10.0 / 12}},
        {"http_req_duration", API_TREND, API_TIME, 1,
         .sample.trend = {.min = 1e-7, .max = 1e21, .avg = 12.5, .med = 0.1, .p90 = 123456789, .p95 = -0.0}},
        {"http_req_duration{status:200}", API_TREND, API_TIME, 0, .sample.trend = {0}},
        {"data_received", API_COUNTER, API_DATA, -1, .sample.counter = {1e6, 0}},
    };
    if (f->nan_metric) all[3].sample.trend.avg = NAN;
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        if (!name || strcmp(name, all[i].name) == 0) emit(arg, &all[i]);
}

static void fake_groups(void *ctx, api_group_fn emit, void *arg) {
    (void)ctx;
    /* names built at run time: the server must copy what it keeps */
    char root_check[16], login_check[32];
    snprintf(root_check, sizeof root_check, "is %d", 200);
    snprintf(login_check, sizeof login_check, "got <token> & more");
    api_check rc[] = {{root_check, 10, 2}}, lc[] = {{login_check, 3, 0}};
    emit(arg, &(api_group){"", rc, 1});
    emit(arg, &(api_group){"::login", lc, 1});
    emit(arg, &(api_group){"::login::form", NULL, 0});
}

/* setup data kept by the fake: a static text, replaced by PUT and POST */
static char *fake_setup_json;
static int fake_setup_runs, fake_teardown_runs;
static const char *fake_setup_error; /* POST /v1/setup and /v1/teardown fail with it */

static char *fake_setup_data(void *ctx) {
    (void)ctx;
    return fake_setup_json ? strdup(fake_setup_json) : NULL;
}

static void fake_set_setup_data(void *ctx, char *json) {
    (void)ctx;
    free(fake_setup_json);
    fake_setup_json = json;
}

static int fake_run_setup(void *ctx, char *err, size_t errlen) {
    (void)ctx;
    fake_setup_runs++;
    if (fake_setup_error) return snprintf(err, errlen, "%s", fake_setup_error), -1;
    /* what setup() returned, with what the server must escape and compact */
    fake_set_setup_data(ctx, strdup("{ \"v\" : [1, 2], \"s\": \"<a & b> \\\" \xe2\x80\xa8\" }"));
    return 0;
}

static int fake_run_teardown(void *ctx, char *err, size_t errlen) {
    (void)ctx;
    fake_teardown_runs++;
    if (fake_setup_error) return snprintf(err, errlen, "%s", fake_setup_error), -1;
    return 0;
}

static const api_ops FAKE_OPS = {
    fake_status, fake_stop,       fake_set_paused,     fake_scale,     fake_metrics,
    fake_groups, fake_setup_data, fake_set_setup_data, fake_run_setup, fake_run_teardown,
};

typedef struct {
    fake_run run;
    api_server *srv;
    char addr[32];
} fixture;

static int setup(void **state) {
    fixture *fx = calloc(1, sizeof *fx);
    char err[256] = "";
    fx->run.st = (api_status){API_EXEC_RUNNING, false, 5, 10, false, true, false};
    fx->srv = api_server_start("127.0.0.1:0", &FAKE_OPS, &fx->run, err, sizeof err);
    if (!fx->srv) fail_msg("api_server_start: %s", err);
    assert_true(api_server_port(fx->srv) > 0);
    snprintf(fx->addr, sizeof fx->addr, "127.0.0.1:%u", api_server_port(fx->srv));
    *state = fx;
    return 0;
}

static int teardown(void **state) {
    fixture *fx = *state;
    api_server_stop(fx->srv);
    free(fx);
    return 0;
}

/* ---- HTTP with libcurl -------------------------------------------------- */

typedef struct {
    long code;
    char body[8192];
    size_t len;
    char type[128];
    char location[128];
} reply;

static size_t collect(char *p, size_t size, size_t n, void *arg) {
    reply *r = arg;
    size_t k = size * n;
    if (r->len + k >= sizeof r->body) return 0;
    memcpy(r->body + r->len, p, k);
    r->len += k;
    r->body[r->len] = '\0';
    return k;
}

static reply http(const fixture *fx, const char *method, const char *path, const char *body) {
    static reply r;
    char url[256];
    memset(&r, 0, sizeof r);
    snprintf(url, sizeof url, "http://%s%s", fx->addr, path);
    CURL *h = curl_easy_init();
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &r);
    curl_easy_setopt(h, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(h, CURLOPT_TIMEOUT, 10L);
    if (body) curl_easy_setopt(h, CURLOPT_POSTFIELDS, body);
    if (!strcmp(method, "HEAD")) curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    CURLcode rc = curl_easy_perform(h);
    if (rc != CURLE_OK) fail_msg("%s %s: %s", method, path, curl_easy_strerror(rc));
    char *ct = NULL, *loc = NULL;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r.code);
    curl_easy_getinfo(h, CURLINFO_CONTENT_TYPE, &ct);
    curl_easy_getinfo(h, CURLINFO_REDIRECT_URL, &loc);
    if (ct) snprintf(r.type, sizeof r.type, "%s", ct);
    if (loc) snprintf(r.location, sizeof r.location, "%s", loc);
    curl_easy_cleanup(h);
    return r;
}

#define JSON_TYPE "application/json; charset=utf-8"

static void expect(const reply *r, long code, const char *type, const char *body) {
    if (r->code != code || strcmp(r->body, body) != 0)
        fail_msg("got %ld %s\nwant %ld %s", r->code, r->body, code, body);
    assert_string_equal(r->type, type);
}

#define STATUS_DOC(status, paused, vus, max, stopped, running)                                                         \
    "{\"data\":{\"type\":\"status\",\"id\":\"default\",\"attributes\":{\"status\":" #status ",\"paused\":" #paused     \
    ",\"vus\":" #vus ",\"vus-max\":" #max ",\"stopped\":" #stopped ",\"running\":" #running ",\"tainted\":false}}}"

#define ERROR_DOC(code, title, detail)                                                                                 \
    "{\"errors\":[{\"status\":\"" #code "\",\"title\":\"" title "\",\"detail\":\"" detail "\"}]}"

/* A PATCH body as k6's client sends it, with attributes given. */
#define PATCH_DOC(attrs) "{\"data\":{\"type\":\"status\",\"id\":\"default\",\"attributes\":{" attrs "}}}"

/* ---- status ------------------------------------------------------------- */

static void test_get_status(void **state) {
    fixture *fx = *state;
    reply r = http(fx, "GET", "/v1/status", NULL);
    expect(&r, 200, JSON_TYPE, STATUS_DOC(7, false, 5, 10, false, true));
    fx->run.st.tainted = true;
    fx->run.st.status = API_EXEC_PAUSED_BEFORE_RUN;
    r = http(fx, "GET", "/v1/status", NULL);
    assert_non_null(strstr(r.body, "\"status\":4,"));
    assert_non_null(strstr(r.body, "\"tainted\":true}"));
}

static void test_patch_pause_resume(void **state) {
    fixture *fx = *state;
    reply r = http(fx, "PATCH", "/v1/status", PATCH_DOC("\"paused\":true"));
    expect(&r, 200, JSON_TYPE, STATUS_DOC(7, true, 5, 10, false, true));
    assert_int_equal(fx->run.paused_calls, 1);
    assert_true(fx->run.last_paused);
    assert_int_equal(fx->run.scale_calls, 0);

    /* the run's refusal is k6's "Pause error", 500 */
    r = http(fx, "PATCH", "/v1/status", PATCH_DOC("\"paused\":true"));
    expect(&r, 500, JSON_TYPE, ERROR_DOC(500, "Pause error", "test execution was already paused"));

    /* keys match case-insensitively, as Go's decoder does; unknown ones are ignored */
    r = http(fx, "PATCH", "/v1/status", "{\"data\":{\"attributes\":{\"PAUSED\":false,\"x\":[1]}}}");
    expect(&r, 200, JSON_TYPE, STATUS_DOC(7, false, 5, 10, false, true));
    assert_int_equal(fx->run.paused_calls, 3);
    assert_false(fx->run.last_paused);

    /* null and absent fields change nothing */
    r = http(fx, "PATCH", "/v1/status",
             PATCH_DOC("\"status\":0,\"paused\":null,\"vus\":null,\"vus-max\":null,"
                       "\"stopped\":false,\"running\":false,\"tainted\":false"));
    expect(&r, 200, JSON_TYPE, STATUS_DOC(7, false, 5, 10, false, true));
    assert_int_equal(fx->run.paused_calls, 3);
    assert_int_equal(fx->run.scale_calls, 0);
}

/* ---- setup and teardown ------------------------------------------------ */

/* k6 api/v1/setup_teardown_routes.go and setup_jsonapi.go: "application/json",
 * attributes {} without data (NullSetupData's omitempty), the data as a
 * json.RawMessage (compacted, <>& and U+2028 escaped); errors 400 "Error
 * parsing request body" (PUT) and 500 "Error executing setup"/"teardown";
 * teardown answers an empty 200; other methods 405. */
#define SETUP_DOC(attrs) "{\"data\":{\"type\":\"setupData\",\"id\":\"default\",\"attributes\":{" attrs "}}}"

static void test_setup_and_teardown(void **state) {
    fixture *fx = *state;
    free(fake_setup_json);
    fake_setup_json = NULL;
    fake_setup_error = NULL;
    fake_setup_runs = fake_teardown_runs = 0;
    reply r = http(fx, "GET", "/v1/setup", NULL);
    expect(&r, 200, "application/json", SETUP_DOC(""));
    r = http(fx, "POST", "/v1/setup", NULL);
    expect(&r, 200, "application/json",
           SETUP_DOC("\"data\":{\"v\":[1,2],\"s\":\"\\u003ca \\u0026 b\\u003e \\\" \\u2028\"}"));
    assert_int_equal(fake_setup_runs, 1);
    r = http(fx, "PUT", "/v1/setup", "{\"v\":2, \"test\":\"mest\"}");
    expect(&r, 200, "application/json", SETUP_DOC("\"data\":{\"v\":2,\"test\":\"mest\"}"));
    r = http(fx, "GET", "/v1/setup", NULL);
    expect(&r, 200, "application/json", SETUP_DOC("\"data\":{\"v\":2,\"test\":\"mest\"}"));
    r = http(fx, "PUT", "/v1/setup", "\"\"");
    expect(&r, 200, "application/json", SETUP_DOC("\"data\":\"\""));
    r = http(fx, "PUT", "/v1/setup", "null");
    expect(&r, 200, "application/json", SETUP_DOC("\"data\":null"));
    r = http(fx, "PUT", "/v1/setup", "{\"v\":");
    expect(&r, 400, JSON_TYPE, ERROR_DOC(400, "Error parsing request body", "unexpected end of JSON input"));
    r = http(fx, "PUT", "/v1/setup", ""); /* an empty body: no data */
    expect(&r, 200, "application/json", SETUP_DOC(""));
    assert_null(fake_setup_json);
    r = http(fx, "DELETE", "/v1/setup", NULL);
    expect(&r, 405, "", "");

    r = http(fx, "POST", "/v1/teardown", NULL);
    expect(&r, 200, "", "");
    assert_int_equal(fake_teardown_runs, 1);
    r = http(fx, "GET", "/v1/teardown", NULL);
    expect(&r, 405, "", "");

    fake_setup_error = "setup() execution timed out after 1 seconds";
    r = http(fx, "POST", "/v1/setup", NULL);
    expect(&r, 500, JSON_TYPE, ERROR_DOC(500, "Error executing setup", "setup() execution timed out after 1 seconds"));
    fake_setup_error = "Error: boom";
    r = http(fx, "POST", "/v1/teardown", NULL);
    expect(&r, 500, JSON_TYPE, ERROR_DOC(500, "Error executing teardown", "Error: boom"));
    fake_setup_error = NULL;
    free(fake_setup_json);
    fake_setup_json = NULL;
}

static void test_patch_scale(void **state) {
    fixture *fx = *state;
    reply r = http(fx, "PATCH", "/v1/status", PATCH_DOC("\"vus\":8,\"vus-max\":null"));
    expect(&r, 200, JSON_TYPE, STATUS_DOC(7, false, 8, 10, false, true));
    assert_int_equal(fx->run.scale_calls, 1);
    assert_true(fx->run.scale_vus_given);
    assert_false(fx->run.scale_max_given);
    assert_int_equal(fx->run.scale_vus, 8);

    r = http(fx, "PATCH", "/v1/status", PATCH_DOC("\"vus\":20,\"vus-max\":30"));
    expect(&r, 200, JSON_TYPE, STATUS_DOC(7, false, 20, 30, false, true));
    assert_true(fx->run.scale_max_given);
    assert_int_equal(fx->run.scale_max, 30);

    /* object form of null.Int, as Go decodes it into sql.NullInt64 */
    r = http(fx, "PATCH", "/v1/status", PATCH_DOC("\"vus-max\":{\"int64\":40,\"Valid\":false}"));
    expect(&r, 200, JSON_TYPE, STATUS_DOC(7, false, 20, 40, false, true));
    assert_false(fx->run.scale_vus_given);
    assert_int_equal(fx->run.scale_max, 40);

    r = http(fx, "PATCH", "/v1/status", PATCH_DOC("\"vus\":50"));
    expect(&r, 400, JSON_TYPE,
           ERROR_DOC(400, "Config update error",
                     "the number of active VUs (50) must be less than or equal to the number "
                     "of maxVUs (40)"));

    fx->run.no_executor = true;
    r = http(fx, "PATCH", "/v1/status", PATCH_DOC("\"vus\":1"));
    expect(&r, 500, JSON_TYPE,
           ERROR_DOC(500, "Execution config error",
                     "an externally-controlled executor needs to be configured for live "
                     "configuration updates"));

    /* a pause error comes before any VU change */
    fx->run.no_executor = false;
    int calls = fx->run.scale_calls;
    r = http(fx, "PATCH", "/v1/status", PATCH_DOC("\"paused\":false,\"vus\":1"));
    expect(&r, 500, JSON_TYPE, ERROR_DOC(500, "Pause error", "test execution wasn't paused"));
    assert_int_equal(fx->run.scale_calls, calls);
}

static void test_patch_stop(void **state) {
    fixture *fx = *state;
    /* "stopped" wins: k6 does nothing else with that PATCH */
    reply r = http(fx, "PATCH", "/v1/status", PATCH_DOC("\"paused\":true,\"vus\":1,\"stopped\":true"));
    expect(&r, 200, JSON_TYPE, STATUS_DOC(9, false, 5, 10, true, false));
    assert_int_equal(fx->run.stop_calls, 1);
    assert_int_equal(fx->run.paused_calls, 0);
    assert_int_equal(fx->run.scale_calls, 0);
}

/* Every rejected body is a 400 "Invalid data" with Go's error, and no call. */
static void expect_invalid(fixture *fx, const char *body, const char *detail) {
    char want[1024];
    snprintf(want, sizeof want, "{\"errors\":[{\"status\":\"400\",\"title\":\"Invalid data\",\"detail\":\"%s\"}]}",
             detail);
    reply r = http(fx, "PATCH", "/v1/status", body);
    expect(&r, 400, JSON_TYPE, want);
    assert_int_equal(fx->run.paused_calls + fx->run.scale_calls + fx->run.stop_calls, 0);
}

static void test_patch_invalid(void **state) {
    fixture *fx = *state;
    expect_invalid(fx, "", "unexpected end of JSON input");
    expect_invalid(fx, "{\"data\":", "unexpected end of JSON input");
    expect_invalid(fx, "paused", "invalid character 'p' looking for beginning of value");
    expect_invalid(fx, "{\"data\" 1}", "invalid character '1' after object key");
    expect_invalid(fx, "{data:1}", "invalid character 'd' looking for beginning of object key string");
    expect_invalid(fx, "{\"a\":1 \"b\":2}", "invalid character '\\\"' after object key:value pair");
    expect_invalid(fx, "{} x", "invalid character 'x' after top-level value");
    expect_invalid(fx, "[1,]", "invalid character ']' looking for beginning of value");
    expect_invalid(fx, "{\"vus\":1.}", "invalid character '}' after decimal point in numeric literal");
    expect_invalid(fx, "{\"paused\":tru}", "invalid character '}' in literal true (expecting 'e')");
    /* JSON as text: the detail is itself escaped, Go's quote of the byte too */
    expect_invalid(fx, "{\"a\":\"\t\"}", "invalid character '\\\\t' in string literal");
    expect_invalid(fx, "[]", "json: cannot unmarshal array into Go value of type v1.StatusJSONAPI");
    expect_invalid(fx, "{\"data\":5}",
                   "json: cannot unmarshal number into Go struct field StatusJSONAPI.data of "
                   "type v1.statusData");
    expect_invalid(fx, "{\"data\":{\"id\":false}}",
                   "json: cannot unmarshal bool into Go struct field statusData.data.id of type "
                   "string");
    expect_invalid(fx, PATCH_DOC("\"stopped\":\"yes\""),
                   "json: cannot unmarshal string into Go struct field "
                   "Status.data.attributes.stopped of type bool");
    expect_invalid(fx, PATCH_DOC("\"status\":-1"),
                   "json: cannot unmarshal number -1 into Go struct field "
                   "Status.data.attributes.status of type lib.ExecutionStatus");
    expect_invalid(fx, PATCH_DOC("\"paused\":\"true\""),
                   "json: cannot unmarshal string into Go value of type null.Bool");
    expect_invalid(fx, PATCH_DOC("\"paused\":[true]"), "json: cannot unmarshal  into Go value of type null.Bool");
    expect_invalid(fx, PATCH_DOC("\"vus\":\"5\""), "json: cannot unmarshal string into Go value of type null.Int");
    expect_invalid(fx, PATCH_DOC("\"vus\":1.5"),
                   "json: cannot unmarshal number 1.5 into Go struct field "
                   "Status.data.attributes.vus of type int64");
    expect_invalid(fx, PATCH_DOC("\"vus-max\":{\"Int64\":true}"),
                   "json: cannot unmarshal bool into Go struct field "
                   "Status.data.attributes.vus-max.Int64 of type int64");
    /* a null.Bool error stops decoding and wins over an earlier type error */
    expect_invalid(fx, PATCH_DOC("\"running\":1,\"paused\":2,\"stopped\":true"),
                   "json: cannot unmarshal float64 into Go value of type null.Bool");
    /* an earlier plain type error is kept; the valid "stopped" is not acted on */
    expect_invalid(fx, PATCH_DOC("\"running\":1,\"stopped\":true"),
                   "json: cannot unmarshal number into Go struct field "
                   "Status.data.attributes.running of type bool");
}

static void test_json_check(void **state) {
    (void)state;
    static const struct {
        const char *in, *err;
    } cases[] = {
        {"{\"a\":[1,2.5e-3,-0,true,false,null,\"\\u00e9\\n\"]}", ""},
        {" 7 ", ""},
        {"", "unexpected end of JSON input"},
        {"[1", "unexpected end of JSON input"},
        {"\"abc", "unexpected end of JSON input"},
        {"-", "invalid character ' ' in numeric literal"},
        {"1e", "invalid character ' ' in exponent of numeric literal"},
        {"1e+x", "invalid character 'x' in exponent of numeric literal"},
        {"01", "invalid character '1' after top-level value"},
        {"[01]", "invalid character '1' after array element"},
        {"nul", "invalid character ' ' in literal null (expecting 'l')"},
        {"\"\\x\"", "invalid character 'x' in string escape code"},
        {"\"\\u12g4\"", "invalid character 'g' in \\u hexadecimal character escape"},
        {"'a'", "invalid character '\\'' looking for beginning of value"},
        {"\x01", "invalid character '\\x01' looking for beginning of value"},
        {"\xc3\xa9", "invalid character '\xc3\x83' looking for beginning of value"},
        {"\xa0", "invalid character '\\u00a0' looking for beginning of value"},
        {"404 page not found\n", "invalid character 'p' after top-level value"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char err[256] = "";
        int rc = gojson_check(cases[i].in, strlen(cases[i].in), err, sizeof err, NULL);
        if (rc != (cases[i].err[0] ? -1 : 0) || strcmp(err, cases[i].err) != 0)
            fail_msg("case %zu (%s): rc %d, err \"%s\", want \"%s\"", i, cases[i].in, rc, err, cases[i].err);
    }
    /* Go's nesting limit */
    size_t n = 10001;
    char *deep = malloc(2 * n), err[256] = "";
    memset(deep, '[', n);
    memset(deep + n, ']', n);
    assert_int_equal(gojson_check(deep, 2 * n, err, sizeof err, NULL), -1);
    assert_string_equal(err, "invalid character '[' exceeded max depth");
    assert_int_equal(gojson_check(deep + 1, 2 * n - 2, err, sizeof err, NULL), 0);
    free(deep);
}

/* ---- metrics and groups ------------------------------------------------- */

#define M_REQS                                                                                                         \
    "{\"type\":\"metrics\",\"id\":\"http_reqs\",\"attributes\":{\"type\":\"counter\","                                 \
    "\"contains\":\"default\",\"tainted\":null,\"sample\":{\"count\":10,\"rate\":2.5}}}"
#define M_VUS                                                                                                          \
    "{\"type\":\"metrics\",\"id\":\"vus\",\"attributes\":{\"type\":\"gauge\",\"contains\":"                            \
    "\"default\",\"tainted\":null,\"sample\":{\"value\":5}}}"
#define M_CHECKS                                                                                                       \
    "{\"type\":\"metrics\",\"id\":\"checks\",\"attributes\":{\"type\":\"rate\",\"contains\":"                          \
    "\"default\",\"tainted\":false,\"sample\":{\"rate\":0.8333333333333334}}}"
#define M_DURATION                                                                                                     \
    "{\"type\":\"metrics\",\"id\":\"http_req_duration\",\"attributes\":{\"type\":\"trend\","                           \
    "\"contains\":\"time\",\"tainted\":true,\"sample\":{\"avg\":12.5,\"max\":1e+21,\"med\":0.1,"                       \
    "\"min\":1e-7,\"p(90)\":123456789,\"p(95)\":-0}}}"
#define M_DURATION_200                                                                                                 \
    "{\"type\":\"metrics\",\"id\":\"http_req_duration{status:200}\",\"attributes\":{\"type\":"                         \
    "\"trend\",\"contains\":\"time\",\"tainted\":false,\"sample\":{\"avg\":0,\"max\":0,\"med\":0,"                     \
    "\"min\":0,\"p(90)\":0,\"p(95)\":0}}}"
#define M_DATA                                                                                                         \
    "{\"type\":\"metrics\",\"id\":\"data_received\",\"attributes\":{\"type\":\"counter\","                             \
    "\"contains\":\"data\",\"tainted\":null,\"sample\":{\"count\":1000000,\"rate\":0}}}"

static void test_metrics(void **state) {
    fixture *fx = *state;
    reply r = http(fx, "GET", "/v1/metrics", NULL);
    expect(&r, 200, JSON_TYPE,
           "{\"data\":[" M_REQS "," M_VUS "," M_CHECKS "," M_DURATION "," M_DURATION_200 "," M_DATA "]}");
    r = http(fx, "GET", "/v1/metrics/checks", NULL);
    expect(&r, 200, JSON_TYPE, "{\"data\":" M_CHECKS "}");
    /* the id is the URL-decoded path rest */
    r = http(fx, "GET", "/v1/metrics/http_req_duration%7Bstatus:200%7D", NULL);
    expect(&r, 200, JSON_TYPE, "{\"data\":" M_DURATION_200 "}");
    r = http(fx, "GET", "/v1/metrics/nope", NULL);
    expect(&r, 404, JSON_TYPE, ERROR_DOC(404, "Not Found", "No metric with that ID was found"));
    r = http(fx, "GET", "/v1/metrics/", NULL);
    expect(&r, 404, JSON_TYPE, ERROR_DOC(404, "Not Found", "No metric with that ID was found"));

    fx->run.nan_metric = true;
    r = http(fx, "GET", "/v1/metrics", NULL);
    expect(&r, 500, JSON_TYPE, ERROR_DOC(500, "Encoding error", "json: unsupported value: NaN"));
}

#define G_ROOT                                                                                                         \
    "{\"type\":\"groups\",\"id\":\"d41d8cd98f00b204e9800998ecf8427e\",\"attributes\":{\"path\":"                       \
    "\"\",\"name\":\"\",\"checks\":[{\"id\":\"b90917b286da7eb763f41c72548efc6d\",\"path\":"                            \
    "\"::is 200\",\"name\":\"is 200\",\"passes\":10,\"fails\":2}]},\"relationships\":{"                                \
    "\"groups\":{\"data\":[{\"type\":\"groups\",\"id\":\"a7d10b3a6c9a385ee254f0dbc7f9c8c9\"}]},"                       \
    "\"parent\":{\"data\":null}}}"
#define G_LOGIN                                                                                                        \
    "{\"type\":\"groups\",\"id\":\"a7d10b3a6c9a385ee254f0dbc7f9c8c9\",\"attributes\":{\"path\":"                       \
    "\"::login\",\"name\":\"login\",\"checks\":[{\"id\":\"d1294fd73dec54a2605f5b9178748e37\","                         \
    "\"path\":\"::login::got \\u003ctoken\\u003e \\u0026 more\",\"name\":\"got \\u003ctoken\\u003e "                   \
    "\\u0026 more\",\"passes\":3,\"fails\":0}]},\"relationships\":{\"groups\":{\"data\":[{"                            \
    "\"type\":\"groups\",\"id\":\"866c9c1eda4c61eb13279f7537159b21\"}]},\"parent\":{\"data\":{"                        \
    "\"type\":\"groups\",\"id\":\"d41d8cd98f00b204e9800998ecf8427e\"}}}}"
#define G_FORM                                                                                                         \
    "{\"type\":\"groups\",\"id\":\"866c9c1eda4c61eb13279f7537159b21\",\"attributes\":{\"path\":"                       \
    "\"::login::form\",\"name\":\"form\",\"checks\":null},\"relationships\":{\"groups\":{"                             \
    "\"data\":[]},\"parent\":{\"data\":{\"type\":\"groups\",\"id\":"                                                   \
    "\"a7d10b3a6c9a385ee254f0dbc7f9c8c9\"}}}}"

static void test_groups(void **state) {
    fixture *fx = *state;
    reply r = http(fx, "GET", "/v1/groups", NULL);
    expect(&r, 200, JSON_TYPE, "{\"data\":[" G_ROOT "," G_LOGIN "," G_FORM "]}");
    r = http(fx, "GET", "/v1/groups/a7d10b3a6c9a385ee254f0dbc7f9c8c9", NULL);
    expect(&r, 200, JSON_TYPE, "{\"data\":" G_LOGIN "}");
    r = http(fx, "GET", "/v1/groups/866c9c1eda4c61eb13279f7537159b21", NULL);
    expect(&r, 200, JSON_TYPE, "{\"data\":" G_FORM "}");
    r = http(fx, "GET", "/v1/groups/login", NULL);
    expect(&r, 404, JSON_TYPE, ERROR_DOC(404, "Not Found", "No group with that ID was found"));
}

static void test_routes(void **state) {
    fixture *fx = *state;
    static const char *const not_allowed[][2] = {
        {"POST", "/v1/status"},  {"DELETE", "/v1/status"}, {"PUT", "/v1/metrics"}, {"POST", "/v1/metrics/vus"},
        {"PATCH", "/v1/groups"}, {"HEAD", "/v1/groups/x"}, {"get", "/v1/status"},
    };
    for (size_t i = 0; i < sizeof not_allowed / sizeof not_allowed[0]; i++) {
        reply r = http(fx, not_allowed[i][0], not_allowed[i][1], NULL);
        if (r.code != 405 || r.len != 0)
            fail_msg("%s %s: %ld %s", not_allowed[i][0], not_allowed[i][1], r.code, r.body);
    }
    reply r = http(fx, "GET", "/v1/setupx", NULL);
    expect(&r, 404, "text/plain; charset=utf-8", "404 page not found\n");
    r = http(fx, "GET", "/v1/status/", NULL);
    expect(&r, 404, "text/plain; charset=utf-8", "404 page not found\n");
    r = http(fx, "GET", "/v1/", NULL);
    expect(&r, 404, "text/plain; charset=utf-8", "404 page not found\n");
    r = http(fx, "GET", "/v1", NULL);
    expect(&r, 301, "text/html; charset=utf-8", "<a href=\"/v1/\">Moved Permanently</a>.\n\n");
    assert_non_null(strstr(r.location, "/v1/"));
    r = http(fx, "GET", "/ping", NULL);
    expect(&r, 200, "text/plain; charset=utf-8", "ok");
    r = http(fx, "POST", "/anything/else", "x");
    expect(&r, 200, "text/plain; charset=utf-8", "ok");
    assert_int_equal(fx->run.paused_calls + fx->run.scale_calls + fx->run.stop_calls, 0);
}

/* ---- listening ---------------------------------------------------------- */

static void test_listen_errors(void **state) {
    fixture *fx = *state;
    char err[256] = "", want[256];
    assert_null(api_server_start(fx->addr, &FAKE_OPS, &fx->run, err, sizeof err));
    snprintf(want, sizeof want, "listen tcp %s: bind: address already in use", fx->addr);
    assert_string_equal(err, want);
    assert_null(api_server_start("localhost", &FAKE_OPS, &fx->run, err, sizeof err));
    assert_string_equal(err, "listen tcp: address localhost: missing port in address");
    assert_null(api_server_start("::1:80", &FAKE_OPS, &fx->run, err, sizeof err));
    assert_string_equal(err, "listen tcp: address ::1:80: too many colons in address");
    assert_null(api_server_start("127.0.0.1:70000", &FAKE_OPS, &fx->run, err, sizeof err));
    assert_string_equal(err, "listen tcp: address 70000: invalid port");
    assert_null(api_server_start("host.invalid:1", &FAKE_OPS, &fx->run, err, sizeof err));
    assert_string_equal(err, "listen tcp: lookup host.invalid: no such host");
    api_server_stop(NULL);

    /* a stopped server frees its port at once (and leaks nothing: ASan) */
    api_server_stop(fx->srv);
    fx->srv = api_server_start(fx->addr, &FAKE_OPS, &fx->run, err, sizeof err);
    if (!fx->srv) fail_msg("restart on %s: %s", fx->addr, err);
    reply r = http(fx, "GET", "/v1/status", NULL);
    assert_int_equal(r.code, 200);
}

/* ---- the CLI commands --------------------------------------------------- */

typedef struct {
    int rc;
    char out[4096];
    char err[2048];
} cli_result;

/* Runs control_main on "cmd args..." with stdout in a buffer and stderr
 * (the log) in a temporary file. */
static cli_result cli(const char *cmd, ...) {
    static cli_result res;
    char *argv[16] = {(char *)cmd};
    int argc = 1;
    va_list ap;
    va_start(ap, cmd);
    for (char *a; (a = va_arg(ap, char *));) argv[argc++] = a;
    va_end(ap);

    memset(&res, 0, sizeof res);
    char *outbuf = NULL;
    size_t outlen = 0;
    FILE *out = open_memstream(&outbuf, &outlen);
    FILE *errf = tmpfile();
    fflush(stderr);
    int saved = dup(STDERR_FILENO);
    dup2(fileno(errf), STDERR_FILENO);
    res.rc = control_main(argc, argv, out);
    fflush(stderr);
    dup2(saved, STDERR_FILENO);
    close(saved);
    fclose(out);
    snprintf(res.out, sizeof res.out, "%s", outbuf ? outbuf : "");
    free(outbuf);
    rewind(errf);
    size_t n = fread(res.err, 1, sizeof res.err - 1, errf);
    res.err[n] = '\0';
    fclose(errf);
    return res;
}

/* The log line's msg="..." part (after the time and level). */
static void expect_log_error(const cli_result *r, const char *msg) {
    char want[1024];
    snprintf(want, sizeof want, "level=error msg=\"%s\"\n", msg);
    if (r->rc != 255 || !strstr(r->err, want) || r->out[0])
        fail_msg("rc %d, out \"%s\", log \"%s\"\nwant log ...%s", r->rc, r->out, r->err, want);
}

#define YAML_STATUS(status, paused, vus, max, stopped, running)                                                        \
    "status: " #status "\npaused: \"" #paused "\"\nvus: \"" #vus "\"\nvus-max: \"" #max "\"\nstopped: " #stopped       \
    "\nrunning: " #running "\ntainted: false\n"

static void test_cli_status_pause_resume(void **state) {
    fixture *fx = *state;
    cli_result r = cli("status", "-a", fx->addr, NULL);
    assert_int_equal(r.rc, 0);
    assert_string_equal(r.out, YAML_STATUS(7, false, 5, 10, false, true));
    assert_string_equal(r.err, "");

    char flag[64];
    snprintf(flag, sizeof flag, "--address=%s", fx->addr);
    r = cli("pause", flag, NULL);
    assert_int_equal(r.rc, 0);
    assert_string_equal(r.out, YAML_STATUS(7, true, 5, 10, false, true));
    assert_true(fx->run.st.paused);

    r = cli("pause", "--address", fx->addr, NULL);
    expect_log_error(&r, "Pause error: test execution was already paused");

    setenv("K6_ADDRESS", fx->addr, 1); /* the default comes from K6_ADDRESS */
    r = cli("resume", NULL);
    unsetenv("K6_ADDRESS");
    assert_int_equal(r.rc, 0);
    assert_string_equal(r.out, YAML_STATUS(7, false, 5, 10, false, true));
    assert_int_equal(fx->run.paused_calls, 3);
    assert_false(fx->run.last_paused);
}

static void test_cli_scale(void **state) {
    fixture *fx = *state;
    char addr[64];
    snprintf(addr, sizeof addr, "-a%s", fx->addr);
    cli_result r = cli("scale", addr, "-u", "7", NULL);
    assert_int_equal(r.rc, 0);
    assert_string_equal(r.out, YAML_STATUS(7, false, 7, 10, false, true));
    assert_true(fx->run.scale_vus_given);
    assert_false(fx->run.scale_max_given);
    assert_int_equal(fx->run.paused_calls, 0); /* "paused": null in the body */

    r = cli("scale", addr, "--vus=12", "-m", "0x10", NULL); /* pflag: base prefixes */
    assert_int_equal(r.rc, 0);
    assert_string_equal(r.out, YAML_STATUS(7, false, 12, 16, false, true));

    r = cli("scale", addr, "--max", "3", NULL);
    expect_log_error(&r, "Config update error: the number of active VUs (12) must be less than "
                         "or equal to the number of maxVUs (3)");
    int calls = fx->run.scale_calls;
    r = cli("scale", addr, NULL);
    expect_log_error(&r, "Specify either -u/--vus or -m/--max");
    r = cli("scale", addr, "-u", "many", NULL);
    expect_log_error(&r, "invalid argument \\\"many\\\" for \\\"-u, --vus\\\" flag: "
                         "strconv.ParseInt: parsing \\\"many\\\": invalid syntax");
    assert_int_equal(fx->run.scale_calls, calls);
    r = cli("status", addr, "-u", "1", NULL); /* only scale has -u */
    expect_log_error(&r, "unknown shorthand flag: 'u' in -u");
    r = cli("status", "--bogus", NULL);
    expect_log_error(&r, "unknown flag: --bogus");
    r = cli("stats", "--address", NULL);
    expect_log_error(&r, "flag needs an argument: --address");

    r = cli("scale", "--help", NULL);
    assert_int_equal(r.rc, 0);
    assert_non_null(strstr(r.out, "Scale a running test."));
    assert_non_null(strstr(r.out, "-u, --vus int"));
}

static void test_cli_stats(void **state) {
    fixture *fx = *state;
    cli_result r = cli("stats", "-a", fx->addr, NULL);
    assert_int_equal(r.rc, 0);
    assert_string_equal(r.out, "- name: http_reqs\n"
                               "  type:\n    type: counter\n    valid: true\n"
                               "  contains:\n    type: default\n    valid: true\n"
                               "  tainted: \"\"\n"
                               "  sample:\n    count: 10\n    rate: 2.5\n"
                               "- name: vus\n"
                               "  type:\n    type: gauge\n    valid: true\n"
                               "  contains:\n    type: default\n    valid: true\n"
                               "  tainted: \"\"\n"
                               "  sample:\n    value: 5\n"
                               "- name: checks\n"
                               "  type:\n    type: rate\n    valid: true\n"
                               "  contains:\n    type: default\n    valid: true\n"
                               "  tainted: \"false\"\n"
                               "  sample:\n    rate: 0.8333333333333334\n"
                               "- name: http_req_duration\n"
                               "  type:\n    type: trend\n    valid: true\n"
                               "  contains:\n    type: time\n    valid: true\n"
                               "  tainted: \"true\"\n"
                               "  sample:\n    avg: 12.5\n    max: 1e+21\n    med: 0.1\n"
                               "    min: 1e-07\n    p(90): 1.23456789e+08\n    p(95): -0\n"
                               "- name: http_req_duration{status:200}\n"
                               "  type:\n    type: trend\n    valid: true\n"
                               "  contains:\n    type: time\n    valid: true\n"
                               "  tainted: \"false\"\n"
                               "  sample:\n    avg: 0\n    max: 0\n    med: 0\n"
                               "    min: 0\n    p(90): 0\n    p(95): 0\n"
                               "- name: data_received\n"
                               "  type:\n    type: counter\n    valid: true\n"
                               "  contains:\n    type: data\n    valid: true\n"
                               "  tainted: \"\"\n"
                               "  sample:\n    count: 1e+06\n    rate: 0\n");

    fx->run.nan_metric = true;
    r = cli("stats", "-a", fx->addr, NULL);
    expect_log_error(&r, "Encoding error: json: unsupported value: NaN");
}

/* A port nobody listens on: bound, then closed. */
static unsigned free_port(void) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof sa;
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
    close(fd);
    return ntohs(sa.sin_port);
}

static void test_cli_connection_refused(void **state) {
    (void)state;
    char addr[32], want[256];
    unsigned port = free_port();
    snprintf(addr, sizeof addr, "127.0.0.1:%u", port);
    cli_result r = cli("status", "-a", addr, NULL);
    snprintf(want, sizeof want,
             "Get \\\"http://127.0.0.1:%u/v1/status\\\": dial tcp 127.0.0.1:%u: connect: "
             "connection refused",
             port, port);
    expect_log_error(&r, want);
    r = cli("pause", "-a", addr, NULL);
    snprintf(want, sizeof want,
             "Patch \\\"http://127.0.0.1:%u/v1/status\\\": dial tcp 127.0.0.1:%u: connect: "
             "connection refused",
             port, port);
    expect_log_error(&r, want);
}

/* A one-shot HTTP server that is not k6's API: it answers the first
 * request with a canned response. */
typedef struct {
    int fd;
    const char *response;
} canned;

static void *canned_serve(void *arg) {
    canned *c = arg;
    int conn = accept(c->fd, NULL, NULL);
    char req[4096];
    if (conn >= 0) {
        ssize_t n = read(conn, req, sizeof req); /* the client's request fits one read */
        (void)n;
        ssize_t w = write(conn, c->response, strlen(c->response));
        (void)w;
        close(conn);
    }
    return NULL;
}

static cli_result cli_against(const char *response, const char *cmd) {
    canned c = {socket(AF_INET, SOCK_STREAM, 0), response};
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof sa;
    assert_int_equal(bind(c.fd, (struct sockaddr *)&sa, sizeof sa), 0);
    assert_int_equal(listen(c.fd, 1), 0);
    assert_int_equal(getsockname(c.fd, (struct sockaddr *)&sa, &len), 0);
    pthread_t t;
    pthread_create(&t, NULL, canned_serve, &c);
    char addr[64];
    /* a path in the address is dropped, as Go's URL resolution drops it */
    snprintf(addr, sizeof addr, "127.0.0.1:%u/ignored", ntohs(sa.sin_port));
    cli_result r = cli(cmd, "-a", addr, NULL);
    pthread_join(t, NULL);
    close(c.fd);
    return r;
}

/* What is not k6's API gets Go's JSON error, as k6's client reports it. */
static void test_cli_not_an_api(void **state) {
    (void)state;
    cli_result r = cli_against("HTTP/1.1 404 Not Found\r\nContent-Length: 19\r\n"
                               "Connection: close\r\n\r\n404 page not found\n",
                               "status");
    expect_log_error(&r, "invalid character 'p' after top-level value");
    r = cli_against("HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n"
                    "Connection: close\r\n\r\n",
                    "pause");
    expect_log_error(&r, "unexpected end of JSON input");
    r = cli_against("HTTP/1.1 200 OK\r\nContent-Length: 11\r\nConnection: close\r\n\r\n"
                    "{\"data\":[]}",
                    "stats");
    assert_int_equal(r.rc, 0);
    assert_string_equal(r.out, "[]\n");
    /* a status as Go decodes it: absent nullables print as "" */
    r = cli_against("HTTP/1.1 200 OK\r\nContent-Length: 36\r\nConnection: close\r\n\r\n"
                    "{\"data\":{\"attributes\":{\"vus\":3}}}   ",
                    "status");
    assert_int_equal(r.rc, 0);
    assert_string_equal(r.out, "status: 0\npaused: \"\"\nvus: \"3\"\nvus-max: \"\"\n"
                               "stopped: false\nrunning: false\ntainted: false\n");
    r = cli_against("HTTP/1.1 200 OK\r\nContent-Length: 35\r\nConnection: close\r\n\r\n"
                    "{\"data\":{\"attributes\":{\"vus\":\"3\"}}}",
                    "status");
    expect_log_error(&r, "json: cannot unmarshal string into Go value of type null.Int");
}

/* ---- `c6 run` flags ----------------------------------------------------- */

static void test_run_flags(void **state) {
    (void)state;
    c6_run_args a;
    char err[256] = "";
    unsetenv("K6_ADDRESS");
    char *plain[] = {"s.js"};
    assert_int_equal(args_parse_run(1, plain, &a, err, sizeof err), 0);
    assert_string_equal(a.address, "localhost:6565");
    assert_false(a.address_set);
    assert_false(a.flags.paused_set);
    args_free(&a);

    setenv("K6_ADDRESS", "0.0.0.0:7000", 1);
    assert_int_equal(args_parse_run(1, plain, &a, err, sizeof err), 0);
    assert_string_equal(a.address, "0.0.0.0:7000");
    assert_false(a.address_set); /* from the environment: k6 only warns on bind errors */
    args_free(&a);

    char *flags[] = {"-a", "127.0.0.1:0", "-p", "s.js"};
    assert_int_equal(args_parse_run(4, flags, &a, err, sizeof err), 0);
    assert_string_equal(a.address, "127.0.0.1:0");
    assert_true(a.address_set);
    assert_true(a.flags.paused_set);
    assert_true(a.flags.paused);
    args_free(&a);
    unsetenv("K6_ADDRESS");

    char *longs[] = {"s.js", "--address=", "--paused=false"};
    assert_int_equal(args_parse_run(3, longs, &a, err, sizeof err), 0);
    assert_string_equal(a.address, ""); /* k6: an empty address starts no server */
    assert_true(a.flags.paused_set);
    assert_false(a.flags.paused);
    args_free(&a);

    char *bad[] = {"s.js", "--paused=maybe"};
    assert_int_equal(args_parse_run(2, bad, &a, err, sizeof err), -1);
    assert_string_equal(err, "invalid argument \"maybe\" for \"-p, --paused\" flag: not a boolean "
                             "(use true or false)");
}

int main(void) {
    curl_global_init(CURL_GLOBAL_ALL);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_get_status, setup, teardown),
        cmocka_unit_test_setup_teardown(test_setup_and_teardown, setup, teardown),
        cmocka_unit_test_setup_teardown(test_patch_pause_resume, setup, teardown),
        cmocka_unit_test_setup_teardown(test_patch_scale, setup, teardown),
        cmocka_unit_test_setup_teardown(test_patch_stop, setup, teardown),
        cmocka_unit_test_setup_teardown(test_patch_invalid, setup, teardown),
        cmocka_unit_test(test_json_check),
        cmocka_unit_test_setup_teardown(test_metrics, setup, teardown),
        cmocka_unit_test_setup_teardown(test_groups, setup, teardown),
        cmocka_unit_test_setup_teardown(test_routes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_listen_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cli_status_pause_resume, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cli_scale, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cli_stats, setup, teardown),
        cmocka_unit_test(test_cli_connection_refused),
        cmocka_unit_test(test_cli_not_an_api),
        cmocka_unit_test(test_run_flags),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return rc;
}
