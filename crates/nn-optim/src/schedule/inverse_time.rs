//! Inverse-time decay.

use serde::{Deserialize, Serialize};

use super::{check, LrSchedule};
use crate::Result;

/// Inverse-time decay: η(t) = η0 / (1 + k·t) (Keras' `InverseTimeDecay` with
/// `decay_steps = 1`).
///
/// ```
/// use nn_optim::schedule::{InverseTime, LrSchedule};
/// let s = InverseTime::new(0.6, 0.5)?;
/// assert_eq!([s.lr_at(0), s.lr_at(2)], [0.6, 0.3]);
/// # Ok::<(), nn_optim::OptimError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct InverseTime {
    base_lr: f64,
    decay_rate: f64,
}

impl InverseTime {
    /// Start at `base_lr`, decay with rate `decay_rate` (k).
    ///
    /// # Errors
    /// [`OptimError::InvalidConfig`](crate::OptimError) unless `base_lr` is positive and
    /// `decay_rate` non-negative, both finite.
    pub fn new(base_lr: f64, decay_rate: f64) -> Result<Self> {
        Ok(Self {
            base_lr: check::positive("base_lr", base_lr)?,
            decay_rate: check::non_negative("decay_rate", decay_rate)?,
        })
    }
}

impl LrSchedule for InverseTime {
    fn lr_at(&self, epoch: usize) -> f64 {
        self.base_lr / (1.0 + self.decay_rate * epoch as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schedule::testutil::assert_lrs;

    #[test]
    fn decays_as_one_over_t() {
        // 0.6/(1 + 0.5t): 0.6/1, 0.6/1.5, 0.6/2, 0.6/2.5, 0.6/3.
        assert_lrs(
            &InverseTime::new(0.6, 0.5).unwrap(),
            &[0.6, 0.4, 0.3, 0.24, 0.2],
        );
    }

    #[test]
    fn rejects_negative_rate() {
        assert!(InverseTime::new(0.6, -0.1).is_err());
        assert!(InverseTime::new(0.6, 0.0).is_ok());
    }
}
