#!/usr/bin/env bash
# A farm of separate processes on this machine: one coordinator and N workers (default 2), joined
# through the coordinator's seed address like separate machines. Ctrl-C stops them all.
#   deploy/local-cluster.sh [WORKERS] [CPU_SLOTS_PER_WORKER]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORKERS="${1:-2}"
SLOTS="${2:-1}"
SEED_PORT="${FARM_SEED_PORT:-25520}"
HTTP_PORT="${FARM_HTTP_PORT:-7070}"
DATA="${FARM_DATA:-$ROOT/.farm-local}"

pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait' EXIT INT TERM

"$ROOT/bin/farm" --version >/dev/null   # builds once, before the processes race to do it
"$ROOT/bin/farm" coordinator --port "$SEED_PORT" --seed-nodes "127.0.0.1:$SEED_PORT" --http-port "$HTTP_PORT" \
  --data-dir "$DATA/coordinator" &
pids+=($!)
for i in $(seq 1 "$WORKERS"); do
  "$ROOT/bin/farm" worker --port 0 --seed-nodes "127.0.0.1:$SEED_PORT" --cpu-slots "$SLOTS" \
    --data-dir "$DATA/worker-$i" &
  pids+=($!)
done
echo "coordinator API: http://127.0.0.1:$HTTP_PORT/api/v1; $WORKERS worker(s) with $SLOTS slot(s) each" >&2
wait
