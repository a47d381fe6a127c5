/* libFuzzer entry point for the turn detector's frame loop (es_turn.h).
 *
 * The first bytes pick a valid configuration (frame length, VAD mode, μ-law or
 * PCM16 at 8/16 kHz, smoothing, pre-roll); the rest is a script of operations:
 * audio chunks of fuzzer-chosen lengths through es_turn_process_ulaw / _pcm16 /
 * _base64 with event arrays of chosen sizes (too small included), audio in the
 * wrong format, es_turn_recent_audio queries, and resets.
 *
 * A model follows along: it keeps the audio written since the last reset, cuts it
 * into frames, asks its own es_vad for the decisions and runs a reference smoother
 * written from the header's description. Every call is checked against it: the
 * events exactly (so they alternate started/ended with increasing frame numbers),
 * the frame and voiced counts, "ES_ENOSPC changes nothing", and that recent audio
 * is a suffix of what was written from the asked frame on, never more. Buffers
 * handed to the library are exact-size allocations so ASan sees any overrun.
 *
 * Built and run by `make fuzz` (clang -fsanitize=fuzzer,address,undefined). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "CEarshot.h"

#define REQUIRE(cond) ((cond) ? (void)0 : fail(#cond, __LINE__))

static void fail(const char *what, int line) {
    fprintf(stderr, "fuzz_turn: property violated at line %d: %s\n", line, what);
    abort();
}

static void *alloc_exact(size_t n) {
    void *p = malloc(n ? n : 1);
    if (!p) abort();
    return p;
}

/* ---- reading the script -------------------------------------------------- */

typedef struct script {
    const uint8_t *p;
    size_t left;
} script;

static uint8_t take_u8(script *s) {
    if (s->left == 0) return 0;
    s->left--;
    return *s->p++;
}

static uint16_t take_u16(script *s) {
    uint16_t lo = take_u8(s);
    return (uint16_t)(lo | (uint16_t)take_u8(s) << 8);
}

/* Up to `want` bytes of the script, as a pointer into it. */
static const uint8_t *take_bytes(script *s, size_t want, size_t *got) {
    *got = want < s->left ? want : s->left;
    const uint8_t *p = s->p;
    s->p += *got;
    s->left -= *got;
    return p;
}

/* ---- the model ----------------------------------------------------------- */

enum { MAX_FRAME = 480 };

/* The smoother as es_turn.h describes it: speech starts once K of the last W
 * decisions since the previous segment ended are voiced and the span from the
 * onset (the oldest voiced frame in that window) is at least min_speech frames;
 * it ends after S consecutive unvoiced frames. */
typedef struct reference_smoother {
    es_smoother_config cfg;
    uint8_t window[64]; /* decisions since the last end, newest last, at most W */
    uint32_t window_len;
    uint32_t frame;
    uint32_t onset, last_voiced, silence_run;
    int in_speech;
} reference_smoother;

static void reference_reset(reference_smoother *r) {
    es_smoother_config cfg = r->cfg;
    memset(r, 0, sizeof *r);
    r->cfg = cfg;
}

static int reference_push(reference_smoother *r, int voiced, es_turn_event *ev) {
    uint32_t f = r->frame++;
    if (voiced) r->last_voiced = f;
    if (r->window_len == r->cfg.window_frames) {
        memmove(r->window, r->window + 1, r->window_len - 1);
        r->window_len--;
    }
    r->window[r->window_len++] = (uint8_t)voiced;
    if (!r->in_speech) {
        uint32_t count = 0, oldest = r->window_len;
        for (uint32_t i = 0; i < r->window_len; i++) {
            if (!r->window[i]) continue;
            count++;
            if (oldest == r->window_len) oldest = i;
        }
        if (count < r->cfg.start_frames) return 0;
        uint32_t onset = f - (r->window_len - 1 - oldest);
        if (f - onset + 1 < r->cfg.min_speech_frames) return 0;
        r->in_speech = 1;
        r->onset = onset;
        r->silence_run = 0;
        *ev = (es_turn_event){.type = ES_TURN_SPEECH_STARTED, .frame = f, .onset_frame = onset,
                              .last_voiced_frame = f};
        return 1;
    }
    r->silence_run = voiced ? 0 : r->silence_run + 1;
    if (r->silence_run < r->cfg.end_frames) return 0;
    r->in_speech = 0;
    r->window_len = 0;
    *ev = (es_turn_event){.type = ES_TURN_SPEECH_ENDED, .frame = f, .onset_frame = r->onset,
                          .last_voiced_frame = r->last_voiced};
    return 1;
}

