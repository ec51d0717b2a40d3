//! `nn cv`: K-fold cross-validation (optionally repeated). Each fold trains a fresh network with
//! `nn train`'s flags on the other folds (with its own validation split) and scores its own
//! rows; the result is each fold's figure and their mean ± std — an accuracy estimate that does
//! not hang on one lucky split. Started by `mpirun`/`srun`, each fold trains data-parallel.

use std::fmt::Write as _;

use anyhow::{Context, Result};
use nn_data::Task;

use crate::args::Dtype;
use crate::args::{CvArgs, TestArgs, TrainArgs};
use crate::fit::{fit, AllReduceTime, Real};
use crate::prepare_train::{from_parts, load};
use crate::scoring::Scorer;
use crate::stdout::outln;

/// One fold's result.
struct Fold {
    repeat: u32,
    fold: usize,
    train_rows: usize,
    test_rows: usize,
    loss: f64,
    metric: f64,
    /// The fold's all-reduces, under `mpirun`.
    all_reduce: Option<AllReduceTime>,
}

/// Runs `nn cv`. Under `mpirun` every fold trains data-parallel, as `nn train` does, and only
/// rank 0 prints and writes.
pub fn run(args: CvArgs) -> Result<()> {
    let comm = crate::cluster::join()?;
    crate::outputs::Outputs::new()
        .input("--data", args.data.data.as_deref())
        .input("--val", args.val.val.as_deref())
        .file("--out", args.out.as_deref())
        .check()?;
    args.run.check()?;
    if comm.size() > 1 {
        crate::cluster::check_same_inputs(&[
            ("--data", args.data.data.as_deref()),
            ("--val", args.val.val.as_deref()),
        ])?;
    }
    drop(comm);
    let train_args = as_train_args(&args);
    let (results, task) = match train_args.run.dtype {
        Dtype::F32 => folds_as::<f32>(&args, &train_args)?,
        Dtype::F64 => folds_as::<f64>(&args, &train_args)?,
    };
    if !crate::cluster::is_root() {
        return Ok(());
    }
    summary(&results, task)?;
    if let Some(path) = &args.out {
        let staged = crate::fsutil::stage_bytes(path, fold_csv(&results, task).as_bytes())?;
        outln!("per-fold figures written to {}", path.display())?;
        staged.commit()?;
    }
    Ok(())
}

/// Every fold of every repeat, trained and scored in the float type `T` (`--dtype`).
fn folds_as<T: Real>(args: &CvArgs, train_args: &TrainArgs) -> Result<(Vec<Fold>, Task)> {
    let loaded = load::<T>(train_args)?;
    let (data, schema) = (loaded.data, loaded.schema);
    let mut results = Vec::new();
    for repeat in 0..args.repeats {
        let seed = args.run.seed.wrapping_add(u64::from(repeat));
        let folds = nn_data::k_fold(&data, args.folds as usize, seed)?;
        for (k, test_rows) in folds.iter().enumerate() {
            let train_rows: Vec<usize> = (0..data.n_samples())
                .filter(|i| test_rows.binary_search(i).is_err())
                .collect();
            let (train, test) = (data.select(&train_rows), data.select(test_rows));
            let fold = run_fold(train_args, train, test, schema.clone())
                .with_context(|| format!("fold {} of repeat {}", k + 1, repeat + 1))?;
            let result = Fold {
                repeat,
                fold: k,
                train_rows: train_rows.len(),
                test_rows: test_rows.len(),
                loss: fold.0,
                metric: fold.1,
                all_reduce: fold.3,
            };
            print_fold(&result, fold.2)?;
            results.push(result);
        }
    }
    Ok((results, crate::prepare_train::task_of(&data)))
}

