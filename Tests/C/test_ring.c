#include "es_test.h"

static void test_overwrite_wraps_and_keeps_newest(void) {
    int err;
    es_ring *r = es_ring_create(5, 1, ES_RING_OVERWRITE, &err);
    CHECK(r != NULL && err == ES_OK);
    uint8_t out[8];
    CHECK_EQ(es_ring_write(r, "abc", 3), 3);
    CHECK_EQ(es_ring_read(r, out, 2), 2);
    CHECK(memcmp(out, "ab", 2) == 0);
    CHECK_EQ(es_ring_write(r, "defgh", 5), 5); /* wraps, drops 'c' */
    CHECK_EQ(es_ring_count(r), 5);
    CHECK_EQ(es_ring_peek_newest(r, out, 3), 3);
    CHECK(memcmp(out, "fgh", 3) == 0);
    CHECK_EQ(es_ring_read(r, out, 8), 5);
    CHECK(memcmp(out, "defgh", 5) == 0);
    CHECK_EQ(es_ring_write(r, "0123456789", 10), 10); /* more than capacity: newest 5 */
    CHECK_EQ(es_ring_read(r, out, 8), 5);
    CHECK(memcmp(out, "56789", 5) == 0);
    CHECK_EQ(es_ring_written(r), 18);
    es_ring_destroy(r);
}

static void test_reject_mode_writes_all_or_nothing(void) {
    es_ring *r = es_ring_create(4, 2, ES_RING_REJECT, NULL);
    int16_t in[5] = {1, 2, 3, 4, 5}, out[5] = {0};
    CHECK_EQ(es_ring_write(r, in, 3), 3);
    CHECK_EQ(es_ring_write(r, in, 2), ES_ENOSPC);
    CHECK_EQ(es_ring_count(r), 3);
    CHECK_EQ(es_ring_space(r), 1);
    CHECK_EQ(es_ring_read(r, out, 2), 2);
    CHECK_EQ(es_ring_write(r, in + 3, 2), 2); /* wraps */
    CHECK_EQ(es_ring_read(r, out, 5), 3);
    CHECK(out[0] == 3 && out[1] == 4 && out[2] == 5);
    CHECK_EQ(es_ring_written(r), 5);
    es_ring_destroy(r);
}

static void test_caller_memory_and_skip(void) {
    size_t size = es_ring_size(8, 2);
    CHECK(size > 16);
    es_ring *r = malloc(size);
    CHECK_EQ(es_ring_init(r, 8, 2, ES_RING_OVERWRITE), ES_OK);
    int16_t v[8];
    for (int16_t i = 0; i < 8; i++) v[i] = i;
    es_ring_write(r, v, 8);
    CHECK_EQ(es_ring_skip(r, 3), 3);
    CHECK_EQ(es_ring_skip(r, 30), 5);
    CHECK_EQ(es_ring_count(r), 0);
    CHECK_EQ(es_ring_peek_newest(r, v, 1), ES_ENOSPC);
    es_ring_write(r, v, 2);
    es_ring_clear(r);
    CHECK_EQ(es_ring_count(r), 0);
    free(r);
}

static void test_ring_arguments(void) {
    int err = 0;
    CHECK(es_ring_create(0, 1, ES_RING_OVERWRITE, &err) == NULL && err == ES_EINVAL);
    CHECK(es_ring_create(4, 3, ES_RING_OVERWRITE, &err) == NULL && err == ES_EINVAL);
    CHECK(es_ring_create(4, 1, (es_ring_mode)7, &err) == NULL && err == ES_EINVAL);
    CHECK_EQ(es_ring_size(0, 1), 0);
    CHECK_EQ(es_ring_init(NULL, 4, 1, ES_RING_REJECT), ES_EINVAL);
    CHECK_EQ(es_ring_write(NULL, "a", 1), ES_EINVAL);
    CHECK_EQ(es_ring_read(NULL, NULL, 1), ES_EINVAL);
    CHECK_EQ(es_ring_count(NULL), 0);
    es_ring *r = es_ring_create(4, 1, ES_RING_REJECT, NULL);
    CHECK_EQ(es_ring_write(r, NULL, 1), ES_EINVAL);
    CHECK_EQ(es_ring_read(r, NULL, 1), ES_EINVAL);
    es_ring_destroy(r);
}

static void test_long_random_sequence_matches_model(void) {
    /* A ring against a flat array model over many wrap-arounds. */
    es_ring *r = es_ring_create(37, 1, ES_RING_OVERWRITE, NULL);
    uint8_t model[4096];
    size_t lo = 0, hi = 0; /* model holds model[lo..hi) */
    uint32_t seed = 12345;
    int bad = 0;
    uint8_t next = 0;
    for (int step = 0; step < 20000 && hi < sizeof model - 64; step++) {
        seed = seed * 1103515245u + 12345u;
        size_t n = (seed >> 16) % 20;
        if ((seed >> 8) & 1) {
            uint8_t buf[20];
            for (size_t i = 0; i < n; i++) buf[i] = model[hi++] = next++;
            es_ring_write(r, buf, n);
            if (hi - lo > 37) lo = hi - 37;
        } else {
            uint8_t buf[20];
            long got = es_ring_read(r, buf, n);
            size_t want = n < hi - lo ? n : hi - lo;
            if (got != (long)want || memcmp(buf, model + lo, want) != 0) bad++;
            lo += want;
        }
        if (es_ring_count(r) != hi - lo) bad++;
    }
    CHECK_EQ(bad, 0);
    es_ring_destroy(r);
}

const es_test_case ring_tests[] = {
    {"ring: overwrite mode wraps and keeps the newest", test_overwrite_wraps_and_keeps_newest},
    {"ring: reject mode writes all or nothing", test_reject_mode_writes_all_or_nothing},
    {"ring: caller-owned memory, skip and clear", test_caller_memory_and_skip},
    {"ring: bad arguments are errors", test_ring_arguments},
    {"ring: long random sequence matches a model", test_long_random_sequence_matches_model},
    {NULL, NULL},
};
