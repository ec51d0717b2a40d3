//! CSV loading: a header row, numeric features, and a target column (classification labels or
//! regression values), with a policy for missing cells.
//!
//! Training data goes through [`load_csv`], which also returns a [`CsvSchema`] (feature names,
//! label list, imputation means). Test or prediction data goes through [`load_csv_with_schema`],
//! which applies that saved schema; there the target column may be absent.
//!
//! Missing cells are the empty string, `NA`, `NaN` and `?` (after trimming spaces).

use crate::dataset::{Dataset, Target};
use crate::schema::{CsvOptions, CsvSchema, Loaded, Missing, TargetKind, Task, MAX_AUTO_CLASSES};
use crate::table::{open, read_table, Table};
use crate::{DataError, Labels, MeanImputer, Result};
use ndarray::{Array1, Array2};
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
    read_csv_as(file, &name, options)
}

/// Reads a training CSV from `reader`; `file` names it in error messages.
///
/// # Errors
/// [`DataError::File`] for an empty or header-only file or an unknown target column;
/// [`DataError::Parse`] (with line and column) for ragged rows, non-numeric features, missing
/// cells under [`Missing::Error`], and non-numeric regression targets.
///
/// ```
/// let text = "a,b,label\n1,2,yes\n3,NA,no\n5,6,yes\n";
/// let opts = nn_data::CsvOptions { missing: nn_data::Missing::Mean, ..Default::default() };
/// let loaded = nn_data::read_csv(text.as_bytes(), "toy.csv", &opts)?;
/// assert_eq!(loaded.dataset.features, ndarray::array![[1., 2.], [3., 4.], [5., 6.]]);
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
    let table = read_table(reader, file)?;
    if table.header.len() < 2 {
        let msg = format!(
            "line 1: need a feature column and a target column, found {:?}",
            table.header
        );
        return Err(DataError::file(file, msg));
    }
    let target_col = match &options.target {
        Some(name) => table.column(name)?,
        None => table.header.len() - 1,
    };
    let feature_cols: Vec<usize> = (0..table.header.len())
        .filter(|&j| j != target_col)
        .collect();
    let mut parsed = parse_rows(&table, &feature_cols, Some(target_col), options.missing)?;
    let imputer = (options.missing == Missing::Mean).then(|| MeanImputer::fit(parsed.x.view()));
    if let Some(imp) = &imputer {
        imp.fill(&mut parsed.x)?;
    }
    let kind = infer_kind(&parsed.targets, options.task);
    let schema = CsvSchema {
        feature_names: feature_cols
            .iter()
            .map(|&j| table.header[j].clone())
            .collect(),
        target_name: table.header[target_col].clone(),
        kind,
        missing: options.missing,
        imputer,
    };
    finish(&table, parsed, schema, target_col)
}

/// Loads test or prediction data from `path` with a saved schema (see [`read_csv_with_schema`]).
///
/// # Errors
/// As [`read_csv_with_schema`], plus [`DataError::Io`] if the file cannot be opened.
///
/// ```
/// let train = nn_data::load_csv("../../datasets/wine.csv", &Default::default())?;
/// let again = nn_data::load_csv_with_schema("../../datasets/wine.csv", &train.schema)?;
/// assert_eq!(again.dataset, train.dataset);
/// # Ok::<(), nn_data::DataError>(())
/// ```
pub fn load_csv_with_schema(path: impl AsRef<Path>, schema: &CsvSchema) -> Result<Loaded> {
    load_csv_with_schema_as(path, schema)
}

/// [`load_csv_with_schema`] with the features stored in the float type `T` (see
/// [`load_csv_as`]).
///
/// # Errors
/// As [`load_csv_with_schema`].
///
/// ```
/// let train = nn_data::load_csv("../../datasets/wine.csv", &Default::default())?;
/// let again = nn_data::load_csv_with_schema_as::<f32>("../../datasets/wine.csv", &train.schema)?;
/// assert_eq!(again.dataset.features, train.dataset.features.mapv(|v| v as f32));
/// # Ok::<(), nn_data::DataError>(())
/// ```
pub fn load_csv_with_schema_as<T: Float>(
    path: impl AsRef<Path>,
    schema: &CsvSchema,
) -> Result<Loaded<T>> {
    let (file, name) = open(path.as_ref())?;
    read_csv_with_schema_as(file, &name, schema)
}

/// Reads data with a saved schema: feature columns are found by name (any order, extra
/// columns ignored), the saved label list and means are applied, and the target column may be
/// absent (then the target is [`Target::None`]).
///
/// # Errors
/// As [`read_csv`]; also a missing feature column, and [`DataError::UnknownLabel`] for a
/// class label the schema does not know.
///
/// ```
/// let train = nn_data::read_csv("x,y\n1,a\n2,b\n".as_bytes(), "train.csv", &Default::default())?;
/// let new = nn_data::read_csv_with_schema("x\n7\n".as_bytes(), "new.csv", &train.schema)?;
/// assert_eq!(new.dataset.features, ndarray::array![[7.0]]);
/// let bad = nn_data::read_csv_with_schema("x,y\n1,c\n".as_bytes(), "t.csv", &train.schema);
/// assert!(bad.unwrap_err().to_string().contains("unseen label \"c\""));
/// # Ok::<(), nn_data::DataError>(())
/// ```
pub fn read_csv_with_schema(reader: impl Read, file: &str, schema: &CsvSchema) -> Result<Loaded> {
    read_csv_with_schema_as(reader, file, schema)
}

