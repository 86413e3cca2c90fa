#!/usr/bin/env bash
# The whole test suite again, built with clang 14 under AddressSanitizer + UndefinedBehaviorSanitizer
# (Debug, -O1, every finding fatal, leak checking on). scripts/test.sh runs it after the normal
# suite; run it alone with:
#
#   scripts/sanitize.sh [BUILD_DIR]        (default: build-asan)
#
# Environment: AEGAN_JOBS (default: nproc) build/test parallelism; AEGAN_MNIST_DIR (default:
# data/mnist when it exists) for the tests that read the real digits.
# The examples' quality gates (minutes of training) and the packaging tests (they build a consumer
# with the default, unsanitized compiler) are left to the normal build; every Catch2 test runs.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${1:-$root/build-asan}"
jobs="${AEGAN_JOBS:-$(nproc)}"
mnist="${AEGAN_MNIST_DIR:-}"
if [ -z "$mnist" ] && [ -d "$root/data/mnist" ]; then mnist="$root/data/mnist"; fi

cxx="$(command -v clang++-14 || true)"
if [ -z "$cxx" ]; then
  echo "sanitize: clang++-14 not found; install it with scripts/setup.sh (clang-14 libomp-14-dev)" >&2
  exit 1
fi

# Debug (assertions on, Eigen's included) at -O1; line tables are all a sanitizer report needs for
# file:line in its stacks, and cost less to build than full debug information. -Wno-pass-failed:
# at -O1 under ASan clang does not vectorize, and says so ("loop not vectorized") for every
# `#pragma omp simd` loop of the elementwise kernels; clang -O2/-O3 builds vectorize them silently.
flags="-O1 -gline-tables-only -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -Wno-pass-failed"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_COMPILER="$cxx" \
  -DCMAKE_CXX_FLAGS="$flags" -DCMAKE_CXX_FLAGS_DEBUG="" -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" \
  -DAEGAN_BUILD_EXAMPLES=OFF -DAEGAN_BUILD_BENCHMARKS=OFF -DAEGAN_INSTALL=OFF -DAEGAN_BUILD_TESTS=ON \
  -DAEGAN_MNIST_DIR="$mnist" > /dev/null

# Findings abort the test (non-zero exit) with a symbolized stack; leaks fail at exit.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
export LSAN_OPTIONS="${LSAN_OPTIONS:-}"
symbolizer="$(command -v llvm-symbolizer-14 || command -v llvm-symbolizer || true)"
[ -z "$symbolizer" ] || export ASAN_SYMBOLIZER_PATH="$symbolizer"

start=$SECONDS
cmake --build "$build" -j "$jobs"
built=$SECONDS
(cd "$build" && ctest --output-on-failure -j "$jobs" -E '^(packaging|example)\.')
echo "sanitize: ASan+UBSan suite clean (build $((built - start)) s, tests $((SECONDS - built)) s)"
