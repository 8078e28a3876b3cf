/* The test-run service's scheduler (a thread of `c6 server`): the FIFO
 * queue, agents picked by capacity and zone, each run's coordinator started
 * as a child process and followed through its report channel (run_watch.c)
 * until it ends, and the statuses this gives. State: svc_state.h. */
#include <errno.h>
#include <fcntl.h>
#include <openssl/rand.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "service/service.h"
#include "service/svc_page.h"
#include "service/svc_state.h"
#include "config/duration.h"
#include "util/clock.h"
#include "util/log.h"

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
        if (envp) execve(svc.self, argv, envp);
        else execv(svc.self, argv);
        _exit(127);
    }
    close(fo);
    close(fe);
    return pid;
}

static pid_t spawn(char **argv, const char *out, const char *errf, int report) {
    return spawn_env(argv, NULL, out, errf, report);
}

int svc_read_file(const char *path, buf *out, size_t max) {
    FILE *f = fopen(path, "rb");
    if (!f) return -1;
    char tmp[8192];
    size_t n;
    while ((n = fread(tmp, 1, sizeof tmp, f)) > 0 && out->len < max)
        if (buf_append(out, tmp, n)) break;
    fclose(f);
    return 0;
}

int svc_write_file(const char *path, const void *p, size_t n) {
    FILE *f = fopen(path, "wb");
    bool ok = f && fwrite(p, 1, n, f) == n;
    if (f && fclose(f)) ok = false;
    return ok ? 0 : -1;
}

/* The archive's VUs by `c6 inspect --execution-requirements` (the same
 * init run and checks as `c6 run`): 0 with *vus set, or -1 with err set to
 * its error lines. */
int svc_validate(const char *dir, int64_t *vus, int64_t *dur_us, zone_share *zones, int *nzones, char *err,
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
        svc_read_file(log, &b, 16384);
        snprintf(err, errlen, "%s", b.p ? b.p : "the test is invalid");
        buf_free(&b);
        return -1;
    }
    svc_read_file(out, &b, 1 << 20);
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

void svc_run_dir(int64_t id, char *out, size_t n) { snprintf(out, n, "%s/run-%lld", svc.datadir, (long long)id); }

/* ------------------------------------------------------------- scheduler */

pool_agent *svc_agent_find(int64_t id) {
    for (int i = 0; i < svc.nagents; i++)
        if (svc.agents[i].id == id) return &svc.agents[i];
    return NULL;
}

static bool agent_free(const pool_agent *a, int64_t now) {
    return a->idle && !a->run && !a->restored && now - a->seen_us < AGENT_SEEN_US;
}

/* A run that has ended, of `--no-archive-upload`: its archive is dropped
 * (database and run directory); others keep theirs. */
void svc_drop_archive(int64_t id) {
    if (store_run_drop_archive(svc.st, id) != 1) return;
    char dir[700], path[800];
    svc_run_dir(id, dir, sizeof dir);
    snprintf(path, sizeof path, "%s/archive.tar", dir);
    unlink(path);
}

/* A run that cannot be started here: Aborted by system, with the reason
 * (else the head of the queue would block every run behind it). */
static void start_failed(int64_t id, const char *why) {
    log_printf(LOG_ERROR, "run %lld: %s", (long long)id, why);
    store_run_status(svc.st, id, RUN_ABORTED_SYSTEM);
    store_run_end(svc.st, id, "failed", -1, NULL, why);
    svc_drop_archive(id);
}

/* Starts run id's coordinator for n agents (sequence: their segments, NULL:
 * equal parts); the run is then Initializing. NULL when it cannot start
 * (the run is then Aborted by system). */