/// [`read_csv_with_schema`] with the features stored in the float type `T` (see
/// [`load_csv_as`]).
///
/// # Errors
/// As [`read_csv_with_schema`].
///
/// ```
/// let train = nn_data::read_csv("x,y\n1,a\n2,b\n".as_bytes(), "train.csv", &Default::default())?;
/// let new = nn_data::read_csv_with_schema_as::<f32>("x\n0.5\n".as_bytes(), "new.csv", &train.schema)?;
/// assert_eq!(new.dataset.features, ndarray::array![[0.5_f32]]);
/// # Ok::<(), nn_data::DataError>(())
/// ```
pub fn read_csv_with_schema_as<T: Float>(
    reader: impl Read,
    file: &str,
    schema: &CsvSchema,
) -> Result<Loaded<T>> {
    let table = read_table(reader, file)?;
    let feature_cols = schema
        .feature_names
        .iter()
        .map(|n| table.column(n))
        .collect::<Result<Vec<_>>>()?;
    let target_col = table.header.iter().position(|h| *h == schema.target_name);
    let mut parsed = parse_rows(&table, &feature_cols, target_col, schema.missing)?;
    if let Some(imp) = &schema.imputer {
        imp.fill(&mut parsed.x)?;
    }
    match target_col {
        Some(col) => finish(&table, parsed, schema.clone(), col),
        None => {
            let mut dataset = Dataset::unlabelled(parsed.x);
            dataset.feature_names = schema.feature_names.clone();
            let (schema, dropped_rows) = (schema.clone(), parsed.dropped);
            Ok(Loaded {
                dataset,
                schema,
                dropped_rows,
            })
        }
    }
}

/// Feature matrix (NaN where a cell was missing under [`Missing::Mean`]) and raw targets.
struct Parsed<T> {
    x: Array2<T>,
    targets: Vec<(u64, usize, String)>,
    dropped: usize,
}

enum Cell {
    Number(f64),
    Missing,
    Bad,
    NotFinite,
}

fn parse_cell(s: &str) -> Cell {
    if matches!(s, "" | "NA" | "NaN" | "?") {
        return Cell::Missing;
    }
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() => Cell::Number(v),
        Ok(_) => Cell::NotFinite,
        Err(_) => Cell::Bad,
    }
}

fn parse_rows<T: Float>(
    t: &Table,
    cols: &[usize],
    target: Option<usize>,
    missing: Missing,
) -> Result<Parsed<T>> {
    let mut values = Vec::with_capacity(t.rows.len() * cols.len());
    let (mut targets, mut dropped) = (Vec::new(), 0);
    'rows: for (line, rec) in &t.rows {
        let start = values.len();
        for &j in cols {
            match parse_cell(&rec[j]) {
                Cell::Number(v) => values.push(T::from_f64(v)),
                Cell::Missing if missing == Missing::Mean => values.push(T::nan()),
                Cell::Missing if missing == Missing::Drop => {
                    values.truncate(start);
                    dropped += 1;
                    continue 'rows;
                }
                cell => return Err(cell_error(t, *line, rec, j, &cell)),
            }
        }
        if let Some(j) = target {
            if matches!(parse_cell(&rec[j]), Cell::Missing) {
                if missing == Missing::Drop {
                    values.truncate(start);
                    dropped += 1;
                    continue;
                }
                return Err(cell_error(t, *line, rec, j, &Cell::Missing));
            }
            targets.push((*line, j, rec[j].to_string()));
        }
    }
    let n_rows = values.len() / cols.len().max(1);
    let x = Array2::from_shape_vec((n_rows, cols.len()), values)
        .map_err(|e| DataError::file(&t.file, e.to_string()))?;
    Ok(Parsed {
        x,
        targets,
        dropped,
    })
}

fn cell_error(t: &Table, line: u64, rec: &csv::StringRecord, j: usize, kind: &Cell) -> DataError {
    let (cell, name) = (&rec[j], &t.header[j]);
    let msg = match kind {
        Cell::Bad => format!("non-numeric value {cell:?} in column {name:?}"),
        Cell::NotFinite => format!(
            "value {cell:?} in column {name:?} is infinite or out of the f64 range (|x| < 1.8e308)"
        ),
        _ => format!("missing value {cell:?} in column {name:?} (choose missing = drop or mean)"),
    };
    DataError::parse(&t.file, line, j + 1, msg)
}

fn infer_kind(targets: &[(u64, usize, String)], task: Task) -> TargetKind {
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

fn finish<T: Float>(
    t: &Table,
    parsed: Parsed<T>,
    schema: CsvSchema,
    target_col: usize,
) -> Result<Loaded<T>> {
    let target = match &schema.kind {
        TargetKind::Classify { labels } => Target::Classes {
            indices: (parsed.targets.iter())
                .map(|(line, _, s)| labels.encode(s, &t.file, *line))
                .collect::<Result<_>>()?,
            labels: labels.names().to_vec(),
        },
        TargetKind::Regress => Target::Values(regression_values(t, &parsed.targets)?),
    };
    let dataset = Dataset {
        features: parsed.x,
        feature_names: schema.feature_names.clone(),
        target_name: Some(t.header[target_col].clone()),
        target,
    };
    Ok(Loaded {
        dataset,
        schema,
        dropped_rows: parsed.dropped,
    })
}

fn regression_values(t: &Table, targets: &[(u64, usize, String)]) -> Result<Array1<f64>> {
    let parse = |(line, j, s): &(u64, usize, String)| match parse_cell(s) {
        Cell::Number(v) => Ok(v),
        _ => {
            let msg = format!(
                "non-numeric regression target {s:?} in column {:?}",
                t.header[*j]
            );
            Err(DataError::parse(&t.file, *line, j + 1, msg))
        }
    };
    targets.iter().map(parse).collect()
}
