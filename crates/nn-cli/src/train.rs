//! `nn train`: load, split, preprocess, train with per-epoch validation, save the model file
//! and (optionally) the curves plot.

use anyhow::{Context, Result};
use serde_json::json;

use nn_data::Task;

use crate::args::{Dtype, TrainArgs};
use crate::fit::{fit, Outcome, Real};
use crate::fsutil::Interrupted;
use crate::history::History;
use crate::model_file::ModelFile;

/// Runs `nn train` (from scratch, or continuing a checkpoint with `--resume`).
pub fn run(args: TrainArgs) -> Result<()> {
    let args = crate::train_checkpoint::resolve(args)?;
    let stdin = args
        .data
        .data
        .as_deref()
        .is_some_and(crate::dataset::is_stdin);
    if stdin && args.checkpoint.is_some() {
        let msg = "--checkpoint needs --data FILE: standard input cannot be read again by --resume";
        return Err(crate::fsutil::usage(msg));
    }
    let (mut model, history, outcome) = match args.run.dtype {
        Dtype::F32 => train_as::<f32>(&args)?,
        Dtype::F64 => train_as::<f64>(&args)?,
    };
    if let (Outcome::Interrupted(msg), Some(_)) = (&outcome, &args.checkpoint) {
        return Err(Interrupted(msg.clone()).into());
    }
    model.training = Some(json!(args));
    model.metrics = final_metrics(&history, model.task);
    model.save(&args.out)?;
    if let Outcome::Interrupted(msg) = outcome {
        return Err(Interrupted(msg).into());
    }
    if let Some(path) = &args.plot {
        crate::history::plot_curves(path, &history, model.task)?;
    }
    report(&args, &model, &history);
    Ok(())
}

/// Loads and prepares the data in `T` (the training type: no copy in another type is made)
/// and trains on it; the model file describes the data.
fn train_as<T: Real>(args: &TrainArgs) -> Result<(ModelFile, History, Outcome)> {
    let data = crate::prepare_train::prepare::<T>(args)?;
    let schedule = crate::builder::schedule(&args.lr, args.run.epochs)?;
    let (mut model, history, outcome) = fit(args, &data, schedule).with_context(|| {
        format!(
            "training on {} (model file {} not written)",
            crate::prepare_train::data_name(args),
            args.out.display()
        )
    })?;
    data.describe(&mut model);
    Ok((model, history, outcome))
}

fn final_metrics(history: &History, task: Task) -> std::collections::BTreeMap<String, f64> {
    let mut m = std::collections::BTreeMap::new();
    if let Some(last) = history.epochs.last() {
        m.insert("train_loss".into(), last.train_loss);
        m.insert("test_loss".into(), last.val_loss);
        let name = if task == Task::Classify {
            "test_accuracy"
        } else {
            "test_r2"
        };
        m.insert(name.into(), last.val_metric);
        m.insert(
            "seconds_per_epoch".into(),
            history.seconds / history.epochs.len() as f64,
        );
    }
    m
}

fn report(args: &TrainArgs, model: &ModelFile, history: &History) {
    let metric = |k: &str| model.metrics.get(k).copied().unwrap_or(f64::NAN);
    let epochs = history.epochs.len();
    match model.task {
        Task::Classify | Task::Auto => println!(
            "test accuracy {:.4} (test loss {:.4}) after {epochs} epochs; model written to {}",
            metric("test_accuracy"),
            metric("test_loss"),
            args.out.display()
        ),
        Task::Regress => println!(
            "test R² {:.4} (test loss {:.4}) after {epochs} epochs; model written to {}",
            metric("test_r2"),
            metric("test_loss"),
            args.out.display()
        ),
    }
    if let (Some(p), false) = (&args.plot, args.quiet) {
        println!("curves written to {}", p.display());
    }
}
