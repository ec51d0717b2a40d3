//! The epoch driver: the one place where epochs are run. [`TrainState`] holds everything a run
//! needs to continue (network, optimizer, schedule, trainer, history, early-stopping state) and
//! [`TrainState::fit`] runs epochs on it — each epoch's learning rate from the schedule
//! (warm-up included), validation, the schedule's plateau `observe` on the validation loss,
//! early stopping with the best weights restored, a per-epoch callback that can stop training,
//! and atomic checkpoints (the state before an interrupted epoch is what gets saved).

use std::ops::ControlFlow;
use std::path::PathBuf;
use std::time::Instant;

use ndarray::ArrayView2;
use nn_core::{Loss, Network};
use nn_tensor::Float;
use serde::{de::DeserializeOwned, Deserialize, Serialize};

use crate::batches::Batches;
use crate::trainer::ConstantLr;
use crate::{
    AnyOptimizer, Checkpoint, ClipGradNorm, EarlyStopping, EpochReport, GradientHook, LrSchedule,
    OptimError, Result, Schedule, Trainer, Validator,
};

/// Everything a training run needs to continue exactly where it stopped; what a
/// [`Checkpoint`] stores.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(bound(
    serialize = "T: Float + Serialize",
    deserialize = "T: Float + DeserializeOwned"
))]
pub struct TrainState<T> {
    /// The network being trained.
    pub network: Network<T>,
    /// The optimizer and its state (momentum buffers, Adam's moments, …).
    pub optimizer: AnyOptimizer<T>,
    /// The learning-rate schedule and its state (reduce-on-plateau's counters).
    pub schedule: Schedule,
    /// The epoch counter, batch size and shuffling generator.
    pub trainer: Trainer,
    /// One report per finished epoch.
    pub history: Vec<EpochReport>,
    /// Early stopping's configuration and state (the best epoch's network), when enabled.
    #[serde(default)]
    pub early_stopping: Option<EarlyStopping<T>>,
}

/// How a call of [`TrainState::fit`] ended.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Stop {
    /// Every epoch up to [`FitOptions::new`]'s `epochs` ran.
    Finished,
    /// Early stopping: the validation loss did not improve for `patience` epochs; the network
    /// now holds the weights of `best_epoch` (0-based).
    EarlyStopped {
        /// The epoch whose weights were restored.
        best_epoch: usize,
        /// Its validation loss.
        best_loss: f64,
        /// Epochs without improvement that triggered the stop.
        patience: usize,
    },
    /// The per-epoch callback asked to stop after this many epochs.
    Callback {
        /// Epochs finished.
        epochs: usize,
    },
    /// The trainer's stop flag was raised in epoch `epoch` after `steps` batches; the network
    /// holds the partly trained weights (a checkpoint, if configured, holds the state before
    /// that epoch).
    Interrupted {
        /// The interrupted epoch (0-based).
        epoch: usize,
        /// Batches of it that were applied.
        steps: usize,
    },
}

/// Where and how often [`TrainState::fit`] writes checkpoints.
#[derive(Debug, Clone)]
pub struct CheckpointPolicy {
    /// The checkpoint file (written atomically).
    pub path: PathBuf,
    /// Write after every `every`-th epoch (and after the last one, and on a stop).
    pub every: usize,
    /// The caller's own settings, stored in the checkpoint's `extra` field.
    pub extra: serde_json::Value,
}

/// A per-epoch callback: sees each epoch's report; [`ControlFlow::Break`] stops training.
pub type EpochCallback<'a> = dyn FnMut(&EpochReport) -> ControlFlow<()> + 'a;

/// The settings of one [`TrainState::fit`] call.
pub struct FitOptions<'a, T> {
    epochs: usize,
    validator: Option<&'a mut dyn Validator<T>>,
    clip_grad_norm: Option<f64>,
    checkpoint: Option<CheckpointPolicy>,
    on_epoch: Option<&'a mut EpochCallback<'a>>,
    hook: Option<&'a mut dyn GradientHook<T>>,
}

