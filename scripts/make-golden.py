#!/usr/bin/env python3
"""Regenerate the golden fixtures under Tests/Fixtures from reference implementations.

    python3 scripts/make-golden.py          # needs: python3 <= 3.12 (audioop), numpy,
                                            # pip install webrtcvad-wheels, espeak-ng, sox

g711/   all 65,536 PCM16 inputs encoded by audioop.lin2ulaw / lin2alaw, and all 256
        codes decoded by audioop.ulaw2lin / alaw2lin (little-endian int16).
vad/    speech from espeak-ng mixed with pauses and noise: 8 kHz μ-law (speech8k.ulaw)
        and 16 kHz PCM16 (speech16k.pcm); decisions.txt holds the Python webrtcvad
        package's per-frame decisions for every mode, rate and frame length:
        "RATE FRAME_MS MODE 0110…" one line each.
The outputs are committed; CI only reads them.
"""
import os
import subprocess
import sys
import tempfile
import warnings

warnings.simplefilter("ignore", DeprecationWarning)
import audioop  # noqa: E402  (removed in Python 3.13: run this with 3.11 or 3.12)

import numpy as np  # noqa: E402
import webrtcvad  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "Fixtures")
SENTENCES = [
    "Hello, I would like to book a table for two people tonight.",
    "Actually, make that three. And can we sit near the window?",
    "Thank you very much, goodbye.",
]


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
    print("wrote", os.path.relpath(path), len(data), "bytes")


def g711():
    pcm = np.arange(-32768, 32768, dtype="<i2").tobytes()
    write(os.path.join(ROOT, "g711", "ulaw_encode.bin"), audioop.lin2ulaw(pcm, 2))
    write(os.path.join(ROOT, "g711", "alaw_encode.bin"), audioop.lin2alaw(pcm, 2))
    codes = bytes(range(256))
    write(os.path.join(ROOT, "g711", "ulaw_decode.bin"), audioop.ulaw2lin(codes, 2))
    write(os.path.join(ROOT, "g711", "alaw_decode.bin"), audioop.alaw2lin(codes, 2))


def speak(text, rate, tmp):
    wav = os.path.join(tmp, "s.wav")
    raw = os.path.join(tmp, "s.raw")
    subprocess.run(["espeak-ng", "-v", "en-us", "-s", "160", "-w", wav, text], check=True)
    subprocess.run(["sox", wav, "-r", str(rate), "-e", "signed", "-b", "16", "-c", "1", "-t", "raw", raw],
                   check=True)
    return np.fromfile(raw, dtype="<i2").astype(np.float64)


def scene(rate, tmp):
    """Speech with pauses, a noise burst and background noise at a fixed seed."""
    rng = np.random.default_rng(20261121)
    parts = [np.zeros(int(0.5 * rate))]
    for i, s in enumerate(SENTENCES):
        parts.append(speak(s, rate, tmp))
        gap = np.zeros(int((0.9 if i % 2 == 0 else 1.4) * rate))
        if i == 1:  # a burst of noise in the gap: must not look like speech to smoothing
            gap[len(gap) // 3: len(gap) // 3 + int(0.15 * rate)] = rng.normal(0, 2500, int(0.15 * rate))
        parts.append(gap)
    x = np.concatenate(parts)
    x += rng.normal(0, 120, len(x))  # background hiss (~ 35 dB below the speech)
    return np.clip(np.round(x), -32768, 32767).astype("<i2")


def decisions(pcm_bytes, rate, frame_ms, mode):
    vad = webrtcvad.Vad(mode)
    step = rate * frame_ms // 1000 * 2
    out = []
    for i in range(0, len(pcm_bytes) - step + 1, step):
        out.append("1" if vad.is_speech(pcm_bytes[i:i + step], rate) else "0")
    return "".join(out)


def vad():
    lines = []
    with tempfile.TemporaryDirectory() as tmp:
        ulaw = audioop.lin2ulaw(scene(8000, tmp).tobytes(), 2)
        write(os.path.join(ROOT, "vad", "speech8k.ulaw"), ulaw)
        pcm16k = scene(16000, tmp).tobytes()
        write(os.path.join(ROOT, "vad", "speech16k.pcm"), pcm16k)
    inputs = {8000: audioop.ulaw2lin(ulaw, 2), 16000: pcm16k}
    for rate, pcm in inputs.items():
        for frame_ms in (10, 20, 30):
            for mode in range(4):
                lines.append("%d %d %d %s" % (rate, frame_ms, mode, decisions(pcm, rate, frame_ms, mode)))
    write(os.path.join(ROOT, "vad", "decisions.txt"), ("\n".join(lines) + "\n").encode())


if __name__ == "__main__":
    if sys.version_info >= (3, 13):
        sys.exit("audioop is gone in Python 3.13+: run with Python 3.11 or 3.12")
    g711()
    vad()
