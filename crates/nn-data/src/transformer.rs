//! The [`Transformer`] trait: fit on training data, then apply the same map to any data.

use crate::Result;
use ndarray::{Array2, ArrayView2};
use rayon::prelude::*;

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
/// The output comes from `Array2::zeros` (calloc: fresh zero pages, no memset pass), and big
/// inputs are split into row chunks processed in parallel when `nn_tensor::num_threads() > 1`,
/// which also spreads the page faults of the new allocation over the threads.
pub(crate) fn map_rows(
    x: ArrayView2<f64>,
    n_out: usize,
    f: impl Fn(&[f64], &mut [f64]) + Sync,
) -> Array2<f64> {
    let x = x.as_standard_layout();
    let mut out = Array2::zeros((x.nrows(), n_out));
    let (Some(src), Some(dst)) = (x.as_slice(), out.as_slice_mut()) else {
        return out;
    };
    let (n_in, n_out) = (x.ncols().max(1), n_out.max(1));
    let rows_per_chunk = (PAR_CHUNK / n_in).max(1);
    let work = |(a, b): (&[f64], &mut [f64])| {
        a.chunks_exact(n_in)
            .zip(b.chunks_exact_mut(n_out))
            .for_each(|(r, o)| f(r, o));
    };
    if nn_tensor::num_threads() > 1 && src.len() > PAR_CHUNK {
        let pairs = src
            .par_chunks(rows_per_chunk * n_in)
            .zip(dst.par_chunks_mut(rows_per_chunk * n_out));
        pairs.for_each(work);
    } else {
        work((src, dst));
    }
    out
}

/// Elements per parallel task in [`map_rows`].
const PAR_CHUNK: usize = 1 << 16;
