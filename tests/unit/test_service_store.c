/* test_service_store.c - the test-run service's SQLite store
 * (src/service/store.c): k6's status names (the "Test Status codes" page:
 * -2 Created ... 9 Aborted by limit), strictly increasing status times,
 * the FIFO head, the recovery of runs caught in progress by a stop. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "service/store.h"

static void status_names(void **st) {
    (void)st;
    const char *want[] = {"Created",
                          "Validated",
                          "Queued",
                          "Initializing",
                          "Running",
                          "Finished",
                          "Timed out",
                          "Aborted by user",
                          "Aborted by system",
                          "Aborted by script error",
                          "Aborted by threshold",
                          "Aborted by limit"};
    for (int c = -2; c <= 9; c++) assert_string_equal(run_status_name(c), want[c + 2]);
    assert_null(run_status_name(-3));
    assert_null(run_status_name(10));
    assert_false(run_status_final(RUN_RUNNING));
    assert_true(run_status_final(RUN_FINISHED));
    assert_true(run_status_final(RUN_ABORTED_LIMIT));
}

static store *open_tmp(char *path) {
    strcpy(path, "/tmp/c6-store-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    char err[256];
    store *s = store_open(path, err, sizeof err);
    assert_non_null(s);
    return s;
}

static void history_and_queue(void **st) {
    (void)st;
    char path[64];
    store *s = open_tmp(path);
    char tar[600] = {0};
    int64_t a = store_run_create(s, "a.js", tar, sizeof tar), b = store_run_create(s, "b.js", tar, sizeof tar);
    assert_true(a > 0 && b > a);
    int64_t vus = -1;
    assert_int_equal(store_next_queued(s, false, &vus, NULL), 0); /* Created is not queued */
    /* several changes within the same microsecond still get increasing times */
    for (int code = RUN_VALIDATED; code <= RUN_QUEUED; code++) {
        assert_int_equal(store_run_status(s, b, code), 0);
        assert_int_equal(store_run_status(s, a, code), 0);
    }
    assert_int_equal(store_run_set_vus(s, a, 7), 0);
    assert_int_equal(store_next_queued(s, false, &vus, NULL), a); /* first in, first out (by id) */
    assert_int_equal(vus, 7);
    /* a --local-execution run is not the pool's; zones come back as stored */
    char *zones = NULL;
    assert_int_equal(store_next_queued(s, true, &vus, NULL), 0);
    assert_int_equal(store_run_set_plan(s, a, true, NULL), 0);
    assert_int_equal(store_next_queued(s, true, &vus, NULL), a);
    assert_int_equal(store_next_queued(s, false, &vus, &zones), b);
    assert_null(zones);
    assert_int_equal(store_run_set_plan(s, b, false, "[{\"label\":\"l\"}]"), 0);
    assert_int_equal(store_next_queued(s, false, &vus, &zones), b);
    assert_string_equal(zones, "[{\"label\":\"l\"}]");
    free(zones);
    assert_int_equal(store_run_set_plan(s, a, false, NULL), 0);
    cJSON *j = store_run_json(s, a, true);
    const cJSON *h = cJSON_GetObjectItem(j, "statuses"), *e;
    assert_int_equal(cJSON_GetArraySize(h), 3);
    const char *prev = "";
    int want = RUN_CREATED;
    cJSON_ArrayForEach(e, h) {
        const char *at = cJSON_GetObjectItem(e, "at")->valuestring;
        assert_true(strcmp(at, prev) > 0);
        assert_int_equal(cJSON_GetObjectItem(e, "status")->valueint, want++);
        prev = at;
    }
    assert_string_equal(cJSON_GetObjectItem(j, "status_name")->valuestring, "Queued");
    cJSON_Delete(j);
    buf arch = {0};
    assert_int_equal(store_run_archive(s, a, &arch), 0);
    assert_int_equal(arch.len, sizeof tar);
    buf_free(&arch);
    /* a run in progress when the service stopped: Aborted by system */
    assert_int_equal(store_run_status(s, a, RUN_INITIALIZING), 0);
    assert_int_equal(store_run_status(s, a, RUN_RUNNING), 0);
    assert_int_equal(store_recover(s), 1);
    assert_int_equal(store_run_get_status(s, a), RUN_ABORTED_SYSTEM);
    assert_int_equal(store_run_get_status(s, b), RUN_QUEUED); /* the queue stays */
    j = store_runs_json(s, RUN_QUEUED);
    assert_int_equal(cJSON_GetArraySize(j), 1);
    cJSON_Delete(j);
    assert_int_equal(store_run_delete(s, b), 0);
    assert_int_equal(store_run_get_status(s, b), INT32_MIN);
    assert_null(store_run_json(s, b, false));
    store_close(s);
    unlink(path);
    char side[80];
    snprintf(side, sizeof side, "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", path);
    unlink(side);
}

/* A database written before load zones and --local-execution (no local,
 * zones columns) gets them at open: its queued run is still the pool's. */
