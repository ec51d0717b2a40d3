//! Learning-rate schedules: pure functions of the epoch (reduce-on-plateau excepted).

/// A learning-rate schedule: the rate to use in epoch `epoch` (0-based).
///
/// Schedules are pure (`lr_at` depends only on `epoch`), so a resumed training run gets the
/// same rates; the one stateful schedule, reduce-on-plateau, watches a metric.
pub trait LrSchedule {
    /// The learning rate for epoch `epoch` (0-based).
    fn lr_at(&self, epoch: usize) -> f64;
}
