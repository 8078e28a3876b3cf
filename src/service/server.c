/* `c6 server`: the test-run service. HTTP+JSON (libmicrohttpd), runs in
 * SQLite (store.c), a FIFO queue and a pool of agents (`c6 agent --server`).
 * A run that gets its agents runs as a child `c6 coordinator` of this
 * process, listening on a free localhost port with a token of its own; the
 * assigned pool agents poll for work, get that address and join it as
 * `c6 agent HOST:PORT` would. The coordinator's report channel (a pipe,
 * --report-fd; run_watch.c) tells the address, the start and the progress,
 * to which the limits seen while running apply; its exit code the end. */
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
#include "config/duration.h"
#include "util/log.h"

#define MAX_AGENTS      256
#define MAX_ACTIVE      64
#define AGENT_SEEN_US   3000000     /* an agent silent this long is not given work */
#define AGENT_STORE_US  10000000LL  /* an agent's last poll is written to the database this often */
#define INIT_TIMEOUT_US 60000000LL  /* Initializing longer than this: Aborted by system */
#define MAX_ARCHIVE     (64u << 20) /* an upload larger than this is refused (413) */

typedef struct {
    int64_t id, capacity, run;  /* run: the run it is assigned to, 0 when none */
    int64_t seen_us, stored_us; /* stored_us: its seen_us last written to the database */
    bool idle, handed;          /* idle: its last poll said so; handed: it got run's address */
    bool restored;              /* from the database at the start, not heard from since */
    int slot;                   /* its segment of the run's sequence (the run's coordinator --sequence) */
    char zone[ZONE_NAME_MAX];
    char label[ZONE_NAME_MAX]; /* the run's distribution label it serves ("" without one) */
} pool_agent;

typedef struct {
    int64_t id;
    pid_t pid;
    char dir[700], addr[128], token[65];
    int status;
    int64_t started_us;                      /* when its coordinator started */
    int64_t heard_us;                        /* last poll of one of its agents saying it runs it */
    bool stop, signalled, timed_out, silent; /* signalled: SIGINT sent (a stop); the others: SIGKILL */
    int abort_status;                        /* the service stops it (a limit, the error rule): its end status */
    char abort_msg[400];
    run_watch w; /* its report channel */
    bool local;  /* --local-execution: its agent is the submitting CLI */
} active_run;

static struct {
    pthread_mutex_t lock;
    store *st;
    const char *token, *datadir;
    char tls_cert[4096], tls_key[4096]; /* --tls-cert/--tls-key (absolute), "": plain HTTP */
    char *cert_pem, *key_pem;           /* their contents, for libmicrohttpd (GnuTLS) */
    char coord_listen[300];             /* --coordinator-host H: "H:0", where each run's coordinator listens */
    int64_t max_vus, max_duration_us;   /* the limits known before the start (0: none) */
    int64_t run_timeout_us;             /* Running without word from its agents this long: Timed out */
    int64_t agent_timeout_us;           /* an agent silent this long (in no run) leaves the pool */
    run_limits limits;                  /* the limits seen while running (run_watch.h) */
    char self[4096];
    pool_agent agents[MAX_AGENTS];
    int nagents;
    int64_t next_agent;
    active_run runs[MAX_ACTIVE];
    int nruns;
    atomic_bool quit;
} S = {.lock = PTHREAD_MUTEX_INITIALIZER};

static int64_t mono_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* ---------------------------------------------------------------- children */

/* Starts argv (argv[0] unused: this executable) with stdout and stderr into
 * files (NULL: /dev/null). Its pid or -1. Between fork and exec only
 * async-signal-safe calls (the server has threads). */
static pid_t spawn_env(char **argv, char **envp, const char *out, const char *errf, int report) {
    int fo = open(out ? out : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    int fe = open(errf ? errf : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fo < 0 || fe < 0) {
        if (fo >= 0) close(fo);
        if (fe >= 0) close(fe);
        return -1;
    }
    pid_t pid = fork();
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL); /* a run does not outlive its service */
        dup2(fo, 1);
        dup2(fe, 2);
        if (report == 3) fcntl(3, F_SETFD, 0); /* (kept across exec) */
        else if (report >= 0) dup2(report, 3);
        if (envp) execve(S.self, argv, envp);
        else execv(S.self, argv);
        _exit(127);
    }
    close(fo);
    close(fe);
    return pid;
}

static pid_t spawn(char **argv, const char *out, const char *errf, int report) {
    return spawn_env(argv, NULL, out, errf, report);
}

static int read_file(const char *path, buf *out, size_t max) {
    FILE *f = fopen(path, "rb");
    if (!f) return -1;
    char tmp[8192];
    size_t n;
    while ((n = fread(tmp, 1, sizeof tmp, f)) > 0 && out->len < max)
        if (buf_append(out, tmp, n)) break;
    fclose(f);
    return 0;
}

static int write_file(const char *path, const void *p, size_t n) {
    FILE *f = fopen(path, "wb");
    bool ok = f && fwrite(p, 1, n, f) == n;
    if (f && fclose(f)) ok = false;
    return ok ? 0 : -1;
}

