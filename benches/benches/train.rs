//! Training speed: the sparse first-layer products against the dense GEMM on an MNIST batch,
//! one full training step (iris 4-16-3 full batch; MNIST 784-256-128-10, batch 128, sparse and
//! dense paths), the MNIST step with dropout (`forward_train`) and a whole MNIST epoch. Run with
//! `cargo bench -p nn-benches --bench train` (`-- spmm`, `-- csr`, `-- step`, `-- dropout`,
//! `-- epoch` filter by name). The side-by-side comparison
//! with PyTorch and numpy is `benches/compare/train.py`.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use ndarray::{s, Array2};
use nn_benches::workloads::{iris, mlp, mnist, one_hot};
use nn_core::{DropoutKey, Loss, Network};
use nn_optim::{Optimizer, Sgd, SgdConfig, Trainer};
use nn_tensor::aligned::{aligned_copy, zeros_aligned};
use nn_tensor::sparse::{spmm, CsrMatrix};
use std::hint::black_box;
use std::time::Duration;

/// `z = x·Wᵀ` and `∂L/∂Wᵀ = xᵀ·δ` for the first 128 MNIST images and a 784→256 layer, through
/// `spmm` (19% of the entries are non-zero) and through the dense GEMM. Throughput counts the
/// dense product's FLOPs for all, so the figures compare as time.
fn sparse_products(c: &mut Criterion) {
    let (x, _) = mnist("train");
    let x = x.slice(s![..128, ..]).to_owned();
    // Aligned like a network's first-layer weights (see `nn_tensor::aligned`).
    let wt = aligned_copy(&nn_benches::operand::<f32>(784, 256, 1), false);
    let delta = nn_benches::operand::<f32>(128, 256, 2);
    let (csr, mut xt) = (CsrMatrix::from_dense(x.view()), CsrMatrix::new());
    csr.transpose_into(&mut xt);
    let mut z = zeros_aligned::<f32>((128, 256), false);
    let mut gwt = zeros_aligned::<f32>((784, 256), false);
    let mut group = c.benchmark_group("spmm");
    group.throughput(Throughput::Elements(2 * 128 * 784 * 256));
    group.bench_function("forward_sparse", |b| {
        b.iter(|| spmm(&csr, wt.view(), z.view_mut()).expect("shapes"))
    });
    group.bench_function("forward_dense", |b| {
        b.iter(|| nn_tensor::matmul(x.view(), wt.view(), z.view_mut()).expect("shapes"))
    });
    group.bench_function("weight_grad_sparse", |b| {
        b.iter(|| spmm(&xt, delta.view(), gwt.view_mut()).expect("shapes"))
    });
    group.bench_function("weight_grad_dense", |b| {
        let (x, d) = (x.view(), delta.view());
        b.iter(|| nn_tensor::matmul_tn(x, d, gwt.view_mut()).expect("shapes"))
    });
    group.finish();
    let mut group = c.benchmark_group("csr");
    let mut m = CsrMatrix::new();
    group.bench_function("build", |b| b.iter(|| m.assign_dense(black_box(x.view()))));
    group.bench_function("transpose", |b| b.iter(|| csr.transpose_into(&mut xt)));
    group.finish();
}

/// Forward, backward and one plain SGD step on `(x, y)`.
fn step(net: &mut Network<f32>, sgd: &mut Sgd<f32>, x: &Array2<f32>, y: &Array2<f32>) {
    net.forward(x.view()).expect("forward");
    backward_step(net, sgd, x, y);
}

fn backward_step(net: &mut Network<f32>, sgd: &mut Sgd<f32>, x: &Array2<f32>, y: &Array2<f32>) {
    let loss = net.backward_loss(x.view(), y.view(), Loss::CrossEntropy);
    black_box(loss.expect("backward"));
    sgd.step(net, 0.1);
}

fn training_steps(c: &mut Criterion) {
    let mut group = c.benchmark_group("step");
    let sgd = || Sgd::new(SgdConfig::default()).expect("plain SGD");
    let (x, labels) = iris();
    let y = one_hot(&labels, 3);
    let (mut net, mut opt) = (mlp(&[4, 16, 3]), sgd());
    group.bench_function("iris_full_batch", |b| {
        b.iter(|| step(&mut net, &mut opt, &x, &y))
    });
    let (x, labels) = mnist("train");
    let (x, y) = (
        x.slice(s![..128, ..]).to_owned(),
        one_hot(&labels[..128], 10),
    );
    for (name, sparse) in [
        ("mnist_batch128_sparse", true),
        ("mnist_batch128_dense", false),
    ] {
        let (mut net, mut opt) = (mlp(&[784, 256, 128, 10]), sgd());
        net.set_sparse_input(sparse);
        group.bench_function(name, |b| b.iter(|| step(&mut net, &mut opt, &x, &y)));
    }
    group.finish();
}

/// The MNIST step (784-256-128-10, batch 128, sparse path) through `forward_train`: without
/// dropout (must cost what `forward` does) and with `p` on both hidden layers.
fn dropout_steps(c: &mut Criterion) {
    let mut group = c.benchmark_group("dropout");
    let (x, labels) = mnist("train");
    let (x, y) = (
        x.slice(s![..128, ..]).to_owned(),
        one_hot(&labels[..128], 10),
    );
    for p in [0.0, 0.2, 0.5] {
        let mut net = mlp(&[784, 256, 128, 10]);
        net.set_dropout(&[p, p, 0.0]).expect("valid p");
        let mut sgd = Sgd::new(SgdConfig::default()).expect("plain SGD");
        let (key, mut first_row) = (DropoutKey::from_seed(0), 0);
        group.bench_function(format!("mnist_batch128_p{p}"), |b| {
            b.iter(|| {
                net.forward_train(x.view(), &key, first_row)
                    .expect("forward");
                first_row += 128;
                backward_step(&mut net, &mut sgd, &x, &y)
            })
        });
    }
    group.finish();
}

fn mnist_epoch(c: &mut Criterion) {
    let (x, labels) = mnist("train");
    let y = one_hot(&labels, 10);
    let mut group = c.benchmark_group("epoch");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(8));
    for (name, sparse) in [("mnist_sparse", true), ("mnist_dense", false)] {
        let mut net = mlp(&[784, 256, 128, 10]);
        net.set_sparse_input(sparse);
        let mut sgd = Sgd::new(SgdConfig::default()).expect("plain SGD");
        let mut trainer = Trainer::new(128, 0);
        group.bench_function(name, |b| {
            b.iter(|| {
                let (x, y) = (x.view(), y.view());
                let report = trainer.run_epoch(&mut net, &mut sgd, Loss::CrossEntropy, x, y, 0.1);
                black_box(report.expect("epoch"))
            })
        });
    }
    group.finish();
}

criterion_group!(
    benches,
    sparse_products,
    training_steps,
    dropout_steps,
    mnist_epoch
);
criterion_main!(benches);
