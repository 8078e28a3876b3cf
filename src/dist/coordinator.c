/* `c6 coordinator [run's flags] script.js|file.tar --instances N [--listen
 * HOST:PORT] [--token T]`: the centre of a distributed run (k6's design doc
 * 020). It is a `c6 run` whose test runs elsewhere (run_controller, MODE_COORD):
 * the first init run (the script's and the options' checks, as `c6 run` does
 * them), the test's k6 archive (`c6 archive`'s), then N agents. Each gets
 * the archive, its execution segment with the whole sequence, and the
 * coordinator's flags. Then it synchronises: all agents ready, setup() once
 * (on agent 1) and its data to the others, the common start, stops
 * (test.abort(), a lost agent, abortOnFail thresholds on the merged metrics)
 * to everyone, all done, teardown() once. The agents' metrics snapshots
 * merge into the run's engine, so its end is `c6 run`'s: thresholds, the
 * summary, handleSummary() (here: this process has the script), and the exit
 * code. One thread, one poll loop. */
#include "dist/dist.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "cli/run_ctx.h"
#include "js/archive.h"
#include "dist/metrics_link.h"
#include "dist/proto.h"
#include "dist/run_report.h"
#include "dist/tls.h"
#include "exec/segment.h"
#include "exec/test.h"
#include "metrics/registry.h"
#include "util/clock.h"
#include "util/log.h"
#include "version.h"

#define COORD_PENDING_MAX    32       /* connections not past their hello yet */
#define COORD_HELLO_US       5000000  /* the time a connection has to say hello */
#define COORD_START_DELAY_US 250000   /* the common start: this long after the START is sent */
#define COORD_END_GRACE_US   30000000 /* after a stop, the agents' time to finish */

enum { PH_GATHER, PH_SETUP, PH_RUNNING };

/* An agent's progress numbers (MSG_PROGRESS), per scenario. */
typedef struct scen_prog {
    int state, vus;
    long long done, interrupted, started; /* started: µs after the start, -1: not yet */
} scen_prog;

typedef struct agent_prog {
    bool seen;
    int vus, vus_max;
    long long done, interrupted, failed;
    scen_prog *scen; /* the run's nscen */
} agent_prog;

typedef struct conn {
    int fd;           /* -1: none (not joined, closed or lost) */
    SSL *ssl;         /* its TLS session (--tls-cert), NULL: plain */
    bool handshaking; /* (the TLS handshake is not over) */
    proto_rx rx;
    char peer[64];
    int64_t since, last_rx, last_ping;
    bool joined, ready, started, done, final, lost;
    int64_t started_at; /* wall clock µs of its actual start */
    int done_code, final_code;
    int slot; /* its execution segment: the slot-th of the sequence */
    agent_prog prog;
} conn;

typedef struct coord {
    int n, joined;
    const char *sequence; /* --sequence: the agents' segment boundaries (NULL: n equal parts) */
    char *points[65];     /* its n+1 points */
    uint64_t slots;       /* the slots taken (bit k: the k-th segment has its agent) */
    conn *agents;
    conn pending[COORD_PENDING_MAX];
    int phase;
    bool stopping; /* a stop went out: the run ends when every agent is over */
    int code;      /* the stop's (or failure's) exit code */
    int64_t stop_at;
    bool teardown_sent;
    int64_t start_at; /* the planned common start, wall clock µs */
    buf archive;      /* the test, as `c6 archive` writes it */
    char **args;      /* the flags shipped to the agents */
    int nargs;
    const char *token;
    int lfd;
    run_ctx *r; /* the run: its engine gets the merged metrics */
    dist_metrics_in *metrics;
    const char *listen_at;
    const char *tls_cert, *tls_key;
    SSL_CTX *tls;                    /* --tls-cert/--tls-key: agents connect over TLS */
    int64_t last_progress;           /* the progress block's last drawing */
    int64_t setup_at, setup_wall_ms; /* when setup() was asked for (monotonic µs, wall ms) */
} coord;

static volatile sig_atomic_t coord_signals;

static void coord_on_signal(int sig) {
    (void)sig;
    if (++coord_signals > 1) _exit(EXIT_ABORTED);
}

static void conn_close(conn *c) {
    dist_tls_close(c->ssl);
    c->ssl = NULL;
    if (c->fd >= 0) close(c->fd);
    c->fd = -1;
    proto_rx_free(&c->rx);
}

static int coord_send(conn *c, int type, const char *json) {
    if (c->fd < 0) return -1;
    return proto_send_str(c->fd, c->ssl, type, json, 5000);
}

static char *coord_json_code(const char *key, long long v, const char *skey, const char *sval) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, key, (double)v);
    if (skey) cJSON_AddStringToObject(o, skey, sval);
    char *m = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return m;
}

/* Stops the test on every agent but `except` (-1: all); the run's exit code
 * is the first stop's. */
static void coord_stop(coord *c, int code, int except, const char *reason) {
    if (c->stopping) return;
    c->stopping = true;
    c->code = code;
    c->stop_at = clock_now_us();
    atomic_store(&c->r->test.phase, PHASE_HARD_STOP); /* (the REST API's "stopped") */
    char *m = coord_json_code("code", code, "reason", reason);
    for (int i = 0; i < c->n; i++) {
        conn *a = &c->agents[i];
        if (i != except && a->fd >= 0 && !a->final) coord_send(a, MSG_STOP, m ? m : "{}");
    }
    free(m);
}

static void coord_lose(coord *c, int i, const char *why) {
    conn *a = &c->agents[i];
    if (a->lost || a->final) return;
    a->lost = true;
    conn_close(a);
    char msg[512];
    snprintf(msg, sizeof msg, "agent %d (%s) lost: %s", i + 1, a->peer, why);
    if (c->stopping) {
        log_printf(LOG_WARN, "%s", msg);
        return;
    }
    log_printf(LOG_ERROR, "%s; stopping the test on every other agent", msg);
    coord_stop(c, DIST_EXIT_FAILED, i, msg);
}

