//! Symmetric eigendecomposition `A = U·diag(λ)·Uᵀ` (for PCA/ZCA whitening), without BLAS/LAPACK.
//!
//! Two classical phases (Golub & Van Loan, *Matrix Computations*, §8.3):
//! 1. **Householder tridiagonalisation** `A = Q·T·Qᵀ`: for each column `k`, a reflector
//!    `H = I − β·v·vᵀ` zeroes the entries below the sub-diagonal, and the lower triangle of the
//!    trailing block is updated by the symmetric rank-2 update `A' ← A' − v·wᵀ − w·vᵀ` with
//!    `p = β·A'·v`, `w = p − (β/2)(pᵀv)·v`. `Q = H₀·H₁·…` is then accumulated backwards in
//!    blocks of reflectors in compact WY form `I − V·T·Vᵀ`, i.e. with three GEMMs per block.
//! 2. **Implicit symmetric QR** on `T`, one Wilkinson shift per sweep, chasing the bulge with
//!    Givens rotations that are also applied to the eigenvector matrix.
//!
//! The eigenvectors are kept as the *rows* of a row-major buffer while rotating, so each
//! rotation touches two contiguous rows (vectorisable), and are transposed into columns at the
//! end, and the rotations are recorded during QR and applied afterwards in cache-sized column
//! blocks (in parallel). Cost ≈ `4n³/3` (reduction) + `4n³/3` (accumulation, as GEMM) + `≈6n³`
//! (rotations) flops. The element-wise loops of the reduction and the rotations run compiled for
//! AVX2 when the CPU has it (see [`with_wide_vectors`]).

use crate::{gemm, Transpose};
use crate::{Float, Result, TensorError};
use ndarray::{s, Array1, Array2, ArrayView2};
use rayon::prelude::*;

/// The eigenvalues and eigenvectors of a symmetric matrix.
#[derive(Debug, Clone, PartialEq)]
pub struct SymmetricEigen<T> {
    /// Eigenvalues in ascending order, shape `(n,)`.
    pub values: Array1<T>,
    /// Orthonormal eigenvectors as columns, shape `(n, n)`: column `j` belongs to `values[j]`.
    /// Each column's sign is chosen so that its largest-magnitude entry is positive.
    pub vectors: Array2<T>,
}

/// Decomposes the symmetric matrix `a` (shape `(n, n)`) as `a = U·diag(λ)·Uᵀ`.
///
/// Eigenvalues come back in ascending order with orthonormal eigenvectors as the columns of
/// `U` (see [`SymmetricEigen`]). Only the symmetric part `(A + Aᵀ)/2` is used. Rank-deficient
/// and all-zero matrices are fine (zero eigenvalues, never NaN).
///
/// # Errors
/// [`TensorError::ShapeMismatch`] if `a` is not square, [`TensorError::NonFinite`] if it holds
/// NaN or ±∞, [`TensorError::NoConvergence`] if the QR sweeps do not converge (not observed in
/// practice: the limit is `30·n` sweeps).
///
/// ```
/// use ndarray::array;
/// // [[2, 1], [1, 2]] has eigenvalues 1 and 3 with eigenvectors (1, −1)/√2 and (1, 1)/√2.
/// let eig = nn_tensor::symmetric_eigen(array![[2.0_f64, 1.0], [1.0, 2.0]].view())?;
/// assert!((eig.values[0] - 1.0).abs() < 1e-12 && (eig.values[1] - 3.0).abs() < 1e-12);
/// let s = std::f64::consts::FRAC_1_SQRT_2;
/// assert!((eig.vectors[[0, 1]] - s).abs() < 1e-12 && (eig.vectors[[1, 1]] - s).abs() < 1e-12);
/// # Ok::<(), nn_tensor::TensorError>(())
/// ```
pub fn symmetric_eigen<T: Float>(a: ArrayView2<T>) -> Result<SymmetricEigen<T>> {
    let n = check_input(&a)?;
    let scale = a.iter().fold(T::zero(), |m, &v| m.max(v.abs()));
    if scale == T::zero() {
        return Ok(SymmetricEigen {
            values: Array1::zeros(n),
            vectors: Array2::eye(n),
        });
    }
    // Scale into [-1, 1] so squares in the reflector norms cannot overflow or underflow.
    let half = lit::<T>(0.5) / scale;
    let mut buf: Vec<T> = (0..n * n)
        .map(|i| (a[[i / n, i % n]] + a[[i % n, i / n]]) * half)
        .collect();
    let tri = tridiagonalise(&mut buf, n);
    let mut rows = accumulate_q_transposed(&buf, &tri.beta, n);
    let (mut d, mut e) = (tri.diag, tri.off);
    implicit_qr(&mut d, &mut e, &mut rows, n)?;
    Ok(sorted_columns(&d, &rows, n, scale))
}

