//! The settings and fitted state of CSV loading: [`CsvOptions`] (how to read training data) and
//! [`CsvSchema`] (what was learnt from it, saved with a model and applied to new data).

use crate::{Dataset, Labels, MeanImputer};
use serde::{Deserialize, Serialize};

/// Classification or regression; `Auto` decides from the target column.
///
/// `Auto` rule: classification if any target value is non-numeric, or if every value is an
/// integer (e.g. `3` or `3.0`) and there are at most [`MAX_AUTO_CLASSES`] distinct values;
/// regression otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Task {
    /// Decide from the data (see the type's documentation).
    #[default]
    Auto,
    /// Class labels (strings or integers) mapped to indices.
    Classify,
    /// Real-valued targets.
    Regress,
}

/// The most distinct integer values an `Auto` target may have to be taken as classes.
pub const MAX_AUTO_CLASSES: usize = 20;

/// What to do with missing cells (empty, `NA`, `NaN`, `?`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Missing {
    /// Fail, naming file, line and column.
    #[default]
    Error,
    /// Drop the rows that have one (counted in [`Loaded::dropped_rows`]).
    Drop,
    /// Replace a missing feature by the training-set column mean ([`MeanImputer`]); a missing
    /// target is still an error.
    Mean,
}

/// How to read a training CSV.
///
/// ```
/// let opts = nn_data::CsvOptions { target: Some("species".into()), ..Default::default() };
/// assert_eq!(opts.missing, nn_data::Missing::Error);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CsvOptions {
    /// The target column's name; `None` means the last column.
    pub target: Option<String>,
    /// Classification, regression, or decide from the data.
    pub task: Task,
    /// The missing-cell policy.
    pub missing: Missing,
}

/// The kind of target a schema expects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "task", rename_all = "kebab-case")]
pub enum TargetKind {
    /// Classes, with the saved label list.
    Classify {
        /// Sorted labels; index `i` is class `i`.
        labels: Labels,
    },
    /// Real values.
    Regress,
}

/// Everything learnt from the training CSV that must be applied identically to new data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CsvSchema {
    /// Feature column names, in the order of the feature matrix.
    pub feature_names: Vec<String>,
    /// The target column's name.
    pub target_name: String,
    /// Classification (with labels) or regression.
    pub kind: TargetKind,
    /// The missing-cell policy.
    pub missing: Missing,
    /// Fitted column means when `missing` is [`Missing::Mean`].
    pub imputer: Option<MeanImputer>,
}

/// A loaded dataset, its schema, and how many rows the missing-cell policy dropped. The
/// features are `f64` unless loaded with one of the `_as` functions (e.g.
/// [`load_csv_as`](crate::load_csv_as)`::<f32>`).
#[derive(Debug, Clone, PartialEq)]
pub struct Loaded<T = f64> {
    /// The data.
    pub dataset: Dataset<T>,
    /// The schema (fitted on this file by [`load_csv`](crate::load_csv), or the one given).
    pub schema: CsvSchema,
    /// Rows dropped by [`Missing::Drop`].
    pub dropped_rows: usize,
}
