//! The training loop: epochs of seeded, shuffled mini-batches.
//!
//! Each epoch draws a permutation of the samples from the trainer's ChaCha8 generator, gathers
//! each mini-batch into preallocated buffers, runs forward, backward and one optimizer step.
//! The same seed, data and configuration give bit-identical weights; the generator's state is
//! serialisable, so a resumed run continues the same sequence.
//!
//! Dropout masks are counter-based ([`DropoutKey`]): the trainer counts the training rows it
//! has run through (every row of every global batch, in order), and a batch row's masks depend
//! only on the seed's key and that count, so however a batch is split into parts (the shards
//! and per-process slices of [`crate::dist::DataParallel`]) each row gets the same mask.

use std::ops::Range;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use ndarray::ArrayView2;
use ndarray_rand::rand::seq::SliceRandom;
use nn_core::{DropoutKey, Loss, Network};
use nn_tensor::Float;
use rand_chacha::{rand_core::SeedableRng, ChaCha8Rng};
use serde::{Deserialize, Serialize};

use std::ops::ControlFlow;

use crate::batches::Batches;
use crate::{BatchStats, GradientHook, LrSchedule, OptimError, Optimizer, Result, StepReport};

/// What one epoch did.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct EpochReport {
    /// The epoch just finished (0-based).
    pub epoch: usize,
    /// The learning rate used.
    pub lr: f64,
    /// Mean training loss over the epoch's batches, weighted by batch size.
    pub train_loss: f64,
    /// The validation loss after the epoch (when the run validates).
    #[serde(default)]
    pub val_loss: Option<f64>,
    /// The validator's metric after the epoch (accuracy, R², …), when it has one.
    #[serde(default)]
    pub val_metric: Option<f64>,
    /// Seconds the epoch took, validation included.
    #[serde(default)]
    pub seconds: f64,
}

/// Per-step control of the batch loop: each step's learning rate, the gradient hook, and a
/// look at each finished step that may end the epoch early.
pub(crate) trait StepControl<T: Float> {
    /// The learning rate of step `step` of the epoch.
    fn lr(&mut self, step: usize) -> f64;
    /// The gradient hook, if any (without one, the single-process loop).
    fn hook(&mut self) -> Option<&mut dyn GradientHook<T>> {
        None
    }
    /// After the optimizer step; `Break` ends the epoch here.
    fn after_step(&mut self, _report: &StepReport) -> ControlFlow<()> {
        ControlFlow::Continue(())
    }
}

/// One learning rate for the whole epoch, and an optional gradient hook.
pub(crate) struct ConstantLr<'a, T: Float> {
    pub lr: f64,
    pub hook: Option<&'a mut dyn GradientHook<T>>,
}

impl<T: Float> StepControl<T> for ConstantLr<'_, T> {
    fn lr(&mut self, _step: usize) -> f64 {
        self.lr
    }

    fn hook(&mut self) -> Option<&mut dyn GradientHook<T>> {
        match &mut self.hook {
            Some(hook) => Some(&mut **hook),
            None => None,
        }
    }
}

/// The hook of a loop without one: [`GradientHook`]'s defaults (the whole batch as one part,
/// the optimizer's own step) and nothing between backward and step.
struct NoHook;

impl<T: Float> GradientHook<T> for NoHook {
    fn after_backward(&mut self, _: &mut Network<T>, _: &mut BatchStats) -> Result<()> {
        Ok(())
    }
}

/// `control`'s hook, or `plain` when it has none.
fn hook_or<'a, T: Float>(
    control: &'a mut dyn StepControl<T>,
    plain: &'a mut NoHook,
) -> &'a mut dyn GradientHook<T> {
    match control.hook() {
        Some(hook) => hook,
        None => plain,
    }
}

