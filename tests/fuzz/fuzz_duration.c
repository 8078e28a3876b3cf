/* k6 durations (config/duration.c): option syntax, flag syntax, Go's
 * ParseDuration, and formatting of what was parsed.
 * Input: the text.
 * FUZZ_ARGS: -max_len=256 -dict=@DIR@/duration.dict */
#include <math.h>
#include "fuzz.h"
#include "config/duration.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *s = fz_dup(data, size);
    char err[256], out[64];
    int64_t us;
    if (duration_parse(s, &us, err, sizeof err) == 0) {
        if (us < 0) abort(); /* negative durations are refused */
        duration_format(out, sizeof out, us);
        int64_t back;
        if (duration_parse_flag(out, &back, err, sizeof err) == 0 && back != us) abort();
    } else if (!err[0]) abort();
    if (duration_parse_flag(s, &us, err, sizeof err) == 0) {
        if (us < 0) abort();
        duration_format(out, sizeof out, us);
    } else if (!err[0]) abort();
    int64_t ns;
    if (duration_go_parse(s, &ns, err, sizeof err) == 0) { /* Go's syntax is a part of the flag syntax */
        if (ns >= 0 && (duration_parse_flag(s, &us, err, sizeof err) != 0 || us != ns / 1000 + (ns % 1000 >= 500)))
            abort();
    } else if (strncmp(err, "time: ", 6) != 0) abort();
    if (size >= 8) {
        double ms;
        memcpy(&ms, data, 8);
        duration_from_json_ms(ms);
        int64_t v;
        memcpy(&v, data, 8);
        duration_format(out, sizeof out, v);
        if (strlen(out) >= sizeof out) abort();
    }
    free(s);
    return 0;
}