/* The archive's VUs by `c6 inspect --execution-requirements` (the same
 * init run and checks as `c6 run`): 0 with *vus set, or -1 with err set to
 * its error lines. */
static int validate(const char *dir, int64_t *vus, int64_t *dur_us, zone_share *zones, int *nzones, char *err,
                    size_t errlen) {
    char tar[800], out[800], log[800];
    snprintf(tar, sizeof tar, "%s/archive.tar", dir);
    snprintf(out, sizeof out, "%s/inspect.json", dir);
    snprintf(log, sizeof log, "%s/inspect.log", dir);
    char *argv[] = {"c6", "inspect", "--execution-requirements", tar, NULL};
    pid_t pid = spawn(argv, out, log, -1);
    int st = 0;
    if (pid < 0 || waitpid(pid, &st, 0) != pid) {
        snprintf(err, errlen, "cannot validate the test: %s", strerror(errno));
        return -1;
    }
    buf b = {0};
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        read_file(log, &b, 16384);
        snprintf(err, errlen, "%s", b.p ? b.p : "the test is invalid");
        buf_free(&b);
        return -1;
    }
    read_file(out, &b, 1 << 20);
    cJSON *j = b.p ? cJSON_Parse(b.p) : NULL;
    const cJSON *m = cJSON_GetObjectItem(j, "maxVUs");
    *vus = cJSON_IsNumber(m) ? (int64_t)m->valuedouble : 1;
    if (*vus < 1) *vus = 1;
    const cJSON *td = cJSON_GetObjectItem(j, "totalDuration");
    char derr[128];
    if (!cJSON_IsString(td) || duration_parse(td->valuestring, dur_us, derr, sizeof derr)) *dur_us = 0;
    *nzones = zones_from_options(j, zones, ZONES_MAX, err, errlen);
    cJSON_Delete(j);
    buf_free(&b);
    return *nzones < 0 ? -1 : 0;
}

static void run_dir(int64_t id, char *out, size_t n) { snprintf(out, n, "%s/run-%lld", S.datadir, (long long)id); }

/* ------------------------------------------------------------- scheduler */

static pool_agent *agent_find(int64_t id) {
    for (int i = 0; i < S.nagents; i++)
        if (S.agents[i].id == id) return &S.agents[i];
    return NULL;
}

static bool agent_free(const pool_agent *a, int64_t now) {
    return a->idle && !a->run && !a->restored && now - a->seen_us < AGENT_SEEN_US;
}

/* A run that has ended, of `--no-archive-upload`: its archive is dropped
 * (database and run directory); others keep theirs. */
static void drop_archive(int64_t id) {
    if (store_run_drop_archive(S.st, id) != 1) return;
    char dir[700], path[800];
    run_dir(id, dir, sizeof dir);
    snprintf(path, sizeof path, "%s/archive.tar", dir);
    unlink(path);
}

/* A run that cannot be started here: Aborted by system, with the reason
 * (else the head of the queue would block every run behind it). */
static void start_failed(int64_t id, const char *why) {
    log_printf(LOG_ERROR, "run %lld: %s", (long long)id, why);
    store_run_status(S.st, id, RUN_ABORTED_SYSTEM);
    store_run_end(S.st, id, "failed", -1, NULL, why);
    drop_archive(id);
}

/* Starts run id's coordinator for n agents (sequence: their segments, NULL:
 * equal parts); the run is then Initializing. NULL when it cannot start
 * (the run is then Aborted by system). */
