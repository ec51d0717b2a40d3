//! Cosine annealing with warm restarts (SGDR).

use serde::{Deserialize, Serialize};

use super::cosine::cosine_between;
use super::{check, LrSchedule};
use crate::Result;

/// Cosine annealing with warm restarts, SGDR (Loshchilov & Hutter; PyTorch's
/// `CosineAnnealingWarmRestarts`): the i-th cycle lasts T_i = T_0·T_mult^i epochs, and within
/// it, at epoch T_cur since the last restart,
/// η(t) = η_min + ½(η0 − η_min)(1 + cos(π·T_cur/T_i)).
///
/// ```
/// use nn_optim::schedule::{CosineRestarts, LrSchedule};
/// let s = CosineRestarts::new(1.0, 0.0, 2, 2)?; // cycles of 2, 4, 8, ... epochs
/// assert_eq!([s.lr_at(0), s.lr_at(1), s.lr_at(2), s.lr_at(4)], [1.0, 0.5, 1.0, 0.5]);
/// # Ok::<(), nn_optim::OptimError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CosineRestarts {
    base_lr: f64,
    min_lr: f64,
    first_period: usize,
    period_mult: usize,
}

impl CosineRestarts {
    /// Restart at `base_lr` every cycle, annealing to `min_lr`; the first cycle lasts
    /// `first_period` (T_0) epochs and each next one `period_mult` (T_mult) times longer.
    ///
    /// # Errors
    /// [`OptimError::InvalidConfig`](crate::OptimError) unless `base_lr` is positive,
    /// `min_lr` non-negative (both finite), and `first_period`, `period_mult` are `>= 1`.
    pub fn new(base_lr: f64, min_lr: f64, first_period: usize, period_mult: usize) -> Result<Self> {
        Ok(Self {
            base_lr: check::positive("base_lr", base_lr)?,
            min_lr: check::non_negative("min_lr", min_lr)?,
            first_period: check::at_least_one("first_period", first_period)?,
            period_mult: check::at_least_one("period_mult", period_mult)?,
        })
    }

    /// (T_cur, T_i): the epoch within the current cycle and that cycle's length.
    fn position(&self, epoch: usize) -> (usize, usize) {
        if self.period_mult == 1 {
            return (epoch % self.first_period, self.first_period);
        }
        let (mut t_cur, mut period) = (epoch, self.first_period);
        while t_cur >= period {
            t_cur -= period;
            period = period.saturating_mul(self.period_mult);
        }
        (t_cur, period)
    }
}

impl LrSchedule for CosineRestarts {
    fn lr_at(&self, epoch: usize) -> f64 {
        let (t_cur, period) = self.position(epoch);
        cosine_between(self.base_lr, self.min_lr, t_cur as f64 / period as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schedule::testutil::assert_lrs;

    #[test]
    fn doubling_cycles() {
        // Cycles [0,1] (T=2), [2..5] (T=4), then a restart at 6 (T=8):
        // ½(1+cos(0)), ½(1+cos(π/2)); ½(1+cos(πk/4)) for k=0..3; ½(1+cos(0)).
        let s = CosineRestarts::new(1.0, 0.0, 2, 2).unwrap();
        let (a, b) = (0.853_553_390_593_273_8, 0.146_446_609_406_726_24);
        assert_lrs(&s, &[1.0, 0.5, 1.0, a, 0.5, b, 1.0]);
    }

    #[test]
    fn equal_cycles() {
        // T=3 each: ½(1+cos(πk/3)) = 1, 0.75, 0.25, then again from 1.
        let s = CosineRestarts::new(1.0, 0.0, 3, 1).unwrap();
        assert_lrs(&s, &[1.0, 0.75, 0.25, 1.0, 0.75, 0.25, 1.0]);
    }

    #[test]
    fn respects_min_lr() {
        // 0.5 + ½·0.5·(1 + cos(πk/2)): 1.0, 0.75, then a restart.
        assert_lrs(
            &CosineRestarts::new(1.0, 0.5, 2, 1).unwrap(),
            &[1.0, 0.75, 1.0],
        );
    }

    #[test]
    fn rejects_zero_periods() {
        assert!(CosineRestarts::new(1.0, 0.0, 0, 2).is_err());
        assert!(CosineRestarts::new(1.0, 0.0, 2, 0).is_err());
    }
}
