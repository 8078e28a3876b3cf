/* `c6 server`: the test-run service. HTTP+JSON (libmicrohttpd), runs in
 * SQLite (store.c), a FIFO queue and a pool of agents (`c6 agent --server`).
 * A run that gets its agents runs as a child `c6 coordinator` of this
 * process, listening on a free localhost port with a token of its own; the
 * assigned pool agents poll for work, get that address and join it as
 * `c6 agent HOST:PORT` would (the queue and the runs: scheduler.c). This
 * file: the HTTP side (the REST API and the page's routes) and `c6 server`'s
 * flags and start. */
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netdb.h>
#include <arpa/inet.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "service/service.h"
#include "service/store.h"
#include "service/run_watch.h"
#include "service/zones.h"
#include "service/svc_page.h"
#include "service/svc_state.h"
#include "config/duration.h"
#include "util/clock.h"
#include "util/log.h"

svc_state svc = {.lock = PTHREAD_MUTEX_INITIALIZER};

/* ------------------------------------------------------------------ HTTP */

typedef struct {
    buf body;
    bool too_big;
} req;

static enum MHD_Result send_json(struct MHD_Connection *c, unsigned code, cJSON *j) {
    char *s = j ? cJSON_PrintUnformatted(j) : NULL;
    cJSON_Delete(j);
    if (!s) return MHD_NO;
    size_t n = strlen(s);
    struct MHD_Response *r = MHD_create_response_from_buffer(n, s, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        free(s);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
    enum MHD_Result ret = MHD_queue_response(c, code, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result send_error(struct MHD_Connection *c, unsigned code, const char *msg) {
    cJSON *j = cJSON_CreateObject();
    if (j) cJSON_AddStringToObject(j, "error", msg);
    return send_json(c, code, j);
}

static bool authorized(struct MHD_Connection *c) {
    if (!svc.token) return true;
    const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
    if (!h || strncmp(h, "Token ", 6)) return false;
    h += 6;
    size_t a = strlen(h), b = strlen(svc.token);
    return a == b && CRYPTO_memcmp(h, svc.token, a) == 0;
}

/* "/v1/runs/12/stop" after prefix "/v1/runs/": 12 and rest "/stop" */
static int64_t path_id(const char *p, const char **rest) {
    char *end;
    errno = 0;
    long long v = strtoll(p, &end, 10);
    if (end == p || errno || v <= 0 || (*end && *end != '/')) return 0;
    *rest = end;
    return v;
}

/* Each asked zone must be one some registered agent serves (else the run
 * could only wait forever): k6 cloud refuses an unknown load zone too. */
static int zones_served(const zone_share *z, int n, char *err, size_t errlen) {
    for (int k = 0; k < n; k++) {
        bool served = false;
        for (int i = 0; i < svc.nagents && !served; i++) served = !strcmp(svc.agents[i].zone, z[k].zone);
        if (served) continue;
        buf known = {0};
        for (int i = 0; i < svc.nagents; i++) {
            bool dup = false;
            for (int j = 0; j < i; j++) dup |= !strcmp(svc.agents[j].zone, svc.agents[i].zone);
            if (dup) continue;
            buf_puts(&known, known.len ? ", " : "");
            buf_puts(&known, svc.agents[i].zone);
        }
        snprintf(err, errlen,
                 "load zone \"%s\" (distribution label \"%s\") is not served by any agent of the service "
                 "(its agents' zones: %s)",
                 z[k].zone, z[k].label, known.p ? known.p : "none");
        buf_free(&known);
        return -1;
    }
    return 0;
}

static enum MHD_Result submit(struct MHD_Connection *c, req *q) {
    if (q->too_big) return send_error(c, 413, "the archive is larger than the service takes (64 MiB)");
    if (q->body.len < 512)
        return send_error(c, 400, "the body must be the test's k6 archive (c6 archive / k6 archive)");
    const char *name = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "name");
    const char *lq = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "local");
    const char *kq = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "keep_archive");
    bool local = lq && !strcmp(lq, "1");
    bool keep = !local || !kq || strcmp(kq, "0"); /* --no-archive-upload: only with --local-execution, as k6 */
    pthread_mutex_lock(&svc.lock);
    int64_t id = store_run_create(svc.st, name && *name ? name : "test", q->body.p, q->body.len);
    pthread_mutex_unlock(&svc.lock);
    if (id < 0) return send_error(c, 500, "cannot store the run");
    char dir[700], tar[800], err[4096];
    svc_run_dir(id, dir, sizeof dir);
    snprintf(tar, sizeof tar, "%s/archive.tar", dir);
    int64_t vus = 0, dur = 0;
    zone_share zones[ZONES_MAX];
    int nzones = 0;
    int rc = mkdir(dir, 0700) && errno != EEXIST ? -1 : svc_write_file(tar, q->body.p, q->body.len);
    if (rc) snprintf(err, sizeof err, "cannot write the archive: %s", strerror(errno));
    else rc = svc_validate(dir, &vus, &dur, zones, &nzones, err, sizeof err);
    if (local) nzones = 0; /* run where its CLI is, as k6's --local-execution */
    pthread_mutex_lock(&svc.lock);
    if (!rc) rc = zones_served(zones, nzones, err, sizeof err);
    if (rc) {
        store_run_delete(svc.st, id); /* a refused run is not kept */
        pthread_mutex_unlock(&svc.lock);
        return send_error(c, 400, err);
    }
    store_run_set_vus(svc.st, id, vus);
    char lim[256] = "", d1[64], d2[64];
    if (svc.max_vus && vus > svc.max_vus)
        snprintf(lim, sizeof lim,
                 "limit exceeded: the test's max VUs (%lld) are more than the service's --max-vus (%lld)",
                 (long long)vus, (long long)svc.max_vus);
    else if (svc.max_duration_us && dur > svc.max_duration_us) {
        duration_format(d1, sizeof d1, dur);
        duration_format(d2, sizeof d2, svc.max_duration_us);
        snprintf(lim, sizeof lim,
                 "limit exceeded: the test's duration (%s, graceful stops included) is longer than the service's "
                 "--max-duration (%s)",
                 d1, d2);
    }
    if (!keep) store_run_set_keep_archive(svc.st, id, false);
    if (*lim) { /* kept, as Aborted by limit, with the reason */
        store_run_status(svc.st, id, RUN_ABORTED_LIMIT);
        store_run_end(svc.st, id, "failed", -1, NULL, lim);
        svc_drop_archive(id);
        cJSON *j = store_run_json(svc.st, id, false);
        pthread_mutex_unlock(&svc.lock);
        return send_json(c, 422, j);
    }
    char *zj = nzones ? zones_to_json(zones, nzones) : NULL;
    if (local || zj) store_run_set_plan(svc.st, id, local, zj);
    free(zj);
    store_run_status(svc.st, id, RUN_VALIDATED);
    store_run_status(svc.st, id, RUN_QUEUED);
    cJSON *j = store_run_json(svc.st, id, false);
    pthread_mutex_unlock(&svc.lock);
    return send_json(c, 201, j);
}

