#!/usr/bin/env python3
"""A/B timing of nn's MNIST training epoch: two or more `nn` binaries, run alternately.

Workload: ddp.py's single-process row (784-256-128-10 ReLU MLP, `--preprocess none` so the
first layer takes the sparse path, plain SGD lr 0.1, `--val-split 0`). Each run's figure is the
median of its per-epoch `seconds` after the first (from the checkpoint's history: the training
loop only, no loading or evaluation); each round runs every binary once, in the order given,
and the table gives the minimum and the median over the rounds, and the median first epoch
(which carries one-time work, such as finding the data's non-zeros). Also checks that every
binary wrote the same model (the speed-ups must keep the bits).

    python benches/compare/epoch_ab.py --bin /tmp/nn-base --bin target/release/nn \
        --threads 1,2 --batch 512 --rounds 5
"""

import argparse
import hashlib
import json
import statistics
import subprocess
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run(binary, threads, batch, epochs):
    """(per-epoch seconds, hash of the written model) of one run."""
    with tempfile.TemporaryDirectory() as d:
        out, ck = Path(d) / "m.json", Path(d) / "ck"
        cmd = [binary, "--threads", str(threads), "train", "--data", "datasets/mnist",
               "--hidden", "256,128", "--preprocess", "none", "--lr", "0.1", "--momentum", "0",
               "--batch-size", str(batch), "--epochs", str(epochs), "--val-split", "0",
               "--checkpoint", str(ck), "--checkpoint-every", str(epochs),
               "--quiet", "--out", str(out)]
        subprocess.run(cmd, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        history = json.loads((ck / "checkpoint.json").read_text())["state"]["history"]
        layers = json.loads(out.read_text())["layers"]
        digest = hashlib.sha256(json.dumps(layers).encode()).hexdigest()
        return [h["seconds"] for h in history], digest[:12]


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--bin", action="append", required=True, help="an nn binary (repeat)")
    p.add_argument("--threads", default="1,2")
    p.add_argument("--batch", default="512")
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--rounds", type=int, default=5)
    a = p.parse_args()
    print(subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())
    for threads in map(int, a.threads.split(",")):
        for batch in map(int, a.batch.split(",")):
            times = {b: [] for b in a.bin}
            firsts = {b: [] for b in a.bin}
            digests = {b: set() for b in a.bin}
            for _ in range(a.rounds):
                for b in a.bin:
                    secs, digest = run(b, threads, batch, a.epochs)
                    times[b].append(statistics.median(secs[1:] or secs))
                    firsts[b].append(secs[0])
                    digests[b].add(digest)
            print(f"\n## threads {threads}, batch {batch}: s/epoch over {a.rounds} rounds")
            base = min(times[a.bin[0]])
            for b in a.bin:
                lo, med = min(times[b]), statistics.median(times[b])
                first = statistics.median(firsts[b])
                print(f"{b}: min {lo:.4f} median {med:.4f} (min ratio {lo / base:.3f}), "
                      f"first epoch {first:.4f}, model {','.join(sorted(digests[b]))}")
    print(subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())


if __name__ == "__main__":
    main()