static active_run *start_run(int64_t id, int n, const char *sequence) {
    active_run *r = &S.runs[S.nruns];
    memset(r, 0, sizeof *r);
    r->id = id;
    run_dir(id, r->dir, sizeof r->dir);
    mkdir(r->dir, 0700);
    buf tarb = {0};
    char tar[800], out[800], log[800], inst[16], tok[96], seq[4200];
    snprintf(tar, sizeof tar, "%s/archive.tar", r->dir);
    snprintf(out, sizeof out, "%s/summary.txt", r->dir);
    snprintf(log, sizeof log, "%s/coordinator.log", r->dir);
    snprintf(inst, sizeof inst, "%d", n);
    snprintf(seq, sizeof seq, "--sequence=%s", sequence ? sequence : "");
    unsigned char rnd[16];
    if (RAND_bytes(rnd, sizeof rnd) != 1) {
        start_failed(id, "cannot make the run's token (no randomness)");
        return NULL;
    }
    for (int i = 0; i < 16; i++) snprintf(r->token + 2 * i, 3, "%02x", rnd[i]);
    snprintf(tok, sizeof tok, "--token=%s", r->token);
    if (store_run_archive(S.st, id, &tarb) || write_file(tar, tarb.p, tarb.len)) {
        buf_free(&tarb);
        char why[900];
        snprintf(why, sizeof why, "cannot write its archive in %s", r->dir);
        start_failed(id, why);
        return NULL;
    }
    buf_free(&tarb);
    /* --address=: no REST API of its own (runs side by side would want the same port);
     * its events on a pipe, as descriptor 3 (dist/run_report.h) */
    int pfd[2];
    if (pipe2(pfd, O_CLOEXEC)) pfd[0] = pfd[1] = -1;
    char *argv[] = {"c6",         "coordinator",   "--instances", inst, "--listen", S.coord_listen, tok, "--no-color",
                    "--address=", "--report-fd=3", NULL,          NULL, NULL,       NULL,           NULL};
    /* the service's certificate: the coordinator serves TLS to the agents,
     * which check it as they check the service's (pool_agent.c) */
    char certarg[4200], keyarg[4200];
    char **ap = argv + 10;
    if (S.tls_cert[0]) {
        snprintf(certarg, sizeof certarg, "--tls-cert=%s", S.tls_cert);
        snprintf(keyarg, sizeof keyarg, "--tls-key=%s", S.tls_key);
        *ap++ = certarg;
        *ap++ = keyarg;
    }
    if (sequence) *ap++ = seq;
    *ap = tar;
    /* its web dashboard's report, for the run's page (svc_page.c) */
    char **env = svc_page_coordinator_env(r->dir);
    r->pid = pfd[1] >= 0 && env ? spawn_env(argv, env, out, log, pfd[1]) : -1;
    svc_page_env_free(env);
    if (pfd[1] >= 0) close(pfd[1]);
    if (pfd[0] >= 0) fcntl(pfd[0], F_SETFL, O_NONBLOCK);
    run_watch_init(&r->w, pfd[0]);
    if (r->pid < 0) {
        run_watch_close(&r->w);
        char why[300];
        snprintf(why, sizeof why, "cannot start its coordinator: %s", strerror(errno));
        start_failed(id, why);
        return NULL;
    }
    r->status = RUN_INITIALIZING;
    r->started_us = r->heard_us = mono_us();
    store_run_status(S.st, id, RUN_INITIALIZING);
    S.nruns++;
    return r;
}

/* Free agents (of zone, NULL: any), not in pick[0..*n), until their
 * capacity covers vus (at least one); false when they do not. */
static bool pick_agents(const char *zone, int64_t vus, int *pick, int *n, int64_t now) {
    int64_t cap = 0;
    int first = *n, max = zone ? 63 : 64; /* a coordinator takes 64 agents, 63 segments of a --sequence */
    for (int i = 0; i < S.nagents && (cap < vus || *n == first) && *n < max; i++) {
        bool taken = false;
        for (int k = 0; k < *n; k++) taken |= pick[k] == i;
        if (taken || !agent_free(&S.agents[i], now) || (zone && strcmp(S.agents[i].zone, zone))) continue;
        pick[(*n)++] = i;
        cap += S.agents[i].capacity;
    }
    return *n > first && cap >= vus;
}

/* The head of the queue gets free agents, in registration order, until
 * their capacity covers its VUs (for each of its load zones, that zone's
 * share); else it (and every run behind it) waits. */
static void schedule_head(void) {
    int64_t vus = 0;
    char *zj = NULL;
    int64_t id = store_next_queued(S.st, false, &vus, &zj);
    if (id <= 0 || S.nruns == MAX_ACTIVE) {
        free(zj);
        return;
    }
    zone_share z[ZONES_MAX];
    int nz = zones_from_json(zj, z, ZONES_MAX), pick[MAX_AGENTS], n = 0, per[ZONES_MAX], of[MAX_AGENTS];
    free(zj);
    int64_t now = mono_us();
    if (nz == 0 && !pick_agents(NULL, vus, pick, &n, now)) return;
    for (int k = 0; k < nz; k++) {
        int before = n;
        if (!pick_agents(z[k].zone, zones_vus(vus, z[k].percent), pick, &n, now)) return;
        per[k] = n - before;
        for (int i = before; i < n; i++) of[i] = k;
    }
    char seq[4096];
    if (nz && zones_sequence(z, per, nz, seq, sizeof seq)) {
        start_failed(id, "its load zones need more agents than one run can have");
        return;
    }
    if (!start_run(id, n, nz ? seq : NULL)) return;
    for (int i = 0; i < n; i++) { /* agents in pick order take the sequence's segments in order */
        S.agents[pick[i]].run = id;
        S.agents[pick[i]].handed = false;
        S.agents[pick[i]].slot = nz ? i : -1;
        snprintf(S.agents[pick[i]].label, sizeof S.agents[pick[i]].label, "%s", nz ? z[of[i]].label : "");
    }
    log_printf(LOG_INFO, "run %lld: %lld VUs on %d agents", (long long)id, (long long)vus, n);
    for (int k = 0; k < nz; k++)
        log_printf(LOG_INFO, "run %lld: %s: %d%% on %d agents of zone %s", (long long)id, z[k].label, z[k].percent,
                   per[k], z[k].zone);
}

/* Runs of `c6 cloud run --local-execution` need no pool agent: each starts
 * at once, with one instance, the submitting CLI's. */
static void schedule_local(void) {
    int64_t vus = 0, id;
    while (S.nruns < MAX_ACTIVE && (id = store_next_queued(S.st, true, &vus, NULL)) > 0) {
        active_run *r = start_run(id, 1, NULL);
        if (!r) continue;
        r->local = true;
        log_printf(LOG_INFO, "run %lld: %lld VUs, run by its CLI (local execution)", (long long)id, (long long)vus);
    }
}

