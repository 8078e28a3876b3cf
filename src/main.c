/* c6: runs k6 scripts. Commands: run, inspect, archive, coordinator, agent,
 * kube, server, cloud, new, convert, completion, status, pause, resume, scale, stats, stop,
 * target, version. */
#include <curl/curl.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "cli/complete.h"
#include "cli/control.h"
#include "cli/convert.h"
#include "cli/run.h"
#include "dist/dist.h"
#include "dist/kube.h"
#include "service/service.h"
#include "util/log.h"

#include "version.h"

static int main_usage(FILE *f, int code) {
    fprintf(f,
            "c6 %s - load testing for k6 scripts\n\n"
            "usage:\n"
            "  c6 run [flags] script.js     run a test (script.js: a file, or - for stdin)\n"
            "  c6 inspect [flags] script.js print the test's consolidated options as JSON\n"
            "                               (--execution-requirements: with maxVUs, totalDuration)\n"
            "  c6 archive [-O file.tar] script.js\n"
            "                               write the test as a k6 archive (run it: c6 run file.tar)\n"
            "  c6 coordinator [run's flags] script.js --instances N [--listen H:P] [--token T]\n"
            "                               run one test over N agents (distributed run)\n"
            "  c6 agent HOST:PORT [--token T]  join a coordinator's distributed run\n"
            "  c6 server [--listen H:P] [--db FILE] [--token T]\n"
            "                               run the test-run service (queue, agents, statuses)\n"
            "  c6 agent --server URL [--capacity-vus N] [--token T]\n"
            "                               join the service's pool of load generators\n"
            "  c6 cloud run [run's flags] script.js | c6 cloud stop ID\n"
            "                               run a test on the service, or stop one\n"
            "  c6 kube [run's flags] script.js --instances N [...]\n"
            "                               print the Kubernetes manifests of a distributed run\n"
            "  c6 status [-a ADDR]          show the status of a running test\n"
            "  c6 pause|resume [-a ADDR]    pause or resume a running test\n"
            "  c6 stop [-a ADDR]            stop a running test (teardown runs, exit code 103)\n"
            "  c6 scale -u N [-m M]         change the VUs of a running test\n"
            "  c6 stats [-a ADDR]           show the metrics of a running test\n"
            "  c6 target [--listen H:P]     serve the built-in test target\n"
            "  c6 new [file] [--force]      write a script to start from (default script.js)\n"
            "  c6 convert [-O script.js] recording.har\n"
            "                               turn a browser's HAR recording into a script\n"
            "  c6 completion bash|zsh|fish|powershell\n"
            "                               print a shell completion script\n"
            "  c6 version                   print the version\n"
            "\n`c6 run --help` lists run's flags.\n",
            C6_VERSION);
    return code;
}

/* c6 new [file] [--force]: a script to start from (c6's own template). */
static const char new_template[] = "// A load test to start from: `c6 run script.js` (or k6 run script.js).\n"
                                   "import http from 'k6/http';\n"
                                   "import { check, sleep } from 'k6';\n"
                                   "\n"
                                   "export const options = {\n"
                                   "  // 10 virtual users looping over the default function for 30 seconds\n"
                                   "  vus: 10,\n"
                                   "  duration: '30s',\n"
                                   "  // the run fails (exit code 99) when these do not hold\n"
                                   "  thresholds: {\n"
                                   "    http_req_failed: ['rate<0.01'],\n"
                                   "    http_req_duration: ['p(95)<500'],\n"
                                   "  },\n"
                                   "};\n"
                                   "\n"
                                   "// `c6 target` serves this address on your machine; point it at your own service\n"
                                   "const BASE = __ENV.BASE_URL || 'http://127.0.0.1:8080';\n"
                                   "\n"
                                   "export default function () {\n"
                                   "  const res = http.get(`${BASE}/get`);\n"
                                   "  check(res, { 'status is 200': (r) => r.status === 200 });\n"
                                   "  sleep(1);\n"
                                   "}\n";

