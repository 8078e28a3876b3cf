/* `c6 cloud run`'s progress while the run is Running: `c6 run`'s first
 * line (cli/progress.c progress_head) from the numbers in the run's REST
 * JSON ("progress"), and k6 cloud's one bar, "Run", whose column is the
 * time spent over the plan's duration (k6 cmd/cloud.go: the fraction and
 * "elapsed/maxDuration" while running). On a terminal the block is redrawn
 * in place about once a second; else it is printed every 2 s (k6 cloud
 * polls the test's progress every 2 s). */
#ifndef C6_CLOUD_PROGRESS_H
#define C6_CLOUD_PROGRESS_H
#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdint.h>

typedef struct cloud_progress {
    bool tty, drawn; /* drawn: a block is on a terminal, the cursor on its first line */
    int64_t last_us;
    cJSON *last; /* the latest progress numbers (a copy) */
} cloud_progress;

void cloud_progress_init(cloud_progress *p);
/* The run's JSON (its "progress", when there is one): draws when due. */
void cloud_progress_show(cloud_progress *p, const cJSON *run);
/* Before other output (a status change, the end): leaves a drawn block
 * where it is, with the latest numbers, the cursor below it. */
void cloud_progress_settle(cloud_progress *p);
void cloud_progress_free(cloud_progress *p);
#endif
