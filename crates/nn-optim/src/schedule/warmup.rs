//! Linear warm-up in front of any schedule.

use serde::{Deserialize, Serialize};

use super::LrSchedule;

/// Linear warm-up over `w` epochs in front of an inner schedule S:
/// - for t < w: η(t) = S(0) · (t + 1) / (w + 1), a linear ramp that would reach S(0) at t = w;
/// - for t ≥ w: η(t) = S(t − w).
///
/// The inner schedule is **shifted by `w` epochs**: it sees epoch 0 at the first epoch after
/// the warm-up, so its decay starts where the ramp ends. A schedule that needs the length of
/// training (cosine, polynomial, one-cycle) should therefore be built for `epochs − w`
/// epochs; [`Schedule::parse_with_warmup`](super::Schedule::parse_with_warmup) does that.
///
/// ```
/// use nn_optim::schedule::{Constant, LrSchedule, Warmup};
/// let s = Warmup::new(3, Constant::new(0.1)?);
/// let expected = [0.025, 0.05, 0.075, 0.1, 0.1];
/// assert!((0..5).all(|t| (s.lr_at(t) - expected[t]).abs() < 1e-12));
/// # Ok::<(), nn_optim::OptimError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Warmup<S> {
    warmup_epochs: usize,
    inner: S,
}

impl<S> Warmup<S> {
    /// Ramp up over `warmup_epochs` epochs, then follow `inner` (shifted by `warmup_epochs`).
    pub fn new(warmup_epochs: usize, inner: S) -> Self {
        Self {
            warmup_epochs,
            inner,
        }
    }

    /// The number of warm-up epochs.
    ///
    /// ```
    /// # use nn_optim::schedule::{Constant, Warmup};
    /// assert_eq!(Warmup::new(3, Constant::new(0.1)?).warmup_epochs(), 3);
    /// # Ok::<(), nn_optim::OptimError>(())
    /// ```
    pub fn warmup_epochs(&self) -> usize {
        self.warmup_epochs
    }

    /// The wrapped schedule.
    ///
    /// ```
    /// # use nn_optim::schedule::{Constant, Warmup};
    /// let c = Constant::new(0.1)?;
    /// assert_eq!(Warmup::new(3, c).inner(), &c);
    /// # Ok::<(), nn_optim::OptimError>(())
    /// ```
    pub fn inner(&self) -> &S {
        &self.inner
    }

    /// The wrapped schedule, mutably (to feed a metric to a stateful inner schedule).
    ///
    /// ```
    /// # use nn_optim::schedule::{Constant, LrSchedule, Warmup};
    /// let mut w = Warmup::new(2, Constant::new(0.1)?);
    /// *w.inner_mut() = Constant::new(0.2)?;
    /// assert_eq!(w.lr_at(2), 0.2);
    /// # Ok::<(), nn_optim::OptimError>(())
    /// ```
    pub fn inner_mut(&mut self) -> &mut S {
        &mut self.inner
    }
}

impl<S: LrSchedule> LrSchedule for Warmup<S> {
    fn lr_at(&self, epoch: usize) -> f64 {
        let w = self.warmup_epochs;
        if epoch < w {
            let (base, k, n) = (self.inner.lr_at(0), (epoch + 1) as f64, (w + 1) as f64);
            // base·k/n in this order (the bits the schedule has always had); when base·k
            // overflows (a rate near f64::MAX and a long warm-up), base·(k/n) ≤ base instead.
            match base * k / n {
                lr if lr.is_finite() || !base.is_finite() => lr,
                _ => base * (k / n),
            }
        } else {
            self.inner.lr_at(epoch - w)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rate_near_the_largest_float_warms_up_without_overflow() {
        // 1e308 · 2 overflows; 1e308 · (2/4) = 5e307 is the rate of epoch 1 of a 3-epoch
        // warm-up (k = 2, n = 4).
        let s = Warmup::new(3, crate::schedule::Constant::new(1e308).unwrap());
        assert_eq!(s.lr_at(1), 5e307);
        assert_eq!(s.lr_at(3), 1e308);
    }
    use crate::schedule::testutil::assert_lrs;
    use crate::schedule::{Constant, StepDecay};

    #[test]
    fn ramps_to_a_constant() {
        // 0.1·(t+1)/4 for t < 3: 0.025, 0.05, 0.075; then 0.1.
        let s = Warmup::new(3, Constant::new(0.1).unwrap());
        assert_lrs(&s, &[0.025, 0.05, 0.075, 0.1, 0.1]);
    }

    #[test]
    fn shifts_the_inner_schedule() {
        // Ramp 0.4·1/2 = 0.2; then step decay 0.4·0.5^(t−1): 0.4, 0.2, 0.1.
        let s = Warmup::new(1, StepDecay::new(0.4, 1, 0.5).unwrap());
        assert_lrs(&s, &[0.2, 0.4, 0.2, 0.1]);
    }

    #[test]
    fn zero_warmup_is_the_inner_schedule() {
        let s = Warmup::new(0, StepDecay::new(0.4, 1, 0.5).unwrap());
        assert_lrs(&s, &[0.4, 0.2, 0.1]);
    }
}
