//! Learning-rate schedules: pure functions of the epoch (reduce-on-plateau excepted).
//!
//! Each schedule is a small config type implementing [`LrSchedule`], validated by its `new`
//! constructor, with its formula in its docs. [`Schedule`] holds any of them (serde
//! serialisable, for model files and checkpoints) and parses the CLI's `--schedule SPEC`.
//! Epochs `t` are 0-based; `η0` is the base rate (`--lr`), `T` the number of epochs
//! (`--epochs`).
//!
//! | SPEC | schedule | η(t) |
//! |------|----------|------|
//! | `constant` | [`Constant`] | η0 |
//! | `step:STEP_SIZE:GAMMA` | [`StepDecay`] | η0·γ^⌊t/STEP_SIZE⌋ |
//! | `multistep:M1,M2,...:GAMMA` | [`MultiStep`] | η0·γ^(number of milestones ≤ t) |
//! | `exp:GAMMA` | [`Exponential`] | η0·γ^t |
//! | `inverse-time:K` | [`InverseTime`] | η0/(1 + K·t) |
//! | `poly:POWER[:END_LR]` | [`Polynomial`] | (η0 − END_LR)(1 − t/T)^POWER + END_LR (END_LR 0) |
//! | `cosine[:MIN_LR]` | [`Cosine`] | MIN_LR + ½(η0 − MIN_LR)(1 + cos(πt/T)) (MIN_LR 0) |
//! | `cosine-restarts:T_0:T_MULT[:MIN_LR]` | [`CosineRestarts`] | cosine over cycles T_0, T_0·T_MULT, ... |
//! | `onecycle[:PCT_START[:DIV_FACTOR:FINAL_DIV_FACTOR]]` | [`OneCycle`] | up to η0 at PCT_START·T, then down (0.3, 25, 1e4) |
//! | `plateau[:PATIENCE:FACTOR[:COOLDOWN[:MIN_LR]]]` | [`ReduceOnPlateau`] | ×FACTOR after PATIENCE bad epochs (10, 0.1, 0, 0) |
//!
//! Names are case-insensitive, arguments are `:`-separated, milestones `,`-separated.
//! Numbers must be finite; rates, γ and POWER positive; K, MIN_LR, END_LR non-negative;
//! FACTOR in (0, 1); PCT_START in [0, 1]; STEP_SIZE, T_0, T_MULT integers ≥ 1; milestones
//! strictly increasing; `poly`, `cosine` and `onecycle` need T ≥ 1. Anything else is an
//! [`OptimError::InvalidSchedule`](crate::OptimError::InvalidSchedule) whose reason ends
//! with [`SPEC_SYNTAX`]. A linear warm-up (`--warmup N`) wraps any of them:
//! [`Schedule::with_warmup`], [`Schedule::parse_with_warmup`], [`Warmup`].
//!
//! ```
//! use nn_optim::schedule::{LrSchedule, Schedule};
//! let s = Schedule::parse_with_warmup("step:2:0.5", 0.1, 10, 1)?;
//! let lrs: Vec<f64> = (0..4).map(|t| s.lr_at(t)).collect();
//! assert_eq!(lrs, [0.05, 0.1, 0.1, 0.05]);
//! # Ok::<(), nn_optim::OptimError>(())
//! ```

mod check;
mod constant;
mod cosine;
mod cosine_restarts;
mod exponential;
mod inverse_time;
mod kind;
mod multi_step;
mod one_cycle;
mod parse;
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
pub use kind::Schedule;
pub use multi_step::MultiStep;
pub use one_cycle::OneCycle;
pub use parse::SPEC_SYNTAX;
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
