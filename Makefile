# Earshot — the two commands are `make demo` and `make test`.
SHELL := /bin/bash
SWIFT ?= swift
CC ?= cc
CFLAGS_CORE := -std=c11 -Wall -Wextra -Wpedantic -Werror -O2 -D_DEFAULT_SOURCE
CORE_SRC := $(wildcard CSources/CEarshot/*.c)
CORE_HDR := $(wildcard CSources/CEarshot/include/*.h)
VOICE_SRC := $(wildcard CSources/CEarshotVoice/*.c)
VOICE_HDR := $(wildcard CSources/CEarshotVoice/include/*.h)
VOICE_CFLAGS := -ICSources/CEarshotVoice/include $(shell pkg-config --cflags pocketsphinx 2>/dev/null)
VOICE_LIBS := $(shell pkg-config --libs espeak-ng pocketsphinx 2>/dev/null)
CTEST_SRC := $(wildcard Tests/C/*.c)
LIBS := $(shell pkg-config --libs webrtc-audio-processing speexdsp libcrypto 2>/dev/null) -lm
BUILD := .build
FUZZ_SECONDS ?= 60

.PHONY: all deps check-libs build test test-c test-swift demo bench bench-c fuzz clean

all: build

deps:
	@scripts/deps.sh

check-libs: deps
	@scripts/check-libs.sh

build: check-libs
	$(SWIFT) build -c release --product earshot

# C core tests: plain C, compiled with the same sources the Swift target builds.
$(BUILD)/ctest/es_tests: $(CORE_SRC) $(CORE_HDR) $(VOICE_SRC) $(VOICE_HDR) $(CTEST_SRC) Tests/C/es_test.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_CORE) -ICSources/CEarshot/include $(VOICE_CFLAGS) $(CORE_SRC) $(VOICE_SRC) $(CTEST_SRC) -o $@ $(LIBS) $(VOICE_LIBS)

test-c: check-libs $(BUILD)/ctest/es_tests
	$(BUILD)/ctest/es_tests Tests/Fixtures

test-swift: check-libs
	$(SWIFT) test

test: test-c test-swift

demo: build
	@scripts/demo.sh

bench: check-libs
	cd Benchmarks && $(SWIFT) package --disable-sandbox benchmark

# libFuzzer with ASan+UBSan, FUZZ_SECONDS per target (not part of CI).
FUZZ_CC ?= clang
FUZZ_FLAGS := -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -D_DEFAULT_SOURCE
fuzz: check-libs
	@mkdir -p $(BUILD)/fuzz fuzz-corpus/base64 fuzz-corpus/turn
	$(FUZZ_CC) $(FUZZ_FLAGS) -ICSources/CEarshot/include $(CORE_SRC) Tests/Fuzz/fuzz_base64.c -o $(BUILD)/fuzz/fuzz_base64 $(LIBS)
	$(FUZZ_CC) $(FUZZ_FLAGS) -ICSources/CEarshot/include $(CORE_SRC) Tests/Fuzz/fuzz_turn.c -o $(BUILD)/fuzz/fuzz_turn $(LIBS)
	$(BUILD)/fuzz/fuzz_base64 -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 -artifact_prefix=$(BUILD)/fuzz/ fuzz-corpus/base64
	$(BUILD)/fuzz/fuzz_turn -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 -artifact_prefix=$(BUILD)/fuzz/ fuzz-corpus/turn
	@# Inputs that once crashed stay fixed:
	for f in Tests/Fuzz/crashes/turn-*; do $(BUILD)/fuzz/fuzz_turn $$f || exit 1; done

# The C core's per-frame cost without Swift (CPU time per frame, clang -O3 as SwiftPM builds it).
bench-c: check-libs
	@mkdir -p $(BUILD)
	clang -std=c11 -O3 -D_DEFAULT_SOURCE -ICSources/CEarshot/include $(CORE_SRC) Benchmarks/c/bench_core.c -o $(BUILD)/bench_core $(LIBS)
	$(BUILD)/bench_core Tests/Fixtures/vad/speech8k.ulaw

clean:
	rm -rf $(BUILD) Benchmarks/.build
