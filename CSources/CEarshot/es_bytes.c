#include "es_bytes.h"

#include <limits.h>
#include <string.h>

long es_ws_unmask(uint8_t *dst, const uint8_t *src, size_t n, const uint8_t key[4], size_t offset) {
    if (n == 0) return 0;
    if (!dst || !src || !key || n > (size_t)LONG_MAX) return ES_EINVAL;
    uint8_t k[4] = {key[offset % 4], key[(offset + 1) % 4], key[(offset + 2) % 4], key[(offset + 3) % 4]};
    uint32_t k32;
    memcpy(&k32, k, 4);
    size_t i = 0;
    /* Word at a time: the key repeats every 4 bytes, so a 32-bit XOR covers 4 positions. */
    for (; i + 4 <= n; i += 4) {
        uint32_t w;
        memcpy(&w, src + i, 4);
        w ^= k32;
        memcpy(dst + i, &w, 4);
    }
    for (; i < n; i++) dst[i] = src[i] ^ k[i % 4];
    return (long)n;
}
