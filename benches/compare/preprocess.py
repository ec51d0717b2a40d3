"""Side-by-side timings: nn-data vs numpy/scikit-learn on the same machine, in one run.

Operations (best of REPEATS wall-clock seconds):
  standardize_fit_transform  StandardScaler().fit_transform(X)      X = MNIST train, 60000x784 f64
  minmax_fit_transform       MinMaxScaler().fit_transform(X)
  zca_fit                    mean, C = Xc^T Xc / (n-1), numpy.linalg.eigh(C),
                             W = U diag(1/sqrt(lam + 1e-5)) U^T
  zca_transform              (X - mean) @ W
  parse_digits_csv           numpy.loadtxt of datasets/digits.csv (features and target)

Run from the workspace root (needs numpy and scikit-learn):
    python3 benches/compare/preprocess.py [REPEATS]
It builds and runs `cargo run --release -p nn-data --example preprocess_bench` for our side and
prints both sets of timings and the ratios ours / theirs (< 1 means nn-data is faster).
"""
import gzip
import json
import os
import subprocess
import sys
import time

import numpy as np
import sklearn
from sklearn.preprocessing import MinMaxScaler, StandardScaler

REPEATS = int(sys.argv[1]) if len(sys.argv) > 1 else 3
EPSILON = 1e-5  # nn_data::DEFAULT_EPSILON


def best_of(repeats, f):
    best = float("inf")
    for _ in range(repeats):
        t = time.perf_counter()
        f()
        best = min(best, time.perf_counter() - t)
    return best


def load_mnist_train():
    with gzip.open("datasets/mnist/train-images-idx3-ubyte.gz") as f:
        raw = f.read()
    n, rows, cols = (int.from_bytes(raw[i : i + 4], "big") for i in (4, 8, 12))
    return np.frombuffer(raw, np.uint8, offset=16).reshape(n, rows * cols) / 255.0


def zca_fit(x):
    mean = x.mean(axis=0)
    xc = x - mean
    cov = xc.T @ xc / (x.shape[0] - 1)
    lam, u = np.linalg.eigh(cov)
    return mean, (u / np.sqrt(np.maximum(lam, 0) + EPSILON)) @ u.T


def numpy_side():
    x = load_mnist_train()
    mean, w = zca_fit(x)
    return {
        "standardize_fit_transform": best_of(REPEATS, lambda: StandardScaler().fit_transform(x)),
        "minmax_fit_transform": best_of(REPEATS, lambda: MinMaxScaler().fit_transform(x)),
        "zca_fit": best_of(min(REPEATS, 2), lambda: zca_fit(x)),
        "zca_transform": best_of(min(REPEATS, 2), lambda: (x - mean) @ w),
        "parse_digits_csv": best_of(
            REPEATS, lambda: np.loadtxt("datasets/digits.csv", delimiter=",", skiprows=1)
        ),
    }


def ours():
    cmd = ["cargo", "run", "--quiet", "--release", "-p", "nn-data", "--example", "preprocess_bench", "--", str(REPEATS)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main():
    print(f"numpy {np.__version__}, scikit-learn {sklearn.__version__}, cpus {os.cpu_count()}, repeats {REPEATS}")
    theirs, mine = numpy_side(), ours()
    print(f"{'operation':28} {'nn-data s':>10} {'numpy/sklearn s':>16} {'ratio':>7}")
    for op, t in theirs.items():
        print(f"{op:28} {mine[op]:10.4f} {t:16.4f} {mine[op] / t:7.2f}")
    print(json.dumps({"nn_data": mine, "numpy_sklearn": theirs}))


if __name__ == "__main__":
    main()
