/* options.scenarios (config/scenarios.c): a hostile scenarios object read,
 * validated, described for the banner and planned (durations, VU counts),
 * and deep-copied as the consolidation does.
 * Input: the JSON text of the scenarios object.
 * FUZZ_ARGS: -max_len=8192 -dict=@DIR@/options.dict */
#include <cJSON.h>
#include "fuzz.h"
#include "config/scenarios.h"
#include "exec/capacity.h"

/* A machine of 1 GiB (about 7,900 VUs), the same on every host: what it
 * cannot hold is refused before it is planned per VU, as c6 run does with
 * the host's figures (exec/capacity.h). */
static const capacity fz_machine = {(uint64_t)1 << 30, UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX, UINT64_MAX, 0};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *text = fz_dup(data, size);
    cJSON *obj = cJSON_ParseWithLength(text, size);
    free(text);
    if (!obj) return 0;
    c6_scenario *sc = NULL;
    size_t n = 0;
    char err[1024], vmsg[1024], line[512];
    if (scenarios_parse_json(obj, "script options", &sc, &n, err, sizeof err, vmsg, sizeof vmsg) == 0) {
        /* planned only when valid, as options_plan does (an unvalidated
         * ramp to a target of -8e18 would be planned one VU at a time) */
        bool valid = true;
        for (size_t i = 0; i < n; i++) valid &= scenario_validate(&sc[i], err, sizeof err) == 0;
        scen_totals t;
        err[0] = 0;
        bool planned = valid && scenarios_totals(sc, n, &fz_machine, &t, err, sizeof err) == 0;
        if (valid && !planned && !err[0]) abort();
        for (size_t i = 0; i < n; i++) {
            scenario_describe(&sc[i], line, sizeof line);
            scenario_duration_us(&sc[i]);
            if (planned) scenario_max_duration_us(&sc[i]); /* plans it per VU */
            scenario_planned_vus(&sc[i]);
            scenario_max_vus(&sc[i]);
            c6_scenario copy;
            scenario_copy(&copy, &sc[i]);
            scenario_free(&copy);
        }
        for (size_t i = 0; i < n; i++) scenario_free(&sc[i]);
        free(sc);
    } else if (!err[0]) abort();
    sc = NULL;
    n = 0;
    if (scenarios_from_json(obj, "k6.json", &sc, &n, err, sizeof err) == 0) { /* reads and validates, plans nothing */
        for (size_t i = 0; i < n; i++) scenario_free(&sc[i]);
        free(sc);
    }
    cJSON_Delete(obj);
    return 0;
}
