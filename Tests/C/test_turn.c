#include "es_test.h"

int16_t *es_load_fixture_pcm(int rate, size_t *samples);

/* Feeds a string of '0'/'1' decisions; records events as "S@frame" / "E@frame". */
static void run_smoother(es_smoother *s, const char *bits, char *log, size_t cap) {
    log[0] = 0;
    for (const char *b = bits; *b; b++) {
        es_turn_event ev;
        if (es_smoother_push(s, *b - '0', &ev) == 1) {
            size_t used = strlen(log);
            snprintf(log + used, cap - used, "%s%c%u/%u", used ? " " : "",
                     ev.type == ES_TURN_SPEECH_STARTED ? 'S' : 'E', ev.frame,
                     ev.type == ES_TURN_SPEECH_STARTED ? ev.onset_frame : ev.last_voiced_frame);
        }
    }
}

static void test_smoother_k_of_w_and_silence_run(void) {
    es_smoother s;
    es_smoother_config c = {.window_frames = 5, .start_frames = 3, .end_frames = 4};
    CHECK_EQ(es_smoother_init(&s, &c), ES_OK);
    char log[256];
    /* frames:     0123456789012345678 */
    run_smoother(&s, "0101100110000100000", log, sizeof log);
    /* 3 of the last 5 voiced first at frame 4 (1,3,4): onset 1. A silence run of 4 ends it
     * at frame 12 (last voiced 8). History cleared: frame 13 alone does not restart. */
    CHECK(strcmp(log, "S4/1 E12/8") == 0);
    if (strcmp(log, "S4/1 E12/8") != 0) fprintf(stderr, "  got %s\n", log);
}

static void test_smoother_min_speech_and_restart(void) {
    es_smoother s;
    es_smoother_config c = {.window_frames = 4, .start_frames = 2, .end_frames = 2, .min_speech_frames = 4};
    CHECK_EQ(es_smoother_init(&s, &c), ES_OK);
    char log[256];
    /* 1,1 at frames 0-1 meets K but spans only 2 < 4 frames; frame 3 spans 4: start. */
    run_smoother(&s, "1101001111001", log, sizeof log);
    CHECK(strcmp(log, "S3/0 E5/3 S9/6 E11/9") == 0);
    if (strcmp(log, "S3/0 E5/3 S9/6 E11/9") != 0) fprintf(stderr, "  got %s\n", log);
    es_smoother_reset(&s);
    run_smoother(&s, "0000", log, sizeof log);
    CHECK(strcmp(log, "") == 0);
}

static void test_smoother_window_of_64(void) {
    es_smoother s;
    es_smoother_config c = {.window_frames = 64, .start_frames = 64, .end_frames = 1};
    CHECK_EQ(es_smoother_init(&s, &c), ES_OK);
    char bits[80], log[64];
    memset(bits, '1', 70);
    bits[70] = 0;
    run_smoother(&s, bits, log, sizeof log);
    CHECK(strcmp(log, "S63/0") == 0);
}

static void test_smoother_arguments(void) {
    es_smoother s;
    es_turn_event ev;
    es_smoother_config bad[] = {{0, 1, 1, 0}, {65, 1, 1, 0}, {5, 6, 1, 0}, {5, 0, 1, 0}, {5, 3, 0, 0}, {5, 3, 1, 6}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) CHECK_EQ(es_smoother_init(&s, &bad[i]), ES_EINVAL);
    es_smoother_config ok = {5, 3, 2, 0};
    CHECK_EQ(es_smoother_init(&s, &ok), ES_OK);
    CHECK_EQ(es_smoother_push(&s, 2, &ev), ES_EINVAL);
    CHECK_EQ(es_smoother_push(&s, 1, NULL), ES_EINVAL);
    CHECK_EQ(es_smoother_push(NULL, 1, &ev), ES_EINVAL);
}

/* Runs the default detector over the 8 kHz fixture fed in chunks of chunk bytes. */
static size_t run_fixture(size_t chunk, es_turn_event *out, size_t cap) {
    size_t len;
    unsigned char *ulaw = es_read_fixture("vad/speech8k.ulaw", &len);
    es_turn_config cfg;
    es_turn_config_default(&cfg);
    int err;
    es_turn *t = es_turn_create(&cfg, &err);
    CHECK(t != NULL);
    size_t total = 0;
    es_turn_event ev[64];
    for (size_t off = 0; off < len; off += chunk) {
        size_t n = len - off < chunk ? len - off : chunk;
        long got = es_turn_process_ulaw(t, ulaw + off, n, ev, 64);
        CHECK(got >= 0);
        for (long i = 0; i < got && total < cap; i++) out[total++] = ev[i];
    }
    CHECK_EQ(es_turn_frames(t), len / 160);
    es_turn_destroy(t);
    free(ulaw);
    return total;
}

