//! Element-wise operations: bias broadcast, in-place maps and zips.

use crate::{Float, Result, TensorError};
use ndarray::{ArrayView1, ArrayView2, ArrayViewMut2, Zip};

/// Adds `bias` (length `n_cols`) to every row of `x` (shape `(n_rows, n_cols)`).
///
/// ```
/// use ndarray::array;
/// let mut x = array![[1.0_f32, 2.0], [3.0, 4.0]];
/// nn_tensor::add_row_broadcast(x.view_mut(), array![10.0, 20.0].view())?;
/// assert_eq!(x, array![[11.0, 22.0], [13.0, 24.0]]);
/// # Ok::<(), nn_tensor::TensorError>(())
/// ```
pub fn add_row_broadcast<T: Float>(mut x: ArrayViewMut2<T>, bias: ArrayView1<T>) -> Result<()> {
    if x.ncols() != bias.len() {
        return Err(TensorError::ShapeMismatch {
            op: "add_row_broadcast",
            expected: vec![x.ncols()],
            got: vec![bias.len()],
        });
    }
    for mut row in x.rows_mut() {
        row += &bias;
    }
    Ok(())
}

/// Applies `f` to every element of `x` in place.
///
/// ```
/// use ndarray::array;
/// let mut x = array![[1.0_f64, -2.0]];
/// nn_tensor::map_inplace(x.view_mut(), |v| v.max(0.0));
/// assert_eq!(x, array![[1.0, 0.0]]);
/// ```
pub fn map_inplace<T: Float>(mut x: ArrayViewMut2<T>, f: impl Fn(T) -> T) {
    x.mapv_inplace(f);
}

/// Sets `x[i, j] = f(x[i, j], y[i, j])` for every element; shapes must match.
///
/// ```
/// use ndarray::array;
/// let mut x = array![[1.0_f64, 2.0]];
/// nn_tensor::zip_inplace(x.view_mut(), array![[3.0, 4.0]].view(), |a, b| a * b)?;
/// assert_eq!(x, array![[3.0, 8.0]]);
/// # Ok::<(), nn_tensor::TensorError>(())
/// ```
pub fn zip_inplace<T: Float>(
    x: ArrayViewMut2<T>,
    y: ArrayView2<T>,
    f: impl Fn(T, T) -> T,
) -> Result<()> {
    if x.dim() != y.dim() {
        return Err(TensorError::ShapeMismatch {
            op: "zip_inplace",
            expected: vec![x.nrows(), x.ncols()],
            got: vec![y.nrows(), y.ncols()],
        });
    }
    Zip::from(x).and(y).for_each(|a, &b| *a = f(*a, b));
    Ok(())
}
