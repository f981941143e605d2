#!/usr/bin/env bash
# bench/run.sh all: every issue-10 harness one after the other, then one table (figure, value, baseline
# measured in the same run, ratio, goal, met). Each harness's whole output stays in bench/target/all/*.log.
# Sized for about 25 minutes on a quiet 2-core machine; ALL_RUNS (default 3) sets the runs per harness.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUN="$ROOT/bench/run.sh"
OUT="$ROOT/bench/target/all"
RUNS="${ALL_RUNS:-3}"
mkdir -p "$OUT"
started=$(date +%s)

step() { # name, then the run.sh arguments
  local name="$1"; shift
  echo "== $name: bench/run.sh $* ($(date -u +%H:%M:%S) UTC)" >&2
  if ! "$RUN" "$@" >"$OUT/$name.log" 2>"$OUT/$name.err"; then
    echo "   $name failed; see $OUT/$name.err" >&2
  fi
}

step inference inference redact-text 5 "$RUNS" 50
step transcode transcode "$RUNS"
step affinity affinity "$RUNS"
step scaleout scaleout
step submit submit "$RUNS"
# Figure 6 at 3 frames a second: redact-text costs ~80 ms a frame here, so a 10-minute video at 30 fps would
# take 25 minutes alone; the same durations at 3 fps keep the ratio of lengths (10x) and fit.
for minutes in 1 10; do
  video="$ROOT/bench/target/videos/sample-$((minutes * 60))s-320x240-3fps.mp4"
  java -cp "$ROOT/bench/target/bench-0.1.0-SNAPSHOT.jar:$ROOT/bench/target/lib/*" io.framefarm.bench.MakeSampleVideo \
    "$video" $((minutes * 60)) 320 240 3
  echo "== long$minutes: LongVideoBench $video redact-text ($(date -u +%H:%M:%S) UTC)" >&2
  MALLOC_ARENA_MAX=2 java -Xmx2g -Dframefarm.home="$ROOT" \
    -cp "$ROOT/bench/target/bench-0.1.0-SNAPSHOT.jar:$ROOT/bench/target/lib/*" io.framefarm.bench.LongVideoBench \
    "$video" redact-text 1 30 >"$OUT/long$minutes.log" 2>"$OUT/long$minutes.err" || echo "   long$minutes failed" >&2
done

row() { # figure value baseline ratio goal met
  printf '| %s | %s | %s | %s | %s | %s |\n' "$@"
}
met() { awk -v r="$1" -v op="$2" -v g="$3" 'BEGIN { if (r == "") print "n/a"; else if (op == ">=") print (r >= g ? "yes" : "no"); else print (r <= g ? "yes" : "no") }'; }

echo
echo "| figure | value | baseline | ratio | goal | met |"
echo "|---|---|---|---|---|---|"
l="$(grep '^median: loop' "$OUT/inference.log" || true)"
loop="$(sed -n 's/.*loop \([0-9.]*\) fps.*/\1/p' <<<"$l")"; farm="$(sed -n 's/.*farm \([0-9.]*\) fps.*/\1/p' <<<"$l")"
r="$(sed -n 's/.*farm\/loop \([0-9.]*\).*/\1/p' <<<"$l")"
row "1. redact-text, farm 1 slot vs plain loop" "$farm fps" "$loop fps" "$r" ">= 0.95" "$(met "$r" '>=' 0.95)"
while read -r line; do
  name="${line%% median:*}"
  f="$(sed -n 's/.*farm \([0-9.]*\) s,.*/\1/p' <<<"$line")"; g="$(sed -n 's/.*ffmpeg \([0-9.]*\) s,.*/\1/p' <<<"$line")"
  r="$(sed -n 's/.*farm\/ffmpeg \([0-9.]*\).*/\1/p' <<<"$line")"
  row "2. $name, farm vs ffmpeg (wall)" "$f s" "$g s" "$r" "<= 1.0" "$(met "$r" '<=' 1.0)"
