/* Threshold expressions (metrics/threshold.c): parsed, checked against
 * every metric type and evaluated on sinks holding a few samples.
 * Input: byte 0 = samples to add (values from the input), then the text.
 * FUZZ_ARGS: -max_len=512 -dict=@DIR@/threshold.dict */
#include <math.h>
#include "fuzz.h"
#include "metrics/threshold.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fz_in in = {data, size};
    uint8_t nsamples = fz_u8(&in) % 8;
    char *src = fz_dup(in.p, in.n);
    threshold t;
    char err[512];
    if (threshold_parse(src, &t, err, sizeof err) == 0) {
        if (t.agg == THRESHOLD_PCT && !(t.pct >= 0 && t.pct <= 100)) abort();
        if (!memchr(t.agg_name, 0, sizeof t.agg_name)) abort();
        for (int ty = METRIC_COUNTER; ty <= METRIC_TREND; ty++) {
            sink s;
            if (sink_init(&s, (metric_type)ty)) continue;
            for (int i = 0; i < nsamples; i++) sink_add(&s, (double)((int)data[i % size] - 64) * 1.5);
            threshold_check_type(&t, (metric_type)ty, err, sizeof err);
            double obs;
            threshold_eval(&t, &s, 12.5, &obs);
            double v;
            sink_agg(&s, t.agg_name, 12.5, &v);
            sink_free(&s);
        }
        threshold_op_name(t.op);
    } else if (!err[0]) abort();
    double pct;
    sink_parse_pct(src, in.n, &pct);
    free(src);
    return 0;
}
