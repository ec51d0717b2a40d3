//! [`Schedule`]: every schedule in one serialisable enum.

use serde::{Deserialize, Serialize};

use super::{
    parse, Constant, Cosine, CosineRestarts, Exponential, InverseTime, LrSchedule, MultiStep,
    OneCycle, Polynomial, ReduceOnPlateau, StepDecay, Warmup,
};
use crate::Result;

/// Any learning-rate schedule, chosen at run time (from a SPEC string or a checkpoint).
///
/// Serialises with a `"kind"` tag, e.g. `{"kind":"step","base_lr":0.1,...}`; a
/// reduce-on-plateau schedule carries its state, so a checkpoint resumes it exactly.
///
/// ```
/// use nn_optim::schedule::{LrSchedule, Schedule};
/// let s = Schedule::parse("step:2:0.5", 0.1, 10)?;
/// assert_eq!([s.lr_at(0), s.lr_at(2)], [0.1, 0.05]);
/// # Ok::<(), nn_optim::OptimError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Schedule {
    /// See [`Constant`].
    Constant(Constant),
    /// See [`StepDecay`].
    Step(StepDecay),
    /// See [`MultiStep`].
    MultiStep(MultiStep),
    /// See [`Exponential`].
    Exponential(Exponential),
    /// See [`InverseTime`].
    InverseTime(InverseTime),
    /// See [`Polynomial`].
    Polynomial(Polynomial),
    /// See [`Cosine`].
    Cosine(Cosine),
    /// See [`CosineRestarts`].
    CosineRestarts(CosineRestarts),
    /// See [`OneCycle`].
    OneCycle(OneCycle),
    /// See [`ReduceOnPlateau`]; the only stateful variant.
    Plateau(ReduceOnPlateau),
    /// See [`Warmup`]; wraps any other variant.
    Warmup(Warmup<Box<Schedule>>),
}

impl Schedule {
    /// Parses a SPEC (grammar in the [module docs](super)) for base rate `base_lr` and a run of
    /// `epochs` epochs.
    ///
    /// ```
    /// use nn_optim::schedule::Schedule;
    /// assert!(matches!(Schedule::parse("cosine:1e-4", 0.1, 100)?, Schedule::Cosine(_)));
    /// assert!(Schedule::parse("cosine:x", 0.1, 100).is_err());
    /// # Ok::<(), nn_optim::OptimError>(())
    /// ```
    ///
    /// # Errors
    /// [`OptimError::InvalidSchedule`](crate::OptimError::InvalidSchedule), whose reason lists
    /// the accepted syntax, for an unknown name, a wrong number of arguments, a non-numeric or
    /// out-of-range value, or a schedule that needs `epochs >= 1` given 0.
    pub fn parse(spec: &str, base_lr: f64, epochs: usize) -> Result<Self> {
        parse::parse(spec, base_lr, epochs)
    }

    /// Parses `spec` for the `epochs − warmup` epochs after a linear warm-up of `warmup`
    /// epochs, and wraps it (see [`Warmup`]), so the whole run lasts `epochs` epochs.
    ///
    /// ```
    /// use nn_optim::schedule::{LrSchedule, Schedule};
    /// let s = Schedule::parse_with_warmup("cosine", 1.0, 6, 2)?; // cosine over 4 epochs
    /// assert_eq!([s.lr_at(2), s.lr_at(4), s.lr_at(6)], [1.0, 0.5, 0.0]);
    /// # Ok::<(), nn_optim::OptimError>(())
    /// ```
    ///
    /// # Errors
    /// As [`parse`](Self::parse), with `epochs − warmup` epochs (saturating at 0).
    pub fn parse_with_warmup(
        spec: &str,
        base_lr: f64,
        epochs: usize,
        warmup: usize,
    ) -> Result<Self> {
        Ok(Self::parse(spec, base_lr, epochs.saturating_sub(warmup))?.with_warmup(warmup))
    }

    /// Wraps `self` in a linear warm-up of `warmup` epochs (none if 0). `self` is shifted by
    /// `warmup` epochs, see [`Warmup`].
    ///
    /// ```
    /// use nn_optim::schedule::{LrSchedule, Schedule};
    /// let s = Schedule::parse("constant", 0.4, 10)?.with_warmup(1);
    /// assert_eq!([s.lr_at(0), s.lr_at(1)], [0.2, 0.4]);
    /// # Ok::<(), nn_optim::OptimError>(())
    /// ```
    pub fn with_warmup(self, warmup: usize) -> Self {
        if warmup == 0 {
            self
        } else {
            Self::Warmup(Warmup::new(warmup, Box::new(self)))
        }
    }

    /// Feeds the metric of the epoch just finished to a reduce-on-plateau schedule (also
    /// inside a warm-up); a no-op for the pure schedules.
    ///
    /// ```
    /// use nn_optim::schedule::{LrSchedule, Schedule};
    /// let mut s = Schedule::parse("plateau:0:0.5", 1.0, 10)?;
    /// s.observe(1.0);
    /// s.observe(1.0);
    /// assert_eq!(s.lr_at(2), 0.5);
    /// # Ok::<(), nn_optim::OptimError>(())
    /// ```
    pub fn observe(&mut self, metric: f64) {
        match self {
            Self::Plateau(s) => s.observe(metric),
            Self::Warmup(w) => w.inner_mut().observe(metric),
            _ => {}
        }
    }

