//! The one-cycle policy.

use serde::{Deserialize, Serialize};

use super::cosine::cosine_between;
use super::{check, LrSchedule};
use crate::Result;

/// The one-cycle policy (Smith & Topin), with PyTorch's `OneCycleLR` semantics for
/// `anneal_strategy="cos"`, `three_phase=False`, stepped once per epoch over T epochs.
///
/// With η_start = η_max / `div_factor`, η_end = η_start / `final_div_factor` and the peak
/// epoch p = `pct_start`·T − 1 (a real number):
/// - phase 1, t ≤ p: η(t) = cos_anneal(η_start → η_max, t / p);
/// - phase 2, t > p: η(t) = cos_anneal(η_max → η_end, (t − p) / (T − 1 − p));
///
/// where cos_anneal(a → b, x) = b + ½(a − b)(1 + cos(π·x)). Epochs t ≥ T use t = T − 1
/// (η_end). A phase of zero length (PyTorch divides 0 by 0 there) yields its end value.
/// Defaults as PyTorch: `div_factor` 25, `final_div_factor` 1e4.
///
/// ```
/// use nn_optim::schedule::{LrSchedule, OneCycle};
/// let s = OneCycle::new(1.0, 5, 0.4)?; // peak at epoch 0.4·5 − 1 = 1
/// let close = |a: f64, b: f64| (a - b).abs() < 1e-12;
/// assert!(close(s.lr_at(0), 0.04) && close(s.lr_at(1), 1.0) && close(s.lr_at(4), 4e-6));
/// # Ok::<(), nn_optim::OptimError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct OneCycle {
    max_lr: f64,
    total_epochs: usize,
    pct_start: f64,
    div_factor: f64,
    final_div_factor: f64,
}

impl OneCycle {
    /// Peak at `max_lr` after a fraction `pct_start` of `total_epochs`.
    ///
    /// # Errors
    /// [`OptimError::InvalidConfig`](crate::OptimError) unless `max_lr` is positive and
    /// finite, `pct_start` in [0, 1] and `total_epochs >= 1`.
    pub fn new(max_lr: f64, total_epochs: usize, pct_start: f64) -> Result<Self> {
        Ok(Self {
            max_lr: check::positive("max_lr", max_lr)?,
            total_epochs: check::at_least_one("total_epochs", total_epochs)?,
            pct_start: check::unit_closed("pct_start", pct_start)?,
            div_factor: 25.0,
            final_div_factor: 1e4,
        })
    }

    /// Replace the default `div_factor` (25) and `final_div_factor` (1e4).
    ///
    /// ```
    /// use nn_optim::schedule::{LrSchedule, OneCycle};
    /// let s = OneCycle::new(1.0, 5, 0.4)?.with_div_factors(10.0, 100.0)?;
    /// assert!((s.lr_at(0) - 0.1).abs() < 1e-12);
    /// # Ok::<(), nn_optim::OptimError>(())
    /// ```
    ///
    /// # Errors
    /// [`OptimError::InvalidConfig`](crate::OptimError) unless both are positive and finite.
    pub fn with_div_factors(self, div_factor: f64, final_div_factor: f64) -> Result<Self> {
        Ok(Self {
            div_factor: check::positive("div_factor", div_factor)?,
            final_div_factor: check::positive("final_div_factor", final_div_factor)?,
            ..self
        })
    }
}

/// (t − start) / (end − start), or 1 for an empty phase.
fn phase_fraction(t: f64, start: f64, end: f64) -> f64 {
    if end > start {
        (t - start) / (end - start)
    } else {
        1.0
    }
}

impl LrSchedule for OneCycle {
    fn lr_at(&self, epoch: usize) -> f64 {
        let last = (self.total_epochs - 1) as f64;
        let t = (epoch as f64).min(last);
        let peak = self.pct_start * self.total_epochs as f64 - 1.0;
        let start_lr = self.max_lr / self.div_factor;
        let end_lr = start_lr / self.final_div_factor;
        if t <= peak {
            cosine_between(start_lr, self.max_lr, phase_fraction(t, 0.0, peak))
        } else {
            cosine_between(self.max_lr, end_lr, phase_fraction(t, peak, last))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schedule::testutil::assert_lrs;

    #[test]
    fn five_epochs_peak_at_one() {
        // start 1/25 = 0.04, end 0.04/1e4 = 4e-6, peak p = 0.4·5 − 1 = 1.
        // t=0: 0.04; t=1: 1; t=2: 4e-6 + ½(1 − 4e-6)(1 + cos(π/3)) = 4e-6 + 0.999996·0.75;
        // t=3: 4e-6 + 0.999996·0.25; t=4: 4e-6; t=5 is clamped to t=4.
        let s = OneCycle::new(1.0, 5, 0.4).unwrap();
        assert_lrs(&s, &[0.04, 1.0, 0.750_001, 0.250_003, 0.000_004, 0.000_004]);
    }

    #[test]
    fn ten_epochs_default_pct() {
        // p = 0.3·10 − 1 = 2: t=1 is half-way, 1 + ½(0.04 − 1)(1 + cos(π/2)) = 0.52.
        let s = OneCycle::new(1.0, 10, 0.3).unwrap();
        assert_lrs(&s, &[0.04, 0.52, 1.0]);
        assert!((s.lr_at(9) - 4e-6).abs() < 1e-15);
    }

    #[test]
    fn empty_first_phase_starts_at_peak() {
        // p = 0.1·10 − 1 = 0: phase 1 is empty, epoch 0 gets η_max; epoch 9 gets η_end.
        let s = OneCycle::new(1.0, 10, 0.1).unwrap();
        assert_eq!(s.lr_at(0), 1.0);
        assert!((s.lr_at(9) - 4e-6).abs() < 1e-15);
        assert!((0..20).all(|t| s.lr_at(t).is_finite()));
    }

    #[test]
    fn tiny_runs_are_finite() {
        for epochs in 1..4 {
            for pct in [0.0, 0.3, 0.5, 1.0] {
                let s = OneCycle::new(1.0, epochs, pct).unwrap();
                assert!((0..5).all(|t| s.lr_at(t).is_finite()), "{epochs} {pct}");
            }
        }
    }

    #[test]
    fn rejects_bad_config() {
        assert!(OneCycle::new(1.0, 0, 0.3).is_err());
        assert!(OneCycle::new(1.0, 10, 1.5).is_err());
        assert!(OneCycle::new(1.0, 10, 0.3)
            .unwrap()
            .with_div_factors(0.0, 1.0)
            .is_err());
    }
}
