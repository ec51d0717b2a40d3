//! [`Whitener`]: PCA and ZCA whitening, decorrelating features to unit variance.
//!
//! With training mean `μ` and covariance `C = (X − μ)ᵀ(X − μ) / (n − 1)` (the unbiased
//! denominator `n − 1`, as scikit-learn's `PCA` and `numpy.cov`, used everywhere here), let
//! `C = U·diag(λ)·Uᵀ` with `λ` in descending order and `s_i = 1/√(λ_i + ε)`:
//! - **PCA**: `Y = (X − μ)·U_k·diag(s_k)`, keeping the first `k` components;
//! - **ZCA**: `Y = (X − μ)·W` with the symmetric `W = U·diag(s)·Uᵀ`, the whitening closest to
//!   the original data.
//!
//! Eigenvalues below `d·f64::EPSILON·λ_max` (rounding noise of a rank-deficient `C`) are set to
//! 0; a direction whose `λ_i + ε` is 0 gets `s_i = 0` (it is dropped, not blown up), so the
//! output never holds NaN or ±∞.
//!
//! `f32` data is fitted and transformed in `f64` block by block (the mean, covariance,
//! eigenvectors and products), and only the output is rounded to `f32`.

use crate::covariance::{centre_into, covariance};
use crate::transformer::{check_cols, check_count, check_sums};
use crate::{DataError, Result, Transformer};
use ndarray::{Array2, ArrayView2};
use nn_tensor::s;
use nn_tensor::{matmul, matmul_nt, symmetric_eigen, Float};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// The default eigenvalue regulariser `ε` added before the inverse square root.
pub const DEFAULT_EPSILON: f64 = 1e-5;

/// PCA or ZCA whitening.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum WhiteningMethod {
    /// Project onto the principal axes and scale each to unit variance.
    Pca,
    /// `W = U·diag(1/√(λ + ε))·Uᵀ`: rotate, scale, rotate back.
    Zca,
}

/// How many principal components PCA keeps (ZCA always keeps all).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Components {
    /// All `n_features` components.
    All,
    /// The first `k` (1 ≤ k ≤ n_features).
    Count(usize),
    /// The fewest whose eigenvalues sum to at least this fraction (in `(0, 1]`) of the total.
    VarianceFraction(f64),
}

/// A PCA or ZCA whitening transform (see the module documentation for the formulas).
///
/// `inverse_transform` maps back with `X ≈ Y·diag(√(λ + ε))·U_kᵀ + μ` (times `Uᵀ` on the left
/// for ZCA, i.e. `W⁻¹ = U·diag(√(λ + ε))·Uᵀ`). With all components this is exact; for PCA with
/// `k < n_features` it is the orthogonal projection of the data onto the `k`-dimensional
/// principal subspace through `μ`.
///
/// ```
/// use nn_data::{Transformer, Whitener, WhiteningMethod};
/// let x = ndarray::array![[1.0, 2.0], [2.0, 1.0], [3.0, 5.0], [4.0, 3.0]];
/// let mut w = Whitener::new(WhiteningMethod::Zca).with_epsilon(0.0)?;
/// let y = w.fit_transform(x.view())?;
/// let cov = y.t().dot(&y) / 3.0; // the columns of y are centred; n − 1 = 3
/// assert!((cov - ndarray::Array2::<f64>::eye(2)).iter().all(|d| d.abs() < 1e-12));
/// # Ok::<(), nn_data::DataError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Whitener {
    /// PCA or ZCA.
    #[serde(rename = "whitening")]
    pub method: WhiteningMethod,
    /// The regulariser `ε ≥ 0` (default [`DEFAULT_EPSILON`]).
    pub epsilon: f64,
    /// Components kept by PCA.
    pub components: Components,
    /// Training column means `μ`.
    pub mean: Vec<f64>,
    /// Kept covariance eigenvalues, descending.
    pub eigenvalues: Vec<f64>,
    /// The whitening matrix, shape `(n_features, n_out)`: `Y = (X − μ)·matrix`.
    pub matrix: Array2<f64>,
    /// The back-projection, shape `(n_out, n_features)`: `X ≈ Y·inverse + μ`.
    pub inverse: Array2<f64>,
    fitted: bool,
}

