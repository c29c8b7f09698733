"""PyTorch's side of bench/train_bench.cpp: the same four MNIST models, init, loss,
optimizer and loop (shuffled gather, forward, loss, backward, step, loss.item()),
timed the same way. Thread settings come from the environment, which the caller
sets before this process imports torch; --threads N calls torch.set_num_threads(N)
(0 leaves torch's default). Run with Debian's /usr/bin/python3 (python3-torch).

  torch_models.py [--train-batches 32,128] [--infer-batches 128,1] [--threads N]
                  [--steps N] [--repeats R] [--json PATH|-] [--data DIR]
"""
import argparse
import functools
import json
import os
import statistics
import sys
import time

import numpy as np
import torch
from torch import nn
import torch.nn.functional as F

EPS = 1e-7  # Keras' backend epsilon, as nn/losses/functions.cpp


def load_split(data_dir, prefix):
    with open(os.path.join(data_dir, f"{prefix}-images-idx3-ubyte"), "rb") as f:
        images = np.frombuffer(f.read(), dtype=np.uint8, offset=16)
    with open(os.path.join(data_dir, f"{prefix}-labels-idx1-ubyte"), "rb") as f:
        labels = np.frombuffer(f.read(), dtype=np.uint8, offset=8)
    x = torch.from_numpy(images.astype(np.float32) / 255.0).reshape(-1, 28, 28)
    y = F.one_hot(torch.from_numpy(labels.astype(np.int64)), 10).float()
    return x, y


def per_sample(name, x):
    """MLP [n,784]; CNN [n,1,28,28] (NCHW: PyTorch's layout); LSTM and Transformer [n,28,28]."""
    if name == "mlp":
        return x.reshape(-1, 784).contiguous()
    if name == "cnn":
        return x.reshape(-1, 1, 28, 28).contiguous()
    return x.contiguous()


def keras_init(module):
    """glorot_uniform kernels, zero biases, orthogonal recurrent kernels, forget-gate bias 1."""
    for name, p in module.named_parameters():
        if "weight_hh" in name:
            nn.init.orthogonal_(p)
        elif "weight" in name:
            nn.init.xavier_uniform_(p)
        else:
            nn.init.zeros_(p)
    for m in module.modules():
        if isinstance(m, nn.LSTM):
            with torch.no_grad():
                m.bias_ih_l0[m.hidden_size:2 * m.hidden_size].fill_(1.0)


class LstmClassifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(28, 128, batch_first=True)
        self.dense = nn.Linear(128, 10)

    def forward(self, x):
        _, (h, _) = self.lstm(x)
        return F.softmax(self.dense(h[-1]), dim=-1)


class TransformerClassifier(nn.Module):
    """examples/transformer_model.hpp: rows as 28 tokens → Linear(64) + a learned position embedding → 2 pre-norm
    encoder blocks → LayerNorm → mean over tokens → Linear(10) → softmax. Keras' LayerNormalization epsilon (1e-3)
    and its tanh-approximate gelu (nn/layers/activation.cpp), so both sides compute the same function."""

    def __init__(self, dim=64, heads=4, mlp=128, blocks=2):
        super().__init__()
        self.embed = nn.Linear(28, dim)
        self.position = nn.Parameter(torch.empty(28, dim))
        gelu = functools.partial(F.gelu, approximate="tanh")
        layer = functools.partial(nn.TransformerEncoderLayer, dim, heads, dim_feedforward=mlp, dropout=0.0,
                                  activation=gelu, layer_norm_eps=1e-3, batch_first=True, norm_first=True)
        self.blocks = nn.ModuleList(layer() for _ in range(blocks))
        self.norm = nn.LayerNorm(dim, eps=1e-3)
        self.dense = nn.Linear(dim, 10)

    def forward(self, x):
        x = self.embed(x) + self.position
        for block in self.blocks:
            x = block(x)
        return F.softmax(self.dense(self.norm(x).mean(1)), dim=-1)


def transformer_init(module):
    """Keras' defaults: glorot_uniform kernels (the attention's in_proj/out_proj and the position embedding too),
    zero biases, LayerNorm gamma 1 and beta 0."""
    for m in module.modules():
        if isinstance(m, nn.LayerNorm):
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)
    for name, p in module.named_parameters():
        if "norm" in name:
            continue
        (nn.init.xavier_uniform_ if p.dim() == 2 else nn.init.zeros_)(p)


def keras_categorical_crossentropy(y, p):
    p = (p / p.sum(-1, keepdim=True)).clamp(EPS, 1.0 - EPS)
    return -(y * torch.log(p)).sum(-1).mean()


