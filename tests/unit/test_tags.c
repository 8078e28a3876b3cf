/* Tag sets: interning (sorted keys, order independence, later duplicate wins,
 * NULL values skipped, distinct ids), growth with stable ids, packed bytes,
 * tagset_find / tagset_next. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "metrics/tags.h"

/* Interns a copy of kvs, so the caller's array keeps its order. */
static uint32_t intern(tagdict *d, const tag_kv *kvs, size_t n) {
    tag_kv copy[32];
    assert_true(n <= 32);
    if (n) memcpy(copy, kvs, n * sizeof *kvs);
    return tagdict_intern(d, copy, n);
}

static void assert_packed(const tagdict *d, uint32_t id, const char *want, size_t want_len) {
    size_t len = 12345;
    const char *p = tagdict_get(d, id, &len);
    assert_non_null(p);
    assert_int_equal(len, want_len);
    assert_memory_equal(p, want, want_len);
}

static void test_sorted_packing(void **state) {
    (void)state;
    tagdict *d = tagdict_new();
    tag_kv kv[] = {{"status", "200"}, {"method", "GET"}, {"url", "http://x/"}, {"group", ""}};
    uint32_t id = tagdict_intern(d, kv, 4);
    /* the caller's array is sorted in place (documented) */
    assert_string_equal(kv[0].key, "group");
    assert_string_equal(kv[1].key, "method");
    assert_string_equal(kv[2].key, "status");
    assert_string_equal(kv[3].key, "url");
    static const char want[] = "group\0\0method\0GET\0status\0"
                               "200\0url\0http://x/";
    assert_packed(d, id, want, sizeof want); /* sizeof counts the final NUL */
    assert_int_equal(tagdict_published(d), 1);
    tagdict_free(d);
}

static void test_order_independent(void **state) {
    (void)state;
    tagdict *d = tagdict_new();
    const char *k[4] = {"a", "b", "c", "d"};
    const char *v[4] = {"1", "2", "3", "4"};
    uint32_t first = UINT32_MAX;
    /* all 24 permutations of 4 pairs */
    int perm[4] = {0, 1, 2, 3};
    for (int a = 0; a < 4; a++)
        for (int b = 0; b < 4; b++)
            for (int c = 0; c < 4; c++)
                for (int e = 0; e < 4; e++) {
                    perm[0] = a;
                    perm[1] = b;
                    perm[2] = c;
                    perm[3] = e;
                    int seen = 0;
                    for (int i = 0; i < 4; i++) seen |= 1 << perm[i];
                    if (seen != 15) continue;
                    tag_kv kv[4];
                    for (int i = 0; i < 4; i++) kv[i] = (tag_kv){k[perm[i]], v[perm[i]]};
                    uint32_t id = tagdict_intern(d, kv, 4);
                    if (first == UINT32_MAX) first = id;
                    assert_int_equal(id, first);
                }
    assert_int_equal(tagdict_published(d), 1);
    static const char want[] = "a\0"
                               "1\0b\0"
                               "2\0c\0"
                               "3\0d\0"
                               "4";
    assert_packed(d, first, want, sizeof want);
    tagdict_free(d);
}

static void test_later_duplicate_wins(void **state) {
    (void)state;
    tagdict *d = tagdict_new();
    uint32_t only2 = intern(d, (tag_kv[]){{"a", "2"}, {"z", "z"}}, 2);
    uint32_t dup = intern(d, (tag_kv[]){{"a", "1"}, {"z", "z"}, {"a", "2"}}, 3);
    assert_int_equal(dup, only2);
    uint32_t triple = intern(d, (tag_kv[]){{"a", "0"}, {"a", "1"}, {"a", "2"}, {"z", "z"}}, 4);
    assert_int_equal(triple, only2);
    static const char want[] = "a\0"
                               "2\0z\0z";
    assert_packed(d, dup, want, sizeof want);
    /* the other order gives the other value, hence another set */
    uint32_t rev = intern(d, (tag_kv[]){{"a", "2"}, {"z", "z"}, {"a", "1"}}, 3);
    assert_int_not_equal(rev, only2);
    static const char want1[] = "a\0"
                                "1\0z\0z";
    assert_packed(d, rev, want1, sizeof want1);
    /* a NULL earlier duplicate does not hide a later value */
    uint32_t nl = intern(d, (tag_kv[]){{"a", NULL}, {"z", "z"}, {"a", "2"}}, 3);
    assert_int_equal(nl, only2);
    tagdict_free(d);
}

