"""Runs every workload for Wengert and its peer in one run, alternating, and prints
one table (ratio > 1: we are faster) and writes it as JSON. bench/run.sh builds
the binaries and calls this; see docs/performance.md.

Peers: PyTorch (python3-torch) for training and inference, LibTorch (libtorch-dev)
for the tape, OpenBLAS sgemm and the FMA peak for matmul, a STREAM-style triad for
bandwidth. PyTorch's 2-thread rows take the fastest of four thread configurations,
each a separate process whose environment is set before torch is imported.
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
TORCH_PYTHON = "/usr/bin/python3"
THREAD_VARS = ["OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS", "OMP_WAIT_POLICY"]
# name: (environment before import, torch.set_num_threads argument; 0 = leave torch's default)
TORCH_CONFIGS = {
    "a:1thr": ({"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}, 1),
    "b:default": ({}, 0),
    "c:2thr": ({"OMP_NUM_THREADS": "2", "MKL_NUM_THREADS": "2", "OPENBLAS_NUM_THREADS": "2"}, 2),
    "d:2thr+passive": ({"OMP_NUM_THREADS": "2", "MKL_NUM_THREADS": "2", "OPENBLAS_NUM_THREADS": "2",
                        "OMP_WAIT_POLICY": "PASSIVE"}, 2),
}
TIME_UNITS = {"us", "us/op"}  # lower is better; every other unit is a rate


def target_for(workload, threads):
    """The issue's targets are for Wengert on 2 threads against PyTorch's best configuration; the model and
    matmul rows at 1 thread are measured and shown with their ratio, but judged only at 2 threads."""
    kind = workload.split("/")
    if threads == 1 and kind[0] in ("train", "infer", "matmul"):
        return None
    if kind[0] == "train":
        return 1.5 if kind[1] in ("mlp", "transformer") else 2.0
    if kind[0] == "infer":
        return 2.0 if kind[2] == "b1" else 1.5
    if kind[0] == "matmul":
        if kind[1].startswith("mlp_") or kind[1] in ("sq512", "sq1024", "sq2048"):
            return 1.0
        return 0.8 if kind[1] == "sq1024_vs_peak" else None
    if kind[0] == "tape":
        return 5.0 if kind[1] == "fwd_bwd" else None
    if kind[0] == "bandwidth":
        return 0.8
    if kind[0] == "scaling":
        return None if kind[2] == "transformer" else 1.7  # the transformer's one target is its training row
    if kind[0] == "determinism":
        return 1.0
    return None


# The MLP's multiply-adds per sample (784→500→500→10): 2·(784·500 + 500·500 + 500·10) FLOP.
MLP_FLOP_PER_SAMPLE = 2 * (784 * 500 + 500 * 500 + 500 * 10)


def judge_gemm_bound(rows, peak):
    """MLP inference at batch 128 is GEMM-bound: where PyTorch already runs it near the FMA peak, 1.5x would need
    more than the peak. The row is met at >= 1.5x PyTorch, or at >= 80% of the FMA peak measured in this run while
    still >= 1.2x PyTorch; its peer_name says which held."""
    for r in rows:
        if r["workload"] != "infer/mlp/b128" or r["threads"] != 2 or r["ratio"] is None or not peak:
            continue
        share = r["ours"] * MLP_FLOP_PER_SAMPLE / 1e9 / peak
        r["peak_share"] = share
        r["met"] = r["ratio"] >= 1.5 or (share >= 0.8 and r["ratio"] >= 1.2)
        r["peer_name"] += f"; {share:.0%} of FMA peak (met: >=1.5x, or >=80% of peak and >=1.2x)"


def host():
    """The CPU model and the ISA flags that decide a kernel's peak, from /proc/cpuinfo."""
    model, flags = "unknown", set()
    with open("/proc/cpuinfo") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key.strip() == "model name":
                model = value.strip()
            elif key.strip() == "flags":
                flags = set(value.split())
    wanted = ("avx2", "fma", "avx512f", "avx512_vnni", "avx512_bf16", "avx512_fp16", "amx_tile", "amx_bf16",
              "amx_int8")
    return model, [f for f in wanted if f in flags]