/// Validates shape and finiteness; returns `n`.
fn check_input<T: Float>(a: &ArrayView2<T>) -> Result<usize> {
    let (n, m) = a.dim();
    if n != m {
        return Err(TensorError::ShapeMismatch {
            op: "symmetric_eigen",
            expected: vec![n, n],
            got: vec![n, m],
        });
    }
    if a.iter().any(|v| !v.is_finite()) {
        return Err(TensorError::NonFinite {
            op: "symmetric_eigen",
        });
    }
    Ok(n)
}

/// The tridiagonal `T` (diagonal and sub-diagonal) plus the reflector scalars `β_k`; the
/// reflector vectors `v_k` are left in row `k` of the buffer, columns `k+1..n`.
struct Tridiagonal<T> {
    diag: Vec<T>,
    off: Vec<T>,
    beta: Vec<T>,
}

/// Householder reduction of the row-major symmetric `a` (`n×n`) to tridiagonal form.
fn tridiagonalise<T: Float>(a: &mut [T], n: usize) -> Tridiagonal<T> {
    let mut diag = vec![T::zero(); n];
    let mut off = vec![T::zero(); n.saturating_sub(1)];
    let mut beta = vec![T::zero(); n];
    let mut p = vec![T::zero(); n];
    for k in 0..n.saturating_sub(1) {
        diag[k] = a[k * n + k];
        let (head, tail) = a.split_at_mut((k + 1) * n);
        let v = &mut head[k * n + k + 1..(k + 1) * n];
        for (i, vi) in v.iter_mut().enumerate() {
            *vi = tail[i * n + k]; // column k below the diagonal (only the lower half is kept)
        }
        match make_reflector(v) {
            Some((alpha, b)) => {
                off[k] = alpha;
                beta[k] = b;
                rank2_update(tail, n, k + 1, v, b, &mut p[k + 1..]);
            }
            None => off[k] = v[0],
        }
    }
    if n > 0 {
        diag[n - 1] = a[n * n - 1];
    }
    Tridiagonal { diag, off, beta }
}

/// Turns `x` into the Householder vector `v` with `(I − β·v·vᵀ)·x = α·e₁`; returns `(α, β)`,
/// or `None` when `x` is already a multiple of `e₁` (no reflection needed, `x` untouched).
fn make_reflector<T: Float>(x: &mut [T]) -> Option<(T, T)> {
    let sigma = x[1..].iter().fold(T::zero(), |s, &v| s + v * v);
    if sigma == T::zero() {
        return None;
    }
    let x0 = x[0];
    let norm = (x0 * x0 + sigma).sqrt();
    let alpha = if x0 >= T::zero() { -norm } else { norm };
    x[0] = x0 - alpha;
    let vtv = x[0] * x[0] + sigma;
    Some((alpha, lit::<T>(2.0) / vtv))
}

/// Applies `A' ← H·A'·H` to the lower triangle of the trailing block `A' = a[s.., s..]` (rows
/// of `tail` start at row `s`), as the rank-2 update `A' − v·wᵀ − w·vᵀ`; the upper triangle is
/// neither read nor written.
fn rank2_update<T: Float>(tail: &mut [T], n: usize, s: usize, v: &[T], beta: T, p: &mut [T]) {
    // p = β·A'·v from the lower triangle, one pass over each row: row i contributes
    // dot(a_i[..=i], v[..=i]) to p_i and a_ij·v_i to p_j for j < i.
    p.fill(T::zero());
    with_wide_vectors(|| {
        for (i, row) in tail.chunks(n).take(v.len()).enumerate() {
            let row = &row[s..=s + i];
            p[i] += dot(row, &v[..=i]);
            axpy(v[i], &row[..i], &mut p[..i]);
        }
    });
    p.iter_mut().for_each(|pi| *pi *= beta);
    let k = lit::<T>(0.5) * beta * dot(p, v);
    for (pi, &vi) in p.iter_mut().zip(v) {
        *pi -= k * vi; // p becomes w
    }
    let w = &*p;
    let update = |(i, row): (usize, &mut [T])| rank2_row(&mut row[s..=s + i], v, w, v[i], w[i]);
    let rows = &mut tail[..v.len() * n];
    if crate::num_threads() > 1 && v.len() >= PAR_MIN {
        let update = |r| with_wide_vectors(|| update(r));
        rows.par_chunks_mut(n).enumerate().for_each(update);
    } else {
        with_wide_vectors(|| rows.chunks_mut(n).enumerate().for_each(update));
    }
}

