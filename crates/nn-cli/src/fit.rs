//! The training loop of `nn train`, generic over the float type: one seeded [`Trainer`] epoch
//! at a time, then validation, the schedule's step, and a progress report.

use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{bail, ensure, Result};
use ndarray::{s, Array2, ArrayView2};
use nn_core::{Activation, Network};
use nn_optim::dist::{broadcast_params, DataParallel, Reduction};
use nn_optim::{
    Checkpoint, ClipGradNorm, LrSchedule, OptimError, Optimizer, Schedule, Sgd, SgdConfig, Trainer,
};
use nn_tensor::Float;

use crate::model_file::{ModelFile, Task};
use crate::plot::{Lines, Row, Series};
use crate::prepare_train::TrainData;
use crate::progress::{EpochLine, Progress};
use crate::train::TrainArgs;
use crate::train_checkpoint as checkpoint;

/// Per-epoch numbers of one run.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct History {
    /// One line per epoch.
    pub epochs: Vec<EpochLine>,
    /// Total training seconds (validation included).
    pub seconds: f64,
}

/// A float type the network can be trained and checkpointed in (`f32`, `f64`).
pub trait Real: Float + serde::Serialize + serde::de::DeserializeOwned {}
impl<T: Float + serde::Serialize + serde::de::DeserializeOwned> Real for T {}

/// How a run ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// All epochs ran.
    Finished,
    /// Ctrl-C stopped it; the message says what was saved.
    Interrupted(String),
}

/// Trains a network on `data` in its float type `T` (from scratch, or from `--resume DIR`).
pub fn fit<T: Real>(
    args: &TrainArgs,
    data: &TrainData<T>,
    schedule: Schedule,
) -> Result<(ModelFile, History, Outcome)> {
    let mut run = Run::<T>::new(args, data, schedule)?;
    if let Some(dir) = &args.resume {
        run.restore(args, dir)?;
    }
    run.parallel = data_parallel(args)?;
    if let Some(dp) = &run.parallel {
        broadcast_params(dp.comm(), &mut run.state.net);
    }
    run.arm(args, crate::interrupt::flag()?);
    let progress = Progress::new(args.epochs, args.quiet);
    let outcome = run.epochs(args, &progress)?;
    progress.finish();
    let model = ModelFile::from_network(&run.state.net, data.loss, data.task);
    Ok((model, run.state.history, outcome))
}

/// The gradient combiner of a run under `mpirun` (several ranks) or with
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
    let dp = DataParallel::new(comm, reduction).map_err(|e| crate::fsutil::usage(e.to_string()))?;
    Ok(Some(dp))
}

/// The untrained network's loss on (at most) the first 1024 training rows: the reference for
/// `--divergence-factor`.
fn untrained_loss<T: Float>(
    net: &mut Network<T>,
    loss: nn_core::Loss,
    (x, y): &(Array2<T>, Array2<T>),
) -> Result<f64> {
    let n = x.nrows().min(1024);
    let (x, y) = (x.slice(s![..n, ..]), y.slice(s![..n, ..]));
    Ok(loss.value(net.forward(x)?, y)?)
}

/// The data file's fingerprint, needed only when checkpointing.
fn fingerprint(args: &TrainArgs) -> Result<Option<(u64, u64)>> {
    match (&args.checkpoint, &args.data) {
        (Some(_), Some(path)) => checkpoint::fingerprint(path),
        _ => Ok(None),
    }
}

/// Everything a checkpoint holds: network, optimizer, schedule, trainer and history.
#[derive(Clone)]
struct State<T> {
    net: Network<T>,
    sgd: Sgd<T>,
    schedule: Schedule,
    trainer: Trainer,
    history: History,
}

/// The state of one training run on data already in `T` (training and validation sets are used
/// as stored, without copies).
struct Run<'a, T> {
    data: &'a TrainData<T>,
    state: State<T>,
    initial_loss: f64,
    fingerprint: Option<(u64, u64)>,
    clip: Option<f64>,
    parallel: Option<DataParallel<T>>,
}

impl<'a, T: Real> Run<'a, T> {
    fn new(args: &TrainArgs, data: &'a TrainData<T>, schedule: Schedule) -> Result<Self> {
        let mut sizes = vec![data.train.0.ncols()];
        sizes.extend(&args.hidden);
        sizes.push(data.n_out());
        crate::limits::check_network(&sizes)?;
        let hidden = args.activation.build();
        let mut net = Network::<T>::mlp(&sizes, hidden, Activation::Identity, args.seed)?;
        let config = SgdConfig {
            momentum: args.momentum,
            nesterov: args.nesterov,
            weight_decay: args.weight_decay,
        };
        let sgd = Sgd::new(config).map_err(|e| crate::fsutil::usage(e.to_string()))?;
        let initial_loss = untrained_loss(&mut net, data.loss, &data.train)?;
        let trainer = Trainer::new(args.batch_size, args.seed);
        let history = History::default();
        Ok(Run {
            data,
            state: State {
                net,
                sgd,
                schedule,
                trainer,
                history,
            },
            initial_loss,
            fingerprint: fingerprint(args)?,
            clip: args.clip_grad_norm,
            parallel: None,
        })
    }

