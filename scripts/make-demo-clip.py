#!/usr/bin/env python3
"""Makes scripts/demo-caller.wav: a caller (espeak-ng's voice) booking a table, with pauses
long enough for the bot to answer each sentence. 8 kHz mono μ-law WAV, as a phone line carries.

    python3 scripts/make-demo-clip.py      # needs espeak-ng and sox
"""
import os
import subprocess
import tempfile

LINES = [
    ("Hello, I would like to book a table for two people tonight.", 7.0),
    ("What time do you open?", 7.0),
    ("Goodbye.", 6.0),
]
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "demo-caller.wav")

with tempfile.TemporaryDirectory() as tmp:
    parts = []
    silence = os.path.join(tmp, "lead.wav")
    subprocess.run(["sox", "-n", "-r", "8000", "-c", "1", "-b", "16", silence, "trim", "0", "9.0"], check=True)  # the 8 s greeting plays first
    parts.append(silence)
    for i, (text, pause) in enumerate(LINES):
        speech = os.path.join(tmp, f"s{i}.wav")
        subprocess.run(["espeak-ng", "-v", "en-us+f2", "-s", "150", "-w", os.path.join(tmp, "raw.wav"), text], check=True)
        subprocess.run(["sox", os.path.join(tmp, "raw.wav"), "-r", "8000", "-c", "1", "-b", "16", speech], check=True)
        gap = os.path.join(tmp, f"g{i}.wav")
        subprocess.run(["sox", "-n", "-r", "8000", "-c", "1", "-b", "16", gap, "trim", "0", str(pause)], check=True)
        parts += [speech, gap]
    subprocess.run(["sox", *parts, "-e", "u-law", "-r", "8000", "-c", "1", OUT], check=True)
print("wrote", OUT)
