//! `nn evaluate`: a saved model on labelled data — loss, accuracy, per-class
//! precision/recall/F1 and the confusion matrix; or MSE, MAE and R² for regression.

use anyhow::{bail, Context, Result};
use ndarray::Array2;
use nn_data::Target;

use crate::args::EvaluateArgs;
use crate::limits::estimate;
use crate::metrics;
use crate::model_file::ModelFile;
use crate::stdout::outln;

/// Runs `nn evaluate`.
pub fn run(args: EvaluateArgs) -> Result<()> {
    let model = ModelFile::load(&args.model)?;
    let options = nn_data::ApplyOptions {
        unknown: args.read.unknown,
        delimiter: args.read.delimiter,
        max_bytes: crate::limits::budget::max_memory(),
        ..Default::default()
    };
    let applied = crate::inference::apply(&model, &args.data, &options, args.precision)?;
    let (data, out) = (&applied.data, &applied.out);
    crate::inference::report_rows(&applied.report, &args.data);
    let (model_path, data_path) = (args.model.display(), args.data.display());
    let truth = match &data.target {
        Target::Classes { indices, labels } => model_classes(indices, labels, &model, &args.data)?,
        _ => Vec::new(),
    };
    outln!(
        "model {model_path} on {data_path} ({} rows)",
        data.n_samples()
    )?;
    let name = model.target.clone().unwrap_or_default();
    match &data.target {
        Target::Classes { .. } => classification(&model, &truth, out),
        Target::Values(values) => regression(values, out, &args.data),
        Target::None => bail!("{data_path} has no target column {name:?} to evaluate against"),
    }
}

/// The data's class indices as the model's: each data label looked up by name in the model's
/// list (an MNIST folder numbers its own classes); a label the model does not know is an error
/// naming it and its data row.
fn model_classes(
    indices: &[usize],
    data_labels: &[String],
    model: &ModelFile,
    path: &std::path::Path,
) -> Result<Vec<usize>> {
    let known = model
        .labels
        .as_deref()
        .context("the model file has no label list")?;
    let lookup: Vec<Option<usize>> = data_labels
        .iter()
        .map(|l| known.iter().position(|k| k == l))
        .collect();
    let map = |(row, &i): (usize, &usize)| match lookup.get(i).copied().flatten() {
        Some(k) => Ok(k),
        None => bail!(
            "{}: data row {}: unseen label {} (the model knows {})",
            path.display(),
            row + 1,
            nn_data::quoted(data_labels.get(i).map_or("?", String::as_str)),
            nn_data::quoted_list(known)
        ),
    };
    indices.iter().enumerate().map(map).collect()
}

fn classification(model: &ModelFile, truth: &[usize], probs: &Array2<f64>) -> Result<()> {
    let labels = model
        .labels
        .clone()
        .context("the model file has no label list")?;
    let (rows, n) = (truth.len(), labels.len());
    // the targets and the clamped probabilities (rows × outputs each), the confusion matrix
    let bytes = estimate::matrix(rows, probs.ncols(), 16).saturating_add(estimate::matrix(n, n, 8));
    let what = format!("scoring {rows} rows of {n} classes");
    crate::limits::budget::check(bytes, &what, "split the data into smaller files")?;
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

fn regression(
    values: &ndarray::Array1<f64>,
    out: &Array2<f64>,
    path: &std::path::Path,
) -> Result<()> {
    let truth = values.clone().insert_axis(ndarray::Axis(1));
    let s = metrics::regression_scores(truth.view(), out.view());
    let scores = [("MSE", s.mse), ("MAE", s.mae), ("R²", s.r2)];
    if let Some((name, v)) = scores.iter().find(|(_, v)| !v.is_finite()) {
        let largest = values.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
        bail!(
            "{}: the {name} is {v}: it overflows the f64 range (the largest |target| is {largest:e}); scale the target column down",
            path.display()
        );
    }
    outln!("MSE {:.4}  MAE {:.4}  R² {:.4}", s.mse, s.mae, s.r2)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_classes_are_mapped_to_the_model_by_name() {
        let net = nn_core::textbook::network();
        let mut model =
            ModelFile::from_network(&net, nn_core::Loss::CrossEntropy, nn_data::Task::Classify);
        model.labels = Some(vec!["0".into(), "1".into()]);
        let names = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let path = std::path::Path::new("digits");
        // The data's own numbering ["1", "0"] becomes the model's ["0", "1"].
        let truth = model_classes(&[0, 1, 0], &names(&["1", "0"]), &model, path).unwrap();
        assert_eq!(truth, vec![1, 0, 1]);
        let err = model_classes(&[0, 2], &names(&["0", "1", "5"]), &model, path).unwrap_err();
        assert_eq!(
            err.to_string(),
            "digits: data row 2: unseen label \"5\" (the model knows [\"0\", \"1\"])"
        );
    }
}
