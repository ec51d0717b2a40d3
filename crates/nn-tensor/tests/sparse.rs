//! `nn_tensor::sparse`: `spmm` against `matmul_naive` and against the documented arithmetic,
//! and `CsrMatrix`'s conversions.
//!
//! # Tolerance
//! An element of `C = A·B` is a sum of `k` products. Summed one product at a time with each
//! multiply and add rounded (relative error at most `u = ε/2` per rounding), the classic bound
//! for a computed dot product is `|ĉ − c| ≤ γ_k · Σ_p |a_ip|·|b_pj|`, `γ_k = k·u / (1 − k·u)`
//! (Higham, *Accuracy and Stability of Numerical Algorithms*, §3.1); a fused multiply-add
//! rounds once instead of twice, which only lowers it, and skipping exact zero terms changes
//! nothing. `spmm` and `matmul_naive` each obey it, so they differ by at most
//! `2·γ_k·Σ|a||b| = k·ε/(1 − k·ε/2)·Σ|a||b| ≤ (k + 1)·ε·Σ|a||b|` (as `k·ε ≤ 257·2⁻²³ ≈ 3·10⁻⁵`
//! here). The checks bound `Σ_p |a_ip|·|b_pj|` from above by `(Σ_p |a_ip|)·max_p |b_pj|` (cheap:
//! no second product) and use `(k + 2)·ε` times that, the extra `ε` covering the rounding of the
//! two factors' computation. With `k = 0`, or rows without non-zeros, both sides are exactly
//! zero.
//!
//! Beyond the tolerance, `spmm`'s documented arithmetic is checked bit for bit: each element is
//! the multiply-add chain over its row's non-zeros in increasing column order, fused where the
//! kernels use FMA (x86-64 with AVX2+FMA or AVX-512F), rounded twice otherwise.

use ndarray::{s, Array2, ArrayView2, ShapeBuilder};
use nn_tensor::matmul::KernelChoice;
use nn_tensor::sparse::{
    density, spmm, spmm_transposed, spmm_with_kernel, BlockedTranspose, CsrMatrix,
};
use nn_tensor::{matmul_naive, set_num_threads, Float, TensorError};
use nn_testutil::Lcg;
use proptest::prelude::*;

/// `x` as `T`.
fn fl<T: Float>(x: f64) -> T {
    <T as Float>::from_f64(x)
}

/// A dense `(rows, cols)` matrix whose entries are non-zero with probability `density`, with
/// non-zero values in `[-1, -1/4] ∪ [1/4, 1]`.
fn sparse_dense<T: Float>(rows: usize, cols: usize, density: f64, seed: u64) -> Array2<T> {
    let mut rng = Lcg::new(seed);
    Array2::from_shape_simple_fn((rows, cols), || {
        let keep = rng.next_f64() < density;
        let v = 0.25 + 0.75 * rng.next_f64();
        let sign = if rng.next_f64() < 0.5 { -1.0 } else { 1.0 };
        if keep {
            fl(sign * v)
        } else {
            T::zero()
        }
    })
}

/// A dense matrix with every entry in `[-1, 1)`.
fn dense<T: Float>(rows: usize, cols: usize, seed: u64) -> Array2<T> {
    let mut rng = Lcg::new(seed);
    Array2::from_shape_simple_fn((rows, cols), || fl(2.0 * rng.next_f64() - 1.0))
}

/// `m` back to a dense matrix, through [`CsrMatrix::row`] only.
fn to_dense<T: Float>(m: &CsrMatrix<T>) -> Array2<T> {
    let (rows, cols) = m.shape();
    let mut out = Array2::zeros((rows, cols));
    for i in 0..rows {
        let (idx, val) = m.row(i);
        for (&j, &v) in idx.iter().zip(val) {
            out[[i, j as usize]] = v;
        }
    }
    out
}

/// Whether `spmm`'s kernels use fused multiply-adds on this CPU (see the module docs).
fn fused() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        is_x86_feature_detected!("avx512f")
            || (is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma"))
    }
    #[cfg(not(target_arch = "x86_64"))]
    false
}

