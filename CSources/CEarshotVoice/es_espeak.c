#define _POSIX_C_SOURCE 200809L /* stat, access, strnlen */

#include "es_espeak.h"

#include <espeak-ng/speak_lib.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct es_espeak {
    int sample_rate;
    /* The caller's text, NUL-terminated as espeak-ng wants it (no allocation per call). */
    char text[ES_ESPEAK_MAX_TEXT_BYTES + 1];
    /* Where the running synthesis writes; valid only inside es_espeak_synthesize. */
    int16_t *out;
    size_t out_cap;
    size_t out_len;
    int overflowed;
};

/* espeak-ng is one global engine; so are these. g_live is the handle's token; the rest is
 * touched only by whoever holds it. espeak-ng starts once per process and is never terminated:
 * in 1.51, espeak_Terminate after a second espeak_Initialize deadlocks on its queue thread. */
static atomic_flag g_live = ATOMIC_FLAG_INIT;
static es_espeak *g_synthesizing;
static int g_sample_rate;             /* > 0 once espeak-ng is initialised */
static char g_data_dir[4096];         /* the data_dir it was initialised with ("" for NULL) */

/* espeak-ng's synthesis callback: copies each block of samples into the caller's buffer.
 * Returning 1 aborts the synthesis (here: when the buffer is full). */
static int collect_samples(short *wav, int count, espeak_EVENT *events) {
    (void)events;
    es_espeak *e = g_synthesizing;
    if (!e || !wav || count <= 0) return 0;
    size_t room = e->out_cap - e->out_len;
    size_t n = (size_t)count;
    if (n > room) {
        n = room;
        e->overflowed = 1;
    }
    memcpy(e->out + e->out_len, wav, n * sizeof *wav);
    e->out_len += n;
    return e->overflowed;
}

static int is_directory(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static es_espeak *fail(es_espeak *e, int code, int *err) {
    free(e);
    atomic_flag_clear(&g_live);
    if (err) *err = code;
    return NULL;
}

/* Starts espeak-ng the first time; later, only with the same data directory. */
static int start_engine(const char *data_dir) {
    const char *wanted = data_dir ? data_dir : "";
    if (g_sample_rate > 0) return strcmp(g_data_dir, wanted) == 0 ? ES_OK : ES_EBUSY;
    if (strlen(wanted) >= sizeof g_data_dir) return ES_EINVAL;
    /* DONT_EXIT: without it espeak-ng calls exit() when its data is missing. */
    int rate = espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 100, data_dir, espeakINITIALIZE_DONT_EXIT);
    if (rate <= 0) return rate == 0 ? ES_ENOTFOUND : ES_ELIB;
    espeak_SetSynthCallback(collect_samples);
    if (espeak_SetVoiceByName("en") != EE_OK) return ES_ENOTFOUND;
    strcpy(g_data_dir, wanted);
    g_sample_rate = rate;
    return ES_OK;
}

es_espeak *es_espeak_create(const char *data_dir, int *err) {
    /* espeak-ng silently falls back to its default data when data_dir does not exist. */
    if (data_dir && !is_directory(data_dir)) {
        if (err) *err = ES_ENOTFOUND;
        return NULL;
    }
    if (atomic_flag_test_and_set(&g_live)) {
        if (err) *err = ES_EBUSY;
        return NULL;
    }
    es_espeak *e = calloc(1, sizeof *e);
    if (!e) return fail(e, ES_ENOMEM, err);
    int rc = start_engine(data_dir);
    if (rc != ES_OK) return fail(e, rc, err);
    /* A fresh handle starts from the defaults, whatever the previous one left behind. */
    if (espeak_SetVoiceByName("en") != EE_OK || espeak_SetParameter(espeakRATE, espeakRATE_NORMAL, 0) != EE_OK)
        return fail(e, ES_ELIB, err);
    e->sample_rate = g_sample_rate;
    if (err) *err = ES_OK;
    return e;
}

void es_espeak_destroy(es_espeak *e) {
    if (!e) return;
    free(e);
    atomic_flag_clear(&g_live);
}

int es_espeak_sample_rate(const es_espeak *e) {
    return e ? e->sample_rate : ES_EINVAL;
}

int es_espeak_set_voice(es_espeak *e, const char *name) {
    if (!e || !name) return ES_EINVAL;
    size_t len = strnlen(name, ES_ESPEAK_MAX_VOICE_NAME + 1);
    if (len == 0 || len > ES_ESPEAK_MAX_VOICE_NAME) return ES_EINVAL;
    switch (espeak_SetVoiceByName(name)) {
    case EE_OK: return ES_OK;
    case EE_NOT_FOUND: return ES_ENOTFOUND;
    default: return ES_ELIB;
    }
}

int es_espeak_set_rate(es_espeak *e, int words_per_minute) {
    if (!e || words_per_minute < ES_ESPEAK_MIN_RATE || words_per_minute > ES_ESPEAK_MAX_RATE)
        return ES_EINVAL;
    return espeak_SetParameter(espeakRATE, words_per_minute, 0) == EE_OK ? ES_OK : ES_ELIB;
}

long es_espeak_synthesize(es_espeak *e, const char *text, size_t len, int16_t *out, size_t out_cap) {
    if (!e || (!text && len > 0) || !out || out_cap == 0) return ES_EINVAL;
    if (len > ES_ESPEAK_MAX_TEXT_BYTES || (len > 0 && memchr(text, '\0', len))) return ES_EINVAL;
    if (len == 0) return 0;
    memcpy(e->text, text, len);
    e->text[len] = '\0';
    e->out = out;
    e->out_cap = out_cap;
    e->out_len = 0;
    e->overflowed = 0;
    g_synthesizing = e;
    espeak_ERROR rc = espeak_Synth(e->text, len + 1, 0, POS_CHARACTER, 0, espeakCHARS_UTF8, NULL, NULL);
    g_synthesizing = NULL;
    long written = (long)e->out_len;
    int overflowed = e->overflowed;
    e->out = NULL;
    e->out_cap = e->out_len = 0;
    if (overflowed) return ES_ENOSPC;
    if (rc != EE_OK) return ES_ELIB;
    return written;
}
