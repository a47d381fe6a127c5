/* Speech to text with pocketsphinx: 16-bit mono PCM in, the best hypothesis as UTF-8 out.
 *
 * Each handle is one decoder (acoustic model, language model and dictionary loaded: ~100 MB
 * and ~1 s for Debian's en-us model). A handle is not thread-safe; separate handles may be used
 * on separate threads. Decoding costs CPU in proportion to the audio: keep it off event loops. */
#ifndef ES_SPHINX_H
#define ES_SPHINX_H

#include "es_voice.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct es_sphinx es_sphinx;

typedef struct {
    /* Acoustic model directory (pocketsphinx -hmm), e.g. .../model/en-us/en-us. */
    const char *acoustic_model;
    /* N-gram language model, ARPA or binary (-lm), e.g. .../model/en-us/en-us.lm.bin. */
    const char *language_model;
    /* Pronunciation dictionary (-dict), e.g. .../model/en-us/cmudict-en-us.dict. */
    const char *dictionary;
    /* Rate of the PCM to decode and of the acoustic model: 16000 (Debian's en-us) or 8000
     * (a telephone model; then -nfft 256 is set). */
    int sample_rate;
    /* Further pocketsphinx options as "-name", "value" pairs (option_count strings, even),
     * applied last; NULL when option_count is 0. Logging goes to /dev/null unless "-logfn". */
    const char *const *options;
    size_t option_count;
} es_sphinx_config;

/* Loads a decoder. Errors: ES_EINVAL (a NULL path, a bad rate, an odd or unknown option),
 * ES_ENOTFOUND (a model file or directory is missing), ES_ENOMEM, ES_ELIB (pocketsphinx
 * rejected the configuration or the model). */
es_sphinx *es_sphinx_create(const es_sphinx_config *cfg, int *err);

/* Frees the decoder. NULL is a no-op. */
void es_sphinx_destroy(es_sphinx *s);

/* The PCM rate the decoder expects, or ES_EINVAL. */
int es_sphinx_sample_rate(const es_sphinx *s);

/* Decodes one whole utterance (n samples) and writes the hypothesis, NUL-terminated, into text
 * (text_cap bytes). Returns its length in bytes (0: nothing recognised), ES_ENOSPC (text too
 * small; it then holds a truncated, terminated prefix), ES_EINVAL (also while an utterance
 * begun with es_sphinx_begin is open) or ES_ELIB. */
long es_sphinx_decode(es_sphinx *s, const int16_t *pcm, size_t n, char *text, size_t text_cap);

/* Incremental decoding of one utterance: begin, feed pieces as they arrive, end.
 * es_sphinx_feed returns the frames searched so far or an error; es_sphinx_end writes the
 * final hypothesis as es_sphinx_decode does. Out-of-order calls are ES_EINVAL. */
int es_sphinx_begin(es_sphinx *s);
int es_sphinx_feed(es_sphinx *s, const int16_t *pcm, size_t n);
long es_sphinx_end(es_sphinx *s, char *text, size_t text_cap);

#ifdef __cplusplus
}
#endif
#endif
