#!/usr/bin/env python3
"""Accuracy on real tabular data: nn vs a scikit-learn pipeline on Palmer penguins.

datasets/penguins.csv has two text columns (island, sex) and NA cells in numeric and text
columns. For each seed s in 0..4 the script makes one stratified 80/20 split with
scikit-learn's train_test_split(random_state=s), writes the two parts as CSV files (NA kept as
"NA"), and trains on exactly those files:

* nn: `nn train --data train.csv --test test.csv --target species --missing mean --seed s`
  (every other flag at its default: hidden 64,32 ReLU, SGD momentum 0.9, lr 0.01, weight decay
  5/n (n the training rows, here 0.02; chosen by benches/compare/defaults.py without the test
  splits), 100 epochs, 10 % validation split, standardized numeric columns, one-hot text
  columns);
* scikit-learn: ColumnTransformer(SimpleImputer(mean) + StandardScaler on the numeric
  columns, SimpleImputer(most_frequent) + OneHotEncoder(handle_unknown="ignore") on island and
  sex) + MLPClassifier(random_state=s, max_iter=2000), every other setting at its default.

`--nn-flags "..."` appends flags to every nn run (`--weight-decay 0` gives the defaults before
2026-12-05). It prints each seed's test accuracy and the mean ± sample standard
deviation over the seeds.

    /work/venv/bin/python benches/compare/penguins.py                 # builds target/release/nn
    /work/venv/bin/python benches/compare/penguins.py --nn-flags "--weight-decay 0"
    /work/venv/bin/python benches/compare/penguins.py --nn target/debug/nn --seeds 5
"""

import argparse
import platform
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NUMERIC = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g", "year"]
TEXT = ["island", "sex"]


def split(df, seed, folder):
    from sklearn.model_selection import train_test_split

    train, test = train_test_split(df, test_size=0.2, stratify=df["species"], random_state=seed)
    paths = folder / f"train-{seed}.csv", folder / f"test-{seed}.csv"
    train.to_csv(paths[0], index=False, na_rep="NA")
    test.to_csv(paths[1], index=False, na_rep="NA")
    return train, test, paths


def sklearn_accuracy(train, test, seed):
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.neural_network import MLPClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    features = ColumnTransformer([
        ("num", make_pipeline(SimpleImputer(strategy="mean"), StandardScaler()), NUMERIC),
        ("cat", make_pipeline(SimpleImputer(strategy="most_frequent"),
                              OneHotEncoder(handle_unknown="ignore")), TEXT),
    ])
    model = make_pipeline(features, MLPClassifier(random_state=seed, max_iter=2000))
    model.fit(train[NUMERIC + TEXT], train["species"])
    return float(model.score(test[NUMERIC + TEXT], test["species"]))


def nn_accuracy(binary, paths, seed, extra):
    cmd = [str(binary), "train", "--data", str(paths[0]), "--test", str(paths[1]),
           "--target", "species", "--missing", "mean", "--seed", str(seed), "--quiet",
           "--out", str(paths[0].with_suffix(".model.json"))] + extra
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    # "test accuracy 0.9855 (test loss 0.0166) after 100 epochs; model written to …"
    return float(out.split()[2]), " ".join(cmd[1:])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--nn", type=Path, default=ROOT / "target" / "release" / "nn")
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--nn-flags", default="", help="extra `nn train` flags, space-separated")
    args = parser.parse_args()
    if args.nn == ROOT / "target" / "release" / "nn":
        subprocess.run(["cargo", "build", "--release", "-p", "nn-cli"], cwd=ROOT, check=True)
    import pandas as pd
    import sklearn

    df = pd.read_csv(ROOT / "datasets" / "penguins.csv")
    print(f"# python {platform.python_version()}, scikit-learn {sklearn.__version__}, "
          f"pandas {pd.__version__}")
    rows, nn_acc, sk_acc = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        for seed in range(args.seeds):
            train, test, paths = split(df, seed, Path(tmp))
            a, cmd = nn_accuracy(args.nn, paths, seed, args.nn_flags.split())
            b = sklearn_accuracy(train, test, seed)
            nn_acc.append(a)
            sk_acc.append(b)
            rows.append(f"| {seed} | {len(train)} / {len(test)} | {a:.4f} | {b:.4f} |")
            print(f"# nn {cmd}", file=sys.stderr)
    print("| seed | train / test rows | nn | scikit-learn |\n|---|---|---|---|")
    print("\n".join(rows))
    mean_sd = lambda v: f"{statistics.mean(v):.4f} ± {statistics.stdev(v):.4f}"
    print(f"| mean ± std | | {mean_sd(nn_acc)} | {mean_sd(sk_acc)} |")


if __name__ == "__main__":
    main()
