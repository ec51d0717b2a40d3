//! Every GEMM kernel (portable, AVX2+FMA, AVX-512F) and the dispatched `gemm` against
//! `matmul_naive`, on awkward shapes, all transposition forms, α/β, and strided views.
//!
//! Tolerance: for `C = α·A·B + β·C0` each element may differ from the exact value by about
//! `(k + 2)·eps·(|α|·Σ_p |a_ip·b_pj| + |β|·|c0_ij|)` (the classic dot-product error bound), so
//! the checks use that bound computed from `|A|·|B|`.

use ndarray::{s, Array2, ArrayView2, ShapeBuilder};
use nn_tensor::matmul::{gemm_with_kernel, KernelChoice};
use nn_tensor::{gemm, matmul_naive, Float, Transpose};
use proptest::prelude::*;

const KERNELS: [KernelChoice; 4] = [
    KernelChoice::Portable,
    KernelChoice::Avx2,
    KernelChoice::Avx512,
    KernelChoice::Auto,
];

/// `x` as `T` (named to avoid the clash with `num_traits::FromPrimitive::from_f64`).
fn fl<T: Float>(x: f64) -> T {
    <T as Float>::from_f64(x)
}

/// Deterministic values in [-1, 1) from a 64-bit LCG (fixed seed per matrix).
fn random<T: Float>(rows: usize, cols: usize, seed: u64) -> Array2<T> {
    let mut lcg = nn_testutil::Lcg::new(seed);
    Array2::from_shape_simple_fn((rows, cols), || fl::<T>(lcg.symmetric()))
}

/// The stored operand for `op(X)` of shape `(rows, cols)`: `X` itself, or its transpose.
fn stored<T: Float>(rows: usize, cols: usize, t: Transpose, seed: u64) -> Array2<T> {
    match t {
        Transpose::No => random(rows, cols, seed),
        Transpose::Yes => random(cols, rows, seed),
    }
}

