/* URL references resolved as Go's ResolveReference (util/urlref.c: how a
 * Location header and clickLink/submitForm are followed) and absolute URLs
 * split by the program's one splitter (util/url.c: the HTTP client, k6/ws
 * and the cookie jar use it). Resolving the result again against itself
 * must not change it. url_parse_error (why Go's url.Parse refuses a
 * Location) writes a "parse ..." text exactly when it says it failed.
 * Input: "base\0reference".
 * FUZZ_ARGS: -max_len=4096 -dict=@DIR@/url.dict */
#include "fuzz.h"
#include "util/url.h"
#include "util/urlref.h"

/* url_split: what it cuts points inside s, or it names why it failed */
static void split(const char *s) {
    url_parts u;
    size_t n = strlen(s);
    const char *why = url_split(s, &u);
    if (why) {
        if (!why[0]) abort();
        return;
    }
#define INSIDE(p, l) ((p) >= s && (p) + (l) <= s + n)
    if (!INSIDE(u.scheme, u.scheme_len) || !INSIDE(u.host, u.hostlen)) abort();
    if (u.userinfo && !INSIDE(u.userinfo, u.userinfo_len)) abort();
    if (!u.rest || (u.rest[0] && !INSIDE(u.rest, strlen(u.rest)))) abort();
    if (u.port < 0 || u.port > 65535) abort();
#undef INSIDE
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fz_in in = {data, size};
    char *base = fz_str(&in), *ref = fz_str(&in);
    buf out = {0};
    if (url_resolve(&out, base, ref) == 0 && out.p) {
        if (strlen(out.p) != out.len) abort();
        split(out.p);
        buf again = {0};
        url_resolve(&again, out.p, "");
        buf_free(&again);
    }
    split(base);
    split(ref);
    buf why = {0};
    int bad = url_parse_error(&why, ref);
    if (bad != (why.len > 0) || (bad && (strncmp(why.p, "parse \"", 7) != 0 || strlen(why.p) != why.len))) abort();
    buf_free(&why);
    buf_free(&out);
    free(base);
    free(ref);
    return 0;
}