static void test_null_values_skipped(void **state) {
    (void)state;
    tagdict *d = tagdict_new();
    uint32_t plain = intern(d, (tag_kv[]){{"a", "1"}, {"c", "3"}}, 2);
    uint32_t with_null = intern(d, (tag_kv[]){{"b", NULL}, {"c", "3"}, {"a", "1"}, {"0", NULL}}, 4);
    assert_int_equal(with_null, plain);
    static const char want[] = "a\0"
                               "1\0c\0"
                               "3";
    assert_packed(d, plain, want, sizeof want);
    /* only NULLs: the empty set */
    uint32_t empty = intern(d, (tag_kv[]){{"x", NULL}}, 1);
    size_t len = 99;
    tagdict_get(d, empty, &len);
    assert_int_equal(len, 0);
    assert_int_not_equal(empty, plain);
    assert_int_equal(tagdict_published(d), 2);
    tagdict_free(d);
}

/* Was a bug: a later duplicate whose value is NULL drops
 * the key altogether, although NULL pairs are documented as skipped, i.e. as
 * if absent: {a=1, a=NULL} interns as {} instead of {a=1}. Run with
 * regression test: NULL pairs are now dropped before deduplication. */
static void test_null_later_duplicate(void **state) {
    (void)state;
    tagdict *d = tagdict_new();
    uint32_t a1 = intern(d, (tag_kv[]){{"a", "1"}, {"z", "z"}}, 2);
    uint32_t with_null = intern(d, (tag_kv[]){{"a", "1"}, {"z", "z"}, {"a", NULL}}, 3);
    size_t len;
    const char *p = tagdict_get(d, with_null, &len);
    const char *v = tagset_find(p, len, "a");
    tagdict_free(d);
    assert_non_null(v);
    assert_int_equal(with_null, a1);
}

static void test_empty_set(void **state) {
    (void)state;
    tagdict *d = tagdict_new();
    tag_kv none[1];
    uint32_t e1 = tagdict_intern(d, none, 0); /* as the CLI does for its own samples */
    uint32_t a = intern(d, (tag_kv[]){{"a", "1"}}, 1);
    uint32_t e2 = tagdict_intern(d, none, 0);
    assert_int_equal(e1, e2);
    assert_int_not_equal(e1, a);
    size_t len = 99;
    const char *p = tagdict_get(d, e1, &len);
    assert_non_null(p);
    assert_int_equal(len, 0);
    tagdict_free(d);
}

static void test_distinct_sets(void **state) {
    (void)state;
    tagdict *d = tagdict_new();
    uint32_t ids[] = {
        intern(d, (tag_kv[]){{"ab", "c"}}, 1),
        intern(d, (tag_kv[]){{"a", "bc"}}, 1),
        intern(d, (tag_kv[]){{"a", "b"}, {"c", ""}}, 2),
        intern(d, (tag_kv[]){{"a", "b"}}, 1),
        intern(d, (tag_kv[]){{"a", ""}}, 1),
        intern(d, (tag_kv[]){{"b", "a"}}, 1),
        intern(d, (tag_kv[]){{"a", "B"}}, 1),
        intern(d, (tag_kv[]){{"a", "b"}, {"c", "d"}}, 2),
        intern(d, (tag_kv[]){{"a", "d"}, {"c", "b"}}, 2),
    };
    size_t n = sizeof ids / sizeof *ids;
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++) assert_int_not_equal(ids[i], ids[j]);
    assert_int_equal(tagdict_published(d), n);
    /* and each is found again */
    assert_int_equal(intern(d, (tag_kv[]){{"c", "d"}, {"a", "b"}}, 2), ids[7]);
    assert_int_equal(intern(d, (tag_kv[]){{"a", "bc"}}, 1), ids[1]);
    assert_int_equal(tagdict_published(d), n);
    tagdict_free(d);
}

/* The last few sets are compared in place, without packing: a set found
 * there is the same set (duplicates resolved, later wins), and a prefix, an
 * extension or a value differing in its last byte is not. */
static void test_recent_sets_exact(void **state) {
    (void)state;
    tagdict *d = tagdict_new();
    uint32_t ab = intern(d, (tag_kv[]){{"a", "b"}, {"c", "d"}}, 2);
    assert_int_equal(intern(d, (tag_kv[]){{"c", "d"}, {"a", "b"}}, 2), ab);
    assert_int_equal(intern(d, (tag_kv[]){{"a", "x"}, {"c", "d"}, {"a", "b"}}, 3), ab); /* later wins */
    uint32_t others[] = {
        intern(d, (tag_kv[]){{"a", "b"}}, 1),
        intern(d, (tag_kv[]){{"a", "b"}, {"c", "d"}, {"e", ""}}, 3),
        intern(d, (tag_kv[]){{"a", "b"}, {"c", "dd"}}, 2),
        intern(d, (tag_kv[]){{"a", "b"}, {"c", "e"}}, 2),
        intern(d, (tag_kv[]){{"a", "b"}, {"c", "d"}, {"a", "x"}}, 3),
    };
    for (size_t i = 0; i < sizeof others / sizeof *others; i++) assert_int_not_equal(others[i], ab);
    assert_int_equal(tagdict_published(d), 6);
    assert_int_equal(intern(d, (tag_kv[]){{"a", "b"}, {"c", "d"}}, 2), ab);
    tagdict_free(d);
}

