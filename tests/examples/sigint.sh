#!/usr/bin/env bash
# Ctrl-C during training: the example stops after the current batch, writes its checkpoint, exits with
# 130, and a second run resumes from that checkpoint (redoing the interrupted epoch when it was cut short).
# usage: sigint.sh EXAMPLE_BINARY   (run from the source root, where data/mnist is)
set -u
bin=$1
dir=$(mktemp -d)
pid=
trap '[[ -n $pid ]] && kill -KILL $pid 2>/dev/null; rm -rf "$dir"' EXIT
fail() {
  echo "FAIL: $*"
  for f in "$dir"/*.out; do echo "--- $f"; cat "$f"; done
  exit 1
}
limit=4096 batch=8  # 512 batches an epoch, a fraction of a second each
args=(--limit $limit --batch-size $batch --checkpoint-dir "$dir/ckpt")

set -m  # job control: without it a background job starts with SIGINT ignored, and keeps it ignored
"$bin" "${args[@]}" --epochs 1000 >"$dir/first.out" 2>&1 &
pid=$!
set +m
for _ in $(seq 200); do grep -q '^Training' "$dir/first.out" && break; sleep 0.1; done
grep -q '^Training' "$dir/first.out" || fail "training did not start within 20 s"
sleep 0.5
kill -INT $pid
for _ in $(seq 100); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
kill -0 $pid 2>/dev/null && fail "still running 10 s after SIGINT"
wait $pid
status=$?
pid=
[[ $status -eq 130 ]] || fail "exit status $status, expected 130"
[[ -f $dir/ckpt/last.safetensors ]] || fail "no checkpoint in $dir/ckpt"
grep -q 'Interrupted; the checkpoint is in' "$dir/first.out" || fail "no report of the interrupt"

# "stopping after batch B of epoch E" (1-based): a cut-short epoch is not counted as done.
read -r b e < <(sed -nE 's/.*stopping after batch ([0-9]+) of epoch ([0-9]+).*/\1 \2/p' "$dir/first.out")
[[ -n ${e:-} ]] || fail "no 'stopping after batch' line"
done_epochs=$((b * batch >= limit ? e : e - 1))
timeout 60 "$bin" "${args[@]}" --epochs $((e + 1)) >"$dir/resume.out" 2>&1 || fail "the resumed run failed"
grep -q "Resuming from .* after epoch $done_epochs\$" "$dir/resume.out" || fail "expected a resume after epoch $done_epochs"
grep -q 'Test accuracy: 0\.' "$dir/resume.out" || fail "the resumed run did not finish"
# The checkpoint is not a weights file: --load says where it belongs.
"$bin" --load "$dir/ckpt/last.safetensors" >"$dir/load.out" 2>&1 && fail "--load accepted a checkpoint"
grep -q -- "--load: .* is a training checkpoint.*--checkpoint-dir" "$dir/load.out" || fail "--load did not explain"
echo "interrupted at batch $b of epoch $e; resumed after epoch $done_epochs"
