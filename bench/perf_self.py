"""Self-time profile of the timed region only: reads `perf script` output (a
recording with --call-graph) on stdin and counts each sample's leaf function
among the samples whose stack passes through ROOT (e.g. nn::Model::fit), so
setup such as loading MNIST does not show. Used by bench/profile.sh.
  perf script -i perf.data | python3 bench/perf_self.py 'nn::Model::fit' [TOP [LEAF]]
LEAF (a function-name prefix) also lists that leaf's three nearest callers.
"""
import collections
import re
import subprocess
import sys


def demangled(syms):
    """perf leaves some long lambda symbols mangled: one c++filt pass over the distinct ones."""
    syms = sorted(syms)
    out = subprocess.run(["c++filt"], input="\n".join(syms), stdout=subprocess.PIPE, text=True).stdout.splitlines()
    return dict(zip(syms, out)) if len(out) == len(syms) else {s: s for s in syms}


def short(sym):
    sym = re.sub(r"\(anonymous namespace\)::", "", sym)
    mangled = re.search(r"_\d+([A-Z]\w*?)\d+(forward|backward|update|copy_|clone)", sym)
    if sym.startswith("_ZZN8autodiff7kernels11FunctionRef") and mangled:  # perf leaves these mangled and cut
        return f"loop body of {mangled.group(1)}::{mangled.group(2)}"
    if "7compareISt7greater" in sym:
        return "loop body of compare<greater> (gt)"
    if sym.startswith(("autodiff::kernels::FunctionRef", "autodiff::kernels::for_rows")):
        op = re.search(r"(\w+)::(forward|backward|update|copy_|clone|copy_into)\(", sym)
        inner = re.search(r">::FunctionRef<(?:autodiff::)?(?:kernels::)?([\w:]+)", sym)
        sym = "loop body of " + (f"{op.group(1)}::{op.group(2)}" if op else inner.group(1) if inner else sym[:100])
    return sym[:150]


def main():
    root, top = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 20
    caller_of = sys.argv[3] if len(sys.argv) > 3 else None
    counts, callers, total, stack = collections.Counter(), collections.Counter(), 0, []

    def flush():
        nonlocal total
        if stack and any(root in s for s in stack):
            total += 1
            counts[stack[0]] += 1
            if caller_of and stack[0].startswith(caller_of):
                callers[tuple(stack[1:4])] += 1

    for line in sys.stdin:
        if not line.strip():
            flush()
            stack = []
        elif line.startswith((" ", "\t")):
            parts = line.strip().split(" ", 1)
            if len(parts) == 2:
                stack.append(re.sub(r"\+0x[0-9a-f]+$", "", re.sub(r"\s*\([^()]*\)$", "", parts[1]).strip()))
    flush()
    names = demangled(set(counts) | {s for chain in callers for s in chain})
    counts = collections.Counter({short(names[s]): n for s, n in counts.items()})
    callers = collections.Counter({" < ".join(short(names[s]) for s in chain): n for chain, n in callers.items()})
    print(f"{total} samples under {root}")
    for sym, n in counts.most_common(top):
        print(f"{100.0 * n / max(total, 1):6.2f}%  {sym}")
    for chain, n in callers.most_common(8):
        print(f"  {100.0 * n / max(total, 1):6.2f}%  {caller_of} < {chain[:300]}")


if __name__ == "__main__":
    main()