#define GROW_N 20000

static size_t make_set(char *kbuf, char *vbuf, size_t i, tag_kv *kv) {
    /* sets of 1-3 pairs so equal lengths and prefixes occur */
    snprintf(vbuf, 32, "v%zu", i);
    snprintf(kbuf, 32, "k%zu", i % 7);
    size_t n = 0;
    kv[n++] = (tag_kv){"url", vbuf};
    if (i % 2) kv[n++] = (tag_kv){kbuf, "x"};
    if (i % 3) kv[n++] = (tag_kv){"method", i % 5 ? "GET" : "POST"};
    return n;
}

static size_t expected_packed(size_t i, char *out) {
    char kb[32], vb[32];
    tag_kv kv[3];
    size_t n = make_set(kb, vb, i, kv);
    /* sort by hand (three elements) */
    for (size_t a = 0; a < n; a++)
        for (size_t b = a + 1; b < n; b++)
            if (strcmp(kv[a].key, kv[b].key) > 0) {
                tag_kv t = kv[a];
                kv[a] = kv[b];
                kv[b] = t;
            }
    size_t off = 0;
    for (size_t a = 0; a < n; a++) {
        size_t kl = strlen(kv[a].key) + 1, vl = strlen(kv[a].value) + 1;
        memcpy(out + off, kv[a].key, kl);
        off += kl;
        memcpy(out + off, kv[a].value, vl);
        off += vl;
    }
    return off;
}

static void test_growth_keeps_ids(void **state) {
    (void)state;
    tagdict *d = tagdict_new();
    uint32_t *ids = malloc(GROW_N * sizeof *ids);
    for (size_t i = 0; i < GROW_N; i++) {
        char kb[32], vb[32];
        tag_kv kv[3];
        size_t n = make_set(kb, vb, i, kv);
        ids[i] = tagdict_intern(d, kv, n);
        assert_int_equal(ids[i], i); /* new sets get the next id */
        assert_int_equal(tagdict_published(d), i + 1);
        if (i % 1000 == 999) {
            /* earlier sets still map to their ids after table growth */
            for (size_t j = 0; j <= i; j += 97) {
                size_t n2 = make_set(kb, vb, j, kv);
                /* reversed input order */
                for (size_t a = 0, b = n2 - 1; a < b; a++, b--) {
                    tag_kv t = kv[a];
                    kv[a] = kv[b];
                    kv[b] = t;
                }
                assert_int_equal(tagdict_intern(d, kv, n2), ids[j]);
            }
        }
    }
    assert_int_equal(tagdict_published(d), GROW_N);
    for (size_t i = 0; i < GROW_N; i++) {
        char kb[32], vb[32];
        tag_kv kv[3];
        size_t n = make_set(kb, vb, i, kv);
        assert_int_equal(tagdict_intern(d, kv, n), ids[i]);
        char want[128];
        size_t wl = expected_packed(i, want);
        assert_packed(d, ids[i], want, wl);
    }
    assert_int_equal(tagdict_published(d), GROW_N);
    free(ids);
    tagdict_free(d);
}

static void test_get_is_nul_terminated(void **state) {
    (void)state;
    tagdict *d = tagdict_new();
    uint32_t id = intern(d, (tag_kv[]){{"k", "value"}}, 1);
    size_t len;
    const char *p = tagdict_get(d, id, &len);
    assert_int_equal(len, 8);
    assert_int_equal(p[len - 1], 0); /* the last value's own NUL is part of the set */
    assert_string_equal(p, "k");
    assert_string_equal(p + 2, "value");
    tagdict_free(d);
}

static void test_tagset_find(void **state) {
    (void)state;
    static const char set[] = "check\0status is 200\0group\0\0method\0GET\0x\0method";
    size_t len = sizeof set;
    assert_string_equal(tagset_find(set, len, "check"), "status is 200");
    assert_string_equal(tagset_find(set, len, "method"), "GET");
    assert_string_equal(tagset_find(set, len, "x"), "method");
    const char *g = tagset_find(set, len, "group");
    assert_non_null(g);
    assert_string_equal(g, "");                /* empty value is found, not NULL */
    assert_null(tagset_find(set, len, "GET")); /* values are not keys */
    assert_null(tagset_find(set, len, "status is 200"));
    assert_null(tagset_find(set, len, "chec")); /* no prefix matches */
    assert_null(tagset_find(set, len, "checks"));
    assert_null(tagset_find(set, len, ""));
    assert_null(tagset_find(set, 0, "check")); /* empty set */
    /* only the first pairs when len is cut */
    assert_null(tagset_find(set, strlen("check") + 1 + strlen("status is 200") + 1, "method"));
}

