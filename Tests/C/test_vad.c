#include "es_test.h"

/* Loads a fixture's PCM at the given rate: the 8 kHz one is μ-law, decoded by the core. */
int16_t *es_load_fixture_pcm(int rate, size_t *samples) {
    size_t len;
    unsigned char *raw = es_read_fixture(rate == 8000 ? "vad/speech8k.ulaw" : "vad/speech16k.pcm", &len);
    int16_t *pcm;
    if (rate == 8000) {
        pcm = malloc(len * sizeof *pcm);
        es_ulaw_decode(raw, len, pcm);
        *samples = len;
    } else {
        pcm = malloc(len);
        for (size_t i = 0; i < len / 2; i++) pcm[i] = (int16_t)(raw[2 * i] | raw[2 * i + 1] << 8);
        *samples = len / 2;
    }
    free(raw);
    return pcm;
}

static void test_matches_python_webrtcvad(void) {
    size_t len;
    char *text = (char *)es_read_fixture("vad/decisions.txt", &len);
    size_t n8, n16;
    int16_t *pcm8 = es_load_fixture_pcm(8000, &n8), *pcm16 = es_load_fixture_pcm(16000, &n16);
    int lines = 0, frames = 0, mismatches = 0;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        int rate, frame_ms, mode, off;
        if (sscanf(line, "%d %d %d %n", &rate, &frame_ms, &mode, &off) != 3) continue;
        const char *want = line + off;
        es_vad *vad = es_vad_create(mode, rate, NULL);
        CHECK(vad != NULL);
        if (!vad) continue;
        const int16_t *pcm = rate == 8000 ? pcm8 : pcm16;
        size_t step = (size_t)(rate / 1000 * frame_ms);
        size_t count = strlen(want);
        CHECK_EQ(count, (rate == 8000 ? n8 : n16) / step);
        for (size_t i = 0; i < count; i++) {
            int d = es_vad_process(vad, pcm + i * step, step);
            if (d != want[i] - '0') mismatches++;
            frames++;
        }
        es_vad_destroy(vad);
        lines++;
    }
    CHECK_EQ(lines, 24); /* 2 rates x 3 frame lengths x 4 modes */
    CHECK(frames > 10000);
    CHECK_EQ(mismatches, 0);
    free(text);
    free(pcm8);
    free(pcm16);
}

static void test_vad_arguments(void) {
    int err = 0;
    CHECK(es_vad_create(4, 8000, &err) == NULL && err == ES_EINVAL);
    CHECK(es_vad_create(-1, 8000, &err) == NULL && err == ES_EINVAL);
    CHECK(es_vad_create(3, 44100, &err) == NULL && err == ES_EINVAL);
    es_vad *vad = es_vad_create(3, 8000, &err);
    CHECK(vad != NULL && err == ES_OK);
    int16_t frame[480] = {0};
    CHECK_EQ(es_vad_process(vad, frame, 161), ES_EINVAL);
    CHECK_EQ(es_vad_process(vad, NULL, 160), ES_EINVAL);
    CHECK_EQ(es_vad_process(NULL, frame, 160), ES_EINVAL);
    CHECK_EQ(es_vad_process(vad, frame, 80), 0);
    CHECK_EQ(es_vad_process(vad, frame, 240), 0);
    CHECK_EQ(es_vad_set_mode(vad, 9), ES_EINVAL);
    CHECK_EQ(es_vad_set_mode(vad, 0), ES_OK);
    CHECK_EQ(es_vad_reset(vad), ES_OK);
    CHECK_EQ(es_vad_reset(NULL), ES_EINVAL);
    es_vad_destroy(vad);
    es_vad_destroy(NULL);
}

const es_test_case vad_tests[] = {
    {"vad: decisions equal Python webrtcvad (modes 0-3, 8/16 kHz, 10/20/30 ms)",
     test_matches_python_webrtcvad},
    {"vad: bad arguments are errors", test_vad_arguments},
    {NULL, NULL},
};
