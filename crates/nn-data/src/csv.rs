//! Training CSV loading: a header row, feature columns (numeric, or text one-hot encoded), and a
//! target column (classification labels or regression values), with a policy for missing
//! cells.
//!
//! Training data goes through [`load_csv`], which also returns a [`CsvSchema`] (feature names,
//! categories, label list, imputation values). Test or prediction data goes through
//! [`load_csv_with_schema`](crate::load_csv_with_schema) (see `csv_apply.rs`), which applies
//! that saved schema.
//!
//! Missing cells are the empty string, `NA`, `NaN` and `?` (after trimming spaces).

use crate::dataset::{Dataset, Target};
use crate::encode::{cell_error, parse_cell, Cell, Encoded, Encoder, Fill};
use crate::schema::{CsvOptions, CsvSchema, Loaded, Missing, TargetKind, Task, MAX_AUTO_CLASSES};
use crate::select::{feature_columns, fit_columns};
use crate::table::{open, read_table, Table};
use crate::{DataError, Labels, MeanImputer, Result, Unknown};
use ndarray::{Array1, Array2};
use nn_tensor::s;
use nn_tensor::Float;
use std::io::Read;
use std::path::Path;

/// The most columns a CSV header may have; a wider file is refused before its names are
/// stored (a 10-million-column header is an error, not a multi-gigabyte allocation).
pub const MAX_COLUMNS: usize = 100_000;

/// Loads a training CSV from `path` (see [`read_csv`]).
///
/// # Errors
/// As [`read_csv`], plus [`DataError::Io`] if the file cannot be opened.
///
/// ```
/// // Doc-tests run in crates/nn-data; the datasets live at the workspace root.
/// let iris = nn_data::load_csv("../../datasets/iris.csv", &Default::default())?;
/// assert_eq!(iris.dataset.features.dim(), (150, 4));
/// assert_eq!(iris.schema.target_name, "species");
/// # Ok::<(), nn_data::DataError>(())
/// ```
pub fn load_csv(path: impl AsRef<Path>, options: &CsvOptions) -> Result<Loaded> {
    load_csv_as(path, options)
}

/// [`load_csv`] with the features stored in the float type `T`: each cell is parsed as `f64`
/// and rounded once to `T` as its row is read, so an `f32` load holds no `f64` matrix.
///
/// # Errors
/// As [`load_csv`].
///
/// ```
/// let iris = nn_data::load_csv_as::<f32>("../../datasets/iris.csv", &Default::default())?;
/// assert_eq!(iris.dataset.features[[0, 0]], 5.1_f32);
/// # Ok::<(), nn_data::DataError>(())
/// ```
pub fn load_csv_as<T: Float>(path: impl AsRef<Path>, options: &CsvOptions) -> Result<Loaded<T>> {
    let (file, name) = open(path.as_ref())?;
    let delimiter = crate::delimiter::for_path(path.as_ref(), options.delimiter);
    read_csv_as(
        file,
        &name,
        &CsvOptions {
            delimiter,
            ..options.clone()
        },
    )
}

/// Reads a training CSV from `reader`; `file` names it in error messages.
///
/// # Errors
/// [`DataError::File`] for an empty or header-only file or an unknown target column;
/// [`DataError::Parse`] (with line and column) for ragged rows, infinite numbers, missing
/// cells under [`Missing::Error`], non-numeric regression targets, unknown or badly chosen
/// column names, and a text column with more than `max_categories` values;
/// [`DataError::InvalidParameter`] for both `features` and `exclude`.
///
/// ```
/// let text = "a,b,colour,label\n1,2,red,yes\n3,NA,,no\n5,6,red,yes\n7,8,blue,no\n";
/// let opts = nn_data::CsvOptions { missing: nn_data::Missing::Mean, ..Default::default() };
/// let loaded = nn_data::read_csv(text.as_bytes(), "toy.csv", &opts)?;
/// // b's mean is (2 + 6 + 8) / 3; the missing colour is the most frequent one, red.
/// let x = ndarray::array![[1., 2., 0., 1.], [3., 16. / 3., 0., 1.], [5., 6., 0., 1.], [7., 8., 1., 0.]];
/// assert_eq!(loaded.dataset.features, x);
/// assert_eq!(loaded.dataset.feature_names, ["a", "b", "colour=blue", "colour=red"]);
/// assert_eq!(loaded.dataset.labels().unwrap(), ["no", "yes"]);
/// # Ok::<(), nn_data::DataError>(())
/// ```
pub fn read_csv(reader: impl Read, file: &str, options: &CsvOptions) -> Result<Loaded> {
    read_csv_as(reader, file, options)
}