/// Runs epochs of mini-batch training; holds the shuffling generator and the epoch counter.
///
/// ```
/// use ndarray::array;
/// use nn_core::{Activation, Loss, Network};
/// use nn_optim::{schedule::Constant, Sgd, SgdConfig, Trainer};
/// let x = array![[0.0_f64], [1.0]];
/// let y = array![[1.0], [3.0]]; // y = 2x + 1
/// let mut net = Network::<f64>::mlp(&[1, 1], Activation::Identity, Activation::Identity, 0)?;
/// let mut sgd = Sgd::new(SgdConfig::default())?;
/// let mut trainer = Trainer::new(2, 0);
/// let reports = trainer.fit(&mut net, &mut sgd, &Constant::new(0.5)?, Loss::HalfSse, x.view(), y.view(), 200)?;
/// assert!(reports.last().unwrap().train_loss < 1e-8);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Trainer {
    batch_size: usize,
    shuffle: bool,
    epoch: usize,
    rng: ChaCha8Rng,
    /// The dropout masks' key (from the same seed; seed 0's in files from before it).
    #[serde(default)]
    dropout_key: DropoutKey,
    /// Training rows run through so far: the global index of the next batch's first row.
    #[serde(default)]
    rows_seen: u64,
    /// Per-class loss weights (cross-entropy / BCE targets), when set.
    #[serde(default)]
    class_weights: Option<Vec<f64>>,
    /// Batch losses above this count as divergence (configuration, not saved in checkpoints).
    #[serde(skip)]
    loss_bound: Option<f64>,
    /// Checked after every batch; when raised the epoch stops with [`OptimError::Interrupted`].
    #[serde(skip)]
    stop: Option<Arc<AtomicBool>>,
}

impl Trainer {
    /// A trainer with mini-batches of `batch_size` (0 = the whole set), shuffled by `seed`.
    pub fn new(batch_size: usize, seed: u64) -> Self {
        Trainer {
            batch_size,
            shuffle: true,
            epoch: 0,
            rng: ChaCha8Rng::seed_from_u64(seed),
            dropout_key: DropoutKey::from_seed(seed),
            rows_seen: 0,
            class_weights: None,
            loss_bound: None,
            stop: None,
        }
    }

    /// Weights each sample's loss by its class's weight (PyTorch's `cross_entropy(weight=…)`:
    /// the batch loss is `Σ wᵢ·ℓᵢ / Σ wᵢ`); targets must be one-hot rows, or one 0/1 column
    /// with two weights (BCE).
    ///
    /// ```
    /// let trainer = nn_optim::Trainer::new(32, 0).with_class_weights(vec![1.0, 3.0]);
    /// assert_eq!(trainer.class_weights(), Some(&[1.0, 3.0][..]));
    /// ```
    pub fn with_class_weights(mut self, weights: Vec<f64>) -> Self {
        self.class_weights = Some(weights);
        self
    }

    /// The class weights, when set.
    pub fn class_weights(&self) -> Option<&[f64]> {
        self.class_weights.as_deref()
    }