/* A Queued run's JSON: its "queue" (svc_queue_json). */
static void add_queue(cJSON *run) {
    const cJSON *id = cJSON_GetObjectItem(run, "id"), *st = cJSON_GetObjectItem(run, "status");
    if (!cJSON_IsNumber(id) || !cJSON_IsNumber(st) || st->valueint != RUN_QUEUED) return;
    cJSON *q = svc_queue_json((int64_t)id->valuedouble);
    if (q) cJSON_AddItemToObject(run, "queue", q);
}

static enum MHD_Result stop_run(struct MHD_Connection *c, int64_t id) {
    pthread_mutex_lock(&svc.lock);
    int st = store_run_get_status(svc.st, id);
    if (st == INT32_MIN) {
        pthread_mutex_unlock(&svc.lock);
        return send_error(c, 404, "no such run");
    }
    if (run_status_final(st)) {
        pthread_mutex_unlock(&svc.lock);
        return send_error(c, 409, "the run has already ended");
    }
    bool active = false;
    for (int i = 0; i < svc.nruns; i++)
        if (svc.runs[i].id == id) svc.runs[i].stop = active = true;
    if (!active) { /* not started: it ends here */
        store_run_status(svc.st, id, RUN_ABORTED_USER);
        store_run_end(svc.st, id, "failed", 105, NULL, "stopped before it started");
        svc_drop_archive(id);
    }
    cJSON *j = store_run_json(svc.st, id, false);
    pthread_mutex_unlock(&svc.lock);
    return send_json(c, 200, j);
}

