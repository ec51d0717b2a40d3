//! [`StandardScaler`]: `z = (x − μ) / σ` per column, with the population standard deviation.

use crate::consistency::{finite, increasing_indices, same_len, unfitted};
use crate::transformer::{check_cols, check_count, check_sums, map_rows};
use crate::{DataError, Result, Transformer};
use ndarray::{Array2, ArrayView2, ArrayViewMut2};
use nn_tensor::Float;
use serde::{Deserialize, Serialize};

/// Standardises each column to mean 0 and variance 1, as scikit-learn's `StandardScaler`.
///
/// `σ` is the population standard deviation (`ddof = 0`: divide by `n`). A column is treated as
/// constant when its variance is at most `(n·ε·|μ|)²` (`ε` = `f64::EPSILON`, the rounding error
/// of the mean): it is centred but not scaled (`σ` stored as 1) and listed in
/// [`zero_variance`](StandardScaler::zero_variance), so the output never holds NaN.
///
/// ```
/// use nn_data::{StandardScaler, Transformer};
/// // [1, 2, 3]: μ = 2, σ = √(2/3), so z = [−1.2247, 0, 1.2247].
/// let mut s = StandardScaler::default();
/// let z = s.fit_transform(ndarray::array![[1.0_f64, 5.0], [2.0, 5.0], [3.0, 5.0]].view())?;
/// assert!((z[[0, 0]] + 1.224744871391589).abs() < 1e-12 && z[[1, 0]] == 0.0);
/// assert_eq!(s.zero_variance, vec![1]); // the constant column is only centred
/// assert_eq!(z.column(1).to_vec(), vec![0.0, 0.0, 0.0]);
/// # Ok::<(), nn_data::DataError>(())
/// ```
///
/// For `f32` data (see [`Transformer`]) the means and variances are still summed in `f64`, and
/// each `z` is computed in `f64` from the `f32` value and rounded once.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StandardScaler {
    /// Column means `μ` (empty before `fit`).
    pub mean: Vec<f64>,
    /// Column scales `σ` (1 for constant columns).
    pub scale: Vec<f64>,
    /// Indices of the constant columns found by `fit`.
    pub zero_variance: Vec<usize>,
    fitted: bool,
}

impl StandardScaler {
    /// [`transform`](Transformer::transform) in place, without allocating an output (for large
    /// training sets).
    ///
    /// ```
    /// use ndarray::array;
    /// use nn_data::{StandardScaler, Transformer};
    /// let mut x = array![[1.0_f64], [2.0], [3.0]];
    /// let mut s = StandardScaler::default();
    /// s.fit(x.view())?;
    /// s.transform_in_place(x.view_mut())?;
    /// assert!((x[[0, 0]] + 1.224744871391589).abs() < 1e-12);
    /// # Ok::<(), nn_data::DataError>(())
    /// ```
    pub fn transform_in_place<T: Float>(&self, mut x: ArrayViewMut2<T>) -> Result<()> {
        self.check("StandardScaler::transform", &x.view())?;
        // The same arithmetic as `transform`, so both give identical bits.
        let inv: Vec<f64> = self.scale.iter().map(|s| 1.0 / s).collect();
        for mut row in x.rows_mut() {
            for ((v, m), k) in row.iter_mut().zip(&self.mean).zip(&inv) {
                *v = T::from_f64((v.to_f64() - m) * k);
            }
        }
        Ok(())
    }