static void test_tagset_next(void **state) {
    (void)state;
    tagdict *d = tagdict_new();
    uint32_t id = intern(d, (tag_kv[]){{"c", "3"}, {"a", ""}, {"b", "22"}}, 3);
    size_t len;
    const char *p = tagdict_get(d, id, &len);
    const char *k = NULL, *v = NULL;
    const char *wk[] = {"a", "b", "c"}, *wv[] = {"", "22", "3"};
    size_t off = 0, n = 0;
    while ((off = tagset_next(p, len, off, &k, &v)) != 0) {
        assert_true(n < 3);
        assert_string_equal(k, wk[n]);
        assert_string_equal(v, wv[n]);
        assert_true(off <= len);
        n++;
    }
    assert_int_equal(n, 3);
    k = v = NULL;
    assert_int_equal(tagset_next(p, 0, 0, &k, &v), 0); /* empty: nothing, untouched */
    assert_null(k);
    assert_null(v);
    assert_int_equal(tagset_next(p, len, len, &k, &v), 0);
    /* first step lands after "a\0\0" */
    assert_int_equal(tagset_next(p, len, 0, &k, &v), 3);
    tagdict_free(d);
}

static void test_dicts_independent(void **state) {
    (void)state;
    tagdict *a = tagdict_new(), *b = tagdict_new();
    uint32_t a1 = intern(a, (tag_kv[]){{"x", "1"}}, 1);
    uint32_t a2 = intern(a, (tag_kv[]){{"x", "2"}}, 1);
    uint32_t b2 = intern(b, (tag_kv[]){{"x", "2"}}, 1);
    assert_int_equal(a1, 0);
    assert_int_equal(a2, 1);
    assert_int_equal(b2, 0); /* ids are per dictionary */
    assert_int_equal(tagdict_published(a), 2);
    assert_int_equal(tagdict_published(b), 1);
    tagdict_free(a);
    tagdict_free(b);
    tagdict_free(NULL);
}

/* ---- memos (tags.h): a set found by its parts is the set tagdict_intern
 * makes of the same kvs, whatever changed in place between two calls ---- */

/* The lengths of the site's values given to the memo (NULL: none known). */
static const uint32_t *memo_vlen;

/* The set of base + site kvs through the memo, checked against a plain intern. */
static uint32_t memo_intern(tagdict *d, int site, uint32_t base, uint32_t hint, const tag_kv *bkv, size_t nb,
                            const tag_kv *skv, size_t nstatic, size_t ns, int *found) {
    tag_kv all[64], plain[64];
    assert_true(nb + ns <= 64);
    if (nb) memcpy(all, bkv, nb * sizeof *bkv);
    if (ns) memcpy(all + nb, skv, ns * sizeof *skv);
    memcpy(plain, all, (nb + ns) * sizeof *all);
    /* as a VU does (vu_intern_tags): its last set first, inline, then the memo */
    static uint8_t last[TAGS_SITES];
    uint32_t any[TAGS_MEMO_KV];
    for (size_t i = 0; i < TAGS_MEMO_KV; i++) any[i] = TAGS_VLEN_ANY;
    const uint32_t *vl = memo_vlen ? memo_vlen : any;
    uint32_t vl_many[64];
    if (ns > TAGS_MEMO_KV) { /* as many lengths as kvs; the memos take TAGS_MEMO_KV at most */
        for (size_t i = 0; i < ns; i++) vl_many[i] = TAGS_VLEN_ANY;
        vl = vl_many;
    }
    uint32_t id1 = tagdict_memo_again(d, last[site], site, base, skv, vl, nstatic, ns);
    if (!id1) id1 = tagdict_memo_find(d, site, base, hint, &last[site], skv, memo_vlen, nstatic, ns);
    uint32_t id = id1 ? id1 - 1 : tagdict_intern_memo(d, site, base, hint, &last[site], all, nb, nstatic, nb + ns);
    if (found) *found = id1 != 0;
    assert_int_equal(id, tagdict_intern(d, plain, nb + ns));
    return id;
}

