/* `-o opentelemetry` (and `-o experimental-opentelemetry`, the same with
 * k6's warning): k6's OpenTelemetry output, OTLP metrics over gRPC (k6's
 * default) or HTTP with a protobuf body (K6_OTEL_EXPORTER_PROTOCOL=
 * http/protobuf). See otel.c for the mapping of k6's metrics; settings are
 * k6's K6_OTEL_* (and OTEL_SERVICE_NAME). */
#ifndef C6_OTEL_OUTPUT_H
#define C6_OTEL_OUTPUT_H
#include <stddef.h>
#include <stdint.h>
#include "metrics/samples.h"
#include "output/output.h"
#include "util/buf.h"

typedef struct otel_output otel_output;

otel_output *otel_output_open(const char *arg, char *const *envp, int64_t mono0_ns, int64_t wall0_ns, char *err,
                              size_t errlen);
void otel_output_sample(void *ctx, const sample *s, const char *tags, size_t tags_len);
void otel_output_describe(const otel_output *o, buf *b);
void otel_output_tick(otel_output *o);
/* Exports what is left, waits for the sender (bounded), logs what was
 * lost, frees. */
void otel_output_close(otel_output *o);

extern const output_ops otel_output_ops, otel_experimental_output_ops;

#endif
