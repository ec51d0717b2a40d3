//! [`TrainState::validate`]: a training state read from a checkpoint is checked as a whole
//! before a run continues from it, so an edited or corrupted file is refused instead of
//! resuming with zero-filled buffers or a miscounted epoch.

use nn_core::Parameters;
use nn_tensor::Float;

use crate::parts::for_each_indexed;
use crate::{AnyOptimizer, OptimError, Result, TrainState};

impl<T: Float> TrainState<T> {
    /// Checks that the parts of the state agree: the optimizer's hyper-parameters are in
    /// range and its buffers (if any) have one entry per network parameter, each empty or as
    /// long as the parameter; every parameter is finite; the epoch reports are numbered in
    /// increasing order below the trainer's epoch counter; class weights are finite and `≥ 0`;
    /// early stopping's settings are in range and its best network has the network's sizes.
    ///
    /// # Errors
    /// [`OptimError::InconsistentState`] naming the first fault (or the config's own error).
    ///
    /// ```
    /// use nn_optim::{EpochReport, Schedule, Sgd, SgdConfig, TrainState, Trainer};
    /// let net = nn_core::textbook::network();
    /// let schedule = Schedule::parse("constant", 0.1, 10)?;
    /// let sgd = Sgd::new(SgdConfig::default())?;
    /// let mut state = TrainState::new(net, sgd, schedule, Trainer::new(1, 0));
    /// state.validate()?;
    /// // a report for an epoch the trainer never ran
    /// let report = EpochReport { epoch: 0, lr: 0.1, train_loss: 1.0, val_loss: None, val_metric: None, seconds: 0.0 };
    /// state.history.push(report);
    /// let err = state.validate().unwrap_err().to_string();
    /// assert!(err.contains("report 0 is numbered 0, but the trainer's epoch counter is 0"), "{err}");
    /// # Ok::<(), nn_optim::OptimError>(())
    /// ```
    pub fn validate(&self) -> Result<()> {
        let lens = param_lens(&self.network)?;
        validate_optimizer(&self.optimizer, &lens)?;
        self.validate_history()?;
        if let Some(weights) = self.trainer.class_weights() {
            if let Some(w) = weights.iter().find(|w| !(w.is_finite() && **w >= 0.0)) {
                let msg = format!("the trainer's class weight {w} is not a finite number ≥ 0");
                return Err(OptimError::InconsistentState(msg));
            }
        }
        if let Some(early) = &self.early_stopping {
            early.validate()?;
        }
        if let Some(best) = self.early_stopping.as_ref().and_then(|e| e.best_network()) {
            let (have, want) = (best.sizes(), self.network.sizes());
            if have != want {
                let msg = format!("early stopping's best network {have:?} is not {want:?}");
                return Err(OptimError::InconsistentState(msg));
            }
        }
        Ok(())
    }

    /// Reports are numbered in increasing order, each below the trainer's epoch counter (a run
    /// may have epochs without reports, run before the driver kept them).
    fn validate_history(&self) -> Result<()> {
        let epoch = self.trainer.epoch();
        let bad =
            self.history.iter().enumerate().find(|(i, r)| {
                r.epoch >= epoch || (*i > 0 && r.epoch <= self.history[i - 1].epoch)
            });
        match bad {
            None => Ok(()),
            Some((i, r)) => Err(OptimError::InconsistentState(format!(
                "epoch report {i} is numbered {}, but the trainer's epoch counter is {epoch} (reports must be numbered in increasing order below it)",
                r.epoch
            ))),
        }
    }
}

/// The length of every parameter of `network`, in visiting order, after checking that each
/// value is finite.
fn param_lens<T: Float>(network: &nn_core::Network<T>) -> Result<Vec<usize>> {
    let mut net = network.clone();
    let (mut lens, mut bad) = (Vec::new(), None);
    for_each_indexed(&mut net as &mut dyn Parameters<T>, |i, p| {
        lens.push(p.value.len());
        if bad.is_none() {
            bad = p.value.iter().position(|v| !v.is_finite()).map(|k| (i, k));
        }
    });
    match bad {
        None => Ok(lens),
        Some((i, k)) => Err(OptimError::InconsistentState(format!(
            "network parameter {i} holds a non-finite value at index {k}"
        ))),
    }
}

fn validate_optimizer<T: Float>(optimizer: &AnyOptimizer<T>, lens: &[usize]) -> Result<()> {
    optimizer.config().validate()?;
    let buffers = optimizer.buffer_lens();
    if !buffers.is_empty() && buffers.len() != lens.len() {
        let msg = format!(
            "the optimizer holds state for {} parameters, the network has {}",
            buffers.len(),
            lens.len()
        );
        return Err(OptimError::InconsistentState(msg));
    }
    for (i, len) in lens.iter().enumerate() {
        let bad = buffers
            .get(i)
            .into_iter()
            .flatten()
            .find(|&&b| b != 0 && b != *len);
        if let Some(b) = bad {
            let msg =
                format!("an optimizer buffer of parameter {i} has {b} values, the parameter {len}");
            return Err(OptimError::InconsistentState(msg));
        }
    }
    Ok(())
}