static void test_memo_finds_same_set(void **state) {
    (void)state;
    tagdict *d = tagdict_new();
    tag_kv b[] = {{"scenario", "default"}, {"group", ""}};
    uint32_t base = intern(d, b, 2);
    char url[32] = "http://a/", status[8] = "200";
    tag_kv s[] = {{"group", ""}, {"method", "GET"}, {"url", url}, {"status", status}};
    int found;
    uint32_t a = memo_intern(d, TAGS_SITE_HTTP, base, 1, b, 2, s, 4, 4, &found);
    assert_false(found);
    assert_int_equal(memo_intern(d, TAGS_SITE_HTTP, base, 1, b, 2, s, 4, 4, &found), a);
    assert_true(found);
    /* the same buffers with other bytes in them: another set */
    strcpy(status, "404");
    uint32_t a404 = memo_intern(d, TAGS_SITE_HTTP, base, 1, b, 2, s, 4, 4, &found);
    assert_false(found);
    assert_int_not_equal(a404, a);
    strcpy(url, "http://a/x");
    uint32_t ax = memo_intern(d, TAGS_SITE_HTTP, base, 1, b, 2, s, 4, 4, &found);
    assert_false(found);
    strcpy(url, "http://a"); /* a prefix of the first */
    assert_int_not_equal(memo_intern(d, TAGS_SITE_HTTP, base, 1, b, 2, s, 4, 4, NULL), ax);
    strcpy(url, "http://a/");
    strcpy(status, "200");
    assert_int_equal(memo_intern(d, TAGS_SITE_HTTP, base, 1, b, 2, s, 4, 4, &found), a);
    /* another site or base does not take a memo made for the first */
    assert_int_equal(tagdict_memo_find(d, TAGS_SITE_CHECK, base, 1, NULL, s, NULL, 4, 4), 0);
    assert_int_equal(tagdict_memo_find(d, TAGS_SITE_HTTP, base + 1, 1, NULL, s, NULL, 4, 4), 0);
    /* a key at another address (not the literal): compared as static, not found */
    char method_key[] = "method";
    tag_kv s2[] = {{"group", ""}, {method_key, "GET"}, {"url", url}, {"status", status}};
    assert_int_equal(tagdict_memo_find(d, TAGS_SITE_HTTP, base, 1, NULL, s2, NULL, 4, 4), 0);
    tagdict_free(d);
}

/* Keys compared by content (the site's last kvs, e.g. params.tags): a key
 * rewritten in place, a NULL value, a later duplicate. */
static void test_memo_dynamic_keys(void **state) {
    (void)state;
    tagdict *d = tagdict_new();
    tag_kv b[] = {{"scenario", "default"}};
    uint32_t base = intern(d, b, 1);
    char k[16] = "foo", v[16] = "1";
    tag_kv s[] = {{"check", "c"}, {k, v}};
    int found;
    uint32_t foo = memo_intern(d, TAGS_SITE_CHECK, base, 7, b, 1, s, 1, 2, &found);
    assert_int_equal(memo_intern(d, TAGS_SITE_CHECK, base, 7, b, 1, s, 1, 2, &found), foo);
    assert_true(found);
    strcpy(k, "fo");
    uint32_t fo = memo_intern(d, TAGS_SITE_CHECK, base, 7, b, 1, s, 1, 2, &found);
    assert_false(found);
    assert_int_not_equal(fo, foo);
    /* a user tag that takes a system tag's key wins over it (later), and
     * over the base's: found again only as long as it does */
    strcpy(k, "check");
    uint32_t over = memo_intern(d, TAGS_SITE_CHECK, base, 7, b, 1, s, 1, 2, NULL);
    assert_int_equal(memo_intern(d, TAGS_SITE_CHECK, base, 7, b, 1, s, 1, 2, &found), over);
    assert_true(found);
    strcpy(v, "2");
    assert_int_not_equal(memo_intern(d, TAGS_SITE_CHECK, base, 7, b, 1, s, 1, 2, &found), over);
    assert_false(found);
    strcpy(k, "scenario");
    uint32_t scen = memo_intern(d, TAGS_SITE_CHECK, base, 7, b, 1, s, 1, 2, NULL);
    size_t len;
    const char *p = tagdict_get(d, scen, &len);
    assert_string_equal(tagset_find(p, len, "scenario"), "2");
    assert_int_equal(memo_intern(d, TAGS_SITE_CHECK, base, 7, b, 1, s, 1, 2, &found), scen);
    assert_true(found);
    /* a NULL value with a key compared by content: interned, never remembered */
    tag_kv sn[] = {{"check", "c"}, {k, NULL}};
    memo_intern(d, TAGS_SITE_CHECK, base, 7, b, 1, sn, 1, 2, &found);
    memo_intern(d, TAGS_SITE_CHECK, base, 7, b, 1, sn, 1, 2, &found);
    assert_false(found);
    tagdict_free(d);
}

/* Static keys: a NULL value (no such tag) and a shadowed kv are found again
 * only while they stay so. */
