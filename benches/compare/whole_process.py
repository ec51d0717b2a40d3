#!/usr/bin/env python3
"""Whole-process MNIST time: `nn train` from the shipped `.gz` files vs train.py's numpy loop.

Each measured command is one whole process, from start to exit (the interpreter or binary
starting, loading the data, 3 epochs of 784-256-128-10 ReLU training at batch 128 and lr 0.1,
scoring the 10 000 test images):

* nn: `nn train --data datasets/mnist --hidden 256,128 --batch-size 128 --lr 0.1 --epochs 3
  --quiet --out TMP/model.json`, every other flag at its default (SGD momentum 0.9, min-max
  scaling and the sparse first layer, 10 % of the training images held out and scored every
  epoch, the model file written), reading the gzipped IDX files;
* numpy: `train.py --worker mnist numpy 2 3` (plain SGD on all 60 000 images), reading the
  uncompressed IDX files from `--raw DIR` (made once with `gunzip -k`; not timed).

With `--load-bench`, each round also runs `target/release/load_bench DIR --reps 5` (nn-data
loading train and test sets, median of 5) on the `.gz` folder and on the uncompressed one: their
difference is what decompressing costs nn before the first epoch.

For each nn run it also prints nn's own time to the first epoch (loading the `.gz` files,
splitting, preprocessing, building the network: `seconds_to_first_epoch` in the model file's
metrics) and its seconds per epoch, and summarises both as rows "nn to epoch 1" and "nn epoch".

The runs alternate (nn, numpy, nn, numpy, …) so that background load hits both alike, with
`--threads T` each (default 2: OMP/OPENBLAS/MKL_NUM_THREADS=T and `nn --threads T`; on a loaded
machine OpenBLAS's spinning worker threads make the 2-thread numpy figure swing most). It prints
every run's seconds, then the minimum and median of each and the ratios nn/numpy.

    /work/venv/bin/python benches/compare/whole_process.py --rounds 5 --raw /tmp/mnist-raw
    /work/venv/bin/python benches/compare/whole_process.py --rounds 5 --raw /tmp/mnist-raw --threads 1 --load-bench

Each run's peak resident memory (`wait4`'s `ru_maxrss`) is printed beside its seconds. With
`--nn-base PATH` a second nn binary (say main's, to measure a branch against it) runs the same
command in each round between nn and numpy, and gets its own rows and ratio.
"""

import argparse
import gzip
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FILES = ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
         "t10k-labels-idx1-ubyte"]


def unzip(raw):
    raw.mkdir(parents=True, exist_ok=True)
    for name in FILES:
        if not (raw / name).exists():
            with gzip.open(ROOT / "datasets" / "mnist" / f"{name}.gz") as src, \
                    open(raw / name, "wb") as dst:
                shutil.copyfileobj(src, dst)


def timed(cmd, env):
    """Wall seconds, peak resident memory (MB) and the last output line of one process."""
    start = time.perf_counter()
    with tempfile.TemporaryFile("w+") as out:
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.DEVNULL, text=True)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            raise subprocess.CalledProcessError(proc.returncode, cmd)
        out.seek(0)
        last = out.read().strip().splitlines()[-1]
    return seconds, usage.ru_maxrss / 1024, last


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--nn", type=Path, default=ROOT / "target" / "release" / "nn")
    p.add_argument("--raw", type=Path, required=True, help="folder for the uncompressed files")
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--load-bench", action="store_true", help="also time nn-data's loading")
    p.add_argument("--nn-base", type=Path, help="a second nn binary (e.g. main's) run alternately, as 'nn base'")
    opts = p.parse_args()
    unzip(opts.raw)
    env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
    threads = str(opts.threads)
    env.update({k: threads for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")})
    with tempfile.TemporaryDirectory() as tmp:
        nn = [str(opts.nn), "--threads", threads, "train", "--data", str(ROOT / "datasets" / "mnist"), "--hidden",
              "256,128", "--batch-size", "128", "--lr", "0.1", "--epochs", "3", "--quiet",
              "--out", f"{tmp}/model.json"]
        numpy = [sys.executable, str(ROOT / "benches" / "compare" / "train.py"), "--worker",
                 "mnist", "numpy", threads, "3"]
        print("# nn " + " ".join(nn[1:]).replace(tmp, "TMP"))
        print(f"# numpy: MNIST_DIR={opts.raw} train.py --worker mnist numpy {threads} 3")
        runs = [("nn", nn, {}), ("numpy", numpy, {"MNIST_DIR": str(opts.raw)})]
        if opts.nn_base:
            runs.insert(1, ("nn base", [str(opts.nn_base)] + nn[1:], {}))
        if opts.load_bench:
            bench = str(ROOT / "target" / "release" / "load_bench")
            runs += [("load .gz", [bench, str(ROOT / "datasets" / "mnist"), "--reps", "5"], {}),
                     ("load raw", [bench, str(opts.raw), "--reps", "5"], {})]
        times = {name: [] for name, _, _ in runs}
        peaks = {name: [] for name, _, _ in runs}
        phases = {"nn to epoch 1": [], "nn epoch": []}
        for r in range(opts.rounds):
            for name, cmd, extra in runs:
                seconds, peak, last = timed(cmd, {**env, **extra})
                if name.startswith("load"):
                    seconds = json.loads(last)["load_s"]
                times[name].append(seconds)
                peaks[name].append(peak)
                print(f"round {r + 1} {name:8} {seconds:7.3f} s {peak:6.0f} MB   {last}", flush=True)
                if name == "nn":
                    with open(f"{tmp}/model.json") as f:
                        metrics = json.load(f)["metrics"]
                    ready, epoch = metrics["seconds_to_first_epoch"], metrics["seconds_per_epoch"]
                    phases["nn to epoch 1"].append(ready)
                    phases["nn epoch"].append(epoch)
                    print(f"        to epoch 1 {ready:.3f} s, {epoch:.3f} s per epoch", flush=True)
    print("\n| process | runs | min s | median s | peak MB (median) |\n|---|---|---|---|---|")
    for name, t in {**times, **phases}.items():
        peak = f"{statistics.median(peaks[name]):.0f}" if name in peaks else ""
        print(f"| {name} | {len(t)} | {min(t):.3f} | {statistics.median(t):.3f} | {peak} |")
    for name in [n for n in times if n.startswith("nn")]:
        ratio = lambda f: f(times[name]) / f(times["numpy"])
        print(f"| {name} / numpy | | {ratio(min):.3f} | {ratio(statistics.median):.3f} | |")


if __name__ == "__main__":
    main()
