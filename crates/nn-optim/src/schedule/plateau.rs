//! Reduce-on-plateau: the one stateful schedule.

use serde::{Deserialize, Serialize};

use super::{check, LrSchedule};
use crate::Result;

/// Whether a lower or a higher metric is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PlateauMode {
    /// Lower is better (a loss).
    #[default]
    Min,
    /// Higher is better (an accuracy).
    Max,
}

/// Options of [`ReduceOnPlateau`]; the defaults are PyTorch's `ReduceLROnPlateau` defaults.
///
/// ```
/// use nn_optim::schedule::PlateauConfig;
/// let c = PlateauConfig { patience: 5, factor: 0.5, ..Default::default() };
/// assert_eq!(c.threshold, 1e-4);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PlateauConfig {
    /// Whether lower or higher metrics are better.
    pub mode: PlateauMode,
    /// Epochs without improvement tolerated; the rate drops on the `patience + 1`-th (10).
    pub patience: usize,
    /// Multiplier applied to the rate on a plateau, in (0, 1) (0.1).
    pub factor: f64,
    /// Relative improvement needed to count as better: in min mode a metric m beats the best
    /// b when m < b·(1 − threshold); in max mode when m > b·(1 + threshold) (1e-4).
    pub threshold: f64,
    /// Epochs after a reduction during which bad epochs are not counted (0).
    pub cooldown: usize,
    /// Lower bound on the rate (0).
    pub min_lr: f64,
    /// Reductions smaller than this are skipped (1e-8).
    pub eps: f64,
}

impl Default for PlateauConfig {
    fn default() -> Self {
        Self {
            mode: PlateauMode::Min,
            patience: 10,
            factor: 0.1,
            threshold: 1e-4,
            cooldown: 0,
            min_lr: 0.0,
            eps: 1e-8,
        }
    }
}

/// Reduce-on-plateau (PyTorch's `ReduceLROnPlateau`, relative threshold): after each epoch,
/// [`observe`](Self::observe) the validation metric; when it has not improved for more than
/// `patience` epochs, η ← max(η·factor, min_lr), then `cooldown` epochs are ignored.
///
/// It is the one stateful schedule: [`lr_at`](LrSchedule::lr_at) ignores the epoch and
/// returns the current rate. The state (rate, best metric, counters) is serde-serialisable,
/// so a checkpoint restores it exactly. A NaN metric counts as no improvement.
///
/// ```
/// use nn_optim::schedule::{LrSchedule, PlateauConfig, ReduceOnPlateau};
/// let config = PlateauConfig { patience: 1, factor: 0.5, ..Default::default() };
/// let mut s = ReduceOnPlateau::new(1.0, config)?;
/// for loss in [0.9, 0.9, 0.9] {
///     s.observe(loss);
/// }
/// assert_eq!(s.lr_at(3), 0.5);
/// # Ok::<(), nn_optim::OptimError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReduceOnPlateau {
    config: PlateauConfig,
    lr: f64,
    best: Option<f64>,
    num_bad_epochs: usize,
    cooldown_counter: usize,
}

impl ReduceOnPlateau {
    /// Start at `base_lr` with the given options.
    ///
    /// # Errors
    /// [`OptimError::InvalidConfig`](crate::OptimError) unless `base_lr` is positive,
    /// `factor` in (0, 1), and `threshold`, `min_lr`, `eps` non-negative, all finite.
    pub fn new(base_lr: f64, config: PlateauConfig) -> Result<Self> {
        check::unit_open("factor", config.factor)?;
        check::non_negative("threshold", config.threshold)?;
        check::non_negative("min_lr", config.min_lr)?;
        check::non_negative("eps", config.eps)?;
        let lr = check::positive("base_lr", base_lr)?;
        Ok(Self {
            config,
            lr,
            best: None,
            num_bad_epochs: 0,
            cooldown_counter: 0,
        })
    }

