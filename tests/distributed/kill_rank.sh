#!/usr/bin/env bash
# A rank killed with SIGKILL mid-epoch ends the job with a non-zero status within 30 s (mpirun aborts the
# others), the last checkpoint is intact, and resuming from it at 2 ranks ends with the bits of a run that was
# never interrupted.
# usage: kill_rank.sh TOOL MPIRUN [MPIRUN FLAGS...]
set -u
tool=$1
shift
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
epochs=12

whole=$("$@" -np 2 --allow-run-as-root --oversubscribe "$tool" "$work/whole.safetensors" $epochs | grep -o 'hash .*')
[ -n "$whole" ] || { echo "FAIL: the uninterrupted run printed no hash"; exit 1; }
echo "uninterrupted: $whole"

"$@" -np 2 --allow-run-as-root --oversubscribe "$tool" "$work/ckpt.safetensors" $epochs >"$work/log" 2>&1 &
job=$!
for _ in $(seq 300); do [ -f "$work/ckpt.safetensors" ] && break; sleep 0.1; done
[ -f "$work/ckpt.safetensors" ] || { echo "FAIL: no checkpoint appeared"; cat "$work/log"; kill $job; exit 1; }
sleep 0.5  # into the next epoch
victim=$(sed -n 's/^rank 1 pid \([0-9]*\)$/\1/p' "$work/log")
echo "killing rank 1 (pid $victim)"
start=$(date +%s)
kill -9 "$victim"
for _ in $(seq 300); do kill -0 $job 2>/dev/null || break; sleep 0.1; done
if kill -0 $job 2>/dev/null; then
  echo "FAIL: the job still runs 30 s after a rank was killed"
  kill $job
  exit 1
fi
wait $job
status=$?
echo "the job ended with status $status after $(($(date +%s) - start)) s"
[ $status -ne 0 ] || { echo "FAIL: the job ended with status 0"; exit 1; }

resumed=$("$@" -np 2 --allow-run-as-root --oversubscribe "$tool" "$work/ckpt.safetensors" $epochs resume)
echo "$resumed"
grep -q "resumed at [1-9]" <<<"$resumed" || { echo "FAIL: the resumed run did not start after epoch 0"; exit 1; }
[ "$(grep -o 'hash .*' <<<"$resumed")" = "$whole" ] || { echo "FAIL: the resumed run ends with other bits"; exit 1; }
echo "PASS"
