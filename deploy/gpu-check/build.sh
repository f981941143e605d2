#!/usr/bin/env bash
# Builds deploy/gpu-check/bundle/: a jlink runtime, the worker-node classes and only the jars the GPU check
# uses (no ONNX Runtime, no JavaCV), small enough (< 60 MiB) to travel with the device tool's `carry`.
# Run from anywhere on a machine with JDK 17 (jlink, jmods) and the project's Maven repository.
#   MVN="mvn -B -q" deploy/gpu-check/build.sh     # online; the default is offline (-o)
#   SKIP_MAVEN=1 deploy/gpu-check/build.sh        # reuse worker-node/target from an earlier build
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
bundle="$here/bundle"
mvn_cmd=${MVN:-mvn -B -q -o}
jdk="${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")}"

cd "$root"
if [ -z "${SKIP_MAVEN:-}" ]; then
  echo "== compiling worker-node and its test fake (no tests run)"
  $mvn_cmd -pl worker-node -am package -DskipTests
fi
classes="$root/worker-node/target/classes"
test_classes="$root/worker-node/target/test-classes"
[ -f "$classes/io/framefarm/worker/gpucheck/GpuCheck.class" ] || { echo "worker-node is not compiled" >&2; exit 1; }

echo "== resolving the check's jars"
cpfile="$(mktemp)"
trap 'rm -f "$cpfile"; rm -rf "${work:-}"' EXIT
$mvn_cmd -pl worker-node dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$cpfile" >/dev/null
# Pekko's actors with their logging bridge, Scala, HOCON, SLF4J + Logback, JCuda: nothing else is loaded.
wanted='/(pekko-actor_2\.13|pekko-actor-typed_2\.13|pekko-slf4j_2\.13|scala-library|config|slf4j-api|logback-classic|logback-core|jcuda|jcuda-natives)-[0-9][^/]*\.jar$'
mapfile -t jars < <(tr ':' '\n' < "$cpfile" | grep -E "$wanted")
if [ "${#jars[@]}" -ne 10 ]; then
  echo "expected 10 jars, found ${#jars[@]}:" >&2; printf '  %s\n' "${jars[@]}" >&2; exit 1
fi

rm -rf "$bundle"
mkdir -p "$bundle/lib" "$bundle/fake" "$bundle/conf"
work="$(mktemp -d)"
for jar in "${jars[@]}"; do
  case "$jar" in
    *jcuda-natives*)
      # Only the driver API's JNI library (and the runtime's): the 24 MB PTX compiler and NVRTC are never loaded.
      (cd "$work" && unzip -q "$jar" 'lib/libJCudaDriver-*' 'lib/libJCudaRuntime-*' 'META-INF/*' \
        && jar --create --file "$bundle/lib/$(basename "$jar")" -C "$work" .)
      rm -rf "${work:?}"/* ;;
    *) cp "$jar" "$bundle/lib/" ;;
  esac
done
jar --create --file "$bundle/lib/framefarm-worker-node.jar" -C "$classes" .
# The fake driver the unit tests use, for `run.sh --fake`; kept off the real run's class path.
(cd "$test_classes" && jar --create --file "$bundle/fake/framefarm-gpu-check-fake.jar" \
  io/framefarm/worker/device/FakeCudaDriver*.class io/framefarm/worker/gpucheck/FakeGpuCheck.class)
cp "$here/logback.xml" "$bundle/conf/"

echo "== jlink runtime"
# By hand rather than jdeps' union (which adds java.desktop for HOCON's unused bean support):
#   java.logging (Pekko, JCuda), java.management (Logback/Pekko JMX hooks), java.naming (Pekko's DNS, Logback),
#   java.xml (logback.xml), jdk.unsupported (Unsafe for Pekko and Scala), jdk.jfr (Pekko typed's flight recorder).
modules=java.base,java.logging,java.management,java.naming,java.xml,jdk.unsupported,jdk.jfr
"$jdk/bin/jlink" --module-path "$jdk/jmods" --add-modules "$modules" --strip-debug --no-header-files \
  --no-man-pages --compress=2 --output "$bundle/runtime"
# Debian's libjvm.so keeps its full symbol table (4 MB); the dynamic symbols the JVM needs stay.
if command -v strip >/dev/null 2>&1; then
  strip --strip-unneeded "$bundle/runtime/lib/server/libjvm.so"
fi

{
  echo "built $(date -u +%Y-%m-%dT%H:%M:%SZ) from $(git -C "$root" rev-parse --short HEAD)$(git -C "$root" diff --quiet || echo '+dirty')"
  echo "runtime: $("$bundle/runtime/bin/java" -version 2>&1 | head -1); modules $modules"
  echo "needs glibc >= $(for f in "$bundle"/runtime/bin/java "$bundle"/runtime/lib/*.so "$bundle"/runtime/lib/server/*.so; do
    objdump -T "$f" 2>/dev/null | grep -o 'GLIBC_[0-9.]*'; done | sort -uV | tail -1 | cut -d_ -f2) and libstdc++.so.6"
  (cd "$bundle" && ls lib fake)
} > "$bundle/BUILD-INFO"
du -sh "$bundle"
size=$(du -sm "$bundle" | cut -f1)
if [ "$size" -ge 60 ]; then
  echo "bundle is ${size} MiB, over the 60 MiB it must stay under" >&2; exit 1
fi
echo "bundle ready: $bundle (${size} MiB)"
