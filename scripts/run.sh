#!/usr/bin/env bash
# The README's main job: installs what is missing, builds, fetches MNIST once,
# trains the reference CNN and prints its test accuracy. Extra arguments go to
# the example (e.g. --epochs 1).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install_deps.sh
bash scripts/build.sh release
bash scripts/fetch_mnist.sh data/mnist
./build/release/examples/mnist_cnn --data data/mnist "$@"
