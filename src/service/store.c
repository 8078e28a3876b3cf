/* The service's SQLite store (see store.h). */
#include "service/store.h"
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

struct store {
    sqlite3 *db;
};

static const char *const status_names[] = {
    "Created",
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
    "Aborted by limit",
};

const char *run_status_name(int status) { return status >= -2 && status <= 9 ? status_names[status + 2] : NULL; }

static const char schema[] = "PRAGMA journal_mode=WAL;"
                             "CREATE TABLE IF NOT EXISTS runs ("
                             " id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, status INTEGER NOT NULL,"
                             " archive BLOB NOT NULL, vus INTEGER NOT NULL DEFAULT 0, result TEXT, exit_code INTEGER,"
                             " summary TEXT, error TEXT, local INTEGER NOT NULL DEFAULT 0, zones TEXT,"
                             " keep_archive INTEGER NOT NULL DEFAULT 1);"
                             "CREATE TABLE IF NOT EXISTS run_status ("
                             " run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE, status INTEGER NOT NULL,"
                             " at_us INTEGER NOT NULL);"
                             "CREATE INDEX IF NOT EXISTS run_status_run ON run_status(run_id);"
                             "CREATE TABLE IF NOT EXISTS agents ("
                             " id INTEGER PRIMARY KEY AUTOINCREMENT, capacity INTEGER NOT NULL, zone TEXT NOT NULL,"
                             " seen_us INTEGER NOT NULL);"
                             "PRAGMA foreign_keys=ON;";

/* A database of an earlier c6 gets the columns added since. */
static int upgrade(sqlite3 *db, char **msg) {
    static const char *const cols[] = {"local INTEGER NOT NULL DEFAULT 0", "zones TEXT",
                                       "keep_archive INTEGER NOT NULL DEFAULT 1"};
    for (size_t i = 0; i < sizeof cols / sizeof *cols; i++) {
        char sql[128], name[32];
        sscanf(cols[i], "%31s", name);
        snprintf(sql, sizeof sql, "SELECT %s FROM runs LIMIT 0", name);
        if (sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK) continue;
        snprintf(sql, sizeof sql, "ALTER TABLE runs ADD COLUMN %s", cols[i]);
        if (sqlite3_exec(db, sql, NULL, NULL, msg) != SQLITE_OK) return -1;
    }
    return 0;
}

store *store_open(const char *path, char *err, size_t errlen) {
    store *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    char *msg = NULL;
    if (sqlite3_open(path, &s->db) != SQLITE_OK || sqlite3_busy_timeout(s->db, 5000) != SQLITE_OK ||
        sqlite3_exec(s->db, schema, NULL, NULL, &msg) != SQLITE_OK || upgrade(s->db, &msg)) {
        snprintf(err, errlen, "%s: %s", path, msg ? msg : sqlite3_errmsg(s->db));
        sqlite3_free(msg);
        sqlite3_close(s->db);
        free(s);
        return NULL;
    }
    return s;
}

void store_close(store *s) {
    if (!s) return;
    sqlite3_close(s->db);
    free(s);
}

/* One statement with int64/text/blob bindings given as a format: 'i' int64,
 * 't' text (NULL: SQL NULL), 'b' blob (pointer, size_t). Returns the
 * prepared statement after binding, or NULL. */
static sqlite3_stmt *prep(store *s, const char *sql, const char *fmt, ...) {
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) return NULL;
    va_list ap;
    va_start(ap, fmt);
    int rc = SQLITE_OK;
    for (int i = 0; fmt[i] && rc == SQLITE_OK; i++) {
        if (fmt[i] == 'i') rc = sqlite3_bind_int64(st, i + 1, va_arg(ap, int64_t));
        else if (fmt[i] == 't') {
            const char *t = va_arg(ap, const char *);
            rc = t ? sqlite3_bind_text(st, i + 1, t, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(st, i + 1);
        } else {
            const void *p = va_arg(ap, const void *);
            size_t n = va_arg(ap, size_t);
            rc = sqlite3_bind_blob64(st, i + 1, p ? p : "", n, SQLITE_TRANSIENT);
        }
    }
    va_end(ap);
    if (rc != SQLITE_OK) {
        sqlite3_finalize(st);
        return NULL;
    }
    return st;
}

