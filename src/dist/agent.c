/* `c6 agent HOST:PORT [--token T]`: one instance of a distributed run. It
 * says hello to the coordinator, receives the test as a k6 archive and its
 * execution segment, and then IS a `c6 run file.tar` of that segment with a
 * controller attached (run_controller): ready after the VUs' init, setup()
 * here or its data from the coordinator, the common start, teardown() here
 * or not. Its metrics go to the coordinator as snapshots (metrics_link.h);
 * the verdict (thresholds, summary, handleSummary) is the coordinator's. A
 * thread of its own keeps the connection: heartbeats both ways, the
 * snapshots every second, the coordinator's messages, and a lost
 * coordinator stops the test. */
#include "dist/dist.h"
#include "util/err.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "cli/run_ctx.h"
#include "dist/metrics_link.h"
#include "dist/proto.h"
#include "dist/tls.h"
#include "util/clock.h"
#include "util/log.h"
#include "version.h"

typedef struct agent {
    int fd;
    SSL *ssl; /* the TLS session (--tls, --tls-ca, --insecure), NULL: plain;
                                   * read and written under send_lock */
    const char *addr;
    proto_rx rx;
    pthread_mutex_t send_lock;
    pthread_t io;
    bool io_running;
    atomic_bool quit;
    /* what the coordinator said, under lock (cond signalled on each change) */
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool run_setup, have_setup_data, have_start, have_teardown, teardown_here, lost, finished;
    char *setup_data; /* setup()'s JSON from the coordinator; NULL: none */
    int64_t start_at; /* wall clock µs */
    int stop_code;    /* the coordinator (or its loss) stopped the test */
    run_ctx *run;     /* set while the test runs: stops go to it */
    run_ctx *prog;    /* set while the test runs: its progress numbers go out */
    /* under send_lock: the metrics' aggregator (from the start on), and
     * whether the last snapshot went (none after it) */
    dist_metrics_out *metrics;
    bool metrics_over, failed;
    buf snap;
} agent;

static void agent_send(agent *a, int type, const char *json) {
    pthread_mutex_lock(&a->send_lock);
    if (proto_send_str(a->fd, a->ssl, type, json, 5000) && type != MSG_PING)
        log_printf(LOG_DEBUG, "agent: cannot send to the coordinator: %s", strerror(errno));
    pthread_mutex_unlock(&a->send_lock);
}

static void agent_send_code(agent *a, int type, const char *key, long long v) {
    char m[64];
    snprintf(m, sizeof m, "{\"%s\":%lld}", key, v);
    agent_send(a, type, m);
}

static void agent_stop(agent *a, int code);

/* The run's progress numbers (what `c6 run`'s progress block shows: VUs,
 * iterations, each scenario's state) to the coordinator, which draws the
 * whole run's block from every agent's. No-op outside the test. */
static void agent_send_progress(agent *a) {
    buf m = {0};
    char part[160];
    pthread_mutex_lock(&a->lock);
    run_ctx *r = a->prog;
    if (r) {
        c6_test *t = &r->test;
        snprintf(part, sizeof part,
                 "{\"vus\":%d,\"vus_max\":%d,\"done\":%lld,\"interrupted\":%lld,\"failed\":%lld,\"scen\":[",
                 atomic_load(&t->vus_active), atomic_load(&t->vus_initialized), (long long)atomic_load(&t->iters_done),
                 (long long)atomic_load(&t->iters_interrupted), (long long)atomic_load(&t->iters_failed));
        buf_puts(&m, part);
        for (int i = 0; i < t->nscen; i++) {
            scen_rt *sc = &t->scen[i];
            int st = scen_state(sc);
            long long started = st >= SC_RUNNING ? (long long)(atomic_load(&sc->start_us) - t->start_us) : -1;
            snprintf(part, sizeof part, "%s[%d,%lld,%lld,%d,%lld]", i ? "," : "", st, (long long)atomic_load(&sc->done),
                     (long long)atomic_load(&sc->interrupted), atomic_load(&sc->vus_active), started);
            buf_puts(&m, part);
        }
        buf_puts(&m, "]}");
    }
    pthread_mutex_unlock(&a->lock);
    if (m.p) agent_send(a, MSG_PROGRESS, m.p);
    buf_free(&m);
}

