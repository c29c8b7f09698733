#!/usr/bin/python3
"""Random expression programs over every public autodiff op, evaluated by PyTorch in float64: the goldens of
tests/autodiff/torch_diff_test.cpp, the randomized differential test against PyTorch.

  /usr/bin/python3 scripts/torch_diff.py                       # writes tests/golden/torch_diff.json (CI's seeds)
  /usr/bin/python3 scripts/torch_diff.py --seeds 5000 --first 1000 --out /tmp/long.json
  WENGERT_TORCH_DIFF=/tmp/long.json build/release/tests/autodiff_torch_diff_test   # the long mode

A program is a list of nodes in SSA form: its inputs (float64 tensors, some drawn from {-1, -½, 0, ½, 1, 2} so
that kinks, ties and exact zeros occur on purpose), then ops applied to earlier nodes with random shapes,
axes and broadcasting. For each program the file holds every node's value, the gradient of
L = Σ_nodes Σ(node · w_node) with respect to each input, and the Hessian-vector product ∇(Σ_i ∇_i L · v_i).
A candidate op is dropped when its result is not finite or huge, or when an argument sits within 1e-9 of a
kink without being exactly on it (there the two libraries' last-bit rounding would pick different sides).
"""
import argparse
import json
import math
import random

import torch
import torch.nn.functional as F

DT = torch.float64
NEAR = 1e-9
KINK_SET = [-1.0, -0.5, 0.0, 0.5, 1.0, 2.0]


# ---- the reference semantics of each op, in torch ----

