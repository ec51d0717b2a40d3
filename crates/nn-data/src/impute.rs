//! [`MeanImputer`]: replaces missing cells with the training-set column mean.

use crate::{DataError, Result};
use ndarray::{Array2, ArrayView2};
use nn_tensor::Float;
use serde::{Deserialize, Serialize};

/// Column means fitted on training data, used to fill missing cells (`NaN`) in any later data.
///
/// A column with no observed value at all gets mean 0.
///
/// ```
/// use ndarray::array;
/// let imp = nn_data::MeanImputer::fit(array![[1.0, f64::NAN], [3.0, 4.0]].view());
/// assert_eq!(imp.means, vec![2.0, 4.0]);
/// assert_eq!(imp.transform(array![[f64::NAN, 0.0]].view())?, array![[2.0, 0.0]]);
/// # Ok::<(), nn_data::DataError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MeanImputer {
    /// One mean per feature column.
    pub means: Vec<f64>,
}

impl MeanImputer {
    /// The mean of the non-NaN values of each column of `x` (shape `(n_samples, n_features)`),
    /// summed in `f64` for any `T`.
    pub fn fit<T: Float>(x: ArrayView2<T>) -> Self {
        let mut sums = vec![0.0; x.ncols()];
        let mut counts = vec![0usize; x.ncols()];
        for row in x.rows() {
            for ((s, c), &v) in sums.iter_mut().zip(counts.iter_mut()).zip(row) {
                if !v.is_nan() {
                    *s += v.to_f64();
                    *c += 1;
                }
            }
        }
        let means = sums
            .iter()
            .zip(&counts)
            .map(|(&s, &c)| if c == 0 { 0.0 } else { s / c as f64 });
        MeanImputer {
            means: means.collect(),
        }
    }

    /// A copy of `x` with every NaN replaced by its column's mean.
    ///
    /// # Errors
    /// [`DataError::ShapeMismatch`] if `x` has a different number of columns.
    pub fn transform<T: Float>(&self, x: ArrayView2<T>) -> Result<Array2<T>> {
        let mut out = x.to_owned();
        self.fill(&mut out)?;
        Ok(out)
    }

    /// Replaces every NaN of `x` in place by its column's mean (rounded to `T`).
    ///
    /// # Errors
    /// [`DataError::ShapeMismatch`] if `x` has a different number of columns.
    ///
    /// ```
    /// let imp = nn_data::MeanImputer { means: vec![0.1] };
    /// let mut x = ndarray::array![[f32::NAN], [2.0]];
    /// imp.fill(&mut x)?;
    /// assert_eq!(x, ndarray::array![[0.1_f32], [2.0]]);
    /// # Ok::<(), nn_data::DataError>(())
    /// ```
    pub fn fill<T: Float>(&self, x: &mut Array2<T>) -> Result<()> {
        if x.ncols() != self.means.len() {
            let (expected, got) = (vec![self.means.len()], vec![x.ncols()]);
            return Err(DataError::ShapeMismatch {
                op: "MeanImputer::fill",
                expected,
                got,
            });
        }
        self.fill_leading(x);
        Ok(())
    }

    /// Replaces every NaN in the leading `means.len()` columns of `x` by its column's mean
    /// (the numeric part of a matrix whose indicator columns follow).
    pub(crate) fn fill_leading<T: Float>(&self, x: &mut Array2<T>) {
        for mut row in x.rows_mut() {
            for (v, &m) in row.iter_mut().zip(&self.means) {
                if v.is_nan() {
                    *v = T::from_f64(m);
                }
            }
        }
    }
}