static int main_new(int argc, char **argv) {
    const char *file = "script.js";
    bool force = false;
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--force") || !strcmp(argv[i], "-f")) force = true;
        else if (argv[i][0] == '-') {
            log_printf(LOG_ERROR, "unknown flag: %s", argv[i]);
            return 255;
        } else file = argv[i];
    }
    FILE *f = fopen(file, force ? "w" : "wx");
    if (!f && errno == EEXIST) {
        log_printf(LOG_ERROR, "%s already exists, please use the `--force` flag if you want to overwrite it", file);
        return 255;
    }
    if (!f || fwrite(new_template, 1, sizeof new_template - 1, f) != sizeof new_template - 1) {
        log_printf(LOG_ERROR, "cannot write %s: %s", file, strerror(errno));
        if (f) fclose(f);
        return 255;
    }
    fclose(f);
    printf("New script created: %s\n", file);
    return 0;
}

/* `c6 target ...`: the test server is the program c6-target next to this
 * executable (a binary of its own, so that c6 does not link GnuTLS, which
 * only the target's HTTPS uses). exec keeps the process: the same pid gets
 * the caller's signals, and its exit code is the command's. args[0] is
 * "target". */
static int main_target(char **args) {
    char path[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", path, sizeof path - sizeof "/c6-target");
    char *slash = n > 0 ? memrchr(path, '/', (size_t)n) : NULL;
    if (!slash) {
        fprintf(stderr, "c6 target: cannot find c6's own directory: %s\n", strerror(n < 0 ? errno : ENOENT));
        return 1;
    }
    strcpy(slash, "/c6-target");
    args[0] = path;
    execv(path, args);
    fprintf(stderr, "c6 target: cannot run %s: %s (`make` builds it next to c6)\n", path, strerror(errno));
    return 1;
}

int main(int argc, char **argv) {
    if (argc < 2) return main_usage(stdout, 0); /* k6 (cobra): the root command alone prints its help */
    if (!strcmp(argv[1], "help") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) return main_usage(stdout, 0);
    /* a peer that resets a connection must cost a request, not the process */
    signal(SIGPIPE, SIG_IGN);
    const char *cmd = argv[1];
    if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
        printf("c6 v%s (k6-compatible; %s)\n", C6_VERSION, curl_version());
        return 0;
    }
    if (strcmp(cmd, "target") == 0) return main_target(argv + 1);
    if (strcmp(cmd, "new") == 0) return main_new(argc - 2, argv + 2);
    if (strcmp(cmd, "convert") == 0) return convert_main(argc - 2, argv + 2);
    if (strcmp(cmd, "completion") == 0) return complete_script_main(argc - 2, argv + 2);
    if (strcmp(cmd, "__complete") == 0) return complete_words_main(argc - 2, argv + 2);
    if (strcmp(cmd, "__completeNoDesc") == 0) return complete_words_nodesc_main(argc - 2, argv + 2);
    bool run = strcmp(cmd, "run") == 0, inspect = strcmp(cmd, "inspect") == 0, archive = strcmp(cmd, "archive") == 0;
    bool coordinator = strcmp(cmd, "coordinator") == 0, agent = strcmp(cmd, "agent") == 0;
    bool kube = strcmp(cmd, "kube") == 0;
    bool server = strcmp(cmd, "server") == 0, cloud = strcmp(cmd, "cloud") == 0;
    if (server || cloud || (agent && pool_agent_wanted(argc - 2, argv + 2))) {
        curl_global_init(CURL_GLOBAL_ALL);
        int rc = server  ? server_main(argc - 2, argv + 2)
                 : cloud ? cloud_main(argc - 2, argv + 2)
                         : pool_agent_main(argc - 2, argv + 2);
        curl_global_cleanup();
        return rc;
    }
    if (run || inspect || archive || coordinator || agent || kube || control_is_command(cmd)) {
        curl_global_init(CURL_GLOBAL_ALL);
        int rc = run           ? run_main(argc - 2, argv + 2)
                 : inspect     ? run_inspect_main(argc - 2, argv + 2)
                 : archive     ? run_archive_main(argc - 2, argv + 2)
                 : coordinator ? coordinator_main(argc - 2, argv + 2)
                 : agent       ? agent_main(argc - 2, argv + 2)
                 : kube        ? kube_main(argc - 2, argv + 2)
                               : control_main(argc - 1, argv + 1, stdout);
        curl_global_cleanup();
        return rc;
    }
    /* cobra's errors, logged as k6 logs every error (internal/cmd/root.go, execute), exit 255 */
    if (cmd[0] == '-') log_printf(LOG_ERROR, "unknown flag: %s", cmd);
    else log_printf(LOG_ERROR, "unknown command \"%s\" for \"c6\"", cmd);
    return 255;
}