/* A snapshot of the metrics to the coordinator, under send_lock (so that
 * snapshots go in the order they are made); last: none after it. A snapshot
 * that cannot be made (too many time series) fails the run: the coordinator
 * is told why and the test stops here. */
static void agent_send_metrics(agent *a, bool last) {
    char err[300];
    bool fail = false;
    pthread_mutex_lock(&a->send_lock);
    if (a->metrics && !a->metrics_over && !a->failed) {
        if (dist_metrics_snapshot(a->metrics, &a->snap, err, sizeof err)) {
            a->failed = fail = true;
            cJSON *o = cJSON_CreateObject();
            cJSON_AddStringToObject(o, "reason", err);
            char *m = cJSON_PrintUnformatted(o);
            cJSON_Delete(o);
            proto_send_str(a->fd, a->ssl, MSG_FAIL, m ? m : "{}", 5000);
            free(m);
        } else if (a->snap.len) {
            proto_send(a->fd, a->ssl, MSG_METRICS, a->snap.p, a->snap.len, 5000);
        }
    }
    if (last) a->metrics_over = true;
    pthread_mutex_unlock(&a->send_lock);
    if (fail) {
        log_printf(LOG_ERROR, "%s: the run's metrics would be wrong; stopping the test", err);
        agent_stop(a, DIST_EXIT_FAILED);
    }
}

/* Under a->lock: the test stops with code (the first stop wins). */
static void agent_stop_locked(agent *a, int code) {
    if (a->stop_code) return;
    a->stop_code = code;
    if (a->run) run_stop_from(a->run, code);
    pthread_cond_broadcast(&a->cond);
}

static void agent_stop(agent *a, int code) {
    pthread_mutex_lock(&a->lock);
    agent_stop_locked(a, code);
    pthread_mutex_unlock(&a->lock);
}

static void agent_lost(agent *a, const char *why) {
    pthread_mutex_lock(&a->lock);
    bool quiet = a->finished;
    a->lost = true;
    if (!quiet) {
        log_printf(LOG_ERROR, "lost the coordinator at %s (%s): stopping the test", a->addr, why);
        agent_stop_locked(a, DIST_EXIT_FAILED);
    }
    pthread_cond_broadcast(&a->cond);
    pthread_mutex_unlock(&a->lock);
}

static int agent_json_int(const cJSON *o, const char *key, int dflt) {
    const cJSON *v = cJSON_GetObjectItem(o, key);
    return cJSON_IsNumber(v) ? v->valueint : dflt;
}

/* A message of the coordinator during the test (on the connection's thread). */
static int agent_on_message(agent *a, int type, const uint8_t *p, size_t len) {
    if (type == MSG_PING) return 0;
    cJSON *o = cJSON_ParseWithLength((const char *)p, len);
    if (!cJSON_IsObject(o)) {
        cJSON_Delete(o);
        return -1;
    }
    pthread_mutex_lock(&a->lock);
    int rc = 0;
    switch (type) {
    case MSG_RUN_SETUP: a->run_setup = true; break;
    case MSG_SETUP_DATA: {
        const cJSON *d = cJSON_GetObjectItem(o, "data");
        free(a->setup_data);
        a->setup_data = cJSON_IsString(d) ? xstrdup(d->valuestring) : NULL;
        a->have_setup_data = true;
        break;
    }
    case MSG_START: {
        const cJSON *at = cJSON_GetObjectItem(o, "at");
        a->start_at = cJSON_IsNumber(at) ? (int64_t)at->valuedouble : clock_wall_us();
        a->have_start = true;
        break;
    }
    case MSG_STOP: {
        const cJSON *why = cJSON_GetObjectItem(o, "reason");
        int code = agent_json_int(o, "code", DIST_EXIT_FAILED);
        if (!a->stop_code)
            log_printf(LOG_WARN, "the coordinator stopped the test: %s", cJSON_IsString(why) ? why->valuestring : "?");
        agent_stop_locked(a, code > 0 && code < 256 ? code : DIST_EXIT_FAILED);
        break;
    }
    case MSG_TEARDOWN:
        a->teardown_here = cJSON_IsTrue(cJSON_GetObjectItem(o, "here"));
        a->have_teardown = true;
        break;
    default: rc = -1;
    }
    pthread_cond_broadcast(&a->cond);
    pthread_mutex_unlock(&a->lock);
    cJSON_Delete(o);
    return rc;
}

