/* `-o csv=FILE`: k6's CSV output.
 *
 * Header, then one row per sample:
 *   metric_name,timestamp,metric_value,check,error,error_code,expected_response,
 *   group,method,name,proto,scenario,service,status,subproto,tls_version,url,
 *   extra_tags,metadata
 *   http_reqs,1595325560,1.000000,,,,true,,GET,http://x/,HTTP/1.1,default,,200,,,http://x/,,
 * The tag columns are the enabled system tags (k6's default set unless
 * systemTags says otherwise) sorted by name, without vu and iter; any other
 * tag goes to extra_tags as "k=v&k2=v2" (sorted; k6's order is random), and
 * vu / iter, which k6 keeps as sample metadata, to metadata the same way.
 * Values print as Go's %f (6 decimals); the timestamp follows timeFormat
 * (default unix seconds). Fields are quoted as Go's encoding/csv does: when
 * they hold a comma, a quote, CR or LF, or start with a space. "-" or "" is
 * stdout; a name ending in ".gz" is gzipped. */
#ifndef C6_CSV_OUTPUT_H
#define C6_CSV_OUTPUT_H
#include <stddef.h>
#include <stdint.h>
#include "metrics/samples.h"
#include "output/output.h"
#include "util/buf.h"

typedef enum {
    CSV_TIME_UNIX,         /* "unix": seconds (default) */
    CSV_TIME_UNIX_MILLI,   /* "unix_milli" */
    CSV_TIME_UNIX_MICRO,   /* "unix_micro" */
    CSV_TIME_UNIX_NANO,    /* "unix_nano" */
    CSV_TIME_RFC3339,      /* "rfc3339": 2026-11-22T10:00:00Z */
    CSV_TIME_RFC3339_NANO, /* "rfc3339_nano": 2026-11-22T10:00:00.123456Z */
} csv_time_format;

/* The output's settings, from k6's sources: defaults (file.csv, 1s, unix) <
 * K6_CSV_FILENAME / K6_CSV_SAVE_INTERVAL / K6_CSV_TIME_FORMAT < the -o
 * argument, which is a file name or "fileName=f.csv,saveInterval=2s,
 * timeFormat=rfc3339" (file_name / save_interval accepted as k6 does). */
typedef struct csv_config {
    char *file_name;
    int64_t save_interval_us;
    csv_time_format time_format;
} csv_config;

/* Fills c (free with csv_config_free). arg may be NULL. Returns 0, or -1
 * with a message for an unknown key, a bad duration or time format. */
int csv_config_parse(csv_config *c, const char *arg, char *err, size_t errlen);
void csv_config_free(csv_config *c);
/* "unix", "unix_nano", ... as listed above; -1 when unknown. */
int csv_time_format_parse(const char *s, csv_time_format *out);

typedef struct csv_output csv_output;

/* `-o csv[=ARG]`, ARG as csv_config_parse takes it; the systemTags option
 * from the output's params. */
extern const output_ops csv_output_ops;

/* k6's defaults: unix seconds, 1 s flushes, the default system tag columns.
 * mono0_ns/wall0_ns: one instant on both clocks, as json_output_open. */
csv_output *csv_output_open(const char *path, int64_t mono0_ns, int64_t wall0_ns, char *err, size_t errlen);
/* With a config, and the enabled system tags (the systemTags option; NULL:
 * k6's default set) that become columns. */
csv_output *csv_output_open_config(const csv_config *c, const char *const *system_tags, size_t nsystem_tags,
                                   int64_t mono0_ns, int64_t wall0_ns, char *err, size_t errlen);
/* Appends the output's name for the banner's "output:" line, as k6's
 * Description() (internal/output/csv/output.go): "csv (FILE)" or
 * "csv (stdout)". */
void csv_output_describe(const csv_output *o, buf *b);
/* One sample with its packed tag set; ctx is the csv_output. */
void csv_output_sample(void *ctx, const sample *s, const char *tags, size_t tags_len);
int csv_output_flush(csv_output *o);
/* From a timer: flushes if the output's interval has passed (no sample needed). */
void csv_output_tick(csv_output *o);
/* Flushes, closes and frees. Returns 0, or -1 with a message if any write
 * failed. NULL is a no-op. */
int csv_output_close(csv_output *o, char *err, size_t errlen);

#endif
