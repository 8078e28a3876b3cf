/* The output registry and a run's set of open outputs. */
#include "output/output.h"

#include <stdio.h>
#include <string.h>

#include "output/csv.h"
#include "output/influxdb.h"
#include "output/json.h"
#include "output/otel.h"
#include "output/promrw.h"
#include "util/log.h"

#define OUTPUT_TYPES_MAX 32

static const output_ops *output_types[OUTPUT_TYPES_MAX] = {
    &json_output_ops, &csv_output_ops,  &influx_output_ops,
    &prw_output_ops,  &otel_output_ops, &otel_experimental_output_ops,
};
static size_t output_ntypes = 6;

const output_ops *output_find(const char *type, size_t len) {
    for (size_t i = 0; i < output_ntypes; i++)
        if (strlen(output_types[i]->name) == len && strncmp(output_types[i]->name, type, len) == 0)
            return output_types[i];
    return NULL;
}

int output_register(const output_ops *ops) {
    if (output_ntypes == OUTPUT_TYPES_MAX || output_find(ops->name, strlen(ops->name))) return -1;
    output_types[output_ntypes++] = ops;
    return 0;
}

static const char *output_specs[OUTPUT_TYPES_MAX];
static size_t output_nspecs;

int output_enable(const char *spec) {
    if (output_nspecs == OUTPUT_TYPES_MAX) return -1;
    output_specs[output_nspecs++] = spec;
    return 0;
}

size_t output_enabled(const char *const **specs) {
    *specs = output_specs;
    return output_nspecs;
}

/* k6's errors for an -o type it does not have or no longer has
 * (internal/cmd/outputs.go and outputs_builtin.go, createOutputs and
 * getAllOutputConstructors): the types it lists are all but kafka and
 * datadog, sorted. */
static void output_unknown(const char *type, size_t tl, char *err, size_t errlen) {
    static const struct {
        const char *type, *why;
    } gone[] = {
        {"kafka", "the kafka output was deprecated in k6 v0.32.0 and removed in k6 v0.34.0, please use the new "
                  "xk6 kafka output extension instead - https://github.com/k6io/xk6-output-kafka"},
        {"statsd",
         "the statsd output was deprecated in k6 v0.47.0 and removed in k6 v0.55.0, please use the new "
         "xk6 statsd output extension instead. It can be found at https://github.com/LeonAdato/xk6-output-statsd "
         "and more info at https://github.com/grafana/k6/issues/2982"},
        {"datadog", "the datadog output was deprecated in k6 v0.32.0 and removed in k6 v0.34.0, please use the statsd "
                    "output extension https://github.com/LeonAdato/xk6-output-statsd with environment variable "
                    "K6_STATSD_ENABLE_TAGS=true or an experimental opentelemetry output instead"},
        /* k6 has these; c6 does not */
        {"cloud", "c6 does not have it"},
        {"timescaledb-breakingit", "c6 does not have it"},
    };
    for (size_t i = 0; i < sizeof gone / sizeof *gone; i++)
        if (strlen(gone[i].type) == tl && strncmp(type, gone[i].type, tl) == 0) {
            snprintf(err, errlen, "could not create the '%.*s' output: %s", (int)tl, type, gone[i].why);
            return;
        }
    snprintf(err, errlen,
             "invalid output type '%.*s', available types are: cloud, csv, experimental-opentelemetry, "
             "experimental-prometheus-rw, influxdb, json, opentelemetry, statsd, timescaledb-breakingit, web-dashboard",
             (int)tl, type);
}

int outputs_add(outputs *os, engine *eng, const output_ops *ops, const output_params *p, char *err, size_t errlen) {
    char e2[512] = "";
    void *out = os->n < OUTPUTS_MAX ? ops->open(p, e2, sizeof e2) : NULL;
    if (os->n == OUTPUTS_MAX) snprintf(e2, sizeof e2, "more than %d outputs", OUTPUTS_MAX);
    if (out && eng && engine_add_listener(eng, ops->sample, out)) {
        ops->close(out, e2, sizeof e2);
        snprintf(e2, sizeof e2, "more than %d outputs", ENGINE_MAX_LISTENERS);
        out = NULL;
    }
    if (!out) {
        snprintf(err, errlen, "could not create the '%s' output: %s", ops->name, e2);
        return -1;
    }
    os->v[os->n].ops = ops;
    os->v[os->n++].out = out;
    return 0;
}

int outputs_open(outputs *os, engine *eng, const char *type, size_t tl, const output_params *p, char *err,
                 size_t errlen) {
    const output_ops *ops = output_find(type, tl);
    if (!ops) {
        output_unknown(type, tl, err, errlen);
        return -1;
    }
    return outputs_add(os, eng, ops, p, err, errlen);
}

/* k6 joins them with ", " (internal/cmd/ui.go, printExecutionDescription). */
void outputs_describe(const outputs *os, buf *b) {
    for (size_t i = 0; i < os->n; i++) {
        if (b->len) buf_puts(b, ", ");
        os->v[i].ops->describe(os->v[i].out, b);
    }
}

void outputs_tick(outputs *os) {
    for (size_t i = 0; i < os->n; i++) os->v[i].ops->tick(os->v[i].out);
}

int outputs_close(outputs *os) {
    int rc = 0;
    for (size_t i = 0; i < os->n; i++) {
        char e[512];
        if (os->v[i].ops->close(os->v[i].out, e, sizeof e)) {
            /* k6 output/manager.go stopOutputs: logged, the run's exit code stays */
            char msg[64];
            snprintf(msg, sizeof msg, "Stopping output %zu failed", i);
            log_msg_field(LOG_ERROR, msg, "error", e);
            rc = -1;
        }
    }
    os->n = 0;
    return rc;
}
