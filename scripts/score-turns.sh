#!/usr/bin/env bash
# Scores the server's turn detector on a labelled corpus (default: ../shared/turn-corpus/dev).
# Usage: scripts/score-turns.sh [CORPUS_DIR] [-- extra `earshot turns` flags, e.g. --vad-start-frames 21]
set -euo pipefail
cd "$(dirname "$0")/.."
CORPUS=${1:-../shared/turn-corpus/dev}
shift || true
[ "${1:-}" = "--" ] && shift
BIN=${EARSHOT_BIN:-.build/release/earshot}
[ -x "$BIN" ] || BIN=.build/debug/earshot
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
"$BIN" turns "$CORPUS" --out-dir "$OUT" "$@" >/dev/null
python3 "$(dirname "$CORPUS")/score.py" --corpus "$CORPUS" --events "$OUT" --out "$OUT/score.json" >/dev/null
python3 - "$OUT/score.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))["overall"]
lat = lambda k: s.get(k) if s.get(k) is not None else float("nan")
print("recall %.3f | false cutoffs/call %.2f | false starts/call %.2f | end p50 %s ms | start p50 %s ms" % (
    s["recall"], s["false_cutoffs_per_call"], s["false_starts_per_call"],
    s.get("end_latency_ms", {}).get("p50", "-") if isinstance(s.get("end_latency_ms"), dict) else s.get("end_latency_p50_ms", "-"),
    s.get("start_latency_ms", {}).get("p50", "-") if isinstance(s.get("start_latency_ms"), dict) else s.get("start_latency_p50_ms", "-")))
PY
