//! `nn train`'s run on nn-optim's epoch driver: builds the [`TrainState`] (or restores it with
//! `--resume`), arms divergence and Ctrl-C, validates every epoch on the validation part,
//! reports progress and checkpoints; the loop itself is nn-optim's.

use std::ops::ControlFlow;
use std::path::Path;

use anyhow::{ensure, Result};
use nn_core::{Activation, Network};
use nn_optim::dist::{broadcast_params, DataParallel, Reduction};
use nn_optim::{
    Checkpoint, CheckpointPolicy, EarlyStopping, EpochReport, FitOptions, OptimError, Schedule,
    Stop, TrainState, Trainer,
};
use nn_tensor::s;
use nn_tensor::Float;

use crate::args::TrainArgs;
use crate::fsutil::usage;
use crate::prepare_train::TrainData;
use crate::progress::{EpochLine, Progress};
use crate::scoring::Scorer;
use crate::train_checkpoint as checkpoint;

/// A float type the network can be trained and checkpointed in (`f32`, `f64`).
pub trait Real: Float + serde::Serialize + serde::de::DeserializeOwned {}
impl<T: Float + serde::Serialize + serde::de::DeserializeOwned> Real for T {}

/// What [`fit`] returns.
pub struct Fitted<T> {
    /// The final state (network, optimizer, history).
    pub state: TrainState<T>,
    /// How training stopped.
    pub stop: Stop,
    /// Seconds from the start of the data's preparation to the start of the first epoch:
    /// reading, splitting and preprocessing the data, building the network.
    pub seconds_to_first_epoch: f64,
    /// The gradient all-reduces' share of this run's training, under `mpirun`.
    pub all_reduce: Option<AllReduceTime>,
}

/// What the all-reduces of a data-parallel run cost this process.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AllReduceTime {
    /// Seconds in the all-reduces, waiting for the slowest rank included.
    pub seconds: f64,
    /// Seconds of the epochs this run trained (a resumed run's earlier epochs not included).
    pub training_seconds: f64,
    /// Processes in the job.
    pub processes: usize,
}

impl AllReduceTime {
    /// The all-reduces' fraction of the training time.
    pub fn share(&self) -> f64 {
        self.seconds / self.training_seconds.max(f64::MIN_POSITIVE)
    }

    /// The line `nn train` and `nn cv` print at the end of a data-parallel run.
    pub fn line(&self) -> String {
        format!(
            "all-reduce: {:.3} s, {:.1}% of rank 0's training time ({} processes)",
            self.seconds,
            100.0 * self.share(),
            self.processes
        )
    }
}

