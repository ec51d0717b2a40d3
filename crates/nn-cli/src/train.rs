//! `nn train`: load and split the data (train / validation / test), preprocess, train on
//! nn-optim's epoch driver with per-epoch validation, score the test part once at the end, save
//! the model file and (optionally) the curves plot.

use std::collections::BTreeMap;

use anyhow::{bail, Context, Result};
use nn_data::Task;
use nn_optim::{Stop, Validation};

use crate::args::{Dtype, TrainArgs};
use crate::fit::{fit, AllReduceTime, Real};
use crate::fsutil::Interrupted;
use crate::history::History;
use crate::model_file::ModelFile;
use crate::scoring::Scorer;
use crate::stdout::outln;

/// What a run produced.
struct Trained {
    model: ModelFile,
    history: History,
    stop: Stop,
    /// The optimizer's effective configuration (defaults resolved for the training rows).
    optimizer: nn_optim::OptimizerConfig,
    /// The test part's score (absent when Ctrl-C stopped training).
    test: Option<Validation>,
    /// From the start of the data's preparation to the first epoch.
    seconds_to_first_epoch: f64,
    /// The all-reduces' time, under `mpirun`.
    all_reduce: Option<AllReduceTime>,
}

/// Runs `nn train` (from scratch, or continuing a checkpoint with `--resume`).
pub fn run(args: TrainArgs) -> Result<()> {
    let comm = crate::cluster::join()?;
    let mut args = crate::train_checkpoint::resolve(args)?;
    args.run.check()?;
    check_outputs(&args)?;
    // The model file records the preprocessing actually used, default or not.
    args.data.preprocess = Some(args.data.preprocess_method());
    if comm.size() > 1 {
        crate::cluster::check_same_inputs(&input_files(&args))?;
    }
    if comm.rank() > 0 {
        // Only rank 0 prints and writes files.
        (args.quiet, args.plot, args.checkpoint) = (true, None, None);
    }
    drop(comm);
    if let (Some(data), Some(_)) = (&args.data.data, &args.checkpoint) {
        check_rereadable(data)?;
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
    let mut training = serde_json::to_value(&args)?;
    training["optimizer_config"] = serde_json::to_value(run.optimizer)?;
    run.model.training = Some(training);
    run.model.metrics = final_metrics(&run);
    // The curves and the model file are written next to their places, the report printed, and
    // only then both put in place: a failure in any of them (a full standard output included)
    // replaces neither.
    let curves = match (&args.plot, &interrupted) {
        (Some(path), None) => Some(crate::history::plot_curves(
            path,
            &run.history,
            run.model.task,
        )?),
        _ => None,
    };
    let model = run.model.stage(&args.out)?;
    if let Some(msg) = interrupted {
        model.commit()?;
        return Err(Interrupted(msg).into());
    }
    report(&args, &run)?;
    model.commit()?;
    curves.map_or(Ok(()), crate::fsutil::Staged::commit)
}

/// `--checkpoint` reads `--data` again (its fingerprint, and `--resume` later): standard input,
/// a pipe or a device cannot be (a FIFO read twice waits forever for a second writer).
fn check_rereadable(data: &std::path::Path) -> Result<()> {
    if crate::dataset::is_stdin(data) {
        let msg = "--checkpoint needs --data FILE: standard input cannot be read again by --resume";
        return Err(crate::fsutil::usage(msg));
    }
    if nn_optim::checkpoint::is_special_file(data) {
        return Err(crate::fsutil::usage(format!(
            "--checkpoint needs --data FILE: {} is a pipe or device, which cannot be read again by --resume",
            data.display()
        )));
    }
    Ok(())
}

/// The input files of a run, which every rank reads itself (compared across ranks before any
/// work). The `--resume` checkpoint is not among them: rank 0 reads it and sends it to the
/// others.
fn input_files(args: &TrainArgs) -> [(&'static str, Option<&std::path::Path>); 4] {
    [
        ("--data", args.data.data.as_deref()),
        ("--test", args.test.test.as_deref()),
        ("--val", args.val.val.as_deref()),
        ("--init", args.init.as_deref()),
    ]
}

/// The outputs (`--out`, `--plot`, `--checkpoint DIR/checkpoint.json`) checked against each
/// other and the inputs (`--data`, `--test`, `--val`, `--init`, `--resume DIR/checkpoint.json`)
/// before any work; continuing the resumed folder is the one allowed overlap.
fn check_outputs(args: &TrainArgs) -> Result<()> {
    use crate::train_checkpoint::{file, FILE_NAME};
    let resumed = args.resume.as_deref().map(file);
    let data = args.data.data.as_deref().filter(|d| !d.is_dir());
    crate::outputs::Outputs::new()
        .input("--data", data)
        .input("--test", args.test.test.as_deref())
        .input("--val", args.val.val.as_deref())
        .input("--init", args.init.as_deref())
        .input("--resume", resumed.as_deref())
        .file("--out", Some(&args.out))
        .plot("--plot", args.plot.as_deref())
        .folder("--checkpoint", args.checkpoint.as_deref(), FILE_NAME)
        .allow("--checkpoint", "--resume")
        .check()
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
    let fitted = fit(args, &data, schedule).with_context(context)?;
    let (mut state, stop) = (fitted.state, fitted.stop);
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
        seconds_to_first_epoch: fitted.seconds_to_first_epoch,
        all_reduce: fitted.all_reduce,
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

/// The model file's `metrics`: final losses, the test metric, epochs and timing (seconds per
/// epoch, seconds to the first epoch; under `mpirun`, rank 0's seconds in the all-reduces and
/// their share of its training time).
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
    m.insert("seconds_to_first_epoch".into(), run.seconds_to_first_epoch);
    if let Some(all_reduce) = run.all_reduce {
        m.insert("all_reduce_seconds".into(), all_reduce.seconds);
        m.insert("all_reduce_share".into(), all_reduce.share());
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

fn report(args: &TrainArgs, run: &Trained) -> Result<()> {
    let epochs = run.history.epochs.len();
    if let Stop::EarlyStopped {
        best_epoch,
        best_loss,
        patience,
    } = run.stop
    {
        let delta = args.run.min_delta;
        outln!(
            "early stopping after epoch {epochs}: val_loss did not improve by more than {delta} for {patience} epochs; restored the weights of epoch {} (val_loss {best_loss:.4})",
            best_epoch + 1
        )?;
    }
    if let Some(test) = run.test {
        let (metric, value) = match run.model.task {
            Task::Regress => ("R²", test.metric.unwrap_or(f64::NAN)),
            _ => ("accuracy", test.metric.unwrap_or(f64::NAN)),
        };
        outln!(
            "test {metric} {value:.4} (test loss {:.4}) after {epochs} epochs; model written to {}",
            test.loss,
            args.out.display()
        )?;
    }
    if let (Some(p), false) = (&args.plot, args.quiet) {
        outln!("curves written to {}", p.display())?;
    }
    if let (Some(a), false) = (run.all_reduce, args.quiet) {
        outln!("{}", a.line())?;
    }
    Ok(())
}
