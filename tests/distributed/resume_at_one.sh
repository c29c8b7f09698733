#!/usr/bin/env bash
# A checkpoint written at 2 ranks resumes at 1: it starts after the checkpoint's epoch, two resumptions from
# the same file end with the same bits, and the result is the 2-rank run's up to float32 summation order
# (a shard's gradient sum differs from the whole batch's in the last bits, so the runs cannot match bit for bit).
# usage: resume_at_one.sh TOOL MPIRUN [MPIRUN FLAGS...]
set -u
tool=$1
shift
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
epochs=8
norm2() { sed -n 's/.*norm2 \([0-9.e+-]*\).*/\1/p' <<<"$1"; }

whole=$("$@" -np 2 --allow-run-as-root --oversubscribe "$tool" "$work/whole.safetensors" $epochs)
echo "2 ranks, uninterrupted: $whole"
"$@" -np 2 --allow-run-as-root --oversubscribe "$tool" "$work/ckpt.safetensors" $((epochs / 2)) >/dev/null ||
  { echo "FAIL: the 2-rank run that writes the checkpoint failed"; exit 1; }
cp "$work/ckpt.safetensors" "$work/again.safetensors"  # each resumption checkpoints over its own file
first=$("$@" -np 1 --allow-run-as-root "$tool" "$work/ckpt.safetensors" $epochs resume)
second=$("$@" -np 1 --allow-run-as-root "$tool" "$work/again.safetensors" $epochs resume)
echo "1 rank, resumed:       $first"
grep -q "resumed at $((epochs / 2))," <<<"$first" || { echo "FAIL: did not resume after epoch $((epochs / 2))"; exit 1; }
[ "$(grep -o 'hash [0-9a-f]*' <<<"$first")" = "$(grep -o 'hash [0-9a-f]*' <<<"$second")" ] ||
  { echo "FAIL: two resumptions from the same checkpoint differ"; exit 1; }
python3 -c "import sys; a, b = float(sys.argv[1]), float(sys.argv[2]); sys.exit(abs(a - b) > 1e-6 * abs(b))" \
  "$(norm2 "$first")" "$(norm2 "$whole")" ||
  { echo "FAIL: resumed at 1 rank, the squared norm is $(norm2 "$first"), not $(norm2 "$whole") (1e-6)"; exit 1; }
echo "PASS"
