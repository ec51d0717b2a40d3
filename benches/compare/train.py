#!/usr/bin/env python3
"""Side-by-side MLP training speed: nn vs PyTorch vs a hand-written numpy loop vs scikit-learn.

Two workloads, identical across implementations (same data, architecture, hyper-parameters):

* mnist: 784-256-128-10 ReLU, softmax cross-entropy, plain SGD lr 0.1, batch 128, f32,
  shuffled each epoch; reports the median seconds per epoch and the test accuracy after
  the last epoch.
* iris: 4-16-3 ReLU, softmax cross-entropy, full batch (150 samples), plain SGD; reports the
  median microseconds per training step over 500 steps.

Every measurement runs in its own process with the thread count fixed before the library loads
(OMP/OPENBLAS/MKL variables, torch.set_num_threads, nn's --threads). OPENBLAS_CORETYPE and
OPENBLAS_L2_SIZE are removed from the workers' environment only. nn runs through the release
binary `train_bench` (crate nn-benches), built by this script. MNIST pixels scaled to [0, 1] are
81% zeros, and nn's first layer skips them (a sparse × dense product); "nn-dense" is the same
run with that path turned off (`train_bench --dense`), every batch through the dense GEMM.
"nn-adam" and "torch-adam" are the same workloads trained with Adam instead of SGD (PyTorch's
defaults: lr 0.001, betas (0.9, 0.999), eps 1e-8, no weight decay; torch.optim.Adam as a user
gets it, which on CPU is the single-tensor loop); their "nn / impl" column compares with
nn-adam, the other rows with nn (SGD). "nn-bf16" / "nn-dense-bf16" are the nn runs with the
products in bf16 (`train_bench --bf16`: bf16 operands, f32 accumulation, f32 weights and SGD);
"torch-bf16" is PyTorch's forward and loss under `torch.autocast("cpu", dtype=torch.bfloat16)`
(f32 weights and SGD).

    python benches/compare/train.py                        # everything, 1 and 2 threads
    python benches/compare/train.py --threads 2 --epochs 3 --only mnist
    python benches/compare/train.py --libs nn,torch,nn-adam,torch-adam   # SGD and Adam
"""

import argparse
import contextlib
import gzip
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BINARY = ROOT / "target" / "release" / "train_bench"
THREAD_VARS = ["OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"]


def load_idx(path):
    import numpy as np

    data = gzip.open(path).read() if path.suffix == ".gz" else path.read_bytes()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def mnist():
    """The MNIST arrays, from the shipped `.gz` files, or from uncompressed IDX files (the same
    names without `.gz`) in the folder `$MNIST_DIR` when it is set."""
    d = Path(os.environ.get("MNIST_DIR", ROOT / "datasets" / "mnist"))
    gz = "" if "MNIST_DIR" in os.environ else ".gz"
    x = load_idx(d / f"train-images-idx3-ubyte{gz}").reshape(60000, 784).astype("float32") / 255
    y = load_idx(d / f"train-labels-idx1-ubyte{gz}").astype("int64")
    xt = load_idx(d / f"t10k-images-idx3-ubyte{gz}").reshape(10000, 784).astype("float32") / 255
    yt = load_idx(d / f"t10k-labels-idx1-ubyte{gz}").astype("int64")
    return x, y, xt, yt


def iris():
    import numpy as np

    rows = (ROOT / "datasets" / "iris.csv").read_text().strip().splitlines()[1:]
    names = sorted({r.split(",")[-1] for r in rows})
    x = np.array([[float(v) for v in r.split(",")[:4]] for r in rows], dtype="float32")
    y = np.array([names.index(r.split(",")[-1]) for r in rows])
    return (x - x.mean(0)) / x.std(0), y


# ---------------------------------------------------------------- numpy
def numpy_mlp(sizes, seed):
    import numpy as np

    rng = np.random.default_rng(seed)
    params = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        a = np.sqrt(6 / n_in)
        params.append([rng.uniform(-a, a, (n_in, n_out)).astype("float32"), np.zeros(n_out, "float32")])
    return params