static void test_memo_null_and_shadowed(void **state) {
    (void)state;
    tagdict *d = tagdict_new();
    uint32_t base = intern(d, (tag_kv[]){{"g", "x"}}, 1);
    tag_kv b[] = {{"g", "x"}};
    tag_kv s[] = {{"proto", NULL}, {"a", "1"}, {"a", "2"}};
    int found;
    uint32_t first = memo_intern(d, TAGS_SITE_HTTP, base, 0, b, 1, s, 3, 3, NULL);
    assert_int_equal(memo_intern(d, TAGS_SITE_HTTP, base, 0, b, 1, s, 3, 3, &found), first);
    assert_true(found);
    s[1].value = "9"; /* shadowed: no matter */
    assert_int_equal(memo_intern(d, TAGS_SITE_HTTP, base, 0, b, 1, s, 3, 3, &found), first);
    assert_true(found);
    s[2].value = NULL; /* the winner gone: the shadowed one shows */
    uint32_t nine = memo_intern(d, TAGS_SITE_HTTP, base, 0, b, 1, s, 3, 3, &found);
    assert_false(found);
    assert_int_not_equal(nine, first);
    s[2].value = "2";
    s[0].value = "HTTP/1.1"; /* NULL no longer */
    uint32_t proto = memo_intern(d, TAGS_SITE_HTTP, base, 0, b, 1, s, 3, 3, &found);
    assert_false(found);
    assert_int_not_equal(proto, first);
    tagdict_free(d);
}

/* Random kvs over a few keys and values, rewritten in place between calls:
 * every set found or made through the memo is the plain intern's. */
static void test_memo_random(void **state) {
    (void)state;
    tagdict *d = tagdict_new();
    static const char *const skeys[] = {"group", "method", "url", "name", "status", "proto"};
    static const char *const vals[] = {"", "GET", "POST", "http://x/", "http://x/1", "200", "2000", "20"};
    static const char *const dkeys[] = {"foo", "fo", "url", "status", "g"};
    tag_kv bases[3][2] = {{{"g", "1"}, {"h", "2"}}, {{"g", "2"}, {"h", "2"}}, {{"url", "base"}, {"z", ""}}};
    uint32_t base_ids[3];
    for (int i = 0; i < 3; i++) base_ids[i] = intern(d, bases[i], 2);
    char vbuf[TAGS_MEMO_KV][16], kbuf[TAGS_MEMO_KV][16];
    unsigned seed = 12345;
    int hits = 0;
    for (int round = 0; round < 20000; round++) {
        seed = seed * 1103515245u + 12345u;
        unsigned r = seed >> 8;
        int bi = (int)(r % 3);
        unsigned shape = (r >> 9) % 4; /* few shapes, so that sets repeat */
        size_t n = 2 + shape, nstatic = shape;
        tag_kv s[TAGS_MEMO_KV];
        for (size_t i = 0; i < n; i++) {
            seed = seed * 1103515245u + 12345u;
            unsigned q = seed >> 8;
            const char *val = (q & 31) == 0 ? NULL : vals[((q & 6) ? 0 : (q >> 5) % 3) + (shape & 1) * 3];
            if (val) {
                strcpy(vbuf[i], val);
                val = vbuf[i];
            }
            if (i < nstatic) s[i] = (tag_kv){skeys[(i + shape) % 6], val};
            else {
                strcpy(kbuf[i], dkeys[((q >> 8) + shape) % 2 + (i % 2) * 3]);
                s[i] = (tag_kv){kbuf[i], val};
            }
        }
        uint32_t vl[TAGS_MEMO_KV]; /* some lengths known, as a caller would give them */
        for (size_t i = 0; i < n; i++)
            vl[i] = !s[i].value             ? TAGS_VLEN_ANY
                    : (seed >> (i + 3)) & 1 ? (uint32_t)strlen(s[i].value)
                    : (seed >> (i + 9)) & 1 ? TAGS_VLEN_BUF16 /* the vbuf's are 16 bytes */
                                            : TAGS_VLEN_ANY;
        memo_vlen = vl;
        int found;
        memo_intern(d, TAGS_SITE_HTTP + (int)(shape & 1), base_ids[bi], shape, bases[bi], 2, s, nstatic, n, &found);
        memo_vlen = NULL;
        hits += found;
    }
    printf("memo: %d found of 20000\n", hits);
    assert_true(hits > 1000); /* the memo was exercised, not only missed */
    tagdict_free(d);
}

/* Values of known length (tags.h: vlen) are compared a word at a time:
 * every length from 0 to 40, in other buffers than the remembered ones,
 * any one byte changed, one byte more or less, found exactly when the
 * bytes are the same. */
