//! [`Dataset`]: a feature matrix plus an optional classification or regression target.

use crate::labels::one_hot;
use crate::{DataError, Result};
use ndarray::{Array1, Array2, Axis};
use nn_tensor::Float;
use serde::{Deserialize, Serialize};

/// The prediction target of a [`Dataset`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Target {
    /// Class indices into `labels` (one per sample); `labels` is sorted (see [`crate::Labels`]).
    Classes {
        /// One class index per sample.
        indices: Vec<usize>,
        /// The class names; index `i` means `labels[i]`.
        labels: Vec<String>,
    },
    /// One real value per sample.
    Values(Array1<f64>),
    /// No target (prediction data).
    None,
}

/// Features of shape `(n_samples, n_features)` with their names and a [`Target`].
///
/// The features are `f64` by default; `Dataset<f32>` (from the `_as` loaders such as
/// [`load_mnist_dir_as`](crate::load_mnist_dir_as)) holds them in half the memory for `f32`
/// training. Regression targets stay `f64`.
///
/// ```
/// use nn_data::Dataset;
/// let d: Dataset<f32> = Dataset::unlabelled(ndarray::array![[1.0_f32, 2.0], [3.0, 4.0]]);
/// assert_eq!((d.n_samples(), d.select(&[1]).features[[0, 0]]), (2, 3.0_f32));
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dataset<T = f64> {
    /// The feature matrix, shape `(n_samples, n_features)`.
    pub features: Array2<T>,
    /// One name per feature column.
    pub feature_names: Vec<String>,
    /// The target column's name, if the data had one.
    pub target_name: Option<String>,
    /// The target.
    pub target: Target,
}

impl<T: Float> Dataset<T> {
    /// Number of rows.
    ///
    /// ```
    /// # use nn_data::{Dataset, Target};
    /// let d = Dataset::unlabelled(ndarray::Array2::<f64>::zeros((3, 2)));
    /// assert_eq!((d.n_samples(), d.n_features()), (3, 2));
    /// ```
    pub fn n_samples(&self) -> usize {
        self.features.nrows()
    }

    /// Number of feature columns.
    pub fn n_features(&self) -> usize {
        self.features.ncols()
    }

    /// A dataset without target, features named `x0, x1, ...`.
    pub fn unlabelled(features: Array2<T>) -> Self {
        let feature_names = (0..features.ncols()).map(|j| format!("x{j}")).collect();
        Dataset {
            features,
            feature_names,
            target_name: None,
            target: Target::None,
        }
    }

    /// The class labels, or `None` for regression / unlabelled data.
    pub fn labels(&self) -> Option<&[String]> {
        match &self.target {
            Target::Classes { labels, .. } => Some(labels),
            _ => None,
        }
    }

    /// One-hot targets of shape `(n_samples, n_classes)`.
    ///
    /// # Errors
    /// [`DataError::InvalidParameter`] if the target is not a classification target.
    ///
    /// ```
    /// # use nn_data::{Dataset, Target};
    /// let mut d = Dataset::unlabelled(ndarray::Array2::<f64>::zeros((2, 1)));
    /// d.target = Target::Classes { indices: vec![1, 0], labels: vec!["a".into(), "b".into()] };
    /// assert_eq!(d.one_hot()?, ndarray::array![[0.0, 1.0], [1.0, 0.0]]);
    /// # Ok::<(), nn_data::DataError>(())
    /// ```
    pub fn one_hot(&self) -> Result<Array2<f64>> {
        match &self.target {
            Target::Classes { indices, labels } => Ok(one_hot(indices, labels.len())),
            _ => Err(DataError::invalid(
                "target",
                "one-hot needs class labels".into(),
            )),
        }
    }

    /// The rows `rows` (in that order) as a new dataset with the same names and labels.
    ///
    /// ```
    /// # use nn_data::Dataset;
    /// let d = Dataset::unlabelled(ndarray::array![[1.0], [2.0], [3.0]]);
    /// assert_eq!(d.select(&[2, 0]).features, ndarray::array![[3.0], [1.0]]);
    /// ```
    pub fn select(&self, rows: &[usize]) -> Dataset<T> {
        let target = match &self.target {
            Target::Classes { indices, labels } => Target::Classes {
                indices: rows.iter().map(|&r| indices[r]).collect(),
                labels: labels.clone(),
            },
            Target::Values(v) => Target::Values(v.select(Axis(0), rows)),
            Target::None => Target::None,
        };
        Dataset {
            features: self.features.select(Axis(0), rows),
            feature_names: self.feature_names.clone(),
            target_name: self.target_name.clone(),
            target,
        }
    }
}
