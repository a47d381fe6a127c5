#include "es_base64.h"

#include <limits.h>

#include "es_g711.h"

static const char b64_alphabet[65] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* 0..63 for alphabet characters, 0x80 for everything else (including '='),
 * so one OR over a block tells whether any character was invalid. */
#define B64_BAD 0x80
#define D(c) (uint8_t)((c) >= 'A' && (c) <= 'Z' ? (c) - 'A' \
            : (c) >= 'a' && (c) <= 'z' ? (c) - 'a' + 26 \
            : (c) >= '0' && (c) <= '9' ? (c) - '0' + 52 \
            : (c) == '+' ? 62 : (c) == '/' ? 63 : B64_BAD)
#define D4(b) D(b), D(b + 1), D(b + 2), D(b + 3)
#define D16(b) D4(b), D4(b + 4), D4(b + 8), D4(b + 12)
#define D64(b) D16(b), D16(b + 16), D16(b + 32), D16(b + 48)
_Alignas(64) static const uint8_t b64_value[256] = {D64(0), D64(64), D64(128), D64(192)};
_Static_assert(sizeof(b64_value) == 256, "one entry per byte value");

size_t es_base64_decoded_max(size_t text_len) { return text_len / 4 * 3; }

size_t es_base64_encoded_len(size_t byte_len) {
    if (byte_len > (SIZE_MAX / 4) * 3 - 3) return 0;
    return (byte_len + 2) / 3 * 4;
}

/* Validates framing and returns the decoded length, or ES_EBADDATA.
 * Sets *pad to the number of '=' characters (0..2). */
static long b64_frame(const uint8_t *t, size_t len, size_t *pad) {
    if (len % 4 != 0 || len > (size_t)LONG_MAX / 3 * 4) return ES_EBADDATA;
    *pad = 0;
    if (len == 0) return 0;
    if (t[len - 1] == '=') *pad = (t[len - 2] == '=') ? 2 : 1;
    return (long)(len / 4 * 3 - *pad);
}

/* The final quantum, which may carry padding. Returns the bytes it yields or ES_EBADDATA. */
static int b64_tail(const uint8_t *t, size_t pad, uint8_t out[3]) {
    uint32_t a = b64_value[t[0]], b = b64_value[t[1]];
    uint32_t c = pad >= 2 ? 0 : b64_value[t[2]];
    uint32_t d = pad >= 1 ? 0 : b64_value[t[3]];
    if ((a | b | c | d) & B64_BAD) return ES_EBADDATA;
    uint32_t v = a << 18 | b << 12 | c << 6 | d;
    /* Canonical encodings only: bits beyond the last byte must be zero. */
    if ((pad == 1 && (v & 0xFF)) || (pad == 2 && (v & 0xFFFF))) return ES_EBADDATA;
    out[0] = (uint8_t)(v >> 16);
    out[1] = (uint8_t)(v >> 8);
    out[2] = (uint8_t)v;
    return 3 - (int)pad;
}

long es_base64_decode(const void *text, size_t text_len, uint8_t *restrict out, size_t out_cap) {
    if (text_len == 0) return 0;
    if (!text || !out) return ES_EINVAL;
    const uint8_t *restrict t = text;
    size_t pad;
    long total = b64_frame(t, text_len, &pad);
    if (total < 0) return total;
    if ((size_t)total > out_cap) return ES_ENOSPC;
    size_t full = text_len / 4 - 1; /* quanta before the last one */
    uint32_t bad = 0;
    for (size_t q = 0; q < full; q++) {
        const uint8_t *s = t + 4 * q;
        uint32_t a = b64_value[s[0]], b = b64_value[s[1]], c = b64_value[s[2]], d = b64_value[s[3]];
        bad |= a | b | c | d;
        uint32_t v = a << 18 | b << 12 | c << 6 | d;
        out[3 * q] = (uint8_t)(v >> 16);
        out[3 * q + 1] = (uint8_t)(v >> 8);
        out[3 * q + 2] = (uint8_t)v;
    }
    if (bad & B64_BAD) return ES_EBADDATA;
    uint8_t last[3];
    int n = b64_tail(t + 4 * full, pad, last);
    if (n < 0) return n;
    for (int i = 0; i < n; i++) out[3 * full + (size_t)i] = last[i];
    return total;
}

