#!/usr/bin/env bash
# Upload throughput over loopback: a 1 GiB file POSTed to `farm up`'s /api/v1/uploads (curl -T, streamed), against
# cp of the same file, alternating, RUNS (3) times each (docs/BENCHMARKS.md §9). Needs curl and bc.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUNS="${1:-3}"
D=$(mktemp -d /tmp/framefarm-upload.XXXX)
trap 'kill "${FARM:-}" 2>/dev/null || true; rm -rf "$D"' EXIT
head -c $((1024 * 1024 * 1024)) /dev/urandom > "$D/big.bin"
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$ROOT/bin/farm" up --cpu-slots 1 --http-port "$PORT" --data-dir "$D/farm" > "$D/farm.log" 2>&1 &
FARM=$!
for _ in $(seq 1 180); do curl -sf "http://127.0.0.1:$PORT/api/v1/health" > /dev/null && break; sleep 1; done
for run in $(seq 1 "$RUNS"); do
  s=$(date +%s.%N)
  curl -sf -X POST -T "$D/big.bin" "http://127.0.0.1:$PORT/api/v1/uploads?name=big.mp4" > /dev/null
  u=$(echo "$(date +%s.%N) - $s" | bc)
  s=$(date +%s.%N)
  cp "$D/big.bin" "$D/copy.bin"
  c=$(echo "$(date +%s.%N) - $s" | bc)
  rm -f "$D/copy.bin" "$D"/farm/uploads/up-*
  echo "run $run: upload $u s, cp $c s"
done