static active_run *start_run(int64_t id, int n, const char *sequence) {
    active_run *r = &svc.runs[svc.nruns];
    memset(r, 0, sizeof *r);
    r->id = id;
    svc_run_dir(id, r->dir, sizeof r->dir);
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
    if (store_run_archive(svc.st, id, &tarb) || svc_write_file(tar, tarb.p, tarb.len)) {
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
    char *argv[] = {"c6",          "coordinator",
                    "--instances", inst,
                    "--listen",    svc.coord_listen,
                    tok,           "--no-color",
                    "--address=",  "--report-fd=3",
                    NULL,          NULL,
                    NULL,          NULL,
                    NULL};
    /* the service's certificate: the coordinator serves TLS to the agents,
     * which check it as they check the service's (pool_agent.c) */
    char certarg[4200], keyarg[4200];
    char **ap = argv + 10;
    if (svc.tls_cert[0]) {
        snprintf(certarg, sizeof certarg, "--tls-cert=%s", svc.tls_cert);
        snprintf(keyarg, sizeof keyarg, "--tls-key=%s", svc.tls_key);
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
    r->started_us = r->heard_us = clock_now_us();
    store_run_status(svc.st, id, RUN_INITIALIZING);
    svc.nruns++;
    return r;
}

/* Free agents (of zone, NULL: any), not in pick[0..*n), until their
 * capacity covers vus (at least one); false when they do not. */
static bool pick_agents(const char *zone, int64_t vus, int *pick, int *n, int64_t now) {
    int64_t cap = 0;
    int first = *n, max = zone ? 63 : 64; /* a coordinator takes 64 agents, 63 segments of a --sequence */
    for (int i = 0; i < svc.nagents && (cap < vus || *n == first) && *n < max; i++) {
        bool taken = false;
        for (int k = 0; k < *n; k++) taken |= pick[k] == i;
        if (taken || !agent_free(&svc.agents[i], now) || (zone && strcmp(svc.agents[i].zone, zone))) continue;
        pick[(*n)++] = i;
        cap += svc.agents[i].capacity;
    }
    return *n > first && cap >= vus;
}

/* Why pick_agents found too few free agents (of zone, NULL: any; pick[0..n)
 * already taken) for need VUs: the text of the run's "waiting_for". */
static void explain_wait(const char *zone, const zone_share *z, int64_t need, const int *pick, int n, int64_t now,
                         char *why, size_t len) {
    int64_t reg = 0, fcap = 0, taken_cap = 0;
    int nreg = 0, nfree = 0, ntaken = 0, max = zone ? 63 : 64;
    for (int i = 0; i < svc.nagents; i++) {
        const pool_agent *a = &svc.agents[i];
        if (zone && strcmp(a->zone, zone)) continue;
        bool taken = false;
        for (int k = 0; k < n; k++) taken |= pick[k] == i;
        reg += a->capacity, nreg++;
        if (taken || !agent_free(a, now)) continue;
        fcap += a->capacity, nfree++;
        if (ntaken < max) taken_cap += a->capacity, ntaken++;
    }
    char what[400], of[200] = "";
    if (z) snprintf(what, sizeof what, "its share %s (%d%%) needs %lld VUs", z->label, z->percent, (long long)need);
    else snprintf(what, sizeof what, "needs %lld VUs", (long long)need);
    if (zone) snprintf(of, sizeof of, " of zone %s", zone);
    if (nreg == 0) snprintf(why, len, "%s; no agent%s is registered: it cannot start until one registers", what, of);
    else if (reg < need)
        snprintf(why, len, "%s; all %d registered agents%s together have %lld: it cannot start until more register",
                 what, nreg, of, (long long)reg);
    else if (fcap < need)
        snprintf(why, len, "%s; the free agents%s have %lld (%d of %d free; the others are busy or not heard from)",
                 what, of, (long long)fcap, nfree, nreg);
    else
        snprintf(why, len, "%s; the first %d free agents%s (the most one run takes) have %lld", what, max, of,
                 (long long)taken_cap);
}

/* Agents for the run of vus VUs and load zones z[0..nz): pick[0..*n) (of[i]:
 * the zone share agent pick[i] serves, per[k]: the agents of share k); false,
 * with why (if not NULL) saying what is missing, when the free agents do
 * not cover it. */
static bool plan_run(int64_t vus, const zone_share *z, int nz, int *pick, int *n, int *per, int *of, char *why,
                     size_t whylen) {
    int64_t now = clock_now_us();
    *n = 0;
    if (svc.nruns == MAX_ACTIVE) {
        if (why) snprintf(why, whylen, "%d runs are under way, the most at once", MAX_ACTIVE);
        return false;
    }
    if (nz == 0 && !pick_agents(NULL, vus, pick, n, now)) {
        if (why) explain_wait(NULL, NULL, vus, pick, 0, now, why, whylen);
        return false;
    }
    for (int k = 0; k < nz; k++) {
        int before = *n;
        int64_t need = zones_vus(vus, z[k].percent);
        if (!pick_agents(z[k].zone, need, pick, n, now)) {
            *n = before;
            if (why) explain_wait(z[k].zone, &z[k], need, pick, before, now, why, whylen);
            return false;
        }
        per[k] = *n - before;
        for (int i = before; i < *n; i++) of[i] = k;
    }
    return true;
}

/* The head of the queue gets free agents, in registration order, until
 * their capacity covers its VUs (for each of its load zones, that zone's
 * share); else it (and every run behind it) waits. */
static void schedule_head(void) {
    int64_t vus = 0;
    char *zj = NULL;
    int64_t id = store_next_queued(svc.st, false, &vus, &zj);
    if (id <= 0 || svc.nruns == MAX_ACTIVE) {
        free(zj);
        return;
    }
    zone_share z[ZONES_MAX];
    int nz = zones_from_json(zj, z, ZONES_MAX), pick[MAX_AGENTS], n = 0, per[ZONES_MAX], of[MAX_AGENTS];
    free(zj);
    if (!plan_run(vus, z, nz, pick, &n, per, of, NULL, 0)) return;
    char seq[4096];
    if (nz && zones_sequence(z, per, nz, seq, sizeof seq)) {
        start_failed(id, "its load zones need more agents than one run can have");
        return;
    }
    if (!start_run(id, n, nz ? seq : NULL)) return;
    for (int i = 0; i < n; i++) { /* agents in pick order take the sequence's segments in order */
        svc.agents[pick[i]].run = id;
        svc.agents[pick[i]].handed = false;
        svc.agents[pick[i]].slot = nz ? i : -1;
        snprintf(svc.agents[pick[i]].label, sizeof svc.agents[pick[i]].label, "%s", nz ? z[of[i]].label : "");
    }
    log_printf(LOG_INFO, "run %lld: %lld VUs on %d agents", (long long)id, (long long)vus, n);
    for (int k = 0; k < nz; k++)
        log_printf(LOG_INFO, "run %lld: %s: %d%% on %d agents of zone %s", (long long)id, z[k].label, z[k].percent,
                   per[k], z[k].zone);
}

cJSON *svc_queue_json(int64_t id) {
    bool local = false;
    int pos = store_queue_position(svc.st, id, &local);
    if (pos <= 0) return NULL;
    cJSON *o = cJSON_CreateObject();
    if (!o) return NULL;
    char why[1200];
    int64_t vus = 0, head = 0;
    char *zj = NULL;
    if (pos > 1) {
        head = store_next_queued(svc.st, local, &vus, NULL);
        snprintf(why, sizeof why, "behind run %lld, first in the queue", (long long)head);
    } else if (local)
        snprintf(why, sizeof why, svc.nruns == MAX_ACTIVE ? "%d runs are under way, the most at once" : "its start",
                 MAX_ACTIVE);
    else if (store_next_queued(svc.st, false, &vus, &zj) == id) {
        zone_share z[ZONES_MAX];
        int nz = zones_from_json(zj, z, ZONES_MAX), pick[MAX_AGENTS], n = 0, per[ZONES_MAX], of[MAX_AGENTS];
        if (plan_run(vus, z, nz, pick, &n, per, of, why, sizeof why))
            snprintf(why, sizeof why, "its start (free agents cover it)");
    } else snprintf(why, sizeof why, "its turn");
    free(zj);
    cJSON_AddNumberToObject(o, "position", pos);
    cJSON_AddStringToObject(o, "waiting_for", why);
    return o;
}

/* Runs of `c6 cloud run --local-execution` need no pool agent: each starts
 * at once, with one instance, the submitting CLI's. */
static void schedule_local(void) {
    int64_t vus = 0, id;
    while (svc.nruns < MAX_ACTIVE && (id = store_next_queued(svc.st, true, &vus, NULL)) > 0) {
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
    run_watch_read(&r->w, clock_now_us());
    if (!r->addr[0] && r->w.addr[0]) {
        size_t n = strnlen(r->w.addr, sizeof r->addr - 1);
        memcpy(r->addr, r->w.addr, n);
        r->addr[n] = 0;
    }
    if (r->status == RUN_INITIALIZING && r->w.started) {
        r->status = RUN_RUNNING;
        store_run_status(svc.st, r->id, RUN_RUNNING);
    }
    /* (ended: its pid is reaped, never to be signalled) */
    if (ended || r->status != RUN_RUNNING || r->abort_status || r->stop || r->timed_out || r->silent) return;
    int st = run_watch_verdict(&r->w, &svc.limits, r->abort_msg, sizeof r->abort_msg);
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
    svc_read_file(path, &sum, 8u << 20);
    snprintf(path, sizeof path, "%s/coordinator.log", r->dir);
    svc_read_file(path, &log, 8u << 20);
    int status;
    if (r->abort_status) status = r->abort_status;
    else if (r->stop) status = RUN_ABORTED_USER;
    else if (r->timed_out) status = RUN_ABORTED_SYSTEM;
    else if (r->silent) status = RUN_TIMED_OUT;
    else if (code == 0 || (code == 99 && !(log.p && strstr(log.p, "abortOnFail")))) status = RUN_FINISHED;
    else if (code == 99) status = RUN_ABORTED_THRESHOLD;
    else if (code == 107 || code == 108 || code == 104) status = RUN_ABORTED_SCRIPT;
    else status = RUN_ABORTED_SYSTEM;
    if (r->status == RUN_INITIALIZING && status == RUN_FINISHED) store_run_status(svc.st, r->id, RUN_RUNNING);
    store_run_status(svc.st, r->id, status);
    /* a coordinator the service killed or stopped has no exit code of c6
     * run's (`c6 cloud run` exits 97 then, as for a limit at validation) */
    bool killed = r->timed_out || r->silent || r->abort_status;
    store_run_end(svc.st, r->id, code == 0 && !r->abort_status ? "passed" : "failed", killed ? -1 : code,
                  sum.p ? sum.p : "",
                  r->timed_out      ? "the agents did not start the test in time"
                  : r->silent       ? "no word from the run's agents for --run-timeout"
                  : r->abort_status ? r->abort_msg
                                    : NULL);
    log_printf(LOG_INFO, "run %lld: %s (exit code %d)", (long long)r->id, run_status_name(status), code);
    svc_drop_archive(r->id);
    buf_free(&sum);
    buf_free(&log);
    for (int i = 0; i < svc.nagents; i++)
        if (svc.agents[i].run == r->id) {
            svc.agents[i].run = 0;
            svc.agents[i].idle = false; /* free again once it says so */
        }
}

/* Agents silent for --agent-timeout (and in no run) leave the pool and the
 * database: a restarted service forgets in the same time those that never
 * came back. */
static void forget_agents(void) {
    int64_t now = clock_now_us();
    for (int i = 0; i < svc.nagents; i++) {
        pool_agent *a = &svc.agents[i];
        if (a->run || now - a->seen_us < svc.agent_timeout_us) continue;
        log_printf(LOG_INFO, "agent %lld left the pool (no word for %.1f s)", (long long)a->id,
                   (double)svc.agent_timeout_us / 1e6);
        store_agent_delete(svc.st, a->id);
        svc.agents[i--] = svc.agents[--svc.nagents];
    }
}

/* The agents the database knows (a restart): in the pool as they were, seen
 * when they last polled, so lost until they poll again. */
void svc_load_agents(void) {
    static store_agent rec[MAX_AGENTS];
    int n = store_agents_load(svc.st, rec, MAX_AGENTS);
    int64_t now = clock_now_us(), wall = store_now_us();
    for (int i = 0; i < n; i++) {
        pool_agent *a = &svc.agents[svc.nagents++];
        int64_t ago = wall - rec[i].seen_us;
        if (ago < 0) ago = 0;
        /* restored: lost, never free, until its next poll */
        *a = (pool_agent){
            .id = rec[i].id, .capacity = rec[i].capacity, .seen_us = now - ago, .slot = -1, .restored = true};
        a->stored_us = a->seen_us;
        snprintf(a->zone, sizeof a->zone, "%s", rec[i].zone);
        if (a->id > svc.next_agent) svc.next_agent = a->id;
    }
    int64_t last = store_agents_last_id(svc.st);
    if (last > svc.next_agent) svc.next_agent = last;
    if (n > 0) log_printf(LOG_INFO, "%d agents from the database (each free again at its next poll)", n);
}

void *svc_scheduler_main(void *arg) {
    (void)arg;
    while (!atomic_load(&svc.quit)) {
        pthread_mutex_lock(&svc.lock);
        for (int i = 0; i < svc.nruns; i++) {
            active_run *r = &svc.runs[i];
            watch_report(r, false);
            bool killed = r->timed_out || r->silent;
            if (r->status == RUN_INITIALIZING && !killed && clock_now_us() - r->started_us > INIT_TIMEOUT_US) {
                log_printf(LOG_WARN, "run %lld: its agents did not start the test within %d s", (long long)r->id,
                           (int)(INIT_TIMEOUT_US / 1000000));
                kill(r->pid, SIGKILL);
                r->timed_out = killed = true;
            }
            if (r->status == RUN_RUNNING && !killed && clock_now_us() - r->heard_us > svc.run_timeout_us) {
                log_printf(LOG_WARN, "run %lld: no word from its agents for %.1f s", (long long)r->id,
                           (double)svc.run_timeout_us / 1e6);
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
                svc.runs[i--] = svc.runs[--svc.nruns];
            }
        }
        forget_agents();
        schedule_local();
        schedule_head();
        pthread_mutex_unlock(&svc.lock);
        usleep(100000);
    }
    return NULL;
}
