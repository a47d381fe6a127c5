/* Turn detection: the per-frame loop of the hot path.
 *
 * es_smoother is the pure state machine: one voiced/unvoiced decision per frame in,
 * at most one event out. Speech starts when at least start_frames of the last
 * window_frames decisions are voiced (and the voiced span since the onset is at
 * least min_speech_frames); it ends after end_frames consecutive unvoiced frames.
 *
 * es_turn is the frame loop: μ-law / base64 / PCM16 of any length in → whole
 * frames → WebRTC VAD → smoother → events into a caller array, keeping a pre-roll
 * ring so an utterance can be fetched from before its onset. No allocation, lock,
 * log or I/O after create. */
#ifndef ES_TURN_H
#define ES_TURN_H

#include "es_common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum es_turn_event_type {
    ES_TURN_SPEECH_STARTED = 1,
    ES_TURN_SPEECH_ENDED = 2
} es_turn_event_type;

typedef struct es_turn_event {
    int32_t type;              /* es_turn_event_type */
    uint32_t frame;            /* index (from 0) of the frame whose decision fired it */
    uint32_t onset_frame;      /* first voiced frame of this speech segment */
    uint32_t last_voiced_frame;/* ENDED: the segment's last voiced frame; STARTED: = frame */
    uint32_t audio_start_frame;/* onset minus the pre-roll (clamped to 0): where the utterance audio begins */
    uint32_t reserved;
} es_turn_event;

typedef struct es_smoother_config {
    uint32_t window_frames;     /* W, 1..64 */
    uint32_t start_frames;      /* K, 1..W */
    uint32_t end_frames;        /* S, >= 1 */
    uint32_t min_speech_frames; /* 0 or 1 = no extra minimum; at most W */
} es_smoother_config;

typedef struct es_smoother {
    es_smoother_config cfg;
    uint64_t history;      /* bit 0 = newest decision */
    uint64_t window_mask;
    uint32_t frame;        /* next frame index */
    uint32_t silence_run;  /* consecutive unvoiced frames while in speech */
    uint32_t onset;
    uint32_t last_voiced;
    int32_t in_speech;
} es_smoother;

int es_smoother_init(es_smoother *s, const es_smoother_config *cfg);
void es_smoother_reset(es_smoother *s);
/* Feed one decision (0/1). Returns 1 and fills *ev when an event fires, 0 when
 * none does, ES_EINVAL on bad arguments. */
int es_smoother_push(es_smoother *s, int voiced, es_turn_event *ev);

typedef enum es_turn_input {
    ES_TURN_INPUT_ULAW = 0,  /* μ-law bytes at 8 kHz (also base64 μ-law) */
    ES_TURN_INPUT_PCM16 = 1  /* native-endian int16 at sample_rate */
} es_turn_input;

typedef struct es_turn_config {
    int32_t sample_rate;        /* 8000 or 16000 (μ-law input: 8000) */
    int32_t frame_ms;           /* 10, 20 or 30 */
    int32_t vad_mode;           /* 0..3 */
    int32_t input;              /* es_turn_input */
    uint32_t preroll_ms;        /* audio kept before the onset, 0..2000 */
    es_smoother_config smoothing;
} es_turn_config;

/* Voiced frames of the 30-frame window that start speech by default. */
enum { ES_TURN_DEFAULT_START_FRAMES = 27 };

/* The product defaults: 8 kHz μ-law, 20 ms frames, mode 3, a 600 ms window,
 * 300 ms (15 frames) of silence to end, 300 ms of pre-roll. */
int es_turn_config_default(es_turn_config *cfg);

typedef struct es_turn es_turn;

es_turn *es_turn_create(const es_turn_config *cfg, int *err);
void es_turn_destroy(es_turn *turn);
/* Back to the state after create (VAD noise estimate, smoother, pre-roll). */
int es_turn_reset(es_turn *turn);

/* Samples per frame for this configuration; 0 for NULL. */
size_t es_turn_frame_samples(const es_turn *turn);
/* Frames completed so far; whether a speech segment is open. */
uint32_t es_turn_frames(const es_turn *turn);
int es_turn_in_speech(const es_turn *turn);
/* Voiced frames so far (diagnostics). */
uint32_t es_turn_voiced_frames(const es_turn *turn);

/* Process input of any length. At most one event per completed frame; when
 * max_events cannot hold one per frame that this input could complete, returns
 * ES_ENOSPC and changes nothing. Returns the number of events written. */
long es_turn_process_ulaw(es_turn *turn, const uint8_t *ulaw, size_t n,
                          es_turn_event *events, size_t max_events);
long es_turn_process_pcm16(es_turn *turn, const int16_t *pcm, size_t n,
                           es_turn_event *events, size_t max_events);
/* Base64 μ-law (a Twilio media payload). Bad base64 is ES_EBADDATA and changes
 * nothing; text longer than ES_TURN_MAX_BASE64 characters is ES_ENOSPC. */
enum { ES_TURN_MAX_BASE64 = 2732 }; /* 2,049 μ-law bytes: 256 ms at 8 kHz */
long es_turn_process_base64(es_turn *turn, const void *text, size_t len,
                            es_turn_event *events, size_t max_events);

/* Copy the input audio from the start of frame from_frame up to everything
 * consumed (in input units: μ-law bytes or int16 samples) into dst. When the
 * ring no longer holds from_frame, starts at the oldest sample it holds.
 * Returns the elements copied, ES_ENOSPC when dst_cap is too small. */
long es_turn_recent_audio(const es_turn *turn, uint32_t from_frame, void *dst, size_t dst_cap);

#ifdef __cplusplus
}
#endif
#endif
