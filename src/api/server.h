/* server.h - c6's REST API (k6's `--address`, default localhost:6565).
 *
 * The same routes and JSON:API documents as k6's v1 API:
 *   GET   /v1/status          {"data":{"type":"status","id":"default","attributes":{...}}}
 *   PATCH /v1/status          pause / resume / scale / stop, answers the new status
 *   GET   /v1/metrics         every metric seen so far
 *   GET   /v1/metrics/{name}  one metric, 404 JSON:API error when unknown
 *   GET   /v1/groups          the root group and every group under it
 *   GET   /v1/groups/{id}     one group (id = md5 hex of its path, as k6)
 *   GET   /v1/setup           the setup data: {"data":{"type":"setupData","id":"default",
 *                             "attributes":{"data":...}}}, "attributes":{} when there is none
 *   POST  /v1/setup           runs setup() (when the script has one) and answers the data
 *   PUT   /v1/setup           sets the data to the body (an empty body: no data)
 *   POST  /v1/teardown        runs teardown() with the data; an empty 200
 * and k6's answers for the rest: another method on those paths is a 405
 * with an empty body, other paths under /v1/ are Go's "404 page not found",
 * "/v1" redirects to "/v1/", everything else (/, /ping, ...) answers "ok".
 *
 * The server knows nothing of the run: it asks the run through api_ops.
 * It speaks k6's wire format (field names and order, error titles and HTTP
 * statuses, k6's PATCH sequencing); the callbacks only act and report.
 *
 * Threading: one libmicrohttpd thread serves all connections, so callbacks
 * are never called concurrently with each other, but they do run on that
 * thread, concurrently with the run: each must take whatever lock guards
 * the state it reads. The server has no global state; several may run. */
#ifndef C6_API_SERVER_H
#define C6_API_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define API_DEFAULT_ADDRESS "localhost:6565"

/* k6's lib.ExecutionStatus, sent as a number in "status". */
typedef enum {
    API_EXEC_CREATED = 0,
    API_EXEC_INIT_VUS,
    API_EXEC_INIT_EXECUTORS,
    API_EXEC_INIT_DONE,
    API_EXEC_PAUSED_BEFORE_RUN,
    API_EXEC_STARTED,
    API_EXEC_SETUP,
    API_EXEC_RUNNING,
    API_EXEC_TEARDOWN,
    API_EXEC_ENDED,
    API_EXEC_INTERRUPTED,
} api_exec_status;

typedef struct api_status {
    api_exec_status status;
    bool paused;
    int64_t vus;     /* VUs running an iteration now */
    int64_t vus_max; /* VUs initialized */
    bool stopped;    /* the run was stopped (PATCH stopped, abort, Ctrl-C) */
    bool running;    /* started and not yet ended */
    bool tainted;    /* some threshold has failed */
} api_status;

typedef enum { API_COUNTER, API_GAUGE, API_TREND, API_RATE } api_metric_type;
typedef enum { API_DEFAULT, API_TIME, API_DATA } api_value_type;

/* One metric (or sub-metric, "http_req_duration{status:200}") as k6's
 * metrics endpoint shows it. Pointers need only live during the emit call. */
typedef struct api_metric {
    const char *name;
    api_metric_type type;
    api_value_type contains;
    int tainted; /* -1: no threshold evaluated yet (JSON null), 0, 1 */
    /* The member matching `type`; values as k6 computes them: a counter's
     * rate is count / seconds since the test started, a trend's med and
     * p(90)/p(95) are its percentiles. A NaN or infinity makes the whole
     * answer k6's 500 "Encoding error" (Go's JSON cannot write them). */
    union {
        struct {
            double count, rate;
        } counter;
        struct {
            double value;
        } gauge;
        struct {
            double rate;
        } rate;
        struct {
            double min, max, avg, med, p90, p95;
        } trend;
    } sample;
} api_metric;

typedef struct api_check {
    const char *name;
    int64_t passes, fails;
} api_check;

/* A group by its k6 path: "" is the root, "::outer::inner" a nested group.
 * The server derives name, id (md5 of the path), parent and children. */
typedef struct api_group {
    const char *path;
    const api_check *checks; /* the checks directly in this group */
    size_t nchecks;
} api_group;

