//! General matrix multiplication: `C = α·op(A)·op(B) + β·C`, where `op` is the identity or the
//! transpose, without materialising a transpose.
//!
//! The public entry points check shapes and return [`TensorError::ShapeMismatch`] instead of
//! panicking. [`matmul_naive`] is the triple-loop reference every fast path is tested against.
//!
//! # How a product runs
//! Every product runs a BLIS-style packed, cache-blocked loop nest around an `MR×NR`
//! register-blocked micro-kernel: AVX-512F or AVX2+FMA on x86-64 (detected once at run time), a
//! portable kernel elsewhere. Packing buffers are per-thread and reused, so a call allocates
//! nothing after the first. Small products (see [`SMALL_FMAS`]) run on one thread, directly on
//! the operands without packing (`small.rs`: a loop order picked from the layout so the inner
//! loop is contiguous); the few layouts no direct loop order suits take the packed path with the
//! narrower AVX2 tile where the CPU has it, which wastes less work on ragged edges.
//! Operands with any strides, transposed or not, are read through packing, so no transpose is
//! ever materialised. Threads ([`crate::num_threads`]) split only the `m` and `n` dimensions,
//! never `k`, so the result is bit-identical for any thread count.

pub(crate) mod dispatch;
mod driver;
mod kernel;
mod naive;
mod pack;
mod small;
#[cfg(target_arch = "x86_64")]
pub(crate) mod x86;

pub use naive::matmul_naive;

pub use dispatch::KernelChoice;

use crate::{Float, Result, TensorError};
use dispatch::detected_isas;
use driver::{Mat, Problem};
use ndarray::{ArrayView2, ArrayViewMut2};

/// Products with at most this many multiply-adds (`m·n·k`) take the small-matrix path: one
/// thread, and the direct unpacked loops of `small.rs` (about 2–4× the packed path's speed on
/// the iris shapes, `150×4·4×16` and the like), or where no direct loop order fits the layout,
/// the packed path with the narrower AVX2 register tile (6×16 rather than 12×32 for f32).
pub const SMALL_FMAS: usize = 16 * 1024;

/// Whether an operand is used as stored or transposed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transpose {
    /// Use the matrix as stored.
    No,
    /// Use its transpose.
    Yes,
}

impl Transpose {
    fn apply<'a, T>(self, m: ArrayView2<'a, T>) -> ArrayView2<'a, T> {
        match self {
            Transpose::No => m,
            Transpose::Yes => m.reversed_axes(),
        }
    }
}

/// `C = α·op(A)·op(B) + β·C` (`β = 0` overwrites `C`, even if it holds NaN).
///
/// ```
/// use ndarray::{array, Array2};
/// use nn_tensor::{gemm, Transpose};
/// let a = array![[1.0_f64, 2.0], [3.0, 4.0]];
/// let mut c = Array2::from_elem((2, 2), 1.0);
/// gemm(2.0, a.view(), Transpose::Yes, a.view(), Transpose::No, 1.0, c.view_mut())?;
/// assert_eq!(c, array![[21.0, 29.0], [29.0, 41.0]]); // 2·AᵀA + 1
/// # Ok::<(), nn_tensor::TensorError>(())
/// ```
pub fn gemm<T: Float>(
    alpha: T,
    a: ArrayView2<T>,
    trans_a: Transpose,
    b: ArrayView2<T>,
    trans_b: Transpose,
    beta: T,
    mut c: ArrayViewMut2<T>,
) -> Result<()> {
    let a = trans_a.apply(a);
    let b = trans_b.apply(b);
    check_shapes("gemm", &a, &b, &c)?;
    if trivial(alpha, &a, beta, &mut c) {
        return Ok(());
    }
    let problem = problem(alpha, &a, &b, beta, &mut c);
    let is_small = problem.m * problem.n * problem.k <= SMALL_FMAS;
    // SAFETY: `problem` describes live, shape-checked views; C is a unique mutable view, so it
    // aliases neither A nor B.
    if is_small && unsafe { small::run(&problem) } {
        return Ok(());
    }
    let (best, small) = detected_isas();
    let (isa, threads) = match is_small {
        true => (small, 1),
        false => (best, crate::num_threads()),
    };
    // SAFETY: `problem` describes live, shape-checked views; C is a unique mutable view, so it
    // aliases neither A nor B; both detected ISAs are supported by this CPU.
    unsafe { T::run_packed(isa, &problem, threads) };
    Ok(())
}

