"""Writes the inconsistent files of tests/data/bad/loaders/ (issue #11, classes 2, 6, 7).

Run from the repository root after `cargo build -p nn-cli`:

    python3 tests/data/bad/loaders/make.py target/debug/nn

Base files come from the real `nn` (tiny networks, so the files stay small); each bad file
changes one thing in a copy. Paths saved in checkpoints are relative to the repository root,
where the corpus runs.
"""
import copy
import struct
import json
import os
import subprocess
import sys
import tempfile

NN = sys.argv[1]
OUT = "tests/data/bad/loaders"
IRIS = "datasets/iris.csv"


def nn(*args):
    subprocess.run([NN, *args], check=True, stdout=subprocess.DEVNULL)


def save(name, value):
    # Timings differ from run to run: zero them so that running this script again changes
    # nothing.
    if isinstance(value.get("metrics"), dict):
        value["metrics"].pop("seconds_per_epoch", None)
        value["metrics"].pop("seconds_to_first_epoch", None)
    for report in value.get("state", {}).get("history", []):
        report["seconds"] = 0.0
    with open(os.path.join(OUT, name), "w") as f:
        json.dump(value, f, indent=1)
        f.write("\n")


def variant(base, name, change):
    value = copy.deepcopy(base)
    change(value)
    save(name, value)


def idx_folder(path, train_labels, test_labels):
    """A tiny MNIST-like folder: 2×2 images, one label byte each."""
    os.makedirs(path, exist_ok=True)
    for split, labels in (("train", train_labels), ("t10k", test_labels)):
        n = len(labels)
        pixels = bytes((i * 37 + j * 11) % 256 for i in range(n) for j in range(4))
        with open(os.path.join(path, f"{split}-images-idx3-ubyte"), "wb") as f:
            f.write(struct.pack(">IIII", 0x803, n, 2, 2) + pixels)
        with open(os.path.join(path, f"{split}-labels-idx1-ubyte"), "wb") as f:
            f.write(struct.pack(">II", 0x801, n) + bytes(labels))


tmp = tempfile.mkdtemp()
two = os.path.join(tmp, "two.csv")
with open(IRIS) as f:
    lines = f.readlines()
with open(two, "w") as f:
    f.writelines(lines[:101])  # setosa and versicolor only

small = ["--hidden", "3", "--epochs", "2", "--quiet"]
nn("train", "--data", IRIS, "--out", f"{tmp}/iris.json", *small)
nn("train", "--data", two, "--out", f"{tmp}/two.json", *small)
nn("train", "--data", two, "--loss", "bce", "--out", f"{tmp}/bce.json", *small)
nn("train", "--data", IRIS, "--preprocess", "pca-whiten", "--out", f"{tmp}/pca.json", *small)
nn("preprocess", "fit", "--method", "pca-whiten", "--data", IRIS, "--exclude", "species",
   "--out", f"{tmp}/pca_params.json")
nn("preprocess", "fit", "--method", "standardize", "--data", IRIS, "--exclude", "species",
   "--out", f"{tmp}/std_params.json")
nn("train", "--data", IRIS, "--checkpoint", f"{tmp}/ck", "--out", f"{tmp}/ck.json", *small)
with open(f"{tmp}/narrow.csv", "w") as f:
    f.write("a,b\n0,1\n1e-300,2\n")  # column a spans 1e-300: min-max multiplies by 1e300
nn("preprocess", "fit", "--method", "minmax", "--data", f"{tmp}/narrow.csv", "--out",
   f"{OUT}/params_narrow_range.json")

iris = json.load(open(f"{tmp}/iris.json"))
iris["training"] = None  # no absolute paths in committed files
pre = lambda m: m["preprocessing"]
save("model_ok.json", iris)
variant(iris, "model_labels_short.json",
        lambda m: (m["labels"].pop(), pre(m)["schema"]["kind"]["labels"]["names"].pop()))
variant(iris, "model_schema_labels_short.json",
        lambda m: pre(m)["schema"]["kind"]["labels"]["names"].pop())
variant(iris, "model_scale_short.json", lambda m: pre(m)["features"]["scale"].pop())
variant(iris, "model_dup_features.json", lambda m: m["features"].__setitem__(1, "sepal_length"))
variant(iris, "model_imputer_short.json", lambda m: pre(m)["schema"]["imputer"]["means"].pop())
variant(iris, "model_zero_scale.json", lambda m: pre(m)["features"]["scale"].__setitem__(2, 0.0))
variant(iris, "model_huge_weight.json", lambda m: m["layers"][0]["weight"][0].__setitem__(0, 1e300))
variant(iris, "model_regress_with_labels.json", lambda m: m.__setitem__("task", "regress"))

two_classes = json.load(open(f"{tmp}/two.json"))
two_classes["training"] = None
save("two_classes.json", two_classes)

bce = json.load(open(f"{tmp}/bce.json"))
bce["training"] = None
variant(bce, "model_bce_null_labels.json", lambda m: m.__setitem__("labels", None))