static void test_turn_finds_the_three_sentences(void) {
    es_turn_event ev[32];
    size_t n = run_fixture(160, ev, 32);
    /* The fixture speaks three sentences separated by long gaps (one with a noise burst). */
    CHECK_EQ(n, 6);
    for (size_t i = 0; i < n; i++) {
        CHECK_EQ(ev[i].type, i % 2 == 0 ? ES_TURN_SPEECH_STARTED : ES_TURN_SPEECH_ENDED);
        if (ev[i].type == ES_TURN_SPEECH_ENDED) {
            CHECK_EQ(ev[i].frame - ev[i].last_voiced_frame, 15);
            CHECK(ev[i].onset_frame == ev[i - 1].onset_frame);
        } else {
            CHECK(ev[i].audio_start_frame + 15 == ev[i].onset_frame || ev[i].audio_start_frame == 0);
        }
    }
}

static void test_turn_chunking_does_not_matter(void) {
    es_turn_event a[32], b[32];
    size_t na = run_fixture(160, a, 32);
    size_t sizes[] = {1, 7, 80, 333, 1000};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        size_t nb = run_fixture(sizes[i], b, 32);
        CHECK_EQ(nb, na);
        CHECK(memcmp(a, b, na * sizeof a[0]) == 0);
    }
}

static void test_turn_base64_and_pcm_paths_agree(void) {
    size_t len;
    unsigned char *ulaw = es_read_fixture("vad/speech8k.ulaw", &len);
    es_turn_config cfg;
    es_turn_config_default(&cfg);
    es_turn *tu = es_turn_create(&cfg, NULL);
    cfg.input = ES_TURN_INPUT_PCM16;
    es_turn *tp = es_turn_create(&cfg, NULL);
    es_turn *tb;
    cfg.input = ES_TURN_INPUT_ULAW;
    tb = es_turn_create(&cfg, NULL);
    int bad = 0, events = 0;
    for (size_t off = 0; off + 160 <= len; off += 160) {
        es_turn_event e1[2], e2[2], e3[2];
        int16_t pcm[160];
        char text[216];
        es_ulaw_decode(ulaw + off, 160, pcm);
        es_base64_encode(ulaw + off, 160, text, sizeof text);
        long n1 = es_turn_process_ulaw(tu, ulaw + off, 160, e1, 2);
        long n2 = es_turn_process_pcm16(tp, pcm, 160, e2, 2);
        long n3 = es_turn_process_base64(tb, text, 216, e3, 2);
        if (n1 != n2 || n1 != n3 || (n1 > 0 && (memcmp(e1, e2, sizeof e1[0] * (size_t)n1) ||
                                                memcmp(e1, e3, sizeof e1[0] * (size_t)n1))))
            bad++;
        events += (int)n1;
    }
    CHECK_EQ(bad, 0);
    CHECK_EQ(events, 6);
    es_turn_destroy(tu);
    es_turn_destroy(tp);
    es_turn_destroy(tb);
    free(ulaw);
}

static void test_turn_errors_change_nothing(void) {
    es_turn_config cfg;
    es_turn_config_default(&cfg);
    es_turn *t = es_turn_create(&cfg, NULL);
    uint8_t ulaw[400];
    memset(ulaw, 0xFF, sizeof ulaw);
    es_turn_event ev[4];
    CHECK_EQ(es_turn_process_ulaw(t, ulaw, 100, ev, 0), 0); /* completes no frame: no room needed */
    CHECK_EQ(es_turn_process_ulaw(t, ulaw, 400, ev, 2), ES_ENOSPC); /* would complete 3 */
    CHECK_EQ(es_turn_frames(t), 0);
    CHECK_EQ(es_turn_process_base64(t, "not base64!", 11, ev, 4), ES_EBADDATA);
    CHECK_EQ(es_turn_process_base64(t, "////", 4, ev, 4), 0);
    CHECK_EQ(es_turn_frames(t), 0);
    int16_t pcm[160] = {0};
    CHECK_EQ(es_turn_process_pcm16(t, pcm, 160, ev, 4), ES_EFORMAT);
    CHECK_EQ(es_turn_process_ulaw(t, ulaw, 57, ev, 4), 0); /* 100 + 3 + 57 = 160: one frame, silent */
    CHECK_EQ(es_turn_frames(t), 1);
    static char huge[ES_TURN_MAX_BASE64 + 4];
    memset(huge, 'A', sizeof huge);
    CHECK_EQ(es_turn_process_base64(t, huge, sizeof huge, ev, 4), ES_ENOSPC);
    CHECK_EQ(es_turn_process_ulaw(NULL, ulaw, 1, ev, 1), ES_EINVAL);
    CHECK_EQ(es_turn_process_ulaw(t, NULL, 1, ev, 1), ES_EINVAL);
    CHECK_EQ(es_turn_process_ulaw(t, ulaw, 160, NULL, 1), ES_EINVAL);
    CHECK_EQ(es_turn_reset(t), ES_OK);
    CHECK_EQ(es_turn_frames(t), 0);
    es_turn_destroy(t);

    int err = 0;
    es_turn_config c2 = cfg;
    c2.sample_rate = 16000; /* μ-law input is 8 kHz only */
    CHECK(es_turn_create(&c2, &err) == NULL && err == ES_EINVAL);
    c2 = cfg;
    c2.frame_ms = 25;
    CHECK(es_turn_create(&c2, &err) == NULL && err == ES_EINVAL);
    c2 = cfg;
    c2.smoothing.start_frames = 31;
    CHECK(es_turn_create(&c2, &err) == NULL && err == ES_EINVAL);
    CHECK(es_turn_create(NULL, &err) == NULL && err == ES_EINVAL);
}