def run_json(cmd, env=None):
    out = subprocess.run(cmd, env=env, check=True, stdout=subprocess.PIPE, text=True, cwd=ROOT).stdout
    return json.loads(out.strip().splitlines()[-1])


# The host places this VM's two vCPUs on cores that share an L3 or on different dies, and moves them every
# few minutes. A 2-thread run hands data between its threads many times per batch and loses about a quarter
# of its rate on far cores (docs/performance.md, "Placement"); so every 2-thread model run, ours and each
# peer configuration alike, and the 2-thread matmul run (ours and OpenBLAS in one process) are bracketed by
# core_latency probes and rerun (up to FAR_RETRIES times, FAR_WAIT seconds apart) while a probe finds the
# cores far apart. Round trips measured: 50–200 ns near, 330–600 far.
FAR_NS = 300
FAR_RETRIES = 3
FAR_WAIT = 3


class Placement:
    """Runs 2-thread samples on near cores where it can, and counts what it kept."""

    def __init__(self, build, log):
        self.probe = f"{build}/core_latency"
        self.log = log
        self.kept = {"near": 0, "far": 0}
        self.retries = 0

    def round_trip(self):
        if not os.path.exists(self.probe):
            return 0.0
        return run_json([self.probe])["round_trip_ns"]

    def run(self, threads, what, cmd, env=None):
        return self.sample(threads, what, lambda: run_json(cmd, env=env))

    def sample(self, threads, what, measure):
        """measure() → rows, taken on near cores where it can be (rerun while a probe finds them far)."""
        if threads == 1:  # one thread hands nothing between cores: placement does not matter
            return measure()
        for attempt in range(FAR_RETRIES + 1):
            before = self.round_trip()
            rows = measure()
            after = self.round_trip()
            far = max(before, after) >= FAR_NS
            self.log.write(f"placement {what}: {before:.0f} ns before, {after:.0f} ns after"
                           f"{' (far)' if far else ''}\n")
            if not far or attempt == FAR_RETRIES:
                break
            self.retries += 1
            time.sleep(FAR_WAIT)
        self.kept["far" if far else "near"] += 1
        return [dict(r, far=far) for r in rows]

    def summary(self):
        return (f"2-thread model and matmul samples on near cores: {self.kept['near']}, on far cores: "
                f"{self.kept['far']} (reruns: {self.retries})")


def torch_env(extra):
    env = {k: v for k, v in os.environ.items() if k not in THREAD_VARS}
    env.update(extra)
    return env


class Samples:
    """Every measured value by (source, workload, threads), to take medians at the end."""

    def __init__(self):
        self.values, self.units, self.batches, self.far = {}, {}, {}, {}

    def add(self, source, rows, threads=None):
        for r in rows:
            key = (source, r["workload"], threads if threads is not None else r["threads"])
            self.values.setdefault(key, []).append(r["value"])
            self.far[key] = self.far.get(key, 0) + bool(r.get("far"))
            self.units[r["workload"]], self.batches[r["workload"]] = r["unit"], r["batch"]

    def far_count(self, source, workload, threads):
        """How many of the samples behind a median ran with the two cores far apart."""
        return self.far.get((source, workload, threads), 0)

    def median(self, source, workload, threads):
        v = self.values.get((source, workload, threads))
        return statistics.median(v) if v else None


def ratio_of(ours, peer, unit):
    if not ours or not peer:
        return None
    return peer / ours if unit in TIME_UNITS else ours / peer


def row(workload, threads, batch, ours, peer, unit, peer_name, ratio=None):
    ratio = ratio if ratio is not None else ratio_of(ours, peer, unit)
    target = target_for(workload, threads)
    met = None if target is None or ratio is None else ratio >= target
    return {"workload": workload, "threads": threads, "batch": batch, "ours": ours, "peer": peer, "unit": unit,
            "ratio": ratio, "target": target, "met": met, "peer_name": peer_name}


