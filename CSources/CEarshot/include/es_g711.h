/* ITU-T G.711 μ-law and A-law, bit-exact with CPython's audioop
 * (lin2ulaw / ulaw2lin / lin2alaw / alaw2lin, i.e. Sun's g711.c). */
#ifndef ES_G711_H
#define ES_G711_H

#include "es_common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* 256-entry decode tables: code -> PCM16 sample. */
extern const int16_t es_ulaw_decode_table[256];
extern const int16_t es_alaw_decode_table[256];

/* Single-sample conversions (no argument can be invalid). */
uint8_t es_ulaw_encode_sample(int16_t pcm);
uint8_t es_alaw_encode_sample(int16_t pcm);
static inline int16_t es_ulaw_decode_sample(uint8_t code) { return es_ulaw_decode_table[code]; }
static inline int16_t es_alaw_decode_sample(uint8_t code) { return es_alaw_decode_table[code]; }

/* Bulk conversions of n samples. Buffers must not overlap.
 * Return n, or ES_EINVAL when a pointer is NULL while n > 0. */
long es_ulaw_decode(const uint8_t *in, size_t n, int16_t *out);
long es_ulaw_encode(const int16_t *in, size_t n, uint8_t *out);
long es_alaw_decode(const uint8_t *in, size_t n, int16_t *out);
long es_alaw_encode(const int16_t *in, size_t n, uint8_t *out);

#ifdef __cplusplus
}
#endif
#endif