/* The connection's thread: reads, heartbeats, the coordinator's silence. */
static void *agent_io_main(void *arg) {
    agent *a = arg;
    int64_t last_rx = clock_now_us(), last_ping = 0;
    while (!atomic_load(&a->quit)) {
        struct pollfd pf = {a->fd, POLLIN, 0};
        poll(&pf, 1, 100);
        int64_t now = clock_now_us();
        int rd = 0;
        pthread_mutex_lock(&a->send_lock); /* (one thread at a time on the TLS session) */
        while ((rd = proto_read(a->fd, a->ssl, &a->rx)) > 0) last_rx = now;
        int rd_errno = errno;
        pthread_mutex_unlock(&a->send_lock);
        errno = rd_errno;
        int type, nx;
        const uint8_t *p;
        size_t len;
        while ((nx = proto_next(&a->rx, &type, &p, &len)) > 0)
            if (agent_on_message(a, type, p, len)) {
                nx = -1;
                break;
            }
        if (nx < 0) {
            agent_lost(a, "a malformed message");
            break;
        }
        if (rd < 0) {
            agent_lost(a, errno ? strerror(errno) : "the connection was closed");
            break;
        }
        if (now - last_rx > DIST_LOST_US) {
            agent_lost(a, "no heartbeat");
            break;
        }
        if (now - last_ping >= DIST_PING_US) {
            last_ping = now;
            agent_send(a, MSG_PING, "");
            agent_send_progress(a);
            agent_send_metrics(a, false);
        }
    }
    return NULL;
}

/* Waits for pred, on the main thread, running the run's loop so a Ctrl-C is
 * seen. 0 when pred holds; else the stop's exit code (when stops end the
 * wait) or -1 (the coordinator lost). */
static int agent_wait(agent *a, run_ctx *r, bool (*pred)(const agent *), bool stops_end) {
    for (;;) {
        pthread_mutex_lock(&a->lock);
        if (!pred(a) && !(stops_end && a->stop_code) && !a->lost) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_nsec += 20000000;
            if (ts.tv_nsec >= 1000000000) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000;
            }
            pthread_cond_timedwait(&a->cond, &a->lock, &ts);
        }
        bool ok = pred(a), lost = a->lost;
        int stop = a->stop_code;
        pthread_mutex_unlock(&a->lock);
        if (ok) return 0;
        if (stops_end && stop) return stop;
        if (lost) return stop ? stop : -1;
        uv_run(r->loop, UV_RUN_NOWAIT);
        if (stops_end && r->signals) {
            agent_send_code(a, MSG_DONE, "code", EXIT_ABORTED);
            return EXIT_ABORTED;
        }
    }
}

static bool agent_setup_known(const agent *a) { return a->run_setup || a->have_setup_data; }
static bool agent_start_known(const agent *a) { return a->have_start; }
static bool agent_teardown_known(const agent *a) { return a->have_teardown; }

