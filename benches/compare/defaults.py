#!/usr/bin/env python3
"""Choosing `nn train`'s defaults by nested cross-validation that never sees a test split.

For each tabular dataset (penguins, iris, wine, breast_cancer, digits) and each seed s in
0..4, the script makes the same stratified 80/20 split as benches/compare/penguins.py
(scikit-learn's train_test_split(random_state=s)) and writes **only the training part** to a
temporary CSV. Every candidate flag set is then scored by `nn cv --folds 5 --seed s` on that
training part alone (the inner loop of a nested cross-validation); the test parts are never
written, so nothing chosen here has looked at them. Each cell of the table is the mean ±
sample standard deviation of the 25 inner-fold accuracies (5 outer seeds × 5 folds); the last
column averages the datasets' means. diabetes (regression) is scored by R² on an unstratified
split and left out of the average.

Optionally (`--sklearn`) the same inner folds' training rows are also scored with the
scikit-learn pipeline of penguins.py (StratifiedKFold(5, shuffle=True, random_state=s); not
nn's fold assignment, so a reference level rather than a paired comparison).

    /work/venv/bin/python benches/compare/defaults.py --nn target/release/nn
    /work/venv/bin/python benches/compare/defaults.py --only penguins --candidates default,old,wd1e-3
    /work/venv/bin/python benches/compare/defaults.py --only diabetes --candidates default,old
"""

import argparse
import platform
import re
import statistics
import subprocess
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# dataset name -> (file, target column, extra nn flags needed to read it)
DATASETS = {
    "penguins": ("penguins.csv", "species", ["--target", "species", "--missing", "mean"]),
    "iris": ("iris.csv", "species", []),
    "wine": ("wine.csv", "cultivar", []),
    "breast_cancer": ("breast_cancer.csv", "diagnosis", []),
    "digits": ("digits.csv", "digit", []),
    "diabetes": ("diabetes.csv", "progression", []),  # regression: R², unstratified split
}
REGRESSION = {"diabetes"}

# candidate name -> flags added to `nn cv` (empty: today's defaults)
# candidate name -> flags added to `nn cv`. "default" is the binary's own defaults; every other
# candidate spells its weight decay out, so that the table reads the same before and after the
# default changed (the defaults before were sgd, momentum 0.9, lr 0.01, 100 epochs, batch 32,
# hidden 64,32, 10 % validation split, no weight decay: "old").
CANDIDATES = {
    "default": "",
    "old": "--weight-decay 0",
    "val0": "--weight-decay 0 --val-split 0",
    "wd1e-4": "--weight-decay 1e-4",
    "wd1e-3": "--weight-decay 1e-3",
    "wd3e-3": "--weight-decay 3e-3",
    "wd1e-2": "--weight-decay 1e-2",
    "wd3e-2": "--weight-decay 3e-2",
    "wd1e-1": "--weight-decay 1e-1",
    "wd1/n": "--weight-decay 1/n",
    "wd2.5/n": "--weight-decay 2.5/n",
    "wd5/n": "--weight-decay 5/n",
    "wd10/n": "--weight-decay 10/n",
    "wd2.5/n-cap0.02": "--weight-decay min(2.5/n,0.02)",
    "wd5/n-cap0.01": "--weight-decay min(5/n,0.01)",
    "wd5/n-cap0.02": "--weight-decay min(5/n,0.02)",
    "wd5/n-cap0.05": "--weight-decay min(5/n,0.05)",
    "adam": "--optimizer adam --lr 1e-3",
    "adam-e200": "--optimizer adam --lr 1e-3 --epochs 200",
    "h100": "--weight-decay 0 --hidden 100",
    "e200": "--weight-decay 0 --epochs 200",
    "es10": "--weight-decay 0 --early-stopping 10",
    "es20-e200": "--weight-decay 0 --early-stopping 20 --epochs 200",
    "cosine": "--weight-decay 0 --schedule cosine",
    "wd1e-3-cosine": "--weight-decay 1e-3 --schedule cosine",
    "val0-wd1e-3": "--val-split 0 --weight-decay 1e-3",
    "bs64": "--weight-decay 0 --batch-size 64",
    "lr3e-2": "--weight-decay 0 --lr 0.03",
    "wd1e-2-lr3e-2": "--weight-decay 1e-2 --lr 0.03",
    "wd1e-2-e200": "--weight-decay 1e-2 --epochs 200",
    "wd1e-2-val0": "--weight-decay 1e-2 --val-split 0",
    "wd1e-2-e50": "--weight-decay 1e-2 --epochs 50",
}

