#include "es_vad.h"

#include <stdlib.h>

/* Debian's libwebrtc-audio-processing 0.3 exports the C VAD but installs no
 * header for it (see DESIGN.md, pitfalls): these are its signatures there. */
typedef struct WebRtcVadInst VadInst;
VadInst *WebRtcVad_Create(void);
void WebRtcVad_Free(VadInst *handle);
int WebRtcVad_Init(VadInst *handle);
int WebRtcVad_set_mode(VadInst *handle, int mode);
int WebRtcVad_Process(VadInst *handle, int fs, const int16_t *audio_frame, size_t frame_length);

struct es_vad {
    VadInst *inst;
    int mode;
    int rate;
};

static int mode_ok(int mode) { return mode >= 0 && mode <= 3; }
static int rate_ok(int rate) { return rate == 8000 || rate == 16000; }

es_vad *es_vad_create(int mode, int sample_rate, int *err) {
    int dummy;
    if (!err) err = &dummy;
    if (!mode_ok(mode) || !rate_ok(sample_rate)) {
        *err = ES_EINVAL;
        return NULL;
    }
    es_vad *vad = calloc(1, sizeof *vad);
    if (!vad) {
        *err = ES_ENOMEM;
        return NULL;
    }
    vad->inst = WebRtcVad_Create();
    vad->mode = mode;
    vad->rate = sample_rate;
    if (!vad->inst) {
        free(vad);
        *err = ES_ENOMEM;
        return NULL;
    }
    *err = es_vad_reset(vad);
    if (*err != ES_OK) {
        es_vad_destroy(vad);
        return NULL;
    }
    return vad;
}

void es_vad_destroy(es_vad *vad) {
    if (!vad) return;
    WebRtcVad_Free(vad->inst);
    free(vad);
}

int es_vad_set_mode(es_vad *vad, int mode) {
    if (!vad || !mode_ok(mode)) return ES_EINVAL;
    if (WebRtcVad_set_mode(vad->inst, mode) != 0) return ES_ELIB;
    vad->mode = mode;
    return ES_OK;
}

int es_vad_reset(es_vad *vad) {
    if (!vad) return ES_EINVAL;
    if (WebRtcVad_Init(vad->inst) != 0) return ES_ELIB;
    return es_vad_set_mode(vad, vad->mode);
}

int es_vad_frame_ok(const es_vad *vad, size_t n) {
    if (!vad) return 0;
    size_t per_10ms = (size_t)vad->rate / 100;
    return n == per_10ms || n == 2 * per_10ms || n == 3 * per_10ms;
}

int es_vad_process(es_vad *vad, const int16_t *frame, size_t n) {
    if (!vad || !frame || !es_vad_frame_ok(vad, n)) return ES_EINVAL;
    int r = WebRtcVad_Process(vad->inst, vad->rate, frame, n);
    return r < 0 ? ES_ELIB : (r > 0);
}
