//! The constant schedule.

use serde::{Deserialize, Serialize};

use super::{check, LrSchedule};
use crate::Result;

/// A constant learning rate: η(t) = η0.
///
/// ```
/// use nn_optim::schedule::{Constant, LrSchedule};
/// let s = Constant::new(0.1)?;
/// assert_eq!((s.lr_at(0), s.lr_at(99)), (0.1, 0.1));
/// # Ok::<(), nn_optim::OptimError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Constant {
    base_lr: f64,
}

impl Constant {
    /// The constant rate `base_lr`.
    ///
    /// # Errors
    /// [`OptimError::InvalidConfig`](crate::OptimError) if `base_lr` is not positive and finite.
    pub fn new(base_lr: f64) -> Result<Self> {
        Ok(Self {
            base_lr: check::positive("base_lr", base_lr)?,
        })
    }
}

impl LrSchedule for Constant {
    fn lr_at(&self, _epoch: usize) -> f64 {
        self.base_lr
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schedule::testutil::assert_lrs;

    #[test]
    fn constant_is_constant() {
        assert_lrs(&Constant::new(0.1).unwrap(), &[0.1, 0.1, 0.1, 0.1]);
    }

    #[test]
    fn rejects_bad_rates() {
        for lr in [0.0, -0.1, f64::NAN, f64::INFINITY] {
            assert!(Constant::new(lr).is_err(), "{lr}");
        }
    }
}