long es_base64_ulaw_to_pcm(const void *text, size_t text_len, int16_t *restrict out, size_t out_cap) {
    if (text_len == 0) return 0;
    if (!text || !out) return ES_EINVAL;
    const uint8_t *restrict t = text;
    size_t pad;
    long total = b64_frame(t, text_len, &pad);
    if (total < 0) return total;
    if ((size_t)total > out_cap) return ES_ENOSPC;
    size_t full = text_len / 4 - 1;
    uint32_t bad = 0;
    for (size_t q = 0; q < full; q++) {
        const uint8_t *s = t + 4 * q;
        uint32_t a = b64_value[s[0]], b = b64_value[s[1]], c = b64_value[s[2]], d = b64_value[s[3]];
        bad |= a | b | c | d;
        uint32_t v = a << 18 | b << 12 | c << 6 | d;
        out[3 * q] = es_ulaw_decode_table[(v >> 16) & 0xFF];
        out[3 * q + 1] = es_ulaw_decode_table[(v >> 8) & 0xFF];
        out[3 * q + 2] = es_ulaw_decode_table[v & 0xFF];
    }
    if (bad & B64_BAD) return ES_EBADDATA;
    uint8_t last[3];
    int n = b64_tail(t + 4 * full, pad, last);
    if (n < 0) return n;
    for (int i = 0; i < n; i++) out[3 * full + (size_t)i] = es_ulaw_decode_table[last[i]];
    return total;
}

/* Encodes 3 source bytes (as a 24-bit value) into 4 characters. */
static inline void b64_put(uint8_t *o, uint32_t v) {
    o[0] = (uint8_t)b64_alphabet[(v >> 18) & 63];
    o[1] = (uint8_t)b64_alphabet[(v >> 12) & 63];
    o[2] = (uint8_t)b64_alphabet[(v >> 6) & 63];
    o[3] = (uint8_t)b64_alphabet[v & 63];
}

/* Writes the last 1 or 2 bytes with padding. */
static inline void b64_put_tail(uint8_t *o, const uint8_t *src, size_t rem) {
    uint32_t v = (uint32_t)src[0] << 16 | (rem == 2 ? (uint32_t)src[1] << 8 : 0);
    b64_put(o, v);
    o[3] = '=';
    if (rem == 1) o[2] = '=';
}

long es_base64_encode(const uint8_t *restrict in, size_t n, void *out, size_t out_cap) {
    if (n == 0) return 0;
    if (!in || !out) return ES_EINVAL;
    size_t need = es_base64_encoded_len(n);
    if (need == 0 || need > (size_t)LONG_MAX) return ES_EINVAL;
    if (need > out_cap) return ES_ENOSPC;
    uint8_t *restrict o = out;
    size_t q = n / 3;
    for (size_t i = 0; i < q; i++) {
        const uint8_t *s = in + 3 * i;
        b64_put(o + 4 * i, (uint32_t)s[0] << 16 | (uint32_t)s[1] << 8 | s[2]);
    }
    if (n % 3) b64_put_tail(o + 4 * q, in + 3 * q, n % 3);
    return (long)need;
}

long es_pcm_to_ulaw_base64(const int16_t *restrict pcm, size_t n, void *out, size_t out_cap) {
    if (n == 0) return 0;
    if (!pcm || !out) return ES_EINVAL;
    size_t need = es_base64_encoded_len(n);
    if (need == 0 || need > (size_t)LONG_MAX) return ES_EINVAL;
    if (need > out_cap) return ES_ENOSPC;
    uint8_t *restrict o = out;
    size_t q = n / 3;
    for (size_t i = 0; i < q; i++) {
        const int16_t *s = pcm + 3 * i;
        uint32_t v = (uint32_t)es_ulaw_encode_sample(s[0]) << 16 |
                     (uint32_t)es_ulaw_encode_sample(s[1]) << 8 | es_ulaw_encode_sample(s[2]);
        b64_put(o + 4 * i, v);
    }
    size_t rem = n % 3;
    if (rem) {
        uint8_t tail[2] = {es_ulaw_encode_sample(pcm[3 * q]), rem == 2 ? es_ulaw_encode_sample(pcm[3 * q + 1]) : 0};
        b64_put_tail(o + 4 * q, tail, rem);
    }
    return (long)need;
}
