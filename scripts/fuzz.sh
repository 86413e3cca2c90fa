#!/usr/bin/env bash
# Fuzzes every parser of untrusted bytes for a bounded time: the IDX reader (raw and gzip), the
# checkpoint loader, the image decoder (stb_image compiled into the harness) and the model-file
# loader (architectures built by the layer registry), with libFuzzer + AddressSanitizer + UndefinedBehaviorSanitizer (clang 14).
# Seeds are valid files written by the library's own writers (tests/fuzz/make_seed_corpus.cpp).
# Any crash, sanitizer report, leak, hang (-timeout), allocation over -malloc_limit_mb or
# exception other than aegan::Error fails the script; the input that caused it is kept under
# BUILD_DIR/artifacts/ and can be replayed with `BUILD_DIR/<fuzzer> <file>`.
#
#   scripts/fuzz.sh [BUILD_DIR]             (default: build-fuzz)
#   AEGAN_FUZZ_SECONDS=600 scripts/fuzz.sh  (per fuzzer; default 60)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${1:-$root/build-fuzz}"
seconds="${AEGAN_FUZZ_SECONDS:-60}"
jobs="${AEGAN_JOBS:-$(nproc)}"

cxx="$(command -v clang++-14 || true)"
if [ -z "$cxx" ]; then
  echo "fuzz: clang++-14 not found; install it with scripts/setup.sh (clang-14 libclang-rt-14-dev libomp-14-dev)" >&2
  exit 1
fi

# -Wno-pass-failed: see scripts/sanitize.sh (clang does not vectorize `omp simd` loops at -O1 under ASan).
cmake -S "$root/tests/fuzz" -B "$build" -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_BUILD_TYPE=Debug \
  -DCMAKE_CXX_FLAGS="-O1 -g -Wno-pass-failed" > /dev/null
cmake --build "$build" -j "$jobs"

symbolizer="$(command -v llvm-symbolizer-14 || command -v llvm-symbolizer || true)"
[ -z "$symbolizer" ] || export ASAN_SYMBOLIZER_PATH="$symbolizer"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
export OMP_NUM_THREADS=1

rm -rf "$build/seeds"
"$build/make_seed_corpus" "$build/seeds"

status=0
for pair in fuzz_idx:idx fuzz_checkpoint:checkpoint fuzz_image:image fuzz_model:model; do
  name="${pair%%:*}"
  seeds="$build/seeds/${pair##*:}"
  corpus="$build/corpus/$name"          # grows across local runs; seeds are re-read every time
  artifacts="$build/artifacts/$name"
  log="$build/$name.log"
  mkdir -p "$corpus" "$artifacts"
  echo "fuzz: $name for ${seconds}s (seeds: $seeds)"
  if "$build/$name" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=256 \
       -detect_leaks=1 -print_final_stats=1 -artifact_prefix="$artifacts/" "$corpus" "$seeds" > "$log" 2>&1; then
    # "#12345 DONE cov: 1234 ft: 2345 corp: 67/8Kb ..." and the final stats lines
    grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -n 1 || true
    grep -E '^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)' "$log" || true
  else
    status=1
    echo "fuzz: $name FAILED; the end of its log ($log):" >&2
    tail -n 60 "$log" >&2
    echo "fuzz: reproducer(s): $(find "$artifacts" -type f | tr '\n' ' ')" >&2
  fi
done
if [ "$status" -ne 0 ]; then
  echo "fuzz: FAILED" >&2
  exit 1
fi
echo "fuzz: no findings"
