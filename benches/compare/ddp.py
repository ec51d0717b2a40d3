#!/usr/bin/env python3
"""Data-parallel MNIST epochs, same run: nn under mpirun vs PyTorch DDP (gloo) under torchrun,
and the MPI all-reduce timings the communication model in BENCHMARKS.md is built from.

Workload: 784-256-128-10 ReLU MLP, softmax cross-entropy, plain SGD lr 0.1, f32, pixels / 255,
shuffled each epoch, GLOBAL batch B split evenly over the processes. Rows:

* nn-np1-t2: `nn --threads 2 train` (one process, 2 threads), no launcher;
* nn-np1-t1: the same on 1 thread (the per-row compute cost c of the model);
* nn-npP-t1: `mpirun -np P nn --threads 1 train` (P processes of 1 thread), P = 2, 3, 4
  (each run also prints the all-reduces' share of rank 0's training time, from the model
  file's metrics);
* nn-np2-t1-det: `-np 2` with `--deterministic-reduce` (16 shards, exact integer sums), at
  the batch sizes of `--det-batch` only (it is the slowest row);
* torch-ddp-np2: `torchrun --nproc_per_node 2`, DistributedDataParallel over gloo, one thread
  per rank, each rank a contiguous half of every global batch.

Every figure is the median of a run's epochs after the first (nn: the per-epoch `seconds` of
the checkpoint's history, the training loop without validation: --val-split 0; torch: wall
time per epoch). Each round runs every row once, in the order above; the table gives the
minimum and the median over the rounds. The all-reduce timings come from
benches/compare/allreduce.c (built with mpicc), run at the start of each round. Needs
`cargo build --release -p nn-cli --features mpi` first.

    python benches/compare/ddp.py --epochs 3 --batch 512,128 --rounds 3
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
# The fused all-reduce buffer of the 784-256-128-10 MLP: 235 146 parameters, the loss sum, the
# row count and the stop flag.
PARAMS = 235149
NN = ROOT / "target" / "release" / "nn"
MPI_ENV = {
    "OMPI_ALLOW_RUN_AS_ROOT": "1",
    "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1",
    "OMPI_MCA_btl_vader_single_copy_mechanism": "none",
    "OMPI_MCA_mpi_yield_when_idle": "1",
}


def after_first(times):
    """The median of the epochs after the first (the first if there is only one)."""
    return statistics.median(times[1:] or times)


def nn_epochs(np, threads, batch, epochs, extra=()):
    """Per-epoch training seconds of one nn run (from its checkpoint's history)."""
    with tempfile.TemporaryDirectory() as d:
        out, ck = Path(d) / "m.json", Path(d) / "ck"
        cmd = [str(NN), "--threads", str(threads), "train", "--data", "datasets/mnist",
               "--hidden", "256,128", "--preprocess", "none", "--lr", "0.1", "--momentum", "0",
               "--batch-size", str(batch), "--epochs", str(epochs), "--val-split", "0",
               "--checkpoint", str(ck), "--checkpoint-every", str(epochs),
               "--quiet", "--out", str(out), *extra]
        if np > 1:
            cmd = ["mpirun", "--oversubscribe", "-np", str(np)] + cmd
        subprocess.run(cmd, cwd=ROOT, check=True, env={**os.environ, **MPI_ENV},
                       stdout=subprocess.DEVNULL)
        history = json.loads((ck / "checkpoint.json").read_text())["state"]["history"]
        metrics = json.loads(out.read_text())["metrics"]
        if "all_reduce_share" in metrics:
            print(f"# -np {np} B {batch}{' ' + ' '.join(extra) if extra else ''}: all-reduce "
                  f"{metrics['all_reduce_seconds']:.3f} s, "
                  f"{100 * metrics['all_reduce_share']:.1f} % of rank 0's training", flush=True)
        return [h["seconds"] for h in history]


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


def ddp_epochs(batch, epochs):
    """Per-epoch wall seconds of one PyTorch DDP run on 2 processes."""
    with tempfile.TemporaryDirectory() as d:
        result = Path(d) / "times.json"
        torchrun = Path(sys.executable).parent / "torchrun"
        env = {**os.environ, "OMP_NUM_THREADS": "1"}
        subprocess.run([str(torchrun), "--nproc_per_node", "2", __file__, "--worker",
                        "--batch", str(batch), "--epochs", str(epochs), "--result", str(result)],
                       check=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return json.loads(result.read_text())


def build_allreduce(d):
    exe = Path(d) / "allreduce"
    subprocess.run(["mpicc", "-O2", "-o", str(exe), str(ROOT / "benches/compare/allreduce.c")],
                   check=True)
    return exe


def allreduce(exe, np):
    """allreduce.c's table at `np` processes, printed as it comes; returns the median seconds
    of the all-reduce of 4 bytes and of the MNIST MLP's fused f32 buffer (235 149 floats)."""
    cmd = ["mpirun", "--oversubscribe", "-np", str(np), str(exe)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True,
                         env={**os.environ, **MPI_ENV}).stdout
    lines = out.strip().splitlines()
    start = 0 if np == 2 else 1  # the header once
    print("\n".join(f"allreduce {line}" for line in lines[start:]), flush=True)
    fields = [line.split("\t") for line in lines[1:]]
    median = {(f[1], int(f[2])): float(f[5]) * 1e-6 for f in fields}
    return median[("f32", 1)], median[("f32", PARAMS)]


ROWS = [
    ("nn-np1-t2", lambda b, e: nn_epochs(1, 2, b, e)),
    ("nn-np1-t1", lambda b, e: nn_epochs(1, 1, b, e)),
    ("nn-np2-t1", lambda b, e: nn_epochs(2, 1, b, e)),
    ("nn-np2-t1-det", lambda b, e: nn_epochs(2, 1, b, e, ["--deterministic-reduce"])),
    ("nn-np3-t1", lambda b, e: nn_epochs(3, 1, b, e)),
    ("nn-np4-t1", lambda b, e: nn_epochs(4, 1, b, e)),
    ("torch-ddp-np2", ddp_epochs),
]


def summary(results, batches):
    names = [name for name, _ in ROWS]
    print("\n# per-epoch seconds over rounds: min / median")
    print("| B | " + " | ".join(names) + " |")
    print("|---|" + "---|" * len(names))
    for b in batches:
        cells = []
        for name in names:
            xs = results.get((b, name))
            cells.append(f"{min(xs):.3f} / {statistics.median(xs):.3f}" if xs else "-")
        print(f"| {b} | " + " | ".join(cells) + " |")
    print("\n# ratios of medians (min-based in brackets)")
    print("| B | np2/np1-t2 | np2/ddp | det/np2 | np1-t1/np2 | np1-t1/np3 | np1-t1/np4 |")
    print("|---|---|---|---|---|---|---|")
    for b in batches:
        med = {n: statistics.median(results[(b, n)]) for n in names if (b, n) in results}
        low = {n: min(results[(b, n)]) for n in names if (b, n) in results}
        pairs = [("nn-np2-t1", "nn-np1-t2"), ("nn-np2-t1", "torch-ddp-np2"),
                 ("nn-np2-t1-det", "nn-np2-t1"), ("nn-np1-t1", "nn-np2-t1"),
                 ("nn-np1-t1", "nn-np3-t1"), ("nn-np1-t1", "nn-np4-t1")]
        cells = [f"{med[a] / med[c]:.2f} ({low[a] / low[c]:.2f})" if a in med else "-"
                 for a, c in pairs]
        print(f"| {b} | " + " | ".join(cells) + " |")


def ring(p, n, alpha, beta):
    """A ring all-reduce of n bytes over p processes: 2(p−1) latencies and 2(p−1)/p · n bytes."""
    return 2 * (p - 1) * alpha + 2 * (p - 1) / p * n / beta


# Latency and bandwidth of the links the model assumes (typical MPI figures over TCP/RoCE;
# no network was available to measure): 1, 10 and 25 GbE.
LINKS = [("1 GbE", 50e-6, 125e6), ("10 GbE", 20e-6, 1.25e9), ("25 GbE", 10e-6, 3.1e9)]


def fit_costs(results, batches):
    """c (seconds per row) and s (seconds per step) from nn-np1-t1 at the two largest batches."""
    (b1, b2) = sorted(batches)[-2:]
    steps = {b: -(-60000 // b) for b in batches}
    t1, t2 = (statistics.median(results[(b, "nn-np1-t1")]) for b in (b1, b2))
    s = (t1 - t2) / (steps[b1] - steps[b2])
    return (t1 - steps[b1] * s) / 60000, s


def speedup_table(results, batches):
    """Predicted epoch speed-up over one process for p single-threaded machines, with the
    shared-memory link fitted to this run's 2-process all-reduce timings."""
    c, s = fit_costs(results, batches)
    alpha = statistics.median(results[("allreduce-4B", 2)]) / 2
    full = statistics.median(results[("allreduce", 2)])
    beta = (PARAMS * 4) / max(full - 2 * alpha, 1e-9)  # p = 2: 2α + n/β
    n = PARAMS * 4
    print(f"\n# shared memory fitted: α = {alpha * 1e6:.1f} µs, β = {beta / 1e9:.2f} GB/s; "
          f"all-reduce of {n / 1e6:.2f} MB, p = 2 and 64:")
    links = LINKS + [("shared memory", alpha, beta)]
    for name, a, b in links:
        print(f"#   {name}: {ring(2, n, a, b) * 1e3:.2f} ms, {ring(64, n, a, b) * 1e3:.2f} ms")
    ps = [2, 4, 8, 16, 32, 64]
    print("| link | global batch | " + " | ".join(f"p={p}" for p in ps) + " |")
    print("|---|---|" + "---|" * len(ps))
    for name, a, b in links:
        for batch in [128, 512, 1024, 4096]:
            one = c * batch + s
            cells = [f"{one / (c * batch / p + s + ring(p, n, a, b)):.1f}" for p in ps]
            print(f"| {name} | {batch} | " + " | ".join(cells) + " |")


def model_check(results, batches):
    """The communication model against the measured -np 2/3/4 rows: an epoch of S = ⌈60000/B⌉
    steps costs S·(c·B/min(p, cores) + s + a(p)), with c the compute per row and s the fixed
    cost per step (the optimizer's update, which every rank does in full) fitted to nn-np1-t1
    at the two largest batch sizes, and a(p) the measured median all-reduce of 0.94 MB."""
    if len(batches) < 2:
        return
    cores = os.cpu_count()
    steps = {b: -(-60000 // b) for b in batches}
    c, s = fit_costs(results, batches)
    print(f"\n# model: c = {c * 1e6:.2f} µs/row, s = {s * 1e6:.0f} µs/step, {cores} cores")
    print("| B | p | a(p) ms | predicted s | measured median s | measured/predicted |")
    print("|---|---|---|---|---|---|")
    for b in batches:
        for p in [2, 3, 4]:
            a = statistics.median(results[("allreduce", p)])
            predicted = steps[b] * (c * b / min(p, cores) + s + a)
            measured = statistics.median(results[(b, f"nn-np{p}-t1")])
            print(f"| {b} | {p} | {a * 1e3:.2f} | {predicted:.3f} | {measured:.3f} | "
                  f"{measured / predicted:.2f} |")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--batch", default="512,128")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--det-batch", default="512")
    ap.add_argument("--worker", action="store_true")
    ap.add_argument("--result")
    args = ap.parse_args()
    if args.worker:
        return ddp_worker(int(args.batch), args.epochs, args.result)
    batches = [int(v) for v in args.batch.split(",")]
    det_batches = [int(v) for v in args.det_batch.split(",")]
    print(f"# MNIST epoch seconds, global batch {batches}, {args.epochs} epochs per run, "
          f"{args.rounds} rounds; {time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime())}")
    results = {}
    with tempfile.TemporaryDirectory() as d:
        exe = build_allreduce(d)
        for r in range(args.rounds):
            print(f"# round {r + 1}: load average {os.getloadavg()}", flush=True)
            for np in [2, 3, 4]:
                small, full = allreduce(exe, np)
                results.setdefault(("allreduce-4B", np), []).append(small)
                results.setdefault(("allreduce", np), []).append(full)
            for b in batches:
                for name, run in ROWS:
                    if name.endswith("-det") and b not in det_batches:
                        continue
                    times = run(b, args.epochs)
                    results.setdefault((b, name), []).append(after_first(times))
                    epochs = " ".join(f"{t:.3f}" for t in times)
                    print(f"round {r + 1} B {b} {name}: epochs {epochs} -> "
                          f"{after_first(times):.3f}", flush=True)
    print(f"# end: load average {os.getloadavg()}")
    summary(results, batches)
    model_check(results, batches)
    if len(batches) >= 2:
        speedup_table(results, batches)


if __name__ == "__main__":
    main()
