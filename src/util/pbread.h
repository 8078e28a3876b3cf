/* Reading protobuf wire format (the few replies c6 decodes without
 * libprotobuf: OTLP's partial_success, google.rpc.Status details). */
#ifndef C6_UTIL_PBREAD_H
#define C6_UTIL_PBREAD_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A varint at *p (< end), *p moved past it; false when cut short. */
bool pbr_varint(const unsigned char **p, const unsigned char *end, uint64_t *v);
/* The fields of one message: fn for each varint (d NULL) and
 * length-delimited field (d, n); fixed-width fields skipped; false when
 * malformed. */
bool pbr_each(const unsigned char *p, const unsigned char *end,
              void (*fn)(void *ctx, int field, uint64_t v, const unsigned char *d, size_t n), void *ctx);

#endif