def same_pads(size, k, stride, dilation):
    out = -(-size // stride)
    total = max((out - 1) * stride + (k - 1) * dilation + 1 - size, 0)
    return total // 2, total - total // 2


def nchw_pads(x, pool, strides, dilation, padding):
    if padding == "valid":
        return [0, 0, 0, 0]
    top, bottom = same_pads(x.shape[1], pool[0], strides[0], dilation[0])
    left, right = same_pads(x.shape[2], pool[1], strides[1], dilation[1])
    return [left, right, top, bottom]


def conv2d(x, w, a, b=None):
    xp = F.pad(x.permute(0, 3, 1, 2).contiguous(), nchw_pads(x, w.shape[:2], a["strides"], a["dilation"], a["padding"]))
    y = F.conv2d(xp, w.permute(3, 2, 0, 1).contiguous(), b, stride=a["strides"], dilation=a["dilation"])
    return y.permute(0, 2, 3, 1)


def pool2d(x, a, kind):
    strides = [s or p for s, p in zip(a["strides"], a["pool"])]
    pads = nchw_pads(x, a["pool"], strides, [1, 1], a["padding"])
    xc = x.permute(0, 3, 1, 2)
    if kind == "max":
        y = F.max_pool2d(F.pad(xc, pads, value=-math.inf), a["pool"], strides)
    else:  # padding not counted: window sums over window counts
        ones = torch.ones_like(xc[:1, :1])
        k = a["pool"][0] * a["pool"][1]
        y = F.avg_pool2d(F.pad(xc, pads), a["pool"], strides) / F.avg_pool2d(F.pad(ones, pads), a["pool"], strides)
    return y.permute(0, 2, 3, 1)


def moved_last(x, axes):  # the reduced axes moved last and merged
    kept = [i for i in range(x.dim()) if i not in axes]
    y = x.permute(kept + axes)
    return y.reshape([x.shape[i] for i in kept] + [-1])


def reduce_prod(x, a):
    y = moved_last(x, a["axes"]).prod(-1)
    if a["keepdims"]:
        for ax in a["axes"]:
            y = y.unsqueeze(ax)
    return y


def pad(x, a):
    flat = []
    for before, after in reversed(a["pads"] + [[0, 0]] * (x.dim() - len(a["pads"]))):
        flat += [before, after]
    return F.pad(x, flat, value=a["value"])


def sl(x, a):
    index = [slice(None)] * x.dim()
    index[a["axis"]] = slice(a["start"], a["stop"], a["step"])
    return x[tuple(index)]


def lstm_state(zi, zf, zc, c):
    return torch.sigmoid(zf) * c + torch.sigmoid(zi) * torch.tanh(zc)


def elu(x, a):
    """ELU's formula rather than F.elu: at exactly 0 torch's first derivative takes the negative piece (alpha) but
    its second takes the positive one (0); Wengert takes the negative piece for both (docs/autodiff.md)."""
    return torch.where(x > 0, x, a["alpha"] * (torch.exp(torch.clamp(x, max=0.0)) - 1))


REF = {
    "neg": lambda x, a: -x, "exp": lambda x, a: torch.exp(x), "log": lambda x, a: torch.log(x),
    "log1p": lambda x, a: torch.log1p(x), "sqrt": lambda x, a: torch.sqrt(x), "abs": lambda x, a: torch.abs(x),
    "sin": lambda x, a: torch.sin(x), "cos": lambda x, a: torch.cos(x), "tanh": lambda x, a: torch.tanh(x),
    "sigmoid": lambda x, a: torch.sigmoid(x), "relu": lambda x, a: torch.relu(x),
    "softplus": lambda x, a: F.softplus(x), "sign": lambda x, a: torch.sign(x),
    "leaky_relu": lambda x, a: F.leaky_relu(x, a["alpha"]), "elu": elu,
    "clamp": lambda x, a: torch.clamp(x, a["lo"], a["hi"]), "pow_scalar": lambda x, a: torch.pow(x, a["p"]),
    "add_scalar": lambda x, a: x + a["c"], "radd_scalar": lambda x, a: a["c"] + x,
    "sub_scalar": lambda x, a: x - a["c"], "rsub_scalar": lambda x, a: a["c"] - x,
    "mul_scalar": lambda x, a: x * a["c"], "rmul_scalar": lambda x, a: a["c"] * x,
    "div_scalar": lambda x, a: x / a["c"], "rdiv_scalar": lambda x, a: a["c"] / x,
    "add": lambda x, y, a: x + y, "sub": lambda x, y, a: x - y, "mul": lambda x, y, a: x * y,
    "div": lambda x, y, a: x / y, "pow": lambda x, y, a: torch.pow(x, y),
    "minimum": lambda x, y, a: torch.minimum(x, y), "maximum": lambda x, y, a: torch.maximum(x, y),
    "eq": lambda x, y, a: (x == y).to(DT), "ne": lambda x, y, a: (x != y).to(DT),
    "lt": lambda x, y, a: (x < y).to(DT), "le": lambda x, y, a: (x <= y).to(DT),
    "gt": lambda x, y, a: (x > y).to(DT), "ge": lambda x, y, a: (x >= y).to(DT),
    "where": lambda m, x, y, a: torch.where(m != 0, x, y),
    "sum": lambda x, a: torch.sum(x, a["axes"], keepdim=a["keepdims"]),
    "mean": lambda x, a: torch.mean(x, a["axes"], keepdim=a["keepdims"]),
    "max": lambda x, a: torch.amax(x, a["axes"], keepdim=a["keepdims"]),
    "min": lambda x, a: torch.amin(x, a["axes"], keepdim=a["keepdims"]),
    "prod": reduce_prod,
    "logsumexp": lambda x, a: torch.logsumexp(x, a["axes"], keepdim=a["keepdims"]),
    "var": lambda x, a: torch.var(x, a["axes"], correction=a["ddof"], keepdim=a["keepdims"]),
    "reshape": lambda x, a: x.reshape(a["shape"]), "broadcast_to": lambda x, a: x.broadcast_to(a["shape"]),
    "permute": lambda x, a: x.permute(a["axes"]), "transpose": lambda x, a: x.transpose(a["axis0"], a["axis1"]),
    "flatten": lambda x, a: x.flatten(a["start_axis"]), "squeeze": lambda x, a: x.squeeze(a["axis"]),
    "unsqueeze": lambda x, a: x.unsqueeze(a["axis"]), "slice": sl,
    "index_select": lambda x, a: torch.index_select(x, a["axis"], torch.tensor(a["indices"])),
    "gather": lambda x, a: torch.gather(x, a["axis"], torch.tensor(a["index"]).reshape(a["index_shape"])),
    "split": lambda x, a: torch.split(x, a["sizes"], a["axis"])[a["piece"]],
    "pad": pad,
    "matmul": lambda x, y, a: torch.matmul(x, y), "outer": lambda x, y, a: torch.outer(x, y),
    "addmm": lambda c, x, y, a: c + x @ y,
    "softmax": lambda x, a: F.softmax(x, a["axis"]), "log_softmax": lambda x, a: F.log_softmax(x, a["axis"]),
    "cross_entropy": lambda x, t, a: -(t * F.log_softmax(x, -1)).sum(-1).mean(),
    "cross_entropy_labels": lambda x, a: F.cross_entropy(x, torch.tensor(a["labels"])),
    "lstm_cell_state": lambda zi, zf, zc, c, a: lstm_state(zi, zf, zc, c),
    "lstm_cell_output": lambda zo, c, a: torch.sigmoid(zo) * torch.tanh(c),
    "conv2d": lambda x, w, a: conv2d(x, w, a), "conv2d_bias": lambda x, w, b, a: conv2d(x, w, a, b),
    "max_pool2d": lambda x, a: pool2d(x, a, "max"), "avg_pool2d": lambda x, a: pool2d(x, a, "avg"),
}
VARIADIC = {"concat": lambda xs, a: torch.cat(xs, a["axis"]), "stack": lambda xs, a: torch.stack(xs, a["axis"])}
CONSTANT = {"sign", "eq", "ne", "lt", "le", "gt", "ge"}  # no gradient flows through these


def evaluate(op, xs, attrs):
    return VARIADIC[op](xs, attrs) if op in VARIADIC else REF[op](*xs, attrs)


# ---- the generator: proposes an op with operands and attributes drawn from the program so far ----

class Program:
    def __init__(self, rng):
        self.rng = rng
        self.nodes = []  # dicts: op, args, attrs, value (a torch tensor)

    def shape(self, i):
        return list(self.nodes[i]["value"].shape)

    def pick(self, ok=lambda i: True):
        choices = [i for i in range(len(self.nodes)) if ok(i)]
        return self.rng.choice(choices) if choices else None

    def value(self, i):
        return self.nodes[i]["value"]


def broadcast_partner(p, a):
    """A node whose shape broadcasts with a's, preferring different shapes."""
    sa = p.shape(a)
    def ok(i):
        try:
            torch.broadcast_shapes(tuple(sa), tuple(p.shape(i)))
            return True
        except RuntimeError:
            return False
    return p.pick(ok)


def axes_attrs(p, x):
    r = len(p.shape(x))
    axes = sorted(p.rng.sample(range(r), p.rng.randint(1, r)))
    return {"axes": axes, "keepdims": p.rng.random() < 0.5}


def positive(p, floor):
    return p.pick(lambda i: p.value(i).numel() > 0 and bool((p.value(i) > floor).all()))


def propose(p, op):  # → (args, attrs) or None
    r = p.rng
    any_node = lambda i: p.value(i).numel() > 0
    ranked = lambda lo: (lambda i: p.value(i).dim() >= lo and p.value(i).numel() > 0)
    if op in ("log", "sqrt"):
        x = positive(p, 0.1)
        return None if x is None else ([x], {})
    if op == "log1p":
        x = positive(p, -0.9)
        return None if x is None else ([x], {})
    if op == "pow_scalar":
        power = r.choice([2.0, 3.0, -1.0, 0.5, 1.5, 0.0])
        x = p.pick(any_node) if power in (2.0, 3.0, 0.0) else positive(p, 0.1)
        return None if x is None else ([x], {"p": power})
    if op in ("neg", "exp", "abs", "sin", "cos", "tanh", "sigmoid", "relu", "softplus", "sign"):
        return [p.pick(any_node)], {}
    if op == "leaky_relu":
        return [p.pick(any_node)], {"alpha": r.choice([0.01, 0.2])}
    if op == "elu":
        return [p.pick(any_node)], {"alpha": r.choice([1.0, 0.5])}
    if op == "clamp":
        lo = r.choice([-1.0, -0.5, 0.0])
        return [p.pick(any_node)], {"lo": lo, "hi": lo + r.choice([0.5, 1.0, 1.5])}
    if op.endswith("_scalar"):
        c = r.choice([-2.0, -0.5, 0.5, 1.0, 3.0])
        if op == "rdiv_scalar":
            x = p.pick(lambda i: p.value(i).numel() > 0 and bool((p.value(i).abs() > 0.1).all()))
            return None if x is None else ([x], {"c": c})
        return [p.pick(any_node)], {"c": c}
    if op in ("add", "sub", "mul", "minimum", "maximum", "eq", "ne", "lt", "le", "gt", "ge"):
        a = p.pick(any_node)
        return [a, broadcast_partner(p, a)], {}
    if op == "div":
        b = p.pick(lambda i: p.value(i).numel() > 0 and bool((p.value(i).abs() > 0.1).all()))
        if b is None:
            return None
        return [broadcast_partner(p, b), b], {}
    if op == "pow":
        a = positive(p, 0.1)
        return None if a is None else ([a, broadcast_partner(p, a)], {})
    if op == "where":
        m = p.pick(lambda i: p.nodes[i]["op"] in ("eq", "ne", "lt", "le", "gt", "ge"))
        if m is None:
            return None
        a = broadcast_partner(p, m)
        return [m, a, broadcast_partner(p, a)], {}
    if op in ("sum", "mean", "max", "min", "prod", "logsumexp"):
        x = p.pick(ranked(1))
        return None if x is None else ([x], axes_attrs(p, x))
    if op == "var":
        x = p.pick(lambda i: p.value(i).dim() >= 1 and p.value(i).numel() >= 2)
        if x is None:
            return None
        attrs = axes_attrs(p, x)
        n = math.prod(p.shape(x)[a] for a in attrs["axes"])
        attrs["ddof"] = r.choice([0, 1]) if n > 1 else 0
        return [x], attrs
    return propose_shape(p, op) or propose_nn(p, op)


def propose_shape(p, op):
    r = p.rng
    ranked = lambda lo: (lambda i: p.value(i).dim() >= lo and p.value(i).numel() > 0)
    if op == "reshape":
        x = p.pick(ranked(0))
        n, dims = p.value(x).numel(), []
        while n > 1:
            f = r.choice([d for d in range(2, n + 1) if n % d == 0])
            dims.append(f)
            n //= f
        r.shuffle(dims)
        return [x], {"shape": dims if dims or r.random() < 0.5 else [1]}
    if op == "broadcast_to":
        x = p.pick(ranked(0))
        s = [d if d != 1 else r.choice([1, 2, 3]) for d in p.shape(x)]
        return [x], {"shape": [r.choice([2, 3])] + s if len(s) < 4 else s}
    if op == "permute":
        x = p.pick(ranked(2))
        if x is None:
            return None
        axes = list(range(len(p.shape(x))))
        r.shuffle(axes)
        return [x], {"axes": axes}
    if op == "transpose":
        x = p.pick(ranked(2))
        if x is None:
            return None
        rank = len(p.shape(x))
        return [x], {"axis0": r.randrange(rank), "axis1": r.randrange(rank)}
    if op == "flatten":
        x = p.pick(ranked(1))
        return None if x is None else ([x], {"start_axis": r.choice([0, 1]) if len(p.shape(x)) > 1 else 0})
    if op == "squeeze":
        x = p.pick(lambda i: 1 in p.shape(i))
        return None if x is None else ([x], {"axis": p.shape(x).index(1)})
    if op == "unsqueeze":
        x = p.pick(lambda i: p.value(i).dim() < 4)
        return None if x is None else ([x], {"axis": r.randint(0, len(p.shape(x)))})
    if op in ("slice", "index_select", "gather", "split"):
        x = p.pick(ranked(1))
        if x is None:
            return None
        axis = r.randrange(len(p.shape(x)))
        n = p.shape(x)[axis]
        if op == "slice":
            start = r.randint(0, n - 1)
            return [x], {"axis": axis, "start": start, "stop": r.randint(start + 1, n), "step": r.choice([1, 1, 2])}
        if op == "index_select":
            return [x], {"axis": axis, "indices": [r.randrange(n) for _ in range(r.randint(1, 4))]}
        if op == "split":
            cut = r.randint(0, n)
            return [x], {"axis": axis, "sizes": [cut, n - cut], "piece": r.choice([0, 1]) if 0 < cut < n else
                         (1 if cut == 0 else 0)}
        shape = [r.randint(1, d) for d in p.shape(x)]
        shape[axis] = r.randint(1, 4)
        index = [r.randrange(n) for _ in range(math.prod(shape))]
        return [x], {"axis": axis, "index": index, "index_shape": shape}
    if op in ("concat", "stack"):
        x = p.pick(ranked(1))
        if x is None:
            return None
        same = [i for i in range(len(p.nodes)) if p.shape(i) == p.shape(x)]
        xs = [r.choice(same) for _ in range(r.randint(2, 3))]
        return xs, {"axis": r.randrange(len(p.shape(x)) + (op == "stack"))}
    if op == "pad":
        x = p.pick(ranked(1))
        if x is None:
            return None
        pads = [[r.randint(0, 2), r.randint(0, 1)] for _ in range(r.randint(1, len(p.shape(x))))]
        return [x], {"pads": pads, "value": r.choice([0.0, 1.5])}
    return None


def rows_like(p, cols=None):
    return p.pick(lambda i: p.value(i).dim() == 2 and p.value(i).numel() > 0 and
                  (cols is None or p.shape(i)[1] == cols))


def propose_nn(p, op):
    r = p.rng
    if op == "matmul":
        a = p.pick(lambda i: p.value(i).dim() >= 1 and p.value(i).numel() > 0)
        k = p.shape(a)[-1]
        b = p.pick(lambda i: p.value(i).dim() >= 1 and p.shape(i)[-2 if p.value(i).dim() > 1 else 0] == k and
                   is_matmul_ok(p.shape(a), p.shape(i)))
        return None if b is None else ([a, b], {})
    if op == "outer":
        a, b = p.pick(lambda i: p.value(i).dim() == 1), p.pick(lambda i: p.value(i).dim() == 1)
        return None if a is None or b is None else ([a, b], {})
    if op == "addmm":
        a = rows_like(p)
        b = a is not None and rows_like(p) and p.pick(lambda i: p.value(i).dim() == 2 and p.shape(i)[0] == p.shape(a)[1])
        if a is None or b is None or b is False:
            return None
        m, n = p.shape(a)[0], p.shape(b)[1]
        c = p.pick(lambda i: p.shape(i) in ([m, n], [n]))
        return None if c is None else ([c, a, b], {})
    if op in ("softmax", "log_softmax"):
        x = p.pick(lambda i: p.value(i).dim() >= 1 and p.value(i).numel() > 0)
        return [x], {"axis": r.randrange(-len(p.shape(x)), len(p.shape(x)))}
    if op == "cross_entropy":
        x = rows_like(p)
        t = x is not None and p.pick(lambda i: p.shape(i) == p.shape(x))
        return None if x is None else ([x, t], {})
    if op == "cross_entropy_labels":
        x = rows_like(p)
        return None if x is None else ([x], {"labels": [r.randrange(p.shape(x)[1]) for _ in range(p.shape(x)[0])]})
    if op == "lstm_cell_state":
        z = p.pick(lambda i: p.value(i).dim() == 2 and p.value(i).numel() > 0)
        same = [i for i in range(len(p.nodes)) if p.shape(i) == p.shape(z)]
        return [r.choice(same) for _ in range(4)], {}
    if op == "lstm_cell_output":
        z = p.pick(lambda i: p.value(i).dim() == 2 and p.value(i).numel() > 0)
        same = [i for i in range(len(p.nodes)) if p.shape(i) == p.shape(z)]
        return [r.choice(same) for _ in range(2)], {}
    if op in ("conv2d", "conv2d_bias"):
        x = p.pick(lambda i: p.value(i).dim() == 4 and p.value(i).numel() > 0)
        if x is None:
            return None
        w = p.pick(lambda i: p.value(i).dim() == 4 and p.shape(i)[2] == p.shape(x)[3] and
                   p.shape(i)[0] <= p.shape(x)[1] and p.shape(i)[1] <= p.shape(x)[2])
        if w is None:
            return None
        attrs = {"strides": [r.choice([1, 2]), r.choice([1, 2])], "dilation": [1, 1],
                 "padding": r.choice(["valid", "same"])}
        if r.random() < 0.3 and attrs["strides"] == [1, 1] and p.shape(w)[0] * 2 - 1 <= p.shape(x)[1] and \
                p.shape(w)[1] * 2 - 1 <= p.shape(x)[2]:
            attrs["dilation"] = [2, 2]
        if op == "conv2d":
            return [x, w], attrs
        b = p.pick(lambda i: p.shape(i) == [p.shape(w)[3]])
        return None if b is None else ([x, w, b], attrs)
    if op in ("max_pool2d", "avg_pool2d"):
        x = p.pick(lambda i: p.value(i).dim() == 4 and min(p.shape(i)[1:3]) >= 2)
        if x is None:
            return None
        pool = [r.choice([1, 2]), r.choice([2, 3])]
        pool = [min(pool[0], p.shape(x)[1]), min(pool[1], p.shape(x)[2])]
        return [x], {"pool": pool, "strides": r.choice([[0, 0], [1, 1], [2, 1]]),
                     "padding": r.choice(["valid", "same"])}
    return None


def is_matmul_ok(sa, sb):
    if len(sa) == 1 or len(sb) == 1:
        return len(sa) <= 2 and len(sb) <= 2
    try:
        torch.broadcast_shapes(tuple(sa[:-2]), tuple(sb[:-2]))
        return True
    except RuntimeError:
        return False


# ---- fragility: an argument within NEAR of a kink, but not on it ----

def near(a, b):
    d = (a - b).abs()
    return bool(((d > 0) & (d < NEAR * (1 + a.abs()))).any())


def fragile(op, xs, attrs):
    if op == "softplus":  # torch returns x itself above 20, a last-bit approximation that Wengert does not make
        return bool((xs[0] > 15).any())
    if op in ("relu", "abs", "sign", "leaky_relu", "elu"):
        return near(xs[0], torch.zeros_like(xs[0]))
    if op == "clamp":
        return near(xs[0], torch.full_like(xs[0], attrs["lo"])) or near(xs[0], torch.full_like(xs[0], attrs["hi"]))
    if op in ("minimum", "maximum", "eq", "ne", "lt", "le", "gt", "ge"):
        a, b = torch.broadcast_tensors(xs[0], xs[1])
        return near(a, b)
    if op in ("max", "min", "max_pool2d"):  # ties within a group: any two values too close
        v = xs[0].flatten().sort().values
        return near(v[1:], v[:-1]) if v.numel() > 1 else False
    return False


OPS = sorted(list(REF) + list(VARIADIC))
# Ops whose operands are rare (rank 4, a mask, matching matrices) are proposed more often.
DRAW = OPS + ["conv2d", "conv2d_bias", "max_pool2d", "avg_pool2d", "addmm", "where", "cross_entropy"] * 3


def make_inputs(p):
    r = p.rng
    kind = r.choice(["elementwise", "matrix", "nn", "conv"])
    if kind == "conv":
        n, h, w, c = r.randint(1, 2), r.randint(3, 5), r.randint(3, 5), r.randint(1, 2)
        shapes = [[n, h, w, c], [r.randint(1, 3), r.randint(1, 3), c, r.randint(1, 2)]]
        shapes.append([shapes[1][3]])
    elif kind == "matrix":
        m, k, n = r.randint(1, 3), r.randint(1, 4), r.randint(1, 3)
        shapes = [[m, k], [k, n], [n], [k]]
    elif kind == "nn":
        b, c = r.randint(1, 3), r.randint(2, 4)
        shapes = [[b, c], [b, c], [b, c]]
    else:
        base = [r.randint(1, 3) for _ in range(r.randint(1, 3))]
        shapes = [base, [d if r.random() < 0.6 else 1 for d in base][r.randint(0, len(base)):], []]
    for s in shapes:
        if r.random() < 0.5:
            vals = [r.choice(KINK_SET) for _ in range(math.prod(s))]
            value = torch.tensor(vals, dtype=DT).reshape(s)
        else:
            g = torch.Generator().manual_seed(r.randrange(2 ** 31))
            value = torch.randn(s, dtype=DT, generator=g)
        p.nodes.append({"op": "input", "args": [], "attrs": {}, "value": value})


def sane(t):
    return bool(torch.isfinite(t).all()) and (t.numel() == 0 or float(t.abs().max()) < 1e6)


def generate(seed, length):
    p = Program(random.Random(seed))
    make_inputs(p)
    tries = 0
    while len(p.nodes) < length + 3 and tries < 400:
        tries += 1
        op = p.rng.choice(DRAW)
        try:  # an operand the program cannot supply shows up as a None somewhere in the proposal
            proposal = propose(p, op)
        except (TypeError, IndexError, ValueError):
            continue
        if proposal is None or any(a is None or a is False for a in proposal[0]):
            continue
        args, attrs = proposal
        xs = [p.value(a) for a in args]
        if fragile(op, xs, attrs):
            continue
        try:
            value = evaluate(op, xs, attrs)
        except (RuntimeError, IndexError, ValueError):
            continue
        if sane(value):
            p.nodes.append({"op": op, "args": args, "attrs": attrs, "value": value})
    return p


def derivatives(p, rng):
    """Recomputes the program on leaves and returns (weights, grads, directions, hvps) as lists."""
    n_in = sum(1 for n in p.nodes if n["op"] == "input")
    leaves = [p.nodes[i]["value"].clone().requires_grad_(True) for i in range(n_in)]
    vals = list(leaves)
    for node in p.nodes[n_in:]:
        vals.append(evaluate(node["op"], [vals[a] for a in node["args"]], node["attrs"]))
    g = torch.Generator().manual_seed(rng.randrange(2 ** 31))
    weights = [torch.randn(v.shape, dtype=DT, generator=g) for v in vals]
    loss = sum((v * w).sum() for v, w in zip(vals, weights) if v.requires_grad)
    grads = torch.autograd.grad(loss, leaves, create_graph=True, allow_unused=True)
    grads = [gr if gr is not None else torch.zeros_like(x) for gr, x in zip(grads, leaves)]
    dirs = [torch.randn(x.shape, dtype=DT, generator=g) for x in leaves]
    s = sum((gr * d).sum() for gr, d in zip(grads, dirs) if gr.requires_grad)
    if isinstance(s, torch.Tensor) and s.requires_grad:
        hvps = torch.autograd.grad(s, leaves, allow_unused=True)
        hvps = [h if h is not None else torch.zeros_like(x) for h, x in zip(hvps, leaves)]
    else:
        hvps = [torch.zeros_like(x) for x in leaves]
    return weights, grads, dirs, hvps


def flat(t):
    return [float(v) for v in t.detach().clone(memory_format=torch.contiguous_format).reshape(-1).tolist()]


def record(seed, length):
    p = generate(seed, length)
    weights, grads, dirs, hvps = derivatives(p, random.Random(seed + 1))
    if not all(sane(t) for t in grads + hvps):
        return None
    nodes = [{"op": n["op"], "args": n["args"], "attrs": n["attrs"], "shape": list(n["value"].shape),
              "value": flat(n["value"]), "weight": flat(w)} for n, w in zip(p.nodes, weights)]
    return {"seed": seed, "nodes": nodes, "grads": [flat(t) for t in grads], "directions": [flat(t) for t in dirs],
            "hvps": [flat(t) for t in hvps]}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", type=int, default=300, help="how many programs")
    ap.add_argument("--first", type=int, default=0, help="the first seed")
    ap.add_argument("--length", type=int, default=10, help="ops per program")
    ap.add_argument("--out", default="tests/golden/torch_diff.json")
    args = ap.parse_args()
    torch.set_default_dtype(DT)
    programs, seen = [], set()
    for seed in range(args.first, args.first + args.seeds):
        prog = record(seed, args.length)
        if prog is not None:
            programs.append(prog)
            seen.update(n["op"] for n in prog["nodes"])
    missing = sorted(set(OPS) - seen)
    with open(args.out, "w") as f:
        json.dump({"torch": torch.__version__, "ops": OPS, "programs": programs}, f, separators=(",", ":"))
    print(f"{len(programs)} programs, {sum(len(q['nodes']) for q in programs)} nodes -> {args.out}"
          + (f"; ops never drawn: {missing}" if missing else ""))


if __name__ == "__main__":
    main()
