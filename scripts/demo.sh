#!/usr/bin/env bash
# make demo: start the server with the offline voice pipeline (pocketsphinx → scripted rules →
# espeak-ng), place one simulated call from a bundled clip, show the conversation and the timeline.
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=.build/release/earshot
PORT=${EARSHOT_DEMO_PORT:-8765}
CLIP=${EARSHOT_DEMO_CLIP:-scripts/demo-caller.wav}
OUT=${EARSHOT_DEMO_OUT:-.build/demo-bot.wav}
LOG=.build/demo-server.log

[ -x "$BIN" ] || { echo "missing $BIN: run 'make build'" >&2; exit 1; }
echo "== starting earshot on 127.0.0.1:$PORT (responder: ${EARSHOT_RESPONDER:-pipeline}; log: $LOG)"
EARSHOT_RESPONDER=${EARSHOT_RESPONDER:-pipeline} "$BIN" serve --host 127.0.0.1 --port "$PORT" --log-transcripts >"$LOG" 2>&1 &
SERVER=$!
trap 'kill -TERM $SERVER 2>/dev/null; wait $SERVER 2>/dev/null || true' EXIT

for _ in $(seq 1 300); do
  curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
  kill -0 $SERVER 2>/dev/null || { echo "server exited:" >&2; cat "$LOG" >&2; exit 1; }
  sleep 0.1
done

MODE=${EARSHOT_DEMO_MODE:-stream}
echo "== calling from $CLIP through the $MODE flow (real time; the bot's audio goes to $OUT)"
"$BIN" call "$CLIP" --mode "$MODE" --server "http://127.0.0.1:$PORT" -o "$OUT"

echo
echo "== the conversation, as the server recorded each turn"
python3 - "$LOG" <<'PY'
import re, sys
fields = re.compile(r'((?:turn|latency|recording|reply)\.[a-z_]+)=(.*?)(?= (?:turn|latency|recording|reply|call)\.[a-z_]+=| \[Earshot)')
for line in open(sys.argv[1], encoding="utf-8", errors="replace"):
    line = line.rstrip()
    f = {k: v.strip('"') for k, v in fields.findall(line)}
    if line.endswith("] record turn"):
        if "turn.transcript" in f:
            print(f'  caller: {f["turn.transcript"] or "(nothing recognised)"}')
        print(f'  bot:    {f.get("turn.reply") or "(nothing)"}')
        order = ["download", "decode", "stt", "llm", "tts", "reply", "total"]
        parts = [f'{n} {f["latency." + n + "_ms"]} ms' for n in order if "latency." + n + "_ms" in f]
        print(f'          turn {f.get("turn.index")} ({f.get("turn.kind")}): ' + ", ".join(parts))
        continue
    if not line.endswith("] turn"):
        continue
    if "turn.transcript" in f:
        print(f'  caller: {f["turn.transcript"] or "(nothing recognised)"}')
    cut = " [interrupted]" if f.get("turn.interrupted") == "true" else ""
    print(f'  bot:    {f.get("turn.reply") or "(nothing heard)"}{cut}')
    parts = [f'{k[5:-3]} {f[k]} ms' for k in ("turn.stt_ms", "turn.llm_ttft_ms", "turn.tts_ttfb_ms", "turn.first_audio_ms", "turn.gateway_overhead_ms") if k in f]
    print(f'          turn {f.get("turn.index")} ({f.get("turn.trigger")}): vad_end {f.get("turn.vad_end_ms")} ms, ' + ", ".join(parts))
PY
