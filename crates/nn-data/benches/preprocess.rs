//! Criterion benches: fit+transform of standardize, min-max and ZCA on MNIST train
//! (60000×784), parsing datasets/digits.csv, and fit cost across feature counts.
//!
//! `cargo bench -p nn-data --bench preprocess` (from the workspace root; MNIST groups take
//! a few minutes). See BENCHMARKS-data.md for the numpy/scikit-learn comparison.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use ndarray::Array2;
use nn_data::{
    load_csv, load_mnist_dir, CsvOptions, MinMaxScaler, StandardScaler, Transformer, Whitener,
    WhiteningMethod,
};
use std::hint::black_box;
use std::path::PathBuf;
use std::time::Duration;

fn datasets() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../datasets")
}

fn mnist(c: &mut Criterion) {
    let x = load_mnist_dir(datasets().join("mnist"))
        .expect("datasets/mnist")
        .train
        .features;
    let id = format!("{}x{}", x.nrows(), x.ncols());
    let mut group = c.benchmark_group("mnist_fit_transform");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(10));
    group.throughput(Throughput::Elements(x.len() as u64));
    group.bench_function(BenchmarkId::new("standardize", &id), |b| {
        b.iter(|| {
            StandardScaler::default()
                .fit_transform(black_box(x.view()))
                .unwrap()
        })
    });
    group.bench_function(BenchmarkId::new("min-max", &id), |b| {
        b.iter(|| {
            MinMaxScaler::default()
                .fit_transform(black_box(x.view()))
                .unwrap()
        })
    });
    group.measurement_time(Duration::from_secs(30));
    group.bench_function(BenchmarkId::new("zca", &id), |b| {
        b.iter(|| {
            Whitener::new(WhiteningMethod::Zca)
                .fit_transform(black_box(x.view()))
                .unwrap()
        })
    });
    group.finish();
}

fn parse_digits(c: &mut Criterion) {
    let path = datasets().join("digits.csv");
    let mut group = c.benchmark_group("parse_csv");
    group.throughput(Throughput::Bytes(
        std::fs::metadata(&path).map_or(0, |m| m.len()),
    ));
    group.bench_function(BenchmarkId::new("digits", "1797x64"), |b| {
        b.iter(|| load_csv(black_box(&path), &CsvOptions::default()).unwrap())
    });
    group.finish();
}

/// Fixed-seed pseudo-random data (64-bit LCG) of shape (n, d).
fn random(n: usize, d: usize) -> Array2<f64> {
    let mut lcg = nn_testutil::Lcg::from_state(42);
    Array2::from_shape_fn((n, d), |_| lcg.next_f64())
}

fn fit_by_features(c: &mut Criterion) {
    let mut group = c.benchmark_group("fit_by_features");
    group.sample_size(10);
    for d in [16, 64, 256] {
        let x = random(4096, d);
        let id = format!("4096x{d}");
        group.bench_function(BenchmarkId::new("standardize", &id), |b| {
            b.iter(|| StandardScaler::default().fit(black_box(x.view())).unwrap())
        });
        group.bench_function(BenchmarkId::new("zca", &id), |b| {
            b.iter(|| {
                Whitener::new(WhiteningMethod::Zca)
                    .fit(black_box(x.view()))
                    .unwrap()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, mnist, parse_digits, fit_by_features);
criterion_main!(benches);
