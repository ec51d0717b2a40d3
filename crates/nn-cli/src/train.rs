//! `nn train`: load and split the data (train / validation / test), preprocess, train on
//! nn-optim's epoch driver with per-epoch validation, score the test part once at the end, save
//! the model file and (optionally) the curves plot.

use std::collections::BTreeMap;

use anyhow::{bail, Context, Result};
use nn_data::Task;
use nn_optim::{Stop, Validation};
use serde_json::json;

use crate::args::{Dtype, TrainArgs};
use crate::fit::{fit, Real};
use crate::fsutil::Interrupted;
use crate::history::History;
use crate::model_file::ModelFile;
use crate::scoring::Scorer;

/// What a run produced.
struct Trained {
    model: ModelFile,
    history: History,
    stop: Stop,
    /// The optimizer's effective configuration (defaults resolved for the training rows).
    optimizer: nn_optim::OptimizerConfig,
    /// The test part's score (absent when Ctrl-C stopped training).
    test: Option<Validation>,
}

/// Runs `nn train` (from scratch, or continuing a checkpoint with `--resume`).
pub fn run(args: TrainArgs) -> Result<()> {
    let comm = crate::cluster::join()?;
    let mut args = crate::train_checkpoint::resolve(args)?;
    if args.run.dtype == Dtype::F64 && args.run.precision == crate::args::PrecisionArg::Bf16 {
        return Err(crate::fsutil::usage("--precision bf16 needs --dtype f32"));
    }
    refuse_overwriting_inputs(&args)?;
    // The model file records the preprocessing actually used, default or not.
    args.data.preprocess = Some(args.data.preprocess_method());
    if comm.size() > 1 {
        if let Some(data) = &args.data.data {
            let identity = crate::train_checkpoint::data_identity(data)?;
            crate::cluster::check_same_data(data, &identity)?;
        }
    }
    if comm.rank() > 0 {
        // Only rank 0 prints and writes files.
        (args.quiet, args.plot, args.checkpoint) = (true, None, None);
    }
    drop(comm);
    let stdin = args
        .data
        .data
        .as_deref()
        .is_some_and(crate::dataset::is_stdin);
    if stdin && args.checkpoint.is_some() {
        let msg = "--checkpoint needs --data FILE: standard input cannot be read again by --resume";
        return Err(crate::fsutil::usage(msg));
    }
    let mut run = match args.run.dtype {
        Dtype::F32 => train_as::<f32>(&args)?,
        Dtype::F64 => train_as::<f64>(&args)?,
    };
    let interrupted = interruption(&args, &run);
    if let (Some(msg), Some(_)) = (&interrupted, &args.checkpoint) {
        return Err(Interrupted(msg.clone()).into());
    }
    if !crate::cluster::is_root() {
        return interrupted.map_or(Ok(()), |msg| Err(Interrupted(msg).into()));
    }
    let mut training = json!(args);
    training["optimizer_config"] = json!(run.optimizer);
    run.model.training = Some(training);
    run.model.metrics = final_metrics(&run);
    run.model.save(&args.out)?;
    if let Some(msg) = interrupted {
        return Err(Interrupted(msg).into());
    }
    if let Some(path) = &args.plot {
        crate::history::plot_curves(path, &run.history, run.model.task)?;
    }
    report(&args, &run);
    Ok(())
}

/// `--out` or `--plot` naming an input file (`--data`, `--test`, `--val`, `--init`) is a usage
/// error, found before any work.
fn refuse_overwriting_inputs(args: &TrainArgs) -> Result<()> {
    let inputs = [
        ("--data", &args.data.data),
        ("--test", &args.test.test),
        ("--val", &args.val.val),
        ("--init", &args.init),
    ];
    let outputs = [("--out", Some(&args.out)), ("--plot", args.plot.as_ref())];
    for (out_flag, out) in outputs {
        for (in_flag, input) in &inputs {
            if let (Some(out), Some(input)) = (out, input) {
                if crate::fsutil::same_file(out, input) {
                    return Err(crate::fsutil::usage(format!(
                        "{out_flag} {} is the {in_flag} file: it would be overwritten; choose another name",
                        out.display()
                    )));
                }
            }
        }
    }
    Ok(())
}

