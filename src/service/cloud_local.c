/* The CLI's own agent for a --local-execution run (see cloud_local.h). */
#include "service/cloud_local.h"

#include <cjson/cJSON.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include "service/svc_http.h"
#include "util/log.h"

/* `c6 agent ADDR --token=T` in a process group of its own: Ctrl-C on the
 * terminal reaches the CLI only, which stops the run through the service
 * (the agent then stops as any run's agent does). */
static pid_t start_agent(const char *addr, const char *tok, bool tls) {
    char self[4096], tokarg[128];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0) return -1;
    self[n] = 0;
    snprintf(tokarg, sizeof tokarg, "--token=%s", tok);
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid == 0) {
        setpgid(0, 0);
        prctl(PR_SET_PDEATHSIG, SIGKILL); /* it ends with the CLI */
        signal(SIGINT, SIG_DFL);
        char *argv[] = {"c6", "agent", (char *)addr, tokarg, tls ? (char *)svc_http_agent_tls_flag() : NULL, NULL};
        execv(self, argv);
        _exit(127);
    }
    return pid;
}

void cloud_local_poll(cloud_local *l, const char *base, const char *token, long long id) {
    if (l->pid > 0 && !l->exited && waitpid(l->pid, NULL, WNOHANG) == l->pid) l->exited = true;
    if (l->pid < 0 || l->exited) return;
    char u[2300], err[512];
    snprintf(u, sizeof u, "%s/v1/runs/%lld/local-agent%s", base, id, l->pid > 0 ? "?running=1" : "");
    buf resp = {0};
    long code = svc_http("GET", u, token, NULL, 0, &resp, err, sizeof err);
    cJSON *j = code == 200 && resp.p ? cJSON_Parse(resp.p) : NULL;
    const cJSON *addr = cJSON_GetObjectItem(j, "coordinator"), *tok = cJSON_GetObjectItem(j, "token");
    if (!l->pid && cJSON_IsString(addr) && cJSON_IsString(tok)) {
        l->pid = start_agent(addr->valuestring, tok->valuestring, cJSON_IsTrue(cJSON_GetObjectItem(j, "tls")));
        if (l->pid < 0) log_printf(LOG_ERROR, "cannot start the test's local agent");
    }
    cJSON_Delete(j);
    buf_free(&resp);
}

void cloud_local_end(cloud_local *l) {
    if (l->pid <= 0 || l->exited) return;
    for (int i = 0; i < 100; i++) {
        if (waitpid(l->pid, NULL, WNOHANG) == l->pid) return;
        usleep(100000);
    }
    kill(l->pid, SIGKILL);
    waitpid(l->pid, NULL, 0);
}