    /// Sets the divergence bound and the Ctrl-C flag on the trainer.
    fn arm(&mut self, args: &TrainArgs, stop: Arc<AtomicBool>) {
        let mut trainer = self.state.trainer.clone().with_stop_flag(stop);
        let bound = args.divergence_factor * self.initial_loss;
        if bound.is_finite() && bound > 0.0 {
            trainer = trainer.with_loss_bound(bound);
        }
        self.state.trainer = trainer;
    }

    /// Epochs from the trainer's counter to `--epochs`, checkpointing as asked.
    fn epochs(&mut self, args: &TrainArgs, progress: &Progress) -> Result<Outcome> {
        let metric = if self.data.task == Task::Classify {
            "acc"
        } else {
            "r2"
        };
        for epoch in self.state.trainer.epoch()..args.epochs {
            let before = args.checkpoint.as_ref().map(|_| self.state.clone());
            let start = Instant::now();
            let line = match self.epoch(epoch) {
                Err(e) => match interruption(&e) {
                    Some(at) => return self.interrupted(args, before, at),
                    None => return Err(e),
                },
                Ok(line) => line,
            };
            self.state.history.seconds += start.elapsed().as_secs_f64();
            self.state.schedule.observe(line.val_loss);
            progress.epoch(&line, metric);
            self.state.history.epochs.push(line);
            let every = args.checkpoint_every as usize;
            if (epoch + 1) % every == 0 || epoch + 1 == args.epochs {
                self.save(args, &self.state)?;
            }
        }
        Ok(Outcome::Finished)
    }

    /// One epoch at the schedule's rate, then validation; a non-finite validation loss is
    /// divergence.
    fn epoch(&mut self, epoch: usize) -> Result<EpochLine> {
        let t0 = Instant::now();
        let lr = self.state.schedule.lr_at(epoch);
        let (x, y) = (self.data.train.0.view(), self.data.train.1.view());
        let State {
            net, sgd, trainer, ..
        } = &mut self.state;
        let mut clipped;
        let opt: &mut dyn Optimizer<T> = match self.clip {
            Some(max) => {
                clipped = ClipGradNorm::new(sgd, max)?;
                &mut clipped
            }
            None => sgd,
        };
        let loss = self.data.loss;
        let report = match &mut self.parallel {
            Some(dp) => trainer.run_epoch_parallel(net, opt, loss, x, y, lr, dp),
            None => trainer.run_epoch(net, opt, loss, x, y, lr),
        }
        .map_err(diverged_message)?;
        let (val_loss, val_metric) = validate(net, self.data)?;
        if !val_loss.is_finite() {
            bail!("training diverged at epoch {}: the validation loss is not finite; try a lower learning rate", epoch + 1);
        }
        let seconds = t0.elapsed().as_secs_f64();
        let (train_loss, epoch) = (report.train_loss, epoch + 1);
        Ok(EpochLine {
            epoch,
            train_loss,
            val_loss,
            val_metric,
            lr,
            seconds,
        })
    }
}