static const char *coord_why(int code) {
    switch (code) {
    case EXIT_SCRIPT_ABORT: return "test.abort() was called";
    case EXIT_THRESHOLDS: return "a threshold with abortOnFail was crossed";
    case EXIT_ABORTED: return "it was interrupted (signal)";
    case EXIT_API_STOP: return "it was stopped from its REST API";
    default: return "it failed";
    }
}

static void coord_refuse(coord *c, conn *p, const char *why) {
    (void)c;
    log_printf(LOG_WARN, "refused an agent from %s: %s", p->peer, why);
    proto_send_str(p->fd, p->ssl, MSG_REFUSE, why, 1000);
    shutdown(p->fd, SHUT_WR);
    conn_close(p);
}

/* The k-th point of the sequence: --sequence's, else k/n. */
static void coord_point(const coord *c, int k, char *out, size_t n) {
    if (c->sequence) snprintf(out, n, "%s", c->points[k]);
    else if (k == 0 || k == c->n) snprintf(out, n, "%d", k ? 1 : 0);
    else snprintf(out, n, "%d/%d", k, c->n);
}

static char *coord_welcome(coord *c, int i) {
    char seg[96], a[48], b[48];
    buf seq = {0};
    int s = c->agents[i].slot;
    coord_point(c, s, a, sizeof a);
    coord_point(c, s + 1, b, sizeof b);
    snprintf(seg, sizeof seg, "%s:%s", a, b);
    for (int k = 0; k <= c->n; k++) {
        coord_point(c, k, a, sizeof a);
        if (k) buf_puts(&seq, ",");
        buf_puts(&seq, a);
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "index", i);
    cJSON_AddNumberToObject(o, "instances", c->n);
    cJSON_AddStringToObject(o, "segment", seg);
    cJSON_AddStringToObject(o, "sequence", seq.p ? seq.p : "0,1");
    cJSON *args = cJSON_AddArrayToObject(o, "args");
    for (int k = 0; k < c->nargs; k++) cJSON_AddItemToArray(args, cJSON_CreateString(c->args[k]));
    char *m = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    buf_free(&seq);
    return m;
}

/* The slot an agent's hello asks for ("slot", optional: the service's
 * pool agents of a zone take their zone's segments), else the first free
 * one; -1 when the asked one is not free or out of range. */
static int coord_slot(const coord *c, const cJSON *asked) {
    if (cJSON_IsNumber(asked)) {
        int k = asked->valueint;
        return k >= 0 && k < c->n && !(c->slots >> k & 1) && asked->valuedouble == k ? k : -1;
    }
    for (int k = 0; k < c->n; k++)
        if (!(c->slots >> k & 1)) return k;
    return -1;
}

/* A pending connection's hello: a refusal, or it joins as the next agent
 * and gets its welcome and the archive at once (its VUs' init starts). */
static void coord_hello(coord *c, conn *p, const uint8_t *data, size_t len) {
    cJSON *h = cJSON_ParseWithLength((const char *)data, len);
    const cJSON *v = cJSON_GetObjectItem(h, "version"), *pr = cJSON_GetObjectItem(h, "proto"),
                *tk = cJSON_GetObjectItem(h, "token");
    char why[300];
    int slot;
    if (!cJSON_IsString(v) || !cJSON_IsNumber(pr) || !cJSON_IsString(tk)) {
        coord_refuse(c, p, "not a c6 agent's hello");
    } else if (strcmp(v->valuestring, C6_VERSION) || pr->valueint != DIST_PROTO_VERSION) {
        snprintf(why, sizeof why,
                 "version mismatch: the coordinator runs c6 v%s (protocol %d), the agent c6 v%.40s (protocol %d)",
                 C6_VERSION, DIST_PROTO_VERSION, v->valuestring, pr->valueint);
        coord_refuse(c, p, why);
    } else if (!proto_token_eq(tk->valuestring, c->token)) {
        coord_refuse(c, p, "wrong token (the agent's --token or C6_DIST_TOKEN must be the coordinator's)");
    } else if (c->phase >= PH_RUNNING) {
        coord_refuse(c, p, "the test has already started: no agent can join it now");
    } else if (c->stopping) {
        coord_refuse(c, p, "the run is ending: no agent can join it now");
    } else if (c->joined >= c->n) {
        snprintf(why, sizeof why, "the run already has its %d agents (--instances %d)", c->n, c->n);
        coord_refuse(c, p, why);
    } else if ((slot = coord_slot(c, cJSON_GetObjectItem(h, "slot"))) < 0) {
        coord_refuse(c, p, "the execution segment it asks for (--slot) is taken or not in the run");
    } else {
        int i = c->joined++;
        c->slots |= 1ull << slot;
        conn *a = &c->agents[i];
        scen_prog *keep = a->prog.scen; /* (allocated for it) */
        *a = *p;
        a->prog.scen = keep;
        memset(p, 0, sizeof *p);
        p->fd = -1;
        a->joined = true;
        a->slot = slot;
        a->rx.max = DIST_FRAME_MAX;
        a->last_rx = clock_now_us();
        char *m = coord_welcome(c, i);
        if (!m || coord_send(a, MSG_WELCOME, m) ||
            proto_send(a->fd, a->ssl, MSG_ARCHIVE, c->archive.p, c->archive.len, 30000)) {
            free(m);
            coord_lose(c, i, "cannot send it the test");
        } else {
            free(m);
            log_printf(LOG_INFO, "agent %d of %d joined from %s", i + 1, c->n, a->peer);
        }
    }
    cJSON_Delete(h);
}

/* All agents initialised their VUs: setup() runs once, on agent 1. */
static void coord_check_ready(coord *c) {
    if (c->phase != PH_GATHER || c->stopping || c->joined < c->n) return;
    for (int i = 0; i < c->n; i++)
        if (!c->agents[i].ready) return;
    log_printf(LOG_INFO, "all %d agents initialised their VUs", c->n);
    c->phase = PH_SETUP;
    atomic_store(&c->r->api_state, API_EXEC_SETUP);
    c->setup_at = clock_now_us();
    c->setup_wall_ms = clock_wall_us() / 1000;
    coord_send(&c->agents[0], MSG_RUN_SETUP, "{}");
}

