#include "es_test.h"

static long dec(const char *text, uint8_t *out, size_t cap) {
    return es_base64_decode(text, strlen(text), out, cap);
}

static void test_rfc4648_vectors(void) {
    const char *plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
    const char *coded[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
    for (int i = 0; i < 7; i++) {
        char enc[16];
        uint8_t raw[16];
        long n = es_base64_encode((const uint8_t *)plain[i], strlen(plain[i]), enc, sizeof enc);
        CHECK_EQ(n, (long)strlen(coded[i]));
        CHECK(memcmp(enc, coded[i], (size_t)n) == 0);
        n = dec(coded[i], raw, sizeof raw);
        CHECK_EQ(n, (long)strlen(plain[i]));
        CHECK(memcmp(raw, plain[i], (size_t)n) == 0);
    }
}

static void test_round_trip_every_length(void) {
    uint8_t src[300], back[300];
    char text[400];
    for (int i = 0; i < 300; i++) src[i] = (uint8_t)(i * 131 + 7);
    int bad = 0;
    for (size_t n = 0; n <= 300; n++) {
        long t = es_base64_encode(src, n, text, sizeof text);
        if (t != (long)es_base64_encoded_len(n)) bad++;
        long b = es_base64_decode(text, (size_t)t, back, sizeof back);
        if (b != (long)n || memcmp(src, back, n) != 0) bad++;
    }
    CHECK_EQ(bad, 0);
}

static void test_strictness(void) {
    uint8_t out[32];
    const char *bad[] = {"Zg=", "Zg", "Z===", "Zg=a", "Zm9v!A==", "Zm 9v", "=Zm9", "Zh==", "Zm9=", "Zm9vYg==Zm9v",
                         "Zm\n9v", "Zm9-"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        long n = dec(bad[i], out, sizeof out);
        if (n != ES_EBADDATA) fprintf(stderr, "  accepted %s -> %ld\n", bad[i], n);
        CHECK_EQ(n, ES_EBADDATA);
    }
}

static void test_space_and_arguments(void) {
    uint8_t out[8];
    char text[8];
    CHECK_EQ(dec("Zm9vYmFy", out, 5), ES_ENOSPC);
    CHECK_EQ(dec("Zm9vYmE=", out, 5), 5);
    CHECK_EQ(es_base64_encode((const uint8_t *)"foo", 3, text, 3), ES_ENOSPC);
    CHECK_EQ(es_base64_decode(NULL, 4, out, 8), ES_EINVAL);
    CHECK_EQ(es_base64_decode("Zm9v", 4, NULL, 8), ES_EINVAL);
    CHECK_EQ(es_base64_encode(NULL, 3, text, 8), ES_EINVAL);
    CHECK_EQ(es_base64_ulaw_to_pcm("Zm9v", 4, NULL, 8), ES_EINVAL);
    CHECK_EQ(es_pcm_to_ulaw_base64(NULL, 3, text, 8), ES_EINVAL);
}

static void test_fused_media_paths(void) {
    uint8_t ulaw[160];
    int16_t pcm[160], fused[160];
    char text[216];
    for (int i = 0; i < 160; i++) ulaw[i] = (uint8_t)(i * 37 + 11);
    CHECK_EQ(es_base64_encode(ulaw, 160, text, sizeof text), 216);
    es_ulaw_decode(ulaw, 160, pcm);
    CHECK_EQ(es_base64_ulaw_to_pcm(text, 216, fused, 160), 160);
    CHECK(memcmp(pcm, fused, sizeof pcm) == 0);
    CHECK_EQ(es_base64_ulaw_to_pcm(text, 216, fused, 159), ES_ENOSPC);
    /* PCM → μ-law base64 equals encode then base64, for lengths with each remainder. */
    for (size_t n = 157; n <= 160; n++) {
        char a[216], b[216];
        uint8_t codes[160];
        es_ulaw_encode(pcm, n, codes);
        long la = es_base64_encode(codes, n, a, sizeof a);
        long lb = es_pcm_to_ulaw_base64(pcm, n, b, sizeof b);
        CHECK_EQ(la, lb);
        CHECK(la > 0 && memcmp(a, b, (size_t)la) == 0);
    }
    text[100] = '*';
    CHECK_EQ(es_base64_ulaw_to_pcm(text, 216, fused, 160), ES_EBADDATA);
}

const es_test_case base64_tests[] = {
    {"base64: RFC 4648 vectors", test_rfc4648_vectors},
    {"base64: round trip at every length 0..300", test_round_trip_every_length},
    {"base64: bad characters and padding are errors", test_strictness},
    {"base64: small buffers and NULLs are errors", test_space_and_arguments},
    {"base64: fused μ-law paths equal the two-step ones", test_fused_media_paths},
    {NULL, NULL},
};
