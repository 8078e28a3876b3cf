/* c6: runs k6 scripts. Commands: run, status, pause, resume, scale, stats,
 * target, version. */
#include <curl/curl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include "cli/control.h"
#include "cli/run.h"
#include "target/target.h"

#define C6_VERSION "0.1.0"

static int main_usage(void) {
    fprintf(stderr,
            "c6 %s - load testing for k6 scripts\n\n"
            "usage:\n"
            "  c6 run [flags] script.js     run a test\n"
            "  c6 status [-a ADDR]          show the status of a running test\n"
            "  c6 pause|resume [-a ADDR]    pause or resume a running test\n"
            "  c6 stop [-a ADDR]            stop a running test (teardown runs, exit code 103)\n"
            "  c6 scale -u N [-m M]         change the VUs of a running test\n"
            "  c6 stats [-a ADDR]           show the metrics of a running test\n"
            "  c6 target [--listen H:P]     serve the built-in test target\n"
            "  c6 version                   print the version\n", C6_VERSION);
    return 255;
}

int main(int argc, char **argv) {
    if (argc < 2) return main_usage();
    /* a peer that resets a connection must cost a request, not the process */
    signal(SIGPIPE, SIG_IGN);
    const char *cmd = argv[1];
    if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
        printf("c6 v%s (k6-compatible; %s)\n", C6_VERSION, curl_version());
        return 0;
    }
    if (strcmp(cmd, "target") == 0) return target_main(argc - 1, argv + 1);
    bool run = strcmp(cmd, "run") == 0;
    if (run || control_is_command(cmd)) {
        curl_global_init(CURL_GLOBAL_ALL);
        int rc = run ? run_main(argc - 2, argv + 2) : control_main(argc - 1, argv + 1, stdout);
        curl_global_cleanup();
        return rc;
    }
    fprintf(stderr, "error: unknown command \"%s\" for \"c6\"\n", cmd);
    return main_usage();
}