static cJSON *agents_json(void) {
    cJSON *arr = cJSON_CreateArray();
    int64_t now = clock_now_us();
    for (int i = 0; arr && i < svc.nagents; i++) {
        const pool_agent *a = &svc.agents[i];
        cJSON *o = cJSON_CreateObject();
        if (!o) break;
        cJSON_AddNumberToObject(o, "id", (double)a->id);
        cJSON_AddNumberToObject(o, "capacity_vus", (double)a->capacity);
        cJSON_AddStringToObject(o, "zone", a->zone);
        cJSON_AddStringToObject(o, "state",
                                now - a->seen_us >= AGENT_SEEN_US || a->restored ? "lost"
                                : a->run                                         ? "busy"
                                : a->idle                                        ? "free"
                                                                                 : "finishing");
        if (a->run) cJSON_AddNumberToObject(o, "run", (double)a->run);
        else cJSON_AddNullToObject(o, "run");
        cJSON_AddNumberToObject(o, "last_seen_ms_ago", (double)((now - a->seen_us) / 1000));
        cJSON_AddItemToArray(arr, o);
    }
    return arr;
}

static enum MHD_Result agent_register(struct MHD_Connection *c, req *q) {
    cJSON *j = q->body.p ? cJSON_Parse(q->body.p) : NULL;
    const cJSON *cap = cJSON_GetObjectItem(j, "capacity_vus"), *zj = cJSON_GetObjectItem(j, "zone");
    int64_t capacity = cJSON_IsNumber(cap) ? (int64_t)cap->valuedouble : 0;
    char zone[ZONE_NAME_MAX] = ZONE_DEFAULT;
    bool zone_ok = !zj || cJSON_IsNull(zj) || (cJSON_IsString(zj) && zone_name_ok(zj->valuestring));
    if (zone_ok && cJSON_IsString(zj)) snprintf(zone, sizeof zone, "%s", zj->valuestring);
    cJSON_Delete(j);
    if (capacity < 1) return send_error(c, 400, "capacity_vus must be a number of at least 1");
    if (!zone_ok) return send_error(c, 400, "zone must be a name of 1 to 127 printable characters");
    pthread_mutex_lock(&svc.lock);
    if (svc.nagents == MAX_AGENTS) { /* room from agents long gone */
        int64_t now = clock_now_us();
        for (int i = 0; i < svc.nagents; i++)
            if (!svc.agents[i].run && now - svc.agents[i].seen_us > 10 * AGENT_SEEN_US) {
                store_agent_delete(svc.st, svc.agents[i].id);
                svc.agents[i--] = svc.agents[--svc.nagents];
            }
    }
    if (svc.nagents == MAX_AGENTS) {
        pthread_mutex_unlock(&svc.lock);
        return send_error(c, 503, "too many agents");
    }
    pool_agent *a = &svc.agents[svc.nagents++];
    *a = (pool_agent){.id = ++svc.next_agent, .capacity = capacity, .seen_us = clock_now_us(), .slot = -1};
    a->stored_us = a->seen_us;
    memcpy(a->zone, zone, sizeof zone);
    store_agent rec = {.id = a->id, .capacity = capacity, .seen_us = store_now_us()};
    memcpy(rec.zone, zone, sizeof rec.zone);
    store_agent_put(svc.st, &rec);
    cJSON *o = cJSON_CreateObject();
    if (o) cJSON_AddNumberToObject(o, "id", (double)a->id);
    log_printf(LOG_INFO, "agent %lld joined the pool (%lld VUs, zone %s)", (long long)a->id, (long long)capacity,
               a->zone);
    pthread_mutex_unlock(&svc.lock);
    return send_json(c, 201, o);
}

