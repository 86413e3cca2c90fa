#!/usr/bin/env bash
# The whole test suite, from a fresh clone: install packages, fetch the data, configure, build,
# and run every test with ctest. Usage: scripts/test.sh [BUILD_DIR]   (default: build)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${1:-$root/build}"
jobs="$(nproc)"

"$root/scripts/setup.sh"
"$root/scripts/fetch_data.sh" "$root/data/mnist"

cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DAEGAN_MNIST_DIR="$root/data/mnist"
cmake --build "$build" -j "$jobs"
cd "$build"
ctest --output-on-failure -j "$jobs"
