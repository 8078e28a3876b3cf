/* A FIFO kept in a growable array: items [head, n) of q are live, cap
 * allocated (k6/ws and k6/websockets queue socket events this way). */
#ifndef C6_UTIL_FIFO_H
#define C6_UTIL_FIFO_H
#include <stdlib.h>
#include <string.h>

/* Makes room for one more item of `size` bytes at the end: slides the live
 * items to the front when some were consumed, else doubles the array (16
 * items at first). Returns the array (moved or not), or NULL when out of
 * memory, q and the counts then unchanged. */
static inline void *fifo_room(void *q, size_t *head, size_t *n, size_t *cap, size_t size) {
    if (*n < *cap) return q;
    if (*head) {
        memmove(q, (char *)q + *head * size, (*n - *head) * size);
        *n -= *head;
        *head = 0;
        if (*n < *cap) return q;
    }
    size_t c = *cap ? *cap * 2 : 16;
    void *p = realloc(q, c * size);
    if (!p) return NULL;
    *cap = c;
    return p;
}

#endif
