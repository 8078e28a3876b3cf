/* options.scenarios (config/scenarios.c): a hostile scenarios object read,
 * validated, described for the banner and planned (durations, VU counts),
 * and deep-copied as the consolidation does.
 * Input: the JSON text of the scenarios object.
 * FUZZ_ARGS: -max_len=8192 -dict=@DIR@/options.dict */
#include <cJSON.h>
#include "fuzz.h"
#include "config/scenarios.h"

/* See FZ_MAX_PLANNED_VUS. */
static bool too_big(const c6_scenario *s) {
    if (s->start_vus > FZ_MAX_PLANNED_VUS || s->start_vus < -FZ_MAX_PLANNED_VUS) return true;
    for (size_t i = 0; i < s->nstages; i++)
        if (s->stages[i].target > FZ_MAX_PLANNED_VUS || s->stages[i].target < -FZ_MAX_PLANNED_VUS) return true;
    return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *text = fz_dup(data, size);
    cJSON *obj = cJSON_ParseWithLength(text, size);
    free(text);
    if (!obj) return 0;
    c6_scenario *sc = NULL;
    size_t n = 0;
    char err[1024], vmsg[1024], line[512];
    if (scenarios_parse_json(obj, "script options", &sc, &n, err, sizeof err, vmsg, sizeof vmsg) == 0) {
        bool big = false;
        for (size_t i = 0; i < n; i++) big |= too_big(&sc[i]);
        for (size_t i = 0; i < n && !big; i++) {
            scenario_validate(&sc[i], err, sizeof err);
            scenario_describe(&sc[i], line, sizeof line);
            scenario_duration_us(&sc[i]);
            scenario_max_duration_us(&sc[i]);
            scenario_planned_vus(&sc[i]);
            scenario_max_vus(&sc[i]);
            c6_scenario copy;
            scenario_copy(&copy, &sc[i]);
            scenario_free(&copy);
        }
        if (!big) {
            scenarios_max_vus(sc, n);
            scenarios_max_unplanned_vus(sc, n);
            scenarios_max_duration_us(sc, n);
        }
        for (size_t i = 0; i < n; i++) scenario_free(&sc[i]);
        free(sc);
    } else if (!err[0]) abort();
    sc = NULL;
    n = 0;
    if (scenarios_from_json(obj, "k6.json", &sc, &n, err, sizeof err) == 0) {   /* reads and validates, plans nothing */
        for (size_t i = 0; i < n; i++) scenario_free(&sc[i]);
        free(sc);
    }
    cJSON_Delete(obj);
    return 0;
}
