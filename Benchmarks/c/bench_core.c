/* A Swift-free baseline for the per-frame media path: the C core timed with
 * clock_gettime, so the Swift benchmarks can be read against what C alone costs.
 *
 * From the repository root:
 *   cc -std=c11 -O2 -D_DEFAULT_SOURCE -ICSources/CEarshot/include CSources/CEarshot/es_*.c \
 *      Benchmarks/c/bench_core.c -o .build/bench_core \
 *      -lwebrtc_audio_processing -lspeexdsp -lcrypto -lm
 *   .build/bench_core [fixture.ulaw] [iterations]
 *
 * Defaults: Tests/Fixtures/vad/speech8k.ulaw and 1,000,000 frames per case. Each
 * case runs in 5 rounds; the table shows the median and best round, as wall
 * time (CLOCK_MONOTONIC) and CPU time (CLOCK_PROCESS_CPUTIME_ID) per operation. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "CEarshot.h"

enum {
    FRAME = 160,   /* 20 ms of 8 kHz μ-law */
    PAYLOAD = 216, /* base64 of one frame */
    ROUNDS = 5,
    BULK = 1 << 20
};

/* The fixture as frames: raw μ-law, Twilio payloads and decoded PCM, back to back. */
typedef struct fixture {
    size_t frames;
    uint8_t *ulaw;
    char *payloads;
    int16_t *pcm;
} fixture;

static volatile uint64_t sink; /* keeps results alive across the optimiser */

static void die(const char *what, long rc) {
    fprintf(stderr, "bench_core: %s failed: %s (%ld)\n", what, es_strerror((int)rc), rc);
    exit(1);
}

static double now_ns(clockid_t clock) {
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static fixture load_fixture(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        exit(1);
    }
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    fixture fx = {.frames = (size_t)size / FRAME};
    fx.ulaw = malloc(fx.frames * FRAME);
    fx.payloads = malloc(fx.frames * PAYLOAD);
    fx.pcm = malloc(fx.frames * FRAME * sizeof(int16_t));
    if (!fx.ulaw || !fx.payloads || !fx.pcm || fx.frames == 0 ||
        fread(fx.ulaw, FRAME, fx.frames, f) != fx.frames) {
        fprintf(stderr, "bench_core: cannot read %s\n", path);
        exit(1);
    }
    fclose(f);
    for (size_t i = 0; i < fx.frames; i++) {
        long rc = es_base64_encode(fx.ulaw + i * FRAME, FRAME, fx.payloads + i * PAYLOAD, PAYLOAD);
        if (rc != PAYLOAD) die("es_base64_encode", rc);
        es_ulaw_decode(fx.ulaw + i * FRAME, FRAME, fx.pcm + i * FRAME);
    }
    return fx;
}

/* One case: a function that performs `n` operations starting at frame `first`. */
typedef void (*bench_fn)(const fixture *fx, void *state, size_t first, size_t n);