/// Trains a network on `data` in its float type `T` (from scratch, or from `--resume DIR`);
/// returns the final state, how training stopped and the time to the first epoch.
pub fn fit<T: Real>(
    args: &TrainArgs,
    data: &TrainData<T>,
    schedule: Schedule,
) -> Result<Fitted<T>> {
    check_validation(args, data, &schedule)?;
    let (mut state, initial_loss) = match &args.resume {
        Some(dir) => restore(args, dir, fresh(args, data, schedule)?)?,
        None => fresh(args, data, schedule)?,
    };
    let precision = args.run.precision.precision();
    state
        .network
        .set_precision(precision)
        .map_err(|e| usage(e.to_string()))?;
    arm(&mut state.trainer, args, initial_loss)?;
    let mut parallel = data_parallel(args)?;
    if let Some(dp) = &parallel {
        broadcast_params(dp.comm(), &mut state.network);
    }
    let progress = Progress::new(args.run.epochs, args.quiet);
    let metric = crate::history::metric_name(data.task);
    // A progress line that cannot be written (standard output full) stops the run; a closed
    // one is dropped (`crate::stdout`).
    let mut printing = Ok(());
    let mut on_epoch = |r: &EpochReport| match progress.epoch(&EpochLine::from(r), metric) {
        Ok(()) => ControlFlow::Continue(()),
        Err(e) => {
            printing = Err(e);
            ControlFlow::Break(())
        }
    };
    let mut validator = data.val.as_ref().map(|part| Scorer {
        part,
        loss: data.loss,
        task: data.task,
    });
    // Removed again if the run fails before its first checkpoint; a second Ctrl-C in the middle
    // of a checkpoint's write removes its temporary file.
    let _folder = args
        .checkpoint
        .as_deref()
        .map(crate::fsutil::create_folder)
        .transpose()?;
    let _checkpoint_temp = args.checkpoint.as_deref().map(|dir| {
        let file = checkpoint::file(dir);
        crate::fsutil::watch(&nn_optim::checkpoint::temp_path(&file))
    });
    let mut options = FitOptions::new(args.run.epochs)
        .clip_grad_norm(args.optim.clip_grad_norm)
        .checkpoint(policy(args, initial_loss)?)
        .on_epoch(&mut on_epoch);
    if let Some(v) = validator.as_mut() {
        options = options.validate_with(v);
    }
    if let Some(dp) = parallel.as_mut() {
        options = options.gradient_hook(dp);
    }
    let (x, y) = (data.train.0.view(), data.train.1.view());
    let earlier_epochs = state.history.len();
    let seconds_to_first_epoch = data.started.elapsed().as_secs_f64();
    progress.ready(&rows(data), seconds_to_first_epoch)?;
    let stop = state
        .fit(data.loss, x, y, options)
        .map_err(diverged_message)?;
    progress.finish();
    printing?;
    let all_reduce = parallel.map(|dp| AllReduceTime {
        seconds: dp.reduce_seconds(),
        training_seconds: state.history[earlier_epochs..]
            .iter()
            .map(|e| e.seconds)
            .sum(),
        processes: dp.comm().size(),
    });
    Ok(Fitted {
        state,
        stop,
        seconds_to_first_epoch,
        all_reduce,
    })
}

/// The row counts of the parts, e.g. `[("train", 54000), ("val", 6000), ("test", 10000)]`.
fn rows<T>(data: &TrainData<T>) -> Vec<(&'static str, usize)> {
    let val = data.val.as_ref().map(|(x, _)| ("val", x.nrows()));
    let (train, test) = (
        ("train", data.train.0.nrows()),
        ("test", data.test.0.nrows()),
    );
    [Some(train), val, Some(test)]
        .into_iter()
        .flatten()
        .collect()
}

/// The gradient all-reduce of a run under `mpirun` (several ranks) or with
/// `--deterministic-reduce`; `None` for the ordinary single-process run.
fn data_parallel<T: Float>(args: &TrainArgs) -> Result<Option<DataParallel<T>>> {
    let comm = crate::cluster::group();
    let reduction = match args.deterministic_reduce {
        Some(shards) => Reduction::Exact {
            shards: shards as usize,
        },
        None if comm.size() > 1 => Reduction::Average,
        None => return Ok(None),
    };
    let dp = DataParallel::new(comm, reduction).map_err(|e| usage(e.to_string()))?;
    Ok(Some(dp))
}

/// The optimizer of the flags with no weight decay where `--weight-decay` is not given: what a
/// checkpoint written before sgd's default decay (5/n since 2026-12-05; 0 before) holds. Such
/// a checkpoint resumes with its own optimizer, as it was trained.
fn undecayed(args: &TrainArgs) -> nn_optim::OptimizerConfig {
    let mut flags = args.optim.clone();
    flags.weight_decay = Some(flags.weight_decay.unwrap_or(0.0));
    crate::builder::optimizer_config(&flags, 0)
}

/// Plateau schedules and early stopping watch the validation loss: they need a validation part.
fn check_validation<T>(args: &TrainArgs, data: &TrainData<T>, schedule: &Schedule) -> Result<()> {
    if data.val.is_some() {
        return Ok(());
    }
    ensure!(
        !schedule.needs_metric(),
        usage("--schedule plateau watches the validation loss: it needs --val-split > 0 or --val FILE")
    );
    ensure!(
        args.run.early_stopping.is_none(),
        usage(
            "--early-stopping watches the validation loss: it needs --val-split > 0 or --val FILE"
        )
    );
    Ok(())
}