/// [`read_csv`] with the features stored in the float type `T` (see [`load_csv_as`]). With
/// [`Missing::Mean`] the imputation means are those of the `T` values (summed in `f64`).
///
/// # Errors
/// As [`read_csv`].
///
/// ```
/// let loaded = nn_data::read_csv_as::<f32>("a,y\n0.1,u\n0.2,v\n".as_bytes(), "t.csv", &Default::default())?;
/// assert_eq!(loaded.dataset.features, ndarray::array![[0.1_f32], [0.2]]);
/// # Ok::<(), nn_data::DataError>(())
/// ```
pub fn read_csv_as<T: Float>(
    reader: impl Read,
    file: &str,
    options: &CsvOptions,
) -> Result<Loaded<T>> {
    let table = read_table(reader, file, options.delimiter, options.max_bytes)?;
    if table.header.len() < 2 {
        let msg = format!(
            "line 1: need a feature column and a target column, found {}",
            crate::quoted_list(&table.header)
        );
        return Err(DataError::file(file, msg));
    }
    let target_col = match &options.target {
        Some(name) => table.column(name)?,
        None => table.header.len() - 1,
    };
    fit_table(&table, Some(target_col), options)
}

/// Reads a CSV whose selected columns are all features (no target), fitting the same schema
/// as [`read_csv_as`] does (categories, imputation values); `options.target` and
/// `options.task` are not used. The schema's kind is [`TargetKind::None`]. This is what
/// `nn preprocess fit` reads.
///
/// # Errors
/// As [`read_csv`], bar those about the target.
///
/// ```
/// let text = "id,n,colour\nq,1,red\nr,3,blue\n";
/// let opts = nn_data::CsvOptions { exclude: vec!["id".into()], ..Default::default() };
/// let loaded = nn_data::read_features_as::<f64>(text.as_bytes(), "t.csv", &opts)?;
/// assert_eq!(loaded.schema.feature_names, ["n", "colour=blue", "colour=red"]);
/// assert_eq!(loaded.dataset.features, ndarray::array![[1., 0., 1.], [3., 1., 0.]]);
/// # Ok::<(), nn_data::DataError>(())
/// ```
pub fn read_features_as<T: Float>(
    reader: impl Read,
    file: &str,
    options: &CsvOptions,
) -> Result<Loaded<T>> {
    let table = read_table(reader, file, options.delimiter, options.max_bytes)?;
    fit_table(&table, None, options)
}

/// Selects and fits the feature columns of `table`, encodes the rows the missing-cell policy
/// keeps, and encodes the target if there is one.
fn fit_table<T: Float>(
    table: &Table,
    target_col: Option<usize>,
    options: &CsvOptions,
) -> Result<Loaded<T>> {
    let feature_cols = feature_columns(table, target_col, options)?;
    let kept = kept_rows(table, &feature_cols, target_col, options.missing)?;
    let (numeric, categorical) = fit_columns(table, &feature_cols, &kept, options)?;
    let encoder = Encoder {
        numeric,
        categorical: categorical.iter().map(|(j, c)| (*j, c)).collect(),
        fill: Fill::NanAndMode,
        unknown: Unknown::Ignore,
    };
    encoder.check_size::<T>(&table.file, kept.len(), options.max_bytes)?;
    let mut parsed = encode_rows(table, &encoder, &kept, target_col)?;
    let n_numeric = encoder.numeric.len();
    let imputer = MeanImputer::fit(parsed.x.slice(s![.., ..n_numeric]));
    imputer.fill_leading(&mut parsed.x);
    let schema = CsvSchema {
        feature_names: feature_names(table, &encoder),
        target_name: target_col.map_or_else(String::new, |j| table.header[j].clone()),
        kind: match target_col {
            Some(_) => infer_kind(&parsed.targets, options.task),
            None => TargetKind::None,
        },
        missing: options.missing,
        imputer: Some(imputer),
        categorical: categorical.into_iter().map(|(_, c)| c).collect(),
    };
    match target_col {
        Some(col) => finish(table, parsed, schema, col),
        None => Ok(crate::csv_apply::unlabelled(parsed, &schema)),
    }
}

/// The indices (into `t.rows`) of the rows the missing-cell policy keeps: all of them, bar a
/// missing target, under [`Missing::Mean`]; those without a missing feature or target under
/// [`Missing::Drop`]; under [`Missing::Error`] the first missing cell is the error.
fn kept_rows(
    t: &Table,
    cols: &[usize],
    target: Option<usize>,
    missing: Missing,
) -> Result<Vec<usize>> {
    let mut kept = Vec::with_capacity(t.rows.len());
    for (r, (line, rec)) in t.rows.iter().enumerate() {
        let features = cols.iter().filter(|_| missing != Missing::Mean);
        let gap = features
            .chain(target.as_ref())
            .find(|&&j| matches!(parse_cell(&rec[j]), Cell::Missing));
        match (gap, missing) {
            (None, _) => kept.push(r),
            (Some(_), Missing::Drop) => {}
            (Some(&j), _) => return Err(cell_error(t, *line, rec, j, &Cell::Missing)),
        }
    }
    Ok(kept)
}