/* An agent's poll: it is alive (and idle or not); its assignment once the
 * run's coordinator listens. */
static enum MHD_Result agent_work(struct MHD_Connection *c, int64_t id) {
    const char *idle = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "idle");
    pthread_mutex_lock(&svc.lock);
    pool_agent *a = svc_agent_find(id);
    if (!a) {
        pthread_mutex_unlock(&svc.lock);
        return send_error(c, 404, "unknown agent (register again)");
    }
    a->seen_us = clock_now_us();
    a->restored = false;
    a->idle = idle && !strcmp(idle, "1");
    if (a->seen_us - a->stored_us >= AGENT_STORE_US) { /* (not every poll: one write per 10 s) */
        store_agent_seen(svc.st, a->id, store_now_us());
        a->stored_us = a->seen_us;
    }
    for (int i = 0; a->run && a->handed && !a->idle && i < svc.nruns; i++)
        if (svc.runs[i].id == a->run) svc.runs[i].heard_us = a->seen_us;
    cJSON *o = cJSON_CreateObject();
    for (int i = 0; o && a->run && !a->handed && i < svc.nruns; i++)
        if (svc.runs[i].id == a->run && svc.runs[i].addr[0]) {
            cJSON_AddNumberToObject(o, "run", (double)a->run);
            cJSON_AddStringToObject(o, "coordinator", svc.runs[i].addr);
            cJSON_AddStringToObject(o, "token", svc.runs[i].token);
            if (a->slot >= 0) cJSON_AddNumberToObject(o, "slot", a->slot);
            cJSON_AddStringToObject(o, "zone", a->zone);
            if (svc.tls_cert[0]) cJSON_AddBoolToObject(o, "tls", true);
            if (a->label[0]) cJSON_AddStringToObject(o, "distribution", a->label);
            a->handed = true;
            a->idle = false;
        }
    pthread_mutex_unlock(&svc.lock);
    return send_json(c, 200, o);
}

/* The CLI of a --local-execution run polls here: the run's coordinator
 * once it listens ({} before), which its own agent then joins; a poll
 * with running=1 is its agent's heartbeat (as a pool agent's poll is). */