/* setup() is over on agent 1: its data to the others, then the common start. */
static void coord_setup_done(coord *c, const cJSON *o) {
    const cJSON *code = cJSON_GetObjectItem(o, "code"), *data = cJSON_GetObjectItem(o, "data");
    int rc = cJSON_IsNumber(code) ? code->valueint : DIST_EXIT_FAILED;
    if (rc) {
        char msg[200];
        snprintf(msg, sizeof msg, "setup() failed on agent 1 (exit code %d)", rc);
        log_printf(LOG_ERROR, "%s; stopping the test", msg);
        coord_stop(c, rc, 0, msg);
        /* the end-of-test summary still comes, as `c6 run`'s after a failed
         * setup() (k6 internal/cmd/run.go defers it before the run), its
         * clock from setup()'s start; agent 1 sends setup()'s metrics */
        c->r->test.start_us = c->setup_at;
        c->r->test.start_wall_ms = c->setup_wall_ms;
        c->r->run_end_us = clock_now_us();
        return;
    }
    if (cJSON_IsString(data)) { /* the REST API's GET /v1/setup */
        char *copy = strdup(data->valuestring);
        if (copy) {
            pthread_mutex_lock(&c->r->special_lock);
            run_set_setup_json(c->r, copy);
            pthread_mutex_unlock(&c->r->special_lock);
        }
    }
    cJSON *d = cJSON_CreateObject();
    if (cJSON_IsString(data)) cJSON_AddStringToObject(d, "data", data->valuestring);
    char *m = cJSON_PrintUnformatted(d);
    cJSON_Delete(d);
    for (int i = 1; i < c->n; i++) coord_send(&c->agents[i], MSG_SETUP_DATA, m ? m : "{}");
    free(m);
    c->start_at = clock_wall_us() + COORD_START_DELAY_US;
    /* the run's clock (the summary's duration, rates, delayAbortEval) */
    c->r->test.start_us = clock_now_us() + COORD_START_DELAY_US;
    c->r->test.start_wall_ms = c->start_at / 1000;
    c->r->last_threshold_us = c->r->test.start_us;
    m = coord_json_code("at", c->start_at, NULL, NULL);
    for (int i = 0; i < c->n; i++) coord_send(&c->agents[i], MSG_START, m ? m : "{}");
    free(m);
    c->phase = PH_RUNNING;
    atomic_store(&c->r->api_state, API_EXEC_RUNNING);
}

/* Every agent's iterations are over: teardown() runs once, on the first
 * agent still there. */
static void coord_check_done(coord *c) {
    if (c->phase != PH_RUNNING || c->teardown_sent) return;
    int first = -1;
    for (int i = 0; i < c->n; i++) {
        conn *a = &c->agents[i];
        if (!a->done && !a->final && !a->lost) return;
        if (first < 0 && a->done && !a->final && !a->lost) first = i;
    }
    c->teardown_sent = true;
    c->r->run_end_us = clock_now_us(); /* the iterations are over everywhere */
    atomic_store(&c->r->api_state, API_EXEC_TEARDOWN);
    for (int i = 0; i < c->n; i++) {
        conn *a = &c->agents[i];
        if (a->done && !a->final && !a->lost)
            coord_send(a, MSG_TEARDOWN, i == first ? "{\"here\":true}" : "{\"here\":false}");
    }
}

static int coord_int(const cJSON *o, const char *key, int dflt) {
    const cJSON *v = cJSON_GetObjectItem(o, key);
    return cJSON_IsNumber(v) ? v->valueint : dflt;
}

static long long coord_ll(const cJSON *v) { return cJSON_IsNumber(v) ? (long long)v->valuedouble : 0; }

/* An agent's progress numbers; -1: malformed. */
static int coord_take_progress(coord *c, conn *a, const cJSON *o) {
    const cJSON *sc = cJSON_GetObjectItem(o, "scen");
    int nscen = c->r->test.nscen;
    if (!cJSON_IsArray(sc) || cJSON_GetArraySize(sc) != nscen || !a->prog.scen) return -1;
    agent_prog *g = &a->prog;
    g->seen = true;
    g->vus = (int)coord_ll(cJSON_GetObjectItem(o, "vus"));
    g->vus_max = (int)coord_ll(cJSON_GetObjectItem(o, "vus_max"));
    g->done = coord_ll(cJSON_GetObjectItem(o, "done"));
    g->interrupted = coord_ll(cJSON_GetObjectItem(o, "interrupted"));
    g->failed = coord_ll(cJSON_GetObjectItem(o, "failed"));
    int i = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, sc) {
        if (!cJSON_IsArray(it) || cJSON_GetArraySize(it) != 5) return -1;
        scen_prog *s = &g->scen[i++];
        s->state = (int)coord_ll(cJSON_GetArrayItem(it, 0));
        if (s->state < SC_PENDING || s->state > SC_DONE) return -1;
        s->done = coord_ll(cJSON_GetArrayItem(it, 1));
        s->interrupted = coord_ll(cJSON_GetArrayItem(it, 2));
        s->vus = (int)coord_ll(cJSON_GetArrayItem(it, 3));
        s->started = cJSON_IsNumber(cJSON_GetArrayItem(it, 4)) ? coord_ll(cJSON_GetArrayItem(it, 4)) : -1;
    }
    return 0;
}

/* The whole run's progress numbers, summed over the agents' last ones,
 * into the run's (what `c6 run`'s progress block and REST API read): VUs,
 * iterations; a scenario is done when it is done on every agent, else in
 * the furthest state of those where it is not, started at its first start. */