typedef void (*api_metric_fn)(void *arg, const api_metric *m);
typedef void (*api_group_fn)(void *arg, const api_group *g);

typedef enum {
    API_SCALE_OK,
    /* "Execution config error" (500): no externally-controlled executor */
    API_SCALE_NO_EXECUTOR,
    /* "Config update error" (400): err says why, as k6's executor does
     * ("the number of active VUs (5) must be less than or equal to the
     * number of maxVUs (3)") */
    API_SCALE_REJECTED,
} api_scale_result;

typedef struct api_ops {
    void (*status)(void *ctx, api_status *out);
    /* PATCH {"stopped": true}: end the run as k6 does (exit code 103,
     * "test run stopped from REST API"); the rest of that PATCH is ignored. */
    void (*stop)(void *ctx);
    /* Returns 0, or -1 with err ("test execution was already paused",
     * "test execution wasn't paused"): k6's 500 "Pause error". */
    int (*set_paused)(void *ctx, bool paused, char *err, size_t errlen);
    /* New VU numbers for the externally-controlled executor; NULL = keep. */
    api_scale_result (*scale)(void *ctx, const int64_t *vus, const int64_t *vus_max, char *err, size_t errlen);
    /* Calls emit once per metric that has samples, or, when name is not
     * NULL, only for the metric of that exact name (none: a 404). */
    void (*metrics)(void *ctx, const char *name, api_metric_fn emit, void *arg);
    /* Calls emit for the root group first, then every group, each parent
     * before its children, children in the order they appeared. */
    void (*groups)(void *ctx, api_group_fn emit, void *arg);
    /* The setup data as JSON text (malloc'd), or NULL when there is none. */
    char *(*setup_data)(void *ctx);
    /* Replaces the setup data (json: owned from now on; NULL: none). */
    void (*set_setup_data)(void *ctx, char *json);
    /* Runs setup() (its data becomes the setup data) or teardown() (with
     * it) now, waiting for the end; a script without that function is a
     * success that changes nothing. Returns 0, or -1 with the error as k6's
     * runner gives it (the exception, "setup() execution timed out after 60
     * seconds", "error marshaling setup() data to JSON: ..."). */
    int (*run_setup)(void *ctx, char *err, size_t errlen);
    int (*run_teardown)(void *ctx, char *err, size_t errlen);
} api_ops;

typedef struct api_server api_server;

/* Listens on address ("host:port", ":port" for every interface, "[::1]:port";
 * port 0 picks a free one) and serves from a new thread. On failure returns
 * NULL with Go's wording in err, as k6 logs it under "Error from API server":
 * "listen tcp 127.0.0.1:6565: bind: address already in use". k6 exits 106
 * when --address was given on the command line, and only warns otherwise. */
api_server *api_server_start(const char *address, const api_ops *ops, void *ctx, char *err, size_t errlen);
/* Binds and listens on address as api_server_start does (Go's
 * net.Listen("tcp", ...) and its error texts); returns the non-blocking
 * socket, or -1 with err. Also used by the web dashboard. */
int api_listen_tcp(const char *address, char *err, size_t errlen);
/* The port actually bound (useful with port 0). */
unsigned api_server_port(const api_server *s);
/* Stops serving, waits for the thread and frees everything; no callback
 * runs after it returns. NULL is fine. */
void api_server_stop(api_server *s);

/* The JSON decoding both ends of the API share, with Go's behaviour and
 * error texts (util/gojson.c checks the syntax), so that the server rejects
 * what k6 rejects and the `c6 status` family reports a bad answer as k6's
 * client does. */

/* k6's v1.Status as json.Unmarshal fills it from a status document; the
 * nullable fields (null.Bool, null.Int) say whether they were given. */
typedef struct api_status_doc {
    uint32_t status;
    bool paused_set, paused;
    bool vus_set, vus_max_set;
    int64_t vus, vus_max;
    bool stopped, running, tainted;
} api_status_doc;

/* Decodes {"data":{"attributes":{...}}} into out (zeroed first). Returns
 * 0, or -1 with Go's error in err: a syntax error, or a type error such
 * as "json: cannot unmarshal string into Go value of type null.Bool". */
int api_status_decode(const char *s, size_t n, api_status_doc *out, char *err, size_t errlen);

#endif
