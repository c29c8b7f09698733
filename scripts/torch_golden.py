#!/usr/bin/python3
"""PyTorch golden files for tests/nn/parity_test.cpp, and the reverse check.

  /usr/bin/python3 scripts/torch_golden.py                 # writes tests/golden/{mlp,cnn,lstm}.safetensors
  /usr/bin/python3 scripts/torch_golden.py --check-wengert-weights W.safetensors --model mlp

Reduced-width versions of the three reference models (examples/mnist_*.cpp), same layer kinds:
  mlp:  Dense(32) sigmoid, Dense(32) sigmoid, Dense(10) softmax on [784]; mse
  cnn:  Conv2D(10, 3x3, same) relu, MaxPool 2, Conv2D(10, 3x3, same) relu, MaxPool 2, Flatten (NHWC order),
        Dense(16) relu, Dense(10) softmax on [28, 28, 1]; categorical cross-entropy
  lstm: LSTM(8) on [28, 28], Dense(10) softmax; categorical cross-entropy
Parameters are leaves in Keras layout under Wengert's names; the forward pass maps them onto torch's own
ops (F.linear, F.conv2d on NCHW, torch.nn.LSTM), so the layouts themselves are under test. Weights and
data are float32; everything torch computes is float64 from those values (stored as F64), so the golden
numbers carry no float32 rounding of their own and a test's tolerance is Wengert's error alone.

Each file holds the weights, "input" [4, ...], "target" [4, 10], "output", "loss" (scalar),
"grad/<param>", the training set "train/x" [32, ...], "train/y", and "curve/<optimizer>" [50]: the loss
of each of 50 steps (before that step's update) from the same initial weights, batch s % 4 of size 8 at
step s, no shuffling, for SGD(0.1), Adadelta(1.0, rho 0.95, eps 1e-7) and Adam(1e-3, eps 1e-7), written
by hand with the formulas of nn/optimizers/*.cpp (Keras').
"""
import argparse
import json
import math
import os
import struct
import sys

import torch
import torch.nn.functional as F

DTYPES = {"F32": torch.float32, "F64": torch.float64}
NAMES = {v: k for k, v in DTYPES.items()}
STEPS, TRAIN_N, BATCH, GOLDEN_N = 50, 32, 8, 4


