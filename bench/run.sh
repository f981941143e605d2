#!/usr/bin/env bash
# Runs Framefarm's benchmarks (docs/BENCHMARKS.md). Never part of `mvn verify`.
#   bench/run.sh jmh [JMH options]          reserve/release ops/s through the memory-manager actor vs plain books
#   bench/run.sh pool [CHUNKS] [SLOTS]      pool hit rate on a steady frame stream
#   bench/run.sh video SECONDS [WIDTH HEIGHT PIPELINE CPU_SLOTS]
#                                           one job end to end on the embedded farm: fps and peak memory
#   bench/run.sh recovery [JOBS] [RUNS]     job manager recovery with JOBS finished jobs, retained vs full replay
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

what="${1:?usage: bench/run.sh jmh|pool|video|recovery ...}"
shift
case "$what" in
  jmh) exec java -cp "$CP" io.framefarm.bench.MemoryManagerJmh "$@" ;;
  pool) exec java "${JAVA_OPTS[@]}" -cp "$CP" io.framefarm.bench.PoolHitRate "$@" ;;
  video)
    seconds="${1:?seconds}"; width="${2:-1280}"; height="${3:-720}"; pipeline="${4:-invert}"; slots="${5:-1}"
    video="$ROOT/bench/target/videos/sample-${seconds}s-${width}x${height}.mp4"
    java -cp "$CP" io.framefarm.bench.MakeSampleVideo "$video" "$seconds" "$width" "$height" 30
    exec java "${JAVA_OPTS[@]}" -cp "$CP" io.framefarm.bench.LongVideoBench "$video" "$pipeline" "$slots" 240 ;;
  recovery) exec java "${JAVA_OPTS[@]}" -cp "$CP" io.framefarm.bench.RecoveryBench "$@" ;;
  *) echo "unknown benchmark '$what': jmh, pool, video or recovery" >&2; exit 2 ;;
esac