/// [`gemm`] forced onto one kernel family and always through the packed path (no small-matrix
/// shortcut); for benchmarks and kernel tests.
///
/// Returns [`TensorError::KernelUnavailable`] when the CPU lacks the kernel's features.
///
/// ```
/// use ndarray::{array, Array2};
/// use nn_tensor::matmul::{gemm_with_kernel, KernelChoice};
/// use nn_tensor::Transpose;
/// let a = array![[1.0_f32, 2.0], [3.0, 4.0]];
/// let mut c = Array2::zeros((2, 2));
/// let (t, one, zero) = (Transpose::No, 1.0, 0.0);
/// gemm_with_kernel(KernelChoice::Portable, one, a.view(), t, a.view(), t, zero, c.view_mut())?;
/// assert_eq!(c, array![[7.0, 10.0], [15.0, 22.0]]);
/// # Ok::<(), nn_tensor::TensorError>(())
/// ```
#[allow(clippy::too_many_arguments)]
pub fn gemm_with_kernel<T: Float>(
    kernel: KernelChoice,
    alpha: T,
    a: ArrayView2<T>,
    trans_a: Transpose,
    b: ArrayView2<T>,
    trans_b: Transpose,
    beta: T,
    mut c: ArrayViewMut2<T>,
) -> Result<()> {
    let isa = kernel.isa().ok_or(TensorError::KernelUnavailable {
        kernel: kernel.name(),
    })?;
    let a = trans_a.apply(a);
    let b = trans_b.apply(b);
    check_shapes("gemm", &a, &b, &c)?;
    if !trivial(alpha, &a, beta, &mut c) {
        let problem = problem(alpha, &a, &b, beta, &mut c);
        // SAFETY: as in `gemm`; `isa` was checked against the CPU by `KernelChoice::isa`.
        unsafe { T::run_packed(isa, &problem, crate::num_threads()) };
    }
    Ok(())
}

/// Handles products with nothing to multiply (`m`, `n` or `k` zero, or `α = 0`): `C = β·C`.
/// Returns whether it did.
fn trivial<T: Float>(alpha: T, a: &ArrayView2<T>, beta: T, c: &mut ArrayViewMut2<T>) -> bool {
    if c.is_empty() {
        return true;
    }
    if a.ncols() != 0 && alpha != T::zero() {
        return false;
    }
    if beta == T::zero() {
        c.fill(T::zero());
    } else if beta != T::one() {
        *c *= beta;
    }
    true
}

/// The raw description of shape-checked views (pointers stay valid while the views live).
fn problem<T: Float>(
    alpha: T,
    a: &ArrayView2<T>,
    b: &ArrayView2<T>,
    beta: T,
    c: &mut ArrayViewMut2<T>,
) -> Problem<T> {
    let [rs_a, cs_a] = strides(a.strides());
    let [rs_b, cs_b] = strides(b.strides());
    let [rs_c, cs_c] = strides(c.strides());
    Problem {
        m: a.nrows(),
        n: b.ncols(),
        k: a.ncols(),
        alpha,
        a: Mat {
            ptr: a.as_ptr(),
            rs: rs_a,
            cs: cs_a,
        },
        b: Mat {
            ptr: b.as_ptr(),
            rs: rs_b,
            cs: cs_b,
        },
        beta,
        c: Mat {
            ptr: c.as_mut_ptr(),
            rs: rs_c,
            cs: cs_c,
        },
    }
}

fn strides(s: &[isize]) -> [isize; 2] {
    [s[0], s[1]]
}

/// `C = A·B`, with `A: (m, k)`, `B: (k, n)`, `C: (m, n)`.
///
/// ```
/// use ndarray::{array, Array2};
/// let mut c = Array2::zeros((1, 1));
/// nn_tensor::matmul(array![[1.0_f32, 2.0]].view(), array![[3.0], [4.0]].view(), c.view_mut())?;
/// assert_eq!(c[[0, 0]], 11.0);
/// # Ok::<(), nn_tensor::TensorError>(())
/// ```
pub fn matmul<T: Float>(a: ArrayView2<T>, b: ArrayView2<T>, c: ArrayViewMut2<T>) -> Result<()> {
    gemm(T::one(), a, Transpose::No, b, Transpose::No, T::zero(), c)
}

/// `C = Aᵀ·B`, with `A: (k, m)`, `B: (k, n)`, `C: (m, n)` (weight gradients: `dW = dZᵀ·X`).
///
/// ```
/// use ndarray::{array, Array2};
/// let mut c = Array2::zeros((1, 1));
/// nn_tensor::matmul_tn(array![[1.0_f64], [2.0]].view(), array![[3.0], [4.0]].view(), c.view_mut())?;
/// assert_eq!(c[[0, 0]], 11.0);
/// # Ok::<(), nn_tensor::TensorError>(())
/// ```
pub fn matmul_tn<T: Float>(a: ArrayView2<T>, b: ArrayView2<T>, c: ArrayViewMut2<T>) -> Result<()> {
    gemm(T::one(), a, Transpose::Yes, b, Transpose::No, T::zero(), c)
}

/// `C = A·Bᵀ`, with `A: (m, k)`, `B: (n, k)`, `C: (m, n)` (forward pass: `Z = X·Wᵀ`).
///
/// ```
/// use ndarray::{array, Array2};
/// let mut c = Array2::zeros((1, 1));
/// nn_tensor::matmul_nt(array![[1.0_f64, 2.0]].view(), array![[3.0, 4.0]].view(), c.view_mut())?;
/// assert_eq!(c[[0, 0]], 11.0);
/// # Ok::<(), nn_tensor::TensorError>(())
/// ```
pub fn matmul_nt<T: Float>(a: ArrayView2<T>, b: ArrayView2<T>, c: ArrayViewMut2<T>) -> Result<()> {
    gemm(T::one(), a, Transpose::No, b, Transpose::Yes, T::zero(), c)
}