/* run_controller.start: ready; setup() here or its data; the common start. */
static int agent_ctl_start(void *arg, run_ctx *r) {
    agent *a = arg;
    /* its progress numbers from now on (the VUs initialised), then ready */
    pthread_mutex_lock(&a->lock);
    a->prog = r;
    pthread_mutex_unlock(&a->lock);
    agent_send_progress(a);
    agent_send(a, MSG_READY, "{}");
    int rc = agent_wait(a, r, agent_setup_known, true);
    if (rc) return rc;
    if (a->run_setup) {
        rc = run_setup_local(r);
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "code", rc);
        if (!rc && r->test.setup_json) cJSON_AddStringToObject(o, "data", r->test.setup_json);
        char *m = cJSON_PrintUnformatted(o);
        agent_send(a, MSG_SETUP_DONE, m ? m : "{\"code\":103}");
        free(m);
        cJSON_Delete(o);
        if (rc) { /* setup()'s metrics still go, for the coordinator's summary (the last snapshot) */
            dist_metrics_out *sm = dist_metrics_out_new(r, clock_now_ns());
            pthread_mutex_lock(&a->send_lock);
            a->metrics = sm;
            pthread_mutex_unlock(&a->send_lock);
            return rc;
        }
    } else {
        pthread_mutex_lock(&a->lock);
        free(r->test.setup_json);
        r->test.setup_json = a->setup_data;
        a->setup_data = NULL;
        pthread_mutex_unlock(&a->lock);
    }
    if ((rc = agent_wait(a, r, agent_start_known, true)) != 0) return rc;
    /* the metrics' aggregator, its times relative to the common start */
    dist_metrics_out *m = dist_metrics_out_new(r, clock_now_ns() + (a->start_at - clock_wall_us()) * 1000);
    if (!m) {
        log_printf(LOG_ERROR, "cannot aggregate the metrics: out of memory");
        return DIST_EXIT_FAILED;
    }
    pthread_mutex_lock(&a->send_lock);
    a->metrics = m;
    pthread_mutex_unlock(&a->send_lock);
    /* the common start: sleep to it, a little at a time so that stops are seen */
    for (;;) {
        pthread_mutex_lock(&a->lock);
        int stop = a->stop_code;
        pthread_mutex_unlock(&a->lock);
        if (stop) return stop;
        int64_t left = a->start_at - clock_wall_us();
        if (left <= 0) return 0;
        struct timespec ts = {0, (long)(left > 20000 ? 20000 : left) * 1000};
        nanosleep(&ts, NULL);
    }
}

static void agent_ctl_started(void *arg, run_ctx *r) {
    agent *a = arg;
    agent_send_code(a, MSG_STARTED, "at", (long long)clock_wall_us());
    pthread_mutex_lock(&a->lock);
    a->run = r;
    if (a->stop_code) run_stop_from(r, a->stop_code); /* it came before the start */
    pthread_mutex_unlock(&a->lock);
}

/* The iterations are over here: why, then whether teardown() runs here. */
static bool agent_ctl_done(void *arg, run_ctx *r) {
    agent *a = arg;
    agent_send_progress(a); /* the last numbers: the coordinator's final block */
    pthread_mutex_lock(&a->lock);
    a->run = NULL;
    a->prog = NULL;
    bool stopped_by_coordinator = a->stop_code != 0;
    pthread_mutex_unlock(&a->lock);
    int why = 0;
    if (!stopped_by_coordinator) {
        why = atomic_load(&r->test.script_aborted) ? EXIT_SCRIPT_ABORT
              : r->threshold_aborted               ? EXIT_THRESHOLDS
              : r->aborted                         ? EXIT_ABORTED
              : atomic_load(&r->api_stopped)       ? EXIT_API_STOP
                                                   : 0;
    }
    /* the iterations' metrics (drained), then why they are over */
    agent_send_metrics(a, false);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "code", why);
    if (why == EXIT_SCRIPT_ABORT) cJSON_AddStringToObject(o, "reason", r->test.abort_reason);
    char *msg = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    agent_send(a, MSG_DONE, msg ? msg : "{\"code\":103}");
    free(msg);
    if (agent_wait(a, r, agent_teardown_known, false)) return false;
    return a->teardown_here;
}

/* The workers are stopped, teardown()'s metrics drained: the last snapshot. */
static void agent_ctl_end(void *arg, run_ctx *r) {
    (void)r;
    agent *a = arg;
    pthread_mutex_lock(&a->lock);
    a->prog = NULL; /* (the run's state is freed after this) */
    pthread_mutex_unlock(&a->lock);
    agent_send_metrics(arg, true);
}

static const run_controller agent_ctl_ops = {.start = agent_ctl_start,
                                             .started = agent_ctl_started,
                                             .done = agent_ctl_done,
                                             .end = agent_ctl_end,
                                             .agent = true};

/* The hello, then the coordinator's welcome and archive (or its refusal),
 * on the main thread. 0, or an exit code with the error logged. */
