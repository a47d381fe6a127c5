/* The offline voice engines: argument checks, and one real synthesis and decode each.
 * Needs espeak-ng-data and pocketsphinx-en-us (EARSHOT_SPHINX_MODEL_DIR overrides the model). */
#include "es_test.h"

#include "CEarshotVoice.h"

static const char *sphinx_model_dir(void) {
    const char *dir = getenv("EARSHOT_SPHINX_MODEL_DIR");
    return dir && *dir ? dir : "/usr/share/pocketsphinx/model/en-us";
}

typedef struct {
    char hmm[1024], lm[1024], dict[1024];
    es_sphinx_config cfg;
} sphinx_paths;

static void default_sphinx_config(sphinx_paths *p) {
    const char *dir = sphinx_model_dir();
    snprintf(p->hmm, sizeof p->hmm, "%s/en-us", dir);
    snprintf(p->lm, sizeof p->lm, "%s/en-us.lm.bin", dir);
    snprintf(p->dict, sizeof p->dict, "%s/cmudict-en-us.dict", dir);
    p->cfg = (es_sphinx_config){p->hmm, p->lm, p->dict, 16000, NULL, 0};
}

/* Speaks text with espeak-ng (handle e) and returns it resampled to 16 kHz. */
static int16_t *speak_16k(es_espeak *e, const char *text, size_t *n) {
    size_t cap = 22050 * 10;
    int16_t *pcm = malloc(cap * sizeof *pcm);
    long got = es_espeak_synthesize(e, text, strlen(text), pcm, cap);
    CHECK(got > 0);
    if (got <= 0) got = 0;
    es_resampler *r = es_resampler_create(22050, 16000, 5, NULL);
    size_t out_cap = es_resampler_max_output(r, (size_t)got);
    int16_t *out = malloc((out_cap + 1) * sizeof *out);
    long m = es_resampler_process(r, pcm, (size_t)got, out, out_cap);
    es_resampler_destroy(r);
    free(pcm);
    *n = m > 0 ? (size_t)m : 0;
    return out;
}

static void test_espeak_arguments(void) {
    int err = 0;
    CHECK(es_espeak_create("/nonexistent/espeak-data", &err) == NULL && err == ES_ENOTFOUND);
    es_espeak *e = es_espeak_create(NULL, &err);
    CHECK(e != NULL && err == ES_OK);
    if (!e) return;
    CHECK(es_espeak_create(NULL, &err) == NULL && err == ES_EBUSY);
    CHECK_EQ(es_espeak_sample_rate(e), 22050);
    CHECK_EQ(es_espeak_sample_rate(NULL), ES_EINVAL);

    char long_name[ES_ESPEAK_MAX_VOICE_NAME + 2];
    memset(long_name, 'a', sizeof long_name - 1);
    long_name[sizeof long_name - 1] = '\0';
    CHECK_EQ(es_espeak_set_voice(NULL, "en-us"), ES_EINVAL);
    CHECK_EQ(es_espeak_set_voice(e, NULL), ES_EINVAL);
    CHECK_EQ(es_espeak_set_voice(e, ""), ES_EINVAL);
    CHECK_EQ(es_espeak_set_voice(e, long_name), ES_EINVAL);
    CHECK_EQ(es_espeak_set_voice(e, "zz-nowhere"), ES_ENOTFOUND);
    CHECK_EQ(es_espeak_set_voice(e, "en-US"), ES_OK);
    CHECK_EQ(es_espeak_set_voice(e, "hi"), ES_OK);
    CHECK_EQ(es_espeak_set_voice(e, "en-us"), ES_OK);
    CHECK_EQ(es_espeak_set_rate(e, ES_ESPEAK_MIN_RATE - 1), ES_EINVAL);
    CHECK_EQ(es_espeak_set_rate(e, ES_ESPEAK_MAX_RATE + 1), ES_EINVAL);
    CHECK_EQ(es_espeak_set_rate(NULL, 175), ES_EINVAL);
    CHECK_EQ(es_espeak_set_rate(e, 175), ES_OK);

    int16_t small[64];
    static char too_long[ES_ESPEAK_MAX_TEXT_BYTES + 1];
    memset(too_long, 'a', sizeof too_long);
    CHECK_EQ(es_espeak_synthesize(NULL, "hi", 2, small, 64), ES_EINVAL);
    CHECK_EQ(es_espeak_synthesize(e, NULL, 2, small, 64), ES_EINVAL);
    CHECK_EQ(es_espeak_synthesize(e, "hi", 2, NULL, 64), ES_EINVAL);
    CHECK_EQ(es_espeak_synthesize(e, "hi", 2, small, 0), ES_EINVAL);
    CHECK_EQ(es_espeak_synthesize(e, "a\0b", 3, small, 64), ES_EINVAL);
    CHECK_EQ(es_espeak_synthesize(e, too_long, sizeof too_long, small, 64), ES_EINVAL);
    CHECK_EQ(es_espeak_synthesize(e, NULL, 0, small, 64), 0);
    CHECK_EQ(es_espeak_synthesize(e, "Hello there.", 12, small, 64), ES_ENOSPC);
    es_espeak_destroy(e);
    es_espeak_destroy(NULL);
    /* espeak-ng stays loaded: the next handle must use the same data, and starts afresh. */
    CHECK(es_espeak_create("/", &err) == NULL && err == ES_EBUSY);
    e = es_espeak_create(NULL, &err);
    CHECK(e != NULL && err == ES_OK);
    es_espeak_destroy(e);
}