impl Whitener {
    /// An unfitted whitener with `ε` = [`DEFAULT_EPSILON`] and all components.
    ///
    /// ```
    /// let w = nn_data::Whitener::new(nn_data::WhiteningMethod::Pca);
    /// assert_eq!((w.epsilon, w.components), (1e-5, nn_data::Components::All));
    /// ```
    pub fn new(method: WhiteningMethod) -> Self {
        Whitener {
            method,
            epsilon: DEFAULT_EPSILON,
            components: Components::All,
            mean: Vec::new(),
            eigenvalues: Vec::new(),
            matrix: Array2::zeros((0, 0)),
            inverse: Array2::zeros((0, 0)),
            fitted: false,
        }
    }

    /// Sets `ε`.
    ///
    /// # Errors
    /// [`DataError::InvalidParameter`] unless `ε` is finite and `≥ 0`.
    ///
    /// ```
    /// use nn_data::{Whitener, WhiteningMethod};
    /// assert_eq!(Whitener::new(WhiteningMethod::Zca).with_epsilon(0.1)?.epsilon, 0.1);
    /// assert!(Whitener::new(WhiteningMethod::Zca).with_epsilon(-1.0).is_err());
    /// # Ok::<(), nn_data::DataError>(())
    /// ```
    pub fn with_epsilon(mut self, epsilon: f64) -> Result<Self> {
        if !(epsilon.is_finite() && epsilon >= 0.0) {
            return Err(DataError::invalid(
                "epsilon",
                format!("need finite ε ≥ 0, got {epsilon}"),
            ));
        }
        self.epsilon = epsilon;
        Ok(self)
    }

    /// Sets the PCA components to keep.
    ///
    /// # Errors
    /// [`DataError::InvalidParameter`] for ZCA with anything but [`Components::All`], a count
    /// of 0, or a fraction outside `(0, 1]`.
    ///
    /// ```
    /// use nn_data::{Components, Transformer, Whitener, WhiteningMethod};
    /// let x = ndarray::array![[1.0, 2.0, 0.0], [2.0, 4.1, 1.0], [3.0, 6.0, 0.0], [4.0, 8.2, 1.0]];
    /// let mut pca = Whitener::new(WhiteningMethod::Pca).with_components(Components::Count(2))?;
    /// assert_eq!(pca.fit_transform(x.view())?.dim(), (4, 2));
    /// assert_eq!(pca.n_components(), 2);
    /// assert!(Whitener::new(WhiteningMethod::Zca).with_components(Components::Count(2)).is_err());
    /// # Ok::<(), nn_data::DataError>(())
    /// ```
    pub fn with_components(mut self, components: Components) -> Result<Self> {
        let ok = match components {
            Components::All => true,
            _ if self.method == WhiteningMethod::Zca => false,
            Components::Count(k) => k > 0,
            Components::VarianceFraction(f) => f > 0.0 && f <= 1.0,
        };
        if !ok {
            let msg = format!(
                "{components:?} is not valid for {:?} whitening",
                self.method
            );
            return Err(DataError::invalid("components", msg));
        }
        self.components = components;
        Ok(self)
    }

    /// Checks fitted parameters read from a file: fitted (or empty: no columns), valid `ε` and components, `matrix`
    /// of shape `(n_features, n_out)` with `n_features = mean.len()`, `inverse` of shape
    /// `(n_out, n_features)`, one eigenvalue (finite, `≥ 0`) per output, ZCA square, and
    /// every number finite.
    ///
    /// # Errors
    /// [`DataError::Inconsistent`] naming the first fault.
    ///
    /// ```
    /// use nn_data::{Transformer, Whitener, WhiteningMethod};
    /// let mut w = Whitener::new(WhiteningMethod::Pca);
    /// w.fit(ndarray::array![[1.0, 2.0], [2.0, 1.0], [3.0, 5.0]].view())?;
    /// w.validate()?;
    /// w.mean.push(0.0);
    /// let err = w.validate().unwrap_err().to_string();
    /// assert!(err.contains("matrix has 2 rows but mean has 3 values"), "{err}");
    /// # Ok::<(), nn_data::DataError>(())
    /// ```
    pub fn validate(&self) -> Result<()> {
        const WHAT: &str = "whitening parameters";
        let fail = |message: String| Err(DataError::inconsistent(WHAT, message));
        if !self.fitted {
            let empty = self.mean.is_empty() && self.matrix.is_empty() && self.inverse.is_empty();
            return crate::consistency::unfitted(WHAT, empty);
        }
        Whitener::new(self.method)
            .with_epsilon(self.epsilon)
            .and_then(|w| w.with_components(self.components))
            .map_err(|e| DataError::inconsistent(WHAT, e.to_string()))?;
        let (d, k) = (self.mean.len(), self.matrix.ncols());
        if self.matrix.nrows() != d {
            let rows = self.matrix.nrows();
            return fail(format!("matrix has {rows} rows but mean has {d} values"));
        }
        if self.inverse.dim() != (k, d) {
            let got = self.inverse.dim();
            return fail(format!("inverse has shape {got:?}, expected ({k}, {d})"));
        }
        if k == 0 || k > d || (self.method == WhiteningMethod::Zca && k != d) {
            let m = self.method;
            return fail(format!("{m:?} whitening of {d} features with {k} outputs"));
        }
        crate::consistency::same_len(
            WHAT,
            ("eigenvalues", self.eigenvalues.len()),
            ("the matrix's columns", k),
        )?;
        self.validate_numbers()
    }

