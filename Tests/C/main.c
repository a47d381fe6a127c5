/* Runs every C core test; prints one line per test and a closing count. */
#include "es_test.h"

int es_test_failures = 0;
int es_test_checks = 0;
const char *es_fixtures_dir = "Tests/Fixtures";

unsigned char *es_read_fixture(const char *rel, size_t *len) {
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", es_fixtures_dir, rel);
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "cannot open fixture %s\n", path);
        exit(2);
    }
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *buf = malloc((size_t)size + 1);
    if (!buf || fread(buf, 1, (size_t)size, f) != (size_t)size) {
        fprintf(stderr, "cannot read fixture %s\n", path);
        exit(2);
    }
    buf[size] = 0;
    fclose(f);
    *len = (size_t)size;
    return buf;
}

#define SUITE(name) extern const es_test_case name[];
SUITE(g711_tests)
SUITE(base64_tests)
SUITE(ring_tests)
SUITE(vad_tests)
SUITE(turn_tests)
SUITE(resample_tests)
SUITE(hmac_tests)
SUITE(bytes_tests)
SUITE(voice_tests)

int main(int argc, char **argv) {
    if (argc > 1) es_fixtures_dir = argv[1];
    const es_test_case *suites[] = {g711_tests, base64_tests, ring_tests, vad_tests,
                                    turn_tests, resample_tests, hmac_tests, bytes_tests, voice_tests};
    int passed = 0, failed = 0;
    for (size_t s = 0; s < sizeof suites / sizeof suites[0]; s++) {
        for (const es_test_case *t = suites[s]; t->name; t++) {
            int before = es_test_failures;
            t->fn();
            int ok = es_test_failures == before;
            printf("%s %s\n", ok ? "ok  " : "FAIL", t->name);
            if (ok) passed++;
            else failed++;
        }
    }
    printf("C core (%d checks): %d passed, %d failed\n", es_test_checks, passed, failed);
    return failed ? 1 : 0;
}
