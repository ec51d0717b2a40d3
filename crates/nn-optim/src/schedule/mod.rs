//! Learning-rate schedules: pure functions of the epoch (reduce-on-plateau excepted).

mod check;
mod constant;
mod cosine;
mod cosine_restarts;
mod exponential;
mod inverse_time;
mod multi_step;
mod one_cycle;
mod plateau;
mod polynomial;
mod step;
#[cfg(test)]
mod testutil;
mod warmup;

pub use constant::Constant;
pub use cosine::Cosine;
pub use cosine_restarts::CosineRestarts;
pub use exponential::Exponential;
pub use inverse_time::InverseTime;
pub use multi_step::MultiStep;
pub use one_cycle::OneCycle;
pub use plateau::{PlateauConfig, PlateauMode, ReduceOnPlateau};
pub use polynomial::Polynomial;
pub use step::StepDecay;
pub use warmup::Warmup;

/// A learning-rate schedule: the rate to use in epoch `epoch` (0-based).
///
/// Schedules are pure (`lr_at` depends only on `epoch`), so a resumed training run gets the
/// same rates; the one stateful schedule, reduce-on-plateau, watches a metric.
///
/// ```
/// use nn_optim::schedule::{Exponential, LrSchedule};
/// let s: Box<dyn LrSchedule> = Box::new(Exponential::new(1.0, 0.5)?);
/// assert_eq!(s.lr_at(2), 0.25);
/// # Ok::<(), nn_optim::OptimError>(())
/// ```
pub trait LrSchedule {
    /// The learning rate for epoch `epoch` (0-based).
    fn lr_at(&self, epoch: usize) -> f64;
}

impl<S: LrSchedule + ?Sized> LrSchedule for Box<S> {
    fn lr_at(&self, epoch: usize) -> f64 {
        (**self).lr_at(epoch)
    }
}