/* The coordinator's events: its address, the start, the progress; a limit
 * crossed (or the error rule met) stops the run, which then ends with that
 * status and why. */
static void watch_report(active_run *r, bool ended) {
    run_watch_read(&r->w, mono_us());
    if (!r->addr[0] && r->w.addr[0]) snprintf(r->addr, sizeof r->addr, "%s", r->w.addr);
    if (r->status == RUN_INITIALIZING && r->w.started) {
        r->status = RUN_RUNNING;
        store_run_status(S.st, r->id, RUN_RUNNING);
    }
    /* (ended: its pid is reaped, never to be signalled) */
    if (ended || r->status != RUN_RUNNING || r->abort_status || r->stop || r->timed_out || r->silent) return;
    int st = run_watch_verdict(&r->w, &S.limits, r->abort_msg, sizeof r->abort_msg);
    if (!st) return;
    r->abort_status = st;
    log_printf(LOG_WARN, "run %lld: %s; stopping it", (long long)r->id, r->abort_msg);
    kill(r->pid, SIGINT);
    r->signalled = true;
}

/* The coordinator's exit: the run's end status, result and exit code. */
static void run_ended(active_run *r, int wst) {
    watch_report(r, true);
    run_watch_close(&r->w);
    int code = WIFEXITED(wst) ? WEXITSTATUS(wst) : 128 + (WIFSIGNALED(wst) ? WTERMSIG(wst) : 0);
    char path[800];
    buf sum = {0}, log = {0};
    snprintf(path, sizeof path, "%s/summary.txt", r->dir);
    read_file(path, &sum, 8u << 20);
    snprintf(path, sizeof path, "%s/coordinator.log", r->dir);
    read_file(path, &log, 8u << 20);
    int status;
    if (r->abort_status) status = r->abort_status;
    else if (r->stop) status = RUN_ABORTED_USER;
    else if (r->timed_out) status = RUN_ABORTED_SYSTEM;
    else if (r->silent) status = RUN_TIMED_OUT;
    else if (code == 0 || (code == 99 && !(log.p && strstr(log.p, "abortOnFail")))) status = RUN_FINISHED;
    else if (code == 99) status = RUN_ABORTED_THRESHOLD;
    else if (code == 107 || code == 108 || code == 104) status = RUN_ABORTED_SCRIPT;
    else status = RUN_ABORTED_SYSTEM;
    if (r->status == RUN_INITIALIZING && status == RUN_FINISHED) store_run_status(S.st, r->id, RUN_RUNNING);
    store_run_status(S.st, r->id, status);
    /* a coordinator the service killed or stopped has no exit code of c6
     * run's (`c6 cloud run` exits 97 then, as for a limit at validation) */
    bool killed = r->timed_out || r->silent || r->abort_status;
    store_run_end(S.st, r->id, code == 0 && !r->abort_status ? "passed" : "failed", killed ? -1 : code,
                  sum.p ? sum.p : "",
                  r->timed_out      ? "the agents did not start the test in time"
                  : r->silent       ? "no word from the run's agents for --run-timeout"
                  : r->abort_status ? r->abort_msg
                                    : NULL);
    log_printf(LOG_INFO, "run %lld: %s (exit code %d)", (long long)r->id, run_status_name(status), code);
    drop_archive(r->id);
    buf_free(&sum);
    buf_free(&log);
    for (int i = 0; i < S.nagents; i++)
        if (S.agents[i].run == r->id) {
            S.agents[i].run = 0;
            S.agents[i].idle = false; /* free again once it says so */
        }
}

/* Agents silent for --agent-timeout (and in no run) leave the pool and the
 * database: a restarted service forgets in the same time those that never
 * came back. */
static void forget_agents(void) {
    int64_t now = mono_us();
    for (int i = 0; i < S.nagents; i++) {
        pool_agent *a = &S.agents[i];
        if (a->run || now - a->seen_us < S.agent_timeout_us) continue;
        log_printf(LOG_INFO, "agent %lld left the pool (no word for %.1f s)", (long long)a->id,
                   (double)S.agent_timeout_us / 1e6);
        store_agent_delete(S.st, a->id);
        S.agents[i--] = S.agents[--S.nagents];
    }
}

/* The agents the database knows (a restart): in the pool as they were, seen
 * when they last polled, so lost until they poll again. */
static void load_agents(void) {
    static store_agent rec[MAX_AGENTS];
    int n = store_agents_load(S.st, rec, MAX_AGENTS);
    int64_t now = mono_us(), wall = store_now_us();
    for (int i = 0; i < n; i++) {
        pool_agent *a = &S.agents[S.nagents++];
        int64_t ago = wall - rec[i].seen_us;
        if (ago < 0) ago = 0;
        /* restored: lost, never free, until its next poll */
        *a = (pool_agent){
            .id = rec[i].id, .capacity = rec[i].capacity, .seen_us = now - ago, .slot = -1, .restored = true};
        a->stored_us = a->seen_us;
        snprintf(a->zone, sizeof a->zone, "%s", rec[i].zone);
        if (a->id > S.next_agent) S.next_agent = a->id;
    }
    int64_t last = store_agents_last_id(S.st);
    if (last > S.next_agent) S.next_agent = last;
    if (n > 0) log_printf(LOG_INFO, "%d agents from the database (each free again at its next poll)", n);
}

