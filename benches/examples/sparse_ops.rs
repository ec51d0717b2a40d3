//! Per-call times of the first layer's sparse operations on a busy machine, where criterion's
//! means are noise: each operation runs `REPS` times on the first `BATCH` MNIST training images
//! (784→256 layer, one thread), and the minimum and median of the single-call times are printed
//! (the minimum is the call that no other process interrupted).
//!
//! `cargo build --release -p nn-benches --example sparse_ops`, then
//! `target/release/examples/sparse_ops 512 200`.

use ndarray::s;
use nn_benches::workloads::mnist;
use nn_tensor::aligned::{aligned_copy, zeros_aligned};
use nn_tensor::sparse::{spmm, spmm_transposed, BlockedTranspose, CsrMatrix};
use std::time::Instant;

/// Minimum and median seconds of `reps` calls of `f`.
fn time(reps: usize, mut f: impl FnMut()) -> (f64, f64) {
    let mut t: Vec<f64> = (0..reps)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed().as_secs_f64()
        })
        .collect();
    t.sort_by(f64::total_cmp);
    (t[0], t[reps / 2])
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let usage = "usage: sparse_ops BATCH REPS";
    let batch: usize = args.get(1).and_then(|a| a.parse().ok()).expect(usage);
    let reps: usize = args.get(2).and_then(|a| a.parse().ok()).expect(usage);
    nn_tensor::set_num_threads(1);
    let (x, _) = mnist("train");
    let x = x.slice(s![..batch, ..]).to_owned();
    let wt = aligned_copy(&nn_benches::operand::<f32>(784, 256, 1), false);
    let delta = nn_benches::operand::<f32>(batch, 256, 2);
    let (mut csr, mut xt) = (CsrMatrix::from_dense(x.view()), CsrMatrix::new());
    csr.transpose_into(&mut xt);
    let mut blocked = BlockedTranspose::new();
    let mut z = zeros_aligned::<f32>((batch, 256), false);
    let mut gwt = zeros_aligned::<f32>((784, 256), false);
    let rows: Vec<(&str, (f64, f64))> = vec![
        ("build", time(reps, || csr.assign_dense(x.view()))),
        ("transpose", time(reps, || csr.transpose_into(&mut xt))),
        (
            "forward",
            time(reps, || {
                spmm(&csr, wt.view(), z.view_mut()).expect("shapes")
            }),
        ),
        (
            "weight_grad",
            time(reps, || {
                spmm(&xt, delta.view(), gwt.view_mut()).expect("shapes")
            }),
        ),
        ("blocked", time(reps, || blocked.assign(&csr))),
        (
            "grad_blocked",
            time(reps, || {
                spmm_transposed(&blocked, delta.view(), gwt.view_mut()).expect("shapes")
            }),
        ),
    ];
    println!(
        "batch {batch}, {} non-zeros, {reps} calls: min / median µs",
        csr.nnz()
    );
    for (name, (lo, med)) in rows {
        println!("{name:12} {:8.1} {:8.1}", lo * 1e6, med * 1e6);
    }
}
