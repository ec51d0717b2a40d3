//! Loading data for the CLI: CSV files (header row, target column by name) and folders of
//! MNIST IDX files.
//!
//! Cells that are empty or `NA`/`NaN` are missing; `--missing` says what to do with them:
//! `error` (the default) stops with the file, line and column; `drop` skips the row; `mean`
//! fills the column's mean.

use std::path::Path;

use anyhow::{bail, Context, Result};
use clap::ValueEnum;
use ndarray::Array2;

/// What to do with missing cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Missing {
    /// Stop with an error naming the line and column.
    Error,
    /// Skip rows with a missing cell.
    Drop,
    /// Fill with the column mean.
    Mean,
}

/// A loaded table: numeric features and the raw target cells.
#[derive(Debug, Clone)]
pub struct Table {
    /// Feature names, in column order.
    pub features: Vec<String>,
    /// `(n_samples, n_features)`.
    pub x: Array2<f64>,
    /// The target column's name and cells (absent when the column is not in the file).
    pub target: Option<(String, Vec<String>)>,
}

/// Loads a CSV file or an MNIST folder. `target`: the target column (default: the last
/// column); `required`: whether a missing target column is an error.
pub fn load(path: &Path, target: Option<&str>, missing: Missing, required: bool) -> Result<Table> {
    if path.is_dir() {
        return crate::mnist::load_folder(path, crate::mnist::Part::Train);
    }
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    parse_csv(&text, target, missing, required).with_context(|| format!("in {}", path.display()))
}

/// Loads rows with exactly the given feature columns (in that order), e.g. a model's inputs.
pub fn load_columns(path: &Path, features: &[String], target: Option<&str>) -> Result<Table> {
    if path.is_dir() {
        return crate::mnist::load_folder(path, crate::mnist::Part::Test);
    }
    let table = load(path, target, Missing::Error, false)?;
    select(table, features).with_context(|| format!("in {}", path.display()))
}

fn select(table: Table, features: &[String]) -> Result<Table> {
    let mut cols = Vec::new();
    for name in features {
        match table.features.iter().position(|f| f == name) {
            Some(c) => cols.push(c),
            None => bail!("the model needs column {name:?}, which the file does not have"),
        }
    }
    let x = table.x.select(ndarray::Axis(1), &cols);
    Ok(Table {
        features: features.to_vec(),
        x,
        target: table.target,
    })
}

/// Parses CSV text (see [`load`]).
pub fn parse_csv(
    text: &str,
    target: Option<&str>,
    missing: Missing,
    required: bool,
) -> Result<Table> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .context("reading the header row")?
        .iter()
        .map(String::from)
        .collect();
    let t_col = target_column(&header, target, required)?;
    let features: Vec<String> = header
        .iter()
        .enumerate()
        .filter(|(c, _)| Some(*c) != t_col)
        .map(|(_, h)| h.clone())
        .collect();
    if features.is_empty() {
        bail!("no feature columns besides the target");
    }
    let (rows, targets) = read_rows(&mut reader, &header, t_col, missing)?;
    if rows.is_empty() {
        bail!("no data rows");
    }
    let x = fill_means(rows, features.len());
    let target = t_col.map(|c| (header[c].clone(), targets));
    Ok(Table {
        features,
        x,
        target,
    })
}

type Rows = (Vec<Vec<Option<f64>>>, Vec<String>);

/// Reads every record: the feature cells (`None` when missing) and the target cells.
fn read_rows(
    reader: &mut csv::Reader<&[u8]>,
    header: &[String],
    t_col: Option<usize>,
    missing: Missing,
) -> Result<Rows> {
    let (mut rows, mut targets) = (Vec::new(), Vec::new());
    for record in reader.records() {
        let record = record.map_err(describe_csv_error)?;
        let line = record.position().map_or(0, |p| p.line());
        let (row, t) = parse_record(&record, header, t_col, line)?;
        if row.iter().any(Option::is_none) || t.as_deref() == Some("") {
            match missing {
                Missing::Error => bail!("line {line}: missing value (use --missing drop|mean)"),
                Missing::Drop => continue,
                Missing::Mean if t.as_deref() == Some("") => bail!("line {line}: missing target"),
                Missing::Mean => {}
            }
        }
        rows.push(row);
        targets.extend(t);
    }
    Ok((rows, targets))
}