static void upgrade_old_database(void **st) {
    (void)st;
    char path[64];
    strcpy(path, "/tmp/c6-store-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db,
                                  "CREATE TABLE runs (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL,"
                                  " status INTEGER NOT NULL, archive BLOB NOT NULL, vus INTEGER NOT NULL DEFAULT 0,"
                                  " result TEXT, exit_code INTEGER, summary TEXT, error TEXT);"
                                  "INSERT INTO runs(name, status, archive, vus) VALUES('old.js', 0, x'00', 3);",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    char err[256];
    store *s = store_open(path, err, sizeof err);
    assert_non_null(s);
    int64_t vus = 0;
    char *zones = NULL;
    assert_int_equal(store_next_queued(s, false, &vus, &zones), 1);
    assert_int_equal(vus, 3);
    assert_null(zones);
    assert_int_equal(store_next_queued(s, true, &vus, NULL), 0);
    store_close(s);
    s = store_open(path, err, sizeof err); /* a second open adds nothing */
    assert_non_null(s);
    store_close(s);
    unlink(path);
    char wal[80];
    snprintf(wal, sizeof wal, "%s-wal", path);
    unlink(wal);
    snprintf(wal, sizeof wal, "%s-shm", path);
    unlink(wal);
}

static void close_tmp(store *s, const char *path) {
    store_close(s);
    unlink(path);
    char side[80];
    snprintf(side, sizeof side, "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", path);
    unlink(side);
}

/* The pool's agents survive a reopen (a restart), in registration order,
 * with their last poll; a deleted one is gone, and its id is never given
 * again (the highest id is kept). */
static void agents_kept(void **st) {
    (void)st;
    char path[64], err[256];
    store *s = open_tmp(path);
    store_agent a = {.id = 1, .capacity = 10, .seen_us = 1000}, b = {.id = 2, .capacity = 3, .seen_us = 2000};
    strcpy(a.zone, "default");
    strcpy(b.zone, "eu");
    assert_int_equal(store_agent_put(s, &a), 0);
    assert_int_equal(store_agent_put(s, &b), 0);
    assert_int_equal(store_agent_seen(s, 1, 5000), 0);
    store_close(s);
    assert_non_null(s = store_open(path, err, sizeof err));
    store_agent got[4];
    assert_int_equal(store_agents_load(s, got, 4), 2);
    assert_int_equal(got[0].id, 1);
    assert_int_equal(got[0].capacity, 10);
    assert_int_equal(got[0].seen_us, 5000);
    assert_string_equal(got[0].zone, "default");
    assert_int_equal(got[1].id, 2);
    assert_string_equal(got[1].zone, "eu");
    assert_int_equal(store_agent_delete(s, 2), 0);
    assert_int_equal(store_agents_load(s, got, 4), 1);
    assert_int_equal(store_agents_last_id(s), 2);
    assert_true(store_now_us() > 1600000000LL * 1000000);
    close_tmp(s, path);
}

/* --no-archive-upload: a run's archive is dropped at its end, another's kept. */
static void archive_dropped(void **st) {
    (void)st;
    char path[64];
    store *s = open_tmp(path);
    char tar[600] = {1};
    int64_t a = store_run_create(s, "a.js", tar, sizeof tar), b = store_run_create(s, "b.js", tar, sizeof tar);
    assert_int_equal(store_run_set_keep_archive(s, a, false), 0);
    int64_t ids[4];
    assert_int_equal(store_runs_unkept(s, ids, 4), 0); /* not ended yet */
    assert_int_equal(store_run_status(s, a, RUN_ABORTED_SYSTEM), 0);
    assert_int_equal(store_run_status(s, b, RUN_FINISHED), 0);
    assert_int_equal(store_runs_unkept(s, ids, 4), 1); /* ended, not kept, still there */
    assert_int_equal(ids[0], a);
    assert_int_equal(store_run_drop_archive(s, a), 1);
    assert_int_equal(store_runs_unkept(s, ids, 4), 0);
    assert_int_equal(store_run_drop_archive(s, b), 0);
    buf arch = {0};
    assert_int_equal(store_run_archive(s, a, &arch), 0);
    assert_int_equal(arch.len, 0);
    assert_int_equal(store_run_archive(s, b, &arch), 0);
    assert_int_equal(arch.len, sizeof tar);
    buf_free(&arch);
    cJSON *j = store_run_json(s, a, false);
    assert_true(cJSON_IsFalse(cJSON_GetObjectItem(j, "archive_kept")));
    cJSON_Delete(j);
    j = store_run_json(s, b, false);
    assert_true(cJSON_IsTrue(cJSON_GetObjectItem(j, "archive_kept")));
    cJSON_Delete(j);
    close_tmp(s, path);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(status_names), cmocka_unit_test(history_and_queue), cmocka_unit_test(upgrade_old_database),
        cmocka_unit_test(agents_kept),  cmocka_unit_test(archive_dropped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
