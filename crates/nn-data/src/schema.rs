//! The settings and fitted state of CSV loading: [`CsvOptions`] (how to read training data) and
//! [`CsvSchema`] (what was learnt from it, saved with a model and applied to new data).

use crate::consistency::{finite, unique};
use crate::{CategoricalColumn, DataError, Dataset, Labels, MeanImputer, Result};

/// What [`CsvSchema::validate`] names in its errors.
const WHAT: &str = "schema";
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
    /// Replace a missing numeric feature by the training-set column mean ([`MeanImputer`]) and
    /// a missing text feature by its most frequent category (scikit-learn's `SimpleImputer`
    /// with `mean` and `most_frequent`); a missing target is still an error.
    Mean,
}

/// What to do with a category a text column did not have in the training data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Unknown {
    /// All-zero indicators (scikit-learn's `handle_unknown='ignore'`), counted in
    /// [`Loaded::unknown_categories`].
    #[default]
    Ignore,
    /// Fail, naming file, line, column and value.
    Error,
}

/// The default of [`CsvOptions::max_categories`].
pub const DEFAULT_MAX_CATEGORIES: usize = 100;

/// The default of [`CsvOptions::max_bytes`] and [`ApplyOptions::max_bytes`]: 8 GiB.
pub const DEFAULT_MAX_BYTES: u64 = 8 << 30;

/// How to read a training CSV.
///
/// Feature columns are every column but the target, or those named in `features`, less those
/// in `exclude`. A feature column holding any non-numeric, non-missing cell, or named in
/// `categorical`, is one-hot encoded (see [`CategoricalColumn`]).
///
/// ```
/// let opts = nn_data::CsvOptions { target: Some("species".into()), ..Default::default() };
/// assert_eq!((opts.missing, opts.max_categories), (nn_data::Missing::Error, 100));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsvOptions {
    /// The target column's name; `None` means the last column.
    pub target: Option<String>,
    /// Classification, regression, or decide from the data.
    pub task: Task,
    /// The missing-cell policy.
    pub missing: Missing,
    /// Only these feature columns (by name); `None` means all but the target.
    pub features: Option<Vec<String>>,
    /// Columns left out of the features (ids, names, notes).
    pub exclude: Vec<String>,
    /// Columns one-hot encoded even though every cell is a number (a year, a zip code).
    pub categorical: Vec<String>,
    /// The most distinct values a categorical column may have.
    pub max_categories: usize,
    /// The field delimiter; `None` sniffs it from the header (tab for a `.tsv` file).
    pub delimiter: Option<u8>,
    /// The largest feature matrix (rows × encoded columns × bytes per value) to allocate; a
    /// larger one is [`DataError::TooLarge`](crate::DataError::TooLarge), checked before it
    /// is allocated.
    pub max_bytes: u64,
}

impl Default for CsvOptions {
    fn default() -> Self {
        CsvOptions {
            target: None,
            task: Task::Auto,
            missing: Missing::Error,
            features: None,
            exclude: Vec::new(),
            categorical: Vec::new(),
            max_categories: DEFAULT_MAX_CATEGORIES,
            delimiter: None,
            max_bytes: DEFAULT_MAX_BYTES,
        }
    }
}

/// How to read new data with a saved [`CsvSchema`] (evaluation or prediction).
///
/// ```
/// let opts = nn_data::ApplyOptions::default();
/// assert!(opts.read_target && opts.missing.is_none());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplyOptions {
    /// Overrides the schema's missing-cell policy (`None` keeps it). With [`Missing::Mean`]
    /// the schema's stored means and most frequent categories fill the cells.
    pub missing: Option<Missing>,
    /// The unknown-category policy.
    pub unknown: Unknown,
    /// Read and encode the target column if the file has one; `false` never looks at it.
    pub read_target: bool,
    /// A column copied, one cell per data row, into [`Loaded::ids`].
    pub id: Option<String>,
    /// The field delimiter; `None` sniffs it from the header (tab for a `.tsv` file).
    pub delimiter: Option<u8>,
    /// The largest feature matrix to allocate, as [`CsvOptions::max_bytes`].
    pub max_bytes: u64,
}

impl Default for ApplyOptions {
    fn default() -> Self {
        ApplyOptions {
            missing: None,
            unknown: Unknown::Ignore,
            read_target: true,
            id: None,
            delimiter: None,
            max_bytes: DEFAULT_MAX_BYTES,
        }
    }
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
    /// No target: every selected column is a feature ([`read_features_as`](crate::read_features_as)).
    None,
}

/// Everything learnt from the training CSV that must be applied identically to new data.
///
/// The feature matrix holds the numeric columns first (in file order), then one block of
/// 0/1 indicator columns per categorical column (named `column=category`), as scikit-learn's
/// `ColumnTransformer` concatenates its parts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CsvSchema {
    /// Feature names, one per column of the feature matrix.
    pub feature_names: Vec<String>,
    /// The target column's name.
    pub target_name: String,
    /// Classification (with labels) or regression.
    pub kind: TargetKind,
    /// The missing-cell policy.
    pub missing: Missing,
    /// The numeric columns' training means, always fitted (older files have them only under
    /// [`Missing::Mean`]).
    pub imputer: Option<MeanImputer>,
    /// The categorical columns with their categories and most frequent value.
    #[serde(default)]
    pub categorical: Vec<CategoricalColumn>,
}

