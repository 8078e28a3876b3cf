/* Protobuf wire format, read (see pbread.h). */
#include "util/pbread.h"

#include "util/pbwrite.h"

bool pbr_varint(const unsigned char **p, const unsigned char *end, uint64_t *v) {
    *v = 0;
    for (int shift = 0; *p < end && shift < 64; shift += 7) {
        unsigned char c = *(*p)++;
        *v |= (uint64_t)(c & 0x7f) << shift;
        if (c < 0x80) return true;
    }
    return false;
}

bool pbr_each(const unsigned char *p, const unsigned char *end,
              void (*fn)(void *ctx, int field, uint64_t v, const unsigned char *d, size_t n), void *ctx) {
    while (p < end) {
        uint64_t key, v = 0;
        if (!pbr_varint(&p, end, &key)) return false;
        int field = (int)(key >> 3), wire = (int)(key & 7);
        if (wire == PBW_VARINT) {
            if (!pbr_varint(&p, end, &v)) return false;
            fn(ctx, field, v, NULL, 0);
        } else if (wire == PBW_LEN) {
            if (!pbr_varint(&p, end, &v) || v > (uint64_t)(end - p)) return false;
            fn(ctx, field, 0, p, (size_t)v);
            p += v;
        } else if (wire == PBW_I64 || wire == 5) {
            size_t w = wire == PBW_I64 ? 8 : 4;
            if ((size_t)(end - p) < w) return false;
            p += w;
        } else {
            return false;
        }
    }
    return true;
}