def numpy_step(params, x, y, lr):
    import numpy as np

    acts = [x]
    for i, (w, b) in enumerate(params):
        z = acts[-1] @ w + b
        acts.append(np.maximum(z, 0) if i < len(params) - 1 else z)
    z = acts[-1]
    p = np.exp(z - z.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    p[np.arange(len(y)), y] -= 1
    d = p / len(y)
    for i in range(len(params) - 1, -1, -1):
        w, b = params[i]
        gw, gb = acts[i].T @ d, d.sum(0)
        if i > 0:
            d = (d @ w.T) * (acts[i] > 0)
        w -= lr * gw
        b -= lr * gb


def numpy_predict(params, x):
    import numpy as np

    for i, (w, b) in enumerate(params):
        x = x @ w + b
        if i < len(params) - 1:
            x = np.maximum(x, 0)
    return x.argmax(1)


# ---------------------------------------------------------------- torch
def torch_setup(sizes, threads, seed):
    import torch

    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    layers = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(torch.nn.Linear(n_in, n_out))
        if i < len(sizes) - 2:
            layers.append(torch.nn.ReLU())
    return torch.nn.Sequential(*layers)


def torch_optimizer(lib, model):
    import torch

    if lib == "torch-adam":
        return torch.optim.Adam(model.parameters(), lr=0.001)
    return torch.optim.SGD(model.parameters(), lr=0.1)


def torch_step(model, opt, x, y, cast=contextlib.nullcontext):
    """One step; `cast` wraps the forward pass and the loss (autocast for torch-bf16)."""
    import torch

    opt.zero_grad(set_to_none=True)
    with cast():
        loss = torch.nn.functional.cross_entropy(model(x), y)
    loss.backward()
    opt.step()


# ---------------------------------------------------------------- workers
def worker_mnist(lib, threads, epochs, seed):
    import numpy as np

    x, y, xt, yt = mnist()
    rng = np.random.default_rng(seed)
    times = []
    if lib == "numpy":
        params = numpy_mlp([784, 256, 128, 10], seed)
        for _ in range(epochs):
            start, order = time.perf_counter(), rng.permutation(60000)
            for s in range(0, 60000, 128):
                idx = order[s: s + 128]
                numpy_step(params, x[idx], y[idx], 0.1)
            times.append(time.perf_counter() - start)
        acc = float((numpy_predict(params, xt) == yt).mean())
    elif lib in ("torch", "torch-adam", "torch-bf16"):
        import torch

        model = torch_setup([784, 256, 128, 10], threads, seed)
        opt = torch_optimizer(lib, model)
        tx, ty = torch.from_numpy(x), torch.from_numpy(y)
        cast = (lambda: torch.autocast("cpu", dtype=torch.bfloat16)) if lib == "torch-bf16" \
            else contextlib.nullcontext
        for _ in range(epochs):
            start, order = time.perf_counter(), torch.from_numpy(rng.permutation(60000))
            for s in range(0, 60000, 128):
                idx = order[s: s + 128]
                torch_step(model, opt, tx[idx], ty[idx], cast)
            times.append(time.perf_counter() - start)
        with torch.no_grad(), cast():
            acc = float((model(torch.from_numpy(xt)).float().argmax(1).numpy() == yt).mean())
    elif lib == "sklearn":
        from sklearn.neural_network import MLPClassifier

        clf = MLPClassifier((256, 128), solver="sgd", learning_rate_init=0.1, momentum=0.0,
                            batch_size=128, alpha=0.0, max_iter=1, warm_start=True,
                            random_state=seed, shuffle=True)
        import warnings

        warnings.filterwarnings("ignore")
        for _ in range(epochs):
            start = time.perf_counter()
            clf.fit(x, y)
            times.append(time.perf_counter() - start)
        acc = float(clf.score(xt, yt))
    return {"epoch_s": statistics.median(times), "accuracy": acc}


def worker_iris(lib, threads, steps, seed):
    x, y = iris()
    times = []
    if lib == "numpy":
        params = numpy_mlp([4, 16, 3], seed)
        for _ in range(steps):
            start = time.perf_counter()
            numpy_step(params, x, y, 0.1)
            times.append(time.perf_counter() - start)
    elif lib in ("torch", "torch-adam"):
        import torch

        model = torch_setup([4, 16, 3], threads, seed)
        opt = torch_optimizer(lib, model)
        tx, ty = torch.from_numpy(x), torch.from_numpy(y)
        for _ in range(steps):
            start = time.perf_counter()
            torch_step(model, opt, tx, ty)
            times.append(time.perf_counter() - start)
    else:
        return None
    return {"step_us": statistics.median(times) * 1e6}


def spawn(args, threads):
    env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
    env.update({k: str(threads) for k in THREAD_VARS})
    out = subprocess.run(args, env=env, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def measure(work, lib, threads, opts):
    if lib.startswith("nn"):
        extra = ["--epochs", str(opts.epochs)] if work == "mnist" else ["--steps", str(opts.steps)]
        extra += ["--dense"] if "dense" in lib else []
        extra += ["--bf16"] if lib.endswith("bf16") else []
        extra += ["--optimizer", "adam"] if lib == "nn-adam" else []
        return spawn([str(BINARY), work, "--threads", str(threads), *extra], threads)
    count = opts.epochs if work == "mnist" else opts.steps
    return spawn([sys.executable, __file__, "--worker", work, lib, str(threads), str(count)], threads)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--threads", default="1,2")
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--steps", type=int, default=500)
    p.add_argument("--only", choices=["mnist", "iris"])
    p.add_argument("--libs", default="nn,nn-dense,torch,numpy,sklearn,nn-adam,torch-adam")
    p.add_argument("--no-build", action="store_true")
    p.add_argument("--worker", nargs=4, help=argparse.SUPPRESS)
    opts = p.parse_args()
    if opts.worker:
        work, lib, threads, count = opts.worker
        fn = worker_mnist if work == "mnist" else worker_iris
        print(json.dumps(fn(lib, int(threads), int(count), 0)))
        return
    if not opts.no_build:
        subprocess.run(["cargo", "build", "--release", "-q", "-p", "nn-benches", "--bin", "train_bench"], cwd=ROOT, check=True)
    libs = opts.libs.split(",")
    for work in [opts.only] if opts.only else ["mnist", "iris"]:
        key = "epoch_s" if work == "mnist" else "step_us"
        for threads in [int(t) for t in opts.threads.split(",")]:
            skip = ("sklearn", "nn-dense", "nn-bf16", "nn-dense-bf16", "torch-bf16") \
                if work == "iris" else ()
            res = {lib: measure(work, lib, threads, opts) for lib in libs if lib not in skip}
            print(f"\n## {work}, {threads} thread(s): {key} (lower is better)")
            report(res, key)


def family(lib):
    """Which nn row a row compares with: nn-adam for the Adam rows, nn for the SGD rows."""
    return "nn-adam" if lib.endswith("-adam") else "nn"


def report(res, key):
    print("| impl | " + key + " | accuracy | nn / impl |")
    print("|---|---|---|---|")
    for lib, r in res.items():
        acc = f"{r['accuracy']:.4f}" if "accuracy" in r else "-"
        mine = res.get(family(lib))
        ratio = f"{mine[key] / r[key]:.3f}" if mine else "-"
        print(f"| {lib} | {r[key]:.4g} | {acc} | {ratio} |")
    for fam in ("nn", "nn-adam"):
        peers = {lib: r[key] for lib, r in res.items()
                 if r and not lib.startswith("nn") and family(lib) == fam}
        if not peers or fam not in res:
            continue
        best = min(peers, key=peers.get)
        for mine in [lib for lib in res if lib.startswith("nn") and family(lib) == fam]:
            print(f"{mine} / fastest peer ({best}): {res[mine][key] / peers[best]:.3f}")


if __name__ == "__main__":
    main()
