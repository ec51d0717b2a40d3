#!/usr/bin/env python3
"""Side-by-side GEMM throughput: nn vs numpy (OpenBLAS) vs PyTorch (MKL) vs ndarray `dot`.

One run measures every implementation on the same shapes (C = A·B, A: m×k, B: k×n), the same
dtypes and the same thread counts, in interleaved rounds so that background load hits all of
them alike, and prints GFLOP/s (median over rounds of per-round medians) and ratios.

Each measurement runs in its own process: nn and ndarray through the release binary
`gemm_bench` (crate nn-benches), numpy and PyTorch through this script's `--worker` mode, with
the thread-count variables set before the library loads. OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE
are removed from the workers' environment only (they can slow OpenBLAS down).

    python benches/compare/gemm.py                       # build, then measure everything
    python benches/compare/gemm.py --threads 1 --dtypes f32 --rounds 2 --markdown
    python benches/compare/gemm.py --dtypes bf16 --impls nn,torch   # nn gemm_bf16 vs torch bf16

bf16: nn's `gemm_bf16` (f32 operands rounded to bf16 while packing, f32 accumulation and
output) against PyTorch's `a @ b` on bf16 tensors (bf16 output); numpy and ndarray have none.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BINARY = ROOT / "target" / "release" / "gemm_bench"
SQUARE = [64, 128, 256, 512, 1024, 2048]
MLP = [(128, 784, 256), (784, 128, 256)]
THREAD_VARS = ["OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"]
IMPLS = ["nn", "numpy", "torch", "ndarray"]


def shape_list(text):
    return [tuple(int(d) for d in s.split("x")) for s in text.split(",")]


def fmt_shape(shape):
    return "x".join(str(d) for d in shape)


def time_gflops(run, flops, reps):
    """Median GFLOP/s over `reps` timings of >= 20 ms each (as gemm_bench does)."""
    start = time.perf_counter()
    run()
    once = max(time.perf_counter() - start, 1e-7)
    iters = max(1, int(0.02 / once + 0.999))
    rates = []
    for _ in range(reps):
        start = time.perf_counter()
        for _ in range(iters):
            run()
        rates.append(flops * iters / (time.perf_counter() - start) / 1e9)
    return statistics.median(rates)


def worker(lib, dtype, threads, reps, shapes):
    """Runs inside a child process whose thread variables are already set. For "bf16" (torch
    only) the operands and the result are bf16 tensors: PyTorch's `a @ b` (oneDNN)."""
    import numpy as np

    rng = np.random.default_rng(0)
    if lib == "torch":
        import torch

        torch.set_num_threads(threads)
    for m, k, n in shapes:
        wide = "float32" if dtype == "bf16" else dtype
        a = rng.uniform(-1, 1, (m, k)).astype(wide)
        b = rng.uniform(-1, 1, (k, n)).astype(wide)
        c = np.empty((m, n), dtype=wide)
        if lib == "torch":
            a, b, c = torch.from_numpy(a), torch.from_numpy(b), torch.from_numpy(c)
            if dtype == "bf16":
                a, b, c = a.bfloat16(), b.bfloat16(), c.bfloat16()
            run = lambda: torch.matmul(a, b, out=c)  # noqa: E731
        else:
            run = lambda: np.matmul(a, b, out=c)  # noqa: E731
        gflops = time_gflops(run, 2.0 * m * n * k, reps)
        print(json.dumps({"impl": lib, "dtype": dtype, "threads": threads,
                          "m": m, "k": k, "n": n, "gflops": round(gflops, 2)}), flush=True)


def child_env(threads):
    env = dict(os.environ)
    env.pop("OPENBLAS_CORETYPE", None)
    env.pop("OPENBLAS_L2_SIZE", None)
    for var in THREAD_VARS:
        env[var] = str(threads)
    return env


def command(impl, dtype, threads, reps, shapes):
    spec = ",".join(fmt_shape(s) for s in shapes)
    if impl in ("nn", "ndarray"):
        return [str(BINARY), "--impl", impl, "--dtype", dtype, "--threads", str(threads),
                "--reps", str(reps), "--shapes", spec]
    return [sys.executable, __file__, "--worker", impl, "--dtypes", dtype,
            "--threads", str(threads), "--reps", str(reps), "--shapes", spec]


