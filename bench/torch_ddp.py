"""PyTorch's side of `dist_bench train`: the same three models (bench/torch_models.py) trained with
DistributedDataParallel over the gloo backend, RANKS processes x THREADS threads, global batch 128
(each rank 128/RANKS rows), synthetic data, a warm-up pass then the median of 3 passes of STEPS steps.
Prints one JSON line on rank 0, as dist_bench does. Run with Debian's /usr/bin/python3 (python3-torch).

  torch_ddp.py MODEL RANKS THREADS STEPS
"""
import json
import os
import socket
import statistics
import sys
import time

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from torch.nn.parallel import DistributedDataParallel

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_models  # noqa: E402

GLOBAL_BATCH = 128


def one_pass(model, loss_fn, opt, x, y, local, gen):
    """A shuffled pass as fit does it: every rank draws the same permutation and takes its shard of each
    global batch."""
    order = torch.randperm(x.shape[0], generator=gen)
    rank = dist.get_rank()
    for begin in range(0, x.shape[0], GLOBAL_BATCH):
        rows = order[begin + rank * local:begin + (rank + 1) * local]
        opt.zero_grad()
        loss = loss_fn(y[rows], model(x[rows]))
        loss.backward()
        opt.step()
        loss.item()


def worker(rank, ranks, threads, name, steps, port, out):
    torch.set_num_threads(threads)
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=ranks)
    n = steps * GLOBAL_BATCH
    gen = torch.Generator().manual_seed(1)
    x = torch_models.per_sample(name, torch.rand(n, 28, 28, generator=gen))
    y = torch.nn.functional.one_hot(torch.arange(n) % 10, 10).float()
    torch.manual_seed(0)
    model, loss_fn, opt = torch_models.make_model(name)
    ddp = DistributedDataParallel(model)  # the same parameter tensors: the optimizer needs no change
    local = GLOBAL_BATCH // ranks
    one_pass(ddp, loss_fn, opt, x, y, local, torch.Generator().manual_seed(0))  # warm-up
    rates = []
    for r in range(3):
        dist.barrier()
        t0 = time.perf_counter()
        one_pass(ddp, loss_fn, opt, x, y, local, torch.Generator().manual_seed(r + 1))
        rates.append(n / (time.perf_counter() - t0))
    if rank == 0:
        rate = statistics.median(rates)
        out.put({"bench": "train", "peer": "torch_ddp_gloo", "model": name, "ranks": ranks, "threads": threads,
                 "samples_per_s": round(rate, 1), "step_ms": round(1e3 * GLOBAL_BATCH / rate, 3)})
    dist.destroy_process_group()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    name, ranks, threads, steps = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    ctx = mp.get_context("spawn")
    out = ctx.Queue()
    port = free_port()
    procs = [ctx.Process(target=worker, args=(r, ranks, threads, name, steps, port, out)) for r in range(ranks)]
    for p in procs:
        p.start()
    result = out.get(timeout=600)
    for p in procs:
        p.join()
        if p.exitcode != 0:
            sys.exit(f"torch_ddp: rank exited with {p.exitcode}")
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
