/* The metrics' crossing of a distributed run (see metrics_link.h). */
#include "dist/metrics_link.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include "cli/run_ctx.h"
#include "metrics/ingest.h"
#include "metrics/series.h"
#include "metrics/snapshot.h"

struct dist_metrics_out {
    run_ctx *r;
    series_set *set;
    snapshot_writer *w;
};

struct dist_metrics_in {
    run_ctx *r;
    ingest *g;
};

static size_t dist_max_series(void) {
    const char *v = getenv("C6_DIST_MAX_SERIES");
    long long n = v && *v ? strtoll(v, NULL, 10) : 0;
    return n > 0 ? (size_t)n : DIST_MAX_SERIES;
}

dist_metrics_out *dist_metrics_out_new(run_ctx *r, int64_t epoch_ns) {
    dist_metrics_out *m = calloc(1, sizeof *m);
    if (!m) return NULL;
    m->r = r;
    m->set = series_new(dist_max_series(), epoch_ns);
    m->w = snapshot_writer_new();
    pthread_mutex_lock(&r->eng_lock);
    int rc = m->set && m->w ? engine_add_listener(r->eng, series_listener, m->set) : -1;
    pthread_mutex_unlock(&r->eng_lock);
    if (rc < 0) {
        series_free(m->set);
        snapshot_writer_free(m->w);
        free(m);
        return NULL;
    }
    return m;
}

void dist_metrics_out_free(dist_metrics_out *m) {
    if (!m) return;
    series_free(m->set);
    snapshot_writer_free(m->w);
    free(m);
}

int dist_metrics_snapshot(dist_metrics_out *m, buf *out, char *err, size_t errlen) {
    buf_clear(out);
    pthread_mutex_lock(&m->r->eng_lock);
    const char *why = series_error(m->set);
    int rc = why ? -1 : snapshot_write(m->w, m->set, out);
    pthread_mutex_unlock(&m->r->eng_lock);
    if (why) snprintf(err, errlen, "%s", why);
    else if (rc) snprintf(err, errlen, "cannot make a metrics snapshot: out of memory");
    if (rc) buf_clear(out);
    return rc;
}

dist_metrics_in *dist_metrics_in_new(run_ctx *r, int nagents) {
    dist_metrics_in *m = calloc(1, sizeof *m);
    if (!m) return NULL;
    m->r = r;
    if (!(m->g = ingest_new(r->eng, nagents, dist_max_series()))) {
        free(m);
        return NULL;
    }
    return m;
}

void dist_metrics_in_free(dist_metrics_in *m) {
    if (!m) return;
    ingest_free(m->g);
    free(m);
}

int dist_metrics_ingest(dist_metrics_in *m, int index, const uint8_t *data, size_t len, char *err, size_t errlen) {
    pthread_mutex_lock(&m->r->eng_lock);
    int rc = ingest_snapshot(m->g, index, data, len, err, errlen);
    pthread_mutex_unlock(&m->r->eng_lock);
    return rc;
}

size_t dist_metrics_series(const dist_metrics_in *m) { return ingest_series_count(m->g); }
