#!/usr/bin/env bash
# The whole test suite, from a fresh clone: install packages, fetch the data, configure, build,
# and run every test with ctest; then the same tests again under AddressSanitizer +
# UndefinedBehaviorSanitizer (scripts/sanitize.sh) and a bounded fuzzing run of every parser of
# untrusted bytes (scripts/fuzz.sh). Any failure stops it with a non-zero status.
# Before the sanitizers, scripts/cross_test.sh runs the kernel and layer tests for aarch64 under qemu.
# Usage: scripts/test.sh [--quick] [BUILD_DIR]   (default: build)
#   --quick  only the normal build and tests (skip the aarch64, sanitizer and fuzzing stages)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
quick=0
if [ "${1:-}" = "--quick" ]; then
  quick=1
  shift
fi
build="${1:-$root/build}"
jobs="$(nproc)"
# ctest runs tests side by side on few cores: spinning OpenMP threads would starve each other.
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-passive}"

"$root/scripts/setup.sh"
"$root/scripts/fetch_data.sh" "$root/data/mnist"
"$root/scripts/fetch_emoji.sh" "$root/data/emoji"

cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DAEGAN_ONNX=ON -DAEGAN_MNIST_DIR="$root/data/mnist" -DAEGAN_EMOJI_DIR="$root/data/emoji"
cmake --build "$build" -j "$jobs"
(cd "$build" && ctest --output-on-failure -j "$jobs")

if [ "$quick" -eq 1 ]; then
  echo "test: normal suite passed (--quick: aarch64, sanitizer and fuzzing stages skipped)"
  exit 0
fi
"$root/scripts/cross_test.sh"
AEGAN_MNIST_DIR="$root/data/mnist" "$root/scripts/sanitize.sh"
"$root/scripts/fuzz.sh"
echo "test: normal suite, aarch64 tests, sanitizers and fuzzers all passed"
