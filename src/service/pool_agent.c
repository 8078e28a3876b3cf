/* `c6 agent --server URL [--capacity-vus N] [--zone NAME] [--token T]`: a load generator
 * in the service's pool. It registers, then polls the service every 300 ms
 * (its heartbeat, saying whether it is idle); given a run, it joins that
 * run's coordinator as a child `c6 agent HOST:PORT --token T` (the
 * distributed run's agent, src/dist/agent.c, with --slot=K: the segment
 * of its zone's share) and, once that child has exited, is idle again. The
 * child's script sees k6 cloud's K6_CLOUDRUN_LOAD_ZONE,
 * K6_CLOUDRUN_TEST_RUN_ID and, for a run with a distribution,
 * K6_CLOUDRUN_DISTRIBUTION (its label) and K6_CLOUDRUN_INSTANCE_ID (its
 * segment's number, from 0) in __ENV. */
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cjson/cJSON.h>
#include "service/service.h"
#include "service/svc_http.h"
#include "service/zones.h"
#include "util/log.h"

static atomic_bool quit;
static void on_signal(int sig) {
    (void)sig;
    atomic_store(&quit, true);
}

bool pool_agent_wanted(int argc, char **argv) {
    for (int i = 0; i < argc; i++)
        if (!strcmp(argv[i], "--server") || !strncmp(argv[i], "--server=", 9)) return true;
    return false;
}

static void usage(FILE *f) {
    fprintf(f, "usage: c6 agent --server URL [--capacity-vus N] [--zone NAME] [--token T] [--tls-ca FILE]\n\n"
               "Joins the pool of load generators of the test-run service at URL (c6 server).\n"
               "  --capacity-vus N   the VUs it takes (default 100)\n"
               "  --zone NAME        its load zone, for options.cloud.distribution (default \"" ZONE_DEFAULT "\")\n"
               "  --token T          the service's token (default: $K6_CLOUD_TOKEN)\n"
               "  --tls-ca FILE      the CAs (PEM) an https:// service's certificate, and its runs'\n"
               "                     coordinators', are checked against (default: $SSL_CERT_FILE, else\n"
               "                     the system's)\n");
}

static long long do_register(const char *url, const char *token, long long capacity, const char *zone) {
    char u[2100], err[512];
    snprintf(u, sizeof u, "%s/v1/agents", url);
    cJSON *bj = cJSON_CreateObject();
    if (bj) cJSON_AddNumberToObject(bj, "capacity_vus", (double)capacity);
    if (bj) cJSON_AddStringToObject(bj, "zone", zone);
    char *body = bj ? cJSON_PrintUnformatted(bj) : NULL;
    cJSON_Delete(bj);
    if (!body) return -1;
    buf resp = {0};
    long code = svc_http("POST", u, token, body, strlen(body), &resp, err, sizeof err);
    free(body);
    long long id = -1;
    cJSON *j = resp.p ? cJSON_Parse(resp.p) : NULL;
    const cJSON *v = cJSON_GetObjectItem(j, "id"), *e = cJSON_GetObjectItem(j, "error");
    if (code == 201 && cJSON_IsNumber(v)) id = (long long)v->valuedouble;
    else if (code < 0) log_printf(LOG_WARN, "cannot reach the service: %s", err);
    else {
        log_printf(LOG_ERROR, "the service refused this agent (HTTP %ld): %s", code,
                   cJSON_IsString(e) ? e->valuestring : "");
        if (code == 401 || code == 400) id = -2; /* no retry helps */
    }
    cJSON_Delete(j);
    buf_free(&resp);
    return id;
}

/* The run's agent: this executable as `c6 agent ADDR --token T` (over TLS
 * when the service said its coordinator serves it, with this agent's
 * trust). */
static pid_t join(const char *addr, const char *tok, int slot, const char *zone, const char *label, long long run,
                  bool tls) {
    char self[4096];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0) return -1;
    self[n] = 0;
    char tokarg[128], slotarg[32], runid[32];
    snprintf(tokarg, sizeof tokarg, "--token=%s", tok);
    snprintf(slotarg, sizeof slotarg, "--slot=%d", slot);
    snprintf(runid, sizeof runid, "%lld", run);
    pid_t pid = fork();
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL); /* the run's agent ends with the pool's */
        setenv("K6_CLOUDRUN_LOAD_ZONE", zone, 1);
        setenv("K6_CLOUDRUN_TEST_RUN_ID", runid, 1);
        if (label) setenv("K6_CLOUDRUN_DISTRIBUTION", label, 1);
        if (slot >= 0) setenv("K6_CLOUDRUN_INSTANCE_ID", slotarg + 7, 1);
        char *argv[] = {"c6", "agent", (char *)addr, tokarg, NULL, NULL, NULL}, **p = argv + 4;
        if (tls) *p++ = (char *)svc_http_agent_tls_flag();
        if (slot >= 0) *p = slotarg;
        execv(self, argv);
        _exit(127);
    }
    return pid;
}

