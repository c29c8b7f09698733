#!/usr/bin/env bash
# Builds the libFuzzer harnesses with clang (ASan + UBSan) in build/fuzz and runs each for SECONDS,
# starting from the hand-made seeds in fuzz/corpus/<parser> plus the corpus kept from earlier runs in
# fuzz/generated/<parser>. New inputs go to build/fuzz/corpus/<parser>; after the run, libFuzzer's
# -merge=1 keeps of the old and new inputs only those that add coverage beyond the seeds (smallest
# first) and puts them back into fuzz/generated/<parser>, which is committed so the next run, on any
# machine, starts where this one stopped. Crashes go to build/fuzz/artifacts/<parser>/, the log to
# build/fuzz/<parser>.log. Exits non-zero when a harness finds a crash.
#
# Usage: fuzz/run.sh [SECONDS [PARSER...]]   PARSER: safetensors idx model_json checkpoint (default: all)
#        JOBS=N fuzz/run.sh ...              parallel compile jobs (default: nproc)
# Reproduce a crash: build/fuzz/fuzz/fuzz_<parser> build/fuzz/artifacts/<parser>/crash-...
set -euo pipefail
seconds="${1:-60}"
shift || true
parsers=("$@")
[ ${#parsers[@]} -gt 0 ] || parsers=(safetensors idx model_json checkpoint)
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$root/build/fuzz"

cmake -S "$root" -B "$build" -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DWENGERT_FUZZ=ON -DWENGERT_TESTS=OFF -DWENGERT_EXAMPLES=OFF >/dev/null
cmake --build "$build" -j "${JOBS:-$(nproc)}" --target "${parsers[@]/#/fuzz_}"

# 2 GB of memory and 10 s per input are generous for inputs of at most 64 KiB; more is a bug.
limits=(-max_len=65536 -rss_limit_mb=2048 -timeout=10)

# Minimizes fuzz/generated/<parser> plus this run's new inputs into fuzz/generated/<parser>: the seeds are
# merged first (their coverage counts, their files are dropped after), so only what adds to them is kept.
keep_corpus() {
  local p="$1" kept="$root/fuzz/generated/$p" work="$build/merge/$p"
  rm -rf "$work" && mkdir -p "$work" "$kept"
  cp "$root/fuzz/corpus/$p"/* "$work/"
  "$build/fuzz/fuzz_$p" -merge=1 "${limits[@]}" "$work" "$kept" "$build/corpus/$p" >"$build/$p.merge.log" 2>&1
  (cd "$root/fuzz/corpus/$p" && for f in *; do rm -f "$work/$f"; done)
  rm -rf "$kept" && mv "$work" "$kept"
  rm -rf "$build/corpus/$p" && mkdir -p "$build/corpus/$p"
  local bytes
  bytes=$(du -sb "$kept" | cut -f1)
  echo "kept: $(ls "$kept" | wc -l) inputs, $bytes bytes in fuzz/generated/$p"
  [ "$bytes" -le 1048576 ] || echo "WARNING: fuzz/generated/$p is over 1 MB"
}

status=0
for p in "${parsers[@]}"; do
  mkdir -p "$build/corpus/$p" "$build/artifacts/$p" "$root/fuzz/generated/$p"
  echo "== fuzz_$p for ${seconds}s: $(ls "$root/fuzz/corpus/$p" | wc -l) seeds + $(ls "$root/fuzz/generated/$p" | wc -l) kept"
  if ! "$build/fuzz/fuzz_$p" "$build/corpus/$p" "$root/fuzz/generated/$p" "$root/fuzz/corpus/$p" \
       -max_total_time="$seconds" "${limits[@]}" -print_final_stats=1 \
       -artifact_prefix="$build/artifacts/$p/" >"$build/$p.log" 2>&1; then
    status=1
    echo "fuzz_$p FAILED; see $build/$p.log and $build/artifacts/$p/"
  fi
  grep -E "^#[0-9]+[[:space:]]+DONE|stat::number_of_executed_units|stat::average_exec_per_sec|stat::peak_rss_mb" \
       "$build/$p.log" || true
  echo "new this run: $(ls "$build/corpus/$p" | wc -l) inputs"
  keep_corpus "$p"
done
exit $status
