"""The distributed rows of the "Speed" benchmark (issue 15), run by bench/run.sh after the single-process
rows: for each reference model at global batch 128, Wengert's 2 processes x 1 thread (DataParallel under
mpirun) against 1 process x 2 threads and against PyTorch's DistributedDataParallel (gloo, 2 x 1); then
the allreduce of 1-64 MB through GradientBuckets against a bare MPI_Allreduce. Rounds alternate the
contenders so all see the same load; each row is the median over rounds, with its target.

  run_dist_bench.py [--build build/bench] [--rounds 3] [--steps 20] [--json PATH]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
MPIRUN = ["mpirun", "--allow-run-as-root", "--oversubscribe", "-np", "2"]
# Targets of issue 15: (2x1 over 1x2, 2x1 over PyTorch DDP 2x1).
TARGETS = {"mlp": (0.75, 1.5), "cnn": (0.9, 2.0), "lstm": (0.9, 2.0)}
ALLREDUCE_MAX_OVERHEAD = 0.05


def json_lines(cmd):
    out = subprocess.run(cmd, check=True, stdout=subprocess.PIPE, text=True).stdout
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=os.path.join(os.path.dirname(HERE), "build", "bench"))
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--json", default=os.path.join(HERE, "dist_results.json"))
    args = ap.parse_args()
    tool = os.path.join(args.build, "bench", "dist_bench")
    steps = str(args.steps)
    rates = {}  # (model, contender) -> [samples/s]
    overheads = {}  # MB -> [(ours ms, bare ms)]
    for rnd in range(args.rounds):
        print(f"distributed round {rnd + 1}/{args.rounds}", file=sys.stderr, flush=True)
        for model in TARGETS:
            runs = {"1x2": [tool, "train", model, "2", steps],
                    "2x1": MPIRUN + [tool, "train", model, "1", steps],
                    "ddp": ["/usr/bin/python3", os.path.join(HERE, "torch_ddp.py"), model, "2", "1", steps]}
            for contender, cmd in runs.items():
                rates.setdefault((model, contender), []).append(json_lines(cmd)[-1]["samples_per_s"])
        for r in json_lines(MPIRUN + [tool, "allreduce", "10"]):
            overheads.setdefault(r["mb"], []).append((r["buckets_ms"], r["mpi_ms"], r["copied_ms"]))
    rows = []
    print(f"{'model':<6} {'1x2 s/s':>9} {'2x1 s/s':>9} {'DDP 2x1':>9} {'2x1/1x2':>8} {'target':>7} "
          f"{'2x1/DDP':>8} {'target':>7}")
    for model, (t_threads, t_ddp) in TARGETS.items():
        m = {c: statistics.median(rates[(model, c)]) for c in ("1x2", "2x1", "ddp")}
        vs_threads, vs_ddp = m["2x1"] / m["1x2"], m["2x1"] / m["ddp"]
        print(f"{model:<6} {m['1x2']:>9.0f} {m['2x1']:>9.0f} {m['ddp']:>9.0f} {vs_threads:>7.2f}x {t_threads:>6.2f}x "
              f"{vs_ddp:>7.2f}x {t_ddp:>6.2f}x")
        rows.append({"model": model, **m, "vs_threads": vs_threads, "target_vs_threads": t_threads,
                     "vs_ddp": vs_ddp, "target_vs_ddp": t_ddp})
    # buckets: gradients written into their buckets by backward (DataParallel); copied: each a tensor of its own.
    print(f"{'MB':>4} {'buckets ms':>11} {'MPI_Allreduce ms':>17} {'overhead':>9} {'target':>7} {'copied ms':>10}")
    for mb, runs in sorted(overheads.items()):
        ours, bare, copied = (statistics.median(p[i] for p in runs) for i in range(3))
        print(f"{mb:>4} {ours:>11.3f} {bare:>17.3f} {ours / bare - 1:>8.1%} {ALLREDUCE_MAX_OVERHEAD:>6.0%} "
              f"{copied:>10.3f}")
        rows.append({"allreduce_mb": mb, "buckets_ms": ours, "mpi_ms": bare, "copied_ms": copied,
                     "overhead": ours / bare - 1})
    with open(args.json, "w") as f:
        json.dump(rows, f, indent=1)


if __name__ == "__main__":
    main()
