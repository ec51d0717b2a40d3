//! `nn evaluate`: a saved model on labelled data — loss, accuracy, per-class
//! precision/recall/F1 and the confusion matrix; or MSE, MAE and R² for regression.

use anyhow::{bail, Context, Result};
use ndarray::Array2;
use nn_data::Target;

use crate::args::EvaluateArgs;
use crate::metrics;
use crate::model_file::ModelFile;
use crate::stdout::outln;

/// Runs `nn evaluate`.
pub fn run(args: EvaluateArgs) -> Result<()> {
    let model = ModelFile::load(&args.model)?;
    let options = nn_data::ApplyOptions {
        unknown: args.read.unknown,
        delimiter: args.read.delimiter,
        ..Default::default()
    };
    let applied = crate::inference::apply(&model, &args.data, &options, args.precision)?;
    let (data, out) = (&applied.data, &applied.out);
    crate::inference::report_rows(&applied.report, &args.data);
    let (model_path, data_path) = (args.model.display(), args.data.display());
    outln!(
        "model {model_path} on {data_path} ({} rows)",
        data.n_samples()
    )?;
    let name = model.target.clone().unwrap_or_default();
    match &data.target {
        Target::Classes { indices, .. } => classification(&model, indices, out),
        Target::Values(values) => regression(values, out),
        Target::None => bail!("{data_path} has no target column {name:?} to evaluate against"),
    }
}

fn classification(model: &ModelFile, truth: &[usize], probs: &Array2<f64>) -> Result<()> {
    let labels = model
        .labels
        .clone()
        .context("the model file has no label list")?;
    let predicted = metrics::classes(probs.view());
    let targets = crate::targets::encode_classes(truth, labels.len(), probs.ncols() == 1);
    let clamped = probs.mapv(|p| p.clamp(1e-12, 1.0 - 1e-12));
    let loss = cross_entropy(&clamped, &targets);
    let accuracy = metrics::accuracy(truth, &predicted);
    outln!("accuracy {accuracy:.4}  cross-entropy {loss:.4}")?;
    let confusion = metrics::confusion_matrix(truth, &predicted, labels.len());
    print_scores(&labels, &metrics::class_scores(&confusion))?;
    print_confusion(&labels, &confusion)
}

/// Mean cross-entropy of probabilities against one-hot (or 0/1 for one column) targets.
fn cross_entropy(p: &Array2<f64>, t: &Array2<f64>) -> f64 {
    let n = p.nrows().max(1) as f64;
    let total: f64 = if p.ncols() == 1 {
        p.iter()
            .zip(t)
            .map(|(&p, &t)| -(t * p.ln() + (1.0 - t) * (1.0 - p).ln()))
            .sum()
    } else {
        p.iter().zip(t).map(|(&p, &t)| -t * p.ln()).sum()
    };
    total / n
}

fn print_scores(labels: &[String], scores: &[metrics::ClassScores]) -> Result<()> {
    let w = labels.iter().map(String::len).max().unwrap_or(5).max(5);
    outln!("\n{:>w$}  precision  recall     f1  support", "class")?;
    for (label, s) in labels.iter().zip(scores) {
        outln!(
            "{label:>w$}  {:>9.4}  {:>6.4}  {:>5.4}  {:>7}",
            s.precision,
            s.recall,
            s.f1,
            s.support
        )?;
    }
    Ok(())
}

fn print_confusion(labels: &[String], confusion: &[Vec<usize>]) -> Result<()> {
    let w = labels.iter().map(String::len).max().unwrap_or(4).max(6);
    outln!("\nconfusion matrix (rows: true, columns: predicted)")?;
    let head: Vec<String> = labels.iter().map(|l| format!("{l:>w$}")).collect();
    outln!("{:>w$} {}", "", head.join(" "))?;
    for (label, row) in labels.iter().zip(confusion) {
        let cells: Vec<String> = row.iter().map(|c| format!("{c:>w$}")).collect();
        outln!("{label:>w$} {}", cells.join(" "))?;
    }
    Ok(())
}

fn regression(values: &ndarray::Array1<f64>, out: &Array2<f64>) -> Result<()> {
    let truth = values.clone().insert_axis(ndarray::Axis(1));
    let s = metrics::regression_scores(truth.view(), out.view());
    outln!("MSE {:.4}  MAE {:.4}  R² {:.4}", s.mse, s.mae, s.r2)?;
    Ok(())
}