    fn validate_numbers(&self) -> Result<()> {
        const WHAT: &str = "whitening parameters";
        use crate::consistency::finite;
        finite(WHAT, "mean", &self.mean)?;
        finite(WHAT, "eigenvalues", &self.eigenvalues)?;
        finite(
            WHAT,
            "matrix",
            self.matrix.as_standard_layout().as_slice().unwrap_or(&[]),
        )?;
        finite(
            WHAT,
            "inverse",
            self.inverse.as_standard_layout().as_slice().unwrap_or(&[]),
        )?;
        match self.eigenvalues.iter().position(|&l| l < 0.0) {
            None => Ok(()),
            Some(i) => {
                let message = format!("eigenvalues[{i}] is {}, below 0", self.eigenvalues[i]);
                Err(DataError::inconsistent(WHAT, message))
            }
        }
    }

    /// The number of output columns after `fit`.
    pub fn n_components(&self) -> usize {
        self.matrix.ncols()
    }

    fn check<T>(&self, op: &'static str, x: &ArrayView2<T>, n_cols: usize) -> Result<()> {
        if !self.fitted {
            return Err(DataError::NotFitted { op });
        }
        check_cols(op, x, n_cols)
    }

    /// How many leading components to keep for descending eigenvalues `lambda`.
    fn keep(&self, lambda: &[f64]) -> Result<usize> {
        let d = lambda.len();
        match self.components {
            Components::All => Ok(d),
            Components::Count(k) if k <= d => Ok(k),
            Components::Count(k) => {
                let msg = format!("asked for {k} components of data with {d} features");
                Err(DataError::invalid("components", msg))
            }
            Components::VarianceFraction(f) => Ok(variance_count(lambda, f)),
        }
    }
}

/// The fewest leading eigenvalues whose sum reaches `fraction` of the total (at least 1).
fn variance_count(lambda: &[f64], fraction: f64) -> usize {
    let total: f64 = lambda.iter().sum();
    let mut acc = 0.0;
    for (i, l) in lambda.iter().enumerate() {
        acc += l;
        if acc >= fraction * total * (1.0 - 1e-12) {
            return i + 1;
        }
    }
    lambda.len().max(1)
}

/// Column means in `f64`, summing the rows in order (as ndarray's `mean_axis(Axis(0))` does
/// for row-major data).
fn column_means<T: Float>(x: ArrayView2<T>) -> Vec<f64> {
    let mut sum = vec![0.0; x.ncols()];
    for row in x.rows() {
        for (s, &v) in sum.iter_mut().zip(row) {
            *s += v.to_f64();
        }
    }
    let n = x.nrows() as f64;
    sum.iter().map(|s| s / n).collect()
}

/// Descending eigenvalues (floored) and matching eigenvectors of the covariance of `x`.
fn covariance_eigen<T: Float>(x: ArrayView2<T>, mean: &[f64]) -> Result<(Vec<f64>, Array2<f64>)> {
    let d = x.ncols();
    let cov = covariance(x, mean)?;
    // A column whose variance overflows spoils every entry it meets: name it by the diagonal.
    crate::standard::overflow("Whitener::fit", "variance", &cov.diag().to_vec())?;
    if cov.iter().any(|v| !v.is_finite()) {
        let msg = "Whitener::fit: the covariance exceeds the f64 range; scale the columns down";
        return Err(DataError::invalid("x", msg.into()));
    }
    let eig = symmetric_eigen(cov.view())?;
    let lambda_max = eig.values.iter().fold(0.0_f64, |m, &v| m.max(v));
    let floor = d as f64 * f64::EPSILON * lambda_max;
    let lambda = eig
        .values
        .iter()
        .rev()
        .map(|&l| if l <= floor { 0.0 } else { l })
        .collect();
    Ok((lambda, eig.vectors.slice(s![.., ..;-1]).to_owned()))
}