impl<'a, T: Float> FitOptions<'a, T> {
    /// Train until the trainer's epoch counter reaches `epochs` (a resumed state continues
    /// from its counter).
    pub fn new(epochs: usize) -> Self {
        FitOptions {
            epochs,
            validator: None,
            clip_grad_norm: None,
            checkpoint: None,
            on_epoch: None,
            hook: None,
        }
    }

    /// Validate after every epoch; plateau schedules and early stopping watch its loss.
    pub fn validate_with(mut self, validator: &'a mut dyn Validator<T>) -> Self {
        self.validator = Some(validator);
        self
    }

    /// Clip the gradients' global norm before each step ([`ClipGradNorm`]).
    pub fn clip_grad_norm(mut self, max_norm: Option<f64>) -> Self {
        self.clip_grad_norm = max_norm;
        self
    }

    /// Write checkpoints as `policy` says.
    pub fn checkpoint(mut self, policy: Option<CheckpointPolicy>) -> Self {
        self.checkpoint = policy;
        self
    }

    /// Call `f` after every epoch (after validation); [`ControlFlow::Break`] stops training.
    pub fn on_epoch(mut self, f: &'a mut EpochCallback<'a>) -> Self {
        self.on_epoch = Some(f);
        self
    }

    /// Run `hook` between each batch's backward pass and its optimizer step.
    pub fn gradient_hook(mut self, hook: &'a mut dyn GradientHook<T>) -> Self {
        self.hook = Some(hook);
        self
    }
}