static int by_value(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Median time per operation in ns: wall clock, and CPU time of this process. */
typedef struct timing {
    double wall_ns, cpu_ns;
} timing;

/* Prints the case and returns its medians. */
static timing run(const char *name, const fixture *fx, void *state, bench_fn fn, size_t n, const char *unit) {
    double wall[ROUNDS], cpu[ROUNDS];
    fn(fx, state, 0, n / 10 + 1); /* warm caches and the VAD's noise estimate */
    for (int r = 0; r < ROUNDS; r++) {
        double w0 = now_ns(CLOCK_MONOTONIC), c0 = now_ns(CLOCK_PROCESS_CPUTIME_ID);
        fn(fx, state, (size_t)r * n, n);
        double c1 = now_ns(CLOCK_PROCESS_CPUTIME_ID), w1 = now_ns(CLOCK_MONOTONIC);
        wall[r] = (w1 - w0) / (double)n;
        cpu[r] = (c1 - c0) / (double)n;
    }
    qsort(wall, ROUNDS, sizeof *wall, by_value);
    qsort(cpu, ROUNDS, sizeof *cpu, by_value);
    printf("%-46s %10.1f %10.1f %10.1f   %s\n", name, wall[ROUNDS / 2], wall[0], cpu[ROUNDS / 2], unit);
    return (timing){wall[ROUNDS / 2], cpu[ROUNDS / 2]};
}

/* ---- cases -------------------------------------------------------------- */

static void inbound_frame(const fixture *fx, void *state, size_t first, size_t n) {
    es_turn *turn = state;
    es_turn_event events[4];
    size_t frame = first % fx->frames;
    for (size_t i = 0; i < n; i++) {
        long rc = es_turn_process_base64(turn, fx->payloads + frame * PAYLOAD, PAYLOAD, events, 4);
        if (rc < 0) die("es_turn_process_base64", rc);
        sink += (uint64_t)rc;
        if (++frame == fx->frames) frame = 0;
    }
}

static void base64_decode(const fixture *fx, void *state, size_t first, size_t n) {
    (void)state;
    uint8_t out[PAYLOAD];
    size_t frame = first % fx->frames;
    for (size_t i = 0; i < n; i++) {
        long rc = es_base64_decode(fx->payloads + frame * PAYLOAD, PAYLOAD, out, sizeof out);
        if (rc != FRAME) die("es_base64_decode", rc);
        sink += out[i % FRAME];
        if (++frame == fx->frames) frame = 0;
    }
}

static void ulaw_decode(const fixture *fx, void *state, size_t first, size_t n) {
    (void)state;
    int16_t out[FRAME];
    size_t frame = first % fx->frames;
    for (size_t i = 0; i < n; i++) {
        es_ulaw_decode(fx->ulaw + frame * FRAME, FRAME, out);
        sink += (uint16_t)out[i % FRAME];
        if (++frame == fx->frames) frame = 0;
    }
}

static void vad_frame(const fixture *fx, void *state, size_t first, size_t n) {
    es_vad *vad = state;
    size_t frame = first % fx->frames;
    for (size_t i = 0; i < n; i++) {
        int rc = es_vad_process(vad, fx->pcm + frame * FRAME, FRAME);
        if (rc < 0) die("es_vad_process", rc);
        sink += (uint64_t)rc;
        if (++frame == fx->frames) frame = 0;
    }
}

static void fused_decode(const fixture *fx, void *state, size_t first, size_t n) {
    (void)state;
    int16_t out[PAYLOAD];
    size_t frame = first % fx->frames;
    for (size_t i = 0; i < n; i++) {
        long rc = es_base64_ulaw_to_pcm(fx->payloads + frame * PAYLOAD, PAYLOAD, out, PAYLOAD);
        if (rc != FRAME) die("es_base64_ulaw_to_pcm", rc);
        sink += (uint16_t)out[i % FRAME];
        if (++frame == fx->frames) frame = 0;
    }
}

static void outbound_frame(const fixture *fx, void *state, size_t first, size_t n) {
    (void)state;
    char out[PAYLOAD];
    size_t frame = first % fx->frames;
    for (size_t i = 0; i < n; i++) {
        long rc = es_pcm_to_ulaw_base64(fx->pcm + frame * FRAME, FRAME, out, sizeof out);
        if (rc != PAYLOAD) die("es_pcm_to_ulaw_base64", rc);
        sink += (uint8_t)out[i % PAYLOAD];
        if (++frame == fx->frames) frame = 0;
    }
}

typedef struct bulk {
    uint8_t *ulaw;
    int16_t *pcm;
} bulk;

static void bulk_decode(const fixture *fx, void *state, size_t first, size_t n) {
    (void)fx;
    (void)first;
    bulk *b = state;
    for (size_t i = 0; i < n; i++) {
        es_ulaw_decode(b->ulaw, BULK, b->pcm);
        sink += (uint16_t)b->pcm[i % BULK];
    }
}

/* How much of the fixture the VAD calls speech, and how many turns it holds. */
static void describe(const fixture *fx) {
    int err;
    es_turn_config cfg;
    es_turn_config_default(&cfg);
    es_turn *turn = es_turn_create(&cfg, &err);
    if (!turn) die("es_turn_create", err);
    es_turn_event events[4];
    size_t turns = 0;
    for (size_t i = 0; i < fx->frames; i++) {
        long rc = es_turn_process_base64(turn, fx->payloads + i * PAYLOAD, PAYLOAD, events, 4);
        if (rc < 0) die("es_turn_process_base64", rc);
        for (long e = 0; e < rc; e++) turns += events[e].type == ES_TURN_SPEECH_STARTED;
    }
    printf("fixture: %zu frames of 20 ms, %u voiced (%.0f%%), %zu speech segments\n\n", fx->frames,
           es_turn_voiced_frames(turn), 100.0 * es_turn_voiced_frames(turn) / (double)fx->frames, turns);
    es_turn_destroy(turn);
}

int main(int argc, char **argv) {
    const char *path = argc > 1 ? argv[1] : "Tests/Fixtures/vad/speech8k.ulaw";
    size_t n = argc > 2 ? (size_t)strtoull(argv[2], NULL, 10) : 1000000;
    if (n == 0) n = 1;
    fixture fx = load_fixture(path);
    describe(&fx);

    printf("%-46s %10s %10s %10s\n", "case (per operation)", "wall p50", "wall best", "cpu p50");
    int err;
    es_turn_config cfg;
    es_turn_config_default(&cfg);
    es_turn *turn = es_turn_create(&cfg, &err);
    if (!turn) die("es_turn_create", err);
    run("inbound frame: es_turn_process_base64", &fx, turn, inbound_frame, n, "ns/frame");
    es_turn_destroy(turn);

    run("base64 decode, 216 chars", &fx, NULL, base64_decode, n, "ns/frame");
    run("mu-law decode, 160 bytes", &fx, NULL, ulaw_decode, n, "ns/frame");
    es_vad *vad = es_vad_create(3, 8000, &err);
    if (!vad) die("es_vad_create", err);
    run("WebRTC VAD, 160 samples", &fx, vad, vad_frame, n, "ns/frame");
    es_vad_destroy(vad);
    run("base64 + mu-law fused, 216 chars", &fx, NULL, fused_decode, n, "ns/frame");
    run("outbound: PCM16 -> mu-law -> base64, 160", &fx, NULL, outbound_frame, n, "ns/frame");

    bulk b = {malloc(BULK), malloc(BULK * sizeof(int16_t))};
    if (!b.ulaw || !b.pcm) die("malloc", ES_ENOMEM);
    for (size_t i = 0; i < BULK; i++) b.ulaw[i] = fx.ulaw[i % (fx.frames * FRAME)];
    timing mib = run("mu-law decode, 1 MiB", &fx, &b, bulk_decode, n / 1000 + 1, "ns/MiB");
    /* CPU time is the fairer figure on a shared machine: it excludes time spent descheduled. */
    printf("%-46s %10.2f GB/s mu-law in by wall time, %.2f GB/s by CPU time (PCM out: twice that)\n", "",
           BULK / mib.wall_ns, BULK / mib.cpu_ns);
    free(b.ulaw);
    free(b.pcm);
    free(fx.ulaw);
    free(fx.payloads);
    free(fx.pcm);
    return 0;
}
