//! The bf16 GEMM against a reference that rounds the operands to bf16 and accumulates in `f64`,
//! within a derived bound; the AVX512_BF16 kernel against the portable emulation bit for bit;
//! and the same bits at any thread count.
//!
//! Bound. The products of two bf16 are exact in `f32`, so every error comes from the `f32`
//! additions. Element `c_ij` (α = 1, β = 0) is built from `k` additions onto the block
//! accumulators (blocks of `KC = 512` depth elements, each summed from 0) plus one addition per
//! block onto C, so at most `N = k + ⌈k/512⌉` roundings of relative size `u = 2⁻²⁴`, and the
//! classic summation bound gives `|ĉ − c| ≤ γ_N · Σ_p |a_ip·b_pj|` with `γ_N = N·u / (1 − N·u)`
//! (Higham, *Accuracy and Stability of Numerical Algorithms*, §3.1). Flushed subnormal sums
//! would add at most `N·2⁻¹²⁶`, far below the tolerance for these data.

use ndarray::{Array2, ArrayView2};
use nn_tensor::matmul::bf16::{gemm_bf16, gemm_bf16_with_kernel, round_bf16, Bf16Kernel};
use nn_tensor::{set_num_threads, Transpose};

/// Deterministic values in [-scale, scale) from the tests' LCG (fixed seed per matrix).
fn random(rows: usize, cols: usize, seed: u64, scale: f64) -> Array2<f32> {
    let mut lcg = nn_testutil::Lcg::new(seed);
    Array2::from_shape_simple_fn((rows, cols), || (lcg.symmetric() * scale) as f32)
}

/// The stored operand for `op(X)` of shape `(rows, cols)`.
fn stored(rows: usize, cols: usize, t: Transpose, seed: u64) -> Array2<f32> {
    match t {
        Transpose::No => random(rows, cols, seed, 1.0),
        Transpose::Yes => random(cols, rows, seed, 1.0),
    }
}

fn op(x: &Array2<f32>, t: Transpose) -> ArrayView2<'_, f32> {
    match t {
        Transpose::No => x.view(),
        Transpose::Yes => x.t(),
    }
}

/// `Σ_p bf16(a_ip)·bf16(b_pj)` in `f64`, and `Σ_p |…|`.
fn reference(a: ArrayView2<f32>, b: ArrayView2<f32>) -> (Array2<f64>, Array2<f64>) {
    let (m, k, n) = (a.nrows(), a.ncols(), b.ncols());
    let (mut c, mut abs) = (Array2::zeros((m, n)), Array2::zeros((m, n)));
    for i in 0..m {
        for j in 0..n {
            for p in 0..k {
                let prod = f64::from(round_bf16(a[[i, p]])) * f64::from(round_bf16(b[[p, j]]));
                c[[i, j]] += prod;
                abs[[i, j]] += prod.abs();
            }
        }
    }
    (c, abs)
}

const TS: [Transpose; 2] = [Transpose::No, Transpose::Yes];

/// Edges of the 12×32 tile, odd depths, and depths across the 512-element block.
const SHAPES: [(usize, usize, usize); 9] = [
    (1, 1, 1),
    (12, 32, 2),
    (13, 33, 7),
    (11, 31, 64),
    (25, 65, 513),
    (97, 40, 1100),
    (3, 100, 784),
    (100, 10, 300),
    (40, 1030, 9),
];

#[test]
fn within_the_derived_bound_of_the_bf16_f64_reference() {
    for (m, n, k) in SHAPES {
        for (ta, tb) in [(TS[0], TS[0]), (TS[1], TS[0]), (TS[0], TS[1])] {
            let (a, b) = (stored(m, k, ta, 1), stored(k, n, tb, 2));
            let (a, b) = (op(&a, ta), op(&b, tb));
            let mut c = Array2::from_elem((m, n), f32::NAN); // β = 0 overwrites NaN
            gemm_bf16(1.0, a, ta_no(), b, ta_no(), 0.0, c.view_mut()).unwrap();
            let (want, abs) = reference(a, b);
            let roundings = (k + k.div_ceil(512)) as f64;
            let u = 2f64.powi(-24);
            let gamma = roundings * u / (1.0 - roundings * u);
            for ((&got, &w), &s) in c.iter().zip(&want).zip(&abs) {
                let err = (f64::from(got) - w).abs();
                assert!(
                    err <= gamma * s,
                    "{m}×{n}×{k} {ta:?}{tb:?}: {got} vs {w} (bound {})",
                    gamma * s
                );
            }
        }
    }
}