/// Saving and restoring checkpoints, and stopping on Ctrl-C.
impl<T: Real> Run<'_, T> {
    /// Continues from `DIR/checkpoint.json`. The schedule is the checkpoint's when `--epochs`
    /// is unchanged; otherwise it is rebuilt for the new total and fed the recorded validation
    /// losses again (which reproduces reduce-on-plateau's state exactly).
    fn restore(&mut self, args: &TrainArgs, dir: &Path) -> Result<()> {
        let path = checkpoint::file(dir);
        let ck = Checkpoint::<T>::from_bytes(&path, &crate::cluster::read_file(&path)?)?;
        let extra: checkpoint::Extra = serde_json::from_value(ck.extra)?;
        let (saved, fresh) = (ck.network.sizes(), self.state.net.sizes());
        ensure!(
            saved == fresh,
            "{}: the checkpoint's network {saved:?} does not fit the data ({fresh:?})",
            dir.display()
        );
        let mut schedule = ck.schedule;
        if extra.args.epochs != args.epochs {
            schedule = self.state.schedule.clone();
            extra
                .history
                .epochs
                .iter()
                .for_each(|l| schedule.observe(l.val_loss));
        }
        let (net, sgd, trainer, history) = (ck.network, ck.optimizer, ck.trainer, extra.history);
        self.state = State {
            net,
            sgd,
            schedule,
            trainer,
            history,
        };
        self.initial_loss = extra.initial_loss;
        Ok(())
    }

    /// Writes `state` to `--checkpoint DIR` (if set).
    fn save(&self, args: &TrainArgs, state: &State<T>) -> Result<()> {
        let Some(dir) = &args.checkpoint else {
            return Ok(());
        };
        let ck = Checkpoint::new(
            state.net.clone(),
            state.sgd.clone(),
            state.schedule.clone(),
            state.trainer.clone(),
            checkpoint::reports(&state.history.epochs),
        );
        let extra = checkpoint::Extra {
            args: args.clone(),
            history: state.history.clone(),
            initial_loss: self.initial_loss,
            data: self.fingerprint,
        };
        checkpoint::save(dir, ck, &extra)
    }

    /// Ctrl-C stopped an epoch after a batch: save the checkpoint of the last finished epoch
    /// (`before`), or, without `--checkpoint`, leave the network as trained so far.
    fn interrupted(
        &self,
        args: &TrainArgs,
        before: Option<State<T>>,
        at: (usize, usize),
    ) -> Result<Outcome> {
        let head = format!("Ctrl-C in epoch {} after {} batch(es)", at.0 + 1, at.1);
        let (Some(state), Some(dir)) = (before, &args.checkpoint) else {
            let out = args.out.display();
            return Ok(Outcome::Interrupted(format!(
                "{head}; model trained so far written to {out}"
            )));
        };
        self.save(args, &state)?;
        let (done, dir) = (state.history.epochs.len(), dir.display());
        Ok(Outcome::Interrupted(format!(
            "{head}; checkpoint after {done} finished epoch(s) saved in {dir}; continue with: nn train --resume {dir}"
        )))
    }
}

/// The interrupted epoch (0-based) and batches done, when `err` is the trainer's stop.
fn interruption(err: &anyhow::Error) -> Option<(usize, usize)> {
    match err.downcast_ref::<OptimError>() {
        Some(OptimError::Interrupted { epoch, steps }) => Some((*epoch, *steps)),
        _ => None,
    }
}

/// Rewrites the optimizer's divergence error with 1-based epoch and batch numbers.
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
        other => other.into(),
    }
}

/// Validation rows run through the network at a time: the network's buffers (and the output
/// copies) are sized for this many rows, not for the whole validation set.
const VAL_CHUNK: usize = 1024;

/// Validation loss, and accuracy (classification) or R² (regression), of `data.val`.
fn validate<T: Float>(net: &mut Network<T>, data: &TrainData<T>) -> Result<(f64, f64)> {
    let (x, y) = (data.val.0.view(), data.val.1.view());
    let (loss, out) = chunked_outputs(net, data.loss, x, y, VAL_CHUNK)?;
    let y = y.mapv(|v| v.to_f64());
    let metric = match data.task {
        Task::Classify => crate::metrics::accuracy(&classes(y.view()), &classes(out.view())),
        Task::Regress => crate::metrics::regression_scores(y.view(), out.view()).r2,
    };
    Ok((loss, metric))
}

/// The loss of the network on `(x, y)` and its linked outputs (probabilities for the fused
/// losses) in `f64`, forwarding `chunk` rows at a time. The loss is summed in the order of
/// [`nn_core::Loss::value`] over all rows at once (element by element, row by row), so it is the
/// same number up to the network's kernels, whose rounding may differ in the last bit for
/// another row count.
fn chunked_outputs<T: Float>(
    net: &mut Network<T>,
    loss: nn_core::Loss,
    x: ArrayView2<T>,
    y: ArrayView2<T>,
    chunk: usize,
) -> Result<(f64, Array2<f64>)> {
    let (n, m) = y.dim();
    let mut outputs = Array2::zeros((n, m));
    let mut total = 0.0;
    for start in (0..n).step_by(chunk.max(1)) {
        let rows = s![start..(start + chunk).min(n), ..];
        let out = net.forward(x.slice(rows))?;
        for row in loss.per_output(out, y.slice(rows))?.rows() {
            total += row.iter().sum::<f64>();
        }
        let mut out = out.to_owned();
        loss.link(out.view_mut());
        outputs
            .slice_mut(rows)
            .zip_mut_with(&out, |o, &v| *o = v.to_f64());
    }
    // Loss::value's denominator: per sample for half-sse and cross-entropy, per output else.
    let denominator = match loss {
        nn_core::Loss::HalfSse | nn_core::Loss::CrossEntropy => n.max(1),
        nn_core::Loss::Mse | nn_core::Loss::Bce => (n * m).max(1),
    };
    Ok((total / denominator as f64, outputs))
}

