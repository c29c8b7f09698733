#!/usr/bin/env bash
# Where one training or inference workload spends its time, at 1 thread: perf
# samples (cpu-clock, DWARF call graphs) of bench/train_bench, then the self-time
# of each function among the samples inside fit/predict only (bench/perf_self.py).
#   bench/profile.sh train|infer MODEL BATCH [STEPS] [LEAF]     e.g. bench/profile.sh train lstm 128
# LEAF (a function-name prefix, e.g. __memcpy) also lists who calls it. Needs perf
# (linux-perf); valgrind cannot run the -march=native (AVX-512) binaries.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=$1 model=$2 batch=$3 steps=${4:-15} leaf=${5:-}
bin=build/bench/bench/train_bench
out=${TMPDIR:-/tmp}/wengert_profile_${mode}_${model}_b${batch}.data
if [[ $mode == train ]]; then
  sel=(--train-batches "$batch" --infer-batches "") root='nn::Model::fit'
else
  sel=(--train-batches "" --infer-batches "$batch") root='nn::Model::predict'
fi
perf record -q -e cpu-clock -F 1000 --call-graph dwarf,16384 -o "$out" \
  "$bin" --model "$model" "${sel[@]}" --steps "$steps" --threads 1 --repeats 2
perf script -i "$out" 2>/dev/null | /usr/bin/python3 bench/perf_self.py "$root" 15 $leaf
