/* WebRTC voice activity detection (libwebrtc-audio-processing's C VAD). */
#ifndef ES_VAD_H
#define ES_VAD_H

#include "es_common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct es_vad es_vad;

/* mode 0 (least aggressive) .. 3 (most aggressive); sample_rate 8000 or 16000. */
es_vad *es_vad_create(int mode, int sample_rate, int *err);
void es_vad_destroy(es_vad *vad);
int es_vad_set_mode(es_vad *vad, int mode);
/* Forget the adaptive noise estimate (keeps mode and rate). */
int es_vad_reset(es_vad *vad);
/* Whether n samples is a 10, 20 or 30 ms frame at the VAD's rate. */
int es_vad_frame_ok(const es_vad *vad, size_t n);
/* One frame of 10, 20 or 30 ms. Returns 1 (voiced), 0 (unvoiced) or an ES_E* code. */
int es_vad_process(es_vad *vad, const int16_t *frame, size_t n);

#ifdef __cplusplus
}
#endif
#endif
