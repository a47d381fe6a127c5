#include "es_turn.h"

#include <stdlib.h>
#include <string.h>

#include "es_base64.h"
#include "es_g711.h"
#include "es_ring.h"
#include "es_vad.h"

enum { MAX_FRAME_SAMPLES = 480 }; /* 30 ms at 16 kHz */

/* ---- smoother ---------------------------------------------------------- */

static int smoother_config_ok(const es_smoother_config *c) {
    return c && c->window_frames >= 1 && c->window_frames <= 64 && c->start_frames >= 1 &&
           c->start_frames <= c->window_frames && c->end_frames >= 1 && c->end_frames <= 100000 &&
           c->min_speech_frames <= c->window_frames; /* the onset is inside the window */
}

int es_smoother_init(es_smoother *s, const es_smoother_config *cfg) {
    if (!s || !smoother_config_ok(cfg)) return ES_EINVAL;
    s->cfg = *cfg;
    s->window_mask = cfg->window_frames == 64 ? ~(uint64_t)0 : (((uint64_t)1 << cfg->window_frames) - 1);
    es_smoother_reset(s);
    return ES_OK;
}

void es_smoother_reset(es_smoother *s) {
    if (!s) return;
    s->history = 0;
    s->frame = 0;
    s->silence_run = 0;
    s->onset = 0;
    s->last_voiced = 0;
    s->in_speech = 0;
}

static void fill_event(es_turn_event *ev, int32_t type, uint32_t frame, uint32_t onset, uint32_t last) {
    ev->type = type;
    ev->frame = frame;
    ev->onset_frame = onset;
    ev->last_voiced_frame = last;
    ev->audio_start_frame = onset;
    ev->reserved = 0;
}

int es_smoother_push(es_smoother *s, int voiced, es_turn_event *ev) {
    if (!s || !ev || (voiced != 0 && voiced != 1)) return ES_EINVAL;
    uint32_t f = s->frame++;
    s->history = (s->history << 1) | (uint64_t)voiced;
    if (voiced) s->last_voiced = f;
    if (!s->in_speech) {
        uint64_t window = s->history & s->window_mask;
        if ((uint32_t)__builtin_popcountll(window) < s->cfg.start_frames) return 0;
        /* The onset is the oldest voiced frame still inside the window. */
        uint32_t age = 63u - (uint32_t)__builtin_clzll(window);
        uint32_t onset = f - age;
        if (f - onset + 1 < s->cfg.min_speech_frames) return 0;
        s->in_speech = 1;
        s->onset = onset;
        s->silence_run = 0;
        fill_event(ev, ES_TURN_SPEECH_STARTED, f, onset, f);
        return 1;
    }
    s->silence_run = voiced ? 0 : s->silence_run + 1;
    if (s->silence_run < s->cfg.end_frames) return 0;
    s->in_speech = 0;
    s->silence_run = 0;
    s->history = 0; /* a new segment must earn its own K of W */
    fill_event(ev, ES_TURN_SPEECH_ENDED, f, s->onset, s->last_voiced);
    return 1;
}

/* ---- frame loop --------------------------------------------------------- */

struct es_turn {
    es_turn_config cfg;
    es_vad *vad;
    es_ring *preroll;        /* input units: μ-law bytes or int16 */
    es_smoother smoother;
    uint32_t frame_len;      /* samples per frame */
    uint32_t preroll_frames;
    uint32_t pending;        /* samples of a partial frame in frame[] */
    uint32_t voiced_frames;
    _Alignas(16) int16_t frame[MAX_FRAME_SAMPLES];
};

int es_turn_config_default(es_turn_config *cfg) {
    if (!cfg) return ES_EINVAL;
    memset(cfg, 0, sizeof *cfg);
    cfg->sample_rate = 8000;
    cfg->frame_ms = 20;
    cfg->vad_mode = 3;
    cfg->input = ES_TURN_INPUT_ULAW;
    cfg->preroll_ms = 300;
    cfg->smoothing.window_frames = 30;  /* 600 ms */
    cfg->smoothing.start_frames = ES_TURN_DEFAULT_START_FRAMES;
    cfg->smoothing.end_frames = 15;     /* 300 ms */
    cfg->smoothing.min_speech_frames = 0;
    return ES_OK;
}

static int turn_config_ok(const es_turn_config *c) {
    if (!c || !smoother_config_ok(&c->smoothing)) return 0;
    if (c->sample_rate != 8000 && c->sample_rate != 16000) return 0;
    if (c->frame_ms != 10 && c->frame_ms != 20 && c->frame_ms != 30) return 0;
    if (c->vad_mode < 0 || c->vad_mode > 3 || c->preroll_ms > 2000) return 0;
    if (c->input == ES_TURN_INPUT_ULAW) return c->sample_rate == 8000;
    return c->input == ES_TURN_INPUT_PCM16;
}

es_turn *es_turn_create(const es_turn_config *cfg, int *err) {
    int dummy;
    if (!err) err = &dummy;
    if (!turn_config_ok(cfg)) {
        *err = ES_EINVAL;
        return NULL;
    }
    es_turn *t = calloc(1, sizeof *t);
    if (!t) {
        *err = ES_ENOMEM;
        return NULL;
    }
    t->cfg = *cfg;
    t->frame_len = (uint32_t)(cfg->sample_rate / 1000 * cfg->frame_ms);
    t->preroll_frames = (cfg->preroll_ms + (uint32_t)cfg->frame_ms - 1) / (uint32_t)cfg->frame_ms;
    /* Enough history to reach back from a start decision to onset minus pre-roll. */
    size_t ring_frames = (size_t)t->preroll_frames + cfg->smoothing.window_frames + 1;
    size_t elem = cfg->input == ES_TURN_INPUT_ULAW ? 1 : 2;
    t->vad = es_vad_create(cfg->vad_mode, cfg->sample_rate, err);
    if (t->vad) t->preroll = es_ring_create(ring_frames * t->frame_len, elem, ES_RING_OVERWRITE, err);
    if (!t->vad || !t->preroll || (*err = es_smoother_init(&t->smoother, &cfg->smoothing)) != ES_OK) {
        es_turn_destroy(t);
        return NULL;
    }
    return t;
}

