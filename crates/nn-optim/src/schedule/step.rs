//! Step decay.

use serde::{Deserialize, Serialize};

use super::{check, LrSchedule};
use crate::Result;

/// Step decay: the rate is multiplied by γ every `step_size` epochs,
/// η(t) = η0 · γ^⌊t / step_size⌋ (PyTorch's `StepLR`).
///
/// ```
/// use nn_optim::schedule::{LrSchedule, StepDecay};
/// let s = StepDecay::new(0.1, 2, 0.5)?;
/// assert_eq!([s.lr_at(0), s.lr_at(1), s.lr_at(2)], [0.1, 0.1, 0.05]);
/// # Ok::<(), nn_optim::OptimError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct StepDecay {
    base_lr: f64,
    step_size: usize,
    gamma: f64,
}

impl StepDecay {
    /// Start at `base_lr`, multiply by `gamma` every `step_size` epochs.
    ///
    /// # Errors
    /// [`OptimError::InvalidConfig`](crate::OptimError) unless `base_lr` and `gamma` are
    /// positive and finite and `step_size >= 1`.
    pub fn new(base_lr: f64, step_size: usize, gamma: f64) -> Result<Self> {
        Ok(Self {
            base_lr: check::positive("base_lr", base_lr)?,
            step_size: check::at_least_one("step_size", step_size)?,
            gamma: check::positive("gamma", gamma)?,
        })
    }
}

impl LrSchedule for StepDecay {
    fn lr_at(&self, epoch: usize) -> f64 {
        self.base_lr * check::pow_usize(self.gamma, epoch / self.step_size)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schedule::testutil::assert_lrs;

    #[test]
    fn halves_every_two_epochs() {
        // 0.1·0.5^⌊t/2⌋: t=0,1 → 0.1; t=2,3 → 0.05; t=4 → 0.025.
        assert_lrs(
            &StepDecay::new(0.1, 2, 0.5).unwrap(),
            &[0.1, 0.1, 0.05, 0.05, 0.025],
        );
    }

    #[test]
    fn step_size_one_is_exponential() {
        // 1·0.1^t.
        assert_lrs(
            &StepDecay::new(1.0, 1, 0.1).unwrap(),
            &[1.0, 0.1, 0.01, 0.001],
        );
    }

    #[test]
    fn rejects_zero_step_size_and_bad_gamma() {
        assert!(StepDecay::new(0.1, 0, 0.5).is_err());
        assert!(StepDecay::new(0.1, 2, 0.0).is_err());
        assert!(StepDecay::new(0.1, 2, f64::NAN).is_err());
    }
}