impl<T: Float + Serialize + DeserializeOwned> TrainState<T> {
    /// A fresh run: no history, no early stopping. `optimizer` is an [`AnyOptimizer`] or any
    /// optimizer it wraps ([`Sgd`](crate::Sgd), [`Adam`](crate::Adam), [`RmsProp`](crate::RmsProp)).
    ///
    /// ```
    /// use ndarray::array;
    /// use nn_core::{Activation, Loss, Network};
    /// use nn_optim::{FitOptions, Schedule, Sgd, SgdConfig, Stop, TrainState, Trainer};
    /// let (x, y) = (array![[0.0_f64], [1.0]], array![[1.0], [3.0]]); // y = 2x + 1
    /// let net = Network::<f64>::mlp(&[1, 1], Activation::Identity, Activation::Identity, 0)?;
    /// let schedule = Schedule::parse("constant", 0.5, 200)?;
    /// let mut state = TrainState::new(net, Sgd::new(SgdConfig::default())?, schedule, Trainer::new(2, 0));
    /// let stop = state.fit(Loss::HalfSse, x.view(), y.view(), FitOptions::new(200))?;
    /// assert_eq!(stop, Stop::Finished);
    /// assert!(state.history.last().unwrap().train_loss < 1e-8);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(
        network: Network<T>,
        optimizer: impl Into<AnyOptimizer<T>>,
        schedule: Schedule,
        trainer: Trainer,
    ) -> Self {
        TrainState {
            network,
            optimizer: optimizer.into(),
            schedule,
            trainer,
            history: Vec::new(),
            early_stopping: None,
        }
    }

    /// Enables early stopping (it needs a validator in [`FitOptions`]).
    pub fn with_early_stopping(mut self, early: EarlyStopping<T>) -> Self {
        self.early_stopping = Some(early);
        self
    }

    /// Runs epochs from the trainer's counter up to `options.epochs` on `(x, y)` (data of any
    /// float type, converted per batch), with `loss`.
    pub fn fit<D: Float>(
        &mut self,
        loss: Loss,
        x: ArrayView2<D>,
        y: ArrayView2<D>,
        mut options: FitOptions<'_, T>,
    ) -> Result<Stop> {
        if self.early_stopping.is_some() && options.validator.is_none() {
            return Err(OptimError::InvalidConfig {
                name: "early stopping",
                reason: "it watches the validation loss: give the fit a validator".into(),
            });
        }
        let mut batches = Batches::new(self.trainer.batch_size(), x, y)?.keeping_sparse();
        while self.trainer.epoch() < options.epochs {
            let before = options.checkpoint.as_ref().map(|_| self.clone());
            let report = match self.epoch(&mut batches, loss, &mut options) {
                Err(OptimError::Interrupted { epoch, steps }) => {
                    if let (Some(state), Some(policy)) = (before, &options.checkpoint) {
                        state.save(policy)?;
                    }
                    return Ok(Stop::Interrupted { epoch, steps });
                }
                other => other?,
            };
            let stop = self.after_epoch(&report, &mut options);
            if let Some(policy) = &options.checkpoint {
                let done = report.epoch + 1;
                if done % policy.every.max(1) == 0 || done == options.epochs || stop.is_some() {
                    self.save(policy)?;
                }
            }
            if let Some(stop) = stop {
                self.restore_best();
                return Ok(stop);
            }
        }
        self.restore_best();
        Ok(Stop::Finished)
    }

    /// One epoch and its validation; the report is appended to the history.
    fn epoch<D: Float>(
        &mut self,
        batches: &mut Batches<'_, T, D>,
        loss: Loss,
        options: &mut FitOptions<'_, T>,
    ) -> Result<EpochReport> {
        let start = Instant::now();
        let epoch = self.trainer.epoch();
        let lr = self.schedule.lr_at(epoch);
        let hook: Option<&mut dyn GradientHook<T>> = match &mut options.hook {
            Some(h) => Some(&mut **h),
            None => None,
        };
        let mut control = ConstantLr { lr, hook };
        let train_loss = match options.clip_grad_norm {
            Some(max) => {
                let mut clipped = ClipGradNorm::new(&mut self.optimizer, max)?;
                let net = &mut self.network;
                self.trainer
                    .run_steps(batches, net, &mut clipped, loss, &mut control)?
            }
            None => {
                let (net, opt) = (&mut self.network, &mut self.optimizer);
                self.trainer
                    .run_steps(batches, net, opt, loss, &mut control)?
            }
        };
        let validation = match options.validator.as_mut() {
            Some(v) => Some(v.validate(&mut self.network)?),
            None => None,
        };
        if let Some(v) = validation.filter(|v| !v.loss.is_finite()) {
            return Err(OptimError::ValidationDiverged {
                epoch,
                loss: v.loss,
            });
        }
        let report = EpochReport {
            epoch,
            lr,
            train_loss,
            val_loss: validation.map(|v| v.loss),
            val_metric: validation.and_then(|v| v.metric),
            seconds: start.elapsed().as_secs_f64(),
        };
        self.history.push(report);
        Ok(report)
    }

    /// The schedule's `observe`, early stopping and the callback; `Some` when training stops.
    fn after_epoch(
        &mut self,
        report: &EpochReport,
        options: &mut FitOptions<'_, T>,
    ) -> Option<Stop> {
        let watched = report.val_loss.unwrap_or(report.train_loss);
        self.schedule.observe(watched);
        let early = self.early_stopping.as_mut().and_then(|e| {
            let stop = e.observe(report.epoch, watched, &self.network);
            let (best_epoch, best_loss) = (e.best_epoch()?, e.best_loss()?);
            let patience = e.patience();
            stop.then_some(Stop::EarlyStopped {
                best_epoch,
                best_loss,
                patience,
            })
        });
        let flow = options.on_epoch.as_mut().map(|f| f(report));
        early.or_else(|| {
            let epochs = report.epoch + 1;
            matches!(flow, Some(ControlFlow::Break(()))).then_some(Stop::Callback { epochs })
        })
    }

    /// With early stopping, puts the best epoch's weights back into the network.
    fn restore_best(&mut self) {
        if let Some(best) = self.early_stopping.as_ref().and_then(|e| e.best_network()) {
            self.network = best.clone();
        }
    }

    /// Writes this state as a checkpoint (atomically).
    fn save(&self, policy: &CheckpointPolicy) -> Result<()> {
        let mut ck = Checkpoint::new(self.clone());
        ck.extra = policy.extra.clone();
        ck.save(&policy.path)
    }
}