    /// Record the metric of the epoch just finished; may lower the rate for the next epoch.
    ///
    /// ```
    /// # use nn_optim::schedule::{PlateauConfig, ReduceOnPlateau};
    /// let mut s = ReduceOnPlateau::new(1.0, PlateauConfig { patience: 0, ..Default::default() })?;
    /// s.observe(1.0);
    /// s.observe(2.0); // worse: patience 0 is exhausted
    /// assert_eq!(s.lr(), 0.1);
    /// # Ok::<(), nn_optim::OptimError>(())
    /// ```
    pub fn observe(&mut self, metric: f64) {
        if self.is_better(metric) {
            self.best = Some(metric);
            self.num_bad_epochs = 0;
        } else {
            self.num_bad_epochs += 1;
        }
        if self.cooldown_counter > 0 {
            self.cooldown_counter -= 1;
            self.num_bad_epochs = 0;
        }
        if self.num_bad_epochs > self.config.patience {
            self.reduce();
        }
    }

    /// The current learning rate.
    ///
    /// ```
    /// # use nn_optim::schedule::{PlateauConfig, ReduceOnPlateau};
    /// assert_eq!(ReduceOnPlateau::new(0.1, PlateauConfig::default())?.lr(), 0.1);
    /// # Ok::<(), nn_optim::OptimError>(())
    /// ```
    pub fn lr(&self) -> f64 {
        self.lr
    }

    /// The best metric observed so far (`None` before the first observation).
    ///
    /// ```
    /// # use nn_optim::schedule::{PlateauConfig, ReduceOnPlateau};
    /// let mut s = ReduceOnPlateau::new(0.1, PlateauConfig::default())?;
    /// s.observe(0.5);
    /// assert_eq!(s.best(), Some(0.5));
    /// # Ok::<(), nn_optim::OptimError>(())
    /// ```
    pub fn best(&self) -> Option<f64> {
        self.best
    }

    /// The options this schedule was built with.
    ///
    /// ```
    /// # use nn_optim::schedule::{PlateauConfig, ReduceOnPlateau};
    /// let s = ReduceOnPlateau::new(0.1, PlateauConfig::default())?;
    /// assert_eq!(s.config().patience, 10);
    /// # Ok::<(), nn_optim::OptimError>(())
    /// ```
    pub fn config(&self) -> &PlateauConfig {
        &self.config
    }

    /// PyTorch's relative `is_better`, with an unset best acting as ±∞.
    fn is_better(&self, metric: f64) -> bool {
        let c = &self.config;
        match c.mode {
            PlateauMode::Min => metric < self.best.unwrap_or(f64::INFINITY) * (1.0 - c.threshold),
            PlateauMode::Max => {
                metric > self.best.unwrap_or(f64::NEG_INFINITY) * (1.0 + c.threshold)
            }
        }
    }

    fn reduce(&mut self) {
        let new_lr = (self.lr * self.config.factor).max(self.config.min_lr);
        if self.lr - new_lr > self.config.eps {
            self.lr = new_lr;
        }
        self.cooldown_counter = self.config.cooldown;
        self.num_bad_epochs = 0;
    }
}

