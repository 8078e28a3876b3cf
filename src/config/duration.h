/* duration.h - k6 duration syntax: parsing and Go-style formatting.
 *
 * All durations are int64 microseconds. k6 accepts three spellings, and which
 * one applies depends on where the value comes from:
 *
 *   duration_parse       option strings (script `options`, config file, K6_*
 *                        env vars): Go syntax ("1h30m10s", "1.5s", "500ms",
 *                        "100us"/"100µs", "10ns"), k6's leading days
 *                        ("1d", "2d12h"), and a bare number, which k6 reads
 *                        as MILLISECONDS ("1500" = 1.5s).
 *   duration_parse_flag  stage text ("30s:10" in -s and K6_STAGES): the same
 *                        without bare numbers (other than "0").
 *   duration_go_parse    Go's time.ParseDuration alone (the -d flag).
 *   duration_from_json_ms  a JSON number in options/config: milliseconds.
 *
 * Negative durations are rejected by both parsers. Sub-microsecond parts are
 * rounded to the nearest microsecond ("10ns" -> 0, "1500ns" -> 2us).
 */
#ifndef C6_CONFIG_DURATION_H
#define C6_CONFIG_DURATION_H

#include <stddef.h>
#include <stdint.h>

#define C6_US_PER_MS   1000LL
#define C6_US_PER_SEC  1000000LL
#define C6_US_PER_MIN  (60LL * C6_US_PER_SEC)
#define C6_US_PER_HOUR (60LL * C6_US_PER_MIN)

/* The parsers' results: 0, or one of these with err set. */
#define DURATION_INVALID (-1) /* k6 refuses it too, with the same text (Go's, k6's) */
#define DURATION_OUT_OF_RANGE                                                                                          \
    (-2) /* negative, or beyond int64 ns: c6's own text,
                                        `invalid duration "-1s": must not be negative` */

/* k6's types.ParseExtendedDuration (lib/types/types.go), the one parser of
 * option strings (script options, config file, K6_* variables, outputs'
 * intervals, http params.timeout): a number strconv.ParseFloat takes is
 * milliseconds; otherwise text with a 'd' is "<days>d[<Go duration>]" (errors:
 * Go's for the part after the "d", `invalid time format '-1h'` when it is
 * negative, `strconv.ParseInt: parsing "x": invalid syntax` for the days);
 * any other text goes to Go's time.ParseDuration and its errors. */
int duration_parse(const char *s, int64_t *out_us, char *err, size_t errlen);
/* The same without the number branch ("30" is `time: missing unit in
 * duration "30"`): stage text of -s and K6_STAGES. */
int duration_parse_flag(const char *s, int64_t *out_us, char *err, size_t errlen);
/* Go's time.ParseDuration exactly (what pflag's Duration flags use, as
 * k6's -d): signed nanoseconds, or DURATION_INVALID with Go's text in err:
 * `time: invalid duration "x"` (also on overflow), `time: missing unit in
 * duration "30"`, `time: unknown unit "d" in duration "1d"`. */
int duration_go_parse(const char *s, int64_t *out_ns, char *err, size_t errlen);

/* Milliseconds (a JSON number) to microseconds, rounded; saturates at the
 * int64 range. Callers reject negative or non-finite values themselves. */
int64_t duration_from_json_ms(double ms);

/* Go's time.Duration.String(): "0s", "500µs", "1.5ms", "10s", "1m30s",
 * "1h0m0s", "-2s". Always NUL-terminates when n > 0 (32 bytes is enough). */
void duration_format(char *buf, size_t n, int64_t us);

#endif
