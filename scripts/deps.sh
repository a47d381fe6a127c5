#!/usr/bin/env bash
# Installs the Debian packages Earshot builds against, only those missing.
# Quiet and idempotent when everything is there. Usage: scripts/deps.sh [--check]
set -euo pipefail

PACKAGES=(
  pkg-config
  libwebrtc-audio-processing-dev
  libopus-dev
  libopusenc-dev
  libssl-dev
  libspeexdsp-dev
  libespeak-ng-dev
  espeak-ng-data
  libpocketsphinx-dev
  pocketsphinx-en-us
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "${1:-}" = "--check" ]; then
  echo "missing system packages: ${missing[*]}" >&2
  echo "install them with: sudo apt-get install ${missing[*]}" >&2
  exit 1
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  SUDO="sudo"
fi
echo "installing system packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
