#!/usr/bin/env bash
# The main example, from a fresh clone: install packages, fetch MNIST, build, then train the AE-GAN
# (examples/mnist_aegan, preset aegan) and generate digits. The first run also trains the small
# classifier that scores the samples (FID, class coverage in metrics.json; about 2 minutes, once).
#
#   scripts/demo.sh [OUT_DIR] [flags for mnist_aegan]     default OUT_DIR: out/mnist_aegan
#   e.g. scripts/demo.sh out/fashion --dataset fashion     scripts/demo.sh out/w64 --width 64 --epochs 30
#
# Runs from the repository root, so the example's defaults (data/mnist, out/classifier) apply.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:-$root/out/mnist_aegan}"
shift || true
cd "$root"

"$root/scripts/setup.sh"
"$root/scripts/fetch_data.sh" "$root/data/mnist"
cmake -S "$root" -B "$root/build" -DCMAKE_BUILD_TYPE=Release -DAEGAN_NATIVE=ON > /dev/null
cmake --build "$root/build" -j "$(nproc)" --target mnist_classifier mnist_aegan
bin="$root/build/examples"

if [ ! -f out/classifier/classifier.ckpt ]; then
  echo "== training the scoring classifier (once) into out/classifier"
  "$bin/mnist_classifier/mnist_classifier" --data data/mnist --out out/classifier
fi
echo "== training the AE-GAN into $out"
"$bin/mnist_aegan/mnist_aegan" --out "$out" "$@"
echo "samples: $out/samples.png   reconstructions: $out/reconstructions.png   numbers: $out/metrics.json"
echo "model file: $out/generator.aegan (more digits: cmake --build build --target aegan_generate && build/examples/generate/generate $out/generator.aegan digits.png)"
