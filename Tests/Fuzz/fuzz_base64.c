/* libFuzzer entry point for the strict base64 codec (es_base64.h).
 *
 * The input is tried three ways:
 *   - as base64 text: es_base64_decode must accept exactly the canonical encodings
 *     (checked against an independent validator below), re-encode to the same text,
 *     refuse a buffer one byte short, and agree with the fused es_base64_ulaw_to_pcm;
 *   - as bytes: encode → decode must round-trip;
 *   - as PCM16: es_pcm_to_ulaw_base64 must equal es_ulaw_encode then es_base64_encode.
 * Every output buffer is its own allocation of the exact size, so ASan reports any
 * write or read past it. A violated property aborts with a message.
 *
 * Built and run by `make fuzz` (clang -fsanitize=fuzzer,address,undefined). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "CEarshot.h"

#define REQUIRE(cond) ((cond) ? (void)0 : fail(#cond, __LINE__))

static void fail(const char *what, int line) {
    fprintf(stderr, "fuzz_base64: property violated at line %d: %s\n", line, what);
    abort();
}

/* malloc that never returns NULL for a size of 0, so "exact size" holds for empty buffers. */
static void *alloc_exact(size_t n) {
    void *p = malloc(n ? n : 1);
    if (!p) abort();
    return p;
}

static int alphabet_value(uint8_t c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

/* RFC 4648 canonical form, written from the spec rather than from es_base64.c:
 * length a multiple of 4, alphabet characters only, then at most two '=' at the
 * very end, and the bits the padding leaves unused all zero. Returns the decoded
 * length, or -1 when the text is not canonical. */
static long canonical_length(const uint8_t *t, size_t n) {
    if (n % 4 != 0) return -1;
    if (n == 0) return 0;
    size_t pad = 0;
    while (pad < 2 && t[n - 1 - pad] == '=') pad++;
    for (size_t i = 0; i < n - pad; i++) {
        if (alphabet_value(t[i]) < 0) return -1;
    }
    if (pad == 2 && (alphabet_value(t[n - 3]) & 0x0F) != 0) return -1;
    if (pad == 1 && (alphabet_value(t[n - 2]) & 0x03) != 0) return -1;
    return (long)(n / 4 * 3 - pad);
}

static void check_decode(const uint8_t *text, size_t size) {
    const long expected = canonical_length(text, size);
    const size_t cap = es_base64_decoded_max(size);
    REQUIRE(cap == size / 4 * 3);

    uint8_t *bytes = alloc_exact(cap);
    const long rc = es_base64_decode(text, size, bytes, cap);
    if (expected < 0) {
        REQUIRE(rc == ES_EBADDATA);
    } else {
        REQUIRE(rc == expected);
    }

    /* The fused path must fail the same way or produce the μ-law decode of the same bytes. */
    int16_t *pcm = alloc_exact(cap * sizeof *pcm);
    const long fused = es_base64_ulaw_to_pcm(text, size, pcm, cap);
    REQUIRE(fused == rc);

    if (rc > 0) {
        const size_t n = (size_t)rc;

        /* Canonical means re-encoding gives back the very same text. */
        char *again = alloc_exact(size);
        REQUIRE(es_base64_encode(bytes, n, again, size) == (long)size);
        REQUIRE(memcmp(again, text, size) == 0);
        free(again);

        int16_t *reference = alloc_exact(n * sizeof *reference);
        REQUIRE(es_ulaw_decode(bytes, n, reference) == rc);
        REQUIRE(memcmp(reference, pcm, n * sizeof *pcm) == 0);
        free(reference);

        /* Exactly rc bytes is enough; one fewer is ES_ENOSPC, never a short result. */
        uint8_t *exact = alloc_exact(n);
        REQUIRE(es_base64_decode(text, size, exact, n) == rc);
        REQUIRE(memcmp(exact, bytes, n) == 0);
        free(exact);
        uint8_t *short_bytes = alloc_exact(n - 1);
        REQUIRE(es_base64_decode(text, size, short_bytes, n - 1) == ES_ENOSPC);
        free(short_bytes);
        int16_t *short_pcm = alloc_exact((n - 1) * sizeof *short_pcm);
        REQUIRE(es_base64_ulaw_to_pcm(text, size, short_pcm, n - 1) == ES_ENOSPC);
        free(short_pcm);
    } else if (rc == 0) {
        REQUIRE(size == 0);
    } else if (cap > 0) {
        /* Bad text with a short buffer: an error either way, never a count. */
        uint8_t *short_bytes = alloc_exact(cap - 1);
        const long again = es_base64_decode(text, size, short_bytes, cap - 1);
        REQUIRE(again == ES_EBADDATA || again == ES_ENOSPC);
        free(short_bytes);
    }
    free(pcm);
    free(bytes);
}

static void check_round_trip(const uint8_t *data, size_t size) {
    if (size == 0) {
        REQUIRE(es_base64_encode(data, 0, NULL, 0) == 0);
        return;
    }
    const size_t length = es_base64_encoded_len(size);
    REQUIRE(length == (size + 2) / 3 * 4);
    char *text = alloc_exact(length);
    REQUIRE(es_base64_encode(data, size, text, length) == (long)length);
    REQUIRE(canonical_length((const uint8_t *)text, length) == (long)size);
    char *short_text = alloc_exact(length - 1);
    REQUIRE(es_base64_encode(data, size, short_text, length - 1) == ES_ENOSPC);
    free(short_text);

    uint8_t *bytes = alloc_exact(size);
    REQUIRE(es_base64_decode(text, length, bytes, size) == (long)size);
    REQUIRE(memcmp(bytes, data, size) == 0);
    free(bytes);
    free(text);
}

static void check_outbound(const uint8_t *data, size_t size) {
    const size_t n = size / sizeof(int16_t);
    if (n == 0) return;
    int16_t *pcm = alloc_exact(n * sizeof *pcm);
    memcpy(pcm, data, n * sizeof *pcm);
    const size_t length = es_base64_encoded_len(n);

    uint8_t *ulaw = alloc_exact(n);
    REQUIRE(es_ulaw_encode(pcm, n, ulaw) == (long)n);
    char *two_step = alloc_exact(length);
    REQUIRE(es_base64_encode(ulaw, n, two_step, length) == (long)length);
    char *fused = alloc_exact(length);
    REQUIRE(es_pcm_to_ulaw_base64(pcm, n, fused, length) == (long)length);
    REQUIRE(memcmp(fused, two_step, length) == 0);
    char *short_text = alloc_exact(length - 1);
    REQUIRE(es_pcm_to_ulaw_base64(pcm, n, short_text, length - 1) == ES_ENOSPC);

    free(short_text);
    free(fused);
    free(two_step);
    free(ulaw);
    free(pcm);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    check_decode(data, size);
    check_round_trip(data, size);
    check_outbound(data, size);
    return 0;
}
