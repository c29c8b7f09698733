#!/usr/bin/env bash
# Builds the libFuzzer harnesses with clang (ASan + UBSan) in build/fuzz and runs each for SECONDS,
# starting from the seed corpus in fuzz/corpus/<parser>. New inputs go to build/fuzz/corpus/<parser>
# (the seeds in the repository stay as they are), crashes to build/fuzz/artifacts/<parser>/, the log
# to build/fuzz/<parser>.log. Exits non-zero when a harness finds a crash.
#
# Usage: fuzz/run.sh [SECONDS [PARSER...]]   PARSER: safetensors idx model_json (default: all)
#        JOBS=N fuzz/run.sh ...              parallel compile jobs (default: nproc)
# Reproduce a crash: build/fuzz/fuzz/fuzz_<parser> build/fuzz/artifacts/<parser>/crash-...
set -euo pipefail
seconds="${1:-60}"
shift || true
parsers=("$@")
[ ${#parsers[@]} -gt 0 ] || parsers=(safetensors idx model_json)
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$root/build/fuzz"

cmake -S "$root" -B "$build" -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DWENGERT_FUZZ=ON -DWENGERT_TESTS=OFF -DWENGERT_EXAMPLES=OFF >/dev/null
cmake --build "$build" -j "${JOBS:-$(nproc)}" --target "${parsers[@]/#/fuzz_}"

status=0
for p in "${parsers[@]}"; do
  mkdir -p "$build/corpus/$p" "$build/artifacts/$p"
  echo "== fuzz_$p for ${seconds}s"
  # 2 GB of memory and 10 s per input are generous for inputs of at most 64 KiB; more is a bug.
  if ! "$build/fuzz/fuzz_$p" "$build/corpus/$p" "$root/fuzz/corpus/$p" -max_total_time="$seconds" \
       -max_len=65536 -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
       -artifact_prefix="$build/artifacts/$p/" >"$build/$p.log" 2>&1; then
    status=1
    echo "fuzz_$p FAILED; see $build/$p.log and $build/artifacts/$p/"
  fi
  grep -E "^#[0-9]+ +DONE|stat::number_of_executed_units|stat::average_exec_per_sec|stat::peak_rss_mb" \
       "$build/$p.log" || true
  echo "corpus: $(ls "$build/corpus/$p" | wc -l) generated + $(ls "$root/fuzz/corpus/$p" | wc -l) seeds"
done
exit $status
