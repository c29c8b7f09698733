#!/usr/bin/env bash
# The "Speed" benchmark: builds the bench preset (Release, -march=native), then
# runs every workload for Wengert and its peer (PyTorch, LibTorch, OpenBLAS, a
# STREAM triad) in the same run, alternating, and prints one table; writes JSON. Then the distributed
# rows (bench/run_dist_bench.py: 2 processes x 1 thread on MPI against 1 x 2 and PyTorch DDP/gloo).
#   bench/run.sh [--rounds N] [--steps N] [--matmul-repeats N] [--json PATH] [--no-build]
# Needs: apt-get install -y python3-torch libtorch-dev libopenblas-dev openmpi-bin; MNIST in data/mnist.
# Environment: JOBS (build parallelism, default 2). See docs/performance.md.
set -euo pipefail
cd "$(dirname "$0")/.."

build=1
args=()
dist_args=()
while (($#)); do
  case "$1" in
    --no-build) build=0; shift ;;
    --rounds|--steps) args+=("$1" "$2"); dist_args+=("$1" "$2"); shift 2 ;;
    --matmul-repeats|--json) args+=("$1" "$2"); shift 2 ;;
    -h|--help) sed -n '2,7p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown flag $1 (try --help)" >&2; exit 2 ;;
  esac
done

[[ -f data/mnist/train-images-idx3-ubyte || -f data/mnist/train-images-idx3-ubyte.gz ]] || scripts/fetch_mnist.sh
/usr/bin/python3 -c 'import torch' 2>/dev/null || {
  echo "run.sh: /usr/bin/python3 cannot import torch; apt-get install -y python3-torch" >&2; exit 1; }

if ((build)); then
  cmake --preset bench >/dev/null
  targets=(train_bench tape_bench bandwidth_bench matmul_bench core_latency dist_bench)
  grep -q 'libtorch_tape' build/bench/build.ninja && targets+=(libtorch_tape) ||
    echo "run.sh: LibTorch not found; tape rows will have no peer" >&2
  cmake --build --preset bench -j "${JOBS:-2}" --target "${targets[@]}"
fi

/usr/bin/python3 bench/run_bench.py "${args[@]}"
exec /usr/bin/python3 bench/run_dist_bench.py "${dist_args[@]}"
