#include "es_g711.h"

#include <limits.h>

/* Decode tables are built by the preprocessor from the g711.c formulas, so they are
 * compile-time constants without a 256-line literal to keep in sync. */
#define ULAW_T(u) ((((((~(u)) & 0x0F) << 3) + 0x84) << ((((~(u)) & 0x70)) >> 4)))
#define ULAW_DEC(c) ((int16_t)(((~(c)) & 0x80) ? (0x84 - ULAW_T(c)) : (ULAW_T(c) - 0x84)))

#define ALAW_X(c) ((c) ^ 0x55)
#define ALAW_SEG(c) ((ALAW_X(c) & 0x70) >> 4)
#define ALAW_Q(c) ((ALAW_X(c) & 0x0F) << 4)
#define ALAW_MAG(c) (ALAW_SEG(c) == 0 ? ALAW_Q(c) + 8 \
                   : ALAW_SEG(c) == 1 ? ALAW_Q(c) + 0x108 \
                   : (ALAW_Q(c) + 0x108) << (ALAW_SEG(c) > 1 ? ALAW_SEG(c) - 1 : 0))
#define ALAW_DEC(c) ((int16_t)((ALAW_X(c) & 0x80) ? ALAW_MAG(c) : -ALAW_MAG(c)))

#define R4(F, b) F(b), F(b + 1), F(b + 2), F(b + 3)
#define R16(F, b) R4(F, b), R4(F, b + 4), R4(F, b + 8), R4(F, b + 12)
#define R64(F, b) R16(F, b), R16(F, b + 16), R16(F, b + 32), R16(F, b + 48)
#define R256(F) R64(F, 0), R64(F, 64), R64(F, 128), R64(F, 192)

_Alignas(64) const int16_t es_ulaw_decode_table[256] = {R256(ULAW_DEC)};
_Alignas(64) const int16_t es_alaw_decode_table[256] = {R256(ALAW_DEC)};

_Static_assert(sizeof(es_ulaw_decode_table) == 512, "mu-law table is 256 int16");
_Static_assert(sizeof(es_alaw_decode_table) == 512, "A-law table is 256 int16");

/* Segment number of a biased μ-law magnitude v in [33, 8192]: the first s with
 * v <= 0x3F << s | ... (g711.c's seg_uend search), i.e. the bit length of v >> 6. */
static inline unsigned bit_length(unsigned x) {
    return x ? 32u - (unsigned)__builtin_clz(x) : 0u;
}

uint8_t es_ulaw_encode_sample(int16_t pcm) {
    int v = pcm >> 2;
    unsigned mask = 0xFF;
    if (v < 0) {
        v = -v;
        mask = 0x7F;
    }
    if (v > 8159) v = 8159;
    v += 33;
    unsigned seg = bit_length((unsigned)v >> 6);
    if (seg >= 8) return (uint8_t)(0x7F ^ mask);
    return (uint8_t)(((seg << 4) | (((unsigned)v >> (seg + 1)) & 0x0F)) ^ mask);
}

uint8_t es_alaw_encode_sample(int16_t pcm) {
    int v = pcm >> 3;
    unsigned mask = 0xD5;
    if (v < 0) {
        mask = 0x55;
        v = -v - 1;
    }
    /* seg_aend = {0x1F, 0x3F, ...}: first s with v <= (0x20 << s) - 1. */
    unsigned seg = bit_length((unsigned)v >> 5);
    if (seg >= 8) return (uint8_t)(0x7F ^ mask);
    unsigned aval = seg << 4;
    aval |= (seg < 2) ? (((unsigned)v >> 1) & 0x0F) : (((unsigned)v >> seg) & 0x0F);
    return (uint8_t)(aval ^ mask);
}

long es_ulaw_decode(const uint8_t *restrict in, size_t n, int16_t *restrict out) {
    if (n == 0) return 0;
    if (!in || !out || n > (size_t)LONG_MAX) return ES_EINVAL;
    for (size_t i = 0; i < n; i++) out[i] = es_ulaw_decode_table[in[i]];
    return (long)n;
}

long es_alaw_decode(const uint8_t *restrict in, size_t n, int16_t *restrict out) {
    if (n == 0) return 0;
    if (!in || !out || n > (size_t)LONG_MAX) return ES_EINVAL;
    for (size_t i = 0; i < n; i++) out[i] = es_alaw_decode_table[in[i]];
    return (long)n;
}

long es_ulaw_encode(const int16_t *restrict in, size_t n, uint8_t *restrict out) {
    if (n == 0) return 0;
    if (!in || !out || n > (size_t)LONG_MAX) return ES_EINVAL;
    for (size_t i = 0; i < n; i++) out[i] = es_ulaw_encode_sample(in[i]);
    return (long)n;
}

long es_alaw_encode(const int16_t *restrict in, size_t n, uint8_t *restrict out) {
    if (n == 0) return 0;
    if (!in || !out || n > (size_t)LONG_MAX) return ES_EINVAL;
    for (size_t i = 0; i < n; i++) out[i] = es_alaw_encode_sample(in[i]);
    return (long)n;
}
