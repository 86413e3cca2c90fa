#!/usr/bin/env bash
# The kernel, autograd and layer tests again, cross-compiled for aarch64 (64-bit Arm Linux) with
# Debian's g++-aarch64-linux-gnu and run under qemu-user, so the code paths a -march=native x86-64
# build skips (NEON, the kernels' non-AVX branches) and what differs on Arm (unsigned char, 128-bit
# vectors, alignment) are built and tested on every CI run without Arm hardware. scripts/test.sh
# runs it after the normal suite, before the sanitizers; run it alone with:
#
#   scripts/cross_test.sh [BUILD_DIR]        (default: build-aarch64)
#
# Environment: AEGAN_JOBS (default: nproc) build/test parallelism.
# cmake/toolchains/aarch64-linux-gnu.cmake sets the compiler and makes qemu-aarch64 the emulator
# through which ctest, and Catch2's test discovery at build time, run the arm64 programs.
# Emulation is slow, so only the tests in `targets` are built: the kernels, autograd and the
# layers; the others read files and images, or train, and are the normal suite's.
#
# aegan::aegan links zlib and stb, but none of these tests calls either, and Debian ships no arm64
# build of them short of a multiarch setup (dpkg --add-architecture arm64), which this stage does
# without: the link gets empty arm64 archives in their place. A test that starts calling zlib or
# stb then fails to link, instead of linking the host's x86-64 copies.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${1:-$root/build-aarch64}"
jobs="${AEGAN_JOBS:-$(nproc)}"
triple=aarch64-linux-gnu
targets=(aegan_test_gemm aegan_test_tensor aegan_test_autograd aegan_test_conv aegan_test_winograd
         aegan_test_nn aegan_test_batchnorm aegan_test_pool aegan_test_optim)

for tool in "$triple-g++" "$triple-ar" qemu-aarch64 ninja file; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "cross_test: $tool not found; install it with scripts/setup.sh (g++-aarch64-linux-gnu qemu-user ninja-build file)" >&2
    exit 1
  fi
done

stand_ins="$build/link-stand-ins"
mkdir -p "$stand_ins"
for lib in libz.a libstb.a; do
  [ -f "$stand_ins/$lib" ] || "$triple-ar" rc "$stand_ins/$lib"
done

cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_TOOLCHAIN_FILE="$root/cmake/toolchains/$triple.cmake" -DAEGAN_NATIVE=OFF \
  -DAEGAN_BUILD_EXAMPLES=OFF -DAEGAN_BUILD_BENCHMARKS=OFF -DAEGAN_INSTALL=OFF -DAEGAN_ONNX=OFF \
  -DAEGAN_BUILD_TESTS=ON -DZLIB_LIBRARY="$stand_ins/libz.a" -DAEGAN_STB_LIBRARY="$stand_ins/libstb.a" > /dev/null

# Ninja: with Makefiles, `cmake --build --target` builds the listed targets one after another.
start=$SECONDS
cmake --build "$build" -j "$jobs" --target "${targets[@]}"
built=$SECONDS

# The logs show what ran: an arm64 program, under which qemu.
echo "cross_test: $(file -b "$build/tests/${targets[0]}")"
echo "cross_test: $(qemu-aarch64 --version | head -n 1)"

# Each built target registered its test cases (catch_discover_tests, through qemu); the targets
# not built register a *_NOT_BUILT placeholder, and the packaging tests belong to the host build.
export OMP_NUM_THREADS=2
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-passive}"
(cd "$build" && ctest --output-on-failure -j "$jobs" --no-tests=error \
  -E '(_NOT_BUILT|^packaging\.)')
echo "cross_test: aarch64 tests passed under qemu (build $((built - start)) s, tests $((SECONDS - built)) s)"