/// `Transpose::No` (the views above are already `op(X)`).
fn ta_no() -> Transpose {
    Transpose::No
}

#[test]
fn strided_operands_pack_like_contiguous_ones() {
    // Every other column of A and every other row of B: neither lanes nor depth contiguous.
    let (a, b) = (random(30, 2 * 45, 6, 1.0), random(2 * 45, 40, 7, 1.0));
    let (sa, sb) = (
        a.slice(ndarray::s![.., ..;2]),
        b.slice(ndarray::s![..;2, ..]),
    );
    let (mut strided, mut packed) = (Array2::zeros((30, 40)), Array2::zeros((30, 40)));
    gemm_bf16(1.0, sa, TS[0], sb, TS[0], 0.0, strided.view_mut()).unwrap();
    let (ca, cb) = (sa.to_owned(), sb.to_owned());
    gemm_bf16(
        1.0,
        ca.view(),
        TS[0],
        cb.view(),
        TS[0],
        0.0,
        packed.view_mut(),
    )
    .unwrap();
    assert_eq!(bits(&strided), bits(&packed));
}

#[test]
fn not_a_plain_f32_product() {
    // 0.1 in bf16 is 205/2048 = 0.10009765625, so 0.1·0.1 is (205/2048)² = 0.0100195408…,
    // not f32's 0.010000001.
    let x = ndarray::array![[0.1_f32]];
    let mut c = Array2::zeros((1, 1));
    gemm_bf16(1.0, x.view(), TS[0], x.view(), TS[0], 0.0, c.view_mut()).unwrap();
    assert_eq!(c[[0, 0]], (205.0_f32 / 2048.0) * (205.0 / 2048.0));
}

fn bits(c: &Array2<f32>) -> Vec<u32> {
    c.iter().map(|x| x.to_bits()).collect()
}

/// One product with α = 0.75, β = −0.5 onto a fixed C, with `kernel` on `threads` threads.
fn product(
    kernel: Bf16Kernel,
    (m, n, k): (usize, usize, usize),
    t: (Transpose, Transpose),
    threads: usize,
) -> Array2<f32> {
    let (a, b) = (stored(m, k, t.0, 3), stored(k, n, t.1, 4));
    let mut c = random(m, n, 5, 1.0);
    set_num_threads(threads);
    gemm_bf16_with_kernel(
        kernel,
        0.75,
        a.view(),
        t.0,
        b.view(),
        t.1,
        -0.5,
        c.view_mut(),
    )
    .unwrap();
    c
}

#[test]
fn kernel_matches_the_portable_emulation_bit_for_bit_at_any_thread_count() {
    let kernels: Vec<Bf16Kernel> = [Bf16Kernel::Avx512Bf16, Bf16Kernel::Auto]
        .into_iter()
        .filter(|k| k.is_available())
        .collect();
    if kernels.len() < 2 {
        eprintln!("skipped the AVX512_BF16 kernel: this CPU lacks it (portable checked alone)");
    }
    for shape in SHAPES.into_iter().chain([(300, 256, 784), (256, 784, 100)]) {
        for t in [
            (TS[0], TS[0]),
            (TS[1], TS[0]),
            (TS[0], TS[1]),
            (TS[1], TS[1]),
        ] {
            let want = bits(&product(Bf16Kernel::Portable, shape, t, 1));
            for &kernel in &kernels {
                for threads in [1, 2, 3] {
                    let got = bits(&product(kernel, shape, t, threads));
                    assert!(
                        got == want,
                        "{kernel:?} {shape:?} {t:?} on {threads} threads"
                    );
                }
            }
            let got = bits(&product(Bf16Kernel::Portable, shape, t, 3));
            assert!(got == want, "portable {shape:?} {t:?} on 3 threads");
        }
    }
}