static void *scheduler_main(void *arg) {
    (void)arg;
    while (!atomic_load(&S.quit)) {
        pthread_mutex_lock(&S.lock);
        for (int i = 0; i < S.nruns; i++) {
            active_run *r = &S.runs[i];
            watch_report(r, false);
            bool killed = r->timed_out || r->silent;
            if (r->status == RUN_INITIALIZING && !killed && mono_us() - r->started_us > INIT_TIMEOUT_US) {
                log_printf(LOG_WARN, "run %lld: its agents did not start the test within %d s", (long long)r->id,
                           (int)(INIT_TIMEOUT_US / 1000000));
                kill(r->pid, SIGKILL);
                r->timed_out = killed = true;
            }
            if (r->status == RUN_RUNNING && !killed && mono_us() - r->heard_us > S.run_timeout_us) {
                log_printf(LOG_WARN, "run %lld: no word from its agents for %.1f s", (long long)r->id,
                           (double)S.run_timeout_us / 1e6);
                kill(r->pid, SIGKILL);
                r->silent = killed = true;
            }
            if (r->stop && !r->signalled && !killed) {
                kill(r->pid, SIGINT);
                r->signalled = true;
            }
            int wst;
            if (waitpid(r->pid, &wst, WNOHANG) == r->pid) {
                run_ended(r, wst);
                S.runs[i--] = S.runs[--S.nruns];
            }
        }
        forget_agents();
        schedule_local();
        schedule_head();
        pthread_mutex_unlock(&S.lock);
        usleep(100000);
    }
    return NULL;
}

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
    if (!S.token) return true;
    const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
    if (!h || strncmp(h, "Token ", 6)) return false;
    h += 6;
    size_t a = strlen(h), b = strlen(S.token);
    return a == b && CRYPTO_memcmp(h, S.token, a) == 0;
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
        for (int i = 0; i < S.nagents && !served; i++) served = !strcmp(S.agents[i].zone, z[k].zone);
        if (served) continue;
        buf known = {0};
        for (int i = 0; i < S.nagents; i++) {
            bool dup = false;
            for (int j = 0; j < i; j++) dup |= !strcmp(S.agents[j].zone, S.agents[i].zone);
            if (dup) continue;
            buf_puts(&known, known.len ? ", " : "");
            buf_puts(&known, S.agents[i].zone);
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
    pthread_mutex_lock(&S.lock);
    int64_t id = store_run_create(S.st, name && *name ? name : "test", q->body.p, q->body.len);
    pthread_mutex_unlock(&S.lock);
    if (id < 0) return send_error(c, 500, "cannot store the run");
    char dir[700], tar[800], err[4096];
    run_dir(id, dir, sizeof dir);
    snprintf(tar, sizeof tar, "%s/archive.tar", dir);
    int64_t vus = 0, dur = 0;
    zone_share zones[ZONES_MAX];
    int nzones = 0;
    int rc = mkdir(dir, 0700) && errno != EEXIST ? -1 : write_file(tar, q->body.p, q->body.len);
    if (rc) snprintf(err, sizeof err, "cannot write the archive: %s", strerror(errno));
    else rc = validate(dir, &vus, &dur, zones, &nzones, err, sizeof err);
    if (local) nzones = 0; /* run where its CLI is, as k6's --local-execution */
    pthread_mutex_lock(&S.lock);
    if (!rc) rc = zones_served(zones, nzones, err, sizeof err);
    if (rc) {
        store_run_delete(S.st, id); /* a refused run is not kept */
        pthread_mutex_unlock(&S.lock);
        return send_error(c, 400, err);
    }
    store_run_set_vus(S.st, id, vus);
    char lim[256] = "", d1[64], d2[64];
    if (S.max_vus && vus > S.max_vus)
        snprintf(lim, sizeof lim,
                 "limit exceeded: the test's max VUs (%lld) are more than the service's --max-vus (%lld)",
                 (long long)vus, (long long)S.max_vus);
    else if (S.max_duration_us && dur > S.max_duration_us) {
        duration_format(d1, sizeof d1, dur);
        duration_format(d2, sizeof d2, S.max_duration_us);
        snprintf(lim, sizeof lim,
                 "limit exceeded: the test's duration (%s, graceful stops included) is longer than the service's "
                 "--max-duration (%s)",
                 d1, d2);
    }
    if (!keep) store_run_set_keep_archive(S.st, id, false);
    if (*lim) { /* kept, as Aborted by limit, with the reason */
        store_run_status(S.st, id, RUN_ABORTED_LIMIT);
        store_run_end(S.st, id, "failed", -1, NULL, lim);
        drop_archive(id);
        cJSON *j = store_run_json(S.st, id, false);
        pthread_mutex_unlock(&S.lock);
        return send_json(c, 422, j);
    }
    char *zj = nzones ? zones_to_json(zones, nzones) : NULL;
    if (local || zj) store_run_set_plan(S.st, id, local, zj);
    free(zj);
    store_run_status(S.st, id, RUN_VALIDATED);
    store_run_status(S.st, id, RUN_QUEUED);
    cJSON *j = store_run_json(S.st, id, false);
    pthread_mutex_unlock(&S.lock);
    return send_json(c, 201, j);
}