static void coord_merge_progress(coord *c) {
    c6_test *t = &c->r->test;
    int vus = 0, vus_max = 0;
    long long done = 0, interrupted = 0, failed = 0;
    for (int i = 0; i < c->joined; i++) {
        const agent_prog *g = &c->agents[i].prog;
        vus += g->vus;
        vus_max += g->vus_max;
        done += g->done;
        interrupted += g->interrupted;
        failed += g->failed;
    }
    atomic_store(&t->iters_failed, failed);
    atomic_store(&t->vus_active, vus);
    atomic_store(&t->vus_initialized, vus_max);
    atomic_store(&t->iters_done, done);
    atomic_store(&t->iters_interrupted, interrupted);
    for (int k = 0; k < t->nscen; k++) {
        scen_rt *sc = &t->scen[k];
        int st = -1, vus_k = 0;
        bool all_done = c->joined > 0;
        long long d = 0, in = 0, first = -1;
        for (int i = 0; i < c->joined; i++) {
            const agent_prog *g = &c->agents[i].prog;
            const scen_prog *s = g->scen ? &g->scen[k] : NULL;
            if (!g->seen || !s) {
                all_done = false;
                continue;
            }
            d += s->done;
            in += s->interrupted;
            vus_k += s->vus;
            if (s->started >= 0 && (first < 0 || s->started < first)) first = s->started;
            if (s->state != SC_DONE) {
                all_done = false;
                if (s->state > st) st = s->state;
            }
        }
        if (all_done) st = SC_DONE;
        if (st < 0) st = SC_PENDING;
        if (first >= 0) atomic_store(&sc->start_us, t->start_us + first);
        if (st >= SC_RUNNING && first < 0) st = SC_PENDING; /* (no start known yet) */
        if (st == SC_DONE && !sc->end_us) sc->end_us = clock_now_us();
        atomic_store(&sc->done, d);
        atomic_store(&sc->interrupted, in);
        atomic_store(&sc->vus_active, vus_k);
        atomic_store(&sc->state, st);
    }
}

/* The run's numbers to the report channel (--report-fd; dist/run_report.h),
 * from the merged progress and metrics. */
static void coord_report_progress(coord *c) {
    run_ctx *r = c->r;
    c6_test *t = &r->test;
    run_report_progress p = {0};
    int64_t now = clock_now_us();
    p.elapsed_ms = t->start_us && now > t->start_us ? (now - t->start_us) / 1000 : 0;
    p.max_duration_ms = t->plan.max_duration_us / 1000;
    p.max_vus = t->init_vus;
    for (int i = 0; i < t->nscen; i++) p.max_vus += t->scen[i].max_vus - t->scen[i].vus;
    p.vus = atomic_load(&t->vus_active);
    p.vus_max = atomic_load(&t->vus_initialized);
    p.iterations = atomic_load(&t->iters_done);
    p.interrupted = atomic_load(&t->iters_interrupted);
    p.failed_iterations = atomic_load(&t->iters_failed);
    /* (the engine is written by this thread only: ingest, below) */
    p.time_series = c->metrics ? (long long)dist_metrics_series(c->metrics) : 0;
    const char *const *groups;
    p.groups = (long long)engine_groups(r->eng, &groups);
    const sink *reqs = engine_sink(r->eng, M_HTTP_REQS), *failed = engine_sink(r->eng, M_HTTP_REQ_FAILED);
    p.requests = reqs ? (long long)reqs->u.counter.sum : 0;
    p.failed_requests = failed ? (long long)failed->u.rate.nonzero : 0;
    run_report_progress_event(&p);
}

/* Every second from the start, the whole run's progress block, as `c6 run`
 * draws its own (the agents draw none). */
static void coord_progress(coord *c) {
    int64_t now = clock_now_us();
    if (c->phase != PH_RUNNING || !c->r->test.start_us || now < c->r->test.start_us) return;
    if (!c->last_progress) c->last_progress = c->r->test.start_us; /* the first: a second in, as run's */
    if (now - c->last_progress < 1000000) return;
    c->last_progress += 1000000;
    if (now - c->last_progress >= 1000000) c->last_progress = now; /* (a long stall: no burst) */
    coord_merge_progress(c);
    run_progress(c->r, false);
    coord_report_progress(c);
}

/* The web dashboard's snapshots (K6_WEB_DASHBOARD in the coordinator's
 * environment), every period from the start, of the merged metrics; none
 * once the iterations are over everywhere: the end's (run_dash_end, at
 * that time, after the agents' last metrics) is the last. */
static void coord_dashboard(coord *c) {
    int64_t now = clock_now_us();
    if (!c->r->dash || c->phase != PH_RUNNING || !c->r->test.start_us || now < c->r->test.start_us || c->r->run_end_us)
        return;
    coord_merge_progress(c); /* the VUs now */
    dash_tick(c->r->dash, &c->r->test, c->r->eng, &c->r->eng_lock, now);
}

