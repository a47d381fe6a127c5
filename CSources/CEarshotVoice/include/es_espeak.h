/* Text to speech with espeak-ng: UTF-8 text in, 16-bit mono PCM at 22,050 Hz out.
 *
 * espeak-ng keeps its state in globals, so at most one handle lives per process (a second
 * es_espeak_create fails with ES_EBUSY) and every call on it must come from one thread at a
 * time. The engine starts with the first handle and stays loaded until the process exits
 * (espeak-ng 1.51 can deadlock when terminated after a restart). Synthesis is synchronous: the samples go into the caller's buffer and the call returns
 * when the text is spoken. Nothing calls back into the caller. */
#ifndef ES_ESPEAK_H
#define ES_ESPEAK_H

#include "es_voice.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct es_espeak es_espeak;

enum {
    /* Longest text one es_espeak_synthesize call accepts; split longer text at sentences. */
    ES_ESPEAK_MAX_TEXT_BYTES = 4096,
    /* Longest voice name es_espeak_set_voice accepts. */
    ES_ESPEAK_MAX_VOICE_NAME = 64,
    /* Speaking rate limits, words per minute (espeak-ng's own). */
    ES_ESPEAK_MIN_RATE = 80,
    ES_ESPEAK_MAX_RATE = 450
};

/* Takes the process's espeak-ng. data_dir is the espeak-ng-data directory or the directory
 * that holds it; NULL means the library's default (which honours ESPEAK_DATA_PATH). Every
 * handle of a process must name the same data_dir. The voice starts as "en" at 175 words per
 * minute. Errors: ES_ENOTFOUND (no such directory, or no usable data in it), ES_EBUSY (another
 * handle is alive, or espeak-ng was started with another data_dir), ES_ENOMEM, ES_ELIB. */
es_espeak *es_espeak_create(const char *data_dir, int *err);

/* Gives espeak-ng back; a new handle may be created afterwards. NULL is a no-op. */
void es_espeak_destroy(es_espeak *e);

/* Samples per second of the synthesised audio (22,050 for espeak-ng), or ES_EINVAL. */
int es_espeak_sample_rate(const es_espeak *e);

/* Selects a voice by language code or voice name: "en-us", "hi", "es", "en-us+f3" (a variant
 * after '+'). Case-insensitive. ES_ENOTFOUND leaves the previous voice selected. */
int es_espeak_set_voice(es_espeak *e, const char *name);

/* Sets the speaking rate in words per minute, ES_ESPEAK_MIN_RATE..ES_ESPEAK_MAX_RATE. */
int es_espeak_set_rate(es_espeak *e, int words_per_minute);

/* Speaks len bytes of UTF-8 text (no NUL inside, at most ES_ESPEAK_MAX_TEXT_BYTES) into out,
 * which holds out_cap samples. Returns the samples written (0 for text with nothing to say),
 * ES_ENOSPC when the speech is longer than out_cap (out then holds its first out_cap samples),
 * ES_EINVAL or ES_ELIB. */
long es_espeak_synthesize(es_espeak *e, const char *text, size_t len, int16_t *out, size_t out_cap);

#ifdef __cplusplus
}
#endif
#endif
