/* Outputs: where a run's samples go besides the summary (k6's -o
 * TYPE[=ARG]), each behind one interface, found by TYPE in a registry.
 *
 * An output is opened before the test starts, is handed every sample the
 * metrics engine drains (a batch at a time, on the metrics thread), is
 * ticked about every 20 ms from that thread (to flush or push on its own
 * interval while no sample comes), and is closed once the workers have
 * stopped and the last samples were drained. The built-in ones are json,
 * csv, influxdb and experimental-prometheus-rw; a module that adds one
 * (a distributed run's sample forwarder, say) calls output_register()
 * before the run opens its outputs, and `-o NAME` finds it (or
 * output_enable() opens it in every run without -o); or it opens it itself
 * with outputs_add(). The web dashboard is not one of these: it
 * reads the engine's sinks, not samples (output/dashboard.h). */
#ifndef C6_OUTPUT_H
#define C6_OUTPUT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "metrics/engine.h"
#include "util/buf.h"

/* A threshold as the run parsed it, for outputs that list them (json). */
typedef struct output_threshold {
    int metric;         /* registry id */
    int sub;            /* engine sub-metric index, or -1 for the metric itself */
    const char *source; /* the expression as written */
    bool abort_on_fail;
    int64_t delay_abort_us; /* delayAbortEval; 0: not set */
} output_threshold;

/* What an output is opened with. */
typedef struct output_params {
    const char *arg;                /* the text after "TYPE=", NULL without '=' */
    char *const *env;               /* the environment (K6_* settings) */
    int64_t mono0_ns, wall0_ns;     /* one instant on both clocks: sample times to wall time */
    const char *const *system_tags; /* the systemTags option; NULL: k6's default set */
    size_t nsystem_tags;
    const output_threshold *thresholds; /* in the order they were given */
    size_t nthresholds;
    const engine *eng; /* its sub-metrics (engine_submetric_*) are all added */
} output_params;

typedef struct output_ops {
    const char *name; /* the -o TYPE */
    /* The output's state, or NULL with a message (k6 wraps it in "could
     * not create the 'TYPE' output: ..."). */
    void *(*open)(const output_params *p, char *err, size_t errlen);
    /* Appends its text for the banner's "output:" list (k6's Description()). */
    void (*describe)(const void *out, buf *b);
    /* n samples of one source, whose tag ids are in `tags` (metrics thread). */
    engine_listener *sample;
    /* About every 20 ms from the metrics thread (also while idle). */
    void (*tick)(void *out);
    /* Writes what is left and frees. 0, or -1 with a message when data was
     * lost in a way that fails the run (a file output's write error); a
     * network output logs its losses itself and returns 0. */
    int (*close)(void *out, char *err, size_t errlen);
} output_ops;

/* The body of an output's `sample` op: each sample with its packed tag
 * set to fn. With fn a function of the caller's file the compiler makes
 * it a direct call (or inlines it): no indirection per sample. */
static inline void output_each_sample(void *out, const sample *s, size_t n, const tagdict *tags,
                                      void (*fn)(void *out, const sample *s, const char *tags, size_t len)) {
    for (size_t i = 0; i < n; i++) {
        size_t len;
        const char *p = tagdict_get(tags, s[i].tags, &len);
        fn(out, &s[i], p, len);
    }
}

/* Adds an output type to the registry (not thread-safe: at start-up).
 * -1 when the registry is full or the name is taken. */
int output_register(const output_ops *ops);
/* The registered output of that TYPE, or NULL. */
const output_ops *output_find(const char *type, size_t len);
/* Makes every run of this process open "TYPE[=ARG]" as if -o gave it,
 * after the command line's outputs (a distributed run's agent forwarding
 * its samples, say). spec is not copied. -1 when too many. */
int output_enable(const char *spec);
/* Those specs, in the order enabled. */
size_t output_enabled(const char *const **specs);

/* A run's open outputs, in the order they were opened. */
#define OUTPUTS_MAX 16
typedef struct outputs {
    struct {
        const output_ops *ops;
        void *out;
    } v[OUTPUTS_MAX];
    size_t n;
} outputs;

/* Opens an output of TYPE type[0..tl) and, with eng, makes it an engine
 * listener. 0, or -1 with k6's message: "could not create the 'TYPE'
 * output: ...", or for a TYPE it does not know "invalid output type
 * 'TYPE', available types are: ..." (internal/cmd/outputs.go,
 * createOutputs). */
int outputs_open(outputs *os, engine *eng, const char *type, size_t tl, const output_params *p, char *err,
                 size_t errlen);
/* The same with the ops at hand (not looked up by name). */
int outputs_add(outputs *os, engine *eng, const output_ops *ops, const output_params *p, char *err, size_t errlen);
/* The banner's "output:" value: each output's description, ", " between. */
void outputs_describe(const outputs *os, buf *b);
void outputs_tick(outputs *os);
/* Closes every output (logging "TYPE output: ..." for each that failed);
 * -1 if one did. Afterwards os is empty. Call when no drain can run. */
int outputs_close(outputs *os);

#endif