/// `row[j] −= v_i·w_j + w_i·v_j` for `j` in `0..row.len()`: one row of the rank-2 update.
#[inline(always)]
fn rank2_row<T: Float>(row: &mut [T], v: &[T], w: &[T], vi: T, wi: T) {
    for ((r, &vj), &wj) in row.iter_mut().zip(v).zip(w) {
        *r -= vi * wj + wi * vj;
    }
}

/// Runs `f` compiled for AVX2 when the CPU has it (4 `f64` lanes instead of SSE2's 2): the
/// element-wise loops of the reduction and the rotations vectorise to the wider registers.
/// Floating-point results are unchanged (no FMA contraction, same operation order).
fn with_wide_vectors<R>(f: impl FnOnce() -> R) -> R {
    #[cfg(target_arch = "x86_64")]
    if crate::cpu::has_avx2() {
        // SAFETY: the CPU supports AVX2 (checked just above).
        return unsafe { avx2(f) };
    }
    f()
}

/// `f()`, with AVX2 enabled for it and everything inlined into it.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn avx2<R>(f: impl FnOnce() -> R) -> R {
    f()
}

/// Trailing blocks at least this wide are updated on several threads.
const PAR_MIN: usize = 192;

/// `xᵀ·y` with eight independent partial sums, so the loop vectorises.
#[inline(always)]
fn dot<T: Float>(x: &[T], y: &[T]) -> T {
    let n = x.len().min(y.len());
    let split = n / 8 * 8;
    let mut acc = [T::zero(); 8];
    for (xc, yc) in x[..split].chunks_exact(8).zip(y[..split].chunks_exact(8)) {
        for ((a, &xl), &yl) in acc.iter_mut().zip(xc).zip(yc) {
            *a += xl * yl;
        }
    }
    let tail = x[split..n].iter().zip(&y[split..n]);
    let head = acc.iter().fold(T::zero(), |s, &v| s + v);
    tail.fold(head, |s, (&a, &b)| s + a * b)
}

/// Forms `Qᵀ` (row-major) where `Q = H₀·H₁·…·H_{n−2}`, accumulating backwards in blocks of
/// [`WY_BLOCK`] reflectors so that the work is matrix products (compact WY form, Golub & Van
/// Loan §5.1.7): `H_{k0}·…·H_{k1−1} = I − V·T·Vᵀ`, so `Q' ← Q' − V·(T·(Vᵀ·Q'))` on the block
/// `[s.., s..]`, `s = k0 + 1` (`Q` is the identity outside it at that point).
fn accumulate_q_transposed<T: Float>(a: &[T], beta: &[T], n: usize) -> Vec<T> {
    let mut q = Array2::eye(n);
    let reflectors = n.saturating_sub(1);
    for k0 in (0..reflectors).step_by(WY_BLOCK).rev() {
        let k1 = (k0 + WY_BLOCK).min(reflectors);
        let s = k0 + 1;
        let vt = reflector_rows(a, beta, n, k0, k1);
        let t = wy_factor(&vt, &beta[k0..k1]);
        let mut block = q.slice_mut(s![s.., s..]);
        let mut w = Array2::zeros((k1 - k0, n - s));
        let mut tw = Array2::zeros((k1 - k0, n - s));
        let (no, yes) = (Transpose::No, Transpose::Yes);
        let one = T::one();
        // W = Vᵀ·Q', then T·W, then Q' −= V·(T·W); shapes always match, so no error arises.
        let _ = gemm(
            one,
            vt.view(),
            no,
            block.view(),
            no,
            T::zero(),
            w.view_mut(),
        );
        let _ = gemm(one, t.view(), no, w.view(), no, T::zero(), tw.view_mut());
        let _ = gemm(-one, vt.view(), yes, tw.view(), no, one, block.view_mut());
    }
    transpose_square(q.as_slice().expect("standard layout"), n)
}

/// Reflectors per block in [`accumulate_q_transposed`].
const WY_BLOCK: usize = 32;