/* A joined agent's message; -1: a protocol error. */
static int coord_message(coord *c, int i, int type, const uint8_t *p, size_t len) {
    conn *a = &c->agents[i];
    if (type == MSG_PING) return 0;
    if (type == MSG_METRICS) {
        char err[300];
        if (!dist_metrics_ingest(c->metrics, i, p, len, err, sizeof err)) return 0;
        log_printf(LOG_ERROR, "agent %d (%s): %s", i + 1, a->peer, err);
        return -1;
    }
    cJSON *o = cJSON_ParseWithLength((const char *)p, len);
    if (!cJSON_IsObject(o)) {
        cJSON_Delete(o);
        return -1;
    }
    int rc = 0;
    char msg[300];
    switch (type) {
    case MSG_PROGRESS: rc = coord_take_progress(c, a, o); break;
    case MSG_READY:
        a->ready = true;
        coord_check_ready(c);
        break;
    case MSG_SETUP_DONE:
        if (i != 0 || c->phase != PH_SETUP) rc = -1;
        else coord_setup_done(c, o);
        break;
    case MSG_STARTED: {
        const cJSON *at = cJSON_GetObjectItem(o, "at");
        a->started = cJSON_IsNumber(at);
        a->started_at = a->started ? (int64_t)at->valuedouble : 0;
        int n = 0;
        for (int k = 0; k < c->n; k++) n += c->agents[k].started;
        if (n == c->n) {
            log_printf(LOG_INFO, "the test started on all %d agents", c->n);
            run_report_started();
        }
        break;
    }
    case MSG_FAIL: {
        const cJSON *why = cJSON_GetObjectItem(o, "reason");
        snprintf(msg, sizeof msg, "agent %d (%s) failed: %.200s", i + 1, a->peer,
                 cJSON_IsString(why) ? why->valuestring : "?");
        log_printf(LOG_ERROR, "%s; stopping the test on every agent", msg);
        if (!c->stopping) coord_stop(c, DIST_EXIT_FAILED, i, msg);
        else if (c->code != DIST_EXIT_FAILED && !c->r->threshold_aborted) c->code = DIST_EXIT_FAILED;
        break;
    }
    case MSG_DONE: {
        a->done = true;
        a->done_code = coord_int(o, "code", 0);
        const cJSON *why = cJSON_GetObjectItem(o, "reason");
        if (a->done_code == EXIT_SCRIPT_ABORT && cJSON_IsString(why) && !atomic_load(&c->r->test.script_aborted)) {
            /* test.abort()'s message ends the run here as in `c6 run` */
            snprintf(c->r->test.abort_reason, sizeof c->r->test.abort_reason, "%s", why->valuestring);
            atomic_store(&c->r->test.script_aborted, 1);
        }
        if (a->done_code && !c->stopping) {
            snprintf(msg, sizeof msg, "agent %d (%s) stopped the test: %s", i + 1, a->peer, coord_why(a->done_code));
            log_printf(LOG_WARN, "%s; stopping it on every agent", msg);
            coord_stop(c, a->done_code, i, msg);
        }
        coord_check_done(c);
        break;
    }
    case MSG_FINAL:
        a->final = true;
        a->final_code = coord_int(o, "code", DIST_EXIT_FAILED);
        conn_close(a);
        if (a->final_code && !a->ready && !c->stopping) {
            snprintf(msg, sizeof msg, "agent %d (%s) failed before the start (exit code %d)", i + 1, a->peer,
                     a->final_code);
            log_printf(LOG_ERROR, "%s; stopping the test", msg);
            coord_stop(c, a->final_code, i, msg);
        }
        coord_check_done(c);
        break;
    default: rc = -1;
    }
    cJSON_Delete(o);
    return rc;
}

/* Reads a connection; returns false when it is gone (the caller decides
 * what that means). frame: each complete frame. */
static bool coord_read(conn *a, const char **why) {
    int rd;
    while ((rd = proto_read(a->fd, a->ssl, &a->rx)) > 0) a->last_rx = clock_now_us();
    if (rd < 0) *why = errno ? strerror(errno) : "the connection was closed";
    return rd >= 0;
}

static void coord_poll_pending(coord *c, conn *p) {
    if (p->handshaking) { /* TLS first */
        char err[400];
        int hs = dist_tls_handshake(p->ssl, err, sizeof err);
        if (hs < 0) log_printf(LOG_WARN, "refused an agent from %s: %s", p->peer, err);
        if (hs < 0 || (hs == 0 && clock_now_us() - p->since > COORD_HELLO_US)) {
            conn_close(p);
            return;
        }
        if (hs == 0) return;
        p->handshaking = false;
    }
    const char *why = NULL;
    bool alive = coord_read(p, &why);
    int type;
    const uint8_t *d;
    size_t len;
    int nx = proto_next(&p->rx, &type, &d, &len);
    if (nx > 0 && type == MSG_HELLO) coord_hello(c, p, d, len);
    else if (nx != 0) coord_refuse(c, p, "not a c6 agent's hello (or too large)");
    else if (!alive || clock_now_us() - p->since > COORD_HELLO_US) conn_close(p);
}

static void coord_poll_agent(coord *c, int i) {
    conn *a = &c->agents[i];
    const char *why = NULL;
    bool alive = coord_read(a, &why);
    int type, nx = 0;
    const uint8_t *d;
    size_t len;
    while (a->fd >= 0 && (nx = proto_next(&a->rx, &type, &d, &len)) > 0)
        if (coord_message(c, i, type, d, len)) {
            coord_lose(c, i, "it sent a malformed message");
            return;
        }
    if (a->fd >= 0 && nx < 0) coord_lose(c, i, "it sent a malformed message");
    else if (a->fd >= 0 && !alive) coord_lose(c, i, why);
}

static void coord_accept(coord *c) {
    for (;;) {
        int fd = accept4(c->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) return;
        conn *p = NULL;
        for (int k = 0; k < COORD_PENDING_MAX && !p; k++)
            if (c->pending[k].fd < 0) p = &c->pending[k];
        if (!p) { /* a flood of connections: the newest wait their turn, closed */
            close(fd);
            continue;
        }
        memset(p, 0, sizeof *p);
        p->fd = fd;
        p->rx.max = DIST_HELLO_MAX;
        p->since = clock_now_us();
        proto_peer_name(fd, p->peer, sizeof p->peer);
        if (c->tls) {
            if (!(p->ssl = dist_tls_session(c->tls, fd, NULL))) {
                conn_close(p);
                continue;
            }
            p->handshaking = true;
        }
    }
}

static void coord_heartbeats(coord *c) {
    int64_t now = clock_now_us();
    for (int i = 0; i < c->n; i++) {
        conn *a = &c->agents[i];
        if (a->fd < 0) continue;
        if (now - a->last_rx > DIST_LOST_US) {
            coord_lose(c, i, "no heartbeat for 4 s");
            continue;
        }
        if (now - a->last_ping >= DIST_PING_US) {
            a->last_ping = now;
            if (proto_send(a->fd, a->ssl, MSG_PING, "", 0, 1000)) coord_lose(c, i, strerror(errno));
        }
    }
}

static bool coord_over(const coord *c) {
    if (!c->stopping && (c->joined < c->n || c->phase < PH_RUNNING)) return false;
    for (int i = 0; i < c->joined; i++)
        if (!c->agents[i].final && !c->agents[i].lost) return false;
    return true;
}