impl LrSchedule for ReduceOnPlateau {
    fn lr_at(&self, _epoch: usize) -> f64 {
        self.lr
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The rate after each observation of `metrics`.
    fn lrs_after(mut s: ReduceOnPlateau, metrics: &[f64]) -> Vec<f64> {
        lrs_after_mut(&mut s, metrics)
    }

    fn config(patience: usize, factor: f64) -> PlateauConfig {
        PlateauConfig {
            patience,
            factor,
            ..Default::default()
        }
    }

    #[test]
    fn reduces_with_patience_cooldown_and_floor() {
        // patience 2, factor ½, cooldown 1, min_lr 0.2. Best 1 then 0.9 (obs 2); obs 3-5 bad
        // 1,2,3 → 3 > 2: 0.5, cooldown. Obs 6 (0.8) improves, cooldown ends; obs 7-9 bad → 0.25.
        // Obs 10 is eaten by the cooldown, obs 11-13 bad → max(0.125, 0.2) = 0.2. Obs 14
        // cooldown, 15-17 bad → max(0.1, 0.2) = 0.2: no change.
        let c = PlateauConfig {
            cooldown: 1,
            min_lr: 0.2,
            ..config(2, 0.5)
        };
        let mut metrics = vec![1.0, 0.9, 0.9, 0.9, 0.9];
        metrics.extend([0.8; 12]);
        let expected = [
            1.0, 1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.25, 0.2, 0.2,
        ];
        let got = lrs_after(ReduceOnPlateau::new(1.0, c).unwrap(), &metrics);
        assert_eq!(got[..14], expected);
        assert_eq!(got[14..], [0.2, 0.2, 0.2]);
    }

    #[test]
    fn threshold_is_relative() {
        // 0.99995 is not < 1·(1 − 1e-4) = 0.9999: a bad epoch, patience 0 → 0.5.
        let got = lrs_after(
            ReduceOnPlateau::new(1.0, config(0, 0.5)).unwrap(),
            &[1.0, 0.99995, 0.5],
        );
        assert_eq!(got, [1.0, 0.5, 0.5]);
    }

    #[test]
    fn max_mode_watches_an_accuracy() {
        // 0.5, 0.6 improve; 0.6, 0.6 are bad 1, 2 > patience 1 → 0.1; 0.7 improves.
        let c = PlateauConfig {
            mode: PlateauMode::Max,
            ..config(1, 0.1)
        };
        let got = lrs_after(
            ReduceOnPlateau::new(1.0, c).unwrap(),
            &[0.5, 0.6, 0.6, 0.6, 0.7],
        );
        assert_eq!(got, [1.0, 1.0, 1.0, 0.1, 0.1]);
    }

    #[test]
    fn nan_is_no_improvement() {
        let got = lrs_after(
            ReduceOnPlateau::new(1.0, config(0, 0.1)).unwrap(),
            &[1.0, f64::NAN],
        );
        assert_eq!(got, [1.0, 0.1]);
    }

    #[test]
    fn checkpoint_resume_is_exact() {
        let c = PlateauConfig {
            cooldown: 1,
            ..config(1, 0.5)
        };
        let metrics = [1.0, 0.9, 0.95, 0.95, 0.8, 0.8, 0.8, 0.8, 0.7, 0.7, 0.7];
        let straight = lrs_after(ReduceOnPlateau::new(1.0, c).unwrap(), &metrics);
        for split in 0..metrics.len() {
            let mut s = ReduceOnPlateau::new(1.0, c).unwrap();
            let mut got = lrs_after_mut(&mut s, &metrics[..split]);
            let json = serde_json::to_string(&s).unwrap();
            let resumed: ReduceOnPlateau = serde_json::from_str(&json).unwrap();
            assert_eq!(resumed, s);
            got.extend(lrs_after(resumed, &metrics[split..]));
            assert_eq!(got, straight, "split at {split}");
        }
    }

    fn lrs_after_mut(s: &mut ReduceOnPlateau, metrics: &[f64]) -> Vec<f64> {
        metrics
            .iter()
            .map(|&m| {
                s.observe(m);
                s.lr()
            })
            .collect()
    }

    #[test]
    fn lr_at_is_the_current_rate() {
        let mut s = ReduceOnPlateau::new(1.0, config(0, 0.5)).unwrap();
        s.observe(1.0);
        s.observe(1.0);
        assert_eq!((s.lr_at(0), s.lr_at(7)), (0.5, 0.5));
    }

    #[test]
    fn rejects_bad_config() {
        for c in [
            config(1, 1.0),
            config(1, 0.0),
            PlateauConfig {
                threshold: -1.0,
                ..config(1, 0.5)
            },
            PlateauConfig {
                min_lr: f64::NAN,
                ..config(1, 0.5)
            },
        ] {
            assert!(ReduceOnPlateau::new(1.0, c).is_err(), "{c:?}");
        }
    }
}
