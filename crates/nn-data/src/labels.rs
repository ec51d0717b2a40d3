//! Class labels: a stable, sorted label list ([`Labels`]) mapping names to class indices, and
//! one-hot encoding.

use crate::{DataError, Result};
use ndarray::Array2;
use nn_tensor::Float;
use serde::{Deserialize, Serialize};

/// A sorted list of class labels; a label's class index is its position.
///
/// Order: numeric if every label parses as an integer (so `"10"` follows `"9"`), otherwise
/// lexicographic by bytes. The list is saved with a model and re-applied to new data.
///
/// ```
/// let labels = nn_data::Labels::fit(["b", "a", "b", "c"]);
/// assert_eq!(labels.names(), ["a", "b", "c"]);
/// assert_eq!(labels.index_of("c"), Some(2));
/// assert_eq!(nn_data::Labels::fit(["10", "9", "2"]).names(), ["2", "9", "10"]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Labels {
    names: Vec<String>,
}

impl Labels {
    /// The sorted distinct labels of `values`.
    pub fn fit<S: AsRef<str>>(values: impl IntoIterator<Item = S>) -> Self {
        let mut names: Vec<String> = values.into_iter().map(|s| s.as_ref().to_string()).collect();
        names.sort_unstable();
        names.dedup();
        if names.iter().all(|s| s.parse::<i64>().is_ok()) {
            names.sort_by_key(|s| s.parse::<i64>().unwrap_or(0));
        }
        Labels { names }
    }

    /// A label list taken as given (e.g. loaded from a saved model).
    pub fn from_names(names: Vec<String>) -> Self {
        Labels { names }
    }

    /// The labels in index order.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The number of classes.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Whether there are no classes.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// The class index of `label`, if known.
    pub fn index_of(&self, label: &str) -> Option<usize> {
        self.names.iter().position(|n| n == label)
    }

    /// Maps `label` (found at `file:line`) to its index, or [`DataError::UnknownLabel`].
    ///
    /// ```
    /// let labels = nn_data::Labels::fit(["cat", "dog"]);
    /// assert_eq!(labels.encode("dog", "new.csv", 2)?, 1);
    /// let err = labels.encode("cow", "new.csv", 3).unwrap_err();
    /// assert!(err.to_string().contains("unseen label \"cow\" at new.csv:3"));
    /// # Ok::<(), nn_data::DataError>(())
    /// ```
    pub fn encode(&self, label: &str, file: &str, line: u64) -> Result<usize> {
        self.index_of(label)
            .ok_or_else(|| self.unknown(label, file, line))
    }

    /// [`encode`](Self::encode) for every `(label, line)` of `file`, with one hash look-up per
    /// label instead of a scan of the list (30 000 rows of 30 000 distinct labels: 3·10⁴
    /// look-ups, not 4.5·10⁸ comparisons).
    ///
    /// ```
    /// let labels = nn_data::Labels::fit(["cat", "dog"]);
    /// assert_eq!(labels.encode_all([("dog", 2), ("cat", 3)], "new.csv")?, [1, 0]);
    /// assert!(labels.encode_all([("cow", 4)], "new.csv").is_err());
    /// # Ok::<(), nn_data::DataError>(())
    /// ```
    pub fn encode_all<'a>(
        &self,
        items: impl IntoIterator<Item = (&'a str, u64)>,
        file: &str,
    ) -> Result<Vec<usize>> {
        let index: std::collections::HashMap<&str, usize> = (self.names.iter())
            .enumerate()
            .map(|(k, name)| (name.as_str(), k))
            .collect();
        (items.into_iter())
            .map(|(label, line)| {
                let k = index.get(label).copied();
                k.ok_or_else(|| self.unknown(label, file, line))
            })
            .collect()
    }

    fn unknown(&self, label: &str, file: &str, line: u64) -> DataError {
        DataError::UnknownLabel {
            label: label.to_string(),
            file: file.to_string(),
            line,
            known: self.names.clone(),
        }
    }
}

/// One-hot rows: `out[i][indices[i]] = 1`, shape `(indices.len(), n_classes)`. Indices at or
/// above `n_classes` give an all-zero row.
///
/// ```
/// let y: ndarray::Array2<f64> = nn_data::one_hot(&[2, 0], 3);
/// assert_eq!(y, ndarray::array![[0., 0., 1.], [1., 0., 0.]]);
/// ```
pub fn one_hot<D: Float>(indices: &[usize], n_classes: usize) -> Array2<D> {
    let mut out = Array2::zeros((indices.len(), n_classes));
    for (i, &c) in indices.iter().enumerate() {
        if c < n_classes {
            out[[i, c]] = D::one();
        }
    }
    out
}