static enum MHD_Result local_agent(struct MHD_Connection *c, int64_t id) {
    const char *running = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "running");
    pthread_mutex_lock(&svc.lock);
    cJSON *o = cJSON_CreateObject();
    for (int i = 0; o && i < svc.nruns; i++) {
        active_run *r = &svc.runs[i];
        if (r->id != id || !r->local) continue;
        if (running && !strcmp(running, "1")) r->heard_us = clock_now_us();
        if (r->addr[0]) {
            cJSON_AddStringToObject(o, "coordinator", r->addr);
            cJSON_AddStringToObject(o, "token", r->token);
            if (svc.tls_cert[0]) cJSON_AddBoolToObject(o, "tls", true);
        }
    }
    pthread_mutex_unlock(&svc.lock);
    return send_json(c, 200, o);
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                              const char *version, const char *upload, size_t *upload_len, void **ctx) {
    (void)cls, (void)version;
    req *q = *ctx;
    if (!q) {
        if (!(q = calloc(1, sizeof *q))) return MHD_NO;
        *ctx = q;
        return MHD_YES;
    }
    if (*upload_len) {
        if (!q->too_big && (q->body.len + *upload_len > MAX_ARCHIVE || buf_append(&q->body, upload, *upload_len))) {
            q->too_big = true;
            buf_free(&q->body);
        }
        *upload_len = 0;
        return MHD_YES;
    }
    bool get = !strcmp(method, "GET"), post = !strcmp(method, "POST");
    if (get && svc_page_path(url)) return svc_page_send(c); /* no data in it: it asks for the token */
    if (!authorized(c)) return send_error(c, 401, "invalid token");
    const char *rest = "";
    if (!strcmp(url, "/v1/runs") && post) return submit(c, q);
    if (!strcmp(url, "/v1/runs") && get) {
        const char *f = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "status");
        int filter = INT32_MIN;
        if (f) {
            char *end;
            long v = strtol(f, &end, 10);
            if (end == f || *end || !run_status_name((int)v))
                return send_error(c, 400, "status must be a code from -2 to 9");
            filter = (int)v;
        }
        pthread_mutex_lock(&svc.lock);
        cJSON *o = cJSON_CreateObject();
        cJSON *runs = store_runs_json(svc.st, filter), *r;
        cJSON_ArrayForEach(r, runs) add_queue(r);
        if (o) cJSON_AddItemToObject(o, "runs", runs);
        else cJSON_Delete(runs);
        pthread_mutex_unlock(&svc.lock);
        return send_json(c, 200, o);
    }
    if (!strncmp(url, "/v1/runs/", 9)) {
        int64_t id = path_id(url + 9, &rest);
        if (!id) return send_error(c, 404, "no such run");
        if (!*rest && get) {
            pthread_mutex_lock(&svc.lock);
            cJSON *o = store_run_json(svc.st, id, true);
            add_queue(o);
            for (int i = 0; o && i < svc.nruns; i++) /* while it runs: its latest numbers */
                if (svc.runs[i].id == id) {
                    cJSON *p = run_watch_progress_json(&svc.runs[i].w);
                    if (p) cJSON_AddItemToObject(o, "progress", p);
                }
            pthread_mutex_unlock(&svc.lock);
            return o ? send_json(c, 200, o) : send_error(c, 404, "no such run");
        }
        if (!strcmp(rest, "/stop") && post) return stop_run(c, id);
        if (!strcmp(rest, "/local-agent") && get) return local_agent(c, id);
        if (!strcmp(rest, "/report") && get) {
            char dir[700];
            svc_run_dir(id, dir, sizeof dir);
            return svc_page_report(c, dir);
        }
    }
    if (!strcmp(url, "/v1/agents") && post) return agent_register(c, q);
    if (!strcmp(url, "/v1/agents") && get) {
        pthread_mutex_lock(&svc.lock);
        cJSON *o = cJSON_CreateObject();
        if (o) cJSON_AddItemToObject(o, "agents", agents_json());
        pthread_mutex_unlock(&svc.lock);
        return send_json(c, 200, o);
    }
    if (!strncmp(url, "/v1/agents/", 11)) {
        int64_t id = path_id(url + 11, &rest);
        if (id && !strcmp(rest, "/work") && get) return agent_work(c, id);
    }
    return send_error(c, 404, "not found");
}

static void request_done(void *cls, struct MHD_Connection *c, void **ctx, enum MHD_RequestTerminationCode t) {
    (void)cls, (void)c, (void)t;
    req *q = *ctx;
    if (q) buf_free(&q->body);
    free(q);
    *ctx = NULL;
}

/* ------------------------------------------------------------------ main */

static void on_signal(int sig) {
    (void)sig;
    atomic_store(&svc.quit, true);
}

/* --tls-cert/--tls-key: both or neither; read (PEM) for the HTTPS server and
 * kept as absolute paths for the runs' coordinators. 0, 255 (usage) or 1. */
static int tls_files(const char *cert, const char *key) {
    if (!cert && !key) return 0;
    if (!cert || !key || !*cert || !*key) {
        log_printf(LOG_ERROR, "--tls-cert and --tls-key go together");
        return 255;
    }
    if (!MHD_is_feature_supported(MHD_FEATURE_TLS)) {
        log_printf(LOG_ERROR, "--tls-cert: this libmicrohttpd was built without TLS");
        return 1;
    }
    const char *files[] = {cert, key};
    char *paths[] = {svc.tls_cert, svc.tls_key}, **pems[] = {&svc.cert_pem, &svc.key_pem};
    for (int i = 0; i < 2; i++) {
        buf b = {0};
        if (!realpath(files[i], paths[i]) || svc_read_file(paths[i], &b, 1 << 20) || !b.p) {
            log_printf(LOG_ERROR, "cannot read %s %s: %s", i ? "--tls-key" : "--tls-cert", files[i],
                       errno ? strerror(errno) : "empty file");
            buf_free(&b);
            return 1;
        }
        *pems[i] = b.p; /* (kept for the server's life) */
    }
    if (!strstr(svc.cert_pem, "-----BEGIN CERTIFICATE-----") || !strstr(svc.key_pem, "PRIVATE KEY-----")) {
        log_printf(LOG_ERROR, "--tls-cert/--tls-key: want PEM files (a certificate, its key)");
        return 1;
    }
    return 0;
}

