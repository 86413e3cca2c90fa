#!/usr/bin/env bash
# The main example, from a fresh clone: install packages, fetch MNIST, build, train.
# Usage: scripts/demo.sh [OUT_DIR] [extra flags for the example]   (default OUT_DIR: out/dense_autoencoder)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:-$root/out/dense_autoencoder}"
shift || true

"$root/scripts/setup.sh"
"$root/scripts/fetch_data.sh" "$root/data/mnist"
cmake -S "$root" -B "$root/build" -DCMAKE_BUILD_TYPE=Release > /dev/null
cmake --build "$root/build" -j "$(nproc)" --target dense_autoencoder
"$root/build/examples/dense_autoencoder/dense_autoencoder" --data "$root/data/mnist" --out "$out" "$@"
