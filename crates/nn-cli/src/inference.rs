//! Running a saved model on a data file: read it the way the model's training data was read,
//! apply the saved preprocessing (to the numeric columns; one-hot indicators pass through) and
//! the network (4 096 rows at a time, so memory for the copies and activations does not grow
//! with the file), and undo the target scaling.

use std::path::Path;

use anyhow::{Context, Result};
use ndarray::{Array2, ArrayView2, Axis};
use nn_data::{ApplyOptions, CsvSchema, Dataset, Transformer};

use crate::args::PrecisionArg;
use crate::dataset::{self, RowReport};
use crate::model_file::ModelFile;
use crate::preprocessing::Preprocessing;

/// A model's outputs on a data file.
pub struct Applied {
    /// The rows that were encoded (with their target, if read).
    pub data: Dataset,
    /// Class probabilities, or values in the target's units, one row per row of `data`.
    pub out: Array2<f64>,
    /// The rows left out, ids and unknown categories.
    pub report: RowReport,
}

/// The model's saved preprocessing record, if it has one.
pub fn preprocessing(model: &ModelFile) -> Result<Option<Preprocessing>> {
    let Some(v) = &model.preprocessing else {
        return Ok(None);
    };
    let pre = serde_json::from_value(v.clone()).context("reading the model's preprocessing")?;
    Ok(Some(pre))
}

/// Loads `path` the way the model's training data was read (under `options`), applies the
/// saved preprocessing and the network, and returns the outputs: class probabilities, or
/// values in the target's units. With [`PrecisionArg::Bf16`] the network runs in `f32` with
/// bf16 products; otherwise in `f64`.
pub fn apply(
    model: &ModelFile,
    path: &Path,
    options: &ApplyOptions,
    precision: PrecisionArg,
) -> Result<Applied> {
    let pre = preprocessing(model)?;
    let schema = pre.as_ref().and_then(|p| p.schema.as_ref());
    let (data, report) = dataset::load_with_schema(path, schema, options)?;
    let sizes = &model.architecture.sizes;
    let rows = data.n_samples().min(CHUNK_ROWS);
    let bytes = crate::limits::estimate::forward(sizes, rows, 8);
    let what = format!("the {sizes:?} network on {rows} rows at a time");
    crate::limits::budget::check(bytes, &what, "raise --max-memory")?;
    let n_numeric = schema.map_or(usize::MAX, CsvSchema::n_numeric);
    let features = pre.as_ref().map(|p| &p.features);
    let mut out = outputs(model, data.features.view(), features, n_numeric, precision)?;
    if let Some(scaler) = pre.as_ref().and_then(|p| p.target.as_ref()) {
        out = scaler.inverse_transform(out.view())?;
    }
    check_finite(&out, &report, path)?;
    Ok(Applied { data, out, report })
}

/// Every output must be a number: a forward pass that overflows is an error naming the data
/// row (1-based, counting the rows left out) and the value.
fn check_finite(out: &Array2<f64>, report: &RowReport, path: &Path) -> Result<()> {
    let Some((i, value)) = out
        .rows()
        .into_iter()
        .enumerate()
        .find_map(|(i, r)| r.iter().find(|v| !v.is_finite()).map(|&v| (i, v)))
    else {
        return Ok(());
    };
    // The scored row i is data row i + (the rows skipped before it).
    let mut row = i;
    for s in &report.skipped {
        if s.row <= row {
            row += 1;
        }
    }
    anyhow::bail!(
        "{}: data row {}: the model's output is {value}: the forward pass overflows on this input (its values or the weights are too large)",
        path.display(),
        row + 1
    )
}

/// Rows preprocessed and run through the network at a time: the copies and activations stay
/// this size whatever the file's length (each row's outputs depend on that row only).
const CHUNK_ROWS: usize = 4096;

/// The network's predictions for the features `x`, preprocessed by `features` (its first
/// `n_numeric` columns; see [`apply`]), [`CHUNK_ROWS`] rows at a time.
fn outputs(
    model: &ModelFile,
    x: ArrayView2<f64>,
    features: Option<&nn_data::Preprocessor>,
    n_numeric: usize,
    precision: PrecisionArg,
) -> Result<Array2<f64>> {
    let loss = model.loss;
    let mut predict: Box<dyn FnMut(Array2<f64>) -> Result<Array2<f64>>> = match precision {
        PrecisionArg::F32 => {
            let mut net = model.network::<f64>()?;
            Box::new(move |x| Ok(net.predict(x.view(), loss)?))
        }
        PrecisionArg::Bf16 => {
            let mut net = model.network::<f32>()?;
            net.set_precision(precision.precision())?;
            Box::new(move |x| {
                let x = x.mapv(|v| v as f32);
                Ok(net.predict(x.view(), loss)?.mapv(f64::from))
            })
        }
    };
    let width = model.architecture.sizes.last().copied().unwrap_or(0);
    let mut out = Array2::zeros((x.nrows(), width));
    for (rows, mut chunk_out) in x
        .axis_chunks_iter(Axis(0), CHUNK_ROWS)
        .zip(out.axis_chunks_iter_mut(Axis(0), CHUNK_ROWS))
    {
        let rows = match features {
            Some(f) => f.transform_leading(rows.to_owned(), n_numeric)?,
            None => rows.to_owned(),
        };
        chunk_out.assign(&predict(rows)?);
    }
    Ok(out)
}

/// Tells on stderr what reading `path` left out: rows skipped for missing cells (the first
/// one's line and reason) and cells with categories the model never saw.
pub fn report_rows(report: &RowReport, path: &Path) {
    if let Some(first) = report.skipped.first() {
        crate::stdout::errln!(
            "note: {} row(s) not scored for missing cells, the first on line {} of {}: {}",
            report.skipped.len(),
            first.line,
            path.display(),
            first.reason
        );
    }
    if report.unknown_categories > 0 {
        crate::stdout::errln!(
            "note: {} cell(s) of {} hold a category the model never saw (encoded as all zeros; --unknown error refuses them)",
            report.unknown_categories,
            path.display()
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nn_data::SkippedRow;

    #[test]
    fn a_non_finite_output_names_its_data_row() {
        let out = ndarray::array![[0.5], [f64::NAN], [1.0]];
        let skipped = |row| SkippedRow {
            row,
            line: row as u64 + 2,
            reason: String::new(),
        };
        // Data rows 0 and 2 were skipped: the scored rows are data rows 1, 3, 4.
        let report = RowReport {
            skipped: vec![skipped(0), skipped(2)],
            ..Default::default()
        };
        let err = check_finite(&out, &report, Path::new("new.csv")).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("new.csv: data row 4: the model's output is NaN"),
            "{err}"
        );
        let fine = ndarray::array![[0.5], [1.0]];
        assert!(check_finite(&fine, &report, Path::new("new.csv")).is_ok());
    }
}
