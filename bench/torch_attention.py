#!/usr/bin/python3
"""torch.nn.MultiheadAttention forward + backward on the shapes of bench/attention_bench.cpp (float32).

  /usr/bin/python3 bench/torch_attention.py --threads 2 --batch 128
"""
import argparse
import time

import torch

p = argparse.ArgumentParser()
for name, default in (("batch", 128), ("tokens", 28), ("dim", 64), ("heads", 4), ("threads", 2), ("reps", 50)):
    p.add_argument(f"--{name}", type=int, default=default)
a = p.parse_args()
torch.set_num_threads(a.threads)
mha = torch.nn.MultiheadAttention(a.dim, a.heads, batch_first=True)
x0 = torch.randn(a.batch, a.tokens, a.dim)
g = torch.randn(a.batch, a.tokens, a.dim)
times = []
for rep in range(a.reps + 5):
    t0 = time.perf_counter()
    x = x0.clone().requires_grad_()
    out, _ = mha(x, x, x, need_weights=False)
    (out * g).sum().backward()
    if rep >= 5:
        times.append(time.perf_counter() - t0)
times.sort()
print(f"torch MultiheadAttention fwd+bwd [{a.batch}, {a.tokens}, {a.dim}] heads {a.heads} threads {a.threads}: "
      f"{1e3 * times[len(times) // 2]:.3f} ms median, {1e3 * times[0]:.3f} ms min of {len(times)}")
