#!/usr/bin/env bash
# The load table in README: server pinned to core 0, load generator to core 1, real-time
# pacing, VAD on every frame, echo responder answering every utterance.
# Usage: scripts/loadtest.sh [DURATION_S] [CALLS...]   (default: 40 s; 100 500 1000 2000)
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-40}
shift || true
COUNTS=${*:-100 500 1000 2000}
BIN=.build/release/earshot
PORT=${EARSHOT_LOAD_PORT:-9123}
CLIP=Tests/Fixtures/vad/speech8k.ulaw
ulimit -n 65536 2>/dev/null || true
for calls in $COUNTS; do
  taskset -c 0 "$BIN" serve --port "$PORT" --max-calls 100000 --log-level error --idle-timeout 60 >/dev/null 2>&1 &
  server=$!
  for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
  echo "== $calls calls, ${DURATION} s"
  taskset -c 1 "$BIN" loadtest --calls "$calls" --duration "$DURATION" --server "http://127.0.0.1:$PORT" \
    --server-pid "$server" --clip "$CLIP" --json > ".build/load-$calls.json" || true
  kill -TERM "$server"; wait "$server" 2>/dev/null || true
  python3 - ".build/load-$calls.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print(json.dumps(r, indent=1)[:3000])
PY
done