/// `Vᵀ` for reflectors `k0..k1`, in the coordinates of the block starting at `s = k0 + 1`: row
/// `j` holds `v_{k0+j}` (stored in row `k0+j` of `a` from column `k0+j+1`), zero before it, and
/// is all zero when `β = 0` (no reflection).
fn reflector_rows<T: Float>(a: &[T], beta: &[T], n: usize, k0: usize, k1: usize) -> Array2<T> {
    let s = k0 + 1;
    let mut vt = Array2::zeros((k1 - k0, n - s));
    for (j, mut row) in vt.outer_iter_mut().enumerate() {
        let k = k0 + j;
        if beta[k] != T::zero() {
            for (dst, &v) in row.iter_mut().skip(j).zip(&a[k * n + k + 1..(k + 1) * n]) {
                *dst = v;
            }
        }
    }
    vt
}

/// The upper-triangular `T` with `H_0·…·H_{b−1} = I − V·T·Vᵀ` (LAPACK `dlarft`, forward):
/// `T_jj = β_j`, `T[..j, j] = −β_j·T[..j, ..j]·(V[.., ..j]ᵀ·v_j)`.
fn wy_factor<T: Float>(vt: &Array2<T>, beta: &[T]) -> Array2<T> {
    let b = beta.len();
    let mut t = Array2::zeros((b, b));
    for j in 0..b {
        let vj = vt.row(j);
        let z: Vec<T> = (0..j).map(|i| vt.row(i).dot(&vj)).collect();
        for i in 0..j {
            let ti_z = (i..j).fold(T::zero(), |acc, l| acc + t[[i, l]] * z[l]);
            t[[i, j]] = -beta[j] * ti_z;
        }
        t[[j, j]] = beta[j];
    }
    t
}

#[inline(always)]
fn axpy<T: Float>(alpha: T, x: &[T], y: &mut [T]) {
    for (yi, &xi) in y.iter_mut().zip(x) {
        *yi += alpha * xi;
    }
}

fn transpose_square<T: Float>(q: &[T], n: usize) -> Vec<T> {
    (0..n * n).map(|idx| q[(idx % n) * n + idx / n]).collect()
}

/// A Givens rotation of rows `k` and `k+1`: `(c, s)` as in [`rotate_rows`].
type Rotation<T> = (usize, T, T);

/// Diagonalises the tridiagonal `(d, e)` in place by implicit shifted QR, then applies the
/// recorded rotations, in order, to the rows of `rows` (the transposed eigenvector matrix).
fn implicit_qr<T: Float>(d: &mut [T], e: &mut [T], rows: &mut [T], n: usize) -> Result<()> {
    let mut rotations = Vec::new();
    let max_sweeps = 30 * n.max(1);
    let mut end = n; // the block [.., end) still has to be diagonalised
    let mut sweeps = 0;
    while end > 1 {
        deflate(d, e, end);
        if e[end - 2] == T::zero() {
            end -= 1;
            continue;
        }
        let mut start = end - 2;
        while start > 0 && e[start - 1] != T::zero() {
            start -= 1;
        }
        if sweeps == max_sweeps {
            let op = "symmetric eigendecomposition";
            return Err(TensorError::NoConvergence {
                op,
                iterations: sweeps,
            });
        }
        sweeps += 1;
        qr_sweep(d, e, &mut rotations, start, end);
        if rotations.len() >= MAX_PENDING {
            apply_rotations(rows, n, &rotations); // bounds the memory of pending rotations
            rotations.clear();
        }
    }
    apply_rotations(rows, n, &rotations);
    Ok(())
}

/// Applies `rotations` in order to the rows of the row-major `n×n` `rows`.
///
/// Columns are independent, so the matrix is cut into column blocks of [`BLOCK`] columns, each
/// copied into a contiguous `n×BLOCK` buffer (cache-resident, rotations vectorise over the
/// block's columns) and rotated on its own rayon task; the results are copied back.
fn apply_rotations<T: Float>(rows: &mut [T], n: usize, rotations: &[Rotation<T>]) {
    let starts: Vec<usize> = (0..n).step_by(BLOCK).collect();
    let rotate_block = |&j0: &usize| {
        let w = BLOCK.min(n - j0);
        let mut buf: Vec<T> = Vec::with_capacity(n * w);
        (0..n).for_each(|r| buf.extend_from_slice(&rows[r * n + j0..r * n + j0 + w]));
        with_wide_vectors(|| {
            for &(k, c, s) in rotations {
                rotate_rows(&mut buf, w, k, c, s);
            }
        });
        buf
    };
    let blocks: Vec<Vec<T>> = if crate::num_threads() > 1 {
        starts.par_iter().map(rotate_block).collect()
    } else {
        starts.iter().map(rotate_block).collect()
    };
    for (&j0, buf) in starts.iter().zip(&blocks) {
        let w = BLOCK.min(n - j0);
        for r in 0..n {
            rows[r * n + j0..r * n + j0 + w].copy_from_slice(&buf[r * w..(r + 1) * w]);
        }
    }
}

