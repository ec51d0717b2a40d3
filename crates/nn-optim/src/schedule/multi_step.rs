//! Multi-step decay.

use serde::{Deserialize, Serialize};

use super::{check, LrSchedule};
use crate::Result;

/// Multi-step decay: the rate is multiplied by γ at each milestone epoch,
/// η(t) = η0 · γ^|{m ∈ milestones : m ≤ t}| (PyTorch's `MultiStepLR`).
///
/// ```
/// use nn_optim::schedule::{LrSchedule, MultiStep};
/// let s = MultiStep::new(1.0, vec![2, 3], 0.1)?;
/// assert_eq!([s.lr_at(1), s.lr_at(2)], [1.0, 0.1]);
/// # Ok::<(), nn_optim::OptimError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MultiStep {
    base_lr: f64,
    milestones: Vec<usize>,
    gamma: f64,
}

impl MultiStep {
    /// Start at `base_lr`, multiply by `gamma` at each of the `milestones` epochs.
    ///
    /// # Errors
    /// [`OptimError::InvalidConfig`](crate::OptimError) unless `base_lr` and `gamma` are
    /// positive and finite and `milestones` is non-empty and strictly increasing.
    pub fn new(base_lr: f64, milestones: Vec<usize>, gamma: f64) -> Result<Self> {
        check_milestones(&milestones)?;
        Ok(Self {
            base_lr: check::positive("base_lr", base_lr)?,
            milestones,
            gamma: check::positive("gamma", gamma)?,
        })
    }
}

fn check_milestones(milestones: &[usize]) -> Result<()> {
    if milestones.is_empty() || milestones.windows(2).any(|w| w[0] >= w[1]) {
        let reason = format!("must be non-empty and strictly increasing, got {milestones:?}");
        return Err(check::invalid("milestones", reason));
    }
    Ok(())
}

impl LrSchedule for MultiStep {
    fn lr_at(&self, epoch: usize) -> f64 {
        let passed = self.milestones.partition_point(|&m| m <= epoch);
        self.base_lr * check::pow_usize(self.gamma, passed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schedule::testutil::assert_lrs;

    #[test]
    fn decays_at_each_milestone() {
        // Milestones 2 and 3: t=0,1 → 1; t=2 → 0.1; t≥3 → 0.01.
        let s = MultiStep::new(1.0, vec![2, 3], 0.1).unwrap();
        assert_lrs(&s, &[1.0, 1.0, 0.1, 0.01, 0.01]);
    }

    #[test]
    fn rejects_unsorted_or_empty_milestones() {
        assert!(MultiStep::new(1.0, vec![], 0.1).is_err());
        assert!(MultiStep::new(1.0, vec![3, 2], 0.1).is_err());
        assert!(MultiStep::new(1.0, vec![2, 2], 0.1).is_err());
    }
}