def make_model(name):
    """(model, loss, optimizer) as train_bench.cpp's make_model."""
    if name == "mlp":
        model = nn.Sequential(nn.Linear(784, 500), nn.Sigmoid(), nn.Linear(500, 500), nn.Sigmoid(),
                              nn.Linear(500, 10), nn.Softmax(dim=-1))
        keras_init(model)
        return model, lambda y, p: F.mse_loss(p, y), torch.optim.SGD(model.parameters(), lr=0.1)
    if name == "cnn":
        model = nn.Sequential(nn.Conv2d(1, 10, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                              nn.Conv2d(10, 10, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                              nn.Linear(490, 200), nn.ReLU(), nn.Linear(200, 10), nn.Softmax(dim=-1))
        keras_init(model)
        opt = torch.optim.Adadelta(model.parameters(), lr=1.0, rho=0.95, eps=1e-7)
        return model, keras_categorical_crossentropy, opt
    if name == "transformer":
        model = TransformerClassifier()
        transformer_init(model)
        return model, keras_categorical_crossentropy, torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    model = LstmClassifier()
    keras_init(model)
    return model, keras_categorical_crossentropy, torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)


def fit(model, loss_fn, opt, x, y, batch, gen):
    """One epoch over x, y in shuffled batches: Keras' fit loop, as nn/training/fit.cpp."""
    order = torch.randperm(x.shape[0], generator=gen)
    for begin in range(0, x.shape[0], batch):
        rows = order[begin:begin + batch]
        xb, yb = x[rows], y[rows]
        opt.zero_grad()
        loss = loss_fn(yb, model(xb))
        loss.backward()
        opt.step()
        loss.item()


def train_rate(name, data, batch, steps, repeats):
    x = per_sample(name, data["train"][0][:steps * batch])
    y = data["train"][1][:steps * batch]
    torch.manual_seed(0)
    model, loss_fn, opt = make_model(name)
    model.train()
    gen = torch.Generator().manual_seed(0)
    fit(model, loss_fn, opt, x, y, batch, gen)  # warm up: one whole untimed pass, as train_bench does
    rates = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fit(model, loss_fn, opt, x, y, batch, gen)
        rates.append(x.shape[0] / (time.perf_counter() - t0))
    return statistics.median(rates)


def predict(model, x, batch):
    with torch.inference_mode():
        return torch.cat([model(x[i:i + batch]) for i in range(0, x.shape[0], batch)])


def infer_value(name, data, batch, steps, repeats):
    """batch > 1: samples/s over `steps` batches; batch 1: µs per single-sample predict."""
    n = 1 if batch == 1 else steps * batch
    x = per_sample(name, data["test"][0][:n])
    torch.manual_seed(0)
    model, _, _ = make_model(name)
    model.eval()
    predict(model, x, batch)
    calls = max(steps, 1) * 4 if batch == 1 else 1
    values = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(calls):
            predict(model, x, batch)
        s = time.perf_counter() - t0
        values.append(s / calls * 1e6 if batch == 1 else n / s)
    return statistics.median(values)


def batch_list(text):
    return [int(b) for b in text.split(",") if b]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default="all")
    ap.add_argument("--train-batches", default="32,128")
    ap.add_argument("--infer-batches", default="128,1")
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--row-threads", type=int, default=None, help="threads column of the rows (default: --threads)")
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--json", default="")
    ap.add_argument("--data", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data", "mnist"))
    args = ap.parse_args()
    if args.threads > 0:
        torch.set_num_threads(args.threads)
    data = {"train": load_split(args.data, "train"), "test": load_split(args.data, "t10k")}
    names = ["mlp", "cnn", "lstm", "transformer"] if args.model == "all" else [args.model]
    threads = args.row_threads if args.row_threads is not None else args.threads
    rows = []
    for batch in batch_list(args.train_batches):
        for name in names:
            if name == "transformer" and batch != 128:  # the row: training at batch 128 only
                continue
            rows.append({"workload": f"train/{name}/b{batch}", "threads": threads, "batch": batch,
                         "value": train_rate(name, data, batch, args.steps, args.repeats), "unit": "samples/s"})
    for batch in batch_list(args.infer_batches):
        for name in names:
            if name == "transformer":
                continue
            rows.append({"workload": f"infer/{name}/b{batch}", "threads": threads, "batch": batch,
                         "value": infer_value(name, data, batch, args.steps, args.repeats),
                         "unit": "us" if batch == 1 else "samples/s"})
    info = {"aten_threads": torch.get_num_threads()}
    for r in rows:
        r.update(info)
    if args.json == "-":
        print(json.dumps(rows))
    else:
        for r in rows:
            print(f"{r['workload']:<28} {r['threads']:>3} {r['batch']:>5} {r['value']:>14.3f} {r['unit']}")
        if args.json:
            with open(args.json, "w") as f:
                json.dump(rows, f, indent=2)


if __name__ == "__main__":
    sys.exit(main())
