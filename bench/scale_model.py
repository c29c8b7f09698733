#!/usr/bin/env python3
"""Predicts data-parallel scaling efficiency from measured compute time per batch (docs/distributed.md, "Scale").

Weak scaling: every rank keeps a batch of 128, so N ranks train on 128*N samples per step. A step costs the
compute time t_c of one rank's batch plus the ring allreduce of the gradients (one bucket per 25 MB):
    t_ar = 2(N-1)/N * bytes / bandwidth + 2(N-1) * latency * buckets
efficiency = t_c / (t_c + t_ar) with no overlap (the floor), and t_c / (t_c + max(0, t_ar - t_b)) when the
allreduce hides behind backward (t_b ~ 2/3 t_c, the ceiling).
  bench/scale_model.py [--json dist_bench_output.jsonl]   (default: the numbers measured in docs/performance.md)
"""
import argparse
import json

# Measured on this machine (AMD EPYC, 1 thread, batch 128; bench/dist_bench train MODEL 1 20), and parameter counts.
MEASURED = {"mlp": (2.787, 648_010), "cnn": (7.117, 101_220), "lstm": (14.546, 81_674)}
RANKS = [2, 4, 8, 16, 32, 64, 128, 256]
LINKS = {"10 Gbit/s": (10e9 / 8, 25e-6), "25 Gbit/s": (25e9 / 8, 15e-6), "100 Gbit/s": (100e9 / 8, 3e-6)}
BUCKET_BYTES = 25 << 20


def allreduce_s(n, nbytes, bandwidth, latency):
    buckets = max(1, -(-nbytes // BUCKET_BYTES))
    return 2 * (n - 1) / n * nbytes / bandwidth + 2 * (n - 1) * latency * buckets


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", help="dist_bench output: rows with bench=train, ranks=1, threads=1 set t_c")
    args = parser.parse_args()
    measured = dict(MEASURED)
    if args.json:
        with open(args.json) as f:
            for row in map(json.loads, filter(str.strip, f)):
                if row.get("bench") == "train" and row["ranks"] == 1 and row["threads"] == 1:
                    measured[row["model"]] = (row["step_ms"], measured[row["model"]][1])
    print("| model | t_c (ms) | gradients (MB) | link | " + " | ".join(f"N={n}" for n in RANKS) + " |")
    print("|---|---|---|---|" + "---|" * len(RANKS))
    for model, (step_ms, params) in measured.items():
        t_c, nbytes = step_ms / 1e3, params * 4
        for link, (bandwidth, latency) in LINKS.items():
            cells = []
            for n in RANKS:
                t_ar = allreduce_s(n, nbytes, bandwidth, latency)
                floor = t_c / (t_c + t_ar)
                ceiling = t_c / (t_c + max(0.0, t_ar - 2 * t_c / 3))
                cells.append(f"{floor:.2f}–{ceiling:.2f}")
            print(f"| {model} | {step_ms:.2f} | {nbytes / 1e6:.2f} | {link} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