/// The documented arithmetic of `spmm`, one scalar at a time: for each element, the
/// multiply-add chain over the row's non-zeros in increasing column order, starting from zero.
fn chain<T: Float>(a: &CsrMatrix<T>, b: ArrayView2<T>) -> Array2<T> {
    chain_with(a, b, fused())
}

/// [`chain`] with the multiply-adds fused or not, as a given kernel does them.
fn chain_with<T: Float>(a: &CsrMatrix<T>, b: ArrayView2<T>, fused: bool) -> Array2<T> {
    let (m, n) = (a.shape().0, b.ncols());
    Array2::from_shape_fn((m, n), |(i, j)| {
        let (idx, val) = a.row(i);
        idx.iter().zip(val).fold(T::zero(), |acc, (&k, &v)| {
            let bk = b[[k as usize, j]];
            if fused {
                v.mul_add(bk, acc)
            } else {
                v * bk + acc
            }
        })
    })
}

/// The bits of `v` widened to `f64` (exact, so equal bits in `T` ⇔ equal bits here).
fn bits<T: Float>(v: T) -> u64 {
    <T as Float>::to_f64(v).to_bits()
}

/// Whether two matrices have the same shape and bit-identical elements.
fn same_bits<T: Float>(x: ArrayView2<T>, y: ArrayView2<T>) -> bool {
    x.dim() == y.dim() && x.iter().zip(y.iter()).all(|(&p, &q)| bits(p) == bits(q))
}

/// Checks `got = A·B` (A given dense as `a`, and as `csr`): within the module's bound of
/// `matmul_naive`, and bit-identical to [`chain`].
fn assert_product<T: Float>(
    a: ArrayView2<T>,
    csr: &CsrMatrix<T>,
    b: ArrayView2<T>,
    got: ArrayView2<T>,
    what: &str,
) {
    let k = a.ncols();
    let want = matmul_naive(a, b).unwrap();
    let row_abs: Vec<T> = a.rows().into_iter().map(|r| r.mapv(T::abs).sum()).collect();
    let col_max: Vec<T> = (0..b.ncols())
        .map(|j| b.column(j).fold(T::zero(), |m, &v| m.max(v.abs())))
        .collect();
    let slack = fl::<T>((k + 2) as f64) * T::epsilon();
    assert_eq!(got.dim(), want.dim(), "{what}: shape");
    for ((idx, &g), &w) in got.indexed_iter().zip(want.iter()) {
        let tol = row_abs[idx.0] * col_max[idx.1] * slack;
        assert!(
            (g - w).abs() <= tol,
            "{what}: at {idx:?} got {g}, want {w} (tol {tol})"
        );
    }
    let exact = chain(csr, b);
    assert!(
        same_bits(got, exact.view()),
        "{what}: not the multiply-add chain over the non-zeros"
    );
}

/// `spmm` into a fresh NaN-filled C (so that every element must be written), then checked.
fn check_shape<T: Float>(m: usize, k: usize, n: usize, dens: f64) {
    let seed = (m * 1_000_003 + k * 1009 + n) as u64;
    let a = sparse_dense::<T>(m, k, dens, seed);
    let b = dense::<T>(k, n, seed ^ 0xb);
    let csr = CsrMatrix::from_dense(a.view());
    let mut c = Array2::from_elem((m, n), T::nan());
    spmm(&csr, b.view(), c.view_mut()).unwrap();
    let what = format!("{} ({m}, {k}, {n}) density {dens}", T::NAME);
    assert_product(a.view(), &csr, b.view(), c.view(), &what);
}

/// Small and panel-edge sizes: around the 8-wide tail panel, the AVX2 (32) and AVX-512 (64)
/// panel widths and the depth blocks (64 and 128 rows of B for AVX-512 panels), and 0 and 1.
const EDGES: [usize; 11] = [0, 1, 7, 8, 9, 63, 64, 65, 127, 129, 257];
const DENSITIES: [f64; 4] = [0.0, 0.05, 0.2, 1.0];

/// The rows of C are computed alike (threads aside), so a few row counts suffice here; `tall`
/// varies them.
fn grid_small_m<T: Float>() {
    for m in [0, 1, 9] {
        for k in EDGES {
            for n in EDGES {
                for d in DENSITIES {
                    check_shape::<T>(m, k, n, d);
                }
            }
        }
    }
}