/// `C += A·B` (accumulate), with `A: (m, k)`, `B: (k, n)`, `C: (m, n)`.
///
/// ```
/// use ndarray::array;
/// let mut c = array![[1.0_f64]];
/// nn_tensor::matmul_acc(array![[1.0, 2.0]].view(), array![[3.0], [4.0]].view(), c.view_mut())?;
/// assert_eq!(c[[0, 0]], 12.0);
/// # Ok::<(), nn_tensor::TensorError>(())
/// ```
pub fn matmul_acc<T: Float>(a: ArrayView2<T>, b: ArrayView2<T>, c: ArrayViewMut2<T>) -> Result<()> {
    gemm(T::one(), a, Transpose::No, b, Transpose::No, T::one(), c)
}

fn check_shapes<T>(
    op: &'static str,
    a: &ArrayView2<T>,
    b: &ArrayView2<T>,
    c: &ArrayViewMut2<T>,
) -> Result<()> {
    let (m, k) = a.dim();
    let (k2, n) = b.dim();
    if k != k2 {
        return Err(TensorError::ShapeMismatch {
            op,
            expected: vec![k, n],
            got: vec![k2, n],
        });
    }
    if c.dim() != (m, n) {
        let got = vec![c.nrows(), c.ncols()];
        return Err(TensorError::ShapeMismatch {
            op,
            expected: vec![m, n],
            got,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{array, Array2};

    #[test]
    fn shape_mismatch_is_an_error_not_a_panic() {
        let mut c = Array2::<f64>::zeros((2, 2));
        let err = matmul(
            Array2::zeros((2, 3)).view(),
            Array2::zeros((2, 2)).view(),
            c.view_mut(),
        );
        assert!(matches!(
            err,
            Err(TensorError::ShapeMismatch { op: "gemm", .. })
        ));
        let err = matmul(
            Array2::zeros((2, 3)).view(),
            Array2::zeros((3, 5)).view(),
            c.view_mut(),
        );
        assert!(matches!(err, Err(TensorError::ShapeMismatch { .. })));
    }

    #[test]
    fn three_forms_agree_with_naive() {
        let a = array![[1.0_f64, 2.0, 3.0], [4.0, 5.0, 6.0]]; // (2, 3)
        let b = array![[1.0_f64, -1.0], [0.5, 2.0], [-3.0, 1.0]]; // (3, 2)
        let want = matmul_naive(a.view(), b.view()).unwrap(); // [[-7, 6], [-11.5, 12]]
        assert_eq!(want, array![[-7.0, 6.0], [-11.5, 12.0]]);
        let mut c = Array2::from_elem((2, 2), f64::NAN);
        matmul(a.view(), b.view(), c.view_mut()).unwrap();
        assert_eq!(c, want);
        let at = a.t().to_owned();
        matmul_tn(at.view(), b.view(), c.view_mut()).unwrap();
        assert_eq!(c, want);
        let bt = b.t().to_owned();
        matmul_nt(a.view(), bt.view(), c.view_mut()).unwrap();
        assert_eq!(c, want);
        matmul_acc(a.view(), b.view(), c.view_mut()).unwrap();
        assert_eq!(c, &want * 2.0);
    }

    #[test]
    fn empty_depth_and_zero_alpha_scale_c_by_beta() {
        // k = 0: C = β·C; α = 0: A and B are not read (NaN there must not leak).
        let mut c = array![[1.0_f32, 2.0]];
        let a = Array2::<f32>::zeros((1, 0));
        gemm(
            1.0,
            a.view(),
            Transpose::No,
            Array2::zeros((0, 2)).view(),
            Transpose::No,
            3.0,
            c.view_mut(),
        )
        .unwrap();
        assert_eq!(c, array![[3.0, 6.0]]);
        let nan = array![[f32::NAN]];
        gemm(
            0.0,
            nan.view(),
            Transpose::No,
            array![[1.0, 1.0]].view(),
            Transpose::No,
            0.0,
            c.view_mut(),
        )
        .unwrap();
        assert_eq!(c, array![[0.0, 0.0]]);
    }

    #[test]
    fn unavailable_kernel_is_an_error() {
        let (a, mut c) = (array![[1.0_f64]], array![[0.0_f64]]);
        for kernel in [KernelChoice::Avx2, KernelChoice::Avx512] {
            let t = Transpose::No;
            let got = gemm_with_kernel(kernel, 1.0, a.view(), t, a.view(), t, 0.0, c.view_mut());
            match kernel.is_available() {
                true => assert_eq!(got, Ok(())),
                false => assert!(matches!(got, Err(TensorError::KernelUnavailable { .. }))),
            }
        }
    }
}