typedef struct model {
    es_turn_config cfg;
    size_t elem;           /* bytes per input element: 1 for μ-law, 2 for PCM16 */
    uint32_t frame_len;    /* samples per frame */
    uint32_t preroll_frames;
    uint8_t *audio;        /* every element written since the last reset */
    size_t count, capacity;
    int16_t frame[MAX_FRAME];
    uint32_t pending;
    uint32_t voiced;
    es_vad *vad;
    reference_smoother smoother;
} model;

static int16_t sample_at(const model *m, const uint8_t *in, size_t i) {
    if (m->elem == 1) return es_ulaw_decode_sample(in[i]);
    int16_t s;
    memcpy(&s, in + 2 * i, sizeof s);
    return s;
}

/* Frames that n more elements would complete. */
static size_t frames_completed_by(const model *m, size_t n) {
    return ((size_t)m->pending + n) / m->frame_len;
}

/* Feeds n elements the library accepted and checks the events it returned. */
static void model_feed(model *m, const uint8_t *in, size_t n, const es_turn_event *events, long rc) {
    REQUIRE(m->count + n <= m->capacity);
    memcpy(m->audio + m->count * m->elem, in, n * m->elem);
    m->count += n;
    long seen = 0;
    for (size_t i = 0; i < n; i++) {
        m->frame[m->pending++] = sample_at(m, in, i);
        if (m->pending < m->frame_len) continue;
        m->pending = 0;
        int voiced = es_vad_process(m->vad, m->frame, m->frame_len);
        REQUIRE(voiced == 0 || voiced == 1);
        m->voiced += (uint32_t)voiced;
        es_turn_event want;
        if (!reference_push(&m->smoother, voiced, &want)) continue;
        want.audio_start_frame = want.onset_frame > m->preroll_frames ? want.onset_frame - m->preroll_frames : 0;
        REQUIRE(seen < rc);
        const es_turn_event *got = &events[seen++];
        REQUIRE(got->type == want.type);
        REQUIRE(got->frame == want.frame);
        REQUIRE(got->onset_frame == want.onset_frame);
        REQUIRE(got->last_voiced_frame == want.last_voiced_frame);
        REQUIRE(got->audio_start_frame == want.audio_start_frame);
    }
    REQUIRE(seen == rc);
}

static void model_reset(model *m) {
    m->count = 0;
    m->pending = 0;
    m->voiced = 0;
    REQUIRE(es_vad_reset(m->vad) == ES_OK);
    reference_reset(&m->smoother);
}

/* ---- checks ------------------------------------------------------------- */

static void check_state(const es_turn *turn, const model *m) {
    REQUIRE(es_turn_frames(turn) == m->smoother.frame);
    REQUIRE(es_turn_in_speech(turn) == m->smoother.in_speech);
    REQUIRE(es_turn_voiced_frames(turn) == m->voiced);
    REQUIRE(es_turn_frame_samples(turn) == m->frame_len);
}

/* Elements written at or after the start of frame `from`, since the last reset. */
static size_t written_from(const model *m, uint32_t from) {
    uint64_t start = (uint64_t)from * m->frame_len;
    return start < m->count ? m->count - (size_t)start : 0;
}

/* Returns what es_turn_recent_audio gives for `from`, after checking it. */
static size_t check_recent(const es_turn *turn, const model *m, uint32_t from) {
    size_t room = m->count + 1;
    uint8_t *dst = alloc_exact(room * m->elem);
    long rc = es_turn_recent_audio(turn, from, dst, room);
    REQUIRE(rc >= 0);
    size_t n = (size_t)rc;
    /* Never more than was written from that frame on, and always the newest audio. */
    REQUIRE(n <= written_from(m, from));
    REQUIRE(memcmp(dst, m->audio + (m->count - n) * m->elem, n * m->elem) == 0);
    free(dst);

    uint8_t *exact = alloc_exact(n * m->elem);
    REQUIRE(es_turn_recent_audio(turn, from, exact, n) == rc);
    free(exact);
    if (n > 0) {
        uint8_t *short_dst = alloc_exact((n - 1) * m->elem);
        REQUIRE(es_turn_recent_audio(turn, from, short_dst, n - 1) == ES_ENOSPC);
        free(short_dst);
    }
    return n;
}

/* Right after a start decision the utterance, pre-roll included, must be retrievable. */
static void check_started(const es_turn *turn, const model *m, const es_turn_event *events, long rc) {
    for (long i = 0; i < rc; i++) {
        if (events[i].type != ES_TURN_SPEECH_STARTED || events[i].frame + 1 != m->smoother.frame) continue;
        uint32_t from = events[i].audio_start_frame;
        REQUIRE(check_recent(turn, m, from) == written_from(m, from));
    }
}

/* ---- operations --------------------------------------------------------- */