/// Loads and prepares the data in `T` (the training type: no copy in another type is made),
/// trains on it and scores the test part; the model file describes the data.
fn train_as<T: Real>(args: &TrainArgs) -> Result<Trained> {
    let data = crate::prepare_train::prepare::<T>(args)?;
    let schedule = crate::builder::schedule(&args.lr, args.run.epochs)?;
    let context = || {
        let (data, out) = (crate::prepare_train::data_name(args), args.out.display());
        format!("training on {data} (model file {out} not written)")
    };
    let (mut state, stop) = fit(args, &data, schedule).with_context(context)?;
    let test = match stop {
        Stop::Interrupted { .. } => None,
        _ => Some(test_score(&data, &mut state.network).with_context(context)?),
    };
    let mut model = ModelFile::from_network(&state.network, data.loss, data.task);
    data.describe(&mut model);
    let history = History::from_reports(&state.history);
    let optimizer = crate::builder::optimizer_config(&args.optim, data.train.0.nrows());
    Ok(Trained {
        model,
        history,
        stop,
        optimizer,
        test,
    })
}

/// The trained network's loss and metric on the test part; a non-finite loss is an error.
fn test_score<T: Real>(
    data: &crate::prepare_train::TrainData<T>,
    net: &mut nn_core::Network<T>,
) -> Result<Validation> {
    let (loss, task) = (data.loss, data.task);
    let score = Scorer {
        part: &data.test,
        loss,
        task,
    }
    .score(net)?;
    if !score.loss.is_finite() {
        bail!(
            "the trained network's test loss is not finite ({})",
            score.loss
        );
    }
    Ok(score)
}

/// The Ctrl-C message, when training was interrupted.
fn interruption(args: &TrainArgs, run: &Trained) -> Option<String> {
    let Stop::Interrupted { epoch, steps } = run.stop else {
        return None;
    };
    let head = format!("Ctrl-C in epoch {} after {steps} batch(es)", epoch + 1);
    Some(match &args.checkpoint {
        Some(dir) => {
            let (done, dir) = (run.history.epochs.len(), dir.display());
            format!("{head}; checkpoint after {done} finished epoch(s) saved in {dir}; continue with: nn train --resume {dir}")
        }
        None => format!(
            "{head}; model trained so far written to {}",
            args.out.display()
        ),
    })
}

/// The model file's `metrics`: final losses, the test metric, epochs and timing.
fn final_metrics(run: &Trained) -> BTreeMap<String, f64> {
    let mut m = BTreeMap::new();
    let epochs = &run.history.epochs;
    if let Some(last) = epochs.last() {
        m.insert("train_loss".into(), last.train_loss);
        m.insert("epochs".into(), epochs.len() as f64);
        m.insert(
            "seconds_per_epoch".into(),
            run.history.seconds / epochs.len() as f64,
        );
    }
    if let Some(v) = epochs.last().and_then(|l| l.val_loss) {
        m.insert("val_loss".into(), v);
    }
    if let Stop::EarlyStopped {
        best_epoch,
        best_loss,
        ..
    } = run.stop
    {
        m.insert("best_epoch".into(), (best_epoch + 1) as f64);
        m.insert("val_loss".into(), best_loss);
    }
    if let Some(test) = run.test {
        m.insert("test_loss".into(), test.loss);
        let name = match run.model.task {
            Task::Regress => "test_r2",
            _ => "test_accuracy",
        };
        m.insert(name.into(), test.metric.unwrap_or(f64::NAN));
    }
    m
}

fn report(args: &TrainArgs, run: &Trained) {
    let epochs = run.history.epochs.len();
    if let Stop::EarlyStopped {
        best_epoch,
        best_loss,
        patience,
    } = run.stop
    {
        let delta = args.run.min_delta;
        println!(
            "early stopping after epoch {epochs}: val_loss did not improve by more than {delta} for {patience} epochs; restored the weights of epoch {} (val_loss {best_loss:.4})",
            best_epoch + 1
        );
    }
    if let Some(test) = run.test {
        let (metric, value) = match run.model.task {
            Task::Regress => ("R²", test.metric.unwrap_or(f64::NAN)),
            _ => ("accuracy", test.metric.unwrap_or(f64::NAN)),
        };
        println!(
            "test {metric} {value:.4} (test loss {:.4}) after {epochs} epochs; model written to {}",
            test.loss,
            args.out.display()
        );
    }
    if let (Some(p), false) = (&args.plot, args.quiet) {
        println!("curves written to {}", p.display());
    }
}