    /// Treats a batch loss above `bound` like a non-finite one: [`OptimError::Diverged`].
    ///
    /// ```
    /// use ndarray::array;
    /// use nn_core::{Activation, Loss, Network};
    /// use nn_optim::{OptimError, Sgd, SgdConfig, Trainer};
    /// let (x, y) = (array![[1.0_f64]], array![[100.0]]);
    /// let mut net = Network::<f64>::mlp(&[1, 1], Activation::Identity, Activation::Identity, 0)?;
    /// let mut sgd = Sgd::new(SgdConfig::default())?;
    /// let mut trainer = Trainer::new(1, 0).with_loss_bound(10.0);
    /// let err = trainer.run_epoch(&mut net, &mut sgd, Loss::Mse, x.view(), y.view(), 0.1);
    /// assert!(matches!(err, Err(OptimError::Diverged { step: 0, bound: Some(10.0), .. })));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_loss_bound(mut self, bound: f64) -> Self {
        self.loss_bound = Some(bound);
        self
    }

    /// Stops an epoch after the current batch once `flag` is raised (e.g. from a Ctrl-C
    /// handler), returning [`OptimError::Interrupted`]; the epoch counter is not advanced.
    ///
    /// ```
    /// use std::sync::{atomic::AtomicBool, Arc};
    /// use ndarray::array;
    /// use nn_core::{Activation, Loss, Network};
    /// use nn_optim::{OptimError, Sgd, SgdConfig, Trainer};
    /// let (x, y) = (array![[0.0_f64], [1.0], [2.0]], array![[1.0], [3.0], [5.0]]);
    /// let mut net = Network::<f64>::mlp(&[1, 1], Activation::Identity, Activation::Identity, 0)?;
    /// let mut sgd = Sgd::new(SgdConfig::default())?;
    /// let mut trainer = Trainer::new(1, 0).with_stop_flag(Arc::new(AtomicBool::new(true)));
    /// let err = trainer.run_epoch(&mut net, &mut sgd, Loss::Mse, x.view(), y.view(), 0.1);
    /// assert!(matches!(err, Err(OptimError::Interrupted { epoch: 0, steps: 1 })));
    /// assert_eq!(trainer.epoch(), 0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn with_stop_flag(mut self, flag: Arc<AtomicBool>) -> Self {
        self.stop = Some(flag);
        self
    }

    /// Turns shuffling off (batches in data order), e.g. to reproduce a hand computation.
    pub fn without_shuffle(mut self) -> Self {
        self.shuffle = false;
        self
    }

    /// The next epoch to run (0-based): how many epochs are done.
    pub fn epoch(&self) -> usize {
        self.epoch
    }

    /// The mini-batch size (0 = the whole set).
    pub fn batch_size(&self) -> usize {
        self.batch_size
    }

    /// Runs `epochs` epochs with rates from `schedule`; returns one report per epoch. (For
    /// validation, plateau schedules, early stopping and checkpoints use
    /// [`TrainState::fit`](crate::TrainState::fit).)
    #[allow(clippy::too_many_arguments)]
    pub fn fit<T: Float, D: Float>(
        &mut self,
        net: &mut Network<T>,
        opt: &mut dyn Optimizer<T>,
        schedule: &dyn LrSchedule,
        loss: Loss,
        x: ArrayView2<D>,
        y: ArrayView2<D>,
        epochs: usize,
    ) -> Result<Vec<EpochReport>> {
        let mut batches = Batches::new(self.batch_size, x, y)?.keeping_sparse();
        (0..epochs)
            .map(|_| {
                let lr = schedule.lr_at(self.epoch);
                self.report_epoch(&mut batches, net, opt, loss, lr, None)
            })
            .collect()
    }

    /// One epoch at learning rate `lr`.
    ///
    /// The data may be stored in another float type than the network's (`D`, e.g. `f64` data
    /// for an `f32` network): each mini-batch is converted as it is gathered, so no converted
    /// copy of the whole training set is ever made.
    pub fn run_epoch<T: Float, D: Float>(
        &mut self,
        net: &mut Network<T>,
        opt: &mut dyn Optimizer<T>,
        loss: Loss,
        x: ArrayView2<D>,
        y: ArrayView2<D>,
        lr: f64,
    ) -> Result<EpochReport> {
        let mut batches = Batches::new(self.batch_size, x, y)?;
        self.report_epoch(&mut batches, net, opt, loss, lr, None)
    }

    /// [`run_epoch`](Self::run_epoch) with `hook` between each batch's backward pass and its
    /// optimizer step, e.g. a [`DataParallel`](crate::dist::DataParallel) gradient all-reduce.
    ///
    /// ```
    /// use std::rc::Rc;
    /// use ndarray::array;
    /// use nn_core::{Activation, Loss, Network};
    /// use nn_optim::dist::{DataParallel, Local, Reduction};
    /// use nn_optim::{Sgd, SgdConfig, Trainer};
    /// let (x, y) = (array![[0.0_f64], [1.0], [2.0]], array![[1.0], [3.0], [5.0]]);
    /// let mut net = Network::<f64>::mlp(&[1, 1], Activation::Identity, Activation::Identity, 0)?;
    /// let mut sgd = Sgd::new(SgdConfig::default())?;
    /// let mut dp = DataParallel::new(Rc::new(Local), Reduction::Exact { shards: 3 })?;
    /// let report = Trainer::new(3, 0).run_epoch_hooked(&mut net, &mut sgd, Loss::Mse, x.view(), y.view(), 0.1, &mut dp)?;
    /// assert_eq!(report.epoch, 0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[allow(clippy::too_many_arguments)]
    pub fn run_epoch_hooked<T: Float, D: Float>(
        &mut self,
        net: &mut Network<T>,
        opt: &mut dyn Optimizer<T>,
        loss: Loss,
        x: ArrayView2<D>,
        y: ArrayView2<D>,
        lr: f64,
        hook: &mut dyn GradientHook<T>,
    ) -> Result<EpochReport> {
        let mut batches = Batches::new(self.batch_size, x, y)?;
        self.report_epoch(&mut batches, net, opt, loss, lr, Some(hook))
    }

    fn report_epoch<T: Float, D: Float>(
        &mut self,
        batches: &mut Batches<'_, T, D>,
        net: &mut Network<T>,
        opt: &mut dyn Optimizer<T>,
        loss: Loss,
        lr: f64,
        hook: Option<&mut dyn GradientHook<T>>,
    ) -> Result<EpochReport> {
        let (epoch, start) = (self.epoch, std::time::Instant::now());
        let mut control = ConstantLr { lr, hook };
        let train_loss = self.run_steps(batches, net, opt, loss, &mut control)?;
        Ok(EpochReport {
            epoch,
            lr,
            train_loss,
            val_loss: None,
            val_metric: None,
            seconds: start.elapsed().as_secs_f64(),
        })
    }

    /// The batch loop: one epoch of steps over a fresh permutation (when shuffling), each
    /// forward, backward, the control's gradient hook, and one optimizer step at the control's
    /// rate. Returns the mean training loss; advances the epoch counter unless the control
    /// ended the epoch early.
    pub(crate) fn run_steps<T: Float, D: Float>(
        &mut self,
        batches: &mut Batches<'_, T, D>,
        net: &mut Network<T>,
        opt: &mut dyn Optimizer<T>,
        loss: Loss,
        control: &mut dyn StepControl<T>,
    ) -> Result<f64> {
        // Each epoch's order depends only on the generator's state, so a resumed run matches.
        batches
            .order
            .iter_mut()
            .enumerate()
            .for_each(|(i, o)| *o = i);
        if self.shuffle {
            batches.order.shuffle(&mut self.rng);
        }
        let (mut total, mut rows, mut last_finite) = (0.0, 0, None);
        let mut plain = NoHook;
        for step in 0..batches.count() {
            let mut stats = BatchStats {
                loss_sum: 0.0,
                rows: 0,
                stop: self.stop.as_ref().is_some_and(|f| f.load(Ordering::SeqCst)),
            };
            let batch_rows = batches.rows_of(step).len();
            let hook = hook_or(control, &mut plain);
            let batch_weight = hook
                .sums_parts()
                .then(|| batches.batch_weight(step, self.class_weights.as_deref()))
                .transpose()?;
            for part in hook.parts(batch_rows) {
                if part.is_empty() {
                    continue;
                }
                let rows = part.len();
                let loss_sum = self.run_part(batches, net, loss, (step, part), batch_weight)?;
                stats.loss_sum += loss_sum;
                stats.rows += rows;
                hook_or(control, &mut plain).after_part(net, loss_sum / rows as f64, rows);
            }
            self.rows_seen += batch_rows as u64;
            hook_or(control, &mut plain).after_backward(net, &mut stats)?;
            let value = stats.loss_sum / stats.rows.max(1) as f64;
            self.check_loss(value, step, last_finite)?;
            last_finite = Some(value);
            (total, rows) = (total + stats.loss_sum, rows + stats.rows);
            let lr = control.lr(step);
            hook_or(control, &mut plain).step(net, opt, lr);
            if stats.stop {
                let (epoch, steps) = (self.epoch, step + 1);
                return Err(OptimError::Interrupted { epoch, steps });
            }
            let report = StepReport {
                step,
                lr,
                loss: value,
            };
            if control.after_step(&report).is_break() {
                return Ok(total / rows.max(1) as f64);
            }
        }
        self.epoch += 1;
        Ok(total / rows.max(1) as f64)
    }
}