/// Tall products: more rows than the small grid, with primes and panel edges in k and n.
fn tall<T: Float>() {
    let kn = [
        (129, 65),
        (64, 9),
        (257, 8),
        (1, 97),
        (97, 1),
        (0, 9),
        (31, 67),
    ];
    for m in [7, 63, 65, 129, 257] {
        for (k, n) in kn {
            for d in DENSITIES {
                check_shape::<T>(m, k, n, d);
            }
        }
    }
}

#[test]
fn spmm_matches_naive_on_awkward_shapes_f32() {
    grid_small_m::<f32>();
    tall::<f32>();
}

#[test]
fn spmm_matches_naive_on_awkward_shapes_f64() {
    grid_small_m::<f64>();
    tall::<f64>();
}

/// Every third row empty, and a matrix whose non-zeros all sit in the last column.
fn empty_rows_and_last_column<T: Float>() {
    for (m, k, n) in [(30, 65, 70), (9, 257, 129), (64, 1, 8)] {
        let mut a = sparse_dense::<T>(m, k, 0.2, 7);
        for i in (0..m).step_by(3) {
            a.row_mut(i).fill(T::zero());
        }
        // The empty rows of C are exact zeros (+0.0).
        let b = dense::<T>(k, n, 8);
        let csr = CsrMatrix::from_dense(a.view());
        assert_eq!(csr.row(0).0.len(), 0);
        let mut c = Array2::from_elem((m, n), T::nan());
        spmm(&csr, b.view(), c.view_mut()).unwrap();
        assert_product(a.view(), &csr, b.view(), c.view(), "empty rows");
        for i in (0..m).step_by(3) {
            assert!(c.row(i).iter().all(|&v| bits(v) == 0), "row {i}");
        }

        let mut last = Array2::<T>::zeros((m, k));
        for i in 0..m {
            last[[i, k - 1]] = fl(i as f64 + 1.0);
        }
        let csr = CsrMatrix::from_dense(last.view());
        assert_eq!(csr.nnz(), m);
        spmm(&csr, b.view(), c.view_mut()).unwrap();
        assert_product(last.view(), &csr, b.view(), c.view(), "last column");
        // One non-zero per row: C's row i is exactly (i + 1)·B's last row.
        for i in 0..m {
            for j in 0..n {
                assert_eq!(c[[i, j]], fl::<T>(i as f64 + 1.0) * b[[k - 1, j]]);
            }
        }
    }
}

#[test]
fn empty_rows_and_a_last_column_only_matrix() {
    empty_rows_and_last_column::<f32>();
    empty_rows_and_last_column::<f64>();
}

/// Non-contiguous operands: B as a transposed view, with a row stride larger than its width,
/// with stepped columns and with reversed rows; C column-major, sliced out of a larger matrix
/// (whose other elements must stay untouched) and with stepped columns.
fn strided_operands<T: Float>() {
    for (m, k, n) in [(13, 65, 9), (40, 129, 70), (1, 64, 1), (7, 8, 33)] {
        let a = sparse_dense::<T>(m, k, 0.2, 21);
        let csr = CsrMatrix::from_dense(a.view());
        let bt = dense::<T>(n, k, 22); // B = btᵀ
        let wide = dense::<T>(k, 2 * n + 3, 23);
        let reversed = dense::<T>(k, n, 24);
        let b_views: [(&str, ArrayView2<T>); 4] = [
            ("transposed B", bt.t()),
            ("column range of B", wide.slice(s![.., 3..3 + n])),
            ("stepped columns of B", wide.slice(s![.., 1..1 + 2 * n;2])),
            ("reversed rows of B", reversed.slice(s![..;-1, ..])),
        ];
        for (what, b) in b_views {
            let what = format!("{} {what} ({m}, {k}, {n})", T::NAME);
            let mut c = Array2::from_elem((m, n), T::nan());
            spmm(&csr, b, c.view_mut()).unwrap();
            assert_product(a.view(), &csr, b, c.view(), &what);

            let mut c = Array2::from_elem((m, n).f(), T::nan());
            spmm(&csr, b, c.view_mut()).unwrap();
            assert_product(
                a.view(),
                &csr,
                b,
                c.view(),
                &format!("{what}, column-major C"),
            );

            let sentinel = fl::<T>(12345.0);
            let mut big = Array2::from_elem((m + 3, 2 * n + 5), sentinel);
            spmm(&csr, b, big.slice_mut(s![1..1 + m, 2..2 + n])).unwrap();
            let inner = big.slice(s![1..1 + m, 2..2 + n]);
            assert_product(a.view(), &csr, b, inner, &format!("{what}, sliced C"));
            spmm(&csr, b, big.slice_mut(s![1..1 + m, 2..2 + 2 * n;2])).unwrap();
            let stepped = big.slice(s![1..1 + m, 2..2 + 2 * n;2]);
            assert_product(a.view(), &csr, b, stepped, &format!("{what}, stepped C"));
            // Outside the two views: untouched.
            for ((i, j), &v) in big.indexed_iter() {
                let in_rows = (1..1 + m).contains(&i);
                let in_slice = (2..2 + n).contains(&j);
                let in_steps = (2..2 + 2 * n).contains(&j) && (j - 2) % 2 == 0;
                if !(in_rows && (in_slice || in_steps)) {
                    assert_eq!(v, sentinel, "{what}: wrote outside C at ({i}, {j})");
                }
            }
        }
    }
}

