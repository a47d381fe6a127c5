#!/usr/bin/env bash
# make demo: start the server, place one simulated call from a bundled clip, show the timeline.
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=.build/release/earshot
PORT=${EARSHOT_DEMO_PORT:-8765}
CLIP=${EARSHOT_DEMO_CLIP:-Tests/Fixtures/vad/speech8k.ulaw}
OUT=${EARSHOT_DEMO_OUT:-.build/demo-bot.wav}
LOG=.build/demo-server.log

[ -x "$BIN" ] || { echo "missing $BIN: run 'make build'" >&2; exit 1; }
echo "== starting earshot on 127.0.0.1:$PORT (responder: ${EARSHOT_RESPONDER:-echo}; log: $LOG)"
EARSHOT_RESPONDER=${EARSHOT_RESPONDER:-echo} "$BIN" serve --host 127.0.0.1 --port "$PORT" >"$LOG" 2>&1 &
SERVER=$!
trap 'kill -TERM $SERVER 2>/dev/null; wait $SERVER 2>/dev/null || true' EXIT

for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
  kill -0 $SERVER 2>/dev/null || { echo "server exited:" >&2; cat "$LOG" >&2; exit 1; }
  sleep 0.1
done

echo "== calling from $CLIP (real time; the bot's audio goes to $OUT)"
"$BIN" call "$CLIP" --server "http://127.0.0.1:$PORT" -o "$OUT"

echo
echo "== the server's per-turn records"
grep -E ' turn ?$|\] turn$|turn\.index' "$LOG" | sed 's/^/  /' || true
