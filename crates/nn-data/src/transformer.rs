//! The [`Transformer`] trait: fit on training data, then apply the same map to any data.

use crate::Result;
use ndarray::{Array2, ArrayView2};

/// A fitted, invertible feature map. Inputs and outputs have shape `(n_samples, n_features)`.
///
/// Calling [`transform`](Transformer::transform) or
/// [`inverse_transform`](Transformer::inverse_transform) before [`fit`](Transformer::fit)
/// returns [`DataError::NotFitted`](crate::DataError::NotFitted).
///
/// ```
/// use nn_data::{StandardScaler, Transformer};
/// let x = ndarray::array![[1.0], [2.0], [3.0]];
/// let mut scaler = StandardScaler::default();
/// assert!(scaler.transform(x.view()).is_err()); // not fitted yet
/// scaler.fit(x.view())?;
/// let back = scaler.inverse_transform(scaler.transform(x.view())?.view())?;
/// assert!((back - &x).iter().all(|d| d.abs() < 1e-12));
/// # Ok::<(), nn_data::DataError>(())
/// ```
pub trait Transformer {
    /// Learns the parameters from training data.
    fn fit(&mut self, x: ArrayView2<f64>) -> Result<()>;
    /// Applies the fitted map.
    fn transform(&self, x: ArrayView2<f64>) -> Result<Array2<f64>>;
    /// Undoes [`transform`](Transformer::transform) (exactly, or as documented by the type).
    fn inverse_transform(&self, x: ArrayView2<f64>) -> Result<Array2<f64>>;

    /// `fit` then `transform` on the same data.
    fn fit_transform(&mut self, x: ArrayView2<f64>) -> Result<Array2<f64>> {
        self.fit(x)?;
        self.transform(x)
    }
}

/// Checks that `x` has `expected` columns (the fitted feature count).
pub(crate) fn check_cols(op: &'static str, x: &ArrayView2<f64>, expected: usize) -> Result<()> {
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
pub(crate) fn check_rows(op: &'static str, x: &ArrayView2<f64>, min: usize) -> Result<()> {
    if x.nrows() < min {
        let msg = format!("{op} needs at least {min} samples, got {}", x.nrows());
        return Err(crate::DataError::invalid("x", msg));
    }
    if x.iter().any(|v| !v.is_finite()) {
        return Err(crate::DataError::invalid(
            "x",
            format!("{op}: input holds NaN or infinity"),
        ));
    }
    Ok(())
}

/// Builds a new `(n_samples, n_out)` array row by row: `f(row, out_row)` fills `out_row`.
///
/// One pass over the data: each row is computed into a small scratch row and appended to a
/// buffer from [`crate::buffer::with_capacity`] (no zero-initialisation pass, huge pages for
/// big outputs).
pub(crate) fn map_rows(
    x: ArrayView2<f64>,
    n_out: usize,
    f: impl Fn(&[f64], &mut [f64]),
) -> Array2<f64> {
    let x = x.as_standard_layout();
    let mut out = crate::buffer::with_capacity(x.nrows() * n_out);
    let mut scratch = vec![0.0; n_out];
    for row in x.rows() {
        f(row.as_slice().unwrap_or(&[]), &mut scratch);
        out.extend_from_slice(&scratch);
    }
    Array2::from_shape_vec((x.nrows(), n_out), out).unwrap_or_else(|_| Array2::zeros((0, n_out)))
}