#[test]
fn non_contiguous_b_and_c() {
    strided_operands::<f32>();
    strided_operands::<f64>();
}

#[test]
fn shape_mismatch_is_an_error_not_a_panic() {
    let a = CsrMatrix::from_dense(sparse_dense::<f64>(4, 5, 0.5, 1).view());
    let is_mismatch =
        |r: nn_tensor::Result<()>| matches!(r, Err(TensorError::ShapeMismatch { .. }));
    // B with the wrong number of rows.
    let (b, mut c) = (Array2::<f64>::zeros((6, 3)), Array2::<f64>::zeros((4, 3)));
    assert!(is_mismatch(spmm(&a, b.view(), c.view_mut())));
    // C with the wrong number of rows, then of columns.
    let b = Array2::<f64>::zeros((5, 3));
    let mut c = Array2::<f64>::zeros((3, 3));
    assert!(is_mismatch(spmm(&a, b.view(), c.view_mut())));
    let mut c = Array2::<f64>::zeros((4, 2));
    assert!(is_mismatch(spmm(&a, b.view(), c.view_mut())));
    // Degenerate shapes are checked too (nothing to compute is no excuse).
    let empty = CsrMatrix::<f64>::from_dense(Array2::zeros((0, 5)).view());
    let mut c = Array2::<f64>::zeros((0, 3));
    assert!(is_mismatch(spmm(
        &empty,
        Array2::zeros((4, 3)).view(),
        c.view_mut()
    )));
    let mut c = Array2::<f64>::zeros((1, 3));
    assert!(is_mismatch(spmm(&empty, b.view(), c.view_mut())));
    // An untouched C on error.
    let mut c = Array2::from_elem((4, 2), 7.0);
    assert!(spmm(&a, b.view(), c.view_mut()).is_err());
    assert!(c.iter().all(|&v| v == 7.0));
}

/// 301×784 at 20% density times 784×256: about 47 000 non-zeros × 256 columns = 12·10⁶
/// multiply-adds, 46 times the 2¹⁸ per thread below which `spmm` stays on one thread, so 2
/// and 3 threads really split it (301 rows: uneven parts).
#[test]
fn bits_do_not_depend_on_the_thread_count() {
    fn run<T: Float>() {
        let a = sparse_dense::<T>(301, 784, 0.2, 5);
        let b = dense::<T>(784, 256, 6);
        let csr = CsrMatrix::from_dense(a.view());
        assert!(csr.nnz() * 256 > 3 << 18, "large enough to be split");
        let results: Vec<Array2<T>> = [1, 2, 3]
            .into_iter()
            .map(|threads| {
                set_num_threads(threads);
                let mut c = Array2::from_elem((301, 256), T::nan());
                spmm(&csr, b.view(), c.view_mut()).unwrap();
                c
            })
            .collect();
        set_num_threads(0);
        assert!(same_bits(results[0].view(), results[1].view()), "1 vs 2");
        assert!(same_bits(results[0].view(), results[2].view()), "1 vs 3");
        // (Against `matmul_naive` too only for a slice: the whole naive product is slow.)
        let (a_top, c_top) = (a.slice(s![..7, ..]), results[0].slice(s![..7, ..]));
        let csr_top = CsrMatrix::from_dense(a_top);
        assert_product(a_top, &csr_top, b.view(), c_top, "301×784×256, top rows");
        assert!(same_bits(results[0].view(), chain(&csr, b.view()).view()));
    }
    run::<f32>();
    run::<f64>();
}