static int agent_join(agent *a, const char *token, int slot, cJSON **welcome, buf *archive) {
    cJSON *h = cJSON_CreateObject();
    cJSON_AddStringToObject(h, "version", C6_VERSION);
    cJSON_AddNumberToObject(h, "proto", DIST_PROTO_VERSION);
    cJSON_AddStringToObject(h, "token", token);
    if (slot >= 0) cJSON_AddNumberToObject(h, "slot", slot); /* its segment: the service's zones */
    char *m = cJSON_PrintUnformatted(h);
    cJSON_Delete(h);
    int rc = m ? proto_send_str(a->fd, a->ssl, MSG_HELLO, m, 5000) : -1;
    free(m);
    if (rc) {
        log_printf(LOG_ERROR, "cannot send the hello to the coordinator at %s: %s", a->addr, strerror(errno));
        return DIST_EXIT_FAILED;
    }
    int64_t deadline = clock_now_us() + 30000000;
    while (!*welcome || !archive->p) {
        int type, nx;
        const uint8_t *p;
        size_t len;
        while ((nx = proto_next(&a->rx, &type, &p, &len)) > 0) {
            if (type == MSG_REFUSE) {
                log_printf(LOG_ERROR, "the coordinator at %s refused this agent: %.*s", a->addr,
                           (int)(len > 1000 ? 1000 : len), p);
                return DIST_EXIT_FAILED;
            }
            if (type == MSG_WELCOME && !*welcome) {
                *welcome = cJSON_ParseWithLength((const char *)p, len);
                if (!cJSON_IsObject(*welcome)) nx = -1;
            } else if (type == MSG_ARCHIVE && *welcome && !archive->p) {
                if (buf_append(archive, p, len)) nx = -1;
            } else if (type != MSG_PING) {
                nx = -1;
            }
            if (nx < 0) break;
            if (*welcome && archive->p) return 0;
        }
        if (nx < 0) {
            log_printf(LOG_ERROR, "the coordinator at %s sent a malformed message", a->addr);
            return DIST_EXIT_FAILED;
        }
        struct pollfd pf = {a->fd, POLLIN, 0};
        int left_ms = (int)((deadline - clock_now_us()) / 1000);
        if (left_ms <= 0) {
            log_printf(LOG_ERROR, "the coordinator at %s did not answer the hello in 30 s", a->addr);
            return DIST_EXIT_FAILED;
        }
        poll(&pf, 1, left_ms < 200 ? left_ms : 200);
        if (proto_read(a->fd, a->ssl, &a->rx) < 0) {
            log_printf(LOG_ERROR, "the coordinator at %s closed the connection: %s%s", a->addr,
                       errno ? strerror(errno) : "no answer to the hello",
                       a->ssl ? "" : " (a coordinator serving TLS wants --tls, --tls-ca FILE or --insecure)");
            return DIST_EXIT_FAILED;
        }
    }
    return 0;
}

static void agent_usage(FILE *f) {
    fprintf(f, "usage: c6 agent HOST:PORT [--token T] [--tls | --tls-ca FILE | --insecure]\n\n"
               "Joins the distributed run of `c6 coordinator` at HOST:PORT and runs its part of the test.\n"
               "  --token T       the coordinator's token (default: $C6_DIST_TOKEN)\n"
               "  --slot=K        take the K-th segment of the coordinator's --sequence (the service's zones)\n"
               "  --tls           connect over TLS, the coordinator's certificate checked against the\n"
               "                  system's CAs (SSL_CERT_FILE) and HOST\n"
               "  --tls-ca FILE   connect over TLS, the certificate checked against the CAs in FILE (PEM)\n"
               "  --insecure      connect over TLS without checking the certificate\n");
}

/* The run's arguments: the coordinator's flags, this agent's segment, no
 * REST API nor progress block of its own (--quiet: the coordinator draws
 * the whole run's), the archive. */
