//! Exponential decay.

use serde::{Deserialize, Serialize};

use super::{check, LrSchedule};
use crate::Result;

/// Exponential decay: η(t) = η0 · γ^t (PyTorch's `ExponentialLR`).
///
/// ```
/// use nn_optim::schedule::{Exponential, LrSchedule};
/// let s = Exponential::new(0.8, 0.5)?;
/// assert_eq!([s.lr_at(0), s.lr_at(1), s.lr_at(2)], [0.8, 0.4, 0.2]);
/// # Ok::<(), nn_optim::OptimError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Exponential {
    base_lr: f64,
    gamma: f64,
}

impl Exponential {
    /// Start at `base_lr`, multiply by `gamma` every epoch.
    ///
    /// # Errors
    /// [`OptimError::InvalidConfig`](crate::OptimError) unless both are positive and finite.
    pub fn new(base_lr: f64, gamma: f64) -> Result<Self> {
        Ok(Self {
            base_lr: check::positive("base_lr", base_lr)?,
            gamma: check::positive("gamma", gamma)?,
        })
    }
}

impl LrSchedule for Exponential {
    fn lr_at(&self, epoch: usize) -> f64 {
        self.base_lr * check::pow_usize(self.gamma, epoch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schedule::testutil::assert_lrs;

    #[test]
    fn halves_every_epoch() {
        // 0.8·0.5^t.
        assert_lrs(
            &Exponential::new(0.8, 0.5).unwrap(),
            &[0.8, 0.4, 0.2, 0.1, 0.05],
        );
    }

    #[test]
    fn rejects_non_finite_gamma() {
        assert!(Exponential::new(0.8, f64::INFINITY).is_err());
        assert!(Exponential::new(0.8, -0.5).is_err());
    }
}
