/* `c6 cloud run --local-execution`: the submitting CLI is its run's only
 * agent (k6's flag runs the test locally and streams its results to the
 * cloud). The service starts the run's coordinator as for any run but
 * assigns it no pool agent; the CLI asks for the coordinator's address and
 * runs `c6 agent HOST:PORT` as a child, so statuses, the summary,
 * thresholds, limits and stops work as for any run. */
#ifndef C6_SERVICE_CLOUD_LOCAL_H
#define C6_SERVICE_CLOUD_LOCAL_H
#include <stdbool.h>
#include <sys/types.h>

typedef struct {
    pid_t pid; /* the agent child, 0: not started */
    bool exited;
} cloud_local;

/* One step of the CLI's poll loop: starts the agent once the coordinator
 * listens; while it runs, the poll is the run's heartbeat. */
void cloud_local_poll(cloud_local *l, const char *base, const char *token, long long id);
/* The run is over: the agent child is waited for (killed after 10 s). */
void cloud_local_end(cloud_local *l);
#endif
