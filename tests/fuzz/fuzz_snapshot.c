/* Metrics snapshots (metrics/snapshot.c, metrics/ingest.c): what a
 * coordinator reads from its agents' connections, so any bytes must give
 * a clean error or a merge, never a crash, a read past the input, a leak
 * or a hang.
 * Input: byte 0 picks the mode; mode 0 (even): the rest is a snapshot,
 * merged as agent 0's first, then again (refused: out of order), then as
 * agent 1's; mode 1 (odd): the rest drives samples (metric, tag set,
 * value) into an agent's series aggregator, whose snapshot must decode
 * and merge, giving the same sample counts.
 * FUZZ_ARGS: -max_len=4096 */
#include <math.h>
#include <stdio.h>
#include "fuzz.h"
#include "metrics/engine.h"
#include "metrics/ingest.h"
#include "metrics/registry.h"
#include "metrics/series.h"
#include "metrics/snapshot.h"

static void merge_raw(const uint8_t *p, size_t n) {
    engine *e = engine_new();
    char err[256];
    engine_add_submetric(e, M_HTTP_REQ_DURATION, "status:200", err, sizeof err);
    engine_enable_breakdown(e);
    ingest *g = ingest_new(e, 2, 1000);
    if (!e || !g) abort();
    char *copy = malloc(n ? n : 1); /* exactly n bytes: ASan catches any read past them */
    if (!copy) abort();
    if (n) memcpy(copy, p, n);
    for (int agent = 0; agent < 2; agent++) {
        err[0] = 0;
        int rc = ingest_snapshot(g, agent, copy, n, err, sizeof err);
        if (rc < 0 && !err[0]) abort();
        /* merged once, the same snapshot again is out of order */
        if (rc == 0 && agent == 0 && ingest_snapshot(g, 0, copy, n, err, sizeof err) == 0) abort();
    }
    /* what was merged reads as after a run */
    for (int m = 0; m < registry_count(); m++) {
        const sink *s = engine_sink(e, m);
        double v;
        if (s) sink_agg(s, "p(95)", 1, &v), sink_agg(s, "count", 1, &v), sink_agg(s, "value", 1, &v);
    }
    ingest_free(g);
    engine_free(e);
    free(copy);
}

static void roundtrip(fz_in *in) {
    static const int metrics[] = {M_HTTP_REQS, M_HTTP_REQ_DURATION, M_HTTP_REQ_FAILED, M_VUS,
                                  M_CHECKS,    M_GROUP_DURATION};
    sample_buf b;
    sample_buf_init(&b);
    series_set *ss = series_new(64, 0);
    snapshot_writer *w = snapshot_writer_new();
    engine *e = engine_new();
    ingest *g = ingest_new(e, 1, 1000);
    if (!ss || !w || !e || !g) abort();
    uint64_t pushed[6] = {0};
    buf out = {0};
    char err[256];
    int64_t t = 1;
    while (in->n) {
        uint8_t op = fz_u8(in);
        if (op == 0xff) { /* a snapshot now */
            sample_buf_flush(&b);
            sample_chunk *c = sample_buf_take(&b);
            for (sample_chunk *k = c; k; k = k->next) series_listener(ss, k->s, k->n, b.tags);
            sample_buf_recycle(&b, c);
            buf_clear(&out);
            out.len = 0;
            if (snapshot_write(w, ss, &out) < 0) abort();
            if (ingest_snapshot(g, 0, out.p, out.len, err, sizeof err) < 0) {
                fprintf(stderr, "%s\n", err);
                abort();
            }
            continue;
        }
        int mi = op % 6;
        char tv[2] = {(char)('a' + (op >> 3) % 4), 0};
        tag_kv kv[2] = {{"group", (op & 0x40) ? "::g" : ""}, {"status", tv}};
        uint32_t tags = tagdict_intern(b.tags, kv, 2);
        double v = (double)(int8_t)fz_u8(in) * 0.5 * (1 + fz_u8(in));
        sample_push(&b, metrics[mi], tags, v, t++);
        pushed[mi]++;
    }
    sample_buf_flush(&b);
    sample_chunk *c = sample_buf_take(&b);
    for (sample_chunk *k = c; k; k = k->next) series_listener(ss, k->s, k->n, b.tags);
    sample_buf_recycle(&b, c);
    buf_clear(&out);
    out.len = 0;
    if (snapshot_write(w, ss, &out) < 0) abort();
    if (ingest_snapshot(g, 0, out.p, out.len, err, sizeof err) < 0) {
        fprintf(stderr, "%s\n", err);
        abort();
    }
    for (int i = 0; i < 6; i++) {
        const sink *s = engine_sink(e, metrics[i]);
        if (metrics[i] == M_VUS) continue; /* summed per snapshot, not per sample */
        if (!!s != !!pushed[i] || (s && sink_count(s) != pushed[i])) abort();
    }
    buf_free(&out);
    ingest_free(g);
    engine_free(e);
    snapshot_writer_free(w);
    series_free(ss);
    sample_buf_destroy(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static int init;
    if (!init) {
        registry_init();
        init = 1;
    }
    fz_in in = {data, size};
    uint8_t mode = fz_u8(&in);
    if (mode & 1) roundtrip(&in);
    else merge_raw(in.p, in.n);
    return 0;
}
