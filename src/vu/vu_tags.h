/* The tag set of a sample a VU makes (an HTTP request's, a check's, a
 * group's), found inline when it is the VU's last set of that site. */
#ifndef C6_VU_TAGS_H
#define C6_VU_TAGS_H
#include "exec/test.h"
#include "exec/worker.h"
#include "metrics/tags.h"
#include "vu/vu.h"

/* vu_tag_mask (vu.h), inline: the system tags samples carry (systemTags). */
static inline uint32_t vu_tags_mask(const vu *v) { return v->test ? v->test->system_tags : SYSTEM_TAGS_DEFAULT; }

/* The inline look of both: gslot is the entry just before the site's kvs
 * (where the group's goes), vlen as theirs. The set's id + 1, 0 if the memo
 * does not hold it (or holds no memo: setup, teardown, more than
 * TAGS_MEMO_KV kvs, which tagdict_memo_again tells by the shape). */
static inline uint32_t vu_memo_again(vu *v, int site, const char *group, tag_kv *gslot, uint32_t *vlen, size_t nstatic,
                                     size_t n) {
    size_t g = group[0] && ((vu_tags_mask(v) >> ST_GROUP) & 1); /* the group with the site's kvs */
    if (g) {
        *gslot = (tag_kv){"group", group};
        vlen[0] = TAGS_VLEN_ANY;
    }
    return tagdict_memo_again(v->w->samples.tags, v->tag_last[site], site, v->iter_tags - 1, gslot + 1 - g,
                              vlen + 1 - g, nstatic + g, n + g);
}

/* The set of a sample v makes at `site` (metrics/tags.h: TAGS_SITE_*): the
 * VU's tags (vu_base_tags with this group), then the site's n kvs, at
 * kv[VU_BASE_TAGS...] (the first VU_BASE_TAGS entries are room for the
 * VU's), the first nstatic of them with literal keys. Found through the
 * dict's memo when the site made the same set before, interned otherwise;
 * kv is used up. vlen (NULL: none): the lengths of the site's
 * values where known (metrics/tags.h: TAGS_VLEN_ANY where not), at
 * vlen[1...] (vlen[0] is room for the group's).
 *
 * Inline: the VU's last set of the site (v->tag_last), on the VU's own
 * tags (v->iter_tags, which is kept only with the iter tag off: the memos'
 * base), compared without a call (tagdict_memo_again); the rest in vu.c. */
static inline uint32_t vu_intern_tags(vu *v, int site, const char *group, tag_kv *kv, uint32_t *vlen, size_t nstatic,
                                      size_t n) {
    if (v->iter_tags && vlen) {
        uint32_t id1 = vu_memo_again(v, site, group, kv + VU_BASE_TAGS - 1, vlen, nstatic, n);
        if (id1) return id1 - 1;
    }
    return vu_intern_tags_slow(v, site, group, kv, vlen, nstatic, n);
}

/* vu_intern_tags without the VU_BASE_TAGS entries of room: the site's n
 * kvs at kv[1...] (kv[0] is room for the group's), vlen as there (not
 * NULL). For the sites every iteration goes through (a request's samples,
 * a check's): their kvs stay a few lines of the VU's stack (cold when it
 * resumes after a sleep) instead of a frame of 2-3 KB of which a few lines
 * are used; the room is made only when the memo misses
 * (vu_intern_site_slow). n at most VU_SITE_KV. */
static inline uint32_t vu_intern_site(vu *v, int site, const char *group, tag_kv *kv, uint32_t *vlen, size_t nstatic,
                                      size_t n) {
    if (v->iter_tags) {
        uint32_t id1 = vu_memo_again(v, site, group, kv, vlen, nstatic, n);
        if (id1) return id1 - 1;
    }
    return vu_intern_site_slow(v, site, group, kv, vlen, nstatic, n);
}

#endif