/* The end: the start skew, each agent's exit code, the run's. */
static int coord_report(coord *c) {
    int64_t lo = INT64_MAX, hi = INT64_MIN;
    int nstarted = 0;
    for (int i = 0; i < c->n; i++) {
        conn *a = &c->agents[i];
        if (!a->started) continue;
        nstarted++;
        if (a->started_at < lo) lo = a->started_at;
        if (a->started_at > hi) hi = a->started_at;
        log_printf(LOG_DEBUG, "agent %d (%s) started %.3f ms after the planned start", i + 1, a->peer,
                   (double)(a->started_at - c->start_at) / 1000.0);
    }
    if (nstarted)
        log_printf(LOG_INFO,
                   "start skew between the %d agents: %.3f ms (the last started %.3f ms after the planned start)",
                   nstarted, (double)(hi - lo) / 1000.0, (double)(hi - c->start_at) / 1000.0);
    int code = c->stopping ? c->code : 0;
    for (int i = 0; i < c->joined; i++) {
        conn *a = &c->agents[i];
        if (a->lost) continue;
        if (!a->final) {
            log_printf(LOG_ERROR, "agent %d (%s) did not finish in %d s after the stop", i + 1, a->peer,
                       COORD_END_GRACE_US / 1000000);
            if (!code) code = DIST_EXIT_FAILED;
            continue;
        }
        log_printf(a->final_code ? LOG_WARN : LOG_DEBUG, "agent %d (%s) ended with exit code %d", i + 1, a->peer,
                   a->final_code);
        if (a->final_code && !code) code = a->final_code;
    }
    return code;
}

/* Every 2 s from the start, the thresholds on the merged metrics, as
 * `c6 run` evaluates its own: a crossed abortOnFail one stops every agent. */
static void coord_thresholds(coord *c) {
    run_ctx *r = c->r;
    if (c->phase != PH_RUNNING || c->stopping || r->threshold_aborted || !r->test.start_us) return;
    run_check_abort(r, clock_now_us());
    if (!r->threshold_aborted) return;
    char msg[600];
    snprintf(msg, sizeof msg,
             "thresholds on metrics '%s' were crossed on the merged metrics; at least one has "
             "abortOnFail enabled",
             r->abort_names ? r->abort_names : "");
    log_printf(LOG_WARN, "%s: stopping the test on every agent", msg);
    coord_stop(c, EXIT_THRESHOLDS, -1, msg);
}

static int coord_loop(coord *c) {
    struct pollfd pf[1 + COORD_PENDING_MAX + 64];
    while (!coord_over(c)) {
        if (coord_signals && !c->stopping) {
            log_printf(LOG_WARN, "interrupted: stopping the test on every agent (press Ctrl-C again to exit at once)");
            coord_stop(c, EXIT_ABORTED, -1, "the coordinator was interrupted");
            if (c->phase < PH_RUNNING && c->joined == 0) return EXIT_ABORTED;
        }
        if (atomic_load(&c->r->api_stopped) && !c->stopping) { /* PATCH /v1/status {"stopped":true} */
            log_printf(LOG_WARN, "test run stopped from REST API");
            coord_stop(c, EXIT_API_STOP, -1, "the test run was stopped from the coordinator's REST API");
        }
        if (c->stopping && clock_now_us() - c->stop_at > COORD_END_GRACE_US) break;
        size_t np = 0;
        pf[np++] = (struct pollfd){c->lfd, POLLIN, 0};
        for (int k = 0; k < COORD_PENDING_MAX; k++)
            if (c->pending[k].fd >= 0) pf[np++] = (struct pollfd){c->pending[k].fd, POLLIN, 0};
        for (int i = 0; i < c->n && np < sizeof pf / sizeof pf[0]; i++)
            if (c->agents[i].fd >= 0) pf[np++] = (struct pollfd){c->agents[i].fd, POLLIN, 0};
        poll(pf, np, 100);
        coord_accept(c);
        for (int k = 0; k < COORD_PENDING_MAX; k++)
            if (c->pending[k].fd >= 0) coord_poll_pending(c, &c->pending[k]);
        for (int i = 0; i < c->n; i++)
            if (c->agents[i].fd >= 0) coord_poll_agent(c, i);
        coord_heartbeats(c);
        coord_check_done(c);
        coord_thresholds(c);
        coord_progress(c);
        coord_dashboard(c);
    }
    coord_merge_progress(c); /* the final block's numbers (run_finish draws it) */
    if (c->phase == PH_RUNNING) coord_report_progress(c);
    return coord_report(c);
}

/* run_controller.archive: the first init run is done: the test's archive. */
static int coord_ctl_archive(void *arg, run_ctx *r) {
    coord *c = arg;
    char err[1024];
    /* its environment is `c6 archive`'s: the given archive's and -e's, not
     * the coordinator's own (each agent's goes over it, as in `c6 run
     * file.tar`): the coordinator's environment does not cross the wire */
    c6_run_args a = r->args;
    a.include_system_env_vars = false;
    char **env = run_build_env(&a), **own = r->test.env;
    size_t n = 0, k = 0;
    while (env && env[n]) n++;
    size_t narc = r->arc ? r->arc->nenv : 0;
    char **all = env ? calloc(narc + n + 1, sizeof *all) : NULL;
    for (size_t i = 0; all && i < narc; i++) {
        size_t l = strlen(r->arc->env[i].key) + strlen(r->arc->env[i].value) + 2;
        if (!(all[k] = malloc(l))) break;
        snprintf(all[k++], l, "%s=%s", r->arc->env[i].key, r->arc->env[i].value);
    }
    int rc = -1;
    if (all && k == narc) {
        for (size_t i = 0; i < n; i++) all[k++] = env[i];
        free(env);
        env = NULL;
        r->test.env = all;
        rc = run_archive_make(r, &c->archive, err, sizeof err);
        r->test.env = own;
    } else {
        snprintf(err, sizeof err, "out of memory");
    }
    run_free_env(all);
    run_free_env(env);
    return rc ? run_fail(r, EXIT_SCRIPT, err) : 0;
}

