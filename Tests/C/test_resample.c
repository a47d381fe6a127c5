#include "es_test.h"

#include <math.h>

/* Counts upward zero crossings: a frequency estimate that ignores amplitude. */
static int crossings(const int16_t *x, size_t n) {
    int c = 0;
    for (size_t i = 1; i < n; i++) c += x[i - 1] < 0 && x[i] >= 0;
    return c;
}

static int16_t *sine(int rate, double hz, size_t n) {
    int16_t *x = malloc(n * sizeof *x);
    for (size_t i = 0; i < n; i++) x[i] = (int16_t)(8000.0 * sin(2.0 * M_PI * hz * (double)i / rate));
    return x;
}

static void test_downsample_keeps_frequency_and_length(void) {
    int rates[] = {16000, 22050, 24000, 44100, 48000};
    for (size_t k = 0; k < sizeof rates / sizeof rates[0]; k++) {
        int rate = rates[k];
        size_t n = (size_t)rate; /* one second */
        int16_t *in = sine(rate, 1000.0, n);
        es_resampler *r = es_resampler_create(rate, 8000, 5, NULL);
        CHECK(r != NULL);
        int16_t *out = malloc(es_resampler_max_output(r, n) * sizeof *out);
        long got = es_resampler_process(r, in, n, out, es_resampler_max_output(r, n));
        CHECK(got >= 7950 && got <= 8000);
        int c = crossings(out, (size_t)got);
        CHECK(c >= 985 && c <= 1000);
        es_resampler_destroy(r);
        free(in);
        free(out);
    }
}

static void test_chunked_equals_whole(void) {
    size_t n = 24000;
    int16_t *in = sine(24000, 440.0, n);
    es_resampler *whole = es_resampler_create(24000, 8000, 3, NULL);
    es_resampler *parts = es_resampler_create(24000, 8000, 3, NULL);
    static int16_t a[9000], b[9000];
    long na = es_resampler_process(whole, in, n, a, 9000);
    long nb = 0;
    size_t chunks[] = {1, 479, 480, 7, 2000};
    size_t off = 0, ci = 0;
    while (off < n) {
        size_t c = chunks[ci++ % 5];
        if (c > n - off) c = n - off;
        long got = es_resampler_process(parts, in + off, c, b + nb, 9000 - (size_t)nb);
        CHECK(got >= 0);
        nb += got;
        off += c;
    }
    CHECK_EQ(na, nb);
    CHECK(memcmp(a, b, (size_t)na * sizeof a[0]) == 0);
    es_resampler_destroy(whole);
    es_resampler_destroy(parts);
    free(in);
}

static void test_upsample_8_to_16(void) {
    int16_t *in = sine(8000, 500.0, 8000);
    es_resampler *r = es_resampler_create(8000, 16000, 5, NULL);
    static int16_t out[16002];
    long got = es_resampler_process(r, in, 8000, out, 16002);
    CHECK(got >= 15900 && got <= 16000);
    int c = crossings(out, (size_t)got);
    CHECK(c >= 490 && c <= 500);
    CHECK_EQ(es_resampler_reset(r), ES_OK);
    CHECK(es_resampler_latency(r) > 0);
    es_resampler_destroy(r);
    free(in);
}

static void test_resampler_arguments(void) {
    int err = 0;
    CHECK(es_resampler_create(7999, 8000, 5, &err) == NULL && err == ES_EINVAL);
    CHECK(es_resampler_create(8000, 96000, 5, &err) == NULL && err == ES_EINVAL);
    CHECK(es_resampler_create(8000, 16000, 11, &err) == NULL && err == ES_EINVAL);
    es_resampler *r = es_resampler_create(24000, 8000, 5, NULL);
    int16_t in[300] = {0}, out[100];
    CHECK_EQ(es_resampler_process(r, in, 300, out, 50), ES_ENOSPC);
    CHECK_EQ(es_resampler_process(r, NULL, 300, out, 100), ES_EINVAL);
    CHECK_EQ(es_resampler_process(NULL, in, 300, out, 100), ES_EINVAL);
    CHECK_EQ(es_resampler_process(r, in, 0, out, 100), 0);
    es_resampler_destroy(r);
    es_resampler_destroy(NULL);
}

const es_test_case resample_tests[] = {
    {"resample: 16/22.05/24/44.1/48 kHz to 8 kHz keeps a tone", test_downsample_keeps_frequency_and_length},
    {"resample: chunked input equals one call", test_chunked_equals_whole},
    {"resample: 8 kHz to 16 kHz", test_upsample_8_to_16},
    {"resample: bad arguments are errors", test_resampler_arguments},
    {NULL, NULL},
};