impl Trainer {
    /// Forward and backward on the rows `part` of batch `step`. Returns the part's loss sum:
    /// its mean loss times its rows, or, when the hook sums the parts (`batch_weight` is the
    /// batch's total weight), its share of the batch's mean loss times the batch's rows.
    fn run_part<T: Float, D: Float>(
        &self,
        batches: &mut Batches<'_, T, D>,
        net: &mut Network<T>,
        loss: Loss,
        (step, part): (usize, Range<usize>),
        batch_weight: Option<f64>,
    ) -> Result<f64> {
        let first_row = self.rows_seen + part.start as u64;
        let batch_rows = batches.rows_of(step).len() as f64;
        batches.gather(step, part, net.takes_sparse_input());
        if let Some(weights) = &self.class_weights {
            batches.sample_weights(weights);
        }
        let (xb, yb, wb) = batches.current();
        net.forward_train_input(xb, &self.dropout_key, first_row)?;
        let wb = self.class_weights.as_ref().map(|_| wb);
        let rows = xb.nrows() as f64;
        Ok(match batch_weight {
            Some(total) => {
                let share = batches.current_weight() / total;
                let value = net.backward_loss_input(xb, yb, loss, wb, Some(share))?;
                value * share * batch_rows
            }
            None => net.backward_loss_input(xb, yb, loss, wb, None)? * rows,
        })
    }

    /// A non-finite batch loss, or one above the bound, is divergence.
    fn check_loss(&self, value: f64, step: usize, last_finite: Option<f64>) -> Result<()> {
        let bound = self.loss_bound.filter(|b| b.is_finite());
        if value.is_finite() && !bound.is_some_and(|b| value > b) {
            return Ok(());
        }
        Err(OptimError::Diverged {
            epoch: self.epoch,
            step,
            last_finite_loss: last_finite,
            loss: value,
            bound,
        })
    }
}
