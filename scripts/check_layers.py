#!/usr/bin/env python3
"""Checks the direction of #include arrows between the layers of the code (docs/design.md, "Layers of the
code"), and that no function in autodiff/, nn/ or distributed/ runs past 60 lines. CI runs it; it prints each violation and
exits 1 if there is any.

Layers, lowest first; a file may include its own layer and the ones below it, never one above:
  kernels   autodiff/kernels/            loops and SIMD, the only oneTBB user
  tensor    autodiff/ tensors and their helpers (Tensor, Shape, DType, errors, allocator, random)
  tape      autodiff/ Var, Tape, the op contract, the graph view
  ops       autodiff/ops/                one file per op family
  sweeps    autodiff/ backward, the gradient sums, functional, gradcheck, checkpoint, the umbrella header
  nn        nn/                          reaches kernels only through autodiff's public API (kernels/parallel.hpp);
            inside it, lowest first:
    nn.base      nn/module.hpp, nn/handle.hpp, nn/one_or_many.hpp
    nn.parts     nn/layers/, nn/losses/, nn/optimizers/, nn/data/, nn/io/ (siblings: none includes another)
    nn.training  nn/training/          Model, Sequential, fit, callbacks, metrics
    nn.saving    nn/saving/            model files, checkpoints (they know Sequential and the optimizers)
    nn.all       nn/nn.hpp             the umbrella
  distributed  distributed/              MPI (Boost.MPI, <mpi.h>) on top of nn; nothing below may include it or MPI
"""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TENSOR = {"allocator", "dtype", "error", "shape", "tensor", "tensor_map", "random"}
TAPE = {"var", "tape", "op", "graph"}
SWEEPS = {"backward", "checkpoint", "grad_sums", "functional", "gradcheck", "autodiff"}
NN_PARTS = {"layers", "losses", "optimizers", "data", "io"}
RANK = {"kernels": 0, "tensor": 1, "tape": 2, "ops": 3, "sweeps": 4, "nn.base": 5, "nn.parts": 6, "nn.training": 7,
        "nn.saving": 8, "nn.all": 9, "distributed": 10}
PUBLIC_KERNELS = {"autodiff/kernels/parallel.hpp"}  # set_num_threads: part of autodiff's public API
MAX_FUNCTION_LINES = 60
SKIP = ("namespace", "struct", "class", "enum", "union", "extern", "template", "using", "#")


def nn_group(parts):
    if len(parts) == 2:
        return {"module.hpp": "nn.base", "module.cpp": "nn.base", "handle.hpp": "nn.base", "one_or_many.hpp": "nn.base", "nn.hpp": "nn.all"}.get(
            parts[1], "unknown")
    if parts[1] in NN_PARTS:
        return "nn.parts"
    return {"training": "nn.training", "saving": "nn.saving"}.get(parts[1], "unknown")


def layer(path):
    parts = path.split("/")
    if parts[0] == "distributed":
        return parts[0]
    if parts[0] == "nn":
        return nn_group(parts)
    if parts[0] != "autodiff":
        return None
    if parts[1] in ("kernels", "ops"):
        return parts[1]
    stem = os.path.splitext(parts[1])[0]
    for name, group in (("tensor", TENSOR), ("tape", TAPE), ("sweeps", SWEEPS)):
        if stem in group:
            return name
    return "unknown"


def sources():
    for top in ("autodiff", "nn", "distributed"):
        for folder, _, files in os.walk(os.path.join(ROOT, top)):
            for f in sorted(files):
                if f.endswith((".hpp", ".cpp")):
                    yield os.path.relpath(os.path.join(folder, f), ROOT)


def include_violations(path, text):
    here = layer(path)
    if here == "unknown":
        yield f"{path}: not assigned to a layer (scripts/check_layers.py)"
        return
    if here != "distributed":
        for target in re.findall(r"^#include <((?:boost/)?mpi[^>]*)>", text, re.M):
            yield f"{path}: {here} includes <{target}>; only distributed/ may use MPI"
    for target in re.findall(r'^#include "([^"]+)"', text, re.M):
        there = layer(target)
        if there is None:
            continue
        if RANK[here] >= RANK["nn.base"] and there == "kernels" and target not in PUBLIC_KERNELS:
            yield f"{path}: {here} includes the kernel header {target}; use autodiff's public API"
        elif there != "unknown" and RANK[there] > RANK[here]:
            yield f"{path}: {here} includes {target}, which is in the higher layer {there}"
        elif here == there == "nn.parts" and path.split("/")[1] != target.split("/")[1]:
            yield f"{path}: nn/{path.split('/')[1]} includes {target}; the groups of nn.parts are siblings"


def long_functions(path, text):
    """Definitions whose signature starts at column 0 and whose body closes with a '}' at column 0 (the house
    format); a signature may wrap over several lines."""
    lines = text.split("\n")
    start, body = None, False
    for i, line in enumerate(lines):
        if start is None:
            if line[:1].isalpha() and not line.startswith(SKIP) and not line.rstrip().endswith(";"):
                start, body = i, line.rstrip().endswith("{")
        elif not body:
            if line.rstrip().endswith(";") or not line.strip():
                start = None
            else:
                body = line.rstrip().endswith("{")
        if start is not None and body and line == "}":
            if i - start + 1 > MAX_FUNCTION_LINES:
                yield f"{path}:{start + 1}: a function of {i - start + 1} lines (at most {MAX_FUNCTION_LINES})"
            start, body = None, False


def main():
    problems = []
    for path in sources():
        with open(os.path.join(ROOT, path), encoding="utf-8") as f:
            text = f.read()
        problems += include_violations(path, text)
        problems += long_functions(path, text)
    for p in problems:
        print(p)
    print(f"check_layers: {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