/// Trains on `train` and scores `test`: (test loss, metric, task, the all-reduces' time).
fn run_fold<T: Real>(
    args: &TrainArgs,
    train: nn_data::Dataset<T>,
    test: nn_data::Dataset<T>,
    schema: Option<nn_data::CsvSchema>,
) -> Result<(f64, f64, Task, Option<AllReduceTime>)> {
    let data = from_parts(args, train, test, schema)?;
    let schedule = crate::builder::schedule(&args.lr, args.run.epochs)?;
    let fitted = fit(args, &data, schedule)?;
    let (mut state, stop, all_reduce) = (fitted.state, fitted.stop, fitted.all_reduce);
    if let nn_optim::Stop::Interrupted { epoch, steps } = stop {
        // A part-trained fold's figure would pass for a real one (and every later fold would
        // stop at once): nothing is reported or written.
        let msg = format!(
            "Ctrl-C in epoch {} after {steps} batch(es); no figures written",
            epoch + 1
        );
        return Err(crate::fsutil::Interrupted(msg).into());
    }
    let scorer = Scorer {
        part: &data.test,
        loss: data.loss,
        task: data.task,
    };
    let score = scorer.score(&mut state.network)?;
    Ok((
        score.loss,
        score.metric.unwrap_or(f64::NAN),
        data.task,
        all_reduce,
    ))
}

fn metric_name(task: Task) -> &'static str {
    match task {
        Task::Regress => "R²",
        _ => "accuracy",
    }
}

/// Prints one fold's figures (on rank 0 only, under `mpirun`).
fn print_fold(f: &Fold, task: Task) -> Result<()> {
    if !crate::cluster::is_root() {
        return Ok(());
    }
    outln!(
        "repeat {} fold {}: {} {:.4} (loss {:.4}; {} train, {} test rows)",
        f.repeat + 1,
        f.fold + 1,
        metric_name(task),
        f.metric,
        f.loss,
        f.train_rows,
        f.test_rows
    )
}

/// Mean and population standard deviation (numpy's `std`).
fn mean_std(values: &[f64]) -> (f64, f64) {
    let n = values.len().max(1) as f64;
    let mean = values.iter().sum::<f64>() / n;
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
    (mean, var.sqrt())
}

fn summary(results: &[Fold], task: Task) -> Result<()> {
    let metrics: Vec<f64> = results.iter().map(|f| f.metric).collect();
    let (mean, std) = mean_std(&metrics);
    outln!(
        "mean {} {mean:.4} ± {std:.4} over {} folds",
        metric_name(task),
        results.len()
    )?;
    let times: Vec<AllReduceTime> = results.iter().filter_map(|f| f.all_reduce).collect();
    if let Some(first) = times.first() {
        let total = AllReduceTime {
            seconds: times.iter().map(|t| t.seconds).sum(),
            training_seconds: times.iter().map(|t| t.training_seconds).sum(),
            processes: first.processes,
        };
        outln!("{}", total.line())?;
    }
    Ok(())
}

fn fold_csv(results: &[Fold], task: Task) -> String {
    let metric = match task {
        Task::Regress => "test_r2",
        _ => "test_accuracy",
    };
    let mut s = format!("repeat,fold,train_rows,test_rows,test_loss,{metric}\n");
    for f in results {
        let _ = writeln!(
            s,
            "{},{},{},{},{},{}",
            f.repeat + 1,
            f.fold + 1,
            f.train_rows,
            f.test_rows,
            f.loss,
            f.metric
        );
    }
    s
}

/// `nn train`'s flags for every fold (quiet, no checkpoints; the test part is the fold).
fn as_train_args(a: &CvArgs) -> TrainArgs {
    TrainArgs {
        data: a.data.clone(),
        test: TestArgs {
            test: None,
            test_split: 0.2,
        },
        val: a.val.clone(),
        net: a.net.clone(),
        optim: a.optim.clone(),
        lr: a.lr.clone(),
        run: a.run.clone(),
        init: None,
        checkpoint: None,
        checkpoint_every: 1,
        resume: None,
        explicit: Vec::new(),
        out: std::path::PathBuf::new(),
        plot: None,
        quiet: true,
        deterministic_reduce: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numpy_mean_and_std() {
        // mean 0.9, population variance ((0.1)² + 0 + (0.1)²)/3 = 0.02/3, std 0.0816497
        let (m, s) = mean_std(&[0.8, 0.9, 1.0]);
        assert!((m - 0.9).abs() < 1e-12 && (s - (0.02_f64 / 3.0).sqrt()).abs() < 1e-12);
    }
}
