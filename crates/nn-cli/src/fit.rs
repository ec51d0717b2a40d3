//! The training loop of `nn train`, generic over the float type: one seeded [`Trainer`] epoch
//! at a time, then validation, the schedule's step, and a progress report.

use std::path::Path;
use std::time::Instant;

use anyhow::{bail, Result};
use ndarray::{Array2, ArrayView2};
use nn_core::{Activation, Network};
use nn_optim::{LrSchedule, OptimError, Schedule, Sgd, SgdConfig, Trainer};
use nn_tensor::Float;

use crate::model_file::{ModelFile, Task};
use crate::plot::{Lines, Row, Series};
use crate::prepare_train::TrainData;
use crate::progress::{EpochLine, Progress};
use crate::train::TrainArgs;

/// Per-epoch numbers of one run.
#[derive(Debug, Clone, Default)]
pub struct History {
    /// One line per epoch.
    pub epochs: Vec<EpochLine>,
    /// Total training seconds (validation included).
    pub seconds: f64,
}

/// Trains a network on `data` in the float type `T`.
pub fn fit<T: Float>(
    args: &TrainArgs,
    data: &TrainData,
    mut schedule: Schedule,
) -> Result<(ModelFile, History)> {
    let mut run = Run::<T>::new(args, data)?;
    let progress = Progress::new(args.epochs, args.quiet);
    let metric = if data.task == Task::Classify {
        "acc"
    } else {
        "r2"
    };
    let mut history = History::default();
    let start = Instant::now();
    for epoch in 0..args.epochs {
        let line = run.epoch(epoch, schedule.lr_at(epoch))?;
        schedule.observe(line.val_loss);
        progress.epoch(&line, metric);
        history.epochs.push(line);
    }
    progress.finish();
    history.seconds = start.elapsed().as_secs_f64();
    Ok((
        ModelFile::from_network(&run.net, data.loss, data.task),
        history,
    ))
}

/// The state of one training run: network, optimizer, trainer and the data in `T`.
struct Run<'a, T> {
    data: &'a TrainData,
    net: Network<T>,
    sgd: Sgd<T>,
    trainer: Trainer,
    /// The validation set in the network's float type (the training set is used as stored:
    /// the trainer converts each mini-batch as it gathers it).
    val: (Array2<T>, Array2<T>),
}

impl<'a, T: Float> Run<'a, T> {
    fn new(args: &TrainArgs, data: &'a TrainData) -> Result<Self> {
        let mut sizes = vec![data.train.0.ncols()];
        sizes.extend(&args.hidden);
        sizes.push(data.n_out());
        let hidden = args.activation.build();
        let net = Network::<T>::mlp(&sizes, hidden, Activation::Identity, args.seed)?;
        let config = SgdConfig {
            momentum: args.momentum,
            nesterov: args.nesterov,
            weight_decay: args.weight_decay,
        };
        let sgd = Sgd::new(config).map_err(|e| crate::fsutil::usage(e.to_string()))?;
        let cast = |a: &Array2<f64>| a.mapv(T::from_f64);
        Ok(Run {
            data,
            net,
            sgd,
            trainer: Trainer::new(args.batch_size, args.seed),
            val: (cast(&data.val.0), cast(&data.val.1)),
        })
    }

    /// One epoch at rate `lr`, then validation; a non-finite validation loss is divergence.
    fn epoch(&mut self, epoch: usize, lr: f64) -> Result<EpochLine> {
        let t0 = Instant::now();
        let (x, y) = (self.data.train.0.view(), self.data.train.1.view());
        let report = self
            .trainer
            .run_epoch(&mut self.net, &mut self.sgd, self.data.loss, x, y, lr)
            .map_err(diverged_message)?;
        let (val_loss, val_metric) = validate(
            &mut self.net,
            self.data,
            self.val.0.view(),
            self.val.1.view(),
        )?;
        if !val_loss.is_finite() {
            bail!("training diverged at epoch {}: the validation loss is not finite; try a lower learning rate", epoch + 1);
        }
        Ok(EpochLine {
            epoch: epoch + 1,
            train_loss: report.train_loss,
            val_loss,
            val_metric,
            lr,
            seconds: t0.elapsed().as_secs_f64(),
        })
    }
}

/// Rewrites the optimizer's divergence error with 1-based epoch and batch numbers.
fn diverged_message(err: OptimError) -> anyhow::Error {
    match err {
        OptimError::Diverged {
            epoch,
            step,
            last_finite_loss,
        } => {
            let last = last_finite_loss.map_or("none".into(), |v| format!("{v:.6}"));
            anyhow::anyhow!(
                "training diverged in epoch {}, batch {}: the loss is not finite (last finite \
                 loss: {last}); try a lower learning rate",
                epoch + 1,
                step + 1
            )
        }
        other => other.into(),
    }
}

/// Validation loss, and accuracy (classification) or R² (regression).
fn validate<T: Float>(
    net: &mut Network<T>,
    data: &TrainData,
    x: ArrayView2<T>,
    y: ArrayView2<T>,
) -> Result<(f64, f64)> {
    let mut out = net.forward(x)?.to_owned();
    let loss = data.loss.value(out.view(), y)?;
    data.loss.link(out.view_mut());
    let out = out.mapv(|v| v.to_f64());
    let y = y.mapv(|v| v.to_f64());
    let metric = match data.task {
        Task::Classify => crate::metrics::accuracy(&classes(y.view()), &classes(out.view())),
        Task::Regress => crate::metrics::regression_scores(y.view(), out.view()).r2,
    };
    Ok((loss, metric))
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