int pool_agent_main(int argc, char **argv) {
    const char *url = NULL, *token = getenv("K6_CLOUD_TOKEN"), *zone = ZONE_DEFAULT;
    long long capacity = 100;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i], *v = NULL;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return 0;
        }
        const char *names[] = {"--server", "--token", "--capacity-vus", "--zone", "--tls-ca"};
        int k = -1;
        for (int j = 0; j < 5; j++) {
            size_t l = strlen(names[j]);
            if (!strncmp(a, names[j], l) && (a[l] == '=' || (!a[l] && i + 1 < argc))) {
                k = j;
                v = a[l] ? a + l + 1 : argv[++i];
                break;
            }
        }
        if (k < 0) {
            log_printf(LOG_ERROR, "unknown flag or missing value: %s", a);
            usage(stderr);
            return 255;
        }
        if (k == 0) url = v;
        else if (k == 1) token = v;
        else if (k == 4) svc_http_set_ca(v);
        else if (k == 3) {
            if (!zone_name_ok(v)) {
                log_printf(LOG_ERROR, "--zone: want a name of 1 to %d printable characters, got \"%s\"",
                           ZONE_NAME_MAX - 1, v);
                return 255;
            }
            zone = v;
        } else {
            char *end;
            capacity = strtoll(v, &end, 10);
            if (end == v || *end || capacity < 1 || capacity > 10000000) {
                log_printf(LOG_ERROR, "--capacity-vus: want a number of VUs of at least 1, got %s", v);
                return 255;
            }
        }
    }
    if (!url || !*url) {
        usage(stderr);
        return 255;
    }
    size_t ul = strlen(url);
    char base[2048];
    snprintf(base, sizeof base, "%.*s", (int)(ul && url[ul - 1] == '/' ? ul - 1 : ul), url);
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    long long id = -1;
    pid_t child = 0;
    bool warned = false;
    buf resp = {0};
    while (!atomic_load(&quit)) {
        if (child > 0) {
            int st;
            if (waitpid(child, &st, WNOHANG) == child) {
                log_printf(LOG_INFO, "the run's agent exited (%d); idle again",
                           WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
                child = 0;
            }
        }
        if (id < 0) {
            id = do_register(base, token, capacity, zone);
            if (id == -2) return 103;
            if (id > 0)
                log_printf(LOG_INFO, "joined the service at %s as agent %lld (%lld VUs, zone %s)", base, id, capacity,
                           zone);
        }
        if (id > 0) {
            char u[2300], err[512];
            snprintf(u, sizeof u, "%s/v1/agents/%lld/work?idle=%d", base, id, child > 0 ? 0 : 1);
            long code = svc_http("GET", u, token, NULL, 0, &resp, err, sizeof err);
            if (code < 0 && !warned) log_printf(LOG_WARN, "lost the service: %s (retrying)", err);
            warned = code < 0;
            if (code == 404) id = -1; /* the service restarted: register again */
            cJSON *j = code == 200 && resp.p ? cJSON_Parse(resp.p) : NULL;
            const cJSON *addr = cJSON_GetObjectItem(j, "coordinator"), *tok = cJSON_GetObjectItem(j, "token");
            if (cJSON_IsString(addr) && cJSON_IsString(tok) && child <= 0) {
                const cJSON *run = cJSON_GetObjectItem(j, "run"), *slot = cJSON_GetObjectItem(j, "slot"),
                            *label = cJSON_GetObjectItem(j, "distribution");
                bool tls = cJSON_IsTrue(cJSON_GetObjectItem(j, "tls"));
                long long rid = cJSON_IsNumber(run) ? (long long)run->valuedouble : 0LL;
                log_printf(LOG_INFO, "run %lld: joining its coordinator at %s%s", rid, addr->valuestring,
                           tls ? " over TLS" : "");
                child = join(addr->valuestring, tok->valuestring, cJSON_IsNumber(slot) ? slot->valueint : -1, zone,
                             cJSON_IsString(label) ? label->valuestring : NULL, rid, tls);
                if (child < 0) log_printf(LOG_ERROR, "cannot start the run's agent: %s", strerror(errno));
            }
            cJSON_Delete(j);
        }
        usleep(300000);
    }
    buf_free(&resp);
    if (child > 0) {
        kill(child, SIGINT);
        waitpid(child, NULL, 0);
    }
    return 0;
}
