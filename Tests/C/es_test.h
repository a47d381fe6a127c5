/* A minimal test harness for the C core: CHECK records a failure and goes on. */
#ifndef ES_TEST_H
#define ES_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "CEarshot.h"

extern int es_test_failures;
extern int es_test_checks;
extern const char *es_fixtures_dir;

#define CHECK(cond)                                                                       \
    do {                                                                                  \
        es_test_checks++;                                                                 \
        if (!(cond)) {                                                                    \
            es_test_failures++;                                                           \
            fprintf(stderr, "  FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);             \
        }                                                                                 \
    } while (0)

#define CHECK_EQ(a, b)                                                                    \
    do {                                                                                  \
        long long va_ = (long long)(a), vb_ = (long long)(b);                             \
        es_test_checks++;                                                                 \
        if (va_ != vb_) {                                                                 \
            es_test_failures++;                                                           \
            fprintf(stderr, "  FAIL %s:%d: %s == %s (%lld != %lld)\n", __FILE__, __LINE__, \
                    #a, #b, va_, vb_);                                                    \
        }                                                                                 \
    } while (0)

/* Reads a whole fixture file (relative to the fixtures dir); exits on failure. */
unsigned char *es_read_fixture(const char *rel, size_t *len);

typedef void (*es_test_fn)(void);
typedef struct {
    const char *name;
    es_test_fn fn;
} es_test_case;

#endif
