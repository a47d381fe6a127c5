#include "es_resample.h"

#include <limits.h>
#include <speex/speex_resampler.h>
#include <stdlib.h>

struct es_resampler {
    SpeexResamplerState *st;
    int in_rate;
    int out_rate;
};

static int rate_ok(int rate) { return rate >= 8000 && rate <= 48000; }

es_resampler *es_resampler_create(int in_rate, int out_rate, int quality, int *err) {
    int dummy;
    if (!err) err = &dummy;
    if (!rate_ok(in_rate) || !rate_ok(out_rate) || quality < 0 || quality > 10) {
        *err = ES_EINVAL;
        return NULL;
    }
    es_resampler *r = calloc(1, sizeof *r);
    if (!r) {
        *err = ES_ENOMEM;
        return NULL;
    }
    int sp_err = 0;
    r->st = speex_resampler_init(1, (spx_uint32_t)in_rate, (spx_uint32_t)out_rate, quality, &sp_err);
    if (!r->st || sp_err != RESAMPLER_ERR_SUCCESS) {
        free(r);
        *err = ES_ELIB;
        return NULL;
    }
    /* Start with a primed filter so the first output sample lines up with the first input. */
    speex_resampler_skip_zeros(r->st);
    r->in_rate = in_rate;
    r->out_rate = out_rate;
    *err = ES_OK;
    return r;
}

void es_resampler_destroy(es_resampler *r) {
    if (!r) return;
    speex_resampler_destroy(r->st);
    free(r);
}

int es_resampler_reset(es_resampler *r) {
    if (!r) return ES_EINVAL;
    if (speex_resampler_reset_mem(r->st) != RESAMPLER_ERR_SUCCESS) return ES_ELIB;
    speex_resampler_skip_zeros(r->st);
    return ES_OK;
}

size_t es_resampler_max_output(const es_resampler *r, size_t n) {
    if (!r || n > (SIZE_MAX - 2) / (size_t)r->out_rate) return 0;
    return n * (size_t)r->out_rate / (size_t)r->in_rate + 2;
}

long es_resampler_process(es_resampler *r, const int16_t *in, size_t n, int16_t *out, size_t out_cap) {
    if (!r || (!in && n > 0) || (!out && out_cap > 0)) return ES_EINVAL;
    if (n > UINT32_MAX / 2 || out_cap > UINT32_MAX / 2) return ES_EINVAL;
    if (n == 0) return 0;
    if (out_cap < es_resampler_max_output(r, n)) return ES_ENOSPC;
    spx_uint32_t in_len = (spx_uint32_t)n;
    spx_uint32_t out_len = (spx_uint32_t)out_cap;
    int rc = speex_resampler_process_int(r->st, 0, in, &in_len, out, &out_len);
    if (rc != RESAMPLER_ERR_SUCCESS || in_len != n) return ES_ELIB;
    return (long)out_len;
}

int es_resampler_latency(const es_resampler *r) {
    if (!r) return ES_EINVAL;
    return speex_resampler_get_input_latency(r->st);
}
