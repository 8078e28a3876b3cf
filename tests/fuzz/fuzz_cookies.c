/* Set-Cookie parsing and the cookie jar (net/cookies.c): a hostile header
 * block stored for a URL, then the cookies for other URLs read back,
 * deleted and cleared, as a VU's jar sees them across redirects.
 * Input: "url\0url2\0header block" (each part may be anything).
 * FUZZ_ARGS: -max_len=8192 -dict=@DIR@/cookies.dict */
#include "fuzz.h"
#include "util/url.h"
#include "net/cookies.h"

static void each(const cookie_attrs *c, void *ud) {
    (void)ud;
    if (c->name.n && !c->name.p) abort();
}

static void send_cb(const char *name, const char *value, void *ud) {
    size_t *total = ud;
    *total += strlen(name) + strlen(value);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fz_in in = {data, size};
    char *url = fz_str(&in), *url2 = fz_str(&in);
    char *hdrs = fz_dup(in.p, in.n);
    int64_t now = 1700000000;

    cookie_attrs a;
    if (cookies_parse(hdrs, in.n, &a)) {
        if (a.name.p < hdrs || a.name.p + a.name.n > hdrs + in.n) abort();
    }
    int64_t t;
    cookies_parse_time(hdrs, in.n, &t);
    cookies_each_set_cookie(hdrs, in.n, each, NULL);

    cookie_jar *j = cookies_new();
    if (!j) return 0;
    cookies_store(j, url, hdrs, in.n, now);
    cookies_store(j, url2, hdrs, in.n, now);
    size_t total = 0;
    cookies_for_url(j, url, now, send_cb, &total);
    cookies_for_url(j, url2, now + 86400 * 365, send_cb, &total);
    cookies_delete(j, url, url2, now);
    cookies_clear_url(j, url2, now);
    cookies_for_url(j, url2, now, send_cb, &total);
    url_parts parts;
    if (!url_split(url, &parts) && parts.hostlen > strlen(url)) abort(); /* the splitter the jar uses */
    cookies_clear(j);
    cookies_free(j);
    free(url);
    free(url2);
    free(hdrs);
    return 0;
}
