#!/usr/bin/env bash
# Installs the built tree into a temporary prefix, then configures, builds and
# runs a consumer project that uses find_package(Wengert).
set -euo pipefail
build_dir="$1"
source_dir="$2"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cmake --install "$build_dir" --prefix "$work/prefix" >/dev/null
# The exported targets carry the C++20 requirement and none of this build's own flags.
targets="$(find "$work/prefix" -name WengertTargets.cmake)"
grep -q "cxx_std_20" "$targets" || { echo "install: the exported targets lack cxx_std_20" >&2; exit 1; }
if grep -nE -- "-march=|-Wall|-Wextra|-fno-math-errno|-fsanitize" "$targets"; then
  echo "install: the exported targets force the flags above on consumers" >&2; exit 1
fi
cmake -S "$source_dir/tests/install/consumer" -B "$work/build" -G Ninja \
      -DCMAKE_PREFIX_PATH="$work/prefix" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$work/build" >/dev/null
"$work/build/consumer"
