#!/usr/bin/env bash
# aegan vs PyTorch microbenchmarks, side by side.
#
#   scripts/bench.sh [compare.py options]     e.g. scripts/bench.sh --rounds 5 --filter 'threads:1'
#   scripts/bench.sh --isa avx2 [options]     avx512, avx2 or baseline: both sides at that instruction set
#
# Configures a Release build with AEGAN_NATIVE=ON (-march=native) in build-bench/ (benchmarks
# only), builds the bench_* binaries, then runs benchmarks/compare.py, which runs each binary and
# its PyTorch twin (Debian's /usr/bin/python3 with python3-torch, and libopenblas0-openmp so that
# PyTorch does not run on the reference BLAS: compare.py refuses that) alternately and prints the
# table of medians and aegan/torch ratios. With --isa other than native, compare.py builds the
# families' binaries itself for that instruction set (in build-bench-<isa>/, or BUILD_DIR) and caps
# PyTorch at the same set; see compare.py --help. Environment: BUILD_DIR (default build-bench),
# JOBS (default 1), PYTHON (default /usr/bin/python3).
#
# Timings need a quiet machine: on a shared 2-core box every other busy process lands on one of
# "our" two threads, and the 2-thread rows in particular become meaningless. compare.py prints
# the load average next to the table.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${BUILD_DIR:-$root/build-bench}"
jobs="${JOBS:-1}"
python="${PYTHON:-/usr/bin/python3}"

if ! "$python" -c 'import torch' 2>/dev/null; then
  echo "bench.sh: $python cannot import torch (install Debian's python3-torch and libopenblas0-openmp, or set PYTHON)" >&2
  exit 1
fi

isa=native
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  case "${args[i]}" in
    --isa) isa="${args[i + 1]:-}" ;;
    --isa=*) isa="${args[i]#--isa=}" ;;
  esac
done
if [ "$isa" != native ]; then
  # compare.py configures and builds for that instruction set, only the families asked for
  dir=()
  [ -n "${BUILD_DIR:-}" ] && dir=(--build-dir "$BUILD_DIR")
  exec "$python" "$root/benchmarks/compare.py" "${dir[@]}" --jobs "$jobs" --python "$python" "$@"
fi

cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DAEGAN_NATIVE=ON \
  -DAEGAN_BUILD_BENCHMARKS=ON -DAEGAN_BUILD_TESTS=OFF -DAEGAN_BUILD_EXAMPLES=OFF -DAEGAN_INSTALL=OFF >/dev/null
targets=()
for src in "$root"/benchmarks/bench_*.cpp; do
  targets+=("$(basename "$src" .cpp)")
done
cmake --build "$build" -j "$jobs" --target "${targets[@]}"

exec "$python" "$root/benchmarks/compare.py" --build-dir "$build" --python "$python" "$@"
