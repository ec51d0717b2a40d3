//! The [`Transformer`] trait: fit on training data, then apply the same map to any data.

use crate::Result;
use ndarray::{Array2, ArrayView2};
use nn_tensor::Float;

/// A fitted, invertible feature map. Inputs and outputs have shape `(n_samples, n_features)`.
///
/// The element type `T` is `f64` by default; every transformer of this crate implements the
/// trait for `f32` too, so a large `f32` training set is fitted and transformed without an
/// `f64` copy. The fitted parameters are always `f64` (sums are accumulated in `f64`) and each
/// output value is computed in `f64` and then rounded once to `T`; for `f64` data the results
/// are the same bits as before `T` existed.
///
/// Calling [`transform`](Transformer::transform) or
/// [`inverse_transform`](Transformer::inverse_transform) before [`fit`](Transformer::fit)
/// returns [`DataError::NotFitted`](crate::DataError::NotFitted).
///
/// ```
/// use nn_data::{StandardScaler, Transformer};
/// let x = ndarray::array![[1.0_f64], [2.0], [3.0]];
/// let mut scaler = StandardScaler::default();
/// assert!(scaler.transform(x.view()).is_err()); // not fitted yet
/// scaler.fit(x.view())?;
/// let back = scaler.inverse_transform(scaler.transform(x.view())?.view())?;
/// assert!((back - &x).iter().all(|d| d.abs() < 1e-12));
/// # Ok::<(), nn_data::DataError>(())
/// ```
///
/// The same scaler on `f32` data (fitted parameters in `f64`, outputs rounded to `f32`):
///
/// ```
/// use nn_data::{StandardScaler, Transformer};
/// let x = ndarray::array![[1.0_f32], [2.0], [3.0]];
/// let mut scaler = StandardScaler::default();
/// let z = scaler.fit_transform(x.view())?; // an Array2<f32>
/// assert_eq!((scaler.mean[0], z[[0, 0]]), (2.0, -1.224_744_9_f32));
/// # Ok::<(), nn_data::DataError>(())
/// ```
pub trait Transformer<T: Float = f64> {
    /// Learns the parameters from training data.
    fn fit(&mut self, x: ArrayView2<T>) -> Result<()>;
    /// Applies the fitted map.
    fn transform(&self, x: ArrayView2<T>) -> Result<Array2<T>>;
    /// Undoes [`transform`](Transformer::transform) (exactly, or as documented by the type).
    fn inverse_transform(&self, x: ArrayView2<T>) -> Result<Array2<T>>;

    /// `fit` then `transform` on the same data.
    fn fit_transform(&mut self, x: ArrayView2<T>) -> Result<Array2<T>> {
        self.fit(x)?;
        self.transform(x)
    }
}

/// Checks that `x` has `expected` columns (the fitted feature count).
pub(crate) fn check_cols<T>(op: &'static str, x: &ArrayView2<T>, expected: usize) -> Result<()> {
    if x.ncols() != expected {
        let got = vec![x.nrows(), x.ncols()];
        return Err(crate::DataError::ShapeMismatch {
            op,
            expected: vec![x.nrows(), expected],
            got,
        });
    }
    Ok(())
}

/// Checks that `x` has at least `min` rows for fitting.
pub(crate) fn check_count<T>(op: &'static str, x: &ArrayView2<T>, min: usize) -> Result<()> {
    if x.nrows() < min {
        let msg = format!("{op} needs at least {min} samples, got {}", x.nrows());
        return Err(crate::DataError::invalid("x", msg));
    }
    Ok(())
}

/// The error of a fit whose input holds NaN or infinity.
pub(crate) fn non_finite(op: &'static str) -> crate::DataError {
    crate::DataError::invalid("x", format!("{op}: input holds NaN or infinity"))
}

/// Checks the column sums (or means) `sums` that a fit accumulated in `f64` over `x`, instead
/// of a finiteness pass of its own: a NaN or infinity in `x` makes its column's sum NaN or
/// infinite, so finite sums mean finite data. Only when a sum is not finite is `x` scanned
/// again, to tell a NaN or infinity in the data ([`non_finite`]) from finite values whose sum
/// overflows ([`DataError::Overflow`](crate::DataError::Overflow) naming `what`).
pub(crate) fn check_sums<T: Float>(
    op: &'static str,
    x: &ArrayView2<T>,
    what: &'static str,
    sums: &[f64],
) -> Result<()> {
    if sums.iter().all(|s| s.is_finite()) {
        return Ok(());
    }
    if x.iter().any(|v| !v.is_finite()) {
        return Err(non_finite(op));
    }
    crate::standard::overflow(op, what, sums)
}

/// Builds a new `(n_samples, n_out)` array row by row: `f(row, out_row)` fills `out_row`.
///
/// One pass over the data: each row is computed into a small scratch row and appended to a
/// buffer from [`nn_tensor::buffer::with_capacity`] (no zero-initialisation pass, huge pages for
/// big outputs).
pub(crate) fn map_rows<T: Float>(
    x: ArrayView2<T>,
    n_out: usize,
    f: impl Fn(&[T], &mut [T]),
) -> Array2<T> {
    let x = x.as_standard_layout();
    let mut out = nn_tensor::buffer::with_capacity(x.nrows() * n_out);
    let mut scratch = vec![T::zero(); n_out];
    for row in x.rows() {
        f(row.as_slice().unwrap_or(&[]), &mut scratch);
        out.extend_from_slice(&scratch);
    }
    Array2::from_shape_vec((x.nrows(), n_out), out).unwrap_or_else(|_| Array2::zeros((0, n_out)))
}