static char **agent_argv(const cJSON *w, const char *tar_path, int *argc) {
    const cJSON *args = cJSON_GetObjectItem(w, "args");
    const cJSON *seg = cJSON_GetObjectItem(w, "segment"), *seq = cJSON_GetObjectItem(w, "sequence");
    if (!cJSON_IsArray(args) || !cJSON_IsString(seg) || !cJSON_IsString(seq)) return NULL;
    int n = cJSON_GetArraySize(args);
    char **v = calloc((size_t)n + 10, sizeof *v);
    if (!v) return NULL;
    int k = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, args) {
        if (!cJSON_IsString(it)) {
            free(v);
            return NULL;
        }
        v[k++] = it->valuestring;
    }
    v[k++] = "--execution-segment";
    v[k++] = seg->valuestring;
    v[k++] = "--execution-segment-sequence";
    v[k++] = seq->valuestring;
    v[k++] = "--address=";
    v[k++] = "--quiet";
    v[k++] = "--type=archive"; /* whatever --type the coordinator was given */
    v[k++] = (char *)tar_path;
    *argc = k;
    return v;
}

/* The archive into dir (the agent's own temporary directory), as the file
 * `c6 run` is given. 0, or -1 with the error logged. */
static int agent_write_archive(const char *dir, const buf *archive, char *path, size_t n) {
    snprintf(path, n, "%s/archive.tar", dir);
    FILE *f = fopen(path, "wb");
    bool ok = f && fwrite(archive->p, 1, archive->len, f) == archive->len;
    if (f && fclose(f) && ok) ok = false;
    if (!ok) log_printf(LOG_ERROR, "cannot write the test's archive to %s: %s", path, strerror(errno));
    return ok ? 0 : -1;
}

/* TLS over the connection to addr (HOST:PORT), the coordinator's
 * certificate checked unless insecure. 0, or -1 with the error logged. */
static int agent_tls(agent *a, const char *addr, const char *ca, bool insecure, SSL_CTX **ctx) {
    char err[600], host[256];
    const char *colon = strrchr(addr, ':');
    size_t hl = colon ? (size_t)(colon - addr) : strlen(addr);
    if (hl >= sizeof host) hl = sizeof host - 1;
    memcpy(host, addr, hl);
    host[hl] = 0;
    if (host[0] == '[' && hl > 2 && host[hl - 1] == ']') { /* [::1] */
        memmove(host, host + 1, hl - 2);
        host[hl - 2] = 0;
    }
    if (!(*ctx = dist_tls_client_ctx(ca, insecure, err, sizeof err))) {
        log_printf(LOG_ERROR, "%s", err);
        return -1;
    }
    if (!(a->ssl = dist_tls_session(*ctx, a->fd, host))) {
        log_printf(LOG_ERROR, "cannot make a TLS session: out of memory");
        return -1;
    }
    if (dist_tls_handshake_wait(a->ssl, a->fd, 10000, err, sizeof err)) {
        log_printf(LOG_ERROR, "cannot join the coordinator at %s: %s%s", addr, err,
                   strstr(err, "certificate verification") ? "" : " (is it serving TLS? --tls-cert)");
        return -1;
    }
    return 0;
}