/// A CSR matrix filled from a dense one notes where its rows cross `spmm`'s depth blocks; one
/// made by `transpose_into` does not, and `spmm` finds them itself. Both give the chain's bits,
/// around the depth blocks (16 to 1024 columns of A, depending on the CPU and the kernel).
#[test]
fn products_with_and_without_noted_block_ends_agree() {
    for k in [1, 15, 16, 17, 63, 64, 65, 129, 784, 1100] {
        let a = sparse_dense::<f32>(37, k, 0.3, k as u64);
        let b = dense::<f32>(k, 33, 3);
        let noted = CsrMatrix::from_dense(a.view());
        let (mut at, mut found) = (CsrMatrix::new(), CsrMatrix::new());
        noted.transpose_into(&mut at);
        at.transpose_into(&mut found);
        assert_eq!(found, noted);
        for (m, what) in [(&noted, "noted"), (&found, "found")] {
            let mut c = Array2::from_elem((37, 33), f32::NAN);
            spmm(m, b.view(), c.view_mut()).unwrap();
            assert_product(a.view(), m, b.view(), c.view(), &format!("k {k}, {what}"));
        }
    }
}

/// `C = Xᵀ·B` through [`BlockedTranspose`] into a NaN-filled C, checked bit for bit against
/// the multiply-add chain over the rows of `Xᵀ` (and within the bound of `matmul_naive`), from
/// the CSR build (which counts the columns per block of rows) and from a CSR without counts
/// (a transpose's transpose), with the buffers reused from a larger product first.
fn check_transposed<T: Float>(rows: usize, cols: usize, n: usize, dens: f64) {
    let seed = (rows * 7919 + cols * 31 + n) as u64;
    let x = sparse_dense::<T>(rows, cols, dens, seed);
    let b = dense::<T>(rows, n, seed ^ 0x5);
    let csr = CsrMatrix::from_dense(x.view());
    let (mut xt, mut uncounted) = (CsrMatrix::new(), CsrMatrix::new());
    csr.transpose_into(&mut xt);
    xt.transpose_into(&mut uncounted);
    assert_eq!(uncounted, csr);
    let mut blocked = BlockedTranspose::new();
    blocked.assign(&CsrMatrix::from_dense(
        dense::<T>(rows + 40, cols + 3, 1).view(),
    ));
    for (source, what) in [(&csr, "counted"), (&uncounted, "recounted")] {
        blocked.assign(source);
        assert_eq!((blocked.shape(), blocked.nnz()), ((cols, rows), csr.nnz()));
        let mut c = Array2::from_elem((cols, n), T::nan());
        spmm_transposed(&blocked, b.view(), c.view_mut()).unwrap();
        let what = format!(
            "{} xᵀ·b, x ({rows}, {cols}) density {dens}, n {n}, {what}",
            T::NAME
        );
        assert_product(x.t(), &xt, b.view(), c.view(), &what);
    }
}

/// Batches around the depth blocks of the transposed product (16 to 128 rows of x, depending
/// on the CPU and the type), and 0 and 1.
#[test]
fn blocked_transpose_products_are_the_chain_over_the_transpose() {
    for rows in [0, 1, 15, 16, 17, 31, 32, 33, 64, 65, 129, 300] {
        for (cols, n) in [(1, 3), (9, 17), (70, 40), (300, 257)] {
            check_transposed::<f32>(rows, cols, n, 0.2);
            check_transposed::<f64>(rows, cols, n, 0.2);
        }
    }
    check_transposed::<f32>(100, 50, 20, 0.0);
    check_transposed::<f64>(100, 50, 20, 1.0);
}

