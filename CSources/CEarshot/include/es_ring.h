/* Fixed-capacity rings for pre-roll (overwrite the oldest) and playout
 * (reject when full). Byte rings carry μ-law or any bytes; PCM rings int16. */
#ifndef ES_RING_H
#define ES_RING_H

#include "es_common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum es_ring_mode {
    ES_RING_OVERWRITE = 0, /* a write into a full ring drops the oldest elements */
    ES_RING_REJECT = 1     /* a write that does not fit writes nothing: ES_ENOSPC */
} es_ring_mode;

/* A ring of fixed-size elements (1 byte for μ-law, 2 for PCM16). */
typedef struct es_ring es_ring;

/* Caller-owned memory: es_ring_size() bytes, then es_ring_init() in them. */
size_t es_ring_size(size_t capacity, size_t elem_size);
int es_ring_init(es_ring *ring, size_t capacity, size_t elem_size, es_ring_mode mode);
/* Heap-owned: *err gets ES_OK or an error; NULL on failure. */
es_ring *es_ring_create(size_t capacity, size_t elem_size, es_ring_mode mode, int *err);
void es_ring_destroy(es_ring *ring);

/* Elements stored / free / capacity; 0 for NULL. */
size_t es_ring_count(const es_ring *ring);
size_t es_ring_space(const es_ring *ring);
size_t es_ring_capacity(const es_ring *ring);
/* Total elements ever written, including overwritten ones: a stream position. */
uint64_t es_ring_written(const es_ring *ring);

/* Write n elements. Returns n (overwrite mode drops the oldest if needed; when n
 * exceeds the capacity only the newest capacity elements remain), or ES_ENOSPC
 * in reject mode when they do not all fit, or ES_EINVAL. */
long es_ring_write(es_ring *ring, const void *src, size_t n);
/* Remove up to max oldest elements into dst. Returns the count. */
long es_ring_read(es_ring *ring, void *dst, size_t max);
/* Copy the newest n elements (oldest first) without removing them.
 * Returns n, or ES_ENOSPC if fewer than n are stored. */
long es_ring_peek_newest(const es_ring *ring, void *dst, size_t n);
/* Drop up to n oldest elements. Returns the count dropped. */
long es_ring_skip(es_ring *ring, size_t n);
void es_ring_clear(es_ring *ring);
/* Empty, and the stream position (es_ring_written) back to 0: a new stream. */
void es_ring_reset(es_ring *ring);

#ifdef __cplusplus
}
#endif
#endif