int agent_main(int argc, char **argv) {
    const char *addr = NULL, *token = getenv("C6_DIST_TOKEN"), *tls_ca = NULL;
    bool tls = false, insecure = false;
    int slot = -1; /* --slot=K: the K-th segment of the coordinator's sequence (else the next free one) */
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            agent_usage(stdout);
            return 0;
        } else if (!strcmp(argv[i], "--tls")) {
            tls = true;
        } else if (!strcmp(argv[i], "--insecure")) {
            tls = insecure = true;
        } else if (!strcmp(argv[i], "--tls-ca") && i + 1 < argc) {
            tls = true;
            tls_ca = argv[++i];
        } else if (!strncmp(argv[i], "--tls-ca=", 9)) {
            tls = true;
            tls_ca = argv[i] + 9;
        } else if (!strcmp(argv[i], "--token") && i + 1 < argc) {
            token = argv[++i];
        } else if (!strncmp(argv[i], "--token=", 8)) {
            token = argv[i] + 8;
        } else if (!strncmp(argv[i], "--slot=", 7)) {
            char *end;
            long v = strtol(argv[i] + 7, &end, 10);
            if (end == argv[i] + 7 || *end || v < 0 || v > 63) {
                log_printf(LOG_ERROR, "--slot: want a segment number from 0 to 63, got %s", argv[i] + 7);
                return 255;
            }
            slot = (int)v;
        } else if (argv[i][0] == '-' || addr) {
            log_printf(LOG_ERROR, argv[i][0] == '-' ? "unknown flag: %s" : "unexpected argument: %s", argv[i]);
            return 255;
        } else {
            addr = argv[i];
        }
    }
    if (!addr) {
        agent_usage(stderr);
        return 255;
    }
    static agent ag;
    agent *a = &ag;
    a->addr = addr;
    a->rx.max = DIST_FRAME_MAX;
    pthread_mutex_init(&a->lock, NULL);
    pthread_mutex_init(&a->send_lock, NULL);
    pthread_cond_init(&a->cond, NULL);
    char err[512];
    const char *tmp = getenv("TMPDIR");
    char dirbuf[512];
    snprintf(dirbuf, sizeof dirbuf, "%s/c6-agent-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    /* the coordinator may not listen yet (agents started first, as pods are) */
    int64_t give_up = clock_now_us() + DIST_CONNECT_US;
    while ((a->fd = proto_socket(addr, false, err, sizeof err)) < 0 && errno == ECONNREFUSED &&
           clock_now_us() < give_up) {
        static bool said;
        if (!said) log_printf(LOG_INFO, "waiting for the coordinator at %s", addr);
        said = true;
        usleep(250000);
    }
    if (a->fd < 0) {
        log_printf(LOG_ERROR, "cannot join the coordinator: %s", err);
        return DIST_EXIT_FAILED;
    }
    SSL_CTX *tls_ctx = NULL;
    if (tls && agent_tls(a, addr, tls_ca, insecure, &tls_ctx)) {
        SSL_CTX_free(tls_ctx);
        close(a->fd);
        return DIST_EXIT_FAILED;
    }
    cJSON *w = NULL;
    buf archive = {0};
    char tar_path[600] = "", **rargv = NULL;
    bool have_dir = false;
    int rargc = 0;
    int code = agent_join(a, token ? token : "", slot, &w, &archive);
    if (!code) {
        char *d = mkdtemp(dirbuf);
        have_dir = d != NULL;
        if (!d) {
            log_printf(LOG_ERROR, "cannot make a directory for the test's files: %s", strerror(errno));
            code = DIST_EXIT_FAILED;
        } else if (agent_write_archive(d, &archive, tar_path, sizeof tar_path)) {
            code = DIST_EXIT_FAILED;
        } else if (!(rargv = agent_argv(w, tar_path, &rargc))) {
            log_printf(LOG_ERROR, "the coordinator at %s sent a malformed welcome", addr);
            code = DIST_EXIT_FAILED;
        }
    }
    if (!code) {
        log_printf(LOG_INFO, "joined the coordinator at %s as agent %d of %d (segment %s)", addr,
                   agent_json_int(w, "index", 0) + 1, agent_json_int(w, "instances", 0),
                   cJSON_GetObjectItem(w, "segment")->valuestring);
        a->io_running = pthread_create(&a->io, NULL, agent_io_main, a) == 0;
        run_controller ctl = agent_ctl_ops;
        ctl.arg = a;
        code = run_main_with(rargc, rargv, MODE_RUN, &ctl);
        pthread_mutex_lock(&a->lock);
        a->finished = true;
        bool lost = a->lost;
        pthread_mutex_unlock(&a->lock);
        pthread_mutex_lock(&a->send_lock);
        if (a->failed && !code) code = DIST_EXIT_FAILED; /* (its last snapshot could not be made) */
        pthread_mutex_unlock(&a->send_lock);
        if (!lost) agent_send_code(a, MSG_FINAL, "code", code);
        atomic_store(&a->quit, true);
        if (a->io_running) pthread_join(a->io, NULL);
    }
    if (have_dir) {
        unlink(tar_path);
        rmdir(dirbuf);
    }
    free(rargv);
    cJSON_Delete(w);
    buf_free(&archive);
    dist_metrics_out_free(a->metrics);
    buf_free(&a->snap);
    proto_rx_free(&a->rx);
    free(a->setup_data);
    dist_tls_close(a->ssl);
    SSL_CTX_free(tls_ctx);
    close(a->fd);
    return code;
}
