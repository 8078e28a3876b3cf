/* k6/html (html/select.c over html/dom.c and gumbo): a hostile selector
 * compiled and run on a hostile document; every match is rendered (outer,
 * inner, text) as Selection.html()/text() do.
 * Input: "selector\0html".
 * FUZZ_ARGS: -max_len=4096 -dict=@DIR@/css.dict */
#include "fuzz.h"
#include "html/html.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fz_in in = {data, size};
    char *sel_src = fz_str(&in);
    char *html = fz_dup(in.p, in.n);
    char err[256];
    html_sel *sel = html_sel_compile(sel_src, err, sizeof err);
    if (!sel && !err[0]) abort();
    html_doc *d = html_parse(html, in.n);
    if (d && sel) {
        int *found = NULL, n = 0, cap = 0;
        html_sel_find(sel, d, 0, &found, &n, &cap);
        buf b = {0};
        for (int i = 0; i < n && i < 16; i++) {
            if (found[i] <= 0 || found[i] >= d->n) abort();
            html_outer(d, found[i], &b);
            html_inner(d, found[i], &b);
            html_text(d, found[i], &b);
            html_attr(d, found[i], "href");
            html_first_child(d, found[i]);
            html_last_child(d, found[i]);
            html_node_data(d, found[i]);
            html_sel_match(sel, d, found[i]);
        }
        if (d->n > 1) html_outer(d, 0, &b);
        buf_free(&b);
        free(found);
    }
    if (d) html_free(d);
    if (sel) html_sel_free(sel);
    free(sel_src);
    free(html);
    return 0;
}