/* Runs a statement that returns no rows; 0 or -1. */
static int done(sqlite3_stmt *st) {
    if (!st) return -1;
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

static int64_t now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t store_run_create(store *s, const char *name, const void *tar, size_t len) {
    if (done(prep(s, "INSERT INTO runs(name, status, archive) VALUES(?, -2, ?)", "tb", name, tar, len))) return -1;
    int64_t id = sqlite3_last_insert_rowid(s->db);
    if (done(prep(s, "INSERT INTO run_status VALUES(?, -2, ?)", "ii", id, now_us()))) return -1;
    return id;
}

int store_run_status(store *s, int64_t id, int status) {
    /* strictly increasing per run, even within one microsecond */
    int64_t at = now_us(), last = 0;
    sqlite3_stmt *st = prep(s, "SELECT MAX(at_us) FROM run_status WHERE run_id = ?", "i", id);
    if (!st) return -1;
    if (sqlite3_step(st) == SQLITE_ROW) last = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    if (at <= last) at = last + 1;
    if (done(prep(s, "UPDATE runs SET status = ? WHERE id = ?", "ii", (int64_t)status, id))) return -1;
    return done(prep(s, "INSERT INTO run_status VALUES(?, ?, ?)", "iii", id, (int64_t)status, at));
}

int store_run_set_vus(store *s, int64_t id, int64_t vus) {
    return done(prep(s, "UPDATE runs SET vus = ? WHERE id = ?", "ii", vus, id));
}

int store_run_end(store *s, int64_t id, const char *result, int exit_code, const char *summary, const char *error) {
    int rc = 0;
    if (result) rc |= done(prep(s, "UPDATE runs SET result = ? WHERE id = ?", "ti", result, id));
    if (exit_code >= 0) rc |= done(prep(s, "UPDATE runs SET exit_code = ? WHERE id = ?", "ii", (int64_t)exit_code, id));
    if (summary) rc |= done(prep(s, "UPDATE runs SET summary = ? WHERE id = ?", "ti", summary, id));
    if (error) rc |= done(prep(s, "UPDATE runs SET error = ? WHERE id = ?", "ti", error, id));
    return rc;
}

int store_run_delete(store *s, int64_t id) { return done(prep(s, "DELETE FROM runs WHERE id = ?", "i", id)); }

int store_run_get_status(store *s, int64_t id) {
    sqlite3_stmt *st = prep(s, "SELECT status FROM runs WHERE id = ?", "i", id);
    int r = INT32_MIN;
    if (st && sqlite3_step(st) == SQLITE_ROW) r = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return r;
}

int64_t store_next_queued(store *s, bool local, int64_t *vus, char **zones) {
    sqlite3_stmt *st = prep(s, "SELECT id, vus, zones FROM runs WHERE status = 0 AND local = ? ORDER BY id LIMIT 1",
                            "i", (int64_t)local);
    int64_t id = 0;
    if (zones) *zones = NULL;
    if (st && sqlite3_step(st) == SQLITE_ROW) {
        id = sqlite3_column_int64(st, 0);
        *vus = sqlite3_column_int64(st, 1);
        const unsigned char *z = sqlite3_column_text(st, 2);
        if (z && zones && !(*zones = strdup((const char *)z))) id = -1;
    }
    sqlite3_finalize(st);
    return id;
}

int store_queue_position(store *s, int64_t id, bool *local) {
    sqlite3_stmt *st =
        prep(s,
             "SELECT (SELECT COUNT(*) FROM runs q WHERE q.status = 0 AND q.local = r.local AND q.id <= r.id), "
             "r.local FROM runs r WHERE r.id = ? AND r.status = 0",
             "i", id);
    int pos = 0;
    if (st && sqlite3_step(st) == SQLITE_ROW) {
        pos = sqlite3_column_int(st, 0);
        *local = sqlite3_column_int(st, 1) != 0;
    }
    sqlite3_finalize(st);
    return pos;
}

int store_run_set_plan(store *s, int64_t id, bool local, const char *zones) {
    return done(prep(s, "UPDATE runs SET local = ?, zones = ? WHERE id = ?", "iti", (int64_t)local, zones, id));
}

int store_run_archive(store *s, int64_t id, buf *out) {
    sqlite3_stmt *st = prep(s, "SELECT archive FROM runs WHERE id = ?", "i", id);
    int rc = -1;
    if (st && sqlite3_step(st) == SQLITE_ROW)
        rc = buf_append(out, sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0));
    sqlite3_finalize(st);
    return rc;
}

