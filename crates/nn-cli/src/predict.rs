//! `nn predict`: one output row per input row — the predicted label and each class's
//! probability, or the predicted value — as CSV, to a file (atomically) or stdout.

use std::fmt::Write;

use anyhow::Result;
use ndarray::Array2;

use crate::args::PredictArgs;
use nn_data::Task;

use crate::model_file::ModelFile;

/// Runs `nn predict`.
pub fn run(args: PredictArgs) -> Result<()> {
    let model = ModelFile::load(&args.model)?;
    let (_, out) = crate::inference::apply(&model, &args.data)?;
    let csv = match model.task {
        Task::Classify | Task::Auto => classes_csv(&model, &out),
        Task::Regress => values_csv(&model, &out),
    };
    match &args.out {
        Some(path) => {
            crate::fsutil::write_atomic(path, csv.as_bytes())?;
            println!("wrote {} predictions to {}", out.nrows(), path.display());
        }
        None => print!("{csv}"),
    }
    Ok(())
}

/// `prediction,p_<label>…`: the label and every class probability.
fn classes_csv(model: &ModelFile, probs: &Array2<f64>) -> String {
    let labels = model
        .labels
        .clone()
        .unwrap_or_else(|| (0..probs.ncols()).map(|k| k.to_string()).collect());
    let mut s = String::from("prediction");
    for l in &labels {
        let _ = write!(s, ",p_{l}");
    }
    s.push('\n');
    for (row, class) in probs
        .rows()
        .into_iter()
        .zip(crate::metrics::classes(probs.view()))
    {
        s.push_str(&labels[class]);
        let p: Vec<f64> = if row.len() == 1 {
            vec![1.0 - row[0], row[0]]
        } else {
            row.to_vec()
        };
        for v in p {
            let _ = write!(s, ",{v:.6}");
        }
        s.push('\n');
    }
    s
}

/// `prediction` (or `prediction_<k>` for several outputs): the predicted values.
fn values_csv(model: &ModelFile, out: &Array2<f64>) -> String {
    let name = model.target.clone().unwrap_or_else(|| "prediction".into());
    let mut s = if out.ncols() == 1 {
        format!("{name}\n")
    } else {
        let cols: Vec<String> = (0..out.ncols()).map(|k| format!("{name}_{k}")).collect();
        format!("{}\n", cols.join(","))
    };
    for row in out.rows() {
        let cells: Vec<String> = row.iter().map(|v| format!("{v:.6}")).collect();
        let _ = writeln!(s, "{}", cells.join(","));
    }
    s
}
