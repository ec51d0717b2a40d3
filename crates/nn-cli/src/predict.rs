//! `nn predict`: exactly one output row per input data row, in order — the predicted label and
//! each class's probability, or the predicted value — as CSV (through the csv crate's writer,
//! so labels with commas or quotes are quoted), to a file (atomically) or stdout. `--id COL`
//! copies a column to the front; a row the model cannot score gets empty predictions and its
//! reason in a last `reason` column. The target column is never read.

use anyhow::{Context, Result};
use ndarray::{Array2, ArrayView1};
use nn_data::{ApplyOptions, Missing, Task};

use crate::args::PredictArgs;
use crate::inference::{self, Applied};
use crate::model_file::ModelFile;
use crate::stdout::outln;

/// Runs `nn predict`.
pub fn run(args: PredictArgs) -> Result<()> {
    crate::outputs::Outputs::new()
        .input("--model", Some(&args.model))
        .input("--data", Some(&args.data))
        .file("--out", args.out.as_deref())
        .check()?;
    let model = ModelFile::load(&args.model)?;
    let trained = inference::preprocessing(&model)?
        .and_then(|p| p.schema)
        .map(|s| s.missing);
    // Unless imputing, a row with a missing cell is left unscored (with its reason).
    let missing = match args.missing.map(|m| m.build()).or(trained) {
        Some(Missing::Mean) => Missing::Mean,
        _ => Missing::Drop,
    };
    let options = ApplyOptions {
        missing: Some(missing),
        unknown: args.read.unknown,
        read_target: false,
        id: args.id.clone(),
        delimiter: args.read.delimiter,
        max_bytes: crate::limits::budget::max_memory(),
    };
    let applied = inference::apply(&model, &args.data, &options, args.precision)?;
    inference::report_rows(&applied.report, &args.data);
    let bytes = predictions_csv(&model, &applied, args.id.as_deref())?;
    match &args.out {
        Some(path) => {
            let staged = crate::fsutil::stage_bytes(path, &bytes)?;
            let n = applied.data.n_samples() + applied.report.skipped.len();
            outln!("wrote {n} predictions to {}", path.display())?;
            staged.commit()?;
        }
        None => crate::stdout::bytes(&bytes)?,
    }
    Ok(())
}

/// The output CSV: `[id,]prediction columns[,reason]`, one row per input data row.
fn predictions_csv(model: &ModelFile, applied: &Applied, id: Option<&str>) -> Result<Vec<u8>> {
    let (out, report) = (&applied.out, &applied.report);
    let columns = Columns::of(model, out);
    let mut header: Vec<String> = id.map(String::from).into_iter().collect();
    header.extend(columns.header());
    let with_reason = !report.skipped.is_empty();
    if with_reason {
        header.push("reason".into());
    }
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(&header)?;
    let (mut skipped, mut scored) = (report.skipped.iter().peekable(), out.rows().into_iter());
    for i in 0..out.nrows() + report.skipped.len() {
        let mut cells: Vec<String> = report.ids.get(i).cloned().into_iter().collect();
        match skipped.next_if(|s| s.row == i) {
            Some(s) => {
                cells.extend(std::iter::repeat_n(String::new(), columns.width()));
                cells.push(s.reason.clone());
            }
            None => {
                let row = scored.next().context("fewer outputs than scored rows")?;
                cells.extend(columns.cells(row));
                cells.extend(with_reason.then(String::new));
            }
        }
        w.write_record(&cells)?;
    }
    w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))
}

/// The prediction columns: a label and every class probability, or the predicted values.
enum Columns {
    Classes(Vec<String>),
    Values { name: String, n: usize },
}

impl Columns {
    fn of(model: &ModelFile, out: &Array2<f64>) -> Self {
        match model.task {
            Task::Regress => Columns::Values {
                name: model.target.clone().unwrap_or_else(|| "prediction".into()),
                n: out.ncols(),
            },
            Task::Classify | Task::Auto => Columns::Classes(
                model
                    .labels
                    .clone()
                    .unwrap_or_else(|| (0..out.ncols().max(2)).map(|k| k.to_string()).collect()),
            ),
        }
    }

    fn header(&self) -> Vec<String> {
        match self {
            Columns::Classes(labels) => std::iter::once("prediction".to_string())
                .chain(labels.iter().map(|l| format!("p_{l}")))
                .collect(),
            Columns::Values { name, n: 1 } => vec![name.clone()],
            Columns::Values { name, n } => (0..*n).map(|k| format!("{name}_{k}")).collect(),
        }
    }

    fn width(&self) -> usize {
        match self {
            Columns::Classes(labels) => 1 + labels.len(),
            Columns::Values { n, .. } => *n,
        }
    }

    /// One scored row: the label of the most probable class and the probabilities (a single
    /// sigmoid output `p` is the two probabilities `1 − p, p`), or the values.
    fn cells(&self, row: ArrayView1<f64>) -> Vec<String> {
        let fmt = |v: &f64| format!("{v:.6}");
        match self {
            Columns::Values { .. } => row.iter().map(fmt).collect(),
            Columns::Classes(labels) => {
                let p: Vec<f64> = match row.len() {
                    1 => vec![1.0 - row[0], row[0]],
                    _ => row.to_vec(),
                };
                let class = crate::metrics::classes(row.insert_axis(ndarray::Axis(0)))[0];
                let label = labels.get(class).cloned().unwrap_or_default();
                std::iter::once(label).chain(p.iter().map(fmt)).collect()
            }
        }
    }
}
