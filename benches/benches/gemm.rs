//! GEMM throughput (`C = A·B`) in FLOP/s: naive, packed-portable, dispatched (nn's `matmul`) and
//! ndarray's `dot` (matrixmultiply) as the peer, for f32 and f64, on square sizes 64..2048, the
//! MNIST MLP shapes and the iris shape. Run with `cargo bench -p nn-benches --bench gemm`
//! (`-- f32/dispatched` and the like filter by name).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use ndarray::{Array2, LinalgScalar};
use nn_benches::{operand, Variant};
use nn_tensor::matmul::KernelChoice;
use nn_tensor::Float;
use std::hint::black_box;
use std::time::Duration;

/// `(m, k, n)`: square sizes, the MLP forward/backward shapes, and iris' first layer.
const SHAPES: [(usize, usize, usize); 9] = [
    (64, 64, 64),
    (128, 128, 128),
    (256, 256, 256),
    (512, 512, 512),
    (1024, 1024, 1024),
    (2048, 2048, 2048),
    (128, 784, 256),
    (784, 128, 256),
    (150, 4, 16),
];

/// Skips variants that would take too long on big shapes (naive above 256³, portable at 2048³).
fn worth_running(variant: Variant, (m, k, n): (usize, usize, usize)) -> bool {
    let fmas = m * k * n;
    match variant {
        Variant::Naive => fmas <= 256 * 256 * 256,
        Variant::Packed(_) => fmas <= 1024 * 1024 * 1024,
        _ => true,
    }
}

fn bench_dtype<T: Float + LinalgScalar>(c: &mut Criterion) {
    let mut group = c.benchmark_group(format!("gemm_{}", T::NAME));
    group
        .sample_size(10)
        .warm_up_time(Duration::from_millis(300));
    group.measurement_time(Duration::from_secs(1));
    let variants = [
        Variant::Naive,
        Variant::Packed(KernelChoice::Portable),
        Variant::Dispatched,
        Variant::NdarrayDot,
    ];
    for (m, k, n) in SHAPES {
        let (a, b) = (operand::<T>(m, k, 1), operand::<T>(k, n, 2));
        let mut out = Array2::<T>::zeros((m, n));
        group.throughput(Throughput::Elements(2 * (m * n * k) as u64));
        for variant in variants
            .into_iter()
            .filter(|&v| worth_running(v, (m, k, n)))
        {
            let id = BenchmarkId::new(variant.label(), format!("{m}x{k}x{n}"));
            group.bench_function(id, |bench| {
                bench.iter(|| variant.run(black_box(&a), black_box(&b), &mut out))
            });
        }
    }
    group.finish();
}

fn gemm(c: &mut Criterion) {
    bench_dtype::<f32>(c);
    bench_dtype::<f64>(c);
}

criterion_group!(benches, gemm);
criterion_main!(benches);
