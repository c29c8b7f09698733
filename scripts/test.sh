#!/usr/bin/env bash
# The README's test command: installs what is missing, builds, runs the whole suite.
# Presets to test can be given (default: release); e.g. scripts/test.sh release asan
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install_deps.sh
bash scripts/fetch_mnist.sh data/mnist  # the example tests train on a slice of it
python3 scripts/check_layers.py         # include arrows point down the layers; no function over 60 lines
presets=("$@")
[ ${#presets[@]} -eq 0 ] && presets=(release)
for preset in "${presets[@]}"; do
  bash scripts/build.sh "$preset"
  ctest --preset "$preset"
done