    /// Checks fitted parameters read from a file: fitted (or empty: no columns), as many
    /// scales as means, every mean
    /// finite, every scale finite and positive, `zero_variance` increasing column indices.
    ///
    /// # Errors
    /// [`DataError::Inconsistent`] naming the first fault.
    ///
    /// ```
    /// use nn_data::{StandardScaler, Transformer};
    /// let mut s = StandardScaler::default();
    /// s.fit(ndarray::array![[1.0, 2.0], [3.0, 5.0]].view())?;
    /// s.validate()?;
    /// s.scale.pop();
    /// let err = s.validate().unwrap_err().to_string();
    /// assert_eq!(err, "inconsistent standardize parameters: mean has 2 values but scale has 1");
    /// # Ok::<(), nn_data::DataError>(())
    /// ```
    pub fn validate(&self) -> Result<()> {
        const WHAT: &str = "standardize parameters";
        if !self.fitted {
            return unfitted(WHAT, self.mean.is_empty() && self.scale.is_empty());
        }
        let (mean, scale) = (&self.mean, &self.scale);
        same_len(WHAT, ("mean", mean.len()), ("scale", scale.len()))?;
        finite(WHAT, "mean", mean)?;
        finite(WHAT, "scale", scale)?;
        if let Some(j) = scale.iter().position(|&s| s <= 0.0) {
            let message = format!("scale[{j}] is {}, not positive", scale[j]);
            return Err(DataError::inconsistent(WHAT, message));
        }
        increasing_indices(WHAT, "zero_variance", &self.zero_variance, mean.len())
    }

    fn check<T>(&self, op: &'static str, x: &ArrayView2<T>) -> Result<()> {
        if !self.fitted {
            return Err(DataError::NotFitted { op });
        }
        check_cols(op, x, self.mean.len())
    }
}

/// [`DataError::Overflow`] for the first column whose `what` (a fitted statistic) is not finite.
pub(crate) fn overflow(op: &'static str, what: &'static str, values: &[f64]) -> Result<()> {
    match values.iter().position(|v| !v.is_finite()) {
        None => Ok(()),
        Some(column) => Err(DataError::Overflow { op, column, what }),
    }
}

/// Column means and population variances of `x` in two passes (mean first, for accuracy),
/// accumulated in `f64` whatever `T` is.
pub(crate) fn mean_and_variance<T: Float>(x: ArrayView2<T>) -> (Vec<f64>, Vec<f64>) {
    let n = x.nrows() as f64;
    let mut mean = vec![0.0; x.ncols()];
    for row in x.rows() {
        for (m, &v) in mean.iter_mut().zip(row) {
            *m += v.to_f64();
        }
    }
    mean.iter_mut().for_each(|m| *m /= n);
    let mut var = vec![0.0; x.ncols()];
    for row in x.rows() {
        for ((s, &m), &v) in var.iter_mut().zip(&mean).zip(row) {
            let v = v.to_f64();
            *s += (v - m) * (v - m);
        }
    }
    var.iter_mut().for_each(|s| *s /= n);
    (mean, var)
}

impl<T: Float> Transformer<T> for StandardScaler {
    fn fit(&mut self, x: ArrayView2<T>) -> Result<()> {
        const OP: &str = "StandardScaler::fit";
        check_count(OP, &x, 1)?;
        let x = x.as_standard_layout();
        let (mean, var) = mean_and_variance(x.view());
        // The means double as the finiteness check (no pass of its own).
        check_sums(OP, &x.view(), "mean", &mean)?;
        overflow(OP, "variance", &var)?;
        let n = x.nrows() as f64;
        let constant = |j: usize| var[j] <= (n * f64::EPSILON * mean[j].abs()).powi(2);
        self.zero_variance = (0..var.len()).filter(|&j| constant(j)).collect();
        self.scale = (0..var.len())
            .map(|j| if constant(j) { 1.0 } else { var[j].sqrt() })
            .collect();
        self.mean = mean;
        self.fitted = true;
        Ok(())
    }

    fn transform(&self, x: ArrayView2<T>) -> Result<Array2<T>> {
        self.check("StandardScaler::transform", &x)?;
        let inv: Vec<f64> = self.scale.iter().map(|s| 1.0 / s).collect();
        Ok(map_rows(x, self.mean.len(), |r, out| {
            for (((o, &v), m), k) in out.iter_mut().zip(r).zip(&self.mean).zip(&inv) {
                *o = T::from_f64((v.to_f64() - m) * k);
            }
        }))
    }

    fn inverse_transform(&self, x: ArrayView2<T>) -> Result<Array2<T>> {
        self.check("StandardScaler::inverse_transform", &x)?;
        Ok(map_rows(x, self.mean.len(), |r, out| {
            for (((o, &z), m), s) in out.iter_mut().zip(r).zip(&self.mean).zip(&self.scale) {
                *o = T::from_f64(z.to_f64() * s + m);
            }
        }))
    }
}
