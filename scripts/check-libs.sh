#!/usr/bin/env bash
# Fails with the package to install when a library the build links is missing.
set -euo pipefail
check() { # pkg-config name, Debian package
  pkg-config --exists "$1" 2>/dev/null || { echo "error: library '$1' not found: install the Debian package $2 (make deps)" >&2; exit 1; }
}
check webrtc-audio-processing libwebrtc-audio-processing-dev
check speexdsp libspeexdsp-dev
check libcrypto libssl-dev
check opus libopus-dev
check libopusenc libopusenc-dev
check espeak-ng libespeak-ng-dev
check pocketsphinx libpocketsphinx-dev
[ -d /usr/share/pocketsphinx/model/en-us ] || { echo "error: pocketsphinx's English model not found: install the Debian package pocketsphinx-en-us (make deps)" >&2; exit 1; }