def save_safetensors(path, tensors, metadata=None):
    """Writes {name: tensor} (F32/F64) as safetensors, in insertion order."""
    header, blobs, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = metadata
    for name, t in tensors.items():
        data = t.detach().contiguous().numpy().tobytes()  # little-endian hosts
        header[name] = {"dtype": NAMES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def load_safetensors(path):
    """{name: tensor} and the metadata of a safetensors file."""
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
        data = f.read()
    metadata = header.pop("__metadata__", {})
    out = {}
    for name, e in header.items():
        begin, end = e["data_offsets"]
        t = torch.frombuffer(bytearray(data[begin:end]), dtype=DTYPES[e["dtype"]]) if end > begin else \
            torch.zeros(0, dtype=DTYPES[e["dtype"]])
        out[name] = t.reshape(e["shape"])
    return out, metadata


# ---- the models: Keras-layout parameters, torch ops ----

def dense(p, name, x):
    return F.linear(x, p[name + ".kernel"].t(), p[name + ".bias"])  # kernel [in, out] = Linear.weight.t()


def conv_same(p, name, x_nhwc):
    w = p[name + ".kernel"].permute(3, 2, 0, 1)  # [kh, kw, cin, cout] → [cout, cin, kh, kw]
    y = F.conv2d(x_nhwc.permute(0, 3, 1, 2), w, p[name + ".bias"], padding=1)
    return y.permute(0, 2, 3, 1)


def maxpool(x_nhwc):
    return F.max_pool2d(x_nhwc.permute(0, 3, 1, 2), 2).permute(0, 2, 3, 1)


def lstm(p, name, x):
    units = p[name + ".recurrent_kernel"].shape[0]
    # Keras stacks gates i, f, c, o; torch i, f, g, o: the same order, transposed; one bias (bias_hh = 0).
    # torch._VF.lstm is what torch.nn.LSTM.forward runs, given the weights as a list.
    weights = [p[name + ".kernel"].t(), p[name + ".recurrent_kernel"].t(), p[name + ".bias"],
               torch.zeros_like(p[name + ".bias"])]
    h0 = torch.zeros(1, x.shape[0], units, dtype=x.dtype)
    out, _, _ = torch._VF.lstm(x, (h0, h0), weights, True, 1, 0.0, False, False, True)
    return out[:, -1, :]


def mlp_forward(p, x):
    h = torch.sigmoid(dense(p, "dense_1", x))
    h = torch.sigmoid(dense(p, "dense_2", h))
    return torch.softmax(dense(p, "dense_3", h), -1)


def cnn_forward(p, x):
    h = maxpool(torch.relu(conv_same(p, "conv2d_1", x)))
    h = maxpool(torch.relu(conv_same(p, "conv2d_2", h)))
    h = h.reshape(h.shape[0], -1)  # NHWC order, as Keras' Flatten
    h = torch.relu(dense(p, "dense_1", h))
    return torch.softmax(dense(p, "dense_2", h), -1)


def lstm_forward(p, x):
    return torch.softmax(dense(p, "dense_1", lstm(p, "lstm_1", x)), -1)


def mse(y, p):
    return ((p - y) ** 2).mean()


def categorical_crossentropy(y, p):
    p = (p / p.sum(-1, keepdim=True)).clamp(1e-7, 1 - 1e-7)  # Keras: rescale, clip
    return -(y * torch.log(p)).sum(-1).mean()


def glorot(shape, fan_in, fan_out, gen):
    limit = math.sqrt(6.0 / (fan_in + fan_out))
    return (torch.rand(shape, generator=gen) * 2 - 1) * limit


def small(shape, gen):
    return (torch.rand(shape, generator=gen) * 2 - 1) * 0.1  # nonzero biases, so their layout is tested


def mlp_params(gen):
    p = {}
    for name, (i, o) in {"dense_1": (784, 32), "dense_2": (32, 32), "dense_3": (32, 10)}.items():
        p[name + ".kernel"], p[name + ".bias"] = glorot([i, o], i, o, gen), small([o], gen)
    return p


def cnn_params(gen):
    p = {}
    for name, (cin, cout) in {"conv2d_1": (1, 10), "conv2d_2": (10, 10)}.items():
        p[name + ".kernel"], p[name + ".bias"] = glorot([3, 3, cin, cout], 9 * cin, 9 * cout, gen), small([cout], gen)
    for name, (i, o) in {"dense_1": (7 * 7 * 10, 16), "dense_2": (16, 10)}.items():
        p[name + ".kernel"], p[name + ".bias"] = glorot([i, o], i, o, gen), small([o], gen)
    return p


def lstm_params(gen):
    u = 8
    p = {"lstm_1.kernel": glorot([28, 4 * u], 28, 4 * u, gen),
         "lstm_1.recurrent_kernel": glorot([u, 4 * u], u, 4 * u, gen),
         "lstm_1.bias": small([4 * u], gen)}
    p["dense_1.kernel"], p["dense_1.bias"] = glorot([u, 10], u, 10, gen), small([10], gen)
    return p


MODELS = {  # name → (params, forward, loss, per-sample input shape, seed)
    "mlp": (mlp_params, mlp_forward, mse, [784], 1),
    "cnn": (cnn_params, cnn_forward, categorical_crossentropy, [28, 28, 1], 2),
    "lstm": (lstm_params, lstm_forward, categorical_crossentropy, [28, 28], 3),
}


# ---- the optimizers (nn/optimizers/*.cpp), in place on {name: tensor} ----

def sgd(lr=0.1):
    def step(p, g, state, t):
        p -= lr * g
    return step


def adadelta(lr=1.0, rho=0.95, eps=1e-7):
    def step(p, g, state, t):
        a = state.setdefault("accumulated_grad", torch.zeros_like(p))
        d = state.setdefault("accumulated_delta", torch.zeros_like(p))
        a.copy_(rho * a + (1 - rho) * g * g)
        delta = torch.sqrt(d + eps) / torch.sqrt(a + eps) * g
        d.copy_(rho * d + (1 - rho) * delta * delta)
        p -= lr * delta
    return step


def adam(lr=1e-3, beta_1=0.9, beta_2=0.999, eps=1e-7):
    def step(p, g, state, t):  # t: 0-based step
        m = state.setdefault("m", torch.zeros_like(p))
        v = state.setdefault("v", torch.zeros_like(p))
        alpha = lr * math.sqrt(1 - beta_2 ** (t + 1)) / (1 - beta_1 ** (t + 1))
        m += (g - m) * (1 - beta_1)
        v += (g * g - v) * (1 - beta_2)
        p -= alpha * m / (torch.sqrt(v) + eps)
    return step


OPTIMIZERS = {"sgd": sgd, "adadelta": adadelta, "adam": adam}


def loss_and_grads(forward, loss, params, x, y):
    leaves = {k: v.clone().requires_grad_(True) for k, v in params.items()}
    out = forward(leaves, x)
    value = loss(y, out)
    grads = torch.autograd.grad(value, list(leaves.values()))
    return out.detach(), value.detach(), dict(zip(leaves, grads))


def curve(forward, loss, params, x, y, step):
    p = {k: v.clone() for k, v in params.items()}
    states = {k: {} for k in p}
    losses = []
    for t in range(STEPS):
        rows = slice((t % (TRAIN_N // BATCH)) * BATCH, (t % (TRAIN_N // BATCH) + 1) * BATCH)
        _, value, grads = loss_and_grads(forward, loss, p, x[rows], y[rows])
        losses.append(value.item())
        with torch.no_grad():
            for k in p:
                step(p[k], grads[k], states[k], t)
    return torch.tensor(losses, dtype=torch.float64)


def one_hot(n, gen):
    return F.one_hot(torch.randint(0, 10, [n], generator=gen), 10).to(torch.float32)


def golden(model):
    make, forward, loss, shape, seed = MODELS[model]
    gen = torch.Generator().manual_seed(seed)
    params = make(gen)
    x, y = torch.rand([GOLDEN_N] + shape, generator=gen), one_hot(GOLDEN_N, gen)
    train_x, train_y = torch.rand([TRAIN_N] + shape, generator=gen), one_hot(TRAIN_N, gen)
    p64 = {k: v.double() for k, v in params.items()}
    out, value, grads = loss_and_grads(forward, loss, p64, x.double(), y.double())
    tensors = dict(params)
    tensors.update({"input": x, "target": y, "output": out, "loss": value, "train/x": train_x, "train/y": train_y})
    tensors.update({"grad/" + k: g for k, g in grads.items()})
    for name, opt in OPTIMIZERS.items():
        tensors["curve/" + name] = curve(forward, loss, p64, train_x.double(), train_y.double(), opt())
    return tensors


def check_wengert_weights(path, model, golden_path, predictions):
    """Builds the torch model from Wengert's weights file and compares its outputs on the golden input."""
    _, forward, _, _, _ = MODELS[model]
    weights, metadata = load_safetensors(path)
    gold, _ = load_safetensors(golden_path)
    expected_names = {k for k in gold if "/" not in k and k not in ("input", "target", "output", "loss")}
    if set(weights) != expected_names:
        sys.exit(f"{path}: names differ from the golden model's: {sorted(set(weights) ^ expected_names)}")
    with torch.no_grad():
        out = forward({k: v.double() for k, v in weights.items()}, gold["input"].double())
    if predictions is None:
        sidecar = path[: -len(".safetensors")] + ".predictions.safetensors"
        predictions = sidecar if os.path.exists(sidecar) else None
    expected = load_safetensors(predictions)[0]["output"] if predictions else gold["output"]
    err = ((out - expected.double()).abs() / (expected.double().abs() + 1e-6)).max().item()
    print(f"{model}: torch {torch.__version__} on {path} ({metadata.get('format', 'no format')}) vs "
          f"{predictions or golden_path + ' output'}: max relative difference {err:.3g}")
    if err > 1e-5:
        sys.exit(f"{model}: outputs differ by {err:.3g} (> 1e-5)")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="tests/golden", help="folder for <model>.safetensors")
    ap.add_argument("--model", choices=sorted(MODELS), action="append", help="default: all")
    ap.add_argument("--check-wengert-weights", metavar="PATH", help="a weights file written by save_weights")
    ap.add_argument("--predictions", metavar="PATH", help="safetensors with 'output' (default: PATH's "
                    "<stem>.predictions.safetensors if present, else the golden file's 'output')")
    args = ap.parse_args()
    models = args.model or sorted(MODELS)
    torch.set_num_threads(1)
    if args.check_wengert_weights:
        if len(models) != 1:
            sys.exit("--check-wengert-weights needs one --model")
        for m in models:
            check_wengert_weights(args.check_wengert_weights, m, os.path.join(args.out, m + ".safetensors"),
                                  args.predictions)
        return
    os.makedirs(args.out, exist_ok=True)
    for m in models:
        path = os.path.join(args.out, m + ".safetensors")
        save_safetensors(path, golden(m), {"format": "wengert.golden", "torch": torch.__version__,
                                           "script": "scripts/torch_golden.py"})
        print(f"{path}: {os.path.getsize(path)} bytes")


if __name__ == "__main__":
    main()
