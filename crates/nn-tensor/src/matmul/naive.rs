//! The reference triple-loop product that every fast kernel is tested against.

use crate::{Float, Result, TensorError};
use ndarray::{Array2, ArrayView2};

/// `A·B` by the textbook triple loop (`c[i][j] = Σ_p a[i][p]·b[p][j]`, `p` ascending).
///
/// Slow but obviously right: use it in tests, not in training.
///
/// ```
/// use ndarray::array;
/// let c = nn_tensor::matmul_naive(array![[1.0_f64, 2.0]].view(), array![[3.0], [4.0]].view())?;
/// assert_eq!(c, array![[11.0]]);
/// # Ok::<(), nn_tensor::TensorError>(())
/// ```
pub fn matmul_naive<T: Float>(a: ArrayView2<T>, b: ArrayView2<T>) -> Result<Array2<T>> {
    let (m, k) = a.dim();
    let (k2, n) = b.dim();
    if k != k2 {
        return Err(TensorError::ShapeMismatch {
            op: "matmul_naive",
            expected: vec![k, n],
            got: vec![k2, n],
        });
    }
    let mut c = Array2::zeros((m, n));
    for i in 0..m {
        for j in 0..n {
            let mut acc = T::zero();
            for p in 0..k {
                acc += a[[i, p]] * b[[p, j]];
            }
            c[[i, j]] = acc;
        }
    }
    Ok(c)
}
