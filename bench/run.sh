#!/usr/bin/env bash
# Runs Framefarm's benchmarks (docs/BENCHMARKS.md). Never part of `mvn verify`.
#   bench/run.sh jmh [JMH options]          reserve/release ops/s through the memory-manager actor vs plain books
#   bench/run.sh pool [CHUNKS] [SLOTS]      pool hit rate on a steady frame stream
#   bench/run.sh video SECONDS [WIDTH HEIGHT PIPELINE CPU_SLOTS]
#                                           one job end to end on the embedded farm: fps and peak memory
#   bench/run.sh inference [PIPELINE SECONDS RUNS CHUNK_FRAMES WIDTH HEIGHT]
#                                           farm (one slot) fps vs a plain decode-pipeline-encode loop on the same
#                                           ONNX Runtime sessions (default redact-text, 20 s of 640x360, 3 runs)
#   bench/run.sh transcode [RUNS SECONDS WIDTH HEIGHT SLOTS]
#                                           farm vs the ffmpeg command for invert and identity --lossless
#                                           (default 3 runs of a 60 s 1280x720 sample on 2 CPU slots)
#   bench/run.sh affinity [RUNS WEIGHT_MIB CHUNKS_PER_JOB MODELS_PER_DEVICE]
#                                           model loads, evictions and wall time of 8 jobs over 4 pipelines on 4
#                                           devices that hold 2 (or N) models each: affinity vs random placement
#   bench/run.sh recovery [JOBS] [RUNS]     job manager recovery with JOBS finished jobs, retained vs full replay
#   bench/run.sh slots [RUNS SECONDS CHUNK_FRAMES FEW MANY]
#                                           wall time of one identity job (320x240, default 20 s in chunks of
#                                           15 frames) with FEW (2) then MANY (32) CPU slots, alternating, RUNS (3)
#                                           times each; prints every run, the medians and MANY/FEW
#   bench/run.sh scaleout [KS FRAME_MS CHUNKS_PER_DEVICE MAX_JVMS CHUNK_FRAMES VIDEO_CHUNKS]
#                                           K simulated devices (default 1,4,16,64,256 at 20 ms/frame, 4 chunks of 30 frames
#                                           each, at least one job of 32 chunks) over up to 8
#                                           worker JVMs and a coordinator JVM, fresh per K: steady frames/s, ratio to
#                                           K x the K=1 rate, p50/p99 request->assignment (docs/BENCHMARKS.md, fig. 3)
#   bench/run.sh submit [RUNS CHUNK_FRAMES]  submit to first chunk assigned for a 1-minute and a 60-minute 320x240
#                                           video, alternating, RUNS (3) each; every run, medians, LONG/SHORT
#   bench/run.sh all                       every issue-10 harness (figures 1 to 6) in ~25 minutes, then one table
#                                           (bench/all.sh; logs in bench/target/all/)
# Builds bench and what it needs when bench/target has no jar yet, or with BENCH_BUILD=1.
# The classpath is a wildcard: ONNX Runtime crashes the JVM when the command line reaches ~4 KB.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
JAR="$ROOT/bench/target/bench-0.1.0-SNAPSHOT.jar"
if [[ ! -f "$JAR" || "${BENCH_BUILD:-0}" == 1 ]]; then
  (cd "$ROOT" && mvn -B -q -o -pl bench -am package -DskipTests) >&2
fi
CP="$JAR:$ROOT/bench/target/lib/*"
JAVA_OPTS=(-Xmx2g -Dframefarm.home="$ROOT" ${BENCH_JAVA_OPTS:-})