def per_row(flag, rows):
    """`C/n` in a candidate's flags becomes C divided by the rows each fold trains on (4/5 of
    the training part, less the 10 % validation split; a weight decay that shrinks as the data
    grows, like a fixed Gaussian prior on the weights in a summed loss); `min(C/n,M)` caps it
    at M."""
    m = re.fullmatch(r"(?:min\()?([0-9.e-]+)/n(?:,([0-9.e-]+)\))?", flag)
    if not m:
        return flag
    n = round(rows * 4 / 5 * 0.9)
    decay = float(m[1]) / n
    return f"{min(decay, float(m[2])) if m[2] else decay:.6g}"


FOLD = re.compile(r"^repeat \d+ fold \d+: (?:accuracy|R²) (-?[0-9.]+)", re.M)


def training_part(name, seed, folder):
    """The seed's stratified 80 % training part, written as CSV (the 20 % is never written)."""
    import pandas as pd
    from sklearn.model_selection import train_test_split

    file, target, _ = DATASETS[name]
    df = pd.read_csv(ROOT / "datasets" / file, keep_default_na=False)
    strata = None if name in REGRESSION else df[target]
    train, _ = train_test_split(df, test_size=0.2, stratify=strata, random_state=seed)
    path = folder / f"{name}-train-{seed}.csv"
    train.to_csv(path, index=False)
    return train, path


def nn_folds(binary, path, seed, flags, rows):
    flags = [per_row(f, rows) for f in flags]
    cmd = [str(binary), "cv", "--data", str(path), "--folds", "5", "--seed", str(seed)] + flags
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return [float(a) for a in FOLD.findall(out)]


def sklearn_folds(name, train, seed):
    import numpy as np
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.model_selection import StratifiedKFold, cross_val_score
    from sklearn.neural_network import MLPClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    _, target, _ = DATASETS[name]
    x = train.drop(columns=[target]).replace("NA", np.nan)
    text = [c for c in x.columns if x[c].dropna().map(lambda v: isinstance(v, str)
                                                       and not _number(v)).any()]
    numeric = [c for c in x.columns if c not in text]
    x[numeric] = x[numeric].astype(float)
    steps = [("num", make_pipeline(SimpleImputer(strategy="mean"), StandardScaler()), numeric)]
    if text:
        steps.append(("cat", make_pipeline(SimpleImputer(strategy="most_frequent"),
                                           OneHotEncoder(handle_unknown="ignore")), text))
    model = make_pipeline(ColumnTransformer(steps),
                          MLPClassifier(random_state=seed, max_iter=2000))
    folds = StratifiedKFold(5, shuffle=True, random_state=seed)
    return list(cross_val_score(model, x, train[target], cv=folds))


def _number(v):
    try:
        float(v)
        return True
    except ValueError:
        return False


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--nn", type=Path, default=ROOT / "target" / "release" / "nn")
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--only", default=",".join(d for d in DATASETS if d not in REGRESSION),
                        help="datasets, comma-separated (diabetes is available)")
    parser.add_argument("--candidates", default=",".join(CANDIDATES),
                        help="candidate names, comma-separated")
    parser.add_argument("--extra", action="append", default=[], metavar="NAME=FLAGS",
                        help="an extra candidate, e.g. 'mine=--hidden 32 --epochs 50'")
    parser.add_argument("--sklearn", action="store_true", help="add the scikit-learn row")
    args = parser.parse_args()
    import sklearn

    candidates = {c: CANDIDATES[c] for c in args.candidates.split(",") if c}
    for extra in args.extra:
        name, flags = extra.split("=", 1)
        candidates[name] = flags
    names = args.only.split(",")
    print(f"# python {platform.python_version()}, scikit-learn {sklearn.__version__}; "
          f"nn cv --folds 5 --seed s on the training part of split s, s = 0..{args.seeds - 1}")
    scores = {c: {d: [] for d in names} for c in candidates}
    if args.sklearn:
        scores["scikit-learn"] = {d: [] for d in names}
    with tempfile.TemporaryDirectory() as tmp:
        for name in names:
            for seed in range(args.seeds):
                train, path = training_part(name, seed, Path(tmp))
                for cand, flags in candidates.items():
                    base = DATASETS[name][2]
                    folds = nn_folds(args.nn, path, seed, base + flags.split(), len(train))
                    scores[cand][name] += folds
                if args.sklearn and name not in REGRESSION:
                    scores["scikit-learn"][name] += sklearn_folds(name, train, seed)
    print("| candidate | flags | " + " | ".join(names) + " | mean of means |")
    print("|---|---|" + "---|" * (len(names) + 1))
    for cand, per in scores.items():
        cells = [f"{statistics.mean(v):.4f} ± {statistics.stdev(v):.4f}" for v in per.values()]
        means = [statistics.mean(v) for d, v in per.items() if d not in REGRESSION]
        overall = f"{statistics.mean(means):.4f}" if means else "—"
        flags = candidates.get(cand, "(reference)")
        print(f"| {cand} | `{flags}` | " + " | ".join(cells) + f" | {overall} |")


if __name__ == "__main__":
    main()