static enum MHD_Result stop_run(struct MHD_Connection *c, int64_t id) {
    pthread_mutex_lock(&S.lock);
    int st = store_run_get_status(S.st, id);
    if (st == INT32_MIN) {
        pthread_mutex_unlock(&S.lock);
        return send_error(c, 404, "no such run");
    }
    if (run_status_final(st)) {
        pthread_mutex_unlock(&S.lock);
        return send_error(c, 409, "the run has already ended");
    }
    bool active = false;
    for (int i = 0; i < S.nruns; i++)
        if (S.runs[i].id == id) S.runs[i].stop = active = true;
    if (!active) { /* not started: it ends here */
        store_run_status(S.st, id, RUN_ABORTED_USER);
        store_run_end(S.st, id, "failed", 105, NULL, "stopped before it started");
        drop_archive(id);
    }
    cJSON *j = store_run_json(S.st, id, false);
    pthread_mutex_unlock(&S.lock);
    return send_json(c, 200, j);
}

static cJSON *agents_json(void) {
    cJSON *arr = cJSON_CreateArray();
    int64_t now = mono_us();
    for (int i = 0; arr && i < S.nagents; i++) {
        const pool_agent *a = &S.agents[i];
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
    pthread_mutex_lock(&S.lock);
    if (S.nagents == MAX_AGENTS) { /* room from agents long gone */
        int64_t now = mono_us();
        for (int i = 0; i < S.nagents; i++)
            if (!S.agents[i].run && now - S.agents[i].seen_us > 10 * AGENT_SEEN_US) {
                store_agent_delete(S.st, S.agents[i].id);
                S.agents[i--] = S.agents[--S.nagents];
            }
    }
    if (S.nagents == MAX_AGENTS) {
        pthread_mutex_unlock(&S.lock);
        return send_error(c, 503, "too many agents");
    }
    pool_agent *a = &S.agents[S.nagents++];
    *a = (pool_agent){.id = ++S.next_agent, .capacity = capacity, .seen_us = mono_us(), .slot = -1};
    a->stored_us = a->seen_us;
    memcpy(a->zone, zone, sizeof zone);
    store_agent rec = {.id = a->id, .capacity = capacity, .seen_us = store_now_us()};
    memcpy(rec.zone, zone, sizeof rec.zone);
    store_agent_put(S.st, &rec);
    cJSON *o = cJSON_CreateObject();
    if (o) cJSON_AddNumberToObject(o, "id", (double)a->id);
    log_printf(LOG_INFO, "agent %lld joined the pool (%lld VUs, zone %s)", (long long)a->id, (long long)capacity,
               a->zone);
    pthread_mutex_unlock(&S.lock);
    return send_json(c, 201, o);
}

/* An agent's poll: it is alive (and idle or not); its assignment once the
 * run's coordinator listens. */
static enum MHD_Result agent_work(struct MHD_Connection *c, int64_t id) {
    const char *idle = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "idle");
    pthread_mutex_lock(&S.lock);
    pool_agent *a = agent_find(id);
    if (!a) {
        pthread_mutex_unlock(&S.lock);
        return send_error(c, 404, "unknown agent (register again)");
    }
    a->seen_us = mono_us();
    a->restored = false;
    a->idle = idle && !strcmp(idle, "1");
    if (a->seen_us - a->stored_us >= AGENT_STORE_US) { /* (not every poll: one write per 10 s) */
        store_agent_seen(S.st, a->id, store_now_us());
        a->stored_us = a->seen_us;
    }
    for (int i = 0; a->run && a->handed && !a->idle && i < S.nruns; i++)
        if (S.runs[i].id == a->run) S.runs[i].heard_us = a->seen_us;
    cJSON *o = cJSON_CreateObject();
    for (int i = 0; o && a->run && !a->handed && i < S.nruns; i++)
        if (S.runs[i].id == a->run && S.runs[i].addr[0]) {
            cJSON_AddNumberToObject(o, "run", (double)a->run);
            cJSON_AddStringToObject(o, "coordinator", S.runs[i].addr);
            cJSON_AddStringToObject(o, "token", S.runs[i].token);
            if (a->slot >= 0) cJSON_AddNumberToObject(o, "slot", a->slot);
            cJSON_AddStringToObject(o, "zone", a->zone);
            if (S.tls_cert[0]) cJSON_AddBoolToObject(o, "tls", true);
            if (a->label[0]) cJSON_AddStringToObject(o, "distribution", a->label);
            a->handed = true;
            a->idle = false;
        }
    pthread_mutex_unlock(&S.lock);
    return send_json(c, 200, o);
}