impl CsvSchema {
    /// The number of numeric columns (the leading columns of the feature matrix).
    ///
    /// ```
    /// let csv = "n,colour,y\n1,red,a\n2,blue,b\n";
    /// let loaded = nn_data::read_csv(csv.as_bytes(), "t.csv", &Default::default())?;
    /// assert_eq!(loaded.schema.feature_names, ["n", "colour=blue", "colour=red"]);
    /// assert_eq!(loaded.schema.n_numeric(), 1);
    /// # Ok::<(), nn_data::DataError>(())
    /// ```
    pub fn n_numeric(&self) -> usize {
        self.feature_names.len().saturating_sub(self.n_indicators())
    }

    /// The number of one-hot indicator columns (the trailing columns of the feature matrix).
    pub fn n_indicators(&self) -> usize {
        self.categorical.iter().map(|c| c.categories.len()).sum()
    }

    /// Checks a schema read from a file: unique feature names ending with each categorical
    /// column's indicator names (`column=category`, in order), unique categories with the most
    /// frequent among them, one finite imputation mean per numeric column, unique class labels
    /// (at least 2), and a target that is not also a feature.
    ///
    /// # Errors
    /// [`DataError::Inconsistent`] naming the first fault.
    ///
    /// ```
    /// let csv = "n,colour,y\n1,red,a\n2,blue,b\n";
    /// let mut schema = nn_data::read_csv(csv.as_bytes(), "t.csv", &Default::default())?.schema;
    /// schema.validate()?;
    /// schema.feature_names[0] = "colour=red".into();
    /// let err = schema.validate().unwrap_err().to_string();
    /// assert!(err.contains("feature_names names \"colour=red\" twice"), "{err}");
    /// # Ok::<(), nn_data::DataError>(())
    /// ```
    pub fn validate(&self) -> Result<()> {
        unique(WHAT, "feature_names", &self.feature_names)?;
        let names: Vec<String> = self.categorical.iter().map(|c| c.name.clone()).collect();
        unique(WHAT, "categorical", &names)?;
        for column in &self.categorical {
            column.validate()?;
        }
        self.validate_indicators()?;
        if let Some(imputer) = &self.imputer {
            let (n, numeric) = (imputer.means.len(), self.n_numeric());
            if n != numeric {
                let message = format!("imputer.means has {n} values for {numeric} numeric columns");
                return Err(DataError::inconsistent(WHAT, message));
            }
            finite(WHAT, "imputer.means", &imputer.means)?;
        }
        self.validate_target()
    }

    /// The trailing feature names are the categorical columns' indicator names, in order.
    fn validate_indicators(&self) -> Result<()> {
        let n = self.n_indicators();
        if n > self.feature_names.len() {
            let message = format!(
                "{n} category indicators but only {} feature names",
                self.feature_names.len()
            );
            return Err(DataError::inconsistent(WHAT, message));
        }
        let expected = self.categorical.iter().flat_map(|c| c.feature_names());
        let tail = &self.feature_names[self.n_numeric()..];
        match tail.iter().zip(expected).find(|(have, want)| *have != want) {
            None => Ok(()),
            Some((have, want)) => {
                let (have, want) = (crate::quoted(have), crate::quoted(&want));
                let message = format!("feature name {have} where the categories give {want}");
                Err(DataError::inconsistent(WHAT, message))
            }
        }
    }

    fn validate_target(&self) -> Result<()> {
        if let TargetKind::Classify { labels } = &self.kind {
            unique(WHAT, "labels", labels.names())?;
            if labels.len() < 2 {
                let message = format!("{} class label(s), need at least 2", labels.len());
                return Err(DataError::inconsistent(WHAT, message));
            }
        }
        let numeric = &self.feature_names[..self.n_numeric()];
        let clash = numeric
            .iter()
            .chain(self.categorical.iter().map(|c| &c.name));
        if self.kind != TargetKind::None && clash.into_iter().any(|f| *f == self.target_name) {
            let message = format!(
                "the target {} is also a feature column",
                crate::quoted(&self.target_name)
            );
            return Err(DataError::inconsistent(WHAT, message));
        }
        Ok(())
    }
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
    /// The dropped rows, in file order (only when read with a schema).
    pub skipped: Vec<SkippedRow>,
    /// Cells whose category the schema did not know (encoded as all zeros).
    pub unknown_categories: usize,
    /// The [`ApplyOptions::id`] column's cell of every data row, dropped ones included.
    pub ids: Vec<String>,
}

/// A data row that could not be encoded under the missing-cell policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedRow {
    /// 0-based position among the file's data rows.
    pub row: usize,
    /// 1-based line in the file.
    pub line: u64,
    /// Why, e.g. `missing value "NA" in column "sex"`.
    pub reason: String,
}