/// Rotations recorded before they are applied (≈ 6 MiB for `f64`).
const MAX_PENDING: usize = 1 << 18;

/// Columns per task in [`apply_rotations`].
const BLOCK: usize = 32;

/// Sets negligible off-diagonal entries of `e[..end−1]` to exactly zero.
fn deflate<T: Float>(d: &[T], e: &mut [T], end: usize) {
    let eps = T::epsilon();
    for i in 0..end - 1 {
        let tiny = e[i].abs() <= eps * (d[i].abs() + d[i + 1].abs());
        if tiny || e[i].abs() < T::min_positive_value() {
            e[i] = T::zero();
        }
    }
}

/// One implicit QR sweep with Wilkinson shift on the unreduced block `[start, end)`.
fn qr_sweep<T: Float>(
    d: &mut [T],
    e: &mut [T],
    rots: &mut Vec<Rotation<T>>,
    start: usize,
    end: usize,
) {
    let mu = wilkinson_shift(d[end - 2], d[end - 1], e[end - 2]);
    let (mut x, mut z) = (d[start] - mu, e[start]);
    for k in start..end - 1 {
        let r = x.hypot(z);
        let (c, s) = if r == T::zero() {
            (T::one(), T::zero())
        } else {
            (x / r, -z / r)
        };
        if k > start {
            e[k - 1] = r; // the bulge at (k−1, k+1) is now zero
        }
        let (a, f, g) = (d[k], e[k], d[k + 1]);
        let cs = c * s;
        d[k] = a * c * c - lit::<T>(2.0) * cs * f + g * s * s;
        d[k + 1] = a * s * s + lit::<T>(2.0) * cs * f + g * c * c;
        e[k] = cs * (a - g) + f * (c * c - s * s);
        if k + 2 < end {
            z = -s * e[k + 1]; // new bulge at (k, k+2)
            e[k + 1] = c * e[k + 1];
            x = e[k];
        }
        rots.push((k, c, s));
    }
}

/// The eigenvalue of `[[a, b], [b, c]]` closer to `c`, computed without cancellation.
fn wilkinson_shift<T: Float>(a: T, c: T, b: T) -> T {
    let delta = (a - c) * lit::<T>(0.5);
    let sign = if delta >= T::zero() {
        T::one()
    } else {
        -T::one()
    };
    let denom = delta + sign * delta.hypot(b);
    if denom == T::zero() {
        c
    } else {
        c - b * b / denom
    }
}

/// Rows `k` and `k+1` become `c·r_k − s·r_{k+1}` and `s·r_k + c·r_{k+1}`.
#[inline(always)]
fn rotate_rows<T: Float>(rows: &mut [T], n: usize, k: usize, c: T, s: T) {
    let (top, bottom) = rows[k * n..(k + 2) * n].split_at_mut(n);
    for (p, q) in top.iter_mut().zip(bottom.iter_mut()) {
        let (u, v) = (*p, *q);
        *p = c * u - s * v;
        *q = s * u + c * v;
    }
}

/// Sorts ascending, undoes the scaling, fixes signs, and turns eigenvector rows into columns.
fn sorted_columns<T: Float>(d: &[T], rows: &[T], n: usize, scale: T) -> SymmetricEigen<T> {
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&i, &j| d[i].partial_cmp(&d[j]).unwrap_or(std::cmp::Ordering::Equal));
    let values = order.iter().map(|&i| d[i] * scale).collect();
    let mut vectors = Array2::zeros((n, n));
    for (col, &i) in order.iter().enumerate() {
        let row = &rows[i * n..(i + 1) * n];
        let big = row
            .iter()
            .fold(T::zero(), |m, &v| if v.abs() > m.abs() { v } else { m });
        let sign = if big < T::zero() { -T::one() } else { T::one() };
        for (r, &v) in row.iter().enumerate() {
            vectors[[r, col]] = sign * v;
        }
    }
    SymmetricEigen { values, vectors }
}

/// A literal in the element type.
fn lit<T: Float>(v: f64) -> T {
    <T as Float>::from_f64(v)
}