static void server_usage(FILE *f) {
    fprintf(f,
            "usage: c6 server [--listen HOST:PORT] [--db FILE] [--token T] [--max-vus N] [--max-duration D] "
            "[--max-groups N] [--max-time-series N] [--script-error-window D] [--script-error-min N] "
            "[--run-timeout D] [--agent-timeout D] [--coordinator-host H] [--tls-cert FILE --tls-key FILE]\n\n"
            "Runs the test-run service (README \"Test-run service\").\n"
            "  --listen HOST:PORT   where it serves (default " SERVICE_DEFAULT_LISTEN ")\n"
            "  --db FILE            its SQLite database (default c6-service.db; run files in FILE.d/)\n"
            "  --token T            the token every request needs (default: $K6_CLOUD_TOKEN)\n"
            "  --max-vus N          refuse tests of more max VUs (Aborted by limit; default 20000, 0: none)\n"
            "  --max-duration D     refuse longer tests, graceful stops included (default 60m, 0: none)\n"
            "  --max-groups N       stop a test once more groups ran (Aborted by limit; default 40, 0: none)\n"
            "  --max-time-series N  stop a test once it made more time series, metric and tag set pairs\n"
            "                       (Aborted by limit; default 10000, 0: none)\n"
            "  --script-error-window D  stop a test (Aborted by script error) when every iteration that ended\n"
            "                       in the last D threw an exception ... (default 30s, 0: never)\n"
            "  --script-error-min N ... and there were at least N of them (default 100)\n"
            "  --run-timeout D      a Running run none of whose agents says it runs it for D: Timed out (default 30s)\n"
            "  --agent-timeout D    an agent silent for D (in no run) leaves the pool and the database\n"
            "                       (default 60s; agents are kept across restarts until then)\n"
            "  --coordinator-host H each run's coordinator listens on H (a free port) and agents are sent\n"
            "                       there: an address they reach (default 127.0.0.1: agents on this host only)\n"
            "  --tls-cert FILE      serve HTTPS with this PEM certificate (chain), also to the runs' agents\n"
            "                       (each run's coordinator serves TLS with it: name the --coordinator-host too)\n"
            "  --tls-key FILE       ... and its PEM key\n");
}

