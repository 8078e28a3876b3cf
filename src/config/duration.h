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
 *   duration_parse_flag  CLI flags (-d) and stage text ("30s:10" in -s and
 *                        K6_STAGES): Go syntax only, so a bare number other
 *                        than "0" is an error (k6: "missing unit"). c6 also
 *                        accepts leading days here, which k6 rejects.
 *   duration_from_json_ms  a JSON number in options/config: milliseconds.
 *
 * Negative durations are rejected by both parsers. Sub-microsecond parts are
 * rounded to the nearest microsecond ("10ns" -> 0, "1500ns" -> 2us).
 */
#ifndef C6_CONFIG_DURATION_H
#define C6_CONFIG_DURATION_H

#include <stddef.h>
#include <stdint.h>

#define C6_US_PER_MS  1000LL
#define C6_US_PER_SEC 1000000LL
#define C6_US_PER_MIN (60LL * C6_US_PER_SEC)
#define C6_US_PER_HOUR (60LL * C6_US_PER_MIN)

/* 0 on success; -1 with err = `invalid duration "1x": unknown unit "x" (use ms, s, m, h)`. */
int duration_parse(const char *s, int64_t *out_us, char *err, size_t errlen);
int duration_parse_flag(const char *s, int64_t *out_us, char *err, size_t errlen);
/* Whether Go's time.ParseDuration (what pflag uses for k6's duration flags)
 * accepts s: 0, or -1 with Go's own error in err: `time: invalid duration
 * "x"`, `time: missing unit in duration "30"`, `time: unknown unit "d" in
 * duration "1d"`. */
int duration_go_check(const char *s, char *err, size_t errlen);

/* Milliseconds (a JSON number) to microseconds, rounded; saturates at the
 * int64 range. Callers reject negative or non-finite values themselves. */
int64_t duration_from_json_ms(double ms);

/* Go's time.Duration.String(): "0s", "500µs", "1.5ms", "10s", "1m30s",
 * "1h0m0s", "-2s". Always NUL-terminates when n > 0 (32 bytes is enough). */
void duration_format(char *buf, size_t n, int64_t us);

#endif