/// The weight-gradient shape of an MNIST batch (301×784 at 20%: 47 000 non-zeros, enough for
/// 2 and 3 threads to split both the transpose and the product): the same bits on 1–3 threads.
#[test]
fn blocked_transpose_bits_do_not_depend_on_the_thread_count() {
    let x = sparse_dense::<f32>(301, 784, 0.2, 8);
    let b = dense::<f32>(301, 256, 9);
    let csr = CsrMatrix::from_dense(x.view());
    let mut xt = CsrMatrix::new();
    csr.transpose_into(&mut xt);
    let want = chain(&xt, b.view());
    for threads in [1, 2, 3] {
        set_num_threads(threads);
        let mut blocked = BlockedTranspose::new();
        blocked.assign(&csr);
        let mut c = Array2::from_elem((784, 256), f32::NAN);
        spmm_transposed(&blocked, b.view(), c.view_mut()).unwrap();
        assert!(same_bits(c.view(), want.view()), "{threads} threads");
    }
    set_num_threads(0);
}

#[test]
fn nan_in_a_propagates_to_its_row_only() {
    let mut a = sparse_dense::<f64>(5, 70, 0.2, 3);
    a[[2, 40]] = f64::NAN;
    let csr = CsrMatrix::from_dense(a.view());
    assert!(csr.row(2).1.iter().any(|v| v.is_nan()), "NaN is stored");
    let b = dense::<f64>(70, 9, 4);
    let mut c = Array2::zeros((5, 9));
    spmm(&csr, b.view(), c.view_mut()).unwrap();
    assert!(c.row(2).iter().all(|v| v.is_nan()));
    let mut clean = a.clone();
    clean.row_mut(2).fill(0.0);
    let want = matmul_naive(clean.view(), b.view()).unwrap();
    for i in [0, 1, 3, 4] {
        for j in 0..9 {
            // |b| < 1 and at most 70 terms: (70 + 2)·ε·70 bounds the difference.
            assert!((c[[i, j]] - want[[i, j]]).abs() <= 72.0 * 70.0 * f64::EPSILON);
        }
    }
}

#[test]
fn negative_zeros_are_dropped() {
    let a = ndarray::array![[-0.0_f32, 2.0, -0.0], [-0.0, -0.0, -0.0], [0.0, -1.0, -0.0]];
    let m = CsrMatrix::from_dense(a.view());
    assert_eq!(m.nnz(), 2);
    assert_eq!(m.row(0), (&[1_u32][..], &[2.0][..]));
    assert_eq!(m.row(1).0.len(), 0);
    assert_eq!(m.row(2), (&[1_u32][..], &[-1.0][..]));
    assert_eq!(density(a.view()), 2.0 / 9.0);
    // A row of −0.0 gives +0.0 (nothing is added to the zero start), like the dense sum
    // 0 + (−0)·b + … = +0.
    let b = ndarray::array![[1.0_f32, -1.0], [3.0, 4.0], [5.0, 6.0]];
    let mut c = Array2::from_elem((3, 2), f32::NAN);
    spmm(&m, b.view(), c.view_mut()).unwrap();
    assert_eq!(c, ndarray::array![[6.0, 8.0], [0.0, 0.0], [-3.0, -4.0]]);
    assert!(c.row(1).iter().all(|v| v.to_bits() == 0));
}

#[test]
fn density_counts_non_zeros_in_any_layout() {
    let a = sparse_dense::<f64>(20, 30, 0.3, 9);
    let nonzero = a.iter().filter(|&&v| v != 0.0).count() as f64;
    assert_eq!(density(a.view()), nonzero / 600.0);
    assert_eq!(density(a.t()), nonzero / 600.0);
    assert_eq!(density(a.slice(s![.., ..;2])), {
        let half = a.slice(s![.., ..;2]);
        half.iter().filter(|&&v| v != 0.0).count() as f64 / 300.0
    });
    assert_eq!(density(Array2::<f64>::zeros((0, 4)).view()), 0.0);
}

