/* The test-run service's state in SQLite: runs (archive, VUs, result,
 * exit code, summary) and each run's status history with timestamps.
 * Not thread-safe: the server calls it under its own lock. */
#ifndef C6_SERVICE_STORE_H
#define C6_SERVICE_STORE_H
#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "util/buf.h"

/* k6's "Test Status codes" */
enum {
    RUN_CREATED = -2,
    RUN_VALIDATED = -1,
    RUN_QUEUED = 0,
    RUN_INITIALIZING = 1,
    RUN_RUNNING = 2,
    RUN_FINISHED = 3,
    RUN_TIMED_OUT = 4,
    RUN_ABORTED_USER = 5,
    RUN_ABORTED_SYSTEM = 6,
    RUN_ABORTED_SCRIPT = 7,
    RUN_ABORTED_THRESHOLD = 8,
    RUN_ABORTED_LIMIT = 9,
};
const char *run_status_name(int status); /* NULL for a code outside -2..9 */
static inline bool run_status_final(int s) { return s >= RUN_FINISHED; }

typedef struct store store;
store *store_open(const char *path, char *err, size_t errlen);
void store_close(store *s);
/* A new run in Created; its id, or -1. */
int64_t store_run_create(store *s, const char *name, const void *tar, size_t len);
/* The run's new status (history row, timestamps strictly increasing). */
int store_run_status(store *s, int64_t id, int status);
int store_run_set_vus(store *s, int64_t id, int64_t vus);
/* The end's details (any may be NULL / exit_code < 0: unchanged). */
int store_run_end(store *s, int64_t id, const char *result, int exit_code, const char *summary, const char *error);
int store_run_delete(store *s, int64_t id);
int store_run_get_status(store *s, int64_t id); /* INT32_MIN: no such run */
/* The oldest Queued run (FIFO) of the pool's (local false) or of those run
 * by their CLI (--local-execution), its VUs and its load zones (JSON text
 * of zones.h, malloc'd, NULL: none); 0 when none, -1 out of memory. */
int64_t store_next_queued(store *s, bool local, int64_t *vus, char **zones);
/* A Queued run's place among the Queued runs of its kind (pool or local,
 * *local says which), 1 first; 0 when it is not Queued. */
int store_queue_position(store *s, int64_t id, bool *local);
/* How the run runs: by its CLI (local), or on agents of these zones. */
int store_run_set_plan(store *s, int64_t id, bool local, const char *zones);
int store_run_archive(store *s, int64_t id, buf *out);
/* `c6 cloud run --local-execution --no-archive-upload`: the run's archive
 * is not kept once it has ended (keep false); store_run_drop_archive then
 * empties it (1 dropped, 0 kept, -1 error). */
int store_run_set_keep_archive(store *s, int64_t id, bool keep);
int store_run_drop_archive(store *s, int64_t id);
/* Up to max ended runs whose archive is not to be kept but still is. */
int store_runs_unkept(store *s, int64_t *ids, int max);

/* The pool's agents, kept so that a restarted service knows them until
 * they poll again (same id) or time out. seen_us: wall clock (µs). */
typedef struct {
    int64_t id, capacity, seen_us;
    char zone[128];
} store_agent;
int store_agent_put(store *s, const store_agent *a);
int store_agent_seen(store *s, int64_t id, int64_t seen_us);
int store_agent_delete(store *s, int64_t id);
/* Up to max agents into out, in registration order; their number or -1. */
int store_agents_load(store *s, store_agent *out, int max);
/* The highest agent id ever given (ids are not reused, also once forgotten). */
int64_t store_agents_last_id(store *s);
int64_t store_now_us(void); /* the wall clock the store's times use */
/* At start: runs caught Initializing or Running by a stop become Aborted by system. */
int store_recover(store *s);
/* JSON: one run (with history and summary when full), NULL if unknown;
 * the list (status_filter INT32_MIN: all). */
cJSON *store_run_json(store *s, int64_t id, bool full);
cJSON *store_runs_json(store *s, int status_filter);
#endif