def narrow_pca(whitener):
    """Drops the last component consistently: matrix (d, k-1), inverse (k-1, d), eigenvalues."""
    m = whitener["matrix"]
    d, k = m["dim"]
    m["data"] = [v for i, v in enumerate(m["data"]) if i % k != k - 1]
    m["dim"] = [d, k - 1]
    inv = whitener["inverse"]
    inv["data"] = inv["data"][: (k - 1) * d]
    inv["dim"] = [k - 1, d]
    whitener["eigenvalues"].pop()


pca = json.load(open(f"{tmp}/pca.json"))
pca["training"] = None
variant(pca, "model_pca_narrow.json", lambda m: narrow_pca(pre(m)["features"]))

params = json.load(open(f"{tmp}/pca_params.json"))
variant(params, "params_pca_narrow.json", lambda p: narrow_pca(p["preprocessor"]))


def drop_matrix_row(p):
    m = p["preprocessor"]["matrix"]
    m["dim"][0] -= 1
    m["data"] = m["data"][: m["dim"][0] * m["dim"][1]]


variant(params, "params_matrix_rows.json", drop_matrix_row)
std = json.load(open(f"{tmp}/std_params.json"))
variant(std, "params_scale_short.json", lambda p: p["preprocessor"]["scale"].pop())
variant(std, "params_dup_names.json",
        lambda p: (p["columns"].__setitem__(1, "sepal_length"),
                   p["schema"]["feature_names"].__setitem__(1, "sepal_length")))

ck = json.load(open(f"{tmp}/ck/checkpoint.json"))
args = ck["extra"]["args"]
args.update(data=IRIS, out="m.json", checkpoint=None, epochs=4)  # an unfinished run of 4


def checkpoint(name, change):
    value = copy.deepcopy(ck)
    change(value)
    os.makedirs(os.path.join(OUT, name), exist_ok=True)
    save(os.path.join(name, "checkpoint.json"), value)


checkpoint("ck_every_0", lambda c: c["extra"]["args"].__setitem__("checkpoint_every", 0))
checkpoint("ck_lr_negative", lambda c: c["extra"]["args"].__setitem__("lr", -1.0))
checkpoint("ck_velocity_short", lambda c: c["state"]["optimizer"]["sgd"]["velocity"][0].pop())
checkpoint("ck_epoch_ahead", lambda c: c["state"]["trainer"].__setitem__("epoch", 7))
checkpoint("ck_batch_size", lambda c: c["state"]["trainer"].__setitem__("batch_size", 5))

with open(os.path.join(OUT, "nan.csv"), "w") as f:
    f.write("sepal_length,sepal_width,petal_length,petal_width,species\n")
    f.write("5.1,3.5,1.4,0.2,setosa\n4.9,nan,1.4,0.2,setosa\n")
with open(os.path.join(OUT, "long_cell.csv"), "w") as f:
    f.write("sepal_length,sepal_width,petal_length,petal_width,species\n")
    f.write("5.1,3.5,1.4,0.2,setosa\n4.9," + "x" * 3000 + ",1.4,0.2,setosa\n")
with open(os.path.join(OUT, "overflow_row.csv"), "w") as f:
    f.write("sepal_length,sepal_width,petal_length,petal_width,species\n")
    f.write("5.1,3.5,1.4,0.2,setosa\n1e300,3.0,1.4,0.2,setosa\n")
with open(os.path.join(OUT, "near_max.csv"), "w") as f:
    f.write("a,b,y\n")
    for i in range(12):
        sign = "-" if i % 2 else ""
        f.write(f"{sign}1.{7 - i % 3}e308,{i},{'xy'[i % 2]}\n")
# A model of digits 0-2, and a folder whose test part has a 5 (more classes than it knows).
idx_folder(f"{tmp}/digits3", [i % 3 for i in range(12)], [0, 1, 2])
nn("train", "--data", f"{tmp}/digits3", "--out", f"{tmp}/digits3.json", *small)
digits3 = json.load(open(f"{tmp}/digits3.json"))
digits3["training"] = None
save("model_digits_0_to_2.json", digits3)
idx_folder(f"{OUT}/idx_unseen_digit", [i % 3 for i in range(12)], [0, 5, 2])

nn("train", "--data", "datasets/diabetes.csv", "--out", f"{tmp}/diabetes.json", *small)
diabetes = json.load(open(f"{tmp}/diabetes.json"))
diabetes["training"] = None
save("model_diabetes.json", diabetes)
with open("datasets/diabetes.csv") as f:
    rows = f.readlines()[:3]
with open(os.path.join(OUT, "huge_target.csv"), "w") as f:
    head = rows[1].rsplit(",", 1)[0]
    f.writelines([rows[0], f"{head},1e200\n", rows[2]])

with open(os.path.join(OUT, "far_out.csv"), "w") as f:
    f.write("a,b\n0.5,1\n1e10,2\n")
with open(os.path.join(OUT, "one_class.csv"), "w") as f:
    f.writelines(lines[:41])