static void coord_show_listen(coord *c, const char *spec);

/* run_controller.coordinate: the agents, the whole test, its merged metrics. */
static int coord_ctl_coordinate(void *arg, run_ctx *r) {
    coord *c = arg;
    char err[512];
    c->r = r;
    if ((c->lfd = proto_socket(c->listen_at, true, err, sizeof err)) < 0) {
        log_printf(LOG_ERROR, "%s", err);
        return DIST_EXIT_FAILED;
    }
    c->agents = calloc((size_t)c->n, sizeof *c->agents);
    c->metrics = dist_metrics_in_new(r, c->n);
    int code = DIST_EXIT_FAILED;
    bool ok = c->agents && c->metrics;
    for (int i = 0; ok && i < c->n; i++)
        ok = (c->agents[i].prog.scen = calloc((size_t)r->test.nscen + 1, sizeof(scen_prog))) != NULL;
    if (ok) {
        for (int i = 0; i < c->n; i++) c->agents[i].fd = -1;
        struct sigaction sa = {0};
        sa.sa_handler = coord_on_signal;
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
        coord_show_listen(c, c->listen_at);
        /* the REST API of the whole run (--address), as `c6 run` serves its own */
        atomic_store(&r->api_state, API_EXEC_INIT_VUS);
        code = run_api_start(r);
        if (!code) code = coord_loop(c);
        atomic_store(&r->api_state, c->stopping ? API_EXEC_INTERRUPTED : API_EXEC_ENDED);
        if (coord_signals) r->aborted = true;
        /* stopped by a threshold: the end says so, and exits 99, as `c6 run` */
        if (r->threshold_aborted && code == EXIT_THRESHOLDS) code = 0;
        /* test.abort(): the end logs its message and exits 108 */
        if (atomic_load(&r->test.script_aborted) && code == EXIT_SCRIPT_ABORT) code = 0;
    } else {
        log_printf(LOG_ERROR, "out of memory");
    }
    for (int i = 0; c->agents && i < c->n; i++) {
        conn_close(&c->agents[i]);
        free(c->agents[i].prog.scen);
    }
    for (int k = 0; k < COORD_PENDING_MAX; k++) conn_close(&c->pending[k]);
    free(c->agents);
    c->agents = NULL;
    close(c->lfd);
    c->lfd = -1;
    return code;
}

static void coord_usage(FILE *f) {
    fprintf(f,
            "usage: c6 coordinator [run's flags] script.js --instances N [--listen HOST:PORT] [--token T]\n"
            "                      [--tls-cert FILE --tls-key FILE]\n\n"
            "Runs one test over N `c6 agent HOST:PORT` processes, each with its execution segment.\n"
            "  --instances N        the number of agents (required)\n"
            "  --listen HOST:PORT   where agents connect (default %s; 0 as the port picks one)\n"
            "  --token T            the token agents must give (default: $C6_DIST_TOKEN, else none)\n"
            "  --tls-cert FILE      serve TLS to the agents with this PEM certificate (chain) ...\n"
            "  --tls-key FILE       ... and its PEM key (agents: --tls, --tls-ca FILE or --insecure)\n"
            "  --report-fd N        write the run's events to descriptor N, a JSON line each (c6 server's)\n"
            "  --sequence SEQ       the agents' segments, e.g. 0,3/10,1 (default: N equal parts)\n",
            DIST_DEFAULT_LISTEN);
}

/* Takes the coordinator's own flags out of argv; the rest are run's. */
static int coord_flags(int *argc, char **argv, int *n, const char **listen_at, const char **token, const char **cert,
                       const char **key, const char **report, const char **sequence) {
    int k = 0;
    for (int i = 0; i < *argc; i++) {
        const char *a = argv[i], **dst = NULL;
        int *num = NULL;
        const char *val = NULL;
        if (!strcmp(a, "--")) { /* the rest is positional */
            while (i < *argc) argv[k++] = argv[i++];
            break;
        }
        if (!strncmp(a, "--instances", 11) && (a[11] == 0 || a[11] == '=')) num = n;
        else if (!strncmp(a, "--listen", 8) && (a[8] == 0 || a[8] == '=')) dst = listen_at;
        else if (!strncmp(a, "--token", 7) && (a[7] == 0 || a[7] == '=')) dst = token;
        else if (!strncmp(a, "--tls-cert", 10) && (a[10] == 0 || a[10] == '=')) dst = cert;
        else if (!strncmp(a, "--tls-key", 9) && (a[9] == 0 || a[9] == '=')) dst = key;
        else if (!strncmp(a, "--report-fd", 11) && (a[11] == 0 || a[11] == '=')) dst = report;
        else if (!strncmp(a, "--sequence", 10) && (a[10] == 0 || a[10] == '=')) dst = sequence;
        if (!num && !dst) {
            argv[k++] = argv[i];
            continue;
        }
        const char *eq = strchr(a, '=');
        if (eq) val = eq + 1;
        else if (i + 1 < *argc) val = argv[++i];
        else {
            log_printf(LOG_ERROR, "flag needs an argument: %s", a);
            return -1;
        }
        if (dst) *dst = val;
        else {
            char *end;
            long v = strtol(val, &end, 10);
            if (*end || v < 1 || v > 64) {
                log_printf(LOG_ERROR, "invalid argument \"%s\" for \"--instances\" flag: want 1 to 64", val);
                return -1;
            }
            *n = (int)v;
        }
    }
    *argc = k;
    return 0;
}

/* The flags the agents get: run's, without the script and "--". */
int coordinator_refuses(const c6_run_args *a) {
    if (a->linger || (a->flags.paused_set && a->flags.paused)) {
        /* the agents have no REST API: nothing would resume or end them */
        log_printf(LOG_ERROR, "--paused and --linger are not supported by the coordinator yet");
        return -1;
    }
    if (a->flags.execution_segment_set || a->flags.execution_segment_sequence_set) {
        log_printf(LOG_ERROR, "--execution-segment and --execution-segment-sequence are the coordinator's to set");
        return -1;
    }
    return 0;
}