fn op<T>(x: ArrayView2<'_, T>, t: Transpose) -> ArrayView2<'_, T> {
    match t {
        Transpose::No => x,
        Transpose::Yes => x.reversed_axes(),
    }
}

/// One product's inputs, expected value and error bound.
struct Case<T> {
    a: Array2<T>,
    b: Array2<T>,
    c0: Array2<T>,
    want: Array2<T>,
    bound: Array2<T>,
}

fn case<T: Float>(
    dims: (usize, usize, usize),
    ta: Transpose,
    tb: Transpose,
    ab: (T, T),
) -> Case<T> {
    let (m, k, n) = dims;
    let (alpha, beta) = ab;
    let a = stored::<T>(m, k, ta, (m * 31 + k) as u64);
    let b = stored::<T>(k, n, tb, (k * 17 + n + 5) as u64);
    let c0 = random::<T>(m, n, 99);
    let prod = matmul_naive(op(a.view(), ta), op(b.view(), tb)).unwrap();
    let abs = matmul_naive(
        op(a.view(), ta).mapv(T::abs).view(),
        op(b.view(), tb).mapv(T::abs).view(),
    );
    let c_term = if beta == T::zero() {
        Array2::zeros((m, n))
    } else {
        &c0 * beta
    };
    let want = &prod * alpha + &c_term;
    let slack = fl::<T>((k + 2) as f64) * T::epsilon();
    let bound =
        (abs.unwrap() * alpha.abs() + c_term.mapv(T::abs)) * slack + T::min_positive_value();
    Case {
        a,
        b,
        c0,
        want,
        bound,
    }
}

fn assert_close<T: Float>(got: ArrayView2<T>, cs: &Case<T>, what: &str) {
    for ((idx, &g), (&w, &tol)) in got.indexed_iter().zip(cs.want.iter().zip(&cs.bound)) {
        assert!(
            (g - w).abs() <= tol,
            "{what}: at {idx:?} got {g}, want {w} (tol {tol})"
        );
    }
}

/// Runs `kernel` on one case with C contiguous (β = 0 starts from NaN to prove overwrite).
fn check<T: Float>(
    kernel: KernelChoice,
    dims: (usize, usize, usize),
    ta: Transpose,
    tb: Transpose,
    ab: (T, T),
) {
    run_case(kernel, &case::<T>(dims, ta, tb, ab), ta, tb, ab);
}

fn run_case<T: Float>(
    kernel: KernelChoice,
    cs: &Case<T>,
    ta: Transpose,
    tb: Transpose,
    ab: (T, T),
) {
    let mut c = if ab.1 == T::zero() {
        Array2::from_elem(cs.c0.dim(), T::nan())
    } else {
        cs.c0.clone()
    };
    gemm_with_kernel(
        kernel,
        ab.0,
        cs.a.view(),
        ta,
        cs.b.view(),
        tb,
        ab.1,
        c.view_mut(),
    )
    .unwrap();
    let dims = (cs.want.nrows(), cs.want.ncols());
    assert_close(
        c.view(),
        cs,
        &format!("{kernel:?} {} {dims:?} {ta:?} {tb:?}", T::NAME),
    );
}

fn available(kernel: KernelChoice) -> bool {
    if !kernel.is_available() {
        println!("skipping {kernel:?}: this CPU lacks the feature");
    }
    kernel.is_available()
}

const FORMS: [(Transpose, Transpose); 4] = [
    (Transpose::No, Transpose::No),
    (Transpose::Yes, Transpose::No),
    (Transpose::No, Transpose::Yes),
    (Transpose::Yes, Transpose::Yes),
];

/// 0, 1, MR±1 and NR±1 of every kernel (MR ∈ {4, 6, 12}, NR ∈ {8, 16, 32}), primes, tall-skinny.
const AWKWARD: [(usize, usize, usize); 14] = [
    (0, 3, 4),
    (3, 0, 4),
    (3, 4, 0),
    (1, 1, 1),
    (5, 7, 9),
    (11, 13, 15),
    (13, 2, 17),
    (7, 31, 33),
    (3, 5, 31),
    (37, 61, 41),
    (97, 1, 53),
    (300, 3, 2),
    (2, 300, 3),
    (25, 257, 70),
];

fn awkward_shapes_all_forms<T: Float>() {
    for kernel in KERNELS.into_iter().filter(|&k| available(k)) {
        for dims in AWKWARD {
            for (ta, tb) in FORMS {
                check::<T>(kernel, dims, ta, tb, (T::one(), T::zero()));
            }
            let (half, three) = (fl::<T>(0.5), fl::<T>(-3.0));
            check::<T>(kernel, dims, Transpose::No, Transpose::No, (three, half));
            check::<T>(
                kernel,
                dims,
                Transpose::Yes,
                Transpose::No,
                (T::one(), T::one()),
            );
            check::<T>(
                kernel,
                dims,
                Transpose::No,
                Transpose::Yes,
                (T::zero(), half),
            );
        }
    }
}

#[test]
fn awkward_shapes_f32() {
    awkward_shapes_all_forms::<f32>();
}

#[test]
fn awkward_shapes_f64() {
    awkward_shapes_all_forms::<f64>();
}

/// The MLP shapes: forward `[128×784]·[784×256]`, backward `Aᵀ·B` and `A·Bᵀ` forms.
#[test]
fn mlp_shapes_every_kernel() {
    let (t, n) = (Transpose::Yes, Transpose::No);
    let forward = case::<f32>((128, 784, 256), n, n, (1.0, 0.0));
    let backward = case::<f32>((784, 128, 256), t, n, (1.0, 0.0));
    let acc = case::<f64>((128, 256, 784), n, t, (1.0, 1.0));
    for kernel in KERNELS.into_iter().filter(|&k| available(k)) {
        run_case(kernel, &forward, n, n, (1.0, 0.0));
        run_case(kernel, &backward, t, n, (1.0, 0.0));
        run_case(kernel, &acc, n, t, (1.0, 1.0));
    }
}

/// Strided and reversed operands, and C as a column-major or non-contiguous view.
fn strided_views<T: Float>(kernel: KernelChoice) {
    let big_a = random::<T>(2 * 45, 2 * 29, 1);
    let big_b = random::<T>(29, 3 * 33, 2);
    let a = big_a.slice(s![..;2, ..;-2]); // (45, 29), both strides unusual
    let b = big_b.slice(s![.., ..;3]); // (29, 33)
    let (alpha, beta) = (fl::<T>(1.5), fl::<T>(-0.5));
    let want_ab = matmul_naive(a, b).unwrap();
    let mut c_f = Array2::<T>::zeros((45, 33).f());
    c_f.assign(&random::<T>(45, 33, 3));
    let mut wide = Array2::<T>::zeros((45, 66));
    wide.slice_mut(s![.., ..;2]).assign(&c_f);
    let want = &want_ab * alpha + &c_f * beta;
    let (t, name) = (Transpose::No, format!("{kernel:?} {}", T::NAME));
    gemm_with_kernel(kernel, alpha, a, t, b, t, beta, c_f.view_mut()).unwrap();
    gemm_with_kernel(
        kernel,
        alpha,
        a,
        t,
        b,
        t,
        beta,
        wide.slice_mut(s![.., ..;2]),
    )
    .unwrap();
    let tol = fl::<T>(64.0) * T::epsilon();
    for got in [c_f.view(), wide.slice(s![.., ..;2])] {
        let err = (&got - &want)
            .mapv(T::abs)
            .fold(T::zero(), |m, &x| m.max(x));
        assert!(err <= tol, "{name}: max error {err}");
    }
    assert!(
        wide.slice(s![.., 1..;2]).iter().all(|&x| x == T::zero()),
        "{name}: wrote outside C"
    );
}

/// A broadcast operand (row stride 0) and a C with reversed rows (negative stride).
fn broadcast_and_reversed<T: Float>(kernel: KernelChoice) {
    let row = random::<T>(1, 37, 4);
    let a = row.broadcast((41, 37)).unwrap(); // every row the same, stride 0
    let b = random::<T>(37, 35, 5);
    let want = matmul_naive(a, b.view()).unwrap();
    let mut c = Array2::<T>::from_elem((41, 35), T::nan());
    let t = Transpose::No;
    let c_rev = c.slice_mut(s![..;-1, ..]);
    gemm_with_kernel(kernel, T::one(), a, t, b.view(), t, T::zero(), c_rev).unwrap();
    let c_back = c.slice(s![..;-1, ..]);
    let tol = fl::<T>(64.0) * T::epsilon();
    let err = (&c_back - &want)
        .mapv(T::abs)
        .fold(T::zero(), |m, &x| m.max(x));
    assert!(err <= tol, "{kernel:?} {}: max error {err}", T::NAME);
}

#[test]
fn broadcast_operand_and_reversed_output() {
    for kernel in KERNELS.into_iter().filter(|&k| available(k)) {
        broadcast_and_reversed::<f32>(kernel);
        broadcast_and_reversed::<f64>(kernel);
    }
}

#[test]
fn strided_and_non_contiguous_views() {
    for kernel in KERNELS.into_iter().filter(|&k| available(k)) {
        strided_views::<f32>(kernel);
        strided_views::<f64>(kernel);
    }
}

/// Threads split only m and n, so 1, 2 and 3 threads give identical bits.
#[test]
fn bit_identical_for_any_thread_count() {
    let a = random::<f32>(203, 310, 7);
    let b = random::<f32>(310, 157, 8);
    let run = |threads: usize, kernel: KernelChoice| {
        nn_tensor::set_num_threads(threads);
        let mut c = random::<f32>(203, 157, 9);
        let t = Transpose::No;
        gemm_with_kernel(kernel, 0.7, a.view(), t, b.view(), t, 1.3, c.view_mut()).unwrap();
        c
    };
    for kernel in KERNELS.into_iter().filter(|&k| available(k)) {
        let one = run(1, kernel);
        for threads in [2, 3] {
            let many = run(threads, kernel);
            let same = one
                .iter()
                .zip(&many)
                .all(|(x, y)| x.to_bits() == y.to_bits());
            assert!(same, "{kernel:?}: {threads} threads differ from 1");
        }
    }
    nn_tensor::set_num_threads(0);
}

/// A row of C has the same bits whether it falls in a full register tile or in a short edge
/// tile at the bottom of C (the kernels run edge tiles of ≤ 4 or ≤ 8 rows with fewer rows).
fn edge_rows_same_bits<T: Float>() {
    for (ta, tb) in FORMS {
        let (k, n) = (77, 45);
        let a = stored::<T>(24, k, ta, 11);
        let b = stored::<T>(k, n, tb, 12);
        for kernel in KERNELS.into_iter().filter(|&k| available(k)) {
            let mut full = Array2::<T>::zeros((24, n));
            let (one, zero) = (T::one(), T::zero());
            gemm_with_kernel(
                kernel,
                one,
                a.view(),
                ta,
                b.view(),
                tb,
                zero,
                full.view_mut(),
            )
            .unwrap();
            for m in [1, 3, 4, 5, 7, 8, 9, 13, 17, 23, 24] {
                let a_m = match ta {
                    Transpose::No => a.slice(s![..m, ..]),
                    Transpose::Yes => a.slice(s![.., ..m]),
                };
                let mut c = Array2::<T>::from_elem((m, n), T::nan());
                gemm_with_kernel(
                    kernel,
                    T::one(),
                    a_m,
                    ta,
                    b.view(),
                    tb,
                    T::zero(),
                    c.view_mut(),
                )
                .unwrap();
                let want = full.slice(s![..m, ..]);
                let same = c.iter().zip(want).all(|(x, y)| x.to_f64() == y.to_f64());
                assert!(same, "{kernel:?} {} m={m} {ta:?} {tb:?}", T::NAME);
            }
        }
    }
}

#[test]
fn edge_rows_same_bits_as_full_tiles() {
    edge_rows_same_bits::<f32>();
    edge_rows_same_bits::<f64>();
}

fn transpose_strategy() -> impl Strategy<Value = Transpose> {
    prop_oneof![Just(Transpose::No), Just(Transpose::Yes)]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// The dispatched `gemm` (small path included) and the portable kernel on random shapes.
    #[test]
    fn random_shapes_match_naive(
        m in 0usize..70, k in 0usize..70, n in 0usize..70,
        ta in transpose_strategy(), tb in transpose_strategy(),
        beta in prop_oneof![Just(0.0), Just(0.5)],
    ) {
        let cs = case::<f64>((m, k, n), ta, tb, (1.25, beta));
        let mut c = cs.c0.clone();
        gemm(1.25, cs.a.view(), ta, cs.b.view(), tb, beta, c.view_mut()).unwrap();
        assert_close(c.view(), &cs, "dispatched");
        let mut c = cs.c0.clone();
        let (a, b) = (cs.a.view(), cs.b.view());
        gemm_with_kernel(KernelChoice::Portable, 1.25, a, ta, b, tb, beta, c.view_mut()).unwrap();
        assert_close(c.view(), &cs, "portable");
    }
}

/// Shapes under `SMALL_FMAS` that exercise the direct path's loop orders and ragged tiles: the
/// iris products, narrow and wide `n`, single rows, and depths around the lane width.
const TINY: [(usize, usize, usize); 12] = [
    (150, 4, 16),
    (150, 16, 3),
    (16, 150, 4),
    (3, 150, 16),
    (150, 3, 16),
    (1, 1, 1),
    (5, 7, 9),
    (7, 17, 33),
    (6, 9, 5),
    (33, 15, 4),
    (2, 300, 19),
    (13, 31, 40),
];

/// The dispatched `gemm` (direct small path) on every form, with α/β and NaN-filled C for β = 0.
fn dispatched_tiny<T: Float>() {
    for dims in TINY {
        for (ta, tb) in FORMS {
            for ab in [
                (T::one(), T::zero()),
                (fl::<T>(-3.0), fl::<T>(0.5)),
                (T::one(), T::one()),
            ] {
                let cs = case::<T>(dims, ta, tb, ab);
                let mut c = match ab.1 == T::zero() {
                    true => Array2::from_elem(cs.c0.dim(), T::nan()),
                    false => cs.c0.clone(),
                };
                let (a, b) = (cs.a.view(), cs.b.view());
                gemm(ab.0, a, ta, b, tb, ab.1, c.view_mut()).unwrap();
                let what = format!("dispatched {} {dims:?} {ta:?} {tb:?}", T::NAME);
                assert_close(c.view(), &cs, &what);
                // The same product into a column-major C and a strided C.
                let mut c_f = Array2::<T>::zeros(cs.c0.dim().f());
                c_f.assign(&cs.c0);
                gemm(ab.0, a, ta, b, tb, ab.1, c_f.view_mut()).unwrap();
                assert_close(c_f.view(), &cs, &format!("{what} column-major C"));
                let (m, n) = cs.c0.dim();
                let mut wide = Array2::<T>::zeros((m, 2 * n));
                wide.slice_mut(s![.., ..;2]).assign(&cs.c0);
                gemm(ab.0, a, ta, b, tb, ab.1, wide.slice_mut(s![.., ..;2])).unwrap();
                assert_close(wide.slice(s![.., ..;2]), &cs, &format!("{what} strided C"));
                assert!(wide.slice(s![.., 1..;2]).iter().all(|&x| x == T::zero()));
            }
        }
    }
}

#[test]
fn dispatched_tiny_shapes_f32() {
    dispatched_tiny::<f32>();
}

#[test]
fn dispatched_tiny_shapes_f64() {
    dispatched_tiny::<f64>();
}

/// Strided, broadcast and reversed operands through the dispatched (direct) path.
#[test]
fn dispatched_tiny_strided_operands() {
    let big_a = random::<f64>(2 * 9, 2 * 7, 1);
    let a = big_a.slice(s![..;2, ..;-2]); // (9, 7)
    let row = random::<f64>(1, 13, 4);
    let bcast = row.broadcast((7, 13)).unwrap(); // stride 0 rows
    let big_b = random::<f64>(7, 3 * 13, 2);
    for b in [
        big_b.slice(s![.., ..;3]),
        bcast,
        big_b.slice(s![.., ..13;-1]),
    ] {
        let want = matmul_naive(a, b).unwrap();
        let mut c = Array2::<f64>::from_elem((9, 13), f64::NAN);
        let t = Transpose::No;
        gemm(1.0, a, t, b, t, 0.0, c.slice_mut(s![..;-1, ..])).unwrap();
        let err = (&c.slice(s![..;-1, ..]) - &want)
            .mapv(f64::abs)
            .fold(0.0_f64, |m, &x| m.max(x));
        assert!(err <= 64.0 * f64::EPSILON, "max error {err}");
    }
}
