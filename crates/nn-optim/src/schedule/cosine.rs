//! Cosine annealing.

use std::f64::consts::PI;

use serde::{Deserialize, Serialize};

use super::{check, LrSchedule};
use crate::Result;

/// Cosine annealing over T epochs (PyTorch's `CosineAnnealingLR`):
/// η(t) = η_min + ½(η0 − η_min)(1 + cos(π·min(t, T)/T)), so η(t) = η_min for t ≥ T.
///
/// For warm restarts see [`CosineRestarts`](super::CosineRestarts).
///
/// ```
/// use nn_optim::schedule::{Cosine, LrSchedule};
/// let s = Cosine::new(1.0, 0.0, 4)?;
/// assert_eq!([s.lr_at(0), s.lr_at(2), s.lr_at(4)], [1.0, 0.5, 0.0]);
/// # Ok::<(), nn_optim::OptimError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Cosine {
    base_lr: f64,
    min_lr: f64,
    total_epochs: usize,
}

impl Cosine {
    /// Anneal from `base_lr` to `min_lr` (η_min) over `total_epochs` (T).
    ///
    /// # Errors
    /// [`OptimError::InvalidConfig`](crate::OptimError) unless `base_lr` is positive,
    /// `min_lr` non-negative (both finite) and `total_epochs >= 1`.
    pub fn new(base_lr: f64, min_lr: f64, total_epochs: usize) -> Result<Self> {
        Ok(Self {
            base_lr: check::positive("base_lr", base_lr)?,
            min_lr: check::non_negative("min_lr", min_lr)?,
            total_epochs: check::at_least_one("total_epochs", total_epochs)?,
        })
    }
}

/// η_min + ½(η0 − η_min)(1 + cos(π·fraction)), fraction in [0, 1].
pub(crate) fn cosine_between(base_lr: f64, min_lr: f64, fraction: f64) -> f64 {
    min_lr + 0.5 * (base_lr - min_lr) * (1.0 + (PI * fraction).cos())
}

impl LrSchedule for Cosine {
    fn lr_at(&self, epoch: usize) -> f64 {
        let fraction = epoch.min(self.total_epochs) as f64 / self.total_epochs as f64;
        cosine_between(self.base_lr, self.min_lr, fraction)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schedule::testutil::assert_lrs;

    #[test]
    fn anneals_to_zero_over_four_epochs() {
        // ½(1 + cos(πt/4)): 1, ½(1 + √2/2), ½, ½(1 − √2/2), 0, then held at 0.
        let s = Cosine::new(1.0, 0.0, 4).unwrap();
        let expected = [
            1.0,
            0.853_553_390_593_273_8,
            0.5,
            0.146_446_609_406_726_24,
            0.0,
            0.0,
        ];
        assert_lrs(&s, &expected);
    }

    #[test]
    fn anneals_to_min_lr() {
        // 0.1 + ½·1·(1 + cos(πt/2)): 1.1, 0.6, 0.1, then held at 0.1.
        assert_lrs(&Cosine::new(1.1, 0.1, 2).unwrap(), &[1.1, 0.6, 0.1, 0.1]);
    }

    #[test]
    fn rejects_zero_epochs() {
        assert!(Cosine::new(1.0, 0.0, 0).is_err());
    }
}