/// Predicted classes from probabilities (or one-hot truth): argmax, or `p ≥ 0.5` for a single
/// (BCE) column.
pub fn classes(p: ArrayView2<f64>) -> Vec<usize> {
    if p.ncols() == 1 {
        return p.column(0).iter().map(|&v| usize::from(v >= 0.5)).collect();
    }
    nn_tensor::argmax_rows(p)
}

/// Writes the loss curves and the accuracy (or R²) curve side by side.
pub fn plot_curves(path: &Path, history: &History, task: Task) -> Result<()> {
    let points = |f: fn(&EpochLine) -> f64| {
        history
            .epochs
            .iter()
            .map(|e| (e.epoch as f64, f(e)))
            .collect()
    };
    let series = |name: &str, f: fn(&EpochLine) -> f64| Series {
        name: name.into(),
        points: points(f),
    };
    let metric = if task == Task::Classify {
        "test accuracy"
    } else {
        "test R²"
    };
    let loss = Lines {
        title: "loss".into(),
        x_label: "epoch".into(),
        y_label: "loss".into(),
        series: vec![
            series("train", |e| e.train_loss),
            series("test", |e| e.val_loss),
        ],
    };
    let score = Lines {
        title: metric.into(),
        x_label: "epoch".into(),
        y_label: metric.into(),
        series: vec![series(metric, |e| e.val_metric)],
    };
    crate::plot::save(path, &Row(vec![loss, score]), (1100, 450))
}

#[cfg(test)]
mod tests {
    use super::*;
    use nn_core::Loss;

    /// A seeded 12-16-`m` network and `n` rows of fixed inputs and targets for `loss`.
    fn setup<T: Float>(loss: Loss, n: usize) -> (Network<T>, Array2<T>, Array2<T>) {
        let m = if loss == Loss::Bce { 1 } else { 3 };
        let net = Network::<T>::mlp(&[12, 16, m], Activation::Tanh, Activation::Identity, 7);
        let x = Array2::from_shape_fn((n, 12), |(i, j)| {
            T::from_f64((((i * 37 + j * 11) % 19) as f64 - 9.0) / 7.0)
        });
        let y = Array2::from_shape_fn((n, m), |(i, j)| match loss {
            Loss::CrossEntropy => T::from_f64(f64::from(i % m == j)),
            Loss::Bce => T::from_f64((i % 2) as f64),
            _ => T::from_f64(((i * 5 + j) % 7) as f64 / 3.0 - 1.0),
        });
        (net.unwrap(), x, y)
    }

    /// Chunked validation gives the numbers of one forward pass over all rows, up to the
    /// rounding of the network's kernels, which may differ in the last bit for another row count
    /// (`tol` is a few units in the last place of `T` at the outputs' scale, about 1).
    fn same_as_one_pass<T: Float>(tol: f64) {
        for loss in [Loss::CrossEntropy, Loss::Bce, Loss::Mse, Loss::HalfSse] {
            let (mut net, x, y) = setup::<T>(loss, 2500);
            let mut whole = net.forward(x.view()).unwrap().to_owned();
            let want_loss = loss.value(whole.view(), y.view()).unwrap();
            loss.link(whole.view_mut());
            let whole = whole.mapv(|v| v.to_f64());
            for chunk in [1024, 600, 7, 1, 5000] {
                let what = format!("{loss:?}, chunks of {chunk}");
                let (got, out) =
                    chunked_outputs(&mut net, loss, x.view(), y.view(), chunk).unwrap();
                assert!(
                    (got - want_loss).abs() <= tol * want_loss,
                    "{what}: {got} vs {want_loss}"
                );
                let worst = (&out - &whole).iter().fold(0.0_f64, |m, d| m.max(d.abs()));
                assert!(worst <= tol, "{what}: outputs differ by {worst}");
                if loss == Loss::CrossEntropy {
                    assert_eq!(classes(out.view()), classes(whole.view()), "{what}");
                }
            }
            // One chunk holding every row is the one-pass computation itself.
            let (got, out) = chunked_outputs(&mut net, loss, x.view(), y.view(), 2500).unwrap();
            assert_eq!(
                (got.to_bits(), out),
                (want_loss.to_bits(), whole),
                "{loss:?}"
            );
        }
    }

    #[test]
    fn chunked_validation_matches_one_pass_f32() {
        same_as_one_pass::<f32>(8.0 * f64::from(f32::EPSILON));
    }

    #[test]
    fn chunked_validation_matches_one_pass_f64() {
        same_as_one_pass::<f64>(8.0 * f64::EPSILON);
    }
}