static void test_espeak_speaks_a_sentence(void) {
    es_espeak *e = es_espeak_create(NULL, NULL);
    CHECK(e != NULL);
    if (!e) return;
    CHECK_EQ(es_espeak_set_voice(e, "en-us"), ES_OK);
    const char *text = "Thank you for calling. How can I help you today?";
    size_t cap = 22050 * 10;
    int16_t *pcm = malloc(cap * sizeof *pcm);
    long n = es_espeak_synthesize(e, text, strlen(text), pcm, cap);
    /* Ten words at ~175 words per minute, plus a pause: about three seconds. */
    CHECK(n > 22050 * 3 / 2 && n < 22050 * 6);
    int peak = 0;
    for (long i = 0; i < n; i++) peak = abs(pcm[i]) > peak ? abs(pcm[i]) : peak;
    CHECK(peak > 1000);
    /* The same text again: the same length give or take a few samples (espeak-ng draws
     * fricative noise at random, so the audio is not bit-identical). */
    long again = es_espeak_synthesize(e, text, strlen(text), pcm, cap);
    CHECK(labs(again - n) < 22050 / 100);
    free(pcm);
    es_espeak_destroy(e);
}

static void test_sphinx_arguments(void) {
    int err = 0;
    sphinx_paths p;
    default_sphinx_config(&p);
    es_sphinx_config bad = p.cfg;
    CHECK(es_sphinx_create(NULL, &err) == NULL && err == ES_EINVAL);
    bad.dictionary = NULL;
    CHECK(es_sphinx_create(&bad, &err) == NULL && err == ES_EINVAL);
    bad = p.cfg;
    bad.sample_rate = 44100;
    CHECK(es_sphinx_create(&bad, &err) == NULL && err == ES_EINVAL);
    bad = p.cfg;
    bad.acoustic_model = "/nonexistent/hmm";
    CHECK(es_sphinx_create(&bad, &err) == NULL && err == ES_ENOTFOUND);
    bad = p.cfg;
    bad.language_model = "/nonexistent/lm.bin";
    CHECK(es_sphinx_create(&bad, &err) == NULL && err == ES_ENOTFOUND);
    const char *odd[] = {"-beam"};
    bad = p.cfg;
    bad.options = odd;
    bad.option_count = 1;
    CHECK(es_sphinx_create(&bad, &err) == NULL && err == ES_EINVAL);
    const char *unknown[] = {"-no-such-option", "1"};
    bad.options = unknown;
    bad.option_count = 2;
    CHECK(es_sphinx_create(&bad, &err) == NULL && err == ES_EINVAL);
    const char *not_an_option[] = {"beam", "1e-48"};
    bad.options = not_an_option;
    CHECK(es_sphinx_create(&bad, &err) == NULL && err == ES_EINVAL);
    const char *null_value[] = {"-beam", NULL};
    bad.options = null_value;
    CHECK(es_sphinx_create(&bad, &err) == NULL && err == ES_EINVAL);

    CHECK_EQ(es_sphinx_sample_rate(NULL), ES_EINVAL);
    char text[8];
    int16_t pcm[160] = {0};
    CHECK_EQ(es_sphinx_decode(NULL, pcm, 160, text, sizeof text), ES_EINVAL);
    CHECK_EQ(es_sphinx_begin(NULL), ES_EINVAL);
    CHECK_EQ(es_sphinx_feed(NULL, pcm, 160), ES_EINVAL);
    CHECK_EQ(es_sphinx_end(NULL, text, sizeof text), ES_EINVAL);
    es_sphinx_destroy(NULL);
}

