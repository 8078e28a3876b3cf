/* `-o influxdb=URL`: k6's InfluxDB v1 output.
 *
 * Every sample becomes a line of InfluxDB's line protocol:
 *   http_req_duration,method=GET,status=200 value=1.234,url="http://x/" 1700000000123456000
 * measurement = metric name, tags = the sample's tags except those listed in
 * tagsAsFields, which become fields (default vu, iter, url as strings;
 * "vu:int" makes an integer field, also :float, :bool, :string; a value that
 * does not parse stays a string), field `value`, timestamp in the configured
 * precision (ns by default). Lines are batched and POSTed to
 * ADDR[/prefix]/write?db=DB&precision=P every pushInterval (1 s) from
 * sender threads (concurrentWrites, 4), never from the metrics thread (see
 * output/pusher.h for the memory budget and what happens when the server
 * is slow or down: warnings, the run goes on). At start a
 * `CREATE DATABASE "DB"` query is sent to /query, whose failure is harmless
 * (a write-only user), as in k6.
 *
 * Settings: defaults (http://localhost:8086, db k6) < K6_INFLUXDB_ADDR,
 * _DB, _USERNAME, _PASSWORD, _INSECURE, _PUSH_INTERVAL, _CONCURRENT_WRITES,
 * _TAGS_AS_FIELDS, _PRECISION, _RETENTION, _CONSISTENCY, _PROXY (and
 * _PAYLOAD_SIZE, accepted, UDP only in k6) < the -o argument:
 * scheme://[user:pass@]host[:port][/prefix]/db[?insecure=..&precision=..
 * &retention=..&consistency=..&pushInterval=..&concurrentWrites=..
 * &tagsAsFields=..&payload_size=..]. The last path segment is the
 * database; with a trailing slash the whole path is a prefix. udp:// is
 * not supported. */
#ifndef C6_INFLUXDB_OUTPUT_H
#define C6_INFLUXDB_OUTPUT_H
#include <stddef.h>
#include <stdint.h>
#include "metrics/samples.h"
#include "output/output.h"
#include "util/buf.h"

typedef struct influx_output influx_output;

/* `-o influxdb[=URL]` */
extern const output_ops influx_output_ops;

/* arg: the text after "influxdb=" (NULL or "": defaults). envp: the
 * environment to read K6_INFLUXDB_* from. NULL with a message when a
 * setting is wrong. mono0_ns/wall0_ns as json_output_open. */
influx_output *influx_output_open(const char *arg, char *const *envp, int64_t mono0_ns, int64_t wall0_ns, char *err,
                                  size_t errlen);
/* Appends the output's name for the banner's "output:" line, as k6's
 * Description() (internal/output/influxdb/output.go): "InfluxDBv1 (ADDR)"
 * with ADDR scheme://host[:port], without user, path or database. */
void influx_output_describe(const influx_output *o, buf *b);
/* One sample with its packed tag set; ctx is the influx_output. */
void influx_output_sample(void *ctx, const sample *s, const char *tags, size_t tags_len);
/* From a timer: hands the batch to the senders when the interval has passed. */
void influx_output_tick(influx_output *o);
/* Sends what is left, waits for the senders, logs what could not be
 * written (a warning: the run's result does not depend on it) and frees.
 * NULL is a no-op. */
void influx_output_close(influx_output *o);

#endif