static int coord_ship_args(coord *c, int argc, char **argv) {
    c6_run_args a;
    char err[1024];
    memset(&a, 0, sizeof a);
    int rc = args_parse_run(argc, argv, &a, err, sizeof err);
    if (rc) log_printf(LOG_ERROR, "%s", err);
    else if (a.help) {
        coord_usage(stdout);
        args_print_help(stdout);
        rc = 1;
    } else if (a.nargs != 1) {
        log_printf(LOG_ERROR, "the coordinator runs one script, %d given", a.nargs);
        rc = -1;
    } else if (!strcmp(a.script, "-")) {
        log_printf(LOG_ERROR, "the coordinator needs a script file, not stdin");
        rc = -1;
    } else if (coordinator_refuses(&a)) {
        rc = -1;
    }
    if (!rc) {
        c->args = calloc((size_t)argc + 1, sizeof *c->args);
        for (int i = 0; c->args && i < argc; i++)
            if (argv[i] != a.script && strcmp(argv[i], "--")) c->args[c->nargs++] = argv[i];
        if (!c->args) rc = -1;
    }
    args_free(&a);
    return rc;
}

/* --sequence "0,3/10,1": the agents' segments (k6's spellings), from 0 to 1;
 * their number is the run's instances. */
static int coord_points(coord *c) {
    c6_segment_seq q;
    char err[300];
    if (c6_segment_seq_parse(c->sequence, &q, err, sizeof err)) {
        log_printf(LOG_ERROR, "--sequence: %s", err);
        return -1;
    }
    if (q.n < 2 || q.n > 65 || q.pt[0].num != 0 || q.pt[q.n - 1].num != q.pt[q.n - 1].den) {
        log_printf(LOG_ERROR, "--sequence: want 2 to 65 points from 0 to 1, got \"%s\"", c->sequence);
        return -1;
    }
    if (c->n && c->n != q.n - 1) {
        log_printf(LOG_ERROR, "--sequence has %d segments but --instances is %d", q.n - 1, c->n);
        return -1;
    }
    c->n = q.n - 1;
    static char text[65][48];
    for (int k = 0; k < q.n; k++) {
        if (q.pt[k].den == 1) snprintf(text[k], sizeof text[k], "%lld", (long long)q.pt[k].num);
        else snprintf(text[k], sizeof text[k], "%lld/%lld", (long long)q.pt[k].num, (long long)q.pt[k].den);
        c->points[k] = text[k];
    }
    return 0;
}

static void coord_show_listen(coord *c, const char *spec) {
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    char host[300];
    snprintf(host, sizeof host, "%s", spec);
    char *colon = strrchr(host, ':');
    int port = 0;
    if (getsockname(c->lfd, (struct sockaddr *)&ss, &sl) == 0)
        port = ss.ss_family == AF_INET6 ? ntohs(((struct sockaddr_in6 *)&ss)->sin6_port)
                                        : ntohs(((struct sockaddr_in *)&ss)->sin_port);
    if (colon) *colon = 0;
    log_printf(LOG_INFO, "coordinator listening on %s:%d for %d agents%s (c6 agent %s:%d%s)", host, port, c->n,
               c->tls ? " over TLS" : "", host, port, c->tls ? " --tls-ca FILE" : "");
    char addr[400];
    snprintf(addr, sizeof addr, "%s:%d", host, port);
    run_report_listening(addr);
    if (!c->token[0] && strcmp(host, "127.0.0.1") && strcmp(host, "localhost") && strcmp(host, "[::1]"))
        log_printf(LOG_WARN,
                   "listening beyond this host without a token: any agent that reaches it can join (--token)");
}

int coordinator_main(int argc, char **argv) {
    static coord co;
    coord *c = &co;
    memset(c, 0, sizeof *c);
    c->lfd = -1;
    const char *listen_at = DIST_DEFAULT_LISTEN, *token = getenv("C6_DIST_TOKEN"), *report = NULL;
    c->n = 0;
    for (int k = 0; k < COORD_PENDING_MAX; k++) c->pending[k].fd = -1;
    if (coord_flags(&argc, argv, &c->n, &listen_at, &token, &c->tls_cert, &c->tls_key, &report, &c->sequence))
        return 255;
    if (c->sequence && coord_points(c)) return 255;
    if (report) { /* the test-run service's channel (dist/run_report.h) */
        char *end;
        long fd = strtol(report, &end, 10);
        if (end == report || *end || fd < 3 || fd > 1023 || fcntl((int)fd, F_GETFD) < 0) {
            log_printf(LOG_ERROR, "invalid argument \"%s\" for \"--report-fd\" flag: want an open descriptor", report);
            return 255;
        }
        run_report_open((int)fd);
    }
    int rc = coord_ship_args(c, argc, argv);
    if (rc) {
        free(c->args);
        return rc > 0 ? 0 : 255;
    }
    if (c->n < 1) {
        coord_usage(stderr);
        log_printf(LOG_ERROR, "--instances N is required");
        free(c->args);
        return 255;
    }
    c->token = token ? token : "";
    c->listen_at = listen_at;
    if (!c->tls_cert != !c->tls_key) {
        log_printf(LOG_ERROR, "--tls-cert and --tls-key go together");
        free(c->args);
        return 255;
    }
    if (c->tls_cert) {
        char err[1024];
        if (!(c->tls = dist_tls_server_ctx(c->tls_cert, c->tls_key, err, sizeof err))) {
            log_printf(LOG_ERROR, "%s", err);
            free(c->args);
            return 255;
        }
    }
    /* `c6 run` with the test run by the agents (coord_ctl_coordinate) */
    run_controller ctl = {.archive = coord_ctl_archive, .coordinate = coord_ctl_coordinate, .arg = c};
    int code = run_main_with(argc, argv, MODE_COORD, &ctl);
    run_report_ended(code);
    dist_metrics_in_free(c->metrics);
    SSL_CTX_free(c->tls);
    buf_free(&c->archive);
    free(c->args);
    return code;
}