    /// Whether [`observe`](Self::observe) matters, i.e. the trainer must compute a metric.
    ///
    /// ```
    /// use nn_optim::schedule::Schedule;
    /// assert!(Schedule::parse("plateau", 0.1, 10)?.with_warmup(2).needs_metric());
    /// assert!(!Schedule::parse("cosine", 0.1, 10)?.needs_metric());
    /// # Ok::<(), nn_optim::OptimError>(())
    /// ```
    pub fn needs_metric(&self) -> bool {
        match self {
            Self::Plateau(_) => true,
            Self::Warmup(w) => w.inner().needs_metric(),
            _ => false,
        }
    }

    /// The schedule as a trait object, for dispatch.
    fn as_dyn(&self) -> &dyn LrSchedule {
        match self {
            Self::Constant(s) => s,
            Self::Step(s) => s,
            Self::MultiStep(s) => s,
            Self::Exponential(s) => s,
            Self::InverseTime(s) => s,
            Self::Polynomial(s) => s,
            Self::Cosine(s) => s,
            Self::CosineRestarts(s) => s,
            Self::OneCycle(s) => s,
            Self::Plateau(s) => s,
            Self::Warmup(s) => s,
        }
    }
}

impl LrSchedule for Schedule {
    fn lr_at(&self, epoch: usize) -> f64 {
        self.as_dyn().lr_at(epoch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schedule::testutil::assert_lrs;

    const SPECS: [&str; 11] = [
        "constant",
        "step:2:0.5",
        "multistep:2,3:0.1",
        "exp:0.5",
        "inverse-time:0.5",
        "poly:2",
        "cosine:0.01",
        "cosine-restarts:2:2",
        "onecycle:0.4",
        "plateau:1:0.5",
        "plateau:1:0.5:1:0.01",
    ];

    #[test]
    fn serde_round_trips_every_variant() {
        for spec in SPECS {
            for schedule in [
                Schedule::parse(spec, 0.1, 5).unwrap(),
                Schedule::parse_with_warmup(spec, 0.1, 8, 3).unwrap(),
            ] {
                let json = serde_json::to_string(&schedule).unwrap();
                let back: Schedule = serde_json::from_str(&json).unwrap();
                assert_eq!(back, schedule, "{json}");
            }
        }
    }

    #[test]
    fn json_is_tagged_by_kind() {
        let json = serde_json::to_string(&Schedule::parse("step:2:0.5", 0.1, 5).unwrap()).unwrap();
        assert_eq!(
            json,
            r#"{"kind":"step","base_lr":0.1,"step_size":2,"gamma":0.5}"#
        );
    }

    #[test]
    fn enum_dispatches_to_the_variant() {
        // step:2:0.5 from 0.1, as in the brief.
        assert_lrs(
            &Schedule::parse("step:2:0.5", 0.1, 5).unwrap(),
            &[0.1, 0.1, 0.05, 0.05, 0.025],
        );
        // exp:0.5 from 0.8 behind a 1-epoch warm-up: 0.4, then 0.8·0.5^(t−1).
        let s = Schedule::parse("exp:0.5", 0.8, 5).unwrap().with_warmup(1);
        assert_lrs(&s, &[0.4, 0.8, 0.4, 0.2]);
    }

    #[test]
    fn warmup_shortens_the_inner_run() {
        // cosine over 6 − 2 = 4 epochs after a 2-epoch ramp: 1/3, 2/3, then ½(1 + cos(πk/4)).
        let s = Schedule::parse_with_warmup("cosine", 1.0, 6, 2).unwrap();
        let (a, b) = (0.853_553_390_593_273_8, 0.146_446_609_406_726_24);
        assert_lrs(&s, &[1.0 / 3.0, 2.0 / 3.0, 1.0, a, 0.5, b, 0.0]);
        assert_eq!(
            Schedule::parse_with_warmup("cosine", 1.0, 6, 0).unwrap(),
            Schedule::parse("cosine", 1.0, 6).unwrap()
        );
    }

    #[test]
    fn observe_reaches_a_plateau_inside_a_warmup() {
        // plateau:0:0.5 from 1.0 behind a 1-epoch ramp (0.5); a repeated metric halves it.
        let mut s = Schedule::parse("plateau:0:0.5", 1.0, 10)
            .unwrap()
            .with_warmup(1);
        assert!(s.needs_metric());
        assert_eq!(s.lr_at(0), 0.5);
        s.observe(1.0);
        s.observe(1.0);
        assert_eq!((s.lr_at(0), s.lr_at(3)), (0.25, 0.5));
    }

    #[test]
    fn observe_is_a_no_op_for_pure_schedules() {
        let mut s = Schedule::parse("cosine", 1.0, 4).unwrap();
        let before = s.clone();
        s.observe(f64::NAN);
        assert_eq!(s, before);
        assert!(!s.needs_metric());
    }
}
