//! Polynomial decay.

use serde::{Deserialize, Serialize};

use super::{check, LrSchedule};
use crate::Result;

/// Polynomial decay from η0 to η_end over T epochs:
/// η(t) = (η0 − η_end) · (1 − min(t, T)/T)^p + η_end, so η(t) = η_end for t ≥ T.
///
/// ```
/// use nn_optim::schedule::{LrSchedule, Polynomial};
/// let s = Polynomial::new(1.0, 0.0, 2.0, 4)?;
/// assert_eq!([s.lr_at(0), s.lr_at(2), s.lr_at(4)], [1.0, 0.25, 0.0]);
/// # Ok::<(), nn_optim::OptimError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Polynomial {
    base_lr: f64,
    end_lr: f64,
    power: f64,
    total_epochs: usize,
}

impl Polynomial {
    /// Decay from `base_lr` to `end_lr` over `total_epochs` with exponent `power` (p).
    ///
    /// # Errors
    /// [`OptimError::InvalidConfig`](crate::OptimError) unless `base_lr` and `power` are
    /// positive, `end_lr` non-negative (all finite) and `total_epochs >= 1`.
    pub fn new(base_lr: f64, end_lr: f64, power: f64, total_epochs: usize) -> Result<Self> {
        Ok(Self {
            base_lr: check::positive("base_lr", base_lr)?,
            end_lr: check::non_negative("end_lr", end_lr)?,
            power: check::positive("power", power)?,
            total_epochs: check::at_least_one("total_epochs", total_epochs)?,
        })
    }
}

impl LrSchedule for Polynomial {
    fn lr_at(&self, epoch: usize) -> f64 {
        let remaining = 1.0 - epoch.min(self.total_epochs) as f64 / self.total_epochs as f64;
        (self.base_lr - self.end_lr) * remaining.powf(self.power) + self.end_lr
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schedule::testutil::assert_lrs;

    #[test]
    fn quadratic_to_zero() {
        // (1 − t/4)²: 1, 0.75², 0.5², 0.25², 0, then held at 0.
        let s = Polynomial::new(1.0, 0.0, 2.0, 4).unwrap();
        assert_lrs(&s, &[1.0, 0.5625, 0.25, 0.0625, 0.0, 0.0]);
    }

    #[test]
    fn linear_to_end_lr() {
        // 0.4·(1 − t/4) + 0.1: 0.5, 0.4, 0.3, 0.2, 0.1, then held at 0.1.
        let s = Polynomial::new(0.5, 0.1, 1.0, 4).unwrap();
        assert_lrs(&s, &[0.5, 0.4, 0.3, 0.2, 0.1, 0.1]);
    }

    #[test]
    fn rejects_bad_config() {
        assert!(Polynomial::new(1.0, 0.0, 2.0, 0).is_err());
        assert!(Polynomial::new(1.0, 0.0, 0.0, 4).is_err());
        assert!(Polynomial::new(1.0, -0.1, 2.0, 4).is_err());
    }
}
