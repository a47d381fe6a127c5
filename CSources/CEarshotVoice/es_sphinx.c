#define _POSIX_C_SOURCE 200809L /* stat, access, strnlen */

#include "es_sphinx.h"

#include <pocketsphinx.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct es_sphinx {
    ps_decoder_t *decoder;
    int sample_rate;
    int in_utterance;
};

static int is_directory(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int is_readable_file(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, R_OK) == 0;
}

static int model_file_exists(const char *dir, const char *name) {
    char path[4096];
    int n = snprintf(path, sizeof path, "%s/%s", dir, name);
    return n > 0 && (size_t)n < sizeof path && is_readable_file(path);
}

/* pocketsphinx exits the process on some missing files, so look before it leaps. */
static int check_model_files(const es_sphinx_config *cfg) {
    if (!is_directory(cfg->acoustic_model)) return ES_ENOTFOUND;
    static const char *const required[] = {"mdef", "means", "variances", "transition_matrices"};
    for (size_t i = 0; i < sizeof required / sizeof required[0]; i++)
        if (!model_file_exists(cfg->acoustic_model, required[i])) return ES_ENOTFOUND;
    if (!is_readable_file(cfg->language_model) || !is_readable_file(cfg->dictionary)) return ES_ENOTFOUND;
    return ES_OK;
}

static int check_config(const es_sphinx_config *cfg) {
    if (!cfg || !cfg->acoustic_model || !cfg->language_model || !cfg->dictionary) return ES_EINVAL;
    if (cfg->sample_rate != 8000 && cfg->sample_rate != 16000) return ES_EINVAL;
    if (cfg->option_count % 2 != 0 || (cfg->option_count > 0 && !cfg->options)) return ES_EINVAL;
    for (size_t i = 0; i < cfg->option_count; i++)
        if (!cfg->options[i] || (i % 2 == 0 && cfg->options[i][0] != '-')) return ES_EINVAL;
    return check_model_files(cfg);
}

static int is_pocketsphinx_option(const char *name) {
    for (const arg_t *arg = ps_args(); arg->name; arg++)
        if (strcmp(arg->name, name) == 0) return 1;
    return 0;
}

/* cmd_ln_init is variadic, which Swift cannot call: the reason this wrapper exists. The first
 * call is strict (it fills in every default, so later strict calls would see duplicates); the
 * caller's options then replace values one by one, their names checked here. */
static cmd_ln_t *make_pocketsphinx_config(const es_sphinx_config *cfg) {
    int narrow = cfg->sample_rate == 8000;
    cmd_ln_t *config = cmd_ln_init(NULL, ps_args(), TRUE,
                                   "-hmm", cfg->acoustic_model,
                                   "-lm", cfg->language_model,
                                   "-dict", cfg->dictionary,
                                   "-samprate", narrow ? "8000" : "16000",
                                   "-nfft", narrow ? "256" : "512",
                                   "-logfn", "/dev/null",
                                   NULL);
    if (!config) return NULL;
    for (size_t i = 0; i < cfg->option_count; i += 2) {
        if (!is_pocketsphinx_option(cfg->options[i]) ||
            !cmd_ln_init(config, ps_args(), FALSE, cfg->options[i], cfg->options[i + 1], NULL)) {
            cmd_ln_free_r(config);
            return NULL;
        }
    }
    return config;
}

es_sphinx *es_sphinx_create(const es_sphinx_config *cfg, int *err) {
    int rc = check_config(cfg);
    if (rc != ES_OK) {
        if (err) *err = rc;
        return NULL;
    }
    es_sphinx *s = calloc(1, sizeof *s);
    if (!s) {
        if (err) *err = ES_ENOMEM;
        return NULL;
    }
    cmd_ln_t *config = make_pocketsphinx_config(cfg);
    if (!config) {
        free(s);
        if (err) *err = ES_EINVAL;
        return NULL;
    }
    s->decoder = ps_init(config);
    cmd_ln_free_r(config); /* the decoder keeps its own reference */
    if (!s->decoder) {
        free(s);
        if (err) *err = ES_ELIB;
        return NULL;
    }
    s->sample_rate = cfg->sample_rate;
    if (err) *err = ES_OK;
    return s;
}

void es_sphinx_destroy(es_sphinx *s) {
    if (!s) return;
    ps_free(s->decoder);
    free(s);
}

int es_sphinx_sample_rate(const es_sphinx *s) {
    return s ? s->sample_rate : ES_EINVAL;
}

/* Copies the current best hypothesis into text; fillers (silence, noise) are already dropped. */
static long copy_hypothesis(es_sphinx *s, char *text, size_t text_cap) {
    int32 score = 0;
    const char *hyp = ps_get_hyp(s->decoder, &score);
    size_t len = hyp ? strlen(hyp) : 0;
    if (len + 1 > text_cap) {
        memcpy(text, hyp, text_cap - 1);
        text[text_cap - 1] = '\0';
        return ES_ENOSPC;
    }
    if (len > 0) memcpy(text, hyp, len);
    text[len] = '\0';
    return (long)len;
}

int es_sphinx_begin(es_sphinx *s) {
    if (!s || s->in_utterance) return ES_EINVAL;
    if (ps_start_utt(s->decoder) < 0) return ES_ELIB;
    s->in_utterance = 1;
    return ES_OK;
}

int es_sphinx_feed(es_sphinx *s, const int16_t *pcm, size_t n) {
    if (!s || !s->in_utterance || (!pcm && n > 0)) return ES_EINVAL;
    if (n == 0) return ps_get_n_frames(s->decoder);
    int frames = ps_process_raw(s->decoder, pcm, n, FALSE, FALSE);
    return frames < 0 ? ES_ELIB : frames;
}

long es_sphinx_end(es_sphinx *s, char *text, size_t text_cap) {
    if (!s || !s->in_utterance || !text || text_cap == 0) return ES_EINVAL;
    s->in_utterance = 0;
    if (ps_end_utt(s->decoder) < 0) return ES_ELIB;
    return copy_hypothesis(s, text, text_cap);
}

long es_sphinx_decode(es_sphinx *s, const int16_t *pcm, size_t n, char *text, size_t text_cap) {
    if (!s || s->in_utterance || (!pcm && n > 0) || !text || text_cap == 0) return ES_EINVAL;
    if (ps_start_utt(s->decoder) < 0) return ES_ELIB;
    /* full_utt: the whole utterance at once lets batch CMN normalise over all of it. */
    if (n > 0 && ps_process_raw(s->decoder, pcm, n, FALSE, TRUE) < 0) {
        ps_end_utt(s->decoder);
        return ES_ELIB;
    }
    if (ps_end_utt(s->decoder) < 0) return ES_ELIB;
    return copy_hypothesis(s, text, text_cap);
}