static void test_sphinx_recognises_espeak(void) {
    int err = 0;
    sphinx_paths p;
    default_sphinx_config(&p);
    const char *options[] = {"-beam", "1e-48"};
    p.cfg.options = options;
    p.cfg.option_count = 2;
    es_sphinx *s = es_sphinx_create(&p.cfg, &err);
    CHECK(s != NULL && err == ES_OK);
    es_espeak *e = es_espeak_create(NULL, NULL);
    CHECK(e != NULL);
    if (!s || !e) {
        es_sphinx_destroy(s);
        es_espeak_destroy(e);
        return;
    }
    CHECK_EQ(es_sphinx_sample_rate(s), 16000);
    CHECK_EQ(es_espeak_set_voice(e, "en-us+f2"), ES_OK);
    CHECK_EQ(es_espeak_set_rate(e, 150), ES_OK);
    size_t n = 0;
    int16_t *pcm = speak_16k(e, "What time do you open on Sunday?", &n);
    char text[256];
    char tiny[4];
    int16_t silence[1600] = {0};

    /* Misuse of a live decoder. */
    CHECK_EQ(es_sphinx_decode(s, NULL, 10, text, sizeof text), ES_EINVAL);
    CHECK_EQ(es_sphinx_decode(s, pcm, n, NULL, sizeof text), ES_EINVAL);
    CHECK_EQ(es_sphinx_decode(s, pcm, n, text, 0), ES_EINVAL);
    CHECK_EQ(es_sphinx_feed(s, pcm, n), ES_EINVAL);   /* no utterance begun */
    CHECK_EQ(es_sphinx_end(s, text, sizeof text), ES_EINVAL);

    long len = es_sphinx_decode(s, pcm, n, text, sizeof text);
    CHECK(len > 0);
    printf("     decode: \"%s\"\n", len >= 0 ? text : "");
    CHECK(len > 0 && strstr(text, "open") != NULL);
    CHECK_EQ(es_sphinx_decode(s, pcm, n, tiny, sizeof tiny), ES_ENOSPC);
    CHECK_EQ(strlen(tiny), sizeof tiny - 1);
    CHECK(es_sphinx_decode(s, silence, 1600, text, sizeof text) >= 0);

    /* Incremental: the same audio in 20 ms pieces. */
    CHECK_EQ(es_sphinx_begin(s), ES_OK);
    CHECK_EQ(es_sphinx_begin(s), ES_EINVAL);
    CHECK_EQ(es_sphinx_decode(s, pcm, n, text, sizeof text), ES_EINVAL);
    CHECK_EQ(es_sphinx_feed(s, NULL, 320), ES_EINVAL);
    for (size_t at = 0; at < n; at += 320) CHECK(es_sphinx_feed(s, pcm + at, n - at < 320 ? n - at : 320) >= 0);
    len = es_sphinx_end(s, text, sizeof text);
    printf("     stream: \"%s\"\n", len >= 0 ? text : "");
    CHECK(len > 0 && strstr(text, "open") != NULL);
    CHECK_EQ(es_sphinx_end(s, text, sizeof text), ES_EINVAL);

    free(pcm);
    es_espeak_destroy(e);
    es_sphinx_destroy(s);
}

const es_test_case voice_tests[] = {
    {"voice: espeak-ng bad arguments are errors, one handle per process", test_espeak_arguments},
    {"voice: espeak-ng speaks a sentence at 22,050 Hz, repeatably", test_espeak_speaks_a_sentence},
    {"voice: pocketsphinx bad arguments and missing models are errors", test_sphinx_arguments},
    {"voice: pocketsphinx hears espeak-ng (whole and in 20 ms pieces)", test_sphinx_recognises_espeak},
    {NULL, NULL},
};