def measure(impl, dtype, threads, reps, shapes):
    if dtype == "bf16" and impl in ("numpy", "ndarray"):
        return {}  # no bf16 product
    out = subprocess.run(command(impl, dtype, threads, reps, shapes), env=child_env(threads),
                         check=True, capture_output=True, text=True).stdout
    rows = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    return {(r["m"], r["k"], r["n"]): r["gflops"] for r in rows}


def run_all(args, shapes):
    """results[(impl, dtype, threads, shape)] = list of per-round GFLOP/s."""
    results = {}
    for rnd in range(args.rounds):
        for threads in args.threads:
            for dtype in args.dtypes:
                for impl in args.impls:
                    got = measure(impl, dtype, threads, args.reps, shapes)
                    for shape, gflops in got.items():
                        results.setdefault((impl, dtype, threads, shape), []).append(gflops)
                    print(f"round {rnd + 1}/{args.rounds} {impl:8} {dtype} {threads}t done",
                          file=sys.stderr, flush=True)
    return {key: statistics.median(vals) for key, vals in results.items()}


def table(args, shapes, med):
    head = ["dtype", "threads", "shape m×k×n"] + [f"{i} GFLOP/s" for i in args.impls]
    peers = [i for i in args.impls if i != "nn"]
    head += [f"nn/{p}" for p in peers]
    rows = []
    for dtype in args.dtypes:
        for threads in args.threads:
            for shape in shapes:
                vals = {i: med.get((i, dtype, threads, shape)) for i in args.impls}
                row = [dtype, str(threads), fmt_shape(shape)]
                row += [f"{vals[i]:.1f}" if vals[i] else "-" for i in args.impls]
                row += [f"{vals['nn'] / vals[p]:.2f}" if vals.get("nn") and vals[p] else "-"
                        for p in peers]
                rows.append(row)
    return head, rows


def print_table(head, rows, markdown):
    if markdown:
        print("| " + " | ".join(head) + " |")
        print("|" + "---|" * len(head))
        for row in rows:
            print("| " + " | ".join(row) + " |")
        return
    widths = [max(len(r[i]) for r in [head] + rows) for i in range(len(head))]
    for row in [head] + rows:
        print("  ".join(cell.rjust(w) for cell, w in zip(row, widths)))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--threads", type=lambda s: [int(t) for t in s.split(",")], default=[1, 2])
    p.add_argument("--dtypes", type=lambda s: s.split(","), default=["f32", "f64"])
    p.add_argument("--impls", type=lambda s: s.split(","), default=IMPLS)
    p.add_argument("--shapes", type=shape_list,
                   default=[(s, s, s) for s in SQUARE] + MLP)
    p.add_argument("--reps", type=int, default=5, help="timings per process (median)")
    p.add_argument("--rounds", type=int, default=3, help="interleaved rounds (median)")
    p.add_argument("--no-build", action="store_true", help="skip cargo build --release")
    p.add_argument("--markdown", action="store_true", help="print a Markdown table")
    p.add_argument("--json", type=Path, help="also write the medians to this file")
    p.add_argument("--worker", choices=["numpy", "torch"], help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.worker:
        dtype = {"f32": "float32", "f64": "float64", "bf16": "bf16"}[args.dtypes[0]]
        return worker(args.worker, dtype, args.threads[0], args.reps, args.shapes)
    if not args.no_build:
        subprocess.run(["cargo", "build", "--release", "-p", "nn-benches", "--bin", "gemm_bench"],
                       cwd=ROOT, check=True)
    med = run_all(args, args.shapes)
    head, rows = table(args, args.shapes, med)
    print_table(head, rows, args.markdown)
    if args.json:
        args.json.write_text(json.dumps([{"impl": k[0], "dtype": k[1], "threads": k[2],
                                          "shape": fmt_shape(k[3]), "gflops": v}
                                         for k, v in med.items()], indent=1))


if __name__ == "__main__":
    main()
