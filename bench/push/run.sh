#!/usr/bin/env bash
# bench/push/run.sh: rows per second through the typed push API (push.c, push.pipe).
# Builds push.c against a Release build of Pipe and runs it RUNS times (default 5).
# Usage: bench/push/run.sh [ROWS]           (default 10,000,000)
#   PIPE_PREFIX=P  use an installation (P/bin/pipec, P/include, P/lib*/libpipert.a)
#   PIPE_BUILD=B   use a Release build tree B (default: build-release, configured and built
#                  here when missing)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
rows=${1:-10000000}
work=${BENCH_DIR:-/tmp/pipe-bench-push}
mkdir -p "$work"
if [ -n "${PIPE_PREFIX:-}" ]; then
  pipec="$PIPE_PREFIX/bin/pipec"
  inc="$PIPE_PREFIX/include"
  lib=$(ls "$PIPE_PREFIX"/lib*/libpipert.a | head -n 1)
else
  build=${PIPE_BUILD:-$top/build-release}
  if [ ! -x "$build/pipec" ] || [ ! -f "$build/libpipert.a" ]; then
    cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=Release > /dev/null
    cmake --build "$build" -j"$(nproc)" --target pipec pipert > /dev/null
  fi
  grep -q '^CMAKE_BUILD_TYPE:STRING=Release' "$build/CMakeCache.txt" ||
    echo "warning: $build is not a Release build" >&2
  pipec="$build/pipec"
  inc="$top/runtime/include"
  lib="$build/libpipert.a"
fi
cd "$work"
"$pipec" build "$here/push.pipe" --emit=obj -o push.o --header push.h
cc -O2 -march=native -Wall -Wextra -I"$inc" -I. "$here/push.c" push.o "$lib" \
  -lsqlite3 -lpq -lpthread -lm -o push
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
for i in $(seq "${RUNS:-5}"); do ./push "$rows"; done
