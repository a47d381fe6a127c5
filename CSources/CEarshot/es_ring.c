#include "es_ring.h"

#include <stdlib.h>
#include <limits.h>
#include <string.h>

struct es_ring {
    size_t capacity;   /* elements */
    size_t elem;       /* bytes per element */
    size_t head;       /* index of the oldest element */
    size_t count;      /* elements stored */
    uint64_t written;  /* elements ever written */
    es_ring_mode mode;
    _Alignas(16) uint8_t data[];
};

static int ring_args_ok(size_t capacity, size_t elem_size) {
    return capacity > 0 && (elem_size == 1 || elem_size == 2 || elem_size == 4) &&
           capacity <= (SIZE_MAX - sizeof(es_ring)) / elem_size;
}

size_t es_ring_size(size_t capacity, size_t elem_size) {
    if (!ring_args_ok(capacity, elem_size)) return 0;
    return sizeof(es_ring) + capacity * elem_size;
}

int es_ring_init(es_ring *ring, size_t capacity, size_t elem_size, es_ring_mode mode) {
    if (!ring || !ring_args_ok(capacity, elem_size)) return ES_EINVAL;
    if (mode != ES_RING_OVERWRITE && mode != ES_RING_REJECT) return ES_EINVAL;
    ring->capacity = capacity;
    ring->elem = elem_size;
    ring->head = 0;
    ring->count = 0;
    ring->written = 0;
    ring->mode = mode;
    return ES_OK;
}

es_ring *es_ring_create(size_t capacity, size_t elem_size, es_ring_mode mode, int *err) {
    int dummy;
    if (!err) err = &dummy;
    size_t size = es_ring_size(capacity, elem_size);
    if (size == 0) {
        *err = ES_EINVAL;
        return NULL;
    }
    es_ring *ring = malloc(size);
    if (!ring) {
        *err = ES_ENOMEM;
        return NULL;
    }
    *err = es_ring_init(ring, capacity, elem_size, mode);
    if (*err != ES_OK) {
        free(ring);
        return NULL;
    }
    return ring;
}

void es_ring_destroy(es_ring *ring) { free(ring); }

size_t es_ring_count(const es_ring *ring) { return ring ? ring->count : 0; }
size_t es_ring_space(const es_ring *ring) { return ring ? ring->capacity - ring->count : 0; }
size_t es_ring_capacity(const es_ring *ring) { return ring ? ring->capacity : 0; }
uint64_t es_ring_written(const es_ring *ring) { return ring ? ring->written : 0; }

/* Copies n elements from src into the ring starting at element index pos, wrapping. */
static void ring_put(es_ring *r, size_t pos, const uint8_t *src, size_t n) {
    size_t first = r->capacity - pos;
    if (first > n) first = n;
    memcpy(r->data + pos * r->elem, src, first * r->elem);
    memcpy(r->data, src + first * r->elem, (n - first) * r->elem);
}

/* Copies n elements out of the ring starting at element index pos, wrapping. */
static void ring_get(const es_ring *r, size_t pos, uint8_t *dst, size_t n) {
    size_t first = r->capacity - pos;
    if (first > n) first = n;
    memcpy(dst, r->data + pos * r->elem, first * r->elem);
    memcpy(dst + first * r->elem, r->data, (n - first) * r->elem);
}

long es_ring_write(es_ring *ring, const void *src, size_t n) {
    if (!ring || (!src && n > 0) || n > (size_t)LONG_MAX) return ES_EINVAL;
    if (n == 0) return 0;
    const uint8_t *s = src;
    size_t free_space = ring->capacity - ring->count;
    if (n > free_space && ring->mode == ES_RING_REJECT) return ES_ENOSPC;
    ring->written += n;
    size_t keep = n;
    if (keep > ring->capacity) { /* only the newest capacity elements survive */
        s += (keep - ring->capacity) * ring->elem;
        keep = ring->capacity;
    }
    if (keep > free_space) { /* overwrite: drop the oldest */
        size_t drop = keep - free_space;
        ring->head = (ring->head + drop) % ring->capacity;
        ring->count -= drop;
    }
    ring_put(ring, (ring->head + ring->count) % ring->capacity, s, keep);
    ring->count += keep;
    return (long)n;
}

long es_ring_read(es_ring *ring, void *dst, size_t max) {
    if (!ring || (!dst && max > 0)) return ES_EINVAL;
    size_t n = max < ring->count ? max : ring->count;
    if (n == 0) return 0;
    ring_get(ring, ring->head, dst, n);
    ring->head = (ring->head + n) % ring->capacity;
    ring->count -= n;
    return (long)n;
}

long es_ring_peek_newest(const es_ring *ring, void *dst, size_t n) {
    if (!ring || (!dst && n > 0)) return ES_EINVAL;
    if (n > ring->count) return ES_ENOSPC;
    if (n == 0) return 0;
    size_t start = (ring->head + ring->count - n) % ring->capacity;
    ring_get(ring, start, dst, n);
    return (long)n;
}

long es_ring_skip(es_ring *ring, size_t n) {
    if (!ring) return ES_EINVAL;
    if (n > ring->count) n = ring->count;
    ring->head = (ring->head + n) % ring->capacity;
    ring->count -= n;
    return (long)n;
}

void es_ring_clear(es_ring *ring) {
    if (!ring) return;
    ring->head = 0;
    ring->count = 0;
}

void es_ring_reset(es_ring *ring) {
    if (!ring) return;
    es_ring_clear(ring);
    ring->written = 0;
}
