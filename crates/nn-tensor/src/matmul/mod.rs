//! General matrix multiplication: `C = α·op(A)·op(B) + β·C`, where `op` is the identity or the
//! transpose, without materialising a transpose.
//!
//! The public entry points check shapes and return [`TensorError::ShapeMismatch`] instead of
//! panicking. [`matmul_naive`] is the triple-loop reference every fast path is tested against.

mod naive;

pub use naive::matmul_naive;

use crate::{Float, Result, TensorError};
use ndarray::{ArrayView2, ArrayViewMut2};

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
    if beta == T::zero() {
        c.fill(T::zero());
    }
    ndarray::linalg::general_mat_mul(alpha, &a, &b, beta, &mut c);
    Ok(())
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
}
