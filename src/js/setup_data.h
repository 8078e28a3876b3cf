/* setup_data.h - setup()'s result as k6 stores it (Go's JSON of sobek's
 * export, not JSON.stringify): see setup_data.c for what that implies. */
#ifndef C6_JS_SETUP_DATA_H
#define C6_JS_SETUP_DATA_H
#include <quickjs.h>
#include <stddef.h>

/* Sets *out to v's JSON (malloc'd), or NULL when v is undefined (no setup
 * data). Returns 0, or -1 with Go's json.Marshal error in err ("json:
 * unsupported value: encountered a cycle via map[string]interface {}"),
 * which k6 reports as "error marshaling setup() data to JSON: <err>". */
int setup_data_json(JSContext *ctx, JSValueConst v, char **out, char *err, size_t errlen);

#endif