/// A new run's state and the untrained network's loss (the divergence reference).
fn fresh<T: Real>(
    args: &TrainArgs,
    data: &TrainData<T>,
    schedule: Schedule,
) -> Result<(TrainState<T>, f64)> {
    let (n_in, n_out) = (data.train.0.ncols(), data.n_out());
    let (identity, seed) = (Activation::Identity, args.run.seed);
    let mut net = match &args.init {
        Some(path) => initial_network(path, n_in, n_out)?,
        None => crate::builder::network::<T>(&args.net, n_in, n_out, identity, seed)?,
    };
    let (batch, n) = (args.run.batch_size, data.train.0.nrows());
    crate::builder::check_training_memory::<T>(&net.sizes(), &args.optim, batch, n)?;
    let optimizer = crate::builder::optimizer(&args.optim, n)?;
    let initial_loss = untrained_loss(&mut net, data)?;
    let mut trainer = Trainer::new(args.run.batch_size, args.run.seed);
    if let Some(spec) = &args.run.class_weight {
        trainer = trainer.with_class_weights(class_weights(spec, data)?);
    }
    let mut state = TrainState::new(net, optimizer, schedule, trainer);
    if let Some(patience) = args.run.early_stopping {
        let early = EarlyStopping::new(patience as usize, args.run.min_delta)
            .map_err(|e| usage(e.to_string()))?;
        state = state.with_early_stopping(early);
    }
    Ok((state, initial_loss))
}

/// `--init MODEL`'s network (its columns and classes were checked with the data).
fn initial_network<T: Float>(path: &Path, n_in: usize, n_out: usize) -> Result<Network<T>> {
    let net = crate::model_file::ModelFile::load(path)?.network::<T>()?;
    ensure!(
        (net.n_in(), net.n_out()) == (n_in, n_out),
        "--init {}: the model has {} inputs and {} outputs, the data needs {n_in} and {n_out}",
        path.display(),
        net.n_in(),
        net.n_out()
    );
    Ok(net)
}

/// `--class-weight` for the training part's classes.
fn class_weights<T: Float>(spec: &str, data: &TrainData<T>) -> Result<Vec<f64>> {
    let Some(labels) = &data.labels else {
        return Err(usage("--class-weight needs a classification target"));
    };
    let y = data.train.1.mapv(|v| v.to_f64());
    let mut counts = vec![0; labels.len()];
    crate::metrics::classes(y.view())
        .into_iter()
        .for_each(|c| counts[c] += 1);
    crate::builder::class_weights(spec, labels, &counts)
}

/// The untrained network's loss on (at most) the first 1024 training rows: the reference for
/// `--divergence-factor`.
fn untrained_loss<T: Float>(net: &mut Network<T>, data: &TrainData<T>) -> Result<f64> {
    let (x, y) = &data.train;
    let n = x.nrows().min(1024);
    let (x, y) = (x.slice(s![..n, ..]), y.slice(s![..n, ..]));
    Ok(data.loss.value(net.forward(x)?, y)?)
}

