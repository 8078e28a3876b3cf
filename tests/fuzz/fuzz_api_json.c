/* The REST API's JSON decoding (api/server.c, util/gojson.c): a PATCH
 * /v1/status body checked as Go's scanner does and decoded into k6's
 * v1.Status; the error names an offset inside the input.
 * Input: the body.
 * FUZZ_ARGS: -max_len=4096 -dict=@DIR@/api_json.dict */
#include "fuzz.h"
#include "api/server.h"
#include "util/gojson.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *body = fz_dup(data, size);
    char err[512];
    size_t off = (size_t)-1;
    int ok = gojson_check(body, size, err, sizeof err, &off) == 0;
    if (!ok && (off > size || !err[0])) abort();
    api_status_doc doc;
    if (api_status_decode(body, size, &doc, err, sizeof err) == 0) {
        if (!ok) abort(); /* decoded what the scanner refuses */
    } else if (!err[0]) abort();
    free(body);
    return 0;
}