/* How many events to offer: exactly enough, one short, more, or none at all. */
static size_t choose_capacity(script *s, size_t needed) {
    uint8_t b = take_u8(s);
    switch (b % 4) {
    case 0: return needed;
    case 1: return needed > 0 ? needed - 1 : 0;
    case 2: return needed + (b >> 2);
    default: return 0;
    }
}

static es_turn_event *alloc_events(size_t capacity) {
    return capacity ? alloc_exact(capacity * sizeof(es_turn_event)) : NULL;
}

/* A failed call must leave everything as it was. */
static void check_unchanged(const es_turn *turn, const model *m) {
    check_state(turn, m);
    check_recent(turn, m, m->smoother.frame);
}

/* Audio in the configured form, n elements. */
static void feed_native(es_turn *turn, model *m, const uint8_t *bytes, size_t n, script *s) {
    size_t needed = frames_completed_by(m, n);
    size_t capacity = choose_capacity(s, needed);
    es_turn_event *events = alloc_events(capacity);
    uint8_t *in = alloc_exact(n * m->elem);
    memcpy(in, bytes, n * m->elem);
    long rc = m->elem == 1 ? es_turn_process_ulaw(turn, in, n, events, capacity)
                           : es_turn_process_pcm16(turn, (const int16_t *)(void *)in, n, events, capacity);
    if (capacity < needed) {
        REQUIRE(rc == ES_ENOSPC);
        check_unchanged(turn, m);
    } else {
        REQUIRE(rc >= 0 && (size_t)rc <= needed);
        model_feed(m, in, n, events, rc);
        check_state(turn, m);
        check_started(turn, m, events, rc);
    }
    free(in);
    free(events);
}

/* Audio in the other form: always refused, nothing changes. */
static void feed_wrong_format(es_turn *turn, model *m, const uint8_t *bytes, size_t len, script *s) {
    size_t capacity = choose_capacity(s, len);
    es_turn_event *events = alloc_events(capacity);
    uint8_t *in = alloc_exact(len);
    memcpy(in, bytes, len);
    size_t n = m->elem == 1 ? len / 2 : len;
    long rc = m->elem == 1 ? es_turn_process_pcm16(turn, (const int16_t *)(void *)in, n, events, capacity)
                           : es_turn_process_ulaw(turn, in, n, events, capacity);
    /* The format (or the event room) is the error; an empty call may also succeed doing nothing. */
    REQUIRE(rc == ES_EFORMAT || rc == ES_ENOSPC || (rc == 0 && n == 0));
    check_unchanged(turn, m);
    free(in);
    free(events);
}

/* A base64 payload: either arbitrary text or the valid encoding of the chunk. */
static void feed_base64(es_turn *turn, model *m, const uint8_t *bytes, size_t len, int encode, script *s) {
    size_t text_len = encode ? es_base64_encoded_len(len) : len;
    char *text = alloc_exact(text_len);
    if (encode) {
        REQUIRE(es_base64_encode(bytes, len, text, text_len) == (long)text_len);
    } else {
        memcpy(text, bytes, len);
    }
    /* What the text decodes to, by the base64 codec (fuzzed on its own). */
    size_t max = es_base64_decoded_max(text_len);
    uint8_t *decoded = alloc_exact(max);
    long n = es_base64_decode(text, text_len, decoded, max);
    size_t needed = n > 0 ? frames_completed_by(m, (size_t)n) : 0;
    size_t capacity = choose_capacity(s, needed);
    es_turn_event *events = alloc_events(capacity);

    long rc = es_turn_process_base64(turn, text, text_len, events, capacity);
    if (m->elem != 1) {
        REQUIRE(rc == ES_EFORMAT);
    } else if (text_len > ES_TURN_MAX_BASE64) {
        REQUIRE(rc == ES_ENOSPC);
    } else if (n < 0) {
        REQUIRE(rc == n);
    } else if (capacity < needed) {
        REQUIRE(rc == ES_ENOSPC);
    } else {
        REQUIRE(rc >= 0 && (size_t)rc <= needed);
        model_feed(m, decoded, (size_t)n, events, rc);
        check_state(turn, m);
        check_started(turn, m, events, rc);
    }
    if (rc < 0) check_unchanged(turn, m);
    free(events);
    free(decoded);
    free(text);
}

/* ---- configuration ------------------------------------------------------ */