impl<T: Float> Transformer<T> for Whitener {
    fn fit(&mut self, x: ArrayView2<T>) -> Result<()> {
        check_count("Whitener::fit", &x, 2)?;
        let mean = column_means(x);
        // The means double as the finiteness check (no pass of its own).
        check_sums("Whitener::fit", &x, "mean", &mean)?;
        let (lambda, u) = covariance_eigen(x, &mean)?;
        let k = self.keep(&lambda)?;
        let u_k = u.slice(s![.., ..k]);
        let scale = |l: f64| {
            if l + self.epsilon > 0.0 {
                1.0 / (l + self.epsilon).sqrt()
            } else {
                0.0
            }
        };
        let root = |l: f64| {
            if l + self.epsilon > 0.0 {
                (l + self.epsilon).sqrt()
            } else {
                0.0
            }
        };
        let s = ndarray::Array1::from_iter(lambda[..k].iter().map(|&l| scale(l)));
        let r = ndarray::Array1::from_iter(lambda[..k].iter().map(|&l| root(l)));
        let pca = &u_k * &s; // U_k·diag(s), (d, k)
        let pca_inv = (&u_k * &r).reversed_axes(); // diag(r)·U_kᵀ, (k, d)
        (self.matrix, self.inverse) = match self.method {
            WhiteningMethod::Pca => (pca, pca_inv),
            WhiteningMethod::Zca => (
                rotate_back(&pca, &u)?,
                rotate_back(&pca_inv.t().to_owned(), &u)?,
            ),
        };
        (self.mean, self.eigenvalues, self.fitted) = (mean, lambda[..k].to_vec(), true);
        Ok(())
    }

    fn transform(&self, x: ArrayView2<T>) -> Result<Array2<T>> {
        self.check("Whitener::transform", &x, self.mean.len())?;
        let (d, k) = self.matrix.dim();
        let mut out = nn_tensor::buffer::zeros(x.nrows(), k);
        let Some(dst) = out.as_slice_mut() else {
            return Ok(out);
        };
        // Row blocks are centred (in f64) into a small buffer, multiplied in f64 and rounded into
        // the output independently (in parallel when nn_tensor::num_threads() > 1): no centred
        // copy of the whole input.
        let block = |(b, chunk): (usize, &mut [T])| -> Result<()> {
            let rows = chunk.len() / k.max(1);
            let mut xc = nn_tensor::buffer::with_capacity(rows * d);
            xc.resize(rows * d, 0.0);
            centre_into(
                x.slice(s![b * ROWS..b * ROWS + rows, ..]),
                &self.mean,
                &mut xc,
            );
            let xc = ArrayView2::from_shape((rows, d), &xc).map_err(shape_error)?;
            let mut c = nn_tensor::buffer::zeros::<f64>(rows, k);
            matmul(xc, self.matrix.view(), c.view_mut())?;
            chunk
                .iter_mut()
                .zip(c)
                .for_each(|(o, v)| *o = T::from_f64(v));
            Ok(())
        };
        if k == 0 {
            Ok(out)
        } else if nn_tensor::num_threads() > 1 {
            dst.par_chunks_mut(ROWS * k)
                .enumerate()
                .try_for_each(block)
                .map(|_| out)
        } else {
            dst.chunks_mut(ROWS * k)
                .enumerate()
                .try_for_each(block)
                .map(|_| out)
        }
    }

    fn inverse_transform(&self, y: ArrayView2<T>) -> Result<Array2<T>> {
        self.check("Whitener::inverse_transform", &y, self.matrix.ncols())?;
        let mut out = Array2::zeros((y.nrows(), self.mean.len()));
        let y = y.mapv(|v| v.to_f64());
        matmul(y.view(), self.inverse.view(), out.view_mut())?;
        let mean = ndarray::ArrayView1::from(&self.mean[..]);
        out.rows_mut().into_iter().for_each(|mut r| r += &mean);
        Ok(out.mapv(T::from_f64))
    }
}

/// Rows per block in [`Whitener::transform`].
const ROWS: usize = 2048;

fn shape_error(e: ndarray::ShapeError) -> DataError {
    DataError::invalid("x", e.to_string())
}

/// `A·Uᵀ` for `A = U·diag(·)` (both `(d, d)`): the symmetric ZCA matrix `U·diag(·)·Uᵀ`.
fn rotate_back(a: &Array2<f64>, u: &Array2<f64>) -> Result<Array2<f64>> {
    let mut out = Array2::zeros((a.nrows(), u.nrows()));
    matmul_nt(a.view(), u.view(), out.view_mut())?;
    Ok(out)
}