static void test_turn_recent_audio_reaches_back_to_preroll(void) {
    size_t len;
    unsigned char *ulaw = es_read_fixture("vad/speech8k.ulaw", &len);
    es_turn_config cfg;
    es_turn_config_default(&cfg);
    es_turn *t = es_turn_create(&cfg, NULL);
    static uint8_t audio[16000];
    int checked = 0;
    for (size_t off = 0; off + 160 <= len; off += 160) {
        es_turn_event ev[2];
        long n = es_turn_process_ulaw(t, ulaw + off, 160, ev, 2);
        if (n == 1 && ev[0].type == ES_TURN_SPEECH_STARTED) {
            long got = es_turn_recent_audio(t, ev[0].audio_start_frame, audio, sizeof audio);
            size_t want = (ev[0].frame + 1 - ev[0].audio_start_frame) * 160;
            CHECK_EQ(got, (long)want);
            CHECK(got > 0 && memcmp(audio, ulaw + ev[0].audio_start_frame * 160, want) == 0);
            CHECK_EQ(es_turn_recent_audio(t, ev[0].audio_start_frame, audio, 10), ES_ENOSPC);
            checked++;
        }
    }
    CHECK_EQ(checked, 3);
    /* Asking for more than the ring holds gives what it holds. */
    long all = es_turn_recent_audio(t, 0, audio, sizeof audio);
    CHECK_EQ(all, (15 + 30 + 1) * 160);
    es_turn_destroy(t);
    free(ulaw);
}

static void test_turn_recent_audio_after_reset(void) {
    /* Found by fuzz_turn: a reset must restart the stream position with the frame count. */
    es_turn_config cfg;
    es_turn_config_default(&cfg);
    es_turn *t = es_turn_create(&cfg, NULL);
    uint8_t frame[160], out[1000];
    es_turn_event ev[1];
    memset(frame, 0xFF, sizeof frame);
    es_turn_process_ulaw(t, frame, 160, ev, 1);
    CHECK_EQ(es_turn_reset(t), ES_OK);
    es_turn_process_ulaw(t, frame, 160, ev, 1);
    CHECK_EQ(es_turn_recent_audio(t, 1, out, sizeof out), 0);
    CHECK_EQ(es_turn_recent_audio(t, 0, out, sizeof out), 160);
    es_turn_destroy(t);
}

static void test_turn_16k_pcm(void) {
    size_t n;
    int16_t *pcm = es_load_fixture_pcm(16000, &n);
    es_turn_config cfg;
    es_turn_config_default(&cfg);
    cfg.sample_rate = 16000;
    cfg.input = ES_TURN_INPUT_PCM16;
    cfg.frame_ms = 30;
    cfg.smoothing.window_frames = 20;
    cfg.smoothing.start_frames = 18;
    cfg.smoothing.end_frames = 10;
    es_turn *t = es_turn_create(&cfg, NULL);
    CHECK(t != NULL);
    CHECK_EQ(es_turn_frame_samples(t), 480);
    int starts = 0, ends = 0;
    for (size_t off = 0; off + 480 <= n; off += 480) {
        es_turn_event ev[1];
        long k = es_turn_process_pcm16(t, pcm + off, 480, ev, 1);
        CHECK(k >= 0);
        if (k == 1) *(ev[0].type == ES_TURN_SPEECH_STARTED ? &starts : &ends) += 1;
    }
    CHECK_EQ(starts, 3);
    CHECK_EQ(ends, 3);
    es_turn_destroy(t);
    free(pcm);
}

const es_test_case turn_tests[] = {
    {"smoother: K of W starts, S silent frames end", test_smoother_k_of_w_and_silence_run},
    {"smoother: minimum speech and restart", test_smoother_min_speech_and_restart},
    {"smoother: a 64-frame window", test_smoother_window_of_64},
    {"smoother: bad arguments are errors", test_smoother_arguments},
    {"turn: finds the fixture's three sentences", test_turn_finds_the_three_sentences},
    {"turn: chunk sizes do not change the events", test_turn_chunking_does_not_matter},
    {"turn: base64, μ-law and PCM inputs agree", test_turn_base64_and_pcm_paths_agree},
    {"turn: errors change nothing", test_turn_errors_change_nothing},
    {"turn: recent audio reaches back to the pre-roll", test_turn_recent_audio_reaches_back_to_preroll},
    {"turn: 16 kHz PCM with 30 ms frames", test_turn_16k_pcm},
    {"turn: recent audio after a reset starts at the new stream", test_turn_recent_audio_after_reset},
    {NULL, NULL},
};