static void test_memo_known_lengths(void **state) {
    (void)state;
    tagdict *d = tagdict_new();
    tag_kv b[] = {{"scenario", "default"}};
    uint32_t base = intern(d, b, 1);
    char want[48], val[48], st[8] = "200";
    uint32_t vl[2];
    memo_vlen = vl;
    for (size_t len = 0; len <= 40; len++) {
        for (size_t i = 0; i < len; i++) want[i] = (char)('a' + (i * 7 + len) % 26);
        want[len] = 0;
        tag_kv s[] = {{"url", val}, {"status", st}};
        strcpy(val, want);
        vl[0] = (uint32_t)len;
        vl[1] = 3;
        int found;
        uint32_t id = memo_intern(d, TAGS_SITE_HTTP, base, 3, b, 1, s, 2, 2, &found);
        char other[48]; /* the same bytes in another buffer */
        strcpy(other, want);
        s[0].value = other;
        assert_int_equal(memo_intern(d, TAGS_SITE_HTTP, base, 3, b, 1, s, 2, 2, &found), id);
        assert_true(found);
        for (size_t i = 0; i < len; i++) { /* one byte changed: another set, never this one */
            other[i] ^= 0x20;
            assert_int_not_equal(memo_intern(d, TAGS_SITE_HTTP, base, 3, b, 1, s, 2, 2, NULL), id);
            other[i] ^= 0x20;
        }
        if (len) { /* one byte less */
            other[len - 1] = 0;
            vl[0] = (uint32_t)len - 1;
            assert_int_not_equal(memo_intern(d, TAGS_SITE_HTTP, base, 3, b, 1, s, 2, 2, NULL), id);
            other[len - 1] = want[len - 1];
        }
        other[len] = 'z'; /* one byte more */
        other[len + 1] = 0;
        vl[0] = (uint32_t)len + 1;
        assert_int_not_equal(memo_intern(d, TAGS_SITE_HTTP, base, 3, b, 1, s, 2, 2, NULL), id);
        other[len] = 0;
        vl[0] = (uint32_t)len;
        strcpy(st, "404"); /* the other value, same length */
        assert_int_not_equal(memo_intern(d, TAGS_SITE_HTTP, base, 3, b, 1, s, 2, 2, NULL), id);
        strcpy(st, "200");
        /* known and not known for the same value: the same set */
        vl[0] = TAGS_VLEN_ANY;
        assert_int_equal(memo_intern(d, TAGS_SITE_HTTP, base, 3, b, 1, s, 2, 2, &found), id);
        vl[0] = (uint32_t)len;
        assert_int_equal(memo_intern(d, TAGS_SITE_HTTP, base, 3, b, 1, s, 2, 2, &found), id);
        assert_true(found);
    }
    /* values in buffers of 16 bytes (TAGS_VLEN_BUF16), with other bytes
     * after the NUL: every length the two loads cover, and past it */
    char buf[32];
    for (size_t len = 0; len <= 20; len++) {
        for (size_t i = 0; i < sizeof buf; i++) buf[i] = (char)('A' + i % 7); /* what follows the NUL */
        for (size_t i = 0; i < len; i++) want[i] = (char)('a' + (i * 5 + len) % 26);
        want[len] = 0;
        memcpy(buf, want, len + 1);
        tag_kv s[] = {{"method", buf}, {"status", st}};
        vl[0] = TAGS_VLEN_BUF16;
        vl[1] = 3;
        int found;
        uint32_t id = memo_intern(d, TAGS_SITE_HTTP, base, 4, b, 1, s, 2, 2, &found);
        buf[len + 1] ^= 1; /* past the NUL: no matter */
        assert_int_equal(memo_intern(d, TAGS_SITE_HTTP, base, 4, b, 1, s, 2, 2, &found), id);
        assert_true(found);
        for (size_t i = 0; i < len; i++) {
            buf[i] ^= 0x20;
            assert_int_not_equal(memo_intern(d, TAGS_SITE_HTTP, base, 4, b, 1, s, 2, 2, NULL), id);
            buf[i] ^= 0x20;
        }
        char after = buf[len + 1];
        buf[len] = 'z'; /* a byte more */
        buf[len + 1] = 0;
        assert_int_not_equal(memo_intern(d, TAGS_SITE_HTTP, base, 4, b, 1, s, 2, 2, NULL), id);
        buf[len] = 0;
        buf[len + 1] = after;
        if (len) { /* a byte less */
            buf[len - 1] = 0;
            assert_int_not_equal(memo_intern(d, TAGS_SITE_HTTP, base, 4, b, 1, s, 2, 2, NULL), id);
            buf[len - 1] = want[len - 1];
        }
        assert_int_equal(memo_intern(d, TAGS_SITE_HTTP, base, 4, b, 1, s, 2, 2, NULL), id); /* remembered again */
        assert_int_equal(memo_intern(d, TAGS_SITE_HTTP, base, 4, b, 1, s, 2, 2, &found), id);
        assert_true(found);
    }
    memo_vlen = NULL;
    tagdict_free(d);
}

