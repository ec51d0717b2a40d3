#!/bin/sh
# The 16-core scaling table in one command: GEMM 2048³ (f32) and the MNIST epoch, nn
# against PyTorch (and numpy) on 1, 2, 4, 8 and 16 threads.
#
# Meant for a many-core x86-64 machine that has python3 with numpy and PyTorch but no Rust
# toolchain: build the binaries here first, carry the working tree with them, run from the
# repository root there:
#
#     cargo build --release -p nn-benches --bin gemm_bench --bin train_bench   # here
#     sh benches/compare/scaling.sh                                           # there
#
# Environment: THREADS (default 1,2,4,8,16), PYTHON (default python3), OUT (a folder: the
# tables are also written there as scaling-gemm.md and scaling-mnist.md).
set -eu
THREADS=${THREADS:-1,2,4,8,16}
PYTHON=${PYTHON:-python3}
OUT=${OUT:-}
for bin in gemm_bench train_bench; do
    if [ ! -x "target/release/$bin" ]; then
        echo "target/release/$bin is missing: build it with cargo first (see the header)" >&2
        exit 2
    fi
done
lscpu 2>/dev/null | grep -E "Model name|^CPU\(s\)|Flags" | cut -c1-200 || true
run() {
    name=$1
    shift
    if [ -n "$OUT" ]; then
        "$@" | tee "$OUT/$name"
    else
        "$@"
    fi
}
run scaling-gemm.md "$PYTHON" benches/compare/gemm.py --no-build --markdown --threads "$THREADS" \
    --dtypes f32 --impls nn,torch --shapes 2048x2048x2048 --rounds 3 --reps 3
run scaling-mnist.md "$PYTHON" benches/compare/train.py --no-build --only mnist \
    --threads "$THREADS" --libs nn,nn-dense,torch,numpy --epochs 3
