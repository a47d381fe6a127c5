#include "es_test.h"

static void golden_encode(const char *fixture, uint8_t (*encode)(int16_t),
                          long (*bulk)(const int16_t *, size_t, uint8_t *)) {
    size_t len;
    unsigned char *want = es_read_fixture(fixture, &len);
    CHECK_EQ(len, 65536);
    int16_t *pcm = malloc(65536 * sizeof *pcm);
    uint8_t *got = malloc(65536);
    int mismatches = 0;
    for (int i = 0; i < 65536; i++) {
        pcm[i] = (int16_t)(i - 32768);
        if (encode(pcm[i]) != want[i]) mismatches++;
    }
    CHECK_EQ(mismatches, 0);
    CHECK_EQ(bulk(pcm, 65536, got), 65536);
    CHECK(memcmp(got, want, 65536) == 0);
    free(pcm);
    free(got);
    free(want);
}

static void golden_decode(const char *fixture, const int16_t *table,
                          long (*bulk)(const uint8_t *, size_t, int16_t *)) {
    size_t len;
    unsigned char *want = es_read_fixture(fixture, &len);
    CHECK_EQ(len, 512);
    uint8_t codes[256];
    int16_t got[256];
    int mismatches = 0;
    for (int c = 0; c < 256; c++) {
        codes[c] = (uint8_t)c;
        int16_t expect = (int16_t)(want[2 * c] | want[2 * c + 1] << 8);
        if (table[c] != expect) mismatches++;
    }
    CHECK_EQ(mismatches, 0);
    CHECK_EQ(bulk(codes, 256, got), 256);
    CHECK(memcmp(got, table, sizeof got) == 0);
    free(want);
}

static void test_ulaw_golden(void) {
    golden_encode("g711/ulaw_encode.bin", es_ulaw_encode_sample, es_ulaw_encode);
    golden_decode("g711/ulaw_decode.bin", es_ulaw_decode_table, es_ulaw_decode);
}

static void test_alaw_golden(void) {
    golden_encode("g711/alaw_encode.bin", es_alaw_encode_sample, es_alaw_encode);
    golden_decode("g711/alaw_decode.bin", es_alaw_decode_table, es_alaw_decode);
}

static void test_g711_round_trip_is_stable(void) {
    /* Decoding then re-encoding any code gives the same code (except μ-law's two zeros). */
    int bad = 0;
    for (int c = 0; c < 256; c++) {
        uint8_t u = es_ulaw_encode_sample(es_ulaw_decode_table[c]);
        if (u != c && !(c == 0x7F && u == 0xFF)) bad++;
        if (es_alaw_encode_sample(es_alaw_decode_table[c]) != c) bad++;
    }
    CHECK_EQ(bad, 0);
}

static void test_g711_arguments(void) {
    int16_t pcm[4] = {0};
    uint8_t code[4] = {0};
    CHECK_EQ(es_ulaw_decode(NULL, 4, pcm), ES_EINVAL);
    CHECK_EQ(es_ulaw_decode(code, 4, NULL), ES_EINVAL);
    CHECK_EQ(es_ulaw_encode(NULL, 4, code), ES_EINVAL);
    CHECK_EQ(es_alaw_decode(code, 4, NULL), ES_EINVAL);
    CHECK_EQ(es_alaw_encode(pcm, 4, NULL), ES_EINVAL);
    CHECK_EQ(es_ulaw_decode(NULL, 0, NULL), 0);
}

const es_test_case g711_tests[] = {
    {"g711: μ-law matches audioop for all inputs", test_ulaw_golden},
    {"g711: A-law matches audioop for all inputs", test_alaw_golden},
    {"g711: decode then encode is stable", test_g711_round_trip_is_stable},
    {"g711: bad arguments are errors", test_g711_arguments},
    {NULL, NULL},
};