/* The CLI of a --local-execution run polls here: the run's coordinator
 * once it listens ({} before), which its own agent then joins; a poll
 * with running=1 is its agent's heartbeat (as a pool agent's poll is). */
static enum MHD_Result local_agent(struct MHD_Connection *c, int64_t id) {
    const char *running = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "running");
    pthread_mutex_lock(&S.lock);
    cJSON *o = cJSON_CreateObject();
    for (int i = 0; o && i < S.nruns; i++) {
        active_run *r = &S.runs[i];
        if (r->id != id || !r->local) continue;
        if (running && !strcmp(running, "1")) r->heard_us = mono_us();
        if (r->addr[0]) {
            cJSON_AddStringToObject(o, "coordinator", r->addr);
            cJSON_AddStringToObject(o, "token", r->token);
            if (S.tls_cert[0]) cJSON_AddBoolToObject(o, "tls", true);
        }
    }
    pthread_mutex_unlock(&S.lock);
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
        pthread_mutex_lock(&S.lock);
        cJSON *o = cJSON_CreateObject();
        if (o) cJSON_AddItemToObject(o, "runs", store_runs_json(S.st, filter));
        pthread_mutex_unlock(&S.lock);
        return send_json(c, 200, o);
    }
    if (!strncmp(url, "/v1/runs/", 9)) {
        int64_t id = path_id(url + 9, &rest);
        if (!id) return send_error(c, 404, "no such run");
        if (!*rest && get) {
            pthread_mutex_lock(&S.lock);
            cJSON *o = store_run_json(S.st, id, true);
            for (int i = 0; o && i < S.nruns; i++) /* while it runs: its latest numbers */
                if (S.runs[i].id == id) {
                    cJSON *p = run_watch_progress_json(&S.runs[i].w);
                    if (p) cJSON_AddItemToObject(o, "progress", p);
                }
            pthread_mutex_unlock(&S.lock);
            return o ? send_json(c, 200, o) : send_error(c, 404, "no such run");
        }
        if (!strcmp(rest, "/stop") && post) return stop_run(c, id);
        if (!strcmp(rest, "/local-agent") && get) return local_agent(c, id);
        if (!strcmp(rest, "/report") && get) {
            char dir[700];
            run_dir(id, dir, sizeof dir);
            return svc_page_report(c, dir);
        }
    }
    if (!strcmp(url, "/v1/agents") && post) return agent_register(c, q);
    if (!strcmp(url, "/v1/agents") && get) {
        pthread_mutex_lock(&S.lock);
        cJSON *o = cJSON_CreateObject();
        if (o) cJSON_AddItemToObject(o, "agents", agents_json());
        pthread_mutex_unlock(&S.lock);
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
    atomic_store(&S.quit, true);
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
    char *paths[] = {S.tls_cert, S.tls_key}, **pems[] = {&S.cert_pem, &S.key_pem};
    for (int i = 0; i < 2; i++) {
        buf b = {0};
        if (!realpath(files[i], paths[i]) || read_file(paths[i], &b, 1 << 20) || !b.p) {
            log_printf(LOG_ERROR, "cannot read %s %s: %s", i ? "--tls-key" : "--tls-cert", files[i],
                       errno ? strerror(errno) : "empty file");
            buf_free(&b);
            return 1;
        }
        *pems[i] = b.p; /* (kept for the server's life) */
    }
    if (!strstr(S.cert_pem, "-----BEGIN CERTIFICATE-----") || !strstr(S.key_pem, "PRIVATE KEY-----")) {
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
    S.token = getenv("K6_CLOUD_TOKEN");
    for (int i = 0; i < argc; i++) {
        const char **dst = NULL, *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            server_usage(stdout);
            return 0;
        }
        if (!strncmp(a, "--listen", 8)) dst = &listen_at, a += 8;
        else if (!strncmp(a, "--db", 4)) dst = &db, a += 4;
        else if (!strncmp(a, "--token", 7)) dst = &S.token, a += 7;
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
    if (S.token && !*S.token) S.token = NULL;
    int trc = tls_files(cert, key);
    if (trc) return trc;
    if (!*coord_host || strlen(coord_host) > 256 || strpbrk(coord_host, " \"")) {
        log_printf(LOG_ERROR, "--coordinator-host: want an address the agents reach, got \"%s\"", coord_host);
        return 255;
    }
    snprintf(S.coord_listen, sizeof S.coord_listen, strchr(coord_host, ':') ? "[%s]:0" : "%s:0", coord_host);
    char *end, derr[128] = "";
    S.max_vus = strtoll(max_vus, &end, 10);
    if (end == max_vus || *end || S.max_vus < 0) {
        log_printf(LOG_ERROR, "--max-vus: want a number (0: no limit), got %s", max_vus);
        return 255;
    }
    const char *nums[] = {max_groups, max_series, err_min},
               *names[] = {"--max-groups", "--max-time-series", "--script-error-min"};
    long long *dsts[] = {&S.limits.max_groups, &S.limits.max_time_series, &S.limits.error_min};
    for (int i = 0; i < 3; i++) {
        *dsts[i] = strtoll(nums[i], &end, 10);
        if (end == nums[i] || *end || *dsts[i] < 0) {
            log_printf(LOG_ERROR, "%s: want a number (0: no limit), got %s", names[i], nums[i]);
            return 255;
        }
    }
    if (duration_parse(err_window, &S.limits.error_window_us, derr, sizeof derr) || S.limits.error_window_us < 0 ||
        S.limits.error_window_us > 600000000LL) {
        log_printf(LOG_ERROR, "--script-error-window: %s", *derr ? derr : "want a duration up to 10m (0: off)");
        return 255;
    }
    if (duration_parse(max_dur, &S.max_duration_us, derr, sizeof derr) || S.max_duration_us < 0) {
        log_printf(LOG_ERROR, "--max-duration: %s", derr);
        return 255;
    }
    if (duration_parse(run_timeout, &S.run_timeout_us, derr, sizeof derr) || S.run_timeout_us <= 0) {
        log_printf(LOG_ERROR, "--run-timeout: %s", *derr ? derr : "want a duration above 0");
        return 255;
    }
    if (duration_parse(agent_timeout, &S.agent_timeout_us, derr, sizeof derr) || S.agent_timeout_us < 1000000) {
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
    ssize_t n = readlink("/proc/self/exe", S.self, sizeof S.self - 1);
    if (n <= 0) {
        log_printf(LOG_ERROR, "cannot find c6's own executable: %s", strerror(errno));
        return 1;
    }
    S.self[n] = 0;
    static char datadir[4096];
    snprintf(datadir, sizeof datadir, "%s.d", db);
    S.datadir = datadir;
    if (mkdir(datadir, 0700) && errno != EEXIST) {
        log_printf(LOG_ERROR, "cannot make %s: %s", datadir, strerror(errno));
        return 1;
    }
    char err[512];
    if (!(S.st = store_open(db, err, sizeof err))) {
        log_printf(LOG_ERROR, "cannot open the database %s", err);
        return 1;
    }
    int lost = store_recover(S.st);
    if (lost > 0) log_printf(LOG_WARN, "%d runs were in progress when the service stopped: Aborted by system", lost);
    load_agents();
    int64_t unkept[256]; /* ended while the service was down (a restart's Aborted by system) */
    for (int i = 0, n = store_runs_unkept(S.st, unkept, 256); i < n; i++) drop_archive(unkept[i]);
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICHOST},
                    *ai = NULL;
    if (getaddrinfo(host, NULL, &hints, &ai)) {
        log_printf(LOG_ERROR, "--listen: %s is not an IP address", host);
        store_close(S.st);
        return 255;
    }
    struct sockaddr_storage sa = {0};
    memcpy(&sa, ai->ai_addr, ai->ai_addrlen);
    ((struct sockaddr_in *)&sa)->sin_port = htons((uint16_t)port); /* same offset in sockaddr_in6 */
    freeaddrinfo(ai);
    bool tls = S.cert_pem != NULL;
    struct MHD_OptionItem tls_opts[] = {
        {tls ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, 0, S.cert_pem},
        {MHD_OPTION_HTTPS_MEM_KEY, 0, S.key_pem},
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
        store_close(S.st);
        return 1;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    log_printf(LOG_INFO, "c6 server listening on %s://%s%s%s:%u (database %s)", tls ? "https" : "http",
               sa.ss_family == AF_INET6 ? "[" : "", host, sa.ss_family == AF_INET6 ? "]" : "",
               di ? di->port : (unsigned)port, db);
    if (!S.token)
        log_printf(LOG_WARN, "no --token: anyone who reaches the service may submit runs and register agents");
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    pthread_t sched;
    if (pthread_create(&sched, NULL, scheduler_main, NULL)) {
        log_printf(LOG_ERROR, "cannot start the scheduler");
        MHD_stop_daemon(d);
        store_close(S.st);
        return 1;
    }
    pthread_join(sched, NULL);
    MHD_stop_daemon(d);
    /* runs in progress end with the service (their coordinators are
     * killed); the next start records them as Aborted by system */
    pthread_mutex_lock(&S.lock);
    int64_t now = mono_us(), wall = store_now_us(); /* the agents' last polls, for the next start */
    for (int i = 0; i < S.nagents; i++) store_agent_seen(S.st, S.agents[i].id, wall - (now - S.agents[i].seen_us));
    for (int i = 0; i < S.nruns; i++) kill(S.runs[i].pid, SIGKILL);
    for (int i = 0; i < S.nruns; i++) {
        waitpid(S.runs[i].pid, NULL, 0);
        run_watch_close(&S.runs[i].w);
        store_run_status(S.st, S.runs[i].id, RUN_ABORTED_SYSTEM);
        store_run_end(S.st, S.runs[i].id, "failed", -1, NULL, "the service stopped while the run was in progress");
        drop_archive(S.runs[i].id);
    }
    pthread_mutex_unlock(&S.lock);
    store_close(S.st);
    log_printf(LOG_INFO, "c6 server stopped");
    return 0;
}