done < <(grep ' median: farm' "$OUT/transcode.log" || true)
while read -r line; do
  set -- $(tr -d '|' <<<"$line")
  k=$1; fps=$3; ideal=$4; ratio=$5; p99=$7
  row "3. scale-out K=$k (frames/s)" "$fps" "$k x base = $ideal" "$ratio" ">= 0.9" "$(met "$ratio" '>=' 0.9)"
  row "3. scale-out K=$k, p99 request to assignment" "$p99 ms" "" "" "<= 50 ms" "$(met "$p99" '<=' 50)"
done < <(grep -E '^\| +[0-9]+ \|' "$OUT/scaleout.log" || true)
a="$(grep '^median AFFINITY' "$OUT/affinity.log" || true)"; b="$(grep '^median RANDOM' "$OUT/affinity.log" || true)"
al="$(sed -n 's/.*, \([0-9]*\) loads.*/\1/p' <<<"$a")"; bl="$(sed -n 's/.*, \([0-9]*\) loads.*/\1/p' <<<"$b")"
as="$(sed -n 's/.*: *\([0-9.]*\) s,.*/\1/p' <<<"$a")"; bs="$(sed -n 's/.*: *\([0-9.]*\) s,.*/\1/p' <<<"$b")"
lr="$(awk -v a="$al" -v b="$bl" 'BEGIN { if (a > 0) printf "%.2f", b / a }')"
tr_="$(awk -v a="$as" -v b="$bs" 'BEGIN { if (b > 0) printf "%.2f", 1 - a / b }')"
row "4. model loads, affinity vs random" "$al loads" "$bl loads" "$lr x fewer" ">= 5" "$(met "$lr" '>=' 5)"
row "4. total time, affinity vs random" "$as s" "$bs s" "$tr_ less" ">= 0.30" "$(met "$tr_" '>=' 0.30)"
s="$(sed -n 's/^median SHORT: \([0-9]*\) ms.*/\1/p' "$OUT/submit.log")"
g="$(sed -n 's/^median LONG : \([0-9]*\) ms.*/\1/p' "$OUT/submit.log")"
r="$(sed -n 's/^ratio LONG\/SHORT: \([0-9.]*\).*/\1/p' "$OUT/submit.log")"
row "5. submit to first assignment, 60 min vs 1 min" "$g ms" "$s ms" "$r" "<= 2" "$(met "$r" '<=' 2)"
one="$(grep '^RESULT' "$OUT/long1.log" || true)"; ten="$(grep '^RESULT' "$OUT/long10.log" || true)"
rss1="$(cut -f8 <<<"$one")"; rss10="$(cut -f8 <<<"$ten")"
rr="$(awk -v a="$rss10" -v b="$rss1" 'BEGIN { if (b > 0) printf "%.2f", a / b }')"
row "6. peak RSS, 10 min vs 1 min redact-text (MiB)" "$rss10" "$rss1" "$rr" "<= 1.1" "$(met "$rr" '<=' 1.1)"
first="$(cut -f5 <<<"$ten")"; last="$(cut -f6 <<<"$ten")"
fr="$(awk -v a="$last" -v b="$first" 'BEGIN { if (b > 0) printf "%.2f", a / b }')"
row "6. 10 min: last-tenth vs first-tenth fps" "$last fps" "$first fps" "$fr" ">= 0.95" "$(met "$fr" '>=' 0.95)"
row "6. memory managers' peak, 10 min vs 1 min (MiB)" "$(cut -f11 <<<"$ten")" "$(cut -f11 <<<"$one")" "" "" ""
elapsed=$(( $(date +%s) - started ))
row "7. bench/run.sh all, wall" "$((elapsed / 60)) min $((elapsed % 60)) s" "" "" "< 30 min" \
  "$( [[ $elapsed -lt 1800 ]] && echo yes || echo no )"
echo
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; $(date -u '+%Y-%m-%d %H:%M') UTC;" \
  "commit $(git -C "$ROOT" rev-parse --short HEAD); load $(cut -d' ' -f1-3 /proc/loadavg)"