int server_main(int argc, char **argv) {
    const char *listen_at = SERVICE_DEFAULT_LISTEN, *db = "c6-service.db", *max_vus = "20000", *max_dur = "60m",
               *run_timeout = "30s", *agent_timeout = "60s", *coord_host = "127.0.0.1", *max_groups = "40",
               *max_series = "10000", *err_window = "30s", *err_min = "100", *cert = NULL, *key = NULL;
    svc.token = getenv("K6_CLOUD_TOKEN");
    for (int i = 0; i < argc; i++) {
        const char **dst = NULL, *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            server_usage(stdout);
            return 0;
        }
        if (!strncmp(a, "--listen", 8)) dst = &listen_at, a += 8;
        else if (!strncmp(a, "--db", 4)) dst = &db, a += 4;
        else if (!strncmp(a, "--token", 7)) dst = &svc.token, a += 7;
        else if (!strncmp(a, "--max-vus", 9)) dst = &max_vus, a += 9;
        else if (!strncmp(a, "--max-duration", 14)) dst = &max_dur, a += 14;
        else if (!strncmp(a, "--max-groups", 12)) dst = &max_groups, a += 12;
        else if (!strncmp(a, "--max-time-series", 17)) dst = &max_series, a += 17;
        else if (!strncmp(a, "--script-error-window", 21)) dst = &err_window, a += 21;
        else if (!strncmp(a, "--script-error-min", 18)) dst = &err_min, a += 18;
        else if (!strncmp(a, "--run-timeout", 13)) dst = &run_timeout, a += 13;
        else if (!strncmp(a, "--agent-timeout", 15)) dst = &agent_timeout, a += 15;
        else if (!strncmp(a, "--coordinator-host", 18)) dst = &coord_host, a += 18;
        else if (!strncmp(a, "--tls-cert", 10)) dst = &cert, a += 10;
        else if (!strncmp(a, "--tls-key", 9)) dst = &key, a += 9;
        if (!dst || (*a && *a != '=') || (!*a && i + 1 >= argc)) {
            log_printf(LOG_ERROR, "unknown flag or missing value: %s", argv[i]);
            server_usage(stderr);
            return 255;
        }
        *dst = *a ? a + 1 : argv[++i];
    }
    if (svc.token && !*svc.token) svc.token = NULL;
    int trc = tls_files(cert, key);
    if (trc) return trc;
    if (!*coord_host || strlen(coord_host) > 256 || strpbrk(coord_host, " \"")) {
        log_printf(LOG_ERROR, "--coordinator-host: want an address the agents reach, got \"%s\"", coord_host);
        return 255;
    }
    snprintf(svc.coord_listen, sizeof svc.coord_listen, strchr(coord_host, ':') ? "[%s]:0" : "%s:0", coord_host);
    char *end, derr[128] = "";
    svc.max_vus = strtoll(max_vus, &end, 10);
    if (end == max_vus || *end || svc.max_vus < 0) {
        log_printf(LOG_ERROR, "--max-vus: want a number (0: no limit), got %s", max_vus);
        return 255;
    }
    const char *nums[] = {max_groups, max_series, err_min},
               *names[] = {"--max-groups", "--max-time-series", "--script-error-min"};
    long long *dsts[] = {&svc.limits.max_groups, &svc.limits.max_time_series, &svc.limits.error_min};
    for (int i = 0; i < 3; i++) {
        *dsts[i] = strtoll(nums[i], &end, 10);
        if (end == nums[i] || *end || *dsts[i] < 0) {
            log_printf(LOG_ERROR, "%s: want a number (0: no limit), got %s", names[i], nums[i]);
            return 255;
        }
    }
    if (duration_parse(err_window, &svc.limits.error_window_us, derr, sizeof derr) || svc.limits.error_window_us < 0 ||
        svc.limits.error_window_us > 600000000LL) {
        log_printf(LOG_ERROR, "--script-error-window: %s", *derr ? derr : "want a duration up to 10m (0: off)");
        return 255;
    }
    if (duration_parse(max_dur, &svc.max_duration_us, derr, sizeof derr) || svc.max_duration_us < 0) {
        log_printf(LOG_ERROR, "--max-duration: %s", derr);
        return 255;
    }
    if (duration_parse(run_timeout, &svc.run_timeout_us, derr, sizeof derr) || svc.run_timeout_us <= 0) {
        log_printf(LOG_ERROR, "--run-timeout: %s", *derr ? derr : "want a duration above 0");
        return 255;
    }
    if (duration_parse(agent_timeout, &svc.agent_timeout_us, derr, sizeof derr) || svc.agent_timeout_us < 1000000) {
        log_printf(LOG_ERROR, "--agent-timeout: %s", *derr ? derr : "want a duration of at least 1s");
        return 255;
    }
    const char *colon = strrchr(listen_at, ':');
    char host[256];
    long port = colon ? strtol(colon + 1, NULL, 10) : -1;
    if (!colon || (size_t)(colon - listen_at) >= sizeof host || port < 0 || port > 65535) {
        log_printf(LOG_ERROR, "--listen: want HOST:PORT, got %s", listen_at);
        return 255;
    }
    memcpy(host, listen_at, (size_t)(colon - listen_at));
    host[colon - listen_at] = 0;
    ssize_t n = readlink("/proc/self/exe", svc.self, sizeof svc.self - 1);
    if (n <= 0) {
        log_printf(LOG_ERROR, "cannot find c6's own executable: %s", strerror(errno));
        return 1;
    }
    svc.self[n] = 0;
    static char datadir[4096];
    snprintf(datadir, sizeof datadir, "%s.d", db);
    svc.datadir = datadir;
    if (mkdir(datadir, 0700) && errno != EEXIST) {
        log_printf(LOG_ERROR, "cannot make %s: %s", datadir, strerror(errno));
        return 1;
    }
    char err[512];
    if (!(svc.st = store_open(db, err, sizeof err))) {
        log_printf(LOG_ERROR, "cannot open the database %s", err);
        return 1;
    }
    int lost = store_recover(svc.st);
    if (lost > 0) log_printf(LOG_WARN, "%d runs were in progress when the service stopped: Aborted by system", lost);
    svc_load_agents();
    int64_t unkept[256]; /* ended while the service was down (a restart's Aborted by system) */
    for (int i = 0, n = store_runs_unkept(svc.st, unkept, 256); i < n; i++) svc_drop_archive(unkept[i]);
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICHOST},
                    *ai = NULL;
    if (getaddrinfo(host, NULL, &hints, &ai)) {
        log_printf(LOG_ERROR, "--listen: %s is not an IP address", host);
        store_close(svc.st);
        return 255;
    }
    struct sockaddr_storage sa = {0};
    memcpy(&sa, ai->ai_addr, ai->ai_addrlen);
    ((struct sockaddr_in *)&sa)->sin_port = htons((uint16_t)port); /* same offset in sockaddr_in6 */
    freeaddrinfo(ai);
    bool tls = svc.cert_pem != NULL;
    struct MHD_OptionItem tls_opts[] = {
        {tls ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, 0, svc.cert_pem},
        {MHD_OPTION_HTTPS_MEM_KEY, 0, svc.key_pem},
        {MHD_OPTION_END, 0, NULL},
    };
    struct MHD_Daemon *d =
        MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_AUTO |
                             (sa.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0) | (tls ? MHD_USE_TLS : 0),
                         (uint16_t)port, NULL, NULL, handle, NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
                         MHD_OPTION_NOTIFY_COMPLETED, request_done, NULL, MHD_OPTION_CONNECTION_TIMEOUT, 30u,
                         MHD_OPTION_CONNECTION_LIMIT, 256u, MHD_OPTION_ARRAY, tls_opts, MHD_OPTION_END);
    if (!d) {
        log_printf(LOG_ERROR, "cannot listen on %s: %s", listen_at, strerror(errno));
        store_close(svc.st);
        return 1;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    log_printf(LOG_INFO, "c6 server listening on %s://%s%s%s:%u (database %s)", tls ? "https" : "http",
               sa.ss_family == AF_INET6 ? "[" : "", host, sa.ss_family == AF_INET6 ? "]" : "",
               di ? di->port : (unsigned)port, db);
    if (!svc.token)
        log_printf(LOG_WARN, "no --token: anyone who reaches the service may submit runs and register agents");
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    pthread_t sched;
    if (pthread_create(&sched, NULL, svc_scheduler_main, NULL)) {
        log_printf(LOG_ERROR, "cannot start the scheduler");
        MHD_stop_daemon(d);
        store_close(svc.st);
        return 1;
    }
    pthread_join(sched, NULL);
    MHD_stop_daemon(d);
    /* runs in progress end with the service (their coordinators are
     * killed); the next start records them as Aborted by system */
    pthread_mutex_lock(&svc.lock);
    int64_t now = clock_now_us(), wall = store_now_us(); /* the agents' last polls, for the next start */
    for (int i = 0; i < svc.nagents; i++)
        store_agent_seen(svc.st, svc.agents[i].id, wall - (now - svc.agents[i].seen_us));
    for (int i = 0; i < svc.nruns; i++) kill(svc.runs[i].pid, SIGKILL);
    for (int i = 0; i < svc.nruns; i++) {
        waitpid(svc.runs[i].pid, NULL, 0);
        run_watch_close(&svc.runs[i].w);
        store_run_status(svc.st, svc.runs[i].id, RUN_ABORTED_SYSTEM);
        store_run_end(svc.st, svc.runs[i].id, "failed", -1, NULL, "the service stopped while the run was in progress");
        svc_drop_archive(svc.runs[i].id);
    }
    pthread_mutex_unlock(&svc.lock);
    store_close(svc.st);
    log_printf(LOG_INFO, "c6 server stopped");
    return 0;
}