/* More kvs than a memo holds: never remembered, never found, the plain set
 * (tagdict_memo_again tells them by the shape, without a look at them). */
static void test_memo_many_kvs(void **state) {
    (void)state;
    tagdict *d = tagdict_new();
    tag_kv b[] = {{"scenario", "default"}};
    uint32_t base = intern(d, b, 1);
    static const char *const keys[] = {"k00", "k01", "k02", "k03", "k04", "k05", "k06", "k07", "k08", "k09",
                                       "k10", "k11", "k12", "k13", "k14", "k15", "k16", "k17", "k18", "k19"};
    tag_kv s[20];
    for (size_t i = 0; i < 20; i++) s[i] = (tag_kv){keys[i], "v"};
    int found;
    for (size_t ns = TAGS_MEMO_KV - 1; ns <= 20; ns++) {
        uint32_t a = memo_intern(d, TAGS_SITE_HTTP, base, 2, b, 1, s, ns, ns, &found);
        assert_int_equal(memo_intern(d, TAGS_SITE_HTTP, base, 2, b, 1, s, ns, ns, &found), a);
        assert_true(found == (ns <= TAGS_MEMO_KV));
    }
    tagdict_free(d);
}

/* A caller's `last` (tags.h): two callers (two VUs on one worker) taking
 * turns with sets that differ in one value, and a note that points at
 * another set or anywhere at all, find exactly the plain intern's set. */
static void test_memo_last(void **state) {
    (void)state;
    tagdict *d = tagdict_new();
    tag_kv b[] = {{"scenario", "default"}};
    uint32_t base = intern(d, b, 1);
    char st1[8] = "200", st2[8] = "404";
    tag_kv s1[] = {{"group", ""}, {"url", "http://a/"}, {"status", st1}};
    tag_kv s2[] = {{"group", ""}, {"url", "http://a/"}, {"status", st2}};
    uint8_t last1 = 0, last2 = 0;
    uint32_t id[2];
    for (int round = 0; round < 6; round++) {
        for (int who = 0; who < 2; who++) {
            tag_kv *s = who ? s2 : s1;
            uint8_t *last = who ? &last2 : &last1;
            tag_kv all[4] = {b[0], s[0], s[1], s[2]}, plain[4] = {b[0], s[0], s[1], s[2]};
            uint32_t id1 = tagdict_memo_find(d, TAGS_SITE_HTTP, base, 5, last, s, NULL, 3, 3);
            uint32_t got = id1 ? id1 - 1 : tagdict_intern_memo(d, TAGS_SITE_HTTP, base, 5, last, all, 1, 3, 4);
            assert_int_equal(got, tagdict_intern(d, plain, 4));
            if (round == 0) id[who] = got;
            else {
                assert_int_equal(got, id[who]);
                assert_true(id1 != 0); /* both stay remembered (the hint's two ways) */
            }
        }
        if (round == 2) { /* each note now points at the other's set */
            uint8_t t = last1;
            last1 = last2;
            last2 = t;
        }
        if (round == 3) last1 = last2 = 255; /* or anywhere */
    }
    assert_int_not_equal(id[0], id[1]);
    /* the other's set in place: the note's set is not taken for it */
    strcpy(st1, "404");
    uint32_t id1 = tagdict_memo_find(d, TAGS_SITE_HTTP, base, 5, &last1, s1, NULL, 3, 3);
    assert_int_equal(id1, id[1] + 1);
    strcpy(st1, "500");
    assert_int_equal(tagdict_memo_find(d, TAGS_SITE_HTTP, base, 5, &last1, s1, NULL, 3, 3), 0);
    tagdict_free(d);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sorted_packing),        cmocka_unit_test(test_order_independent),
        cmocka_unit_test(test_later_duplicate_wins),  cmocka_unit_test(test_null_values_skipped),
        cmocka_unit_test(test_null_later_duplicate),  cmocka_unit_test(test_empty_set),
        cmocka_unit_test(test_distinct_sets),         cmocka_unit_test(test_growth_keeps_ids),
        cmocka_unit_test(test_get_is_nul_terminated), cmocka_unit_test(test_tagset_find),
        cmocka_unit_test(test_tagset_next),           cmocka_unit_test(test_dicts_independent),
        cmocka_unit_test(test_recent_sets_exact),     cmocka_unit_test(test_memo_finds_same_set),
        cmocka_unit_test(test_memo_dynamic_keys),     cmocka_unit_test(test_memo_null_and_shadowed),
        cmocka_unit_test(test_memo_random),           cmocka_unit_test(test_memo_last),
        cmocka_unit_test(test_memo_known_lengths),    cmocka_unit_test(test_memo_many_kvs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