/// The feature matrix's column names: the numeric columns, then `column=category` for each
/// categorical column's indicators.
fn feature_names(t: &Table, encoder: &Encoder) -> Vec<String> {
    let numeric = encoder.numeric.iter().map(|&j| t.header[j].clone());
    let indicators = encoder
        .categorical
        .iter()
        .flat_map(|(_, c)| c.feature_names());
    numeric.chain(indicators).collect()
}

/// Feature matrix (NaN where a numeric cell was missing) and raw targets.
pub(crate) struct Parsed<T> {
    pub(crate) x: Array2<T>,
    pub(crate) targets: Vec<(u64, usize, String)>,
}

/// Encodes the table rows `kept` (none has a missing target or, unless imputing, feature).
fn encode_rows<T: Float>(
    t: &Table,
    encoder: &Encoder,
    kept: &[usize],
    target: Option<usize>,
) -> Result<Parsed<T>> {
    let mut values = Vec::with_capacity(kept.len() * encoder.width());
    let mut targets = Vec::with_capacity(kept.len());
    for &r in kept {
        let (line, rec) = &t.rows[r];
        if let Encoded::Missing(j) = encoder.encode(t, *line, rec, &mut values)? {
            return Err(cell_error(t, *line, rec, j, &Cell::Missing));
        }
        targets.extend(target.map(|j| (*line, j, rec[j].to_string())));
    }
    let x = Array2::from_shape_vec((kept.len(), encoder.width()), values)
        .map_err(|e| DataError::file(&t.file, e.to_string()))?;
    Ok(Parsed { x, targets })
}

pub(crate) fn infer_kind(targets: &[(u64, usize, String)], task: Task) -> TargetKind {
    let classify = || TargetKind::Classify {
        labels: Labels::fit(targets.iter().map(|t| &t.2)),
    };
    match task {
        Task::Classify => classify(),
        Task::Regress => TargetKind::Regress,
        Task::Auto => {
            let numbers: Option<Vec<f64>> = targets.iter().map(|t| t.2.parse().ok()).collect();
            let Some(numbers) = numbers else {
                return classify();
            };
            let all_int = numbers.iter().all(|v| v.fract() == 0.0 && v.is_finite());
            let labels = Labels::fit(targets.iter().map(|t| &t.2));
            if all_int && labels.len() <= MAX_AUTO_CLASSES {
                TargetKind::Classify { labels }
            } else {
                TargetKind::Regress
            }
        }
    }
}

/// The dataset of `parsed` with its target encoded by `schema` (`dropped` rows left out).
pub(crate) fn finish<T: Float>(
    t: &Table,
    parsed: Parsed<T>,
    schema: CsvSchema,
    target_col: usize,
) -> Result<Loaded<T>> {
    let target = match &schema.kind {
        TargetKind::Classify { labels } => Target::Classes {
            indices: labels.encode_all(
                (parsed.targets.iter()).map(|(line, _, s)| (s.as_str(), *line)),
                &t.file,
            )?,
            labels: labels.names().to_vec(),
        },
        TargetKind::Regress => Target::Values(regression_values(t, &parsed.targets)?),
        TargetKind::None => Target::None,
    };
    let dataset = Dataset {
        features: parsed.x,
        feature_names: schema.feature_names.clone(),
        target_name: Some(t.header[target_col].clone()),
        target,
    };
    let dropped_rows = t.rows.len() - dataset.n_samples();
    Ok(Loaded {
        dataset,
        schema,
        dropped_rows,
        skipped: Vec::new(),
        unknown_categories: 0,
        ids: Vec::new(),
    })
}

fn regression_values(t: &Table, targets: &[(u64, usize, String)]) -> Result<Array1<f64>> {
    let parse = |(line, j, s): &(u64, usize, String)| {
        let (cell, name) = (crate::quoted(s), crate::quoted(&t.header[*j]));
        let msg = match parse_cell(s) {
            Cell::Number(v) => return Ok(v),
            Cell::NotANumber => {
                format!("regression target {cell} in column {name} is NaN (not a number)")
            }
            Cell::NotFinite => format!(
                "regression target {cell} in column {name} is infinite or out of the f64 range (|x| < 1.8e308)"
            ),
            _ => format!("non-numeric regression target {cell} in column {name}"),
        };
        Err(DataError::parse(&t.file, *line, j + 1, msg))
    };
    targets.iter().map(parse).collect()
}
