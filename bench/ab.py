#!/usr/bin/env python3
"""A/B: two builds of train_bench (say, main before and after a redesign) run alternately on this
machine, so both see the same load; prints each workload's median for A and B and the ratio B/A
(above 1: B is faster; for times the ratio is inverted so it reads the same way).

  bench/ab.py BUILD_A BUILD_B [--rounds 6] [--steps 20] [--threads 1,2] [--model all]

BUILD_x is a bench build folder holding bench/train_bench (cmake --preset bench; e.g. a worktree of
the old commit built the same way). These machines are shared and noisy: read the medians and how far
apart the rounds are, not one run.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys


def run(build, model, threads, steps):
    cmd = [os.path.join(build, "bench", "train_bench"), "--model", model, "--threads", str(threads),
           "--steps", str(steps), "--repeats", "1", "--determinism-batches", "", "--json", "-"]
    out = subprocess.run(cmd, check=True, stdout=subprocess.PIPE, text=True).stdout
    return json.loads(out[out.index("["):])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("a")
    ap.add_argument("b")
    ap.add_argument("--rounds", type=int, default=6)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--model", default="all")
    args = ap.parse_args()
    samples = {}  # (workload, threads, unit) -> {"a": [...], "b": [...]}
    for rnd in range(args.rounds):
        print(f"round {rnd + 1}/{args.rounds}", file=sys.stderr, flush=True)
        for threads in (int(t) for t in args.threads.split(",")):
            # Alternate which build goes first, so neither always runs on a warmer machine.
            order = ("a", "b") if rnd % 2 == 0 else ("b", "a")
            for side in order:
                for r in run(getattr(args, side), args.model, threads, args.steps):
                    key = (r["workload"], r["threads"], r["unit"])
                    samples.setdefault(key, {"a": [], "b": []})[side].append(r["value"])
    print(f"{'workload':<22} {'thr':>3} {'A median':>12} {'B median':>12} {'B/A':>6}  unit  (spread of B/A per round)")
    for (workload, threads, unit), s in sorted(samples.items()):
        a, b = statistics.median(s["a"]), statistics.median(s["b"])
        ratio = a / b if unit in ("us", "ms", "s") else b / a
        per_round = [(x / y if unit in ("us", "ms", "s") else y / x) for x, y in zip(s["a"], s["b"])]
        print(f"{workload:<22} {threads:>3} {a:>12.1f} {b:>12.1f} {ratio:>6.3f}  {unit}  "
              f"({min(per_round):.3f}-{max(per_round):.3f})")


if __name__ == "__main__":
    main()