fn target_column(header: &[String], target: Option<&str>, required: bool) -> Result<Option<usize>> {
    if header.is_empty() {
        bail!("the file is empty (expected a header row)");
    }
    match target {
        None => Ok(if required {
            Some(header.len() - 1)
        } else {
            None
        }),
        Some(name) => match header.iter().position(|h| h == name) {
            Some(c) => Ok(Some(c)),
            None if !required => Ok(None),
            None => bail!(
                "unknown target column {name:?}; the columns are: {}",
                header.join(", ")
            ),
        },
    }
}

type Parsed = (Vec<Option<f64>>, Option<String>);

fn parse_record(
    record: &csv::StringRecord,
    header: &[String],
    t_col: Option<usize>,
    line: u64,
) -> Result<Parsed> {
    let mut row = Vec::with_capacity(record.len());
    let mut target = None;
    for (c, cell) in record.iter().enumerate() {
        if Some(c) == t_col {
            target = Some(cell.to_string());
        } else if is_missing(cell) {
            row.push(None);
        } else {
            let v: f64 = cell
                .parse()
                .ok()
                .filter(|v: &f64| v.is_finite())
                .with_context(|| {
                    format!(
                        "line {line}, column {} ({:?}): {cell:?} is not a number",
                        c + 1,
                        header[c]
                    )
                })?;
            row.push(Some(v));
        }
    }
    Ok((row, target))
}

fn is_missing(cell: &str) -> bool {
    cell.is_empty() || cell.eq_ignore_ascii_case("na") || cell.eq_ignore_ascii_case("nan")
}

fn describe_csv_error(e: csv::Error) -> anyhow::Error {
    match e.kind() {
        csv::ErrorKind::UnequalLengths {
            pos,
            expected_len,
            len,
        } => {
            let line = pos.as_ref().map_or(0, |p| p.line());
            anyhow::anyhow!(
                "line {line}: {len} fields, but the header has {expected_len} (ragged CSV)"
            )
        }
        _ => anyhow::Error::new(e).context("malformed CSV"),
    }
}

/// Builds the feature matrix, filling missing cells with their column's mean.
fn fill_means(rows: Vec<Vec<Option<f64>>>, n_features: usize) -> Array2<f64> {
    let mut means = vec![0.0; n_features];
    for (c, mean) in means.iter_mut().enumerate() {
        let present: Vec<f64> = rows.iter().filter_map(|r| r[c]).collect();
        *mean = present.iter().sum::<f64>() / present.len().max(1) as f64;
    }
    let flat: Vec<f64> = rows
        .iter()
        .flat_map(|r| r.iter().enumerate().map(|(c, v)| v.unwrap_or(means[c])))
        .collect();
    Array2::from_shape_vec((rows.len(), n_features), flat).expect("rows have n_features cells")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_reports_positions() {
        let t = parse_csv("a,b,y\n1,2,cat\n3,4,dog\n", None, Missing::Error, true).unwrap();
        assert_eq!(t.features, vec!["a", "b"]);
        assert_eq!(t.x, ndarray::array![[1.0, 2.0], [3.0, 4.0]]);
        assert_eq!(t.target.unwrap().1, vec!["cat", "dog"]);
        let e = format!(
            "{:#}",
            parse_csv("a,y\n1,x\nz,y\n", None, Missing::Error, true).unwrap_err()
        );
        assert!(
            e.contains("line 3, column 1 (\"a\"): \"z\" is not a number"),
            "{e}"
        );
        let e = format!(
            "{:#}",
            parse_csv("a,y\n1,x\n1,2,3\n", None, Missing::Error, true).unwrap_err()
        );
        assert!(e.contains("line 3: 3 fields, but the header has 2"), "{e}");
    }

    #[test]
    fn missing_policies() {
        let text = "a,y\n1,p\n,q\n3,r\n";
        assert!(parse_csv(text, None, Missing::Error, true).is_err());
        assert_eq!(
            parse_csv(text, None, Missing::Drop, true)
                .unwrap()
                .x
                .nrows(),
            2
        );
        let t = parse_csv(text, None, Missing::Mean, true).unwrap();
        assert_eq!(t.x.column(0).to_vec(), vec![1.0, 2.0, 3.0]);
    }
}