int store_run_set_keep_archive(store *s, int64_t id, bool keep) {
    return done(prep(s, "UPDATE runs SET keep_archive = ? WHERE id = ?", "ii", (int64_t)keep, id));
}

int store_run_drop_archive(store *s, int64_t id) {
    if (done(prep(s, "UPDATE runs SET archive = x'' WHERE id = ? AND keep_archive = 0", "i", id))) return -1;
    return sqlite3_changes(s->db) > 0;
}

int store_runs_unkept(store *s, int64_t *ids, int max) {
    sqlite3_stmt *st =
        prep(s, "SELECT id FROM runs WHERE keep_archive = 0 AND status >= 3 AND length(archive) > 0", "");
    if (!st) return -1;
    int n = 0;
    while (n < max && sqlite3_step(st) == SQLITE_ROW) ids[n++] = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

int64_t store_now_us(void) { return now_us(); }

int store_agent_put(store *s, const store_agent *a) {
    return done(
        prep(s, "INSERT OR REPLACE INTO agents VALUES(?, ?, ?, ?)", "iiti", a->id, a->capacity, a->zone, a->seen_us));
}

int store_agent_seen(store *s, int64_t id, int64_t seen_us) {
    return done(prep(s, "UPDATE agents SET seen_us = ? WHERE id = ?", "ii", seen_us, id));
}

int store_agent_delete(store *s, int64_t id) { return done(prep(s, "DELETE FROM agents WHERE id = ?", "i", id)); }

int64_t store_agents_last_id(store *s) {
    sqlite3_stmt *st = prep(s, "SELECT seq FROM sqlite_sequence WHERE name = 'agents'", "");
    int64_t id = 0;
    if (st && sqlite3_step(st) == SQLITE_ROW) id = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return id;
}

int store_agents_load(store *s, store_agent *out, int max) {
    sqlite3_stmt *st = prep(s, "SELECT id, capacity, zone, seen_us FROM agents ORDER BY id", "");
    if (!st) return -1;
    int n = 0;
    while (n < max && sqlite3_step(st) == SQLITE_ROW) {
        out[n].id = sqlite3_column_int64(st, 0);
        out[n].capacity = sqlite3_column_int64(st, 1);
        const unsigned char *z = sqlite3_column_text(st, 2);
        snprintf(out[n].zone, sizeof out[n].zone, "%s", z ? (const char *)z : "");
        out[n].seen_us = sqlite3_column_int64(st, 3);
        n++;
    }
    sqlite3_finalize(st);
    return n;
}

int store_recover(store *s) {
    sqlite3_stmt *st = prep(s, "SELECT id FROM runs WHERE status IN (1, 2)", "");
    if (!st) return -1;
    int64_t ids[256];
    int n = 0, rc = 0;
    while (n < 256 && sqlite3_step(st) == SQLITE_ROW) ids[n++] = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    for (int i = 0; i < n; i++) {
        rc |= store_run_status(s, ids[i], RUN_ABORTED_SYSTEM);
        rc |= store_run_end(s, ids[i], "failed", -1, NULL, "the service restarted while the run was in progress");
    }
    return rc ? -1 : n;
}

/* RFC 3339 UTC with microseconds */
static void fmt_time(int64_t us, char *out, size_t n) {
    time_t sec = (time_t)(us / 1000000);
    struct tm tm;
    gmtime_r(&sec, &tm);
    char base[32];
    strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out, n, "%s.%06lldZ", base, (long long)(us % 1000000));
}

