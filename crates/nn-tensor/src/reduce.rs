//! Reductions: column sums (bias gradients) and row-wise argmax (predicted classes).

use crate::{Float, Result, TensorError};
use ndarray::{Array1, ArrayView2, ArrayViewMut1};

/// Sums over rows: returns one value per column (the bias gradient of a batch).
///
/// ```
/// use ndarray::array;
/// assert_eq!(nn_tensor::sum_rows(array![[1.0_f64, 2.0], [3.0, 4.0]].view()), array![4.0, 6.0]);
/// ```
pub fn sum_rows<T: Float>(x: ArrayView2<T>) -> Array1<T> {
    let mut out = Array1::zeros(x.ncols());
    sum_rows_into(x, out.view_mut()).expect("output sized to match");
    out
}

/// Writes the column sums of `x` into `out` (length `n_cols`), rows added in order.
///
/// ```
/// use ndarray::array;
/// let mut out = array![0.0_f32, 0.0];
/// nn_tensor::sum_rows_into(array![[1.0, 2.0], [3.0, 4.0]].view(), out.view_mut())?;
/// assert_eq!(out, array![4.0, 6.0]);
/// # Ok::<(), nn_tensor::TensorError>(())
/// ```
pub fn sum_rows_into<T: Float>(x: ArrayView2<T>, mut out: ArrayViewMut1<T>) -> Result<()> {
    if out.len() != x.ncols() {
        return Err(TensorError::ShapeMismatch {
            op: "sum_rows_into",
            expected: vec![x.ncols()],
            got: vec![out.len()],
        });
    }
    out.fill(T::zero());
    for row in x.rows() {
        out += &row;
    }
    Ok(())
}

/// The index of the largest value in each row (first one on ties; NaN never wins).
///
/// ```
/// use ndarray::array;
/// assert_eq!(nn_tensor::argmax_rows(array![[0.1_f32, 0.7, 0.2], [0.9, 0.0, 0.1]].view()), vec![1, 0]);
/// ```
pub fn argmax_rows<T: Float>(x: ArrayView2<T>) -> Vec<usize> {
    x.rows()
        .into_iter()
        .map(|row| {
            let mut best = 0;
            for (j, &v) in row.iter().enumerate() {
                if v > row[best] || (row[best].is_nan() && !v.is_nan()) {
                    best = j;
                }
            }
            best
        })
        .collect()
}