static es_turn_config choose_config(script *s) {
    static const int32_t frame_ms[3] = {10, 20, 30};
    uint8_t a = take_u8(s), b = take_u8(s);
    es_turn_config cfg;
    es_turn_config_default(&cfg);
    cfg.frame_ms = frame_ms[a % 3];
    cfg.vad_mode = (a / 3) % 4;
    switch (b % 3) {
    case 0: cfg.input = ES_TURN_INPUT_ULAW; cfg.sample_rate = 8000; break;
    case 1: cfg.input = ES_TURN_INPUT_PCM16; cfg.sample_rate = 8000; break;
    default: cfg.input = ES_TURN_INPUT_PCM16; cfg.sample_rate = 16000; break;
    }
    cfg.smoothing.window_frames = take_u8(s) % 64 + 1;
    cfg.smoothing.start_frames = take_u8(s) % cfg.smoothing.window_frames + 1;
    uint8_t end = take_u8(s);
    cfg.smoothing.end_frames = end < 250 ? end % 40 + 1 : 100000; /* mostly short, sometimes the limit */
    cfg.smoothing.min_speech_frames = take_u8(s) % (cfg.smoothing.window_frames + 1); /* the onset is inside the window */
    cfg.preroll_ms = take_u16(s) % 2001;
    return cfg;
}

/* One field pushed out of range must make create fail with ES_EINVAL. */
static void check_rejects(const es_turn_config *valid, uint8_t which) {
    es_turn_config bad = *valid;
    switch (which % 10) {
    case 0: bad.smoothing.window_frames = which & 0x10 ? 0 : 65; break;
    case 1: bad.smoothing.start_frames = which & 0x10 ? 0 : bad.smoothing.window_frames + 1; break;
    case 2: bad.smoothing.end_frames = 0; break;
    case 3: bad.sample_rate = which & 0x10 ? 11025 : 48000; break;
    case 4: bad.frame_ms = which & 0x10 ? 0 : 25; break;
    case 5: bad.vad_mode = which & 0x10 ? -1 : 4; break;
    case 6: bad.preroll_ms = 2001; break;
    case 7: bad.input = ES_TURN_INPUT_ULAW; bad.sample_rate = 16000; break;
    case 8: bad.input = 2; break;
    default: bad.smoothing.min_speech_frames = bad.smoothing.window_frames + 1; break;
    }
    int err = 0;
    es_turn *turn = es_turn_create(&bad, &err);
    REQUIRE(turn == NULL);
    REQUIRE(err == ES_EINVAL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    script s = {data, size};
    es_turn_config cfg = choose_config(&s);
    check_rejects(&cfg, take_u8(&s));

    int err = 0;
    es_turn *turn = es_turn_create(&cfg, &err);
    REQUIRE(turn != NULL && err == ES_OK);
    model m = {.cfg = cfg};
    m.elem = cfg.input == ES_TURN_INPUT_ULAW ? 1 : 2;
    m.frame_len = (uint32_t)(cfg.sample_rate / 1000 * cfg.frame_ms);
    m.preroll_frames = (cfg.preroll_ms + (uint32_t)cfg.frame_ms - 1) / (uint32_t)cfg.frame_ms;
    m.capacity = size + 1; /* no script writes more elements than it has bytes */
    m.audio = alloc_exact(m.capacity * m.elem);
    m.vad = es_vad_create(cfg.vad_mode, cfg.sample_rate, &err);
    REQUIRE(m.vad != NULL);
    m.smoother.cfg = cfg.smoothing;
    check_state(turn, &m);

    while (s.left > 0) {
        uint8_t op = take_u8(&s);
        size_t len;
        const uint8_t *chunk;
        switch (op % 8) {
        case 0: case 1: case 2: /* audio in the configured form: the common case */
            chunk = take_bytes(&s, take_u16(&s) % 4097, &len);
            feed_native(turn, &m, chunk, len / m.elem, &s);
            break;
        case 3: /* a valid payload, sometimes longer than one call may take */
            chunk = take_bytes(&s, take_u16(&s) % 2300, &len);
            feed_base64(turn, &m, chunk, len, 1, &s);
            break;
        case 4: /* arbitrary text as a payload */
            chunk = take_bytes(&s, take_u16(&s) % 3000, &len);
            feed_base64(turn, &m, chunk, len, 0, &s);
            break;
        case 5:
            chunk = take_bytes(&s, take_u8(&s), &len);
            feed_wrong_format(turn, &m, chunk, len, &s);
            break;
        case 6:
            check_recent(turn, &m, (uint32_t)take_u16(&s) % (m.smoother.frame + 3));
            break;
        default:
            if (op >> 3 == 0) { /* rarely: back to the state after create */
                REQUIRE(es_turn_reset(turn) == ES_OK);
                model_reset(&m);
                check_state(turn, &m);
            } else {
                check_recent(turn, &m, m.smoother.frame > 0 ? m.smoother.frame - 1 : 0);
            }
            break;
        }
    }

    es_vad_destroy(m.vad);
    free(m.audio);
    es_turn_destroy(turn);
    return 0;
}
