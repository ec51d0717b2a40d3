//! Which columns of a training CSV are features, and which of those are categorical:
//! `features` / `exclude` / `categorical` from [`CsvOptions`], checked against the header, and
//! the categories fitted on the rows kept by the missing-cell policy.

use crate::encode::{parse_cell, Cell};
use crate::table::Table;
use crate::{CategoricalColumn, CsvOptions, DataError, Result};

/// The feature columns' indices in file order: `options.features` (or every column), less
/// `options.exclude` and the target. Every named column must exist.
pub(crate) fn feature_columns(
    t: &Table,
    target: Option<usize>,
    options: &CsvOptions,
) -> Result<Vec<usize>> {
    if options.features.is_some() && !options.exclude.is_empty() {
        let msg = "give the feature columns or the columns to exclude, not both".to_string();
        return Err(DataError::invalid("features", msg));
    }
    let named = |names: &[String]| {
        names
            .iter()
            .map(|n| t.column(n))
            .collect::<Result<Vec<_>>>()
    };
    let excluded = named(&options.exclude)?;
    let listed = options.features.as_deref().map(named).transpose()?;
    if let Some(&j) = listed.iter().flatten().find(|&&j| Some(j) == target) {
        let msg = format!(
            "column {} is the target, not a feature",
            crate::quoted(&t.header[j])
        );
        return Err(DataError::parse(&t.file, 1, j + 1, msg));
    }
    let keep = |j: &usize| {
        Some(*j) != target && !excluded.contains(j) && listed.as_ref().is_none_or(|l| l.contains(j))
    };
    let cols: Vec<usize> = (0..t.header.len()).filter(keep).collect();
    if cols.is_empty() {
        return Err(DataError::file(
            &t.file,
            "line 1: no feature column left after selection",
        ));
    }
    Ok(cols)
}

/// Categorical columns with their table column index.
pub(crate) type Categorical = Vec<(usize, CategoricalColumn)>;

/// Splits the feature columns into numeric ones and fitted categorical ones: a column is
/// categorical if named in `options.categorical` or if any row holds text in it; its
/// categories are those of the rows the missing-cell policy keeps.
///
/// # Errors
/// A `categorical` name that is not a feature column, or a column with more than
/// `options.max_categories` distinct values.
pub(crate) fn fit_columns(
    t: &Table,
    cols: &[usize],
    kept: &[usize],
    options: &CsvOptions,
) -> Result<(Vec<usize>, Categorical)> {
    let forced = options
        .categorical
        .iter()
        .map(|n| t.column(n))
        .collect::<Result<Vec<_>>>()?;
    if let Some(&j) = forced.iter().find(|j| !cols.contains(j)) {
        let msg = format!(
            "categorical column {} is not a feature column",
            crate::quoted(&t.header[j])
        );
        return Err(DataError::parse(&t.file, 1, j + 1, msg));
    }
    let cells = |j: usize| kept.iter().map(move |&r| &t.rows[r].1[j]);
    let is_text =
        |j: usize| (t.rows.iter()).any(|(_, rec)| matches!(parse_cell(&rec[j]), Cell::Text));
    let (mut numeric, mut categorical) = (Vec::new(), Vec::new());
    for &j in cols {
        if !forced.contains(&j) && !is_text(j) {
            numeric.push(j);
            continue;
        }
        let present = cells(j).filter(|s| !matches!(parse_cell(s), Cell::Missing));
        let column = CategoricalColumn::fit(&t.header[j], present);
        check_count(t, j, column.categories.len(), options.max_categories)?;
        categorical.push((j, column));
    }
    Ok((numeric, categorical))
}

fn check_count(t: &Table, j: usize, count: usize, max: usize) -> Result<()> {
    if count <= max {
        return Ok(());
    }
    let name = crate::quoted(&t.header[j]);
    let msg = format!(
        "column {name} has {count} distinct text values, more than max_categories = {max}; \
         if it is an id or free text leave it out (--exclude {}), else raise --max-categories",
        t.header[j]
    );
    Err(DataError::parse(&t.file, 1, j + 1, msg))
}
