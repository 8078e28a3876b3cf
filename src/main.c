/* c6: runs k6 scripts. Commands: run, target, version. */
#include <curl/curl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include "cli/run.h"
#include "target/target.h"

#define C6_VERSION "0.1.0"

static int main_usage(void) {
    fprintf(stderr,
            "c6 %s - load testing for k6 scripts\n\n"
            "usage:\n"
            "  c6 run [flags] script.js     run a test\n"
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
    if (strcmp(cmd, "run") == 0) {
        curl_global_init(CURL_GLOBAL_ALL);
        int rc = run_main(argc - 2, argv + 2);
        curl_global_cleanup();
        return rc;
    }
    fprintf(stderr, "error: unknown command \"%s\" for \"c6\"\n", cmd);
    return main_usage();
}