void es_turn_destroy(es_turn *turn) {
    if (!turn) return;
    es_vad_destroy(turn->vad);
    es_ring_destroy(turn->preroll);
    free(turn);
}

int es_turn_reset(es_turn *turn) {
    if (!turn) return ES_EINVAL;
    es_smoother_reset(&turn->smoother);
    es_ring_reset(turn->preroll); /* frame numbers restart at 0, so must the stream position */
    turn->pending = 0;
    turn->voiced_frames = 0;
    return es_vad_reset(turn->vad);
}

size_t es_turn_frame_samples(const es_turn *turn) { return turn ? turn->frame_len : 0; }
uint32_t es_turn_frames(const es_turn *turn) { return turn ? turn->smoother.frame : 0; }
int es_turn_in_speech(const es_turn *turn) { return turn ? turn->smoother.in_speech : 0; }
uint32_t es_turn_voiced_frames(const es_turn *turn) { return turn ? turn->voiced_frames : 0; }

/* Runs the VAD and smoother on the completed frame in turn->frame. */
static int turn_frame(es_turn *t, es_turn_event *events, size_t *count) {
    int voiced = es_vad_process(t->vad, t->frame, t->frame_len);
    if (voiced < 0) return voiced;
    t->voiced_frames += (uint32_t)voiced;
    es_turn_event *ev = &events[*count];
    if (es_smoother_push(&t->smoother, voiced, ev) == 1) {
        uint32_t back = t->preroll_frames;
        ev->audio_start_frame = ev->onset_frame > back ? ev->onset_frame - back : 0;
        (*count)++;
    }
    t->pending = 0;
    return ES_OK;
}

static int turn_args_ok(const es_turn *t, const void *in, size_t n, const es_turn_event *events,
                        size_t max_events) {
    if (!t || (!in && n > 0) || (!events && max_events > 0)) return ES_EINVAL;
    if (n > (size_t)UINT32_MAX) return ES_EINVAL;
    size_t frames = ((size_t)t->pending + n) / t->frame_len;
    return frames > max_events ? ES_ENOSPC : ES_OK;
}

long es_turn_process_ulaw(es_turn *turn, const uint8_t *ulaw, size_t n, es_turn_event *events,
                          size_t max_events) {
    int rc = turn_args_ok(turn, ulaw, n, events, max_events);
    if (rc != ES_OK) return rc;
    if (turn->cfg.input != ES_TURN_INPUT_ULAW) return ES_EFORMAT;
    if (n == 0) return 0;
    es_ring_write(turn->preroll, ulaw, n);
    size_t count = 0;
    const uint32_t len = turn->frame_len;
    while (n > 0) {
        size_t take = len - turn->pending;
        if (take > n) take = n;
        int16_t *dst = turn->frame + turn->pending;
        for (size_t i = 0; i < take; i++) dst[i] = es_ulaw_decode_table[ulaw[i]];
        turn->pending += (uint32_t)take;
        ulaw += take;
        n -= take;
        if (turn->pending == len && (rc = turn_frame(turn, events, &count)) != ES_OK) return rc;
    }
    return (long)count;
}

long es_turn_process_pcm16(es_turn *turn, const int16_t *pcm, size_t n, es_turn_event *events,
                           size_t max_events) {
    int rc = turn_args_ok(turn, pcm, n, events, max_events);
    if (rc != ES_OK) return rc;
    if (turn->cfg.input != ES_TURN_INPUT_PCM16) return ES_EFORMAT;
    if (n == 0) return 0;
    es_ring_write(turn->preroll, pcm, n);
    size_t count = 0;
    const uint32_t len = turn->frame_len;
    while (n > 0) {
        size_t take = len - turn->pending;
        if (take > n) take = n;
        memcpy(turn->frame + turn->pending, pcm, take * sizeof *pcm);
        turn->pending += (uint32_t)take;
        pcm += take;
        n -= take;
        if (turn->pending == len && (rc = turn_frame(turn, events, &count)) != ES_OK) return rc;
    }
    return (long)count;
}

long es_turn_process_base64(es_turn *turn, const void *text, size_t len, es_turn_event *events,
                            size_t max_events) {
    if (!turn || (!text && len > 0)) return ES_EINVAL;
    if (turn->cfg.input != ES_TURN_INPUT_ULAW) return ES_EFORMAT;
    if (len > ES_TURN_MAX_BASE64) return ES_ENOSPC;
    uint8_t ulaw[ES_TURN_MAX_BASE64 / 4 * 3];
    long n = es_base64_decode(text, len, ulaw, sizeof ulaw);
    if (n < 0) return n;
    return es_turn_process_ulaw(turn, ulaw, (size_t)n, events, max_events);
}

long es_turn_recent_audio(const es_turn *turn, uint32_t from_frame, void *dst, size_t dst_cap) {
    if (!turn || (!dst && dst_cap > 0)) return ES_EINVAL;
    uint64_t written = es_ring_written(turn->preroll);
    uint64_t from = (uint64_t)from_frame * turn->frame_len;
    uint64_t want = written > from ? written - from : 0;
    size_t held = es_ring_count(turn->preroll);
    size_t n = want < held ? (size_t)want : held;
    if (n > dst_cap) return ES_ENOSPC;
    return es_ring_peek_newest(turn->preroll, dst, n);
}
