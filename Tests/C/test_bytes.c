#include "es_test.h"

static void test_unmask_matches_definition(void) {
    uint8_t src[37], dst[37], key[4] = {0x12, 0x34, 0x56, 0x78};
    for (int i = 0; i < 37; i++) src[i] = (uint8_t)(i * 7 + 3);
    for (size_t offset = 0; offset < 5; offset++) {
        for (size_t n = 0; n <= 37; n++) {
            CHECK_EQ(es_ws_unmask(dst, src, n, key, offset), (long)n);
            int bad = 0;
            for (size_t i = 0; i < n; i++) bad += dst[i] != (src[i] ^ key[(i + offset) % 4]);
            CHECK_EQ(bad, 0);
        }
    }
    memcpy(dst, src, sizeof src); /* in place, twice, is the identity */
    es_ws_unmask(dst, dst, 37, key, 0);
    es_ws_unmask(dst, dst, 37, key, 0);
    CHECK(memcmp(dst, src, sizeof src) == 0);
    CHECK_EQ(es_ws_unmask(NULL, src, 4, key, 0), ES_EINVAL);
    CHECK_EQ(es_ws_unmask(dst, src, 4, NULL, 0), ES_EINVAL);
}

const es_test_case bytes_tests[] = {
    {"bytes: WebSocket unmask matches RFC 6455 at every length and offset", test_unmask_matches_definition},
    {NULL, NULL},
};