def model_rows(s):
    """Training and inference rows, plus 2-vs-1-thread scaling of training at batch 128."""
    out = []
    order = [f"{kind}/{m}/b{b}" for kind, batches in (("train", (32, 128)), ("infer", (128, 1)))
             for m in ("mlp", "cnn", "lstm", "transformer") for b in batches]
    present = {w for (src, w, t) in s.values if src == "ours"}
    workloads = [w for w in order if w in present]
    for w in workloads:
        unit = s.units[w]
        for threads in (1, 2):
            ours = s.median("ours", w, threads)
            if threads == 1:
                peer, name = s.median("torch:a:1thr", w, 1), "torch a:1thr"
            else:
                cands = {c: s.median("torch:" + c, w, 2) for c in TORCH_CONFIGS}
                cands = {c: v for c, v in cands.items() if v}
                best = (min if unit in TIME_UNITS else max)(cands, key=cands.get)
                peer, name = cands[best], "torch " + best
            r = row(w, threads, s.batches[w], ours, peer, unit, name)
            if threads == 2:  # samples behind each median that ran on far cores (see Placement)
                r["far_samples"] = {"ours": s.far_count("ours", w, 2),
                                    "peer": s.far_count("torch:" + name.split()[1], w, 2)}
            out.append(r)
    for w in workloads:
        if w.startswith("train/") and w.endswith("/b128"):
            one, two = s.median("ours", w, 1), s.median("ours", w, 2)
            t_one = s.median("torch:a:1thr", w, 1)
            t_two = max(v for c in TORCH_CONFIGS if (v := s.median("torch:" + c, w, 2)))
            out.append(row("scaling/" + w, 2, s.batches[w], two / one, t_two / t_one, "x(2thr/1thr)",
                           "torch best/a", ratio=two / one))
    return out


