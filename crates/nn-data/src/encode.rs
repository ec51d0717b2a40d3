//! Turning a CSV record into a feature row: numeric cells parsed, categorical cells one-hot
//! encoded (numeric columns first, then each categorical column's indicators), and missing
//! cells filled or reported to the caller, who applies the missing-cell policy.
//!
//! Missing cells are the empty string, `NA`, `NaN` and `?` (after trimming spaces).

use crate::table::Table;
use crate::{quoted, quoted_list, CategoricalColumn, DataError, Result, Unknown};
use nn_tensor::Float;

/// One cell, classified.
pub(crate) enum Cell {
    Number(f64),
    Text,
    Missing,
    /// `inf`, `1e400`: parses, but beyond the f64 range.
    NotFinite,
    /// `nan` in a spelling that is not a missing marker.
    NotANumber,
}

pub(crate) fn parse_cell(s: &str) -> Cell {
    if matches!(s, "" | "NA" | "NaN" | "?") {
        return Cell::Missing;
    }
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() => Cell::Number(v),
        Ok(v) if v.is_nan() => Cell::NotANumber,
        Ok(_) => Cell::NotFinite,
        Err(_) => Cell::Text,
    }
}

/// How missing cells are filled while encoding.
pub(crate) enum Fill<'a> {
    /// Report the row as [`Encoded::Missing`].
    Report,
    /// Numbers become NaN (imputed after fitting), text the most frequent category.
    NanAndMode,
    /// The stored numeric means, and the most frequent category.
    Values(&'a [f64]),
}

/// Where each feature comes from: table column indices of the numeric columns, then the
/// categorical columns with their fitted categories.
pub(crate) struct Encoder<'a> {
    pub(crate) numeric: Vec<usize>,
    pub(crate) categorical: Vec<(usize, &'a CategoricalColumn)>,
    pub(crate) fill: Fill<'a>,
    pub(crate) unknown: Unknown,
}

/// The outcome of encoding one record.
pub(crate) enum Encoded {
    /// Appended, with this many unknown categories (all-zero indicators).
    Row { unknown: usize },
    /// Not appended: the cell in this table column is missing.
    Missing(usize),
}

impl Encoder<'_> {
    /// Columns of the feature matrix.
    pub(crate) fn width(&self) -> usize {
        let indicators: usize = self
            .categorical
            .iter()
            .map(|(_, c)| c.categories.len())
            .sum();
        self.numeric.len() + indicators
    }

    /// Refuses (before anything is allocated) a feature matrix of `rows` rows of
    /// [`width`](Self::width) values of type `T` larger than `max_bytes`.
    pub(crate) fn check_size<T>(&self, file: &str, rows: usize, max_bytes: u64) -> Result<()> {
        let (columns, element) = (self.width(), std::mem::size_of::<T>());
        let bytes = (rows as u64)
            .saturating_mul(columns as u64)
            .saturating_mul(element as u64);
        if bytes <= max_bytes {
            return Ok(());
        }
        Err(DataError::TooLarge {
            file: file.to_string(),
            rows,
            columns,
            element,
            bytes,
            limit: max_bytes,
        })
    }

    /// Appends the feature row of `rec` (on `line`) to `out`, or leaves `out` unchanged and
    /// names the missing cell.
    pub(crate) fn encode<T: Float>(
        &self,
        t: &Table,
        line: u64,
        rec: &csv::StringRecord,
        out: &mut Vec<T>,
    ) -> Result<Encoded> {
        if let (Fill::Report, Some(j)) = (&self.fill, self.first_missing(rec)) {
            return Ok(Encoded::Missing(j));
        }
        for (k, &j) in self.numeric.iter().enumerate() {
            match (parse_cell(&rec[j]), &self.fill) {
                (Cell::Number(v), _) => match T::from_f64(v) {
                    x if x.is_finite() => out.push(x),
                    _ => return Err(narrow_error(t, line, rec, j)),
                },
                (Cell::Missing, Fill::NanAndMode) => out.push(T::nan()),
                (Cell::Missing, Fill::Values(means)) => out.push(T::from_f64(means[k])),
                (cell, _) => return Err(cell_error(t, line, rec, j, &cell)),
            }
        }
        let mut unknown = 0;
        for &(j, column) in &self.categorical {
            let value = match parse_cell(&rec[j]) {
                Cell::Missing => column.most_frequent.as_str(),
                _ => &rec[j],
            };
            let base = out.len();
            out.resize(base + column.categories.len(), T::zero());
            match (column.index_of(value), self.unknown) {
                (Some(k), _) => out[base + k] = T::one(),
                (None, Unknown::Ignore) => unknown += 1,
                (None, Unknown::Error) => return Err(unknown_error(t, line, j, column, value)),
            }
        }
        Ok(Encoded::Row { unknown })
    }

    /// The table column of the first missing feature cell of `rec`, numeric columns first
    /// (a row with one is skipped whatever its other cells hold, as in training).
    fn first_missing(&self, rec: &csv::StringRecord) -> Option<usize> {
        let cats = self.categorical.iter().map(|(j, _)| j);
        let mut cols = self.numeric.iter().chain(cats);
        cols.find(|&&j| matches!(parse_cell(&rec[j]), Cell::Missing))
            .copied()
    }
}

/// A parse error for cell `j` of `rec`: text in a numeric column, a non-finite number, or a
/// missing cell.
pub(crate) fn cell_error(
    t: &Table,
    line: u64,
    rec: &csv::StringRecord,
    j: usize,
    kind: &Cell,
) -> DataError {
    let (cell, name) = (quoted(&rec[j]), quoted(&t.header[j]));
    let msg = match kind {
        Cell::Text => format!("non-numeric value {cell} in column {name}"),
        Cell::NotFinite => format!(
            "value {cell} in column {name} is infinite or out of the f64 range (|x| < 1.8e308)"
        ),
        Cell::NotANumber => format!(
            "value {cell} in column {name} is NaN (not a number); mark a missing cell as empty, NA, NaN or ?"
        ),
        _ => format!("missing value {cell} in column {name} (choose missing = drop or mean)"),
    };
    DataError::parse(&t.file, line, j + 1, msg)
}

/// A finite f64 cell that overflows the narrower float type the features are loaded as.
fn narrow_error(t: &Table, line: u64, rec: &csv::StringRecord, j: usize) -> DataError {
    let msg = format!(
        "value {} in column {} is beyond the f32 range (|x| ≤ 3.4e38) the features are loaded as; load them as f64 (nn train --dtype f64)",
        quoted(&rec[j]),
        quoted(&t.header[j])
    );
    DataError::parse(&t.file, line, j + 1, msg)
}

fn unknown_error(t: &Table, line: u64, j: usize, c: &CategoricalColumn, value: &str) -> DataError {
    let msg = format!(
        "unknown category {} in column {} (known: {}; use unknown = ignore for all-zero indicators)",
        quoted(value),
        quoted(&c.name),
        quoted_list(&c.categories)
    );
    DataError::parse(&t.file, line, j + 1, msg)
}
