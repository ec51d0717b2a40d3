#!/usr/bin/env python3
"""Data-parallel MNIST epochs, same run: nn under mpirun vs PyTorch DDP (gloo) under torchrun.

Workload: 784-256-128-10 ReLU MLP, softmax cross-entropy, plain SGD lr 0.1, f32, pixels / 255,
shuffled each epoch, GLOBAL batch B split evenly over the processes. Rows:

* nn-np1-t2: `nn --threads 2 train` (one process, 2 threads), no launcher;
* nn-np2-t1: `mpirun -np 2 nn --threads 1 train` (2 processes of 1 thread);
* nn-np2-t1-det: the same with `--deterministic-reduce` (16 shards, exact integer sums);
* torch-ddp-np2: `torchrun --nproc_per_node 2`, DistributedDataParallel over gloo, one thread
  per rank, each rank a contiguous half of every global batch.

nn's figure is its model file's `seconds_per_epoch` (the training loop, no validation:
--val-split 0); torch's is the median wall time of its epochs after the first. Needs
`cargo build --release -p nn-cli --features mpi` first.

    python benches/compare/ddp.py --epochs 3 --batch 512,128
"""

import argparse
import gzip
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NN = ROOT / "target" / "release" / "nn"
MPI_ENV = {
    "OMPI_ALLOW_RUN_AS_ROOT": "1",
    "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1",
    "OMPI_MCA_btl_vader_single_copy_mechanism": "none",
    "OMPI_MCA_mpi_yield_when_idle": "1",
}


def nn_epoch(np, threads, batch, epochs, extra=()):
    with tempfile.TemporaryDirectory() as d:
        out = Path(d) / "m.json"
        cmd = [str(NN), "--threads", str(threads), "train", "--data", "datasets/mnist",
               "--hidden", "256,128", "--preprocess", "none", "--lr", "0.1", "--momentum", "0",
               "--batch-size", str(batch), "--epochs", str(epochs), "--val-split", "0",
               "--quiet", "--out", str(out), *extra]
        if np > 1:
            cmd = ["mpirun", "--oversubscribe", "-np", str(np)] + cmd
        subprocess.run(cmd, cwd=ROOT, check=True, env={**os.environ, **MPI_ENV},
                       stdout=subprocess.DEVNULL)
        return json.loads(out.read_text())["metrics"]["seconds_per_epoch"]


def load_idx(path):
    import numpy as np
    data = gzip.open(path).read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def ddp_worker(batch, epochs, result):
    import torch
    import torch.distributed as dist
    torch.set_num_threads(1)
    dist.init_process_group("gloo")
    rank, size = dist.get_rank(), dist.get_world_size()
    d = ROOT / "datasets" / "mnist"
    x = torch.from_numpy(load_idx(d / "train-images-idx3-ubyte.gz").reshape(60000, 784)
                         .astype("float32") / 255)
    y = torch.from_numpy(load_idx(d / "train-labels-idx1-ubyte.gz").astype("int64"))
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(),
                                torch.nn.Linear(256, 128), torch.nn.ReLU(),
                                torch.nn.Linear(128, 10))
    ddp = torch.nn.parallel.DistributedDataParallel(model)
    opt = torch.optim.SGD(ddp.parameters(), lr=0.1)
    loss_fn = torch.nn.CrossEntropyLoss()
    g = torch.Generator().manual_seed(1)
    times = []
    for _ in range(epochs):
        t0 = time.perf_counter()
        perm = torch.randperm(60000, generator=g)
        for start in range(0, 60000, batch):
            idx = perm[start:start + batch]
            part = idx[rank * len(idx) // size:(rank + 1) * len(idx) // size]
            opt.zero_grad()
            loss_fn(ddp(x[part]), y[part]).backward()
            opt.step()
        dist.barrier()
        times.append(time.perf_counter() - t0)
    if rank == 0:
        Path(result).write_text(json.dumps(times))
    dist.destroy_process_group()


def ddp_epoch(batch, epochs):
    with tempfile.TemporaryDirectory() as d:
        result = Path(d) / "times.json"
        torchrun = Path(sys.executable).parent / "torchrun"
        env = {**os.environ, "OMP_NUM_THREADS": "1"}
        subprocess.run([str(torchrun), "--nproc_per_node", "2", __file__, "--worker",
                        "--batch", str(batch), "--epochs", str(epochs), "--result", str(result)],
                       check=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        times = json.loads(result.read_text())
        return statistics.median(times[1:] or times)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--batch", default="512,128")
    ap.add_argument("--worker", action="store_true")
    ap.add_argument("--result")
    args = ap.parse_args()
    if args.worker:
        return ddp_worker(int(args.batch), args.epochs, args.result)
    print(f"# MNIST epoch seconds, global batch B, {args.epochs} epochs; load {os.getloadavg()}")
    print("| B | nn-np1-t2 | nn-np2-t1 | nn-np2-t1-det | torch-ddp-np2 | np2/np1 | nn-np2/ddp |")
    print("|---|---|---|---|---|---|---|")
    for b in [int(v) for v in args.batch.split(",")]:
        one = nn_epoch(1, 2, b, args.epochs)
        two = nn_epoch(2, 1, b, args.epochs)
        det = nn_epoch(2, 1, b, args.epochs, ["--deterministic-reduce"])
        ddp = ddp_epoch(b, args.epochs)
        print(f"| {b} | {one:.3f} | {two:.3f} | {det:.3f} | {ddp:.3f} | {two / one:.2f} | "
              f"{two / ddp:.3f} |", flush=True)


if __name__ == "__main__":
    main()
