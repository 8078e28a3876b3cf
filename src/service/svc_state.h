/* The test-run service's state, shared by its HTTP side (server.c) and its
 * scheduler (scheduler.c): the agents of the pool, the runs under way, the
 * settings. One lock (svc.lock) guards it all. */
#ifndef C6_SERVICE_SVC_STATE_H
#define C6_SERVICE_SVC_STATE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include "service/run_watch.h"
#include "service/store.h"
#include "service/zones.h"
#include "util/buf.h"

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

typedef struct svc_state {
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
} svc_state;

extern svc_state svc;

int svc_read_file(const char *path, buf *out, size_t max);
int svc_write_file(const char *path, const void *p, size_t n);
int svc_validate(const char *dir, int64_t *vus, int64_t *dur_us, zone_share *zones, int *nzones, char *err,
                 size_t errlen);
void svc_run_dir(int64_t id, char *out, size_t n);
pool_agent *svc_agent_find(int64_t id);
void svc_drop_archive(int64_t id);
void svc_load_agents(void);
void *svc_scheduler_main(void *arg);
/* A Queued run's place in the queue: {"position": N (1: next to start),
 * "waiting_for": why it has not started}; NULL when it is not Queued. */
cJSON *svc_queue_json(int64_t id);

#endif
