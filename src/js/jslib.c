#include "js/jslib.h"

#include <string.h>

static const char k6_utils_src[] =
#include "jslib_k6_utils.inc"
    ;
/* built at build time from the real libraries (Makefile, scripts/jslib_bundle.py) */
static const char papaparse_src[] =
#include "jslib_gen_papaparse.inc"
    ;
static const char url_src[] =
#include "jslib_gen_url.inc"
    ;
static const char chai_src[] =
#include "jslib_gen_chai.inc"
    ;
static const char httpx_src[] =
#include "jslib_httpx.inc"
    ;
static const char k6chaijs_src[] =
#include "jslib_k6chaijs.inc"
    ;
static const char k6chaijs_4340_src[] =
#include "jslib_k6chaijs_4_3_4_0.inc"
    ;
static const char k6chaijs_4342_src[] =
#include "jslib_k6chaijs_4_3_4_2.inc"
    ;

typedef struct {
    const char *url_prefix; /* any version under it; NULL: imported by c6's modules only */
    const char *name;
    const char *src;
    size_t len;
} jslib_entry;

static const jslib_entry jslibs[] = {
    {"https://jslib.k6.io/k6-utils/", "c6:jslib/k6-utils.js", k6_utils_src, sizeof k6_utils_src - 1},
    {"https://jslib.k6.io/papaparse/", "c6:jslib/papaparse.js", papaparse_src, sizeof papaparse_src - 1},
    {"https://jslib.k6.io/url/", "c6:jslib/url.js", url_src, sizeof url_src - 1},
    {"https://jslib.k6.io/httpx/", "c6:jslib/httpx.js", httpx_src, sizeof httpx_src - 1},
    /* k6chaijs' older versions: the glue differs (src/js/jslib/k6chaijs.js) */
    {"https://jslib.k6.io/k6chaijs/4.3.4.0/", "c6:jslib/k6chaijs-4.3.4.0.js", k6chaijs_4340_src,
     sizeof k6chaijs_4340_src - 1},
    {"https://jslib.k6.io/k6chaijs/4.3.4.1/", "c6:jslib/k6chaijs-4.3.4.0.js", k6chaijs_4340_src,
     sizeof k6chaijs_4340_src - 1},
    {"https://jslib.k6.io/k6chaijs/4.3.4.2/", "c6:jslib/k6chaijs-4.3.4.2.js", k6chaijs_4342_src,
     sizeof k6chaijs_4342_src - 1},
    {"https://jslib.k6.io/k6chaijs/", "c6:jslib/k6chaijs.js", k6chaijs_src, sizeof k6chaijs_src - 1},
    {NULL, "c6:jslib/chai.js", chai_src, sizeof chai_src - 1},
};

const char *jslib_module_for_url(const char *url) {
    for (size_t i = 0; i < sizeof jslibs / sizeof *jslibs; i++)
        if (jslibs[i].url_prefix && strncmp(url, jslibs[i].url_prefix, strlen(jslibs[i].url_prefix)) == 0)
            return jslibs[i].name;
    return NULL;
}

const char *jslib_source(const char *name, size_t *len) {
    for (size_t i = 0; i < sizeof jslibs / sizeof *jslibs; i++)
        if (strcmp(name, jslibs[i].name) == 0) {
            *len = jslibs[i].len;
            return jslibs[i].src;
        }
    return NULL;
}