static void add_text(cJSON *o, const char *key, sqlite3_stmt *st, int col) {
    if (sqlite3_column_type(st, col) == SQLITE_NULL) cJSON_AddNullToObject(o, key);
    else cJSON_AddStringToObject(o, key, (const char *)sqlite3_column_text(st, col));
}

static cJSON *row_json(store *s, sqlite3_stmt *st, bool full) {
    cJSON *o = cJSON_CreateObject();
    if (!o) return NULL;
    int64_t id = sqlite3_column_int64(st, 0);
    int status = sqlite3_column_int(st, 2);
    cJSON_AddNumberToObject(o, "id", (double)id);
    add_text(o, "name", st, 1);
    cJSON_AddNumberToObject(o, "status", status);
    cJSON_AddStringToObject(o, "status_name", run_status_name(status) ? run_status_name(status) : "?");
    cJSON_AddNumberToObject(o, "vus", (double)sqlite3_column_int64(st, 3));
    add_text(o, "result", st, 4);
    if (sqlite3_column_type(st, 5) == SQLITE_NULL) cJSON_AddNullToObject(o, "exit_code");
    else cJSON_AddNumberToObject(o, "exit_code", sqlite3_column_int(st, 5));
    add_text(o, "error", st, 7);
    cJSON_AddBoolToObject(o, "local_execution", sqlite3_column_int(st, 8) != 0);
    const unsigned char *zones = sqlite3_column_text(st, 9);
    cJSON *z = zones ? cJSON_Parse((const char *)zones) : NULL;
    if (z) cJSON_AddItemToObject(o, "load_zones", z);
    else cJSON_AddNullToObject(o, "load_zones");
    cJSON *hist = cJSON_AddArrayToObject(o, "statuses");
    sqlite3_stmt *h = prep(s, "SELECT status, at_us FROM run_status WHERE run_id = ? ORDER BY at_us", "i", id);
    while (h && hist && sqlite3_step(h) == SQLITE_ROW) {
        cJSON *e = cJSON_CreateObject();
        if (!e) break;
        int hs = sqlite3_column_int(h, 0);
        int64_t at = sqlite3_column_int64(h, 1);
        char t[48];
        fmt_time(at, t, sizeof t);
        cJSON_AddNumberToObject(e, "status", hs);
        cJSON_AddStringToObject(e, "status_name", run_status_name(hs) ? run_status_name(hs) : "?");
        cJSON_AddStringToObject(e, "at", t);
        cJSON_AddItemToArray(hist, e);
        if (hs == RUN_CREATED) cJSON_AddStringToObject(o, "created", t);
        if (run_status_final(hs)) cJSON_AddStringToObject(o, "ended", t);
    }
    sqlite3_finalize(h);
    cJSON_AddBoolToObject(o, "archive_kept", sqlite3_column_int(st, 10) != 0);
    if (full) add_text(o, "summary", st, 6);
    return o;
}

#define RUN_COLS                                                                                                       \
    "SELECT id, name, status, vus, result, exit_code, summary, error, local, zones, length(archive) > 0 FROM runs"

cJSON *store_run_json(store *s, int64_t id, bool full) {
    sqlite3_stmt *st = prep(s, RUN_COLS " WHERE id = ?", "i", id);
    cJSON *o = NULL;
    if (st && sqlite3_step(st) == SQLITE_ROW) o = row_json(s, st, full);
    sqlite3_finalize(st);
    return o;
}

cJSON *store_runs_json(store *s, int status_filter) {
    sqlite3_stmt *st = status_filter == INT32_MIN
                           ? prep(s, RUN_COLS " ORDER BY id", "")
                           : prep(s, RUN_COLS " WHERE status = ? ORDER BY id", "i", (int64_t)status_filter);
    cJSON *arr = cJSON_CreateArray();
    while (st && arr && sqlite3_step(st) == SQLITE_ROW) {
        cJSON *o = row_json(s, st, false);
        if (o) cJSON_AddItemToArray(arr, o);
    }
    sqlite3_finalize(st);
    return arr;
}