/// Dense matrices with zeros (both signs) and a few other values, up to 12 × 20.
fn matrix() -> impl Strategy<Value = Array2<f64>> {
    let value = prop_oneof![
        6 => Just(0.0),
        2 => Just(-0.0),
        1 => Just(1.5),
        1 => Just(-2.25),
        1 => -1e3..1e3_f64,
    ];
    (0..12_usize, 0..20_usize).prop_flat_map(move |(r, c)| {
        proptest::collection::vec(value.clone(), r * c)
            .prop_map(move |v| Array2::from_shape_vec((r, c), v).unwrap())
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn from_dense_round_trips(x in matrix()) {
        let m = CsrMatrix::from_dense(x.view());
        prop_assert_eq!(m.shape(), x.dim());
        prop_assert_eq!(m.nnz(), x.iter().filter(|&&v| v != 0.0).count());
        prop_assert_eq!(to_dense(&m), x.clone());
        for i in 0..x.nrows() {
            let (idx, val) = m.row(i);
            prop_assert!(idx.windows(2).all(|w| w[0] < w[1]), "columns increase");
            prop_assert!(val.iter().all(|&v| v != 0.0), "no zeros stored");
        }
        // A transposed (non-contiguous) view gives the transpose's CSR.
        let t = x.t().to_owned();
        prop_assert_eq!(CsrMatrix::from_dense(x.t()), CsrMatrix::from_dense(t.view()));
    }

    #[test]
    fn transposing_twice_gives_the_original(x in matrix()) {
        let m = CsrMatrix::from_dense(x.view());
        let mut t = CsrMatrix::new();
        m.transpose_into(&mut t);
        prop_assert_eq!(&t, &CsrMatrix::from_dense(x.t()));
        let mut back = CsrMatrix::new();
        t.transpose_into(&mut back);
        prop_assert_eq!(&back, &m);
    }

    #[test]
    fn assign_dense_up_to_gives_up_exactly_past_the_limit(x in matrix(), max in 0..60_usize) {
        let nnz = x.iter().filter(|&&v| v != 0.0).count();
        let mut m = CsrMatrix::from_dense(sparse_dense::<f64>(15, 25, 0.9, 1).view());
        let filled = m.assign_dense_up_to(x.view(), max);
        prop_assert_eq!(filled, nnz <= max, "nnz {}, max {}", nnz, max);
        if filled {
            prop_assert_eq!(&m, &CsrMatrix::from_dense(x.view()));
        } else {
            // Giving up leaves a valid empty matrix, which products reject by shape.
            prop_assert_eq!((m.shape(), m.nnz()), ((0, x.ncols()), 0));
            let b = ndarray::Array2::<f64>::zeros((x.ncols(), 3));
            let mut c = ndarray::Array2::<f64>::zeros((x.nrows(), 3));
            prop_assert!(nn_tensor::sparse::spmm(&m, b.view(), c.view_mut()).is_err() || x.nrows() == 0);
        }
        // After giving up, the buffers still refill correctly.
        m.assign_dense(x.view());
        prop_assert_eq!(&m, &CsrMatrix::from_dense(x.view()));
    }

    #[test]
    fn reused_buffers_equal_fresh_ones(big in matrix(), small in matrix()) {
        // Larger and denser first: the buffers keep spare room and stale entries.
        let mut m = CsrMatrix::from_dense(big.view());
        let mut t = CsrMatrix::new();
        m.transpose_into(&mut t);
        m.assign_dense(small.view());
        prop_assert_eq!(&m, &CsrMatrix::from_dense(small.view()));
        prop_assert_eq!(to_dense(&m), small.clone());
        m.transpose_into(&mut t);
        prop_assert_eq!(&t, &CsrMatrix::from_dense(small.t()));
        // And the product from reused buffers equals the one from fresh buffers.
        let b = dense::<f64>(small.ncols(), 5, 2);
        let mut c1 = Array2::from_elem((small.nrows(), 5), f64::NAN);
        let mut c2 = c1.clone();
        spmm(&m, b.view(), c1.view_mut()).unwrap();
        spmm(&CsrMatrix::from_dense(small.view()), b.view(), c2.view_mut()).unwrap();
        prop_assert!(same_bits(c1.view(), c2.view()));
    }
}

#[test]
fn reused_buffers_from_a_dense_matrix() {
    // A fully dense 50×300 batch, then a 10×300 one at 5%: no stale entry may leak.
    let mut m = CsrMatrix::from_dense(dense::<f32>(50, 300, 1).view());
    let mut t = CsrMatrix::new();
    m.transpose_into(&mut t);
    let small = sparse_dense::<f32>(10, 300, 0.05, 2);
    m.assign_dense(small.view());
    assert_eq!(m, CsrMatrix::from_dense(small.view()));
    assert_eq!(to_dense(&m), small);
    m.transpose_into(&mut t);
    assert_eq!(t, CsrMatrix::from_dense(small.t()));
    assert_eq!(to_dense(&t), small.t());
    // Shapes that shrink in one dimension and grow in the other.
    let tall = sparse_dense::<f32>(400, 3, 0.5, 3);
    m.assign_dense(tall.view());
    assert_eq!(to_dense(&m), tall);
    m.transpose_into(&mut t);
    assert_eq!(to_dense(&t), tall.t());
}

/// Regression: with `k = 0` (B of shape `(0, n)`, which ndarray gives zero strides) `spmm`
/// took B for non-contiguous, copied it into another zero-stride array and recursed until the
/// stack overflowed.
#[test]
fn empty_inner_dimension_gives_zeros() {
    let a = CsrMatrix::from_dense(Array2::<f32>::zeros((3, 0)).view());
    let b = Array2::<f32>::zeros((0, 4));
    let mut c = Array2::from_elem((3, 4), f32::NAN);
    spmm(&a, b.view(), c.view_mut()).unwrap();
    assert!(c.iter().all(|v| v.to_bits() == 0));
}

/// Every kernel family this CPU runs — the portable one (`a·b + c`, two roundings) included,
/// which is what aarch64 builds use — gives exactly its documented chain on panel-edge widths.
#[test]
fn every_kernel_gives_its_documented_chain() {
    let kernels = [
        KernelChoice::Portable,
        KernelChoice::Avx2,
        KernelChoice::Avx512,
    ];
    for kernel in kernels {
        if !kernel.is_available() {
            eprintln!("skipping {kernel:?}: not available on this CPU");
            continue;
        }
        let fused = kernel != KernelChoice::Portable;
        for (m, k, n) in [
            (7, 40, 1),
            (9, 64, 17),
            (33, 100, 63),
            (5, 30, 257),
            (64, 784, 130),
        ] {
            let a = CsrMatrix::from_dense(sparse_dense::<f32>(m, k, 0.2, 3).view());
            let b = sparse_dense::<f32>(k, n, 1.0, 4);
            let mut c = Array2::from_elem((m, n), f32::NAN);
            spmm_with_kernel(kernel, &a, b.view(), c.view_mut()).unwrap();
            let want = chain_with(&a, b.view(), fused);
            assert!(same_bits(c.view(), want.view()), "{kernel:?} {m}x{k}x{n}");
            let a64 = CsrMatrix::from_dense(sparse_dense::<f64>(m, k, 0.2, 5).view());
            let b64 = sparse_dense::<f64>(k, n, 1.0, 6);
            let mut c64 = Array2::zeros((m, n));
            spmm_with_kernel(kernel, &a64, b64.view(), c64.view_mut()).unwrap();
            let want = chain_with(&a64, b64.view(), fused);
            assert!(
                same_bits(c64.view(), want.view()),
                "{kernel:?} f64 {m}x{k}x{n}"
            );
        }
    }
}

#[test]
fn unavailable_kernel_is_an_error() {
    for kernel in [KernelChoice::Avx2, KernelChoice::Avx512] {
        let a = CsrMatrix::from_dense(Array2::<f32>::eye(2).view());
        let mut c = Array2::zeros((2, 2));
        let got = spmm_with_kernel(kernel, &a, Array2::eye(2).view(), c.view_mut());
        match kernel.is_available() {
            true => assert_eq!(c, Array2::eye(2)),
            false => assert!(matches!(got, Err(TensorError::KernelUnavailable { .. }))),
        }
    }
}
