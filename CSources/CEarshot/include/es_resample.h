/* Streaming sample-rate conversion (speexdsp), mono int16. State carries across
 * chunks, so a stream cut into arbitrary pieces resamples like the whole. */
#ifndef ES_RESAMPLE_H
#define ES_RESAMPLE_H

#include "es_common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct es_resampler es_resampler;

/* Rates 8000..48000 Hz; quality 0 (fastest) .. 10 (best). */
es_resampler *es_resampler_create(int in_rate, int out_rate, int quality, int *err);
void es_resampler_destroy(es_resampler *r);
int es_resampler_reset(es_resampler *r);
/* Output samples that n input samples can produce at most (for sizing out). */
size_t es_resampler_max_output(const es_resampler *r, size_t n);
/* Resample n samples into out (capacity out_cap, at least es_resampler_max_output(n)).
 * Consumes all the input. Returns the samples written, ES_ENOSPC or ES_EINVAL. */
long es_resampler_process(es_resampler *r, const int16_t *in, size_t n, int16_t *out, size_t out_cap);
/* The resampler's delay in input samples (what a final flush of zeros would push out). */
int es_resampler_latency(const es_resampler *r);

#ifdef __cplusplus
}
#endif
#endif