/// Continues from `DIR/checkpoint.json`, after checking that its state agrees with its saved
/// flags (network sizes, optimizer, batch size, schedule). The schedule is rebuilt for the
/// (possibly new) `--epochs` and fed the recorded validation losses again, which reproduces
/// reduce-on-plateau's state exactly: with `--epochs` unchanged it must equal the saved one.
fn restore<T: Real>(
    args: &TrainArgs,
    dir: &Path,
    (fresh, _): (TrainState<T>, f64),
) -> Result<(TrainState<T>, f64)> {
    let path = checkpoint::file(dir);
    let ck = Checkpoint::<T>::from_bytes(&path, &crate::cluster::read_file(&path)?)?;
    let extra: checkpoint::Extra = serde_json::from_value(ck.extra)?;
    let mut state = ck.state;
    let (saved, wanted) = (state.network.sizes(), fresh.network.sizes());
    ensure!(
        saved == wanted,
        "{}: the checkpoint's network {saved:?} does not fit the data ({wanted:?})",
        dir.display()
    );
    let (have, want) = (state.optimizer.config(), fresh.optimizer.config());
    ensure!(
        have == want || have == undecayed(args),
        "{}: the checkpoint's optimizer {have:?} is not the one its saved flags give ({want:?})",
        dir.display()
    );
    let (reports, epoch) = (state.history.len(), state.trainer.epoch());
    ensure!(
        reports == epoch,
        "{}: the checkpoint has {reports} epoch report(s) but its trainer finished {epoch} epochs",
        dir.display()
    );
    let (have, want) = (state.trainer.batch_size(), fresh.trainer.batch_size());
    ensure!(
        have == want,
        "{}: the checkpoint's batch size {have} is not its saved --batch-size {want}",
        dir.display()
    );
    let mut schedule = fresh.schedule;
    for r in &state.history {
        schedule.observe(r.val_loss.unwrap_or(r.train_loss));
    }
    // Unchanged --epochs: the saved schedule must be the one its flags and history give.
    ensure!(
        extra.args.run.epochs != args.run.epochs
            || serde_json::to_value(&schedule)? == serde_json::to_value(&state.schedule)?,
        "{}: the checkpoint's schedule state is not the one its saved flags and history give",
        dir.display()
    );
    state.schedule = schedule;
    Ok((state, extra.initial_loss))
}

/// Sets the divergence bound and the Ctrl-C flag on the trainer.
fn arm(trainer: &mut Trainer, args: &TrainArgs, initial_loss: f64) -> Result<()> {
    let mut armed = trainer.clone().with_stop_flag(crate::interrupt::flag());
    let bound = args.run.divergence_factor * initial_loss;
    if bound.is_finite() && bound > 0.0 {
        armed = armed.with_loss_bound(bound);
    }
    *trainer = armed;
    Ok(())
}

/// `--checkpoint DIR`: where, how often, and the CLI's part of the file (the folder is made by
/// [`fit`]).
fn policy(args: &TrainArgs, initial_loss: f64) -> Result<Option<CheckpointPolicy>> {
    let Some(dir) = &args.checkpoint else {
        return Ok(None);
    };
    let data = match &args.data.data {
        Some(path) => checkpoint::fingerprint(path)?,
        None => None,
    };
    let extra = checkpoint::Extra {
        args: args.clone(),
        initial_loss,
        data,
    };
    Ok(Some(CheckpointPolicy {
        path: checkpoint::file(dir),
        every: args.checkpoint_every as usize,
        extra: serde_json::to_value(extra)?,
    }))
}

/// Rewrites the trainer's divergence error with 1-based epoch and batch numbers.
fn diverged_message(err: OptimError) -> anyhow::Error {
    match err {
        OptimError::Diverged {
            epoch,
            step,
            last_finite_loss,
            loss,
            bound,
        } => {
            let last = last_finite_loss.map_or("none".into(), |v| format!("{v:.6}"));
            let what = match bound {
                Some(b) if loss.is_finite() => format!(
                    "the loss {loss:.6e} exceeds the bound {b:.6e} (--divergence-factor × the \
                     untrained loss)"
                ),
                _ => format!("the loss is not finite ({loss})"),
            };
            anyhow::anyhow!(
                "training diverged in epoch {}, batch {}: {what} (last finite loss: {last}); \
                 try a lower learning rate",
                epoch + 1,
                step + 1
            )
        }
        OptimError::ValidationDiverged { epoch, .. } => anyhow::anyhow!(
            "training diverged at epoch {}: the validation loss is not finite; try a lower learning rate",
            epoch + 1
        ),
        other => other.into(),
    }
}
