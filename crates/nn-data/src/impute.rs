//! [`MeanImputer`]: replaces missing cells with the training-set column mean.

use crate::{DataError, Result};
use ndarray::{Array2, ArrayView2};
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
    /// The mean of the non-NaN values of each column of `x` (shape `(n_samples, n_features)`).
    pub fn fit(x: ArrayView2<f64>) -> Self {
        let mut sums = vec![0.0; x.ncols()];
        let mut counts = vec![0usize; x.ncols()];
        for row in x.rows() {
            for ((s, c), &v) in sums.iter_mut().zip(counts.iter_mut()).zip(row) {
                if !v.is_nan() {
                    *s += v;
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
    pub fn transform(&self, x: ArrayView2<f64>) -> Result<Array2<f64>> {
        let mut out = x.to_owned();
        self.fill(&mut out)?;
        Ok(out)
    }

    /// Replaces every NaN of `x` in place by its column's mean.
    ///
    /// # Errors
    /// [`DataError::ShapeMismatch`] if `x` has a different number of columns.
    pub fn fill(&self, x: &mut Array2<f64>) -> Result<()> {
        if x.ncols() != self.means.len() {
            let (expected, got) = (vec![self.means.len()], vec![x.ncols()]);
            return Err(DataError::ShapeMismatch {
                op: "MeanImputer::fill",
                expected,
                got,
            });
        }
        for mut row in x.rows_mut() {
            for (v, &m) in row.iter_mut().zip(&self.means) {
                if v.is_nan() {
                    *v = m;
                }
            }
        }
        Ok(())
    }
}
