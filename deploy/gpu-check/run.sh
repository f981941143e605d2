#!/usr/bin/env bash
# Runs the GPU check from the bundle build.sh made: no Maven, no network. Results go to $OUT
# (the device tool's output folder), or to deploy/gpu-check/out/ when $OUT is unset:
#   gpu-check-table.txt  the table (also on stdout)
#   gpu-check.log        the memory manager's log: every load, eviction, pressure change
#   nvidia-smi.txt       the GPU as nvidia-smi saw it before the check, where nvidia-smi exists
# Usage: run.sh [--fake [--fault leak|overcharge]] [--lease-cycles N] [--evictions N] [--timing-samples N]
#               [--budget SIZE] [--device N] [--tolerance-percent P]
# Exit status: the check's: 0 every row passed, 1 a row failed, 2 bad options.
set -uo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
bundle="$here/bundle"
out="${OUT:-$here/out}"
mkdir -p "$out"
[ -x "$bundle/runtime/bin/java" ] || { echo "no bundle in $bundle: run deploy/gpu-check/build.sh first" >&2; exit 3; }

main=io.framefarm.worker.gpucheck.GpuCheck
classpath="$bundle/lib/*"
args=()
for arg in "$@"; do
  if [ "$arg" = "--fake" ]; then
    main=io.framefarm.worker.gpucheck.FakeGpuCheck
    classpath="$classpath:$bundle/fake/*"
  else
    args+=("$arg")
  fi
done

{ cat "$bundle/BUILD-INFO"; echo "main: $main ${args[*]:-}"; uname -a; echo "glibc $(getconf GNU_LIBC_VERSION 2>&1)"; } \
  > "$out/run-info.txt"
java="$bundle/runtime/bin/java"
if ! "$java" -version >/dev/null 2>&1; then
  # The runtime is jlinked from the build machine's JDK: it needs that machine's glibc (see BUILD-INFO) or newer.
  echo "the bundle's runtime does not start here: $("$java" -version 2>&1 | head -1)" | tee -a "$out/run-info.txt" >&2
  if command -v java >/dev/null 2>&1 && java -version 2>&1 | grep -qE 'version "(1[7-9]|[2-9][0-9])'; then
    java="$(command -v java)"
    echo "falling back to $java ($(java -version 2>&1 | head -1))" | tee -a "$out/run-info.txt" >&2
  else
    exit 3
  fi
fi
if command -v nvidia-smi >/dev/null 2>&1; then nvidia-smi > "$out/nvidia-smi.txt" 2>&1; fi

# Classpath wildcards, not an expanded list (a long command line has crashed native libraries here before).
"$java" -Xms256m -Xmx1g \
  -Dlogback.configurationFile="$bundle/conf/logback.xml" -Dgpucheck.log="$out/gpu-check.log" \
  -cp "$classpath" "$main" "${args[@]}" | tee "$out/gpu-check-table.txt"
status=${PIPESTATUS[0]}
echo "gpu-check exit status $status; results in $out"
exit "$status"
