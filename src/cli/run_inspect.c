/* `c6 inspect [--execution-requirements]`: the consolidated options as
 * k6 prints them. */
#include <stdio.h>
#include "util/err.h"
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "cli/run.h"
#include "cli/run_ctx.h"
#include "config/duration.h"
#include "config/jsonval.h"
#include "config/options_json.h"

int run_inspect_main(int argc, char **argv) {
    char **rest = xcalloc((size_t)argc + 1, sizeof *rest);
    int n = 0, mode = MODE_INSPECT;
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--execution-requirements") || !strcmp(argv[i], "--execution-requirements=true"))
            mode = MODE_INSPECT_REQS;
        else if (strcmp(argv[i], "--execution-requirements=false") != 0) rest[n++] = argv[i];
    }
    int rc = run_main_mode(n, rest, mode);
    free(rest);
    return rc;
}

int run_inspect_print(run_ctx *r, int mode) {
    char *json = options_to_json(&r->opts, &r->test.plan);
    cJSON *root = cJSON_Parse(json);
    free(json);
    if (!root) return EXIT_CONFIG;
    if (mode == MODE_INSPECT_REQS) {
        char d[64];
        duration_format(d, sizeof d, r->test.plan.max_duration_us);
        cJSON_AddNumberToObject(root, "maxVUs", (double)(r->test.plan.max_vus + r->test.plan.max_unplanned_vus));
        cJSON_AddStringToObject(root, "totalDuration", d);
    }
    buf b = {0};
    cfg_json_print_indented(&b, root, 0);
    buf_puts(&b, "\n");
    fwrite(b.p, 1, b.len, stdout);
    buf_free(&b);
    cJSON_Delete(root);
    return 0;
}