what="${1:?usage: bench/run.sh jmh|pool|video|slots|recovery|inference|transcode|affinity|scaleout|submit|all ...}"
shift
case "$what" in
  all) exec "$ROOT/bench/all.sh" ;;
  jmh) exec java -cp "$CP" io.framefarm.bench.MemoryManagerJmh "$@" ;;
  pool) exec java "${JAVA_OPTS[@]}" -cp "$CP" io.framefarm.bench.PoolHitRate "$@" ;;
  video)
    seconds="${1:?seconds}"; width="${2:-1280}"; height="${3:-720}"; pipeline="${4:-invert}"; slots="${5:-1}"
    video="$ROOT/bench/target/videos/sample-${seconds}s-${width}x${height}.mp4"
    java -cp "$CP" io.framefarm.bench.MakeSampleVideo "$video" "$seconds" "$width" "$height" 30
    exec java "${JAVA_OPTS[@]}" -cp "$CP" io.framefarm.bench.LongVideoBench "$video" "$pipeline" "$slots" 240 ;;
  transcode)
    runs="${1:-3}"; seconds="${2:-60}"; width="${3:-1280}"; height="${4:-720}"; slots="${5:-2}"
    video="$ROOT/bench/target/videos/sample-${seconds}s-${width}x${height}.mp4"
    java -cp "$CP" io.framefarm.bench.MakeSampleVideo "$video" "$seconds" "$width" "$height" 30
    MALLOC_ARENA_MAX=2 exec java "${JAVA_OPTS[@]}" -cp "$CP" io.framefarm.bench.TranscodeBench "$video" "$runs" "$slots" ;;
  affinity) MALLOC_ARENA_MAX=2 exec java "${JAVA_OPTS[@]}" -cp "$CP" io.framefarm.bench.AffinityBench "$@" ;;
  scaleout) exec java "${JAVA_OPTS[@]}" -cp "$CP" io.framefarm.bench.ScaleOutBench "$@" ;;
  recovery) exec java "${JAVA_OPTS[@]}" -cp "$CP" io.framefarm.bench.RecoveryBench "$@" ;;
  inference) MALLOC_ARENA_MAX=2 exec java "${JAVA_OPTS[@]}" -cp "$CP" io.framefarm.bench.InferenceEfficiencyBench "$@" ;;
  slots)
    runs="${1:-3}"; seconds="${2:-20}"; chunk="${3:-15}"; few="${4:-2}"; many="${5:-32}"
    video="$ROOT/bench/target/videos/sample-${seconds}s-320x240.mp4"
    java -cp "$CP" io.framefarm.bench.MakeSampleVideo "$video" "$seconds" 320 240 30
    declare -A walls=()
    for run in $(seq 1 "$runs"); do
      for slots in "$few" "$many"; do
        # "submit to completed" is the job's own wall time, from the coordinator's timestamps.
        t="$(MALLOC_ARENA_MAX=2 java "${JAVA_OPTS[@]}" -cp "$CP" io.framefarm.bench.LongVideoBench "$video" identity \
          "$slots" "$chunk" 2>/dev/null | sed -n 's/.*submit to completed \([0-9.]*\) s.*/\1/p')"
        [[ -n "$t" ]] || { echo "run $run with $slots slots failed" >&2; exit 1; }
        echo "run $run: $slots slots: $t s"
        walls[$slots]="${walls[$slots]:-} $t"
      done
    done
    median() { tr ' ' '\n' <<<"$1" | grep . | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
    mf="$(median "${walls[$few]}")"; mm="$(median "${walls[$many]}")"
    echo "median: $few slots $mf s, $many slots $mm s, ratio $(awk -v a="$mm" -v b="$mf" 'BEGIN {printf "%.2f", a/b}')" ;;
  submit)
    # Issue 10, figure 5: submit to first chunk assigned, a 1-minute and a 60-minute 320x240 video, alternating.
    runs="${1:-3}"; chunk="${2:-240}"
    short="$ROOT/bench/target/videos/sample-60s-320x240.mp4"; long="$ROOT/bench/target/videos/sample-3600s-320x240.mp4"
    java -cp "$CP" io.framefarm.bench.MakeSampleVideo "$short" 60 320 240 30
    java -cp "$CP" io.framefarm.bench.MakeSampleVideo "$long" 3600 320 240 30
    MALLOC_ARENA_MAX=2 exec java "${JAVA_OPTS[@]}" -cp "$CP" io.framefarm.bench.SubmitLatencyBench "$short" "$long" \
      "$runs" "$chunk" ;;
  *) echo "unknown benchmark '$what': jmh, pool, video, slots, recovery, inference, transcode, affinity, scaleout or submit" >&2; exit 2 ;;
esac