def matmul_rows(build, threads, repeats, log):
    path = f"/tmp/wengert_matmul_{threads}.json"
    text = subprocess.run([f"{build}/matmul_bench", "--threads", str(threads), "--repeats", str(repeats), "--json",
                           path], check=True, stdout=subprocess.PIPE, text=True, cwd=ROOT).stdout
    log.write(text)
    head = re.search(r"gemm isa: (\S+).*FMA peak f32: ([\d.]+) GFLOP/s on 1 thread, ([\d.]+) on", text)
    isa, peak = head.group(1), float(head.group(3) if threads > 1 else head.group(2))
    out = []
    with open(path) as f:
        for r in json.load(f):
            out.append(row(r["workload"], threads, None, r["ours"], r["peer"], r["unit"], "OpenBLAS"))
            if r["workload"] == "matmul/sq1024":
                out.append(row("matmul/sq1024_vs_peak", threads, None, r["ours"], peak, r["unit"], "FMA peak"))
    return isa, peak, out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=os.path.join(ROOT, "build", "bench", "bench"))
    ap.add_argument("--rounds", type=int, default=5, help="alternating rounds of ours/peer per workload")
    ap.add_argument("--steps", type=int, default=20, help="batches per timed training/inference pass")
    ap.add_argument("--matmul-repeats", type=int, default=3)
    ap.add_argument("--json", default=os.path.join(HERE, "results.json"))
    ap.add_argument("--log", default="/tmp/wengert_bench.log", help="raw output of every run")
    args = ap.parse_args()
    b = args.build
    load_before = os.getloadavg()
    t_start = time.time()
    s = Samples()
    with open(args.log, "w") as log:
        placement = Placement(b, log)
        steps = ["--steps", str(args.steps)]
        for rnd in range(args.rounds):
            print(f"round {rnd + 1}/{args.rounds}: training + inference", file=sys.stderr, flush=True)
            for threads in (1, 2):
                s.add("ours", placement.run(threads, "ours",
                                            [f"{b}/train_bench", "--threads", str(threads), "--json", "-", *steps]))
                for name, (env, torch_threads) in TORCH_CONFIGS.items():
                    if (threads == 1) != name.startswith("a:"):
                        continue
                    rows = placement.run(threads, "torch " + name,
                                         [TORCH_PYTHON, f"{HERE}/torch_models.py", "--threads", str(torch_threads),
                                          "--row-threads", str(threads if threads == 1 else 2), "--json", "-",
                                          *steps],
                                         env=torch_env(env))
                    log.write(f"torch {name}: aten_threads={rows[0].get('aten_threads')}\n")
                    s.add("torch:" + name, rows)
                    if name.startswith("a:"):
                        s.add("torch:" + name, rows, threads=2)  # config (a) is a candidate for 2-thread rows too
            print(f"round {rnd + 1}/{args.rounds}: tape + bandwidth", file=sys.stderr, flush=True)
            for threads in (1, 2):
                t = ["--threads", str(threads), "--json", "-"]
                s.add("ours", run_json([f"{b}/tape_bench", *t]))
                if os.path.exists(f"{b}/libtorch_tape"):
                    s.add("libtorch", run_json([f"{b}/libtorch_tape", *t]))
                s.add("bandwidth", run_json([f"{b}/bandwidth_bench", *t]))
        rows = model_rows(s)
        for threads in (1, 2):
            for w in ("tape/fwd/n1", "tape/fwd/n64", "tape/fwd_bwd/n1", "tape/fwd_bwd/n64"):
                rows.append(row(w, threads, s.batches[w], s.median("ours", w, threads),
                                s.median("libtorch", w, threads), "us/op", "LibTorch C++"))
        for threads in (1, 2):
            triad = s.median("bandwidth", "bandwidth/triad", threads)
            for w in ("bandwidth/add", "bandwidth/mul", "bandwidth/sum"):
                rows.append(row(w, threads, s.batches[w], s.median("bandwidth", w, threads), triad, "GB/s", "triad"))
        print("matmul", file=sys.stderr, flush=True)
        isa, peak = None, None
        for threads in (1, 2):
            found = {}

            def measure():
                found["isa"], found["peak"], mm = matmul_rows(b, threads, args.matmul_repeats, log)
                return mm
            rows += placement.sample(threads, "matmul", measure)
            isa, peak = found["isa"], found["peak"]  # the 2-thread peak stays, as the models are judged at 2
        judge_gemm_bound(rows, peak)
        print("determinism", file=sys.stderr, flush=True)
        for r in run_json([f"{b}/train_bench", "--train-batches", "", "--infer-batches", "",
                           "--determinism-batches", "32", "--steps", "5", "--json", "-"]):
            rows.append(row(r["workload"], 2, r["batch"], r["value"], 1.0, "identical", "1 thread", ratio=r["value"]))
    load_after = os.getloadavg()
    model, flags = host()
    print(f"\nhost: {model}   ISA: {' '.join(flags)}   FMA peak f32 at 2 threads: {peak:.0f} GFLOP/s")
    print(f"Wengert gemm isa: {isa}   rounds: {args.rounds}   steps: {args.steps}   "
          f"load average before {load_before[0]:.2f}, after {load_after[0]:.2f}   "
          f"wall {time.time() - t_start:.0f} s")
    print(placement.summary())
    print_table(rows)
    with open(args.json, "w") as f:
        json.dump(rows, f, indent=2)
    met = [r for r in rows if r["met"] is not None]
    print(f"\ntargets met: {sum(r['met'] for r in met)}/{len(met)} (model and matmul rows judged at 2 threads)"
          f"   JSON: {args.json}")


def fmt_num(v):
    if v is None:
        return "—"
    return f"{v:.3g}" if abs(v) < 100 else f"{v:.0f}"


def print_table(rows):
    head = ("workload", "thr", "batch", "Wengert", "peer", "unit", "ratio", "target", "met?", "peer is")
    print("| " + " | ".join(head) + " |")
    print("|" + "|".join("---" for _ in head) + "|")
    for r in rows:
        met = "—" if r["met"] is None else ("yes" if r["met"] else "NO")
        cells = (r["workload"], str(r["threads"]), "" if r["batch"] is None else str(r["batch"]), fmt_num(r["ours"]),
                 fmt_num(r["peer"]), r["unit"], "—" if r["ratio"] is None else f"{r['ratio']:.2f}",
                 "—" if r["target"] is None else f"≥{r['target']:g}", met, r["peer_name"])
        print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
